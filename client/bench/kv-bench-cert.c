/* kv-bench-cert.c: self-signed RSA-2048 certificate creation over HTTPS against GnuTLS making the
 * same certificate in-process, in the same run (issue 11, scripts/bench). Each of N rounds
 * creates a version of NAME as an SDK poller does, without its sleeps: kv_certificate_create
 * (POST .../create, 202 inProgress) and then kv_certificate_get_operation until the status is
 * completed (the mock issues a Self certificate when the operation is observed); then GnuTLS
 * generates an RSA-2048 key (gnutls_privkey_generate2) and signs a certificate with the policy's
 * subject, validity, key usage, EKUs and basic constraints (gnutls_x509_crt_privkey_sign,
 * SHA-256) and exports it as DER. Interleaving keeps a noisy moment from landing on one side
 * only. Prints p50 and p99 of each, the ratio of the p50s, and the requests per creation.
 * The mock does more than the baseline for each version (a CSR, and the PKCS#12 of the managed
 * secret), so the ratio is an upper bound of the HTTPS overhead.
 * Usage: kv-bench-cert VAULT_URL AUTHORITY CA_FILE NAME N */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-util.h"

/* The policy of the default's shape (spec §2), RSA-2048 and PFX, written out. */
static const char policy[] =
    "{\"key_props\":{\"exportable\":true,\"kty\":\"RSA\",\"key_size\":2048,\"reuse_key\":false},"
    "\"secret_props\":{\"contentType\":\"application/x-pkcs12\"},"
    "\"x509_props\":{\"subject\":\"CN=bench.example\",\"sans\":{\"dns_names\":[\"bench.example\"]},"
    "\"ekus\":[\"1.3.6.1.5.5.7.3.1\",\"1.3.6.1.5.5.7.3.2\"],"
    "\"key_usage\":[\"digitalSignature\",\"keyEncipherment\"],\"validity_months\":12},"
    "\"issuer\":{\"name\":\"Self\"}}";

/* The baseline: a key and the same kind of certificate, in-process. */
static int gnutls_cert(void)
{
    gnutls_privkey_t k = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t der = {NULL, 0};
    unsigned char serial[16];
    time_t now = time(NULL);
    const char *bad = NULL;
    int ok = gnutls_privkey_init(&k) >= 0 &&
             gnutls_privkey_generate2(k, GNUTLS_PK_RSA, 2048, 0, NULL, 0) >= 0 &&
             gnutls_pubkey_init(&pub) >= 0 && gnutls_pubkey_import_privkey(pub, k, 0, 0) >= 0 &&
             gnutls_x509_crt_init(&crt) >= 0 && gnutls_rnd(GNUTLS_RND_NONCE, serial, 16) >= 0;

    serial[0] &= 0x7f; /* a positive INTEGER */
    ok = ok && gnutls_x509_crt_set_version(crt, 3) >= 0 &&
         gnutls_x509_crt_set_serial(crt, serial, sizeof serial) >= 0 &&
         gnutls_x509_crt_set_dn(crt, "CN=bench.example", &bad) >= 0 &&
         gnutls_x509_crt_set_issuer_dn(crt, "CN=bench.example", &bad) >= 0 &&
         gnutls_x509_crt_set_activation_time(crt, now - 600) >= 0 &&
         gnutls_x509_crt_set_expiration_time(crt, now + 365 * 86400) >= 0 &&
         gnutls_x509_crt_set_pubkey(crt, pub) >= 0 &&
         gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "bench.example", 13,
                                              GNUTLS_FSAN_SET) >= 0 &&
         gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                                GNUTLS_KEY_KEY_ENCIPHERMENT) >= 0 &&
         gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) >= 0 &&
         gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) >= 0 &&
         gnutls_x509_crt_set_basic_constraints(crt, 0, -1) >= 0 &&
         gnutls_x509_crt_privkey_sign(crt, crt, k, GNUTLS_DIG_SHA256, 0) >= 0 &&
         gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) >= 0 && der.size > 0;
    gnutls_free(der.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(k);
    return ok;
}

/* POST create, then GET pending until completed, without waiting out Retry-After. Adds the
 * requests sent to *requests. Returns 0, or -1 after printing what failed. */
static int create_until_completed(struct kv_client *c, const char *name, long *requests)
{
    struct kv_certificate_operation *op = NULL;
    struct kv_error err;
    int rc = -1;

    if (kv_certificate_create(c, name, policy, NULL, &op, &err) != KV_OK) {
        fprintf(stderr, "create: %s\n", err.message);
        return -1;
    }
    (*requests)++;
    for (int polls = 0; polls < 1000; polls++) {
        if (op && strcmp(op->status, "completed") == 0) {
            rc = 0;
            break;
        }
        if (op && strcmp(op->status, "inProgress") != 0) {
            fprintf(stderr, "the operation ended %s\n", op->status);
            break;
        }
        kv_certificate_operation_free(op);
        op = NULL;
        if (kv_certificate_get_operation(c, name, &op, &err) != KV_OK) {
            fprintf(stderr, "get pending: %s\n", err.message);
            break;
        }
        (*requests)++;
    }
    kv_certificate_operation_free(op);
    return rc;
}

int main(int argc, char **argv)
{
    struct kv_client *c = NULL;
    double *lat[2] = {NULL, NULL};
    long requests = 0;
    int n, rc = 1;

    if (argc != 6 || (n = atoi(argv[5])) < 1) {
        fprintf(stderr, "usage: %s VAULT_URL AUTHORITY CA_FILE NAME N\n", argv[0]);
        return 2;
    }
    kv_global_init();
    for (int s = 0; s < 2; s++)
        if (!(lat[s] = calloc((size_t)n, sizeof *lat[s])))
            goto out;
    if (bench_client(argv[1], argv[2], argv[3], &c) != 0)
        goto out;
    /* Warm-up: the challenge, the token, the connection and the name's first version (which
     * files the policy) are not part of a creation. */
    if (create_until_completed(c, argv[4], &requests) != 0 || !gnutls_cert())
        goto out;
    requests = 0;
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        if (create_until_completed(c, argv[4], &requests) != 0)
            goto out;
        double t1 = bench_now_us();
        if (!gnutls_cert()) {
            fprintf(stderr, "GnuTLS could not make the baseline certificate\n");
            goto out;
        }
        lat[0][i] = t1 - t0;
        lat[1][i] = bench_now_us() - t1;
    }
    double p50[2], p99[2];
    for (int s = 0; s < 2; s++) {
        p50[s] = bench_percentile(lat[s], (size_t)n, 50) / 1000;
        p99[s] = bench_percentile(lat[s], (size_t)n, 99) / 1000;
    }
    printf("create self-signed RSA-2048 certificate until completed, %d each, interleaved: "
           "mockvault over HTTPS p50 %.1f ms, p99 %.1f ms (%.2f requests each); GnuTLS key and "
           "certificate in-process p50 %.1f ms, p99 %.1f ms; p50 ratio %.2fx (target <= 1.3x)\n",
           n, p50[0], p99[0], (double)requests / n, p50[1], p99[1], p50[0] / p50[1]);
    rc = 0;
out:
    for (int s = 0; s < 2; s++)
        free(lat[s]);
    kv_client_destroy(c);
    kv_global_cleanup();
    return rc;
}
