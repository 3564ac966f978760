/* test-journal.c: the request journal without HTTP (journal.c): entries go in through
 * mv_journal_add, the function the dispatcher calls when a request finishes, so the ring, the
 * filters and the JSON are the real ones. Covers every filter alone and combined (operation, vault,
 * principal as appid or oid, status, since at a float boundary), the ring dropping its oldest
 * entries at capacity, clear, the audit log's JSON lines, and that an entry's keys are exactly the
 * documented set (README.md, GET /_mock/requests), so no value or token can be in one. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "testlib.h"

/* The keys of an entry, in order (README.md, GET /_mock/requests); "authz" and "fault" follow
 * only when set. */
#define KEYS                                                                                       \
    "time,method,path,vault,operation,appid,oid,status,errorCode,latencyMs,clientRequestId,"       \
    "requestId"

#define APP_A "22222222-2222-2222-2222-222222222222"
#define OID_A "33333333-3333-3333-3333-333333333333"
#define APP_B "aaaaaaaa-0000-0000-0000-000000000001"
#define OID_B "aaaaaaaa-0000-0000-0000-0000000000a1"

static struct mv_journal *j;

static void setup(void)
{
    char err[256];

    j = mv_journal_create(NULL, err, sizeof err);
    ck_assert_msg(j != NULL, "mv_journal_create: %s", err);
}

static void teardown(void)
{
    mv_journal_destroy(j);
    j = NULL;
}

/* Adds one entry with the fields the filters look at; the others get fixed values. */
static void add(double time, const char *operation, const char *vault, const char *appid,
                const char *oid, unsigned status)
{
    struct mv_request_record e = {
        .time = time,
        .latency_ms = 1.5,
        .status = status,
        .method = "GET",
        .path = "/secrets/s",
        .vault = vault,
        .operation = operation,
        .appid = appid,
        .oid = oid,
        .error_code = status >= 400 ? "SomeError" : "",
        .request_id = "0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a",
    };

    ck_assert_int_eq(mv_journal_add(j, &e), 0);
}

/* The matching entries' array for f (the caller deletes the returned root). */
static cJSON *query(const struct mv_journal_filter *f, const cJSON **value)
{
    cJSON *o = mv_journal_query(j, f);

    ck_assert_ptr_nonnull(o);
    *value = cJSON_GetObjectItemCaseSensitive(o, "value");
    ck_assert_msg(cJSON_IsArray(*value), "query result has no \"value\" array");
    return o;
}

static int count(const struct mv_journal_filter *f)
{
    const cJSON *v;
    cJSON *o = query(f, &v);
    int n = cJSON_GetArraySize(v);

    cJSON_Delete(o);
    return n;
}

/* Asserts that obj's keys are exactly the comma-separated list, in that order. */
static void assert_keys(const cJSON *obj, const char *keys)
{
    char got[512] = "";
    const cJSON *k;

    cJSON_ArrayForEach(k, obj) {
        if (got[0])
            strncat(got, ",", sizeof got - strlen(got) - 1);
        strncat(got, k->string, sizeof got - strlen(got) - 1);
    }
    ck_assert_msg(strcmp(got, keys) == 0, "entry keys are %s, want %s", got, keys);
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", key);
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    ck_assert_msg(cJSON_IsString(v), "%s is not a string", key);
    return v->valuestring;
}

/* The fixed population most filter tests query: three operations, two vaults, two principals,
 * three statuses, times 1000.25 to 1001.5. */
static void populate(void)
{
    add(1000.25, "SetSecret", "demo", APP_A, OID_A, 200);
    add(1000.5, "GetSecret", "demo", APP_A, OID_A, 200);
    add(1000.75, "GetSecret", "rbac-demo", APP_B, OID_B, 403);
    add(1001.0, "GetSecrets", "demo", APP_B, OID_B, 200);
    add(1001.25, "GetSecret", "demo", APP_B, OID_B, 404);
    add(1001.5, "Token", "", APP_A, "", 200);
}

START_TEST(test_journal_empty)
{
    struct mv_journal_filter all = {0};
    const cJSON *v;
    cJSON *o = query(&all, &v);

    ck_assert_int_eq(cJSON_GetArraySize(v), 0);
    assert_keys(o, "value");
    cJSON_Delete(o);
}
END_TEST

/* Every field lands under its documented key, in order, and nothing else is there. */
START_TEST(test_journal_entry_shape)
{
    struct mv_request_record e = {
        .time = 1700000000.1234567,
        .latency_ms = 12.34567,
        .status = 403,
        .method = "PUT",
        .path = "/secrets/db-password",
        .vault = "demo",
        .operation = "SetSecret",
        .appid = APP_A,
        .oid = OID_A,
        .error_code = "Forbidden",
        .request_id = "0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a",
        .client_request_id = "crid-1",
    };
    struct mv_journal_filter all = {0};
    const cJSON *v, *x;
    cJSON *o;

    ck_assert_int_eq(mv_journal_add(j, &e), 0);
    e.would_deny = true;
    e.fault = 7;
    e.client_request_id = NULL;
    ck_assert_int_eq(mv_journal_add(j, &e), 0);
    o = query(&all, &v);
    ck_assert_int_eq(cJSON_GetArraySize(v), 2);

    x = cJSON_GetArrayItem(v, 0);
    assert_keys(x, KEYS);
    /* Times to the microsecond, latency to the microsecond in milliseconds. */
    ck_assert_double_eq_tol(num(x, "time"), 1700000000.123457, 1e-6);
    ck_assert_double_eq_tol(num(x, "latencyMs"), 12.346, 1e-9);
    ck_assert_str_eq(str(x, "method"), "PUT");
    ck_assert_str_eq(str(x, "path"), "/secrets/db-password");
    ck_assert_str_eq(str(x, "vault"), "demo");
    ck_assert_str_eq(str(x, "operation"), "SetSecret");
    ck_assert_str_eq(str(x, "appid"), APP_A);
    ck_assert_str_eq(str(x, "oid"), OID_A);
    ck_assert_int_eq((int)num(x, "status"), 403);
    ck_assert_str_eq(str(x, "errorCode"), "Forbidden");
    ck_assert_str_eq(str(x, "clientRequestId"), "crid-1");
    ck_assert_str_eq(str(x, "requestId"), "0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a");

    /* An absent client request id is "", and the would-be denial and the fault follow. */
    x = cJSON_GetArrayItem(v, 1);
    assert_keys(x, KEYS ",authz,fault");
    ck_assert_str_eq(str(x, "clientRequestId"), "");
    ck_assert_str_eq(str(x, "authz"), "would-deny");
    ck_assert_int_eq((int)num(x, "fault"), 7);
    cJSON_Delete(o);
}
END_TEST

/* Strings longer than their slot are cut, never overrun: a client request id at 256 bytes, the
 * fixed-size fields at their size; NULL strings become "". */
START_TEST(test_journal_long_and_null_fields)
{
    char longs[1024];
    struct mv_request_record e = {.time = 1, .status = 0};
    struct mv_journal_filter all = {0};
    const cJSON *v, *x;
    cJSON *o;

    memset(longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    e.client_request_id = longs;
    e.operation = longs;
    ck_assert_int_eq(mv_journal_add(j, &e), 0);
    o = query(&all, &v);
    x = cJSON_GetArrayItem(v, 0);
    assert_keys(x, KEYS);
    ck_assert_uint_eq(strlen(str(x, "clientRequestId")), 256);
    ck_assert_uint_lt(strlen(str(x, "operation")), 64);
    ck_assert_str_eq(str(x, "method"), "");
    ck_assert_str_eq(str(x, "path"), "");
    ck_assert_str_eq(str(x, "vault"), "");
    ck_assert_int_eq((int)num(x, "status"), 0);
    cJSON_Delete(o);
}
END_TEST

/* A path with bytes that are not UTF-8 and control characters is kept escaped as in the log, so
 * the journal's JSON stays valid UTF-8 and one line per entry in the audit log. */
START_TEST(test_journal_path_escaped)
{
    struct mv_request_record e = {
        .time = 1, .status = 404, .method = "GET", .path = "/secrets/a\xff\nb\\c"};
    struct mv_journal_filter all = {0};
    const cJSON *v;
    cJSON *o;

    ck_assert_int_eq(mv_journal_add(j, &e), 0);
    o = query(&all, &v);
    ck_assert_str_eq(str(cJSON_GetArrayItem(v, 0), "path"), "/secrets/a\\xFF\\x0Ab\\\\c");
    cJSON_Delete(o);
}
END_TEST

START_TEST(test_journal_filter_operation)
{
    struct mv_journal_filter f = {.operation = "GetSecret"};

    populate();
    ck_assert_int_eq(count(&f), 3);
    /* Case-insensitive, but exact: GetSecret does not select GetSecrets. */
    f.operation = "getsecret";
    ck_assert_int_eq(count(&f), 3);
    f.operation = "GetSecrets";
    ck_assert_int_eq(count(&f), 1);
    f.operation = "Get";
    ck_assert_int_eq(count(&f), 0);
    f.operation = "PurgeDeletedSecret";
    ck_assert_int_eq(count(&f), 0);
}
END_TEST

START_TEST(test_journal_filter_vault)
{
    struct mv_journal_filter f = {.vault = "demo"};

    populate();
    ck_assert_int_eq(count(&f), 4);
    f.vault = "DEMO";
    ck_assert_int_eq(count(&f), 4);
    f.vault = "rbac-demo";
    ck_assert_int_eq(count(&f), 1);
    f.vault = "dem";
    ck_assert_int_eq(count(&f), 0);
    /* "" is a condition too: the entries without a vault (token requests). */
    f.vault = "";
    ck_assert_int_eq(count(&f), 1);
}
END_TEST

/* The principal matches the appid or the oid, case-insensitively. */
START_TEST(test_journal_filter_principal)
{
    struct mv_journal_filter f = {.principal = APP_A};

    populate();
    ck_assert_int_eq(count(&f), 3);
    f.principal = OID_A;
    ck_assert_int_eq(count(&f), 2); /* the token request has no oid */
    f.principal = APP_B;
    ck_assert_int_eq(count(&f), 3);
    f.principal = "AAAAAAAA-0000-0000-0000-0000000000A1";
    ck_assert_int_eq(count(&f), 3);
    f.principal = "99999999-0000-0000-0000-000000000000";
    ck_assert_int_eq(count(&f), 0);
}
END_TEST

START_TEST(test_journal_filter_status)
{
    struct mv_journal_filter f = {.has_status = true, .status = 200};

    populate();
    add(1002, "GetSecret", "demo", APP_A, OID_A, 0); /* a dropped connection */
    ck_assert_int_eq(count(&f), 4);
    f.status = 403;
    ck_assert_int_eq(count(&f), 1);
    f.status = 404;
    ck_assert_int_eq(count(&f), 1);
    f.status = 500;
    ck_assert_int_eq(count(&f), 0);
    /* status 0 is a real condition (dropped connections), not "no filter". */
    f.status = 0;
    ck_assert_int_eq(count(&f), 1);
    f.has_status = false;
    ck_assert_int_eq(count(&f), 7);
}
END_TEST

/* since selects entries at or after it, compared as floats: the boundary entry is in, a hair
 * later it is out. */
START_TEST(test_journal_filter_since_boundary)
{
    struct mv_journal_filter f = {.has_since = true, .since = 1000.5};
    const cJSON *v;
    cJSON *o;

    populate();
    ck_assert_int_eq(count(&f), 5);
    f.since = 1000.5 + 1e-6;
    ck_assert_int_eq(count(&f), 4);
    f.since = 1000.5 - 1e-6;
    ck_assert_int_eq(count(&f), 5);
    f.since = 1001.5;
    o = query(&f, &v);
    ck_assert_int_eq(cJSON_GetArraySize(v), 1);
    ck_assert_str_eq(str(cJSON_GetArrayItem(v, 0), "operation"), "Token");
    cJSON_Delete(o);
    f.since = 1001.5000001;
    ck_assert_int_eq(count(&f), 0);
    f.since = 0;
    ck_assert_int_eq(count(&f), 6);
    f.has_since = false;
    f.since = 5000; /* ignored without has_since */
    ck_assert_int_eq(count(&f), 6);
}
END_TEST

/* Conditions combine with AND, and the result keeps the journal's order (oldest first). */
START_TEST(test_journal_filter_combined)
{
    struct mv_journal_filter f = {.operation = "GetSecret", .vault = "demo"};
    const cJSON *v;
    cJSON *o;

    populate();
    o = query(&f, &v);
    ck_assert_int_eq(cJSON_GetArraySize(v), 2);
    ck_assert_double_eq(num(cJSON_GetArrayItem(v, 0), "time"), 1000.5);
    ck_assert_double_eq(num(cJSON_GetArrayItem(v, 1), "time"), 1001.25);
    cJSON_Delete(o);
    f.principal = OID_B;
    ck_assert_int_eq(count(&f), 1);
    f.has_status = true;
    f.status = 404;
    ck_assert_int_eq(count(&f), 1);
    f.status = 200;
    ck_assert_int_eq(count(&f), 0);
    f.has_status = false;
    f.has_since = true;
    f.since = 1001.25;
    ck_assert_int_eq(count(&f), 1);
    f.since = 1001.26;
    ck_assert_int_eq(count(&f), 0);

    /* Every condition at once, one match. */
    f = (struct mv_journal_filter){.operation = "getsecret",
                                   .vault = "RBAC-DEMO",
                                   .principal = APP_B,
                                   .has_status = true,
                                   .status = 403,
                                   .has_since = true,
                                   .since = 1000.75};
    ck_assert_int_eq(count(&f), 1);
}
END_TEST

/* At capacity the oldest entries are dropped: after MAX + 5 entries the journal holds the newest
 * MAX, oldest first, and filters see across the ring's wrap point. */
START_TEST(test_journal_ring_wraps)
{
    struct mv_journal_filter all = {0}, f = {0};
    const size_t n = MV_JOURNAL_MAX + 5;
    const cJSON *v;
    cJSON *o;

    for (size_t i = 0; i < n; i++)
        add((double)i, i % 2 ? "GetSecret" : "SetSecret", "demo", APP_A, OID_A, 200);
    o = query(&all, &v);
    ck_assert_int_eq(cJSON_GetArraySize(v), MV_JOURNAL_MAX);
    ck_assert_double_eq(num(cJSON_GetArrayItem(v, 0), "time"), 5);
    ck_assert_double_eq(num(cJSON_GetArrayItem(v, MV_JOURNAL_MAX - 1), "time"), (double)(n - 1));
    cJSON_Delete(o);

    /* The newest ten straddle the slot where the ring wrapped. */
    f.has_since = true;
    f.since = (double)(n - 10);
    o = query(&f, &v);
    ck_assert_int_eq(cJSON_GetArraySize(v), 10);
    for (int i = 0; i < 10; i++)
        ck_assert_double_eq(num(cJSON_GetArrayItem(v, i), "time"), (double)(n - 10 + (size_t)i));
    cJSON_Delete(o);
    /* Dropped entries are gone for the filters too. */
    f.since = 0;
    f.has_status = true;
    f.status = 200;
    ck_assert_int_eq(count(&f), MV_JOURNAL_MAX);
    f = (struct mv_journal_filter){.operation = "SetSecret"};
    ck_assert_int_eq(count(&f), MV_JOURNAL_MAX / 2);
}
END_TEST

/* Clear empties the journal, and it fills again from the start afterwards (also after a wrap). */
START_TEST(test_journal_clear)
{
    struct mv_journal_filter all = {0};
    const cJSON *v;
    cJSON *o;

    populate();
    ck_assert_int_eq(count(&all), 6);
    mv_journal_clear(j);
    ck_assert_int_eq(count(&all), 0);
    mv_journal_clear(j); /* twice is fine */
    for (size_t i = 0; i < MV_JOURNAL_MAX + 3; i++)
        add((double)i, "GetSecret", "demo", APP_A, OID_A, 200);
    mv_journal_clear(j);
    add(42, "Token", "", APP_B, "", 200);
    o = query(&all, &v);
    ck_assert_int_eq(cJSON_GetArraySize(v), 1);
    ck_assert_double_eq(num(cJSON_GetArrayItem(v, 0), "time"), 42);
    cJSON_Delete(o);
}
END_TEST

/* --audit-log: one JSON line per entry, the same keys as the journal, and clear leaves the file
 * alone (it is an audit trail). */
START_TEST(test_journal_audit_lines)
{
    char dir[] = "/tmp/mvt-journal-unit-XXXXXX", path[128], line[4096], err[256];
    struct mv_journal *a;
    struct mv_request_record e = {.time = 5,
                                  .status = 200,
                                  .method = "GET",
                                  .path = "/secrets",
                                  .vault = "demo",
                                  .operation = "GetSecrets",
                                  .appid = APP_A,
                                  .oid = OID_A,
                                  .error_code = "",
                                  .request_id = "r1"};
    FILE *f;
    int lines = 0;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/audit.jsonl", dir);
    a = mv_journal_create(path, err, sizeof err);
    ck_assert_msg(a != NULL, "mv_journal_create: %s", err);
    ck_assert_int_eq(mv_journal_add(a, &e), 0);
    mv_journal_clear(a);
    e.fault = 3;
    ck_assert_int_eq(mv_journal_add(a, &e), 0);
    mv_journal_destroy(a);

    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        cJSON *o = cJSON_Parse(line);

        ck_assert_msg(o != NULL, "audit line %d is not JSON", lines + 1);
        assert_keys(o, lines == 0 ? KEYS : KEYS ",fault");
        cJSON_Delete(o);
        lines++;
    }
    fclose(f);
    ck_assert_int_eq(lines, 2);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* An audit log that cannot be opened is an error at creation, with the path in the message. */
START_TEST(test_journal_audit_unopenable)
{
    char err[256] = "";

    ck_assert_ptr_null(mv_journal_create("/nonexistent-dir/audit.jsonl", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/audit.jsonl"));
}
END_TEST

static Suite *journal_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_journal_empty);
    tcase_add_test(tc, test_journal_entry_shape);
    tcase_add_test(tc, test_journal_long_and_null_fields);
    tcase_add_test(tc, test_journal_path_escaped);
    tcase_add_test(tc, test_journal_filter_operation);
    tcase_add_test(tc, test_journal_filter_vault);
    tcase_add_test(tc, test_journal_filter_principal);
    tcase_add_test(tc, test_journal_filter_status);
    tcase_add_test(tc, test_journal_filter_since_boundary);
    tcase_add_test(tc, test_journal_filter_combined);
    tcase_add_test(tc, test_journal_ring_wraps);
    tcase_add_test(tc, test_journal_clear);
    tcase_add_test(tc, test_journal_audit_lines);
    tcase_add_test(tc, test_journal_audit_unopenable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(journal_suite(), false);
}
