/* test-keys-crud.c: spec/keyvault-keys.md test rows 1-5 (create EC and RSA with their defaults,
 * import stripping n's leading zero, the exact KeyNotFound body, versions of an unknown name) and
 * §2/§3.1-3.5/§4 around them: JWK and attribute key order, no private fields, empty-version and
 * version-less paths, update, list items with base kids, and the 400s of bad kty/size/curve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "kvc-keys.h"

#define FAM "keys"

/* A throwaway 2048-bit RSA test key (generated for this suite, used nowhere else) whose n is
 * written with a leading zero byte, as the recorded import sends it (spec §3.2, row 3). */
#define KVK_IMP_N                                                                                  \
    "ALBrTFlD_FOu8nhhHcnlo-c4ys8L9pvQhbH9hWVhQSmRDnTva4e1MmV6xK-lme76GooXNBRGfUrOS3lF"             \
    "njjPWS8_J1MoDD-3ADDF9NX1WitACSfvY2pDwPJmzE4xcHir8lssizp40lXhz4qVHoPUZ01GMPDXMpWA"             \
    "RNSKzXPHv9XP3dtE4O-YNsQsN0hkZMM4_SEFMot_9rz-YNxmC7eNVeUr25MY9h8fwPtPbbNXkNSdQFIr"             \
    "1apnwY0cyyGChbXi15Ze2r0OtZCqM1njK1Xj5kMfRxA1zbCHROOMbdpcBkPisi1mMC_zFjvRt07JNhY_"             \
    "Gf08Im9dk_vr7CEL_S3tOMc"
#define KVK_IMP_E "AQAB"
#define KVK_IMP_D                                                                                  \
    "HfWiyhf_DlEL8UCA2AwM-RPOcTnVX-GaCr-Ee1J4R_BP1bDhAHNXgx9FrpR_XzOO9Tt6hyTvWxhMfeRC"             \
    "OeCQgzME4RzQc7OGr0G20ezwKp8dzu_a4K1v41pswKyprnx41F3sqPnisl3-KkknnPihsGBGqGfLOdNG"             \
    "HRgTSuG1pL_3ICSBXORyGcM_vrh7p9agPw1ryRI1TpcoR72ZiVfx6HxP7cLPdemtcfPHq-MwJblM80OW"             \
    "41C_7aKpdsO4gx5tsYaQsHnIcHi6Iz6cfJ7OMeGu-ezv_1nZkC_qKWikdrBhZXrh2qtHDrLMykmNG5Tt"             \
    "xlWh4bbSfNQmaXaCKdH_5Q"
#define KVK_IMP_P                                                                                  \
    "6vsgozRZ4UrEWuQ8TV1R_wzz_lK9Bf5XiM_AmlzQPd9ee7HQK-qSpPzHaUzvZ5bX6DqUcevBmYSgmj2f"             \
    "0qISWbaIpahfVOO_NMdFwOceKG7SBFze0U9ZbWo7yZiJsZ4NYjaEn2hlLxsnIw_sisHL7RP0eUquJCUs"             \
    "uN3aEeTAVmM"
#define KVK_IMP_Q                                                                                  \
    "wDMnDBh5h45gG-xbeBRL5mfBgYr7ZsWz4KSZi171vecW78o4KnaWKfQVULGOszV62S1xOdZfU-xowIcF"             \
    "wnU3q9Jf6jtIbzfkTGCdTpJxE16C_w-UW1YhUbGc3Kxk4P95sZZ5Pn0pvFg1MGFy9G1NeoOCkE4D3F64"             \
    "OaGki9rR300"
#define KVK_IMP_DP                                                                                 \
    "eOQsXWrQlwT1UmG72H2bcuGCIiUFFLFO7Zcc2w3HIR3rKS5JEF8FhRZ7rWQkgyHrAJIqzxVgrA-85L2x"             \
    "nRc-46LyWG_wY-cr9wZSj7UYIesp5460H_F367_M9KGirZvH_PBZeP2nmP2aPAK0Sor71IQAsepG_1eU"             \
    "06Nnzu7mOUs"
#define KVK_IMP_DQ                                                                                 \
    "n75kJ9N3vskA7HRoGceUxe1akZa4GNUdCgsEaygDy1B0adyDDhf9-uSZirXoyt4aOsNgJhgcpx4Iemw-"             \
    "xz6xhKeXfJDFRVsI7somNJXWUajt65xBTCCsFMAwheDq_26W8JkGMH_K3nXZz1pPNwRZrwf6zoFpCBHZ"             \
    "wFyu7GZ0pMk"
#define KVK_IMP_QI                                                                                 \
    "y8AxzYvRD37hFC26pDwnaB-R_7uvREMlwqejqBq94hLCIl824L_R4CR8riEnzneIRq5O1cUxTD7U9Ovr"             \
    "6xL0kiBBpiOgqssQxCvKiV8GJj0np4toNER-kdRi0HsI_brSp4GEw7XjeF5_XyZzNwD1vVu0QKwgMjgi"             \
    "2hn8JCWHzUE"

static const char *const private_fields[] = {"d", "dp", "dq", "qi", "p", "q", "k", "key_hsm"};

static void assert_public_only(const cJSON *jwk, const char *what)
{
    for (size_t i = 0; i < sizeof private_fields / sizeof private_fields[0]; i++)
        ck_assert_msg(kvc_jget(jwk, private_fields[i]) == NULL, "%s: the JWK carries '%s'", what,
                      private_fields[i]);
}

/* The kid of a bundle: https://{vault}/keys/{name}/{32 hex}. */
static void assert_kid(const cJSON *j, const char *name, const char *what)
{
    char want[600];
    const char *kid = kvc_jstr(j, "key.kid"), *v = kvc_last_segment(kid);

    snprintf(want, sizeof want, "%s/keys/%s/", kvc.vault, name);
    ck_assert_msg(strncasecmp(kid, want, strlen(want)) == 0 && strlen(v) == 32 &&
                      strspn(v, "0123456789abcdef") == 32,
                  "%s: kid '%s', want %s<32 hex>", what, kid, want);
}

/* Row 1: POST /keys/ec1/create {"kty":"EC"} -> P-256, sign+verify, 43-char x/y, attribute order. */
START_TEST(kv_keys_row01_create_ec_defaults)
{
    cJSON *b = NULL;
    char name[96];

    kvc_name(name, sizeof name, "ec");
    kvk_create(name, "{\"kty\":\"EC\"}", NULL, 0, &b);
    kvc_assert_keys(b, "key,attributes", "EC create bundle (no tags sent)");
    kvc_assert_keys(kvc_jget(b, "key"), "kid,kty,key_ops,crv,x,y", "EC JWK");
    assert_kid(b, name, "EC create");
    ck_assert_str_eq(kvc_jstr(b, "key.kty"), "EC");
    ck_assert_str_eq(kvc_jstr(b, "key.crv"), "P-256");
    ck_assert_msg(
        cJSON_GetArraySize(kvc_jget(b, "key.key_ops")) == 2 &&
            strcmp(cJSON_GetArrayItem(kvc_jget(b, "key.key_ops"), 0)->valuestring, "sign") == 0 &&
            strcmp(cJSON_GetArrayItem(kvc_jget(b, "key.key_ops"), 1)->valuestring, "verify") == 0,
        "EC default key_ops are not [sign, verify]");
    ck_assert_uint_eq(strlen(kvc_jstr(b, "key.x")), 43);
    ck_assert_uint_eq(strlen(kvc_jstr(b, "key.y")), 43);
    kvc_assert_keys(kvc_jget(b, "attributes"),
                    "enabled,created,updated,recoveryLevel,recoverableDays,exportable,hsmPlatform",
                    "EC attributes (7.6)");
    ck_assert_msg(kvc_jget(b, "attributes.enabled")->type == cJSON_True, "enabled is not true");
    ck_assert_msg(kvc_jget(b, "attributes.created")->valuedouble ==
                      kvc_jget(b, "attributes.updated")->valuedouble,
                  "created != updated on create");
    ck_assert_str_eq(kvc_jstr(b, "attributes.hsmPlatform"), "0");
    assert_public_only(kvc_jget(b, "key"), "EC create");
    cJSON_Delete(b);
    kvk_cleanup(name);
}
END_TEST

/* Row 2: POST /keys/rsa1/create {"kty":"RSA"} -> key_size right after enabled (2025-07-01), six
 * default ops in order, 342-char n, AQAB. */
START_TEST(kv_keys_row02_create_rsa_defaults)
{
    static const char *const ops[] = {"encrypt", "decrypt", "sign",
                                      "verify",  "wrapKey", "unwrapKey"};
    struct kvc_resp r;
    char name[96], path[256];
    const cJSON *kops;

    kvc_name(name, sizeof name, "rsa");
    snprintf(path, sizeof path, "/keys/%s/create?api-version=" KVK_API_KEYSIZE, name);
    kv("POST", path, "{\"kty\":\"RSA\"}", &r);
    kvc_assert_status(&r, 200, "RSA create");
    kvc_assert_keys(kvc_jget(r.json, "key"), "kid,kty,key_ops,n,e", "RSA JWK");
    kvc_assert_keys(kvc_jget(r.json, "attributes"),
                    "enabled,key_size,created,updated,recoveryLevel,recoverableDays,exportable,"
                    "hsmPlatform",
                    "RSA attributes (2025-07-01)");
    ck_assert_int_eq(kvc_jget(r.json, "attributes.key_size")->valueint, 2048);
    kops = kvc_jget(r.json, "key.key_ops");
    ck_assert_int_eq(cJSON_GetArraySize(kops), 6);
    for (int i = 0; i < 6; i++)
        ck_assert_str_eq(cJSON_GetArrayItem(kops, i)->valuestring, ops[i]);
    ck_assert_uint_eq(strlen(kvc_jstr(r.json, "key.n")), 342);
    ck_assert_msg(kvc_jstr(r.json, "key.n")[0] != 'A', "n starts with a zero byte");
    ck_assert_str_eq(kvc_jstr(r.json, "key.e"), "AQAB");
    assert_public_only(kvc_jget(r.json, "key"), "RSA create");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 3: PUT /keys/imp1 with n's leading zero -> n unsigned-minimal; no private parts; key_ops
 * echoed in the order sent. */
START_TEST(kv_keys_row03_import_strips_leading_zero)
{
    struct kvc_resp r;
    char name[96], path[256], *body, *want_n;
    unsigned char *raw;
    size_t n = 0;
    cJSON *j = cJSON_CreateObject(), *k = cJSON_AddObjectToObject(j, "key"), *ops;

    kvc_name(name, sizeof name, "imp");
    cJSON_AddStringToObject(k, "kty", "RSA");
    ops = cJSON_AddArrayToObject(k, "key_ops");
    cJSON_AddItemToArray(ops, cJSON_CreateString("verify"));
    cJSON_AddItemToArray(ops, cJSON_CreateString("sign"));
    cJSON_AddStringToObject(k, "n", KVK_IMP_N);
    cJSON_AddStringToObject(k, "e", KVK_IMP_E);
    cJSON_AddStringToObject(k, "d", KVK_IMP_D);
    cJSON_AddStringToObject(k, "dp", KVK_IMP_DP);
    cJSON_AddStringToObject(k, "dq", KVK_IMP_DQ);
    cJSON_AddStringToObject(k, "qi", KVK_IMP_QI);
    cJSON_AddStringToObject(k, "p", KVK_IMP_P);
    cJSON_AddStringToObject(k, "q", KVK_IMP_Q);
    body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/keys/%s", name);
    kv("PUT", path, body, &r);
    free(body);
    kvc_assert_status(&r, 200, "ImportKey");
    raw = cx_b64url_decode(KVK_IMP_N, strlen(KVK_IMP_N), &n);
    ck_assert_msg(raw && n == 257 && raw[0] == 0, "test key: n has no leading zero");
    want_n = cx_b64url_encode(raw + 1, n - 1);
    free(raw);
    ck_assert_msg(strcmp(kvc_jstr(r.json, "key.n"), want_n) == 0,
                  "import: n is not the modulus without its leading zero");
    free(want_n);
    kvc_assert_keys(kvc_jget(r.json, "key"), "kid,kty,key_ops,n,e", "imported JWK");
    ck_assert_str_eq(cJSON_GetArrayItem(kvc_jget(r.json, "key.key_ops"), 0)->valuestring, "verify");
    assert_public_only(kvc_jget(r.json, "key"), "ImportKey");
    assert_kid(r.json, name, "ImportKey");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 4: GET /keys/missing/ -> 404, the exact 295-byte KeyNotFound body. */
START_TEST(kv_keys_row04_get_missing_404_exact_body)
{
    struct kvc_resp r;
    char want[1024];

    kv("GET", "/keys/missing/", NULL, &r);
    kvk_not_found_body(want, sizeof want, "missing");
    ck_assert_uint_eq(strlen(want), 295);
    kvc_assert_status(&r, 404, "GET /keys/missing/");
    kvc_assert_body(&r, want, "KeyNotFound body");
    kvc_resp_free(&r);
}
END_TEST

/* Row 5: GET /keys/ghost/versions -> 200 {"value":[],"nextLink":null} (28 B). */
START_TEST(kv_keys_row05_versions_unknown_empty)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "ghost");
    snprintf(path, sizeof path, "/keys/%s/versions", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "versions of an unknown name");
    kvc_assert_body(&r, "{\"value\":[],\"nextLink\":null}", "empty versions list");
    kvc_resp_free(&r);
}
END_TEST

/* §1/§3.3: GET latest with and without the trailing slash and by version give one bundle; a
 * missing version is a 404 KeyNotFound. */
START_TEST(kv_keys_s1_get_latest_version_paths)
{
    struct kvc_resp a, b, c;
    char name[96], ver[64], path[256];

    kvc_name(name, sizeof name, "get");
    kvk_create(name, "{\"kty\":\"EC\",\"crv\":\"P-384\"}", NULL, 0, NULL);
    kvk_create(name, "{\"kty\":\"EC\",\"crv\":\"P-384\"}", ver, sizeof ver, NULL);
    snprintf(path, sizeof path, "/keys/%s/", name);
    kv("GET", path, NULL, &a);
    snprintf(path, sizeof path, "/keys/%s", name);
    kv("GET", path, NULL, &b);
    snprintf(path, sizeof path, "/keys/%s/%s", name, ver);
    kv("GET", path, NULL, &c);
    kvc_assert_status(&a, 200, "GET /keys/N/");
    kvc_assert_status(&b, 200, "GET /keys/N");
    kvc_assert_status(&c, 200, "GET /keys/N/V");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(a.json, "key.kid")), ver);
    ck_assert_str_eq(a.body, b.body);
    ck_assert_str_eq(a.body, c.body);
    ck_assert_uint_eq(strlen(kvc_jstr(a.json, "key.x")), 64);
    kvc_resp_free(&a);
    kvc_resp_free(&b);
    kvc_resp_free(&c);
    snprintf(path, sizeof path, "/keys/%s/0123456789abcdef0123456789abcdef", name);
    kv("GET", path, NULL, &a);
    kvc_assert_error(&a, 404, "KeyNotFound", NULL, NULL, "missing version");
    kvc_resp_free(&a);
    kvk_cleanup(name);
}
END_TEST

/* §3.3: PATCH replaces key_ops, exp and tags (tags wholesale), keeps the material and version;
 * a disabled key can be patched to a past exp (200). */
START_TEST(kv_keys_s3_3_update_replaces_fields)
{
    struct kvc_resp r;
    char name[96], ver[64], path[256], n0[400];
    cJSON *b = NULL;

    kvc_name(name, sizeof name, "upd");
    kvk_create(name, "{\"kty\":\"RSA\",\"tags\":{\"a\":\"1\",\"b\":\"2\"}}", ver, sizeof ver, &b);
    snprintf(n0, sizeof n0, "%s", kvc_jstr(b, "key.n"));
    cJSON_Delete(b);
    snprintf(path, sizeof path, "/keys/%s/", name);
    kv("PATCH", path,
       "{\"key_ops\":[\"decrypt\",\"encrypt\"],\"attributes\":{\"exp\":2524723200},"
       "\"tags\":{\"foo\":\"updated tag\"}}",
       &r);
    kvc_assert_status(&r, 200, "UpdateKey");
    kvc_assert_keys(r.json, "key,attributes,tags", "UpdateKey bundle");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "key.kid")), ver);
    ck_assert_str_eq(kvc_jstr(r.json, "key.n"), n0);
    ck_assert_str_eq(cJSON_GetArrayItem(kvc_jget(r.json, "key.key_ops"), 0)->valuestring,
                     "decrypt");
    ck_assert_int_eq(cJSON_GetArraySize(kvc_jget(r.json, "key.key_ops")), 2);
    ck_assert_msg(kvc_jget(r.json, "attributes.exp")->valuedouble == 2524723200.0, "exp");
    kvc_assert_keys(kvc_jget(r.json, "tags"), "foo", "tags replaced wholesale");
    kvc_assert_keys(kvc_jget(r.json, "attributes"),
                    "enabled,exp,created,updated,recoveryLevel,recoverableDays,exportable,"
                    "hsmPlatform",
                    "attributes with exp (7.6)");
    kvc_resp_free(&r);
    kv("PATCH", path, "{\"attributes\":{\"enabled\":false,\"exp\":1000000000}}", &r);
    kvc_assert_status(&r, 200, "PATCH a disabled key to a past exp");
    ck_assert_msg(kvc_jget(r.json, "attributes.enabled")->type == cJSON_False, "still enabled");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* §3.5: GetKeys lists one item per name with the base kid (no version) and attributes. */
START_TEST(kv_keys_s3_5_list_base_kid)
{
    struct kvc_resp r;
    char name[96], url[4096], want[600];
    int found = 0, pages = 0;

    kvc_name(name, sizeof name, "list");
    kvk_create(name, "{\"kty\":\"EC\"}", NULL, 0, NULL);
    kvk_create(name, "{\"kty\":\"EC\"}", NULL, 0, NULL);
    snprintf(want, sizeof want, "%s/keys/%s", kvc.vault, name);
    snprintf(url, sizeof url, "/keys?maxresults=25");
    while (url[0] && pages++ < 200) {
        const cJSON *it, *next;
        kv("GET", url, NULL, &r);
        kvc_assert_status(&r, 200, "GetKeys");
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
            if (strcasecmp(kvc_jstr(it, "kid"), want) != 0)
                continue;
            found++;
            kvc_assert_keys(it, "kid,attributes", "GetKeys item");
        }
        next = kvc_jget(r.json, "nextLink");
        snprintf(url, sizeof url, "%s", cJSON_IsString(next) ? next->valuestring : "");
        kvc_resp_free(&r);
    }
    ck_assert_msg(found == 1, "key with two versions listed %d times (want once, base kid)", found);
    kvk_cleanup(name);
}
END_TEST

/* §4: bad kty, missing kty, bad curve and an RSA size outside 2048/3072/4096 are 400
 * BadParameter, and nothing is created. */
START_TEST(kv_keys_s4_bad_kty_size_curve_400)
{
    static const char *const bodies[] = {
        "{\"kty\":\"DSA\"}",
        "{\"key_size\":2048}",
        "{\"kty\":\"EC\",\"crv\":\"P-192\"}",
        "{\"kty\":\"RSA\",\"key_size\":1024}",
    };
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "bad");
    snprintf(path, sizeof path, "/keys/%s/create", name);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        kv("POST", path, bodies[i], &r);
        kvc_assert_error(&r, 400, "BadParameter", "*", NULL, bodies[i]);
        ck_assert_msg(strlen(kvc_jstr(r.json, "error.message")) > 10, "%s: empty message",
                      bodies[i]);
        kvc_resp_free(&r);
    }
    snprintf(path, sizeof path, "/keys/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_error(&r, 404, "KeyNotFound", NULL, NULL, "nothing created by refused creates");
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_keys_crud(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_keys_row01_create_ec_defaults, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row02_create_rsa_defaults, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row03_import_strips_leading_zero, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row04_get_missing_404_exact_body, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row05_versions_unknown_empty, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s1_get_latest_version_paths, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_3_update_replaces_fields, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_5_list_base_kid, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s4_bad_kty_size_curve_400, 0, NULL);
}
