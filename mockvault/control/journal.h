/* journal.h: the request journal behind GET/DELETE /_mock/requests (DESIGN.md §7) and the
 * --audit-log file. Bounded and in memory: the newest MV_JOURNAL_MAX entries, oldest first.
 * An entry holds only fields that are safe by construction (method, path without query, vault,
 * operation, principal ids, status, error code, algorithm name, latency, request ids): never
 * bodies, query strings, headers, values, tokens or client secrets. An entry of a request a fault
 * rule acted on has "fault": the rule's id; a dropped connection is recorded with status 0 and
 * errorCode "ConnectionDropped". */
#ifndef MV_JOURNAL_H
#define MV_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct cJSON;
struct mv_journal;

#define MV_JOURNAL_MAX 10000

/* What GET /_mock/requests selects; NULL / has_* false = no condition. */
struct mv_journal_filter {
    const char *operation; /* exact, case-insensitive */
    const char *vault;     /* exact, case-insensitive */
    const char *principal; /* appid or oid, case-insensitive */
    bool has_status;
    unsigned status;
    bool has_since;
    double since; /* mock-clock unix seconds: entries at or after */
};

/* audit_path: append every entry to this file as one JSON line (NULL = none). Returns NULL with a
 * message in err when the file cannot be opened or memory runs out. */
struct mv_journal *mv_journal_create(const char *audit_path, char *err, size_t errlen);
void mv_journal_destroy(struct mv_journal *j); /* accepts NULL */

/* An entry is a struct mv_request_record (log.h), borrowed and copied by mv_journal_add: the
 * dispatcher builds one when a request finishes and hands it to the log and here. It has, on
 * purpose, no field that could hold a body, a value, a header or a token. */
/* Appends e to the ring (dropping the oldest entry when full) and to the audit log. Returns 0, or
 * the errno of an audit-log write failure that has not been reported yet (the caller reports it
 * once); an entry that cannot be allocated is dropped silently, as a journal must never fail a
 * request. /_mock/ requests are the caller's to skip. */
int mv_journal_add(struct mv_journal *j, const struct mv_request_record *e);
void mv_journal_clear(struct mv_journal *j);
/* {"value":[...]} of the matching entries, oldest first; NULL when out of memory. */
struct cJSON *mv_journal_query(struct mv_journal *j, const struct mv_journal_filter *f);

/* fn(ctx) is called after every add and clear, outside the journal's lock (the console's live
 * stream, net/stream.h, is woken by it); NULL = none. It must be cheap: it runs on every request.
 */
void mv_journal_set_notify(struct mv_journal *j, void (*fn)(void *ctx), void *ctx);

/* Where a reader of the live stream is. Every entry ever added has a sequence number, 1 for the
 * first, never reused: a clear does not restart them. Start with all fields zero (or after = the
 * sequence number of the last entry already seen). */
struct mv_journal_cursor {
    uint64_t after;   /* in/out: the newest sequence number read (or passed over) */
    uint64_t clears;  /* in/out: how many clears the reader has seen */
    bool started;     /* in/out: false before the first call (which reports no clear) */
    bool cleared;     /* out: the journal was cleared since the previous call */
    uint64_t skipped; /* out: matching entries passed over (the reader fell behind max, or the
                         ring dropped them before it read them) */
};

/* The entries matching f (NULL = all) added after c->after, oldest first, as a JSON array of
 * entries with an extra "seq" field; at most max of them, the newest, the rest counted in
 * c->skipped. Advances c past everything examined. NULL when out of memory (c unchanged but for
 * skipped and cleared). */
struct cJSON *mv_journal_after(struct mv_journal *j, const struct mv_journal_filter *f,
                               struct mv_journal_cursor *c, size_t max);

#endif
