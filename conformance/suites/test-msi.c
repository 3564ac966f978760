/* test-msi.c: managed identity endpoints of spec/identity.md §4 (IMDS and App Service styles),
 * served by the mock on its own listener. A real tenant's login host has no such endpoint (it
 * lives on the Azure machine), so these run against the mock only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-suite.h"

#define FAM "msi"
#define WHY "needs a managed identity endpoint (an Azure VM or App Service); runs against the mock"

#define VM_ID "44444444-4444-4444-4444-444444444444"
#define APP_ID "99999999-9999-9999-9999-999999999999"
#define APP_OID "99999999-0000-0000-0000-000000000009"
#define APP_RES                                                                                    \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/demo-rg/"                  \
    "providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-identity"

static void mi_get(const char *path_query, const char *const *headers, struct kvc_resp *r)
{
    char url[2048];

    snprintf(url, sizeof url, "%s%s", kvc.mock_base, path_query);
    ck_assert_msg(kvc_http("GET", url, kvc.ca, headers, NULL, 0, r) == 0, "GET %s", path_query);
}

static const char *const metadata[] = {"Metadata: true", NULL};

/* §4.1 IMDS: 200 with access_token, expires_in, expires_on, resource, token_type as strings; the
 * token works on the vault (vm-identity has get/list on demo). */
START_TEST(id_s4_1_imds_token_200)
{
    static const char *const keys[] = {"access_token", "expires_in", "expires_on",
                                       "resource",     "token_type", "client_id"};
    struct kvc_resp r, v;

    mi_get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
           "https%3A%2F%2Fvault.azure.net",
           metadata, &r);
    kvc_assert_status(&r, 200, "IMDS token");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(cJSON_IsString(kvc_jget(r.json, keys[i])), "IMDS %s must be a string",
                      keys[i]);
    ck_assert_str_eq(kvc_jstr(r.json, "resource"), KVC_VAULT_RESOURCE);
    ck_assert_str_eq(kvc_jstr(r.json, "token_type"), "Bearer");
    ck_assert_str_eq(kvc_jstr(r.json, "client_id"), VM_ID);
    kv_req(NULL, "GET", "/secrets?maxresults=1", kvc_jstr(r.json, "access_token"), NULL, NULL, &v);
    kvc_assert_status(&v, 200, "vault call with the managed identity token");
    kvc_resp_free(&v);
    kvc_resp_free(&r);
}
END_TEST

/* §4.1: user-assigned selectors client_id, object_id, mi_res_id and msi_res_id. */
START_TEST(id_s4_1_imds_user_assigned_selectors)
{
    char *res = kvc_urlencode(APP_RES), q[1024];
    const char *sel[4][2] = {
        {"client_id", APP_ID}, {"object_id", APP_OID}, {"mi_res_id", res}, {"msi_res_id", res}};

    for (int i = 0; i < 4; i++) {
        struct kvc_resp r;
        snprintf(q, sizeof q,
                 "/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
                 "https%%3A%%2F%%2Fvault.azure.net&%s=%s",
                 sel[i][0], sel[i][1]);
        mi_get(q, metadata, &r);
        kvc_assert_status(&r, 200, sel[i][0]);
        ck_assert_str_eq(kvc_jstr(r.json, "client_id"), APP_ID);
        kvc_resp_free(&r);
    }
    free(res);
}
END_TEST

/* §4.1 errors: unknown identity -> 400 {"error":"invalid_request","error_description":"Identity
 * not found"}; no Metadata header -> 400 invalid_request (body uncertain in the spec). */
START_TEST(id_s4_1_imds_errors_400)
{
    struct kvc_resp r;

    mi_get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
           "https%3A%2F%2Fvault.azure.net&client_id=99999999-9999-9999-9999-99999999abcd",
           metadata, &r);
    kvc_assert_status(&r, 400, "unknown identity");
    kvc_assert_body(&r,
                    "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}",
                    "unknown identity");
    kvc_resp_free(&r);
    mi_get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
           "https%3A%2F%2Fvault.azure.net",
           NULL, &r);
    kvc_assert_status(&r, 400, "no Metadata header");
    ck_assert_str_eq(kvc_jstr(r.json, "error"), "invalid_request");
    kvc_resp_free(&r);
}
END_TEST

/* §4.1 availability probes: a GET of the token path without query or Metadata header gets an
 * HTTP answer (any status), quickly. */
START_TEST(id_s4_1_imds_probe_answers)
{
    struct kvc_resp r;

    mi_get("/metadata/identity/oauth2/token", NULL, &r);
    ck_assert_msg(r.status >= 200 && r.status < 600, "probe got no HTTP answer");
    kvc_resp_free(&r);
}
END_TEST

/* §4.2 App Service: X-IDENTITY-HEADER, api-version 2019-08-01 -> access_token, expires_on
 * (string), resource, token_type, client_id; selectors as on IMDS; no header -> 400. */
START_TEST(id_s4_2_app_service_token_200)
{
    static const char *const hdr[] = {"X-IDENTITY-HEADER: kvconform", NULL};
    struct kvc_resp r;

    mi_get("/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net", hdr, &r);
    kvc_assert_status(&r, 200, "App Service token");
    kvc_assert_keys(r.json, "access_token,expires_on,resource,token_type,client_id",
                    "App Service answer");
    ck_assert_msg(cJSON_IsString(kvc_jget(r.json, "expires_on")), "expires_on must be a string");
    ck_assert_str_eq(kvc_jstr(r.json, "resource"), KVC_VAULT_RESOURCE);
    kvc_resp_free(&r);
    mi_get("/msi/"
           "token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net&client_id=" APP_ID,
           hdr, &r);
    kvc_assert_status(&r, 200, "App Service user-assigned");
    ck_assert_str_eq(kvc_jstr(r.json, "client_id"), APP_ID);
    kvc_resp_free(&r);
    mi_get("/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net", NULL, &r);
    kvc_assert_status(&r, 400, "App Service without X-IDENTITY-HEADER");
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_msi(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, id_s4_1_imds_token_200, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, id_s4_1_imds_user_assigned_selectors, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, id_s4_1_imds_errors_400, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, id_s4_1_imds_probe_answers, KVC_NEEDS_FIXTURE, WHY);
    kvc_add_test(reg, FAM, id_s4_2_app_service_token_200, KVC_NEEDS_FIXTURE, WHY);
}
