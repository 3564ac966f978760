/* test-state-keys.c: unit tests of keys in fixtures and snapshots: generated keys (repeatable
 * under a seed, independent of the ids drawn before them), keys given as JWK or PEM, rotation
 * policies, key permissions and crypto roles, byte-identical export -> import -> export, and one
 * key as a backup blob carries it. The bad key fixtures are rows of test-state.c's table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "state.h"
#include "store.h"
#include "testlib.h"
#include "util.h"

#define T0 1700000000
#define DAY 86400

/* ---- Helpers ---- */

static struct mv_data *parse_ok(const char *json, int64_t now)
{
    char err[1024] = "";
    struct mv_data *d = mv_state_parse(json, strlen(json), "inline.json", now, err, sizeof(err));
    ck_assert_msg(d != NULL, "parse failed: %s", err);
    return d;
}

/* The error of a parse that must fail (into err). */
static void parse_fails(const char *json, char *err, size_t n)
{
    struct mv_data *d = mv_state_parse(json, strlen(json), "inline.json", T0, err, n);
    ck_assert_msg(d == NULL, "parsed although invalid: %s", json);
}

static char *export_text(const struct mv_data *d)
{
    cJSON *j = mv_state_export(d);
    ck_assert_ptr_nonnull(j);
    char *s = cJSON_PrintUnformatted(j);
    ck_assert_ptr_nonnull(s);
    cJSON_Delete(j);
    return s;
}

static const struct mv_object *key_of(const struct mv_data *d, const char *vault, const char *name)
{
    const struct mv_object *k = mv_vault_object(mv_data_vault(d, vault), MV_OBJ_KEY, name);
    ck_assert_msg(k != NULL, "no key %s", name);
    return k;
}

/* The public modulus or x coordinate of a version, as base64url (caller frees). */
static char *public_part(const struct mv_version *v)
{
    struct mv_jwk_out j = {0};
    ck_assert_ptr_nonnull(v->key);
    ck_assert_int_eq(mv_keymat_public(v->key->mat, &j), MV_KM_OK);
    char *s = j.kty == MV_KTY_RSA ? cx_b64url_encode(j.n, j.n_len) : cx_b64url_encode(j.x, j.x_len);
    mv_jwk_out_finish(&j);
    ck_assert_ptr_nonnull(s);
    return s;
}

static const char generated_fixture[] =
    "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",%s\"keys\":["
    "{\"name\":\"rsa\",\"versions\":[{\"kty\":\"RSA\"}]},"
    "{\"name\":\"ec\",\"versions\":[{\"kty\":\"EC\",\"created\":\"-2d\"},"
    "{\"kty\":\"EC-HSM\",\"crv\":\"P-384\",\"keyOps\":[\"verify\",\"sign\"]}]}]}]}";

/* The generated fixture, with secrets (which draw ids first) when with_secrets. */
static struct mv_data *load_generated(bool with_secrets)
{
    char json[2048];
    snprintf(json, sizeof(json), generated_fixture,
             with_secrets ? "\"secrets\":[{\"name\":\"s\",\"versions\":[{\"value\":\"fake\"}]}],"
                          : "");
    return parse_ok(json, T0);
}

/* ---- Generated keys ---- */

START_TEST(test_generated_keys)
{
    mv_rand_seed(42);
    struct mv_data *d = load_generated(false);
    const struct mv_object *rsa = key_of(d, "demo", "rsa");
    ck_assert_uint_eq(rsa->nversions, 1);
    const struct mv_version *v = &rsa->versions[0];
    ck_assert_int_eq(mv_keymat_kty(v->key->mat), MV_KTY_RSA);
    ck_assert_uint_eq(mv_keymat_bits(v->key->mat), 2048); /* the default size */
    ck_assert(!v->key->hsm);
    ck_assert_uint_eq(v->key->nops, 6); /* the default key_ops */
    ck_assert(v->enabled);
    ck_assert_int_eq(v->created, T0);
    ck_assert(cx_is_hex(v->id, 32, CX_HEX_LOWER));
    ck_assert_ptr_null(rsa->rotation);
    const struct mv_object *ec = key_of(d, "demo", "EC");
    ck_assert_uint_eq(ec->nversions, 2);
    ck_assert_int_eq(mv_keymat_crv(ec->versions[0].key->mat), MV_CRV_P256);
    ck_assert_int_eq(ec->versions[0].created, T0 - 2 * DAY);
    ck_assert_uint_eq(ec->versions[0].key->nops, 2);
    ck_assert_int_eq(mv_keymat_crv(ec->versions[1].key->mat), MV_CRV_P384);
    ck_assert(ec->versions[1].key->hsm);
    ck_assert_int_eq(ec->versions[1].key->ops[0], MV_KOP_VERIFY);
    char *first = export_text(d);
    char *rsa_n = public_part(v);
    char *ec_x = public_part(&ec->versions[1]);

    /* The same seed gives the same keys and ids: the whole export is identical. */
    mv_rand_seed(42);
    struct mv_data *d2 = load_generated(false);
    char *second = export_text(d2);
    ck_assert_str_eq(first, second);

    /* The keys do not depend on how many ids were drawn before them. */
    mv_rand_seed(42);
    struct mv_data *d3 = load_generated(true);
    char *n3 = public_part(&key_of(d3, "demo", "rsa")->versions[0]);
    ck_assert_str_eq(n3, rsa_n);

    /* Another seed, or none, gives other keys. */
    mv_rand_seed(43);
    struct mv_data *d4 = load_generated(false);
    char *n4 = public_part(&key_of(d4, "demo", "rsa")->versions[0]);
    char *x4 = public_part(&key_of(d4, "demo", "ec")->versions[1]);
    ck_assert_str_ne(n4, rsa_n);
    ck_assert_str_ne(x4, ec_x);
    mv_rand_unseed();
    struct mv_data *d5 = load_generated(false);
    struct mv_data *d6 = load_generated(false);
    char *x5 = public_part(&key_of(d5, "demo", "ec")->versions[0]);
    char *x6 = public_part(&key_of(d6, "demo", "ec")->versions[0]);
    ck_assert_str_ne(x5, x6);

    free(first);
    free(second);
    free(rsa_n);
    free(ec_x);
    free(n3);
    free(n4);
    free(x4);
    free(x5);
    free(x6);
    mv_data_free(d);
    mv_data_free(d2);
    mv_data_free(d3);
    mv_data_free(d4);
    mv_data_free(d5);
    mv_data_free(d6);
}
END_TEST

/* ---- Given keys ---- */

/* A PEM "PRIVATE KEY" of km (caller frees). */
static char *pem_of(const struct mv_keymat *km)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    ck_assert_int_eq(mv_keymat_pkcs8(km, &der, &der_len), MV_KM_OK);
    char *b64 = cx_b64_encode(der, der_len, 0);
    ck_assert_ptr_nonnull(b64);
    cx_wipe_free(der, der_len);
    size_t len = strlen(b64);
    char *pem = malloc(len + len / 64 + 128);
    ck_assert_ptr_nonnull(pem);
    size_t o = (size_t)sprintf(pem, "-----BEGIN PRIVATE KEY-----\n");
    for (size_t i = 0; i < len; i += 64)
        o += (size_t)sprintf(pem + o, "%.64s\n", b64 + i);
    sprintf(pem + o, "-----END PRIVATE KEY-----\n");
    cx_wipe_free(b64, len);
    return pem;
}

/* A JSON string literal of s with its newlines escaped (caller frees). */
static char *json_string(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(out);
    return out;
}

START_TEST(test_pem_and_jwk)
{
    struct mv_keymat *rsa = NULL, *ec = NULL;
    struct mv_key_spec rs = {.kty = MV_KTY_RSA, .bits = 3072};
    struct mv_key_spec es = {.kty = MV_KTY_EC, .crv = MV_CRV_P521};
    ck_assert_int_eq(mv_keymat_generate(&rs, "0123456789abcdef0123456789abcdef", 32, &rsa),
                     MV_KM_OK);
    ck_assert_int_eq(mv_keymat_generate(&es, "fedcba9876543210fedcba9876543210", 32, &ec),
                     MV_KM_OK);
    char *rsa_pem = pem_of(rsa), *ec_pem = pem_of(ec);
    char *rs_lit = json_string(rsa_pem), *es_lit = json_string(ec_pem);
    char json[16384];
    snprintf(json, sizeof(json),
             "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",\"keys\":["
             "{\"name\":\"r\",\"versions\":[{\"kty\":\"RSA-HSM\",\"size\":3072,\"pem\":%s}]},"
             "{\"name\":\"e\",\"versions\":[{\"crv\":\"P-521\",\"pem\":%s}]}]}]}",
             rs_lit, es_lit);
    struct mv_data *d = parse_ok(json, T0);
    const struct mv_version *rv = &key_of(d, "demo", "r")->versions[0];
    const struct mv_version *ev = &key_of(d, "demo", "e")->versions[0];
    ck_assert(rv->key->hsm);
    ck_assert_uint_eq(mv_keymat_bits(rv->key->mat), 3072);
    ck_assert_int_eq(mv_keymat_crv(ev->key->mat), MV_CRV_P521);
    ck_assert_uint_eq(ev->key->nops, 2); /* kty came from the key: EC defaults */

    /* The same public key as the source: compare through the public JWK parts. */
    struct mv_version src = {.key = &(struct mv_key_info){.mat = rsa}};
    char *want = public_part(&src), *got = public_part(rv);
    ck_assert_str_eq(want, got);
    free(want);
    free(got);

    /* The export writes the key as a JWK with its private parts; importing that gives the same
     * key again. */
    char *first = export_text(d);
    ck_assert_ptr_null(strstr(first, "BEGIN PRIVATE KEY"));
    ck_assert_ptr_nonnull(strstr(first, "\"jwk\":{\"kty\":\"RSA\",\"n\":"));
    ck_assert_ptr_nonnull(strstr(first, "\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":"));
    ck_assert_ptr_nonnull(strstr(first, "\"dq\":"));
    struct mv_data *d2 = parse_ok(first, T0 + 50);
    char *second = export_text(d2);
    ck_assert_str_eq(first, second);

    /* A PEM that disagrees with the stated shape names the field. */
    char err[1024];
    snprintf(json, sizeof(json),
             "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",\"keys\":["
             "{\"name\":\"r\",\"versions\":[{\"kty\":\"RSA\",\"size\":2048,\"pem\":%s}]}]}]}",
             rs_lit);
    parse_fails(json, err, sizeof(err));
    ck_assert_msg(strstr(err, "$.vaults[0].keys[0].versions[0].size: size 2048 does not match "
                              "the key material (3072 bits)") != NULL,
                  "%s", err);
    snprintf(json, sizeof(json),
             "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",\"keys\":["
             "{\"name\":\"e\",\"versions\":[{\"kty\":\"RSA\",\"pem\":%s}]}]}]}",
             es_lit);
    parse_fails(json, err, sizeof(err));
    ck_assert_msg(strstr(err, "versions[0].kty: kty says RSA but the key material is an EC key") !=
                      NULL,
                  "%s", err);
    snprintf(json, sizeof(json),
             "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",\"keys\":["
             "{\"name\":\"e\",\"versions\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"size\":2048}]}]}]"
             "}");
    parse_fails(json, err, sizeof(err));
    ck_assert_msg(strstr(err, "versions[0].size: 'size' is for RSA keys") != NULL, "%s", err);
    /* No key material in any message. */
    ck_assert_ptr_null(strstr(err, "MII"));

    free(first);
    free(second);
    free(rsa_pem);
    free(ec_pem);
    free(rs_lit);
    free(es_lit);
    mv_keymat_unref(rsa);
    mv_keymat_unref(ec);
    mv_data_free(d);
    mv_data_free(d2);
}
END_TEST

/* ---- Round trips ---- */

static const char everything[] =
    "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",\"permissionModel\":\"rbac\","
    "\"softDelete\":{\"retentionDays\":7},"
    "\"roleAssignments\":[{\"principalId\":\"p1\",\"role\":\"Key Vault Crypto Officer\"},"
    "{\"principalId\":\"p2\",\"role\":\"Key Vault Crypto User\",\"scope\":\"/keys/signer\"},"
    "{\"principalId\":\"p3\",\"role\":\"Key Vault Crypto Service Encryption User\"},"
    "{\"principalId\":\"p4\",\"role\":\"Key Vault Crypto Service Release User\"}],"
    "\"keys\":[{\"name\":\"signer\",\"versions\":["
    "{\"kty\":\"EC\",\"crv\":\"P-256K\",\"enabled\":false,\"created\":\"-40d\"},"
    "{\"kty\":\"EC\",\"keyOps\":[\"sign\"],\"tags\":{\"env\":\"prod\",\"k\":\"\"},"
    "\"nbf\":\"-1d\",\"exp\":\"+89d\",\"created\":\"-1d\",\"updated\":\"now\","
    "\"id\":\"0123456789abcdef0123456789abcdef\",\"exportable\":true,"
    "\"releasePolicy\":{\"data\":\"eyJ2ZXJzaW9uIjoiMS4wLjAifQ\",\"immutable\":true}}],"
    "\"rotationPolicy\":{\"id\":\"https://demo.vault.azure.net/keys/signer/rotationpolicy\","
    "\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P10D\"},"
    "\"action\":{\"type\":\"rotate\"}},{\"trigger\":{\"timeAfterCreate\":\"P1Y\"},"
    "\"action\":{\"type\":\"Notify\"}}],\"attributes\":{\"expiryTime\":\"P90D\","
    "\"created\":1722561266,\"updated\":1722561266}}},"
    "{\"name\":\"plain\",\"versions\":[{\"kty\":\"RSA\",\"size\":2048}],"
    "\"rotationPolicy\":{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":\"P30D\"},"
    "\"action\":{\"type\":\"Notify\"}}],\"attributes\":null}}],"
    "\"deletedKeys\":[{\"name\":\"old\",\"deletedDate\":\"-1d\",\"versions\":[{\"kty\":\"EC\"}]}]"
    "},{\"name\":\"policies\",\"accessPolicies\":["
    "{\"objectId\":\"o1\",\"permissions\":{\"secrets\":[\"get\"],\"keys\":[\"get\",\"SIGN\","
    "\"wrapKey\",\"getrotationpolicy\"]}},{\"objectId\":\"o2\",\"permissions\":{\"keys\":[\"all\"]}"
    "},"
    "{\"objectId\":\"o3\",\"permissions\":{\"secrets\":[\"list\"]}}]}]}";

START_TEST(test_round_trip)
{
    struct mv_data *d = parse_ok(everything, T0);
    const struct mv_object *signer = key_of(d, "demo", "signer");
    ck_assert_int_eq(mv_keymat_crv(signer->versions[0].key->mat), MV_CRV_P256K);
    const struct mv_version *cur = &signer->versions[1];
    ck_assert_str_eq(cur->id, "0123456789abcdef0123456789abcdef");
    ck_assert(cur->key->exportable);
    ck_assert_str_eq(cur->key->release->content_type, "application/json; charset=utf-8");
    ck_assert(cur->key->release->immutable);
    ck_assert_int_eq(cur->exp, T0 + 89 * DAY);
    const struct mv_rotation_policy *rp = signer->rotation;
    ck_assert_ptr_nonnull(rp);
    ck_assert_uint_eq(rp->nactions, 2);
    ck_assert_int_eq(rp->actions[0].type, MV_ROT_ROTATE);
    ck_assert(!rp->actions[0].after_create);
    ck_assert_int_eq(rp->actions[0].seconds, 10 * DAY);
    ck_assert(rp->actions[1].after_create);
    ck_assert_int_eq(rp->actions[1].seconds, 365 * DAY);
    ck_assert(rp->has_expiry);
    ck_assert_int_eq(rp->expiry_seconds, 90 * DAY);
    ck_assert_int_eq(rp->created, 1722561266);
    /* The id-less form GET answers for a default policy loads too. */
    const struct mv_rotation_policy *plain = key_of(d, "demo", "plain")->rotation;
    ck_assert_ptr_nonnull(plain);
    ck_assert(!plain->has_expiry);
    ck_assert_int_eq(plain->created, T0);
    const struct mv_object *old = key_of(d, "demo", "old");
    ck_assert(old->deleted);
    ck_assert_int_eq(old->scheduled_purge_date, T0 - DAY + 7 * DAY);

    const struct mv_vault *pv = mv_data_vault(d, "policies");
    ck_assert_uint_eq(pv->policies[0].keys,
                      MV_KPERM_GET | MV_KPERM_SIGN | MV_KPERM_WRAP | MV_KPERM_GETROTATIONPOLICY);
    ck_assert(!pv->policies[0].keys_all);
    ck_assert(pv->policies[1].keys_all);
    ck_assert_uint_eq(pv->policies[1].keys, MV_KPERM_ALL);
    ck_assert_uint_eq(pv->policies[2].keys, 0);
    const struct mv_vault *dv = mv_data_vault(d, "demo");
    ck_assert_str_eq(dv->roles[1].scope, "/keys/signer");

    /* export -> import -> export is byte-identical: same keys, ids and times. */
    char *first = export_text(d);
    struct mv_data *d2 = parse_ok(first, T0 + 12345);
    char *second = export_text(d2);
    ck_assert_str_eq(first, second);
    /* And through the store, as a snapshot writes it. */
    struct mv_store *st = mv_store_create(d2);
    char *third = export_text(mv_store_rdlock(st));
    mv_store_unlock(st);
    ck_assert_str_eq(first, third);

    ck_assert_ptr_nonnull(strstr(first, "\"permissions\":{\"secrets\":[\"get\"],\"keys\":[\"get\","
                                        "\"wrapKey\",\"sign\",\"getrotationpolicy\"]}"));
    ck_assert_ptr_nonnull(strstr(first, "\"permissions\":{\"secrets\":[],\"keys\":[\"all\"]}"));
    ck_assert_ptr_nonnull(strstr(first, "\"permissions\":{\"secrets\":[\"list\"]}"));
    ck_assert_ptr_nonnull(strstr(first, "\"kty\":\"EC\",\"crv\":\"P-256K\",\"keyOps\":[\"sign\","
                                        "\"verify\"],\"enabled\":false"));
    ck_assert_ptr_nonnull(
        strstr(first, "\"releasePolicy\":{\"contentType\":\"application/json; charset=utf-8\","
                      "\"data\":\"eyJ2ZXJzaW9uIjoiMS4wLjAifQ\",\"immutable\":true}"));
    ck_assert_ptr_nonnull(strstr(
        first, "\"rotationPolicy\":{\"lifetimeActions\":[{\"trigger\":{\"timeBeforeExpiry\":"
               "\"P10D\"},\"action\":{\"type\":\"Rotate\"}},{\"trigger\":{\"timeAfterCreate\":"
               "\"P1Y\"},\"action\":{\"type\":\"Notify\"}}],\"attributes\":{\"expiryTime\":"
               "\"P90D\",\"created\":1722561266,\"updated\":1722561266}}"));
    ck_assert_ptr_nonnull(strstr(first, "\"deletedKeys\":[{\"name\":\"old\",\"deletedDate\":"));
    ck_assert_ptr_null(strstr(first, "vault.azure.net"));

    free(first);
    free(second);
    free(third);
    mv_store_destroy(st);
    mv_data_free(d);
}
END_TEST

/* The Notify bookkeeping survives a snapshot, so a reload does not notify again. */
START_TEST(test_notified_kept)
{
    struct mv_data *d = parse_ok(everything, T0);
    struct mv_store *st = mv_store_create(d);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 400 * DAY, NULL, NULL), 2);
    char *snap = export_text(mv_store_rdlock(st));
    mv_store_unlock(st);
    ck_assert_ptr_nonnull(strstr(snap, "\"notifiedVersion\":\"0123456789abcdef0123456789abcdef\""));
    struct mv_data *d2 = parse_ok(snap, T0);
    ck_assert_str_eq(key_of(d2, "demo", "signer")->rotation->notified,
                     "0123456789abcdef0123456789abcdef");
    char *again = export_text(d2);
    ck_assert_str_eq(snap, again);
    free(snap);
    free(again);
    mv_data_free(d2);
    mv_store_destroy(st);
}
END_TEST

/* ---- Backup entries ---- */

START_TEST(test_key_json)
{
    struct mv_data *d = parse_ok(everything, T0);
    char err[512] = "";
    const struct mv_vault *v = mv_data_vault(d, "demo");
    for (size_t i = 0; i < v->nkeys; i++) {
        cJSON *j = mv_state_key_to_json(&v->keys[i]);
        ck_assert_ptr_nonnull(j);
        char *text = cJSON_PrintUnformatted(j);
        struct mv_object *back = mv_state_key_from_json(j, err, sizeof(err));
        ck_assert_msg(back != NULL, "%s", err);
        ck_assert_int_eq(back->deleted, v->keys[i].deleted);
        ck_assert_uint_eq(back->nversions, v->keys[i].nversions);
        ck_assert_int_eq(back->rotation != NULL, v->keys[i].rotation != NULL);
        cJSON *j2 = mv_state_key_to_json(back);
        char *text2 = cJSON_PrintUnformatted(j2);
        ck_assert_str_eq(text, text2);
        cJSON_free(text);
        cJSON_free(text2);
        cJSON_Delete(j);
        cJSON_Delete(j2);
        mv_object_finish(back);
        free(back);
    }

    /* A blob never generates a key, and has no clock for relative times. */
    cJSON *j = cJSON_Parse("{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\",\"created\":1}]}");
    ck_assert_ptr_null(mv_state_key_from_json(j, err, sizeof(err)));
    ck_assert_str_eq(err, "backup blob: $.versions[0].jwk: required field is missing (a backup "
                          "holds its key material)");
    cJSON_Delete(j);
    j = cJSON_Parse("{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\",\"created\":\"now\"}]}");
    ck_assert_ptr_null(mv_state_key_from_json(j, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "relative time 'now' is not allowed here"));
    cJSON_Delete(j);
    ck_assert_ptr_null(mv_state_key_from_json(NULL, err, sizeof(err)));
    mv_data_free(d);
}
END_TEST

/* ---- Bad rotation policies and permissions (inline, beside the table of bad files) ---- */

START_TEST(test_bad_inline)
{
    static const struct {
        const char *part; /* spliced into a vault */
        const char *want;
    } cases[] = {
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\"}],\"rotationPolicy\":{"
         "\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P1D\",\"timeBeforeExpiry\":"
         "\"P1D\"},\"action\":{\"type\":\"Rotate\"}}]}}]",
         "$.vaults[0].keys[0].rotationPolicy.lifetimeActions[0].trigger: give exactly one"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\"}],\"rotationPolicy\":{"
         "\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P1D\"},\"action\":{\"type\":"
         "\"Rotate\"}},{\"trigger\":{\"timeAfterCreate\":\"P2D\"},\"action\":{\"type\":"
         "\"rotate\"}}]}}]",
         "lifetimeActions[1].action.type: a policy has at most one Rotate"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\"}],\"rotationPolicy\":{"
         "\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P1D\"},\"action\":{\"type\":"
         "\"Delete\"}}]}}]",
         "lifetimeActions[0].action.type: unknown action type"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\"}],\"rotationPolicy\":{"
         "\"attributes\":{\"expiryTime\":\"P0D\"}}}]",
         "rotationPolicy.attributes.expiryTime: invalid duration 'P0D'"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"crv\":\"P-256\"}]}]",
         "$.vaults[0].keys[0].versions[0].kty: required field is missing"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\",\"value\":\"x\"}]}]",
         "$.vaults[0].keys[0].versions[0].value: unknown field 'value'"},
        {"\"keys\":[{\"name\":\"k_1\",\"versions\":[{\"kty\":\"EC\"}]}]",
         "$.vaults[0].keys[0].name: invalid key name 'k_1'"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[]}]",
         "$.vaults[0].keys[0].versions: a key needs at least one version"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\",\"keyOps\":[\"sign\","
         "\"sign\"]}]}]",
         "keyOps[1]: key operation 'sign' appears twice"},
        {"\"keys\":[{\"name\":\"k\",\"versions\":[{\"kty\":\"EC\",\"releasePolicy\":{"
         "\"data\":\"not base64!\"}}]}]",
         "versions[0].releasePolicy.data: 'data' must be base64url"},
        {"\"accessPolicies\":[{\"objectId\":\"o\",\"permissions\":{\"keys\":[\"get\",\"set\"]}}]",
         "$.vaults[0].accessPolicies[0].permissions.keys[1]: unknown key permission 'set'"},
        {"\"roleAssignments\":[{\"principalId\":\"p\",\"role\":\"Key Vault Crypto Reader\"}]",
         "$.vaults[0].roleAssignments[0].role: unknown role 'Key Vault Crypto Reader'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[2048], err[1024] = "";
        snprintf(json, sizeof(json),
                 "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"demo\",%s}]}",
                 cases[i].part);
        parse_fails(json, err, sizeof(err));
        ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu: expected '%s' in '%s'", i,
                      cases[i].want, err);
    }
}
END_TEST

static Suite *state_keys_suite(void)
{
    Suite *s = suite_create("state-keys");
    TCase *tc = tcase_create("keys");
    tcase_add_test(tc, test_generated_keys);
    tcase_add_test(tc, test_pem_and_jwk);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_notified_kept);
    tcase_add_test(tc, test_key_json);
    tcase_add_test(tc, test_bad_inline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(state_keys_suite(), false);
}
