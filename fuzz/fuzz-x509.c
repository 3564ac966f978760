/* fuzz-x509: the X.509 layer's readers (model/x509-read.c): PKCS#12 and PEM uploads, merge chains
 * and a certificate's import properties. Input byte 0 picks the form (as byte 0 % 4):
 *   0  PKCS#12 DER after a password byte (byte 1 % 3: none, "", "1234");
 *   1  PEM text after a password byte (byte 1 % 2: none, "pw");
 *   2  merge: up to 4 x5c items separated by NUL bytes, for the process's P-256 key;
 *   3  a DER certificate's properties.
 * What is read must hold together: an upload's key and certificates written as PEM read back as
 * the same certificates; a merge keeps the operation's key; a refusal leaves the bundle empty.
 * With FZ_VERBOSE set, each input's result code is printed (to check the seeds). */
#include "fz-keygen.h"
#include "fz-util.h"

#include "cx-mem.h"
#include "x509.h"

#include <stdio.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-x509: %s\n", what);
    abort();
}

static void check_empty(const struct mv_x509_bundle *b)
{
    if (b->mat || b->ncerts || b->certs || b->cert_lens)
        fail("a refused input left something in the bundle");
}

/* An upload's key and certificates, written as the PEM secret, read back the same. */
static void check_upload(const struct mv_x509_bundle *b)
{
    struct mv_x509_bundle again = {0};
    char *pem = NULL;

    if (!b->mat || b->ncerts == 0)
        fail("an accepted upload without key or certificate");
    enum mv_x509_err e = mv_x509_write_pem(b->mat, (const unsigned char *const *)b->certs,
                                           b->cert_lens, b->ncerts, &pem);
    if (e == MV_X509_NOMEM)
        return;
    if (e != MV_X509_OK)
        fail("an accepted upload does not write as PEM");
    e = mv_x509_read_pem(pem, strlen(pem), NULL, &again);
    if (e != MV_X509_OK && e != MV_X509_NOMEM)
        fail("the PEM of an accepted upload does not read back");
    if (e == MV_X509_OK && again.ncerts != b->ncerts)
        fail("the PEM of an accepted upload reads back other certificates");
    for (size_t i = 0; e == MV_X509_OK && i < b->ncerts; i++)
        if (again.cert_lens[i] != b->cert_lens[i] ||
            memcmp(again.certs[i], b->certs[i], b->cert_lens[i]) != 0)
            fail("the PEM of an accepted upload reads back other certificates");
    mv_x509_bundle_finish(&again);
    cx_free_wiped(pem);
}

static int merge(const uint8_t *d, size_t size, struct mv_x509_bundle *b)
{
    static const struct mv_key_spec p256 = {MV_KTY_EC, 0, MV_CRV_P256};
    const unsigned char *items[4];
    size_t lens[4], n = 0;
    struct mv_keymat *km = fz_keygen(&p256);

    while (n < 4) {
        const uint8_t *nul = size ? memchr(d, 0, size) : NULL;
        size_t len = nul ? (size_t)(nul - d) : size;
        items[n] = d;
        lens[n++] = len;
        if (!nul)
            break;
        d = nul + 1;
        size -= len + 1;
    }
    enum mv_x509_err e = mv_x509_read_merge(items, lens, n, km, b);
    if (e == MV_X509_OK && (b->mat != km || b->ncerts == 0))
        fail("a merge lost the operation's key or its certificates");
    mv_keymat_unref(km);
    return (int)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const p12_pwds[3] = {NULL, "", "1234"};
    static const char *const pem_pwds[2] = {NULL, "pw"};
    struct mv_x509_bundle b = {0};
    struct mv_x509_props props;
    int e;

    if (size < 2)
        return 0;
    unsigned form = data[0] % 4;
    if (form == 0) {
        e = mv_x509_read_pkcs12(data + 2, size - 2, p12_pwds[data[1] % 3], &b);
    } else if (form == 1) {
        e = mv_x509_read_pem((const char *)data + 2, size - 2, pem_pwds[data[1] % 2], &b);
    } else if (form == 2) {
        e = merge(data + 1, size - 1, &b);
    } else {
        e = mv_x509_props(data + 1, size - 1, &props);
        if (e == MV_X509_OK && (props.validity_months < 0 || props.not_after < 0 ||
                                (props.subject && !*props.subject)))
            fail("properties out of range");
        mv_x509_props_finish(&props);
    }
    if (getenv("FZ_VERBOSE"))
        fprintf(stderr, "fuzz-x509: form %u: result %d\n", form, e);
    if (form <= 1 && e == MV_X509_OK)
        check_upload(&b);
    if (e != MV_X509_OK)
        check_empty(&b);
    mv_x509_bundle_finish(&b);
    return 0;
}
