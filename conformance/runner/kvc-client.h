/* kvc-client.h: what the parts of `kvconform client` share (client.c: options, the mock, the run
 * loop and the verdicts; client-adapter.c: the adapter process and its line protocol, the control
 * API; client-scenarios.c: the scenarios). The protocol is documented in docs/conformance.md.
 *
 * Nothing here prints secret values, client secrets or tokens: failure reasons name secrets,
 * commands and statuses only. */
#ifndef KVC_CLIENT_H
#define KVC_CLIENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kvc-http.h"

/* The mock a run started, and the facts every scenario needs. Filled by client.c. */
struct kvcc_run {
    char mock_url[256];     /* https://127.0.0.1:PORT: control API and token authority */
    char vault_direct[256]; /* https://demo.localhost:PORT: the grader's own vault requests */
    char ca[1024];          /* the mock's CA file */
    char proxy[256];        /* http://127.0.0.1:PROXYPORT, given to adapters as HTTPS_PROXY */
    char workdir[512];      /* per-run temporary folder (scenario homes and logs) */
    const char *adapter;    /* the adapter command line */
    unsigned timeout_s;     /* per command */
    double token_lifetime;  /* seconds, read from a token the mock issued */
    bool keep;              /* keep scenario folders (stderr logs) */
};
extern struct kvcc_run kvcc;

/* Fixture identities and names the scenarios use (fixtures/default.json). */
#define KVCC_VAULT_URL "https://demo.vault.azure.net"
#define KVCC_TENANT "11111111-1111-1111-1111-111111111111"
#define KVCC_ADMIN_ID "aaaaaaaa-0000-0000-0000-000000000001"
#define KVCC_ADMIN_SECRET "admin-client-secret"
#define KVCC_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define KVCC_NOACCESS_SECRET "noaccess-client-secret"
#define KVCC_FLOW_ID "22222222-2222-2222-2222-222222222222"
#define KVCC_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define KVCC_FLOW_SECRET "flow-client-secret"

/* One scenario being run: its adapter process, the strings to look for in the client's log and
 * the first failure. */
struct kvcc_sc {
    const char *name;
    char dir[640];      /* scenario folder: home/, azure/, stderr.log */
    char err_path[700]; /* the adapter's stderr */
    const char *client_id, *client_secret;
    pid_t pid; /* adapter process (and process group), 0 when not running */
    int in_fd, out_fd;
    char *buf; /* unread adapter stdout */
    size_t len, cap;
    char **secrets; /* values and secrets that must never reach stderr */
    size_t nsecrets;
    cJSON **answers; /* every answer, freed when the scenario ends */
    size_t nanswers;
    bool check_tokens; /* also fail when stderr holds a bearer token (JWT) */
    bool failed;
    char reason[1024]; /* first failure */
    char detail[512];  /* what a pass observed (shown with -v) */
};

/* Records the first failure (later ones are ignored). Always returns false. */
bool kvcc_fail(struct kvcc_sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* In a scenario function: fails the scenario and returns when cond is false. */
#define EXPECT(s, cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            kvcc_fail((s), __VA_ARGS__);                                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* The same, jumping to label instead of returning (for scenarios that free what they hold). */
#define EXPECT_GOTO(s, cond, label, ...)                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            kvcc_fail((s), __VA_ARGS__);                                                           \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

/* Adds a string that must never appear in the adapter's stderr (copied; short ones ignored). */
void kvcc_watch(struct kvcc_sc *s, const char *secret);

/* Clears the journal, then starts the adapter with the identity (client id and secret) and the
 * environment of docs/conformance.md. false (scenario failed) when it cannot be started. */
bool kvcc_start(struct kvcc_sc *s, const char *client_id, const char *client_secret);

/* Sends one command line (printf format) and waits for its JSON answer (owned by s). NULL when the
 * adapter timed out, exited or answered something that is not a JSON object: the scenario has
 * failed then. Values in "value" are watched; `set NAME VALUE` watches VALUE. */
cJSON *kvcc_cmd(struct kvcc_sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sends quit, waits for the adapter to exit (then kills its process group) and checks its stderr
 * for watched strings (and bearer tokens when check_tokens is set). */
void kvcc_stop(struct kvcc_sc *s);

/* Frees what the scenario holds and removes its folder unless --keep. */
void kvcc_sc_free(struct kvcc_sc *s);

/* Answer helpers: true for {"ok":true}; the string (or "" when absent) and the number (or -1 when
 * absent or null) of a key. */
bool kvcc_ok(const cJSON *a);
const char *kvcc_str(const cJSON *a, const char *key);
double kvcc_num(const cJSON *a, const char *key);
/* "status 403 Forbidden/SecretDisabled" or "ok": for failure reasons (never values). */
const char *kvcc_describe(const cJSON *a, char *buf, size_t n);

/* Control API of the mock (path "/_mock/..."): returns the HTTP status (0 when none); out may be
 * NULL. */
long kvcc_control(const char *method, const char *path, const char *json, struct kvc_resp *out);

/* The grader's own vault request as the admin app (before kvcc_start, or the journal would show
 * it): path relative to the vault, api-version appended. Returns the status. */
long kvcc_vault(const char *method, const char *path, const char *json, struct kvc_resp *out);

/* One journal entry, as far as scenarios look at it. */
struct kvcc_entry {
    double time;
    long status;
    char operation[48];
    char appid[64];
    char error_code[64];
};

/* Journal entries (oldest first) of operation (NULL = any) whose appid is appid (NULL = any, ""
 * = unauthenticated ones only). Returns the count (up to max) or -1 when the journal could not
 * be read. */
int kvcc_journal(const char *operation, const char *appid, struct kvcc_entry *out, int max);

/* Monotonic seconds. */
double kvcc_now(void);

/* Helpers the scenario files share (client-scenarios.c). */
#define KVCC_MAXJ 256
/* Journal entries of operation by the scenario's app (authenticated attempts), up to KVCC_MAXJ
 * into e. Returns the count; -1 (and the scenario failed) when the journal cannot be read. */
int kvcc_attempts(struct kvcc_sc *s, const char *operation, struct kvcc_entry *e);
/* "429, 429, 200": the statuses of n entries, for failure reasons. */
const char *kvcc_statuses(const struct kvcc_entry *e, int n, char *buf, size_t len);
/* An answer that must be the error status/code (inner NULL = not checked); false (and the
 * scenario failed) otherwise. */
bool kvcc_failed_with(struct kvcc_sc *s, const cJSON *a, const char *what, double status,
                      const char *code, const char *inner);
/* nbytes (at most 32) random bytes as lower-case hex into buf (2 * nbytes + 1 chars). */
void kvcc_random_hex(char *buf, size_t nbytes);

/* The key scenarios (client-scenarios-keys.c), listed in the table of client-scenarios.c. */
void kvcc_sc_key_get_forbidden(struct kvcc_sc *s);
void kvcc_sc_key_disabled(struct kvcc_sc *s);
void kvcc_sc_key_rotated(struct kvcc_sc *s);
void kvcc_sc_key_encrypt_roundtrip(struct kvcc_sc *s);
void kvcc_sc_key_expired(struct kvcc_sc *s);

/* The realism scenarios (client-scenarios-realism.c), listed in the table of client-scenarios.c. */
void kvcc_sc_eventual_delete_recover(struct kvcc_sc *s);
void kvcc_sc_purge_recreate(struct kvcc_sc *s);
void kvcc_sc_short_pages(struct kvcc_sc *s);
/* The continuous access evaluation scenario (client-scenarios-cae.c), listed in the same table. */
void kvcc_sc_token_revoked(struct kvcc_sc *s);

/* The certificate scenarios (client-scenarios-certs.c), listed in the same table. */
void kvcc_sc_cert_poll_until_completed(struct kvcc_sc *s);
void kvcc_sc_cert_renewed_picked_up(struct kvcc_sc *s);
void kvcc_sc_cert_expired(struct kvcc_sc *s);

/* The scenario table (client-scenarios.c). */
struct kvcc_scenario {
    const char *group, *name;
    const char *what; /* one line: what it checks */
    void (*run)(struct kvcc_sc *s);
};
extern const struct kvcc_scenario kvcc_scenarios[];
extern const size_t kvcc_nscenarios;

#endif
