/* router.h: the dispatcher. Families register their operation tables (op.h) at server start; for
 * each request the dispatcher finds the operation, runs the shared checks in order (vault by Host,
 * bearer token, api-version, faults, throttle, body size, authorization, loopback for the control
 * API) and then the handler. */
#ifndef MV_ROUTER_H
#define MV_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "op.h"

/* The operation tables of a server, in registration order. */
struct mv_ops;

struct mv_ops *mv_ops_create(void);
void mv_ops_destroy(struct mv_ops *ops); /* accepts NULL */
/* Adds a table (ended by MV_OP_END; borrowed, outlives ops). Returns false when out of memory. */
bool mv_ops_add(struct mv_ops *ops, const struct mv_op *table);
/* True when some operation has this REST operation id (case-insensitive): the names fault rules
 * may match on. The control API's own operations are not among them: it is never faulted. */
bool mv_ops_known(void *ops, const char *name);

/* Matches path against pattern; on success stores up to 3 captures (malloc'd, caller frees) and
 * returns true. caps may be NULL to test for a match without allocating. */
bool mv_route_match(const char *pattern, const char *path, char *caps[3]);

/* Runs the shared checks and the handler, always queueing a response (or dropping the
 * connection for a fault rule that says so). */
enum MHD_Result mv_router_dispatch(struct mv_req *r);

/* The one "request finished" point (the server's finished hook): writes the request's journal
 * entry and its log line from one record. */
void mv_router_finished(struct mv_req *r);

/* Supported Key Vault api-versions (DESIGN.md §5) and the latest. */
bool mv_api_version_supported(const char *v);
extern const char *const mv_api_version_latest;

#endif
