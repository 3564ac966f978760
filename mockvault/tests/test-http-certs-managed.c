/* test-http-certs-managed.c: the secret and the key behind a certificate over real TLS
 * (spec/keyvault-certificates.md §1, §4, §5; test rows 5 and 6): the secret bundle's key order,
 * the PKCS#12 that opens with the empty password, PEM with the key first, exportable false
 * without a key, outContentType conversion and its refusals, previousVersion, "managed" in lists
 * and key bundles, the key usable as its key usage allows, direct writes refused, and the secret
 * permission needed to read the PFX (certmeta-common.h says how the suites run). */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "certmeta-common.h"
#include "cx-mem.h"
#include "jwk-gen.h"

/* Row 5: GET /secrets/c1/ -> value, contentType, id, managed, attributes, kid; the same version as
 * the certificate's sid and kid; attributes nbf/exp = the certificate's; the value is a PKCS#12
 * that GnuTLS opens with the empty password (MAC and bags), holding the key and the certificate. */
START_TEST(test_row5_pfx_secret)
{
    struct mvt_resp b, r;
    char kid[300], base[128];
    const char *v;
    struct cp12 p;

    ccreate("c1", C_POLICY, &b);
    v = cversion(b.json, "id");
    ck_assert_msg(hc_is_version(v), "certificate version");
    ck_assert_str_eq(cversion(b.json, "sid"), v);
    ck_assert_str_eq(cversion(b.json, "kid"), v);
    creq("GET", "/secrets/c1/", NULL, &r);
    hc_assert_status(&r, 200, "GET /secrets/c1/");
    hc_assert_keys(r.json, "value,contentType,id,managed,attributes,kid", "secret bundle keys");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), C_PKCS12);
    ck_assert_msg(cJSON_IsTrue(hc_jget(r.json, "managed")), "managed:true");
    ck_assert_str_eq(hc_jstr(r.json, "id"), hc_jstr(b.json, "sid"));
    snprintf(kid, sizeof kid, "%s/keys/c1/%s", hc_base(srv, CAP, base, sizeof base), v);
    ck_assert_str_eq(hc_jstr(r.json, "kid"), kid);
    ck_assert_int_eq(hc_jint(r.json, "attributes.nbf"), hc_jint(b.json, "attributes.nbf"));
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"), hc_jint(b.json, "attributes.exp"));
    p = cpkcs12(hc_jstr(r.json, "value"));
    ck_assert_msg(p.mac_ok == 0, "the MAC verifies with the empty password");
    ck_assert_uint_eq(p.keys, 1);
    ck_assert_uint_ge(p.certs, 1);
    ck_assert_msg(csame_cer(&p.leaf, hc_jstr(b.json, "cer")), "the PFX holds the certificate");
    gnutls_free(p.leaf.data);
    mvt_resp_free(&r);
    /* The sid names the same version. */
    snprintf(kid, sizeof kid, "/secrets/c1/%s", v);
    creq("GET", kid, NULL, &r);
    hc_assert_status(&r, 200, "GET /secrets/c1/{version}");
    ck_assert_str_eq(hc_jstr(r.json, "id"), hc_jstr(b.json, "sid"));
    mvt_resp_free(&r);
    mvt_resp_free(&b);
}
END_TEST

/* The whole PKCS#12 through GnuTLS's own reader (gnutls_pkcs12_simple_parse), as an application
 * loading the PFX would: the key matches the certificate. */
START_TEST(test_pfx_simple_parse)
{
    struct mvt_resp b, r;
    gnutls_datum_t der;
    gnutls_pkcs12_t p12;
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t *chain = NULL;
    unsigned nchain = 0;
    unsigned char kid1[64], kid2[64];
    size_t l1 = sizeof kid1, l2 = sizeof kid2;

    ccreate("app", C_POLICY, &b);
    creq("GET", "/secrets/app", NULL, &r);
    hc_assert_status(&r, 200, "GET secret");
    der = cb64(hc_jstr(r.json, "value"));
    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    ck_assert_int_eq(gnutls_pkcs12_import(p12, &der, GNUTLS_X509_FMT_DER, 0), 0);
    ck_assert_msg(gnutls_pkcs12_simple_parse(p12, "", &key, &chain, &nchain, NULL, NULL, NULL, 0) ==
                      0,
                  "gnutls_pkcs12_simple_parse with the empty password");
    ck_assert_uint_ge(nchain, 1);
    ck_assert_int_eq(gnutls_x509_privkey_get_key_id(key, 0, kid1, &l1), 0);
    ck_assert_int_eq(gnutls_x509_crt_get_key_id(chain[0], 0, kid2, &l2), 0);
    ck_assert_msg(l1 == l2 && memcmp(kid1, kid2, l1) == 0, "the key is the certificate's");
    for (unsigned i = 0; i < nchain; i++)
        gnutls_x509_crt_deinit(chain[i]);
    gnutls_free(chain);
    gnutls_x509_privkey_deinit(key);
    gnutls_pkcs12_deinit(p12);
    gnutls_free(der.data);
    mvt_resp_free(&r);
    mvt_resp_free(&b);
}
END_TEST

/* Asserts that pem is the service's PEM (§4): PKCS#8 key first (when want_key), then the
 * certificate, LF only, a trailing LF, 64-column lines; its certificate is cer. */
static void assert_pem(const char *pem, const char *cer, bool want_key)
{
    static const char key_end[] = "-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n";
    const char *c = strstr(pem, "-----BEGIN CERTIFICATE-----\n");
    gnutls_x509_crt_t crt;
    gnutls_datum_t d = {(unsigned char *)c, c ? (unsigned)strlen(c) : 0}, out;
    size_t len = strlen(pem);

    ck_assert_msg(strchr(pem, '\r') == NULL, "LF line ends only");
    ck_assert_msg(len && pem[len - 1] == '\n', "a trailing LF");
    ck_assert_msg(c != NULL, "a certificate");
    if (want_key) {
        ck_assert_msg(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0, "the key first");
        ck_assert_msg(strstr(pem, key_end) != NULL, "the certificate right after the key");
    } else {
        ck_assert_msg(strstr(pem, "PRIVATE KEY") == NULL, "no key");
    }
    for (const char *l = pem; *l; l = strchr(l, '\n') + 1)
        ck_assert_msg(strcspn(l, "\n") <= 64, "64-column lines");
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out), 0);
    ck_assert_msg(csame_cer(&out, cer), "the PEM certificate is the certificate");
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    if (want_key) {
        gnutls_x509_privkey_t k;
        gnutls_datum_t kd = {(unsigned char *)pem, (unsigned)(c - pem)};
        ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
        ck_assert_msg(gnutls_x509_privkey_import_pkcs8(k, &kd, GNUTLS_X509_FMT_PEM, NULL,
                                                       GNUTLS_PKCS_PLAIN) == 0,
                      "an unencrypted PKCS#8 key");
        gnutls_x509_privkey_deinit(k);
    }
}

/* §4: a policy with secret_props application/x-pem-file gets a PEM secret, key first. */
START_TEST(test_pem_secret)
{
    struct mvt_resp b, r;

    ccreate("pem1",
            "{\"secret_props\":{\"contentType\":\"application/x-pem-file\"},\"x509_props\":{"
            "\"subject\":\"CN=pem1\"},\"issuer\":{\"name\":\"Self\"}}",
            &b);
    creq("GET", "/secrets/pem1/", NULL, &r);
    hc_assert_status(&r, 200, "GET PEM secret");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), C_PEM);
    assert_pem(hc_jstr(r.json, "value"), hc_jstr(b.json, "cer"), true);
    mvt_resp_free(&r);
    /* Asking a PEM secret for PKCS#12 is the conversion the service does not do. */
    creq("GET", "/secrets/pem1/?outContentType=application/x-pkcs12", NULL, &r);
    hc_assert_status(&r, 400, "PEM -> PKCS#12 refused");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    mvt_resp_free(&r);
    creq("GET", "/secrets/pem1/?outContentType=application/x-pem-file", NULL, &r);
    hc_assert_status(&r, 200, "PEM as PEM");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), C_PEM);
    mvt_resp_free(&r);
    mvt_resp_free(&b);
}
END_TEST

/* §4: exportable false -> the secret holds no private key (PKCS#12 and PEM). */
START_TEST(test_not_exportable)
{
    struct mvt_resp b, r;
    struct cp12 p;

    ccreate("nx",
            "{\"key_props\":{\"exportable\":false},\"x509_props\":{\"subject\":\"CN=nx\"},"
            "\"issuer\":{\"name\":\"Self\"}}",
            &b);
    creq("GET", "/secrets/nx/", NULL, &r);
    hc_assert_status(&r, 200, "GET secret");
    p = cpkcs12(hc_jstr(r.json, "value"));
    ck_assert_uint_eq(p.keys, 0);
    ck_assert_uint_ge(p.certs, 1);
    ck_assert_msg(csame_cer(&p.leaf, hc_jstr(b.json, "cer")), "the certificate is there");
    gnutls_free(p.leaf.data);
    mvt_resp_free(&r);
    creq("GET", "/secrets/nx/?outContentType=application/x-pem-file", NULL, &r);
    hc_assert_status(&r, 200, "PEM of a non-exportable certificate");
    assert_pem(hc_jstr(r.json, "value"), hc_jstr(b.json, "cer"), false);
    mvt_resp_free(&r);
    mvt_resp_free(&b);
}
END_TEST

/* §4 outContentType (2025-07-01): PFX -> PEM with contentType application/x-pem-file; ignored
 * by 7.6; any other value refused; a secret that is not a certificate's refused. */
START_TEST(test_out_content_type)
{
    struct mvt_resp b, r;
    char *pfx;

    ccreate("oc", C_POLICY, &b);
    creq("GET", "/secrets/oc/?outContentType=application/x-pem-file", NULL, &r);
    hc_assert_status(&r, 200, "PFX -> PEM");
    hc_assert_keys(r.json, "value,contentType,id,managed,attributes,kid", "converted bundle");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), C_PEM);
    assert_pem(hc_jstr(r.json, "value"), hc_jstr(b.json, "cer"), true);
    mvt_resp_free(&r);
    creq("GET", "/secrets/oc/", NULL, &r);
    pfx = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    creq("GET", "/secrets/oc/?outContentType=application/x-pkcs12", NULL, &r);
    hc_assert_status(&r, 200, "PFX as PFX");
    ck_assert_msg(strcmp(hc_jstr(r.json, "value"), pfx) == 0, "unchanged");
    mvt_resp_free(&r);
    creq_as(NULL, "GET", CAP, "/secrets/oc/?outContentType=application/x-pem-file", "7.6", NULL,
            &r);
    hc_assert_status(&r, 200, "7.6 ignores outContentType");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), C_PKCS12);
    ck_assert_msg(strcmp(hc_jstr(r.json, "value"), pfx) == 0, "the PFX at 7.6");
    mvt_resp_free(&r);
    creq("GET", "/secrets/oc/?outContentType=text/plain", NULL, &r);
    hc_assert_status(&r, 400, "unsupported outContentType");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "only PFX to PEM conversion") != NULL,
                  "the REST reference's words");
    mvt_resp_free(&r);
    hc_set(srv, CAP, tok, "plain", "{\"value\":\"not a certificate\"}", &r);
    mvt_resp_free(&r);
    creq("GET", "/secrets/plain?outContentType=application/x-pem-file", NULL, &r);
    hc_assert_status(&r, 400, "outContentType on a plain secret");
    ck_assert_str_eq(hc_err_code(&r), "BadParameter");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "not backed by a certificate") != NULL,
                  "says why");
    mvt_resp_free(&r);
    free(pfx);
    mvt_resp_free(&b);
}
END_TEST

/* §4 previousVersion (2025-07-01): the second version's secret names the first; the first names
 * none; 7.6 never has it. Lists: "managed":true on items, no kid. */
START_TEST(test_previous_version_and_lists)
{
    struct mvt_resp b, r;
    char *v1, path[200];
    const cJSON *it;

    ccreate("pv", C_POLICY, &b);
    v1 = strdup(cversion(b.json, "id"));
    mvt_resp_free(&b);
    ccreate("pv", C_POLICY, &b);
    ck_assert_str_ne(cversion(b.json, "id"), v1);
    creq("GET", "/secrets/pv/", NULL, &r);
    hc_assert_status(&r, 200, "GET latest");
    hc_assert_keys(r.json, "value,contentType,id,managed,attributes,kid,previousVersion",
                   "with previousVersion");
    ck_assert_str_eq(hc_jstr(r.json, "previousVersion"), v1);
    ck_assert_str_eq(cversion(r.json, "id"), cversion(b.json, "id"));
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/pv/%s", v1);
    creq("GET", path, NULL, &r);
    hc_assert_status(&r, 200, "GET first version");
    ck_assert_msg(!hc_has(r.json, "previousVersion"), "the first has none");
    mvt_resp_free(&r);
    creq_as(NULL, "GET", CAP, "/secrets/pv/", "7.6", NULL, &r);
    hc_assert_status(&r, 200, "GET at 7.6");
    ck_assert_msg(!hc_has(r.json, "previousVersion"), "not before 2025-07-01");
    mvt_resp_free(&r);

    creq("GET", "/secrets", NULL, &r);
    hc_assert_status(&r, 200, "list secrets");
    it = hc_jget(r.json, "value.0");
    hc_assert_keys(it, "contentType,id,managed,attributes", "list item");
    ck_assert_msg(cJSON_IsTrue(hc_jget(it, "managed")), "managed in the list");
    mvt_resp_free(&r);
    creq("GET", "/secrets/pv/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    hc_assert_keys(hc_jget(r.json, "value.0"), "contentType,id,managed,attributes", "version item");
    mvt_resp_free(&r);
    creq("GET", "/keys", NULL, &r);
    hc_assert_status(&r, 200, "list keys");
    ck_assert_msg(cJSON_IsTrue(hc_jget(r.json, "value.0.managed")), "managed key item");
    mvt_resp_free(&r);
    free(v1);
    mvt_resp_free(&b);
}
END_TEST

/* Row 6 and §4: direct writes of the managed secret and key are refused with the verb of the
 * operation, and change nothing. */
START_TEST(test_row6_managed_writes_refused)
{
    static const struct {
        const char *method, *path, *body, *verb, *inner;
    } w[] = {
        {"PUT", "/secrets/m1", "{\"value\":\"x\"}", "set", "SecretManagedByKeyVault"},
        {"PATCH", "/secrets/m1/", "{\"contentType\":\"x\"}", "update", "SecretManagedByKeyVault"},
        {"DELETE", "/secrets/m1", NULL, "delete", "SecretManagedByKeyVault"},
        {"PATCH", "/keys/m1/", "{\"attributes\":{\"enabled\":false}}", "update",
         "KeyManagedByKeyVault"},
        {"DELETE", "/keys/m1", NULL, "delete", "KeyManagedByKeyVault"},
        {"POST", "/keys/m1/create", "{\"kty\":\"EC\"}", "create", "KeyManagedByKeyVault"},
        {"POST", "/keys/m1/rotate", NULL, "rotate", "KeyManagedByKeyVault"},
    };
    struct mvt_resp b, r;
    char want[200], *before, *jwk = jwkgen_private(false), *imp;
    size_t n;

    ck_assert_msg(jwk != NULL, "a JWK to import");
    n = strlen(jwk) + 16;
    imp = hc_xmalloc(n);
    snprintf(imp, n, "{\"key\":%s}", jwk);
    ccreate("m1", C_POLICY, &b);
    mvt_resp_free(&b);
    before = hc_state(srv);
    creq("PUT", "/keys/m1", imp, &r);
    hc_assert_status(&r, 403, "import over a managed key");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "KeyManagedByKeyVault");
    ck_assert_str_eq(hc_jstr(r.json, "error.message"),
                     "Operation \"import\" is not allowed as this object's lifetime is managed by "
                     "Key Vault.");
    mvt_resp_free(&r);
    cx_wipe_free(imp, strlen(imp));
    cx_wipe_free(jwk, strlen(jwk));
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        creq(w[i].method, w[i].path, w[i].body, &r);
        hc_assert_status(&r, 403, w[i].path);
        ck_assert_str_eq(hc_err_code(&r), "Forbidden");
        ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), w[i].inner);
        snprintf(want, sizeof want,
                 "Operation \"%s\" is not allowed as this object's lifetime is managed by Key "
                 "Vault.",
                 w[i].verb);
        ck_assert_str_eq(hc_jstr(r.json, "error.message"), want);
        mvt_resp_free(&r);
    }
    {
        char *after = hc_state(srv);
        ck_assert_msg(strcmp(before, after) == 0, "refused writes change nothing");
        free(after);
    }
    free(before);
}
END_TEST

/* §1: the managed key signs as its key usage allows (digitalSignature -> sign/verify), checked
 * with the certificate's public key; a keyEncipherment-only certificate's key refuses to sign. */
START_TEST(test_managed_key_usage)
{
    struct mvt_resp b, r;
    unsigned char digest[32];
    static const char data[] = "signed by a certificate's key";
    char body[200], *dg, path[200];
    gnutls_x509_crt_t crt;
    gnutls_pubkey_t pub;
    gnutls_datum_t cer, sig, hash = {digest, 32};
    unsigned char *raw;
    size_t rawlen = 0;

    ccreate("sk", C_POLICY, &b);
    creq("GET", "/keys/sk/", NULL, &r);
    hc_assert_status(&r, 200, "GET managed key");
    ck_assert_msg(cJSON_IsTrue(hc_jget(r.json, "managed")), "managed:true on the key bundle");
    ck_assert_msg(strstr(r.body, "\"key_ops\":[") != NULL && strstr(r.body, "\"sign\"") != NULL,
                  "sign allowed by digitalSignature");
    ck_assert_str_eq(cversion(r.json, "key.kid"), cversion(b.json, "id"));
    mvt_resp_free(&r);
    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA256, data, strlen(data), digest), 0);
    dg = hc_b64url_encode(digest, 32);
    snprintf(body, sizeof body, "{\"alg\":\"RS256\",\"value\":\"%s\"}", dg);
    snprintf(path, sizeof path, "/keys/sk/%s/sign", cversion(b.json, "id"));
    creq("POST", path, body, &r);
    hc_assert_status(&r, 200, "sign with the certificate's key");
    raw = hc_b64url_decode(hc_jstr(r.json, "value"), strlen(hc_jstr(r.json, "value")), &rawlen);
    sig.data = raw;
    sig.size = (unsigned)rawlen;
    cer = cb64(hc_jstr(b.json, "cer"));
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &cer, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(gnutls_pubkey_init(&pub), 0);
    ck_assert_int_eq(gnutls_pubkey_import_x509(pub, crt, 0), 0);
    ck_assert_msg(gnutls_pubkey_verify_hash2(pub, GNUTLS_SIGN_RSA_SHA256, 0, &hash, &sig) >= 0,
                  "the signature verifies with the certificate's public key");
    gnutls_pubkey_deinit(pub);
    gnutls_x509_crt_deinit(crt);
    gnutls_free(cer.data);
    free(raw);
    mvt_resp_free(&r);
    mvt_resp_free(&b);

    ccreate("wk",
            "{\"x509_props\":{\"subject\":\"CN=wk\",\"key_usage\":[\"keyEncipherment\"]},"
            "\"issuer\":{\"name\":\"Self\"}}",
            &b);
    snprintf(path, sizeof path, "/keys/wk/%s/sign", cversion(b.json, "id"));
    creq("POST", path, body, &r);
    hc_assert_status(&r, 403, "keyEncipherment only: no sign");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "KeyOperationForbidden");
    mvt_resp_free(&r);
    free(dg);
    mvt_resp_free(&b);
}
END_TEST

/* §5: reading the PFX through /secrets needs the secret permission (the flow holds certificates
 * get but no secret permission), and the secret of a disabled certificate answers SecretDisabled.
 */
START_TEST(test_access_and_disabled)
{
    char *flow = mvt_token(srv, T_FLOW_ID, T_FLOW_SECRET, "https://vault.azure.net/.default");
    struct mvt_resp b, r;
    char path[200];

    ck_assert_msg(flow != NULL, "token");
    ccreate("ac", C_POLICY, &b);
    creq_as(flow, "GET", CAP, "/certificates/ac/", NULL, NULL, &r);
    hc_assert_status(&r, 200, "certificates get reads the certificate");
    mvt_resp_free(&r);
    creq_as(flow, "GET", CAP, "/secrets/ac/", NULL, NULL, &r);
    hc_assert_status(&r, 403, "but not its secret");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "does not have secrets get") != NULL,
                  "the denial names secrets get");
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/certificates/ac/%s", cversion(b.json, "id"));
    creq("PATCH", path, "{\"attributes\":{\"enabled\":false}}", &r);
    hc_assert_status(&r, 200, "disable the certificate");
    mvt_resp_free(&r);
    creq("GET", "/secrets/ac/", NULL, &r);
    hc_assert_status(&r, 403, "the secret of a disabled certificate");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "SecretDisabled");
    mvt_resp_free(&r);
    hc_free_token(flow);
    mvt_resp_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-managed");
    TCase *tc = tcase_create("certs-managed");

    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_row5_pfx_secret);
    tcase_add_test(tc, test_pfx_simple_parse);
    tcase_add_test(tc, test_pem_secret);
    tcase_add_test(tc, test_not_exportable);
    tcase_add_test(tc, test_out_content_type);
    tcase_add_test(tc, test_previous_version_and_lists);
    tcase_add_test(tc, test_row6_managed_writes_refused);
    tcase_add_test(tc, test_managed_key_usage);
    tcase_add_test(tc, test_access_and_disabled);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
