/* kvc-keys.h: what the keys suites (test-keys-*.c) share: creating and removing keys, the exact
 * KeyNotFound body, crypto operation requests, digests and a local signature check (GnuTLS)
 * against the public JWK the server returned, so that a signature is judged by an independent
 * implementation and not by the server's own /verify.
 *
 * Failure messages name keys, algorithms and statuses only: never plaintext, digests or
 * signatures. */
#ifndef KVC_KEYS_H
#define KVC_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "kvc-suite.h"

/* The api-version that adds "key_size" to RSA attributes (spec/keyvault-keys.md §2). */
#define KVK_API_KEYSIZE "2025-07-01"

/* POST /keys/name/create with body, asserting 200. The version goes to ver (may be NULL) and,
 * when bundle is not NULL, the parsed answer to *bundle (caller frees with cJSON_Delete). */
void kvk_create(const char *name, const char *body, char *ver, size_t vn, cJSON **bundle);

/* PATCH /keys/name/ with body, asserting 200. */
void kvk_patch(const char *name, const char *body);

/* The exact 404 KeyNotFound body of spec §4 for a name (or name/version). */
void kvk_not_found_body(char *buf, size_t n, const char *name_or_id);

/* POST {path}/{op} with {"alg":alg,"value":value} (path "/keys/N" or "/keys/N/V"). */
void kvk_op(const char *path, const char *op, const char *alg, const char *value,
            struct kvc_resp *r);

/* base64url of the digest alg's hash (RS256, PS384, ES512, ES256K...) of a text. Heap; free(). */
char *kvk_digest(const char *alg, const char *text);

/* base64url of len bytes of a fixed pattern (test input of a given size). Heap; free(). */
char *kvk_bytes(size_t len, unsigned char fill);

/* Signs digest (base64url) at path, asserting 200 and that the answer's kid starts with kid
 * (NULL: not checked). Returns the signature (base64url, heap; free()). */
char *kvk_sign(const char *path, const char *alg, const char *digest, const char *kid);

/* Checks a signature locally with GnuTLS against the JWK (RSA: RS*, PS* with salt = hash
 * length; EC: ES256/384/512 as raw r||s). Returns 1 valid, 0 invalid, -1 when the key or
 * algorithm cannot be checked here (P-256K is not in GnuTLS). */
int kvk_verify_local(const cJSON *jwk, const char *alg, const char *digest, const char *sig);

/* Best-effort delete and purge of a key, for the end of a test. */
void kvk_cleanup(const char *name);

#endif
