/* keymat-ec.c: EC key material: P-256, P-384 and P-521 on nettle/hogweed, P-256K (secp256k1) on
 * libsecp256k1 (GnuTLS and nettle do not have the curve). Generation, import checks (the point is
 * on the curve and d*G = (x, y)), ECDSA over the caller's digest with raw fixed-width r||s
 * output (spec §3.8), and the PKCS#8 form of every curve (OpenSSL 3, at the curve's fixed
 * width). */
#include "keymat-int.h"

#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"

size_t mv_ec_width(enum mv_crv crv)
{
    switch (crv) {
    case MV_CRV_P256:
    case MV_CRV_P256K: return 32;
    case MV_CRV_P384: return 48;
    case MV_CRV_P521: return 66;
    default: return 0;
    }
}

static const struct ecc_curve *nettle_curve(enum mv_crv crv)
{
    switch (crv) {
    case MV_CRV_P256: return nettle_get_secp_256r1();
    case MV_CRV_P384: return nettle_get_secp_384r1();
    case MV_CRV_P521: return nettle_get_secp_521r1();
    default: return NULL;
    }
}

/* One libsecp256k1 context for the process: signing and verifying only read it, so threads share
 * it; it is randomised once against side channels. NULL when it could not be made. */
static secp256k1_context *k1_ctx;
static pthread_once_t k1_once = PTHREAD_ONCE_INIT;

static void k1_init(void)
{
    unsigned char r[32];
    k1_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!k1_ctx)
        return;
    mv_rnd_random(NULL, sizeof r, r);
    if (!secp256k1_context_randomize(k1_ctx, r)) {
        secp256k1_context_destroy(k1_ctx);
        k1_ctx = NULL;
    }
    cx_wipe(r, sizeof r);
}

static const secp256k1_context *k1_context(void)
{
    pthread_once(&k1_once, k1_init);
    return k1_ctx;
}

void mv_ec_wipe(struct mv_keymat *km)
{
    if (km->ecc) {
        cx_wipe(km->ec_priv.p, (size_t)ecc_size(km->ecc) * sizeof(mp_limb_t));
        ecc_scalar_clear(&km->ec_priv);
        ecc_point_clear(&km->ec_pub);
        km->ecc = NULL;
    }
    cx_wipe(km->d, sizeof km->d);
}

static struct mv_keymat *ec_alloc(enum mv_crv crv)
{
    struct mv_keymat *km = mv_keymat_alloc(MV_KTY_EC, crv);
    const struct ecc_curve *ecc = nettle_curve(crv);

    if (!km)
        return NULL;
    km->ec_width = mv_ec_width(crv);
    km->bits = crv == MV_CRV_P521 ? 521 : (unsigned)km->ec_width * 8;
    if (ecc) {
        ecc_point_init(&km->ec_pub, ecc);
        ecc_scalar_init(&km->ec_priv, ecc);
        km->ecc = ecc;
    }
    return km;
}

/* Fills x and y at fixed width from nettle's point; false if d*G is not (x, y) when check is set.
 */
static bool ec_point_bytes(struct mv_keymat *km, bool check)
{
    struct ecc_point q;
    mpz_t x, y;
    unsigned char bx[MV_EC_MAX], by[MV_EC_MAX];
    bool ok;

    ecc_point_init(&q, km->ecc);
    mpz_inits(x, y, NULL);
    ecc_point_mul_g(&q, &km->ec_priv);
    ecc_point_get(&q, x, y);
    ok = mv_mpz_to_fixed(x, bx, km->ec_width) && mv_mpz_to_fixed(y, by, km->ec_width);
    if (ok && check)
        ok = memcmp(bx, km->x, km->ec_width) == 0 && memcmp(by, km->y, km->ec_width) == 0;
    if (ok && !check) {
        memcpy(km->x, bx, km->ec_width);
        memcpy(km->y, by, km->ec_width);
        ecc_point_set(&km->ec_pub, x, y);
    }
    mpz_clears(x, y, NULL);
    ecc_point_clear(&q);
    return ok;
}

/* P-256K: the public key of km->d into k1_pub and x, y; with check, (x, y) must already match. */
static bool k1_point_bytes(struct mv_keymat *km, bool check)
{
    const secp256k1_context *ctx = k1_context();
    unsigned char pt[65];
    size_t len = sizeof pt;

    if (!ctx || !secp256k1_ec_seckey_verify(ctx, km->d) ||
        !secp256k1_ec_pubkey_create(ctx, &km->k1_pub, km->d))
        return false;
    secp256k1_ec_pubkey_serialize(ctx, pt, &len, &km->k1_pub, SECP256K1_EC_UNCOMPRESSED);
    if (check)
        return memcmp(pt + 1, km->x, 32) == 0 && memcmp(pt + 33, km->y, 32) == 0;
    memcpy(km->x, pt + 1, 32);
    memcpy(km->y, pt + 33, 32);
    return true;
}

enum mv_km_err mv_ec_generate(enum mv_crv crv, struct mv_drbg *drbg, struct mv_keymat **out)
{
    struct mv_keymat *km = ec_alloc(crv);
    void *rctx = drbg ? (void *)drbg : &mv_rnd_key_ctx;
    nettle_random_func *rnd = drbg ? mv_drbg_random : mv_rnd_random;
    enum mv_km_err err = MV_KM_NOMEM;
    mpz_t d;

    mpz_init(d);
    if (!km)
        goto out;
    if (km->ecc) {
        ecc_scalar_random(&km->ec_priv, rctx, rnd);
        ecc_scalar_get(&km->ec_priv, d);
        mv_mpz_to_fixed(d, km->d, km->ec_width);
        if (!ec_point_bytes(km, false))
            goto out;
    } else {
        /* Rejection sampling: a 32-byte string is a secret key unless it is 0 or >= n (about
         * 2^-128 of them), so this loop ends at once in practice. */
        const secp256k1_context *ctx = k1_context();
        if (!ctx)
            goto out;
        do
            rnd(rctx, 32, km->d);
        while (!secp256k1_ec_seckey_verify(ctx, km->d));
        if (!k1_point_bytes(km, false))
            goto out;
    }
    err = MV_KM_OK;
out:
    mv_mpz_wipe_clear(d);
    return mv_keymat_deliver(km, err, mv_ec_wipe, out);
}

/* Copies b right-aligned into a width-byte buffer after dropping leading zeros (JWK x/y/d may
 * come without them); false when absent, zero-length or too wide for the curve. */
static bool part_fixed(struct mv_bytes b, unsigned char *dst, size_t width)
{
    const unsigned char *p = b.data;
    size_t n = b.len;

    if (!p || n == 0)
        return false;
    while (n > 0 && *p == 0) {
        p++;
        n--;
    }
    if (n > width)
        return false;
    memset(dst, 0, width);
    memcpy(dst + width - n, p, n);
    return true;
}

enum mv_km_err mv_ec_import(const struct mv_jwk_parts *parts, struct mv_keymat **out)
{
    struct mv_keymat *km = NULL;
    enum mv_km_err err = MV_KM_BAD_KEY;
    mpz_t x, y, d;

    mpz_inits(x, y, d, NULL);
    if (mv_ec_width(parts->crv) == 0)
        goto out;
    err = MV_KM_NOMEM;
    km = ec_alloc(parts->crv);
    if (!km)
        goto out;
    err = MV_KM_BAD_KEY;
    if (!part_fixed(parts->x, km->x, km->ec_width) || !part_fixed(parts->y, km->y, km->ec_width) ||
        !part_fixed(parts->d, km->d, km->ec_width))
        goto out;
    if (km->ecc) {
        nettle_mpz_set_str_256_u(x, km->ec_width, km->x);
        nettle_mpz_set_str_256_u(y, km->ec_width, km->y);
        nettle_mpz_set_str_256_u(d, km->ec_width, km->d);
        /* ecc_point_set refuses a point off the curve, ecc_scalar_set a d outside [1, q-1]. */
        if (!ecc_point_set(&km->ec_pub, x, y) || !ecc_scalar_set(&km->ec_priv, d) ||
            !ec_point_bytes(km, true))
            goto out;
    } else if (!k1_point_bytes(km, true)) {
        goto out;
    }
    err = MV_KM_OK;
out:
    mpz_clears(x, y, NULL);
    mv_mpz_wipe_clear(d);
    return mv_keymat_deliver(km, err, mv_ec_wipe, out);
}

enum mv_km_err mv_ec_sign(const struct mv_keymat *km, const unsigned char *digest,
                          size_t digest_len, unsigned char **out, size_t *out_len)
{
    size_t w = km->ec_width;
    unsigned char *sig = malloc(2 * w);
    enum mv_km_err err = MV_KM_NOMEM;
    struct dsa_signature ds;

    dsa_signature_init(&ds);
    if (!sig)
        goto out;
    if (km->ecc) {
        ecdsa_sign(&km->ec_priv, NULL, mv_rnd_random, digest_len, digest, &ds);
        if (!mv_mpz_to_fixed(ds.r, sig, w) || !mv_mpz_to_fixed(ds.s, sig + w, w))
            goto out;
    } else {
        const secp256k1_context *ctx = k1_context();
        secp256k1_ecdsa_signature s;
        /* RFC 6979 nonces (libsecp256k1's default); the output is low-S and compact r||s. */
        if (!ctx || !secp256k1_ecdsa_sign(ctx, &s, digest, km->d, NULL, NULL))
            goto out;
        secp256k1_ecdsa_signature_serialize_compact(ctx, sig, &s);
    }
    *out = sig;
    *out_len = 2 * w;
    sig = NULL;
    err = MV_KM_OK;
out:
    free(sig);
    dsa_signature_clear(&ds);
    return err;
}

bool mv_ec_verify(const struct mv_keymat *km, const unsigned char *digest, size_t digest_len,
                  const unsigned char *sig, size_t sig_len)
{
    size_t w = km->ec_width;
    struct dsa_signature ds;
    bool ok = false;

    /* Raw r||s at fixed width only: a DER signature is not Key Vault's format (spec §3.8). */
    if (sig_len != 2 * w)
        return false;
    if (!km->ecc) {
        const secp256k1_context *ctx = k1_context();
        secp256k1_ecdsa_signature s;
        if (!ctx || !secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig))
            return false;
        /* libsecp256k1 accepts only low-S; other signers may give high-S, which ECDSA allows. */
        secp256k1_ecdsa_signature_normalize(ctx, &s, &s);
        return secp256k1_ecdsa_verify(ctx, &s, digest, &km->k1_pub) == 1;
    }
    dsa_signature_init(&ds);
    nettle_mpz_set_str_256_u(ds.r, w, sig);
    nettle_mpz_set_str_256_u(ds.s, w, sig + w);
    ok = ecdsa_verify(&km->ec_pub, digest_len, digest, &ds) == 1;
    dsa_signature_clear(&ds);
    return ok;
}

/* OpenSSL's name of a curve's group. */
static const char *ossl_group(enum mv_crv crv)
{
    switch (crv) {
    case MV_CRV_P256: return "prime256v1";
    case MV_CRV_P384: return "secp384r1";
    case MV_CRV_P521: return "secp521r1";
    case MV_CRV_P256K: return "secp256k1";
    default: return NULL;
    }
}

/* Every curve goes through OpenSSL 3 rather than GnuTLS: GnuTLS 3.7 writes ECPrivateKey.privateKey
 * as a minimal integer (a 00 before a top bit, short when d's top byte is 0), where RFC 5915 and
 * SEC 1 fix it at the curve's width, and python-cryptography and .NET refuse such keys; GnuTLS
 * also lacks secp256k1. OpenSSL's SEC1 encoding (i2d_PrivateKey) has d at the order's width, the
 * named curve (RFC 5915 requires it; GnuTLS cannot read a SEC1 key without it) and the public key;
 * OpenSSL's PKCS#8 structure wraps it with the curve in the AlgorithmIdentifier. */
enum mv_km_err mv_ec_pkcs8(const struct mv_keymat *km, unsigned char **out, size_t *out_len)
{
    const char *group = ossl_group(km->crv);
    size_t w = km->ec_width;
    unsigned char pub[1 + 2 * MV_EC_MAX];
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = PKCS8_PRIV_KEY_INFO_new();
    BIGNUM *d = BN_secure_new();
    unsigned char *sec1 = NULL, *der = NULL;
    int sec1_len = 0, len = 0;
    enum mv_km_err err = MV_KM_NOMEM;

    if (!group || !bld || !p8 || !d || !BN_bin2bn(km->d, (int)w, d))
        goto out;
    pub[0] = 0x04; /* uncompressed point: 04 || x || y */
    memcpy(pub + 1, km->x, w);
    memcpy(pub + 1 + w, km->y, w);
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * w) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0 ||
        (sec1_len = i2d_PrivateKey(pkey, &sec1)) <= 0)
        goto out;
    /* The PKCS#8 structure owns (and on its free, wipes) sec1 once this succeeds. */
    if (!PKCS8_pkey_set0(p8, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), 0, V_ASN1_OBJECT,
                         OBJ_nid2obj(OBJ_sn2nid(group)), sec1, sec1_len))
        goto out;
    sec1 = NULL;
    len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    if (len <= 0)
        goto out;
    *out = mv_memdup(der, (size_t)len);
    if (!*out)
        goto out;
    *out_len = (size_t)len;
    err = MV_KM_OK;
out:
    if (err != MV_KM_OK)
        ERR_clear_error(); /* OpenSSL's per-thread error queue stays empty */
    if (sec1)
        OPENSSL_clear_free(sec1, (size_t)sec1_len);
    if (der)
        OPENSSL_clear_free(der, (size_t)len);
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* d, a secure BIGNUM, sits in the part this wipes */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    cx_wipe(pub, sizeof pub);
    return err;
}
