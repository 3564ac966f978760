/* cx-text.c: UTF-8, hex and ASCII case helpers. */
#include "cx-text.h"

#include <string.h>

bool cx_utf8_valid(const char *s, size_t len, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t n = 0;

    if (!s && len > 0)
        return false;
    while (p < end) {
        unsigned c = *p, cp;
        size_t k;

        if (c < 0x80) {
            p++;
            n++;
            continue;
        }
        /* 0xc0 and 0xc1 could only start overlong two-byte forms; 0xf5 and up exceed U+10FFFF. */
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= k)
            return false;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        p += k + 1;
        n++;
    }
    if (chars)
        *chars = n;
    return true;
}

size_t cx_utf8_count(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    }
    return n;
}

bool cx_is_hex(const char *s, size_t n, unsigned flags)
{
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (!(flags & CX_HEX_LOWER) && c >= 'A' && c <= 'F');
        if (!ok)
            return false;
    }
    return s[n] == '\0';
}

void cx_hex_encode(const void *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = in;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * len] = '\0';
}

int cx_tolower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int cx_strncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int x = cx_tolower((unsigned char)a[i]), y = cx_tolower((unsigned char)b[i]);
        if (x != y || x == 0)
            return x - y;
    }
    return 0;
}

int cx_strcasecmp(const char *a, const char *b)
{
    return cx_strncasecmp(a, b, (size_t)-1);
}

bool cx_str_ends_nocase(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && cx_strncasecmp(s + n - k, suffix, k) == 0;
}

char *cx_str_lower(char *s)
{
    for (char *p = s; p && *p; p++)
        *p = (char)cx_tolower((unsigned char)*p);
    return s;
}
