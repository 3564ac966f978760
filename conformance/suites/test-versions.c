/* test-versions.c: spec/keyvault-secrets.md §1 GetSecretVersions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-suite.h"

#define FAM "versions"

/* §1 GetSecretVersions: items carry versioned ids and attributes, never a value; the last
 * page's nextLink is an explicit null. */
START_TEST(kv_s1_versions_list_items)
{
    struct kvc_resp r;
    char name[96], path[256], v[3][64];
    const cJSON *it;
    int found = 0;

    kvc_name(name, sizeof name, "vl");
    for (int i = 0; i < 3; i++)
        kvc_set(name, "{\"value\":\"v\",\"contentType\":\"text/plain\"}", v[i], sizeof v[i]);
    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecretVersions");
    ck_assert_msg(cJSON_IsNull(kvc_jget(r.json, "nextLink")), "nextLink must be an explicit null");
    cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
        const char *ver = kvc_last_segment(kvc_jstr(it, "id"));
        ck_assert_msg(kvc_jget(it, "value") == NULL, "a version item carries value");
        kvc_assert_keys(it, "contentType,id,attributes", "version item");
        for (int i = 0; i < 3; i++)
            found += strcmp(ver, v[i]) == 0;
    }
    ck_assert_msg(found == 3, "only %d of 3 versions listed", found);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 GetSecretVersions: ordered by version string, not by creation time. */
START_TEST(kv_s1_versions_ordered_by_version_string)
{
    struct kvc_resp r;
    char name[96], path[256], prev[64] = "";
    const cJSON *it;

    kvc_name(name, sizeof name, "vo");
    for (int i = 0; i < 4; i++)
        kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecretVersions");
    cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
        const char *ver = kvc_last_segment(kvc_jstr(it, "id"));
        ck_assert_msg(strcmp(prev, ver) < 0, "versions not ordered by version string: %s before %s",
                      prev, ver);
        snprintf(prev, sizeof prev, "%s", ver);
    }
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 GetSecretVersions: an unknown name is 200 {"value":[],"nextLink":null}, not 404. */
START_TEST(kv_s1_versions_unknown_name_200_empty)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "novers");
    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "versions of an unknown name");
    kvc_assert_body(&r, "{\"value\":[],\"nextLink\":null}", "versions of an unknown name");
    kvc_resp_free(&r);
}
END_TEST

/* §1 GetSecretVersions with maxresults: nextLink paging returns every version once. */
START_TEST(kv_s1_versions_paging_maxresults)
{
    struct kvc_resp r;
    char name[96], url[4096], v[3][64];
    int seen[3] = {0, 0, 0}, pages = 0;

    kvc_name(name, sizeof name, "vp");
    for (int i = 0; i < 3; i++)
        kvc_set(name, "{\"value\":\"v\"}", v[i], sizeof v[i]);
    snprintf(url, sizeof url, "/secrets/%s/versions?maxresults=1", name);
    while (url[0] && pages < 20) {
        const cJSON *it, *next;
        kv("GET", url, NULL, &r);
        kvc_assert_status(&r, 200, "versions page");
        ck_assert_msg(cJSON_GetArraySize(kvc_jget(r.json, "value")) <= 1, "page over maxresults");
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value"))
            for (int i = 0; i < 3; i++)
                seen[i] += strcmp(kvc_last_segment(kvc_jstr(it, "id")), v[i]) == 0;
        next = kvc_jget(r.json, "nextLink");
        ck_assert_msg(next && (cJSON_IsNull(next) || cJSON_IsString(next)), "nextLink missing");
        snprintf(url, sizeof url, "%s", cJSON_IsString(next) ? next->valuestring : "");
        kvc_resp_free(&r);
        pages++;
    }
    for (int i = 0; i < 3; i++)
        ck_assert_msg(seen[i] == 1, "version %d seen %d times over %d pages", i, seen[i], pages);
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_versions(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s1_versions_list_items, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_versions_ordered_by_version_string, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_versions_unknown_name_200_empty, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_versions_paging_maxresults, 0, NULL);
}
