/* fuzz-pages: list pages and single-secret answers as libkvclient reads them: the pager
 * (fetch_page and kv__pager_next in client/pager.c: value, nextLink and its same-origin check,
 * items) and kv_secret_get / kv_secret_backup bodies, through the real transport against a
 * loopback server (fz-httpd.c; the client is fz-client.c's) that answers with the input.
 * "@ORIGIN@" in the input stands for the server's origin, so a nextLink can lead back to it.
 * Input byte 0 picks the operation and, for some values, an error status. */
#include "fz-util.h"

#include "fz-client.h"
#include "fz-httpd.h"
#include "kv-int.h"

#include <stdio.h>

#define FZ_MAX_ITEMS 200 /* a page that links to itself would go on for ever */

static struct kv_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    client = fz_client("fuzz-pages");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 200, 200, 200, 400, 403, 404, 500};
    struct kv_error err;
    size_t len = 0;

    if (size == 0)
        return 0;
    char *body = fz_with_origin(data + 1, size - 1, &len);
    if (!body)
        return 0;
    fz_httpd_set(statuses[(data[0] >> 2) % 8], "", body, len);
    memset(&err, 0, sizeof err);
    switch (data[0] % 4) {
    case 0:
    case 1: {
        struct kv_pager *p = NULL;
        enum kv_list_kind kind = data[0] % 4 == 0 ? KV_LIST_SECRETS : KV_LIST_DELETED;
        if (kv_pager_create(client, kind, NULL, 0, &p) == KV_OK) {
            /* A bad item is skipped and the next one read; a failed fetch would fail again. */
            for (int i = 0, errors = 0; i < FZ_MAX_ITEMS && errors < 3; i++) {
                struct kv_secret *s = NULL;
                if (kv_pager_next(p, &s, &err) != KV_OK) {
                    errors++;
                    continue;
                }
                if (!s)
                    break;
                errors = 0;
                kv_secret_free(s);
            }
        }
        kv_pager_destroy(p);
        break;
    }
    case 2: {
        struct kv_secret *s = NULL;
        kv_secret_get(client, "name", NULL, &s, &err);
        kv_secret_free(s);
        break;
    }
    default: {
        char *blob = NULL;
        kv_secret_backup(client, "name", &blob, &err);
        kv_free_secret(blob);
        break;
    }
    }
    free(body);
    return 0;
}
