/* authz-common.h: what the test-http-authz-*.c suites share. Together they test authorization
 * per vault (issue 3 part 1, DESIGN.md §6-§7, spec/keyvault-secrets.md §2) over real HTTPS
 * against the embedded server:
 *  - access policies: every operation x {its permission alone, every permission but it}, plus
 *    "all", no entry, and compound entries (applicationId), with the exact AccessDenied body;
 *  - RBAC: every built-in role x every operation x scope {vault, the secret the operation
 *    targets, another secret}, with the exact ForbiddenByRbac body or the assignment-id header;
 *  - denial -> grant through the control API -> success, with the one explanation line;
 *  - --authz audit and off;
 *  - GET /_mock/authz/needed;
 *  - the control API's answers to bad input.
 *
 * The subject is the automation-flow app, whose access policy / role assignments each case
 * replaces through the control API. The matrices share one server per TCase, back to the fixture
 * before every case (checked POST /_mock/reset), and work on secrets the fixtures have (a live
 * and a soft-deleted one) plus a backup blob taken with the admin token at start-up. Every
 * denial must also leave exactly one explanation line in the log, and an allowed request none.
 *
 * Failure messages print statuses, error codes, denial bodies and log lines (none of which
 * carries a secret value), never a body that may hold a value, and never a token. */
#ifndef MV_AUTHZ_COMMON_H
#define MV_AUTHZ_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define RBAC "rbac-demo.localhost"
#define KV_SCOPE "https://vault.azure.net/.default"

#define T_ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define T_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define T_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define T_NOACCESS_SECRET "noaccess-client-secret"
#define T_NOACCESS_OID "cccccccc-0000-0000-0000-0000000000c3"
#define OTHER_TENANT "99999999-2222-2222-2222-222222222222"

/* The secrets the matrix operations target, all in both fixtures (default.json's demo and
 * test-rbac.json's rbac-demo) or, for the restore, made free again by the reset: a live secret, a
 * soft-deleted one, and the name inside the backup blob. Another secret no operation touches. */
#define LIVE "api-key"
#define DELETED "old-secret"
#define RESTORED "authz-restore"
#define OTHER "authz-other"

/* A secret the single cases make themselves. */
#define TARGET "authz-target"

#define ACT "Microsoft.KeyVault/vaults/secrets/"
#define RESOURCE_VAULT                                                                             \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/providers/"      \
    "microsoft.keyvault/vaults/rbac-demo"

#define ADMIN_POLICY "{\"objectId\":\"" T_ADMIN_OID "\",\"permissions\":{\"secrets\":[\"all\"]}}"
#define ADMIN_ROLE                                                                                 \
    "{\"principalId\":\"" T_ADMIN_OID "\",\"role\":\"Key Vault Administrator\",\"scope\":\"/\"}"

/* The server of the running TCase, the admin and automation-flow tokens for it, and its log
 * (authz-common.c owns them; the fixtures below set and free them). */
extern struct mv_server *srv;
extern char *admin_tok, *flow_tok;
extern FILE *log_fp;

/* ---- The expectations, written from the spec (not from the server's tables) ---- */

enum pre {
    PRE_LIVE,    /* targets LIVE */
    PRE_DELETED, /* targets DELETED */
    PRE_RESTORE, /* restores the backup of RESTORED taken at start-up */
};

/* Access-policy permissions per REST reference ("This operation requires the secrets/<p>
 * permission"); RBAC data actions per spec §2: get -> getSecret, list/metadata -> readMetadata,
 * set -> setSecret, delete -> delete, recover/backup/restore/purge -> their own. on_secret: the
 * resource is the one secret the operation targets, so an assignment at /secrets/{that name}
 * applies; list, list-deleted and restore are vault-level. */
struct op {
    const char *name, *method, *path; /* "{}" in path stands for the secret name */
    enum pre pre;
    const char *body; /* NULL: no body; PRE_RESTORE sends the backup blob */
    long ok_status;
    const char *perm;
    const char *action; /* after ACT */
    bool on_secret;
};
/* The twelve secret operations (authz-common.c checks the count). */
#define NOPS 12
extern const struct op ops[NOPS];

/* The secret o works on (for a restore, the one inside the blob). */
const char *op_target(const struct op *o);
/* The exact spec §2 bodies. */
void access_denied_body(char *out, size_t n, const char *appid, const char *oid, const char *perm,
                        const char *vault);
void rbac_denied_body(char *out, size_t n, const char *appid, const char *oid, const char *action,
                      const char *secret);
/* The explanation line of a denial of o for the flow principal (after the log prefix). */
void explain_line(char *out, size_t n, const char *vault, const struct op *o, const char *needs,
                  const char *holds, const char *change);

/* ---- Requests (one kept-alive connection per server) and control calls ---- */

/* hc_req's contract (aborts the test when there is no HTTP answer) over a kept-alive handle. */
void kreq(struct mv_server *server, const char *method, const char *host, const char *path,
          const char *token, const char *const *headers, const char *body, struct mvt_resp *out);
/* The body of GET /_mock/state (caller frees). */
char *state_of(void);
/* The status of POST /_mock/reset. */
long reset_status(void);
/* Asserts one admin request's status; keeps the answer in keep when not NULL. */
void admin_call(const char *host, const char *method, const char *path, const char *body, long want,
                const char *what, struct mvt_resp *keep);
/* Sends o as the holder of tok. */
void run_op(const char *host, const struct op *o, const char *tok, struct mvt_resp *out);
/* PUT /_mock/vaults/{vault}/{key} with json; asserts 200. */
void put_access(const char *vault, const char *key, const char *json);
bool is_hex32(const char *s);
/* Asserts that got equals the JSON text want. */
void assert_json_eq(const cJSON *got, const char *want, const char *what);

/* ---- The server's log ---- */

/* The log from byte offset from on (caller frees). */
char *read_log(size_t from);
/* Number of lines of log containing needle; the first one is copied into line. */
int log_lines(const char *log, const char *needle, char *line, size_t n);
size_t log_size(void);
/* Asserts that line ends with want (the text after the timestamp and "mockvault: " prefix). */
void assert_line_ends_with(const char *line, const char *want, const char *what);
/* Asserts the log since mark: no authz line when explain is NULL, else exactly one, ending with
 * explain. */
void assert_explained(size_t mark, const char *explain, const char *what);

/* ---- Fixtures ---- */

/* One server per TCase (unchecked) on default.json or test-rbac.json, stopped by shared_stop. */
void shared_default(void);
void shared_rbac(void);
void shared_stop(void);
/* Checked: every case starts from the loaded fixture (secrets, policies, usage record). */
void reset(void);
/* A server of its own with a captured log, per authz mode; stopped by logged_stop. */
void logged_enforce(void);
void logged_audit(void);
void logged_off(void);
void logged_stop(void);

/* A TCase on one server its cases share (start: shared_default or shared_rbac), back to the
 * fixture (checked POST /_mock/reset) before every case. */
TCase *shared_tcase(const char *name, void (*start)(void));
/* A TCase whose cases each start a server of their own with a captured log (start:
 * logged_enforce, logged_audit or logged_off). */
TCase *logged_tcase(const char *name, void (*start)(void));

/* Runs the suite for main() in this process (authz-common.c says why). */
int authz_run(Suite *s);

#endif
