/* test-x509-io.c: reading and writing through the X.509 layer (model/x509.h; spec
 * /keyvault-certificates.md §3 Import and Merge, §4): the secret's PKCS#12 and PEM written and
 * read back (key, chain and its order), the PKCS#12-to-PEM conversion, a PKCS#12 without a key;
 * uploads made by the openssl CLI (PFX with and without a password, PKCS#8 PEM plain and
 * encrypted; PKCS#1 and CRLF PEM refused; the .NET subject string of openssl's default subject);
 * merges of DER, base64-of-DER, PEM, PKCS#7 and a certificate for another key. */
#include <check.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs7.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "keymat-common.h"
#include "x509-common.h"
#include "testlib.h"

static const int issuable[] = {XK_RSA2048, XK_RSA3072, XK_P256, XK_P384, XK_P521};
#define NISSUABLE 5

/* A leaf for key k signed by an EC CA through a CSR, and the CA (both DER, caller frees). */
static void chain_for(int k, unsigned char **leaf, size_t *leaf_len, unsigned char **ca,
                      size_t *ca_len)
{
    struct mv_cert_policy p;
    unsigned char *csr = NULL;
    size_t csr_len;

    /* The CA's key is never the leaf's, so the leaf is the only certificate for the key. */
    struct mv_keymat *ca_key = x_keys[k == XK_P384 ? XK_P256 : XK_P384];

    x_ca_policy(&p, "CN=Test CA, O=Example");
    *ca = x_issue(&p, ca_key, ca_len);
    x_policy(&p, "CN=leaf");
    ck_assert_int_eq(mv_x509_csr(&p, x_keys[k], &csr, &csr_len), MV_X509_OK);
    *leaf = x_sign_csr(csr, csr_len, *ca, *ca_len, ca_key, leaf_len);
    free(csr);
}

/* The public parts of a and b are the same key. */
static bool same_key(const struct mv_keymat *a, const struct mv_keymat *b)
{
    struct mv_jwk_out x, y;
    ck_assert_int_eq(mv_keymat_public(a, &x), MV_KM_OK);
    ck_assert_int_eq(mv_keymat_public(b, &y), MV_KM_OK);
    bool same = x.kty == y.kty && x.crv == y.crv && x.n_len == y.n_len && x.x_len == y.x_len &&
                (!x.n_len || memcmp(x.n, y.n, x.n_len) == 0) &&
                (!x.x_len || (memcmp(x.x, y.x, x.x_len) == 0 && memcmp(x.y, y.y, x.y_len) == 0));
    mv_jwk_out_finish(&x);
    mv_jwk_out_finish(&y);
    return same;
}

static void assert_certs(const struct mv_x509_bundle *b, const unsigned char *c0, size_t l0,
                         const unsigned char *c1, size_t l1)
{
    ck_assert_uint_eq(b->ncerts, c1 ? 2 : 1);
    ck_assert(b->cert_lens[0] == l0 && memcmp(b->certs[0], c0, l0) == 0);
    if (c1)
        ck_assert(b->cert_lens[1] == l1 && memcmp(b->certs[1], c1, l1) == 0);
}

START_TEST(test_pkcs12_round_trip)
{
    int k = issuable[_i];
    unsigned char *leaf, *ca, *der;
    size_t leaf_len, ca_len, der_len;
    struct mv_x509_bundle b;
    char *b64 = NULL;

    chain_for(k, &leaf, &leaf_len, &ca, &ca_len);
    const unsigned char *certs[2] = {leaf, ca};
    size_t lens[2] = {leaf_len, ca_len};
    ck_assert_int_eq(mv_x509_write_pkcs12(x_keys[k], certs, lens, 2, &b64), MV_X509_OK);
    /* Standard alphabet with padding (spec §4). */
    ck_assert(cx_b64_valid(b64, strlen(b64), 0));
    der = x_unb64(b64, &der_len);
    /* No password: NULL and "" both open it; another password does not. */
    ck_assert_int_eq(mv_x509_read_pkcs12(der, der_len, NULL, &b), MV_X509_OK);
    ck_assert(same_key(b.mat, x_keys[k]));
    assert_certs(&b, leaf, leaf_len, ca, ca_len);
    mv_x509_bundle_finish(&b);
    mv_x509_bundle_finish(&b); /* idempotent */
    mv_x509_bundle_finish(NULL);
    ck_assert_int_eq(mv_x509_read_pkcs12(der, der_len, "", &b), MV_X509_OK);
    mv_x509_bundle_finish(&b);
    ck_assert_int_eq(mv_x509_read_pkcs12(der, der_len, "1234", &b), MV_X509_BAD_PKCS12);
    ck_assert_ptr_null(b.mat);
    ck_assert_uint_eq(b.ncerts, 0);
    /* A chain written leaf last still reads leaf first, the rest in order. */
    const unsigned char *rev[2] = {ca, leaf};
    size_t rev_lens[2] = {ca_len, leaf_len};
    char *b64r = NULL;
    ck_assert_int_eq(mv_x509_write_pkcs12(x_keys[k], rev, rev_lens, 2, &b64r), MV_X509_OK);
    size_t rlen;
    unsigned char *rder = x_unb64(b64r, &rlen);
    ck_assert_int_eq(mv_x509_read_pkcs12(rder, rlen, NULL, &b), MV_X509_OK);
    assert_certs(&b, leaf, leaf_len, ca, ca_len);
    mv_x509_bundle_finish(&b);
    /* Not PKCS#12 at all. */
    ck_assert_int_eq(mv_x509_read_pkcs12(leaf, leaf_len, NULL, &b), MV_X509_BAD_PKCS12);
    ck_assert_int_eq(mv_x509_read_pkcs12((const unsigned char *)"hello", 5, NULL, &b),
                     MV_X509_BAD_PKCS12);
    ck_assert_int_eq(mv_x509_read_pkcs12(der, der_len / 2, NULL, &b), MV_X509_BAD_PKCS12);
    cx_wipe_free(rder, rlen);
    cx_free_wiped(b64r);
    cx_wipe_free(der, der_len);
    cx_free_wiped(b64);
    free(leaf);
    free(ca);
}
END_TEST

START_TEST(test_pem_round_trip)
{
    int k = issuable[_i];
    unsigned char *leaf, *ca;
    size_t leaf_len, ca_len;
    struct mv_x509_bundle b;
    char *pem = NULL, *b64 = NULL, *conv = NULL;

    chain_for(k, &leaf, &leaf_len, &ca, &ca_len);
    const unsigned char *certs[2] = {leaf, ca};
    size_t lens[2] = {leaf_len, ca_len};
    ck_assert_int_eq(mv_x509_write_pem(x_keys[k], certs, lens, 2, &pem), MV_X509_OK);
    /* PKCS#8 first, LF only, 64 columns, a trailing LF (spec §4). */
    ck_assert_msg(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0, "key not first");
    ck_assert_ptr_null(strchr(pem, '\r'));
    size_t n = strlen(pem);
    ck_assert(n > 26 && strcmp(pem + n - 26, "-----END CERTIFICATE-----\n") == 0);
    int certs_seen = 0;
    for (const char *line = pem; *line;) {
        const char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        ck_assert_int_le(nl - line, 64);
        certs_seen += strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
        line = nl + 1;
    }
    ck_assert_int_eq(certs_seen, 2);
    ck_assert_int_eq(mv_x509_read_pem(pem, n, NULL, &b), MV_X509_OK);
    ck_assert(same_key(b.mat, x_keys[k]));
    assert_certs(&b, leaf, leaf_len, ca, ca_len);
    mv_x509_bundle_finish(&b);
    /* outContentType: the PKCS#12 value as PEM is the PEM value. */
    ck_assert_int_eq(mv_x509_write_pkcs12(x_keys[k], certs, lens, 2, &b64), MV_X509_OK);
    ck_assert_int_eq(mv_x509_pkcs12_to_pem(b64, &conv), MV_X509_OK);
    ck_assert_msg(strcmp(conv, pem) == 0, "PKCS#12 converted to PEM differs");
    cx_free_wiped(conv);
    ck_assert_int_eq(mv_x509_pkcs12_to_pem("not base64!", &conv), MV_X509_BAD_PKCS12);
    ck_assert_ptr_null(conv);
    cx_free_wiped(b64);
    cx_free_wiped(pem);
    free(leaf);
    free(ca);
}
END_TEST

START_TEST(test_no_key)
{
    unsigned char *leaf, *ca, *der;
    size_t leaf_len, ca_len, der_len;
    struct mv_x509_bundle b;
    char *b64 = NULL, *pem = NULL, *conv = NULL;

    /* Exportable false: the secret holds the certificates only (spec §4). */
    chain_for(XK_P256, &leaf, &leaf_len, &ca, &ca_len);
    const unsigned char *certs[2] = {leaf, ca};
    size_t lens[2] = {leaf_len, ca_len};
    ck_assert_int_eq(mv_x509_write_pkcs12(NULL, certs, lens, 2, &b64), MV_X509_OK);
    ck_assert_int_eq(mv_x509_write_pem(NULL, certs, lens, 2, &pem), MV_X509_OK);
    ck_assert(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
    ck_assert_ptr_null(strstr(pem, "PRIVATE KEY"));
    ck_assert_int_eq(mv_x509_pkcs12_to_pem(b64, &conv), MV_X509_OK);
    ck_assert_str_eq(conv, pem);
    /* An import needs the key. */
    der = x_unb64(b64, &der_len);
    ck_assert_int_eq(mv_x509_read_pkcs12(der, der_len, NULL, &b), MV_X509_NO_KEY);
    ck_assert_int_eq(mv_x509_read_pem(pem, strlen(pem), NULL, &b), MV_X509_NO_KEY);
    ck_assert_uint_eq(b.ncerts, 0);
    /* Nothing to write without a certificate. */
    char *none = NULL;
    ck_assert_int_eq(mv_x509_write_pkcs12(x_keys[XK_P256], certs, lens, 0, &none), MV_X509_INVALID);
    ck_assert_int_eq(mv_x509_write_pem(x_keys[XK_P256], certs, lens, 0, &none), MV_X509_INVALID);
    ck_assert_ptr_null(none);
    free(der);
    free(conv);
    free(pem);
    free(b64);
    free(leaf);
    free(ca);
}
END_TEST

START_TEST(test_pem_refusals)
{
    unsigned char *leaf, *ca;
    size_t leaf_len, ca_len;
    struct mv_x509_bundle b;
    char *pem = NULL;

    chain_for(XK_RSA2048, &leaf, &leaf_len, &ca, &ca_len);
    const unsigned char *certs[1] = {leaf};
    ck_assert_int_eq(mv_x509_write_pem(x_keys[XK_RSA2048], certs, &leaf_len, 1, &pem), MV_X509_OK);
    size_t n = strlen(pem);
    /* CRLF line ends (spec §3 Import errors). */
    char *crlf = malloc(2 * n + 1), *w = crlf;
    ck_assert_ptr_nonnull(crlf);
    for (size_t i = 0; i < n; i++) {
        if (pem[i] == '\n')
            *w++ = '\r';
        *w++ = pem[i];
    }
    ck_assert_int_eq(mv_x509_read_pem(crlf, (size_t)(w - crlf), NULL, &b), MV_X509_BAD_PEM);
    /* A key whose certificate is missing: the only certificate is another key's. */
    char *other = x_pem("CERTIFICATE", ca, ca_len);
    char *key_end = strstr(pem, "-----END PRIVATE KEY-----\n") + 26;
    size_t klen = (size_t)(key_end - pem);
    char *mixed = malloc(klen + strlen(other) + 1);
    ck_assert_ptr_nonnull(mixed);
    memcpy(mixed, pem, klen);
    strcpy(mixed + klen, other);
    ck_assert_int_eq(mv_x509_read_pem(mixed, strlen(mixed), NULL, &b), MV_X509_KEY_MISMATCH);
    /* A key without any certificate, empty input, a PFX sent as PEM. */
    ck_assert_int_eq(mv_x509_read_pem(pem, klen, NULL, &b), MV_X509_BAD_PEM);
    ck_assert_int_eq(mv_x509_read_pem("", 0, NULL, &b), MV_X509_BAD_PEM);
    ck_assert_int_eq(mv_x509_read_pem((const char *)leaf, leaf_len, NULL, &b), MV_X509_BAD_PEM);
    ck_assert_uint_eq(b.ncerts, 0);
    ck_assert_ptr_null(b.mat);
    cx_wipe_free(mixed, strlen(mixed));
    free(other);
    cx_wipe_free(crlf, 2 * n + 1);
    cx_free_wiped(pem);
    free(leaf);
    free(ca);
}
END_TEST

/* ---- uploads made by openssl ---- */

static enum mv_x509_err read_file_pem(const char *dir, const char *name, const char *pwd,
                                      struct mv_x509_bundle *b)
{
    size_t n;
    unsigned char *t = x_read(x_path(dir, name), &n);
    enum mv_x509_err e = mv_x509_read_pem((const char *)t, n, pwd, b);
    cx_wipe_free(t, n);
    return e;
}

static enum mv_x509_err read_file_pfx(const char *dir, const char *name, const char *pwd,
                                      struct mv_x509_bundle *b)
{
    size_t n;
    unsigned char *t = x_read(x_path(dir, name), &n);
    enum mv_x509_err e = mv_x509_read_pkcs12(t, n, pwd, b);
    cx_wipe_free(t, n);
    return e;
}

START_TEST(test_openssl_uploads)
{
    struct mv_x509_bundle b;
    struct mv_x509_props props;

    if (!x_have("openssl")) {
        fprintf(stderr, "test-x509-io: openssl not found, upload checks skipped\n");
        return;
    }
    char *dir = x_tmpdir();
    /* openssl's default subject, in DER order C, ST, O. */
    ck_assert_int_eq(
        x_sh("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem "
             "-subj '/C=AU/ST=Some-State/O=Internet Widgits Pty Ltd' -days 365 >/dev/null 2>&1 "
             "&& cat k.pem c.pem > kc.pem && openssl pkey -in k.pem -traditional -out k1.pem "
             "&& cat k1.pem c.pem > k1c.pem && sed 's/$/\\r/' kc.pem > crlf.pem && "
             "openssl pkcs8 -topk8 -in k.pem -v1 PBE-SHA1-3DES -passout pass:pw -out ke.pem && "
             "cat ke.pem c.pem > kec.pem && "
             "openssl pkcs12 -export -inkey k.pem -in c.pem -passout pass:1234 -out p.pfx && "
             "openssl pkcs12 -export -inkey k.pem -in c.pem -passout pass: -out e.pfx && "
             "openssl pkcs12 -export -inkey k.pem -in c.pem -passout pass: -out e3.pfx "
             "-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1",
             dir),
        0);
    ck_assert_int_eq(read_file_pem(dir, "kc.pem", NULL, &b), MV_X509_OK);
    ck_assert_uint_eq(b.ncerts, 1);
    ck_assert_int_eq(mv_x509_props(b.certs[0], b.cert_lens[0], &props), MV_X509_OK);
    /* The policy subject of an import, .NET style (spec §2). */
    ck_assert_str_eq(props.subject, "O=Internet Widgits Pty Ltd, S=Some-State, C=AU");
    ck_assert(!props.sans.present);
    ck_assert(props.ekus.present);
    ck_assert_uint_eq(props.ekus.n, 0);
    ck_assert_int_eq(props.kty, MV_KTY_RSA);
    ck_assert_uint_eq(props.key_size, 2048);
    ck_assert_int_eq(props.not_after - props.not_before, 365LL * 86400);
    ck_assert_int_ge(props.validity_months, 12);
    ck_assert_int_le(props.validity_months, 13);
    mv_x509_props_finish(&props);
    mv_x509_bundle_finish(&b);
    /* PKCS#1 key, CRLF: refused as the service does; encrypted PKCS#8 with its password. */
    ck_assert_int_eq(read_file_pem(dir, "k1c.pem", NULL, &b), MV_X509_BAD_PEM);
    ck_assert_int_eq(read_file_pem(dir, "crlf.pem", NULL, &b), MV_X509_BAD_PEM);
    ck_assert_int_eq(read_file_pem(dir, "kec.pem", "pw", &b), MV_X509_OK);
    mv_x509_bundle_finish(&b);
    ck_assert_int_eq(read_file_pem(dir, "kec.pem", "nope", &b), MV_X509_BAD_PEM);
    ck_assert_int_eq(read_file_pem(dir, "c.pem", NULL, &b), MV_X509_NO_KEY);
    /* PFX: with its password only; OpenSSL 3's default (PBES2, AES, HMAC-SHA-256) and the legacy
     * 3DES/SHA-1 one, both with the empty password. */
    ck_assert_int_eq(read_file_pfx(dir, "p.pfx", "1234", &b), MV_X509_OK);
    ck_assert_uint_eq(b.ncerts, 1);
    mv_x509_bundle_finish(&b);
    ck_assert_int_eq(read_file_pfx(dir, "p.pfx", "4321", &b), MV_X509_BAD_PKCS12);
    ck_assert_int_eq(read_file_pfx(dir, "p.pfx", NULL, &b), MV_X509_BAD_PKCS12);
    ck_assert_int_eq(read_file_pfx(dir, "e.pfx", NULL, &b), MV_X509_OK);
    mv_x509_bundle_finish(&b);
    ck_assert_int_eq(read_file_pfx(dir, "e3.pfx", "", &b), MV_X509_OK);
    mv_x509_bundle_finish(&b);
    /* A PEM file sent as PKCS#12. */
    ck_assert_int_eq(read_file_pfx(dir, "kc.pem", NULL, &b), MV_X509_BAD_PKCS12);
    x_rmdir(dir);
}
END_TEST

/* ---- merge ---- */

static enum mv_x509_err merge(const void *a, size_t alen, const void *c, size_t clen,
                              struct mv_keymat *km, struct mv_x509_bundle *b)
{
    const unsigned char *items[2] = {a, c};
    size_t lens[2] = {alen, clen};
    return mv_x509_read_merge(items, lens, c ? 2 : 1, km, b);
}

START_TEST(test_merge)
{
    unsigned char *leaf, *ca;
    size_t leaf_len, ca_len;
    struct mv_x509_bundle b;
    struct mv_keymat *km = x_keys[XK_RSA2048];

    chain_for(XK_RSA2048, &leaf, &leaf_len, &ca, &ca_len);
    /* DER. */
    ck_assert_int_eq(merge(leaf, leaf_len, NULL, 0, km, &b), MV_X509_OK);
    ck_assert_ptr_eq(b.mat, km);
    assert_certs(&b, leaf, leaf_len, NULL, 0);
    mv_x509_bundle_finish(&b);
    /* The base64 text of the DER (the Python SDK's double encoding). */
    char *b64 = cx_b64_encode(leaf, leaf_len, 0);
    ck_assert_int_eq(merge(b64, strlen(b64), NULL, 0, km, &b), MV_X509_OK);
    assert_certs(&b, leaf, leaf_len, NULL, 0);
    mv_x509_bundle_finish(&b);
    /* PEM with the chain in one item, and the issuer listed first in two items. */
    char *pl = x_pem("CERTIFICATE", leaf, leaf_len), *pc = x_pem("CERTIFICATE", ca, ca_len);
    char *both = malloc(strlen(pl) + strlen(pc) + 1);
    ck_assert_ptr_nonnull(both);
    strcat(strcpy(both, pl), pc);
    ck_assert_int_eq(merge(both, strlen(both), NULL, 0, km, &b), MV_X509_OK);
    assert_certs(&b, leaf, leaf_len, ca, ca_len);
    mv_x509_bundle_finish(&b);
    ck_assert_int_eq(merge(ca, ca_len, leaf, leaf_len, km, &b), MV_X509_OK);
    assert_certs(&b, leaf, leaf_len, ca, ca_len);
    mv_x509_bundle_finish(&b);
    /* A PKCS#7 (P7B) chain, DER and base64 of DER. */
    gnutls_pkcs7_t p7;
    gnutls_datum_t dca = datum(ca, ca_len), dleaf = datum(leaf, leaf_len), p7der;
    ck_assert_int_eq(gnutls_pkcs7_init(&p7), 0);
    ck_assert_int_eq(gnutls_pkcs7_set_crt_raw(p7, &dca), 0);
    ck_assert_int_eq(gnutls_pkcs7_set_crt_raw(p7, &dleaf), 0);
    ck_assert_int_eq(gnutls_pkcs7_export2(p7, GNUTLS_X509_FMT_DER, &p7der), 0);
    ck_assert_int_eq(merge(p7der.data, p7der.size, NULL, 0, km, &b), MV_X509_OK);
    assert_certs(&b, leaf, leaf_len, ca, ca_len);
    mv_x509_bundle_finish(&b);
    char *p7b64 = cx_b64_encode(p7der.data, p7der.size, 0);
    ck_assert_int_eq(merge(p7b64, strlen(p7b64), NULL, 0, km, &b), MV_X509_OK);
    ck_assert_uint_eq(b.ncerts, 2);
    mv_x509_bundle_finish(&b);
    /* The operation's key must be the leaf's; garbage is invalid. */
    ck_assert_int_eq(merge(leaf, leaf_len, NULL, 0, x_keys[XK_P256], &b), MV_X509_KEY_MISMATCH);
    ck_assert_ptr_null(b.mat);
    ck_assert_int_eq(merge(ca, ca_len, NULL, 0, km, &b), MV_X509_KEY_MISMATCH);
    ck_assert_int_eq(merge("hello", 5, NULL, 0, km, &b), MV_X509_INVALID);
    ck_assert_int_eq(merge("", 0, NULL, 0, km, &b), MV_X509_INVALID);
    ck_assert_int_eq(merge(leaf, leaf_len / 2, NULL, 0, km, &b), MV_X509_INVALID);
    ck_assert_int_eq(mv_x509_read_merge(NULL, NULL, 0, km, &b), MV_X509_INVALID);
    ck_assert_uint_eq(b.ncerts, 0);
    free(p7b64);
    gnutls_free(p7der.data);
    gnutls_pkcs7_deinit(p7);
    free(both);
    free(pl);
    free(pc);
    free(b64);
    free(leaf);
    free(ca);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x509-io");
    TCase *tc = tcase_create("io");

    gnutls_global_init();
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, x_keys_setup, x_keys_teardown);
    tcase_add_loop_test(tc, test_pkcs12_round_trip, 0, NISSUABLE);
    tcase_add_loop_test(tc, test_pem_round_trip, 0, NISSUABLE);
    tcase_add_test(tc, test_no_key);
    tcase_add_test(tc, test_pem_refusals);
    tcase_add_test(tc, test_openssl_uploads);
    tcase_add_test(tc, test_merge);
    suite_add_tcase(s, tc);
    int rc = mvt_run(s, false);
    gnutls_global_deinit();
    return rc;
}
