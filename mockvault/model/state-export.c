/* state-export.c: struct mv_data back to the fixture format, every field explicit, so that
 * parsing an export gives back the same data. */
#include "state.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "state-int.h"
#include "util.h"

/* ---- Export ---- */

static bool put_strv(cJSON *o, const char *key, char *const *v, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(o, key);
    if (arr == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i] != NULL ? v[i] : "");
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

/* Appends item to arr; on failure deletes item. */
static bool append(cJSON *arr, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static cJSON *version_to_json(const struct mv_version *v)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!st_put_str(o, "value", v->value) || !st_put_str(o, "contentType", v->content_type) ||
        !st_put_tags(o, &v->tags) || !st_put_version_attrs(o, v)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *key_version_to_json(const struct mv_version *v)
{
    const struct mv_key_info *k = v->key;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || k == NULL || k->mat == NULL)
        goto fail;
    struct mv_key_spec spec;
    mv_keymat_spec(k->mat, &spec);
    bool rsa = spec.kty == MV_KTY_RSA;
    const char *kty = rsa ? (k->hsm ? "RSA-HSM" : "RSA") : (k->hsm ? "EC-HSM" : "EC");
    if (!st_put_str(o, "kty", kty) || (rsa && !st_put_num(o, "size", spec.bits)) ||
        (!rsa && !st_put_str(o, "crv", mv_crv_name(spec.crv))))
        goto fail;
    cJSON *ops = cJSON_AddArrayToObject(o, "keyOps");
    if (ops == NULL)
        goto fail;
    for (size_t i = 0; i < k->nops; i++) {
        if (k->ops[i] >= MV_KOP_COUNT ||
            !append(ops, cJSON_CreateString(mv_key_op_names[k->ops[i]])))
            goto fail;
    }
    if (!st_put_version_attrs(o, v) || !st_put_tags(o, &v->tags) ||
        !st_put_bool(o, "exportable", k->exportable))
        goto fail;
    if (k->release != NULL) {
        cJSON *rp = cJSON_AddObjectToObject(o, "releasePolicy");
        if (rp == NULL || !st_put_str(rp, "contentType", k->release->content_type) ||
            !st_put_str(rp, "data", k->release->data) ||
            !st_put_bool(rp, "immutable", k->release->immutable))
            goto fail;
    }
    cJSON *jwk = st_jwk_to_json(k->mat);
    if (jwk == NULL || !cJSON_AddItemToObject(o, "jwk", jwk)) {
        cJSON_Delete(jwk);
        goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* The rotation policy in its wire form (spec §3.9) without the id, which names the vault's host,
 * plus the Notify bookkeeping a snapshot must keep. */
static cJSON *rotation_to_json(const struct mv_rotation_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o != NULL ? cJSON_AddArrayToObject(o, "lifetimeActions") : NULL;
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < p->nactions && i < 2; i++) {
        const struct mv_rotation_action *a = &p->actions[i];
        cJSON *item = cJSON_CreateObject();
        if (!append(arr, item))
            goto fail;
        cJSON *trig = cJSON_AddObjectToObject(item, "trigger");
        cJSON *act = cJSON_AddObjectToObject(item, "action");
        if (trig == NULL || act == NULL ||
            !st_put_str(trig, a->after_create ? "timeAfterCreate" : "timeBeforeExpiry",
                        a->duration) ||
            !st_put_str(act, "type", a->type == MV_ROT_ROTATE ? "Rotate" : "Notify"))
            goto fail;
    }
    cJSON *attrs = cJSON_AddObjectToObject(o, "attributes");
    if (attrs == NULL || (p->has_expiry && !st_put_str(attrs, "expiryTime", p->expiry)) ||
        !st_put_num(attrs, "created", p->created) || !st_put_num(attrs, "updated", p->updated))
        goto fail;
    if (p->notified[0] != '\0' && !st_put_str(o, "notifiedVersion", p->notified))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* An entry of a family's list: name, deletion dates, versions (each by version_fn). */
static cJSON *object_to_json(const struct mv_object *s,
                             cJSON *(*version_fn)(const struct mv_version *))
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!st_put_str(o, "name", s->name))
        goto fail;
    if (s->deleted && (!st_put_num(o, "deletedDate", s->deleted_date) ||
                       !st_put_num(o, "scheduledPurgeDate", s->scheduled_purge_date)))
        goto fail;
    cJSON *arr = cJSON_AddArrayToObject(o, "versions");
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < s->nversions; i++) {
        if (!append(arr, version_fn(&s->versions[i])))
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *mv_state_secret_to_json(const struct mv_object *s)
{
    return object_to_json(s, version_to_json);
}

cJSON *mv_state_key_to_json(const struct mv_object *s)
{
    cJSON *o = object_to_json(s, key_version_to_json);
    if (o != NULL && s->rotation != NULL &&
        !cJSON_AddItemToObject(o, "rotationPolicy", rotation_to_json(s->rotation))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *app_to_json(const struct mv_app *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!st_put_str(o, "displayName", a->display_name) ||
        !st_put_str(o, "clientId", a->client_id) || !st_put_str(o, "objectId", a->object_id))
        goto fail;
    cJSON *arr = cJSON_AddArrayToObject(o, "secrets");
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < a->nsecrets; i++) {
        cJSON *s = cJSON_CreateObject();
        if (!append(arr, s) || !st_put_str(s, "value", a->secrets[i].value) ||
            (a->secrets[i].has_expires && !st_put_num(s, "expires", a->secrets[i].expires)))
            goto fail;
    }
    if (!put_strv(o, "graphRoles", a->graph_roles, a->ngraph_roles))
        goto fail;
    /* Written inline, whatever the fixture used: a snapshot must not depend on files next to the
     * fixture. Left out when empty, as fixtures without certificates write it. */
    if (a->ncertificates > 0) {
        cJSON *certs = cJSON_AddArrayToObject(o, "certificates");
        if (certs == NULL)
            goto fail;
        for (size_t i = 0; i < a->ncertificates; i++) {
            cJSON *co = cJSON_CreateObject();
            if (!append(certs, co) || !st_put_str(co, "pem", a->certificates[i].pem))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *tenant_to_json(const struct mv_tenant *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr;
    if (o == NULL)
        return NULL;
    if (!st_put_str(o, "id", t->id) || !st_put_str(o, "domain", t->domain))
        goto fail;
    if ((arr = cJSON_AddArrayToObject(o, "applications")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->napps; i++) {
        if (!append(arr, app_to_json(&t->apps[i])))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "managedIdentities")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->nidentities; i++) {
        const struct mv_managed_identity *m = &t->identities[i];
        cJSON *mi = cJSON_CreateObject();
        if (!append(arr, mi) || !st_put_str(mi, "name", m->name) ||
            !st_put_str(mi, "clientId", m->client_id) ||
            !st_put_str(mi, "objectId", m->object_id) ||
            !st_put_bool(mi, "systemAssigned", m->system_assigned) ||
            !st_put_str(mi, "resourceId", m->resource_id))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "users")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->nusers; i++) {
        const struct mv_user *u = &t->users[i];
        cJSON *uo = cJSON_CreateObject();
        if (!append(arr, uo) || !st_put_str(uo, "id", u->id) ||
            !st_put_str(uo, "displayName", u->display_name) ||
            !st_put_str(uo, "userPrincipalName", u->user_principal_name))
            goto fail;
    }
    /* Written only when present, so fixtures without subscriptions export as they were. */
    if (t->nsubscriptions > 0) {
        if ((arr = cJSON_AddArrayToObject(o, "subscriptions")) == NULL)
            goto fail;
        for (size_t i = 0; i < t->nsubscriptions; i++) {
            cJSON *so = cJSON_CreateObject();
            if (!append(arr, so) || !st_put_str(so, "id", t->subscriptions[i].id) ||
                !st_put_str(so, "displayName", t->subscriptions[i].display_name))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* Adds perms.key: "all", or the names of the bits set. */
static bool put_perms(cJSON *perms, const char *key, unsigned bits, bool all,
                      const char *const *names)
{
    cJSON *list = cJSON_AddArrayToObject(perms, key);
    if (list == NULL)
        return false;
    /* "all" stays "all" rather than every name, so export -> import gives back the same entry. */
    if (all)
        return append(list, cJSON_CreateString("all"));
    for (size_t k = 0; names[k] != NULL; k++) {
        if ((bits & (1u << k)) != 0 && !append(list, cJSON_CreateString(names[k])))
            return false;
    }
    return true;
}

static bool put_policy(cJSON *arr, const struct mv_access_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!append(arr, o) || !st_put_str(o, "tenantId", p->tenant_id) ||
        !st_put_str(o, "objectId", p->object_id) ||
        !st_put_str(o, "applicationId", p->application_id))
        return false;
    cJSON *perms = cJSON_AddObjectToObject(o, "permissions");
    if (perms == NULL ||
        !put_perms(perms, "secrets", p->secrets, p->secrets_all, mv_secret_perm_names))
        return false;
    /* Written only when granted, so exports of secrets-only policies stay as they were. */
    return ((p->keys == 0 && !p->keys_all) ||
            put_perms(perms, "keys", p->keys, p->keys_all, mv_key_perm_names)) &&
           ((p->certs == 0 && !p->certs_all) ||
            put_perms(perms, "certificates", p->certs, p->certs_all, mv_cert_perm_names));
}

static cJSON *vault_to_json(const struct mv_vault *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr;
    if (o == NULL)
        return NULL;
    if (!st_put_str(o, "name", v->name) || !st_put_str(o, "tenantId", v->tenant_id) ||
        !st_put_str(o, "location", v->location) ||
        !put_strv(o, "aliases", v->aliases, v->naliases) ||
        !st_put_str(o, "permissionModel", v->model == MV_MODEL_RBAC ? "rbac" : "accessPolicy"))
        goto fail;
    cJSON *soft = cJSON_AddObjectToObject(o, "softDelete");
    if (soft == NULL || !st_put_num(soft, "retentionDays", v->retention_days) ||
        !st_put_bool(soft, "purgeProtection", v->purge_protection))
        goto fail;
    if ((arr = cJSON_AddArrayToObject(o, "accessPolicies")) == NULL)
        goto fail;
    for (size_t i = 0; i < v->npolicies; i++) {
        if (!put_policy(arr, &v->policies[i]))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "roleAssignments")) == NULL)
        goto fail;
    for (size_t i = 0; i < v->nroles; i++) {
        const struct mv_role_assignment *r = &v->roles[i];
        cJSON *ro = cJSON_CreateObject();
        if (!append(arr, ro) || !st_put_str(ro, "principalId", r->principal_id) ||
            !st_put_str(ro, "role", r->role) || !st_put_str(ro, "scope", r->scope))
            goto fail;
    }
    cJSON *live = cJSON_AddArrayToObject(o, "secrets");
    cJSON *deleted = cJSON_AddArrayToObject(o, "deletedSecrets");
    if (live == NULL || deleted == NULL)
        goto fail;
    /* A certificate's key and secret are implied by its entry and rebuilt from it on load
     * (spec/fixtures.md), so they are not listed here. */
    for (size_t i = 0; i < v->nsecrets; i++) {
        const struct mv_object *s = &v->secrets[i];
        if (st_managed(s))
            continue;
        if (!append(s->deleted ? deleted : live, mv_state_secret_to_json(s)))
            goto fail;
    }
    live = cJSON_AddArrayToObject(o, "keys");
    deleted = cJSON_AddArrayToObject(o, "deletedKeys");
    if (live == NULL || deleted == NULL)
        goto fail;
    for (size_t i = 0; i < v->nkeys; i++) {
        const struct mv_object *k = &v->keys[i];
        if (st_managed(k))
            continue;
        if (!append(k->deleted ? deleted : live, mv_state_key_to_json(k)))
            goto fail;
    }
    if (!st_certs_to_json(o, v) || !st_cert_meta_to_json(o, v))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* An attestation authority: certificates inline (as an app's), the JWKS as its RSA keys. */
static cJSON *authority_to_json(const struct mv_attestation_authority *a)
{
    cJSON *o = cJSON_CreateObject(), *arr, *jwks;

    if (o == NULL || !st_put_str(o, "authority", a->authority))
        goto fail;
    if (a->ncertificates > 0) {
        if ((arr = cJSON_AddArrayToObject(o, "certificates")) == NULL)
            goto fail;
        for (size_t i = 0; i < a->ncertificates; i++) {
            cJSON *co = cJSON_CreateObject();
            if (!append(arr, co) || !st_put_str(co, "pem", a->certificates[i].pem))
                goto fail;
        }
    }
    if (a->nkeys > 0) {
        if ((jwks = cJSON_AddObjectToObject(o, "jwks")) == NULL ||
            (arr = cJSON_AddArrayToObject(jwks, "keys")) == NULL)
            goto fail;
        for (size_t i = 0; i < a->nkeys; i++) {
            cJSON *k = cJSON_CreateObject();
            if (!append(arr, k) || !st_put_str(k, "kty", "RSA") ||
                !st_put_str(k, "kid", a->keys[i].kid) || !st_put_str(k, "n", a->keys[i].n) ||
                !st_put_str(k, "e", a->keys[i].e))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *mv_state_export(const struct mv_data *d)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr;
    if (root == NULL)
        return NULL;
    if (d == NULL)
        return root;
    if (!st_put_str(root, "defaultVault", d->default_vault))
        goto fail;
    if ((arr = cJSON_AddArrayToObject(root, "tenants")) == NULL)
        goto fail;
    for (size_t i = 0; i < d->ntenants; i++) {
        if (!append(arr, tenant_to_json(&d->tenants[i])))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(root, "vaults")) == NULL)
        goto fail;
    for (size_t i = 0; i < d->nvaults; i++) {
        if (!append(arr, vault_to_json(&d->vaults[i])))
            goto fail;
    }
    /* Left out when empty, as fixtures without Secure Key Release write it. */
    if (d->nauthorities > 0) {
        if ((arr = cJSON_AddArrayToObject(root, "attestationAuthorities")) == NULL)
            goto fail;
        for (size_t i = 0; i < d->nauthorities; i++) {
            if (!append(arr, authority_to_json(&d->authorities[i])))
                goto fail;
        }
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}
