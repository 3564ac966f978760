/* reply-certs.h: the certificates family's bodies (spec/keyvault-certificates.md §2): bundles,
 * list pages, the operation object and the policy, each in the recorded key order. The handlers
 * (vault/certs*.c) never write a body themselves. Only public material reaches a body: the
 * certificate (cer), the CSR and ids; the private key and the secret's value never do. */
#ifndef MV_REPLY_CERTS_H
#define MV_REPLY_CERTS_H

#include <cjson/cJSON.h>

#include "http.h"
#include "store.h"

/* Shapes of a certificate: the latest bundle (0: id, kid, sid, x5t, cer, attributes, tags,
 * policy, pending; a pending version has no kid, sid, x5t, cer); a version (no policy, no
 * pending); a deleted bundle (recoveryId, deletedDate, scheduledPurgeDate first); a list item
 * (id, x5t, attributes without recoveryLevel, tags, "subject":""), with the base id for
 * GetCertificates and deleted items (which keep recoveryLevel and have no subject). */
enum {
    MV_CERT_VERSIONED = 1 << 0,
    MV_CERT_DELETED = 1 << 1,
    MV_CERT_ITEM = 1 << 2,
    MV_CERT_BASE_ID = 1 << 3,
};

/* 200 with one bundle in shape. */
enum MHD_Result mv_reply_cert(struct mv_req *r, const struct mv_object_view *cv, unsigned shape);
/* MergeCertificate: 201 with the latest bundle and Location https://{vault}/certificates/{name}
 * ?api-version={v} (spec §3). */
enum MHD_Result mv_reply_cert_merged(struct mv_req *r, const struct mv_object_view *cv);
/* 200 with {"value":[items...],"nextLink":next_link or null}; shape as above (MV_CERT_ITEM is
 * implied). */
enum MHD_Result mv_reply_cert_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                   unsigned shape, const char *next_link);

/* How an operation object is answered: MV_COP_REPLY_CREATED is the create's 202 with Location
 * .../pending?api-version=&request_id= and Retry-After: 10; MV_COP_REPLY_POLL a GET, with
 * Retry-After: 10 while inProgress; 0 a PATCH or DELETE (200, no Retry-After). */
enum {
    MV_COP_REPLY_CREATED = 1 << 0,
    MV_COP_REPLY_POLL = 1 << 1,
};
enum MHD_Result mv_reply_cert_op(struct mv_req *r, const char *name, const struct mv_cert_op *op,
                                 unsigned how);

/* The policy of name with "id" first (.../certificates/{name}/policy), as a tree (caller deletes;
 * NULL when out of memory) and as a 200 (GET and PATCH of the policy). */
cJSON *mv_reply_cert_policy_json(const struct mv_req *r, const char *name,
                                 const struct mv_cert_policy *p);
enum MHD_Result mv_reply_cert_policy(struct mv_req *r, const char *name,
                                     const struct mv_cert_policy *p);

#endif
