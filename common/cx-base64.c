/* cx-base64.c: base64 and base64url, with the canonical-encoding checks (no GnuTLS: see below). */
#include "cx-base64.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Anything near UINT_MAX / 2 is not a token or a blob (the bound GnuTLS datums once set). */
#define CX_B64_MAX ((size_t)UINT_MAX / 2)

/* Value of one character under flags, or -1. */
static int b64_value(unsigned char c, unsigned flags)
{
    bool url = flags & CX_B64_URL, any = flags & CX_B64_ANY_ALPHABET;

    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if ((c == '-' && (url || any)) || (c == '+' && (!url || any)))
        return 62;
    if ((c == '_' && (url || any)) || (c == '/' && (!url || any)))
        return 63;
    return -1;
}

/* Checks text[0..len) under flags; *data_len gets the length without padding. */
static bool check(const char *text, size_t len, unsigned flags, size_t *data_len)
{
    size_t pads = 0, n = len;

    if ((!text && len > 0) || len > CX_B64_MAX)
        return false;
    while (n > 0 && text[n - 1] == '=' && pads < 2) {
        n--;
        pads++;
    }
    /* A single character left over would carry only 6 of a byte's 8 bits. */
    if (n % 4 == 1)
        return false;
    if (pads > 0 && (flags & CX_B64_NOPAD))
        return false;
    /* Padded text is a whole number of quads; "Zg=" or "Zm9v=" is not the canonical form. */
    if (pads > 0 && (n + pads) % 4 != 0)
        return false;
    if (pads == 0 && n % 4 != 0 && !(flags & (CX_B64_NOPAD | CX_B64_PAD_OPTIONAL)))
        return false;
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        if ((last = b64_value((unsigned char)text[i], flags)) < 0)
            return false;
    }
    /* The unused low bits of the last character must be zero: 4 of them after two characters
     * of a quad (one byte), 2 after three (two bytes). */
    if ((n % 4 == 2 && (last & 15) != 0) || (n % 4 == 3 && (last & 3) != 0))
        return false;
    *data_len = n;
    return true;
}

bool cx_b64_valid(const char *text, size_t len, unsigned flags)
{
    size_t n;
    return check(text, len, flags, &n);
}

/* Encoded here rather than by GnuTLS, which allocated a copy to translate and wipe (a key
 * operation's value is encoded on every request). */
char *cx_b64_encode(const void *data, size_t len, unsigned flags)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *abc = (flags & CX_B64_URL) ? url : std;
    const unsigned char *in = data;
    char *out;
    size_t o = 0, i = 0;

    if (len > CX_B64_MAX / 4 * 3 || (!data && len))
        return NULL;
    if (!(out = malloc((len + 2) / 3 * 4 + 1)))
        return NULL;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = abc[v >> 18];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = abc[(v >> 6) & 63];
        out[o++] = abc[v & 63];
    }
    if (len - i) {
        unsigned v = (unsigned)in[i] << 16 | (len - i == 2 ? (unsigned)in[i + 1] << 8 : 0);
        out[o++] = abc[v >> 18];
        out[o++] = abc[(v >> 12) & 63];
        if (len - i == 2)
            out[o++] = abc[(v >> 6) & 63];
        else if (!(flags & CX_B64_NOPAD))
            out[o++] = '=';
        if (!(flags & CX_B64_NOPAD))
            out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* Decoded here rather than by GnuTLS: check() has already validated every character, and GnuTLS
 * wants the standard padded alphabet, which cost a translated copy, two allocations and two
 * wipes for every key operation's value on both the mock's and the client's side
 * (docs/performance.md). */
unsigned char *cx_b64_decode(const char *text, size_t len, unsigned flags, size_t *out_len)
{
    unsigned char *out = NULL;
    size_t n = 0, o = 0, i = 0;

    if (out_len)
        *out_len = 0;
    if (!check(text, len, flags, &n))
        return NULL;
    if (!(out = malloc(n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) + 1)))
        return NULL;
    for (; i + 4 <= n; i += 4) {
        unsigned v = (unsigned)b64_value((unsigned char)text[i], flags) << 18 |
                     (unsigned)b64_value((unsigned char)text[i + 1], flags) << 12 |
                     (unsigned)b64_value((unsigned char)text[i + 2], flags) << 6 |
                     (unsigned)b64_value((unsigned char)text[i + 3], flags);
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    if (n - i >= 2) {
        /* Two characters left carry one byte, three carry two (n % 4 == 1 was refused). */
        unsigned v = (unsigned)b64_value((unsigned char)text[i], flags) << 18 |
                     (unsigned)b64_value((unsigned char)text[i + 1], flags) << 12;
        if (n - i == 3)
            v |= (unsigned)b64_value((unsigned char)text[i + 2], flags) << 6;
        out[o++] = (unsigned char)(v >> 16);
        if (n - i == 3)
            out[o++] = (unsigned char)(v >> 8);
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

char *cx_b64url_encode(const void *data, size_t len)
{
    return cx_b64_encode(data, len, CX_B64_URL | CX_B64_NOPAD);
}

unsigned char *cx_b64url_decode(const char *text, size_t len, size_t *out_len)
{
    return cx_b64_decode(text, len, CX_B64_URL | CX_B64_PAD_OPTIONAL, out_len);
}
