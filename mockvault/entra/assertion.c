/* assertion.c: certificate credentials of apps: registered certificates and client_assertion
 * JWTs verified with GnuTLS (spec/identity.md §1.1). */
#include "assertion.h"
#include "jwt.h"

#include <cjson/cJSON.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Claim times beyond this (about year 33658) are nonsense, and refusing them keeps every
 * comparison far from int64 overflow. */
#define MAX_CLAIM_TIME 1e12

/* Reads a NumericDate claim (RFC 7519 §2). Absent: *has = false. Returns -1 when present but not
 * a finite number within MAX_CLAIM_TIME. */
static int numeric_date(const cJSON *claims, const char *name, bool *has, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);

    *has = false;
    if (!v)
        return 0;
    /* The range test is written so that NaN fails it too (every comparison with NaN is false). */
    if (!cJSON_IsNumber(v) ||
        !(v->valuedouble >= -MAX_CLAIM_TIME && v->valuedouble <= MAX_CLAIM_TIME))
        return -1;
    *has = true;
    /* Fractions are allowed by RFC 7519; they are rounded down. */
    *out = (int64_t)v->valuedouble;
    if ((double)*out > v->valuedouble)
        (*out)--;
    return 0;
}

/* Copies an untrusted header value for messages: printable ASCII only, cut to fit. */
static void copy_printable(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = '\0';
}

/* Decodes a base64url thumbprint header of exactly want bytes into out. */
static bool thumbprint(const cJSON *hdr, const char *name, size_t want, unsigned char *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(hdr, name);
    unsigned char *raw;
    size_t n = 0;
    bool ok;

    if (!cJSON_IsString(v) || strlen(v->valuestring) > 64)
        return false;
    raw = cx_b64_decode(v->valuestring, strlen(v->valuestring), MV_B64_LENIENT, &n);
    ok = raw && n == want;
    if (ok)
        memcpy(out, raw, want);
    free(raw);
    return ok;
}

static void hex_upper(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Verifies sig over data with the public key of cert. Returns true when it verifies. */
static bool signature_ok(const struct mv_app_cert *cert, gnutls_sign_algorithm_t alg,
                         const gnutls_datum_t *data, const gnutls_datum_t *sig)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t in = {(unsigned char *)cert->pem, (unsigned)strlen(cert->pem)};
    bool ok = false;

    if (gnutls_x509_crt_init(&crt) < 0) {
        crt = NULL;
        goto out;
    }
    if (gnutls_pubkey_init(&pub) < 0) {
        pub = NULL;
        goto out;
    }
    if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0 ||
        gnutls_pubkey_import_x509(pub, crt, 0) < 0)
        goto out;
    /* PS256 is RSASSA-PSS with MGF1-SHA-256 and a 32-byte salt, made with an ordinary RSA
     * (rsaEncryption) key: GnuTLS calls that the "RSAE" variant. Node's crypto and Python's
     * cryptography both sign PS256 with salt length = digest length, which is what GnuTLS
     * verifies for RSAE keys. */
    ok = gnutls_pubkey_verify_data2(pub, alg, 0, data, sig) >= 0;
out:
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return ok;
}

static bool audience_ok(const struct mv_assertion_check *c, const char *aud)
{
    for (size_t i = 0; i < c->naudiences; i++)
        if (strcasecmp(c->audiences[i], aud) == 0)
            return true;
    return false;
}

enum mv_assertion_status mv_assertion_verify(const char *jwt, size_t len,
                                             const struct mv_assertion_check *c,
                                             struct mv_assertion_info *info)
{
    enum mv_assertion_status st = MV_ASSERTION_MALFORMED;
    unsigned char *hraw = NULL, *praw = NULL, *sraw = NULL;
    size_t hlen = 0, plen = 0, slen = 0;
    cJSON *hdr = NULL, *claims = NULL;
    const struct mv_app_cert *cert = NULL;
    gnutls_sign_algorithm_t salg;
    unsigned char tp256[32], tp1[20];
    bool use256 = false, use1 = false, has_exp = false;
    const cJSON *v, *iss, *sub, *aud;

    memset(info, 0, sizeof *info);
    if (!jwt || len == 0 || len > MV_ASSERTION_MAX)
        goto out;

    /* Exactly three parts: header.payload.signature (a five-part JWE is not an assertion). */
    const char *d1 = memchr(jwt, '.', len);
    if (!d1)
        goto out;
    const char *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jwt));
    if (!d2)
        goto out;
    const char *sig_text = d2 + 1;
    size_t sig_len = len - (size_t)(sig_text - jwt);
    if (sig_len == 0 || memchr(sig_text, '.', sig_len))
        goto out;

    hraw = cx_b64_decode(jwt, (size_t)(d1 - jwt), MV_B64_LENIENT, &hlen);
    if (!hraw || !(hdr = mv_jwt_parse_object(hraw, hlen)))
        goto out;
    /* No JWS extension is implemented, so one marked critical cannot be honoured (RFC 7515
     * §4.1.11). */
    if (cJSON_GetObjectItemCaseSensitive(hdr, "crit"))
        goto out;
    v = cJSON_GetObjectItemCaseSensitive(hdr, "typ");
    if (v &&
        (!cJSON_IsString(v) || (strcasecmp(v->valuestring, "JWT") != 0 &&
                                strcmp(v->valuestring, "http://openid.net/specs/jwt/1.0") != 0))) {
        st = MV_ASSERTION_BAD_TYP;
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(hdr, "alg");
    if (!cJSON_IsString(v))
        goto out;
    copy_printable(info->alg, sizeof info->alg, v->valuestring);
    /* Only the two RSA algorithms of certificate credentials pass: "none" and HMAC keyed with
     * the public certificate are the classic forgeries, and no EC algorithm can match an RSA
     * certificate (mv_cert_load admits no other). */
    if (strcmp(v->valuestring, "RS256") == 0) {
        salg = GNUTLS_SIGN_RSA_SHA256;
    } else if (strcmp(v->valuestring, "PS256") == 0) {
        salg = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
    } else if (strncmp(v->valuestring, "ES", 2) == 0 || strncmp(v->valuestring, "Ed", 2) == 0) {
        st = MV_ASSERTION_WRONG_KEY_TYPE;
        goto out;
    } else {
        st = MV_ASSERTION_UNSUPPORTED_ALG;
        goto out;
    }

    praw = cx_b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), MV_B64_LENIENT, &plen);
    if (!praw || !(claims = mv_jwt_parse_object(praw, plen)))
        goto out;
    sraw = cx_b64_decode(sig_text, sig_len, MV_B64_LENIENT, &slen);
    if (!sraw || slen == 0)
        goto out;
    /* Claim types are checked before any key work, so a malformed assertion is reported as such
     * whatever its key. */
    iss = cJSON_GetObjectItemCaseSensitive(claims, "iss");
    sub = cJSON_GetObjectItemCaseSensitive(claims, "sub");
    aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
    /* A list of audiences is refused as malformed, as Entra does (panva/openid-client#348). */
    if (!cJSON_IsString(iss) || !cJSON_IsString(aud) || (sub && !cJSON_IsString(sub)))
        goto out;
    if (numeric_date(claims, "exp", &has_exp, &info->exp) != 0 || !has_exp ||
        numeric_date(claims, "nbf", &info->has_nbf, &info->nbf) != 0)
        goto out;

    /* The key: x5t#S256 (PS256 in msal) wins over x5t (RS256); a thumbprint that is present but
     * not a base64url SHA digest names no key, like an absent one. */
    use256 = thumbprint(hdr, "x5t#S256", sizeof tp256, tp256);
    if (!use256)
        use1 = thumbprint(hdr, "x5t", sizeof tp1, tp1);
    if (!use256 && !use1) {
        st = MV_ASSERTION_NO_THUMBPRINT;
        goto out;
    }
    if (use256)
        hex_upper(tp256, sizeof tp256, info->thumbprint);
    else
        hex_upper(tp1, sizeof tp1, info->thumbprint);
    for (size_t i = 0; i < c->ncerts && !cert; i++) {
        const struct mv_app_cert *k = &c->certs[i];
        if (use256 ? memcmp(k->sha256, tp256, sizeof tp256) == 0
                   : memcmp(k->sha1, tp1, sizeof tp1) == 0)
            cert = k;
    }
    if (!cert) {
        st = MV_ASSERTION_KEY_NOT_FOUND;
        goto out;
    }
    info->key_found = true;
    info->key_start = cert->not_before;
    info->key_end = cert->not_after;
    if (c->now > cert->not_after) {
        st = MV_ASSERTION_KEY_EXPIRED;
        goto out;
    }
    gnutls_datum_t signed_part = {(unsigned char *)(uintptr_t)jwt, (unsigned)(d2 - jwt)};
    gnutls_datum_t sig = {sraw, (unsigned)slen};
    if (!signature_ok(cert, salg, &signed_part, &sig)) {
        st = MV_ASSERTION_BAD_SIGNATURE;
        goto out;
    }

    if (!sub || strcmp(sub->valuestring, iss->valuestring) != 0) {
        st = MV_ASSERTION_SUBJECT_MISMATCH;
        goto out;
    }
    if (!c->client_id || strcasecmp(iss->valuestring, c->client_id) != 0) {
        st = MV_ASSERTION_WRONG_CLIENT;
        goto out;
    }
    if (!audience_ok(c, aud->valuestring)) {
        st = MV_ASSERTION_WRONG_AUDIENCE;
        goto out;
    }
    if (c->now > info->exp + MV_ASSERTION_SKEW ||
        (info->has_nbf && info->nbf > c->now + MV_ASSERTION_SKEW)) {
        st = MV_ASSERTION_TIME_RANGE;
        goto out;
    }
    st = MV_ASSERTION_OK;
out:
    cJSON_Delete(hdr);
    cJSON_Delete(claims);
    free(hraw);
    free(praw);
    free(sraw);
    return st;
}
