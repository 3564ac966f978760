/* fuzz-pages: list pages and single-secret answers as libkvclient reads them: the pager
 * (fetch_page and kv_pager_next in secrets.c: value, nextLink and its same-origin check, items)
 * and kv_secret_get / kv_secret_backup bodies, through the real transport against a loopback
 * server (fz-httpd.c) that answers with the input. "@ORIGIN@" in the input stands for the
 * server's origin, so a nextLink can lead back to it. Input byte 0 picks the operation and, for
 * some values, an error status. */
#include "fz-util.h"

#include "fz-httpd.h"
#include "kv-int.h"

#include <stdio.h>

#define FZ_PLACEHOLDER "@ORIGIN@"
#define FZ_MAX_ITEMS 200 /* a page that links to itself would go on for ever */

static struct kv_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct kv_credential *cred = NULL;
    struct kv_options o;
    struct kv_error err;

    fz_httpd_start();
    kv_options_init(&o);
    o.vault_url = "https://demo.vault.azure.net";
    o.max_retries = 0;
    o.timeout_ms = 5000;
    if (kv_credential_static_token("fuzz-token", 0, &cred) != KV_OK ||
        kv_client_create(&o, cred, &client, &err) != KV_OK) {
        fprintf(stderr, "fuzz-pages: cannot create the client\n");
        abort();
    }
    /* The client refuses http vault URLs, so it is made for https and then pointed at the
     * loopback server, with the challenge already taken as the first call would take it. */
    free(client->vault_url);
    free(client->vault_origin);
    client->vault_url = strdup(fz_httpd_origin());
    client->vault_origin = strdup(fz_httpd_origin());
    if (!client->vault_url || !client->vault_origin)
        abort();
    client->opts.vault_url = client->vault_url;
    snprintf(client->challenge.scope, sizeof client->challenge.scope,
             "https://vault.azure.net/.default");
    client->have_challenge = true;
    return 0;
}

/* data with every placeholder replaced by the origin; *len receives the length. Caller frees. */
static char *with_origin(const uint8_t *data, size_t size, size_t *len)
{
    const char *org = fz_httpd_origin();
    size_t ol = strlen(org), pl = strlen(FZ_PLACEHOLDER), n = 0;
    char *out = malloc(size * (ol > pl ? ol : pl) / pl + size + 1);

    for (size_t i = 0; out && i < size;) {
        if (size - i >= pl && memcmp(data + i, FZ_PLACEHOLDER, pl) == 0) {
            memcpy(out + n, org, ol);
            n += ol;
            i += pl;
        } else {
            out[n++] = (char)data[i++];
        }
    }
    *len = n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 200, 200, 200, 400, 403, 404, 500};
    struct kv_error err;
    size_t len = 0;

    if (size == 0)
        return 0;
    char *body = with_origin(data + 1, size - 1, &len);
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
