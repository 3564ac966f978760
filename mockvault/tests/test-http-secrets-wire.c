/* test-http-secrets-wire.c: what the wire shows of every operation: names (case, escaping),
 * api-version effects, the secret-state rows of §2, the response headers of §4, and
 * --strict-expiry (secrets-common.h says how the suites run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secrets-common.h"

/* ---- §1 names ---- */

/* Bodies are written without cJSON on the hot path; strings must still be escaped exactly as
 * cJSON escapes them: the body equals cJSON's compact print of itself, and values round-trip. */
START_TEST(test_s1_escaping_matches_cjson)
{
    static const char value[] = "q\"b\\s/n\nt\tc\x01\x1f \xc3\xa9 \xf0\x9f\x98\x80 </script>";
    const char *hdr[] = {"Content-Type: application/json", NULL};
    cJSON *in = cJSON_CreateObject(), *tags;
    char *body, *again;
    struct mvt_resp r;

    cJSON_AddStringToObject(in, "value", value);
    cJSON_AddStringToObject(in, "contentType", "ct\"\n");
    tags = cJSON_AddObjectToObject(in, "tags");
    cJSON_AddStringToObject(tags, "k\"\\", "v\x02");
    body = cJSON_PrintUnformatted(in);
    ck_assert_int_eq(
        mvt_request(srv, "PUT", DEMO, "/secrets/esc?api-version=7.4", tok, hdr, body, &r), 0);
    ck_assert_int_eq(r.status, 200);
    mvt_resp_free(&r);
    ck_assert_int_eq(
        mvt_request(srv, "GET", DEMO, "/secrets/esc/?api-version=7.4", tok, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(r.json);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "value")->valuestring, value);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "contentType")->valuestring,
                     "ct\"\n");
    again = cJSON_PrintUnformatted(r.json);
    ck_assert_msg(strcmp(again, r.body) == 0, "body differs from cJSON's compact print");
    cJSON_free(again);
    cJSON_free(body);
    cJSON_Delete(in);
    mvt_resp_free(&r);
}
END_TEST

/* The writer skips 8 bytes at a time while none needs escaping (net/reply.c jb_str): every
 * escaped character after runs of 0 to 17 plain bytes (so at every offset within 8), and a long
 * plain run like a PFX's base64, must still come out exactly as cJSON writes them. */
START_TEST(test_s1_escaping_at_every_offset)
{
    static const char specials[] = "\"\\\n\t\x01\x1f\x7f/"; /* UTF-8: the test above */
    const char *hdr[] = {"Content-Type: application/json", NULL};
    char value[2048], *body, *again;
    size_t n = 0;
    cJSON *in = cJSON_CreateObject();
    struct mvt_resp r;

    for (int run = 0; run < 18; run++)
        for (size_t c = 0; c < sizeof specials - 1; c++) {
            for (int i = 0; i < run && n < 1500; i++)
                value[n++] = (char)('A' + (i + run) % 26);
            value[n++] = specials[c];
        }
    memset(value + n, 'Q', 300); /* a long run with nothing to escape, then the end */
    n += 300;
    value[n] = '\0';
    cJSON_AddStringToObject(in, "value", value);
    body = cJSON_PrintUnformatted(in);
    ck_assert_int_eq(
        mvt_request(srv, "PUT", DEMO, "/secrets/esc8?api-version=7.4", tok, hdr, body, &r), 0);
    ck_assert_int_eq(r.status, 200);
    mvt_resp_free(&r);
    ck_assert_int_eq(
        mvt_request(srv, "GET", DEMO, "/secrets/esc8/?api-version=7.4", tok, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(r.json);
    ck_assert_msg(strcmp(cJSON_GetObjectItemCaseSensitive(r.json, "value")->valuestring, value) ==
                      0,
                  "the value does not round-trip");
    again = cJSON_PrintUnformatted(r.json);
    ck_assert_msg(strcmp(again, r.body) == 0, "body differs from cJSON's compact print");
    cJSON_free(again);
    cJSON_free(body);
    cJSON_Delete(in);
    mvt_resp_free(&r);
}
END_TEST

/* §1 Common points / §5: names are case-insensitive and keep the case they were created with. */
START_TEST(test_s1_names_case_insensitive_case_preserved)
{
    struct mvt_resp r;
    char base[128], want[256];

    hc_base(srv, DEMO, base, sizeof base);
    snprintf(want, sizeof want, "%s/secrets/MixedCase-Name/", base);
    hc_set(srv, DEMO, tok, "MixedCase-Name", "{\"value\":\"one\"}", &r);
    ck_assert_msg(strncmp(hc_jstr(r.json, "id"), want, strlen(want)) == 0, "id keeps the case");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/mixedcase-name/", NULL, &r);
    hc_assert_status(&r, 200, "GET lower case");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "one");
    ck_assert_msg(strncmp(hc_jstr(r.json, "id"), want, strlen(want)) == 0, "stored case in id");
    mvt_resp_free(&r);

    hc_set(srv, DEMO, tok, "MIXEDCASE-NAME", "{\"value\":\"two\"}", &r);
    ck_assert_msg(strncmp(hc_jstr(r.json, "id"), want, strlen(want)) == 0,
                  "a new version of the same secret keeps its case");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/secrets/mixedCASE-name/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions any case");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/API-KEY", NULL, &r);
    hc_assert_status(&r, 200, "fixture secret in upper case");
    ck_assert_msg(strstr(hc_jstr(r.json, "id"), "/secrets/api-key/") != NULL, "fixture case");
    mvt_resp_free(&r);

    kv("DELETE", DEMO, "/secrets/MIXEDCASE-name", NULL, &r);
    hc_assert_status(&r, 200, "DELETE other case");
    snprintf(want, sizeof want, "%s/deletedsecrets/MixedCase-Name", base);
    ck_assert_str_eq(hc_jstr(r.json, "recoveryId"), want);
    mvt_resp_free(&r);
    kv("GET", DEMO, "/deletedsecrets/mixedcase-NAME", NULL, &r);
    hc_assert_status(&r, 200, "GET deleted other case");
    mvt_resp_free(&r);
    kv("PUT", DEMO, "/secrets/mixedcase-name", "{\"value\":\"three\"}", &r);
    hc_assert_status(&r, 409, "deleted name blocks every case");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 api-version effects ---- */

static const struct {
    const char *api;
    bool recoverable_days;
} api_rows[] = {
    {"2016-10-01", false}, {"7.0", false}, {"7.1", true}, {"7.2", true},        {"7.3", true},
    {"7.4", true},         {"7.5", true},  {"7.6", true}, {"2025-07-01", true},
};

/* §1 Common points: recoverableDays is absent at api-version 7.0 (only recoveryLevel), present
 * from 7.1 on; every supported version answers. */
START_TEST(test_s1_recoverable_days_by_api_version)
{
    struct mvt_resp r;

    kv_api("GET", DEMO, "/secrets/api-key/", api_rows[_i].api, NULL, &r);
    hc_assert_status(&r, 200, api_rows[_i].api);
    ck_assert_str_eq(hc_jstr(r.json, "attributes.recoveryLevel"), "Recoverable+Purgeable");
    if (api_rows[_i].recoverable_days) {
        ck_assert_int_eq(hc_jint(r.json, "attributes.recoverableDays"), 90);
    } else {
        ck_assert_msg(!hc_has(r.json, "attributes.recoverableDays"),
                      "no recoverableDays at api-version %s", api_rows[_i].api);
        hc_assert_keys(hc_jget(r.json, "attributes"), "enabled,created,updated,recoveryLevel",
                       "attributes");
    }
    mvt_resp_free(&r);
}
END_TEST

/* real-clients / router: the JS SDK sends the key percent-encoded as api%2Dversion. */
START_TEST(test_s1_api_version_percent_encoded_key)
{
    struct mvt_resp r;

    hc_req(srv, "GET", DEMO, "/secrets/api-key/?api%2Dversion=7.4", tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "api%2Dversion");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-api-key-0000");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §2 secret-state rows ---- */

/* §2 "GET of a disabled secret (latest or a given version)": exact 403 SecretDisabled body
 * (132 bytes recorded). */
START_TEST(test_s2_disabled_get_403)
{
    static const char want[] = "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is "
                               "not allowed on a disabled secret.\",\"innererror\":{\"code\":"
                               "\"SecretDisabled\"}}}";
    static const char *const paths[] = {
        "/secrets/disabled-secret/",
        "/secrets/disabled-secret",
        "/secrets/graph-app-secret/1111aaaa1111aaaa1111aaaa1111aaaa",
    };
    char cl[32];

    ck_assert_int_eq(strlen(want), 132);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct mvt_resp r;
        kv("GET", DEMO, paths[i], NULL, &r);
        hc_assert_status(&r, 403, paths[i]);
        hc_assert_body(&r, want, true, paths[i]);
        ck_assert_str_eq(mvt_header(&r, "Content-Length", cl, sizeof cl), "132");
        mvt_resp_free(&r);
    }
}
END_TEST

/* §2 "Expired or not-yet-valid secret": the real service returns it with 200 and its exp/nbf. */
START_TEST(test_s2_expired_and_not_yet_valid_200)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv);

    kv("GET", DEMO, "/secrets/expired-secret/", NULL, &r);
    hc_assert_status(&r, 200, "expired");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-expired-value");
    ck_assert_msg(hc_jint(r.json, "attributes.exp") < now, "exp in the past");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,exp,created,updated,recoveryLevel,recoverableDays", "attributes");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/not-yet-valid/", NULL, &r);
    hc_assert_status(&r, 200, "not yet valid");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-future-value");
    ck_assert_msg(hc_jint(r.json, "attributes.nbf") > now, "nbf in the future");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,nbf,created,updated,recoveryLevel,recoverableDays", "attributes");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §4 response headers ---- */

/* §4: headers of every vault response: Content-Type exactly "application/json; charset=utf-8",
 * a GUID x-ms-request-id (new per request), x-ms-client-request-id echoed, Cache-Control,
 * Pragma, Expires, nosniff, HSTS without a space, service version, region = vault location. */
START_TEST(test_s4_response_headers)
{
    static const struct {
        const char *method, *path, *body;
        long status;
    } rows[] = {
        {"GET", "/secrets/api-key/", NULL, 200},
        {"GET", "/secrets", NULL, 200},
        {"PUT", "/secrets/hdr-test", "{\"value\":\"h\"}", 200},
        {"GET", "/secrets/missing/", NULL, 404},
        {"GET", "/secrets/disabled-secret/", NULL, 403},
        {"PUT", "/secrets/bad_name", "{\"value\":\"h\"}", 400},
    };
    static const char crid[] = "9b4e8c52-3c1f-4f4e-9d55-0123456789ab";
    const char *hdr[] = {"x-ms-client-request-id: 9b4e8c52-3c1f-4f4e-9d55-0123456789ab", NULL};
    char prev_id[64] = "", hb[256], p[256];

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mvt_resp r;
        const char *v;
        hc_req(srv, rows[i].method, DEMO, hc_path(p, sizeof p, rows[i].path, NULL), tok, hdr,
               rows[i].body, &r);
        hc_assert_status(&r, rows[i].status, rows[i].path);
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", rows[i].path);
        v = mvt_header(&r, "x-ms-request-id", hb, sizeof hb);
        ck_assert_msg(hc_is_guid(v), "x-ms-request-id is a GUID");
        ck_assert_msg(strcmp(v, prev_id) != 0, "a new x-ms-request-id per request");
        snprintf(prev_id, sizeof prev_id, "%s", v);
        hc_assert_header(&r, "x-ms-client-request-id", crid, rows[i].path);
        hc_assert_header(&r, "Cache-Control", "no-cache", rows[i].path);
        hc_assert_header(&r, "Pragma", "no-cache", rows[i].path);
        hc_assert_header(&r, "Expires", "-1", rows[i].path);
        hc_assert_header(&r, "X-Content-Type-Options", "nosniff", rows[i].path);
        hc_assert_header(&r, "Strict-Transport-Security", "max-age=31536000;includeSubDomains",
                         rows[i].path);
        v = mvt_header(&r, "x-ms-keyvault-service-version", hb, sizeof hb);
        ck_assert_msg(v && *v && strspn(v, "0123456789.") == strlen(v),
                      "x-ms-keyvault-service-version like 1.9.3070.1");
        hc_assert_header(&r, "x-ms-keyvault-region", "westeurope", rows[i].path);
        mvt_resp_free(&r);
    }
}
END_TEST

/* §4: x-ms-client-request-id is echoed only when sent; the region follows the vault's location
 * (changed here through the control API's state import). */
START_TEST(test_s4_region_and_no_client_request_id)
{
    struct mvt_resp r;
    char *state = hc_state(srv), *text;
    cJSON *j = cJSON_Parse(state);
    cJSON *loc =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(hc_jget(j, "vaults"), 1), "location");
    long st;

    kv("GET", DEMO, "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 200, "GET");
    hc_assert_no_header(&r, "x-ms-client-request-id", "no id sent");
    mvt_resp_free(&r);

    ck_assert_msg(cJSON_IsString(loc), "vaults[1].location in the export");
    ck_assert_str_eq(hc_jstr(cJSON_GetArrayItem(hc_jget(j, "vaults"), 1), "name"), "rbac-demo");
    cJSON_SetValuestring(loc, "japaneast");
    text = cJSON_PrintUnformatted(j);
    st = mvt_control(srv, "PUT", "/_mock/state", text);
    ck_assert_int_eq(st, 200);
    kv("GET", RBAC, "/secrets/app-config/", NULL, &r);
    hc_assert_status(&r, 200, "GET rbac-demo");
    hc_assert_header(&r, "x-ms-keyvault-region", "japaneast", "rbac-demo");
    mvt_resp_free(&r);
    free(text);
    free(state);
    cJSON_Delete(j);
}
END_TEST

/* ---- --strict-expiry (DESIGN §5) ---- */

static void setup_strict(void)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.strict_expiry = true;
    cfg.proxy_port = -1;
    srv = mvt_start("fixtures/default.json", &cfg);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token");
}

/* DESIGN §5 --strict-expiry: expired and not-yet-valid GETs become 403 Forbidden whose innererror
 * MockStrictExpiry says the rule is the mock's; valid secrets still answer 200. */
START_TEST(test_s2_strict_expiry_403)
{
    static const char *const refused[] = {"/secrets/expired-secret/", "/secrets/not-yet-valid/"};
    struct mvt_resp r;

    for (size_t i = 0; i < 2; i++) {
        kv("GET", DEMO, refused[i], NULL, &r);
        hc_assert_status(&r, 403, refused[i]);
        ck_assert_str_eq(hc_err_code(&r), "Forbidden");
        ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "MockStrictExpiry");
        ck_assert_msg(strstr(r.body, "fake-") == NULL, "no value in the refusal");
        mvt_resp_free(&r);
    }
    kv("GET", DEMO, "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 200, "valid secret");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/secrets/graph-app-secret/", NULL, &r);
    hc_assert_status(&r, 200, "exp in the future");
    mvt_resp_free(&r);
}
END_TEST

static Suite *secrets_wire_suite(void)
{
    Suite *s = suite_create("http-secrets-wire");
    TCase *wire = tcase_create("wire");
    TCase *strict = tcase_create("strict-expiry");

    tcase_add_checked_fixture(wire, setup, teardown);
    tcase_add_test(wire, test_s1_names_case_insensitive_case_preserved);
    tcase_add_test(wire, test_s1_escaping_matches_cjson);
    tcase_add_test(wire, test_s1_escaping_at_every_offset);
    tcase_add_loop_test(wire, test_s1_recoverable_days_by_api_version, 0,
                        (int)(sizeof api_rows / sizeof api_rows[0]));
    tcase_add_test(wire, test_s1_api_version_percent_encoded_key);
    tcase_add_test(wire, test_s2_disabled_get_403);
    tcase_add_test(wire, test_s2_expired_and_not_yet_valid_200);
    tcase_add_test(wire, test_s4_response_headers);
    tcase_add_test(wire, test_s4_region_and_no_client_request_id);
    suite_add_tcase(s, wire);

    tcase_add_checked_fixture(strict, setup_strict, teardown);
    tcase_add_test(strict, test_s2_strict_expiry_403);
    suite_add_tcase(s, strict);
    return s;
}

int main(void)
{
    return mvt_run(secrets_wire_suite(), false);
}
