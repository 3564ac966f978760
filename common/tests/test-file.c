/* test-file.c: cx_read_file (cap, missing file, pipes, empty files) and cx_write_file_atomic
 * (content, mode whatever the umask, no temporary left behind, failure leaves the old file). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "cx-file.h"
#include "cx-test.h"

/* A fresh directory per test; the template is copied each time because mkdtemp overwrites it, and
 * without a fork per test (CK_FORK=no, valgrind) every test runs in this one process. */
static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", "/tmp/cx-test-file.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(write_then_read)
{
    char path[256];
    snprintf(path, sizeof path, "%s/f.json", dir);
    static const char data[] = "{\"a\":1}\n";
    mode_t old = umask(0);
    ck_assert_int_eq(cx_write_file_atomic(path, data, strlen(data), 0600), 0);
    umask(old);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(entries(), 1); /* no temporary file left */

    size_t n = 99;
    char *text = cx_read_file(path, 1024, &n);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(n, strlen(data));
    ck_assert_str_eq(text, data);
    free(text);

    /* Replacing keeps one file with the new content and the new mode. */
    ck_assert_int_eq(cx_write_file_atomic(path, "x", 1, 0644), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
    text = cx_read_file(path, 1024, NULL);
    ck_assert_str_eq(text, "x");
    free(text);
    ck_assert_int_eq(entries(), 1);

    /* An empty file reads as "". */
    ck_assert_int_eq(cx_write_file_atomic(path, "", 0, 0600), 0);
    text = cx_read_file(path, 0, &n);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(text, "");
    free(text);
}
END_TEST

START_TEST(read_cap_and_errors)
{
    char path[256], big[10000];
    snprintf(path, sizeof path, "%s/big", dir);
    memset(big, 'b', sizeof big);
    ck_assert_int_eq(cx_write_file_atomic(path, big, sizeof big, 0600), 0);
    size_t n = 0;
    char *text = cx_read_file(path, sizeof big, &n);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(n, sizeof big);
    free(text);
    errno = 0;
    ck_assert_ptr_null(cx_read_file(path, sizeof big - 1, &n));
    ck_assert_int_eq(errno, EFBIG);

    snprintf(path, sizeof path, "%s/missing", dir);
    errno = 0;
    ck_assert_ptr_null(cx_read_file(path, 100, NULL));
    ck_assert_int_eq(errno, ENOENT);

    /* A directory that does not exist: the write fails and says why. */
    snprintf(path, sizeof path, "%s/no/such/dir/f", dir);
    errno = 0;
    ck_assert_int_eq(cx_write_file_atomic(path, "x", 1, 0600), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(read_pipe)
{
    /* st_size is 0 for a pipe: the whole stream is read anyway, in several pieces. */
    int fds[2];
    char path[64], chunk[3000];
    ck_assert_int_eq(pipe(fds), 0);
    memset(chunk, 'p', sizeof chunk);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < 5; i++)
            if (write(fds[1], chunk, sizeof chunk) != (ssize_t)sizeof chunk)
                _exit(1);
        _exit(0);
    }
    close(fds[1]);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    size_t n = 0;
    char *text = cx_read_file(path, 1 << 20, &n);
    close(fds[0]);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(n, 5 * sizeof chunk);
    ck_assert_uint_eq(strspn(text, "p"), n);
    free(text);
}
END_TEST

static Suite *file_suite(void)
{
    Suite *s = suite_create("cx-file");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, write_then_read);
    tcase_add_test(tc, read_cap_and_errors);
    tcase_add_test(tc, read_pipe);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(file_suite)
