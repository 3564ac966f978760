/* test-retry.c: libkvclient's retries against failures injected into the real mock with
 * POST /_mock/faults (DESIGN.md §7): 429 with Retry-After, 429 until the retries run out, 5xx then
 * success, the overall deadline, per-attempt timeouts, dropped connections, faults on the token
 * endpoint, and no retries for denials. Rules fire only for authenticated calls, so the
 * challenge never spends one.
 *
 * What the mock cannot script, a small HTTPS fault server (faultsrv.c) answers: the
 * x-ms-retry-after-ms header (and its precedence over Retry-After), the challenge request sent
 * without its body, and a nextLink that points at another origin. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsclient.h"
#include "kvclient.h"
#include "kvtest.h"
#include "testlib.h"

static struct mv_server *srv;

static void setup(void)
{
    kt_clear_env();
    srv = kt_start(NULL);
}

static void teardown(void)
{
    mv_server_stop(srv);
    srv = NULL;
}

/* An admin client with short backoff so tests that do not test the wait itself stay fast. */
static struct kv_client *fast_client(int max_retries, unsigned deadline_ms)
{
    struct kv_options o;

    kt_options(&o, srv);
    o.max_retries = max_retries;
    o.retry_delay_ms = 10;
    o.max_retry_delay_ms = 100;
    o.deadline_ms = deadline_ms;
    return kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
}

/* ---- against the mock's fault rules ---------------------------------------------------------- */

/* 429 with Retry-After: 1: the retry waits at least a second (more than the backoff would), then
 * succeeds. */
START_TEST(test_429_retry_after_honoured)
{
    struct kv_client *c = fast_client(4, 0);
    struct kv_stats before;
    uint64_t t0, took;

    kt_get_ok(c, "api-key");
    before = kt_stats(c);
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":429,"
                  "\"retryAfter\":1},\"times\":1}");
    t0 = kt_mono_ms();
    kt_get_ok(c, "api-key");
    took = kt_mono_ms() - t0;
    ck_assert_msg(took >= 1000, "the retry came after %llu ms, before Retry-After: 1",
                  (unsigned long long)took);
    ck_assert_msg(took < 5000, "the retry took %llu ms", (unsigned long long)took);
    ck_assert_uint_eq(kt_stats(c).retries - before.retries, 1);
    ck_assert_uint_eq(kt_stats(c).requests - before.requests, 2);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);
}
END_TEST

/* Retry-After may ask for more than max_retry_delay_ms, and is honoured. */
START_TEST(test_retry_after_beyond_cap)
{
    struct kv_client *c = fast_client(4, 0);
    uint64_t t0, took;

    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":503,"
                  "\"retryAfter\":2},\"times\":1}");
    t0 = kt_mono_ms();
    kt_get_ok(c, "api-key");
    took = kt_mono_ms() - t0;
    ck_assert_msg(took >= 2000, "Retry-After: 2 with a 100 ms cap: retried after %llu ms",
                  (unsigned long long)took);
    kv_client_destroy(c);
}
END_TEST

/* Throttled on every attempt: abandoned after max_retries, with the last response's details. */
START_TEST(test_429_forever)
{
    struct kv_client *c = fast_client(2, 0);
    struct kv_error err;
    struct kv_secret *s = NULL;
    struct kv_stats before;

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "api-key");
    before = kt_stats(c);
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":429}}");
    kt_assert_status(kv_secret_get(c, "api-key", NULL, &s, &err), KV_E_THROTTLED, &err,
                     "always throttled");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.attempts, 3);
    ck_assert_int_eq(err.http_status, 429);
    ck_assert_str_eq(err.code, "Throttled");
    ck_assert_msg(err.request_id[0] != '\0', "the last x-ms-request-id");
    ck_assert_uint_eq(kt_stats(c).retries - before.retries, 2);
    ck_assert_uint_eq(kt_stats(c).requests - before.requests, 3);
    kv_client_destroy(c);

    /* max_retries 0: one attempt after the challenge round (a fresh client; both count). */
    c = fast_client(0, 0);
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_THROTTLED, &err,
                     "no retries");
    ck_assert_int_eq(err.attempts, 2);
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kv_client_destroy(c);
}
END_TEST

/* 503 twice, then the real answer. */
START_TEST(test_503_then_success)
{
    struct kv_client *c = fast_client(4, 0);
    struct kv_secret *s = NULL;
    struct kv_error err;
    struct kv_stats before;

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "api-key");
    before = kt_stats(c);
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":503},"
                  "\"times\":2}");
    kt_assert_ok(kv_secret_get(c, "db-password", NULL, &s, &err), &err, "get through 503s");
    ck_assert_msg(kt_value_is(s, "fake-db-password-v3"), "the value");
    kv_secret_free(s);
    ck_assert_uint_eq(kt_stats(c).retries - before.retries, 2);

    /* Writes are retried too: a 503 means the request was not processed. */
    kt_fault(srv, "{\"match\":{\"operation\":\"SetSecret\"},\"action\":{\"status\":503},"
                  "\"times\":1}");
    kt_assert_ok(kv_secret_set(c, "kvt-retried", "v", NULL, NULL, &err), &err, "set through 503");
    kv_client_destroy(c);
}
END_TEST

/* Every retryable status is retried; 5xx exhausted is KV_E_SERVER. */
static const int retryable[] = {408, 429, 500, 502, 503, 504};

START_TEST(test_retryable_statuses)
{
    struct kv_client *c = fast_client(3, 0);
    struct kv_error err;
    char rule[256];
    int code = retryable[_i];

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "api-key");
    snprintf(rule, sizeof rule,
             "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":%d},\"times\":1}",
             code);
    kt_fault(srv, rule);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).retries, 1);

    snprintf(rule, sizeof rule,
             "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":%d}}", code);
    kt_fault(srv, rule);
    {
        int st = kv_secret_get(c, "api-key", NULL, NULL, &err);
        int want = code == 429 ? KV_E_THROTTLED : code == 408 ? st : KV_E_SERVER;
        kt_assert_status(st, want, &err, "retries exhausted");
        ck_assert_int_ne(st, KV_OK);
        ck_assert_int_eq(err.attempts, 4);
        ck_assert_int_eq(err.http_status, code);
    }
    kv_client_destroy(c);
}
END_TEST

/* Statuses that are not retried: denials and other 4xx, 501. */
static const int final_statuses[] = {400, 401, 403, 404, 409, 501};

START_TEST(test_no_retry_statuses)
{
    struct kv_client *c = fast_client(4, 0);
    struct kv_error err;
    char rule[256];
    int code = final_statuses[_i];
    struct kv_stats before;

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "api-key");
    before = kt_stats(c);
    snprintf(rule, sizeof rule,
             "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":%d}}", code);
    kt_fault(srv, rule);
    ck_assert_int_ne(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_OK);
    ck_assert_int_eq(err.http_status, code);
    if (code != 401) { /* a 401 gets its one forced token refresh */
        ck_assert_int_eq(err.attempts, 1);
        ck_assert_uint_eq(kt_stats(c).retries - before.retries, 0);
    }
    kv_client_destroy(c);
}
END_TEST

/* The deadline ends the retries even when the server keeps asking to come back later. */
START_TEST(test_deadline_stops_retries)
{
    struct kv_client *c;
    struct kv_error err;
    uint64_t t0, took;
    int st;

    if (KT_UNDER_VALGRIND())
        return; /* see kvtest.h */
    c = fast_client(10, 1500);

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":503,"
                  "\"retryAfter\":1}}");
    t0 = kt_mono_ms();
    st = kv_secret_get(c, "api-key", NULL, NULL, &err);
    took = kt_mono_ms() - t0;
    ck_assert_msg(st == KV_E_TIMEOUT || st == KV_E_SERVER, "deadline: %s (%s)", kv_status_name(st),
                  err.message);
    ck_assert_msg(took < 3000, "gave up after %llu ms with a 1500 ms deadline",
                  (unsigned long long)took);
    ck_assert_int_ge(err.attempts, 1);
    ck_assert_int_le(err.attempts, 3);
    kv_client_destroy(c);
}
END_TEST

/* A slow answer beyond timeout_ms is a timeout. */
START_TEST(test_attempt_timeout)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err;
    uint64_t t0, took;

    if (KT_UNDER_VALGRIND())
        return; /* see kvtest.h */

    memset(&err, 0, sizeof err);
    kt_options(&o, srv);
    o.max_retries = 0;
    o.timeout_ms = 500;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"delayMs\":2500},"
                  "\"times\":1}");
    t0 = kt_mono_ms();
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_TIMEOUT, &err,
                     "slow server");
    took = kt_mono_ms() - t0;
    ck_assert_msg(took < 2000, "timed out after %llu ms", (unsigned long long)took);
    kv_client_destroy(c);
}
END_TEST

/* A connection closed without an answer is retried like other connection failures. (Two drops:
 * libcurl itself silently resends once when a reused connection turns out dead, so the first drop
 * alone may never reach the library.) */
START_TEST(test_dropped_connection_retried)
{
    struct kv_client *c = fast_client(3, 0);

    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"drop\":true},"
                  "\"times\":2}");
    kt_get_ok(c, "api-key");
    ck_assert_uint_ge(kt_stats(c).retries, 1);
    kv_client_destroy(c);
}
END_TEST

/* The token endpoint fails transiently: the token fetch is retried as well. */
START_TEST(test_token_endpoint_503)
{
    struct kv_client *c = fast_client(3, 0);

    kt_fault(srv, "{\"match\":{\"endpoint\":\"token\"},\"action\":{\"status\":503},\"times\":1}");
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
}
END_TEST

/* Nothing listens: KV_E_NETWORK after the retries. */
START_TEST(test_connection_refused)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err;
    char url[64];
    uint16_t port = mv_server_port(srv);

    memset(&err, 0, sizeof err);
    kt_options(&o, srv);
    mv_server_stop(srv);
    srv = NULL;
    snprintf(url, sizeof url, "https://demo.localhost:%u", (unsigned)port);
    o.vault_url = url;
    o.ca_file = NULL;
    o.max_retries = 2;
    o.retry_delay_ms = 10;
    {
        struct kv_credential *cred = NULL;
        ck_assert_int_eq(kv_credential_static_token("unused-token", 0, &cred), KV_OK);
        c = kt_client_with(NULL, &o, cred);
    }
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_NETWORK, &err,
                     "nothing listens");
    ck_assert_int_eq(err.attempts, 3);
    ck_assert_int_eq(err.http_status, 0);
    kv_client_destroy(c);
}
END_TEST

/* ---- against faultsrv ---------------------------------------------------------------------- */

START_TEST(test_x_ms_retry_after_ms)
{
    static const struct fs_reply r429 = {
        429, {"x-ms-retry-after-ms: 700", "Retry-After: 5", NULL}, NULL, 0};
    struct kv_client *c = fs_client(3);
    struct fs_entry j[16];
    size_t n;
    uint64_t gap;

    kt_get_ok(c, "s");
    fs_push(fs, &r429, 1);
    kt_get_ok(c, "s");
    n = fs_vault_journal(fs, j, 16);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(j[1].status, 429);
    gap = j[2].t_ms - j[1].t_ms;
    ck_assert_msg(gap >= 700, "retried %llu ms after x-ms-retry-after-ms: 700",
                  (unsigned long long)gap);
    ck_assert_msg(gap < 3500, "waited %llu ms: Retry-After: 5 must not win",
                  (unsigned long long)gap);
    kv_client_destroy(c);
}
END_TEST

/* Retry-After as an HTTP-date two seconds ahead. */
START_TEST(test_retry_after_http_date)
{
    static char hdr[96];
    struct fs_reply r503 = {503, {hdr, NULL}, NULL, 0};
    struct kv_client *c = fs_client(3);
    struct fs_entry j[16];
    time_t when;
    struct tm tm;
    uint64_t gap;

    kt_get_ok(c, "s");
    when = time(NULL) + 3;
    gmtime_r(&when, &tm);
    strftime(hdr, sizeof hdr, "Retry-After: %a, %d %b %Y %H:%M:%S GMT", &tm);
    fs_push(fs, &r503, 1);
    kt_get_ok(c, "s");
    ck_assert_uint_eq(fs_vault_journal(fs, j, 16), 3);
    gap = j[2].t_ms - j[1].t_ms;
    /* The date has one-second resolution: at least two of the three seconds are left. */
    ck_assert_msg(gap >= 1900, "retried %llu ms after a date 3 s ahead", (unsigned long long)gap);
    ck_assert_msg(gap < 5000, "waited %llu ms", (unsigned long long)gap);
    kv_client_destroy(c);
}
END_TEST

/* The first request of a client goes out without Authorization and without its body (the SDKs do
 * the same, spec/real-clients.md A.2, B.2); the authorised resend carries the body. */
START_TEST(test_challenge_without_body)
{
    struct kv_client *c = fs_client(0);
    struct kv_error err;
    struct fs_entry j[16];
    size_t n;
    int i_unauth = -1, i_auth = -1, tokens = 0;

    memset(&err, 0, sizeof err);
    kt_assert_ok(kv_secret_set(c, "s", "kvt-challenge-body-value", NULL, NULL, &err), &err,
                 "first set");
    n = fs_journal(fs, j, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        if (j[i].token)
            tokens++;
        else if (!j[i].authorized && i_unauth < 0)
            i_unauth = (int)i;
        else if (j[i].authorized && i_auth < 0)
            i_auth = (int)i;
    }
    ck_assert_int_eq(tokens, 1);
    ck_assert_msg(i_unauth == 0, "the challenge request came first");
    ck_assert_str_eq(j[i_unauth].method, "PUT");
    ck_assert_uint_eq(j[i_unauth].body_len, 0);
    ck_assert_msg(i_auth > i_unauth, "then the authorised request");
    ck_assert_str_eq(j[i_auth].method, "PUT");
    ck_assert_uint_gt(j[i_auth].body_len, strlen("kvt-challenge-body-value"));
    ck_assert_str_eq(j[i_auth].path, "/secrets/s");
    kv_client_destroy(c);
}
END_TEST

/* A service that answers every token with a claims challenge (spec/identity.md §7.4): one token
 * request with the claims, one retry, then the second 401 is the caller's. Never a loop. */
START_TEST(test_claims_challenge_no_loop)
{
    static const struct fs_reply cae = {
        401,
        {"WWW-Authenticate: Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline"
         ".com/common/oauth2/authorize\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3Nf"
         "dG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In19fQ==\"",
         NULL},
        NULL,
        0};
    struct kv_client *c = fs_client(0);
    struct kv_error err;
    struct fs_entry j[32];
    size_t n, vault, tokens = 0, tok_len[2] = {0, 0};

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "api-key");
    fs_push(fs, &cae, 5);
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_UNAUTHORIZED, &err,
                     "get challenged without end");
    ck_assert_int_eq(err.http_status, 401);
    n = fs_journal(fs, j, 32);
    for (size_t i = 0; i < n && i < 32; i++)
        if (j[i].token && tokens++ < 2)
            tok_len[tokens - 1] = j[i].body_len;
    vault = fs_vault_journal(fs, NULL, 0);
    /* The warm-up: challenge, token, get; then get (401), token with claims, get (401). */
    ck_assert_uint_eq(tokens, 2);
    ck_assert_uint_eq(vault, 3);
    /* The second token request carries the challenge's claims besides the capability. */
    ck_assert_uint_gt(tok_len[1], tok_len[0]);
    kv_client_destroy(c);
}
END_TEST

/* nextLink is followed only to the vault's own origin: a page whose nextLink leads elsewhere
 * (here the same port under another host name) fails the pager, at once or after its items, and
 * nothing is ever sent there. */
START_TEST(test_next_link_foreign_origin)
{
    static char page[512];
    struct fs_reply r = {200, {NULL}, page, 0};
    struct kv_client *c = fs_client(0);
    struct kv_pager *pg = NULL;
    struct kv_secret *s = NULL;
    struct kv_error err;
    size_t before;
    int st;

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "s");
    snprintf(page, sizeof page,
             "{\"value\":[{\"id\":\"https://demo.localhost:%u/secrets/a\",\"attributes\":{"
             "\"enabled\":true,\"created\":1,\"updated\":1}}],\"nextLink\":"
             "\"https://localhost:%u/secrets?api-version=7.5&$skiptoken=x&maxresults=1\"}",
             (unsigned)fs_port(fs), (unsigned)fs_port(fs));
    fs_push(fs, &r, 1);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 1, &pg), KV_OK);
    before = fs_journal(fs, NULL, 0);
    st = kv_pager_next(pg, &s, &err);
    if (st == KV_OK) {
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s->name, "a");
        kv_secret_free(s);
        s = NULL;
        st = kv_pager_next(pg, &s, &err);
    }
    ck_assert_msg(st != KV_OK, "the foreign nextLink is refused");
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(fs_journal(fs, NULL, 0), before + 1); /* the first page only */
    kv_pager_destroy(pg);
    kv_client_destroy(c);
}
END_TEST

static Suite *retry_suite(void)
{
    Suite *s = suite_create("kvclient-retry");
    TCase *mock = tcase_create("mock-faults");
    TCase *fsrv = tcase_create("faultsrv");

    tcase_add_checked_fixture(mock, setup, teardown);
    tcase_set_timeout(mock, 120);
    tcase_add_test(mock, test_429_retry_after_honoured);
    tcase_add_test(mock, test_retry_after_beyond_cap);
    tcase_add_test(mock, test_429_forever);
    tcase_add_test(mock, test_503_then_success);
    tcase_add_loop_test(mock, test_retryable_statuses, 0,
                        (int)(sizeof retryable / sizeof retryable[0]));
    tcase_add_loop_test(mock, test_no_retry_statuses, 0,
                        (int)(sizeof final_statuses / sizeof final_statuses[0]));
    tcase_add_test(mock, test_deadline_stops_retries);
    tcase_add_test(mock, test_attempt_timeout);
    tcase_add_test(mock, test_dropped_connection_retried);
    tcase_add_test(mock, test_token_endpoint_503);
    tcase_add_test(mock, test_connection_refused);
    suite_add_tcase(s, mock);

    tcase_add_checked_fixture(fsrv, fs_setup, fs_teardown);
    tcase_set_timeout(fsrv, 120);
    tcase_add_test(fsrv, test_x_ms_retry_after_ms);
    tcase_add_test(fsrv, test_retry_after_http_date);
    tcase_add_test(fsrv, test_challenge_without_body);
    tcase_add_test(fsrv, test_next_link_foreign_origin);
    tcase_add_test(fsrv, test_claims_challenge_no_loop);
    suite_add_tcase(s, fsrv);
    return s;
}

int main(void)
{
    return kt_run(retry_suite());
}
