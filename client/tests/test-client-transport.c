/* test-client-transport.c: libkvclient's transport options (the proxy mode with the real Azure
 * names, the CA file, an untrusted server, the api-version) and its hygiene: traces and error
 * messages never hold values, tokens or client secrets, and invalid arguments are refused
 * (client-common.h says how the suites run). */
#include "client-common.h"

/* ---- transport options ----------------------------------------------------------------------- */

/* Production names through the mock's CONNECT proxy: https://demo.vault.azure.net and the default
 * authority login.microsoftonline.com, with verification on (DESIGN.md §1). */
START_TEST(test_proxy_mode)
{
    struct mv_server_config cfg;
    struct kv_options o;
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char proxy[64];

    mv_server_stop(srv);
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = 0;
    srv = kt_start(&cfg);
    ck_assert_uint_ne(mv_server_proxy_port(srv), 0);
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", (unsigned)mv_server_proxy_port(srv));
    setenv("HTTPS_PROXY", proxy, 1);

    kv_options_init(&o);
    o.vault_url = "https://demo.vault.azure.net";
    o.ca_file = mv_server_ca_path(srv);
    ck_assert_int_eq(kv_credential_client_secret(T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET, NULL, &cred),
                     KV_OK);
    c = kt_client_with(srv, &o, cred);
    kt_assert_ok(kv_secret_get(c, FLOW_SECRET_NAME, NULL, &s, &err), &err, "get via the proxy");
    ck_assert_msg(kt_value_is(s, FLOW_SECRET_VALUE), "the value");
    ck_assert_msg(strncmp(s->id, "https://demo.vault.azure.net/secrets/", 37) == 0,
                  "ids name the real host: %s", s->id);
    kv_secret_free(s);
    kt_assert_ok(kv_secret_set(c, "kvt-proxy", "kvt-proxy-value", NULL, NULL, &err), &err,
                 "set via the proxy");
    {
        struct kv_pager *pg = NULL;
        ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 3, &pg), KV_OK);
        ck_assert_uint_eq(drain(pg, "list via the proxy", NULL, 0), 7);
        ck_assert_uint_ge(kv_pager_pages(pg), 3);
        kv_pager_destroy(pg);
    }
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);
    unsetenv("HTTPS_PROXY");
}
END_TEST

/* ca_file NULL: SSL_CERT_FILE names the CA, as for other TLS clients. */
START_TEST(test_ssl_cert_file)
{
    struct kv_options o;
    struct kv_client *c;

    setenv("SSL_CERT_FILE", mv_server_ca_path(srv), 1);
    kt_options(&o, srv);
    o.ca_file = NULL;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
    unsetenv("SSL_CERT_FILE");
}
END_TEST

/* A CA that did not issue the mock's certificate: a TLS failure, not a retry storm. */
START_TEST(test_tls_untrusted)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();

    kt_options(&o, srv);
    o.ca_file = KT_CERT_PEM; /* a self-signed certificate unrelated to the mock */
    o.retry_delay_ms = 10;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_TLS, &err,
                     "untrusted server");
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_api_version)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();

    kt_options(&o, srv);
    o.api_version = "7.4";
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);

    o.api_version = "1.0";
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_BAD_REQUEST, &err,
                     "unknown api-version");
    ck_assert_str_eq(err.code, "BadParameter");
    kv_client_destroy(c);
}
END_TEST

/* ---- hygiene --------------------------------------------------------------------------------- */

struct trace_log {
    char *text;
    size_t len;
    unsigned lines;
};

static void on_trace(void *ctx, const char *line)
{
    struct trace_log *t = ctx;
    size_t n = strlen(line);
    char *p = realloc(t->text, t->len + n + 2);

    ck_assert_ptr_nonnull(p);
    memcpy(p + t->len, line, n);
    p[t->len + n] = '\n';
    p[t->len + n + 1] = '\0';
    t->text = p;
    t->len += n + 1;
    t->lines++;
}

/* Traces and error messages never contain a value, a token or a client secret. */
START_TEST(test_trace_never_leaks)
{
    struct trace_log log = {NULL, 0, 0};
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char *tok = NULL, *sig;
    struct kv_pager *pg = NULL;
    char *blob = NULL;

    kt_options(&o, srv);
    o.trace = on_trace;
    o.trace_ctx = &log;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_ok(kv_secret_set(c, "kvt-traced", "kvt-traced-value-5b1c", NULL, NULL, &err), &err,
                 "set");
    kt_assert_ok(kv_secret_get(c, "kvt-traced", NULL, &s, &err), &err, "get");
    kv_secret_free(s);
    kt_assert_ok(kv_secret_backup(c, "kvt-traced", &blob, &err), &err, "backup");
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 2, &pg), KV_OK);
    drain(pg, "list", NULL, 0);
    kv_pager_destroy(pg);
    kt_assert_status(kv_secret_get(c, "disabled-secret", NULL, &s, &err), KV_E_DISABLED, &err,
                     "get disabled");
    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &tok, NULL, &err), &err,
                 "token");

    ck_assert_msg(log.lines >= 5, "tracing is on (%u lines)", log.lines);
    ck_assert_msg(strstr(log.text, "kvt-traced-value-5b1c") == NULL, "a set value in the trace");
    ck_assert_msg(strstr(log.text, "fake-disabled-value") == NULL, "a stored value in the trace");
    ck_assert_msg(strstr(log.text, T_ADMIN_SECRET) == NULL, "the client secret in the trace");
    ck_assert_msg(strstr(log.text, blob) == NULL, "the backup blob in the trace");
    /* The token's signature (its last part) is unique to it. */
    sig = strrchr(tok, '.');
    ck_assert_msg(sig && strlen(sig) > 20, "a JWT");
    ck_assert_msg(strstr(log.text, sig + 1) == NULL, "the token in the trace");
    ck_assert_msg(strstr(log.text, tok) == NULL, "the token in the trace");
    ck_assert_msg(strstr(err.message, "fake-disabled-value") == NULL, "a value in the message");
    kv_free_secret(tok);
    kv_free_secret(blob);
    kv_client_destroy(c);
    free(log.text);
}
END_TEST

START_TEST(test_invalid_arguments)
{
    struct kv_options o;
    struct kv_credential *cred = NULL;
    struct kv_client *c = (struct kv_client *)&o;
    struct kv_pager *pg = NULL;
    struct kv_error err = fresh_err();
    int st;

    /* No vault URL: refused, and the credential is taken (freed) anyway. */
    kv_options_init(&o);
    ck_assert_int_eq(o.verify_challenge_resource, 1);
    ck_assert_int_eq(o.allow_any_tenant, 0);
    ck_assert_int_eq(o.max_retries, 4);
    ck_assert_uint_eq(o.retry_delay_ms, 800);
    ck_assert_uint_eq(o.max_retry_delay_ms, 60000);
    ck_assert_uint_eq(o.timeout_ms, 30000);
    ck_assert_uint_eq(o.deadline_ms, 0);
    ck_assert_uint_eq(o.refresh_before_s, 300);
    kt_assert_status(
        kv_client_create(&o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET), &c, &err),
        KV_E_INVALID_ARG, &err, "no vault url");
    ck_assert_ptr_null(c);

    /* Plain http: bearer tokens are never sent over it. */
    kt_options(&o, srv);
    o.vault_url = "http://demo.localhost:1";
    st = kv_client_create(&o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET), &c, &err);
    if (st == KV_OK) {
        ck_assert_int_ne(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_OK);
        kv_client_destroy(c);
    } else {
        ck_assert_int_eq(st, KV_E_INVALID_ARG);
        ck_assert_ptr_null(c);
    }

    ck_assert_int_eq(kv_credential_client_secret(NULL, T_ADMIN_ID, "x", NULL, &cred),
                     KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);
    ck_assert_int_eq(kv_credential_client_secret(T_TENANT, T_ADMIN_ID, NULL, NULL, &cred),
                     KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);
    ck_assert_int_eq(kv_credential_static_token(NULL, 0, &cred), KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);

    c = kt_admin(srv);
    ck_assert_int_eq(kv_secret_get(c, NULL, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_int_eq(kv_secret_set(c, "x", NULL, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_int_eq(kv_secret_restore(c, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_VERSIONS, NULL, 0, &pg), KV_E_INVALID_ARG);
    ck_assert_ptr_null(pg);
    /* A name the service would refuse; either side may say so. */
    st = kv_secret_get(c, "bad_name", NULL, NULL, &err);
    ck_assert_msg(st == KV_E_INVALID_ARG || st == KV_E_BAD_REQUEST, "bad name: %s",
                  kv_status_name(st));
    st = kv_secret_get(c, "a/../b", NULL, NULL, &err);
    ck_assert_msg(st != KV_OK, "a path in a name: %s", kv_status_name(st));
    kv_client_destroy(c);

    /* Every destroy accepts NULL. */
    kv_client_destroy(NULL);
    kv_credential_destroy(NULL);
    kv_pager_destroy(NULL);
    kv_secret_free(NULL);
    kv_free(NULL);
    kv_free_secret(NULL);
    /* The public header carries the project version meson was given (one version source). */
    ck_assert_str_eq(KV_VERSION_STRING, CX_VERSION);
}
END_TEST

static Suite *client_transport_suite(void)
{
    Suite *s = suite_create("kvclient-transport");
    TCase *transport = client_tcase("transport");
    TCase *hygiene = client_tcase("hygiene");

    tcase_add_test(transport, test_proxy_mode);
    tcase_add_test(transport, test_ssl_cert_file);
    tcase_add_test(transport, test_tls_untrusted);
    tcase_add_test(transport, test_api_version);
    suite_add_tcase(s, transport);

    tcase_add_test(hygiene, test_trace_never_leaks);
    tcase_add_test(hygiene, test_invalid_arguments);
    suite_add_tcase(s, hygiene);
    return s;
}

int main(void)
{
    return kt_run(client_transport_suite());
}
