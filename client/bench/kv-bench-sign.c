/* kv-bench-sign.c: signing throughput over HTTPS against GnuTLS in-process, in the same run
 * (issue 10, scripts/bench). THREADS threads share one libkvclient handle (cached token, kept-alive
 * connections) and call kv_key_sign on KEY for SECONDS; then THREADS threads sign the same digest
 * with gnutls_privkey_sign_hash2 over the same key, read from JWK_FILE (the key version's "jwk"
 * of GET /_mock/state). The mock's signature is first verified with GnuTLS against that key, so
 * both sides provably sign with one key. Alternating rounds, best of each side.
 * Usage: kv-bench-sign VAULT_URL AUTHORITY CA_FILE KEY ALG JWK_FILE THREADS SECONDS ROUNDS [TARGET]
 * (ALG: RS256, RS384, RS512, PS256, ES256, ES384, ES512; TARGET: the ratio to print beside it). */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"

#define MAX_THREADS 64

struct alg_map {
    const char *name;
    gnutls_sign_algorithm_t sign;
    gnutls_digest_algorithm_t hash;
    int ec;
};

static const struct alg_map algs[] = {
    {"RS256", GNUTLS_SIGN_RSA_SHA256, GNUTLS_DIG_SHA256, 0},
    {"RS384", GNUTLS_SIGN_RSA_SHA384, GNUTLS_DIG_SHA384, 0},
    {"RS512", GNUTLS_SIGN_RSA_SHA512, GNUTLS_DIG_SHA512, 0},
    {"PS256", GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, GNUTLS_DIG_SHA256, 0},
    {"ES256", GNUTLS_SIGN_ECDSA_SHA256, GNUTLS_DIG_SHA256, 1},
    {"ES384", GNUTLS_SIGN_ECDSA_SHA384, GNUTLS_DIG_SHA384, 1},
    {"ES512", GNUTLS_SIGN_ECDSA_SHA512, GNUTLS_DIG_SHA512, 1},
};

struct run {
    const struct alg_map *alg;
    const char *key_name;
    struct kv_client *client; /* the HTTPS side; NULL for the GnuTLS side */
    gnutls_privkey_t priv[MAX_THREADS];
    gnutls_datum_t digest;
    atomic_bool stop;
    atomic_int failed;
    pthread_barrier_t start;
};

struct worker {
    struct run *run;
    int index;
    unsigned long ops;
    double *lat; /* microseconds per operation, grown as needed */
    size_t cap;
};

static int one_sign(struct worker *w)
{
    struct run *r = w->run;
    struct kv_crypto_result *res = NULL;
    struct kv_error err;
    gnutls_datum_t sig = {NULL, 0};
    int ok;

    if (r->client) {
        ok = kv_key_sign(r->client, r->key_name, NULL, r->alg->name, r->digest.data, r->digest.size,
                         &res, &err) == KV_OK;
        if (!ok)
            fprintf(stderr, "sign over HTTPS: %s\n", err.message);
        kv_crypto_result_free(res);
    } else {
        ok = gnutls_privkey_sign_hash2(r->priv[w->index], r->alg->sign, 0, &r->digest, &sig) >= 0;
        gnutls_free(sig.data);
    }
    return ok;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->run;

    pthread_barrier_wait(&r->start);
    while (!atomic_load(&r->stop)) {
        double t0 = bench_now_us();
        if (!one_sign(w)) {
            atomic_store(&r->failed, 1);
            break;
        }
        if (w->ops == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 4096;
            double *lat = realloc(w->lat, cap * sizeof *lat);
            if (!lat) {
                atomic_store(&r->failed, 1);
                break;
            }
            w->lat = lat;
            w->cap = cap;
        }
        w->lat[w->ops++] = bench_now_us() - t0;
    }
    return NULL;
}

struct result {
    double per_s, p50_us;
    unsigned long ops;
};

/* THREADS workers for SECONDS; signs per second over the wall time from start to the last join,
 * and the p50 latency of one sign. Returns -1 when a sign failed. */
static int measure(struct run *r, int threads, int seconds, struct result *out)
{
    struct worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    unsigned long total = 0;
    double *all = NULL;
    int started = 0, rc = -1;

    memset(w, 0, sizeof w);
    atomic_store(&r->stop, false);
    atomic_store(&r->failed, 0);
    pthread_barrier_init(&r->start, NULL, (unsigned)threads + 1);
    for (; started < threads; started++) {
        w[started].run = r;
        w[started].index = started;
        if (pthread_create(&tid[started], NULL, work, &w[started]) != 0)
            abort(); /* the barrier would wait forever */
    }
    pthread_barrier_wait(&r->start);
    double t0 = bench_now_us();
    sleep((unsigned)seconds);
    atomic_store(&r->stop, true);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    double took = bench_now_us() - t0;
    pthread_barrier_destroy(&r->start);
    for (int i = 0; i < started; i++)
        total += w[i].ops;
    if (atomic_load(&r->failed) || total == 0 || !(all = malloc(total * sizeof *all)))
        goto out;
    total = 0;
    for (int i = 0; i < started; i++) {
        memcpy(all + total, w[i].lat, w[i].ops * sizeof *all);
        total += w[i].ops;
    }
    out->ops = total;
    out->per_s = (double)total / (took / 1e6);
    out->p50_us = bench_percentile(all, total, 50);
    rc = 0;
out:
    for (int i = 0; i < started; i++)
        free(w[i].lat);
    free(all);
    return rc;
}

/* Verifies the mock's signature with GnuTLS against the JWK's key: proof that the baseline signs
 * with the key the mock holds. ECDSA arrives as raw r||s (Key Vault's form) and GnuTLS wants DER.
 */
static int same_key(struct run *r)
{
    struct kv_crypto_result *res = NULL;
    struct kv_error err;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t sig = {NULL, 0}, rr, ss;
    int rc = -1;

    if (kv_key_sign(r->client, r->key_name, NULL, r->alg->name, r->digest.data, r->digest.size,
                    &res, &err) != KV_OK) {
        fprintf(stderr, "warm-up sign over HTTPS: %s\n", err.message);
        goto out;
    }
    if (gnutls_pubkey_init(&pub) < 0 || gnutls_pubkey_import_privkey(pub, r->priv[0], 0, 0) < 0)
        goto out;
    if (r->alg->ec) {
        rr.data = res->value.data;
        rr.size = ss.size = (unsigned)res->value.len / 2;
        ss.data = res->value.data + rr.size;
        if (gnutls_encode_rs_value(&sig, &rr, &ss) < 0)
            goto out;
    } else {
        sig.data = gnutls_malloc(res->value.len);
        if (!sig.data)
            goto out;
        memcpy(sig.data, res->value.data, res->value.len);
        sig.size = (unsigned)res->value.len;
    }
    if (gnutls_pubkey_verify_hash2(pub, r->alg->sign, 0, &r->digest, &sig) < 0) {
        fprintf(stderr, "the mock's %s signature does not verify with the JWK's key\n",
                r->alg->name);
        goto out;
    }
    rc = 0;
out:
    gnutls_free(sig.data);
    gnutls_pubkey_deinit(pub);
    kv_crypto_result_free(res);
    return rc;
}

int main(int argc, char **argv)
{
    static struct run r;
    struct result best_http = {0, 0, 0}, best_tls = {0, 0, 0}, x;
    unsigned long http_ops = 0;
    struct kv_stats before, after;
    unsigned char digest[64];
    int threads, seconds, rounds, rc = 1;

    char target[64] = "";

    if (argc != 10 && argc != 11) {
        fprintf(stderr,
                "usage: %s VAULT_URL AUTHORITY CA_FILE KEY ALG JWK_FILE THREADS SECONDS "
                "ROUNDS [TARGET]\n",
                argv[0]);
        return 2;
    }
    threads = atoi(argv[7]);
    seconds = atoi(argv[8]);
    rounds = atoi(argv[9]);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (strcmp(algs[i].name, argv[5]) == 0)
            r.alg = &algs[i];
    if (!r.alg || threads < 1 || threads > MAX_THREADS || seconds < 1 || rounds < 1) {
        fprintf(stderr, "bad ALG, THREADS (1-%d), SECONDS or ROUNDS\n", MAX_THREADS);
        return 2;
    }
    if (argc == 11)
        snprintf(target, sizeof target, " (target >= %sx)", argv[10]);
    r.key_name = argv[4];
    /* The same digest on both sides: the hash of a fixed text, as an application would sign. */
    r.digest.size = gnutls_hash_get_len(r.alg->hash);
    r.digest.data = digest;
    gnutls_hash_fast(r.alg->hash, "mockvault keybench", 18, digest);
    kv_global_init();
    if (bench_client(argv[1], argv[2], argv[3], &r.client) != 0)
        goto out;
    /* One private key per thread, as an application with a key per worker would hold. */
    for (int i = 0; i < threads; i++)
        if (bench_jwk_privkey(argv[6], &r.priv[i]) != 0)
            goto out;
    if (same_key(&r) != 0)
        goto out;
    kv_client_stats(r.client, &before);
    for (int round = 0; round < rounds; round++) {
        struct kv_client *c = r.client;
        if (measure(&r, threads, seconds, &x) != 0)
            goto out;
        http_ops += x.ops;
        if (x.per_s > best_http.per_s)
            best_http = x;
        r.client = NULL;
        if (measure(&r, threads, seconds, &x) != 0)
            goto out;
        if (x.per_s > best_tls.per_s)
            best_tls = x;
        r.client = c;
    }
    kv_client_stats(r.client, &after);
    printf("%s sign, %d threads: mockvault over HTTPS (kvclient, cached token) %.0f signs/s, p50 "
           "%.0f us; GnuTLS gnutls_privkey_sign_hash2 in-process %.0f signs/s, p50 %.0f us; "
           "ratio %.2fx%s; HTTP requests per sign %.2f, new connections %lu, token fetches %lu\n",
           r.alg->name, threads, best_http.per_s, best_http.p50_us, best_tls.per_s, best_tls.p50_us,
           best_http.per_s / best_tls.per_s, target,
           (double)(after.requests - before.requests) / (double)http_ops,
           after.connections - before.connections, after.token_fetches - before.token_fetches);
    rc = 0;
out:
    for (int i = 0; i < threads && i < MAX_THREADS; i++)
        gnutls_privkey_deinit(r.priv[i]);
    kv_client_destroy(r.client);
    kv_global_cleanup();
    return rc;
}
