/* test-text.c: strict UTF-8, code point counts, hex checks and encoding, and the locale-free
 * ASCII case helpers (checked under a Turkish locale when the system has one). */
#include <locale.h>
#include <string.h>

#include "cx-test.h"
#include "cx-text.h"

START_TEST(utf8)
{
    static const struct {
        const char *s;
        size_t chars;
    } ok[] = {
        {"", 0},
        {"plain", 5},
        {"caf\xc3\xa9", 4},
        {"\xe2\x82\xac", 1},     /* U+20AC */
        {"\xef\xbf\xbf", 1},     /* U+FFFF */
        {"\xf0\x9f\x98\x80", 1}, /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF, the last code point */
        {"\xed\x9f\xbf", 1},     /* U+D7FF, just below the surrogates */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = 99;
        ck_assert_msg(cx_utf8_valid(ok[i].s, strlen(ok[i].s), &n), "refused case %zu", i);
        ck_assert_uint_eq(n, ok[i].chars);
        ck_assert_uint_eq(cx_utf8_count(ok[i].s), ok[i].chars);
    }
    static const char *const bad[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong, three bytes */
        "\xf0\x80\x80\xaf", /* overlong, four bytes */
        "\xed\xa0\x80",     /* U+D800, a surrogate */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* beyond */
        "\x80",             /* lone continuation */
        "\xc3",             /* truncated */
        "\xe2\x82",         /* truncated */
        "a\xc3(",           /* not a continuation */
        "\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 99;
        ck_assert_msg(!cx_utf8_valid(bad[i], strlen(bad[i]), &n), "accepted case %zu", i);
        ck_assert_uint_eq(n, 99); /* untouched on failure */
    }
    /* An embedded NUL is a valid code point within the given length. */
    size_t n = 0;
    ck_assert(cx_utf8_valid("a\0b", 3, &n));
    ck_assert_uint_eq(n, 3);
    ck_assert(!cx_utf8_valid(NULL, 1, NULL));
    ck_assert(cx_utf8_valid(NULL, 0, NULL));
    ck_assert_uint_eq(cx_utf8_count(NULL), 0);
}
END_TEST

START_TEST(hex)
{
    ck_assert(cx_is_hex("54a5883d2c8f4c379c19bd85e046e213", 32, CX_HEX_LOWER));
    ck_assert(!cx_is_hex("54A5883D2C8F4C379C19BD85E046E213", 32, CX_HEX_LOWER));
    ck_assert(cx_is_hex("54A5883D2C8F4C379C19BD85E046E213", 32, 0));
    ck_assert(!cx_is_hex("54a5883d2c8f4c379c19bd85e046e21", 32, 0));   /* short */
    ck_assert(!cx_is_hex("54a5883d2c8f4c379c19bd85e046e2130", 32, 0)); /* long */
    ck_assert(!cx_is_hex("54a5883d2c8f4c379c19bd85e046e21g", 32, 0));
    ck_assert(cx_is_hex("", 0, 0));
    ck_assert(!cx_is_hex(NULL, 0, 0));

    static const unsigned char b[] = {0x00, 0x01, 0xab, 0xff, 0x7e};
    char out[11];
    memset(out, 'x', sizeof out);
    cx_hex_encode(b, sizeof b, out);
    ck_assert_str_eq(out, "0001abff7e");
    cx_hex_encode(b, 0, out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(ascii_case)
{
    /* Under a Turkish locale strcasecmp may fold 'I' to dotless i; these must not care. */
    setlocale(LC_ALL, "tr_TR.UTF-8");
    ck_assert_int_eq(cx_tolower('I'), 'i');
    ck_assert_int_eq(cx_tolower('z' + 1), 'z' + 1);
    ck_assert_int_eq(cx_tolower(0xc9), 0xc9); /* no folding beyond ASCII */
    ck_assert_int_eq(cx_strcasecmp("AUTHORIZATION", "authorization"), 0);
    ck_assert_int_eq(cx_strcasecmp("Bearer", "bearer"), 0);
    ck_assert_int_lt(cx_strcasecmp("a", "B"), 0);
    ck_assert_int_gt(cx_strcasecmp("b", "A"), 0);
    ck_assert_int_lt(cx_strcasecmp("ab", "ABC"), 0);
    ck_assert_int_gt(cx_strcasecmp("abc", "AB"), 0);
    ck_assert_int_eq(cx_strcasecmp("", ""), 0);
    /* Sorting treats '-' below letters, as strcmp on lower-cased names does. */
    ck_assert_int_lt(cx_strcasecmp("a-b", "AB"), 0);
    ck_assert_int_eq(cx_strncasecmp("Bearer x", "BEARER y", 6), 0);
    ck_assert_int_ne(cx_strncasecmp("Bearer x", "BEARER y", 8), 0);
    ck_assert_int_eq(cx_strncasecmp("ab", "AB", 10), 0);
    ck_assert_int_eq(cx_strncasecmp("x", "y", 0), 0);
    ck_assert(cx_str_ends_nocase("demo.LOCALHOST", ".localhost"));
    ck_assert(cx_str_ends_nocase("x", ""));
    ck_assert(!cx_str_ends_nocase("localhost", ".localhost"));
    ck_assert(!cx_str_ends_nocase("host", "a-longer-suffix"));
    char s[] = "MiXeD-Case.Vault.AZURE.net:443";
    ck_assert_ptr_eq(cx_str_lower(s), s);
    ck_assert_str_eq(s, "mixed-case.vault.azure.net:443");
    ck_assert_ptr_null(cx_str_lower(NULL));
    setlocale(LC_ALL, "C");
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("cx-text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, utf8);
    tcase_add_test(tc, hex);
    tcase_add_test(tc, ascii_case);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(text_suite)
