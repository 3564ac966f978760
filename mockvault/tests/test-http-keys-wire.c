/* test-http-keys-wire.c: the keys' bodies and lifecycle over real TLS (spec/keyvault-keys.md §2,
 * §3.1-§3.6, §3.9; test rows 1-5, 13-15): create and import shapes, EC widths, api-version gating,
 * update, lists, soft delete, purge, backup and restore, the rotation policy bodies
 * (keys-common.h says how the suites run). */
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys-common.h"

/* Row 1: POST /keys/ec1/create {"kty":"EC"} -> P-256, sign/verify, 43-char x/y, the attribute
 * keys of §2 without key_size. */
START_TEST(test_row1_create_ec_defaults)
{
    struct mvt_resp r;
    char want[1500], base[128];
    int64_t now = hc_now(srv), created;

    kcreate("ec1", "{\"kty\":\"EC\"}", &r);
    hc_assert_keys(r.json, "key,attributes", "EC bundle");
    hc_assert_keys(hc_jget(r.json, "key"), "kid,kty,key_ops,crv,x,y", "EC JWK");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,created,updated,recoveryLevel,recoverableDays,exportable,hsmPlatform",
                   "EC attributes");
    ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.x")), 43);
    ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.y")), 43);
    created = hc_jint(r.json, "attributes.created");
    ck_assert_msg(created >= now - 5 && created <= now + 5, "created is the mock's now");
    ck_assert_msg(hc_is_version(kversion(r.json)), "version is 32 lowercase hex");
    /* The whole body, byte for byte, in the recorded shape (457 B with the real host). */
    snprintf(
        want, sizeof want,
        "{\"key\":{\"kid\":\"%s/keys/ec1/%s\",\"kty\":\"EC\",\"key_ops\":[\"sign\",\"verify\"],"
        "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},\"attributes\":{\"enabled\":true,"
        "\"created\":%lld,\"updated\":%lld,\"recoveryLevel\":\"CustomizedRecoverable+"
        "Purgeable\",\"recoverableDays\":7,\"exportable\":false,\"hsmPlatform\":\"0\"}}",
        hc_base(srv, KAP, base, sizeof base), kversion(r.json), hc_jstr(r.json, "key.x"),
        hc_jstr(r.json, "key.y"), (long long)created, (long long)created);
    kassert_body(&r, want, "EC create");
    mvt_resp_free(&r);
}
END_TEST

/* Row 2: {"kty":"RSA"} -> key_size 2048 right after enabled, six default ops, 342-char n, AQAB. */
START_TEST(test_row2_create_rsa_defaults)
{
    struct mvt_resp r;

    kcreate("rsa1", "{\"kty\":\"RSA\",\"tags\":{\"purpose\":\"unit\"}}", &r);
    hc_assert_keys(r.json, "key,attributes,tags", "RSA bundle");
    hc_assert_keys(hc_jget(r.json, "key"), "kid,kty,key_ops,n,e", "RSA JWK");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,key_size,created,updated,recoveryLevel,recoverableDays,exportable,"
                   "hsmPlatform",
                   "RSA attributes");
    ck_assert_int_eq(hc_jint(r.json, "attributes.key_size"), 2048);
    ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.n")), 342);
    ck_assert_str_eq(hc_jstr(r.json, "key.e"), "AQAB");
    ck_assert_msg(strstr(r.body, "\"key_ops\":[\"encrypt\",\"decrypt\",\"sign\",\"verify\","
                                 "\"wrapKey\",\"unwrapKey\"]") != NULL,
                  "the six default operations in the recorded order");
    ck_assert_str_eq(hc_jstr(r.json, "tags.purpose"), "unit");
    mvt_resp_free(&r);
}
END_TEST

/* §2: EC x/y at the curve's fixed width (32, 48, 66 bytes) and kty echoed for HSM types; RSA
 * 3072/4096 sizes. */
START_TEST(test_create_curves_and_sizes)
{
    static const struct {
        const char *crv;
        size_t chars;
    } curves[] = {{"P-256", 43}, {"P-384", 64}, {"P-521", 88}, {"P-256K", 43}};
    struct mvt_resp r;
    char name[32], body[128];

    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        snprintf(name, sizeof name, "curve%zu", i);
        snprintf(body, sizeof body, "{\"kty\":\"EC\",\"crv\":\"%s\"}", curves[i].crv);
        kcreate(name, body, &r);
        ck_assert_str_eq(hc_jstr(r.json, "key.crv"), curves[i].crv);
        ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.x")), curves[i].chars);
        ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.y")), curves[i].chars);
        mvt_resp_free(&r);
    }
    kcreate("hsm1", "{\"kty\":\"EC-HSM\",\"crv\":\"P-384\"}", &r);
    ck_assert_str_eq(hc_jstr(r.json, "key.kty"), "EC-HSM");
    ck_assert_str_eq(hc_jstr(r.json, "attributes.hsmPlatform"), "2");
    mvt_resp_free(&r);
    kcreate("rsa3k", "{\"kty\":\"RSA\",\"key_size\":3072}", &r);
    ck_assert_int_eq(hc_jint(r.json, "attributes.key_size"), 3072);
    ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.n")), 512);
    mvt_resp_free(&r);
}
END_TEST

/* §4: bad kty, size, curve, key_ops -> 400 BadParameter; the state is unchanged. */
START_TEST(test_create_refusals)
{
    static const char *const bodies[] = {
        "{}",
        "{\"kty\":\"oct\"}",
        "{\"kty\":\"RSA\",\"key_size\":1024}",
        "{\"kty\":\"EC\",\"crv\":\"P-192\"}",
        "{\"kty\":\"RSA\",\"key_ops\":[\"fly\"]}",
        "{\"kty\":\"RSA\",\"public_exponent\":3}",
        "{\"kty\":\"RSA\",\"attributes\":{\"exportable\":true}}",
        "not json",
    };
    char *before = kstate();
    struct mvt_resp r;

    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        kreq("POST", KAP, "/keys/bad/create", bodies[i], &r);
        hc_assert_status(&r, 400, bodies[i]);
        ck_assert_str_eq(hc_err_code(&r), "BadParameter");
        mvt_resp_free(&r);
    }
    kreq("POST", KAP, "/keys/bad/create", "{\"kty\":\"RSA\",\"key_size\":1024}", &r);
    ck_assert_str_eq(hc_jstr(r.json, "error.message"),
                     "Unsupported key size (1024). Supported sizes are [2048, 3072, 4096]");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/bad_name/create", "{\"kty\":\"RSA\"}", &r);
    hc_assert_status(&r, 400, "bad name");
    mvt_resp_free(&r);
    kassert_state(before, "refused creates");
    free(before);
}
END_TEST

/* The JWK parts of a GnuTLS key as base64url, leading zeros kept as GnuTLS exports them. */
static char *part(const gnutls_datum_t *d)
{
    return kb64(d->data, d->size);
}

/* Row 3: import with n carrying a leading zero ("AK...") -> n without it; no private part. */
START_TEST(test_row3_import_rsa_leading_zero)
{
    gnutls_privkey_t k;
    gnutls_datum_t m, e, d, p, q, u, e1, e2;
    char *body, *pn, *pe, *pd, *pp, *pq, *expect;
    struct mvt_resp r;
    size_t n;

    ck_assert_int_eq(gnutls_privkey_init(&k), 0);
    /* A 2048-bit modulus has its top bit set, so GnuTLS exports it with a leading 0x00. */
    ck_assert_int_eq(gnutls_privkey_generate(k, GNUTLS_PK_RSA, 2048, 0), 0);
    ck_assert_int_eq(gnutls_privkey_export_rsa_raw2(k, &m, &e, &d, &p, &q, &u, &e1, &e2, 0), 0);
    ck_assert_msg(m.size == 257 && m.data[0] == 0, "GnuTLS exports n with a leading zero");
    pn = part(&m);
    pe = part(&e);
    pd = part(&d);
    pp = part(&p);
    pq = part(&q);
    ck_assert_msg(strncmp(pn, "A", 1) == 0, "n starts with the zero byte's 'A'");
    n = strlen(pn) + strlen(pd) + strlen(pp) + strlen(pq) + 512;
    body = hc_xmalloc(n);
    snprintf(
        body, n,
        "{\"key\":{\"kty\":\"RSA\",\"key_ops\":[\"sign\",\"verify\"],\"n\":\"%s\",\"e\":\"%s\","
        "\"d\":\"%s\",\"p\":\"%s\",\"q\":\"%s\"}}",
        pn, pe, pd, pp, pq);
    kreq("PUT", KAP, "/keys/imp1", body, &r);
    hc_assert_status(&r, 200, "PUT /keys/imp1");
    expect = kb64(m.data + 1, m.size - 1);
    ck_assert_str_eq(hc_jstr(r.json, "key.n"), expect);
    ck_assert_int_eq(hc_jint(r.json, "attributes.key_size"), 2048);
    hc_assert_keys(hc_jget(r.json, "key"), "kid,kty,key_ops,n,e", "import JWK: public parts only");
    ck_assert_msg(!strstr(r.body, pd) && !strstr(r.body, "\"d\"") && !strstr(r.body, "\"p\"") &&
                      !strstr(r.body, "\"q\"") && !strstr(r.body, "\"dp\"") &&
                      !strstr(r.body, "\"qi\""),
                  "no private part in the answer");
    mvt_resp_free(&r);
    /* GET returns the same public key, still without private parts. */
    kreq("GET", KAP, "/keys/imp1", NULL, &r);
    hc_assert_status(&r, 200, "GET /keys/imp1");
    ck_assert_str_eq(hc_jstr(r.json, "key.n"), expect);
    ck_assert_msg(!strstr(r.body, pd), "GET has no d");
    mvt_resp_free(&r);
    free(expect);
    free(body);
    free(pn), free(pe), free(pd), free(pp), free(pq);
    gnutls_free(m.data), gnutls_free(e.data), gnutls_free(d.data), gnutls_free(p.data);
    gnutls_free(q.data), gnutls_free(u.data), gnutls_free(e1.data), gnutls_free(e2.data);
    gnutls_privkey_deinit(k);
}
END_TEST

/* §3.2: an EC import (crv, x, y, d) answers the same public point; an inconsistent key is 400. */
START_TEST(test_import_ec_and_bad_key)
{
    gnutls_privkey_t k;
    gnutls_ecc_curve_t curve;
    gnutls_datum_t x, y, d;
    char body[1024], *px, *py, *pd;
    struct mvt_resp r;

    ck_assert_int_eq(gnutls_privkey_init(&k), 0);
    ck_assert_int_eq(gnutls_privkey_generate(k, GNUTLS_PK_ECDSA,
                                             GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0),
                     0);
    ck_assert_int_eq(
        gnutls_privkey_export_ecc_raw2(k, &curve, &x, &y, &d, GNUTLS_EXPORT_FLAG_NO_LZ), 0);
    px = part(&x), py = part(&y), pd = part(&d);
    snprintf(body, sizeof body,
             "{\"key\":{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\",\"d\":\"%s\"}}",
             px, py, pd);
    kreq("PUT", KAP, "/keys/ecimp", body, &r);
    hc_assert_status(&r, 200, "PUT /keys/ecimp");
    ck_assert_str_eq(hc_jstr(r.json, "key.crv"), "P-384");
    if (x.size == 48)
        ck_assert_str_eq(hc_jstr(r.json, "key.x"), px);
    ck_assert_uint_eq(strlen(hc_jstr(r.json, "key.x")), 64);
    ck_assert_msg(!strstr(r.body, pd), "no d in the answer");
    hc_assert_keys(hc_jget(r.json, "key"), "kid,kty,key_ops,crv,x,y", "EC import JWK");
    mvt_resp_free(&r);
    /* The same point with another key's d does not verify as a key. */
    snprintf(body, sizeof body,
             "{\"key\":{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\",\"d\":\"%s\"}}",
             px, py, px);
    kreq("PUT", KAP, "/keys/ecbad", body, &r);
    hc_assert_status(&r, 400, "inconsistent EC key");
    mvt_resp_free(&r);
    free(px), free(py), free(pd);
    gnutls_free(x.data), gnutls_free(y.data), gnutls_free(d.data);
    gnutls_privkey_deinit(k);
}
END_TEST

/* Row 4: GET /keys/missing/ -> the exact 295-byte KeyNotFound. */
START_TEST(test_row4_missing_key)
{
    struct mvt_resp r;

    kreq("GET", KAP, "/keys/missing/", NULL, &r);
    hc_assert_status(&r, 404, "GET /keys/missing/");
    kassert_body(
        &r,
        "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"A key with (name/id) missing "
        "was not found in this key vault. If you recently deleted this key you may be able "
        "to recover it using the correct recovery command. For help resolving this issue, "
        "please see https://go.microsoft.com/fwlink/?linkid=2125182\"}}",
        "KeyNotFound");
    ck_assert_uint_eq(r.len, 295);
    mvt_resp_free(&r);
}
END_TEST

/* Row 5: GET /keys/ghost/versions -> 200 {"value":[],"nextLink":null} (28 B). */
START_TEST(test_row5_versions_of_unknown)
{
    struct mvt_resp r;

    kreq("GET", KAP, "/keys/ghost/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions of ghost");
    kassert_body(&r, "{\"value\":[],\"nextLink\":null}", "empty list");
    mvt_resp_free(&r);
}
END_TEST

/* §1 router: the empty version, trailing slash and case-insensitive op segments read the same
 * key; a 32-hex version addresses one version. */
START_TEST(test_paths_and_versions)
{
    struct mvt_resp r, g;
    char path[200];
    char *v1;

    kcreate("pk", "{\"kty\":\"EC\"}", &r);
    v1 = strdup(kversion(r.json));
    mvt_resp_free(&r);
    kcreate("pk", "{\"kty\":\"EC\"}", &r);
    ck_assert_str_ne(kversion(r.json), v1);
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/keys/pk/%s", v1);
    kreq("GET", KAP, path, NULL, &g);
    hc_assert_status(&g, 200, "GET by version");
    ck_assert_str_eq(kversion(g.json), v1);
    mvt_resp_free(&g);
    kreq("GET", KAP, "/keys/PK", NULL, &g);
    hc_assert_status(&g, 200, "GET with the name in another case");
    ck_assert_str_ne(kversion(g.json), v1);
    mvt_resp_free(&g);
    kreq("GET", KAP, "/keys/pk/VERSIONS", NULL, &g);
    hc_assert_status(&g, 200, "versions, op segment upper case");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(g.json, "value")), 2);
    mvt_resp_free(&g);
    kreq("GET", KAP, "/keys/pk/0123456789abcdef0123456789abcdef", NULL, &g);
    hc_assert_status(&g, 404, "unknown version");
    ck_assert_str_eq(hc_err_code(&g), "KeyNotFound");
    mvt_resp_free(&g);
    free(v1);
}
END_TEST

/* §2: exportable from 7.4, hsmPlatform from 7.5, key_size from 2025-07-01, recoverableDays from
 * 7.1; the previews and 2026 versions are accepted. */
START_TEST(test_api_version_gating)
{
    static const struct {
        const char *api, *keys;
    } rows[] = {
        {"7.0", "enabled,created,updated,recoveryLevel"},
        {"7.3", "enabled,created,updated,recoveryLevel,recoverableDays"},
        {"7.4", "enabled,created,updated,recoveryLevel,recoverableDays,exportable"},
        {"7.5", "enabled,created,updated,recoveryLevel,recoverableDays,exportable,hsmPlatform"},
        {"7.6-preview.2",
         "enabled,created,updated,recoveryLevel,recoverableDays,exportable,hsmPlatform"},
        {"2025-07-01", "enabled,key_size,created,updated,recoveryLevel,recoverableDays,exportable,"
                       "hsmPlatform"},
        {"2026-03-01-preview", "enabled,key_size,created,updated,recoveryLevel,recoverableDays,"
                               "exportable,hsmPlatform"},
    };
    struct mvt_resp r;

    kcreate("gate", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        kreq_as(NULL, "GET", KAP, "/keys/gate", rows[i].api, NULL, &r);
        hc_assert_status(&r, 200, rows[i].api);
        hc_assert_keys(hc_jget(r.json, "attributes"), rows[i].keys, rows[i].api);
        mvt_resp_free(&r);
    }
    kreq_as(NULL, "GET", KAP, "/keys/gate", "7.7", NULL, &r);
    hc_assert_status(&r, 400, "unknown api-version");
    mvt_resp_free(&r);
}
END_TEST

/* §3.3 (recorded PATCH): key_ops, exp and tags replaced, updated bumped, the rest kept; a
 * disabled key stays readable (row 10's GET). */
START_TEST(test_update_recorded_shape)
{
    struct mvt_resp r;
    int64_t created;

    kcreate("upd", "{\"kty\":\"RSA\",\"tags\":{\"foo\":\"bar\"}}", &r);
    created = hc_jint(r.json, "attributes.created");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":3}");
    kreq("PATCH", KAP, "/keys/upd/",
         "{\"key_ops\":[\"decrypt\",\"encrypt\"],\"attributes\":{\"exp\":2524723200},"
         "\"tags\":{\"foo\":\"updated tag\"}}",
         &r);
    hc_assert_status(&r, 200, "PATCH");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,key_size,exp,created,updated,recoveryLevel,recoverableDays,exportable,"
                   "hsmPlatform",
                   "PATCH attributes");
    ck_assert_msg(strstr(r.body, "\"key_ops\":[\"decrypt\",\"encrypt\"],\"n\":") != NULL,
                  "key_ops echoed in the order given");
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"), 2524723200LL);
    ck_assert_int_eq(hc_jint(r.json, "attributes.created"), created);
    ck_assert_int_ge(hc_jint(r.json, "attributes.updated"), created + 3);
    ck_assert_int_le(hc_jint(r.json, "attributes.updated"), created + 6);
    ck_assert_str_eq(hc_jstr(r.json, "tags.foo"), "updated tag");
    mvt_resp_free(&r);
    kreq("PATCH", KAP, "/keys/upd", "{\"attributes\":{\"enabled\":false,\"exp\":1000}}", &r);
    hc_assert_status(&r, 200, "PATCH disabled, past exp");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/upd/", NULL, &r);
    hc_assert_status(&r, 200, "GET disabled key");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);
}
END_TEST

/* Row 13 and §3.4: delete body, deleted-but-recoverable 409, deleted get and list, purge 204,
 * recover of a name never deleted. */
START_TEST(test_row13_soft_delete)
{
    struct mvt_resp r;
    int64_t d;
    char *before;

    kcreate("rsa1", "{\"kty\":\"EC\"}", &r);
    mvt_resp_free(&r);
    kreq("DELETE", KAP, "/keys/rsa1", NULL, &r);
    hc_assert_status(&r, 200, "DELETE");
    hc_assert_keys(r.json, "recoveryId,deletedDate,scheduledPurgeDate,key,attributes",
                   "deleted bundle");
    d = hc_jint(r.json, "deletedDate");
    ck_assert_int_eq(hc_jint(r.json, "scheduledPurgeDate"), d + 604800);
    ck_assert_msg(strstr(hc_jstr(r.json, "recoveryId"), "/deletedkeys/rsa1") != NULL, "recoveryId");
    mvt_resp_free(&r);
    before = kstate();
    kreq("POST", KAP, "/keys/rsa1/create", "{\"kty\":\"EC\"}", &r);
    hc_assert_status(&r, 409, "create on a deleted name");
    kassert_body(
        &r,
        "{\"error\":{\"code\":\"Conflict\",\"message\":\"Key rsa1 is currently in a deleted "
        "but recoverable state, and its name cannot be reused; in this state, the key can "
        "only be recovered or purged.\",\"innererror\":{\"code\":"
        "\"ObjectIsDeletedButRecoverable\"}}}",
        "409 deleted but recoverable");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/rsa1", NULL, &r);
    hc_assert_status(&r, 404, "GET of a deleted key");
    mvt_resp_free(&r);
    kassert_state(before, "refused create and GET");
    free(before);
    kreq("GET", KAP, "/deletedkeys/rsa1", NULL, &r);
    hc_assert_status(&r, 200, "GET deleted");
    ck_assert_int_eq(hc_jint(r.json, "deletedDate"), d);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/deletedkeys", NULL, &r);
    hc_assert_status(&r, 200, "list deleted");
    hc_assert_keys(hc_jget(r.json, "value")->child,
                   "recoveryId,deletedDate,scheduledPurgeDate,kid,attributes", "deleted item");
    mvt_resp_free(&r);
    kreq("DELETE", KAP, "/deletedkeys/rsa1", NULL, &r);
    hc_assert_status(&r, 204, "purge");
    ck_assert_uint_eq(r.len, 0);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/deletedkeys/rsa1", NULL, &r);
    hc_assert_status(&r, 404, "deleted key gone");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"Deleted Key not found: "
                 "rsa1\"}}",
                 "Deleted Key not found");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/deletedkeys/never/recover", NULL, &r);
    hc_assert_status(&r, 404, "recover never deleted");
    ck_assert_str_eq(hc_err_code(&r), "KeyNotFound");
    mvt_resp_free(&r);
}
END_TEST

/* §3.4: recover answers the latest version's bundle and the key works again. */
START_TEST(test_recover)
{
    struct mvt_resp r;
    char *v;

    kcreate("rec", "{\"kty\":\"EC\"}", &r);
    v = strdup(kversion(r.json));
    mvt_resp_free(&r);
    kreq("DELETE", KAP, "/keys/rec", NULL, &r);
    mvt_resp_free(&r);
    kreq("POST", KAP, "/deletedkeys/rec/recover", NULL, &r);
    hc_assert_status(&r, 200, "recover");
    hc_assert_keys(r.json, "key,attributes", "recovered bundle");
    ck_assert_str_eq(kversion(r.json), v);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/rec", NULL, &r);
    hc_assert_status(&r, 200, "GET recovered");
    mvt_resp_free(&r);
    free(v);
}
END_TEST

/* §3.5: GetKeys items carry the base kid; versions page with nextLink (":443"-style port). */
START_TEST(test_lists_and_paging)
{
    struct mvt_resp r;
    char next[1200];
    const char *link, *q;

    for (int i = 0; i < 3; i++) {
        kcreate("paged", "{\"kty\":\"EC\"}", &r);
        mvt_resp_free(&r);
    }
    kreq("GET", KAP, "/keys", NULL, &r);
    hc_assert_status(&r, 200, "GET /keys");
    hc_assert_keys(hc_jget(r.json, "value")->child, "kid,attributes", "list item");
    ck_assert_msg(strstr(hc_jstr(hc_jget(r.json, "value")->child, "kid"), "/keys/paged") != NULL &&
                      hc_is_version(kversion(hc_jget(r.json, "value")->child)) == false,
                  "GetKeys items carry the base kid");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/paged/versions?maxresults=2", NULL, &r);
    hc_assert_status(&r, 200, "versions page 1");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    ck_assert_msg(hc_is_version(kversion(hc_jget(r.json, "value")->child)), "versioned kid");
    link = hc_jstr(r.json, "nextLink");
    ck_assert_msg(link && (q = strstr(link, "/keys/paged/versions?")) != NULL, "nextLink path");
    snprintf(next, sizeof next, "%s", q);
    mvt_resp_free(&r);
    hc_req(srv, "GET", KAP, next, tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "versions page 2");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 1);
    ck_assert(cJSON_IsNull(hc_jget(r.json, "nextLink")));
    mvt_resp_free(&r);
}
END_TEST

/* Row 14 and §3.6: malformed blob (exact 78 B), a round trip that keeps ids and times of every
 * version, the exact 409 on an occupied name, a tampered blob, a secret's blob. */
START_TEST(test_row14_backup_restore)
{
    struct mvt_resp r, b, g;
    char *body, *blob, *v1, *v2, *before, want[1500], base[128];
    int64_t created, created2;
    size_t n;
    char orig;

    kreq("POST", KAP, "/keys/restore", "{\"value\":\"bm9uLWV4aXN0aW5n\"}", &r);
    hc_assert_status(&r, 400, "malformed blob");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":\"Backup blob is "
                 "corrupt.\"}}",
                 "malformed blob");
    ck_assert_uint_eq(r.len, 78);
    mvt_resp_free(&r);
    kcreate("bk", "{\"kty\":\"RSA\",\"tags\":{\"t\":\"1\"}}", &r);
    v1 = strdup(kversion(r.json));
    created = hc_jint(r.json, "attributes.created");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":5}");
    kcreate("bk", "{\"kty\":\"EC\"}", &r);
    v2 = strdup(kversion(r.json));
    created2 = hc_jint(r.json, "attributes.created");
    ck_assert_int_ge(created2, created + 5);
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/bk/backup", NULL, &b);
    hc_assert_status(&b, 200, "backup");
    hc_assert_keys(b.json, "value", "backup body");
    ck_assert_msg(hc_is_b64url(hc_jstr(b.json, "value")), "blob is base64url");
    blob = strdup(hc_jstr(b.json, "value"));
    mvt_resp_free(&b);
    n = strlen(blob) + 32;
    body = hc_xmalloc(n);
    snprintf(body, n, "{\"value\":\"%s\"}", blob);
    /* Onto the occupied name: the recorded 409 naming the current version's kid. */
    before = kstate();
    kreq("POST", KAP, "/keys/restore", body, &r);
    hc_assert_status(&r, 409, "restore onto an existing name");
    snprintf(want, sizeof want,
             "{\"error\":{\"code\":\"Conflict\",\"message\":\"There was a conflict restoring the "
             "key '%s/keys/bk/%s'. This can happen if either: a second key with the same name was "
             "created after the first key was deleted; thus trying to restore a key whose name is "
             "already in use. To fix this, rename the second key to something else so that the "
             "restore works. The second probable cause of this exception is when multiple "
             "operations are performed in parallel against the key. To avoid this error, perform "
             "operations against a key in a sequential manner.\"}}",
             hc_base(srv, KAP, base, sizeof base), v2);
    kassert_body(&r, want, "restore 409");
    mvt_resp_free(&r);
    kassert_state(before, "refused restore");
    free(before);
    /* Tampered: one character of the ciphertext changed. */
    orig = blob[strlen(blob) / 2];
    blob[strlen(blob) / 2] = orig == 'A' ? 'B' : 'A';
    snprintf(body, n, "{\"value\":\"%s\"}", blob);
    kreq("POST", KAP, "/keys/restore", body, &r);
    hc_assert_status(&r, 400, "tampered blob");
    ck_assert_str_eq(hc_jstr(r.json, "error.message"), "Backup blob is corrupt.");
    mvt_resp_free(&r);
    blob[strlen(blob) / 2] = orig;
    snprintf(body, n, "{\"value\":\"%s\"}", blob);
    /* Free the name (delete + purge), then restore through .NET's //restore path. */
    kreq("DELETE", KAP, "/keys/bk", NULL, &r);
    mvt_resp_free(&r);
    kreq("DELETE", KAP, "/deletedkeys/bk", NULL, &r);
    hc_assert_status(&r, 204, "purge");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys//restore", body, &r);
    hc_assert_status(&r, 200, "restore");
    ck_assert_str_eq(kversion(r.json), v2);
    ck_assert_int_eq(hc_jint(r.json, "attributes.created"), created2);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/bk/versions", NULL, &r);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    mvt_resp_free(&r);
    snprintf(want, sizeof want, "/keys/bk/%s", v1);
    kreq("GET", KAP, want, NULL, &g);
    hc_assert_status(&g, 200, "first version restored");
    ck_assert_int_eq(hc_jint(g.json, "attributes.created"), created);
    ck_assert_str_eq(hc_jstr(g.json, "key.kty"), "RSA");
    ck_assert_str_eq(hc_jstr(g.json, "tags.t"), "1");
    mvt_resp_free(&g);
    free(body), free(blob), free(v1), free(v2);
}
END_TEST

/* Row 15 and §3.9: the default policy (106 B), PUT with one Rotate appends Notify P30D, limits. */
START_TEST(test_row15_rotation_policy)
{
    struct mvt_resp r;
    char want[800], base[128];
    int64_t now;

    kcreate("rot", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/rot/rotationpolicy", NULL, &r);
    hc_assert_status(&r, 200, "default policy");
    kassert_body(&r,
                 "{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P30D\"},\"action\":"
                 "{\"type\":\"Notify\"}}],\"attributes\":null}",
                 "default policy");
    ck_assert_uint_eq(r.len, 106);
    mvt_resp_free(&r);
    now = hc_now(srv);
    kreq("PUT", KAP, "/keys/rot/rotationpolicy",
         "{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P10D\"},\"action\":{\"type\":"
         "\"rotate\"}}],\"attributes\":{\"expiryTime\":\"P90D\"}}",
         &r);
    hc_assert_status(&r, 200, "PUT policy");
    snprintf(want, sizeof want,
             "{\"id\":\"%s/keys/rot/rotationpolicy\",\"lifetimeActions\":[{\"trigger\":{"
             "\"timeBeforeExpiry\":\"P10D\"},\"action\":{\"type\":\"Rotate\"}},{\"trigger\":{"
             "\"timeBeforeExpiry\":\"P30D\"},\"action\":{\"type\":\"Notify\"}}],\"attributes\":{"
             "\"expiryTime\":\"P90D\",\"created\":%lld,\"updated\":%lld}}",
             hc_base(srv, KAP, base, sizeof base), (long long)hc_jint(r.json, "attributes.created"),
             (long long)hc_jint(r.json, "attributes.created"));
    kassert_body(&r, want, "set policy");
    ck_assert_msg(hc_jint(r.json, "attributes.created") >= now, "created is now");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/rot/rotationpolicy", NULL, &r);
    kassert_body(&r, want, "GET after PUT");
    mvt_resp_free(&r);
    /* Limits: expiry under 28 days, rotation under 7 days, two Rotate actions. */
    kreq("PUT", KAP, "/keys/rot/rotationpolicy", "{\"attributes\":{\"expiryTime\":\"P27D\"}}", &r);
    hc_assert_status(&r, 400, "expiry under 28 days");
    mvt_resp_free(&r);
    kreq("PUT", KAP, "/keys/rot/rotationpolicy",
         "{\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P6D\"},\"action\":{\"type\":"
         "\"Rotate\"}}]}",
         &r);
    hc_assert_status(&r, 400, "rotation under 7 days");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/missing/rotationpolicy", NULL, &r);
    hc_assert_status(&r, 404, "policy of a missing key");
    ck_assert_uint_eq(r.len, 295);
    mvt_resp_free(&r);
}
END_TEST

/* §3.9: rotate makes a new version of the same type and size with the policy's expiry. */
START_TEST(test_rotate)
{
    struct mvt_resp r;
    char *v1, *n1;
    int64_t now;

    kcreate("rk", "{\"kty\":\"RSA\",\"key_size\":3072,\"key_ops\":[\"sign\",\"verify\"]}", &r);
    v1 = strdup(kversion(r.json));
    n1 = strdup(hc_jstr(r.json, "key.n"));
    mvt_resp_free(&r);
    kreq("PUT", KAP, "/keys/rk/rotationpolicy", "{\"attributes\":{\"expiryTime\":\"P90D\"}}", &r);
    mvt_resp_free(&r);
    now = hc_now(srv);
    kreq("POST", KAP, "/keys/rk/rotate", NULL, &r);
    hc_assert_status(&r, 200, "rotate");
    ck_assert_str_ne(kversion(r.json), v1);
    ck_assert_str_ne(hc_jstr(r.json, "key.n"), n1);
    ck_assert_int_eq(hc_jint(r.json, "attributes.key_size"), 3072);
    ck_assert_msg(strstr(r.body, "\"key_ops\":[\"sign\",\"verify\"]") != NULL, "same key_ops");
    ck_assert_int_ge(hc_jint(r.json, "attributes.exp"), now + 90 * 86400);
    ck_assert_int_le(hc_jint(r.json, "attributes.exp"), now + 90 * 86400 + 5);
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/nokey/rotate", NULL, &r);
    hc_assert_status(&r, 404, "rotate missing");
    mvt_resp_free(&r);
    free(v1), free(n1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-keys-wire");
    TCase *tc = tcase_create("keys");

    tcase_add_checked_fixture(tc, ksetup, kteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_row1_create_ec_defaults);
    tcase_add_test(tc, test_row2_create_rsa_defaults);
    tcase_add_test(tc, test_create_curves_and_sizes);
    tcase_add_test(tc, test_create_refusals);
    tcase_add_test(tc, test_row3_import_rsa_leading_zero);
    tcase_add_test(tc, test_import_ec_and_bad_key);
    tcase_add_test(tc, test_row4_missing_key);
    tcase_add_test(tc, test_row5_versions_of_unknown);
    tcase_add_test(tc, test_paths_and_versions);
    tcase_add_test(tc, test_api_version_gating);
    tcase_add_test(tc, test_update_recorded_shape);
    tcase_add_test(tc, test_row13_soft_delete);
    tcase_add_test(tc, test_recover);
    tcase_add_test(tc, test_lists_and_paging);
    tcase_add_test(tc, test_row14_backup_restore);
    tcase_add_test(tc, test_row15_rotation_policy);
    tcase_add_test(tc, test_rotate);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
