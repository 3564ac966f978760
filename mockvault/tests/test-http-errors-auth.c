/* test-http-errors-auth.c: requests without a token or with one the vault refuses (§2) and the
 * challenge (§3), per host, before the body and the api-version are looked at; tokens of another
 * audience, malformed, expired, not yet valid, or from another tenant (errors-common.h says how
 * the suites run). */
#include "errors-common.h"

#define T2_TENANT "99999999-2222-2222-2222-222222222222"
#define T2_ADMIN_ID "bbbbbbbb-0000-0000-0000-000000000002"
#define T2_ADMIN_SECRET "fabrikam-client-secret"

static const char akv10000[] =
    "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer, "
    "PoP, or MTLS_POP token.\"}}";

static void setup_two_tenants(void)
{
    srv = mvt_start("fixtures/test-two-tenants.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "tenant 1 admin token");
}

/* Asserts a 401 with the Unauthorized envelope and a Bearer challenge naming the tenant. */
static void assert_challenged(const struct mvt_resp *r, const char *tenant, const char *what)
{
    char hb[1024], needle[128];
    const char *h;

    hc_assert_status(r, 401, what);
    ck_assert_msg(r->json && strcmp(hc_err_code(r), "Unauthorized") == 0, "%s: code %s", what,
                  hc_err_code(r));
    ck_assert_msg(cJSON_IsString(hc_jget(r->json, "error.message")), "%s: message", what);
    h = mvt_header(r, "WWW-Authenticate", hb, sizeof hb);
    ck_assert_msg(h != NULL, "%s: WWW-Authenticate on every 401 (spec §2/§3)", what);
    ck_assert_msg(strncmp(h, "Bearer authorization=\"https://", 30) == 0, "%s: challenge '%s'",
                  what, h);
    snprintf(needle, sizeof needle, "/%s\", resource=\"https://", tenant);
    ck_assert_msg(strstr(h, needle) != NULL, "%s: challenge '%s' names tenant %s", what, h, tenant);
    hc_assert_header(r, "Content-Type", "application/json; charset=utf-8", what);
}

/* ---- §2 "No or empty token" and §3 the challenge ---- */

static const char *const no_token_headers[][2] = {
    {NULL, NULL},
    {"Authorization: Bearer", NULL},
    {"Authorization: Bearer    ", NULL},
    {"Authorization: bearer", NULL},
};

/* §2 "No or empty token": exact 108-byte AKV10000 body and the challenge; §3 exact header for
 * host localhost: authorization="https://localhost:PORT/TENANT",
 * resource="https://vault.azure.net". */
START_TEST(test_s2_no_token_401_exact)
{
    struct mvt_resp r;
    char want[512], cl[32], p[256];

    ck_assert_int_eq(strlen(akv10000), 108);
    hc_req(srv, "GET", "localhost", hc_path(p, sizeof p, "/secrets/api-key/", "7.4"), NULL,
           no_token_headers[_i][0] ? no_token_headers[_i] : NULL, NULL, &r);
    hc_assert_status(&r, 401, "no token");
    hc_assert_body(&r, akv10000, true, "AKV10000 body");
    ck_assert_str_eq(mvt_header(&r, "Content-Length", cl, sizeof cl), "108");
    snprintf(want, sizeof want,
             "Bearer authorization=\"https://localhost:%u/" T_TENANT
             "\", resource=\"https://vault.azure.net\"",
             (unsigned)mv_server_port(srv));
    hc_assert_header(&r, "WWW-Authenticate", want, "challenge for localhost");
    hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "401");
    mvt_resp_free(&r);
}
END_TEST

/* §3 / DESIGN §3: the challenge per host. {vault}.localhost:PORT gets resource
 * https://localhost:PORT (passes the SDKs' resource check); Azure names (proxy mode) get
 * authorization https://login.microsoftonline.com/TENANT and resource https://vault.azure.net. */
START_TEST(test_s3_challenge_per_host)
{
    unsigned port = mv_server_port(srv);
    struct {
        const char *url_host; /* host in the URL (resolved to 127.0.0.1) */
        const char *host_hdr; /* custom Host header, or NULL */
        char want[512];
    } rows[6];
    size_t n = 0;

    rows[n].url_host = "localhost";
    rows[n].host_hdr = NULL;
    snprintf(
        rows[n++].want, sizeof rows[0].want,
        "Bearer authorization=\"https://localhost:%u/%s\", resource=\"https://vault.azure.net\"",
        port, T_TENANT);
    rows[n].url_host = "127.0.0.1";
    rows[n].host_hdr = NULL;
    snprintf(
        rows[n++].want, sizeof rows[0].want,
        "Bearer authorization=\"https://127.0.0.1:%u/%s\", resource=\"https://vault.azure.net\"",
        port, T_TENANT);
    rows[n].url_host = DEMO;
    rows[n].host_hdr = NULL;
    snprintf(
        rows[n++].want, sizeof rows[0].want,
        "Bearer authorization=\"https://demo.localhost:%u/%s\", resource=\"https://localhost:%u\"",
        port, T_TENANT, port);
    rows[n].url_host = "rbac-demo.localhost";
    rows[n].host_hdr = NULL;
    snprintf(rows[n++].want, sizeof rows[0].want,
             "Bearer authorization=\"https://rbac-demo.localhost:%u/%s\", "
             "resource=\"https://localhost:%u\"",
             port, T_TENANT, port);
    /* The true proxy shape: Host without a port. */
    rows[n].url_host = "localhost";
    rows[n].host_hdr = "Host: demo.vault.azure.net";
    snprintf(rows[n++].want, sizeof rows[0].want,
             "Bearer authorization=\"https://login.microsoftonline.com/%s\", "
             "resource=\"https://vault.azure.net\"",
             T_TENANT);
    /* An Azure name reached directly (hosts file / --resolve): Host carries the port. */
    rows[n].url_host = "demo.vault.azure.net";
    rows[n].host_hdr = NULL;
    snprintf(rows[n++].want, sizeof rows[0].want,
             "Bearer authorization=\"https://login.microsoftonline.com/%s\", "
             "resource=\"https://vault.azure.net\"",
             T_TENANT);

    for (size_t i = 0; i < n; i++) {
        const char *hdr[] = {rows[i].host_hdr, NULL};
        struct mvt_resp r;
        char what[128];
        snprintf(what, sizeof what, "challenge for %s",
                 rows[i].host_hdr ? rows[i].host_hdr : rows[i].url_host);
        hc_req(srv, "GET", rows[i].url_host, "/secrets?api-version=7.4", NULL,
               rows[i].host_hdr ? hdr : NULL, NULL, &r);
        hc_assert_status(&r, 401, what);
        hc_assert_body(&r, akv10000, true, what);
        hc_assert_header(&r, "WWW-Authenticate", rows[i].want, what);
        mvt_resp_free(&r);
    }
}
END_TEST

/* Requests an SDK may send first, without a token: each must get the 401 challenge before any
 * body, api-version, name, maxresults or size check (spec §3 "SDK behaviour", identity §5.3). */
static const struct {
    const char *method, *path, *body, *host_hdr;
    size_t big; /* > 0: a body of that many bytes instead of body */
} first_requests[] = {
    {"PUT", "/secrets/x", "{{{ not json", NULL, 0},
    {"PUT", "/secrets/x?api-version=7.4", "", NULL, 0},
    {"PUT", "/secrets/x?api-version=7.99", "{\"value\":5}", NULL, 0},
    {"PUT", "/secrets/my_secret?api-version=7.4", "{\"value\":\"v\"}", NULL, 0},
    {"PATCH", "/secrets/api-key/?api-version=7.4", "[]", NULL, 0},
    {"POST", "/secrets/restore", NULL, NULL, 0},
    {"POST", "/deletedsecrets/old-secret/recover?api-version=7.4", "", NULL, 0},
    {"DELETE", "/secrets/api-key?api-version=7.4", NULL, NULL, 0},
    {"DELETE", "/deletedsecrets/old-secret?api-version=7.4", NULL, NULL, 0},
    {"GET", "/secrets?api-version=7.4&maxresults=999", NULL, NULL, 0},
    {"GET", "/deletedsecrets", NULL, NULL, 0},
    {"GET", "/secrets/api-key/versions?api-version=bogus", NULL, NULL, 0},
    {"PUT", "/secrets/big?api-version=7.4", NULL, NULL, 2 * 1024 * 1024},
    {"GET", "/anything/at/all", NULL, "Host: demo.vault.azure.net", 0},
};

/* §3: "The mock must send the challenge for any request that has no Authorization header,
 * whatever the route and whether or not there is a body"; auth comes first. */
START_TEST(test_s3_challenge_before_body_and_api_version)
{
    const char *hdr[] = {first_requests[_i].host_hdr, NULL};
    char *state0 = hc_state(srv), *state1, *big = NULL, what[128];
    const char *body = first_requests[_i].body;
    struct mvt_resp r;

    if (first_requests[_i].big) {
        big = hc_xmalloc(first_requests[_i].big + 1);
        memset(big, 'a', first_requests[_i].big);
        big[first_requests[_i].big] = '\0';
        body = big;
    }
    snprintf(what, sizeof what, "%s %s", first_requests[_i].method, first_requests[_i].path);
    hc_req(srv, first_requests[_i].method, DEMO, first_requests[_i].path, NULL,
           first_requests[_i].host_hdr ? hdr : NULL, body, &r);
    assert_challenged(&r, T_TENANT, what);
    hc_assert_body(&r, akv10000, true, what);
    mvt_resp_free(&r);
    state1 = hc_state(srv);
    ck_assert_msg(strcmp(state0, state1) == 0, "%s: store unchanged", what);
    free(state0);
    free(state1);
    free(big);
}
END_TEST

/* ---- §2 token rejections ---- */

/* Percent-encodes s into out (RFC 3986 unreserved kept). */
static const char *pct(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("-._~", *s))
            out[o++] = *s;
        else
            o += (size_t)snprintf(out + o, n - o, "%%%02X", (unsigned char)*s);
    }
    out[o] = '\0';
    return out;
}

/* A v1 token (POST /{tenant}/oauth2/token with resource=); NULL on failure. Caller frees. */
static char *token_v1(const char *client_id, const char *secret, const char *resource)
{
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    char body[1024], er[512];
    struct mvt_resp r;
    char *t = NULL;

    snprintf(body, sizeof body,
             "grant_type=client_credentials&client_id=%s&client_secret=%s&resource=%s", client_id,
             secret, pct(resource, er, sizeof er));
    hc_req(srv, "POST", "localhost", "/" T_TENANT "/oauth2/token", NULL, hdr, body, &r);
    if (r.status == 200 && hc_jstr(r.json, "access_token"))
        t = strdup(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    return t;
}

/* PUT /secrets/api-key with a bearer token expected to be refused; asserts 401 + challenge, an
 * unchanged store, and returns the response for message checks. */
static void put_with_bad_token(const char *token, const char *what, struct mvt_resp *r)
{
    char *s0 = hc_state(srv), *s1;

    hc_req(srv, "PUT", DEMO, "/secrets/api-key?api-version=7.4", token, NULL,
           "{\"value\":\"overwritten\"}", r);
    assert_challenged(r, T_TENANT, what);
    s1 = hc_state(srv);
    ck_assert_msg(strcmp(s0, s1) == 0, "%s: store unchanged", what);
    free(s0);
    free(s1);
}

/* §2 "Token for the wrong audience": AKV10022 with the recorded text. A v1 ARM token
 * (aud https://management.azure.com/) gives exactly the recorded message; a v2 ARM or Graph token
 * names its own aud the same way. */
START_TEST(test_s2_wrong_audience_akv10022)
{
    static const char want_v1[] = "AKV10022: Invalid audience. Expected https://vault.azure.net, "
                                  "found: https://management.azure.com/.";
    static const char *const scopes[] = {"https://management.azure.com/.default",
                                         "https://graph.microsoft.com/.default"};
    struct mvt_resp r;
    char *t = token_v1(T_ADMIN_ID, T_ADMIN_SECRET, "https://management.azure.com/");

    ck_assert_msg(t != NULL, "v1 ARM token");
    put_with_bad_token(t, "v1 ARM token", &r);
    ck_assert_str_eq(hc_jstr(r.json, "error.message"), want_v1);
    mvt_resp_free(&r);
    hc_free_token(t);

    for (size_t i = 0; i < 2; i++) {
        cJSON *claims;
        char want[512];
        t = mvt_token(srv, T_ADMIN_ID, T_ADMIN_SECRET, scopes[i]);
        ck_assert_msg(t != NULL, "token for %s", scopes[i]);
        claims = hc_jwt_part(t, 1);
        ck_assert_msg(hc_jstr(claims, "aud") != NULL, "aud claim");
        snprintf(want, sizeof want,
                 "AKV10022: Invalid audience. Expected https://vault.azure.net, found: %s.",
                 hc_jstr(claims, "aud"));
        put_with_bad_token(t, scopes[i], &r);
        ck_assert_str_eq(hc_jstr(r.json, "error.message"), want);
        /* ARM's identifier URI has its trailing slash in v2 tokens too: the recorded text. */
        if (i == 0)
            ck_assert_str_eq(want, want_v1);
        mvt_resp_free(&r);
        cJSON_Delete(claims);
        hc_free_token(t);
    }
}
END_TEST

/* The pieces of a compact JWT (copies). */
struct jwt_parts {
    char h[4096], p[4096], s[4096];
};

static void split_jwt(const char *t, struct jwt_parts *jp)
{
    const char *d1 = strchr(t, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

    ck_assert_msg(d1 && d2, "token has three parts");
    snprintf(jp->h, sizeof jp->h, "%.*s", (int)(d1 - t), t);
    snprintf(jp->p, sizeof jp->p, "%.*s", (int)(d2 - d1 - 1), d1 + 1);
    snprintf(jp->s, sizeof jp->s, "%s", d2 + 1);
}

static char *b64_json(const char *json)
{
    return hc_b64url_encode(json, strlen(json));
}

static const char *const bad_token_kind[] = {
    "garbage",         "two-parts",
    "alg-none",        "alg-none-no-dot",
    "hs256",           "forged-signature",
    "swapped-payload", "no-signature",
    "header-not-json", "rs256-header-rewritten",
};

/* §2/§4 (DESIGN §4: signature checked, alg pinned to RS256): garbage, alg none, HS256 signed with
 * the public key, a flipped signature character, a changed payload under the old signature and
 * so on are all 401 with the challenge; nothing is written. */
START_TEST(test_s2_bad_token_401)
{
    const char *kind = bad_token_kind[_i];
    struct jwt_parts jp;
    char forged[12288];
    struct mvt_resp r;

    split_jwt(tok, &jp);
    if (strcmp(kind, "garbage") == 0) {
        snprintf(forged, sizeof forged, "this-is-not-a-token");
    } else if (strcmp(kind, "two-parts") == 0) {
        snprintf(forged, sizeof forged, "%s.%s", jp.h, jp.p);
    } else if (strcmp(kind, "alg-none") == 0 || strcmp(kind, "alg-none-no-dot") == 0) {
        char *h = b64_json("{\"typ\":\"JWT\",\"alg\":\"none\"}");
        snprintf(forged, sizeof forged, "%s.%s%s", h, jp.p,
                 strcmp(kind, "alg-none") == 0 ? "." : "");
        free(h);
    } else if (strcmp(kind, "hs256") == 0) {
        /* The classic key-confusion forgery: HMAC keyed with the published RSA modulus. */
        struct mvt_resp k;
        unsigned char mac[32], *n;
        size_t nlen = 0;
        char signing[8192], *h = b64_json("{\"typ\":\"JWT\",\"alg\":\"HS256\"}"), *sig;
        hc_req(srv, "GET", "localhost", "/" T_TENANT "/discovery/v2.0/keys", NULL, NULL, NULL, &k);
        hc_assert_status(&k, 200, "JWKS");
        n = hc_b64url_decode(hc_jstr(k.json, "keys.0.n"), strlen(hc_jstr(k.json, "keys.0.n")),
                             &nlen);
        ck_assert_ptr_nonnull(n);
        snprintf(signing, sizeof signing, "%s.%s", h, jp.p);
        ck_assert_int_eq(
            gnutls_hmac_fast(GNUTLS_MAC_SHA256, n, nlen, signing, strlen(signing), mac), 0);
        sig = hc_b64url_encode(mac, sizeof mac);
        snprintf(forged, sizeof forged, "%s.%s", signing, sig);
        free(sig);
        free(n);
        free(h);
        mvt_resp_free(&k);
    } else if (strcmp(kind, "forged-signature") == 0) {
        size_t mid = strlen(jp.s) / 2;
        jp.s[mid] = jp.s[mid] == 'A' ? 'B' : 'A';
        snprintf(forged, sizeof forged, "%s.%s.%s", jp.h, jp.p, jp.s);
    } else if (strcmp(kind, "swapped-payload") == 0) {
        cJSON *c = hc_jwt_part(tok, 1);
        char *txt, *p;
        cJSON_ReplaceItemInObject(c, "oid",
                                  cJSON_CreateString("ffffffff-0000-0000-0000-000000000000"));
        txt = cJSON_PrintUnformatted(c);
        p = b64_json(txt);
        snprintf(forged, sizeof forged, "%s.%s.%s", jp.h, p, jp.s);
        free(p);
        free(txt);
        cJSON_Delete(c);
    } else if (strcmp(kind, "no-signature") == 0) {
        snprintf(forged, sizeof forged, "%s.%s.", jp.h, jp.p);
    } else if (strcmp(kind, "header-not-json") == 0) {
        char *h = b64_json("not json at all");
        snprintf(forged, sizeof forged, "%s.%s.%s", h, jp.p, jp.s);
        free(h);
    } else {
        /* Same claims and signature, header re-encoded with alg RS512: the signature no longer
         * covers this header, and the alg is not the pinned one. */
        char *h = b64_json("{\"typ\":\"JWT\",\"alg\":\"RS512\"}");
        snprintf(forged, sizeof forged, "%s.%s.%s", h, jp.p, jp.s);
        free(h);
    }
    put_with_bad_token(forged, kind, &r);
    mvt_resp_free(&r);
}
END_TEST

/* §2 / DESIGN §4: exp is checked against the mock clock: just before exp the token works; past
 * it the vault answers 401 "[TokenExpired] ..." with the challenge. */
START_TEST(test_s2_expired_token_401)
{
    struct mvt_resp r;
    cJSON *claims = hc_jwt_part(tok, 1);
    int64_t exp = hc_jint(claims, "exp"), now = hc_now(srv);
    char adv[64];

    cJSON_Delete(claims);
    snprintf(adv, sizeof adv, "{\"advance\":%lld}", (long long)(exp - now - 60));
    hc_clock(srv, adv);
    hc_req(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "60 s before exp");
    mvt_resp_free(&r);

    hc_clock(srv, "{\"advance\":120}");
    put_with_bad_token(tok, "expired token", &r);
    ck_assert_msg(strncmp(hc_jstr(r.json, "error.message"), "[TokenExpired] ", 15) == 0,
                  "message starts with [TokenExpired]: %s", hc_jstr(r.json, "error.message"));
    mvt_resp_free(&r);
}
END_TEST

/* DESIGN §4: nbf is checked against the mock clock too (token issued at now-300). */
START_TEST(test_s2_not_yet_valid_token_401)
{
    struct mvt_resp r;

    hc_clock(srv, "{\"advance\":-600}");
    put_with_bad_token(tok, "token before nbf", &r);
    mvt_resp_free(&r);
}
END_TEST

/* §2 "Token from the wrong tenant": AKV10032 exact text naming the vault's issuer and the
 * token's; the challenge names the vault's tenant. Tokens work on their own tenant's vault. */
START_TEST(test_s2_wrong_tenant_akv10032)
{
    struct mvt_resp r;
    char *t2 = hc_token_for(srv, T2_TENANT, T2_ADMIN_ID, T2_ADMIN_SECRET,
                            "https://vault.azure.net/.default");
    char *s0 = hc_state(srv), *s1;

    ck_assert_msg(t2 != NULL, "tenant 2 token");
    hc_req(srv, "PUT", DEMO, "/secrets/contoso-secret?api-version=7.4", t2, NULL,
           "{\"value\":\"overwritten\"}", &r);
    assert_challenged(&r, T_TENANT, "tenant 2 token on tenant 1 vault");
    hc_assert_body(&r,
                   "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10032: Invalid issuer. "
                   "Expected one of https://sts.windows.net/" T_TENANT "/, found "
                   "https://sts.windows.net/" T2_TENANT "/.\"}}",
                   true, "AKV10032 body");
    mvt_resp_free(&r);
    s1 = hc_state(srv);
    ck_assert_msg(strcmp(s0, s1) == 0, "store unchanged");

    hc_req(srv, "GET", "fabrikam-vault.localhost", "/secrets/contoso-secret?api-version=7.4", tok,
           NULL, NULL, &r);
    assert_challenged(&r, T2_TENANT, "tenant 1 token on tenant 2 vault");
    ck_assert_str_eq(hc_jstr(r.json, "error.message"),
                     "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" T2_TENANT
                     "/, found https://sts.windows.net/" T_TENANT "/.");
    mvt_resp_free(&r);

    hc_req(srv, "GET", "fabrikam-vault.localhost", "/secrets/fabrikam-secret/?api-version=7.4", t2,
           NULL, NULL, &r);
    hc_assert_status(&r, 200, "tenant 2 token on its own vault");
    hc_assert_header(&r, "x-ms-keyvault-region", "eastus", "fabrikam-vault");
    mvt_resp_free(&r);
    hc_req(srv, "GET", DEMO, "/secrets/contoso-secret/?api-version=7.4", tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "tenant 1 token on its own vault");
    mvt_resp_free(&r);
    hc_free_token(t2);
    free(s0);
    free(s1);
}
END_TEST

static Suite *errors_auth_suite(void)
{
    Suite *s = suite_create("http-errors-auth");
    TCase *auth = tcase_create("auth");
    TCase *tenants = tcase_create("two-tenants");

    tcase_add_checked_fixture(auth, setup, teardown);
    tcase_add_loop_test(auth, test_s2_no_token_401_exact, 0,
                        (int)(sizeof no_token_headers / sizeof no_token_headers[0]));
    tcase_add_test(auth, test_s3_challenge_per_host);
    tcase_add_loop_test(auth, test_s3_challenge_before_body_and_api_version, 0,
                        (int)(sizeof first_requests / sizeof first_requests[0]));
    tcase_add_test(auth, test_s2_wrong_audience_akv10022);
    tcase_add_loop_test(auth, test_s2_bad_token_401, 0,
                        (int)(sizeof bad_token_kind / sizeof bad_token_kind[0]));
    tcase_add_test(auth, test_s2_expired_token_401);
    tcase_add_test(auth, test_s2_not_yet_valid_token_401);
    suite_add_tcase(s, auth);

    tcase_add_checked_fixture(tenants, setup_two_tenants, teardown);
    tcase_add_test(tenants, test_s2_wrong_tenant_akv10032);
    suite_add_tcase(s, tenants);
    return s;
}

int main(void)
{
    return mvt_run(errors_auth_suite(), false);
}
