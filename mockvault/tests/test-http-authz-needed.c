/* test-http-authz-needed.c: what the mock tells about a principal's access (authz-common.h says
 * how the suites run): denial -> grant through the control API -> success, with the one
 * explanation line; --authz audit and off; and GET /_mock/authz/needed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz-common.h"

/* ---- 3. Denial -> grant at runtime -> success, with the explanation line ---- */

START_TEST(test_explain_access_policy_deny_grant)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], want[2048], line[2048], *log, *list;
    struct mvt_resp r;
    cJSON *arr;
    size_t mark;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 403, "no-access-app GET db-password");
    access_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "get", "demo");
    hc_assert_body(&r, want, true, "no-access-app GET db-password");
    mvt_resp_free(&r);

    log = read_log(mark);
    ck_assert_msg(log_lines(log, "authz: ", line, sizeof line) == 1,
                  "exactly one authz line per denial, got %d", log_lines(log, "authz: ", NULL, 0));
    assert_line_ends_with(
        line,
        "authz: denied GetSecret on vault demo secret db-password by appid=" T_NOACCESS_ID
        " oid=" T_NOACCESS_OID " ('no-access-app'): needs secrets permission get; holds no access "
        "policy entry; smallest change: add an access policy for objectId " T_NOACCESS_OID
        " with secret permissions [get]",
        "access policy denial");
    free(log);

    /* Grant: the current list plus the suggested entry. */
    kreq(srv, "GET", "localhost", "/_mock/vaults/demo/accessPolicies", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET accessPolicies");
    arr = cJSON_Duplicate(r.json, true);
    mvt_resp_free(&r);
    ck_assert_msg(cJSON_IsArray(arr), "accessPolicies is an array");
    cJSON_AddItemToArray(arr, cJSON_Parse("{\"objectId\":\"" T_NOACCESS_OID
                                          "\",\"permissions\":{\"secrets\":[\"get\"]}}"));
    list = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    put_access("demo", "accessPolicies", list);
    free(list);

    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "no-access-app GET db-password after the grant");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", NULL, 0), 0);
    free(log);

    /* Still only get: a list is denied, and the line says what the principal holds now. */
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets", NULL), noacc, NULL, NULL, &r);
    hc_assert_status(&r, 403, "no-access-app list with get only");
    access_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "list", "demo");
    hc_assert_body(&r, want, true, "no-access-app list with get only");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", line, sizeof line), 1);
    assert_line_ends_with(line,
                          "authz: denied GetSecrets on vault demo by appid=" T_NOACCESS_ID
                          " oid=" T_NOACCESS_OID " ('no-access-app'): needs secrets permission "
                          "list; holds secrets [get]; smallest change: add 'list' to the secret "
                          "permissions of the access policy for objectId " T_NOACCESS_OID,
                          "access policy denial with an entry");
    free(log);
    hc_free_token(noacc);
}
END_TEST

START_TEST(test_explain_rbac_deny_grant)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], want[2048], line[2048], hb[128], *log;
    struct mvt_resp r;
    size_t mark;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 403, "no-access-app GET app-config");
    rbac_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "getSecret/action",
                     "app-config");
    hc_assert_body(&r, want, true, "no-access-app GET app-config");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_msg(log_lines(log, "authz: ", line, sizeof line) == 1,
                  "exactly one authz line per denial");
    assert_line_ends_with(
        line,
        "authz: denied GetSecret on vault rbac-demo secret app-config by appid=" T_NOACCESS_ID
        " oid=" T_NOACCESS_OID " ('no-access-app'): needs action " ACT
        "getSecret/action; holds no role assignment in this vault; smallest "
        "change: assign 'Key Vault Secrets User' to principalId " T_NOACCESS_OID
        " at scope /secrets/app-config",
        "RBAC denial");
    free(log);

    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "User\",\"scope\":\"/secrets/app-config\"},{\"principalId\":\"" T_NOACCESS_OID
               "\",\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/app-config\"}]");
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "no-access-app GET app-config after the assignment");
    ck_assert_msg(is_hex32(mvt_header(&r, "x-ms-keyvault-rbac-assignment-id", hb, sizeof hb)),
                  "assignment id header after the grant");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", NULL, 0), 0);
    free(log);

    /* The secret scope does not reach a list: the line names what the principal holds. */
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets", NULL), noacc, NULL, NULL, &r);
    hc_assert_status(&r, 403, "no-access-app list with a secret-scoped assignment");
    rbac_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "readMetadata/action", NULL);
    hc_assert_body(&r, want, true, "no-access-app list with a secret-scoped assignment");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", line, sizeof line), 1);
    assert_line_ends_with(line,
                          "authz: denied GetSecrets on vault rbac-demo by appid=" T_NOACCESS_ID
                          " oid=" T_NOACCESS_OID " ('no-access-app'): needs action " ACT
                          "readMetadata/action; holds 'Key Vault Secrets User' at "
                          "/secrets/app-config; smallest change: assign 'Key Vault Reader' to "
                          "principalId " T_NOACCESS_OID " at scope /",
                          "RBAC denial with an assignment");
    free(log);
    hc_free_token(noacc);
}
END_TEST

/* ---- 4. --authz audit and off ---- */

START_TEST(test_audit_allows_and_logs)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], line[2048], *log;
    struct mvt_resp r;
    size_t mark;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "audit: no-access-app GET db-password");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", line, sizeof line), 1);
    assert_line_ends_with(
        line,
        "authz: would deny (audit) GetSecret on vault demo secret db-password by "
        "appid=" T_NOACCESS_ID " oid=" T_NOACCESS_OID
        " ('no-access-app'): needs secrets permission get; holds no access "
        "policy entry; smallest change: add an access policy for objectId " T_NOACCESS_OID
        " with secret permissions [get]",
        "audit line");
    ck_assert_int_eq(log_lines(log, "authz: denied", NULL, 0), 0);
    free(log);

    /* RBAC too. */
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets", NULL), noacc, NULL, NULL, &r);
    hc_assert_status(&r, 200, "audit: no-access-app list on rbac-demo");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(
        log_lines(log, "authz: would deny (audit) GetSecrets on vault rbac-demo", NULL, 0), 1);
    free(log);

    /* An allowed request logs nothing. */
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), admin_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 200, "audit: admin GET");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", NULL, 0), 0);
    free(log);
    hc_free_token(noacc);
}
END_TEST

START_TEST(test_off_allows_silently)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], *log;
    struct mvt_resp r;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "off: no-access-app GET db-password");
    mvt_resp_free(&r);
    kreq(srv, "DELETE", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "off: no-access-app DELETE on rbac-demo");
    mvt_resp_free(&r);
    log = read_log(0);
    /* The log is captured (the request lines are there), and has no authz line. */
    ck_assert_int_ge(log_lines(log, " op=GetSecret ", NULL, 0), 1);
    ck_assert_int_ge(log_lines(log, " op=DeleteSecret ", NULL, 0), 1);
    ck_assert_int_eq(log_lines(log, "authz:", NULL, 0), 0);
    free(log);
    hc_free_token(noacc);
}
END_TEST

/* ---- 5. GET /_mock/authz/needed ---- */

/* The flow principal's entry for vault in the needed report (owned by report), or NULL. */
static const cJSON *needed_for(const cJSON *report, const char *oid, const char *vault)
{
    const cJSON *p, *v;

    cJSON_ArrayForEach(p, hc_jget(report, "principals")) {
        if (!hc_jstr(p, "oid") || strcasecmp(hc_jstr(p, "oid"), oid) != 0)
            continue;
        cJSON_ArrayForEach(v, hc_jget(p, "vaults")) {
            if (hc_jstr(v, "vault") && strcmp(hc_jstr(v, "vault"), vault) == 0)
                return v;
        }
    }
    return NULL;
}

static cJSON *get_needed(void)
{
    struct mvt_resp r;
    cJSON *j;

    kreq(srv, "GET", "localhost", "/_mock/authz/needed", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/authz/needed");
    j = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    ck_assert_msg(j != NULL, "needed: JSON body");
    return j;
}

static void flow_get(const char *path, long want)
{
    struct mvt_resp r;
    char p[200];

    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, path, NULL), flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, want, path);
    mvt_resp_free(&r);
}

START_TEST(test_needed_get_and_list)
{
    cJSON *rep;
    const cJSON *v;

    put_access("demo", "accessPolicies",
               "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID
               "\",\"permissions\":{\"secrets\":[\"all\"]}}]");
    flow_get("/secrets/db-password", 200);
    flow_get("/secrets", 200);
    flow_get("/secrets/db-password", 200);
    rep = get_needed();
    v = needed_for(rep, T_FLOW_OID, "demo");
    ck_assert_msg(v != NULL, "needed: an entry for the flow principal on demo");
    ck_assert_str_eq(hc_jstr(v, "permissionModel") ? hc_jstr(v, "permissionModel") : "",
                     "accessPolicy");
    assert_json_eq(hc_jget(v, "secretPermissions"), "[\"get\",\"list\"]", "secretPermissions");
    /* The list needs the vault scope; get needs Secrets User: one assignment at "/". */
    assert_json_eq(hc_jget(v, "roleAssignments"),
                   "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/\"}]", "roleAssignments");
    /* The principal is named (DESIGN §7 "per principal"). */
    {
        const cJSON *p;
        bool named = false;
        cJSON_ArrayForEach(p, hc_jget(rep, "principals")) {
            if (hc_jstr(p, "oid") && strcmp(hc_jstr(p, "oid"), T_FLOW_OID) == 0)
                named = hc_jstr(p, "appid") && strcmp(hc_jstr(p, "appid"), T_FLOW_ID) == 0 &&
                        hc_jstr(p, "displayName") &&
                        strcmp(hc_jstr(p, "displayName"), "automation-flow") == 0;
        }
        ck_assert_msg(named, "needed: the flow principal with its appid and displayName");
    }
    cJSON_Delete(rep);

    /* Reset clears the record. */
    reset();
    rep = get_needed();
    ck_assert_msg(needed_for(rep, T_FLOW_OID, "demo") == NULL, "needed: cleared by reset");
    ck_assert_msg(cJSON_IsArray(hc_jget(rep, "principals")), "needed: principals array");
    cJSON_Delete(rep);
}
END_TEST

START_TEST(test_needed_gets_of_one_secret)
{
    cJSON *rep;
    const cJSON *v;

    /* The default fixture gives the flow principal get on demo. */
    flow_get("/secrets/db-password", 200);
    flow_get("/secrets/db-password/", 200);
    flow_get("/secrets", 403); /* denied: not used, not recorded */
    rep = get_needed();
    v = needed_for(rep, T_FLOW_OID, "demo");
    ck_assert_msg(v != NULL, "needed: an entry for the flow principal on demo");
    assert_json_eq(hc_jget(v, "secretPermissions"), "[\"get\"]", "secretPermissions");
    assert_json_eq(hc_jget(v, "roleAssignments"),
                   "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/db-password\"}]",
                   "roleAssignments");
    cJSON_Delete(rep);

    ck_assert_int_eq(reset_status(), 200);
    rep = get_needed();
    ck_assert_msg(needed_for(rep, T_FLOW_OID, "demo") == NULL, "needed: cleared by reset");
    cJSON_Delete(rep);
}
END_TEST

/* Table: what the flow principal does (with "all" on demo), and the minimal policy reported:
 * access-policy permissions, and the smallest roles (one at "/" as soon as anything needed the
 * vault scope, otherwise one per secret). Compared as sets. */
static const struct {
    const char *label;
    const char *steps[4][3]; /* method, path (api-version added), body */
    const char *perms, *roles;
} needed_rows[] = {
    {"list only",
     {{"GET", "/secrets", NULL}},
     "[\"list\"]",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/\"}]"},
    {"gets of two secrets",
     {{"GET", "/secrets/db-password", NULL}, {"GET", "/secrets/api-key", NULL}},
     "[\"get\"]",
     "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/db-password\"},"
     "{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/api-key\"}]"},
    {"set one, get another",
     {{"PUT", "/secrets/authz-new", "{\"value\":\"v\"}"}, {"GET", "/secrets/db-password", NULL}},
     "[\"get\",\"set\"]",
     "[{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/authz-new\"},"
     "{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/db-password\"}]"},
    {"versions of one secret",
     {{"GET", "/secrets/db-password/versions", NULL}},
     "[\"list\"]",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/secrets/db-password\"}]"},
    {"a deleted secret's metadata",
     {{"GET", "/deletedsecrets/old-secret", NULL}},
     "[\"get\"]",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/secrets/old-secret\"}]"},
    {"list deleted, delete one",
     {{"GET", "/deletedsecrets", NULL}, {"DELETE", "/secrets/api-key", NULL}},
     "[\"list\",\"delete\"]",
     "[{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/\"}]"},
    {"backup and recover",
     {{"POST", "/secrets/api-key/backup", ""}, {"POST", "/deletedsecrets/old-secret/recover", ""}},
     "[\"backup\",\"recover\"]",
     "[{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/api-key\"},"
     "{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/old-secret\"}]"},
};

/* Same elements, in any order. */
static void assert_json_set_eq(const cJSON *got, const char *want, const char *what)
{
    cJSON *w = cJSON_Parse(want);
    char *g = got ? cJSON_PrintUnformatted(got) : NULL;
    bool same =
        cJSON_IsArray(got) && cJSON_IsArray(w) && cJSON_GetArraySize(got) == cJSON_GetArraySize(w);
    const cJSON *it, *jt;

    ck_assert_msg(w != NULL, "%s: bad expectation", what);
    cJSON_ArrayForEach(it, w) {
        bool found = false;
        cJSON_ArrayForEach(jt, got) {
            if (cJSON_Compare(it, jt, true))
                found = true;
        }
        same = same && found;
    }
    ck_assert_msg(same, "%s: got %s, want (any order) %s", what, g ? g : "(missing)", want);
    free(g);
    cJSON_Delete(w);
}

START_TEST(test_needed_table)
{
    cJSON *rep;
    const cJSON *v;
    char what[200];

    put_access("demo", "accessPolicies",
               "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID
               "\",\"permissions\":{\"secrets\":[\"all\"]}}]");
    for (int k = 0; k < 4 && needed_rows[_i].steps[k][0]; k++) {
        struct mvt_resp r;
        char p[200];
        kreq(srv, needed_rows[_i].steps[k][0], DEMO,
             hc_path(p, sizeof p, needed_rows[_i].steps[k][1], NULL), flow_tok, NULL,
             needed_rows[_i].steps[k][2], &r);
        snprintf(what, sizeof what, "%s: %s %s", needed_rows[_i].label, needed_rows[_i].steps[k][0],
                 needed_rows[_i].steps[k][1]);
        ck_assert_msg(r.status >= 200 && r.status < 300, "%s: status %ld (error %s)", what,
                      r.status, hc_err_code(&r));
        mvt_resp_free(&r);
    }
    rep = get_needed();
    v = needed_for(rep, T_FLOW_OID, "demo");
    ck_assert_msg(v != NULL, "%s: an entry for the flow principal on demo", needed_rows[_i].label);
    snprintf(what, sizeof what, "%s: secretPermissions", needed_rows[_i].label);
    assert_json_set_eq(hc_jget(v, "secretPermissions"), needed_rows[_i].perms, what);
    snprintf(what, sizeof what, "%s: roleAssignments", needed_rows[_i].label);
    assert_json_set_eq(hc_jget(v, "roleAssignments"), needed_rows[_i].roles, what);
    cJSON_Delete(rep);
}
END_TEST

/* Under audit the would-be denials are recorded too: run a flow in audit, then read the policy
 * it needs. */
START_TEST(test_needed_in_audit)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200];
    struct mvt_resp r;
    cJSON *rep;
    const cJSON *v;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "audit GET app-config");
    mvt_resp_free(&r);
    rep = get_needed();
    v = needed_for(rep, T_NOACCESS_OID, "rbac-demo");
    ck_assert_msg(v != NULL, "needed: the audited principal on rbac-demo");
    ck_assert_str_eq(hc_jstr(v, "permissionModel") ? hc_jstr(v, "permissionModel") : "", "rbac");
    assert_json_eq(hc_jget(v, "secretPermissions"), "[\"get\"]", "secretPermissions");
    assert_json_eq(hc_jget(v, "roleAssignments"),
                   "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/app-config\"}]",
                   "roleAssignments");
    cJSON_Delete(rep);
    hc_free_token(noacc);
}
END_TEST

/* ---- Suite ---- */

static Suite *authz_needed_suite(void)
{
    Suite *s = suite_create("http-authz-needed");
    TCase *explain = logged_tcase("explain", logged_enforce);
    TCase *audit = logged_tcase("audit", logged_audit);
    TCase *off = logged_tcase("off", logged_off);
    TCase *needed = shared_tcase("needed", shared_default);

    tcase_add_test(explain, test_explain_access_policy_deny_grant);
    tcase_add_test(explain, test_explain_rbac_deny_grant);
    suite_add_tcase(s, explain);

    tcase_add_test(audit, test_audit_allows_and_logs);
    tcase_add_test(audit, test_needed_in_audit);
    suite_add_tcase(s, audit);

    tcase_add_test(off, test_off_allows_silently);
    suite_add_tcase(s, off);

    tcase_add_test(needed, test_needed_get_and_list);
    tcase_add_test(needed, test_needed_gets_of_one_secret);
    tcase_add_loop_test(needed, test_needed_table, 0,
                        (int)(sizeof needed_rows / sizeof needed_rows[0]));
    suite_add_tcase(s, needed);
    return s;
}

int main(void)
{
    return authz_run(authz_needed_suite());
}
