/* assertion.h: certificate credentials of apps (spec/identity.md §1.1): loading a registered
 * certificate, and verifying the client_assertion JWT that a confidential client signs with the
 * matching private key (RS256 with "x5t", PS256 with "x5t#S256", as msal-node and MSAL-Python
 * send them). No HTTP here: identity.c turns each outcome into Entra's AADSTS error. */
#ifndef MV_ASSERTION_H
#define MV_ASSERTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "store.h"

/* The one client_assertion_type Entra accepts (RFC 7523 §2.2). */
#define MV_ASSERTION_TYPE_JWT "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Assertions longer than this are malformed before any decoding: msal's are under 2 KiB, and one
 * with a full x5c chain still fits many times over. The cap bounds what a request can make us
 * decode and allocate. */
#define MV_ASSERTION_MAX (32 * 1024)

/* Clock skew Entra tolerates on an assertion's nbf and exp, in seconds. */
#define MV_ASSERTION_SKEW 300

enum mv_assertion_status {
    MV_ASSERTION_OK = 0,
    MV_ASSERTION_MALFORMED, /* not header.payload.signature of base64url JSON, bad claim types */
    MV_ASSERTION_BAD_TYP,   /* "typ" present but neither "JWT" nor the OpenID JWT URI */
    MV_ASSERTION_UNSUPPORTED_ALG,  /* "none", HMAC or any other alg than RS256 / PS256 */
    MV_ASSERTION_WRONG_KEY_TYPE,   /* an EC or EdDSA alg: Entra's certificate keys are RSA */
    MV_ASSERTION_NO_THUMBPRINT,    /* neither "x5t#S256" nor "x5t" names a certificate */
    MV_ASSERTION_KEY_NOT_FOUND,    /* the thumbprint matches no certificate of the app */
    MV_ASSERTION_KEY_EXPIRED,      /* the certificate's notAfter has passed (mock clock) */
    MV_ASSERTION_BAD_SIGNATURE,    /* the signature does not verify with that certificate */
    MV_ASSERTION_SUBJECT_MISMATCH, /* "sub" missing or different from "iss" */
    MV_ASSERTION_WRONG_CLIENT,     /* "iss" is not the request's client_id */
    MV_ASSERTION_WRONG_AUDIENCE,   /* "aud" is none of the token endpoint URLs */
    MV_ASSERTION_TIME_RANGE,       /* expired, or not valid yet, beyond MV_ASSERTION_SKEW */
};

/* What the assertion is checked against. */
struct mv_assertion_check {
    const char *client_id;        /* the request's client_id */
    const char *const *audiences; /* accepted "aud" values, compared case-insensitively */
    size_t naudiences;
    int64_t now;                     /* the mock clock */
    const struct mv_app_cert *certs; /* the app's registered certificates */
    size_t ncerts;
};

/* Details for the error message of a refusal. Nothing here is secret: Entra itself echoes the
 * thumbprint and the times. */
struct mv_assertion_info {
    char alg[24];        /* the header's alg, cut and with only printable ASCII; "" if none */
    char thumbprint[65]; /* upper-case hex of the x5t#S256 / x5t the client sent; "" if none */
    bool key_found;
    int64_t key_start, key_end; /* validity of the matched certificate */
    bool has_nbf;
    int64_t nbf, exp;
};

/* Verifies the compact JWT jwt[0..len) as a client assertion: structure, header, key lookup by
 * thumbprint, signature (GnuTLS), then the iss/sub, aud and nbf/exp claims, in that order, and
 * returns the first failure. info is always filled as far as the check got. Thread-safe; the
 * certificates must stay valid during the call (callers hold the store's read lock). */
enum mv_assertion_status mv_assertion_verify(const char *jwt, size_t len,
                                             const struct mv_assertion_check *c,
                                             struct mv_assertion_info *info);

#endif
