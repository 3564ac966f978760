/* test-clock.c: the mock clock: real time by default, advance, set, freeze and resume. */
#include <check.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "testlib.h"

START_TEST(test_clock_follows_real_time)
{
    struct mv_clock c;
    mv_clock_init(&c);
    int64_t real = (int64_t)time(NULL);
    ck_assert(llabs(mv_clock_now(&c) - real) <= 1);
    mv_clock_finish(&c);
}
END_TEST

START_TEST(test_clock_advance_and_set)
{
    struct mv_clock c;
    double now, offset;
    bool frozen;

    mv_clock_init(&c);
    int64_t before = mv_clock_now(&c);
    mv_clock_advance(&c, 86400 * 91);
    ck_assert(llabs(mv_clock_now(&c) - (before + 86400 * 91)) <= 1);
    mv_clock_set(&c, 2000000000);
    ck_assert(llabs(mv_clock_now(&c) - 2000000000) <= 1);
    mv_clock_get(&c, &now, &frozen, &offset);
    ck_assert(!frozen);
    ck_assert(offset > 0);
    mv_clock_reset(&c);
    ck_assert(llabs(mv_clock_now(&c) - (int64_t)time(NULL)) <= 1);
    mv_clock_finish(&c);
}
END_TEST

START_TEST(test_clock_freeze_and_resume)
{
    struct mv_clock c;

    mv_clock_init(&c);
    mv_clock_set(&c, 1800000000);
    mv_clock_freeze(&c, true);
    double a = mv_clock_nowf(&c);
    usleep(300000);
    ck_assert(mv_clock_nowf(&c) == a);
    /* Advancing a frozen clock moves it by exactly that much and keeps it frozen. */
    mv_clock_advance(&c, 10);
    ck_assert(mv_clock_nowf(&c) == a + 10);
    mv_clock_set(&c, 1900000000);
    ck_assert(mv_clock_nowf(&c) == 1900000000.0);
    /* Resuming continues from the frozen instant instead of jumping by the pause. */
    usleep(200000);
    mv_clock_freeze(&c, false);
    double b = mv_clock_nowf(&c);
    ck_assert(b >= 1900000000.0 && b < 1900000000.0 + 0.1);
    usleep(100000);
    ck_assert(mv_clock_nowf(&c) > b);
    mv_clock_finish(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");

    tcase_add_test(tc, test_clock_follows_real_time);
    tcase_add_test(tc, test_clock_advance_and_set);
    tcase_add_test(tc, test_clock_freeze_and_resume);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
