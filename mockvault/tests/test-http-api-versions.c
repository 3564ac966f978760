/* test-http-api-versions.c: every api-version with a spec folder is served (docs/api-versions.md),
 * with the response fields of that version: secrets' recoverableDays from 7.1-preview on, keys'
 * attributes as recorded; an unknown version keeps the exact 400. Over real HTTPS against the
 * embedded server. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-versions.h"
#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"

static struct mv_server *srv;
static char *tok;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token");
}

static void teardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* GET path at api-version api. */
static void get_at(const char *path, const char *api, struct mvt_resp *r)
{
    char p[300];
    hc_req(srv, "GET", DEMO, hc_path(p, sizeof p, path, api), tok, NULL, NULL, r);
}

/* Each version: a secret read, with recoverableDays only from 7.1-preview on (7.0 records show
 * none, 7.1 records show it; the 7.1 preview already defines it). */
START_TEST(test_secret_every_version)
{
    const char *api = mvt_api_versions[_i];
    bool want_days = _i >= 4; /* 7.1-preview and later */
    struct mvt_resp r;

    get_at("/secrets/api-key/", api, &r);
    hc_assert_status(&r, 200, api);
    ck_assert_msg(hc_has(r.json, "attributes.recoverableDays") == want_days,
                  "%s: recoverableDays %s", api, want_days ? "missing" : "present");
    ck_assert_msg(hc_has(r.json, "attributes.recoveryLevel"), "%s: recoveryLevel", api);
    mvt_resp_free(&r);
}
END_TEST

/* Keys' attributes gated by version (spec/keyvault-keys.md §2): previews take the fields of the
 * release after them only where the mock's records say so, so 7.4-preview.1 has no exportable and
 * 7.5-preview.1 no hsmPlatform; key_size from 2025-07-01 (not its preview). */
START_TEST(test_key_attributes_by_version)
{
    static const struct {
        const char *api;
        bool days, exportable, hsm, key_size;
    } rows[] = {
        {"2015-06-01", false, false, false, false},
        {"7.1-preview", true, false, false, false},
        {"7.4-preview.1", true, false, false, false},
        {"7.4", true, true, false, false},
        {"7.5-preview.1", true, true, false, false},
        {"7.5", true, true, true, false},
        {"2025-06-01", true, true, true, false},
        {"2025-07-01-preview", true, true, true, false},
        {"2025-07-01", true, true, true, true},
        {"2026-01-01-preview", true, true, true, true},
    };
    struct mvt_resp r;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        get_at("/keys/demo-rsa/", rows[i].api, &r);
        hc_assert_status(&r, 200, rows[i].api);
        ck_assert_msg(hc_has(r.json, "attributes.recoverableDays") == rows[i].days, "%s days",
                      rows[i].api);
        ck_assert_msg(hc_has(r.json, "attributes.exportable") == rows[i].exportable,
                      "%s exportable", rows[i].api);
        ck_assert_msg(hc_has(r.json, "attributes.hsmPlatform") == rows[i].hsm, "%s hsmPlatform",
                      rows[i].api);
        ck_assert_msg(hc_has(r.json, "attributes.key_size") == rows[i].key_size, "%s key_size",
                      rows[i].api);
        mvt_resp_free(&r);
    }
}
END_TEST

/* Versions without a spec folder keep the exact recorded 400. */
START_TEST(test_unknown_versions_400)
{
    static const char *const bad[] = {"7.3-preview.1", "7.7-preview", "2026-01-01", "2025-08-01",
                                      "7.6-PREVIEW.2"};
    char want[300];
    struct mvt_resp r;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        get_at("/secrets/api-key/", bad[i], &r);
        hc_assert_status(&r, 400, bad[i]);
        snprintf(want, sizeof want,
                 "The specified version (%s) is not recognized. Consider using the latest "
                 "supported version (2025-07-01).",
                 bad[i]);
        ck_assert_str_eq(hc_jstr(r.json, "error.message"), want);
        ck_assert_str_eq(hc_err_code(&r), "BadParameter");
        mvt_resp_free(&r);
    }
}
END_TEST

static Suite *api_versions_suite(void)
{
    Suite *s = suite_create("http-api-versions");
    TCase *tc = tcase_create("api-versions");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_secret_every_version, 0, (int)MVT_N_API_VERSIONS);
    tcase_add_test(tc, test_key_attributes_by_version);
    tcase_add_test(tc, test_unknown_versions_400);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(api_versions_suite(), false);
}
