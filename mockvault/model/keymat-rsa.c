/* keymat-rsa.c: RSA key material on nettle/hogweed: generation (e = 65537), import checks,
 * RSA1_5 and RSA-OAEP/RSA-OAEP-256 (EME-OAEP of RFC 8017 §7.1, written here because nettle 3.8
 * has none), RS* (PKCS#1 v1.5 with DigestInfo) and PS* (PSS, salt = digest length), spec §3.7/§3.8.
 */
#include "keymat-int.h"

#include <nettle/bignum.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"

/* Overwrites an integer's limbs without freeing them (nettle's clear functions free). */
static void limbs_wipe(mpz_t z)
{
    if (z->_mp_alloc > 0 && z->_mp_d)
        cx_wipe(z->_mp_d, (size_t)z->_mp_alloc * sizeof(mp_limb_t));
}

void mv_rsa_wipe(struct mv_keymat *km)
{
    limbs_wipe(km->rsa_priv.d);
    limbs_wipe(km->rsa_priv.p);
    limbs_wipe(km->rsa_priv.q);
    limbs_wipe(km->rsa_priv.a);
    limbs_wipe(km->rsa_priv.b);
    limbs_wipe(km->rsa_priv.c);
    rsa_private_key_clear(&km->rsa_priv);
    rsa_public_key_clear(&km->rsa_pub);
}

enum mv_km_err mv_rsa_generate(unsigned bits, struct mv_drbg *drbg, struct mv_keymat **out)
{
    struct mv_keymat *km = mv_keymat_alloc(MV_KTY_RSA, MV_CRV_NONE);
    enum mv_km_err err = MV_KM_NOMEM;

    if (!km)
        goto out;
    mpz_set_ui(km->rsa_pub.e, 65537);
    err = MV_KM_BAD_KEY;
    if (!rsa_generate_keypair(&km->rsa_pub, &km->rsa_priv, drbg ? (void *)drbg : &mv_rnd_key_ctx,
                              drbg ? mv_drbg_random : mv_rnd_random, NULL, NULL, bits, 0))
        goto out;
    km->bits = (unsigned)mpz_sizeinbase(km->rsa_pub.n, 2);
    err = MV_KM_OK;
out:
    return mv_keymat_deliver(km, err, mv_rsa_wipe, out);
}

/* ---- import ---- */

static bool part_set(mpz_t z, struct mv_bytes b)
{
    if (!b.data || b.len == 0)
        return false;
    nettle_mpz_set_str_256_u(z, b.len, b.data);
    return true;
}

/* Checks an optional CRT part against the value computed from d, p, q: absent is fine, given
 * must agree (a JWK with a wrong dp would sign wrongly through the CRT). */
static bool crt_part_ok(struct mv_bytes given, const mpz_t computed, mpz_t tmp)
{
    if (!given.data || given.len == 0)
        return true;
    nettle_mpz_set_str_256_u(tmp, given.len, given.data);
    return mpz_cmp(tmp, computed) == 0;
}

/* The consistency checks of an RSA import (spec §3.2): n = p*q with p, q probable primes of half
 * n's bits each, e odd and greater than 1, e*d = 1 mod lcm(p-1, q-1), given CRT parts equal to the
 * computed ones. */
static enum mv_km_err rsa_check(const struct mv_jwk_parts *parts, struct mv_keymat *km)
{
    struct rsa_public_key *pub = &km->rsa_pub;
    struct rsa_private_key *priv = &km->rsa_priv;
    mpz_t p1, q1, l, t;
    enum mv_km_err err = MV_KM_BAD_KEY;

    mpz_inits(p1, q1, l, t, NULL);
    if (!part_set(pub->n, parts->n) || !part_set(pub->e, parts->e))
        goto out;
    km->bits = (unsigned)mpz_sizeinbase(pub->n, 2);
    if (km->bits != 2048 && km->bits != 3072 && km->bits != 4096) {
        err = MV_KM_BAD_SIZE;
        goto out;
    }
    if (!part_set(priv->d, parts->d) || !part_set(priv->p, parts->p) ||
        !part_set(priv->q, parts->q))
        goto out;
    if (mpz_cmp_ui(pub->e, 3) < 0 || mpz_even_p(pub->e) || mpz_cmp(pub->e, pub->n) >= 0)
        goto out;
    if (mpz_cmp_ui(priv->p, 1) <= 0 || mpz_cmp_ui(priv->q, 1) <= 0)
        goto out;
    mpz_mul(t, priv->p, priv->q);
    if (mpz_cmp(t, pub->n) != 0)
        goto out;
    /* p and q of half the modulus each, as standard generators make them (FIPS 186-4 B.3.1):
     * nettle's side-channel silent root (decrypt, sign) assumes balanced factors and wrote out of
     * bounds for a consistent key with p = 3 (found by fuzz/fuzz-keymat). */
    if (mpz_sizeinbase(priv->p, 2) != km->bits / 2 || mpz_sizeinbase(priv->q, 2) != km->bits / 2)
        goto out;
    if (!parts->own && (!mpz_probab_prime_p(priv->p, 10) || !mpz_probab_prime_p(priv->q, 10)))
        goto out;
    if (mpz_sgn(priv->d) <= 0 || mpz_cmp(priv->d, pub->n) >= 0)
        goto out;
    mpz_sub_ui(p1, priv->p, 1);
    mpz_sub_ui(q1, priv->q, 1);
    mpz_lcm(l, p1, q1);
    mpz_mul(t, pub->e, priv->d);
    mpz_mod(t, t, l);
    if (mpz_cmp_ui(t, 1) != 0)
        goto out;
    mpz_mod(priv->a, priv->d, p1);
    mpz_mod(priv->b, priv->d, q1);
    if (!mpz_invert(priv->c, priv->q, priv->p))
        goto out;
    if (!crt_part_ok(parts->dp, priv->a, t) || !crt_part_ok(parts->dq, priv->b, t) ||
        !crt_part_ok(parts->qi, priv->c, t))
        goto out;
    if (!rsa_public_key_prepare(pub) || !rsa_private_key_prepare(priv))
        goto out;
    err = MV_KM_OK;
out:
    mv_mpz_wipe_clear(p1);
    mv_mpz_wipe_clear(q1);
    mv_mpz_wipe_clear(l);
    mv_mpz_wipe_clear(t);
    return err;
}

enum mv_km_err mv_rsa_import(const struct mv_jwk_parts *parts, struct mv_keymat **out)
{
    struct mv_keymat *km = mv_keymat_alloc(MV_KTY_RSA, MV_CRV_NONE);
    enum mv_km_err err = MV_KM_NOMEM;

    if (km)
        err = rsa_check(parts, km);
    return mv_keymat_deliver(km, err, mv_rsa_wipe, out);
}

enum mv_km_err mv_rsa_export(const struct mv_keymat *km, bool private_parts, struct mv_jwk_out *out)
{
    const struct rsa_private_key *priv = &km->rsa_priv;

    /* n is unsigned and minimal (spec §2: no leading 0x00), e likewise ("AQAB"). */
    out->n = mv_mpz_to_bytes(km->rsa_pub.n, &out->n_len);
    out->e = mv_mpz_to_bytes(km->rsa_pub.e, &out->e_len);
    if (!out->n || !out->e)
        return MV_KM_NOMEM;
    if (!private_parts)
        return MV_KM_OK;
    out->d = mv_mpz_to_bytes(priv->d, &out->d_len);
    out->p = mv_mpz_to_bytes(priv->p, &out->p_len);
    out->q = mv_mpz_to_bytes(priv->q, &out->q_len);
    out->dp = mv_mpz_to_bytes(priv->a, &out->dp_len);
    out->dq = mv_mpz_to_bytes(priv->b, &out->dq_len);
    out->qi = mv_mpz_to_bytes(priv->c, &out->qi_len);
    if (!out->d || !out->p || !out->q || !out->dp || !out->dq || !out->qi)
        return MV_KM_NOMEM;
    return MV_KM_OK;
}

/* ---- OAEP (RFC 8017 §7.1, empty label, MGF1 with the same hash) ---- */

union hash_ctx {
    struct sha1_ctx sha1;
    struct sha256_ctx sha256;
    struct sha512_ctx sha512; /* SHA-384 too (Secure Key Release's RSA_AES_KEY_WRAP_384) */
};

/* dst ^= MGF1(seed)[0..len) (RFC 8017 B.2.1). */
static void mgf1_xor(const struct nettle_hash *h, const uint8_t *seed, size_t seed_len,
                     uint8_t *dst, size_t len)
{
    union hash_ctx ctx;
    uint8_t block[SHA512_DIGEST_SIZE];
    uint32_t counter = 0;

    while (len > 0) {
        uint8_t c[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
                        (uint8_t)counter};
        size_t n = len < h->digest_size ? len : h->digest_size;
        h->init(&ctx);
        h->update(&ctx, seed_len, seed);
        h->update(&ctx, sizeof c, c);
        h->digest(&ctx, h->digest_size, block);
        for (size_t i = 0; i < n; i++)
            dst[i] ^= block[i];
        dst += n;
        len -= n;
        counter++;
    }
    cx_wipe(block, sizeof block);
    cx_wipe(&ctx, sizeof ctx);
}

static void empty_label_hash(const struct nettle_hash *h, uint8_t *out)
{
    union hash_ctx ctx;
    h->init(&ctx);
    h->digest(&ctx, h->digest_size, out);
}

/* EM = 0x00 || maskedSeed || maskedDB, k bytes (RFC 8017 §7.1.1 step 2). */
static void oaep_encode(const struct nettle_hash *h, const uint8_t *msg, size_t msg_len,
                        uint8_t *em, size_t k)
{
    size_t hlen = h->digest_size, db_len = k - hlen - 1;
    uint8_t *seed = em + 1, *db = em + 1 + hlen;

    memset(em, 0, k);
    empty_label_hash(h, db);
    db[db_len - msg_len - 1] = 0x01;
    memcpy(db + db_len - msg_len, msg, msg_len);
    mv_rnd_random(NULL, hlen, seed);
    mgf1_xor(h, seed, hlen, db, db_len);
    mgf1_xor(h, db, db_len, seed, hlen);
}

/* 1 when a == b, else 0, without a branch on the values. */
static unsigned ct_eq(unsigned a, unsigned b)
{
    return (((a ^ b) - 1u) >> (sizeof(unsigned) * 8 - 1)) & 1u;
}

/* Decodes EM in place (RFC 8017 §7.1.2 step 3). Every check runs whatever the earlier ones found
 * and they are combined at the end, so the time and the answer do not tell which failed (a
 * Manger-style oracle). On success *msg points into em. */
static bool oaep_decode(const struct nettle_hash *h, uint8_t *em, size_t k, uint8_t **msg,
                        size_t *msg_len)
{
    size_t hlen = h->digest_size, db_len = k - hlen - 1;
    uint8_t *seed = em + 1, *db = em + 1 + hlen;
    uint8_t lhash[SHA512_DIGEST_SIZE];
    unsigned good, found = 0, index = 0;

    mgf1_xor(h, db, db_len, seed, hlen);
    mgf1_xor(h, seed, hlen, db, db_len);
    empty_label_hash(h, lhash);
    good = ct_eq(em[0], 0);
    for (size_t i = 0; i < hlen; i++)
        good &= ct_eq(db[i], lhash[i]);
    for (size_t i = hlen; i < db_len; i++) {
        unsigned one = ct_eq(db[i], 1), zero = ct_eq(db[i], 0);
        unsigned take = one & (found ^ 1u);
        index = (index & (take - 1u)) | ((unsigned)i & (0u - take));
        found |= one;
        good &= found | zero;
    }
    good &= found;
    *msg = db + index + 1;
    *msg_len = db_len - index - 1;
    return good == 1;
}

/* ---- encryption ---- */

static const struct nettle_hash *oaep_hash(enum mv_key_alg alg)
{
    return alg == MV_ALG_RSA_OAEP ? &nettle_sha1 : &nettle_sha256;
}

enum mv_km_err mv_rsa_encrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                              const unsigned char *in, size_t in_len, unsigned char **out,
                              size_t *out_len)
{
    return mv_rsa_encrypt_with(km, alg == MV_ALG_RSA1_5 ? NULL : oaep_hash(alg), in, in_len, out,
                               out_len);
}

enum mv_km_err mv_rsa_encrypt_with(const struct mv_keymat *km, const struct nettle_hash *h,
                                   const unsigned char *in, size_t in_len, unsigned char **out,
                                   size_t *out_len)
{
    size_t k = km->rsa_pub.size, overhead;
    unsigned char *em = NULL, *c_bytes = NULL;
    enum mv_km_err err = MV_KM_BAD_LENGTH;
    mpz_t m, c;

    mpz_inits(m, c, NULL);
    /* Plaintext limit of spec §3.7: k-11 (RSA1_5), k-2*hLen-2 (OAEP: k-42, k-66, k-98). */
    overhead = h ? 2 * h->digest_size + 2 : 11;
    if (k < overhead || in_len > k - overhead)
        goto out;
    err = MV_KM_NOMEM;
    c_bytes = malloc(k);
    if (!c_bytes)
        goto out;
    if (!h) {
        err = MV_KM_BAD_LENGTH;
        if (!rsa_encrypt(&km->rsa_pub, NULL, mv_rnd_random, in_len, in, c))
            goto out;
    } else {
        em = malloc(k);
        if (!em)
            goto out;
        oaep_encode(h, in, in_len, em, k);
        nettle_mpz_set_str_256_u(m, k, em);
        mpz_powm(c, m, km->rsa_pub.e, km->rsa_pub.n);
    }
    /* The ciphertext is as long as the modulus (spec "What the emulator must do" 4). */
    mv_mpz_to_fixed(c, c_bytes, k);
    *out = c_bytes;
    *out_len = k;
    c_bytes = NULL;
    err = MV_KM_OK;
out:
    cx_wipe_free(em, k);
    free(c_bytes);
    mv_mpz_wipe_clear(m);
    mpz_clear(c);
    return err;
}

enum mv_km_err mv_rsa_decrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                              const unsigned char *in, size_t in_len, unsigned char **out,
                              size_t *out_len)
{
    return mv_rsa_decrypt_with(km, alg == MV_ALG_RSA1_5 ? NULL : oaep_hash(alg), in, in_len, out,
                               out_len);
}

enum mv_km_err mv_rsa_decrypt_with(const struct mv_keymat *km, const struct nettle_hash *h,
                                   const unsigned char *in, size_t in_len, unsigned char **out,
                                   size_t *out_len)
{
    size_t k = km->rsa_pub.size, len = k;
    unsigned char *buf = NULL, *msg;
    enum mv_km_err err = MV_KM_DECRYPT;
    mpz_t c, m;

    mpz_inits(c, m, NULL);
    /* A ciphertext is exactly k bytes and below n (RFC 8017 §7.1.2 step 1, §7.2.2 step 1). */
    if (in_len != k)
        goto out;
    nettle_mpz_set_str_256_u(c, in_len, in);
    if (mpz_cmp(c, km->rsa_pub.n) >= 0)
        goto out;
    buf = malloc(k);
    if (!buf) {
        err = MV_KM_NOMEM;
        goto out;
    }
    if (!h) {
        if (!rsa_decrypt_tr(&km->rsa_pub, &km->rsa_priv, NULL, mv_rnd_random, &len, buf, c))
            goto out;
        msg = buf;
    } else {
        if (!rsa_compute_root_tr(&km->rsa_pub, &km->rsa_priv, NULL, mv_rnd_random, m, c))
            goto out;
        mv_mpz_to_fixed(m, buf, k);
        if (k < 2 * h->digest_size + 2 || !oaep_decode(h, buf, k, &msg, &len))
            goto out;
    }
    err = MV_KM_NOMEM;
    *out = mv_memdup(msg, len);
    if (!*out)
        goto out;
    *out_len = len;
    err = MV_KM_OK;
out:
    cx_wipe_free(buf, k);
    mpz_clear(c);
    mv_mpz_wipe_clear(m);
    return err;
}

/* ---- signatures ---- */

/* DER DigestInfo prefixes for SHA-256/384/512 (RFC 8017 §9.2, note 1). */
static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

/* DigestInfo for an RS algorithm into buf (at least 19 + 64 bytes); returns its length. */
static size_t digest_info(enum mv_key_alg alg, const unsigned char *digest, uint8_t *buf)
{
    const uint8_t *prefix = alg == MV_ALG_RS256   ? di_sha256
                            : alg == MV_ALG_RS384 ? di_sha384
                                                  : di_sha512;
    size_t dlen = mv_key_alg_digest_len(alg);
    memcpy(buf, prefix, sizeof di_sha256);
    memcpy(buf + sizeof di_sha256, digest, dlen);
    return sizeof di_sha256 + dlen;
}

static bool is_pss(enum mv_key_alg alg)
{
    return alg == MV_ALG_PS256 || alg == MV_ALG_PS384 || alg == MV_ALG_PS512;
}

enum mv_km_err mv_rsa_sign(const struct mv_keymat *km, enum mv_key_alg alg,
                           const unsigned char *digest, unsigned char **out, size_t *out_len)
{
    const struct rsa_public_key *pub = &km->rsa_pub;
    const struct rsa_private_key *priv = &km->rsa_priv;
    size_t k = pub->size, dlen = mv_key_alg_digest_len(alg);
    uint8_t buf[sizeof di_sha512 + SHA512_DIGEST_SIZE];
    enum mv_km_err err = MV_KM_NOMEM;
    unsigned char *sig = NULL;
    int ok;
    mpz_t s;

    mpz_init(s);
    sig = malloc(k);
    if (!sig)
        goto out;
    if (is_pss(alg)) {
        /* Salt length = digest length (spec §3.8); buf holds the salt. */
        mv_rnd_random(NULL, dlen, buf);
        if (alg == MV_ALG_PS256)
            ok =
                rsa_pss_sha256_sign_digest_tr(pub, priv, NULL, mv_rnd_random, dlen, buf, digest, s);
        else if (alg == MV_ALG_PS384)
            ok =
                rsa_pss_sha384_sign_digest_tr(pub, priv, NULL, mv_rnd_random, dlen, buf, digest, s);
        else
            ok =
                rsa_pss_sha512_sign_digest_tr(pub, priv, NULL, mv_rnd_random, dlen, buf, digest, s);
    } else {
        size_t len = digest_info(alg, digest, buf);
        ok = rsa_pkcs1_sign_tr(pub, priv, NULL, mv_rnd_random, len, buf, s);
    }
    /* The key was checked when it was made, so a failure here is nettle's fault check after
     * the CRT tripping: report the key as unusable rather than return a bad signature. */
    err = MV_KM_BAD_KEY;
    if (!ok || !mv_mpz_to_fixed(s, sig, k))
        goto out;
    *out = sig;
    *out_len = k;
    sig = NULL;
    err = MV_KM_OK;
out:
    free(sig);
    mpz_clear(s);
    return err;
}

bool mv_rsa_verify(const struct mv_keymat *km, enum mv_key_alg alg, const unsigned char *digest,
                   const unsigned char *sig, size_t sig_len)
{
    const struct rsa_public_key *pub = &km->rsa_pub;
    size_t dlen = mv_key_alg_digest_len(alg);
    uint8_t buf[sizeof di_sha512 + SHA512_DIGEST_SIZE];
    int ok = 0;
    mpz_t s;

    /* A signature is exactly k bytes (RFC 8017 §8.1.2 and §8.2.2 step 1). */
    if (sig_len != pub->size)
        return false;
    mpz_init(s);
    nettle_mpz_set_str_256_u(s, sig_len, sig);
    if (alg == MV_ALG_PS256)
        ok = rsa_pss_sha256_verify_digest(pub, dlen, digest, s);
    else if (alg == MV_ALG_PS384)
        ok = rsa_pss_sha384_verify_digest(pub, dlen, digest, s);
    else if (alg == MV_ALG_PS512)
        ok = rsa_pss_sha512_verify_digest(pub, dlen, digest, s);
    else
        ok = rsa_pkcs1_verify(pub, digest_info(alg, digest, buf), buf, s);
    mpz_clear(s);
    return ok == 1;
}
