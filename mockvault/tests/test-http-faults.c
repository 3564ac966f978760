/* test-http-faults.c: fault injection and the throttling model (DESIGN.md §7, issue 5) over real
 * HTTPS against the embedded server: every action (status with the exact body and Retry-After,
 * delay, dropped connection, truncated body), times and every, the token and managed identity
 * endpoint kinds, bad rules refused with nothing changed, DELETE and POST /_mock/reset clearing
 * the rules, the journal of faulted requests, and --throttle azure with lowered limits answering
 * the exact 429 Throttled body and recovering when the mock clock passes the window.
 *
 * Failure messages print statuses, error codes and curl codes, never a body that may hold a
 * value, and never a token. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delay.h"
#include "http.h"
#include "httpcheck.h"
#include "testlib.h"
#include "util.h"

#define DEMO "demo.localhost"
#define KV_SCOPE "https://vault.azure.net/.default"
#define THROTTLED_BODY                                                                             \
    "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many " \
    "requests were received. Reason: VaultRequestTypeLimitReached\"}}"

static struct mv_server *srv;
static char *admin_tok;

static void start(bool throttle)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.has_seed = true;
    cfg.seed = 1;
    cfg.threads = 2; /* the default: a delayed request holds no thread (its connection waits) */
    cfg.throttle = throttle;
    cfg.throttle_transactions = 3;
    cfg.throttle_creations = 2;
    srv = mvt_start("fixtures/default.json", &cfg);
    admin_tok = mvt_admin_token(srv);
    ck_assert_msg(admin_tok != NULL, "admin token");
}

static void setup(void)
{
    start(false);
}

static void setup_throttle(void)
{
    start(true);
}

static void teardown(void)
{
    hc_free_token(admin_tok);
    admin_tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* POST /_mock/faults with json; asserts 201 {"id":N} and returns N. */
static unsigned fault(const char *json)
{
    struct mvt_resp r;
    unsigned id;

    hc_req(srv, "POST", "localhost", "/_mock/faults", NULL, NULL, json, &r);
    ck_assert_msg(r.status == 201, "POST /_mock/faults %s: status %ld (%s)", json, r.status,
                  r.body);
    id = (unsigned)hc_jint(r.json, "id");
    ck_assert_uint_gt(id, 0);
    mvt_resp_free(&r);
    return id;
}

/* GET /_mock/faults; caller frees the response. */
static void faults(struct mvt_resp *r)
{
    hc_req(srv, "GET", "localhost", "/_mock/faults", NULL, NULL, NULL, r);
    hc_assert_status(r, 200, "GET /_mock/faults");
    ck_assert(cJSON_IsArray(hc_jget(r->json, "value")));
}

static void kv(const char *method, const char *path, const char *token, const char *body,
               struct mvt_resp *r)
{
    char p[512];
    hc_req(srv, method, DEMO, hc_path(p, sizeof p, path, NULL), token, NULL, body, r);
}

/* GET path on the demo vault as the admin with curl directly (hc_raw_get). */
static CURLcode raw_get_ms(const char *path, long timeout_ms, long *status)
{
    return hc_raw_get(srv, DEMO, path, admin_tok, timeout_ms, status);
}

static CURLcode raw_get(const char *path, long *status)
{
    return raw_get_ms(path, 30000, status);
}

/* The newest journal entry for operation (GET /_mock/requests?operation=...); caller frees r. */
static const cJSON *last_entry(const char *operation, struct mvt_resp *r)
{
    char p[200];
    const cJSON *v;

    snprintf(p, sizeof p, "/_mock/requests?operation=%s", operation);
    hc_req(srv, "GET", "localhost", p, NULL, NULL, NULL, r);
    hc_assert_status(r, 200, p);
    v = hc_jget(r->json, "value");
    ck_assert_msg(cJSON_GetArraySize(v) > 0, "no journal entry for %s", operation);
    return cJSON_GetArrayItem(v, cJSON_GetArraySize(v) - 1);
}

START_TEST(test_faults_status_429_exact)
{
    struct mvt_resp r;
    const cJSON *e, *rule;
    unsigned id = fault("{\"match\":{\"endpoint\":\"vault\",\"operation\":\"GetSecret\","
                        "\"vault\":\"demo\",\"path\":\"/secrets/*\"},"
                        "\"action\":{\"status\":429,\"retryAfter\":2},\"times\":2}");

    /* The SDKs' first request carries no token: it still gets the challenge, and spends nothing. */
    kv("GET", "/secrets/api-key", NULL, NULL, &r);
    hc_assert_status(&r, 401, "challenge");
    mvt_resp_free(&r);
    for (int i = 0; i < 2; i++) {
        kv("GET", "/secrets/api-key", admin_tok, NULL, &r);
        hc_assert_status(&r, 429, "faulted GetSecret");
        hc_assert_body(&r, THROTTLED_BODY, true, "429 body");
        ck_assert_uint_eq(r.len, 146); /* the size of the real body (spec §2) */
        hc_assert_header(&r, "Retry-After", "2", "429");
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "429");
        ck_assert(mvt_header(&r, "x-ms-request-id", (char[64]){0}, 64) != NULL);
        mvt_resp_free(&r);
    }
    kv("GET", "/secrets/api-key", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "rule spent");
    hc_assert_no_header(&r, "Retry-After", "200");
    mvt_resp_free(&r);
    /* Other operations were never touched. */
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "GetSecrets");
    mvt_resp_free(&r);

    faults(&r);
    rule = hc_jget(r.json, "value.0");
    ck_assert_int_eq(hc_jint(rule, "id"), id);
    ck_assert_int_eq(hc_jint(rule, "fired"), 2);
    ck_assert_int_eq(hc_jint(rule, "remaining"), 0);
    ck_assert(cJSON_IsTrue(hc_jget(rule, "spent")));
    mvt_resp_free(&r);

    /* Journalled like any other request, with the rule's id. */
    {
        char p[] = "/_mock/requests?operation=GetSecret&status=429";
        hc_req(srv, "GET", "localhost", p, NULL, NULL, NULL, &r);
        ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
        e = hc_jget(r.json, "value.0");
        ck_assert_str_eq(hc_jstr(e, "errorCode"), "Throttled");
        ck_assert_str_eq(hc_jstr(e, "vault"), "demo");
        ck_assert_int_eq(hc_jint(e, "fault"), id);
        mvt_resp_free(&r);
    }
}
END_TEST

/* Per status, the Key Vault error code the body carries. */
static const struct {
    int status;
    const char *code;
} kv_statuses[] = {
    {500, "InternalServerError"}, {502, "BadGateway"},     {503, "ServiceUnavailable"},
    {504, "GatewayTimeout"},      {408, "RequestTimeout"}, {401, "Unauthorized"},
    {403, "Forbidden"},           {404, "NotFound"},       {400, "BadParameter"},
};

START_TEST(test_faults_status_bodies)
{
    char rule[200];
    struct mvt_resp r;

    snprintf(rule, sizeof rule,
             "{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"status\":%d}}",
             kv_statuses[_i].status);
    fault(rule);
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, kv_statuses[_i].status, "faulted GetSecrets");
    ck_assert_str_eq(hc_err_code(&r), kv_statuses[_i].code);
    ck_assert(hc_jstr(r.json, "error.message") != NULL);
    hc_assert_keys(hc_jget(r.json, "error"),
                   kv_statuses[_i].status == 403 ? "code,message,innererror" : "code,message",
                   "error");
    hc_assert_no_header(&r, "Retry-After", "no retryAfter given");
    if (kv_statuses[_i].status == 401) {
        char b[512];
        /* A 401 from Key Vault always carries the challenge (spec §3). */
        ck_assert_ptr_nonnull(mvt_header(&r, "WWW-Authenticate", b, sizeof b));
        ck_assert_ptr_nonnull(strstr(b, "Bearer authorization=\""));
    }
    if (kv_statuses[_i].status == 403) {
        /* The real access-policy denial, naming the list permission. */
        ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "AccessDenied");
        ck_assert_ptr_nonnull(
            strstr(hc_jstr(r.json, "error.message"), "does not have secrets list permission"));
    }
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_faults_token_and_msi)
{
    const char *md[] = {"Metadata: true", NULL};
    char *tok;
    struct mvt_resp r;
    char path[200];

    /* Token endpoint, matched on the client_id of the form. */
    fault("{\"match\":{\"endpoint\":\"token\",\"operation\":\"Token\",\"principal\":\"" T_FLOW_ID
          "\"},"
          "\"action\":{\"status\":503,\"retryAfter\":1},\"times\":1}");
    {
        const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
        snprintf(path, sizeof path, "/%s/oauth2/v2.0/token", T_TENANT);
        hc_req(srv, "POST", "localhost", path, NULL, hdr,
               "grant_type=client_credentials&client_id=" T_FLOW_ID "&client_secret=" T_FLOW_SECRET
               "&scope=https%3A%2F%2Fvault.azure.net%2F.default",
               &r);
    }
    hc_assert_status(&r, 503, "faulted token request");
    ck_assert_str_eq(hc_jstr(r.json, "error"), "temporarily_unavailable");
    ck_assert_int_eq(hc_jint(r.json, "error_codes.0"), 90033);
    ck_assert_ptr_nonnull(strstr(hc_jstr(r.json, "error_description"), "AADSTS90033: "));
    ck_assert_ptr_nonnull(strstr(hc_jstr(r.json, "error_description"), "\r\nTrace ID: "));
    ck_assert(hc_jstr(r.json, "correlation_id") && hc_jstr(r.json, "error_uri"));
    hc_assert_header(&r, "Retry-After", "1", "token 503");
    mvt_resp_free(&r);
    /* Another client is not matched; the flow app's next request gets its token (times 1). */
    tok = mvt_admin_token(srv);
    ck_assert_ptr_nonnull(tok);
    hc_free_token(tok);
    tok = hc_token_for(srv, T_TENANT, T_FLOW_ID, T_FLOW_SECRET, KV_SCOPE);
    ck_assert_ptr_nonnull(tok);
    hc_free_token(tok);

    /* Managed identity (IMDS), with the managed-identity error shape. */
    fault("{\"match\":{\"endpoint\":\"msi\"},\"action\":{\"status\":429,\"retryAfter\":3}}");
    hc_req(
        srv, "GET", "localhost",
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net",
        NULL, md, NULL, &r);
    hc_assert_status(&r, 429, "faulted IMDS");
    hc_assert_keys(r.json, "error,error_description", "IMDS error");
    ck_assert_str_eq(hc_jstr(r.json, "error"), "too_many_requests");
    hc_assert_header(&r, "Retry-After", "3", "IMDS 429");
    mvt_resp_free(&r);
    /* The vault is a different endpoint kind: untouched. */
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "vault");
    mvt_resp_free(&r);
    /* Graph, matched on the bearer's appid, with Graph's envelope. */
    fault("{\"match\":{\"endpoint\":\"graph\",\"principal\":\"" T_ADMIN_ID
          "\"},\"action\":{\"status\":503}}");
    tok = mvt_token(srv, T_ADMIN_ID, T_ADMIN_SECRET, "https://graph.microsoft.com/.default");
    ck_assert_ptr_nonnull(tok);
    hc_req(srv, "GET", "localhost", "/v1.0/organization", tok, NULL, NULL, &r);
    hc_free_token(tok);
    hc_assert_status(&r, 503, "faulted Graph");
    ck_assert_str_eq(hc_jstr(r.json, "error.code"), "serviceNotAvailable");
    ck_assert(hc_has(r.json, "error.innerError.request-id"));
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_faults_delay)
{
    struct mvt_resp r;
    double t0;

    fault("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"delayMs\":400},\"times\":1}");
    t0 = mv_mono_now();
    kv("GET", "/secrets/api-key", admin_tok, NULL, &r);
    ck_assert_msg(mv_mono_now() - t0 >= 0.4, "answered after %.3f s, want >= 0.4",
                  mv_mono_now() - t0);
    hc_assert_status(&r, 200, "delayed GetSecret answers normally");
    mvt_resp_free(&r);
    /* Delay then a status. */
    fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"delayMs\":300,\"status\":503}}");
    t0 = mv_mono_now();
    kv("GET", "/secrets", admin_tok, NULL, &r);
    ck_assert_msg(mv_mono_now() - t0 >= 0.3, "answered after %.3f s", mv_mono_now() - t0);
    hc_assert_status(&r, 503, "delay + status");
    mvt_resp_free(&r);
}
END_TEST

/* A GET /secrets (GetSecrets) on its own connection, with curl directly: a transport failure is
 * a result here (the server may stop under it), not an assertion in a thread. */
struct delayed {
    pthread_t th;
    long timeout_ms;
    long status;
    CURLcode rc;
    double done; /* mv_mono_now() when the answer (or failure) arrived */
};

static void *delayed_get(void *arg)
{
    struct delayed *d = arg;

    d->rc = raw_get_ms("/secrets", d->timeout_ms ? d->timeout_ms : 30000, &d->status);
    d->done = mv_mono_now();
    return NULL;
}

/* Waits up to 10 s until exactly n delays are held (their connections suspended). */
static void wait_held(unsigned n)
{
    double t0 = mv_mono_now();

    while (mv_delay_count(srv->delays) != n && mv_mono_now() - t0 < 10.0)
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    ck_assert_msg(mv_delay_count(srv->delays) == n, "%u delays held, want %u",
                  mv_delay_count(srv->delays), n);
}

#define NDELAYED 8

/* Regression: a delay slept in the access handler, and libmicrohttpd binds each connection to
 * the worker that accepted it, so a delayed request stalled every other connection on its worker
 * (the control API answered after 20.3 s under ASan). Now a delay suspends its connection and
 * holds no thread: with the default 2 threads and 8 requests delayed by 20 s, the control API and
 * other vault requests answer at once, and DELETE /_mock/faults ends every delay together. */
START_TEST(test_faults_delay_bounded)
{
    struct delayed d[NDELAYED];
    struct mvt_resp r;
    double t1;

    memset(d, 0, sizeof d);
    fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"delayMs\":20000}}");
    for (int i = 0; i < NDELAYED; i++)
        ck_assert_int_eq(pthread_create(&d[i].th, NULL, delayed_get, &d[i]), 0);
    wait_held(NDELAYED);
    for (int i = 0; i < 5; i++) {
        t1 = mv_mono_now();
        ck_assert_int_eq(mvt_control(srv, "GET", "/_mock/health", NULL), 200);
        ck_assert_msg(mv_mono_now() - t1 < 1.5, "control API answered after %.1f s",
                      mv_mono_now() - t1);
        t1 = mv_mono_now();
        kv("GET", "/secrets/api-key", admin_tok, NULL, &r);
        ck_assert_msg(mv_mono_now() - t1 < 1.5, "GetSecret answered after %.1f s",
                      mv_mono_now() - t1);
        hc_assert_status(&r, 200, "GetSecret beside the delayed requests");
        mvt_resp_free(&r);
    }
    /* Still all delayed: nothing above ended a delay. */
    ck_assert_uint_eq(mv_delay_count(srv->delays), NDELAYED);
    t1 = mv_mono_now();
    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/faults", NULL), 204);
    for (int i = 0; i < NDELAYED; i++) {
        pthread_join(d[i].th, NULL);
        ck_assert_msg(d[i].rc == CURLE_OK && d[i].status == 200,
                      "delayed request %d: curl %d, "
                      "status %ld",
                      i, (int)d[i].rc, d[i].status);
        ck_assert_msg(d[i].done - t1 < 2.0, "delayed request %d answered %.1f s after the DELETE",
                      i, d[i].done - t1);
    }
    ck_assert_uint_eq(mv_delay_count(srv->delays), 0);
}
END_TEST

/* A delayed request whose client gives up: the connection stays suspended until the delay ends
 * (libmicrohttpd does not watch a suspended socket), then the answer fails to send and the
 * request is freed. Nothing crashes or leaks (ASan), and the server goes on answering. */
START_TEST(test_faults_delay_client_gone)
{
    struct delayed d[3];
    struct mvt_resp r;

    memset(d, 0, sizeof d);
    fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"delayMs\":800}}");
    for (int i = 0; i < 3; i++) {
        d[i].timeout_ms = 300;
        ck_assert_int_eq(pthread_create(&d[i].th, NULL, delayed_get, &d[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(d[i].th, NULL);
        ck_assert_msg(d[i].rc == CURLE_OPERATION_TIMEDOUT, "request %d: curl %d, want a timeout", i,
                      (int)d[i].rc);
    }
    /* Let the delays end on their own (the timer path), then once more ended by a DELETE. */
    wait_held(0);
    memset(d, 0, sizeof d);
    fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"delayMs\":20000}}");
    d[0].timeout_ms = 300;
    ck_assert_int_eq(pthread_create(&d[0].th, NULL, delayed_get, &d[0]), 0);
    pthread_join(d[0].th, NULL);
    ck_assert_int_eq(d[0].rc, CURLE_OPERATION_TIMEDOUT);
    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/faults", NULL), 204);
    ck_assert_uint_eq(mv_delay_count(srv->delays), 0);
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "after abandoned delays");
    mvt_resp_free(&r);
    ck_assert_int_eq(mvt_control(srv, "GET", "/_mock/health", NULL), 200);
}
END_TEST

/* libmicrohttpd must not be stopped with suspended connections: stopping the server with
 * delayed requests resumes them first, returns promptly, and leaks nothing (ASan). The clients
 * get an answer or a closed connection, never a 20 s wait. */
START_TEST(test_faults_delay_server_stop)
{
    struct delayed d[4];
    double t0;

    memset(d, 0, sizeof d);
    fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"delayMs\":20000}}");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&d[i].th, NULL, delayed_get, &d[i]), 0);
    wait_held(4);
    t0 = mv_mono_now();
    mv_server_stop(srv);
    srv = NULL; /* teardown's mv_server_stop(NULL) is a no-op */
    ck_assert_msg(mv_mono_now() - t0 < 5.0, "stop took %.1f s", mv_mono_now() - t0);
    for (int i = 0; i < 4; i++) {
        pthread_join(d[i].th, NULL);
        ck_assert_msg(d[i].done - t0 < 5.0, "client %d waited %.1f s", i, d[i].done - t0);
        ck_assert_msg(d[i].status == 200 || d[i].status == 0, "client %d: status %ld", i,
                      d[i].status);
    }
}
END_TEST

/* Regression: "advance" bounded the step only, so repeated advances took the clock past year 9999
 * (and the journal's time past what its rounding could hold). Now the landing is bounded, and a
 * refused advance leaves the clock where it was. */
START_TEST(test_clock_advance_bounded)
{
    struct mvt_resp r;
    double before;

    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/clock", "{\"set\":253402300000}"), 200);
    hc_req(srv, "GET", "localhost", "/_mock/clock", NULL, NULL, NULL, &r);
    before = cJSON_GetObjectItem(r.json, "now")->valuedouble;
    mvt_resp_free(&r);
    hc_req(srv, "POST", "localhost", "/_mock/clock", NULL, NULL, "{\"advance\":3e11}", &r);
    hc_assert_status(&r, 400, "advance past year 9999");
    ck_assert_ptr_nonnull(strstr(hc_jstr(r.json, "error.message"), "year 9999"));
    mvt_resp_free(&r);
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/clock", "{\"set\":100}"), 200);
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/clock", "{\"advance\":-101}"), 400);
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/clock", "{\"advance\":3e11,\"set\":100}"),
                     200);
    ck_assert(before >= 253402300000.0);
}
END_TEST

START_TEST(test_faults_drop)
{
    struct mvt_resp r;
    const cJSON *e;
    long status;
    CURLcode rc;
    unsigned id =
        fault("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"drop\":true},\"times\":1}");

    rc = raw_get("/secrets/api-key", &status);
    /* No response at all: curl reports an empty reply (or, when TLS notices the close first, a
     * receive error); either way no status arrived. */
    ck_assert_msg(rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR,
                  "dropped connection: curl code %d (%s)", (int)rc, curl_easy_strerror(rc));
    ck_assert_int_eq(status, 0);
    rc = raw_get("/secrets/api-key", &status);
    ck_assert_int_eq(rc, CURLE_OK);
    ck_assert_int_eq(status, 200);
    e = last_entry("GetSecret", &r);
    /* The newest is the 200; the one before is the drop. */
    e = cJSON_GetArrayItem(hc_jget(r.json, "value"),
                           cJSON_GetArraySize(hc_jget(r.json, "value")) - 2);
    ck_assert_int_eq(hc_jint(e, "status"), 0);
    ck_assert_str_eq(hc_jstr(e, "errorCode"), "ConnectionDropped");
    ck_assert_int_eq(hc_jint(e, "fault"), id);
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_faults_truncate)
{
    long status;
    CURLcode rc;

    fault("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"truncate\":true},\"times\":1}");
    rc = raw_get("/secrets/api-key", &status);
    ck_assert_msg(rc == CURLE_PARTIAL_FILE, "truncated body: curl code %d (%s)", (int)rc,
                  curl_easy_strerror(rc));
    ck_assert_int_eq(status, 200);
    rc = raw_get("/secrets/api-key", &status);
    ck_assert_int_eq(rc, CURLE_OK);
    /* A truncated error body. */
    fault(
        "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":503,\"truncate\":true}}");
    rc = raw_get("/secrets/api-key", &status);
    ck_assert_msg(rc == CURLE_PARTIAL_FILE, "truncated 503: curl code %d", (int)rc);
    ck_assert_int_eq(status, 503);
}
END_TEST

START_TEST(test_faults_every_and_times)
{
    struct mvt_resp r;
    char seq[8] = "";

    fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"status\":503},\"every\":2,"
          "\"times\":2}");
    for (int i = 0; i < 6; i++) {
        kv("GET", "/secrets", admin_tok, NULL, &r);
        seq[i] = r.status == 503 ? 'X' : (r.status == 200 ? '.' : '?');
        mvt_resp_free(&r);
    }
    ck_assert_str_eq(seq, ".X.X..");
    faults(&r);
    ck_assert_int_eq(hc_jint(r.json, "value.0.matched"), 4);
    ck_assert_int_eq(hc_jint(r.json, "value.0.fired"), 2);
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_faults_probability_seeded)
{
    const char *rule = "{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"status\":503},"
                       "\"probability\":0.5}";
    char a[21] = "", b[21] = "";
    struct mvt_resp r;

    /* Same seed (--seed 1), same rule after a clear: the same requests fail. */
    for (int round = 0; round < 2; round++) {
        char *s = round ? b : a;
        ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/faults", NULL), 204);
        fault(rule);
        for (int i = 0; i < 20; i++) {
            kv("GET", "/secrets", admin_tok, NULL, &r);
            s[i] = r.status == 503 ? 'X' : '.';
            mvt_resp_free(&r);
        }
    }
    ck_assert_str_eq(a, b);
    ck_assert_msg(strchr(a, 'X') && strchr(a, '.'), "p=0.5 over 20 requests gave %s", a);
}
END_TEST

static const char *const bad_rules[] = {
    "{\"action\":{\"status\":700}}",
    "{\"action\":{}}",
    "{\"match\":{\"colour\":\"red\"},\"action\":{\"status\":503}}",
    "{\"action\":{\"status\":503},\"probability\":2}",
    "{\"action\":{\"status\":\"503\"}}",
    "{\"match\":{\"endpoint\":\"vault\",\"operation\":\"GetSecretz\"},\"action\":{\"status\":503}}",
    "not json",
    "",
};

START_TEST(test_faults_bad_rules)
{
    struct mvt_resp r;
    char *before, *after;

    fault("{\"action\":{\"status\":500},\"times\":1}");
    faults(&r);
    before = cJSON_PrintUnformatted(r.json);
    mvt_resp_free(&r);
    hc_req(srv, "POST", "localhost", "/_mock/faults", NULL, NULL, bad_rules[_i], &r);
    hc_assert_status(&r, 400, bad_rules[_i]);
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    hc_assert_keys(hc_jget(r.json, "error"), "code,message", "error");
    ck_assert_msg(strncmp(hc_jstr(r.json, "error.message"), "Fault rule: ", 12) == 0, "message: %s",
                  hc_jstr(r.json, "error.message"));
    mvt_resp_free(&r);
    faults(&r);
    after = cJSON_PrintUnformatted(r.json);
    ck_assert_str_eq(before, after);
    mvt_resp_free(&r);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_faults_delete_and_reset)
{
    struct mvt_resp r;
    unsigned a = fault("{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"status\":503}}");
    char p[64];

    fault("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":503}}");
    snprintf(p, sizeof p, "/_mock/faults/%u", a);
    ck_assert_int_eq(mvt_control(srv, "DELETE", p, NULL), 204);
    ck_assert_int_eq(mvt_control(srv, "DELETE", p, NULL), 404);
    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/faults/x1", NULL), 404);
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "rule deleted");
    mvt_resp_free(&r);
    faults(&r);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 1);
    mvt_resp_free(&r);
    /* POST /_mock/reset clears the rules too (DESIGN.md §7). */
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/reset", NULL), 200);
    faults(&r);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 0);
    mvt_resp_free(&r);
    kv("GET", "/secrets/api-key", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "after reset");
    mvt_resp_free(&r);
    /* DELETE /_mock/faults clears all, and ids start again at 1. */
    fault("{\"action\":{\"status\":503}}");
    ck_assert_int_eq(mvt_control(srv, "DELETE", "/_mock/faults", NULL), 204);
    ck_assert_uint_eq(fault("{\"match\":{\"endpoint\":\"arm\"},\"action\":{\"status\":503}}"), 1);
    /* The control API itself is never faulted. */
    fault("{\"action\":{\"status\":503}}");
    ck_assert_int_eq(mvt_control(srv, "GET", "/_mock/health", NULL), 200);
}
END_TEST

/* ---- --throttle azure ---- */

START_TEST(test_throttle_azure_lowered)
{
    struct mvt_resp r;

    /* Frozen, so the 10 s window only moves when the test moves it. */
    hc_clock(srv, "{\"freeze\":true}");
    hc_req(srv, "GET", "localhost", "/_mock/throttle", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/throttle");
    ck_assert_str_eq(hc_jstr(r.json, "mode"), "azure");
    ck_assert_int_eq(hc_jint(r.json, "transactions"), 3);
    ck_assert_int_eq(hc_jint(r.json, "creations"), 2);
    ck_assert_int_eq(hc_jint(r.json, "windowSeconds"), 10);
    mvt_resp_free(&r);

    for (int i = 0; i < 3; i++) {
        kv("GET", "/secrets/api-key", admin_tok, NULL, &r);
        hc_assert_status(&r, 200, "within the limit");
        mvt_resp_free(&r);
    }
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 429, "4th transaction in 10 s");
    hc_assert_body(&r, THROTTLED_BODY, true, "throttled body");
    /* The real throttling response has no Retry-After (spec §2). */
    hc_assert_no_header(&r, "Retry-After", "throttled");
    hc_assert_header(&r, "x-ms-keyvault-region", "westeurope", "throttled");
    mvt_resp_free(&r);
    /* Creations have their own budget of 2. */
    for (int i = 0; i < 2; i++) {
        kv("PUT", "/secrets/throttle-new", admin_tok, "{\"value\":\"v\"}", &r);
        hc_assert_status(&r, 200, "creation within the limit");
        mvt_resp_free(&r);
    }
    kv("PUT", "/secrets/throttle-new", admin_tok, "{\"value\":\"v\"}", &r);
    hc_assert_status(&r, 429, "3rd creation");
    hc_assert_body(&r, THROTTLED_BODY, true, "throttled creation");
    mvt_resp_free(&r);
    /* Other vaults have their own windows. */
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 429, "still throttled");
    mvt_resp_free(&r);
    {
        char p[256];
        hc_req(srv, "GET", "rbac-demo.localhost", hc_path(p, sizeof p, "/secrets", NULL), admin_tok,
               NULL, NULL, &r);
        ck_assert_msg(r.status != 429, "another vault was throttled");
        mvt_resp_free(&r);
    }
    /* 9 s later: still inside the window. 10 s later: the window has slid past the burst. */
    hc_clock(srv, "{\"advance\":9}");
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 429, "after 9 s");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":1}");
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "after 10 s");
    mvt_resp_free(&r);
    kv("PUT", "/secrets/throttle-new", admin_tok, "{\"value\":\"v\"}", &r);
    hc_assert_status(&r, 200, "creation after 10 s");
    mvt_resp_free(&r);
    /* Throttled requests are journalled with the code. */
    {
        const cJSON *e;
        hc_req(srv, "GET", "localhost", "/_mock/requests?status=429", NULL, NULL, NULL, &r);
        ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 4);
        e = hc_jget(r.json, "value.0");
        ck_assert_str_eq(hc_jstr(e, "errorCode"), "Throttled");
        ck_assert(!hc_has(e, "fault"));
        mvt_resp_free(&r);
    }
}
END_TEST

START_TEST(test_throttle_put_and_reset)
{
    struct mvt_resp r;

    /* Started with --throttle off: nothing is limited. */
    for (int i = 0; i < 5; i++) {
        kv("GET", "/secrets", admin_tok, NULL, &r);
        hc_assert_status(&r, 200, "throttle off");
        mvt_resp_free(&r);
    }
    hc_req(srv, "PUT", "localhost", "/_mock/throttle", NULL, NULL,
           "{\"mode\":\"azure\",\"transactions\":2,\"windowSeconds\":1}", &r);
    hc_assert_status(&r, 200, "PUT /_mock/throttle");
    ck_assert_str_eq(hc_jstr(r.json, "mode"), "azure");
    ck_assert_int_eq(hc_jint(r.json, "transactions"), 2);
    ck_assert_int_eq(hc_jint(r.json, "creations"), 2); /* kept from the start options */
    mvt_resp_free(&r);
    hc_clock(srv, "{\"freeze\":true}");
    for (int i = 0; i < 3; i++) {
        kv("GET", "/secrets", admin_tok, NULL, &r);
        hc_assert_status(&r, i < 2 ? 200 : 429, "lowered at run time");
        mvt_resp_free(&r);
    }
    /* Bad bodies change nothing. */
    static const char *const bad[] = {"{\"mode\":\"strict\"}", "{\"transactions\":0}",
                                      "{\"creations\":1.5}",   "{\"windowSeconds\":0}",
                                      "{\"limit\":5}",         "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hc_req(srv, "PUT", "localhost", "/_mock/throttle", NULL, NULL, bad[i], &r);
        hc_assert_status(&r, 400, bad[i]);
        ck_assert_str_eq(hc_err_code(&r), "BadParameter");
        mvt_resp_free(&r);
    }
    hc_req(srv, "GET", "localhost", "/_mock/throttle", NULL, NULL, NULL, &r);
    ck_assert_int_eq(hc_jint(r.json, "transactions"), 2);
    mvt_resp_free(&r);
    /* Reset: back to the options (off) and empty windows. */
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/reset", NULL), 200);
    hc_req(srv, "GET", "localhost", "/_mock/throttle", NULL, NULL, NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "mode"), "off");
    ck_assert_int_eq(hc_jint(r.json, "transactions"), 3); /* the start options' --throttle-limits */
    mvt_resp_free(&r);
    kv("GET", "/secrets", admin_tok, NULL, &r);
    hc_assert_status(&r, 200, "after reset");
    mvt_resp_free(&r);
}
END_TEST

static Suite *faults_suite(void)
{
    Suite *s = suite_create("http-faults");
    TCase *tc = tcase_create("faults");
    TCase *th = tcase_create("throttle");
    TCase *off = tcase_create("throttle-control");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_faults_status_429_exact);
    tcase_add_loop_test(tc, test_faults_status_bodies, 0,
                        (int)(sizeof kv_statuses / sizeof kv_statuses[0]));
    tcase_add_test(tc, test_faults_token_and_msi);
    tcase_add_test(tc, test_faults_delay);
    tcase_add_test(tc, test_faults_delay_bounded);
    tcase_add_test(tc, test_faults_delay_client_gone);
    tcase_add_test(tc, test_faults_delay_server_stop);
    tcase_add_test(tc, test_clock_advance_bounded);
    tcase_add_test(tc, test_faults_drop);
    tcase_add_test(tc, test_faults_truncate);
    tcase_add_test(tc, test_faults_every_and_times);
    tcase_add_test(tc, test_faults_probability_seeded);
    tcase_add_loop_test(tc, test_faults_bad_rules, 0,
                        (int)(sizeof bad_rules / sizeof bad_rules[0]));
    tcase_add_test(tc, test_faults_delete_and_reset);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(th, setup_throttle, teardown);
    tcase_add_test(th, test_throttle_azure_lowered);
    suite_add_tcase(s, th);
    tcase_add_checked_fixture(off, setup, teardown);
    tcase_add_test(off, test_throttle_put_and_reset);
    suite_add_tcase(s, off);
    return s;
}

int main(void)
{
    return mvt_run(faults_suite(), false);
}
