/* test-backup.c: spec/keyvault-secrets.md §1 BackupSecret / RestoreSecret and their §2 errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvc-suite.h"

#define FAM "backup"

/* Backs up name and returns the blob (caller frees). */
static char *backup(const char *name)
{
    struct kvc_resp r;
    char path[256], *blob;

    snprintf(path, sizeof path, "/secrets/%s/backup", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 200, "BackupSecret");
    kvc_assert_keys(r.json, "value", "backup answer");
    blob = strdup(kvc_jstr(r.json, "value"));
    kvc_resp_free(&r);
    return blob;
}

/* Restores blob; the real service answers 409 for a few seconds after a purge, so retry. */
static void restore(const char *blob, struct kvc_resp *r)
{
    size_t n = strlen(blob) + 32;
    char *body = malloc(n);

    snprintf(body, n, "{\"value\":\"%s\"}", blob);
    for (int i = 0; i < 60; i++) {
        kv("POST", "/secrets/restore", body, r);
        if (r->status != 409)
            break;
        kvc_resp_free(r);
        usleep(500000);
    }
    free(body);
}

/* §1 BackupSecret: 200 {"value":"<unpadded base64url>"}. */
START_TEST(kv_s1_backup_200_base64url)
{
    char name[96], *blob;

    kvc_name(name, sizeof name, "bk");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    blob = backup(name);
    ck_assert_msg(kvc_is_b64url(blob), "backup blob is not unpadded base64url");
    free(blob);
    kvc_cleanup(name);
}
END_TEST

/* §1 RestoreSecret: 200 bundle without value, original version id and created/updated kept, all
 * versions back. */
START_TEST(kv_s1_restore_keeps_version_and_times)
{
    struct kvc_resp r, before;
    char name[96], path[256], v1[64], v2[64], *blob;

    kvc_name(name, sizeof name, "rs");
    kvc_set(name, "{\"value\":\"one\"}", v1, sizeof v1);
    kvc_set(name, "{\"value\":\"two\",\"tags\":{\"k\":\"v\"}}", v2, sizeof v2);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &before);
    kvc_assert_status(&before, 200, "GET before backup");
    blob = backup(name);
    kvc_delete_wait(NULL, name);
    kvc_purge_wait(NULL, name);
    restore(blob, &r);
    free(blob);
    kvc_assert_status(&r, 200, "RestoreSecret");
    ck_assert_msg(kvc_jget(r.json, "value") == NULL, "RestoreSecret must not return value");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), v2);
    ck_assert_msg(kvc_jget(r.json, "attributes.created")->valuedouble ==
                          kvc_jget(before.json, "attributes.created")->valuedouble &&
                      kvc_jget(r.json, "attributes.updated")->valuedouble ==
                          kvc_jget(before.json, "attributes.updated")->valuedouble,
                  "restore changed created/updated");
    ck_assert_str_eq(kvc_jstr(r.json, "tags.k"), "v");
    kvc_resp_free(&r);
    kvc_resp_free(&before);
    snprintf(path, sizeof path, "/secrets/%s/%s", name, v1);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "first version after restore");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "one") == 0, "first version value differs");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1/§2 RestoreSecret with a malformed blob: 400, code "Malformed backup blob" (with spaces). */
START_TEST(kv_s2_restore_malformed_400)
{
    struct kvc_resp r;

    kv("POST", "/secrets/restore", "{\"value\":\"bm90LWEtYmFja3VwLWJsb2I\"}", &r);
    kvc_assert_status(&r, 400, "restore of garbage");
    kvc_assert_body(&r,
                    "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":\"Backup blob "
                    "contains invalid or corrupt version.\"}}",
                    "restore of garbage");
    kvc_resp_free(&r);
}
END_TEST

/* §1 RestoreSecret while the name exists: 409 Conflict (message unknown in the spec). */
START_TEST(kv_s2_restore_existing_409_Conflict)
{
    struct kvc_resp r;
    char name[96], *blob, *body;
    size_t n;

    kvc_name(name, sizeof name, "rx");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    blob = backup(name);
    n = strlen(blob) + 32;
    body = malloc(n);
    snprintf(body, n, "{\"value\":\"%s\"}", blob);
    kv("POST", "/secrets/restore", body, &r);
    free(body);
    free(blob);
    kvc_assert_error(&r, 409, "Conflict", "*", NULL, "restore over a live name");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_backup(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s1_backup_200_base64url, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_restore_keeps_version_and_times, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_restore_malformed_400, 0, NULL);
    kvc_add_test(reg, FAM, kv_s2_restore_existing_409_Conflict, 0, NULL);
}
