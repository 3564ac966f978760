/* persist.h: the state of --state-dir in SQLite (state.db; docs/persistence.md). Each object of a
 * vault (a secret, a key, a certificate: every version, as GET /_mock/state writes the entry) is
 * one row, each vault's own settings another, and the tenants, attestation authorities and default
 * vault a third kind, so a write saves the rows it changed and its cost does not grow with the
 * state. The store hands over what changed (struct mv_change, store.h) under its write lock; the
 * rows are copied then, committed by one committer thread in the order they were queued (several
 * writers' rows share one transaction and one fsync), and the write is acknowledged only once its
 * rows are durable (WAL, synchronous=FULL). Readers never wait for a commit. */
#ifndef MV_PERSIST_H
#define MV_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "log.h"
#include "store.h"

struct mv_persist;

/* The database's file name in the state dir, and the names the JSON snapshot of earlier versions
 * had and gets once migrated. */
#define MV_PERSIST_DB "state.db"
#define MV_PERSIST_JSON "state.json"
#define MV_PERSIST_JSON_MIGRATED "state.json.migrated"

/* Opens dir/state.db (created 0600, as are its -wal and -shm files) and starts its committer.
 * clock gives "now" to the loader, log receives the notices (never a value); both are borrowed
 * and must outlive p. Returns 0 with *out set, or -1 with a message in err. */
int mv_persist_open(const char *dir, struct mv_clock *clock, struct mv_log *log,
                    struct mv_persist **out, char *err, size_t errlen);
/* Stops the committer once every queued row is committed, and closes the database. Accepts
 * NULL. The store it was attached to must not write any more. */
void mv_persist_close(struct mv_persist *p);

/* The state saved in the database: *out = NULL when it holds none yet (a new state dir). Returns
 * 0, or -1 with a message in err when it cannot be read or does not parse. Caller frees *out with
 * mv_data_free. */
int mv_persist_load(struct mv_persist *p, struct mv_data **out, char *err, size_t errlen);
/* Replaces whatever the database holds by d, durably, in one transaction (the first state of a
 * state dir, a migration). Returns 0, or -1 with a message in err. */
int mv_persist_save_all(struct mv_persist *p, const struct mv_data *d, char *err, size_t errlen);

/* Migrates the JSON snapshot json_path (state.json of an earlier version): parses it, saves it
 * with mv_persist_save_all, and only then renames it to migrated_path (kept, never read again).
 * Returns 0 with *out the state (caller frees), or -1 with a message in err, leaving the file. */
int mv_persist_migrate(struct mv_persist *p, const char *json_path, const char *migrated_path,
                       struct mv_data **out, char *err, size_t errlen);

/* Makes st save every change through p (mv_store_set_persist_ops). */
void mv_persist_attach(struct mv_persist *p, struct mv_store *st);

/* ---- persist-rows.c: rows to and from the state's JSON (internal to the two files) ---- */

enum mv_row_op { MV_ROW_UPSERT = 0, MV_ROW_DELETE, MV_ROW_CLEAR };
struct mv_row {
    enum mv_row_op op;
    const char *kind; /* "root", "vault" or a family's word ("secret", "key", ...); static */
    char vault[32];   /* lower-cased; "" for the root row */
    char name[128];   /* lower-cased object name; "" for root and vault rows */
    int64_t ord;      /* vault rows: the vault's place in the document */
    int deleted;      /* object rows: soft-deleted */
    char *body;       /* owned, UPSERT only: the entry's JSON; wiped when freed (values, keys) */
};
struct mv_rows {
    struct mv_row *items;
    size_t n, cap;
};
/* Appends to rows the rows that changes name, read from d. Returns 0, or -1 when out of memory
 * (rows then holds what was appended before; free it with mv_rows_finish). */
int mv_rows_for_changes(const struct mv_data *d, const struct mv_change *changes, size_t n,
                        struct mv_rows *rows);
void mv_rows_finish(struct mv_rows *rows); /* frees and wipes the bodies; accepts NULL */

/* The document a load rebuilds from rows (in any order: root, vaults, objects). */
struct mv_rows_doc;
struct mv_rows_doc *mv_rows_doc_new(void);
/* Adds one row as read from the database; -1 (with err) when its body is not JSON or it names a
 * vault or kind that does not exist. */
int mv_rows_doc_add(struct mv_rows_doc *doc, const char *kind, const char *vault, int64_t ord,
                    int deleted, const char *body, char *err, size_t errlen);
/* The state the rows make (parsed as the mock's own snapshot), or NULL with err filled. NULL
 * without a message when there was no root row (an empty database). */
struct mv_data *mv_rows_doc_finish(struct mv_rows_doc *doc, const char *source, int64_t now,
                                   char *err, size_t errlen);
void mv_rows_doc_free(struct mv_rows_doc *doc); /* accepts NULL */

#endif
