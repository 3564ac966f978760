/* fz-util.h: small helpers the fuzz targets share. */
#ifndef FZ_UTIL_H
#define FZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points, declared here so the targets compile under -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A malloc'd copy of data[0..size) with a NUL after it (caller frees), or NULL when out of memory.
 * Parsers that take a C string get this; parsers that take a length get the fuzzer's own buffer,
 * which is not NUL-terminated, so a read past its end is caught. */
static inline char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        if (size)
            memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* Splits data[0..size) at the first byte sep: *a gets the part before it and *b the part after
 * (both malloc'd, NUL-terminated); with no sep, all goes to *a and *b is "". 0, or -1 when out of
 * memory (then nothing is allocated). */
static inline int fz_split(const uint8_t *data, size_t size, uint8_t sep, char **a, char **b)
{
    const uint8_t *cut = size ? memchr(data, sep, size) : NULL;
    size_t na = cut ? (size_t)(cut - data) : size;
    *a = fz_strndup(data, na);
    *b = cut ? fz_strndup(cut + 1, size - na - 1) : fz_strndup(data, 0);
    if (!*a || !*b) {
        free(*a);
        free(*b);
        *a = *b = NULL;
        return -1;
    }
    return 0;
}

#endif
