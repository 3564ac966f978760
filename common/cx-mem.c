/* cx-mem.c: wiping and constant-time comparison. */
#include "cx-mem.h"

#include <stdlib.h>
#include <string.h>

void cx_wipe(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n);
}

void cx_free_wiped(char *s)
{
    if (!s)
        return;
    cx_wipe(s, strlen(s));
    free(s);
}

void cx_wipe_free(void *p, size_t n)
{
    if (!p)
        return;
    cx_wipe(p, n);
    free(p);
}

bool cx_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *pa = a, *pb = b;
    size_t n = alen > blen ? alen : blen;
    /* volatile keeps the compiler from turning the loop into an early-exit memcmp. */
    volatile unsigned char diff = (unsigned char)(alen != blen);

    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? pa[i] : 0;
        unsigned char y = i < blen ? pb[i] : 0;
        diff = (unsigned char)(diff | (x ^ y));
    }
    return diff == 0;
}
