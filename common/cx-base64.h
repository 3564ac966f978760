/* cx-base64.h: base64 (RFC 4648 §4) and base64url (§5) on GnuTLS's codec.
 *
 * Decoding is always canonical: every byte string has exactly one accepted text in a given form,
 * so a token or blob cannot be varied without changing its meaning. The unused low bits of the
 * last character must be zero, padding must be exactly what the length needs (when the flags
 * allow it at all), and nothing else is tolerated: no whitespace, no line breaks, no stray bytes.
 *
 * Ownership: every function returning a pointer returns a malloc'd buffer the caller frees with
 * free() (cx_wipe_free or cx_free_wiped when it holds a secret). Intermediate GnuTLS buffers are
 * wiped before they are freed, since the data may be a secret value. */
#ifndef CX_BASE64_H
#define CX_BASE64_H

#include <stdbool.h>
#include <stddef.h>

enum cx_b64_flags {
    /* The URL-safe alphabet ('-' and '_'); without it, the standard one ('+' and '/'). */
    CX_B64_URL = 1u << 0,
    /* Encode: no '=' padding. Decode: '=' is refused. */
    CX_B64_NOPAD = 1u << 1,
    /* Decode: padding may be present or absent; when present it must be the exact count. Without
     * this or CX_B64_NOPAD, decoding requires padding. */
    CX_B64_PAD_OPTIONAL = 1u << 2,
    /* Decode: characters of both alphabets are accepted, even mixed (some clients hand-roll their
     * JWTs with the standard one). */
    CX_B64_ANY_ALPHABET = 1u << 3,
};

/* Decode: what a server accepts from clients as base64url (tokens, assertions, backup blobs):
 * padding optional, and either alphabet. mockvault decodes with it (MV_B64_LENIENT), and
 * common/tests/test-base64.c tests it. */
#define CX_B64_LENIENT (CX_B64_URL | CX_B64_PAD_OPTIONAL | CX_B64_ANY_ALPHABET)

/* Encodes len bytes (data may be NULL when len is 0). Returns a NUL-terminated string, or NULL
 * when out of memory or len is too large for GnuTLS. */
char *cx_b64_encode(const void *data, size_t len, unsigned flags);

/* Decodes text[0..len) (text may hold no NUL there: an embedded NUL is a stray byte). Returns the
 * bytes, NUL-terminated for convenience (*out_len, may be NULL, excludes the NUL), or NULL when
 * the text is not the canonical encoding in the form flags allow, or out of memory. *out_len is 0
 * on failure. */
unsigned char *cx_b64_decode(const char *text, size_t len, unsigned flags, size_t *out_len);

/* True when text[0..len) would decode under flags (the same checks, nothing allocated). */
bool cx_b64_valid(const char *text, size_t len, unsigned flags);

/* The JWT form (RFC 7515 §2): base64url without padding. */
char *cx_b64url_encode(const void *data, size_t len);
/* Base64url with or without exact padding, canonical. */
unsigned char *cx_b64url_decode(const char *text, size_t len, size_t *out_len);

#endif
