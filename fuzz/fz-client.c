/* fz-client.c: the client of the client fuzz targets, talking to fz-httpd's loopback server. */
#include "fz-client.h"

#include "fz-httpd.h"
#include "kv-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_PLACEHOLDER "@ORIGIN@"

static struct kv_client *client;

struct kv_client *fz_client(const char *who)
{
    struct kv_credential *cred = NULL;
    struct kv_options o;
    struct kv_error err;

    if (client)
        return client;
    fz_httpd_start();
    kv_options_init(&o);
    o.vault_url = "https://demo.vault.azure.net";
    o.max_retries = 0;
    o.timeout_ms = 5000;
    if (kv_credential_static_token("fuzz-token", 0, &cred) != KV_OK ||
        kv_client_create(&o, cred, &client, &err) != KV_OK) {
        fprintf(stderr, "%s: cannot create the client\n", who);
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
    return client;
}

char *fz_with_origin(const uint8_t *data, size_t size, size_t *len)
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
