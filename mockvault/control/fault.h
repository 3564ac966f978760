/* fault.h: fault-injection rules behind POST/GET/DELETE /_mock/faults (DESIGN.md §7): parsing and
 * validating a rule, matching a request against the rules, and the frequency counters (times,
 * every, probability from a seeded PRNG). Pure logic: no HTTP here; the router acts on the
 * action a rule returns (status body, delay, dropped connection, truncated body). */
#ifndef MV_FAULT_H
#define MV_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h" /* struct mv_fault_action: what the rule that fired asks the transport for */

struct cJSON;
struct mv_fault_set;
struct mv_delay_queue;

/* The endpoint kinds a rule's "endpoint" names. */
enum mv_fault_endpoint {
    MV_FAULT_EP_NONE = 0, /* a request of no kind rules apply to (control API, unknown paths) */
    MV_FAULT_EP_VAULT,
    MV_FAULT_EP_TOKEN, /* Entra ID token and discovery endpoints */
    MV_FAULT_EP_MSI,   /* managed identity endpoints */
    MV_FAULT_EP_GRAPH,
    MV_FAULT_EP_ARM,
};

#define MV_FAULT_MAX_RULES 1000     /* POST /_mock/faults refuses more live rules than this */
#define MV_FAULT_MAX_DELAY_MS 30000 /* delays stay well under the 60 s connection timeout */
#define MV_FAULT_MAX_RETRY_AFTER 86400

/* What one request looks like to the rules. Strings are borrowed for the call; NULL or "" means
 * unknown, and a rule that names that key then does not match. */
struct mv_fault_request {
    enum mv_fault_endpoint endpoint;
    const char *operation; /* REST operation id of the route, e.g. "GetSecret" */
    const char *vault;     /* vault name (vault requests only) */
    const char *appid;     /* principal: appid and oid of a bearer token, or the client_id of */
    const char *oid;       /* a token request (then in appid, oid NULL) */
    const char *path;      /* URL path without the query string */
};

/* Creates an empty rule set. seed drives the probability draws: each rule gets its own PRNG
 * stream derived from seed and the rule's id, so a rule's sequence of fire / no-fire decisions
 * depends only on the seed, its id and the requests it matched. op_known (may be NULL = accept
 * any name) tells which operation names exist (called with op_ctx), so a typo in a rule is a 400
 * instead of a rule that silently never fires. Returns NULL when out of memory. */
struct mv_fault_set *mv_fault_set_create(uint64_t seed, bool (*op_known)(void *ctx, const char *op),
                                         void *op_ctx);
void mv_fault_set_destroy(struct mv_fault_set *s); /* accepts NULL */

/* Parses one rule (the JSON text of DESIGN.md §7, len bytes at json, which need not be
 * NUL-terminated and are never read past) and adds it after the existing rules. Returns 0
 * with *id set; -1 with a message in err saying what to fix (unknown key, wrong type, value out of
 * range, no action, too many rules), and then nothing changed. */
int mv_fault_add_json(struct mv_fault_set *s, const char *json, size_t len, unsigned *id, char *err,
                      size_t errlen);
/* Removes rule id; false when there is no such rule. */
bool mv_fault_remove(struct mv_fault_set *s, unsigned id);
/* Removes every rule and restarts ids at 1, so a test that clears and adds rules sees the same
 * ids (and so the same probability streams) on every run. */
void mv_fault_clear(struct mv_fault_set *s);
/* True when there are no rules at all: the router's fast path. Lock-free. */
bool mv_fault_set_empty(struct mv_fault_set *s);

/* Tries the rules in the order they were added against q; the first one that matches and whose
 * frequency lets it fire wins, and later rules do not see the request. Rules that match without
 * firing (every, probability) still count the match. Returns true with *out filled when a rule
 * fired; false (and *out zeroed) otherwise. Spent rules (times reached) never match again. */
bool mv_fault_eval(struct mv_fault_set *s, const struct mv_fault_request *q,
                   struct mv_fault_action *out);

/* Delays (delayMs) run on a delay queue (delay.h) that holds the delayed request's connection
 * without holding a server thread. Attaching the queue ties delays to the rules: removing a rule
 * ends its delays at once, and clearing the rules (DELETE /_mock/faults, reset) ends them all, so
 * a test that clears its faults gets its delayed requests answered at once. q is borrowed: detach
 * it (NULL) or destroy the set before destroying q. */
void mv_fault_set_delays(struct mv_fault_set *s, struct mv_delay_queue *q);

enum mv_fault_delay {
    MV_FAULT_DELAY_HELD, /* hold(arg) was called; release(arg) follows when the delay ends */
    MV_FAULT_DELAY_GONE, /* rule id was removed meanwhile (or no queue): no delay, go on */
    MV_FAULT_DELAY_FULL, /* the queue holds its maximum (or is stopping): delay skipped */
};
/* Starts the delayMs of rule id for arg (a connection, to the server's queue callbacks). */
enum mv_fault_delay mv_fault_delay_hold(struct mv_fault_set *s, unsigned id, unsigned ms,
                                        void *arg);

/* {"value":[rule...]} in rule order: each rule as posted (only the keys it set) plus "id",
 * "matched" (matches counted), "fired", "spent" and, with "times", "remaining". NULL when out of
 * memory. Caller frees with cJSON_Delete. */
struct cJSON *mv_fault_list(struct mv_fault_set *s);

/* Case-insensitive glob: '*' matches any run of characters, '/' included; everything else matches
 * itself. Time linear in the text for any pattern; a pattern longer than a rule may hold (256)
 * never matches. Exposed for the unit tests. */
bool mv_fault_glob(const char *pattern, const char *text);

#endif
