/* consistency.h: Key Vault's eventual consistency (--consistency azure) and short pages
 * (--paging azure), docs/consistency.md.
 *
 * The store applies every delete, recover and purge at once and durably; what lags, on the real
 * service, is what readers see. So the lag is kept apart from the data, as a table of pending
 * transitions keyed by vault, object family and lower-cased name, each with a due time on the mock
 * clock drawn from the seeded stream. The store's shared finders and listings (store.c,
 * store-objects.c, store-list.c) consult it, so every family that uses them gets the same
 * behaviour; advancing the mock clock past a due time completes the transition. Pending
 * transitions are never persisted: after a restart everything is settled. Thread-safe. */
#ifndef MV_CONSISTENCY_H
#define MV_CONSISTENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "store.h"

/* A transition readers do not see yet. */
enum mv_cx_kind {
    MV_CX_NONE = 0,
    MV_CX_DELETE,  /* deleted in the store; neither live nor deleted to readers */
    MV_CX_RECOVER, /* live in the store; not live yet, and its deleted entry is being recovered */
    MV_CX_PURGE,   /* gone from the store; the name cannot be reused yet */
};
/* "delete", "recover", "purge" ("" for MV_CX_NONE). */
const char *mv_cx_kind_name(enum mv_cx_kind k);

/* Recorded delays: 404 on GET /deletedsecrets/N for about 5 s after a delete, on /deletedkeys/N
 * and /deletedcertificates/N for about 2 s, 404 on the live name 1 to 2 s after a recover
 * (spec/keyvault-secrets.md §1, keyvault-keys.md §3.4, keyvault-certificates.md §3). */
#define MV_CX_DELAY_MIN_MS 1000u
#define MV_CX_DELAY_MAX_MS 5000u
#define MV_CX_DELAY_LIMIT_MS 600000u /* the largest delay accepted: ten minutes */

struct mv_consist_config {
    bool azure;              /* --consistency azure; false = instant (the default) */
    unsigned min_ms, max_ms; /* --consistency-delay, min <= max <= MV_CX_DELAY_LIMIT_MS */
    bool paging_azure;       /* --paging azure: short and empty pages with a nextLink */
};

/* Fills cfg with the defaults: instant, the recorded delay range, full pages. */
void mv_consist_defaults(struct mv_consist_config *cfg);

/* Parses "MIN-MAX" (milliseconds) into cfg. False when it is not two whole numbers with
 * MIN <= MAX <= MV_CX_DELAY_LIMIT_MS. */
bool mv_consist_parse_delay(const char *s, struct mv_consist_config *cfg);

struct mv_consist;

/* A table that reads due times from clock (borrowed; it must outlive the table) and draws delays
 * and page sizes from a stream derived from seed (apart from the id stream, so that turning the
 * mode on changes no version id). cfg is also what mv_consist_reset goes back to. NULL when out of
 * memory. */
struct mv_consist *mv_consist_create(struct mv_clock *clock, const struct mv_consist_config *cfg,
                                     uint64_t seed);
void mv_consist_destroy(struct mv_consist *cx); /* accepts NULL */

void mv_consist_get(struct mv_consist *cx, struct mv_consist_config *out);
/* Changes the settings; turning azure off settles every pending transition. */
void mv_consist_set(struct mv_consist *cx, const struct mv_consist_config *cfg);
/* Back to the settings given at creation, nothing pending, the delay stream restarted (reset). */
void mv_consist_reset(struct mv_consist *cx);
/* Settles every pending transition now (the store's state is replaced, or a test asks). */
void mv_consist_settle(struct mv_consist *cx);

/* Records that name of family t in vault has just gone through kind. Does nothing in instant
 * mode or with a NULL cx. Replaces a transition still pending on the name. */
void mv_consist_record(struct mv_consist *cx, enum mv_objtype t, const char *vault,
                       const char *name, enum mv_cx_kind kind);
/* The transition pending on the name, MV_CX_NONE when none (or cx is NULL). Cheap when nothing is
 * pending. */
enum mv_cx_kind mv_consist_pending(struct mv_consist *cx, enum mv_objtype t, const char *vault,
                                   const char *name);

/* One pending transition, for GET /_mock/consistency. */
struct mv_cx_pending {
    char vault[80];
    enum mv_objtype type;
    char name[128]; /* lower-cased */
    enum mv_cx_kind kind;
    double since, due; /* mock-clock unix seconds */
};
/* The pending transitions, oldest first, in a malloc'd array the caller frees (*out NULL when
 * there are none). Returns the count, or (size_t)-1 when out of memory. */
size_t mv_consist_list(struct mv_consist *cx, struct mv_cx_pending **out);

/* The seed of the page draws (--paging azure): fixed for a table's life, so the same list request
 * gets the same pages. */
uint64_t mv_consist_page_seed(struct mv_consist *cx);

#endif
