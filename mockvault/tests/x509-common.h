/* x509-common.h: what test-x509.c and test-x509-io.c share: keys made once per process, a full
 * certificate policy built by hand (the policy parser is tested elsewhere), temporary files and
 * the external checkers (openssl, python3-cryptography) run on them. Output of those tools goes to
 * files and is never printed: it may hold key material. */
#ifndef MV_TEST_X509_COMMON_H
#define MV_TEST_X509_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "certs.h"
#include "keymat.h"
#include "x509.h"

enum { XK_RSA2048 = 0, XK_RSA3072, XK_P256, XK_P384, XK_P521, XK_P256K, XK_COUNT };
extern struct mv_keymat *x_keys[XK_COUNT];
extern const char *const x_key_names[XK_COUNT];
void x_keys_setup(void);
void x_keys_teardown(void);

/* The recorded issue time (spec §1): 1774657881 -> nbf 1774657281, exp 1806193881 at 12 months. */
#define X_NOW 1774657881

/* A policy with every x509 member set: subject (may be NULL), SANs of every kind, both default
 * EKUs, digitalSignature + keyEncipherment, 12 months. Its strings are static: nothing to free. */
void x_policy(struct mv_cert_policy *p, const char *subject);
/* A CA policy (keyCertSign, cRLSign; ca true; no SANs, no EKUs). */
void x_ca_policy(struct mv_cert_policy *p, const char *subject);

/* A self-signed certificate that must issue (DER, caller frees). */
unsigned char *x_issue(const struct mv_cert_policy *p, const struct mv_keymat *km, size_t *len);
/* A certificate for the CSR der signed by ca_key with ca_der as issuer (DER, caller frees). */
unsigned char *x_sign_csr(const unsigned char *csr, size_t csr_len, const unsigned char *ca_der,
                          size_t ca_len, const struct mv_keymat *ca_key, size_t *len);
/* DER certificate -> PEM text (caller frees). */
char *x_pem(const char *label, const unsigned char *der, size_t len);

/* Standard padded base64 -> bytes that must decode (caller frees). */
unsigned char *x_unb64(const char *b64, size_t *len);

/* A fresh directory under $TMPDIR or /tmp; x_rmdir removes it and what it holds. */
char *x_tmpdir(void);
void x_rmdir(char *dir);
/* dir/name; the returned path is static storage reused by the next call. */
const char *x_path(const char *dir, const char *name);
void x_write(const char *dir, const char *name, const void *data, size_t len);
unsigned char *x_read(const char *path, size_t *len); /* caller frees; NUL-terminated */
/* Runs a shell command (printf-style); returns its exit status, -1 when it did not exit. */
int x_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool x_have(const char *tool); /* on PATH */

#endif
