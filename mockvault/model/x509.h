/* x509.h: the X.509 side of the certificates family (spec/keyvault-certificates.md §1, §3, §4, §6)
 * on GnuTLS: self-signed certificates and CSRs made from a policy, the properties an import derives
 * from a certificate, reading PKCS#12 and PEM uploads and merged chains, and writing a version's
 * secret as the service does (PKCS#12 with an empty password, or PEM with the PKCS#8 key first).
 * Bytes in, bytes out: no JSON, no HTTP. Keys are struct mv_keymat (keymat.h) on both sides, so a
 * certificate's key is the managed key the keys family serves. secp256k1 is not in GnuTLS: a P-256K
 * certificate answers MV_X509_UNSUPPORTED. */
#ifndef MV_X509_H
#define MV_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certs.h"
#include "keymat.h"

enum mv_x509_err {
    MV_X509_OK = 0,
    MV_X509_NOMEM,
    MV_X509_BAD_PKCS12,   /* not PKCS#12, or the wrong password (spec §3 Import errors) */
    MV_X509_BAD_PEM,      /* PEM in an unexpected format: PKCS#1 key, CRLF, no certificate */
    MV_X509_INVALID,      /* a certificate or policy property GnuTLS refuses */
    MV_X509_NO_KEY,       /* an import without the private key */
    MV_X509_KEY_MISMATCH, /* merge: the leaf is not for the operation's key; import: key and
                             certificate do not belong together */
    MV_X509_UNSUPPORTED,  /* a key type GnuTLS cannot sign with (P-256K) */
};

/* x5t: unpadded base64url of SHA-1(der), into out (28 bytes with the NUL). */
void mv_x509_x5t(const unsigned char *der, size_t len, char out[28]);

/* A self-signed certificate for policy p and key km issued at now (spec §6): v3, random 16-byte
 * serial, subject = issuer from p->subject (empty Name when NULL), notBefore now - 600 s, notAfter
 * now + p->validity_months calendar months, extensions KU (critical), BC, EKU, SAN (critical when
 * the subject is empty), AKI, SKI; SHA-256 with the key's algorithm. *der is malloc'd (caller
 * frees). */
enum mv_x509_err mv_x509_self_signed(const struct mv_cert_policy *p, const struct mv_keymat *km,
                                     int64_t now, unsigned char **der, size_t *der_len);
/* A PKCS#10 request for p and km (extensionRequest KU, EKU, SAN, BC), DER, malloc'd. */
enum mv_x509_err mv_x509_csr(const struct mv_cert_policy *p, const struct mv_keymat *km,
                             unsigned char **der, size_t *der_len);

/* What an import derives from a certificate (spec §3 ImportCertificate). */
struct mv_x509_props {
    char *subject;            /* .NET X500 style ("CN=a, O=b, S=c, C=AU"); NULL for an empty Name */
    struct mv_cert_sans sans; /* present only when the certificate has a SAN extension */
    struct mv_strlist ekus;   /* always present ([] when the extension is absent) */
    unsigned key_usage;       /* enum mv_cert_ku bits */
    bool ca;
    int validity_months; /* ceil of the calendar months from notBefore to notAfter */
    int64_t not_before, not_after;
    enum mv_kty kty;
    unsigned key_size; /* RSA bits; EC field bits */
    enum mv_crv crv;
};
enum mv_x509_err mv_x509_props(const unsigned char *der, size_t len, struct mv_x509_props *out);
void mv_x509_props_finish(struct mv_x509_props *p); /* accepts NULL */

/* An upload taken apart: the private key (NULL when none) and the certificates, leaf first (the
 * certificate whose public key is the private key's when there is one). */
struct mv_x509_bundle {
    struct mv_keymat *mat; /* one reference or NULL */
    unsigned char **certs; /* DER each, owned */
    size_t *cert_lens;
    size_t ncerts;
};
void mv_x509_bundle_finish(struct mv_x509_bundle *b); /* accepts NULL */

/* PKCS#12 bytes with password pwd (NULL or "" = none). */
enum mv_x509_err mv_x509_read_pkcs12(const unsigned char *der, size_t len, const char *pwd,
                                     struct mv_x509_bundle *out);
/* PEM text: a PKCS#8 key ("PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" with pwd) and one or more
 * certificates, LF line ends (spec §3: CRLF and PKCS#1 keys are refused as the service does). */
enum mv_x509_err mv_x509_read_pem(const char *pem, size_t len, const char *pwd,
                                  struct mv_x509_bundle *out);
/* Merge: items are the x5c entries already base64-decoded once; each may be DER, the base64 text
 * of a DER (what the Python SDK sends), or PEM; a PKCS#7 chain is accepted as the first item.
 * The leaf's public key must be km's (MV_X509_KEY_MISMATCH). out->mat is a new reference of km. */
enum mv_x509_err mv_x509_read_merge(const unsigned char *const *items, const size_t *lens, size_t n,
                                    struct mv_keymat *km, struct mv_x509_bundle *out);

/* The managed secret's value of a version: base64 of a PKCS#12 with an empty password (key bag
 * first, 3DES, SHA-1 MAC, 2000 iterations; spec §4), or PEM (PKCS#8 key, then the certificates,
 * LF, 64 columns, trailing LF). km NULL (policy exportable false): certificates only. *out is
 * malloc'd, NUL-terminated (caller wipes and frees). */
enum mv_x509_err mv_x509_write_pkcs12(const struct mv_keymat *km, const unsigned char *const *certs,
                                      const size_t *lens, size_t n, char **out);
enum mv_x509_err mv_x509_write_pem(const struct mv_keymat *km, const unsigned char *const *certs,
                                   const size_t *lens, size_t n, char **out);
/* outContentType=application/x-pem-file: a stored PKCS#12 value (base64) as PEM. */
enum mv_x509_err mv_x509_pkcs12_to_pem(const char *b64, char **out);

#endif
