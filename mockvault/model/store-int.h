/* store-int.h: what the store's files (store.c, store-data.c, store-objects.c, store-list.c)
 * share. Private to mockvault/model: nothing outside it includes this file. */
#ifndef MV_STORE_INT_H
#define MV_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consistency.h"
#include "store.h"
#include "util.h"

/* Names and ids compare case-insensitively in ASCII, independent of the locale, so the sort order
 * (lower-cased byte order, which the listing markers rely on) never changes with LC_CTYPE. */
#define ci_cmp cx_strcasecmp

struct mv_store {
    pthread_rwlock_t lock;
    struct mv_data *data; /* owned; never NULL */
    mv_persist_fn persist;
    mv_reload_fn reload; /* NULL: a change that could not be saved stays in memory */
    void *persist_ctx;
    bool has_ops; /* save through ops (row by row) rather than persist */
    struct mv_persist_ops ops;
    /* What the write holding the lock changed so far (sto_changed), for ops.queue. */
    struct mv_change *changes;
    size_t nchanges, changes_cap;
    bool changed_all; /* a change that could not be recorded: save everything */
    /* A lower bound of the earliest scheduledPurgeDate of any soft-deleted secret (INT64_MAX when
     * there is none), so mv_store_purge_due is one comparison when nothing is due. Recover and
     * purge leave it alone: a stale, too-early bound only costs one rescan, which refreshes it. */
    int64_t next_purge;
    /* A lower bound of the earliest time a rotation-policy action may be due (INT64_MAX when no
     * live key has a policy; INT64_MIN when unknown: the next mv_store_rotation_due rescans).
     * Every change to a key marks it unknown, so mv_store_rotation_due is one comparison while
     * nothing is due. */
    int64_t next_rotation;
    /* Pending transitions of --consistency azure (borrowed; NULL = everything visible at once).
     * The finders below consult it, so every family's operations see the same lag. */
    struct mv_consist *consist;
    /* Likewise for the certificates' lifetime actions (mv_store_cert_actions_due): INT64_MAX when
     * none is pending, INT64_MIN when unknown. Every change to a certificate marks it unknown. */
    int64_t next_cert_action;
};

/* Marks the rotation bound unknown (store-keys.c). Caller holds the write lock. */
static inline void sto_rotation_dirty(struct mv_store *st)
{
    __atomic_store_n(&st->next_rotation, INT64_MIN, __ATOMIC_RELEASE);
}

/* Marks the certificates' lifetime-action bound unknown (store-certs.c). Caller holds the write
 * lock. */
static inline void sto_cert_actions_dirty(struct mv_store *st)
{
    __atomic_store_n(&st->next_cert_action, INT64_MIN, __ATOMIC_RELEASE);
}

/* A certificate's key or secret (spec/keyvault-certificates.md §1): every version of such an
 * object is managed, so the current one tells. */
static inline bool sto_managed(const struct mv_object *s)
{
    return s != NULL && s->nversions > 0 && s->versions[s->nversions - 1].managed;
}

/* The families of a certificate's managed key and secret, in the order they are handled. */
static const enum mv_objtype sto_managed_families[2] = {MV_OBJ_KEY, MV_OBJ_SECRET};

/* The managed object of family t named name in v (a certificate's key or secret: delete, recover,
 * purge and the persisted row take them along with the certificate), or NULL when the name holds
 * no such object or a plain one. */
static inline struct mv_object *sto_managed_of(const struct mv_vault *v, enum mv_objtype t,
                                               const char *name)
{
    struct mv_object *m = mv_vault_object(v, t, name);
    return sto_managed(m) ? m : NULL;
}

/* True when certificate s has an operation in progress (a create awaiting completion). */
static inline bool sto_op_in_progress(const struct mv_object *s)
{
    return s != NULL && s->pending != NULL && s->pending->status == MV_COP_IN_PROGRESS;
}

/* store-certs-life.c: the live certificate name with an operation in progress: MV_E_NO_VAULT,
 * MV_E_NOT_FOUND, MV_E_NO_OP, MV_E_OP_NOT_IN_PROGRESS or MV_OK. Caller holds the lock. */
enum mv_err sto_find_running(struct mv_store *st, const char *vault, const char *name,
                             struct mv_vault **vp, struct mv_object **sp);

/* store-data.c: the copies the operations build their results from. */
int sto_dup_opt(char **dst, const char *src);
/* Deep copy of src into dst (whose old contents are not freed). Returns 0, or -1 when out of
 * memory (then dst owns nothing). */
int sto_version_copy(struct mv_version *dst, const struct mv_version *src);

/* The objects of family t in vault v (sorted by lower-cased name) and their number. */
static inline struct mv_object *sto_items(const struct mv_vault *v, enum mv_objtype t)
{
    size_t *n;
    return *mv_vault_family((struct mv_vault *)v, t, &n);
}
static inline size_t sto_count(const struct mv_vault *v, enum mv_objtype t)
{
    size_t *n;
    mv_vault_family((struct mv_vault *)v, t, &n);
    return *n;
}

/* store.c. The finders and sto_persist_locked expect the caller to hold the store's lock. */
/* Index of the first object of family t whose lower-cased name is >= key, in [0, count]. */
size_t sto_lower_bound(const struct mv_vault *v, enum mv_objtype t, const char *key);
/* Moves *o into family t's array at idx (from sto_lower_bound). Returns 0, or -1 when out of
 * memory (then nothing changed and *o is still the caller's). */
int sto_insert(struct mv_vault *v, enum mv_objtype t, size_t idx, struct mv_object *o);
/* Removes and releases the object at idx. */
void sto_remove_at(struct mv_vault *v, enum mv_objtype t, size_t idx);
/* Saves the change the caller made under the write lock (what sto_changed recorded) and returns
 * MV_OK, or MV_E_PERSIST after putting the store back to the state last saved. With row-by-row
 * persistence it RELEASES the lock while the change is committed and takes it again before it
 * returns, so readers never wait for a disk write: pointers into the tree taken before the call are
 * not valid after it (build views and copies first). */
enum mv_err sto_persist_locked(struct mv_store *st);
/* Records that the write holding the lock added, changed or removed object name of family t in
 * vault (sto_changed), or changed the vault's own settings: policies, roles, contacts, issuers
 * (sto_changed_vault). Every mutator calls one of them for each thing it touches, before
 * sto_persist_locked; only those rows are saved. A write that records nothing is saved whole
 * (correct, but it costs what the state costs). */
void sto_changed(struct mv_store *st, enum mv_objtype t, const char *vault, const char *name);
void sto_changed_vault(struct mv_store *st, const char *vault);
int sto_view_fill(struct mv_object_view *out, const struct mv_vault *v, const struct mv_object *s,
                  const struct mv_version *ver);
/* Which certificate extras (the name's policy and operation) a view carries: none (list items),
 * those of the current version only (sto_view_fill: the latest bundle has them, a versioned one
 * does not, spec §2), or always (UpdateCertificate answers the full bundle). */
enum sto_extras { STO_EXTRAS_NONE = 0, STO_EXTRAS_CURRENT, STO_EXTRAS_ALWAYS };
int sto_view_fill_ex(struct mv_object_view *out, const struct mv_vault *v,
                     const struct mv_object *s, const struct mv_version *ver, enum sto_extras ex);
/* Deep copies of policy and op (each may be NULL) into the view's extras. 0, or -1 when out of
 * memory (the view keeps what it had). */
int sto_view_set_extras(struct mv_object_view *out, const struct mv_cert_policy *policy,
                        const struct mv_cert_op *op);
const struct mv_version *sto_current_version(const struct mv_object *s);
struct mv_version *sto_find_version(const struct mv_object *s, const char *version);
/* The live object: MV_E_NO_VAULT, MV_E_NOT_FOUND (absent, soft-deleted, or its recover still
 * pending) or MV_OK. */
enum mv_err sto_find_live(struct mv_store *st, enum mv_objtype t, const char *vault,
                          const char *name, struct mv_vault **vp, struct mv_object **sp);
/* The soft-deleted object: MV_E_NO_VAULT, MV_E_NOT_DELETED (absent or live), MV_E_BEING_DELETED
 * (its delete still pending), MV_E_BEING_RECOVERED (its recover still pending) or MV_OK. */
enum mv_err sto_find_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                             const char *name, struct mv_vault **vp, struct mv_object **sp);
/* The transition pending on a name (MV_CX_NONE without --consistency azure). */
static inline enum mv_cx_kind sto_pending(const struct mv_store *st, enum mv_objtype t,
                                          const char *vault, const char *name)
{
    return mv_consist_pending(st->consist, t, vault, name);
}
/* The end of an operation that built a view under the lock: unlocks, then hands the view to the
 * caller (out, may be NULL) on MV_OK or releases it. Returns rc. */
enum mv_err sto_end_view(struct mv_store *st, enum mv_err rc, struct mv_object_view *view,
                         struct mv_object_view *out);
/* A version id not used by any version of s (NULL s: any id). */
void sto_new_version_id(const struct mv_object *s, char out[33]);

/* store-objects.c: refusals of direct writes to a certificate's key or secret (spec §4). For a
 * write that adds a version of name to family t (a secret or a key): MV_E_MANAGED when the name
 * belongs to a certificate (its managed object, or a certificate of the name, live, deleted or
 * still pending), else MV_OK. Caller holds the lock. */
enum mv_err sto_check_unmanaged(const struct mv_vault *v, enum mv_objtype t, const char *name,
                                const struct mv_object *s);

/* store-objects.c: the steps every family's writes share. Caller holds the write lock. */
/* For a write that adds a version to name in family t: the vault, the sorted index the name has
 * or would have, and the object (NULL when the name is new). MV_E_NO_VAULT, MV_E_DELETED (the
 * name is deleted but recoverable), MV_E_BEING_DELETED / MV_E_BEING_RECOVERED (a delete, purge or
 * recover of the name is still pending) or MV_OK. A family's create goes through it. */
enum mv_err sto_find_for_add(struct mv_store *st, enum mv_objtype t, const char *vault,
                             const char *name, struct mv_vault **vp, size_t *idx,
                             struct mv_object **sp);
/* Fills a zeroed new version's id (unused in s), attributes and times (created = updated = now;
 * enabled defaults to true). */
void sto_new_version_base(const struct mv_object *s, struct mv_version *nv, bool has_enabled,
                          bool enabled, bool has_nbf, int64_t nbf, bool has_exp, int64_t exp,
                          int64_t now);
/* Appends *nv as the new current version of s, or (s NULL) inserts a new object name at idx of
 * family t holding it; first fills *view when view is not NULL. Returns 0 (the tree owns nv's
 * contents and *nv is zeroed) or -1 when out of memory (nothing changed, *view zeroed). */
int sto_add_version(struct mv_vault *v, enum mv_objtype t, size_t idx, struct mv_object *s,
                    const char *name, struct mv_version *nv, struct mv_object_view *view);
/* The attribute part of an update: has_* false leaves a field alone. Returns 0, or -1 when out of
 * memory. */
int sto_apply_attributes(struct mv_version *nv, bool has_tags, const struct mv_tags *tags,
                         bool has_enabled, bool enabled, bool has_nbf, int64_t nbf, bool has_exp,
                         int64_t exp);
/* Changes a copy of one version of a live object with apply(copy, arg) (0, or -1 when out of
 * memory), stamps updated = now and swaps it in; takes the lock itself. version NULL or "" = the
 * current version. */
typedef int (*sto_apply_fn)(struct mv_version *nv, const void *arg);
enum mv_err sto_update_version(struct mv_store *st, enum mv_objtype t, const char *vault,
                               const char *name, const char *version, sto_apply_fn apply,
                               const void *arg, int64_t now, struct mv_object_view *out);

#endif
