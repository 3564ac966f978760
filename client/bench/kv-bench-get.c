/* kv-bench-get.c: 1,000 sequential secret gets with one libkvclient handle and a cached token,
 * against libcurl doing the same 1,000 requests (same headers) on one connection, in the same
 * run (issue 4, scripts/bench). Prints p50/p99 per side, the ratio of total times, and the
 * library's request and connection counts, which show that a get costs exactly one HTTPS request on
 * a reused connection. Usage: kv-bench-get VAULT_URL AUTHORITY CA_FILE [N] [ROUNDS] */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvclient.h"

#define TENANT "11111111-1111-1111-1111-111111111111"
#define ADMIN "aaaaaaaa-0000-0000-0000-000000000001"
#define SECRET_NAME "db-password"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct result {
    double total_ms, p50_us, p99_us;
};

static void summarise(double *lat, int n, double total_us, struct result *r)
{
    qsort(lat, (size_t)n, sizeof *lat, cmp);
    r->total_ms = total_us / 1000;
    r->p50_us = lat[n / 2];
    r->p99_us = lat[(n * 99) / 100];
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    return s * n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s VAULT_URL AUTHORITY CA_FILE [N] [ROUNDS]\n", argv[0]);
        return 2;
    }
    int n = argc > 4 ? atoi(argv[4]) : 1000, rounds = argc > 5 ? atoi(argv[5]) : 3;
    double *lat = calloc((size_t)n, sizeof *lat);
    struct kv_client *c = NULL;
    struct kv_credential *cred = NULL;
    struct kv_error err;
    struct kv_options o;
    struct curl_slist *hl = NULL;
    char *token = NULL, *auth = NULL;
    CURL *h = NULL;
    int rc = 1;
    kv_global_init();
    kv_options_init(&o);
    o.vault_url = argv[1];
    o.ca_file = argv[3];
    if (kv_credential_client_secret(TENANT, ADMIN, "admin-client-secret", argv[2], &cred) ||
        kv_client_create(&o, cred, &c, &err)) {
        fprintf(stderr, "client: %s\n", err.message);
        goto out;
    }
    /* Warm-up: the challenge, the token and the connection. */
    struct kv_secret *s = NULL;
    if (kv_secret_get(c, SECRET_NAME, NULL, &s, &err) != KV_OK) {
        fprintf(stderr, "warm-up get: %s\n", err.message);
        goto out;
    }
    kv_secret_free(s);

    /* The same request for curl: the token from the library's cache (scope of the challenge). */
    char scheme[16], host[256];
    int port = 443;
    if (sscanf(argv[2], "%15[^:]://%255[^:/]:%d", scheme, host, &port) < 2)
        goto out;
    char scope[300], url[600];
    snprintf(scope, sizeof scope, "https://localhost:%d/.default", port);
    if (kv_client_get_token(c, scope, &token, NULL, &err) != KV_OK) {
        fprintf(stderr, "token: %s\n", err.message);
        goto out;
    }
    snprintf(url, sizeof url, "%s/secrets/%s/?api-version=7.5", argv[1], SECRET_NAME);
    auth = malloc(strlen(token) + 32);
    sprintf(auth, "Authorization: Bearer %s", token);
    /* The same request the library sends: its headers (a client request id, as every Azure SDK
     * sends, which the server echoes and journals) and its user agent, so both sides cost the
     * server the same and the ratio measures the client. */
    hl = curl_slist_append(hl, auth);
    hl = curl_slist_append(hl, "Accept: application/json");
    hl = curl_slist_append(hl, "x-ms-client-request-id: 6f1c5a52-0a3e-4a6e-9f3e-2d4f1b2a9c11");
    hl = curl_slist_append(hl, "User-Agent: kvclient/" KV_VERSION_STRING " libcurl");
    h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_CAINFO, argv[3]);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    if (curl_easy_perform(h) != CURLE_OK)
        goto out;

    struct result best_lib = {1e18, 0, 0}, best_curl = {1e18, 0, 0};
    struct kv_stats before, after;
    kv_client_stats(c, &before);
    for (int r = 0; r < rounds; r++) {
        /* Alternating rounds, best of each side, so a noisy moment on a shared machine hurts
         * neither more than the other. */
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            double a = now_us();
            if (kv_secret_get(c, SECRET_NAME, NULL, &s, &err) != KV_OK) {
                fprintf(stderr, "get: %s\n", err.message);
                goto out;
            }
            kv_secret_free(s);
            lat[i] = now_us() - a;
        }
        struct result lr;
        summarise(lat, n, now_us() - t0, &lr);
        if (lr.total_ms < best_lib.total_ms)
            best_lib = lr;
        t0 = now_us();
        for (int i = 0; i < n; i++) {
            double a = now_us();
            long status = 0;
            if (curl_easy_perform(h) != CURLE_OK ||
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
                goto out;
            lat[i] = now_us() - a;
        }
        struct result cr;
        summarise(lat, n, now_us() - t0, &cr);
        if (cr.total_ms < best_curl.total_ms)
            best_curl = cr;
    }
    kv_client_stats(c, &after);
    printf("kvclient: %d gets in %.1f ms, p50 %.0f us, p99 %.0f us\n", n, best_lib.total_ms,
           best_lib.p50_us, best_lib.p99_us);
    printf("curl:     %d gets in %.1f ms, p50 %.0f us, p99 %.0f us\n", n, best_curl.total_ms,
           best_curl.p50_us, best_curl.p99_us);
    printf("ratio kvclient/curl: %.2fx total, %.2fx p50 (target <= 1.2x); HTTP requests per get: "
           "%.2f; new connections during the run: %lu; token fetches during the run: %lu\n",
           best_lib.total_ms / best_curl.total_ms, best_lib.p50_us / best_curl.p50_us,
           (double)(after.requests - before.requests) / ((double)n * rounds),
           after.connections - before.connections, after.token_fetches - before.token_fetches);
    rc = 0;
out:
    if (token) {
        memset(token, 0, strlen(token));
        kv_free_secret(token);
    }
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    curl_slist_free_all(hl);
    if (h)
        curl_easy_cleanup(h);
    kv_client_destroy(c);
    free(lat);
    kv_global_cleanup();
    return rc;
}
