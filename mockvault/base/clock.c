/* clock.c: the mock clock (real time + offset, or frozen). */
#include "clock.h"

#include <time.h>

static double real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mv_clock_init(struct mv_clock *c)
{
    pthread_mutex_init(&c->lock, NULL);
    c->offset = 0;
    c->frozen = false;
    c->frozen_at = 0;
}

void mv_clock_finish(struct mv_clock *c)
{
    pthread_mutex_destroy(&c->lock);
}

/* Caller holds c->lock. */
static double now_locked(const struct mv_clock *c)
{
    return c->frozen ? c->frozen_at : real_now() + c->offset;
}

double mv_clock_nowf(struct mv_clock *c)
{
    pthread_mutex_lock(&c->lock);
    double t = now_locked(c);
    pthread_mutex_unlock(&c->lock);
    return t;
}

int64_t mv_clock_now(struct mv_clock *c)
{
    return (int64_t)mv_clock_nowf(c);
}

void mv_clock_advance(struct mv_clock *c, double seconds)
{
    pthread_mutex_lock(&c->lock);
    if (c->frozen)
        c->frozen_at += seconds;
    c->offset += seconds;
    pthread_mutex_unlock(&c->lock);
}

void mv_clock_set(struct mv_clock *c, double unix_seconds)
{
    pthread_mutex_lock(&c->lock);
    if (c->frozen)
        c->frozen_at = unix_seconds;
    c->offset = unix_seconds - real_now();
    pthread_mutex_unlock(&c->lock);
}

void mv_clock_freeze(struct mv_clock *c, bool frozen)
{
    pthread_mutex_lock(&c->lock);
    if (frozen && !c->frozen) {
        c->frozen_at = now_locked(c);
        c->frozen = true;
    } else if (!frozen && c->frozen) {
        /* Resume from the frozen instant: time does not jump forward by the pause. */
        c->offset = c->frozen_at - real_now();
        c->frozen = false;
    }
    pthread_mutex_unlock(&c->lock);
}

void mv_clock_reset(struct mv_clock *c)
{
    pthread_mutex_lock(&c->lock);
    c->offset = 0;
    c->frozen = false;
    c->frozen_at = 0;
    pthread_mutex_unlock(&c->lock);
}

void mv_clock_get(struct mv_clock *c, double *now, bool *frozen, double *offset)
{
    pthread_mutex_lock(&c->lock);
    *now = now_locked(c);
    *frozen = c->frozen;
    *offset = c->offset;
    pthread_mutex_unlock(&c->lock);
}
