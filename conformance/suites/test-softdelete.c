/* test-softdelete.c: spec/keyvault-secrets.md §1 DeleteSecret, GetDeletedSecret(s),
 * PurgeDeletedSecret, RecoverDeletedSecret, and §6 soft delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx-mem.h"
#include "kvc-suite.h"

#define FAM "softdelete"

/* Checks a DeletedSecretBundle: key order, recoveryId, purge date = deleted + days * 86400, no
 * value. */
static void assert_deleted_bundle(const cJSON *j, const char *name, const char *what)
{
    char want[1024];
    const cJSON *dd = kvc_jget(j, "deletedDate"), *sp = kvc_jget(j, "scheduledPurgeDate");
    const cJSON *days = kvc_jget(j, "attributes.recoverableDays");

    ck_assert_msg(j && j->child && strcmp(j->child->string, "recoveryId") == 0 && j->child->next &&
                      strcmp(j->child->next->string, "deletedDate") == 0 && j->child->next->next &&
                      strcmp(j->child->next->next->string, "scheduledPurgeDate") == 0,
                  "%s: a deleted bundle starts recoveryId, deletedDate, scheduledPurgeDate", what);
    snprintf(want, sizeof want, "%s/deletedsecrets/%s", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(j, "recoveryId"), want) == 0,
                  "%s: recoveryId '%s', want '%s'", what, kvc_jstr(j, "recoveryId"), want);
    ck_assert_msg(kvc_jget(j, "value") == NULL, "%s: carries value", what);
    ck_assert_msg(cJSON_IsNumber(dd) && cJSON_IsNumber(sp) && cJSON_IsNumber(days), "%s: dates",
                  what);
    ck_assert_msg((long long)sp->valuedouble ==
                      (long long)dd->valuedouble + (long long)days->valuedouble * 86400,
                  "%s: scheduledPurgeDate != deletedDate + recoverableDays*86400", what);
}

/* §1 DeleteSecret: 200 DeletedSecretBundle without value, versioned id of the last version. */
START_TEST(kv_s1_delete_200_deleted_bundle)
{
    struct kvc_resp r;
    char name[96], path[256], ver[64];

    kvc_name(name, sizeof name, "del");
    kvc_set(name, "{\"value\":\"v\",\"contentType\":\"text/plain\",\"tags\":{\"a\":\"b\"}}", ver,
            sizeof ver);
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "DeleteSecret");
    assert_deleted_bundle(r.json, name, "DeleteSecret");
    kvc_assert_keys(r.json,
                    "recoveryId,deletedDate,scheduledPurgeDate,contentType,id,attributes,tags",
                    "DeleteSecret bundle");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), ver);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 GetDeletedSecret: 200 with the Delete response's shape (polled: the real service answers
 * 404 for a second or two after the delete). */
START_TEST(kv_s1_get_deleted_200)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "gdel");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetDeletedSecret");
    assert_deleted_bundle(r.json, name, "GetDeletedSecret");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 GetDeletedSecrets: items {recoveryId, deletedDate, scheduledPurgeDate, id (base), attributes},
 * no value. */
START_TEST(kv_s1_list_deleted_items)
{
    struct kvc_resp r;
    char name[96], url[4096], base_id[1024];
    int found = 0, pages = 0;

    kvc_name(name, sizeof name, "ldel");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    snprintf(base_id, sizeof base_id, "%s/secrets/%s", kvc.vault, name);
    snprintf(url, sizeof url, "/deletedsecrets?maxresults=25");
    while (url[0] && pages++ < 200) {
        const cJSON *it, *next;
        kv("GET", url, NULL, &r);
        kvc_assert_status(&r, 200, "GetDeletedSecrets");
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
            if (strcasecmp(kvc_jstr(it, "id"), base_id) != 0)
                continue;
            found++;
            assert_deleted_bundle(it, name, "deleted item");
            kvc_assert_keys(it, "recoveryId,deletedDate,scheduledPurgeDate,id,attributes",
                            "deleted item");
        }
        next = kvc_jget(r.json, "nextLink");
        snprintf(url, sizeof url, "%s", cJSON_IsString(next) ? next->valuestring : "");
        kvc_resp_free(&r);
    }
    ck_assert_msg(found == 1, "deleted secret listed %d times", found);
    kvc_cleanup(name);
}
END_TEST

/* §1 PurgeDeletedSecret: 204, no body, no Content-Type or Content-Length (§4); gone afterwards. */
START_TEST(kv_s1_purge_204_no_body)
{
    struct kvc_resp r;
    char name[96], path[256], buf[64];

    kvc_name(name, sizeof name, "purge");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 204, "PurgeDeletedSecret");
    ck_assert_msg(r.len == 0, "204 with a body");
    kvc_assert_header(&r, "Content-Type", NULL, "204");
    ck_assert_msg(!kvc_header(&r, "Content-Length", buf, sizeof buf) || strcmp(buf, "0") == 0,
                  "204 with Content-Length %s", buf);
    kvc_assert_header(&r, "Cache-Control", "no-cache", "204 keeps the common headers");
    kvc_resp_free(&r);
    for (int i = 0; i < 100; i++) {
        kv("GET", path, NULL, &r);
        long st = r.status;
        kvc_resp_free(&r);
        if (st == 404)
            return;
        usleep(200000);
    }
    ck_abort_msg("deleted secret still there after the purge");
}
END_TEST

/* §1 RecoverDeletedSecret: 200 SecretBundle of the latest version without value; §6 earlier
 * versions come back too. */
START_TEST(kv_s1_recover_200_latest_no_value)
{
    struct kvc_resp r;
    char name[96], path[256], v1[64], v2[64];

    kvc_name(name, sizeof name, "rec");
    kvc_set(name, "{\"value\":\"one\"}", v1, sizeof v1);
    kvc_set(name, "{\"value\":\"two\"}", v2, sizeof v2);
    kvc_delete_wait(NULL, name);
    snprintf(path, sizeof path, "/deletedsecrets/%s/recover", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 200, "RecoverDeletedSecret");
    kvc_assert_keys(r.json, "id,attributes", "recover answer (no value)");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), v2);
    kvc_resp_free(&r);
    /* The SDK poller: GET /secrets/N/ until 200. */
    snprintf(path, sizeof path, "/secrets/%s/", name);
    for (int i = 0; i < 150; i++) {
        kv("GET", path, NULL, &r);
        long st = r.status;
        if (st == 200)
            break;
        kvc_resp_free(&r);
        usleep(200000);
    }
    kvc_assert_status(&r, 200, "GET after recover");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "two") == 0, "recovered latest value differs");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/%s", name, v1);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "earlier version after recover");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "one") == 0, "earlier version value differs");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §6: soft delete is always on: recoveryLevel is one of the spec's values with Recoverable, and
 * recoverableDays is 7-90. */
START_TEST(kv_s6_soft_delete_always_on)
{
    static const char *const levels[] = {"Recoverable+Purgeable",
                                         "Recoverable",
                                         "Recoverable+ProtectedSubscription",
                                         "CustomizedRecoverable+Purgeable",
                                         "CustomizedRecoverable",
                                         "CustomizedRecoverable+ProtectedSubscription"};
    struct kvc_resp r;
    char name[96], path[256];
    const char *lvl;
    bool ok = false;
    int days;

    kvc_name(name, sizeof name, "lvl");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"v\"}", &r);
    kvc_assert_status(&r, 200, "SetSecret");
    lvl = kvc_jstr(r.json, "attributes.recoveryLevel");
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        ok = ok || strcmp(lvl, levels[i]) == 0;
    ck_assert_msg(ok, "recoveryLevel '%s' is not a soft-delete level", lvl);
    days = kvc_jget(r.json, "attributes.recoverableDays")->valueint;
    ck_assert_msg(days >= 7 && days <= 90, "recoverableDays %d outside 7-90", days);
    ck_assert_msg((days == 90) == (strncmp(lvl, "Customized", 10) != 0),
                  "Customized levels go with 7-89 days (got %s, %d)", lvl, days);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §6: while deleted, a name is inaccessible: GET 404, versions 200 empty (uncertain in the
 * spec), and not reusable (the 409 is in test-errors.c). */
START_TEST(kv_s6_deleted_inaccessible)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "inacc");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_error(&r, 404, "SecretNotFound", NULL, NULL, "GET while deleted");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "versions while deleted");
    kvc_assert_body(&r, "{\"value\":[],\"nextLink\":null}", "versions while deleted");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §6: purge protection removes "+Purgeable" from recoveryLevel (mock rbac-demo: 7 days,
 * protected = CustomizedRecoverable). */
START_TEST(kv_s6_purge_protection_recovery_level)
{
    struct kvc_resp r;
    char base[128];

    kvc_mock_vault("rbac-demo", base, sizeof base);
    kv_req(base, "GET", "/secrets/app-config/", kvc.token, NULL, NULL, &r);
    kvc_assert_status(&r, 200, "rbac-demo app-config");
    ck_assert_str_eq(kvc_jstr(r.json, "attributes.recoveryLevel"), "CustomizedRecoverable");
    ck_assert_int_eq(kvc_jget(r.json, "attributes.recoverableDays")->valueint, 7);
    kvc_resp_free(&r);
}
END_TEST

/* §6 / DESIGN §5: a scheduled purge happens when the clock passes scheduledPurgeDate; the name is
 * free again. */
START_TEST(kv_s6_scheduled_purge_after_retention)
{
    struct kvc_resp r;
    char name[96], path[256];
    long st;

    kvc_name(name, sizeof name, "sched");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    kvc_clock_advance(91.0 * 86400);
    /* Tokens are checked against the mock clock too: the run's token is long expired there. */
    {
        struct kvc_creds c = {kvc.authority, kvc.tenant, kvc.client_id, kvc.client_secret, kvc.ca};
        char *tok = kvc_token(&c, KVC_VAULT_RESOURCE "/.default", NULL);
        snprintf(path, sizeof path, "/deletedsecrets/%s", name);
        kv_req(NULL, "GET", path, tok, NULL, NULL, &r);
        cx_free_wiped(tok);
    }
    st = r.status;
    kvc_resp_free(&r);
    kvc_clock_advance(-91.0 * 86400);
    ck_assert_msg(st == 404, "deleted secret still there 91 days later (status %ld)", st);
    kvc_set(name, "{\"value\":\"reused\"}", NULL, 0);
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_softdelete(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s1_delete_200_deleted_bundle, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_get_deleted_200, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_list_deleted_items, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_purge_204_no_body, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_recover_200_latest_no_value, 0, NULL);
    kvc_add_test(reg, FAM, kv_s6_soft_delete_always_on, 0, NULL);
    kvc_add_test(reg, FAM, kv_s6_deleted_inaccessible, 0, NULL);
    kvc_add_test(reg, FAM, kv_s6_purge_protection_recovery_level, KVC_NEEDS_FIXTURE,
                 "needs a purge-protected vault (the mock's rbac-demo)");
    kvc_add_test(reg, FAM, kv_s6_scheduled_purge_after_retention, KVC_CHANGES_MOCK,
                 "needs the mock's control API (clock); the real service purges after 7-90 days");
}
