/* test-client-ops.c: all 13 operations through libkvclient; not found, disabled, denied (no
 * retries), expired and not yet valid, the soft-delete conflict, backup and restore; paging over
 * several pages (client-common.h says how the suites run). */
#include "client-common.h"

static int is_version(const char *s)
{
    return s && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

/* ---- the operations ------------------------------------------------------------------------ */

/* SetSecret with properties, GetSecret latest and by version, UpdateSecret (latest and a version),
 * and the fields that come back. */
START_TEST(test_set_get_update)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL, *g = NULL;
    struct kv_props p;
    struct kv_tag tags[] = {{"env", "test"}, {"owner", "kvclient"}};
    int64_t exp = (int64_t)time(NULL) + 86400 * 30, nbf = (int64_t)time(NULL) - 60;
    char v1[33], v2[33];

    kv_props_init(&p);
    p.content_type = "text/plain";
    p.expires = exp;
    p.not_before = nbf;
    p.tags = tags;
    p.n_tags = 2;
    p.set_tags = 1;
    kt_assert_ok(kv_secret_set(c, "kvt-one", "kvt-value-one", &p, &s, &err), &err, "set kvt-one");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "kvt-one");
    ck_assert_msg(is_version(s->version), "a 32-hex version");
    ck_assert_msg(strstr(s->id, "/secrets/kvt-one/") != NULL, "id names the secret: %s", s->id);
    ck_assert_msg(kt_value_is(s, "kvt-value-one"), "set returns the value");
    ck_assert_str_eq(s->content_type, "text/plain");
    ck_assert_int_eq(s->enabled, 1);
    ck_assert_int_eq(s->expires, exp);
    ck_assert_int_eq(s->not_before, nbf);
    ck_assert_uint_eq(s->n_tags, 2);
    ck_assert_int_gt(s->created, 0);
    ck_assert_str_eq(s->recovery_level, "Recoverable+Purgeable");
    ck_assert_int_eq(s->recoverable_days, 90);
    snprintf(v1, sizeof v1, "%s", s->version);
    kv_secret_free(s);

    /* A second version; props may be NULL. */
    kt_assert_ok(kv_secret_set(c, "kvt-one", "kvt-value-two", NULL, &s, &err), &err, "set v2");
    snprintf(v2, sizeof v2, "%s", s->version);
    ck_assert_str_ne(v1, v2);
    ck_assert_ptr_null(s->content_type);
    kv_secret_free(s);

    /* Latest, with NULL and "" as the version. */
    kt_assert_ok(kv_secret_get(c, "kvt-one", NULL, &g, &err), &err, "get latest");
    ck_assert_str_eq(g->version, v2);
    ck_assert_msg(kt_value_is(g, "kvt-value-two"), "latest value");
    kv_secret_free(g);
    kt_assert_ok(kv_secret_get(c, "kvt-one", "", &g, &err), &err, "get latest \"\"");
    ck_assert_str_eq(g->version, v2);
    kv_secret_free(g);
    /* Names are case-insensitive. */
    kt_assert_ok(kv_secret_get(c, "KVT-ONE", v1, &g, &err), &err, "get v1 by upper-case name");
    ck_assert_msg(kt_value_is(g, "kvt-value-one"), "v1 value");
    ck_assert_uint_eq(g->n_tags, 2);
    kv_secret_free(g);

    /* Update of the latest: no value in the answer; tags cleared with set_tags and n_tags 0. */
    kv_props_init(&p);
    p.content_type = "application/json";
    p.set_tags = 1;
    p.n_tags = 0;
    kt_assert_ok(kv_secret_update(c, "kvt-one", NULL, &p, &s, &err), &err, "update latest");
    ck_assert_ptr_null(s->value);
    ck_assert_str_eq(s->version, v2);
    ck_assert_str_eq(s->content_type, "application/json");
    ck_assert_uint_eq(s->n_tags, 0);
    kv_secret_free(s);

    /* Update of a version: disable v1; the latest stays readable, v1 is refused. */
    kv_props_init(&p);
    p.enabled = 0;
    kt_assert_ok(kv_secret_update(c, "kvt-one", v1, &p, NULL, &err), &err, "disable v1");
    kt_assert_status(kv_secret_get(c, "kvt-one", v1, &g, &err), KV_E_DISABLED, &err, "get v1");
    ck_assert_ptr_null(g);
    kt_get_ok(c, "kvt-one");
    /* Fields left at kv_props_init() are not sent: the content type stays. */
    kv_props_init(&p);
    p.enabled = 1;
    kt_assert_ok(kv_secret_update(c, "kvt-one", v1, &p, &s, &err), &err, "enable v1");
    ck_assert_int_eq(s->enabled, 1);
    ck_assert_uint_eq(s->n_tags, 2);
    kv_secret_free(s);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_not_found)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_secret *s = (struct kv_secret *)&err; /* must become NULL */

    kt_get_ok(c, "api-key"); /* the challenge is behind us */
    kt_assert_status(kv_secret_get(c, "no-such-secret", NULL, &s, &err), KV_E_NOT_FOUND, &err,
                     "get missing");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.status, KV_E_NOT_FOUND);
    ck_assert_int_eq(err.http_status, 404);
    ck_assert_str_eq(err.code, "SecretNotFound");
    ck_assert_msg(err.request_id[0] != '\0', "x-ms-request-id is kept");
    ck_assert_msg(strstr(err.message, "no-such-secret") != NULL, "the server's message: %s",
                  err.message);
    ck_assert_int_eq(err.attempts, 1);

    kt_assert_status(
        kv_secret_get(c, "db-password", "0000000000000000000000000000dead", NULL, &err),
        KV_E_NOT_FOUND, &err, "get missing version");
    kt_assert_status(kv_secret_delete(c, "no-such-secret", NULL, &err), KV_E_NOT_FOUND, &err,
                     "delete missing");
    kt_assert_status(kv_secret_get_deleted(c, "no-such-secret", NULL, &err), KV_E_NOT_FOUND, &err,
                     "get deleted missing");
    kt_assert_status(kv_secret_purge(c, "no-such-secret", &err), KV_E_NOT_FOUND, &err,
                     "purge missing");
    kt_assert_status(kv_secret_recover(c, "no-such-secret", NULL, &err), KV_E_NOT_FOUND, &err,
                     "recover missing");
    kt_assert_status(kv_secret_update(c, "no-such-secret", NULL, NULL, NULL, &err), KV_E_NOT_FOUND,
                     &err, "update missing");
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_disabled)
{
    struct kv_client *c = kt_client(srv, T_FLOW_ID, T_FLOW_SECRET);
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;

    kt_assert_status(kv_secret_get(c, "graph-app-secret", DISABLED_V1, &s, &err), KV_E_DISABLED,
                     &err, "get disabled version");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.http_status, 403);
    ck_assert_str_eq(err.code, "Forbidden");
    ck_assert_str_eq(err.inner_code, "SecretDisabled");
    ck_assert_str_eq(err.message, "Operation get is not allowed on a disabled secret.");

    kt_assert_ok(kv_secret_get(c, "graph-app-secret", NULL, &s, &err), &err, "latest is enabled");
    ck_assert_str_eq(s->version, LATEST_V2);
    ck_assert_msg(kt_value_is(s, FLOW_SECRET_VALUE), "the rotated value");
    kv_secret_free(s);

    kt_assert_status(kv_secret_get(c, "disabled-secret", NULL, &s, &err), KV_E_DISABLED, &err,
                     "get disabled-secret");
    ck_assert_str_eq(err.inner_code, "SecretDisabled");
    ck_assert_int_eq(err.attempts, 1);
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kv_client_destroy(c);
}
END_TEST

/* A denial is final: KV_E_FORBIDDEN after one attempt, with the server's explanation. */
START_TEST(test_denied)
{
    struct kv_client *c = kt_client(srv, T_FLOW_ID, T_FLOW_SECRET);
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    struct kv_pager *pg = NULL;

    kt_get_ok(c, FLOW_SECRET_NAME);
    kt_assert_status(kv_secret_set(c, "flow-write", "kvt-denied-value", NULL, &s, &err),
                     KV_E_FORBIDDEN, &err, "set as the get-only flow");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.attempts, 1);
    ck_assert_int_eq(err.http_status, 403);
    ck_assert_str_eq(err.code, "Forbidden");
    ck_assert_str_eq(err.inner_code, "AccessDenied");
    ck_assert_msg(strstr(err.message, "does not have secrets set permission") != NULL,
                  "the mock's explanation: %s", err.message);
    ck_assert_msg(strstr(err.message, "kvt-denied-value") == NULL, "no value in the message");

    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 0, &pg), KV_OK);
    kt_assert_status(kv_pager_next(pg, &s, &err), KV_E_FORBIDDEN, &err, "list as the flow");
    ck_assert_int_eq(err.attempts, 1);
    kv_pager_destroy(pg);
    kt_assert_status(kv_secret_delete(c, FLOW_SECRET_NAME, NULL, &err), KV_E_FORBIDDEN, &err,
                     "delete as the flow");
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kv_client_destroy(c);

    /* An app with no access at all: denied on its first call too, without retries. */
    c = kt_client(srv, KT_NOACCESS_ID, KT_NOACCESS_SECRET);
    kt_assert_status(kv_secret_get(c, FLOW_SECRET_NAME, NULL, &s, &err), KV_E_FORBIDDEN, &err,
                     "get with no access");
    ck_assert_str_eq(err.inner_code, "AccessDenied");
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kt_assert_status(kv_secret_get(c, FLOW_SECRET_NAME, NULL, &s, &err), KV_E_FORBIDDEN, &err,
                     "get with no access, again");
    ck_assert_int_eq(err.attempts, 1);
    kv_client_destroy(c);
}
END_TEST

/* The service returns expired and not-yet-valid secrets (spec §2); the times are exposed. */
START_TEST(test_expired_and_not_yet_valid)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    int64_t now = (int64_t)time(NULL);

    kt_assert_ok(kv_secret_get(c, "expired-secret", NULL, &s, &err), &err, "get expired");
    ck_assert_msg(kt_value_is(s, "fake-expired-value"), "the value comes back");
    ck_assert_int_gt(s->expires, 0);
    ck_assert_int_lt(s->expires, now);
    ck_assert_int_eq(s->not_before, 0);
    kv_secret_free(s);

    kt_assert_ok(kv_secret_get(c, "not-yet-valid", NULL, &s, &err), &err, "get not yet valid");
    ck_assert_msg(kt_value_is(s, "fake-future-value"), "the value comes back");
    ck_assert_int_gt(s->not_before, now);
    ck_assert_int_eq(s->expires, 0);
    kv_secret_free(s);
    kv_client_destroy(c);
}
END_TEST

/* Delete, get deleted, the soft-delete conflict, recover, purge (spec §6). */
START_TEST(test_soft_delete_cycle)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;

    kt_assert_ok(kv_secret_delete(c, "api-key", &s, &err), &err, "delete api-key");
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(s->value);
    ck_assert_str_eq(s->name, "api-key");
    ck_assert_msg(s->recovery_id && strstr(s->recovery_id, "/deletedsecrets/api-key"),
                  "recoveryId");
    ck_assert_int_gt(s->deleted_date, 0);
    ck_assert_int_eq(s->scheduled_purge_date - s->deleted_date, 90 * 86400);
    ck_assert_str_eq(s->content_type, "text/plain");
    kv_secret_free(s);

    kt_assert_status(kv_secret_get(c, "api-key", NULL, &s, &err), KV_E_NOT_FOUND, &err,
                     "get deleted name");
    kt_assert_ok(kv_secret_get_deleted(c, "api-key", &s, &err), &err, "get deleted");
    ck_assert_str_eq(s->name, "api-key");
    ck_assert_ptr_null(s->value);
    ck_assert_int_gt(s->deleted_date, 0);
    kv_secret_free(s);

    /* The name cannot be reused while it is deleted. */
    kt_assert_status(kv_secret_set(c, "api-key", "kvt-reuse", NULL, &s, &err), KV_E_CONFLICT, &err,
                     "set a deleted name");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.http_status, 409);
    ck_assert_str_eq(err.code, "Conflict");
    ck_assert_str_eq(err.inner_code, "ObjectIsDeletedButRecoverable");
    ck_assert_int_eq(err.attempts, 1);

    kt_assert_ok(kv_secret_recover(c, "api-key", &s, &err), &err, "recover");
    ck_assert_str_eq(s->name, "api-key");
    ck_assert_ptr_null(s->value);
    kv_secret_free(s);
    kt_assert_ok(kv_secret_get(c, "api-key", NULL, &s, &err), &err, "get recovered");
    ck_assert_msg(kt_value_is(s, "fake-api-key-0000"), "the recovered value");
    kv_secret_free(s);

    kt_assert_ok(kv_secret_delete(c, "api-key", NULL, &err), &err, "delete again");
    kt_assert_ok(kv_secret_purge(c, "api-key", &err), &err, "purge");
    kt_assert_status(kv_secret_get_deleted(c, "api-key", &s, &err), KV_E_NOT_FOUND, &err,
                     "get purged");
    kt_assert_status(kv_secret_recover(c, "api-key", &s, &err), KV_E_NOT_FOUND, &err,
                     "recover purged");
    kt_assert_ok(kv_secret_set(c, "api-key", "kvt-new-life", NULL, NULL, &err), &err,
                 "set after purge");
    /* The fixture's deleted secret. */
    kt_assert_status(kv_secret_set(c, "old-secret", "x", NULL, NULL, &err), KV_E_CONFLICT, &err,
                     "set old-secret");
    kt_assert_ok(kv_secret_purge(c, "old-secret", &err), &err, "purge old-secret");
    kv_client_destroy(c);
}
END_TEST

/* Backup, purge, restore: the versions and the value come back; restoring over an existing secret
 * is a conflict; a bad blob is a 400. */
START_TEST(test_backup_restore)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    struct kv_pager *pg = NULL;
    char *blob = NULL;
    unsigned n = 0;

    kt_assert_ok(kv_secret_backup(c, "db-password", &blob, &err), &err, "backup");
    ck_assert_ptr_nonnull(blob);
    ck_assert_uint_gt(strlen(blob), 16);
    ck_assert_msg(
        strspn(blob, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
            strlen(blob),
        "the blob is base64url without padding");

    kt_assert_status(kv_secret_restore(c, blob, &s, &err), KV_E_CONFLICT, &err,
                     "restore over the live secret");
    kt_assert_ok(kv_secret_delete(c, "db-password", NULL, &err), &err, "delete");
    kt_assert_ok(kv_secret_purge(c, "db-password", &err), &err, "purge");
    kt_assert_status(kv_secret_get(c, "db-password", NULL, &s, &err), KV_E_NOT_FOUND, &err, "gone");

    kt_assert_ok(kv_secret_restore(c, blob, &s, &err), &err, "restore");
    ck_assert_str_eq(s->name, "db-password");
    ck_assert_ptr_null(s->value);
    kv_secret_free(s);
    kv_free_secret(blob);

    kt_assert_ok(kv_secret_get(c, "db-password", NULL, &s, &err), &err, "get restored");
    ck_assert_msg(kt_value_is(s, "fake-db-password-v3"), "the latest value is back");
    kv_secret_free(s);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_VERSIONS, "db-password", 0, &pg), KV_OK);
    for (;;) {
        kt_assert_ok(kv_pager_next(pg, &s, &err), &err, "list restored versions");
        if (!s)
            break;
        n++;
        kv_secret_free(s);
    }
    ck_assert_uint_eq(n, 3);
    kv_pager_destroy(pg);

    kt_assert_status(kv_secret_restore(c, "bm90LWEtYmFja3Vw", &s, &err), KV_E_BAD_REQUEST, &err,
                     "restore garbage");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.http_status, 400);
    kv_client_destroy(c);
}
END_TEST

static int has_name(char names[][64], unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return 1;
    return 0;
}

START_TEST(test_paging)
{
    static const char *const live[] = {"graph-app-secret", "db-password",     "expired-secret",
                                       "not-yet-valid",    "disabled-secret", "api-key",
                                       "kvt-page-a",       "kvt-page-b"};
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_pager *pg = NULL;
    struct kv_stats before;
    char names[64][64];
    unsigned n;

    kt_assert_ok(kv_secret_set(c, "kvt-page-a", "a", NULL, NULL, &err), &err, "set a");
    kt_assert_ok(kv_secret_set(c, "kvt-page-b", "b", NULL, NULL, &err), &err, "set b");

    /* No request before the first kv_pager_next. */
    before = kt_stats(c);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 2, &pg), KV_OK);
    ck_assert_uint_eq(kv_pager_pages(pg), 0);
    ck_assert_uint_eq(kt_stats(c).requests, before.requests);
    n = drain(pg, "list secrets by 2", names, 64);
    ck_assert_uint_eq(n, 8);
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        ck_assert_msg(has_name(names, n, live[i]), "%s is listed", live[i]);
    ck_assert_uint_ge(kv_pager_pages(pg), 4);
    ck_assert_uint_le(kv_pager_pages(pg), 5); /* a trailing empty page at most */
    kv_pager_destroy(pg);

    /* The server's default page size: one page. */
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 0, &pg), KV_OK);
    ck_assert_uint_eq(drain(pg, "list secrets", NULL, 0), 8);
    ck_assert_uint_eq(kv_pager_pages(pg), 1);
    kv_pager_destroy(pg);

    /* Versions, one per page. */
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_VERSIONS, "db-password", 1, &pg), KV_OK);
    ck_assert_uint_eq(drain(pg, "list versions by 1", names, 64), 3);
    ck_assert_uint_ge(kv_pager_pages(pg), 3);
    kv_pager_destroy(pg);
    /* An unknown name has no versions (200, empty). */
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_VERSIONS, "no-such-secret", 0, &pg), KV_OK);
    ck_assert_uint_eq(drain(pg, "list versions of nothing", NULL, 0), 0);
    kv_pager_destroy(pg);

    /* Deleted secrets: the fixture's one plus three more, one per page. */
    kt_assert_ok(kv_secret_delete(c, "kvt-page-a", NULL, &err), &err, "delete a");
    kt_assert_ok(kv_secret_delete(c, "kvt-page-b", NULL, &err), &err, "delete b");
    kt_assert_ok(kv_secret_delete(c, "expired-secret", NULL, &err), &err, "delete expired");
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_DELETED, NULL, 1, &pg), KV_OK);
    n = drain(pg, "list deleted by 1", names, 64);
    ck_assert_uint_eq(n, 4);
    ck_assert_msg(has_name(names, n, "old-secret"), "old-secret is listed");
    ck_assert_msg(has_name(names, n, "kvt-page-a"), "kvt-page-a is listed");
    ck_assert_uint_ge(kv_pager_pages(pg), 4);
    kv_pager_destroy(pg);

    /* A pager destroyed half-way. */
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 1, &pg), KV_OK);
    {
        struct kv_secret *s = NULL;
        kt_assert_ok(kv_pager_next(pg, &s, &err), &err, "first item");
        ck_assert_ptr_nonnull(s);
        kv_secret_free(s);
    }
    kv_pager_destroy(pg);
    kv_client_destroy(c);
}
END_TEST

/* Deleted items carry their deletion dates. */
START_TEST(test_paging_deleted_items)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    struct kv_pager *pg = NULL;
    struct kv_secret *s = NULL;

    ck_assert_int_eq(kv_pager_create(c, KV_LIST_DELETED, NULL, 0, &pg), KV_OK);
    kt_assert_ok(kv_pager_next(pg, &s, &err), &err, "first deleted item");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "old-secret");
    ck_assert_msg(s->recovery_id && strstr(s->recovery_id, "/deletedsecrets/old-secret"),
                  "recoveryId");
    ck_assert_int_gt(s->deleted_date, 0);
    ck_assert_int_gt(s->scheduled_purge_date, s->deleted_date);
    kv_secret_free(s);
    kv_pager_destroy(pg);
    kv_client_destroy(c);
}
END_TEST

static Suite *client_ops_suite(void)
{
    Suite *s = suite_create("kvclient-ops");
    TCase *ops = client_tcase("operations");
    TCase *pages = client_tcase("paging");

    tcase_add_test(ops, test_set_get_update);
    tcase_add_test(ops, test_not_found);
    tcase_add_test(ops, test_disabled);
    tcase_add_test(ops, test_denied);
    tcase_add_test(ops, test_expired_and_not_yet_valid);
    tcase_add_test(ops, test_soft_delete_cycle);
    tcase_add_test(ops, test_backup_restore);
    suite_add_tcase(s, ops);

    tcase_add_test(pages, test_paging);
    tcase_add_test(pages, test_paging_deleted_items);
    suite_add_tcase(s, pages);
    return s;
}

int main(void)
{
    return kt_run(client_ops_suite());
}
