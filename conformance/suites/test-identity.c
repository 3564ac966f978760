/* test-identity.c: spec/identity.md §1 (token endpoints v2 and v1, errors), §2 (claims,
 * discovery documents, JWKS, instance discovery) against the configured authority. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cx-mem.h"
#include "kvc-suite.h"

#define FAM "identity"

/* A random GUID for identifiers that must not exist. */
static void random_guid(char *b, size_t n)
{
    unsigned x[4];

    for (int i = 0; i < 4; i++)
        x[i] = ((unsigned)rand() << 16) ^ (unsigned)rand();
    snprintf(b, n, "%08x-%04x-4%03x-8%03x-%04x%08x", x[0], x[1] & 0xffff, x[1] >> 20, x[2] & 0xfff,
             x[2] >> 16, x[3]);
}

/* POSTs form (already encoded) to {authority}/{tenant}/{suffix}. extra: more headers. */
static void post_token(const char *tenant, const char *suffix, const char *form,
                       const char *const *extra, struct kvc_resp *r)
{
    const char *hl[6] = {"Content-Type: application/x-www-form-urlencoded"};
    char url[1024];
    size_t n = 1;

    for (size_t i = 0; extra && extra[i] && n < 5; i++)
        hl[n++] = extra[i];
    hl[n] = NULL;
    snprintf(url, sizeof url, "%s/%s/%s", kvc.authority, tenant ? tenant : kvc.tenant, suffix);
    ck_assert_msg(kvc_http("POST", url, kvc.ca, hl, form, strlen(form), r) == 0,
                  "POST %s: no answer", suffix);
}

/* Form with the configured app and secret, plus extra fields (starting with '&'). */
static char *cred_form(const char *grant, const char *id, const char *scope_or_resource,
                       const char *extra)
{
    bool v1 = strncmp(scope_or_resource, "R:", 2) == 0;
    char *sec = kvc_urlencode(kvc.client_secret),
         *sc = kvc_urlencode(scope_or_resource + (v1 ? 2 : 0));
    size_t n = strlen(sec) + strlen(sc) + (extra ? strlen(extra) : 0) + 256;
    char *f = malloc(n);

    snprintf(f, n, "grant_type=%s&client_id=%s&client_secret=%s&%s=%s%s", grant,
             id ? id : kvc.client_id, sec, v1 ? "resource" : "scope", sc, extra ? extra : "");
    cx_free_wiped(sec);
    free(sc);
    return f;
}

/* Checks the AADSTS envelope (§1.4) and returns nothing; code/status/error as given, description
 * starting "AADSTS<code>: <prefix>". */
static void assert_aad_error(const struct kvc_resp *r, long status, const char *error, int code,
                             const char *prefix, const char *what)
{
    char want[600], uri[128];
    const char *d = kvc_jstr(r->json, "error_description"), *tr, *ts;
    const cJSON *codes = kvc_jget(r->json, "error_codes");

    kvc_assert_status(r, status, what);
    ck_assert_msg(strcmp(kvc_jstr(r->json, "error"), error) == 0, "%s: error '%s', want '%s'", what,
                  kvc_jstr(r->json, "error"), error);
    snprintf(want, sizeof want, "AADSTS%d: %s", code, prefix);
    ck_assert_msg(strncmp(d, want, strlen(want)) == 0,
                  "%s: description\n  got  %.300s\n  want %s...", what, d, want);
    ck_assert_msg(cJSON_IsArray(codes) && cJSON_GetArraySize(codes) == 1 &&
                      cJSON_GetArrayItem(codes, 0)->valueint == code,
                  "%s: error_codes", what);
    tr = kvc_jstr(r->json, "trace_id");
    ts = kvc_jstr(r->json, "timestamp");
    ck_assert_msg(kvc_is_guid(tr) && kvc_is_guid(kvc_jstr(r->json, "correlation_id")),
                  "%s: trace_id/correlation_id", what);
    /* "2022-10-12 02:17:40Z": a space, not a T. */
    ck_assert_msg(strlen(ts) == 20 && ts[10] == ' ' && ts[19] == 'Z', "%s: timestamp '%s'", what,
                  ts);
    snprintf(want, sizeof want, "\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", tr,
             kvc_jstr(r->json, "correlation_id"), ts);
    ck_assert_msg(strlen(d) > strlen(want) && strcmp(d + strlen(d) - strlen(want), want) == 0,
                  "%s: description does not end with the trace/correlation/timestamp lines", what);
    snprintf(uri, sizeof uri, "https://login.microsoftonline.com/error?code=%d", code);
    ck_assert_msg(strcmp(kvc_jstr(r->json, "error_uri"), uri) == 0, "%s: error_uri '%s'", what,
                  kvc_jstr(r->json, "error_uri"));
}

/* §1.2: v2 success: numbers, no expires_on/not_before/resource, never cacheable. */
START_TEST(id_s1_2_v2_token_200)
{
    struct kvc_resp r;
    char *f = cred_form("client_credentials", NULL, KVC_VAULT_RESOURCE "/.default", NULL);
    const cJSON *ei;

    post_token(NULL, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    kvc_assert_status(&r, 200, "v2 token");
    ck_assert_str_eq(kvc_jstr(r.json, "token_type"), "Bearer");
    ei = kvc_jget(r.json, "expires_in");
    ck_assert_msg(cJSON_IsNumber(ei) && ei->valueint >= 3599,
                  "expires_in must be a number >= 3599");
    ck_assert_msg(cJSON_IsNumber(kvc_jget(r.json, "ext_expires_in")), "ext_expires_in number");
    ck_assert_msg(cJSON_IsString(kvc_jget(r.json, "access_token")), "access_token");
    ck_assert_msg(!kvc_jget(r.json, "expires_on") && !kvc_jget(r.json, "not_before") &&
                      !kvc_jget(r.json, "resource"),
                  "v2 has no expires_on, not_before or resource");
    kvc_assert_header(&r, "Cache-Control", "no-store, no-cache", "v2 token");
    kvc_assert_header(&r, "Pragma", "no-cache", "v2 token");
    kvc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "v2 token");
    kvc_resp_free(&r);
}
END_TEST

/* §1.1: unknown form fields, a query string, and the OIDC scopes older MSALs add are tolerated. */
START_TEST(id_s1_1_tolerates_extra_fields_and_scopes)
{
    struct kvc_resp r;
    char *f = cred_form("client_credentials", NULL,
                        KVC_VAULT_RESOURCE "/.default openid profile offline_access",
                        "&x-client-SKU=kvconform&x-client-VER=1.0&x-client-OS=linux"
                        "&x-ms-lib-capability=retry-after%2C+h429&client-request-id="
                        "0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a&claims=%7B%22access_token%22%3A%7B"
                        "%22xms_cc%22%3A%7B%22values%22%3A%5B%22cp1%22%5D%7D%7D%7D");
    static const char *const hdr[] = {"x-client-sku: MSAL.Python", NULL};

    post_token(NULL, "oauth2/v2.0/token?client-request-id=0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a", f,
               hdr, &r);
    cx_free_wiped(f);
    kvc_assert_status(&r, 200, "token with extra fields");
    kvc_resp_free(&r);
}
END_TEST

/* §1.3: v1 endpoint with resource=: strings, resource echoed, not_before = expires_on - 3900,
 * expires_on = now + expires_in; the token works on the vault. */
START_TEST(id_s1_3_v1_token_strings)
{
    struct kvc_resp r, v;
    char *f = cred_form("client_credentials", NULL, "R:" KVC_VAULT_RESOURCE, NULL);
    static const char *const keys[] = {"expires_in", "ext_expires_in", "expires_on", "not_before",
                                       "resource",   "access_token",   "token_type"};
    long eo, nb, ei;

    post_token(NULL, "oauth2/token", f, NULL, &r);
    cx_free_wiped(f);
    kvc_assert_status(&r, 200, "v1 token");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(cJSON_IsString(kvc_jget(r.json, keys[i])), "v1 %s must be a string", keys[i]);
    ck_assert_str_eq(kvc_jstr(r.json, "resource"), KVC_VAULT_RESOURCE);
    eo = atol(kvc_jstr(r.json, "expires_on"));
    nb = atol(kvc_jstr(r.json, "not_before"));
    ei = atol(kvc_jstr(r.json, "expires_in"));
    ck_assert_msg(eo - nb == ei + 300 + 1 || eo - nb == ei + 300 || eo - nb == 3900,
                  "not_before = expires_on - (expires_in + 300): %ld - %ld", eo, nb);
    kv_req(NULL, "GET", "/secrets?maxresults=1", kvc_jstr(r.json, "access_token"), NULL, NULL, &v);
    kvc_assert_status(&v, 200, "vault call with the v1 token");
    kvc_resp_free(&v);
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 "wrong secret": 401 invalid_client AADSTS7000215, full envelope. */
START_TEST(id_s1_4_wrong_secret_401_invalid_client)
{
    struct kvc_resp r;
    char form[512], want[400];

    snprintf(form, sizeof form,
             "grant_type=client_credentials&client_id=%s&client_secret=kvconform-wrong&scope="
             "https%%3A%%2F%%2Fvault.azure.net%%2F.default",
             kvc.client_id);
    post_token(NULL, "oauth2/v2.0/token", form, NULL, &r);
    snprintf(want, sizeof want,
             "Invalid client secret provided. Ensure the secret being sent in the request is the "
             "client secret value, not the client secret ID, for a secret added to app '%s'.",
             kvc.client_id);
    assert_aad_error(&r, 401, "invalid_client", 7000215, want, "wrong secret");
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 "no secret/assertion": 401 invalid_client AADSTS7000218 (status uncertain in the spec). */
START_TEST(id_s1_4_no_secret_401_invalid_client)
{
    struct kvc_resp r;
    char form[512];

    snprintf(form, sizeof form,
             "grant_type=client_credentials&client_id=%s&scope=https%%3A%%2F%%2Fvault.azure.net%%2F"
             ".default",
             kvc.client_id);
    post_token(NULL, "oauth2/v2.0/token", form, NULL, &r);
    assert_aad_error(&r, 401, "invalid_client", 7000218,
                     "The request body must contain the following parameter: 'client_assertion' "
                     "or 'client_secret'.",
                     "no secret");
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 "unknown client_id": 400 unauthorized_client AADSTS700016. */
START_TEST(id_s1_4_unknown_client_400_unauthorized_client)
{
    struct kvc_resp r;
    char id[40], *f, want[200];

    random_guid(id, sizeof id);
    f = cred_form("client_credentials", id, KVC_VAULT_RESOURCE "/.default", NULL);
    post_token(NULL, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    snprintf(want, sizeof want, "Application with identifier '%s' was not found in the directory '",
             id);
    assert_aad_error(&r, 400, "unauthorized_client", 700016, want, "unknown client");
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 "unknown tenant": 400 invalid_request AADSTS90002 at the token endpoint, 400
 * invalid_tenant at the OIDC document. */
START_TEST(id_s1_4_unknown_tenant_400)
{
    struct kvc_resp r;
    char t[40], *f, want[200], url[512];

    random_guid(t, sizeof t);
    f = cred_form("client_credentials", NULL, KVC_VAULT_RESOURCE "/.default", NULL);
    post_token(t, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    snprintf(want, sizeof want,
             "Tenant '%s' not found. Check to make sure you have the correct "
             "tenant ID and are signing into the correct cloud.",
             t);
    assert_aad_error(&r, 400, "invalid_request", 90002, want, "unknown tenant, token");
    kvc_resp_free(&r);
    snprintf(url, sizeof url, "%s/%s/v2.0/.well-known/openid-configuration", kvc.authority, t);
    ck_assert_int_eq(kvc_http("GET", url, kvc.ca, NULL, NULL, 0, &r), 0);
    assert_aad_error(&r, 400, "invalid_tenant", 90002, want, "unknown tenant, OIDC");
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 scope rows: not /.default -> AADSTS1002012; unknown resource -> invalid_resource
 * AADSTS500011; two resources -> AADSTS70011. */
START_TEST(id_s1_4_scope_errors_400)
{
    struct kvc_resp r;
    char *f;

    f = cred_form("client_credentials", NULL, KVC_VAULT_RESOURCE, NULL);
    post_token(NULL, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    assert_aad_error(&r, 400, "invalid_scope", 1002012,
                     "The provided value for scope https://vault.azure.net is not valid. Client "
                     "credential flows must have a scope value with /.default suffixed to the "
                     "resource identifier (application ID URI).",
                     "scope without /.default");
    kvc_resp_free(&r);
    f = cred_form("client_credentials", NULL, "https://kvconform-unknown.example.com/.default",
                  NULL);
    post_token(NULL, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    assert_aad_error(&r, 400, "invalid_resource", 500011,
                     "The resource principal named https://kvconform-unknown.example.com was not "
                     "found in the tenant named ",
                     "unknown resource");
    kvc_resp_free(&r);
    f = cred_form("client_credentials", NULL,
                  KVC_VAULT_RESOURCE "/.default https://management.azure.com/.default", NULL);
    post_token(NULL, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    assert_aad_error(&r, 400, "invalid_scope", 70011,
                     "The provided value for the input parameter 'scope' is not valid.",
                     "two resources");
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 "bad grant_type": 400 unsupported_grant_type AADSTS70003. */
START_TEST(id_s1_4_bad_grant_type_400)
{
    struct kvc_resp r;
    char *f = cred_form("kvconform_bogus", NULL, KVC_VAULT_RESOURCE "/.default", NULL);

    post_token(NULL, "oauth2/v2.0/token", f, NULL, &r);
    cx_free_wiped(f);
    assert_aad_error(&r, 400, "unsupported_grant_type", 70003,
                     "The app requested an unsupported grant type", "bogus grant_type");
    kvc_resp_free(&r);
}
END_TEST

/* §1.4 "missing param": 400 invalid_request AADSTS900144 naming grant_type, client_id, scope. */
START_TEST(id_s1_4_missing_param_400)
{
    static const struct {
        const char *form, *param;
    } rows[] = {
        {"client_id=x&client_secret=y&scope=https%3A%2F%2Fvault.azure.net%2F.default",
         "grant_type"},
        {"grant_type=client_credentials&client_secret=y&scope=https%3A%2F%2Fvault.azure.net%2F."
         "default",
         "client_id"},
        {"grant_type=client_credentials&client_id=ID&client_secret=y", "scope"},
    };
    struct kvc_resp r;

    for (size_t i = 0; i < 3; i++) {
        char form[512], want[200], *p;
        snprintf(form, sizeof form, "%s", rows[i].form);
        p = strstr(form, "client_id=ID");
        if (p)
            snprintf(form, sizeof form,
                     "grant_type=client_credentials&client_id=%s&client_secret=y", kvc.client_id);
        post_token(NULL, "oauth2/v2.0/token", form, NULL, &r);
        snprintf(want, sizeof want, "The request body must contain the following parameter: '%s'.",
                 rows[i].param);
        assert_aad_error(&r, 400, "invalid_request", 900144, want, rows[i].param);
        kvc_resp_free(&r);
    }
}
END_TEST

/* §1.4: correlation_id echoes the client's client-request-id (uncertain in the spec). */
START_TEST(id_s1_4_correlation_id_echo)
{
    static const char id[] = "0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a";
    static const char *const hdr[] = {"client-request-id: 0f3c1e52-7d0b-4d35-9a3e-6b1c2d3e4f5a",
                                      NULL};
    struct kvc_resp r;

    post_token(NULL, "oauth2/v2.0/token", "grant_type=client_credentials", hdr, &r);
    ck_assert_msg(r.status == 400, "status %ld", r.status);
    ck_assert_str_eq(kvc_jstr(r.json, "correlation_id"), id);
    kvc_resp_free(&r);
}
END_TEST

/* §2.1: Key Vault tokens are v1-shaped, RS256, with kid; no scp; roles only when granted. */
START_TEST(id_s2_1_token_claims_v1)
{
    cJSON *h = kvc_jwt_part(kvc.token, 0), *p = kvc_jwt_part(kvc.token, 1);
    char iss[200];
    double iat, nbf, exp;

    ck_assert_msg(h && p, "token is not a JWT");
    ck_assert_str_eq(kvc_jstr(h, "alg"), "RS256");
    ck_assert_str_eq(kvc_jstr(h, "typ"), "JWT");
    ck_assert_msg(kvc_jstr(h, "kid")[0], "header without kid");
    ck_assert_str_eq(kvc_jstr(p, "aud"), KVC_VAULT_RESOURCE);
    snprintf(iss, sizeof iss, "https://sts.windows.net/%s/", kvc.tenant);
    ck_assert_str_eq(kvc_jstr(p, "iss"), iss);
    ck_assert_str_eq(kvc_jstr(p, "ver"), "1.0");
    ck_assert_msg(strcasecmp(kvc_jstr(p, "appid"), kvc.client_id) == 0, "appid");
    ck_assert_str_eq(kvc_jstr(p, "appidacr"), "1");
    ck_assert_msg(kvc_is_guid(kvc_jstr(p, "oid")), "oid");
    ck_assert_str_eq(kvc_jstr(p, "sub"), kvc_jstr(p, "oid"));
    ck_assert_msg(strcasecmp(kvc_jstr(p, "tid"), kvc.tenant) == 0, "tid");
    ck_assert_msg(cJSON_IsNumber(kvc_jget(p, "iat")) && cJSON_IsNumber(kvc_jget(p, "nbf")) &&
                      cJSON_IsNumber(kvc_jget(p, "exp")),
                  "iat/nbf/exp numbers");
    iat = kvc_jget(p, "iat")->valuedouble;
    nbf = kvc_jget(p, "nbf")->valuedouble;
    exp = kvc_jget(p, "exp")->valuedouble;
    ck_assert_msg(nbf <= iat + 1 && exp - iat >= 3599, "iat/nbf/exp inconsistent");
    ck_assert_msg(!kvc_jget(p, "scp"), "app-only token with scp");
    ck_assert_msg(!kvc_jget(p, "roles") || kvc.mock == false, "roles without granted app roles");
    cJSON_Delete(h);
    cJSON_Delete(p);
}
END_TEST

static void get_doc(const char *suffix, struct kvc_resp *r)
{
    char url[1024];

    snprintf(url, sizeof url, "%s/%s", kvc.authority, suffix);
    ck_assert_msg(kvc_http("GET", url, kvc.ca, NULL, NULL, 0, r) == 0, "GET %s", url);
    kvc_assert_status(r, 200, suffix);
}

/* §2.2 / §3: v2 OpenID configuration: required fields, issuer on the authority's own
 * scheme://host:port, token_endpoint https with the tenant as first path segment. */
START_TEST(id_s2_2_oidc_v2_document)
{
    struct kvc_resp r;
    char path[256], want[1024];

    snprintf(path, sizeof path, "%s/v2.0/.well-known/openid-configuration", kvc.tenant);
    get_doc(path, &r);
    snprintf(want, sizeof want, "%s/%s/v2.0", kvc.authority, kvc.tenant);
    ck_assert_str_eq(kvc_jstr(r.json, "issuer"), want);
    snprintf(want, sizeof want, "%s/%s/oauth2/v2.0/token", kvc.authority, kvc.tenant);
    ck_assert_str_eq(kvc_jstr(r.json, "token_endpoint"), want);
    snprintf(want, sizeof want, "%s/%s/oauth2/v2.0/authorize", kvc.authority, kvc.tenant);
    ck_assert_str_eq(kvc_jstr(r.json, "authorization_endpoint"), want);
    ck_assert_msg(strncmp(kvc_jstr(r.json, "jwks_uri"), "https://", 8) == 0, "jwks_uri");
    kvc_assert_header(&r, "Cache-Control", "max-age=86400, private", "OIDC");
    kvc_resp_free(&r);
}
END_TEST

/* §2.2: v1 document: issuer https://sts.windows.net/{tid}/, token_endpoint .../oauth2/token. */
START_TEST(id_s2_2_oidc_v1_document)
{
    struct kvc_resp r;
    char path[256], want[1024];

    snprintf(path, sizeof path, "%s/.well-known/openid-configuration", kvc.tenant);
    get_doc(path, &r);
    snprintf(want, sizeof want, "https://sts.windows.net/%s/", kvc.tenant);
    ck_assert_str_eq(kvc_jstr(r.json, "issuer"), want);
    snprintf(want, sizeof want, "%s/%s/oauth2/token", kvc.authority, kvc.tenant);
    ck_assert_str_eq(kvc_jstr(r.json, "token_endpoint"), want);
    ck_assert_msg(cJSON_IsTrue(kvc_jget(r.json, "microsoft_multi_refresh_token")),
                  "microsoft_multi_refresh_token");
    ck_assert_msg(kvc_jstr(r.json, "check_session_iframe")[0], "check_session_iframe");
    ck_assert_msg(kvc_jstr(r.json, "jwks_uri")[0], "jwks_uri");
    kvc_resp_free(&r);
}
END_TEST

/* §2.3: JWKS: RSA signing keys with kid == x5t, n, e; the token's kid is published. */
START_TEST(id_s2_3_jwks)
{
    static const char *const paths[] = {"{n}/discovery/v2.0/keys", "common/discovery/v2.0/keys"};
    cJSON *h = kvc_jwt_part(kvc.token, 0);

    for (size_t i = 0; i < 2; i++) {
        struct kvc_resp r;
        char path[256];
        const cJSON *k;
        bool found = false;

        kvc_path(path, sizeof path, paths[i], kvc.tenant);
        get_doc(path, &r);
        ck_assert_msg(cJSON_GetArraySize(kvc_jget(r.json, "keys")) > 0, "%s: no keys", path);
        cJSON_ArrayForEach(k, kvc_jget(r.json, "keys")) {
            ck_assert_str_eq(kvc_jstr(k, "kty"), "RSA");
            ck_assert_str_eq(kvc_jstr(k, "use"), "sig");
            ck_assert_str_eq(kvc_jstr(k, "kid"), kvc_jstr(k, "x5t"));
            ck_assert_msg(kvc_is_b64url(kvc_jstr(k, "n")) && kvc_is_b64url(kvc_jstr(k, "e")),
                          "n/e base64url");
            found = found || strcmp(kvc_jstr(k, "kid"), kvc_jstr(h, "kid")) == 0;
        }
        ck_assert_msg(found, "%s: the token's kid is not published", path);
        kvc_resp_free(&r);
    }
    cJSON_Delete(h);
}
END_TEST

/* §2.3: JWKS keys carry the x5c certificate chain and the literal "{tenantid}" issuer template. */
START_TEST(id_s2_3_jwks_x5c)
{
    struct kvc_resp r;
    char path[256];
    const cJSON *k;

    snprintf(path, sizeof path, "%s/discovery/v2.0/keys", kvc.tenant);
    get_doc(path, &r);
    cJSON_ArrayForEach(k, kvc_jget(r.json, "keys")) {
        ck_assert_msg(strstr(kvc_jstr(k, "issuer"), "/{tenantid}/v2.0") != NULL,
                      "issuer '%s' is not the {tenantid} template", kvc_jstr(k, "issuer"));
        ck_assert_msg(cJSON_GetArraySize(kvc_jget(k, "x5c")) > 0, "key %s without x5c",
                      kvc_jstr(k, "kid"));
    }
    kvc_resp_free(&r);
}
END_TEST

/* §2.4: instance discovery: tenant_discovery_endpoint, api-version, metadata with aliases; an
 * unknown host gets invalid_instance. */
START_TEST(id_s2_4_instance_discovery)
{
    struct kvc_resp r;
    char url[1024], *ae, want[1024];

    snprintf(want, sizeof want, "%s/%s/oauth2/v2.0/authorize", kvc.authority, kvc.tenant);
    ae = kvc_urlencode(want);
    snprintf(url, sizeof url,
             "%s/common/discovery/instance?api-version=1.1&authorization_endpoint=%s",
             kvc.authority, ae);
    free(ae);
    ck_assert_int_eq(kvc_http("GET", url, kvc.ca, NULL, NULL, 0, &r), 0);
    kvc_assert_status(&r, 200, "instance discovery");
    snprintf(want, sizeof want, "/%s/v2.0/.well-known/openid-configuration", kvc.tenant);
    ck_assert_msg(strstr(kvc_jstr(r.json, "tenant_discovery_endpoint"), want) != NULL,
                  "tenant_discovery_endpoint '%s'", kvc_jstr(r.json, "tenant_discovery_endpoint"));
    ck_assert_str_eq(kvc_jstr(r.json, "api-version"), "1.1");
    ck_assert_msg(
        cJSON_GetArraySize(kvc_jget(r.json, "metadata")) > 0 &&
            cJSON_IsArray(kvc_jget(cJSON_GetArrayItem(kvc_jget(r.json, "metadata"), 0), "aliases")),
        "metadata with aliases");
    kvc_resp_free(&r);
    snprintf(url, sizeof url,
             "%s/common/discovery/instance?api-version=1.1&authorization_endpoint=https%%3A%%2F%%2F"
             "kvconform.invalid%%2F%s%%2Foauth2%%2Fv2.0%%2Fauthorize",
             kvc.authority, kvc.tenant);
    ck_assert_int_eq(kvc_http("GET", url, kvc.ca, NULL, NULL, 0, &r), 0);
    ck_assert_msg(r.status >= 400 && strcmp(kvc_jstr(r.json, "error"), "invalid_instance") == 0,
                  "unknown host: status %ld error '%s'", r.status, kvc_jstr(r.json, "error"));
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_identity(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, id_s1_2_v2_token_200, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_1_tolerates_extra_fields_and_scopes, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_3_v1_token_strings, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_wrong_secret_401_invalid_client, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_no_secret_401_invalid_client, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_unknown_client_400_unauthorized_client, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_unknown_tenant_400, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_scope_errors_400, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_bad_grant_type_400, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_missing_param_400, 0, NULL);
    kvc_add_test(reg, FAM, id_s1_4_correlation_id_echo, 0, NULL);
    kvc_add_test(reg, FAM, id_s2_1_token_claims_v1, 0, NULL);
    kvc_add_test(reg, FAM, id_s2_2_oidc_v2_document, 0, NULL);
    kvc_add_test(reg, FAM, id_s2_2_oidc_v1_document, 0, NULL);
    kvc_add_test(reg, FAM, id_s2_3_jwks, 0, NULL);
    kvc_add_test(reg, FAM, id_s2_3_jwks_x5c, 0, NULL);
    kvc_add_test(reg, FAM, id_s2_4_instance_discovery, 0, NULL);
}
