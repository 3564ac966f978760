/* delay.c: one timer thread and a deadline-ordered queue of held delays. Why not a thread per
 * delayed request, or a sleep in the request handler: a sleeping handler stalls every other
 * connection its libmicrohttpd worker serves (the control API included), and a thread per request
 * is unbounded. Here a delay costs one queue slot; the queue is an array sorted by deadline (at
 * most MV_DELAY_MAX entries, so an insertion's memmove is cheap), and the timer thread sleeps on a
 * condition variable until the earliest deadline or until the queue changes. */
#include "delay.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
    struct timespec due; /* CLOCK_MONOTONIC */
    unsigned id;         /* the fault rule the delay belongs to */
    void *arg;
};

struct mv_delay_queue {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when the earliest deadline changes or on stop */
    struct entry *e;     /* sorted by due, earliest first; ties in arrival order */
    unsigned n, max;
    bool stopping; /* no new delays; the timer thread exits */
    bool joined;   /* the timer thread has been joined */
    pthread_t timer;
    mv_delay_fn hold, release;
};

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
    if (a->tv_sec != b->tv_sec)
        return a->tv_sec < b->tv_sec ? -1 : 1;
    if (a->tv_nsec != b->tv_nsec)
        return a->tv_nsec < b->tv_nsec ? -1 : 1;
    return 0;
}

/* Caller holds the lock. Releases entry i and closes the gap. */
static void release_at(struct mv_delay_queue *q, unsigned i)
{
    void *arg = q->e[i].arg;

    memmove(&q->e[i], &q->e[i + 1], (q->n - i - 1) * sizeof *q->e);
    q->n--;
    q->release(arg);
}

static void *timer_main(void *arg)
{
    struct mv_delay_queue *q = arg;
    struct timespec now;

    pthread_mutex_lock(&q->lock);
    while (!q->stopping) {
        if (q->n == 0) {
            pthread_cond_wait(&q->wake, &q->lock);
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (ts_cmp(&q->e[0].due, &now) <= 0) {
            release_at(q, 0);
            continue;
        }
        /* Any wake-up (a new earliest entry, an early end, a spurious one) re-reads the head. */
        (void)pthread_cond_timedwait(&q->wake, &q->lock, &q->e[0].due);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

struct mv_delay_queue *mv_delay_queue_create(unsigned max, mv_delay_fn hold, mv_delay_fn release)
{
    struct mv_delay_queue *q = calloc(1, sizeof *q);
    pthread_condattr_t ca;

    if (!q)
        return NULL;
    q->max = (max == 0 || max > MV_DELAY_MAX) ? MV_DELAY_MAX : max;
    q->hold = hold;
    q->release = release;
    q->e = calloc(q->max, sizeof *q->e);
    if (!q->e)
        goto fail_free;
    pthread_mutex_init(&q->lock, NULL);
    /* Deadlines are on the monotonic clock: the wall clock may be stepped during a test run. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&q->timer, NULL, timer_main, q) != 0)
        goto fail_sync;
    return q;
fail_sync:
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
fail_free:
    free(q->e);
    free(q);
    return NULL;
}

void mv_delay_queue_stop(struct mv_delay_queue *q)
{
    bool join;

    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    while (q->n)
        release_at(q, q->n - 1);
    pthread_cond_broadcast(&q->wake);
    join = !q->joined;
    q->joined = true;
    pthread_mutex_unlock(&q->lock);
    if (join)
        pthread_join(q->timer, NULL);
}

void mv_delay_queue_destroy(struct mv_delay_queue *q)
{
    if (!q)
        return;
    mv_delay_queue_stop(q);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q->e);
    free(q);
}

bool mv_delay_add(struct mv_delay_queue *q, unsigned id, unsigned ms, void *arg)
{
    struct entry e = {.id = id, .arg = arg};
    unsigned i;
    bool ok = false;

    clock_gettime(CLOCK_MONOTONIC, &e.due);
    e.due.tv_sec += (time_t)(ms / 1000);
    e.due.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (e.due.tv_nsec >= 1000000000L) {
        e.due.tv_sec++;
        e.due.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->lock);
    if (q->stopping || q->n >= q->max)
        goto out;
    /* hold before queueing, under the lock: the timer cannot release what is not yet held. */
    q->hold(arg);
    for (i = q->n; i > 0 && ts_cmp(&q->e[i - 1].due, &e.due) > 0; i--)
        ;
    memmove(&q->e[i + 1], &q->e[i], (q->n - i) * sizeof *q->e);
    q->e[i] = e;
    q->n++;
    if (i == 0)
        pthread_cond_signal(&q->wake); /* a new earliest deadline */
    ok = true;
out:
    pthread_mutex_unlock(&q->lock);
    return ok;
}

unsigned mv_delay_end_rule(struct mv_delay_queue *q, unsigned id)
{
    unsigned ended = 0;

    pthread_mutex_lock(&q->lock);
    for (unsigned i = q->n; i-- > 0;)
        if (q->e[i].id == id) {
            release_at(q, i);
            ended++;
        }
    /* No wake-up needed: a timer sleeping until a removed deadline just finds the next one. */
    pthread_mutex_unlock(&q->lock);
    return ended;
}

unsigned mv_delay_end_all(struct mv_delay_queue *q)
{
    unsigned ended;

    pthread_mutex_lock(&q->lock);
    ended = q->n;
    while (q->n)
        release_at(q, q->n - 1);
    pthread_mutex_unlock(&q->lock);
    return ended;
}

unsigned mv_delay_count(struct mv_delay_queue *q)
{
    unsigned n;

    pthread_mutex_lock(&q->lock);
    n = q->n;
    pthread_mutex_unlock(&q->lock);
    return n;
}
