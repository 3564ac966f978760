/* store-list.c: the store's listings, one page at a time: secrets, deleted secrets, versions. */
#include "store-certs.h"
#include "store-int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Grows a view array by one slot when it is full. */
static int views_reserve(struct mv_object_view **items, size_t *cap, size_t n)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap == 0 ? 8 : *cap * 2;
    struct mv_object_view *grown = realloc(*items, ncap * sizeof(*grown));
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

/* Ends a listing: on success hands the page and the next marker to the caller, otherwise frees
 * them. Returns rc. */
static enum mv_err page_finish(enum mv_err rc, struct mv_object_view *arr, size_t count, char *next,
                               struct mv_object_view **items, size_t *n, char **next_marker)
{
    if (rc != MV_OK) {
        mv_object_views_free(arr, count);
        free(next);
        return rc;
    }
    *items = arr;
    *n = count;
    *next_marker = next;
    return MV_OK;
}

/* Which version of an object a listing shows, or NULL to leave the object out. */
typedef const struct mv_version *(*pick_fn)(const struct mv_object *s, bool want_deleted,
                                            bool include_pending);

/* The current version; a deleted certificate's key and secret are not listed as deleted objects
 * of their own (they belong to the certificate; see sto_find_deleted). */
static const struct mv_version *pick_current(const struct mv_object *s, bool want_deleted,
                                             bool include_pending)
{
    (void)include_pending;
    if (want_deleted && sto_managed(s))
        return NULL;
    return sto_current_version(s);
}

/* A certificate's list item is its newest issued version; a name with none (a first create still
 * pending) shows only with includePending, as its pending version (spec §3 GetCertificates). */
static const struct mv_version *pick_cert(const struct mv_object *s, bool want_deleted,
                                          bool include_pending)
{
    (void)want_deleted;
    for (size_t i = s->nversions; i-- > 0;) {
        if (s->versions[i].cert != NULL && s->versions[i].cert->der != NULL)
            return &s->versions[i];
    }
    return include_pending ? sto_current_version(s) : NULL;
}

/* Lists live (want_deleted false) or soft-deleted secrets of a vault, one page. The marker is the
 * lower-cased name of the first item of the page: resuming at the first name >= marker stays
 * correct when secrets come and go between pages. max 0 means no limit. */
static enum mv_err list_objects(struct mv_store *st, enum mv_objtype t, const char *vault,
                                bool want_deleted, pick_fn pick, bool include_pending,
                                const char *marker, size_t max, struct mv_object_view **items,
                                size_t *n, char **next_marker)
{
    struct mv_object_view *arr = NULL;
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
    size_t i = (marker != NULL && marker[0] != '\0') ? sto_lower_bound(v, t, marker) : 0;
    for (; i < sto_count(v, t); i++) {
        const struct mv_object *s = &sto_items(v, t)[i];
        const struct mv_version *ver;
        if (s->deleted != want_deleted || s->nversions == 0 ||
            (ver = pick(s, want_deleted, include_pending)) == NULL)
            continue;
        /* Lists agree with single reads: an object whose delete or recover is pending is on
         * neither list yet. */
        if (sto_pending(st, t, vault, s->name) == (want_deleted ? MV_CX_DELETE : MV_CX_RECOVER))
            continue;
        if (count == limit) {
            next = marker_of(s->name);
            if (next == NULL)
                rc = MV_E_NOMEM;
            break;
        }
        if (views_reserve(&arr, &cap, count) != 0 ||
            sto_view_fill_ex(&arr[count], v, s, ver, STO_EXTRAS_NONE) != 0) {
            rc = MV_E_NOMEM;
            break;
        }
        count++;
    }
out:
    pthread_rwlock_unlock(&st->lock);
    return page_finish(rc, arr, count, next, items, n, next_marker);
}

enum mv_err mv_store_list(struct mv_store *st, enum mv_objtype t, const char *vault,
                          const char *marker, size_t max, struct mv_object_view **items, size_t *n,
                          char **next_marker)
{
    return list_objects(st, t, vault, false, t == MV_OBJ_CERT ? pick_cert : pick_current, true,
                        marker, max, items, n, next_marker);
}

enum mv_err mv_store_list_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                                  const char *marker, size_t max, struct mv_object_view **items,
                                  size_t *n, char **next_marker)
{
    return list_objects(st, t, vault, true, t == MV_OBJ_CERT ? pick_cert : pick_current, true,
                        marker, max, items, n, next_marker);
}

enum mv_err mv_store_cert_list(struct mv_store *st, const char *vault, bool deleted,
                               bool include_pending, const char *marker, size_t max,
                               struct mv_object_view **items, size_t *n, char **next_marker)
{
    return list_objects(st, MV_OBJ_CERT, vault, deleted, pick_cert, include_pending, marker, max,
                        items, n, next_marker);
}

static int version_ptr_cmp(const void *a, const void *b)
{
    const struct mv_version *const *x = a, *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

enum mv_err mv_store_list_versions(struct mv_store *st, enum mv_objtype t, const char *vault,
                                   const char *name, const char *marker, size_t max,
                                   struct mv_object_view **items, size_t *n, char **next_marker)
{
    struct mv_object_view *arr = NULL;
    const struct mv_version **sorted = NULL;
    size_t count = 0, cap = 0;
    char *next = NULL;
    size_t limit = max == 0 ? SIZE_MAX : max;
    struct mv_vault *v;
    struct mv_object *s;

    pthread_rwlock_rdlock(&st->lock);
    enum mv_err rc = sto_find_live(st, t, vault, name, &v, &s);
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
        if (views_reserve(&arr, &cap, count) != 0 ||
            sto_view_fill_ex(&arr[count], v, s, sorted[i], STO_EXTRAS_NONE) != 0) {
            rc = MV_E_NOMEM;
            break;
        }
        count++;
    }
out:
    pthread_rwlock_unlock(&st->lock);
    free(sorted);
    return page_finish(rc, arr, count, next, items, n, next_marker);
}
