/* cx-rand.c: splitmix64 and GUID formatting. */
#include "cx-rand.h"

#include <stdio.h>
#include <string.h>

#include "cx-text.h"

uint64_t cx_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void cx_splitmix64_fill(uint64_t *state, void *out, size_t len)
{
    unsigned char *p = out;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = cx_splitmix64(state);
        for (size_t j = 0; j < 8 && i + j < len; j++)
            p[i + j] = (unsigned char)(v >> (8 * j));
    }
}

double cx_splitmix64_unit(uint64_t *state)
{
    return (double)(cx_splitmix64(state) >> 11) * 0x1.0p-53;
}

void cx_guid_format(unsigned char b[16], char out[37])
{
    char hex[33];
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4: random */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx: RFC 4122 */
    cx_hex_encode(b, 16, hex);
    /* Copied in place rather than formatted: every request of the mock and of libkvclient
     * makes one. */
    memcpy(out, hex, 8);
    out[8] = '-';
    memcpy(out + 9, hex + 8, 4);
    out[13] = '-';
    memcpy(out + 14, hex + 12, 4);
    out[18] = '-';
    memcpy(out + 19, hex + 16, 4);
    out[23] = '-';
    memcpy(out + 24, hex + 20, 12);
    out[36] = '\0';
}
