/* store-data.c: the data tree's memory: freeing (secret material wiped first) and deep copies. */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* ---- Small helpers ---- */

/* Duplicates src into *dst. A NULL src gives a NULL *dst and is not an error. Returns 0, or -1
 * when out of memory. */
int sto_dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    *dst = strdup(src);
    return *dst != NULL ? 0 : -1;
}

/* Secret material is wiped before its memory goes back to the allocator, so it does not linger
 * in freed heap pages (core dumps, later allocations). */
static void free_secret_string(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

static void strv_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copies a string array. On failure *dst is NULL and nothing leaks. */
static int strv_copy(char ***dst, size_t *dn, char *const *src, size_t n)
{
    *dst = NULL;
    *dn = 0;
    if (n == 0)
        return 0;
    char **v = calloc(n, sizeof(*v));
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (sto_dup_opt(&v[i], src[i]) != 0) {
            strv_free(v, n);
            return -1;
        }
    }
    *dst = v;
    *dn = n;
    return 0;
}

/* ---- Freeing ---- */

void mv_tags_finish(struct mv_tags *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].name);
        free(t->items[i].value);
    }
    free(t->items);
    memset(t, 0, sizeof(*t));
}

void mv_version_finish(struct mv_version *v)
{
    if (v == NULL)
        return;
    free_secret_string(v->value);
    free(v->content_type);
    mv_tags_finish(&v->tags);
    memset(v, 0, sizeof(*v));
}

void mv_secret_finish(struct mv_secret *s)
{
    if (s == NULL)
        return;
    free(s->name);
    for (size_t i = 0; i < s->nversions; i++)
        mv_version_finish(&s->versions[i]);
    free(s->versions);
    memset(s, 0, sizeof(*s));
}

static void app_finish(struct mv_app *a)
{
    free(a->display_name);
    free(a->client_id);
    free(a->object_id);
    for (size_t i = 0; i < a->nsecrets; i++)
        free_secret_string(a->secrets[i].value);
    free(a->secrets);
    strv_free(a->graph_roles, a->ngraph_roles);
    for (size_t i = 0; i < a->ncertificates; i++)
        free(a->certificates[i].pem);
    free(a->certificates);
    memset(a, 0, sizeof(*a));
}

static void identity_finish(struct mv_managed_identity *m)
{
    free(m->name);
    free(m->client_id);
    free(m->object_id);
    free(m->resource_id);
    memset(m, 0, sizeof(*m));
}

static void user_finish(struct mv_user *u)
{
    free(u->id);
    free(u->display_name);
    free(u->user_principal_name);
    memset(u, 0, sizeof(*u));
}

static void tenant_finish(struct mv_tenant *t)
{
    free(t->id);
    free(t->domain);
    for (size_t i = 0; i < t->napps; i++)
        app_finish(&t->apps[i]);
    free(t->apps);
    for (size_t i = 0; i < t->nidentities; i++)
        identity_finish(&t->identities[i]);
    free(t->identities);
    for (size_t i = 0; i < t->nusers; i++)
        user_finish(&t->users[i]);
    free(t->users);
    for (size_t i = 0; i < t->nsubscriptions; i++) {
        free(t->subscriptions[i].id);
        free(t->subscriptions[i].display_name);
    }
    free(t->subscriptions);
    memset(t, 0, sizeof(*t));
}

static void vault_finish(struct mv_vault *v)
{
    free(v->name);
    free(v->tenant_id);
    free(v->location);
    strv_free(v->aliases, v->naliases);
    for (size_t i = 0; i < v->npolicies; i++) {
        free(v->policies[i].tenant_id);
        free(v->policies[i].object_id);
        free(v->policies[i].application_id);
    }
    free(v->policies);
    for (size_t i = 0; i < v->nroles; i++) {
        free(v->roles[i].principal_id);
        free(v->roles[i].role);
        free(v->roles[i].scope);
    }
    free(v->roles);
    for (size_t i = 0; i < v->nsecrets; i++)
        mv_secret_finish(&v->secrets[i]);
    free(v->secrets);
    memset(v, 0, sizeof(*v));
}

void mv_data_free(struct mv_data *d)
{
    if (d == NULL)
        return;
    free(d->default_vault);
    for (size_t i = 0; i < d->ntenants; i++)
        tenant_finish(&d->tenants[i]);
    free(d->tenants);
    for (size_t i = 0; i < d->nvaults; i++)
        vault_finish(&d->vaults[i]);
    free(d->vaults);
    free(d);
}

/* ---- Deep copies ----
 * Each *_copy fills a zeroed dst. Arrays are calloc'ed with their final count set first, so on
 * failure the matching *_finish can release a half-built copy: unfilled slots are all zero. */

int mv_tags_copy(struct mv_tags *dst, const struct mv_tags *src)
{
    memset(dst, 0, sizeof(*dst));
    if (src == NULL)
        return 0;
    dst->present = src->present;
    if (src->n == 0)
        return 0;
    dst->items = calloc(src->n, sizeof(*dst->items));
    if (dst->items == NULL)
        goto fail;
    dst->n = src->n;
    for (size_t i = 0; i < src->n; i++) {
        if (sto_dup_opt(&dst->items[i].name, src->items[i].name) != 0 ||
            sto_dup_opt(&dst->items[i].value, src->items[i].value) != 0)
            goto fail;
    }
    return 0;
fail:
    mv_tags_finish(dst);
    return -1;
}

int sto_version_copy(struct mv_version *dst, const struct mv_version *src)
{
    *dst = *src;
    dst->value = NULL;
    dst->content_type = NULL;
    memset(&dst->tags, 0, sizeof(dst->tags));
    if (sto_dup_opt(&dst->value, src->value) != 0 ||
        sto_dup_opt(&dst->content_type, src->content_type) != 0 ||
        mv_tags_copy(&dst->tags, &src->tags) != 0) {
        mv_version_finish(dst);
        return -1;
    }
    return 0;
}

static int secret_copy(struct mv_secret *dst, const struct mv_secret *src)
{
    *dst = *src;
    dst->name = NULL;
    dst->versions = NULL;
    dst->nversions = 0;
    if (sto_dup_opt(&dst->name, src->name) != 0)
        goto fail;
    if (src->nversions > 0) {
        dst->versions = calloc(src->nversions, sizeof(*dst->versions));
        if (dst->versions == NULL)
            goto fail;
        dst->nversions = src->nversions;
        for (size_t i = 0; i < src->nversions; i++) {
            if (sto_version_copy(&dst->versions[i], &src->versions[i]) != 0)
                goto fail;
        }
    }
    return 0;
fail:
    mv_secret_finish(dst);
    return -1;
}

struct mv_secret *mv_secret_clone(const struct mv_secret *s)
{
    if (s == NULL)
        return NULL;
    struct mv_secret *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    if (secret_copy(c, s) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

static int app_copy(struct mv_app *dst, const struct mv_app *src)
{
    memset(dst, 0, sizeof(*dst));
    if (sto_dup_opt(&dst->display_name, src->display_name) != 0 ||
        sto_dup_opt(&dst->client_id, src->client_id) != 0 ||
        sto_dup_opt(&dst->object_id, src->object_id) != 0)
        goto fail;
    if (src->nsecrets > 0) {
        dst->secrets = calloc(src->nsecrets, sizeof(*dst->secrets));
        if (dst->secrets == NULL)
            goto fail;
        dst->nsecrets = src->nsecrets;
        for (size_t i = 0; i < src->nsecrets; i++) {
            dst->secrets[i] = src->secrets[i];
            dst->secrets[i].value = NULL;
            if (sto_dup_opt(&dst->secrets[i].value, src->secrets[i].value) != 0)
                goto fail;
        }
    }
    if (strv_copy(&dst->graph_roles, &dst->ngraph_roles, src->graph_roles, src->ngraph_roles) != 0)
        goto fail;
    if (src->ncertificates > 0) {
        dst->certificates = calloc(src->ncertificates, sizeof(*dst->certificates));
        if (dst->certificates == NULL)
            goto fail;
        dst->ncertificates = src->ncertificates;
        for (size_t i = 0; i < src->ncertificates; i++) {
            dst->certificates[i] = src->certificates[i];
            dst->certificates[i].pem = NULL;
            if (sto_dup_opt(&dst->certificates[i].pem, src->certificates[i].pem) != 0)
                goto fail;
        }
    }
    return 0;
fail:
    app_finish(dst);
    return -1;
}

static int tenant_copy(struct mv_tenant *dst, const struct mv_tenant *src)
{
    memset(dst, 0, sizeof(*dst));
    if (sto_dup_opt(&dst->id, src->id) != 0 || sto_dup_opt(&dst->domain, src->domain) != 0)
        goto fail;
    if (src->napps > 0) {
        dst->apps = calloc(src->napps, sizeof(*dst->apps));
        if (dst->apps == NULL)
            goto fail;
        dst->napps = src->napps;
        for (size_t i = 0; i < src->napps; i++) {
            if (app_copy(&dst->apps[i], &src->apps[i]) != 0)
                goto fail;
        }
    }
    if (src->nidentities > 0) {
        dst->identities = calloc(src->nidentities, sizeof(*dst->identities));
        if (dst->identities == NULL)
            goto fail;
        dst->nidentities = src->nidentities;
        for (size_t i = 0; i < src->nidentities; i++) {
            const struct mv_managed_identity *m = &src->identities[i];
            struct mv_managed_identity *c = &dst->identities[i];
            c->system_assigned = m->system_assigned;
            if (sto_dup_opt(&c->name, m->name) != 0 ||
                sto_dup_opt(&c->client_id, m->client_id) != 0 ||
                sto_dup_opt(&c->object_id, m->object_id) != 0 ||
                sto_dup_opt(&c->resource_id, m->resource_id) != 0)
                goto fail;
        }
    }
    if (src->nusers > 0) {
        dst->users = calloc(src->nusers, sizeof(*dst->users));
        if (dst->users == NULL)
            goto fail;
        dst->nusers = src->nusers;
        for (size_t i = 0; i < src->nusers; i++) {
            const struct mv_user *u = &src->users[i];
            struct mv_user *c = &dst->users[i];
            if (sto_dup_opt(&c->id, u->id) != 0 ||
                sto_dup_opt(&c->display_name, u->display_name) != 0 ||
                sto_dup_opt(&c->user_principal_name, u->user_principal_name) != 0)
                goto fail;
        }
    }
    if (src->nsubscriptions > 0) {
        dst->subscriptions = calloc(src->nsubscriptions, sizeof(*dst->subscriptions));
        if (dst->subscriptions == NULL)
            goto fail;
        dst->nsubscriptions = src->nsubscriptions;
        for (size_t i = 0; i < src->nsubscriptions; i++)
            if (sto_dup_opt(&dst->subscriptions[i].id, src->subscriptions[i].id) != 0 ||
                sto_dup_opt(&dst->subscriptions[i].display_name,
                            src->subscriptions[i].display_name) != 0)
                goto fail;
    }
    return 0;
fail:
    tenant_finish(dst);
    return -1;
}

static int vault_copy(struct mv_vault *dst, const struct mv_vault *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->model = src->model;
    dst->retention_days = src->retention_days;
    dst->purge_protection = src->purge_protection;
    if (sto_dup_opt(&dst->name, src->name) != 0 ||
        sto_dup_opt(&dst->tenant_id, src->tenant_id) != 0 ||
        sto_dup_opt(&dst->location, src->location) != 0 ||
        strv_copy(&dst->aliases, &dst->naliases, src->aliases, src->naliases) != 0)
        goto fail;
    if (src->npolicies > 0) {
        dst->policies = calloc(src->npolicies, sizeof(*dst->policies));
        if (dst->policies == NULL)
            goto fail;
        dst->npolicies = src->npolicies;
        for (size_t i = 0; i < src->npolicies; i++) {
            const struct mv_access_policy *p = &src->policies[i];
            struct mv_access_policy *c = &dst->policies[i];
            c->secrets = p->secrets;
            c->secrets_all = p->secrets_all;
            if (sto_dup_opt(&c->tenant_id, p->tenant_id) != 0 ||
                sto_dup_opt(&c->object_id, p->object_id) != 0 ||
                sto_dup_opt(&c->application_id, p->application_id) != 0)
                goto fail;
        }
    }
    if (src->nroles > 0) {
        dst->roles = calloc(src->nroles, sizeof(*dst->roles));
        if (dst->roles == NULL)
            goto fail;
        dst->nroles = src->nroles;
        for (size_t i = 0; i < src->nroles; i++) {
            const struct mv_role_assignment *r = &src->roles[i];
            struct mv_role_assignment *c = &dst->roles[i];
            if (sto_dup_opt(&c->principal_id, r->principal_id) != 0 ||
                sto_dup_opt(&c->role, r->role) != 0 || sto_dup_opt(&c->scope, r->scope) != 0)
                goto fail;
        }
    }
    if (src->nsecrets > 0) {
        dst->secrets = calloc(src->nsecrets, sizeof(*dst->secrets));
        if (dst->secrets == NULL)
            goto fail;
        dst->nsecrets = src->nsecrets;
        for (size_t i = 0; i < src->nsecrets; i++) {
            if (secret_copy(&dst->secrets[i], &src->secrets[i]) != 0)
                goto fail;
        }
    }
    return 0;
fail:
    vault_finish(dst);
    return -1;
}

struct mv_data *mv_data_clone(const struct mv_data *d)
{
    if (d == NULL)
        return NULL;
    struct mv_data *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    if (sto_dup_opt(&c->default_vault, d->default_vault) != 0)
        goto fail;
    if (d->ntenants > 0) {
        c->tenants = calloc(d->ntenants, sizeof(*c->tenants));
        if (c->tenants == NULL)
            goto fail;
        c->ntenants = d->ntenants;
        for (size_t i = 0; i < d->ntenants; i++) {
            if (tenant_copy(&c->tenants[i], &d->tenants[i]) != 0)
                goto fail;
        }
    }
    if (d->nvaults > 0) {
        c->vaults = calloc(d->nvaults, sizeof(*c->vaults));
        if (c->vaults == NULL)
            goto fail;
        c->nvaults = d->nvaults;
        for (size_t i = 0; i < d->nvaults; i++) {
            if (vault_copy(&c->vaults[i], &d->vaults[i]) != 0)
                goto fail;
        }
    }
    return c;
fail:
    mv_data_free(c);
    return NULL;
}
