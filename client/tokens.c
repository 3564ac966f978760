/* tokens.c: the per-scope token cache. Tokens are refreshed ahead of expiry; concurrent callers
 * wait for one fetch; a token the service rejected is replaced once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-mem.h"
#include "kv-int.h"

void kv__token_cache_init(struct kv__token_cache *tc)
{
    pthread_mutex_init(&tc->lock, NULL);
    pthread_cond_init(&tc->changed, NULL);
    tc->head = NULL;
}

static void token_free(struct kv__token *t)
{
    if (!t)
        return;
    free(t->scope);
    free(t->tenant);
    cx_free_wiped(t->token);
    free(t);
}

void kv__token_cache_finish(struct kv__token_cache *tc)
{
    struct kv__token *t = tc->head, *next;
    for (; t; t = next) {
        next = t->next;
        token_free(t);
    }
    tc->head = NULL;
    pthread_cond_destroy(&tc->changed);
    pthread_mutex_destroy(&tc->lock);
}

int kv__token_state(const char *token, int64_t expires_on, int64_t now, unsigned refresh_before)
{
    if (!token)
        return 2;
    if (expires_on == 0)
        return 0; /* static tokens that never expire */
    /* Saturating: a static token's expires_on is whatever the caller gave, and a replaced clock
     * (tests) may be anywhere. */
    int64_t left = kv__sat_sub(expires_on, now);
    if (left <= 30)
        return 2; /* too close to expiry to survive a request and a retry */
    if (left <= (int64_t)refresh_before)
        return 1;
    return 0;
}

static struct kv__token *find(struct kv__token_cache *tc, const char *scope, const char *tenant)
{
    for (struct kv__token *t = tc->head; t; t = t->next)
        if (strcmp(t->scope, scope) == 0 && strcmp(t->tenant, tenant) == 0)
            return t;
    return NULL;
}

/* The state of entry t at now, with its own refresh window and the spacing after a failed
 * refresh. Called with the cache locked. */
static int entry_state(const struct kv__token *t, int64_t now, bool is_static)
{
    int st = kv__token_state(t->token, t->expires_on, now, t->refresh_before);
    /* A static token cannot be refreshed early: it is the same token until it expires. */
    if (st == 1 && (is_static || now < t->next_refresh))
        st = 0;
    return st;
}

/* Waits for the fetching thread, at most until the operation's deadline. false on timeout. */
static bool wait_fetch(struct kv_client *c, uint64_t deadline_start)
{
    struct kv__token_cache *tc = &c->tokens;
    if (!c->opts.deadline_ms) {
        pthread_cond_wait(&tc->changed, &tc->lock);
        return true;
    }
    uint64_t end_ms = deadline_start + c->opts.deadline_ms, now_ms = kv__mono_ms();
    if (now_ms >= end_ms)
        return false;
    /* The condition uses CLOCK_REALTIME; convert the remaining monotonic time. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t left = end_ms - now_ms;
    ts.tv_sec += (time_t)(left / 1000);
    ts.tv_nsec += (long)(left % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&tc->changed, &tc->lock, &ts) == 0 || kv__mono_ms() < end_ms;
}

int kv__token_get(struct kv_client *c, const char *scope, const char *tenant, const char *stale,
                  const char *claims, uint64_t deadline_start, char **token, int64_t *expires_on,
                  struct kv_error *err)
{
    struct kv__token_cache *tc = &c->tokens;
    struct kv__token *t;
    int status = KV_OK;
    bool is_static = c->cred && c->cred->kind == KV__CRED_STATIC;
    bool refresh_failed = false;
    *token = NULL;
    if (!tenant)
        tenant = "";

    pthread_mutex_lock(&tc->lock);
    t = find(tc, scope, tenant);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t || !(t->scope = strdup(scope)) || !(t->tenant = strdup(tenant))) {
            token_free(t);
            pthread_mutex_unlock(&tc->lock);
            return kv__fail(err, KV_E_NOMEM, "out of memory in the token cache");
        }
        t->next = tc->head;
        tc->head = t;
    }
    /* The service said no to this very token (401 with a token): drop it so the next step fetches
     * a new one. If another thread already replaced it, the new one is used as is. */
    if (stale && t->token && strcmp(stale, t->token) == 0) {
        cx_free_wiped(t->token);
        t->token = NULL;
        t->expires_on = 0;
    }
    for (;;) {
        int st = entry_state(t, c->now(), is_static);
        if (st == 0 || (st == 1 && t->fetching)) {
            /* Fresh, or due for refresh while another thread is already refreshing it. */
            *token = strdup(t->token);
            if (expires_on)
                *expires_on = t->expires_on;
            pthread_mutex_unlock(&tc->lock);
            return *token ? KV_OK : kv__fail(err, KV_E_NOMEM, "out of memory");
        }
        if (!t->fetching)
            break;
        /* Someone else is fetching: wait for that one fetch, and share its failure too, rather
         * than sending the same doomed request again from every thread. */
        unsigned gen = t->gen;
        if (!wait_fetch(c, deadline_start)) {
            pthread_mutex_unlock(&tc->lock);
            return kv__fail(err, KV_E_TIMEOUT,
                            "the %u ms deadline passed while waiting for a token for %s",
                            c->opts.deadline_ms, scope);
        }
        if (t->gen != gen && !t->fetching && entry_state(t, c->now(), is_static) == 2) {
            status = kv__fail(err, t->last_status, "%s", t->last_message);
            pthread_mutex_unlock(&tc->lock);
            return status;
        }
    }
    t->fetching = true;
    pthread_mutex_unlock(&tc->lock);

    struct kv__token_reply reply = {0};
    struct kv_error ferr;
    kv__error_clear(&ferr);
    status = kv__credential_fetch(c, c->cred, tenant[0] ? tenant : NULL, scope, claims,
                                  deadline_start, &reply, &ferr);

    pthread_mutex_lock(&tc->lock);
    int64_t now = c->now();
    t->fetching = false;
    t->gen++;
    t->last_status = status;
    snprintf(t->last_message, sizeof t->last_message, "%s", ferr.message);
    if (status == KV_OK) {
        cx_free_wiped(t->token);
        t->token = reply.token;
        t->expires_on = reply.expires_on;
        reply.token = NULL;
        int64_t life = t->expires_on > now ? kv__sat_sub(t->expires_on, now) : 0;
        t->refresh_before = c->opts.refresh_before_s;
        if ((int64_t)t->refresh_before > life / 2)
            t->refresh_before = (unsigned)(life / 2);
        t->next_refresh = 0;
    } else {
        /* Azure Identity waits 30 s between refresh attempts of a still valid token. */
        t->next_refresh = kv__sat_add(now, 30);
    }
    /* token_fetches counts requests to an identity endpoint, failed ones included. */
    if (!is_static) {
        pthread_mutex_lock(&c->lock);
        c->stats.token_fetches++;
        pthread_mutex_unlock(&c->lock);
    }
    /* A failed refresh ahead of expiry is not fatal: the old token is still good for a while. */
    if (t->token && (status == KV_OK || kv__token_state(t->token, t->expires_on, now, 0) < 2)) {
        refresh_failed = status != KV_OK;
        status = KV_OK;
        *token = strdup(t->token);
        if (expires_on)
            *expires_on = t->expires_on;
        if (!*token)
            status = kv__fail(err, KV_E_NOMEM, "out of memory");
    } else if (status != KV_OK && err) {
        int attempts = err->attempts;
        *err = ferr;
        err->attempts = attempts;
    }
    pthread_cond_broadcast(&tc->changed);
    pthread_mutex_unlock(&tc->lock);
    cx_free_wiped(reply.token);
    /* Outside the lock: a trace callback may call back into the client. */
    if (refresh_failed)
        kv__trace(c, "token refresh failed (%s); using the cached token until it expires",
                  kv_status_name(ferr.status));
    return status;
}
