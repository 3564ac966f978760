/* test-store-data.c: unit tests of the store's views and data: paging (with changes between
 * pages), backup and restore, the persist hook, the data tree helpers, and threads
 * (store-common.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-common.h"
#include "util.h"

/* Collects every page of list_secrets (or list_deleted) with page size max into names, which the
 * caller frees; returns the count and the number of pages. */
static size_t list_all(struct mv_store *st, bool deleted, size_t max, char ***names, size_t *pages)
{
    char *marker = NULL;
    size_t total = 0;
    *names = NULL;
    *pages = 0;
    do {
        struct mv_object_view *items = NULL;
        size_t n = 0;
        char *next = NULL;
        enum mv_err rc =
            deleted
                ? mv_store_list_deleted(st, MV_OBJ_SECRET, "demo", marker, max, &items, &n, &next)
                : mv_store_list(st, MV_OBJ_SECRET, "demo", marker, max, &items, &n, &next);
        ck_assert_int_eq(rc, MV_OK);
        if (max > 0)
            ck_assert_uint_le(n, max);
        if (next != NULL)
            ck_assert_uint_eq(n, max);
        *names = realloc(*names, (total + n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++)
            (*names)[total++] = xstrdup(items[i].name);
        mv_object_views_free(items, n);
        free(marker);
        marker = next;
        (*pages)++;
        ck_assert_uint_lt(*pages, 100);
    } while (marker != NULL);
    return total;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- Paging ---- */

START_TEST(test_paging_sizes)
{
    struct mv_store *st = make_store();
    /* Inserted out of order and in mixed case; listed by lower-cased name. */
    const char *names[] = {"Kilo",  "alpha",  "India", "echo",    "Bravo",  "hotel",
                           "delta", "juliet", "Golf",  "charlie", "foxtrot"};
    const size_t count = sizeof(names) / sizeof(names[0]);
    for (size_t i = 0; i < count; i++)
        set_value(st, "demo", names[i], "fake", T0);
    set_value(st, "demo", "zulu-deleted", "fake", T0);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "zulu-deleted", T0, NULL), MV_OK);

    const char *expect[] = {"alpha", "Bravo", "charlie", "delta",  "echo", "foxtrot",
                            "Golf",  "hotel", "India",   "juliet", "Kilo"};
    for (size_t max = 1; max <= 3; max++) {
        char **got;
        size_t pages;
        size_t n = list_all(st, false, max, &got, &pages);
        ck_assert_uint_eq(n, count);
        ck_assert_uint_eq(pages, (count + max - 1) / max);
        for (size_t i = 0; i < n; i++)
            ck_assert_str_eq(got[i], expect[i]);
        free_names(got, n);
    }

    /* A page that ends exactly on the last item has no next marker. */
    struct mv_object_view *items;
    size_t n;
    char *next;
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "demo", "india", 3, &items, &n, &next),
                     MV_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_null(next);
    mv_object_views_free(items, n);
    /* A marker past the end gives an empty last page. */
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "demo", "zzz", 3, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(next);
    mv_object_views_free(items, n);

    char **got;
    size_t pages;
    size_t nd = list_all(st, true, 1, &got, &pages);
    ck_assert_uint_eq(nd, 1);
    ck_assert_str_eq(got[0], "zulu-deleted");
    free_names(got, nd);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_paging_with_changes)
{
    struct mv_store *st = make_store();
    const char *names[] = {"b", "d", "f", "h", "j", "l"};
    for (size_t i = 0; i < 6; i++)
        set_value(st, "demo", names[i], "fake", T0);

    struct mv_object_view *items;
    size_t n;
    char *next;
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "demo", NULL, 2, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(items[0].name, "b");
    ck_assert_str_eq(items[1].name, "d");
    ck_assert_ptr_nonnull(next);
    mv_object_views_free(items, n);

    /* Between pages: one name lands before the marker (not seen), one after it (seen), and the
     * secret the marker points at goes away (the listing resumes at the next name). */
    set_value(st, "demo", "a", "fake", T0);
    set_value(st, "demo", "G", "fake", T0);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "f", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "f"), MV_OK);

    char *marker = next;
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "demo", marker, 2, &items, &n, &next), MV_OK);
    free(marker);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(items[0].name, "G");
    ck_assert_str_eq(items[1].name, "h");
    mv_object_views_free(items, n);

    /* Delete everything after the marker: the last page is empty and final. */
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "j", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "l", T0, NULL), MV_OK);
    marker = next;
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_SECRET, "demo", marker, 2, &items, &n, &next), MV_OK);
    free(marker);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(next);
    mv_object_views_free(items, n);

    /* Versions: a new version between pages shows up if its id sorts after the marker. */
    for (int i = 0; i < 5; i++)
        set_value(st, "demo", "v", "fake", T0 + i);
    char *vmarker = NULL;
    size_t seen = 0, pages = 0;
    char last[33] = "";
    bool added = false;
    do {
        ck_assert_int_eq(
            mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "v", vmarker, 2, &items, &n, &next),
            MV_OK);
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_lt(strcmp(last, items[i].v.id), 0); /* strictly ascending, no repeat */
            memcpy(last, items[i].v.id, 33);
        }
        seen += n;
        mv_object_views_free(items, n);
        free(vmarker);
        vmarker = next;
        if (!added) {
            set_value(st, "demo", "v", "fake", T0 + 10);
            added = true;
        }
        pages++;
    } while (vmarker != NULL);
    ck_assert_uint_ge(seen, 5);
    ck_assert_uint_le(seen, 6);
    ck_assert_uint_ge(pages, 3);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_paging_versions_sizes)
{
    struct mv_store *st = make_store();
    for (int i = 0; i < 7; i++)
        set_value(st, "demo", "many", "fake", T0 + i);
    for (size_t max = 1; max <= 3; max++) {
        char *marker = NULL;
        size_t total = 0, pages = 0;
        char prev[33] = "";
        do {
            struct mv_object_view *items;
            size_t n;
            char *next;
            ck_assert_int_eq(mv_store_list_versions(st, MV_OBJ_SECRET, "demo", "many", marker, max,
                                                    &items, &n, &next),
                             MV_OK);
            ck_assert_uint_le(n, max);
            for (size_t i = 0; i < n; i++) {
                ck_assert_int_lt(strcmp(prev, items[i].v.id), 0);
                memcpy(prev, items[i].v.id, 33);
            }
            total += n;
            pages++;
            mv_object_views_free(items, n);
            free(marker);
            marker = next;
        } while (marker != NULL);
        ck_assert_uint_eq(total, 7);
        ck_assert_uint_eq(pages, (7 + max - 1) / max);
    }
    mv_store_destroy(st);
}
END_TEST

/* ---- Backup and restore ---- */

START_TEST(test_backup_restore)
{
    struct mv_store *st = make_store();
    struct mv_object_view v;
    struct mv_object *b = NULL;
    set_value(st, "demo", "Backed", "fake-1", T0);
    set_value(st, "demo", "backed", "fake-2", T0 + 5);

    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_SECRET, "demo", "BACKED", &b), MV_OK);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(b->name, "Backed");
    ck_assert_uint_eq(b->nversions, 2);
    ck_assert_str_eq(b->versions[1].value, "fake-2");
    char id0[33], id1[33];
    memcpy(id0, b->versions[0].id, 33);
    memcpy(id1, b->versions[1].id, 33);

    /* The name exists (live, then deleted): restore refuses and s stays the caller's. */
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "demo", b, &v), MV_E_EXISTS);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "backed", T0 + 6, NULL), MV_OK);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "demo", b, &v), MV_E_EXISTS);
    ck_assert_str_eq(b->name, "Backed");

    /* Into another vault it works and keeps ids and times. */
    struct mv_object *copy = mv_object_clone(b);
    ck_assert_ptr_nonnull(copy);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "locked", copy, &v),
                     MV_OK); /* copy now owned */
    ck_assert_str_eq(v.v.id, id1);
    ck_assert(!v.deleted);
    ck_assert_int_eq(v.v.created, T0 + 5);
    mv_object_view_finish(&v);

    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "backed"), MV_OK);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "demo", b, &v), MV_OK); /* b now owned */
    ck_assert_str_eq(v.name, "Backed");
    ck_assert_str_eq(v.v.id, id1);
    ck_assert_str_eq(v.v.value, "fake-2");
    mv_object_view_finish(&v);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "backed", id0, &v), MV_OK);
    ck_assert_str_eq(v.v.value, "fake-1");
    ck_assert_int_eq(v.v.created, T0);
    mv_object_view_finish(&v);
    mv_store_destroy(st);
}
END_TEST

/* ---- Persist hook ---- */

START_TEST(test_persist_hook)
{
    struct mv_store *st = make_store();
    struct persist_counter pc = {0};
    struct mv_object_view v;
    mv_store_set_persist(st, count_persist, &pc);

    set_value(st, "demo", "p1", "fake", T0);
    ck_assert_int_eq(pc.calls, 1);
    ck_assert_uint_eq(pc.last_nsecrets, 1); /* the hook sees the new state */
    struct mv_secret_update upd = {.has_enabled = true, .enabled = false};
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "p1", NULL, &upd, T0, NULL), MV_OK);
    ck_assert_int_eq(pc.calls, 2);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "p1", T0, NULL), MV_OK);
    ck_assert_int_eq(pc.calls, 3);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "p1", NULL), MV_OK);
    ck_assert_int_eq(pc.calls, 4);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "p1", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "p1"), MV_OK);
    ck_assert_int_eq(pc.calls, 6);

    /* Reads and failed operations do not save. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "p1", NULL, NULL), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "p1"), MV_E_NOT_DELETED);
    const struct mv_data *d = mv_store_rdlock(st);
    ck_assert_ptr_nonnull(d);
    mv_store_unlock(st);
    ck_assert_int_eq(pc.calls, 6);

    /* A failing hook reports MV_E_PERSIST; the change stays in memory. */
    pc.fail = 1;
    struct mv_secret_input in = {.value = "fake"};
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "p2", &in, T0, &v), MV_E_PERSIST);
    ck_assert_int_eq(pc.calls, 7);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "p2", NULL, NULL), MV_OK);
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "p2", NULL, &upd, T0, NULL), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "p2", T0, NULL), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "p2", NULL), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "p2", T0, NULL), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "p2"), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "p2", NULL), MV_E_NOT_DELETED);

    ck_assert_int_eq(mv_store_set_secret(st, "demo", "p3", &in, T0, NULL), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "p3", &in, T0, NULL), MV_E_PERSIST);
    pc.fail = 0;
    struct mv_object *b = NULL;
    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_SECRET, "demo", "p3", &b), MV_OK);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "p3", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "p3"), MV_OK);
    pc.fail = 1;
    /* On MV_E_PERSIST restore leaves b with the caller, although the secret is now stored. */
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "demo", b, NULL), MV_E_PERSIST);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "p3", NULL, NULL), MV_OK);
    mv_object_finish(b);
    free(b);

    int before = pc.calls;
    ck_assert_int_eq(mv_store_replace(st, make_data()), MV_E_PERSIST);
    ck_assert_int_eq(pc.calls, before + 1);
    pc.fail = 0;
    ck_assert_int_eq(mv_store_replace(st, NULL), MV_OK);
    ck_assert_int_eq(pc.calls, before + 2);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "p3", NULL, NULL), MV_E_NO_VAULT);
    mv_store_destroy(st);
}
END_TEST

/* ---- Data tree helpers ---- */

START_TEST(test_replace)
{
    struct mv_store *st = make_store();
    set_value(st, "demo", "before", "fake", T0);
    struct mv_data *d = make_data();
    d->vaults[0].nsecrets = 2;
    d->vaults[0].secrets = calloc(2, sizeof(struct mv_object));
    /* Unsorted on purpose: the store sorts what it is given. */
    const char *names[] = {"zeta", "Alpha"};
    for (int i = 0; i < 2; i++) {
        struct mv_object *s = &d->vaults[0].secrets[i];
        s->name = xstrdup(names[i]);
        s->nversions = 1;
        s->versions = calloc(1, sizeof(struct mv_version));
        s->versions[0].value = xstrdup("fake");
        s->versions[0].enabled = true;
        memcpy(s->versions[0].id, "0123456789abcdef0123456789abcdef", 33);
    }
    ck_assert_int_eq(mv_store_replace(st, d), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "before", NULL, NULL), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", NULL, NULL), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "ZETA", NULL, NULL), MV_OK);
    mv_store_destroy(st);

    /* An empty store works and has no vaults. */
    st = mv_store_create(NULL);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "a", NULL, NULL), MV_E_NO_VAULT);
    const struct mv_data *e = mv_store_rdlock(st);
    ck_assert_uint_eq(e->nvaults, 0);
    mv_store_unlock(st);
    mv_store_destroy(st);
    mv_store_destroy(NULL);
}
END_TEST

START_TEST(test_lookups)
{
    struct mv_data *d = make_data();
    ck_assert_ptr_eq(mv_data_vault(d, "DEMO"), &d->vaults[0]);
    ck_assert_ptr_null(mv_data_vault(d, "other"));
    ck_assert_ptr_eq(mv_data_vault_by_alias(d, "demo.example.test"), &d->vaults[0]);
    ck_assert_ptr_eq(mv_data_vault_by_alias(d, "demo.example.test:8443"), &d->vaults[0]);
    ck_assert_ptr_null(mv_data_vault_by_alias(d, "demo.example"));
    ck_assert_ptr_eq(mv_data_tenant(d, "CONTOSO.onmicrosoft.com"), &d->tenants[0]);
    ck_assert_ptr_eq(mv_data_tenant(d, "11111111-1111-1111-1111-111111111111"), &d->tenants[0]);
    ck_assert_ptr_null(mv_data_tenant(d, "fabrikam.onmicrosoft.com"));
    ck_assert_ptr_eq(mv_tenant_app(&d->tenants[0], "22222222-2222-2222-2222-222222222222"),
                     &d->tenants[0].apps[0]);
    ck_assert_ptr_null(mv_tenant_app(&d->tenants[0], "33333333-3333-3333-3333-333333333333"));
    ck_assert_ptr_null(mv_vault_secret(&d->vaults[0], "x"));
    mv_data_free(d);
}
END_TEST

START_TEST(test_recovery_level)
{
    ck_assert_str_eq(mv_recovery_level(90, false), "Recoverable+Purgeable");
    ck_assert_str_eq(mv_recovery_level(90, true), "Recoverable");
    ck_assert_str_eq(mv_recovery_level(7, false), "CustomizedRecoverable+Purgeable");
    ck_assert_str_eq(mv_recovery_level(89, true), "CustomizedRecoverable");
    ck_assert_str_eq(mv_recovery_level(30, false), "CustomizedRecoverable+Purgeable");
}
END_TEST

START_TEST(test_clone_and_free)
{
    struct mv_store *st = make_store();
    struct mv_tag tag_items[] = {{"a", "b"}};
    struct mv_tags tags = {.present = true, .n = 1, .items = tag_items};
    struct mv_secret_input in = {.value = "fake", .content_type = "text/plain", .tags = &tags};
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "c", &in, T0, NULL), MV_OK);
    const struct mv_data *d = mv_store_rdlock(st);
    const struct mv_object *s = mv_vault_secret(&d->vaults[0], "C");
    ck_assert_ptr_nonnull(s);
    struct mv_object *sc = mv_object_clone(s);
    const struct mv_version *orig = s->versions;
    mv_store_unlock(st);
    mv_store_destroy(st);

    /* The clone survives its original. */
    ck_assert_ptr_nonnull(sc);
    ck_assert_ptr_ne(sc->versions, orig);
    ck_assert_str_eq(sc->versions[0].value, "fake");
    ck_assert_str_eq(sc->versions[0].content_type, "text/plain");
    ck_assert_str_eq(sc->versions[0].tags.items[0].value, "b");
    mv_object_finish(sc);
    free(sc);

    struct mv_tags t2;
    ck_assert_int_eq(mv_tags_copy(&t2, &tags), 0);
    ck_assert(t2.present);
    ck_assert_str_eq(t2.items[0].name, "a");
    mv_tags_finish(&t2);

    mv_data_free(NULL);
    mv_object_finish(NULL);
    mv_version_finish(NULL);
    mv_tags_finish(NULL);
    mv_object_view_finish(NULL);
    mv_object_views_free(NULL, 0);
    ck_assert_ptr_null(mv_object_clone(NULL));
}
END_TEST

/* ---- Threads ---- */

struct worker {
    struct mv_store *st;
    int id;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d-%03d", w->id, i);
        struct mv_secret_input in = {.value = "fake"};
        if (mv_store_set_secret(w->st, "demo", name, &in, T0, NULL) != MV_OK)
            return (void *)1;
        struct mv_object_view *items;
        size_t n;
        char *next;
        if (mv_store_list(w->st, MV_OBJ_SECRET, "demo", name, 3, &items, &n, &next) != MV_OK ||
            n == 0)
            return (void *)1;
        mv_object_views_free(items, n);
        free(next);
        if (i % 3 == 0 && mv_store_delete(w->st, MV_OBJ_SECRET, "demo", name, T0, NULL) != MV_OK)
            return (void *)1;
    }
    return NULL;
}

START_TEST(test_threads)
{
    struct mv_store *st = make_store();
    pthread_t th[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){st, i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        ck_assert_ptr_null(ret);
    }
    char **names;
    size_t pages;
    size_t n = list_all(st, false, 0, &names, &pages);
    ck_assert_uint_eq(n, 4 * (200 - 67));
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(strcmp(names[i - 1], names[i]), 0);
    free_names(names, n);
    n = list_all(st, true, 25, &names, &pages);
    ck_assert_uint_eq(n, 4 * 67);
    free_names(names, n);
    mv_store_destroy(st);
}
END_TEST

static Suite *store_data_suite(void)
{
    Suite *s = suite_create("store-data");
    TCase *tc = tcase_create("paging");
    tcase_add_test(tc, test_paging_sizes);
    tcase_add_test(tc, test_paging_with_changes);
    tcase_add_test(tc, test_paging_versions_sizes);
    suite_add_tcase(s, tc);
    tc = tcase_create("misc");
    tcase_add_test(tc, test_backup_restore);
    tcase_add_test(tc, test_persist_hook);
    tcase_add_test(tc, test_replace);
    tcase_add_test(tc, test_lookups);
    tcase_add_test(tc, test_recovery_level);
    tcase_add_test(tc, test_clone_and_free);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(store_data_suite(), false);
}
