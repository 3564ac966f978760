/* test-http-certs-ops.c: the certificates' operations over real TLS
 * (spec/keyvault-certificates.md §3; test rows 11, 12): import of PFX and PEM and its refusals,
 * merge with single and double base64 and its refusals, cancel and delete of the operation,
 * update, backup and restore, the soft-delete cycle, lists with includePending and paging
 * (certs-common.h says how the suites run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs-common.h"

#define PKCS12_TEXT                                                                                \
    "The specified PKCS#12 X.509 certificate content can not be read. Please check if "            \
    "certificate is in valid PKCS#12 format."
#define PEM_TEXT                                                                                   \
    "The specified PEM X.509 certificate content is in an unexpected format. Please check if "     \
    "certificate is in valid PEM format."
#define PEM_POLICY "\"policy\":{\"secret_props\":{\"contentType\":\"application/x-pem-file\"}}"

/* POST /certificates/{name}/import with body; the response in r. */
static void import(const char *name, const char *body, struct mvt_resp *r)
{
    char path[200];

    snprintf(path, sizeof path, "/certificates/%s/import", name);
    creq("POST", path, body, r);
}

/* {"value":<value as JSON string>[,"pwd":pwd][,extra]}; caller frees. */
static char *import_body(const char *value, const char *pwd, const char *extra)
{
    char *v = cjson_str(value);
    size_t n = strlen(v) + 300;
    char *b = hc_xmalloc(n);

    snprintf(b, n, "{\"value\":%s%s%s%s%s%s}", v, pwd ? ",\"pwd\":\"" : "", pwd ? pwd : "",
             pwd ? "\"" : "", extra ? "," : "", extra ? extra : "");
    free(v);
    return b;
}

static void assert_bad(const struct mvt_resp *r, const char *msg, const char *what)
{
    hc_assert_status(r, 400, what);
    ck_assert_str_eq(hc_err_code(r), "BadParameter");
    ck_assert_str_eq(hc_jstr(r->json, "error.message"), msg);
}

/* Import of a PFX without a password, and PEM raw (JS) and base64 (Python); the secret comes
 * back in the policy's content type. */
START_TEST(test_import_forms)
{
    struct mvt_resp r;
    struct cmade m;
    char *pfx, *pem, *pem64, *body;

    cmake(&m, "forms", false, 365);
    pfx = cpfx_b64(&m, "");
    body = import_body(pfx, NULL, NULL);
    import("nopwd", body, &r);
    hc_assert_status(&r, 200, "PFX without password");
    ck_assert_msg(!hc_has(r.json, "pending"), "no pending after import");
    mvt_resp_free(&r);
    free(body);
    pem = cpem(&m, false);
    body = import_body(pem, NULL, PEM_POLICY);
    import("pemraw", body, &r);
    hc_assert_status(&r, 200, "raw PEM");
    ck_assert_str_eq(hc_jstr(r.json, "policy.secret_props.contentType"), "application/x-pem-file");
    mvt_resp_free(&r);
    free(body);
    creq("GET", "/secrets/pemraw/", NULL, &r);
    hc_assert_status(&r, 200, "the PEM secret");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), "application/x-pem-file");
    ck_assert_msg(strncmp(hc_jstr(r.json, "value"), "-----BEGIN PRIVATE KEY-----\n", 28) == 0,
                  "PKCS#8 key first");
    ck_assert_msg(strstr(hc_jstr(r.json, "value"), "-----BEGIN CERTIFICATE-----\n") != NULL,
                  "then the certificate");
    mvt_resp_free(&r);
    pem64 = cb64(pem, strlen(pem));
    body = import_body(pem64, NULL, PEM_POLICY);
    import("pem64", body, &r);
    hc_assert_status(&r, 200, "base64 PEM");
    mvt_resp_free(&r);
    free(body);
    free(pem64);
    free(pem);
    free(pfx);
    cmade_free(&m);
}
END_TEST

/* Rows 11, 12 and the other import refusals, each leaving the state as it was. */
START_TEST(test_import_refusals)
{
    struct mvt_resp r;
    struct cmade m, old;
    char *pfx, *pem, *pem1, *body, *crlf, *before, *p, *q;

    cmake(&m, "refused", false, 365);
    before = hc_state(srv);
    pfx = cpfx_b64(&m, "1234");
    body = import_body(pfx, "wrong", NULL);
    import("bad", body, &r);
    assert_bad(&r, PKCS12_TEXT, "row 11: wrong password");
    mvt_resp_free(&r);
    free(body);
    pem1 = cpem(&m, true);
    body = import_body(pem1, NULL, PEM_POLICY);
    import("bad", body, &r);
    assert_bad(&r, PEM_TEXT, "row 12: PKCS#1 key");
    mvt_resp_free(&r);
    free(body);
    /* PEM sent as PKCS#12, PFX sent as PEM, CRLF line ends. */
    pem = cpem(&m, false);
    body = import_body(pem, NULL, NULL);
    import("bad", body, &r);
    assert_bad(&r, PKCS12_TEXT, "PEM without the PEM content type");
    mvt_resp_free(&r);
    free(body);
    body = import_body(pfx, "1234", PEM_POLICY);
    import("bad", body, &r);
    assert_bad(&r, PEM_TEXT, "PFX as PEM");
    mvt_resp_free(&r);
    free(body);
    crlf = hc_xmalloc(2 * strlen(pem) + 1);
    for (p = pem, q = crlf; *p; p++) {
        if (*p == '\n')
            *q++ = '\r';
        *q++ = *p;
    }
    *q = '\0';
    body = import_body(crlf, NULL, PEM_POLICY);
    import("bad", body, &r);
    assert_bad(&r, PEM_TEXT, "CRLF PEM");
    mvt_resp_free(&r);
    free(body);
    free(crlf);
    /* An expired certificate (DOC: cannot be imported). */
    cmake(&old, "expired", false, -1);
    free(pfx);
    pfx = cpfx_b64(&old, "");
    body = import_body(pfx, NULL, NULL);
    import("bad", body, &r);
    hc_assert_status(&r, 400, "expired");
    mvt_resp_free(&r);
    free(body);
    import("bad", "{\"pwd\":\"x\"}", &r);
    hc_assert_status(&r, 400, "no value");
    mvt_resp_free(&r);
    p = hc_state(srv);
    ck_assert_msg(strcmp(before, p) == 0, "refused imports change nothing");
    free(p);
    free(before);
    free(pem);
    free(pem1);
    free(pfx);
    cmade_free(&old);
    cmade_free(&m);
}
END_TEST

/* Creates name with the Unknown issuer and returns its CSR signed by ca (DER; caller frees). */
static unsigned char *unknown_signed(const char *name, const struct cmade *ca, size_t *len)
{
    struct mvt_resp r;
    unsigned char *der;

    ccreate(name, C_UNKNOWN_BODY, &r);
    der = csign_csr(ca, hc_jstr(r.json, "csr"), len);
    mvt_resp_free(&r);
    return der;
}

/* Merge accepts base64 of the base64 DER text (what the Python SDK sends). */
START_TEST(test_merge_double_base64)
{
    struct mvt_resp r;
    struct cmade ca;
    unsigned char *der;
    size_t len;
    char *b64, *b64b64, body[8000];

    cmake(&ca, "test CA", true, 30);
    der = unknown_signed("dbl", &ca, &len);
    b64 = cb64(der, len);
    b64b64 = cb64(b64, strlen(b64));
    snprintf(body, sizeof body, "{\"x5c\":[\"%s\"],\"tags\":{\"t\":\"v\"}}", b64b64);
    creq("POST", "/certificates/dbl/pending/merge", body, &r);
    hc_assert_status(&r, 201, "double base64 merge");
    ck_assert_str_eq(hc_jstr(r.json, "cer"), b64);
    ck_assert_str_eq(hc_jstr(r.json, "tags.t"), "v");
    mvt_resp_free(&r);
    free(b64b64);
    free(b64);
    free(der);
    cmade_free(&ca);
}
END_TEST

/* Merge refusals: no operation (404), another key's certificate (400), an issuer's operation in
 * progress (403, "progess" verbatim), a completed operation (400), garbage (400). */
START_TEST(test_merge_refusals)
{
    struct mvt_resp r;
    struct cmade ca, other;
    unsigned char *der;
    size_t len;
    char *b64, body[4000];

    cmake(&ca, "test CA", true, 30);
    cmake(&other, "other", false, 30);
    der = cder(&other, &len);
    b64 = cb64(der, len);
    snprintf(body, sizeof body, "{\"x5c\":[\"%s\"]}", b64);
    creq("POST", "/certificates/none/pending/merge", body, &r);
    hc_assert_status(&r, 404, "merge without operation");
    ck_assert_str_eq(hc_err_code(&r), "PendingCertificateNotFound");
    mvt_resp_free(&r);
    free(unknown_signed("mm", &ca, &len));
    creq("POST", "/certificates/mm/pending/merge", body, &r);
    assert_bad(&r, "Public key from x509 certificate and key of this instance doesn't match",
               "another key's certificate");
    mvt_resp_free(&r);
    creq("POST", "/certificates/mm/pending/merge", "{\"x5c\":[\"bm90IGEgY2VydA==\"]}", &r);
    hc_assert_status(&r, 400, "not a certificate");
    mvt_resp_free(&r);
    creq("POST", "/certificates/mm/pending/merge", "{\"x5c\":[]}", &r);
    hc_assert_status(&r, 400, "empty x5c");
    mvt_resp_free(&r);
    ccreate("selfm", C_SELF_BODY, &r);
    mvt_resp_free(&r);
    creq("POST", "/certificates/selfm/pending/merge", body, &r);
    hc_assert_status(&r, 403, "merge of an issuer's operation");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Merge is forbidden on pending "
                   "object created with issuer : Self while it is in progess.\"}}",
                   true, "merge of an issuer's operation");
    mvt_resp_free(&r);
    creq("GET", "/certificates/selfm/pending", NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "status"), "completed");
    mvt_resp_free(&r);
    creq("POST", "/certificates/selfm/pending/merge", body, &r);
    hc_assert_status(&r, 400, "merge of a completed operation");
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/selfm/pending", "{\"cancellation_requested\":true}", &r);
    hc_assert_status(&r, 400, "cancel of a completed operation");
    mvt_resp_free(&r);
    free(b64);
    free(der);
    cmade_free(&other);
    cmade_free(&ca);
}
END_TEST

/* DELETE of an Unknown operation in progress answers it as it was; the name can then be created
 * again. */
START_TEST(test_delete_pending_in_progress)
{
    struct mvt_resp r;

    ccreate("dp", C_UNKNOWN_BODY, &r);
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/dp/pending", NULL, &r);
    hc_assert_status(&r, 200, "DELETE pending");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "inProgress");
    hc_assert_no_header(&r, "Retry-After", "DELETE pending");
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/dp/pending", NULL, &r);
    hc_assert_status(&r, 404, "DELETE pending twice");
    mvt_resp_free(&r);
    ccreate("dp", "{}", &r);
    mvt_resp_free(&r);
}
END_TEST

/* PATCH of tags, enabled and a partial policy: the full bundle back; a disabled certificate is
 * still readable. */
START_TEST(test_update)
{
    struct mvt_resp r;

    cself("up", &r);
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/up/",
         "{\"tags\":{\"tag1\":\"updated_value1\"},\"attributes\":{\"enabled\":false}}", &r);
    hc_assert_status(&r, 200, "PATCH");
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,tags,policy,pending", "updated bundle");
    ck_assert_str_eq(hc_jstr(r.json, "tags.tag1"), "updated_value1");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);
    creq("GET", "/certificates/up", NULL, &r);
    hc_assert_status(&r, 200, "a disabled certificate");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/up/", "{\"policy\":{\"x509_props\":{\"validity_months\":24}}}",
         &r);
    hc_assert_status(&r, 200, "PATCH policy");
    ck_assert_int_eq(hc_jint(r.json, "policy.x509_props.validity_months"), 24);
    ck_assert_str_eq(hc_jstr(r.json, "policy.x509_props.subject"), "CN=DefaultPolicy");
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/nope/", "{\"tags\":{}}", &r);
    hc_assert_status(&r, 404, "PATCH of a missing certificate");
    mvt_resp_free(&r);
}
END_TEST

/* Backup and restore: an opaque blob; restore after purge keeps the version and the policy, has
 * no pending, and brings the key and secret back; a malformed blob is the recorded 400; a taken
 * name 409. */
START_TEST(test_backup_restore)
{
    struct mvt_resp r;
    char v[40], *blob, *value, body[200000];

    cself("bk", &r);
    snprintf(v, sizeof v, "%s", cversion(r.json));
    mvt_resp_free(&r);
    creq("GET", "/secrets/bk/", NULL, &r);
    hc_assert_status(&r, 200, "the secret before the backup");
    value = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    creq("POST", "/certificates/bk/backup", NULL, &r);
    hc_assert_status(&r, 200, "backup");
    hc_assert_keys(r.json, "value", "backup");
    ck_assert_msg(hc_is_b64url(hc_jstr(r.json, "value")), "base64url blob");
    blob = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    snprintf(body, sizeof body, "{\"value\":\"%s\"}", blob);
    creq("POST", "/certificates/restore", body, &r);
    hc_assert_status(&r, 409, "restore onto a live name");
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/bk", NULL, &r);
    mvt_resp_free(&r);
    creq("DELETE", "/deletedcertificates/bk", NULL, &r);
    hc_assert_status(&r, 204, "purge");
    mvt_resp_free(&r);
    creq("POST", "/certificates/restore", body, &r);
    hc_assert_status(&r, 200, "restore");
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy", "restored bundle");
    ck_assert_str_eq(cversion(r.json), v);
    mvt_resp_free(&r);
    creq("GET", "/secrets/bk/", NULL, &r);
    hc_assert_status(&r, 200, "the restored secret");
    ck_assert(cJSON_IsTrue(hc_jget(r.json, "managed")));
    ck_assert_str_eq(hc_jstr(r.json, "value"), value);
    mvt_resp_free(&r);
    /* Restored as the certificate's: direct writes stay refused (spec §4). */
    creq("PUT", "/secrets/bk", "{\"value\":\"x\"}", &r);
    hc_assert_status(&r, 403, "PUT of the restored managed secret");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "SecretManagedByKeyVault");
    mvt_resp_free(&r);
    creq("GET", "/keys/bk/", NULL, &r);
    hc_assert_status(&r, 200, "the restored key");
    mvt_resp_free(&r);
    creq("POST", "/certificates/restore", "{\"value\":\"bm90IGEgYmxvYg\"}", &r);
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":\"Backup blob "
                   "contains invalid or corrupt version.\"}}",
                   true, "malformed blob");
    mvt_resp_free(&r);
    free(blob);
    free(value);
}
END_TEST

/* Delete, get-deleted, the deleted list, recover, purge; recover of an unknown name. */
START_TEST(test_soft_delete_cycle)
{
    struct mvt_resp r;

    cself("sd", &r);
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/sd", NULL, &r);
    hc_assert_status(&r, 200, "delete");
    mvt_resp_free(&r);
    creq("GET", "/certificates/sd/", NULL, &r);
    hc_assert_status(&r, 404, "a deleted certificate is not found");
    mvt_resp_free(&r);
    creq("GET", "/secrets/sd/", NULL, &r);
    hc_assert_status(&r, 404, "its secret went with it");
    mvt_resp_free(&r);
    creq("GET", "/deletedcertificates/sd", NULL, &r);
    hc_assert_status(&r, 200, "get deleted");
    hc_assert_keys(r.json,
                   "recoveryId,deletedDate,scheduledPurgeDate,id,kid,sid,x5t,cer,attributes,"
                   "policy,pending",
                   "deleted bundle");
    mvt_resp_free(&r);
    creq("GET", "/deletedcertificates", NULL, &r);
    hc_assert_status(&r, 200, "deleted list");
    hc_assert_keys(hc_jget(r.json, "value.0"),
                   "recoveryId,deletedDate,scheduledPurgeDate,id,x5t,attributes", "deleted item");
    hc_assert_keys(hc_jget(r.json, "value.0.attributes"),
                   "enabled,nbf,exp,created,updated,recoveryLevel,recoverableDays",
                   "deleted item attributes");
    ck_assert_msg(cJSON_IsNull(hc_jget(r.json, "nextLink")), "one page");
    mvt_resp_free(&r);
    creq("POST", "/deletedcertificates/sd/recover", NULL, &r);
    hc_assert_status(&r, 200, "recover");
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy,pending", "recovered bundle");
    mvt_resp_free(&r);
    creq("GET", "/secrets/sd/", NULL, &r);
    hc_assert_status(&r, 200, "its secret came back");
    mvt_resp_free(&r);
    creq("POST", "/deletedcertificates/never/recover", NULL, &r);
    hc_assert_status(&r, 404, "recover of an unknown name");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "A certificate with (name/id) never ") ==
                      hc_jstr(r.json, "error.message"),
                  "the long CertificateNotFound text");
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/sd", NULL, &r);
    mvt_resp_free(&r);
    creq("DELETE", "/deletedcertificates/sd", NULL, &r);
    hc_assert_status(&r, 204, "purge");
    mvt_resp_free(&r);
    creq("GET", "/deletedcertificates/sd", NULL, &r);
    hc_assert_status(&r, 404, "purged");
    mvt_resp_free(&r);
}
END_TEST

/* Lists: items with "subject":"" and no recovery pair, a pending-only name only with
 * includePending, paging with maxresults keeping includePending, versions with versioned ids. */
START_TEST(test_lists_and_paging)
{
    struct mvt_resp r;
    char next[1200], base[128];
    const cJSON *it;
    int seen = 0;

    cself("la", &r);
    mvt_resp_free(&r);
    cself("lb", &r);
    mvt_resp_free(&r);
    ccreate("la", "{}", &r); /* a second version of la, completed by the list below */
    mvt_resp_free(&r);
    ccreate("lp", C_UNKNOWN_BODY, &r);
    mvt_resp_free(&r);
    creq("GET", "/certificates", NULL, &r);
    hc_assert_status(&r, 200, "list");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    hc_assert_keys(hc_jget(r.json, "value.0"), "id,x5t,attributes,subject", "list item");
    hc_assert_keys(hc_jget(r.json, "value.0.attributes"), "enabled,nbf,exp,created,updated",
                   "list item attributes");
    ck_assert_str_eq(hc_jstr(r.json, "value.0.subject"), "");
    snprintf(next, sizeof next, "%s/certificates/la", hc_base(srv, CAP, base, sizeof base));
    ck_assert_str_eq(hc_jstr(r.json, "value.0.id"), next);
    mvt_resp_free(&r);
    creq("GET", "/certificates?includePending=true", NULL, &r);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 3);
    hc_assert_keys(hc_jget(r.json, "value.2"), "id,attributes,subject", "pending-only item");
    mvt_resp_free(&r);
    creq("GET", "/certificates?includePending=true&maxresults=1", NULL, &r);
    for (;;) {
        hc_assert_status(&r, 200, "page");
        seen += cJSON_GetArraySize(hc_jget(r.json, "value"));
        if (!hc_jstr(r.json, "nextLink"))
            break;
        ck_assert_msg(strstr(hc_jstr(r.json, "nextLink"), "maxresults=1") &&
                          strstr(hc_jstr(r.json, "nextLink"), "includePending=true"),
                      "nextLink keeps maxresults and includePending");
        snprintf(next, sizeof next, "%s", strstr(hc_jstr(r.json, "nextLink"), "/certificates"));
        mvt_resp_free(&r);
        hc_req(srv, "GET", CAP, next, tok, NULL, NULL, &r);
    }
    mvt_resp_free(&r);
    ck_assert_int_eq(seen, 3);
    creq("GET", "/certificates/la/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    it = hc_jget(r.json, "value.0");
    hc_assert_keys(it, "id,x5t,attributes,subject", "version item");
    ck_assert_msg(hc_is_version(cversion(it)), "version items have versioned ids");
    ck_assert_msg(strcmp(cversion(it), cversion(hc_jget(r.json, "value.1"))) < 0,
                  "sorted by version");
    mvt_resp_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-ops");
    TCase *tc = tcase_create("ops");

    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_import_forms);
    tcase_add_test(tc, test_import_refusals);
    tcase_add_test(tc, test_merge_double_base64);
    tcase_add_test(tc, test_merge_refusals);
    tcase_add_test(tc, test_delete_pending_in_progress);
    tcase_add_test(tc, test_update);
    tcase_add_test(tc, test_backup_restore);
    tcase_add_test(tc, test_soft_delete_cycle);
    tcase_add_test(tc, test_lists_and_paging);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
