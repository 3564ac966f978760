/* persist-sqlite.c: the state of --state-dir in SQLite (persist.h): the database, the commit queue
 * and its committer thread, loading, the first save and the migration of a JSON snapshot. */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

/* The schema's version in PRAGMA user_version: a database written by a newer layout is refused
 * rather than misread. */
#define SCHEMA_VERSION 1

/* One row per part of the state (persist.h): kind "root" (vault and name ""), "vault" (name "")
 * or a family's word; names lower-cased, so the key is case-insensitive as the model's names. */
static const char schema[] = "CREATE TABLE IF NOT EXISTS state ("
                             " kind TEXT NOT NULL,"
                             " vault TEXT NOT NULL,"
                             " name TEXT NOT NULL,"
                             " ord INTEGER NOT NULL DEFAULT 0,"
                             " deleted INTEGER NOT NULL DEFAULT 0,"
                             " body TEXT NOT NULL,"
                             " PRIMARY KEY (vault, kind, name));"
                             "PRAGMA user_version = 1;";

/* One write's rows, queued under the store's write lock and committed by the committer. */
struct pq_entry {
    struct mv_rows rows;
    struct pq_entry *next;
    int status; /* 0 queued, 1 durable, -1 not saved; the waiter frees the entry once it is set */
};

struct mv_persist {
    sqlite3 *db;
    sqlite3_stmt *upsert, *del;
    char *path;
    struct mv_clock *clock; /* borrowed */
    struct mv_log *log;     /* borrowed */
    pthread_mutex_t mu;     /* the queue, the flags, and the database outside the committer */
    pthread_cond_t work;    /* something queued, or stop */
    pthread_cond_t done;    /* a batch settled */
    struct pq_entry *head, *tail;
    bool busy;   /* the committer is committing a batch (the database is its) */
    bool broken; /* a commit failed: nothing is queued until reload put the store back */
    bool stop;
    bool started;
    pthread_t thread;
};

static int exec(struct mv_persist *p, const char *sql)
{
    return sqlite3_exec(p->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int step_row(struct mv_persist *p, const struct mv_row *r)
{
    sqlite3_stmt *s = r->op == MV_ROW_UPSERT ? p->upsert : p->del;
    int rc;

    if (r->op == MV_ROW_CLEAR)
        return exec(p, "DELETE FROM state");
    sqlite3_bind_text(s, 1, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->vault, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->name, -1, SQLITE_STATIC);
    if (r->op == MV_ROW_UPSERT) {
        sqlite3_bind_int64(s, 4, r->ord);
        sqlite3_bind_int(s, 5, r->deleted);
        sqlite3_bind_text(s, 6, r->body, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s); /* no pointer to a body outlives the row */
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Commits the rows of every entry of batch in one transaction. 0, or -1 (rolled back). */
static int commit_batch(struct mv_persist *p, struct pq_entry *batch)
{
    if (exec(p, "BEGIN IMMEDIATE") != 0)
        goto fail;
    for (struct pq_entry *e = batch; e != NULL; e = e->next) {
        for (size_t i = 0; i < e->rows.n; i++) {
            if (step_row(p, &e->rows.items[i]) != 0)
                goto fail;
        }
    }
    if (exec(p, "COMMIT") == 0)
        return 0;
fail:
    /* SQLite's message names the cause ("database or disk is full"), never a row's content. */
    mv_log_notice(p->log, "could not save state to %s: %s", p->path, sqlite3_errmsg(p->db));
    if (!sqlite3_get_autocommit(p->db))
        (void)exec(p, "ROLLBACK");
    return -1;
}

/* Marks the entries of list settled with status (their rows freed first); wakes nobody. */
static void settle(struct pq_entry *list, int status)
{
    while (list != NULL) {
        struct pq_entry *next = list->next; /* the waiter may free list once status is set */
        mv_rows_finish(&list->rows);
        list->status = status;
        list = next;
    }
}

static void *committer(void *arg)
{
    struct mv_persist *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->head == NULL && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->head == NULL)
            break; /* stop, with nothing left to commit */
        /* Everything queued so far goes in one transaction: writers that queued while the last
         * commit ran share this one's fsync. */
        struct pq_entry *batch = p->head;
        p->head = p->tail = NULL;
        p->busy = true;
        pthread_mutex_unlock(&p->mu);
        int rc = commit_batch(p, batch);
        pthread_mutex_lock(&p->mu);
        if (rc != 0) {
            /* What was queued meanwhile was built on the change that failed: it fails too, and
             * nothing more is queued until a reload put the store back to the rows on disk. */
            p->broken = true;
            settle(p->head, -1);
            p->head = p->tail = NULL;
        }
        settle(batch, rc == 0 ? 1 : -1);
        p->busy = false;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Caller holds p->mu with the committer idle and nothing queued. */
static int load_locked(struct mv_persist *p, struct mv_data **out, char *err, size_t errlen)
{
    static const char sql[] = "SELECT kind, vault, ord, deleted, body FROM state";
    struct mv_rows_doc *doc = mv_rows_doc_new();
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    *out = NULL;
    if (doc == NULL) {
        mv_set_err(err, errlen, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(p->db, sql, -1, &s, NULL) != SQLITE_OK)
        goto db_error;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (mv_rows_doc_add(doc, (const char *)sqlite3_column_text(s, 0),
                            (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 2),
                            sqlite3_column_int(s, 3), (const char *)sqlite3_column_text(s, 4), err,
                            errlen) != 0)
            goto out;
    }
    if (step != SQLITE_DONE)
        goto db_error;
    *out = mv_rows_doc_finish(doc, p->path, mv_clock_now(p->clock), err, errlen);
    rc = *out != NULL || err == NULL || errlen == 0 || err[0] == '\0' ? 0 : -1;
    goto out;
db_error:
    mv_set_err(err, errlen, "%s: cannot read: %s", p->path, sqlite3_errmsg(p->db));
out:
    sqlite3_finalize(s);
    mv_rows_doc_free(doc);
    return rc;
}

/* ---- The store's persistence ops ---- */

static int op_queue(void *ctx, const struct mv_data *d, const struct mv_change *changes, size_t n,
                    uint64_t *ticket)
{
    struct mv_persist *p = ctx;
    struct pq_entry *e = calloc(1, sizeof(*e));

    /* The rows are copied now, under the store's write lock: the cost of the objects changed. */
    if (e == NULL || mv_rows_for_changes(d, changes, n, &e->rows) != 0) {
        if (e != NULL)
            mv_rows_finish(&e->rows);
        free(e);
        mv_log_notice(p->log, "could not save state to %s: out of memory", p->path);
        pthread_mutex_lock(&p->mu);
        p->broken = true; /* the change is in memory only: reload undoes it */
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    pthread_mutex_lock(&p->mu);
    if (p->broken) {
        pthread_mutex_unlock(&p->mu);
        mv_rows_finish(&e->rows);
        free(e);
        return -1;
    }
    if (p->tail != NULL)
        p->tail->next = e;
    else
        p->head = e;
    p->tail = e;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    *ticket = (uint64_t)(uintptr_t)e;
    return 0;
}

static int op_wait(void *ctx, uint64_t ticket)
{
    struct mv_persist *p = ctx;
    struct pq_entry *e = (struct pq_entry *)(uintptr_t)ticket;
    int status;

    pthread_mutex_lock(&p->mu);
    while (e->status == 0)
        pthread_cond_wait(&p->done, &p->mu);
    status = e->status;
    pthread_mutex_unlock(&p->mu);
    free(e);
    return status > 0 ? 0 : -1;
}

static struct mv_data *op_reload(void *ctx)
{
    struct mv_persist *p = ctx;
    struct mv_data *d = NULL;
    char err[256] = "";

    /* The store's write lock is held, so nothing new is queued: wait for the committer to settle
     * what it has, then read the rows it left, which hold every write acknowledged. */
    pthread_mutex_lock(&p->mu);
    while (p->busy || p->head != NULL)
        pthread_cond_wait(&p->done, &p->mu);
    if (p->broken) {
        if (load_locked(p, &d, err, sizeof err) == 0 && d != NULL)
            p->broken = false;
        else
            mv_log_notice(p->log, "the change that could not be saved stays in memory: %s",
                          err[0] != '\0' ? err : "no saved state");
    }
    pthread_mutex_unlock(&p->mu);
    return d;
}

void mv_persist_attach(struct mv_persist *p, struct mv_store *st)
{
    static const struct mv_persist_ops ops = {
        .queue = op_queue,
        .wait = op_wait,
        .reload = op_reload,
    };
    mv_store_set_persist_ops(st, &ops, p);
}

/* ---- Opening, loading, the first save ---- */

static int open_db(struct mv_persist *p, char *err, size_t errlen)
{
    int fd, version = -1;
    sqlite3_stmt *s = NULL;

    /* Created here with mode 0600 whatever the umask: SQLite gives its -wal and -shm files the
     * database file's mode. */
    fd = open(p->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        mv_set_err(err, errlen, "%s: cannot create: %s", p->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    if (sqlite3_open_v2(p->path, &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK)
        goto db_error;
    sqlite3_busy_timeout(p->db, 5000); /* someone inspecting it with the sqlite3 shell */
    /* WAL: a commit appends to the log and fsyncs it (synchronous=FULL: durable when COMMIT
     * returns). secure_delete=FAST zeroes what a change frees when it costs no extra write. */
    if (sqlite3_prepare_v2(p->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0)
        goto db_error;
    sqlite3_finalize(s);
    s = NULL;
    if (exec(p, "PRAGMA synchronous=FULL") != 0 || exec(p, "PRAGMA secure_delete=FAST") != 0)
        goto db_error;
    if (sqlite3_prepare_v2(p->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        goto db_error;
    version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    if (version > SCHEMA_VERSION) {
        mv_set_err(err, errlen, "%s: written by a newer mockvault (schema %d, this one reads %d)",
                   p->path, version, SCHEMA_VERSION);
        return -1;
    }
    /* A start on an existing database writes nothing. */
    if (version == 0 && exec(p, schema) != 0)
        goto db_error;
    if (sqlite3_prepare_v2(p->db,
                           "INSERT INTO state (kind, vault, name, ord, deleted, body)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (vault, kind, name)"
                           " DO UPDATE SET ord = excluded.ord, deleted = excluded.deleted,"
                           " body = excluded.body",
                           -1, &p->upsert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(p->db, "DELETE FROM state WHERE kind = ?1 AND vault = ?2 AND name = ?3",
                           -1, &p->del, NULL) != SQLITE_OK)
        goto db_error;
    return 0;
db_error:
    mv_set_err(err, errlen, "%s: %s", p->path,
               p->db != NULL ? sqlite3_errmsg(p->db) : "cannot open the database");
    sqlite3_finalize(s);
    return -1;
}

int mv_persist_open(const char *dir, struct mv_clock *clock, struct mv_log *log,
                    struct mv_persist **out, char *err, size_t errlen)
{
    struct mv_persist *p = calloc(1, sizeof(*p));
    size_t len = strlen(dir) + sizeof(MV_PERSIST_DB) + 2;

    *out = NULL;
    if (p == NULL || (p->path = malloc(len)) == NULL) {
        free(p);
        mv_set_err(err, errlen, "out of memory");
        return -1;
    }
    snprintf(p->path, len, "%s/%s", dir, MV_PERSIST_DB);
    p->clock = clock;
    p->log = log;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (open_db(p, err, errlen) != 0)
        goto fail;
    if (pthread_create(&p->thread, NULL, committer, p) != 0) {
        mv_set_err(err, errlen, "cannot start the committer thread");
        goto fail;
    }
    p->started = true;
    *out = p;
    return 0;
fail:
    mv_persist_close(p);
    return -1;
}

void mv_persist_close(struct mv_persist *p)
{
    if (p == NULL)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    sqlite3_finalize(p->upsert);
    sqlite3_finalize(p->del);
    /* The last connection checkpoints the log into the database and removes it. */
    sqlite3_close(p->db);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p->path);
    free(p);
}

int mv_persist_load(struct mv_persist *p, struct mv_data **out, char *err, size_t errlen)
{
    int rc;

    pthread_mutex_lock(&p->mu);
    while (p->busy || p->head != NULL)
        pthread_cond_wait(&p->done, &p->mu);
    rc = load_locked(p, out, err, errlen);
    pthread_mutex_unlock(&p->mu);
#ifdef __GLIBC__
    /* The rows' JSON trees were many small blocks between the state's own: give the free pages
     * among them back, or a start on a large state keeps them resident. */
    malloc_trim(0);
#endif
    return rc;
}

int mv_persist_save_all(struct mv_persist *p, const struct mv_data *d, char *err, size_t errlen)
{
    static const struct mv_change all = {.kind = MV_CHANGE_ALL};
    uint64_t ticket;

    if (op_queue(p, d, &all, 1, &ticket) != 0 || op_wait(p, ticket) != 0) {
        mv_set_err(err, errlen, "%s: cannot write the state: %s", p->path, sqlite3_errmsg(p->db));
        return -1;
    }
    return 0;
}

int mv_persist_migrate(struct mv_persist *p, const char *json_path, const char *migrated_path,
                       struct mv_data **out, char *err, size_t errlen)
{
    struct mv_data *d = mv_state_load_snapshot(json_path, mv_clock_now(p->clock), err, errlen);

    *out = NULL;
    if (d == NULL)
        return -1;
    /* The rows are durable before the old file moves: a crash in between leaves both, and the
     * next start reads the database (a notice names the file left behind). */
    if (mv_persist_save_all(p, d, err, errlen) != 0) {
        mv_data_free(d);
        return -1;
    }
    if (rename(json_path, migrated_path) != 0)
        mv_log_notice(p->log, "%s: migrated, but cannot be renamed to %s: %s", json_path,
                      migrated_path, strerror(errno));
    *out = d;
    return 0;
}
