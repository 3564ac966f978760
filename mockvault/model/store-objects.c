/* store-objects.c: the store's operations on one object of any family (get, soft delete, recover,
 * purge, backup, restore) and the secrets' own (set, update). */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

#define SECONDS_PER_DAY 86400

/* A version id not used by any version of s (NULL s: any id). Collisions are practically
 * impossible with random ids, but a seeded generator is cheap to guard against. */
void sto_new_version_id(const struct mv_object *s, char out[33])
{
    for (;;) {
        mv_rand_hex32(out);
        if (s == NULL || sto_find_version(s, out) == NULL)
            return;
    }
}

enum mv_err mv_store_set_secret(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_secret_input *in, int64_t now,
                                struct mv_object_view *out)
{
    enum mv_err rc = MV_OK;
    struct mv_version nv = {0};
    struct mv_object ns = {0}; /* the new secret when the name is new */
    struct mv_object_view view = {0};

    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t idx = sto_lower_bound(v, MV_OBJ_SECRET, name);
    struct mv_object *s = NULL;
    if (idx < v->nsecrets && ci_cmp(v->secrets[idx].name, name) == 0)
        s = &v->secrets[idx];
    if (s != NULL && s->deleted) {
        rc = MV_E_DELETED;
        goto out;
    }

    /* Build everything that can fail before touching the tree, so a failure leaves it as it was. */
    sto_new_version_id(s, nv.id);
    nv.enabled = in->has_enabled ? in->enabled : true;
    nv.has_nbf = in->has_nbf;
    nv.nbf = in->has_nbf ? in->nbf : 0;
    nv.has_exp = in->has_exp;
    nv.exp = in->has_exp ? in->exp : 0;
    nv.created = now;
    nv.updated = now;
    if (sto_dup_opt(&nv.value, in->value != NULL ? in->value : "") != 0 ||
        sto_dup_opt(&nv.content_type, in->content_type) != 0 ||
        mv_tags_copy(&nv.tags, in->tags) != 0) {
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
        if (out != NULL && sto_view_fill(&view, v, s, &nv) != 0) {
            rc = MV_E_NOMEM;
            goto out;
        }
        s->versions[s->nversions++] = nv;
    } else {
        ns.name = strdup(name);
        ns.versions = malloc(sizeof(*ns.versions));
        if (ns.name == NULL || ns.versions == NULL) {
            rc = MV_E_NOMEM;
            goto out;
        }
        if (out != NULL && sto_view_fill(&view, v, &ns, &nv) != 0) {
            rc = MV_E_NOMEM;
            goto out;
        }
        ns.versions[0] = nv;
        ns.nversions = 1;
        if (sto_insert(v, MV_OBJ_SECRET, idx, &ns) != 0) {
            ns.versions[0] = (struct mv_version){0}; /* nv still owns the version's contents */
            ns.nversions = 0;
            rc = MV_E_NOMEM;
            goto out;
        }
    }
    memset(&nv, 0, sizeof(nv)); /* now owned by the tree */
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_version_finish(&nv);
    mv_object_finish(&ns);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_object_view_finish(&view);
    return rc;
}

enum mv_err mv_store_get(struct mv_store *st, enum mv_objtype t, const char *vault,
                         const char *name, const char *version, struct mv_object_view *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_object_view view = {0};

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_live(st, t, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    const struct mv_version *ver = sto_find_version(s, version);
    if (ver == NULL) {
        rc = MV_E_VERSION_NOT_FOUND;
        goto out;
    }
    if (out != NULL && sto_view_fill(&view, v, s, ver) != 0)
        rc = MV_E_NOMEM;
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    return rc;
}

enum mv_err mv_store_update_secret(struct mv_store *st, const char *vault, const char *name,
                                   const char *version, const struct mv_secret_update *upd,
                                   int64_t now, struct mv_object_view *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_object_view view = {0};
    struct mv_version nv = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_SECRET, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    struct mv_version *ver = sto_find_version(s, version);
    if (ver == NULL) {
        rc = MV_E_VERSION_NOT_FOUND;
        goto out;
    }
    /* The updated version is built as a copy and swapped in at the end, so an allocation failure
     * leaves the stored one unchanged. */
    if (sto_version_copy(&nv, ver) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    if (upd->has_content_type) {
        free(nv.content_type);
        if (sto_dup_opt(&nv.content_type, upd->content_type) != 0) {
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
    if (out != NULL && sto_view_fill(&view, v, s, &nv) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    mv_version_finish(ver);
    *ver = nv;
    memset(&nv, 0, sizeof(nv));
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_version_finish(&nv);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_object_view_finish(&view);
    return rc;
}

/* Soft-deletes (deleted true: a live secret) or recovers (deleted false: a deleted one) the
 * secret name, under the write lock, and persists the change. When out is not NULL it receives the
 * secret's view as it is after the change (the caller owns it); on an error it is left untouched.
 * Delete and recover differ only in which secret they find and in the deletion bookkeeping, so
 * they share the locking, view and persistence here. */
static enum mv_err set_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                               const char *name, bool deleted, int64_t now,
                               struct mv_object_view *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_object_view view = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = deleted ? sto_find_live(st, t, vault, name, &v, &s)
                             : sto_find_deleted(st, t, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    if (out != NULL && sto_view_fill(&view, v, s, sto_current_version(s)) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    if (deleted) {
        s->deleted = true;
        s->deleted_date = now;
        s->scheduled_purge_date = now + (int64_t)v->retention_days * SECONDS_PER_DAY;
        if (s->scheduled_purge_date < st->next_purge)
            __atomic_store_n(&st->next_purge, s->scheduled_purge_date, __ATOMIC_RELEASE);
    } else {
        /* All versions come back with the secret; only the deletion bookkeeping goes. */
        s->deleted = false;
        s->deleted_date = 0;
        s->scheduled_purge_date = 0;
    }
    view.deleted = s->deleted;
    view.deleted_date = s->deleted_date;
    view.scheduled_purge_date = s->scheduled_purge_date;
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    else
        mv_object_view_finish(&view);
    return rc;
}

enum mv_err mv_store_delete(struct mv_store *st, enum mv_objtype t, const char *vault,
                            const char *name, int64_t now, struct mv_object_view *out)
{
    return set_deleted(st, t, vault, name, true, now, out);
}

enum mv_err mv_store_get_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                                 const char *name, struct mv_object_view *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_object_view view = {0};

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_deleted(st, t, vault, name, &v, &s);
    if (rc == MV_OK && out != NULL && sto_view_fill(&view, v, s, sto_current_version(s)) != 0)
        rc = MV_E_NOMEM;
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = view;
    return rc;
}

enum mv_err mv_store_recover(struct mv_store *st, enum mv_objtype t, const char *vault,
                             const char *name, struct mv_object_view *out)
{
    return set_deleted(st, t, vault, name, false, 0, out);
}

enum mv_err mv_store_purge(struct mv_store *st, enum mv_objtype t, const char *vault,
                           const char *name)
{
    struct mv_vault *v;
    struct mv_object *s;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_deleted(st, t, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    if (v->purge_protection) {
        rc = MV_E_PURGE_PROTECTED;
        goto out;
    }
    sto_remove_at(v, t, (size_t)(s - sto_items(v, t)));
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

enum mv_err mv_store_backup(struct mv_store *st, enum mv_objtype t, const char *vault,
                            const char *name, struct mv_object **out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_object *copy = NULL;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_live(st, t, vault, name, &v, &s);
    if (rc == MV_OK) {
        copy = mv_object_clone(s);
        if (copy == NULL)
            rc = MV_E_NOMEM;
    }
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = copy;
    else {
        mv_object_finish(copy);
        free(copy);
    }
    return rc;
}

enum mv_err mv_store_restore(struct mv_store *st, enum mv_objtype t, const char *vault,
                             struct mv_object *s, struct mv_object_view *out)
{
    struct mv_object *copy = NULL;
    struct mv_object_view view = {0};
    enum mv_err rc = MV_OK;

    /* A secret without versions has no current version to serve; there is nothing to restore. */
    if (s == NULL || s->name == NULL || s->nversions == 0)
        return MV_E_NOT_FOUND;

    /* The tree gets its own copy, so that s stays the caller's on every error, MV_E_PERSIST
     * included (the header promises ownership moves on MV_OK only). */
    copy = mv_object_clone(s);
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
    size_t idx = sto_lower_bound(v, t, copy->name);
    if (idx < sto_count(v, t) && ci_cmp(sto_items(v, t)[idx].name, copy->name) == 0) {
        rc = MV_E_EXISTS;
        goto out;
    }
    if (out != NULL && sto_view_fill(&view, v, copy, sto_current_version(copy)) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    if (sto_insert(v, t, idx, copy) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    free(copy); /* the shell only: its contents now live in the tree */
    copy = NULL;
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_object_finish(copy);
    free(copy);
    if (rc == MV_OK) {
        mv_object_finish(s);
        free(s);
        if (out != NULL)
            *out = view;
    } else {
        mv_object_view_finish(&view);
    }
    return rc;
}
