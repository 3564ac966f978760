/* kvc-certs.h: what the certificates suites (test-certs*.c) and the certificate client scenarios
 * share: creating certificates and waiting for their operation, x5t of a cer, and test material
 * made with GnuTLS (an independent implementation, not the server's): self-signed certificates
 * and CAs, PKCS#12 and PEM files to import, a CSR signed by a CA, and the check that a PFX opens
 * with a password and holds a private key and a given certificate.
 *
 * Failure messages name certificates, statuses and error codes only: never keys, PFX contents or
 * passwords. */
#ifndef KVC_CERTS_H
#define KVC_CERTS_H

#include <cjson/cJSON.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* The recorded status details of spec/keyvault-certificates.md §2. */
#define KVCT_DETAILS_SELF                                                                          \
    "Pending certificate created. Certificate request is in progress. This may take some time "    \
    "based on the issuer provider. Please check again later."
#define KVCT_DETAILS_UNKNOWN                                                                       \
    "Pending certificate created. Please Perform Merge to complete the request."

/* A key and its certificate made here (free with kvct_keycert_free). */
struct kvct_keycert {
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
};

/* An RSA-2048 key and a certificate for dn (GnuTLS DN text, e.g. "CN=x,O=y"), valid from now - 60 s
 * for days days (negative: already expired), signed by itself (ca NULL) or by ca. is_ca makes a
 * CA (basic constraints CA:TRUE, keyCertSign). Returns 0, or -1 (and nothing to free). */
int kvct_make(struct kvct_keycert *kc, const char *dn, int days, bool is_ca,
              const struct kvct_keycert *ca);
void kvct_keycert_free(struct kvct_keycert *kc);

/* Standard base64 of the certificate's DER (heap; free()). */
char *kvct_cer_b64(const struct kvct_keycert *kc);

/* Standard base64 of a PKCS#12 file with the key and the certificate, encrypted (PBES2 AES-256)
 * and MACed with password (heap; free(); wiped by the caller is not needed: test material). */
char *kvct_pfx_b64(const struct kvct_keycert *kc, const char *password);

/* The PEM text of the key as PKCS#1 ("RSA PRIVATE KEY", pkcs1 true) or PKCS#8 ("PRIVATE KEY")
 * followed by the certificate (heap; free()). */
char *kvct_pem(const struct kvct_keycert *kc, bool pkcs1);

/* Signs the CSR (standard base64 of DER, as the operation's "csr") with ca, copying the CSR's
 * subject, key and extensions, valid 30 days; returns the standard base64 of the certificate's
 * DER (heap; free()), or NULL when the CSR does not parse. */
char *kvct_sign_csr(const char *csr_b64, const struct kvct_keycert *ca);

/* Unpadded base64url of SHA-1 of the DER that cer_b64 (standard base64) holds: what x5t must be.
 * Heap; free(). NULL when cer_b64 is not base64. */
char *kvct_x5t(const char *cer_b64);

/* True when the PKCS#12 (standard base64) opens with password (MAC verified), holds a private key
 * and, as its leaf, exactly the certificate cer_b64. why (may be NULL) gets what failed. */
bool kvct_pfx_matches(const char *pfx_b64, const char *password, const char *cer_b64, char *why,
                      size_t wn);

/* x5t (as kvct_x5t) of the leaf certificate of a PKCS#12 (standard base64) that opens with
 * password and holds a private key; heap, free(). NULL with why (may be NULL) set otherwise. */
char *kvct_pfx_x5t(const char *pfx_b64, const char *password, char *why, size_t wn);

/* notBefore/notAfter (Unix seconds) of the certificate cer_b64; false when it does not parse. */
bool kvct_cer_dates(const char *cer_b64, long long *nbf, long long *exp);

/* Requests of the server suites (test-certs.c; they abort the running test on a failure). */

/* POST /certificates/name/create with body, asserting 202; the operation to *op (may be NULL). */
void kvct_create(const char *name, const char *body, cJSON **op);

/* GET /certificates/name/pending until its status is not inProgress (Retry-After honoured, two
 * minutes at most), asserting it is then want; the operation to *op (may be NULL). */
void kvct_wait(const char *name, const char *want, cJSON **op);

/* GET path asserting 200; the parsed body (caller frees). */
cJSON *kvct_get(const char *path, const char *what);

/* kvct_create + kvct_wait("completed"); the latest bundle (caller frees). */
cJSON *kvct_create_self(const char *name, const char *body);

/* Asserts x5t = base64url(SHA-1(cer)) of a bundle. */
void kvct_assert_x5t(const cJSON *bundle, const char *what);

/* Best-effort delete and purge of a certificate. */
void kvct_cleanup(const char *name);

#endif
