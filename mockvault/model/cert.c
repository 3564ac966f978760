/* cert.c: loading an app's registered certificate credential (spec/identity.md §1.1) from PEM
 * with GnuTLS. In the model layer because it fills the store's struct mv_app_cert: the fixture
 * loader and the token endpoint's assertion check both use it. */
#include "cert.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A certificate PEM is a couple of kilobytes; a PEM file with a long chain and a key still fits
 * well under this, and anything larger is not a certificate file. */
#define MAX_CERT_PEM (256 * 1024)

int mv_cert_load(const char *pem, size_t len, struct mv_app_cert *out, char *err, size_t errlen)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t der = {NULL, 0}, norm = {NULL, 0};
    unsigned bits = 0;
    time_t nb, na;
    int rc = -1, ret, pk;

    memset(out, 0, sizeof *out);
    if (!pem || len == 0 || len > MAX_CERT_PEM) {
        mv_set_err(err, errlen, "not a PEM certificate (empty, or larger than %d KiB)",
                   MAX_CERT_PEM / 1024);
        goto out;
    }
    /* GnuTLS would also find a certificate in binary DER; requiring the PEM header keeps the
     * error for a wrong file (a key only, a JSON file) plain. */
    if (!memmem(pem, len, "-----BEGIN CERTIFICATE-----", 27)) {
        mv_set_err(err, errlen,
                   "no \"-----BEGIN CERTIFICATE-----\" block (a PEM X.509 certificate "
                   "is needed; a private key alone is not enough)");
        goto out;
    }
    ret = gnutls_x509_crt_init(&crt);
    if (ret < 0) {
        crt = NULL;
        mv_set_err(err, errlen, "%s", gnutls_strerror(ret));
        goto out;
    }
    /* The PEM decoder looks for the first CERTIFICATE block anywhere in the text, so a file with
     * the private key first, or a chain after the leaf, loads the leaf. */
    gnutls_datum_t in = {(unsigned char *)(uintptr_t)pem, (unsigned)len};
    ret = gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM);
    if (ret < 0) {
        mv_set_err(err, errlen, "the CERTIFICATE block is not a valid X.509 certificate (%s)",
                   gnutls_strerror(ret));
        goto out;
    }
    pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    if (pk != GNUTLS_PK_RSA) {
        /* Entra ID signs nothing with these keys and verifies client assertions with RSA only;
         * an EC certificate in a fixture is a mistake worth stopping at load time. */
        mv_set_err(err, errlen,
                   "the certificate's key is %s; Entra ID certificate credentials must be RSA "
                   "(e.g. certtool --generate-privkey --key-type rsa --bits 2048)",
                   pk < 0 ? "unknown" : gnutls_pk_get_name((gnutls_pk_algorithm_t)pk));
        goto out;
    }
    nb = gnutls_x509_crt_get_activation_time(crt);
    na = gnutls_x509_crt_get_expiration_time(crt);
    if (nb == (time_t)-1 || na == (time_t)-1) {
        mv_set_err(err, errlen, "the certificate has no readable validity period");
        goto out;
    }
    ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der);
    if (ret >= 0)
        ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &norm);
    if (ret < 0) {
        mv_set_err(err, errlen, "cannot re-encode the certificate (%s)", gnutls_strerror(ret));
        goto out;
    }
    if (mv_sha1(der.data, der.size, out->sha1) != 0 ||
        mv_sha256(der.data, der.size, out->sha256) != 0) {
        mv_set_err(err, errlen, "cannot hash the certificate");
        goto out;
    }
    /* Only the certificate is kept (re-encoded by GnuTLS): a private key that came along in the
     * same PEM never reaches the store, so snapshots and GET /_mock/state cannot leak it. */
    out->pem = strndup((const char *)norm.data, norm.size);
    if (!out->pem) {
        mv_set_err(err, errlen, "out of memory");
        goto out;
    }
    out->not_before = (int64_t)nb;
    out->not_after = (int64_t)na;
    rc = 0;
out:
    if (rc != 0) {
        free(out->pem);
        memset(out, 0, sizeof *out);
    }
    gnutls_free(der.data);
    gnutls_free(norm.data);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return rc;
}
