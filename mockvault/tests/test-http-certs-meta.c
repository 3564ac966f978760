/* test-http-certs-meta.c: a certificate's policy, the vault's certificate contacts and issuers
 * over real TLS (spec/keyvault-certificates.md §2 Policy, §3 Policy/Contacts/Issuers, §5, test row
 * 15): recorded shapes and 404 texts, partial policy update, the issuer's password never returned,
 * "zip":0, created kept by PUT, merge by PATCH, the reserved issuer names, and the permissions
 * (certmeta-common.h says how the suites run). */
#include "certmeta-common.h"

#define ISSUER_BODY                                                                                \
    "{\"provider\":\"Test\",\"credentials\":{\"account_id\":\"keyvaultuser\",\"pwd\":"             \
    "\"issuer-pw-7781\"},\"org_details\":{\"admin_details\":[{\"first_name\":\"John\","            \
    "\"last_name\":\"Doe\",\"email\":\"admin@microsoft.com\",\"phone\":\"4255555555\"}]}}"

/* Row 15: no contacts and an unknown issuer answer the recorded 404s byte for byte (68 and 75
 * bytes). */
START_TEST(test_row15_not_found)
{
    struct mvt_resp r;
    static const char contacts[] =
        "{\"error\":{\"code\":\"ContactsNotFound\",\"message\":\"Contacts not found\"}}";
    static const char issuer[] =
        "{\"error\":{\"code\":\"CertificateIssuerNotFound\",\"message\":\"Issuer not found\"}}";

    creq("GET", "/certificates/contacts", NULL, &r);
    hc_assert_status(&r, 404, "GET contacts with none");
    hc_assert_body(&r, contacts, true, "ContactsNotFound");
    ck_assert_uint_eq(r.len, 68);
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/contacts", NULL, &r);
    hc_assert_status(&r, 404, "DELETE contacts with none");
    hc_assert_body(&r, contacts, true, "ContactsNotFound on delete");
    mvt_resp_free(&r);
    creq("GET", "/certificates/issuers/none", NULL, &r);
    hc_assert_status(&r, 404, "GET unknown issuer");
    hc_assert_body(&r, issuer, true, "CertificateIssuerNotFound");
    ck_assert_uint_eq(r.len, 75);
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/issuers/none", NULL, &r);
    hc_assert_status(&r, 404, "DELETE unknown issuer");
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/issuers/none", "{}", &r);
    hc_assert_status(&r, 404, "PATCH unknown issuer");
    hc_assert_body(&r, issuer, true, "CertificateIssuerNotFound on update");
    mvt_resp_free(&r);
    creq("GET", "/certificates/issuers", NULL, &r);
    hc_assert_status(&r, 200, "empty issuer list");
    hc_assert_body(&r, "{\"value\":[],\"nextLink\":null}", true, "empty list");
    mvt_resp_free(&r);
}
END_TEST

/* §3 Contacts: PUT replaces and answers the list (email, name, phone; omitted when not sent), GET
 * answers it, DELETE answers what it deleted, then 404. */
START_TEST(test_contacts)
{
    struct mvt_resp r;
    char want[600], base[128];
    static const char *const bad[] = {"{}", "{\"contacts\":{}}", "{\"contacts\":[1]}",
                                      "{\"contacts\":[{\"email\":5}]}", "nope"};

    snprintf(want, sizeof want,
             "{\"id\":\"%s/certificates/contacts\",\"contacts\":[{\"email\":\"admin@contoso.com\","
             "\"name\":\"John Doe\",\"phone\":\"1111111111\"},{\"email\":\"ops@contoso.com\"}]}",
             hc_base(srv, CAP, base, sizeof base));
    creq("PUT", "/certificates/contacts",
         "{\"contacts\":[{\"email\":\"admin@contoso.com\",\"name\":\"John Doe\",\"phone\":"
         "\"1111111111\"},{\"email\":\"ops@contoso.com\"}]}",
         &r);
    hc_assert_status(&r, 200, "PUT contacts");
    hc_assert_body(&r, want, true, "PUT contacts body");
    mvt_resp_free(&r);
    creq("GET", "/certificates/contacts", NULL, &r);
    hc_assert_status(&r, 200, "GET contacts");
    hc_assert_body(&r, want, true, "GET contacts body");
    mvt_resp_free(&r);
    /* A refused body changes nothing. */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        creq("PUT", "/certificates/contacts", bad[i], &r);
        hc_assert_status(&r, 400, bad[i]);
        ck_assert_str_eq(hc_err_code(&r), "BadParameter");
        mvt_resp_free(&r);
    }
    creq("DELETE", "/certificates/contacts", NULL, &r);
    hc_assert_status(&r, 200, "DELETE contacts");
    hc_assert_body(&r, want, true, "DELETE answers the deleted list");
    mvt_resp_free(&r);
    creq("GET", "/certificates/contacts", NULL, &r);
    hc_assert_status(&r, 404, "GET contacts after delete");
    ck_assert_str_eq(hc_err_code(&r), "ContactsNotFound");
    mvt_resp_free(&r);
}
END_TEST

/* §3 Issuers: the recorded bundle, pwd never returned anywhere (bodies, list), "zip":0 injected. */
START_TEST(test_issuer_set_get)
{
    struct mvt_resp r;
    char want[900], base[128];
    int64_t now = hc_now(srv);

    creq("PUT", "/certificates/issuers/issuer1", ISSUER_BODY, &r);
    hc_assert_status(&r, 200, "PUT issuer");
    ck_assert_msg(strstr(r.body, "pwd") == NULL && strstr(r.body, "issuer-pw-7781") == NULL,
                  "the password is never returned");
    snprintf(want, sizeof want,
             "{\"id\":\"%s/certificates/issuers/issuer1\",\"provider\":\"Test\",\"credentials\":{"
             "\"account_id\":\"keyvaultuser\"},\"org_details\":{\"zip\":0,\"admin_details\":[{"
             "\"first_name\":\"John\",\"last_name\":\"Doe\",\"email\":\"admin@microsoft.com\","
             "\"phone\":\"4255555555\"}]},\"attributes\":{\"enabled\":true,\"created\":%lld,"
             "\"updated\":%lld}}",
             hc_base(srv, CAP, base, sizeof base), (long long)hc_jint(r.json, "attributes.created"),
             (long long)hc_jint(r.json, "attributes.created"));
    hc_assert_body(&r, want, true, "PUT issuer body");
    ck_assert_int_ge(hc_jint(r.json, "attributes.created"), now);
    ck_assert_int_le(hc_jint(r.json, "attributes.created"), now + 5);
    mvt_resp_free(&r);
    creq("GET", "/certificates/issuers/issuer1", NULL, &r);
    hc_assert_status(&r, 200, "GET issuer");
    hc_assert_body(&r, want, true, "GET issuer body");
    mvt_resp_free(&r);
    /* Issuer names compare case-insensitively, like every Key Vault name. */
    creq("GET", "/certificates/issuers/ISSUER1", NULL, &r);
    hc_assert_status(&r, 200, "GET issuer in another case");
    mvt_resp_free(&r);
    creq("GET", "/certificates/issuers", NULL, &r);
    hc_assert_status(&r, 200, "list issuers");
    ck_assert_msg(strstr(r.body, "pwd") == NULL, "no pwd in the list");
    mvt_resp_free(&r);
}
END_TEST

/* §3 Issuers: PUT over an existing issuer keeps created; PATCH merges (credentials kept when
 * absent, {} only bumps updated); DELETE answers the bundle, then 404. */
START_TEST(test_issuer_put_patch_delete)
{
    struct mvt_resp r;
    int64_t created;

    creq("PUT", "/certificates/issuers/iss", ISSUER_BODY, &r);
    hc_assert_status(&r, 200, "PUT issuer");
    created = hc_jint(r.json, "attributes.created");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":30}");
    creq("PUT", "/certificates/issuers/iss", "{\"provider\":\"Test\"}", &r);
    hc_assert_status(&r, 200, "PUT over it");
    ck_assert_int_eq(hc_jint(r.json, "attributes.created"), created);
    ck_assert_int_ge(hc_jint(r.json, "attributes.updated"), created + 30);
    ck_assert_msg(!hc_has(r.json, "credentials") && !hc_has(r.json, "org_details"),
                  "PUT replaces: no credentials, no org_details");
    mvt_resp_free(&r);
    creq("PUT", "/certificates/issuers/iss", ISSUER_BODY, &r);
    hc_assert_status(&r, 200, "PUT again");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":30}");
    creq("PATCH", "/certificates/issuers/iss", "{}", &r);
    hc_assert_status(&r, 200, "PATCH {}");
    ck_assert_str_eq(hc_jstr(r.json, "credentials.account_id"), "keyvaultuser");
    ck_assert_str_eq(hc_jstr(r.json, "provider"), "Test");
    ck_assert_int_eq(hc_jint(r.json, "attributes.created"), created);
    ck_assert_int_ge(hc_jint(r.json, "attributes.updated"), created + 60);
    ck_assert_int_eq(hc_jint(r.json, "org_details.zip"), 0);
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/issuers/iss",
         "{\"credentials\":{\"account_id\":\"other\"},\"attributes\":{\"enabled\":false}}", &r);
    hc_assert_status(&r, 200, "PATCH credentials and enabled");
    ck_assert_str_eq(hc_jstr(r.json, "credentials.account_id"), "other");
    ck_assert_msg(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")), "disabled");
    ck_assert_str_eq(hc_jstr(r.json, "org_details.admin_details.0.first_name"), "John");
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/issuers/iss", "{\"provider\":\"Test\"}", &r);
    hc_assert_status(&r, 200, "PATCH provider only");
    ck_assert_msg(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")), "enabled kept");
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/issuers/iss", NULL, &r);
    hc_assert_status(&r, 200, "DELETE issuer");
    ck_assert_str_eq(hc_jstr(r.json, "credentials.account_id"), "other");
    ck_assert_msg(strstr(r.body, "pwd") == NULL, "no pwd in the deleted bundle");
    mvt_resp_free(&r);
    creq("GET", "/certificates/issuers/iss", NULL, &r);
    hc_assert_status(&r, 404, "GET after delete");
    ck_assert_str_eq(hc_err_code(&r), "CertificateIssuerNotFound");
    mvt_resp_free(&r);
}
END_TEST

/* §3: the list is sorted by name case-insensitively, {"id","provider"} items, "nextLink":null. */
START_TEST(test_issuer_list_sorted)
{
    static const char *const names[] = {"b-issuer", "A-issuer", "c-issuer"};
    struct mvt_resp r;
    char path[100];
    const cJSON *it;

    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/certificates/issuers/%s", names[i]);
        creq("PUT", path, i == 2 ? "{\"provider\":\"DigiCert\"}" : "{\"provider\":\"Test\"}", &r);
        hc_assert_status(&r, 200, path);
        mvt_resp_free(&r);
    }
    creq("GET", "/certificates/issuers", NULL, &r);
    hc_assert_status(&r, 200, "list");
    hc_assert_keys(r.json, "value,nextLink", "list keys");
    ck_assert_msg(cJSON_IsNull(hc_jget(r.json, "nextLink")), "nextLink null");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 3);
    it = hc_jget(r.json, "value.0");
    hc_assert_keys(it, "id,provider", "list item");
    ck_assert_msg(strstr(hc_jstr(it, "id"), "/certificates/issuers/A-issuer") != NULL, "A first");
    ck_assert_msg(strstr(hc_jstr(r.json, "value.1.id"), "/b-issuer") != NULL, "b second");
    ck_assert_str_eq(hc_jstr(r.json, "value.2.provider"), "DigiCert");
    mvt_resp_free(&r);
}
END_TEST

/* §3 Issuers: "Self" and "Unknown" are reserved (any case); a body without provider, or with
 * members of the wrong type, is refused; nothing changes. */
START_TEST(test_issuer_refusals)
{
    static const char *const reserved[] = {"Self", "unknown", "SELF"};
    static const char *const bad[] = {"{}", "{\"provider\":5}",
                                      "{\"provider\":\"Test\","
                                      "\"credentials\":[]}",
                                      "{\"provider\":\"Test\",\"org_details\":{"
                                      "\"admin_details\":{}}}",
                                      "{\"provider\":\"Test\",\"attributes\":{\"enabled\":1}}"};
    char *before = hc_state(srv), *after, path[100];
    struct mvt_resp r;

    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        snprintf(path, sizeof path, "/certificates/issuers/%s", reserved[i]);
        creq("PUT", path, "{\"provider\":\"Test\"}", &r);
        hc_assert_status(&r, 400, path);
        ck_assert_str_eq(hc_err_code(&r), "BadParameter");
        ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "reserved") != NULL,
                      "the refusal says the name is reserved");
        mvt_resp_free(&r);
        creq("PATCH", path, "{}", &r);
        hc_assert_status(&r, 400, "PATCH reserved");
        mvt_resp_free(&r);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        creq("PUT", "/certificates/issuers/x", bad[i], &r);
        hc_assert_status(&r, 400, bad[i]);
        ck_assert_str_eq(hc_err_code(&r), "BadParameter");
        mvt_resp_free(&r);
    }
    creq("PUT", "/certificates/issuers/bad_name", "{\"provider\":\"Test\"}", &r);
    hc_assert_status(&r, 400, "bad issuer name");
    mvt_resp_free(&r);
    after = hc_state(srv);
    ck_assert_msg(strcmp(before, after) == 0, "refusals change nothing");
    free(before);
    free(after);
}
END_TEST

/* §2/§3 Policy: GET answers "id" first then the stored policy; PATCH merges the members sent
 * (the others kept), bumps updated and keeps created; the certificate's GET shows the same
 * policy. Missing certificate: the long 404. */
START_TEST(test_policy_get_patch)
{
    struct mvt_resp r, b;
    char id[300], base[128];
    int64_t created;

    ccreate("pc", C_POLICY, &b);
    creq("GET", "/certificates/pc/policy", NULL, &r);
    hc_assert_status(&r, 200, "GET policy");
    hc_assert_keys(r.json,
                   "id,key_props,secret_props,x509_props,lifetime_actions,issuer,attributes",
                   "policy keys");
    snprintf(id, sizeof id, "%s/certificates/pc/policy", hc_base(srv, CAP, base, sizeof base));
    ck_assert_str_eq(hc_jstr(r.json, "id"), id);
    ck_assert_str_eq(hc_jstr(r.json, "issuer.name"), "Self");
    ck_assert_int_eq(hc_jint(r.json, "x509_props.validity_months"), 12);
    ck_assert_str_eq(hc_jstr(r.json, "lifetime_actions.0.action.action_type"), "AutoRenew");
    hc_assert_keys(hc_jget(r.json, "attributes"), "enabled,created,updated", "policy attributes");
    created = hc_jint(r.json, "attributes.created");
    /* The policy in the latest bundle is the same document. */
    ck_assert_msg(cJSON_Compare(hc_jget(b.json, "policy"), r.json, true), "bundle policy = GET");
    mvt_resp_free(&r);
    mvt_resp_free(&b);

    hc_clock(srv, "{\"advance\":60}");
    creq(
        "PATCH", "/certificates/pc/policy",
        "{\"secret_props\":{\"contentType\":\"application/x-pem-file\"},\"lifetime_actions\":[{"
        "\"trigger\":{\"days_before_expiry\":30},\"action\":{\"action_type\":\"EmailContacts\"}}]}",
        &r);
    hc_assert_status(&r, 200, "PATCH policy");
    ck_assert_str_eq(hc_jstr(r.json, "id"), id);
    ck_assert_str_eq(hc_jstr(r.json, "secret_props.contentType"), C_PEM);
    ck_assert_int_eq(hc_jint(r.json, "lifetime_actions.0.trigger.days_before_expiry"), 30);
    ck_assert_str_eq(hc_jstr(r.json, "lifetime_actions.0.action.action_type"), "EmailContacts");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "lifetime_actions")), 1);
    /* Members not sent are kept. */
    ck_assert_str_eq(hc_jstr(r.json, "x509_props.subject"), "CN=DefaultPolicy");
    ck_assert_str_eq(hc_jstr(r.json, "key_props.kty"), "RSA");
    ck_assert_str_eq(hc_jstr(r.json, "issuer.name"), "Self");
    ck_assert_int_eq(hc_jint(r.json, "attributes.created"), created);
    ck_assert_int_ge(hc_jint(r.json, "attributes.updated"), created + 60);
    mvt_resp_free(&r);
    creq("GET", "/certificates/pc/policy", NULL, &r);
    hc_assert_status(&r, 200, "GET policy after PATCH");
    ck_assert_str_eq(hc_jstr(r.json, "secret_props.contentType"), C_PEM);
    mvt_resp_free(&r);
    creq("GET", "/certificates/pc/", NULL, &r);
    hc_assert_status(&r, 200, "GET certificate after PATCH");
    ck_assert_str_eq(hc_jstr(r.json, "policy.secret_props.contentType"), C_PEM);
    mvt_resp_free(&r);

    creq("PATCH", "/certificates/pc/policy", "{\"key_props\":{\"kty\":\"DSA\"}}", &r);
    hc_assert_status(&r, 400, "PATCH with a bad kty");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    mvt_resp_free(&r);
    creq("GET", "/certificates/nope/policy", NULL, &r);
    hc_assert_status(&r, 404, "policy of a missing certificate");
    ck_assert_str_eq(hc_err_code(&r), "CertificateNotFound");
    ck_assert_msg(strncmp(hc_jstr(r.json, "error.message"),
                          "A certificate with (name/id) nope was not found", 46) == 0,
                  "the long not-found text");
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/nope/policy", "{}", &r);
    hc_assert_status(&r, 404, "PATCH policy of a missing certificate");
    mvt_resp_free(&r);
}
END_TEST

/* §5 access policies: getissuers reads but does not set; manageissuers covers every issuer
 * operation but not contacts; the denial names the specific permission. */
START_TEST(test_access_policies)
{
    char *flow = mvt_token(srv, T_FLOW_ID, T_FLOW_SECRET, "https://vault.azure.net/.default");
    char *noacc =
        mvt_token(srv, C_NOACCESS_ID, C_NOACCESS_SECRET, "https://vault.azure.net/.default");
    struct mvt_resp r;
    const char *msg;

    ck_assert_msg(flow && noacc, "tokens");
    creq("PUT", "/certificates/issuers/iss", "{\"provider\":\"Test\"}", &r);
    hc_assert_status(&r, 200, "admin sets an issuer");
    mvt_resp_free(&r);
    creq_as(flow, "GET", CAP, "/certificates/issuers/iss", NULL, NULL, &r);
    hc_assert_status(&r, 200, "getissuers reads");
    mvt_resp_free(&r);
    creq_as(flow, "PUT", CAP, "/certificates/issuers/iss", NULL, "{\"provider\":\"Test\"}", &r);
    hc_assert_status(&r, 403, "getissuers does not set");
    msg = hc_jstr(r.json, "error.message");
    ck_assert_msg(msg && strstr(msg, "does not have certificates setissuers permission") != NULL,
                  "the denial names setissuers");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "AccessDenied");
    mvt_resp_free(&r);
    creq_as(flow, "GET", CAP, "/certificates/issuers", NULL, NULL, &r);
    hc_assert_status(&r, 403, "getissuers does not list");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "certificates listissuers") != NULL,
                  "the denial names listissuers");
    mvt_resp_free(&r);
    for (int i = 0; i < 4; i++) {
        static const char *const m[] = {"PUT", "PATCH", "GET", "DELETE"};
        creq_as(noacc, m[i], CAP, "/certificates/issuers/iss", NULL,
                i < 2 ? "{\"provider\":\"Test\"}" : NULL, &r);
        hc_assert_status(&r, 200, m[i]);
        mvt_resp_free(&r);
    }
    creq_as(noacc, "GET", CAP, "/certificates/issuers", NULL, NULL, &r);
    hc_assert_status(&r, 200, "manageissuers lists");
    mvt_resp_free(&r);
    creq_as(noacc, "GET", CAP, "/certificates/contacts", NULL, NULL, &r);
    hc_assert_status(&r, 403, "manageissuers does not cover contacts");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "certificates managecontacts") != NULL,
                  "the denial names managecontacts");
    mvt_resp_free(&r);
    hc_free_token(flow);
    hc_free_token(noacc);
}
END_TEST

/* §5 RBAC: Reader reads issuers (certificatecas/read) but cannot write them; the Certificates
 * Officer manages contacts and issuers. */
START_TEST(test_rbac)
{
    char *flow = mvt_token(srv, T_FLOW_ID, T_FLOW_SECRET, "https://vault.azure.net/.default");
    char *noacc =
        mvt_token(srv, C_NOACCESS_ID, C_NOACCESS_SECRET, "https://vault.azure.net/.default");
    struct mvt_resp r;

    ck_assert_msg(flow && noacc, "tokens");
    creq_as(flow, "PUT", CRB, "/certificates/issuers/iss", NULL, "{\"provider\":\"Test\"}", &r);
    hc_assert_status(&r, 200, "Certificates Officer sets an issuer");
    mvt_resp_free(&r);
    creq_as(flow, "PUT", CRB, "/certificates/contacts", NULL,
            "{\"contacts\":[{\"email\":\"a@contoso.com\"}]}", &r);
    hc_assert_status(&r, 200, "Certificates Officer sets contacts");
    mvt_resp_free(&r);
    creq_as(noacc, "GET", CRB, "/certificates/issuers/iss", NULL, NULL, &r);
    hc_assert_status(&r, 200, "Reader reads an issuer");
    mvt_resp_free(&r);
    creq_as(noacc, "DELETE", CRB, "/certificates/issuers/iss", NULL, NULL, &r);
    hc_assert_status(&r, 403, "Reader cannot delete an issuer");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "ForbiddenByRbac");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"),
                         "Action: 'Microsoft.KeyVault/vaults/certificatecas/delete'") != NULL,
                  "the denial names the data action");
    mvt_resp_free(&r);
    hc_free_token(flow);
    hc_free_token(noacc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-meta");
    TCase *tc = tcase_create("certs-meta");

    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_row15_not_found);
    tcase_add_test(tc, test_contacts);
    tcase_add_test(tc, test_issuer_set_get);
    tcase_add_test(tc, test_issuer_put_patch_delete);
    tcase_add_test(tc, test_issuer_list_sorted);
    tcase_add_test(tc, test_issuer_refusals);
    tcase_add_test(tc, test_policy_get_patch);
    tcase_add_test(tc, test_access_policies);
    tcase_add_test(tc, test_rbac);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
