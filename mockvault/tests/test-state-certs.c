/* test-state-certs.c: unit tests of the certificates family in fixtures and snapshots
 * (spec/fixtures.md): certificate permissions of access policies, the certificate roles and
 * scopes, contacts and issuers (with the issuer's password kept in snapshots), errors that name
 * the file and the JSON path, export -> parse -> export round trips, and the rule that a
 * certificate's managed key and secret are never listed separately. */
#include <check.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "keymat.h"
#include "state.h"
#include "store-certs.h"
#include "testlib.h"
#include "util.h"

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

/* ---- Certificates (spec/fixtures.md "certificates") ---- */

/* An EC P-256 key and a self-signed certificate made here with GnuTLS, not by the mock's code:
 * valid from T0 - 1 h for a year. */
struct made {
    gnutls_x509_crt_t crt;
    gnutls_x509_privkey_t key;
};

static void make(struct made *m, const char *cn)
{
    unsigned char serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ck_assert_int_eq(gnutls_x509_privkey_init(&m->key), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(m->key, GNUTLS_PK_ECDSA,
                                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                                  0),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_init(&m->crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_version(m->crt, 3), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_serial(m->crt, serial, sizeof(serial)), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(m->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                                   (unsigned)strlen(cn)),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_set_activation_time(m->crt, T0 - 3600), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(m->crt, T0 + 365 * 86400), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key(m->crt, m->key), 0);
    ck_assert_int_eq(gnutls_x509_crt_sign2(m->crt, m->crt, m->key, GNUTLS_DIG_SHA256, 0), 0);
}

static void made_free(struct made *m)
{
    gnutls_x509_crt_deinit(m->crt);
    gnutls_x509_privkey_deinit(m->key);
}

/* PKCS#8 key then the certificate, as the service's PEM secrets are (spec §4). */
static char *pem_of(const struct made *m)
{
    gnutls_datum_t k, c;
    ck_assert_int_eq(
        gnutls_x509_privkey_export2_pkcs8(m->key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &k),
        0);
    ck_assert_int_eq(gnutls_x509_crt_export2(m->crt, GNUTLS_X509_FMT_PEM, &c), 0);
    char *s = malloc(k.size + c.size + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, k.data, k.size);
    memcpy(s + k.size, c.data, c.size);
    s[k.size + c.size] = '\0';
    gnutls_free(k.data);
    gnutls_free(c.data);
    return s;
}

/* Base64 of a PKCS#12 with password pwd (key bag and certificate bag, AES-256 PBES2). */
static char *pfx_of(const struct made *m, const char *pwd)
{
    gnutls_pkcs12_t p12;
    gnutls_pkcs12_bag_t cbag, kbag;
    gnutls_datum_t key, out;
    unsigned char kid[20];
    size_t kid_len = sizeof(kid);
    ck_assert_int_eq(gnutls_x509_crt_get_key_id(m->crt, 0, kid, &kid_len), 0);
    gnutls_datum_t id = {kid, (unsigned)kid_len};
    ck_assert_int_eq(gnutls_pkcs12_bag_init(&cbag), 0);
    int idx = gnutls_pkcs12_bag_set_crt(cbag, m->crt);
    ck_assert_int_ge(idx, 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_set_key_id(cbag, (unsigned)idx, &id), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_encrypt(cbag, pwd, GNUTLS_PKCS_PBES2_AES_256), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_init(&kbag), 0);
    ck_assert_int_eq(gnutls_x509_privkey_export2_pkcs8(m->key, GNUTLS_X509_FMT_DER, pwd,
                                                       GNUTLS_PKCS_PBES2_AES_256, &key),
                     0);
    idx = gnutls_pkcs12_bag_set_data(kbag, GNUTLS_BAG_PKCS8_ENCRYPTED_KEY, &key);
    ck_assert_int_ge(idx, 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_set_key_id(kbag, (unsigned)idx, &id), 0);
    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    ck_assert_int_eq(gnutls_pkcs12_set_bag(p12, kbag), 0);
    ck_assert_int_eq(gnutls_pkcs12_set_bag(p12, cbag), 0);
    ck_assert_int_eq(gnutls_pkcs12_generate_mac2(p12, GNUTLS_MAC_SHA256, pwd), 0);
    ck_assert_int_eq(gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, &out), 0);
    char *b64 = cx_b64_encode(out.data, out.size, 0);
    ck_assert_ptr_nonnull(b64);
    gnutls_free(out.data);
    gnutls_free(key.data);
    gnutls_pkcs12_deinit(p12);
    gnutls_pkcs12_bag_deinit(kbag);
    gnutls_pkcs12_bag_deinit(cbag);
    return b64;
}

/* s as a JSON string literal (PEM text keeps its newlines escaped); caller frees. */
static char *jstr(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(t);
    return t;
}

static const struct mv_object *find(const struct mv_vault *v, enum mv_objtype t, const char *name)
{
    const struct mv_object *o = mv_vault_object(v, t, name);
    ck_assert_msg(o != NULL, "%s is in the vault", name);
    return o;
}

/* The certificates of the fixture below: given PEM, PFX with a password, generated from the
 * policy (PKCS#12, and non-exportable PEM), one with an operation in progress after a completed
 * version, and one deleted. */
static char *cert_fixture(char **pem_out)
{
    struct made a, b;
    make(&a, "pem-cert");
    make(&b, "pfx-cert");
    char *pem = pem_of(&a), *pfx = pfx_of(&b, "1234");
    char *jpem = jstr(pem);
    size_t len = strlen(pem) * 3 + strlen(pfx) + 4096;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    snprintf(s, len,
             VAULT_HEAD
             "\"keys\":[{\"name\":\"plain-key\",\"versions\":[{\"kty\":\"EC\"}]}],"
             "\"certificates\":["
             "{\"name\":\"pem-cert\",\"policy\":{\"secret_props\":{\"contentType\":"
             "\"application/x-pem-file\"}},\"versions\":[{\"pem\":%s,\"tags\":{\"t\":\"1\"}}]},"
             "{\"name\":\"pfx-cert\",\"versions\":[{\"pfx\":\"%s\",\"password\":\"1234\","
             "\"id\":\"0123456789abcdef0123456789abcdef\"}]},"
             "{\"name\":\"gen-cert\",\"policy\":{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-256\"},"
             "\"x509_props\":{\"subject\":\"CN=gen\"},\"issuer\":{\"name\":\"Self\"}},"
             "\"versions\":[{\"created\":\"-1d\"}]},"
             "{\"name\":\"nx-cert\",\"policy\":{\"key_props\":{\"exportable\":false,\"kty\":\"EC\","
             "\"crv\":\"P-256\"},\"secret_props\":{\"contentType\":\"application/x-pem-file\"},"
             "\"x509_props\":{\"subject\":\"CN=nx\"}},\"versions\":[{}]},"
             "{\"name\":\"pend-cert\",\"policy\":{\"key_props\":{\"kty\":\"EC\"},\"secret_props\":{"
             "\"contentType\":\"application/x-pem-file\"},\"x509_props\":{\"subject\":"
             "\"CN=pend\"},\"issuer\":{\"name\":\"Unknown\"}},\"pending\":{},"
             "\"versions\":[{\"pem\":%s},{\"pending\":true}]}],"
             "\"deletedCertificates\":[{\"name\":\"del-cert\",\"deletedDate\":\"-1d\",\"policy\":"
             "{\"secret_props\":{\"contentType\":\"application/x-pem-file\"}},"
             "\"versions\":[{\"pem\":%s}]}]}]}",
             jpem, pfx, jpem, jpem);
    made_free(&a);
    made_free(&b);
    free(jpem);
    free(pfx);
    *pem_out = pem;
    return s;
}

START_TEST(test_cert_fixture)
{
    char *pem, *text = cert_fixture(&pem);
    mv_rand_seed(42);
    struct mv_data *d = parse_ok(text);
    const struct mv_vault *v = &d->vaults[0];
    ck_assert_uint_eq(v->ncerts, 6);

    /* PEM: the secret's value exactly as given; x5t, nbf and exp from the certificate. */
    const struct mv_object *c = find(v, MV_OBJ_CERT, "pem-cert");
    const struct mv_object *s = find(v, MV_OBJ_SECRET, "pem-cert");
    const struct mv_object *k = find(v, MV_OBJ_KEY, "pem-cert");
    ck_assert_str_eq(s->versions[0].value, pem);
    ck_assert_str_eq(s->versions[0].content_type, "application/x-pem-file");
    ck_assert(s->versions[0].managed && k->versions[0].managed);
    ck_assert_str_eq(s->versions[0].id, c->versions[0].id);
    ck_assert_str_eq(k->versions[0].id, c->versions[0].id);
    ck_assert_int_eq(c->versions[0].nbf, T0 - 3600);
    ck_assert_int_eq(c->versions[0].exp, T0 + 365 * 86400);
    ck_assert_int_eq(s->versions[0].exp, T0 + 365 * 86400);
    ck_assert_uint_eq(strlen(c->versions[0].cert->x5t), 27);
    ck_assert_str_eq(k->versions[0].tags.items[0].value, "1");
    /* Key usage digitalSignature + keyEncipherment of the default policy, on an EC key. */
    ck_assert_uint_eq(k->versions[0].key->nops, 2);

    /* PFX with a password: rewritten with the empty one, which GnuTLS opens; the id kept. */
    s = find(v, MV_OBJ_SECRET, "pfx-cert");
    ck_assert_str_eq(s->versions[0].id, "0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(s->versions[0].content_type, "application/x-pkcs12");
    size_t blen = 0;
    unsigned char *bin =
        cx_b64_decode(s->versions[0].value, strlen(s->versions[0].value), 0, &blen);
    ck_assert_ptr_nonnull(bin);
    gnutls_pkcs12_t p12;
    gnutls_datum_t dat = {bin, (unsigned)blen};
    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    ck_assert_int_eq(gnutls_pkcs12_import(p12, &dat, GNUTLS_X509_FMT_DER, 0), 0);
    ck_assert_int_eq(gnutls_pkcs12_verify_mac(p12, ""), 0);
    ck_assert_int_ne(gnutls_pkcs12_verify_mac(p12, "1234"), 0);
    gnutls_pkcs12_deinit(p12);
    free(bin);

    /* Generated: issued as of its creation (nbf = created - 600), the key of the policy. */
    c = find(v, MV_OBJ_CERT, "gen-cert");
    k = find(v, MV_OBJ_KEY, "gen-cert");
    ck_assert_int_eq(c->versions[0].created, T0 - 86400);
    ck_assert_int_eq(c->versions[0].nbf, T0 - 86400 - 600);
    ck_assert_int_eq(mv_keymat_kty(k->versions[0].key->mat), MV_KTY_EC);
    ck_assert_ptr_nonnull(c->versions[0].cert->der);

    /* Not exportable: the secret holds the certificate only; the key is still there. */
    s = find(v, MV_OBJ_SECRET, "nx-cert");
    k = find(v, MV_OBJ_KEY, "nx-cert");
    ck_assert_ptr_nonnull(strstr(s->versions[0].value, "BEGIN CERTIFICATE"));
    ck_assert_ptr_null(strstr(s->versions[0].value, "PRIVATE KEY"));
    ck_assert(!k->versions[0].key->exportable);
    ck_assert_ptr_nonnull(k->versions[0].key->mat);

    /* Pending: the operation in progress on the last version, its key and CSR made; the key and
     * secret have the completed version only. */
    c = find(v, MV_OBJ_CERT, "pend-cert");
    ck_assert_uint_eq(c->nversions, 2);
    ck_assert_ptr_null(c->versions[1].cert->der);
    ck_assert(!c->versions[1].enabled);
    ck_assert_ptr_nonnull(c->pending);
    ck_assert_int_eq(c->pending->status, MV_COP_IN_PROGRESS);
    ck_assert_str_eq(c->pending->version, c->versions[1].id);
    ck_assert_str_eq(c->pending->issuer_name, "Unknown");
    ck_assert_ptr_nonnull(c->pending->mat);
    ck_assert_ptr_nonnull(c->pending->csr);
    ck_assert_uint_eq(find(v, MV_OBJ_KEY, "pend-cert")->nversions, 1);

    /* Deleted: the key and secret share the certificate's dates. */
    c = find(v, MV_OBJ_CERT, "del-cert");
    s = find(v, MV_OBJ_SECRET, "del-cert");
    ck_assert(c->deleted && s->deleted && find(v, MV_OBJ_KEY, "del-cert")->deleted);
    ck_assert_int_eq(c->deleted_date, T0 - 86400);
    ck_assert_int_eq(c->scheduled_purge_date, T0 - 86400 + 90 * 86400);
    ck_assert_int_eq(s->scheduled_purge_date, c->scheduled_purge_date);

    /* Exported with cer and jwk, the managed objects not listed; export -> parse -> export is
     * lossless (the second parse takes the snapshot's fast path). */
    char *first = export_text(d);
    mv_data_free(d);
    cJSON *j = cJSON_Parse(first);
    const cJSON *vj = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vaults"), 0);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(vj, "keys")), 1);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(vj, "secrets")), 0);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(vj, "certificates")), 5);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(vj, "deletedCertificates")), 1);
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(strstr(first, "\"exportable\":false"));
    ck_assert_ptr_nonnull(strstr(first, "{\"pending\":true,\"enabled\":false"));
    d = parse_ok(first);
    char *second = export_text(d);
    mv_data_free(d);
    ck_assert_str_eq(first, second);
    free(second);

    /* Under the same seed the generated keys are the same. */
    mv_rand_seed(42);
    d = parse_ok(text);
    second = export_text(d);
    mv_data_free(d);
    j = cJSON_Parse(first);
    cJSON *j2 = cJSON_Parse(second);
    const cJSON *c1 = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vaults"), 0),
                            "certificates"),
        0);
    const cJSON *c2 = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j2, "vaults"), 0),
                            "certificates"),
        0);
    ck_assert_str_eq(cJSON_GetObjectItem(c1, "name")->valuestring, "gen-cert");
    ck_assert(cJSON_Compare(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c1, "versions"), 0), "jwk"),
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c2, "versions"), 0), "jwk"),
        true));
    cJSON_Delete(j);
    cJSON_Delete(j2);
    mv_rand_unseed();
    free(second);
    free(first);
    free(text);
    free(pem);
}
END_TEST

/* The parse of json must fail with a message starting with want. */
static void parse_fails_with(const char *json, const char *want)
{
    char err[1024] = "";
    struct mv_data *d = mv_state_parse(json, strlen(json), "inline.json", T0, err, sizeof(err));
    ck_assert_msg(d == NULL, "parsed although invalid: %s", json);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got '%s', want '%s...'", err, want);
}

#define CERTS VAULT_HEAD "\"certificates\":["

START_TEST(test_cert_errors)
{
    parse_fails(CERTS "{\"name\":\"a\",\"versions\":[{\"pfxx\":\"\"}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].versions[0].pfxx: unknown field 'pfxx' "
                "(allowed here: pfx, password, pem, cer, jwk, exportable, keyOps, pending, tags, "
                "enabled, nbf, exp, created, updated, id; field names are case-sensitive)");
    parse_fails(CERTS "{\"name\":\"a\",\"policy\":{\"x509_props\":{\"subjet\":\"CN=a\"}},"
                      "\"versions\":[{}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].policy.x509_props.subjet: unknown "
                "field 'subjet' (see the policy's wire JSON, spec/keyvault-certificates.md §2; "
                "field names are case-sensitive)");
    parse_fails_with(CERTS "{\"name\":\"a\",\"policy\":{\"x509_props\":{\"validity_months\":0}},"
                           "\"versions\":[{}]}]}]}",
                     "inline.json: $.vaults[0].certificates[0].policy: ");
    parse_fails_with(CERTS "{\"name\":\"a\",\"versions\":[{\"pfx\":\"bm90IGEgcGZ4\"}]}]}]}",
                     "inline.json: $.vaults[0].certificates[0].versions[0].pfx: not a PKCS#12 "
                     "file that opens with this password");
    parse_fails_with(CERTS "{\"name\":\"a\",\"versions\":[{\"pem\":\"-----BEGIN RSA PRIVATE "
                           "KEY-----\\n\"}]}]}]}",
                     "inline.json: $.vaults[0].certificates[0].versions[0].pem: not PEM with a "
                     "PKCS#8 key");
    parse_fails(CERTS "{\"name\":\"a\",\"versions\":[{\"pfx\":\"x\",\"pem\":\"y\"}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].versions[0].pem: give the secret as "
                "'pfx' or as 'pem', not both");
    parse_fails(CERTS "{\"name\":\"a\",\"versions\":[{\"pending\":true,\"pem\":\"y\"}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].versions[0].pem: a pending version has "
                "no certificate, key or secret yet; remove this field or 'pending'");
    parse_fails(CERTS "{\"name\":\"a\",\"versions\":[{\"cer\":\"AAAA\"}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].versions[0].cer: this field goes with "
                "the secret: give it as 'pfx' or 'pem' (or leave all three out to generate the "
                "version from the policy)");
    parse_fails(CERTS "{\"name\":\"a\",\"pending\":{\"status\":\"InProgress\"},\"versions\":[{"
                      "\"pending\":true}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].pending.status: unknown status (use "
                "inProgress, completed, cancelled or failed)");
    parse_fails(VAULT_HEAD "\"secrets\":[{\"name\":\"Taken\",\"versions\":[{\"value\":\"v\"}]}],"
                           "\"certificates\":[{\"name\":\"taken\",\"policy\":{\"key_props\":{"
                           "\"kty\":\"EC\"}},\"versions\":[{}]}]}]}",
                "inline.json: $.vaults[0].certificates[0].name: the name 'taken' is taken by a "
                "secret of this vault (a certificate's key and secret have its name; rename one "
                "of them)");
    parse_fails(CERTS "{\"name\":\"a\",\"versions\":[{\"pending\":true}]}],"
                      "\"deletedCertificates\":[{\"name\":\"A\",\"versions\":[{\"pending\":"
                      "true}]}]}]}",
                "inline.json: $.vaults[0].deletedCertificates[0].name: duplicate certificate "
                "name 'A' (also certificates[0]; names are case-insensitive)");
}
END_TEST

/* A backup blob's certificate: the certificate only (no secret, no key), back to the same
 * object, the operation's key included. */
START_TEST(test_cert_blob)
{
    char *pem, *text = cert_fixture(&pem);
    struct mv_data *d = parse_ok(text);
    const struct mv_object *c = find(&d->vaults[0], MV_OBJ_CERT, "pend-cert");
    cJSON *j = mv_state_cert_to_json(c);
    ck_assert_ptr_nonnull(j);
    char *s1 = cJSON_PrintUnformatted(j);
    ck_assert_ptr_null(strstr(s1, "\"pem\""));
    ck_assert_ptr_nonnull(strstr(s1, "\"cer\""));
    char err[256];
    struct mv_object *back = mv_state_cert_from_json(j, err, sizeof(err));
    ck_assert_msg(back != NULL, "from_json: %s", err);
    cJSON_Delete(j);
    ck_assert_uint_eq(back->nversions, 2);
    ck_assert_mem_eq(back->versions[0].cert->der, c->versions[0].cert->der,
                     c->versions[0].cert->der_len);
    ck_assert_str_eq(back->versions[0].cert->x5t, c->versions[0].cert->x5t);
    ck_assert_ptr_nonnull(back->pending->mat);
    j = mv_state_cert_to_json(back);
    char *s2 = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(s1, s2);
    cJSON_Delete(j);
    /* A blob never generates: a version without its certificate is refused. */
    j = cJSON_Parse("{\"name\":\"a\",\"policy\":{\"attributes\":{\"created\":1,\"updated\":1}},"
                    "\"versions\":[{\"created\":1}]}");
    ck_assert_ptr_null(mv_state_cert_from_json(j, err, sizeof(err)));
    ck_assert_str_eq(err, "backup blob: $.versions[0].cer: required field is missing");
    cJSON_Delete(j);
    mv_object_finish(back);
    free(back);
    free(s1);
    free(s2);
    mv_data_free(d);
    free(text);
    free(pem);
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
    tc = tcase_create("certificates");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_cert_fixture);
    tcase_add_test(tc, test_cert_errors);
    tcase_add_test(tc, test_cert_blob);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(state_certs_suite(), false);
}
