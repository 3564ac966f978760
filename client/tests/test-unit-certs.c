/* test-unit-certs.c: libkvclient's certificate shapes without a server: CertificateBundle,
 * the versioned bundle, list items, DeletedCertificateBundle, CertificateOperation (inProgress,
 * completed, cancelled, failed), CertificatePolicy, contacts and issuers from the recorded bodies
 * of spec/keyvault-certificates.md §2-§3; the poller's decisions (§7), the policy builder,
 * kv_certificate_id_parse and the DER to PEM writer. */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "unit-common.h"

#define V "https://vaultname.vault.azure.net"

/* A small real DER certificate (the automation-flow test certificate of keys-fixture.json). */
static const char cer_b64[] =
    "MIIDKDCCAhCgAwIBAgIBATANBgkqhkiG9w0BAQsFADA3MTUwMwYDVQQDEyxhdXRvbWF0aW9uLWZsb3cgKG1vY2t2YXVs"
    "dCB0ZXN0IGNlcnRpZmljYXRlKTAeFw0yNTExMjYwMDAwMDBaFw00NTExMjYwMDAwMDBaMDcxNTAzBgNVBAMTLGF1dG9t"
    "YXRpb24tZmxvdyAobW9ja3ZhdWx0IHRlc3QgY2VydGlmaWNhdGUpMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC"
    "AQEAvWQRyGj82YQY1T+zk06AJLn8g33hQssqnjGV8WVnni/HrbetHxFUT8itDYvpWWKOm+ETKhZQusd3k6kkz9d0oQbn"
    "Fw1uNJ3rBAf5UzTl9NrwYx3+RBwpOo9zbHxDLG1bb8VoaPb9caZ1L/Dt+Y9q95QQF/irk7d6KRYsrUAGGGAxUBot+/GE"
    "oGU3kJ5vE+5wBsRFk8q21b8B2IPLTYACsF2yoFBDq2lVeg5wUcvAjMj4mXQOn0T9SR6Sj6IDwOfhEedcuzMWaTRGF3G4"
    "zXyUpwtPkcC0uHkB5eE7qrMtyybHZfOGTWi2AtT6ajdVs2auZ6/1/ylIXuqU+xS2YQcgTQIDAQABoz8wPTAMBgNVHRMB"
    "Af8EAjAAMA4GA1UdDwEB/wQEAwIHgDAdBgNVHQ4EFgQUjHytYdXRI6UHNPDYmmGP4fwKnlQwDQYJKoZIhvcNAQELBQAD"
    "ggEBAELU0WsMnuGyRB3d15ZVM+UQVHiyl2H/j920DzHa5O6IPBfXnUbCd/sQ4I8JynsLQ98SNF1YW96eHL1UQGA5JSh5"
    "jIvYFsGWbtpYGg0ToP/aGTxWHhL+zugxbbZfOJWilaEVKGbxrHB0l8e2FkRkEdM383DxmHZ/5FCAL3cbVgUgc9G3NkyY"
    "B6TyWy8o2cbp5GfoLGQkWw1OeI0SbNvufZe+BnS8fNTuLnoWizLt6FRctPIzIQ+6WziOvBRuB2V6sW0fZmzubD+dXxw5"
    "FqWVeVpB6tCFwiSwnTZZFilMUnOTNWTHC5ZwDXPANnxe0S/JBhZtm+foMDIi1R57dUGAdSU=";

/* The recorded default policy (spec §2 Policy). */
#define POLICY                                                                                     \
    "{\"id\":\"" V "/certificates/c1/policy\",\"key_props\":{\"exportable\":true,\"kty\":\"RSA\"," \
    "\"key_size\":2048,\"reuse_key\":false},\"secret_props\":{\"contentType\":\"application/"      \
    "x-pkcs12\"},\"x509_props\":{\"subject\":\"CN=DefaultPolicy\",\"sans\":{\"dns_names\":["       \
    "\"a.contoso.com\",\"b.contoso.com\"]},\"ekus\":[\"1.3.6.1.5.5.7.3.1\",\"1.3.6.1.5.5.7.3.2\"]" \
    ","                                                                                            \
    "\"key_usage\":[\"digitalSignature\",\"keyEncipherment\"],\"validity_months\":12,"             \
    "\"basic_constraints\":{\"ca\":false}},\"lifetime_actions\":[{\"trigger\":{\"lifetime_"        \
    "percentage\":80},\"action\":{\"action_type\":\"AutoRenew\"}}],\"issuer\":{\"name\":\"Self\"}" \
    ","                                                                                            \
    "\"attributes\":{\"enabled\":true,\"created\":1774657879,\"updated\":1774657880}}"

static char *bundle(const char *extra)
{
    return kv__asprintf(
        "{\"id\":\"" V "/certificates/c1/0123456789abcdef0123456789abcdef\",\"kid\":\"" V
        "/keys/c1/0123456789abcdef0123456789abcdef\",\"sid\":\"" V
        "/secrets/c1/0123456789abcdef0123456789abcdef\",\"x5t\":\"FKMKbjMov2onBicFhf-XydrY-0U\","
        "\"cer\":\"%s\",\"attributes\":{\"enabled\":true,\"nbf\":1774657281,\"exp\":1806193881,"
        "\"created\":1774657881,\"updated\":1774657881,\"recoveryLevel\":\"Recoverable+"
        "Purgeable\",\"recoverableDays\":90},\"tags\":{\"tag1\":\"updated_value1\"}%s}",
        cer_b64, extra);
}

static int cert_of(const char *json, struct kv_certificate **k, struct kv_error *err)
{
    cJSON *root = cJSON_Parse(json);
    int st;

    ck_assert_msg(root != NULL, "fixture parses");
    memset(err, 0, sizeof *err);
    st = kv__certificate_from_json(root, "the fixture", k, err);
    cJSON_Delete(root);
    return st;
}

START_TEST(test_bundle_latest)
{
    char *json =
        bundle(",\"policy\":" POLICY ",\"pending\":{\"id\":\"" V "/certificates/c1/pending\"}");
    struct kv_certificate *k = NULL;
    struct kv_error err;
    size_t der_len = 0;
    unsigned char *der = cx_b64_decode(cer_b64, strlen(cer_b64), 0, &der_len);

    ck_assert_int_eq(cert_of(json, &k, &err), KV_OK);
    ck_assert_str_eq(k->name, "c1");
    ck_assert_str_eq(k->version, "0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(k->kid, V "/keys/c1/0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(k->sid, V "/secrets/c1/0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(k->x5t, "FKMKbjMov2onBicFhf-XydrY-0U");
    /* cer is the DER certificate, decoded from standard base64. */
    ck_assert_uint_eq(k->cer.len, der_len);
    ck_assert_mem_eq(k->cer.data, der, der_len);
    ck_assert_int_eq(k->enabled, 1);
    ck_assert_int_eq(k->not_before, 1774657281);
    ck_assert_int_eq(k->expires, 1806193881);
    ck_assert_int_eq(k->recoverable_days, 90);
    ck_assert_str_eq(k->recovery_level, "Recoverable+Purgeable");
    ck_assert_uint_eq(k->n_tags, 1);
    ck_assert_str_eq(k->tags[0].value, "updated_value1");
    ck_assert_str_eq(k->pending_id, V "/certificates/c1/pending");
    ck_assert_ptr_nonnull(k->policy);
    ck_assert_str_eq(k->policy->subject, "CN=DefaultPolicy");
    ck_assert_str_eq(k->policy->issuer_name, "Self");
    ck_assert_str_eq(k->policy->kty, "RSA");
    ck_assert_int_eq(k->policy->key_size, 2048);
    ck_assert_int_eq(k->policy->exportable, 1);
    ck_assert_int_eq(k->policy->reuse_key, 0);
    ck_assert_str_eq(k->policy->content_type, "application/x-pkcs12");
    ck_assert_int_eq(k->policy->validity_months, 12);
    ck_assert_uint_eq(k->policy->n_dns_names, 2);
    ck_assert_str_eq(k->policy->dns_names[1], "b.contoso.com");
    ck_assert_int_eq(k->policy->created, 1774657879);
    ck_assert_int_eq(k->policy->updated, 1774657880);
    /* The policy's JSON is kept whole, lifetime actions included. */
    ck_assert_ptr_nonnull(strstr(k->policy->json, "\"lifetime_percentage\":80"));
    ck_assert_ptr_null(k->recovery_id);
    kv_certificate_free(k);
    free(der);
    free(json);
}
END_TEST

START_TEST(test_bundle_version_and_pending)
{
    /* A versioned GET has no policy and no pending (spec §2). */
    char *json = bundle("");
    struct kv_certificate *k = NULL;
    struct kv_error err;

    ck_assert_int_eq(cert_of(json, &k, &err), KV_OK);
    ck_assert_ptr_null(k->policy);
    ck_assert_ptr_null(k->pending_id);
    kv_certificate_free(k);
    free(json);
    /* A pending version: disabled, no kid/sid/x5t/cer (spec §1, R-JS). */
    ck_assert_int_eq(cert_of("{\"id\":\"" V "/certificates/c2/aa11\",\"attributes\":{\"enabled\":"
                             "false,\"created\":1,\"updated\":1},\"policy\":" POLICY
                             ",\"pending\":{\"id\":\"" V "/certificates/c2/pending\"}}",
                             &k, &err),
                     KV_OK);
    ck_assert_int_eq(k->enabled, 0);
    ck_assert_ptr_null(k->kid);
    ck_assert_ptr_null(k->sid);
    ck_assert_uint_eq(k->cer.len, 0);
    ck_assert_ptr_nonnull(k->pending_id);
    kv_certificate_free(k);
}
END_TEST

START_TEST(test_items_and_deleted)
{
    struct kv_certificate *k = NULL;
    struct kv_error err;

    /* A GetCertificates item: base id, x5t, no recoveryLevel, "subject":"" (spec §2 Lists). */
    ck_assert_int_eq(cert_of("{\"id\":\"" V "/certificates/c1\",\"x5t\":\"abc\",\"attributes\":{"
                             "\"enabled\":true,\"nbf\":5,\"exp\":6,\"created\":7,\"updated\":8},"
                             "\"subject\":\"\"}",
                             &k, &err),
                     KV_OK);
    ck_assert_str_eq(k->name, "c1");
    ck_assert_ptr_null(k->version);
    ck_assert_int_eq(k->expires, 6);
    ck_assert_ptr_null(k->recovery_level);
    kv_certificate_free(k);
    ck_assert_int_eq(
        cert_of("{\"recoveryId\":\"" V "/deletedcertificates/c1\",\"deletedDate\":1774657900,"
                "\"scheduledPurgeDate\":1782433900,\"id\":\"" V "/certificates/c1/0a\","
                "\"attributes\":{\"enabled\":false,\"created\":1,\"updated\":2,\"recoveryLevel\":"
                "\"Recoverable+Purgeable\",\"recoverableDays\":90},\"policy\":" POLICY "}",
                &k, &err),
        KV_OK);
    ck_assert_str_eq(k->recovery_id, V "/deletedcertificates/c1");
    ck_assert_int_eq(k->deleted_date, 1774657900);
    ck_assert_int_eq(k->scheduled_purge_date, 1782433900);
    ck_assert_ptr_nonnull(k->policy);
    kv_certificate_free(k);
}
END_TEST

START_TEST(test_bundle_errors)
{
    struct kv_certificate *k = (struct kv_certificate *)&k;
    struct kv_error err;

    ck_assert_int_eq(cert_of("[]", &k, &err), KV_E_PROTOCOL);
    ck_assert_ptr_null(k);
    ck_assert_int_eq(cert_of("{\"x5t\":\"a\"}", &k, &err), KV_E_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(err.message, "no certificate id"));
    ck_assert_int_eq(cert_of("{\"id\":\"" V "/certificates/c\",\"cer\":\"@@@\"}", &k, &err),
                     KV_E_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(err.message, "cer is not base64"));
    ck_assert_int_eq(cert_of("{\"id\":\"" V "/certificates/c\",\"policy\":7}", &k, &err),
                     KV_E_PROTOCOL);
    ck_assert_int_eq(
        cert_of("{\"id\":\"" V "/certificates/c\",\"attributes\":{\"exp\":1e300}}", &k, &err),
        KV_E_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(err.message, "attributes.exp"));
    ck_assert_ptr_null(k);
}
END_TEST

static int op_of(const char *json, struct kv_certificate_operation **op, struct kv_error *err)
{
    cJSON *root = cJSON_Parse(json);
    int st;

    ck_assert_msg(root != NULL, "fixture parses");
    memset(err, 0, sizeof *err);
    st = kv__cert_operation_from_json(root, "the fixture", op, err);
    cJSON_Delete(root);
    return st;
}

/* The recorded operation (spec §2 CertificateOperation), with a real base64 csr stand-in. */
#define OP_HEAD "{\"id\":\"" V "/certificates/c1/pending\",\"issuer\":{\"name\":\"%s\"},"

START_TEST(test_operation_shapes)
{
    struct kv_certificate_operation *op = NULL;
    struct kv_error err;
    char *json = kv__asprintf(
        OP_HEAD "\"csr\":\"%s\",\"cancellation_requested\":false,\"status\":\"inProgress\","
                "\"status_details\":\"Pending certificate created. Certificate request is in "
                "progress. This may take some time based on the issuer provider. Please check "
                "again later.\",\"request_id\":\"67e3d3996084447686c102f9abbbcece\"}",
        "Self", cer_b64);

    ck_assert_int_eq(op_of(json, &op, &err), KV_OK);
    ck_assert_str_eq(op->name, "c1");
    ck_assert_str_eq(op->issuer_name, "Self");
    ck_assert_str_eq(op->status, "inProgress");
    ck_assert_int_eq(op->cancellation_requested, 0);
    ck_assert_str_eq(op->request_id, "67e3d3996084447686c102f9abbbcece");
    ck_assert_uint_gt(op->csr.len, 100);
    ck_assert_int_eq(op->retry_after_ms, -1);
    ck_assert_ptr_null(op->target);
    /* inProgress with Self: keep polling. */
    ck_assert(!kv__cert_operation_done(op));
    kv_certificate_operation_free(op);
    free(json);

    json = kv__asprintf(OP_HEAD "\"cancellation_requested\":false,\"status\":\"completed\","
                                "\"target\":\"https://vaultname.vault.azure.net/certificates/c1\","
                                "\"request_id\":\"r\"}",
                        "Self");
    ck_assert_int_eq(op_of(json, &op, &err), KV_OK);
    ck_assert_str_eq(op->target, "https://vaultname.vault.azure.net/certificates/c1");
    ck_assert_ptr_null(op->status_details);
    ck_assert(kv__cert_operation_done(op));
    kv_certificate_operation_free(op);
    free(json);

    /* Unknown: polling stops at once (Python's rule), status still inProgress. */
    json = kv__asprintf(OP_HEAD "\"cancellation_requested\":false,\"status\":\"inProgress\","
                                "\"status_details\":\"Pending certificate created. Please Perform "
                                "Merge to complete the request.\",\"request_id\":\"r\"}",
                        "Unknown");
    ck_assert_int_eq(op_of(json, &op, &err), KV_OK);
    ck_assert(kv__cert_operation_done(op));
    kv_certificate_operation_free(op);
    free(json);

    json = kv__asprintf(OP_HEAD "\"cancellation_requested\":false,\"status\":\"failed\","
                                "\"status_details\":\"\",\"error\":{\"code\":\"Certificate issuer "
                                "error\",\"message\":\"Request rejected\"},\"request_id\":\"r\"}",
                        "DigiCert");
    ck_assert_int_eq(op_of(json, &op, &err), KV_OK);
    ck_assert_str_eq(op->error_code, "Certificate issuer error");
    ck_assert_str_eq(op->error_message, "Request rejected");
    ck_assert(kv__cert_operation_done(op));
    kv_certificate_operation_free(op);
    free(json);

    json = kv__asprintf(OP_HEAD "\"cancellation_requested\":true,\"status\":\"cancelled\","
                                "\"request_id\":\"r\"}",
                        "Self");
    ck_assert_int_eq(op_of(json, &op, &err), KV_OK);
    ck_assert_int_eq(op->cancellation_requested, 1);
    ck_assert(kv__cert_operation_done(op));
    kv_certificate_operation_free(op);
    free(json);

    /* Without status no poller can decide (spec §7). */
    op = (struct kv_certificate_operation *)&op;
    ck_assert_int_eq(op_of("{\"id\":\"" V "/certificates/c1/pending\"}", &op, &err), KV_E_PROTOCOL);
    ck_assert_ptr_null(op);
    ck_assert_int_eq(op_of("{\"status\":\"inProgress\",\"csr\":\"not base64!\"}", &op, &err),
                     KV_E_PROTOCOL);
}
END_TEST

START_TEST(test_poll_delay)
{
    /* The server's Retry-After (10 s on the service) wins over the interval, within the cap. */
    ck_assert_uint_eq(kv__poll_delay_ms(10000, 5000, 0), 10000);
    ck_assert_uint_eq(kv__poll_delay_ms(10000, 5000, 200), 200);
    ck_assert_uint_eq(kv__poll_delay_ms(-1, 5000, 0), 5000);
    ck_assert_uint_eq(kv__poll_delay_ms(-1, 5000, 1000), 1000);
    ck_assert_uint_eq(kv__poll_delay_ms(0, 5000, 0), 0);
}
END_TEST

START_TEST(test_policy_shape_and_builder)
{
    cJSON *root = cJSON_Parse(POLICY);
    struct kv_certificate_policy *p = NULL;
    struct kv_certificate_policy_spec s;
    struct kv_error err;
    const char *dns[] = {"www.contoso.com"};
    char *json = NULL;

    memset(&err, 0, sizeof err);
    ck_assert_int_eq(kv__cert_policy_from_json(root, "the fixture", &p, &err), KV_OK);
    ck_assert_str_eq(p->id, V "/certificates/c1/policy");
    ck_assert_int_eq(p->enabled, 1);
    kv_certificate_policy_free(p);
    cJSON_Delete(root);

    kv_certificate_policy_spec_init(&s);
    ck_assert_int_eq(kv_certificate_policy_json(&s, &json, &err), KV_E_INVALID_ARG);
    ck_assert_ptr_null(json);
    s.subject = "CN=www.contoso.com";
    s.dns_names = dns;
    s.n_dns_names = 1;
    s.issuer_name = "Self";
    s.kty = "EC";
    s.curve = "P-256";
    s.exportable = 0;
    s.content_type = "application/x-pem-file";
    s.validity_months = 3;
    ck_assert_int_eq(kv_certificate_policy_json(&s, &json, &err), KV_OK);
    root = cJSON_Parse(json);
    ck_assert_ptr_nonnull(root);
    /* The builder's JSON reads back through the response parser with the same meaning. */
    ck_assert_int_eq(kv__cert_policy_from_json(root, "built", &p, &err), KV_OK);
    ck_assert_str_eq(p->subject, "CN=www.contoso.com");
    ck_assert_str_eq(p->dns_names[0], "www.contoso.com");
    ck_assert_str_eq(p->issuer_name, "Self");
    ck_assert_str_eq(p->kty, "EC");
    ck_assert_str_eq(p->curve, "P-256");
    ck_assert_int_eq(p->exportable, 0);
    ck_assert_str_eq(p->content_type, "application/x-pem-file");
    ck_assert_int_eq(p->validity_months, 3);
    /* Fields left alone are not sent: the service fills its defaults. */
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "key_props"), "key_size"));
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "key_props"), "reuse_key"));
    kv_certificate_policy_free(p);
    cJSON_Delete(root);
    free(json);
}
END_TEST

START_TEST(test_contacts_and_issuers)
{
    cJSON *root = cJSON_Parse(
        "{\"id\":\"https://vaultname.vault.azure.net/certificates/contacts\",\"contacts\":[{"
        "\"email\":\"admin@contoso.com\",\"name\":\"John Doe\",\"phone\":\"1111111111\"},{"
        "\"email\":\"b@contoso.com\"}]}");
    struct kv_certificate_contacts *cs = NULL;
    struct kv_certificate_issuer *is = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    ck_assert_int_eq(kv__cert_contacts_from_json(root, "the fixture", &cs, &err), KV_OK);
    ck_assert_uint_eq(cs->n_contacts, 2);
    ck_assert_str_eq(cs->contacts[0].name, "John Doe");
    ck_assert_str_eq(cs->contacts[0].phone, "1111111111");
    ck_assert_str_eq(cs->contacts[1].email, "b@contoso.com");
    ck_assert_ptr_null(cs->contacts[1].phone);
    kv_certificate_contacts_free(cs);
    cJSON_Delete(root);

    root = cJSON_Parse("{\"id\":\"" V "/certificates/issuers/I\",\"provider\":\"Test\","
                       "\"credentials\":{\"account_id\":\"keyvaultuser\"},\"org_details\":{"
                       "\"zip\":0,\"admin_details\":[{\"first_name\":\"John\",\"last_name\":"
                       "\"Doe\",\"email\":\"admin@microsoft.com\",\"phone\":\"4255555555\"}]},"
                       "\"attributes\":{\"enabled\":true,\"created\":1774658067,\"updated\":"
                       "1774658068}}");
    ck_assert_int_eq(kv__cert_issuer_from_json(root, "the fixture", &is, &err), KV_OK);
    ck_assert_str_eq(is->name, "I");
    ck_assert_str_eq(is->provider, "Test");
    ck_assert_str_eq(is->account_id, "keyvaultuser");
    ck_assert_uint_eq(is->n_admins, 1);
    ck_assert_str_eq(is->admins[0].last_name, "Doe");
    ck_assert_int_eq(is->updated, 1774658068);
    kv_certificate_issuer_free(is);
    cJSON_Delete(root);

    root = cJSON_Parse("{\"contacts\":{}}");
    ck_assert_int_eq(kv__cert_contacts_from_json(root, "x", &cs, &err), KV_E_PROTOCOL);
    cJSON_Delete(root);
    root = cJSON_Parse("{\"provider\":\"Test\"}");
    ck_assert_int_eq(kv__cert_issuer_from_json(root, "x", &is, &err), KV_E_PROTOCOL);
    ck_assert_ptr_null(is);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_id_parse_and_pem)
{
    char *url = NULL, *name = NULL, *version = NULL;
    struct kv_error err;
    size_t der_len = 0, pem_len = 0;
    unsigned char *der = cx_b64_decode(cer_b64, strlen(cer_b64), 0, &der_len);
    char *pem;
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;

    ck_assert_int_eq(kv_certificate_id_parse(V "/certificates/c1/abc", &url, &name, &version, &err),
                     KV_OK);
    ck_assert_str_eq(url, V);
    ck_assert_str_eq(name, "c1");
    ck_assert_str_eq(version, "abc");
    free(url);
    free(name);
    free(version);
    ck_assert_int_eq(kv_certificate_id_parse(V "/deletedcertificates/c1", NULL, &name, NULL, &err),
                     KV_OK);
    ck_assert_str_eq(name, "c1");
    free(name);
    ck_assert_int_eq(kv_certificate_id_parse(V "/keys/c1", NULL, &name, NULL, &err),
                     KV_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(err.message, "/certificates/NAME"));

    /* PEM as az writes it, read back by GnuTLS to the same DER. */
    pem = kv__der_to_pem(der, der_len, "CERTIFICATE", &pem_len);
    ck_assert_uint_eq(strlen(pem), pem_len);
    ck_assert_int_eq(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28), 0);
    ck_assert_str_eq(pem + pem_len - 26, "-----END CERTIFICATE-----\n");
    ck_assert_int_eq(pem[28 + 64], '\n');
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    d.data = (unsigned char *)pem;
    d.size = (unsigned)pem_len;
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d), 0);
    ck_assert_uint_eq(d.size, der_len);
    ck_assert_mem_eq(d.data, der, der_len);
    gnutls_free(d.data);
    gnutls_x509_crt_deinit(crt);
    free(pem);
    free(der);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kvclient-unit-certs");
    TCase *tc = tcase_create("certs");

    tcase_add_test(tc, test_bundle_latest);
    tcase_add_test(tc, test_bundle_version_and_pending);
    tcase_add_test(tc, test_items_and_deleted);
    tcase_add_test(tc, test_bundle_errors);
    tcase_add_test(tc, test_operation_shapes);
    tcase_add_test(tc, test_poll_delay);
    tcase_add_test(tc, test_policy_shape_and_builder);
    tcase_add_test(tc, test_contacts_and_issuers);
    tcase_add_test(tc, test_id_parse_and_pem);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
