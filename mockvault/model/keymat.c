/* keymat.c: the API of keymat.h: reference counting, the dispatch of generation, import,
 * export and the operations to keymat-rsa.c and keymat-ec.c (after the checks of algorithm and
 * digest length they share), PEM import through GnuTLS, and PKCS#8 export (RSA through GnuTLS, EC
 * through keymat-ec.c). */
#include "keymat-int.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <nettle/bignum.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"

/* ---- lifetime ---- */

struct mv_keymat *mv_keymat_ref(struct mv_keymat *km)
{
    if (km)
        atomic_fetch_add_explicit(&km->refs, 1, memory_order_relaxed);
    return km;
}

void mv_keymat_unref(struct mv_keymat *km)
{
    if (!km)
        return;
    /* Release on the decrement and acquire before the wipe, so that every other holder's last
     * use happens before the memory is cleared. */
    if (atomic_fetch_sub_explicit(&km->refs, 1, memory_order_release) != 1)
        return;
    atomic_thread_fence(memory_order_acquire);
    if (km->kty == MV_KTY_RSA)
        mv_rsa_wipe(km);
    else
        mv_ec_wipe(km);
    cx_wipe_free(km, sizeof *km);
}

enum mv_kty mv_keymat_kty(const struct mv_keymat *km)
{
    return km->kty;
}

enum mv_crv mv_keymat_crv(const struct mv_keymat *km)
{
    return km->crv;
}

unsigned mv_keymat_bits(const struct mv_keymat *km)
{
    return km->bits;
}

void mv_keymat_spec(const struct mv_keymat *km, struct mv_key_spec *out)
{
    out->kty = km->kty;
    out->bits = km->kty == MV_KTY_RSA ? km->bits : 0;
    out->crv = km->crv;
}

/* ---- generation and import ---- */

enum mv_km_err mv_keymat_generate(const struct mv_key_spec *spec, const void *seed, size_t seed_len,
                                  struct mv_keymat **out)
{
    struct mv_drbg drbg;
    enum mv_km_err err;

    *out = NULL;
    if (spec->kty == MV_KTY_RSA && spec->bits != 2048 && spec->bits != 3072 && spec->bits != 4096)
        return MV_KM_BAD_SIZE;
    if (spec->kty == MV_KTY_EC && mv_ec_width(spec->crv) == 0)
        return MV_KM_BAD_KEY;
    if (spec->kty != MV_KTY_RSA && spec->kty != MV_KTY_EC)
        return MV_KM_BAD_KEY;
    if (seed)
        mv_drbg_init(&drbg, spec, seed, seed_len);
    if (spec->kty == MV_KTY_RSA)
        err = mv_rsa_generate(spec->bits, seed ? &drbg : NULL, out);
    else
        err = mv_ec_generate(spec->crv, seed ? &drbg : NULL, out);
    if (seed)
        mv_drbg_finish(&drbg);
    return err;
}

enum mv_km_err mv_keymat_import(const struct mv_jwk_parts *parts, struct mv_keymat **out)
{
    *out = NULL;
    if (parts->kty == MV_KTY_RSA)
        return mv_rsa_import(parts, out);
    if (parts->kty == MV_KTY_EC)
        return mv_ec_import(parts, out);
    return MV_KM_BAD_KEY;
}

static struct mv_bytes datum_bytes(const gnutls_datum_t *d)
{
    struct mv_bytes b = {d->data, d->size};
    return b;
}

static void datum_wipe(gnutls_datum_t *d)
{
    if (d->data) {
        cx_wipe(d->data, d->size);
        gnutls_free(d->data);
    }
    d->data = NULL;
    d->size = 0;
}

static enum mv_km_err pem_to_parts(gnutls_x509_privkey_t key, struct mv_keymat **out)
{
    gnutls_datum_t v[5] = {{NULL, 0}};
    struct mv_jwk_parts parts = {0};
    gnutls_ecc_curve_t curve;
    enum mv_km_err err = MV_KM_BAD_KEY;
    int pk = gnutls_x509_privkey_get_pk_algorithm(key);

    if (pk == GNUTLS_PK_RSA) {
        /* dp, dq and qi are recomputed by the import, which also checks the key is whole. */
        if (gnutls_x509_privkey_export_rsa_raw2(key, &v[0], &v[1], &v[2], &v[3], &v[4], NULL, NULL,
                                                NULL) < 0)
            goto out;
        parts.kty = MV_KTY_RSA;
        parts.n = datum_bytes(&v[0]);
        parts.e = datum_bytes(&v[1]);
        parts.d = datum_bytes(&v[2]);
        parts.p = datum_bytes(&v[3]);
        parts.q = datum_bytes(&v[4]);
    } else if (pk == GNUTLS_PK_ECDSA) {
        if (gnutls_x509_privkey_export_ecc_raw(key, &curve, &v[0], &v[1], &v[2]) < 0)
            goto out;
        parts.kty = MV_KTY_EC;
        switch (curve) {
        case GNUTLS_ECC_CURVE_SECP256R1: parts.crv = MV_CRV_P256; break;
        case GNUTLS_ECC_CURVE_SECP384R1: parts.crv = MV_CRV_P384; break;
        case GNUTLS_ECC_CURVE_SECP521R1: parts.crv = MV_CRV_P521; break;
        default: err = MV_KM_UNSUPPORTED; goto out;
        }
        parts.x = datum_bytes(&v[0]);
        parts.y = datum_bytes(&v[1]);
        parts.d = datum_bytes(&v[2]);
    } else {
        err = MV_KM_UNSUPPORTED;
        goto out;
    }
    err = mv_keymat_import(&parts, out);
out:
    for (int i = 0; i < 5; i++)
        datum_wipe(&v[i]);
    return err;
}

/* Whether a PEM block's DER holds the secp256k1 OID 1.3.132.0.10 (SEC 2), in SEC1's parameters
 * or PKCS#8's algorithm identifier. */
static bool pem_has_k1_oid(const gnutls_datum_t *pem)
{
    static const unsigned char oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
    gnutls_datum_t der = {NULL, 0};
    bool found = false;

    if (gnutls_pem_base64_decode2(NULL, pem, &der) < 0)
        return false;
    for (size_t i = 0; !found && der.size >= sizeof oid && i <= der.size - sizeof oid; i++)
        found = memcmp(der.data + i, oid, sizeof oid) == 0;
    datum_wipe(&der);
    return found;
}

enum mv_km_err mv_keymat_import_pem(const char *pem, size_t len, struct mv_keymat **out)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t in = {NULL, 0};
    enum mv_km_err err = MV_KM_BAD_KEY;
    int rc;

    *out = NULL;
    if (len > 1u << 20)
        goto out;
    /* GnuTLS's PEM reader runs string functions over the text (past len when no NUL follows;
     * found by fuzz/fuzz-keymat), so it gets a NUL-terminated copy, wiped afterwards. */
    in.data = malloc(len + 1);
    if (!in.data || gnutls_x509_privkey_init(&key) < 0) {
        err = MV_KM_NOMEM;
        goto out;
    }
    if (len)
        memcpy(in.data, pem, len);
    in.data[len] = '\0';
    in.size = (unsigned)len;
    rc = gnutls_x509_privkey_import2(key, &in, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
    if (rc < 0) {
        /* A key of a curve or type GnuTLS cannot read is "unsupported", anything else is not a
         * key. GnuTLS reports a secp256k1 key as a DER error, so its OID is looked for. */
        if (rc == GNUTLS_E_ECC_UNSUPPORTED_CURVE || rc == GNUTLS_E_UNKNOWN_PK_ALGORITHM ||
            rc == GNUTLS_E_UNIMPLEMENTED_FEATURE || rc == GNUTLS_E_UNKNOWN_ALGORITHM ||
            pem_has_k1_oid(&in))
            err = MV_KM_UNSUPPORTED;
        goto out;
    }
    err = pem_to_parts(key, out);
out:
    if (key)
        gnutls_x509_privkey_deinit(key);
    cx_wipe_free(in.data, in.data ? len + 1 : 0);
    return err;
}

/* ---- export ---- */

static enum mv_km_err ec_export(const struct mv_keymat *km, bool private_parts,
                                struct mv_jwk_out *out)
{
    out->x = mv_memdup(km->x, km->ec_width);
    out->y = mv_memdup(km->y, km->ec_width);
    if (!out->x || !out->y)
        return MV_KM_NOMEM;
    out->x_len = out->y_len = km->ec_width;
    if (private_parts) {
        out->d = mv_memdup(km->d, km->ec_width);
        if (!out->d)
            return MV_KM_NOMEM;
        out->d_len = km->ec_width;
    }
    return MV_KM_OK;
}

static enum mv_km_err keymat_export(const struct mv_keymat *km, bool private_parts,
                                    struct mv_jwk_out *out)
{
    enum mv_km_err err;

    memset(out, 0, sizeof *out);
    out->kty = km->kty;
    out->crv = km->crv;
    if (km->kty == MV_KTY_RSA)
        err = mv_rsa_export(km, private_parts, out);
    else
        err = ec_export(km, private_parts, out);
    if (err != MV_KM_OK)
        mv_jwk_out_finish(out);
    return err;
}

enum mv_km_err mv_keymat_public(const struct mv_keymat *km, struct mv_jwk_out *out)
{
    return keymat_export(km, false, out);
}

enum mv_km_err mv_keymat_export(const struct mv_keymat *km, struct mv_jwk_out *out)
{
    if (km->public_only) {
        memset(out, 0, sizeof *out);
        return MV_KM_BAD_KEY;
    }
    return keymat_export(km, true, out);
}

void mv_jwk_out_finish(struct mv_jwk_out *j)
{
    if (!j)
        return;
    cx_wipe_free(j->n, j->n_len);
    cx_wipe_free(j->e, j->e_len);
    cx_wipe_free(j->x, j->x_len);
    cx_wipe_free(j->y, j->y_len);
    cx_wipe_free(j->d, j->d_len);
    cx_wipe_free(j->p, j->p_len);
    cx_wipe_free(j->q, j->q_len);
    cx_wipe_free(j->dp, j->dp_len);
    cx_wipe_free(j->dq, j->dq_len);
    cx_wipe_free(j->qi, j->qi_len);
    enum mv_kty kty = j->kty;
    enum mv_crv crv = j->crv;
    memset(j, 0, sizeof *j);
    j->kty = kty;
    j->crv = crv;
}

/* ---- operations ---- */

/* The curve each ES algorithm runs on (spec §3.8); MV_CRV_NONE for the others. */
static enum mv_crv alg_curve(enum mv_key_alg alg)
{
    switch (alg) {
    case MV_ALG_ES256: return MV_CRV_P256;
    case MV_ALG_ES256K: return MV_CRV_P256K;
    case MV_ALG_ES384: return MV_CRV_P384;
    case MV_ALG_ES512: return MV_CRV_P521;
    default: return MV_CRV_NONE;
    }
}

static bool alg_is_encryption(enum mv_key_alg alg)
{
    return alg == MV_ALG_RSA1_5 || alg == MV_ALG_RSA_OAEP || alg == MV_ALG_RSA_OAEP_256;
}

/* Whether a signature algorithm fits the key: RS and PS on RSA, each ES on its one curve. */
static bool sign_alg_fits(const struct mv_keymat *km, enum mv_key_alg alg)
{
    if (!mv_key_alg_is_signature(alg))
        return false;
    if (km->kty == MV_KTY_RSA)
        return alg_curve(alg) == MV_CRV_NONE;
    return alg_curve(alg) == km->crv;
}

/* Encrypt and decrypt share their checks: RSA keys only, the three encryption algorithms only. */
static enum mv_km_err rsa_crypt(const struct mv_keymat *km, enum mv_key_alg alg, bool decrypt,
                                const unsigned char *in, size_t in_len, unsigned char **out,
                                size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (km->kty != MV_KTY_RSA || !alg_is_encryption(alg))
        return MV_KM_BAD_ALG;
    if (decrypt && km->public_only)
        return MV_KM_BAD_KEY;
    if (decrypt)
        return mv_rsa_decrypt(km, alg, in, in_len, out, out_len);
    return mv_rsa_encrypt(km, alg, in, in_len, out, out_len);
}

enum mv_km_err mv_keymat_encrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                                 const unsigned char *in, size_t in_len, unsigned char **out,
                                 size_t *out_len)
{
    return rsa_crypt(km, alg, false, in, in_len, out, out_len);
}

enum mv_km_err mv_keymat_decrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                                 const unsigned char *in, size_t in_len, unsigned char **out,
                                 size_t *out_len)
{
    return rsa_crypt(km, alg, true, in, in_len, out, out_len);
}

enum mv_km_err mv_keymat_sign(const struct mv_keymat *km, enum mv_key_alg alg,
                              const unsigned char *digest, size_t digest_len, unsigned char **out,
                              size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!sign_alg_fits(km, alg))
        return MV_KM_BAD_ALG;
    if (km->public_only)
        return MV_KM_BAD_KEY;
    if (digest_len != mv_key_alg_digest_len(alg))
        return MV_KM_BAD_LENGTH;
    if (km->kty == MV_KTY_RSA)
        return mv_rsa_sign(km, alg, digest, out, out_len);
    return mv_ec_sign(km, digest, digest_len, out, out_len);
}

enum mv_km_err mv_keymat_verify(const struct mv_keymat *km, enum mv_key_alg alg,
                                const unsigned char *digest, size_t digest_len,
                                const unsigned char *sig, size_t sig_len, bool *valid)
{
    *valid = false;
    if (!sign_alg_fits(km, alg))
        return MV_KM_BAD_ALG;
    if (digest_len != mv_key_alg_digest_len(alg))
        return MV_KM_BAD_LENGTH;
    if (km->kty == MV_KTY_RSA)
        *valid = mv_rsa_verify(km, alg, digest, sig, sig_len);
    else
        *valid = mv_ec_verify(km, digest, digest_len, sig, sig_len);
    return MV_KM_OK;
}

/* ---- PKCS#8 ---- */

static gnutls_datum_t mpz_datum(const mpz_t z)
{
    gnutls_datum_t d = {NULL, 0};
    size_t len = 0;
    d.data = mv_mpz_to_bytes(z, &len);
    d.size = (unsigned)len;
    return d;
}

static int rsa_to_gnutls(const struct mv_keymat *km, gnutls_x509_privkey_t key)
{
    const mpz_srcptr z[8] = {km->rsa_pub.n,  km->rsa_pub.e,  km->rsa_priv.d, km->rsa_priv.p,
                             km->rsa_priv.q, km->rsa_priv.c, km->rsa_priv.a, km->rsa_priv.b};
    gnutls_datum_t v[8];
    int rc = GNUTLS_E_MEMORY_ERROR;
    int i;

    for (i = 0; i < 8; i++)
        v[i] = mpz_datum(z[i]);
    for (i = 0; i < 8; i++)
        if (!v[i].data)
            goto out;
    /* GnuTLS's coefficient u is q^-1 mod p, as JWK qi and nettle's c. */
    rc = gnutls_x509_privkey_import_rsa_raw2(key, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                                             &v[7]);
out:
    for (i = 0; i < 8; i++)
        cx_wipe_free(v[i].data, v[i].size);
    return rc;
}

enum mv_km_err mv_keymat_pkcs8(const struct mv_keymat *km, unsigned char **out, size_t *out_len)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t der = {NULL, 0};
    enum mv_km_err err = MV_KM_NOMEM;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (km->public_only)
        return MV_KM_BAD_KEY;
    /* EC keys go through OpenSSL (keymat-ec.c: GnuTLS 3.7 writes d at its minimal length). */
    if (km->kty == MV_KTY_EC)
        return mv_ec_pkcs8(km, out, out_len);
    if (gnutls_x509_privkey_init(&key) < 0)
        goto out;
    rc = rsa_to_gnutls(km, key);
    if (rc < 0)
        goto out;
    if (gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN, &der) <
        0)
        goto out;
    *out = mv_memdup(der.data, der.size);
    if (!*out)
        goto out;
    *out_len = der.size;
    err = MV_KM_OK;
out:
    datum_wipe(&der);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return err;
}
