/* keys-crypto.c: the key operations that use a key rather than manage it (encrypt, decrypt,
 * wrapkey, unwrapkey, sign, verify; spec/keyvault-keys.md §3.7-§3.8), the rotation policy
 * (§3.9), and reading a PEM private key into JWK parts for import (GnuTLS). Plaintexts, keys and
 * signatures travel base64url-encoded in JSON; every buffer that held one is wiped. */
#include <cjson/cJSON.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kv-int.h"

void kv_crypto_result_free(struct kv_crypto_result *r)
{
    if (!r)
        return;
    free(r->kid);
    cx_wipe_free(r->value.data, r->value.len);
    free(r);
}

/* "/keys/{name}/{version}/{op}"; a missing version gives "/keys/{name}//{op}", the latest, which
 * the service accepts as the SDKs send it (spec §1). */
static int crypto_path(char *path, size_t n, const char *name, const char *version, const char *op,
                       struct kv_error *err)
{
    int rc = kv__check_named(name, version, "key", err);
    if (rc == KV_OK)
        kv__join(path, n,
                 (const char *const[]){"/keys/", name, "/", version ? version : "", "/", op, NULL});
    return rc;
}

/* Adds a byte string as unpadded base64url, wiping the encoded copy. */
static bool add_b64url(cJSON *o, const char *key, const void *data, size_t len)
{
    char *s = cx_b64url_encode(data, len);
    bool ok = s && cJSON_AddStringToObject(o, key, s);
    cx_free_wiped(s);
    return ok;
}

/* {"alg":alg,"value":base64url(data)} exactly as cJSON prints it, written directly: a tree, its
 * print and its wiped delete cost more than the rest of the library's own work on a sign
 * (docs/performance.md). NULL when alg needs JSON escaping (no algorithm name does; the cJSON
 * path then writes it) or out of memory. Wipe the result. */
static char *crypto_body(const char *alg, const void *data, size_t len)
{
    char *value, *body = NULL;

    for (const char *p = alg; *p; p++)
        if ((unsigned char)*p < 32 || *p == '"' || *p == '\\')
            return NULL;
    if ((value = cx_b64url_encode(data, len))) {
        body = kv__concat(
            (const char *const[]){"{\"alg\":\"", alg, "\",\"value\":\"", value, "\"}", NULL});
        cx_free_wiped(value);
    }
    return body;
}

/* encrypt, decrypt, wrapkey, unwrapkey and sign: {"alg","value"} out, {"kid","value"} in. */
static int crypto_op(struct kv_client *c, const char *what, const char *op, const char *name,
                     const char *version, const char *alg, const void *data, size_t len,
                     struct kv_crypto_result **out, struct kv_error *err)
{
    char path[256];
    cJSON *root = NULL;
    struct kv_crypto_result *r = NULL;
    bool ok = true;
    int rc;
    if (out)
        *out = NULL;
    if ((rc = crypto_path(path, sizeof path, name, version, op, err)) != KV_OK)
        return rc;
    if (!alg || !*alg || (!data && len))
        return kv__fail(err, KV_E_INVALID_ARG, "%s needs an algorithm and a value", what);
    char *body = crypto_body(alg, data, len);
    if (body) {
        rc = kv__vault_json(c, what, "POST", path, body, &root, err);
        cx_free_wiped(body);
    } else {
        cJSON *o = cJSON_CreateObject();
        bool built =
            o && cJSON_AddStringToObject(o, "alg", alg) && add_b64url(o, "value", data, len);
        rc = kv__send_json(c, what, "POST", path, o, built, &root, err);
    }
    if (rc != KV_OK)
        goto out;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "value");
    if (!cJSON_IsString(v) || !v->valuestring) {
        rc = kv__fail(err, KV_E_PROTOCOL, "the %s response has no value", what);
        goto out;
    }
    rc = KV_E_NOMEM;
    if (!(r = calloc(1, sizeof *r)))
        goto out;
    r->kid = kv__json_strdup(root, "kid", &ok);
    size_t vlen = strlen(v->valuestring);
    r->value.data = cx_b64url_decode(v->valuestring, vlen, &r->value.len);
    if (!r->value.data && !cx_b64_valid(v->valuestring, vlen, CX_B64_URL | CX_B64_PAD_OPTIONAL)) {
        rc = kv__fail(err, KV_E_PROTOCOL, "the %s response's value is not base64url", what);
        goto out;
    }
    if (!ok || !r->value.data)
        goto out;
    rc = KV_OK;
    if (out) {
        *out = r;
        r = NULL;
    }
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory");
    kv_crypto_result_free(r);
    if (root)
        kv__json_delete_wipe(root);
    return rc;
}

int kv_key_encrypt(struct kv_client *c, const char *name, const char *version, const char *alg,
                   const void *data, size_t len, struct kv_crypto_result **out,
                   struct kv_error *err)
{
    return crypto_op(c, "Encrypt", "encrypt", name, version, alg, data, len, out, err);
}

int kv_key_decrypt(struct kv_client *c, const char *name, const char *version, const char *alg,
                   const void *data, size_t len, struct kv_crypto_result **out,
                   struct kv_error *err)
{
    return crypto_op(c, "Decrypt", "decrypt", name, version, alg, data, len, out, err);
}

int kv_key_wrap(struct kv_client *c, const char *name, const char *version, const char *alg,
                const void *data, size_t len, struct kv_crypto_result **out, struct kv_error *err)
{
    /* The service's paths are lower case (spec §1, recorded). */
    return crypto_op(c, "WrapKey", "wrapkey", name, version, alg, data, len, out, err);
}

int kv_key_unwrap(struct kv_client *c, const char *name, const char *version, const char *alg,
                  const void *data, size_t len, struct kv_crypto_result **out, struct kv_error *err)
{
    return crypto_op(c, "UnwrapKey", "unwrapkey", name, version, alg, data, len, out, err);
}

int kv_key_sign(struct kv_client *c, const char *name, const char *version, const char *alg,
                const void *digest, size_t len, struct kv_crypto_result **out, struct kv_error *err)
{
    return crypto_op(c, "Sign", "sign", name, version, alg, digest, len, out, err);
}

int kv_key_verify(struct kv_client *c, const char *name, const char *version, const char *alg,
                  const void *digest, size_t digest_len, const void *signature,
                  size_t signature_len, int *valid, struct kv_error *err)
{
    char path[256];
    cJSON *root = NULL;
    int rc;
    if (valid)
        *valid = 0;
    if ((rc = crypto_path(path, sizeof path, name, version, "verify", err)) != KV_OK)
        return rc;
    if (!valid || !alg || !*alg || !digest || !signature)
        return kv__fail(err, KV_E_INVALID_ARG,
                        "Verify needs an algorithm, a digest, a signature "
                        "and somewhere to put the answer");
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddStringToObject(o, "alg", alg) &&
                 add_b64url(o, "digest", digest, digest_len) &&
                 add_b64url(o, "value", signature, signature_len);
    if ((rc = kv__send_json(c, "Verify", "POST", path, o, built, &root, err)) != KV_OK)
        goto out;
    /* {"value":true} with no kid (spec §3.8). */
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "value");
    if (!cJSON_IsBool(v))
        rc = kv__fail(err, KV_E_PROTOCOL, "the Verify response's value is not a boolean");
    else
        *valid = cJSON_IsTrue(v);
out:
    if (root)
        kv__json_delete_wipe(root);
    return rc;
}

/* ----- Rotation policy -------------------------------------------------------------------------
 */

void kv_rotation_policy_free(struct kv_rotation_policy *p)
{
    if (!p)
        return;
    free(p->id);
    for (size_t i = 0; i < p->n_actions; i++) {
        free(p->actions[i].type);
        free(p->actions[i].time_after_create);
        free(p->actions[i].time_before_expiry);
    }
    free(p->actions);
    free(p->expiry_time);
    free(p);
}

int kv__rotation_policy_from_json(const cJSON *o, struct kv_rotation_policy **out,
                                  struct kv_error *err)
{
    struct kv_rotation_policy *p = calloc(1, sizeof *p);
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(o, "lifetimeActions"), *it;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    const char *what = "the rotation policy";
    bool ok = p != NULL;
    int rc = KV_E_NOMEM;
    *out = NULL;
    if (!cJSON_IsObject(o)) {
        rc = kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
        goto out;
    }
    if (!ok)
        goto out;
    p->id = kv__json_strdup(o, "id", &ok);
    p->expiry_time = kv__json_strdup(a, "expiryTime", &ok);
    if (kv__json_int64(cJSON_GetObjectItemCaseSensitive(a, "created"), false, KV__TIME_MIN,
                       KV__TIME_MAX, &p->created) == KV__NUM_BAD ||
        kv__json_int64(cJSON_GetObjectItemCaseSensitive(a, "updated"), false, KV__TIME_MIN,
                       KV__TIME_MAX, &p->updated) == KV__NUM_BAD) {
        rc = kv__fail(err, KV_E_PROTOCOL,
                      "%s: attributes.created or updated is not a time within the years 1 to "
                      "9999",
                      what);
        goto out;
    }
    size_t n = cJSON_IsArray(acts) ? (size_t)cJSON_GetArraySize(acts) : 0;
    if (ok && n && !(p->actions = calloc(n, sizeof *p->actions)))
        ok = false;
    /* Only an array's members are actions (an object's would overrun the n slots). */
    const cJSON *list = n ? acts : NULL;
    cJSON_ArrayForEach(it, list) {
        if (!ok)
            break;
        const cJSON *trig = cJSON_GetObjectItemCaseSensitive(it, "trigger");
        struct kv_lifetime_action *la = &p->actions[p->n_actions++];
        la->type = kv__json_strdup(cJSON_GetObjectItemCaseSensitive(it, "action"), "type", &ok);
        la->time_after_create = kv__json_strdup(trig, "timeAfterCreate", &ok);
        la->time_before_expiry = kv__json_strdup(trig, "timeBeforeExpiry", &ok);
    }
    if (!ok)
        goto out;
    *out = p;
    p = NULL;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_rotation_policy_free(p);
    return rc;
}

static int policy_call(struct kv_client *c, const char *what, const char *method, const char *name,
                       cJSON *o, bool built, struct kv_rotation_policy **out, struct kv_error *err)
{
    char path[200];
    cJSON *root = NULL;
    int rc;
    if (out)
        *out = NULL;
    if ((rc = kv__check_name(name, "key", err)) != KV_OK) {
        if (o)
            cJSON_Delete(o);
        return rc;
    }
    snprintf(path, sizeof path, "/keys/%s/rotationpolicy", name);
    rc = kv__send_json(c, what, method, path, o, built, out ? &root : NULL, err);
    if (rc == KV_OK && out)
        rc = kv__rotation_policy_from_json(root, out, err);
    if (root)
        kv__json_delete_wipe(root);
    return rc;
}

int kv_key_rotation_policy_get(struct kv_client *c, const char *name,
                               struct kv_rotation_policy **out, struct kv_error *err)
{
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "out is NULL");
    return policy_call(c, "GetKeyRotationPolicy", "GET", name, NULL, true, out, err);
}

/* One lifetime action as the service reads it. */
static bool add_action(cJSON *arr, const struct kv_lifetime_action *la)
{
    cJSON *it = cJSON_CreateObject();
    cJSON *trig = it ? cJSON_AddObjectToObject(it, "trigger") : NULL;
    cJSON *act = it ? cJSON_AddObjectToObject(it, "action") : NULL;
    bool ok = trig && act && la->type && cJSON_AddStringToObject(act, "type", la->type) &&
              (!la->time_after_create ||
               cJSON_AddStringToObject(trig, "timeAfterCreate", la->time_after_create)) &&
              (!la->time_before_expiry ||
               cJSON_AddStringToObject(trig, "timeBeforeExpiry", la->time_before_expiry));
    if (!ok || !cJSON_AddItemToArray(arr, it)) {
        cJSON_Delete(it);
        return false;
    }
    return true;
}

int kv_key_rotation_policy_set(struct kv_client *c, const char *name,
                               const struct kv_rotation_policy *policy,
                               struct kv_rotation_policy **out, struct kv_error *err)
{
    kv__error_clear(err);
    if (!policy || (policy->n_actions && !policy->actions))
        return kv__fail(err, KV_E_INVALID_ARG, "a rotation policy is required");
    for (size_t i = 0; i < policy->n_actions; i++)
        if (!policy->actions[i].type)
            return kv__fail(err, KV_E_INVALID_ARG, "lifetime action %zu has no type", i);
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "lifetimeActions") : NULL;
    bool built = arr != NULL;
    for (size_t i = 0; built && i < policy->n_actions; i++)
        built = add_action(arr, &policy->actions[i]);
    if (built && policy->expiry_time) {
        cJSON *a = cJSON_AddObjectToObject(o, "attributes");
        built = a && cJSON_AddStringToObject(a, "expiryTime", policy->expiry_time);
    }
    return policy_call(c, "UpdateKeyRotationPolicy", "PUT", name, o, built, out, err);
}

/* ----- PEM to JWK ------------------------------------------------------------------------------
 */

void kv_jwk_free(struct kv_jwk *j)
{
    if (!j)
        return;
    free(j->kty);
    free(j->crv);
    struct kv_bytes *parts[] = {&j->n,  &j->e,  &j->d,  &j->p, &j->q,
                                &j->dp, &j->dq, &j->qi, &j->x, &j->y};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        cx_wipe_free(parts[i]->data, parts[i]->len);
    free(j);
}

/* Moves a GnuTLS number (no leading zeros) into b, left-padded with zeros to width bytes when
 * width is not 0 (EC coordinates and d are fixed width in a JWK, spec §2); wipes the datum.
 * False when out of memory or the number is wider than width. */
static bool take(gnutls_datum_t *d, struct kv_bytes *b, size_t width)
{
    size_t len = width ? width : d->size;
    bool ok = d->size <= len && (b->data = calloc(1, len ? len : 1)) != NULL;
    if (ok) {
        memcpy(b->data + (len - d->size), d->data, d->size);
        b->len = len;
    }
    if (d->data) {
        cx_wipe(d->data, d->size);
        gnutls_free(d->data);
    }
    d->data = NULL;
    d->size = 0;
    return ok;
}

static int jwk_rsa(gnutls_privkey_t k, struct kv_jwk *j)
{
    gnutls_datum_t m = {0}, e = {0}, d = {0}, p = {0}, q = {0}, u = {0}, e1 = {0}, e2 = {0};
    if (gnutls_privkey_export_rsa_raw2(k, &m, &e, &d, &p, &q, &u, &e1, &e2,
                                       GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
        return KV_E_INVALID_ARG;
    /* GnuTLS's coefficient u is q^-1 mod p, the JWK's qi (RFC 7518 §6.3.2.6). Every take runs,
     * whatever the others gave, since each wipes its datum. */
    gnutls_datum_t *from[] = {&m, &e, &d, &p, &q, &u, &e1, &e2};
    struct kv_bytes *to[] = {&j->n, &j->e, &j->d, &j->p, &j->q, &j->qi, &j->dp, &j->dq};
    bool ok = true;
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
        ok = take(from[i], to[i], 0) && ok;
    j->kty = strdup("RSA");
    return ok && j->kty ? KV_OK : KV_E_NOMEM;
}

static int jwk_ec(gnutls_privkey_t k, struct kv_jwk *j)
{
    static const struct {
        gnutls_ecc_curve_t curve;
        const char *crv;
        size_t width;
    } curves[] = {
        {GNUTLS_ECC_CURVE_SECP256R1, "P-256", 32},
        {GNUTLS_ECC_CURVE_SECP384R1, "P-384", 48},
        {GNUTLS_ECC_CURVE_SECP521R1, "P-521", 66},
    };
    gnutls_ecc_curve_t curve;
    gnutls_datum_t x = {0}, y = {0}, d = {0};
    size_t i;
    if (gnutls_privkey_export_ecc_raw2(k, &curve, &x, &y, &d, GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
        return KV_E_INVALID_ARG;
    for (i = 0; i < sizeof curves / sizeof curves[0] && curves[i].curve != curve; i++)
        ;
    size_t w = i < sizeof curves / sizeof curves[0] ? curves[i].width : 0;
    /* Every take runs (each wipes its datum). */
    bool ok = take(&x, &j->x, w);
    ok = take(&y, &j->y, w) && ok;
    ok = take(&d, &j->d, w) && ok;
    if (!w)
        return KV_E_INVALID_ARG;
    j->kty = strdup("EC");
    j->crv = strdup(curves[i].crv);
    return ok && j->kty && j->crv ? KV_OK : KV_E_NOMEM;
}

int kv_jwk_from_pem(const char *pem, size_t len, struct kv_jwk **out, struct kv_error *err)
{
    gnutls_privkey_t k = NULL;
    struct kv_jwk *j = NULL;
    int rc = KV_E_INVALID_ARG;
    kv__error_clear(err);
    if (!out)
        return kv__fail(err, rc, "out is NULL");
    *out = NULL;
    if (!pem || !len || len > UINT32_MAX)
        return kv__fail(err, rc, "no PEM text");
    /* GnuTLS's PEM reader runs string functions over the text, past len when no NUL follows
     * (found by fuzz/fuzz-keymat in keymat.c, the same here): it reads a NUL-terminated copy,
     * wiped afterwards. */
    gnutls_datum_t data = {malloc(len + 1), (unsigned)len};
    if (!data.data || gnutls_privkey_init(&k) < 0 || !(j = calloc(1, sizeof *j))) {
        rc = KV_E_NOMEM;
        goto out;
    }
    memcpy(data.data, pem, len);
    data.data[len] = '\0';
    /* Plain PEM only: an encrypted key would need a password the import cannot ask for. */
    if (gnutls_privkey_import_x509_raw(k, &data, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN) <
        0) {
        kv__fail(err, rc, "is not an unencrypted PEM private key");
        goto out;
    }
    switch (gnutls_privkey_get_pk_algorithm(k, NULL)) {
    case GNUTLS_PK_RSA: rc = jwk_rsa(k, j); break;
    case GNUTLS_PK_ECDSA: rc = jwk_ec(k, j); break;
    default: rc = KV_E_INVALID_ARG; break;
    }
    if (rc == KV_E_INVALID_ARG)
        kv__fail(err, rc, "holds neither an RSA key nor an EC key on P-256, P-384 or P-521");
    else if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory");
    if (rc == KV_OK) {
        *out = j;
        j = NULL;
    }
out:
    kv_jwk_free(j);
    gnutls_privkey_deinit(k);
    cx_wipe_free(data.data, data.data ? len + 1 : 0);
    return rc;
}
