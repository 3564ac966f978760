/* throttle.c: per-vault sliding windows for Key Vault's service limits. Each vault and class keeps
 * a ring of the times of its last `limit` admitted requests: a new request is admitted when the
 * ring is not full or its oldest entry has left the window, which is an exact sliding window in
 * O(1) per request and limit * 8 bytes per vault. */
#include "throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct window {
    double *ring;  /* times of admitted requests, capacity = limit; NULL until first use */
    unsigned head; /* index of the oldest */
    unsigned count;
};

struct vault_windows {
    char *name;                            /* owned */
    struct window w[MV_THROTTLE_NCLASSES]; /* indexed by enum mv_throttle_class */
};

struct mv_throttle {
    pthread_mutex_t lock;
    struct mv_throttle_limits limits;
    struct mv_throttle_limits initial; /* the limits it was created with (mv_throttle_reset) */
    struct vault_windows *vaults;
    size_t n, cap;
};

void mv_throttle_azure_limits(struct mv_throttle_limits *l, bool enabled)
{
    l->enabled = enabled;
    l->transactions = MV_THROTTLE_AZURE_TRANSACTIONS;
    l->creations = MV_THROTTLE_AZURE_CREATIONS;
    l->window = MV_THROTTLE_AZURE_WINDOW;
}

static unsigned clamp_limit(unsigned v)
{
    return v < 1 ? 1 : (v > MV_THROTTLE_MAX_LIMIT ? MV_THROTTLE_MAX_LIMIT : v);
}

static void forget_all(struct mv_throttle *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->vaults[i].name);
        for (size_t c = 0; c < MV_THROTTLE_NCLASSES; c++)
            free(t->vaults[i].w[c].ring);
    }
    t->n = 0;
}

static void store_limits(struct mv_throttle *t, const struct mv_throttle_limits *l)
{
    t->limits = *l;
    t->limits.transactions = clamp_limit(l->transactions);
    t->limits.creations = clamp_limit(l->creations);
    if (!(t->limits.window > 0))
        t->limits.window = MV_THROTTLE_AZURE_WINDOW;
}

struct mv_throttle *mv_throttle_create(const struct mv_throttle_limits *l)
{
    struct mv_throttle *t = calloc(1, sizeof *t);

    if (!t)
        return NULL;
    pthread_mutex_init(&t->lock, NULL);
    store_limits(t, l);
    t->initial = t->limits;
    return t;
}

void mv_throttle_destroy(struct mv_throttle *t)
{
    if (!t)
        return;
    forget_all(t);
    free(t->vaults);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void mv_throttle_set_limits(struct mv_throttle *t, const struct mv_throttle_limits *l)
{
    pthread_mutex_lock(&t->lock);
    forget_all(t);
    store_limits(t, l);
    pthread_mutex_unlock(&t->lock);
}

void mv_throttle_reset(struct mv_throttle *t)
{
    pthread_mutex_lock(&t->lock);
    forget_all(t);
    t->limits = t->initial;
    pthread_mutex_unlock(&t->lock);
}

void mv_throttle_get_limits(struct mv_throttle *t, struct mv_throttle_limits *out)
{
    pthread_mutex_lock(&t->lock);
    *out = t->limits;
    pthread_mutex_unlock(&t->lock);
}

/* The windows of vault, created on first use; NULL when out of memory. Called under the lock.
 * Vault names are case-insensitive, like Key Vault's host names. */
static struct vault_windows *vault_of(struct mv_throttle *t, const char *vault)
{
    struct vault_windows *v;

    for (size_t i = 0; i < t->n; i++)
        if (strcasecmp(t->vaults[i].name, vault) == 0)
            return &t->vaults[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        struct vault_windows *nv = realloc(t->vaults, cap * sizeof *nv);
        if (!nv)
            return NULL;
        t->vaults = nv;
        t->cap = cap;
    }
    v = &t->vaults[t->n];
    memset(v, 0, sizeof *v);
    v->name = strdup(vault);
    if (!v->name)
        return NULL;
    t->n++;
    return v;
}

/* The keys' limits per 10 s (spec/keyvault-keys.md §7), by MV_THROTTLE_KEY(type, hsm, create)
 * minus MV_THROTTLE_KEY_OTHER: software other, software create, HSM other, HSM create. */
static const unsigned key_limits[16] = {
    2000, 10, 1000, 5, /* RSA-2048 */
    500,  10, 250,  5, /* RSA-3072 */
    250,  10, 125,  5, /* RSA-4096 */
    2000, 10, 1000, 5, /* EC, any curve */
};

static unsigned limit_of(const struct mv_throttle *t, enum mv_throttle_class cls)
{
    if (cls == MV_THROTTLE_CREATION)
        return t->limits.creations;
    if (cls >= MV_THROTTLE_KEY_OTHER && cls < MV_THROTTLE_NCLASSES)
        return key_limits[cls - MV_THROTTLE_KEY_OTHER];
    return t->limits.transactions;
}

/* Caller holds the lock. */
static bool admit_locked(struct mv_throttle *t, const char *vault, enum mv_throttle_class cls,
                         double now, double *wait)
{
    struct vault_windows *v;
    struct window *w;
    unsigned limit;
    bool admit = true;

    if (!t->limits.enabled)
        goto out;
    if ((unsigned)cls >= MV_THROTTLE_NCLASSES)
        cls = MV_THROTTLE_TRANSACTION;
    limit = limit_of(t, cls);
    v = vault_of(t, vault ? vault : "");
    if (!v)
        goto out;
    w = &v->w[cls];
    if (!w->ring) {
        w->ring = calloc(limit, sizeof *w->ring);
        if (!w->ring)
            goto out;
    }
    /* Entries later than now were counted before the mock clock was set back; they are dropped
     * from the newest end so a backwards jump never blocks a vault for the length of the jump. */
    while (w->count && w->ring[(w->head + w->count - 1) % limit] > now)
        w->count--;
    if (w->count == limit) {
        double oldest = w->ring[w->head];
        /* The window is (now - window, now]: a request exactly `window` seconds old has left it. */
        if (oldest > now - t->limits.window) {
            if (wait)
                *wait = oldest + t->limits.window - now;
            admit = false;
            goto out;
        }
        w->head = (w->head + 1) % limit;
        w->count--;
    }
    w->ring[(w->head + w->count) % limit] = now;
    w->count++;
out:
    return admit;
}

bool mv_throttle_admit(struct mv_throttle *t, const char *vault, enum mv_throttle_class cls,
                       double now, double *wait)
{
    bool admit;

    if (wait)
        *wait = 0;
    pthread_mutex_lock(&t->lock);
    admit = admit_locked(t, vault, cls, now, wait);
    pthread_mutex_unlock(&t->lock);
    return admit;
}

bool mv_throttle_admit_clock(struct mv_throttle *t, const char *vault, enum mv_throttle_class cls,
                             double (*now_fn)(void *ctx), void *ctx, double *wait)
{
    bool admit;

    if (wait)
        *wait = 0;
    pthread_mutex_lock(&t->lock);
    /* Read under the lock, so the times reach the rings in the order the requests are counted. */
    admit = admit_locked(t, vault, cls, now_fn(ctx), wait);
    pthread_mutex_unlock(&t->lock);
    return admit;
}
