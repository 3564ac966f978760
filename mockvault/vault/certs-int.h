/* certs-int.h: what the certificates family's files share (certs.c: create, import, get, update,
 * soft delete, lists, backup; certs-pending.c: the operation object and merge; certs-issue.c:
 * issuing and settling, certificates.h; certs-util.c: the answers for failures; certs-meta.c:
 * policy, contacts, issuers). Internal to the vault layer. */
#ifndef MV_CERTS_INT_H
#define MV_CERTS_INT_H

#include "certificates.h"
#include "http.h"
#include "store-certs.h"
#include "store.h"
#include "x509.h"

/* The recorded 400 text of an X.509 property the service refuses (spec §3 Import). */
#define MV_CERTS_INVALID_TEXT                                                                      \
    "The specified X.509 certificate content is invalid. Error: One or more X.509 properties "     \
    "are invalid."

/* Answers a store error (never MV_OK) with the certificates' bodies (spec §3): name and version
 * are the URI's. */
enum MHD_Result mv_certs_store_err(struct mv_req *r, enum mv_err e, const char *name,
                                   const char *version);
/* Answers any failure of certs.h's steps (certificates.h): the store's through mv_certs_store_err,
 * key and X.509 failures as 400 BadParameter with a message that says what to fix. */
enum MHD_Result mv_certs_err_reply(struct mv_req *r, const struct mv_certs_err *e,
                                   const char *name);

/* The Self issuer completes on the first observation of its operation (spec §3 "may complete
 * Self at once"): a GET of the operation, of the certificate, or a list settles it; a requested
 * cancellation settles as cancelled instead, so PATCH-then-GET shows what the service shows.
 * Errors are left to the read that follows (it shows the operation as it is). */
void mv_certs_settle(struct mv_req *r, const char *name);
/* The same for every certificate of the request's vault with something to settle (lists). */
void mv_certs_settle_vault(struct mv_req *r);

/* The managed secret's value for a version: base64 PKCS#12 or PEM per p's content type, with
 * the key only when p says exportable (spec §4). *out is malloc'd; the caller wipes and frees. */
enum mv_x509_err mv_certs_secret_value(const struct mv_cert_policy *p, const struct mv_keymat *km,
                                       const unsigned char *const *certs, const size_t *lens,
                                       size_t n, char **out);

/* Handlers of certs-pending.c, named in certs.c's table. */
enum MHD_Result mv_certs_h_pending_get(struct mv_req *r);
enum MHD_Result mv_certs_h_pending_cancel(struct mv_req *r);
enum MHD_Result mv_certs_h_pending_delete(struct mv_req *r);
enum MHD_Result mv_certs_h_merge(struct mv_req *r);

#endif
