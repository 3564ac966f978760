/* keymat-common.c: helpers the keymat tests share: key generation that must succeed, hex,
 * and GnuTLS public/private keys made from keymat's exports to cross-check its cryptography. */
#include "keymat-common.h"

#include <check.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mv_keymat *gen(enum mv_kty kty, unsigned bits, enum mv_crv crv, const char *seed)
{
    struct mv_key_spec spec = {kty, bits, crv};
    struct mv_keymat *km = NULL;
    enum mv_km_err err = mv_keymat_generate(&spec, seed, seed ? strlen(seed) : 0, &km);
    ck_assert_int_eq(err, MV_KM_OK);
    ck_assert_ptr_nonnull(km);
    return km;
}

size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

void fill(unsigned char *p, size_t n, unsigned char seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + 7 * i);
}

gnutls_datum_t datum(const unsigned char *p, size_t n)
{
    gnutls_datum_t d = {(unsigned char *)p, (unsigned)n};
    return d;
}

gnutls_ecc_curve_t gnutls_curve(enum mv_crv crv)
{
    return crv == MV_CRV_P256   ? GNUTLS_ECC_CURVE_SECP256R1
           : crv == MV_CRV_P384 ? GNUTLS_ECC_CURVE_SECP384R1
                                : GNUTLS_ECC_CURVE_SECP521R1;
}

/* A GnuTLS public key made from keymat's public JWK parts only. */
gnutls_pubkey_t gnutls_pub(const struct mv_keymat *km)
{
    struct mv_jwk_out j;
    gnutls_pubkey_t pub;
    ck_assert_int_eq(mv_keymat_public(km, &j), MV_KM_OK);
    ck_assert_int_eq(gnutls_pubkey_init(&pub), 0);
    if (j.kty == MV_KTY_RSA) {
        gnutls_datum_t n = datum(j.n, j.n_len), e = datum(j.e, j.e_len);
        ck_assert_int_eq(gnutls_pubkey_import_rsa_raw(pub, &n, &e), 0);
    } else {
        gnutls_datum_t x = datum(j.x, j.x_len), y = datum(j.y, j.y_len);
        ck_assert_int_eq(gnutls_pubkey_import_ecc_raw(pub, gnutls_curve(j.crv), &x, &y), 0);
    }
    mv_jwk_out_finish(&j);
    return pub;
}

/* A GnuTLS private key read from keymat's PKCS#8 export. */
gnutls_privkey_t gnutls_priv(const struct mv_keymat *km)
{
    unsigned char *der;
    size_t len;
    gnutls_x509_privkey_t x;
    gnutls_privkey_t priv;
    ck_assert_int_eq(mv_keymat_pkcs8(km, &der, &len), MV_KM_OK);
    gnutls_datum_t d = datum(der, len);
    ck_assert_int_eq(gnutls_x509_privkey_init(&x), 0);
    ck_assert_int_eq(gnutls_x509_privkey_import(x, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(gnutls_x509_privkey_verify_params(x), 0);
    ck_assert_int_eq(gnutls_privkey_init(&priv), 0);
    ck_assert_int_eq(gnutls_privkey_import_x509(priv, x, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE), 0);
    free(der);
    return priv;
}

gnutls_sign_algorithm_t gnutls_sign_alg(enum mv_key_alg alg)
{
    switch (alg) {
    case MV_ALG_RS256: return GNUTLS_SIGN_RSA_SHA256;
    case MV_ALG_RS384: return GNUTLS_SIGN_RSA_SHA384;
    case MV_ALG_RS512: return GNUTLS_SIGN_RSA_SHA512;
    case MV_ALG_PS256: return GNUTLS_SIGN_RSA_PSS_SHA256;
    case MV_ALG_PS384: return GNUTLS_SIGN_RSA_PSS_SHA384;
    case MV_ALG_PS512: return GNUTLS_SIGN_RSA_PSS_SHA512;
    case MV_ALG_ES256: return GNUTLS_SIGN_ECDSA_SHA256;
    case MV_ALG_ES384: return GNUTLS_SIGN_ECDSA_SHA384;
    default: return GNUTLS_SIGN_ECDSA_SHA512;
    }
}

/* GnuTLS's verdict on keymat's signature; ECDSA's raw r||s becomes DER for it first. */
bool gnutls_verifies(const struct mv_keymat *km, enum mv_key_alg alg, const unsigned char *digest,
                     const unsigned char *sig, size_t sig_len)
{
    gnutls_pubkey_t pub = gnutls_pub(km);
    gnutls_datum_t h = datum(digest, mv_key_alg_digest_len(alg)), s = datum(sig, sig_len);
    gnutls_datum_t der = {NULL, 0};
    if (mv_keymat_kty(km) == MV_KTY_EC) {
        gnutls_datum_t r = datum(sig, sig_len / 2), ss = datum(sig + sig_len / 2, sig_len / 2);
        ck_assert_int_eq(gnutls_encode_rs_value(&der, &r, &ss), 0);
        s = der;
    }
    int rc = gnutls_pubkey_verify_hash2(pub, gnutls_sign_alg(alg), 0, &h, &s);
    gnutls_free(der.data);
    gnutls_pubkey_deinit(pub);
    return rc >= 0;
}
