/* keymat-common.h: helpers shared by test-keymat.c and test-keymat-import.c. */
#ifndef MV_TEST_KEYMAT_COMMON_H
#define MV_TEST_KEYMAT_COMMON_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

#include "keymat.h"

/* A key that must generate (seed NULL: random); the caller unrefs it. */
struct mv_keymat *gen(enum mv_kty kty, unsigned bits, enum mv_crv crv, const char *seed);
/* Hex to bytes; returns the byte count (asserts it fits in cap). */
size_t unhex(const char *hex, unsigned char *out, size_t cap);
/* A repeatable non-constant pattern for digests and plaintexts. */
void fill(unsigned char *p, size_t n, unsigned char seed);
gnutls_datum_t datum(const unsigned char *p, size_t n);
gnutls_ecc_curve_t gnutls_curve(enum mv_crv crv); /* P-256, P-384, P-521 */
/* A GnuTLS public key made from keymat's public JWK parts only; caller deinits. */
gnutls_pubkey_t gnutls_pub(const struct mv_keymat *km);
/* A GnuTLS private key read from keymat's PKCS#8 export (checked with verify_params). */
gnutls_privkey_t gnutls_priv(const struct mv_keymat *km);
gnutls_sign_algorithm_t gnutls_sign_alg(enum mv_key_alg alg);
/* GnuTLS's verdict on a keymat signature (ECDSA's raw r||s converted to DER for it). */
bool gnutls_verifies(const struct mv_keymat *km, enum mv_key_alg alg, const unsigned char *digest,
                     const unsigned char *sig, size_t sig_len);

#endif
