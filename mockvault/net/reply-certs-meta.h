/* reply-certs-meta.h: the bodies of a vault's certificate contacts and its certificate issuers
 * (spec/keyvault-certificates.md §3 Contacts and Issuers), written in the recorded key order.
 * Apart from reply.h so the certificates' own bodies (reply-certs.c) and these can grow without
 * touching each other. */
#ifndef MV_REPLY_CERTS_META_H
#define MV_REPLY_CERTS_META_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "http.h"
#include "reply-certs.h" /* the policy body (mv_reply_cert_policy), used beside these */
#include "store.h"       /* certs.h by its own directory: vault/ may hold another certs.h */

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
