/* test-authz.c: the denial rows of spec/keyvault-secrets.md §2 (access policy, RBAC, purge
 * without the permission) and DESIGN §6, with the fixture's restricted identities: the flow app
 * (get only on demo; Secrets User on rbac-demo/secrets/app-config) and the no-access app. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-suite.h"

#define FAM "authz"
#define WHY                                                                                        \
    "needs restricted identities (the mock fixture's flow and no-access apps); a real "            \
    "tenant would need them created"

static void ap_message(char *b, size_t n, const char *appid, const char *oid, const char *perm)
{
    snprintf(
        b, n,
        "The user, group or application 'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' "
        "does not have secrets %s permission on key vault 'demo;location=westeurope'. For "
        "help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
        appid, oid, kvc.tenant, perm);
}

/* §2 "Access policy denies the operation": 403 Forbidden / AccessDenied naming appid, oid, iss,
 * the permission and the vault; the flow app's own permission (get) works. */
START_TEST(kv_s2_access_policy_denied_403_AccessDenied)
{
    struct kvc_resp r;
    char want[1024];

    kv_req(NULL, "GET", "/secrets", kvc.flow_token, NULL, NULL, &r);
    ap_message(want, sizeof want, KVC_FIX_FLOW_ID, KVC_FIX_FLOW_OID, "list");
    kvc_assert_error(&r, 403, "Forbidden", "AccessDenied", want, "flow app list");
    kvc_resp_free(&r);
    kv_req(NULL, "GET", "/secrets/api-key/", kvc.noaccess_token, NULL, NULL, &r);
    ap_message(want, sizeof want, KVC_FIX_NOACCESS_ID, KVC_FIX_NOACCESS_OID, "get");
    kvc_assert_error(&r, 403, "Forbidden", "AccessDenied", want, "no-access app get");
    kvc_resp_free(&r);
    kv_req(NULL, "GET", "/secrets/api-key/", kvc.flow_token, NULL, NULL, &r);
    kvc_assert_status(&r, 200, "flow app get (its one permission)");
    kvc_resp_free(&r);
}
END_TEST

/* §2 "Purge without the permission": 403 with "secrets purge permission" (innererror AccessDenied
 * or ForbiddenByPolicy, both seen on the real service). */
START_TEST(kv_s2_purge_without_permission_403)
{
    struct kvc_resp r;
    char name[96], path[256], want[1024];
    const char *inner;

    kvc_name(name, sizeof name, "nopurge");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    kvc_delete_wait(NULL, name);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv_req(NULL, "DELETE", path, kvc.flow_token, NULL, NULL, &r);
    ap_message(want, sizeof want, KVC_FIX_FLOW_ID, KVC_FIX_FLOW_OID, "purge");
    kvc_assert_error(&r, 403, "Forbidden", "*", want, "flow app purge");
    inner = kvc_jstr(r.json, "error.innererror.code");
    ck_assert_msg(strcmp(inner, "AccessDenied") == 0 || strcmp(inner, "ForbiddenByPolicy") == 0,
                  "innererror '%s'", inner);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §2 "RBAC denies the operation": 403 Forbidden / ForbiddenByRbac with the CRLF-separated
 * message, and the action of every operation. */
START_TEST(kv_s2_rbac_denied_403_ForbiddenByRbac)
{
    static const struct {
        const char *method, *path, *body, *action, *res;
    } ops[] = {
        {"GET", "/secrets/app-config/", NULL, "secrets/getSecret/action", "/secrets/app-config"},
        {"GET", "/secrets", NULL, "secrets/readMetadata/action", ""},
        {"PUT", "/secrets/kvc-denied", "{\"value\":\"v\"}", "secrets/setSecret/action",
         "/secrets/kvc-denied"},
        {"DELETE", "/secrets/app-config", NULL, "secrets/delete", "/secrets/app-config"},
        {"POST", "/secrets/app-config/backup", "", "secrets/backup/action", "/secrets/app-config"},
        {"POST", "/deletedsecrets/app-config/recover", "", "secrets/recover/action",
         "/secrets/app-config"},
        {"DELETE", "/deletedsecrets/app-config", NULL, "secrets/purge/action",
         "/secrets/app-config"},
    };
    char base[128];

    kvc_mock_vault("rbac-demo", base, sizeof base);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        struct kvc_resp r;
        char want[2048], what[200];
        snprintf(what, sizeof what, "no-access app %s %s", ops[i].method, ops[i].path);
        kv_req(base, ops[i].method, ops[i].path, kvc.noaccess_token, NULL, ops[i].body, &r);
        snprintf(want, sizeof want,
                 "Caller is not authorized to perform action on resource.\r\nIf role assignments, "
                 "deny assignments or role definitions were changed recently, please observe "
                 "propagation time.\r\nCaller: appid=%s;oid=%s;iss=https://sts.windows.net/%s/"
                 "\r\nAction: 'Microsoft.KeyVault/vaults/%s'\r\nResource: '/subscriptions/",
                 KVC_FIX_NOACCESS_ID, KVC_FIX_NOACCESS_OID, kvc.tenant, ops[i].action);
        kvc_assert_error(&r, 403, "Forbidden", "ForbiddenByRbac", NULL, what);
        ck_assert_msg(strncmp(kvc_jstr(r.json, "error.message"), want, strlen(want)) == 0,
                      "%s: message\n  got  %.500s\n  want %s...", what,
                      kvc_jstr(r.json, "error.message"), want);
        snprintf(want, sizeof want,
                 "/providers/microsoft.keyvault/vaults/rbac-demo%s'\r\nAssignment: (not found)\r\n"
                 "DenyAssignmentId: null\r\nDecisionReason: null \r\nVault: "
                 "rbac-demo;location=westeurope\r\n",
                 ops[i].res);
        ck_assert_msg(strstr(kvc_jstr(r.json, "error.message"), want) != NULL,
                      "%s: message tail\n  got  %.700s\n  want ...%s", what,
                      kvc_jstr(r.json, "error.message"), want);
        kvc_resp_free(&r);
    }
}
END_TEST

/* DESIGN §6: a secret-scoped role assignment allows that secret only. */
START_TEST(kv_s2_rbac_secret_scope)
{
    struct kvc_resp r;
    char base[128];

    kvc_mock_vault("rbac-demo", base, sizeof base);
    kv_req(base, "GET", "/secrets/app-config/", kvc.flow_token, NULL, NULL, &r);
    kvc_assert_status(&r, 200, "flow app on app-config (Secrets User at secret scope)");
    kvc_resp_free(&r);
    kv_req(base, "GET", "/secrets/kvc-other/", kvc.flow_token, NULL, NULL, &r);
    kvc_assert_error(&r, 403, "Forbidden", "ForbiddenByRbac", NULL, "flow app on another secret");
    kvc_resp_free(&r);
}
END_TEST

/* DESIGN §7: access policies replaced at runtime through the control API take effect at once. */
START_TEST(mock_authz_access_policy_runtime_change)
{
    struct kvc_resp orig, r;
    char *grant;
    cJSON *pol;
    const cJSON *e;

    ck_assert_int_eq(kvc_control("GET", "/_mock/vaults/demo/accessPolicies", NULL, &orig), 200);
    pol = cJSON_Duplicate(orig.json, 1);
    /* Give the flow app list as well. */
    cJSON_ArrayForEach(e, pol) {
        if (strcmp(kvc_jstr(e, "objectId"), KVC_FIX_FLOW_OID) == 0)
            cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(
                                     cJSON_GetObjectItemCaseSensitive(e, "permissions"), "secrets"),
                                 cJSON_CreateString("list"));
    }
    grant = cJSON_PrintUnformatted(pol);
    cJSON_Delete(pol);
    ck_assert_int_eq(kvc_control("PUT", "/_mock/vaults/demo/accessPolicies", grant, NULL), 200);
    free(grant);
    kv_req(NULL, "GET", "/secrets?maxresults=1", kvc.flow_token, NULL, NULL, &r);
    ck_assert_int_eq(kvc_control("PUT", "/_mock/vaults/demo/accessPolicies", orig.body, NULL), 200);
    kvc_resp_free(&orig);
    kvc_assert_status(&r, 200, "flow app list after the grant");
    kvc_resp_free(&r);
    kv_req(NULL, "GET", "/secrets?maxresults=1", kvc.flow_token, NULL, NULL, &r);
    kvc_assert_error(&r, 403, "Forbidden", "AccessDenied", NULL, "flow app list after the revert");
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_authz(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s2_access_policy_denied_403_AccessDenied, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, kv_s2_purge_without_permission_403, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, kv_s2_rbac_denied_403_ForbiddenByRbac, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, kv_s2_rbac_secret_scope, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, mock_authz_access_policy_runtime_change, KVC_CHANGES_MOCK,
                 "needs the mock's control API (authz changes)");
}
