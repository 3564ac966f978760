/* test-http-keys-crypto.c: the keys' cryptography over real TLS (spec/keyvault-keys.md §3.7,
 * §3.8, §3.10-§3.12, §4; test rows 6-12): every signature algorithm signed by the mock and
 * verified both by the mock's /verify and independently by GnuTLS from the GET'd public JWK
 * (secp256k1, which GnuTLS lacks, by libsecp256k1), RSA1_5 ciphertext made by GnuTLS and
 * decrypted by the mock, OAEP round trips, and the refusals in the spec's order with their exact
 * bodies (keys-common.h says how the suites run). */
#include <gnutls/crypto.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys-common.h"

/* POST path with {"alg","value"} (and "digest" for verify); the response in r. */
static void kcrypto(const char *path, const char *alg, const void *data, size_t len,
                    const void *sig, size_t sig_len, struct mvt_resp *r)
{
    char *body = kcrypto_body(alg, data, len, sig, sig_len);
    kreq("POST", KAP, path, body, r);
    free(body);
}

static const struct sig_case {
    const char *key_body; /* create body */
    const char *alg;
    gnutls_digest_algorithm_t hash;
    gnutls_sign_algorithm_t sign; /* GNUTLS_SIGN_UNKNOWN: no GnuTLS check (secp256k1) */
    size_t sig_len;               /* 0: the modulus length */
} sig_cases[] = {
    {"{\"kty\":\"RSA\"}", "RS256", GNUTLS_DIG_SHA256, GNUTLS_SIGN_RSA_SHA256, 256},
    {"{\"kty\":\"RSA\"}", "RS384", GNUTLS_DIG_SHA384, GNUTLS_SIGN_RSA_SHA384, 256},
    {"{\"kty\":\"RSA\"}", "RS512", GNUTLS_DIG_SHA512, GNUTLS_SIGN_RSA_SHA512, 256},
    {"{\"kty\":\"RSA\"}", "PS256", GNUTLS_DIG_SHA256, GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, 256},
    {"{\"kty\":\"RSA\"}", "PS384", GNUTLS_DIG_SHA384, GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, 256},
    {"{\"kty\":\"RSA\",\"key_size\":3072}", "PS512", GNUTLS_DIG_SHA512,
     GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, 384},
    {"{\"kty\":\"EC\",\"crv\":\"P-256\"}", "ES256", GNUTLS_DIG_SHA256, GNUTLS_SIGN_ECDSA_SHA256,
     64},
    {"{\"kty\":\"EC\",\"crv\":\"P-384\"}", "ES384", GNUTLS_DIG_SHA384, GNUTLS_SIGN_ECDSA_SHA384,
     96},
    {"{\"kty\":\"EC\",\"crv\":\"P-521\"}", "ES512", GNUTLS_DIG_SHA512, GNUTLS_SIGN_ECDSA_SHA512,
     132},
    {"{\"kty\":\"EC\",\"crv\":\"P-256K\"}", "ES256K", GNUTLS_DIG_SHA256, GNUTLS_SIGN_UNKNOWN, 64},
};

/* ES256K checked by libsecp256k1 from the GET'd JWK: the raw r||s, normalised to low s (the
 * library verifies only those; ECDSA accepts both). */
static void verify_secp256k1(const unsigned char digest[32], const unsigned char sig[64])
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    unsigned char point[65] = {4}, *x, *y;
    size_t xl, yl;
    secp256k1_pubkey pub;
    secp256k1_ecdsa_signature es;
    struct mvt_resp r;

    kreq("GET", KAP, "/keys/signer", NULL, &r);
    x = kb64_field(r.json, "key.x", &xl);
    y = kb64_field(r.json, "key.y", &yl);
    mvt_resp_free(&r);
    ck_assert_msg(x && y && xl == 32 && yl == 32, "P-256K x and y are 32 bytes");
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    ck_assert_int_eq(secp256k1_ec_pubkey_parse(ctx, &pub, point, sizeof point), 1);
    ck_assert_int_eq(secp256k1_ecdsa_signature_parse_compact(ctx, &es, sig), 1);
    secp256k1_ecdsa_signature_normalize(ctx, &es, &es);
    ck_assert_msg(secp256k1_ecdsa_verify(ctx, &es, digest, &pub) == 1,
                  "ES256K: libsecp256k1 verifies the mock's signature");
    free(x);
    free(y);
    secp256k1_context_destroy(ctx);
}

/* Rows 6 and 7, every algorithm: sign (version-less, empty version and by version), verify via
 * the mock (true, and false for a changed digest), verify via GnuTLS from the public JWK. */
START_TEST(test_sign_verify_every_alg)
{
    const struct sig_case *c = &sig_cases[_i];
    static const char msg[] = "the message the caller hashed";
    unsigned char digest[64], *sig;
    size_t dlen = gnutls_hash_get_len(c->hash), slen;
    struct mvt_resp r, g;
    char path[200], *sig_text;
    gnutls_pubkey_t pub;

    ck_assert_int_eq(gnutls_hash_fast(c->hash, msg, sizeof msg - 1, digest), 0);
    kcreate("signer", c->key_body, &g);
    kcrypto("/keys/signer//sign", c->alg, digest, dlen, NULL, 0, &r);
    hc_assert_status(&r, 200, c->alg);
    hc_assert_keys(r.json, "kid,value", "sign answer");
    ck_assert_str_eq(kversion(r.json), kversion(g.json));
    sig = kb64_field(r.json, "value", &slen);
    ck_assert_uint_eq(slen, c->sig_len);
    ck_assert_uint_eq(strlen(hc_jstr(r.json, "value")), (c->sig_len * 4 + 2) / 3);
    sig_text = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);

    kcrypto("/keys/signer/verify", c->alg, digest, dlen, sig, slen, &r);
    hc_assert_status(&r, 200, "verify");
    kassert_body(&r, "{\"value\":true}", "verify true (no kid)");
    mvt_resp_free(&r);
    digest[0] ^= 1;
    snprintf(path, sizeof path, "/keys/signer/%s/verify", kversion(g.json));
    kcrypto(path, c->alg, digest, dlen, sig, slen, &r);
    hc_assert_status(&r, 200, "verify of another digest");
    kassert_body(&r, "{\"value\":false}", "verify false");
    mvt_resp_free(&r);
    digest[0] ^= 1;

    if (c->sign == GNUTLS_SIGN_UNKNOWN) {
        verify_secp256k1(digest, sig);
    } else {
        gnutls_datum_t dd = {digest, (unsigned)dlen}, sd = {sig, (unsigned)slen}, der = {0};
        int rc;
        kreq("GET", KAP, "/keys/signer", NULL, &r);
        pub = kpubkey(r.json);
        mvt_resp_free(&r);
        if (c->sign == GNUTLS_SIGN_ECDSA_SHA256 || c->sign == GNUTLS_SIGN_ECDSA_SHA384 ||
            c->sign == GNUTLS_SIGN_ECDSA_SHA512) {
            /* Raw r||s at the curve's width, as JOSE writes it; GnuTLS wants DER. */
            gnutls_datum_t rr = {sig, (unsigned)slen / 2},
                           ss = {sig + slen / 2, (unsigned)slen / 2};
            ck_assert_int_eq(gnutls_encode_rs_value(&der, &rr, &ss), 0);
            sd = der;
        }
        rc = gnutls_pubkey_verify_hash2(pub, c->sign, 0, &dd, &sd);
        ck_assert_msg(rc >= 0, "%s: GnuTLS verifies the mock's signature: %s", c->alg,
                      gnutls_strerror(rc));
        gnutls_free(der.data);
        gnutls_pubkey_deinit(pub);
    }
    free(sig);
    free(sig_text);
    mvt_resp_free(&g);
}
END_TEST

/* Row 8 and §4: digest length (exact text), bad base64url (exact text), unknown algorithm, an
 * algorithm that does not fit the key (RS256 on EC, ES384 on P-256). */
START_TEST(test_row8_digest_length_and_bad_input)
{
    unsigned char d50[50] = {0}, d32[32] = {0};
    struct mvt_resp r, g;
    char *before;

    kcreate("ec1", "{\"kty\":\"EC\"}", &g);
    mvt_resp_free(&g);
    before = kstate();
    kcrypto("/keys/ec1/sign", "ES256", d50, sizeof d50, NULL, 0, &r);
    hc_assert_status(&r, 400, "50-byte digest");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Invalid length of 'value': "
                 "50 bytes. ES256 requires 32 bytes, encoded with base64url.\"}}",
                 "digest length");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/ec1/sign", "{\"alg\":\"ES256\",\"value\":\"not base64url!\"}", &r);
    hc_assert_status(&r, 400, "bad base64url");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Content of 'value' is not "
                 "base64url.\\r\\nProperty 'value' is required.\\r\\n\"}}",
                 "not base64url");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/ec1/sign", "{\"alg\":\"ES256\"}", &r);
    hc_assert_status(&r, 400, "value missing");
    mvt_resp_free(&r);
    kcrypto("/keys/ec1/sign", "RS256", d32, sizeof d32, NULL, 0, &r);
    hc_assert_status(&r, 400, "RS256 on EC");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    mvt_resp_free(&r);
    kcrypto("/keys/ec1/sign", "ES384", d32, sizeof d32, NULL, 0, &r);
    hc_assert_status(&r, 400, "ES384 with a 32-byte digest");
    mvt_resp_free(&r);
    kcrypto("/keys/ec1/sign", "XS999", d32, sizeof d32, NULL, 0, &r);
    hc_assert_status(&r, 400, "unknown alg");
    mvt_resp_free(&r);
    /* EC + encrypt: key_ops refuses first (spec §4). */
    kcrypto("/keys/ec1/encrypt", "RSA-OAEP", d32, sizeof d32, NULL, 0, &r);
    hc_assert_status(&r, 403, "encrypt with an EC key");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation encrypt is not "
                 "permitted on this key.\",\"innererror\":{\"code\":\"KeyOperationForbidden\"}}}",
                 "EC encrypt");
    mvt_resp_free(&r);
    kcrypto("/keys/nokey/sign", "ES256", d32, sizeof d32, NULL, 0, &r);
    hc_assert_status(&r, 404, "sign with a missing key");
    ck_assert_uint_eq(r.len, 293);
    mvt_resp_free(&r);
    kassert_state(before, "refused crypto");
    free(before);
}
END_TEST

/* §6: ciphertext made by GnuTLS from the GET'd n/e (PKCS#1 v1.5) decrypts in the mock; OAEP and
 * OAEP-256 round trip through encrypt/decrypt and wrapkey/unwrapkey; row 12's version-less kid. */
START_TEST(test_encrypt_decrypt_round_trips)
{
    static const char *const algs[] = {"RSA1_5", "RSA-OAEP", "RSA-OAEP-256"};
    static const char plain[] = "thirty-two bytes of key material";
    gnutls_datum_t pd = {(unsigned char *)plain, sizeof plain - 1}, ct = {0};
    unsigned char *c, *p;
    size_t cl, pl;
    struct mvt_resp r, g;
    gnutls_pubkey_t pub;
    char path[200];

    kcreate("rsa1", "{\"kty\":\"RSA\"}", &g);
    pub = kpubkey(g.json);
    ck_assert_int_eq(gnutls_pubkey_encrypt_data(pub, 0, &pd, &ct), 0);
    gnutls_pubkey_deinit(pub);
    kcrypto("/keys/rsa1/decrypt", "RSA1_5", ct.data, ct.size, NULL, 0, &r);
    hc_assert_status(&r, 200, "decrypt GnuTLS ciphertext");
    hc_assert_keys(r.json, "kid,value", "decrypt answer");
    p = kb64_field(r.json, "value", &pl);
    ck_assert_msg(pl == sizeof plain - 1 && memcmp(p, plain, pl) == 0, "plaintext comes back");
    free(p);
    mvt_resp_free(&r);
    gnutls_free(ct.data);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        const char *op[2][2] = {{"encrypt", "decrypt"}, {"wrapkey", "unwrapkey"}};
        for (int k = 0; k < 2; k++) {
            /* Row 12: no version in the path; the kid names the current one. */
            snprintf(path, sizeof path, "/keys/rsa1/%s", op[k][0]);
            kcrypto(path, algs[i], plain, sizeof plain - 1, NULL, 0, &r);
            hc_assert_status(&r, 200, algs[i]);
            ck_assert_str_eq(kversion(r.json), kversion(g.json));
            c = kb64_field(r.json, "value", &cl);
            ck_assert_uint_eq(cl, 256);
            mvt_resp_free(&r);
            snprintf(path, sizeof path, "/keys/rsa1/%s/%s", kversion(g.json), op[k][1]);
            kcrypto(path, algs[i], c, cl, NULL, 0, &r);
            hc_assert_status(&r, 200, "decrypt");
            p = kb64_field(r.json, "value", &pl);
            ck_assert_msg(pl == sizeof plain - 1 && memcmp(p, plain, pl) == 0, "%s round trip",
                          algs[i]);
            free(p);
            mvt_resp_free(&r);
            /* Another OAEP hash does not decrypt it: 400, not a wrong plaintext. */
            if (i == 1) {
                kcrypto(path, "RSA-OAEP-256", c, cl, NULL, 0, &r);
                hc_assert_status(&r, 400, "OAEP with the wrong hash");
                mvt_resp_free(&r);
            }
            free(c);
        }
    }
    /* Plaintext over one RSA block. */
    {
        unsigned char big[250] = {0};
        kcrypto("/keys/rsa1/encrypt", "RSA-OAEP", big, sizeof big, NULL, 0, &r);
        hc_assert_status(&r, 400, "plaintext too long");
        mvt_resp_free(&r);
    }
    mvt_resp_free(&g);
}
END_TEST

/* Row 9: PATCH key_ops to ["encrypt"], then decrypt -> the exact 136-byte body. */
START_TEST(test_row9_key_ops_forbidden)
{
    unsigned char v[32] = {1};
    struct mvt_resp r;

    kcreate("rsa1", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    kreq("PATCH", KAP, "/keys/rsa1/", "{\"key_ops\":[\"encrypt\"]}", &r);
    hc_assert_status(&r, 200, "PATCH key_ops");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/decrypt", "RSA-OAEP", v, sizeof v, NULL, 0, &r);
    hc_assert_status(&r, 403, "decrypt not in key_ops");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation decrypt is not "
                 "permitted on this key.\",\"innererror\":{\"code\":\"KeyOperationForbidden\"}}}",
                 "KeyOperationForbidden");
    ck_assert_uint_eq(r.len, 136);
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/unwrapkey", "RSA-OAEP", v, sizeof v, NULL, 0, &r);
    hc_assert_status(&r, 403, "unwrapKey not in key_ops");
    ck_assert_str_eq(hc_jstr(r.json, "error.message"),
                     "Operation unwrapKey is not permitted on this key.");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/encrypt", "RSA-OAEP", v, sizeof v, NULL, 0, &r);
    hc_assert_status(&r, 200, "encrypt still allowed");
    mvt_resp_free(&r);
}
END_TEST

/* Row 10: a disabled key refuses sign, decrypt and unwrapKey (KeyDisabled), still verifies,
 * encrypts and wraps, and still GETs. */
START_TEST(test_row10_disabled)
{
    unsigned char d[32] = {2};
    struct mvt_resp r;
    size_t sl;
    unsigned char *sig;

    kcreate("rsa1", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/sign", "RS256", d, sizeof d, NULL, 0, &r);
    sig = kb64_field(r.json, "value", &sl);
    mvt_resp_free(&r);
    kreq("PATCH", KAP, "/keys/rsa1/", "{\"attributes\":{\"enabled\":false}}", &r);
    hc_assert_status(&r, 200, "disable");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/sign", "RS256", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 403, "sign on a disabled key");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation sign is not allowed "
                 "on a disabled key.\",\"innererror\":{\"code\":\"KeyDisabled\"}}}",
                 "KeyDisabled");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/decrypt", "RSA-OAEP", sig, sl, NULL, 0, &r);
    hc_assert_status(&r, 403, "decrypt on a disabled key");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "KeyDisabled");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/verify", "RS256", d, sizeof d, sig, sl, &r);
    kassert_body(&r, "{\"value\":true}", "verify on a disabled key");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/wrapkey", "RSA-OAEP", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 200, "wrapKey on a disabled key");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/rsa1/", NULL, &r);
    hc_assert_status(&r, 200, "GET a disabled key");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);
    free(sig);
}
END_TEST

/* Row 11 and §4: outside exp encrypt/sign/wrap refuse (403), decrypt/unwrap/verify work; before
 * nbf alike. */
START_TEST(test_row11_nbf_exp)
{
    unsigned char d[32] = {3}, *c, *sig;
    size_t cl, sl;
    struct mvt_resp r;
    char body[200];
    int64_t now = hc_now(srv);

    kcreate("rsa1", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/encrypt", "RSA-OAEP", d, sizeof d, NULL, 0, &r);
    c = kb64_field(r.json, "value", &cl);
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/sign", "PS256", d, sizeof d, NULL, 0, &r);
    sig = kb64_field(r.json, "value", &sl);
    mvt_resp_free(&r);
    snprintf(body, sizeof body, "{\"attributes\":{\"exp\":%lld}}", (long long)(now - 60));
    kreq("PATCH", KAP, "/keys/rsa1", body, &r);
    hc_assert_status(&r, 200, "past exp");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/encrypt", "RSA-OAEP", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 403, "encrypt after exp");
    ck_assert_str_eq(hc_err_code(&r), "Forbidden");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "KeyExpired");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/sign", "PS256", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 403, "sign after exp");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/wrapkey", "RSA-OAEP", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 403, "wrapKey after exp");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/decrypt", "RSA-OAEP", c, cl, NULL, 0, &r);
    hc_assert_status(&r, 200, "decrypt after exp");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/unwrapkey", "RSA-OAEP", c, cl, NULL, 0, &r);
    hc_assert_status(&r, 200, "unwrapKey after exp");
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/verify", "PS256", d, sizeof d, sig, sl, &r);
    kassert_body(&r, "{\"value\":true}", "verify after exp");
    mvt_resp_free(&r);
    snprintf(body, sizeof body, "{\"attributes\":{\"exp\":%lld,\"nbf\":%lld}}",
             (long long)(now + 86400), (long long)(now + 120));
    kreq("PATCH", KAP, "/keys/rsa1", body, &r);
    mvt_resp_free(&r);
    kcrypto("/keys/rsa1/sign", "PS256", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 403, "sign before nbf");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "KeyNotYetValid");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":130}");
    kcrypto("/keys/rsa1/sign", "PS256", d, sizeof d, NULL, 0, &r);
    hc_assert_status(&r, 200, "sign once nbf passed on the mock clock");
    mvt_resp_free(&r);
    free(c);
    free(sig);
}
END_TEST

/* §3.12 attestation (exact 95 B), §3.11 rng, §3.10 release refusals. */
START_TEST(test_attestation_rng_release)
{
    struct mvt_resp r;
    unsigned char *v;
    size_t n;

    kcreate("att", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/att//attestation", NULL, &r);
    hc_assert_status(&r, 400, "attestation on a vault");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Method GET does not allow "
                 "operation 'attestation'\"}}",
                 "attestation");
    ck_assert_uint_eq(r.len, 95);
    mvt_resp_free(&r);
    kreq("POST", KAP, "/rng", "{\"count\":128}", &r);
    hc_assert_status(&r, 200, "rng 128");
    hc_assert_keys(r.json, "value", "rng answer");
    v = kb64_field(r.json, "value", &n);
    ck_assert_uint_eq(n, 128);
    free(v);
    mvt_resp_free(&r);
    kreq("POST", KRB, "/rng", "{\"count\":1}", &r);
    hc_assert_status(&r, 200, "rng on the RBAC vault");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/rng", "{\"count\":129}", &r);
    hc_assert_status(&r, 400, "rng 129");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/att//release", "{\"target\":\"eyJ.x.y\"}", &r);
    hc_assert_status(&r, 400, "release of a non-exportable key");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/att/release", "{}", &r);
    hc_assert_status(&r, 400, "release without a target");
    mvt_resp_free(&r);
}
END_TEST

/* §2: release_policy data is re-serialised (version first, authority first, compact). */
START_TEST(test_release_policy_reserialised)
{
    static const char policy[] =
        "{\n  \"anyOf\": [ { \"anyOf\": [ { \"claim\": \"sdk-test\", \"equals\": \"true\" } ],\n"
        "    \"authority\": \"https://attest.example/\" } ],\n  \"version\": \"1.0.0\"\n}";
    static const char want[] = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"https://"
                               "attest.example/\",\"anyOf\":[{\"claim\":\"sdk-test\",\"equals\":"
                               "\"true\"}]}]}";
    char *data = kb64(policy, sizeof policy - 1), *expect = kb64(want, sizeof want - 1), body[1200];
    struct mvt_resp r;

    snprintf(body, sizeof body,
             "{\"kty\":\"RSA-HSM\",\"attributes\":{\"exportable\":true},\"release_policy\":{"
             "\"data\":\"%s\"}}",
             data);
    kcreate("rel", body, &r);
    hc_assert_keys(r.json, "key,attributes,release_policy", "bundle with a release policy");
    hc_assert_keys(hc_jget(r.json, "release_policy"), "contentType,data,immutable", "policy");
    ck_assert_str_eq(hc_jstr(r.json, "release_policy.data"), expect);
    ck_assert_str_eq(hc_jstr(r.json, "release_policy.contentType"),
                     "application/json; charset=utf-8");
    ck_assert(cJSON_IsTrue(hc_jget(r.json, "attributes.exportable")));
    ck_assert_str_eq(hc_jstr(r.json, "key.kty"), "RSA-HSM");
    mvt_resp_free(&r);
    free(data);
    free(expect);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-keys-crypto");
    TCase *tc = tcase_create("crypto");

    tcase_add_checked_fixture(tc, ksetup, kteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_sign_verify_every_alg, 0,
                        (int)(sizeof sig_cases / sizeof sig_cases[0]));
    tcase_add_test(tc, test_row8_digest_length_and_bad_input);
    tcase_add_test(tc, test_encrypt_decrypt_round_trips);
    tcase_add_test(tc, test_row9_key_ops_forbidden);
    tcase_add_test(tc, test_row10_disabled);
    tcase_add_test(tc, test_row11_nbf_exp);
    tcase_add_test(tc, test_attestation_rng_release);
    tcase_add_test(tc, test_release_policy_reserialised);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
