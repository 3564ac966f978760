/* keymat-base.c: the leaf of the keymat files: algorithm and curve names, the random sources
 * handed to nettle (GnuTLS's, or the seeded generator), integer/byte conversions, and making and
 * handing out a struct mv_keymat. keymat-rsa.c, keymat-ec.c and keymat.c build on it. */
#include "keymat-int.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/bignum.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"

static const char *const alg_names[MV_ALG_COUNT] = {
    [MV_ALG_RSA1_5] = "RSA1_5",
    [MV_ALG_RSA_OAEP] = "RSA-OAEP",
    [MV_ALG_RSA_OAEP_256] = "RSA-OAEP-256",
    [MV_ALG_RS256] = "RS256",
    [MV_ALG_RS384] = "RS384",
    [MV_ALG_RS512] = "RS512",
    [MV_ALG_PS256] = "PS256",
    [MV_ALG_PS384] = "PS384",
    [MV_ALG_PS512] = "PS512",
    [MV_ALG_ES256] = "ES256",
    [MV_ALG_ES256K] = "ES256K",
    [MV_ALG_ES384] = "ES384",
    [MV_ALG_ES512] = "ES512",
};

static const char *const crv_names[] = {
    [MV_CRV_NONE] = NULL,    [MV_CRV_P256] = "P-256",   [MV_CRV_P384] = "P-384",
    [MV_CRV_P521] = "P-521", [MV_CRV_P256K] = "P-256K",
};
#define CRV_COUNT (sizeof(crv_names) / sizeof(crv_names[0]))

const char *mv_key_alg_name(enum mv_key_alg alg)
{
    return (unsigned)alg < MV_ALG_COUNT ? alg_names[alg] : NULL;
}

bool mv_key_alg_parse(const char *name, enum mv_key_alg *out)
{
    if (!name)
        return false;
    for (unsigned i = 0; i < MV_ALG_COUNT; i++) {
        if (strcmp(name, alg_names[i]) == 0) {
            *out = (enum mv_key_alg)i;
            return true;
        }
    }
    return false;
}

const char *mv_crv_name(enum mv_crv crv)
{
    return (unsigned)crv < CRV_COUNT ? crv_names[crv] : NULL;
}

bool mv_crv_parse(const char *name, enum mv_crv *out)
{
    if (!name)
        return false;
    for (unsigned i = 1; i < CRV_COUNT; i++) {
        if (strcmp(name, crv_names[i]) == 0) {
            *out = (enum mv_crv)i;
            return true;
        }
    }
    return false;
}

size_t mv_key_alg_digest_len(enum mv_key_alg alg)
{
    switch (alg) {
    case MV_ALG_RS256:
    case MV_ALG_PS256:
    case MV_ALG_ES256:
    case MV_ALG_ES256K: return 32;
    case MV_ALG_RS384:
    case MV_ALG_PS384:
    case MV_ALG_ES384: return 48;
    case MV_ALG_RS512:
    case MV_ALG_PS512:
    case MV_ALG_ES512: return 64;
    default: return 0;
    }
}

bool mv_key_alg_is_signature(enum mv_key_alg alg)
{
    return mv_key_alg_digest_len(alg) != 0;
}

/* ---- random sources ---- */

int mv_rnd_key_ctx;

void mv_rnd_random(void *ctx, size_t len, uint8_t *dst)
{
    gnutls_rnd_level_t level = ctx ? GNUTLS_RND_KEY : GNUTLS_RND_RANDOM;
    if (gnutls_rnd(level, dst, len) < 0)
        abort();
}

void mv_drbg_init(struct mv_drbg *g, const struct mv_key_spec *spec, const void *seed,
                  size_t seed_len)
{
    struct sha256_ctx h;
    /* The spec is part of the key so that one seed never gives related RSA-2048 and RSA-3072
     * keys; the label keeps this stream apart from any other use of the same seed. */
    uint8_t tag[12] = {'m',
                       'v',
                       '-',
                       'k',
                       'e',
                       'y',
                       'm',
                       'a',
                       't',
                       (uint8_t)spec->kty,
                       (uint8_t)(spec->kty == MV_KTY_RSA ? spec->bits / 256 : spec->crv),
                       (uint8_t)(spec->kty == MV_KTY_RSA ? spec->bits % 256 : 0)};

    sha256_init(&h);
    sha256_update(&h, sizeof tag, tag);
    sha256_update(&h, seed_len, seed);
    sha256_digest(&h, sizeof g->key, g->key);
    g->counter = 0;
    g->used = sizeof g->block;
    cx_wipe(&h, sizeof h);
}

void mv_drbg_finish(struct mv_drbg *g)
{
    cx_wipe(g, sizeof *g);
}

void mv_drbg_random(void *ctx, size_t len, uint8_t *dst)
{
    struct mv_drbg *g = ctx;

    while (len > 0) {
        if (g->used == sizeof g->block) {
            struct sha256_ctx h;
            uint8_t ctr[8];
            for (int i = 0; i < 8; i++)
                ctr[i] = (uint8_t)(g->counter >> (56 - 8 * i));
            sha256_init(&h);
            sha256_update(&h, sizeof g->key, g->key);
            sha256_update(&h, sizeof ctr, ctr);
            sha256_digest(&h, sizeof g->block, g->block);
            cx_wipe(&h, sizeof h);
            g->counter++;
            g->used = 0;
        }
        size_t n = sizeof g->block - g->used;
        if (n > len)
            n = len;
        memcpy(dst, g->block + g->used, n);
        g->used += n;
        dst += n;
        len -= n;
    }
}

/* ---- integers and bytes ---- */

bool mv_mpz_to_fixed(const mpz_t z, unsigned char *out, size_t len)
{
    if (mpz_sgn(z) < 0 || nettle_mpz_sizeinbase_256_u(z) > len)
        return false;
    nettle_mpz_get_str_256(len, out, z);
    return true;
}

unsigned char *mv_mpz_to_bytes(const mpz_t z, size_t *len)
{
    size_t n = nettle_mpz_sizeinbase_256_u(z);
    unsigned char *p = malloc(n);
    if (!p)
        return NULL;
    nettle_mpz_get_str_256(n, p, z);
    *len = n;
    return p;
}

void mv_mpz_wipe_clear(mpz_t z)
{
    size_t alloc = (size_t)z->_mp_alloc;
    if (alloc && z->_mp_d)
        cx_wipe(z->_mp_d, alloc * sizeof(mp_limb_t));
    mpz_clear(z);
}

unsigned char *mv_memdup(const void *p, size_t len)
{
    unsigned char *q = malloc(len ? len : 1);
    if (q && len)
        memcpy(q, p, len);
    return q;
}

/* ---- making and handing out ---- */

struct mv_keymat *mv_keymat_alloc(enum mv_kty kty, enum mv_crv crv)
{
    struct mv_keymat *km = calloc(1, sizeof *km);
    if (!km)
        return NULL;
    atomic_init(&km->refs, 1);
    km->kty = kty;
    km->crv = crv;
    if (kty == MV_KTY_RSA) {
        rsa_public_key_init(&km->rsa_pub);
        rsa_private_key_init(&km->rsa_priv);
    }
    return km;
}

enum mv_km_err mv_keymat_deliver(struct mv_keymat *km, enum mv_km_err err,
                                 void (*wipe)(struct mv_keymat *km), struct mv_keymat **out)
{
    if (err != MV_KM_OK && km) {
        wipe(km);
        cx_wipe_free(km, sizeof *km);
        km = NULL;
    }
    *out = km;
    return err;
}
