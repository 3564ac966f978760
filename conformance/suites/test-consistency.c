/* test-consistency.c: the service's eventual consistency and short pages (docs/consistency.md):
 * spec/keyvault-secrets.md §1 GetDeletedSecret ("404 for ~1-2 s after a DELETE"),
 * RecoverDeletedSecret ("GET /secrets/N/ still gives 404"), GetSecrets paging ("pages can be short
 * or even empty yet carry a nextLink"), §2 ObjectIsBeingRecovered; keyvault-keys.md §3.4. The
 * witnesses without a flag hold against the real service and both modes of the mock; the
 * KVC_CHANGES_MOCK ones turn the mock's --consistency / --paging azure on through
 * /_mock/consistency and move its clock (the runner puts both back). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kvc-suite.h"

#define FAM "consistency"

/* The recorded bodies (spec/keyvault-secrets.md §1-§2, keyvault-keys.md §3.4; the purge-meanwhile
 * body from the JS SDK's 2019 recordings of /deletedkeys). */
#define DELETED_NOT_FOUND                                                                          \
    "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: %s\"}}"
#define KEY_DELETED_NOT_FOUND                                                                      \
    "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"Deleted Key not found: %s\"}}"
#define KEY_BEING_DELETED                                                                          \
    "{\"error\":{\"code\":\"Conflict\",\"message\":\"Key is currently being deleted.\","           \
    "\"innererror\":{\"code\":\"ObjectIsBeingDeleted\"}}}"

/* Asserts status and the exact body fmt (one %s: the object's name). */
#define body_is(r, status, fmt, name, what)                                                        \
    do {                                                                                           \
        char want_[1024];                                                                          \
        snprintf(want_, sizeof want_, fmt, name);                                                  \
        kvc_assert_status((r), (status), (what));                                                  \
        kvc_assert_body((r), want_, (what));                                                       \
    } while (0)

/* Turns the mock's realism on: every transition lags exactly ms of mock time. */
static void azure_mode(unsigned ms)
{
    char body[160];

    snprintf(body, sizeof body, "{\"mode\":\"azure\",\"delayMs\":{\"min\":%u,\"max\":%u}}", ms, ms);
    ck_assert_msg(kvc_control("PUT", "/_mock/consistency", body, NULL) == 200,
                  "PUT /_mock/consistency");
}

/* §1 GetDeletedSecret: right after a DELETE every answer of GET /deletedsecrets/N is either the
 * recorded 404 "Deleted Secret not found: N" (while the delete is in progress) or the 200 bundle,
 * and the 200 comes within the settle time and stays. Holds for the service and both mock modes. */
START_TEST(kv_cx_deleted_404_until_visible)
{
    struct kvc_resp r;
    char name[96], path[256];
    int misses = 0;
    bool seen = false;

    kvc_name(name, sizeof name, "cxd");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "DeleteSecret");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    for (int i = 0; i < 150 && !seen; i++) {
        kv("GET", path, NULL, &r);
        if (r.status == 404) {
            body_is(&r, 404, DELETED_NOT_FOUND, name, "GetDeletedSecret while deleting");
            misses++;
            usleep(200 * 1000);
        } else {
            kvc_assert_status(&r, 200, "GetDeletedSecret");
            seen = true;
        }
        kvc_resp_free(&r);
    }
    ck_assert_msg(seen, "GET %s never answered 200 (%d 404s)", path, misses);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetDeletedSecret once visible");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* Mock, azure mode, secrets: after a delete, 404 on the deleted secret and 409 "Secret is
 * currently being deleted." for a purge meanwhile; after a recover, 404 SecretNotFound on the name
 * and 409 ObjectIsBeingRecovered with the recorded text for a PUT; advancing the clock past the
 * delay completes each. */
START_TEST(kv_cx_mock_secret_transitions)
{
    struct kvc_resp r;
    char name[96], path[256], msg[512];

    azure_mode(4000);
    kvc_name(name, sizeof name, "cxs");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "DeleteSecret");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv("GET", path, NULL, &r);
    body_is(&r, 404, DELETED_NOT_FOUND, name, "GetDeletedSecret right after the delete");
    kvc_resp_free(&r);
    kv("DELETE", path, NULL, &r);
    kvc_assert_error(&r, 409, "Conflict", "ObjectIsBeingDeleted",
                     "Secret is currently being deleted.", "purge while deleting");
    kvc_resp_free(&r);
    kvc_clock_advance(4.1);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetDeletedSecret after the delay");
    kvc_resp_free(&r);

    snprintf(path, sizeof path, "/deletedsecrets/%s/recover", name);
    kv("POST", path, NULL, &r);
    kvc_assert_status(&r, 200, "RecoverDeletedSecret");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_error(&r, 404, "SecretNotFound", NULL, NULL, "GetSecret right after the recover");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/secrets/%s", name);
    snprintf(msg, sizeof msg,
             "Secret %s is currently being recovered and cannot be re-created; retry later.", name);
    kv("PUT", path, "{\"value\":\"w\"}", &r);
    kvc_assert_error(&r, 409, "Conflict", "ObjectIsBeingRecovered", msg, "PUT while recovering");
    kvc_resp_free(&r);
    kvc_clock_advance(4.1);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecret after the delay");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* Mock, azure mode, keys: the same lag through the same store code, with the keys' recorded
 * bodies (404 "Deleted Key not found: N"; 409 "Key is currently being deleted."). */
START_TEST(kv_cx_mock_key_transitions)
{
    struct kvc_resp r;
    char name[96], path[256];

    azure_mode(4000);
    kvc_name(name, sizeof name, "cxk");
    snprintf(path, sizeof path, "/keys/%s/create", name);
    kv("POST", path, "{\"kty\":\"EC\",\"crv\":\"P-256\"}", &r);
    kvc_assert_status(&r, 200, "CreateKey");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/keys/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 200, "DeleteKey");
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/deletedkeys/%s", name);
    kv("GET", path, NULL, &r);
    body_is(&r, 404, KEY_DELETED_NOT_FOUND, name, "GetDeletedKey right after the delete");
    kvc_resp_free(&r);
    kv("DELETE", path, NULL, &r);
    kvc_assert_status(&r, 409, "PurgeDeletedKey while deleting");
    kvc_assert_body(&r, KEY_BEING_DELETED, "PurgeDeletedKey while deleting");
    kvc_resp_free(&r);
    kvc_clock_advance(4.1);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetDeletedKey after the delay");
    kvc_resp_free(&r);
    kvc_obj_cleanup("keys", "deletedkeys", name);
}
END_TEST

/* Mock: GET /_mock/consistency lists the pending transition with its kind and due time, and
 * instant mode (switching back) settles it at once. */
START_TEST(kv_cx_mock_pending_view)
{
    struct kvc_resp r;
    char name[96], path[256];
    const cJSON *p, *it;

    azure_mode(60000);
    kvc_name(name, sizeof name, "cxv");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("DELETE", path, NULL, &r);
    kvc_resp_free(&r);
    ck_assert_int_eq(kvc_control("GET", "/_mock/consistency", NULL, &r), 200);
    p = NULL;
    cJSON_ArrayForEach(it, kvc_jget(r.json, "pending"))
        if (strcasecmp(kvc_jstr(it, "name"), name) == 0)
            p = it;
    ck_assert_msg(p != NULL, "the delete of %s is not in /_mock/consistency's pending", name);
    ck_assert_str_eq(kvc_jstr(p, "type"), "secret");
    ck_assert_str_eq(kvc_jstr(p, "kind"), "delete");
    ck_assert(kvc_jget(p, "remainingMs")->valuedouble > 50000);
    kvc_resp_free(&r);
    ck_assert_int_eq(kvc_control("PUT", "/_mock/consistency", "{\"mode\":\"instant\"}", &r), 200);
    ck_assert_int_eq(cJSON_GetArraySize(kvc_jget(r.json, "pending")), 0);
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetDeletedSecret once settled");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

/* Walks path (relative) to the null nextLink: every item once, short and empty pages counted. */
struct walk {
    int items, pages, shorts, empties;
    char last_body[64];
};

static void walk(const char *first, int max, const char *prefix, int *found, struct walk *w)
{
    struct kvc_resp r;
    char url[4096];

    memset(w, 0, sizeof *w);
    snprintf(url, sizeof url, "%s", first);
    while (url[0]) {
        const cJSON *it, *next;
        int n;
        ck_assert_msg(w->pages++ < 500, "more than 500 pages");
        kv("GET", url, NULL, &r);
        kvc_assert_status(&r, 200, "list page");
        n = cJSON_GetArraySize(kvc_jget(r.json, "value"));
        ck_assert_msg(n <= max, "page of %d items, max %d", n, max);
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
            const char *id = kvc_jstr(it, "id"), *slash = strrchr(id, '/');
            w->items++;
            if (slash && strncmp(slash + 1, prefix, strlen(prefix)) == 0)
                found[atoi(slash + 1 + strlen(prefix))]++;
        }
        next = kvc_jget(r.json, "nextLink");
        ck_assert_msg(next != NULL, "page without nextLink (null on the last page)");
        url[0] = '\0';
        if (cJSON_IsString(next)) {
            w->shorts += n > 0 && n < max;
            w->empties += n == 0;
            snprintf(url, sizeof url, "%s", next->valuestring);
        } else {
            snprintf(w->last_body, sizeof w->last_body, "%.60s", r.body);
        }
        kvc_resp_free(&r);
    }
}

/* §1 GetSecrets paging, mock with --paging azure: pages are short or empty yet carry a nextLink,
 * the last page is exactly {"value":[],"nextLink":null}, and following nextLink lists every
 * secret exactly once. */
START_TEST(kv_cx_mock_paging_short_empty)
{
    char name[96], prefix[96], p[256];
    int found[12] = {0};
    struct walk w;

    kvc_name(prefix, sizeof prefix, "cxp");
    strcat(prefix, "-");
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "%s%d", prefix, i);
        kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    }
    ck_assert_int_eq(kvc_control("PUT", "/_mock/consistency", "{\"paging\":\"azure\"}", NULL), 200);
    walk("/secrets?maxresults=4", 4, prefix, found, &w);
    for (int i = 0; i < 12; i++)
        ck_assert_msg(found[i] == 1, "%s%d listed %d times", prefix, i, found[i]);
    /* The second page of every four is empty (paging.c), so a walk this long meets one. */
    ck_assert_msg(w.empties > 0, "%d short and %d empty pages with a nextLink", w.shorts,
                  w.empties);
    ck_assert_str_eq(w.last_body, "{\"value\":[],\"nextLink\":null}");
    ck_assert_int_eq(kvc_control("PUT", "/_mock/consistency", "{\"paging\":\"off\"}", NULL), 200);
    for (int i = 0; i < 12; i++) {
        snprintf(p, sizeof p, "%s%d", prefix, i);
        kvc_cleanup(p);
    }
}
END_TEST

void kvc_suite_consistency(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_cx_deleted_404_until_visible, 0, NULL);
    kvc_add_test(reg, FAM, kv_cx_mock_secret_transitions, KVC_CHANGES_MOCK, NULL);
    kvc_add_test(reg, FAM, kv_cx_mock_key_transitions, KVC_CHANGES_MOCK, NULL);
    kvc_add_test(reg, FAM, kv_cx_mock_pending_view, KVC_CHANGES_MOCK, NULL);
    kvc_add_test(reg, FAM, kv_cx_mock_paging_short_empty, KVC_CHANGES_MOCK, NULL);
}
