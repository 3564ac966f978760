/* test-http-secrets-softdelete.c: DeleteSecret and soft delete (§6), GetDeletedSecrets and
 * GetDeletedSecret, RecoverDeletedSecret, PurgeDeletedSecret, the soft-delete conflicts, purge
 * protection and the scheduled purge (secrets-common.h says how the suites run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets-common.h"

/* ---- §1 DeleteSecret, §6 soft delete ---- */

/* §1 DeleteSecret: 200 DeletedSecretBundle without value, recoveryId/deletedDate/
 * scheduledPurgeDate first, scheduledPurgeDate = deletedDate + 90*86400 for vault demo; the rest
 * is the bundle as GET showed it. GET /deletedsecrets/N answers the same bytes. */
START_TEST(test_s1_delete_deleted_bundle_90d)
{
    struct mvt_resp g, d, gd;
    char want[4096], base[128];
    int64_t now, dd, spd;

    kv("GET", DEMO, "/secrets/api-key/", NULL, &g);
    hc_assert_status(&g, 200, "GET before delete");
    now = hc_now(srv);
    kv("DELETE", DEMO, "/secrets/api-key", NULL, &d);
    hc_assert_status(&d, 200, "DELETE api-key");
    hc_assert_keys(d.json,
                   "recoveryId,deletedDate,scheduledPurgeDate,contentType,id,attributes,tags",
                   "deleted bundle");
    dd = hc_jint(d.json, "deletedDate");
    spd = hc_jint(d.json, "scheduledPurgeDate");
    ck_assert_msg(dd >= now - 5 && dd <= now + 5, "deletedDate is the mock's now");
    ck_assert_int_eq(spd, dd + HC_RETENTION_90D);
    snprintf(want, sizeof want,
             "{\"recoveryId\":\"%s/deletedsecrets/api-key\",\"deletedDate\":%lld,"
             "\"scheduledPurgeDate\":%lld,%s",
             hc_base(srv, DEMO, base, sizeof base), (long long)dd, (long long)spd,
             after_value(&g, "fake-api-key-0000"));
    hc_assert_body(&d, want, true, "DeleteSecret body");

    kv("GET", DEMO, "/deletedsecrets/api-key", NULL, &gd);
    hc_assert_status(&gd, 200, "GET /deletedsecrets/api-key");
    hc_assert_body(&gd, d.body, true, "GetDeletedSecret = Delete response");
    mvt_resp_free(&gd);

    /* §1 GetDeletedSecrets item: the same fields with the base id (no version), no value. */
    kv("GET", DEMO, "/deletedsecrets", NULL, &gd);
    hc_assert_status(&gd, 200, "GET /deletedsecrets");
    {
        const cJSON *it;
        char want_id[256];
        int found = 0;
        snprintf(want_id, sizeof want_id, "%s/secrets/api-key", base);
        cJSON_ArrayForEach(it, hc_jget(gd.json, "value")) {
            if (!hc_jstr(it, "id") || strcmp(hc_jstr(it, "id"), want_id) != 0)
                continue;
            found++;
            hc_assert_keys(
                it, "recoveryId,deletedDate,scheduledPurgeDate,contentType,id,attributes,tags",
                "deleted list item");
            ck_assert_int_eq(hc_jint(it, "deletedDate"), dd);
            ck_assert_int_eq(hc_jint(it, "scheduledPurgeDate"), spd);
        }
        ck_assert_int_eq(found, 1);
    }
    mvt_resp_free(&gd);

    /* §6: while deleted it is inaccessible to retrievals. */
    kv("GET", DEMO, "/secrets/api-key/", NULL, &gd);
    hc_assert_status(&gd, 404, "GET deleted secret");
    ck_assert_str_eq(hc_err_code(&gd), "SecretNotFound");
    mvt_resp_free(&gd);
    mvt_resp_free(&g);
    mvt_resp_free(&d);
}
END_TEST

/* §1 DeleteSecret / §6: a 7-day vault with purge protection: recoverableDays 7,
 * recoveryLevel without "+Purgeable", scheduledPurgeDate = deletedDate + 7*86400. */
START_TEST(test_s6_delete_rbac_demo_7d_protected)
{
    struct mvt_resp d;

    kv("DELETE", RBAC, "/secrets/app-config", NULL, &d);
    hc_assert_status(&d, 200, "DELETE rbac-demo app-config");
    ck_assert_int_eq(hc_jint(d.json, "scheduledPurgeDate"),
                     hc_jint(d.json, "deletedDate") + HC_RETENTION_7D);
    ck_assert_int_eq(hc_jint(d.json, "attributes.recoverableDays"), 7);
    ck_assert_str_eq(hc_jstr(d.json, "attributes.recoveryLevel"), "CustomizedRecoverable");
    ck_assert_msg(!hc_has(d.json, "value"), "no value");
    mvt_resp_free(&d);
}
END_TEST

/* ---- §1 GetDeletedSecrets, GetDeletedSecret ---- */

/* §1 GetDeletedSecrets: items start recoveryId, deletedDate, scheduledPurgeDate, base id, no
 * value; GetDeletedSecret gives the versioned bundle of the same deleted secret. */
START_TEST(test_s1_list_deleted_and_get_deleted)
{
    struct mvt_resp r, g;
    const cJSON *it;
    char base[128], want[256];
    int found = 0;

    hc_base(srv, DEMO, base, sizeof base);
    kv("GET", DEMO, "/deletedsecrets", NULL, &r);
    hc_assert_status(&r, 200, "GET /deletedsecrets");
    hc_assert_keys(r.json, "value,nextLink", "page");
    cJSON_ArrayForEach(it, hc_jget(r.json, "value")) {
        found++;
        hc_assert_keys(it, "recoveryId,deletedDate,scheduledPurgeDate,id,attributes",
                       "deleted item old-secret");
        snprintf(want, sizeof want, "%s/deletedsecrets/old-secret", base);
        ck_assert_str_eq(hc_jstr(it, "recoveryId"), want);
        snprintf(want, sizeof want, "%s/secrets/old-secret", base);
        ck_assert_str_eq(hc_jstr(it, "id"), want);
        ck_assert_int_eq(hc_jint(it, "scheduledPurgeDate"),
                         hc_jint(it, "deletedDate") + HC_RETENTION_90D);
    }
    ck_assert_int_eq(found, 1);

    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &g);
    hc_assert_status(&g, 200, "GET /deletedsecrets/old-secret");
    hc_assert_keys(g.json, "recoveryId,deletedDate,scheduledPurgeDate,id,attributes", "bundle");
    ck_assert_msg(hc_is_version(id_version(g.json)), "deleted bundle has the versioned id");
    ck_assert_int_eq(hc_jint(g.json, "deletedDate"),
                     hc_jint(cJSON_GetArrayItem(hc_jget(r.json, "value"), 0), "deletedDate"));
    mvt_resp_free(&g);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 RecoverDeletedSecret ---- */

/* §1 RecoverDeletedSecret: POST with an empty body gives 200 without value (latest version);
 * the secret is readable again and no longer in the deleted list. */
START_TEST(test_s1_recover)
{
    struct mvt_resp r, g;

    kv("POST", DEMO, "/deletedsecrets/old-secret/recover", "", &r);
    hc_assert_status(&r, 200, "recover old-secret");
    hc_assert_keys(r.json, "id,attributes", "recover response");
    kv("GET", DEMO, "/secrets/old-secret/", NULL, &g);
    hc_assert_status(&g, 200, "GET recovered");
    ck_assert_str_eq(hc_jstr(g.json, "value"), "fake-old-value");
    ck_assert_msg(strcmp(after_value(&g, "fake-old-value"), r.body + 1) == 0,
                  "GET = recover response + value");
    mvt_resp_free(&g);

    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &g);
    hc_assert_status(&g, 404, "no longer deleted");
    mvt_resp_free(&g);

    /* Delete then recover a live one: earlier versions come back too (§6). */
    mvt_resp_free(&r);
    kv("DELETE", DEMO, "/secrets/db-password", NULL, &r);
    hc_assert_status(&r, 200, "DELETE db-password");
    mvt_resp_free(&r);
    kv("POST", DEMO, "/deletedsecrets/db-password/recover", "", &r);
    hc_assert_status(&r, 200, "recover db-password");
    ck_assert_msg(!hc_has(r.json, "value"), "no value");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/secrets/db-password/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions after recover");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 3);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 PurgeDeletedSecret ---- */

/* §1 PurgeDeletedSecret / §4: 204, no body, no Content-Type or Content-Length, the other common
 * headers still there; the name is free afterwards. */
START_TEST(test_s1_purge_204_no_body)
{
    struct mvt_resp r;
    char hb[128];

    kv("DELETE", DEMO, "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 204, "purge old-secret");
    ck_assert_int_eq(r.len, 0);
    hc_assert_no_header(&r, "Content-Type", "204");
    hc_assert_no_header(&r, "Content-Length", "204");
    ck_assert_msg(hc_is_guid(mvt_header(&r, "x-ms-request-id", hb, sizeof hb)), "request id");
    hc_assert_header(&r, "Cache-Control", "no-cache", "204");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 404, "purged");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not "
                   "found: old-secret\"}}",
                   true, "GetDeletedSecret after purge");
    mvt_resp_free(&r);

    hc_set(srv, DEMO, tok, "old-secret", "{\"value\":\"reborn\"}", &r);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §2 / §6 soft-delete conflicts and purge protection ---- */

/* §2 "PUT on a deleted-but-recoverable name": exact 409 ObjectIsDeletedButRecoverable body. */
START_TEST(test_s2_put_deleted_name_409)
{
    struct mvt_resp r;

    kv("DELETE", DEMO, "/secrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "DELETE");
    mvt_resp_free(&r);
    kv("PUT", DEMO, "/secrets/api-key", "{\"value\":\"again\"}", &r);
    hc_assert_status(&r, 409, "PUT deleted name");
    hc_assert_body(
        &r,
        "{\"error\":{\"code\":\"Conflict\",\"message\":\"Secret api-key is currently in a "
        "deleted but recoverable state, and its name cannot be reused; in this state, the "
        "secret can only be recovered or purged.\",\"innererror\":{\"code\":"
        "\"ObjectIsDeletedButRecoverable\"}}}",
        true, "409 body");
    mvt_resp_free(&r);

    /* The fixture's deleted secret too. */
    kv("PUT", DEMO, "/secrets/old-secret", "{\"value\":\"again\"}", &r);
    hc_assert_status(&r, 409, "PUT old-secret");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "ObjectIsDeletedButRecoverable");
    mvt_resp_free(&r);
}
END_TEST

/* §2 "Purge while purge protection is on": 403 Forbidden with the recorded message (vault
 * rbac-demo has purgeProtection); the deleted secret stays. */
START_TEST(test_s2_purge_protection_403)
{
    struct mvt_resp r;

    kv("DELETE", RBAC, "/secrets/app-config", NULL, &r);
    hc_assert_status(&r, 200, "DELETE app-config");
    mvt_resp_free(&r);
    kv("DELETE", RBAC, "/deletedsecrets/app-config", NULL, &r);
    hc_assert_status(&r, 403, "purge protected");
    ck_assert_str_eq(hc_err_code(&r), "Forbidden");
    ck_assert_str_eq(
        hc_jstr(r.json, "error.message"),
        "Operation \"purge\" is not allowed because purge protection is enabled for "
        "this vault. Key Vault service will automatically purge it after the retention "
        "period has passed. Vault: rbac-demo;location=westeurope");
    mvt_resp_free(&r);
    kv("GET", RBAC, "/deletedsecrets/app-config", NULL, &r);
    hc_assert_status(&r, 200, "still deleted");
    mvt_resp_free(&r);
}
END_TEST

/* §6 / DESIGN §5: scheduled purges happen when the mock clock passes scheduledPurgeDate (not
 * before); then the name is free again. */
START_TEST(test_s6_scheduled_purge_on_clock_advance)
{
    struct mvt_resp r;
    char adv[64];
    int64_t spd, now;

    kv("DELETE", DEMO, "/secrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "DELETE");
    spd = hc_jint(r.json, "scheduledPurgeDate");
    mvt_resp_free(&r);

    now = hc_now(srv);
    snprintf(adv, sizeof adv, "{\"advance\":%lld}", (long long)(spd - now - 100));
    hc_clock(srv, adv);
    hc_free_token(tok); /* the old token expired 90 days ago */
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "fresh token");
    kv("GET", DEMO, "/deletedsecrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "100 s before the purge date");
    mvt_resp_free(&r);
    /* old-secret was deleted 2 days before load: its date (88 days on) has passed. */
    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 404, "old-secret purged");
    mvt_resp_free(&r);

    hc_clock(srv, "{\"advance\":200}");
    kv("GET", DEMO, "/deletedsecrets/api-key", NULL, &r);
    hc_assert_status(&r, 404, "past the purge date");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/deletedsecrets", NULL, &r);
    hc_assert_status(&r, 200, "list deleted");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 0);
    mvt_resp_free(&r);
    hc_set(srv, DEMO, tok, "api-key", "{\"value\":\"new\"}", &r);
    mvt_resp_free(&r);
}
END_TEST

static Suite *secrets_softdelete_suite(void)
{
    Suite *s = suite_create("http-secrets-softdelete");
    TCase *soft = tcase_create("soft-delete");

    tcase_add_checked_fixture(soft, setup, teardown);
    tcase_add_test(soft, test_s1_delete_deleted_bundle_90d);
    tcase_add_test(soft, test_s6_delete_rbac_demo_7d_protected);
    tcase_add_test(soft, test_s1_list_deleted_and_get_deleted);
    tcase_add_test(soft, test_s1_recover);
    tcase_add_test(soft, test_s1_purge_204_no_body);
    tcase_add_test(soft, test_s2_put_deleted_name_409);
    tcase_add_test(soft, test_s2_purge_protection_403);
    tcase_add_test(soft, test_s6_scheduled_purge_on_clock_advance);
    suite_add_tcase(s, soft);
    return s;
}

int main(void)
{
    return mvt_run(secrets_softdelete_suite(), false);
}
