/* kvc-keys.c: the keys suites' shared helpers (kvc-keys.h). */
#include "kvc-keys.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"

void kvk_create(const char *name, const char *body, char *ver, size_t vn, cJSON **bundle)
{
    struct kvc_resp r;
    char path[512];

    snprintf(path, sizeof path, "/keys/%s/create", name);
    kv("POST", path, body, &r);
    kvc_assert_status(&r, 200, "CreateKey");
    if (ver)
        snprintf(ver, vn, "%s", kvc_last_segment(kvc_jstr(r.json, "key.kid")));
    if (bundle) {
        *bundle = r.json;
        r.json = NULL;
    }
    kvc_resp_free(&r);
}

void kvk_patch(const char *name, const char *body)
{
    struct kvc_resp r;
    char path[512];

    snprintf(path, sizeof path, "/keys/%s/", name);
    kv("PATCH", path, body, &r);
    kvc_assert_status(&r, 200, "UpdateKey");
    kvc_resp_free(&r);
}

void kvk_not_found_body(char *buf, size_t n, const char *name_or_id)
{
    snprintf(buf, n,
             "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"A key with (name/id) %s was not "
             "found in this key vault. If you recently deleted this key you may be able to recover "
             "it using the correct recovery command. For help resolving this issue, please see "
             "https://go.microsoft.com/fwlink/?linkid=2125182\"}}",
             name_or_id);
}

void kvk_op(const char *path, const char *op, const char *alg, const char *value,
            struct kvc_resp *r)
{
    char url[1024], *body;
    cJSON *j = cJSON_CreateObject();

    cJSON_AddStringToObject(j, "alg", alg);
    cJSON_AddStringToObject(j, "value", value);
    body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    snprintf(url, sizeof url, "%s/%s", path, op);
    kv("POST", url, body, r);
    free(body);
}

/* The hash of a signature algorithm name: the digits after the two-letter family. */
static gnutls_digest_algorithm_t alg_hash(const char *alg)
{
    if (strncmp(alg + 2, "384", 3) == 0)
        return GNUTLS_DIG_SHA384;
    if (strncmp(alg + 2, "512", 3) == 0)
        return GNUTLS_DIG_SHA512;
    return GNUTLS_DIG_SHA256;
}

char *kvk_digest(const char *alg, const char *text)
{
    unsigned char out[64];
    gnutls_digest_algorithm_t h = alg_hash(alg);

    ck_assert_int_eq(gnutls_hash_fast(h, text, strlen(text), out), 0);
    return cx_b64url_encode(out, gnutls_hash_get_len(h));
}

char *kvk_bytes(size_t len, unsigned char fill)
{
    unsigned char buf[1024];

    ck_assert_msg(len <= sizeof buf, "kvk_bytes: %zu bytes is too many", len);
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(fill + i);
    return cx_b64url_encode(buf, len);
}

char *kvk_sign(const char *path, const char *alg, const char *digest, const char *kid)
{
    struct kvc_resp r;
    char what[64], *sig;

    snprintf(what, sizeof what, "sign %s", alg);
    kvk_op(path, "sign", alg, digest, &r);
    kvc_assert_status(&r, 200, what);
    if (kid)
        ck_assert_msg(strncmp(kvc_jstr(r.json, "kid"), kid, strlen(kid)) == 0,
                      "%s: answer kid '%s' is not %s...", what, kvc_jstr(r.json, "kid"), kid);
    sig = strdup(kvc_jstr(r.json, "value"));
    kvc_resp_free(&r);
    ck_assert_msg(sig && kvc_is_b64url(sig), "%s: the signature is not base64url", what);
    return sig;
}

/* A base64url field of the JWK as a datum (heap data; free(d->data)). */
static bool jwk_datum(const cJSON *jwk, const char *field, gnutls_datum_t *d)
{
    const char *s = kvc_jstr(jwk, field);
    size_t n = 0;

    d->data = *s ? cx_b64url_decode(s, strlen(s), &n) : NULL;
    d->size = (unsigned)n;
    return d->data != NULL;
}

static int import_pub(gnutls_pubkey_t pub, const cJSON *jwk)
{
    gnutls_datum_t a = {0}, b = {0};
    const char *crv = kvc_jstr(jwk, "crv");
    int rc = -1;

    if (strncmp(kvc_jstr(jwk, "kty"), "RSA", 3) == 0) {
        if (jwk_datum(jwk, "n", &a) && jwk_datum(jwk, "e", &b))
            rc = gnutls_pubkey_import_rsa_raw(pub, &a, &b) == 0 ? 0 : -1;
    } else {
        gnutls_ecc_curve_t c = strcmp(crv, "P-256") == 0   ? GNUTLS_ECC_CURVE_SECP256R1
                               : strcmp(crv, "P-384") == 0 ? GNUTLS_ECC_CURVE_SECP384R1
                               : strcmp(crv, "P-521") == 0 ? GNUTLS_ECC_CURVE_SECP521R1
                                                           : GNUTLS_ECC_CURVE_INVALID;
        if (c != GNUTLS_ECC_CURVE_INVALID && jwk_datum(jwk, "x", &a) && jwk_datum(jwk, "y", &b))
            rc = gnutls_pubkey_import_ecc_raw(pub, c, &a, &b) == 0 ? 0 : -1;
    }
    free(a.data);
    free(b.data);
    return rc;
}

/* RSA keys verify PS* as RSA-PSS "rsae" (an rsaEncryption key doing PSS). */
static gnutls_sign_algorithm_t sign_algorithm(const char *alg)
{
    static const struct {
        const char *alg;
        gnutls_sign_algorithm_t sa;
    } map[] = {
        {"RS256", GNUTLS_SIGN_RSA_SHA256},          {"RS384", GNUTLS_SIGN_RSA_SHA384},
        {"RS512", GNUTLS_SIGN_RSA_SHA512},          {"PS256", GNUTLS_SIGN_RSA_PSS_RSAE_SHA256},
        {"PS384", GNUTLS_SIGN_RSA_PSS_RSAE_SHA384}, {"PS512", GNUTLS_SIGN_RSA_PSS_RSAE_SHA512},
        {"ES256", GNUTLS_SIGN_ECDSA_SHA256},        {"ES384", GNUTLS_SIGN_ECDSA_SHA384},
        {"ES512", GNUTLS_SIGN_ECDSA_SHA512},
    };

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].alg, alg) == 0)
            return map[i].sa;
    return GNUTLS_SIGN_UNKNOWN;
}

int kvk_verify_local(const cJSON *jwk, const char *alg, const char *digest, const char *sig)
{
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t h = {0}, s = {0}, der = {0};
    gnutls_sign_algorithm_t sa;
    size_t n = 0;
    int rc = -1;

    if (strcmp(alg, "ES256K") == 0)
        goto out;
    sa = sign_algorithm(alg);
    if (sa == GNUTLS_SIGN_UNKNOWN || gnutls_pubkey_init(&pub) != 0 || import_pub(pub, jwk) != 0)
        goto out;
    h.data = cx_b64url_decode(digest, strlen(digest), &n);
    h.size = (unsigned)n;
    s.data = cx_b64url_decode(sig, strlen(sig), &n);
    s.size = (unsigned)n;
    if (!h.data || !s.data)
        goto out;
    if (alg[0] == 'E') {
        /* GnuTLS takes ECDSA signatures DER-encoded; the service's are raw r||s halves. */
        gnutls_datum_t r = {s.data, s.size / 2}, t = {s.data + s.size / 2, s.size / 2};
        if (s.size % 2 || gnutls_encode_rs_value(&der, &r, &t) != 0)
            goto out;
    }
    rc = gnutls_pubkey_verify_hash2(pub, sa, 0, &h, alg[0] == 'E' ? &der : &s) >= 0 ? 1 : 0;
out:
    gnutls_free(der.data);
    free(h.data);
    free(s.data);
    if (pub)
        gnutls_pubkey_deinit(pub);
    return rc;
}

void kvk_cleanup(const char *name)
{
    kvc_obj_cleanup("keys", "deletedkeys", name);
}
