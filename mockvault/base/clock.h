/* clock.h: the mock clock. Mock time = real time + offset, or frozen. Every timestamp the mock
 * issues or checks (tokens, secrets, soft-delete purges) goes through it, so tests can travel in
 * time through the control API. */
#ifndef MV_CLOCK_H
#define MV_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct mv_clock {
    pthread_mutex_t lock;
    double offset; /* seconds added to real time */
    bool frozen;
    double frozen_at; /* mock time at which the clock stopped */
};

void mv_clock_init(struct mv_clock *c);
void mv_clock_finish(struct mv_clock *c);
/* Current mock time as unix seconds (fractional / whole). */
double mv_clock_nowf(struct mv_clock *c);
int64_t mv_clock_now(struct mv_clock *c);
void mv_clock_advance(struct mv_clock *c, double seconds);
void mv_clock_set(struct mv_clock *c, double unix_seconds);
void mv_clock_freeze(struct mv_clock *c, bool frozen);
/* Back to real time, not frozen. */
void mv_clock_reset(struct mv_clock *c);
/* Reads now, frozen flag and offset consistently. */
void mv_clock_get(struct mv_clock *c, double *now, bool *frozen, double *offset);

#endif
