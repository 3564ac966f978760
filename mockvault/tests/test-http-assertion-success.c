/* test-http-assertion-success.c: certificate credentials that are accepted: RS256 + x5t and
 * PS256 + x5t#S256, the audiences, the Azure host names and the clock skew
 * (assertion-common.h says how the suites run). */
#include "assertion-common.h"

/* The token reads the secret automation-flow may get (access policy "get" on vault demo). */
static void check_token_reads_secret(const char *jwt)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/secrets/graph-app-secret/?api-version=7.4", jwt, NULL, NULL,
           &r);
    hc_assert_status(&r, 200, "GET graph-app-secret with the certificate token");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "graph-app-client-secret-v2");
    mvt_resp_free(&r);
}

/* ---- Success ---- */

/* identity §1.1, msal-node and MSAL-Python shapes: RS256 + x5t (SHA-1) and PS256 + x5t#S256,
 * with and without iat; the token has appidacr "2" and works against the vault. */
START_TEST(test_assertion_success)
{
    static const struct {
        const char *label;
        bool ps256, iat;
    } cases[] = {
        {"RS256 x5t (msal-node thumbprint)", false, false},
        {"PS256 x5t#S256 (msal-node thumbprintSha256)", true, false},
        {"RS256 x5t with iat (MSAL-Python)", false, true},
        {"PS256 x5t#S256 with iat (MSAL-Python)", true, true},
    };
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assertion_defaults(&sh, cases[i].ps256, now);
        sh.has_iat = cases[i].iat;
        sh.iat = now;
        a = make_assertion(&flow, &sh);
        post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
        hc_assert_status(&r, 200, cases[i].label);
        ck_assert_str_eq(hc_jstr(r.json, "token_type"), "Bearer");
        check_cert_token(hc_jstr(r.json, "access_token"));
        check_token_reads_secret(hc_jstr(r.json, "access_token"));
        mvt_resp_free(&r);
        free(a);
    }
}
END_TEST

/* aud: the token endpoint as the client used it, with the tenant as id or domain, v2 or v1, on
 * the host the request reached. */
START_TEST(test_assertion_audiences)
{
    unsigned port = (unsigned)mv_server_port(srv);
    int64_t now = hc_now(srv);
    /* aud = origin ":" port path. */
    struct {
        const char *host, *path, *origin, *aud_path;
    } cases[] = {
        {"localhost", TOKEN_V2, "https://localhost", "/" T_TENANT "/oauth2/v2.0/token"},
        {"localhost", TOKEN_V2, "https://localhost", "/contoso.onmicrosoft.com/oauth2/v2.0/token"},
        {"localhost", TOKEN_V2, "https://LOCALHOST", "/" T_TENANT "/oauth2/v2.0/token"},
        {"localhost", TOKEN_V2, "https://localhost", "/" T_TENANT "/oauth2/token"},
        {"localhost", "/contoso.onmicrosoft.com/oauth2/v2.0/token", "https://localhost",
         "/contoso.onmicrosoft.com/oauth2/v2.0/token"},
        {"localhost", TOKEN_V1, "https://localhost", "/" T_TENANT "/oauth2/token"},
        {"demo.localhost", TOKEN_V2, "https://demo.localhost", "/" T_TENANT "/oauth2/v2.0/token"},
    };
    struct shape sh;
    struct mvt_resp r;
    char *a;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assertion_defaults(&sh, i % 2 == 1, now);
        snprintf(sh.aud, sizeof sh.aud, "%s:%u%s", cases[i].origin, port, cases[i].aud_path);
        a = make_assertion(&flow, &sh);
        post_assertion(cases[i].host, cases[i].path, NULL, a, JWT_BEARER_ENC, "", &r);
        hc_assert_status(&r, 200, sh.aud);
        check_cert_token(hc_jstr(r.json, "access_token"));
        if (strcmp(cases[i].path, TOKEN_V1) == 0)
            ck_assert_msg(cJSON_IsString(hc_jget(r.json, "expires_on")), "v1 answer");
        mvt_resp_free(&r);
        free(a);
    }
}
END_TEST

/* Proxy mode: a request that reached the mock as login.microsoftonline.com (the Host an SDK
 * behind HTTPS_PROXY sends) has Azure's token URL as its audience, without the port. */
START_TEST(test_assertion_azure_host)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, true, now);
    snprintf(sh.aud, sizeof sh.aud, "https://login.microsoftonline.com%s", TOKEN_V2);
    a = make_assertion(&flow, &sh);
    post_assertion("login.microsoftonline.com", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "aud https://login.microsoftonline.com/...");
    check_cert_token(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    free(a);

    /* The mock's own origin is not Azure's. */
    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);
    post_assertion("login.microsoftonline.com", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700023, "Client assertion audience claim",
               "aud https://localhost:PORT/... on login.microsoftonline.com");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* Entra allows 5 minutes of clock skew on exp and nbf. */
START_TEST(test_assertion_skew)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, false, now);
    sh.nbf = now - 900;
    sh.exp = now - 250;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "expired 250 s ago: within the skew");
    mvt_resp_free(&r);
    free(a);

    assertion_defaults(&sh, true, now);
    sh.nbf = now + 250;
    sh.exp = now + 850;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "valid in 250 s: within the skew");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

static Suite *assertion_success_suite(void)
{
    Suite *s = suite_create("http-assertion-success");
    TCase *ok = tcase_create("success");

    tcase_add_checked_fixture(ok, setup, teardown);
    tcase_add_test(ok, test_assertion_success);
    tcase_add_test(ok, test_assertion_audiences);
    tcase_add_test(ok, test_assertion_skew);
    tcase_add_test(ok, test_assertion_azure_host);
    suite_add_tcase(s, ok);
    return s;
}

int main(void)
{
    return mvt_run(assertion_success_suite(), false);
}
