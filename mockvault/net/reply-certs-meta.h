/* reply-certs-meta.h: the bodies of a vault's certificate contacts and its certificate issuers
 * (spec/keyvault-certificates.md §3 Contacts and Issuers), written in the recorded key order.
 * Apart from reply.h so the certificates' own bodies (reply-certs.c) and these can grow without
 * touching each other. */
#ifndef MV_REPLY_CERTS_META_H
#define MV_REPLY_CERTS_META_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "http.h"
#include "store.h" /* certs.h by its own directory: vault/ may hold another certs.h */

/* The policy with "id" (.../certificates/{name}/policy) first, as a tree and as a 200 (GET and
 * PATCH of the policy): defined with the certificates' bodies in reply-certs.c (reply-certs.h),
 * declared here too so certs-meta.c needs only this header. */
cJSON *mv_reply_cert_policy_json(const struct mv_req *r, const char *name,
                                 const struct mv_cert_policy *p);
enum MHD_Result mv_reply_cert_policy(struct mv_req *r, const char *name,
                                     const struct mv_cert_policy *p);

/* 200 {"id":".../certificates/contacts","contacts":[{"email","name","phone"},...]}, each member
 * only when set. */
enum MHD_Result mv_reply_cert_contacts(struct mv_req *r, const struct mv_cert_contact *c, size_t n);

/* 200 with one issuer: id, provider, credentials (account_id only: the password is never
 * returned), org_details (with the "zip":0 the service injects), attributes. */
enum MHD_Result mv_reply_cert_issuer(struct mv_req *r, const struct mv_cert_issuer *i);
/* 200 {"value":[{"id","provider"},...],"nextLink":null} (GetCertificateIssuers). */
enum MHD_Result mv_reply_cert_issuers(struct mv_req *r, const struct mv_cert_issuer *items,
                                      size_t n);

#endif
