/* test-http-secrets.c: the 13 Key Vault secret operations over real HTTPS against the embedded
 * server (spec/keyvault-secrets.md §1 operations, §2 secret-state errors, §4 headers, §6 soft
 * delete; DESIGN.md §5). Every test starts its own server on fixtures/default.json (port 0), so
 * tests are independent.
 *
 * Ids in bodies are checked against the host and port the client used (the spec's "no port"
 * describes the real service on 443; the mock must answer with what the client can reach). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define RBAC "rbac-demo.localhost"

static struct mv_server *srv;
static char *tok;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token from the mock");
}

static void teardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* A vault request with the admin token and api-version HC_API (or api when not NULL). */
static void kv_api(const char *method, const char *host, const char *path, const char *api,
                   const char *body, struct mvt_resp *r)
{
    char p[1024];
    hc_req(srv, method, host, hc_path(p, sizeof p, path, api), tok, NULL, body, r);
}

static void kv(const char *method, const char *host, const char *path, const char *body,
               struct mvt_resp *r)
{
    kv_api(method, host, path, NULL, body, r);
}

/* The version segment of a versioned id (borrowed from the JSON). */
static const char *id_version(const cJSON *j)
{
    const char *id = hc_jstr(j, "id");
    const char *slash = id ? strrchr(id, '/') : NULL;
    return slash ? slash + 1 : "";
}

/* Body of a GET response after the leading {"value":"<value>", so it can be compared with the
 * value-less shapes (update, delete, recover, restore). */
static const char *after_value(const struct mvt_resp *r, const char *value)
{
    char prefix[256];
    size_t n = (size_t)snprintf(prefix, sizeof prefix, "{\"value\":\"%s\",", value);

    ck_assert_msg(strncmp(r->body, prefix, n) == 0, "GET body does not start with \"value\"");
    return r->body + n;
}

/* ---- §1 SetSecret ---- */

/* §1 SetSecret: 200 SecretBundle in the recorded key order, compact, value echoed. */
START_TEST(test_s1_set_secret_bundle_bytes)
{
    struct mvt_resp r;
    char want[2048], base[128];
    int64_t now = hc_now(srv), created;

    kv("PUT", DEMO, "/secrets/new-secret",
       "{\"value\":\"secret-value\",\"contentType\":\"text/plain\",\"tags\":{\"a\":\"b\"},"
       "\"attributes\":{\"enabled\":true,\"exp\":2527401600}}",
       &r);
    hc_assert_status(&r, 200, "PUT /secrets/new-secret");
    ck_assert_msg(r.json != NULL, "body is JSON");
    ck_assert_msg(hc_is_version(id_version(r.json)), "version is 32 lowercase hex");
    created = hc_jint(r.json, "attributes.created");
    ck_assert_msg(created >= now - 5 && created <= now + 5, "created is the mock's now");
    snprintf(want, sizeof want,
             "{\"value\":\"secret-value\",\"contentType\":\"text/plain\",\"id\":\"%s/secrets/"
             "new-secret/%s\",\"attributes\":{\"enabled\":true,\"exp\":2527401600,\"created\":%lld,"
             "\"updated\":%lld,\"recoveryLevel\":\"Recoverable+Purgeable\",\"recoverableDays\":90},"
             "\"tags\":{\"a\":\"b\"}}",
             hc_base(srv, DEMO, base, sizeof base), id_version(r.json), (long long)created,
             (long long)created);
    hc_assert_body(&r, want, false, "SetSecret bundle");
    mvt_resp_free(&r);
}
END_TEST

/* §1 Common points: optional keys (contentType, tags, nbf, exp, kid, managed) are omitted, never
 * null; enabled defaults to true. */
START_TEST(test_s1_set_secret_minimal_omits_optional)
{
    struct mvt_resp r;

    kv("PUT", DEMO, "/secrets/minimal", "{\"value\":\"x\"}", &r);
    hc_assert_status(&r, 200, "PUT minimal");
    hc_assert_keys(r.json, "value,id,attributes", "minimal bundle");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,created,updated,recoveryLevel,recoverableDays", "minimal attributes");
    ck_assert(cJSON_IsTrue(hc_jget(r.json, "attributes.enabled")));
    ck_assert_msg(hc_no_nulls(r.json, NULL), "no null anywhere");
    mvt_resp_free(&r);

    /* Empty values are allowed (spec §5). */
    kv("PUT", DEMO, "/secrets/empty-value", "{\"value\":\"\"}", &r);
    hc_assert_status(&r, 200, "PUT empty value");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "");
    mvt_resp_free(&r);
}
END_TEST

/* §1 SetSecret: {"enabled":false} gives "enabled":false; nbf/exp keep their place in attributes;
 * "tags":{} is echoed when sent as {}. */
START_TEST(test_s1_set_secret_disabled_nbf_exp_empty_tags)
{
    struct mvt_resp r;

    kv("PUT", DEMO, "/secrets/attrs",
       "{\"value\":\"v\",\"tags\":{},\"attributes\":{\"enabled\":false,\"nbf\":1700000000,"
       "\"exp\":2527401600}}",
       &r);
    hc_assert_status(&r, 200, "PUT attrs");
    hc_assert_keys(r.json, "value,id,attributes,tags", "bundle");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,nbf,exp,created,updated,recoveryLevel,recoverableDays", "attributes");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    ck_assert_int_eq(hc_jint(r.json, "attributes.nbf"), 1700000000);
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"), 2527401600LL);
    ck_assert_msg(strstr(r.body, "\"tags\":{}}") != NULL, "tags {} echoed");
    mvt_resp_free(&r);
}
END_TEST

/* §1 SetSecret: each PUT creates a new current version; the older one stays readable. */
START_TEST(test_s1_set_secret_new_version_each_put)
{
    struct mvt_resp r1, r2, g;
    char v1[40], p[256];

    kv("PUT", DEMO, "/secrets/rotating", "{\"value\":\"first\"}", &r1);
    hc_assert_status(&r1, 200, "PUT first");
    snprintf(v1, sizeof v1, "%s", id_version(r1.json));
    kv("PUT", DEMO, "/secrets/rotating", "{\"value\":\"second\"}", &r2);
    hc_assert_status(&r2, 200, "PUT second");
    ck_assert_msg(strcmp(v1, id_version(r2.json)) != 0, "a new version id");

    kv("GET", DEMO, "/secrets/rotating/", NULL, &g);
    hc_assert_status(&g, 200, "GET latest");
    ck_assert_str_eq(hc_jstr(g.json, "value"), "second");
    ck_assert_str_eq(id_version(g.json), id_version(r2.json));
    mvt_resp_free(&g);

    snprintf(p, sizeof p, "/secrets/rotating/%s", v1);
    kv("GET", DEMO, p, NULL, &g);
    hc_assert_status(&g, 200, "GET first version");
    ck_assert_str_eq(hc_jstr(g.json, "value"), "first");
    mvt_resp_free(&g);
    mvt_resp_free(&r1);
    mvt_resp_free(&r2);
}
END_TEST

/* ---- §1 GetSecret ---- */

/* §1 GetSecret: the empty version means the latest, with the SDKs' trailing slash and without
 * (docs form); both answer the same bundle. */
START_TEST(test_s1_get_latest_with_and_without_slash)
{
    struct mvt_resp a, b;

    kv("GET", DEMO, "/secrets/db-password/", NULL, &a);
    hc_assert_status(&a, 200, "GET /secrets/db-password/");
    kv("GET", DEMO, "/secrets/db-password", NULL, &b);
    hc_assert_status(&b, 200, "GET /secrets/db-password");
    ck_assert_str_eq(hc_jstr(a.json, "value"), "fake-db-password-v3");
    hc_assert_body(&b, a.body, false, "same bundle with and without slash");
    hc_assert_keys(a.json, "value,contentType,id,attributes", "bundle");
    mvt_resp_free(&a);
    mvt_resp_free(&b);
}
END_TEST

/* §1 GetSecret by version: the full bundle of that version, bytes in the recorded order. */
START_TEST(test_s1_get_version_bundle_bytes)
{
    struct mvt_resp r;
    char want[2048], base[128];
    int64_t now = hc_now(srv), exp, created, updated;

    kv("GET", DEMO, "/secrets/graph-app-secret/2222bbbb2222bbbb2222bbbb2222bbbb", NULL, &r);
    hc_assert_status(&r, 200, "GET version");
    exp = hc_jint(r.json, "attributes.exp");
    created = hc_jint(r.json, "attributes.created");
    updated = hc_jint(r.json, "attributes.updated");
    ck_assert_msg(exp > now + 179 * 86400 && exp < now + 181 * 86400, "exp is +180d");
    ck_assert_msg(created > now - 2 * 86400 && created < now, "created is -1d");
    snprintf(want, sizeof want,
             "{\"value\":\"graph-app-client-secret-v2\",\"contentType\":\"text/plain\",\"id\":"
             "\"%s/secrets/graph-app-secret/2222bbbb2222bbbb2222bbbb2222bbbb\",\"attributes\":{"
             "\"enabled\":true,\"exp\":%lld,\"created\":%lld,\"updated\":%lld,\"recoveryLevel\":"
             "\"Recoverable+Purgeable\",\"recoverableDays\":90},\"tags\":{\"app\":\"graph-reader\","
             "\"rotated\":\"true\"}}",
             hc_base(srv, DEMO, base, sizeof base), (long long)exp, (long long)created,
             (long long)updated);
    hc_assert_body(&r, want, false, "GetSecret version bundle");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 UpdateSecret ---- */

/* §1 UpdateSecret: 200 without value, tags replaced, updated bumped, created kept. */
START_TEST(test_s1_update_no_value_updated_bumped)
{
    struct mvt_resp before, r, after;
    int64_t created, updated0, now;

    kv("GET", DEMO, "/secrets/api-key/", NULL, &before);
    hc_assert_status(&before, 200, "GET before");
    created = hc_jint(before.json, "attributes.created");
    updated0 = hc_jint(before.json, "attributes.updated");
    hc_clock(srv, "{\"advance\":100}");
    now = hc_now(srv);

    kv("PATCH", DEMO, "/secrets/api-key/",
       "{\"contentType\":\"text/plain\",\"tags\":{\"foo\":\"updated tag\"}}", &r);
    hc_assert_status(&r, 200, "PATCH api-key");
    hc_assert_keys(r.json, "contentType,id,attributes,tags", "update response");
    ck_assert_msg(!hc_has(r.json, "value"), "no value in the update response");
    ck_assert_int_eq(hc_jint(r.json, "attributes.created"), created);
    ck_assert_msg(hc_jint(r.json, "attributes.updated") > updated0, "updated bumped");
    ck_assert_msg(hc_jint(r.json, "attributes.updated") >= now - 2, "updated is the mock's now");
    ck_assert_msg(strstr(r.body, ",\"tags\":{\"foo\":\"updated tag\"}}") != NULL, "tags replaced");
    ck_assert_str_eq(id_version(r.json), id_version(before.json));

    /* The stored bundle is the update response plus the value. */
    kv("GET", DEMO, "/secrets/api-key/", NULL, &after);
    hc_assert_status(&after, 200, "GET after");
    ck_assert_msg(strcmp(after_value(&after, "fake-api-key-0000"), r.body + 1) == 0,
                  "GET after update = update response + value");
    mvt_resp_free(&before);
    mvt_resp_free(&r);
    mvt_resp_free(&after);
}
END_TEST

/* §1 UpdateSecret: a disabled secret can still be updated (without the value), GET stays 403
 * until it is enabled again. Also by explicit version and without the trailing slash. */
START_TEST(test_s1_update_disabled_secret)
{
    struct mvt_resp r;

    kv("PATCH", DEMO, "/secrets/disabled-secret/", "{\"tags\":{\"x\":\"y\"}}", &r);
    hc_assert_status(&r, 200, "PATCH disabled secret");
    ck_assert_msg(!hc_has(r.json, "value"), "no value");
    ck_assert(cJSON_IsFalse(hc_jget(r.json, "attributes.enabled")));
    ck_assert_str_eq(hc_jstr(r.json, "tags.x"), "y");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/disabled-secret/", NULL, &r);
    hc_assert_status(&r, 403, "GET still disabled");
    mvt_resp_free(&r);

    kv("PATCH", DEMO, "/secrets/disabled-secret", "{\"attributes\":{\"enabled\":true}}", &r);
    hc_assert_status(&r, 200, "PATCH enable (no slash)");
    ck_assert(cJSON_IsTrue(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/disabled-secret/", NULL, &r);
    hc_assert_status(&r, 200, "GET enabled");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-disabled-value");
    mvt_resp_free(&r);

    /* A disabled old version, patched by version id. */
    kv("PATCH", DEMO, "/secrets/graph-app-secret/1111aaaa1111aaaa1111aaaa1111aaaa",
       "{\"contentType\":\"text/old\"}", &r);
    hc_assert_status(&r, 200, "PATCH disabled version");
    ck_assert_str_eq(hc_jstr(r.json, "contentType"), "text/old");
    ck_assert_str_eq(id_version(r.json), "1111aaaa1111aaaa1111aaaa1111aaaa");
    ck_assert_msg(!hc_has(r.json, "value"), "no value");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 DeleteSecret, §6 soft delete ---- */

/* §1 DeleteSecret: 200 DeletedSecretBundle without value, recoveryId/deletedDate/
 * scheduledPurgeDate first, scheduledPurgeDate = deletedDate + 90*86400 for vault demo; the rest
 * is the bundle as GET showed it. GET /deletedsecrets/N answers the same bytes. */
START_TEST(test_s1_delete_deleted_bundle_90d)
{
    struct mvt_resp g, d, gd;
    char want[4096], base[128];
    int64_t now, dd, spd;

    kv("GET", DEMO, "/secrets/api-key/", NULL, &g);
    hc_assert_status(&g, 200, "GET before delete");
    now = hc_now(srv);
    kv("DELETE", DEMO, "/secrets/api-key", NULL, &d);
    hc_assert_status(&d, 200, "DELETE api-key");
    hc_assert_keys(d.json,
                   "recoveryId,deletedDate,scheduledPurgeDate,contentType,id,attributes,tags",
                   "deleted bundle");
    dd = hc_jint(d.json, "deletedDate");
    spd = hc_jint(d.json, "scheduledPurgeDate");
    ck_assert_msg(dd >= now - 5 && dd <= now + 5, "deletedDate is the mock's now");
    ck_assert_int_eq(spd, dd + HC_RETENTION_90D);
    snprintf(want, sizeof want,
             "{\"recoveryId\":\"%s/deletedsecrets/api-key\",\"deletedDate\":%lld,"
             "\"scheduledPurgeDate\":%lld,%s",
             hc_base(srv, DEMO, base, sizeof base), (long long)dd, (long long)spd,
             after_value(&g, "fake-api-key-0000"));
    hc_assert_body(&d, want, true, "DeleteSecret body");

    kv("GET", DEMO, "/deletedsecrets/api-key", NULL, &gd);
    hc_assert_status(&gd, 200, "GET /deletedsecrets/api-key");
    hc_assert_body(&gd, d.body, true, "GetDeletedSecret = Delete response");
    mvt_resp_free(&gd);

    /* §1 GetDeletedSecrets item: the same fields with the base id (no version), no value. */
    kv("GET", DEMO, "/deletedsecrets", NULL, &gd);
    hc_assert_status(&gd, 200, "GET /deletedsecrets");
    {
        const cJSON *it;
        char want_id[256];
        int found = 0;
        snprintf(want_id, sizeof want_id, "%s/secrets/api-key", base);
        cJSON_ArrayForEach(it, hc_jget(gd.json, "value"))
        {
            if (!hc_jstr(it, "id") || strcmp(hc_jstr(it, "id"), want_id) != 0)
                continue;
            found++;
            hc_assert_keys(
                it, "recoveryId,deletedDate,scheduledPurgeDate,contentType,id,attributes,tags",
                "deleted list item");
            ck_assert_int_eq(hc_jint(it, "deletedDate"), dd);
            ck_assert_int_eq(hc_jint(it, "scheduledPurgeDate"), spd);
        }
        ck_assert_int_eq(found, 1);
    }
    mvt_resp_free(&gd);

    /* §6: while deleted it is inaccessible to retrievals. */
    kv("GET", DEMO, "/secrets/api-key/", NULL, &gd);
    hc_assert_status(&gd, 404, "GET deleted secret");
    ck_assert_str_eq(hc_err_code(&gd), "SecretNotFound");
    mvt_resp_free(&gd);
    mvt_resp_free(&g);
    mvt_resp_free(&d);
}
END_TEST

/* §1 DeleteSecret / §6: a 7-day vault with purge protection: recoverableDays 7,
 * recoveryLevel without "+Purgeable", scheduledPurgeDate = deletedDate + 7*86400. */
START_TEST(test_s6_delete_rbac_demo_7d_protected)
{
    struct mvt_resp d;

    kv("DELETE", RBAC, "/secrets/app-config", NULL, &d);
    hc_assert_status(&d, 200, "DELETE rbac-demo app-config");
    ck_assert_int_eq(hc_jint(d.json, "scheduledPurgeDate"),
                     hc_jint(d.json, "deletedDate") + HC_RETENTION_7D);
    ck_assert_int_eq(hc_jint(d.json, "attributes.recoverableDays"), 7);
    ck_assert_str_eq(hc_jstr(d.json, "attributes.recoveryLevel"), "CustomizedRecoverable");
    ck_assert_msg(!hc_has(d.json, "value"), "no value");
    mvt_resp_free(&d);
}
END_TEST

/* ---- §1 GetSecrets: paging ---- */

static const int page_sizes[] = {1, 2, 3, 4, 5, 10, 25, 0 /* maxresults absent */};

/* Live secrets after the setup below, in case-insensitive order. */
static const char *const live_sorted[] = {
    "alpha-2",        "api-key", "Beta-3",           "db-password",   "DELTA-5", "disabled-secret",
    "expired-secret", "gamma-4", "graph-app-secret", "not-yet-valid", "Zeta-1",
};
#define NLIVE (sizeof live_sorted / sizeof live_sorted[0])

/* Follows nextLink verbatim from path on host, collecting item names (from the base ids) into
 * names; checks every page's shape. Returns the number of pages. */
static int collect_pages(const char *host, const char *first_path, const char *list_path, int max,
                         char names[][160], size_t *n, size_t cap, unsigned item_kind)
{
    char path[2048], base[128], prefix[512];
    int pages = 0;

    hc_base(srv, host, base, sizeof base);
    snprintf(prefix, sizeof prefix, "%s%s?api-version=%s&$skiptoken=", base, list_path, HC_API);
    snprintf(path, sizeof path, "%s", first_path);
    *n = 0;
    for (;;) {
        struct mvt_resp r;
        const cJSON *arr, *it, *next;
        int count = 0;

        ck_assert_msg(++pages <= 200, "paging does not end");
        hc_req(srv, "GET", host, path, tok, NULL, NULL, &r);
        hc_assert_status(&r, 200, "list page");
        hc_assert_keys(r.json, "value,nextLink", "page keys");
        arr = hc_jget(r.json, "value");
        ck_assert(cJSON_IsArray(arr));
        cJSON_ArrayForEach(it, arr)
        {
            const char *id = hc_jstr(it, "id");
            const char *slash;
            char keys[256];
            count++;
            ck_assert_msg(!hc_has(it, "value"), "list items carry no value");
            ck_assert_msg(hc_no_nulls(it, NULL), "no nulls in items");
            ck_assert_msg(id && strncmp(id, base, strlen(base)) == 0, "item id on %s", base);
            hc_keys(it, keys, sizeof keys);
            if (item_kind == 0) {
                /* §1 key order of a list item: contentType?, id, managed?, attributes, tags?. */
                ck_assert_msg(strcmp(keys, "id,attributes") == 0 ||
                                  strcmp(keys, "contentType,id,attributes") == 0 ||
                                  strcmp(keys, "id,attributes,tags") == 0 ||
                                  strcmp(keys, "contentType,id,attributes,tags") == 0,
                              "list item keys [%s]", keys);
                slash = strstr(id + strlen(base), "/secrets/");
                ck_assert_msg(slash && !strchr(slash + 9, '/'), "base id (no version): %s", id);
                ck_assert(*n < cap);
                snprintf(names[(*n)++], 160, "%s", slash + 9);
            } else {
                /* versions: versioned ids */
                ck_assert_msg(strncmp(keys, "recoveryId", 10) != 0, "no deleted keys");
                slash = strrchr(id, '/');
                ck_assert_msg(hc_is_version(slash + 1), "versioned id: %s", id);
                ck_assert(*n < cap);
                snprintf(names[(*n)++], 160, "%s", slash + 1);
            }
        }
        if (max > 0)
            ck_assert_msg(count <= max, "page of %d items over maxresults=%d", count, max);
        next = hc_jget(r.json, "nextLink");
        ck_assert_msg(next != NULL, "\"nextLink\" key present on every page");
        if (cJSON_IsNull(next)) {
            static const char tail[] = ",\"nextLink\":null}";
            ck_assert_msg(r.len > strlen(tail) && strcmp(r.body + r.len - strlen(tail), tail) == 0,
                          "last page ends with \"nextLink\":null");
            mvt_resp_free(&r);
            break;
        }
        ck_assert(cJSON_IsString(next));
        ck_assert_msg(strncmp(next->valuestring, prefix, strlen(prefix)) == 0,
                      "nextLink '%s' starts with '%s'", next->valuestring, prefix);
        /* Followed verbatim: the path and query exactly as given. */
        snprintf(path, sizeof path, "%s", next->valuestring + strlen(base));
        mvt_resp_free(&r);
    }
    return pages;
}

/* §1 GetSecrets: maxresults 1..25, nextLink absolute at the client's host and port, followed
 * verbatim, "nextLink":null on the last page; base ids, no values, case-insensitive order. */
START_TEST(test_s1_list_paging_follow_nextlink)
{
    static const char *const extra[] = {"Zeta-1", "alpha-2", "Beta-3", "gamma-4", "DELTA-5"};
    char names[64][160], path[256];
    size_t n = 0;
    int max = page_sizes[_i], pages;

    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        struct mvt_resp r;
        hc_set(srv, DEMO, tok, extra[i], "{\"value\":\"v\"}", &r);
        mvt_resp_free(&r);
    }
    if (max > 0)
        snprintf(path, sizeof path, "/secrets?api-version=%s&maxresults=%d", HC_API, max);
    else
        snprintf(path, sizeof path, "/secrets?api-version=%s", HC_API);
    pages = collect_pages(DEMO, path, "/secrets", max, names, &n, 64, 0);
    ck_assert_int_eq(n, NLIVE);
    for (size_t i = 0; i < NLIVE; i++)
        ck_assert_msg(strcmp(names[i], live_sorted[i]) == 0, "item %zu is %s, want %s", i, names[i],
                      live_sorted[i]);
    if (max > 0)
        ck_assert_int_ge(pages, (int)((NLIVE + (size_t)max - 1) / (size_t)max));
    if (max > 0 && max <= 4)
        ck_assert_int_ge(pages, 3);
}
END_TEST

/* §1 GetSecrets + §3 "what the mock must do" 3: nextLink is built from the request's own host and
 * port, also for the default vault reached as localhost. */
START_TEST(test_s1_list_nextlink_default_vault_host)
{
    char names[64][160], path[256];
    size_t n = 0;

    snprintf(path, sizeof path, "/secrets?api-version=%s&maxresults=2", HC_API);
    ck_assert_int_ge(collect_pages("localhost", path, "/secrets", 2, names, &n, 64, 0), 3);
    ck_assert_int_eq(n, 6);
}
END_TEST

/* ---- §1 GetSecretVersions ---- */

/* §1 GetSecretVersions: versioned ids, no values, ordered by version string (not creation),
 * paged with nextLink. */
START_TEST(test_s1_list_versions_ordered_paged)
{
    char names[64][160], path[256], created[8][40];
    size_t n = 0;
    const int nv = 6;

    for (int i = 0; i < nv; i++) {
        struct mvt_resp r;
        char body[64];
        snprintf(body, sizeof body, "{\"value\":\"v%d\"}", i);
        hc_set(srv, DEMO, tok, "many-versions", body, &r);
        snprintf(created[i], sizeof created[i], "%s", id_version(r.json));
        mvt_resp_free(&r);
    }
    snprintf(path, sizeof path, "/secrets/many-versions/versions?api-version=%s&maxresults=2",
             HC_API);
    ck_assert_int_ge(
        collect_pages(DEMO, path, "/secrets/many-versions/versions", 2, names, &n, 64, 1), 3);
    ck_assert_int_eq(n, (size_t)nv);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(strcmp(names[i - 1], names[i]) < 0, "versions ordered by id");
    for (int i = 0; i < nv; i++) {
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(names[k], created[i]) == 0;
        ck_assert_msg(seen, "version %d listed", i);
    }

    /* The fixture's three db-password versions, in one page. */
    snprintf(path, sizeof path, "/secrets/db-password/versions?api-version=%s", HC_API);
    collect_pages(DEMO, path, "/secrets/db-password/versions", 0, names, &n, 64, 1);
    ck_assert_int_eq(n, 3);
    ck_assert_msg(strcmp(names[0], names[1]) < 0 && strcmp(names[1], names[2]) < 0, "ordered");
}
END_TEST

/* §1 GetSecretVersions: an unknown name is 200 {"value":[],"nextLink":null} (28 bytes). */
START_TEST(test_s1_list_versions_unknown_name_empty)
{
    struct mvt_resp r;

    kv("GET", DEMO, "/secrets/never-existed/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions of unknown name");
    hc_assert_body(&r, "{\"value\":[],\"nextLink\":null}", true, "empty versions list");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 GetDeletedSecrets, GetDeletedSecret ---- */

/* §1 GetDeletedSecrets: items start recoveryId, deletedDate, scheduledPurgeDate, base id, no
 * value; GetDeletedSecret gives the versioned bundle of the same deleted secret. */
START_TEST(test_s1_list_deleted_and_get_deleted)
{
    struct mvt_resp r, g;
    const cJSON *it;
    char base[128], want[256];
    int found = 0;

    hc_base(srv, DEMO, base, sizeof base);
    kv("GET", DEMO, "/deletedsecrets", NULL, &r);
    hc_assert_status(&r, 200, "GET /deletedsecrets");
    hc_assert_keys(r.json, "value,nextLink", "page");
    cJSON_ArrayForEach(it, hc_jget(r.json, "value"))
    {
        found++;
        hc_assert_keys(it, "recoveryId,deletedDate,scheduledPurgeDate,id,attributes",
                       "deleted item old-secret");
        snprintf(want, sizeof want, "%s/deletedsecrets/old-secret", base);
        ck_assert_str_eq(hc_jstr(it, "recoveryId"), want);
        snprintf(want, sizeof want, "%s/secrets/old-secret", base);
        ck_assert_str_eq(hc_jstr(it, "id"), want);
        ck_assert_int_eq(hc_jint(it, "scheduledPurgeDate"),
                         hc_jint(it, "deletedDate") + HC_RETENTION_90D);
    }
    ck_assert_int_eq(found, 1);

    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &g);
    hc_assert_status(&g, 200, "GET /deletedsecrets/old-secret");
    hc_assert_keys(g.json, "recoveryId,deletedDate,scheduledPurgeDate,id,attributes", "bundle");
    ck_assert_msg(hc_is_version(id_version(g.json)), "deleted bundle has the versioned id");
    ck_assert_int_eq(hc_jint(g.json, "deletedDate"),
                     hc_jint(cJSON_GetArrayItem(hc_jget(r.json, "value"), 0), "deletedDate"));
    mvt_resp_free(&g);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 RecoverDeletedSecret ---- */

/* §1 RecoverDeletedSecret: POST with an empty body gives 200 without value (latest version);
 * the secret is readable again and no longer in the deleted list. */
START_TEST(test_s1_recover)
{
    struct mvt_resp r, g;

    kv("POST", DEMO, "/deletedsecrets/old-secret/recover", "", &r);
    hc_assert_status(&r, 200, "recover old-secret");
    hc_assert_keys(r.json, "id,attributes", "recover response");
    kv("GET", DEMO, "/secrets/old-secret/", NULL, &g);
    hc_assert_status(&g, 200, "GET recovered");
    ck_assert_str_eq(hc_jstr(g.json, "value"), "fake-old-value");
    ck_assert_msg(strcmp(after_value(&g, "fake-old-value"), r.body + 1) == 0,
                  "GET = recover response + value");
    mvt_resp_free(&g);

    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &g);
    hc_assert_status(&g, 404, "no longer deleted");
    mvt_resp_free(&g);

    /* Delete then recover a live one: earlier versions come back too (§6). */
    mvt_resp_free(&r);
    kv("DELETE", DEMO, "/secrets/db-password", NULL, &r);
    hc_assert_status(&r, 200, "DELETE db-password");
    mvt_resp_free(&r);
    kv("POST", DEMO, "/deletedsecrets/db-password/recover", "", &r);
    hc_assert_status(&r, 200, "recover db-password");
    ck_assert_msg(!hc_has(r.json, "value"), "no value");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/secrets/db-password/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions after recover");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 3);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 PurgeDeletedSecret ---- */

/* §1 PurgeDeletedSecret / §4: 204, no body, no Content-Type or Content-Length, the other common
 * headers still there; the name is free afterwards. */
START_TEST(test_s1_purge_204_no_body)
{
    struct mvt_resp r;
    char hb[128];

    kv("DELETE", DEMO, "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 204, "purge old-secret");
    ck_assert_int_eq(r.len, 0);
    hc_assert_no_header(&r, "Content-Type", "204");
    hc_assert_no_header(&r, "Content-Length", "204");
    ck_assert_msg(hc_is_guid(mvt_header(&r, "x-ms-request-id", hb, sizeof hb)), "request id");
    hc_assert_header(&r, "Cache-Control", "no-cache", "204");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 404, "purged");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not "
                   "found: old-secret\"}}",
                   true, "GetDeletedSecret after purge");
    mvt_resp_free(&r);

    hc_set(srv, DEMO, tok, "old-secret", "{\"value\":\"reborn\"}", &r);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 BackupSecret / RestoreSecret ---- */

/* Collects "id created updated" lines of every version of name, in list order. */
static void versions_fingerprint(const char *name, char *out, size_t n)
{
    struct mvt_resp r;
    char path[256];
    const cJSON *it;
    size_t off = 0;

    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    kv("GET", DEMO, path, NULL, &r);
    hc_assert_status(&r, 200, "list versions");
    out[0] = '\0';
    cJSON_ArrayForEach(it, hc_jget(r.json, "value")) off += (size_t)snprintf(
        out + off, n - off, "%s %lld %lld %s\n", hc_jstr(it, "id"),
        (long long)hc_jint(it, "attributes.created"), (long long)hc_jint(it, "attributes.updated"),
        cJSON_IsTrue(hc_jget(it, "attributes.enabled")) ? "on" : "off");
    mvt_resp_free(&r);
}

/* §1 BackupSecret/RestoreSecret: the blob is unpadded base64url; restore (after delete + purge,
 * and a clock jump) answers 200 without value and keeps every version id and created/updated. */
START_TEST(test_s1_backup_restore_roundtrip)
{
    struct mvt_resp b, r, g;
    char before[4096], after[4096], body[16384], latest[40];
    cJSON *req;
    char *blob;

    versions_fingerprint("graph-app-secret", before, sizeof before);
    kv("GET", DEMO, "/secrets/graph-app-secret/", NULL, &g);
    hc_assert_status(&g, 200, "GET latest");
    snprintf(latest, sizeof latest, "%s", id_version(g.json));
    mvt_resp_free(&g);

    kv("POST", DEMO, "/secrets/graph-app-secret/backup", "", &b);
    hc_assert_status(&b, 200, "backup");
    hc_assert_keys(b.json, "value", "backup response");
    ck_assert_msg(hc_jstr(b.json, "value") != NULL, "backup value");
    blob = strdup(hc_jstr(b.json, "value"));
    ck_assert_msg(hc_is_b64url(blob), "blob is unpadded base64url");
    ck_assert_msg(strstr(b.body, "graph-app-client-secret") == NULL, "no clear-text value in blob");
    mvt_resp_free(&b);

    kv("DELETE", DEMO, "/secrets/graph-app-secret", NULL, &r);
    hc_assert_status(&r, 200, "delete");
    mvt_resp_free(&r);
    kv("DELETE", DEMO, "/deletedsecrets/graph-app-secret", NULL, &r);
    hc_assert_status(&r, 204, "purge");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":1000}");

    req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "value", blob);
    cJSON_PrintPreallocated(req, body, sizeof body, 0);
    cJSON_Delete(req);
    kv("POST", DEMO, "/secrets/restore", body, &r);
    hc_assert_status(&r, 200, "restore");
    ck_assert_msg(!hc_has(r.json, "value"), "restore response without value");
    hc_assert_keys(r.json, "contentType,id,attributes,tags", "restore response");
    ck_assert_str_eq(id_version(r.json), latest);

    versions_fingerprint("graph-app-secret", after, sizeof after);
    ck_assert_msg(strcmp(before, after) == 0, "versions, created and updated kept:\n%s---\n%s",
                  before, after);
    kv("GET", DEMO, "/secrets/graph-app-secret/", NULL, &g);
    hc_assert_status(&g, 200, "GET restored");
    ck_assert_str_eq(hc_jstr(g.json, "value"), "graph-app-client-secret-v2");
    ck_assert_msg(strcmp(after_value(&g, "graph-app-client-secret-v2"), r.body + 1) == 0,
                  "GET = restore response + value");
    mvt_resp_free(&g);
    mvt_resp_free(&r);

    /* §1 RestoreSecret: restoring while the name exists is 409 Conflict. */
    kv("POST", DEMO, "/secrets/restore", body, &r);
    hc_assert_status(&r, 409, "restore onto an existing name");
    ck_assert_str_eq(hc_err_code(&r), "Conflict");
    mvt_resp_free(&r);
    free(blob);
}
END_TEST

/* Ways to spoil a blob: flip one character in the middle, cut the tail, append, garbage. */
static const char *const tamper_kind[] = {"flip", "truncate", "append", "garbage", "empty"};

/* §2 RestoreSecret: a malformed or tampered blob is the exact 400 "Malformed backup blob" body
 * (the code string really contains spaces); the store is unchanged. */
START_TEST(test_s2_restore_tampered_blob_400)
{
    struct mvt_resp b, r;
    char body[16384], *blob, *state0, *state1;
    const char *kind = tamper_kind[_i];
    size_t n;
    cJSON *req;

    kv("POST", DEMO, "/secrets/api-key/backup", "", &b);
    hc_assert_status(&b, 200, "backup");
    ck_assert_msg(hc_jstr(b.json, "value") != NULL, "backup value");
    blob = hc_xmalloc(b.len + 64);
    snprintf(blob, b.len + 64, "%s", hc_jstr(b.json, "value"));
    mvt_resp_free(&b);
    n = strlen(blob);
    if (strcmp(kind, "flip") == 0)
        blob[n / 2] = blob[n / 2] == 'A' ? 'B' : 'A';
    else if (strcmp(kind, "truncate") == 0)
        blob[n - 10] = '\0';
    else if (strcmp(kind, "append") == 0)
        strcat(blob, "AAAA");
    else if (strcmp(kind, "garbage") == 0)
        snprintf(blob, n + 64, "bm90LWEtYmFja3VwLWJsb2I");
    else
        blob[0] = '\0';
    kv("DELETE", DEMO, "/secrets/api-key", NULL, &r);
    mvt_resp_free(&r);
    kv("DELETE", DEMO, "/deletedsecrets/api-key", NULL, &r);
    hc_assert_status(&r, 204, "purge api-key");
    mvt_resp_free(&r);

    req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "value", blob);
    cJSON_PrintPreallocated(req, body, sizeof body, 0);
    cJSON_Delete(req);
    state0 = hc_state(srv);
    kv("POST", DEMO, "/secrets/restore", body, &r);
    hc_assert_status(&r, 400, kind);
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"Malformed backup blob\",\"message\":\"Backup blob "
                   "contains invalid or corrupt version.\"}}",
                   true, kind);
    mvt_resp_free(&r);
    state1 = hc_state(srv);
    ck_assert_msg(strcmp(state0, state1) == 0, "store unchanged after a bad restore");
    free(state0);
    free(state1);
    free(blob);
}
END_TEST

/* ---- §2 / §6 soft-delete conflicts and purge protection ---- */

/* §2 "PUT on a deleted-but-recoverable name": exact 409 ObjectIsDeletedButRecoverable body. */
START_TEST(test_s2_put_deleted_name_409)
{
    struct mvt_resp r;

    kv("DELETE", DEMO, "/secrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "DELETE");
    mvt_resp_free(&r);
    kv("PUT", DEMO, "/secrets/api-key", "{\"value\":\"again\"}", &r);
    hc_assert_status(&r, 409, "PUT deleted name");
    hc_assert_body(
        &r,
        "{\"error\":{\"code\":\"Conflict\",\"message\":\"Secret api-key is currently in a "
        "deleted but recoverable state, and its name cannot be reused; in this state, the "
        "secret can only be recovered or purged.\",\"innererror\":{\"code\":"
        "\"ObjectIsDeletedButRecoverable\"}}}",
        true, "409 body");
    mvt_resp_free(&r);

    /* The fixture's deleted secret too. */
    kv("PUT", DEMO, "/secrets/old-secret", "{\"value\":\"again\"}", &r);
    hc_assert_status(&r, 409, "PUT old-secret");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "ObjectIsDeletedButRecoverable");
    mvt_resp_free(&r);
}
END_TEST

/* §2 "Purge while purge protection is on": 403 Forbidden with the recorded message (vault
 * rbac-demo has purgeProtection); the deleted secret stays. */
START_TEST(test_s2_purge_protection_403)
{
    struct mvt_resp r;

    kv("DELETE", RBAC, "/secrets/app-config", NULL, &r);
    hc_assert_status(&r, 200, "DELETE app-config");
    mvt_resp_free(&r);
    kv("DELETE", RBAC, "/deletedsecrets/app-config", NULL, &r);
    hc_assert_status(&r, 403, "purge protected");
    ck_assert_str_eq(hc_err_code(&r), "Forbidden");
    ck_assert_str_eq(
        hc_jstr(r.json, "error.message"),
        "Operation \"purge\" is not allowed because purge protection is enabled for "
        "this vault. Key Vault service will automatically purge it after the retention "
        "period has passed. Vault: rbac-demo;location=westeurope");
    mvt_resp_free(&r);
    kv("GET", RBAC, "/deletedsecrets/app-config", NULL, &r);
    hc_assert_status(&r, 200, "still deleted");
    mvt_resp_free(&r);
}
END_TEST

/* §6 / DESIGN §5: scheduled purges happen when the mock clock passes scheduledPurgeDate (not
 * before); then the name is free again. */
START_TEST(test_s6_scheduled_purge_on_clock_advance)
{
    struct mvt_resp r;
    char adv[64];
    int64_t spd, now;

    kv("DELETE", DEMO, "/secrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "DELETE");
    spd = hc_jint(r.json, "scheduledPurgeDate");
    mvt_resp_free(&r);

    now = hc_now(srv);
    snprintf(adv, sizeof adv, "{\"advance\":%lld}", (long long)(spd - now - 100));
    hc_clock(srv, adv);
    hc_free_token(tok); /* the old token expired 90 days ago */
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "fresh token");
    kv("GET", DEMO, "/deletedsecrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "100 s before the purge date");
    mvt_resp_free(&r);
    /* old-secret was deleted 2 days before load: its date (88 days on) has passed. */
    kv("GET", DEMO, "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 404, "old-secret purged");
    mvt_resp_free(&r);

    hc_clock(srv, "{\"advance\":200}");
    kv("GET", DEMO, "/deletedsecrets/api-key", NULL, &r);
    hc_assert_status(&r, 404, "past the purge date");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/deletedsecrets", NULL, &r);
    hc_assert_status(&r, 200, "list deleted");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 0);
    mvt_resp_free(&r);
    hc_set(srv, DEMO, tok, "api-key", "{\"value\":\"new\"}", &r);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 names ---- */

/* Bodies are written without cJSON on the hot path; strings must still be escaped exactly as
 * cJSON escapes them: the body equals cJSON's compact print of itself, and values round-trip. */
START_TEST(test_s1_escaping_matches_cjson)
{
    static const char value[] = "q\"b\\s/n\nt\tc\x01\x1f \xc3\xa9 \xf0\x9f\x98\x80 </script>";
    const char *hdr[] = {"Content-Type: application/json", NULL};
    cJSON *in = cJSON_CreateObject(), *tags;
    char *body, *again;
    struct mvt_resp r;

    cJSON_AddStringToObject(in, "value", value);
    cJSON_AddStringToObject(in, "contentType", "ct\"\n");
    tags = cJSON_AddObjectToObject(in, "tags");
    cJSON_AddStringToObject(tags, "k\"\\", "v\x02");
    body = cJSON_PrintUnformatted(in);
    ck_assert_int_eq(mvt_request(srv, "PUT", DEMO, "/secrets/esc?api-version=7.4", tok, hdr, body, &r), 0);
    ck_assert_int_eq(r.status, 200);
    mvt_resp_free(&r);
    ck_assert_int_eq(mvt_request(srv, "GET", DEMO, "/secrets/esc/?api-version=7.4", tok, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(r.json);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "value")->valuestring, value);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(r.json, "contentType")->valuestring, "ct\"\n");
    again = cJSON_PrintUnformatted(r.json);
    ck_assert_msg(strcmp(again, r.body) == 0, "body differs from cJSON's compact print");
    cJSON_free(again);
    cJSON_free(body);
    cJSON_Delete(in);
    mvt_resp_free(&r);
}
END_TEST

/* §1 Common points / §5: names are case-insensitive and keep the case they were created with. */
START_TEST(test_s1_names_case_insensitive_case_preserved)
{
    struct mvt_resp r;
    char base[128], want[256];

    hc_base(srv, DEMO, base, sizeof base);
    snprintf(want, sizeof want, "%s/secrets/MixedCase-Name/", base);
    hc_set(srv, DEMO, tok, "MixedCase-Name", "{\"value\":\"one\"}", &r);
    ck_assert_msg(strncmp(hc_jstr(r.json, "id"), want, strlen(want)) == 0, "id keeps the case");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/mixedcase-name/", NULL, &r);
    hc_assert_status(&r, 200, "GET lower case");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "one");
    ck_assert_msg(strncmp(hc_jstr(r.json, "id"), want, strlen(want)) == 0, "stored case in id");
    mvt_resp_free(&r);

    hc_set(srv, DEMO, tok, "MIXEDCASE-NAME", "{\"value\":\"two\"}", &r);
    ck_assert_msg(strncmp(hc_jstr(r.json, "id"), want, strlen(want)) == 0,
                  "a new version of the same secret keeps its case");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/secrets/mixedCASE-name/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions any case");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/API-KEY", NULL, &r);
    hc_assert_status(&r, 200, "fixture secret in upper case");
    ck_assert_msg(strstr(hc_jstr(r.json, "id"), "/secrets/api-key/") != NULL, "fixture case");
    mvt_resp_free(&r);

    kv("DELETE", DEMO, "/secrets/MIXEDCASE-name", NULL, &r);
    hc_assert_status(&r, 200, "DELETE other case");
    snprintf(want, sizeof want, "%s/deletedsecrets/MixedCase-Name", base);
    ck_assert_str_eq(hc_jstr(r.json, "recoveryId"), want);
    mvt_resp_free(&r);
    kv("GET", DEMO, "/deletedsecrets/mixedcase-NAME", NULL, &r);
    hc_assert_status(&r, 200, "GET deleted other case");
    mvt_resp_free(&r);
    kv("PUT", DEMO, "/secrets/mixedcase-name", "{\"value\":\"three\"}", &r);
    hc_assert_status(&r, 409, "deleted name blocks every case");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1 api-version effects ---- */

static const struct {
    const char *api;
    bool recoverable_days;
} api_rows[] = {
    {"2016-10-01", false}, {"7.0", false}, {"7.1", true}, {"7.2", true},        {"7.3", true},
    {"7.4", true},         {"7.5", true},  {"7.6", true}, {"2025-07-01", true},
};

/* §1 Common points: recoverableDays is absent at api-version 7.0 (only recoveryLevel), present
 * from 7.1 on; every supported version answers. */
START_TEST(test_s1_recoverable_days_by_api_version)
{
    struct mvt_resp r;

    kv_api("GET", DEMO, "/secrets/api-key/", api_rows[_i].api, NULL, &r);
    hc_assert_status(&r, 200, api_rows[_i].api);
    ck_assert_str_eq(hc_jstr(r.json, "attributes.recoveryLevel"), "Recoverable+Purgeable");
    if (api_rows[_i].recoverable_days) {
        ck_assert_int_eq(hc_jint(r.json, "attributes.recoverableDays"), 90);
    } else {
        ck_assert_msg(!hc_has(r.json, "attributes.recoverableDays"),
                      "no recoverableDays at api-version %s", api_rows[_i].api);
        hc_assert_keys(hc_jget(r.json, "attributes"), "enabled,created,updated,recoveryLevel",
                       "attributes");
    }
    mvt_resp_free(&r);
}
END_TEST

/* real-clients / router: the JS SDK sends the key percent-encoded as api%2Dversion. */
START_TEST(test_s1_api_version_percent_encoded_key)
{
    struct mvt_resp r;

    hc_req(srv, "GET", DEMO, "/secrets/api-key/?api%2Dversion=7.4", tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "api%2Dversion");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-api-key-0000");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §2 secret-state rows ---- */

/* §2 "GET of a disabled secret (latest or a given version)": exact 403 SecretDisabled body
 * (132 bytes recorded). */
START_TEST(test_s2_disabled_get_403)
{
    static const char want[] = "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is "
                               "not allowed on a disabled secret.\",\"innererror\":{\"code\":"
                               "\"SecretDisabled\"}}}";
    static const char *const paths[] = {
        "/secrets/disabled-secret/",
        "/secrets/disabled-secret",
        "/secrets/graph-app-secret/1111aaaa1111aaaa1111aaaa1111aaaa",
    };
    char cl[32];

    ck_assert_int_eq(strlen(want), 132);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct mvt_resp r;
        kv("GET", DEMO, paths[i], NULL, &r);
        hc_assert_status(&r, 403, paths[i]);
        hc_assert_body(&r, want, true, paths[i]);
        ck_assert_str_eq(mvt_header(&r, "Content-Length", cl, sizeof cl), "132");
        mvt_resp_free(&r);
    }
}
END_TEST

/* §2 "Expired or not-yet-valid secret": the real service returns it with 200 and its exp/nbf. */
START_TEST(test_s2_expired_and_not_yet_valid_200)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv);

    kv("GET", DEMO, "/secrets/expired-secret/", NULL, &r);
    hc_assert_status(&r, 200, "expired");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-expired-value");
    ck_assert_msg(hc_jint(r.json, "attributes.exp") < now, "exp in the past");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,exp,created,updated,recoveryLevel,recoverableDays", "attributes");
    mvt_resp_free(&r);

    kv("GET", DEMO, "/secrets/not-yet-valid/", NULL, &r);
    hc_assert_status(&r, 200, "not yet valid");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-future-value");
    ck_assert_msg(hc_jint(r.json, "attributes.nbf") > now, "nbf in the future");
    hc_assert_keys(hc_jget(r.json, "attributes"),
                   "enabled,nbf,created,updated,recoveryLevel,recoverableDays", "attributes");
    mvt_resp_free(&r);
}
END_TEST

/* ---- §4 response headers ---- */

/* §4: headers of every vault response: Content-Type exactly "application/json; charset=utf-8",
 * a GUID x-ms-request-id (new per request), x-ms-client-request-id echoed, Cache-Control,
 * Pragma, Expires, nosniff, HSTS without a space, service version, region = vault location. */
START_TEST(test_s4_response_headers)
{
    static const struct {
        const char *method, *path, *body;
        long status;
    } rows[] = {
        {"GET", "/secrets/api-key/", NULL, 200},
        {"GET", "/secrets", NULL, 200},
        {"PUT", "/secrets/hdr-test", "{\"value\":\"h\"}", 200},
        {"GET", "/secrets/missing/", NULL, 404},
        {"GET", "/secrets/disabled-secret/", NULL, 403},
        {"PUT", "/secrets/bad_name", "{\"value\":\"h\"}", 400},
    };
    static const char crid[] = "9b4e8c52-3c1f-4f4e-9d55-0123456789ab";
    const char *hdr[] = {"x-ms-client-request-id: 9b4e8c52-3c1f-4f4e-9d55-0123456789ab", NULL};
    char prev_id[64] = "", hb[256], p[256];

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mvt_resp r;
        const char *v;
        hc_req(srv, rows[i].method, DEMO, hc_path(p, sizeof p, rows[i].path, NULL), tok, hdr,
               rows[i].body, &r);
        hc_assert_status(&r, rows[i].status, rows[i].path);
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", rows[i].path);
        v = mvt_header(&r, "x-ms-request-id", hb, sizeof hb);
        ck_assert_msg(hc_is_guid(v), "x-ms-request-id is a GUID");
        ck_assert_msg(strcmp(v, prev_id) != 0, "a new x-ms-request-id per request");
        snprintf(prev_id, sizeof prev_id, "%s", v);
        hc_assert_header(&r, "x-ms-client-request-id", crid, rows[i].path);
        hc_assert_header(&r, "Cache-Control", "no-cache", rows[i].path);
        hc_assert_header(&r, "Pragma", "no-cache", rows[i].path);
        hc_assert_header(&r, "Expires", "-1", rows[i].path);
        hc_assert_header(&r, "X-Content-Type-Options", "nosniff", rows[i].path);
        hc_assert_header(&r, "Strict-Transport-Security", "max-age=31536000;includeSubDomains",
                         rows[i].path);
        v = mvt_header(&r, "x-ms-keyvault-service-version", hb, sizeof hb);
        ck_assert_msg(v && *v && strspn(v, "0123456789.") == strlen(v),
                      "x-ms-keyvault-service-version like 1.9.3070.1");
        hc_assert_header(&r, "x-ms-keyvault-region", "westeurope", rows[i].path);
        mvt_resp_free(&r);
    }
}
END_TEST

/* §4: x-ms-client-request-id is echoed only when sent; the region follows the vault's location
 * (changed here through the control API's state import). */
START_TEST(test_s4_region_and_no_client_request_id)
{
    struct mvt_resp r;
    char *state = hc_state(srv), *text;
    cJSON *j = cJSON_Parse(state);
    cJSON *loc =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(hc_jget(j, "vaults"), 1), "location");
    long st;

    kv("GET", DEMO, "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 200, "GET");
    hc_assert_no_header(&r, "x-ms-client-request-id", "no id sent");
    mvt_resp_free(&r);

    ck_assert_msg(cJSON_IsString(loc), "vaults[1].location in the export");
    ck_assert_str_eq(hc_jstr(cJSON_GetArrayItem(hc_jget(j, "vaults"), 1), "name"), "rbac-demo");
    cJSON_SetValuestring(loc, "japaneast");
    text = cJSON_PrintUnformatted(j);
    st = mvt_control(srv, "PUT", "/_mock/state", text);
    ck_assert_int_eq(st, 200);
    kv("GET", RBAC, "/secrets/app-config/", NULL, &r);
    hc_assert_status(&r, 200, "GET rbac-demo");
    hc_assert_header(&r, "x-ms-keyvault-region", "japaneast", "rbac-demo");
    mvt_resp_free(&r);
    free(text);
    free(state);
    cJSON_Delete(j);
}
END_TEST

/* ---- --strict-expiry (DESIGN §5) ---- */

static void setup_strict(void)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.strict_expiry = true;
    cfg.proxy_port = -1;
    srv = mvt_start("fixtures/default.json", &cfg);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token");
}

/* DESIGN §5 --strict-expiry: expired and not-yet-valid GETs become 403 Forbidden whose innererror
 * MockStrictExpiry says the rule is the mock's; valid secrets still answer 200. */
START_TEST(test_s2_strict_expiry_403)
{
    static const char *const refused[] = {"/secrets/expired-secret/", "/secrets/not-yet-valid/"};
    struct mvt_resp r;

    for (size_t i = 0; i < 2; i++) {
        kv("GET", DEMO, refused[i], NULL, &r);
        hc_assert_status(&r, 403, refused[i]);
        ck_assert_str_eq(hc_err_code(&r), "Forbidden");
        ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "MockStrictExpiry");
        ck_assert_msg(strstr(r.body, "fake-") == NULL, "no value in the refusal");
        mvt_resp_free(&r);
    }
    kv("GET", DEMO, "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 200, "valid secret");
    mvt_resp_free(&r);
    kv("GET", DEMO, "/secrets/graph-app-secret/", NULL, &r);
    hc_assert_status(&r, 200, "exp in the future");
    mvt_resp_free(&r);
}
END_TEST

static Suite *secrets_suite(void)
{
    Suite *s = suite_create("http-secrets");
    TCase *ops = tcase_create("operations");
    TCase *soft = tcase_create("soft-delete");
    TCase *wire = tcase_create("wire");
    TCase *strict = tcase_create("strict-expiry");

    tcase_add_checked_fixture(ops, setup, teardown);
    tcase_add_test(ops, test_s1_set_secret_bundle_bytes);
    tcase_add_test(ops, test_s1_set_secret_minimal_omits_optional);
    tcase_add_test(ops, test_s1_set_secret_disabled_nbf_exp_empty_tags);
    tcase_add_test(ops, test_s1_set_secret_new_version_each_put);
    tcase_add_test(ops, test_s1_get_latest_with_and_without_slash);
    tcase_add_test(ops, test_s1_get_version_bundle_bytes);
    tcase_add_test(ops, test_s1_update_no_value_updated_bumped);
    tcase_add_test(ops, test_s1_update_disabled_secret);
    tcase_add_loop_test(ops, test_s1_list_paging_follow_nextlink, 0,
                        (int)(sizeof page_sizes / sizeof page_sizes[0]));
    tcase_add_test(ops, test_s1_list_nextlink_default_vault_host);
    tcase_add_test(ops, test_s1_list_versions_ordered_paged);
    tcase_add_test(ops, test_s1_list_versions_unknown_name_empty);
    tcase_add_test(ops, test_s1_backup_restore_roundtrip);
    tcase_add_loop_test(ops, test_s2_restore_tampered_blob_400, 0,
                        (int)(sizeof tamper_kind / sizeof tamper_kind[0]));
    suite_add_tcase(s, ops);

    tcase_add_checked_fixture(soft, setup, teardown);
    tcase_add_test(soft, test_s1_delete_deleted_bundle_90d);
    tcase_add_test(soft, test_s6_delete_rbac_demo_7d_protected);
    tcase_add_test(soft, test_s1_list_deleted_and_get_deleted);
    tcase_add_test(soft, test_s1_recover);
    tcase_add_test(soft, test_s1_purge_204_no_body);
    tcase_add_test(soft, test_s2_put_deleted_name_409);
    tcase_add_test(soft, test_s2_purge_protection_403);
    tcase_add_test(soft, test_s6_scheduled_purge_on_clock_advance);
    suite_add_tcase(s, soft);

    tcase_add_checked_fixture(wire, setup, teardown);
    tcase_add_test(wire, test_s1_names_case_insensitive_case_preserved);
    tcase_add_test(wire, test_s1_escaping_matches_cjson);
    tcase_add_loop_test(wire, test_s1_recoverable_days_by_api_version, 0,
                        (int)(sizeof api_rows / sizeof api_rows[0]));
    tcase_add_test(wire, test_s1_api_version_percent_encoded_key);
    tcase_add_test(wire, test_s2_disabled_get_403);
    tcase_add_test(wire, test_s2_expired_and_not_yet_valid_200);
    tcase_add_test(wire, test_s4_response_headers);
    tcase_add_test(wire, test_s4_region_and_no_client_request_id);
    suite_add_tcase(s, wire);

    tcase_add_checked_fixture(strict, setup_strict, teardown);
    tcase_add_test(strict, test_s2_strict_expiry_403);
    suite_add_tcase(s, strict);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(secrets_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
