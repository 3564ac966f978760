/* test-stream.c: the console's live journal without a socket: the stream hub (net/stream.h) with
 * counting stand-ins for libmicrohttpd's suspend and resume, and the journal's cursor
 * (mv_journal_after): sequence numbers, the bound on a batch, filters and clears. */
#include <check.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "stream.h"
#include "testlib.h"

/* A stand-in connection: how often it was suspended and resumed. */
struct conn {
    int suspended, resumed;
};

static void fake_suspend(void *c)
{
    __atomic_add_fetch(&((struct conn *)c)->suspended, 1, __ATOMIC_ACQ_REL);
}

static void fake_resume(void *c)
{
    __atomic_add_fetch(&((struct conn *)c)->resumed, 1, __ATOMIC_ACQ_REL);
}

/* A source: the next chunk is pending (NULL = nothing new); freed counts ctx_free calls. */
struct source {
    const char *pending;
    int freed;
};

static char *fill(void *ctx, size_t *len)
{
    struct source *s = ctx;
    char *out;

    if (!s->pending)
        return NULL;
    out = strdup(s->pending);
    *len = strlen(out);
    s->pending = NULL;
    return out;
}

static void source_free(void *ctx)
{
    ((struct source *)ctx)->freed++;
}

static int load(int *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Waits up to 2 s for *p to reach want. */
static bool reaches(int *p, int want)
{
    for (int i = 0; i < 200 && load(p) < want; i++)
        usleep(10000);
    return load(p) >= want;
}

START_TEST(test_suspend_notify_resume)
{
    struct mv_stream_hub *h = mv_stream_hub_create(fake_suspend, fake_resume, 20, 60000);
    struct conn c = {0};
    struct source src = {"hello", 0};
    struct mv_stream *s;
    char buf[64];

    ck_assert_ptr_nonnull(h);
    mv_stream_hub_notify(h); /* no stream: nothing to do, nothing breaks */
    s = mv_stream_open(h, &c, fill, &src, source_free);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(mv_stream_hub_count(h), 1);
    /* What is there is sent, in pieces as small as the reader asks for. */
    ck_assert_int_eq(mv_stream_read(s, 0, buf, 3), 3);
    ck_assert_int_eq(memcmp(buf, "hel", 3), 0);
    ck_assert_int_eq(mv_stream_read(s, 3, buf, sizeof buf), 2);
    ck_assert_int_eq(memcmp(buf, "lo", 2), 0);
    /* Nothing new: the connection is suspended, not spun on. The batch asked for one more
     * wake-up (there might have been more than a batch), which finds nothing. */
    ck_assert_int_eq(mv_stream_read(s, 5, buf, sizeof buf), 0);
    ck_assert_int_eq(load(&c.suspended), 1);
    ck_assert_msg(reaches(&c.resumed, 1), "the wake-up after a batch");
    ck_assert_int_eq(mv_stream_read(s, 5, buf, sizeof buf), 0);
    ck_assert_int_eq(load(&c.suspended), 2);
    usleep(100000);
    ck_assert_int_eq(load(&c.resumed), 1); /* quiet: no request, no wake-up */
    /* A notify (a request finished) resumes it after the gathering interval. */
    src.pending = "more";
    mv_stream_hub_notify(h);
    ck_assert_msg(reaches(&c.resumed, 2), "resumed after a notify");
    ck_assert_int_eq(mv_stream_read(s, 5, buf, sizeof buf), 4);
    /* One batch per wake-up: more is there, but the stream waits for the next interval. */
    src.pending = "again";
    ck_assert_int_eq(mv_stream_read(s, 9, buf, sizeof buf), 0);
    ck_assert_msg(reaches(&c.resumed, 3), "the next interval");
    ck_assert_int_eq(mv_stream_read(s, 9, buf, sizeof buf), 5);
    /* A burst of notifies is one wake-up, not one each. */
    for (int i = 0; i < 1000; i++)
        mv_stream_hub_notify(h);
    ck_assert_int_eq(mv_stream_read(s, 14, buf, sizeof buf), 0);
    usleep(200000);
    ck_assert_int_le(load(&c.resumed), 5);
    mv_stream_close(s);
    ck_assert_int_eq(src.freed, 1);
    ck_assert_uint_eq(mv_stream_hub_count(h), 0);
    mv_stream_hub_destroy(h);
}
END_TEST

START_TEST(test_cap_stop_keepalive)
{
    struct mv_stream_hub *h = mv_stream_hub_create(fake_suspend, fake_resume, 20, 100);
    struct conn c[MV_STREAM_MAX + 1] = {{0}};
    struct source src[MV_STREAM_MAX + 1] = {{0}};
    struct mv_stream *s[MV_STREAM_MAX + 1];
    char buf[64];
    ssize_t n;

    for (int i = 0; i < MV_STREAM_MAX; i++) {
        s[i] = mv_stream_open(h, &c[i], fill, &src[i], source_free);
        ck_assert_ptr_nonnull(s[i]);
    }
    ck_assert_ptr_null(mv_stream_open(h, &c[MV_STREAM_MAX], fill, &src[MV_STREAM_MAX], NULL));
    mv_stream_close(s[1]);
    s[1] = mv_stream_open(h, &c[1], fill, &src[1], source_free);
    ck_assert_ptr_nonnull(s[1]);
    /* A quiet stream is resumed for a keep-alive comment (which also finds a closed client). */
    ck_assert_int_eq(mv_stream_read(s[0], 0, buf, sizeof buf), 0);
    ck_assert_msg(reaches(&c[0].resumed, 1), "resumed for the keep-alive");
    n = mv_stream_read(s[0], 0, buf, sizeof buf);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(buf[0], ':');
    /* Stop: suspended streams are resumed and end; no new stream opens. */
    while ((n = mv_stream_read(s[2], 0, buf, sizeof buf)) > 0)
        ; /* a keep-alive may be due by now */
    ck_assert_int_eq(n, 0);
    mv_stream_hub_stop(h);
    ck_assert_int_ge(load(&c[2].resumed), 1);
    ck_assert_int_eq(mv_stream_read(s[2], 0, buf, sizeof buf), -1);
    ck_assert_ptr_null(mv_stream_open(h, &c[MV_STREAM_MAX], fill, &src[MV_STREAM_MAX], NULL));
    for (int i = 0; i < MV_STREAM_MAX; i++)
        mv_stream_close(s[i]);
    ck_assert_int_eq(src[3].freed, 1);
    mv_stream_hub_destroy(h);
}
END_TEST

static void add(struct mv_journal *j, const char *vault, unsigned status)
{
    struct mv_request_record e = {.time = 1,
                                  .status = status,
                                  .method = "GET",
                                  .path = "/x",
                                  .vault = vault,
                                  .operation = "GetSecret",
                                  .appid = "a",
                                  .oid = "o",
                                  .error_code = "",
                                  .request_id = "r"};
    mv_journal_add(j, &e);
}

static int notified;
static void count_notify(void *ctx)
{
    (void)ctx;
    notified++;
}

START_TEST(test_journal_cursor)
{
    char err[128];
    struct mv_journal *j = mv_journal_create(NULL, err, sizeof err);
    struct mv_journal_cursor cur = {0};
    struct mv_journal_filter f = {.vault = "b"};
    cJSON *a;

    mv_journal_set_notify(j, count_notify, NULL);
    for (int i = 0; i < 5; i++)
        add(j, i % 2 ? "b" : "a", 200);
    ck_assert_int_eq(notified, 5);
    a = mv_journal_after(j, NULL, &cur, 100);
    ck_assert_int_eq(cJSON_GetArraySize(a), 5);
    ck_assert_int_eq((int)cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "seq")->valuedouble, 1);
    ck_assert_int_eq((int)cur.after, 5);
    ck_assert(!cur.cleared && cur.skipped == 0);
    cJSON_Delete(a);
    a = mv_journal_after(j, NULL, &cur, 100);
    ck_assert_int_eq(cJSON_GetArraySize(a), 0); /* nothing new */
    cJSON_Delete(a);
    /* A reader that fell behind gets the newest max and a count of the rest. */
    for (int i = 0; i < 10; i++)
        add(j, i % 2 ? "b" : "a", 403);
    a = mv_journal_after(j, NULL, &cur, 3);
    ck_assert_int_eq(cJSON_GetArraySize(a), 3);
    ck_assert_int_eq((int)cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "seq")->valuedouble, 13);
    ck_assert_int_eq((int)cur.skipped, 7);
    cJSON_Delete(a);
    /* A filter skips what it excludes without counting it. */
    memset(&cur, 0, sizeof cur);
    a = mv_journal_after(j, &f, &cur, 100);
    ck_assert_int_eq(cJSON_GetArraySize(a), 7);
    ck_assert_int_eq((int)cur.skipped, 0);
    cJSON_Delete(a);
    /* A clear is reported once; numbers go on from where they were. */
    mv_journal_clear(j);
    ck_assert_int_eq(notified, 16);
    add(j, "a", 200);
    a = mv_journal_after(j, NULL, &cur, 100);
    ck_assert(cur.cleared);
    ck_assert_int_eq((int)cur.skipped, 0);
    ck_assert_int_eq(cJSON_GetArraySize(a), 1);
    ck_assert_int_eq((int)cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "seq")->valuedouble, 16);
    cJSON_Delete(a);
    a = mv_journal_after(j, NULL, &cur, 100);
    ck_assert(!cur.cleared);
    cJSON_Delete(a);
    mv_journal_destroy(j);
}
END_TEST

/* The ring drops entries a slow reader had not read: they are counted, not lost silently. */
START_TEST(test_journal_cursor_ring)
{
    char err[128];
    struct mv_journal *j = mv_journal_create(NULL, err, sizeof err);
    struct mv_journal_cursor cur = {.after = 0, .started = true};
    cJSON *a;

    for (int i = 0; i < MV_JOURNAL_MAX + 50; i++)
        add(j, "a", 200);
    a = mv_journal_after(j, NULL, &cur, 10);
    ck_assert_int_eq(cJSON_GetArraySize(a), 10);
    ck_assert_int_eq((int)cur.skipped, MV_JOURNAL_MAX + 40);
    ck_assert_int_eq((int)cur.after, MV_JOURNAL_MAX + 50);
    cJSON_Delete(a);
    mv_journal_destroy(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("stream");

    tcase_add_test(tc, test_suspend_notify_resume);
    tcase_add_test(tc, test_cap_stop_keepalive);
    tcase_add_test(tc, test_journal_cursor);
    tcase_add_test(tc, test_journal_cursor_ring);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
