/* x509-write.c: a certificate version's managed secret as the service writes it (spec
 * /keyvault-certificates.md §4): base64 of a PKCS#12 with the empty password (the key first in a
 * shrouded key bag, the certificates in an encrypted bag, both PBE-SHA1-3DES, a SHA-1 MAC), or PEM
 * with the PKCS#8 key first; and the PKCS#12-to-PEM conversion of outContentType. OpenSSL 3's
 * PKCS#12 API builds every PKCS#12 structure (why: below), GnuTLS the PEM. */
#include "x509-int.h"

#include "cx-base64.h"
#include "cx-mem.h"
#include "util.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* The localKeyID the service puts on the key bag and the leaf's certificate bag (spec §4). */
static const unsigned char local_key_id[4] = {0x01, 0x00, 0x00, 0x00};

/* The empty password: .NET's X509Certificate2 and `openssl pkcs12 -passin pass:` open it. */
static const char empty_pwd[] = "";

/* The service's PBE and MAC iteration count (spec §4). */
#define PFX_ITER 2000

/* The Microsoft CSP name attribute of the service's key bag (spec §4). */
static const char csp_name[] = "Microsoft Enhanced RSA and AES Cryptographic Provider";

/* Why OpenSSL writes the PKCS#12 (GnuTLS still reads every upload, x509-read.c): GnuTLS 3.7 fixes
 * the PBE and MAC iteration count of what it writes at 600000 (a build-time constant, no API), so
 * one PFX took about a second to write and another to read, against the service's 2000 and the
 * issue's latency targets; and it encodes an EC key's d at its minimal length. OpenSSL's PKCS#12
 * API takes the count, the bag order and the attributes the service writes. */

/* km as an OpenSSL key, through its PKCS#8 DER (keymat's fixed-width form for EC); NULL when out
 * of memory or unreadable, *err saying which. */
static EVP_PKEY *to_evp(const struct mv_keymat *km, enum mv_x509_err *err)
{
    unsigned char *p8 = NULL;
    size_t len = 0;
    PKCS8_PRIV_KEY_INFO *info = NULL;
    EVP_PKEY *pkey = NULL;

    /* No certificate is ever issued for P-256K (GnuTLS cannot sign with it): refused as before. */
    if (mv_keymat_kty(km) == MV_KTY_EC && mv_keymat_crv(km) == MV_CRV_P256K) {
        *err = MV_X509_UNSUPPORTED;
        return NULL;
    }
    enum mv_km_err kerr = mv_keymat_pkcs8(km, &p8, &len);
    if (kerr != MV_KM_OK) {
        *err = kerr == MV_KM_NOMEM ? MV_X509_NOMEM : MV_X509_INVALID;
        return NULL;
    }
    const unsigned char *p = p8;
    info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
    if (info)
        pkey = EVP_PKCS82PKEY(info);
    *err = pkey ? MV_X509_OK : MV_X509_INVALID;
    PKCS8_PRIV_KEY_INFO_free(info);
    cx_wipe_free(p8, len);
    return pkey;
}

/* The key's safe (plain data, first, as in the service's PFX): one shrouded key bag under
 * PBE-SHA1-3DES with localKeyID 01000000, a GUID friendlyName and the Microsoft CSP name. */
static enum mv_x509_err key_safe(const struct mv_keymat *km, STACK_OF(PKCS7) * *safes)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    enum mv_x509_err err;
    char guid[37];
    EVP_PKEY *pkey = to_evp(km, &err);

    if (!pkey)
        goto out;
    err = MV_X509_NOMEM;
    mv_rand_guid(guid);
    PKCS12_SAFEBAG *bag =
        PKCS12_add_key(&bags, pkey, 0, PFX_ITER, NID_pbe_WithSHA1And3_Key_TripleDES_CBC, empty_pwd);
    if (!bag || !PKCS12_add_localkeyid(bag, (unsigned char *)local_key_id, sizeof local_key_id) ||
        !PKCS12_add_friendlyname_asc(bag, guid, -1) || !PKCS12_add_CSPName_asc(bag, csp_name, -1) ||
        !PKCS12_add_safe(safes, bags, -1, 0, NULL))
        goto out;
    err = MV_X509_OK;
out:
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    EVP_PKEY_free(pkey);
    return err;
}

/* The certificates' safe, encrypted (PBE-SHA1-3DES), the leaf marked with the key's localKeyID
 * when there is a key. */
static enum mv_x509_err cert_safe(const unsigned char *const *certs, const size_t *lens, size_t n,
                                  bool with_key, STACK_OF(PKCS7) * *safes)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    enum mv_x509_err err = MV_X509_NOMEM;

    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = certs[i];
        X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
        if (!x || p != certs[i] + lens[i]) {
            X509_free(x);
            err = MV_X509_INVALID;
            goto out;
        }
        PKCS12_SAFEBAG *bag = PKCS12_add_cert(&bags, x);
        X509_free(x);
        if (!bag ||
            (i == 0 && with_key &&
             !PKCS12_add_localkeyid(bag, (unsigned char *)local_key_id, sizeof local_key_id)))
            goto out;
    }
    if (!PKCS12_add_safe(safes, bags, NID_pbe_WithSHA1And3_Key_TripleDES_CBC, PFX_ITER, empty_pwd))
        goto out;
    err = MV_X509_OK;
out:
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    return err;
}

enum mv_x509_err mv_x509_write_pkcs12(const struct mv_keymat *km, const unsigned char *const *certs,
                                      const size_t *lens, size_t n, char **out)
{
    STACK_OF(PKCS7) *safes = NULL;
    PKCS12 *p12 = NULL;
    unsigned char *der = NULL;
    int der_len = 0;
    enum mv_x509_err err = MV_X509_INVALID;

    *out = NULL;
    if (n == 0)
        goto out;
    err = km ? key_safe(km, &safes) : MV_X509_OK;
    if (err == MV_X509_OK)
        err = cert_safe(certs, lens, n, km != NULL, &safes);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_NOMEM;
    p12 = PKCS12_add_safes(safes, 0);
    if (!p12 || !PKCS12_set_mac(p12, empty_pwd, -1, NULL, 0, PFX_ITER, EVP_sha1()) ||
        (der_len = i2d_PKCS12(p12, &der)) <= 0)
        goto out;
    *out = cx_b64_encode(der, (size_t)der_len, 0);
    if (*out)
        err = MV_X509_OK;
out:
    if (err != MV_X509_OK)
        ERR_clear_error(); /* OpenSSL's per-thread error queue stays empty */
    if (der)
        OPENSSL_clear_free(der, (size_t)der_len);
    PKCS12_free(p12);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return err;
}

/* Appends one PEM block (GnuTLS writes 64 columns, LF, a trailing LF) to *text. */
static bool pem_append(char **text, size_t *len, const char *label, const unsigned char *der,
                       size_t der_len)
{
    gnutls_datum_t in = {(unsigned char *)der, (unsigned)der_len}, pem = {NULL, 0};
    bool ok = false;

    if (gnutls_pem_base64_encode2(label, &in, &pem) < 0)
        return false;
    char *grown = malloc(*len + pem.size + 1);
    if (!grown)
        goto out;
    if (*len)
        memcpy(grown, *text, *len);
    memcpy(grown + *len, pem.data, pem.size);
    grown[*len + pem.size] = '\0';
    if (*text)
        cx_wipe_free(*text, *len);
    *text = grown;
    *len += pem.size;
    ok = true;
out:
    mv_x509_datum_wipe(&pem);
    return ok;
}

enum mv_x509_err mv_x509_write_pem(const struct mv_keymat *km, const unsigned char *const *certs,
                                   const size_t *lens, size_t n, char **out)
{
    unsigned char *p8 = NULL;
    size_t p8_len = 0, len = 0;
    char *text = NULL;
    enum mv_x509_err err = MV_X509_INVALID;

    *out = NULL;
    if (n == 0)
        goto out;
    if (km) {
        if (mv_keymat_kty(km) == MV_KTY_EC && mv_keymat_crv(km) == MV_CRV_P256K) {
            err = MV_X509_UNSUPPORTED;
            goto out;
        }
        enum mv_km_err kerr = mv_keymat_pkcs8(km, &p8, &p8_len);
        if (kerr != MV_KM_OK) {
            err = kerr == MV_KM_NOMEM ? MV_X509_NOMEM : MV_X509_INVALID;
            goto out;
        }
        err = MV_X509_NOMEM;
        if (!pem_append(&text, &len, "PRIVATE KEY", p8, p8_len))
            goto out;
    }
    err = MV_X509_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!pem_append(&text, &len, "CERTIFICATE", certs[i], lens[i]))
            goto out;
    *out = text;
    text = NULL;
    err = MV_X509_OK;
out:
    if (p8)
        cx_wipe_free(p8, p8_len);
    if (text)
        cx_wipe_free(text, len);
    return err;
}

enum mv_x509_err mv_x509_pkcs12_to_pem(const char *b64, char **out)
{
    struct mv_x509_bundle b = {0};
    size_t der_len = 0;
    enum mv_x509_err err;

    *out = NULL;
    unsigned char *der = cx_b64_decode(b64, strlen(b64), 0, &der_len);
    if (!der)
        return MV_X509_BAD_PKCS12;
    err = mv_x509_read_pkcs12_opt(der, der_len, NULL, false, &b);
    if (err == MV_X509_OK)
        err = mv_x509_write_pem(b.mat, (const unsigned char *const *)b.certs, b.cert_lens, b.ncerts,
                                out);
    mv_x509_bundle_finish(&b);
    cx_wipe_free(der, der_len);
    return err;
}
