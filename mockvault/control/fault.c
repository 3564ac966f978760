/* fault.c: fault-injection rules: parsing with messages that say what to fix, matching, and the
 * times / every / probability counters, all under one mutex (libmicrohttpd answers on several
 * threads, and a rule's counters must count every match exactly once). */
#include "fault.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delay.h"
#include "cx-rand.h"
#include "util.h"

#define MAX_TEXT 256 /* longest operation, vault, principal or path pattern accepted */

struct rule {
    unsigned id;
    enum mv_fault_endpoint endpoint; /* MV_FAULT_EP_NONE = any endpoint */
    char *operation;                 /* owned; NULL = any */
    char *vault;
    char *principal;
    char *path;
    struct mv_fault_action action; /* action.id == id */
    bool has_times, has_every, has_probability;
    unsigned times;
    unsigned every;
    double probability;
    uint64_t rng; /* this rule's own PRNG stream (splitmix64, whose state is one word, so every
                     rule carries its own) */
    unsigned long matched; /* requests that matched while the rule was live */
    unsigned long fired;
};

struct mv_fault_set {
    pthread_mutex_t lock;
    struct rule *rules; /* in the order they were added */
    size_t n, cap;
    unsigned next_id;
    uint64_t seed;
    bool (*op_known)(void *ctx, const char *op);
    void *op_ctx;
    atomic_size_t count;           /* == n, readable without the lock */
    struct mv_delay_queue *delays; /* borrowed; delays of a removed rule end with it (or NULL) */
};

static const char *const endpoint_names[] = {
    [MV_FAULT_EP_NONE] = NULL, [MV_FAULT_EP_VAULT] = "vault", [MV_FAULT_EP_TOKEN] = "token",
    [MV_FAULT_EP_MSI] = "msi", [MV_FAULT_EP_GRAPH] = "graph", [MV_FAULT_EP_ARM] = "arm",
};

static void rule_finish(struct rule *r)
{
    free(r->operation);
    free(r->vault);
    free(r->principal);
    free(r->path);
    memset(r, 0, sizeof *r);
}

struct mv_fault_set *mv_fault_set_create(uint64_t seed, bool (*op_known)(void *ctx, const char *op),
                                         void *op_ctx)
{
    struct mv_fault_set *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->seed = seed;
    s->op_known = op_known;
    s->op_ctx = op_ctx;
    s->next_id = 1;
    atomic_init(&s->count, 0);
    return s;
}

void mv_fault_set_destroy(struct mv_fault_set *s)
{
    if (!s)
        return;
    /* Not mv_fault_clear: the delay queue is borrowed and may already be gone at teardown. */
    for (size_t i = 0; i < s->n; i++)
        rule_finish(&s->rules[i]);
    free(s->rules);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void mv_fault_set_delays(struct mv_fault_set *s, struct mv_delay_queue *q)
{
    pthread_mutex_lock(&s->lock);
    s->delays = q;
    pthread_mutex_unlock(&s->lock);
}

void mv_fault_clear(struct mv_fault_set *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++)
        rule_finish(&s->rules[i]);
    s->n = 0;
    s->next_id = 1;
    atomic_store(&s->count, 0);
    /* Under the set's lock (order: set, then queue), so no delay of a cleared rule can be queued
     * after this; ids restart at 1, and a stale delay must not pass for the new rule 1's. */
    if (s->delays)
        (void)mv_delay_end_all(s->delays);
    pthread_mutex_unlock(&s->lock);
}

bool mv_fault_set_empty(struct mv_fault_set *s)
{
    return atomic_load_explicit(&s->count, memory_order_relaxed) == 0;
}

bool mv_fault_remove(struct mv_fault_set *s, unsigned id)
{
    bool found = false;

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++) {
        if (s->rules[i].id != id)
            continue;
        rule_finish(&s->rules[i]);
        memmove(&s->rules[i], &s->rules[i + 1], (s->n - i - 1) * sizeof *s->rules);
        s->n--;
        atomic_store(&s->count, s->n);
        found = true;
        if (s->delays)
            (void)mv_delay_end_rule(s->delays, id);
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

/* ASCII case fold: paths arrive as bytes, and the rule's glob is compared case-insensitively. */
static unsigned char fold(char c)
{
    unsigned char u = (unsigned char)c;
    return (u >= 'A' && u <= 'Z') ? (unsigned char)(u + ('a' - 'A')) : u;
}

static bool same_text(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fold(a[i]) != fold(b[i]))
            return false;
    return true;
}

/* The offset of the first occurrence of seg[0..m) (0 < m <= MAX_TEXT) in t[0..n), or -1.
 * Knuth-Morris-Pratt rather than a naive scan: the path is client-controlled and up to the URL
 * limit long, and a segment like "aaa...ab" would make a naive scan cost n * m per rule, under the
 * set's lock, for every request. */
static long find_seg(const char *seg, size_t m, const char *t, size_t n)
{
    unsigned short fail[MAX_TEXT];
    size_t k = 0;

    fail[0] = 0;
    for (size_t i = 1; i < m; i++) {
        while (k && fold(seg[i]) != fold(seg[k]))
            k = fail[k - 1];
        if (fold(seg[i]) == fold(seg[k]))
            k++;
        fail[i] = (unsigned short)k;
    }
    k = 0;
    for (size_t i = 0; i < n; i++) {
        while (k && fold(t[i]) != fold(seg[k]))
            k = fail[k - 1];
        if (fold(t[i]) == fold(seg[k]))
            k++;
        if (k == m)
            return (long)(i + 1 - m);
    }
    return -1;
}

bool mv_fault_glob(const char *p, const char *t)
{
    /* Linear in the text whatever the pattern: the literal before the first '*' must be a prefix,
     * the one after the last '*' a suffix, and each literal in between is taken at its leftmost
     * occurrence after the previous one (leftmost is never worse for a later literal). No
     * backtracking and no recursion, so a hostile rule can neither blow the stack nor make every
     * request quadratic. Patterns longer than a rule may hold (MAX_TEXT) never match. */
    const char *first = strchr(p, '*'), *last = strrchr(p, '*');
    size_t pl = strlen(p), tl = strlen(t), head, tail, pos, end;

    if (pl > MAX_TEXT)
        return false;
    if (!first)
        return pl == tl && same_text(p, t, tl);
    head = (size_t)(first - p);
    tail = pl - (size_t)(last - p) - 1;
    if (head + tail > tl || !same_text(p, t, head) || !same_text(last + 1, t + tl - tail, tail))
        return false;
    pos = head;
    end = tl - tail;
    for (const char *seg = first + 1; seg <= last;) {
        const char *next = strchr(seg, '*');
        size_t m = (size_t)(next - seg);
        if (m) {
            long at = find_seg(seg, m, t + pos, end - pos);
            if (at < 0)
                return false;
            pos += (size_t)at + m;
        }
        seg = next + 1;
    }
    return true;
}

/* ---- Parsing ---- */

/* A cJSON number that is a whole number in [min, max]. */
static bool whole_in(const cJSON *v, double min, double max)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
           v->valuedouble == floor(v->valuedouble) && v->valuedouble >= min &&
           v->valuedouble <= max;
}

/* Copies a string value of at most MAX_TEXT characters into *out (malloc'd). Returns false with a
 * message in err otherwise. */
static bool take_text(const cJSON *v, const char *where, char **out, char *err, size_t errlen)
{
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        mv_set_err(err, errlen, "Fault rule: \"%s\" must be a non-empty string.", where);
        return false;
    }
    if (strlen(v->valuestring) > MAX_TEXT) {
        mv_set_err(err, errlen, "Fault rule: \"%s\" is longer than %d characters.", where,
                   MAX_TEXT);
        return false;
    }
    *out = strdup(v->valuestring);
    if (!*out) {
        mv_set_err(err, errlen, "Out of memory.");
        return false;
    }
    return true;
}

/* Returns false with a message when obj has a key outside allowed (NULL-terminated) or a key twice
 * (cJSON keeps both copies, and silently using the first would hide a mistake). */
static bool keys_ok(const cJSON *obj, const char *where, const char *const *allowed,
                    const char *allowed_text, char *err, size_t errlen)
{
    const cJSON *k;
    unsigned seen = 0;

    cJSON_ArrayForEach(k, obj) {
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(k->string, allowed[i]) == 0)
                break;
        if (!allowed[i]) {
            char echo[64];
            size_t j = 0;
            /* Echo the key printable only: it goes into a JSON message. */
            for (const char *c = k->string; *c && j + 1 < sizeof echo; c++)
                echo[j++] = (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\') ? *c : '?';
            echo[j] = '\0';
            mv_set_err(err, errlen, "Fault rule: unknown key \"%s\" in %s; allowed keys: %s.", echo,
                       where, allowed_text);
            return false;
        }
        if (seen & (1u << i)) {
            mv_set_err(err, errlen, "Fault rule: key \"%s\" appears twice in %s.", allowed[i],
                       where);
            return false;
        }
        seen |= 1u << i;
    }
    return true;
}

/* A key that is absent or null counts as not given (DESIGN.md §7 writes "every": null). */
static const cJSON *given(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNull(v) ? NULL : v;
}

static bool parse_match(struct mv_fault_set *s, const cJSON *m, struct rule *r, char *err,
                        size_t errlen)
{
    static const char *const keys[] = {"endpoint", "operation", "vault", "principal", "path", NULL};
    const cJSON *v;

    if (!m)
        return true;
    if (!cJSON_IsObject(m)) {
        mv_set_err(err, errlen,
                   "Fault rule: \"match\" must be an object with any of endpoint, "
                   "operation, vault, principal, path.");
        return false;
    }
    if (!keys_ok(m, "\"match\"", keys, "endpoint, operation, vault, principal, path", err, errlen))
        return false;
    if ((v = given(m, "endpoint")) != NULL) {
        size_t i;
        for (i = 1; i < sizeof endpoint_names / sizeof endpoint_names[0]; i++)
            if (cJSON_IsString(v) && strcasecmp(v->valuestring, endpoint_names[i]) == 0)
                break;
        if (i == sizeof endpoint_names / sizeof endpoint_names[0]) {
            mv_set_err(err, errlen,
                       "Fault rule: \"match.endpoint\" must be one of \"vault\", "
                       "\"token\", \"msi\", \"graph\", \"arm\".");
            return false;
        }
        r->endpoint = (enum mv_fault_endpoint)i;
    }
    if ((v = given(m, "operation")) != NULL) {
        if (!take_text(v, "match.operation", &r->operation, err, errlen))
            return false;
        if (s->op_known && !s->op_known(s->op_ctx, r->operation)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"match.operation\" is not an operation this mock serves; use "
                       "a REST operation id such as GetSecret, SetSecret, GetSecrets, Token, "
                       "ManagedIdentityToken, GraphListUsers or ArmListSubscriptions.");
            return false;
        }
    }
    if ((v = given(m, "vault")) != NULL && !take_text(v, "match.vault", &r->vault, err, errlen))
        return false;
    if ((v = given(m, "principal")) != NULL &&
        !take_text(v, "match.principal", &r->principal, err, errlen))
        return false;
    if ((v = given(m, "path")) != NULL) {
        if (!take_text(v, "match.path", &r->path, err, errlen))
            return false;
        if (r->path[0] != '/' && r->path[0] != '*') {
            mv_set_err(err, errlen,
                       "Fault rule: \"match.path\" is a URL path glob and must start "
                       "with '/' or '*' (e.g. \"/secrets/*\").");
            return false;
        }
    }
    return true;
}

static bool parse_action(const cJSON *a, struct rule *r, char *err, size_t errlen)
{
    static const char *const keys[] = {"status", "retryAfter", "delayMs", "drop", "truncate", NULL};
    struct mv_fault_action *act = &r->action;
    const cJSON *v;

    if (!cJSON_IsObject(a)) {
        mv_set_err(err, errlen,
                   "Fault rule: \"action\" is required and must be an object with any "
                   "of status, retryAfter, delayMs, drop, truncate.");
        return false;
    }
    if (!keys_ok(a, "\"action\"", keys, "status, retryAfter, delayMs, drop, truncate", err, errlen))
        return false;
    if ((v = given(a, "status")) != NULL) {
        if (!whole_in(v, 400, 599)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"action.status\" must be an HTTP error status, a "
                       "whole number from 400 to 599.");
            return false;
        }
        act->status = (unsigned)v->valuedouble;
    }
    if ((v = given(a, "retryAfter")) != NULL) {
        if (!whole_in(v, 0, MV_FAULT_MAX_RETRY_AFTER)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"action.retryAfter\" must be whole seconds from 0 "
                       "to %d.",
                       MV_FAULT_MAX_RETRY_AFTER);
            return false;
        }
        act->has_retry_after = true;
        act->retry_after = (unsigned)v->valuedouble;
    }
    if ((v = given(a, "delayMs")) != NULL) {
        if (!whole_in(v, 0, MV_FAULT_MAX_DELAY_MS)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"action.delayMs\" must be whole milliseconds from "
                       "0 to %d.",
                       MV_FAULT_MAX_DELAY_MS);
            return false;
        }
        act->delay_ms = (unsigned)v->valuedouble;
    }
    if ((v = given(a, "drop")) != NULL) {
        if (!cJSON_IsBool(v)) {
            mv_set_err(err, errlen, "Fault rule: \"action.drop\" must be true or false.");
            return false;
        }
        act->drop = cJSON_IsTrue(v);
    }
    if ((v = given(a, "truncate")) != NULL) {
        if (!cJSON_IsBool(v)) {
            mv_set_err(err, errlen, "Fault rule: \"action.truncate\" must be true or false.");
            return false;
        }
        act->truncate = cJSON_IsTrue(v);
    }
    if (!act->status && !act->delay_ms && !act->drop && !act->truncate) {
        mv_set_err(err, errlen,
                   "Fault rule: \"action\" does nothing; give \"status\", a positive "
                   "\"delayMs\", \"drop\": true or \"truncate\": true.");
        return false;
    }
    if (act->has_retry_after && !act->status) {
        mv_set_err(err, errlen,
                   "Fault rule: \"action.retryAfter\" goes with a \"status\" (the "
                   "Retry-After header is sent on that error response).");
        return false;
    }
    if (act->drop && (act->status || act->truncate)) {
        mv_set_err(err, errlen,
                   "Fault rule: \"action.drop\" sends no response, so it cannot go "
                   "with \"status\", \"retryAfter\" or \"truncate\".");
        return false;
    }
    return true;
}

static bool parse_frequency(const cJSON *root, struct rule *r, char *err, size_t errlen)
{
    const cJSON *v;

    if ((v = given(root, "times")) != NULL) {
        if (!whole_in(v, 1, 4294967295.0)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"times\" must be a whole number of at least 1 "
                       "(or null for no limit).");
            return false;
        }
        r->has_times = true;
        r->times = (unsigned)v->valuedouble;
    }
    if ((v = given(root, "every")) != NULL) {
        if (!whole_in(v, 1, 4294967295.0)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"every\" must be a whole number of at least 1 "
                       "(or null).");
            return false;
        }
        r->has_every = true;
        r->every = (unsigned)v->valuedouble;
    }
    if ((v = given(root, "probability")) != NULL) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0.0 && v->valuedouble <= 1.0)) {
            mv_set_err(err, errlen,
                       "Fault rule: \"probability\" must be a number from 0 to 1 (or "
                       "null).");
            return false;
        }
        r->has_probability = true;
        r->probability = v->valuedouble;
    }
    return true;
}

int mv_fault_add_json(struct mv_fault_set *s, const char *json, size_t len, unsigned *id, char *err,
                      size_t errlen)
{
    static const char *const keys[] = {"match", "action", "times", "every", "probability", NULL};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json ? json : "", json ? len : 0, &end, 0);
    struct rule r;
    int rc = -1;

    memset(&r, 0, sizeof r);
    /* cJSON stops after the first value; anything but whitespace after it is not one rule. The
     * body need not be NUL-terminated, so the rest is scanned up to len, never past it. */
    if (root && end) {
        for (const char *p = end; p < json + len; p++) {
            if (!strchr(" \t\r\n", *p) || *p == '\0') {
                cJSON_Delete(root);
                root = NULL;
                break;
            }
        }
    }
    if (!cJSON_IsObject(root)) {
        mv_set_err(err, errlen,
                   "Fault rule: the body must be one JSON object such as "
                   "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":429,"
                   "\"retryAfter\":2},\"times\":1}.");
        goto out;
    }
    if (!keys_ok(root, "the rule", keys, "match, action, times, every, probability", err, errlen) ||
        !parse_match(s, given(root, "match"), &r, err, errlen) ||
        !parse_action(given(root, "action"), &r, err, errlen) ||
        !parse_frequency(root, &r, err, errlen))
        goto out;

    pthread_mutex_lock(&s->lock);
    if (s->n >= MV_FAULT_MAX_RULES) {
        pthread_mutex_unlock(&s->lock);
        mv_set_err(err, errlen,
                   "Fault rule: there are already %d rules; DELETE /_mock/faults first.",
                   MV_FAULT_MAX_RULES);
        goto out;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct rule *nr = realloc(s->rules, cap * sizeof *nr);
        if (!nr) {
            pthread_mutex_unlock(&s->lock);
            mv_set_err(err, errlen, "Out of memory.");
            goto out;
        }
        s->rules = nr;
        s->cap = cap;
    }
    r.id = s->next_id++;
    r.action.id = r.id;
    /* The stream depends on the seed and the id only (mixed once so neighbouring ids do not give
     * neighbouring streams). */
    r.rng = s->seed ^ ((uint64_t)r.id * 0xd1b54a32d192ed03ull);
    (void)cx_splitmix64(&r.rng);
    s->rules[s->n++] = r;
    atomic_store(&s->count, s->n);
    *id = r.id;
    memset(&r, 0, sizeof r); /* now owned by the set */
    pthread_mutex_unlock(&s->lock);
    rc = 0;
out:
    rule_finish(&r);
    cJSON_Delete(root);
    return rc;
}

/* ---- Matching ---- */

static bool text_is(const char *want, const char *have)
{
    return have && *have && strcasecmp(want, have) == 0;
}

static bool rule_matches(const struct rule *r, const struct mv_fault_request *q)
{
    if (r->endpoint != MV_FAULT_EP_NONE && r->endpoint != q->endpoint)
        return false;
    if (r->operation && !text_is(r->operation, q->operation))
        return false;
    if (r->vault && !text_is(r->vault, q->vault))
        return false;
    if (r->principal && !text_is(r->principal, q->appid) && !text_is(r->principal, q->oid))
        return false;
    if (r->path && !(q->path && mv_fault_glob(r->path, q->path)))
        return false;
    return true;
}

static bool spent(const struct rule *r)
{
    return r->has_times && r->fired >= r->times;
}

bool mv_fault_eval(struct mv_fault_set *s, const struct mv_fault_request *q,
                   struct mv_fault_action *out)
{
    bool fired = false;

    memset(out, 0, sizeof *out);
    if (q->endpoint == MV_FAULT_EP_NONE)
        return false;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n && !fired; i++) {
        struct rule *r = &s->rules[i];

        if (spent(r) || !rule_matches(r, q))
            continue;
        r->matched++;
        if (r->has_every && r->matched % r->every != 0)
            continue;
        /* The draw happens only when every other gate let the match through, so "every 2 with
         * probability 0.5" draws once per second match. */
        if (r->has_probability && !(cx_splitmix64_unit(&r->rng) < r->probability))
            continue;
        r->fired++;
        *out = r->action;
        fired = true;
    }
    pthread_mutex_unlock(&s->lock);
    return fired;
}

/* Caller holds the lock. */
static bool rule_live(const struct mv_fault_set *s, unsigned id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->rules[i].id == id)
            return true;
    return false;
}

enum mv_fault_delay mv_fault_delay_hold(struct mv_fault_set *s, unsigned id, unsigned ms, void *arg)
{
    enum mv_fault_delay res = MV_FAULT_DELAY_GONE;

    /* The rule is checked and the delay queued under the set's lock, and removal ends the rule's
     * delays under the same lock: a DELETE between mv_fault_eval and here cannot leave a delay
     * of a rule that no longer exists running for its full time. */
    pthread_mutex_lock(&s->lock);
    if (!s->delays || !rule_live(s, id))
        goto out;
    res = mv_delay_add(s->delays, id, ms, arg) ? MV_FAULT_DELAY_HELD : MV_FAULT_DELAY_FULL;
out:
    pthread_mutex_unlock(&s->lock);
    return res;
}

/* ---- Listing ---- */

static cJSON *rule_json(const struct rule *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *m, *a;

    cJSON_AddNumberToObject(o, "id", r->id);
    m = cJSON_AddObjectToObject(o, "match");
    a = cJSON_AddObjectToObject(o, "action");
    if (!o || !m || !a) {
        cJSON_Delete(o);
        return NULL;
    }
    if (r->endpoint != MV_FAULT_EP_NONE)
        cJSON_AddStringToObject(m, "endpoint", endpoint_names[r->endpoint]);
    if (r->operation)
        cJSON_AddStringToObject(m, "operation", r->operation);
    if (r->vault)
        cJSON_AddStringToObject(m, "vault", r->vault);
    if (r->principal)
        cJSON_AddStringToObject(m, "principal", r->principal);
    if (r->path)
        cJSON_AddStringToObject(m, "path", r->path);
    if (r->action.status)
        cJSON_AddNumberToObject(a, "status", r->action.status);
    if (r->action.has_retry_after)
        cJSON_AddNumberToObject(a, "retryAfter", r->action.retry_after);
    if (r->action.delay_ms)
        cJSON_AddNumberToObject(a, "delayMs", r->action.delay_ms);
    if (r->action.drop)
        cJSON_AddTrueToObject(a, "drop");
    if (r->action.truncate)
        cJSON_AddTrueToObject(a, "truncate");
    if (r->has_times)
        cJSON_AddNumberToObject(o, "times", r->times);
    if (r->has_every)
        cJSON_AddNumberToObject(o, "every", r->every);
    if (r->has_probability)
        cJSON_AddNumberToObject(o, "probability", r->probability);
    cJSON_AddNumberToObject(o, "matched", (double)r->matched);
    cJSON_AddNumberToObject(o, "fired", (double)r->fired);
    if (r->has_times)
        cJSON_AddNumberToObject(o, "remaining",
                                (double)(r->times - (r->fired < r->times ? r->fired : r->times)));
    cJSON_AddBoolToObject(o, "spent", spent(r));
    return o;
}

cJSON *mv_fault_list(struct mv_fault_set *s)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(out, "value");
    bool ok = out && arr;

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; ok && i < s->n; i++) {
        cJSON *o = rule_json(&s->rules[i]);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            ok = false;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}
