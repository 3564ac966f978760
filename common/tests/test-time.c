/* test-time.c: cx_time_parse (strict RFC 3339 and the lenient az forms) and cx_time_format in
 * every style, against values computed independently (RFC 3339 §5.8 examples, and the outputs of
 * the formatters the mock used before common/ existed). */
#include <stdlib.h>
#include <string.h>

#include "cx-test.h"
#include "cx-time.h"

START_TEST(parse_strict)
{
    static const struct {
        const char *text;
        int64_t secs;
        uint32_t nsec;
    } ok[] = {
        {"1985-04-12T23:20:50.52Z", 482196050, 520000000},
        {"1996-12-19T16:39:57-08:00", 851042397, 0},
        {"1990-12-31T23:59:60Z", 662688000, 0}, /* a leap second folds into the next minute */
        {"1990-12-31T15:59:60-08:00", 662688000, 0},
        {"1937-01-01T12:00:27.87+00:20", -1041337173, 870000000},
        {"0001-01-01T00:00:00Z", INT64_C(-62135596800), 0},
        {"9999-12-31T23:59:59Z", INT64_C(253402300799), 0},
        {"2024-02-29t12:00:00z", 1709208000, 0},
        {"2024-02-29 12:00:00Z", 1709208000, 0},
        {"1970-01-01T00:00:00.123456789123Z", 0, 123456789},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = 1;
        uint32_t ns = 1;
        ck_assert_msg(cx_time_parse(ok[i].text, 0, &t, &ns) == 0, "refused %s", ok[i].text);
        ck_assert_int_eq(t, ok[i].secs);
        ck_assert_uint_eq(ns, ok[i].nsec);
        ck_assert_int_eq(cx_time_parse(ok[i].text, 0, &t, NULL), 0);
    }
    static const char *const bad[] = {
        "",
        "2030-01-01",               /* no time (lenient only) */
        "2030-01-01T00:00:00",      /* no zone (lenient only) */
        "2030-01-01T00:00Z",        /* no seconds (lenient only) */
        "2030-01-01T00:00:00+0100", /* offset without ':' (lenient only) */
        "2030-01-01T00:00:00,5Z",   /* ',' fraction (lenient only) */
        "2030-01-01T00:00:00.Z",    /* empty fraction */
        "2030-02-29T00:00:00Z",     /* not a leap year */
        "1900-02-29T00:00:00Z",     /* nor is 1900 */
        "2030-13-01T00:00:00Z",
        "2030-00-01T00:00:00Z",
        "2030-04-31T00:00:00Z",
        "2030-01-01T24:00:00Z",
        "2030-01-01T00:60:00Z",
        "2030-01-01T00:00:61Z",
        "2030-01-01T00:00:00+24:00",
        "2030-01-01T00:00:00+00:60",
        "2030-01-01T00:00:00Zjunk",
        "30-01-01T00:00:00Z",
        "2030/01/01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 77;
        ck_assert_msg(cx_time_parse(bad[i], 0, &t, NULL) == -1, "accepted %s", bad[i]);
        ck_assert_int_eq(t, 77);
    }
    ck_assert_int_eq(cx_time_parse(NULL, 0, NULL, NULL), -1);
}
END_TEST

START_TEST(parse_lenient)
{
    static const struct {
        const char *text;
        int64_t secs;
    } ok[] = {
        {"2026-12-31", 1798675200},
        {"2026-12-31Z", 1798675200},
        {"2026-12-31T00Z", 1798675200},
        {"2026-12-31T00:00Z", 1798675200},
        {"2026-12-31T00:00:00", 1798675200},
        {"2026-12-31T01:00:00+0100", 1798675200},
        {"2026-12-31T00:00:00,999Z", 1798675200},
        {"2026-12-31T00:00:00Z", 1798675200},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = 0;
        ck_assert_msg(cx_time_parse(ok[i].text, CX_TIME_LENIENT, &t, NULL) == 0, "refused %s",
                      ok[i].text);
        ck_assert_int_eq(t, ok[i].secs);
    }
    static const char *const bad[] = {"2026-12-32",       "2026-12-31T",           "2026-12-31T0Z",
                                      "2026-12-31T00:0Z", "2026-12-31T00:00:00+1", "tomorrow"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        ck_assert_msg(cx_time_parse(bad[i], CX_TIME_LENIENT, &t, NULL) == -1, "accepted %s",
                      bad[i]);
    }
}
END_TEST

START_TEST(format_styles)
{
    char out[CX_TIME_MAX];
    cx_time_format(1770462453, CX_TIME_HTTP, out);
    ck_assert_str_eq(out, "Sat, 07 Feb 2026 11:07:33 GMT");
    cx_time_format(1452304932, CX_TIME_AAD, out);
    ck_assert_str_eq(out, "2016-01-09 02:02:12Z");
    cx_time_format(-1, CX_TIME_HTTP, out);
    ck_assert_str_eq(out, "Wed, 31 Dec 1969 23:59:59 GMT");
    cx_time_format(1798675200, CX_TIME_RFC3339_Z, out);
    ck_assert_str_eq(out, "2026-12-31T00:00:00Z");
    cx_time_format(1798675200, CX_TIME_RFC3339_OFFSET, out);
    ck_assert_str_eq(out, "2026-12-31T00:00:00+00:00");
    /* Clamped to the years 0000-9999. */
    cx_time_format(INT64_C(-62167219200) - 100, CX_TIME_HTTP, out);
    ck_assert_str_eq(out, "Sat, 01 Jan 0000 00:00:00 GMT");
    cx_time_format(INT64_MAX, CX_TIME_RFC3339_Z, out);
    ck_assert_str_eq(out, "9999-12-31T23:59:59Z");
    cx_time_format_frac(482196050, 520000000, 2, CX_TIME_RFC3339_Z, out);
    ck_assert_str_eq(out, "1985-04-12T23:20:50.52Z");
    cx_time_format_frac(0, 7, 9, CX_TIME_RFC3339_OFFSET, out);
    ck_assert_str_eq(out, "1970-01-01T00:00:00.000000007+00:00");
    cx_time_format_frac(0, 7, 9, CX_TIME_AAD, out);
    ck_assert_str_eq(out, "1970-01-01 00:00:00Z");
}
END_TEST

START_TEST(format_parse_round_trip)
{
    /* Every day of four centuries (and some seconds of each) survives format then parse. */
    for (int64_t t = INT64_C(-6000000000); t < INT64_C(7000000000); t += 86400 * 7 + 3601) {
        char out[CX_TIME_MAX];
        int64_t back = 0;
        cx_time_format(t, CX_TIME_RFC3339_Z, out);
        ck_assert_int_eq(cx_time_parse(out, 0, &back, NULL), 0);
        ck_assert_int_eq(back, t);
        cx_time_format(t, CX_TIME_RFC3339_OFFSET, out);
        ck_assert_int_eq(cx_time_parse(out, 0, &back, NULL), 0);
        ck_assert_int_eq(back, t);
    }
}
END_TEST

static Suite *time_suite(void)
{
    Suite *s = suite_create("cx-time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, parse_strict);
    tcase_add_test(tc, parse_lenient);
    tcase_add_test(tc, format_styles);
    tcase_add_test(tc, format_parse_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(time_suite)
