/* test-http-errors.c: the error rows of spec/keyvault-secrets.md §2 and the challenge of §3,
 * over real HTTPS against the embedded server, plus the mock's own 404/405/413 answers and
 * robustness against oversized input (DESIGN.md §3, §4). After every refused write the whole
 * store (GET /_mock/state) must be unchanged.
 *
 * Tokens are never printed: failures report statuses and error codes only. */
#include <check.h>
#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define T2_TENANT "99999999-2222-2222-2222-222222222222"
#define T2_ADMIN_ID "bbbbbbbb-0000-0000-0000-000000000002"
#define T2_ADMIN_SECRET "fabrikam-client-secret"

static const char akv10000[] =
    "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer, "
    "PoP, or MTLS_POP token.\"}}";

static const char not_found_fmt[] =
    "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) %s was not "
    "found "
    "in this key vault. If you recently deleted this secret you may be able to recover it using "
    "the "
    "correct recovery command. For help resolving this issue, please see "
    "https://go.microsoft.com/fwlink/?linkid=2125182\"}}";

static struct mv_server *srv;
static char *tok;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token from the mock");
}

static void setup_two_tenants(void)
{
    srv = mvt_start("fixtures/test-two-tenants.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "tenant 1 admin token");
}

static void teardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
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

/* ---- §2 / §5 request validation, table-driven ---- */

enum big_kind {
    BIG_NONE = 0,
    BIG_VALUE_25601,   /* {"value":"a"*25601} */
    BIG_VALUE_25600,   /* exactly the limit: accepted */
    BIG_TAGS_16,       /* 16 tags */
    BIG_TAGS_15,       /* 15 tags: accepted */
    BIG_CT_256,        /* contentType of 256 characters */
    BIG_CT_255,        /* 255: accepted */
    BIG_NAME_128,      /* PUT /secrets/{128 chars} */
    BIG_NAME_127,      /* 127: accepted */
    BIG_BODY_OVER_1MB, /* a body just over 1 MiB */
    BIG_TAG_VALUE_257, /* a tag value of 257 characters */
};

struct bad_row {
    const char *label;
    const char *method;
    const char *path; /* without the api-version when api is NULL... see below */
    const char *body;
    enum big_kind big;
    long status;
    const char *code;    /* error.code, or NULL: not checked */
    const char *inner;   /* error.innererror.code, or NULL: not checked */
    const char *message; /* exact error.message, or NULL: not checked */
    const char *exact;   /* exact body, or NULL */
};

#define BAD_NAME_BODY(n)                                                                           \
    "{\"error\":{\"code\":\"BadParameter\",\"message\":\"The request URI contains an invalid "     \
    "name: " n "\"}}"

static const struct bad_row bad_rows[] = {
    /* §2 "api-version unknown": exact recorded format with the latest supported version. */
    {"s2_api_version_unknown_get", "GET", "/secrets/api-key/?api-version=7.99", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL,
     "{\"error\":{\"code\":\"BadParameter\",\"message\":\"The specified version (7.99) is not "
     "recognized. Consider using the latest supported version (2025-07-01).\"}}"},
    {"s2_api_version_unknown_put", "PUT", "/secrets/new-one?api-version=7.99", "{\"value\":\"v\"}",
     BIG_NONE, 400, "BadParameter", NULL,
     "The specified version (7.99) is not recognized. Consider using the latest supported version "
     "(2025-07-01).",
     NULL},
    /* §2 "api-version missing": suggested 400 BadParameter. */
    {"s2_api_version_missing", "GET", "/secrets/api-key/", NULL, BIG_NONE, 400, "BadParameter",
     NULL, NULL, NULL},
    {"s2_api_version_missing_put", "PUT", "/secrets/new-one", "{\"value\":\"v\"}", BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_api_version_empty", "GET", "/secrets?api-version=", NULL, BIG_NONE, 400, "BadParameter",
     NULL, NULL, NULL},
    /* §2 "Bad secret name": exact recorded body. */
    {"s2_bad_name_underscore", "PUT", "/secrets/my_secret?api-version=7.4", "{\"value\":\"v\"}",
     BIG_NONE, 400, NULL, NULL, NULL, BAD_NAME_BODY("my_secret")},
    {"s2_bad_name_dot", "PUT", "/secrets/a.b?api-version=7.4", "{\"value\":\"v\"}", BIG_NONE, 400,
     NULL, NULL, NULL, BAD_NAME_BODY("a.b")},
    {"s2_bad_name_get", "GET", "/secrets/my_secret/?api-version=7.4", NULL, BIG_NONE, 400, NULL,
     NULL, NULL, BAD_NAME_BODY("my_secret")},
    {"s2_bad_name_delete", "DELETE", "/secrets/my_secret?api-version=7.4", NULL, BIG_NONE, 400,
     NULL, NULL, NULL, BAD_NAME_BODY("my_secret")},
    {"s5_bad_name_128_chars", "PUT", NULL, "{\"value\":\"v\"}", BIG_NAME_128, 400, "BadParameter",
     NULL, NULL, NULL},
    {"s5_name_127_chars_ok", "PUT", NULL, "{\"value\":\"v\"}", BIG_NAME_127, 200, NULL, NULL, NULL,
     NULL},
    /* §2 "Value over 25 KB". */
    {"s2_value_25601_too_large", "PUT", "/secrets/big-value?api-version=7.4", NULL, BIG_VALUE_25601,
     400, "BadParameter", "SecretTooLarge",
     "Secret is beyond the maximum permitted length of 25600 characters.", NULL},
    {"s5_value_25600_ok", "PUT", "/secrets/big-value?api-version=7.4", NULL, BIG_VALUE_25600, 200,
     NULL, NULL, NULL, NULL},
    /* §2 "More than 15 tags": exact recorded body, CRLF included. */
    {"s2_tags_16", "PUT", "/secrets/tagged?api-version=7.4", NULL, BIG_TAGS_16, 400, NULL, NULL,
     NULL,
     "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Property has invalid value\\r\\n\"}}"},
    {"s2_tags_16_patch", "PATCH", "/secrets/api-key/?api-version=7.4", NULL, BIG_TAGS_16, 400, NULL,
     NULL, NULL,
     "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Property has invalid value\\r\\n\"}}"},
    {"s5_tags_15_ok", "PUT", "/secrets/tagged?api-version=7.4", NULL, BIG_TAGS_15, 200, NULL, NULL,
     NULL, NULL},
    {"s5_tag_value_257", "PUT", "/secrets/tagged?api-version=7.4", NULL, BIG_TAG_VALUE_257, 400,
     NULL, NULL, NULL, NULL},
    /* §5 contentType at most 255 characters. */
    {"s5_content_type_256", "PUT", "/secrets/ct?api-version=7.4", NULL, BIG_CT_256, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s5_content_type_255_ok", "PUT", "/secrets/ct?api-version=7.4", NULL, BIG_CT_255, 200, NULL,
     NULL, NULL, NULL},
    /* §2 "maxresults > 25" and §5 maxresults 1..25. */
    {"s2_maxresults_0", "GET", "/secrets?api-version=7.4&maxresults=0", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_26", "GET", "/secrets?api-version=7.4&maxresults=26", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_abc", "GET", "/secrets?api-version=7.4&maxresults=abc", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_negative", "GET", "/secrets?api-version=7.4&maxresults=-1", NULL, BIG_NONE, 400,
     "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_26_deleted", "GET", "/deletedsecrets?api-version=7.4&maxresults=26", NULL,
     BIG_NONE, 400, "BadParameter", NULL, NULL, NULL},
    {"s2_maxresults_26_versions", "GET", "/secrets/api-key/versions?api-version=7.4&maxresults=26",
     NULL, BIG_NONE, 400, "BadParameter", NULL, NULL, NULL},
    /* Bodies that are not the SetSecret shape (real texts unknown: status and envelope only). */
    {"body_invalid_json", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    /* cJSON alone would stop after the first document and accept this. */
    {"body_trailing_data", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":\"v\"} trailing",
     BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_empty", "PUT", "/secrets/api-key?api-version=7.4", "", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_json_array", "PUT", "/secrets/api-key?api-version=7.4", "[\"value\"]", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    {"body_json_null", "PUT", "/secrets/api-key?api-version=7.4", "null", BIG_NONE, 400, NULL, NULL,
     NULL, NULL},
    {"body_json_string", "PUT", "/secrets/api-key?api-version=7.4", "\"value\"", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    {"body_value_missing", "PUT", "/secrets/api-key?api-version=7.4", "{\"contentType\":\"x\"}",
     BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_value_number", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":5}", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    {"body_value_null", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":null}", BIG_NONE,
     400, NULL, NULL, NULL, NULL},
    {"body_tags_array", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"tags\":[\"a\"]}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_tag_value_number", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"tags\":{\"a\":1}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_enabled_string", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"enabled\":\"true\"}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_exp_string", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"exp\":\"2030-01-01\"}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_nbf_string", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":{\"nbf\":\"1700000000\"}}", BIG_NONE, 400, NULL, NULL, NULL,
     NULL},
    {"body_attributes_array", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"attributes\":[true]}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_content_type_number", "PUT", "/secrets/api-key?api-version=7.4",
     "{\"value\":\"v\",\"contentType\":42}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_invalid_utf8", "PUT", "/secrets/api-key?api-version=7.4", "{\"value\":\"\xff\xfe\xc3\"}",
     BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_patch_invalid_json", "PATCH", "/secrets/api-key/?api-version=7.4", "{tags:", BIG_NONE,
     400, NULL, NULL, NULL, NULL},
    {"body_patch_enabled_string", "PATCH", "/secrets/api-key/?api-version=7.4",
     "{\"attributes\":{\"enabled\":\"no\"}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_patch_exp_string", "PATCH", "/secrets/api-key/?api-version=7.4",
     "{\"attributes\":{\"exp\":\"soon\"}}", BIG_NONE, 400, NULL, NULL, NULL, NULL},
    {"body_restore_not_json", "POST", "/secrets/restore?api-version=7.4", "<xml/>", BIG_NONE, 400,
     NULL, NULL, NULL, NULL},
    /* The mock's 1 MiB cap (DESIGN §2 http): 413, and the server keeps serving. */
    {"body_over_1mib_413", "PUT", "/secrets/api-key?api-version=7.4", NULL, BIG_BODY_OVER_1MB, 413,
     NULL, NULL, NULL, NULL},
    /* §2 404 rows. */
    {"s2_secret_missing_get", "GET", "/secrets/missing/?api-version=7.4", NULL, BIG_NONE, 404, NULL,
     NULL, NULL, "NOTFOUND:missing"},
    {"s2_secret_soft_deleted_get", "GET", "/secrets/old-secret?api-version=7.4", NULL, BIG_NONE,
     404, NULL, NULL, NULL, "NOTFOUND:old-secret"},
    {"s2_secret_missing_delete", "DELETE", "/secrets/missing?api-version=7.4", NULL, BIG_NONE, 404,
     NULL, NULL, NULL, "NOTFOUND:missing"},
    {"s2_secret_missing_recover", "POST", "/deletedsecrets/never-existed/recover?api-version=7.4",
     "", BIG_NONE, 404, NULL, NULL, NULL, "NOTFOUND:never-existed"},
    {"s2_secret_missing_backup", "POST", "/secrets/missing/backup?api-version=7.4", "", BIG_NONE,
     404, NULL, NULL, NULL, "NOTFOUND:missing"},
    {"s2_secret_soft_deleted_backup", "POST", "/secrets/old-secret/backup?api-version=7.4", "",
     BIG_NONE, 404, NULL, NULL, NULL, "NOTFOUND:old-secret"},
    {"s2_secret_missing_patch", "PATCH", "/secrets/missing/?api-version=7.4", "{\"tags\":{}}",
     BIG_NONE, 404, "SecretNotFound", NULL, NULL, NULL},
    {"s2_deleted_missing_get", "GET", "/deletedsecrets/missing?api-version=7.4", NULL, BIG_NONE,
     404, NULL, NULL, NULL,
     "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: missing\"}}"},
    {"s2_deleted_live_get", "GET", "/deletedsecrets/api-key?api-version=7.4", NULL, BIG_NONE, 404,
     NULL, NULL, NULL,
     "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: api-key\"}}"},
    {"s2_deleted_missing_purge", "DELETE", "/deletedsecrets/missing?api-version=7.4", NULL,
     BIG_NONE, 404, NULL, NULL, NULL,
     "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: missing\"}}"},
    {"s2_version_missing", "GET",
     "/secrets/api-key/00000000000000000000000000000000?api-version=7.4", NULL, BIG_NONE, 404,
     "SecretNotFound", NULL, NULL, NULL},
    /* Mock routing: unknown path on a vault (after the checks), wrong methods. */
    {"mock_unknown_vault_path", "GET", "/secrets/a/b/c?api-version=7.4", NULL, BIG_NONE, 404, NULL,
     NULL, NULL, NULL},
    {"mock_wrong_method_post_list", "POST", "/secrets?api-version=7.4", "{}", BIG_NONE, 405, NULL,
     NULL, NULL, NULL},
    {"mock_wrong_method_delete_list", "DELETE", "/secrets?api-version=7.4", NULL, BIG_NONE, 405,
     NULL, NULL, NULL, NULL},
    {"mock_wrong_method_put_deleted", "PUT", "/deletedsecrets/old-secret?api-version=7.4",
     "{\"value\":\"v\"}", BIG_NONE, 405, NULL, NULL, NULL, NULL},
};

/* Builds the body / path of a row with a generated size. Returns malloc'd strings. */
static void build_row(const struct bad_row *row, char **path, char **body)
{
    size_t n;
    char *b = NULL, *p = NULL;

    switch (row->big) {
    case BIG_VALUE_25601:
    case BIG_VALUE_25600:
        n = row->big == BIG_VALUE_25601 ? 25601 : 25600;
        b = hc_xmalloc(n + 32);
        strcpy(b, "{\"value\":\"");
        memset(b + 10, 'a', n);
        strcpy(b + 10 + n, "\"}");
        break;
    case BIG_TAGS_16:
    case BIG_TAGS_15: {
        int k = row->big == BIG_TAGS_16 ? 16 : 15;
        size_t off;
        b = hc_xmalloc(1024);
        off = (size_t)sprintf(b, "{%s\"tags\":{",
                              strcmp(row->method, "PATCH") ? "\"value\":\"v\"," : "");
        for (int i = 0; i < k; i++)
            off += (size_t)sprintf(b + off, "%s\"t%d\":\"v\"", i ? "," : "", i);
        strcpy(b + off, "}}");
        break;
    }
    case BIG_TAG_VALUE_257:
        b = hc_xmalloc(400);
        strcpy(b, "{\"value\":\"v\",\"tags\":{\"t\":\"");
        n = strlen(b);
        memset(b + n, 'x', 257);
        strcpy(b + n + 257, "\"}}");
        break;
    case BIG_CT_256:
    case BIG_CT_255:
        n = row->big == BIG_CT_256 ? 256 : 255;
        b = hc_xmalloc(n + 64);
        strcpy(b, "{\"value\":\"v\",\"contentType\":\"");
        memset(b + strlen(b), 'c', n);
        strcpy(b + 28 + n, "\"}");
        break;
    case BIG_NAME_128:
    case BIG_NAME_127:
        n = row->big == BIG_NAME_128 ? 128 : 127;
        p = hc_xmalloc(n + 64);
        strcpy(p, "/secrets/");
        memset(p + 9, 'n', n);
        strcpy(p + 9 + n, "?api-version=7.4");
        break;
    case BIG_BODY_OVER_1MB:
        n = 1024 * 1024 + 16;
        b = hc_xmalloc(n + 32);
        strcpy(b, "{\"value\":\"");
        memset(b + 10, 'a', n);
        strcpy(b + 10 + n, "\"}");
        break;
    default:
        break;
    }
    *path = p ? p : strdup(row->path);
    *body = b ? b : (row->body ? strdup(row->body) : NULL);
}

/* One row of the table: exact status (and body, code, inner code or message where the spec
 * gives them), the common headers, no challenge on non-401s, and for refusals an unchanged
 * store. */
START_TEST(test_s2_bad_request_rows)
{
    const struct bad_row *row = &bad_rows[_i];
    char *path, *body, *s0 = hc_state(srv), *s1, hb[256];
    struct mvt_resp r;

    build_row(row, &path, &body);
    hc_req(srv, row->method, DEMO, path, tok, NULL, body, &r);
    hc_assert_status(&r, row->status, row->label);
    hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", row->label);
    ck_assert_msg(hc_is_guid(mvt_header(&r, "x-ms-request-id", hb, sizeof hb)), "%s: request id",
                  row->label);
    hc_assert_no_header(&r, "WWW-Authenticate", row->label);
    if (row->status >= 400) {
        ck_assert_msg(r.json && cJSON_IsString(hc_jget(r.json, "error.code")) &&
                          cJSON_IsString(hc_jget(r.json, "error.message")),
                      "%s: Key Vault error envelope", row->label);
        ck_assert_msg(hc_no_nulls(r.json, NULL), "%s: no nulls", row->label);
    }
    if (row->code)
        ck_assert_msg(strcmp(hc_err_code(&r), row->code) == 0, "%s: code %s, want %s", row->label,
                      hc_err_code(&r), row->code);
    if (row->inner)
        ck_assert_msg(hc_jstr(r.json, "error.innererror.code") &&
                          strcmp(hc_jstr(r.json, "error.innererror.code"), row->inner) == 0,
                      "%s: innererror %s", row->label, row->inner);
    if (row->message)
        ck_assert_msg(hc_jstr(r.json, "error.message") &&
                          strcmp(hc_jstr(r.json, "error.message"), row->message) == 0,
                      "%s: message '%s', want '%s'", row->label,
                      hc_jstr(r.json, "error.message") ? hc_jstr(r.json, "error.message") : "",
                      row->message);
    if (row->exact && strncmp(row->exact, "NOTFOUND:", 9) == 0) {
        char want[1024];
        snprintf(want, sizeof want, not_found_fmt, row->exact + 9);
        hc_assert_body(&r, want, true, row->label);
    } else if (row->exact) {
        hc_assert_body(&r, row->exact, true, row->label);
    }
    mvt_resp_free(&r);
    s1 = hc_state(srv);
    if (row->status >= 400)
        ck_assert_msg(strcmp(s0, s1) == 0, "%s: store unchanged after a refused request",
                      row->label);
    if (row->big == BIG_BODY_OVER_1MB) {
        /* The server keeps serving on new connections. */
        hc_set(srv, DEMO, tok, "after-413", "{\"value\":\"fine\"}", &r);
        mvt_resp_free(&r);
    }
    free(s0);
    free(s1);
    free(path);
    free(body);
}
END_TEST

/* ---- Mock-specific routing answers ---- */

/* DESIGN §3: an unknown vault host gets a clear 404 naming the vaults that exist (checked with a
 * Host header, as TLS names cover only real vaults). */
START_TEST(test_mock_unknown_vault_404_names_vaults)
{
    char host[128];
    const char *hosts[2];
    const char *hdr[2] = {NULL, NULL};

    snprintf(host, sizeof host, "Host: nope.localhost:%u", (unsigned)mv_server_port(srv));
    hosts[0] = host;
    hosts[1] = "Host: nope.vault.azure.net";
    for (int i = 0; i < 2; i++) {
        struct mvt_resp r;
        const char *msg;
        hdr[0] = hosts[i];
        hc_req(srv, "GET", "localhost", "/secrets?api-version=7.4", tok, hdr, NULL, &r);
        hc_assert_status(&r, 404, hosts[i]);
        msg = hc_jstr(r.json, "error.message");
        ck_assert_msg(msg && strstr(msg, "demo") && strstr(msg, "rbac-demo"),
                      "%s: message names the vaults: %s", hosts[i], msg ? msg : "(none)");
        ck_assert_msg(strstr(msg, "nope") != NULL, "names the host asked for");
        mvt_resp_free(&r);
    }
}
END_TEST

/* Unknown paths outside the vault are 404; wrong methods on known paths 405. */
START_TEST(test_mock_unknown_path_and_method)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/no/such/endpoint", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 404, "unknown path");
    mvt_resp_free(&r);
    hc_req(srv, "DELETE", "localhost", "/_mock/health", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 405, "DELETE /_mock/health");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/" T_TENANT "/oauth2/v2.0/token", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 405, "GET token endpoint");
    mvt_resp_free(&r);
}
END_TEST

/* Robustness: a 64 KiB header, a 64 KiB bearer token and a 64 KiB URL do not crash the server;
 * it still answers /_mock/health and vault requests afterwards. */
START_TEST(test_mock_huge_header_survives)
{
    size_t n = 64 * 1024;
    char *hdr = hc_xmalloc(n + 32), *big_tok = hc_xmalloc(n + 1), *url = hc_xmalloc(n + 64);
    const char *hl[] = {hdr, NULL};
    struct mvt_resp r;

    strcpy(hdr, "X-Big: ");
    memset(hdr + 7, 'h', n);
    hdr[7 + n] = '\0';
    memset(big_tok, 'e', n);
    big_tok[n] = '\0';
    strcpy(url, "/secrets/");
    memset(url + 9, 'u', n);
    strcpy(url + 9 + n, "?api-version=7.4");

    if (mvt_request(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", tok, hl, NULL, &r) ==
        0) {
        ck_assert_msg(r.status >= 400 || r.status == 200, "some answer");
        mvt_resp_free(&r);
    }
    if (mvt_request(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", big_tok, NULL, NULL,
                    &r) == 0) {
        ck_assert_msg(r.status != 200, "a 64 KiB garbage token is not accepted");
        mvt_resp_free(&r);
    }
    if (mvt_request(srv, "GET", DEMO, url, tok, NULL, NULL, &r) == 0) {
        ck_assert_msg(r.status >= 400, "a 64 KiB name is refused (status %ld)", r.status);
        mvt_resp_free(&r);
    }
    hc_req(srv, "GET", "localhost", "/_mock/health", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "health after huge headers");
    mvt_resp_free(&r);
    hc_req(srv, "GET", DEMO, "/secrets/api-key/?api-version=7.4", tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "vault still serving");
    mvt_resp_free(&r);
    free(hdr);
    free(big_tok);
    free(url);
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("http-errors");
    TCase *auth = tcase_create("auth");
    TCase *tenants = tcase_create("two-tenants");
    TCase *val = tcase_create("validation");
    TCase *mock = tcase_create("mock");

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

    tcase_add_checked_fixture(val, setup, teardown);
    tcase_add_loop_test(val, test_s2_bad_request_rows, 0,
                        (int)(sizeof bad_rows / sizeof bad_rows[0]));
    suite_add_tcase(s, val);

    tcase_add_checked_fixture(mock, setup, teardown);
    tcase_add_test(mock, test_mock_unknown_vault_404_names_vaults);
    tcase_add_test(mock, test_mock_unknown_path_and_method);
    tcase_add_test(mock, test_mock_huge_header_survives);
    suite_add_tcase(s, mock);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(errors_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
