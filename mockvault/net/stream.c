/* stream.c: the hub of streamed responses (stream.h): the open streams, their content reader
 * and the notifier thread that resumes them. */
#include "stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define KEEPALIVE_TEXT ": keepalive\n\n"

struct mv_stream {
    struct mv_stream_hub *hub;
    struct mv_stream *prev, *next; /* the hub's list */
    void *conn;
    mv_stream_fill_fn fill;
    void *ctx;
    void (*ctx_free)(void *ctx);
    char *chunk; /* owned: what fill gave, sent from off */
    size_t len, off;
    /* Under the hub's lock. */
    bool suspended;     /* suspended by the reader, not yet resumed */
    bool batch_done;    /* a chunk went out since the notifier last woke the streams */
    bool sent;          /* a chunk went out since the last keep-alive tick */
    bool keepalive_due; /* nothing went out for a whole keep-alive interval */
};

struct mv_stream_hub {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool started, stopping;
    mv_stream_conn_fn suspend, resume;
    unsigned interval_ms, keepalive_ms;
    struct mv_stream *streams; /* under lock */
    unsigned count;            /* streams open; also read without the lock by notify */
    unsigned long passes;      /* the notifier's resume passes so far (under lock) */
    bool pending;              /* a notify the thread has not acted on yet (atomic) */
};

/* The absolute time ms from now on CLOCK_MONOTONIC (the condition variable's clock). */
static struct timespec deadline_in(unsigned ms)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static bool past(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Resumes the suspended streams: all of them, or on a keep-alive tick those that sent nothing
 * for a whole interval (marked so that their reader sends the keep-alive). Caller holds the lock.
 */
static void resume_all(struct mv_stream_hub *h, bool tick)
{
    for (struct mv_stream *s = h->streams; s; s = s->next) {
        if (tick) {
            if (!s->sent)
                s->keepalive_due = true;
            s->sent = false;
        } else {
            s->batch_done = false;
        }
        if (s->suspended && (!tick || s->keepalive_due)) {
            s->suspended = false;
            h->resume(s->conn);
        }
    }
}

/* The notifier: waits for a notify (or the keep-alive tick), lets the interval pass so that a
 * burst becomes one batch, then resumes the suspended streams. */
static void *notifier(void *arg)
{
    struct mv_stream_hub *h = arg;
    struct timespec tick = deadline_in(h->keepalive_ms);

    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        if (!__atomic_load_n(&h->pending, __ATOMIC_ACQUIRE)) {
            if (pthread_cond_timedwait(&h->wake, &h->lock, &tick) == ETIMEDOUT || past(&tick)) {
                tick = deadline_in(h->keepalive_ms);
                resume_all(h, true);
            }
            continue;
        }
        /* Gather: requests keep arriving meanwhile and find pending set already. */
        {
            struct timespec until = deadline_in(h->interval_ms);
            while (!h->stopping && pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT)
                ;
        }
        /* Cleared before the pass: a notify from now on asks for another one. */
        __atomic_store_n(&h->pending, false, __ATOMIC_RELEASE);
        h->passes++;
        resume_all(h, false);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

struct mv_stream_hub *mv_stream_hub_create(mv_stream_conn_fn suspend, mv_stream_conn_fn resume,
                                           unsigned interval_ms, unsigned keepalive_ms)
{
    struct mv_stream_hub *h = calloc(1, sizeof *h);
    pthread_condattr_t ca;

    if (!h)
        return NULL;
    h->suspend = suspend;
    h->resume = resume;
    h->interval_ms = interval_ms ? interval_ms : MV_STREAM_INTERVAL_MS;
    h->keepalive_ms = keepalive_ms ? keepalive_ms : MV_STREAM_KEEPALIVE_MS;
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&h->thread, NULL, notifier, h) != 0) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    h->started = true;
    return h;
}

void mv_stream_hub_stop(struct mv_stream_hub *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    __atomic_store_n(&h->stopping, true, __ATOMIC_RELEASE);
    resume_all(h, false);
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->lock);
    if (h->started) {
        pthread_join(h->thread, NULL);
        h->started = false;
    }
}

void mv_stream_hub_destroy(struct mv_stream_hub *h)
{
    if (!h)
        return;
    mv_stream_hub_stop(h);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void mv_stream_hub_notify(void *hub)
{
    struct mv_stream_hub *h = hub;

    if (!h || __atomic_load_n(&h->count, __ATOMIC_ACQUIRE) == 0)
        return;
    /* Only the first notify after a pass writes and takes the lock; the rest of a burst is one
     * load of a cache line that stays shared between the server's threads. */
    if (!__atomic_load_n(&h->pending, __ATOMIC_ACQUIRE) &&
        !__atomic_exchange_n(&h->pending, true, __ATOMIC_ACQ_REL)) {
        pthread_mutex_lock(&h->lock);
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->lock);
    }
}

unsigned mv_stream_hub_count(struct mv_stream_hub *h)
{
    return h ? __atomic_load_n(&h->count, __ATOMIC_ACQUIRE) : 0;
}

struct mv_stream *mv_stream_open(struct mv_stream_hub *h, void *conn, mv_stream_fill_fn fill,
                                 void *ctx, void (*ctx_free)(void *ctx))
{
    struct mv_stream *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    pthread_mutex_lock(&h->lock);
    if (h->stopping || h->count >= MV_STREAM_MAX) {
        pthread_mutex_unlock(&h->lock);
        free(s);
        return NULL;
    }
    s->hub = h;
    s->conn = conn;
    s->fill = fill;
    s->ctx = ctx;
    s->ctx_free = ctx_free;
    s->next = h->streams;
    if (h->streams)
        h->streams->prev = s;
    h->streams = s;
    __atomic_add_fetch(&h->count, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&h->lock);
    return s;
}

/* Copies what is left of the chunk into buf; frees it once sent. */
static size_t drain(struct mv_stream *s, char *buf, size_t max)
{
    size_t n = s->len - s->off;

    if (n > max)
        n = max;
    memcpy(buf, s->chunk + s->off, n);
    s->off += n;
    if (s->off == s->len) {
        free(s->chunk);
        s->chunk = NULL;
        s->len = s->off = 0;
    }
    return n;
}

/* Suspends s until the notifier resumes it. Caller holds the lock. */
static ssize_t suspend_locked(struct mv_stream_hub *h, struct mv_stream *s)
{
    s->suspended = true;
    h->suspend(s->conn);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

ssize_t mv_stream_read(void *stream, uint64_t pos, char *buf, size_t max)
{
    struct mv_stream *s = stream;
    struct mv_stream_hub *h = s->hub;
    unsigned long passes;

    (void)pos;
    if (s->chunk)
        return (ssize_t)drain(s, buf, max);
    for (;;) {
        if (__atomic_load_n(&h->stopping, __ATOMIC_ACQUIRE))
            return -1; /* MHD_CONTENT_READER_END_OF_STREAM */
        pthread_mutex_lock(&h->lock);
        /* One batch per wake-up of the notifier: a stream costs the server at most one fill per
         * interval, however fast requests come and however fast its client reads. */
        if (s->batch_done && !s->keepalive_due)
            return suspend_locked(h, s);
        passes = h->passes;
        pthread_mutex_unlock(&h->lock);
        s->chunk = s->batch_done ? NULL : s->fill(s->ctx, &s->len);
        s->off = 0;
        if (s->chunk && s->len) {
            pthread_mutex_lock(&h->lock);
            s->sent = true;
            s->batch_done = true;
            s->keepalive_due = false;
            /* There may be more than one batch: ask for the next wake-up as a notify would. */
            if (!__atomic_exchange_n(&h->pending, true, __ATOMIC_ACQ_REL))
                pthread_cond_signal(&h->wake);
            pthread_mutex_unlock(&h->lock);
            return (ssize_t)drain(s, buf, max);
        }
        free(s->chunk);
        s->chunk = NULL;
        s->len = 0;
        pthread_mutex_lock(&h->lock);
        if (s->keepalive_due && !h->stopping && max >= sizeof KEEPALIVE_TEXT - 1) {
            s->keepalive_due = false;
            pthread_mutex_unlock(&h->lock);
            memcpy(buf, KEEPALIVE_TEXT, sizeof KEEPALIVE_TEXT - 1);
            return (ssize_t)(sizeof KEEPALIVE_TEXT - 1);
        }
        /* A pass of the notifier since the fill above may have come for an entry the fill did not
         * see: read again rather than sleep through it. An entry added after that pass set
         * pending, so the next pass resumes this stream. */
        if (h->stopping || (!s->batch_done && h->passes != passes)) {
            pthread_mutex_unlock(&h->lock);
            continue;
        }
        return suspend_locked(h, s);
    }
}

void mv_stream_close(void *stream)
{
    struct mv_stream *s = stream;
    struct mv_stream_hub *h;

    if (!s)
        return;
    h = s->hub;
    pthread_mutex_lock(&h->lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        h->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    __atomic_sub_fetch(&h->count, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&h->lock);
    if (s->ctx_free)
        s->ctx_free(s->ctx);
    free(s->chunk);
    free(s);
}
