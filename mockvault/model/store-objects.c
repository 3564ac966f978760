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

enum mv_err sto_find_for_add(struct mv_store *st, enum mv_objtype t, const char *vault,
                             const char *name, struct mv_vault **vp, size_t *idx,
                             struct mv_object **sp)
{
    *sp = NULL;
    *vp = mv_data_vault(st->data, vault);
    if (*vp == NULL)
        return MV_E_NO_VAULT;
    *idx = sto_lower_bound(*vp, t, name);
    if (*idx < sto_count(*vp, t) && ci_cmp(sto_items(*vp, t)[*idx].name, name) == 0)
        *sp = &sto_items(*vp, t)[*idx];
    /* While a delete, purge or recover of the name is still in progress the service refuses to
     * re-create it (409 ObjectIsBeingDeleted / ObjectIsBeingRecovered). */
    switch (sto_pending(st, t, vault, name)) {
    case MV_CX_DELETE:
    case MV_CX_PURGE: return MV_E_BEING_DELETED;
    case MV_CX_RECOVER: return MV_E_BEING_RECOVERED;
    default: break;
    }
    /* Key Vault refuses to reuse the name of a deleted but recoverable object. */
    if (*sp != NULL && (*sp)->deleted)
        return MV_E_DELETED;
    return MV_OK;
}

int sto_add_version(struct mv_vault *v, enum mv_objtype t, size_t idx, struct mv_object *s,
                    const char *name, struct mv_version *nv, struct mv_object_view *view)
{
    struct mv_object ns = {0}; /* the new object when the name is new */

    if (s != NULL) {
        struct mv_version *grown = realloc(s->versions, (s->nversions + 1) * sizeof(*grown));
        if (grown == NULL)
            return -1;
        s->versions = grown;
        if (view != NULL && sto_view_fill(view, v, s, nv) != 0)
            return -1;
        s->versions[s->nversions++] = *nv;
    } else {
        ns.name = strdup(name);
        ns.versions = malloc(sizeof(*ns.versions));
        if (ns.name == NULL || ns.versions == NULL)
            goto fail;
        if (view != NULL && sto_view_fill(view, v, &ns, nv) != 0)
            goto fail;
        ns.versions[0] = *nv;
        ns.nversions = 1;
        if (sto_insert(v, t, idx, &ns) != 0) {
            ns.versions[0] = (struct mv_version){0}; /* nv still owns the version's contents */
            ns.nversions = 0;
            mv_object_view_finish(view);
            goto fail;
        }
    }
    memset(nv, 0, sizeof(*nv)); /* now owned by the tree */
    return 0;
fail:
    mv_object_finish(&ns);
    return -1;
}

enum mv_err sto_check_unmanaged(const struct mv_vault *v, enum mv_objtype t, const char *name,
                                const struct mv_object *s)
{
    (void)t;
    /* A certificate's name is taken for its key and secret even before the first version
     * completes (and while it is deleted), so that completing it never meets a plain object. */
    if (sto_managed(s) || mv_vault_object(v, MV_OBJ_CERT, name) != NULL)
        return MV_E_MANAGED;
    return MV_OK;
}

void sto_new_version_base(const struct mv_object *s, struct mv_version *nv, bool has_enabled,
                          bool enabled, bool has_nbf, int64_t nbf, bool has_exp, int64_t exp,
                          int64_t now)
{
    sto_new_version_id(s, nv->id);
    nv->enabled = has_enabled ? enabled : true;
    nv->has_nbf = has_nbf;
    nv->nbf = has_nbf ? nbf : 0;
    nv->has_exp = has_exp;
    nv->exp = has_exp ? exp : 0;
    nv->created = now;
    nv->updated = now;
}

enum mv_err mv_store_set_secret(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_secret_input *in, int64_t now,
                                struct mv_object_view *out)
{
    struct mv_version nv = {0};
    struct mv_object_view view = {0};
    struct mv_vault *v;
    struct mv_object *s;
    size_t idx = 0;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_for_add(st, MV_OBJ_SECRET, vault, name, &v, &idx, &s);
    if (rc == MV_OK)
        rc = sto_check_unmanaged(v, MV_OBJ_SECRET, name, s);
    if (rc != MV_OK)
        goto out;

    /* Build everything that can fail before touching the tree, so a failure leaves it as it was. */
    sto_new_version_base(s, &nv, in->has_enabled, in->enabled, in->has_nbf, in->nbf, in->has_exp,
                         in->exp, now);
    if (sto_dup_opt(&nv.value, in->value != NULL ? in->value : "") != 0 ||
        sto_dup_opt(&nv.content_type, in->content_type) != 0 ||
        mv_tags_copy(&nv.tags, in->tags) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    nv.tags.present = in->tags != NULL;
    if (sto_add_version(v, MV_OBJ_SECRET, idx, s, name, &nv, out != NULL ? &view : NULL) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    sto_changed(st, MV_OBJ_SECRET, vault, name);
    rc = sto_persist_locked(st);
out:
    mv_version_finish(&nv);
    return sto_end_view(st, rc, &view, out);
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

int sto_apply_attributes(struct mv_version *nv, bool has_tags, const struct mv_tags *tags,
                         bool has_enabled, bool enabled, bool has_nbf, int64_t nbf, bool has_exp,
                         int64_t exp)
{
    /* Sent tags replace the stored ones wholesale, as Key Vault does. */
    if (has_tags) {
        mv_tags_finish(&nv->tags);
        if (mv_tags_copy(&nv->tags, tags) != 0)
            return -1;
        nv->tags.present = tags != NULL;
    }
    if (has_enabled)
        nv->enabled = enabled;
    if (has_nbf) {
        nv->has_nbf = true;
        nv->nbf = nbf;
    }
    if (has_exp) {
        nv->has_exp = true;
        nv->exp = exp;
    }
    return 0;
}

enum mv_err sto_update_version(struct mv_store *st, enum mv_objtype t, const char *vault,
                               const char *name, const char *version, sto_apply_fn apply,
                               const void *arg, int64_t now, struct mv_object_view *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_object_view view = {0};
    struct mv_version nv = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_live(st, t, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    struct mv_version *ver = sto_find_version(s, version);
    if (ver == NULL) {
        rc = MV_E_VERSION_NOT_FOUND;
        goto out;
    }
    if (t != MV_OBJ_CERT && ver->managed) {
        rc = MV_E_MANAGED; /* a certificate's key or secret changes with it only (spec §4) */
        goto out;
    }
    /* The updated version is built as a copy and swapped in at the end, so an allocation failure
     * leaves the stored one unchanged. */
    if (sto_version_copy(&nv, ver) != 0 || apply(&nv, arg) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    nv.updated = now;
    if (out != NULL && sto_view_fill(&view, v, s, &nv) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    mv_version_finish(ver);
    *ver = nv;
    memset(&nv, 0, sizeof(nv));
    if (t == MV_OBJ_KEY)
        sto_rotation_dirty(st); /* a new exp moves the policy's timeBeforeExpiry actions */
    sto_changed(st, t, vault, name);
    rc = sto_persist_locked(st);
out:
    mv_version_finish(&nv);
    return sto_end_view(st, rc, &view, out);
}

static int apply_secret_update(struct mv_version *nv, const void *arg)
{
    const struct mv_secret_update *upd = arg;
    if (upd->has_content_type) {
        free(nv->content_type);
        if (sto_dup_opt(&nv->content_type, upd->content_type) != 0)
            return -1;
    }
    return sto_apply_attributes(nv, upd->has_tags, upd->tags, upd->has_enabled, upd->enabled,
                                upd->has_nbf, upd->nbf, upd->has_exp, upd->exp);
}

enum mv_err mv_store_update_secret(struct mv_store *st, const char *vault, const char *name,
                                   const char *version, const struct mv_secret_update *upd,
                                   int64_t now, struct mv_object_view *out)
{
    return sto_update_version(st, MV_OBJ_SECRET, vault, name, version, apply_secret_update, upd,
                              now, out);
}

/* The deletion bookkeeping of one object: soft-deleted at now (deleted true) or recovered. */
static void mark_deleted(struct mv_store *st, const struct mv_vault *v, struct mv_object *s,
                         bool deleted, int64_t now)
{
    if (deleted) {
        s->deleted = true;
        s->deleted_date = now;
        s->scheduled_purge_date = now + (int64_t)v->retention_days * SECONDS_PER_DAY;
        if (s->scheduled_purge_date < st->next_purge)
            __atomic_store_n(&st->next_purge, s->scheduled_purge_date, __ATOMIC_RELEASE);
    } else {
        /* All versions come back with the object; only the deletion bookkeeping goes. */
        s->deleted = false;
        s->deleted_date = 0;
        s->scheduled_purge_date = 0;
    }
}

/* A certificate's delete, recover and purge take its managed key and secret with it (spec §3
 * DeleteCertificate): they share its deletion dates, so the scheduled purge removes all three at
 * once. */
static void cascade_deleted(struct mv_store *st, const struct mv_vault *v, const char *name,
                            bool deleted, int64_t now)
{
    for (size_t i = 0; i < 2; i++) {
        struct mv_object *m = sto_managed_of(v, sto_managed_families[i], name);
        if (m != NULL && m->deleted != deleted)
            mark_deleted(st, v, m, deleted, now);
    }
    sto_rotation_dirty(st);
    sto_cert_actions_dirty(st);
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
    if (rc == MV_OK && t != MV_OBJ_CERT && sto_managed(s))
        rc = MV_E_MANAGED; /* deleted with its certificate only (spec §4) */
    if (rc != MV_OK)
        goto out;
    if (out != NULL && sto_view_fill(&view, v, s, sto_current_version(s)) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    mark_deleted(st, v, s, deleted, now);
    if (!deleted && t == MV_OBJ_KEY)
        sto_rotation_dirty(st); /* a recovered key's policy applies again */
    if (t == MV_OBJ_CERT)
        cascade_deleted(st, v, s->name, deleted, now);
    view.deleted = s->deleted;
    view.deleted_date = s->deleted_date;
    view.scheduled_purge_date = s->scheduled_purge_date;
    sto_changed(st, t, vault, name);
    rc = sto_persist_locked(st);
    if (rc == MV_OK)
        mv_consist_record(st->consist, t, vault, name, deleted ? MV_CX_DELETE : MV_CX_RECOVER);
out:
    return sto_end_view(st, rc, &view, out);
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
    /* Right after a delete the deleted object is not found yet: the SDK pollers poll this until
     * 200 (spec/keyvault-secrets.md §1 GetDeletedSecret). */
    if (rc == MV_E_BEING_DELETED)
        rc = MV_E_NOT_DELETED;
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
    if (t == MV_OBJ_CERT) {
        for (size_t i = 0; i < 2; i++) {
            enum mv_objtype mt = sto_managed_families[i];
            struct mv_object *m = sto_managed_of(v, mt, name);
            if (m != NULL && m->deleted)
                sto_remove_at(v, mt, (size_t)(m - sto_items(v, mt)));
        }
        s = mv_vault_object(v, t, name); /* unmoved (another family's array), but be plain */
    }
    sto_remove_at(v, t, (size_t)(s - sto_items(v, t)));
    sto_changed(st, t, vault, name);
    rc = sto_persist_locked(st);
    if (rc == MV_OK)
        mv_consist_record(st->consist, t, vault, name, MV_CX_PURGE);
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
    /* A certificate's key or secret exists only with its certificate (mv_store_cert_restore). */
    if (t != MV_OBJ_CERT && sto_managed(s))
        return MV_E_MANAGED;

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
    /* A restore right after a purge of the name conflicts too, until the purge completes
     * (spec/keyvault-keys.md §3.6, keyvault-secrets.md §1 RestoreSecret). */
    if ((idx < sto_count(v, t) && ci_cmp(sto_items(v, t)[idx].name, copy->name) == 0) ||
        sto_pending(st, t, vault, copy->name) == MV_CX_PURGE) {
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
    sto_changed(st, t, vault, s->name); /* copy's fields moved into the tree */
    free(copy);                         /* the shell only: its contents now live in the tree */
    copy = NULL;
    if (t == MV_OBJ_KEY)
        sto_rotation_dirty(st); /* a restored key may bring a rotation policy */
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
