/* test-http-authz-policies.c: access policies (authz-common.h says how the suites run): every
 * operation x {its permission alone, every permission but it}, plus "all", no entry, and compound
 * entries (applicationId), with the exact AccessDenied body; the checks made before
 * authorization; and the control API's answers to bad input, its round trip, the state export
 * and the reset. */
#include <stdlib.h>
#include <string.h>

#include "authz-common.h"

static const char *const all_perms[] = {"get",     "list",   "set",     "delete",
                                        "recover", "backup", "restore", "purge"};
#define NPERMS ((int)(sizeof all_perms / sizeof all_perms[0]))

/* ---- 1. Access policies ---- */

enum ap_variant {
    AP_ALONE,        /* the needed permission alone: allowed */
    AP_ALL_EXCEPT,   /* every permission except the needed one: denied */
    AP_ALL,          /* "all": allowed */
    AP_NONE,         /* no entry for the principal: denied */
    AP_OTHER_APP,    /* compound entry naming another application: does not match, denied */
    AP_SAME_APP,     /* compound entry naming the caller's own application: allowed */
    AP_TENANT,       /* entry with the vault's tenantId and the needed permission: allowed */
    AP_OTHER_TENANT, /* entry with another tenantId and "all": does not match, denied */
    AP_NVARIANTS
};

static const char *const ap_variant_name[] = {
    "permission alone",    "all but the permission", "all",           "no entry",
    "other applicationId", "own applicationId",      "with tenantId", "another tenantId",
};

START_TEST(test_ap_operation_x_permission)
{
    const struct op *o = &ops[_i / AP_NVARIANTS];
    enum ap_variant v = (enum ap_variant)(_i % AP_NVARIANTS);
    char perms[256] = "", entry[512] = "", list[1024], what[160], want[1024];
    const char *extra = ""; /* tenantId / applicationId of the entry */
    bool allowed = v == AP_ALONE || v == AP_ALL || v == AP_SAME_APP || v == AP_TENANT;
    struct mvt_resp r;
    char *s0 = NULL, *s1;
    size_t mark;

    snprintf(what, sizeof what, "%s with %s", o->name, ap_variant_name[v]);
    if (v == AP_ALL_EXCEPT) {
        size_t off = 0;
        for (int k = 0; k < NPERMS; k++)
            if (strcmp(all_perms[k], o->perm) != 0)
                off += (size_t)snprintf(perms + off, sizeof perms - off, "%s\"%s\"", off ? "," : "",
                                        all_perms[k]);
    } else if (v == AP_ALL || v == AP_OTHER_APP || v == AP_SAME_APP || v == AP_OTHER_TENANT) {
        snprintf(perms, sizeof perms, "\"all\"");
    } else {
        snprintf(perms, sizeof perms, "\"%s\"", o->perm);
    }
    switch (v) {
    case AP_TENANT: extra = "\"tenantId\":\"" T_TENANT "\","; break;
    case AP_OTHER_TENANT: extra = "\"tenantId\":\"" OTHER_TENANT "\","; break;
    case AP_OTHER_APP: extra = "\"applicationId\":\"" T_ADMIN_ID "\","; break;
    case AP_SAME_APP: extra = "\"applicationId\":\"" T_FLOW_ID "\","; break;
    default: break;
    }
    if (v != AP_NONE)
        snprintf(entry, sizeof entry,
                 ",{%s\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[%s]}}", extra,
                 perms);

    snprintf(list, sizeof list, "[" ADMIN_POLICY "%s]", entry);
    put_access("demo", "accessPolicies", list);
    if (!allowed)
        s0 = state_of();
    mark = log_size();
    run_op(DEMO, o, flow_tok, &r);
    if (allowed) {
        hc_assert_status(&r, o->ok_status, what);
        hc_assert_no_header(&r, "x-ms-keyvault-rbac-assignment-id", what);
        assert_explained(mark, NULL, what);
    } else {
        char needs[64], holds[256], change[256], explain[1024];
        snprintf(needs, sizeof needs, "secrets permission %s", o->perm);
        if (v == AP_ALL_EXCEPT) {
            size_t off = 0;
            off += (size_t)snprintf(holds, sizeof holds, "secrets [");
            for (int k = 0; k < NPERMS; k++)
                if (strcmp(all_perms[k], o->perm) != 0)
                    off += (size_t)snprintf(holds + off, sizeof holds - off, "%s%s",
                                            holds[off - 1] == '[' ? "" : ", ", all_perms[k]);
            snprintf(holds + off, sizeof holds - off, "]");
            snprintf(
                change, sizeof change,
                "add '%s' to the secret permissions of the access policy for objectId " T_FLOW_OID,
                o->perm);
        } else {
            snprintf(holds, sizeof holds, "no access policy entry");
            snprintf(change, sizeof change,
                     "add an access policy for objectId " T_FLOW_OID
                     " with secret permissions [%s]",
                     o->perm);
        }
        explain_line(explain, sizeof explain, "demo", o, needs, holds, change);
        assert_explained(mark, explain, what);
        hc_assert_status(&r, 403, what);
        access_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, o->perm, "demo");
        hc_assert_body(&r, want, true, what);
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", what);
        s1 = state_of();
        ck_assert_msg(strcmp(s0, s1) == 0, "%s: the denied request changed the state", what);
        free(s1);
    }
    mvt_resp_free(&r);
    free(s0);
}
END_TEST

/* Permissions of several entries for the same principal add up. */
START_TEST(test_ap_entries_add_up)
{
    struct mvt_resp r;
    char p[200];

    put_access("demo", "accessPolicies",
               "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":"
               "[\"get\"]}},{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":"
               "[\"list\"]}}]");
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets", NULL), flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "list from the second entry");
    mvt_resp_free(&r);
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/api-key", NULL), flow_tok, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "get from the first entry");
    mvt_resp_free(&r);
    kreq(srv, "DELETE", DEMO, hc_path(p, sizeof p, "/secrets/api-key", NULL), flow_tok, NULL, NULL,
         &r);
    hc_assert_status(&r, 403, "delete from neither");
    mvt_resp_free(&r);
}
END_TEST

/* Token and api-version are checked before authorization (router order, spec §3); a denied
 * caller learns nothing about whether a secret exists: 403, never 404. */
static const struct {
    const char *label, *method, *path;
    bool token;
    long status;
    const char *code; /* error.code */
    const char *perm; /* non-NULL: the exact AccessDenied body for this permission */
} ap_order_rows[] = {
    {"no token", "GET", "/secrets/db-password?api-version=" HC_API, false, 401, "Unauthorized",
     NULL},
    {"unknown api-version", "GET", "/secrets/db-password?api-version=7.99", true, 400,
     "BadParameter", NULL},
    {"no api-version", "GET", "/secrets/db-password", true, 400, "BadParameter", NULL},
    {"missing secret", "GET", "/secrets/no-such-secret?api-version=" HC_API, true, 403, "Forbidden",
     "get"},
    {"missing deleted secret", "DELETE", "/deletedsecrets/no-such-secret?api-version=" HC_API, true,
     403, "Forbidden", "purge"},
    {"recover of a live name", "POST", "/deletedsecrets/api-key/recover?api-version=" HC_API, true,
     403, "Forbidden", "recover"},
};

START_TEST(test_ap_checks_before_authz)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char want[1024];
    struct mvt_resp r;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    kreq(srv, ap_order_rows[_i].method, DEMO, ap_order_rows[_i].path,
         ap_order_rows[_i].token ? noacc : NULL, NULL,
         strcmp(ap_order_rows[_i].method, "POST") == 0 ? "" : NULL, &r);
    hc_assert_status(&r, ap_order_rows[_i].status, ap_order_rows[_i].label);
    ck_assert_msg(strcmp(hc_err_code(&r), ap_order_rows[_i].code) == 0, "%s: code %s, want %s",
                  ap_order_rows[_i].label, hc_err_code(&r), ap_order_rows[_i].code);
    if (ap_order_rows[_i].perm) {
        access_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, ap_order_rows[_i].perm,
                           "demo");
        hc_assert_body(&r, want, true, ap_order_rows[_i].label);
    }
    mvt_resp_free(&r);
    hc_free_token(noacc);
}
END_TEST

/* ---- 6. Control API bad input ---- */

static const struct {
    const char *label, *vault, *key, *body;
    long status;
    const char *code;     /* error.code */
    const char *mention1; /* the message contains these (NULL: not checked) */
    const char *mention2;
} bad_inputs[] = {
    /* Trailing data makes the body invalid JSON, as it does for a fixture and PUT /_mock/state. */
    {"trailing data", "demo", "accessPolicies", "[] trailing", 400, "BadParameter", NULL, NULL},
    {"two documents", "rbac-demo", "roleAssignments", "[] []", 400, "BadParameter", NULL, NULL},
    {"invalid JSON", "demo", "accessPolicies", "[{\"objectId\":", 400, "BadParameter", NULL, NULL},
    {"empty body", "demo", "accessPolicies", "", 400, "BadParameter", NULL, NULL},
    {"an object", "demo", "accessPolicies",
     "{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[\"get\"]}}", 400,
     "BadParameter", NULL, NULL},
    {"a string", "demo", "accessPolicies", "\"all\"", 400, "BadParameter", NULL, NULL},
    {"permission gett", "demo", "accessPolicies",
     "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[\"gett\"]}}]", 400,
     "BadParameter", "accessPolicies[0].permissions.secrets[0]", "gett"},
    {"permission gett second", "demo", "accessPolicies",
     "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID
     "\",\"permissions\":{\"secrets\":[\"get\",\"gett\"]}}]",
     400, "BadParameter", "accessPolicies[1].permissions.secrets[1]", "gett"},
    {"permission not a string", "demo", "accessPolicies",
     "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[7]}}]", 400, "BadParameter",
     "accessPolicies[0].permissions.secrets[0]", NULL},
    {"missing objectId", "demo", "accessPolicies", "[{\"permissions\":{\"secrets\":[\"get\"]}}]",
     400, "BadParameter", "accessPolicies[0]", "objectId"},
    {"unknown permission kind", "demo", "accessPolicies",
     "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"storage\":[\"get\"]}}]", 400,
     "BadParameter", "accessPolicies[0].permissions", "storage"},
    {"role invalid JSON", "rbac-demo", "roleAssignments", "[", 400, "BadParameter", NULL, NULL},
    {"role an object", "rbac-demo", "roleAssignments", "{}", 400, "BadParameter", NULL, NULL},
    {"role name", "rbac-demo", "roleAssignments",
     "[{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Reeder\",\"scope\":\"/\"}]", 400,
     "BadParameter", "roleAssignments[0].role", "Key Vault Reeder"},
    {"role scope", "rbac-demo", "roleAssignments",
     "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID
     "\",\"role\":\"Key Vault Reader\",\"scope\":\"/keys/a_b\"}]",
     400, "BadParameter", "roleAssignments[1].scope", "/keys/a_b"},
    {"role missing principalId", "rbac-demo", "roleAssignments",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/\"}]", 400, "BadParameter", "roleAssignments[0]",
     "principalId"},
    {"unknown vault policies", "nosuch", "accessPolicies", "[]", 404, "VaultNotFound", "nosuch",
     NULL},
    {"unknown vault roles", "nosuch", "roleAssignments", "[]", 404, "VaultNotFound", "nosuch",
     NULL},
};

START_TEST(test_control_bad_input)
{
    struct mvt_resp r;
    char path[200], what[200], code[64], msg[1024];
    char *s0 = state_of(), *s1;
    bool unchanged;
    long status;

    snprintf(path, sizeof path, "/_mock/vaults/%s/%s", bad_inputs[_i].vault, bad_inputs[_i].key);
    snprintf(what, sizeof what, "PUT %s (%s)", path, bad_inputs[_i].label);
    kreq(srv, "PUT", "localhost", path, NULL, NULL, bad_inputs[_i].body, &r);
    /* Everything is copied out and freed before the assertions, so a failing row leaks nothing
     * (the suite runs without fork; ASan and valgrind then report only the failure). */
    status = r.status;
    snprintf(code, sizeof code, "%s", hc_err_code(&r));
    snprintf(msg, sizeof msg, "%s",
             hc_jstr(r.json, "error.message") ? hc_jstr(r.json, "error.message") : "");
    mvt_resp_free(&r);
    s1 = state_of();
    unchanged = strcmp(s0, s1) == 0;
    free(s0);
    free(s1);

    ck_assert_msg(status == bad_inputs[_i].status, "%s: status %ld (error %s), want %ld; state %s",
                  what, status, code, bad_inputs[_i].status, unchanged ? "unchanged" : "CHANGED");
    ck_assert_msg(strcmp(code, bad_inputs[_i].code) == 0, "%s: code %s, want %s", what, code,
                  bad_inputs[_i].code);
    ck_assert_msg(msg[0] != '\0', "%s: a message", what);
    /* These messages are built from the request only, never from stored secrets. */
    if (bad_inputs[_i].mention1)
        ck_assert_msg(strstr(msg, bad_inputs[_i].mention1) != NULL, "%s: message '%s' names %s",
                      what, msg, bad_inputs[_i].mention1);
    if (bad_inputs[_i].mention2)
        ck_assert_msg(strstr(msg, bad_inputs[_i].mention2) != NULL, "%s: message '%s' names %s",
                      what, msg, bad_inputs[_i].mention2);
    ck_assert_msg(unchanged, "%s: state unchanged", what);
}
END_TEST

START_TEST(test_control_unknown_vault_get)
{
    static const char *const paths[] = {"/_mock/vaults/nosuch/accessPolicies",
                                        "/_mock/vaults/nosuch/roleAssignments"};
    for (size_t i = 0; i < 2; i++) {
        struct mvt_resp r;
        kreq(srv, "GET", "localhost", paths[i], NULL, NULL, NULL, &r);
        hc_assert_status(&r, 404, paths[i]);
        ck_assert_str_eq(hc_err_code(&r), "VaultNotFound");
        mvt_resp_free(&r);
    }
}
END_TEST

/* GET gives back what PUT set, in the fixture format; the PUT answer is the same list. */
START_TEST(test_control_put_get_round_trip)
{
    static const struct {
        const char *vault, *key, *json;
    } rows[] = {
        {"demo", "accessPolicies",
         "[{\"tenantId\":\"" T_TENANT "\",\"objectId\":\"" T_ADMIN_OID "\",\"permissions\":"
         "{\"secrets\":[\"all\"]}},{\"objectId\":\"" T_FLOW_OID "\",\"applicationId\":\"" T_FLOW_ID
         "\",\"permissions\":{\"secrets\":[\"get\",\"list\",\"purge\"]}},{\"objectId\":"
         "\"" T_NOACCESS_OID "\",\"permissions\":{\"secrets\":[]}}]"},
        {"demo", "accessPolicies", "[]"},
        {"rbac-demo", "roleAssignments",
         "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Reader\","
         "\"scope\":\"/secrets/app-config\"},{\"principalId\":\"" T_NOACCESS_OID
         "\",\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/\"}]"},
        {"rbac-demo", "roleAssignments", "[]"},
        {"demo", "roleAssignments",
         "[{\"principalId\":\"" T_FLOW_OID
         "\",\"role\":\"Key Vault Secrets User\",\"scope\":\"/\"}]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mvt_resp r;
        char path[200], what[240];
        snprintf(path, sizeof path, "/_mock/vaults/%s/%s", rows[i].vault, rows[i].key);
        snprintf(what, sizeof what, "PUT %s row %zu", path, i);
        kreq(srv, "PUT", "localhost", path, NULL, NULL, rows[i].json, &r);
        hc_assert_status(&r, 200, what);
        assert_json_eq(r.json, rows[i].json, what);
        mvt_resp_free(&r);
        snprintf(what, sizeof what, "GET %s after row %zu", path, i);
        kreq(srv, "GET", "localhost", path, NULL, NULL, NULL, &r);
        hc_assert_status(&r, 200, what);
        assert_json_eq(r.json, rows[i].json, what);
        mvt_resp_free(&r);
    }
}
END_TEST

/* The lists replaced at runtime are also what the state export shows, and reset restores the
 * fixture's. */
START_TEST(test_control_put_visible_in_state_and_reset)
{
    struct mvt_resp r;
    cJSON *st, *fixture_list;
    const cJSON *v, *found = NULL;

    kreq(srv, "GET", "localhost", "/_mock/vaults/demo/accessPolicies", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET accessPolicies (fixture)");
    fixture_list = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    ck_assert_msg(cJSON_GetArraySize(fixture_list) >= 2, "the fixture's demo has access policies");

    put_access("demo", "accessPolicies", "[" ADMIN_POLICY "]");
    kreq(srv, "GET", "localhost", "/_mock/state", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET state");
    st = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    cJSON_ArrayForEach(v, hc_jget(st, "vaults")) {
        if (hc_jstr(v, "name") && strcmp(hc_jstr(v, "name"), "demo") == 0)
            found = hc_jget(v, "accessPolicies");
    }
    assert_json_eq(found, "[" ADMIN_POLICY "]", "state shows the new list");
    cJSON_Delete(st);

    reset();
    kreq(srv, "GET", "localhost", "/_mock/vaults/demo/accessPolicies", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET accessPolicies after reset");
    ck_assert_msg(cJSON_Compare(r.json, fixture_list, true), "reset restores the fixture's list");
    mvt_resp_free(&r);
    cJSON_Delete(fixture_list);
}
END_TEST

/* ---- Suite ---- */

static Suite *authz_policies_suite(void)
{
    Suite *s = suite_create("http-authz-policies");
    TCase *ap = shared_tcase("access-policies", shared_default);
    TCase *control = shared_tcase("control", shared_default);

    tcase_add_loop_test(ap, test_ap_operation_x_permission, 0, NOPS * AP_NVARIANTS);
    tcase_add_test(ap, test_ap_entries_add_up);
    tcase_add_loop_test(ap, test_ap_checks_before_authz, 0,
                        (int)(sizeof ap_order_rows / sizeof ap_order_rows[0]));
    suite_add_tcase(s, ap);

    tcase_add_loop_test(control, test_control_bad_input, 0,
                        (int)(sizeof bad_inputs / sizeof bad_inputs[0]));
    tcase_add_test(control, test_control_unknown_vault_get);
    tcase_add_test(control, test_control_put_get_round_trip);
    tcase_add_test(control, test_control_put_visible_in_state_and_reset);
    suite_add_tcase(s, control);
    return s;
}

int main(void)
{
    return authz_run(authz_policies_suite());
}
