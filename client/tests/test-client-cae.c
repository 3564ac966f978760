/* test-client-cae.c: libkvclient and continuous access evaluation against the real mock
 * (spec/identity.md §7, docs/cae.md): its tokens declare cp1, a principal revoked mid-run gets
 * the claims challenge, and the client asks for a token with the challenge's claims once and
 * retries the call once (client-common.h says how the suites run; the endless challenge is in
 * test-retry.c, against the scripted server). */
#include <cjson/cJSON.h>

#include "client-common.h"
#include "cx-base64.h"

/* A control or journal request to the mock; the JSON answer (caller deletes) after checking the
 * status. */
static cJSON *control_json(const char *method, const char *path, long want)
{
    struct mvt_resp r;
    cJSON *j;

    ck_assert_int_eq(mvt_request(srv, method, "localhost", path, NULL, NULL, NULL, &r), 0);
    ck_assert_msg(r.status == want, "%s %s: %ld", method, path, r.status);
    j = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static long long jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

/* The first value of the token's xms_cc claim, "" when it has none. */
static const char *xms_cc(const cJSON *payload)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(payload, "xms_cc");
    const cJSON *v = cJSON_IsArray(a) ? cJSON_GetArrayItem(a, 0) : NULL;
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* POST /_mock/principals/{id}/revoke; returns revokedAt. */
static int64_t revoke(const char *id)
{
    char path[200];
    cJSON *j;
    int64_t at;

    snprintf(path, sizeof path, "/_mock/principals/%s/revoke", id);
    j = control_json("POST", path, 200);
    at = jnum(j, "revokedAt");
    cJSON_Delete(j);
    return at;
}

/* Status and error code of the journal's GetSecret entries, oldest first, as "401/x 200/". */
static void get_secret_entries(char *out, size_t n)
{
    cJSON *j = control_json("GET", "/_mock/requests", 200);
    const cJSON *e;
    size_t o = 0;

    out[0] = '\0';
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "value")) {
        if (strcmp(jstr(e, "operation"), "GetSecret") != 0 || o + 64 >= n)
            continue;
        o += (size_t)snprintf(out + o, n - o, "%s%lld/%s", o ? " " : "", jnum(e, "status"),
                              jstr(e, "errorCode"));
    }
    cJSON_Delete(j);
}

/* The payload of the client's cached token for the vault: the scope of the mock's challenge for
 * demo.localhost, https://localhost:PORT/.default (client-common.h). */
static cJSON *token_claims(struct kv_client *c)
{
    struct kv_error err = fresh_err();
    char *tok = NULL, scope[64];
    const char *dot1, *dot2;
    unsigned char *raw;
    size_t n = 0;
    cJSON *j;

    snprintf(scope, sizeof scope, "https://localhost:%u/.default", (unsigned)mv_server_port(srv));
    kt_assert_ok(kv_client_get_token(c, scope, &tok, NULL, &err), &err, "get token");
    dot1 = strchr(tok, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    ck_assert_msg(dot2 != NULL, "the token is a JWT");
    raw = cx_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &n);
    kv_free_secret(tok);
    j = raw ? cJSON_ParseWithLength((const char *)raw, n) : NULL;
    free(raw);
    ck_assert_msg(j != NULL, "the token's payload is JSON");
    return j;
}

/* Every token libkvclient asks for declares cp1. */
START_TEST(test_tokens_declare_cp1)
{
    struct kv_client *c = kt_admin(srv);
    cJSON *j;

    kt_get_ok(c, "api-key");
    j = token_claims(c);

    ck_assert_str_eq(xms_cc(j), "cp1");
    cJSON_Delete(j);
    kv_client_destroy(c);
}
END_TEST

/* Revoked mid-run: 401 claims challenge, one token request with its claims, one retry, 200. */
START_TEST(test_revoked_mid_run_recovers)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_stats before, after;
    char seen[512];
    int64_t at;
    cJSON *j;

    kt_get_ok(c, "api-key");
    before = kt_stats(c);
    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/requests", NULL), 204);
    at = revoke(T_ADMIN_ID);
    kt_get_ok(c, "api-key");
    after = kt_stats(c);
    ck_assert_uint_eq(after.token_fetches - before.token_fetches, 1);
    ck_assert_uint_eq(after.requests - before.requests, 2);
    get_secret_entries(seen, sizeof seen);
    ck_assert_str_eq(seen, "401/insufficient_claims 200/");
    /* The new token answers the challenge: valid from the revocation on, and still cp1. */
    j = token_claims(c);
    ck_assert_int_eq(jnum(j, "nbf"), at);
    ck_assert_str_eq(xms_cc(j), "cp1");
    cJSON_Delete(j);
    /* Later calls use it without further challenges or tokens. */
    kt_get_ok(c, "db-password");
    ck_assert_uint_eq(kt_stats(c).token_fetches, after.token_fetches);
    kv_client_destroy(c);
}
END_TEST

/* A revocation by object id reaches the client just the same, and a second revocation later in
 * the run is answered the same way: once each. */
START_TEST(test_revoked_twice)
{
    struct kv_client *c = kt_admin(srv);
    char seen[512];

    kt_get_ok(c, "api-key");
    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/requests", NULL), 204);
    revoke("aaaaaaaa-0000-0000-0000-0000000000a1");
    kt_get_ok(c, "api-key");
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/clock", "{\"advance\":60}"), 200);
    revoke(T_ADMIN_ID);
    kt_get_ok(c, "api-key");
    get_secret_entries(seen, sizeof seen);
    ck_assert_str_eq(seen, "401/insufficient_claims 200/ 401/insufficient_claims 200/");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 3);
    kv_client_destroy(c);
}
END_TEST

static Suite *client_cae_suite(void)
{
    Suite *s = suite_create("kvclient-cae");
    TCase *tc = client_tcase("cae");

    tcase_add_test(tc, test_tokens_declare_cp1);
    tcase_add_test(tc, test_revoked_mid_run_recovers);
    tcase_add_test(tc, test_revoked_twice);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kt_run(client_cae_suite());
}
