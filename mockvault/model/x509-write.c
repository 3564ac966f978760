/* x509-write.c: a certificate version's managed secret as the service writes it (spec
 * /keyvault-certificates.md §4): base64 of a PKCS#12 with the empty password (the key first in a
 * shrouded key bag, the certificates in an encrypted bag, both PBE-SHA1-3DES, a SHA-1 MAC), or PEM
 * with the PKCS#8 key first; and the PKCS#12-to-PEM conversion of outContentType. GnuTLS's PKCS#12
 * API builds every structure. */
#include "x509-int.h"

#include "cx-base64.h"
#include "cx-mem.h"

#include <gnutls/pkcs12.h>
#include <stdlib.h>
#include <string.h>

/* The localKeyID the service puts on the key bag and the leaf's certificate bag (spec §4). */
static const unsigned char local_key_id[4] = {0x01, 0x00, 0x00, 0x00};

/* The empty password: .NET's X509Certificate2 and `openssl pkcs12 -passin pass:` open it. */
static const char empty_pwd[] = "";

/* The certificates' bag, encrypted, the leaf marked with the key's localKeyID when there is a
 * key. */
static enum mv_x509_err cert_bag(const unsigned char *const *certs, const size_t *lens, size_t n,
                                 bool with_key, gnutls_pkcs12_bag_t *out)
{
    gnutls_pkcs12_bag_t bag = NULL;
    enum mv_x509_err err = MV_X509_NOMEM;

    *out = NULL;
    if (gnutls_pkcs12_bag_init(&bag) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        gnutls_x509_crt_t crt = NULL;
        int idx;
        if (gnutls_x509_crt_init(&crt) < 0)
            goto out;
        gnutls_datum_t d = {(unsigned char *)certs[i], (unsigned)lens[i]};
        if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crt);
            err = MV_X509_INVALID;
            goto out;
        }
        idx = gnutls_pkcs12_bag_set_crt(bag, crt);
        gnutls_x509_crt_deinit(crt);
        if (idx < 0)
            goto out;
        gnutls_datum_t id = {(unsigned char *)local_key_id, sizeof local_key_id};
        if (i == 0 && with_key && gnutls_pkcs12_bag_set_key_id(bag, (unsigned)idx, &id) < 0)
            goto out;
    }
    if (gnutls_pkcs12_bag_encrypt(bag, empty_pwd, GNUTLS_PKCS_PKCS12_3DES) < 0)
        goto out;
    *out = bag;
    bag = NULL;
    err = MV_X509_OK;
out:
    if (bag)
        gnutls_pkcs12_bag_deinit(bag);
    return err;
}

/* The shrouded key bag: PKCS#8 encrypted with the empty password, localKeyID 01000000. */
static enum mv_x509_err key_bag(const struct mv_keymat *km, gnutls_pkcs12_bag_t *out)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_pkcs12_bag_t bag = NULL;
    enum mv_x509_err err;

    *out = NULL;
    err = mv_x509_to_gnutls(km, &key);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_pkcs12_bag_init(&bag) < 0)
        goto out;
    int idx = gnutls_pkcs12_bag_set_privkey(bag, key, empty_pwd, GNUTLS_PKCS_PKCS12_3DES);
    gnutls_datum_t id = {(unsigned char *)local_key_id, sizeof local_key_id};
    if (idx < 0 || gnutls_pkcs12_bag_set_key_id(bag, (unsigned)idx, &id) < 0)
        goto out;
    *out = bag;
    bag = NULL;
    err = MV_X509_OK;
out:
    if (bag)
        gnutls_pkcs12_bag_deinit(bag);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return err;
}

enum mv_x509_err mv_x509_write_pkcs12(const struct mv_keymat *km, const unsigned char *const *certs,
                                      const size_t *lens, size_t n, char **out)
{
    gnutls_pkcs12_t p12 = NULL;
    gnutls_pkcs12_bag_t kbag = NULL, cbag = NULL;
    gnutls_datum_t der = {NULL, 0};
    enum mv_x509_err err = MV_X509_INVALID;

    *out = NULL;
    if (n == 0)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_pkcs12_init(&p12) < 0)
        goto out;
    /* The key's bag comes first, as in the service's PFX. */
    if (km) {
        err = key_bag(km, &kbag);
        if (err != MV_X509_OK)
            goto out;
        err = MV_X509_NOMEM;
        if (gnutls_pkcs12_set_bag(p12, kbag) < 0)
            goto out;
    }
    err = cert_bag(certs, lens, n, km != NULL, &cbag);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_pkcs12_set_bag(p12, cbag) < 0 ||
        gnutls_pkcs12_generate_mac2(p12, GNUTLS_MAC_SHA1, empty_pwd) < 0 ||
        gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, &der) < 0)
        goto out;
    *out = cx_b64_encode(der.data, der.size, 0);
    if (*out)
        err = MV_X509_OK;
out:
    mv_x509_datum_wipe(&der);
    if (kbag)
        gnutls_pkcs12_bag_deinit(kbag);
    if (cbag)
        gnutls_pkcs12_bag_deinit(cbag);
    if (p12)
        gnutls_pkcs12_deinit(p12);
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
