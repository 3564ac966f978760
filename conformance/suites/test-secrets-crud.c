/* test-secrets-crud.c: spec/keyvault-secrets.md §1 (common points, SetSecret, GetSecret,
 * UpdateSecret) and the accepted limits of §5. Every secret is created under a run-unique name
 * and deleted and purged at the end, so the suite is safe against the real service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cx-text.h"
#include "kvc-suite.h"

#define FAM "secrets-crud"

/* Asserts the shape of an attributes object: integer timestamps, recovery fields (spec §1). */
static void assert_attributes(const cJSON *a, bool with_days, const char *what)
{
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(a, "created");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(a, "updated");
    const cJSON *days = cJSON_GetObjectItemCaseSensitive(a, "recoverableDays");

    ck_assert_msg(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(a, "enabled")), "%s: enabled",
                  what);
    ck_assert_msg(cJSON_IsNumber(cr) && cr->valuedouble == (double)(long long)cr->valuedouble &&
                      cr->valuedouble > 1e9,
                  "%s: created is not integer unix seconds", what);
    ck_assert_msg(cJSON_IsNumber(up) && up->valuedouble == (double)(long long)up->valuedouble,
                  "%s: updated is not integer unix seconds", what);
    ck_assert_msg(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "recoveryLevel")),
                  "%s: recoveryLevel", what);
    if (with_days)
        ck_assert_msg(cJSON_IsNumber(days) && days->valueint >= 0 && days->valueint <= 90,
                      "%s: recoverableDays", what);
    else
        ck_assert_msg(days == NULL, "%s: recoverableDays must be absent", what);
}

/* Asserts id == {vault}/secrets/{name}/{32 lowercase hex}; returns the version. */
static const char *assert_versioned_id(const cJSON *j, const char *name, const char *what)
{
    const char *id = kvc_jstr(j, "id");
    char prefix[1024];

    snprintf(prefix, sizeof prefix, "%s/secrets/%s/", kvc.vault, name);
    ck_assert_msg(strncasecmp(id, prefix, strlen(prefix)) == 0, "%s: id '%s' does not start '%s'",
                  what, id, prefix);
    ck_assert_msg(cx_is_hex(id + strlen(prefix), 32, CX_HEX_LOWER),
                  "%s: version of '%s' is not 32 lowercase hex", what, id);
    return id + strlen(prefix);
}

/* §1 SetSecret: 200 bundle {value,id,attributes}, compact JSON, JSON content type, integer
 * timestamps, optional keys omitted (not null). */
START_TEST(kv_s1_set_200_bundle)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "set");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"kvc-value-1\"}", &r);
    kvc_assert_status(&r, 200, "SetSecret");
    kvc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "SetSecret");
    ck_assert_msg(kvc_json_is_compact(r.body), "SetSecret body is not compact JSON");
    kvc_assert_keys(r.json, "value,id,attributes", "SetSecret bundle (no optional keys, no nulls)");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "kvc-value-1") == 0, "value not echoed");
    assert_versioned_id(r.json, name, "SetSecret");
    kvc_assert_keys(kvc_jget(r.json, "attributes"),
                    "enabled,created,updated,recoveryLevel,recoverableDays", "attributes");
    ck_assert_msg(cJSON_IsTrue(kvc_jget(r.json, "attributes.enabled")), "enabled defaults to true");
    ck_assert_msg(kvc_jget(r.json, "attributes.created")->valuedouble ==
                      kvc_jget(r.json, "attributes.updated")->valuedouble,
                  "created == updated on a new version");
    assert_attributes(kvc_jget(r.json, "attributes"), true, "SetSecret");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 key order: value, contentType, id, attributes, tags; attributes with nbf/exp in place. */
START_TEST(kv_s1_set_full_bundle_key_order)
{
    struct kvc_resp r;
    char name[96], path[256], body[512];
    long now = (long)time(NULL);

    kvc_name(name, sizeof name, "order");
    snprintf(path, sizeof path, "/secrets/%s", name);
    snprintf(body, sizeof body,
             "{\"value\":\"v\",\"contentType\":\"text/plain\",\"tags\":{\"a\":\"1\"},"
             "\"attributes\":{\"nbf\":%ld,\"exp\":%ld}}",
             now - 3600, now + 86400 * 30);
    kv("PUT", path, body, &r);
    kvc_assert_status(&r, 200, "SetSecret");
    kvc_assert_keys(r.json, "value,contentType,id,attributes,tags", "bundle key order");
    kvc_assert_keys(kvc_jget(r.json, "attributes"),
                    "enabled,nbf,exp,created,updated,recoveryLevel,recoverableDays",
                    "attributes key order");
    ck_assert_int_eq((long)kvc_jget(r.json, "attributes.exp")->valuedouble, now + 86400 * 30);
    ck_assert_str_eq(kvc_jstr(r.json, "tags.a"), "1");
    kvc_resp_free(&r);
    /* GET returns the same shape. */
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret");
    kvc_assert_keys(r.json, "value,contentType,id,attributes,tags", "GetSecret key order");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 SetSecret: each PUT creates a new current version. */
START_TEST(kv_s1_set_new_version_each_put)
{
    struct kvc_resp r;
    char name[96], path[256], v1[64], v2[64];

    kvc_name(name, sizeof name, "ver");
    kvc_set(name, "{\"value\":\"one\"}", v1, sizeof v1);
    kvc_set(name, "{\"value\":\"two\"}", v2, sizeof v2);
    ck_assert_msg(strcmp(v1, v2) != 0, "second PUT reused the version id");
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret latest");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "two") == 0, "latest is not the last PUT");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), v2);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 SetSecret: attributes.enabled false is kept. */
START_TEST(kv_s1_set_enabled_false)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "disabled");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"v\",\"attributes\":{\"enabled\":false}}", &r);
    kvc_assert_status(&r, 200, "SetSecret disabled");
    ck_assert_msg(cJSON_IsFalse(kvc_jget(r.json, "attributes.enabled")), "enabled:false not kept");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §5: empty values are allowed. */
START_TEST(kv_s5_empty_value_allowed)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "empty");
    kvc_set(name, "{\"value\":\"\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret empty value");
    ck_assert_msg(cJSON_IsString(kvc_jget(r.json, "value")) && kvc_jstr(r.json, "value")[0] == '\0',
                  "empty value not returned as \"\"");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 GetSecret: the latest with and without the trailing slash, same answer. */
START_TEST(kv_s1_get_latest_with_and_without_slash)
{
    struct kvc_resp a, b;
    char name[96], path[256], ver[64];

    kvc_name(name, sizeof name, "slash");
    kvc_set(name, "{\"value\":\"v\"}", ver, sizeof ver);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &a);
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("GET", path, NULL, &b);
    kvc_assert_status(&a, 200, "GET /secrets/N/");
    kvc_assert_status(&b, 200, "GET /secrets/N");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(a.json, "id")), ver);
    ck_assert_str_eq(kvc_jstr(a.json, "id"), kvc_jstr(b.json, "id"));
    ck_assert_msg(strcmp(kvc_jstr(a.json, "value"), "v") == 0 &&
                      strcmp(kvc_jstr(b.json, "value"), "v") == 0,
                  "value missing from GetSecret");
    kvc_resp_free(&a);
    kvc_resp_free(&b);
    kvc_cleanup(name);
}
END_TEST

/* §1 GetSecret: a pinned version returns that version's value. */
START_TEST(kv_s1_get_version)
{
    struct kvc_resp r;
    char name[96], path[256], v1[64];

    kvc_name(name, sizeof name, "pin");
    kvc_set(name, "{\"value\":\"first\"}", v1, sizeof v1);
    kvc_set(name, "{\"value\":\"second\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/%s", name, v1);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret pinned");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "value"), "first") == 0,
                  "pinned version gave another value");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), v1);
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 / §5: names are case-insensitive and case-preserving. */
START_TEST(kv_s1_names_case_insensitive)
{
    struct kvc_resp r;
    char name[96], upper[96], path[256], ver[64];

    kvc_name(name, sizeof name, "case");
    kvc_set(name, "{\"value\":\"v\"}", ver, sizeof ver);
    for (size_t i = 0; name[i]; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]),
        upper[i + 1] = 0;
    snprintf(path, sizeof path, "/secrets/%s/", upper);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GET with the name upper-cased");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), ver);
    ck_assert_msg(strstr(kvc_jstr(r.json, "id"), name) != NULL, "id '%s' lost the original case",
                  kvc_jstr(r.json, "id"));
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 UpdateSecret: PATCH (trailing slash = latest) answers 200 without value, applies
 * contentType and tags, and bumps updated. */
START_TEST(kv_s1_update_200_no_value)
{
    struct kvc_resp r;
    char name[96], path[256], ver[64];
    double created;

    kvc_name(name, sizeof name, "upd");
    kvc_set(name, "{\"value\":\"v\"}", ver, sizeof ver);
    /* updated has one-second resolution: move the mock clock, or wait on a real service. */
    if (kvc.mock)
        kvc_clock_advance(5);
    else
        sleep(2);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("PATCH", path, "{\"contentType\":\"text/plain\",\"tags\":{\"foo\":\"updated tag\"}}", &r);
    if (kvc.mock)
        kvc_clock_advance(-5);
    kvc_assert_status(&r, 200, "UpdateSecret");
    kvc_assert_keys(r.json, "contentType,id,attributes,tags", "UpdateSecret (no value)");
    ck_assert_str_eq(kvc_jstr(r.json, "contentType"), "text/plain");
    ck_assert_str_eq(kvc_jstr(r.json, "tags.foo"), "updated tag");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), ver);
    created = kvc_jget(r.json, "attributes.created")->valuedouble;
    ck_assert_msg(kvc_jget(r.json, "attributes.updated")->valuedouble > created,
                  "updated not bumped by the PATCH");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 UpdateSecret: a given version, without the trailing slash form. */
START_TEST(kv_s1_update_version)
{
    struct kvc_resp r;
    char name[96], path[256], v1[64];

    kvc_name(name, sizeof name, "updv");
    kvc_set(name, "{\"value\":\"a\"}", v1, sizeof v1);
    kvc_set(name, "{\"value\":\"b\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/%s", name, v1);
    kv("PATCH", path, "{\"tags\":{\"old\":\"yes\"}}", &r);
    kvc_assert_status(&r, 200, "UpdateSecret version");
    ck_assert_str_eq(kvc_last_segment(kvc_jstr(r.json, "id")), v1);
    ck_assert_msg(kvc_jget(r.json, "value") == NULL, "UpdateSecret must not return value");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 UpdateSecret: a disabled secret can still be updated (and re-enabled). */
START_TEST(kv_s1_update_disabled_secret)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "upddis");
    kvc_set(name, "{\"value\":\"v\",\"attributes\":{\"enabled\":false}}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("PATCH", path, "{\"attributes\":{\"enabled\":true}}", &r);
    kvc_assert_status(&r, 200, "UpdateSecret of a disabled secret");
    ck_assert_msg(cJSON_IsTrue(kvc_jget(r.json, "attributes.enabled")), "not re-enabled");
    kvc_resp_free(&r);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret after re-enabling");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1: tags appear only when set, and {} is echoed when sent as {}. */
START_TEST(kv_s1_tags_empty_echoed)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "tags");
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"v\",\"tags\":{}}", &r);
    kvc_assert_status(&r, 200, "SetSecret with tags {}");
    ck_assert_msg(cJSON_IsObject(kvc_jget(r.json, "tags")) && !kvc_jget(r.json, "tags")->child,
                  "tags {} not echoed");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 / §6: recoverableDays is absent at api-version 7.0 and present from 7.1. */
START_TEST(kv_s1_recoverable_days_absent_api_7_0)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "api70");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/?api-version=7.0", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret at 7.0");
    assert_attributes(kvc_jget(r.json, "attributes"), false, "api-version 7.0");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/?api-version=7.1", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret at 7.1");
    assert_attributes(kvc_jget(r.json, "attributes"), true, "api-version 7.1");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* §1 Common points: the api-versions the Python SDK accepts all work. */
START_TEST(kv_s1_api_versions_supported)
{
    static const char *const v[] = {"2016-10-01", "7.0", "7.1", "7.2",       "7.3",
                                    "7.4",        "7.5", "7.6", "2025-07-01"};
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "apis");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char what[64];
        snprintf(path, sizeof path, "/secrets/%s/?api-version=%s", name, v[i]);
        snprintf(what, sizeof what, "api-version %s", v[i]);
        kv("GET", path, NULL, &r);
        kvc_assert_status(&r, 200, what);
        kvc_resp_free(&r);
    }
    kvc_cleanup(name);
}
END_TEST

/* §5: the largest accepted sizes: 127-character name, 25,600-character value, 15 tags,
 * 255-character contentType. */
START_TEST(kv_s5_limits_accepted)
{
    char name[160], body[26000 + 64], base[96];
    char *p;

    kvc_name(base, sizeof base, "max");
    snprintf(name, sizeof name, "%s", base);
    memset(name + strlen(base), 'n', 127 - strlen(base));
    name[127] = '\0';
    p = body + sprintf(body, "{\"value\":\"");
    memset(p, 'x', 25600);
    strcpy(p + 25600, "\"}");
    kvc_set(name, body, NULL, 0);
    kvc_cleanup(name);

    kvc_name(name, sizeof name, "tags15");
    p = body + sprintf(body, "{\"value\":\"v\",\"tags\":{");
    for (int i = 0; i < 15; i++)
        p += sprintf(p, "%s\"t%d\":\"v\"", i ? "," : "", i);
    p += sprintf(p, "},\"contentType\":\"");
    memset(p, 'c', 255);
    strcpy(p + 255, "\"}");
    kvc_set(name, body, NULL, 0);
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_secrets_crud(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s1_set_200_bundle, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_set_full_bundle_key_order, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_set_new_version_each_put, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_set_enabled_false, 0, NULL);
    kvc_add_test(reg, FAM, kv_s5_empty_value_allowed, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_get_latest_with_and_without_slash, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_get_version, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_names_case_insensitive, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_update_200_no_value, KVC_MAY_CHANGE_MOCK, NULL);
    kvc_add_test(reg, FAM, kv_s1_update_version, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_update_disabled_secret, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_tags_empty_echoed, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_recoverable_days_absent_api_7_0, 0, NULL);
    kvc_add_test(reg, FAM, kv_s1_api_versions_supported, 0, NULL);
    kvc_add_test(reg, FAM, kv_s5_limits_accepted, 0, NULL);
}
