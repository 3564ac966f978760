/* state-certs-out.c: a vault's certificates back to the fixture format (state-certs.c reads it),
 * every field explicit so that parsing an export gives back the same data: each completed version
 * with its managed secret's value ("pfx" or "pem"), its leaf ("cer") and its managed key ("jwk",
 * "exportable", "keyOps"), so a snapshot loads without reading a PKCS#12; and one certificate
 * alone, its certificates only, for backup blobs (its key and secret travel beside it). */
#include "state-int.h"

#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "store-certs.h"

#define PEM_TYPE "application/x-pem-file"

/* Adds key: standard base64 of len bytes (the wire's "cer" and "csr" form). */
static bool put_b64(cJSON *o, const char *key, const unsigned char *b, size_t len)
{
    char *s = cx_b64_encode(b, len, 0);
    bool ok = s != NULL && cJSON_AddStringToObject(o, key, s) != NULL;
    free(s);
    return ok;
}

static const struct mv_version *version_of(const struct mv_object *o, const char *id)
{
    for (size_t i = 0; o != NULL && i < o->nversions; i++) {
        if (strcmp(o->versions[i].id, id) == 0)
            return &o->versions[i];
    }
    return NULL;
}

/* The managed secret's value and the managed key of version v (an export's, not a blob's). */
static bool put_managed(cJSON *o, const struct mv_version *v, const struct mv_object *key,
                        const struct mv_object *secret)
{
    const struct mv_version *sv = version_of(secret, v->id), *kv = version_of(key, v->id);
    if (sv != NULL && sv->value != NULL) {
        bool pem = sv->content_type != NULL && strcmp(sv->content_type, PEM_TYPE) == 0;
        if (cJSON_AddStringToObject(o, pem ? "pem" : "pfx", sv->value) == NULL)
            return false;
    }
    if (!put_b64(o, "cer", v->cert->der, v->cert->der_len))
        return false;
    if (kv == NULL || kv->key == NULL || kv->key->mat == NULL)
        return true;
    cJSON *jwk = st_jwk_to_json(kv->key->mat);
    if (jwk == NULL || !cJSON_AddItemToObject(o, "jwk", jwk)) {
        cJSON_Delete(jwk);
        return false;
    }
    cJSON *ops = cJSON_AddArrayToObject(o, "keyOps");
    if (cJSON_AddBoolToObject(o, "exportable", kv->key->exportable) == NULL || ops == NULL)
        return false;
    for (size_t i = 0; i < kv->key->nops; i++) {
        cJSON *s = kv->key->ops[i] < MV_KOP_COUNT
                       ? cJSON_CreateString(mv_key_op_names[kv->key->ops[i]])
                       : NULL;
        if (s == NULL || !cJSON_AddItemToArray(ops, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

/* key and secret NULL: a blob's version (the certificate only). */
static cJSON *version_json(const struct mv_version *v, const struct mv_object *key,
                           const struct mv_object *secret, bool blob)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok && (v->cert == NULL || v->cert->der == NULL))
        ok = cJSON_AddBoolToObject(o, "pending", true) != NULL;
    else if (ok && blob)
        ok = put_b64(o, "cer", v->cert->der, v->cert->der_len);
    else if (ok)
        ok = put_managed(o, v, key, secret);
    if (!ok || !st_put_tags(o, &v->tags) || !st_put_version_attrs(o, v)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *op_json(const struct mv_cert_op *op)
{
    cJSON *o = cJSON_CreateObject(), *err;
    if (o == NULL ||
        !cJSON_AddStringToObject(o, "issuer", op->issuer_name ? op->issuer_name : "") ||
        (op->csr != NULL && !put_b64(o, "csr", op->csr, op->csr_len)) ||
        !cJSON_AddBoolToObject(o, "cancellation_requested", op->cancellation_requested) ||
        !cJSON_AddStringToObject(o, "status", mv_cert_op_status_names[op->status]) ||
        !cJSON_AddStringToObject(o, "request_id", op->request_id) ||
        !cJSON_AddStringToObject(o, "version", op->version))
        goto fail;
    if (op->error_code != NULL || op->error_message != NULL) {
        if ((err = cJSON_AddObjectToObject(o, "error")) == NULL ||
            !cJSON_AddStringToObject(err, "code", op->error_code ? op->error_code : "") ||
            !cJSON_AddStringToObject(err, "message", op->error_message ? op->error_message : ""))
            goto fail;
    }
    if (!cJSON_AddNumberToObject(o, "created", (double)op->created) ||
        !cJSON_AddBoolToObject(o, "enabledOnComplete", op->enabled_on_complete))
        goto fail;
    if (op->mat != NULL) {
        cJSON *jwk = st_jwk_to_json(op->mat);
        if (jwk == NULL || !cJSON_AddItemToObject(o, "jwk", jwk)) {
            cJSON_Delete(jwk);
            goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* An entry of "certificates" / "deletedCertificates" (blob: of a backup blob). */
static cJSON *cert_json(const struct mv_object *c, const struct mv_object *key,
                        const struct mv_object *secret, bool blob)
{
    cJSON *o = cJSON_CreateObject(), *arr, *pj = NULL, *a;
    if (o == NULL || !cJSON_AddStringToObject(o, "name", c->name))
        goto fail;
    if (c->deleted &&
        (!cJSON_AddNumberToObject(o, "deletedDate", (double)c->deleted_date) ||
         !cJSON_AddNumberToObject(o, "scheduledPurgeDate", (double)c->scheduled_purge_date)))
        goto fail;
    if (c->policy != NULL) {
        if ((pj = mv_cert_policy_json(c->policy)) == NULL ||
            !cJSON_AddItemToObject(o, "policy", pj))
            goto fail_pj;
        pj = NULL;
        if (c->policy->actioned[0] != '\0' &&
            ((a = cJSON_AddObjectToObject(o, "actioned")) == NULL ||
             !cJSON_AddStringToObject(a, "version", c->policy->actioned) ||
             !cJSON_AddNumberToObject(a, "mask", c->policy->actioned_mask)))
            goto fail;
    }
    if (c->pending != NULL) {
        if ((pj = op_json(c->pending)) == NULL || !cJSON_AddItemToObject(o, "pending", pj))
            goto fail_pj;
        pj = NULL;
    }
    if ((arr = cJSON_AddArrayToObject(o, "versions")) == NULL)
        goto fail;
    for (size_t i = 0; i < c->nversions; i++) {
        cJSON *v = version_json(&c->versions[i], key, secret, blob);
        if (v == NULL || !cJSON_AddItemToArray(arr, v)) {
            cJSON_Delete(v);
            goto fail;
        }
    }
    return o;
fail_pj:
    cJSON_Delete(pj);
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *mv_state_cert_to_json(const struct mv_object *c)
{
    return cert_json(c, NULL, NULL, true);
}

bool st_certs_to_json(cJSON *o, const struct mv_vault *v)
{
    /* Left out when the vault has none, as fixtures without certificates write it. */
    if (v->ncerts == 0)
        return true;
    cJSON *live = cJSON_AddArrayToObject(o, "certificates");
    cJSON *deleted = cJSON_AddArrayToObject(o, "deletedCertificates");
    if (live == NULL || deleted == NULL)
        return false;
    for (size_t i = 0; i < v->ncerts; i++) {
        const struct mv_object *c = &v->certs[i];
        const struct mv_object *k = mv_vault_object(v, MV_OBJ_KEY, c->name);
        const struct mv_object *s = mv_vault_object(v, MV_OBJ_SECRET, c->name);
        cJSON *e = cert_json(c, k != NULL && st_managed(k) ? k : NULL,
                             s != NULL && st_managed(s) ? s : NULL, false);
        if (e == NULL || !cJSON_AddItemToArray(c->deleted ? deleted : live, e)) {
            cJSON_Delete(e);
            return false;
        }
    }
    return true;
}
