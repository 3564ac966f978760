/* test-keymat.c: the key material and cryptography of the keys family (model/keymat.h) checked
 * against independent implementations: GnuTLS verifies keymat's RS/PS/ES signatures and signs
 * what keymat verifies, GnuTLS encrypts what keymat decrypts (RSA1_5) and the reverse, Wycheproof
 * vectors pin OAEP, libsecp256k1 used directly checks ES256K. Also generation (seeded and not),
 * JWK and PEM import with their checks, exports, and the errors of keymat.h. */
#include <check.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymat-common.h"
#include "keymat.h"
#include "testlib.h"

/* Keys made once in the parent process (an unchecked fixture) and inherited by every forked
 * test: RSA generation at 4096 bits is slow, under valgrind especially. */
static struct mv_keymat *rsa_keys[3];               /* 2048, 3072, 4096 */
static struct mv_keymat *ec_keys[MV_CRV_P256K + 1]; /* indexed by enum mv_crv; [0] unused */
static const unsigned rsa_sizes[3] = {2048, 3072, 4096};

static void keys_setup(void)
{
    for (int i = 0; i < 3; i++)
        rsa_keys[i] = gen(MV_KTY_RSA, rsa_sizes[i], MV_CRV_NONE, "test-keymat rsa");
    for (int c = MV_CRV_P256; c <= MV_CRV_P256K; c++)
        ec_keys[c] = gen(MV_KTY_EC, 0, (enum mv_crv)c, NULL);
}

static void keys_teardown(void)
{
    for (int i = 0; i < 3; i++)
        mv_keymat_unref(rsa_keys[i]);
    for (int c = MV_CRV_P256; c <= MV_CRV_P256K; c++)
        mv_keymat_unref(ec_keys[c]);
}

START_TEST(test_names)
{
    enum mv_key_alg alg;
    enum mv_crv crv;
    for (int a = 0; a < MV_ALG_COUNT; a++) {
        ck_assert(mv_key_alg_parse(mv_key_alg_name((enum mv_key_alg)a), &alg));
        ck_assert_int_eq(alg, a);
    }
    for (int c = MV_CRV_P256; c <= MV_CRV_P256K; c++) {
        ck_assert(mv_crv_parse(mv_crv_name((enum mv_crv)c), &crv));
        ck_assert_int_eq(crv, c);
    }
    /* Key Vault's names are case-sensitive (keymat.h). */
    ck_assert(!mv_key_alg_parse("rs256", &alg));
    ck_assert(!mv_key_alg_parse("RSA-OAEP-384", &alg));
    ck_assert(!mv_crv_parse("p-256", &crv));
    ck_assert(!mv_crv_parse("secp256k1", &crv));
    ck_assert_str_eq(mv_key_alg_name(MV_ALG_RSA_OAEP_256), "RSA-OAEP-256");
    ck_assert_str_eq(mv_crv_name(MV_CRV_P256K), "P-256K");
    ck_assert_uint_eq(mv_key_alg_digest_len(MV_ALG_ES512), 64);
    ck_assert_uint_eq(mv_key_alg_digest_len(MV_ALG_PS384), 48);
    ck_assert_uint_eq(mv_key_alg_digest_len(MV_ALG_ES256K), 32);
    ck_assert_uint_eq(mv_key_alg_digest_len(MV_ALG_RSA_OAEP), 0);
    ck_assert(mv_key_alg_is_signature(MV_ALG_RS256));
    ck_assert(!mv_key_alg_is_signature(MV_ALG_RSA1_5));
}
END_TEST

static void assert_no_private(const struct mv_jwk_out *j)
{
    ck_assert_ptr_null(j->d);
    ck_assert_ptr_null(j->p);
    ck_assert_ptr_null(j->q);
    ck_assert_ptr_null(j->dp);
    ck_assert_ptr_null(j->dq);
    ck_assert_ptr_null(j->qi);
    ck_assert_uint_eq(j->d_len + j->p_len + j->q_len + j->dp_len + j->dq_len + j->qi_len, 0);
}

START_TEST(test_generate_shapes)
{
    struct mv_jwk_out j;
    struct mv_key_spec spec;
    for (int i = 0; i < 3; i++) {
        struct mv_keymat *km = rsa_keys[i];
        ck_assert_int_eq(mv_keymat_kty(km), MV_KTY_RSA);
        ck_assert_uint_eq(mv_keymat_bits(km), rsa_sizes[i]);
        mv_keymat_spec(km, &spec);
        ck_assert_uint_eq(spec.bits, rsa_sizes[i]);
        ck_assert_int_eq(mv_keymat_public(km, &j), MV_KM_OK);
        /* n unsigned and minimal: as long as the modulus, top byte non-zero (spec §2). */
        ck_assert_uint_eq(j.n_len, rsa_sizes[i] / 8);
        ck_assert_uint_ne(j.n[0], 0);
        ck_assert_uint_eq(j.e_len, 3);
        ck_assert(memcmp(j.e, "\x01\x00\x01", 3) == 0);
        ck_assert_ptr_null(j.x);
        assert_no_private(&j);
        mv_jwk_out_finish(&j);
        ck_assert_int_eq(mv_keymat_export(km, &j), MV_KM_OK);
        ck_assert_ptr_nonnull(j.d);
        ck_assert_ptr_nonnull(j.qi);
        ck_assert_uint_eq(j.p_len + j.q_len, rsa_sizes[i] / 8);
        mv_jwk_out_finish(&j);
    }
    const size_t widths[] = {0, 32, 48, 66, 32};
    const unsigned bits[] = {0, 256, 384, 521, 256};
    for (int c = MV_CRV_P256; c <= MV_CRV_P256K; c++) {
        struct mv_keymat *km = ec_keys[c];
        ck_assert_int_eq(mv_keymat_kty(km), MV_KTY_EC);
        ck_assert_int_eq(mv_keymat_crv(km), c);
        ck_assert_uint_eq(mv_keymat_bits(km), bits[c]);
        ck_assert_int_eq(mv_keymat_public(km, &j), MV_KM_OK);
        ck_assert_int_eq(j.crv, c);
        ck_assert_uint_eq(j.x_len, widths[c]);
        ck_assert_uint_eq(j.y_len, widths[c]);
        ck_assert_ptr_null(j.n);
        assert_no_private(&j);
        mv_jwk_out_finish(&j);
        ck_assert_int_eq(mv_keymat_export(km, &j), MV_KM_OK);
        ck_assert_uint_eq(j.d_len, widths[c]);
        mv_jwk_out_finish(&j);
    }
    mv_jwk_out_finish(NULL);
}
END_TEST

START_TEST(test_generate_bad_spec)
{
    struct mv_key_spec spec = {MV_KTY_RSA, 1024, MV_CRV_NONE};
    struct mv_keymat *km = (struct mv_keymat *)&spec;
    ck_assert_int_eq(mv_keymat_generate(&spec, NULL, 0, &km), MV_KM_BAD_SIZE);
    ck_assert_ptr_null(km);
    spec.bits = 2049;
    ck_assert_int_eq(mv_keymat_generate(&spec, "s", 1, &km), MV_KM_BAD_SIZE);
    spec.kty = MV_KTY_EC;
    spec.crv = MV_CRV_NONE;
    ck_assert_int_eq(mv_keymat_generate(&spec, NULL, 0, &km), MV_KM_BAD_KEY);
    ck_assert_ptr_null(km);
}
END_TEST

static bool same_export(const struct mv_keymat *a, const struct mv_keymat *b)
{
    struct mv_jwk_out ja, jb;
    ck_assert_int_eq(mv_keymat_export(a, &ja), MV_KM_OK);
    ck_assert_int_eq(mv_keymat_export(b, &jb), MV_KM_OK);
    bool same = ja.kty == jb.kty && ja.n_len == jb.n_len && ja.d_len == jb.d_len &&
                ja.x_len == jb.x_len && (!ja.n || memcmp(ja.n, jb.n, ja.n_len) == 0) &&
                memcmp(ja.d, jb.d, ja.d_len) == 0 && (!ja.x || memcmp(ja.x, jb.x, ja.x_len) == 0) &&
                (!ja.p || (ja.p_len == jb.p_len && memcmp(ja.p, jb.p, ja.p_len) == 0));
    mv_jwk_out_finish(&ja);
    mv_jwk_out_finish(&jb);
    return same;
}

START_TEST(test_generate_deterministic)
{
    struct mv_keymat *a, *b, *c, *u1, *u2;
    /* The same seed gives the same key, another seed another key, for every kind. */
    a = gen(MV_KTY_RSA, 2048, MV_CRV_NONE, "test-keymat rsa");
    ck_assert(same_export(a, rsa_keys[0]));
    b = gen(MV_KTY_RSA, 2048, MV_CRV_NONE, "test-keymat rsa2");
    ck_assert(!same_export(a, b));
    mv_keymat_unref(a);
    mv_keymat_unref(b);
    for (int crv = MV_CRV_P256; crv <= MV_CRV_P256K; crv++) {
        a = gen(MV_KTY_EC, 0, (enum mv_crv)crv, "seed-A");
        b = gen(MV_KTY_EC, 0, (enum mv_crv)crv, "seed-A");
        c = gen(MV_KTY_EC, 0, (enum mv_crv)crv, "seed-B");
        u1 = gen(MV_KTY_EC, 0, (enum mv_crv)crv, NULL);
        u2 = gen(MV_KTY_EC, 0, (enum mv_crv)crv, NULL);
        ck_assert(same_export(a, b));
        ck_assert(!same_export(a, c));
        ck_assert(!same_export(u1, u2));
        mv_keymat_unref(a);
        mv_keymat_unref(b);
        mv_keymat_unref(c);
        mv_keymat_unref(u1);
        mv_keymat_unref(u2);
    }
    /* The spec is part of the stream: one seed on two curves gives unrelated scalars. */
    a = gen(MV_KTY_EC, 0, MV_CRV_P256, "seed-A");
    b = gen(MV_KTY_EC, 0, MV_CRV_P256K, "seed-A");
    ck_assert(!same_export(a, b));
    mv_keymat_unref(a);
    mv_keymat_unref(b);
}
END_TEST

START_TEST(test_refcount)
{
    struct mv_keymat *km = gen(MV_KTY_EC, 0, MV_CRV_P256, NULL);
    ck_assert_ptr_eq(mv_keymat_ref(km), km);
    mv_keymat_unref(km);
    ck_assert_int_eq(mv_keymat_crv(km), MV_CRV_P256); /* still held once */
    mv_keymat_unref(km);
    mv_keymat_unref(NULL);
    ck_assert_ptr_null(mv_keymat_ref(NULL));
}
END_TEST

static const enum mv_key_alg rsa_sig_algs[] = {MV_ALG_RS256, MV_ALG_RS384, MV_ALG_RS512,
                                               MV_ALG_PS256, MV_ALG_PS384, MV_ALG_PS512};

START_TEST(test_rsa_sign_gnutls_verifies)
{
    unsigned char digest[64], *sig;
    size_t sig_len;
    bool valid;
    struct mv_keymat *km = rsa_keys[_i];

    for (size_t a = 0; a < sizeof rsa_sig_algs / sizeof rsa_sig_algs[0]; a++) {
        enum mv_key_alg alg = rsa_sig_algs[a];
        size_t dlen = mv_key_alg_digest_len(alg);
        fill(digest, sizeof digest, (unsigned char)(a + 1));
        ck_assert_int_eq(mv_keymat_sign(km, alg, digest, dlen, &sig, &sig_len), MV_KM_OK);
        ck_assert_uint_eq(sig_len, rsa_sizes[_i] / 8);
        ck_assert_msg(gnutls_verifies(km, alg, digest, sig, sig_len), "%s", mv_key_alg_name(alg));
        ck_assert_int_eq(mv_keymat_verify(km, alg, digest, dlen, sig, sig_len, &valid), MV_KM_OK);
        ck_assert(valid);
        /* Another digest: both refuse. */
        digest[0] ^= 1;
        ck_assert(!gnutls_verifies(km, alg, digest, sig, sig_len));
        ck_assert_int_eq(mv_keymat_verify(km, alg, digest, dlen, sig, sig_len, &valid), MV_KM_OK);
        ck_assert(!valid);
        digest[0] ^= 1;
        /* A truncated signature is an answer (false), not an error. */
        ck_assert_int_eq(mv_keymat_verify(km, alg, digest, dlen, sig, sig_len - 1, &valid),
                         MV_KM_OK);
        ck_assert(!valid);
        free(sig);
    }
}
END_TEST

/* Signatures GnuTLS makes with the key keymat exported as PKCS#8 verify in keymat. */
START_TEST(test_gnutls_signs_keymat_verifies)
{
    const enum mv_key_alg ec_algs[] = {0, MV_ALG_ES256, MV_ALG_ES384, MV_ALG_ES512};
    unsigned char digest[64], raw[132];
    bool valid;

    for (int k = 0; k < 4; k++) {
        struct mv_keymat *km = k == 0 ? rsa_keys[0] : ec_keys[k];
        gnutls_privkey_t priv = gnutls_priv(km);
        size_t n_algs = k == 0 ? sizeof rsa_sig_algs / sizeof rsa_sig_algs[0] : 1;
        for (size_t a = 0; a < n_algs; a++) {
            enum mv_key_alg alg = k == 0 ? rsa_sig_algs[a] : ec_algs[k];
            size_t dlen = mv_key_alg_digest_len(alg);
            gnutls_datum_t h = datum(digest, dlen), sig, r, s;
            fill(digest, sizeof digest, (unsigned char)(40 + a));
            ck_assert_int_eq(gnutls_privkey_sign_hash2(priv, gnutls_sign_alg(alg), 0, &h, &sig), 0);
            const unsigned char *p = sig.data;
            size_t len = sig.size;
            if (k > 0) {
                /* DER to fixed-width r||s, as a Key Vault client sends it. */
                size_t w = mv_keymat_bits(km) == 521 ? 66 : mv_keymat_bits(km) / 8;
                ck_assert_int_eq(gnutls_decode_rs_value(&sig, &r, &s), 0);
                memset(raw, 0, sizeof raw);
                ck_assert_uint_le(r.size, w + 1);
                ck_assert_uint_le(s.size, w + 1);
                memcpy(raw + w - (r.size > w ? w : r.size), r.data + (r.size > w),
                       r.size - (r.size > w));
                memcpy(raw + 2 * w - (s.size > w ? w : s.size), s.data + (s.size > w),
                       s.size - (s.size > w));
                gnutls_free(r.data);
                gnutls_free(s.data);
                p = raw;
                len = 2 * w;
            }
            ck_assert_int_eq(mv_keymat_verify(km, alg, digest, dlen, p, len, &valid), MV_KM_OK);
            ck_assert_msg(valid, "%s", mv_key_alg_name(alg));
            gnutls_free(sig.data);
        }
        gnutls_privkey_deinit(priv);
    }
}
END_TEST

START_TEST(test_ecdsa_gnutls_verifies)
{
    const enum mv_key_alg algs[] = {0, MV_ALG_ES256, MV_ALG_ES384, MV_ALG_ES512};
    const size_t widths[] = {0, 32, 48, 66};
    unsigned char digest[64], *sig;
    size_t sig_len;
    bool valid;

    for (int c = MV_CRV_P256; c <= MV_CRV_P521; c++) {
        size_t dlen = mv_key_alg_digest_len(algs[c]);
        for (int round = 0; round < 4; round++) {
            fill(digest, sizeof digest, (unsigned char)(c * 16 + round));
            ck_assert_int_eq(mv_keymat_sign(ec_keys[c], algs[c], digest, dlen, &sig, &sig_len),
                             MV_KM_OK);
            ck_assert_uint_eq(sig_len, 2 * widths[c]);
            ck_assert(gnutls_verifies(ec_keys[c], algs[c], digest, sig, sig_len));
            ck_assert_int_eq(
                mv_keymat_verify(ec_keys[c], algs[c], digest, dlen, sig, sig_len, &valid),
                MV_KM_OK);
            ck_assert(valid);
            sig[sig_len - 1] ^= 0x40;
            ck_assert(!gnutls_verifies(ec_keys[c], algs[c], digest, sig, sig_len));
            ck_assert_int_eq(
                mv_keymat_verify(ec_keys[c], algs[c], digest, dlen, sig, sig_len, &valid),
                MV_KM_OK);
            ck_assert(!valid);
            free(sig);
        }
    }
}
END_TEST

START_TEST(test_rsa15_against_gnutls)
{
    struct mv_keymat *km = rsa_keys[_i];
    size_t k = rsa_sizes[_i] / 8, out_len;
    unsigned char msg[512], *ct, *pt;
    gnutls_pubkey_t pub = gnutls_pub(km);
    gnutls_privkey_t priv = gnutls_priv(km);
    gnutls_datum_t in, gct, gpt;

    fill(msg, sizeof msg, 3);
    /* GnuTLS encrypts, keymat decrypts; the longest plaintext is k-11 (spec §3.7). */
    in = datum(msg, k - 11);
    ck_assert_int_eq(gnutls_pubkey_encrypt_data(pub, 0, &in, &gct), 0);
    ck_assert_int_eq(mv_keymat_decrypt(km, MV_ALG_RSA1_5, gct.data, gct.size, &pt, &out_len),
                     MV_KM_OK);
    ck_assert_uint_eq(out_len, k - 11);
    ck_assert(memcmp(pt, msg, out_len) == 0);
    free(pt);
    gnutls_free(gct.data);
    /* keymat encrypts, GnuTLS decrypts. */
    ck_assert_int_eq(mv_keymat_encrypt(km, MV_ALG_RSA1_5, msg, 32, &ct, &out_len), MV_KM_OK);
    ck_assert_uint_eq(out_len, k);
    gct = datum(ct, out_len);
    ck_assert_int_eq(gnutls_privkey_decrypt_data(priv, 0, &gct, &gpt), 0);
    ck_assert_uint_eq(gpt.size, 32);
    ck_assert(memcmp(gpt.data, msg, 32) == 0);
    gnutls_free(gpt.data);
    /* Tampered: refused as MV_KM_DECRYPT. */
    ct[k / 2] ^= 0x10;
    ck_assert_int_eq(mv_keymat_decrypt(km, MV_ALG_RSA1_5, ct, k, &pt, &out_len), MV_KM_DECRYPT);
    ck_assert_ptr_null(pt);
    free(ct);
    ck_assert_int_eq(mv_keymat_encrypt(km, MV_ALG_RSA1_5, msg, k - 10, &ct, &out_len),
                     MV_KM_BAD_LENGTH);
    gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(priv);
}
END_TEST

/* Plaintext lengths for the OAEP round trips: 0 to 8, then every 29th (2048-bit key only: the
 * larger keys are slow under valgrind), then the longest. The encoder's output is checked through
 * the decoder the Wycheproof vectors below pin. */
static size_t next_len(size_t len, size_t max, size_t k)
{
    size_t step = k == 256 ? 29 : max;
    if (len < 8)
        return len + 1;
    if (len < max && len + step > max)
        return max;
    return len + step;
}

START_TEST(test_oaep_round_trips)
{
    struct mv_keymat *km = rsa_keys[_i];
    size_t k = rsa_sizes[_i] / 8, out_len, len;
    unsigned char msg[512], *ct, *ct2, *pt;
    const enum mv_key_alg algs[] = {MV_ALG_RSA_OAEP, MV_ALG_RSA_OAEP_256};
    const size_t overhead[] = {42, 66};

    fill(msg, sizeof msg, 9);
    for (int a = 0; a < 2; a++) {
        /* Many lengths, since the encoder's output is checked here through the decoder the
         * Wycheproof vectors below pin: 0, 1, 4, ... and the longest, k - 42 or k - 66. */
        for (len = 0; len <= k - overhead[a]; len = next_len(len, k - overhead[a], k)) {
            ck_assert_int_eq(mv_keymat_encrypt(km, algs[a], msg, len, &ct, &out_len), MV_KM_OK);
            ck_assert_uint_eq(out_len, k);
            ck_assert_int_eq(mv_keymat_decrypt(km, algs[a], ct, k, &pt, &out_len), MV_KM_OK);
            ck_assert_uint_eq(out_len, len);
            ck_assert(len == 0 || memcmp(pt, msg, len) == 0);
            free(pt);
            /* Randomised padding: the same plaintext twice gives two ciphertexts. */
            ck_assert_int_eq(mv_keymat_encrypt(km, algs[a], msg, len, &ct2, &out_len), MV_KM_OK);
            ck_assert(memcmp(ct, ct2, k) != 0);
            free(ct2);
            /* The other OAEP hash does not decrypt it. */
            ck_assert_int_eq(mv_keymat_decrypt(km, algs[1 - a], ct, k, &pt, &out_len),
                             MV_KM_DECRYPT);
            /* Every tampered byte position tried is refused without saying why. */
            for (size_t pos = 0; len <= 1 && pos < k; pos += k / 16) {
                ct[pos] ^= 0x01;
                ck_assert_int_eq(mv_keymat_decrypt(km, algs[a], ct, k, &pt, &out_len),
                                 MV_KM_DECRYPT);
                ck_assert_ptr_null(pt);
                ct[pos] ^= 0x01;
            }
            ck_assert_int_eq(mv_keymat_decrypt(km, algs[a], ct, k - 1, &pt, &out_len),
                             MV_KM_DECRYPT);
            free(ct);
        }
        ck_assert_int_eq(mv_keymat_encrypt(km, algs[a], msg, k - overhead[a] + 1, &ct, &out_len),
                         MV_KM_BAD_LENGTH);
        ck_assert_ptr_null(ct);
    }
    /* A "ciphertext" at or above n is refused. */
    memset(msg, 0xff, k);
    ck_assert_int_eq(mv_keymat_decrypt(km, MV_ALG_RSA_OAEP, msg, k, &pt, &out_len), MV_KM_DECRYPT);
}
END_TEST

/* Wycheproof's RSAES-OAEP vectors (C2SP/wycheproof, testvectors/
 * rsa_oaep_2048_sha1_mgf1sha1_test.json and rsa_oaep_2048_sha256_mgf1sha256_test.json): the
 * first group's private key and tcIds 1, 3, 11 (valid), 8 (non-empty label) and 12 (lHash
 * modified), which must be refused under the empty label Key Vault uses. */
static const char wp_sha1_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEogIBAAKCAQEAvTHHoCaR0tlYfvapRv94hUTMrdSymIrWIIZ5Kmv5bIYWtK0T\n"
    "MX0icLkB0PzR2IDLj1L7hzBKUljBGzjf6ujfZwru5+odDZ344A6AhH5B5Zie1ALU\n"
    "TnizD+8XtWcdOtv4aF5NwgRJns0YY+HVr/KKfPZurfMf7JI2wSCt0TRRUixkfJgy\n"
    "pnLNZNMowcMiGD9GYdCb2mC43V8DKNpUIIIUJK/auxqAxdEnY6GwI4zYnQdCv8UL\n"
    "ai/LcB2CQhj5gm9PeKI6K1qkKs5/F1N2+2y9srrSk7pYPU0xxrj5Ap5GsTaJJJhV\n"
    "9QV1bgDiJaakWhh2m9jSs6SsufHCPT5RiCVh5QIDAQABAoIBAAdH1SDKmy38AzXP\n"
    "lDARQLgQL7g4yS6pmRfjVOJXCWAtwM3vIx/yatLfq7w5HnIwcqTvUpKfPxzwIW5E\n"
    "wAkwMPisKQlvrvKJM7ybkkKHAU4uk14hRb5HUsy4LLdkYnGTaXnKtz9SHusnhVrC\n"
    "pBCDSuUILrYu9vmJnuXLtiSo2MBKt+3PeP4TXQ+Aj2O13m4HF3m/HZ6q+NPvllSG\n"
    "8sUmJeblemUce70Bl8mcBXs4YKMmDIZKEbPPIrpE3jo7PzEX5k6/mpH2Juuz88Jt\n"
    "Gwu4B1NGjUv2qZeygzXyDtjDhNdVg2CprpdVZh+jdJhGsXTmvzMOUtCZQfbM195Q\n"
    "BHefm7kCgYEA/j0jjTdqOFbZWS/UlhwXp/sPo51ELp3yLn7aEVxkjFy3ON+J6pLY\n"
    "N4VY0NnBzz2L/3QNN0OgFApqdSPpF2wpU7LBHX9EaRz4vsKzT7WcZJU1mDMZSIEY\n"
    "wDEYrnRF5w30Zs6YZxJg8F1QaM53fal+K6hHeUkFAM60/39izsqaFH8CgYEAvoFK\n"
    "8mvzwnEVvHWV0NEqGvdxP+yod65ubYWIJe2j0ZJwR3T0Lhrhtn8XOejEWgR2OIBw\n"
    "+lRbfMlrikQAO8jQf95z9bzdGCaDldzChCtQI/8Us1I4Jge3F5peozCED8RQRdhu\n"
    "CsxP6xNfCrm3zmuOtfWldfKiqN4pnA0/UG30h5sCgYBhu0z0Vy4M9E3e/AUDo07w\n"
    "sxFC+wyfwvW7K+ZWMCcy0d1ZDo1s0AAv76HBv0PCj81GaO0/pk5eBdcAqspKx7hn\n"
    "RVr5JNg+c/WnFx9o785r1/PfSx1YAtBp6TWssmPAu1uNPbPWQ3liTOzBLUU/2Cz5\n"
    "SVoYZJp4wf1QDj8EcVujrwKBgGZJ2+kgp6jOuYIQjNmrhXUnSYquUqK4aRirazga\n"
    "Siy7+UeU94tN6cXopZr1bYB8BtI9vOvcoab2K6T48DspjzIpSpA20WwnOd4cw+Dd\n"
    "tNEvJHlIe1eIKvokbA4pfa9NlGB8XlGz9HFfXFfQ8m2GeQEgnbAgENClQShGQKm5\n"
    "8GNjAoGAOexgb1yfHzPZZGBuEo6ekM/5MncsVxWqdZgW1QTv4sRiBvM3mqYdMfiO\n"
    "cmtQ3YC4zoVYoNdAhSX1jDOZzjLiOdcJQfEtIed2HAQ+CwIiDSX/0DVxx65bvVnD\n"
    "H0gSBnb518Nwp0nYSRvfzqAWYqE2yF00m2xxD8b26/inp5tircM=\n"
    "-----END RSA PRIVATE KEY-----\n";

static const char *const wp_sha1_ct[] = {
    /* tcId 1: "" */
    "ba366806e4ad50f76c0d8f63a84cc8c1045fbb2f9bef31da89214b2c8553e2d0126fb91e8ad9c78d1515c1593fcd"
    "589278369f83d8da3508beed573b2e8a2e61e09d9923476cf2d1cade862344a87c8e50d6600754089992851f4499"
    "8be57109fe4f9a787fc13cba351f335df5f4cd656858a9d9b547438db4e0e81640618104fac10c0227733f85e041"
    "a322459c13ebcf4855fa69519ab94301561146830680e1616fcf4652d30dc6d0cd0aba397560d2a5b9556b42d42e"
    "e2088ef8793469d1142331a0b3018feb153999a2439349a709eecbf09568643f8e5d3389073eafd93d37544057e5"
    "67c3a553269ea1b15a49388127532ab967860c0406a4b0cb3adc",
    /* tcId 3: "Test" */
    "504b4e0d94d800a9da92be8fa84fc345f7ab4921ec53c073c79592b347a692cce2450135e998e07bb75ed7ee44f0"
    "47f75a07e37b9c912d3d529b62bef144952d5b202246ad32c5d34ec8559c4163e2145fa5fd4d56de28cbfe7e537d"
    "5732305945c9370bbc6dcd72b3296fd54a2660365715f7d911099c96dfe6d114eec7b4425cb65701aa9e08d99c7a"
    "c20179656bb678554d74baca4501b5d0b366c97224bf0c8734e00ff2af8b916aef8b83142d5ec142493e0cc4c573"
    "26515a50a31ec2c6703512034642e5789649773d2f8312561bf2f2f6000cebdbf7c7a95fbfd0f721c31ba392acea"
    "37568a24f176767f71b31f407573deef95c305e0e063db0e9168",
    /* tcId 11: 214 bytes of 'x', the longest message (k - 42) */
    "8654643090ce426118dcce2bb0fca3b2a4ed45589d73ae2f5683334f17ca5b9f41eb97ff566cbbc0171d8962fcca"
    "465f66f4cf14d0114d7768bbac1dfb726d91331670e0e88ce7286e1f0ee7acd5cd75e0d325adc9f47ff028205447"
    "70ecf46f381ff330a5c75978e8d248cc12f0752cc7c452265ae919f5a4dd7c20023fbf51d0b413afe09f746114d1"
    "6d1be499c98d270e9213a37a2a745a3bb216bd30a07d110558090f4fe73debea009e18eb3770eeddd7150b4c7231"
    "539f7232d837836490c9547e27dac00efb5a8ccdf9a7c3c1d29c035170a517db899ee61925cc7a2cd278cf576ebe"
    "8281bd3a4f2665f15dd0b2e61bcd65172c2fff50a86a2adbf2f1",
    /* tcId 8: label 0000000000000000, so not decryptable under the empty label */
    "4d0cb9e23ea2f25cd93f6a4a5b9189156178572214c2bbc773158ed82b83cdfe7ac1e96d662afd46a9225b9e8d1d"
    "ed274e00048c058d4cb66cccf4eb6c4ebaf30b97e3ff17a21223cded8708524bf75e3dec075833dc953dfd9a1341"
    "072f1485c60018f92bd41cedd0510085d818a5cb4df32c447294f4245385e1e5c4627c41450c1dfd22f34f96514a"
    "ed1565976735e321c266300de6b93dd93e4db4e521b1a269947cb79bccd472cd40e3fd430726723cb97bca50e610"
    "bd81daed31fc164c18ef378f68e405ee6d978f97cc042dd266c90b909ba52128824fea7f4496ad56e03fa4aeb528"
    "d2fd3d9bfae8295e1a5306b389654b1d7058890b5dbd6770ff5b",
    /* tcId 12: first byte of lHash modified */
    "7866ab0f81437de93442325f02f86a305c4a4a0871207ff3203746c26a43fff5979e68c74264c34dad13955a3278"
    "5ec1523fccb264957ed6f6b822b5c052b9161d6b75adde451c6f8d637a75dffc9b9a9103934e777cef41b7966bf7"
    "30a648e5b96aa587936d460124dcec515b55473a009844f19cb2794bd739557d25417e2c036762a921481d728b4d"
    "32a8015b17539b7cc2a16a2b33e43b85561a2119fb6c9d8ed42d6bec324281be79e2f79426c653f8445a20cce87a"
    "2c263e7933b8ef3fa0b9f9f38fd115fde459e5d32eee2412c0af06d2f6454e04ba060ea87c5aa0d4b365f24b4f05"
    "bb27c4aa42061a45cdcef1a39118018b875dfb9f904fda4d80fb",
};

START_TEST(test_oaep_sha1_wycheproof)
{
    struct mv_keymat *km;
    unsigned char ct[256], *pt;
    size_t len;

    ck_assert_int_eq(mv_keymat_import_pem(wp_sha1_pem, strlen(wp_sha1_pem), &km), MV_KM_OK);
    ck_assert_uint_eq(mv_keymat_bits(km), 2048);
    for (int t = 0; t < 5; t++) {
        ck_assert_uint_eq(unhex(wp_sha1_ct[t], ct, sizeof ct), 256);
        enum mv_km_err err = mv_keymat_decrypt(km, MV_ALG_RSA_OAEP, ct, 256, &pt, &len);
        if (t == 0) {
            ck_assert_int_eq(err, MV_KM_OK);
            ck_assert_uint_eq(len, 0);
        } else if (t == 1) {
            ck_assert_int_eq(err, MV_KM_OK);
            ck_assert_uint_eq(len, 4);
            ck_assert(memcmp(pt, "Test", 4) == 0);
        } else if (t == 2) {
            ck_assert_int_eq(err, MV_KM_OK);
            ck_assert_uint_eq(len, 214);
            for (size_t i = 0; i < len; i++)
                ck_assert_uint_eq(pt[i], 'x');
        } else {
            ck_assert_int_eq(err, MV_KM_DECRYPT);
        }
        free(pt);
    }
    /* The same vectors are not RSA-OAEP-256 ciphertexts. */
    unhex(wp_sha1_ct[1], ct, sizeof ct);
    ck_assert_int_eq(mv_keymat_decrypt(km, MV_ALG_RSA_OAEP_256, ct, 256, &pt, &len), MV_KM_DECRYPT);
    mv_keymat_unref(km);
}
END_TEST

/* rsa_oaep_2048_sha256_mgf1sha256_test.json, first group: its key (JWK there; n with the 0x00 a
 * DER encoder adds, which the import strips) and tcId 3 ("Test"). */
static const char wp256_n[] =
    "00a2b451a07d0aa5f96e455671513550514a8a5b462ebef717094fa1fee82224e637f9746d3f7cafd31878d80325"
    "b6ef5a1700f65903b469429e89d6eac8845097b5ab393189db92512ed8a7711a1253facd20f79c15e8247f3d3e42"
    "e46e48c98e254a2fe9765313a03eff8f17e1a029397a1fa26a8dce26f490ed81299615d9814c22da610428e09c7d"
    "9658594266f5c021d0fceca08d945a12be82de4d1ece6b4c03145b5d3495d4ed5411eb878daf05fd7afc3e09ada0"
    "f1126422f590975a1969816f48698bcbba1b4d9cae79d460d8f9f85e7975005d9bc22c4e5ac0f7c1a45d12569a62"
    "807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9d5";
static const char wp256_d[] =
    "7627eef3567b2a27268e52053ecd31c3a7172ccb9ddcee819b306a5b3c66b7573ca4fa88efc6f3c4a00bfa0ae713"
    "9f64543a4dac3d05823f6ff477cfcec84fe2ac7a68b17204b390232e110310c4e899c4e7c10967db4acde042dbbf"
    "19dbe00b4b4741de1020aaaaffb5054c797c9f136f7d93ac3fc8caff6654242d7821ebee517bf537f44366a0fdd4"
    "5ae05b9909c2e6cc1ed9281eff4399f76c96b96233ec29ae0bbf0d752b234fc197389f51050aa1acd01c074c3ac8"
    "fbdb9ea8b651a95995e8db4ad5c43b6c8673e5a126e7ee94b8dff4c5afc01259bc8da76950bae6f8bae715f50985"
    "b0d6f66d04c6fef3b700720eecdcdf171bb7b1ecbe7289c467c1";
static const char wp256_p[] =
    "dc431050f782e894fb5248247d98cb7d58b8d1e24f3b55d041c56e4de086b0d5bb028bda42eeb5d234d5681e5809"
    "d415e6a289ad4cfbf78f978f6c35814f50eebff1c5b80a69f788e81e6bab5ddaa78369d659d143ec6f17e79813a5"
    "75cfad9c569156b90113e2e9110ad9e7b48a1c9348a6e653321191290ea36cfb3a5b18f1";
static const char wp256_q[] =
    "bd1a81e7977f9898122273ae3222b598ea5fb19eb4eabc38308a5e32196603b2e500ffb79f5b886816611debc472"
    "fac45544070beb057c941378a6868af3b7a03d3f9880ec47d5e089b94fbde542aba9ae8d72c57088d7abf5b131f3"
    "9098f7bc160f90536abc9492fd4e06f3ed7299d4b97bb03677207d95669f140cfbc20f25";
static const char wp256_ct3[] =
    "5eab3f0741e63986ed647d53e1cd71df041986900803d0f99c68355d249a15a47dc5b4f70a191477654299e5a273"
    "1f3b4eec76dea18262fc696ac794e5f66cbfcddac4472c578e246c26707598055584540b839836b1404c5611ae55"
    "8a984cee8fd036cea924e0be2474a940f61e0acc14fcae95ebdc59942a9ce9af9a9c81999f7f6815f057ffdc2533"
    "cb15d6391d1e2d95f16f9c04209c889a4c359c7d2926d28a66e2b030a416b928d2825627998e5191fb4983a6e650"
    "24262d94fc09187a2d78162122433251d1bfcc8e507d06eba2d229c10031261da32ab8ccd15f1c5f9fbf07ed1584"
    "83d736a110af4b44d6a4da60d6cb519b4454213cf9f0dc560f2b";

START_TEST(test_oaep_sha256_wycheproof_jwk)
{
    unsigned char n[257], d[256], p[128], q[128], ct[256], *pt;
    struct mv_jwk_parts parts = {.kty = MV_KTY_RSA};
    struct mv_jwk_out j;
    struct mv_keymat *km;
    size_t len;

    parts.n.data = n;
    parts.n.len = unhex(wp256_n, n, sizeof n);
    ck_assert_uint_eq(parts.n.len, 257);
    parts.e.data = (const unsigned char *)"\x01\x00\x01";
    parts.e.len = 3;
    parts.d.data = d;
    parts.d.len = unhex(wp256_d, d, sizeof d);
    parts.p.data = p;
    parts.p.len = unhex(wp256_p, p, sizeof p);
    parts.q.data = q;
    parts.q.len = unhex(wp256_q, q, sizeof q);
    ck_assert_int_eq(mv_keymat_import(&parts, &km), MV_KM_OK);
    ck_assert_uint_eq(mv_keymat_bits(km), 2048);
    /* The leading 0x00 is gone from the public n (spec §2, test row 3). */
    ck_assert_int_eq(mv_keymat_public(km, &j), MV_KM_OK);
    ck_assert_uint_eq(j.n_len, 256);
    ck_assert(memcmp(j.n, n + 1, 256) == 0);
    mv_jwk_out_finish(&j);
    unhex(wp256_ct3, ct, sizeof ct);
    ck_assert_int_eq(mv_keymat_decrypt(km, MV_ALG_RSA_OAEP_256, ct, 256, &pt, &len), MV_KM_OK);
    ck_assert_uint_eq(len, 4);
    ck_assert(memcmp(pt, "Test", 4) == 0);
    free(pt);
    ck_assert_int_eq(mv_keymat_decrypt(km, MV_ALG_RSA_OAEP, ct, 256, &pt, &len), MV_KM_DECRYPT);
    mv_keymat_unref(km);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keymat");
    TCase *tc = tcase_create("crypto");

    /* Unchecked: run once in the parent, so the forked tests inherit the generated keys. */
    tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_generate_shapes);
    tcase_add_test(tc, test_generate_bad_spec);
    tcase_add_test(tc, test_generate_deterministic);
    tcase_add_test(tc, test_refcount);
    tcase_add_loop_test(tc, test_rsa_sign_gnutls_verifies, 0, 3);
    tcase_add_test(tc, test_gnutls_signs_keymat_verifies);
    tcase_add_test(tc, test_ecdsa_gnutls_verifies);
    tcase_add_loop_test(tc, test_rsa15_against_gnutls, 0, 3);
    tcase_add_loop_test(tc, test_oaep_round_trips, 0, 3);
    tcase_add_test(tc, test_oaep_sha1_wycheproof);
    tcase_add_test(tc, test_oaep_sha256_wycheproof_jwk);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
