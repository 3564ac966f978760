/* cx-rand.h: the seeded PRNG (splitmix64) behind every reproducible id and fault draw, and the
 * GUID text shape.
 *
 * splitmix64 is tiny, has no bad seeds, and its output depends only on the seed and the number of
 * draws, which is all determinism needs. It is not for secrets: keys and nonces come from GnuTLS.
 *
 * Ownership: a stream is one uint64_t the caller owns; nothing is locked (the caller serialises
 * draws on a shared stream). */
#ifndef CX_RAND_H
#define CX_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Advances *state and returns the next 64-bit output. */
uint64_t cx_splitmix64(uint64_t *state);

/* Fills out[0..len) from the stream: each draw gives 8 bytes, little-endian, and the tail of a
 * partial draw is discarded, so len bytes always consume ceil(len / 8) draws. (The mock's seeded
 * ids have been made this way since --seed exists; changing it changes every seeded id.) */
void cx_splitmix64_fill(uint64_t *state, void *out, size_t len);

/* A uniform draw in [0, 1) from the top 53 bits of the next output. */
double cx_splitmix64_unit(uint64_t *state);

/* Formats 16 random bytes as a lower-case version-4 GUID "8-4-4-4-12" and a NUL into out, after
 * setting the version (4) and variant (10xx) bits in b. */
void cx_guid_format(unsigned char b[16], char out[37]);

#endif
