/* kv-bench-create.c: RSA-2048 key creation over HTTPS against raw key generation in-process, in
 * the same run (issue 10, scripts/bench). Each of N rounds creates a version of KEY with
 * kv_key_create (one libkvclient handle, cached token, kept-alive connection), then generates one
 * RSA-2048 key with GnuTLS (gnutls_privkey_generate2) and one with nettle (rsa_generate_keypair,
 * e = 65537, as the mock does, from GnuTLS's key-grade random source). Interleaving the three
 * keeps a noisy moment from landing on one side only. Prints p50 and p99 of each.
 * Usage: kv-bench-create VAULT_URL AUTHORITY CA_FILE KEY N */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/rsa.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-util.h"

/* nettle's random callback on GnuTLS's key-grade generator, as the mock's keymat uses. */
static void key_random(void *ctx, size_t len, uint8_t *dst)
{
    (void)ctx;
    if (gnutls_rnd(GNUTLS_RND_KEY, dst, len) < 0)
        abort();
}

static int gnutls_keygen(void)
{
    gnutls_privkey_t k = NULL;
    int ok = gnutls_privkey_init(&k) >= 0 &&
             gnutls_privkey_generate2(k, GNUTLS_PK_RSA, 2048, 0, NULL, 0) >= 0;
    gnutls_privkey_deinit(k);
    return ok;
}

static int nettle_keygen(void)
{
    struct rsa_public_key pub;
    struct rsa_private_key priv;
    int ok;

    rsa_public_key_init(&pub);
    rsa_private_key_init(&priv);
    mpz_set_ui(pub.e, 65537);
    ok = rsa_generate_keypair(&pub, &priv, NULL, key_random, NULL, NULL, 2048, 0);
    rsa_private_key_clear(&priv);
    rsa_public_key_clear(&pub);
    return ok;
}

int main(int argc, char **argv)
{
    struct kv_client *c = NULL;
    struct kv_key *k = NULL;
    struct kv_error err;
    double *lat[3] = {NULL, NULL, NULL};
    const char *what[3] = {"mockvault create over HTTPS", "GnuTLS gnutls_privkey_generate2",
                           "nettle rsa_generate_keypair"};
    int n, rc = 1;

    if (argc != 6 || (n = atoi(argv[5])) < 1) {
        fprintf(stderr, "usage: %s VAULT_URL AUTHORITY CA_FILE KEY N\n", argv[0]);
        return 2;
    }
    kv_global_init();
    for (int s = 0; s < 3; s++)
        if (!(lat[s] = calloc((size_t)n, sizeof *lat[s])))
            goto out;
    if (bench_client(argv[1], argv[2], argv[3], &c) != 0)
        goto out;
    /* Warm-up: the challenge, the token and the connection are not part of a creation. */
    if (kv_key_create(c, argv[4], "RSA", 2048, NULL, NULL, &k, &err) != KV_OK) {
        fprintf(stderr, "warm-up create: %s\n", err.message);
        goto out;
    }
    kv_key_free(k);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        if (kv_key_create(c, argv[4], "RSA", 2048, NULL, NULL, NULL, &err) != KV_OK) {
            fprintf(stderr, "create: %s\n", err.message);
            goto out;
        }
        double t1 = bench_now_us();
        if (!gnutls_keygen())
            goto out;
        double t2 = bench_now_us();
        if (!nettle_keygen())
            goto out;
        lat[0][i] = t1 - t0;
        lat[1][i] = t2 - t1;
        lat[2][i] = bench_now_us() - t2;
    }
    double p50[3], p99[3];
    for (int s = 0; s < 3; s++) {
        p50[s] = bench_percentile(lat[s], (size_t)n, 50) / 1000;
        p99[s] = bench_percentile(lat[s], (size_t)n, 99) / 1000;
    }
    printf("create RSA-2048, %d each, interleaved: %s p50 %.1f ms, p99 %.1f ms; %s p50 %.1f ms, "
           "p99 %.1f ms; %s p50 %.1f ms, p99 %.1f ms; p50 ratio %.2fx nettle, %.2fx GnuTLS\n",
           n, what[0], p50[0], p99[0], what[1], p50[1], p99[1], what[2], p50[2], p99[2],
           p50[0] / p50[2], p50[0] / p50[1]);
    rc = 0;
out:
    for (int s = 0; s < 3; s++)
        free(lat[s]);
    kv_client_destroy(c);
    kv_global_cleanup();
    return rc;
}
