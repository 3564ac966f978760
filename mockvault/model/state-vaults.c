/* state-vaults.c: a fixture's vaults: names, tenant, aliases, permission model, soft delete,
 * access policies, role assignments and the secret lists. */
#include "state-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- Vaults ---- */

static const char *const role_names[] = {
    "Key Vault Administrator",
    "Key Vault Secrets Officer",
    "Key Vault Secrets User",
    "Key Vault Reader",
    "Key Vault Crypto Officer",
    "Key Vault Crypto User",
    "Key Vault Crypto Service Encryption User",
    "Key Vault Crypto Service Release User",
    "Key Vault Certificates Officer",
    "Key Vault Certificate User",
    NULL,
};

static const char *const vault_fields[] = {
    "name",
    "tenantId",
    "location",
    "aliases",
    "permissionModel",
    "softDelete",
    "accessPolicies",
    "roleAssignments",
    "secrets",
    "deletedSecrets",
    "keys",
    "deletedKeys",
    "certificates",
    "deletedCertificates",
    "certificateContacts",
    "certificateIssuers",
    NULL,
};
static const char *const soft_delete_fields[] = {"retentionDays", "purgeProtection", NULL};
static const char *const policy_fields[] = {
    "tenantId", "objectId", "applicationId", "permissions", NULL,
};
static const char *const permissions_fields[] = {"secrets", "keys", "certificates", NULL};
static const char *const role_fields[] = {"principalId", "role", "scope", NULL};

/* Reads permissions.key, a list of names (case-insensitive) or "all", into *bits and *all. */
static int parse_perm_list(struct pctx *c, const cJSON *perms, const char *key,
                           const char *const *names, unsigned all_bits, const char *kind,
                           unsigned *bits, bool *all)
{
    const cJSON *arr;
    int rc = -1;
    if (st_get_array(c, perms, key, &arr) != 0)
        return -1;
    size_t old = st_path_key(c, key);
    size_t i = 0;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (!cJSON_IsString(it) || it->valuestring == NULL) {
            st_fail(c, "expected a permission name, found %s", st_type_name(it));
            goto out;
        }
        const char *name = it->valuestring;
        bool known = false;
        if (cx_strcasecmp(name, "all") == 0) {
            *all = true;
            *bits = all_bits;
            known = true;
        }
        for (size_t k = 0; names[k] != NULL; k++) {
            if (cx_strcasecmp(name, names[k]) == 0) {
                *bits |= 1u << k;
                known = true;
            }
        }
        if (!known) {
            char list[512] = "";
            size_t len = 0;
            for (size_t k = 0; names[k] != NULL; k++)
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s, ", names[k]);
            st_fail(c, "unknown %s permission '%s' (allowed: %sall)", kind, st_show(name).s, list);
            goto out;
        }
        st_path_pop(c, o2);
    }
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

static int parse_permissions(struct pctx *c, const cJSON *j, struct mv_access_policy *p)
{
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(j, "permissions");
    int rc = -1;
    if (perms == NULL)
        return 0;
    size_t old = st_path_key(c, "permissions");
    if (st_expect_object(c, perms, permissions_fields) != 0 ||
        parse_perm_list(c, perms, "secrets", mv_secret_perm_names, MV_PERM_ALL, "secret",
                        &p->secrets, &p->secrets_all) != 0 ||
        parse_perm_list(c, perms, "keys", mv_key_perm_names, MV_KPERM_ALL, "key", &p->keys,
                        &p->keys_all) != 0 ||
        parse_perm_list(c, perms, "certificates", mv_cert_perm_names, MV_CPERM_ALL, "certificate",
                        &p->certs, &p->certs_all) != 0)
        goto out;
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

static int parse_policy(struct pctx *c, const cJSON *j, struct mv_access_policy *p)
{
    if (st_expect_object(c, j, policy_fields) != 0 ||
        st_get_str(c, j, "objectId", true, true, &p->object_id) != 0 ||
        st_get_str(c, j, "tenantId", false, true, &p->tenant_id) != 0 ||
        st_get_str(c, j, "applicationId", false, true, &p->application_id) != 0)
        return -1;
    return parse_permissions(c, j, p);
}

static int parse_role(struct pctx *c, const cJSON *j, struct mv_role_assignment *r)
{
    if (st_expect_object(c, j, role_fields) != 0 ||
        st_get_str(c, j, "principalId", true, true, &r->principal_id) != 0 ||
        st_get_str(c, j, "role", true, false, &r->role) != 0 ||
        st_get_str(c, j, "scope", false, false, &r->scope) != 0)
        return -1;
    bool known = false;
    for (size_t k = 0; role_names[k] != NULL; k++) {
        if (strcmp(r->role, role_names[k]) == 0)
            known = true;
    }
    if (!known) {
        size_t old = st_path_key(c, "role");
        char list[512] = "";
        size_t len = 0;
        for (size_t k = 0; role_names[k] != NULL; k++)
            len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", k > 0 ? ", " : "",
                                    role_names[k]);
        st_fail(c, "unknown role '%s' (allowed: %s)", st_show(r->role).s, list);
        st_path_pop(c, old);
        return -1;
    }
    /* A whole-vault assignment is the common case, so it is the default. */
    if (st_default_copy(c, &r->scope, "/") != 0)
        return -1;
    static const char *const prefixes[] = {"/secrets/", "/keys/", "/certificates/", NULL};
    bool ok = strcmp(r->scope, "/") == 0;
    for (size_t k = 0; !ok && prefixes[k] != NULL; k++) {
        size_t len = strlen(prefixes[k]);
        ok = strncmp(r->scope, prefixes[k], len) == 0 && st_valid_secret_name(r->scope + len);
    }
    if (!ok) {
        size_t old = st_path_key(c, "scope");
        st_fail(c,
                "invalid scope '%s' (\"/\" for the whole vault, \"/secrets/{name}\", "
                "\"/keys/{name}\" or \"/certificates/{name}\")",
                st_show(r->scope).s);
        st_path_pop(c, old);
        return -1;
    }
    return 0;
}

/* Parses the entries of arr (e.g. "secrets" or "deletedKeys") into items[first...]. */
static int parse_object_list(struct pctx *c, const cJSON *arr, const char *key,
                             enum secret_kind kind, struct mv_vault *v, enum mv_objtype t,
                             struct mv_object *items, size_t first)
{
    size_t old = st_path_key(c, key);
    size_t i = 0;
    int rc = 0;
    /* The first failure stops the loop; its message was recorded with the path it happened at. */
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL && rc == 0;
         it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (t == MV_OBJ_KEY)
            rc = st_parse_key(c, it, &items[first + i], kind, v->retention_days, v->name);
        else if (t == MV_OBJ_CERT)
            rc = st_parse_certificate(c, it, &items[first + i], kind, v->retention_days, v);
        else
            rc = st_parse_secret(c, it, &items[first + i], kind, v->retention_days);
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    return rc;
}

/* Names are unique per vault and family, case-insensitively, across live and deleted objects. */
struct name_ref {
    const char *name;
    size_t index; /* in document order: live objects first, then deleted ones */
};

static int name_ref_cmp(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int r = cx_strcasecmp(x->name, y->name);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The two lists of a family in a vault and the word for its objects. */
struct family_lists {
    const char *live, *deleted, *word;
};

static int check_duplicates(struct pctx *c, const struct mv_object *items, size_t n, size_t nlive,
                            const struct family_lists *fl)
{
    if (n < 2)
        return 0;
    struct name_ref *refs = malloc(n * sizeof(*refs));
    if (refs == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        refs[i].name = items[i].name;
        refs[i].index = i;
    }
    /* Sorting keeps this O(n log n) for snapshots with many objects. */
    qsort(refs, n, sizeof(*refs), name_ref_cmp);
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (cx_strcasecmp(refs[i - 1].name, refs[i].name) != 0)
            continue;
        size_t dup = refs[i].index, first = refs[i - 1].index;
        char where[64];
        if (first < nlive)
            snprintf(where, sizeof(where), "%s[%zu]", fl->live, first);
        else
            snprintf(where, sizeof(where), "%s[%zu]", fl->deleted, first - nlive);
        size_t old = st_path_key(c, dup < nlive ? fl->live : fl->deleted);
        st_path_index(c, dup < nlive ? dup : dup - nlive);
        st_path_key(c, "name");
        st_fail(c, "duplicate %s name '%s' (also %s; names are case-insensitive)", fl->word,
                st_show(items[dup].name).s, where);
        st_path_pop(c, old);
        rc = -1;
    }
    free(refs);
    return rc;
}

/* Reads the live and deleted lists of family t of vault v (from j) into the vault's array. */
static int parse_family(struct pctx *c, const cJSON *j, struct mv_vault *v, enum mv_objtype t)
{
    static const struct family_lists lists[MV_OBJ_COUNT] = {
        [MV_OBJ_SECRET] = {"secrets", "deletedSecrets", "secret"},
        [MV_OBJ_KEY] = {"keys", "deletedKeys", "key"},
        [MV_OBJ_CERT] = {"certificates", "deletedCertificates", "certificate"},
    };
    const struct family_lists *fl = &lists[t];
    const cJSON *live, *deleted;
    size_t *n;
    struct mv_object **items = mv_vault_family(v, t, &n);

    if (st_get_array(c, j, fl->live, &live) != 0 || st_get_array(c, j, fl->deleted, &deleted) != 0)
        return -1;
    size_t nlive = live != NULL ? (size_t)cJSON_GetArraySize(live) : 0;
    size_t ndeleted = deleted != NULL ? (size_t)cJSON_GetArraySize(deleted) : 0;
    if (nlive + ndeleted > 0) {
        *items = calloc(nlive + ndeleted, sizeof(**items));
        if (*items == NULL) {
            st_fail(c, "out of memory");
            return -1;
        }
        *n = nlive + ndeleted;
    }
    if (parse_object_list(c, live, fl->live, SECRET_LIVE, v, t, *items, 0) != 0 ||
        parse_object_list(c, deleted, fl->deleted, SECRET_DELETED, v, t, *items, nlive) != 0 ||
        check_duplicates(c, *items, *n, nlive, fl) != 0)
        return -1;
    return 0;
}

int st_parse_vault(struct pctx *c, const cJSON *j, const struct mv_data *d, size_t index)
{
    struct mv_vault *v = &d->vaults[index];
    const cJSON *policies, *roles, *soft;
    char *model = NULL;
    int rc = -1;

    v->retention_days = MAX_RETENTION_DAYS;
    if (st_expect_object(c, j, vault_fields) != 0 ||
        st_get_str(c, j, "name", true, false, &v->name) != 0)
        goto out;
    if (!st_valid_vault_name(v->name)) {
        size_t old = st_path_key(c, "name");
        st_fail(c,
                "invalid vault name '%s' (%d to %d characters of 0-9, a-z, A-Z and '-', "
                "starting with a letter)",
                st_show(v->name).s, MIN_VAULT_NAME, MAX_VAULT_NAME);
        st_path_pop(c, old);
        goto out;
    }
    for (size_t k = 0; k < index; k++) {
        if (cx_strcasecmp(d->vaults[k].name, v->name) == 0) {
            size_t old = st_path_key(c, "name");
            st_fail(c, "duplicate vault name '%s' (also vaults[%zu]; names are case-insensitive)",
                    st_show(v->name).s, k);
            st_path_pop(c, old);
            goto out;
        }
    }

    if (st_get_str(c, j, "tenantId", false, true, &v->tenant_id) != 0)
        goto out;
    if (v->tenant_id == NULL) {
        /* Most fixtures have one tenant; naming it on every vault would be noise. */
        if (d->ntenants == 0) {
            size_t old = st_path_key(c, "tenantId");
            st_fail(c, "required field is missing (the file has no tenants to default to)");
            st_path_pop(c, old);
            goto out;
        }
        if (st_default_copy(c, &v->tenant_id, d->tenants[0].id) != 0)
            goto out;
    } else {
        bool found = false;
        for (size_t k = 0; k < d->ntenants; k++) {
            if (cx_strcasecmp(d->tenants[k].id, v->tenant_id) == 0)
                found = true;
        }
        if (!found) {
            size_t old = st_path_key(c, "tenantId");
            st_fail(c, "tenant '%s' is not in $.tenants (add it there, or fix the id)",
                    st_show(v->tenant_id).s);
            st_path_pop(c, old);
            goto out;
        }
    }

    if (st_get_str(c, j, "location", false, true, &v->location) != 0 ||
        st_default_copy(c, &v->location, "westeurope") != 0 ||
        st_get_strv(c, j, "aliases", &v->aliases, &v->naliases) != 0)
        goto out;
    for (size_t i = 0; i < v->naliases; i++) {
        size_t old = st_path_key(c, "aliases");
        st_path_index(c, i);
        if (!st_valid_alias(v->aliases[i])) {
            st_fail(c, "invalid alias '%s' (a host name without port: letters, digits, '.', '-')",
                    st_show(v->aliases[i]).s);
            goto out;
        }
        for (size_t k = 0; k <= index; k++) {
            const struct mv_vault *o = &d->vaults[k];
            size_t n = k == index ? i : o->naliases;
            for (size_t a = 0; a < n; a++) {
                if (cx_strcasecmp(o->aliases[a], v->aliases[i]) == 0) {
                    st_fail(c, "alias '%s' is already used by vault '%s'", st_show(v->aliases[i]).s,
                            st_show(o->name).s);
                    goto out;
                }
            }
        }
        st_path_pop(c, old);
    }

    if (st_get_str(c, j, "permissionModel", false, false, &model) != 0)
        goto out;
    if (model == NULL || strcmp(model, "accessPolicy") == 0) {
        v->model = MV_MODEL_ACCESS_POLICY;
    } else if (strcmp(model, "rbac") == 0) {
        v->model = MV_MODEL_RBAC;
    } else {
        size_t old = st_path_key(c, "permissionModel");
        st_fail(c, "unknown permission model '%s' (use \"accessPolicy\" or \"rbac\")",
                st_show(model).s);
        st_path_pop(c, old);
        goto out;
    }

    soft = cJSON_GetObjectItemCaseSensitive(j, "softDelete");
    if (soft != NULL) {
        size_t old = st_path_key(c, "softDelete");
        if (st_expect_object(c, soft, soft_delete_fields) != 0 ||
            st_get_int(c, soft, "retentionDays", MIN_RETENTION_DAYS, MAX_RETENTION_DAYS,
                       &v->retention_days) != 0 ||
            st_get_bool(c, soft, "purgeProtection", &v->purge_protection) != 0)
            goto out;
        st_path_pop(c, old);
    }

    if (st_get_array(c, j, "accessPolicies", &policies) != 0 ||
        st_get_array(c, j, "roleAssignments", &roles) != 0)
        goto out;

    v->policies = st_alloc_items(c, policies, sizeof(*v->policies), &v->npolicies);
    if (c->failed)
        goto out;
    size_t old = st_path_key(c, "accessPolicies");
    size_t i = 0;
    for (const cJSON *it = policies != NULL ? policies->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_policy(c, it, &v->policies[i]) != 0)
            goto out;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    v->roles = st_alloc_items(c, roles, sizeof(*v->roles), &v->nroles);
    if (c->failed)
        goto out;
    old = st_path_key(c, "roleAssignments");
    i = 0;
    for (const cJSON *it = roles != NULL ? roles->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_role(c, it, &v->roles[i]) != 0)
            goto out;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    /* Certificates come last: their managed keys and secrets join the lists read before them. */
    if (parse_family(c, j, v, MV_OBJ_SECRET) != 0 || parse_family(c, j, v, MV_OBJ_KEY) != 0 ||
        parse_family(c, j, v, MV_OBJ_CERT) != 0 || st_parse_cert_meta(c, j, v) != 0)
        goto out;
    rc = 0;
out:
    free(model);
    return rc;
}
