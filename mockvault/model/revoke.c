/* revoke.c: revoked principals and token issue stamps (revoke.h). */
#include "revoke.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STAMP_SHIFT 20

struct mv_revocations {
    pthread_mutex_t lock;
    uint64_t last; /* the last stamp handed out */
    struct mv_revocation items[MV_REVOKE_MAX];
    size_t n; /* oldest first */
};

struct mv_revocations *mv_revocations_create(void)
{
    struct mv_revocations *v = calloc(1, sizeof *v);

    if (v)
        pthread_mutex_init(&v->lock, NULL);
    return v;
}

void mv_revocations_destroy(struct mv_revocations *v)
{
    if (!v)
        return;
    pthread_mutex_destroy(&v->lock);
    free(v);
}

/* Called with the lock held. */
static uint64_t next_stamp(struct mv_revocations *v, int64_t now)
{
    uint64_t floor = now > 0 ? ((uint64_t)now << STAMP_SHIFT) : 0;

    v->last = v->last + 1 > floor ? v->last + 1 : floor;
    return v->last;
}

uint64_t mv_revocations_stamp(struct mv_revocations *v, int64_t now)
{
    uint64_t s;

    pthread_mutex_lock(&v->lock);
    s = next_stamp(v, now);
    pthread_mutex_unlock(&v->lock);
    return s;
}

bool mv_revocations_add(struct mv_revocations *v, const char *id, int64_t now, bool hard,
                        struct mv_revocation *out)
{
    struct mv_revocation *e = NULL;
    size_t len = id ? strlen(id) : 0;

    if (len == 0 || len >= sizeof e->id)
        return false;
    pthread_mutex_lock(&v->lock);
    for (size_t i = 0; i < v->n; i++)
        if (strcasecmp(v->items[i].id, id) == 0) {
            /* A new revocation of the same principal replaces the old one: moved to the end. */
            memmove(&v->items[i], &v->items[i + 1], (v->n - i - 1) * sizeof v->items[0]);
            v->n--;
            break;
        }
    if (v->n == MV_REVOKE_MAX) {
        memmove(&v->items[0], &v->items[1], (v->n - 1) * sizeof v->items[0]);
        v->n--;
    }
    e = &v->items[v->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->id, id, len + 1);
    e->revoked_at = now;
    /* Consuming a stamp: every token minted before has a smaller one, every later a larger. */
    e->cut = next_stamp(v, now);
    e->hard = hard;
    if (out)
        *out = *e;
    pthread_mutex_unlock(&v->lock);
    return true;
}

bool mv_revocations_match(struct mv_revocations *v, const char *oid, const char *appid,
                          uint64_t stamp, bool cp1, struct mv_revocation *out)
{
    bool found = false;

    pthread_mutex_lock(&v->lock);
    for (size_t i = v->n; i-- > 0 && !found;) {
        struct mv_revocation *e = &v->items[i];

        if (!((oid && *oid && strcasecmp(e->id, oid) == 0) ||
              (appid && *appid && strcasecmp(e->id, appid) == 0)))
            continue;
        if (stamp >= e->cut || !(cp1 || e->hard))
            continue; /* minted after it, or a client that never opted in to challenges */
        e->challenges++;
        if (out)
            *out = *e;
        found = true;
    }
    pthread_mutex_unlock(&v->lock);
    return found;
}

size_t mv_revocations_list(struct mv_revocations *v, struct mv_revocation *out, size_t max)
{
    size_t n;

    pthread_mutex_lock(&v->lock);
    n = v->n;
    if (out)
        memcpy(out, v->items, (n < max ? n : max) * sizeof *out);
    pthread_mutex_unlock(&v->lock);
    return n;
}

void mv_revocations_clear(struct mv_revocations *v)
{
    pthread_mutex_lock(&v->lock);
    v->n = 0;
    pthread_mutex_unlock(&v->lock);
}
