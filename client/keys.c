/* keys.c: the Key Vault key operations that manage keys (create, import, get, update, delete,
 * recover, purge, backup, restore, rotate) and the key pager: request bodies out, KeyBundle /
 * KeyItem / DeletedKeyBundle in (spec/keyvault-keys.md §1-§3). The cryptographic operations and
 * the rotation policy are in keys-crypto.c. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kv-int.h"

static void bytes_free(struct kv_bytes *b)
{
    cx_wipe_free(b->data, b->len);
    b->data = NULL;
    b->len = 0;
}

void kv_key_free(struct kv_key *k)
{
    if (!k)
        return;
    free(k->id);
    free(k->name);
    free(k->version);
    free(k->kty);
    for (size_t i = 0; i < k->n_key_ops; i++)
        free(k->key_ops[i]);
    free(k->key_ops);
    free(k->crv);
    bytes_free(&k->n);
    bytes_free(&k->e);
    bytes_free(&k->x);
    bytes_free(&k->y);
    free(k->recovery_level);
    free(k->hsm_platform);
    kv__tags_free(k->tags, k->n_tags);
    free(k->recovery_id);
    free(k);
}

void kv_key_props_init(struct kv_key_props *p)
{
    memset(p, 0, sizeof *p);
    p->enabled = -1;
}

/* A base64url member of the JWK into b (left empty when absent). KV_E_PROTOCOL when it is not a
 * string of canonical base64url (the service's encoding, spec §2). */
static int jwk_part(const cJSON *jwk, const char *key, const char *what, struct kv_bytes *b,
                    struct kv_error *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(jwk, key);
    if (!it || cJSON_IsNull(it))
        return KV_OK;
    if (!cJSON_IsString(it) || !it->valuestring)
        return kv__fail(err, KV_E_PROTOCOL, "%s: key.%s is not a string", what, key);
    size_t len = strlen(it->valuestring);
    b->data = cx_b64url_decode(it->valuestring, len, &b->len);
    if (!b->data)
        return cx_b64_valid(it->valuestring, len, CX_B64_URL | CX_B64_PAD_OPTIONAL)
                   ? kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what)
                   : kv__fail(err, KV_E_PROTOCOL, "%s: key.%s is not base64url", what, key);
    return KV_OK;
}

/* The JWK's kty, crv, key_ops and public parts (the service never sends private ones; any that
 * came would be ignored, never copied). */
static int read_jwk(const cJSON *jwk, const char *what, struct kv_key *k, struct kv_error *err)
{
    bool ok = true;
    int rc;
    k->kty = kv__json_strdup(jwk, "kty", &ok);
    k->crv = kv__json_strdup(jwk, "crv", &ok);
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(jwk, "key_ops"), *op;
    if (ok && cJSON_IsArray(ops) && cJSON_GetArraySize(ops) > 0) {
        if (!(k->key_ops = calloc((size_t)cJSON_GetArraySize(ops), sizeof *k->key_ops)))
            ok = false;
        cJSON_ArrayForEach(op, ops) {
            if (!ok)
                break;
            if (cJSON_IsString(op) && op->valuestring &&
                !(k->key_ops[k->n_key_ops++] = strdup(op->valuestring)))
                ok = false;
        }
    }
    if (!ok)
        return kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what);
    if ((rc = jwk_part(jwk, "n", what, &k->n, err)) != KV_OK ||
        (rc = jwk_part(jwk, "e", what, &k->e, err)) != KV_OK ||
        (rc = jwk_part(jwk, "x", what, &k->x, err)) != KV_OK ||
        (rc = jwk_part(jwk, "y", what, &k->y, err)) != KV_OK)
        return rc;
    return KV_OK;
}

/* The attributes only keys have: key_size (RSA, api-version 2025-07-01 on; else the bits of n),
 * exportable and hsmPlatform (spec §2). */
static int read_key_attributes(const cJSON *o, const char *what, struct kv_key *k,
                               struct kv_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    bool ok = true;
    int64_t v = 0;
    if (kv__json_int64(cJSON_GetObjectItemCaseSensitive(a, "key_size"), false, 0, 65536, &v) ==
        KV__NUM_BAD)
        return kv__fail(err, KV_E_PROTOCOL,
                        "%s: attributes.key_size is not a whole number from 0 to 65536", what);
    if (!v && k->n.len && k->n.len <= 8192)
        v = (int64_t)k->n.len * 8;
    k->key_size = (int)v;
    k->exportable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "exportable"));
    k->hsm_platform = kv__json_strdup(a, "hsmPlatform", &ok);
    return ok ? KV_OK : kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what);
}

int kv__key_from_json(const cJSON *o, const char *what, struct kv_key **out, struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv_key *k = NULL;
    struct kv__common m;
    *out = NULL;
    if (!cJSON_IsObject(o))
        return kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
    if (!(k = calloc(1, sizeof *k)))
        goto out;
    /* Bundles carry the id as key.kid, list items as kid (spec §2). */
    const cJSON *jwk = cJSON_GetObjectItemCaseSensitive(o, "key");
    k->id = kv__json_strdup(cJSON_IsObject(jwk) ? jwk : o, "kid", &ok);
    if (!k->id) {
        if (ok)
            rc = kv__fail(err, KV_E_PROTOCOL, "%s has no key id", what);
        goto out;
    }
    /* An id that is not a key identifier leaves name and version NULL; the rest still counts. */
    if (kv_key_id_parse(k->id, NULL, &k->name, &k->version, NULL) == KV_E_NOMEM)
        goto out;
    if (cJSON_IsObject(jwk) && (rc = read_jwk(jwk, what, k, err)) != KV_OK)
        goto out;
    if ((rc = read_key_attributes(o, what, k, err)) != KV_OK)
        goto out;
    if ((rc = kv__common_from_json(o, what, &m, err)) != KV_OK)
        goto out;
    KV__COMMON_MOVE(k, m);
    k->managed = m.managed;
    *out = k;
    k = NULL;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_key_free(k);
    return rc;
}

/* ----- Operations ------------------------------------------------------------------------------
 */

static int parse_key(const cJSON *root, const char *what, void *out, struct kv_error *err)
{
    struct kv_key **res = out;
    if (!root) {
        *res = NULL;
        return KV_OK;
    }
    return kv__key_from_json(root, what, res, err);
}

/* A call on one key with the calling function's client c; the format and its arguments make the
 * path once the name is checked. */
#define KEY_CALL(name, version, what, method, o, built, out, err, ...)                             \
    kv__named_call(c, "key", name, version, what, method, o, built, parse_key, out, err,           \
                   __VA_ARGS__)

/* key_ops as a JSON array member of o (key "key_ops"). */
static bool add_ops(cJSON *o, const char *const *ops, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, "key_ops");
    for (size_t i = 0; a && i < n; i++) {
        cJSON *s = ops[i] ? cJSON_CreateString(ops[i]) : NULL;
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return a != NULL;
}

/* attributes and tags of props into o; key_ops too when jwk is NULL (import puts them in the
 * JWK, as the service reads them there). */
static bool add_key_props(cJSON *o, cJSON *jwk, const struct kv_key_props *p)
{
    if (!p)
        return true;
    return (!p->set_key_ops || add_ops(jwk ? jwk : o, p->key_ops, p->n_key_ops)) &&
           kv__json_add_attributes(o, p->enabled, p->not_before, p->expires, false) &&
           (!p->set_tags || kv__json_add_tags(o, p->tags, p->n_tags));
}

int kv_key_create(struct kv_client *c, const char *name, const char *kty, int size,
                  const char *curve, const struct kv_key_props *props, struct kv_key **out,
                  struct kv_error *err)
{
    if (out)
        *out = NULL;
    if (!kty || !*kty)
        return kv__fail(err, KV_E_INVALID_ARG, "a key type (kty) is required");
    if (size < 0)
        return kv__fail(err, KV_E_INVALID_ARG, "a key size cannot be negative");
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddStringToObject(o, "kty", kty) &&
                 (!size || cJSON_AddNumberToObject(o, "key_size", size)) &&
                 (!curve || cJSON_AddStringToObject(o, "crv", curve)) &&
                 add_key_props(o, NULL, props);
    return KEY_CALL(name, NULL, "CreateKey", "POST", o, built, out, err, "/keys/%s/create", name);
}

/* Adds a JWK part as unpadded base64url when present. */
static bool add_part(cJSON *jwk, const char *key, const struct kv_bytes *b)
{
    if (!b->len)
        return true;
    char *s = cx_b64url_encode(b->data, b->len);
    bool ok = s && cJSON_AddStringToObject(jwk, key, s);
    cx_free_wiped(s);
    return ok;
}

int kv_key_import(struct kv_client *c, const char *name, const struct kv_jwk *jwk, int hsm,
                  const struct kv_key_props *props, struct kv_key **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    if (!jwk || !jwk->kty || !*jwk->kty)
        return kv__fail(err, KV_E_INVALID_ARG, "a JWK with a kty is required");
    cJSON *o = cJSON_CreateObject(), *k = o ? cJSON_AddObjectToObject(o, "key") : NULL;
    bool built =
        k && cJSON_AddStringToObject(k, "kty", jwk->kty) &&
        (!jwk->crv || cJSON_AddStringToObject(k, "crv", jwk->crv)) && add_part(k, "n", &jwk->n) &&
        add_part(k, "e", &jwk->e) && add_part(k, "d", &jwk->d) && add_part(k, "dp", &jwk->dp) &&
        add_part(k, "dq", &jwk->dq) && add_part(k, "qi", &jwk->qi) && add_part(k, "p", &jwk->p) &&
        add_part(k, "q", &jwk->q) && add_part(k, "x", &jwk->x) && add_part(k, "y", &jwk->y) &&
        (!hsm || cJSON_AddBoolToObject(o, "Hsm", 1)) && add_key_props(o, k, props);
    /* The body holds the private key: the call wipes it after sending. */
    return KEY_CALL(name, NULL, "ImportKey", "PUT", o, built, out, err, "/keys/%s", name);
}

int kv_key_get(struct kv_client *c, const char *name, const char *version, struct kv_key **out,
               struct kv_error *err)
{
    /* "/keys/{name}/" with an empty version is what the Python SDK sends for the latest. */
    return KEY_CALL(name, version, "GetKey", "GET", NULL, true, out, err, "/keys/%s/%s", name,
                    version ? version : "");
}

int kv_key_update(struct kv_client *c, const char *name, const char *version,
                  const struct kv_key_props *props, struct kv_key **out, struct kv_error *err)
{
    cJSON *o = cJSON_CreateObject();
    bool built = o && add_key_props(o, NULL, props);
    return KEY_CALL(name, version, "UpdateKey", "PATCH", o, built, out, err, "/keys/%s/%s", name,
                    version ? version : "");
}

int kv_key_delete(struct kv_client *c, const char *name, struct kv_key **out, struct kv_error *err)
{
    return KEY_CALL(name, NULL, "DeleteKey", "DELETE", NULL, true, out, err, "/keys/%s", name);
}

int kv_key_get_deleted(struct kv_client *c, const char *name, struct kv_key **out,
                       struct kv_error *err)
{
    return KEY_CALL(name, NULL, "GetDeletedKey", "GET", NULL, true, out, err, "/deletedkeys/%s",
                    name);
}

int kv_key_recover(struct kv_client *c, const char *name, struct kv_key **out, struct kv_error *err)
{
    return KEY_CALL(name, NULL, "RecoverDeletedKey", "POST", NULL, true, out, err,
                    "/deletedkeys/%s/recover", name);
}

int kv_key_purge(struct kv_client *c, const char *name, struct kv_error *err)
{
    /* 204 with no body (spec §3.4): nothing to parse. */
    return KEY_CALL(name, NULL, "PurgeDeletedKey", "DELETE", NULL, true, NULL, err,
                    "/deletedkeys/%s", name);
}

int kv_key_rotate(struct kv_client *c, const char *name, struct kv_key **out, struct kv_error *err)
{
    return KEY_CALL(name, NULL, "RotateKey", "POST", NULL, true, out, err, "/keys/%s/rotate", name);
}

int kv_key_backup(struct kv_client *c, const char *name, char **blob, struct kv_error *err)
{
    return kv__backup(c, "key", "/keys", name, "BackupKey", blob, err);
}

int kv_key_restore(struct kv_client *c, const char *blob, struct kv_key **out, struct kv_error *err)
{
    return kv__restore(c, "RestoreKey", "/keys/restore", blob, parse_key, out, err);
}

/* ----- Paging ----------------------------------------------------------------------------------
 */

int kv_key_pager_create(struct kv_client *c, enum kv_key_list_kind kind, const char *name,
                        int maxresults, struct kv_pager **out)
{
    static const char *const names[] = {"GetKeys", "GetKeyVersions", "GetDeletedKeys"};
    return kv__pager_open(c, KV__FAMILY_KEYS, names, "/keys", "/deletedkeys", (int)kind, name,
                          maxresults, out);
}

int kv_key_pager_next(struct kv_pager *p, struct kv_key **out, struct kv_error *err)
{
    kv__error_clear(err);
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "pager and out are required");
    *out = NULL;
    return kv__pager_next(p, KV__FAMILY_KEYS, parse_key, out, err);
}
