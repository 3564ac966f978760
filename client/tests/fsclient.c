/* fsclient.c: the shared fixture and client of the suites against faultsrv (fsclient.h). */
#include "fsclient.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "kvtest.h"

struct fs_server *fs;

void fs_setup(void)
{
    kt_clear_env();
    fs = fs_start();
}

void fs_teardown(void)
{
    fs_stop(fs);
    fs = NULL;
}

struct kv_client *fs_client(int max_retries)
{
    struct kv_options o;
    struct kv_credential *cred = NULL;
    struct kv_client *c = NULL;
    struct kv_error err;
    static char url[64];
    char authority[64];

    memset(&err, 0, sizeof err);
    snprintf(url, sizeof url, "https://demo.localhost:%u", (unsigned)fs_port(fs));
    snprintf(authority, sizeof authority, "https://localhost:%u", (unsigned)fs_port(fs));
    kv_options_init(&o);
    o.vault_url = url;
    o.ca_file = fs_ca_path(fs);
    o.max_retries = max_retries;
    o.retry_delay_ms = 10;
    o.max_retry_delay_ms = 100;
    ck_assert_int_eq(
        kv_credential_client_secret(FS_TENANT, "fs-app", "fs-app-secret", authority, &cred), KV_OK);
    kt_assert_ok(kv_client_create(&o, cred, &c, &err), &err, "client for faultsrv");
    return c;
}
