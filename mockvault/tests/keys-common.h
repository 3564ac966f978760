/* keys-common.h: what the test-http-keys-*.c suites share. Together they test the keys family over
 * real HTTPS against the embedded server (spec/keyvault-keys.md: every route of §1, the bodies of
 * §2-§4, the access control of §5, the limits of §7 and the 15 test rows). Every test starts its
 * own server on mockvault/tests/keys-fixture.json: vault "keys-ap" (access policies; the admin
 * holds every key permission, automation-flow only get and sign) and "keys-rbac" (RBAC; the admin
 * is Key Vault Administrator, automation-flow Crypto Service Encryption User at /keys/wrapme,
 * no-access-app Reader), both with 7 days of retention.
 *
 * Results are checked independently where they can be: signatures with GnuTLS against the public
 * JWK a GET returned, ciphertext made by GnuTLS decrypted by the mock. */
#ifndef MV_KEYS_COMMON_H
#define MV_KEYS_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>

#include "httpcheck.h"
#include "testlib.h"

#define KAP "keys-ap.localhost"
#define KRB "keys-rbac.localhost"
#define K_FIXTURE "mockvault/tests/keys-fixture.json"
#define K_ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define K_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define K_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define K_NOACCESS_SECRET "noaccess-client-secret"
#define K_NOACCESS_OID "cccccccc-0000-0000-0000-0000000000c3"

/* The running test's server and admin token (keys-common.c owns them). */
extern struct mv_server *srv;
extern char *tok;

/* Checked fixture: a server on the keys fixture and the admin token. */
void ksetup(void);
void kteardown(void);
/* The same with options (log file, audit log, throttle, authz mode). */
void kstart(const struct mv_server_config *cfg);

/* A request with token t (NULL: the admin's) and api-version HC_API (or api). */
void kreq_as(const char *t, const char *method, const char *host, const char *path, const char *api,
             const char *body, struct mvt_resp *r);
void kreq(const char *method, const char *host, const char *path, const char *body,
          struct mvt_resp *r);
/* POST /keys/{name}/create on KAP with body; asserts 200. */
void kcreate(const char *name, const char *body, struct mvt_resp *r);
/* The version of key.kid (or kid) in a response (borrowed). */
const char *kversion(const cJSON *j);
/* base64url (unpadded) of len bytes; caller frees. */
char *kb64(const void *data, size_t len);
/* Decodes a base64url field at path of j; NULL when absent or invalid. Caller frees. */
unsigned char *kb64_field(const cJSON *j, const char *path, size_t *len);
/* A JSON body {"alg":alg,"value":b64(data)} (with "digest" first for verify when sig given);
 * caller frees. */
char *kcrypto_body(const char *alg, const void *data, size_t len, const void *sig, size_t sig_len);
/* Imports the JWK at j's "key" into a GnuTLS public key; aborts the test on failure. */
gnutls_pubkey_t kpubkey(const cJSON *j);
/* Asserts that the body of r is exactly want (bytes and length). */
void kassert_body(const struct mvt_resp *r, const char *want, const char *what);
/* The state export (GET /_mock/state), for "state unchanged" checks; caller frees. */
char *kstate(void);
/* Asserts the state equals before (a refused request changed nothing). */
void kassert_state(const char *before, const char *what);

#endif
