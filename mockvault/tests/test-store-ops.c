/* test-store-ops.c: unit tests of the store's operations: set and get, error codes, names,
 * versions, fields, update, and soft delete with recover and purges (store-common.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-common.h"
#include "util.h"

static bool is_version_id(const char *s)
{
    if (strlen(s) != 32)
        return false;
    return strspn(s, "0123456789abcdef") == 32;
}

/* ---- Basic operations ---- */

START_TEST(test_set_get)
{
    struct mv_store *st = make_store();
    struct mv_secret_input in = {.value = "fake-value-1"};
    struct mv_object_view v;

    ck_assert_int_eq(mv_store_set_secret(st, "demo", "alpha", &in, T0, &v), MV_OK);
    ck_assert_str_eq(v.name, "alpha");
    ck_assert_str_eq(v.v.value, "fake-value-1");
    ck_assert(is_version_id(v.v.id));
    ck_assert(v.v.enabled);
    ck_assert(!v.v.has_nbf && !v.v.has_exp);
    ck_assert_ptr_null(v.v.content_type);
    ck_assert(!v.v.tags.present);
    ck_assert_int_eq(v.v.created, T0);
    ck_assert_int_eq(v.v.updated, T0);
    ck_assert(!v.deleted);
    ck_assert_int_eq(v.retention_days, 90);
    ck_assert(!v.purge_protection);
    char id[33];
    memcpy(id, v.v.id, sizeof(id));
    mv_object_view_finish(&v);

    struct mv_object_view g;
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", NULL, &g), MV_OK);
    ck_assert_str_eq(g.v.value, "fake-value-1");
    ck_assert_str_eq(g.v.id, id);
    mv_object_view_finish(&g);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", "", &g), MV_OK);
    mv_object_view_finish(&g);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", id, &g), MV_OK);
    ck_assert_str_eq(g.v.id, id);
    mv_object_view_finish(&g);

    /* Version ids are identifiers, compared case-insensitively like names. */
    char upper[33];
    for (size_t i = 0; i < 33; i++)
        upper[i] = (char)((id[i] >= 'a' && id[i] <= 'f') ? id[i] - 32 : id[i]);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", upper, &g), MV_OK);
    mv_object_view_finish(&g);

    ck_assert_int_eq(
        mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", "0123456789abcdef0123456789abcdef", &g),
        MV_E_VERSION_NOT_FOUND);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "beta", NULL, &g), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "nope", "alpha", NULL, &g), MV_E_NO_VAULT);
    /* A NULL out is allowed: the caller only wants the status. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", NULL, NULL), MV_OK);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_no_vault_everywhere)
{
    struct mv_store *st = make_store();
    struct mv_secret_input in = {.value = "x"};
    struct mv_secret_update upd = {0};
    struct mv_object_view v;
    struct mv_object_view *items = NULL;
    size_t n = 0;
    char *next = NULL;
    struct mv_object *b = NULL;

    ck_assert_int_eq(mv_store_set_secret(st, "nope", "a", &in, T0, &v), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_update_secret(st, "nope", "a", NULL, &upd, T0, &v), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "nope", "a", T0, &v), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "nope", "a", &v), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "nope", "a", &v), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "nope", "a"), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "nope", NULL, 5, &items, &n, &next),
                     MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_list_deleted(st, MV_OBJ_SECRET, "nope", NULL, 5, &items, &n, &next),
                     MV_E_NO_VAULT);
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "nope", "a", NULL, 5, &items, &n, &next),
        MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_SECRET, "nope", "a", &b), MV_E_NO_VAULT);
    ck_assert_ptr_null(b);

    struct mv_object *s = calloc(1, sizeof(*s));
    s->name = xstrdup("a");
    s->nversions = 1;
    s->versions = calloc(1, sizeof(*s->versions));
    s->versions[0].value = xstrdup("x");
    memcpy(s->versions[0].id, "0123456789abcdef0123456789abcdef", 33);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "nope", s, &v), MV_E_NO_VAULT);
    mv_object_finish(s); /* still ours: restore failed */
    free(s);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_case_insensitive_names)
{
    struct mv_store *st = make_store();
    struct mv_object_view v;
    set_value(st, "demo", "MySecret", "fake-1", T0);
    struct mv_secret_input in = {.value = "fake-2"};
    ck_assert_int_eq(mv_store_set_secret(st, "DEMO", "mysecret", &in, T0 + 1, &v), MV_OK);
    /* The first creation's case is kept. */
    ck_assert_str_eq(v.name, "MySecret");
    mv_object_view_finish(&v);

    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "Demo", "MYSECRET", NULL, &v), MV_OK);
    ck_assert_str_eq(v.name, "MySecret");
    ck_assert_str_eq(v.v.value, "fake-2");
    mv_object_view_finish(&v);

    const struct mv_data *d = mv_store_rdlock(st);
    ck_assert_uint_eq(d->vaults[0].nsecrets, 1);
    ck_assert_uint_eq(d->vaults[0].secrets[0].nversions, 2);
    mv_store_unlock(st);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_versions_current_and_order)
{
    struct mv_store *st = make_store();
    char ids[5][33];
    for (int i = 0; i < 5; i++) {
        char val[16];
        struct mv_object_view v;
        snprintf(val, sizeof(val), "fake-%d", i);
        struct mv_secret_input in = {.value = val};
        ck_assert_int_eq(mv_store_set_secret(st, "demo", "multi", &in, T0 + i, &v), MV_OK);
        memcpy(ids[i], v.v.id, 33);
        mv_object_view_finish(&v);
        for (int k = 0; k < i; k++)
            ck_assert_str_ne(ids[k], ids[i]);
    }
    struct mv_object_view cur;
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "multi", NULL, &cur), MV_OK);
    ck_assert_str_eq(cur.v.value, "fake-4");
    ck_assert_str_eq(cur.v.id, ids[4]);
    mv_object_view_finish(&cur);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "multi", ids[1], &cur), MV_OK);
    ck_assert_str_eq(cur.v.value, "fake-1");
    ck_assert_int_eq(cur.v.created, T0 + 1);
    mv_object_view_finish(&cur);

    struct mv_object_view *items;
    size_t n;
    char *next;
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "MULTI", NULL, 25, &items, &n, &next),
        MV_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_ptr_null(next);
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(strcmp(items[i - 1].v.id, items[i].v.id), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(items[i].name, "multi");
    mv_object_views_free(items, n);

    /* Unknown names list as empty, as the real service answers 200 with an empty list. */
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "unknown", NULL, 25, &items, &n, &next),
        MV_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(next);
    mv_object_views_free(items, n);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_set_fields)
{
    struct mv_store *st = make_store();
    struct mv_tag tag_items[] = {{"owner", "it"}, {"env", "dev"}};
    struct mv_tags tags = {.present = true, .n = 2, .items = tag_items};
    struct mv_secret_input in = {
        .value = "fake-value",
        .content_type = "text/plain",
        .tags = &tags,
        .has_enabled = true,
        .enabled = false,
        .has_nbf = true,
        .nbf = T0 - 10,
        .has_exp = true,
        .exp = T0 + 10,
    };
    struct mv_object_view v;
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "full", &in, T0, &v), MV_OK);
    mv_object_view_finish(&v);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "full", NULL, &v), MV_OK);
    ck_assert_str_eq(v.v.content_type, "text/plain");
    ck_assert(v.v.tags.present);
    ck_assert_uint_eq(v.v.tags.n, 2);
    ck_assert_str_eq(v.v.tags.items[0].name, "owner");
    ck_assert_str_eq(v.v.tags.items[1].value, "dev");
    ck_assert(!v.v.enabled);
    ck_assert(v.v.has_nbf && v.v.nbf == T0 - 10);
    ck_assert(v.v.has_exp && v.v.exp == T0 + 10);
    mv_object_view_finish(&v);

    /* Empty tags are kept as present-but-empty ("tags":{} on the wire). */
    struct mv_tags empty = {.present = true};
    struct mv_secret_input in2 = {.value = "", .tags = &empty};
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "empty-tags", &in2, T0, &v), MV_OK);
    ck_assert(v.v.tags.present);
    ck_assert_uint_eq(v.v.tags.n, 0);
    ck_assert_str_eq(v.v.value, "");
    mv_object_view_finish(&v);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_update)
{
    struct mv_store *st = make_store();
    struct mv_object_view v;
    set_value(st, "demo", "upd", "fake-1", T0);
    set_value(st, "demo", "upd", "fake-2", T0 + 1);
    struct mv_object_view *items;
    size_t n;
    char *next;
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "upd", NULL, 0, &items, &n, &next),
        MV_OK);
    ck_assert_uint_eq(n, 2);
    const char *old_id = strcmp(items[0].v.value, "fake-1") == 0 ? items[0].v.id : items[1].v.id;
    char oid[33];
    memcpy(oid, old_id, 33);
    mv_object_views_free(items, n);

    struct mv_tag tag_items[] = {{"k", "v"}};
    struct mv_tags tags = {.present = true, .n = 1, .items = tag_items};
    struct mv_secret_update upd = {
        .has_content_type = true,
        .content_type = "application/json",
        .has_tags = true,
        .tags = &tags,
        .has_enabled = true,
        .enabled = false,
        .has_exp = true,
        .exp = T0 + 500,
    };
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "UPD", oid, &upd, T0 + 100, &v), MV_OK);
    ck_assert_str_eq(v.v.id, oid);
    ck_assert_str_eq(v.v.value, "fake-1");
    ck_assert_str_eq(v.v.content_type, "application/json");
    ck_assert(!v.v.enabled);
    ck_assert_int_eq(v.v.updated, T0 + 100);
    ck_assert_int_eq(v.v.created, T0);
    ck_assert(v.v.has_exp && v.v.exp == T0 + 500);
    ck_assert(!v.v.has_nbf);
    mv_object_view_finish(&v);

    /* Only that version changed; the current one keeps its times and fields. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "upd", NULL, &v), MV_OK);
    ck_assert_str_eq(v.v.value, "fake-2");
    ck_assert_int_eq(v.v.updated, T0 + 1);
    ck_assert_ptr_null(v.v.content_type);
    ck_assert(v.v.enabled);
    ck_assert(!v.v.tags.present);
    mv_object_view_finish(&v);

    /* Fields without has_* stay; content type and tags can be removed. */
    struct mv_secret_update clear = {.has_content_type = true, .has_tags = true};
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "upd", oid, &clear, T0 + 200, &v), MV_OK);
    ck_assert_ptr_null(v.v.content_type);
    ck_assert(!v.v.tags.present);
    ck_assert(!v.v.enabled);
    mv_object_view_finish(&v);

    /* Empty version = current. */
    struct mv_secret_update en = {.has_enabled = true, .enabled = false};
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "upd", "", &en, T0 + 300, &v), MV_OK);
    ck_assert_str_eq(v.v.value, "fake-2");
    ck_assert(!v.v.enabled);
    mv_object_view_finish(&v);

    ck_assert_int_eq(
        mv_store_update_secret(st, "demo", "upd", "ffffffffffffffffffffffffffffffff", &en, T0, &v),
        MV_E_VERSION_NOT_FOUND);
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "absent", NULL, &en, T0, &v),
                     MV_E_NOT_FOUND);
    mv_store_destroy(st);
}
END_TEST

/* ---- Soft delete ---- */

START_TEST(test_delete_recover)
{
    struct mv_store *st = make_store();
    struct mv_object_view v;
    struct mv_object_view *items;
    size_t n;
    char *next;
    set_value(st, "demo", "gone", "fake-1", T0);
    set_value(st, "demo", "gone", "fake-2", T0 + 1);
    set_value(st, "demo", "stays", "fake-3", T0);

    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "Gone", T0 + 10, &v), MV_OK);
    ck_assert(v.deleted);
    ck_assert_int_eq(v.deleted_date, T0 + 10);
    ck_assert_int_eq(v.scheduled_purge_date, T0 + 10 + 90 * DAY);
    ck_assert_str_eq(v.v.value, "fake-2");
    mv_object_view_finish(&v);

    /* Deleted secrets are invisible to every live operation. */
    struct mv_secret_input in = {.value = "fake-new"};
    struct mv_secret_update upd = {.has_enabled = true, .enabled = false};
    struct mv_object *b = NULL;
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "gone", NULL, &v), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "gone", NULL, &upd, T0, &v),
                     MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "gone", T0, &v), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_SECRET, "demo", "gone", &b), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "GONE", &in, T0, &v), MV_E_DELETED);
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "gone", NULL, 5, &items, &n, &next),
        MV_OK);
    ck_assert_uint_eq(n, 0);
    mv_object_views_free(items, n);

    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "demo", NULL, 25, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(items[0].name, "stays");
    mv_object_views_free(items, n);
    ck_assert_int_eq(mv_store_list_deleted(st, MV_OBJ_SECRET, "demo", NULL, 25, &items, &n, &next),
                     MV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(items[0].name, "gone");
    ck_assert(items[0].deleted);
    ck_assert_int_eq(items[0].scheduled_purge_date, T0 + 10 + 90 * DAY);
    mv_object_views_free(items, n);

    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "GONE", &v), MV_OK);
    ck_assert(v.deleted);
    ck_assert_int_eq(v.deleted_date, T0 + 10);
    mv_object_view_finish(&v);

    /* Deleted-secret operations on live or absent names. */
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "stays", &v),
                     MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "absent", &v),
                     MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "stays", &v), MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "absent", &v), MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "stays"), MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "absent"), MV_E_NOT_DELETED);

    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "gone", &v), MV_OK);
    ck_assert(!v.deleted);
    ck_assert_int_eq(v.deleted_date, 0);
    ck_assert_str_eq(v.v.value, "fake-2");
    mv_object_view_finish(&v);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "gone", &v), MV_E_NOT_DELETED);
    /* All versions come back. */
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "gone", NULL, 5, &items, &n, &next),
        MV_OK);
    ck_assert_uint_eq(n, 2);
    mv_object_views_free(items, n);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "gone", NULL, &v), MV_OK);
    mv_object_view_finish(&v);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_purge)
{
    struct mv_store *st = make_store();
    struct mv_object_view v;
    set_value(st, "demo", "p", "fake-1", T0);
    set_value(st, "demo", "p", "fake-2", T0);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "p", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "P"), MV_OK);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "p", &v), MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "p"), MV_E_NOT_DELETED);
    /* The name is free again and starts over with one version. */
    struct mv_secret_input in = {.value = "fake-3"};
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "p", &in, T0, &v), MV_OK);
    mv_object_view_finish(&v);
    struct mv_object_view *items;
    size_t n;
    char *next;
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "p", NULL, 5, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 1);
    mv_object_views_free(items, n);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_purge_protected)
{
    struct mv_store *st = make_store();
    struct mv_object_view v;
    set_value(st, "locked", "p", "fake-1", T0);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "locked", "p", T0, &v), MV_OK);
    ck_assert_int_eq(v.scheduled_purge_date, T0 + 7 * DAY);
    ck_assert(v.purge_protection);
    ck_assert_int_eq(v.retention_days, 7);
    mv_object_view_finish(&v);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "locked", "p"), MV_E_PURGE_PROTECTED);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "locked", "p", &v), MV_OK);
    mv_object_view_finish(&v);
    /* Purge protection does not stop the scheduled purge. */
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 7 * DAY), 1);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "locked", "p", &v), MV_E_NOT_DELETED);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_purge_due)
{
    struct mv_store *st = make_store();
    struct persist_counter pc = {0};
    mv_store_set_persist(st, count_persist, &pc);
    set_value(st, "demo", "a90", "fake", T0);
    set_value(st, "demo", "keep", "fake", T0);
    set_value(st, "locked", "b7", "fake", T0);
    set_value(st, "demo", "back", "fake", T0);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "a90", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "locked", "b7", T0 + 1, NULL), MV_OK);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "back", T0 + 2, NULL), MV_OK);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "back", NULL), MV_OK);
    int calls = pc.calls;

    ck_assert_uint_eq(mv_store_purge_due(st, T0), 0);
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 7 * DAY), 0);
    ck_assert_int_eq(pc.calls, calls); /* nothing purged, nothing saved */
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 1 + 7 * DAY), 1);
    ck_assert_int_eq(pc.calls, calls + 1);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "locked", "b7", NULL),
                     MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "a90", NULL), MV_OK);
    /* The recovered secret's old date is no longer a purge date. */
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 2 + 90 * DAY - 1), 1);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "back", NULL, NULL), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "keep", NULL, NULL), MV_OK);
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 1000 * DAY), 0);
    ck_assert_int_eq(pc.calls, calls + 2);
    mv_store_destroy(st);

    /* A store created from data that already holds a due secret purges it on the first call. */
    struct mv_data *d = make_data();
    struct mv_vault *v = &d->vaults[0];
    v->nsecrets = 1;
    v->secrets = calloc(1, sizeof(*v->secrets));
    v->secrets[0].name = xstrdup("old");
    v->secrets[0].nversions = 1;
    v->secrets[0].versions = calloc(1, sizeof(struct mv_version));
    v->secrets[0].versions[0].value = xstrdup("fake");
    v->secrets[0].deleted = true;
    v->secrets[0].scheduled_purge_date = T0 - 1;
    st = mv_store_create(d);
    ck_assert_uint_eq(mv_store_purge_due(st, T0), 1);
    ck_assert_uint_eq(mv_store_purge_due(st, T0), 0);
    mv_store_destroy(st);
}
END_TEST

static Suite *store_ops_suite(void)
{
    Suite *s = suite_create("store-ops");
    TCase *tc = tcase_create("ops");
    tcase_add_test(tc, test_set_get);
    tcase_add_test(tc, test_no_vault_everywhere);
    tcase_add_test(tc, test_case_insensitive_names);
    tcase_add_test(tc, test_versions_current_and_order);
    tcase_add_test(tc, test_set_fields);
    tcase_add_test(tc, test_update);
    suite_add_tcase(s, tc);
    tc = tcase_create("soft-delete");
    tcase_add_test(tc, test_delete_recover);
    tcase_add_test(tc, test_purge);
    tcase_add_test(tc, test_purge_protected);
    tcase_add_test(tc, test_purge_due);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(store_ops_suite(), false);
}
