/* journal.c: the bounded request journal (a ring of the newest MV_JOURNAL_MAX entries under one
 * mutex) and the --audit-log JSON-lines file. */
#include "journal.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
};

struct mv_journal {
    pthread_mutex_t lock;
    struct entry *ring; /* MV_JOURNAL_MAX slots */
    size_t head;        /* index of the oldest entry */
    size_t count;
    FILE *audit;       /* --audit-log, or NULL */
    bool audit_failed; /* a write failure was reported already */
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
    mv_journal_clear(j);
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
    if (!e.path || (in->client_request_id && !e.crid)) {
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
    pthread_mutex_unlock(&j->lock);
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
