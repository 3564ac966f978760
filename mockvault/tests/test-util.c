/* test-util.c: unit tests for util.c (hashes, random ids, compare, time text, hosts). Base64, which
 * util.h takes from common/ with MV_B64_LENIENT, is tested in common/tests/test-base64.c. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "testlib.h"

START_TEST(hashes)
{
    static const unsigned char sha256_abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    static const unsigned char sha1_abc[20] = {
        0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
        0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d,
    };
    unsigned char out[32];
    ck_assert_int_eq(mv_sha256("abc", 3, out), 0);
    ck_assert_mem_eq(out, sha256_abc, 32);
    ck_assert_int_eq(mv_sha1("abc", 3, out), 0);
    ck_assert_mem_eq(out, sha1_abc, 20);
}
END_TEST

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

START_TEST(rand_seeded_is_deterministic)
{
    char a[5][37], b[5][37], h1[33], h2[33];

    mv_rand_seed(42);
    for (int i = 0; i < 5; i++)
        mv_rand_guid(a[i]);
    mv_rand_hex32(h1);
    mv_rand_seed(42);
    for (int i = 0; i < 5; i++)
        mv_rand_guid(b[i]);
    mv_rand_hex32(h2);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(a[i], b[i]);
    ck_assert_str_eq(h1, h2);
    ck_assert_str_ne(a[0], a[1]);

    /* Another seed gives another sequence. */
    mv_rand_seed(43);
    mv_rand_guid(b[0]);
    ck_assert_str_ne(a[0], b[0]);

    /* Unseeded ids come from the system generator and differ from each other. */
    mv_rand_unseed();
    mv_rand_hex32(h1);
    mv_rand_hex32(h2);
    ck_assert_str_ne(h1, h2);
}
END_TEST

START_TEST(rand_formats)
{
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            mv_rand_seed(7);
        for (int i = 0; i < 200; i++) {
            char g[37], h[33];
            mv_rand_guid(g);
            mv_rand_hex32(h);
            ck_assert_uint_eq(strlen(h), 32);
            ck_assert(is_lower_hex(h, 32));
            ck_assert_uint_eq(strlen(g), 36);
            ck_assert(g[8] == '-' && g[13] == '-' && g[18] == '-' && g[23] == '-');
            ck_assert(is_lower_hex(g, 8) && is_lower_hex(g + 9, 4) && is_lower_hex(g + 14, 4) &&
                      is_lower_hex(g + 19, 4) && is_lower_hex(g + 24, 12));
            ck_assert_int_eq(g[14], '4');                 /* version 4 */
            ck_assert_ptr_nonnull(strchr("89ab", g[19])); /* RFC 4122 variant */
        }
    }
    mv_rand_unseed();
}
END_TEST

struct rand_thread {
    char ids[500][33];
};

static void *rand_worker(void *arg)
{
    struct rand_thread *t = arg;
    for (int i = 0; i < 500; i++)
        mv_rand_hex32(t->ids[i]);
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

START_TEST(rand_seeded_threads_unique)
{
    /* Concurrent draws from the seeded stream never hand two callers the same id. */
    enum { NT = 4 };
    pthread_t th[NT];
    struct rand_thread *res = calloc(NT, sizeof *res);
    ck_assert_ptr_nonnull(res);

    mv_rand_seed(1);
    for (int i = 0; i < NT; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, rand_worker, &res[i]), 0);
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    mv_rand_unseed();

    qsort(res, NT * 500, 33, cmp_id);
    const char(*all)[33] = (const char(*)[33])res;
    for (int i = 1; i < NT * 500; i++)
        ck_assert_str_ne(all[i - 1], all[i]);
    free(res);
}
END_TEST

START_TEST(ct_equal)
{
    ck_assert(cx_ct_equal("secret", 6, "secret", 6));
    ck_assert(!cx_ct_equal("secret", 6, "secreT", 6));
    ck_assert(!cx_ct_equal("secret", 6, "Secret", 6));
    ck_assert(!cx_ct_equal("secret", 6, "secret!", 7));
    ck_assert(!cx_ct_equal("secret!", 7, "secret", 6));
    /* A prefix padded with what the loop substitutes past the end is still unequal. */
    ck_assert(!cx_ct_equal("ab\0", 3, "ab", 2));
    ck_assert(cx_ct_equal("", 0, "", 0));
    ck_assert(cx_ct_equal(NULL, 0, NULL, 0));
    ck_assert(!cx_ct_equal(NULL, 0, "x", 1));
}
END_TEST

START_TEST(time_formats)
{
    char a[CX_TIME_MAX], h[CX_TIME_MAX];
    cx_time_format(1452304932, CX_TIME_AAD, a);
    ck_assert_str_eq(a, "2016-01-09 02:02:12Z");
    cx_time_format(0, CX_TIME_AAD, a);
    ck_assert_str_eq(a, "1970-01-01 00:00:00Z");
    cx_time_format(1770462453, CX_TIME_HTTP, h);
    ck_assert_str_eq(h, "Sat, 07 Feb 2026 11:07:33 GMT");
    cx_time_format(0, CX_TIME_HTTP, h);
    ck_assert_str_eq(h, "Thu, 01 Jan 1970 00:00:00 GMT");
    cx_time_format(1709208000, CX_TIME_HTTP, h);
    ck_assert_str_eq(h, "Thu, 29 Feb 2024 12:00:00 GMT");
    /* Out-of-range times stay well-formed. */
    cx_time_format(INT64_MAX, CX_TIME_AAD, a);
    ck_assert_str_eq(a, "9999-12-31 23:59:59Z");
    cx_time_format(INT64_MIN, CX_TIME_HTTP, h);
    ck_assert_uint_eq(strlen(h), 29);
}
END_TEST

START_TEST(rfc3339_good)
{
    static const struct {
        const char *text;
        int64_t want;
    } v[] = {
        {"2030-01-01T00:00:00Z", 1893456000},
        {"1970-01-01T00:00:00Z", 0},
        {"2016-01-09T02:02:12Z", 1452304932},
        {"2016-01-09t02:02:12z", 1452304932},
        {"2016-01-09 02:02:12Z", 1452304932},
        {"2016-01-09T02:02:12.5Z", 1452304932},
        {"2016-01-09T02:02:12.123456789Z", 1452304932},
        {"2016-01-09T03:02:12+01:00", 1452304932},
        {"2016-01-08T20:32:12-05:30", 1452304932},
        {"2016-01-09T02:02:12.999+00:00", 1452304932},
        {"2016-01-09T02:02:12-00:00", 1452304932},
        {"2024-02-29T12:00:00Z", 1709208000},
        {"1969-12-31T23:59:59Z", -1},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t t = 12345;
        ck_assert_msg(cx_time_parse(v[i].text, 0, &t, NULL) == 0, "rejected %s", v[i].text);
        ck_assert_msg(t == v[i].want, "%s gave %lld", v[i].text, (long long)t);
    }
}
END_TEST

START_TEST(rfc3339_bad)
{
    static const char *const bad[] = {
        "",
        "2030-01-01",
        "2030-01-01T00:00:00",  /* no zone */
        "2030-01-01T00:00Z",    /* no seconds */
        "2030-13-01T00:00:00Z", /* month */
        "2030-00-01T00:00:00Z",
        "2030-02-30T00:00:00Z", /* day */
        "2023-02-29T00:00:00Z", /* not a leap year */
        "2030-01-32T00:00:00Z",
        "2030-01-01T24:00:00Z",      /* hour */
        "2030-01-01T00:60:00Z",      /* minute */
        "2030-01-01T00:00:61Z",      /* second */
        "2030-01-01T00:00:00Zjunk",  /* trailing text */
        "2030-01-01T00:00:00.Z",     /* empty fraction */
        "2030-01-01T00:00:00+0100",  /* offset without colon */
        "2030-01-01T00:00:00+01",    /* short offset */
        "2030-01-01T00:00:00+24:00", /* offset hour */
        " 2030-01-01T00:00:00Z",     /* leading space */
        "30-01-01T00:00:00Z",
        "2030/01/01T00:00:00Z",
        "2030-01-01X00:00:00Z",
        "now",
        "1893456000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        ck_assert_msg(cx_time_parse(bad[i], 0, &t, NULL) == -1, "accepted '%s'", bad[i]);
    }
    int64_t t = 0;
    ck_assert_int_eq(cx_time_parse(NULL, 0, &t, NULL), -1);
}
END_TEST

START_TEST(strings)
{
    char s[] = "MyVault-01.Vault.Azure.NET";
    ck_assert_ptr_eq(cx_str_lower(s), s);
    ck_assert_str_eq(s, "myvault-01.vault.azure.net");
    ck_assert_ptr_null(mv_strdup0(NULL));
    char *d = mv_strdup0("x");
    ck_assert_str_eq(d, "x");
    free(d);
}
END_TEST

START_TEST(host_is_azure)
{
    static const struct {
        const char *host;
        bool want;
    } v[] = {
        {"myvault.vault.azure.net", true},
        {"MyVault.Vault.Azure.Net", true},
        {"a.vault.azure.net", true},
        {"x-1.y.vault.azure.net", true},
        {"vault.azure.net", false},
        {".vault.azure.net", false},
        {"a..vault.azure.net", false},
        {"a b.vault.azure.net", false},
        {"evil.com/.vault.azure.net", false},
        {"myvault.vault.azure.net.evil.com", false},
        {"myvaultvault.azure.net", false},
        {"login.microsoftonline.com", true},
        {"LOGIN.MICROSOFTONLINE.COM", true},
        {"login.windows.net", true},
        {"login.microsoft.com", true},
        {"sts.windows.net", true},
        {"management.azure.com", true},
        {"management.core.windows.net", true},
        {"graph.microsoft.com", true},
        {"xlogin.microsoftonline.com", false},
        {"login.microsoftonline.com.evil", false},
        {"evil.login.microsoftonline.com", false},
        {"login.microsoftonline.com:443", false},
        {"graph.microsoft.co", false},
        {"example.com", false},
        {"localhost", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        ck_assert_msg(mv_host_is_azure(v[i].host) == v[i].want, "%s: expected %d", v[i].host,
                      v[i].want);
    ck_assert(!mv_host_is_azure(NULL));
}
END_TEST

START_TEST(files)
{
    char dir[] = "/tmp/mv-test-util-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/f.txt", dir);

    ck_assert_ptr_null(cx_read_file(path, 100, NULL));
    ck_assert_int_eq(errno, ENOENT);

    ck_assert_int_eq(cx_write_file_atomic(path, "hello", 5, 0600), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    size_t n = 0;
    char *s = cx_read_file(path, 100, &n);
    ck_assert_str_eq(s, "hello");
    ck_assert_uint_eq(n, 5);
    free(s);

    /* Replacing keeps the requested mode whatever the umask, and leaves no temp file. */
    mode_t old = umask(0077);
    ck_assert_int_eq(cx_write_file_atomic(path, "bye", 3, 0644), 0);
    umask(old);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    s = cx_read_file(path, 3, &n);
    ck_assert_str_eq(s, "bye");
    free(s);
    ck_assert_ptr_null(cx_read_file(path, 2, NULL));
    ck_assert_int_eq(errno, EFBIG);

    /* An empty file reads as an empty string. */
    ck_assert_int_eq(cx_write_file_atomic(path, "", 0, 0600), 0);
    s = cx_read_file(path, 10, &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(n, 0);
    free(s);

    /* A file larger than the first read buffer is read whole. */
    size_t big = 100000;
    char *data = malloc(big);
    memset(data, 'x', big);
    ck_assert_int_eq(cx_write_file_atomic(path, data, big, 0600), 0);
    s = cx_read_file(path, big, &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(n, big);
    ck_assert_mem_eq(s, data, big);
    free(s);
    free(data);

    /* A directory that does not exist fails cleanly. */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/f.txt", dir);
    ck_assert_int_eq(cx_write_file_atomic(bad, "x", 1, 0600), -1);
    ck_assert_int_eq(errno, ENOENT);

    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0); /* fails if a temp file was left behind */
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("base64");
    tcase_add_test(tc, hashes);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_add_test(tc, rand_seeded_is_deterministic);
    tcase_add_test(tc, rand_formats);
    tcase_add_test(tc, rand_seeded_threads_unique);
    tcase_add_test(tc, ct_equal);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, time_formats);
    tcase_add_test(tc, rfc3339_good);
    tcase_add_test(tc, rfc3339_bad);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, host_is_azure);
    tcase_add_test(tc, files);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(util_suite(), false);
}
