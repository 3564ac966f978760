/* test-tokens.c: the token cache's refresh ahead of expiry, against the real mock. The client's
 * wall clock (struct kv_client.now, replaceable for tests, kv-int.h) is moved forward so a token
 * from the mock falls into the refresh window or past its end without waiting an hour; the mock's
 * own clock is left alone, so the vault still accepts the old token and every refresh the tests
 * see is the client's own decision (not a reaction to a 401). */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "kv-int.h"
#include "kvtest.h"
#include "testlib.h"

static struct mv_server *srv;
static int64_t shift; /* seconds added to the client's clock */

static int64_t shifted_now(void)
{
    return kv__now() + __atomic_load_n(&shift, __ATOMIC_SEQ_CST);
}

static void setup(void)
{
    kt_clear_env();
    shift = 0;
    srv = kt_start(NULL);
}

static void teardown(void)
{
    mv_server_stop(srv);
    srv = NULL;
}

static struct kv_client *client(void)
{
    struct kv_client *c = kt_admin(srv);
    c->now = shifted_now;
    return c;
}

/* Inside the refresh window (the mock's tokens live 3599 s; the window is 300 s): one new fetch,
 * then the new token is used. */
START_TEST(test_refresh_ahead_of_expiry)
{
    struct kv_client *c = client();

    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    shift = 3599 - 200;
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    /* Nothing was refused on the way: a refresh, not a reaction to a 401. */
    ck_assert_uint_eq(kt_stats(c).requests, 4);
    kv_client_destroy(c);
}
END_TEST

/* Before the window nothing is fetched; refresh_before_s moves the window. */
START_TEST(test_refresh_window_option)
{
    struct kv_options o;
    struct kv_client *c;

    kt_get_ok((c = client()), "api-key");
    shift = 3599 - 400;
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    shift = 0;
    kt_options(&o, srv);
    o.refresh_before_s = 600;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    c->now = shifted_now;
    kt_get_ok(c, "api-key");
    shift = 3599 - 400;
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

/* Past the expiry by the client's clock: fetched again before use. */
START_TEST(test_expired_by_client_clock)
{
    struct kv_client *c = client();

    kt_get_ok(c, "api-key");
    shift = 4000;
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    ck_assert_uint_eq(kt_stats(c).requests, 3);
    kv_client_destroy(c);
}
END_TEST

/* A refresh that fails while the old token is still valid is not fatal. */
START_TEST(test_failed_refresh_keeps_old_token)
{
    struct kv_client *c = client();

    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"endpoint\":\"token\"},\"action\":{\"status\":400}}");
    shift = 3599 - 200;
    kt_get_ok(c, "api-key");
    ck_assert_uint_ge(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

struct worker {
    struct kv_client *c;
    int ok;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 5; i++) {
        struct kv_secret *s = NULL;
        if (kv_secret_get(w->c, "api-key", NULL, &s, NULL) == KV_OK)
            w->ok++;
        kv_secret_free(s);
    }
    return NULL;
}

/* Eight threads reach the refresh window together: one refresh between them. */
START_TEST(test_concurrent_refresh_fetches_once)
{
    struct kv_client *c = client();
    pthread_t th[8];
    struct worker w[8];

    kt_get_ok(c, "api-key");
    shift = 3599 - 200;
    for (int i = 0; i < 8; i++) {
        w[i].c = c;
        w[i].ok = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(w[i].ok, 5);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

/* A token shorter-lived than twice the refresh window is refreshed at half its life, not
 * refetched on every call (--token-lifetime 200 < 2 x 300 s). */
START_TEST(test_short_lived_token_not_refetched)
{
    struct mv_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.token_lifetime = 200;
    mv_server_stop(srv);
    srv = kt_start(&cfg);
    struct kv_client *c = client();

    for (int i = 0; i < 6; i++)
        kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    shift = 110; /* past half its life: one refresh, then reuse again */
    kt_get_ok(c, "api-key");
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

struct fail_worker {
    struct kv_client *c;
    int status;
};

static void *fail_worker_main(void *arg)
{
    struct fail_worker *w = arg;
    w->status = kv_secret_get(w->c, "api-key", NULL, NULL, NULL);
    return NULL;
}

/* Threads waiting for a fetch that fails share its failure instead of each sending the same
 * doomed token request again (a wrong client secret; the token endpoint made slow so that all
 * eight are waiting). */
START_TEST(test_failed_fetch_shared_by_waiters)
{
    struct kv_client *c =
        kt_client_with(srv, NULL, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, "not-the-secret"));
    pthread_t th[8];
    struct fail_worker w[8];

    ck_assert_int_eq(kv_secret_get(c, "api-key", NULL, NULL, NULL), KV_E_AUTH);
    unsigned long before = kt_stats(c).token_fetches;
    kt_fault(srv, "{\"match\":{\"endpoint\":\"token\"},\"action\":{\"delayMs\":700}}");
    for (int i = 0; i < 8; i++) {
        w[i].c = c;
        ck_assert_int_eq(pthread_create(&th[i], NULL, fail_worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(w[i].status, KV_E_AUTH);
    ck_assert_uint_eq(kt_stats(c).token_fetches - before, 1);
    kv_client_destroy(c);
}
END_TEST

/* The operation's deadline covers its token request: a slow token endpoint ends in
 * KV_E_TIMEOUT (not KV_E_AUTH) within the deadline. */
START_TEST(test_deadline_covers_token_fetch)
{
    struct kv_options o;
    kt_options(&o, srv);
    o.deadline_ms = 800;
    struct kv_client *c =
        kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    struct kv_error err;
    memset(&err, 0, sizeof err);
    kt_fault(srv, "{\"match\":{\"endpoint\":\"token\"},\"action\":{\"delayMs\":2500}}");
    uint64_t t0 = kt_mono_ms();
    ck_assert_int_eq(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_TIMEOUT);
    ck_assert_uint_lt(kt_mono_ms() - t0, 2000);
    kv_client_destroy(c);
}
END_TEST

/* A client secret or assertion never goes to a plain-http authority. */
START_TEST(test_http_authority_refused)
{
    struct kv_credential *cred = (struct kv_credential *)&cred;
    ck_assert_int_eq(kv_credential_client_secret(T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET,
                                                 "http://localhost:1", &cred),
                     KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);
    setenv("AZURE_TENANT_ID", T_TENANT, 1);
    setenv("AZURE_CLIENT_ID", T_ADMIN_ID, 1);
    setenv("AZURE_CLIENT_SECRET", T_ADMIN_SECRET, 1);
    setenv("AZURE_AUTHORITY_HOST", "http://localhost:1", 1);
    ck_assert_int_eq(kv_credential_from_env(&cred, NULL), KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);
    kt_clear_env();
}
END_TEST

static Suite *tokens_suite(void)
{
    Suite *s = suite_create("kvclient-tokens");
    TCase *tc = tcase_create("refresh");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_refresh_ahead_of_expiry);
    tcase_add_test(tc, test_refresh_window_option);
    tcase_add_test(tc, test_expired_by_client_clock);
    tcase_add_test(tc, test_failed_refresh_keeps_old_token);
    tcase_add_test(tc, test_concurrent_refresh_fetches_once);
    tcase_add_test(tc, test_short_lived_token_not_refetched);
    tcase_add_test(tc, test_failed_fetch_shared_by_waiters);
    tcase_add_test(tc, test_deadline_covers_token_fetch);
    tcase_add_test(tc, test_http_authority_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kt_run(tokens_suite());
}
