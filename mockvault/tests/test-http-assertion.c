/* test-http-assertion.c: certificate credentials (spec/identity.md §1.1): client_assertion JWTs
 * built here with GnuTLS from the fixture's private key (fixtures/certs/automation-flow.pem), RS256
 * with x5t and PS256 with x5t#S256, sent over real HTTPS to the embedded server; every refusal with
 * its status, error and AADSTS code; and the "certificates" field of fixtures and snapshots.
 *
 * Assertions, tokens and keys are never printed: failures report statuses and error codes only. */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpcheck.h"
#include "state.h"
#include "store.h"
#include "testlib.h"
#include "util.h"

#define FORM "Content-Type: application/x-www-form-urlencoded"
#define VAULT_SCOPE "https%3A%2F%2Fvault.azure.net%2F.default"
#define TOKEN_V2 "/" T_TENANT "/oauth2/v2.0/token"
#define TOKEN_V1 "/" T_TENANT "/oauth2/token"
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define JWT_BEARER_ENC "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
#define FLOW_OID "33333333-3333-3333-3333-333333333333"
#define FLOW_PEM MV_SOURCE_ROOT "/fixtures/certs/automation-flow.pem"
#define FLOW_X5T_HEX "7ADA0B4BE25989C471325C8D37B0F2C3C7AFDE9E"
#define FLOW_S256 "E1V5aN1XizL0TwQOQTMPmp4R_qBwpCVebLfrb-EVVZA"

static struct mv_server *srv;

/* ---- Keys and certificates ---- */

/* A signing key with its certificate's thumbprints. */
struct signer {
    gnutls_privkey_t key;
    unsigned char sha1[20], sha256[32];
    char *cert_pem; /* the certificate alone (PEM), for fixtures */
};

static void signer_free(struct signer *s)
{
    if (s->key)
        gnutls_privkey_deinit(s->key);
    free(s->cert_pem);
    memset(s, 0, sizeof *s);
}

/* Fills thumbprints and cert_pem from crt. */
static void signer_cert(struct signer *s, gnutls_x509_crt_t crt)
{
    gnutls_datum_t der = {NULL, 0}, pem = {NULL, 0};

    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem), 0);
    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA1, der.data, der.size, s->sha1), 0);
    ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, s->sha256), 0);
    s->cert_pem = strndup((const char *)pem.data, pem.size);
    gnutls_free(der.data);
    gnutls_free(pem.data);
}

/* The fixture's key and certificate, read from the PEM the SDKs use (certificate, then key). */
static void load_flow_signer(struct signer *s)
{
    size_t len = 0;
    char *text = cx_read_file(FLOW_PEM, 1 << 20, &len);
    gnutls_datum_t d;
    gnutls_x509_crt_t crt;

    memset(s, 0, sizeof *s);
    ck_assert_msg(text != NULL, "read %s", FLOW_PEM);
    d.data = (unsigned char *)text;
    d.size = (unsigned)len;
    ck_assert_int_eq(gnutls_privkey_init(&s->key), 0);
    ck_assert_int_eq(gnutls_privkey_import_x509_raw(s->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    signer_cert(s, crt);
    gnutls_x509_crt_deinit(crt);
    memset(text, 0, len);
    free(text);
}

/* A fresh key of type pk (RSA 2048 or ECDSA P-256) with a self-signed certificate valid from
 * not_before to not_after. */
static void make_signer(struct signer *s, gnutls_pk_algorithm_t pk, time_t not_before,
                        time_t not_after)
{
    gnutls_x509_privkey_t xk;
    gnutls_x509_crt_t crt;
    unsigned char serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    unsigned bits = pk == GNUTLS_PK_RSA ? 2048 : GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);

    memset(s, 0, sizeof *s);
    ck_assert_int_eq(gnutls_x509_privkey_init(&xk), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(xk, pk, bits, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_version(crt, 3), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_activation_time(crt, not_before), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(crt, not_after), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_dn(crt, "CN=mockvault test", NULL), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key(crt, xk), 0);
    ck_assert_int_eq(gnutls_x509_crt_sign2(crt, crt, xk, GNUTLS_DIG_SHA256, 0), 0);
    signer_cert(s, crt);
    ck_assert_int_eq(gnutls_privkey_init(&s->key), 0);
    ck_assert_int_eq(gnutls_privkey_import_x509(s->key, xk, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE), 0);
    gnutls_x509_crt_deinit(crt);
}

/* ---- Assertions ---- */

/* What goes into an assertion; the defaults (assertion_defaults) are msal-node's shape. */
struct shape {
    const char *alg;       /* "RS256", "PS256", or anything to put in the header */
    const char *sign_as;   /* NULL = as alg says; "RS256"/"PS256" to sign differently; "none" */
    bool x5t, x5t_s256;    /* which thumbprint headers to send */
    const char *typ;       /* NULL = no typ */
    const char *iss, *sub; /* NULL = left out */
    char aud[400];         /* "" = left out */
    bool aud_array;
    bool has_nbf, has_exp, has_iat;
    int64_t nbf, exp, iat;
    size_t pad; /* bytes of filler claim, for huge assertions */
};

static void assertion_defaults(struct shape *sh, bool ps256, int64_t now)
{
    memset(sh, 0, sizeof *sh);
    sh->alg = ps256 ? "PS256" : "RS256";
    sh->x5t = !ps256;
    sh->x5t_s256 = ps256;
    sh->typ = "JWT";
    sh->iss = sh->sub = T_FLOW_ID;
    snprintf(sh->aud, sizeof sh->aud, "https://localhost:%u%s", (unsigned)mv_server_port(srv),
             TOKEN_V2);
    sh->has_nbf = sh->has_exp = true;
    sh->nbf = now;
    sh->exp = now + 600;
}

/* Builds and signs the assertion (caller frees). */
static char *make_assertion(const struct signer *s, const struct shape *sh)
{
    cJSON *h = cJSON_CreateObject(), *c = cJSON_CreateObject();
    char *hj, *cj, *h64, *c64, *input, *sig64, *out;
    const char *how = sh->sign_as ? sh->sign_as : sh->alg;
    gnutls_datum_t data, sig = {NULL, 0};
    char jti[37], *pad = NULL;

    cJSON_AddStringToObject(h, "alg", sh->alg);
    if (sh->typ)
        cJSON_AddStringToObject(h, "typ", sh->typ);
    if (sh->x5t) {
        char *t = hc_b64url_encode(s->sha1, sizeof s->sha1);
        cJSON_AddStringToObject(h, "x5t", t);
        free(t);
    }
    if (sh->x5t_s256) {
        char *t = hc_b64url_encode(s->sha256, sizeof s->sha256);
        cJSON_AddStringToObject(h, "x5t#S256", t);
        free(t);
    }
    if (sh->aud[0]) {
        if (sh->aud_array) {
            cJSON *a = cJSON_AddArrayToObject(c, "aud");
            cJSON_AddItemToArray(a, cJSON_CreateString(sh->aud));
        } else {
            cJSON_AddStringToObject(c, "aud", sh->aud);
        }
    }
    if (sh->has_exp)
        cJSON_AddNumberToObject(c, "exp", (double)sh->exp);
    if (sh->iss)
        cJSON_AddStringToObject(c, "iss", sh->iss);
    mv_rand_guid(jti);
    cJSON_AddStringToObject(c, "jti", jti);
    if (sh->has_nbf)
        cJSON_AddNumberToObject(c, "nbf", (double)sh->nbf);
    if (sh->has_iat)
        cJSON_AddNumberToObject(c, "iat", (double)sh->iat);
    if (sh->sub)
        cJSON_AddStringToObject(c, "sub", sh->sub);
    if (sh->pad) {
        pad = hc_xmalloc(sh->pad + 1);
        memset(pad, 'x', sh->pad);
        pad[sh->pad] = '\0';
        cJSON_AddStringToObject(c, "filler", pad);
        free(pad);
    }
    hj = cJSON_PrintUnformatted(h);
    cj = cJSON_PrintUnformatted(c);
    h64 = hc_b64url_encode(hj, strlen(hj));
    c64 = hc_b64url_encode(cj, strlen(cj));
    input = hc_xmalloc(strlen(h64) + strlen(c64) + 2);
    sprintf(input, "%s.%s", h64, c64);
    data.data = (unsigned char *)input;
    data.size = (unsigned)strlen(input);
    if (strcmp(how, "none") == 0) {
        sig64 = strdup("");
    } else if (strcmp(how, "HS256") == 0) {
        /* The classic forgery: HMAC keyed with the public certificate. */
        unsigned char mac[32];
        ck_assert_int_eq(gnutls_hmac_fast(GNUTLS_MAC_SHA256, s->cert_pem, strlen(s->cert_pem),
                                          data.data, data.size, mac),
                         0);
        sig64 = hc_b64url_encode(mac, sizeof mac);
    } else if (strcmp(how, "PS256") == 0) {
        ck_assert_int_eq(
            gnutls_privkey_sign_data2(s->key, GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, 0, &data, &sig), 0);
        sig64 = hc_b64url_encode(sig.data, sig.size);
    } else if (strcmp(how, "ES256") == 0) {
        ck_assert_int_eq(
            gnutls_privkey_sign_data2(s->key, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig), 0);
        sig64 = hc_b64url_encode(sig.data, sig.size);
    } else {
        ck_assert_int_eq(gnutls_privkey_sign_data2(s->key, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig),
                         0);
        sig64 = hc_b64url_encode(sig.data, sig.size);
    }
    out = hc_xmalloc(strlen(input) + strlen(sig64) + 2);
    sprintf(out, "%s.%s", input, sig64);
    gnutls_free(sig.data);
    cJSON_Delete(h);
    cJSON_Delete(c);
    cJSON_free(hj);
    cJSON_free(cj);
    free(h64);
    free(c64);
    free(input);
    free(sig64);
    return out;
}

/* POSTs a client-credentials form with the assertion (NULL = none) to path on host. type: the
 * client_assertion_type, already form-encoded (NULL = none). extra: more form fields ("" = none).
 * client_id NULL = automation-flow. */
static void post_assertion(const char *host, const char *path, const char *client_id,
                           const char *assertion, const char *type, const char *extra,
                           struct mvt_resp *r)
{
    const char *hdr[] = {FORM, NULL};
    bool v1 = strstr(path, "/oauth2/token") != NULL;
    size_t n = (assertion ? strlen(assertion) : 0) + 1024;
    char *body = hc_xmalloc(n);

    snprintf(body, n, "grant_type=client_credentials&client_id=%s&%s%s%s%s%s%s",
             client_id ? client_id : T_FLOW_ID,
             v1 ? "resource=https%3A%2F%2Fvault.azure.net" : "scope=" VAULT_SCOPE,
             type ? "&client_assertion_type=" : "", type ? type : "",
             assertion ? "&client_assertion=" : "", assertion ? assertion : "", extra);
    hc_req(srv, "POST", host, path, NULL, hdr, body, r);
    memset(body, 0, strlen(body));
    free(body);
}

/* Asserts an AADSTS envelope: status, error, error_codes [code] and the description's start. */
static void expect_aad(const struct mvt_resp *r, long status, const char *error, int code,
                       const char *desc_start, const char *what)
{
    char want[32];
    const char *d;

    hc_assert_status(r, status, what);
    ck_assert_msg(hc_jstr(r->json, "error") && strcmp(hc_jstr(r->json, "error"), error) == 0,
                  "%s: error %s, want %s", what, hc_err_code(r), error);
    ck_assert_msg(cJSON_GetArraySize(hc_jget(r->json, "error_codes")) == 1 &&
                      hc_jint(r->json, "error_codes.0") == code,
                  "%s: error_codes is not [%d]", what, code);
    snprintf(want, sizeof want, "AADSTS%d: ", code);
    d = hc_jstr(r->json, "error_description");
    ck_assert_msg(d && strncmp(d, want, strlen(want)) == 0, "%s: description must start with %s",
                  what, want);
    ck_assert_msg(strncmp(d + strlen(want), desc_start, strlen(desc_start)) == 0,
                  "%s: description '%.200s' must start with '%s'", what, d + strlen(want),
                  desc_start);
}

/* ---- Fixtures ---- */

static struct signer flow;

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    load_flow_signer(&flow);
}

static void teardown(void)
{
    signer_free(&flow);
    mv_server_stop(srv);
    srv = NULL;
}

/* Checks the issued token: a v1 Key Vault token of automation-flow with appidacr "2". */
static void check_cert_token(const char *jwt)
{
    cJSON *c = hc_jwt_part(jwt, 1);

    ck_assert_msg(c != NULL, "token payload");
    ck_assert_str_eq(hc_jstr(c, "aud"), "https://vault.azure.net");
    ck_assert_str_eq(hc_jstr(c, "appid"), T_FLOW_ID);
    ck_assert_str_eq(hc_jstr(c, "appidacr"), "2");
    ck_assert_str_eq(hc_jstr(c, "oid"), FLOW_OID);
    ck_assert_str_eq(hc_jstr(c, "tid"), T_TENANT);
    cJSON_Delete(c);
}

/* The token reads the secret automation-flow may get (access policy "get" on vault demo). */
static void check_token_reads_secret(const char *jwt)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/secrets/graph-app-secret/?api-version=7.4", jwt, NULL, NULL,
           &r);
    hc_assert_status(&r, 200, "GET graph-app-secret with the certificate token");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "graph-app-client-secret-v2");
    mvt_resp_free(&r);
}

/* ---- Success ---- */

/* identity §1.1, msal-node and MSAL-Python shapes: RS256 + x5t (SHA-1) and PS256 + x5t#S256,
 * with and without iat; the token has appidacr "2" and works against the vault. */
START_TEST(test_assertion_success)
{
    static const struct {
        const char *label;
        bool ps256, iat;
    } cases[] = {
        {"RS256 x5t (msal-node thumbprint)", false, false},
        {"PS256 x5t#S256 (msal-node thumbprintSha256)", true, false},
        {"RS256 x5t with iat (MSAL-Python)", false, true},
        {"PS256 x5t#S256 with iat (MSAL-Python)", true, true},
    };
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assertion_defaults(&sh, cases[i].ps256, now);
        sh.has_iat = cases[i].iat;
        sh.iat = now;
        a = make_assertion(&flow, &sh);
        post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
        hc_assert_status(&r, 200, cases[i].label);
        ck_assert_str_eq(hc_jstr(r.json, "token_type"), "Bearer");
        check_cert_token(hc_jstr(r.json, "access_token"));
        check_token_reads_secret(hc_jstr(r.json, "access_token"));
        mvt_resp_free(&r);
        free(a);
    }
}
END_TEST

/* aud: the token endpoint as the client used it, with the tenant as id or domain, v2 or v1, on
 * the host the request reached. */
START_TEST(test_assertion_audiences)
{
    unsigned port = (unsigned)mv_server_port(srv);
    int64_t now = hc_now(srv);
    /* aud = origin ":" port path. */
    struct {
        const char *host, *path, *origin, *aud_path;
    } cases[] = {
        {"localhost", TOKEN_V2, "https://localhost", "/" T_TENANT "/oauth2/v2.0/token"},
        {"localhost", TOKEN_V2, "https://localhost", "/contoso.onmicrosoft.com/oauth2/v2.0/token"},
        {"localhost", TOKEN_V2, "https://LOCALHOST", "/" T_TENANT "/oauth2/v2.0/token"},
        {"localhost", TOKEN_V2, "https://localhost", "/" T_TENANT "/oauth2/token"},
        {"localhost", "/contoso.onmicrosoft.com/oauth2/v2.0/token", "https://localhost",
         "/contoso.onmicrosoft.com/oauth2/v2.0/token"},
        {"localhost", TOKEN_V1, "https://localhost", "/" T_TENANT "/oauth2/token"},
        {"demo.localhost", TOKEN_V2, "https://demo.localhost", "/" T_TENANT "/oauth2/v2.0/token"},
    };
    struct shape sh;
    struct mvt_resp r;
    char *a;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assertion_defaults(&sh, i % 2 == 1, now);
        snprintf(sh.aud, sizeof sh.aud, "%s:%u%s", cases[i].origin, port, cases[i].aud_path);
        a = make_assertion(&flow, &sh);
        post_assertion(cases[i].host, cases[i].path, NULL, a, JWT_BEARER_ENC, "", &r);
        hc_assert_status(&r, 200, sh.aud);
        check_cert_token(hc_jstr(r.json, "access_token"));
        if (strcmp(cases[i].path, TOKEN_V1) == 0)
            ck_assert_msg(cJSON_IsString(hc_jget(r.json, "expires_on")), "v1 answer");
        mvt_resp_free(&r);
        free(a);
    }
}
END_TEST

/* Proxy mode: a request that reached the mock as login.microsoftonline.com (the Host an SDK
 * behind HTTPS_PROXY sends) has Azure's token URL as its audience, without the port. */
START_TEST(test_assertion_azure_host)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, true, now);
    snprintf(sh.aud, sizeof sh.aud, "https://login.microsoftonline.com%s", TOKEN_V2);
    a = make_assertion(&flow, &sh);
    post_assertion("login.microsoftonline.com", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "aud https://login.microsoftonline.com/...");
    check_cert_token(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    free(a);

    /* The mock's own origin is not Azure's. */
    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);
    post_assertion("login.microsoftonline.com", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700023, "Client assertion audience claim",
               "aud https://localhost:PORT/... on login.microsoftonline.com");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* Entra allows 5 minutes of clock skew on exp and nbf. */
START_TEST(test_assertion_skew)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, false, now);
    sh.nbf = now - 900;
    sh.exp = now - 250;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "expired 250 s ago: within the skew");
    mvt_resp_free(&r);
    free(a);

    assertion_defaults(&sh, true, now);
    sh.nbf = now + 250;
    sh.exp = now + 850;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "valid in 250 s: within the skew");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* ---- Refusals ---- */

/* The request around the assertion: its type, and a secret next to it. */
START_TEST(test_assertion_request_shape)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);

    post_assertion("localhost", TOKEN_V2, NULL, a,
                   "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", "", &r);
    expect_aad(&r, 400, "invalid_request", 90011, "Unexpected client assertion type.",
               "wrong client_assertion_type");
    ck_assert_msg(strstr(r.body, "eyJ") == NULL, "the assertion is not echoed");
    mvt_resp_free(&r);

    post_assertion("localhost", TOKEN_V2, NULL, a, NULL, "", &r);
    expect_aad(&r, 400, "invalid_request", 900144,
               "The request body must contain the following parameter: 'client_assertion_type'.",
               "missing client_assertion_type");
    mvt_resp_free(&r);

    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "&client_secret=" T_FLOW_SECRET,
                   &r);
    expect_aad(&r, 400, "invalid_request", 9002313, "Invalid request.",
               "client_secret and client_assertion");
    mvt_resp_free(&r);

    /* A type without an assertion is no credential at all. */
    post_assertion("localhost", TOKEN_V2, NULL, NULL, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 7000218,
               "The request body must contain the following parameter: 'client_assertion' or "
               "'client_secret'.",
               "type without assertion");
    mvt_resp_free(&r);

    /* Unknown app: the app lookup comes first, as for secrets. */
    post_assertion("localhost", TOKEN_V2, "deadbeef-0000-4000-8000-000000000000", a, JWT_BEARER_ENC,
                   "", &r);
    expect_aad(&r, 400, "unauthorized_client", 700016, "Application with identifier",
               "unknown client_id");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* Assertions that are not JWTs, or not signed JWTs: AADSTS50027 (or 5002727 / 5002730). */
START_TEST(test_assertion_malformed)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a, *huge;
    struct signer ec;

    static const char *const garbage[] = {
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJSUzI1NiJ9..",
        "%21%21%21.%21%21%21.%21%21%21",
        /* Header not JSON: "hello". */
        "aGVsbG8.e30.c2ln",
        /* Header a JSON array. */
        "WzFd.e30.c2ln",
        /* Five parts: a JWE. */
        "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        post_assertion("localhost", TOKEN_V2, NULL, garbage[i], JWT_BEARER_ENC, "", &r);
        expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
                   garbage[i]);
        mvt_resp_free(&r);
    }

    /* An empty signature, as in the real capture (MiniGraph#4). */
    assertion_defaults(&sh, false, now);
    sh.sign_as = "none";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
               "empty signature");
    mvt_resp_free(&r);
    free(a);

    /* alg none, with no signature and with a real RS256 signature. */
    for (int signed_ = 0; signed_ < 2; signed_++) {
        assertion_defaults(&sh, false, now);
        sh.alg = "none";
        sh.sign_as = signed_ ? "RS256" : "none";
        a = make_assertion(&flow, &sh);
        if (!signed_) {
            /* "none" JWTs end in a dot; a non-empty dummy keeps the parse past the signature. */
            char *b = hc_xmalloc(strlen(a) + 8);
            sprintf(b, "%sAAAA", a);
            free(a);
            a = b;
        }
        post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
        expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
                   "alg none");
        mvt_resp_free(&r);
        free(a);
    }

    /* HS256 keyed with the public certificate. */
    assertion_defaults(&sh, false, now);
    sh.alg = "HS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "HS256");
    mvt_resp_free(&r);
    free(a);

    /* An RSA alg other than RS256/PS256. */
    assertion_defaults(&sh, false, now);
    sh.alg = "RS512";
    sh.sign_as = "RS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "RS512");
    mvt_resp_free(&r);
    free(a);

    /* ES256 with a real EC key: a wrong key type. */
    make_signer(&ec, GNUTLS_PK_ECDSA, time(NULL) - 86400, time(NULL) + 86400 * 365);
    assertion_defaults(&sh, false, now);
    sh.alg = "ES256";
    a = make_assertion(&ec, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 5002730,
               "Invalid JWT token. Unsupported key for the signing algorithm.", "ES256");
    mvt_resp_free(&r);
    free(a);
    signer_free(&ec);

    /* typ other than JWT. */
    assertion_defaults(&sh, false, now);
    sh.typ = "at+jwt";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 5002727, "Invalid JWT header type specified",
               "typ at+jwt");
    mvt_resp_free(&r);
    free(a);

    /* aud as an array (real Entra: 50027), no exp, no iss, a string exp. */
    assertion_defaults(&sh, false, now);
    sh.aud_array = true;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
               "aud array");
    mvt_resp_free(&r);
    free(a);
    assertion_defaults(&sh, false, now);
    sh.has_exp = false;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "no exp");
    mvt_resp_free(&r);
    free(a);
    assertion_defaults(&sh, false, now);
    sh.iss = NULL;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "no iss");
    mvt_resp_free(&r);
    free(a);

    /* Huge: a correctly signed assertion of 40 KB is refused before any key work. */
    assertion_defaults(&sh, false, now);
    sh.pad = 30 * 1024;
    huge = make_assertion(&flow, &sh);
    ck_assert_uint_gt(strlen(huge), 32 * 1024);
    post_assertion("localhost", TOKEN_V2, NULL, huge, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "huge");
    mvt_resp_free(&r);
    free(huge);
}
END_TEST

/* Keys: unknown thumbprint, none, tampered signature, wrong alg for the signature, an app without
 * certificates. */
START_TEST(test_assertion_keys)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    struct signer other;
    char *a, want[128];

    /* Signed by a key the app does not have: its thumbprint is named in the error. */
    make_signer(&other, GNUTLS_PK_RSA, time(NULL) - 86400, time(NULL) + 86400 * 365);
    assertion_defaults(&sh, false, now);
    a = make_assertion(&other, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint of key "
               "used by client: '",
               "unknown x5t");
    {
        char hex[41];
        for (int i = 0; i < 20; i++)
            snprintf(hex + 2 * i, 3, "%02X", other.sha1[i]);
        snprintf(want, sizeof want, "Thumbprint of key used by client: '%s'", hex);
        ck_assert_msg(strstr(hc_jstr(r.json, "error_description"), want), "names %s", want);
        ck_assert_msg(
            strstr(hc_jstr(r.json, "error_description"), "keys for app Id '" T_FLOW_ID "'"),
            "names the app");
    }
    mvt_resp_free(&r);
    free(a);
    /* The same with PS256 and x5t#S256. */
    assertion_defaults(&sh, true, now);
    a = make_assertion(&other, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint",
               "unknown x5t#S256");
    mvt_resp_free(&r);
    free(a);
    signer_free(&other);

    /* No thumbprint header at all: the message names none. */
    assertion_defaults(&sh, false, now);
    sh.x5t = false;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Please visit",
               "no x5t");
    mvt_resp_free(&r);
    free(a);

    /* Tampered: the payload changed after signing (a different jti). */
    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);
    {
        char *b = make_assertion(&flow, &sh);
        char *sig_a = strrchr(a, '.'), *sig_b = strrchr(b, '.');
        ck_assert_uint_eq(strlen(sig_a), strlen(sig_b));
        memcpy(sig_a, sig_b, strlen(sig_b));
        free(b);
    }
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "Client assertion contains an invalid signature. [Reason - Key was found, but use "
               "of the key to verify the signature failed., Thumbprint of key used by client: "
               "'" FLOW_X5T_HEX
               "', Found key 'Start=11/26/2025 00:00:00, End=11/26/2045 00:00:00', ",
               "tampered");
    mvt_resp_free(&r);
    free(a);

    /* A flipped bit in the signature itself. */
    assertion_defaults(&sh, true, now);
    a = make_assertion(&flow, &sh);
    {
        char *last = a + strlen(a) - 5;
        *last = *last == 'A' ? 'B' : 'A';
    }
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "Client assertion contains an invalid signature. [Reason - Key was found",
               "flipped signature bit");
    mvt_resp_free(&r);
    free(a);

    /* Header PS256, signed PKCS#1 v1.5, and the reverse. */
    assertion_defaults(&sh, true, now);
    sh.sign_as = "RS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027, "Client assertion contains an invalid signature.",
               "PS256 header, RS256 signature");
    mvt_resp_free(&r);
    free(a);
    assertion_defaults(&sh, false, now);
    sh.sign_as = "PS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027, "Client assertion contains an invalid signature.",
               "RS256 header, PS256 signature");
    mvt_resp_free(&r);
    free(a);

    /* An app without certificates (mockvault-admin), asserted with the flow key. */
    assertion_defaults(&sh, false, now);
    sh.iss = sh.sub = T_ADMIN_ID;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, T_ADMIN_ID, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint of key "
               "used by client: '" FLOW_X5T_HEX "'",
               "app without certificates");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* Claims: iss/sub, aud, nbf/exp. */
START_TEST(test_assertion_claims)
{
    int64_t now = hc_now(srv);
    unsigned port = (unsigned)mv_server_port(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, false, now);
    sh.sub = "someone-else";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 50048,
               "Subject must match the issuer claim in the client assertion.", "sub != iss");
    mvt_resp_free(&r);
    free(a);

    assertion_defaults(&sh, false, now);
    sh.sub = NULL;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 50048, "Subject must match", "no sub");
    mvt_resp_free(&r);
    free(a);

    assertion_defaults(&sh, true, now);
    sh.iss = sh.sub = T_ADMIN_ID;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700021,
               "Client assertion application identifier doesn't match 'client_id' parameter.",
               "iss != client_id");
    mvt_resp_free(&r);
    free(a);

    {
        /* origin, then ":port" unless the origin is Azure's, then the path. */
        static const struct {
            const char *origin, *path;
        } wrong[] = {
            {"https://login.microsoftonline.com", "/" T_TENANT "/oauth2/v2.0/token"},
            {"https://localhost", "/" T_TENANT "/oauth2/v2.0/token/"},
            {"https://localhost", "/" T_TENANT "/v2.0"},
            {"https://localhost", "/common/oauth2/v2.0/token"},
            {"https://localhost", "/22222222-2222-2222-2222-000000000000/oauth2/v2.0/token"},
            {"https://demo.localhost", "/" T_TENANT "/oauth2/v2.0/token"},
            {"http://localhost", "/" T_TENANT "/oauth2/v2.0/token"},
        };
        for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
            assertion_defaults(&sh, i % 2 == 0, now);
            if (strstr(wrong[i].origin, "microsoftonline"))
                snprintf(sh.aud, sizeof sh.aud, "%s%s", wrong[i].origin, wrong[i].path);
            else
                snprintf(sh.aud, sizeof sh.aud, "%s:%u%s", wrong[i].origin, port, wrong[i].path);
            a = make_assertion(&flow, &sh);
            post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
            expect_aad(&r, 401, "invalid_client", 700023,
                       "Client assertion audience claim does not match Realm issuer.", sh.aud);
            mvt_resp_free(&r);
            free(a);
        }
    }

    /* Expired beyond the skew: exp in the past. The message shows both times. */
    assertion_defaults(&sh, false, now);
    sh.nbf = now - 1600;
    sh.exp = now - 1000;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(
        &r, 401, "invalid_client", 700024,
        "Client assertion is not within its valid time range. Current time: ", "exp in the past");
    {
        char want[80];
        time_t t = (time_t)(now - 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "expiry time of assertion %Y-%m-%dT%H:%M:%S.0000000Z", &tm);
        ck_assert_msg(strstr(hc_jstr(r.json, "error_description"), want), "shows %s", want);
    }
    mvt_resp_free(&r);
    free(a);

    /* Without nbf, "valid from" is the epoch (as in the real captures). */
    assertion_defaults(&sh, true, now);
    sh.has_nbf = false;
    sh.exp = now - 400;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700024, "Client assertion is not within", "no nbf");
    ck_assert_msg(strstr(hc_jstr(r.json, "error_description"),
                         "assertion valid from 1970-01-01T00:00:00.0000000Z"),
                  "valid from the epoch");
    mvt_resp_free(&r);
    free(a);

    /* Not valid yet. */
    assertion_defaults(&sh, false, now);
    sh.nbf = now + 1000;
    sh.exp = now + 1600;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700024, "Client assertion is not within",
               "nbf in the future");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* The mock clock decides: an assertion that was fine expires when the clock moves on, and the
 * registered certificate itself expires in 2045. */
START_TEST(test_assertion_mock_clock)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a, body[64];

    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "before advancing");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":1000}");
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700024, "Client assertion is not within",
               "after advancing 1000 s");
    mvt_resp_free(&r);
    free(a);

    /* 2046-01-01: the fixture certificate (valid to 2045-11-26) is expired. */
    snprintf(body, sizeof body, "{\"set\":%lld}", 2398377600LL);
    hc_clock(srv, body);
    now = hc_now(srv);
    assertion_defaults(&sh, true, now);
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "Client assertion contains an invalid signature. [Reason - The key used is "
               "expired., Thumbprint of key used by client: '",
               "certificate expired");
    ck_assert_msg(strstr(hc_jstr(r.json, "error_description"),
                         "Found key 'Start=11/26/2025 00:00:00, End=11/26/2045 00:00:00'"),
                  "shows the key's validity");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* ---- Fixtures and snapshots ---- */

/* A fixture with one app whose "certificates" entry is entry (JSON text). */
static char *fixture_with(const char *entry)
{
    static const char fmt[] =
        "{\"tenants\":[{\"id\":\"" T_TENANT "\",\"applications\":[{\"clientId\":\"" T_FLOW_ID
        "\",\"certificates\":[%s]}]}],\"vaults\":[]}";
    size_t n = strlen(fmt) + strlen(entry) + 1;
    char *s = hc_xmalloc(n);
    snprintf(s, n, fmt, entry);
    return s;
}

static char *json_string(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

/* Parses text as a fixture named source; returns the data or NULL with err filled. */
static struct mv_data *parse_fixture(const char *text, const char *source, char *err, size_t n)
{
    return mv_state_parse(text, strlen(text), source, 1700000000, err, n);
}

static void expect_fixture_error(const char *entry, const char *source, const char *want)
{
    char err[1024] = "", *text = fixture_with(entry);
    struct mv_data *d = parse_fixture(text, source, err, sizeof err);

    ck_assert_msg(d == NULL, "fixture with %.80s must be refused", entry);
    ck_assert_msg(strstr(err, want) != NULL, "error '%s' must contain '%s'", err, want);
    free(text);
}

START_TEST(test_fixture_certificates)
{
    char err[1024] = "", *full, *pem_json, *entry, *text, *out, *again;
    struct mv_data *d, *d2;
    struct signer ec;
    size_t len = 0;

    full = cx_read_file(FLOW_PEM, 1 << 20, &len);
    ck_assert_ptr_nonnull(full);

    /* Inline, with the private key in the same text: only the certificate is kept. */
    pem_json = json_string(full);
    entry = hc_xmalloc(strlen(pem_json) + 16);
    sprintf(entry, "{\"pem\":%s}", pem_json);
    text = fixture_with(entry);
    d = parse_fixture(text, "inline.json", err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    {
        const struct mv_app *app = &d->tenants[0].apps[0];
        char *b = hc_b64url_encode(app->certificates[0].sha256, 32);
        ck_assert_uint_eq(app->ncertificates, 1);
        ck_assert_str_eq(b, FLOW_S256);
        free(b);
        ck_assert_ptr_null(strstr(app->certificates[0].pem, "PRIVATE KEY"));
        ck_assert_int_eq(app->certificates[0].not_after, 2395267200LL); /* 2045-11-26 */
    }
    /* Export -> import -> export is lossless, and the key never reaches the export. */
    {
        cJSON *j = mv_state_export(d);
        out = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
    }
    ck_assert_ptr_null(strstr(out, "PRIVATE KEY"));
    ck_assert_ptr_nonnull(strstr(out, "\"certificates\":[{\"pem\":\"-----BEGIN CERTIFICATE-----"));
    d2 = parse_fixture(out, "export", err, sizeof err);
    ck_assert_msg(d2 != NULL, "%s", err);
    {
        cJSON *j = mv_state_export(d2);
        again = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
    }
    ck_assert_str_eq(out, again);
    /* Deep copies keep the certificates. */
    {
        struct mv_data *c = mv_data_clone(d2);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(c->tenants[0].apps[0].ncertificates, 1);
        ck_assert_str_eq(c->tenants[0].apps[0].certificates[0].pem,
                         d2->tenants[0].apps[0].certificates[0].pem);
        ck_assert_ptr_ne(c->tenants[0].apps[0].certificates[0].pem,
                         d2->tenants[0].apps[0].certificates[0].pem);
        mv_data_free(c);
    }
    free(again);
    free(out);
    mv_data_free(d2);
    mv_data_free(d);
    free(text);
    free(entry);

    /* Apps without certificates export no "certificates" key. */
    {
        const char *plain = "{\"tenants\":[{\"id\":\"" T_TENANT
                            "\",\"applications\":[{\"clientId\":\"" T_FLOW_ID "\"}]}]}";
        d = parse_fixture(plain, "inline.json", err, sizeof err);
        ck_assert_msg(d != NULL, "%s", err);
        cJSON *j = mv_state_export(d);
        out = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        ck_assert_ptr_null(strstr(out, "certificates"));
        free(out);
        mv_data_free(d);
    }

    /* Bad entries, each named by path. */
    expect_fixture_error("{\"pem\":\"hello\"}", "inline.json",
                         "inline.json: $.tenants[0].applications[0].certificates[0].pem: no "
                         "\"-----BEGIN CERTIFICATE-----\" block");
    expect_fixture_error(
        "{\"pem\":\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"}",
        "inline.json",
        "$.tenants[0].applications[0].certificates[0].pem: the CERTIFICATE block "
        "is not a valid X.509 certificate");
    expect_fixture_error("{}", "inline.json",
                         "$.tenants[0].applications[0].certificates[0]: give exactly one of");
    expect_fixture_error("{\"pem\":\"x\",\"file\":\"y\"}", "inline.json",
                         "$.tenants[0].applications[0].certificates[0]: give exactly one of");
    expect_fixture_error("{\"pem\":\"x\",\"thumbprint\":\"y\"}", "inline.json",
                         "$.tenants[0].applications[0].certificates[0].thumbprint");
    expect_fixture_error(
        "{\"pem\":42}", "inline.json",
        "$.tenants[0].applications[0].certificates[0].pem: 'pem' must be a string");
    expect_fixture_error("\"x\"", "inline.json",
                         "$.tenants[0].applications[0].certificates[0]: expected an object");
    /* "file" is for fixture files only: not over PUT /_mock/state. */
    expect_fixture_error("{\"file\":\"certs/automation-flow.pem\"}", "PUT /_mock/state",
                         "PUT /_mock/state: $.tenants[0].applications[0].certificates[0].file: a "
                         "certificate 'file' can only be used in a fixture file");

    /* An EC certificate: refused at load, naming the key type. */
    make_signer(&ec, GNUTLS_PK_ECDSA, time(NULL) - 86400, time(NULL) + 86400);
    free(pem_json);
    pem_json = json_string(ec.cert_pem);
    entry = hc_xmalloc(strlen(pem_json) + 16);
    sprintf(entry, "{\"pem\":%s}", pem_json);
    expect_fixture_error(entry, "inline.json", "the certificate's key is EC");
    free(entry);
    free(pem_json);
    /* The same certificate twice. */
    pem_json = json_string(flow.cert_pem);
    entry = hc_xmalloc(2 * strlen(pem_json) + 64);
    sprintf(entry, "{\"pem\":%s},{\"pem\":%s}", pem_json, pem_json);
    expect_fixture_error(entry, "inline.json",
                         "$.tenants[0].applications[0].certificates[1]: the same certificate "
                         "appears twice (also certificates[0])");
    free(entry);
    free(pem_json);
    signer_free(&ec);
    memset(full, 0, len);
    free(full);
}
END_TEST

/* "file" is resolved next to the fixture file; a missing file is named. */
START_TEST(test_fixture_certificate_file)
{
    char tmpl[] = "/tmp/mvt-cert-XXXXXX", *dir = mkdtemp(tmpl), path[512], sub[512], err[1024] = "",
         *text;
    struct mv_data *d;
    FILE *f;

    ck_assert_ptr_nonnull(dir);
    snprintf(sub, sizeof sub, "%s/certs", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/certs/flow.pem", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(flow.cert_pem, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/fixture.json", dir);
    text = fixture_with("{\"file\":\"certs/flow.pem\"}");
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(text);

    d = mv_state_load_file(path, 1700000000, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_uint_eq(d->tenants[0].apps[0].ncertificates, 1);
    ck_assert_mem_eq(d->tenants[0].apps[0].certificates[0].sha1, flow.sha1, 20);
    mv_data_free(d);

    /* A missing file names the entry and the path as written. */
    text = fixture_with("{\"file\":\"certs/missing.pem\"}");
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(text);
    d = mv_state_load_file(path, 1700000000, err, sizeof err);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(err, "$.tenants[0].applications[0].certificates[0].file: cannot read "
                              "'certs/missing.pem' (relative to the fixture file's directory)"),
                  "%s", err);

    unlink(path);
    snprintf(path, sizeof path, "%s/certs/flow.pem", dir);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}
END_TEST

/* The default fixture's automation-flow certificate over HTTP: GET /_mock/state shows it inline,
 * without any private key, and PUT of that state back keeps certificate logins working. */
START_TEST(test_state_roundtrip_http)
{
    char *state = hc_state(srv);
    int64_t now;
    struct shape sh;
    struct mvt_resp r;
    char *a;

    ck_assert_ptr_nonnull(strstr(state, "\"certificates\""));
    ck_assert_ptr_null(strstr(state, "PRIVATE KEY"));
    ck_assert_int_eq(mvt_control(srv, "PUT", "/_mock/state", state), 200);
    free(state);
    now = hc_now(srv);
    assertion_defaults(&sh, true, now);
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "after PUT /_mock/state");
    check_cert_token(hc_jstr(r.json, "access_token"));
    mvt_resp_free(&r);
    free(a);
}
END_TEST

static Suite *assertion_suite(void)
{
    Suite *s = suite_create("http-assertion");
    TCase *ok = tcase_create("success"), *bad = tcase_create("refusals"),
          *fx = tcase_create("fixtures");

    tcase_add_checked_fixture(ok, setup, teardown);
    tcase_add_test(ok, test_assertion_success);
    tcase_add_test(ok, test_assertion_audiences);
    tcase_add_test(ok, test_assertion_skew);
    tcase_add_test(ok, test_assertion_azure_host);
    suite_add_tcase(s, ok);

    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_assertion_request_shape);
    tcase_add_test(bad, test_assertion_malformed);
    tcase_add_test(bad, test_assertion_keys);
    tcase_add_test(bad, test_assertion_claims);
    tcase_add_test(bad, test_assertion_mock_clock);
    suite_add_tcase(s, bad);

    tcase_add_checked_fixture(fx, setup, teardown);
    tcase_add_test(fx, test_fixture_certificates);
    tcase_add_test(fx, test_fixture_certificate_file);
    tcase_add_test(fx, test_state_roundtrip_http);
    suite_add_tcase(s, fx);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(assertion_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
