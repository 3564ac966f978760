/* test-throttle.c: the sliding-window throttling model without HTTP (throttle.c), with the time
 * passed in: the limit reached, the window sliding at exactly `window` seconds, creations and
 * transactions counted apart, vaults apart, refused requests not counted, the clock set back, and
 * new limits starting from empty windows. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "throttle.h"
#include "testlib.h"

static struct mv_throttle *t;

static void make(unsigned transactions, unsigned creations, double window)
{
    struct mv_throttle_limits l = {true, transactions, creations, window};

    t = mv_throttle_create(&l);
    ck_assert_ptr_nonnull(t);
}

static void teardown(void)
{
    mv_throttle_destroy(t);
    t = NULL;
}

/* Admits n requests of cls at time now; returns how many were admitted. */
static unsigned burst(const char *vault, enum mv_throttle_class cls, double now, unsigned n)
{
    unsigned ok = 0;

    for (unsigned i = 0; i < n; i++)
        ok += mv_throttle_admit(t, vault, cls, now, NULL);
    return ok;
}

START_TEST(test_throttle_azure_defaults)
{
    struct mv_throttle_limits l;

    mv_throttle_azure_limits(&l, true);
    t = mv_throttle_create(&l);
    ck_assert(l.enabled);
    ck_assert_uint_eq(l.transactions, 4000);
    ck_assert_uint_eq(l.creations, 300);
    ck_assert(l.window == 10.0);
    /* The real figures: 4,000 transactions, then a 429; 300 creations, then a 429. */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 1000.0, 4001), 4000);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_CREATION, 1000.0, 301), 300);
}
END_TEST

START_TEST(test_throttle_disabled_admits_all)
{
    struct mv_throttle_limits l = {false, 1, 1, 10};

    t = mv_throttle_create(&l);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0, 100), 100);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_CREATION, 0, 100), 100);
}
END_TEST

START_TEST(test_throttle_window_edges)
{
    double wait = -1;

    make(3, 2, 10.0);
    /* Three at t=100, 101, 102: the fourth inside the window is refused. */
    ck_assert(mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 100.0, NULL));
    ck_assert(mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 101.0, NULL));
    ck_assert(mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 102.0, NULL));
    ck_assert(!mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 105.0, &wait));
    ck_assert_msg(wait > 4.999 && wait < 5.001, "wait %f, want 5 (the t=100 request leaves at 110)",
                  wait);
    /* Just before the oldest leaves the window: still refused. */
    ck_assert(!mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 109.999, NULL));
    /* At exactly 110 the t=100 request is 10 s old and out of (now-10, now]. */
    ck_assert(mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 110.0, NULL));
    /* The window slides one request at a time: 101 leaves at 111, not before. */
    ck_assert(!mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 110.5, NULL));
    ck_assert(mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 111.0, NULL));
    /* After a whole quiet window, a full burst passes again. */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 200.0, 5), 3);
}
END_TEST

START_TEST(test_throttle_refused_not_counted)
{
    make(2, 2, 10.0);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 2), 2);
    /* A client hammering while throttled does not push its recovery further out (spec §7:
     * requests that get a 429 do not count). */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 5.0, 1000), 0);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 10.0, 3), 2);
}
END_TEST

START_TEST(test_throttle_creations_vs_transactions)
{
    make(5, 2, 10.0);
    /* Creations have their own, smaller budget ... */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_CREATION, 0.0, 3), 2);
    /* ... which does not use up the transactions ... */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 6), 5);
    /* ... and the other way round: transactions exhausted, creations recover on their own. */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_CREATION, 10.0, 3), 2);
    ck_assert(!mv_throttle_admit(t, "demo", MV_THROTTLE_TRANSACTION, 9.0, NULL));
}
END_TEST

START_TEST(test_throttle_per_vault)
{
    make(2, 1, 10.0);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 3), 2);
    ck_assert_uint_eq(burst("other", MV_THROTTLE_TRANSACTION, 0.0, 3), 2);
    /* Vault names are case-insensitive. */
    ck_assert_uint_eq(burst("DEMO", MV_THROTTLE_TRANSACTION, 1.0, 1), 0);
}
END_TEST

START_TEST(test_throttle_clock_set_back)
{
    make(2, 1, 10.0);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 1000.0, 2), 2);
    /* The mock clock went back a day: requests "from the future" no longer count. */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 1000.0 - 86400, 3), 2);
}
END_TEST

START_TEST(test_throttle_set_limits_clears)
{
    struct mv_throttle_limits l;

    make(2, 1, 10.0);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 2), 2);
    l.enabled = true;
    l.transactions = 3;
    l.creations = 1;
    l.window = 0.5;
    mv_throttle_set_limits(t, &l);
    mv_throttle_get_limits(t, &l);
    ck_assert_uint_eq(l.transactions, 3);
    ck_assert(l.window == 0.5);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.1, 4), 3);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.7, 4), 3);
    /* Out-of-range limits are clamped, never zero (which would refuse everything). */
    l.transactions = 0;
    l.window = -1;
    mv_throttle_set_limits(t, &l);
    mv_throttle_get_limits(t, &l);
    ck_assert_uint_eq(l.transactions, 1);
    ck_assert(l.window == 10.0);
}
END_TEST

/* /_mock/reset: back to the limits the model was created with (the options), windows empty. */
START_TEST(test_throttle_reset_restores_initial)
{
    struct mv_throttle_limits l = {true, 5, 5, 1.0};

    make(2, 1, 10.0);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 3), 2);
    mv_throttle_set_limits(t, &l);
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 6), 5);
    mv_throttle_reset(t);
    mv_throttle_get_limits(t, &l);
    ck_assert_uint_eq(l.transactions, 2);
    ck_assert_uint_eq(l.creations, 1);
    ck_assert(l.window == 10.0);
    /* The window was forgotten: two more at the same instant are admitted, the third is not. */
    ck_assert_uint_eq(burst("demo", MV_THROTTLE_TRANSACTION, 0.0, 3), 2);
}
END_TEST

/* A clock that moves forward at every reading. */
static atomic_ulong ticks;

static double ticking_clock(void *ctx)
{
    (void)ctx;
    return 1000.0 + (double)atomic_fetch_add(&ticks, 1) * 1e-6;
}

static atomic_uint admitted;

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++)
        if (mv_throttle_admit_clock(t, "demo", MV_THROTTLE_TRANSACTION, ticking_clock, NULL, NULL))
            atomic_fetch_add(&admitted, 1);
    return NULL;
}

/* Regression: the server read the clock before taking the model's lock, so two concurrent
 * requests could reach the ring out of order; the later time then looked like one from before a
 * clock set back, was dropped, and concurrent traffic passed the limit. With the time read under
 * the lock, 8 threads together get exactly the limit in one window. */
START_TEST(test_throttle_concurrent_exact)
{
    pthread_t th[8];

    make(100, 1, 1e6);
    atomic_store(&ticks, 0);
    atomic_store(&admitted, 0);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    ck_assert_uint_eq(atomic_load(&admitted), 100);
}
END_TEST

START_TEST(test_throttle_destroy_null)
{
    mv_throttle_destroy(NULL);
}
END_TEST

static Suite *throttle_suite(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("window");

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_throttle_azure_defaults);
    tcase_add_test(tc, test_throttle_disabled_admits_all);
    tcase_add_test(tc, test_throttle_window_edges);
    tcase_add_test(tc, test_throttle_refused_not_counted);
    tcase_add_test(tc, test_throttle_creations_vs_transactions);
    tcase_add_test(tc, test_throttle_per_vault);
    tcase_add_test(tc, test_throttle_clock_set_back);
    tcase_add_test(tc, test_throttle_set_limits_clears);
    tcase_add_test(tc, test_throttle_reset_restores_initial);
    tcase_add_test(tc, test_throttle_concurrent_exact);
    tcase_add_test(tc, test_throttle_destroy_null);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(throttle_suite(), false);
}
