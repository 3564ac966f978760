/* router.h: the table-driven router. Each resource file exports a table of
 * {method, pattern, handler, kind, operation}; shared checks (vault by Host, bearer token,
 * api-version, body size) run before any vault handler. */
#ifndef MV_ROUTER_H
#define MV_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

typedef int (*mv_handler_fn)(struct mv_req *r);

/* Pattern segments: a literal, "{}" (one non-empty segment, captured), or "{?}" as the last
 * segment (an optional segment, captured as "" when empty or missing, so "/secrets/{}/{?}"
 * matches /secrets/n, /secrets/n/ and /secrets/n/v). A trailing '/' on a path is otherwise
 * ignored. */
struct mv_route {
    const char *method;
    const char *pattern;
    mv_handler_fn fn;
    enum mv_kind kind;
    const char *operation; /* REST operation id for the log and journal */
    bool needs_body;       /* handler reads a JSON body: the 1 MiB cap applies */
};

/* Route tables (NULL-pattern terminated), one per resource family. */
extern const struct mv_route mv_secrets_routes[];
extern const struct mv_route mv_identity_routes[];
extern const struct mv_route mv_control_routes[];
extern const struct mv_route mv_msi_routes[];
extern const struct mv_route mv_graph_routes[];
extern const struct mv_route mv_arm_routes[];

/* Matches path against pattern; on success stores up to 3 captures (malloc'd, caller frees) and
 * returns true. caps may be NULL to test for a match without allocating. */
bool mv_route_match(const char *pattern, const char *path, char *caps[3]);

/* Runs the shared checks and the handler, always queueing a response. Returns MHD_YES/MHD_NO. */
int mv_router_dispatch(struct mv_req *r);

/* True when some route has this REST operation id (case-insensitive): the names fault rules
 * may match on. */
bool mv_router_operation_known(const char *op);

/* Supported Key Vault api-versions (DESIGN.md §5) and the latest. */
bool mv_api_version_supported(const char *v);
extern const char *const mv_api_version_latest;

#endif
