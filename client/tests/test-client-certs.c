/* test-client-certs.c: every kv_certificate_* operation through libkvclient against the real mock
 * on a loopback port over TLS (client-common.h says how the suites run), with the fixture
 * certs-fixture.json (the demo vault; the admin app with every permission, the automation flow
 * with certificates get and list). The spec's test rows (spec/keyvault-certificates.md) are
 * checked from the client's side, and what the vault hands out is checked with GnuTLS: x5t is the
 * SHA-1 of cer, the secret is a PFX that opens with an empty password and holds the same
 * certificate, a CSR is signed here by a CA of the test's own and merged. Passwords and PFX values
 * never appear in traces or error messages. */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include "client-common.h"
#include "cx-base64.h"

#define KT_CERTS_FIXTURE "client/tests/certs-fixture.json"
#define AUTOMATION_ID "22222222-2222-2222-2222-222222222222"
#define AUTOMATION_SECRET "flow-client-secret"
#define SELF_POLICY                                                                                \
    "{\"x509_props\":{\"subject\":\"CN=DefaultPolicy\",\"sans\":{}},\"issuer\":{\"name\":"         \
    "\"Self\"}}"
#define UNKNOWN_POLICY                                                                             \
    "{\"x509_props\":{\"subject\":\"CN=merge.contoso.com\"},\"issuer\":{\"name\":\"Unknown\"}}"
#define PFX_PASSWORD "pfx-Pa55-never-logged"

static void certs_setup(void)
{
    struct mv_server_config cfg;

    kt_clear_env();
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    srv = mvt_start(KT_CERTS_FIXTURE, &cfg);
}

static void certs_teardown(void)
{
    kt_clear_env();
    mv_server_stop(srv);
    srv = NULL;
}

static TCase *certs_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, certs_setup, certs_teardown);
    tcase_set_timeout(tc, 300);
    return tc;
}

/* Polls without sleeping long: the mock's Retry-After is 10 s like the service's. */
static struct kv_poll_options fast_poll(void)
{
    struct kv_poll_options p;

    kv_poll_options_init(&p);
    p.max_interval_ms = 50;
    p.timeout_ms = 60000;
    return p;
}

static struct kv_certificate *create_self(struct kv_client *c, const char *name)
{
    struct kv_error err = fresh_err();
    struct kv_poll_options poll = fast_poll();
    struct kv_certificate *k = NULL;
    struct kv_certificate_operation *op = NULL;

    kt_assert_ok(kv_certificate_create_wait(c, name, SELF_POLICY, NULL, &poll, &k, &op, &err), &err,
                 "create_wait");
    ck_assert_ptr_nonnull(op);
    ck_assert_str_eq(op->status, "completed");
    ck_assert_ptr_nonnull(k);
    kv_certificate_operation_free(op);
    return k;
}

/* x5t is the unpadded base64url of SHA-1(cer) (spec §1). */
static void assert_x5t(const struct kv_certificate *k)
{
    unsigned char sha1[20];
    char *want;

    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA1, k->cer.data, k->cer.len, sha1), 0);
    want = cx_b64url_encode(sha1, sizeof sha1);
    ck_assert_str_eq(k->x5t, want);
    free(want);
}

/* ---- create, poll, get -------------------------------------------------------------------- */

START_TEST(test_create_self_signed)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_certificate_operation *op = NULL;
    struct kv_certificate *k = NULL, *v = NULL;
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;

    /* Row 1: 202 with the operation and the poll interval. */
    kt_assert_ok(kv_certificate_create(c, "c1", SELF_POLICY, NULL, &op, &err), &err, "create");
    ck_assert_str_eq(op->status, "inProgress");
    ck_assert_str_eq(op->name, "c1");
    ck_assert_str_eq(op->issuer_name, "Self");
    ck_assert_int_eq(op->cancellation_requested, 0);
    ck_assert_uint_eq(strlen(op->request_id), 32);
    ck_assert_uint_gt(op->csr.len, 100);
    ck_assert_int_eq(op->retry_after_ms, 10000);
    kv_certificate_operation_free(op);

    /* Row 2-3: the poller finishes and reads the latest version. */
    struct kv_poll_options poll = fast_poll();
    kt_assert_ok(kv_certificate_wait(c, "c1", &poll, &k, &op, &err), &err, "wait");
    ck_assert_str_eq(op->status, "completed");
    ck_assert_ptr_nonnull(strstr(op->target, "/certificates/c1"));
    ck_assert_ptr_null(op->status_details);
    ck_assert_ptr_nonnull(k);
    ck_assert_ptr_nonnull(k->pending_id);
    ck_assert_ptr_nonnull(k->policy);
    ck_assert_str_eq(k->policy->kty, "RSA");
    ck_assert_int_eq(k->policy->key_size, 2048);
    ck_assert_str_eq(k->policy->content_type, "application/x-pkcs12");
    ck_assert_ptr_nonnull(strstr(k->policy->json, "AutoRenew"));
    /* kid and sid share the certificate's name and version. */
    ck_assert_ptr_nonnull(strstr(k->kid, "/keys/c1/"));
    ck_assert_str_eq(strrchr(k->kid, '/'), strrchr(k->id, '/'));
    ck_assert_str_eq(strrchr(k->sid, '/'), strrchr(k->id, '/'));
    ck_assert_int_eq(k->enabled, 1);
    ck_assert_int_eq(k->not_before, k->created - 600);
    assert_x5t(k);
    /* nbf and exp are the certificate's own dates. */
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    d.data = k->cer.data;
    d.size = (unsigned)k->cer.len;
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq((int64_t)gnutls_x509_crt_get_expiration_time(crt), k->expires);
    ck_assert_int_eq((int64_t)gnutls_x509_crt_get_activation_time(crt), k->not_before);
    gnutls_x509_crt_deinit(crt);

    /* Row 4: an explicit version has no policy and no pending. */
    kt_assert_ok(kv_certificate_get(c, "c1", k->version, &v, &err), &err, "get version");
    ck_assert_ptr_null(v->policy);
    ck_assert_ptr_null(v->pending_id);
    ck_assert_uint_eq(v->cer.len, k->cer.len);
    ck_assert_mem_eq(v->cer.data, k->cer.data, k->cer.len);
    kv_certificate_free(v);
    kv_certificate_operation_free(op);
    kv_certificate_free(k);

    /* Row 13. */
    kt_assert_status(kv_certificate_get(c, "nope", NULL, &v, &err), KV_E_NOT_FOUND, &err, "get");
    ck_assert_str_eq(err.code, "CertificateNotFound");
    ck_assert_ptr_null(v);
    kv_client_destroy(c);
}
END_TEST

/* ---- the secret and download -------------------------------------------------------------- */

START_TEST(test_secret_and_download)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_certificate *k = create_self(c, "tls");
    struct kv_secret *s = NULL;
    struct kv_bytes der = {NULL, 0}, pem = {NULL, 0};
    gnutls_pkcs12_t p12;
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t *chain = NULL, crt;
    unsigned n_chain = 0;
    gnutls_datum_t d, out;
    size_t len = 0;
    unsigned char *pfx;

    /* Row 5: the PFX through the secrets API, opened with an empty password. */
    kt_assert_ok(kv_certificate_get_secret(c, k, &s, &err), &err, "get secret");
    ck_assert_str_eq(s->content_type, "application/x-pkcs12");
    ck_assert_int_eq(s->managed, 1);
    ck_assert_str_eq(s->kid, k->kid);
    pfx = cx_b64_decode(s->value, strlen(s->value), 0, &len);
    ck_assert_ptr_nonnull(pfx);
    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    d.data = pfx;
    d.size = (unsigned)len;
    ck_assert_int_eq(gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0), 0);
    ck_assert_int_eq(gnutls_pkcs12_verify_mac(p12, ""), 0);
    ck_assert_int_eq(
        gnutls_pkcs12_simple_parse(p12, "", &key, &chain, &n_chain, NULL, NULL, NULL, 0), 0);
    ck_assert_uint_ge(n_chain, 1);
    ck_assert_int_eq(gnutls_x509_crt_export2(chain[0], GNUTLS_X509_FMT_DER, &out), 0);
    ck_assert_uint_eq(out.size, k->cer.len);
    ck_assert_mem_eq(out.data, k->cer.data, out.size);
    gnutls_free(out.data);
    for (unsigned i = 0; i < n_chain; i++)
        gnutls_x509_crt_deinit(chain[i]);
    gnutls_free(chain);
    gnutls_x509_privkey_deinit(key);
    gnutls_pkcs12_deinit(p12);
    free(pfx);
    kv_secret_free(s);

    /* Download: DER is cer, PEM reads back to the same certificate. */
    kt_assert_ok(kv_certificate_download(c, "tls", NULL, 0, &der, &err), &err, "download der");
    ck_assert_uint_eq(der.len, k->cer.len);
    ck_assert_mem_eq(der.data, k->cer.data, der.len);
    kt_assert_ok(kv_certificate_download(c, "tls", k->version, 1, &pem, &err), &err, "pem");
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    d.data = pem.data;
    d.size = (unsigned)pem.len;
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out), 0);
    ck_assert_mem_eq(out.data, der.data, der.len);
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    kv_free(der.data);
    kv_free(pem.data);

    /* Row 6: the managed secret is read-only. */
    kt_assert_status(kv_secret_set(c, "tls", "x", NULL, NULL, &err), KV_E_FORBIDDEN, &err, "set");
    ck_assert_str_eq(err.inner_code, "SecretManagedByKeyVault");
    kv_certificate_free(k);
    kv_client_destroy(c);
}
END_TEST

/* ---- Unknown issuer: CSR signed here, merged ---------------------------------------------- */

/* A CA of the test's own (EC P-256) signs the CSR; *der is the leaf (gnutls_free). */
static void sign_csr(const struct kv_bytes *csr, gnutls_datum_t *der)
{
    gnutls_x509_privkey_t cakey;
    gnutls_x509_crt_t ca, leaf;
    gnutls_x509_crq_t crq;
    gnutls_datum_t d = {csr->data, (unsigned)csr->len};
    unsigned char serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    time_t now = time(NULL);

    ck_assert_int_eq(gnutls_x509_privkey_init(&cakey), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(cakey, GNUTLS_PK_ECDSA,
                                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                                  0),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_init(&ca), 0);
    gnutls_x509_crt_set_version(ca, 3);
    gnutls_x509_crt_set_serial(ca, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(ca, now - 3600);
    gnutls_x509_crt_set_expiration_time(ca, now + 86400 * 30);
    ck_assert_int_eq(gnutls_x509_crt_set_dn(ca, "CN=kvclient test CA", NULL), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key(ca, cakey), 0);
    gnutls_x509_crt_set_basic_constraints(ca, 1, -1);
    ck_assert_int_eq(gnutls_x509_crt_sign2(ca, ca, cakey, GNUTLS_DIG_SHA256, 0), 0);

    ck_assert_int_eq(gnutls_x509_crq_init(&crq), 0);
    ck_assert_int_eq(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(gnutls_x509_crq_verify(crq, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&leaf), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_crq(leaf, crq), 0);
    gnutls_x509_crt_set_version(leaf, 3);
    serial[0] = 9;
    gnutls_x509_crt_set_serial(leaf, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(leaf, now - 60);
    gnutls_x509_crt_set_expiration_time(leaf, now + 86400 * 7);
    ck_assert_int_eq(gnutls_x509_crt_sign2(leaf, ca, cakey, GNUTLS_DIG_SHA256, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(leaf, GNUTLS_X509_FMT_DER, der), 0);
    gnutls_x509_crt_deinit(leaf);
    gnutls_x509_crq_deinit(crq);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_privkey_deinit(cakey);
}

START_TEST(test_unknown_issuer_merge)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_poll_options poll = fast_poll();
    struct kv_certificate *k = NULL;
    struct kv_certificate_operation *op = NULL;
    gnutls_datum_t leaf;

    /* Row 7: the poller stops at once for Unknown; no certificate yet. */
    kt_assert_ok(kv_certificate_create_wait(c, "c2", UNKNOWN_POLICY, NULL, &poll, &k, &op, &err),
                 &err, "create unknown");
    ck_assert_ptr_null(k);
    ck_assert_str_eq(op->status, "inProgress");
    ck_assert_str_eq(op->issuer_name, "Unknown");
    ck_assert_str_eq(op->status_details,
                     "Pending certificate created. Please Perform Merge to complete the request.");
    kt_assert_ok(kv_certificate_get(c, "c2", NULL, &k, &err), &err, "get pending");
    ck_assert_int_eq(k->enabled, 0);
    ck_assert_uint_eq(k->cer.len, 0);
    ck_assert_ptr_null(k->sid);
    /* A pending version has no secret to read. */
    struct kv_secret *s = NULL;
    kt_assert_status(kv_certificate_get_secret(c, k, &s, &err), KV_E_INVALID_ARG, &err, "secret");
    kv_certificate_free(k);
    k = NULL;

    /* Row 8: merge the CSR signed by a CA of our own. */
    sign_csr(&op->csr, &leaf);
    struct kv_bytes x5c = {leaf.data, leaf.size};
    kt_assert_ok(kv_certificate_merge(c, "c2", &x5c, 1, NULL, &k, &err), &err, "merge");
    ck_assert_uint_eq(k->cer.len, leaf.size);
    ck_assert_mem_eq(k->cer.data, leaf.data, leaf.size);
    ck_assert_ptr_nonnull(k->pending_id);
    assert_x5t(k);
    kv_certificate_free(k);
    kv_certificate_operation_free(op);
    kt_assert_ok(kv_certificate_get_operation(c, "c2", &op, &err), &err, "op after merge");
    ck_assert_str_eq(op->status, "completed");
    kv_certificate_operation_free(op);
    gnutls_free(leaf.data);

    /* Merging nothing is refused before any request. */
    kt_assert_status(kv_certificate_merge(c, "c2", NULL, 0, NULL, &k, &err), KV_E_INVALID_ARG, &err,
                     "merge nothing");
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_cancel_and_delete_operation)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_certificate_operation *op = NULL;

    kt_assert_ok(kv_certificate_create(c, "c3", UNKNOWN_POLICY, NULL, NULL, &err), &err, "create");
    /* Row 9. */
    kt_assert_ok(kv_certificate_cancel_operation(c, "c3", &op, &err), &err, "cancel");
    ck_assert_int_eq(op->cancellation_requested, 1);
    ck_assert_str_eq(op->status, "inProgress");
    kv_certificate_operation_free(op);
    kt_assert_ok(kv_certificate_get_operation(c, "c3", &op, &err), &err, "get");
    ck_assert_str_eq(op->status, "cancelled");
    kv_certificate_operation_free(op);
    kt_assert_ok(kv_certificate_delete_operation(c, "c3", &op, &err), &err, "delete op");
    ck_assert_str_eq(op->status, "cancelled");
    kv_certificate_operation_free(op);
    kt_assert_status(kv_certificate_get_operation(c, "c3", &op, &err), KV_E_NOT_FOUND, &err,
                     "get deleted op");
    ck_assert_str_eq(err.code, "PendingCertificateNotFound");
    ck_assert_str_eq(err.message, "Pending Certificate not found: c3");
    ck_assert_ptr_null(op);
    kv_client_destroy(c);
}
END_TEST

/* ---- import --------------------------------------------------------------------------------- */

/* A self-signed RSA certificate with its key, as PEM (PKCS#8 key first) and as a PFX with
 * PFX_PASSWORD. */
static void make_material(char **pem, size_t *pem_len, gnutls_datum_t *pfx)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    gnutls_pkcs12_t p12;
    gnutls_pkcs12_bag_t kbag, cbag;
    gnutls_datum_t kp, cp;
    unsigned char serial[4] = {7, 7, 7, 7};
    time_t now = time(NULL);

    ck_assert_int_eq(gnutls_x509_privkey_init(&key), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(crt, now - 60);
    gnutls_x509_crt_set_expiration_time(crt, now + 86400 * 365);
    ck_assert_int_eq(gnutls_x509_crt_set_dn(crt, "CN=imported.contoso.com,O=Contoso", NULL), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key(crt, key), 0);
    ck_assert_int_eq(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);

    ck_assert_int_eq(
        gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &kp),
        0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cp), 0);
    *pem_len = kp.size + cp.size;
    *pem = malloc(*pem_len + 1);
    memcpy(*pem, kp.data, kp.size);
    memcpy(*pem + kp.size, cp.data, cp.size);
    (*pem)[*pem_len] = '\0';
    gnutls_free(kp.data);
    gnutls_free(cp.data);

    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_init(&kbag), 0);
    ck_assert_int_ge(
        gnutls_pkcs12_bag_set_privkey(kbag, key, PFX_PASSWORD, GNUTLS_PKCS_PKCS12_3DES), 0);
    ck_assert_int_eq(gnutls_pkcs12_set_bag(p12, kbag), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_init(&cbag), 0);
    ck_assert_int_ge(gnutls_pkcs12_bag_set_crt(cbag, crt), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_encrypt(cbag, PFX_PASSWORD, GNUTLS_PKCS_PKCS12_3DES), 0);
    ck_assert_int_eq(gnutls_pkcs12_set_bag(p12, cbag), 0);
    ck_assert_int_eq(gnutls_pkcs12_generate_mac2(p12, GNUTLS_MAC_SHA1, PFX_PASSWORD), 0);
    ck_assert_int_eq(gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, pfx), 0);
    gnutls_pkcs12_bag_deinit(kbag);
    gnutls_pkcs12_bag_deinit(cbag);
    gnutls_pkcs12_deinit(p12);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
}

/* Trace lines, to check that no password or PFX ever reaches them. */
static char trace_log[1 << 16];
static void collect(void *ctx, const char *line)
{
    (void)ctx;
    if (strlen(trace_log) + strlen(line) + 2 < sizeof trace_log) {
        strcat(trace_log, line);
        strcat(trace_log, "\n");
    }
}

START_TEST(test_import)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_certificate *k = NULL;
    struct kv_secret *s = NULL;
    gnutls_datum_t pfx;
    char *pem = NULL, *b64;
    size_t pem_len = 0;

    trace_log[0] = '\0';
    kt_options(&o, srv);
    o.trace = collect;
    /* The embedded mock decrypts PKCS#12 (3DES, 2000 iterations) in this process: under valgrind
     * one import takes longer than the default 30 s per attempt. */
    if (KT_UNDER_VALGRIND())
        o.timeout_ms = 600000;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    make_material(&pem, &pem_len, &pfx);

    /* Row 10: PFX with a password; x509 properties from the certificate, no pending. */
    kt_assert_ok(
        kv_certificate_import(c, "c4", pfx.data, pfx.size, PFX_PASSWORD, NULL, NULL, &k, &err),
        &err, "import pfx");
    ck_assert_ptr_null(k->pending_id);
    ck_assert_ptr_nonnull(k->policy);
    ck_assert_ptr_nonnull(strstr(k->policy->subject, "CN=imported.contoso.com"));
    ck_assert_str_eq(k->policy->issuer_name, "Unknown");
    ck_assert_ptr_nonnull(strstr(k->policy->json, "EmailContacts"));
    assert_x5t(k);
    kv_certificate_free(k);

    /* Row 11: a wrong password. */
    kt_assert_status(
        kv_certificate_import(c, "c5", pfx.data, pfx.size, "wrong", NULL, NULL, &k, &err),
        KV_E_BAD_REQUEST, &err, "wrong password");
    ck_assert_ptr_nonnull(strstr(err.message, "PKCS#12"));
    ck_assert_ptr_null(k);

    /* PEM: sent as text, with the PEM content type; the secret comes back as PEM, key first. */
    kt_assert_ok(kv_certificate_import(c, "c6", pem, pem_len, NULL, NULL, NULL, &k, &err), &err,
                 "import pem");
    ck_assert_str_eq(k->policy->content_type, "application/x-pem-file");
    kt_assert_ok(kv_certificate_get_secret(c, k, &s, &err), &err, "pem secret");
    ck_assert_str_eq(s->content_type, "application/x-pem-file");
    ck_assert_int_eq(strncmp(s->value, "-----BEGIN PRIVATE KEY-----\n", 28), 0);
    ck_assert_ptr_nonnull(strstr(s->value, "-----BEGIN CERTIFICATE-----\n"));
    kv_secret_free(s);
    kv_certificate_free(k);

    /* Row 12: a PKCS#1 key is refused. */
    char *p1 = strdup(pem);
    char *hdr = strstr(p1, "-----BEGIN PRIVATE KEY-----");
    memcpy(hdr, "-----BEGIN RSA PRIVATE KEY-", 27);
    kt_assert_status(kv_certificate_import(c, "c7", p1, strlen(p1), NULL, NULL, NULL, &k, &err),
                     KV_E_BAD_REQUEST, &err, "pkcs1");
    free(p1);

    /* Nothing of the PFX, the PEM key or the password went to the trace or a message. */
    b64 = cx_b64_encode(pfx.data, 48, 0);
    ck_assert_ptr_null(strstr(trace_log, PFX_PASSWORD));
    ck_assert_ptr_null(strstr(trace_log, b64));
    ck_assert_ptr_null(strstr(trace_log, "PRIVATE KEY"));
    ck_assert_ptr_null(strstr(err.message, PFX_PASSWORD));
    ck_assert_ptr_nonnull(strstr(trace_log, "ImportCertificate"));
    free(b64);
    gnutls_free(pfx.data);
    free(pem);
    kv_client_destroy(c);
}
END_TEST

/* ---- lists, update, policy ---------------------------------------------------------------- */

static unsigned count_certs(struct kv_client *c, enum kv_certificate_list_kind kind,
                            const char *name, int include_pending, const char *want)
{
    struct kv_error err = fresh_err();
    struct kv_pager *p = NULL;
    struct kv_certificate *k = NULL;
    unsigned n = 0, found = 0;

    ck_assert_int_eq(kv_certificate_pager_create(c, kind, name, 1, include_pending, &p), KV_OK);
    for (;;) {
        kt_assert_ok(kv_certificate_pager_next(p, &k, &err), &err, "pager");
        if (!k)
            break;
        n++;
        if (want && k->name && !strcmp(k->name, want))
            found++;
        kv_certificate_free(k);
    }
    /* maxresults=1: one page per item at least. */
    ck_assert_uint_ge(kv_pager_pages(p), n);
    kv_pager_destroy(p);
    ck_assert_msg(!want || found, "%s is listed", want);
    return n;
}

START_TEST(test_lists_update_policy)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_certificate *a = create_self(c, "la"), *b = create_self(c, "la"), *k = NULL;
    struct kv_certificate_props p;
    struct kv_certificate_policy *pol = NULL;
    struct kv_key *key = NULL;
    struct kv_tag tag = {"env", "test"};

    kv_certificate_free(create_self(c, "lb"));
    kt_assert_ok(kv_certificate_create(c, "lpending", UNKNOWN_POLICY, NULL, NULL, &err), &err,
                 "create pending");
    ck_assert_uint_eq(count_certs(c, KV_LIST_CERTIFICATES, NULL, 0, "lb"), 2);
    ck_assert_uint_eq(count_certs(c, KV_LIST_CERTIFICATES, NULL, 1, "lpending"), 3);
    ck_assert_uint_eq(count_certs(c, KV_LIST_CERTIFICATE_VERSIONS, "la", 0, "la"), 2);

    /* Update the older version: disabled and tagged, mirrored to its managed key. */
    kv_certificate_props_init(&p);
    p.enabled = 0;
    p.tags = &tag;
    p.n_tags = 1;
    p.set_tags = 1;
    kt_assert_ok(kv_certificate_update(c, "la", a->version, &p, &k, &err), &err, "update");
    ck_assert_int_eq(k->enabled, 0);
    ck_assert_uint_eq(k->n_tags, 1);
    ck_assert_str_eq(k->tags[0].value, "test");
    kv_certificate_free(k);
    kt_assert_ok(kv_key_get(c, "la", a->version, &key, &err), &err, "managed key");
    ck_assert_int_eq(key->enabled, 0);
    ck_assert_int_eq(key->managed, 1);
    kv_key_free(key);

    /* Policy: a partial PATCH changes one member and keeps the rest. */
    kt_assert_ok(kv_certificate_policy_update(c, "la", "{\"x509_props\":{\"validity_months\":24}}",
                                              &pol, &err),
                 &err, "policy update");
    ck_assert_int_eq(pol->validity_months, 24);
    kv_certificate_policy_free(pol);
    kt_assert_ok(kv_certificate_policy_get(c, "la", &pol, &err), &err, "policy get");
    ck_assert_int_eq(pol->validity_months, 24);
    ck_assert_str_eq(pol->subject, "CN=DefaultPolicy");
    ck_assert_str_eq(pol->issuer_name, "Self");
    kv_certificate_policy_free(pol);
    kt_assert_status(kv_certificate_policy_update(c, "la", "[1]", &pol, &err), KV_E_INVALID_ARG,
                     &err, "bad policy");
    kv_certificate_free(a);
    kv_certificate_free(b);
    kv_client_destroy(c);
}
END_TEST

/* ---- delete, recover, purge, backup, restore ---------------------------------------------- */

START_TEST(test_soft_delete_backup_restore)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_certificate *k = create_self(c, "sd"), *d = NULL;
    char *blob = NULL;

    kt_assert_ok(kv_certificate_backup(c, "sd", &blob, &err), &err, "backup");
    /* Row 14. */
    kt_assert_ok(kv_certificate_delete(c, "sd", &d, &err), &err, "delete");
    ck_assert_ptr_nonnull(strstr(d->recovery_id, "/deletedcertificates/sd"));
    ck_assert_int_gt(d->scheduled_purge_date, d->deleted_date);
    ck_assert_ptr_nonnull(d->policy);
    kv_certificate_free(d);
    kt_assert_status(kv_certificate_create(c, "sd", SELF_POLICY, NULL, NULL, &err), KV_E_CONFLICT,
                     &err, "create over deleted");
    ck_assert_str_eq(err.inner_code, "ObjectIsDeletedButRecoverable");
    ck_assert_uint_eq(count_certs(c, KV_LIST_DELETED_CERTIFICATES, NULL, 0, "sd"), 1);
    kt_assert_ok(kv_certificate_get_deleted(c, "sd", &d, &err), &err, "get deleted");
    kv_certificate_free(d);
    kt_assert_ok(kv_certificate_recover(c, "sd", &d, &err), &err, "recover");
    ck_assert_ptr_nonnull(d->policy);
    ck_assert_str_eq(d->version, k->version);
    kv_certificate_free(d);
    kt_assert_ok(kv_certificate_delete(c, "sd", NULL, &err), &err, "delete again");
    kt_assert_ok(kv_certificate_purge(c, "sd", &err), &err, "purge");
    kt_assert_status(kv_certificate_get_deleted(c, "sd", &d, &err), KV_E_NOT_FOUND, &err, "purged");
    /* Restore after purge keeps the version id. */
    kt_assert_ok(kv_certificate_restore(c, blob, &d, &err), &err, "restore");
    ck_assert_str_eq(d->version, k->version);
    ck_assert_ptr_null(d->pending_id);
    kv_certificate_free(d);
    kt_assert_status(kv_certificate_restore(c, "bm90IGEgYmFja3Vw", &d, &err), KV_E_BAD_REQUEST,
                     &err, "malformed");
    kv_free_secret(blob);
    kv_certificate_free(k);
    kv_client_destroy(c);
}
END_TEST

/* ---- contacts and issuers ------------------------------------------------------------------ */

START_TEST(test_contacts_and_issuers)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_certificate_contacts *cs = NULL;
    struct kv_certificate_contact list[2] = {{"admin@contoso.com", "John Doe", "1111111111"},
                                             {"ops@contoso.com", NULL, NULL}};
    struct kv_certificate_issuer_props ip;
    struct kv_certificate_issuer *is = NULL;
    struct kv_pager *p = NULL;
    unsigned n = 0;

    /* Row 15. */
    kt_assert_status(kv_certificate_contacts_get(c, &cs, &err), KV_E_NOT_FOUND, &err, "none");
    ck_assert_str_eq(err.code, "ContactsNotFound");
    kt_assert_ok(kv_certificate_contacts_set(c, list, 2, &cs, &err), &err, "set contacts");
    ck_assert_uint_eq(cs->n_contacts, 2);
    kv_certificate_contacts_free(cs);
    kt_assert_ok(kv_certificate_contacts_get(c, &cs, &err), &err, "get contacts");
    ck_assert_str_eq(cs->contacts[0].name, "John Doe");
    ck_assert_str_eq(cs->contacts[1].email, "ops@contoso.com");
    kv_certificate_contacts_free(cs);
    kt_assert_ok(kv_certificate_contacts_delete(c, &cs, &err), &err, "delete contacts");
    ck_assert_uint_eq(cs->n_contacts, 2);
    kv_certificate_contacts_free(cs);

    kt_assert_status(kv_certificate_issuer_get(c, "none", &is, &err), KV_E_NOT_FOUND, &err,
                     "no issuer");
    ck_assert_str_eq(err.code, "CertificateIssuerNotFound");
    kv_certificate_issuer_props_init(&ip);
    ip.provider = "Test";
    ip.account_id = "keyvaultuser";
    ip.password = PFX_PASSWORD;
    kt_assert_ok(kv_certificate_issuer_set(c, "issuer1", &ip, &is, &err), &err, "set issuer");
    ck_assert_str_eq(is->name, "issuer1");
    ck_assert_str_eq(is->account_id, "keyvaultuser");
    kv_certificate_issuer_free(is);
    kv_certificate_issuer_props_init(&ip);
    ip.org_id = "org-7";
    kt_assert_ok(kv_certificate_issuer_update(c, "issuer1", &ip, &is, &err), &err, "update");
    /* PATCH merges: the account stays. */
    ck_assert_str_eq(is->account_id, "keyvaultuser");
    ck_assert_str_eq(is->org_id, "org-7");
    kv_certificate_issuer_free(is);
    ck_assert_int_eq(kv_certificate_issuer_pager_create(c, 0, &p), KV_OK);
    for (;;) {
        kt_assert_ok(kv_certificate_issuer_pager_next(p, &is, &err), &err, "issuers");
        if (!is)
            break;
        ck_assert_str_eq(is->provider, "Test");
        n++;
        kv_certificate_issuer_free(is);
    }
    kv_pager_destroy(p);
    ck_assert_uint_eq(n, 1);
    kt_assert_ok(kv_certificate_issuer_delete(c, "issuer1", &is, &err), &err, "delete issuer");
    kv_certificate_issuer_free(is);
    kt_assert_status(kv_certificate_issuer_set(c, "issuer2", &ip, &is, &err), KV_E_INVALID_ARG,
                     &err, "no provider");
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_permissions)
{
    struct kv_client *admin = kt_admin(srv), *flow, *none;
    struct kv_error err = fresh_err();
    struct kv_certificate *k = create_self(admin, "perm"), *g = NULL;

    /* The automation flow may get and list, not create. */
    flow = kt_client(srv, AUTOMATION_ID, AUTOMATION_SECRET);
    kt_assert_ok(kv_certificate_get(flow, "perm", NULL, &g, &err), &err, "flow get");
    kv_certificate_free(g);
    kt_assert_status(kv_certificate_create(flow, "perm2", SELF_POLICY, NULL, NULL, &err),
                     KV_E_FORBIDDEN, &err, "flow create");
    ck_assert_ptr_nonnull(strstr(err.message, "certificates create permission"));
    none = kt_client(srv, KT_NOACCESS_ID, KT_NOACCESS_SECRET);
    kt_assert_status(kv_certificate_get(none, "perm", NULL, &g, &err), KV_E_FORBIDDEN, &err,
                     "no access");
    kv_certificate_free(k);
    kv_client_destroy(none);
    kv_client_destroy(flow);
    kv_client_destroy(admin);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kvclient-client-certs");
    TCase *tc = certs_tcase("certs");

    tcase_add_test(tc, test_create_self_signed);
    tcase_add_test(tc, test_secret_and_download);
    tcase_add_test(tc, test_unknown_issuer_merge);
    tcase_add_test(tc, test_cancel_and_delete_operation);
    tcase_add_test(tc, test_import);
    tcase_add_test(tc, test_lists_update_policy);
    tcase_add_test(tc, test_soft_delete_backup_restore);
    tcase_add_test(tc, test_contacts_and_issuers);
    tcase_add_test(tc, test_permissions);
    suite_add_tcase(s, tc);
    return kt_run(s);
}
