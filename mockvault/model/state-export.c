/* state-export.c: struct mv_data back to the fixture format, every field explicit, so that
 * parsing an export gives back the same data. */
#include "state.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- Export ---- */

/* Each put_* adds one member and returns false when out of memory. A NULL string is left out:
 * that is how the optional fields (contentType, resourceId, ...) say "absent". */
static bool put_str(cJSON *o, const char *key, const char *s)
{
    return s == NULL || cJSON_AddStringToObject(o, key, s) != NULL;
}

static bool put_num(cJSON *o, const char *key, int64_t n)
{
    return cJSON_AddNumberToObject(o, key, (double)n) != NULL;
}

static bool put_bool(cJSON *o, const char *key, bool b)
{
    return cJSON_AddBoolToObject(o, key, b) != NULL;
}

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
    if (!put_str(o, "value", v->value) || !put_str(o, "contentType", v->content_type))
        goto fail;
    if (v->tags.present) {
        cJSON *tags = cJSON_AddObjectToObject(o, "tags");
        if (tags == NULL)
            goto fail;
        for (size_t i = 0; i < v->tags.n; i++) {
            if (!put_str(tags, v->tags.items[i].name, v->tags.items[i].value))
                goto fail;
        }
    }
    if (!put_bool(o, "enabled", v->enabled) || (v->has_nbf && !put_num(o, "nbf", v->nbf)) ||
        (v->has_exp && !put_num(o, "exp", v->exp)) || !put_num(o, "created", v->created) ||
        !put_num(o, "updated", v->updated) || !put_str(o, "id", v->id))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *mv_state_secret_to_json(const struct mv_object *s)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!put_str(o, "name", s->name))
        goto fail;
    if (s->deleted && (!put_num(o, "deletedDate", s->deleted_date) ||
                       !put_num(o, "scheduledPurgeDate", s->scheduled_purge_date)))
        goto fail;
    cJSON *arr = cJSON_AddArrayToObject(o, "versions");
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < s->nversions; i++) {
        if (!append(arr, version_to_json(&s->versions[i])))
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *app_to_json(const struct mv_app *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!put_str(o, "displayName", a->display_name) || !put_str(o, "clientId", a->client_id) ||
        !put_str(o, "objectId", a->object_id))
        goto fail;
    cJSON *arr = cJSON_AddArrayToObject(o, "secrets");
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < a->nsecrets; i++) {
        cJSON *s = cJSON_CreateObject();
        if (!append(arr, s) || !put_str(s, "value", a->secrets[i].value) ||
            (a->secrets[i].has_expires && !put_num(s, "expires", a->secrets[i].expires)))
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
            if (!append(certs, co) || !put_str(co, "pem", a->certificates[i].pem))
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
    if (!put_str(o, "id", t->id) || !put_str(o, "domain", t->domain))
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
        if (!append(arr, mi) || !put_str(mi, "name", m->name) ||
            !put_str(mi, "clientId", m->client_id) || !put_str(mi, "objectId", m->object_id) ||
            !put_bool(mi, "systemAssigned", m->system_assigned) ||
            !put_str(mi, "resourceId", m->resource_id))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "users")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->nusers; i++) {
        const struct mv_user *u = &t->users[i];
        cJSON *uo = cJSON_CreateObject();
        if (!append(arr, uo) || !put_str(uo, "id", u->id) ||
            !put_str(uo, "displayName", u->display_name) ||
            !put_str(uo, "userPrincipalName", u->user_principal_name))
            goto fail;
    }
    /* Written only when present, so fixtures without subscriptions export as they were. */
    if (t->nsubscriptions > 0) {
        if ((arr = cJSON_AddArrayToObject(o, "subscriptions")) == NULL)
            goto fail;
        for (size_t i = 0; i < t->nsubscriptions; i++) {
            cJSON *so = cJSON_CreateObject();
            if (!append(arr, so) || !put_str(so, "id", t->subscriptions[i].id) ||
                !put_str(so, "displayName", t->subscriptions[i].display_name))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static bool put_policy(cJSON *arr, const struct mv_access_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!append(arr, o) || !put_str(o, "tenantId", p->tenant_id) ||
        !put_str(o, "objectId", p->object_id) || !put_str(o, "applicationId", p->application_id))
        return false;
    cJSON *perms = cJSON_AddObjectToObject(o, "permissions");
    cJSON *list = perms != NULL ? cJSON_AddArrayToObject(perms, "secrets") : NULL;
    if (list == NULL)
        return false;
    /* "all" stays "all" rather than eight names, so export -> import gives back the same entry. */
    if (p->secrets_all)
        return append(list, cJSON_CreateString("all"));
    for (size_t k = 0; mv_secret_perm_names[k] != NULL; k++) {
        if ((p->secrets & (1u << k)) != 0 &&
            !append(list, cJSON_CreateString(mv_secret_perm_names[k])))
            return false;
    }
    return true;
}

static cJSON *vault_to_json(const struct mv_vault *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr;
    if (o == NULL)
        return NULL;
    if (!put_str(o, "name", v->name) || !put_str(o, "tenantId", v->tenant_id) ||
        !put_str(o, "location", v->location) || !put_strv(o, "aliases", v->aliases, v->naliases) ||
        !put_str(o, "permissionModel", v->model == MV_MODEL_RBAC ? "rbac" : "accessPolicy"))
        goto fail;
    cJSON *soft = cJSON_AddObjectToObject(o, "softDelete");
    if (soft == NULL || !put_num(soft, "retentionDays", v->retention_days) ||
        !put_bool(soft, "purgeProtection", v->purge_protection))
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
        if (!append(arr, ro) || !put_str(ro, "principalId", r->principal_id) ||
            !put_str(ro, "role", r->role) || !put_str(ro, "scope", r->scope))
            goto fail;
    }
    cJSON *live = cJSON_AddArrayToObject(o, "secrets");
    cJSON *deleted = cJSON_AddArrayToObject(o, "deletedSecrets");
    if (live == NULL || deleted == NULL)
        goto fail;
    for (size_t i = 0; i < v->nsecrets; i++) {
        const struct mv_object *s = &v->secrets[i];
        if (!append(s->deleted ? deleted : live, mv_state_secret_to_json(s)))
            goto fail;
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
    if (!put_str(root, "defaultVault", d->default_vault))
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
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}
