/* test-cert-policy.c: unit tests of the certificate policy's wire JSON (certpolicy.c,
 * spec/keyvault-certificates.md §2, §6): the service's defaults for the recorded request, the
 * issuer-dependent lifetime action, EC key properties, every limit with a message that names the
 * member, partial updates on a base, unknown members, and write -> read round trips. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "store.h"
#include "testlib.h"

/* Parses text (a policy's JSON) on base; the parse must succeed. */
static void parse_ok(const char *text, const struct mv_cert_policy *base, struct mv_cert_policy *p)
{
    char err[256];
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    int rc = mv_cert_policy_parse(j, base, p, err, sizeof(err));
    cJSON_Delete(j);
    ck_assert_msg(rc == 0, "parse of %s failed: %s", text, err);
}

/* The parse of text must fail with a message starting with want_prefix. */
static void parse_fails(const char *text, const char *want_prefix)
{
    char err[256] = "";
    struct mv_cert_policy p;
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    int rc = mv_cert_policy_parse(j, NULL, &p, err, sizeof(err));
    cJSON_Delete(j);
    ck_assert_msg(rc == -1, "%s was accepted", text);
    ck_assert_msg(strncmp(err, want_prefix, strlen(want_prefix)) == 0, "%s: message '%s'", text,
                  err);
}

static char *policy_text(const struct mv_cert_policy *p)
{
    cJSON *j = mv_cert_policy_json(p);
    ck_assert_ptr_nonnull(j);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(test_recorded_defaults)
{
    struct mv_cert_policy p;
    /* The request of the recorded create (spec §2), and what the service answered (without id;
     * the attributes' times are the store's to stamp). */
    parse_ok("{\"x509_props\":{\"subject\":\"CN=DefaultPolicy\",\"sans\":{}},"
             "\"issuer\":{\"name\":\"Self\"}}",
             NULL, &p);
    p.created = 1774657879;
    p.updated = 1774657879;
    char *s = policy_text(&p);
    ck_assert_str_eq(
        s, "{\"key_props\":{\"exportable\":true,\"kty\":\"RSA\",\"key_size\":2048,\"reuse_key\":"
           "false},\"secret_props\":{\"contentType\":\"application/x-pkcs12\"},\"x509_props\":{"
           "\"subject\":\"CN=DefaultPolicy\",\"sans\":{},\"ekus\":[\"1.3.6.1.5.5.7.3.1\",\"1.3.6."
           "1.5.5.7.3.2\"],\"key_usage\":[\"digitalSignature\",\"keyEncipherment\"],\"validity_"
           "months\":12,\"basic_constraints\":{\"ca\":false}},\"lifetime_actions\":[{\"trigger\":{"
           "\"lifetime_percentage\":80},\"action\":{\"action_type\":\"AutoRenew\"}}],\"issuer\":{"
           "\"name\":\"Self\"},\"attributes\":{\"enabled\":true,\"created\":1774657879,"
           "\"updated\":1774657879}}");
    free(s);
    mv_cert_policy_finish(&p);

    /* The JS client's extra empty objects change nothing; Unknown (and no issuer at all) mail the
     * contacts instead of renewing, and omit subject and sans when not sent. */
    const char *unknown[] = {
        "{\"key_props\":{},\"attributes\":{},\"issuer\":{\"name\":\"Unknown\"}}", "{}"};
    for (size_t i = 0; i < 2; i++) {
        parse_ok(unknown[i], NULL, &p);
        ck_assert_str_eq(p.issuer_name, "Unknown");
        ck_assert_uint_eq(p.nactions, 1);
        ck_assert_int_eq(p.actions[0].type, MV_CERT_EMAIL_CONTACTS);
        ck_assert(p.actions[0].by_percentage && p.actions[0].value == 80);
        ck_assert_ptr_null(p.subject);
        ck_assert(!p.sans.present);
        s = policy_text(&p);
        ck_assert_ptr_null(strstr(s, "\"subject\""));
        ck_assert_ptr_null(strstr(s, "\"sans\""));
        ck_assert_ptr_nonnull(strstr(s, "\"action_type\":\"EmailContacts\""));
        free(s);
        mv_cert_policy_finish(&p);
    }
    /* A NULL policy (an import without one) is the same as {}. */
    char err[128];
    ck_assert_int_eq(mv_cert_policy_parse(NULL, NULL, &p, err, sizeof(err)), 0);
    ck_assert_str_eq(p.issuer_name, "Unknown");
    ck_assert_str_eq(p.content_type, "application/x-pkcs12");
    mv_cert_policy_finish(&p);
}
END_TEST

START_TEST(test_key_props)
{
    struct mv_cert_policy p;
    parse_ok("{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-384\",\"exportable\":false,"
             "\"reuse_key\":true}}",
             NULL, &p);
    ck_assert_int_eq(p.kty, MV_KTY_EC);
    ck_assert_int_eq(p.crv, MV_CRV_P384);
    ck_assert_uint_eq(p.key_size, 384);
    char *s = policy_text(&p);
    /* crv comes last (spec §2 [REC]). */
    ck_assert_ptr_nonnull(strstr(s, "\"key_props\":{\"exportable\":false,\"kty\":\"EC\","
                                    "\"key_size\":384,\"reuse_key\":true,\"crv\":\"P-384\"}"));
    free(s);
    mv_cert_policy_finish(&p);

    /* An EC size alone picks the curve; HSM flavours are kept. */
    parse_ok("{\"key_props\":{\"kty\":\"EC-HSM\",\"key_size\":521}}", NULL, &p);
    ck_assert_int_eq(p.crv, MV_CRV_P521);
    ck_assert(p.hsm);
    s = policy_text(&p);
    ck_assert_ptr_nonnull(strstr(s, "\"kty\":\"EC-HSM\",\"key_size\":521"));
    free(s);
    mv_cert_policy_finish(&p);

    parse_ok("{\"key_props\":{\"kty\":\"RSA-HSM\",\"key_size\":4096}}", NULL, &p);
    ck_assert(p.hsm && p.kty == MV_KTY_RSA && p.key_size == 4096);
    s = policy_text(&p);
    ck_assert_ptr_nonnull(strstr(s, "\"kty\":\"RSA-HSM\",\"key_size\":4096,\"reuse_key\":false}"));
    free(s);
    mv_cert_policy_finish(&p);

    /* null members are absent, as the SDKs send them. */
    parse_ok("{\"key_props\":{\"kty\":\"EC\",\"crv\":null,\"key_size\":null}}", NULL, &p);
    ck_assert_int_eq(p.crv, MV_CRV_P256);
    ck_assert_uint_eq(p.key_size, 256);
    mv_cert_policy_finish(&p);
}
END_TEST

START_TEST(test_limits)
{
    parse_fails("[]", "policy:");
    parse_fails("{\"key_props\":{\"kty\":\"DSA\"}}", "key_props.kty:");
    parse_fails("{\"key_props\":{\"key_size\":1024}}", "key_props.key_size:");
    parse_fails("{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-999\"}}", "key_props.crv:");
    parse_fails("{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"key_size\":384}}",
                "key_props.key_size:");
    parse_fails("{\"key_props\":{\"crv\":\"P-256\"}}", "key_props.crv:");
    parse_fails("{\"key_props\":{\"exportable\":\"yes\"}}", "key_props.exportable:");
    parse_fails("{\"secret_props\":{\"contentType\":\"text/plain\"}}", "secret_props.contentType:");
    parse_fails("{\"x509_props\":{\"key_usage\":[\"digitalSignature\",\"signEverything\"]}}",
                "x509_props.key_usage[1]:");
    parse_fails("{\"x509_props\":{\"ekus\":[\"serverAuth\"]}}", "x509_props.ekus[0]:");
    parse_fails("{\"x509_props\":{\"validity_months\":0}}", "x509_props.validity_months:");
    parse_fails("{\"x509_props\":{\"sans\":{\"dns_names\":[1]}}}", "x509_props.sans.dns_names[0]:");
    parse_fails("{\"lifetime_actions\":[{\"trigger\":{\"lifetime_percentage\":0},"
                "\"action\":{\"action_type\":\"AutoRenew\"}}]}",
                "lifetime_actions[0].trigger.lifetime_percentage:");
    parse_fails("{\"lifetime_actions\":[{\"trigger\":{\"lifetime_percentage\":100},"
                "\"action\":{\"action_type\":\"AutoRenew\"}}]}",
                "lifetime_actions[0].trigger.lifetime_percentage:");
    parse_fails("{\"lifetime_actions\":[{\"trigger\":{},\"action\":{\"action_type\":\"AutoRenew\"}}"
                "]}",
                "lifetime_actions[0].trigger:");
    parse_fails("{\"lifetime_actions\":[{\"trigger\":{\"lifetime_percentage\":50},"
                "\"action\":{\"action_type\":\"Explode\"}}]}",
                "lifetime_actions[0].action.action_type:");
    parse_fails("{\"issuer\":{\"name\":\"\"}}", "issuer.name:");
    /* days_before_expiry may reach validity_months x 27, not one day more. */
    struct mv_cert_policy p;
    parse_ok("{\"x509_props\":{\"validity_months\":1},\"lifetime_actions\":[{\"trigger\":{"
             "\"days_before_expiry\":27},\"action\":{\"action_type\":\"EmailContacts\"}}]}",
             NULL, &p);
    ck_assert(!p.actions[0].by_percentage && p.actions[0].value == 27);
    mv_cert_policy_finish(&p);
    parse_fails("{\"x509_props\":{\"validity_months\":1},\"lifetime_actions\":[{\"trigger\":{"
                "\"days_before_expiry\":28},\"action\":{\"action_type\":\"EmailContacts\"}}]}",
                "lifetime_actions[0].trigger.days_before_expiry:");

    /* Subjects of up to 200 characters (not bytes: "é" is one). */
    char subj[512], text[640];
    memcpy(subj, "CN=", 3);
    memset(subj + 3, 'a', 197);
    subj[200] = '\0';
    snprintf(text, sizeof(text), "{\"x509_props\":{\"subject\":\"%s\"}}", subj);
    parse_ok(text, NULL, &p);
    mv_cert_policy_finish(&p);
    memcpy(subj + 199, "\xc3\xa9", 3); /* 200 characters, 201 bytes */
    snprintf(text, sizeof(text), "{\"x509_props\":{\"subject\":\"%s\"}}", subj);
    parse_ok(text, NULL, &p);
    mv_cert_policy_finish(&p);
    memcpy(subj + 200, "b", 2);
    snprintf(text, sizeof(text), "{\"x509_props\":{\"subject\":\"%s\"}}", subj);
    parse_fails(text, "x509_props.subject:");
}
END_TEST

START_TEST(test_partial_update)
{
    struct mv_cert_policy base, p;
    parse_ok("{\"x509_props\":{\"subject\":\"CN=a\",\"sans\":{\"dns_names\":[\"a.example\"]}},"
             "\"issuer\":{\"name\":\"Self\",\"cty\":\"OV-SSL\"},\"key_props\":{\"key_size\":3072}}",
             NULL, &base);
    base.created = 100;
    base.updated = 200;
    /* Members left out keep the base's; a partial update adds no default lifetime action. */
    parse_ok("{\"x509_props\":{\"validity_months\":24},\"lifetime_actions\":[]}", &base, &p);
    ck_assert_str_eq(p.subject, "CN=a");
    ck_assert_uint_eq(p.sans.dns_names.n, 1);
    ck_assert_str_eq(p.sans.dns_names.items[0], "a.example");
    ck_assert_int_eq(p.validity_months, 24);
    ck_assert_uint_eq(p.key_size, 3072);
    ck_assert_str_eq(p.issuer_cty, "OV-SSL");
    ck_assert_uint_eq(p.nactions, 0);
    ck_assert_int_eq(p.created, 100);
    mv_cert_policy_finish(&p);
    /* A new family drops the old family's size; the issuer's members merge. */
    parse_ok("{\"key_props\":{\"kty\":\"EC\"},\"issuer\":{\"name\":\"Unknown\"}}", &base, &p);
    ck_assert_int_eq(p.kty, MV_KTY_EC);
    ck_assert_uint_eq(p.key_size, 256);
    ck_assert_str_eq(p.issuer_name, "Unknown");
    ck_assert_str_eq(p.issuer_cty, "OV-SSL");
    ck_assert_int_eq(p.actions[0].type, MV_CERT_AUTO_RENEW); /* kept from the base */
    mv_cert_policy_finish(&p);
    /* A failed update leaves the base alone (and owns nothing). */
    char err[128];
    cJSON *j = cJSON_Parse("{\"x509_props\":{\"validity_months\":\"x\"}}");
    ck_assert_int_eq(mv_cert_policy_parse(j, &base, &p, err, sizeof(err)), -1);
    cJSON_Delete(j);
    ck_assert_str_eq(base.subject, "CN=a");
    mv_cert_policy_finish(&base);
}
END_TEST

START_TEST(test_round_trip_and_fields)
{
    static const char *const texts[] = {
        "{\"key_props\":{\"exportable\":false,\"kty\":\"EC\",\"key_size\":256,\"reuse_key\":true,"
        "\"crv\":\"P-256K\"},\"secret_props\":{\"contentType\":\"application/x-pem-file\"},"
        "\"x509_props\":{\"sans\":{\"emails\":[\"a@b.c\"],\"dns_names\":[],\"upns\":[\"u@d\"],"
        "\"uris\":[\"https://x\"],\"ipAddresses\":[\"10.0.0.1\"]},\"ekus\":[],\"key_usage\":["
        "\"digitalSignature\",\"nonRepudiation\",\"keyAgreement\",\"keyCertSign\",\"cRLSign\","
        "\"encipherOnly\",\"decipherOnly\"],\"validity_months\":36,\"basic_constraints\":{\"ca\":"
        "true}},\"lifetime_actions\":[{\"trigger\":{\"days_before_expiry\":30},\"action\":{"
        "\"action_type\":\"EmailContacts\"}},{\"trigger\":{\"lifetime_percentage\":90},\"action\":"
        "{\"action_type\":\"AutoRenew\"}}],\"issuer\":{\"name\":\"MyCA\",\"cty\":\"OV-SSL\","
        "\"cert_transparency\":false},\"attributes\":{\"enabled\":false,\"created\":5,\"updated\":"
        "6}}",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct mv_cert_policy p, c;
        parse_ok(texts[i], NULL, &p);
        char *s = policy_text(&p);
        ck_assert_str_eq(s, texts[i]);
        ck_assert_int_eq(mv_cert_policy_copy(&c, &p), 0);
        mv_cert_policy_finish(&p);
        char *s2 = policy_text(&c);
        ck_assert_str_eq(s2, texts[i]);
        free(s);
        free(s2);
        mv_cert_policy_finish(&c);
        mv_cert_policy_finish(NULL);
    }

    /* Unknown members are found with their path (fixtures refuse them). */
    static const struct {
        const char *text, *path;
    } unknown[] = {
        {"{\"keyprops\":{}}", "keyprops"},
        {"{\"x509_props\":{\"subjet\":\"CN=a\"}}", "x509_props.subjet"},
        {"{\"x509_props\":{\"sans\":{\"dns\":[]}}}", "x509_props.sans.dns"},
        {"{\"lifetime_actions\":[{\"trigger\":{},\"action\":{}},{\"trigger\":{\"pct\":1}}]}",
         "lifetime_actions[1].trigger.pct"},
        {"{\"attributes\":{\"recoveryLevel\":\"x\"}}", "attributes.recoveryLevel"},
    };
    char path[128];
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        cJSON *j = cJSON_Parse(unknown[i].text);
        ck_assert_int_eq(mv_cert_policy_unknown_field(j, path, sizeof(path)), 1);
        ck_assert_str_eq(path, unknown[i].path);
        cJSON_Delete(j);
    }
    cJSON *j = cJSON_Parse(texts[0]);
    ck_assert_int_eq(mv_cert_policy_unknown_field(j, path, sizeof(path)), 0);
    cJSON_Delete(j);

    /* The name tables the wire and the denials use. */
    ck_assert_str_eq(mv_cert_ku_names[8], "decipherOnly");
    ck_assert_ptr_null(mv_cert_ku_names[9]);
    ck_assert_str_eq(mv_cert_op_status_names[MV_COP_CANCELLED], "cancelled");
    ck_assert_str_eq(mv_cert_perm_names[9], "managecontacts");
    ck_assert_str_eq(mv_cert_perm_names[15], "purge");
    ck_assert_ptr_null(mv_cert_perm_names[16]);
}
END_TEST

static Suite *cert_policy_suite(void)
{
    Suite *s = suite_create("cert-policy");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, test_recorded_defaults);
    tcase_add_test(tc, test_key_props);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_partial_update);
    tcase_add_test(tc, test_round_trip_and_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(cert_policy_suite(), false);
}
