/* jwt.h: RS256 JSON Web Tokens signed and verified with GnuTLS, and the JWKS entry of the key. */
#ifndef MV_JWT_H
#define MV_JWT_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct mv_jwt_key;

/* Loads the RSA signing key from a PEM file at path, or creates a 2048-bit one and saves it there
 * with mode 0600 (atomically). path NULL: a fresh key in memory only. Returns 0 or -1 with a
 * message in err. */
int mv_jwt_key_load_or_create(const char *path, struct mv_jwt_key **out, char *err, size_t errlen);
void mv_jwt_key_destroy(struct mv_jwt_key *k); /* accepts NULL */

/* The key id: base64url SHA-1 of the public key's DER, used as both "kid" and "x5t". Borrowed. */
const char *mv_jwt_key_kid(const struct mv_jwt_key *k);

/* The JWKS entry {"kty":"RSA","use":"sig","kid","x5t","n","e","x5c"}; caller frees with
 * cJSON_Delete. */
cJSON *mv_jwt_key_jwk(const struct mv_jwt_key *k);

/* Signs claims with header {"typ":"JWT","alg":"RS256","x5t":kid,"kid":kid}. Returns the compact
 * token (caller frees with free()) or NULL. */
char *mv_jwt_sign(const struct mv_jwt_key *k, const cJSON *claims);

/* Parses buf[0..len) (NUL-terminated at len, as mv_b64url_decode leaves it) as exactly one JSON
 * object with nothing after it: a decoded JWT header or payload. NULL when it is not. Caller frees
 * with cJSON_Delete. */
cJSON *mv_jwt_parse_object(const unsigned char *buf, size_t len);

enum mv_jwt_status {
    MV_JWT_OK = 0,
    MV_JWT_MALFORMED,     /* not three base64url parts, or header/payload not JSON objects */
    MV_JWT_BAD_ALG,       /* alg other than RS256 (none, HS256, ...): never accepted */
    MV_JWT_BAD_SIGNATURE, /* signature does not verify with our key (forged, or wrong kid) */
};

/* Verifies token[0..len) against k (alg pinned to RS256). On MV_JWT_OK *claims receives the
 * payload (caller frees with cJSON_Delete); otherwise *claims is NULL. Claims (exp, aud...) are not
 * checked here. */
enum mv_jwt_status mv_jwt_verify(const struct mv_jwt_key *k, const char *token, size_t len,
                                 cJSON **claims);

#endif
