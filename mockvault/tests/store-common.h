/* store-common.h: what the test-store-*.c suites share. Together they are the unit tests of the
 * store: every operation and error code, names, versions, paging, soft delete, purges,
 * backup/restore and the persist hook. */
#ifndef MV_STORE_COMMON_H
#define MV_STORE_COMMON_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "testlib.h"

#define T0 1700000000
#define DAY 86400

struct persist_counter {
    int calls;
    int fail; /* nonzero: the hook reports failure */
    size_t last_nsecrets;
};

/* strdup that fails the test when out of memory. */
char *xstrdup(const char *s);
/* Two vaults: "demo" (90 days, purgeable) and "locked" (7 days, purge protection), plus one
 * tenant with one app, enough for the lookup helpers. Caller frees with mv_data_free. */
struct mv_data *make_data(void);
/* A store on make_data(). */
struct mv_store *make_store(void);
/* Sets name in vault to value at now; the set must succeed. */
void set_value(struct mv_store *st, const char *vault, const char *name, const char *value,
               int64_t now);
/* A persist hook counting its calls into ctx, a struct persist_counter. */
int count_persist(void *ctx, const struct mv_data *d);

#endif
