/* test-errors.c: the error table of spec/keyvault-secrets.md §2, each row with its exact body
 * where the spec has one, plus the size limits of §5 that are refused. The access-policy and
 * RBAC rows are in test-authz.c, the restore rows in test-backup.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-mem.h"
#include "kvc-suite.h"

#define FAM "errors"

static const char akv10000[] =
    "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer, "
    "PoP, or MTLS_POP token.\"}}";

/* §2 "No or empty token": 401 with the exact 2026 AKV10000 body and the challenge. */
START_TEST(kv_s2_no_token_401_AKV10000)
{
    static const char *const empty[] = {"Authorization: Bearer", NULL};
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "nt");
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv_req(NULL, "GET", path, NULL, NULL, NULL, &r);
    kvc_assert_challenged(&r, "no Authorization");
    kvc_assert_body(&r, akv10000, "no Authorization");
    kvc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "401");
    kvc_resp_free(&r);
    kv_req(NULL, "GET", path, NULL, empty, NULL, &r);
    kvc_assert_challenged(&r, "empty Bearer");
    kvc_assert_body(&r, akv10000, "empty Bearer");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Token for the wrong audience": 401 AKV10022 naming the expected and the found audience. */
START_TEST(kv_s2_wrong_audience_401_AKV10022)
{
    struct kvc_creds c = {kvc.authority, kvc.tenant, kvc.client_id, kvc.client_secret, kvc.ca};
    struct kvc_resp r;
    char *arm = kvc_token(&c, "https://management.azure.com/.default", NULL);
    cJSON *claims;
    char want[512];

    if (!arm)
        kvc_skip("the identity cannot get a token for https://management.azure.com");
    claims = kvc_jwt_part(arm, 1);
    ck_assert_msg(claims != NULL, "ARM token is not a JWT");
    snprintf(want, sizeof want, "AKV10022: Invalid audience. Expected %s, found: %s.",
             KVC_VAULT_RESOURCE, kvc_jstr(claims, "aud"));
    cJSON_Delete(claims);
    kv_req(NULL, "GET", "/secrets", arm, NULL, NULL, &r);
    cx_free_wiped(arm);
    kvc_assert_error(&r, 401, "Unauthorized", NULL, want, "ARM token on the vault");
    kvc_assert_challenged(&r, "wrong audience");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Token from the wrong tenant": 401 AKV10032 (mock: a second tenant added through
 * PUT /_mock/state, the state restored afterwards). */
START_TEST(kv_s2_wrong_tenant_401_AKV10032)
{
    static const char t2[] = "99999999-2222-2222-2222-2222222222cf";
    struct kvc_resp st, r;
    cJSON *state = NULL, *ten = NULL;
    char *text = NULL, *orig = NULL, *tok, want[512], *exp_iss;

    memset(&r, 0, sizeof r);
    ck_assert_int_eq(kvc_control("GET", "/_mock/state", NULL, &st), 200);
    orig = strdup(st.body);
    state = cJSON_Duplicate(st.json, 1);
    kvc_resp_free(&st);
    ten = cJSON_Parse("{\"id\":\"99999999-2222-2222-2222-2222222222cf\",\"domain\":"
                      "\"fabrikam.onmicrosoft.com\",\"applications\":[{\"displayName\":\"kvc\","
                      "\"clientId\":\"bbbbbbbb-0000-0000-0000-0000000000cf\",\"objectId\":"
                      "\"bbbbbbbb-0000-0000-0000-0000000000cf\",\"secrets\":[{\"value\":"
                      "\"kvc-t2-secret\",\"expires\":\"+1d\"}],\"graphRoles\":[]}],"
                      "\"managedIdentities\":[],\"users\":[]}");
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(state, "tenants"), ten);
    text = cJSON_PrintUnformatted(state);
    cJSON_Delete(state);
    ck_assert_int_eq(kvc_control("PUT", "/_mock/state", text, NULL), 200);
    free(text);
    {
        struct kvc_creds c = {kvc.authority, t2, "bbbbbbbb-0000-0000-0000-0000000000cf",
                              "kvc-t2-secret", kvc.ca};
        tok = kvc_token(&c, KVC_VAULT_RESOURCE "/.default", NULL);
    }
    if (tok)
        kv_req(NULL, "GET", "/secrets", tok, NULL, NULL, &r);
    cx_free_wiped(tok);
    ck_assert_int_eq(kvc_control("PUT", "/_mock/state", orig, NULL), 200);
    free(orig);
    ck_assert_msg(tok != NULL, "no token from the second tenant");
    exp_iss = want;
    snprintf(exp_iss, sizeof want,
             "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/%s/, found "
             "https://sts.windows.net/%s/.",
             kvc.tenant, t2);
    kvc_assert_error(&r, 401, "Unauthorized", NULL, want, "token of another tenant");
    kvc_resp_free(&r);
}
END_TEST

/* DESIGN §4 / identity §2.1: a token whose signature does not verify is refused with 401. */
START_TEST(kv_s2_tampered_token_401)
{
    struct kvc_resp r;
    char *bad = strdup(kvc.token), *sig = strrchr(bad, '.');
    size_t n;

    ck_assert_msg(sig && strlen(sig) > 20, "admin token is not a JWS");
    n = strlen(sig);
    /* Flip a character in the middle of the signature: still base64url, no longer valid. */
    sig[n / 2] = sig[n / 2] == 'A' ? 'B' : 'A';
    kv_req(NULL, "GET", "/secrets", bad, NULL, NULL, &r);
    cx_free_wiped(bad);
    kvc_assert_challenged(&r, "tampered signature");
    kvc_resp_free(&r);
}
END_TEST

/* DESIGN §4: exp is checked against the (mock) clock: an expired token gets 401. */
START_TEST(kv_s2_expired_token_401)
{
    struct kvc_resp r;

    kvc_clock_advance(7200);
    kv_req(NULL, "GET", "/secrets", kvc.token, NULL, NULL, &r);
    kvc_clock_advance(-7200);
    kvc_assert_challenged(&r, "token past exp");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Secret missing": GET, DELETE, recover and backup of a name that never existed all give the
 * exact SecretNotFound body. */
START_TEST(kv_s2_secret_not_found_404)
{
    static const struct {
        const char *method, *fmt;
    } ops[] = {{"GET", "/secrets/{n}/"},
               {"GET", "/secrets/{n}"},
               {"DELETE", "/secrets/{n}"},
               {"POST", "/secrets/{n}/backup"},
               {"POST", "/deletedsecrets/{n}/recover"}};
    struct kvc_resp r;
    char name[96], path[256], want[1024];

    kvc_name(name, sizeof name, "nf");
    kvc_not_found_body(want, sizeof want, name);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char what[300];
        kvc_path(path, sizeof path, ops[i].fmt, name);
        snprintf(what, sizeof what, "%s %s", ops[i].method, path);
        kv_req(NULL, ops[i].method, path, kvc.token, NULL,
               strcmp(ops[i].method, "POST") == 0 ? "" : NULL, &r);
        kvc_assert_status(&r, 404, what);
        kvc_assert_body(&r, want, what);
        kvc_resp_free(&r);
    }
}
END_TEST

/* §2 "Secret ... soft-deleted": GET and backup of a deleted secret give the same 404. */
START_TEST(kv_s2_soft_deleted_secret_404)
{
    struct kvc_resp r;
    char name[96], path[256], want[1024];

    kvc_name(name, sizeof name, "sd404");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    kvc_not_found_body(want, sizeof want, name);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 404, "GET of a soft-deleted secret");
    kvc_assert_body(&r, want, "GET of a soft-deleted secret");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/backup", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 404, "backup of a soft-deleted secret");
    kvc_assert_body(&r, want, "backup of a soft-deleted secret");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §2 "Deleted secret missing": GET and purge of /deletedsecrets/N give
 * "Deleted Secret not found: N". */
START_TEST(kv_s2_deleted_secret_not_found_404)
{
    struct kvc_resp r;
    char name[96], path[256], want[512];

    kvc_name(name, sizeof name, "dnf");
    kvc_deleted_not_found_body(want, sizeof want, name);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 404, "GET /deletedsecrets/N");
    kvc_assert_body(&r, want, "GET /deletedsecrets/N");
    kvc_resp_free(&r);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 404, "purge of an unknown deleted secret");
    kvc_assert_body(&r, want, "purge of an unknown deleted secret");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Version missing": 404 SecretNotFound (message text uncertain in the spec; the likely
 * "A secret with (name/id) N/V was not found" is checked as a prefix). */
START_TEST(kv_s2_version_not_found_404)
{
    struct kvc_resp r;
    char name[96], path[256], want[300];

    kvc_name(name, sizeof name, "vnf");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/0123456789abcdef0123456789abcdef", name);
    kv("GET", path, NULL, &r);
    kvc_assert_error(&r, 404, "SecretNotFound", NULL, NULL, "unknown version");
    snprintf(want, sizeof want, "A secret with (name/id) %s/0123456789abcdef0123456789abcdef",
             name);
    ck_assert_msg(strncmp(kvc_jstr(r.json, "error.message"), want, strlen(want)) == 0,
                  "message '%s'", kvc_jstr(r.json, "error.message"));
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §2 "GET of a disabled secret (latest or a given version)": 403 Forbidden / SecretDisabled,
 * exact body. */
START_TEST(kv_s2_get_disabled_403_SecretDisabled)
{
    static const char want[] = "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is "
                               "not allowed on a disabled secret.\",\"innererror\":{\"code\":"
                               "\"SecretDisabled\"}}}";
    struct kvc_resp r;
    char name[96], path[256], ver[64];

    kvc_name(name, sizeof name, "dis");
    kvc_set(name, "{\"value\":\"v\",\"attributes\":{\"enabled\":false}}", ver, sizeof ver);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 403, "GET latest of a disabled secret");
    kvc_assert_body(&r, want, "GET latest of a disabled secret");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/%s", name, ver);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 403, "GET version of a disabled secret");
    kvc_assert_body(&r, want, "GET version of a disabled secret");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §2 "Expired or not-yet-valid secret": 200 with the value; exp/nbf are informational. */
START_TEST(kv_s2_expired_and_not_yet_valid_200)
{
    struct kvc_resp r;
    char name[96], path[256], body[256];
    long now = (long)time(NULL);

    kvc_name(name, sizeof name, "exp");
    snprintf(body, sizeof body, "{\"value\":\"old\",\"attributes\":{\"exp\":%ld}}", now - 86400);
    kvc_set(name, body, NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GET of an expired secret");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "old") == 0,
                  "expired secret without its value");
    ck_assert_int_eq((long)kvc_jget(r.json, "attributes.exp")->valuedouble, now - 86400);
    kvc_resp_free(&r);
    kvc_cleanup(name);

    kvc_name(name, sizeof name, "nbf");
    snprintf(body, sizeof body, "{\"value\":\"new\",\"attributes\":{\"nbf\":%ld}}",
             now + 7 * 86400);
    kvc_set(name, body, NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GET of a not-yet-valid secret");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "new") == 0, "nbf secret without its value");
    ck_assert_int_eq((long)kvc_jget(r.json, "attributes.nbf")->valuedouble, now + 7 * 86400);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §2 "api-version unknown": 400 BadParameter, "The specified version (V) is not recognized.
 * Consider using the latest supported version (L)." */
START_TEST(kv_s2_api_version_unknown_400_BadParameter)
{
    static const char pre[] = "The specified version (0.0-kvconform) is not recognized. Consider "
                              "using the latest supported version (";
    struct kvc_resp r;
    const char *msg;

    kv("GET", "/secrets?api-version=0.0-kvconform", NULL, &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL, NULL, "unknown api-version");
    msg = kvc_jstr(r.json, "error.message");
    ck_assert_msg(strncmp(msg, pre, strlen(pre)) == 0 && strlen(msg) > strlen(pre) + 2 &&
                      strcmp(msg + strlen(msg) - 2, ").") == 0,
                  "message '%s'", msg);
    kvc_resp_free(&r);
}
END_TEST

/* §2 "api-version missing": 400 BadParameter (the spec suggests it; no real capture). */
START_TEST(kv_s2_api_version_missing_400_BadParameter)
{
    struct kvc_resp r;
    char url[1024];

    snprintf(url, sizeof url, "%s/secrets", kvc.vault);
    kv_req(NULL, "GET", url, kvc.token, NULL, NULL, &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL, NULL, "no api-version");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Bad secret name": 400 BadParameter "The request URI contains an invalid name: N". */
START_TEST(kv_s2_bad_name_400_BadParameter)
{
    struct kvc_resp r;
    char name[96], path[256], want[256];

    kvc_name(name, sizeof name, "bad_name");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"v\"}", &r);
    snprintf(want, sizeof want, "The request URI contains an invalid name: %s", name);
    kvc_assert_error(&r, 400, "BadParameter", NULL, want, "name with '_'");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Value over 25 KB": 400 BadParameter / SecretTooLarge with the exact message. */
START_TEST(kv_s2_value_too_large_400_SecretTooLarge)
{
    struct kvc_resp r;
    char name[96], path[256];
    char *body = malloc(25601 + 32), *p;

    kvc_name(name, sizeof name, "big");
    p = body + sprintf(body, "{\"value\":\"");
    memset(p, 'x', 25601);
    strcpy(p + 25601, "\"}");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, body, &r);
    free(body);
    kvc_assert_error(&r, 400, "BadParameter", "SecretTooLarge",
                     "Secret is beyond the maximum permitted length of 25600 characters.",
                     "25,601-character value");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "More than 15 tags": exact body with the CRLF in the message. */
START_TEST(kv_s2_too_many_tags_400)
{
    struct kvc_resp r;
    char name[96], path[256], body[1024], *p;

    kvc_name(name, sizeof name, "tags16");
    p = body + sprintf(body, "{\"value\":\"v\",\"tags\":{");
    for (int i = 0; i < 16; i++)
        p += sprintf(p, "%s\"t%d\":\"v\"", i ? "," : "", i);
    strcpy(p, "}}");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, body, &r);
    kvc_assert_status(&r, 400, "16 tags");
    kvc_assert_body(&r,
                    "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Property has invalid "
                    "value\\r\\n\"}}",
                    "16 tags");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "maxresults > 25" and §5 "maxresults 1-25": 400 (exact body unknown: envelope checked). */
START_TEST(kv_s2_maxresults_out_of_range_400)
{
    static const char *const bad[] = {"26", "0"};
    struct kvc_resp r;
    char path[128];

    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/secrets?maxresults=%s", bad[i]);
        kv("GET", path, NULL, &r);
        kvc_assert_status(&r, 400, path);
        ck_assert_msg(kvc_jstr(r.json, "error.code")[0] && kvc_jstr(r.json, "error.message")[0],
                      "%s: no error envelope", path);
        kvc_resp_free(&r);
    }
}
END_TEST

/* §2 "PUT on a deleted-but-recoverable name": 409 Conflict / ObjectIsDeletedButRecoverable. */
START_TEST(kv_s2_put_deleted_409_ObjectIsDeletedButRecoverable)
{
    struct kvc_resp r;
    char name[96], path[256], want[512];

    kvc_name(name, sizeof name, "conf");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"again\"}", &r);
    snprintf(want, sizeof want,
             "{\"error\":{\"code\":\"Conflict\",\"message\":\"Secret %s is currently in a deleted "
             "but recoverable state, and its name cannot be reused; in this state, the secret can "
             "only be recovered or purged.\",\"innererror\":{\"code\":"
             "\"ObjectIsDeletedButRecoverable\"}}}",
             name);
    kvc_assert_status(&r, 409, "PUT on a deleted name");
    kvc_assert_body(&r, want, "PUT on a deleted name");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §2 "Purge while purge protection is on": 403 Forbidden with the exact message (mock:
 * rbac-demo has purge protection). */
START_TEST(kv_s2_purge_protected_403)
{
    struct kvc_resp r;
    char name[96], path[256], base[128];

    kvc_mock_vault("rbac-demo", base, sizeof base);
    kvc_name(name, sizeof name, "pp");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv_req(base, "PUT", path, kvc.token, NULL, "{\"value\":\"v\"}", &r);
    kvc_assert_status(&r, 200, "SetSecret on rbac-demo");
    kvc_resp_free(&r);
    kvc_delete_wait(base, name);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv_req(base, "DELETE", path, kvc.token, NULL, NULL, &r);
    kvc_assert_error(&r, 403, "Forbidden", "*",
                     "Operation \"purge\" is not allowed because purge protection is enabled for "
                     "this vault. Key Vault service will automatically purge it after the "
                     "retention period has passed. Vault: rbac-demo;location=westeurope",
                     "purge with purge protection");
    kvc_resp_free(&r);
}
END_TEST

/* §2 envelope: errors are {"error":{"code","message"[,"innererror"]}} with the JSON content type
 * and compact bodies; no target/details. */
START_TEST(kv_s2_error_envelope)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "env");
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 404, "missing secret");
    kvc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "error");
    ck_assert_msg(kvc_json_is_compact(r.body), "error body not compact");
    kvc_assert_keys(r.json, "error", "error envelope");
    kvc_assert_keys(kvc_jget(r.json, "error"), "code,message", "error object");
    kvc_resp_free(&r);
}
END_TEST

/* §5: refused sizes: 128-character name, 256-character contentType, 257-character tag value. */
START_TEST(kv_s5_limits_refused_400)
{
    struct kvc_resp r;
    char name[160], base[96], path[256], body[1024], *p;

    kvc_name(base, sizeof base, "long");
    snprintf(name, sizeof name, "%s", base);
    memset(name + strlen(base), 'n', 128 - strlen(base));
    name[128] = '\0';
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"v\"}", &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL, NULL, "128-character name");
    kvc_resp_free(&r);

    kvc_name(name, sizeof name, "ct256");
    snprintf(path, sizeof path, "/secrets/%s", name);
    p = body + sprintf(body, "{\"value\":\"v\",\"contentType\":\"");
    memset(p, 'c', 256);
    strcpy(p + 256, "\"}");
    kv("PUT", path, body, &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL, NULL, "256-character contentType");
    kvc_resp_free(&r);

    p = body + sprintf(body, "{\"value\":\"v\",\"tags\":{\"t\":\"");
    memset(p, 'c', 257);
    strcpy(p + 257, "\"}}");
    kv("PUT", path, body, &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL, NULL, "257-character tag value");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_errors(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s2_no_token_401_AKV10000, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_wrong_audience_401_AKV10022, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_wrong_tenant_401_AKV10032, KVC_CHANGES_MOCK,
                 "needs the mock's control API (a second tenant is added through /_mock/state); "
                 "against the real service it needs an identity of another tenant");
    kvc_add_test(reg, FAM, kv_s2_tampered_token_401, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_expired_token_401, KVC_CHANGES_MOCK,
                 "needs the mock's control API (clock)");
    kvc_add_test(reg, FAM, kv_s2_secret_not_found_404, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_soft_deleted_secret_404, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_deleted_secret_not_found_404, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_version_not_found_404, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_get_disabled_403_SecretDisabled, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_expired_and_not_yet_valid_200, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_api_version_unknown_400_BadParameter, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_api_version_missing_400_BadParameter, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_bad_name_400_BadParameter, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_value_too_large_400_SecretTooLarge, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_too_many_tags_400, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_maxresults_out_of_range_400, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_put_deleted_409_ObjectIsDeletedButRecoverable, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_purge_protected_403, KVC_NEEDS_FIXTURE,
                 "needs a purge-protected vault (the mock's rbac-demo); a purge-protected secret "
                 "on a real vault could not be cleaned up for its whole retention period");
    kvc_add_test(reg, FAM, kv_s2_error_envelope, 0, NULL);
    kvc_add_test(reg, FAM, kv_s5_limits_refused_400, 0, NULL);
}
