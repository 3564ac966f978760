/* test-http-graph.c: the minimal Microsoft Graph over real HTTPS against the embedded server
 * (issue 3 part 4; DESIGN.md §1): users (paged with $top and @odata.nextLink), a user by id or
 * userPrincipalName, organization, in Graph's OData shapes; Graph's 401 and 403 envelopes; garbage
 * query options.
 *
 * Tokens and client secrets are never printed: failures report statuses and error codes only. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcheck.h"
#include "testlib.h"

#define GR_ID "77777777-7777-7777-7777-777777777777"
#define GR_SECRET "graph-app-client-secret-v2"
#define GRAPH_SCOPE "https://graph.microsoft.com/.default"
#define GRAPH_JSON                                                                                 \
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"        \
    "charset=utf-8"
#define USER_KEYS                                                                                  \
    "businessPhones,displayName,givenName,jobTitle,mail,mobilePhone,officeLocation,"               \
    "preferredLanguage,surname,userPrincipalName,id"
#define ADELE_ID "66666666-6666-6666-6666-666666666666"
#define ADELE_UPN "adele@contoso.onmicrosoft.com"

static struct mv_server *srv;
static char *graph_token;

/* A top-level "@odata.*" string (hc_jstr would split the key at its dot); NULL if absent. */
static const char *odata(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    graph_token = mvt_token(srv, GR_ID, GR_SECRET, GRAPH_SCOPE);
    ck_assert_msg(graph_token != NULL, "graph-reader gets a Graph token");
}

static void teardown(void)
{
    hc_free_token(graph_token);
    graph_token = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* Graph's error envelope: code, message, innerError {date, request-id, client-request-id}. */
static void check_graph_error(const struct mvt_resp *r, long status, const char *code,
                              const char *message, const char *what)
{
    const cJSON *inner;
    const char *date;

    hc_assert_status(r, status, what);
    ck_assert_msg(r->json != NULL, "%s: JSON body", what);
    hc_assert_keys(r->json, "error", what);
    hc_assert_keys(hc_jget(r->json, "error"), "code,message,innerError", what);
    ck_assert_str_eq(hc_jstr(r->json, "error.code"), code);
    if (message)
        ck_assert_str_eq(hc_jstr(r->json, "error.message"), message);
    inner = hc_jget(r->json, "error.innerError");
    hc_assert_keys(inner, "date,request-id,client-request-id", what);
    date = hc_jstr(inner, "date");
    ck_assert_msg(date && strlen(date) == 19 && date[4] == '-' && date[10] == 'T' &&
                      date[13] == ':',
                  "%s: innerError.date is YYYY-MM-DDTHH:MM:SS", what);
    ck_assert_msg(hc_is_guid(hc_jstr(inner, "request-id")), "%s: request-id", what);
    hc_assert_header(r, "request-id", hc_jstr(inner, "request-id"), what);
    hc_assert_header(r, "Content-Type", "application/json", what);
    if (status == 401) {
        char h[512];
        ck_assert_msg(mvt_header(r, "WWW-Authenticate", h, sizeof h) &&
                          strstr(h, "client_id=\"00000003-0000-0000-c000-000000000000\""),
                      "%s: Graph's challenge", what);
    }
}

/* A Graph success: the OData Content-Type, request-id and OData-Version headers. */
static void check_graph_ok(const struct mvt_resp *r, const char *context, const char *what)
{
    char rid[64], crid[64];

    hc_assert_status(r, 200, what);
    hc_assert_header(r, "Content-Type", GRAPH_JSON, what);
    hc_assert_header(r, "OData-Version", "4.0", what);
    ck_assert_msg(mvt_header(r, "request-id", rid, sizeof rid) && hc_is_guid(rid), "%s: request-id",
                  what);
    ck_assert_msg(mvt_header(r, "client-request-id", crid, sizeof crid), "%s: client-request-id",
                  what);
    ck_assert_str_eq(odata(r->json, "@odata.context"), context);
}

static void check_user(const cJSON *u, const char *id, const char *name, const char *upn)
{
    hc_assert_keys(u, USER_KEYS, "user");
    ck_assert_msg(cJSON_IsArray(hc_jget(u, "businessPhones")) &&
                      cJSON_GetArraySize(hc_jget(u, "businessPhones")) == 0,
                  "businessPhones []");
    ck_assert_str_eq(hc_jstr(u, "id"), id);
    ck_assert_str_eq(hc_jstr(u, "displayName"), name);
    ck_assert_str_eq(hc_jstr(u, "userPrincipalName"), upn);
    ck_assert_msg(cJSON_IsNull(hc_jget(u, "mail")) && cJSON_IsNull(hc_jget(u, "jobTitle")) &&
                      cJSON_IsNull(hc_jget(u, "givenName")) && cJSON_IsNull(hc_jget(u, "surname")),
                  "unknown properties are null");
}

/* ---- users ---- */

START_TEST(test_list_users)
{
    struct mvt_resp r;
    const cJSON *v;

    hc_req(srv, "GET", "localhost", "/v1.0/users", graph_token, NULL, NULL, &r);
    check_graph_ok(&r, "https://graph.microsoft.com/v1.0/$metadata#users", "list users");
    hc_assert_keys(r.json, "@odata.context,value", "list users (one page, no nextLink)");
    v = hc_jget(r.json, "value");
    ck_assert_int_eq(cJSON_GetArraySize(v), 3);
    check_user(cJSON_GetArrayItem(v, 0), ADELE_ID, "Adele Vance", ADELE_UPN);
    check_user(cJSON_GetArrayItem(v, 2), "66666666-6666-6666-6666-000000000003", "Megan Bowen",
               "meganb@contoso.onmicrosoft.com");
    mvt_resp_free(&r);
}
END_TEST

/* Follows @odata.nextLink (absolute, at the request's own base) until the last page, which has
 * none; every user is seen once, in order. */
static void page_through(const char *host, const char *base, int top, int want_pages)
{
    static const char *const ids[] = {ADELE_ID, "66666666-6666-6666-6666-000000000002",
                                      "66666666-6666-6666-6666-000000000003"};
    char path[1024], prefix[256];
    int seen = 0, pages = 0;

    snprintf(path, sizeof path, "/v1.0/users?$top=%d", top);
    snprintf(prefix, sizeof prefix, "%s/v1.0/users?$top=%d&$skiptoken=", base, top);
    for (;;) {
        struct mvt_resp r;
        const cJSON *v, *it;
        const char *next;

        hc_req(srv, "GET", host, path, graph_token, NULL, NULL, &r);
        check_graph_ok(&r, "https://graph.microsoft.com/v1.0/$metadata#users", "page");
        pages++;
        v = hc_jget(r.json, "value");
        ck_assert_msg(cJSON_GetArraySize(v) <= top, "page size <= $top");
        cJSON_ArrayForEach(it, v) {
            ck_assert_msg(seen < 3, "no user twice");
            ck_assert_str_eq(hc_jstr(it, "id"), ids[seen]);
            seen++;
        }
        next = odata(r.json, "@odata.nextLink");
        if (!next) {
            ck_assert_msg(!cJSON_GetObjectItemCaseSensitive(r.json, "@odata.nextLink"),
                          "no null nextLink");
            mvt_resp_free(&r);
            break;
        }
        hc_assert_keys(r.json, "@odata.context,@odata.nextLink,value", "page with a next one");
        ck_assert_msg(strncmp(next, prefix, strlen(prefix)) == 0, "nextLink '%s' starts with %s",
                      next, prefix);
        snprintf(path, sizeof path, "%s", next + strlen(base));
        mvt_resp_free(&r);
    }
    ck_assert_int_eq(seen, 3);
    ck_assert_int_eq(pages, want_pages);
}

START_TEST(test_paging)
{
    char base[128];

    page_through("localhost", hc_base(srv, "localhost", base, sizeof base), 1, 3);
    page_through("localhost", base, 2, 2);
    page_through("localhost", base, 3, 1);
    page_through("localhost", base, 999, 1);
    /* Proxy mode: the links name Graph itself. */
    page_through("graph.microsoft.com", "https://graph.microsoft.com", 1, 3);
}
END_TEST

/* By id, by userPrincipalName (any case, also percent-encoded). */
START_TEST(test_get_user)
{
    static const char *const keys[] = {
        "/v1.0/users/" ADELE_ID,
        "/v1.0/users/" ADELE_UPN,
        "/v1.0/users/ADELE@Contoso.onmicrosoft.com",
        "/v1.0/users/adele%40contoso.onmicrosoft.com",
        "/v1.0/users/66666666-6666-6666-6666-666666666666/",
        NULL,
    };
    struct mvt_resp r;

    for (size_t i = 0; keys[i]; i++) {
        const cJSON *it;

        hc_req(srv, "GET", "localhost", keys[i], graph_token, NULL, NULL, &r);
        check_graph_ok(&r, "https://graph.microsoft.com/v1.0/$metadata#users/$entity", keys[i]);
        it = r.json->child;
        ck_assert_str_eq(it->string, "@odata.context");
        /* The rest is the user itself. */
        cJSON_Delete(cJSON_DetachItemViaPointer(r.json, (cJSON *)it));
        check_user(r.json, ADELE_ID, "Adele Vance", ADELE_UPN);
        mvt_resp_free(&r);
    }
}
END_TEST

START_TEST(test_get_user_not_found)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/v1.0/users/nobody@contoso.onmicrosoft.com", graph_token, NULL,
           NULL, &r);
    check_graph_error(&r, 404, "Request_ResourceNotFound",
                      "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its "
                      "queried reference-property objects are not present.",
                      "unknown user");
    mvt_resp_free(&r);
}
END_TEST

/* $select keeps the named properties (Graph's order) and names them in @odata.context. */
START_TEST(test_select)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/v1.0/users?$select=id,displayName&$top=1", graph_token, NULL,
           NULL, &r);
    check_graph_ok(&r, "https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)",
                   "$select");
    hc_assert_keys(hc_jget(r.json, "value.0"), "displayName,id", "$select");
    ck_assert_msg(strstr(odata(r.json, "@odata.nextLink"), "&$select=id,displayName&") != NULL,
                  "nextLink keeps $select");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/v1.0/users/" ADELE_ID "?$select=userPrincipalName",
           graph_token, NULL, NULL, &r);
    check_graph_ok(&r,
                   "https://graph.microsoft.com/v1.0/$metadata#users(userPrincipalName)/$entity",
                   "$select on one user");
    hc_assert_keys(r.json, "@odata.context,userPrincipalName", "$select on one user");
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_organization)
{
    struct mvt_resp r;
    const cJSON *org;

    hc_req(srv, "GET", "localhost", "/v1.0/organization", graph_token, NULL, NULL, &r);
    check_graph_ok(&r, "https://graph.microsoft.com/v1.0/$metadata#organization", "organization");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 1);
    org = hc_jget(r.json, "value.0");
    ck_assert_str_eq(hc_jstr(org, "id"), T_TENANT);
    ck_assert_str_eq(hc_jstr(org, "displayName"), "Contoso");
    ck_assert_str_eq(hc_jstr(org, "tenantType"), "AAD");
    ck_assert_str_eq(hc_jstr(org, "verifiedDomains.0.name"), "contoso.onmicrosoft.com");
    ck_assert_msg(cJSON_IsTrue(hc_jget(org, "verifiedDomains.0.isDefault")), "isDefault");
    ck_assert_msg(cJSON_IsTrue(hc_jget(org, "verifiedDomains.0.isInitial")), "isInitial");
    mvt_resp_free(&r);
}
END_TEST

/* The caller's client-request-id comes back in the header and in innerError. */
START_TEST(test_client_request_id_echo)
{
    const char *hdr[] = {"client-request-id: 0b5e7c1d-1111-4222-8333-944455556666", NULL};
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/v1.0/users", graph_token, hdr, NULL, &r);
    hc_assert_header(&r, "client-request-id", "0b5e7c1d-1111-4222-8333-944455556666", "success");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/v1.0/users/nobody", graph_token, hdr, NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "error.innerError.client-request-id"),
                     "0b5e7c1d-1111-4222-8333-944455556666");
    mvt_resp_free(&r);
}
END_TEST

/* ---- denials ---- */

/* The admin app has no Graph role: a valid Graph token, refused with 403 on every resource. A
 * managed identity token (no roles either) likewise. */
START_TEST(test_no_role_forbidden)
{
    static const char *const paths[] = {"/v1.0/users", "/v1.0/users/" ADELE_ID,
                                        "/v1.0/organization", NULL};
    const char *meta[] = {"Metadata: true", NULL};
    char *admin = mvt_token(srv, T_ADMIN_ID, T_ADMIN_SECRET, GRAPH_SCOPE);
    char *mi;
    struct mvt_resp r;

    ck_assert_msg(admin != NULL, "admin Graph token");
    hc_req(srv, "GET", "localhost",
           "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://"
           "graph.microsoft.com",
           NULL, meta, NULL, &r);
    hc_assert_status(&r, 200, "MI Graph token");
    mi = strdup(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    for (size_t i = 0; paths[i]; i++) {
        hc_req(srv, "GET", "localhost", paths[i], admin, NULL, NULL, &r);
        check_graph_error(&r, 403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.", paths[i]);
        mvt_resp_free(&r);
        hc_req(srv, "GET", "localhost", paths[i], mi, NULL, NULL, &r);
        check_graph_error(&r, 403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.", paths[i]);
        mvt_resp_free(&r);
    }
    hc_free_token(admin);
    hc_free_token(mi);
}
END_TEST

/* Bad tokens: Graph's 401 InvalidAuthenticationToken with its messages. */
START_TEST(test_bad_tokens)
{
    char *kv = mvt_admin_token(srv);
    char *forged;
    size_t n;
    struct mvt_resp r;

    ck_assert_msg(kv != NULL, "Key Vault token");
    hc_req(srv, "GET", "localhost", "/v1.0/users", NULL, NULL, NULL, &r);
    check_graph_error(&r, 401, "InvalidAuthenticationToken", "Access token is empty.", "no token");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/v1.0/users", kv, NULL, NULL, &r);
    check_graph_error(&r, 401, "InvalidAuthenticationToken",
                      "Access token validation failure. Invalid audience.", "Key Vault token");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/v1.0/organization", "garbage", NULL, NULL, &r);
    check_graph_error(&r, 401, "InvalidAuthenticationToken",
                      "CompactToken parsing failed with error code: 80049217", "garbage token");
    mvt_resp_free(&r);
    /* The Graph token with its signature's last characters changed. */
    forged = strdup(graph_token);
    n = strlen(forged);
    memcpy(forged + n - 4, forged[n - 4] == 'A' ? "BBBB" : "AAAA", 4);
    hc_req(srv, "GET", "localhost", "/v1.0/users", forged, NULL, NULL, &r);
    check_graph_error(&r, 401, "InvalidAuthenticationToken", "Access token validation failure.",
                      "forged token");
    mvt_resp_free(&r);
    /* Two hours later the token is expired. */
    hc_clock(srv, "{\"advance\":7200}");
    hc_req(srv, "GET", "localhost", "/v1.0/users", graph_token, NULL, NULL, &r);
    check_graph_error(&r, 401, "InvalidAuthenticationToken",
                      "Lifetime validation failed, the token is expired.", "expired token");
    mvt_resp_free(&r);
    hc_free_token(forged);
    hc_free_token(kv);
}
END_TEST

/* ---- garbage query options ---- */

static const char *const bad_tops[] = {"0",   "-1",   "abc",  "1000", "",    "99999999999999999999",
                                       "1.5", "%201", "0x10", "+5",   "%FF", NULL};

START_TEST(test_bad_top)
{
    char path[256], msg[256];
    struct mvt_resp r;

    for (size_t i = 0; bad_tops[i]; i++) {
        snprintf(path, sizeof path, "/v1.0/users?$top=%s", bad_tops[i]);
        hc_req(srv, "GET", "localhost", path, graph_token, NULL, NULL, &r);
        check_graph_error(&r, 400, "Request_UnsupportedQuery", NULL, path);
        snprintf(msg, sizeof msg, "Invalid page size specified: '");
        ck_assert_msg(strncmp(hc_jstr(r.json, "error.message"), msg, strlen(msg)) == 0 &&
                          strstr(hc_jstr(r.json, "error.message"),
                                 "'. Must be between 1 and 999 inclusive.") != NULL,
                      "%s: message", path);
        mvt_resp_free(&r);
    }
    hc_req(srv, "GET", "localhost", "/v1.0/users?$top=1000", graph_token, NULL, NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "error.message"),
                     "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
    mvt_resp_free(&r);
}
END_TEST

static const struct {
    const char *path, *code;
} bad_queries[] = {
    {"/v1.0/users?$skiptoken=garbage", "Request_BadRequest"},
    {"/v1.0/users?$skiptoken=", "Request_BadRequest"},
    {"/v1.0/users?$skiptoken=%FF%FE", "Request_BadRequest"},
    {"/v1.0/users?$filter=startswith(displayName,'A')", "Request_UnsupportedQuery"},
    {"/v1.0/users?$search=%22displayName:A%22", "Request_UnsupportedQuery"},
    {"/v1.0/users?$count=true", "Request_UnsupportedQuery"},
    {"/v1.0/organization?$expand=x", "Request_UnsupportedQuery"},
    {"/v1.0/users?$select=nope", "BadRequest"},
    {"/v1.0/users?$select=", "BadRequest"},
    {"/v1.0/users?$select=id;drop", "BadRequest"},
    {"/v1.0/users/x?$select=%00", "BadRequest"},
};

START_TEST(test_bad_queries)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", bad_queries[_i].path, graph_token, NULL, NULL, &r);
    check_graph_error(&r, 400, bad_queries[_i].code, NULL, bad_queries[_i].path);
    mvt_resp_free(&r);
}
END_TEST

/* A skiptoken past the end is an empty last page; huge and invalid UTF-8 keys are plain 404s. */
START_TEST(test_odd_inputs)
{
    char *path = hc_xmalloc(9000);
    struct mvt_resp r;
    size_t o;

    /* base64url("mockvault-users:99") */
    hc_req(srv, "GET", "localhost", "/v1.0/users?$skiptoken=bW9ja3ZhdWx0LXVzZXJzOjk5", graph_token,
           NULL, NULL, &r);
    check_graph_ok(&r, "https://graph.microsoft.com/v1.0/$metadata#users", "past the end");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 0);
    ck_assert_msg(!cJSON_GetObjectItemCaseSensitive(r.json, "@odata.nextLink"),
                  "no nextLink past the end");
    mvt_resp_free(&r);

    o = (size_t)snprintf(path, 9000, "/v1.0/users/");
    memset(path + o, 'x', 6000);
    path[o + 6000] = '\0';
    hc_req(srv, "GET", "localhost", path, graph_token, NULL, NULL, &r);
    ck_assert_msg(r.status == 404 || r.status == 414 || r.status == 431, "huge key: %ld", r.status);
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/v1.0/users/%C3%28%ED%A0%80%FF", graph_token, NULL, NULL, &r);
    check_graph_error(&r, 404, "Request_ResourceNotFound", NULL, "invalid UTF-8 key");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/v1.0/users", graph_token, NULL, NULL, &r);
    hc_assert_status(&r, 200, "still serving");
    mvt_resp_free(&r);
    free(path);
}
END_TEST

static Suite *graph_suite(void)
{
    Suite *s = suite_create("http-graph");
    TCase *ok = tcase_create("read");
    TCase *deny = tcase_create("deny");
    TCase *bad = tcase_create("bad-input");

    tcase_add_checked_fixture(ok, setup, teardown);
    tcase_add_test(ok, test_list_users);
    tcase_add_test(ok, test_paging);
    tcase_add_test(ok, test_get_user);
    tcase_add_test(ok, test_get_user_not_found);
    tcase_add_test(ok, test_select);
    tcase_add_test(ok, test_organization);
    tcase_add_test(ok, test_client_request_id_echo);
    suite_add_tcase(s, ok);

    tcase_add_checked_fixture(deny, setup, teardown);
    tcase_add_test(deny, test_no_role_forbidden);
    tcase_add_test(deny, test_bad_tokens);
    suite_add_tcase(s, deny);

    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_bad_top);
    tcase_add_loop_test(bad, test_bad_queries, 0,
                        (int)(sizeof bad_queries / sizeof bad_queries[0]));
    tcase_add_test(bad, test_odd_inputs);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return mvt_run(graph_suite(), false);
}
