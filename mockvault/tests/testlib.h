/* testlib.h: helpers for the HTTP integration tests: the real server embedded on a loopback port
 * (port 0), requests over real TLS with libcurl trusting the mock's CA, tokens from the mock's own
 * token endpoint. */
#ifndef MV_TESTLIB_H
#define MV_TESTLIB_H

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "server.h"

#ifndef MV_SOURCE_ROOT
#define MV_SOURCE_ROOT "."
#endif

/* Identities of fixtures/default.json. */
#define T_TENANT "11111111-1111-1111-1111-111111111111"
#define T_ADMIN_ID "aaaaaaaa-0000-0000-0000-000000000001"
#define T_ADMIN_SECRET "admin-client-secret"
#define T_FLOW_ID "22222222-2222-2222-2222-222222222222"
#define T_FLOW_SECRET "flow-client-secret"

/* A growing NUL-terminated buffer for libcurl's write and header callbacks: set
 * CURLOPT_WRITEFUNCTION (or HEADERFUNCTION) to mvt_buf_add and its data to a zeroed mvt_buf.
 * The caller frees p. */
struct mvt_buf {
    char *p;
    size_t n;
};
size_t mvt_buf_add(char *ptr, size_t size, size_t nmemb, void *ud);

struct mvt_resp {
    long status;
    char *body; /* NUL-terminated */
    size_t len;
    char *headers; /* raw header block, NUL-terminated */
    cJSON *json;   /* parsed body or NULL */
};

/* Starts a server for the fixture (path relative to the source root; NULL = none) with options
 * from cfg (may be NULL; port, log and fixture are set here). Aborts the test on failure. */
struct mv_server *mvt_start(const char *fixture, const struct mv_server_config *cfg);

/* Sends a request to the server. host: Host name to use in the URL (e.g. "demo.localhost",
 * "demo.vault.azure.net"; NULL = "localhost"), resolved to 127.0.0.1 with CURLOPT_RESOLVE so
 * TLS verification against the mock CA is real. path includes the query. headers: NULL-terminated
 * list of "Name: value" lines. token: adds "Authorization: Bearer token" when not NULL.
 * body: sent as is (NULL = no body). Returns 0 and fills out (free with mvt_resp_free). */
int mvt_request(struct mv_server *srv, const char *method, const char *host, const char *path,
                const char *token, const char *const *headers, const char *body,
                struct mvt_resp *out);
void mvt_resp_free(struct mvt_resp *r);

/* Makes handle c trust the mock's CA alone (nothing when the server runs plain HTTP). */
void mvt_trust_mock(CURL *c, const struct mv_server *srv);

/* Value of a response header (case-insensitive name), copied into buf; NULL if absent. */
const char *mvt_header(const struct mvt_resp *r, const char *name, char *buf, size_t n);

/* Client-credentials token (v2) for the given app and resource scope; NULL on failure.
 * Caller frees. */
char *mvt_token(struct mv_server *srv, const char *client_id, const char *secret,
                const char *scope);
/* Admin token for Key Vault. Caller frees. */
char *mvt_admin_token(struct mv_server *srv);

/* POSTs JSON to a control path (e.g. "/_mock/clock") and returns the status. */
long mvt_control(struct mv_server *srv, const char *method, const char *path, const char *json);

/* Runs every test of s (taking it) and returns main's exit status: EXIT_SUCCESS when none failed.
 * nofork: run the tests in this process whatever CK_FORK says (for suites whose servers run
 * threads in it); otherwise CK_FORK works as Check documents it. */
int mvt_run(Suite *s, bool nofork);

#endif
