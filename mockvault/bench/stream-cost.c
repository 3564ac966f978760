/* stream-cost.c: what an open console costs the server, measured in process so that a shared
 * machine's load does not hide it (scripts/bench section 10): a journal add without and with a
 * stream open (the request path's part), and one streamed entry as the console's stream writes it
 * (copied under the journal's lock, then written as JSON after it). A stream sends at most
 * MV_STREAM_INTERVAL_MS-spaced batches of 100, so its cost per second is bounded by 1,000 times the
 * last figure. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal.h"
#include "stream.h"

#define BATCH 100 /* as control/console.c */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void no_conn(void *c)
{
    (void)c;
}

static char *nothing(void *ctx, size_t *len)
{
    (void)ctx, (void)len;
    return NULL;
}

int main(void)
{
    struct mv_request_record e = {.time = 1,
                                  .status = 200,
                                  .method = "GET",
                                  .path = "/secrets/db-password/",
                                  .vault = "demo",
                                  .operation = "GetSecret",
                                  .appid = "aaaaaaaa-0000-0000-0000-000000000001",
                                  .oid = "aaaaaaaa-0000-0000-0000-0000000000a1",
                                  .error_code = "",
                                  .request_id = "62a4cbc8-abd8-44a0-a893-e93053e33ae8"};
    char err[128];
    struct mv_journal *j = mv_journal_create(NULL, err, sizeof err);
    struct mv_stream_hub *h = mv_stream_hub_create(no_conn, no_conn, 0, 0);
    struct mv_stream *s;
    const int n = 1000000, batches = 2000;
    double t0, add0, add1, per;
    size_t bytes = 0;
    int conn;

    if (!j || !h)
        return 1;
    mv_journal_set_notify(j, mv_stream_hub_notify, h);
    t0 = now();
    for (int i = 0; i < n; i++)
        mv_journal_add(j, &e);
    add0 = (now() - t0) / n * 1e9;
    s = mv_stream_open(h, &conn, nothing, NULL, NULL);
    t0 = now();
    for (int i = 0; i < n; i++)
        mv_journal_add(j, &e);
    add1 = (now() - t0) / n * 1e9;
    t0 = now();
    for (int b = 0; b < batches; b++) {
        struct mv_journal_cursor cur = {.after = 2 * (uint64_t)n - BATCH, .started = true};
        cJSON *arr = mv_journal_after(j, NULL, &cur, BATCH), *it;
        cJSON_ArrayForEach(it, arr) {
            char *text = cJSON_PrintUnformatted(it);
            bytes += text ? strlen(text) : 0;
            free(text);
        }
        cJSON_Delete(arr);
    }
    per = (now() - t0) / (batches * (double)BATCH) * 1e6;
    printf("journal add (the request path's part): %.0f ns without a stream, %.0f ns with one "
           "open; one streamed entry: %.2f us (%zu bytes), so a stream costs at most %.1f ms of "
           "CPU per second (1,000 entries)\n",
           add0, add1, per, bytes / (batches * (size_t)BATCH), per /* us x 1,000 = ms */);
    mv_stream_close(s);
    mv_stream_hub_destroy(h);
    mv_journal_destroy(j);
    return 0;
}
