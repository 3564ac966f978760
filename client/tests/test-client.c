/* test-client.c: libkvclient against the real mock embedded on a loopback port (port 0), over real
 * TLS with the mock's CA, through the public header only.
 *
 * The vault is https://demo.localhost:PORT (libcurl resolves *.localhost to loopback); the mock's
 * challenge for that host names resource https://localhost:PORT, which passes the resource check
 * (spec/real-clients.md A.2). Identities are those of fixtures/default.json: the admin app (all
 * permissions), the automation flow (get only; also a certificate credential), an app with no
 * access, and the managed identities vm-identity (system-assigned) and app-identity.
 *
 * Covered: all 13 operations; not found, disabled, denied (no retries), expired and not yet valid,
 * the soft-delete conflict, backup and restore; the token cache (reuse, one fetch for 8 threads,
 * expiry through the mock clock, a forced refresh on a 401); one challenge per client; paging over
 * several pages; connection reuse; resource and tenant checks; the proxy mode with the real Azure
 * names; static tokens, the environment chain, managed identity (App Service and IMDS) and the
 * certificate credential; that traces and error messages never hold values, tokens or client
 * secrets. Values and tokens are never printed, also not on failure. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cx-version.h"
#include "kvclient.h"
#include "kvtest.h"
#include "testlib.h"

#define FLOW_SECRET_NAME "graph-app-secret"
#define FLOW_SECRET_VALUE "graph-app-client-secret-v2"
#define DISABLED_V1 "1111aaaa1111aaaa1111aaaa1111aaaa"
#define LATEST_V2 "2222bbbb2222bbbb2222bbbb2222bbbb"
#define SYS_MI_ID "44444444-4444-4444-4444-444444444444"
#define UA_MI_ID "99999999-9999-9999-9999-999999999999"
#define ID_HEADER "kvt-identity-header"

static struct mv_server *srv;

static void setup(void)
{
    kt_clear_env();
    srv = kt_start(NULL);
}

static void teardown(void)
{
    kt_clear_env();
    mv_server_stop(srv);
    srv = NULL;
}

static int is_version(const char *s)
{
    return s && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

static struct kv_error fresh_err(void)
{
    struct kv_error e;
    memset(&e, 0, sizeof e);
    return e;
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

    kt_assert_status(kv_secret_get(c, "db-password", "0000000000000000000000000000dead", NULL,
                                   &err),
                     KV_E_NOT_FOUND, &err, "get missing version");
    kt_assert_status(kv_secret_delete(c, "no-such-secret", NULL, &err), KV_E_NOT_FOUND, &err,
                     "delete missing");
    kt_assert_status(kv_secret_get_deleted(c, "no-such-secret", NULL, &err), KV_E_NOT_FOUND, &err,
                     "get deleted missing");
    kt_assert_status(kv_secret_purge(c, "no-such-secret", &err), KV_E_NOT_FOUND, &err,
                     "purge missing");
    kt_assert_status(kv_secret_recover(c, "no-such-secret", NULL, &err), KV_E_NOT_FOUND, &err,
                     "recover missing");
    kt_assert_status(kv_secret_update(c, "no-such-secret", NULL, NULL, NULL, &err),
                     KV_E_NOT_FOUND, &err, "update missing");
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
    ck_assert_msg(strspn(blob, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                      strlen(blob),
                  "the blob is base64url without padding");

    kt_assert_status(kv_secret_restore(c, blob, &s, &err), KV_E_CONFLICT, &err,
                     "restore over the live secret");
    kt_assert_ok(kv_secret_delete(c, "db-password", NULL, &err), &err, "delete");
    kt_assert_ok(kv_secret_purge(c, "db-password", &err), &err, "purge");
    kt_assert_status(kv_secret_get(c, "db-password", NULL, &s, &err), KV_E_NOT_FOUND, &err,
                     "gone");

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

/* ---- paging -------------------------------------------------------------------------------- */

/* Reads a pager to the end; returns the item count and checks each item. */
static unsigned drain(struct kv_pager *pg, const char *what, char names[][64], unsigned max)
{
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    unsigned n = 0;

    for (;;) {
        kt_assert_ok(kv_pager_next(pg, &s, &err), &err, what);
        if (!s)
            break;
        ck_assert_msg(s->id && s->name, "%s: items have an id and a name", what);
        ck_assert_msg(s->value == NULL, "%s: items carry no value", what);
        if (names && n < max)
            snprintf(names[n], 64, "%s", s->name);
        n++;
        kv_secret_free(s);
        ck_assert_uint_lt(n, 1000);
    }
    /* At the end it stays at the end. */
    kt_assert_ok(kv_pager_next(pg, &s, &err), &err, what);
    ck_assert_ptr_null(s);
    return n;
}

static int has_name(char names[][64], unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return 1;
    return 0;
}

START_TEST(test_paging)
{
    static const char *const live[] = {"graph-app-secret", "db-password", "expired-secret",
                                       "not-yet-valid", "disabled-secret", "api-key",
                                       "kvt-page-a", "kvt-page-b"};
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

/* ---- tokens, challenge, connections --------------------------------------------------------- */

/* One token fetch for ten gets; one challenge per client. */
START_TEST(test_token_reused_and_one_challenge)
{
    struct kv_client *c = kt_admin(srv), *c2;
    struct kv_stats st;

    for (int i = 0; i < 10; i++)
        kt_get_ok(c, "api-key");
    st = kt_stats(c);
    ck_assert_uint_eq(st.token_fetches, 1);
    ck_assert_uint_eq(st.requests, 11); /* one 401 challenge, then ten authorised gets */
    ck_assert_uint_eq(st.retries, 0);

    /* A second client repeats the challenge and has its own token cache. */
    c2 = kt_admin(srv);
    kt_get_ok(c2, "api-key");
    st = kt_stats(c2);
    ck_assert_uint_eq(st.requests, 2);
    ck_assert_uint_eq(st.token_fetches, 1);
    kt_get_ok(c2, "db-password");
    ck_assert_uint_eq(kt_stats(c2).requests, 3);
    kv_client_destroy(c2);
    kv_client_destroy(c);
}
END_TEST

/* The mock clock jumps past the token's lifetime: the vault refuses the token (401 with a
 * token), the client refreshes it once and the call succeeds. */
START_TEST(test_token_expiry_via_clock)
{
    struct kv_client *c = kt_admin(srv);
    long st;

    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    st = mvt_control(srv, "POST", "/_mock/clock", "{\"advance\":4000}");
    ck_assert_int_eq(st, 200);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kt_get_ok(c, "db-password");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

/* A vault 401 for a token the client still thinks good: exactly one forced refresh. */
START_TEST(test_token_rejected_refreshed_once)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();

    kt_get_ok(c, "api-key");
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":401},"
                  "\"times\":1}");
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);

    /* Rejected twice: the second 401 is the caller's, after one refresh only. */
    kt_fault(srv, "{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":401},"
                  "\"times\":5}");
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_UNAUTHORIZED, &err,
                     "get rejected twice");
    ck_assert_int_eq(err.http_status, 401);
    ck_assert_str_eq(err.code, "Unauthorized");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 3);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_get_token)
{
    struct kv_client *c = kt_admin(srv);
    struct kv_error err = fresh_err();
    char *tok = NULL, *tok2 = NULL;
    int64_t exp = 0, now = (int64_t)time(NULL);

    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &tok, &exp, &err),
                 &err, "get token");
    ck_assert_msg(tok && strlen(tok) > 20, "a token came back");
    ck_assert_int_gt(exp, now + 3000);
    ck_assert_int_lt(exp, now + 3700);
    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &tok2, NULL, &err),
                 &err, "get token again");
    ck_assert_msg(strcmp(tok, tok2) == 0, "the cached token");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_free_secret(tok2);
    tok2 = NULL;
    /* Another scope is another token. */
    kt_assert_ok(kv_client_get_token(c, "https://management.azure.com/.default", &tok2, NULL, &err),
                 &err, "ARM token");
    ck_assert_msg(strcmp(tok, tok2) != 0, "a token per scope");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_free_secret(tok2);
    kv_free_secret(tok);
    kv_client_destroy(c);
}
END_TEST

/* Sequential gets on one handle reuse one connection. */
START_TEST(test_connection_reuse)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    char *tok = mvt_admin_token(srv);
    unsigned long conns;

    /* With a static token every request goes to the vault host: one connection in all. */
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(kv_credential_static_token(tok, 0, &cred), KV_OK);
    memset(tok, 0, strlen(tok));
    free(tok);
    c = kt_client_with(srv, NULL, cred);
    for (int i = 0; i < 25; i++)
        kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).connections, 1);
    ck_assert_uint_eq(kt_stats(c).requests, 26); /* the challenge, then 25 gets */
    kv_client_destroy(c);

    /* With a client secret the token endpoint may take one more; the gets add none. */
    c = kt_admin(srv);
    kt_get_ok(c, "api-key");
    conns = kt_stats(c).connections;
    ck_assert_uint_ge(conns, 1);
    ck_assert_uint_le(conns, 2);
    for (int i = 0; i < 25; i++)
        kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).connections, conns);
    kv_client_destroy(c);
}
END_TEST

struct worker {
    struct kv_client *c;
    int ok, failed;
    int last_status;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    static const char *const names[] = {"api-key", "db-password", "graph-app-secret",
                                        "expired-secret"};

    for (int i = 0; i < 10; i++) {
        struct kv_secret *s = NULL;
        struct kv_error err;
        int st = kv_secret_get(w->c, names[i % 4], NULL, &s, &err);
        if (st == KV_OK && s && s->value)
            w->ok++;
        else {
            w->failed++;
            w->last_status = st;
        }
        kv_secret_free(s);
    }
    return NULL;
}

/* Eight threads share one handle from its very first call: one token fetch in all. */
START_TEST(test_concurrency)
{
    struct kv_client *c = kt_admin(srv);
    pthread_t th[8];
    struct worker w[8];
    struct kv_stats st;

    for (int i = 0; i < 8; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].c = c;
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    st = kt_stats(c);
    kv_client_destroy(c);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(w[i].ok == 10, "thread %d: %d ok, %d failed (last %s)", i, w[i].ok,
                      w[i].failed, kv_status_name(w[i].last_status));
    ck_assert_uint_eq(st.token_fetches, 1);
    ck_assert_uint_ge(st.requests, 81);
    /* Each concurrent caller borrows its own handle (and so its own connections, to the vault and
     * perhaps to the token endpoint); what must not happen is a connection per request. */
    ck_assert_msg(st.connections <= 24, "%lu connections for %lu requests", st.connections,
                  st.requests);
}
END_TEST

/* ---- challenge checks ------------------------------------------------------------------------ */

/* https://localhost:PORT: the mock names resource https://vault.azure.net, which is not a parent
 * domain of localhost: refused before any token is fetched, unless verification is off. */
START_TEST(test_challenge_resource_verification)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char url[128];

    kt_options(&o, srv);
    kt_url(url, sizeof url, "localhost", srv);
    o.vault_url = url;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_status(kv_secret_get(c, "api-key", NULL, &s, &err), KV_E_CHALLENGE, &err,
                     "bare localhost vault");
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.message, "vault.azure.net") != NULL,
                  "the message names the resource: %s", err.message);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 0);
    /* It keeps refusing (no half-started state). */
    kt_assert_status(kv_secret_get(c, "api-key", NULL, &s, &err), KV_E_CHALLENGE, &err,
                     "bare localhost vault, again");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 0);
    kv_client_destroy(c);

    o.verify_challenge_resource = 0;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
}
END_TEST

/* A challenge naming another tenant than the credential's is refused unless allowed. */
START_TEST(test_challenge_tenant)
{
    static const char other[] = "99999999-aaaa-bbbb-cccc-000000000000";
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    int st;

    c = kt_client_with(srv, NULL, kt_secret_cred(srv, other, T_ADMIN_ID, T_ADMIN_SECRET));
    st = kv_secret_get(c, "api-key", NULL, NULL, &err);
    ck_assert_msg(st == KV_E_CHALLENGE || st == KV_E_AUTH, "another tenant: %s (%s)",
                  kv_status_name(st), err.message);
    ck_assert_msg(strstr(err.message, T_TENANT) != NULL, "the message names the tenant: %s",
                  err.message);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 0);
    kv_client_destroy(c);

    kt_options(&o, srv);
    o.allow_any_tenant = 1;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, other, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
}
END_TEST

/* ---- transport options ------------------------------------------------------------------------ */

/* Production names through the mock's CONNECT proxy: https://demo.vault.azure.net and the default
 * authority login.microsoftonline.com, with verification on (DESIGN.md §1). */
START_TEST(test_proxy_mode)
{
    struct mv_server_config cfg;
    struct kv_options o;
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char proxy[64];

    mv_server_stop(srv);
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = 0;
    srv = kt_start(&cfg);
    ck_assert_uint_ne(mv_server_proxy_port(srv), 0);
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", (unsigned)mv_server_proxy_port(srv));
    setenv("HTTPS_PROXY", proxy, 1);

    kv_options_init(&o);
    o.vault_url = "https://demo.vault.azure.net";
    o.ca_file = mv_server_ca_path(srv);
    ck_assert_int_eq(kv_credential_client_secret(T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET, NULL, &cred),
                     KV_OK);
    c = kt_client_with(srv, &o, cred);
    kt_assert_ok(kv_secret_get(c, FLOW_SECRET_NAME, NULL, &s, &err), &err, "get via the proxy");
    ck_assert_msg(kt_value_is(s, FLOW_SECRET_VALUE), "the value");
    ck_assert_msg(strncmp(s->id, "https://demo.vault.azure.net/secrets/", 37) == 0,
                  "ids name the real host: %s", s->id);
    kv_secret_free(s);
    kt_assert_ok(kv_secret_set(c, "kvt-proxy", "kvt-proxy-value", NULL, NULL, &err), &err,
                 "set via the proxy");
    {
        struct kv_pager *pg = NULL;
        ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 3, &pg), KV_OK);
        ck_assert_uint_eq(drain(pg, "list via the proxy", NULL, 0), 7);
        ck_assert_uint_ge(kv_pager_pages(pg), 3);
        kv_pager_destroy(pg);
    }
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);
    unsetenv("HTTPS_PROXY");
}
END_TEST

/* ca_file NULL: SSL_CERT_FILE names the CA, as for other TLS clients. */
START_TEST(test_ssl_cert_file)
{
    struct kv_options o;
    struct kv_client *c;

    setenv("SSL_CERT_FILE", mv_server_ca_path(srv), 1);
    kt_options(&o, srv);
    o.ca_file = NULL;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);
    unsetenv("SSL_CERT_FILE");
}
END_TEST

/* A CA that did not issue the mock's certificate: a TLS failure, not a retry storm. */
START_TEST(test_tls_untrusted)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();

    kt_options(&o, srv);
    o.ca_file = KT_CERT_PEM; /* a self-signed certificate unrelated to the mock */
    o.retry_delay_ms = 10;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_TLS, &err,
                     "untrusted server");
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_api_version)
{
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();

    kt_options(&o, srv);
    o.api_version = "7.4";
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_get_ok(c, "api-key");
    kv_client_destroy(c);

    o.api_version = "1.0";
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_BAD_REQUEST, &err,
                     "unknown api-version");
    ck_assert_str_eq(err.code, "BadParameter");
    kv_client_destroy(c);
}
END_TEST

/* ---- credentials ------------------------------------------------------------------------------ */

START_TEST(test_static_token)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char *tok = mvt_admin_token(srv), *got = NULL;
    unsigned long fetches;
    int same;

    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(kv_credential_static_token(tok, (int64_t)time(NULL) + 3000, &cred), KV_OK);
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, "api-key");
    kt_get_ok(c, "db-password");
    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &got, NULL, &err),
                 &err, "static get_token");
    same = got && strcmp(got, tok) == 0;
    kv_free_secret(got);
    memset(tok, 0, strlen(tok));
    free(tok);
    fetches = kt_stats(c).token_fetches;
    kv_client_destroy(c);
    ck_assert_msg(same, "the static token is handed back");
    /* kv_stats: "token requests sent to an identity endpoint"; a static token sends none. */
    ck_assert_msg(fetches == 0, "a static token counted %lu token fetches", fetches);

    /* A token the vault does not accept: unauthorised, not a loop. */
    ck_assert_int_eq(kv_credential_static_token("not-a-jwt", 0, &cred), KV_OK);
    c = kt_client_with(srv, NULL, cred);
    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_UNAUTHORIZED, &err,
                     "bad static token");
    ck_assert_uint_le(kt_stats(c).requests, 4);
    kv_client_destroy(c);
}
END_TEST

/* The environment chain with a client secret, and with a certificate. */
START_TEST(test_env_chain)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char authority[128];

    kt_url(authority, sizeof authority, "localhost", srv);
    setenv("AZURE_TENANT_ID", T_TENANT, 1);
    setenv("AZURE_CLIENT_ID", T_ADMIN_ID, 1);
    setenv("AZURE_CLIENT_SECRET", T_ADMIN_SECRET, 1);
    setenv("AZURE_AUTHORITY_HOST", authority, 1);
    kt_assert_ok(kv_credential_from_env(&cred, &err), &err, "from env (secret)");
    ck_assert_ptr_nonnull(cred);
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    /* The environment is read when the credential is made. */
    kt_clear_env();
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    setenv("AZURE_TENANT_ID", T_TENANT, 1);
    setenv("AZURE_CLIENT_ID", T_FLOW_ID, 1);
    setenv("AZURE_CLIENT_CERTIFICATE_PATH", KT_CERT_PEM, 1);
    setenv("AZURE_AUTHORITY_HOST", authority, 1);
    cred = NULL;
    kt_assert_ok(kv_credential_from_env(&cred, &err), &err, "from env (certificate)");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_env_chain_nothing)
{
    struct kv_credential *cred = (struct kv_credential *)&cred;
    struct kv_error err = fresh_err();

    kt_clear_env();
    kt_assert_status(kv_credential_from_env(&cred, &err), KV_E_NO_CREDENTIAL, &err,
                     "empty environment");
    ck_assert_ptr_null(cred);
    ck_assert_msg(strstr(err.message, "AZURE_") != NULL, "the message names the variables: %s",
                  err.message);
}
END_TEST

/* Managed identity, App Service style (IDENTITY_ENDPOINT + IDENTITY_HEADER): the mock's /msi/token
 * over TLS. vm-identity (system-assigned) and app-identity (user-assigned) both may get. */
START_TEST(test_managed_identity_app_service)
{
    struct mv_server_config cfg;
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char endpoint[160];

    mv_server_stop(srv);
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.identity_header = ID_HEADER;
    srv = kt_start(&cfg);
    snprintf(endpoint, sizeof endpoint, "https://localhost:%u/msi/token",
             (unsigned)mv_server_port(srv));
    setenv("IDENTITY_ENDPOINT", endpoint, 1);
    setenv("IDENTITY_HEADER", ID_HEADER, 1);

    kt_assert_ok(kv_credential_managed_identity(NULL, &cred), &err, "system-assigned");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kt_assert_status(kv_secret_set(c, "mi-write", "x", NULL, NULL, &err), KV_E_FORBIDDEN, &err,
                     "vm-identity may not set");
    kv_client_destroy(c);

    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity(UA_MI_ID, &cred), &err, "user-assigned");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);

    /* The chain falls back to the managed identity when no AZURE_* credential is set. */
    cred = NULL;
    kt_assert_ok(kv_credential_from_env(&cred, &err), &err, "from env (managed identity)");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);

    /* A wrong header: no token. */
    setenv("IDENTITY_HEADER", "wrong-header", 1);
    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity(NULL, &cred), &err, "wrong header credential");
    c = kt_client_with(srv, NULL, cred);
    ck_assert_int_ne(kv_secret_get(c, FLOW_SECRET_NAME, NULL, NULL, &err), KV_OK);
    ck_assert_msg(strstr(err.message, "wrong-header") == NULL, "the header is not echoed");
    kv_client_destroy(c);
}
END_TEST

/* Managed identity, IMDS style, at AZURE_POD_IDENTITY_AUTHORITY_HOST (the mock's plain-http
 * --imds-port listener). */
START_TEST(test_managed_identity_imds)
{
    struct mv_server_config cfg;
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    char host[96];

    mv_server_stop(srv);
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.imds = true;
    cfg.imds_port = 0;
    srv = kt_start(&cfg);
    ck_assert_uint_ne(mv_server_imds_port(srv), 0);
    snprintf(host, sizeof host, "http://127.0.0.1:%u", (unsigned)mv_server_imds_port(srv));
    setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", host, 1);

    kt_assert_ok(kv_credential_managed_identity(NULL, &cred), &err, "IMDS system-assigned");
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kt_get_ok(c, "api-key");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity(UA_MI_ID, &cred), &err, "IMDS user-assigned");
    c = kt_client_with(srv, NULL, cred);
    kt_get_ok(c, FLOW_SECRET_NAME);
    kv_client_destroy(c);

    /* An identity the machine does not have. */
    cred = NULL;
    kt_assert_ok(kv_credential_managed_identity("12345678-0000-0000-0000-000000000000", &cred),
                 &err, "IMDS unknown identity");
    c = kt_client_with(srv, NULL, cred);
    ck_assert_int_ne(kv_secret_get(c, FLOW_SECRET_NAME, NULL, NULL, &err), KV_OK);
    kv_client_destroy(c);
}
END_TEST

/* The automation flow's certificate (fixtures/certs/automation-flow.pem: certificate + key). */
START_TEST(test_certificate_credential)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char authority[128];

    kt_url(authority, sizeof authority, "localhost", srv);
    ck_assert_int_eq(kv_credential_client_certificate(T_TENANT, T_FLOW_ID, KT_CERT_PEM, authority,
                                                      &cred),
                     KV_OK);
    ck_assert_ptr_nonnull(kv_credential_kind(cred));
    c = kt_client_with(srv, NULL, cred);
    kt_assert_ok(kv_secret_get(c, FLOW_SECRET_NAME, NULL, &s, &err), &err, "get with the cert");
    ck_assert_msg(kt_value_is(s, FLOW_SECRET_VALUE), "the value");
    kv_secret_free(s);
    kt_assert_status(kv_secret_set(c, "cert-write", "x", NULL, NULL, &err), KV_E_FORBIDDEN, &err,
                     "the flow may only get");
    ck_assert_uint_eq(kt_stats(c).token_fetches, 1);
    kv_client_destroy(c);

    /* The certificate of another app: the token endpoint refuses it. */
    cred = NULL;
    ck_assert_int_eq(kv_credential_client_certificate(T_TENANT, T_ADMIN_ID, KT_CERT_PEM, authority,
                                                      &cred),
                     KV_OK);
    c = kt_client_with(srv, NULL, cred);
    kt_assert_status(kv_secret_get(c, FLOW_SECRET_NAME, NULL, NULL, &err), KV_E_AUTH, &err,
                     "certificate of another app");
    kv_client_destroy(c);

    cred = (struct kv_credential *)&cred;
    ck_assert_int_eq(kv_credential_client_certificate(T_TENANT, T_FLOW_ID, "/nonexistent/x.pem",
                                                      authority, &cred),
                     KV_E_IO);
    ck_assert_ptr_null(cred);
}
END_TEST

/* A wrong client secret: KV_E_AUTH with Entra's code, and the secret is not in the message. */
START_TEST(test_wrong_client_secret)
{
    struct kv_client *c = kt_client(srv, T_ADMIN_ID, "kvt-wrong-client-secret");
    struct kv_error err = fresh_err();

    kt_assert_status(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_E_AUTH, &err,
                     "wrong client secret");
    ck_assert_str_eq(err.code, "invalid_client");
    ck_assert_msg(strstr(err.message, "AADSTS7000215") != NULL, "Entra's message: %s",
                  err.message);
    ck_assert_msg(strstr(err.message, "kvt-wrong-client-secret") == NULL, "no secret in it");
    ck_assert_uint_eq(kt_stats(c).retries, 0);
    kv_client_destroy(c);
}
END_TEST

/* ---- hygiene ----------------------------------------------------------------------------------- */

struct trace_log {
    char *text;
    size_t len;
    unsigned lines;
};

static void on_trace(void *ctx, const char *line)
{
    struct trace_log *t = ctx;
    size_t n = strlen(line);
    char *p = realloc(t->text, t->len + n + 2);

    ck_assert_ptr_nonnull(p);
    memcpy(p + t->len, line, n);
    p[t->len + n] = '\n';
    p[t->len + n + 1] = '\0';
    t->text = p;
    t->len += n + 1;
    t->lines++;
}

/* Traces and error messages never contain a value, a token or a client secret. */
START_TEST(test_trace_never_leaks)
{
    struct trace_log log = {NULL, 0, 0};
    struct kv_options o;
    struct kv_client *c;
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    char *tok = NULL, *sig;
    struct kv_pager *pg = NULL;
    char *blob = NULL;

    kt_options(&o, srv);
    o.trace = on_trace;
    o.trace_ctx = &log;
    c = kt_client_with(srv, &o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET));
    kt_assert_ok(kv_secret_set(c, "kvt-traced", "kvt-traced-value-5b1c", NULL, NULL, &err), &err,
                 "set");
    kt_assert_ok(kv_secret_get(c, "kvt-traced", NULL, &s, &err), &err, "get");
    kv_secret_free(s);
    kt_assert_ok(kv_secret_backup(c, "kvt-traced", &blob, &err), &err, "backup");
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 2, &pg), KV_OK);
    drain(pg, "list", NULL, 0);
    kv_pager_destroy(pg);
    kt_assert_status(kv_secret_get(c, "disabled-secret", NULL, &s, &err), KV_E_DISABLED, &err,
                     "get disabled");
    kt_assert_ok(kv_client_get_token(c, "https://vault.azure.net/.default", &tok, NULL, &err), &err,
                 "token");

    ck_assert_msg(log.lines >= 5, "tracing is on (%u lines)", log.lines);
    ck_assert_msg(strstr(log.text, "kvt-traced-value-5b1c") == NULL, "a set value in the trace");
    ck_assert_msg(strstr(log.text, "fake-disabled-value") == NULL, "a stored value in the trace");
    ck_assert_msg(strstr(log.text, T_ADMIN_SECRET) == NULL, "the client secret in the trace");
    ck_assert_msg(strstr(log.text, blob) == NULL, "the backup blob in the trace");
    /* The token's signature (its last part) is unique to it. */
    sig = strrchr(tok, '.');
    ck_assert_msg(sig && strlen(sig) > 20, "a JWT");
    ck_assert_msg(strstr(log.text, sig + 1) == NULL, "the token in the trace");
    ck_assert_msg(strstr(log.text, tok) == NULL, "the token in the trace");
    ck_assert_msg(strstr(err.message, "fake-disabled-value") == NULL, "a value in the message");
    kv_free_secret(tok);
    kv_free_secret(blob);
    kv_client_destroy(c);
    free(log.text);
}
END_TEST

START_TEST(test_invalid_arguments)
{
    struct kv_options o;
    struct kv_credential *cred = NULL;
    struct kv_client *c = (struct kv_client *)&o;
    struct kv_pager *pg = NULL;
    struct kv_error err = fresh_err();
    int st;

    /* No vault URL: refused, and the credential is taken (freed) anyway. */
    kv_options_init(&o);
    ck_assert_int_eq(o.verify_challenge_resource, 1);
    ck_assert_int_eq(o.allow_any_tenant, 0);
    ck_assert_int_eq(o.max_retries, 4);
    ck_assert_uint_eq(o.retry_delay_ms, 800);
    ck_assert_uint_eq(o.max_retry_delay_ms, 60000);
    ck_assert_uint_eq(o.timeout_ms, 30000);
    ck_assert_uint_eq(o.deadline_ms, 0);
    ck_assert_uint_eq(o.refresh_before_s, 300);
    kt_assert_status(kv_client_create(&o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID,
                                                         T_ADMIN_SECRET),
                                      &c, &err),
                     KV_E_INVALID_ARG, &err, "no vault url");
    ck_assert_ptr_null(c);

    /* Plain http: bearer tokens are never sent over it. */
    kt_options(&o, srv);
    o.vault_url = "http://demo.localhost:1";
    st = kv_client_create(&o, kt_secret_cred(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET), &c, &err);
    if (st == KV_OK) {
        ck_assert_int_ne(kv_secret_get(c, "api-key", NULL, NULL, &err), KV_OK);
        kv_client_destroy(c);
    } else {
        ck_assert_int_eq(st, KV_E_INVALID_ARG);
        ck_assert_ptr_null(c);
    }

    ck_assert_int_eq(kv_credential_client_secret(NULL, T_ADMIN_ID, "x", NULL, &cred),
                     KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);
    ck_assert_int_eq(kv_credential_client_secret(T_TENANT, T_ADMIN_ID, NULL, NULL, &cred),
                     KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);
    ck_assert_int_eq(kv_credential_static_token(NULL, 0, &cred), KV_E_INVALID_ARG);
    ck_assert_ptr_null(cred);

    c = kt_admin(srv);
    ck_assert_int_eq(kv_secret_get(c, NULL, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_int_eq(kv_secret_set(c, "x", NULL, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_int_eq(kv_secret_restore(c, NULL, NULL, &err), KV_E_INVALID_ARG);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_VERSIONS, NULL, 0, &pg), KV_E_INVALID_ARG);
    ck_assert_ptr_null(pg);
    /* A name the service would refuse; either side may say so. */
    st = kv_secret_get(c, "bad_name", NULL, NULL, &err);
    ck_assert_msg(st == KV_E_INVALID_ARG || st == KV_E_BAD_REQUEST, "bad name: %s",
                  kv_status_name(st));
    st = kv_secret_get(c, "a/../b", NULL, NULL, &err);
    ck_assert_msg(st != KV_OK, "a path in a name: %s", kv_status_name(st));
    kv_client_destroy(c);

    /* Every destroy accepts NULL. */
    kv_client_destroy(NULL);
    kv_credential_destroy(NULL);
    kv_pager_destroy(NULL);
    kv_secret_free(NULL);
    kv_free(NULL);
    kv_free_secret(NULL);
    /* The public header carries the project version meson was given (one version source). */
    ck_assert_str_eq(KV_VERSION_STRING, CX_VERSION);
}
END_TEST

static Suite *client_suite(void)
{
    Suite *s = suite_create("kvclient");
    TCase *ops = tcase_create("operations");
    TCase *pages = tcase_create("paging");
    TCase *tokens = tcase_create("tokens");
    TCase *chal = tcase_create("challenge");
    TCase *transport = tcase_create("transport");
    TCase *creds = tcase_create("credentials");
    TCase *hygiene = tcase_create("hygiene");
    TCase *all[] = {ops, pages, tokens, chal, transport, creds, hygiene};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        tcase_add_checked_fixture(all[i], setup, teardown);
        tcase_set_timeout(all[i], 120);
    }
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

    tcase_add_test(tokens, test_token_reused_and_one_challenge);
    tcase_add_test(tokens, test_token_expiry_via_clock);
    tcase_add_test(tokens, test_token_rejected_refreshed_once);
    tcase_add_test(tokens, test_get_token);
    tcase_add_test(tokens, test_connection_reuse);
    tcase_add_test(tokens, test_concurrency);
    suite_add_tcase(s, tokens);

    tcase_add_test(chal, test_challenge_resource_verification);
    tcase_add_test(chal, test_challenge_tenant);
    suite_add_tcase(s, chal);

    tcase_add_test(transport, test_proxy_mode);
    tcase_add_test(transport, test_ssl_cert_file);
    tcase_add_test(transport, test_tls_untrusted);
    tcase_add_test(transport, test_api_version);
    suite_add_tcase(s, transport);

    tcase_add_test(creds, test_static_token);
    tcase_add_test(creds, test_env_chain);
    tcase_add_test(creds, test_env_chain_nothing);
    tcase_add_test(creds, test_managed_identity_app_service);
    tcase_add_test(creds, test_managed_identity_imds);
    tcase_add_test(creds, test_certificate_credential);
    tcase_add_test(creds, test_wrong_client_secret);
    suite_add_tcase(s, creds);

    tcase_add_test(hygiene, test_trace_never_leaks);
    tcase_add_test(hygiene, test_invalid_arguments);
    suite_add_tcase(s, hygiene);
    return s;
}

int main(void)
{
    return kt_run(client_suite());
}
