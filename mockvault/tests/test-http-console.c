/* test-http-console.c: what the browser console (docs/console.md) reads and changes, over real
 * HTTPS against the embedded server: its embedded files with their security headers, the
 * metadata-only summary (no value, no key material), a denial's explanation and smallest change
 * in the journal, the POST calls that apply such a change (access-policy merge, role assignment),
 * and the live journal stream. */
#include <check.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define RBAC "rbac-demo.localhost"
#define NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define NOACCESS_OID "cccccccc-0000-0000-0000-0000000000c3"
#define NOACCESS_SECRET "noaccess-client-secret"
#define FLOW_OID "33333333-3333-3333-3333-333333333333"

static struct mv_server *srv;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
}

static void teardown(void)
{
    mv_server_stop(srv);
    srv = NULL;
}

static char *vault_token(const char *id, const char *secret)
{
    char *t = hc_token_for(srv, T_TENANT, id, secret, "https://vault.azure.net/.default");
    ck_assert_msg(t != NULL, "token for %s", id);
    return t;
}

static long get_secret(const char *host, const char *name, const char *token, char *request_id,
                       size_t n)
{
    char p[256], buf[64];
    struct mvt_resp r;
    long st;

    snprintf(p, sizeof p, "/secrets/%s?api-version=%s", name, HC_API);
    hc_req(srv, "GET", host, p, token, NULL, NULL, &r);
    st = r.status;
    if (request_id)
        snprintf(request_id, n, "%s",
                 mvt_header(&r, "x-ms-request-id", buf, sizeof buf) ? buf : "");
    mvt_resp_free(&r);
    return st;
}

static void control(const char *method, const char *path, const char *body, struct mvt_resp *r)
{
    hc_req(srv, method, "localhost", path, NULL, NULL, body, r);
}

/* The journal's newest entry with this status, detached (caller deletes). */
static cJSON *last_entry(unsigned status)
{
    char p[80];
    struct mvt_resp r;
    cJSON *v, *e;

    snprintf(p, sizeof p, "/_mock/requests?status=%u", status);
    control("GET", p, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/requests");
    v = cJSON_GetObjectItemCaseSensitive(r.json, "value");
    ck_assert_msg(cJSON_GetArraySize(v) > 0, "no journal entry with status %u", status);
    e = cJSON_DetachItemFromArray(v, cJSON_GetArraySize(v) - 1);
    mvt_resp_free(&r);
    return e;
}

/* Sends an entry's "fix" as the console's button does: its method, path and body. */
static void apply_fix(const cJSON *fix, struct mvt_resp *r)
{
    char *body = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(fix, "body"));

    control(hc_jstr(fix, "method"), hc_jstr(fix, "path"), body, r);
    free(body);
}

START_TEST(test_console_files)
{
    static const char *const files[][2] = {
        {"/_mock/ui", "text/html"},
        {"/_mock/ui/console.js", "text/javascript"},
        {"/_mock/ui/views.js", "text/javascript"},
        {"/_mock/ui/console.css", "text/css"},
    };
    struct mvt_resp r;
    char buf[512];

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        control("GET", files[i][0], NULL, &r);
        hc_assert_status(&r, 200, files[i][0]);
        ck_assert_msg(r.len > 100, "%s: %zu bytes", files[i][0], r.len);
        ck_assert_msg(mvt_header(&r, "Content-Type", buf, sizeof buf) &&
                          strncmp(buf, files[i][1], strlen(files[i][1])) == 0,
                      "%s: Content-Type %s", files[i][0], buf);
        /* Only its own scripts, no framing: a page elsewhere cannot overlay the fix buttons. */
        ck_assert_msg(mvt_header(&r, "Content-Security-Policy", buf, sizeof buf) &&
                          strstr(buf, "script-src 'self'") && strstr(buf, "frame-ancestors 'none'"),
                      "%s: CSP %s", files[i][0], buf);
        mvt_resp_free(&r);
    }
    control("GET", "/_mock/ui", NULL, &r);
    ck_assert_msg(strstr(r.body, "/_mock/ui/console.js") && !strstr(r.body, "http://") &&
                      !strstr(r.body, "https://"),
                  "the page loads its own script and nothing from elsewhere");
    mvt_resp_free(&r);
    control("GET", "/_mock/ui/nope.js", NULL, &r);
    hc_assert_status(&r, 404, "an unknown console file");
    mvt_resp_free(&r);
}
END_TEST

/* Adds every string under j whose key is in keys (NULL-terminated) to out. */
static void collect(const cJSON *j, const char *const *keys, cJSON *out)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, j) {
        for (size_t k = 0; c->string && cJSON_IsString(c) && keys[k]; k++)
            if (strcmp(c->string, keys[k]) == 0 && strlen(c->valuestring) >= 6)
                cJSON_AddItemToArray(out, cJSON_CreateString(c->valuestring));
        collect(c, keys, out);
    }
}

START_TEST(test_summary_metadata_only)
{
    static const char *const secret_keys[] = {"value", "d", "p", "q", "dp", "dq",
                                              "qi",    "n", "x", "y", NULL};
    char *state_text = hc_state(srv);
    cJSON *state = cJSON_Parse(state_text), *values = cJSON_CreateArray(), *v;
    struct mvt_resp r;
    const cJSON *vault = NULL, *o, *fams;
    bool saw_expired = false, saw_nbf = false, saw_key = false;

    collect(state, secret_keys, values);
    ck_assert_msg(cJSON_GetArraySize(values) > 20, "the fixture's values and key parts: %d",
                  cJSON_GetArraySize(values));
    control("GET", "/_mock/summary", NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/summary");
    cJSON_ArrayForEach(v, values)
        ck_assert_msg(!strstr(r.body, v->valuestring), "the summary holds a value or key part");
    cJSON_ArrayForEach(o, hc_jget(r.json, "vaults"))
        if (strcmp(hc_jstr(o, "name"), "demo") == 0)
            vault = o;
    ck_assert_msg(vault != NULL, "vault demo in the summary");
    ck_assert_str_eq(hc_jstr(vault, "permissionModel"), "accessPolicy");
    ck_assert_int_eq(hc_jint(vault, "retentionDays"), 90);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(vault, "accessPolicies")), 4);
    /* Every family's objects, each version's state as the service would judge it now. */
    cJSON_ArrayForEach(o, hc_jget(vault, "objects.secrets")) {
        const cJSON *cur = cJSON_GetArrayItem(hc_jget(o, "versions"),
                                              cJSON_GetArraySize(hc_jget(o, "versions")) - 1);
        ck_assert_msg(cJSON_IsTrue(hc_jget(cur, "current")), "the last version is current");
        if (strcmp(hc_jstr(o, "name"), "expired-secret") == 0)
            saw_expired = cJSON_IsTrue(hc_jget(cur, "expired"));
        if (strcmp(hc_jstr(o, "name"), "not-yet-valid") == 0)
            saw_nbf = cJSON_IsTrue(hc_jget(cur, "notYetValid"));
    }
    ck_assert_msg(saw_expired && saw_nbf, "expired and not-yet-valid versions are marked");
    cJSON_ArrayForEach(o, hc_jget(vault, "objects.keys"))
        saw_key = saw_key || (strcmp(hc_jstr(o, "name"), "demo-rsa") == 0 &&
                              strcmp(hc_jstr(o, "versions.0.keyType"), "RSA") == 0 &&
                              hc_jint(o, "versions.0.keySize") == 2048);
    ck_assert_msg(saw_key, "demo-rsa listed as an RSA-2048 key");
    fams = hc_jget(r.json, "families");
    ck_assert_msg(cJSON_GetArraySize(fams) >= 2 && strcmp(hc_jstr(fams, "0.name"), "secrets") == 0,
                  "the families of access policies");
    ck_assert_msg(cJSON_GetArraySize(hc_jget(r.json, "roles")) >= 8, "the built-in roles");
    ck_assert_int_eq(hc_jint(r.json, "tenants.0.applications.0.clientSecrets"), 1);
    mvt_resp_free(&r);
    cJSON_Delete(values);
    cJSON_Delete(state);
    free(state_text);
}
END_TEST

/* A denied request's journal entry explains it and carries the smallest change; applying that
 * change (as the console's button does) makes the same client's next request succeed. */
START_TEST(test_denial_fix_access_policy)
{
    char *t = vault_token(NOACCESS_ID, NOACCESS_SECRET), rid[64];
    struct mvt_resp r;
    cJSON *e;

    ck_assert_int_eq(get_secret(DEMO, "db-password", t, rid, sizeof rid), 403);
    e = last_entry(403);
    ck_assert_str_eq(hc_jstr(e, "requestId"), rid);
    ck_assert_msg(strstr(hc_jstr(e, "explanation"), "denied GetSecret on vault demo") &&
                      strstr(hc_jstr(e, "explanation"), "'no-access-app'") &&
                      strstr(hc_jstr(e, "explanation"), "smallest change: add an access policy"),
                  "explanation: %s", hc_jstr(e, "explanation"));
    ck_assert_str_eq(hc_jstr(e, "fix.method"), "POST");
    ck_assert_str_eq(hc_jstr(e, "fix.path"), "/_mock/vaults/demo/accessPolicies");
    ck_assert_str_eq(hc_jstr(e, "fix.body.objectId"), NOACCESS_OID);
    ck_assert_str_eq(hc_jstr(e, "fix.body.permissions.secrets.0"), "get");
    apply_fix(hc_jget(e, "fix"), &r);
    hc_assert_status(&r, 200, "the fix");
    mvt_resp_free(&r);
    ck_assert_int_eq(get_secret(DEMO, "db-password", t, NULL, 0), 200);
    /* Exactly that: list is still refused. */
    control("GET", "/_mock/vaults/demo/accessPolicies", NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "4.objectId"), NOACCESS_OID);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "4.permissions.secrets")), 1);
    mvt_resp_free(&r);
    cJSON_Delete(e);
    hc_free_token(t);
}
END_TEST

/* An entry that exists gets the permission added (no second entry); an RBAC denial's fix assigns
 * the smallest role at the object's scope. */
START_TEST(test_denial_fix_merge_and_rbac)
{
    char *flow = vault_token(T_FLOW_ID, T_FLOW_SECRET);
    struct mvt_resp r;
    char p[200];
    cJSON *e;

    snprintf(p, sizeof p, "/secrets/x?api-version=%s", HC_API);
    hc_req(srv, "PUT", DEMO, p, flow, NULL, "{\"value\":\"v\"}", &r);
    hc_assert_status(&r, 403, "SetSecret by the flow (get only)");
    mvt_resp_free(&r);
    e = last_entry(403);
    ck_assert_msg(strstr(hc_jstr(e, "explanation"), "holds secrets [get]"), "explanation: %s",
                  hc_jstr(e, "explanation"));
    ck_assert_str_eq(hc_jstr(e, "fix.body.permissions.secrets.0"), "set");
    apply_fix(hc_jget(e, "fix"), &r);
    hc_assert_status(&r, 200, "the merge");
    ck_assert_int_eq(cJSON_GetArraySize(r.json), 4); /* merged, not appended */
    ck_assert_str_eq(hc_jstr(r.json, "1.permissions.secrets.1"), "set");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "1.permissions.keys")), 6);
    mvt_resp_free(&r);
    cJSON_Delete(e);
    hc_req(srv, "PUT", DEMO, p, flow, NULL, "{\"value\":\"v\"}", &r);
    hc_assert_status(&r, 200, "SetSecret after the fix");
    mvt_resp_free(&r);

    /* RBAC: the flow holds Secrets User on /secrets/app-config only. */
    ck_assert_int_eq(get_secret(RBAC, "other", flow, NULL, 0), 403);
    e = last_entry(403);
    ck_assert_str_eq(hc_jstr(e, "fix.path"), "/_mock/vaults/rbac-demo/roleAssignments");
    ck_assert_str_eq(hc_jstr(e, "fix.body.principalId"), FLOW_OID);
    ck_assert_str_eq(hc_jstr(e, "fix.body.role"), "Key Vault Secrets User");
    ck_assert_str_eq(hc_jstr(e, "fix.body.scope"), "/secrets/other");
    apply_fix(hc_jget(e, "fix"), &r);
    hc_assert_status(&r, 200, "the role assignment");
    ck_assert_int_eq(cJSON_GetArraySize(r.json), 3);
    mvt_resp_free(&r);
    apply_fix(hc_jget(e, "fix"), &r); /* the same assignment twice is one */
    ck_assert_int_eq(cJSON_GetArraySize(r.json), 3);
    mvt_resp_free(&r);
    /* Past the authorization now: the secret does not exist. */
    ck_assert_int_eq(get_secret(RBAC, "other", flow, NULL, 0), 404);
    cJSON_Delete(e);
    hc_free_token(flow);
}
END_TEST

START_TEST(test_access_post_refusals)
{
    static const char *const bad[][2] = {
        {"/_mock/vaults/demo/accessPolicies", "[]"},
        {"/_mock/vaults/demo/accessPolicies", "{\"permissions\":{\"secrets\":[\"get\"]}}"},
        {"/_mock/vaults/demo/accessPolicies",
         "{\"objectId\":\"" NOACCESS_OID "\",\"permissions\":{\"secrets\":[\"bogus\"]}}"},
        {"/_mock/vaults/demo/roleAssignments", "{\"role\":\"Key Vault Reader\"}"},
        {"/_mock/vaults/demo/roleAssignments",
         "{\"principalId\":\"" NOACCESS_OID "\",\"role\":\"No Such Role\"}"},
    };
    char *before = hc_state(srv), *after;
    struct mvt_resp r;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        control("POST", bad[i][0], bad[i][1], &r);
        ck_assert_msg(r.status == 400, "POST %s %s: %ld", bad[i][0], bad[i][1], r.status);
        mvt_resp_free(&r);
    }
    control("POST", "/_mock/vaults/nope/accessPolicies", "{}", &r);
    hc_assert_status(&r, 404, "an unknown vault");
    mvt_resp_free(&r);
    after = hc_state(srv);
    ck_assert_msg(strcmp(before, after) == 0, "a refused change changed nothing");
    free(before);
    free(after);
}
END_TEST

/* ---- The live journal stream, read by a libcurl client in a thread. ---- */

struct reader {
    struct mv_server *srv;
    char url[200];
    pthread_mutex_t lock;
    char *text; /* what arrived so far */
    size_t len;
    long status;
    volatile bool stop;
};

static size_t reader_add(char *p, size_t size, size_t n, void *ud)
{
    struct reader *rd = ud;
    char *np;

    pthread_mutex_lock(&rd->lock);
    np = realloc(rd->text, rd->len + size * n + 1);
    if (np) {
        memcpy(np + rd->len, p, size * n);
        rd->len += size * n;
        np[rd->len] = '\0';
        rd->text = np;
    }
    pthread_mutex_unlock(&rd->lock);
    return np ? size * n : 0;
}

static int reader_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    struct reader *rd = ud;
    (void)a, (void)b, (void)c, (void)d;
    return rd->stop ? 1 : 0;
}

static void *reader_run(void *arg)
{
    struct reader *rd = arg;
    CURL *c = curl_easy_init();

    curl_easy_setopt(c, CURLOPT_URL, rd->url);
    mvt_trust_mock(c, rd->srv);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reader_add);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rd);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, reader_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, rd);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rd->status);
    curl_easy_cleanup(c);
    return NULL;
}

/* Waits up to ms for needle in what the reader received; returns the milliseconds waited, or -1. */
static long wait_for(struct reader *rd, const char *needle, long ms)
{
    for (long waited = 0; waited <= ms; waited += 10) {
        bool found;
        pthread_mutex_lock(&rd->lock);
        found = rd->text && strstr(rd->text, needle);
        pthread_mutex_unlock(&rd->lock);
        if (found)
            return waited;
        usleep(10000);
    }
    return -1;
}

static void reader_start(struct reader *rd, pthread_t *th, const char *query)
{
    memset(rd, 0, sizeof *rd);
    rd->srv = srv;
    pthread_mutex_init(&rd->lock, NULL);
    snprintf(rd->url, sizeof rd->url, "https://localhost:%u/_mock/requests/stream%s",
             (unsigned)mv_server_port(srv), query);
    ck_assert_int_eq(pthread_create(th, NULL, reader_run, rd), 0);
}

static void reader_end(struct reader *rd, pthread_t th)
{
    rd->stop = true;
    pthread_join(th, NULL);
    free(rd->text);
    pthread_mutex_destroy(&rd->lock);
}

START_TEST(test_stream_live)
{
    char *t = vault_token(NOACCESS_ID, NOACCESS_SECRET), rid[64], needle[120];
    struct reader rd;
    pthread_t th;
    long ms;

    reader_start(&rd, &th, "");
    ck_assert_msg(wait_for(&rd, "event: hello", 2000) >= 0, "the stream greets");
    /* The token request before the stream opened is in the backlog. */
    ck_assert_msg(wait_for(&rd, "\"operation\":\"Token\"", 1000) >= 0, "the backlog is sent");
    ck_assert_int_eq(get_secret(DEMO, "db-password", t, rid, sizeof rid), 403);
    snprintf(needle, sizeof needle, "\"requestId\":\"%s\"", rid);
    ms = wait_for(&rd, needle, 1000);
    ck_assert_msg(ms >= 0, "the denial reached the stream within a second");
    ck_assert_msg(wait_for(&rd, "\"explanation\":\"denied GetSecret", 0) >= 0 &&
                      wait_for(&rd, "\"fix\":{\"method\":\"POST\"", 0) >= 0,
                  "streamed with its explanation and fix");
    ck_assert_msg(wait_for(&rd, "id: 2\nevent: request\n", 0) >= 0, "events carry their seq");
    ck_assert_msg(mvt_control(srv, "DELETE", "/_mock/requests", NULL) == 204, "clear");
    ck_assert_msg(wait_for(&rd, "event: clear", 1000) >= 0, "a clear is streamed");
    reader_end(&rd, th);

    /* after=N: only what came after; filters as GET /_mock/requests takes them. */
    ck_assert_int_eq(get_secret(DEMO, "api-key", t, rid, sizeof rid), 403);
    reader_start(&rd, &th, "?after=2&status=403&principal=" NOACCESS_ID);
    snprintf(needle, sizeof needle, "\"requestId\":\"%s\"", rid);
    ck_assert_msg(wait_for(&rd, needle, 2000) >= 0, "the newer denial is sent");
    ck_assert_msg(wait_for(&rd, "\"seq\":2}", 0) < 0 && wait_for(&rd, "\"status\":200", 0) < 0,
                  "nothing at or before after=2, nothing the filter excludes");
    reader_end(&rd, th);
    hc_free_token(t);
}
END_TEST

START_TEST(test_stream_bad_parameters)
{
    static const char *const bad[] = {"/_mock/requests/stream?status=99",
                                      "/_mock/requests/stream?after=-1",
                                      "/_mock/requests/stream?after=x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(mvt_control(srv, "GET", bad[i], NULL) == 400, "%s", bad[i]);
}
END_TEST

/* The server stops while a stream is open and suspended: it ends the stream instead of leaving
 * libmicrohttpd a suspended connection (which would hang or leak at stop). */
START_TEST(test_stream_server_stop)
{
    struct reader rd;
    pthread_t th;

    reader_start(&rd, &th, "");
    ck_assert_msg(wait_for(&rd, "event: hello", 2000) >= 0, "the stream greets");
    usleep(200000); /* suspended by now: nothing new to send */
    mv_server_stop(srv);
    srv = NULL;
    pthread_join(th, NULL);
    ck_assert_int_eq(rd.status, 200);
    free(rd.text);
    pthread_mutex_destroy(&rd.lock);
}
END_TEST

static Suite *console_suite(void)
{
    Suite *s = suite_create("http-console");
    TCase *tc = tcase_create("console");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_console_files);
    tcase_add_test(tc, test_summary_metadata_only);
    tcase_add_test(tc, test_denial_fix_access_policy);
    tcase_add_test(tc, test_denial_fix_merge_and_rbac);
    tcase_add_test(tc, test_access_post_refusals);
    tcase_add_test(tc, test_stream_live);
    tcase_add_test(tc, test_stream_bad_parameters);
    tcase_add_test(tc, test_stream_server_stop);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(console_suite(), false);
}
