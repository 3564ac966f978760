/* util.h: the mock's own small helpers: hashes, the seeded id stream, Azure host names, error
 * text. The helpers shared with the client and kvconform (base64, RFC 3339, files, UTF-8 and case,
 * host:port, wiping) are in common/, included from here for every layer. */
#ifndef MV_UTIL_H
#define MV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cx-base64.h"
#include "cx-file.h"
#include "cx-host.h"
#include "cx-mem.h"
#include "cx-text.h"
#include "cx-time.h"

/* What the mock accepts from clients as base64url (tokens, assertions, backup blobs): padding
 * optional, and either alphabet, as some clients hand-roll their JWTs with the standard one. */
#define MV_B64_LENIENT CX_B64_LENIENT

/* SHA-256 / SHA-1 of data into out (32 / 20 bytes). Return 0 on success. */
int mv_sha256(const void *data, size_t len, unsigned char out[32]);
int mv_sha1(const void *data, size_t len, unsigned char out[20]);

/* Makes every id the mock generates (secret versions, request ids, GUIDs in error bodies)
 * deterministic: after mv_rand_seed(n) the sequence depends only on n. Without a seed, ids come
 * from GnuTLS's nonce generator. Thread-safe. */
void mv_rand_seed(uint64_t seed);
void mv_rand_unseed(void);
/* True (and *seed, when not NULL) while a seed is set: the value mv_rand_seed was given, from which
 * fixture keys are derived independently of how many ids were drawn since. */
bool mv_rand_get_seed(uint64_t *seed);
void mv_rand_bytes(void *out, size_t len);

/* Writes 32 lowercase hex characters and a NUL: the shape of a Key Vault secret version. */
void mv_rand_hex32(char out[33]);

/* Writes a lowercase GUID "8-4-4-4-12" (version 4 bits set) and a NUL. */
void mv_rand_guid(char out[37]);

/* Seconds on the monotonic clock, for latencies. */
double mv_mono_now(void);

/* Formats into err (size errlen) when err is not NULL: the "message in err" of fallible calls. */
void mv_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strdup that returns NULL for NULL. */
char *mv_strdup0(const char *s);

/* True when host (no port, any case) is one of the Azure names the mock impersonates in proxy mode:
 * *.vault.azure.net, login.microsoftonline.com, login.windows.net, login.microsoft.com,
 * sts.windows.net, management.azure.com, management.core.windows.net, graph.microsoft.com. */
bool mv_host_is_azure(const char *host);

#endif
