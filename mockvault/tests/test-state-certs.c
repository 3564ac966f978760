/* test-state-certs.c: unit tests of the certificates family in fixtures and snapshots
 * (spec/fixtures.md): certificate permissions of access policies, the certificate roles and
 * scopes, contacts and issuers (with the issuer's password kept in snapshots), errors that name
 * the file and the JSON path, export -> parse -> export round trips, and the rule that a
 * certificate's managed key and secret are never listed separately. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "state.h"
#include "store-certs.h"
#include "testlib.h"

#define T0 1700000000

static struct mv_data *parse_ok(const char *json)
{
    char err[1024] = "";
    struct mv_data *d = mv_state_parse(json, strlen(json), "inline.json", T0, err, sizeof(err));
    ck_assert_msg(d != NULL, "parse failed: %s", err);
    return d;
}

/* The parse of json must fail with exactly want. */
static void parse_fails(const char *json, const char *want)
{
    char err[1024] = "";
    struct mv_data *d = mv_state_parse(json, strlen(json), "inline.json", T0, err, sizeof(err));
    ck_assert_msg(d == NULL, "parsed although invalid: %s", json);
    ck_assert_str_eq(err, want);
}

static char *export_text(const struct mv_data *d)
{
    cJSON *j = mv_state_export(d);
    ck_assert_ptr_nonnull(j);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* export(parse(text)) must parse again into the same export. */
static char *round_trip(const char *text)
{
    struct mv_data *d = parse_ok(text);
    char *first = export_text(d);
    mv_data_free(d);
    d = parse_ok(first);
    char *second = export_text(d);
    mv_data_free(d);
    ck_assert_str_eq(first, second);
    free(second);
    return first;
}

#define TENANT "\"tenants\":[{\"id\":\"11111111-1111-1111-1111-111111111111\"}]"
#define VAULT_HEAD "{" TENANT ",\"vaults\":[{\"name\":\"demo\","

START_TEST(test_access_and_roles)
{
    char *s = round_trip(
        VAULT_HEAD
        "\"accessPolicies\":[{\"objectId\":\"o1\",\"permissions\":{\"secrets\":[\"get\"],"
        "\"certificates\":[\"Get\",\"managecontacts\",\"purge\"]}},{\"objectId\":\"o2\","
        "\"permissions\":{\"certificates\":[\"all\"]}}],\"roleAssignments\":[{"
        "\"principalId\":\"p\",\"role\":\"Key Vault Certificates Officer\"},{"
        "\"principalId\":\"p\",\"role\":\"Key Vault Certificate User\",\"scope\":"
        "\"/certificates/tls-cert\"}]}]}");
    ck_assert_ptr_nonnull(strstr(s, "\"certificates\":[\"get\",\"managecontacts\",\"purge\"]"));
    ck_assert_ptr_nonnull(strstr(s, "\"certificates\":[\"all\"]"));
    ck_assert_ptr_nonnull(strstr(s, "\"scope\":\"/certificates/tls-cert\""));
    free(s);

    struct mv_data *d = parse_ok(VAULT_HEAD "\"accessPolicies\":[{\"objectId\":\"o\",\"permissions"
                                            "\":{\"certificates\":[\"all\"]}}]}]}");
    ck_assert_uint_eq(d->vaults[0].policies[0].certs, MV_CPERM_ALL);
    ck_assert(d->vaults[0].policies[0].certs_all);
    mv_data_free(d);

    parse_fails(VAULT_HEAD "\"accessPolicies\":[{\"objectId\":\"o\",\"permissions\":{"
                           "\"certificates\":[\"get\",\"sign\"]}}]}]}",
                "inline.json: $.vaults[0].accessPolicies[0].permissions.certificates[1]: unknown "
                "certificate permission 'sign' (allowed: get, list, update, create, import, "
                "delete, recover, backup, restore, managecontacts, manageissuers, getissuers, "
                "listissuers, setissuers, deleteissuers, purge, all)");
    parse_fails(VAULT_HEAD "\"roleAssignments\":[{\"principalId\":\"p\",\"role\":\"Key Vault "
                           "Reader\",\"scope\":\"/certificates/a_b\"}]}]}",
                "inline.json: $.vaults[0].roleAssignments[0].scope: invalid scope "
                "'/certificates/a_b' (\"/\" for the whole vault, \"/secrets/{name}\", "
                "\"/keys/{name}\" or \"/certificates/{name}\")");
}
END_TEST

START_TEST(test_contacts_issuers)
{
    /* No contacts key: none set. An empty list: set, and exported as such. */
    struct mv_data *d = parse_ok(VAULT_HEAD "\"secrets\":[]}]}");
    ck_assert(!d->vaults[0].has_contacts);
    char *s = export_text(d);
    ck_assert_ptr_null(strstr(s, "certificateContacts"));
    ck_assert_ptr_null(strstr(s, "certificateIssuers"));
    free(s);
    mv_data_free(d);

    s = round_trip(VAULT_HEAD
                   "\"certificateContacts\":[{\"email\":\"admin@contoso.com\",\"name\":\"John "
                   "Doe\",\"phone\":\"1111111111\"},{\"email\":\"b@contoso.com\"}],"
                   "\"certificateIssuers\":[{\"name\":\"zeta\",\"provider\":\"Test\"},{\"name\":"
                   "\"Alpha\",\"provider\":\"Test\",\"credentials\":{\"account_id\":"
                   "\"keyvaultuser\",\"pwd\":\"fake-issuer-pwd\"},\"org_details\":{\"zip\":0,"
                   "\"admin_details\":[{\"first_name\":\"John\",\"last_name\":\"Doe\",\"email\":"
                   "\"admin@microsoft.com\",\"phone\":\"4255555555\"}]},\"attributes\":{"
                   "\"enabled\":false,\"created\":\"2026-01-01T00:00:00Z\"}}]}]}");
    ck_assert_ptr_nonnull(strstr(s, "\"certificateContacts\":[{\"email\":\"admin@contoso.com\","
                                    "\"name\":\"John Doe\",\"phone\":\"1111111111\"},{\"email\":"
                                    "\"b@contoso.com\"}]"));
    /* Sorted by name; the password stays in the snapshot (never on the wire). */
    ck_assert_ptr_nonnull(strstr(s, "\"certificateIssuers\":[{\"name\":\"Alpha\",\"provider\":"
                                    "\"Test\",\"credentials\":{\"account_id\":\"keyvaultuser\","
                                    "\"pwd\":\"fake-issuer-pwd\"},\"org_details\":{"
                                    "\"admin_details\":[{\"first_name\":\"John\""));
    ck_assert_ptr_nonnull(strstr(s, "\"attributes\":{\"enabled\":false,\"created\":1767225600,"
                                    "\"updated\":1767225600}"));
    ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"zeta\",\"provider\":\"Test\",\"attributes\":{"
                                    "\"enabled\":true,\"created\":1700000000"));
    free(s);
    d = parse_ok(VAULT_HEAD "\"certificateContacts\":[]}]}");
    ck_assert(d->vaults[0].has_contacts);
    ck_assert_uint_eq(d->vaults[0].ncontacts, 0);
    mv_data_free(d);

    parse_fails(VAULT_HEAD "\"certificateContacts\":[{\"mail\":\"a@b\"}]}]}",
                "inline.json: $.vaults[0].certificateContacts[0].mail: unknown field 'mail' "
                "(allowed here: email, name, phone; field names are case-sensitive)");
    parse_fails(VAULT_HEAD "\"certificateContacts\":[{}]}]}",
                "inline.json: $.vaults[0].certificateContacts[0]: a contact needs at least one of "
                "email, name and phone");
    parse_fails(VAULT_HEAD "\"certificateIssuers\":[{\"name\":\"Self\",\"provider\":\"Test\"}]}]}",
                "inline.json: $.vaults[0].certificateIssuers[0].name: invalid issuer name 'Self' "
                "(1 to 127 characters of 0-9, a-z, A-Z and '-'; Self and Unknown are reserved)");
    parse_fails(VAULT_HEAD "\"certificateIssuers\":[{\"name\":\"a\",\"provider\":\"Test\"},{"
                           "\"name\":\"A\",\"provider\":\"Test\"}]}]}",
                "inline.json: $.vaults[0].certificateIssuers[1].name: duplicate issuer name 'A' "
                "(also certificateIssuers[0]; names are case-insensitive)");
    parse_fails(
        VAULT_HEAD "\"certificateIssuers\":[{\"name\":\"a\",\"provider\":\"Test\","
                   "\"credentials\":{\"password\":\"x\"}}]}]}",
        "inline.json: $.vaults[0].certificateIssuers[0].credentials.password: unknown field "
        "'password' (allowed here: account_id, pwd; field names are case-sensitive)");
}
END_TEST

/* A certificate made through the store: its managed key and secret are not exported as keys
 * or secrets of their own. */
START_TEST(test_managed_not_listed)
{
    struct mv_store *st = mv_store_create(parse_ok(VAULT_HEAD "\"secrets\":[{\"name\":\"plain\","
                                                              "\"versions\":[{\"value\":\"v\"}]}]"
                                                              "}]}"));
    struct mv_key_spec spec = {.kty = MV_KTY_EC, .crv = MV_CRV_P256};
    unsigned char seed[32] = {1};
    struct mv_keymat *km = NULL;
    struct mv_cert_policy p;
    char err[128];
    static const unsigned char der[] = {1, 2, 3};

    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(mv_keymat_generate(&spec, seed, sizeof(seed), &km), MV_KM_OK);
    ck_assert_int_eq(mv_cert_policy_parse(NULL, NULL, &p, err, sizeof(err)), 0);
    struct mv_cert_import imp = {.policy = &p,
                                 .mat = km,
                                 .issue = {.der = der,
                                           .der_len = 3,
                                           .secret_value = "AAAA",
                                           .secret_content_type = "application/x-pkcs12",
                                           .nbf = T0,
                                           .exp = T0 + 1000}};
    ck_assert_int_eq(mv_store_cert_import(st, "demo", "tls", &imp, T0, NULL), MV_OK);
    char *s = export_text(mv_store_rdlock(st));
    mv_store_unlock(st);
    cJSON *j = cJSON_Parse(s);
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vaults"), 0);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(v, "secrets")), 1);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(v, "keys")), 0);
    cJSON_Delete(j);
    free(s);
    mv_cert_policy_finish(&p);
    mv_keymat_unref(km);
    mv_store_destroy(st);
}
END_TEST

static Suite *state_certs_suite(void)
{
    Suite *s = suite_create("state-certs");
    TCase *tc = tcase_create("meta");
    tcase_add_test(tc, test_access_and_roles);
    tcase_add_test(tc, test_contacts_issuers);
    tcase_add_test(tc, test_managed_not_listed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(state_certs_suite(), false);
}
