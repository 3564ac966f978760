/* test-http-msi.c: managed identity endpoints over real HTTP(S) against the embedded server
 * (spec/identity.md §4; real-clients A.5, B.5): IMDS on the TLS listener and on the plain-http
 * --imds-port listener, App Service (X-IDENTITY-HEADER, --identity-header), Cloud Shell (POST
 * form), identity selection, the error bodies, bad input, and the token then used on the vault.
 *
 * Tokens are never printed: failures report statuses and error codes only. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcheck.h"
#include "testlib.h"

#define SYS_ID "44444444-4444-4444-4444-444444444444"
#define SYS_OID "55555555-5555-5555-5555-555555555555"
#define UA_ID "99999999-9999-9999-9999-999999999999"
#define UA_OID "99999999-0000-0000-0000-000000000009"
#define UA_RES                                                                                     \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/demo-rg/providers/"        \
    "Microsoft.ManagedIdentity/userAssignedIdentities/app-identity"
#define IMDS_PATH "/metadata/identity/oauth2/token"
#define VAULT_RES "https%3A%2F%2Fvault.azure.net"
#define IMDS_Q IMDS_PATH "?api-version=2018-02-01&resource=" VAULT_RES
#define META "Metadata: true"
#define ID_HEADER "s3cret"
#define FORM "Content-Type: application/x-www-form-urlencoded"
#define IMDS_KEYS                                                                                  \
    "access_token,refresh_token,client_id,expires_in,expires_on,ext_expires_in,not_before,"        \
    "resource,token_type"
#define APP_SERVICE_KEYS "access_token,expires_on,resource,token_type,client_id"
#define NO_METADATA_BODY                                                                           \
    "{\"error\":\"invalid_request\",\"error_description\":\"Required metadata header not "         \
    "specified\"}"
#define NOT_FOUND_BODY                                                                             \
    "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}"

static struct mv_server *srv;

/* Every suite's server also runs the plain-http IMDS listener; the App Service header is set
 * only where a test says so. */
static void start(const char *identity_header, int lifetime)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.imds = true;
    cfg.imds_port = 0;
    cfg.identity_header = identity_header;
    cfg.token_lifetime = lifetime;
    srv = mvt_start("fixtures/default.json", &cfg);
}

static void setup(void)
{
    start(NULL, 0);
}

static void setup_header(void)
{
    start(ID_HEADER, 0);
}

static void teardown(void)
{
    mv_server_stop(srv);
    srv = NULL;
}

struct buf {
    char *p;
    size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct buf *b = ud;
    size_t add = size * nmemb;
    char *np = realloc(b->p, b->n + add + 1);

    if (!np)
        return 0;
    memcpy(np + b->n, ptr, add);
    b->n += add;
    np[b->n] = '\0';
    b->p = np;
    return add;
}

/* A request to the plain-http IMDS listener (testlib only speaks to the TLS one). */
static void imds_req(const char *method, const char *path, const char *const *headers,
                     const char *body, struct mvt_resp *out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    struct buf b = {NULL, 0}, h = {NULL, 0};
    char url[32768];
    CURLcode rc;

    memset(out, 0, sizeof *out);
    ck_assert_msg(c != NULL, "curl_easy_init");
    ck_assert_msg(mv_server_imds_port(srv) != 0, "the IMDS listener runs");
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)mv_server_imds_port(srv), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        hl = curl_slist_append(hl, "Expect:");
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    rc = curl_easy_perform(c);
    ck_assert_msg(rc == CURLE_OK, "%s %s on the IMDS port: no HTTP response", method, IMDS_PATH);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = b.p ? b.p : strdup("");
    out->len = b.n;
    out->headers = h.p ? h.p : strdup("");
    out->json = cJSON_Parse(out->body);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
}

/* A string field holding a decimal integer; asserts both. */
static long long str_num(const cJSON *j, const char *key)
{
    const char *s = hc_jstr(j, key);
    char *end;
    long long v;

    ck_assert_msg(s != NULL, "%s is a JSON string", key);
    v = strtoll(s, &end, 10);
    ck_assert_msg(*s && *end == '\0', "%s is a decimal string", key);
    return v;
}

/* Checks the claims of a managed identity token (spec/identity.md §2.1: appidacr "2"). mirid NULL
 * means the token must carry no xms_mirid. */
static void check_mi_token(const char *jwt, const char *aud, const char *client_id, const char *oid,
                           const char *mirid, int64_t exp)
{
    cJSON *c = hc_jwt_part(jwt, 1);

    ck_assert_msg(c != NULL, "the token's payload is base64url JSON");
    ck_assert_str_eq(hc_jstr(c, "aud"), aud);
    ck_assert_str_eq(hc_jstr(c, "iss"), "https://sts.windows.net/" T_TENANT "/");
    ck_assert_str_eq(hc_jstr(c, "tid"), T_TENANT);
    ck_assert_str_eq(hc_jstr(c, "appid"), client_id);
    ck_assert_str_eq(hc_jstr(c, "appidacr"), "2");
    ck_assert_str_eq(hc_jstr(c, "oid"), oid);
    ck_assert_str_eq(hc_jstr(c, "sub"), oid);
    ck_assert_str_eq(hc_jstr(c, "ver"), "1.0");
    ck_assert_int_eq(hc_jint(c, "exp"), exp);
    ck_assert_int_eq(hc_jint(c, "iat"), hc_jint(c, "nbf"));
    if (mirid)
        ck_assert_str_eq(hc_jstr(c, "xms_mirid"), mirid);
    else
        ck_assert_msg(!hc_has(c, "xms_mirid"), "no xms_mirid");
    cJSON_Delete(c);
}

/* The full IMDS / Cloud Shell response: every field a string, in the documented order, with
 * lifetime, expires_on = now + lifetime + 1 and not_before = now - 300 (within 5 s). */
static void check_imds_body(const struct mvt_resp *r, const char *resource, const char *client_id,
                            const char *oid, const char *mirid, int lifetime)
{
    int64_t now = hc_now(srv);
    long long on, nb;

    hc_assert_keys(r->json, IMDS_KEYS, "IMDS response");
    for (const cJSON *it = r->json->child; it; it = it->next)
        ck_assert_msg(cJSON_IsString(it), "%s is a string", it->string);
    ck_assert_str_eq(hc_jstr(r->json, "refresh_token"), "");
    ck_assert_str_eq(hc_jstr(r->json, "client_id"), client_id);
    ck_assert_int_eq(str_num(r->json, "expires_in"), lifetime);
    ck_assert_int_eq(str_num(r->json, "ext_expires_in"), lifetime);
    on = str_num(r->json, "expires_on");
    nb = str_num(r->json, "not_before");
    ck_assert_msg(on >= now + lifetime + 1 - 5 && on <= now + lifetime + 1 + 5, "expires_on");
    ck_assert_msg(nb >= now - 300 - 5 && nb <= now - 300 + 5, "not_before");
    ck_assert_str_eq(hc_jstr(r->json, "resource"), resource);
    ck_assert_str_eq(hc_jstr(r->json, "token_type"), "Bearer");
    check_mi_token(hc_jstr(r->json, "access_token"), resource, client_id, oid, mirid, on);
}

/* ---- IMDS ---- */

/* Both listeners, with and without msal-node's trailing slash (real-clients A.5). */
static const char *const imds_paths[] = {
    IMDS_Q,
    IMDS_PATH "/?api-version=2018-02-01&resource=" VAULT_RES,
    IMDS_PATH "?api-version=2019-08-01&resource=https://vault.azure.net",
};

START_TEST(test_imds_success_both_listeners)
{
    const char *hdr[] = {META, "x-client-SKU: msal.js.node", NULL};
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", imds_paths[_i], NULL, hdr, NULL, &r);
    hc_assert_status(&r, 200, "IMDS on the TLS listener");
    hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "IMDS");
    check_imds_body(&r, "https://vault.azure.net", SYS_ID, SYS_OID, NULL, 3599);
    mvt_resp_free(&r);

    imds_req("GET", imds_paths[_i], hdr, NULL, &r);
    hc_assert_status(&r, 200, "IMDS on the plain-http listener");
    check_imds_body(&r, "https://vault.azure.net", SYS_ID, SYS_OID, NULL, 3599);
    mvt_resp_free(&r);
}
END_TEST

/* The JS probe (no query, no Metadata header) gets an HTTP answer, the metadata 400; so does any
 * request whose Metadata header is absent or not "true". */
START_TEST(test_imds_metadata_header_required)
{
    const char *none[] = {NULL};
    const char *wrong[] = {"Metadata: false", NULL};
    const char *upper[] = {"Metadata: TRUE", NULL};
    struct mvt_resp r;

    imds_req("GET", IMDS_PATH, none, NULL, &r);
    hc_assert_status(&r, 400, "probe");
    hc_assert_body(&r, NO_METADATA_BODY, true, "probe");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", IMDS_Q, NULL, none, NULL, &r);
    hc_assert_status(&r, 400, "no Metadata header");
    hc_assert_body(&r, NO_METADATA_BODY, true, "no Metadata header");
    mvt_resp_free(&r);
    imds_req("GET", IMDS_Q, wrong, NULL, &r);
    hc_assert_status(&r, 400, "Metadata: false");
    hc_assert_body(&r, NO_METADATA_BODY, true, "Metadata: false");
    mvt_resp_free(&r);
    imds_req("GET", IMDS_Q, upper, NULL, &r);
    hc_assert_status(&r, 200, "Metadata: TRUE");
    mvt_resp_free(&r);
}
END_TEST

/* Request errors: {"error","error_description"} with status 400. */
static const struct {
    const char *path, *error, *desc_start;
} imds_errors[] = {
    {IMDS_PATH "?resource=" VAULT_RES, "invalid_request",
     "Required query variable 'api-version' is missing"},
    {IMDS_PATH "?api-version=&resource=" VAULT_RES, "invalid_request",
     "Required query variable 'api-version' is missing"},
    {IMDS_PATH "?api-version=2017-09-01&resource=" VAULT_RES, "invalid_request",
     "Invalid api-version '2017-09-01'"},
    {IMDS_PATH "?api-version=latest&resource=" VAULT_RES, "invalid_request",
     "Invalid api-version 'latest'"},
    {IMDS_PATH "?api-version=2018-02-01", "invalid_request",
     "Required query variable 'resource' is missing"},
    {IMDS_PATH "?api-version=2018-02-01&resource=", "invalid_request",
     "Required query variable 'resource' is missing"},
    {IMDS_PATH "?api-version=2018-02-01&resource=https%3A%2F%2Fevil.example.com",
     "invalid_resource",
     "AADSTS500011: The resource principal named https://evil.example.com was not found"},
    {IMDS_PATH "?api-version=2018-02-01&resource=%FF%FE%C0", "invalid_resource",
     "AADSTS500011: The resource principal named ??? was not found"},
    {IMDS_Q "&client_id=" UA_ID "&object_id=" UA_OID, "invalid_request",
     "Only one of client_id, object_id and mi_res_id may be specified"},
    {IMDS_Q "&client_id=00000000-0000-0000-0000-00000000dead", "invalid_request",
     "Identity not found"},
    {IMDS_Q "&object_id=" UA_ID, "invalid_request", "Identity not found"},
    {IMDS_Q "&mi_res_id=/subscriptions/x", "invalid_request", "Identity not found"},
    {IMDS_Q "&client_id=", "invalid_request", "Identity not found"},
};

START_TEST(test_imds_errors)
{
    const char *hdr[] = {META, NULL};
    const char *desc;
    struct mvt_resp r;

    imds_req("GET", imds_errors[_i].path, hdr, NULL, &r);
    hc_assert_status(&r, 400, imds_errors[_i].path);
    ck_assert_msg(r.json != NULL, "%s: JSON body", imds_errors[_i].path);
    hc_assert_keys(r.json, "error,error_description", imds_errors[_i].path);
    ck_assert_str_eq(hc_jstr(r.json, "error"), imds_errors[_i].error);
    desc = hc_jstr(r.json, "error_description");
    ck_assert_msg(strncmp(desc, imds_errors[_i].desc_start, strlen(imds_errors[_i].desc_start)) ==
                      0,
                  "%s: error_description '%s'", imds_errors[_i].path, desc);
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_imds_identity_not_found_exact)
{
    const char *hdr[] = {META, NULL};
    struct mvt_resp r;

    imds_req("GET", IMDS_Q "&client_id=00000000-0000-0000-0000-00000000dead", hdr, NULL, &r);
    hc_assert_status(&r, 400, "unknown identity");
    hc_assert_body(&r, NOT_FOUND_BODY, true, "unknown identity");
    mvt_resp_free(&r);
}
END_TEST

/* User-assigned selection by each selector (MSAL-Python says msi_res_id), ids in any case; the
 * system identity can be named by its client id too. */
static const struct {
    const char *query, *client_id, *oid, *mirid;
} selections[] = {
    {"&client_id=" UA_ID, UA_ID, UA_OID, UA_RES},
    {"&object_id=" UA_OID, UA_ID, UA_OID, UA_RES},
    {"&mi_res_id=" UA_RES, UA_ID, UA_OID, UA_RES},
    {"&msi_res_id=" UA_RES, UA_ID, UA_OID, UA_RES},
    {"&mi_res_id=%2Fsubscriptions%2F00000000-0000-0000-0000-000000000000%2FresourceGroups%2Fdemo-rg"
     "%2Fproviders%2FMicrosoft.ManagedIdentity%2FuserAssignedIdentities%2Fapp-identity",
     UA_ID, UA_OID, UA_RES},
    {"&client_id=99999999-9999-9999-9999-999999999999", UA_ID, UA_OID, UA_RES},
    {"&object_id=99999999-0000-0000-0000-000000000009", UA_ID, UA_OID, UA_RES},
    {"&client_id=" SYS_ID, SYS_ID, SYS_OID, NULL},
};

START_TEST(test_imds_user_assigned_selection)
{
    const char *hdr[] = {META, NULL};
    char path[1024];
    struct mvt_resp r;

    snprintf(path, sizeof path, "%s%s", IMDS_Q, selections[_i].query);
    imds_req("GET", path, hdr, NULL, &r);
    hc_assert_status(&r, 200, selections[_i].query);
    check_imds_body(&r, "https://vault.azure.net", selections[_i].client_id, selections[_i].oid,
                    selections[_i].mirid, 3599);
    mvt_resp_free(&r);
}
END_TEST

/* Without a system-assigned identity IMDS takes the only user-assigned one, and refuses to guess
 * between several (the fixture is swapped through PUT /_mock/state). */
START_TEST(test_imds_no_system_identity)
{
    static const char one[] =
        "{\"tenants\":[{\"id\":\"" T_TENANT "\",\"managedIdentities\":["
        "{\"name\":\"a\",\"clientId\":\"aaaa0000-0000-0000-0000-000000000001\","
        "\"objectId\":\"aaaa0000-0000-0000-0000-0000000000a1\",\"systemAssigned\":false}]}],"
        "\"vaults\":[]}";
    static const char two[] = "{\"tenants\":[{\"id\":\"" T_TENANT "\",\"managedIdentities\":["
                              "{\"name\":\"a\",\"clientId\":\"aaaa0000-0000-0000-0000-"
                              "000000000001\",\"systemAssigned\":false},"
                              "{\"name\":\"b\",\"clientId\":\"bbbb0000-0000-0000-0000-"
                              "000000000002\",\"systemAssigned\":false}"
                              "]}],\"vaults\":[]}";
    static const char none[] = "{\"tenants\":[{\"id\":\"" T_TENANT "\"}],\"vaults\":[]}";
    const char *hdr[] = {META, NULL};
    struct mvt_resp r;

    ck_assert_int_eq(mvt_control(srv, "PUT", "/_mock/state", one), 200);
    imds_req("GET", IMDS_Q, hdr, NULL, &r);
    hc_assert_status(&r, 200, "the only user-assigned identity");
    check_imds_body(&r, "https://vault.azure.net", "aaaa0000-0000-0000-0000-000000000001",
                    "aaaa0000-0000-0000-0000-0000000000a1", NULL, 3599);
    mvt_resp_free(&r);

    ck_assert_int_eq(mvt_control(srv, "PUT", "/_mock/state", two), 200);
    imds_req("GET", IMDS_Q, hdr, NULL, &r);
    hc_assert_status(&r, 400, "several user-assigned identities");
    hc_assert_body(&r,
                   "{\"error\":\"invalid_request\",\"error_description\":\"Multiple user assigned "
                   "identities exist, please specify the clientId / resourceId of the identity in "
                   "the token request\"}",
                   true, "several user-assigned identities");
    mvt_resp_free(&r);
    imds_req("GET", IMDS_Q "&client_id=BBBB0000-0000-0000-0000-000000000002", hdr, NULL, &r);
    hc_assert_status(&r, 200, "one of several, by client id");
    ck_assert_str_eq(hc_jstr(r.json, "client_id"), "bbbb0000-0000-0000-0000-000000000002");
    mvt_resp_free(&r);

    ck_assert_int_eq(mvt_control(srv, "PUT", "/_mock/state", none), 200);
    imds_req("GET", IMDS_Q, hdr, NULL, &r);
    hc_assert_status(&r, 400, "no identity at all");
    hc_assert_body(&r, NOT_FOUND_BODY, true, "no identity at all");
    mvt_resp_free(&r);
}
END_TEST

/* Graph and ARM resources, with the audience exactly as asked. */
START_TEST(test_imds_other_resources)
{
    const char *hdr[] = {META, NULL};
    struct mvt_resp r;

    imds_req("GET",
             IMDS_PATH "?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F",
             hdr, NULL, &r);
    hc_assert_status(&r, 200, "ARM resource");
    check_imds_body(&r, "https://management.azure.com/", SYS_ID, SYS_OID, NULL, 3599);
    mvt_resp_free(&r);
    imds_req("GET", IMDS_PATH "?api-version=2018-02-01&resource=https://graph.microsoft.com", hdr,
             NULL, &r);
    hc_assert_status(&r, 200, "Graph resource");
    check_imds_body(&r, "https://graph.microsoft.com", SYS_ID, SYS_OID, NULL, 3599);
    mvt_resp_free(&r);
}
END_TEST

/* The IMDS listener serves managed identity only: the vault, discovery, Graph, ARM and the
 * control API are 404 there; POST on the IMDS path is refused. */
START_TEST(test_imds_listener_serves_msi_only)
{
    static const char *const paths[] = {
        "/secrets/graph-app-secret?api-version=7.4",
        "/secrets?api-version=7.4",
        "/" T_TENANT "/v2.0/.well-known/openid-configuration",
        "/v1.0/users",
        "/metadata/endpoints?api-version=2015-01-01",
        "/subscriptions?api-version=2020-01-01",
        "/_mock/health",
        NULL,
    };
    const char *hdr[] = {META, NULL};
    struct mvt_resp r;

    for (size_t i = 0; paths[i]; i++) {
        imds_req("GET", paths[i], hdr, NULL, &r);
        hc_assert_status(&r, 404, paths[i]);
        mvt_resp_free(&r);
    }
    /* The IMDS listener hides every route but the managed identity ones, so a method mismatch
     * there is a plain 404; the TLS listener says 405. */
    imds_req("POST", IMDS_Q, hdr, "", &r);
    hc_assert_status(&r, 404, "POST on the IMDS path, IMDS listener");
    mvt_resp_free(&r);
    hc_req(srv, "POST", "localhost", IMDS_Q, NULL, hdr, "", &r);
    hc_assert_status(&r, 405, "POST on the IMDS path, TLS listener");
    mvt_resp_free(&r);
}
END_TEST

/* --token-lifetime reaches managed identity tokens. */
START_TEST(test_imds_token_lifetime)
{
    const char *hdr[] = {META, NULL};
    struct mvt_resp r;

    teardown();
    start(NULL, 120);
    imds_req("GET", IMDS_Q, hdr, NULL, &r);
    hc_assert_status(&r, 200, "short lifetime");
    check_imds_body(&r, "https://vault.azure.net", SYS_ID, SYS_OID, NULL, 120);
    mvt_resp_free(&r);
}
END_TEST

/* ---- App Service ---- */

#define AS_Q "/msi/token?api-version=2019-08-01&resource=" VAULT_RES

static void check_app_service_error(const struct mvt_resp *r, long status, const char *what)
{
    hc_assert_status(r, status, what);
    ck_assert_msg(r->json != NULL, "%s: JSON body", what);
    hc_assert_keys(r->json, "statusCode,message,correlationId", what);
    ck_assert_int_eq(hc_jint(r->json, "statusCode"), status);
    ck_assert_msg(hc_is_guid(hc_jstr(r->json, "correlationId")), "%s: correlationId", what);
}

/* spec/identity.md §4.2: exactly access_token, expires_on (epoch string), resource, token_type,
 * client_id. JS sends a form Content-Type even on this GET (real-clients A.5). */
START_TEST(test_app_service_success)
{
    const char *hdr[] = {"X-IDENTITY-HEADER: " ID_HEADER,
                         "Content-Type: application/x-www-form-urlencoded;charset=utf-8", NULL};
    int64_t now = hc_now(srv);
    long long on;
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", AS_Q, NULL, hdr, NULL, &r);
    hc_assert_status(&r, 200, "App Service");
    hc_assert_keys(r.json, APP_SERVICE_KEYS, "App Service");
    on = str_num(r.json, "expires_on");
    ck_assert_msg(on >= now + 3600 - 5 && on <= now + 3600 + 5, "expires_on = now + 3600");
    ck_assert_str_eq(hc_jstr(r.json, "resource"), "https://vault.azure.net");
    ck_assert_str_eq(hc_jstr(r.json, "token_type"), "Bearer");
    ck_assert_str_eq(hc_jstr(r.json, "client_id"), SYS_ID);
    check_mi_token(hc_jstr(r.json, "access_token"), "https://vault.azure.net", SYS_ID, SYS_OID,
                   NULL, on);
    mvt_resp_free(&r);

    /* Plain http works too (the IMDS listener serves every managed identity route). */
    imds_req("GET", AS_Q "&client_id=" UA_ID, hdr, NULL, &r);
    hc_assert_status(&r, 200, "App Service, user-assigned, plain http");
    hc_assert_keys(r.json, APP_SERVICE_KEYS, "App Service user-assigned");
    ck_assert_str_eq(hc_jstr(r.json, "client_id"), UA_ID);
    check_mi_token(hc_jstr(r.json, "access_token"), "https://vault.azure.net", UA_ID, UA_OID,
                   UA_RES, str_num(r.json, "expires_on"));
    mvt_resp_free(&r);
}
END_TEST

static const struct {
    const char *path, *header, *msg_start;
    long status;
} app_service_errors[] = {
    {AS_Q, NULL, "The X-IDENTITY-HEADER request header is missing", 400},
    {AS_Q, "X-IDENTITY-HEADER:", "The X-IDENTITY-HEADER request header is missing", 400},
    {AS_Q, "X-IDENTITY-HEADER: wrong", "The X-IDENTITY-HEADER value is not the one", 401},
    {AS_Q, "X-IDENTITY-HEADER: s3cret-and-more", "The X-IDENTITY-HEADER value is not the one", 401},
    {AS_Q, "X-IDENTITY-HEADER: S3CRET", "The X-IDENTITY-HEADER value is not the one", 401},
    {"/msi/token?resource=" VAULT_RES, "X-IDENTITY-HEADER: " ID_HEADER,
     "The api-version query parameter is required", 400},
    {"/msi/token?api-version=2017-09-01&resource=" VAULT_RES, "X-IDENTITY-HEADER: " ID_HEADER,
     "The api-version '2017-09-01' is not supported", 400},
    {"/msi/token?api-version=2019-08-01", "X-IDENTITY-HEADER: " ID_HEADER,
     "Required query variable 'resource' is missing", 400},
    {AS_Q "&client_id=00000000-0000-0000-0000-00000000dead", "X-IDENTITY-HEADER: " ID_HEADER,
     "Unable to load the proper Managed Identity.", 400},
    {"/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fevil.example.com",
     "X-IDENTITY-HEADER: " ID_HEADER, "AADSTS500011: The resource principal named", 400},
};

START_TEST(test_app_service_errors)
{
    const char *hdr[] = {app_service_errors[_i].header, NULL};
    const char *msg;
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", app_service_errors[_i].path, NULL, hdr, NULL, &r);
    check_app_service_error(&r, app_service_errors[_i].status, app_service_errors[_i].path);
    msg = hc_jstr(r.json, "message");
    ck_assert_msg(strncmp(msg, app_service_errors[_i].msg_start,
                          strlen(app_service_errors[_i].msg_start)) == 0,
                  "%s: message '%s'", app_service_errors[_i].path, msg);
    /* The configured header value is a secret: never echoed. */
    ck_assert_msg(strstr(r.body, ID_HEADER) == NULL, "the identity header value is not echoed");
    mvt_resp_free(&r);
}
END_TEST

/* Without --identity-header any non-empty value is taken; an empty one is still refused. */
START_TEST(test_app_service_any_header_without_option)
{
    const char *any[] = {"X-IDENTITY-HEADER: x", NULL};
    const char *none[] = {NULL};
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", AS_Q, NULL, any, NULL, &r);
    hc_assert_status(&r, 200, "any header value");
    hc_assert_keys(r.json, APP_SERVICE_KEYS, "any header value");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", AS_Q, NULL, none, NULL, &r);
    check_app_service_error(&r, 400, "no header");
    mvt_resp_free(&r);
}
END_TEST

/* ---- Cloud Shell (MSI_ENDPOINT, POST form) ---- */

START_TEST(test_cloud_shell_success)
{
    const char *hdr[] = {META, FORM, NULL};
    struct mvt_resp r;

    hc_req(srv, "POST", "localhost", "/msi/token", NULL, hdr, "resource=" VAULT_RES, &r);
    hc_assert_status(&r, 200, "Cloud Shell");
    check_imds_body(&r, "https://vault.azure.net", SYS_ID, SYS_OID, NULL, 3599);
    mvt_resp_free(&r);
    imds_req("POST", "/msi/token", hdr, "resource=" VAULT_RES "&client_id=" UA_ID "&x-extra=1", &r);
    hc_assert_status(&r, 200, "Cloud Shell, user-assigned, plain http");
    check_imds_body(&r, "https://vault.azure.net", UA_ID, UA_OID, UA_RES, 3599);
    mvt_resp_free(&r);
}
END_TEST

/* Malformed forms and missing pieces: the IMDS error shape, never a crash. */
static const struct {
    const char *ctype, *body, *error;
    bool metadata;
} cloud_shell_errors[] = {
    {FORM, "resource=" VAULT_RES, "invalid_request", false},
    {NULL, "resource=" VAULT_RES, "invalid_request", true},
    {"Content-Type: application/json", "{\"resource\":\"https://vault.azure.net\"}",
     "invalid_request", true},
    {FORM, "", "invalid_request", true},
    {FORM, "%%%&&==&=&resource", "invalid_request", true},
    {FORM, "resource=%FF%FE%00%C0", "invalid_resource", true},
    {FORM, "resource=" VAULT_RES "&client_id=nope", "invalid_request", true},
    {FORM, "resource=" VAULT_RES "&mi_res_id=a&msi_res_id=b", "invalid_request", true},
    {"Content-Type: multipart/form-data; boundary=zz",
     "--zz\r\nContent-Disposition: form-data\r\n\r\n--zz--", "invalid_request", true},
};

START_TEST(test_cloud_shell_errors)
{
    const char *hdr[4] = {NULL};
    size_t n = 0;
    struct mvt_resp r;

    if (cloud_shell_errors[_i].metadata)
        hdr[n++] = META;
    /* Without a Content-Type of its own curl would label the body a form. */
    hdr[n++] = cloud_shell_errors[_i].ctype ? cloud_shell_errors[_i].ctype : "Content-Type:";
    hc_req(srv, "POST", "localhost", "/msi/token", NULL, hdr, cloud_shell_errors[_i].body, &r);
    hc_assert_status(&r, 400, cloud_shell_errors[_i].body);
    ck_assert_msg(r.json != NULL, "JSON body");
    hc_assert_keys(r.json, "error,error_description", "Cloud Shell error");
    ck_assert_str_eq(hc_jstr(r.json, "error"), cloud_shell_errors[_i].error);
    mvt_resp_free(&r);
}
END_TEST

/* ---- Bad input ---- */

/* Huge query values, many parameters, control characters and invalid UTF-8: an HTTP answer with
 * a well-formed body (or libmicrohttpd's own refusal of an oversized request line), then the
 * server still answers. */
START_TEST(test_bad_input)
{
    const char *hdr[] = {META, "X-IDENTITY-HEADER: x", NULL};
    char *path = hc_xmalloc(20000);
    struct mvt_resp r;
    size_t o;

    o = (size_t)snprintf(path, 20000, "%s", IMDS_PATH "?api-version=2018-02-01&resource=https://");
    memset(path + o, 'a', 6000);
    path[o + 6000] = '\0';
    imds_req("GET", path, hdr, NULL, &r);
    ck_assert_msg(r.status == 400 || r.status == 414 || r.status == 431, "huge resource: %ld",
                  r.status);
    if (r.status == 400)
        ck_assert_msg(r.json != NULL, "huge resource: JSON body");
    mvt_resp_free(&r);

    o = (size_t)snprintf(path, 20000, "%s", IMDS_Q);
    for (int i = 0; i < 400 && o + 40 < 20000; i++)
        o += (size_t)snprintf(path + o, 20000 - o, "&x%d=%%00%%FF", i);
    imds_req("GET", path, hdr, NULL, &r);
    ck_assert_msg(r.status == 200 || r.status == 414 || r.status == 431, "many params: %ld",
                  r.status);
    mvt_resp_free(&r);

    imds_req("GET", IMDS_PATH "?api-version=%00%01%02&resource=%0d%0aX:%20y", hdr, NULL, &r);
    hc_assert_status(&r, 400, "control characters");
    ck_assert_msg(r.json != NULL, "control characters: JSON body");
    mvt_resp_free(&r);

    imds_req("GET", "/msi/token?api-version=%C3%28&resource=%ED%A0%80", hdr, NULL, &r);
    hc_assert_status(&r, 400, "invalid UTF-8");
    ck_assert_msg(r.json != NULL, "invalid UTF-8: JSON body");
    mvt_resp_free(&r);

    imds_req("GET", IMDS_Q "&mi_res_id=%2F%2F%2F%2F%2F", hdr, NULL, &r);
    hc_assert_status(&r, 400, "slashes");
    mvt_resp_free(&r);

    imds_req("GET", IMDS_Q, hdr, NULL, &r);
    hc_assert_status(&r, 200, "still serving");
    mvt_resp_free(&r);
    free(path);
}
END_TEST

/* ---- The token at work ---- */

/* The system identity (get, list on demo) and the user-assigned one (get, list, from the
 * fixture's access policy) read a secret and list the vault with their managed identity token. */
START_TEST(test_mi_token_reads_vault)
{
    static const char *const selectors[] = {"", "&client_id=" UA_ID, NULL};
    const char *hdr[] = {META, NULL};
    char path[512];
    struct mvt_resp r;

    for (size_t i = 0; selectors[i]; i++) {
        char *tok;

        snprintf(path, sizeof path, "%s%s", IMDS_Q, selectors[i]);
        imds_req("GET", path, hdr, NULL, &r);
        hc_assert_status(&r, 200, "MI token");
        tok = strdup(hc_jstr(r.json, "access_token"));
        mvt_resp_free(&r);

        hc_req(srv, "GET", "demo.localhost", "/secrets/graph-app-secret?api-version=7.4", NULL,
               NULL, NULL, &r);
        hc_assert_status(&r, 401, "challenge first");
        mvt_resp_free(&r);
        hc_req(srv, "GET", "localhost", "/secrets/graph-app-secret?api-version=7.4", tok, NULL,
               NULL, &r);
        hc_assert_status(&r, 200, "GET secret with an MI token");
        ck_assert_msg(hc_jstr(r.json, "value") != NULL, "value present");
        mvt_resp_free(&r);
        hc_req(srv, "GET", "localhost", "/secrets?api-version=7.4", tok, NULL, NULL, &r);
        hc_assert_status(&r, 200, "list with an MI token");
        mvt_resp_free(&r);
        hc_free_token(tok);
    }
}
END_TEST

static Suite *msi_suite(void)
{
    Suite *s = suite_create("http-msi");
    TCase *imds = tcase_create("imds");
    TCase *as = tcase_create("app-service");
    TCase *asopen = tcase_create("app-service-open");
    TCase *cs = tcase_create("cloud-shell");
    TCase *use = tcase_create("use");

    tcase_add_checked_fixture(imds, setup, teardown);
    tcase_add_loop_test(imds, test_imds_success_both_listeners, 0,
                        (int)(sizeof imds_paths / sizeof imds_paths[0]));
    tcase_add_test(imds, test_imds_metadata_header_required);
    tcase_add_loop_test(imds, test_imds_errors, 0,
                        (int)(sizeof imds_errors / sizeof imds_errors[0]));
    tcase_add_test(imds, test_imds_identity_not_found_exact);
    tcase_add_loop_test(imds, test_imds_user_assigned_selection, 0,
                        (int)(sizeof selections / sizeof selections[0]));
    tcase_add_test(imds, test_imds_no_system_identity);
    tcase_add_test(imds, test_imds_other_resources);
    tcase_add_test(imds, test_imds_listener_serves_msi_only);
    tcase_add_test(imds, test_imds_token_lifetime);
    tcase_add_test(imds, test_bad_input);
    suite_add_tcase(s, imds);

    tcase_add_checked_fixture(as, setup_header, teardown);
    tcase_add_test(as, test_app_service_success);
    tcase_add_loop_test(as, test_app_service_errors, 0,
                        (int)(sizeof app_service_errors / sizeof app_service_errors[0]));
    suite_add_tcase(s, as);

    tcase_add_checked_fixture(asopen, setup, teardown);
    tcase_add_test(asopen, test_app_service_any_header_without_option);
    suite_add_tcase(s, asopen);

    tcase_add_checked_fixture(cs, setup, teardown);
    tcase_add_test(cs, test_cloud_shell_success);
    tcase_add_loop_test(cs, test_cloud_shell_errors, 0,
                        (int)(sizeof cloud_shell_errors / sizeof cloud_shell_errors[0]));
    suite_add_tcase(s, cs);

    tcase_add_checked_fixture(use, setup, teardown);
    tcase_add_test(use, test_mi_token_reads_vault);
    suite_add_tcase(s, use);
    return s;
}

int main(void)
{
    return mvt_run(msi_suite(), false);
}
