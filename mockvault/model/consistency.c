/* consistency.c: the table of pending transitions behind --consistency azure (consistency.h). */
#include "consistency.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-rand.h"
#include "cx-text.h"

/* The streams of the delay and page draws are the --seed's, moved away from the id stream by
 * these constants (any odd 64-bit numbers would do). */
#define DELAY_STREAM 0x5ca1ab1e0ddba11ull
#define PAGE_STREAM 0x9e3779b97f4a7c15ull

struct mv_consist {
    pthread_mutex_t lock;
    struct mv_clock *clock; /* borrowed */
    struct mv_consist_config cfg, initial;
    uint64_t seed, rng;
    struct mv_cx_pending *items; /* in the order recorded */
    size_t n, cap;
    size_t npending; /* n, read without the lock by the fast path */
};

const char *mv_cx_kind_name(enum mv_cx_kind k)
{
    switch (k) {
    case MV_CX_DELETE: return "delete";
    case MV_CX_RECOVER: return "recover";
    case MV_CX_PURGE: return "purge";
    default: return "";
    }
}

void mv_consist_defaults(struct mv_consist_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->min_ms = MV_CX_DELAY_MIN_MS;
    cfg->max_ms = MV_CX_DELAY_MAX_MS;
}

bool mv_consist_parse_delay(const char *s, struct mv_consist_config *cfg)
{
    unsigned long v[2];
    const char *p = s;
    char *end;

    for (int i = 0; i < 2; i++) {
        if (*p < '0' || *p > '9')
            return false;
        v[i] = strtoul(p, &end, 10);
        if (v[i] > MV_CX_DELAY_LIMIT_MS || *end != (i == 0 ? '-' : '\0'))
            return false;
        p = end + 1;
    }
    if (v[0] > v[1])
        return false;
    cfg->min_ms = (unsigned)v[0];
    cfg->max_ms = (unsigned)v[1];
    return true;
}

struct mv_consist *mv_consist_create(struct mv_clock *clock, const struct mv_consist_config *cfg,
                                     uint64_t seed)
{
    struct mv_consist *cx = calloc(1, sizeof *cx);

    if (!cx)
        return NULL;
    pthread_mutex_init(&cx->lock, NULL);
    cx->clock = clock;
    cx->cfg = cx->initial = *cfg;
    cx->seed = seed;
    cx->rng = seed ^ DELAY_STREAM;
    return cx;
}

void mv_consist_destroy(struct mv_consist *cx)
{
    if (!cx)
        return;
    pthread_mutex_destroy(&cx->lock);
    free(cx->items);
    free(cx);
}

/* Caller holds the lock. */
static void clear_locked(struct mv_consist *cx)
{
    cx->n = 0;
    __atomic_store_n(&cx->npending, 0, __ATOMIC_RELEASE);
}

void mv_consist_get(struct mv_consist *cx, struct mv_consist_config *out)
{
    pthread_mutex_lock(&cx->lock);
    *out = cx->cfg;
    pthread_mutex_unlock(&cx->lock);
}

void mv_consist_set(struct mv_consist *cx, const struct mv_consist_config *cfg)
{
    pthread_mutex_lock(&cx->lock);
    cx->cfg = *cfg;
    if (!cfg->azure)
        clear_locked(cx);
    pthread_mutex_unlock(&cx->lock);
}

void mv_consist_reset(struct mv_consist *cx)
{
    pthread_mutex_lock(&cx->lock);
    cx->cfg = cx->initial;
    cx->rng = cx->seed ^ DELAY_STREAM;
    clear_locked(cx);
    pthread_mutex_unlock(&cx->lock);
}

void mv_consist_settle(struct mv_consist *cx)
{
    if (!cx)
        return;
    pthread_mutex_lock(&cx->lock);
    clear_locked(cx);
    pthread_mutex_unlock(&cx->lock);
}

/* Copies s lower-cased into a fixed buffer (names and vault names are ASCII). */
static void lower_copy(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s);
    cx_str_lower(dst);
}

/* Index of the entry for the name, or n. Caller holds the lock; vault and name lower-cased. */
static size_t find_locked(const struct mv_consist *cx, enum mv_objtype t, const char *vault,
                          const char *name)
{
    size_t i;

    for (i = 0; i < cx->n; i++)
        if (cx->items[i].type == t && strcmp(cx->items[i].name, name) == 0 &&
            strcmp(cx->items[i].vault, vault) == 0)
            break;
    return i;
}

/* Drops the transitions whose due time has come, keeping the order. Caller holds the lock. */
static void expire_locked(struct mv_consist *cx, double now)
{
    size_t keep = 0;

    for (size_t i = 0; i < cx->n; i++)
        if (cx->items[i].due > now)
            cx->items[keep++] = cx->items[i];
    cx->n = keep;
    __atomic_store_n(&cx->npending, keep, __ATOMIC_RELEASE);
}

void mv_consist_record(struct mv_consist *cx, enum mv_objtype t, const char *vault,
                       const char *name, enum mv_cx_kind kind)
{
    char lv[80], ln[128];
    double now, span;
    size_t i;

    if (!cx)
        return;
    lower_copy(lv, sizeof lv, vault);
    lower_copy(ln, sizeof ln, name);
    now = mv_clock_nowf(cx->clock);
    pthread_mutex_lock(&cx->lock);
    if (!cx->cfg.azure)
        goto out;
    expire_locked(cx, now);
    i = find_locked(cx, t, lv, ln);
    if (i == cx->n) {
        if (cx->n == cx->cap) {
            size_t ncap = cx->cap ? cx->cap * 2 : 16;
            struct mv_cx_pending *g = realloc(cx->items, ncap * sizeof *g);
            /* Out of memory: the transition is simply visible at once, as in instant mode. */
            if (!g)
                goto out;
            cx->items = g;
            cx->cap = ncap;
        }
        cx->n++;
    } else {
        /* A new transition on the name starts over at the end of the list. */
        memmove(&cx->items[i], &cx->items[i + 1], (cx->n - i - 1) * sizeof *cx->items);
        i = cx->n - 1;
    }
    memset(&cx->items[i], 0, sizeof cx->items[i]);
    memcpy(cx->items[i].vault, lv, sizeof lv);
    memcpy(cx->items[i].name, ln, sizeof ln);
    cx->items[i].type = t;
    cx->items[i].kind = kind;
    cx->items[i].since = now;
    /* A delay drawn uniformly in [min, max] milliseconds from the seeded stream. */
    span = (double)(cx->cfg.max_ms - cx->cfg.min_ms);
    cx->items[i].due =
        now + ((double)cx->cfg.min_ms + cx_splitmix64_unit(&cx->rng) * span) / 1000.0;
    __atomic_store_n(&cx->npending, cx->n, __ATOMIC_RELEASE);
out:
    pthread_mutex_unlock(&cx->lock);
}

enum mv_cx_kind mv_consist_pending(struct mv_consist *cx, enum mv_objtype t, const char *vault,
                                   const char *name)
{
    char lv[80], ln[128];
    enum mv_cx_kind k = MV_CX_NONE;
    double now;
    size_t i;

    if (!cx || __atomic_load_n(&cx->npending, __ATOMIC_ACQUIRE) == 0)
        return MV_CX_NONE;
    lower_copy(lv, sizeof lv, vault);
    lower_copy(ln, sizeof ln, name);
    now = mv_clock_nowf(cx->clock);
    pthread_mutex_lock(&cx->lock);
    expire_locked(cx, now);
    i = find_locked(cx, t, lv, ln);
    if (i < cx->n)
        k = cx->items[i].kind;
    pthread_mutex_unlock(&cx->lock);
    return k;
}

size_t mv_consist_list(struct mv_consist *cx, struct mv_cx_pending **out)
{
    double now = mv_clock_nowf(cx->clock);
    size_t n;

    *out = NULL;
    pthread_mutex_lock(&cx->lock);
    expire_locked(cx, now);
    n = cx->n;
    if (n) {
        *out = malloc(n * sizeof **out);
        if (*out)
            memcpy(*out, cx->items, n * sizeof **out);
        else
            n = (size_t)-1;
    }
    pthread_mutex_unlock(&cx->lock);
    return n;
}

uint64_t mv_consist_page_seed(struct mv_consist *cx)
{
    return cx->seed ^ PAGE_STREAM;
}
