/* test-headers.c: the response headers of spec/keyvault-secrets.md §4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-text.h"
#include "kvc-suite.h"

#define FAM "headers"

/* §4: the common headers on a success and on an error. */
START_TEST(kv_s4_common_headers)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "hdr");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GET");
    kvc_assert_common_headers(&r, "200");
    kvc_resp_free(&r);
    kvc_cleanup(name);
    kv("GET", path, NULL, &r);
    kvc_assert_common_headers(&r, "error");
    kvc_resp_free(&r);
}
END_TEST

/* §4: x-ms-request-id is new per request; x-ms-client-request-id is echoed when sent. */
START_TEST(kv_s4_request_ids)
{
    static const char *const crid[] = {
        "x-ms-client-request-id: 0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a", NULL};
    struct kvc_resp a, b;
    char ia[64], ib[64];

    kv_req(NULL, "GET", "/secrets?maxresults=1", kvc.token, crid, NULL, &a);
    kv("GET", "/secrets?maxresults=1", NULL, &b);
    ck_assert_msg(kvc_header(&a, "x-ms-request-id", ia, sizeof ia) &&
                      kvc_header(&b, "x-ms-request-id", ib, sizeof ib) && strcmp(ia, ib) != 0,
                  "x-ms-request-id repeated");
    kvc_assert_header(&a, "x-ms-client-request-id", "0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a",
                      "client request id echo");
    kvc_resp_free(&a);
    kvc_resp_free(&b);
}
END_TEST

/* §4: headers that disappeared around 2021 are not sent. */
START_TEST(kv_s4_no_legacy_iis_headers)
{
    struct kvc_resp r;
    char b[256];

    kv("GET", "/secrets?maxresults=1", NULL, &r);
    kvc_assert_header(&r, "X-AspNet-Version", NULL, "legacy");
    kvc_assert_header(&r, "X-Powered-By", NULL, "legacy");
    ck_assert_msg(!kvc_header(&r, "Server", b, sizeof b) || strstr(b, "IIS") == NULL, "Server: %s",
                  b);
    kvc_resp_free(&r);
}
END_TEST

/* §4: x-ms-keyvault-rbac-assignment-id on RBAC vaults, successful calls only (mock rbac-demo). */
START_TEST(kv_s4_rbac_assignment_id_success_only)
{
    struct kvc_resp r;
    char base[128], b[128];

    kvc_mock_vault("rbac-demo", base, sizeof base);
    kv_req(base, "GET", "/secrets/app-config/", kvc.flow_token, NULL, NULL, &r);
    kvc_assert_status(&r, 200, "flow app on its secret-scoped assignment");
    ck_assert_msg(kvc_header(&r, "x-ms-keyvault-rbac-assignment-id", b, sizeof b) &&
                      cx_is_hex(b, 32, CX_HEX_LOWER),
                  "x-ms-keyvault-rbac-assignment-id missing on a successful RBAC call");
    kvc_resp_free(&r);
    kv_req(base, "GET", "/secrets", kvc.flow_token, NULL, NULL, &r);
    kvc_assert_status(&r, 403, "flow app list on rbac-demo");
    kvc_assert_header(&r, "x-ms-keyvault-rbac-assignment-id", NULL, "403");
    kvc_resp_free(&r);
    /* Access-policy vaults never send it. */
    kv("GET", "/secrets?maxresults=1", NULL, &r);
    kvc_assert_header(&r, "x-ms-keyvault-rbac-assignment-id", NULL, "access-policy vault");
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_headers(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s4_common_headers, 0, NULL);
    kvc_add_test(reg, FAM, kv_s4_request_ids, 0, NULL);
    kvc_add_test(reg, FAM, kv_s4_no_legacy_iis_headers, 0, NULL);
    kvc_add_test(reg, FAM, kv_s4_rbac_assignment_id_success_only, KVC_NEEDS_FIXTURE,
                 "needs an RBAC vault with a secret-scoped assignment (the mock's rbac-demo)");
}
