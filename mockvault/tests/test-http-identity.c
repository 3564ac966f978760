/* test-http-identity.c: the Entra ID side over real HTTPS against the embedded server
 * (spec/identity.md §1 token endpoints and AADSTS errors, §2 tokens, discovery, JWKS, instance
 * discovery; DESIGN.md §4), ending with the SDK's challenge -> token -> secret path.
 *
 * Tokens and client secrets are never printed: failures report statuses and error codes only. */
#include <check.h>
#include <cjson/cJSON.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define T_ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define FORM "Content-Type: application/x-www-form-urlencoded"
#define VAULT_SCOPE "https%3A%2F%2Fvault.azure.net%2F.default"
#define TOKEN_V2 "/" T_TENANT "/oauth2/v2.0/token"
#define TOKEN_V1 "/" T_TENANT "/oauth2/token"
#define WRONG_SECRET "wrong-secret-value-7Qx9"

static struct mv_server *srv;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
}

static void teardown(void)
{
    mv_server_stop(srv);
    srv = NULL;
}

/* POSTs a form to path with the given Content-Type header (NULL = the plain form type). */
static void post_form(const char *path, const char *ctype, const char *body, struct mvt_resp *r)
{
    const char *hdr[] = {ctype ? ctype : FORM, NULL};
    hc_req(srv, "POST", "localhost", path, NULL, hdr, body, r);
}

/* ---- JWT checks ---- */

/* The JWKS key (keys[0]) of the mock: kid, n, e (copies). */
struct jwk {
    char kid[128], n[1024], e[64];
};

static void fetch_jwk(const char *path, struct jwk *k)
{
    struct mvt_resp r;
    const cJSON *key;

    hc_req(srv, "GET", "localhost", path, NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, path);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "keys")), 1);
    key = hc_jget(r.json, "keys.0");
    ck_assert_str_eq(hc_jstr(key, "kty"), "RSA");
    ck_assert_str_eq(hc_jstr(key, "use"), "sig");
    ck_assert_msg(hc_jstr(key, "kid") && hc_jstr(key, "x5t"), "kid and x5t");
    ck_assert_str_eq(hc_jstr(key, "kid"), hc_jstr(key, "x5t"));
    ck_assert_msg(hc_jstr(key, "n") && hc_is_b64url(hc_jstr(key, "n")), "n is base64url");
    ck_assert_msg(hc_jstr(key, "e") && hc_is_b64url(hc_jstr(key, "e")), "e is base64url");
    snprintf(k->kid, sizeof k->kid, "%s", hc_jstr(key, "kid"));
    snprintf(k->n, sizeof k->n, "%s", hc_jstr(key, "n"));
    snprintf(k->e, sizeof k->e, "%s", hc_jstr(key, "e"));
    mvt_resp_free(&r);
}

/* Verifies the RS256 signature of a compact JWT with the JWKS modulus and exponent (GnuTLS, not
 * the server's code). */
static bool rs256_verifies(const char *jwt, const struct jwk *k)
{
    const char *d2 = strrchr(jwt, '.');
    unsigned char *n, *e, *sig;
    size_t nl = 0, el = 0, sl = 0;
    gnutls_pubkey_t pk;
    gnutls_datum_t dn, de, data, ds;
    int rc;

    n = hc_b64url_decode(k->n, strlen(k->n), &nl);
    e = hc_b64url_decode(k->e, strlen(k->e), &el);
    sig = hc_b64url_decode(d2 + 1, strlen(d2 + 1), &sl);
    ck_assert(n && e && sig);
    dn.data = n;
    dn.size = (unsigned)nl;
    de.data = e;
    de.size = (unsigned)el;
    data.data = (unsigned char *)(uintptr_t)jwt;
    data.size = (unsigned)(d2 - jwt);
    ds.data = sig;
    ds.size = (unsigned)sl;
    ck_assert_int_eq(gnutls_pubkey_init(&pk), 0);
    ck_assert_int_eq(gnutls_pubkey_import_rsa_raw(pk, &dn, &de), 0);
    rc = gnutls_pubkey_verify_data2(pk, GNUTLS_SIGN_RSA_SHA256, 0, &data, &ds);
    gnutls_pubkey_deinit(pk);
    free(n);
    free(e);
    free(sig);
    return rc >= 0;
}

/* identity §2.1 / DESIGN §4: a v1-shaped Key Vault token from app client_id/oid, issued at
 * now-300 and valid 3599 s from now. */
static void check_vault_token(const char *jwt, const char *aud, const char *client_id,
                              const char *oid, int64_t now)
{
    cJSON *h = hc_jwt_part(jwt, 0), *c = hc_jwt_part(jwt, 1);
    char iss[128];
    struct jwk k;
    int64_t iat, nbf, exp;

    ck_assert_msg(h && c, "token header and payload are base64url JSON");
    ck_assert_str_eq(hc_jstr(h, "alg"), "RS256");
    ck_assert_str_eq(hc_jstr(h, "typ"), "JWT");
    fetch_jwk("/" T_TENANT "/discovery/v2.0/keys", &k);
    ck_assert_msg(hc_jstr(h, "kid") && strcmp(hc_jstr(h, "kid"), k.kid) == 0, "kid = JWKS kid");
    ck_assert_msg(hc_jstr(h, "x5t") && strcmp(hc_jstr(h, "x5t"), k.kid) == 0, "x5t = JWKS kid");
    ck_assert_msg(rs256_verifies(jwt, &k), "signature verifies with the JWKS key");

    snprintf(iss, sizeof iss, "https://sts.windows.net/%s/", T_TENANT);
    ck_assert_str_eq(hc_jstr(c, "aud"), aud);
    ck_assert_str_eq(hc_jstr(c, "iss"), iss);
    ck_assert_str_eq(hc_jstr(c, "appid"), client_id);
    ck_assert_str_eq(hc_jstr(c, "appidacr"), "1");
    ck_assert_str_eq(hc_jstr(c, "oid"), oid);
    ck_assert_str_eq(hc_jstr(c, "sub"), oid);
    ck_assert_str_eq(hc_jstr(c, "tid"), T_TENANT);
    ck_assert_str_eq(hc_jstr(c, "ver"), "1.0");
    ck_assert_msg(!hc_has(c, "scp"), "app-only tokens carry no scp");
    iat = hc_jint(c, "iat");
    nbf = hc_jint(c, "nbf");
    exp = hc_jint(c, "exp");
    ck_assert_int_eq(iat, nbf);
    ck_assert_msg(iat >= now - 300 - 5 && iat <= now - 300 + 5, "iat = now - 300 (+-5 s)");
    ck_assert_msg(exp >= now + 3599 - 5 && exp <= now + 3599 + 5, "exp = now + 3599 (+-5 s)");
    cJSON_Delete(h);
    cJSON_Delete(c);
}

/* ---- §1.2 v2 token ---- */

/* identity §1.2: v2 success: token_type Bearer, expires_in and ext_expires_in JSON numbers
 * (3599), access_token; no expires_on/not_before/resource; no-store headers. */
START_TEST(test_i1_2_v2_token_success)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv);
    char hb[256];

    post_form(TOKEN_V2, NULL,
              "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
              "&scope=" VAULT_SCOPE,
              &r);
    hc_assert_status(&r, 200, "v2 token");
    hc_assert_keys(r.json, "token_type,expires_in,ext_expires_in,access_token", "v2 token keys");
    ck_assert_str_eq(hc_jstr(r.json, "token_type"), "Bearer");
    ck_assert_msg(cJSON_IsNumber(hc_jget(r.json, "expires_in")), "expires_in is a JSON number");
    ck_assert_int_eq(hc_jint(r.json, "expires_in"), 3599);
    ck_assert_msg(cJSON_IsNumber(hc_jget(r.json, "ext_expires_in")), "ext_expires_in number");
    ck_assert_int_eq(hc_jint(r.json, "ext_expires_in"), 3599);
    hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "token");
    hc_assert_header(&r, "Cache-Control", "no-store, no-cache", "token");
    hc_assert_header(&r, "Pragma", "no-cache", "token");
    ck_assert_msg(hc_is_guid(mvt_header(&r, "x-ms-request-id", hb, sizeof hb)), "x-ms-request-id");
    check_vault_token(hc_jstr(r.json, "access_token"), "https://vault.azure.net", T_ADMIN_ID,
                      T_ADMIN_OID, now);
    mvt_resp_free(&r);
}
END_TEST

/* identity §2.1 "Here exp - iat = 3900, consistent with §1.3": in both real captures the token
 * spans 3900 s (issued 300 s back, expires_in 3599 counted from a later second). */
START_TEST(test_i2_1_token_span_3900)
{
    struct mvt_resp r;
    cJSON *c;

    post_form(TOKEN_V2, NULL,
              "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
              "&scope=" VAULT_SCOPE,
              &r);
    hc_assert_status(&r, 200, "v2 token");
    c = hc_jwt_part(hc_jstr(r.json, "access_token"), 1);
    ck_assert_msg(c != NULL, "payload");
    ck_assert_msg(hc_jint(c, "exp") - hc_jint(c, "iat") == 3900,
                  "exp - iat is %lld, the real tokens have 3900",
                  (long long)(hc_jint(c, "exp") - hc_jint(c, "iat")));
    cJSON_Delete(c);
    mvt_resp_free(&r);
}
END_TEST

/* Variants of a v2 request that must all succeed (identity §1.1): extra MSAL fields, a query
 * string, charset in the Content-Type, OIDC scopes beside /.default, tenant by domain, the
 * automation-flow app. */
static const struct {
    const char *label, *path, *ctype, *body;
} ok_variants[] = {
    {"msal-js extra fields", TOKEN_V2, NULL,
     "client_id=" T_ADMIN_ID "&scope=" VAULT_SCOPE "&grant_type=client_credentials"
     "&x-client-SKU=msal.js.node&x-client-VER=2.16.2&x-client-OS=linux&x-client-CPU=x64"
     "&x-ms-lib-capability=retry-after,+h429&x-client-current-telemetry=5%7C771%2C2%2C%2C%2C%7C%2C"
     "&x-client-last-telemetry=5%7C0%7C%7C%7C0%2C0&client-request-id=5e8c1f2a-1b2c-4d5e-8f90-"
     "0123456789ab&claims=%7B%22access_token%22%3A%7B%22xms_cc%22%3A%7B%22values%22%3A%5B%22cp1"
     "%22%5D%7D%7D%7D&client_info=1&client_secret=" T_ADMIN_SECRET},
    {"client-request-id in the query",
     TOKEN_V2 "?client-request-id=5e8c1f2a-1b2c-4d5e-8f90-0123456789ab", NULL,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE},
    {"charset in Content-Type", TOKEN_V2,
     "Content-Type: application/x-www-form-urlencoded;charset=utf-8",
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE},
    {"charset with a space", TOKEN_V2,
     "Content-Type: application/x-www-form-urlencoded; charset=UTF-8",
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE},
    {"openid profile offline_access (%20)", TOKEN_V2, NULL,
     "client_id=" T_ADMIN_ID "&scope=" VAULT_SCOPE "%20openid%20profile%20offline_access"
     "&grant_type=client_credentials&client-request-id=5e8c1f2a-1b2c-4d5e-8f90-0123456789ab"
     "&client_secret=" T_ADMIN_SECRET},
    {"openid profile offline_access (+)", TOKEN_V2, NULL,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=openid+" VAULT_SCOPE "+profile+offline_access"},
    {"tenant by domain", "/contoso.onmicrosoft.com/oauth2/v2.0/token", NULL,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE},
    {"automation-flow app", TOKEN_V2, NULL,
     "grant_type=client_credentials&client_id=" T_FLOW_ID "&client_secret=" T_FLOW_SECRET
     "&scope=" VAULT_SCOPE},
};

/* identity §1.1: "The mock must ignore unknown fields", tolerate OIDC scopes next to one
 * /.default scope, the query string, and tenants named by domain; the token is the same shape. */
START_TEST(test_i1_1_token_request_variants)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv);
    bool flow = strcmp(ok_variants[_i].label, "automation-flow app") == 0;

    post_form(ok_variants[_i].path, ok_variants[_i].ctype, ok_variants[_i].body, &r);
    hc_assert_status(&r, 200, ok_variants[_i].label);
    ck_assert_str_eq(hc_jstr(r.json, "token_type"), "Bearer");
    check_vault_token(hc_jstr(r.json, "access_token"), "https://vault.azure.net",
                      flow ? T_FLOW_ID : T_ADMIN_ID,
                      flow ? "33333333-3333-3333-3333-333333333333" : T_ADMIN_OID, now);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1.3 v1 token ---- */

/* identity §1.3: v1 with resource=: every number a string, expires_on, not_before =
 * expires_on - 3900, resource echoed; the token is the same v1 token. */
START_TEST(test_i1_3_v1_token_strings)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv), expires_on, not_before;
    const cJSON *it;

    post_form(TOKEN_V1, NULL,
              "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
              "&resource=https%3A%2F%2Fvault.azure.net",
              &r);
    hc_assert_status(&r, 200, "v1 token");
    hc_assert_keys(
        r.json, "token_type,expires_in,ext_expires_in,expires_on,not_before,resource,access_token",
        "v1 token keys");
    cJSON_ArrayForEach(it, r.json)
        ck_assert_msg(cJSON_IsString(it), "v1 field %s is a string", it->string);
    ck_assert_str_eq(hc_jstr(r.json, "token_type"), "Bearer");
    ck_assert_str_eq(hc_jstr(r.json, "expires_in"), "3599");
    ck_assert_str_eq(hc_jstr(r.json, "ext_expires_in"), "3599");
    ck_assert_str_eq(hc_jstr(r.json, "resource"), "https://vault.azure.net");
    expires_on = strtoll(hc_jstr(r.json, "expires_on"), NULL, 10);
    not_before = strtoll(hc_jstr(r.json, "not_before"), NULL, 10);
    ck_assert_msg(expires_on >= now + 3599 - 5 && expires_on <= now + 3599 + 5,
                  "expires_on = now + 3599 (+-5 s)");
    check_vault_token(hc_jstr(r.json, "access_token"), "https://vault.azure.net", T_ADMIN_ID,
                      T_ADMIN_OID, now);
    ck_assert_msg(not_before == expires_on - 3900, "not_before = expires_on - 3900 (got %lld)",
                  (long long)(expires_on - not_before));
    mvt_resp_free(&r);
}
END_TEST

/* ---- §1.4 errors ---- */

/* Parses "YYYY-MM-DD HH:MM:SSZ" into unix seconds; -1 when the shape differs. */
static int64_t parse_aad_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, se;
    char z;

    if (!s || strlen(s) != 20 || s[10] != ' ' ||
        sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return (int64_t)timegm(&tm);
}

/* identity §1.4: the AADSTS envelope: error, error_description "AADSTS{code}: {prefix}..."
 * ending "\r\nTrace ID: <guid>\r\nCorrelation ID: <guid>\r\nTimestamp: yyyy-MM-dd HH:mm:ssZ",
 * error_codes [code], timestamp (space, not T), trace_id, correlation_id, error_uri. */
static void assert_aad_error(const struct mvt_resp *r, long status, const char *error, int code,
                             const char *prefix, int64_t now, const char *what)
{
    char want[1024], tail[256], uri[128];
    const char *desc, *ts, *trace, *corr;
    const cJSON *codes;
    int64_t t;

    hc_assert_status(r, status, what);
    ck_assert_msg(r->json != NULL, "%s: JSON body", what);
    hc_assert_keys(
        r->json, "error,error_description,error_codes,timestamp,trace_id,correlation_id,error_uri",
        what);
    ck_assert_msg(strcmp(hc_jstr(r->json, "error"), error) == 0, "%s: error %s, want %s", what,
                  hc_jstr(r->json, "error"), error);
    codes = hc_jget(r->json, "error_codes");
    ck_assert_msg(cJSON_IsArray(codes) && cJSON_IsNumber(cJSON_GetArrayItem(codes, 0)),
                  "%s: error_codes is an array of numbers", what);
    ck_assert_msg(hc_jint(r->json, "error_codes.0") == code, "%s: error_codes[0] %lld, want %d",
                  what, (long long)hc_jint(r->json, "error_codes.0"), code);
    desc = hc_jstr(r->json, "error_description");
    snprintf(want, sizeof want, "AADSTS%d: %s", code, prefix ? prefix : "");
    ck_assert_msg(desc && strncmp(desc, want, strlen(want)) == 0,
                  "%s: error_description starts '%.120s', want '%s'", what, desc ? desc : "", want);
    ts = hc_jstr(r->json, "timestamp");
    trace = hc_jstr(r->json, "trace_id");
    corr = hc_jstr(r->json, "correlation_id");
    t = parse_aad_time(ts);
    ck_assert_msg(t >= 0, "%s: timestamp '%s' is yyyy-MM-dd HH:mm:ssZ", what, ts ? ts : "");
    ck_assert_msg(t >= now - 5 && t <= now + 5, "%s: timestamp is the mock's now", what);
    ck_assert_msg(hc_is_guid(trace), "%s: trace_id GUID", what);
    ck_assert_msg(hc_is_guid(corr), "%s: correlation_id GUID", what);
    snprintf(tail, sizeof tail, "\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", trace,
             corr, ts);
    ck_assert_msg(strlen(desc) > strlen(tail) &&
                      strcmp(desc + strlen(desc) - strlen(tail), tail) == 0,
                  "%s: error_description ends with the trace/correlation/timestamp lines", what);
    snprintf(uri, sizeof uri, "https://login.microsoftonline.com/error?code=%d", code);
    ck_assert_str_eq(hc_jstr(r->json, "error_uri"), uri);
    hc_assert_header(r, "Content-Type", "application/json; charset=utf-8", what);
}

static const struct {
    const char *label, *path, *body;
    long status;
    const char *error;
    int code;
    const char *prefix;
} token_errors[] = {
    {"wrong secret", TOKEN_V2,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" WRONG_SECRET
     "&scope=" VAULT_SCOPE,
     401, "invalid_client", 7000215,
     "Invalid client secret provided. Ensure the secret being sent in the request is the client "
     "secret value, not the client secret ID, for a secret added to app '" T_ADMIN_ID "'."},
    {"wrong secret (v1)", TOKEN_V1,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" WRONG_SECRET
     "&resource=https%3A%2F%2Fvault.azure.net",
     401, "invalid_client", 7000215, "Invalid client secret provided."},
    {"no secret", TOKEN_V2,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&scope=" VAULT_SCOPE, 401,
     "invalid_client", 7000218,
     "The request body must contain the following parameter: 'client_assertion' or "
     "'client_secret'."},
    {"unknown client", TOKEN_V2,
     "grant_type=client_credentials&client_id=deadbeef-0000-0000-0000-000000000000&client_"
     "secret=" WRONG_SECRET "&scope=" VAULT_SCOPE,
     400, "unauthorized_client", 700016,
     "Application with identifier 'deadbeef-0000-0000-0000-000000000000' was not found in the "
     "directory '"},
    {"unknown tenant", "/99999999-0000-0000-0000-000000000000/oauth2/v2.0/token",
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE,
     400, "invalid_request", 90002,
     "Tenant '99999999-0000-0000-0000-000000000000' not found. Check to make sure you have the "
     "correct tenant ID and are signing into the correct cloud."},
    {"unknown tenant domain", "/nowhere.onmicrosoft.com/oauth2/v2.0/token",
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE,
     400, "invalid_request", 90002, "Tenant 'nowhere.onmicrosoft.com' not found."},
    {"scope without /.default", TOKEN_V2,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=https%3A%2F%2Fvault.azure.net",
     400, "invalid_scope", 1002012,
     "The provided value for scope https://vault.azure.net is not valid. Client credential flows "
     "must have a scope value with /.default suffixed to the resource identifier (application ID "
     "URI)."},
    {"unknown resource", TOKEN_V2,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=https%3A%2F%2Funknown.example.com%2F.default",
     400, "invalid_resource", 500011,
     "The resource principal named https://unknown.example.com was not found in the tenant named "},
    {"unknown resource (v1)", TOKEN_V1,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&resource=https%3A%2F%2Funknown.example.com",
     400, "invalid_resource", 500011, "The resource principal named https://unknown.example.com "},
    {"bad grant_type", TOKEN_V2,
     "grant_type=password&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET
     "&scope=" VAULT_SCOPE,
     400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type"},
    {"missing grant_type", TOKEN_V2,
     "client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET "&scope=" VAULT_SCOPE, 400,
     "invalid_request", 900144,
     "The request body must contain the following parameter: 'grant_type'."},
    {"missing client_id", TOKEN_V2,
     "grant_type=client_credentials&client_secret=" T_ADMIN_SECRET "&scope=" VAULT_SCOPE, 400,
     "invalid_request", 900144,
     "The request body must contain the following parameter: 'client_id'."},
    {"missing scope", TOKEN_V2,
     "grant_type=client_credentials&client_id=" T_ADMIN_ID "&client_secret=" T_ADMIN_SECRET, 400,
     "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."},
    {"empty body", TOKEN_V2, "", 400, "invalid_request", 900144,
     "The request body must contain the following parameter: 'grant_type'."},
};

/* identity §1.4 table: status, error and first AADSTS code (and description start) per case, the
 * full envelope on each, and a wrong secret never echoed anywhere in the response. */
START_TEST(test_i1_4_token_errors)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv);

    post_form(token_errors[_i].path, NULL, token_errors[_i].body, &r);
    assert_aad_error(&r, token_errors[_i].status, token_errors[_i].error, token_errors[_i].code,
                     token_errors[_i].prefix, now, token_errors[_i].label);
    ck_assert_msg(strstr(r.body, WRONG_SECRET) == NULL, "%s: the secret is not echoed in the body",
                  token_errors[_i].label);
    ck_assert_msg(strstr(r.headers, WRONG_SECRET) == NULL, "%s: nor in a header",
                  token_errors[_i].label);
    ck_assert_msg(strstr(r.body, T_ADMIN_SECRET) == NULL, "%s: no real secret either",
                  token_errors[_i].label);
    mvt_resp_free(&r);
}
END_TEST

/* ---- §2.2 discovery ---- */

/* identity §2.2 / §3.1: the v2 document's token_endpoint, authorization_endpoint, issuer and
 * jwks_uri come from the request's own scheme://host:port (login.microsoftonline.com through
 * the proxy); issuer https://{host:port}/{tid}/v2.0. */
/* Bad input: a multipart body with a nameless part once crashed the form parser. The token
 * endpoint must answer (the parameters are simply missing) and keep serving. */
START_TEST(test_bad_multipart_nameless_part)
{
    struct mvt_resp r;
    char path[128];

    snprintf(path, sizeof path, "/%s/oauth2/v2.0/token", T_TENANT);
    post_form(path, "Content-Type: multipart/form-data; boundary=zz",
              "--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--\r\n", &r);
    ck_assert_int_eq(r.status, 400);
    mvt_resp_free(&r);
    ck_assert_int_eq(mvt_control(srv, "GET", "/_mock/health", NULL), 200);
}
END_TEST

START_TEST(test_i2_2_openid_v2_own_base)
{
    char base[128], want[256];
    struct {
        const char *url_host, *host_hdr;
        char base[160];
    } rows[4];
    unsigned port = mv_server_port(srv);

    rows[0].url_host = "localhost";
    rows[0].host_hdr = NULL;
    snprintf(rows[0].base, sizeof rows[0].base, "%s", hc_base(srv, "localhost", base, sizeof base));
    rows[1].url_host = "127.0.0.1";
    rows[1].host_hdr = NULL;
    snprintf(rows[1].base, sizeof rows[1].base, "https://127.0.0.1:%u", port);
    rows[2].url_host = "localhost";
    rows[2].host_hdr = "Host: login.microsoftonline.com";
    snprintf(rows[2].base, sizeof rows[2].base, "https://login.microsoftonline.com");
    rows[3].url_host = "login.microsoftonline.com";
    rows[3].host_hdr = NULL;
    snprintf(rows[3].base, sizeof rows[3].base, "https://login.microsoftonline.com");

    for (int i = 0; i < 4; i++) {
        const char *hdr[] = {rows[i].host_hdr, NULL};
        struct mvt_resp r;
        hc_req(srv, "GET", rows[i].url_host, "/" T_TENANT "/v2.0/.well-known/openid-configuration",
               NULL, rows[i].host_hdr ? hdr : NULL, NULL, &r);
        hc_assert_status(&r, 200, rows[i].base);
        snprintf(want, sizeof want, "%s/%s/oauth2/v2.0/token", rows[i].base, T_TENANT);
        ck_assert_str_eq(hc_jstr(r.json, "token_endpoint"), want);
        snprintf(want, sizeof want, "%s/%s/oauth2/v2.0/authorize", rows[i].base, T_TENANT);
        ck_assert_str_eq(hc_jstr(r.json, "authorization_endpoint"), want);
        snprintf(want, sizeof want, "%s/%s/v2.0", rows[i].base, T_TENANT);
        ck_assert_str_eq(hc_jstr(r.json, "issuer"), want);
        snprintf(want, sizeof want, "%s/%s/discovery/v2.0/keys", rows[i].base, T_TENANT);
        ck_assert_str_eq(hc_jstr(r.json, "jwks_uri"), want);
        ck_assert_msg(cJSON_IsArray(hc_jget(r.json, "token_endpoint_auth_methods_supported")),
                      "auth methods");
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "discovery");
        hc_assert_header(&r, "Cache-Control", "max-age=86400, private", "discovery");
        mvt_resp_free(&r);
    }
}
END_TEST

/* identity §1.4 "unknown tenant (GET /{t}/v2.0/.well-known/openid-configuration)": 400
 * invalid_tenant with AADSTS90002. */
START_TEST(test_i1_4_openid_unknown_tenant_invalid_tenant)
{
    struct mvt_resp r;
    int64_t now = hc_now(srv);

    hc_req(srv, "GET", "localhost",
           "/99999999-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration", NULL,
           NULL, NULL, &r);
    assert_aad_error(&r, 400, "invalid_tenant", 90002,
                     "Tenant '99999999-0000-0000-0000-000000000000' not found.", now,
                     "openid unknown tenant");
    mvt_resp_free(&r);
}
END_TEST

/* identity §2.2: the v1 document: issuer https://sts.windows.net/{tid}/, token endpoint
 * .../oauth2/token, jwks_uri .../common/discovery/keys, microsoft_multi_refresh_token,
 * check_session_iframe. Also reachable by tenant domain. */
START_TEST(test_i2_2_openid_v1_document)
{
    static const char *const tenants[] = {T_TENANT, "contoso.onmicrosoft.com"};
    char base[128], want[256], path[256];

    hc_base(srv, "localhost", base, sizeof base);
    for (int i = 0; i < 2; i++) {
        struct mvt_resp r;
        snprintf(path, sizeof path, "/%s/.well-known/openid-configuration", tenants[i]);
        hc_req(srv, "GET", "localhost", path, NULL, NULL, NULL, &r);
        hc_assert_status(&r, 200, path);
        ck_assert_str_eq(hc_jstr(r.json, "issuer"), "https://sts.windows.net/" T_TENANT "/");
        snprintf(want, sizeof want, "%s/%s/oauth2/token", base, tenants[i]);
        ck_assert_str_eq(hc_jstr(r.json, "token_endpoint"), want);
        snprintf(want, sizeof want, "%s/common/discovery/keys", base);
        ck_assert_str_eq(hc_jstr(r.json, "jwks_uri"), want);
        ck_assert_msg(cJSON_IsTrue(hc_jget(r.json, "microsoft_multi_refresh_token")),
                      "microsoft_multi_refresh_token");
        ck_assert_msg(hc_jstr(r.json, "check_session_iframe") != NULL, "check_session_iframe");
        ck_assert_msg(hc_jstr(r.json, "authorization_endpoint") != NULL, "authorization_endpoint");
        mvt_resp_free(&r);
    }
}
END_TEST

/* identity §2.3: JWKS keys[0]: kty RSA, use sig, kid == x5t, n and e; the same key on every
 * JWKS path (tenant, common, v1). */
START_TEST(test_i2_3_jwks)
{
    struct jwk a, b, c;

    fetch_jwk("/" T_TENANT "/discovery/v2.0/keys", &a);
    fetch_jwk("/common/discovery/v2.0/keys", &b);
    fetch_jwk("/common/discovery/keys", &c);
    ck_assert_str_eq(a.kid, b.kid);
    ck_assert_str_eq(a.kid, c.kid);
    ck_assert_str_eq(a.n, b.n);
    ck_assert_str_eq(a.e, "AQAB");
    ck_assert_msg(strlen(a.n) >= 342, "an RSA modulus of at least 2048 bits");
}
END_TEST

/* identity §2.4: instance discovery answers tenant_discovery_endpoint, api-version and the
 * metadata aliases of the public cloud, for the raw and the percent-encoded authorize URL, also
 * when asked as login.microsoftonline.com (proxy); an unknown external host is invalid_instance. */
START_TEST(test_i2_4_instance_discovery)
{
    static const struct {
        const char *path, *host_hdr, *tde;
    } rows[] = {
        {"/common/discovery/instance?api-version=1.1&authorization_endpoint="
         "https://login.microsoftonline.com/common/oauth2/authorize",
         NULL, "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"},
        {"/common/discovery/instance?api-version=1.1&authorization_endpoint="
         "https%3A%2F%2Flogin.microsoftonline.com%2F" T_TENANT "%2Foauth2%2Fv2.0%2Fauthorize",
         NULL,
         "https://login.microsoftonline.com/" T_TENANT "/v2.0/.well-known/openid-configuration"},
        {"/common/discovery/instance?api-version=1.0&authorization_endpoint="
         "https://login.microsoftonline.com/common/oauth2/authorize",
         "Host: login.microsoftonline.com",
         "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"},
    };
    static const char *const aliases[] = {"login.microsoftonline.com", "login.windows.net",
                                          "login.microsoft.com", "sts.windows.net"};
    struct mvt_resp r;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *hdr[] = {rows[i].host_hdr, NULL};
        const cJSON *m, *al;
        hc_req(srv, "GET", "localhost", rows[i].path, NULL, rows[i].host_hdr ? hdr : NULL, NULL,
               &r);
        hc_assert_status(&r, 200, rows[i].path);
        ck_assert_str_eq(hc_jstr(r.json, "tenant_discovery_endpoint"), rows[i].tde);
        ck_assert_str_eq(hc_jstr(r.json, "api-version"), "1.1");
        m = hc_jget(r.json, "metadata.0");
        ck_assert_str_eq(hc_jstr(m, "preferred_network"), "login.microsoftonline.com");
        ck_assert_str_eq(hc_jstr(m, "preferred_cache"), "login.windows.net");
        al = hc_jget(m, "aliases");
        ck_assert_int_eq(cJSON_GetArraySize(al), 4);
        for (int k = 0; k < 4; k++)
            ck_assert_str_eq(cJSON_GetArrayItem(al, k)->valuestring, aliases[k]);
        mvt_resp_free(&r);
    }

    hc_req(srv, "GET", "localhost",
           "/common/discovery/instance?api-version=1.1&authorization_endpoint="
           "https://login.example.com/common/oauth2/authorize",
           NULL, NULL, NULL, &r);
    hc_assert_status(&r, 400, "unknown instance");
    ck_assert_str_eq(hc_jstr(r.json, "error"), "invalid_instance");
    ck_assert_msg(hc_jstr(r.json, "error_description") != NULL, "error_description");
    mvt_resp_free(&r);
}
END_TEST

/* ---- End to end ---- */

/* Parses key="value" out of a WWW-Authenticate challenge into out. */
static bool challenge_param(const char *h, const char *key, char *out, size_t n)
{
    char needle[64];
    const char *p, *q;

    snprintf(needle, sizeof needle, "%s=\"", key);
    p = strstr(h, needle);
    if (!p)
        return false;
    p += strlen(needle);
    q = strchr(p, '"');
    if (!q)
        return false;
    snprintf(out, n, "%.*s", (int)(q - p), p);
    return true;
}

/* spec §3 "SDK behaviour" + identity §5: the whole SDK path against {vault}.localhost:PORT: a
 * bodiless unauthenticated request, the challenge parsed (tenant = last path segment of
 * authorization, scope = resource + "/.default"), the resource check the Python SDK runs
 * (netloc ends with "." + scope netloc), a token from the discovered token endpoint, and the
 * secret. Both the admin and the get-only automation-flow app. */
START_TEST(test_e2e_challenge_token_secret)
{
    static const struct {
        const char *client, *secret;
    } apps[] = {{T_ADMIN_ID, T_ADMIN_SECRET}, {T_FLOW_ID, T_FLOW_SECRET}};

    for (size_t a = 0; a < 2; a++) {
        struct mvt_resp r;
        char hb[1024], authz[256], resource[256], scope[300], netloc[160], base[128], *tenant, *tok;
        const char *h, *res_netloc;

        hc_req(srv, "GET", DEMO, "/secrets/graph-app-secret/?api-version=7.4", NULL, NULL, NULL,
               &r);
        hc_assert_status(&r, 401, "first request");
        h = mvt_header(&r, "WWW-Authenticate", hb, sizeof hb);
        ck_assert_msg(h && challenge_param(h, "authorization", authz, sizeof authz) &&
                          challenge_param(h, "resource", resource, sizeof resource),
                      "challenge has authorization and resource");
        mvt_resp_free(&r);
        tenant = strrchr(authz, '/') + 1;
        ck_assert_str_eq(tenant, T_TENANT);
        /* Python's check: the request netloc (with port) ends with "." + the scope's netloc. */
        snprintf(netloc, sizeof netloc, "demo.localhost:%u", (unsigned)mv_server_port(srv));
        res_netloc = resource + strlen("https://");
        ck_assert_msg(strlen(netloc) > strlen(res_netloc) + 1 &&
                          strcmp(netloc + strlen(netloc) - strlen(res_netloc), res_netloc) == 0 &&
                          netloc[strlen(netloc) - strlen(res_netloc) - 1] == '.',
                      "resource %s passes the SDK resource check for %s", resource, netloc);
        snprintf(scope, sizeof scope, "%s/.default", resource);

        /* Token endpoint from the tenant's discovery document, as MSAL does. */
        hc_req(srv, "GET", "localhost", "/" T_TENANT "/v2.0/.well-known/openid-configuration", NULL,
               NULL, NULL, &r);
        hc_assert_status(&r, 200, "discovery");
        hc_base(srv, "localhost", base, sizeof base);
        ck_assert_msg(strncmp(hc_jstr(r.json, "token_endpoint"), base, strlen(base)) == 0,
                      "token endpoint on the mock");
        mvt_resp_free(&r);
        tok = hc_token_for(srv, tenant, apps[a].client, apps[a].secret, scope);
        ck_assert_msg(tok != NULL, "token for the challenge's scope (app %zu)", a);

        hc_req(srv, "GET", DEMO, "/secrets/graph-app-secret/?api-version=7.4", tok, NULL, NULL, &r);
        hc_assert_status(&r, 200, "GET with the token");
        ck_assert_str_eq(hc_jstr(r.json, "value"), "graph-app-client-secret-v2");
        mvt_resp_free(&r);
        hc_free_token(tok);

        /* The public audience works on the same vault too, and a v1 token. */
        tok = hc_token_for(srv, T_TENANT, apps[a].client, apps[a].secret,
                           "https://vault.azure.net/.default");
        ck_assert_msg(tok != NULL, "vault.azure.net token");
        hc_req(srv, "GET", DEMO, "/secrets/graph-app-secret/?api-version=7.4", tok, NULL, NULL, &r);
        hc_assert_status(&r, 200, "GET with a vault.azure.net token");
        mvt_resp_free(&r);
        hc_free_token(tok);
    }
}
END_TEST

/* identity §1.3 + §2.1: a v1 token (resource=) opens the vault as well. */
START_TEST(test_e2e_v1_token_secret)
{
    struct mvt_resp r;
    char *tok;

    post_form(TOKEN_V1, NULL,
              "grant_type=client_credentials&client_id=" T_FLOW_ID "&client_secret=" T_FLOW_SECRET
              "&resource=https%3A%2F%2Fvault.azure.net",
              &r);
    hc_assert_status(&r, 200, "v1 token");
    ck_assert_msg(hc_jstr(r.json, "access_token") != NULL, "access_token");
    tok = strdup(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/secrets/graph-app-secret/?api-version=2025-07-01", tok, NULL,
           NULL, &r);
    hc_assert_status(&r, 200, "GET with a v1 token");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "graph-app-client-secret-v2");
    mvt_resp_free(&r);
    hc_free_token(tok);
}
END_TEST

static Suite *identity_suite(void)
{
    Suite *s = suite_create("http-identity");
    TCase *tok = tcase_create("token");
    TCase *disc = tcase_create("discovery");
    TCase *e2e = tcase_create("end-to-end");

    tcase_add_checked_fixture(tok, setup, teardown);
    tcase_add_test(tok, test_i1_2_v2_token_success);
    tcase_add_test(tok, test_i2_1_token_span_3900);
    tcase_add_loop_test(tok, test_i1_1_token_request_variants, 0,
                        (int)(sizeof ok_variants / sizeof ok_variants[0]));
    tcase_add_test(tok, test_i1_3_v1_token_strings);
    tcase_add_test(tok, test_bad_multipart_nameless_part);
    tcase_add_loop_test(tok, test_i1_4_token_errors, 0,
                        (int)(sizeof token_errors / sizeof token_errors[0]));
    suite_add_tcase(s, tok);

    tcase_add_checked_fixture(disc, setup, teardown);
    tcase_add_test(disc, test_i2_2_openid_v2_own_base);
    tcase_add_test(disc, test_i1_4_openid_unknown_tenant_invalid_tenant);
    tcase_add_test(disc, test_i2_2_openid_v1_document);
    tcase_add_test(disc, test_i2_3_jwks);
    tcase_add_test(disc, test_i2_4_instance_discovery);
    suite_add_tcase(s, disc);

    tcase_add_checked_fixture(e2e, setup, teardown);
    tcase_add_test(e2e, test_e2e_challenge_token_secret);
    tcase_add_test(e2e, test_e2e_v1_token_secret);
    suite_add_tcase(s, e2e);
    return s;
}

int main(void)
{
    return mvt_run(identity_suite(), false);
}
