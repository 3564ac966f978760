/* util.h: small shared helpers: base64url, hashes, random ids, constant-time compare, time text. */
#ifndef MV_UTIL_H
#define MV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Encodes len bytes as unpadded base64url (RFC 4648 §5). Returns a NUL-terminated string the caller
 * frees with free(), or NULL when out of memory. */
char *mv_b64url_encode(const void *data, size_t len);

/* Decodes unpadded (or padded) base64url; also accepts the standard alphabet's '+' and '/'.
 * Returns a buffer the caller frees with free() (NUL-terminated for convenience, *out_len excludes
 * the NUL), or NULL when the input is not valid base64url. */
unsigned char *mv_b64url_decode(const char *text, size_t len, size_t *out_len);

/* Standard base64 with padding (for PEM-less DER in JWKS x5c). Caller frees. */
char *mv_b64_encode(const void *data, size_t len);

/* SHA-256 / SHA-1 of data into out (32 / 20 bytes). Return 0 on success. */
int mv_sha256(const void *data, size_t len, unsigned char out[32]);
int mv_sha1(const void *data, size_t len, unsigned char out[20]);

/* Makes every id the mock generates (secret versions, request ids, GUIDs in error bodies)
 * deterministic: after mv_rand_seed(n) the sequence depends only on n. Without a seed, ids come
 * from GnuTLS's nonce generator. Thread-safe. */
void mv_rand_seed(uint64_t seed);
void mv_rand_unseed(void);
void mv_rand_bytes(void *out, size_t len);

/* Writes 32 lowercase hex characters and a NUL: the shape of a Key Vault secret version. */
void mv_rand_hex32(char out[33]);

/* Writes a lowercase GUID "8-4-4-4-12" (version 4 bits set) and a NUL. */
void mv_rand_guid(char out[37]);

/* Compares two byte strings in time that depends only on their lengths (client secrets must not
 * leak through timing). Returns true when equal. */
bool mv_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Seconds on the monotonic clock, for latencies. */
double mv_mono_now(void);

/* Formats into err (size errlen) when err is not NULL: the "message in err" of fallible calls. */
void mv_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Formats unix seconds as "2016-01-09 02:02:12Z", the AADSTS error timestamp shape. */
void mv_fmt_aad_time(int64_t t, char out[32]);

/* Formats unix seconds as an IMF-fixdate ("Sat, 07 Feb 2026 11:07:33 GMT"). */
void mv_fmt_http_date(int64_t t, char out[40]);

/* Parses RFC 3339 ("2030-01-01T00:00:00Z", optional fraction and numeric offset) into unix seconds.
 * Returns 0 on success, -1 when the text is not RFC 3339. */
int mv_parse_rfc3339(const char *s, int64_t *out);

/* Lower-cases ASCII in place and returns s. */
char *mv_str_lower(char *s);

/* strdup that returns NULL for NULL. */
char *mv_strdup0(const char *s);

/* True when host (no port, any case) is one of the Azure names the mock impersonates in proxy mode:
 * *.vault.azure.net, login.microsoftonline.com, login.windows.net, login.microsoft.com,
 * sts.windows.net, management.azure.com, management.core.windows.net, graph.microsoft.com. */
bool mv_host_is_azure(const char *host);

/* True when host is an IPv4 literal or an IPv6 literal (bare or in brackets, as in a Host header). */
bool mv_host_is_ip(const char *host);

/* Reads the whole file at path, at most max bytes, into a NUL-terminated buffer the caller frees
 * with free(); *len (may be NULL) excludes the NUL. Returns NULL with errno set: ENOENT when the
 * file does not exist, EFBIG when it is larger than max. (Added for jwt.c and tls.c.) */
char *mv_read_file(const char *path, size_t max, size_t *len);

/* Replaces path with data[0..len) so that readers, and a crash, see either the old file or all of
 * the new one: a temporary file in the same directory is written, fsynced and renamed over path,
 * then the directory is fsynced. The file gets exactly mode (0600 for keys), whatever the umask.
 * Returns 0, or -1 with errno set. (Added for jwt.c and tls.c.) */
int mv_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
