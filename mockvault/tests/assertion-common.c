/* assertion-common.c: the signers, assertion builder, token request and fixture of the
 * test-http-assertion-*.c suites (assertion-common.h). */
#include "assertion-common.h"

struct mv_server *srv;

/* ---- Keys and certificates ---- */

void signer_free(struct signer *s)
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
void make_signer(struct signer *s, gnutls_pk_algorithm_t pk, time_t not_before, time_t not_after)
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

void assertion_defaults(struct shape *sh, bool ps256, int64_t now)
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
char *make_assertion(const struct signer *s, const struct shape *sh)
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
void post_assertion(const char *host, const char *path, const char *client_id,
                    const char *assertion, const char *type, const char *extra, struct mvt_resp *r)
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
void expect_aad(const struct mvt_resp *r, long status, const char *error, int code,
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

struct signer flow;

void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    load_flow_signer(&flow);
}

void teardown(void)
{
    signer_free(&flow);
    mv_server_stop(srv);
    srv = NULL;
}

/* Checks the issued token: a v1 Key Vault token of automation-flow with appidacr "2". */
void check_cert_token(const char *jwt)
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
