/* fuzz-client-bodies: the response bodies libkvclient reads without a connection: Azure and Entra
 * error bodies (kv__error_from_response, for a status chosen by input byte 0) and secret bundles,
 * items and deleted bundles (kv__secret_from_json). */
#include "fz-util.h"

#include "kv-int.h"

#include <cjson/cJSON.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {400, 401, 403, 404, 408, 409, 429, 500, 503, 418};
    struct kv__response rs = {.retry_after_ms = -1};
    struct kv_error err;

    if (size == 0)
        return 0;
    rs.status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
    if (!kv__buf_append(&rs.body, data + 1, size - 1)) {
        kv__buf_wipe(&rs.body);
        return 0;
    }
    memset(&err, 0, sizeof err);
    int st = kv__error_from_response(&rs, &err);
    if (st == KV_OK || strlen(err.message) >= sizeof err.message) {
        fprintf(stderr, "fuzz-client-bodies: an error response mapped to success\n");
        abort();
    }

    cJSON *root = cJSON_ParseWithLength(rs.body.data, rs.body.len);
    if (root) {
        struct kv_secret *s = NULL;
        struct kv_error e;

        memset(&e, 0, sizeof e);
        kv__secret_from_json(root, "a bundle", &s, &e);
        kv_secret_free(s);
        /* A page's items are bundles too. */
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "value")) {
            s = NULL;
            kv__secret_from_json(item, "an item", &s, &e);
            kv_secret_free(s);
        }
        cJSON_Delete(root);
    }
    kv__buf_wipe(&rs.body);
    return 0;
}
