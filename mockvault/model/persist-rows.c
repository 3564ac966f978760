/* persist-rows.c: the rows of the SQLite state (persist.h) made from the data tree, and the state
 * rebuilt from them. A row's body is exactly the JSON GET /_mock/state writes for that part (the
 * export of state-export.c, reached through mv_state_export), so the rows hold what the snapshot
 * held, and a load is the snapshot parser run on the document the rows make again. */
#include "persist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "store-int.h"
#include "util.h"

/* Where each family's objects go in a vault's entry of the document, and the word its rows are
 * kept under. A new family adds its line here (the build fails until it does). */
struct row_family {
    const char *kind;
    const char *live, *deleted;
};
static const struct row_family families[] = {
    [MV_OBJ_SECRET] = {"secret", "secrets", "deletedSecrets"},
    [MV_OBJ_KEY] = {"key", "keys", "deletedKeys"},
    [MV_OBJ_CERT] = {"certificate", "certificates", "deletedCertificates"},
};
_Static_assert(sizeof(families) / sizeof(families[0]) == MV_OBJ_COUNT,
               "every object family needs its row in persist-rows.c");

static void lower_copy(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src != NULL && src[i] != '\0' && i + 1 < n; i++) {
        char c = src[i];
        dst[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    dst[i] = '\0';
}

static struct mv_row *row_add(struct mv_rows *rows, enum mv_row_op op, const char *kind,
                              const char *vault, const char *name)
{
    if (rows->n == rows->cap) {
        size_t cap = rows->cap == 0 ? 4 : rows->cap * 2;
        struct mv_row *grown = realloc(rows->items, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        rows->items = grown;
        rows->cap = cap;
    }
    struct mv_row *r = &rows->items[rows->n++];
    memset(r, 0, sizeof(*r));
    r->op = op;
    r->kind = kind;
    lower_copy(r->vault, sizeof(r->vault), vault);
    lower_copy(r->name, sizeof(r->name), name);
    return r;
}

void mv_rows_finish(struct mv_rows *rows)
{
    if (rows == NULL)
        return;
    for (size_t i = 0; i < rows->n; i++)
        cx_free_wiped(rows->items[i].body);
    free(rows->items);
    memset(rows, 0, sizeof(*rows));
}

/* Prints j into the row's body and deletes j. -1 when out of memory. */
static int set_body(struct mv_row *r, cJSON *j)
{
    r->body = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return r->body != NULL ? 0 : -1;
}

/* v's entry of the export with no object of any family, or with o alone in family t (o NULL: the
 * vault's own settings). It is made by the export itself, on a shallow copy of v, so every field
 * a family adds to a vault (certificate contacts, issuers) or to an object is in the row as the
 * snapshot has it, and the cost is that of the settings and one object, whatever the vault holds.
 */
static cJSON *vault_entry(const struct mv_vault *v, enum mv_objtype t, const struct mv_object *o)
{
    struct mv_vault shell = *v;
    struct mv_data one = {0};
    cJSON *doc, *entry = NULL;

    for (int f = 0; f < MV_OBJ_COUNT; f++) {
        size_t *n;
        struct mv_object **items = mv_vault_family(&shell, (enum mv_objtype)f, &n);
        *items = NULL;
        *n = 0;
    }
    if (o != NULL) {
        size_t *n;
        struct mv_object **items = mv_vault_family(&shell, t, &n);
        *items = (struct mv_object *)o; /* borrowed: the export only reads it */
        *n = 1;
    }
    /* A certificate is exported with what its managed key and secret hold (the secret's value,
     * the key when the secret has none), so they go into the shell beside it. */
    if (o != NULL && t == MV_OBJ_CERT) {
        for (size_t i = 0; i < 2; i++) {
            struct mv_object *m = sto_managed_of(v, sto_managed_families[i], o->name);
            if (m != NULL) {
                size_t *n;
                *mv_vault_family(&shell, sto_managed_families[i], &n) = m; /* borrowed, as above */
                *n = 1;
            }
        }
    }
    one.vaults = &shell;
    one.nvaults = 1;
    doc = mv_state_export(&one);
    cJSON *vaults = cJSON_GetObjectItemCaseSensitive(doc, "vaults");
    if (cJSON_GetArraySize(vaults) == 1)
        entry = cJSON_DetachItemFromArray(vaults, 0);
    cJSON_Delete(doc);
    return entry;
}

static int object_row(struct mv_rows *rows, const struct mv_data *d, enum mv_objtype t,
                      const char *vault, const char *name)
{
    const struct row_family *fam = &families[t];
    const struct mv_vault *v = mv_data_vault(d, vault);
    const struct mv_object *o = v != NULL ? mv_vault_object(v, t, name) : NULL;
    struct mv_row *r;

    /* Purged (or its vault replaced): the row goes. A certificate's managed key and secret have
     * no row of their own: the certificate's row holds what rebuilds them on load, as the state
     * export lists them under the certificate only (spec/fixtures.md). */
    if (o == NULL || sto_managed(o))
        return row_add(rows, MV_ROW_DELETE, fam->kind, vault, name) != NULL ? 0 : -1;
    r = row_add(rows, MV_ROW_UPSERT, fam->kind, v->name, o->name);
    if (r == NULL)
        return -1;
    r->deleted = o->deleted;
    cJSON *entry = vault_entry(v, t, o);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(entry, o->deleted ? fam->deleted : fam->live);
    cJSON *item = cJSON_GetArraySize(list) == 1 ? cJSON_DetachItemFromArray(list, 0) : NULL;
    cJSON_Delete(entry);
    return set_body(r, item);
}

static int vault_row(struct mv_rows *rows, const struct mv_data *d, const char *vault)
{
    const struct mv_vault *v = mv_data_vault(d, vault);
    struct mv_row *r;

    if (v == NULL)
        return row_add(rows, MV_ROW_DELETE, "vault", vault, NULL) != NULL ? 0 : -1;
    r = row_add(rows, MV_ROW_UPSERT, "vault", v->name, NULL);
    if (r == NULL)
        return -1;
    r->ord = v - d->vaults;
    cJSON *entry = vault_entry(v, MV_OBJ_SECRET, NULL);
    /* The settings alone: the objects are rows of their own. */
    for (int f = 0; entry != NULL && f < MV_OBJ_COUNT; f++) {
        cJSON_DeleteItemFromObjectCaseSensitive(entry, families[f].live);
        cJSON_DeleteItemFromObjectCaseSensitive(entry, families[f].deleted);
    }
    return set_body(r, entry);
}

/* Every row of d, after one that clears the table. */
static int all_rows(struct mv_rows *rows, const struct mv_data *d)
{
    struct mv_data top = *d;
    struct mv_row *r;

    if (row_add(rows, MV_ROW_CLEAR, "root", NULL, NULL) == NULL)
        return -1;
    /* The root row: the document without its vaults (tenants, authorities, default vault). */
    top.vaults = NULL;
    top.nvaults = 0;
    r = row_add(rows, MV_ROW_UPSERT, "root", NULL, NULL);
    if (r == NULL || set_body(r, mv_state_export(&top)) != 0)
        return -1;
    for (size_t i = 0; i < d->nvaults; i++) {
        const struct mv_vault *v = &d->vaults[i];
        if (vault_row(rows, d, v->name) != 0)
            return -1;
        for (int t = 0; t < MV_OBJ_COUNT; t++) {
            size_t *n;
            struct mv_object *items =
                *mv_vault_family((struct mv_vault *)v, (enum mv_objtype)t, &n);
            for (size_t k = 0; k < *n; k++) {
                if (sto_managed(&items[k]))
                    continue;
                if (object_row(rows, d, (enum mv_objtype)t, v->name, items[k].name) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

int mv_rows_for_changes(const struct mv_data *d, const struct mv_change *changes, size_t n,
                        struct mv_rows *rows)
{
    for (size_t i = 0; i < n; i++) {
        const struct mv_change *c = &changes[i];
        int rc;
        if (c->kind == MV_CHANGE_ALL)
            return all_rows(rows, d);
        if (c->kind == MV_CHANGE_VAULT)
            rc = vault_row(rows, d, c->vault);
        else if ((int)c->type >= 0 && c->type < MV_OBJ_COUNT)
            rc = object_row(rows, d, c->type, c->vault, c->name);
        else
            rc = -1;
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- Loading ---- */

struct doc_vault {
    char name[32]; /* lower-cased */
    int64_t ord;
    cJSON *entry; /* owned until finish moves it into the document */
};

struct mv_rows_doc {
    cJSON *root; /* NULL until the root row */
    struct doc_vault *vaults;
    size_t nvaults, cap;
    size_t last; /* the vault the previous object row went to: rows come grouped by vault */
    /* Object rows read before their vault's row (any order is accepted). */
    struct {
        char vault[32];
        const struct row_family *fam;
        int deleted;
        cJSON *item;
    } * pending;
    size_t npending, pcap;
};

struct mv_rows_doc *mv_rows_doc_new(void)
{
    return calloc(1, sizeof(struct mv_rows_doc));
}

void mv_rows_doc_free(struct mv_rows_doc *doc)
{
    if (doc == NULL)
        return;
    cJSON_Delete(doc->root);
    for (size_t i = 0; i < doc->nvaults; i++)
        cJSON_Delete(doc->vaults[i].entry);
    for (size_t i = 0; i < doc->npending; i++)
        cJSON_Delete(doc->pending[i].item);
    free(doc->vaults);
    free(doc->pending);
    free(doc);
}

static struct doc_vault *doc_vault(struct mv_rows_doc *doc, const char *name)
{
    if (doc->last < doc->nvaults && strcmp(doc->vaults[doc->last].name, name) == 0)
        return &doc->vaults[doc->last];
    for (size_t i = 0; i < doc->nvaults; i++) {
        if (strcmp(doc->vaults[i].name, name) == 0) {
            doc->last = i;
            return &doc->vaults[i];
        }
    }
    return NULL;
}

/* Appends item to the live or deleted list of fam in a vault's entry. -1 when out of memory. */
static int put_object(cJSON *entry, const struct row_family *fam, int deleted, cJSON *item)
{
    const char *key = deleted ? fam->deleted : fam->live;
    cJSON *list = cJSON_GetObjectItemCaseSensitive(entry, key);
    if (list == NULL)
        list = cJSON_AddArrayToObject(entry, key);
    if (list == NULL || !cJSON_AddItemToArray(list, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

int mv_rows_doc_add(struct mv_rows_doc *doc, const char *kind, const char *vault, int64_t ord,
                    int deleted, const char *body, char *err, size_t errlen)
{
    const struct row_family *fam = NULL;
    cJSON *j = cJSON_Parse(body != NULL ? body : "");

    if (!cJSON_IsObject(j)) {
        mv_set_err(err, errlen, "row (%s, '%s'): the body is not a JSON object", kind, vault);
        cJSON_Delete(j);
        return -1;
    }
    if (strcmp(kind, "root") == 0) {
        cJSON_Delete(doc->root);
        doc->root = j;
        return 0;
    }
    if (strcmp(kind, "vault") == 0) {
        if (doc->nvaults == doc->cap) {
            size_t cap = doc->cap == 0 ? 4 : doc->cap * 2;
            struct doc_vault *grown = realloc(doc->vaults, cap * sizeof(*grown));
            if (grown == NULL)
                goto nomem;
            doc->vaults = grown;
            doc->cap = cap;
        }
        struct doc_vault *dv = &doc->vaults[doc->nvaults++];
        lower_copy(dv->name, sizeof(dv->name), vault);
        dv->ord = ord;
        dv->entry = j;
        return 0;
    }
    for (int f = 0; f < MV_OBJ_COUNT; f++) {
        if (strcmp(kind, families[f].kind) == 0)
            fam = &families[f];
    }
    if (fam == NULL) {
        mv_set_err(err, errlen, "row (%s, '%s'): unknown kind (written by a newer mockvault?)",
                   kind, vault);
        cJSON_Delete(j);
        return -1;
    }
    struct doc_vault *dv = doc_vault(doc, vault);
    if (dv != NULL) {
        if (put_object(dv->entry, fam, deleted, j) == 0)
            return 0;
        mv_set_err(err, errlen, "out of memory");
        return -1;
    }
    if (doc->npending == doc->pcap) {
        size_t cap = doc->pcap == 0 ? 4 : doc->pcap * 2;
        void *grown = realloc(doc->pending, cap * sizeof(*doc->pending));
        if (grown == NULL)
            goto nomem;
        doc->pending = grown;
        doc->pcap = cap;
    }
    lower_copy(doc->pending[doc->npending].vault, sizeof(doc->pending[0].vault), vault);
    doc->pending[doc->npending].fam = fam;
    doc->pending[doc->npending].deleted = deleted;
    doc->pending[doc->npending].item = j;
    doc->npending++;
    return 0;
nomem:
    cJSON_Delete(j);
    mv_set_err(err, errlen, "out of memory");
    return -1;
}

static int ord_cmp(const void *a, const void *b)
{
    const struct doc_vault *x = a, *y = b;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

struct mv_data *mv_rows_doc_finish(struct mv_rows_doc *doc, const char *source, int64_t now,
                                   char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (doc->root == NULL) {
        if (doc->nvaults > 0 || doc->npending > 0)
            mv_set_err(err, errlen, "%s: rows without the root row", source);
        return NULL;
    }
    for (size_t i = 0; i < doc->npending; i++) {
        struct doc_vault *dv = doc_vault(doc, doc->pending[i].vault);
        if (dv == NULL) {
            mv_set_err(err, errlen, "%s: an object row of vault '%s', which has no row", source,
                       doc->pending[i].vault);
            return NULL;
        }
        cJSON *item = doc->pending[i].item;
        doc->pending[i].item = NULL;
        if (put_object(dv->entry, doc->pending[i].fam, doc->pending[i].deleted, item) != 0) {
            mv_set_err(err, errlen, "out of memory");
            return NULL;
        }
    }
    qsort(doc->vaults, doc->nvaults, sizeof(*doc->vaults), ord_cmp);
    cJSON *vaults = cJSON_GetObjectItemCaseSensitive(doc->root, "vaults");
    if (vaults == NULL)
        vaults = cJSON_AddArrayToObject(doc->root, "vaults");
    for (size_t i = 0; vaults != NULL && i < doc->nvaults; i++) {
        if (!cJSON_AddItemToArray(vaults, doc->vaults[i].entry))
            break;
        doc->vaults[i].entry = NULL; /* the document owns it now */
    }
    if (vaults == NULL || (doc->nvaults > 0 && doc->vaults[doc->nvaults - 1].entry != NULL)) {
        mv_set_err(err, errlen, "out of memory");
        return NULL;
    }
    struct mv_data *d = mv_state_from_tree(doc->root, source, now, err, errlen);
    if (d == NULL && err != NULL && errlen > 0 && err[0] == '\0')
        mv_set_err(err, errlen, "%s: cannot be read", source);
    return d;
}
