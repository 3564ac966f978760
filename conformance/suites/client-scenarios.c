/* client-scenarios.c: the scenarios of `kvconform client` (DESIGN.md §10, issue 5). Each one sets
 * the mock up through the control API (the mock was reset before it), starts the adapter, sends
 * commands and judges the answers plus the mock's journal. The adapter's stderr is checked for
 * secrets after every scenario (client-adapter.c).
 *
 * What the grader learns from the vault itself ("truth": versions, values, dates) it reads before
 * starting the adapter, since starting it clears the journal. Failure reasons carry names,
 * statuses, counts and times, never values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cx-mem.h"
#include "kvc-client.h"

#define MAXJ KVCC_MAXJ

/* Retry-After is honoured when the gap between two attempts is at least what it asked for;
 * the journal's clock and the client's timers may differ by a few milliseconds. */
#define GAP_SLACK 0.05

/* Last path segment of an id: the version of a versioned id, the name of an item's. */
static const char *last_seg(const char *id)
{
    const char *p = strrchr(id, '/');
    return p ? p + 1 : id;
}

struct truth {
    char value[1024];
    char version[64];
    double exp, nbf; /* -1 when absent */
    bool enabled;
};

/* GET /secrets/name[/version] as the admin app, before the adapter starts. */
static bool truth_get(struct kvcc_sc *s, const char *name, const char *version, struct truth *t)
{
    char path[512];
    struct kvc_resp r;
    const cJSON *v;

    memset(t, 0, sizeof *t);
    snprintf(path, sizeof path, "/secrets/%s%s%s", name, version ? "/" : "",
             version ? version : "");
    if (kvcc_vault("GET", path, NULL, &r) != 200) {
        kvcc_fail(s, "setup: GET %s answered %ld (is the mock's default fixture loaded?)", path,
                  r.status);
        kvc_resp_free(&r);
        return false;
    }
    snprintf(t->value, sizeof t->value, "%s", kvc_jstr(r.json, "value"));
    snprintf(t->version, sizeof t->version, "%s", last_seg(kvc_jstr(r.json, "id")));
    v = kvc_jget(r.json, "attributes.exp");
    t->exp = cJSON_IsNumber(v) ? v->valuedouble : -1;
    v = kvc_jget(r.json, "attributes.nbf");
    t->nbf = cJSON_IsNumber(v) ? v->valuedouble : -1;
    t->enabled = cJSON_IsTrue(kvc_jget(r.json, "attributes.enabled"));
    kvcc_watch(s, t->value);
    cx_wipe(r.body, r.len);
    kvc_resp_free(&r);
    return true;
}

/* The versions of a secret (ids' last segments) with their enabled flag. Returns the count. */
static int versions_of(struct kvcc_sc *s, const char *name, char ver[][64], bool *enabled, int max)
{
    char path[512];
    struct kvc_resp r;
    const cJSON *it;
    int n = 0;

    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    if (kvcc_vault("GET", path, NULL, &r) != 200) {
        kvcc_fail(s, "setup: GET %s answered %ld", path, r.status);
        kvc_resp_free(&r);
        return 0;
    }
    cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
        if (n == max)
            break;
        snprintf(ver[n], 64, "%s", last_seg(kvc_jstr(it, "id")));
        enabled[n] = cJSON_IsTrue(kvc_jget(it, "attributes.enabled"));
        n++;
    }
    kvc_resp_free(&r);
    return n;
}

static bool add_fault(struct kvcc_sc *s, const char *json)
{
    struct kvc_resp r;
    long st = kvcc_control("POST", "/_mock/faults", json, &r);

    if (st != 201 && st != 200) {
        kvcc_fail(s, "setup: POST /_mock/faults answered %ld: %s", st, r.body ? r.body : "");
        kvc_resp_free(&r);
        return false;
    }
    kvc_resp_free(&r);
    return true;
}

static bool clear_journal(struct kvcc_sc *s)
{
    if (kvcc_control("DELETE", "/_mock/requests", NULL, NULL) != 204)
        return kvcc_fail(s, "control API: DELETE /_mock/requests failed");
    return true;
}

int kvcc_attempts(struct kvcc_sc *s, const char *operation, struct kvcc_entry *e)
{
    int n = kvcc_journal(operation, s->client_id, e, MAXJ);

    if (n < 0)
        kvcc_fail(s, "control API: the journal could not be read");
    return n;
}

const char *kvcc_statuses(const struct kvcc_entry *e, int n, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%ld", i ? ", " : "", e[i].status);
    return buf;
}

/* An answer that must be a successful get of the truth. */
static bool got(struct kvcc_sc *s, const cJSON *a, const char *what, const struct truth *t)
{
    char d[200];

    if (!a)
        return false;
    if (!kvcc_ok(a))
        return kvcc_fail(s, "%s: expected success, got %s", what, kvcc_describe(a, d, sizeof d));
    if (strcmp(kvcc_str(a, "value"), t->value) != 0)
        return kvcc_fail(s, "%s: the value returned is not the secret's value", what);
    if (t->version[0] && strcmp(kvcc_str(a, "version"), t->version) != 0)
        return kvcc_fail(s, "%s: version '%s', expected '%s'", what, kvcc_str(a, "version"),
                         t->version);
    return true;
}

bool kvcc_failed_with(struct kvcc_sc *s, const cJSON *a, const char *what, double status,
                      const char *code, const char *inner)
{
    char d[200];

    if (!a)
        return false;
    if (kvcc_ok(a) || kvcc_num(a, "status") != status || strcmp(kvcc_str(a, "code"), code) != 0 ||
        (inner && strcmp(kvcc_str(a, "innerCode"), inner) != 0))
        return kvcc_fail(s, "%s: expected error status %.0f, code %s%s%s; got %s", what, status,
                         code, inner ? "/" : "", inner ? inner : "", kvcc_describe(a, d, sizeof d));
    return true;
}

void kvcc_random_hex(char *buf, size_t nbytes)
{
    unsigned char b[32];
    FILE *f = fopen("/dev/urandom", "rb");

    if (nbytes > sizeof b)
        nbytes = sizeof b;
    if (!f || fread(b, 1, nbytes, f) != nbytes) {
        for (size_t i = 0; i < nbytes; i++)
            b[i] = (unsigned char)(rand() ^ (int)time(NULL) ^ (int)getpid());
    }
    if (f)
        fclose(f);
    for (size_t i = 0; i < nbytes; i++)
        sprintf(buf + 2 * i, "%02x", b[i]);
}

/* ----- secrets ----------------------------------------------------------------------------- */

static void sc_get_latest(struct kvcc_sc *s)
{
    struct truth db, api;

    if (!truth_get(s, "db-password", NULL, &db) || !truth_get(s, "api-key", NULL, &api))
        return;
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    if (!got(s, kvcc_cmd(s, "get db-password"), "get db-password (3 versions)", &db))
        return;
    got(s, kvcc_cmd(s, "get api-key"), "get api-key", &api);
}

static void sc_get_pinned_version(struct kvcc_sc *s)
{
    char ver[16][64];
    bool en[16];
    struct truth latest, old;
    int n = versions_of(s, "db-password", ver, en, 16), pick = -1;

    if (!truth_get(s, "db-password", NULL, &latest))
        return;
    for (int i = 0; i < n; i++)
        if (en[i] && strcmp(ver[i], latest.version) != 0)
            pick = i;
    EXPECT(s, pick >= 0, "setup: db-password has no older enabled version");
    if (!truth_get(s, "db-password", ver[pick], &old))
        return;
    EXPECT(s, strcmp(old.value, latest.value) != 0, "setup: the old version has the latest value");
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    got(s, kvcc_cmd(s, "get db-password %s", old.version), "get db-password at an older version",
        &old);
}

static void sc_disabled_secret(struct kvcc_sc *s)
{
    char ver[16][64];
    bool en[16];
    int n = versions_of(s, "graph-app-secret", ver, en, 16), off = -1;

    for (int i = 0; i < n; i++)
        if (!en[i])
            off = i;
    EXPECT(s, off >= 0, "setup: graph-app-secret has no disabled version");
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    if (!kvcc_failed_with(s, kvcc_cmd(s, "get disabled-secret"), "get disabled-secret", 403,
                          "Forbidden", "SecretDisabled"))
        return;
    kvcc_failed_with(s, kvcc_cmd(s, "get graph-app-secret %s", ver[off]),
                     "get graph-app-secret at its disabled version", 403, "Forbidden",
                     "SecretDisabled");
}

static void sc_expired_not_yet_valid(struct kvcc_sc *s)
{
    struct truth ex, fut;
    cJSON *a;

    if (!truth_get(s, "expired-secret", NULL, &ex) || !truth_get(s, "not-yet-valid", NULL, &fut))
        return;
    EXPECT(s, ex.exp > 0 && fut.nbf > 0, "setup: the fixture's secrets lack exp/nbf");
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    a = kvcc_cmd(s, "get expired-secret");
    if (!got(s, a, "get expired-secret (the service returns expired secrets)", &ex))
        return;
    EXPECT(s, kvcc_num(a, "exp") == ex.exp, "get expired-secret: exp %.0f, expected %.0f",
           kvcc_num(a, "exp"), ex.exp);
    a = kvcc_cmd(s, "get not-yet-valid");
    if (!got(s, a, "get not-yet-valid (the service returns them)", &fut))
        return;
    EXPECT(s, kvcc_num(a, "nbf") == fut.nbf, "get not-yet-valid: nbf %.0f, expected %.0f",
           kvcc_num(a, "nbf"), fut.nbf);
}

static void sc_not_found(struct kvcc_sc *s)
{
    char name[64], hex[17];
    struct kvcc_entry e[MAXJ];
    int n;

    kvcc_random_hex(hex, 8);
    snprintf(name, sizeof name, "kvc-missing-%s", hex);
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    if (!kvcc_failed_with(s, kvcc_cmd(s, "get %s", name), "get of a missing secret", 404,
                          "SecretNotFound", NULL))
        return;
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT(s, n == 1, "a 404 is final, but the client sent %d authenticated attempts", n);
}

static void sc_deleted_name_conflict(struct kvcc_sc *s)
{
    char hex[33], st[128];
    struct kvcc_entry e[MAXJ];
    int n;

    long ds = kvcc_vault("GET", "/deletedsecrets/old-secret", NULL, NULL);
    EXPECT(s, ds == 200,
           "setup: GET /deletedsecrets/old-secret answered %ld (the fixture has it "
           "soft-deleted)",
           ds);
    kvcc_random_hex(hex, 16);
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    if (!kvcc_failed_with(s, kvcc_cmd(s, "set old-secret kvc-conflict-%s", hex),
                          "set on a soft-deleted name", 409, "Conflict", NULL))
        return;
    n = kvcc_attempts(s, "SetSecret", e);
    EXPECT(s, n == 1, "a 409 is final, but the client sent %d authenticated attempts (%s)", n,
           kvcc_statuses(e, n, st, sizeof st));
}

/* ----- identity and tokens ----------------------------------------------------------------- */

static void sc_access_denied(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ];
    char d[200], st[128];
    cJSON *a;
    int n;

    if (!kvcc_start(s, KVCC_NOACCESS_ID, KVCC_NOACCESS_SECRET))
        return;
    a = kvcc_cmd(s, "get api-key");
    if (!kvcc_failed_with(s, a, "get with an identity that has no access", 403, "Forbidden", NULL))
        return;
    EXPECT(s, strcmp(kvcc_str(a, "innerCode"), "SecretDisabled") != 0,
           "a denial is reported as a disabled secret (%s)", kvcc_describe(a, d, sizeof d));
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT(s, n == 1, "a denial is final, but the client sent %d authenticated attempts (%s)", n,
           kvcc_statuses(e, n, st, sizeof st));
}

static void sc_token_reused(struct kvcc_sc *s)
{
    static const char *const names[] = {"db-password", "expired-secret", "not-yet-valid", "api-key",
                                        "db-password"};
    struct kvcc_entry e[MAXJ];
    char d[200];
    int n0, n1;

    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    cJSON *a = kvcc_cmd(s, "get api-key");
    EXPECT(s, kvcc_ok(a), "first get api-key: %s", kvcc_describe(a, d, sizeof d));
    n0 = kvcc_attempts(s, "Token", e);
    EXPECT(s, n0 >= 1, "the journal shows no token request by the client's app");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        a = kvcc_cmd(s, "get %s", names[i]);
        EXPECT(s, kvcc_ok(a), "get %s: %s", names[i], kvcc_describe(a, d, sizeof d));
    }
    n1 = kvcc_attempts(s, "Token", e);
    EXPECT(s, n1 == n0,
           "%d token requests for 5 more gets within the token's lifetime: the token "
           "is not reused",
           n1 - n0);
    snprintf(s->detail, sizeof s->detail, "6 gets, %d token request%s", n1, n1 == 1 ? "" : "s");
}

static void sc_token_refresh(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ];
    char body[64], d[200];
    double adv = kvcc.token_lifetime + 60;
    cJSON *a;
    int n;

    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    a = kvcc_cmd(s, "get api-key");
    EXPECT(s, kvcc_ok(a), "get api-key: %s", kvcc_describe(a, d, sizeof d));
    a = kvcc_cmd(s, "get db-password");
    EXPECT(s, kvcc_ok(a), "get db-password: %s", kvcc_describe(a, d, sizeof d));
    /* The token issued at the start is now past its lifetime for the vault... */
    snprintf(body, sizeof body, "{\"advance\":%.0f}", adv);
    EXPECT(s, kvcc_control("POST", "/_mock/clock", body, NULL) == 200,
           "control API: POST /_mock/clock failed");
    /* ...and for the client, which is told how far the clock moved. */
    a = kvcc_cmd(s, "clock %.0f", adv);
    EXPECT(s, kvcc_ok(a), "clock: %s", kvcc_describe(a, d, sizeof d));
    if (!clear_journal(s))
        return;
    a = kvcc_cmd(s, "get api-key");
    EXPECT(s, kvcc_ok(a), "get api-key after the token expired: %s", kvcc_describe(a, d, sizeof d));
    a = kvcc_cmd(s, "get db-password");
    EXPECT(s, kvcc_ok(a), "get db-password after the refresh: %s", kvcc_describe(a, d, sizeof d));
    a = kvcc_cmd(s, "get api-key");
    EXPECT(s, kvcc_ok(a), "get api-key after the refresh: %s", kvcc_describe(a, d, sizeof d));
    n = kvcc_attempts(s, "Token", e);
    EXPECT(s, n == 1, "%d token requests for 3 gets after the token expired (want exactly 1)", n);
    snprintf(s->detail, sizeof s->detail, "clock +%.0f s: 1 new token for 3 gets", adv);
}

/* ----- retries ----------------------------------------------------------------------------- */

/* Warms the client up (challenge and token done), then installs the fault for its app's
 * GetSecret and clears the journal. */
static bool warm_then_fault(struct kvcc_sc *s, const char *action, const char *times)
{
    char rule[512], d[200];
    cJSON *a;

    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return false;
    a = kvcc_cmd(s, "get db-password");
    if (!kvcc_ok(a))
        return a ? kvcc_fail(s, "warm-up get db-password: %s", kvcc_describe(a, d, sizeof d))
                 : false;
    snprintf(rule, sizeof rule,
             "{\"match\":{\"endpoint\":\"vault\",\"operation\":\"GetSecret\",\"vault\":\"demo\","
             "\"principal\":\"%s\"},\"action\":%s%s%s}",
             s->client_id, action, times ? ",\"times\":" : "", times ? times : "");
    return add_fault(s, rule) && clear_journal(s);
}

/* Checks that every attempt after a 429 came no sooner than wait seconds after it. */
static bool gaps_honoured(struct kvcc_sc *s, const struct kvcc_entry *e, int n, double wait)
{
    for (int i = 1; i < n; i++) {
        double gap = e[i].time - e[i - 1].time;
        if (e[i - 1].status == 429 && gap < wait - GAP_SLACK)
            return kvcc_fail(s, "attempt %d came %.2f s after a 429 with Retry-After: %.0f", i + 1,
                             gap, wait);
    }
    return true;
}

static void sc_throttled_retry_after(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ];
    struct truth t;
    char st[256];
    double t0;
    int n;

    if (!truth_get(s, "api-key", NULL, &t))
        return;
    if (!warm_then_fault(s, "{\"status\":429,\"retryAfter\":2}", "2"))
        return;
    t0 = kvcc_now();
    if (!got(s, kvcc_cmd(s, "get api-key"), "get api-key throttled twice (429, Retry-After: 2)",
             &t))
        return;
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT(s, n == 3 && e[0].status == 429 && e[1].status == 429 && e[2].status == 200,
           "attempts seen: %s (want 429, 429, 200)", kvcc_statuses(e, n, st, sizeof st));
    if (!gaps_honoured(s, e, n, 2))
        return;
    snprintf(s->detail, sizeof s->detail, "3 attempts, gaps %.2f s and %.2f s, %.1f s in all",
             e[1].time - e[0].time, e[2].time - e[1].time, kvcc_now() - t0);
}

static void sc_throttled_gives_up(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ];
    char st[512];
    double t0, took;
    int n;

    if (!warm_then_fault(s, "{\"status\":429,\"retryAfter\":1}", NULL))
        return;
    t0 = kvcc_now();
    if (!kvcc_failed_with(s, kvcc_cmd(s, "get api-key"), "get api-key throttled without end", 429,
                          "Throttled", NULL))
        return;
    took = kvcc_now() - t0;
    kvcc_control("DELETE", "/_mock/faults", NULL, NULL);
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT(s, n >= 2, "the client gave up after %d attempt%s without retrying a 429", n,
           n == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
        EXPECT(s, e[i].status == 429, "attempts seen: %s", kvcc_statuses(e, n, st, sizeof st));
    if (!gaps_honoured(s, e, n, 1))
        return;
    snprintf(s->detail, sizeof s->detail, "gave up after %d attempts in %.1f s", n, took);
}

static void sc_server_error_retried(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ];
    struct truth t;
    char st[256];
    int n;

    if (!truth_get(s, "api-key", NULL, &t))
        return;
    if (!warm_then_fault(s, "{\"status\":503}", "2"))
        return;
    if (!got(s, kvcc_cmd(s, "get api-key"), "get api-key after two 503s", &t))
        return;
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT(s, n == 3 && e[0].status == 503 && e[1].status == 503 && e[2].status == 200,
           "attempts seen: %s (want 503, 503, 200)", kvcc_statuses(e, n, st, sizeof st));
    snprintf(s->detail, sizeof s->detail, "retried after %.2f s and %.2f s", e[1].time - e[0].time,
             e[2].time - e[1].time);
}

/* ----- paging ------------------------------------------------------------------------------ */

#define SEEDED 50 /* + the fixture's 6 live secrets = 56: three pages of 25 */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sc_paging(struct kvcc_sc *s)
{
    char *want[512], *have[512], path[2048] = "/secrets?maxresults=25", st[256];
    struct kvcc_entry e[MAXJ];
    size_t nw = 0, nh = 0;
    const cJSON *it;
    cJSON *a;
    int n;

    for (int i = 0; i < SEEDED; i++) {
        char p[64], body[96];
        snprintf(p, sizeof p, "/secrets/kvc-page-%02d", i);
        snprintf(body, sizeof body, "{\"value\":\"kvc-page-value-%02d\"}", i);
        long ps = kvcc_vault("PUT", p, body, NULL);
        EXPECT(s, ps == 200, "setup: PUT %s answered %ld", p, ps);
    }
    /* The names the vault lists, page by page. */
    for (int page = 0; page < 100 && path[0]; page++) {
        struct kvc_resp r;
        const cJSON *next;
        if (kvcc_vault("GET", path, NULL, &r) != 200) {
            kvc_resp_free(&r);
            kvcc_fail(s, "setup: listing the vault failed");
            goto out;
        }
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
            if (nw < sizeof want / sizeof want[0])
                want[nw++] = strdup(last_seg(kvc_jstr(it, "id")));
        }
        next = kvc_jget(r.json, "nextLink");
        path[0] = '\0';
        if (cJSON_IsString(next) && next->valuestring[0]) {
            const char *q = strstr(next->valuestring, "/secrets");
            if (q)
                snprintf(path, sizeof path, "%s", q);
        }
        kvc_resp_free(&r);
    }
    if (nw <= 50) {
        kvcc_fail(s, "setup: the vault lists only %zu secrets", nw);
        goto out;
    }
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        goto out;
    a = kvcc_cmd(s, "list");
    if (!a)
        goto out;
    if (!kvcc_ok(a)) {
        kvcc_fail(s, "list: %s", kvcc_describe(a, st, sizeof st));
        goto out;
    }
    cJSON_ArrayForEach(it, kvc_jget(a, "items")) {
        if (nh < sizeof have / sizeof have[0])
            have[nh++] = strdup(kvcc_str(it, "name"));
    }
    qsort(want, nw, sizeof want[0], cmp_str);
    qsort(have, nh, sizeof have[0], cmp_str);
    if (nh != nw) {
        kvcc_fail(s, "list returned %zu secrets, the vault has %zu", nh, nw);
        goto out;
    }
    for (size_t i = 0; i < nw; i++) {
        if (!want[i] || !have[i] || strcmp(want[i], have[i]) != 0) {
            kvcc_fail(s, "list: '%s' missing or unexpected", want[i] ? want[i] : "?");
            goto out;
        }
    }
    n = kvcc_attempts(s, "GetSecrets", e);
    if (n < 3)
        kvcc_fail(s, "%zu secrets came in %d list requests (%s); want three or more pages", nh, n,
                  kvcc_statuses(e, n, st, sizeof st));
    else
        snprintf(s->detail, sizeof s->detail, "%zu secrets in %d pages", nh, n);
out:
    for (size_t i = 0; i < nw; i++)
        free(want[i]);
    for (size_t i = 0; i < nh; i++)
        free(have[i]);
}

/* ----- logs -------------------------------------------------------------------------------- */

static void sc_value_not_logged(struct kvcc_sc *s)
{
    char name[64], hex[33], d[200];
    struct truth t = {0};
    cJSON *a;

    kvcc_random_hex(hex, 6);
    snprintf(name, sizeof name, "kvc-log-%s", hex);
    kvcc_random_hex(hex, 16);
    snprintf(t.value, sizeof t.value, "kvc-secret-value-%s", hex);
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    a = kvcc_cmd(s, "set %s %s", name, t.value);
    EXPECT(s, kvcc_ok(a), "set %s: %s", name, kvcc_describe(a, d, sizeof d));
    if (!got(s, kvcc_cmd(s, "get %s", name), "get of the value just set", &t))
        return;
    a = kvcc_cmd(s, "list-versions %s", name);
    EXPECT(s, kvcc_ok(a), "list-versions %s: %s", name, kvcc_describe(a, d, sizeof d));
    a = kvcc_cmd(s, "delete %s", name);
    EXPECT(s, kvcc_ok(a), "delete %s: %s", name, kvcc_describe(a, d, sizeof d));
    /* kvcc_stop() then checks stderr for the value and the client secret (as in every
     * scenario). */
    snprintf(s->detail, sizeof s->detail, "set, get, list-versions, delete: no value in stderr");
}

static void sc_token_not_logged(struct kvcc_sc *s)
{
    /* The same operations; kvcc_stop() then also looks for a JWT in stderr. */
    s->check_tokens = true;
    sc_value_not_logged(s);
    if (!s->failed)
        snprintf(s->detail, sizeof s->detail,
                 "set, get, list-versions, delete: no token in "
                 "stderr");
}

const struct kvcc_scenario kvcc_scenarios[] = {
    {"secrets", "get-latest", "get without a version returns the latest value and version",
     sc_get_latest},
    {"secrets", "get-pinned-version", "get NAME VERSION returns that version, not the latest",
     sc_get_pinned_version},
    {"secrets", "disabled-secret", "a disabled secret surfaces as 403 Forbidden/SecretDisabled",
     sc_disabled_secret},
    {"secrets", "expired-not-yet-valid",
     "expired and not-yet-valid secrets return their value and expose exp/nbf",
     sc_expired_not_yet_valid},
    {"secrets", "not-found", "a missing secret is 404 SecretNotFound, sent once", sc_not_found},
    {"secrets", "deleted-name-conflict", "set on a soft-deleted name is 409 Conflict, sent once",
     sc_deleted_name_conflict},
    {"identity", "access-denied", "a denial (403) surfaces without retries: one attempt",
     sc_access_denied},
    {"identity", "token-reused", "six gets use one token (no token request after the first get)",
     sc_token_reused},
    {"identity", "token-refresh",
     "after the clock passes the token's lifetime, exactly one new token serves three gets",
     sc_token_refresh},
    {"retry", "throttled-retry-after",
     "429 with Retry-After: 2 (twice) is retried, each retry no sooner than asked",
     sc_throttled_retry_after},
    {"retry", "throttled-gives-up",
     "endless 429 (Retry-After: 1): the client retries, then gives up on its own with the 429",
     sc_throttled_gives_up},
    {"retry", "server-error-retried", "two transient 503s are retried and the get succeeds",
     sc_server_error_retried},
    {"paging", "paging", "list follows nextLink over three pages and returns every secret",
     sc_paging},
    {"logging", "value-not-logged",
     "set/get/list-versions/delete: the value never reaches the client's stderr",
     sc_value_not_logged},
    {"logging", "token-not-logged",
     "set/get/list-versions/delete: no bearer token (JWT) reaches the client's stderr",
     sc_token_not_logged},
    {"keys", "key-get-forbidden",
     "without keys/get (403 on GET), the client still signs, verifies, encrypts and decrypts "
     "remotely and stops asking for the key",
     kvcc_sc_key_get_forbidden},
    {"keys", "key-disabled",
     "sign with a disabled key surfaces 403 Forbidden/KeyDisabled, sent once; the key still reads",
     kvcc_sc_key_disabled},
    {"keys", "key-rotated",
     "after a rotation, sign by the version-less name uses the new version and its kid names it",
     kvcc_sc_key_rotated},
    {"keys", "key-encrypt-roundtrip",
     "RSA-OAEP and RSA-OAEP-256 ciphertext the client makes (locally where it can) decrypts",
     kvcc_sc_key_encrypt_roundtrip},
    {"keys", "key-expired",
     "encrypt and sign with a key past its exp are refused, locally or by the vault (403)",
     kvcc_sc_key_expired},
    {"realism", "eventual-delete-recover",
     "with eventual consistency, delete, recover and get succeed: the client waits for each "
     "transition to become visible",
     kvcc_sc_eventual_delete_recover},
    {"realism", "purge-recreate",
     "purge after a delete completes, and a set right after the purge works or surfaces 409 "
     "Conflict/ObjectIsBeingDeleted; the re-created secret reads back",
     kvcc_sc_purge_recreate},
    {"realism", "short-pages",
     "list follows nextLink through short and empty pages and returns every secret once",
     kvcc_sc_short_pages},
    {"cae", "token-revoked",
     "the app is revoked mid-run: one claims challenge, one token with its claims, one retry",
     kvcc_sc_token_revoked},
    {"certificates", "cert-poll-until-completed",
     "a Self certificate's creation is polled until completed; the certificate and its PFX read "
     "back",
     kvcc_sc_cert_poll_until_completed},
    {"certificates", "cert-renewed-picked-up",
     "after the mock clock passes the AutoRenew point, the client reads the new version and its "
     "PFX",
     kvcc_sc_cert_renewed_picked_up},
    {"certificates", "cert-expired",
     "an expired certificate still reads (certificate and PFX), with its past exp reported",
     kvcc_sc_cert_expired},
};
const size_t kvcc_nscenarios = sizeof kvcc_scenarios / sizeof kvcc_scenarios[0];
