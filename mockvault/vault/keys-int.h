/* keys-int.h: what the keys family's files share (keys.c: CRUD, soft delete, lists, backup;
 * keys-crypto.c: encrypt, decrypt, wrap, unwrap, sign, verify, rng, attestation; keys-release.c
 * and keys-jws.c: release;
 * keys-policy.c: rotate and the rotation policy). Internal to the vault layer. */
#ifndef MV_KEYS_INT_H
#define MV_KEYS_INT_H

#include <cjson/cJSON.h>

#include "http.h"
#include "keymat.h"
#include "store.h"

/* Answers a store error (never MV_OK) with the keys' bodies (spec/keyvault-keys.md §4). name and
 * version are the URI's. */
enum MHD_Result mv_keys_store_err(struct mv_req *r, enum mv_err e, const char *name,
                                  const char *version);
/* Validates the URI's name (400) and reads the key version (version NULL or "": the current
 * one) into *out; replies and returns false when the name is bad or the key missing. The caller
 * finishes *out. */
bool mv_keys_get_or_reply(struct mv_req *r, const char *name, const char *version,
                          struct mv_object_view *out);
/* 400 BadParameter for a keymat error, with a message that says what to fix. */
enum MHD_Result mv_keys_km_err(struct mv_req *r, enum mv_km_err e);

/* Secure Key Release's signatures (keys-jws.c). The attestation token (compact JWS) verified
 * against the fixture's attestation authorities, with exp/nbf on the mock clock: its claims
 * (caller deletes), or NULL after a 403 that says what to fix. */
cJSON *mv_keys_attestation_or_reply(struct mv_req *r, const char *token);
/* payload signed as a compact JWS with the mock's TLS key (header alg, kid, x5t, typ, x5t#S256,
 * x5c = the TLS chain). The caller frees the result; NULL without TLS or out of memory. */
char *mv_keys_sign_jws(struct mv_req *r, const cJSON *payload);

/* Handlers of keys-crypto.c, keys-release.c and keys-policy.c, named in keys.c's table. */
enum MHD_Result mv_keys_h_encrypt(struct mv_req *r);
enum MHD_Result mv_keys_h_decrypt(struct mv_req *r);
enum MHD_Result mv_keys_h_wrap(struct mv_req *r);
enum MHD_Result mv_keys_h_unwrap(struct mv_req *r);
enum MHD_Result mv_keys_h_sign(struct mv_req *r);
enum MHD_Result mv_keys_h_verify(struct mv_req *r);
enum MHD_Result mv_keys_h_release(struct mv_req *r);
enum MHD_Result mv_keys_h_attestation(struct mv_req *r);
enum MHD_Result mv_keys_h_rng(struct mv_req *r);
enum MHD_Result mv_keys_h_rotate(struct mv_req *r);
enum MHD_Result mv_keys_h_get_policy(struct mv_req *r);
enum MHD_Result mv_keys_h_set_policy(struct mv_req *r);

#endif
