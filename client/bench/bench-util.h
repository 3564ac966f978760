/* bench-util.h: what the client benchmarks share (scripts/bench): a monotonic clock, percentiles,
 * a libkvclient handle for the default fixture's admin application, and a JWK (as
 * GET /_mock/state exports it) read into GnuTLS, so a baseline signs with the very key the mock
 * holds. */
#ifndef KV_BENCH_UTIL_H
#define KV_BENCH_UTIL_H

#include <gnutls/abstract.h>
#include <stddef.h>

#include "kvclient.h"

/* Microseconds on CLOCK_MONOTONIC. */
double bench_now_us(void);
/* Sorts v[0..n) in place and returns its pct-th percentile (n > 0). */
double bench_percentile(double *v, size_t n, int pct);
/* A client for vault_url with the default fixture's admin application (client secret),
 * authority for its tokens, ca_file for TLS. *out: destroy with kv_client_destroy. Returns 0 on
 * success; prints what failed (never a secret) and returns -1 otherwise. */
int bench_client(const char *vault_url, const char *authority, const char *ca_file,
                 struct kv_client **out);
/* The private key of a JWK file (a key version's "jwk" object of the state export: RSA n, e, d,
 * p, q or EC P-256/P-384/P-521 crv, x, y, d) as a GnuTLS private key, deinit with
 * gnutls_privkey_deinit. Returns 0, or -1 after printing what failed. */
int bench_jwk_privkey(const char *path, gnutls_privkey_t *out);

#endif
