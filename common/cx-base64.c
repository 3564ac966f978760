/* cx-base64.c: base64 and base64url on GnuTLS, with the canonical-encoding checks done here. */
#include "cx-base64.h"

#include <gnutls/gnutls.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"

/* GnuTLS datums count in unsigned int; anything near that is not a token or a blob. */
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

char *cx_b64_encode(const void *data, size_t len, unsigned flags)
{
    gnutls_datum_t in = {(unsigned char *)data, (unsigned)len}, enc = {NULL, 0};
    char *out = NULL;
    size_t o = 0;

    if (len > CX_B64_MAX / 4 * 3)
        goto out;
    if (len == 0) {
        out = strdup("");
        goto out;
    }
    if (gnutls_base64_encode2(&in, &enc) < 0)
        goto out;
    if (!(out = malloc((size_t)enc.size + 1)))
        goto out;
    for (size_t i = 0; i < enc.size; i++) {
        char c = (char)enc.data[i];
        if (c == '=' && (flags & CX_B64_NOPAD))
            break;
        if (flags & CX_B64_URL)
            c = c == '+' ? '-' : c == '/' ? '_' : c;
        out[o++] = c;
    }
    out[o] = '\0';
out:
    if (enc.data) {
        cx_wipe(enc.data, enc.size);
        gnutls_free(enc.data);
    }
    return out;
}

unsigned char *cx_b64_decode(const char *text, size_t len, unsigned flags, size_t *out_len)
{
    unsigned char *out = NULL;
    char *std = NULL;
    gnutls_datum_t dec = {NULL, 0};
    size_t n = 0, quads = 0;

    if (out_len)
        *out_len = 0;
    if (!check(text, len, flags, &n))
        goto out;
    /* GnuTLS reads the standard alphabet, padded: translate into a copy first. */
    quads = (n + 3) / 4 * 4;
    if (!(std = malloc(quads + 1)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    memset(std + n, '=', quads - n);
    std[quads] = '\0';
    if (quads > 0) {
        gnutls_datum_t in = {(unsigned char *)std, (unsigned)quads};
        if (gnutls_base64_decode2(&in, &dec) < 0)
            goto out;
    }
    if (!(out = malloc((size_t)dec.size + 1)))
        goto out;
    if (dec.size)
        memcpy(out, dec.data, dec.size);
    out[dec.size] = '\0';
    if (out_len)
        *out_len = dec.size;
out:
    if (std)
        cx_wipe_free(std, quads);
    if (dec.data) {
        cx_wipe(dec.data, dec.size);
        gnutls_free(dec.data);
    }
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
