/* test-http-keys-release.c: Secure Key Release over real TLS (spec/keyvault-keys.md §3.10) and the
 * algorithm in the journal and log (issue 10). The fixture is keys-fixture.json plus two
 * attestation authorities whose signing keys this test generates: one by certificate, one by
 * JWKS. Tokens are signed here; the released key is unwrapped with the runtime key the test made
 * and must sign what the vault's /verify accepts. AES-KWP is checked against RFC 5649 §6. */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keymat.h"
#include "keys-common.h"

#define CERT_ISS "https://attest.test.example"
#define JWKS_ISS "https://jwks.test.example"
#define RUNTIME_KID "TpmEphemeralEncryptionKey"

static gnutls_privkey_t cert_key, jwks_key, rogue_key; /* the authorities' and a stranger's */
static struct mv_keymat *runtime;                      /* the runtime (wrapping) key */
static char fixture_path[64];
static FILE *log_file;

/* ---- RFC 5649 §6 ---- */

static void hex(const char *s, unsigned char *out, size_t *len)
{
    *len = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[(*len)++] = (unsigned char)v;
    }
}

START_TEST(test_kwp_rfc5649_vectors)
{
    static const struct {
        const char *key, *ct;
    } v[] = {
        {"c37b7e6492584340bed12207808941155068f738",
         "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
        {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
    };
    unsigned char kek[24], key[32], ct[40], *out, *back;
    size_t kek_len, key_len, ct_len, out_len, back_len;

    hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", kek, &kek_len);
    for (size_t i = 0; i < 2; i++) {
        hex(v[i].key, key, &key_len);
        hex(v[i].ct, ct, &ct_len);
        ck_assert_int_eq(mv_aes_kwp_wrap(kek, kek_len, key, key_len, &out, &out_len), MV_KM_OK);
        ck_assert_uint_eq(out_len, ct_len);
        ck_assert_msg(memcmp(out, ct, ct_len) == 0, "vector %zu wraps differently", i);
        ck_assert_int_eq(mv_aes_kwp_unwrap(kek, kek_len, ct, ct_len, &back, &back_len), MV_KM_OK);
        ck_assert_uint_eq(back_len, key_len);
        ck_assert(memcmp(back, key, key_len) == 0);
        free(back);
        ct[ct_len - 1] ^= 1;
        ck_assert_int_eq(mv_aes_kwp_unwrap(kek, kek_len, ct, ct_len, &back, &back_len),
                         MV_KM_DECRYPT);
        free(out);
    }
}
END_TEST

/* ---- Keys, tokens and the fixture ---- */

static gnutls_privkey_t gen_rsa(void)
{
    gnutls_privkey_t k;
    ck_assert_int_ge(gnutls_privkey_init(&k), 0);
    ck_assert_int_ge(gnutls_privkey_generate(k, GNUTLS_PK_RSA, 2048, 0), 0);
    return k;
}

/* A self-signed certificate for k, PEM (caller frees). */
static char *self_signed(gnutls_privkey_t k)
{
    gnutls_x509_crt_t crt;
    gnutls_pubkey_t pub;
    gnutls_datum_t pem;
    char *s;

    ck_assert_int_ge(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_ge(gnutls_pubkey_init(&pub), 0);
    ck_assert_int_ge(gnutls_pubkey_import_privkey(pub, k, 0, 0), 0);
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, "\x01\x02", 2);
    gnutls_x509_crt_set_dn(crt, "CN=test attestation authority", NULL);
    gnutls_x509_crt_set_pubkey(crt, pub);
    gnutls_x509_crt_set_activation_time(crt, time(NULL) - 3600);
    gnutls_x509_crt_set_expiration_time(crt, time(NULL) + 86400);
    ck_assert_int_ge(gnutls_x509_crt_privkey_sign(crt, crt, k, GNUTLS_DIG_SHA256, 0), 0);
    ck_assert_int_ge(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem), 0);
    s = strndup((const char *)pem.data, pem.size);
    gnutls_free(pem.data);
    gnutls_pubkey_deinit(pub);
    gnutls_x509_crt_deinit(crt);
    return s;
}

/* {"kty":"RSA","kid":kid,"n","e"} of a GnuTLS key. */
static cJSON *gnutls_jwk(gnutls_privkey_t k, const char *kid)
{
    gnutls_datum_t n, e;
    cJSON *j = cJSON_CreateObject();
    char *ns, *es;

    ck_assert_int_ge(gnutls_privkey_export_rsa_raw2(k, &n, &e, NULL, NULL, NULL, NULL, NULL, NULL,
                                                    GNUTLS_EXPORT_FLAG_NO_LZ),
                     0);
    ns = kb64(n.data, n.size);
    es = kb64(e.data, e.size);
    cJSON_AddStringToObject(j, "kty", "RSA");
    cJSON_AddStringToObject(j, "kid", kid);
    cJSON_AddStringToObject(j, "n", ns);
    cJSON_AddStringToObject(j, "e", es);
    free(ns);
    free(es);
    gnutls_free(n.data);
    gnutls_free(e.data);
    return j;
}

/* keys-fixture.json with the two authorities, in a temporary file. */
static void write_fixture(void)
{
    char src[1024], *text, *pem = self_signed(cert_key);
    FILE *f;
    long n;
    cJSON *root, *arr, *a, *jwks, *keys;
    int fd;

    snprintf(src, sizeof src, "%s/%s", MV_SOURCE_ROOT, K_FIXTURE);
    f = fopen(src, "r");
    ck_assert(f != NULL);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)n + 1);
    ck_assert(fread(text, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    root = cJSON_Parse(text);
    free(text);
    arr = cJSON_AddArrayToObject(root, "attestationAuthorities");
    a = cJSON_CreateObject();
    /* A trailing slash here and none in the policy: the comparison tolerates it. */
    cJSON_AddStringToObject(a, "authority", CERT_ISS "/");
    cJSON_AddItemToObject(a, "certificates", cJSON_CreateStringArray((const char *[]){pem}, 1));
    cJSON_AddItemToArray(arr, a);
    a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "authority", JWKS_ISS);
    jwks = cJSON_AddObjectToObject(a, "jwks");
    keys = cJSON_AddArrayToObject(jwks, "keys");
    cJSON_AddItemToArray(keys, gnutls_jwk(jwks_key, "maa-key-1"));
    cJSON_AddItemToArray(arr, a);
    text = cJSON_Print(root);
    snprintf(fixture_path, sizeof fixture_path, "/tmp/mv-release-XXXXXX");
    fd = mkstemp(fixture_path);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    free(text);
    free(pem);
    cJSON_Delete(root);
}

static void rsetup(void)
{
    struct mv_key_spec spec = {MV_KTY_RSA, 2048, MV_CRV_NONE};
    struct mv_server_config cfg;

    cert_key = gen_rsa();
    jwks_key = gen_rsa();
    rogue_key = gen_rsa();
    ck_assert_int_eq(mv_keymat_generate(&spec, NULL, 0, &runtime), MV_KM_OK);
    write_fixture();
    log_file = tmpfile();
    memset(&cfg, 0, sizeof cfg);
    cfg.fixtures = fixture_path;
    cfg.log = log_file;
    cfg.log_format = MV_LOG_TEXT;
    srv = mvt_start(NULL, &cfg);
    tok = mvt_admin_token(srv);
}

static void rteardown(void)
{
    kteardown();
    gnutls_privkey_deinit(cert_key);
    gnutls_privkey_deinit(jwks_key);
    gnutls_privkey_deinit(rogue_key);
    mv_keymat_unref(runtime);
    fclose(log_file);
    unlink(fixture_path);
}

/* What a token varies in. */
struct tok_spec {
    gnutls_privkey_t key;
    const char *alg; /* RS256 or PS256 */
    const char *kid; /* header kid, or NULL */
    const char *iss;
    long exp_delta;
    const char *tee_type; /* x-ms-isolation-tee.x-ms-attestation-type */
};

static char *make_token(const struct tok_spec *t)
{
    cJSON *h = cJSON_CreateObject(), *p = cJSON_CreateObject(), *tee, *rt, *keys, *k;
    struct mv_jwk_out pub;
    char *hs, *ps, *h64, *p64, *input, *s64, *token, *n64, *e64;
    gnutls_datum_t sig, data;
    int64_t now = hc_now(srv);
    bool pss = strcmp(t->alg, "PS256") == 0;

    cJSON_AddStringToObject(h, "alg", t->alg);
    cJSON_AddStringToObject(h, "typ", "JWT");
    if (t->kid)
        cJSON_AddStringToObject(h, "kid", t->kid);
    cJSON_AddStringToObject(p, "iss", t->iss);
    cJSON_AddNumberToObject(p, "iat", (double)now);
    cJSON_AddNumberToObject(p, "nbf", (double)(now - 60));
    cJSON_AddNumberToObject(p, "exp", (double)(now + t->exp_delta));
    cJSON_AddBoolToObject(p, "sdk-test", true);
    tee = cJSON_AddObjectToObject(p, "x-ms-isolation-tee");
    cJSON_AddStringToObject(tee, "x-ms-attestation-type", t->tee_type);
    cJSON_AddStringToObject(tee, "x-ms-compliance-status", "azure-compliant-cvm");
    rt = cJSON_AddObjectToObject(p, "x-ms-runtime");
    keys = cJSON_AddArrayToObject(rt, "keys");
    ck_assert_int_eq(mv_keymat_public(runtime, &pub), MV_KM_OK);
    n64 = kb64(pub.n, pub.n_len);
    e64 = kb64(pub.e, pub.e_len);
    k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "kid", RUNTIME_KID);
    cJSON_AddItemToObject(k, "key_ops", cJSON_CreateStringArray((const char *[]){"encrypt"}, 1));
    cJSON_AddStringToObject(k, "kty", "RSA");
    cJSON_AddStringToObject(k, "e", e64);
    cJSON_AddStringToObject(k, "n", n64);
    cJSON_AddItemToArray(keys, k);
    hs = cJSON_PrintUnformatted(h);
    ps = cJSON_PrintUnformatted(p);
    h64 = kb64(hs, strlen(hs));
    p64 = kb64(ps, strlen(ps));
    ck_assert(asprintf(&input, "%s.%s", h64, p64) > 0);
    data.data = (unsigned char *)input;
    data.size = (unsigned)strlen(input);
    ck_assert_int_ge(
        gnutls_privkey_sign_data2(
            t->key, pss ? GNUTLS_SIGN_RSA_PSS_RSAE_SHA256 : GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig),
        0);
    s64 = kb64(sig.data, sig.size);
    ck_assert(asprintf(&token, "%s.%s", input, s64) > 0);
    gnutls_free(sig.data);
    mv_jwk_out_finish(&pub);
    free(hs), free(ps), free(h64), free(p64), free(input), free(s64), free(n64), free(e64);
    cJSON_Delete(h);
    cJSON_Delete(p);
    return token;
}

/* Creates an exportable RSA key whose policy requires a SEV-SNP CVM attested by iss. */
static void create_releasable(const char *name, const char *iss)
{
    char policy[600], *data, body[1400];
    struct mvt_resp r;

    snprintf(policy, sizeof policy,
             "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"%s\",\"allOf\":["
             "{\"claim\":\"x-ms-isolation-tee.x-ms-attestation-type\",\"equals\":\"sevsnpvm\"},"
             "{\"anyOf\":[{\"claim\":\"sdk-test\",\"equals\":\"true\"},"
             "{\"claim\":\"missing\",\"exists\":true}]}]}]}",
             iss);
    data = kb64(policy, strlen(policy));
    snprintf(body, sizeof body,
             "{\"kty\":\"RSA\",\"attributes\":{\"exportable\":true},\"release_policy\":{"
             "\"data\":\"%s\"}}",
             data);
    kcreate(name, body, &r);
    mvt_resp_free(&r);
    free(data);
}

static void release(const char *name, const char *token, const char *enc, struct mvt_resp *r)
{
    char path[200], *body;

    snprintf(path, sizeof path, "/keys/%s//release", name);
    ck_assert(asprintf(&body, "{\"target\":\"%s\"%s%s%s}", token, enc ? ",\"enc\":\"" : "",
                       enc ? enc : "", enc ? "\"" : "") > 0);
    kreq("POST", KAP, path, body, r);
    free(body);
}

/* Verifies the answer's JWS with the first certificate of its x5c (ES256: raw r||s). */
static void verify_answer_jws(const char *jws)
{
    cJSON *h = hc_jwt_part(jws, 0);
    const char *last = strrchr(jws, '.'), *x5c0 = hc_jstr(h, "x5c.0");
    unsigned char *sig, *der;
    size_t sig_len, der_len;
    gnutls_x509_crt_t crt;
    gnutls_pubkey_t pub;
    gnutls_datum_t d, s, rr, ss, enc = {NULL, 0};
    gnutls_datum_t b64;

    ck_assert_str_eq(hc_jstr(h, "typ"), "JWT");
    ck_assert_str_eq(hc_jstr(h, "alg"), "ES256");
    ck_assert(hc_jstr(h, "kid") && hc_jstr(h, "x5t") && hc_jstr(h, "x5t#S256") && x5c0);
    b64.data = (unsigned char *)x5c0;
    b64.size = (unsigned)strlen(x5c0);
    ck_assert_int_ge(gnutls_base64_decode2(&b64, &d), 0);
    der = d.data;
    der_len = d.size;
    ck_assert_int_ge(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_ge(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_ge(gnutls_pubkey_init(&pub), 0);
    ck_assert_int_ge(gnutls_pubkey_import_x509(pub, crt, 0), 0);
    sig = hc_b64url_decode(last + 1, strlen(last + 1), &sig_len);
    ck_assert_uint_eq(sig_len, 64);
    rr.data = sig;
    rr.size = 32;
    ss.data = sig + 32;
    ss.size = 32;
    ck_assert_int_ge(gnutls_encode_rs_value(&enc, &rr, &ss), 0);
    s = enc;
    d.data = (unsigned char *)jws;
    d.size = (unsigned)(last - jws);
    ck_assert_msg(gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_ECDSA_SHA256, 0, &d, &s) >= 0,
                  "the release JWS does not verify with its x5c");
    gnutls_free(enc.data);
    gnutls_free(der);
    (void)der_len;
    free(sig);
    gnutls_pubkey_deinit(pub);
    gnutls_x509_crt_deinit(crt);
    cJSON_Delete(h);
}

/* Unwraps key_hsm with the runtime key and proves the released key is the vault's: it signs a
 * digest that POST /verify accepts. */
static void check_released_key(const char *name, const cJSON *payload, const char *enc,
                               enum mv_oaep_hash hash)
{
    const char *hsm64 = hc_jstr(payload, "response.key.key.key_hsm");
    unsigned char *hsm, *ct, *aes, *p8, digest[32];
    size_t hsm_len = 0, ct_len = 0, aes_len = 0, p8_len = 0;
    cJSON *hj;
    gnutls_x509_privkey_t x;
    gnutls_privkey_t k;
    gnutls_datum_t d, sig;
    char path[200], *body;
    struct mvt_resp r;

    ck_assert(hsm64 != NULL);
    hsm = hc_b64url_decode(hsm64, strlen(hsm64), &hsm_len);
    hj = cJSON_ParseWithLength((const char *)hsm, hsm_len);
    hc_assert_keys(hj, "schema_version,header,ciphertext", "key_hsm");
    ck_assert_str_eq(hc_jstr(hj, "header.kid"), RUNTIME_KID);
    ck_assert_str_eq(hc_jstr(hj, "header.alg"), "dir");
    ck_assert_str_eq(hc_jstr(hj, "header.enc"), enc);
    ct = kb64_field(hj, "ciphertext", &ct_len);
    ck_assert(ct && ct_len > 256);
    ck_assert_int_eq(mv_keymat_oaep_decrypt(runtime, hash, ct, 256, &aes, &aes_len), MV_KM_OK);
    ck_assert_uint_eq(aes_len, 32);
    ck_assert_int_eq(mv_aes_kwp_unwrap(aes, 32, ct + 256, ct_len - 256, &p8, &p8_len), MV_KM_OK);
    d.data = p8;
    d.size = (unsigned)p8_len;
    ck_assert_int_ge(gnutls_x509_privkey_init(&x), 0);
    ck_assert_int_ge(
        gnutls_x509_privkey_import_pkcs8(x, &d, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN), 0);
    ck_assert_int_ge(gnutls_privkey_init(&k), 0);
    ck_assert_int_ge(gnutls_privkey_import_x509(k, x, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE), 0);
    ck_assert_int_ge(gnutls_rnd(GNUTLS_RND_NONCE, digest, sizeof digest), 0);
    d.data = digest;
    d.size = sizeof digest;
    ck_assert_int_ge(gnutls_privkey_sign_hash2(k, GNUTLS_SIGN_RSA_SHA256, 0, &d, &sig), 0);
    body = kcrypto_body("RS256", digest, sizeof digest, sig.data, sig.size);
    snprintf(path, sizeof path, "/keys/%s/verify", name);
    kreq("POST", KAP, path, body, &r);
    hc_assert_status(&r, 200, "verify of the released key's signature");
    ck_assert_msg(cJSON_IsTrue(hc_jget(r.json, "value")), "the released key is not the vault's");
    mvt_resp_free(&r);
    free(body);
    gnutls_free(sig.data);
    gnutls_privkey_deinit(k);
    free(p8);
    free(aes);
    free(ct);
    free(hsm);
    cJSON_Delete(hj);
}

static const struct {
    const char *enc; /* NULL: the default */
    const char *want;
    enum mv_oaep_hash hash;
} enc_cases[] = {
    {NULL, "CKM_RSA_AES_KEY_WRAP", MV_OAEP_SHA1},
    {"RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_256", MV_OAEP_SHA256},
    {"RSA_AES_KEY_WRAP_384", "RSA_AES_KEY_WRAP_384", MV_OAEP_SHA384},
};

/* A token meeting the policy -> 200, the answer verifies, the key unwraps and is the vault's. */
START_TEST(test_release_succeeds)
{
    struct tok_spec t = {cert_key, "RS256", NULL, CERT_ISS "/", 3600, "sevsnpvm"};
    char *token, *jws;
    cJSON *payload;
    struct mvt_resp r;

    create_releasable("rel1", CERT_ISS);
    token = make_token(&t);
    release("rel1", token, enc_cases[_i].enc, &r);
    hc_assert_status(&r, 200, "release");
    hc_assert_keys(r.json, "value", "release answer");
    jws = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    verify_answer_jws(jws);
    payload = hc_jwt_part(jws, 1);
    hc_assert_keys(payload, "request,response", "payload");
    hc_assert_keys(hc_jget(payload, "request"), "api-version,enc,kid", "payload.request");
    ck_assert_str_eq(hc_jstr(payload, "request.enc"), enc_cases[_i].want);
    ck_assert_msg(strstr(hc_jstr(payload, "request.kid"), "/keys/rel1") &&
                      strcmp(strstr(hc_jstr(payload, "request.kid"), "/keys/rel1"), "/keys/rel1") ==
                          0,
                  "request.kid is the base kid");
    hc_assert_keys(hc_jget(payload, "response.key"), "key,attributes,release_policy",
                   "payload.response.key");
    hc_assert_keys(hc_jget(payload, "response.key.key"), "kid,kty,key_ops,n,e,key_hsm",
                   "released JWK");
    hc_assert_keys(hc_jget(payload, "response.key.release_policy"), "data,immutable",
                   "released policy");
    check_released_key("rel1", payload, enc_cases[_i].want, enc_cases[_i].hash);
    cJSON_Delete(payload);
    free(jws);
    free(token);
}
END_TEST

/* The JWKS authority, a PS256 token whose kid names its key. */
START_TEST(test_release_jwks_ps256)
{
    struct tok_spec t = {jwks_key, "PS256", "maa-key-1", JWKS_ISS, 600, "sevsnpvm"};
    char *token;
    cJSON *payload;
    struct mvt_resp r;

    create_releasable("rel2", JWKS_ISS "/");
    token = make_token(&t);
    release("rel2", token, NULL, &r);
    hc_assert_status(&r, 200, "release with a JWKS authority");
    payload = hc_jwt_part(hc_jstr(r.json, "value"), 1);
    check_released_key("rel2", payload, "CKM_RSA_AES_KEY_WRAP", MV_OAEP_SHA1);
    cJSON_Delete(payload);
    mvt_resp_free(&r);
    free(token);
}
END_TEST

static void assert_refused(const char *name, const struct tok_spec *t, long status,
                           const char *code, const char *words, const char *what)
{
    char *token = make_token(t);
    struct mvt_resp r;

    release(name, token, NULL, &r);
    hc_assert_status(&r, status, what);
    ck_assert_str_eq(hc_err_code(&r), code);
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), words), "%s: message '%s'", what,
                  hc_jstr(r.json, "error.message"));
    ck_assert_msg(!strstr(r.body, token + strlen(token) - 20), "%s echoes the token", what);
    mvt_resp_free(&r);
    free(token);
}

START_TEST(test_release_refusals)
{
    struct tok_spec t = {cert_key, "RS256", NULL, CERT_ISS, 3600, "sevsnpvm"};
    char *before;
    struct mvt_resp r;

    create_releasable("rel3", CERT_ISS);
    before = kstate();
    /* The authorities are part of the state, exported with their keys (no private part). */
    ck_assert_msg(strstr(before, "\"attestationAuthorities\"") && strstr(before, "maa-key-1") &&
                      !strstr(before, "PRIVATE KEY"),
                  "state export of the attestation authorities");
    t.iss = "https://evil.example";
    assert_refused("rel3", &t, 403, "Forbidden", "not a trusted attestation authority",
                   "unknown issuer");
    t.iss = CERT_ISS;
    t.key = rogue_key;
    assert_refused("rel3", &t, 403, "Forbidden", "does not verify", "forged signature");
    t.key = cert_key;
    t.exp_delta = -10;
    assert_refused("rel3", &t, 403, "Forbidden", "expired", "expired token");
    t.exp_delta = 3600;
    t.tee_type = "tdxvm";
    assert_refused("rel3", &t, 403, "Forbidden", "claim 'x-ms-isolation-tee.x-ms-attestation-type'",
                   "claim mismatch");
    t.tee_type = "sevsnpvm";
    t.key = jwks_key;
    t.iss = JWKS_ISS;
    assert_refused("rel3", &t, 403, "Forbidden", "names no authority", "issuer not in policy");
    kassert_state(before, "refused releases");
    free(before);

    /* Not exportable: 400, whatever the token. */
    kcreate("plain", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    t.key = cert_key;
    t.iss = CERT_ISS;
    assert_refused("plain", &t, 400, "BadParameter", "not exportable", "non-exportable key");
    /* Exportable without a policy cannot be created [SPEC]. */
    kreq("POST", KAP, "/keys/nopolicy/create",
         "{\"kty\":\"RSA\",\"attributes\":{\"exportable\":true}}", &r);
    hc_assert_status(&r, 400, "exportable without a release policy");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/rel3//release", "{\"target\":\"a.b.c\",\"enc\":\"A256KW\"}", &r);
    hc_assert_status(&r, 400, "unknown enc");
    mvt_resp_free(&r);
}
END_TEST

/* The log and the journal carry the algorithm and never the token, the answer or key material;
 * a sign's entry names RS256 and holds neither digest nor signature. */
START_TEST(test_journal_and_log_carry_the_algorithm)
{
    struct tok_spec t = {cert_key, "RS256", NULL, CERT_ISS, 3600, "sevsnpvm"};
    unsigned char digest[32] = {1, 2, 3, 4, 5, 6, 7, 8};
    char *token, *jws, *dig64, *sig64, *body, *log, *journal;
    const char *hsm;
    cJSON *payload;
    struct mvt_resp r;
    long n;

    create_releasable("rel4", CERT_ISS);
    token = make_token(&t);
    release("rel4", token, NULL, &r);
    hc_assert_status(&r, 200, "release");
    jws = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    payload = hc_jwt_part(jws, 1);
    hsm = hc_jstr(payload, "response.key.key.key_hsm");
    body = kcrypto_body("RS256", digest, sizeof digest, NULL, 0);
    kreq("POST", KAP, "/keys/rel4/sign", body, &r);
    hc_assert_status(&r, 200, "sign");
    sig64 = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    dig64 = kb64(digest, sizeof digest);

    hc_req(srv, "GET", "localhost", "/_mock/requests?operation=Sign", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "journal");
    ck_assert_str_eq(hc_jstr(r.json, "value.0.algorithm"), "RS256");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/requests?operation=Release", NULL, NULL, NULL, &r);
    ck_assert_str_eq(hc_jstr(r.json, "value.0.algorithm"), "CKM_RSA_AES_KEY_WRAP");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/requests", NULL, NULL, NULL, &r);
    journal = strdup(r.body);
    mvt_resp_free(&r);

    fflush(log_file);
    n = ftell(log_file);
    log = calloc(1, (size_t)n + 1);
    rewind(log_file);
    ck_assert(fread(log, 1, (size_t)n, log_file) == (size_t)n);
    ck_assert_msg(strstr(log, "op=Sign alg=RS256 "), "the sign's log line names RS256");
    ck_assert_msg(strstr(log, "op=Release alg=CKM_RSA_AES_KEY_WRAP "), "release's log line");
    for (int i = 0; i < 2; i++) {
        const char *text = i ? log : journal, *what = i ? "log" : "journal";
        ck_assert_msg(!strstr(text, dig64) && !strstr(text, sig64), "%s holds a digest/signature",
                      what);
        ck_assert_msg(!strstr(text, strrchr(token, '.') + 1), "%s holds the token", what);
        ck_assert_msg(!strstr(text, strrchr(jws, '.') + 1) && !strstr(text, hsm + 20),
                      "%s holds the release answer", what);
    }
    free(log);
    free(journal);
    free(dig64);
    free(sig64);
    free(body);
    cJSON_Delete(payload);
    free(jws);
    free(token);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-keys-release");
    TCase *kwp = tcase_create("kwp"), *tc = tcase_create("release");

    tcase_add_test(kwp, test_kwp_rfc5649_vectors);
    suite_add_tcase(s, kwp);
    tcase_add_checked_fixture(tc, rsetup, rteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_release_succeeds, 0,
                        (int)(sizeof enc_cases / sizeof enc_cases[0]));
    tcase_add_test(tc, test_release_jwks_ps256);
    tcase_add_test(tc, test_release_refusals);
    tcase_add_test(tc, test_journal_and_log_carry_the_algorithm);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
