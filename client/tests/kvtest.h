/* kvtest.h: helpers shared by the libkvclient integration suites (test-client-*.c, test-retry.c):
 * the embedded mock with the demo vault at https://demo.localhost:PORT, clients for the identities
 * of fixtures/default.json, status assertions that print names and error codes (never values or
 * tokens), and a clean environment.
 *
 * Everything is static inline so each suite uses what it needs. */
#ifndef KV_KVTEST_H
#define KV_KVTEST_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvclient.h"
#include "testlib.h"

/* Under valgrind (meson test --setup=valgrind) a TLS handshake takes seconds, so tests whose point
 * is a sub-second timeout or deadline cannot warm up in time; they return early there. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define KT_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef KT_UNDER_VALGRIND
#define KT_UNDER_VALGRIND() 0
#endif

#define KT_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define KT_NOACCESS_SECRET "noaccess-client-secret"
#define KT_CERT_PEM MV_SOURCE_ROOT "/fixtures/certs/automation-flow.pem"

/* Asserts that a call returned want; on failure prints the status names and the error details
 * (codes and the library's message, which never holds values or tokens). */
#define kt_assert_status(got, want, err, what)                                                     \
    do {                                                                                           \
        int kt_got_ = (got);                                                                       \
        ck_assert_msg(kt_got_ == (want),                                                           \
                      "%s: %s, want %s (http %ld, code '%s', inner '%s', attempts %d: %s)",        \
                      (what), kv_status_name(kt_got_), kv_status_name(want), (err)->http_status,   \
                      (err)->code, (err)->inner_code, (err)->attempts, (err)->message);            \
    } while (0)

#define kt_assert_ok(got, err, what) kt_assert_status(got, KV_OK, err, what)

/* Environment variables the credentials and the transport read; cleared before every test so the
 * machine's environment never leaks into a test (and a proxy never catches loopback traffic). */
static const char *const kt_env_vars[] = {
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_AUTHORITY_HOST",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IMDS_ENDPOINT",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    NULL,
};

static inline void kt_clear_env(void)
{
    for (size_t i = 0; kt_env_vars[i]; i++)
        unsetenv(kt_env_vars[i]);
}

/* A server with the default fixture; cfg may be NULL (then no proxy, no IMDS listener). */
static inline struct mv_server *kt_start(struct mv_server_config *cfg)
{
    struct mv_server_config c;

    if (!cfg) {
        memset(&c, 0, sizeof c);
        c.proxy_port = -1;
        cfg = &c;
    }
    return mvt_start("fixtures/default.json", cfg);
}

static inline void kt_url(char *buf, size_t n, const char *host, const struct mv_server *srv)
{
    snprintf(buf, n, "https://%s:%u", host, (unsigned)mv_server_port(srv));
}

/* Options for the demo vault of srv (vault_url and ca_file point into static buffers). */
static inline void kt_options(struct kv_options *o, struct mv_server *srv)
{
    static char url[128];

    kt_url(url, sizeof url, "demo.localhost", srv);
    kv_options_init(o);
    o->vault_url = url;
    o->ca_file = mv_server_ca_path(srv);
}

/* A client-secret credential against the mock's own authority. */
static inline struct kv_credential *kt_secret_cred(struct mv_server *srv, const char *tenant,
                                                   const char *client_id, const char *secret)
{
    struct kv_credential *cred = NULL;
    char authority[128];
    int st;

    kt_url(authority, sizeof authority, "localhost", srv);
    st = kv_credential_client_secret(tenant, client_id, secret, authority, &cred);
    ck_assert_msg(st == KV_OK && cred != NULL, "kv_credential_client_secret: %s",
                  kv_status_name(st));
    return cred;
}

/* A client with opts (NULL = kt_options) and cred; aborts the test on failure. */
static inline struct kv_client *kt_client_with(struct mv_server *srv, const struct kv_options *opts,
                                               struct kv_credential *cred)
{
    struct kv_options o;
    struct kv_client *c = NULL;
    struct kv_error err;

    if (!opts) {
        kt_options(&o, srv);
        opts = &o;
    }
    memset(&err, 0, sizeof err);
    kt_assert_ok(kv_client_create(opts, cred, &c, &err), &err, "kv_client_create");
    ck_assert_ptr_nonnull(c);
    return c;
}

/* A client for the demo vault as the given app of the default tenant. */
static inline struct kv_client *kt_client(struct mv_server *srv, const char *client_id,
                                          const char *secret)
{
    return kt_client_with(srv, NULL, kt_secret_cred(srv, T_TENANT, client_id, secret));
}

static inline struct kv_client *kt_admin(struct mv_server *srv)
{
    return kt_client(srv, T_ADMIN_ID, T_ADMIN_SECRET);
}

static inline struct kv_stats kt_stats(const struct kv_client *c)
{
    struct kv_stats s;
    memset(&s, 0xff, sizeof s);
    kv_client_stats(c, &s);
    return s;
}

/* Whether a secret's value equals want, without ever printing either. */
static inline int kt_value_is(const struct kv_secret *s, const char *want)
{
    return s && s->value && strcmp(s->value, want) == 0;
}

static inline uint64_t kt_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Adds a /_mock/faults rule (DESIGN.md §7); asserts the mock took it. */
static inline void kt_fault(struct mv_server *srv, const char *rule)
{
    long st = mvt_control(srv, "POST", "/_mock/faults", rule);
    ck_assert_msg(st == 201 || st == 200, "POST /_mock/faults %s: status %ld", rule, st);
}

/* A successful get of name, as a warm-up or a check; frees the secret. */
static inline void kt_get_ok(struct kv_client *c, const char *name)
{
    struct kv_secret *s = NULL;
    struct kv_error err;
    char what[160];

    memset(&err, 0, sizeof err);
    snprintf(what, sizeof what, "get %s", name);
    kt_assert_ok(kv_secret_get(c, name, NULL, &s, &err), &err, what);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(s->value != NULL, "%s: a value came back", what);
    kv_secret_free(s);
}

/* The Check runner shared by the suites' main(): CK_FORK, CK_RUN_SUITE and CK_RUN_CASE work as
 * Check documents them. The environment is cleaned once here and again in each fixture. */
static inline int kt_run(Suite *s)
{
    SRunner *sr;
    int failed;

    kt_clear_env();
    if (kv_global_init() != KV_OK) {
        fprintf(stderr, "kv_global_init failed\n");
        return EXIT_FAILURE;
    }
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    kv_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
