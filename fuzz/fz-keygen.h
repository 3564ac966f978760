/* fz-keygen.h: the key generation the mock's fuzz targets see (fz-keygen.c): one key per spec and
 * process, made once, instead of a new key per call. */
#ifndef FZ_KEYGEN_H
#define FZ_KEYGEN_H

#include "keymat.h"

/* The process's key of spec, the same one a fixture or create of that spec gets; one reference
 * for the caller (mv_keymat_unref), or NULL when the spec is not one Key Vault offers. */
struct mv_keymat *fz_keygen(const struct mv_key_spec *spec);

/* Makes the key of every spec now (a few seconds, once), so that no request waits for one later:
 * fz-mock.c takes a request that gets no answer within 250 ms as one that will never get any. */
void fz_keygen_warm(void);

#endif
