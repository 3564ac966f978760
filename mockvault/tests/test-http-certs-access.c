/* test-http-certs-access.c: who may use certificates, over real TLS
 * (spec/keyvault-certificates.md §5): the access-policy 403 with "certificates {perm}", reading
 * the PFX through /secrets needing the secret permission, the RBAC 403 with the certificate's
 * data action and resource, what Key Vault Reader and Key Vault Certificate User grant, the
 * explanation line and /_mock/authz/needed's certificatePermissions (certs-common.h says how the
 * suites run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs-common.h"

static FILE *log_fp;
static char *flow_tok, *noacc_tok;

static void setup_logged(void)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    log_fp = tmpfile();
    ck_assert_msg(log_fp != NULL, "tmpfile for the log");
    cfg.proxy_port = -1;
    cfg.authz = MV_AUTHZ_ENFORCE;
    cfg.log = log_fp;
    cfg.log_format = MV_LOG_TEXT;
    cstart(&cfg);
    flow_tok = mvt_token(srv, T_FLOW_ID, T_FLOW_SECRET, "https://vault.azure.net/.default");
    noacc_tok =
        mvt_token(srv, C_NOACCESS_ID, C_NOACCESS_SECRET, "https://vault.azure.net/.default");
    ck_assert_msg(flow_tok && noacc_tok, "tokens for the flow and no-access apps");
}

static void teardown_logged(void)
{
    hc_free_token(flow_tok);
    hc_free_token(noacc_tok);
    flow_tok = noacc_tok = NULL;
    cteardown();
    fclose(log_fp);
    log_fp = NULL;
}

static char *read_log(void)
{
    long n;
    char *s;

    fflush(log_fp);
    fseek(log_fp, 0, SEEK_END);
    n = ftell(log_fp);
    s = hc_xmalloc((size_t)n + 1);
    fseek(log_fp, 0, SEEK_SET);
    s[fread(s, 1, (size_t)n, log_fp)] = '\0';
    return s;
}

/* Creates name on host as the admin (Self issuer) and observes its completion. */
static void admin_self(const char *host, const char *name)
{
    struct mvt_resp r;
    char path[200];

    snprintf(path, sizeof path, "/certificates/%s/create", name);
    creq_as(NULL, "POST", host, path, C_SELF_BODY, &r);
    hc_assert_status(&r, 202, "admin create");
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/certificates/%s/", name);
    creq_as(NULL, "GET", host, path, NULL, &r);
    hc_assert_status(&r, 200, "admin get");
    mvt_resp_free(&r);
}

/* The access-policy denial, byte for byte. */
static void assert_ap_denied(const struct mvt_resp *r, const char *family, const char *perm,
                             const char *what)
{
    char want[800];

    hc_assert_status(r, 403, what);
    snprintf(want, sizeof want,
             "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application "
             "'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' does not have %s %s permission "
             "on key vault 'certs-ap;location=westeurope'. For help resolving this issue, please "
             "see https://go.microsoft.com/fwlink/?linkid=2125287\",\"innererror\":{\"code\":"
             "\"AccessDenied\"}}}",
             T_FLOW_ID, C_FLOW_OID, T_TENANT, family, perm);
    hc_assert_body(r, want, true, what);
}

/* Access policies: get and list granted; create, import, delete, update and purge refused with
 * "certificates {perm}"; the PFX through /secrets needs "secrets get". */
START_TEST(test_access_policy)
{
    struct mvt_resp r;
    char *log;

    admin_self(CAP, "c1");
    creq_as(flow_tok, "GET", CAP, "/certificates/c1/", NULL, &r);
    hc_assert_status(&r, 200, "get with certificates get");
    mvt_resp_free(&r);
    creq_as(flow_tok, "GET", CAP, "/certificates", NULL, &r);
    hc_assert_status(&r, 200, "list with certificates list");
    mvt_resp_free(&r);
    creq_as(flow_tok, "POST", CAP, "/certificates/c2/create", C_SELF_BODY, &r);
    assert_ap_denied(&r, "certificates", "create", "create");
    mvt_resp_free(&r);
    creq_as(flow_tok, "POST", CAP, "/certificates/c2/import", "{\"value\":\"x\"}", &r);
    assert_ap_denied(&r, "certificates", "import", "import");
    mvt_resp_free(&r);
    creq_as(flow_tok, "PATCH", CAP, "/certificates/c1/pending", "{\"cancellation_requested\":true}",
            &r);
    assert_ap_denied(&r, "certificates", "update", "cancel");
    mvt_resp_free(&r);
    creq_as(flow_tok, "DELETE", CAP, "/certificates/c1", NULL, &r);
    assert_ap_denied(&r, "certificates", "delete", "delete");
    mvt_resp_free(&r);
    creq_as(flow_tok, "POST", CAP, "/certificates/c1/backup", NULL, &r);
    assert_ap_denied(&r, "certificates", "backup", "backup");
    mvt_resp_free(&r);
    creq_as(flow_tok, "DELETE", CAP, "/deletedcertificates/c1", NULL, &r);
    assert_ap_denied(&r, "certificates", "purge", "purge");
    mvt_resp_free(&r);
    /* The certificate's PFX is a secret: certificate permissions do not read it (spec §5). */
    creq_as(flow_tok, "GET", CAP, "/secrets/c1/", NULL, &r);
    assert_ap_denied(&r, "secrets", "get", "the PFX");
    mvt_resp_free(&r);
    /* One explanation line names the family, the certificate and the fix. */
    log = read_log();
    ck_assert_msg(strstr(log, "authz: denied CreateCertificate on vault certs-ap certificate c2 "
                              "by appid=" T_FLOW_ID) != NULL,
                  "the explanation line of the create");
    ck_assert_msg(strstr(log, "needs certificates permission create; holds certificates [get, "
                              "list]; smallest change: add 'create' to the certificate "
                              "permissions of the access policy for objectId " C_FLOW_OID) != NULL,
                  "the explanation names what is held and the fix");
    free(log);
}
END_TEST

/* The RBAC denial, byte for byte, for action on resource (NULL: the vault). */
static void assert_rbac_denied(const struct mvt_resp *r, const char *oid, const char *appid,
                               const char *action, const char *object, const char *what)
{
    char want[1500];

    hc_assert_status(r, 403, what);
    snprintf(want, sizeof want,
             "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized to "
             "perform action on resource.\\r\\nIf role assignments, deny assignments or role "
             "definitions were changed recently, please observe propagation time.\\r\\nCaller: "
             "appid=%s;oid=%s;iss=https://sts.windows.net/%s/\\r\\nAction: "
             "'Microsoft.KeyVault/vaults/%s'\\r\\nResource: '/subscriptions/"
             "00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/providers/"
             "microsoft.keyvault/vaults/certs-rbac%s%s'\\r\\nAssignment: (not found)\\r\\n"
             "DenyAssignmentId: null\\r\\nDecisionReason: null \\r\\nVault: "
             "certs-rbac;location=westeurope\\r\\n\",\"innererror\":{\"code\":"
             "\"ForbiddenByRbac\"}}}",
             appid, oid, T_TENANT, action, object ? "/certificates/" : "", object ? object : "");
    hc_assert_body(r, want, true, what);
}

/* RBAC: Certificate User at /certificates/c1 reads c1 only; Reader reads certificates but not
 * the PFX and creates nothing; the denials carry the certificates' data actions. */
START_TEST(test_rbac)
{
    struct mvt_resp r;

    admin_self(CRB, "c1");
    admin_self(CRB, "c2");
    creq_as(flow_tok, "GET", CRB, "/certificates/c1/", NULL, &r);
    hc_assert_status(&r, 200, "Certificate User at its certificate");
    mvt_resp_free(&r);
    creq_as(flow_tok, "GET", CRB, "/certificates/c1/pending", NULL, &r);
    hc_assert_status(&r, 200, "its operation");
    mvt_resp_free(&r);
    creq_as(flow_tok, "GET", CRB, "/certificates/c2/", NULL, &r);
    assert_rbac_denied(&r, C_FLOW_OID, T_FLOW_ID, "certificates/read", "c2", "another certificate");
    mvt_resp_free(&r);
    creq_as(flow_tok, "POST", CRB, "/certificates/c1/import", "{\"value\":\"x\"}", &r);
    assert_rbac_denied(&r, C_FLOW_OID, T_FLOW_ID, "certificates/import/action", "c1", "import");
    mvt_resp_free(&r);
    creq_as(flow_tok, "GET", CRB, "/certificates", NULL, &r);
    assert_rbac_denied(&r, C_FLOW_OID, T_FLOW_ID, "certificates/read", NULL, "list at the vault");
    mvt_resp_free(&r);
    /* Key Vault Reader: every family's read data action, no secret value. */
    creq_as(noacc_tok, "GET", CRB, "/certificates", NULL, &r);
    hc_assert_status(&r, 200, "Reader lists certificates");
    mvt_resp_free(&r);
    creq_as(noacc_tok, "GET", CRB, "/certificates/c2/", NULL, &r);
    hc_assert_status(&r, 200, "Reader reads a certificate");
    mvt_resp_free(&r);
    creq_as(noacc_tok, "POST", CRB, "/certificates/c3/create", C_SELF_BODY, &r);
    assert_rbac_denied(&r, C_NOACCESS_OID, C_NOACCESS_ID, "certificates/create/action", "c3",
                       "Reader creates");
    mvt_resp_free(&r);
    creq_as(noacc_tok, "POST", CRB, "/certificates/restore", "{\"value\":\"x\"}", &r);
    assert_rbac_denied(&r, C_NOACCESS_OID, C_NOACCESS_ID, "certificates/restore/action", NULL,
                       "restore needs the vault scope");
    mvt_resp_free(&r);
}
END_TEST

/* /_mock/authz/needed: certificatePermissions on access-policy vaults, and the smallest role at
 * the certificate's scope on RBAC vaults. */
START_TEST(test_needed_report)
{
    struct mvt_resp r;
    const cJSON *p, *v;

    admin_self(CAP, "c1");
    admin_self(CRB, "c1");
    creq_as(flow_tok, "GET", CAP, "/certificates/c1/", NULL, &r);
    mvt_resp_free(&r);
    creq_as(flow_tok, "GET", CAP, "/certificates", NULL, &r);
    mvt_resp_free(&r);
    creq_as(flow_tok, "GET", CRB, "/certificates/c1/", NULL, &r);
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/authz/needed", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "needed");
    p = NULL;
    for (const cJSON *it = hc_jget(r.json, "principals")->child; it; it = it->next)
        if (strcmp(hc_jstr(it, "oid"), C_FLOW_OID) == 0)
            p = it;
    ck_assert_msg(p != NULL, "the flow principal is in the report");
    for (v = hc_jget(p, "vaults")->child; v; v = v->next) {
        if (strcmp(hc_jstr(v, "vault"), "certs-ap") == 0) {
            const cJSON *cp = hc_jget(v, "certificatePermissions");
            ck_assert_int_eq(cJSON_GetArraySize(cp), 2);
            ck_assert_str_eq(cJSON_GetArrayItem(cp, 0)->valuestring, "get");
            ck_assert_str_eq(cJSON_GetArrayItem(cp, 1)->valuestring, "list");
        } else {
            char *t = cJSON_PrintUnformatted(hc_jget(v, "roleAssignments"));
            ck_assert_str_eq(t, "[{\"role\":\"Key Vault Reader\",\"scope\":\"/certificates/c1\"}]");
            free(t);
        }
    }
    mvt_resp_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-access");
    TCase *tc = tcase_create("access");

    tcase_add_checked_fixture(tc, setup_logged, teardown_logged);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_access_policy);
    tcase_add_test(tc, test_rbac);
    tcase_add_test(tc, test_needed_report);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
