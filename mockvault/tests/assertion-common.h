/* assertion-common.h: what the test-http-assertion-*.c suites share. Together they test
 * certificate credentials (spec/identity.md §1.1): client_assertion JWTs built here with GnuTLS
 * from the fixture's private key (fixtures/certs/automation-flow.pem), RS256 with x5t and PS256
 * with x5t#S256, sent over real HTTPS to the embedded server; every refusal with its status,
 * error and AADSTS code; and the "certificates" field of fixtures and snapshots. Every test
 * starts its own server on fixtures/default.json.
 *
 * Assertions, tokens and keys are never printed: failures report statuses and error codes only. */
#ifndef MV_ASSERTION_COMMON_H
#define MV_ASSERTION_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpcheck.h"
#include "state.h"
#include "store.h"
#include "testlib.h"
#include "util.h"

#define FORM "Content-Type: application/x-www-form-urlencoded"
#define VAULT_SCOPE "https%3A%2F%2Fvault.azure.net%2F.default"
#define TOKEN_V2 "/" T_TENANT "/oauth2/v2.0/token"
#define TOKEN_V1 "/" T_TENANT "/oauth2/token"
#define JWT_BEARER_ENC "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
#define FLOW_OID "33333333-3333-3333-3333-333333333333"
#define FLOW_PEM MV_SOURCE_ROOT "/fixtures/certs/automation-flow.pem"
#define FLOW_X5T_HEX "7ADA0B4BE25989C471325C8D37B0F2C3C7AFDE9E"
#define FLOW_S256 "E1V5aN1XizL0TwQOQTMPmp4R_qBwpCVebLfrb-EVVZA"

/* A signing key with its certificate's thumbprints. */
struct signer {
    gnutls_privkey_t key;
    unsigned char sha1[20], sha256[32];
    char *cert_pem; /* the certificate alone (PEM), for fixtures */
};

/* ---- Assertions ---- */

/* What goes into an assertion; the defaults (assertion_defaults) are msal-node's shape. */
struct shape {
    const char *alg;       /* "RS256", "PS256", or anything to put in the header */
    const char *sign_as;   /* NULL = as alg says; "RS256"/"PS256" to sign differently; "none" */
    bool x5t, x5t_s256;    /* which thumbprint headers to send */
    const char *typ;       /* NULL = no typ */
    const char *iss, *sub; /* NULL = left out */
    char aud[400];         /* "" = left out */
    bool aud_array;
    bool has_nbf, has_exp, has_iat;
    int64_t nbf, exp, iat;
    size_t pad; /* bytes of filler claim, for huge assertions */
};

/* The running test's server and the automation-flow signer (assertion-common.c owns them;
 * setup and teardown set and free them). */
extern struct mv_server *srv;
extern struct signer flow;

void signer_free(struct signer *s);
/* A fresh key of type pk (RSA 2048 or ECDSA P-256) with a self-signed certificate valid from
 * not_before to not_after. */
void make_signer(struct signer *s, gnutls_pk_algorithm_t pk, time_t not_before, time_t not_after);

/* msal-node's shape at time now, RS256 + x5t or PS256 + x5t#S256. */
void assertion_defaults(struct shape *sh, bool ps256, int64_t now);
/* Builds and signs the assertion (caller frees). */
char *make_assertion(const struct signer *s, const struct shape *sh);
/* POSTs a client-credentials form with the assertion (NULL = none) to path on host. type: the
 * client_assertion_type, already form-encoded (NULL = none). extra: more form fields ("" = none).
 * client_id NULL = automation-flow. */
void post_assertion(const char *host, const char *path, const char *client_id,
                    const char *assertion, const char *type, const char *extra, struct mvt_resp *r);
/* Asserts an AADSTS envelope: status, error, error_codes [code] and the description's start. */
void expect_aad(const struct mvt_resp *r, long status, const char *error, int code,
                const char *desc_start, const char *what);

/* Checked fixture: a server on fixtures/default.json and the automation-flow signer. */
void setup(void);
void teardown(void);
/* Checks the issued token: a v1 Key Vault token of automation-flow with appidacr "2". */
void check_cert_token(const char *jwt);

#endif
