/* test-jwt.c: unit tests for jwt.c (RS256 sign/verify, algorithm pinning, key files, JWK). */
#include <check.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "jwt.h"
#include "util.h"
#include "testlib.h"

/* Two keys made once in the parent process (RSA generation is the slow part) and shared by the
 * forked tests: key signs, other stands for somebody else's key. */
static struct mv_jwt_key *key, *other;

static void keys_setup(void)
{
    char err[256] = "";
    ck_assert_msg(mv_jwt_key_load_or_create(NULL, &key, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(mv_jwt_key_load_or_create(NULL, &other, err, sizeof err) == 0, "%s", err);
}

static void keys_teardown(void)
{
    mv_jwt_key_destroy(key);
    mv_jwt_key_destroy(other);
    key = other = NULL;
}

static cJSON *sample_claims(void)
{
    cJSON *c = cJSON_Parse("{\"aud\":\"https://vault.azure.net\",\"iss\":\"https://sts.windows.net/"
                           "t/\",\"appid\":\"app\",\"exp\":1893456000,\"ver\":\"1.0\"}");
    ck_assert_ptr_nonnull(c);
    return c;
}

static char *sign_sample(const struct mv_jwt_key *k)
{
    cJSON *c = sample_claims();
    char *tok = mv_jwt_sign(k, c);
    cJSON_Delete(c);
    ck_assert_ptr_nonnull(tok);
    return tok;
}

static char *b64(const char *s)
{
    char *e = cx_b64url_encode(s, strlen(s));
    ck_assert_ptr_nonnull(e);
    return e;
}

/* Joins three parts with dots (each already encoded). Caller frees. */
static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    snprintf(s, n, "%s.%s.%s", a, b, c);
    return s;
}

/* The three parts of a token as separate strings. */
struct parts {
    char h[4096], p[4096], s[4096];
};

static void split(const char *tok, struct parts *out)
{
    const char *d1 = strchr(tok, '.');
    ck_assert_ptr_nonnull(d1);
    const char *d2 = strchr(d1 + 1, '.');
    ck_assert_ptr_nonnull(d2);
    snprintf(out->h, sizeof out->h, "%.*s", (int)(d1 - tok), tok);
    snprintf(out->p, sizeof out->p, "%.*s", (int)(d2 - d1 - 1), d1 + 1);
    snprintf(out->s, sizeof out->s, "%s", d2 + 1);
}

/* Verifies text with key and checks the status, and that claims are handed out only on success. */
static void expect(const char *text, size_t len, enum mv_jwt_status want)
{
    cJSON *claims = (cJSON *)&claims; /* a non-NULL sentinel that must be overwritten */
    enum mv_jwt_status st = mv_jwt_verify(key, text, len, &claims);
    ck_assert_msg(st == want, "token '%.60s' gave %d, want %d", text ? text : "(null)", st, want);
    if (want == MV_JWT_OK) {
        ck_assert_ptr_nonnull(claims);
        cJSON_Delete(claims);
    } else {
        ck_assert_ptr_null(claims);
    }
}

static void expect_str(const char *text, enum mv_jwt_status want)
{
    expect(text, strlen(text), want);
}

START_TEST(sign_then_verify)
{
    char *tok = sign_sample(key);
    cJSON *claims = NULL;
    ck_assert_int_eq(mv_jwt_verify(key, tok, strlen(tok), &claims), MV_JWT_OK);
    ck_assert_ptr_nonnull(claims);
    cJSON *want = sample_claims();
    ck_assert(cJSON_Compare(claims, want, 1));
    cJSON_Delete(want);
    cJSON_Delete(claims);

    /* claims may be NULL when the caller only wants the verdict. */
    ck_assert_int_eq(mv_jwt_verify(key, tok, strlen(tok), NULL), MV_JWT_OK);

    /* len is honoured: the token followed by more text verifies as the token. */
    size_t n = strlen(tok);
    char *longer = malloc(n + 8);
    memcpy(longer, tok, n);
    memcpy(longer + n, ".extra", 7);
    expect(longer, n, MV_JWT_OK);
    expect_str(longer, MV_JWT_MALFORMED);
    free(longer);
    free(tok);
}
END_TEST

START_TEST(header_is_exact)
{
    char *tok = sign_sample(key);
    struct parts p;
    split(tok, &p);
    size_t n = 0;
    unsigned char *h = cx_b64_decode(p.h, strlen(p.h), MV_B64_LENIENT, &n);
    ck_assert_ptr_nonnull(h);
    char want[256];
    snprintf(want, sizeof want, "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5t\":\"%s\",\"kid\":\"%s\"}",
             mv_jwt_key_kid(key), mv_jwt_key_kid(key));
    ck_assert_str_eq((char *)h, want);
    free(h);

    /* RSA-2048 signatures are 256 bytes. */
    unsigned char *s = cx_b64_decode(p.s, strlen(p.s), MV_B64_LENIENT, &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(n, 256);
    free(s);
    free(tok);
}
END_TEST

START_TEST(tampered_is_bad_signature)
{
    char *tok = sign_sample(key);
    struct parts p;
    split(tok, &p);

    /* Another payload under the original header and signature. */
    char *payload = b64("{\"aud\":\"https://vault.azure.net\",\"appid\":\"attacker\"}");
    char *t = join3(p.h, payload, p.s);
    expect_str(t, MV_JWT_BAD_SIGNATURE);
    free(t);
    free(payload);

    /* The signature changed in its first character (still valid base64url). */
    p.s[0] = p.s[0] == 'A' ? 'B' : 'A';
    t = join3(p.h, p.p, p.s);
    expect_str(t, MV_JWT_BAD_SIGNATURE);
    free(t);

    /* No signature at all under alg RS256. */
    t = join3(p.h, p.p, "");
    expect_str(t, MV_JWT_BAD_SIGNATURE);
    free(t);
    free(tok);
}
END_TEST

START_TEST(other_key_is_bad_signature)
{
    ck_assert_str_ne(mv_jwt_key_kid(key), mv_jwt_key_kid(other));
    char *tok = sign_sample(other);
    expect_str(tok, MV_JWT_BAD_SIGNATURE);

    /* The forger's token relabelled with our kid still fails: the RSA check catches it. */
    char *ours = sign_sample(key);
    struct parts pf, po;
    split(tok, &pf);
    split(ours, &po);
    char *t = join3(po.h, pf.p, pf.s);
    expect_str(t, MV_JWT_BAD_SIGNATURE);
    free(t);
    free(ours);
    free(tok);
}
END_TEST

START_TEST(alg_not_rs256_is_bad_alg)
{
    char *tok = sign_sample(key);
    struct parts p;
    split(tok, &p);

    static const char *const headers[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}",
        "{\"alg\":\"None\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"rs256\"}",
        "{\"alg\":\"RS512\"}",
        "{\"alg\":\"PS256\"}",
        "{\"alg\":\"ES256\"}",
        "{\"alg\":\"RS256 \"}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":null}",
        "{\"alg\":256}",
        "{\"alg\":[\"RS256\"]}",
        "{\"ALG\":\"RS256\"}",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        char *h = b64(headers[i]);
        /* With no signature (the classic alg:none form) and with our valid one. */
        char *t = join3(h, p.p, "");
        expect_str(t, MV_JWT_BAD_ALG);
        free(t);
        t = join3(h, p.p, p.s);
        expect_str(t, MV_JWT_BAD_ALG);
        free(t);
        free(h);
    }

    /* HS256 keyed with the public modulus, the key-confusion attack, built the way an attacker
     * would: a perfectly valid HMAC under the public key material. */
    cJSON *jwk = mv_jwt_key_jwk(key);
    const char *n = cJSON_GetObjectItemCaseSensitive(jwk, "n")->valuestring;
    char *h = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    char input[8192];
    snprintf(input, sizeof input, "%s.%s", h, p.p);
    unsigned char mac[32];
    ck_assert_int_eq(gnutls_hmac_fast(GNUTLS_MAC_SHA256, n, strlen(n), input, strlen(input), mac),
                     0);
    char *sig = cx_b64url_encode(mac, sizeof mac);
    char *t = join3(h, p.p, sig);
    expect_str(t, MV_JWT_BAD_ALG);
    free(t);
    free(sig);
    free(h);
    cJSON_Delete(jwk);
    free(tok);
}
END_TEST

START_TEST(garbage_is_malformed)
{
    char *tok = sign_sample(key);
    struct parts p;
    split(tok, &p);

    expect(NULL, 0, MV_JWT_MALFORMED);
    expect(NULL, 10, MV_JWT_MALFORMED);
    expect("", 0, MV_JWT_MALFORMED);
    static const char *const texts[] = {
        "abc",
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AAAA",
        "e30.e30",
        ".e30.",
        "Bearer x.y.z",
        "\xff\xfe.\x01.\x02",
        "e30",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        expect_str(texts[i], MV_JWT_MALFORMED);

    /* Headers that are not one JSON object. */
    static const char *const bad_headers[] = {
        "not json",
        "[]",
        "\"RS256\"",
        "42",
        "{\"alg\":\"RS256\"}x",
        "{\"alg\":\"RS256\"",
        "{\"alg\":\"RS256\",\"crit\":[\"exp\"]}",
        "",
    };
    for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        char *h = b64(bad_headers[i]);
        char *t = join3(h, p.p, p.s);
        expect_str(t, MV_JWT_MALFORMED);
        free(t);
        free(h);
    }
    /* An embedded NUL must not hide trailing bytes from the JSON parser. */
    char *h = cx_b64url_encode("{\"alg\":\"RS256\"}\0{", 17);
    char *t = join3(h, p.p, p.s);
    expect_str(t, MV_JWT_MALFORMED);
    free(t);
    free(h);

    /* Payloads that are not JSON objects, under our valid header. */
    static const char *const bad_payloads[] = {"[1]", "123", "null", "{", "", "{} {}"};
    for (size_t i = 0; i < sizeof bad_payloads / sizeof bad_payloads[0]; i++) {
        char *pl = b64(bad_payloads[i]);
        t = join3(p.h, pl, p.s);
        expect_str(t, MV_JWT_MALFORMED);
        free(t);
        free(pl);
    }
    /* Invalid base64url in each part. */
    t = join3(p.h, "e30!", p.s);
    expect_str(t, MV_JWT_MALFORMED);
    free(t);
    t = join3(p.h, p.p, "A");
    expect_str(t, MV_JWT_MALFORMED);
    free(t);
    t = join3(p.h, p.p, "%%%%");
    expect_str(t, MV_JWT_MALFORMED);
    free(t);

    /* Huge inputs: over the cap, and under it with a big part that decodes to binary junk. */
    size_t big = 1024 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, 'A', big);
    huge[big] = '\0';
    huge[1000] = '.';
    huge[big - 1000] = '.';
    expect(huge, big, MV_JWT_MALFORMED);
    expect(huge, 60000, MV_JWT_MALFORMED); /* no second dot within len */
    huge[50000] = '.';
    expect(huge, 60000, MV_JWT_MALFORMED); /* header of 1000 'A's is not JSON */
    free(huge);
    free(tok);
}
END_TEST

START_TEST(sign_rejects_bad_input)
{
    cJSON *arr = cJSON_CreateArray();
    ck_assert_ptr_null(mv_jwt_sign(key, arr));
    ck_assert_ptr_null(mv_jwt_sign(key, NULL));
    cJSON_Delete(arr);
    cJSON *c = sample_claims();
    ck_assert_ptr_null(mv_jwt_sign(NULL, c));
    cJSON_Delete(c);
    ck_assert_ptr_null(mv_jwt_key_jwk(NULL));
    ck_assert_ptr_null(mv_jwt_key_kid(NULL));
    ck_assert_int_eq(mv_jwt_verify(NULL, "a.b.c", 5, NULL), MV_JWT_MALFORMED);
    mv_jwt_key_destroy(NULL);
}
END_TEST

START_TEST(jwk_matches_key)
{
    cJSON *jwk = mv_jwt_key_jwk(key);
    ck_assert_ptr_nonnull(jwk);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(jwk, "kty")->valuestring, "RSA");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(jwk, "use")->valuestring, "sig");
    const char *kid = cJSON_GetObjectItemCaseSensitive(jwk, "kid")->valuestring;
    ck_assert_str_eq(kid, mv_jwt_key_kid(key));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(jwk, "x5t")->valuestring, kid);
    ck_assert_uint_eq(cJSON_GetArraySize(jwk), 7);

    /* x5c: one self-signed certificate whose public key is the signing key (same DER as the JWK's
     * key, so a validator pinning the certificate accepts our tokens). */
    const cJSON *x5c = cJSON_GetObjectItemCaseSensitive(jwk, "x5c");
    ck_assert(cJSON_IsArray(x5c));
    ck_assert_int_eq(cJSON_GetArraySize(x5c), 1);
    const char *c64 = cJSON_GetArrayItem(x5c, 0)->valuestring;
    gnutls_datum_t c64d = {(unsigned char *)c64, (unsigned)strlen(c64)}, cder = {NULL, 0};
    ck_assert_int_eq(gnutls_base64_decode2(&c64d, &cder), 0);
    gnutls_x509_crt_t crt;
    gnutls_pubkey_t cpub;
    gnutls_datum_t cpub_der = {NULL, 0};
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &cder, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(gnutls_pubkey_init(&cpub), 0);
    ck_assert_int_eq(gnutls_pubkey_import_x509(cpub, crt, 0), 0);
    ck_assert_int_eq(gnutls_pubkey_export2(cpub, GNUTLS_X509_FMT_DER, &cpub_der), 0);
    unsigned char csha1[20];
    size_t kidlen = 0;
    unsigned char *kidraw = cx_b64_decode(kid, strlen(kid), MV_B64_LENIENT, &kidlen);
    ck_assert_int_eq(mv_sha1(cpub_der.data, cpub_der.size, csha1), 0);
    ck_assert_uint_eq(kidlen, 20);
    ck_assert_mem_eq(csha1, kidraw, 20);
    free(kidraw);
    gnutls_free(cpub_der.data);
    gnutls_pubkey_deinit(cpub);
    gnutls_x509_crt_deinit(crt);
    gnutls_free(cder.data);

    size_t nlen = 0, elen = 0, klen = 0;
    const char *n64 = cJSON_GetObjectItemCaseSensitive(jwk, "n")->valuestring;
    const char *e64 = cJSON_GetObjectItemCaseSensitive(jwk, "e")->valuestring;
    unsigned char *n = cx_b64_decode(n64, strlen(n64), MV_B64_LENIENT, &nlen);
    unsigned char *e = cx_b64_decode(e64, strlen(e64), MV_B64_LENIENT, &elen);
    unsigned char *k = cx_b64_decode(kid, strlen(kid), MV_B64_LENIENT, &klen);
    ck_assert_uint_eq(nlen, 256); /* 2048 bits, no leading zero byte */
    ck_assert_uint_ge(n[0], 0x80);
    ck_assert_str_eq(e64, "AQAB");
    ck_assert_uint_eq(elen, 3);
    ck_assert_uint_eq(klen, 20); /* SHA-1 */

    /* A verifier that knows only the JWK accepts our tokens, and derives the same kid. */
    gnutls_pubkey_t pub;
    gnutls_datum_t m = {n, (unsigned)nlen}, ex = {e, (unsigned)elen}, der = {NULL, 0};
    ck_assert_int_eq(gnutls_pubkey_init(&pub), 0);
    ck_assert_int_eq(gnutls_pubkey_import_rsa_raw(pub, &m, &ex), 0);
    char *tok = sign_sample(key);
    const char *last = strrchr(tok, '.');
    size_t slen = 0;
    unsigned char *sig = cx_b64_decode(last + 1, strlen(last + 1), MV_B64_LENIENT, &slen);
    gnutls_datum_t data = {(unsigned char *)tok, (unsigned)(last - tok)};
    gnutls_datum_t sd = {sig, (unsigned)slen};
    ck_assert_int_ge(gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sd), 0);
    ck_assert_int_eq(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der), 0);
    unsigned char sha1[20];
    ck_assert_int_eq(mv_sha1(der.data, der.size, sha1), 0);
    ck_assert_mem_eq(sha1, k, 20);

    gnutls_free(der.data);
    gnutls_pubkey_deinit(pub);
    free(sig);
    free(tok);
    free(n);
    free(e);
    free(k);
    cJSON_Delete(jwk);
}
END_TEST

struct worker {
    int ok;
};

static void *sign_verify_worker(void *arg)
{
    struct worker *w = arg;
    cJSON *c = cJSON_CreateObject();
    for (int i = 0; i < 25; i++) {
        cJSON_DeleteItemFromObject(c, "n");
        cJSON_AddNumberToObject(c, "n", i);
        char *tok = mv_jwt_sign(key, c);
        cJSON *claims = NULL;
        if (tok && mv_jwt_verify(key, tok, strlen(tok), &claims) == MV_JWT_OK &&
            cJSON_GetObjectItemCaseSensitive(claims, "n")->valueint == i)
            w->ok++;
        cJSON_Delete(claims);
        free(tok);
    }
    cJSON_Delete(c);
    return NULL;
}

START_TEST(concurrent_use)
{
    enum { NT = 4 };
    pthread_t th[NT];
    struct worker w[NT] = {{0}};
    for (int i = 0; i < NT; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, sign_verify_worker, &w[i]), 0);
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(w[i].ok, 25);
    }
}
END_TEST

START_TEST(key_file_persists)
{
    char dir[] = "/tmp/mv-test-jwt-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/jwt-key.pem", dir);

    struct mv_jwt_key *k1 = NULL, *k2 = NULL;
    ck_assert_msg(mv_jwt_key_load_or_create(path, &k1, err, sizeof err) == 0, "%s", err);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *pem1 = cx_read_file(path, 65536, NULL);
    ck_assert_ptr_nonnull(strstr(pem1, "-----BEGIN PRIVATE KEY-----"));

    ck_assert_msg(mv_jwt_key_load_or_create(path, &k2, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(mv_jwt_key_kid(k1), mv_jwt_key_kid(k2));
    char *pem2 = cx_read_file(path, 65536, NULL);
    ck_assert_str_eq(pem1, pem2); /* loading does not rewrite the file */

    /* A token from one incarnation verifies with the next. */
    char *tok = sign_sample(k1);
    ck_assert_int_eq(mv_jwt_verify(k2, tok, strlen(tok), NULL), MV_JWT_OK);
    ck_assert_int_eq(mv_jwt_verify(key, tok, strlen(tok), NULL), MV_JWT_BAD_SIGNATURE);
    free(tok);
    free(pem1);
    free(pem2);
    mv_jwt_key_destroy(k1);
    mv_jwt_key_destroy(k2);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0); /* no temp file left behind */
}
END_TEST

START_TEST(key_file_errors)
{
    char dir[] = "/tmp/mv-test-jwt-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128], err[256];
    struct mv_jwt_key *k = (struct mv_jwt_key *)&k;

    /* A file that is not a key is an error, and is left as it was. */
    snprintf(path, sizeof path, "%s/garbage.pem", dir);
    ck_assert_int_eq(cx_write_file_atomic(path, "not a key\n", 10, 0600), 0);
    err[0] = '\0';
    ck_assert_int_eq(mv_jwt_key_load_or_create(path, &k, err, sizeof err), -1);
    ck_assert_ptr_null(k);
    ck_assert_ptr_nonnull(strstr(err, path));
    char *text = cx_read_file(path, 100, NULL);
    ck_assert_str_eq(text, "not a key\n");
    free(text);
    unlink(path);

    /* An EC key is not an RS256 signing key. */
    gnutls_x509_privkey_t ec;
    gnutls_datum_t pem = {NULL, 0};
    ck_assert_int_eq(gnutls_x509_privkey_init(&ec), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(
                         ec, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                     0);
    ck_assert_int_eq(
        gnutls_x509_privkey_export2_pkcs8(ec, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &pem),
        0);
    snprintf(path, sizeof path, "%s/ec.pem", dir);
    ck_assert_int_eq(cx_write_file_atomic(path, pem.data, pem.size, 0600), 0);
    err[0] = '\0';
    ck_assert_int_eq(mv_jwt_key_load_or_create(path, &k, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "RSA"));
    gnutls_free(pem.data);
    gnutls_x509_privkey_deinit(ec);
    unlink(path);

    /* A directory that does not exist cannot hold the new key. */
    snprintf(path, sizeof path, "%s/missing/key.pem", dir);
    err[0] = '\0';
    ck_assert_int_eq(mv_jwt_key_load_or_create(path, &k, err, sizeof err), -1);
    ck_assert_uint_gt(strlen(err), 0);

    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Issue 13: mv_claims_has_role("") never returned (strstr finds "" at every position and the
 * loop did not move on). The tcase's timeout turns a hang into a failure. */
START_TEST(has_role_empty_name)
{
    struct mv_claims c;

    memset(&c, 0, sizeof c);
    snprintf(c.roles, sizeof c.roles, "User.Read.All Application.Read.All");
    ck_assert(!mv_claims_has_role(&c, ""));
    ck_assert(mv_claims_has_role(&c, "User.Read.All"));
    ck_assert(mv_claims_has_role(&c, "Application.Read.All"));
    ck_assert(!mv_claims_has_role(&c, "User.Read"));
    ck_assert(!mv_claims_has_role(&c, "Read.All"));
    c.roles[0] = '\0';
    ck_assert(!mv_claims_has_role(&c, ""));
    ck_assert(!mv_claims_has_role(&c, "User.Read.All"));
}
END_TEST

/* Issue 13 (resource limits): the verified-token cache holds at most MV_TOKEN_CACHE_SLOTS
 * tokens however many distinct ones it is given, keeps the newest retrievable, and never stores
 * one longer than MV_TOKEN_CACHE_TOKEN_MAX bytes. */
START_TEST(token_cache_bounded)
{
    struct mv_token_cache *c = mv_token_cache_create();
    struct mv_claims in, out;
    char tok[64], *big = malloc(MV_TOKEN_CACHE_TOKEN_MAX + 2);

    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(big);
    memset(&in, 0, sizeof in);
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(tok, sizeof tok, "header.payload-%d.signature", i);
        snprintf(in.appid, sizeof in.appid, "app-%d", i);
        mv_token_cache_put(c, tok, (size_t)n, &in);
        ck_assert_uint_le(mv_token_cache_count(c), MV_TOKEN_CACHE_SLOTS);
        ck_assert(mv_token_cache_get(c, tok, (size_t)n, &out));
        ck_assert_str_eq(out.appid, in.appid);
    }
    ck_assert_uint_eq(mv_token_cache_count(c), MV_TOKEN_CACHE_SLOTS);
    ck_assert(!mv_token_cache_get(c, "header.payload-0.signature", 26, &out));
    memset(big, 'a', MV_TOKEN_CACHE_TOKEN_MAX + 1);
    big[MV_TOKEN_CACHE_TOKEN_MAX + 1] = '\0';
    mv_token_cache_put(c, big, MV_TOKEN_CACHE_TOKEN_MAX + 1, &in);
    ck_assert(!mv_token_cache_get(c, big, MV_TOKEN_CACHE_TOKEN_MAX + 1, &out));
    free(big);
    mv_token_cache_destroy(c);
}
END_TEST

static Suite *jwt_suite(void)
{
    Suite *s = suite_create("jwt");
    TCase *tc = tcase_create("tokens");
    tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
    tcase_add_test(tc, sign_then_verify);
    tcase_add_test(tc, header_is_exact);
    tcase_add_test(tc, tampered_is_bad_signature);
    tcase_add_test(tc, other_key_is_bad_signature);
    tcase_add_test(tc, alg_not_rs256_is_bad_alg);
    tcase_add_test(tc, garbage_is_malformed);
    tcase_add_test(tc, sign_rejects_bad_input);
    tcase_add_test(tc, jwk_matches_key);
    tcase_add_test(tc, concurrent_use);
    tcase_add_test(tc, key_file_persists);
    tcase_add_test(tc, key_file_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("claims");
    tcase_set_timeout(tc, 5);
    tcase_add_test(tc, has_role_empty_name);
    tcase_add_test(tc, token_cache_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(jwt_suite(), false);
}
