/* test-paging.c: spec/keyvault-secrets.md §1 GetSecrets and GetDeletedSecrets paging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvc-suite.h"

#define FAM "paging"

/* Walks a list from first (relative path) to the null nextLink, calling fn on every item.
 * Asserts that every page has "nextLink" (null on the last), absolute on the vault's host, and
 * at most max items. Returns the number of pages. */
static int walk(const char *first, int max, void (*fn)(const cJSON *it, void *ud), void *ud)
{
    struct kvc_resp r;
    char url[4096], host_prefix[600];
    int pages = 0;

    snprintf(url, sizeof url, "%s", first);
    snprintf(host_prefix, sizeof host_prefix, "https://%s", kvc.vault_host);
    while (url[0]) {
        const cJSON *it, *next;
        ck_assert_msg(pages++ < 500, "more than 500 pages");
        kv("GET", url, NULL, &r);
        kvc_assert_status(&r, 200, "list page");
        ck_assert_msg(cJSON_GetArraySize(kvc_jget(r.json, "value")) <= max,
                      "page of %d items, max %d", cJSON_GetArraySize(kvc_jget(r.json, "value")),
                      max);
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value"))
            fn(it, ud);
        next = kvc_jget(r.json, "nextLink");
        ck_assert_msg(next != NULL, "page without nextLink (must be null on the last page)");
        if (cJSON_IsString(next)) {
            /* Absolute, on the vault's own scheme and host (the real one adds :443). */
            ck_assert_msg(strncasecmp(next->valuestring, host_prefix, strlen(host_prefix)) == 0 &&
                              (next->valuestring[strlen(host_prefix)] == '/' ||
                               next->valuestring[strlen(host_prefix)] == ':'),
                          "nextLink '%s' is not on %s", next->valuestring, host_prefix);
            ck_assert_msg(strstr(next->valuestring, "api-version=") != NULL,
                          "nextLink without api-version");
            snprintf(url, sizeof url, "%s", next->valuestring);
        } else {
            ck_assert_msg(cJSON_IsNull(next), "nextLink neither string nor null");
            url[0] = '\0';
        }
        kvc_resp_free(&r);
    }
    return pages;
}

struct seen {
    char names[30][96];
    int count[30];
    int n;
    int order[30]; /* indexes in the order they were listed */
    int norder;
};

static void on_item(const cJSON *it, void *ud)
{
    struct seen *s = ud;
    const char *id = kvc_jstr(it, "id");
    char base[1024];

    for (int i = 0; i < s->n; i++) {
        snprintf(base, sizeof base, "%s/secrets/%s", kvc.vault, s->names[i]);
        if (strcasecmp(id, base) != 0)
            continue;
        s->count[i]++;
        if (s->norder < 30)
            s->order[s->norder++] = i;
        ck_assert_msg(kvc_jget(it, "value") == NULL, "list item carries value");
    }
}

/* §1 GetSecrets: items have the base id (no version) and no value; with maxresults=1 every page
 * holds at most one item, nextLink is absolute on the vault host, the last one is null, and each
 * secret appears exactly once. */
START_TEST(kv_s1_list_maxresults_nextlink)
{
    struct seen s;

    memset(&s, 0, sizeof s);
    for (int i = 0; i < 3; i++) {
        kvc_name(s.names[i], sizeof s.names[i], "pg");
        kvc_set(s.names[i],
                "{\"value\":\"v\",\"contentType\":\"text/plain\",\"tags\":{\"a\":\"b\"}}", NULL, 0);
    }
    s.n = 3;
    walk("/secrets?maxresults=1", 1, on_item, &s);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(s.count[i] == 1, "secret %d listed %d times", i, s.count[i]);
        kvc_cleanup(s.names[i]);
    }
}
END_TEST

static void on_item_shape(const cJSON *it, void *ud)
{
    const char *prefix = ud;
    const char *id = kvc_jstr(it, "id");

    if (strncasecmp(kvc_last_segment(id), prefix, strlen(prefix)) != 0)
        return;
    kvc_assert_keys(it, "contentType,id,attributes,tags", "list item key order");
}

/* §1 key order of a list item: contentType, id, (managed), attributes, tags. */
START_TEST(kv_s1_list_item_key_order)
{
    char name[96], prefix[64];

    kvc_name(name, sizeof name, "ko");
    kvc_set(name, "{\"value\":\"v\",\"contentType\":\"text/plain\",\"tags\":{\"a\":\"b\"}}", NULL,
            0);
    snprintf(prefix, sizeof prefix, "%s", name);
    walk("/secrets", 25, on_item_shape, prefix);
    kvc_cleanup(name);
}
END_TEST

/* §1: lists are sorted case-insensitively. */
START_TEST(kv_s1_list_sorted_case_insensitive)
{
    struct seen s;
    static const char *const tags[] = {"B", "a", "C"};

    memset(&s, 0, sizeof s);
    for (int i = 0; i < 3; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "sort%s", tags[i]);
        kvc_name(s.names[i], sizeof s.names[i], tag);
        /* The random tail would decide the order; pin it to the letter. */
        strcpy(s.names[i] + strlen(s.names[i]) - 4, "0000");
        kvc_set(s.names[i], "{\"value\":\"v\"}", NULL, 0);
    }
    s.n = 3;
    walk("/secrets?maxresults=2", 2, on_item, &s);
    ck_assert_msg(s.norder == 3, "listed %d of 3", s.norder);
    /* Expected order a (1), B (0), C (2). */
    ck_assert_msg(s.order[0] == 1 && s.order[1] == 0 && s.order[2] == 2,
                  "order %d,%d,%d is not case-insensitive (want a, B, C)", s.order[0], s.order[1],
                  s.order[2]);
    for (int i = 0; i < 3; i++)
        kvc_cleanup(s.names[i]);
}
END_TEST

/* §1/§5: without maxresults a page holds at most 25 items, and 26 secrets still all come back. */
START_TEST(kv_s1_list_default_page_max_25)
{
    struct seen s;

    memset(&s, 0, sizeof s);
    for (int i = 0; i < 26; i++) {
        kvc_name(s.names[i], sizeof s.names[i], "p25");
        kvc_set(s.names[i], "{\"value\":\"v\"}", NULL, 0);
    }
    s.n = 26;
    walk("/secrets", 25, on_item, &s);
    for (int i = 0; i < 26; i++)
        ck_assert_msg(s.count[i] == 1, "secret %d listed %d times", i, s.count[i]);
    for (int i = 0; i < 26; i++)
        kvc_cleanup(s.names[i]);
}
END_TEST

static void on_deleted(const cJSON *it, void *ud)
{
    struct seen *s = ud;
    const char *id = kvc_jstr(it, "id");
    char base[1024];

    for (int i = 0; i < s->n; i++) {
        snprintf(base, sizeof base, "%s/secrets/%s", kvc.vault, s->names[i]);
        if (strcasecmp(id, base) == 0)
            s->count[i]++;
    }
}

/* §1 GetDeletedSecrets with maxresults=1: paging over deleted secrets ends with a null nextLink. */
START_TEST(kv_s1_list_deleted_paging)
{
    struct seen s;

    memset(&s, 0, sizeof s);
    for (int i = 0; i < 2; i++) {
        kvc_name(s.names[i], sizeof s.names[i], "dp");
        kvc_set(s.names[i], "{\"value\":\"v\"}", NULL, 0);
        kvc_delete_wait(NULL, s.names[i]);
    }
    s.n = 2;
    walk("/deletedsecrets?maxresults=1", 1, on_deleted, &s);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(s.count[i] == 1, "deleted secret %d listed %d times", i, s.count[i]);
        kvc_cleanup(s.names[i]);
    }
}
END_TEST

void kvc_suite_paging(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s1_list_maxresults_nextlink, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_list_item_key_order, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_list_sorted_case_insensitive, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_list_default_page_max_25, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_list_deleted_paging, 0, NULL);
}
