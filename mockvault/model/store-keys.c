/* store-keys.c: the keys family's own store operations (spec/keyvault-keys.md §3.1-3.3, §3.9):
 * create and import, update, rotate, the rotation policy and rotation on the mock clock. The
 * shared operations (get, list, delete, backup, ...) are in store-objects.c and store-list.c. */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

#include "keymat.h"

#define SECONDS_PER_DAY 86400
/* Durations longer than this are refused: far beyond any key's life, and far from overflow. */
#define MAX_DURATION_SECONDS (10000LL * 365 * SECONDS_PER_DAY)

/* ---- Durations ---- */

bool mv_duration_parse(const char *s, int64_t *seconds)
{
    /* Designators in the order ISO 8601 requires them, before and after the "T". */
    static const char date_units[] = "YMWD", time_units[] = "HMS";
    static const int64_t date_secs[] = {365 * SECONDS_PER_DAY, 30 * SECONDS_PER_DAY,
                                        7 * SECONDS_PER_DAY, SECONDS_PER_DAY};
    static const int64_t time_secs[] = {3600, 60, 1};
    const char *units = date_units;
    const int64_t *secs = date_secs;
    size_t next = 0, parts = 0;
    int64_t total = 0;

    if (s == NULL || s[0] != 'P')
        return false;
    for (const char *p = s + 1; *p != '\0';) {
        if (*p == 'T') {
            if (units == time_units)
                return false;
            units = time_units;
            secs = time_secs;
            next = 0;
            if (*++p == '\0')
                return false; /* "T" needs at least one time part */
            continue;
        }
        int64_t n = 0;
        size_t digits = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++digits > 9)
                return false;
            n = n * 10 + (*p - '0');
        }
        const char *u = *p != '\0' ? strchr(units + next, *p) : NULL;
        if (digits == 0 || u == NULL)
            return false;
        size_t k = (size_t)(u - units);
        total += n * secs[k];
        if (total > MAX_DURATION_SECONDS)
            return false;
        next = k + 1;
        parts++;
        p++;
    }
    if (parts == 0 || total == 0)
        return false;
    *seconds = total;
    return true;
}

/* ---- Building key versions ---- */

/* Key Vault's key_ops when a create or import names none (spec §2 [REC]). */
static const unsigned char rsa_default_ops[] = {MV_KOP_ENCRYPT, MV_KOP_DECRYPT, MV_KOP_SIGN,
                                                MV_KOP_VERIFY,  MV_KOP_WRAP,    MV_KOP_UNWRAP};
static const unsigned char ec_default_ops[] = {MV_KOP_SIGN, MV_KOP_VERIFY};

static void set_ops(struct mv_key_info *k, const unsigned char *ops, size_t n)
{
    k->nops = n < MV_KEY_OPS_MAX ? n : MV_KEY_OPS_MAX;
    memcpy(k->ops, ops, k->nops);
}

/* A new key info holding a new reference to mat and a copy of release. NULL when out of
 * memory. */
static struct mv_key_info *key_info_new(struct mv_keymat *mat, bool hsm, bool exportable,
                                        const struct mv_release_policy *release)
{
    struct mv_key_info *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return NULL;
    if (mv_release_policy_copy(&k->release, release) != 0) {
        free(k);
        return NULL;
    }
    k->mat = mv_keymat_ref(mat);
    k->hsm = hsm;
    k->exportable = exportable;
    return k;
}

enum mv_err mv_store_create_key(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_key_input *in, int64_t now,
                                struct mv_object_view *out)
{
    struct mv_version nv = {0};
    struct mv_object_view view = {0};
    struct mv_vault *v;
    struct mv_object *s;
    size_t idx = 0;

    if (in == NULL || in->mat == NULL)
        return MV_E_NOMEM; /* nothing to store: a caller bug, reported as a failed allocation */
    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_for_add(st, MV_OBJ_KEY, vault, name, &v, &idx, &s);
    if (rc == MV_OK)
        rc = sto_check_unmanaged(v, MV_OBJ_KEY, name, s);
    if (rc != MV_OK)
        goto out;
    sto_new_version_base(s, &nv, in->has_enabled, in->enabled, in->has_nbf, in->nbf, in->has_exp,
                         in->exp, now);
    nv.key = key_info_new(in->mat, in->hsm, in->exportable, in->release);
    if (nv.key == NULL || mv_tags_copy(&nv.tags, in->tags) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    nv.tags.present = in->tags != NULL;
    if (in->has_ops)
        set_ops(nv.key, in->ops, in->nops);
    else if (mv_keymat_kty(in->mat) == MV_KTY_RSA)
        set_ops(nv.key, rsa_default_ops, sizeof(rsa_default_ops));
    else
        set_ops(nv.key, ec_default_ops, sizeof(ec_default_ops));
    if (sto_add_version(v, MV_OBJ_KEY, idx, s, name, &nv, out != NULL ? &view : NULL) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    sto_rotation_dirty(st);
    sto_changed(st, MV_OBJ_KEY, vault, name);
    rc = sto_persist_locked(st);
out:
    mv_version_finish(&nv); /* a no-op once the tree took the version */
    return sto_end_view(st, rc, &view, out);
}

static int apply_key_update(struct mv_version *nv, const void *arg)
{
    const struct mv_key_update *upd = arg;
    if (nv->key == NULL)
        return -1; /* not a key version: cannot happen for MV_OBJ_KEY */
    if (upd->has_ops)
        set_ops(nv->key, upd->ops, upd->nops);
    if (upd->has_release) {
        struct mv_release_policy *p;
        if (mv_release_policy_copy(&p, upd->release) != 0)
            return -1;
        mv_release_policy_free(nv->key->release);
        nv->key->release = p;
    }
    return sto_apply_attributes(nv, upd->has_tags, upd->tags, upd->has_enabled, upd->enabled,
                                upd->has_nbf, upd->nbf, upd->has_exp, upd->exp);
}

enum mv_err mv_store_update_key(struct mv_store *st, const char *vault, const char *name,
                                const char *version, const struct mv_key_update *upd, int64_t now,
                                struct mv_object_view *out)
{
    return sto_update_version(st, MV_OBJ_KEY, vault, name, version, apply_key_update, upd, now,
                              out);
}

/* The version a rotation adds to s: mat (a new reference), the current version's kty flavour,
 * key_ops, tags, exportability and release policy, enabled, created now, and exp = now + the
 * policy's expiryTime when it has one [DOC]. Returns 0, or -1 when out of memory (the caller
 * releases *nv). */
static int build_rotated(const struct mv_object *s, struct mv_keymat *mat, int64_t now,
                         struct mv_version *nv)
{
    const struct mv_version *cur = sto_current_version(s);
    const struct mv_rotation_policy *p = s->rotation;
    bool has_exp = p != NULL && p->has_expiry;

    sto_new_version_base(s, nv, false, true, false, 0, has_exp,
                         has_exp ? now + p->expiry_seconds : 0, now);
    const struct mv_key_info *ck = cur->key;
    nv->key = key_info_new(mat, ck != NULL && ck->hsm, ck != NULL && ck->exportable,
                           ck != NULL ? ck->release : NULL);
    if (nv->key == NULL || mv_tags_copy(&nv->tags, &cur->tags) != 0)
        return -1;
    if (ck != NULL)
        set_ops(nv->key, ck->ops, ck->nops);
    return 0;
}

enum mv_err mv_store_rotate_key(struct mv_store *st, const char *vault, const char *name,
                                struct mv_keymat *mat, int64_t now, struct mv_object_view *out)
{
    struct mv_version nv = {0};
    struct mv_object_view view = {0};
    struct mv_vault *v;
    struct mv_object *s;

    if (mat == NULL)
        return MV_E_NOMEM;
    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_KEY, vault, name, &v, &s);
    if (rc == MV_OK && sto_managed(s))
        rc = MV_E_MANAGED; /* a certificate's key is renewed with the certificate (spec §4) */
    if (rc != MV_OK)
        goto out;
    if (build_rotated(s, mat, now, &nv) != 0 ||
        sto_add_version(v, MV_OBJ_KEY, 0, s, name, &nv, out != NULL ? &view : NULL) != 0) {
        rc = MV_E_NOMEM;
        goto out;
    }
    sto_rotation_dirty(st);
    sto_changed(st, MV_OBJ_KEY, vault, name);
    rc = sto_persist_locked(st);
out:
    mv_version_finish(&nv);
    return sto_end_view(st, rc, &view, out);
}

/* ---- Rotation policy ---- */

enum mv_err mv_store_get_rotation_policy(struct mv_store *st, const char *vault, const char *name,
                                         struct mv_rotation_policy *out, bool *set)
{
    struct mv_vault *v;
    struct mv_object *s;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_KEY, vault, name, &v, &s);
    if (rc == MV_OK) {
        if (set != NULL)
            *set = s->rotation != NULL;
        if (s->rotation != NULL && out != NULL)
            *out = *s->rotation;
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

enum mv_err mv_store_set_rotation_policy(struct mv_store *st, const char *vault, const char *name,
                                         const struct mv_rotation_policy *in, int64_t now,
                                         struct mv_rotation_policy *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_rotation_policy np = *in;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_KEY, vault, name, &v, &s);
    if (rc == MV_OK && sto_managed(s))
        rc = MV_E_MANAGED; /* its lifetime follows the certificate's policy instead */
    if (rc != MV_OK)
        goto out;
    if (s->rotation == NULL) {
        s->rotation = malloc(sizeof(*s->rotation));
        if (s->rotation == NULL) {
            rc = MV_E_NOMEM;
            goto out;
        }
        np.created = now;
        np.notified[0] = '\0';
    } else {
        /* The policy's creation time and which version was notified outlive a replacement. */
        np.created = s->rotation->created;
        memcpy(np.notified, s->rotation->notified, sizeof(np.notified));
    }
    np.updated = now;
    *s->rotation = np;
    if (out != NULL)
        *out = np;
    sto_rotation_dirty(st);
    sto_changed(st, MV_OBJ_KEY, vault, name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* ---- Rotation on the mock clock ---- */

/* When the action a of policy p is next due on version cur, or INT64_MAX when never (a
 * timeBeforeExpiry trigger on a version without exp, or a Notify already sent for cur). */
static int64_t action_due(const struct mv_rotation_policy *p, const struct mv_rotation_action *a,
                          const struct mv_version *cur)
{
    if (a->type == MV_ROT_NOTIFY && strcmp(p->notified, cur->id) == 0)
        return INT64_MAX;
    if (a->after_create)
        return cur->created + a->seconds;
    return cur->has_exp ? cur->exp - a->seconds : INT64_MAX;
}

/* One action found due, carried from the scan (read lock) to the change (write lock). */
struct rot_job {
    char *vault, *name;
    char version[33]; /* the current version when the job was found */
    enum mv_rotation_type type;
    struct mv_key_spec spec;
    struct mv_keymat *mat; /* Rotate: generated outside the lock; the job's own reference */
    char result[33];       /* the version the event reports ("" = not taken) */
};

static void jobs_free(struct rot_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].vault);
        free(jobs[i].name);
        mv_keymat_unref(jobs[i].mat);
    }
    free(jobs);
}

/* Adds a job for key s of vault v. Returns 0, or -1 when out of memory. */
static int job_add(struct rot_job **jobs, size_t *n, size_t *cap, const struct mv_vault *v,
                   const struct mv_object *s, enum mv_rotation_type type)
{
    const struct mv_version *cur = sto_current_version(s);
    if (cur->key == NULL || cur->key->mat == NULL)
        return 0; /* nothing to rotate from */
    if (*n == *cap) {
        size_t ncap = *cap == 0 ? 8 : *cap * 2;
        struct rot_job *grown = realloc(*jobs, ncap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        *jobs = grown;
        *cap = ncap;
    }
    struct rot_job *j = &(*jobs)[*n];
    memset(j, 0, sizeof(*j));
    j->vault = strdup(v->name);
    j->name = strdup(s->name);
    (*n)++;
    if (j->vault == NULL || j->name == NULL)
        return -1;
    memcpy(j->version, cur->id, sizeof(j->version));
    j->type = type;
    mv_keymat_spec(cur->key->mat, &j->spec);
    return 0;
}

/* Collects the due actions of every live key with a policy (Notify before Rotate, so a Notify
 * names the version it warns about) and returns the earliest time one not yet due will be.
 * Caller holds the read lock. Returns -1 when out of memory, else 0. */
static int scan_due(struct mv_store *st, int64_t now, struct rot_job **jobs, size_t *n,
                    int64_t *next)
{
    size_t cap = 0;
    *next = INT64_MAX;
    for (size_t i = 0; i < st->data->nvaults; i++) {
        const struct mv_vault *v = &st->data->vaults[i];
        for (size_t k = 0; k < v->nkeys; k++) {
            const struct mv_object *s = &v->keys[k];
            if (s->rotation == NULL || s->deleted || s->nversions == 0)
                continue;
            const struct mv_version *cur = sto_current_version(s);
            for (int pass = 0; pass < 2; pass++) {
                enum mv_rotation_type want = pass == 0 ? MV_ROT_NOTIFY : MV_ROT_ROTATE;
                for (size_t a = 0; a < s->rotation->nactions; a++) {
                    const struct mv_rotation_action *act = &s->rotation->actions[a];
                    if (act->type != want)
                        continue;
                    int64_t due = action_due(s->rotation, act, cur);
                    if (due > now) {
                        if (due < *next)
                            *next = due;
                    } else if (job_add(jobs, n, &cap, v, s, want) != 0) {
                        return -1;
                    }
                }
            }
        }
    }
    return 0;
}

/* Applies the jobs under the write lock, each only if the key's current version is still the one
 * the scan saw (a request may have rotated or deleted it meanwhile). Returns the number taken. */
static size_t apply_jobs(struct mv_store *st, struct rot_job *jobs, size_t n, int64_t now)
{
    size_t taken = 0;
    pthread_rwlock_wrlock(&st->lock);
    for (size_t i = 0; i < n; i++) {
        struct rot_job *j = &jobs[i];
        struct mv_vault *v;
        struct mv_object *s;
        if (sto_find_live(st, MV_OBJ_KEY, j->vault, j->name, &v, &s) != MV_OK ||
            s->rotation == NULL || strcmp(sto_current_version(s)->id, j->version) != 0)
            continue;
        if (j->type == MV_ROT_NOTIFY) {
            sto_changed(st, MV_OBJ_KEY, j->vault, j->name);
            memcpy(s->rotation->notified, j->version, sizeof(s->rotation->notified));
            memcpy(j->result, j->version, sizeof(j->result));
            taken++;
            continue;
        }
        struct mv_version nv = {0};
        if (j->mat == NULL || build_rotated(s, j->mat, now, &nv) != 0 ||
            sto_add_version(v, MV_OBJ_KEY, 0, s, j->name, &nv, NULL) != 0) {
            mv_version_finish(&nv);
            continue;
        }
        sto_changed(st, MV_OBJ_KEY, j->vault, j->name);
        memcpy(j->result, sto_current_version(s)->id, sizeof(j->result));
        taken++;
    }
    sto_rotation_dirty(st);
    /* No caller to report a save failure to. With the server's reload hook (a full or read-only
     * state dir) the store went back to the state last saved, so these actions did not happen:
     * no event reports them, and they are found due again at a later check (issue 13). */
    struct mv_data *before = st->data;
    if (taken > 0 && sto_persist_locked(st) != MV_OK && st->data != before) {
        for (size_t i = 0; i < n; i++)
            jobs[i].result[0] = '\0';
        taken = 0;
    }
    pthread_rwlock_unlock(&st->lock);
    return taken;
}

size_t mv_store_rotation_due(struct mv_store *st, int64_t now, mv_rotation_event_fn event,
                             void *ctx)
{
    struct rot_job *jobs = NULL;
    size_t n = 0, taken = 0;
    int64_t next = INT64_MAX;

    /* The common case, nothing due (or no policy at all), takes no lock. */
    if (now < __atomic_load_n(&st->next_rotation, __ATOMIC_ACQUIRE))
        return 0;

    pthread_rwlock_rdlock(&st->lock);
    int rc = scan_due(st, now, &jobs, &n, &next);
    /* Writers are excluded while the read lock is held, so no change can slip between the scan
     * and this store; the jobs found due mark it unknown again when they are applied. */
    if (rc == 0 && n == 0)
        __atomic_store_n(&st->next_rotation, next, __ATOMIC_RELEASE);
    pthread_rwlock_unlock(&st->lock);
    if (rc != 0 || n == 0)
        goto out;

    /* Key generation (RSA-4096 takes a while) runs without the lock, so requests go on. */
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].type == MV_ROT_ROTATE &&
            mv_key_generate(&jobs[i].spec, &jobs[i].mat) != MV_KM_OK)
            jobs[i].mat = NULL;
    }
    taken = apply_jobs(st, jobs, n, now);
    if (event != NULL) {
        for (size_t i = 0; i < n; i++) {
            if (jobs[i].result[0] != '\0')
                event(ctx, jobs[i].vault, jobs[i].name, jobs[i].type, jobs[i].result);
        }
    }
out:
    jobs_free(jobs, n);
    return taken;
}

enum mv_km_err mv_key_generate(const struct mv_key_spec *spec, struct mv_keymat **out)
{
    unsigned char seed[32];
    enum mv_km_err e;

    if (!mv_rand_get_seed(NULL))
        return mv_keymat_generate(spec, NULL, 0, out);
    mv_rand_bytes(seed, sizeof(seed));
    e = mv_keymat_generate(spec, seed, sizeof(seed), out);
    cx_wipe(seed, sizeof(seed));
    return e;
}
