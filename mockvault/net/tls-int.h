/* tls-int.h: what tls.c and tls-names.c share; only those two include it. */
#ifndef MV_TLS_INT_H
#define MV_TLS_INT_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* One certificate name: a DNS name (lower case, maybe "*." wildcard) or an IP address. */
struct cert_name {
    gnutls_x509_subject_alt_name_t type; /* GNUTLS_SAN_DNSNAME or GNUTLS_SAN_IPADDRESS */
    char dns[256];                       /* DNS: the name, NUL-terminated */
    unsigned char ip[16];                /* IP: the address in network order */
    unsigned iplen;                      /* IP: 4 or 16 */
};

/* The name as GnuTLS compares it: DNS names as text, IP addresses as raw bytes. The datum
 * borrows from n. */
gnutls_datum_t tls_name_datum(const struct cert_name *n);
/* Builds the server certificate's name list: the served names, then names[] without duplicates.
 * Returns 0 with *out (caller frees) and *count, or -1 with a message in err. */
int tls_collect_names(const char *const *names, size_t nnames, struct cert_name **out,
                      size_t *count, char *err, size_t errlen);
/* Fills nc with the CA's permitted subtrees for names[0..n). Returns 0 or a GnuTLS error. */
int tls_fill_constraints(gnutls_x509_name_constraints_t nc, const struct cert_name *names,
                         size_t n);
/* True when crt names exactly names[0..n). */
bool tls_names_exactly(gnutls_x509_crt_t crt, const struct cert_name *names, size_t n);

#endif
