/* journal.c: the bounded request journal (a ring of the newest MV_JOURNAL_MAX entries under one
 * mutex) and the --audit-log JSON-lines file. */
#include "journal.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CRID_MAX 256 /* longest client request id kept */

struct entry {
    double time; /* mock clock */
    double latency_ms;
    unsigned status;
    bool would_deny; /* allowed only because of --authz audit */
    unsigned fault;  /* id of the /_mock/faults rule that fired, 0 = none */
    char method[16];
    char *path; /* owned, no query string */
    char vault[64];
    char operation[64];
    char appid[64];
    char oid[64];
    char error_code[64];
    char algorithm[32]; /* a crypto operation's algorithm name, "" = none */
    char detail[64];    /* a mock-clock event's detail, "" = none */
    char *crid;         /* owned, NULL if absent */
    char request_id[37];
    char *explanation; /* owned, NULL unless a denial or would-be denial */
    char *fix;         /* owned JSON text of the smallest change, NULL likewise */
};

struct mv_journal {
    pthread_mutex_t lock;
    struct entry *ring; /* MV_JOURNAL_MAX slots */
    size_t head;        /* index of the oldest entry */
    size_t count;
    FILE *audit;       /* --audit-log, or NULL */
    bool audit_failed; /* a write failure was reported already */
    /* Sequence numbers for the live stream: the newest entry ever added has last_seq (the entry
     * at ring index i has last_seq - count + 1 + i, so entries need not store it); cleared_seq is
     * last_seq at the latest clear and clears counts them. */
    uint64_t last_seq, cleared_seq, clears;
    void (*notify)(void *ctx); /* called after every add and clear, outside the lock */
    void *notify_ctx;
};

/* x rounded to 1/scale (x >= 0). */
static double round_to(double x, double scale)
{
    return (double)(long long)(x * scale + 0.5) / scale;
}

/* src cut to fit n bytes, as snprintf "%s" cuts it, without the formatting: eight fields are
 * copied for every request. */
static void copy(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;

    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

static void entry_free(struct entry *e)
{
    free(e->path);
    free(e->crid);
    free(e->explanation);
    free(e->fix);
    memset(e, 0, sizeof *e);
}

struct mv_journal *mv_journal_create(const char *audit_path, char *err, size_t errlen)
{
    struct mv_journal *j = calloc(1, sizeof *j);

    if (!j || !(j->ring = calloc(MV_JOURNAL_MAX, sizeof *j->ring))) {
        free(j);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (audit_path) {
        int fd = open(audit_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || !(j->audit = fdopen(fd, "a"))) {
            snprintf(err, errlen, "%s: cannot open the audit log: %s", audit_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(j->ring);
            free(j);
            return NULL;
        }
    }
    pthread_mutex_init(&j->lock, NULL);
    return j;
}

void mv_journal_destroy(struct mv_journal *j)
{
    if (!j)
        return;
    /* Not mv_journal_clear: nothing is told of this, the server stops the streams first. */
    for (size_t i = 0; i < MV_JOURNAL_MAX; i++)
        entry_free(&j->ring[i]);
    if (j->audit)
        fclose(j->audit);
    pthread_mutex_destroy(&j->lock);
    free(j->ring);
    free(j);
}

void mv_journal_clear(struct mv_journal *j)
{
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < MV_JOURNAL_MAX; i++)
        entry_free(&j->ring[i]);
    j->head = j->count = 0;
    j->cleared_seq = j->last_seq;
    j->clears++;
    pthread_mutex_unlock(&j->lock);
    if (j->notify)
        j->notify(j->notify_ctx);
}

void mv_journal_set_notify(struct mv_journal *j, void (*fn)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&j->lock);
    j->notify = fn;
    j->notify_ctx = ctx;
    pthread_mutex_unlock(&j->lock);
}

static cJSON *entry_json(const struct entry *e)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "time", round_to(e->time, 1e6));
    cJSON_AddStringToObject(o, "method", e->method);
    cJSON_AddStringToObject(o, "path", e->path ? e->path : "");
    cJSON_AddStringToObject(o, "vault", e->vault);
    cJSON_AddStringToObject(o, "operation", e->operation);
    cJSON_AddStringToObject(o, "appid", e->appid);
    cJSON_AddStringToObject(o, "oid", e->oid);
    cJSON_AddNumberToObject(o, "status", e->status);
    cJSON_AddStringToObject(o, "errorCode", e->error_code);
    cJSON_AddNumberToObject(o, "latencyMs", round_to(e->latency_ms, 1e3));
    cJSON_AddStringToObject(o, "clientRequestId", e->crid ? e->crid : "");
    cJSON_AddStringToObject(o, "requestId", e->request_id);
    if (e->would_deny)
        cJSON_AddStringToObject(o, "authz", "would-deny");
    if (e->fault)
        cJSON_AddNumberToObject(o, "fault", e->fault);
    /* Only on crypto operations, like "authz" and "fault" only where they apply. */
    if (e->algorithm[0])
        cJSON_AddStringToObject(o, "algorithm", e->algorithm);
    /* Only on denials and would-be denials: what the console shows and its fix button sends. */
    if (e->explanation)
        cJSON_AddStringToObject(o, "explanation", e->explanation);
    if (e->fix) {
        cJSON *fix = cJSON_Parse(e->fix);
        if (fix)
            cJSON_AddItemToObject(o, "fix", fix);
    }
    if (e->detail[0])
        cJSON_AddStringToObject(o, "detail", e->detail);
    return o;
}

/* Appends one line to the audit log; 0, or an errno value on failure. Called under the lock. */
static int audit_write(struct mv_journal *j, const struct entry *e)
{
    cJSON *o = entry_json(e);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    int rc = 0;

    errno = 0;
    if (!text)
        rc = ENOMEM;
    else if (fputs(text, j->audit) < 0 || fputc('\n', j->audit) == EOF || fflush(j->audit) != 0)
        rc = errno ? errno : EIO;
    cJSON_Delete(o);
    free(text);
    if (rc)
        clearerr(j->audit);
    return rc;
}

int mv_journal_add(struct mv_journal *j, const struct mv_request_record *in)
{
    struct entry e = {0}, *slot;
    int werr = 0;

    e.time = in->time;
    e.latency_ms = in->latency_ms;
    e.status = in->status;
    e.would_deny = in->would_deny;
    e.fault = in->fault;
    copy(e.method, sizeof e.method, in->method);
    copy(e.vault, sizeof e.vault, in->vault);
    copy(e.operation, sizeof e.operation, in->operation);
    copy(e.appid, sizeof e.appid, in->appid);
    copy(e.oid, sizeof e.oid, in->oid);
    copy(e.error_code, sizeof e.error_code, in->error_code);
    copy(e.request_id, sizeof e.request_id, in->request_id);
    copy(e.algorithm, sizeof e.algorithm, in->algorithm);
    copy(e.detail, sizeof e.detail, in->detail);
    /* The path is the client's text: bytes that are not UTF-8 or are control characters are
     * escaped as in the log (\xNN), so the journal's JSON and the audit log stay valid. */
    {
        const char *p = in->path ? in->path : "";
        size_t n = 4 * strlen(p) + 1;
        e.path = malloc(n);
        if (e.path)
            mv_log_escape(p, e.path, n, 0);
    }
    if (in->client_request_id)
        e.crid = strndup(in->client_request_id, CRID_MAX);
    if (in->explanation)
        e.explanation = strdup(in->explanation);
    if (in->fix)
        e.fix = strdup(in->fix);
    if (!e.path || (in->client_request_id && !e.crid) || (in->explanation && !e.explanation) ||
        (in->fix && !e.fix)) {
        entry_free(&e);
        return 0; /* out of memory: the entry is lost, the request is not */
    }

    pthread_mutex_lock(&j->lock);
    if (j->audit && (werr = audit_write(j, &e)) != 0) {
        if (j->audit_failed)
            werr = 0; /* reported once */
        j->audit_failed = true;
    }
    if (j->count == MV_JOURNAL_MAX) {
        slot = &j->ring[j->head];
        entry_free(slot);
        j->head = (j->head + 1) % MV_JOURNAL_MAX;
    } else {
        slot = &j->ring[(j->head + j->count) % MV_JOURNAL_MAX];
        j->count++;
    }
    *slot = e;
    j->last_seq++;
    pthread_mutex_unlock(&j->lock);
    /* Wakes the console's streams (net/stream.c): an atomic increment while none is open. */
    if (j->notify)
        j->notify(j->notify_ctx);
    return werr;
}

static bool matches(const struct entry *e, const struct mv_journal_filter *f)
{
    if (f->operation && strcasecmp(e->operation, f->operation) != 0)
        return false;
    if (f->vault && strcasecmp(e->vault, f->vault) != 0)
        return false;
    if (f->principal && strcasecmp(e->appid, f->principal) != 0 &&
        strcasecmp(e->oid, f->principal) != 0)
        return false;
    if (f->has_status && e->status != f->status)
        return false;
    if (f->has_since && e->time < f->since)
        return false;
    return true;
}

cJSON *mv_journal_query(struct mv_journal *j, const struct mv_journal_filter *f)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(out, "value");

    if (!out || !arr) {
        cJSON_Delete(out);
        return NULL;
    }
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->count; i++) {
        const struct entry *e = &j->ring[(j->head + i) % MV_JOURNAL_MAX];
        cJSON *o;

        if (!matches(e, f))
            continue;
        o = entry_json(e);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            pthread_mutex_unlock(&j->lock);
            cJSON_Delete(out);
            return NULL;
        }
    }
    pthread_mutex_unlock(&j->lock);
    return out;
}

/* Appends e's JSON with its sequence number; false when out of memory. */
static bool add_with_seq(cJSON *arr, const struct entry *e, uint64_t seq)
{
    cJSON *o = entry_json(e);

    if (!o || !cJSON_AddNumberToObject(o, "seq", (double)seq) || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return true;
}

/* *dst = a copy of src with its own strings (dst owns nothing when this fails: false). */
static bool entry_copy(struct entry *dst, const struct entry *src)
{
    *dst = *src;
    dst->path = src->path ? strdup(src->path) : NULL;
    dst->crid = src->crid ? strdup(src->crid) : NULL;
    dst->explanation = src->explanation ? strdup(src->explanation) : NULL;
    dst->fix = src->fix ? strdup(src->fix) : NULL;
    if ((src->path && !dst->path) || (src->crid && !dst->crid) ||
        (src->explanation && !dst->explanation) || (src->fix && !dst->fix)) {
        entry_free(dst);
        return false;
    }
    return true;
}

cJSON *mv_journal_after(struct mv_journal *j, const struct mv_journal_filter *f,
                        struct mv_journal_cursor *c, size_t max)
{
    cJSON *arr = cJSON_CreateArray();
    /* The picked entries are copied under the lock and written as JSON after it: requests add
     * entries meanwhile, and must not wait for a reader's formatting. */
    struct entry *pick = max ? calloc(max, sizeof *pick) : NULL;
    uint64_t *seqs = max ? calloc(max, sizeof *seqs) : NULL;
    size_t start, npick = 0, i;
    uint64_t first, from;
    bool ok = true;

    if (!arr || (max && (!pick || !seqs))) {
        cJSON_Delete(arr);
        free(pick);
        free(seqs);
        return NULL;
    }
    c->skipped = 0;
    pthread_mutex_lock(&j->lock);
    c->cleared = c->started && c->clears != j->clears;
    c->clears = j->clears;
    c->started = true;
    first = j->last_seq - j->count + 1; /* the oldest entry kept */
    from = c->after > j->cleared_seq ? c->after : j->cleared_seq;
    /* Entries the ring dropped before this reader saw them. */
    if (from + 1 < first)
        c->skipped = first - from - 1;
    start = from + 1 > first ? (size_t)(from + 1 - first) : 0;
    if (start > j->count)
        start = j->count;
    /* The newest max matching entries, picked from the end: a reader that fell behind sees the
     * present and a count of what it missed, never a backlog that grows without bound. */
    for (i = j->count; i > start; i--) {
        const struct entry *e = &j->ring[(j->head + i - 1) % MV_JOURNAL_MAX];
        if (f && !matches(e, f))
            continue;
        if (npick == max) {
            c->skipped++;
        } else if (entry_copy(&pick[npick], e)) {
            seqs[npick++] = first + i - 1;
        } else {
            ok = false;
            break;
        }
    }
    if (ok)
        c->after = j->last_seq;
    pthread_mutex_unlock(&j->lock);
    for (i = npick; i > 0; i--) {
        ok = ok && add_with_seq(arr, &pick[i - 1], seqs[i - 1]);
        entry_free(&pick[i - 1]);
    }
    free(pick);
    free(seqs);
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}
