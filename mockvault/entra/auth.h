/* auth.h: bearer tokens presented to the mock's resources (Key Vault, Graph, ARM): signature
 * (RS256 pinned), exp/nbf against the mock clock, and the claims the resources check. Verified
 * tokens are cached, so RSA runs once per token rather than once per request. */
#ifndef MV_AUTH_H
#define MV_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

/* The claims a resource checks, copied out of a verified token. */
struct mv_claims {
    bool has_exp, has_nbf;
    double exp, nbf;
    char aud[160];
    char iss[160];
    char appid[64];
    char oid[64];
    char tid[64];
    char roles[512]; /* the "roles" claim, space-separated ("" when absent) */
    uint64_t stamp;  /* issue stamp carried in uti (model/revoke.h); 0 when it has none */
    bool cp1;        /* "xms_cc" holds "cp1": the client can answer claims challenges */
};

enum mv_auth_result {
    MV_AUTH_OK = 0,
    MV_AUTH_MISSING,       /* no Authorization header, not Bearer, or an empty token */
    MV_AUTH_MALFORMED,     /* not a JWT */
    MV_AUTH_BAD_SIGNATURE, /* forged, another key, or an alg other than RS256 */
    MV_AUTH_EXPIRED,       /* exp missing or not after the mock clock's now */
    MV_AUTH_NOT_YET_VALID, /* nbf after now */
};

/* Verifies the request's bearer token. On MV_AUTH_OK fills *c and records the principal (appid,
 * oid, tid) on r for the log; on MV_AUTH_EXPIRED and MV_AUTH_NOT_YET_VALID *c is filled too. */
enum mv_auth_result mv_auth_bearer(struct mv_req *r, struct mv_claims *c);

/* True when the token's tenant (tid) is one the fixture declares and its issuer is that tenant's
 * v1 issuer, https://sts.windows.net/{tid}/ compared case-insensitively: the issuer check ARM
 * and Graph make, kept here so both make it the same way. Takes the store's read lock. */
bool mv_claims_issuer_known(struct mv_req *r, const struct mv_claims *c);

/* The verified-token cache itself (http.h declares its life cycle and size): the claims of tok
 * copied into *out when it is cached; and tok's claims stored, replacing whatever token shared
 * its slot (nothing is stored for a token over MV_TOKEN_CACHE_TOKEN_MAX bytes). Only tokens whose
 * signature verified may be put. mv_auth_bearer uses both. */
bool mv_token_cache_get(struct mv_token_cache *c, const char *tok, size_t len,
                        struct mv_claims *out);
void mv_token_cache_put(struct mv_token_cache *c, const char *tok, size_t len,
                        const struct mv_claims *claims);

/* True when the space-separated list has role (false for an empty name). */
bool mv_claims_has_role(const struct mv_claims *c, const char *role);

#endif
