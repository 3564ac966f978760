/* test-unit-numbers.c: unit tests of libkvclient's checked numbers (issue 13): saturating
 * arithmetic, doubles and decimal strings to int64 with range checks, the JSON reader built on
 * them, and the expiry of a token response (expires_in / expires_on), at and around every edge
 * of the int64 range (unit-common.h). Run under -Db_sanitize=address,undefined they also prove
 * that no cast or addition on the way is undefined. */
#include <math.h>

#include "unit-common.h"

/* ---- saturating arithmetic ------------------------------------------------------------------ */

START_TEST(test_sat_add_sub)
{
    ck_assert_int_eq(kv__sat_add(1, 2), 3);
    ck_assert_int_eq(kv__sat_add(-5, 3), -2);
    ck_assert_int_eq(kv__sat_add(INT64_MAX, 0), INT64_MAX);
    ck_assert_int_eq(kv__sat_add(INT64_MAX, 1), INT64_MAX);
    ck_assert_int_eq(kv__sat_add(INT64_MAX, INT64_MAX), INT64_MAX);
    ck_assert_int_eq(kv__sat_add(1700000000, INT64_MAX), INT64_MAX);
    ck_assert_int_eq(kv__sat_add(INT64_MIN, -1), INT64_MIN);
    ck_assert_int_eq(kv__sat_add(INT64_MIN, INT64_MIN), INT64_MIN);
    ck_assert_int_eq(kv__sat_add(INT64_MIN, INT64_MAX), -1);
    ck_assert_int_eq(kv__sat_add(INT64_MAX - 1, 1), INT64_MAX);
    ck_assert_int_eq(kv__sat_add(INT64_MIN + 1, -1), INT64_MIN);

    ck_assert_int_eq(kv__sat_sub(5, 3), 2);
    ck_assert_int_eq(kv__sat_sub(INT64_MIN, 1), INT64_MIN);
    ck_assert_int_eq(kv__sat_sub(INT64_MIN, INT64_MAX), INT64_MIN);
    ck_assert_int_eq(kv__sat_sub(INT64_MAX, -1), INT64_MAX);
    ck_assert_int_eq(kv__sat_sub(INT64_MAX, INT64_MIN), INT64_MAX);
    ck_assert_int_eq(kv__sat_sub(0, INT64_MIN), INT64_MAX);
    ck_assert_int_eq(kv__sat_sub(-1, INT64_MIN), INT64_MAX);
    ck_assert_int_eq(kv__sat_sub(-1, INT64_MAX), INT64_MIN);
    ck_assert_int_eq(kv__sat_sub(INT64_MIN, INT64_MIN), 0);
    ck_assert_int_eq(kv__sat_sub(1700000000, -1700000000), 3400000000);
}
END_TEST

/* ---- doubles -------------------------------------------------------------------------------- */

START_TEST(test_double_to_int64)
{
    int64_t v = 42;

    ck_assert(kv__double_to_int64(0.0, INT64_MIN, INT64_MAX, &v) && v == 0);
    ck_assert(kv__double_to_int64(-0.0, INT64_MIN, INT64_MAX, &v) && v == 0);
    ck_assert(kv__double_to_int64(3599.0, INT64_MIN, INT64_MAX, &v) && v == 3599);
    ck_assert(kv__double_to_int64(-9223372036854775808.0, INT64_MIN, INT64_MAX, &v) &&
              v == INT64_MIN);
    /* The largest double below 2^63. */
    ck_assert(kv__double_to_int64(9223372036854774784.0, INT64_MIN, INT64_MAX, &v) &&
              v == INT64_C(9223372036854774784));
    ck_assert(kv__double_to_int64(1e18, INT64_MIN, INT64_MAX, &v) &&
              v == INT64_C(1000000000000000000));

    v = 42;
    ck_assert(!kv__double_to_int64(9223372036854775808.0, INT64_MIN, INT64_MAX, &v)); /* 2^63 */
    ck_assert(!kv__double_to_int64(-9223372036854777856.0, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(1e300, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(-1e300, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(INFINITY, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(-INFINITY, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(NAN, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(0.5, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(-0.5, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(3599.000001, INT64_MIN, INT64_MAX, &v));
    ck_assert(!kv__double_to_int64(5e-324, INT64_MIN, INT64_MAX, &v));
    ck_assert_int_eq(v, 42); /* untouched on failure */

    /* The caller's range. */
    ck_assert(kv__double_to_int64(7.0, 7, 90, &v) && v == 7);
    ck_assert(kv__double_to_int64(90.0, 7, 90, &v) && v == 90);
    ck_assert(!kv__double_to_int64(6.0, 7, 90, &v));
    ck_assert(!kv__double_to_int64(91.0, 7, 90, &v));
    ck_assert(kv__double_to_int64(253402300799.0, KV__TIME_MIN, KV__TIME_MAX, &v) &&
              v == KV__TIME_MAX);
    ck_assert(!kv__double_to_int64(253402300800.0, KV__TIME_MIN, KV__TIME_MAX, &v));
    ck_assert(kv__double_to_int64(-62135596800.0, KV__TIME_MIN, KV__TIME_MAX, &v) &&
              v == KV__TIME_MIN);
    ck_assert(!kv__double_to_int64(-62135596801.0, KV__TIME_MIN, KV__TIME_MAX, &v));
}
END_TEST

/* ---- decimal strings ------------------------------------------------------------------------ */

START_TEST(test_str_to_int64)
{
    static const char *const bad[] = {
        "",
        "-",
        " 1",
        "1 ",
        "+1",
        "1.5",
        "1e3",
        "0x10",
        "--1",
        "1-",
        "\t1",
        "\xd9\xa1",
        "3599s",
        "NaN",
        "inf",
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999",
        "-99999999999999999999999999999999999999",
    };
    int64_t v = 0;

    ck_assert(kv__str_to_int64("0", INT64_MIN, INT64_MAX, &v) && v == 0);
    ck_assert(kv__str_to_int64("-0", INT64_MIN, INT64_MAX, &v) && v == 0);
    ck_assert(kv__str_to_int64("3599", INT64_MIN, INT64_MAX, &v) && v == 3599);
    ck_assert(kv__str_to_int64("003599", INT64_MIN, INT64_MAX, &v) && v == 3599);
    ck_assert(kv__str_to_int64("-5", INT64_MIN, INT64_MAX, &v) && v == -5);
    ck_assert(kv__str_to_int64("9223372036854775807", INT64_MIN, INT64_MAX, &v) && v == INT64_MAX);
    ck_assert(kv__str_to_int64("-9223372036854775808", INT64_MIN, INT64_MAX, &v) && v == INT64_MIN);
    v = 42;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!kv__str_to_int64(bad[i], INT64_MIN, INT64_MAX, &v), "'%s' refused", bad[i]);
    ck_assert(!kv__str_to_int64(NULL, INT64_MIN, INT64_MAX, &v));
    ck_assert_int_eq(v, 42);
    ck_assert(!kv__str_to_int64("91", 7, 90, &v));
    ck_assert(!kv__str_to_int64("6", 7, 90, &v));
    ck_assert(kv__str_to_int64("90", 7, 90, &v) && v == 90);
}
END_TEST

/* ---- the JSON reader ------------------------------------------------------------------------ */

static enum kv__num json_num(const char *json, bool strings, int64_t min, int64_t max, int64_t *out)
{
    cJSON *root = cJSON_Parse(json);
    enum kv__num st;

    ck_assert_msg(root != NULL, "%s parses", json);
    st = kv__json_int64(cJSON_GetObjectItemCaseSensitive(root, "n"), strings, min, max, out);
    cJSON_Delete(root);
    return st;
}

START_TEST(test_json_int64)
{
    int64_t v = 0;

    ck_assert_int_eq(kv__json_int64(NULL, true, INT64_MIN, INT64_MAX, &v), KV__NUM_ABSENT);
    ck_assert_int_eq(json_num("{}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_ABSENT);
    ck_assert_int_eq(json_num("{\"n\":null}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_ABSENT);
    ck_assert_int_eq(json_num("{\"n\":3599}", false, INT64_MIN, INT64_MAX, &v), KV__NUM_OK);
    ck_assert_int_eq(v, 3599);
    ck_assert_int_eq(json_num("{\"n\":\"3599\"}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_OK);
    ck_assert_int_eq(v, 3599);
    v = 42;
    /* Numbers out of range or not whole. */
    ck_assert_int_eq(json_num("{\"n\":1e300}", false, INT64_MIN, INT64_MAX, &v), KV__NUM_BAD);
    ck_assert_int_eq(json_num("{\"n\":-1e999}", false, INT64_MIN, INT64_MAX, &v), KV__NUM_BAD);
    ck_assert_int_eq(json_num("{\"n\":1.5}", false, INT64_MIN, INT64_MAX, &v), KV__NUM_BAD);
    ck_assert_int_eq(json_num("{\"n\":91}", false, 7, 90, &v), KV__NUM_BAD);
    /* Digit strings out of range, with strings allowed. */
    ck_assert_int_eq(json_num("{\"n\":\"9223372036854775808\"}", true, INT64_MIN, INT64_MAX, &v),
                     KV__NUM_BAD);
    ck_assert_int_eq(json_num("{\"n\":\"-99999999999999999999\"}", true, INT64_MIN, INT64_MAX, &v),
                     KV__NUM_BAD);
    ck_assert_int_eq(json_num("{\"n\":\"91\"}", true, 7, 90, &v), KV__NUM_BAD);
    /* Other types, and strings that are not integers (or strings not allowed). */
    ck_assert_int_eq(json_num("{\"n\":\"3599\"}", false, INT64_MIN, INT64_MAX, &v), KV__NUM_OTHER);
    ck_assert_int_eq(json_num("{\"n\":\"3599.5\"}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_OTHER);
    ck_assert_int_eq(
        json_num("{\"n\":\"06/20/2019 02:57:58 +00:00\"}", true, INT64_MIN, INT64_MAX, &v),
        KV__NUM_OTHER);
    ck_assert_int_eq(json_num("{\"n\":\"\"}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_OTHER);
    ck_assert_int_eq(json_num("{\"n\":true}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_OTHER);
    ck_assert_int_eq(json_num("{\"n\":[1]}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_OTHER);
    ck_assert_int_eq(json_num("{\"n\":{}}", true, INT64_MIN, INT64_MAX, &v), KV__NUM_OTHER);
    ck_assert_int_eq(v, 42);
}
END_TEST

/* ---- credential.c: a token response's expiry ------------------------------------------------ */

static int expiry(const char *json, int64_t now, int64_t *out, struct kv_error *err)
{
    cJSON *root = cJSON_Parse(json);
    int st;

    ck_assert_msg(root != NULL, "%s parses", json);
    memset(err, 0, sizeof *err);
    st = kv__token_expiry(root, now, out, err);
    cJSON_Delete(root);
    ck_assert_int_eq(err->status, st);
    return st;
}

/* Accepted responses: the lifetime as sent, expires_on winning over expires_in, and lifetimes
 * beyond the bound clamped to it, even where now + lifetime would overflow. */
static const struct {
    const char *json;
    int64_t now;
    int64_t want; /* expires_on */
} good_expiry[] = {
    {"{\"expires_in\":3599}", 1700000000, 1700003599},
    {"{\"expires_in\":\"3599\",\"ext_expires_in\":\"3599\"}", 1700000000, 1700003599},
    {"{\"expires_on\":\"1700003599\",\"expires_in\":\"10\"}", 1700000000, 1700003599},
    {"{\"expires_on\":1700003599}", 1700000000, 1700003599},
    {"{\"expires_in\":1}", 1700000000, 1700000001},
    /* expires_on that is not a time falls back to expires_in. */
    {"{\"expires_on\":\"06/20/2019 02:57:58 +00:00\",\"expires_in\":60}", 1700000000, 1700000060},
    {"{\"expires_on\":1000000000,\"expires_in\":60}", 1700000000, 1700000060},
    /* Clamped. */
    {"{\"expires_in\":259200}", 1700000000, 1700000000 + KV__TOKEN_MAX_LIFETIME},
    {"{\"expires_in\":259201}", 1700000000, 1700000000 + KV__TOKEN_MAX_LIFETIME},
    {"{\"expires_in\":\"9223372036854775807\"}", 1700000000, 1700000000 + KV__TOKEN_MAX_LIFETIME},
    {"{\"expires_in\":9223372036854774784}", 1700000000, 1700000000 + KV__TOKEN_MAX_LIFETIME},
    {"{\"expires_on\":\"9223372036854775807\"}", 1700000000, 1700000000 + KV__TOKEN_MAX_LIFETIME},
    /* A clock near the end of time saturates rather than wraps. */
    {"{\"expires_in\":3599}", INT64_MAX - 10, INT64_MAX},
    {"{\"expires_on\":\"9223372036854775807\"}", INT64_MAX - 10, INT64_MAX},
    {"{\"expires_on\":\"9223372036854775807\"}", INT64_MIN, INT64_MIN + KV__TOKEN_MAX_LIFETIME},
};

START_TEST(test_token_expiry_good)
{
    struct kv_error err;
    int64_t got = 0;

    ck_assert_int_eq(expiry(good_expiry[_i].json, good_expiry[_i].now, &got, &err), KV_OK);
    ck_assert_msg(got == good_expiry[_i].want, "%s: expires_on %lld, want %lld",
                  good_expiry[_i].json, (long long)got, (long long)good_expiry[_i].want);
}
END_TEST

/* Refused responses, with the member the message must name. */
static const struct {
    const char *json;
    const char *named;
} bad_expiry[] = {
    {"{\"expires_in\":1e300}", "expires_in"},
    {"{\"expires_in\":-1e300}", "expires_in"},
    {"{\"expires_in\":1e999}", "expires_in"},
    {"{\"expires_in\":9223372036854775808}", "expires_in"},
    {"{\"expires_in\":\"9223372036854775808\"}", "expires_in"},
    {"{\"expires_in\":\"99999999999999999999\"}", "expires_in"},
    {"{\"expires_in\":3599.5}", "expires_in"},
    {"{\"expires_in\":\"3599.5\"}", "expires_in"},
    {"{\"expires_in\":\" 3599\"}", "expires_in"},
    {"{\"expires_in\":true}", "expires_in"},
    {"{\"expires_in\":0}", "expires_in"},
    {"{\"expires_in\":-5}", "expires_in"},
    {"{\"expires_in\":\"-9223372036854775808\"}", "expires_in"},
    {"{\"expires_on\":1e300,\"expires_in\":3599}", "expires_on"},
    {"{\"expires_on\":\"-99999999999999999999\",\"expires_in\":3599}", "expires_on"},
    {"{\"expires_on\":1700000000,\"expires_in\":3599}", "expires_on"}, /* now: not ahead */
    {"{\"expires_on\":\"1000000001\"}", "expires_on"},
    {"{}", "neither expires_in nor expires_on"},
    {"{\"expires_on\":null,\"expires_in\":null}", "neither expires_in nor expires_on"},
};

START_TEST(test_token_expiry_bad)
{
    struct kv_error err;
    int64_t got = 42;

    ck_assert_int_eq(expiry(bad_expiry[_i].json, 1700000000, &got, &err), KV_E_PROTOCOL);
    ck_assert_msg(strstr(err.message, bad_expiry[_i].named) != NULL, "%s: '%s' names %s",
                  bad_expiry[_i].json, err.message, bad_expiry[_i].named);
    ck_assert_int_eq(got, 42);
}
END_TEST

static Suite *unit_numbers_suite(void)
{
    Suite *s = suite_create("kvclient-unit-numbers");
    TCase *conv = tcase_create("convert");
    TCase *tok = tcase_create("token-expiry");

    tcase_add_test(conv, test_sat_add_sub);
    tcase_add_test(conv, test_double_to_int64);
    tcase_add_test(conv, test_str_to_int64);
    tcase_add_test(conv, test_json_int64);
    suite_add_tcase(s, conv);

    tcase_add_loop_test(tok, test_token_expiry_good, 0,
                        (int)(sizeof good_expiry / sizeof good_expiry[0]));
    tcase_add_loop_test(tok, test_token_expiry_bad, 0,
                        (int)(sizeof bad_expiry / sizeof bad_expiry[0]));
    suite_add_tcase(s, tok);
    return s;
}

int main(void)
{
    return unit_run(unit_numbers_suite());
}
