/* kvc-suite.h: what the server suites (test-*.c) share: the run context (endpoint, identities,
 * tokens), test registration with the conditions under which a test cannot run, and request
 * and assertion helpers that name the spec row on failure.
 *
 * Failure messages carry statuses, error codes and error bodies only: never secret values or
 * tokens. */
#ifndef KVC_SUITE_H
#define KVC_SUITE_H

#include <check.h>
#include <stdbool.h>

#include "kvc-http.h"

/* Conditions of a test (kvc_add_test flags). */
#define KVC_NEEDS_MOCK 0x1u    /* uses /_mock (clock, state, authz changes): mock only */
#define KVC_NEEDS_FIXTURE 0x2u /* uses the default fixture's other identities or vaults */
#define KVC_XFAIL_MOCK 0x4u    /* known, reported mock deviation: failure on the mock is expected */
/* Changes the mock's clock, state, access policies, throttling limits or fault rules: the runner
 * saves them before the test and puts them back after it, also when it fails. Implies
 * KVC_NEEDS_MOCK. */
#define KVC_CHANGES_MOCK (0x8u | KVC_NEEDS_MOCK)
/* Runs everywhere, but changes the mock's clock or state when the endpoint is a mock. */
#define KVC_MAY_CHANGE_MOCK 0x8u

/* Identities of fixtures/default.json (used only against the mock). */
#define KVC_FIX_TENANT "11111111-1111-1111-1111-111111111111"
#define KVC_FIX_ADMIN_ID "aaaaaaaa-0000-0000-0000-000000000001"
#define KVC_FIX_ADMIN_SECRET "admin-client-secret"
#define KVC_FIX_FLOW_ID "22222222-2222-2222-2222-222222222222"
#define KVC_FIX_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define KVC_FIX_FLOW_SECRET "flow-client-secret"
#define KVC_FIX_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define KVC_FIX_NOACCESS_OID "cccccccc-0000-0000-0000-0000000000c3"
#define KVC_FIX_NOACCESS_SECRET "noaccess-client-secret"

#define KVC_VAULT_RESOURCE "https://vault.azure.net"

/* The run context, filled by server.c before the suites run; tests read it only. */
struct kvc_ctx {
    char vault[512];      /* vault base URL, no trailing slash (https://demo.localhost:PORT) */
    char vault_host[256]; /* host of the vault URL, without port */
    char authority[512];  /* token authority, no trailing slash */
    char tenant[128], client_id[128], client_secret[256];
    const char *ca;      /* CA file, or NULL for the system store */
    bool mock;           /* GET {vault}/_mock/health answered: the control API is there */
    char mock_base[256]; /* https://127.0.0.1:PORT of the mock (control API) */
    unsigned mock_port;
    char run[16];         /* random run id: every name this run creates starts "kvc-<run>-" */
    const char *api;      /* default api-version */
    char *token;          /* admin token for the vault */
    char *flow_token;     /* fixture flow app (get only on demo); mock only */
    char *noaccess_token; /* fixture app without any permission; mock only */
};
extern struct kvc_ctx kvc;

struct kvc_reg;

/* Registers test t of family under its own name (one TCase per test, so CK_RUN_CASE picks one).
 * flags: KVC_NEEDS_*; why: the reason shown when it is skipped (NULL = the default reason of the
 * flag) or, with KVC_XFAIL_MOCK, the known deviation. */
void kvc_add_test(struct kvc_reg *reg, const char *family, const TTest *t, unsigned flags,
                  const char *why);

/* One registration function per test-*.c file. */
void kvc_suite_secrets_crud(struct kvc_reg *reg);
void kvc_suite_versions(struct kvc_reg *reg);
void kvc_suite_errors(struct kvc_reg *reg);
void kvc_suite_softdelete(struct kvc_reg *reg);
void kvc_suite_backup(struct kvc_reg *reg);
void kvc_suite_paging(struct kvc_reg *reg);
void kvc_suite_challenge(struct kvc_reg *reg);
void kvc_suite_headers(struct kvc_reg *reg);
void kvc_suite_identity(struct kvc_reg *reg);
void kvc_suite_msi(struct kvc_reg *reg);
void kvc_suite_authz(struct kvc_reg *reg);
void kvc_suite_throttle(struct kvc_reg *reg);
void kvc_suite_keys_crud(struct kvc_reg *reg);
void kvc_suite_keys_crypto(struct kvc_reg *reg);
void kvc_suite_keys_lifecycle(struct kvc_reg *reg);
void kvc_suite_consistency(struct kvc_reg *reg);
void kvc_suite_cae(struct kvc_reg *reg);
void kvc_suite_certs(struct kvc_reg *reg);
void kvc_suite_certs_ops(struct kvc_reg *reg);

/* Ends the running test as skipped with reason (a failure message the runner recognises). */
#define kvc_skip(...) ck_abort_msg("SKIP: " __VA_ARGS__)

/* Vault request. path is relative to base (the vault under test when base is NULL) or an
 * absolute URL (a nextLink), used verbatim; "api-version=<kvc.api>" is appended when the path
 * has no api-version. token NULL sends no Authorization. Aborts the test when no HTTP answer
 * arrives. */
void kv_req(const char *base, const char *method, const char *path, const char *token,
            const char *const *headers, const char *body, struct kvc_resp *r);

/* kv_req on the vault under test with the admin token; body JSON or NULL. */
void kv(const char *method, const char *path, const char *body, struct kvc_resp *r);

/* Base URL of another vault of the mock (e.g. "rbac-demo"): https://NAME.localhost:PORT. */
const char *kvc_mock_vault(const char *name, char *buf, size_t n);

/* Request to the mock's control API (path "/_mock/..."); returns the status. out may be NULL. */
long kvc_control(const char *method, const char *path, const char *json, struct kvc_resp *out);

/* Moves the mock clock by seconds (negative moves it back). */
void kvc_clock_advance(double seconds);

/* A fresh secret name for this run: "kvc-<run>-<tag>-<4 hex>". */
void kvc_name(char *buf, size_t n, const char *tag);

/* PUT /secrets/name with body (JSON), asserting 200; the version is copied to ver (may be NULL). */
void kvc_set(const char *name, const char *body, char *ver, size_t vn);

/* Deletes the secret and waits until GET /deletedsecrets/name answers 200 (the real service
 * needs a second or two). Asserts the delete's 200. */
void kvc_delete_wait(const char *base, const char *name);

/* kvc_delete_wait for any family: DELETE /{live}/name, then GET /{deleted}/name until 200
 * ("keys", "deletedkeys"). */
void kvc_obj_delete_wait(const char *base, const char *live, const char *deleted, const char *name);

/* Purges a deleted secret and waits until it is gone; asserts the purge's 204. */
void kvc_purge_wait(const char *base, const char *name);

/* Best-effort delete and purge, for the end of a test; never fails the test. */
void kvc_cleanup(const char *name);

/* kvc_cleanup for any family ("keys", "deletedkeys"). */
void kvc_obj_cleanup(const char *live, const char *deleted, const char *name);

/* Copies tmpl into buf with its one "{n}" replaced by name (route tables, no format strings). */
void kvc_path(char *buf, size_t n, const char *tmpl, const char *name);

/* Last path segment of an id (the version of a versioned id), or "". */
const char *kvc_last_segment(const char *id);

/* Asserts the status; on a mismatch the message names what and shows the error body (error
 * bodies carry no secret values; success bodies are never shown). */
void kvc_assert_status(const struct kvc_resp *r, long want, const char *what);

/* Asserts status, error.code, error.innererror.code (NULL = must be absent, "*" = any) and, when
 * message is not NULL, the exact error.message. */
void kvc_assert_error(const struct kvc_resp *r, long status, const char *code, const char *inner,
                      const char *message, const char *what);

/* Asserts the body is exactly want (byte for byte). */
void kvc_assert_body(const struct kvc_resp *r, const char *want, const char *what);

/* Asserts that the JSON object's keys are exactly the comma-separated list, in that order. */
void kvc_assert_keys(const cJSON *obj, const char *keys, const char *what);

/* Asserts a response header equals want (NULL = must be absent). */
void kvc_assert_header(const struct kvc_resp *r, const char *name, const char *want,
                       const char *what);

/* Asserts the common headers of spec §4 (exact Content-Type, HSTS, no-cache, nosniff, a GUID
 * x-ms-request-id, region, service version, network info, Date, a Content-Length that matches). */
void kvc_assert_common_headers(const struct kvc_resp *r, const char *what);

/* Asserts the 401 challenge: AKV10000-style Unauthorized envelope plus a Bearer
 * WWW-Authenticate naming the tenant. */
void kvc_assert_challenged(const struct kvc_resp *r, const char *what);

/* The exact SecretNotFound message bodies of spec §2. */
void kvc_not_found_body(char *buf, size_t n, const char *name_or_id);
void kvc_deleted_not_found_body(char *buf, size_t n, const char *name);

#endif
