/* jwk-gen.h: private JWKs of fresh keys for tests and the soak driver (see jwk-gen.c). */
#ifndef MV_JWK_GEN_H
#define MV_JWK_GEN_H

#include <stdbool.h>

/* A private JWK (JSON text) of a fresh key: RSA-2048 (kty, n, e, d, p, q) when rsa, else EC
 * P-256 (kty, crv, x, y, d). The caller wipes and frees it; NULL on failure. */
char *jwkgen_private(bool rsa);

#endif
