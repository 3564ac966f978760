/* store-certs-meta.c: a vault's certificate contacts and issuers (spec/keyvault-certificates.md
 * §3 Contacts, Issuers). Plain data beside the objects: no versions, no soft delete. */
#include "store-certs.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* ---- Contacts ---- */

/* Deep copy of n contacts (NULL for none). 0, or -1 when out of memory. */
static int contacts_copy(struct mv_cert_contact **out, const struct mv_cert_contact *in, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    struct mv_cert_contact *c = calloc(n, sizeof(*c));
    if (c == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (sto_dup_opt(&c[i].email, in[i].email) != 0 ||
            sto_dup_opt(&c[i].name, in[i].name) != 0 ||
            sto_dup_opt(&c[i].phone, in[i].phone) != 0) {
            mv_cert_contacts_free(c, n);
            return -1;
        }
    }
    *out = c;
    return 0;
}

enum mv_err mv_store_contacts_get(struct mv_store *st, const char *vault,
                                  struct mv_cert_contact **out, size_t *n)
{
    struct mv_cert_contact *c = NULL;
    enum mv_err rc = MV_OK;

    pthread_rwlock_rdlock(&st->lock);
    const struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL)
        rc = MV_E_NO_VAULT;
    else if (!v->has_contacts)
        rc = MV_E_NOT_FOUND; /* 404 ContactsNotFound (spec §3 [REC]) */
    else if (contacts_copy(&c, v->contacts, v->ncontacts) != 0)
        rc = MV_E_NOMEM;
    if (rc == MV_OK) {
        *out = c;
        *n = v->ncontacts;
    }
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

enum mv_err mv_store_contacts_set(struct mv_store *st, const char *vault,
                                  const struct mv_cert_contact *in, size_t n)
{
    struct mv_cert_contact *c = NULL;
    enum mv_err rc;

    if (contacts_copy(&c, in, n) != 0)
        return MV_E_NOMEM;
    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    /* The list is replaced wholesale, as PUT does (spec §3 [REC]). */
    struct mv_cert_contact *old = v->contacts;
    size_t nold = v->ncontacts;
    v->contacts = c;
    v->ncontacts = n;
    v->has_contacts = true;
    c = old;
    n = nold;
    sto_changed_vault(st, vault);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_cert_contacts_free(c, n);
    return rc;
}

enum mv_err mv_store_contacts_delete(struct mv_store *st, const char *vault,
                                     struct mv_cert_contact **out, size_t *n)
{
    struct mv_cert_contact *old = NULL;
    size_t nold = 0;
    enum mv_err rc;

    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    if (!v->has_contacts) {
        rc = MV_E_NOT_FOUND;
        goto out;
    }
    old = v->contacts;
    nold = v->ncontacts;
    v->contacts = NULL;
    v->ncontacts = 0;
    v->has_contacts = false;
    sto_changed_vault(st, vault);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    /* DELETE answers the list it removed (spec §3 [REC]). */
    if (rc == MV_OK && out != NULL) {
        *out = old;
        *n = nold;
    } else {
        mv_cert_contacts_free(old, nold);
    }
    return rc;
}

/* ---- Issuers ---- */

static int admins_copy(struct mv_cert_issuer *dst, const struct mv_cert_issuer *src)
{
    dst->admins = NULL;
    dst->nadmins = 0;
    if (src->nadmins == 0)
        return 0;
    dst->admins = calloc(src->nadmins, sizeof(*dst->admins));
    if (dst->admins == NULL)
        return -1;
    dst->nadmins = src->nadmins;
    for (size_t k = 0; k < src->nadmins; k++) {
        const struct mv_cert_admin *a = &src->admins[k];
        struct mv_cert_admin *b = &dst->admins[k];
        if (sto_dup_opt(&b->first_name, a->first_name) != 0 ||
            sto_dup_opt(&b->last_name, a->last_name) != 0 ||
            sto_dup_opt(&b->email, a->email) != 0 || sto_dup_opt(&b->phone, a->phone) != 0)
            return -1;
    }
    return 0;
}

/* Deep copy of src into dst. 0, or -1 when out of memory (dst then owns nothing). */
static int issuer_copy(struct mv_cert_issuer *dst, const struct mv_cert_issuer *src)
{
    *dst = *src;
    dst->name = dst->provider = dst->account_id = dst->pwd = dst->org_id = NULL;
    dst->admins = NULL;
    dst->nadmins = 0;
    if (sto_dup_opt(&dst->name, src->name) != 0 ||
        sto_dup_opt(&dst->provider, src->provider) != 0 ||
        sto_dup_opt(&dst->account_id, src->account_id) != 0 ||
        sto_dup_opt(&dst->pwd, src->pwd) != 0 || sto_dup_opt(&dst->org_id, src->org_id) != 0 ||
        admins_copy(dst, src) != 0) {
        mv_cert_issuer_finish(dst);
        return -1;
    }
    return 0;
}

/* The index of issuer name in v (sorted), or where it would go; *found says which. */
static size_t issuer_index(const struct mv_vault *v, const char *name, bool *found)
{
    size_t lo = 0, hi = v->nissuers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ci_cmp(v->issuers[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < v->nissuers && ci_cmp(v->issuers[lo].name, name) == 0;
    return lo;
}

enum mv_err mv_store_issuers_list(struct mv_store *st, const char *vault,
                                  struct mv_cert_issuer **out, size_t *n)
{
    struct mv_cert_issuer *arr = NULL;
    enum mv_err rc = MV_OK;
    size_t count = 0;

    pthread_rwlock_rdlock(&st->lock);
    const struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    if (v->nissuers > 0 && (arr = calloc(v->nissuers, sizeof(*arr))) == NULL) {
        rc = MV_E_NOMEM;
        goto out;
    }
    for (; count < v->nissuers; count++) {
        if (issuer_copy(&arr[count], &v->issuers[count]) != 0) {
            rc = MV_E_NOMEM;
            break;
        }
    }
out:
    pthread_rwlock_unlock(&st->lock);
    if (rc == MV_OK) {
        *out = arr;
        *n = count;
    } else {
        mv_cert_issuers_free(arr, count);
    }
    return rc;
}

enum mv_err mv_store_issuer_get(struct mv_store *st, const char *vault, const char *name,
                                struct mv_cert_issuer *out)
{
    enum mv_err rc = MV_OK;
    bool found = false;

    pthread_rwlock_rdlock(&st->lock);
    const struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t i = issuer_index(v, name, &found);
    if (!found)
        rc = MV_E_NOT_FOUND; /* 404 CertificateIssuerNotFound (spec §3 [REC]) */
    else if (out != NULL && issuer_copy(out, &v->issuers[i]) != 0)
        rc = MV_E_NOMEM;
out:
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* Overlays the members an update carries onto ni (a copy of the stored issuer). */
static int issuer_merge(struct mv_cert_issuer *ni, const struct mv_cert_issuer *in)
{
    struct mv_cert_issuer part = {0};
    if (issuer_copy(&part, in) != 0)
        return -1;
#define TAKE(f)                                                                                    \
    do {                                                                                           \
        if (part.f != NULL) {                                                                      \
            free(ni->f);                                                                           \
            ni->f = part.f;                                                                        \
            part.f = NULL;                                                                         \
        }                                                                                          \
    } while (0)
    TAKE(provider);
    TAKE(account_id); /* credentials absent from a PATCH are kept (spec §3 [REC]) */
    if (part.pwd != NULL) {
        mv_cert_issuer_finish(&(struct mv_cert_issuer){.pwd = ni->pwd});
        ni->pwd = part.pwd;
        part.pwd = NULL;
    }
#undef TAKE
    if (in->has_org) {
        struct mv_cert_issuer old = {
            .org_id = ni->org_id, .admins = ni->admins, .nadmins = ni->nadmins};
        mv_cert_issuer_finish(&old);
        ni->has_org = true;
        ni->org_id = part.org_id;
        ni->admins = part.admins;
        ni->nadmins = part.nadmins;
        part.org_id = NULL;
        part.admins = NULL;
        part.nadmins = 0;
    }
    if (in->has_enabled)
        ni->enabled = in->enabled;
    mv_cert_issuer_finish(&part);
    return 0;
}

enum mv_err mv_store_issuer_set(struct mv_store *st, const char *vault,
                                const struct mv_cert_issuer *in, bool merge, int64_t now,
                                struct mv_cert_issuer *out)
{
    struct mv_cert_issuer ni = {0}, copy = {0};
    enum mv_err rc = MV_E_NOMEM;
    bool found = false;

    if (in == NULL || in->name == NULL)
        return MV_E_NOT_FOUND;
    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t i = issuer_index(v, in->name, &found);
    if (merge && !found) {
        rc = MV_E_NOT_FOUND;
        goto out;
    }
    if (merge) {
        if (issuer_copy(&ni, &v->issuers[i]) != 0 || issuer_merge(&ni, in) != 0)
            goto out;
    } else {
        if (issuer_copy(&ni, in) != 0)
            goto out;
        ni.enabled = in->has_enabled ? in->enabled : true;
        /* A PUT over an existing issuer keeps its creation time and name case (spec §3). */
        if (found) {
            free(ni.name);
            if (sto_dup_opt(&ni.name, v->issuers[i].name) != 0)
                goto out;
        }
        ni.created = found ? v->issuers[i].created : now;
    }
    ni.has_enabled = false;
    ni.updated = now;
    if (out != NULL && issuer_copy(&copy, &ni) != 0)
        goto out;
    if (found) {
        mv_cert_issuer_finish(&v->issuers[i]);
        v->issuers[i] = ni;
    } else {
        struct mv_cert_issuer *g = realloc(v->issuers, (v->nissuers + 1) * sizeof(*g));
        if (g == NULL)
            goto out;
        v->issuers = g;
        memmove(&g[i + 1], &g[i], (v->nissuers - i) * sizeof(*g));
        g[i] = ni;
        v->nissuers++;
    }
    memset(&ni, 0, sizeof(ni));
    sto_changed_vault(st, vault);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    mv_cert_issuer_finish(&ni);
    if (rc == MV_OK && out != NULL)
        *out = copy;
    else
        mv_cert_issuer_finish(&copy);
    return rc;
}

enum mv_err mv_store_issuer_delete(struct mv_store *st, const char *vault, const char *name,
                                   struct mv_cert_issuer *out)
{
    struct mv_cert_issuer old = {0};
    enum mv_err rc = MV_OK;
    bool found = false;

    pthread_rwlock_wrlock(&st->lock);
    struct mv_vault *v = mv_data_vault(st->data, vault);
    if (v == NULL) {
        rc = MV_E_NO_VAULT;
        goto out;
    }
    size_t i = issuer_index(v, name, &found);
    if (!found) {
        rc = MV_E_NOT_FOUND;
        goto out;
    }
    old = v->issuers[i];
    memmove(&v->issuers[i], &v->issuers[i + 1], (v->nissuers - i - 1) * sizeof(old));
    v->nissuers--;
    sto_changed_vault(st, vault);
    rc = sto_persist_locked(st);
out:
    pthread_rwlock_unlock(&st->lock);
    /* DELETE answers the issuer it removed (spec §3 [REC]). */
    if (rc == MV_OK && out != NULL)
        *out = old;
    else
        mv_cert_issuer_finish(&old);
    return rc;
}
