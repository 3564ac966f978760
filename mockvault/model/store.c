/* store.c: the mock's data tree (free, clone, sort, lookups) and the thread-safe secret store. */
#include "store.h"

#include <ctype.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

const char *const mv_secret_perm_names[] = {
    "get", "list", "set", "delete", "recover", "backup", "restore", "purge", NULL,
};

#define SECONDS_PER_DAY 86400

/* ---- Small helpers ---- */

/* Names and ids compare case-insensitively in ASCII, independent of the locale, so the sort order
 * (lower-cased byte order, which the listing markers rely on) never changes with LC_CTYPE. */
#define ci_cmp cx_strcasecmp

static bool ci_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && ci_cmp(a, b) == 0;
}

/* Duplicates src into *dst. A NULL src gives a NULL *dst and is not an error. Returns 0, or -1
 * when out of memory. */
static int dup_opt(char **dst, const char *src)
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
        if (dup_opt(&v[i], src[i]) != 0) {
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
        if (dup_opt(&dst->items[i].name, src->items[i].name) != 0 ||
            dup_opt(&dst->items[i].value, src->items[i].value) != 0)
            goto fail;
    }
    return 0;
fail:
    mv_tags_finish(dst);
    return -1;
}

static int version_copy(struct mv_version *dst, const struct mv_version *src)
{
    *dst = *src;
    dst->value = NULL;
    dst->content_type = NULL;
    memset(&dst->tags, 0, sizeof(dst->tags));
    if (dup_opt(&dst->value, src->value) != 0 ||
        dup_opt(&dst->content_type, src->content_type) != 0 ||
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
    if (dup_opt(&dst->name, src->name) != 0)
        goto fail;
    if (src->nversions > 0) {
        dst->versions = calloc(src->nversions, sizeof(*dst->versions));
        if (dst->versions == NULL)
            goto fail;
        dst->nversions = src->nversions;
        for (size_t i = 0; i < src->nversions; i++) {
            if (version_copy(&dst->versions[i], &src->versions[i]) != 0)
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
    if (dup_opt(&dst->display_name, src->display_name) != 0 ||
        dup_opt(&dst->client_id, src->client_id) != 0 ||
        dup_opt(&dst->object_id, src->object_id) != 0)
        goto fail;
    if (src->nsecrets > 0) {
        dst->secrets = calloc(src->nsecrets, sizeof(*dst->secrets));
        if (dst->secrets == NULL)
            goto fail;
        dst->nsecrets = src->nsecrets;
        for (size_t i = 0; i < src->nsecrets; i++) {
            dst->secrets[i] = src->secrets[i];
            dst->secrets[i].value = NULL;
            if (dup_opt(&dst->secrets[i].value, src->secrets[i].value) != 0)
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
            if (dup_opt(&dst->certificates[i].pem, src->certificates[i].pem) != 0)
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
    if (dup_opt(&dst->id, src->id) != 0 || dup_opt(&dst->domain, src->domain) != 0)
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
            if (dup_opt(&c->name, m->name) != 0 || dup_opt(&c->client_id, m->client_id) != 0 ||
                dup_opt(&c->object_id, m->object_id) != 0 ||
                dup_opt(&c->resource_id, m->resource_id) != 0)
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
            if (dup_opt(&c->id, u->id) != 0 || dup_opt(&c->display_name, u->display_name) != 0 ||
                dup_opt(&c->user_principal_name, u->user_principal_name) != 0)
                goto fail;
        }
    }
    if (src->nsubscriptions > 0) {
        dst->subscriptions = calloc(src->nsubscriptions, sizeof(*dst->subscriptions));
        if (dst->subscriptions == NULL)
            goto fail;
        dst->nsubscriptions = src->nsubscriptions;
        for (size_t i = 0; i < src->nsubscriptions; i++)
            if (dup_opt(&dst->subscriptions[i].id, src->subscriptions[i].id) != 0 ||
                dup_opt(&dst->subscriptions[i].display_name, src->subscriptions[i].display_name) != 0)
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
    if (dup_opt(&dst->name, src->name) != 0 || dup_opt(&dst->tenant_id, src->tenant_id) != 0 ||
        dup_opt(&dst->location, src->location) != 0 ||
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
            if (dup_opt(&c->tenant_id, p->tenant_id) != 0 ||
                dup_opt(&c->object_id, p->object_id) != 0 ||
                dup_opt(&c->application_id, p->application_id) != 0)
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
            if (dup_opt(&c->principal_id, r->principal_id) != 0 ||
                dup_opt(&c->role, r->role) != 0 || dup_opt(&c->scope, r->scope) != 0)
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
    if (dup_opt(&c->default_vault, d->default_vault) != 0)
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

/* ---- Sorting and lookups ---- */

static int secret_cmp(const void *a, const void *b)
{
    const struct mv_secret *x = a, *y = b;
    return ci_cmp(x->name, y->name);
}

void mv_data_sort(struct mv_data *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->nvaults; i++) {
        struct mv_vault *v = &d->vaults[i];
        if (v->nsecrets > 1)
            qsort(v->secrets, v->nsecrets, sizeof(*v->secrets), secret_cmp);
    }
}

/* Index of the first secret whose lower-cased name is >= key (lower-cased), in [0, nsecrets]. */
static size_t secret_lower_bound(const struct mv_vault *v, const char *key)
{
    size_t lo = 0, hi = v->nsecrets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ci_cmp(v->secrets[mid].name, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct mv_vault *mv_data_vault(const struct mv_data *d, const char *name)
{
    if (d == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < d->nvaults; i++) {
        if (ci_eq(d->vaults[i].name, name))
            return &d->vaults[i];
    }
    return NULL;
}

/* Compares an alias with a host that may carry a ":port" suffix, which is not part of the name. */
static bool host_matches(const char *alias, const char *host)
{
    struct cx_hostport hp;

    if (cx_hostport_split(host, strlen(host), CX_HP_KEEP_BRACKETS, &hp) != CX_HP_OK)
        return cx_strcasecmp(alias, host) == 0;
    return cx_strcasecmp(alias, hp.host) == 0;
}

struct mv_vault *mv_data_vault_by_alias(const struct mv_data *d, const char *host)
{
    if (d == NULL || host == NULL)
        return NULL;
    for (size_t i = 0; i < d->nvaults; i++) {
        const struct mv_vault *v = &d->vaults[i];
        for (size_t j = 0; j < v->naliases; j++) {
            if (v->aliases[j] != NULL && host_matches(v->aliases[j], host))
                return &d->vaults[i];
        }
    }
    return NULL;
}

struct mv_tenant *mv_data_tenant(const struct mv_data *d, const char *id_or_domain)
{
    if (d == NULL || id_or_domain == NULL)
        return NULL;
    for (size_t i = 0; i < d->ntenants; i++) {
        if (ci_eq(d->tenants[i].id, id_or_domain) || ci_eq(d->tenants[i].domain, id_or_domain))
            return &d->tenants[i];
    }
    return NULL;
}

struct mv_app *mv_tenant_app(const struct mv_tenant *t, const char *client_id)
{
    if (t == NULL || client_id == NULL)
        return NULL;
    for (size_t i = 0; i < t->napps; i++) {
        if (ci_eq(t->apps[i].client_id, client_id))
            return &t->apps[i];
    }
    return NULL;
}

struct mv_secret *mv_vault_secret(const struct mv_vault *v, const char *name)
{
    if (v == NULL || name == NULL)
        return NULL;
    size_t i = secret_lower_bound(v, name);
    if (i < v->nsecrets && ci_cmp(v->secrets[i].name, name) == 0)
        return &v->secrets[i];
    return NULL;
}

const char *mv_recovery_level(int retention_days, bool purge_protection)
{
    /* Key Vault calls a retention shorter than the 90-day default "Customized"; "+Purgeable"
     * means the purge operation is allowed, which purge protection forbids. */
    if (retention_days >= 90)
        return purge_protection ? "Recoverable" : "Recoverable+Purgeable";
    return purge_protection ? "CustomizedRecoverable" : "CustomizedRecoverable+Purgeable";
}

/* ---- The store ---- */

struct mv_store {
    pthread_rwlock_t lock;
    struct mv_data *data; /* owned; never NULL */
    mv_persist_fn persist;
    void *persist_ctx;
    /* A lower bound of the earliest scheduledPurgeDate of any soft-deleted secret (INT64_MAX when
     * there is none), so mv_store_purge_due is one comparison when nothing is due. Recover and
     * purge leave it alone: a stale, too-early bound only costs one rescan, which refreshes it. */
    int64_t next_purge;
};

/* Caller holds the write lock (or owns st exclusively). */
static void recompute_next_purge(struct mv_store *st)
{
    int64_t min = INT64_MAX;
    for (size_t i = 0; i < st->data->nvaults; i++) {
        const struct mv_vault *v = &st->data->vaults[i];
        for (size_t j = 0; j < v->nsecrets; j++) {
            if (v->secrets[j].deleted && v->secrets[j].scheduled_purge_date < min)
                min = v->secrets[j].scheduled_purge_date;
        }
    }
    __atomic_store_n(&st->next_purge, min, __ATOMIC_RELEASE);
}

/* Caller holds the write lock. Runs the persist hook after a successful change. */
static enum mv_err persist_locked(struct mv_store *st)
{
    if (st->persist != NULL && st->persist(st->persist_ctx, st->data) != 0)
        return MV_E_PERSIST;
    return MV_OK;
}

struct mv_store *mv_store_create(struct mv_data *data)
{
    /* On failure the store does not take data: the caller still owns it. */
    struct mv_store *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    if (pthread_rwlock_init(&st->lock, NULL) != 0) {
        free(st);
        return NULL;
    }
    st->data = data;
    if (st->data == NULL) {
        st->data = calloc(1, sizeof(*st->data));
        if (st->data == NULL) {
            pthread_rwlock_destroy(&st->lock);
            free(st);
            return NULL;
        }
    }
    /* Binary search depends on the order; a caller that built data by hand may not have sorted. */
    mv_data_sort(st->data);
    recompute_next_purge(st);
    return st;
}

void mv_store_destroy(struct mv_store *st)
{
    if (st == NULL)
        return;
    pthread_rwlock_destroy(&st->lock);
    mv_data_free(st->data);
    free(st);
}

void mv_store_set_persist(struct mv_store *st, mv_persist_fn fn, void *ctx)
{
    pthread_rwlock_wrlock(&st->lock);
    st->persist = fn;
    st->persist_ctx = ctx;
    pthread_rwlock_unlock(&st->lock);
}

enum mv_err mv_store_replace(struct mv_store *st, struct mv_data *data)
{
    enum mv_err rc = MV_OK;
    if (data == NULL) {
        data = calloc(1, sizeof(*data));
        if (data == NULL)
            return MV_E_NOMEM;
    }
    mv_data_sort(data);
    pthread_rwlock_wrlock(&st->lock);
    struct mv_data *old = st->data;
    st->data = data;
    recompute_next_purge(st);
    rc = persist_locked(st);
    pthread_rwlock_unlock(&st->lock);
    mv_data_free(old);
    return rc;
}

const struct mv_data *mv_store_rdlock(struct mv_store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    return st->data;
}

void mv_store_unlock(struct mv_store *st)
{
    pthread_rwlock_unlock(&st->lock);
}

void mv_secret_view_finish(struct mv_secret_view *sv)
{
    if (sv == NULL)
        return;
    free(sv->name);
    mv_version_finish(&sv->v);
    memset(sv, 0, sizeof(*sv));
}

void mv_secret_views_free(struct mv_secret_view *items, size_t n)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        mv_secret_view_finish(&items[i]);
    free(items);
}

/* Fills *out with a deep copy of version ver of secret s in vault v. Returns 0, or -1 when out
 * of memory (then *out is zeroed and owns nothing). */
static int view_fill(struct mv_secret_view *out, const struct mv_vault *v,
                     const struct mv_secret *s, const struct mv_version *ver)
{
    memset(out, 0, sizeof(*out));
    out->deleted = s->deleted;
    out->deleted_date = s->deleted_date;
    out->scheduled_purge_date = s->scheduled_purge_date;
    out->retention_days = v->retention_days;
    out->purge_protection = v->purge_protection;
    if (dup_opt(&out->name, s->name) != 0 || version_copy(&out->v, ver) != 0) {
        free(out->name);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    return 0;
}

static const struct mv_version *current_version(const struct mv_secret *s)
{
    return s->nversions > 0 ? &s->versions[s->nversions - 1] : NULL;
}

/* The version of s named by version (NULL or "" = the current one), or NULL. Version ids compare
 * case-insensitively, as Key Vault identifiers do. */
static struct mv_version *find_version(const struct mv_secret *s, const char *version)
{
    if (version == NULL || version[0] == '\0')
        return s->nversions > 0 ? &s->versions[s->nversions - 1] : NULL;
    for (size_t i = 0; i < s->nversions; i++) {
        if (ci_eq(s->versions[i].id, version))
            return &s->versions[i];
    }
    return NULL;
}

/* Looks up a live secret: MV_E_NO_VAULT, MV_E_NOT_FOUND (absent or soft-deleted) or MV_OK.
 * Caller holds the lock. */
static enum mv_err find_live(struct mv_store *st, const char *vault, const char *name,
                             struct mv_vault **vp, struct mv_secret **sp)
{
    *vp = mv_data_vault(st->data, vault);
    if (*vp == NULL)
        return MV_E_NO_VAULT;
    *sp = mv_vault_secret(*vp, name);
    if (*sp == NULL || (*sp)->deleted || (*sp)->nversions == 0)
        return MV_E_NOT_FOUND;
    return MV_OK;
}

/* Looks up a soft-deleted secret: MV_E_NO_VAULT, MV_E_NOT_DELETED (absent or live) or MV_OK. */
static enum mv_err find_deleted(struct mv_store *st, const char *vault, const char *name,
                                struct mv_vault **vp, struct mv_secret **sp)
{
    *vp = mv_data_vault(st->data, vault);
    if (*vp == NULL)
        return MV_E_NO_VAULT;
    *sp = mv_vault_secret(*vp, name);
    if (*sp == NULL || !(*sp)->deleted || (*sp)->nversions == 0)
        return MV_E_NOT_DELETED;
    return MV_OK;
}

/* A version id not used by any version of s (NULL s: any id). Collisions are practically
 * impossible with random ids, but a seeded generator is cheap to guard against. */
static void new_version_id(const struct mv_secret *s, char out[33])
{
    for (;;) {
        mv_rand_hex32(out);
        if (s == NULL || find_version(s, out) == NULL)
            return;
    }
}

enum mv_err mv_store_set_secret(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_secret_input *in, int64_t now,
                                struct mv_secret_view *out)
{
    enum mv_err rc = MV_OK;
    struct mv_version nv = {0};
    struct mv_secret ns = {0}; /* the new secret when the name is new */
    struct mv_secret_view view = {0};

    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t idx = secret_lower_bound(v, name);
    struct mv_secret *s = NULL;
    if (idx < v->nsecrets && ci_cmp(v->secrets[idx].name, name) == 0)
        s = &v->secrets[idx];
    if (s != NULL && s->deleted) {
        rc = MV_E_DELETED;
        goto out;
    }

    /* Build everything that can fail before touching the tree, so a failure leaves it as it was. */
    new_version_id(s, nv.id);
    nv.enabled = in->has_enabled ? in->enabled : true;
    nv.has_nbf = in->has_nbf;
    nv.nbf = in->has_nbf ? in->nbf : 0;
    nv.has_exp = in->has_exp;
    nv.exp = in->has_exp ? in->exp : 0;
    nv.created = now;
    nv.updated = now;
    if (dup_opt(&nv.value, in->value != NULL ? in->value : "") != 0 ||
        dup_opt(&nv.content_type, in->content_type) != 0 || mv_tags_copy(&nv.tags, in->tags) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    nv.tags.present = in->tags != NULL;

    if (s != NULL) {
        struct mv_version *grown = realloc(s->versions, (s->nversions + 1) * sizeof(*grown));
        if (grown == NULL) {
            rc = MV_E_NOMEM;
            goto out;
        }
        s->versions = grown;
        if (out != NULL && view_fill(&view, v, s, &nv) != 0) {
            rc = MV_E_NOMEM;
            goto out;
        }
        s->versions[s->nversions++] = nv;
    } else {
        struct mv_secret *grown = realloc(v->secrets, (v->nsecrets + 1) * sizeof(*grown));
        if (grown == NULL) {
            rc = MV_E_NOMEM;
            goto out;
        }
        v->secrets = grown;
        ns.name = strdup(name);
        ns.versions = malloc(sizeof(*ns.versions));
        if (ns.name == NULL || ns.versions == NULL) {
            rc = MV_E_NOMEM;
            goto out;
        }
        if (out != NULL && view_fill(&view, v, &ns, &nv) != 0) {
            rc = MV_E_NOMEM;
            goto out;
        }
        ns.versions[0] = nv;
        ns.nversions = 1;
        memmove(&v->secrets[idx + 1], &v->secrets[idx], (v->nsecrets - idx) * sizeof(*v->secrets));
        v->secrets[idx] = ns;
        v->nsecrets++;
        memset(&ns, 0, sizeof(ns));
    }
    memset(&nv, 0, sizeof(nv)); /* now owned by the tree */
    rc = persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_version_finish(&nv);
    mv_secret_finish(&ns);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_secret_view_finish(&view);
    return rc;
}

enum mv_err mv_store_get_secret(struct mv_store *st, const char *vault, const char *name,
                                const char *version, struct mv_secret_view *out)
{
    struct mv_vault *v;
    struct mv_secret *s;
    struct mv_secret_view view = {0};

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = find_live(st, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    const struct mv_version *ver = find_version(s, version);
    if (ver == NULL) {
        rc = MV_E_VERSION_NOT_FOUND;
        goto out;
    }
    if (out != NULL && view_fill(&view, v, s, ver) != 0)
        rc = MV_E_NOMEM;
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    return rc;
}

enum mv_err mv_store_update_secret(struct mv_store *st, const char *vault, const char *name,
                                   const char *version, const struct mv_secret_update *upd,
                                   int64_t now, struct mv_secret_view *out)
{
    struct mv_vault *v;
    struct mv_secret *s;
    struct mv_secret_view view = {0};
    struct mv_version nv = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_live(st, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    struct mv_version *ver = find_version(s, version);
    if (ver == NULL) {
        rc = MV_E_VERSION_NOT_FOUND;
        goto out;
    }
    /* The updated version is built as a copy and swapped in at the end, so an allocation failure
     * leaves the stored one unchanged. */
    if (version_copy(&nv, ver) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    if (upd->has_content_type) {
        free(nv.content_type);
        if (dup_opt(&nv.content_type, upd->content_type) != 0) {
            rc = MV_E_NOMEM;
            goto out;
        }
    }
    if (upd->has_tags) {
        mv_tags_finish(&nv.tags);
        if (mv_tags_copy(&nv.tags, upd->tags) != 0) {
            rc = MV_E_NOMEM;
            goto out;
        }
        nv.tags.present = upd->tags != NULL;
    }
    if (upd->has_enabled)
        nv.enabled = upd->enabled;
    if (upd->has_nbf) {
        nv.has_nbf = true;
        nv.nbf = upd->nbf;
    }
    if (upd->has_exp) {
        nv.has_exp = true;
        nv.exp = upd->exp;
    }
    nv.updated = now;
    if (out != NULL && view_fill(&view, v, s, &nv) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    mv_version_finish(ver);
    *ver = nv;
    memset(&nv, 0, sizeof(nv));
    rc = persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_version_finish(&nv);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_secret_view_finish(&view);
    return rc;
}

enum mv_err mv_store_delete_secret(struct mv_store *st, const char *vault, const char *name,
                                   int64_t now, struct mv_secret_view *out)
{
    struct mv_vault *v;
    struct mv_secret *s;
    struct mv_secret_view view = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_live(st, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    if (out != NULL && view_fill(&view, v, s, current_version(s)) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    s->deleted = true;
    s->deleted_date = now;
    s->scheduled_purge_date = now + (int64_t)v->retention_days * SECONDS_PER_DAY;
    if (s->scheduled_purge_date < st->next_purge)
        __atomic_store_n(&st->next_purge, s->scheduled_purge_date, __ATOMIC_RELEASE);
    view.deleted = true;
    view.deleted_date = s->deleted_date;
    view.scheduled_purge_date = s->scheduled_purge_date;
    rc = persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_secret_view_finish(&view);
    return rc;
}

enum mv_err mv_store_get_deleted(struct mv_store *st, const char *vault, const char *name,
                                 struct mv_secret_view *out)
{
    struct mv_vault *v;
    struct mv_secret *s;
    struct mv_secret_view view = {0};

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = find_deleted(st, vault, name, &v, &s);
    if (rc == MV_OK && out != NULL && view_fill(&view, v, s, current_version(s)) != 0)
        rc = MV_E_NOMEM;
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    return rc;
}

enum mv_err mv_store_recover(struct mv_store *st, const char *vault, const char *name,
                             struct mv_secret_view *out)
{
    struct mv_vault *v;
    struct mv_secret *s;
    struct mv_secret_view view = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_deleted(st, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    if (out != NULL && view_fill(&view, v, s, current_version(s)) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    /* All versions come back with the secret; only the deletion bookkeeping goes. */
    s->deleted = false;
    s->deleted_date = 0;
    s->scheduled_purge_date = 0;
    view.deleted = false;
    view.deleted_date = 0;
    view.scheduled_purge_date = 0;
    rc = persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_secret_view_finish(&view);
    return rc;
}

/* Removes v->secrets[i] and releases it. Caller holds the write lock. */
static void remove_secret_at(struct mv_vault *v, size_t i)
{
    mv_secret_finish(&v->secrets[i]);
    memmove(&v->secrets[i], &v->secrets[i + 1], (v->nsecrets - i - 1) * sizeof(*v->secrets));
    v->nsecrets--;
}

enum mv_err mv_store_purge(struct mv_store *st, const char *vault, const char *name)
{
    struct mv_vault *v;
    struct mv_secret *s;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_deleted(st, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    if (v->purge_protection) {
        rc = MV_E_PURGE_PROTECTED;
        goto out;
    }
    remove_secret_at(v, (size_t)(s - v->secrets));
    rc = persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* Grows a view array by one slot when it is full. */
static int views_reserve(struct mv_secret_view **items, size_t *cap, size_t n)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap == 0 ? 8 : *cap * 2;
    struct mv_secret_view *grown = realloc(*items, ncap * sizeof(*grown));
    if (grown == NULL)
        return -1;
    *items = grown;
    *cap = ncap;
    return 0;
}

/* Copies a name lower-cased: the marker of the secret that starts the next page. */
static char *marker_of(const char *name)
{
    char *m = strdup(name);
    return m != NULL ? cx_str_lower(m) : NULL;
}

/* Lists live (want_deleted false) or soft-deleted secrets of a vault, one page. The marker is the
 * lower-cased name of the first item of the page: resuming at the first name >= marker stays
 * correct when secrets come and go between pages. max 0 means no limit. */
static enum mv_err list_secrets(struct mv_store *st, const char *vault, bool want_deleted,
                                const char *marker, size_t max, struct mv_secret_view **items,
                                size_t *n, char **next_marker)
{
    struct mv_secret_view *arr = NULL;
    size_t count = 0, cap = 0;
    char *next = NULL;
    enum mv_err rc = MV_OK;
    size_t limit = max == 0 ? SIZE_MAX : max;

    pthread_rwlock_rdlock(&st->lock);
    const struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t i = (marker != NULL && marker[0] != '\0') ? secret_lower_bound(v, marker) : 0;
    for (; i < v->nsecrets; i++) {
        const struct mv_secret *s = &v->secrets[i];
        if (s->deleted != want_deleted || s->nversions == 0)
            continue;
        if (count == limit) {
            next = marker_of(s->name);
            if (next == NULL)
                rc = MV_E_NOMEM;
            break;
        }
        if (views_reserve(&arr, &cap, count) != 0 ||
            view_fill(&arr[count], v, s, current_version(s)) != 0) {
            rc = MV_E_NOMEM;
            break;
        }
        count++;
    }
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc != MV_OK) {
        mv_secret_views_free(arr, count);
        free(next);
        return rc;
    }
    *items = arr;
    *n = count;
    *next_marker = next;
    return MV_OK;
}

enum mv_err mv_store_list_secrets(struct mv_store *st, const char *vault, const char *marker,
                                  size_t max, struct mv_secret_view **items, size_t *n,
                                  char **next_marker)
{
    return list_secrets(st, vault, false, marker, max, items, n, next_marker);
}

enum mv_err mv_store_list_deleted(struct mv_store *st, const char *vault, const char *marker,
                                  size_t max, struct mv_secret_view **items, size_t *n,
                                  char **next_marker)
{
    return list_secrets(st, vault, true, marker, max, items, n, next_marker);
}

static int version_ptr_cmp(const void *a, const void *b)
{
    const struct mv_version *const *x = a, *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

enum mv_err mv_store_list_versions(struct mv_store *st, const char *vault, const char *name,
                                   const char *marker, size_t max, struct mv_secret_view **items,
                                   size_t *n, char **next_marker)
{
    struct mv_secret_view *arr = NULL;
    const struct mv_version **sorted = NULL;
    size_t count = 0, cap = 0;
    char *next = NULL;
    size_t limit = max == 0 ? SIZE_MAX : max;
    struct mv_vault *v;
    struct mv_secret *s;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = find_live(st, vault, name, &v, &s);
    if (rc == MV_E_NOT_FOUND) {
        /* The real service answers an unknown or deleted name with an empty 200 list. */
        rc = MV_OK;
        goto out;
    }
    if (rc != MV_OK)
        goto out;
    /* Versions are kept in creation order; the listing order is by id, as the service's. */
    sorted = malloc(s->nversions * sizeof(*sorted));
    if (sorted == NULL) {
        rc = MV_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < s->nversions; i++)
        sorted[i] = &s->versions[i];
    qsort(sorted, s->nversions, sizeof(*sorted), version_ptr_cmp);
    size_t i = 0;
    if (marker != NULL && marker[0] != '\0') {
        while (i < s->nversions && strcmp(sorted[i]->id, marker) < 0)
            i++;
    }
    for (; i < s->nversions; i++) {
        if (count == limit) {
            next = strdup(sorted[i]->id);
            if (next == NULL)
                rc = MV_E_NOMEM;
            break;
        }
        if (views_reserve(&arr, &cap, count) != 0 || view_fill(&arr[count], v, s, sorted[i]) != 0) {
            rc = MV_E_NOMEM;
            break;
        }
        count++;
    }
out:
    pthread_rwlock_unlock(&st->lock);
    free(sorted);
    if (rc != MV_OK) {
        mv_secret_views_free(arr, count);
        free(next);
        return rc;
    }
    *items = arr;
    *n = count;
    *next_marker = next;
    return MV_OK;
}

enum mv_err mv_store_backup(struct mv_store *st, const char *vault, const char *name,
                            struct mv_secret **out)
{
    struct mv_vault *v;
    struct mv_secret *s;
    struct mv_secret *copy = NULL;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = find_live(st, vault, name, &v, &s);
    if (rc == MV_OK) {
        copy = mv_secret_clone(s);
        if (copy == NULL)
            rc = MV_E_NOMEM;
    }
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = copy;
    else {
        mv_secret_finish(copy);
        free(copy);
    }
    return rc;
}

enum mv_err mv_store_restore(struct mv_store *st, const char *vault, struct mv_secret *s,
                             struct mv_secret_view *out)
{
    struct mv_secret *copy = NULL;
    struct mv_secret_view view = {0};
    enum mv_err rc = MV_OK;

    /* A secret without versions has no current version to serve; there is nothing to restore. */
    if (s == NULL || s->name == NULL || s->nversions == 0)
        return MV_E_NOT_FOUND;

    /* The tree gets its own copy, so that s stays the caller's on every error, MV_E_PERSIST
     * included (the header promises ownership moves on MV_OK only). */
    copy = mv_secret_clone(s);
    if (copy == NULL)
        return MV_E_NOMEM;
    copy->deleted = false;
    copy->deleted_date = 0;
    copy->scheduled_purge_date = 0;

    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t idx = secret_lower_bound(v, copy->name);
    if (idx < v->nsecrets && ci_cmp(v->secrets[idx].name, copy->name) == 0) {
        rc = MV_E_EXISTS;
        goto out;
    }
    struct mv_secret *grown = realloc(v->secrets, (v->nsecrets + 1) * sizeof(*grown));
    if (grown == NULL) {
        rc = MV_E_NOMEM;
        goto out;
    }
    v->secrets = grown;
    if (out != NULL && view_fill(&view, v, copy, current_version(copy)) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    memmove(&v->secrets[idx + 1], &v->secrets[idx], (v->nsecrets - idx) * sizeof(*v->secrets));
    v->secrets[idx] = *copy;
    v->nsecrets++;
    free(copy); /* the shell only: its contents now live in the tree */
    copy = NULL;
    rc = persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_secret_finish(copy);
    free(copy);
    if (rc == MV_OK) {
        mv_secret_finish(s);
        free(s);
        if (out != NULL)
            *out = view;
    } else {
        mv_secret_view_finish(&view);
    }
    return rc;
}

size_t mv_store_purge_due(struct mv_store *st, int64_t now)
{
    size_t purged = 0;

    /* The common case, nothing due, takes no lock at all: next_purge is only written under the
     * write lock, and a stale read merely delays a purge to the next request. */
    if (now < __atomic_load_n(&st->next_purge, __ATOMIC_ACQUIRE))
        return 0;

    pthread_rwlock_wrlock(&st->lock);
    for (size_t i = 0; i < st->data->nvaults; i++) {
        struct mv_vault *v = &st->data->vaults[i];
        size_t keep = 0;
        for (size_t j = 0; j < v->nsecrets; j++) {
            struct mv_secret *s = &v->secrets[j];
            if (s->deleted && s->scheduled_purge_date <= now) {
                mv_secret_finish(s);
                purged++;
                continue;
            }
            if (keep != j)
                v->secrets[keep] = *s;
            keep++;
        }
        v->nsecrets = keep;
    }
    recompute_next_purge(st);
    /* There is no caller to report a save failure to: the next successful change saves the
     * purge along with itself. */
    if (purged > 0)
        (void)persist_locked(st);
    pthread_rwlock_unlock(&st->lock);
    return purged;
}

enum mv_err mv_store_set_vault_access(struct mv_store *st, const char *vault, struct mv_vault *src,
                                      bool policies, bool roles)
{
    struct mv_vault *v;
    enum mv_err rc;

    pthread_rwlock_wrlock(&st->lock);
    v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        pthread_rwlock_unlock(&st->lock);
        return MV_E_NO_VAULT;
    }
    /* Swap the arrays: the live vault takes src's, src takes the old ones to be freed with it. */
    if (policies) {
        struct mv_access_policy *p = v->policies;
        size_t n = v->npolicies;
        v->policies = src->policies;
        v->npolicies = src->npolicies;
        src->policies = p;
        src->npolicies = n;
    }
    if (roles) {
        struct mv_role_assignment *r = v->roles;
        size_t n = v->nroles;
        v->roles = src->roles;
        v->nroles = src->nroles;
        src->roles = r;
        src->nroles = n;
    }
    rc = persist_locked(st);
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

void mv_tenant_display_name(const struct mv_tenant *t, char *out, size_t n)
{
    if (!t->domain || strcasecmp(t->domain, t->id) == 0) {
        snprintf(out, n, "%s", t->id);
        return;
    }
    snprintf(out, n, "%.*s", (int)strcspn(t->domain, "."), t->domain);
    out[0] = (char)toupper((unsigned char)out[0]);
}
