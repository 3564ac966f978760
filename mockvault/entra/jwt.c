/* jwt.c: RS256 JSON Web Tokens signed and verified with GnuTLS, and the JWKS entry of the key. */
#include "jwt.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Tokens longer than this are rejected before any decoding: real Entra access tokens are a few
 * kilobytes, and the cap bounds what a hostile Authorization header can make us allocate. */
#define MAX_TOKEN_LEN (64 * 1024)

/* A PEM RSA key is under 4 KiB; anything much larger is not our key file. */
#define MAX_KEY_FILE (64 * 1024)

#define KEY_BITS 2048

/* Everything here is written once by mv_jwt_key_load_or_create and only read afterwards, so any
 * number of threads may sign and verify with one key at the same time. */
struct mv_jwt_key {
    gnutls_privkey_t priv; /* owns the imported x509 key */
    gnutls_pubkey_t pub;   /* derived once, so verification does no per-call key setup */
    char *kid;             /* base64url SHA-1 of the public key DER; also the "x5t" */
    char *n;               /* base64url modulus, no leading zero bytes */
    char *e;               /* base64url public exponent */
    char *x5c;             /* base64 DER of a self-signed certificate for the key (JWKS "x5c") */
};

/* Base64url of a GnuTLS big-endian integer without its leading zero bytes (RFC 7518 §6.3.1). */
static char *b64url_uint(const gnutls_datum_t *d)
{
    size_t skip = 0;
    while (skip + 1 < d->size && d->data[skip] == 0)
        skip++;
    return cx_b64url_encode(d->data + skip, d->size - skip);
}

/* Fills kid, n and e from k->pub. Returns 0, or a negative GnuTLS error / -1 when out of memory. */
static int derive_public_parts(struct mv_jwt_key *k)
{
    gnutls_datum_t der = {NULL, 0}, m = {NULL, 0}, e = {NULL, 0};
    unsigned char sha1[20];
    int ret;

    ret = gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_DER, &der);
    if (ret < 0)
        goto out;
    ret = -1;
    if (mv_sha1(der.data, der.size, sha1) < 0)
        goto out;
    k->kid = cx_b64url_encode(sha1, sizeof sha1);
    if (!k->kid)
        goto out;
    ret = gnutls_pubkey_export_rsa_raw2(k->pub, &m, &e, GNUTLS_EXPORT_FLAG_NO_LZ);
    if (ret < 0)
        goto out;
    ret = -1;
    k->n = b64url_uint(&m);
    k->e = b64url_uint(&e);
    if (!k->n || !k->e)
        goto out;
    ret = 0;
out:
    gnutls_free(der.data);
    gnutls_free(m.data);
    gnutls_free(e.data);
    return ret;
}

/* Entra's JWKS carries each key's certificate in x5c (spec/identity.md §2.3), and token
 * validators that pin certificates read it. The mock signs one for its key: fixed validity dates
 * and a serial taken from the key id make it the same bytes on every start with the same key
 * (PKCS#1 v1.5 signatures are deterministic). Returns 0, or a negative GnuTLS error / -1. */
static int make_x5c(struct mv_jwt_key *k)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t der = {NULL, 0}, b64 = {NULL, 0};
    static const char dn[] = "CN=mockvault token signing key";
    int ret = gnutls_x509_crt_init(&crt);
    if (ret < 0)
        goto out;
    if ((ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (ret = gnutls_x509_crt_set_serial(crt, k->kid, 8)) < 0 ||
        (ret = gnutls_x509_crt_set_dn(crt, dn, NULL)) < 0 ||
        (ret = gnutls_x509_crt_set_issuer_dn(crt, dn, NULL)) < 0 ||
        (ret = gnutls_x509_crt_set_pubkey(crt, k->pub)) < 0 ||
        (ret = gnutls_x509_crt_set_activation_time(crt, 1577836800)) < 0 || /* 2020-01-01 */
        (ret = gnutls_x509_crt_set_expiration_time(crt, 2524608000)) < 0 || /* 2050-01-01 */
        (ret = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (ret = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (ret = gnutls_x509_crt_privkey_sign(crt, crt, k->priv, GNUTLS_DIG_SHA256, 0)) < 0 ||
        (ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der)) < 0 ||
        (ret = gnutls_base64_encode2(&der, &b64)) < 0)
        goto out;
    ret = -1;
    k->x5c = malloc(b64.size + 1);
    if (!k->x5c)
        goto out;
    size_t j = 0;
    for (size_t i = 0; i < b64.size; i++)
        if (b64.data[i] != '\n' && b64.data[i] != '\r')
            k->x5c[j++] = (char)b64.data[i];
    k->x5c[j] = '\0';
    ret = 0;
out:
    gnutls_free(der.data);
    gnutls_free(b64.data);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return ret;
}

int mv_jwt_key_load_or_create(const char *path, struct mv_jwt_key **out, char *err, size_t errlen)
{
    struct mv_jwt_key *k = NULL;
    gnutls_x509_privkey_t xkey = NULL;
    gnutls_datum_t pem = {NULL, 0}; /* generated PEM, freed with gnutls_free */
    char *file = NULL;              /* PEM read from path, freed with free */
    size_t file_len = 0;
    int rc = -1, ret;

    if (!out) {
        mv_set_err(err, errlen, "jwt key: no output pointer");
        goto out;
    }
    *out = NULL;
    ret = gnutls_x509_privkey_init(&xkey);
    if (ret < 0) {
        xkey = NULL;
        mv_set_err(err, errlen, "jwt key: %s", gnutls_strerror(ret));
        goto out;
    }

    if (path)
        file = cx_read_file(path, MAX_KEY_FILE, &file_len);
    if (file) {
        gnutls_datum_t d = {(unsigned char *)file, (unsigned)file_len};
        ret = gnutls_x509_privkey_import2(xkey, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
        if (ret < 0) {
            /* The file is left alone: it may be a key the user cares about. */
            mv_set_err(err, errlen, "%s: not an unencrypted PEM private key (%s)", path,
                       gnutls_strerror(ret));
            goto out;
        }
    } else if (path && errno != ENOENT) {
        mv_set_err(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    } else {
        ret = gnutls_x509_privkey_generate(xkey, GNUTLS_PK_RSA, KEY_BITS, 0);
        if (ret < 0) {
            mv_set_err(err, errlen, "jwt key: generating RSA key: %s", gnutls_strerror(ret));
            goto out;
        }
        if (path) {
            ret = gnutls_x509_privkey_export2_pkcs8(xkey, GNUTLS_X509_FMT_PEM, NULL,
                                                    GNUTLS_PKCS_PLAIN, &pem);
            if (ret < 0) {
                mv_set_err(err, errlen, "jwt key: exporting key: %s", gnutls_strerror(ret));
                goto out;
            }
            if (cx_write_file_atomic(path, pem.data, pem.size, 0600) < 0) {
                mv_set_err(err, errlen, "%s: %s", path, strerror(errno));
                goto out;
            }
        }
    }

    unsigned int bits = 0;
    if (gnutls_x509_privkey_get_pk_algorithm2(xkey, &bits) != GNUTLS_PK_RSA || bits < KEY_BITS) {
        mv_set_err(err, errlen, "%s: the signing key must be RSA with at least %d bits",
                   path ? path : "jwt key", KEY_BITS);
        goto out;
    }

    k = calloc(1, sizeof *k);
    if (!k) {
        mv_set_err(err, errlen, "jwt key: out of memory");
        goto out;
    }
    if ((ret = gnutls_privkey_init(&k->priv)) < 0 ||
        (ret = gnutls_privkey_import_x509(k->priv, xkey, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE)) < 0) {
        mv_set_err(err, errlen, "jwt key: %s", gnutls_strerror(ret));
        goto out;
    }
    xkey = NULL; /* now owned by k->priv */
    if ((ret = gnutls_pubkey_init(&k->pub)) < 0 ||
        (ret = gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0)) < 0) {
        mv_set_err(err, errlen, "jwt key: %s", gnutls_strerror(ret));
        goto out;
    }
    ret = derive_public_parts(k);
    if (ret == 0)
        ret = make_x5c(k);
    if (ret < 0) {
        mv_set_err(err, errlen, "jwt key: public key: %s",
                   ret == -1 ? "out of memory" : gnutls_strerror(ret));
        goto out;
    }

    *out = k;
    k = NULL;
    rc = 0;
out:
    mv_jwt_key_destroy(k);
    if (xkey)
        gnutls_x509_privkey_deinit(xkey);
    if (pem.data) {
        gnutls_memset(pem.data, 0, pem.size);
        gnutls_free(pem.data);
    }
    if (file) {
        gnutls_memset(file, 0, file_len);
        free(file);
    }
    return rc;
}

void mv_jwt_key_destroy(struct mv_jwt_key *k)
{
    if (!k)
        return;
    if (k->pub)
        gnutls_pubkey_deinit(k->pub);
    if (k->priv)
        gnutls_privkey_deinit(k->priv);
    free(k->kid);
    free(k->n);
    free(k->e);
    free(k->x5c);
    free(k);
}

const char *mv_jwt_key_kid(const struct mv_jwt_key *k)
{
    return k ? k->kid : NULL;
}

/* "x5c": [base64 DER], an array of one certificate as in Entra's JWKS. */
static bool add_x5c(cJSON *j, const char *x5c)
{
    cJSON *a = cJSON_AddArrayToObject(j, "x5c"), *s;
    if (!a || !(s = cJSON_CreateString(x5c)))
        return false;
    cJSON_AddItemToArray(a, s);
    return true;
}

cJSON *mv_jwt_key_jwk(const struct mv_jwt_key *k)
{
    cJSON *j = k ? cJSON_CreateObject() : NULL;

    if (j &&
        (!cJSON_AddStringToObject(j, "kty", "RSA") || !cJSON_AddStringToObject(j, "use", "sig") ||
         !cJSON_AddStringToObject(j, "kid", k->kid) || !cJSON_AddStringToObject(j, "x5t", k->kid) ||
         !cJSON_AddStringToObject(j, "n", k->n) || !cJSON_AddStringToObject(j, "e", k->e) ||
         !add_x5c(j, k->x5c))) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

char *mv_jwt_sign(const struct mv_jwt_key *k, const cJSON *claims)
{
    cJSON *hdr = NULL;
    char *hjson = NULL, *pjson = NULL; /* cJSON_free */
    char *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL, *token = NULL;
    gnutls_datum_t sig = {NULL, 0};

    if (!k || !cJSON_IsObject(claims))
        goto out;
    /* Member order matters to nobody but is kept as Entra writes it, so tokens look familiar. */
    hdr = cJSON_CreateObject();
    if (!hdr || !cJSON_AddStringToObject(hdr, "typ", "JWT") ||
        !cJSON_AddStringToObject(hdr, "alg", "RS256") ||
        !cJSON_AddStringToObject(hdr, "x5t", k->kid) ||
        !cJSON_AddStringToObject(hdr, "kid", k->kid))
        goto out;
    hjson = cJSON_PrintUnformatted(hdr);
    pjson = cJSON_PrintUnformatted(claims);
    if (!hjson || !pjson)
        goto out;
    h64 = cx_b64url_encode(hjson, strlen(hjson));
    p64 = cx_b64url_encode(pjson, strlen(pjson));
    if (!h64 || !p64)
        goto out;
    if (asprintf(&input, "%s.%s", h64, p64) < 0) {
        input = NULL;
        goto out;
    }

    gnutls_datum_t data = {(unsigned char *)input, (unsigned)strlen(input)};
    if (gnutls_privkey_sign_data(k->priv, GNUTLS_DIG_SHA256, 0, &data, &sig) < 0)
        goto out;
    s64 = cx_b64url_encode(sig.data, sig.size);
    if (!s64)
        goto out;
    if (asprintf(&token, "%s.%s", input, s64) < 0)
        token = NULL;
out:
    cJSON_Delete(hdr);
    cJSON_free(hjson);
    cJSON_free(pjson);
    free(h64);
    free(p64);
    free(s64);
    free(input);
    gnutls_free(sig.data);
    return token;
}

/* Parses buf[0..len) (NUL-terminated at len, as mv_b64url_decode leaves it) as exactly one JSON
 * object with nothing after it. An embedded NUL would hide trailing bytes from cJSON, so it makes
 * the part malformed. Returns the tree (caller deletes) or NULL. */
cJSON *mv_jwt_parse_object(const unsigned char *buf, size_t len)
{
    cJSON *j = NULL;
    const char *end = NULL;

    if (memchr(buf, '\0', len))
        goto out;
    j = cJSON_ParseWithLengthOpts((const char *)buf, len + 1, &end, 1);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = NULL;
    }
out:
    return j;
}

enum mv_jwt_status mv_jwt_verify(const struct mv_jwt_key *k, const char *token, size_t len,
                                 cJSON **claims)
{
    enum mv_jwt_status st = MV_JWT_MALFORMED;
    unsigned char *hraw = NULL, *praw = NULL, *sraw = NULL;
    size_t hlen = 0, plen = 0, slen = 0;
    cJSON *hdr = NULL, *payload = NULL;

    if (claims)
        *claims = NULL;
    if (!k || !token || len == 0 || len > MAX_TOKEN_LEN)
        goto out;

    /* Exactly three parts: header.payload.signature. */
    const char *d1 = memchr(token, '.', len);
    if (!d1)
        goto out;
    const char *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
    if (!d2)
        goto out;
    const char *sig_text = d2 + 1;
    size_t sig_len = len - (size_t)(sig_text - token);
    if (memchr(sig_text, '.', sig_len))
        goto out;

    hraw = cx_b64_decode(token, (size_t)(d1 - token), MV_B64_LENIENT, &hlen);
    if (!hraw || !(hdr = mv_jwt_parse_object(hraw, hlen)))
        goto out;
    /* We implement no JWS extensions, so a token that marks any as critical cannot be honoured
     * (RFC 7515 §4.1.11). */
    if (cJSON_GetObjectItemCaseSensitive(hdr, "crit"))
        goto out;
    /* The algorithm is pinned: "none", HMAC with the public key as secret and anything else a
     * forger might pick are refused before the signature is looked at. */
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(hdr, "alg");
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "RS256") != 0) {
        st = MV_JWT_BAD_ALG;
        goto out;
    }

    praw = cx_b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), MV_B64_LENIENT, &plen);
    if (!praw || !(payload = mv_jwt_parse_object(praw, plen)))
        goto out;
    sraw = cx_b64_decode(sig_text, sig_len, MV_B64_LENIENT, &slen);
    if (!sraw)
        goto out;

    /* A kid naming another key cannot verify with ours; saying so skips the RSA operation. */
    st = MV_JWT_BAD_SIGNATURE;
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(hdr, "kid");
    if (kid && (!cJSON_IsString(kid) || strcmp(kid->valuestring, k->kid) != 0))
        goto out;
    gnutls_datum_t signed_part = {(unsigned char *)token, (unsigned)(d2 - token)};
    gnutls_datum_t sig = {sraw, (unsigned)slen};
    if (gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_RSA_SHA256, 0, &signed_part, &sig) < 0)
        goto out;

    st = MV_JWT_OK;
    if (claims) {
        *claims = payload;
        payload = NULL;
    }
out:
    cJSON_Delete(hdr);
    cJSON_Delete(payload);
    free(hraw);
    free(praw);
    free(sraw);
    return st;
}
