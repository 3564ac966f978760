/* cli-compat.h: the CLI's own copies of helpers that the shared common/ library (cx_ prefix:
 * base64 and base64url on GnuTLS, RFC 3339 parse and format, wiping) provides once it lands.
 * They are kept together here so that the swap is one file: replace the bodies in cli-compat.c
 * with calls to common/, or the callers' cli_ names with the cx_ ones, and delete both files. */
#ifndef KVCLI_COMPAT_H
#define KVCLI_COMPAT_H

#include <stddef.h>
#include <stdint.h>

/* Overwrites n bytes with zeros in a way the compiler may not drop as a dead store. */
void cli_wipe(void *p, size_t n);
/* Wipes a string and frees it. Accepts NULL. */
void cli_free_wiped(char *s);

/* Encodes n bytes as base64 (padded with '=') or, when url is 1, as base64url without padding.
 * Returns a new string (the caller wipes it first if it is secret, then frees it), or NULL. */
char *cli_b64_encode(const unsigned char *in, size_t n, int url);
/* Decodes base64url, padding optional. Returns 0 with *out (caller frees; not NUL-terminated)
 * and *len, or -1 for a character outside the alphabet or no memory. */
int cli_b64url_decode(const char *in, unsigned char **out, size_t *len);

/* Parses an ISO 8601 / RFC 3339 instant as az's --expires does: 2026-12-31T00:00:00Z,
 * 2026-12-31T00:00Z, 2026-12-31T00Z or 2026-12-31, and also fractions (dropped: Key Vault keeps
 * whole seconds) and +hh:mm offsets. A missing zone means UTC, as az assumes. Returns 0 with
 * unix seconds in *out, or -1. */
int cli_time_parse(const char *s, int64_t *out);
/* "2026-12-31T00:00:00+00:00": what az prints for datetime attributes (Python isoformat()). */
void cli_time_format(int64_t t, char *buf, size_t len);

#endif
