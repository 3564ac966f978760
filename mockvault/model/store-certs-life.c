/* store-certs-life.c: the rest of the certificates family's store operations
 * (spec/keyvault-certificates.md §2, §3): the operation object (get, cancel, settle, delete,
 * failure), backup and restore of a certificate with its managed key and secret, and lifetime
 * actions on the mock clock. Create, completion, import, update and the policy are in
 * store-certs.c. */
#include "store-certs.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define SECONDS_PER_DAY 86400

/* ---- The operation object ---- */

/* Finds the live certificate and its operation (MV_E_NO_OP when none). Caller holds the lock. */
static enum mv_err find_op(struct mv_store *st, const char *vault, const char *name,
                           struct mv_object **sp)
{
    struct mv_vault *v;
    enum mv_err rc = sto_find_live(st, MV_OBJ_CERT, vault, name, &v, sp);
    if (rc == MV_OK && (*sp)->pending == NULL)
        rc = MV_E_NO_OP;
    return rc;
}

enum mv_err sto_find_running(struct mv_store *st, const char *vault, const char *name,
                             struct mv_vault **vp, struct mv_object **sp)
{
    enum mv_err rc = sto_find_live(st, MV_OBJ_CERT, vault, name, vp, sp);
    if (rc == MV_OK && (*sp)->pending == NULL)
        rc = MV_E_NO_OP;
    if (rc == MV_OK && (*sp)->pending->status != MV_COP_IN_PROGRESS)
        rc = MV_E_OP_NOT_IN_PROGRESS;
    return rc;
}

enum mv_err mv_store_cert_op_get(struct mv_store *st, const char *vault, const char *name,
                                 struct mv_cert_op **out)
{
    struct mv_object *s;
    struct mv_cert_op *c = NULL;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = find_op(st, vault, name, &s);
    if (rc == MV_OK && out != NULL && (c = mv_cert_op_clone(s->pending)) == NULL)
        rc = MV_E_NOMEM;
    pthread_rwlock_unlock(&st->lock);
    if (out != NULL)
        *out = rc == MV_OK ? c : NULL;
    return rc;
}

enum mv_err mv_store_cert_op_cancel(struct mv_store *st, const char *vault, const char *name,
                                    int64_t now, struct mv_cert_op **out)
{
    struct mv_object *s;
    struct mv_cert_op *c = NULL;

    (void)now;
    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_op(st, vault, name, &s);
    if (rc == MV_OK && s->pending->status != MV_COP_IN_PROGRESS)
        rc = MV_E_OP_NOT_IN_PROGRESS;
    if (rc != MV_OK)
        goto out;
    /* The flag is answered at once; the status turns cancelled at the next settle (spec §2, test
     * row 9: PATCH answers inProgress, a later GET cancelled). */
    bool was = s->pending->cancellation_requested;
    s->pending->cancellation_requested = true;
    if (out != NULL && (c = mv_cert_op_clone(s->pending)) == NULL) {
        s->pending->cancellation_requested = was;
        rc = MV_E_NOMEM;
        goto out;
    }
    sto_changed(st, MV_OBJ_CERT, vault, name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = c;
    else
        mv_cert_op_free(c);
    return rc;
}

enum mv_err mv_store_cert_op_delete(struct mv_store *st, const char *vault, const char *name,
                                    struct mv_cert_op **out)
{
    struct mv_object *s;
    struct mv_cert_op *op = NULL;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_op(st, vault, name, &s);
    if (rc == MV_OK) {
        op = s->pending;
        s->pending = NULL;
        sto_changed(st, MV_OBJ_CERT, vault, name);
        rc = sto_persist_locked(st);
    }
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK && out != NULL)
        *out = op;
    else
        mv_cert_op_free(op);
    return rc;
}

enum mv_err mv_store_cert_settle(struct mv_store *st, const char *vault, const char *name,
                                 int64_t now)
{
    struct mv_object *s;

    (void)now;
    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_op(st, vault, name, &s);
    if (rc == MV_E_NO_OP) {
        rc = MV_OK;
        goto out;
    }
    if (rc != MV_OK || s->pending->status != MV_COP_IN_PROGRESS ||
        !s->pending->cancellation_requested)
        goto out;
    s->pending->status = MV_COP_CANCELLED;
    mv_keymat_unref(s->pending->mat);
    s->pending->mat = NULL;
    sto_changed(st, MV_OBJ_CERT, vault, name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

enum mv_err mv_store_cert_fail(struct mv_store *st, const char *vault, const char *name,
                               const char *code, const char *message, int64_t now)
{
    struct mv_vault *v;
    struct mv_object *s;
    char *c = NULL, *m = NULL;

    (void)now;
    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_running(st, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    if (sto_dup_opt(&c, code != NULL ? code : "") != 0 ||
        sto_dup_opt(&m, message != NULL ? message : "") != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    /* .NET's poller never ends on a failed operation without an error (spec §7): always set. */
    struct mv_cert_op *op = s->pending;
    free(op->error_code);
    free(op->error_message);
    op->error_code = c;
    op->error_message = m;
    c = m = NULL;
    op->status = MV_COP_FAILED;
    mv_keymat_unref(op->mat);
    op->mat = NULL;
    sto_changed(st, MV_OBJ_CERT, vault, name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    free(c);
    free(m);
    return rc;
}

/* ---- Backup and restore ---- */

enum mv_err mv_store_cert_backup(struct mv_store *st, const char *vault, const char *name,
                                 struct mv_object **cert, struct mv_object **key,
                                 struct mv_object **secret)
{
    struct mv_vault *v;
    struct mv_object *s, *c[3] = {NULL, NULL, NULL};
    static const enum mv_objtype fam[3] = {MV_OBJ_CERT, MV_OBJ_KEY, MV_OBJ_SECRET};

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_CERT, vault, name, &v, &s);
    for (size_t i = 0; rc == MV_OK && i < 3; i++) {
        const struct mv_object *o = i == 0 ? s : mv_vault_object(v, fam[i], name);
        if (o == NULL || (i > 0 && !sto_managed(o)))
            continue;
        if ((c[i] = mv_object_clone(o)) == NULL)
            rc = MV_E_NOMEM;
    }
    pthread_rwlock_unlock(&st->lock);
    struct mv_object **outs[3] = {cert, key, secret};
    for (size_t i = 0; i < 3; i++) {
        if (rc == MV_OK && outs[i] != NULL) {
            *outs[i] = c[i];
        } else {
            mv_object_finish(c[i]);
            free(c[i]);
        }
    }
    return rc;
}

enum mv_err mv_store_cert_restore(struct mv_store *st, const char *vault, struct mv_object *cert,
                                  struct mv_object *key, struct mv_object *secret,
                                  struct mv_object_view *out)
{
    static const enum mv_objtype fam[3] = {MV_OBJ_CERT, MV_OBJ_KEY, MV_OBJ_SECRET};
    struct mv_object *in[3] = {cert, key, secret}, *copy[3] = {NULL, NULL, NULL};
    struct mv_object_view view = {0};
    struct mv_vault *v;
    size_t inserted = 0;
    enum mv_err rc = MV_E_NOMEM;

    if (cert == NULL || cert->name == NULL || cert->nversions == 0)
        return MV_E_NOT_FOUND;
    /* The tree gets its own copies, so the caller's stay theirs on every error. */
    for (size_t i = 0; i < 3; i++) {
        if (in[i] == NULL)
            continue;
        if ((copy[i] = mv_object_clone(in[i])) == NULL)
            goto free_copies;
        copy[i]->deleted = false;
        copy[i]->deleted_date = copy[i]->scheduled_purge_date = 0;
        /* The key and secret are the certificate's, whatever their blob said: managed, so
         * direct writes to them stay refused after the restore (spec §4). */
        for (size_t k = 0; i > 0 && k < copy[i]->nversions; k++)
            copy[i]->versions[k].managed = true;
    }
    /* A restored certificate has no operation object (spec §3 Restore [REC]). */
    mv_cert_op_free(copy[0]->pending);
    copy[0]->pending = NULL;

    pthread_rwlock_wrlock(&st->lock);
    v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    for (size_t i = 0; i < 3; i++) {
        if (mv_vault_object(v, fam[i], cert->name) != NULL) {
            rc = MV_E_EXISTS;
            goto out;
        }
    }
    if (out != NULL && sto_view_fill(&view, v, copy[0], sto_current_version(copy[0])) != 0)
        goto out;
    for (; inserted < 3; inserted++) {
        size_t i = inserted;
        if (copy[i] == NULL)
            continue;
        if (sto_insert(v, fam[i], sto_lower_bound(v, fam[i], copy[i]->name), copy[i]) != 0) {
            /* Take back what went in: remove the objects inserted before this one. */
            for (size_t k = 0; k < i; k++) {
                struct mv_object *o =
                    copy[k] != NULL ? mv_vault_object(v, fam[k], cert->name) : NULL;
                if (o != NULL)
                    sto_remove_at(v, fam[k], (size_t)(o - sto_items(v, fam[k])));
            }
            goto out;
        }
        free(copy[i]); /* the shell only: its contents now live in the tree */
        copy[i] = NULL;
    }
    sto_cert_actions_dirty(st);
    sto_changed(st, MV_OBJ_CERT, vault, cert->name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
free_copies:
    for (size_t i = 0; i < 3; i++) {
        mv_object_finish(copy[i]);
        free(copy[i]);
    }
    if (rc == MV_OK) {
        for (size_t i = 0; i < 3; i++) {
            mv_object_finish(in[i]);
            free(in[i]);
        }
        if (out != NULL)
            *out = view;
    } else {
        mv_object_view_finish(&view);
    }
    return rc;
}

/* ---- Lifetime actions on the mock clock ---- */

/* When action a of policy p is due on the issued version cur. */
static int64_t action_due(const struct mv_cert_lifetime_action *a, const struct mv_version *cur)
{
    if (a->by_percentage)
        return cur->nbf + (cur->exp - cur->nbf) * a->value / 100;
    return cur->exp - (int64_t)a->value * SECONDS_PER_DAY;
}

struct action_report {
    char *vault, *name;
    enum mv_cert_action_type type;
    char version[33];
};

/* Scans every live certificate (write lock held), marks the due actions as reported and collects
 * them; *next gets the earliest time one not yet due will be. -1 when out of memory. */
static int scan_actions(struct mv_store *st, int64_t now, struct action_report **reps, size_t *n,
                        int64_t *next)
{
    size_t cap = 0;
    *next = INT64_MAX;
    for (size_t i = 0; i < st->data->nvaults; i++) {
        const struct mv_vault *v = &st->data->vaults[i];
        for (size_t k = 0; k < v->ncerts; k++) {
            struct mv_object *s = &v->certs[k];
            const struct mv_version *cur = sto_current_version(s);
            /* A renewal under way (or a version still pending) waits for its outcome. */
            if (s->deleted || cur == NULL || s->policy == NULL || sto_op_in_progress(s) ||
                cur->cert == NULL || cur->cert->der == NULL || !cur->has_exp || !cur->has_nbf)
                continue;
            struct mv_cert_policy *p = s->policy;
            bool same = strcmp(p->actioned, cur->id) == 0;
            for (size_t a = 0; a < p->nactions; a++) {
                if (same && (p->actioned_mask & (1u << a)) != 0)
                    continue;
                int64_t due = action_due(&p->actions[a], cur);
                if (due > now) {
                    if (due < *next)
                        *next = due;
                    continue;
                }
                if (*n == cap) {
                    size_t ncap = cap == 0 ? 8 : cap * 2;
                    struct action_report *g = realloc(*reps, ncap * sizeof(*g));
                    if (g == NULL)
                        return -1;
                    *reps = g;
                    cap = ncap;
                }
                struct action_report *r = &(*reps)[*n];
                r->vault = strdup(v->name);
                r->name = strdup(s->name);
                (*n)++;
                if (r->vault == NULL || r->name == NULL)
                    return -1;
                r->type = p->actions[a].type;
                memcpy(r->version, cur->id, sizeof(r->version));
                if (!same) {
                    memcpy(p->actioned, cur->id, sizeof(p->actioned));
                    p->actioned_mask = 0;
                    same = true;
                }
                p->actioned_mask |= 1u << a;
            }
        }
    }
    return 0;
}

size_t mv_store_cert_actions_due(struct mv_store *st, int64_t now, mv_cert_action_fn due, void *ctx)
{
    struct action_report *reps = NULL;
    size_t n = 0, reported = 0;
    int64_t next = INT64_MAX;

    /* The common case, nothing due, takes no lock. */
    if (now < __atomic_load_n(&st->next_cert_action, __ATOMIC_ACQUIRE))
        return 0;
    pthread_rwlock_wrlock(&st->lock);
    int rc = scan_actions(st, now, &reps, &n, &next);
    /* The reported versions are recorded in the policies, so the bound can move past them. */
    __atomic_store_n(&st->next_cert_action, rc == 0 ? next : INT64_MIN, __ATOMIC_RELEASE);
    if (n > 0) {
        /* With the server's reload hook a failed save undoes the marks: nothing is reported
         * and the actions are found due again later, as for key rotation (issue 13). */
        struct mv_data *before = st->data;
        for (size_t i = 0; i < n; i++)
            sto_changed(st, MV_OBJ_CERT, reps[i].vault, reps[i].name);
        if (sto_persist_locked(st) != MV_OK && st->data != before) {
            sto_cert_actions_dirty(st);
            for (size_t i = 0; i < n; i++)
                reps[i].version[0] = '\0';
        }
    }
    pthread_rwlock_unlock(&st->lock);
    for (size_t i = 0; i < n; i++) {
        if (reps[i].version[0] == '\0' || reps[i].vault == NULL || reps[i].name == NULL)
            continue;
        if (due != NULL)
            due(ctx, reps[i].vault, reps[i].name, reps[i].type, reps[i].version);
        reported++;
    }
    for (size_t i = 0; i < n; i++) {
        free(reps[i].vault);
        free(reps[i].name);
    }
    free(reps);
    return reported;
}
