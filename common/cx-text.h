/* cx-text.h: text checks and ASCII case handling that do not depend on the process locale:
 * strict UTF-8, hex digits, case-insensitive comparison, lower-casing.
 *
 * Ownership: nothing here allocates; cx_str_lower and cx_hex_encode write into the caller's
 * buffer. */
#ifndef CX_TEXT_H
#define CX_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is strict UTF-8: no overlong forms, no surrogates (U+D800-U+DFFF), nothing
 * above U+10FFFF, no truncated sequence. When chars is not NULL and the text is valid, *chars gets
 * the number of code points (what Key Vault's character limits count). */
bool cx_utf8_valid(const char *s, size_t len, size_t *chars);

/* The number of code points in a NUL-terminated string, counting every byte that does not look
 * like a continuation byte (for text already known to be UTF-8, or where a rough count will do). */
size_t cx_utf8_count(const char *s);

enum cx_hex_flags {
    CX_HEX_LOWER = 1u << 0, /* only 0-9 a-f; without it A-F are accepted too */
};

/* True when s is exactly n hex digits followed by its NUL (a Key Vault version is 32 lower-case
 * hex digits: cx_is_hex(v, 32, CX_HEX_LOWER)). s may be NULL (false). */
bool cx_is_hex(const char *s, size_t n, unsigned flags);

/* Writes len bytes as 2 * len lower-case hex digits and a NUL into out. */
void cx_hex_encode(const void *in, size_t len, char *out);

/* ASCII letters only, whatever the locale (strcasecmp's answer changes with LC_CTYPE, e.g. the
 * Turkish dotless i). */
int cx_tolower(int c);
/* strcasecmp / strncasecmp on ASCII: <0, 0 or >0 like strcmp of the lower-cased strings. */
int cx_strcasecmp(const char *a, const char *b);
int cx_strncasecmp(const char *a, const char *b, size_t n);
/* True when s ends with suffix, ignoring ASCII case. */
bool cx_str_ends_nocase(const char *s, const char *suffix);
/* Lower-cases ASCII letters in place and returns s (NULL stays NULL). */
char *cx_str_lower(char *s);

#endif
