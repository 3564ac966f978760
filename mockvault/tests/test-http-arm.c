/* test-http-arm.c: the little of Azure Resource Manager that az login needs, over real HTTPS
 * against the embedded server (issue 3 part 5; real-clients C.3): GET /metadata/endpoints (no
 * token), GET /subscriptions and GET /tenants with an ARM token, ARM's 401 and 400 envelopes.
 *
 * Tokens and client secrets are never printed: failures report statuses and error codes only. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcheck.h"
#include "testlib.h"

/* az's scope: the resource id ends in '/', so the scope has a double slash (real-clients C.3). */
#define AZ_SCOPE "https://management.core.windows.net//.default"
#define SUBS "/subscriptions?api-version=2019-11-01"
#define TENANTS "/tenants?api-version=2020-01-01"

static struct mv_server *srv;
static char *arm_token;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    arm_token = mvt_token(srv, T_ADMIN_ID, T_ADMIN_SECRET, AZ_SCOPE);
    ck_assert_msg(arm_token != NULL, "an ARM token with az's double-slash scope");
}

static void teardown(void)
{
    hc_free_token(arm_token);
    arm_token = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* ARM's envelope {"error":{"code","message"}} and, on 401, ARM's challenge. */
static void check_arm_error(const struct mvt_resp *r, long status, const char *code,
                            const char *message, const char *what)
{
    static const char challenge[] = "Bearer authorization_uri=\"https://login.windows.net/\", "
                                    "error=\"invalid_token\", error_description=\"";
    char h[1024];

    hc_assert_status(r, status, what);
    ck_assert_msg(r->json != NULL, "%s: JSON body", what);
    hc_assert_keys(r->json, "error", what);
    hc_assert_keys(hc_jget(r->json, "error"), "code,message", what);
    ck_assert_str_eq(hc_jstr(r->json, "error.code"), code);
    if (message)
        ck_assert_str_eq(hc_jstr(r->json, "error.message"), message);
    hc_assert_header(r, "Content-Type", "application/json; charset=utf-8", what);
    if (status == 401)
        ck_assert_msg(mvt_header(r, "WWW-Authenticate", h, sizeof h) &&
                          strncmp(h, challenge, sizeof challenge - 1) == 0,
                      "%s: ARM's challenge", what);
}

static void check_arm_headers(const struct mvt_resp *r, const char *what)
{
    char rid[64], corr[64], routing[160];

    ck_assert_msg(mvt_header(r, "x-ms-request-id", rid, sizeof rid) && hc_is_guid(rid),
                  "%s: x-ms-request-id", what);
    ck_assert_msg(mvt_header(r, "x-ms-correlation-request-id", corr, sizeof corr) &&
                      hc_is_guid(corr),
                  "%s: x-ms-correlation-request-id", what);
    ck_assert_msg(mvt_header(r, "x-ms-routing-request-id", routing, sizeof routing) &&
                      strncmp(routing, "WESTEUROPE:", 11) == 0,
                  "%s: x-ms-routing-request-id", what);
    hc_assert_header(r, "Cache-Control", "no-cache", what);
}

/* ---- metadata/endpoints ---- */

/* az cloud register: api-version 2015-01-01, no token; az reads loginEndpoint, audiences[0],
 * graphEndpoint and galleryEndpoint. */
START_TEST(test_metadata_2015)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/metadata/endpoints?api-version=2015-01-01", NULL, NULL, NULL,
           &r);
    hc_assert_status(&r, 200, "metadata 2015-01-01");
    check_arm_headers(&r, "metadata");
    hc_assert_body(&r,
                   "{\"galleryEndpoint\":\"https://gallery.azure.com/\",\"graphEndpoint\":\"https:"
                   "//graph.windows.net/\",\"portalEndpoint\":\"https://portal.azure.com/\","
                   "\"authentication\":{\"loginEndpoint\":\"https://login.microsoftonline.com/\","
                   "\"audiences\":[\"https://management.core.windows.net/\",\"https://"
                   "management.azure.com/\"],\"tenant\":\"common\",\"identityProvider\":\"AAD\"}}",
                   true, "metadata 2015-01-01");
    mvt_resp_free(&r);
    /* The same through the proxy's name. */
    hc_req(srv, "GET", "management.azure.com", "/metadata/endpoints?api-version=2015-01-01", NULL,
           NULL, NULL, &r);
    hc_assert_status(&r, 200, "metadata via management.azure.com");
    ck_assert_str_eq(hc_jstr(r.json, "authentication.loginEndpoint"),
                     "https://login.microsoftonline.com/");
    mvt_resp_free(&r);
}
END_TEST

/* The newer form (ARM_CLOUD_METADATA_URL): an array of clouds with AzureCloud. */
START_TEST(test_metadata_2022)
{
    struct mvt_resp r;
    const cJSON *c;

    hc_req(srv, "GET", "localhost", "/metadata/endpoints?api-version=2022-09-01", NULL, NULL, NULL,
           &r);
    hc_assert_status(&r, 200, "metadata 2022-09-01");
    ck_assert_msg(cJSON_IsArray(r.json) && cJSON_GetArraySize(r.json) == 1, "an array of clouds");
    c = cJSON_GetArrayItem(r.json, 0);
    ck_assert_str_eq(hc_jstr(c, "name"), "AzureCloud");
    ck_assert_str_eq(hc_jstr(c, "resourceManager"), "https://management.azure.com/");
    ck_assert_str_eq(hc_jstr(c, "authentication.loginEndpoint"),
                     "https://login.microsoftonline.com");
    ck_assert_str_eq(hc_jstr(c, "authentication.audiences.0"),
                     "https://management.core.windows.net/");
    ck_assert_str_eq(hc_jstr(c, "authentication.tenant"), "common");
    ck_assert_str_eq(hc_jstr(c, "authentication.identityProvider"), "AAD");
    ck_assert_str_eq(hc_jstr(c, "suffixes.keyVaultDns"), "vault.azure.net");
    ck_assert_str_eq(hc_jstr(c, "suffixes.storage"), "core.windows.net");
    ck_assert_str_eq(hc_jstr(c, "microsoftGraphResourceId"), "https://graph.microsoft.com/");
    ck_assert_str_eq(hc_jstr(c, "graph"), "https://graph.windows.net/");
    ck_assert_str_eq(hc_jstr(c, "media"), "https://rest.media.azure.net");
    ck_assert_str_eq(hc_jstr(c, "batch"), "https://batch.core.windows.net/");
    ck_assert_str_eq(hc_jstr(c, "sqlManagement"), "https://management.core.windows.net:8443/");
    mvt_resp_free(&r);
}
END_TEST

/* ---- subscriptions, tenants ---- */

START_TEST(test_subscriptions)
{
    static const char *const scopes[] = {AZ_SCOPE, "https://management.azure.com/.default",
                                         "https://management.core.windows.net/.default", NULL};
    struct mvt_resp r;

    for (size_t i = 0; scopes[i]; i++) {
        char *tok = mvt_token(srv, T_ADMIN_ID, T_ADMIN_SECRET, scopes[i]);

        ck_assert_msg(tok != NULL, "ARM token for %s", scopes[i]);
        hc_req(srv, "GET", "localhost", SUBS, tok, NULL, NULL, &r);
        hc_assert_status(&r, 200, scopes[i]);
        check_arm_headers(&r, "subscriptions");
        /* The fixture's subscription, in ARM's shape. */
        ck_assert_ptr_nonnull(r.json);
        {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(r.json, "value");
            const cJSON *s0 = cJSON_GetArrayItem(v, 0);
            const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(r.json, "count");
            ck_assert_int_eq(cJSON_GetArraySize(v), 1);
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s0, "subscriptionId")->valuestring,
                             "12345678-aaaa-bbbb-cccc-1234567890ab");
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s0, "id")->valuestring,
                             "/subscriptions/12345678-aaaa-bbbb-cccc-1234567890ab");
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s0, "tenantId")->valuestring,
                             T_TENANT);
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s0, "displayName")->valuestring,
                             "Demo subscription");
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s0, "state")->valuestring, "Enabled");
            ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(cnt, "value")->valueint, 1);
        }
        mvt_resp_free(&r);
        hc_free_token(tok);
    }
    /* In proxy mode, at ARM's own name. */
    hc_req(srv, "GET", "management.azure.com", SUBS, arm_token, NULL, NULL, &r);
    hc_assert_status(&r, 200, "subscriptions via management.azure.com");
    mvt_resp_free(&r);
}
END_TEST

/* The az token's audience is the resource with its trailing slash. */
START_TEST(test_az_scope_audience)
{
    cJSON *c = hc_jwt_part(arm_token, 1);

    ck_assert_msg(c != NULL, "token payload");
    ck_assert_str_eq(hc_jstr(c, "aud"), "https://management.core.windows.net/");
    cJSON_Delete(c);
}
END_TEST

START_TEST(test_tenants)
{
    struct mvt_resp r;
    const cJSON *t;

    hc_req(srv, "GET", "localhost", TENANTS, arm_token, NULL, NULL, &r);
    hc_assert_status(&r, 200, "tenants");
    hc_assert_keys(r.json, "value", "tenants");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 1);
    t = hc_jget(r.json, "value.0");
    hc_assert_keys(
        t, "id,tenantId,countryCode,displayName,domains,tenantCategory,defaultDomain,tenantType",
        "tenant");
    ck_assert_str_eq(hc_jstr(t, "id"), "/tenants/" T_TENANT);
    ck_assert_str_eq(hc_jstr(t, "tenantId"), T_TENANT);
    ck_assert_str_eq(hc_jstr(t, "displayName"), "Contoso");
    ck_assert_str_eq(hc_jstr(t, "domains.0"), "contoso.onmicrosoft.com");
    ck_assert_str_eq(hc_jstr(t, "defaultDomain"), "contoso.onmicrosoft.com");
    ck_assert_str_eq(hc_jstr(t, "tenantCategory"), "Home");
    ck_assert_str_eq(hc_jstr(t, "tenantType"), "AAD");
    mvt_resp_free(&r);
}
END_TEST

/* A managed identity token for ARM works as well (IMDS resource=https://management.azure.com/). */
START_TEST(test_managed_identity_token)
{
    const char *meta[] = {"Metadata: true", NULL};
    struct mvt_resp r;
    char *tok;

    hc_req(srv, "GET", "localhost",
           "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2F"
           "management.azure.com%2F",
           NULL, meta, NULL, &r);
    hc_assert_status(&r, 200, "MI token for ARM");
    tok = strdup(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", TENANTS, tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "tenants with an MI token");
    mvt_resp_free(&r);
    hc_free_token(tok);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_auth_errors)
{
    static const char *const paths[] = {SUBS, TENANTS, NULL};
    char *kv = mvt_admin_token(srv);
    char *graph = mvt_token(srv, "77777777-7777-7777-7777-777777777777",
                            "graph-app-client-secret-v2", "https://graph.microsoft.com/.default");
    struct mvt_resp r;

    ck_assert_msg(kv && graph, "Key Vault and Graph tokens");
    for (size_t i = 0; paths[i]; i++) {
        hc_req(srv, "GET", "localhost", paths[i], NULL, NULL, NULL, &r);
        check_arm_error(&r, 401, "AuthenticationFailed",
                        "Authentication failed. The 'Authorization' header is missing.", paths[i]);
        mvt_resp_free(&r);
        hc_req(srv, "GET", "localhost", paths[i], "not-a-jwt", NULL, NULL, &r);
        check_arm_error(&r, 401, "AuthenticationFailed",
                        "Authentication failed. The 'Authorization' header is provided in an "
                        "invalid format.",
                        paths[i]);
        mvt_resp_free(&r);
        hc_req(srv, "GET", "localhost", paths[i], kv, NULL, NULL, &r);
        check_arm_error(
            &r, 401, "InvalidAuthenticationTokenAudience",
            "The access token has been obtained for wrong audience or resource "
            "'https://vault.azure.net'. It should exactly match with one of the allowed "
            "audiences 'https://management.core.windows.net/','https://"
            "management.core.windows.net','https://management.azure.com/','https://"
            "management.azure.com'.",
            paths[i]);
        mvt_resp_free(&r);
        hc_req(srv, "GET", "localhost", paths[i], graph, NULL, NULL, &r);
        check_arm_error(&r, 401, "InvalidAuthenticationTokenAudience", NULL, paths[i]);
        mvt_resp_free(&r);
    }
    /* Two hours on, the token has expired. */
    hc_clock(srv, "{\"advance\":7200}");
    hc_req(srv, "GET", "localhost", SUBS, arm_token, NULL, NULL, &r);
    check_arm_error(&r, 401, "ExpiredAuthenticationToken", NULL, "expired");
    ck_assert_msg(
        strncmp(hc_jstr(r.json, "error.message"), "The access token expiry UTC time '", 34) == 0 &&
            strstr(hc_jstr(r.json, "error.message"), "' is earlier than current UTC time '"),
        "expired: message");
    mvt_resp_free(&r);
    hc_free_token(kv);
    hc_free_token(graph);
}
END_TEST

static const struct {
    const char *path, *code;
    bool auth;
} api_errors[] = {
    {"/subscriptions", "MissingApiVersionParameter", true},
    {"/subscriptions?api-version=", "MissingApiVersionParameter", true},
    {"/tenants?api-version=latest", "InvalidApiVersionParameter", true},
    {"/tenants?api-version=2020-01-01-%FF", "InvalidApiVersionParameter", true},
    {"/subscriptions?api-version=2020-1-1", "InvalidApiVersionParameter", true},
    {"/metadata/endpoints", "MissingApiVersionParameter", false},
    {"/metadata/endpoints?api-version=%00", "MissingApiVersionParameter", false},
    {"/metadata/endpoints?api-version=%C3%28%0d%0a", "InvalidApiVersionParameter", false},
};

START_TEST(test_api_version_errors)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", api_errors[_i].path, api_errors[_i].auth ? arm_token : NULL,
           NULL, NULL, &r);
    check_arm_error(&r, 400, api_errors[_i].code, NULL, api_errors[_i].path);
    if (strcmp(api_errors[_i].code, "MissingApiVersionParameter") == 0)
        ck_assert_str_eq(hc_jstr(r.json, "error.message"),
                         "The api-version query parameter (?api-version=) is required for all "
                         "requests.");
    mvt_resp_free(&r);
}
END_TEST

/* Preview versions are well formed; huge values and odd methods get an answer, never a crash. */
START_TEST(test_odd_inputs)
{
    char *path = hc_xmalloc(9000);
    struct mvt_resp r;
    size_t o;

    hc_req(srv, "GET", "localhost", "/subscriptions?api-version=2021-04-01-preview", arm_token,
           NULL, NULL, &r);
    hc_assert_status(&r, 200, "preview api-version");
    mvt_resp_free(&r);
    o = (size_t)snprintf(path, 9000, "/tenants?api-version=");
    memset(path + o, '9', 7000);
    path[o + 7000] = '\0';
    hc_req(srv, "GET", "localhost", path, arm_token, NULL, NULL, &r);
    ck_assert_msg(r.status == 400 || r.status == 414 || r.status == 431, "huge api-version: %ld",
                  r.status);
    mvt_resp_free(&r);
    hc_req(srv, "DELETE", "localhost", SUBS, arm_token, NULL, NULL, &r);
    hc_assert_status(&r, 405, "DELETE /subscriptions");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", TENANTS, arm_token, NULL, NULL, &r);
    hc_assert_status(&r, 200, "still serving");
    mvt_resp_free(&r);
    free(path);
}
END_TEST

static Suite *arm_suite(void)
{
    Suite *s = suite_create("http-arm");
    TCase *meta = tcase_create("metadata");
    TCase *read = tcase_create("read");
    TCase *err = tcase_create("errors");

    tcase_add_checked_fixture(meta, setup, teardown);
    tcase_add_test(meta, test_metadata_2015);
    tcase_add_test(meta, test_metadata_2022);
    suite_add_tcase(s, meta);

    tcase_add_checked_fixture(read, setup, teardown);
    tcase_add_test(read, test_subscriptions);
    tcase_add_test(read, test_az_scope_audience);
    tcase_add_test(read, test_tenants);
    tcase_add_test(read, test_managed_identity_token);
    suite_add_tcase(s, read);

    tcase_add_checked_fixture(err, setup, teardown);
    tcase_add_test(err, test_auth_errors);
    tcase_add_loop_test(err, test_api_version_errors, 0,
                        (int)(sizeof api_errors / sizeof api_errors[0]));
    tcase_add_test(err, test_odd_inputs);
    suite_add_tcase(s, err);
    return s;
}

int main(void)
{
    return mvt_run(arm_suite(), false);
}
