/* test-mem.c: cx_wipe, cx_free_wiped, cx_wipe_free and cx_ct_equal. The frees are checked for
 * what they can be checked for (no crash on NULL, a real free under ASan or valgrind); cx_wipe's
 * effect is checked on live memory. */
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"
#include "cx-test.h"

START_TEST(wipe)
{
    char buf[16] = "top-secret-value";
    cx_wipe(buf, 10);
    for (size_t i = 0; i < 10; i++)
        ck_assert_int_eq(buf[i], 0);
    ck_assert_mem_eq(buf + 10, "-value", 6);
    cx_wipe(NULL, 10); /* accepted */
    cx_wipe(buf, 0);
    ck_assert_int_eq(buf[10], '-');

    cx_free_wiped(strdup("a client secret"));
    cx_free_wiped(NULL);
    unsigned char *blob = malloc(32);
    ck_assert_ptr_nonnull(blob);
    memset(blob, 0xa5, 32);
    cx_wipe_free(blob, 32);
    cx_wipe_free(NULL, 32);
}
END_TEST

START_TEST(ct_equal)
{
    ck_assert(cx_ct_equal("secret", 6, "secret", 6));
    ck_assert(!cx_ct_equal("secret", 6, "secreT", 6));
    ck_assert(!cx_ct_equal("secret", 6, "secret!", 7));
    ck_assert(!cx_ct_equal("secret", 6, "secret\0", 7)); /* a NUL tail is still a difference */
    ck_assert(cx_ct_equal("", 0, "", 0));
    ck_assert(!cx_ct_equal("a", 1, "", 0));
}
END_TEST

static Suite *mem_suite(void)
{
    Suite *s = suite_create("cx-mem");
    TCase *tc = tcase_create("mem");
    tcase_add_test(tc, wipe);
    tcase_add_test(tc, ct_equal);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(mem_suite)
