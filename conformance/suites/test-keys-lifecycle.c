/* test-keys-lifecycle.c: spec/keyvault-keys.md test rows 13-15 (delete, the 409 on a deleted name,
 * purge; malformed and conflicting restores; the default and a set rotation policy, byte-exact)
 * and §3.4/§3.6/§3.9/§3.11/§3.12/§4 around them: recover, deleted-key 404s, a backup round trip
 * with original ids and dates, rotate, /rng, attestation on a vault, access-policy denial. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-keys.h"

#define FAM "keys"

static void deleted_not_found_body(char *buf, size_t n, const char *name)
{
    snprintf(buf, n,
             "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"Deleted Key not found: %s\"}}",
             name);
}

/* Backs up name, asserting 200; returns the blob (heap; free()). */
static char *backup(const char *name)
{
    struct kvc_resp r;
    char path[256], *blob;

    snprintf(path, sizeof path, "/keys/%s/backup", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 200, "BackupKey");
    kvc_assert_keys(r.json, "value", "backup answer");
    blob = strdup(kvc_jstr(r.json, "value"));
    kvc_resp_free(&r);
    ck_assert_msg(blob && kvc_is_b64url(blob), "backup value is not base64url");
    return blob;
}

static void restore(const char *blob, struct kvc_resp *r)
{
    char *body = malloc(strlen(blob) + 16);

    sprintf(body, "{\"value\":\"%s\"}", blob);
    kv("POST", "/keys/restore", body, r);
    free(body);
}

/* Row 13: DELETE -> 200 recoveryId, deletedDate D, scheduledPurgeDate D + days*86400, key...;
 * create on the name -> 409 ObjectIsDeletedButRecoverable; DELETE /deletedkeys/N -> 204, no body.
 */
START_TEST(kv_keys_row13_delete_conflict_purge)
{
    struct kvc_resp r;
    char name[96], path[256], want[1024], buf[64];
    const cJSON *dd, *sp, *days;

    kvc_name(name, sizeof name, "del");
    kvk_create(name, "{\"kty\":\"RSA\",\"tags\":{\"t\":\"1\"}}", NULL, 0, NULL);
    snprintf(path, sizeof path, "/keys/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "DeleteKey");
    kvc_assert_keys(r.json, "recoveryId,deletedDate,scheduledPurgeDate,key,attributes,tags",
                    "DeletedKeyBundle");
    snprintf(want, sizeof want, "%s/deletedkeys/%s", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(r.json, "recoveryId"), want) == 0, "recoveryId '%s', want %s",
                  kvc_jstr(r.json, "recoveryId"), want);
    dd = kvc_jget(r.json, "deletedDate");
    sp = kvc_jget(r.json, "scheduledPurgeDate");
    days = kvc_jget(r.json, "attributes.recoverableDays");
    ck_assert_msg(cJSON_IsNumber(dd) && cJSON_IsNumber(sp) && cJSON_IsNumber(days) &&
                      (long long)sp->valuedouble ==
                          (long long)dd->valuedouble + (long long)days->valuedouble * 86400,
                  "scheduledPurgeDate != deletedDate + recoverableDays * 86400");
    kvc_resp_free(&r);
    for (int i = 0; i < 50; i++) { /* the real service needs a moment (§3.4) */
        snprintf(path, sizeof path, "/deletedkeys/%s", name);
        kv("GET", path, NULL, &r);
        long st = r.status;
        kvc_resp_free(&r);
        if (st == 200)
            break;
    }
    snprintf(path, sizeof path, "/keys/%s/create", name);
    kv("POST", path, "{\"kty\":\"RSA\"}", &r);
    snprintf(want, sizeof want,
             "Key %s is currently in a deleted but recoverable state, and its name cannot be "
             "reused; in this state, the key can only be recovered or purged.",
             name);
    kvc_assert_error(&r, 409, "Conflict", "ObjectIsDeletedButRecoverable", want,
                     "create on a deleted name");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/deletedkeys/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 204, "PurgeDeletedKey");
    ck_assert_msg(r.len == 0, "204 with a body");
    kvc_assert_header(&r, "Content-Type", NULL, "purge 204");
    ck_assert_msg(!kvc_header(&r, "Content-Length", buf, sizeof buf) || strcmp(buf, "0") == 0,
                  "204 with Content-Length %s", buf);
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 14: a malformed blob -> 400 "Backup blob is corrupt."; a valid blob onto the existing name
 * -> 409 with the recorded conflict text naming the key's kid. */
START_TEST(kv_keys_row14_restore_malformed_and_conflict)
{
    struct kvc_resp r;
    char name[96], ver[64], want[2048], *blob;

    restore("bm9uLWV4aXN0aW5n", &r);
    kvc_assert_status(&r, 400, "restore of a malformed blob");
    kvc_assert_body(&r,
                    "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":\"Backup blob is "
                    "corrupt.\"}}",
                    "malformed blob body");
    kvc_resp_free(&r);
    kvc_name(name, sizeof name, "conf");
    kvk_create(name, "{\"kty\":\"EC\"}", ver, sizeof ver, NULL);
    blob = backup(name);
    restore(blob, &r);
    free(blob);
    snprintf(want, sizeof want,
             "There was a conflict restoring the key '%s/keys/%s/%s'. This can happen if either: a "
             "second key with the same name was created after the first key was deleted; thus "
             "trying to restore a key whose name is already in use. To fix this, rename the second "
             "key to something else so that the restore works. The second probable cause of this "
             "exception is when multiple operations are performed in parallel against the key. To "
             "avoid this error, perform operations against a key in a sequential manner.",
             kvc.vault, name, ver);
    kvc_assert_error(&r, 409, "Conflict", NULL, want, "restore onto an existing name");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* Row 15: the default rotation policy, exact 106 bytes; PUT one Rotate action -> 200 with id, the
 * default Notify appended, attributes expiryTime, created, updated. */
START_TEST(kv_keys_row15_rotation_policy_default_and_set)
{
    static const char def[] = "{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P30D\"},"
                              "\"action\":{\"type\":\"Notify\"}}],\"attributes\":null}";
    struct kvc_resp r;
    char name[96], path[256], want[600];

    ck_assert_uint_eq(strlen(def), 106);
    kvc_name(name, sizeof name, "rot");
    kvk_create(name, "{\"kty\":\"EC\"}", NULL, 0, NULL);
    snprintf(path, sizeof path, "/keys/%s/rotationpolicy", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetKeyRotationPolicy (never set)");
    kvc_assert_body(&r, def, "default rotation policy");
    kvc_resp_free(&r);
    kv("PUT", path,
       "{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P10D\"},\"action\":{\"type\":"
       "\"Rotate\"}}],\"attributes\":{\"expiryTime\":\"P90D\"}}",
       &r);
    kvc_assert_status(&r, 200, "UpdateKeyRotationPolicy");
    kvc_assert_keys(r.json, "id,lifetimeActions,attributes", "set policy");
    snprintf(want, sizeof want, "%s/keys/%s/rotationpolicy", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(r.json, "id"), want) == 0, "policy id '%s', want %s",
                  kvc_jstr(r.json, "id"), want);
    {
        char *acts = cJSON_PrintUnformatted(kvc_jget(r.json, "lifetimeActions"));
        ck_assert_str_eq(acts, "[{\"trigger\":{\"timeBeforeExpiry\":\"P10D\"},\"action\":{\"type\":"
                               "\"Rotate\"}},{\"trigger\":{\"timeBeforeExpiry\":\"P30D\"},"
                               "\"action\":{\"type\":\"Notify\"}}]");
        free(acts);
    }
    kvc_assert_keys(kvc_jget(r.json, "attributes"), "expiryTime,created,updated",
                    "policy attributes");
    ck_assert_str_eq(kvc_jstr(r.json, "attributes.expiryTime"), "P90D");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* §3.4: recover -> 200 KeyBundle of the latest version; a never-deleted name -> 404 KeyNotFound;
 * GET /deletedkeys of a live name -> 404 "Deleted Key not found: N". */
START_TEST(kv_keys_s3_4_recover_and_deleted_404s)
{
    struct kvc_resp r;
    char name[96], v2[64], path[256], want[1024];

    kvc_name(name, sizeof name, "rec");
    kvk_create(name, "{\"kty\":\"EC\"}", NULL, 0, NULL);
    kvk_create(name, "{\"kty\":\"EC\"}", v2, sizeof v2, NULL);
    snprintf(path, sizeof path, "/deletedkeys/%s", name);
    kv("GET", path, NULL, &r);
    deleted_not_found_body(want, sizeof want, name);
    kvc_assert_status(&r, 404, "GET /deletedkeys of a live key");
    kvc_assert_body(&r, want, "Deleted Key not found body");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/deletedkeys/%s/recover", name);
    kv("POST", path, "", &r);
    kvc_assert_error(&r, 404, "KeyNotFound", NULL, NULL, "recover of a never-deleted key");
    kvc_resp_free(&r);
    kvc_obj_delete_wait(NULL, "keys", "deletedkeys", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 200, "RecoverDeletedKey");
    kvc_assert_keys(r.json, "key,attributes", "recover answer");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "key.kid")), v2);
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/keys/%s/", name);
    for (int i = 0; i < 50; i++) {
        kv("GET", path, NULL, &r);
        long st = r.status;
        kvc_resp_free(&r);
        if (st == 200)
            break;
        ck_assert_msg(i < 49, "GET never answered 200 after the recover");
    }
    kvk_cleanup(name);
}
END_TEST

/* §3.6: backup, delete, purge, restore -> the original kid, created and updated; every version. */
START_TEST(kv_keys_s3_6_backup_restore_round_trip)
{
    struct kvc_resp r, orig;
    char name[96], v1[64], v2[64], path[256], *blob;

    kvc_name(name, sizeof name, "bak");
    kvk_create(name, "{\"kty\":\"RSA\"}", v1, sizeof v1, NULL);
    kvk_create(name, "{\"kty\":\"RSA\",\"tags\":{\"v\":\"2\"}}", v2, sizeof v2, NULL);
    snprintf(path, sizeof path, "/keys/%s/", name);
    kv("GET", path, NULL, &orig);
    blob = backup(name);
    kvc_obj_delete_wait(NULL, "keys", "deletedkeys", name);
    snprintf(path, sizeof path, "/deletedkeys/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 204, "purge before restore");
    kvc_resp_free(&r);
    for (int i = 0; i < 60; i++) { /* the real service: 409 for some seconds after a purge */
        restore(blob, &r);
        if (r.status != 409)
            break;
        kvc_resp_free(&r);
    }
    free(blob);
    kvc_assert_status(&r, 200, "RestoreKey");
    ck_assert_str_eq(kvc_jstr(r.json, "key.kid"), kvc_jstr(orig.json, "key.kid"));
    ck_assert_str_eq(kvc_jstr(r.json, "key.n"), kvc_jstr(orig.json, "key.n"));
    ck_assert_msg(kvc_jget(r.json, "attributes.created")->valuedouble ==
                          kvc_jget(orig.json, "attributes.created")->valuedouble &&
                      kvc_jget(r.json, "attributes.updated")->valuedouble ==
                          kvc_jget(orig.json, "attributes.updated")->valuedouble,
                  "restore changed created/updated");
    kvc_resp_free(&r);
    kvc_resp_free(&orig);
    snprintf(path, sizeof path, "/keys/%s/%s", name, v1);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "the first version after the restore");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* §3.9: rotate (empty body) -> a new version with the same kty, size and key_ops. */
START_TEST(kv_keys_s3_9_rotate_new_version)
{
    struct kvc_resp r;
    char name[96], v1[64], path[256];
    cJSON *b = NULL;
    char *ops0;

    kvc_name(name, sizeof name, "rotate");
    kvk_create(name, "{\"kty\":\"RSA\",\"key_size\":3072,\"key_ops\":[\"sign\",\"verify\"]}", v1,
               sizeof v1, &b);
    snprintf(path, sizeof path, "/keys/%s/rotate", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 200, "RotateKey");
    ck_assert_str_ne(kvc_last_segment(kvc_jstr(r.json, "key.kid")), v1);
    ck_assert_str_eq(kvc_jstr(r.json, "key.kty"), "RSA");
    ck_assert_uint_eq(strlen(kvc_jstr(r.json, "key.n")), 512);
    ck_assert_str_ne(kvc_jstr(r.json, "key.n"), kvc_jstr(b, "key.n"));
    ops0 = cJSON_PrintUnformatted(kvc_jget(b, "key.key_ops"));
    {
        char *ops1 = cJSON_PrintUnformatted(kvc_jget(r.json, "key.key_ops"));
        ck_assert_str_eq(ops1, ops0);
        free(ops1);
    }
    free(ops0);
    cJSON_Delete(b);
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* §3.11/§3.12: /rng returns count bytes; attestation on a standard vault -> the recorded 400. */
START_TEST(kv_keys_s3_11_rng_and_s3_12_attestation)
{
    struct kvc_resp r;
    char name[96], path[256];

    kv("POST", "/rng", "{\"count\":16}", &r);
    kvc_assert_status(&r, 200, "POST /rng");
    ck_assert_uint_eq(strlen(kvc_jstr(r.json, "value")), 22);
    kvc_resp_free(&r);
    kvc_name(name, sizeof name, "att");
    kvk_create(name, "{\"kty\":\"EC\"}", NULL, 0, NULL);
    snprintf(path, sizeof path, "/keys/%s//attestation", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 400, "attestation on a vault");
    kvc_assert_body(&r,
                    "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Method GET does not "
                    "allow operation 'attestation'\"}}",
                    "attestation body");
    kvc_resp_free(&r);
    kvk_cleanup(name);
}
END_TEST

/* §4 access denied: the flow app (secrets get only) gets the access-policy 403 naming "keys get".
 */
START_TEST(kv_keys_s4_access_policy_denied)
{
    struct kvc_resp r;
    char want[1024];

    /* The default fixture grants the flow app get, list, sign, verify, encrypt and decrypt on
     * keys, not delete; authorization is decided before the key is looked up. */
    kv_req(NULL, "DELETE", "/keys/missing", kvc.flow_token, NULL, NULL, &r);
    snprintf(
        want, sizeof want,
        "The user, group or application 'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' "
        "does not have keys delete permission on key vault 'demo;location=westeurope'. For help "
        "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
        KVC_FIX_FLOW_ID, KVC_FIX_FLOW_OID, kvc.tenant);
    kvc_assert_error(&r, 403, "Forbidden", "AccessDenied", want, "flow app DELETE key");
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_keys_lifecycle(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_keys_row13_delete_conflict_purge, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row14_restore_malformed_and_conflict, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_row15_rotation_policy_default_and_set, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_4_recover_and_deleted_404s, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_6_backup_restore_round_trip, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_9_rotate_new_version, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s3_11_rng_and_s3_12_attestation, 0, NULL);
    kvc_add_test(reg, FAM, kv_keys_s4_access_policy_denied, KVC_NEEDS_FIXTURE,
                 "needs the mock fixture's flow app (no keys delete on demo)");
}
