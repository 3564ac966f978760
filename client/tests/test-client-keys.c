/* test-client-keys.c: every kv_key_* operation through libkvclient against the real mock on a
 * loopback port over TLS (client-common.h says how the suites run), with the fixture
 * keys-fixture.json (the demo vault, the admin app with every key permission, the automation flow
 * with keys get and sign). Signatures the vault makes are verified here with GnuTLS from the
 * public JWK it returns, and a key imported from PEM signs what its own private half verifies:
 * the mock's cryptography and the library's byte handling are checked against a second
 * implementation. Plaintexts and signatures never appear in traces or error messages. */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "client-common.h"
#include "cx-base64.h"

#define KT_KEYS_FIXTURE "client/tests/keys-fixture.json"

static void keys_setup(void)
{
    struct mv_server_config cfg;

    kt_clear_env();
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    srv = mvt_start(KT_KEYS_FIXTURE, &cfg);
}

static void keys_teardown(void)
{
    kt_clear_env();
    mv_server_stop(srv);
    srv = NULL;
}

static TCase *keys_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
    tcase_set_timeout(tc, 300);
    return tc;
}

static struct kv_key *create(struct kv_client *c, const char *name, const char *kty, int size,
                             const char *crv, const struct kv_key_props *p)
{
    struct kv_error err = fresh_err();
    struct kv_key *k = NULL;
    char what[96];

    snprintf(what, sizeof what, "create %s", name);
    kt_assert_ok(kv_key_create(c, name, kty, size, crv, p, &k, &err), &err, what);
    ck_assert_ptr_nonnull(k);
    return k;
}

static int has_op(const struct kv_key *k, const char *op)
{
    for (size_t i = 0; i < k->n_key_ops; i++)
        if (!strcmp(k->key_ops[i], op))
            return 1;
    return 0;
}

/* SHA-256 of text, the digest the vault signs. */
static void sha256(const char *text, unsigned char out[32])
{
    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), out), 0);
}

/* A GnuTLS public key from the vault's JWK (RSA n/e or EC crv/x/y). */
static gnutls_pubkey_t pubkey_of(const struct kv_key *k)
{
    gnutls_pubkey_t pk;

    ck_assert_int_eq(gnutls_pubkey_init(&pk), 0);
    if (k->n.len) {
        gnutls_datum_t n = {k->n.data, (unsigned)k->n.len}, e = {k->e.data, (unsigned)k->e.len};
        ck_assert_int_eq(gnutls_pubkey_import_rsa_raw(pk, &n, &e), 0);
    } else {
        gnutls_datum_t x = {k->x.data, (unsigned)k->x.len}, y = {k->y.data, (unsigned)k->y.len};
        ck_assert_str_eq(k->crv, "P-256");
        ck_assert_int_eq(gnutls_pubkey_import_ecc_raw(pk, GNUTLS_ECC_CURVE_SECP256R1, &x, &y), 0);
    }
    return pk;
}

/* Verifies a vault signature of digest with GnuTLS: RS256 as is, ES256 after turning the raw
 * fixed-width r||s (spec §3.8) into DER. */
static int gnutls_verifies(const struct kv_key *k, const char *alg, const unsigned char *digest,
                           const struct kv_bytes *sig)
{
    gnutls_pubkey_t pk = pubkey_of(k);
    gnutls_datum_t h = {(unsigned char *)digest, 32}, s = {sig->data, (unsigned)sig->len};
    gnutls_datum_t der = {NULL, 0};
    int rc;

    if (!strcmp(alg, "ES256")) {
        gnutls_datum_t r = {sig->data, 32}, ss = {sig->data + 32, 32};
        ck_assert_uint_eq(sig->len, 64);
        ck_assert_int_eq(gnutls_encode_rs_value(&der, &r, &ss), 0);
        s = der;
        rc = gnutls_pubkey_verify_hash2(pk, GNUTLS_SIGN_ECDSA_SHA256, 0, &h, &s);
    } else if (!strcmp(alg, "PS256")) {
        rc = gnutls_pubkey_verify_hash2(pk, GNUTLS_SIGN_RSA_PSS_SHA256, 0, &h, &s);
    } else {
        rc = gnutls_pubkey_verify_hash2(pk, GNUTLS_SIGN_RSA_SHA256, 0, &h, &s);
    }
    gnutls_free(der.data);
    gnutls_pubkey_deinit(pk);
    return rc >= 0;
}

/* ---- create, get, update ---------------------------------------------------------------- */

START_TEST(test_create_get_update)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_key *k, *g = NULL;
    struct kv_key_props p;
    struct kv_tag tags[] = {{"env", "test"}};
    const char *ops[] = {"sign", "verify"};
    int64_t exp = (int64_t)time(NULL) + 86400 * 30;
    char v1[33];

    /* Row 2: RSA with the defaults. */
    k = create(c, "kt-rsa", "RSA", 0, NULL, NULL);
    ck_assert_str_eq(k->kty, "RSA");
    ck_assert_str_eq(k->name, "kt-rsa");
    ck_assert_uint_eq(strlen(k->version), 32);
    ck_assert_int_eq(k->key_size, 2048);
    ck_assert_uint_eq(k->n.len, 256);
    ck_assert_uint_eq(k->e.len, 3);
    ck_assert_uint_eq(k->n_key_ops, 6);
    ck_assert(has_op(k, "encrypt") && has_op(k, "unwrapKey"));
    ck_assert_int_eq(k->enabled, 1);
    ck_assert_int_gt(k->created, 0);
    snprintf(v1, sizeof v1, "%s", k->version);
    kv_key_free(k);

    /* Row 1: EC P-256 by default, sign and verify; here with properties. */
    kv_key_props_init(&p);
    p.tags = tags;
    p.n_tags = 1;
    p.set_tags = 1;
    p.expires = exp;
    p.key_ops = ops;
    p.n_key_ops = 2;
    p.set_key_ops = 1;
    k = create(c, "kt-ec", "EC", 0, NULL, &p);
    ck_assert_str_eq(k->crv, "P-256");
    ck_assert_uint_eq(k->x.len, 32);
    ck_assert_uint_eq(k->y.len, 32);
    ck_assert_uint_eq(k->n_key_ops, 2);
    ck_assert_int_eq(k->expires, exp);
    ck_assert_uint_eq(k->n_tags, 1);
    ck_assert_str_eq(k->tags[0].value, "test");
    kv_key_free(k);
    k = create(c, "kt-ec384", "EC", 0, "P-384", NULL);
    ck_assert_uint_eq(k->x.len, 48);
    kv_key_free(k);
    k = create(c, "kt-rsa3k", "RSA", 3072, NULL, NULL);
    ck_assert_int_eq(k->key_size, 3072);
    ck_assert_uint_eq(k->n.len, 384);
    kv_key_free(k);

    /* A bad size is the service's 400; nothing was created. */
    kt_assert_status(kv_key_create(c, "kt-bad", "RSA", 1024, NULL, NULL, &k, &err),
                     KV_E_BAD_REQUEST, &err, "RSA 1024");
    ck_assert_ptr_null(k);
    kt_assert_status(kv_key_get(c, "kt-bad", NULL, &k, &err), KV_E_NOT_FOUND, &err, "not made");
    ck_assert_str_eq(err.code, "KeyNotFound");
    kt_assert_status(kv_key_create(c, "bad name", "RSA", 0, NULL, NULL, &k, &err), KV_E_INVALID_ARG,
                     &err, "bad name");

    /* A second version, then get latest and by version. */
    k = create(c, "kt-rsa", "RSA", 0, NULL, NULL);
    ck_assert_str_ne(k->version, v1);
    kt_assert_ok(kv_key_get(c, "kt-rsa", NULL, &g, &err), &err, "get latest");
    ck_assert_str_eq(g->version, k->version);
    ck_assert_int_eq(memcmp(g->n.data, k->n.data, 256), 0);
    kv_key_free(g);
    kt_assert_ok(kv_key_get(c, "kt-rsa", v1, &g, &err), &err, "get v1");
    ck_assert_str_eq(g->version, v1);
    ck_assert_int_ne(memcmp(g->n.data, k->n.data, 256), 0);
    kv_key_free(g);
    kv_key_free(k);

    /* Update: ops, tags cleared, disabled, exp; a disabled key is still readable (§2). */
    kv_key_props_init(&p);
    p.key_ops = ops;
    p.n_key_ops = 1;
    p.set_key_ops = 1;
    p.set_tags = 1;
    p.enabled = 0;
    p.expires = exp;
    kt_assert_ok(kv_key_update(c, "kt-rsa", NULL, &p, &k, &err), &err, "update latest");
    ck_assert_uint_eq(k->n_key_ops, 1);
    ck_assert_str_eq(k->key_ops[0], "sign");
    ck_assert_int_eq(k->enabled, 0);
    ck_assert_int_eq(k->expires, exp);
    kv_key_free(k);
    kt_assert_ok(kv_key_get(c, "kt-rsa", NULL, &g, &err), &err, "get disabled");
    ck_assert_int_eq(g->enabled, 0);
    kv_key_free(g);
    kv_key_props_init(&p);
    p.enabled = 1;
    kt_assert_ok(kv_key_update(c, "kt-rsa", v1, &p, NULL, &err), &err, "update v1");
    kv_client_destroy(c);
}
END_TEST

/* ---- lists ---------------------------------------------------------------------------------- */

static unsigned drain_keys(struct kv_pager *pg, const char *what, const char *want)
{
    struct kv_error err = fresh_err();
    struct kv_key *k = NULL;
    unsigned n = 0, found = 0;

    for (;;) {
        kt_assert_ok(kv_key_pager_next(pg, &k, &err), &err, what);
        if (!k)
            break;
        ck_assert_msg(k->id && k->name, "%s: items have a kid and a name", what);
        if (want && !strcmp(k->name, want))
            found++;
        n++;
        kv_key_free(k);
        ck_assert_uint_lt(n, 1000);
    }
    ck_assert_msg(!want || found, "%s lists %s", what, want);
    return n;
}

START_TEST(test_lists)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_pager *pg = NULL;
    struct kv_secret *s = NULL;
    char name[32];

    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "kt-list-%d", i);
        kv_key_free(create(c, name, "EC", 0, NULL, NULL));
    }
    for (int i = 0; i < 4; i++)
        kv_key_free(create(c, "kt-versions", "EC", 0, NULL, NULL));

    ck_assert_int_eq(kv_key_pager_create(c, KV_LIST_KEYS, NULL, 2, &pg), KV_OK);
    ck_assert_uint_ge(drain_keys(pg, "GetKeys", "kt-list-3"), 6);
    ck_assert_uint_ge(kv_pager_pages(pg), 3);
    /* A key pager is not a secret pager. */
    kt_assert_status(kv_pager_next(pg, &s, &err), KV_E_INVALID_ARG, &err, "secret next");
    kv_pager_destroy(pg);

    ck_assert_int_eq(kv_key_pager_create(c, KV_LIST_KEY_VERSIONS, "kt-versions", 3, &pg), KV_OK);
    ck_assert_uint_eq(drain_keys(pg, "GetKeyVersions", NULL), 4);
    kv_pager_destroy(pg);
    /* Row 5: versions of an unknown name are an empty list. */
    ck_assert_int_eq(kv_key_pager_create(c, KV_LIST_KEY_VERSIONS, "ghost", 0, &pg), KV_OK);
    ck_assert_uint_eq(drain_keys(pg, "GetKeyVersions ghost", NULL), 0);
    kv_pager_destroy(pg);

    kt_assert_ok(kv_key_delete(c, "kt-list-1", NULL, &err), &err, "delete");
    ck_assert_int_eq(kv_key_pager_create(c, KV_LIST_DELETED_KEYS, NULL, 0, &pg), KV_OK);
    ck_assert_uint_eq(drain_keys(pg, "GetDeletedKeys", "kt-list-1"), 1);
    kv_pager_destroy(pg);
    ck_assert_int_eq(kv_key_pager_create(c, KV_LIST_KEY_VERSIONS, "no/such", 0, &pg),
                     KV_E_INVALID_ARG);
    kv_client_destroy(c);
}
END_TEST

/* ---- cryptography ------------------------------------------------------------------------ */

START_TEST(test_encrypt_decrypt_wrap)
{
    static const char *const algs[] = {"RSA-OAEP", "RSA-OAEP-256", "RSA1_5"};
    static const char plain[] = "kt-plaintext-7d3e";
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_key *k = create(c, "kt-enc", "RSA", 0, NULL, NULL);
    struct kv_crypto_result *ct = NULL, *pt = NULL;

    for (size_t i = 0; i < 3; i++) {
        kt_assert_ok(
            kv_key_encrypt(c, "kt-enc", k->version, algs[i], plain, strlen(plain), &ct, &err), &err,
            algs[i]);
        ck_assert_uint_eq(ct->value.len, 256);
        ck_assert_msg(strstr(ct->kid, k->version) != NULL, "kid names the version");
        kt_assert_ok(
            kv_key_decrypt(c, "kt-enc", NULL, algs[i], ct->value.data, ct->value.len, &pt, &err),
            &err, algs[i]);
        ck_assert_msg(pt->value.len == strlen(plain) &&
                          !memcmp(pt->value.data, plain, pt->value.len),
                      "%s round trip", algs[i]);
        kv_crypto_result_free(ct);
        kv_crypto_result_free(pt);
    }
    /* Row 12: a version-less call answers with the current version's kid. */
    kt_assert_ok(kv_key_wrap(c, "kt-enc", NULL, "RSA-OAEP", plain, 16, &ct, &err), &err, "wrap");
    ck_assert_msg(strstr(ct->kid, k->version) != NULL, "version-less kid: %s", ct->kid);
    kt_assert_ok(
        kv_key_unwrap(c, "kt-enc", "", "RSA-OAEP", ct->value.data, ct->value.len, &pt, &err), &err,
        "unwrap");
    ck_assert_uint_eq(pt->value.len, 16);
    ck_assert_int_eq(memcmp(pt->value.data, plain, 16), 0);
    kv_crypto_result_free(ct);
    kv_crypto_result_free(pt);
    /* EC keys have no encrypt in their key_ops: 403 KeyOperationForbidden. */
    kv_key_free(k);
    k = create(c, "kt-enc-ec", "EC", 0, NULL, NULL);
    kt_assert_status(kv_key_encrypt(c, "kt-enc-ec", NULL, "RSA-OAEP", plain, 4, &ct, &err),
                     KV_E_FORBIDDEN, &err, "EC encrypt");
    ck_assert_ptr_null(ct);
    ck_assert_str_eq(err.inner_code, "KeyOperationForbidden");
    ck_assert_msg(strstr(err.message, plain) == NULL, "no plaintext in the message");
    kv_key_free(k);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_sign_verify)
{
    static const char *const algs[] = {"RS256", "PS256", "ES256"};
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_key *rsa = create(c, "kt-sig-rsa", "RSA", 0, NULL, NULL);
    struct kv_key *ec = create(c, "kt-sig-ec", "EC", 0, NULL, NULL);
    struct kv_crypto_result *sig = NULL;
    unsigned char digest[32], other[32], long_digest[50];
    int valid = -1;

    sha256("kt message", digest);
    sha256("kt other message", other);
    for (size_t i = 0; i < 3; i++) {
        const struct kv_key *k = i == 2 ? ec : rsa;
        kt_assert_ok(kv_key_sign(c, k->name, NULL, algs[i], digest, 32, &sig, &err), &err, algs[i]);
        ck_assert_uint_eq(sig->value.len, i == 2 ? 64 : 256);
        ck_assert_msg(gnutls_verifies(k, algs[i], digest, &sig->value),
                      "GnuTLS verifies the vault's %s signature", algs[i]);
        kt_assert_ok(kv_key_verify(c, k->name, k->version, algs[i], digest, 32, sig->value.data,
                                   sig->value.len, &valid, &err),
                     &err, "verify");
        ck_assert_int_eq(valid, 1);
        kt_assert_ok(kv_key_verify(c, k->name, NULL, algs[i], other, 32, sig->value.data,
                                   sig->value.len, &valid, &err),
                     &err, "verify other");
        ck_assert_int_eq(valid, 0);
        kv_crypto_result_free(sig);
    }
    /* Row 8: a digest of the wrong length is the service's 400. */
    memset(long_digest, 7, sizeof long_digest);
    kt_assert_status(kv_key_sign(c, "kt-sig-ec", NULL, "ES256", long_digest, 50, &sig, &err),
                     KV_E_BAD_REQUEST, &err, "50-byte digest");
    ck_assert_str_eq(err.code, "BadParameter");

    /* Row 10: a disabled key refuses sign with KeyDisabled (KV_E_DISABLED). */
    struct kv_key_props p;
    kv_key_props_init(&p);
    p.enabled = 0;
    kt_assert_ok(kv_key_update(c, "kt-sig-rsa", NULL, &p, NULL, &err), &err, "disable");
    kt_assert_status(kv_key_sign(c, "kt-sig-rsa", NULL, "RS256", digest, 32, &sig, &err),
                     KV_E_DISABLED, &err, "sign disabled");
    ck_assert_str_eq(err.inner_code, "KeyDisabled");

    /* Row 9: key_ops without decrypt. */
    const char *enc_only[] = {"encrypt"};
    kv_key_props_init(&p);
    p.enabled = 1;
    p.key_ops = enc_only;
    p.n_key_ops = 1;
    p.set_key_ops = 1;
    kt_assert_ok(kv_key_update(c, "kt-sig-rsa", NULL, &p, NULL, &err), &err, "ops");
    kt_assert_status(kv_key_decrypt(c, "kt-sig-rsa", NULL, "RSA-OAEP", digest, 32, &sig, &err),
                     KV_E_FORBIDDEN, &err, "decrypt not permitted");
    ck_assert_str_eq(err.message, "Operation decrypt is not permitted on this key.");
    kv_key_free(rsa);
    kv_key_free(ec);
    kv_client_destroy(c);
}
END_TEST

/* ---- import ------------------------------------------------------------------------------ */

/* Imports a key generated here; the vault's signature verifies with the key's own public half
 * and its n is the generated modulus without a sign byte (row 3). */
START_TEST(test_import)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    gnutls_x509_privkey_t x;
    gnutls_datum_t pem = {NULL, 0};
    struct kv_jwk *jwk = NULL;
    struct kv_key *k = NULL;
    struct kv_crypto_result *sig = NULL;
    unsigned char digest[32];

    for (int ec = 0; ec < 2; ec++) {
        ck_assert_int_eq(gnutls_x509_privkey_init(&x), 0);
        ck_assert_int_eq(gnutls_x509_privkey_generate(
                             x, ec ? GNUTLS_PK_ECDSA : GNUTLS_PK_RSA,
                             ec ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1) : 2048, 0),
                         0);
        ck_assert_int_eq(gnutls_x509_privkey_export2(x, GNUTLS_X509_FMT_PEM, &pem), 0);
        kt_assert_ok(kv_jwk_from_pem((const char *)pem.data, pem.size, &jwk, &err), &err, "pem");
        kt_assert_ok(kv_key_import(c, ec ? "kt-imp-ec" : "kt-imp-rsa", jwk, 0, NULL, &k, &err),
                     &err, "import");
        ck_assert_str_eq(k->kty, ec ? "EC" : "RSA");
        if (ec) {
            ck_assert_int_eq(memcmp(k->x.data, jwk->x.data, 32), 0);
        } else {
            ck_assert_uint_eq(k->n.len, jwk->n.len);
            ck_assert_int_eq(memcmp(k->n.data, jwk->n.data, k->n.len), 0);
        }
        sha256("kt imported", digest);
        kt_assert_ok(kv_key_sign(c, k->name, NULL, ec ? "ES256" : "RS256", digest, 32, &sig, &err),
                     &err, "sign imported");
        ck_assert(gnutls_verifies(k, ec ? "ES256" : "RS256", digest, &sig->value));
        kv_crypto_result_free(sig);
        kv_key_free(k);
        kv_jwk_free(jwk);
        gnutls_free(pem.data);
        gnutls_x509_privkey_deinit(x);
    }
    kv_client_destroy(c);
}
END_TEST

/* ---- soft delete, backup, restore, rotation ------------------------------------------------ */

START_TEST(test_delete_recover_purge)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_key *k = NULL;

    kv_key_free(create(c, "kt-del", "EC", 0, NULL, NULL));
    kt_assert_ok(kv_key_delete(c, "kt-del", &k, &err), &err, "delete");
    ck_assert_msg(k->recovery_id && strstr(k->recovery_id, "/deletedkeys/kt-del"), "recoveryId");
    ck_assert_int_gt(k->deleted_date, 0);
    ck_assert_int_gt(k->scheduled_purge_date, k->deleted_date);
    ck_assert_str_eq(k->kty, "EC");
    kv_key_free(k);
    kt_assert_status(kv_key_get(c, "kt-del", NULL, &k, &err), KV_E_NOT_FOUND, &err, "gone");
    /* Row 13: the name is taken until purge or recover. */
    kt_assert_status(kv_key_create(c, "kt-del", "EC", 0, NULL, NULL, &k, &err), KV_E_CONFLICT, &err,
                     "create on a deleted name");
    ck_assert_str_eq(err.inner_code, "ObjectIsDeletedButRecoverable");
    kt_assert_ok(kv_key_get_deleted(c, "kt-del", &k, &err), &err, "get deleted");
    ck_assert_ptr_nonnull(k->recovery_id);
    kv_key_free(k);
    kt_assert_ok(kv_key_recover(c, "kt-del", &k, &err), &err, "recover");
    ck_assert_str_eq(k->name, "kt-del");
    kv_key_free(k);
    kt_assert_ok(kv_key_get(c, "kt-del", NULL, NULL, &err), &err, "back");
    kt_assert_ok(kv_key_delete(c, "kt-del", NULL, &err), &err, "delete again");
    kt_assert_ok(kv_key_purge(c, "kt-del", &err), &err, "purge");
    kt_assert_status(kv_key_get_deleted(c, "kt-del", NULL, &err), KV_E_NOT_FOUND, &err, "purged");
    kt_assert_status(kv_key_purge(c, "kt-del", &err), KV_E_NOT_FOUND, &err, "purge twice");
    kt_assert_status(kv_key_recover(c, "never-there", NULL, &err), KV_E_NOT_FOUND, &err,
                     "recover never deleted");
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_backup_restore_rotate)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_key *k = create(c, "kt-bak", "RSA", 0, NULL, NULL), *r = NULL;
    struct kv_rotation_policy *pol = NULL, *set = NULL, in;
    struct kv_lifetime_action act = {"Rotate", NULL, "P10D"};
    char *blob = NULL, v1[33];

    snprintf(v1, sizeof v1, "%s", k->version);
    kt_assert_ok(kv_key_backup(c, "kt-bak", &blob, &err), &err, "backup");
    ck_assert_uint_gt(strlen(blob), 100);
    /* Row 14: onto an existing name is a conflict; a corrupt blob the recorded 400. */
    kt_assert_status(kv_key_restore(c, blob, &r, &err), KV_E_CONFLICT, &err, "restore existing");
    kt_assert_status(kv_key_restore(c, "bm9uLWV4aXN0aW5n", &r, &err), KV_E_BAD_REQUEST, &err,
                     "corrupt");
    ck_assert_str_eq(err.message, "Backup blob is corrupt.");
    kt_assert_ok(kv_key_delete(c, "kt-bak", NULL, &err), &err, "delete");
    kt_assert_ok(kv_key_purge(c, "kt-bak", &err), &err, "purge");
    kt_assert_ok(kv_key_restore(c, blob, &r, &err), &err, "restore");
    ck_assert_str_eq(r->version, v1);
    ck_assert_int_eq(r->created, k->created);
    ck_assert_int_eq(memcmp(r->n.data, k->n.data, 256), 0);
    kv_key_free(r);
    kv_free_secret(blob);

    /* Rotation: a new version with the same type, size and operations. */
    kt_assert_ok(kv_key_rotate(c, "kt-bak", &r, &err), &err, "rotate");
    ck_assert_str_ne(r->version, v1);
    ck_assert_str_eq(r->kty, "RSA");
    ck_assert_int_eq(r->key_size, 2048);
    ck_assert_uint_eq(r->n_key_ops, k->n_key_ops);
    kv_key_free(r);

    /* Row 15: the default policy, then one Rotate action (the service appends Notify). */
    kt_assert_ok(kv_key_rotation_policy_get(c, "kt-bak", &pol, &err), &err, "policy");
    ck_assert_ptr_null(pol->id);
    ck_assert_uint_eq(pol->n_actions, 1);
    ck_assert_str_eq(pol->actions[0].type, "Notify");
    ck_assert_str_eq(pol->actions[0].time_before_expiry, "P30D");
    kv_rotation_policy_free(pol);
    memset(&in, 0, sizeof in);
    in.actions = &act;
    in.n_actions = 1;
    in.expiry_time = "P90D";
    kt_assert_ok(kv_key_rotation_policy_set(c, "kt-bak", &in, &set, &err), &err, "set policy");
    ck_assert_msg(set->id && strstr(set->id, "/keys/kt-bak/rotationpolicy"), "policy id");
    ck_assert_uint_eq(set->n_actions, 2);
    ck_assert_str_eq(set->actions[0].type, "Rotate");
    ck_assert_str_eq(set->expiry_time, "P90D");
    ck_assert_int_gt(set->created, 0);
    kv_rotation_policy_free(set);
    kt_assert_ok(kv_key_rotation_policy_get(c, "kt-bak", &pol, &err), &err, "policy again");
    ck_assert_uint_eq(pol->n_actions, 2);
    kv_rotation_policy_free(pol);
    kt_assert_status(kv_key_rotation_policy_get(c, "missing", &pol, &err), KV_E_NOT_FOUND, &err,
                     "policy of a missing key");
    kv_key_free(k);
    kv_client_destroy(c);
}
END_TEST

/* ---- access and hygiene ------------------------------------------------------------------- */

struct trace_log {
    char *text;
    size_t len;
};

static void on_trace(void *ctx, const char *line)
{
    struct trace_log *t = ctx;
    size_t n = strlen(line);
    char *p = realloc(t->text, t->len + n + 2);

    ck_assert_ptr_nonnull(p);
    memcpy(p + t->len, line, n);
    p[t->len + n] = '\n';
    p[t->len + n + 1] = '\0';
    t->text = p;
    t->len += n + 1;
}

/* The automation flow (keys get, sign) signs and is denied create and decrypt; traces and error
 * messages hold no plaintext, ciphertext or signature, in either encoding. */
START_TEST(test_access_and_hygiene)
{
    static const char plain[] = "kt-hygiene-plaintext-41";
    struct trace_log log = {NULL, 0};
    struct kv_options o;
    struct kv_client *admin = kt_admin(srv), *flow;
    struct kv_error err = fresh_err();
    struct kv_crypto_result *ct = NULL, *sig = NULL;
    unsigned char digest[32];
    char *b64;

    kv_key_free(create(admin, "kt-hyg", "RSA", 0, NULL, NULL));
    kt_options(&o, srv);
    o.trace = on_trace;
    o.trace_ctx = &log;
    flow = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_FLOW_ID, T_FLOW_SECRET));
    sha256(plain, digest);
    kt_assert_ok(kv_key_sign(flow, "kt-hyg", NULL, "RS256", digest, 32, &sig, &err), &err,
                 "flow signs");
    kt_assert_status(kv_key_create(flow, "kt-flow", "EC", 0, NULL, NULL, NULL, &err),
                     KV_E_FORBIDDEN, &err, "flow create");
    ck_assert_str_eq(err.inner_code, "AccessDenied");
    kt_assert_ok(kv_key_encrypt(admin, "kt-hyg", NULL, "RSA-OAEP", plain, strlen(plain), &ct, &err),
                 &err, "admin encrypts");
    kt_assert_status(
        kv_key_decrypt(flow, "kt-hyg", NULL, "RSA-OAEP", ct->value.data, ct->value.len, NULL, &err),
        KV_E_FORBIDDEN, &err, "flow decrypt");
    ck_assert_ptr_nonnull(log.text);
    ck_assert_msg(strstr(log.text, "/keys/kt-hyg") != NULL, "the traces name the requests");
    ck_assert_msg(!strstr(log.text, plain) && !strstr(err.message, plain), "no plaintext");
    b64 = cx_b64url_encode(ct->value.data, ct->value.len);
    ck_assert_msg(!strstr(log.text, b64) && !strstr(err.message, b64), "no ciphertext");
    free(b64);
    b64 = cx_b64url_encode(sig->value.data, sig->value.len);
    ck_assert_msg(!strstr(log.text, b64), "no signature");
    free(b64);
    b64 = cx_b64url_encode(digest, 32);
    ck_assert_msg(!strstr(log.text, b64), "no digest");
    free(b64);
    kv_crypto_result_free(ct);
    kv_crypto_result_free(sig);
    free(log.text);
    kv_client_destroy(flow);
    kv_client_destroy(admin);
}
END_TEST

static Suite *keys_suite(void)
{
    Suite *s = suite_create("kvclient-client-keys");
    TCase *ops = keys_tcase("ops"), *crypto = keys_tcase("crypto"), *life = keys_tcase("life");

    tcase_add_test(ops, test_create_get_update);
    tcase_add_test(ops, test_lists);
    tcase_add_test(ops, test_import);
    suite_add_tcase(s, ops);
    tcase_add_test(crypto, test_encrypt_decrypt_wrap);
    tcase_add_test(crypto, test_sign_verify);
    tcase_add_test(crypto, test_access_and_hygiene);
    suite_add_tcase(s, crypto);
    tcase_add_test(life, test_delete_recover_purge);
    tcase_add_test(life, test_backup_restore_rotate);
    suite_add_tcase(s, life);
    return s;
}

int main(void)
{
    return kt_run(keys_suite());
}
