/* test-certs-ops.c: spec/keyvault-certificates.md test rows 9-15 (cancel and delete of the
 * operation, import of a PFX with a password and its 400s, the exact CertificateNotFound body,
 * delete then create on the deleted name, the contacts and issuer 404s) and §3 around them: PEM
 * import raw and base64 with the PEM secret, merge of the double-base64 x5c Python sends, lists
 * with includePending and versions, update, backup/restore, contacts and issuers round trips.
 * Test material (keys, certificates, PFX, PEM) is made here with GnuTLS (kvc-certs.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cx-base64.h"
#include "kvc-certs.h"
#include "kvc-suite.h"

#define FAM "certificates"

#define UNKNOWN_BODY                                                                               \
    "{\"policy\":{\"x509_props\":{\"subject\":\"CN=kvconform\",\"sans\":{}},"                      \
    "\"issuer\":{\"name\":\"Unknown\"}}}"
#define SELF_BODY                                                                                  \
    "{\"policy\":{\"x509_props\":{\"subject\":\"CN=kvconform\",\"sans\":{}},"                      \
    "\"issuer\":{\"name\":\"Self\"}}}"
/* The recorded import subject (R-2026), rebuilt by the service in .NET X500 order and style. */
#define IMPORT_DN "O=Internet Widgits Pty Ltd,ST=Some-State,C=AU"
#define IMPORT_SUBJECT "O=Internet Widgits Pty Ltd, S=Some-State, C=AU"
#define PEM_POLICY "{\"secret_props\":{\"contentType\":\"application/x-pem-file\"}}"

/* POST /certificates/name/import with value (a JSON string member), pwd (NULL: none) and policy
 * (JSON text, NULL: none); the answer to r. */
static void import(const char *name, const char *value, const char *pwd, const char *policy,
                   struct kvc_resp *r)
{
    cJSON *b = cJSON_CreateObject();
    char path[256], *body;

    cJSON_AddStringToObject(b, "value", value);
    if (pwd)
        cJSON_AddStringToObject(b, "pwd", pwd);
    if (policy)
        cJSON_AddItemToObject(b, "policy", cJSON_Parse(policy));
    body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    snprintf(path, sizeof path, "/certificates/%s/import", name);
    kv("POST", path, body, r);
    free(body);
}

static void make_import(struct kvct_keycert *kc)
{
    ck_assert_msg(kvct_make(kc, IMPORT_DN, 365, false, NULL) == 0, "GnuTLS: no test certificate");
}

/* Row 9: cancel answers inProgress with cancellation_requested, the next GET cancelled; DELETE of
 * the operation returns it; then 404 PendingCertificateNotFound. */
START_TEST(kv_certs_row09_cancel_and_delete_operation)
{
    struct kvc_resp r;
    char name[96], path[256], msg[200];

    kvc_name(name, sizeof name, "c3");
    kvct_create(name, UNKNOWN_BODY, NULL);
    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    kv("PATCH", path, "{\"cancellation_requested\":true}", &r);
    kvc_assert_status(&r, 200, "row 9: cancel");
    ck_assert_msg(cJSON_IsTrue(kvc_jget(r.json, "cancellation_requested")),
                  "row 9: cancellation_requested is not true");
    ck_assert_str_eq(kvc_jstr(r.json, "status"), "inProgress");
    kvc_assert_header(&r, "Retry-After", NULL, "row 9: cancel");
    kvc_resp_free(&r);
    kvct_wait(name, "cancelled", NULL);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "row 9: DELETE pending");
    ck_assert_str_eq(kvc_jstr(r.json, "status"), "cancelled");
    kvc_resp_free(&r);
    kv("GET", path, NULL, &r);
    snprintf(msg, sizeof msg, "Pending Certificate not found: %s", name);
    kvc_assert_error(&r, 404, "PendingCertificateNotFound", NULL, msg, "row 9: GET after DELETE");
    kvc_resp_free(&r);
    kvct_cleanup(name);
}
END_TEST

/* Row 10: import of a PFX with "pwd":"1234": no pending, policy subject rebuilt from the
 * certificate, issuer Unknown, EmailContacts, nbf/exp the certificate's. */
START_TEST(kv_certs_row10_import_pfx_password)
{
    struct kvct_keycert kc;
    struct kvc_resp r;
    char name[96], *pfx, *cer;
    long long nbf, exp;

    kvc_name(name, sizeof name, "c4");
    make_import(&kc);
    pfx = kvct_pfx_b64(&kc, "1234");
    cer = kvct_cer_b64(&kc);
    ck_assert_msg(pfx && cer, "GnuTLS: no PFX");
    import(name, pfx, "1234", NULL, &r);
    kvc_assert_status(&r, 200, "row 10: import");
    kvc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy", "row 10: imported bundle");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "cer"), cer) == 0, "row 10: cer is not the imported one");
    kvct_assert_x5t(r.json, "row 10");
    ck_assert_str_eq(kvc_jstr(r.json, "policy.x509_props.subject"), IMPORT_SUBJECT);
    ck_assert_str_eq(kvc_jstr(r.json, "policy.issuer.name"), "Unknown");
    ck_assert_str_eq(kvc_jstr(cJSON_GetArrayItem(kvc_jget(r.json, "policy.lifetime_actions"), 0),
                              "action.action_type"),
                     "EmailContacts");
    ck_assert_msg(kvct_cer_dates(cer, &nbf, &exp), "GnuTLS: the test certificate does not parse");
    ck_assert_msg(kvc_jget(r.json, "attributes.nbf")->valuedouble == (double)nbf &&
                      kvc_jget(r.json, "attributes.exp")->valuedouble == (double)exp,
                  "row 10: nbf/exp are not the certificate's dates");
    kvc_resp_free(&r);
    free(pfx);
    free(cer);
    kvct_keycert_free(&kc);
    kvct_cleanup(name);
}
END_TEST

/* Row 11: a wrong password. */
START_TEST(kv_certs_row11_import_wrong_password)
{
    struct kvct_keycert kc;
    struct kvc_resp r;
    char name[96], *pfx;

    kvc_name(name, sizeof name, "c4");
    make_import(&kc);
    pfx = kvct_pfx_b64(&kc, "1234");
    ck_assert_msg(pfx != NULL, "GnuTLS: no PFX");
    import(name, pfx, "4321", NULL, &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL,
                     "The specified PKCS#12 X.509 certificate content can not be read. Please "
                     "check if certificate is in valid PKCS#12 format.",
                     "row 11: import with a wrong password");
    kvc_resp_free(&r);
    free(pfx);
    kvct_keycert_free(&kc);
    kvct_cleanup(name);
}
END_TEST

/* Row 12: a PEM whose key is PKCS#1 ("RSA PRIVATE KEY"). */
START_TEST(kv_certs_row12_import_pem_pkcs1)
{
    struct kvct_keycert kc;
    struct kvc_resp r;
    char name[96], *pem;

    kvc_name(name, sizeof name, "c4");
    make_import(&kc);
    pem = kvct_pem(&kc, true);
    ck_assert_msg(pem && strstr(pem, "-----BEGIN RSA PRIVATE KEY-----"), "GnuTLS: no PKCS#1 PEM");
    import(name, pem, NULL, PEM_POLICY, &r);
    kvc_assert_error(&r, 400, "BadParameter", NULL,
                     "The specified PEM X.509 certificate content is in an unexpected format. "
                     "Please check if certificate is in valid PEM format.",
                     "row 12: import of a PKCS#1 PEM");
    kvc_resp_free(&r);
    free(pem);
    kvct_keycert_free(&kc);
    kvct_cleanup(name);
}
END_TEST

/* Row 13: the exact CertificateNotFound body (336 B for cert-that-does-not-exist). */
START_TEST(kv_certs_row13_get_missing_exact_body)
{
    struct kvc_resp r;
    char name[96], path[256], want[600];

    kvc_name(name, sizeof name, "nope");
    snprintf(path, sizeof path, "/certificates/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 404, "row 13");
    snprintf(want, sizeof want,
             "{\"error\":{\"code\":\"CertificateNotFound\",\"message\":\"A certificate with "
             "(name/id) %s was not found in this key vault. If you recently deleted this "
             "certificate you may be able to recover it using the correct recovery command. For "
             "help resolving this issue, please see "
             "https://go.microsoft.com/fwlink/?linkid=2125182\"}}",
             name);
    kvc_assert_body(&r, want, "row 13: GET of a missing certificate");
    kvc_resp_free(&r);
}
END_TEST

/* Row 14: DELETE answers the deleted bundle; a create on the deleted name is 409. */
START_TEST(kv_certs_row14_delete_then_create_409)
{
    struct kvc_resp r;
    char name[96], path[256], msg[400];

    kvc_name(name, sizeof name, "c1");
    cJSON_Delete(kvct_create_self(name, SELF_BODY));
    snprintf(path, sizeof path, "/certificates/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "row 14: DELETE");
    kvc_assert_keys(
        r.json,
        "recoveryId,deletedDate,scheduledPurgeDate,id,kid,sid,x5t,cer,attributes,policy,"
        "pending",
        "row 14: deleted bundle");
    snprintf(msg, sizeof msg, "%s/deletedcertificates/%s", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(r.json, "recoveryId"), msg) == 0, "row 14: recoveryId '%s'",
                  kvc_jstr(r.json, "recoveryId"));
    kvc_resp_free(&r);
    /* Wait for the deleted state as the SDK pollers do. */
    snprintf(path, sizeof path, "/deletedcertificates/%s", name);
    for (int i = 0; i < 150; i++) {
        kv("GET", path, NULL, &r);
        long st = r.status;
        kvc_resp_free(&r);
        if (st == 200)
            break;
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    snprintf(path, sizeof path, "/certificates/%s/create", name);
    kv("POST", path, SELF_BODY, &r);
    snprintf(msg, sizeof msg,
             "Certificate %s is currently in a deleted but recoverable state, and its name cannot "
             "be reused; in this state, the certificate can only be recovered or purged.",
             name);
    kvc_assert_error(&r, 409, "Conflict", "ObjectIsDeletedButRecoverable", msg,
                     "row 14: create on a deleted name");
    kvc_resp_free(&r);
    kvct_cleanup(name);
}
END_TEST

/* Row 15: no contacts, an unknown issuer: the exact 404 bodies. */
START_TEST(kv_certs_row15_contacts_issuer_404)
{
    struct kvc_resp r;
    char name[96], path[256];

    kv("GET", "/certificates/contacts", NULL, &r);
    if (r.status == 200 && !kvc.mock) {
        kvc_resp_free(&r);
        kvc_skip("this vault has certificate contacts: not deleting them to see the 404");
    }
    if (r.status == 200) {
        kvc_resp_free(&r);
        kv("DELETE", "/certificates/contacts", NULL, &r);
        kvc_assert_status(&r, 200, "row 15: DELETE contacts");
        kvc_resp_free(&r);
        kv("GET", "/certificates/contacts", NULL, &r);
    }
    kvc_assert_status(&r, 404, "row 15: GET contacts");
    kvc_assert_body(
        &r, "{\"error\":{\"code\":\"ContactsNotFound\",\"message\":\"Contacts not found\"}}",
        "row 15: no contacts");
    kvc_resp_free(&r);
    kvc_name(name, sizeof name, "none");
    snprintf(path, sizeof path, "/certificates/issuers/%s", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 404, "row 15: GET issuer");
    kvc_assert_body(&r,
                    "{\"error\":{\"code\":\"CertificateIssuerNotFound\",\"message\":\"Issuer not "
                    "found\"}}",
                    "row 15: unknown issuer");
    kvc_resp_free(&r);
}
END_TEST

/* §3 Import: PEM (PKCS#8 key first) raw as JS sends it and base64 as Python does; the managed
 * secret is then PEM too, key first, LF only (§4). */
START_TEST(kv_certs_s3_import_pem_raw_and_base64)
{
    struct kvct_keycert kc;
    struct kvc_resp r;
    char name[96], path[256], *pem, *b64, *cer;
    cJSON *s;

    make_import(&kc);
    pem = kvct_pem(&kc, false);
    cer = kvct_cer_b64(&kc);
    ck_assert_msg(pem && cer && strncmp(pem, "-----BEGIN PRIVATE KEY-----", 27) == 0,
                  "GnuTLS: no PKCS#8 PEM");
    b64 = cx_b64_encode(pem, strlen(pem), 0);
    for (int i = 0; i < 2; i++) {
        kvc_name(name, sizeof name, i ? "pem64" : "pem");
        import(name, i ? b64 : pem, NULL, PEM_POLICY, &r);
        kvc_assert_status(&r, 200, i ? "import of base64 PEM" : "import of raw PEM");
        ck_assert_msg(strcmp(kvc_jstr(r.json, "cer"), cer) == 0, "PEM import: cer differs");
        ck_assert_str_eq(kvc_jstr(r.json, "policy.secret_props.contentType"),
                         "application/x-pem-file");
        ck_assert_msg(!kvc_jget(r.json, "pending"), "an import carries pending");
        kvc_resp_free(&r);
        snprintf(path, sizeof path, "/secrets/%s/", name);
        s = kvct_get(path, "GET the PEM certificate's secret");
        ck_assert_str_eq(kvc_jstr(s, "contentType"), "application/x-pem-file");
        ck_assert_msg(strncmp(kvc_jstr(s, "value"), "-----BEGIN PRIVATE KEY-----\n", 28) == 0 &&
                          strstr(kvc_jstr(s, "value"), "-----BEGIN CERTIFICATE-----\n") &&
                          !strchr(kvc_jstr(s, "value"), '\r'),
                      "the PEM secret is not PKCS#8 first with LF line ends");
        cJSON_Delete(s);
        kvct_cleanup(name);
    }
    free(b64);
    free(pem);
    free(cer);
    kvct_keycert_free(&kc);
}
END_TEST

/* §3 Merge: x5c as base64 of the base64 DER text (what the Python SDK sends) is accepted. */
START_TEST(kv_certs_s3_merge_double_base64)
{
    struct kvct_keycert ca;
    struct kvc_resp r;
    char name[96], path[256], body[8192], *signed_b64, *twice;
    cJSON *op = NULL;

    kvc_name(name, sizeof name, "merge2");
    ck_assert_msg(kvct_make(&ca, "CN=kvconform test CA", 3, true, NULL) == 0, "CA: GnuTLS failed");
    kvct_create(name, UNKNOWN_BODY, &op);
    signed_b64 = kvct_sign_csr(kvc_jstr(op, "csr"), &ca);
    cJSON_Delete(op);
    ck_assert_msg(signed_b64 != NULL, "the operation's csr does not parse or verify");
    twice = cx_b64_encode(signed_b64, strlen(signed_b64), 0);
    snprintf(body, sizeof body, "{\"x5c\":[\"%s\"]}", twice);
    snprintf(path, sizeof path, "/certificates/%s/pending/merge", name);
    kv("POST", path, body, &r);
    kvc_assert_status(&r, 201, "merge of double base64");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "cer"), signed_b64) == 0, "cer is not the merged one");
    kvc_resp_free(&r);
    free(twice);
    free(signed_b64);
    kvct_keycert_free(&ca);
    kvct_cleanup(name);
}
END_TEST

/* §2 Lists: items id,x5t,attributes[,tags],"subject":""; a pending-only name only with
 * includePending; version items versioned. */
START_TEST(kv_certs_s2_lists_include_pending)
{
    char done[96], pend[96], path[300];
    bool seen_done = false, seen_pend = false, seen_pend_all = false;
    cJSON *b;

    kvc_name(done, sizeof done, "list");
    kvc_name(pend, sizeof pend, "listp");
    b = kvct_create_self(done, SELF_BODY);
    kvct_create(pend, UNKNOWN_BODY, NULL);
    for (int all = 0; all < 2; all++) {
        snprintf(path, sizeof path, "/certificates?maxresults=25%s",
                 all ? "&includePending=true" : "");
        while (path[0]) {
            cJSON *page = kvct_get(path, "GET /certificates");
            const cJSON *it, *next = kvc_jget(page, "nextLink");
            cJSON_ArrayForEach(it, kvc_jget(page, "value")) {
                const char *n = kvc_last_segment(kvc_jstr(it, "id"));
                if (strcasecmp(n, done) == 0) {
                    seen_done = true;
                    kvc_assert_keys(it, "id,x5t,attributes,subject", "certificate list item");
                    ck_assert_str_eq(kvc_jstr(it, "x5t"), kvc_jstr(b, "x5t"));
                    ck_assert_str_eq(kvc_jstr(it, "subject"), "");
                    kvc_assert_keys(kvc_jget(it, "attributes"), "enabled,nbf,exp,created,updated",
                                    "list item attributes");
                } else if (strcasecmp(n, pend) == 0) {
                    *(all ? &seen_pend_all : &seen_pend) = true;
                }
            }
            snprintf(path, sizeof path, "%s", cJSON_IsString(next) ? next->valuestring : "");
            cJSON_Delete(page);
        }
    }
    ck_assert_msg(seen_done, "the completed certificate is not listed");
    ck_assert_msg(!seen_pend, "a pending-only certificate is listed without includePending");
    ck_assert_msg(seen_pend_all, "includePending=true does not list the pending-only certificate");
    cJSON_Delete(b);
    /* A second version, and the versions list. */
    cJSON_Delete(kvct_create_self(done, "{}"));
    snprintf(path, sizeof path, "/certificates/%s/versions", done);
    b = kvct_get(path, "GET versions");
    ck_assert_int_eq(cJSON_GetArraySize(kvc_jget(b, "value")), 2);
    ck_assert_msg(
        strlen(kvc_last_segment(kvc_jstr(cJSON_GetArrayItem(kvc_jget(b, "value"), 0), "id"))) == 32,
        "version list ids are not versioned");
    cJSON_Delete(b);
    kvct_cleanup(done);
    kvct_cleanup(pend);
}
END_TEST

/* §3 Update (tags replace, full bundle with policy), backup, purge, restore as it was. */
START_TEST(kv_certs_s3_update_backup_restore)
{
    struct kvc_resp r;
    char name[96], path[256], body[16384];
    cJSON *b, *g;

    kvc_name(name, sizeof name, "bak");
    b = kvct_create_self(name, SELF_BODY);
    snprintf(path, sizeof path, "/certificates/%s/", name);
    kv("PATCH", path, "{\"tags\":{\"tag1\":\"v1\"}}", &r);
    kvc_assert_status(&r, 200, "PATCH tags");
    kvc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,tags,policy,pending", "updated bundle");
    ck_assert_str_eq(kvc_jstr(r.json, "tags.tag1"), "v1");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/certificates/%s/backup", name);
    kv("POST", path, "", &r);
    kvc_assert_status(&r, 200, "backup");
    ck_assert_msg(kvc_is_b64url(kvc_jstr(r.json, "value")), "the backup is not base64url");
    snprintf(body, sizeof body, "{\"value\":\"%s\"}", kvc_jstr(r.json, "value"));
    kvc_resp_free(&r);
    kvct_cleanup(name);
    kv("POST", "/certificates/restore", body, &r);
    kvc_assert_status(&r, 200, "restore after purge");
    ck_assert_str_eq(kvc_jstr(r.json, "id"), kvc_jstr(b, "id"));
    ck_assert_str_eq(kvc_jstr(r.json, "x5t"), kvc_jstr(b, "x5t"));
    ck_assert_msg(!kvc_jget(r.json, "pending"), "a restored bundle carries pending");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    g = kvct_get(path, "the restored certificate's secret");
    ck_assert_str_eq(kvc_jstr(g, "id"), kvc_jstr(b, "sid"));
    cJSON_Delete(g);
    kv("POST", "/certificates/restore", "{\"value\":\"bm90IGEgYmFja3Vw\"}", &r);
    kvc_assert_error(&r, 400, "Malformed backup blob", NULL,
                     "Backup blob contains invalid or corrupt version.", "malformed restore");
    kvc_resp_free(&r);
    cJSON_Delete(b);
    kvct_cleanup(name);
}
END_TEST

/* §3 Issuers: PUT (pwd never returned, "zip":0 injected), PATCH merges, list, DELETE. */
START_TEST(kv_certs_s3_issuers_round_trip)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "iss");
    snprintf(path, sizeof path, "/certificates/issuers/%s", name);
    kv("PUT", path,
       "{\"provider\":\"Test\",\"credentials\":{\"account_id\":\"keyvaultuser\",\"pwd\":\"kvc-pw\"}"
       ","
       "\"org_details\":{\"admin_details\":[{\"first_name\":\"John\",\"last_name\":\"Doe\","
       "\"email\":\"admin@microsoft.com\",\"phone\":\"4255555555\"}]}}",
       &r);
    kvc_assert_status(&r, 200, "PUT issuer");
    kvc_assert_keys(r.json, "id,provider,credentials,org_details,attributes", "issuer");
    kvc_assert_keys(kvc_jget(r.json, "credentials"), "account_id", "credentials (no pwd)");
    kvc_assert_keys(kvc_jget(r.json, "org_details"), "zip,admin_details", "org_details");
    kvc_resp_free(&r);
    kv("PATCH", path, "{\"credentials\":{\"account_id\":\"other\"}}", &r);
    kvc_assert_status(&r, 200, "PATCH issuer");
    ck_assert_str_eq(kvc_jstr(r.json, "credentials.account_id"), "other");
    ck_assert_int_eq(cJSON_GetArraySize(kvc_jget(r.json, "org_details.admin_details")), 1);
    kvc_resp_free(&r);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "DELETE issuer");
    ck_assert_str_eq(kvc_jstr(r.json, "provider"), "Test");
    kvc_resp_free(&r);
    kv("GET", path, NULL, &r);
    kvc_assert_error(&r, 404, "CertificateIssuerNotFound", NULL, "Issuer not found",
                     "GET after DELETE");
    kvc_resp_free(&r);
}
END_TEST

/* §3 Contacts: PUT, GET, DELETE returns the list (vault-wide state: mock only). */
START_TEST(kv_certs_s3_contacts_round_trip)
{
    static const char want[] = "[{\"email\":\"admin@contoso.com\",\"name\":\"John Doe\","
                               "\"phone\":\"1111111111\"}]";
    struct kvc_resp r;
    char body[256], *got;

    snprintf(body, sizeof body, "{\"contacts\":%s}", want);
    kv("PUT", "/certificates/contacts", body, &r);
    kvc_assert_status(&r, 200, "PUT contacts");
    kvc_assert_keys(r.json, "id,contacts", "contacts");
    kvc_resp_free(&r);
    kv("DELETE", "/certificates/contacts", NULL, &r);
    kvc_assert_status(&r, 200, "DELETE contacts");
    got = cJSON_PrintUnformatted(kvc_jget(r.json, "contacts"));
    ck_assert_msg(got && strcmp(got, want) == 0, "DELETE contacts answered %s", got);
    free(got);
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_certs_ops(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_certs_row09_cancel_and_delete_operation, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row10_import_pfx_password, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row11_import_wrong_password, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row12_import_pem_pkcs1, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row13_get_missing_exact_body, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row14_delete_then_create_409, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row15_contacts_issuer_404, KVC_MAY_CHANGE_MOCK, NULL);
    kvc_add_test(reg, FAM, kv_certs_s3_import_pem_raw_and_base64, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_s3_merge_double_base64, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_s2_lists_include_pending, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_s3_update_backup_restore, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_s3_issuers_round_trip, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_s3_contacts_round_trip, KVC_CHANGES_MOCK, NULL);
}
