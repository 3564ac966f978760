/* test-http-cae.c: continuous access evaluation (spec/identity.md §7, docs/cae.md) over real HTTPS
 * against the embedded server: the token endpoint's claims request (client capability cp1, a
 * challenge's nbf), POST /_mock/principals/{id}/revoke and the 401 claims challenge a revoked
 * token then gets on the vault, with its exact header, claims and journal entry. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define SCOPE "https%3A%2F%2Fvault.azure.net%2F.default"
/* What @azure/identity sends with enableCae (spec/identity.md §7.3), and MSAL-Python's form. */
#define CP1_JS "{\"access_token\":{\"xms_cc\":{\"values\":[\"cp1\"]}}}"
#define CP1_PY "{\"access_token\": {\"xms_cc\": {\"values\": [\"CP1\"]}}}"

static struct mv_server *srv;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
}

static void teardown(void)
{
    mv_server_stop(srv);
    srv = NULL;
}

/* A token request for the admin app with claims (NULL = none, else raw JSON, URL-encoded here);
 * the response is in *r. */
static void token_req(const char *claims, struct mvt_resp *r)
{
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    char body[4096], path[128];
    CURL *c = curl_easy_init();
    char *ec = claims ? curl_easy_escape(c, claims, 0) : NULL;

    snprintf(body, sizeof body,
             "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s%s%s", T_ADMIN_ID,
             T_ADMIN_SECRET, SCOPE, ec ? "&claims=" : "", ec ? ec : "");
    curl_free(ec);
    curl_easy_cleanup(c);
    snprintf(path, sizeof path, "/%s/oauth2/v2.0/token", T_TENANT);
    hc_req(srv, "POST", "localhost", path, NULL, hdr, body, r);
}

/* The admin app's access token for claims; aborts the test when the endpoint refuses. */
static char *token_with(const char *claims)
{
    struct mvt_resp r;
    char *tok;

    token_req(claims, &r);
    hc_assert_status(&r, 200, "POST token");
    tok = strdup(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    return tok;
}

/* GET /secrets/db-password/ with tok (NULL = no Authorization). */
static void get_secret(const char *tok, struct mvt_resp *r)
{
    char p[256];
    hc_req(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password/", NULL), tok, NULL, NULL,
           r);
}

static long get_status(const char *tok)
{
    struct mvt_resp r;
    long st;

    get_secret(tok, &r);
    st = r.status;
    mvt_resp_free(&r);
    return st;
}

/* POST /_mock/principals/{id}/revoke[?hard=1]; returns revokedAt. */
static int64_t revoke(const char *id, bool hard)
{
    char path[200];
    struct mvt_resp r;
    int64_t at;

    snprintf(path, sizeof path, "/_mock/principals/%s/revoke%s", id, hard ? "?hard=1" : "");
    hc_req(srv, "POST", "localhost", path, NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "POST revoke");
    at = hc_jint(r.json, "revokedAt");
    mvt_resp_free(&r);
    return at;
}

/* Checks r is the claims challenge for revoked_at: the header's exact shape, claims in standard
 * base64 decoding to {"access_token":{"nbf":{"essential":true,"value":"<revoked_at>"},...}}. */
static void assert_claims_challenge(const struct mvt_resp *r, int64_t revoked_at)
{
    char h[1200], want[400], base[128], at[32];
    const char *b64, *end;
    unsigned char *raw;
    size_t n;
    cJSON *j;

    hc_assert_status(r, 401, "revoked token");
    ck_assert_str_eq(hc_err_code(r), "Unauthorized");
    ck_assert_msg(mvt_header(r, "WWW-Authenticate", h, sizeof h) != NULL, "WWW-Authenticate");
    snprintf(want, sizeof want,
             "Bearer realm=\"\", authorization_uri=\"%s/common/oauth2/authorize\", "
             "error=\"insufficient_claims\", claims=\"",
             hc_base(srv, DEMO, base, sizeof base));
    ck_assert_msg(strncmp(h, want, strlen(want)) == 0, "challenge header: %s", h);
    b64 = h + strlen(want);
    end = strchr(b64, '"');
    ck_assert_msg(end && end[1] == '\0', "claims is the last parameter, quoted: %s", h);
    /* Standard alphabet, padded: JS decodes it with atob. */
    raw = cx_b64_decode(b64, (size_t)(end - b64), 0, &n);
    ck_assert_msg(raw != NULL, "claims is canonical padded standard base64");
    ck_assert_msg(strcspn(b64, "+/") >= (size_t)(end - b64), "no '+' or '/' in the claims");
    j = cJSON_Parse((const char *)raw);
    ck_assert_msg(j != NULL, "claims decode to JSON");
    snprintf(at, sizeof at, "%lld", (long long)revoked_at);
    ck_assert_msg(cJSON_IsTrue(hc_jget(j, "access_token.nbf.essential")), "nbf is essential");
    ck_assert_str_eq(hc_jstr(j, "access_token.nbf.value"), at);
    cJSON_Delete(j);
    free(raw);
}

START_TEST(test_token_claims_cp1)
{
    static const char *const forms[] = {CP1_JS, CP1_PY,
                                        "{\"access_token\":{\"xms_cc\":{\"values\":\"cp1\"}}}"};
    char *plain = token_with(NULL);
    cJSON *p = hc_jwt_part(plain, 1);
    size_t n;
    unsigned char *uti = hc_b64url_decode(hc_jstr(p, "uti"), strlen(hc_jstr(p, "uti")), &n);

    ck_assert_msg(!hc_has(p, "xms_cc"), "no xms_cc without a claims request");
    ck_assert_msg(uti && n == 16, "uti is 16 bytes, as Entra's");
    free(uti);
    cJSON_Delete(p);
    hc_free_token(plain);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *t = token_with(forms[i]);
        cJSON *c = hc_jwt_part(t, 1);
        ck_assert_msg(cJSON_IsArray(hc_jget(c, "xms_cc")), "xms_cc for %s", forms[i]);
        ck_assert_str_eq(hc_jstr(c, "xms_cc.0"), "cp1");
        cJSON_Delete(c);
        hc_free_token(t);
    }
}
END_TEST

START_TEST(test_token_claims_malformed)
{
    struct mvt_resp r;

    token_req("{\"access_token\":", &r);
    hc_assert_status(&r, 400, "claims that are not JSON");
    ck_assert_str_eq(hc_err_code(&r), "invalid_request");
    mvt_resp_free(&r);
    token_req("[1]", &r);
    hc_assert_status(&r, 400, "claims that are not an object");
    mvt_resp_free(&r);
}
END_TEST

/* Rows 1-3 of spec §7.7: the challenge, the plain challenge without a token, and a token
 * requested with the challenge's claims working again. */
START_TEST(test_revoke_challenge_and_recovery)
{
    char *old = token_with(CP1_JS), *fresh, claims[300];
    struct mvt_resp r;
    char h[600];
    int64_t at, before;
    cJSON *j;

    ck_assert_int_eq(get_status(old), 200);
    before = hc_now(srv);
    at = revoke(T_ADMIN_ID, false);
    /* The mock clock's now at the revocation (a loaded machine may pass a second boundary). */
    ck_assert_msg(at >= before && at <= hc_now(srv), "revokedAt %lld is not the clock's now",
                  (long long)at);
    get_secret(old, &r);
    assert_claims_challenge(&r, at);
    mvt_resp_free(&r);
    /* No token: the ordinary Key Vault challenge, never the claims one. */
    get_secret(NULL, &r);
    hc_assert_status(&r, 401, "no token");
    ck_assert_msg(mvt_header(&r, "WWW-Authenticate", h, sizeof h) &&
                      strstr(h, "insufficient_claims") == NULL && strstr(h, "resource=\""),
                  "plain challenge: %s", h);
    mvt_resp_free(&r);
    /* The JS SDK's request after the challenge: the claims merged with its capability. */
    snprintf(claims, sizeof claims,
             "{\"access_token\":{\"nbf\":{\"essential\":true,\"value\":\"%lld\"},"
             "\"xms_cc\":{\"values\":[\"cp1\"]}},\"id_token\":{\"signin_state\":{\"essential\":"
             "false}}}",
             (long long)at);
    fresh = token_with(claims);
    ck_assert_int_eq(get_status(fresh), 200);
    /* Issued from the challenge's nbf on, not backdated before it. */
    j = hc_jwt_part(fresh, 1);
    ck_assert_int_eq(hc_jint(j, "nbf"), at);
    ck_assert_int_eq(hc_jint(j, "iat"), at);
    cJSON_Delete(j);
    /* The old token stays revoked. */
    ck_assert_int_eq(get_status(old), 401);
    hc_free_token(fresh);
    hc_free_token(old);
}
END_TEST

/* The journal and the revocation list show the challenges. */
START_TEST(test_revoke_journal_and_list)
{
    char *old = token_with(CP1_JS);
    struct mvt_resp r;
    const cJSON *e, *last = NULL;

    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/requests", NULL), 204);
    revoke(ADMIN_OID, false); /* by object id this time */
    ck_assert_int_eq(get_status(old), 401);
    ck_assert_int_eq(get_status(old), 401);
    hc_req(srv, "GET", "localhost", "/_mock/requests", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/requests");
    cJSON_ArrayForEach(e, hc_jget(r.json, "value"))
        if (strcmp(hc_jstr(e, "operation"), "GetSecret") == 0)
            last = e;
    ck_assert_msg(last != NULL, "the GET is journalled");
    ck_assert_str_eq(hc_jstr(last, "errorCode"), "insufficient_claims");
    ck_assert_int_eq(hc_jint(last, "status"), 401);
    ck_assert_str_eq(hc_jstr(last, "appid"), T_ADMIN_ID);
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/principals/revoked", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET revoked");
    ck_assert_str_eq(hc_jstr(r.json, "value.0.id"), ADMIN_OID);
    ck_assert_int_eq(hc_jint(r.json, "value.0.challenges"), 2);
    mvt_resp_free(&r);
    /* Reset forgets revocations. */
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/reset", NULL), 200);
    ck_assert_int_eq(get_status(old), 200);
    hc_free_token(old);
}
END_TEST

/* Rows 4-5: a token minted after the revocation in the same (frozen) second works, with or
 * without claims; a token without cp1 is not challenged unless the revocation was hard. */
START_TEST(test_revoke_cutoff_and_cp1)
{
    char *plain, *same_second, *after;

    hc_clock(srv, "{\"freeze\":true}");
    plain = token_with(NULL);
    revoke(T_ADMIN_ID, false);
    same_second = token_with(CP1_PY);
    after = token_with(NULL);
    ck_assert_int_eq(get_status(plain), 200);
    ck_assert_int_eq(get_status(same_second), 200);
    ck_assert_int_eq(get_status(after), 200);
    revoke(T_ADMIN_ID, true);
    ck_assert_int_eq(get_status(plain), 401);
    ck_assert_int_eq(get_status(same_second), 401);
    ck_assert_int_eq(get_status(after), 401);
    hc_free_token(plain);
    hc_free_token(same_second);
    hc_free_token(after);
    /* Another principal's tokens are untouched. */
    plain =
        hc_token_for(srv, T_TENANT, T_FLOW_ID, T_FLOW_SECRET, "https://vault.azure.net/.default");
    ck_assert_msg(plain != NULL, "flow token");
    revoke(T_ADMIN_ID, true);
    ck_assert_int_ne(get_status(plain), 401);
    hc_free_token(plain);
}
END_TEST

START_TEST(test_revoke_unknown_principal)
{
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/principals/nobody/revoke", NULL), 404);
}
END_TEST

/* The claims' base64 over many revocation times: always padded standard base64 without '+' or
 * '/', as the decoders of the SDKs need (spec §7.2). */
START_TEST(test_claims_alphabet)
{
    char *tok;
    int64_t now;

    hc_clock(srv, "{\"freeze\":true}");
    now = hc_now(srv);
    tok = token_with(CP1_JS);
    for (int i = 0; i < 40; i++) {
        struct mvt_resp r;
        char adv[64];
        int64_t at;

        snprintf(adv, sizeof adv, "{\"set\":%lld}", (long long)(now + 1 + i * 37));
        hc_clock(srv, adv);
        at = revoke(T_ADMIN_ID, false);
        get_secret(tok, &r);
        assert_claims_challenge(&r, at);
        mvt_resp_free(&r);
    }
    hc_free_token(tok);
}
END_TEST

static Suite *cae_suite(void)
{
    Suite *s = suite_create("http-cae");
    TCase *tc = tcase_create("cae");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_token_claims_cp1);
    tcase_add_test(tc, test_token_claims_malformed);
    tcase_add_test(tc, test_revoke_challenge_and_recovery);
    tcase_add_test(tc, test_revoke_journal_and_list);
    tcase_add_test(tc, test_revoke_cutoff_and_cp1);
    tcase_add_test(tc, test_revoke_unknown_principal);
    tcase_add_test(tc, test_claims_alphabet);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(cae_suite(), false);
}
