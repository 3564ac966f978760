/* test-fault.c: fault rules without HTTP (fault.c): matching on every key, the path glob, times,
 * every, probability with a fixed seed giving the same sequence every run, the listing, and bad
 * rules refused with a message that says what to fix and nothing added. */
#include <check.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "delay.h"
#include "fault.h"
#include "testlib.h"

static struct mv_fault_set *set;

static bool op_known(void *ctx, const char *op)
{
    static const char *const ops[] = {
        "GetSecret",      "SetSecret", "GetSecrets", "Token", "ManagedIdentityToken",
        "GraphListUsers", NULL};
    for (size_t i = 0; ops[i]; i++)
        if (strcasecmp(ops[i], op) == 0)
            return true;
    return false;
}

static void setup(void)
{
    set = mv_fault_set_create(42, op_known, NULL);
    ck_assert_ptr_nonnull(set);
}

static void teardown(void)
{
    mv_fault_set_destroy(set);
    set = NULL;
}

/* Adds a rule that must be accepted; returns its id. */
static unsigned add(const char *json)
{
    char err[512] = "";
    unsigned id = 0;

    ck_assert_msg(mv_fault_add_json(set, json, strlen(json), &id, err, sizeof err) == 0,
                  "rule refused: %s (%s)", json, err);
    ck_assert_uint_gt(id, 0);
    return id;
}

/* A GetSecret request by appid A / oid O to vault demo at /secrets/api-key. */
static struct mv_fault_request vault_get(void)
{
    struct mv_fault_request q = {MV_FAULT_EP_VAULT, "GetSecret", "demo",
                                 "app-a",           "oid-o",     "/secrets/api-key"};
    return q;
}

static unsigned fires(const struct mv_fault_request *q)
{
    struct mv_fault_action a;
    return mv_fault_eval(set, q, &a) ? a.id : 0;
}

START_TEST(test_fault_empty_set)
{
    struct mv_fault_request q = vault_get();
    struct mv_fault_action a;

    ck_assert(mv_fault_set_empty(set));
    ck_assert(!mv_fault_eval(set, &q, &a));
    ck_assert_uint_eq(a.id, 0);
}
END_TEST

START_TEST(test_fault_match_keys)
{
    struct mv_fault_request q = vault_get();
    unsigned id;

    /* Each key alone: a request that differs on that key alone does not match. */
    id = add("{\"match\":{\"endpoint\":\"vault\"},\"action\":{\"status\":503}}");
    ck_assert_uint_eq(fires(&q), id);
    q.endpoint = MV_FAULT_EP_TOKEN;
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);

    q = vault_get();
    id = add("{\"match\":{\"operation\":\"getsecret\"},\"action\":{\"status\":503}}");
    ck_assert_uint_eq(fires(&q), id); /* case-insensitive */
    q.operation = "SetSecret";
    ck_assert_uint_eq(fires(&q), 0);
    q.operation = NULL;
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);

    q = vault_get();
    id = add("{\"match\":{\"vault\":\"DEMO\"},\"action\":{\"status\":503}}");
    ck_assert_uint_eq(fires(&q), id);
    q.vault = "other";
    ck_assert_uint_eq(fires(&q), 0);
    q.vault = "";
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);

    /* principal: the appid or the oid. */
    q = vault_get();
    id = add("{\"match\":{\"principal\":\"app-a\"},\"action\":{\"status\":503}}");
    ck_assert_uint_eq(fires(&q), id);
    q.appid = "app-b";
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);
    q = vault_get();
    id = add("{\"match\":{\"principal\":\"oid-o\"},\"action\":{\"status\":503}}");
    ck_assert_uint_eq(fires(&q), id);
    q.oid = NULL;
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);

    q = vault_get();
    id = add("{\"match\":{\"path\":\"/secrets/*\"},\"action\":{\"status\":503}}");
    ck_assert_uint_eq(fires(&q), id);
    q.path = "/deletedsecrets/api-key";
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);

    /* All keys together, and endpoint kinds token and msi. */
    q = vault_get();
    id = add("{\"match\":{\"endpoint\":\"vault\",\"operation\":\"GetSecret\",\"vault\":\"demo\","
             "\"principal\":\"app-a\",\"path\":\"/secrets/api-*\"},\"action\":{\"status\":429}}");
    ck_assert_uint_eq(fires(&q), id);
    q.path = "/secrets/other";
    ck_assert_uint_eq(fires(&q), 0);
    mv_fault_clear(set);
    {
        struct mv_fault_request t = {MV_FAULT_EP_TOKEN, "Token", NULL,
                                     "client-1",        NULL,    "/t/oauth2/v2.0/token"};
        struct mv_fault_request m = {MV_FAULT_EP_MSI,
                                     "ManagedIdentityToken",
                                     NULL,
                                     NULL,
                                     NULL,
                                     "/metadata/identity/oauth2/token"};
        unsigned tid = add("{\"match\":{\"endpoint\":\"token\",\"principal\":\"client-1\"},"
                           "\"action\":{\"status\":500}}");
        unsigned mid = add("{\"match\":{\"endpoint\":\"msi\"},\"action\":{\"drop\":true}}");
        ck_assert_uint_eq(fires(&t), tid);
        t.appid = "client-2";
        ck_assert_uint_eq(fires(&t), 0);
        ck_assert_uint_eq(fires(&m), mid);
    }
    /* An empty match matches every request of a kind rules apply to, and none of no kind. */
    mv_fault_clear(set);
    q = vault_get();
    id = add("{\"action\":{\"status\":500}}");
    ck_assert_uint_eq(fires(&q), id);
    q.endpoint = MV_FAULT_EP_NONE;
    ck_assert_uint_eq(fires(&q), 0);
}
END_TEST

START_TEST(test_fault_glob)
{
    ck_assert(mv_fault_glob("/secrets/*", "/secrets/a"));
    ck_assert(mv_fault_glob("/secrets/*", "/secrets/a/versions"));
    ck_assert(mv_fault_glob("/secrets/*", "/secrets/"));
    ck_assert(!mv_fault_glob("/secrets/*", "/secrets"));
    ck_assert(mv_fault_glob("*", ""));
    ck_assert(mv_fault_glob("*", "/anything/at/all"));
    ck_assert(mv_fault_glob("/secrets/*/versions", "/secrets/x/versions"));
    ck_assert(!mv_fault_glob("/secrets/*/versions", "/secrets/x/backup"));
    ck_assert(mv_fault_glob("*/token", "/t/oauth2/v2.0/token"));
    ck_assert(mv_fault_glob("/SECRETS/Api-*", "/secrets/api-key"));
    ck_assert(mv_fault_glob("/a*b*c", "/aXbYbZc"));
    ck_assert(!mv_fault_glob("/a*b*c", "/aXbYbZ"));
    ck_assert(mv_fault_glob("/exact", "/exact"));
    ck_assert(!mv_fault_glob("/exact", "/exact/"));
    ck_assert(mv_fault_glob("/**", "/x"));
}
END_TEST

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Regression: the matcher backtracked to the last '*' one character at a time, so a literal like
 * "aaa...ab" after a '*' cost |path| * |literal| per rule per request (under the set's lock). It
 * is linear now; and its answers stay those of a '*' glob. */
START_TEST(test_fault_glob_linear)
{
    size_t n = 200000;
    char *text = malloc(n + 2), pat[258];
    double t0;
    bool hit = false;

    ck_assert_ptr_nonnull(text);
    text[0] = '/';
    memset(text + 1, 'a', n);
    text[n + 1] = '\0';
    pat[0] = '/';
    pat[1] = '*';
    memset(pat + 2, 'a', 253);
    pat[255] = 'b';
    pat[256] = '\0';
    t0 = mono();
    for (int i = 0; i < 50; i++)
        hit |= mv_fault_glob(pat, text);
    ck_assert(!hit);
    ck_assert_msg(mono() - t0 < 2.0, "50 matches took %.2f s", mono() - t0);
    /* Many stars: the same. */
    for (size_t i = 1; i + 2 < 256; i += 2) {
        pat[i] = '*';
        pat[i + 1] = 'a';
    }
    pat[255] = 'b';
    pat[256] = '\0';
    t0 = mono();
    for (int i = 0; i < 50; i++)
        hit |= mv_fault_glob(pat, text);
    ck_assert(!hit);
    ck_assert_msg(mono() - t0 < 2.0, "50 matches took %.2f s", mono() - t0);
    text[n] = 'B';
    ck_assert(mv_fault_glob(pat, text));
    free(text);
    /* Literal segments: leftmost, in order, no overlap with the prefix or the suffix. */
    ck_assert(mv_fault_glob("*ab*ab", "abab"));
    ck_assert(!mv_fault_glob("*ab*ab", "aba"));
    ck_assert(!mv_fault_glob("a*a", "a"));
    ck_assert(mv_fault_glob("a*a", "aa"));
    ck_assert(mv_fault_glob("/*aab*", "/aaaab"));
    ck_assert(mv_fault_glob("/*ABA*x", "/xabababx"));
    ck_assert(!mv_fault_glob("/*b*a*c", "/abc"));
    ck_assert(mv_fault_glob("/*API*", "/secrets/api-key"));
    ck_assert(mv_fault_glob("**a**", "a"));
    ck_assert(!mv_fault_glob("", "/"));
    ck_assert(mv_fault_glob("", ""));
}
END_TEST

/* A stand-in for a suspended connection: the delay queue's hold / release callbacks record
 * when they ran, so the timing is tested without a socket. */
struct fake_conn {
    int held, released; /* times hold / release ran: must end 1 / 1 */
    double released_at;
};

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_cond = PTHREAD_COND_INITIALIZER;

static void fake_hold(void *arg)
{
    struct fake_conn *c = arg;

    pthread_mutex_lock(&fake_lock);
    c->held++;
    pthread_mutex_unlock(&fake_lock);
}

static void fake_release(void *arg)
{
    struct fake_conn *c = arg;

    pthread_mutex_lock(&fake_lock);
    c->released++;
    c->released_at = mono();
    pthread_cond_broadcast(&fake_cond);
    pthread_mutex_unlock(&fake_lock);
}

/* Waits up to 5 s for c's release; returns the seconds from t0 to it, or -1. */
static double released_after(struct fake_conn *c, double t0)
{
    double took = -1;

    pthread_mutex_lock(&fake_lock);
    while (!c->released && mono() - t0 < 5.0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&fake_cond, &fake_lock, &ts);
    }
    if (c->released)
        took = c->released_at - t0;
    pthread_mutex_unlock(&fake_lock);
    return took;
}

static int released(struct fake_conn *c)
{
    int n;

    pthread_mutex_lock(&fake_lock);
    n = c->released;
    pthread_mutex_unlock(&fake_lock);
    return n;
}

/* Regression: a delay slept in the server thread that evaluated the rule, stalling every other
 * connection that libmicrohttpd worker served (the control API included), so delays were capped
 * at threads-1. A delay now holds a connection on the delay queue, no thread: many delays run at
 * once up to the queue's bound, each is released exactly once, when due, when its rule is removed
 * (and not another's), when the rules are cleared, or when the queue stops. */
START_TEST(test_fault_delay_bounded)
{
    struct mv_delay_queue *q = mv_delay_queue_create(8, fake_hold, fake_release);
    struct fake_conn c[10];
    unsigned id, other;
    double t0;

    ck_assert_ptr_nonnull(q);
    memset(c, 0, sizeof c);
    mv_fault_set_delays(set, q);
    id = add("{\"action\":{\"delayMs\":20000}}");
    other = add("{\"action\":{\"status\":503}}");
    /* Eight delays at once (no thread each); the ninth is refused without being held. */
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(mv_fault_delay_hold(set, id, 20000, &c[i]), MV_FAULT_DELAY_HELD);
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 20000, &c[8]), MV_FAULT_DELAY_FULL);
    ck_assert_int_eq(c[8].held, 0);
    ck_assert_uint_eq(mv_delay_count(q), 8);
    /* Removing another rule ends none; removing its own ends all eight at once. */
    ck_assert(mv_fault_remove(set, other));
    ck_assert_uint_eq(mv_delay_count(q), 8);
    t0 = mono();
    ck_assert(mv_fault_remove(set, id));
    for (int i = 0; i < 8; i++) {
        double took = released_after(&c[i], t0);
        ck_assert_msg(took >= 0 && took < 1.0, "delay %d released after %.2f s", i, took);
        ck_assert_int_eq(c[i].held, 1);
    }
    /* A rule removed between evaluation and the delay: no delay at all. */
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 20000, &c[9]), MV_FAULT_DELAY_GONE);
    ck_assert_int_eq(c[9].held, 0);
    /* Clearing ends every delay. */
    memset(c, 0, sizeof c);
    id = add("{\"action\":{\"delayMs\":20000}}");
    other = add("{\"action\":{\"delayMs\":30000}}");
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 20000, &c[0]), MV_FAULT_DELAY_HELD);
    ck_assert_int_eq(mv_fault_delay_hold(set, other, 30000, &c[1]), MV_FAULT_DELAY_HELD);
    t0 = mono();
    mv_fault_clear(set);
    ck_assert(released_after(&c[0], t0) < 1.0 && released_after(&c[1], t0) < 1.0);
    ck_assert(c[0].released_at - t0 >= 0 && c[1].released_at - t0 >= 0);
    /* Untouched, delays end when due, earliest first, whatever order they were added in. */
    memset(c, 0, sizeof c);
    id = add("{\"action\":{\"delayMs\":300}}");
    t0 = mono();
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 300, &c[0]), MV_FAULT_DELAY_HELD);
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 150, &c[1]), MV_FAULT_DELAY_HELD);
    ck_assert_msg(released_after(&c[1], t0) >= 0.14 && released_after(&c[1], t0) < 2.0,
                  "150 ms delay took %.2f s", released_after(&c[1], t0));
    ck_assert_msg(released_after(&c[0], t0) >= 0.29 && released_after(&c[0], t0) < 2.0,
                  "300 ms delay took %.2f s", released_after(&c[0], t0));
    ck_assert(c[1].released_at <= c[0].released_at);
    /* Stopping releases what is held and refuses new delays; destroy after stop is fine. */
    memset(c, 0, sizeof c);
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 20000, &c[0]), MV_FAULT_DELAY_HELD);
    mv_delay_queue_stop(q);
    ck_assert_int_eq(released(&c[0]), 1);
    ck_assert_int_eq(mv_fault_delay_hold(set, id, 20000, &c[1]), MV_FAULT_DELAY_FULL);
    ck_assert_int_eq(c[1].held, 0);
    mv_delay_queue_stop(q);
    mv_fault_set_delays(set, NULL);
    mv_delay_queue_destroy(q);
    mv_delay_queue_destroy(NULL);
    mv_delay_queue_stop(NULL);
    for (int i = 0; i < 10; i++)
        ck_assert_int_le(c[i].released, 1);
}
END_TEST

/* The queue's bound: 0 and anything above MV_DELAY_MAX mean MV_DELAY_MAX. */
START_TEST(test_delay_queue_max)
{
    static struct fake_conn c[MV_DELAY_MAX + 1];
    struct mv_delay_queue *q = mv_delay_queue_create(0, fake_hold, fake_release);

    ck_assert_ptr_nonnull(q);
    memset(c, 0, sizeof c);
    for (int i = 0; i < MV_DELAY_MAX; i++)
        ck_assert(mv_delay_add(q, 1, 20000 - (unsigned)i, &c[i]));
    ck_assert(!mv_delay_add(q, 1, 100, &c[MV_DELAY_MAX]));
    ck_assert_uint_eq(mv_delay_end_rule(q, 2), 0);
    ck_assert_uint_eq(mv_delay_end_all(q), MV_DELAY_MAX);
    ck_assert_uint_eq(mv_delay_count(q), 0);
    mv_delay_queue_destroy(q); /* stops, joins the timer */
    for (int i = 0; i < MV_DELAY_MAX; i++)
        ck_assert_int_eq(c[i].released, 1);
}
END_TEST

START_TEST(test_fault_times)
{
    struct mv_fault_request q = vault_get();
    struct mv_fault_action a;
    unsigned id = add("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":429,"
                      "\"retryAfter\":2},\"times\":2}");
    const cJSON *r;
    cJSON *l;

    ck_assert(mv_fault_eval(set, &q, &a));
    ck_assert_uint_eq(a.id, id);
    ck_assert_uint_eq(a.status, 429);
    ck_assert(a.has_retry_after);
    ck_assert_uint_eq(a.retry_after, 2);
    ck_assert_uint_eq(fires(&q), id);
    /* Spent: the third match passes through. */
    ck_assert_uint_eq(fires(&q), 0);
    ck_assert_uint_eq(fires(&q), 0);
    l = mv_fault_list(set);
    r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(l, "value"), 0);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(r, "fired")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(r, "matched")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(r, "remaining")->valueint, 0);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "spent")));
    cJSON_Delete(l);
}
END_TEST

START_TEST(test_fault_every)
{
    struct mv_fault_request q = vault_get();
    unsigned id = add("{\"action\":{\"status\":503},\"every\":3}");
    char seq[16] = "";

    for (int i = 0; i < 9; i++)
        seq[i] = fires(&q) == id ? 'X' : '.';
    ck_assert_str_eq(seq, "..X..X..X");
    /* every with times: every 2nd match, twice. */
    mv_fault_clear(set);
    id = add("{\"action\":{\"status\":503},\"every\":2,\"times\":2}");
    for (int i = 0; i < 8; i++)
        seq[i] = fires(&q) == id ? 'X' : '.';
    seq[8] = '\0';
    ck_assert_str_eq(seq, ".X.X....");
}
END_TEST

/* The fire / no-fire sequence of n matches of a probability rule. */
static void sequence(uint64_t seed, const char *rule, char *out, int n)
{
    struct mv_fault_set *s = mv_fault_set_create(seed, NULL, NULL);
    struct mv_fault_request q = vault_get();
    struct mv_fault_action a;
    char err[256];
    unsigned id;

    ck_assert_int_eq(mv_fault_add_json(s, rule, strlen(rule), &id, err, sizeof err), 0);
    for (int i = 0; i < n; i++)
        out[i] = mv_fault_eval(s, &q, &a) ? 'X' : '.';
    out[n] = '\0';
    mv_fault_set_destroy(s);
}

START_TEST(test_fault_probability_reproducible)
{
    const char *rule = "{\"action\":{\"status\":503},\"probability\":0.5}";
    char a[201], b[201], c[201];
    int hits = 0;

    sequence(7, rule, a, 200);
    sequence(7, rule, b, 200);
    sequence(8, rule, c, 200);
    /* Same seed, same sequence; another seed, another sequence. */
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    for (int i = 0; i < 200; i++)
        hits += a[i] == 'X';
    ck_assert_msg(hits > 70 && hits < 130, "p=0.5 fired %d of 200 times", hits);
    /* The exact sequence for seed 7, pinned so a change to the PRNG is a deliberate one. */
    sequence(7, rule, a, 16);
    ck_assert_str_eq(a, ".XXX.X.XXXX.X.X.");
    /* 0 never fires, 1 always does. */
    sequence(7, "{\"action\":{\"status\":503},\"probability\":0}", a, 50);
    ck_assert(strchr(a, 'X') == NULL);
    sequence(7, "{\"action\":{\"status\":503},\"probability\":1}", a, 50);
    ck_assert(strchr(a, '.') == NULL);
    /* Clearing the set restarts ids, so the same rule after a clear draws the same sequence. */
    {
        struct mv_fault_request q = vault_get();
        char x[41], y[41];
        add(rule);
        for (int i = 0; i < 40; i++)
            x[i] = fires(&q) ? 'X' : '.';
        x[40] = '\0';
        mv_fault_clear(set);
        add(rule);
        for (int i = 0; i < 40; i++)
            y[i] = fires(&q) ? 'X' : '.';
        y[40] = '\0';
        ck_assert_str_eq(x, y);
    }
}
END_TEST

START_TEST(test_fault_order_and_remove)
{
    struct mv_fault_request q = vault_get();
    unsigned a =
        add("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":500},\"times\":1}");
    unsigned b = add("{\"action\":{\"status\":503}}");
    cJSON *l;

    /* The first rule that fires wins; once spent, the next one answers. */
    ck_assert_uint_eq(fires(&q), a);
    ck_assert_uint_eq(fires(&q), b);
    ck_assert(mv_fault_remove(set, b));
    ck_assert(!mv_fault_remove(set, b));
    ck_assert(!mv_fault_remove(set, 999));
    ck_assert_uint_eq(fires(&q), 0);
    l = mv_fault_list(set);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "value")), 1);
    cJSON_Delete(l);
    /* Ids keep counting up after a single delete ... */
    ck_assert_uint_eq(add("{\"action\":{\"drop\":true}}"), 3);
    /* ... and restart after a clear. */
    mv_fault_clear(set);
    ck_assert(mv_fault_set_empty(set));
    ck_assert_uint_eq(add("{\"action\":{\"drop\":true}}"), 1);
}
END_TEST

START_TEST(test_fault_list_echoes_rule)
{
    cJSON *l;
    char *got;

    add("{\"match\":{\"endpoint\":\"vault\",\"operation\":\"GetSecret\",\"vault\":\"demo\","
        "\"principal\":\"p\",\"path\":\"/secrets/*\"},\"action\":{\"status\":429,\"retryAfter\":2,"
        "\"delayMs\":5,\"truncate\":true},\"times\":2,\"every\":null,\"probability\":0.25}");
    l = mv_fault_list(set);
    got = cJSON_PrintUnformatted(l);
    /* The rule as posted (null keys left out), id first, counters last. */
    ck_assert_str_eq(
        got, "{\"value\":[{\"id\":1,\"match\":{\"endpoint\":\"vault\",\"operation\":"
             "\"GetSecret\",\"vault\":\"demo\",\"principal\":\"p\",\"path\":\"/secrets/*\"},"
             "\"action\":{\"status\":429,\"retryAfter\":2,\"delayMs\":5,\"truncate\":true},"
             "\"times\":2,\"probability\":0.25,\"matched\":0,\"fired\":0,\"remaining\":2,"
             "\"spent\":false}]}");
    free(got);
    cJSON_Delete(l);
}
END_TEST

/* Bad rules: each is refused with a message containing the given text, and nothing is added. */
static const struct {
    const char *json;
    const char *says;
} bad_rules[] = {
    {"", "one JSON object"},
    {"[]", "one JSON object"},
    {"{\"action\":{\"status\":503}} x", "one JSON object"},
    {"{\"match\":{}}", "\"action\" is required"},
    {"{\"action\":{}}", "does nothing"},
    {"{\"action\":{\"drop\":false}}", "does nothing"},
    {"{\"action\":{\"delayMs\":0}}", "does nothing"},
    {"{\"action\":{\"status\":503},\"bogus\":1}", "unknown key \"bogus\" in the rule"},
    {"{\"match\":{\"host\":\"x\"},\"action\":{\"status\":503}}",
     "unknown key \"host\" in \"match\""},
    {"{\"action\":{\"status\":503,\"code\":\"X\"}}", "unknown key \"code\" in \"action\""},
    {"{\"action\":{\"status\":503},\"times\":1,\"times\":2}", "appears twice"},
    {"{\"action\":{\"status\":\"503\"}}", "\"action.status\""},
    {"{\"action\":{\"status\":200}}", "400 to 599"},
    {"{\"action\":{\"status\":600}}", "400 to 599"},
    {"{\"action\":{\"status\":503.5}}", "400 to 599"},
    {"{\"action\":{\"status\":503,\"retryAfter\":-1}}", "\"action.retryAfter\""},
    {"{\"action\":{\"retryAfter\":2,\"delayMs\":10}}", "goes with a \"status\""},
    {"{\"action\":{\"delayMs\":30001}}", "\"action.delayMs\""},
    {"{\"action\":{\"drop\":\"yes\"}}", "\"action.drop\""},
    {"{\"action\":{\"truncate\":1}}", "\"action.truncate\""},
    {"{\"action\":{\"drop\":true,\"status\":503}}", "cannot go with"},
    {"{\"action\":{\"status\":503},\"times\":0}", "\"times\""},
    {"{\"action\":{\"status\":503},\"times\":\"2\"}", "\"times\""},
    {"{\"action\":{\"status\":503},\"every\":0}", "\"every\""},
    {"{\"action\":{\"status\":503},\"probability\":1.5}", "\"probability\""},
    {"{\"action\":{\"status\":503},\"probability\":-0.1}", "\"probability\""},
    {"{\"action\":{\"status\":503},\"probability\":\"0.5\"}", "\"probability\""},
    {"{\"match\":{\"endpoint\":\"keys\"},\"action\":{\"status\":503}}", "\"match.endpoint\""},
    {"{\"match\":{\"operation\":\"GetSecretz\"},\"action\":{\"status\":503}}",
     "\"match.operation\""},
    {"{\"match\":{\"operation\":7},\"action\":{\"status\":503}}", "\"match.operation\""},
    {"{\"match\":{\"vault\":\"\"},\"action\":{\"status\":503}}", "\"match.vault\""},
    {"{\"match\":{\"path\":\"secrets/*\"},\"action\":{\"status\":503}}", "\"match.path\""},
    {"{\"match\":\"vault\",\"action\":{\"status\":503}}", "\"match\" must be an object"},
};

START_TEST(test_fault_bad_rules)
{
    const char *json = bad_rules[_i].json;
    char err[512] = "";
    unsigned id = 77;
    cJSON *l;

    add("{\"action\":{\"status\":500}}");
    ck_assert_int_eq(mv_fault_add_json(set, json, strlen(json), &id, err, sizeof err), -1);
    ck_assert_msg(strstr(err, bad_rules[_i].says) != NULL, "rule %s: message '%s' lacks '%s'", json,
                  err, bad_rules[_i].says);
    ck_assert_uint_eq(id, 77);
    l = mv_fault_list(set);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "value")), 1);
    cJSON_Delete(l);
    /* The next good rule gets the next id: a refused rule used none. */
    ck_assert_uint_eq(add("{\"action\":{\"status\":500}}"), 2);
}
END_TEST

START_TEST(test_fault_rule_cap)
{
    const char *rule = "{\"action\":{\"status\":500}}";
    char err[256];
    unsigned id;

    for (int i = 0; i < MV_FAULT_MAX_RULES; i++)
        add(rule);
    ck_assert_int_eq(mv_fault_add_json(set, rule, strlen(rule), &id, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "DELETE /_mock/faults"));
}
END_TEST

START_TEST(test_fault_destroy_null)
{
    mv_fault_set_destroy(NULL);
}
END_TEST

/* Issue 13: the rule parser read past a body that is not NUL-terminated (it scanned the rest
 * with strspn). The rule is put at the very end of a readable page followed by an inaccessible
 * one, so a read past its last byte faults with or without AddressSanitizer; a copy in a malloc'd
 * block of exactly its length covers the ASan build as well. */
START_TEST(test_fault_json_not_terminated)
{
    static const char rules[][64] = {
        "{\"action\":{\"status\":503},\"times\":1}  \n",
        "{\"action\":{\"status\":503}}",
        "{\"action\":{\"status\":503}} x",
    };
    long page = sysconf(_SC_PAGESIZE);
    char *map =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(map, MAP_FAILED);
    ck_assert_int_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        size_t len = strlen(rules[i]);
        char *at_end = map + page - len, *exact = malloc(len), err[256] = "";
        unsigned id = 0;
        int want = i < 2 ? 0 : -1;

        ck_assert_ptr_nonnull(exact);
        memcpy(at_end, rules[i], len);
        memcpy(exact, rules[i], len);
        ck_assert_int_eq(mv_fault_add_json(set, at_end, len, &id, err, sizeof err), want);
        ck_assert_int_eq(mv_fault_add_json(set, exact, len, &id, err, sizeof err), want);
        free(exact);
    }
    ck_assert_int_eq(munmap(map, (size_t)page * 2), 0);
}
END_TEST

static Suite *fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("rules");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fault_empty_set);
    tcase_add_test(tc, test_fault_match_keys);
    tcase_add_test(tc, test_fault_glob);
    tcase_add_test(tc, test_fault_glob_linear);
    tcase_add_test(tc, test_fault_delay_bounded);
    tcase_add_test(tc, test_delay_queue_max);
    tcase_add_test(tc, test_fault_times);
    tcase_add_test(tc, test_fault_every);
    tcase_add_test(tc, test_fault_probability_reproducible);
    tcase_add_test(tc, test_fault_order_and_remove);
    tcase_add_test(tc, test_fault_list_echoes_rule);
    tcase_add_loop_test(tc, test_fault_bad_rules, 0, (int)(sizeof bad_rules / sizeof bad_rules[0]));
    tcase_add_test(tc, test_fault_rule_cap);
    tcase_add_test(tc, test_fault_destroy_null);
    tcase_add_test(tc, test_fault_json_not_terminated);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(fault_suite(), false);
}
