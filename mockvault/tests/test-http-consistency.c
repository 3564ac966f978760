/* test-http-consistency.c: --consistency azure and --paging azure over real HTTPS against the
 * embedded server (docs/consistency.md; spec/keyvault-secrets.md §1 GetDeletedSecret,
 * RecoverDeletedSecret, GetSecrets paging and §2 ObjectIsBeingRecovered; keyvault-keys.md §3.4).
 * Each test starts its own server on fixtures/default.json, usually with the mock clock frozen so
 * that a transition's due time is exact, and completes transitions by advancing the clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"

static struct mv_server *srv;
static char *tok;

static void start(bool azure, bool paging, unsigned min_ms, unsigned max_ms, uint64_t seed)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.consistency_azure = azure;
    cfg.paging_azure = paging;
    cfg.has_consistency_delay = true;
    cfg.consistency_min_ms = min_ms;
    cfg.consistency_max_ms = max_ms;
    cfg.has_seed = true;
    cfg.seed = seed;
    srv = mvt_start("fixtures/default.json", &cfg);
    tok = mvt_admin_token(srv);
    ck_assert_ptr_nonnull(tok);
}

static void teardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* A vault request on demo with the admin token; path gets the api-version. */
static void kv(const char *method, const char *path, const char *body, struct mvt_resp *r)
{
    char p[1024];
    hc_req(srv, method, DEMO, hc_path(p, sizeof p, path, NULL), tok, NULL, body, r);
}

/* Asserts status and exact body of a request, and frees the response. */
static void expect(const char *method, const char *path, const char *body, long status,
                   const char *want)
{
    struct mvt_resp r;
    char what[300];

    kv(method, path, body, &r);
    snprintf(what, sizeof what, "%s %s", method, path);
    hc_assert_status(&r, status, what);
    if (want)
        hc_assert_body(&r, want, true, what);
    mvt_resp_free(&r);
}

/* Whether a list (first page only, enough for these few objects) shows name. */
static bool listed(const char *path, const char *name)
{
    struct mvt_resp r;
    const cJSON *it;
    bool found = false;

    kv("GET", path, NULL, &r);
    hc_assert_status(&r, 200, path);
    cJSON_ArrayForEach(it, hc_jget(r.json, "value")) {
        const char *id = hc_jstr(it, "id") ? hc_jstr(it, "id") : hc_jstr(it, "kid");
        const char *last = id ? strrchr(id, '/') : NULL;
        found = found || (last && strcmp(last + 1, name) == 0);
    }
    mvt_resp_free(&r);
    return found;
}

/* GET /_mock/consistency (caller frees). */
static void consistency(struct mvt_resp *r)
{
    hc_req(srv, "GET", "localhost", "/_mock/consistency", NULL, NULL, NULL, r);
    hc_assert_status(r, 200, "GET /_mock/consistency");
}

static void control(const char *method, const char *path, const char *json, long want)
{
    long st = mvt_control(srv, method, path, json);
    ck_assert_msg(st == want, "%s %s %s: %ld, want %ld", method, path, json ? json : "", st, want);
}

#define NOT_FOUND_SECRET(n)                                                                        \
    "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) " n             \
    " was not found in this key vault. If you recently deleted this secret you may be able to "    \
    "recover it using the correct recovery command. For help resolving this issue, please see "    \
    "https://go.microsoft.com/fwlink/?linkid=2125182\"}}"
#define BEING_RECOVERED(noun, n)                                                                   \
    "{\"error\":{\"code\":\"Conflict\",\"message\":\"" noun " " n                                  \
    " is currently being recovered and cannot be re-created; retry later.\",\"innererror\":{"      \
    "\"code\":\"ObjectIsBeingRecovered\"}}}"
#define BEING_DELETED_SHORT(noun)                                                                  \
    "{\"error\":{\"code\":\"Conflict\",\"message\":\"" noun " is currently being deleted.\","      \
    "\"innererror\":{\"code\":\"ObjectIsBeingDeleted\"}}}"
#define BEING_DELETED_LONG(noun, n)                                                                \
    "{\"error\":{\"code\":\"Conflict\",\"message\":\"" noun " " n                                  \
    " is currently being deleted and cannot be re-created; retry later.\",\"innererror\":{"        \
    "\"code\":\"ObjectIsBeingDeleted\"}}}"

/* Right after a delete (azure): the deleted secret is 404 "Deleted Secret not found" (as the
 * recordings show for ~5 s), the live name is gone, both lists leave it out, a purge or recover
 * is 409 "Secret is currently being deleted." and a PUT 409 ObjectIsBeingDeleted. /_mock shows the
 * transition; advancing the clock past its due time completes it, and not a millisecond before. */
START_TEST(test_secret_delete_lags)
{
    struct mvt_resp r;
    const cJSON *p;

    start(true, false, 3000, 3000, 1);
    hc_clock(srv, "{\"freeze\":true}");
    hc_set(srv, DEMO, tok, "lag1", "{\"value\":\"one\"}", &r);
    mvt_resp_free(&r);
    expect("DELETE", "/secrets/lag1", NULL, 200, NULL);
    expect("GET", "/deletedsecrets/lag1", NULL, 404,
           "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: "
           "lag1\"}}");
    expect("GET", "/secrets/lag1/", NULL, 404, NOT_FOUND_SECRET("lag1"));
    ck_assert(!listed("/deletedsecrets", "lag1"));
    ck_assert(!listed("/secrets", "lag1"));
    expect("DELETE", "/deletedsecrets/lag1", NULL, 409, BEING_DELETED_SHORT("Secret"));
    expect("POST", "/deletedsecrets/lag1/recover", NULL, 409, BEING_DELETED_SHORT("Secret"));
    expect("PUT", "/secrets/lag1", "{\"value\":\"two\"}", 409,
           BEING_DELETED_LONG("Secret", "lag1"));

    consistency(&r);
    ck_assert_str_eq(hc_jstr(r.json, "mode"), "azure");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "pending")), 1);
    p = cJSON_GetArrayItem(hc_jget(r.json, "pending"), 0);
    ck_assert_str_eq(hc_jstr(p, "vault"), "demo");
    ck_assert_str_eq(hc_jstr(p, "type"), "secret");
    ck_assert_str_eq(hc_jstr(p, "name"), "lag1");
    ck_assert_str_eq(hc_jstr(p, "kind"), "delete");
    ck_assert_int_eq(hc_jint(p, "remainingMs"), 3000);
    mvt_resp_free(&r);

    hc_clock(srv, "{\"advance\":2.99}");
    expect("GET", "/deletedsecrets/lag1", NULL, 404, NULL);
    hc_clock(srv, "{\"advance\":0.02}");
    expect("GET", "/deletedsecrets/lag1", NULL, 200, NULL);
    ck_assert(listed("/deletedsecrets", "lag1"));
    ck_assert(!listed("/secrets", "lag1"));
    /* Done: the usual deleted-but-recoverable answers again. */
    kv("PUT", "/secrets/lag1", "{\"value\":\"two\"}", &r);
    hc_assert_status(&r, 409, "PUT after the delete completed");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "ObjectIsDeletedButRecoverable");
    mvt_resp_free(&r);
    consistency(&r);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "pending")), 0);
    mvt_resp_free(&r);
}
END_TEST

/* Right after a recover: the live name is 404 for the delay (the SDK recover poller polls it), the
 * deleted entry and a PUT answer 409 ObjectIsBeingRecovered with the recorded text, lists leave it
 * out and its versions list is empty; afterwards the secret is back with its value. */
START_TEST(test_secret_recover_lags)
{
    struct mvt_resp r;

    start(true, false, 2000, 2000, 1);
    hc_clock(srv, "{\"freeze\":true}");
    hc_set(srv, DEMO, tok, "lag2", "{\"value\":\"one\"}", &r);
    mvt_resp_free(&r);
    expect("DELETE", "/secrets/lag2", NULL, 200, NULL);
    control("POST", "/_mock/consistency/settle", NULL, 200);
    expect("GET", "/deletedsecrets/lag2", NULL, 200, NULL);
    expect("POST", "/deletedsecrets/lag2/recover", NULL, 200, NULL);
    expect("GET", "/secrets/lag2/", NULL, 404, NOT_FOUND_SECRET("lag2"));
    expect("GET", "/secrets/lag2/versions", NULL, 200, "{\"value\":[],\"nextLink\":null}");
    expect("GET", "/deletedsecrets/lag2", NULL, 409, BEING_RECOVERED("Secret", "lag2"));
    expect("POST", "/deletedsecrets/lag2/recover", NULL, 409, BEING_RECOVERED("Secret", "lag2"));
    expect("PUT", "/secrets/lag2", "{\"value\":\"two\"}", 409, BEING_RECOVERED("Secret", "lag2"));
    expect("DELETE", "/secrets/lag2", NULL, 404, NULL);
    ck_assert(!listed("/secrets", "lag2"));
    ck_assert(!listed("/deletedsecrets", "lag2"));
    hc_clock(srv, "{\"advance\":2.01}");
    kv("GET", "/secrets/lag2/", NULL, &r);
    hc_assert_status(&r, 200, "GET after the recover completed");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "one");
    mvt_resp_free(&r);
    ck_assert(listed("/secrets", "lag2"));
    expect("GET", "/deletedsecrets/lag2", NULL, 404, NULL);
}
END_TEST

/* Right after a purge the name cannot be reused (409 ObjectIsBeingDeleted) and a restore of its
 * backup conflicts (keys spec §3.6: "restore right after a purge -> 409"); the deleted entry is
 * already gone. After the delay the name is free. */
START_TEST(test_secret_purge_lags)
{
    struct mvt_resp r, b;
    char body[16384];

    start(true, false, 1500, 1500, 1);
    hc_clock(srv, "{\"freeze\":true}");
    hc_set(srv, DEMO, tok, "lag3", "{\"value\":\"one\"}", &r);
    mvt_resp_free(&r);
    kv("POST", "/secrets/lag3/backup", NULL, &b);
    hc_assert_status(&b, 200, "backup");
    snprintf(body, sizeof body, "{\"value\":\"%s\"}", hc_jstr(b.json, "value"));
    mvt_resp_free(&b);
    expect("DELETE", "/secrets/lag3", NULL, 200, NULL);
    hc_clock(srv, "{\"advance\":1.5}");
    expect("DELETE", "/deletedsecrets/lag3", NULL, 204, "");
    expect("GET", "/deletedsecrets/lag3", NULL, 404, NULL);
    expect("PUT", "/secrets/lag3", "{\"value\":\"two\"}", 409,
           BEING_DELETED_LONG("Secret", "lag3"));
    kv("POST", "/secrets/restore", body, &r);
    hc_assert_status(&r, 409, "restore right after the purge");
    ck_assert_str_eq(hc_err_code(&r), "Conflict");
    mvt_resp_free(&r);
    consistency(&r);
    ck_assert_str_eq(hc_jstr(cJSON_GetArrayItem(hc_jget(r.json, "pending"), 0), "kind"), "purge");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":1.5}");
    hc_set(srv, DEMO, tok, "lag3", "{\"value\":\"two\"}", &r);
    mvt_resp_free(&r);
}
END_TEST

/* Keys get the same lag through the same store code: 404 "Deleted Key not found" after a delete,
 * the recorded 409 "Key is currently being deleted." for a purge meanwhile (JS SDK recordings),
 * 404 KeyNotFound on the name and 409 ObjectIsBeingRecovered on the deleted key after a recover,
 * and a key list that agrees with the reads. */
START_TEST(test_key_lags)
{
    struct mvt_resp r;

    start(true, false, 2000, 2000, 1);
    hc_clock(srv, "{\"freeze\":true}");
    expect("POST", "/keys/lagk/create", "{\"kty\":\"EC\",\"crv\":\"P-256\"}", 200, NULL);
    expect("DELETE", "/keys/lagk", NULL, 200, NULL);
    expect("GET", "/deletedkeys/lagk", NULL, 404,
           "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"Deleted Key not found: lagk\"}}");
    expect("DELETE", "/deletedkeys/lagk", NULL, 409, BEING_DELETED_SHORT("Key"));
    expect("POST", "/keys/lagk/create", "{\"kty\":\"EC\",\"crv\":\"P-256\"}", 409,
           BEING_DELETED_LONG("Key", "lagk"));
    ck_assert(!listed("/deletedkeys", "lagk"));
    hc_clock(srv, "{\"advance\":2}");
    ck_assert(listed("/deletedkeys", "lagk"));
    expect("POST", "/deletedkeys/lagk/recover", NULL, 200, NULL);
    kv("GET", "/keys/lagk/", NULL, &r);
    hc_assert_status(&r, 404, "GET key right after recover");
    ck_assert_str_eq(hc_err_code(&r), "KeyNotFound");
    mvt_resp_free(&r);
    expect("POST", "/keys/lagk//sign",
           "{\"alg\":\"ES256\",\"value\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 404,
           NULL);
    expect("GET", "/deletedkeys/lagk", NULL, 409, BEING_RECOVERED("Key", "lagk"));
    ck_assert(!listed("/keys", "lagk"));
    hc_clock(srv, "{\"advance\":2}");
    expect("GET", "/keys/lagk/", NULL, 200, NULL);
    ck_assert(listed("/keys", "lagk"));
}
END_TEST

/* instant (the default) is unchanged: a delete is visible at once, nothing is ever pending, and
 * switching azure off settles what was pending. POST /_mock/reset goes back to the options. */
START_TEST(test_instant_and_switch)
{
    struct mvt_resp r;

    start(false, false, 1000, 1000, 1);
    hc_set(srv, DEMO, tok, "now1", "{\"value\":\"one\"}", &r);
    mvt_resp_free(&r);
    expect("DELETE", "/secrets/now1", NULL, 200, NULL);
    expect("GET", "/deletedsecrets/now1", NULL, 200, NULL);
    consistency(&r);
    hc_assert_body(&r,
                   "{\"mode\":\"instant\",\"delayMs\":{\"min\":1000,\"max\":1000},"
                   "\"paging\":\"off\",\"pending\":[]}",
                   true, "GET /_mock/consistency");
    mvt_resp_free(&r);

    control("PUT", "/_mock/consistency",
            "{\"mode\":\"azure\",\"delayMs\":{\"min\":60000,\"max\":60000}}", 200);
    expect("POST", "/deletedsecrets/now1/recover", NULL, 200, NULL);
    expect("GET", "/secrets/now1/", NULL, 404, NULL);
    control("PUT", "/_mock/consistency", "{\"mode\":\"instant\"}", 200);
    expect("GET", "/secrets/now1/", NULL, 200, NULL);

    /* Bad bodies: 400 and nothing changed. */
    control("PUT", "/_mock/consistency", "{\"mode\":\"eventual\"}", 400);
    control("PUT", "/_mock/consistency", "{\"delayMs\":{\"min\":5,\"max\":4}}", 400);
    control("PUT", "/_mock/consistency", "{\"delayMs\":{\"min\":1}}", 400);
    control("PUT", "/_mock/consistency", "{\"paging\":\"short\"}", 400);
    control("PUT", "/_mock/consistency", "{\"colour\":1}", 400);
    control("PUT", "/_mock/consistency", "{\"mode\":\"azure\",\"paging\":\"azure\"}", 200);
    control("POST", "/_mock/reset", NULL, 200);
    consistency(&r);
    ck_assert_str_eq(hc_jstr(r.json, "mode"), "instant");
    ck_assert_str_eq(hc_jstr(r.json, "paging"), "off");
    mvt_resp_free(&r);
}
END_TEST

/* The delays of one seed: drawn within [min, max], the same on every run with that seed
 * (two servers, the same requests), different for another seed. */
static void delays(uint64_t seed, long out[4])
{
    struct mvt_resp r;
    char path[64];
    const cJSON *it;
    int i = 0;

    start(true, false, 1000, 5000, seed);
    hc_clock(srv, "{\"freeze\":true}");
    for (int k = 0; k < 4; k++) {
        char name[16];
        snprintf(name, sizeof name, "d%d", k);
        hc_set(srv, DEMO, tok, name, "{\"value\":\"v\"}", &r);
        mvt_resp_free(&r);
        snprintf(path, sizeof path, "/secrets/%s", name);
        expect("DELETE", path, NULL, 200, NULL);
    }
    consistency(&r);
    cJSON_ArrayForEach(it, hc_jget(r.json, "pending")) {
        out[i] = (long)hc_jint(it, "remainingMs");
        ck_assert_msg(out[i] >= 1000 && out[i] <= 5000, "delay %ld ms outside 1000-5000", out[i]);
        i++;
    }
    ck_assert_int_eq(i, 4);
    mvt_resp_free(&r);
    teardown();
}

START_TEST(test_delays_seeded)
{
    long a[4], b[4], c[4];

    delays(42, a);
    delays(42, b);
    delays(43, c);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    ck_assert(memcmp(a, c, sizeof a) != 0);
    /* Not one constant: the draws spread over the range. */
    ck_assert(a[0] != a[1] || a[1] != a[2] || a[2] != a[3]);
    start(false, false, 1000, 1000, 1); /* for the checked teardown */
}
END_TEST

/* Walks a list from path (with maxresults=max) to the null nextLink. Records the page sizes and
 * counts every listed name; the last page must be exactly {"value":[],"nextLink":null}. */
struct walk {
    int sizes[400];
    int npages;
    char names[80][32];
    int counts[80];
    int nnames;
};

static void walk(const char *path, int max, struct walk *w)
{
    char url[2048], base[128];
    struct mvt_resp r;

    memset(w, 0, sizeof *w);
    snprintf(url, sizeof url, "%s?maxresults=%d&api-version=%s", path, max, HC_API);
    hc_base(srv, DEMO, base, sizeof base);
    for (;;) {
        const cJSON *it, *next;
        ck_assert_msg(w->npages < 400, "more than 400 pages");
        hc_req(srv, "GET", DEMO, url, tok, NULL, NULL, &r);
        hc_assert_status(&r, 200, "list page");
        w->sizes[w->npages++] = cJSON_GetArraySize(hc_jget(r.json, "value"));
        ck_assert_int_le(w->sizes[w->npages - 1], max);
        cJSON_ArrayForEach(it, hc_jget(r.json, "value")) {
            const char *id = hc_jstr(it, "id") ? hc_jstr(it, "id") : hc_jstr(it, "kid");
            const char *last = strrchr(id, '/') + 1;
            int i = 0;
            while (i < w->nnames && strcmp(w->names[i], last) != 0)
                i++;
            if (i == w->nnames && w->nnames < 80)
                snprintf(w->names[w->nnames++], sizeof w->names[0], "%s", last);
            w->counts[i]++;
        }
        next = hc_jget(r.json, "nextLink");
        if (!cJSON_IsString(next)) {
            hc_assert_body(&r, "{\"value\":[],\"nextLink\":null}", true, "the last page");
            mvt_resp_free(&r);
            return;
        }
        ck_assert_msg(strncmp(next->valuestring, base, strlen(base)) == 0, "nextLink %s",
                      next->valuestring);
        snprintf(url, sizeof url, "%s", next->valuestring + strlen(base));
        mvt_resp_free(&r);
    }
}

/* --paging azure: pages short and empty with a nextLink, the final page empty with null, every
 * item exactly once; the same walk gives the same pages (repeatable with the seed), and another
 * server with the same seed too. */
START_TEST(test_paging_azure_secrets)
{
    struct mvt_resp r;
    struct walk a, b;
    int shorts = 0, empties = 0;

    start(false, true, 1000, 1000, 5);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "pg%02d", i);
        hc_set(srv, DEMO, tok, name, "{\"value\":\"v\"}", &r);
        mvt_resp_free(&r);
    }
    walk("/secrets", 3, &a);
    ck_assert_int_eq(a.nnames, 46); /* the fixture's 6 live secrets and these 40 */
    for (int i = 0; i < a.nnames; i++)
        ck_assert_msg(a.counts[i] == 1, "%s listed %d times", a.names[i], a.counts[i]);
    for (int p = 0; p < a.npages - 1; p++) {
        shorts += a.sizes[p] > 0 && a.sizes[p] < 3;
        empties += a.sizes[p] == 0;
    }
    {
        char sz[400] = "";
        for (int p = 0; p < a.npages; p++)
            snprintf(sz + strlen(sz), sizeof sz - strlen(sz), "%d ", a.sizes[p]);
        ck_assert_msg(shorts > 0 && empties > 0, "%d short and %d empty pages with a nextLink: %s",
                      shorts, empties, sz);
    }
    walk("/secrets", 3, &b);
    ck_assert(b.npages == a.npages && memcmp(a.sizes, b.sizes, sizeof a.sizes) == 0);
    teardown();

    start(false, true, 1000, 1000, 5);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "pg%02d", i);
        hc_set(srv, DEMO, tok, name, "{\"value\":\"v\"}", &r);
        mvt_resp_free(&r);
    }
    walk("/secrets", 3, &b);
    ck_assert(b.npages == a.npages && memcmp(a.sizes, b.sizes, sizeof a.sizes) == 0);
    /* An empty list is one page, {"value":[],"nextLink":null} (28 bytes, as recorded). */
    walk("/secrets/ghost/versions", 7, &b);
    ck_assert_int_eq(b.npages, 1);
}
END_TEST

/* Keys: versions and deleted keys page the same way; with paging off the pages are full. */
START_TEST(test_paging_azure_keys)
{
    struct walk w;

    start(false, true, 1000, 1000, 9);
    for (int i = 0; i < 12; i++)
        expect("POST", "/keys/pk/create", "{\"kty\":\"EC\",\"crv\":\"P-256\"}", 200, NULL);
    walk("/keys/pk/versions", 3, &w);
    ck_assert_int_eq(w.nnames, 12);
    for (int i = 0; i < w.nnames; i++)
        ck_assert_int_eq(w.counts[i], 1);
    for (int i = 0; i < 5; i++) {
        char p[32];
        snprintf(p, sizeof p, "/keys/dk%d/create", i);
        expect("POST", p, "{\"kty\":\"EC\",\"crv\":\"P-256\"}", 200, NULL);
        snprintf(p, sizeof p, "/keys/dk%d", i);
        expect("DELETE", p, NULL, 200, NULL);
    }
    walk("/deletedkeys", 2, &w);
    ck_assert_int_eq(w.nnames, 5);
    control("PUT", "/_mock/consistency", "{\"paging\":\"off\"}", 200);
    {
        struct mvt_resp r;
        char p[128];
        hc_req(srv, "GET", DEMO, hc_path(p, sizeof p, "/keys/pk/versions?maxresults=5", NULL), tok,
               NULL, NULL, &r);
        hc_assert_status(&r, 200, "versions, paging off");
        ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 5);
        mvt_resp_free(&r);
    }
}
END_TEST

static Suite *consistency_suite(void)
{
    Suite *s = suite_create("http-consistency");
    TCase *tc = tcase_create("consistency");

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_secret_delete_lags);
    tcase_add_test(tc, test_secret_recover_lags);
    tcase_add_test(tc, test_secret_purge_lags);
    tcase_add_test(tc, test_key_lags);
    tcase_add_test(tc, test_instant_and_switch);
    tcase_add_test(tc, test_delays_seeded);
    tcase_add_test(tc, test_paging_azure_secrets);
    tcase_add_test(tc, test_paging_azure_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(consistency_suite(), false);
}
