/* test-keys-crypto.c: spec/keyvault-keys.md test rows 6-12 (sign/verify checked locally with
 * GnuTLS, digest length, key_ops, disabled, nbf/exp, version-less crypto paths) and §3.7/§3.8/§4
 * around them: round trips of every RSA encryption and wrap algorithm, verify answers, bad
 * base64url, an algorithm that does not fit the key, and state unchanged after refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-keys.h"

#define FAM "keys"

/* Creates a key and fills path ("/keys/N/V"), kid and, when jwk is not NULL, its JWK. */
static void make_key(const char *tag, const char *body, char *name, size_t nn, char *path,
                     size_t pn, cJSON **bundle)
{
    char ver[64];

    kvc_name(name, nn, tag);
    kvk_create(name, body, ver, sizeof ver, bundle);
    snprintf(path, pn, "/keys/%s/%s", name, ver);
}

/* Signs and checks the signature's length and its local verification; returns nothing. */
static void sign_and_check(const char *path, const cJSON *jwk, const char *alg, size_t b64len)
{
    char *dg = kvk_digest(alg, "kvconform signed text"), *sig;
    int ok;

    sig = kvk_sign(path, alg, dg, kvc_jstr(jwk, "kid"));
    ck_assert_msg(b64len == 0 || strlen(sig) == b64len,
                  "%s: signature is %zu base64url chars, "
                  "want %zu",
                  alg, strlen(sig), b64len);
    ok = kvk_verify_local(jwk, alg, dg, sig);
    ck_assert_msg(ok != 0, "%s: the signature does not verify locally (GnuTLS)", alg);
    free(sig);
    free(dg);
}

/* Row 6 (and §3.8 widths): ES256 on P-256 -> 86 chars, verified locally; ES384/ES512 on P-384 and
 * P-521 -> 128/176 chars; ES256K on P-256K -> 86 chars (checked with /verify: not in GnuTLS). */
START_TEST(kv_keys_row06_es_sign_verifies_locally)
{
    static const struct {
        const char *crv, *alg;
        size_t len;
    } c[] = {{"P-256", "ES256", 86},
             {"P-384", "ES384", 128},
             {"P-521", "ES512", 176},
             {"P-256K", "ES256K", 86}};

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char name[96], path[256], body[64];
        cJSON *b = NULL;
        snprintf(body, sizeof body, "{\"kty\":\"EC\",\"crv\":\"%s\"}", c[i].crv);
        make_key("es", body, name, sizeof name, path, sizeof path, &b);
        sign_and_check(path, kvc_jget(b, "key"), c[i].alg, c[i].len);
        cJSON_Delete(b);
        kvk_cleanup(name);
    }
}
END_TEST

/* Row 7: PS256 verifies with PSS salt length 32 (GnuTLS checks the salt length); RS256, RS384,
 * PS512 likewise; signatures are modulus-length (342 chars). */
START_TEST(kv_keys_row07_rsa_sign_pss_salt_hash_length)
{
    static const char *const algs[] = {"PS256", "RS256", "RS384", "PS512"};
    char name[96], path[256];
    cJSON *b = NULL;

    make_key("ps", "{\"kty\":\"RSA\"}", name, sizeof name, path, sizeof path, &b);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        sign_and_check(path, kvc_jget(b, "key"), algs[i], 342);
    cJSON_Delete(b);
    kvk_cleanup(name);
}
END_TEST

/* Row 8: ES256 with a 50-byte value -> 400 with the recorded message. */
START_TEST(kv_keys_row08_es256_digest_length_400)
{
    struct kvc_resp r;
    char name[96], path[256], *v = kvk_bytes(50, 7);

    make_key("len", "{\"kty\":\"EC\"}", name, sizeof name, path, sizeof path, NULL);
    kvk_op(path, "sign", "ES256", v, &r);
    free(v);
    kvc_assert_error(&r, 400, "BadParameter", NULL,
                     "Invalid length of 'value': 50 bytes. ES256 requires 32 bytes, encoded with "
                     "base64url.",
                     "ES256 over 50 bytes");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 9: PATCH key_ops ["encrypt"], then decrypt -> 403, the exact 136-byte body. */
START_TEST(kv_keys_row09_key_ops_forbidden_exact_body)
{
    static const char want[] =
        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation decrypt is not permitted on "
        "this key.\",\"innererror\":{\"code\":\"KeyOperationForbidden\"}}}";
    struct kvc_resp r;
    char name[96], path[256], *v = kvk_bytes(256, 1);

    ck_assert_uint_eq(strlen(want), 136);
    make_key("ops", "{\"kty\":\"RSA\"}", name, sizeof name, path, sizeof path, NULL);
    kvk_patch(name, "{\"key_ops\":[\"encrypt\"]}");
    kvk_op(path, "decrypt", "RSA-OAEP", v, &r);
    free(v);
    kvc_assert_status(&r, 403, "decrypt outside key_ops");
    kvc_assert_body(&r, want, "KeyOperationForbidden body");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 10: a disabled key: GET 200 "enabled":false; sign, decrypt, unwrapKey -> 403 KeyDisabled
 * ("Operation {op} is not allowed on a disabled key."). */
START_TEST(kv_keys_row10_disabled_key)
{
    static const char *const ops[][2] = {
        {"sign", "RS256"}, {"decrypt", "RSA-OAEP"}, {"unwrapkey", "RSA-OAEP"}};
    static const char *const names[] = {"sign", "decrypt", "unwrapKey"};
    struct kvc_resp r;
    char name[96], path[256], latest[256];

    make_key("dis", "{\"kty\":\"RSA\"}", name, sizeof name, path, sizeof path, NULL);
    kvk_patch(name, "{\"attributes\":{\"enabled\":false}}");
    for (size_t i = 0; i < 3; i++) {
        char msg[128], *v = kvk_bytes(i == 0 ? 32 : 256, 3);
        kvk_op(path, ops[i][0], ops[i][1], v, &r);
        free(v);
        snprintf(msg, sizeof msg, "Operation %s is not allowed on a disabled key.", names[i]);
        kvc_assert_error(&r, 403, "Forbidden", "KeyDisabled", msg, ops[i][0]);
        kvc_resp_free(&r);
    }
    snprintf(latest, sizeof latest, "/keys/%s/", name);
    kv("GET", latest, NULL, &r);
    kvc_assert_status(&r, 200, "GET a disabled key");
    ck_assert_msg(kvc_jget(r.json, "attributes.enabled")->type == cJSON_False,
                  "GET shows enabled true");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 11: past exp: encrypt, sign, wrapKey -> 403 Forbidden; decrypt of a valid ciphertext (made
 * before the exp was set), verify -> 200; a future nbf refuses sign as well. */
START_TEST(kv_keys_row11_exp_nbf_rules)
{
    struct kvc_resp r;
    char name[96], path[256], *pt = kvk_bytes(32, 9), *ct, *dg = kvk_digest("RS256", "x"), *sig;

    make_key("exp", "{\"kty\":\"RSA\"}", name, sizeof name, path, sizeof path, NULL);
    kvk_op(path, "encrypt", "RSA-OAEP", pt, &r);
    kvc_assert_status(&r, 200, "encrypt before exp");
    ct = strdup(kvc_jstr(r.json, "value"));
    kvc_resp_free(&r);
    sig = kvk_sign(path, "RS256", dg, NULL);
    kvk_patch(name, "{\"attributes\":{\"exp\":1000000000}}");
    kvk_op(path, "encrypt", "RSA-OAEP", pt, &r);
    kvc_assert_error(&r, 403, "Forbidden", "*", NULL, "encrypt after exp");
    kvc_resp_free(&r);
    kvk_op(path, "sign", "RS256", dg, &r);
    kvc_assert_error(&r, 403, "Forbidden", "*", NULL, "sign after exp");
    kvc_resp_free(&r);
    kvk_op(path, "wrapkey", "RSA-OAEP", pt, &r);
    kvc_assert_error(&r, 403, "Forbidden", "*", NULL, "wrapKey after exp");
    kvc_resp_free(&r);
    kvk_op(path, "decrypt", "RSA-OAEP", ct, &r);
    kvc_assert_status(&r, 200, "decrypt after exp");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), pt) == 0, "decrypt after exp: wrong plaintext");
    kvc_resp_free(&r);
    {
        char body[1200];
        snprintf(body, sizeof body, "{\"alg\":\"RS256\",\"digest\":\"%s\",\"value\":\"%s\"}", dg,
                 sig);
        char vpath[300];
        snprintf(vpath, sizeof vpath, "%s/verify", path);
        kv("POST", vpath, body, &r);
        kvc_assert_status(&r, 200, "verify after exp");
        kvc_assert_body(&r, "{\"value\":true}", "verify after exp");
        kvc_resp_free(&r);
    }
    kvk_patch(name, "{\"attributes\":{\"exp\":4102444800,\"nbf\":4000000000}}");
    kvk_op(path, "sign", "RS256", dg, &r);
    kvc_assert_error(&r, 403, "Forbidden", "*", NULL, "sign before nbf");
    kvc_resp_free(&r);
    free(pt);
    free(ct);
    free(dg);
    free(sig);
    kvk_cleanup(name);
}
END_TEST

/* Row 12: POST /keys/N/encrypt (no version) and /keys/N//encrypt -> kid of the current version. */
START_TEST(kv_keys_row12_versionless_crypto_paths)
{
    struct kvc_resp r;
    char name[96], path[256], v2[64], p[300], *pt = kvk_bytes(16, 5);

    make_key("vless", "{\"kty\":\"RSA\"}", name, sizeof name, path, sizeof path, NULL);
    kvk_create(name, "{\"kty\":\"RSA\"}", v2, sizeof v2, NULL);
    snprintf(p, sizeof p, "/keys/%s", name);
    kvk_op(p, "encrypt", "RSA-OAEP-256", pt, &r);
    kvc_assert_status(&r, 200, "POST /keys/N/encrypt");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "kid")), v2);
    kvc_assert_keys(r.json, "kid,value", "encrypt answer");
    kvc_resp_free(&r);
    snprintf(p, sizeof p, "/keys/%s/", name);
    kvk_op(p, "encrypt", "RSA-OAEP-256", pt, &r);
    kvc_assert_status(&r, 200, "POST /keys/N//encrypt");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "kid")), v2);
    kvc_resp_free(&r);
    free(pt);
    kvk_cleanup(name);
}
END_TEST

/* §3.7: encrypt/decrypt and wrapkey/unwrapkey round trips for RSA1_5, RSA-OAEP, RSA-OAEP-256;
 * ciphertexts are one modulus long; answers are {kid,value} with no iv/tag. */
START_TEST(kv_keys_s3_7_rsa_round_trips)
{
    static const char *const algs[] = {"RSA1_5", "RSA-OAEP", "RSA-OAEP-256"};
    static const char *const pairs[][2] = {{"encrypt", "decrypt"}, {"wrapkey", "unwrapkey"}};
    char name[96], path[256], *pt = kvk_bytes(32, 11);

    make_key("rt", "{\"kty\":\"RSA\"}", name, sizeof name, path, sizeof path, NULL);
    for (size_t a = 0; a < 3; a++)
        for (size_t p = 0; p < 2; p++) {
            struct kvc_resp r;
            char *ct;
            kvk_op(path, pairs[p][0], algs[a], pt, &r);
            kvc_assert_status(&r, 200, pairs[p][0]);
            kvc_assert_keys(r.json, "kid,value", pairs[p][0]);
            ck_assert_msg(strlen(kvc_jstr(r.json, "value")) == 342, "%s %s: not one 2048-bit block",
                          pairs[p][0], algs[a]);
            ct = strdup(kvc_jstr(r.json, "value"));
            kvc_resp_free(&r);
            kvk_op(path, pairs[p][1], algs[a], ct, &r);
            free(ct);
            kvc_assert_status(&r, 200, pairs[p][1]);
            ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), pt) == 0, "%s %s: round trip differs",
                          pairs[p][1], algs[a]);
            kvc_resp_free(&r);
        }
    free(pt);
    kvk_cleanup(name);
}
END_TEST

/* §3.8: verify answers {"value":true} (14 B, no kid) and {"value":false} for a changed
 * signature. */
START_TEST(kv_keys_s3_8_verify_answers)
{
    struct kvc_resp r;
    char name[96], path[256], body[600], vpath[300], *dg = kvk_digest("ES256", "v"), *sig;

    make_key("ver", "{\"kty\":\"EC\"}", name, sizeof name, path, sizeof path, NULL);
    sig = kvk_sign(path, "ES256", dg, NULL);
    snprintf(vpath, sizeof vpath, "%s/verify", path);
    snprintf(body, sizeof body, "{\"alg\":\"ES256\",\"digest\":\"%s\",\"value\":\"%s\"}", dg, sig);
    kv("POST", vpath, body, &r);
    kvc_assert_status(&r, 200, "verify");
    kvc_assert_body(&r, "{\"value\":true}", "verify of a good signature");
    kvc_resp_free(&r);
    sig[5] = sig[5] == 'A' ? 'B' : 'A';
    snprintf(body, sizeof body, "{\"alg\":\"ES256\",\"digest\":\"%s\",\"value\":\"%s\"}", dg, sig);
    kv("POST", vpath, body, &r);
    kvc_assert_status(&r, 200, "verify of a changed signature");
    kvc_assert_body(&r, "{\"value\":false}", "verify of a changed signature");
    kvc_resp_free(&r);
    free(dg);
    free(sig);
    kvk_cleanup(name);
}
END_TEST

/* §4: EC key + encrypt -> 403 KeyOperationForbidden; value not base64url -> 400 with the recorded
 * text; RS256 on an EC key and ES384 on P-256 -> 400 BadParameter. The key is unchanged after. */
START_TEST(kv_keys_s4_refusals_leave_state)
{
    struct kvc_resp r, before, after;
    char name[96], path[256], latest[256], *dg = kvk_digest("ES256", "y");

    make_key("ref", "{\"kty\":\"EC\"}", name, sizeof name, path, sizeof path, NULL);
    snprintf(latest, sizeof latest, "/keys/%s/", name);
    kv("GET", latest, NULL, &before);
    kvk_op(path, "encrypt", "RSA-OAEP", dg, &r);
    kvc_assert_error(&r, 403, "Forbidden", "KeyOperationForbidden",
                     "Operation encrypt is not permitted on this key.", "EC encrypt");
    kvc_resp_free(&r);
    kvk_op(path, "sign", "ES256", "not base64url!", &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL,
                     "Content of 'value' is not base64url.\r\nProperty 'value' is required.\r\n",
                     "sign with a bad value");
    kvc_resp_free(&r);
    kvk_op(path, "sign", "RS256", dg, &r);
    kvc_assert_error(&r, 400, "BadParameter", "*", NULL, "RS256 on an EC key");
    kvc_resp_free(&r);
    kvk_op(path, "sign", "ES384", dg, &r);
    kvc_assert_error(&r, 400, "BadParameter", "*", NULL, "ES384 on a P-256 key");
    kvc_resp_free(&r);
    kv("GET", latest, NULL, &after);
    kvc_assert_status(&after, 200, "GET after the refusals");
    ck_assert_msg(strcmp(before.body, after.body) == 0, "refused requests changed the key");
    kvc_resp_free(&before);
    kvc_resp_free(&after);
    free(dg);
    kvk_cleanup(name);
}
END_TEST

void kvc_suite_keys_crypto(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_keys_row06_es_sign_verifies_locally, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row07_rsa_sign_pss_salt_hash_length, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row08_es256_digest_length_400, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row09_key_ops_forbidden_exact_body, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row10_disabled_key, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row11_exp_nbf_rules, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row12_versionless_crypto_paths, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_7_rsa_round_trips, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_8_verify_answers, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s4_refusals_leave_state, 0, NULL);
}
