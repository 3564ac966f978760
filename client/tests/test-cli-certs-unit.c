/* test-cli-certs-unit.c: the certificate parts of the kvclient CLI that need no server: --policy
 * in az's camelCase or the service's snake_case turned into the service's shape (nulls dropped),
 * the service's policy printed in az's names with ISO times, get-default-policy read back, and
 * the certificate verbs' argument checks (kvcli static library). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A parsed command line for the certificate family; st is cli_parse_args then cli_check_args. */
static int parse(struct cli *c, char **argv, int argc)
{
    static const struct cli_family *const fams[] = {&cli_certificate_family, NULL};
    int st;

    memset(c, 0, sizeof *c);
    c->families = fams;
    st = cli_parse_args(c, argc, argv);
    return st == KV_OK ? cli_check_args(c) : st;
}

START_TEST(test_policy_to_wire)
{
    struct cli c;
    char *wire = NULL;
    cJSON *root, *kp, *xp;

    memset(&c, 0, sizeof c);
    ck_assert_int_eq(cli_policy_to_wire(&c,
                                        "{\"keyProperties\":{\"curve\":null,\"exportable\":true,"
                                        "\"keySize\":3072,\"keyType\":\"RSA\",\"reuseKey\":true},"
                                        "\"x509CertificateProperties\":{\"subject\":\"CN=a\","
                                        "\"subjectAlternativeNames\":{\"dnsNames\":[\"a.b\"]},"
                                        "\"validityInMonths\":6,\"keyUsage\":[\"keyCertSign\"]},"
                                        "\"lifetimeActions\":[{\"action\":{\"actionType\":"
                                        "\"EmailContacts\"},\"trigger\":{\"daysBeforeExpiry\":9}}],"
                                        "\"issuerParameters\":{\"name\":\"Self\","
                                        "\"certificateType\":null}}",
                                        &wire),
                     KV_OK);
    root = cJSON_Parse(wire);
    kp = cJSON_GetObjectItemCaseSensitive(root, "key_props");
    xp = cJSON_GetObjectItemCaseSensitive(root, "x509_props");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(kp, "key_size")->valueint, 3072);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(kp, "kty")->valuestring, "RSA");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(kp, "reuse_key")));
    /* az prints absent members as null; they are not sent. */
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(kp, "crv"));
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(kp, "curve"));
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(xp, "validity_months")->valueint, 6);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(xp, "sans"), "dns_names"));
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(xp, "key_usage"));
    ck_assert_ptr_nonnull(strstr(wire, "\"action_type\":\"EmailContacts\""));
    ck_assert_ptr_nonnull(strstr(wire, "\"days_before_expiry\":9"));
    ck_assert_ptr_nonnull(strstr(wire, "\"issuer\":{\"name\":\"Self\"}"));
    ck_assert_ptr_null(strstr(wire, "certificateType"));
    cJSON_Delete(root);
    free(wire);

    /* The service's own shape passes unchanged. */
    ck_assert_int_eq(cli_policy_to_wire(&c,
                                        "{\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{"
                                        "\"name\":\"Unknown\"}}",
                                        &wire),
                     KV_OK);
    ck_assert_str_eq(wire,
                     "{\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Unknown\"}}");
    free(wire);
    FILE *devnull = fopen("/dev/null", "w");
    cli_set_err(devnull);
    ck_assert_int_eq(cli_policy_to_wire(&c, "[1,2]", &wire), KV_E_USAGE);
    ck_assert_ptr_null(wire);
    cli_set_err(NULL);
    fclose(devnull);
}
END_TEST

START_TEST(test_policy_printed_in_az_names)
{
    struct cli_doc d = {NULL, 0};
    cJSON *a;

    cli_doc_policy(
        &d, NULL, NULL,
        "{\"id\":\"https://v/certificates/c/policy\",\"key_props\":{\"exportable\":true,"
        "\"kty\":\"EC\",\"crv\":\"P-256\"},\"secret_props\":{\"contentType\":\"application/"
        "x-pem-file\"},\"issuer\":{\"name\":\"Self\",\"cty\":\"OV-SSL\"},\"attributes\":{"
        "\"enabled\":true,\"created\":1774657879,\"updated\":1774657880}}");
    ck_assert_int_eq(d.nomem, 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(d.root, "keyProperties"), "curve")
                         ->valuestring,
                     "P-256");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(d.root, "issuerParameters"), "certificateType")
            ->valuestring,
        "OV-SSL");
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(d.root, "secretProperties"));
    a = cJSON_GetObjectItemCaseSensitive(d.root, "attributes");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(a, "created")->valuestring,
                     "2026-03-28T00:31:19+00:00");
    cli_doc_free(&d);
}
END_TEST

START_TEST(test_default_policy_and_args)
{
    struct cli c;
    struct cli_doc d = {NULL, 0};
    char *wire = NULL, *text;
    char pw[] = "s3cret-pw";
    char *ok_argv[] = {"kvclient", "certificate", "import", "--vault-name", "demo", "-n",
                       "c",        "--file",      "x.pfx",  "--password",   pw};
    char *enc_argv[] = {"kvclient", "certificate", "download", "--vault-name", "demo", "-n",
                        "c",        "--file",      "x",        "--encoding",   "DER"};
    char *bad_argv[] = {"kvclient", "certificate", "download", "--vault-name", "demo", "-n",
                        "c",        "--file",      "x",        "--encoding",   "utf-8"};
    char *issuer_argv[] = {"kvclient",     "certificate", "issuer",        "create",
                           "--vault-name", "demo",        "--issuer-name", "i1"};
    char *offline_argv[] = {"kvclient", "certificate", "get-default-policy"};

    /* az's default policy reads back as a self-signed RSA 2048 policy. */
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(cli_cert_default_policy(&c, &d), KV_OK);
    text = cJSON_PrintUnformatted(d.root);
    ck_assert_int_eq(cli_policy_to_wire(&c, text, &wire), KV_OK);
    ck_assert_ptr_nonnull(strstr(wire, "\"key_size\":2048"));
    ck_assert_ptr_nonnull(strstr(wire, "\"issuer\":{\"name\":\"Self\"}"));
    free(text);
    free(wire);
    cli_doc_free(&d);

    FILE *devnull = fopen("/dev/null", "w");
    cli_set_err(devnull);
    /* The password is copied and blanked in argv. */
    ck_assert_int_eq(parse(&c, ok_argv, 11), KV_OK);
    ck_assert_str_eq(c.password, "s3cret-pw");
    ck_assert_str_eq(pw, "xxxxxxxxx");
    cli_free(&c);
    ck_assert_int_eq(parse(&c, enc_argv, 11), KV_OK);
    cli_free(&c);
    ck_assert_int_eq(parse(&c, bad_argv, 11), KV_E_USAGE);
    cli_free(&c);
    /* issuer create needs --provider-name. */
    ck_assert_int_eq(parse(&c, issuer_argv, 8), KV_E_USAGE);
    cli_free(&c);
    /* get-default-policy needs no vault. */
    ck_assert_int_eq(parse(&c, offline_argv, 3), KV_OK);
    ck_assert_int_eq(c.verb->needs_name, CLI_OFFLINE);
    cli_free(&c);
    cli_set_err(NULL);
    fclose(devnull);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kvclient-cli-certs-unit");
    TCase *tc = tcase_create("certs");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_policy_to_wire);
    tcase_add_test(tc, test_policy_printed_in_az_names);
    tcase_add_test(tc, test_default_policy_and_args);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
