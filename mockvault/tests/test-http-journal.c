/* test-http-journal.c: the request journal (DESIGN.md §7, issue 5 "Journal", issue 3 --authz
 * audit) over real HTTPS against the embedded server: GET /_mock/requests with every filter,
 * DELETE and POST /_mock/reset clearing it, the "would-deny" mark under --authz audit, the
 * --audit-log JSON-lines file, bad filters, and that neither the journal nor the audit file ever
 * holds a secret value, a client secret or a token.
 *
 * Failure messages print statuses, error codes and journal fields (none of which carries a value),
 * never a body that may hold a value, and never a token. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define KV_SCOPE "https://vault.azure.net/.default"
#define T_ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define T_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define CRID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define FLOW_VALUE "journal-flow-value-Q7x9"
#define ADMIN_VALUE "journal-admin-value-Z3k1"
#define FIXTURE_VALUE "fake-api-key-0000" /* api-key in fixtures/default.json */

static struct mv_server *srv;
static char *flow_tok, *admin_tok;
static char tmp_dir[256];
static char audit_path[300];
static int64_t t_before_vault; /* mock time after the token requests, before the clock jump */

static void start(enum mv_authz_mode mode)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.authz = mode;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/mvt-journal-XXXXXX");
    ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp");
    snprintf(audit_path, sizeof audit_path, "%s/audit.jsonl", tmp_dir);
    cfg.audit_log = audit_path;
    srv = mvt_start("fixtures/default.json", &cfg);
}

static void setup(void)
{
    start(MV_AUTHZ_ENFORCE);
}

static void setup_audit(void)
{
    start(MV_AUTHZ_AUDIT);
}

static void teardown(void)
{
    hc_free_token(flow_tok);
    hc_free_token(admin_tok);
    flow_tok = admin_tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
    if (audit_path[0])
        unlink(audit_path);
    if (tmp_dir[0])
        rmdir(tmp_dir);
    audit_path[0] = tmp_dir[0] = '\0';
}

static void kv(const char *method, const char *path, const char *token, const char *const *hdr,
               const char *body, struct mvt_resp *r)
{
    char p[512];
    hc_req(srv, method, DEMO, hc_path(p, sizeof p, path, NULL), token, hdr, body, r);
}

/* The scenario: two token requests (flow, admin), a clock jump of 1000 s, then by the flow app a
 * GetSecret (with a client request id), a denied SetSecret and a 404, and by the admin a
 * SetSecret. expect_set: the flow SetSecret's status (403 enforce, 200 audit). */
static void scenario(long expect_set)
{
    const char *hdr[] = {"x-ms-client-request-id: " CRID, NULL};
    struct mvt_resp r;

    flow_tok = hc_token_for(srv, T_TENANT, T_FLOW_ID, T_FLOW_SECRET, KV_SCOPE);
    ck_assert_msg(flow_tok != NULL, "flow token");
    admin_tok = hc_token_for(srv, T_TENANT, T_ADMIN_ID, T_ADMIN_SECRET, KV_SCOPE);
    ck_assert_msg(admin_tok != NULL, "admin token");
    t_before_vault = hc_now(srv);
    hc_clock(srv, "{\"advance\":1000}");

    kv("GET", "/secrets/api-key", flow_tok, hdr, NULL, &r);
    hc_assert_status(&r, 200, "flow GetSecret");
    ck_assert_msg(strcmp(hc_jstr(r.json, "value") ? hc_jstr(r.json, "value") : "", FIXTURE_VALUE) ==
                      0,
                  "fixture value of api-key changed; update FIXTURE_VALUE");
    mvt_resp_free(&r);
    kv("PUT", "/secrets/journal-flow", flow_tok, NULL, "{\"value\":\"" FLOW_VALUE "\"}", &r);
    hc_assert_status(&r, expect_set, "flow SetSecret");
    mvt_resp_free(&r);
    kv("GET", "/secrets/no-such-secret", flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, 404, "flow GetSecret missing");
    mvt_resp_free(&r);
    kv("PUT", "/secrets/journal-admin", admin_tok, NULL, "{\"value\":\"" ADMIN_VALUE "\"}", &r);
    hc_assert_status(&r, 200, "admin SetSecret");
    mvt_resp_free(&r);
}

/* GET /_mock/requests[query]; asserts 200 and returns the response (caller frees). */
static void journal(const char *query, struct mvt_resp *r)
{
    char p[512];

    snprintf(p, sizeof p, "/_mock/requests%s", query ? query : "");
    hc_req(srv, "GET", "localhost", p, NULL, NULL, NULL, r);
    hc_assert_status(r, 200, p);
    ck_assert_msg(cJSON_IsArray(hc_jget(r->json, "value")), "%s: no value array", p);
}

static int journal_count(const char *query)
{
    struct mvt_resp r;
    int n;

    journal(query, &r);
    n = cJSON_GetArraySize(hc_jget(r.json, "value"));
    mvt_resp_free(&r);
    return n;
}

static void check_entry(const cJSON *e, int i, const char *op, const char *method, const char *path,
                        const char *vault, const char *appid, const char *oid, long status,
                        const char *err)
{
    char k[64];

    ck_assert_msg(e != NULL, "entry %d missing", i);
#define STR_IS(key, want)                                                                          \
    ck_assert_msg(hc_jstr(e, key) && strcmp(hc_jstr(e, key), want) == 0,                           \
                  "entry %d (%s): %s is '%s', want '%s'", i, op, key,                              \
                  hc_jstr(e, key) ? hc_jstr(e, key) : "(none)", want)
    STR_IS("operation", op);
    STR_IS("method", method);
    STR_IS("path", path);
    STR_IS("vault", vault);
    STR_IS("appid", appid);
    STR_IS("oid", oid);
    STR_IS("errorCode", err);
#undef STR_IS
    ck_assert_msg(hc_jint(e, "status") == status, "entry %d (%s): status %lld, want %ld", i, op,
                  (long long)hc_jint(e, "status"), status);
    ck_assert_msg(cJSON_IsNumber(hc_jget(e, "time")), "entry %d: time", i);
    ck_assert_msg(cJSON_IsNumber(hc_jget(e, "latencyMs")) &&
                      hc_jget(e, "latencyMs")->valuedouble >= 0,
                  "entry %d: latencyMs", i);
    ck_assert_msg(hc_is_guid(hc_jstr(e, "requestId")), "entry %d: requestId", i);
    ck_assert_msg(cJSON_IsString(hc_jget(e, "clientRequestId")), "entry %d: clientRequestId", i);
    snprintf(k, sizeof k, "%s", hc_jstr(e, "path"));
    ck_assert_msg(strchr(k, '?') == NULL, "entry %d: path carries a query string", i);
}

/* text holds none of the values sent or read, the client secrets, or the tokens. */
static void assert_clean(const char *text, const char *what)
{
    const char *bad[] = {FLOW_VALUE, ADMIN_VALUE, FIXTURE_VALUE, T_FLOW_SECRET, T_ADMIN_SECRET,
                         flow_tok,   admin_tok,   "api-version", "Bearer",      "eyJ"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(bad[i] == NULL || strstr(text, bad[i]) == NULL,
                      "%s holds forbidden material #%zu (not printed)", what, i);
}

START_TEST(test_journal_entries)
{
    struct mvt_resp r;
    const cJSON *v;

    scenario(403);
    journal(NULL, &r);
    v = hc_jget(r.json, "value");
    ck_assert_msg(cJSON_GetArraySize(v) == 6, "journal has %d entries, want 6 (no /_mock/ ones)",
                  cJSON_GetArraySize(v));
    check_entry(cJSON_GetArrayItem(v, 0), 0, "Token", "POST", "/" T_TENANT "/oauth2/v2.0/token", "",
                T_FLOW_ID, T_FLOW_OID, 200, "");
    check_entry(cJSON_GetArrayItem(v, 1), 1, "Token", "POST", "/" T_TENANT "/oauth2/v2.0/token", "",
                T_ADMIN_ID, T_ADMIN_OID, 200, "");
    check_entry(cJSON_GetArrayItem(v, 2), 2, "GetSecret", "GET", "/secrets/api-key", "demo",
                T_FLOW_ID, T_FLOW_OID, 200, "");
    check_entry(cJSON_GetArrayItem(v, 3), 3, "SetSecret", "PUT", "/secrets/journal-flow", "demo",
                T_FLOW_ID, T_FLOW_OID, 403, "AccessDenied");
    check_entry(cJSON_GetArrayItem(v, 4), 4, "GetSecret", "GET", "/secrets/no-such-secret", "demo",
                T_FLOW_ID, T_FLOW_OID, 404, "SecretNotFound");
    check_entry(cJSON_GetArrayItem(v, 5), 5, "SetSecret", "PUT", "/secrets/journal-admin", "demo",
                T_ADMIN_ID, T_ADMIN_OID, 200, "");
    ck_assert_str_eq(hc_jstr(v, "2.clientRequestId"), CRID);
    ck_assert_str_eq(hc_jstr(v, "3.clientRequestId"), "");
    /* Times are mock-clock times: the vault calls come after the 1000 s jump. */
    ck_assert_msg(hc_jget(v, "0.time")->valuedouble <= (double)t_before_vault + 1,
                  "token entry time is not mock time");
    ck_assert_msg(hc_jget(v, "2.time")->valuedouble >= (double)t_before_vault + 999,
                  "vault entry time does not follow the mock clock");
    for (int i = 0; i < 6; i++)
        ck_assert_msg(!hc_has(cJSON_GetArrayItem(v, i), "authz"), "entry %d: authz under enforce",
                      i);
    assert_clean(r.body, "journal JSON");
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_journal_filters)
{
    char q[256];

    scenario(403);
    ck_assert_int_eq(journal_count("?operation=GetSecret"), 2);
    ck_assert_int_eq(journal_count("?operation=getsecret"), 2);
    ck_assert_int_eq(journal_count("?operation=Token"), 2);
    ck_assert_int_eq(journal_count("?operation=PurgeDeletedSecret"), 0);
    ck_assert_int_eq(journal_count("?vault=demo"), 4);
    ck_assert_int_eq(journal_count("?vault=DEMO"), 4);
    ck_assert_int_eq(journal_count("?vault=rbac-demo"), 0);
    ck_assert_int_eq(journal_count("?principal=" T_FLOW_ID), 4);
    ck_assert_int_eq(journal_count("?principal=" T_FLOW_OID), 4);
    ck_assert_int_eq(journal_count("?principal=" T_ADMIN_OID), 2);
    ck_assert_int_eq(journal_count("?principal=99999999-0000-0000-0000-000000000000"), 0);
    ck_assert_int_eq(journal_count("?status=200"), 4);
    ck_assert_int_eq(journal_count("?status=403"), 1);
    ck_assert_int_eq(journal_count("?status=404"), 1);
    ck_assert_int_eq(journal_count("?status=500"), 0);
    ck_assert_int_eq(journal_count("?since=0"), 6);
    snprintf(q, sizeof q, "?since=%lld.5", (long long)t_before_vault + 500);
    ck_assert_int_eq(journal_count(q), 4);
    snprintf(q, sizeof q, "?since=%lld", (long long)t_before_vault + 100000);
    ck_assert_int_eq(journal_count(q), 0);
    /* Filters combine. */
    ck_assert_int_eq(journal_count("?operation=GetSecret&principal=" T_FLOW_ID "&status=404"), 1);
    ck_assert_int_eq(journal_count("?vault=demo&principal=" T_ADMIN_ID), 1);
}
END_TEST

static const char *const bad_filters[][2] = {
    {"?status=abc", "status"}, {"?status=", "status"},    {"?status=20x", "status"},
    {"?since=xyz", "since"},   {"?since=1e999", "since"}, {"?since=", "since"},
};

START_TEST(test_journal_bad_filters)
{
    struct mvt_resp r;
    char p[256];
    const char *msg;

    snprintf(p, sizeof p, "/_mock/requests%s", bad_filters[_i][0]);
    hc_req(srv, "GET", "localhost", p, NULL, NULL, NULL, &r);
    hc_assert_status(&r, 400, p);
    msg = hc_jstr(r.json, "error.message");
    ck_assert_msg(msg && strstr(msg, bad_filters[_i][1]), "%s: message '%s' does not name '%s'", p,
                  msg ? msg : "(none)", bad_filters[_i][1]);
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_journal_delete_and_reset)
{
    struct mvt_resp r;

    scenario(403);
    ck_assert_int_eq(journal_count(NULL), 6);
    hc_req(srv, "DELETE", "localhost", "/_mock/requests", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 204, "DELETE /_mock/requests");
    mvt_resp_free(&r);
    ck_assert_int_eq(journal_count(NULL), 0);

    kv("GET", "/secrets/api-key", flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "flow GetSecret after clear");
    mvt_resp_free(&r);
    ck_assert_int_eq(journal_count(NULL), 1);
    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/reset", NULL), 200);
    ck_assert_int_eq(journal_count(NULL), 0);
}
END_TEST

START_TEST(test_journal_authz_audit)
{
    struct mvt_resp r;
    const cJSON *v;

    scenario(200); /* --authz audit: the flow app's SetSecret goes through */
    journal(NULL, &r);
    v = hc_jget(r.json, "value");
    ck_assert_int_eq(cJSON_GetArraySize(v), 6);
    check_entry(cJSON_GetArrayItem(v, 3), 3, "SetSecret", "PUT", "/secrets/journal-flow", "demo",
                T_FLOW_ID, T_FLOW_OID, 200, "");
    ck_assert_msg(hc_jstr(v, "3.authz") && strcmp(hc_jstr(v, "3.authz"), "would-deny") == 0,
                  "audit-allowed SetSecret lacks authz=would-deny");
    for (int i = 0; i < 6; i++)
        ck_assert_msg(i == 3 || !hc_has(cJSON_GetArrayItem(v, i), "authz"),
                      "entry %d: authz on an allowed request", i);
    assert_clean(r.body, "journal JSON (audit)");
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_journal_audit_log_file)
{
    struct mvt_resp r;
    const cJSON *v;
    struct stat st;
    FILE *f;
    char *text, *line, *save = NULL;
    long n;
    int i = 0;

    scenario(403);
    journal(NULL, &r);
    v = hc_jget(r.json, "value");
    ck_assert_int_eq(cJSON_GetArraySize(v), 6);

    ck_assert_msg(stat(audit_path, &st) == 0, "audit log missing");
    ck_assert_msg((st.st_mode & 0777) == 0600, "audit log mode %o, want 600",
                  (unsigned)(st.st_mode & 0777));
    f = fopen(audit_path, "rb");
    ck_assert_msg(f != NULL, "open audit log");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = hc_xmalloc((size_t)n + 1);
    ck_assert_msg(fread(text, 1, (size_t)n, f) == (size_t)n, "read audit log");
    text[n] = '\0';
    fclose(f);
    ck_assert_msg(n > 0 && text[n - 1] == '\n', "audit log does not end with a newline");
    assert_clean(text, "audit log");
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
        cJSON *e = cJSON_Parse(line);
        const cJSON *je = cJSON_GetArrayItem(v, i);
        ck_assert_msg(e != NULL, "audit line %d is not JSON", i);
        ck_assert_msg(je != NULL, "audit log has more lines than the journal");
        ck_assert_str_eq(hc_jstr(e, "requestId"), hc_jstr(je, "requestId"));
        ck_assert_str_eq(hc_jstr(e, "operation"), hc_jstr(je, "operation"));
        ck_assert_int_eq(hc_jint(e, "status"), hc_jint(je, "status"));
        cJSON_Delete(e);
    }
    ck_assert_msg(i == 6, "audit log has %d lines, want 6", i);
    free(text);
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_journal_audit_log_unopenable)
{
    struct mv_server_config cfg;
    struct mv_server *s = NULL;
    char err[1024];

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.log = fopen("/dev/null", "w");
    cfg.audit_log = "/nonexistent-mockvault-dir/audit.jsonl";
    ck_assert_int_eq(mv_server_start(&cfg, &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "audit") && strstr(err, "/nonexistent-mockvault-dir"),
                  "error does not name the audit log: %s", err);
    fclose(cfg.log);
}
END_TEST

static Suite *journal_suite(void)
{
    Suite *s = suite_create("http-journal");
    TCase *tc = tcase_create("journal");
    TCase *au = tcase_create("authz-audit");
    TCase *misc = tcase_create("misc");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_journal_entries);
    tcase_add_test(tc, test_journal_filters);
    tcase_add_loop_test(tc, test_journal_bad_filters, 0,
                        (int)(sizeof bad_filters / sizeof bad_filters[0]));
    tcase_add_test(tc, test_journal_delete_and_reset);
    tcase_add_test(tc, test_journal_audit_log_file);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(au, setup_audit, teardown);
    tcase_add_test(au, test_journal_authz_audit);
    suite_add_tcase(s, au);
    tcase_add_test(misc, test_journal_audit_log_unopenable);
    suite_add_tcase(s, misc);
    return s;
}

int main(void)
{
    return mvt_run(journal_suite(), false);
}
