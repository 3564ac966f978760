/* jwk-gen.h: private JWKs and certificate PEMs of fresh keys for tests and the soak driver (see
 * jwk-gen.c). */
#ifndef MV_JWK_GEN_H
#define MV_JWK_GEN_H

#include <stdbool.h>

/* A private JWK (JSON text) of a fresh key: RSA-2048 (kty, n, e, d, p, q) when rsa, else EC
 * P-256 (kty, crv, x, y, d). The caller wipes and frees it; NULL on failure. */
char *jwkgen_private(bool rsa);

/* A certificate import's PEM of a fresh EC P-256 key: the key as PKCS#8 ("PRIVATE KEY") and then
 * a self-signed certificate for it (CN=subject, valid from an hour ago for 30 days), as
 * spec/keyvault-certificates.md's ImportCertificate takes it. The caller wipes and frees it;
 * NULL on failure. */
char *jwkgen_cert_pem(const char *subject);

#endif
