/* jwk-gen.c: private JWKs and certificate PEMs of fresh keys made with GnuTLS, for the drivers
 * that import real keys into the mock: the crash test (test-crash.c) and the soak driver
 * (soak/keys.c). Both compile this file into their own executable; the soak driver stays
 * uninstrumented in sanitizer builds, so it cannot link common/'s (instrumented) cx_b64url_encode,
 * hence the small encoder here. */
#include "jwk-gen.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *b64url(const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(n * 4 / 3 + 4), *o = out;

    for (size_t i = 0; out && i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        if (i + 1 < n)
            *o++ = abc[v >> 6 & 63];
        if (i + 2 < n)
            *o++ = abc[v & 63];
    }
    if (out)
        *o = '\0';
    return out;
}

/* A big-endian integer as base64url: without leading zeros (width 0), or left-padded to width
 * bytes (EC coordinates are fixed width). */
static char *b64_int(const gnutls_datum_t *d, size_t width)
{
    unsigned char buf[1024] = {0};
    const unsigned char *p = d->data;
    size_t n = d->size;

    while (n > 1 && *p == 0) {
        p++;
        n--;
    }
    if (width < n)
        width = n;
    if (width > sizeof buf)
        return NULL;
    memcpy(buf + width - n, p, n);
    return b64url(buf, width);
}

char *jwkgen_private(bool rsa)
{
    gnutls_privkey_t k = NULL;
    gnutls_datum_t a[8] = {{0}};
    gnutls_ecc_curve_t curve;
    char *s[5] = {0}, *jwk = NULL;
    size_t len = 128;
    int rc;

    if (gnutls_privkey_init(&k) != 0)
        return NULL;
    if (rsa)
        rc = gnutls_privkey_generate(k, GNUTLS_PK_RSA, 2048, 0) ||
             gnutls_privkey_export_rsa_raw2(k, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6],
                                            &a[7], 0);
    else
        rc = gnutls_privkey_generate(k, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) ||
             gnutls_privkey_export_ecc_raw2(k, &curve, &a[0], &a[1], &a[2], 0);
    if (rc != 0)
        goto out;
    for (int i = 0; i < (rsa ? 5 : 3); i++) {
        if (!(s[i] = b64_int(&a[i], rsa ? 0 : 32)))
            goto out;
        len += strlen(s[i]);
    }
    jwk = malloc(len);
    if (jwk && rsa)
        snprintf(
            jwk, len,
            "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"d\":\"%s\",\"p\":\"%s\",\"q\":\"%s\"}",
            s[0], s[1], s[2], s[3], s[4]);
    else if (jwk)
        snprintf(jwk, len,
                 "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"d\":\"%s\"}", s[0],
                 s[1], s[2]);
out:
    for (int i = 0; i < 8; i++) {
        if (a[i].data) {
            memset(a[i].data, 0, a[i].size);
            gnutls_free(a[i].data);
        }
    }
    for (int i = 0; i < 5; i++)
        free(s[i]);
    gnutls_privkey_deinit(k);
    return jwk;
}

char *jwkgen_cert_pem(const char *subject)
{
    gnutls_x509_privkey_t k = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t key_pem = {NULL, 0}, crt_pem = {NULL, 0};
    unsigned char serial[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    char dn[200], *out = NULL;
    time_t now = time(NULL);

    snprintf(dn, sizeof dn, "CN=%s", subject);
    if (gnutls_x509_privkey_init(&k) < 0 || gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
        gnutls_x509_crt_set_version(crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof serial) < 0 ||
        gnutls_x509_crt_set_dn(crt, dn, NULL) < 0 ||
        gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
        gnutls_x509_crt_set_expiration_time(crt, now + 30 * 86400) < 0 ||
        gnutls_x509_crt_set_key(crt, k) < 0 ||
        gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
        gnutls_x509_crt_sign2(crt, crt, k, GNUTLS_DIG_SHA256, 0) < 0 ||
        gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                          &key_pem) < 0 ||
        gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &crt_pem) < 0)
        goto out;
    out = malloc(key_pem.size + crt_pem.size + 1);
    if (out) {
        memcpy(out, key_pem.data, key_pem.size);
        memcpy(out + key_pem.size, crt_pem.data, crt_pem.size);
        out[key_pem.size + crt_pem.size] = '\0';
    }
out:
    if (key_pem.data) {
        memset(key_pem.data, 0, key_pem.size);
        gnutls_free(key_pem.data);
    }
    gnutls_free(crt_pem.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(k);
    return out;
}
