/* store-certs.c: the certificates family's own store operations (spec/keyvault-certificates.md
 * §1-§3): create (a pending version and the operation object), completion and import (the
 * certificate version with its managed key and secret under one version id), update and the
 * policy. The operation object, backup and restore and lifetime actions are in
 * store-certs-life.c, lists in store-list.c, contacts and issuers in store-certs-meta.c; get,
 * delete, recover and purge are the shared ones of store-objects.c, which cascade to the managed
 * key and secret. */
#include "store-certs.h"

#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "store-int.h"

/* ---- Small builders ---- */

/* x5t: unpadded base64url of SHA-1(der) (spec §1), computed here so the store does not depend
 * on the X.509 layer. */
static int x5t_of(const unsigned char *der, size_t len, char out[28])
{
    struct sha1_ctx ctx;
    unsigned char digest[SHA1_DIGEST_SIZE];
    char *b64;

    sha1_init(&ctx);
    sha1_update(&ctx, len, der);
    sha1_digest(&ctx, sizeof(digest), digest);
    b64 = cx_b64url_encode(digest, sizeof(digest));
    if (b64 == NULL || strlen(b64) >= 28) {
        free(b64);
        return -1;
    }
    strcpy(out, b64);
    free(b64);
    return 0;
}

size_t mv_cert_key_ops(unsigned ku, enum mv_kty kty, unsigned char ops[MV_KEY_OPS_MAX])
{
    size_t n = 0;
    unsigned char want[8];
    size_t nwant = 0;

    if (ku &
        (MV_KU_DIGITAL_SIGNATURE | MV_KU_NON_REPUDIATION | MV_KU_KEY_CERT_SIGN | MV_KU_CRL_SIGN)) {
        want[nwant++] = MV_KOP_SIGN;
        want[nwant++] = MV_KOP_VERIFY;
    }
    if (kty == MV_KTY_RSA) {
        if (ku & MV_KU_KEY_ENCIPHERMENT) {
            want[nwant++] = MV_KOP_WRAP;
            want[nwant++] = MV_KOP_UNWRAP;
        }
        if (ku & (MV_KU_DATA_ENCIPHERMENT | MV_KU_ENCIPHER_ONLY))
            want[nwant++] = MV_KOP_ENCRYPT;
        if (ku & (MV_KU_DATA_ENCIPHERMENT | MV_KU_DECIPHER_ONLY))
            want[nwant++] = MV_KOP_DECRYPT;
    }
    for (size_t i = 0; i < nwant; i++) {
        if (memchr(ops, want[i], n) == NULL)
            ops[n++] = want[i];
    }
    return n;
}

static struct mv_cert_policy *policy_dup(const struct mv_cert_policy *src)
{
    struct mv_cert_policy *p = malloc(sizeof(*p));
    if (p == NULL)
        return NULL;
    if (mv_cert_policy_copy(p, src) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

static void policy_free(struct mv_cert_policy *p)
{
    mv_cert_policy_finish(p);
    free(p);
}

static bool same_actions(const struct mv_cert_policy *a, const struct mv_cert_policy *b)
{
    if (a == NULL || a->nactions != b->nactions)
        return false;
    for (size_t i = 0; i < a->nactions; i++) {
        const struct mv_cert_lifetime_action *x = &a->actions[i], *y = &b->actions[i];
        if (x->by_percentage != y->by_percentage || x->value != y->value || x->type != y->type)
            return false;
    }
    return true;
}

/* A copy of in to replace old: created kept from old (now when new), updated now, and which
 * lifetime actions fired kept (they are about versions, not about the policy's text). */
static struct mv_cert_policy *policy_replacement(const struct mv_cert_policy *in,
                                                 const struct mv_cert_policy *old, int64_t now)
{
    struct mv_cert_policy *p = policy_dup(in);
    if (p == NULL)
        return NULL;
    p->created = old != NULL ? old->created : now;
    p->updated = now;
    p->actioned[0] = '\0';
    p->actioned_mask = 0;
    /* The marks name actions by index: they stay valid only for the same actions. */
    if (same_actions(old, p)) {
        memcpy(p->actioned, old->actioned, sizeof(p->actioned));
        p->actioned_mask = old->actioned_mask;
    }
    return p;
}

/* A plain key or secret of the name blocks a certificate (its key and secret could not be
 * created under it). */
static enum mv_err check_names(const struct mv_vault *v, const char *name)
{
    for (size_t i = 0; i < 2; i++) {
        const struct mv_object *o = mv_vault_object(v, sto_managed_families[i], name);
        if (o != NULL && o->nversions > 0 && !sto_managed(o))
            return MV_E_NAME_IN_USE;
    }
    return MV_OK;
}

/* For a write that adds a version to certificate name (create, import): the vault, the sorted
 * index and the object (NULL when new); MV_E_DELETED, MV_E_NAME_IN_USE or MV_E_OP_IN_PROGRESS when
 * it cannot have one now. Caller holds the write lock. */
static enum mv_err find_for_new_version(struct mv_store *st, const char *vault, const char *name,
                                        struct mv_vault **vp, size_t *idx, struct mv_object **sp)
{
    enum mv_err rc = sto_find_for_add(st, MV_OBJ_CERT, vault, name, vp, idx, sp);
    if (rc == MV_OK)
        rc = check_names(*vp, name);
    if (rc == MV_OK && sto_op_in_progress(*sp))
        rc = MV_E_OP_IN_PROGRESS;
    return rc;
}

/* The certificate object of name, inserted without versions when new (*created true), so that a
 * policy can be set before the first version is added. NULL when out of memory. */
static struct mv_object *cert_shell(struct mv_vault *v, const char *name, size_t idx,
                                    struct mv_object *s, bool *created)
{
    struct mv_object ns = {0};
    *created = false;
    if (s != NULL)
        return s;
    ns.name = strdup(name);
    if (ns.name == NULL || sto_insert(v, MV_OBJ_CERT, idx, &ns) != 0) {
        free(ns.name);
        return NULL;
    }
    *created = true;
    return &v->certs[idx];
}

/* Appends nv as the newest version of name in family t, creating the object. 0, or -1 when out of
 * memory (nothing changed). */
static int add_to(struct mv_vault *v, enum mv_objtype t, const char *name, struct mv_version *nv)
{
    size_t idx = sto_lower_bound(v, t, name);
    struct mv_object *o = NULL;
    if (idx < sto_count(v, t) && ci_cmp(sto_items(v, t)[idx].name, name) == 0)
        o = &sto_items(v, t)[idx];
    return sto_add_version(v, t, idx, o, name, nv, NULL);
}

/* Undoes add_to (and drops an object left without versions, e.g. a new certificate's shell). */
static void undo_add(struct mv_vault *v, enum mv_objtype t, const char *name)
{
    struct mv_object *o = mv_vault_object(v, t, name);
    if (o == NULL)
        return;
    if (o->nversions > 0)
        mv_version_finish(&o->versions[--o->nversions]);
    if (o->nversions == 0)
        sto_remove_at(v, t, (size_t)(o - sto_items(v, t)));
}

/* A version id unused by the certificate and by its key and secret, which share it. */
static void trio_version_id(const struct mv_vault *v, const char *name, char out[33])
{
    const struct mv_object *c = mv_vault_object(v, MV_OBJ_CERT, name);
    const struct mv_object *k = mv_vault_object(v, MV_OBJ_KEY, name);
    const struct mv_object *s = mv_vault_object(v, MV_OBJ_SECRET, name);
    do
        sto_new_version_id(c, out);
    while ((k != NULL && sto_find_version(k, out) != NULL) ||
           (s != NULL && sto_find_version(s, out) != NULL));
}

/* The managed key and secret versions of an issued certificate version cv (same id, attributes
 * mirrored: enabled, nbf/exp = the certificate's dates, created/updated, tags). 0, or -1 when out
 * of memory (the caller finishes both). */
static int build_managed(const struct mv_version *cv, const struct mv_cert_policy *p,
                         struct mv_keymat *mat, const struct mv_cert_issue *in,
                         struct mv_version *kv, struct mv_version *sv)
{
    for (int i = 0; i < 2; i++) {
        struct mv_version *m = i == 0 ? kv : sv;
        memset(m, 0, sizeof(*m));
        memcpy(m->id, cv->id, sizeof(m->id));
        m->managed = true;
        m->enabled = cv->enabled;
        m->has_nbf = m->has_exp = true;
        m->nbf = cv->nbf;
        m->exp = cv->exp;
        m->created = cv->created;
        m->updated = cv->updated;
        if (mv_tags_copy(&m->tags, &cv->tags) != 0)
            return -1;
    }
    kv->key = calloc(1, sizeof(*kv->key));
    if (kv->key == NULL ||
        sto_dup_opt(&sv->value, in->secret_value != NULL ? in->secret_value : "") != 0 ||
        sto_dup_opt(&sv->content_type, in->secret_content_type) != 0)
        return -1;
    kv->key->mat = mv_keymat_ref(mat);
    kv->key->hsm = p->hsm;
    kv->key->exportable = p->exportable;
    kv->key->nops = mv_cert_key_ops(p->key_usage, mv_keymat_kty(mat), kv->key->ops);
    return 0;
}

/* Gives an issued certificate to version cv (a zeroed new one or a pending one's copy): the DER,
 * x5t, dates, tags and enabled state. 0, or -1 when out of memory. */
static int issue_into(struct mv_version *cv, const struct mv_cert_issue *in, bool enabled,
                      int64_t now)
{
    if (cv->cert == NULL && (cv->cert = calloc(1, sizeof(*cv->cert))) == NULL)
        return -1;
    free(cv->cert->der);
    cv->cert->der = malloc(in->der_len > 0 ? in->der_len : 1);
    if (cv->cert->der == NULL)
        return -1;
    memcpy(cv->cert->der, in->der, in->der_len);
    cv->cert->der_len = in->der_len;
    if (x5t_of(in->der, in->der_len, cv->cert->x5t) != 0)
        return -1;
    cv->has_nbf = cv->has_exp = true;
    cv->nbf = in->nbf;
    cv->exp = in->exp;
    cv->enabled = in->has_enabled ? in->enabled : enabled;
    cv->updated = now;
    if (in->tags != NULL) {
        mv_tags_finish(&cv->tags);
        if (mv_tags_copy(&cv->tags, in->tags) != 0)
            return -1;
        cv->tags.present = true;
    }
    return 0;
}

/* Adds the managed key and secret versions; on failure nothing changed. */
static int add_managed(struct mv_vault *v, const char *name, struct mv_version *kv,
                       struct mv_version *sv)
{
    if (add_to(v, MV_OBJ_KEY, name, kv) != 0)
        return -1;
    if (add_to(v, MV_OBJ_SECRET, name, sv) != 0) {
        undo_add(v, MV_OBJ_KEY, name);
        return -1;
    }
    return 0;
}

/* A view of version ver of certificate name (the object may not hold it yet) with the given
 * policy and operation as its extras. 0, or -1 when out of memory. */
static int view_of(struct mv_object_view *out, const struct mv_vault *v, const char *name,
                   const struct mv_version *ver, const struct mv_cert_policy *p,
                   const struct mv_cert_op *op)
{
    struct mv_object shell = {.name = (char *)name};
    if (sto_view_fill_ex(out, v, &shell, ver, STO_EXTRAS_NONE) != 0)
        return -1;
    if (sto_view_set_extras(out, p, op) != 0) {
        mv_object_view_finish(out);
        return -1;
    }
    return 0;
}

/* The end of a write: persists the change, unlocks and hands out the view. */
static enum mv_err end_write(struct mv_store *st, enum mv_err rc, const char *vault,
                             const char *name, struct mv_object_view *view,
                             struct mv_object_view *out)
{
    if (rc == MV_OK) {
        sto_cert_actions_dirty(st);
        sto_changed(st, MV_OBJ_CERT, vault, name);
        rc = sto_persist_locked(st);
    }
    return sto_end_view(st, rc, view, out);
}

/* ---- Create, complete, fail, import ---- */

enum mv_err mv_store_cert_begin(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_cert_begin *in, int64_t now, struct mv_cert_op *out,
                                char *version)
{
    struct mv_version nv = {0};
    struct mv_cert_policy *np = NULL;
    struct mv_cert_op *op = NULL, copy = {0};
    struct mv_vault *v;
    struct mv_object *s;
    size_t idx = 0;
    bool created = false;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_for_new_version(st, vault, name, &v, &idx, &s);
    if (rc == MV_OK && in->policy == NULL && (s == NULL || s->policy == NULL))
        rc = MV_E_POLICY_REQUIRED;
    if (rc != MV_OK)
        goto out;

    /* Everything that can fail is built before the tree changes. */
    rc = MV_E_NOMEM;
    if (in->policy != NULL &&
        (np = policy_replacement(in->policy, s != NULL ? s->policy : NULL, now)) == NULL)
        goto out;
    const struct mv_cert_policy *eff = np != NULL ? np : s->policy;
    trio_version_id(v, name, nv.id);
    nv.enabled = false; /* pending: no certificate yet (spec §1 [REC]) */
    nv.created = nv.updated = now;
    nv.cert = calloc(1, sizeof(*nv.cert));
    op = calloc(1, sizeof(*op));
    if (nv.cert == NULL || op == NULL || mv_tags_copy(&nv.tags, in->tags) != 0 ||
        sto_dup_opt(&op->issuer_name, eff->issuer_name) != 0)
        goto out;
    nv.tags.present = in->tags != NULL;
    if (in->csr != NULL && in->csr_len > 0) {
        if ((op->csr = malloc(in->csr_len)) == NULL)
            goto out;
        memcpy(op->csr, in->csr, in->csr_len);
        op->csr_len = in->csr_len;
    }
    op->status = MV_COP_IN_PROGRESS;
    mv_rand_hex32(op->request_id);
    memcpy(op->version, nv.id, sizeof(op->version));
    op->enabled_on_complete = in->has_enabled ? in->enabled : true;
    op->created = now;
    op->mat = in->mat != NULL ? mv_keymat_ref(in->mat) : NULL;
    if (out != NULL && mv_cert_op_copy(&copy, op) != 0)
        goto out;

    if ((s = cert_shell(v, name, idx, s, &created)) == NULL ||
        sto_add_version(v, MV_OBJ_CERT, idx, s, name, &nv, NULL) != 0) {
        if (created)
            undo_add(v, MV_OBJ_CERT, name);
        goto out;
    }
    if (np != NULL) {
        policy_free(s->policy);
        s->policy = np;
        np = NULL;
    }
    mv_cert_op_free(s->pending);
    s->pending = op;
    op = NULL;
    if (version != NULL)
        memcpy(version, s->pending->version, 33);
    sto_cert_actions_dirty(st);
    sto_changed(st, MV_OBJ_CERT, vault, name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_version_finish(&nv);
    policy_free(np);
    mv_cert_op_free(op);
    if (rc == MV_OK && out != NULL)
        *out = copy;
    else
        mv_cert_op_finish(&copy);
    return rc;
}

enum mv_err mv_store_cert_complete(struct mv_store *st, const char *vault, const char *name,
                                   const struct mv_cert_issue *in, int64_t now,
                                   struct mv_object_view *out)
{
    struct mv_version nc = {0}, kv = {0}, sv = {0};
    struct mv_object_view view = {0};
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_version *ver = NULL;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_running(st, vault, name, &v, &s);
    if (rc == MV_OK && (ver = sto_find_version(s, s->pending->version)) == NULL)
        rc = MV_E_VERSION_NOT_FOUND;
    if (rc == MV_OK)
        rc = check_names(v, name);
    if (rc == MV_OK && (s->pending->mat == NULL || s->policy == NULL))
        rc = MV_E_NO_OP; /* an operation without its key cannot complete */
    if (rc != MV_OK)
        goto out;

    struct mv_cert_op *op = s->pending;
    rc = MV_E_NOMEM;
    if (sto_version_copy(&nc, ver) != 0 || issue_into(&nc, in, op->enabled_on_complete, now) != 0 ||
        build_managed(&nc, s->policy, op->mat, in, &kv, &sv) != 0)
        goto out;
    if (out != NULL) {
        /* The view shows the operation as it is once completed. */
        struct mv_cert_op done = *op;
        done.status = MV_COP_COMPLETED;
        done.mat = NULL;
        if (view_of(&view, v, s->name, &nc, s->policy, &done) != 0)
            goto out;
        if (strcmp(sto_current_version(s)->id, nc.id) != 0) {
            /* Not the latest version: a versioned bundle carries no policy nor pending. */
            (void)sto_view_set_extras(&view, NULL, NULL);
        }
    }
    if (add_managed(v, s->name, &kv, &sv) != 0)
        goto out;
    mv_version_finish(ver);
    *ver = nc;
    memset(&nc, 0, sizeof(nc));
    op->status = MV_COP_COMPLETED;
    mv_keymat_unref(op->mat);
    op->mat = NULL;
    rc = MV_OK;
out:
    mv_version_finish(&nc);
    mv_version_finish(&kv);
    mv_version_finish(&sv);
    return end_write(st, rc, vault, name, &view, out);
}

enum mv_err mv_store_cert_import(struct mv_store *st, const char *vault, const char *name,
                                 const struct mv_cert_import *in, int64_t now,
                                 struct mv_object_view *out)
{
    struct mv_version nv = {0}, kv = {0}, sv = {0};
    struct mv_object_view view = {0};
    struct mv_cert_policy *np = NULL;
    struct mv_vault *v;
    struct mv_object *s;
    size_t idx = 0;
    bool created = false;

    if (in == NULL || in->policy == NULL || in->mat == NULL || in->issue.der == NULL)
        return MV_E_NOMEM; /* nothing to file: a caller bug, reported as a failed allocation */
    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = find_for_new_version(st, vault, name, &v, &idx, &s);
    if (rc != MV_OK)
        goto out;

    rc = MV_E_NOMEM;
    np = policy_replacement(in->policy, s != NULL ? s->policy : NULL, now);
    if (np == NULL)
        goto out;
    trio_version_id(v, name, nv.id);
    nv.created = nv.updated = now;
    if (issue_into(&nv, &in->issue, true, now) != 0 ||
        build_managed(&nv, np, in->mat, &in->issue, &kv, &sv) != 0)
        goto out;
    /* Imports leave no operation object, so the bundle has no "pending" (spec §2 [REC]). */
    if (out != NULL && view_of(&view, v, name, &nv, np, NULL) != 0)
        goto out;
    if ((s = cert_shell(v, name, idx, s, &created)) == NULL)
        goto out;
    if (add_to(v, MV_OBJ_CERT, name, &nv) != 0) {
        if (created)
            undo_add(v, MV_OBJ_CERT, name);
        goto out;
    }
    if (add_managed(v, name, &kv, &sv) != 0) {
        undo_add(v, MV_OBJ_CERT, name);
        goto out;
    }
    s = mv_vault_object(v, MV_OBJ_CERT, name);
    policy_free(s->policy);
    s->policy = np;
    np = NULL;
    mv_cert_op_free(s->pending);
    s->pending = NULL;
    rc = MV_OK;
out:
    policy_free(np);
    mv_version_finish(&nv);
    mv_version_finish(&kv);
    mv_version_finish(&sv);
    return end_write(st, rc, vault, name, &view, out);
}

/* ---- Update and policy ---- */

/* Copies of the managed version of family t with id (NULL when absent) with upd applied. */
static int mirror_update(const struct mv_vault *v, enum mv_objtype t, const char *name,
                         const char *id, const struct mv_cert_update *upd, int64_t now,
                         struct mv_version **target, struct mv_version *copy)
{
    const struct mv_object *o = mv_vault_object(v, t, name);
    *target = o != NULL && sto_managed(o) ? sto_find_version(o, id) : NULL;
    if (*target == NULL)
        return 0;
    if (sto_version_copy(copy, *target) != 0 ||
        sto_apply_attributes(copy, upd->has_tags, upd->tags, upd->has_enabled, upd->enabled, false,
                             0, false, 0) != 0)
        return -1;
    copy->updated = now;
    return 0;
}

enum mv_err mv_store_cert_update(struct mv_store *st, const char *vault, const char *name,
                                 const char *version, const struct mv_cert_update *upd, int64_t now,
                                 struct mv_object_view *out)
{
    struct mv_version nc = {0}, kc = {0}, sc = {0};
    struct mv_version *kt = NULL, *stv = NULL;
    struct mv_object_view view = {0};
    struct mv_cert_policy *np = NULL;
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_version *ver = NULL;

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_CERT, vault, name, &v, &s);
    if (rc == MV_OK && (ver = sto_find_version(s, version)) == NULL)
        rc = MV_E_VERSION_NOT_FOUND;
    if (rc != MV_OK)
        goto out;
    rc = MV_E_NOMEM;
    if (sto_version_copy(&nc, ver) != 0 ||
        sto_apply_attributes(&nc, upd->has_tags, upd->tags, upd->has_enabled, upd->enabled, false,
                             0, false, 0) != 0)
        goto out;
    nc.updated = now;
    /* enabled and tags are mirrored to the key and secret of the version (spec §3 [DOC]). */
    if (mirror_update(v, MV_OBJ_KEY, s->name, ver->id, upd, now, &kt, &kc) != 0 ||
        mirror_update(v, MV_OBJ_SECRET, s->name, ver->id, upd, now, &stv, &sc) != 0)
        goto out;
    if (upd->policy != NULL && (np = policy_replacement(upd->policy, s->policy, now)) == NULL)
        goto out;
    /* UpdateCertificate answers the full bundle, with policy (spec §3). */
    if (out != NULL &&
        view_of(&view, v, s->name, &nc, np != NULL ? np : s->policy, s->pending) != 0)
        goto out;
    mv_version_finish(ver);
    *ver = nc;
    memset(&nc, 0, sizeof(nc));
    if (kt != NULL) {
        mv_version_finish(kt);
        *kt = kc;
        memset(&kc, 0, sizeof(kc));
    }
    if (stv != NULL) {
        mv_version_finish(stv);
        *stv = sc;
        memset(&sc, 0, sizeof(sc));
    }
    if (np != NULL) {
        policy_free(s->policy);
        s->policy = np;
        np = NULL;
    }
    rc = MV_OK;
out:
    policy_free(np);
    mv_version_finish(&nc);
    mv_version_finish(&kc);
    mv_version_finish(&sc);
    return end_write(st, rc, vault, name, &view, out);
}

enum mv_err mv_store_cert_policy_get(struct mv_store *st, const char *vault, const char *name,
                                     struct mv_cert_policy *out)
{
    struct mv_vault *v;
    struct mv_object *s;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_CERT, vault, name, &v, &s);
    if (rc == MV_OK && s->policy == NULL)
        rc = MV_E_NOT_FOUND;
    if (rc == MV_OK && out != NULL && mv_cert_policy_copy(out, s->policy) != 0)
        rc = MV_E_NOMEM;
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

enum mv_err mv_store_cert_policy_set(struct mv_store *st, const char *vault, const char *name,
                                     const struct mv_cert_policy *in, int64_t now,
                                     struct mv_cert_policy *out)
{
    struct mv_vault *v;
    struct mv_object *s;
    struct mv_cert_policy *np = NULL, copy = {0};

    pthread_rwlock_wrlock(&st->lock);
    enum mv_err rc = sto_find_live(st, MV_OBJ_CERT, vault, name, &v, &s);
    if (rc != MV_OK)
        goto out;
    np = policy_replacement(in, s->policy, now);
    if (np == NULL || (out != NULL && mv_cert_policy_copy(&copy, np) != 0)) {
        rc = MV_E_NOMEM;
        goto out;
    }
    policy_free(s->policy);
    s->policy = np;
    np = NULL;
    sto_cert_actions_dirty(st);
    sto_changed(st, MV_OBJ_CERT, vault, name);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    policy_free(np);
    if (rc == MV_OK && out != NULL)
        *out = copy;
    else
        mv_cert_policy_finish(&copy);
    return rc;
}
