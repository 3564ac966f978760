/* fuzz-token: token responses as libkvclient reads them (kv__credential_fetch in credential.c:
 * access_token, expires_in / expires_on as numbers or strings, and error bodies of the identity
 * endpoint), through the real transport against a loopback endpoint (fz-httpd.c) standing in for
 * managed identity's IMDS. Input byte 0 picks the status (mostly 200); the rest is the body. */
#include "fz-util.h"

#include "fz-httpd.h"
#include "kv-int.h"

#include <stdio.h>

static struct kv_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct kv_credential *cred = NULL;
    struct kv_options o;
    struct kv_error err;

    fz_httpd_start();
    /* AAD pod identity's variable moves IMDS; the credential then asks the loopback server. */
    setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", fz_httpd_origin(), 1);
    unsetenv("IDENTITY_ENDPOINT");
    unsetenv("IDENTITY_HEADER");
    kv_options_init(&o);
    o.vault_url = "https://demo.vault.azure.net";
    o.max_retries = 0;
    o.timeout_ms = 5000;
    if (kv_credential_managed_identity(NULL, &cred) != KV_OK ||
        kv_client_create(&o, cred, &client, &err) != KV_OK) {
        fprintf(stderr, "fuzz-token: cannot create the client\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {400, 401, 403, 404, 429, 500, 503, 302};
    struct kv__token_reply out = {0};
    struct kv_error err;

    if (size == 0)
        return 0;
    int status = data[0] < 192 ? 200 : statuses[data[0] % 8];
    fz_httpd_set(status, "", data + 1, size - 1);
    memset(&err, 0, sizeof err);
    int rc = kv__credential_fetch(client, client->cred, NULL, "https://vault.azure.net/.default",
                                  NULL, kv__mono_ms(), &out, &err);
    if (rc == KV_OK && (!out.token || !*out.token)) {
        fprintf(stderr, "fuzz-token: success without a token\n");
        abort();
    }
    kv_free_secret(out.token);
    return 0;
}
