/* test-rand.c: splitmix64's published first outputs, the byte order and draw count of
 * cx_splitmix64_fill (pinned to the ids mockvault --seed 42 produced before common/ existed, so a
 * change to seeded ids is a deliberate one), the unit draw, and the GUID shape. */
#include <string.h>

#include "cx-rand.h"
#include "cx-test.h"
#include "cx-text.h"

START_TEST(splitmix_vectors)
{
    /* The reference outputs for seed 0 (Vigna's splitmix64.c). */
    uint64_t s = 0;
    ck_assert_uint_eq(cx_splitmix64(&s), UINT64_C(0xe220a8397b1dcdaf));
    ck_assert_uint_eq(cx_splitmix64(&s), UINT64_C(0x6e789e6aa1b965f4));
    ck_assert_uint_eq(cx_splitmix64(&s), UINT64_C(0x06c45d188009454f));
    ck_assert_uint_eq(s, 3 * UINT64_C(0x9E3779B97F4A7C15));
}
END_TEST

START_TEST(seeded_ids_unchanged)
{
    /* mockvault --seed 42: mv_rand_hex32 twice, mv_rand_guid, 5 bytes, mv_rand_hex32. */
    uint64_t s = 42;
    unsigned char b[16];
    char hex[33], guid[37];
    cx_splitmix64_fill(&s, b, 16);
    cx_hex_encode(b, 16, hex);
    ck_assert_str_eq(hex, "956eeb2f2632d7bd03f166b233e3ef28");
    cx_splitmix64_fill(&s, b, 16);
    cx_hex_encode(b, 16, hex);
    ck_assert_str_eq(hex, "529f0f135767524794e34a0effe11c58");
    cx_splitmix64_fill(&s, b, 16);
    cx_guid_format(b, guid);
    ck_assert_str_eq(guid, "f2234824-5a58-4c09-86db-803cfa3144de");
    /* Five bytes consume one whole draw. */
    cx_splitmix64_fill(&s, b, 5);
    cx_hex_encode(b, 5, hex);
    ck_assert_str_eq(hex, "5d6d37451c");
    cx_splitmix64_fill(&s, b, 16);
    cx_hex_encode(b, 16, hex);
    ck_assert_str_eq(hex, "a42f9e9eee35f6ccd57d3d0b77b80557");
    /* Zero bytes consume nothing. */
    uint64_t before = s;
    cx_splitmix64_fill(&s, b, 0);
    ck_assert_uint_eq(s, before);
}
END_TEST

START_TEST(unit_draws)
{
    uint64_t s = 7, t = 7;
    double sum = 0;
    for (int i = 0; i < 10000; i++) {
        double d = cx_splitmix64_unit(&s);
        ck_assert(d >= 0.0 && d < 1.0);
        ck_assert(d == (double)(cx_splitmix64(&t) >> 11) / 9007199254740992.0);
        sum += d;
    }
    /* Uniform: the mean of 10,000 draws is within a few standard errors of 0.5. */
    ck_assert(sum / 10000 > 0.48 && sum / 10000 < 0.52);
}
END_TEST

START_TEST(guid_shape)
{
    unsigned char b[16];
    char g[37];
    memset(b, 0xff, sizeof b);
    cx_guid_format(b, g);
    ck_assert_str_eq(g, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    ck_assert_int_eq(b[6], 0x4f);
    ck_assert_int_eq(b[8], 0xbf);
    memset(b, 0, sizeof b);
    cx_guid_format(b, g);
    ck_assert_str_eq(g, "00000000-0000-4000-8000-000000000000");
}
END_TEST

static Suite *rand_suite(void)
{
    Suite *s = suite_create("cx-rand");
    TCase *tc = tcase_create("rand");
    tcase_add_test(tc, splitmix_vectors);
    tcase_add_test(tc, seeded_ids_unchanged);
    tcase_add_test(tc, unit_draws);
    tcase_add_test(tc, guid_shape);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(rand_suite)
