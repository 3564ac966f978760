/* test-http-authz-rbac.c: RBAC (authz-common.h says how the suites run): every built-in role x
 * every operation x scope {vault, the secret the operation targets, another secret}, with the
 * exact ForbiddenByRbac body or the assignment-id header; no assignment; access policies on an
 * RBAC vault; scope case; and purge protection on the default fixture's rbac-demo. */
#include <stdio.h>
#include <string.h>

#include "authz-common.h"

static const char purge_protected_msg[] =
    "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key "
    "Vault service will automatically purge it after the retention period has passed. Vault: "
    "rbac-demo;location=westeurope";

/* The built-in roles' secret data actions: Reader readMetadata only; Secrets User getSecret and
 * readMetadata; Officer and Administrator every secret action. */
static const struct role {
    const char *name;
    bool every_action, get, metadata;
} roles[] = {
    {"Key Vault Administrator", true, true, true},
    {"Key Vault Secrets Officer", true, true, true},
    {"Key Vault Secrets User", false, true, true},
    {"Key Vault Reader", false, false, true},
};
#define NROLES ((int)(sizeof roles / sizeof roles[0]))

/* Scopes: the vault, the secret the operation targets, another secret. */
enum { SCOPE_VAULT, SCOPE_TARGET, SCOPE_OTHER, NSCOPES };

static const char *scope_of(int which, const struct op *o, char *buf, size_t n)
{
    if (which == SCOPE_VAULT)
        return "/";
    snprintf(buf, n, "/secrets/%s", which == SCOPE_TARGET ? op_target(o) : OTHER);
    return buf;
}

static bool role_allows(const struct role *ro, const struct op *o)
{
    if (ro->every_action)
        return true;
    if (strcmp(o->action, "getSecret/action") == 0)
        return ro->get;
    if (strcmp(o->action, "readMetadata/action") == 0)
        return ro->metadata;
    return false;
}

static bool scope_applies(int which, const struct op *o)
{
    return which == SCOPE_VAULT || (which == SCOPE_TARGET && o->on_secret);
}

/* The smallest built-in role that grants o's action. */
static const char *smallest_role_for(const struct op *o)
{
    if (strcmp(o->action, "readMetadata/action") == 0)
        return "Key Vault Reader";
    if (strcmp(o->action, "getSecret/action") == 0)
        return "Key Vault Secrets User";
    return "Key Vault Secrets Officer";
}

/* ---- 2. RBAC ---- */

START_TEST(test_rbac_role_x_operation_x_scope)
{
    const struct role *ro = &roles[_i / (NOPS * NSCOPES)];
    const struct op *o = &ops[(_i / NSCOPES) % NOPS];
    char sb[200];
    const char *scope = scope_of(_i % NSCOPES, o, sb, sizeof sb);
    bool allowed = role_allows(ro, o) && scope_applies(_i % NSCOPES, o);
    char list[1024], what[200], want[2048], hb[128];
    struct mvt_resp r;
    char *s0 = NULL, *s1;
    size_t mark;

    snprintf(what, sizeof what, "%s: '%s' at %s", o->name, ro->name, scope);
    snprintf(list, sizeof list,
             "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID
             "\",\"role\":\"%s\",\"scope\":\"%s\"}]",
             ro->name, scope);
    put_access("rbac-demo", "roleAssignments", list);
    if (!allowed)
        s0 = state_of();
    mark = log_size();
    run_op(RBAC, o, flow_tok, &r);
    if (allowed) {
        const char *id;
        assert_explained(mark, NULL, what);
        hc_assert_status(&r, o->ok_status, what);
        id = mvt_header(&r, "x-ms-keyvault-rbac-assignment-id", hb, sizeof hb);
        ck_assert_msg(id != NULL, "%s: x-ms-keyvault-rbac-assignment-id missing", what);
        ck_assert_msg(is_hex32(id), "%s: x-ms-keyvault-rbac-assignment-id '%s' is not 32 hex", what,
                      id);
    } else {
        char needs[128], holds[256], change[256], explain[1024];
        snprintf(needs, sizeof needs, "action " ACT "%s", o->action);
        snprintf(holds, sizeof holds, "'%s' at %s", ro->name, scope);
        snprintf(change, sizeof change, "assign '%s' to principalId " T_FLOW_OID " at scope %s%s",
                 smallest_role_for(o), o->on_secret ? "/secrets/" : "/",
                 o->on_secret ? op_target(o) : "");
        explain_line(explain, sizeof explain, "rbac-demo", o, needs, holds, change);
        assert_explained(mark, explain, what);
        hc_assert_status(&r, 403, what);
        rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, o->action,
                         o->on_secret ? op_target(o) : NULL);
        hc_assert_body(&r, want, true, what);
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", what);
        hc_assert_no_header(&r, "x-ms-keyvault-rbac-assignment-id", what);
        s1 = state_of();
        ck_assert_msg(strcmp(s0, s1) == 0, "%s: the denied request changed the state", what);
        free(s1);
    }
    mvt_resp_free(&r);
    free(s0);
}
END_TEST

/* No assignment for the principal (only the admin's): every operation is ForbiddenByRbac. */
START_TEST(test_rbac_no_assignment)
{
    const struct op *o = &ops[_i];
    char what[160], want[2048], needs[128], change[256], explain[1024];
    struct mvt_resp r;
    size_t mark;

    snprintf(what, sizeof what, "%s without any assignment", o->name);
    put_access("rbac-demo", "roleAssignments", "[" ADMIN_ROLE "]");
    mark = log_size();
    run_op(RBAC, o, flow_tok, &r);
    snprintf(needs, sizeof needs, "action " ACT "%s", o->action);
    snprintf(change, sizeof change, "assign '%s' to principalId " T_FLOW_OID " at scope %s%s",
             smallest_role_for(o), o->on_secret ? "/secrets/" : "/",
             o->on_secret ? op_target(o) : "");
    explain_line(explain, sizeof explain, "rbac-demo", o, needs, "no role assignment in this vault",
                 change);
    assert_explained(mark, explain, what);
    hc_assert_status(&r, 403, what);
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, o->action,
                     o->on_secret ? op_target(o) : NULL);
    hc_assert_body(&r, want, true, what);
    mvt_resp_free(&r);
}
END_TEST

/* An access policy on an RBAC vault grants nothing (the model decides). */
START_TEST(test_rbac_vault_ignores_access_policies)
{
    struct mvt_resp r;
    char p[200], want[2048];

    put_access("rbac-demo", "roleAssignments", "[" ADMIN_ROLE "]");
    put_access("rbac-demo", "accessPolicies",
               "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[\"all\"]}}]");
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets", NULL), flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, 403, "list on an RBAC vault with an access policy only");
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, "readMetadata/action", NULL);
    hc_assert_body(&r, want, true, "list on an RBAC vault with an access policy only");
    mvt_resp_free(&r);
}
END_TEST

/* Secret names, and so secret scopes, are case-insensitive; a denial for a secret that does not
 * exist is still ForbiddenByRbac on that secret (no 404 to a denied caller). */
START_TEST(test_rbac_scope_case_and_missing_secret)
{
    struct mvt_resp r;
    char p[200], want[2048];

    admin_call(RBAC, "PUT", "/secrets/" TARGET, "{\"value\":\"authz-target-value\"}", 200,
               "precondition: set", NULL);
    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "User\",\"scope\":\"/secrets/AUTHZ-Target\"}]");
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/" TARGET, NULL), flow_tok, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "scope /secrets/AUTHZ-Target reaches authz-target");
    mvt_resp_free(&r);
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/Authz-TARGET", NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 200, "scope reaches Authz-TARGET");
    mvt_resp_free(&r);

    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/no-such-secret", NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 403, "GET of a missing secret outside the scope");
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, "getSecret/action",
                     "no-such-secret");
    hc_assert_body(&r, want, true, "GET of a missing secret outside the scope");
    mvt_resp_free(&r);

    /* Allowed but failing: the assignment id is sent on successful calls only (spec §4). */
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/no-such-secret", NULL), admin_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 404, "admin GET of a missing secret");
    ck_assert_str_eq(hc_err_code(&r), "SecretNotFound");
    hc_assert_no_header(&r, "x-ms-keyvault-rbac-assignment-id", "admin GET of a missing secret");
    mvt_resp_free(&r);
}
END_TEST

/* The default fixture's rbac-demo has purge protection: a purge the role allows is refused for
 * that reason (spec §2 "Purge while purge protection is on"); a role that does not allow it is
 * refused by RBAC first. */
START_TEST(test_rbac_purge_protection)
{
    struct mvt_resp r;
    char p[200], want[2048];

    admin_call(RBAC, "PUT", "/secrets/" TARGET, "{\"value\":\"authz-target-value\"}", 200,
               "precondition: set", NULL);
    admin_call(RBAC, "DELETE", "/secrets/" TARGET, NULL, 200, "precondition: delete", NULL);

    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "Officer\",\"scope\":\"/\"}]");
    kreq(srv, "DELETE", RBAC, hc_path(p, sizeof p, "/deletedsecrets/" TARGET, NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 403, "purge allowed by the role, purge protection on");
    ck_assert_str_eq(hc_err_code(&r), "Forbidden");
    ck_assert_msg(hc_jstr(r.json, "error.message") &&
                      strcmp(hc_jstr(r.json, "error.message"), purge_protected_msg) == 0,
                  "purge protection message: got %s", hc_jstr(r.json, "error.message"));
    ck_assert_msg(!hc_has(r.json, "error.innererror") ||
                      strcmp(hc_jstr(r.json, "error.innererror.code")
                                 ? hc_jstr(r.json, "error.innererror.code")
                                 : "",
                             "ForbiddenByRbac") != 0,
                  "purge protection is not an RBAC denial");
    mvt_resp_free(&r);

    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "User\",\"scope\":\"/\"}]");
    kreq(srv, "DELETE", RBAC, hc_path(p, sizeof p, "/deletedsecrets/" TARGET, NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 403, "purge not allowed by the role");
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, "purge/action", TARGET);
    hc_assert_body(&r, want, true, "purge not allowed by the role");
    mvt_resp_free(&r);
}
END_TEST

/* ---- Suite ---- */

static Suite *authz_rbac_suite(void)
{
    Suite *s = suite_create("http-authz-rbac");
    TCase *rbac = shared_tcase("rbac", shared_rbac);
    TCase *rbac_default = shared_tcase("rbac-default-fixture", shared_default);

    tcase_add_loop_test(rbac, test_rbac_role_x_operation_x_scope, 0, NROLES * NOPS * NSCOPES);
    tcase_add_loop_test(rbac, test_rbac_no_assignment, 0, NOPS);
    tcase_add_test(rbac, test_rbac_vault_ignores_access_policies);
    tcase_add_test(rbac, test_rbac_scope_case_and_missing_secret);
    suite_add_tcase(s, rbac);

    tcase_add_test(rbac_default, test_rbac_purge_protection);
    suite_add_tcase(s, rbac_default);
    return s;
}

int main(void)
{
    return authz_run(authz_rbac_suite());
}
