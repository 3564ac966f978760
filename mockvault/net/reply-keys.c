/* reply-keys.c: the keys family's bodies (spec/keyvault-keys.md §2, §3): key bundles in the
 * recorded key order, list pages, crypto results and rotation policies. The JWK is built from the
 * public parts only (mv_keymat_public): no d, p, q, dp, dq or qi can reach a body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "keymat.h"
#include "reply.h"

/* api-version ranks (mv_api_version_rank) of the versions that added attributes (spec §2). */
static bool api_at_least(const struct mv_req *r, const char *v)
{
    return mv_api_version_at_least(r->api_version, v);
}

static void add_url(cJSON *o, const char *key, const struct mv_req *r, const char *kind,
                    const char *name, const char *version)
{
    char url[800];

    if (version)
        snprintf(url, sizeof url, "%s/%s/%s/%s", r->base_url, kind, name, version);
    else
        snprintf(url, sizeof url, "%s/%s/%s", r->base_url, kind, name);
    cJSON_AddStringToObject(o, key, url);
}

/* base64url without padding of len bytes as key's value; false when out of memory. */
static bool add_b64(cJSON *o, const char *key, const unsigned char *data, size_t len)
{
    char *t = cx_b64url_encode(data, len);

    if (!t)
        return false;
    cJSON_AddStringToObject(o, key, t);
    free(t);
    return true;
}

static const char *kty_name(const struct mv_key_info *k)
{
    bool ec = mv_keymat_kty(k->mat) == MV_KTY_EC;
    return ec ? (k->hsm ? "EC-HSM" : "EC") : (k->hsm ? "RSA-HSM" : "RSA");
}

/* The JWK: kid, kty, key_ops, then n, e (RSA) or crv, x, y (EC) [REC]. */
static bool add_jwk(cJSON *root, const struct mv_req *r, const struct mv_object_view *kv)
{
    const struct mv_key_info *k = kv->v.key;
    cJSON *key = cJSON_AddObjectToObject(root, "key");
    cJSON *ops;
    struct mv_jwk_out pub;
    bool ok = false;

    memset(&pub, 0, sizeof pub);
    add_url(key, "kid", r, "keys", kv->name, kv->v.id);
    cJSON_AddStringToObject(key, "kty", kty_name(k));
    ops = cJSON_AddArrayToObject(key, "key_ops");
    for (size_t i = 0; i < k->nops; i++)
        if (k->ops[i] < MV_KOP_COUNT)
            cJSON_AddItemToArray(ops, cJSON_CreateString(mv_key_op_names[k->ops[i]]));
    if (mv_keymat_public(k->mat, &pub) != MV_KM_OK)
        goto out;
    if (pub.kty == MV_KTY_RSA) {
        ok = add_b64(key, "n", pub.n, pub.n_len) && add_b64(key, "e", pub.e, pub.e_len);
    } else {
        cJSON_AddStringToObject(key, "crv", mv_crv_name(pub.crv));
        ok = add_b64(key, "x", pub.x, pub.x_len) && add_b64(key, "y", pub.y, pub.y_len);
    }
out:
    mv_jwk_out_finish(&pub);
    return ok;
}

/* attributes: enabled, key_size, nbf, exp, created, updated, recoveryLevel, recoverableDays,
 * exportable, hsmPlatform [REC R-PY26]. */
static void add_attributes(cJSON *root, const struct mv_req *r, const struct mv_object_view *kv)
{
    const struct mv_version *v = &kv->v;
    cJSON *a = cJSON_AddObjectToObject(root, "attributes");

    cJSON_AddBoolToObject(a, "enabled", v->enabled);
    if (mv_keymat_kty(v->key->mat) == MV_KTY_RSA && api_at_least(r, "2025-07-01"))
        cJSON_AddNumberToObject(a, "key_size", mv_keymat_bits(v->key->mat));
    if (v->has_nbf)
        cJSON_AddNumberToObject(a, "nbf", (double)v->nbf);
    if (v->has_exp)
        cJSON_AddNumberToObject(a, "exp", (double)v->exp);
    cJSON_AddNumberToObject(a, "created", (double)v->created);
    cJSON_AddNumberToObject(a, "updated", (double)v->updated);
    cJSON_AddStringToObject(a, "recoveryLevel",
                            mv_recovery_level(kv->retention_days, kv->purge_protection));
    if (api_at_least(r, "7.1-preview")) /* as secrets: docs/api-versions.md */
        cJSON_AddNumberToObject(a, "recoverableDays", kv->retention_days);
    if (api_at_least(r, "7.4"))
        cJSON_AddBoolToObject(a, "exportable", v->key->exportable);
    if (api_at_least(r, "7.5"))
        cJSON_AddStringToObject(a, "hsmPlatform", v->key->hsm ? "2" : "0");
}

static void add_tags(cJSON *root, const struct mv_tags *t)
{
    cJSON *o;

    if (!t->present)
        return;
    o = cJSON_AddObjectToObject(root, "tags");
    for (size_t i = 0; i < t->n; i++)
        cJSON_AddStringToObject(o, t->items[i].name, t->items[i].value);
}

static cJSON *key_json(const struct mv_req *r, const struct mv_object_view *kv, unsigned shape)
{
    cJSON *root = cJSON_CreateObject();
    const struct mv_release_policy *rp = kv->v.key ? kv->v.key->release : NULL;

    if (!root || !kv->v.key)
        goto fail;
    if (shape & MV_KEY_DELETED) {
        add_url(root, "recoveryId", r, "deletedkeys", kv->name, NULL);
        cJSON_AddNumberToObject(root, "deletedDate", (double)kv->deleted_date);
        cJSON_AddNumberToObject(root, "scheduledPurgeDate", (double)kv->scheduled_purge_date);
    }
    if (shape & MV_KEY_ITEM) {
        add_url(root, "kid", r, "keys", kv->name, (shape & MV_KEY_BASE_ID) ? NULL : kv->v.id);
    } else if (!add_jwk(root, r, kv)) {
        goto fail;
    }
    add_attributes(root, r, kv);
    add_tags(root, &kv->v.tags);
    /* A certificate's key (certificates spec §1); after tags, in SPEC order [UNCERTAIN]. */
    if (kv->v.managed)
        cJSON_AddBoolToObject(root, "managed", true);
    if (rp && !(shape & MV_KEY_ITEM)) {
        cJSON *o = cJSON_AddObjectToObject(root, "release_policy");
        cJSON_AddStringToObject(o, "contentType",
                                rp->content_type ? rp->content_type
                                                 : "application/json; charset=utf-8");
        cJSON_AddStringToObject(o, "data", rp->data ? rp->data : "");
        cJSON_AddBoolToObject(o, "immutable", rp->immutable);
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

cJSON *mv_reply_key_json(const struct mv_req *r, const struct mv_object_view *kv)
{
    return key_json(r, kv, 0);
}

enum MHD_Result mv_reply_key(struct mv_req *r, const struct mv_object_view *kv, unsigned shape)
{
    cJSON *j = key_json(r, kv, shape);

    return j ? mv_reply_json(r, MHD_HTTP_OK, j) : mv_reply_oom(r);
}

enum MHD_Result mv_reply_key_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                  unsigned shape, const char *next_link)
{
    return mv_reply_view_page(r, items, n, shape | MV_KEY_ITEM, next_link, key_json);
}

enum MHD_Result mv_reply_key_verify(struct mv_req *r, bool valid)
{
    cJSON *root = cJSON_CreateObject();

    cJSON_AddBoolToObject(root, "value", valid);
    return mv_reply_json(r, MHD_HTTP_OK, root);
}

enum MHD_Result mv_reply_value(struct mv_req *r, const char *text)
{
    cJSON *root = cJSON_CreateObject();

    cJSON_AddStringToObject(root, "value", text);
    return mv_reply_json(r, MHD_HTTP_OK, root);
}

static void add_action(cJSON *arr, const struct mv_rotation_action *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *t = cJSON_AddObjectToObject(o, "trigger");

    cJSON_AddStringToObject(t, a->after_create ? "timeAfterCreate" : "timeBeforeExpiry",
                            a->duration);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "action"), "type",
                            a->type == MV_ROT_ROTATE ? "Rotate" : "Notify");
    cJSON_AddItemToArray(arr, o);
}

enum MHD_Result mv_reply_rotation_policy(struct mv_req *r, const char *name,
                                         const struct mv_rotation_policy *p)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr, *a;

    if (!p) {
        /* Never set: the 106-byte default of REC R-NET24, no id and an explicit null. */
        struct mv_rotation_action notify = {MV_ROT_NOTIFY, false, "P30D", 30 * 86400};
        add_action(cJSON_AddArrayToObject(root, "lifetimeActions"), &notify);
        cJSON_AddNullToObject(root, "attributes");
        return mv_reply_json(r, MHD_HTTP_OK, root);
    }
    add_url(root, "id", r, "keys", name, "rotationpolicy");
    arr = cJSON_AddArrayToObject(root, "lifetimeActions");
    for (size_t i = 0; i < p->nactions && i < 2; i++)
        add_action(arr, &p->actions[i]);
    a = cJSON_AddObjectToObject(root, "attributes");
    if (p->has_expiry)
        cJSON_AddStringToObject(a, "expiryTime", p->expiry);
    cJSON_AddNumberToObject(a, "created", (double)p->created);
    cJSON_AddNumberToObject(a, "updated", (double)p->updated);
    return mv_reply_json(r, MHD_HTTP_OK, root);
}
