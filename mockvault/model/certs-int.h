/* certs-int.h: what certpolicy.c (the policy reader) and certdata.c (memory and writer) share.
 * Private to mockvault/model. */
#ifndef MV_CERTS_INT_H
#define MV_CERTS_INT_H

#include "certs.h"
#include "store.h"

#define PKCS12_TYPE "application/x-pkcs12"
#define PEM_TYPE "application/x-pem-file"
#define OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define OID_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define MAX_SUBJECT_CHARS 200 /* spec §6 [DOC faq] */
#define MAX_VALIDITY_MONTHS 1200
#define MAX_LIST_ITEMS 100      /* SANs or EKUs of one policy: far above any real certificate */
#define DAYS_PER_MONTH_LIMIT 27 /* days_before_expiry <= validity_months * 27 [SPEC] */

void cert_strlist_finish(struct mv_strlist *l);
void cert_sans_finish(struct mv_cert_sans *s);
/* The SAN lists by their wire names, in wire order; cert_san_list(s, i) is list i of s. */
extern const char *const cert_san_keys[];
struct mv_strlist *cert_san_list(struct mv_cert_sans *s, size_t i);
/* The service's policy for a request that says nothing (spec §2), without lifetime actions (they
 * depend on the issuer). 0, or -1 when out of memory (p then owns nothing). */
int cert_policy_defaults(struct mv_cert_policy *p);

#endif
