/* test-router.c: route patterns (captures, optional last segment, trailing slashes), the route
 * tables (every Key Vault operation reaches the right handler) and api-version support. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "api-versions.h"
#include "router.h"
#include "testlib.h"

static void free_caps(char *caps[3])
{
    for (int i = 0; i < 3; i++)
        free(caps[i]);
}

START_TEST(test_match_literals_and_captures)
{
    char *caps[3];

    ck_assert(mv_route_match("/secrets", "/secrets", caps));
    ck_assert(mv_route_match("/secrets", "/secrets/", caps));
    ck_assert(!mv_route_match("/secrets", "/secretsx", caps));
    ck_assert(!mv_route_match("/secrets", "/secrets/a", caps));
    ck_assert(mv_route_match("/secrets/{}/versions", "/secrets/db/versions", caps));
    ck_assert_str_eq(caps[0], "db");
    free_caps(caps);
    ck_assert(!mv_route_match("/secrets/{}/versions", "/secrets//versions", caps));
    ck_assert_ptr_null(caps[0]);
    ck_assert(mv_route_match("/{}/oauth2/v2.0/token", "/contoso.onmicrosoft.com/oauth2/v2.0/token",
                             caps));
    ck_assert_str_eq(caps[0], "contoso.onmicrosoft.com");
    free_caps(caps);
    /* Matching without captures allocates nothing. */
    ck_assert(mv_route_match("/secrets/{}", "/secrets/x", NULL));
    ck_assert(!mv_route_match("/secrets/{}", "/secrets/x/y", NULL));
}
END_TEST

START_TEST(test_match_optional_version)
{
    char *caps[3];
    static const struct {
        const char *path;
        const char *version;
    } cases[] = {
        {"/secrets/n", ""},
        {"/secrets/n/", ""},
        {"/secrets/n/0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"},
        {"/secrets/n/v/", "v"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(mv_route_match("/secrets/{}/{?}", cases[i].path, caps), "%s", cases[i].path);
        ck_assert_str_eq(caps[0], "n");
        ck_assert_str_eq(caps[1], cases[i].version);
        free_caps(caps);
    }
    ck_assert(!mv_route_match("/secrets/{}/{?}", "/secrets/n/v/extra", caps));
    ck_assert(!mv_route_match("/secrets/{}/{?}", "/secrets", caps));
}
END_TEST

/* Every REST operation of spec §1 is reachable with the method and path shapes the SDKs send. */
START_TEST(test_secret_routes_table)
{
    static const struct {
        const char *method, *path, *operation;
    } cases[] = {
        {"PUT", "/secrets/n", "SetSecret"},
        {"GET", "/secrets/n/", "GetSecret"},
        {"GET", "/secrets/n", "GetSecret"},
        {"GET", "/secrets/n/0123456789abcdef0123456789abcdef", "GetSecret"},
        {"PATCH", "/secrets/n/", "UpdateSecret"},
        {"PATCH", "/secrets/n/0123456789abcdef0123456789abcdef", "UpdateSecret"},
        {"DELETE", "/secrets/n", "DeleteSecret"},
        {"GET", "/secrets", "GetSecrets"},
        {"GET", "/secrets/n/versions", "GetSecretVersions"},
        {"GET", "/deletedsecrets", "GetDeletedSecrets"},
        {"GET", "/deletedsecrets/n", "GetDeletedSecret"},
        {"DELETE", "/deletedsecrets/n", "PurgeDeletedSecret"},
        {"POST", "/deletedsecrets/n/recover", "RecoverDeletedSecret"},
        {"POST", "/secrets/n/backup", "BackupSecret"},
        {"POST", "/secrets/restore", "RestoreSecret"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mv_op *found = NULL;
        for (const struct mv_op *rt = mv_secrets_ops; rt->pattern && !found; rt++)
            if (strcmp(rt->method, cases[i].method) == 0 &&
                mv_route_match(rt->pattern, cases[i].path, NULL))
                found = rt;
        ck_assert_msg(found != NULL, "%s %s has no route", cases[i].method, cases[i].path);
        ck_assert_msg(strcmp(found->name, cases[i].operation) == 0, "%s %s -> %s, want %s",
                      cases[i].method, cases[i].path, found->name, cases[i].operation);
        ck_assert(found->kind == MV_KIND_VAULT);
    }
}
END_TEST

START_TEST(test_api_versions)
{
    static const char *const bad[] = {"",
                                      "7",
                                      "7.7",
                                      "7.4 ",
                                      "2025-07-02",
                                      "7.3-preview.1",
                                      "7.6-PREVIEW.1",
                                      "latest",
                                      "7.7-preview",
                                      "2026-01-01"};

    for (size_t i = 0; i < MVT_N_API_VERSIONS; i++)
        ck_assert_msg(mv_api_version_supported(mvt_api_versions[i]), "%s", mvt_api_versions[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!mv_api_version_supported(bad[i]), "%s", bad[i]);
    ck_assert_str_eq(mv_api_version_latest, "2025-07-01");
    /* Release order: a preview ranks just below its release; unknown versions rank nowhere. */
    ck_assert(mv_api_version_at_least("7.1", "7.1-preview"));
    ck_assert(!mv_api_version_at_least("7.0", "7.1-preview"));
    ck_assert(!mv_api_version_at_least("7.4-preview.1", "7.4"));
    ck_assert(mv_api_version_at_least("2026-03-01-preview", "2025-07-01"));
    ck_assert(!mv_api_version_at_least("2025-07-01-preview", "2025-07-01"));
    ck_assert(!mv_api_version_at_least("7.9", "7.0"));
    ck_assert(!mv_api_version_at_least("7.5", "7.9"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("router");

    tcase_add_test(tc, test_match_literals_and_captures);
    tcase_add_test(tc, test_match_optional_version);
    tcase_add_test(tc, test_secret_routes_table);
    tcase_add_test(tc, test_api_versions);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
