/* test-unit-keys.c: libkvclient's key shapes without a server: KeyBundle, KeyItem and
 * DeletedKeyBundle from the recorded bodies of spec/keyvault-keys.md §2-§3 (kv__key_from_json),
 * the rotation policy (§3.9), the key error statuses (§4), kv_key_id_parse, and
 * kv_jwk_from_pem for RSA and EC keys read with GnuTLS. */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "unit-common.h"

static struct kv_key *key_of(const char *json)
{
    cJSON *root = cJSON_Parse(json);
    struct kv_key *k = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    ck_assert_msg(root != NULL, "fixture parses");
    ck_assert_int_eq(kv__key_from_json(root, "the fixture", &k, &err), KV_OK);
    cJSON_Delete(root);
    return k;
}

static int key_status(const char *json, struct kv_error *err)
{
    cJSON *root = cJSON_Parse(json);
    struct kv_key *k = (struct kv_key *)err;
    int st;

    ck_assert_msg(root != NULL, "fixture parses");
    st = kv__key_from_json(root, "the fixture", &k, err);
    ck_assert_ptr_null(k);
    cJSON_Delete(root);
    return st;
}

static int has_op(const struct kv_key *k, const char *op)
{
    for (size_t i = 0; i < k->n_key_ops; i++)
        if (!strcmp(k->key_ops[i], op))
            return 1;
    return 0;
}

/* The recorded EC create response (457 B, R-PY26). */
static const char ec_create[] =
    "{\"key\":{\"kid\":\"https://vaultname.vault.azure.net/keys/"
    "livekvtestcrud-P-256-ec-key9b252e19/"
    "3388d7735f4c469ba171f5b374ddc258\",\"kty\":\"EC\",\"key_ops\":[\"sign\",\"verify\"],\"crv\":"
    "\"P-256\",\"x\":\"vS21aff7Kg7_kNYZG9zbyA47P7fkUrXc36wBSwTuaGw\",\"y\":\"-"
    "jorBE2jXRZGUSONBiDr1C3a"
    "Yp08Vnfy-jpelQOrctQ\"},\"attributes\":{\"enabled\":true,\"created\":1777476608,\"updated\":"
    "1777476608,\"recoveryLevel\":\"CustomizedRecoverable+Purgeable\",\"recoverableDays\":7,"
    "\"exportable\":false,\"hsmPlatform\":\"0\"}}";

START_TEST(test_key_ec_bundle)
{
    struct kv_key *k;

    ck_assert_uint_eq(strlen(ec_create), 457);
    k = key_of(ec_create);
    ck_assert_str_eq(k->name, "livekvtestcrud-P-256-ec-key9b252e19");
    ck_assert_str_eq(k->version, "3388d7735f4c469ba171f5b374ddc258");
    ck_assert_str_eq(k->kty, "EC");
    ck_assert_str_eq(k->crv, "P-256");
    ck_assert_uint_eq(k->n_key_ops, 2);
    ck_assert_str_eq(k->key_ops[0], "sign");
    ck_assert_str_eq(k->key_ops[1], "verify");
    /* Fixed-width coordinates: 32 bytes each on P-256; the first bytes as recorded. */
    ck_assert_uint_eq(k->x.len, 32);
    ck_assert_uint_eq(k->y.len, 32);
    ck_assert_uint_eq(k->x.data[0], 0xbd);
    ck_assert_uint_eq(k->y.data[0], 0xfa);
    ck_assert_uint_eq(k->n.len, 0);
    ck_assert_int_eq(k->key_size, 0);
    ck_assert_int_eq(k->enabled, 1);
    ck_assert_int_eq(k->exportable, 0);
    ck_assert_str_eq(k->hsm_platform, "0");
    ck_assert_int_eq(k->created, 1777476608);
    ck_assert_str_eq(k->recovery_level, "CustomizedRecoverable+Purgeable");
    ck_assert_int_eq(k->recoverable_days, 7);
    ck_assert_uint_eq(k->n_tags, 0);
    ck_assert_ptr_null(k->recovery_id);
    kv_key_free(k);
}
END_TEST

/* A JSON body with an RSA JWK whose n is 256 bytes (first byte 0xc6, as the recorded "xg02..."),
 * in the shape of the recorded PATCH answer (765 B) with key_size and exp. */
static char *rsa_body(const char *prefix, const char *attrs)
{
    unsigned char n[256];
    char *nb, *json;
    size_t len;

    for (size_t i = 0; i < sizeof n; i++)
        n[i] = (unsigned char)(0xc6 + i * 7);
    nb = cx_b64url_encode(n, sizeof n);
    ck_assert_ptr_nonnull(nb);
    ck_assert_uint_eq(strlen(nb), 342);
    len = strlen(nb) + strlen(prefix) + strlen(attrs) + 512;
    json = malloc(len);
    ck_assert_ptr_nonnull(json);
    snprintf(json, len,
             "{%s\"key\":{\"kid\":\"https://vaultname.vault.azure.net/keys/N/"
             "50926fee51bf42868c869e0266598d5d\",\"kty\":\"RSA\",\"key_ops\":[\"decrypt\","
             "\"encrypt\"],\"n\":\"%s\",\"e\":\"AQAB\"},\"attributes\":%s,\"tags\":{\"foo\":"
             "\"updated tag\"}}",
             prefix, nb, attrs);
    free(nb);
    return json;
}

START_TEST(test_key_rsa_bundle)
{
    char *json = rsa_body("", "{\"enabled\":true,\"key_size\":2048,\"exp\":2524723200,\"created\":"
                              "1777476611,\"updated\":1777476614,\"recoveryLevel\":"
                              "\"CustomizedRecoverable+Purgeable\",\"recoverableDays\":7,"
                              "\"exportable\":false,\"hsmPlatform\":\"0\"}");
    struct kv_key *k = key_of(json);

    ck_assert_str_eq(k->kty, "RSA");
    ck_assert_uint_eq(k->n.len, 256);
    ck_assert_uint_eq(k->n.data[0], 0xc6);
    ck_assert_uint_eq(k->e.len, 3);
    ck_assert_uint_eq(k->e.data[0], 1);
    ck_assert_uint_eq(k->e.data[2], 1);
    ck_assert_int_eq(k->key_size, 2048);
    ck_assert_int_eq(k->expires, 2524723200);
    ck_assert_int_eq(k->updated, 1777476614);
    ck_assert(has_op(k, "decrypt") && has_op(k, "encrypt") && !has_op(k, "sign"));
    ck_assert_uint_eq(k->n_tags, 1);
    ck_assert_str_eq(k->tags[0].value, "updated tag");
    ck_assert_ptr_null(k->crv);
    kv_key_free(k);
    free(json);

    /* Before api-version 2025-07-01 there is no key_size: the bits of n stand in. */
    json = rsa_body("", "{\"enabled\":false,\"created\":1,\"updated\":2}");
    k = key_of(json);
    ck_assert_int_eq(k->key_size, 2048);
    ck_assert_int_eq(k->enabled, 0);
    kv_key_free(k);
    free(json);
}
END_TEST

/* DeleteKey's answer (recoveryId, dates, then the bundle; R-PY26). */
START_TEST(test_key_deleted)
{
    char *json = rsa_body("\"recoveryId\":\"https://vaultname.vault.azure.net/deletedkeys/N\","
                          "\"deletedDate\":1777476615,\"scheduledPurgeDate\":1778081415,",
                          "{\"enabled\":true,\"created\":1,\"updated\":2}");
    struct kv_key *k = key_of(json);
    char *name = NULL;

    ck_assert_str_eq(k->recovery_id, "https://vaultname.vault.azure.net/deletedkeys/N");
    ck_assert_int_eq(k->deleted_date, 1777476615);
    ck_assert_int_eq(k->scheduled_purge_date, 1777476615 + 604800);
    ck_assert_str_eq(k->name, "N");
    /* The recoveryId parses as a key id too. */
    ck_assert_int_eq(kv_key_id_parse(k->recovery_id, NULL, &name, NULL, NULL), KV_OK);
    ck_assert_str_eq(name, "N");
    kv_free(name);
    kv_key_free(k);
    free(json);
}
END_TEST

/* GetKeyVersions items (kid beside attributes, no JWK) and GetKeys items (base kid). */
START_TEST(test_key_items)
{
    struct kv_key *k = key_of(
        "{\"kid\":\"https://vaultname.vault.azure.net/keys/N/11b4fbcc5a7a4b0b9d5d3e4c2f1a0b9c\","
        "\"attributes\":{\"enabled\":true,\"key_size\":2048,\"created\":1777476611,\"updated\":"
        "1777476611,\"recoveryLevel\":\"CustomizedRecoverable+Purgeable\",\"recoverableDays\":7,"
        "\"exportable\":false,\"hsmPlatform\":\"0\"}}");

    ck_assert_str_eq(k->version, "11b4fbcc5a7a4b0b9d5d3e4c2f1a0b9c");
    ck_assert_ptr_null(k->kty);
    ck_assert_uint_eq(k->n_key_ops, 0);
    ck_assert_int_eq(k->key_size, 2048);
    kv_key_free(k);

    k = key_of("{\"kid\":\"https://demo.localhost:8443/keys/cert-key\",\"attributes\":{},"
               "\"managed\":true,\"tags\":{\"a\":\"b\"}}");
    ck_assert_str_eq(k->name, "cert-key");
    ck_assert_ptr_null(k->version);
    ck_assert_int_eq(k->managed, 1);
    ck_assert_int_eq(k->enabled, 1);
    ck_assert_uint_eq(k->n_tags, 1);
    kv_key_free(k);
}
END_TEST

/* What the parser refuses: no kid, not an object, a part that is not base64url (padding with
 * the wrong count, '+'), a key_size out of range, a time out of range. Messages name the member,
 * never a value. */
START_TEST(test_key_refused)
{
    struct kv_error err;

    memset(&err, 0, sizeof err);
    ck_assert_int_eq(key_status("{\"key\":{\"kty\":\"RSA\"},\"attributes\":{}}", &err),
                     KV_E_PROTOCOL);
    ck_assert_msg(strstr(err.message, "no key id") != NULL, "%s", err.message);
    ck_assert_int_eq(key_status("[1]", &err), KV_E_PROTOCOL);
    ck_assert_int_eq(key_status("{\"key\":{\"kid\":\"https://v/keys/a/b\",\"n\":\"ab+c\"}}", &err),
                     KV_E_PROTOCOL);
    ck_assert_msg(strstr(err.message, "key.n is not base64url") != NULL, "%s", err.message);
    ck_assert_int_eq(key_status("{\"key\":{\"kid\":\"https://v/keys/a/b\",\"x\":17}}", &err),
                     KV_E_PROTOCOL);
    ck_assert_int_eq(
        key_status("{\"kid\":\"https://v/keys/a\",\"attributes\":{\"key_size\":1e300}}", &err),
        KV_E_PROTOCOL);
    ck_assert_msg(strstr(err.message, "key_size") != NULL, "%s", err.message);
    ck_assert_int_eq(
        key_status("{\"kid\":\"https://v/keys/a\",\"attributes\":{\"exp\":1e300}}", &err),
        KV_E_PROTOCOL);
    ck_assert_msg(strstr(err.message, "attributes.exp") != NULL, "%s", err.message);
}
END_TEST

static struct kv_rotation_policy *policy_of(const char *json)
{
    cJSON *root = cJSON_Parse(json);
    struct kv_rotation_policy *p = NULL;

    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(kv__rotation_policy_from_json(root, &p, NULL), KV_OK);
    cJSON_Delete(root);
    return p;
}

/* The default policy (106 B) and the answer to a PUT with one Rotate action (311 B), §3.9. */
START_TEST(test_rotation_policy)
{
    static const char def[] = "{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P30D\"},"
                              "\"action\":{\"type\":\"Notify\"}}],\"attributes\":null}";
    static const char set[] =
        "{\"id\":\"https://tb0f745ebb7bfae58.vault.azure.net/keys/285388586/rotationpolicy\","
        "\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P10D\"},\"action\":{\"type\":"
        "\"Rotate\"}},{\"trigger\":{\"timeBeforeExpiry\":\"P30D\"},\"action\":{\"type\":\"Notify\"}"
        "}"
        "],\"attributes\":{\"expiryTime\":\"P90D\",\"created\":1722561266,\"updated\":1722561266}}";
    struct kv_rotation_policy *p;

    ck_assert_uint_eq(strlen(def), 106);
    ck_assert_uint_eq(strlen(set), 311);
    p = policy_of(def);
    ck_assert_ptr_null(p->id);
    ck_assert_ptr_null(p->expiry_time);
    ck_assert_uint_eq(p->n_actions, 1);
    ck_assert_str_eq(p->actions[0].type, "Notify");
    ck_assert_str_eq(p->actions[0].time_before_expiry, "P30D");
    ck_assert_ptr_null(p->actions[0].time_after_create);
    ck_assert_int_eq(p->created, 0);
    kv_rotation_policy_free(p);

    p = policy_of(set);
    ck_assert_str_eq(p->id, "https://tb0f745ebb7bfae58.vault.azure.net/keys/285388586/"
                            "rotationpolicy");
    ck_assert_uint_eq(p->n_actions, 2);
    ck_assert_str_eq(p->actions[0].type, "Rotate");
    ck_assert_str_eq(p->actions[0].time_before_expiry, "P10D");
    ck_assert_str_eq(p->expiry_time, "P90D");
    ck_assert_int_eq(p->created, 1722561266);
    ck_assert_int_eq(p->updated, 1722561266);
    kv_rotation_policy_free(p);

    /* lifetimeActions as an object is not a list of actions. */
    p = policy_of("{\"lifetimeActions\":{\"a\":{},\"b\":{}}}");
    ck_assert_uint_eq(p->n_actions, 0);
    kv_rotation_policy_free(p);
}
END_TEST

static int status_of(long http, const char *body, struct kv_error *err)
{
    struct kv__response rs;

    memset(&rs, 0, sizeof rs);
    rs.status = http;
    ck_assert(kv__buf_append(&rs.body, body, strlen(body)));
    int st = kv__error_from_response(&rs, err);
    kv__response_finish(&rs);
    return st;
}

/* §4: KeyDisabled is KV_E_DISABLED, the expiry codes KV_E_EXPIRED, KeyOperationForbidden stays
 * a plain denial; the recorded texts reach err. */
START_TEST(test_key_errors)
{
    struct kv_error err;

    memset(&err, 0, sizeof err);
    ck_assert_int_eq(status_of(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation sign "
                               "is not allowed on a disabled key.\",\"innererror\":{\"code\":"
                               "\"KeyDisabled\"}}}",
                               &err),
                     KV_E_DISABLED);
    ck_assert_str_eq(err.inner_code, "KeyDisabled");
    ck_assert_int_eq(status_of(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation decrypt "
                               "is not permitted on this key.\",\"innererror\":{\"code\":"
                               "\"KeyOperationForbidden\"}}}",
                               &err),
                     KV_E_FORBIDDEN);
    ck_assert_str_eq(err.message, "Operation decrypt is not permitted on this key.");
    ck_assert_int_eq(status_of(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"x\",\"innererror\""
                               ":{\"code\":\"KeyExpired\"}}}",
                               &err),
                     KV_E_EXPIRED);
    ck_assert_int_eq(status_of(403,
                               "{\"error\":{\"code\":\"Forbidden\",\"message\":\"x\",\"innererror\""
                               ":{\"code\":\"KeyNotYetValid\"}}}",
                               &err),
                     KV_E_EXPIRED);
    ck_assert_int_eq(status_of(400,
                               "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":"
                               "\"Backup blob is corrupt.\"}}",
                               &err),
                     KV_E_BAD_REQUEST);
    ck_assert_str_eq(err.code, "Malformed backup blob");
}
END_TEST

START_TEST(test_key_id_parse)
{
    char *url = NULL, *name = NULL, *ver = NULL;
    struct kv_error err;

    ck_assert_int_eq(
        kv_key_id_parse("https://v.vault.azure.net/keys/k1/abc", &url, &name, &ver, &err), KV_OK);
    ck_assert_str_eq(url, "https://v.vault.azure.net");
    ck_assert_str_eq(name, "k1");
    ck_assert_str_eq(ver, "abc");
    kv_free(url);
    kv_free(name);
    kv_free(ver);
    ck_assert_int_eq(kv_key_id_parse("https://h:8443/keys/k1/", &url, &name, &ver, &err), KV_OK);
    ck_assert_str_eq(url, "https://h:8443");
    ck_assert_ptr_null(ver);
    kv_free(url);
    kv_free(name);
    ck_assert_int_eq(kv_key_id_parse("https://h/secrets/k1", &url, &name, &ver, &err),
                     KV_E_INVALID_ARG);
    ck_assert_str_eq(err.message, "has no /keys/NAME path");
    ck_assert_ptr_null(url);
    ck_assert_int_eq(kv_key_id_parse("http://h/keys/k1", NULL, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_str_eq(err.message, "must be an https:// key identifier");
    ck_assert_int_eq(kv_key_id_parse("https://h/keys/k1/v/encrypt", NULL, NULL, NULL, &err),
                     KV_E_INVALID_ARG);
    ck_assert_str_eq(err.message, "is not a key identifier");
    /* And a secret id is still read as one. */
    ck_assert_int_eq(kv_secret_id_parse("https://h/keys/k1", NULL, NULL, NULL, &err),
                     KV_E_INVALID_ARG);
    ck_assert_str_eq(err.message, "has no /secrets/NAME path");
}
END_TEST

/* The PEM of a freshly generated key (GnuTLS), PKCS#8 when pkcs8 is set; caller frees. */
static char *generate_pem(gnutls_pk_algorithm_t alg, unsigned bits, int pkcs8,
                          gnutls_x509_privkey_t *keep)
{
    gnutls_x509_privkey_t k;
    gnutls_datum_t out = {NULL, 0};
    char *pem;

    ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(k, alg, bits, 0), 0);
    if (pkcs8)
        ck_assert_int_eq(gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, NULL,
                                                           GNUTLS_PKCS_PLAIN, &out),
                         0);
    else
        ck_assert_int_eq(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &out), 0);
    pem = strndup((const char *)out.data, out.size);
    gnutls_free(out.data);
    *keep = k;
    return pem;
}

/* A GnuTLS number (perhaps with leading zeros) equals the bytes, which are width long. */
static void assert_same(const gnutls_datum_t *d, const struct kv_bytes *b, size_t width)
{
    size_t skip = 0, pad;

    while (skip < d->size && d->data[skip] == 0)
        skip++;
    pad = width - (d->size - skip);
    ck_assert_uint_eq(b->len, width);
    for (size_t i = 0; i < pad; i++)
        ck_assert_uint_eq(b->data[i], 0);
    ck_assert_int_eq(memcmp(b->data + pad, d->data + skip, d->size - skip), 0);
}

START_TEST(test_jwk_from_pem_rsa)
{
    gnutls_x509_privkey_t k;
    gnutls_datum_t m, e, d, p, q, u, e1, e2;
    char *pem = generate_pem(GNUTLS_PK_RSA, 2048, _i, &k);
    struct kv_jwk *jwk = NULL;
    struct kv_error err;

    ck_assert_int_eq(kv_jwk_from_pem(pem, strlen(pem), &jwk, &err), KV_OK);
    ck_assert_str_eq(jwk->kty, "RSA");
    ck_assert_ptr_null(jwk->crv);
    ck_assert_int_eq(gnutls_x509_privkey_export_rsa_raw2(k, &m, &e, &d, &p, &q, &u, &e1, &e2), 0);
    /* n without the sign byte GnuTLS's plain export adds: 256 bytes for 2048 bits. */
    ck_assert_uint_eq(jwk->n.len, 256);
    ck_assert_int_eq(memcmp(jwk->n.data, m.data + (m.size - 256), 256), 0);
    ck_assert_uint_eq(jwk->e.len, 3);
    ck_assert_uint_gt(jwk->d.len, 200);
    ck_assert_uint_gt(jwk->p.len, 100);
    ck_assert_uint_gt(jwk->q.len, 100);
    ck_assert_uint_gt(jwk->dp.len, 100);
    ck_assert_uint_gt(jwk->dq.len, 100);
    ck_assert_uint_gt(jwk->qi.len, 100);
    ck_assert_uint_eq(jwk->x.len, 0);
    gnutls_free(m.data);
    gnutls_free(e.data);
    gnutls_free(d.data);
    gnutls_free(p.data);
    gnutls_free(q.data);
    gnutls_free(u.data);
    gnutls_free(e1.data);
    gnutls_free(e2.data);
    kv_jwk_free(jwk);
    gnutls_x509_privkey_deinit(k);
    free(pem);
}
END_TEST

/* EC keys on each curve: coordinates and d at the field width (spec §2). */
START_TEST(test_jwk_from_pem_ec)
{
    static const struct {
        gnutls_ecc_curve_t curve;
        const char *crv;
        size_t width;
    } curves[] = {{GNUTLS_ECC_CURVE_SECP256R1, "P-256", 32},
                  {GNUTLS_ECC_CURVE_SECP384R1, "P-384", 48},
                  {GNUTLS_ECC_CURVE_SECP521R1, "P-521", 66}};
    gnutls_x509_privkey_t k;
    gnutls_ecc_curve_t curve;
    gnutls_datum_t x, y, d;
    struct kv_jwk *jwk = NULL;
    struct kv_error err;

    for (size_t i = 0; i < 3; i++) {
        char *pem = generate_pem(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(curves[i].curve), 0, &k);
        ck_assert_int_eq(kv_jwk_from_pem(pem, strlen(pem), &jwk, &err), KV_OK);
        ck_assert_str_eq(jwk->kty, "EC");
        ck_assert_str_eq(jwk->crv, curves[i].crv);
        ck_assert_int_eq(gnutls_x509_privkey_export_ecc_raw(k, &curve, &x, &y, &d), 0);
        assert_same(&x, &jwk->x, curves[i].width);
        assert_same(&y, &jwk->y, curves[i].width);
        assert_same(&d, &jwk->d, curves[i].width);
        ck_assert_uint_eq(jwk->n.len, 0);
        gnutls_free(x.data);
        gnutls_free(y.data);
        gnutls_free(d.data);
        kv_jwk_free(jwk);
        gnutls_x509_privkey_deinit(k);
        free(pem);
    }
}
END_TEST

/* Not a key: a certificate, garbage, nothing. The message says what is wrong, never quotes. */
START_TEST(test_jwk_from_pem_refused)
{
    static const char cert[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    static const char junk[] = "not-a-pem-SECRETLOOKING";
    struct kv_jwk *jwk = (struct kv_jwk *)cert;
    struct kv_error err;

    ck_assert_int_eq(kv_jwk_from_pem(cert, strlen(cert), &jwk, &err), KV_E_INVALID_ARG);
    ck_assert_ptr_null(jwk);
    ck_assert_int_eq(kv_jwk_from_pem(junk, strlen(junk), &jwk, &err), KV_E_INVALID_ARG);
    ck_assert_msg(strstr(err.message, "SECRETLOOKING") == NULL, "no quote: %s", err.message);
    ck_assert_int_eq(kv_jwk_from_pem(NULL, 0, &jwk, &err), KV_E_INVALID_ARG);
    kv_jwk_free(NULL);
}
END_TEST

/* The text is read up to len only: GnuTLS's PEM reader went past the end of text that is not
 * NUL-terminated, here a heap buffer of exactly its length (found by fuzz/fuzz-keymat; under
 * ASan, as CI runs this suite, a read past it fails the test). */
START_TEST(test_jwk_from_pem_unterminated)
{
    static const char text[] = "-----BEGIN RSA PRIVATE KEY-----\nDEK-Info: ";
    char *exact = malloc(sizeof text - 1);
    struct kv_jwk *jwk = NULL;
    struct kv_error err;

    ck_assert_ptr_nonnull(exact);
    memcpy(exact, text, sizeof text - 1);
    ck_assert_int_eq(kv_jwk_from_pem(exact, sizeof text - 1, &jwk, &err), KV_E_INVALID_ARG);
    ck_assert_ptr_null(jwk);
    free(exact);
}
END_TEST

static Suite *keys_suite(void)
{
    Suite *s = suite_create("kvclient-unit-keys");
    TCase *shapes = tcase_create("shapes"), *misc = tcase_create("misc");

    tcase_add_test(shapes, test_key_ec_bundle);
    tcase_add_test(shapes, test_key_rsa_bundle);
    tcase_add_test(shapes, test_key_deleted);
    tcase_add_test(shapes, test_key_items);
    tcase_add_test(shapes, test_key_refused);
    tcase_add_test(shapes, test_rotation_policy);
    tcase_add_test(shapes, test_key_errors);
    suite_add_tcase(s, shapes);
    tcase_add_test(misc, test_key_id_parse);
    tcase_add_loop_test(misc, test_jwk_from_pem_rsa, 0, 2);
    tcase_add_test(misc, test_jwk_from_pem_ec);
    tcase_add_test(misc, test_jwk_from_pem_refused);
    tcase_add_test(misc, test_jwk_from_pem_unterminated);
    tcase_set_timeout(misc, 120);
    suite_add_tcase(s, misc);
    return s;
}

int main(void)
{
    return unit_run(keys_suite());
}
