/* test-client-auth.c: how libkvclient gets and keeps its tokens: the token cache (reuse, one
 * fetch for 8 threads, expiry through the mock clock, a forced refresh on a 401), one challenge
 * per client, connection reuse, the resource and tenant checks of the challenge; static tokens,
 * the environment chain, managed identity (App Service and IMDS) and the certificate credential
 * (client-common.h says how the suites run). */
#include "client-common.h"

/* ---- tokens, challenge, connections --------------------------------------------------------- */

/* One token fetch for ten gets; one challenge per client. */
START_TEST(test_token_reused_and_one_challenge)
{
    struct kv_client *c = kt_admin(srv), *c2;
    struct kv_stats st;

    for (int i = 0; i < 10; i++)
        kt_get_ok(c, "api-key");
    st = kt_stats(c);
    ck_assert_uint_eq(st.token_fetches, 1);
    ck_assert_uint_eq(st.requests, 11); /* one 401 challenge, then ten authorised gets */
    ck_assert_uint_eq(st.retries, 0);

    /* A second client repeats the challenge and has its own token cache. */
    c2 = kt_admin(srv);
    kt_get_ok(c2, "api-key");
    st = kt_stats(c2);
    ck_assert_uint_eq(st.requests, 2);
    ck_assert_uint_eq(st.token_fetches, 1);
    kt_get_ok(c2, "db-password");
    ck_assert_uint_eq(kt_stats(c2).requests, 3);
    kv_client_destroy(c2);
    kv_client_destroy(c);
}
END_TEST

/* The mock clock jumps past the token's lifetime: the vault refuses the token (401 with a
 * token), the client refreshes it once and the call succeeds. */
START_TEST(test_token_expiry_via_clock)
{
    struct kv_client *c = kt_admin(srv);
    long st;

    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    st = mvt_control(srv, "POST", "/_mock/clock", "{\"advance\":4000}");
    ck_assert_int_eq(st, 200);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kt_get_ok(c, "db-password");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

/* A vault 401 for a token the client still thinks good: exactly one forced refresh. */
START_TEST(test_token_rejected_refreshed_once)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();

    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":401},"
                  "\"times\":1}");
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);

    /* Rejected twice: the second 401 is the caller's, after one refresh only. */
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":401},"
                  "\"times\":5}");
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_UNAUTHORIZED, &err,
                     "get rejected twice");
    ck_assert_int_eq(err.http_status, 401);
    ck_assert_str_eq(err.code, "Unauthorized");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 3);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_get_token)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    char *tok = NULL, *tok2 = NULL;
    int64_t exp = 0, now = (int64_t)time(NULL);

    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &tok, &exp, &err), &err,
                 "get token");
    ck_assert_msg(tok && strlen(tok) > 20, "a token came back");
    ck_assert_int_gt(exp, now + 3000);
    ck_assert_int_lt(exp, now + 3700);
    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &tok2, NULL, &err),
                 &err, "get token again");
    ck_assert_msg(strcmp(tok, tok2) == 0, "the cached token");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_free_secret(tok2);
    tok2 = NULL;
    /* Another scope is another token. */
    kt_assert_ok(kv_client_get_token(c, "https://management.azure.com/.default", &tok2, NULL, &err),
                 &err, "ARM token");
    ck_assert_msg(strcmp(tok, tok2) != 0, "a token per scope");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_free_secret(tok2);
    kv_free_secret(tok);
    kv_client_destroy(c);
}
END_TEST

/* Sequential gets on one handle reuse one connection. */
START_TEST(test_connection_reuse)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    char *tok = mvt_admin_token(srv);
    unsigned long conns;

    /* With a static token every request goes to the vault host: one connection in all. */
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(kv_credential_static_token(tok, 0, &cred), KV_OK);
    memset(tok, 0, strlen(tok));
    free(tok);
    c = kt_client_with(srv, NULL, cred);
    for (int i = 0; i < 25; i++)
        kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).connections, 1);
    ck_assert_uint_eq(kt_stats(c).requests, 26); /* the challenge, then 25 gets */
    kv_client_destroy(c);

    /* With a client secret the token endpoint may take one more; the gets add none. */
    c = kt_admin(srv);
    kt_get_ok(c, "api-key");
    conns = kt_stats(c).connections;
    ck_assert_uint_ge(conns, 1);
    ck_assert_uint_le(conns, 2);
    for (int i = 0; i < 25; i++)
        kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).connections, conns);
    kv_client_destroy(c);
}
END_TEST

struct worker {
    struct kv_client *c;
    int ok, failed;
    int last_status;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    static const char *const names[] = {"api-key", "db-password", "graph-app-secret",
                                        "expired-secret"};

    for (int i = 0; i < 10; i++) {
        struct kv_secret *s = NULL;
        struct kv_error err;
        int st = kv_secret_get(w->c, names[i % 4], NULL, &s, &err);
        if (st == KV_OK && s && s->value)
            w->ok++;
        else {
            w->failed++;
            w->last_status = st;
        }
        kv_secret_free(s);
    }
    return NULL;
}

/* Eight threads share one handle from its very first call: one token fetch in all. */
START_TEST(test_concurrency)
{
    struct kv_client *c = kt_admin(srv);
    pthread_t th[8];
    struct worker w[8];
    struct kv_stats st;

    for (int i = 0; i < 8; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].c = c;
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    st = kt_stats(c);
    kv_client_destroy(c);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(w[i].ok == 10, "thread %d: %d ok, %d failed (last %s)", i, w[i].ok,
                      w[i].failed, kv_status_name(w[i].last_status));
    ck_assert_uint_eq(st.token_fetches, 1);
    ck_assert_uint_ge(st.requests, 81);
    /* Each concurrent caller borrows its own handle (and so its own connections, to the vault and
     * perhaps to the token endpoint); what must not happen is a connection per request. */
    ck_assert_msg(st.connections <= 24, "%lu connections for %lu requests", st.connections,
                  st.requests);
}
END_TEST

/* ---- challenge checks ------------------------------------------------------------------------ */

/* https://localhost:PORT: the mock names resource https://vault.azure.net, which is not a parent
 * domain of localhost: refused before any token is fetched, unless verification is off. */
START_TEST(test_challenge_resource_verification)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char url[128];

    kt_options(&o, srv);
    kt_url(url, sizeof url, "localhost", srv);
    o.vault_url = url;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_status(kv_secret_get(c, "api-key", NULL, &s, &err), KV_E_CHALLENGE, &err,
                     "bare localhost vault");
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.message, "vault.azure.net") != NULL,
                  "the message names the resource: %s", err.message);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 0);
    /* It keeps refusing (no half-started state). */
    kt_assert_status(kv_secret_get(c, "api-key", NULL, &s, &err), KV_E_CHALLENGE, &err,
                     "bare localhost vault, again");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 0);
    kv_client_destroy(c);

    o.verify_challenge_resource = 0;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
}
END_TEST

/* A challenge naming another tenant than the credential's is refused unless allowed. */
START_TEST(test_challenge_tenant)
{
    static const char other[] = "99999999-aaaa-bbbb-cccc-000000000000";
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    int st;

    c = kt_client_with(srv, NULL, kt_secret_cred(srv, other, T_ADMIN_ID, T_ADMIN_SECRET));
    st = kv_secret_get(c, "api-key", NULL, NULL, &err);
    ck_assert_msg(st == KV_E_CHALLENGE || st == KV_E_AUTH, "another tenant: %s (%s)",
                  kv_status_name(st), err.message);
    ck_assert_msg(strstr(err.message, T_TENANT) != NULL, "the message names the tenant: %s",
                  err.message);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 0);
    kv_client_destroy(c);

    kt_options(&o, srv);
    o.allow_any_tenant = 1;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, other, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
}
END_TEST

/* ---- credentials ----------------------------------------------------------------------------- */

START_TEST(test_static_token)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char *tok = mvt_admin_token(srv), *got = NULL;
    unsigned long fetches;
    int same;

    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(kv_credential_static_token(tok, (int64_t)time(NULL) + 3000, &cred), KV_OK);
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, "api-key");
    kt_get_ok(c, "db-password");
    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &got, NULL, &err), &err,
                 "static get_token");
    same = got && strcmp(got, tok) == 0;
    kv_free_secret(got);
    memset(tok, 0, strlen(tok));
    free(tok);
    fetches = kt_stats(c).token_fetches;
    kv_client_destroy(c);
    ck_assert_msg(same, "the static token is handed back");
    /* kv_stats: "token requests sent to an identity endpoint"; a static token sends none. */
    ck_assert_msg(fetches == 0, "a static token counted %lu token fetches", fetches);

    /* A token the vault does not accept: unauthorised, not a loop. */
    ck_assert_int_eq(kv_credential_static_token("not-a-jwt", 0, &cred), KV_OK);
    c = kt_client_with(srv, NULL, cred);
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_UNAUTHORIZED, &err,
                     "bad static token");
    ck_assert_uint_le(kt_stats(c).requests, 4);
    kv_client_destroy(c);
}
END_TEST

/* The environment chain with a client secret, and with a certificate. */
START_TEST(test_env_chain)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char authority[128];

    kt_url(authority, sizeof authority, "localhost", srv);
    setenv("AZURE_TENANT_ID", T_TENANT, 1);
    setenv("AZURE_CLIENT_ID", T_ADMIN_ID, 1);
    setenv("AZURE_CLIENT_SECRET", T_ADMIN_SECRET, 1);
    setenv("AZURE_AUTHORITY_HOST", authority, 1);
    kt_assert_ok(kv_credential_from_env(&cred, &err), &err, "from env (secret)");
    ck_assert_ptr_nonnull(cred);
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    /* The environment is read when the credential is made. */
    kt_clear_env();
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    setenv("AZURE_TENANT_ID", T_TENANT, 1);
    setenv("AZURE_CLIENT_ID", T_FLOW_ID, 1);
    setenv("AZURE_CLIENT_CERTIFICATE_PATH", KT_CERT_PEM, 1);
    setenv("AZURE_AUTHORITY_HOST", authority, 1);
    cred = NULL;
    kt_assert_ok(kv_credential_from_env(&cred, &err), &err, "from env (certificate)");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_env_chain_nothing)
{
    struct kv_credential *cred = (struct kv_credential *)&cred;
    struct kv_error err = fresh_err();

    kt_clear_env();
    kt_assert_status(kv_credential_from_env(&cred, &err), KV_E_NO_CREDENTIAL, &err,
                     "empty environment");
    ck_assert_ptr_null(cred);
    ck_assert_msg(strstr(err.message, "AZURE_") != NULL, "the message names the variables: %s",
                  err.message);
}
END_TEST

/* Managed identity, App Service style (IDENTITY_ENDPOINT + IDENTITY_HEADER): the mock's /msi/token
 * over TLS. vm-identity (system-assigned) and app-identity (user-assigned) both may get. */
START_TEST(test_managed_identity_app_service)
{
    struct mv_server_config cfg;
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char endpoint[160];

    mv_server_stop(srv);
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.identity_header = ID_HEADER;
    srv = kt_start(&cfg);
    snprintf(endpoint, sizeof endpoint, "https://localhost:%u/msi/token",
             (unsigned)mv_server_port(srv));
    setenv("IDENTITY_ENDPOINT", endpoint, 1);
    setenv("IDENTITY_HEADER", ID_HEADER, 1);

    kt_assert_ok(kv_credential_managed_identity(NULL, &cred), &err, "system-assigned");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kt_assert_status(kv_secret_set(c, "mi-write", "x", NULL, NULL, &err), KV_E_FORBIDDEN, &err,
                     "vm-identity may not set");
    kv_client_destroy(c);

    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity(UA_MI_ID, &cred), &err, "user-assigned");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);

    /* The chain falls back to the managed identity when no AZURE_* credential is set. */
    cred = NULL;
    kt_assert_ok(kv_credential_from_env(&cred, &err), &err, "from env (managed identity)");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);

    /* A wrong header: no token. */
    setenv("IDENTITY_HEADER", "wrong-header", 1);
    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity(NULL, &cred), &err, "wrong header credential");
    c = kt_client_with(srv, NULL, cred);
    ck_assert_int_ne(kv_secret_get(c, FLOW_SECRET_NAME, NULL, NULL, &err), KV_OK);
    ck_assert_msg(strstr(err.message, "wrong-header") == NULL, "the header is not echoed");
    kv_client_destroy(c);
}
END_TEST

/* Managed identity, IMDS style, at AZURE_POD_IDENTITY_AUTHORITY_HOST (the mock's plain-http
 * --imds-port listener). */
START_TEST(test_managed_identity_imds)
{
    struct mv_server_config cfg;
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char host[96];

    mv_server_stop(srv);
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.imds = true;
    cfg.imds_port = 0;
    srv = kt_start(&cfg);
    ck_assert_uint_ne(mv_server_imds_port(srv), 0);
    snprintf(host, sizeof host, "http://127.0.0.1:%u", (unsigned)mv_server_imds_port(srv));
    setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", host, 1);

    kt_assert_ok(kv_credential_managed_identity(NULL, &cred), &err, "IMDS system-assigned");
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity(UA_MI_ID, &cred), &err, "IMDS user-assigned");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);

    /* An identity the machine does not have. */
    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity("12345678-0000-0000-0000-000000000000", &cred),
                 &err, "IMDS unknown identity");
    c = kt_client_with(srv, NULL, cred);
    ck_assert_int_ne(kv_secret_get(c, FLOW_SECRET_NAME, NULL, NULL, &err), KV_OK);
    kv_client_destroy(c);
}
END_TEST

/* The automation flow's certificate (fixtures/certs/automation-flow.pem: certificate + key). */
START_TEST(test_certificate_credential)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char authority[128];

    kt_url(authority, sizeof authority, "localhost", srv);
    ck_assert_int_eq(
        kv_credential_client_certificate(T_TENANT, T_FLOW_ID, KT_CERT_PEM, authority, &cred),
        KV_OK);
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    c = kt_client_with(srv, NULL, cred);
    kt_assert_ok(kv_secret_get(c, FLOW_SECRET_NAME, NULL, &s, &err), &err, "get with the cert");
    ck_assert_msg(kt_value_is(s, FLOW_SECRET_VALUE), "the value");
    kv_secret_free(s);
    kt_assert_status(kv_secret_set(c, "cert-write", "x", NULL, NULL, &err), KV_E_FORBIDDEN, &err,
                     "the flow may only get");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    /* The certificate of another app: the token endpoint refuses it. */
    cred = NULL;
    ck_assert_int_eq(
        kv_credential_client_certificate(T_TENANT, T_ADMIN_ID, KT_CERT_PEM, authority, &cred),
        KV_OK);
    c = kt_client_with(srv, NULL, cred);
    kt_assert_status(kv_secret_get(c, FLOW_SECRET_NAME, NULL, NULL, &err), KV_E_AUTH, &err,
                     "certificate of another app");
    kv_client_destroy(c);

    cred = (struct kv_credential *)&cred;
    ck_assert_int_eq(kv_credential_client_certificate(T_TENANT, T_FLOW_ID, "/nonexistent/x.pem",
                                                      authority, &cred),
                     KV_E_IO);
    ck_assert_ptr_null(cred);
}
END_TEST

/* A wrong client secret: KV_E_AUTH with Entra's code, and the secret is not in the message. */
START_TEST(test_wrong_client_secret)
{
    struct kv_client *c = kt_client(srv, T_ADMIN_ID, "kvt-wrong-client-secret");
    struct kv_error err = fresh_err();

    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_AUTH, &err,
                     "wrong client secret");
    ck_assert_str_eq(err.code, "invalid_client");
    ck_assert_msg(strstr(err.message, "AADSTS7000215") != NULL, "Entra's message: %s", err.message);
    ck_assert_msg(strstr(err.message, "kvt-wrong-client-secret") == NULL, "no secret in it");
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kv_client_destroy(c);
}
END_TEST

static Suite *client_auth_suite(void)
{
    Suite *s = suite_create("kvclient-auth");
    TCase *tokens = client_tcase("tokens");
    TCase *chal = client_tcase("challenge");
    TCase *creds = client_tcase("credentials");

    tcase_add_test(tokens, test_token_reused_and_one_challenge);
    tcase_add_test(tokens, test_token_expiry_via_clock);
    tcase_add_test(tokens, test_token_rejected_refreshed_once);
    tcase_add_test(tokens, test_get_token);
    tcase_add_test(tokens, test_connection_reuse);
    tcase_add_test(tokens, test_concurrency);
    suite_add_tcase(s, tokens);

    tcase_add_test(chal, test_challenge_resource_verification);
    tcase_add_test(chal, test_challenge_tenant);
    suite_add_tcase(s, chal);

    tcase_add_test(creds, test_static_token);
    tcase_add_test(creds, test_env_chain);
    tcase_add_test(creds, test_env_chain_nothing);
    tcase_add_test(creds, test_managed_identity_app_service);
    tcase_add_test(creds, test_managed_identity_imds);
    tcase_add_test(creds, test_certificate_credential);
    tcase_add_test(creds, test_wrong_client_secret);
    suite_add_tcase(s, creds);
    return s;
}

int main(void)
{
    return kt_run(client_auth_suite());
}
