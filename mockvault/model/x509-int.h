/* x509-int.h: what x509.c (issuing), x509-read.c (uploads, properties) and x509-write.c (the
 * secret's PKCS#12 and PEM) share: the bridge between struct mv_keymat and GnuTLS's key types, the
 * public-key match that finds a leaf, and the bundle's growing certificate list. Not for use
 * outside x509*.c. */
#ifndef MV_X509_INT_H
#define MV_X509_INT_H

#include "x509.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* Uploads larger than this are refused before GnuTLS parses them (a PFX with a long chain is a
 * few tens of KB; the service caps request bodies far below this). */
#define MV_X509_MAX_INPUT (1u << 20)

/* km as a GnuTLS private key (through its PKCS#8 DER), *out owned by the caller
 * (gnutls_x509_privkey_deinit). MV_X509_UNSUPPORTED for P-256K. */
enum mv_x509_err mv_x509_to_gnutls(const struct mv_keymat *km, gnutls_x509_privkey_t *out);
/* The abstract form for signing (owns the x509 key it wraps). */
enum mv_x509_err mv_x509_to_privkey(const struct mv_keymat *km, gnutls_privkey_t *out);
/* A GnuTLS private key as struct mv_keymat (through PKCS#8 PEM and mv_keymat_import_pem, so an
 * upload's key passes the keys family's checks). */
enum mv_x509_err mv_x509_from_gnutls(gnutls_x509_privkey_t key, struct mv_keymat **out);
/* True when crt's subject public key is km's public key. */
bool mv_x509_crt_matches(gnutls_x509_crt_t crt, const struct mv_keymat *km);
/* True when the DER certificate der parses and its public key is km's. */
bool mv_x509_der_matches(const unsigned char *der, size_t len, const struct mv_keymat *km);

/* The curve of a GnuTLS curve id; MV_CRV_NONE for one the keys family does not have. */
enum mv_crv mv_x509_crv_of(gnutls_ecc_curve_t curve);

/* mv_x509_read_pkcs12, with need_key false letting a PKCS#12 without a key through (the stored
 * value of a non-exportable certificate, converted to PEM). */
enum mv_x509_err mv_x509_read_pkcs12_opt(const unsigned char *der, size_t len, const char *pwd,
                                         bool need_key, struct mv_x509_bundle *out);

/* Appends a copy of der to b's certificates; false when out of memory. */
bool mv_x509_bundle_add(struct mv_x509_bundle *b, const unsigned char *der, size_t len);
/* Moves the certificate for b->mat to the front, the others keeping their order; false when none
 * matches. */
bool mv_x509_bundle_leaf_first(struct mv_x509_bundle *b);

/* t plus months calendar months in UTC, the day clamped to the target month's length (as .NET's
 * DateTime.AddMonths, which the service's validity follows). */
int64_t mv_x509_add_months(int64_t t, int months);

/* The name .NET writes for a DN attribute's OID ("CN", "S", "E", ...); NULL when it has none
 * (then "OID.<dotted>"). */
const char *mv_x509_dn_name(const char *oid);
/* enum mv_cert_ku bits <-> GnuTLS's key usage bits. */
unsigned mv_x509_ku_to_gnutls(unsigned ku);
unsigned mv_x509_ku_from_gnutls(unsigned gnutls_ku);

/* Wipes and frees a GnuTLS datum (accepts an empty one). */
void mv_x509_datum_wipe(gnutls_datum_t *d);

#endif
