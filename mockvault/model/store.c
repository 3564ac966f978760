/* store.c: lookups on the mock's data tree and the thread-safe store around it: lifecycle, the
 * lock, views and finding a secret, the scheduled purge and vault access. The operations on
 * secrets are in store-objects.c and store-list.c, freeing and copying in store-data.c. */
#include "store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store-int.h"
#include "util.h"

const char *const mv_secret_perm_names[] = {
    "get", "list", "set", "delete", "recover", "backup", "restore", "purge", NULL,
};

const char *const mv_key_perm_names[] = {
    "get",
    "list",
    "create",
    "import",
    "update",
    "delete",
    "recover",
    "backup",
    "restore",
    "purge",
    "encrypt",
    "decrypt",
    "wrapKey",
    "unwrapKey",
    "sign",
    "verify",
    "release",
    "rotate",
    "getrotationpolicy",
    "setrotationpolicy",
    NULL,
};

const char *const mv_cert_perm_names[] = {
    "get",           "list",       "update",      "create",     "import",
    "delete",        "recover",    "backup",      "restore",    "managecontacts",
    "manageissuers", "getissuers", "listissuers", "setissuers", "deleteissuers",
    "purge",         NULL,
};

const char *const mv_key_op_names[] = {
    "encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export", NULL,
};

static bool ci_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && ci_cmp(a, b) == 0;
}

/* ---- Sorting and lookups ---- */

static int secret_cmp(const void *a, const void *b)
{
    const struct mv_object *x = a, *y = b;
    return ci_cmp(x->name, y->name);
}

static int issuer_cmp(const void *a, const void *b)
{
    const struct mv_cert_issuer *x = a, *y = b;
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
        if (v->nkeys > 1)
            qsort(v->keys, v->nkeys, sizeof(*v->keys), secret_cmp);
        if (v->ncerts > 1)
            qsort(v->certs, v->ncerts, sizeof(*v->certs), secret_cmp);
        if (v->nissuers > 1)
            qsort(v->issuers, v->nissuers, sizeof(*v->issuers), issuer_cmp);
    }
}

size_t sto_lower_bound(const struct mv_vault *v, enum mv_objtype t, const char *key)
{
    const struct mv_object *items = sto_items(v, t);
    size_t lo = 0, hi = sto_count(v, t);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ci_cmp(items[mid].name, key) < 0)
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

struct mv_object *mv_vault_object(const struct mv_vault *v, enum mv_objtype t, const char *name)
{
    if (v == NULL || name == NULL)
        return NULL;
    size_t i = sto_lower_bound(v, t, name);
    if (i < sto_count(v, t) && ci_cmp(sto_items(v, t)[i].name, name) == 0)
        return &sto_items(v, t)[i];
    return NULL;
}

struct mv_object *mv_vault_secret(const struct mv_vault *v, const char *name)
{
    return mv_vault_object(v, MV_OBJ_SECRET, name);
}

const struct mv_object *mv_vault_objects(const struct mv_vault *v, enum mv_objtype t, size_t *n)
{
    *n = sto_count(v, t);
    return sto_items(v, t);
}

const char *mv_objtype_name(enum mv_objtype t)
{
    static const char *const names[MV_OBJ_COUNT] = {
        [MV_OBJ_SECRET] = "secrets",
        [MV_OBJ_KEY] = "keys",
        [MV_OBJ_CERT] = "certificates",
    };
    /* A family without a name here still shows up (the console lists it under this word). */
    return (unsigned)t < MV_OBJ_COUNT && names[t] ? names[t] : "objects";
}

int sto_insert(struct mv_vault *v, enum mv_objtype t, size_t idx, struct mv_object *o)
{
    size_t *n;
    struct mv_object **arr = mv_vault_family(v, t, &n);
    struct mv_object *grown = realloc(*arr, (*n + 1) * sizeof(*grown));

    if (grown == NULL)
        return -1;
    *arr = grown;
    memmove(&grown[idx + 1], &grown[idx], (*n - idx) * sizeof(*grown));
    grown[idx] = *o;
    (*n)++;
    memset(o, 0, sizeof(*o));
    return 0;
}

void sto_remove_at(struct mv_vault *v, enum mv_objtype t, size_t idx)
{
    size_t *n;
    struct mv_object *arr = *mv_vault_family(v, t, &n);

    mv_object_finish(&arr[idx]);
    memmove(&arr[idx], &arr[idx + 1], (*n - idx - 1) * sizeof(*arr));
    (*n)--;
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

/* Caller holds the write lock (or owns st exclusively). */
static void recompute_next_purge(struct mv_store *st)
{
    int64_t min = INT64_MAX;
    for (size_t i = 0; i < st->data->nvaults; i++) {
        const struct mv_vault *v = &st->data->vaults[i];
        for (int t = 0; t < MV_OBJ_COUNT; t++) {
            const struct mv_object *items = sto_items(v, (enum mv_objtype)t);
            for (size_t j = 0; j < sto_count(v, (enum mv_objtype)t); j++) {
                if (items[j].deleted && items[j].scheduled_purge_date < min)
                    min = items[j].scheduled_purge_date;
            }
        }
    }
    __atomic_store_n(&st->next_purge, min, __ATOMIC_RELEASE);
}

static void change_add(struct mv_store *st, enum mv_change_kind kind, enum mv_objtype t,
                       const char *vault, const char *name)
{
    struct mv_change *c;

    if (st->changed_all)
        return;
    if (kind == MV_CHANGE_ALL || vault == NULL || strlen(vault) >= sizeof(c->vault) ||
        (name != NULL && strlen(name) >= sizeof(c->name)))
        goto all;
    if (st->nchanges == st->changes_cap) {
        size_t cap = st->changes_cap == 0 ? 4 : st->changes_cap * 2;
        struct mv_change *grown = realloc(st->changes, cap * sizeof(*grown));
        if (grown == NULL)
            goto all;
        st->changes = grown;
        st->changes_cap = cap;
    }
    c = &st->changes[st->nchanges++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->type = t;
    snprintf(c->vault, sizeof(c->vault), "%s", vault);
    snprintf(c->name, sizeof(c->name), "%s", name != NULL ? name : "");
    return;
all:
    /* Saving everything is always right; it is only slower. */
    st->changed_all = true;
}

void sto_changed(struct mv_store *st, enum mv_objtype t, const char *vault, const char *name)
{
    change_add(st, MV_CHANGE_OBJECT, t, vault, name);
    /* A certificate version is three objects under one name (spec/keyvault-certificates.md §1):
     * its managed key and secret change with it (complete, update mirroring, the soft-delete
     * cascade, restore), so their rows are saved with the certificate's. */
    if (t == MV_OBJ_CERT) {
        change_add(st, MV_CHANGE_OBJECT, MV_OBJ_KEY, vault, name);
        change_add(st, MV_CHANGE_OBJECT, MV_OBJ_SECRET, vault, name);
    }
}

void sto_changed_vault(struct mv_store *st, const char *vault)
{
    change_add(st, MV_CHANGE_VAULT, MV_OBJ_SECRET, vault, NULL);
}

/* Queues the recorded changes and waits, without the lock, until they are durable. Caller holds
 * the write lock; so does it on return. 0, or -1 when they could not be saved. */
static int persist_rows(struct mv_store *st)
{
    static const struct mv_change all = {.kind = MV_CHANGE_ALL};
    bool whole = st->changed_all || st->nchanges == 0;
    uint64_t ticket = 0;
    int rc = st->ops.queue(st->persist_ctx, st->data, whole ? &all : st->changes,
                           whole ? 1 : st->nchanges, &ticket);

    st->nchanges = 0;
    st->changed_all = false;
    if (rc != 0)
        return -1;
    /* The commit (an fsync) runs without the lock: readers and other writers go on, and the
     * commit queue keeps the order in which the changes were made. */
    pthread_rwlock_unlock(&st->lock);
    rc = st->ops.wait(st->persist_ctx, ticket);
    pthread_rwlock_wrlock(&st->lock);
    return rc == 0 ? 0 : -1;
}

/* Caller holds the write lock. Runs the persist hook after a successful change. */
enum mv_err sto_persist_locked(struct mv_store *st)
{
    struct mv_data *saved;
    int rc = 0;

    if (st->has_ops)
        rc = persist_rows(st);
    else if (st->persist != NULL)
        rc = st->persist(st->persist_ctx, st->data);
    st->nchanges = 0;
    st->changed_all = false;
    if (rc == 0)
        return MV_OK;
    /* The change is answered with an error, so it must not stay: back to the state last saved
     * (issue 13, disk faults). The callers touch no part of the tree after this call. */
    if (st->has_ops)
        saved = st->ops.reload != NULL ? st->ops.reload(st->persist_ctx) : NULL;
    else
        saved = st->reload != NULL ? st->reload(st->persist_ctx) : NULL;
    if (saved != NULL) {
        mv_data_sort(saved);
        mv_data_free(st->data);
        st->data = saved;
        recompute_next_purge(st);
        sto_rotation_dirty(st);
    }
    return MV_E_PERSIST;
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
    sto_rotation_dirty(st);
    sto_cert_actions_dirty(st);
    return st;
}

void mv_store_destroy(struct mv_store *st)
{
    if (st == NULL)
        return;
    pthread_rwlock_destroy(&st->lock);
    mv_data_free(st->data);
    free(st->changes);
    free(st);
}

void mv_store_set_persist(struct mv_store *st, mv_persist_fn fn, void *ctx)
{
    pthread_rwlock_wrlock(&st->lock);
    st->persist = fn;
    st->persist_ctx = ctx;
    pthread_rwlock_unlock(&st->lock);
}

void mv_store_set_reload(struct mv_store *st, mv_reload_fn fn)
{
    pthread_rwlock_wrlock(&st->lock);
    st->reload = fn;
    pthread_rwlock_unlock(&st->lock);
}

void mv_store_set_persist_ops(struct mv_store *st, const struct mv_persist_ops *ops, void *ctx)
{
    pthread_rwlock_wrlock(&st->lock);
    st->has_ops = ops != NULL;
    if (ops != NULL)
        st->ops = *ops;
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
    sto_rotation_dirty(st);
    sto_cert_actions_dirty(st);
    change_add(st, MV_CHANGE_ALL, MV_OBJ_SECRET, NULL, NULL);
    rc = sto_persist_locked(st);
    /* A new state has nothing in flight. */
    mv_consist_settle(st->consist);
    pthread_rwlock_unlock(&st->lock);
    mv_data_free(old);
    return rc;
}

void mv_store_set_consistency(struct mv_store *st, struct mv_consist *cx)
{
    pthread_rwlock_wrlock(&st->lock);
    st->consist = cx;
    pthread_rwlock_unlock(&st->lock);
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

void mv_object_view_finish(struct mv_object_view *sv)
{
    if (sv == NULL)
        return;
    free(sv->name);
    mv_version_finish(&sv->v);
    if (sv->policy != NULL) {
        mv_cert_policy_finish(sv->policy);
        free(sv->policy);
    }
    mv_cert_op_free(sv->pending);
    memset(sv, 0, sizeof(*sv));
}

void mv_object_views_free(struct mv_object_view *items, size_t n)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        mv_object_view_finish(&items[i]);
    free(items);
}

int sto_view_set_extras(struct mv_object_view *out, const struct mv_cert_policy *policy,
                        const struct mv_cert_op *op)
{
    struct mv_cert_policy *p = NULL;
    struct mv_cert_op *o = NULL;

    if (policy != NULL) {
        p = malloc(sizeof(*p));
        if (p == NULL || mv_cert_policy_copy(p, policy) != 0) {
            free(p);
            return -1;
        }
    }
    if (op != NULL && (o = mv_cert_op_clone(op)) == NULL) {
        mv_cert_policy_finish(p);
        free(p);
        return -1;
    }
    if (out->policy != NULL) {
        mv_cert_policy_finish(out->policy);
        free(out->policy);
    }
    mv_cert_op_free(out->pending);
    out->policy = p;
    out->pending = o;
    return 0;
}

/* True when ver is s's current version, or a version about to become it (an id s does not
 * have yet). */
static bool is_current(const struct mv_object *s, const struct mv_version *ver)
{
    const struct mv_version *cur = sto_current_version(s);
    return cur == NULL || strcmp(cur->id, ver->id) == 0 || sto_find_version(s, ver->id) == NULL;
}

/* Fills *out with a deep copy of version ver of secret s in vault v. Returns 0, or -1 when out
 * of memory (then *out is zeroed and owns nothing). */
int sto_view_fill(struct mv_object_view *out, const struct mv_vault *v, const struct mv_object *s,
                  const struct mv_version *ver)
{
    return sto_view_fill_ex(out, v, s, ver, STO_EXTRAS_CURRENT);
}

int sto_view_fill_ex(struct mv_object_view *out, const struct mv_vault *v,
                     const struct mv_object *s, const struct mv_version *ver, enum sto_extras ex)
{
    memset(out, 0, sizeof(*out));
    out->deleted = s->deleted;
    out->deleted_date = s->deleted_date;
    out->scheduled_purge_date = s->scheduled_purge_date;
    out->retention_days = v->retention_days;
    out->purge_protection = v->purge_protection;
    if (sto_dup_opt(&out->name, s->name) != 0 || sto_version_copy(&out->v, ver) != 0) {
        free(out->name);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    bool extras = ex == STO_EXTRAS_ALWAYS || (ex == STO_EXTRAS_CURRENT && is_current(s, ver));
    if (extras && (s->policy != NULL || s->pending != NULL) &&
        sto_view_set_extras(out, s->policy, s->pending) != 0) {
        mv_object_view_finish(out);
        return -1;
    }
    return 0;
}

enum mv_err sto_end_view(struct mv_store *st, enum mv_err rc, struct mv_object_view *view,
                         struct mv_object_view *out)
{
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = *view;
    else
        mv_object_view_finish(view);
    return rc;
}

const struct mv_version *sto_current_version(const struct mv_object *s)
{
    return s->nversions > 0 ? &s->versions[s->nversions - 1] : NULL;
}

/* The version of s named by version (NULL or "" = the current one), or NULL. Version ids compare
 * case-insensitively, as Key Vault identifiers do. */
struct mv_version *sto_find_version(const struct mv_object *s, const char *version)
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
enum mv_err sto_find_live(struct mv_store *st, enum mv_objtype t, const char *vault,
                          const char *name, struct mv_vault **vp, struct mv_object **sp)
{
    *vp = mv_data_vault(st->data, vault);
    if (*vp == NULL)
        return MV_E_NO_VAULT;
    *sp = mv_vault_object(*vp, t, name);
    if (*sp == NULL || (*sp)->deleted || (*sp)->nversions == 0)
        return MV_E_NOT_FOUND;
    /* Right after a recover the live name still answers 404 (spec/keyvault-secrets.md §1). */
    if (sto_pending(st, t, vault, name) == MV_CX_RECOVER)
        return MV_E_NOT_FOUND;
    return MV_OK;
}

/* Looks up a soft-deleted secret: MV_E_NO_VAULT, MV_E_NOT_DELETED (absent or live) or MV_OK. */
enum mv_err sto_find_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                             const char *name, struct mv_vault **vp, struct mv_object **sp)
{
    *vp = mv_data_vault(st->data, vault);
    if (*vp == NULL)
        return MV_E_NO_VAULT;
    *sp = mv_vault_object(*vp, t, name);
    if (*sp == NULL || (*sp)->nversions == 0)
        return MV_E_NOT_DELETED;
    /* A deleted certificate's key and secret go with it and come back with it: they are not
     * deleted objects of their own families (get, recover and purge through /deletedsecrets or
     * /deletedkeys do not see them). Whether the service lists them there is not recorded
     * (spec/keyvault-certificates.md §3 DeleteCertificate [UNCERTAIN]). */
    if (t != MV_OBJ_CERT && sto_managed(*sp))
        return MV_E_NOT_DELETED;
    switch (sto_pending(st, t, vault, name)) {
    case MV_CX_DELETE: return MV_E_BEING_DELETED;
    case MV_CX_RECOVER: return MV_E_BEING_RECOVERED;
    default: break;
    }
    return (*sp)->deleted ? MV_OK : MV_E_NOT_DELETED;
}

/* Drops the objects of family t of v whose purge date has come, keeping the order. */
static size_t purge_due_in(struct mv_store *st, struct mv_vault *v, enum mv_objtype t, int64_t now)
{
    size_t *n;
    struct mv_object *items = *mv_vault_family(v, t, &n);
    size_t keep = 0, purged = 0;
    for (size_t j = 0; j < *n; j++) {
        if (items[j].deleted && items[j].scheduled_purge_date <= now) {
            sto_changed(st, t, v->name, items[j].name);
            mv_object_finish(&items[j]);
            purged++;
            continue;
        }
        if (keep != j)
            items[keep] = items[j];
        keep++;
    }
    *n = keep;
    return purged;
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
        /* A certificate's key and secret share its purge date, so they go together. */
        for (int t = 0; t < MV_OBJ_COUNT; t++)
            purged += purge_due_in(st, v, (enum mv_objtype)t, now);
    }
    recompute_next_purge(st);
    /* There is no caller to report a save failure to: with the server's reload hook the purge is
     * undone and made again at a later check, else the next successful change saves it. */
    if (purged > 0)
        (void)sto_persist_locked(st);
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
    sto_changed_vault(st, v->name);
    rc = sto_persist_locked(st);
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
