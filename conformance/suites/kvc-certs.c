/* kvc-certs.c: certificate test material with GnuTLS (kvc-certs.h). */
#include "kvc-certs.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-base64.h"

static unsigned char *b64_decode(const char *text, size_t *n)
{
    return cx_b64_decode(text, strlen(text), CX_B64_PAD_OPTIONAL, n);
}

static char *b64_of(const gnutls_datum_t *d)
{
    return cx_b64_encode(d->data, d->size, 0);
}

static int set_serial(gnutls_x509_crt_t crt)
{
    unsigned char serial[16];

    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial) < 0)
        return -1;
    serial[0] &= 0x7f; /* a positive INTEGER */
    return gnutls_x509_crt_set_serial(crt, serial, sizeof serial) < 0 ? -1 : 0;
}

void kvct_keycert_free(struct kvct_keycert *kc)
{
    if (!kc)
        return;
    if (kc->key)
        gnutls_x509_privkey_deinit(kc->key);
    if (kc->crt)
        gnutls_x509_crt_deinit(kc->crt);
    kc->key = NULL;
    kc->crt = NULL;
}

int kvct_make(struct kvct_keycert *kc, const char *dn, int days, bool is_ca,
              const struct kvct_keycert *ca)
{
    time_t now = time(NULL);
    const char *err = NULL;
    int rc = -1;

    memset(kc, 0, sizeof *kc);
    if (gnutls_x509_privkey_init(&kc->key) < 0 || gnutls_x509_crt_init(&kc->crt) < 0)
        goto out;
    if (gnutls_x509_privkey_generate(kc->key, GNUTLS_PK_RSA, 2048, 0) < 0)
        goto out;
    if (gnutls_x509_crt_set_version(kc->crt, 3) < 0 ||
        gnutls_x509_crt_set_key(kc->crt, kc->key) < 0 ||
        gnutls_x509_crt_set_dn(kc->crt, dn, &err) < 0 || set_serial(kc->crt) < 0)
        goto out;
    /* An expired certificate (days < 0) ended |days| days ago after a year of life. */
    if (days >= 0) {
        gnutls_x509_crt_set_activation_time(kc->crt, now - 60);
        gnutls_x509_crt_set_expiration_time(kc->crt, now + (time_t)days * 86400);
    } else {
        gnutls_x509_crt_set_activation_time(kc->crt, now + (time_t)days * 86400 - 365 * 86400);
        gnutls_x509_crt_set_expiration_time(kc->crt, now + (time_t)days * 86400);
    }
    if (gnutls_x509_crt_set_basic_constraints(kc->crt, is_ca ? 1 : 0, -1) < 0 ||
        gnutls_x509_crt_set_key_usage(
            kc->crt,
            is_ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE
                  : GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT) < 0)
        goto out;
    if (gnutls_x509_crt_sign2(kc->crt, ca ? ca->crt : kc->crt, ca ? ca->key : kc->key,
                              GNUTLS_DIG_SHA256, 0) < 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        kvct_keycert_free(kc);
    return rc;
}

char *kvct_cer_b64(const struct kvct_keycert *kc)
{
    gnutls_datum_t d = {NULL, 0};
    char *out = NULL;

    if (gnutls_x509_crt_export2(kc->crt, GNUTLS_X509_FMT_DER, &d) == 0)
        out = b64_of(&d);
    gnutls_free(d.data);
    return out;
}

char *kvct_pfx_b64(const struct kvct_keycert *kc, const char *password)
{
    gnutls_pkcs12_t p12 = NULL;
    gnutls_pkcs12_bag_t cbag = NULL, kbag = NULL;
    gnutls_datum_t kd = {NULL, 0}, out = {NULL, 0}, id;
    unsigned char keyid[64];
    size_t idlen = sizeof keyid;
    char *b64 = NULL;
    int idx;

    if (gnutls_x509_crt_get_key_id(kc->crt, 0, keyid, &idlen) < 0)
        goto out;
    id.data = keyid;
    id.size = (unsigned)idlen;
    if (gnutls_pkcs12_init(&p12) < 0 || gnutls_pkcs12_bag_init(&cbag) < 0 ||
        gnutls_pkcs12_bag_init(&kbag) < 0)
        goto out;
    idx = gnutls_pkcs12_bag_set_crt(cbag, kc->crt);
    if (idx < 0 || gnutls_pkcs12_bag_set_key_id(cbag, idx, &id) < 0 ||
        gnutls_pkcs12_bag_encrypt(cbag, password, GNUTLS_PKCS_PBES2_AES_256) < 0 ||
        gnutls_pkcs12_set_bag(p12, cbag) < 0)
        goto out;
    if (gnutls_x509_privkey_export2_pkcs8(kc->key, GNUTLS_X509_FMT_DER, password,
                                          GNUTLS_PKCS_PBES2_AES_256, &kd) < 0)
        goto out;
    idx = gnutls_pkcs12_bag_set_data(kbag, GNUTLS_BAG_PKCS8_ENCRYPTED_KEY, &kd);
    if (idx < 0 || gnutls_pkcs12_bag_set_key_id(kbag, idx, &id) < 0 ||
        gnutls_pkcs12_set_bag(p12, kbag) < 0)
        goto out;
    if (gnutls_pkcs12_generate_mac2(p12, GNUTLS_MAC_SHA256, password) < 0 ||
        gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, &out) < 0)
        goto out;
    b64 = b64_of(&out);
out:
    gnutls_free(kd.data);
    gnutls_free(out.data);
    if (cbag)
        gnutls_pkcs12_bag_deinit(cbag);
    if (kbag)
        gnutls_pkcs12_bag_deinit(kbag);
    if (p12)
        gnutls_pkcs12_deinit(p12);
    return b64;
}

char *kvct_pem(const struct kvct_keycert *kc, bool pkcs1)
{
    gnutls_datum_t k = {NULL, 0}, c = {NULL, 0};
    char *out = NULL;
    int rc = pkcs1 ? gnutls_x509_privkey_export2(kc->key, GNUTLS_X509_FMT_PEM, &k)
                   : gnutls_x509_privkey_export2_pkcs8(kc->key, GNUTLS_X509_FMT_PEM, NULL,
                                                       GNUTLS_PKCS_PLAIN, &k);

    if (rc < 0 || gnutls_x509_crt_export2(kc->crt, GNUTLS_X509_FMT_PEM, &c) < 0)
        goto out;
    out = malloc((size_t)k.size + c.size + 1);
    if (!out)
        goto out;
    memcpy(out, k.data, k.size);
    memcpy(out + k.size, c.data, c.size);
    out[k.size + c.size] = '\0';
out:
    gnutls_free(k.data);
    gnutls_free(c.data);
    return out;
}

char *kvct_sign_csr(const char *csr_b64, const struct kvct_keycert *ca)
{
    gnutls_x509_crq_t crq = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t der = {NULL, 0}, out = {NULL, 0};
    size_t n = 0;
    time_t now = time(NULL);
    char *b64 = NULL;

    der.data = b64_decode(csr_b64, &n);
    der.size = (unsigned)n;
    if (!der.data || gnutls_x509_crq_init(&crq) < 0 || gnutls_x509_crt_init(&crt) < 0)
        goto out;
    if (gnutls_x509_crq_import(crq, &der, GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crq_verify(crq, 0) < 0)
        goto out;
    if (gnutls_x509_crt_set_crq(crt, crq) < 0 || gnutls_x509_crt_set_crq_extensions(crt, crq) < 0 ||
        gnutls_x509_crt_set_version(crt, 3) < 0 || set_serial(crt) < 0)
        goto out;
    gnutls_x509_crt_set_activation_time(crt, now - 300);
    gnutls_x509_crt_set_expiration_time(crt, now + 30 * 86400);
    if (gnutls_x509_crt_sign2(crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0) < 0 ||
        gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out) < 0)
        goto out;
    b64 = b64_of(&out);
out:
    free(der.data);
    gnutls_free(out.data);
    if (crq)
        gnutls_x509_crq_deinit(crq);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return b64;
}

char *kvct_x5t(const char *cer_b64)
{
    size_t n = 0;
    unsigned char *der = b64_decode(cer_b64, &n), digest[20];
    char *out = NULL;

    if (der && gnutls_hash_fast(GNUTLS_DIG_SHA1, der, n, digest) == 0)
        out = cx_b64url_encode(digest, sizeof digest);
    free(der);
    return out;
}

static bool crt_of(const char *cer_b64, gnutls_x509_crt_t *crt)
{
    size_t n = 0;
    gnutls_datum_t d = {b64_decode(cer_b64, &n), 0};
    bool ok = false;

    d.size = (unsigned)n;
    *crt = NULL;
    if (d.data && gnutls_x509_crt_init(crt) == 0)
        ok = gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_DER) == 0;
    free(d.data);
    if (!ok && *crt) {
        gnutls_x509_crt_deinit(*crt);
        *crt = NULL;
    }
    return ok;
}

bool kvct_cer_dates(const char *cer_b64, long long *nbf, long long *exp)
{
    gnutls_x509_crt_t crt;

    if (!crt_of(cer_b64, &crt))
        return false;
    *nbf = (long long)gnutls_x509_crt_get_activation_time(crt);
    *exp = (long long)gnutls_x509_crt_get_expiration_time(crt);
    gnutls_x509_crt_deinit(crt);
    return true;
}

/* Opens the PKCS#12 with password: its private key and leaf certificate (both owned by the caller)
 * or false with *fail saying why. */
static bool pfx_open(const char *pfx_b64, const char *password, gnutls_x509_privkey_t *key,
                     gnutls_x509_crt_t *leaf, const char **fail)
{
    gnutls_pkcs12_t p12 = NULL;
    gnutls_x509_crt_t *chain = NULL;
    unsigned nchain = 0;
    size_t n = 0;
    gnutls_datum_t d = {b64_decode(pfx_b64, &n), 0};
    bool ok = false;

    *key = NULL;
    *leaf = NULL;
    d.size = (unsigned)n;
    *fail = "the value is not base64";
    if (!d.data)
        goto out;
    *fail = "not a PKCS#12 file";
    if (gnutls_pkcs12_init(&p12) < 0 || gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0) < 0)
        goto out;
    *fail = "its MAC does not verify with the password";
    if (gnutls_pkcs12_verify_mac(p12, password) < 0)
        goto out;
    *fail = "no private key and certificate that belong together in it";
    if (gnutls_pkcs12_simple_parse(p12, password, key, &chain, &nchain, NULL, NULL, NULL, 0) < 0 ||
        !*key || nchain == 0)
        goto out;
    *leaf = chain[0];
    chain[0] = NULL;
    ok = true;
out:
    free(d.data);
    for (unsigned i = 0; i < nchain; i++)
        if (chain[i])
            gnutls_x509_crt_deinit(chain[i]);
    gnutls_free(chain);
    if (!ok && *key) {
        gnutls_x509_privkey_deinit(*key);
        *key = NULL;
    }
    if (p12)
        gnutls_pkcs12_deinit(p12);
    return ok;
}

char *kvct_pfx_x5t(const char *pfx_b64, const char *password, char *why, size_t wn)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t leaf;
    gnutls_datum_t der = {NULL, 0};
    const char *fail;
    char *b64 = NULL, *x5t = NULL;

    if (!pfx_open(pfx_b64, password, &key, &leaf, &fail)) {
        if (why)
            snprintf(why, wn, "%s", fail);
        return NULL;
    }
    if (gnutls_x509_crt_export2(leaf, GNUTLS_X509_FMT_DER, &der) == 0)
        b64 = b64_of(&der);
    if (b64)
        x5t = kvct_x5t(b64);
    free(b64);
    gnutls_free(der.data);
    gnutls_x509_crt_deinit(leaf);
    gnutls_x509_privkey_deinit(key);
    return x5t;
}

bool kvct_pfx_matches(const char *pfx_b64, const char *password, const char *cer_b64, char *why,
                      size_t wn)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t leaf, want = NULL;
    const char *fail;
    bool ok = false;

    if (!pfx_open(pfx_b64, password, &key, &leaf, &fail))
        goto out;
    fail = "its certificate is not the bundle's cer";
    ok = crt_of(cer_b64, &want) && gnutls_x509_crt_equals(want, leaf);
    if (want)
        gnutls_x509_crt_deinit(want);
    gnutls_x509_crt_deinit(leaf);
    gnutls_x509_privkey_deinit(key);
out:
    if (!ok && why)
        snprintf(why, wn, "%s", fail);
    return ok;
}
