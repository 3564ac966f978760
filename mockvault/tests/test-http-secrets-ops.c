/* test-http-secrets-ops.c: SetSecret, GetSecret, UpdateSecret, GetSecrets paging,
 * GetSecretVersions, and BackupSecret / RestoreSecret with tampered blobs (secrets-common.h says
 * how the suites run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets-common.h"

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
        cJSON_ArrayForEach(it, arr) {
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
    cJSON_ArrayForEach(it, hc_jget(r.json, "value"))
        off += (size_t)snprintf(out + off, n - off, "%s %lld %lld %s\n", hc_jstr(it, "id"),
                                (long long)hc_jint(it, "attributes.created"),
                                (long long)hc_jint(it, "attributes.updated"),
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

static Suite *secrets_ops_suite(void)
{
    Suite *s = suite_create("http-secrets-ops");
    TCase *ops = tcase_create("operations");

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
    return s;
}

int main(void)
{
    return mvt_run(secrets_ops_suite(), false);
}
