/* cx-mem.h: wiping secrets before their memory is freed, and a constant-time compare.
 *
 * Ownership: nothing here allocates. cx_free_wiped and cx_wipe_free take ownership of what they
 * are given and free it with free(); both accept NULL. */
#ifndef CX_MEM_H
#define CX_MEM_H

#include <stdbool.h>
#include <stddef.h>

/* Overwrites n bytes at p with zeros the compiler keeps (explicit_bzero). p may be NULL. */
void cx_wipe(void *p, size_t n);

/* Wipes a NUL-terminated secret (value, token, key, client secret) up to its NUL, then frees it. */
void cx_free_wiped(char *s);

/* Wipes n bytes at p, then frees p: for secrets that are not strings (decoded blobs, key files). */
void cx_wipe_free(void *p, size_t n);

/* Compares two byte strings in time that depends only on their lengths, so a client secret does
 * not leak through timing. True when they are equal. */
bool cx_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
