/* certs-common.h: what the test-http-certs-*.c suites share. Together they test the certificates
 * family over real HTTPS against the embedded server (spec/keyvault-certificates.md: the routes of
 * §3 but policy, contacts and issuers, the bodies of §2, the access control of §5 and the test
 * rows). Every test starts its own server on mockvault/tests/certs-fixture.json: vault "certs-ap"
 * (access policies: the admin holds every permission, automation-flow certificates get and list
 * only) and "certs-rbac" (RBAC: the admin is Key Vault Administrator, automation-flow Key Vault
 * Certificate User at /certificates/c1, no-access-app Key Vault Reader), both with 7 days of
 * retention.
 *
 * Certificates are checked independently with GnuTLS: the CA that signs a merged CSR, the PFX
 * and PEM uploads and the secret's PKCS#12 are all made or opened here, never by the mock's code.
 * No private key or secret value is ever printed. */
#ifndef MV_CERTS_COMMON_H
#define MV_CERTS_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>

#include "httpcheck.h"
#include "testlib.h"

#define CAP "certs-ap.localhost"
#define CRB "certs-rbac.localhost"
#define C_FIXTURE "mockvault/tests/certs-fixture.json"
#define C_ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define C_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define C_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define C_NOACCESS_SECRET "noaccess-client-secret"
#define C_NOACCESS_OID "cccccccc-0000-0000-0000-0000000000c3"
/* Test row 1's body, and the same with the Unknown issuer (row 7). */
#define C_SELF_BODY                                                                                \
    "{\"policy\":{\"x509_props\":{\"subject\":\"CN=DefaultPolicy\",\"sans\":{}},"                  \
    "\"issuer\":{\"name\":\"Self\"}}}"
#define C_UNKNOWN_BODY                                                                             \
    "{\"policy\":{\"x509_props\":{\"subject\":\"CN=merged\",\"sans\":{}},"                         \
    "\"issuer\":{\"name\":\"Unknown\"}}}"

/* The running test's server and admin token (certs-common.c owns them). */
extern struct mv_server *srv;
extern char *tok;

void csetup(void);
void cteardown(void);
/* The same with options (log file, authz mode). */
void cstart(const struct mv_server_config *cfg);

/* A request with token t (NULL: the admin's) and api-version HC_API. */
void creq_as(const char *t, const char *method, const char *host, const char *path,
             const char *body, struct mvt_resp *r);
/* The same as the admin on CAP. */
void creq(const char *method, const char *path, const char *body, struct mvt_resp *r);
/* POST /certificates/{name}/create on CAP; asserts 202. */
void ccreate(const char *name, const char *body, struct mvt_resp *r);
/* Creates name with the Self issuer and reads its latest bundle (which completes it) into r;
 * asserts 200 with a "cer". */
void cself(const char *name, struct mvt_resp *r);
/* The last segment of j's "id" (borrowed). */
const char *cversion(const cJSON *j);
/* Standard base64 (with padding) of len bytes; caller frees. */
char *cb64(const void *data, size_t len);
/* Decodes standard base64; NULL when invalid. Caller frees. */
unsigned char *cunb64(const char *s, size_t *len);
/* s as a JSON string literal with quotes (PEM text with its newlines); caller frees. */
char *cjson_str(const char *s);

/* A key and certificate made with GnuTLS in the test: a CA (ca true) or a leaf, RSA 2048,
 * valid from now - 1 h for days days (negative: expired), subject "CN=cn, O=mockvault tests". */
struct cmade {
    gnutls_x509_crt_t crt;
    gnutls_x509_privkey_t key;
};
void cmake(struct cmade *m, const char *cn, bool ca, int days);
void cmade_free(struct cmade *m);
/* The CSR (standard base64 DER, an operation's "csr") signed by ca for 30 days: DER, malloc'd. */
unsigned char *csign_csr(const struct cmade *ca, const char *csr_b64, size_t *len);
/* m as base64 PKCS#12 with password pwd ("" = the empty password); caller frees. */
char *cpfx_b64(const struct cmade *m, const char *pwd);
/* m as PEM: the key as PKCS#8 ("PRIVATE KEY"), or PKCS#1 ("RSA PRIVATE KEY") when pkcs1, then the
 * certificate; caller frees. */
char *cpem(const struct cmade *m, bool pkcs1);
/* The DER of m's certificate; caller frees. */
unsigned char *cder(const struct cmade *m, size_t *len);

#endif
