/* certificates.h: what the rest of the mock asks the certificates family outside its handlers:
 * starting a version (create, and the AutoRenew lifetime action on the mock clock,
 * control/events.c) and issuing it with the Self issuer (spec/keyvault-certificates.md §1, §3). */
#ifndef MV_CERTIFICATES_H
#define MV_CERTIFICATES_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "keymat.h"
#include "store-certs.h"
#include "store.h"
#include "x509.h"

/* Why a certificate step failed: the store's error, else the key generation's, else the X.509
 * layer's (the first that is not OK). */
struct mv_certs_err {
    enum mv_err store;
    enum mv_km_err km;
    enum mv_x509_err x509;
};

/* What a new version carries besides the policy (create's body; renewal passes NULL). */
struct mv_certs_begin_fields {
    const struct mv_tags *tags; /* NULL = absent */
    bool has_enabled, enabled;
};

/* Starts a new pending version of name (CreateCertificate, renewal): the key generated for the
 * policy (policy NULL: the name's stored one) with mv_key_generate, or the current version's key
 * when the policy says reuse_key, and the CSR made with it; then mv_store_cert_begin. *op (may be
 * NULL) gets the operation (caller finishes it with mv_cert_op_free). Returns true, or false
 * with *err filled. */
bool mv_certs_begin(struct mv_server *srv, const char *vault, const char *name,
                    const struct mv_cert_policy *policy, const struct mv_certs_begin_fields *f,
                    int64_t now, struct mv_cert_op **op, struct mv_certs_err *err);

/* Completes the name's inProgress operation with the Self issuer: a self-signed certificate for
 * the operation's key and the name's policy, the managed secret's value (PKCS#12 or PEM per the
 * policy, without the key when it is not exportable), then mv_store_cert_complete. A certificate
 * GnuTLS cannot make fails the operation ("Certificate issuer error", spec §2 failed). out (may
 * be NULL) gets the completed current version. */
bool mv_certs_complete_self(struct mv_server *srv, const char *vault, const char *name, int64_t now,
                            struct mv_object_view *out, struct mv_certs_err *err);

/* AutoRenew (the lifetime action on the mock clock, control/events.c): a new version of name
 * with its stored policy (mv_certs_begin), issued at once when the policy's issuer is Self; for
 * any other issuer it stays pending, as on the service. Returns 0, or -1 when no version was
 * started or the Self issuing failed. */
int mv_certs_issue_self(struct mv_server *srv, const char *vault, const char *name, int64_t now);

#endif
