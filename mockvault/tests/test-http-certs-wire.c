/* test-http-certs-wire.c: the certificates' bodies and headers over real TLS
 * (spec/keyvault-certificates.md §2, §3; test rows 1-5, 7-10, 13, 14): the create's 202 and its
 * operation object, completion on observation, the latest, versioned and pending bundles, the
 * managed secret's PKCS#12, the Unknown issuer and merge, cancel and delete of the operation,
 * import, the not-found bodies, delete and the name kept by a deleted certificate
 * (certs-common.h says how the suites run). */
#include <gnutls/crypto.h>
#include <gnutls/pkcs12.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certs-common.h"

#define SELF_DETAILS                                                                               \
    "Pending certificate created. Certificate request is in progress. This may take some time "    \
    "based on the issuer provider. Please check again later."
#define MERGE_DETAILS "Pending certificate created. Please Perform Merge to complete the request."

/* Row 1: 202, Location .../pending?api-version=&request_id=<32hex>, Retry-After: 10, the seven
 * keys of an inProgress operation, a CSR GnuTLS verifies. */
START_TEST(test_row1_create)
{
    struct mvt_resp r;
    char base[128], want[400], loc[300];
    const char *rid;
    unsigned char *der;
    size_t len;
    struct cmade ca;

    ccreate("c1", C_SELF_BODY, &r);
    hc_assert_keys(r.json, "id,issuer,csr,cancellation_requested,status,status_details,request_id",
                   "operation");
    hc_base(srv, CAP, base, sizeof base);
    rid = hc_jstr(r.json, "request_id");
    ck_assert_msg(hc_is_version(rid), "request_id is 32 lowercase hex");
    snprintf(want, sizeof want, "%s/certificates/c1/pending?api-version=%s&request_id=%s", base,
             HC_API, rid);
    hc_assert_header(&r, "Location", want, "create");
    hc_assert_header(&r, "Retry-After", "10", "create");
    snprintf(loc, sizeof loc, "%s/certificates/c1/pending", base);
    ck_assert_str_eq(hc_jstr(r.json, "id"), loc);
    ck_assert_str_eq(hc_jstr(r.json, "issuer.name"), "Self");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "inProgress");
    ck_assert_str_eq(hc_jstr(r.json, "status_details"), SELF_DETAILS);
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "cancellation_requested")));
    /* The CSR is a real PKCS#10: a CA signs it. */
    cmake(&ca, "test CA", true, 30);
    der = csign_csr(&ca, hc_jstr(r.json, "csr"), &len);
    ck_assert_uint_gt(len, 100);
    free(der);
    cmade_free(&ca);
    mvt_resp_free(&r);
}
END_TEST

/* Row 2: the first GET of a Self operation finds it completed: target, no details, no
 * Retry-After; request_id filters. */
START_TEST(test_row2_pending_completed)
{
    struct mvt_resp r;
    char base[128], want[300], path[200], rid[40];

    ccreate("c1", C_SELF_BODY, &r);
    snprintf(rid, sizeof rid, "%s", hc_jstr(r.json, "request_id"));
    mvt_resp_free(&r);
    creq("GET", "/certificates/c1/pending", NULL, &r);
    hc_assert_status(&r, 200, "GET pending");
    hc_assert_keys(r.json, "id,issuer,csr,cancellation_requested,status,target,request_id",
                   "completed operation");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "completed");
    snprintf(want, sizeof want, "%s/certificates/c1", hc_base(srv, CAP, base, sizeof base));
    ck_assert_str_eq(hc_jstr(r.json, "target"), want);
    ck_assert_str_eq(hc_jstr(r.json, "request_id"), rid);
    hc_assert_no_header(&r, "Retry-After", "completed operation");
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/certificates/c1/pending?request_id=%s", rid);
    creq("GET", path, NULL, &r);
    hc_assert_status(&r, 200, "GET pending with its request_id");
    mvt_resp_free(&r);
    creq("GET", "/certificates/c1/pending?request_id=00000000000000000000000000000000", NULL, &r);
    hc_assert_status(&r, 404, "GET pending with another request_id");
    ck_assert_str_eq(hc_err_code(&r), "PendingCertificateNotFound");
    mvt_resp_free(&r);
}
END_TEST

/* base64url (unpadded) of SHA-1(der). */
static void x5t_of(const unsigned char *der, size_t len, char *out, size_t n)
{
    unsigned char h[20];
    char *s;

    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA1, der, len, h), 0);
    s = hc_b64url_encode(h, sizeof h);
    snprintf(out, n, "%s", s);
    free(s);
}

/* t plus months calendar months (UTC), as the service computes exp. */
static int64_t plus_months(int64_t t, int months)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    tm.tm_mon += months;
    return (int64_t)timegm(&tm);
}

/* Row 3: the latest bundle, byte for byte: ids in lockstep, x5t = b64url(SHA-1(cer)),
 * nbf = created - 600, exp = created + 12 months, the policy defaults of §2, pending. */
START_TEST(test_row3_latest_bundle)
{
    struct mvt_resp r;
    char base[128], x5t[40], *want, *pol;
    const char *v;
    unsigned char *der;
    size_t len;
    int64_t created;
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;

    cself("c1", &r);
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy,pending", "latest bundle");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,nbf,exp,created,updated,recoveryLevel,recoverableDays", "attributes");
    v = cversion(r.json);
    ck_assert_msg(hc_is_version(v), "version is 32 lowercase hex");
    der = cunb64(hc_jstr(r.json, "cer"), &len);
    ck_assert_msg(der != NULL, "cer is standard base64");
    x5t_of(der, len, x5t, sizeof x5t);
    ck_assert_str_eq(hc_jstr(r.json, "x5t"), x5t);
    created = hc_jint(r.json, "attributes.created");
    ck_assert_int_eq(hc_jint(r.json, "attributes.nbf"), created - 600);
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"), plus_months(created, 12));
    /* The certificate itself says the same. */
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    d.data = der;
    d.size = (unsigned)len;
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq((int64_t)gnutls_x509_crt_get_activation_time(crt), created - 600);
    ck_assert_int_eq((int64_t)gnutls_x509_crt_get_expiration_time(crt),
                     hc_jint(r.json, "attributes.exp"));
    gnutls_x509_crt_deinit(crt);
    hc_base(srv, CAP, base, sizeof base);
    pol = hc_xmalloc(2000);
    snprintf(pol, 2000,
             "{\"id\":\"%s/certificates/c1/policy\",\"key_props\":{\"exportable\":true,\"kty\":"
             "\"RSA\",\"key_size\":2048,\"reuse_key\":false},\"secret_props\":{\"contentType\":"
             "\"application/x-pkcs12\"},\"x509_props\":{\"subject\":\"CN=DefaultPolicy\","
             "\"sans\":{},\"ekus\":[\"1.3.6.1.5.5.7.3.1\",\"1.3.6.1.5.5.7.3.2\"],\"key_usage\":["
             "\"digitalSignature\",\"keyEncipherment\"],\"validity_months\":12,"
             "\"basic_constraints\":{\"ca\":false}},\"lifetime_actions\":[{\"trigger\":{"
             "\"lifetime_percentage\":80},\"action\":{\"action_type\":\"AutoRenew\"}}],"
             "\"issuer\":{\"name\":\"Self\"},\"attributes\":{\"enabled\":true,\"created\":%lld,"
             "\"updated\":%lld}}",
             base, (long long)hc_jint(r.json, "policy.attributes.created"),
             (long long)hc_jint(r.json, "policy.attributes.created"));
    want = hc_xmalloc(8000);
    snprintf(want, 8000,
             "{\"id\":\"%s/certificates/c1/%s\",\"kid\":\"%s/keys/c1/%s\",\"sid\":\"%s/secrets/c1/"
             "%s\",\"x5t\":\"%s\",\"cer\":\"%s\",\"attributes\":{\"enabled\":true,\"nbf\":%lld,"
             "\"exp\":%lld,\"created\":%lld,\"updated\":%lld,\"recoveryLevel\":"
             "\"CustomizedRecoverable+Purgeable\",\"recoverableDays\":7},\"policy\":%s,"
             "\"pending\":{\"id\":\"%s/certificates/c1/pending\"}}",
             base, v, base, v, base, v, x5t, hc_jstr(r.json, "cer"), (long long)(created - 600),
             (long long)hc_jint(r.json, "attributes.exp"), (long long)created, (long long)created,
             pol, base);
    hc_assert_body(&r, want, true, "latest bundle");
    free(want);
    free(pol);
    free(der);
    mvt_resp_free(&r);
}
END_TEST

/* Row 4: a version's bundle has no policy and no pending; an unknown version is 404 with
 * "(name/id) N/versions/V". */
START_TEST(test_row4_version_bundle)
{
    struct mvt_resp r;
    char path[200], v[40];

    cself("c1", &r);
    snprintf(v, sizeof v, "%s", cversion(r.json));
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/certificates/c1/%s", v);
    creq("GET", path, NULL, &r);
    hc_assert_status(&r, 200, "GET version");
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes", "version bundle");
    mvt_resp_free(&r);
    creq("GET", "/certificates/c1/0123456789abcdef0123456789abcdef", NULL, &r);
    hc_assert_status(&r, 404, "unknown version");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"CertificateNotFound\",\"message\":\"A certificate with "
                   "(name/id) c1/versions/0123456789abcdef0123456789abcdef was not found in this "
                   "key vault. If you recently deleted this certificate you may be able to recover "
                   "it using the correct recovery command. For help resolving this issue, please "
                   "see https://go.microsoft.com/fwlink/?linkid=2125182\"}}",
                   true, "unknown version");
    mvt_resp_free(&r);
}
END_TEST

/* Row 5: the managed secret is a PKCS#12 with the empty password holding the certificate and its
 * key (opened with GnuTLS here). */
START_TEST(test_row5_secret_pfx)
{
    struct mvt_resp r, s;
    unsigned char *pfx;
    size_t len;
    gnutls_pkcs12_t p12;
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t *chain = NULL;
    unsigned nchain = 0;
    gnutls_datum_t d, out = {NULL, 0};
    char *cer;

    cself("c1", &r);
    creq("GET", "/secrets/c1/", NULL, &s);
    hc_assert_status(&s, 200, "GET the certificate's secret");
    ck_assert_str_eq(hc_jstr(s.json, "contentType"), "application/x-pkcs12");
    ck_assert(cJSON_IsTrue(hc_jget(s.json, "managed")));
    ck_assert_str_eq(cversion(s.json), cversion(r.json));
    pfx = cunb64(hc_jstr(s.json, "value"), &len);
    ck_assert_msg(pfx != NULL, "the value is base64");
    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    d.data = pfx;
    d.size = (unsigned)len;
    ck_assert_msg(gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0) == 0, "a PKCS#12");
    ck_assert_msg(gnutls_pkcs12_simple_parse(p12, "", &key, &chain, &nchain, NULL, NULL, NULL, 0) ==
                      0,
                  "opens with the empty password");
    ck_assert_msg(key != NULL && nchain == 1, "the key and the certificate");
    ck_assert_int_eq(gnutls_x509_crt_export2(chain[0], GNUTLS_X509_FMT_DER, &out), 0);
    cer = cb64(out.data, out.size);
    ck_assert_msg(strcmp(cer, hc_jstr(r.json, "cer")) == 0, "the PFX holds the certificate");
    free(cer);
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(chain[0]);
    gnutls_free(chain);
    gnutls_x509_privkey_deinit(key);
    gnutls_pkcs12_deinit(p12);
    free(pfx);
    mvt_resp_free(&s);
    mvt_resp_free(&r);
}
END_TEST

/* Row 7: the Unknown issuer stays inProgress (Retry-After on every GET); the pending version is
 * enabled false without cer. */
START_TEST(test_row7_unknown_pending)
{
    struct mvt_resp r;

    ccreate("c2", C_UNKNOWN_BODY, &r);
    ck_assert_str_eq(hc_jstr(r.json, "issuer.name"), "Unknown");
    ck_assert_str_eq(hc_jstr(r.json, "status_details"), MERGE_DETAILS);
    mvt_resp_free(&r);
    for (int i = 0; i < 2; i++) {
        creq("GET", "/certificates/c2/pending", NULL, &r);
        hc_assert_status(&r, 200, "GET pending");
        ck_assert_str_eq(hc_jstr(r.json, "status"), "inProgress");
        hc_assert_header(&r, "Retry-After", "10", "inProgress GET");
        mvt_resp_free(&r);
    }
    creq("GET", "/certificates/c2/", NULL, &r);
    hc_assert_status(&r, 200, "GET pending version");
    hc_assert_keys(r.json, "id,attributes,policy,pending", "pending version bundle");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,created,updated,recoveryLevel,recoverableDays", "pending attributes");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);
}
END_TEST

/* Row 8: merge of a certificate a test CA signed from the CSR: 201 with Location, the bundle
 * with cer and pending, the operation completed, EmailContacts, nbf/exp from the certificate. */
START_TEST(test_row8_merge)
{
    struct mvt_resp r;
    struct cmade ca;
    unsigned char *der;
    size_t len;
    char *b64, body[4000], base[128], want[300];
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;

    ccreate("c2", C_UNKNOWN_BODY, &r);
    cmake(&ca, "test CA", true, 30);
    der = csign_csr(&ca, hc_jstr(r.json, "csr"), &len);
    mvt_resp_free(&r);
    b64 = cb64(der, len);
    snprintf(body, sizeof body, "{\"x5c\":[\"%s\"]}", b64);
    creq("POST", "/certificates/c2/pending/merge", body, &r);
    hc_assert_status(&r, 201, "merge");
    snprintf(want, sizeof want, "%s/certificates/c2?api-version=%s",
             hc_base(srv, CAP, base, sizeof base), HC_API);
    hc_assert_header(&r, "Location", want, "merge");
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy,pending", "merged bundle");
    ck_assert_str_eq(hc_jstr(r.json, "cer"), b64);
    ck_assert_str_eq(hc_jstr(r.json, "policy.lifetime_actions.0.action.action_type"),
                     "EmailContacts");
    ck_assert(cJSON_IsTrue(hc_jget(r.json, "attributes.enabled")));
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    d.data = der;
    d.size = (unsigned)len;
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(hc_jint(r.json, "attributes.nbf"),
                     (int64_t)gnutls_x509_crt_get_activation_time(crt));
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"),
                     (int64_t)gnutls_x509_crt_get_expiration_time(crt));
    gnutls_x509_crt_deinit(crt);
    mvt_resp_free(&r);
    creq("GET", "/certificates/c2/pending", NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "status"), "completed");
    ck_assert_msg(hc_jstr(r.json, "target") != NULL, "completed operation has a target");
    mvt_resp_free(&r);
    free(b64);
    free(der);
    cmade_free(&ca);
}
END_TEST

/* Row 9: cancel right after create answers inProgress with the flag; the next GET is cancelled;
 * DELETE of the operation answers it; then 404 PendingCertificateNotFound. */
START_TEST(test_row9_cancel_delete)
{
    struct mvt_resp r;

    ccreate("c3", C_SELF_BODY, &r);
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/c3/pending", "{\"cancellation_requested\":true}", &r);
    hc_assert_status(&r, 200, "cancel");
    ck_assert(cJSON_IsTrue(hc_jget(r.json, "cancellation_requested")));
    ck_assert_str_eq(hc_jstr(r.json, "status"), "inProgress");
    hc_assert_no_header(&r, "Retry-After", "cancel");
    mvt_resp_free(&r);
    creq("GET", "/certificates/c3/pending", NULL, &r);
    hc_assert_keys(r.json, "id,issuer,csr,cancellation_requested,status,request_id",
                   "cancelled operation");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "cancelled");
    mvt_resp_free(&r);
    creq("GET", "/certificates/c3/", NULL, &r);
    hc_assert_status(&r, 200, "the cancelled version");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    ck_assert_msg(!hc_has(r.json, "cer"), "no certificate");
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/c3/pending", NULL, &r);
    hc_assert_status(&r, 200, "DELETE pending");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "cancelled");
    mvt_resp_free(&r);
    creq("GET", "/certificates/c3/pending", NULL, &r);
    hc_assert_status(&r, 404, "GET deleted pending");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"PendingCertificateNotFound\",\"message\":\"Pending "
                   "Certificate not found: c3\"}}",
                   true, "no operation");
    mvt_resp_free(&r);
    creq("GET", "/certificates/c3/", NULL, &r);
    ck_assert_msg(!hc_has(r.json, "pending"), "no operation, no pending");
    mvt_resp_free(&r);
}
END_TEST

/* Row 10: import of a PFX with a password: 200 without pending, the policy's subject rebuilt
 * from the certificate, issuer Unknown, EmailContacts, nbf/exp the certificate's. */
START_TEST(test_row10_import_pfx)
{
    struct mvt_resp r;
    struct cmade m;
    char *pfx, *body, *cer;
    unsigned char *der;
    size_t len;

    cmake(&m, "c4", false, 365);
    pfx = cpfx_b64(&m, "1234");
    body = hc_xmalloc(strlen(pfx) + 64);
    sprintf(body, "{\"value\":\"%s\",\"pwd\":\"1234\"}", pfx);
    creq("POST", "/certificates/c4/import", body, &r);
    hc_assert_status(&r, 200, "import");
    hc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy", "imported bundle");
    der = cder(&m, &len);
    cer = cb64(der, len);
    ck_assert_str_eq(hc_jstr(r.json, "cer"), cer);
    ck_assert_str_eq(hc_jstr(r.json, "policy.x509_props.subject"), "CN=c4, O=mockvault tests");
    ck_assert_str_eq(hc_jstr(r.json, "policy.issuer.name"), "Unknown");
    ck_assert_str_eq(hc_jstr(r.json, "policy.lifetime_actions.0.action.action_type"),
                     "EmailContacts");
    ck_assert_int_eq(hc_jint(r.json, "attributes.nbf"),
                     (int64_t)gnutls_x509_crt_get_activation_time(m.crt));
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"),
                     (int64_t)gnutls_x509_crt_get_expiration_time(m.crt));
    mvt_resp_free(&r);
    creq("GET", "/certificates/c4/pending", NULL, &r);
    hc_assert_status(&r, 404, "an import has no operation");
    mvt_resp_free(&r);
    free(cer);
    free(der);
    free(body);
    free(pfx);
    cmade_free(&m);
}
END_TEST

/* Row 13: the 336-byte CertificateNotFound for cert-that-does-not-exist. */
START_TEST(test_row13_not_found)
{
    struct mvt_resp r;

    creq("GET", "/certificates/cert-that-does-not-exist/", NULL, &r);
    hc_assert_status(&r, 404, "missing certificate");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"CertificateNotFound\",\"message\":\"A certificate with "
                   "(name/id) cert-that-does-not-exist was not found in this key vault. If you "
                   "recently deleted this certificate you may be able to recover it using the "
                   "correct recovery command. For help resolving this issue, please see "
                   "https://go.microsoft.com/fwlink/?linkid=2125182\"}}",
                   true, "missing certificate");
    ck_assert_uint_eq(r.len, 336);
    mvt_resp_free(&r);
    creq("GET", "/certificates/c1/pending", NULL, &r);
    hc_assert_status(&r, 404, "no operation");
    ck_assert_str_eq(hc_jstr(r.json, "error.message"), "Pending Certificate not found: c1");
    mvt_resp_free(&r);
    creq("GET", "/deletedcertificates/c1", NULL, &r);
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"CertificateNotFound\",\"message\":\"Deleted "
                   "Certificate not found: c1\"}}",
                   true, "not deleted");
    mvt_resp_free(&r);
}
END_TEST

/* Row 14: DELETE answers the deleted bundle with policy and pending; the deleted name cannot be
 * created again (409 Conflict, ObjectIsDeletedButRecoverable). */
START_TEST(test_row14_delete_then_create)
{
    struct mvt_resp r;
    char base[128], want[200];

    cself("c1", &r);
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/c1", NULL, &r);
    hc_assert_status(&r, 200, "delete");
    hc_assert_keys(r.json,
                   "recoveryId,deletedDate,scheduledPurgeDate,id,kid,sid,x5t,cer,attributes,"
                   "policy,pending",
                   "deleted bundle");
    snprintf(want, sizeof want, "%s/deletedcertificates/c1", hc_base(srv, CAP, base, sizeof base));
    ck_assert_str_eq(hc_jstr(r.json, "recoveryId"), want);
    ck_assert_int_eq(hc_jint(r.json, "scheduledPurgeDate"),
                     hc_jint(r.json, "deletedDate") + HC_RETENTION_7D);
    mvt_resp_free(&r);
    creq("POST", "/certificates/c1/create", C_SELF_BODY, &r);
    hc_assert_status(&r, 409, "create on a deleted name");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"Conflict\",\"message\":\"Certificate c1 is currently "
                   "in a deleted but recoverable state, and its name cannot be reused; in this "
                   "state, the certificate can only be recovered or purged.\",\"innererror\":{"
                   "\"code\":\"ObjectIsDeletedButRecoverable\"}}}",
                   true, "create on a deleted name");
    mvt_resp_free(&r);
}
END_TEST

/* §3: a second create while one is inProgress is the 409 Forbidden of the spec. */
START_TEST(test_create_while_in_progress)
{
    struct mvt_resp r;

    ccreate("c2", C_UNKNOWN_BODY, &r);
    mvt_resp_free(&r);
    creq("POST", "/certificates/c2/create", C_UNKNOWN_BODY, &r);
    hc_assert_status(&r, 409, "create while inProgress");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"Forbidden\",\"message\":\"A new key vault certificate "
                   "can not be created or imported while a pending key vault certificate's "
                   "status is inProgress.\"}}",
                   true, "create while inProgress");
    mvt_resp_free(&r);
    creq("POST", "/certificates/nopolicy/create", "{}", &r);
    hc_assert_status(&r, 400, "first version without a policy");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    mvt_resp_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-wire");
    TCase *tc = tcase_create("wire");

    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_row1_create);
    tcase_add_test(tc, test_row2_pending_completed);
    tcase_add_test(tc, test_row3_latest_bundle);
    tcase_add_test(tc, test_row4_version_bundle);
    tcase_add_test(tc, test_row5_secret_pfx);
    tcase_add_test(tc, test_row7_unknown_pending);
    tcase_add_test(tc, test_row8_merge);
    tcase_add_test(tc, test_row9_cancel_delete);
    tcase_add_test(tc, test_row10_import_pfx);
    tcase_add_test(tc, test_row13_not_found);
    tcase_add_test(tc, test_row14_delete_then_create);
    tcase_add_test(tc, test_create_while_in_progress);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
