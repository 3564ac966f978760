/* keymat-int.h: what keymat.c, keymat-rsa.c, keymat-ec.c and keymat-base.c share: the key
 * material's layout, the random sources handed to nettle, byte/integer conversions (keymat-base.c,
 * the leaf), and the per-family entry points keymat.c dispatches to. Calls go one way:
 * keymat.c -> keymat-rsa.c / keymat-ec.c -> keymat-base.c. Not for use outside keymat*.c. */
#ifndef MV_KEYMAT_INT_H
#define MV_KEYMAT_INT_H

#include "keymat.h"

#include <gmp.h>
#include <nettle/ecc.h>
#include <nettle/nettle-meta.h>
#include <nettle/nettle-types.h>
#include <nettle/rsa.h>
#include <secp256k1.h>
#include <stdatomic.h>

/* Widest EC coordinate or scalar (P-521). */
#define MV_EC_MAX 66

struct mv_keymat {
    atomic_uint refs;
    enum mv_kty kty;
    enum mv_crv crv;
    unsigned bits;
    /* RSA: nettle's key pair (private: d, p, q, a = dp, b = dq, c = qi). */
    struct rsa_public_key rsa_pub;
    struct rsa_private_key rsa_priv;
    /* EC, every curve: the coordinates and the scalar at the curve's fixed width. */
    size_t ec_width;
    unsigned char x[MV_EC_MAX], y[MV_EC_MAX], d[MV_EC_MAX];
    /* P-256/384/521 only: nettle's point and scalar (ecc is NULL for RSA and P-256K). */
    const struct ecc_curve *ecc;
    struct ecc_point ec_pub;
    struct ecc_scalar ec_priv;
    /* P-256K only: libsecp256k1's parsed public key (the secret is d above). */
    secp256k1_pubkey k1_pub;
    /* An RSA public key only (mv_keymat_import_rsa_public: Secure Key Release's runtime key):
     * every operation that needs the private key refuses it. */
    bool public_only;
};

/* A deterministic generator: SHA-256 of (key, block counter), keyed by the seed and the key
 * spec, so one --seed gives repeatable but unrelated keys for different specs. */
struct mv_drbg {
    unsigned char key[32];
    uint64_t counter;
    unsigned char block[32];
    size_t used; /* bytes of block already handed out */
};
void mv_drbg_init(struct mv_drbg *g, const struct mv_key_spec *spec, const void *seed,
                  size_t seed_len);
void mv_drbg_finish(struct mv_drbg *g);
/* nettle_random_func over a struct mv_drbg. */
void mv_drbg_random(void *ctx, size_t len, uint8_t *dst);
/* nettle_random_func over gnutls_rnd: GNUTLS_RND_KEY (ctx non-NULL) or GNUTLS_RND_RANDOM (ctx
 * NULL). A failing system random source aborts: no key or padding is made from bad randomness. */
void mv_rnd_random(void *ctx, size_t len, uint8_t *dst);
extern int mv_rnd_key_ctx; /* pass &mv_rnd_key_ctx to mv_rnd_random for key-grade randomness */

/* A zeroed struct mv_keymat with one reference and its nettle structures initialised. */
struct mv_keymat *mv_keymat_alloc(enum mv_kty kty, enum mv_crv crv);
/* Hands km out through *out when err is MV_KM_OK; otherwise wipes it with wipe (the family's,
 * passed in so that this leaf file calls no family file), frees it and sets *out to NULL.
 * Returns err. km may be NULL. */
enum mv_km_err mv_keymat_deliver(struct mv_keymat *km, enum mv_km_err err,
                                 void (*wipe)(struct mv_keymat *km), struct mv_keymat **out);

/* Big-endian bytes of z, exactly len long (leading zeros added); false when z does not fit. */
bool mv_mpz_to_fixed(const mpz_t z, unsigned char *out, size_t len);
/* A malloc'd minimal big-endian copy of z (one 0x00 byte for zero); NULL when out of memory. */
unsigned char *mv_mpz_to_bytes(const mpz_t z, size_t *len);
/* Overwrites z's limbs, then clears it: for private integers. */
void mv_mpz_wipe_clear(mpz_t z);
/* A malloc'd copy of len bytes; NULL when out of memory. */
unsigned char *mv_memdup(const void *p, size_t len);

/* RSA (keymat-rsa.c). */
enum mv_km_err mv_rsa_generate(unsigned bits, struct mv_drbg *drbg, struct mv_keymat **out);
enum mv_km_err mv_rsa_import(const struct mv_jwk_parts *parts, struct mv_keymat **out);
enum mv_km_err mv_rsa_export(const struct mv_keymat *km, bool private_parts,
                             struct mv_jwk_out *out);
void mv_rsa_wipe(struct mv_keymat *km);
enum mv_km_err mv_rsa_encrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                              const unsigned char *in, size_t in_len, unsigned char **out,
                              size_t *out_len);
enum mv_km_err mv_rsa_decrypt(const struct mv_keymat *km, enum mv_key_alg alg,
                              const unsigned char *in, size_t in_len, unsigned char **out,
                              size_t *out_len);
/* The same with the hash given: NULL for PKCS#1 v1.5, else OAEP with h (SHA-1, -256, -384). */
enum mv_km_err mv_rsa_encrypt_with(const struct mv_keymat *km, const struct nettle_hash *h,
                                   const unsigned char *in, size_t in_len, unsigned char **out,
                                   size_t *out_len);
enum mv_km_err mv_rsa_decrypt_with(const struct mv_keymat *km, const struct nettle_hash *h,
                                   const unsigned char *in, size_t in_len, unsigned char **out,
                                   size_t *out_len);
enum mv_km_err mv_rsa_sign(const struct mv_keymat *km, enum mv_key_alg alg,
                           const unsigned char *digest, unsigned char **out, size_t *out_len);
bool mv_rsa_verify(const struct mv_keymat *km, enum mv_key_alg alg, const unsigned char *digest,
                   const unsigned char *sig, size_t sig_len);

/* EC (keymat-ec.c). */
size_t mv_ec_width(enum mv_crv crv); /* 32, 48, 66; 0 for MV_CRV_NONE */
enum mv_km_err mv_ec_generate(enum mv_crv crv, struct mv_drbg *drbg, struct mv_keymat **out);
enum mv_km_err mv_ec_import(const struct mv_jwk_parts *parts, struct mv_keymat **out);
void mv_ec_wipe(struct mv_keymat *km);
enum mv_km_err mv_ec_sign(const struct mv_keymat *km, const unsigned char *digest,
                          size_t digest_len, unsigned char **out, size_t *out_len);
bool mv_ec_verify(const struct mv_keymat *km, const unsigned char *digest, size_t digest_len,
                  const unsigned char *sig, size_t sig_len);
/* An EC private key as PKCS#8 DER, ECPrivateKey.privateKey at the curve's width (RFC 5915). */
enum mv_km_err mv_ec_pkcs8(const struct mv_keymat *km, unsigned char **out, size_t *out_len);

#endif
