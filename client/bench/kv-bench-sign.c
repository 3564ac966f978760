/* kv-bench-sign.c: signing throughput over HTTPS against GnuTLS in-process, in the same run
 * (issue 10, scripts/bench). Three sides, THREADS threads each, SECONDS per run, alternating for
 * ROUNDS rounds, best of each side:
 *  - kvclient: the threads share one libkvclient handle (cached token, kept-alive connections)
 *    and call kv_key_sign on KEY;
 *  - libcurl: one easy handle per thread, kept alive, POSTs the same request with the library's
 *    token and headers (the HTTPS cost without the library's own);
 *  - wrk: the load generator of the GET benchmark (section 1 of scripts/bench) sends the same
 *    request, THREADS threads with one kept-alive connection each, from a script holding the
 *    token (a 0600 file removed at exit); its CPU time is the child's, from wait4. This is the
 *    server's cost with a client that costs little, as a load test would drive it; skipped when
 *    wrk is not installed;
 *  - GnuTLS: gnutls_privkey_sign_hash2 signs the same digest with the same key, read from
 *    JWK_FILE (the key version's "jwk" of GET /_mock/state).
 * The mock's signature is first verified with GnuTLS against that key, so both sides provably
 * sign with one key. With SERVER_PID, each side is also measured in signs per CPU-second (over
 * HTTPS: client and server together), which a busy machine does not skew the way it skews wall
 * time.
 * Usage: kv-bench-sign VAULT_URL AUTHORITY CA_FILE KEY ALG JWK_FILE THREADS SECONDS ROUNDS
 *        [TARGET [SERVER_PID]]
 * (ALG: RS256, RS384, RS512, PS256, ES256, ES384, ES512; TARGET: the ratio to print beside it). */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "cx-base64.h"
#include "cx-mem.h"

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

enum side { SIDE_KVCLIENT = 0, SIDE_CURL, SIDE_WRK, SIDE_GNUTLS, NSIDES };
static const char *const side_names[NSIDES] = {"kvclient", "libcurl loop", "wrk", "GnuTLS"};

struct run {
    const struct alg_map *alg;
    const char *key_name;
    enum side side;
    struct kv_client *client;
    CURL *curl[MAX_THREADS]; /* the libcurl side, one kept-alive handle per thread */
    gnutls_privkey_t priv[MAX_THREADS];
    gnutls_datum_t digest;
    char wrk_script[64]; /* the wrk side's script (it holds the token); "" when wrk is absent */
    char wrk_url[128];
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

    long status = 0;

    if (r->side == SIDE_KVCLIENT) {
        ok = kv_key_sign(r->client, r->key_name, NULL, r->alg->name, r->digest.data, r->digest.size,
                         &res, &err) == KV_OK;
        if (!ok)
            fprintf(stderr, "sign over HTTPS: %s\n", err.message);
        kv_crypto_result_free(res);
    } else if (r->side == SIDE_CURL) {
        ok = curl_easy_perform(r->curl[w->index]) == CURLE_OK &&
             curl_easy_getinfo(r->curl[w->index], CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
             status == 200;
        if (!ok)
            fprintf(stderr, "sign over HTTPS with libcurl: status %ld\n", status);
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
    double per_s, per_cpu_s, p50_us;
    double client_us, server_us; /* CPU per sign: this process, the server */
    unsigned long ops;
};

/* CPU seconds this process has used, every thread. */
static double own_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user and system, every thread) the server process has used, from /proc; 0 when
 * there is no pid or it cannot be read. */
static double server_cpu_s(long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;
    size_t n;

    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "r")))
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces. */
    p = strrchr(buf, ')');
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Reads a wrk report's figures into *out: requests, rate and p50. Returns -1 when wrk saw an
 * answer that was not 2xx or a socket error, or the report lacks a figure. */
static int wrk_report(char *text, struct result *out)
{
    char *save = NULL, unit[4];
    double v;
    int seen = 0;

    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, "Non-2xx") || strstr(line, "Socket errors"))
            return -1;
        /* sscanf counts a number read before a literal fails to match, so each line is told
         * by its text first. */
        if (strstr(line, " requests in ") && sscanf(line, " %lu", &out->ops) == 1)
            seen |= 1;
        else if (strstr(line, "Requests/sec:") &&
                 sscanf(line, " Requests/sec: %lf", &out->per_s) == 1)
            seen |= 2;
        else if (strncmp(line + strspn(line, " "), "50%", 3) == 0 &&
                 sscanf(line, " 50%% %lf%3s", &v, unit) == 2) {
            out->p50_us = strcmp(unit, "us") == 0 ? v : strcmp(unit, "ms") == 0 ? v * 1e3 : v * 1e6;
            seen |= 4;
        }
    }
    return seen == 7 && out->ops > 0 ? 0 : -1;
}

/* The wrk side: one run of wrk as a child process, THREADS threads with a connection each. Its CPU
 * time comes from wait4, the server's from /proc as for the other sides. Returns -1, after
 * printing wrk's report (which holds no token), when wrk failed. */
static int measure_wrk(struct run *r, int threads, int seconds, long server_pid, struct result *out)
{
    char tn[16], dn[16], report[8192], drain[512];
    int fd[2] = {-1, -1}, status = 0, rc = -1;
    size_t len = 0;
    ssize_t n;
    struct rusage ru;
    double srv0 = server_cpu_s(server_pid), own, srv;
    pid_t pid;

    memset(out, 0, sizeof *out);
    snprintf(tn, sizeof tn, "%d", threads);
    snprintf(dn, sizeof dn, "%ds", seconds);
    if (pipe(fd) != 0 || (pid = fork()) < 0)
        goto out;
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        dup2(fd[1], STDERR_FILENO);
        /* wrk sizes its event loop for its own connections (10 + 3 per connection): the
         * descriptors of this process's connections would push its sockets past that. */
        closefrom(STDERR_FILENO + 1);
        execlp("wrk", "wrk", "-t", tn, "-c", tn, "-d", dn, "--latency", "-s", r->wrk_script,
               r->wrk_url, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    fd[1] = -1;
    /* The whole report is read (what does not fit is drained) so wrk never blocks on the pipe. */
    while ((n = read(fd[0], len < sizeof report - 1 ? report + len : drain,
                     len < sizeof report - 1 ? sizeof report - 1 - len : sizeof drain)) != 0) {
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && len < sizeof report - 1)
            len += (size_t)n;
    }
    report[len] = '\0';
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "wrk failed:\n%s", report);
        goto out;
    }
    srv = server_cpu_s(server_pid) - srv0;
    own = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    char copy[sizeof report];
    memcpy(copy, report, len + 1);
    if (wrk_report(copy, out) != 0) {
        fprintf(stderr, "wrk's run was not clean:\n%s", report);
        goto out;
    }
    out->per_cpu_s = own + srv > 0 ? (double)out->ops / (own + srv) : 0;
    out->client_us = own * 1e6 / (double)out->ops;
    out->server_us = srv * 1e6 / (double)out->ops;
    rc = 0;
out:
    if (fd[0] >= 0)
        close(fd[0]);
    if (fd[1] >= 0)
        close(fd[1]);
    return rc;
}

/* THREADS workers for SECONDS; signs per second over the wall time from start to the last join,
 * and the p50 latency of one sign. Returns -1 when a sign failed. */
static int measure(struct run *r, int threads, int seconds, long server_pid, struct result *out)
{
    struct worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    unsigned long total = 0;
    double *all = NULL;
    int started = 0, rc = -1;

    if (r->side == SIDE_WRK)
        return measure_wrk(r, threads, seconds, server_pid, out);
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
    double own0 = own_cpu_s(), srv0 = server_cpu_s(server_pid);
    pthread_barrier_wait(&r->start);
    double t0 = bench_now_us();
    sleep((unsigned)seconds);
    atomic_store(&r->stop, true);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    double took = bench_now_us() - t0;
    double own = own_cpu_s() - own0, srv = server_cpu_s(server_pid) - srv0;
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
    out->per_cpu_s = own + srv > 0 ? (double)total / (own + srv) : 0;
    out->client_us = own * 1e6 / (double)total;
    out->server_us = srv * 1e6 / (double)total;
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

/* The CPU figure of one side, when the server's CPU time is known. */
static const char *cpu_note(const struct result *x, long server_pid, char *buf, size_t len)
{
    if (server_pid <= 0)
        return "";
    if (x->server_us > 0)
        snprintf(buf, len, ", %.0f signs per CPU-second (client %.0f us + server %.0f us)",
                 x->per_cpu_s, x->client_us, x->server_us);
    else
        snprintf(buf, len, ", %.0f signs per CPU-second", x->per_cpu_s);
    return buf;
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    return size * n;
}

/* Whether PROG is an executable file in a directory of PATH. */
static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char dir[PATH_MAX];

    while (path && *path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n + strlen(prog) + 2 <= sizeof dir) {
            snprintf(dir, sizeof dir, "%.*s/%s", (int)n, path, prog);
            if (access(dir, X_OK) == 0)
                return true;
        }
        path += n + (path[n] == ':');
    }
    return false;
}

/* The wrk side's script: the request kv_key_sign sends, with the token, in a file only this user
 * can read (removed at exit). wrk connects to the loopback address of VAULT_URL's port and sends
 * the vault's Host. Leaves r->wrk_script empty when wrk is not installed. Returns -1 on failure. */
static int wrk_setup(struct run *r, const char *vault_url, const char *token, const char *body)
{
    char scheme[16], host[256];
    int port = 443, fd = -1, rc = -1;
    FILE *f = NULL;

    r->wrk_script[0] = '\0';
    if (!on_path("wrk"))
        return 0;
    if (sscanf(vault_url, "%15[^:]://%255[^:/]:%d", scheme, host, &port) < 2)
        goto out;
    snprintf(r->wrk_url, sizeof r->wrk_url, "https://127.0.0.1:%d/keys/%s/sign?api-version=7.5",
             port, r->key_name);
    snprintf(r->wrk_script, sizeof r->wrk_script, "%s/kv-bench-sign-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if ((fd = mkstemp(r->wrk_script)) < 0 || !(f = fdopen(fd, "w"))) {
        r->wrk_script[0] = '\0';
        goto out;
    }
    fd = -1;
    /* Long brackets quote the JSON body for Lua. */
    fprintf(f,
            "wrk.method = \"POST\"\nwrk.body = [==[%s]==]\n"
            "wrk.headers[\"Host\"] = \"%s:%d\"\n"
            "wrk.headers[\"Authorization\"] = \"Bearer %s\"\n"
            "wrk.headers[\"Accept\"] = \"application/json\"\n"
            "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
            "wrk.headers[\"x-ms-client-request-id\"] = "
            "\"6f1c5a52-0a3e-4a6e-9f3e-2d4f1b2a9c11\"\n",
            body, host, port, token);
    rc = fclose(f) == 0 ? 0 : -1;
    f = NULL;
out:
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The libcurl side: the request kv_key_sign sends (its token, headers and body), on one
 * kept-alive handle per thread, each connected by a first request. The token comes from the
 * library's cache. *hl and *body belong to the caller (freed after the handles). */
static int curl_setup(struct run *r, int threads, const char *vault_url, const char *authority,
                      const char *ca_file, struct curl_slist **hl, char **body)
{
    char scheme[16], host[256], scope[300], url[700], *token = NULL, *auth = NULL, *value = NULL;
    struct kv_error err;
    int port = 443, rc = -1;
    size_t len;

    if (sscanf(authority, "%15[^:]://%255[^:/]:%d", scheme, host, &port) < 2)
        goto out;
    snprintf(scope, sizeof scope, "https://localhost:%d/.default", port);
    if (kv_client_get_token(r->client, scope, &token, NULL, &err) != KV_OK) {
        fprintf(stderr, "token: %s\n", err.message);
        goto out;
    }
    len = strlen(token) + 32;
    if (!(auth = malloc(len)) || !(value = cx_b64url_encode(r->digest.data, r->digest.size)))
        goto out;
    snprintf(auth, len, "Authorization: Bearer %s", token);
    len = strlen(value) + 64;
    if (!(*body = malloc(len)))
        goto out;
    snprintf(*body, len, "{\"alg\":\"%s\",\"value\":\"%s\"}", r->alg->name, value);
    snprintf(url, sizeof url, "%s/keys/%s/sign?api-version=7.5", vault_url, r->key_name);
    *hl = curl_slist_append(*hl, auth);
    *hl = curl_slist_append(*hl, "Accept: application/json");
    *hl = curl_slist_append(*hl, "Content-Type: application/json");
    *hl = curl_slist_append(*hl, "x-ms-client-request-id: 6f1c5a52-0a3e-4a6e-9f3e-2d4f1b2a9c11");
    *hl = curl_slist_append(*hl, "User-Agent: kvclient/" KV_VERSION_STRING " libcurl");
    if (wrk_setup(r, vault_url, token, *body) != 0)
        goto out;
    for (int i = 0; i < threads; i++) {
        CURL *h = r->curl[i] = curl_easy_init();
        long status = 0;
        if (!h)
            goto out;
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hl);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, *body);
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
        if (curl_easy_perform(h) != CURLE_OK ||
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200) {
            fprintf(stderr, "warm-up sign with libcurl: status %ld\n", status);
            goto out;
        }
    }
    rc = 0;
out:
    if (token)
        kv_free_secret(token);
    if (auth)
        cx_wipe_free(auth, strlen(auth));
    free(value);
    return rc;
}

/* One side's line: throughput, p50, CPU, and the ratio to the GnuTLS side. */
static void print_side(const struct run *r, int threads, enum side side, const struct result *wall,
                       const struct result *cpu, const struct result *tls_wall,
                       const struct result *tls_cpu, long server_pid, const char *target)
{
    char note[128], tls_note[128], cpu_ratio[96] = "";

    /* Counting the server alone is the ratio a machine with cores to spare for the client
     * would show by throughput. */
    if (server_pid > 0 && tls_cpu->per_cpu_s > 0 && cpu->server_us > 0)
        snprintf(cpu_ratio, sizeof cpu_ratio,
                 ", %.2fx per CPU-second (%.2fx counting the server alone)",
                 cpu->per_cpu_s / tls_cpu->per_cpu_s, 1e6 / cpu->server_us / tls_cpu->per_cpu_s);
    printf("%s sign, %d threads, %s: mockvault over HTTPS (cached token) %.0f signs/s, p50 %.0f "
           "us%s; GnuTLS gnutls_privkey_sign_hash2 in-process %.0f signs/s, p50 %.0f us%s; ratio "
           "%.2fx by throughput%s%s",
           r->alg->name, threads, side_names[side], wall->per_s, wall->p50_us,
           cpu_note(cpu, server_pid, note, sizeof note), tls_wall->per_s, tls_wall->p50_us,
           cpu_note(tls_cpu, server_pid, tls_note, sizeof tls_note), wall->per_s / tls_wall->per_s,
           cpu_ratio, target);
}

int main(int argc, char **argv)
{
    static struct run r;
    /* Per side: the best round by wall time and the best by CPU time. */
    struct result wall[NSIDES], cpu[NSIDES], x;
    unsigned long kv_ops = 0;
    struct kv_stats before, after;
    struct curl_slist *hl = NULL;
    unsigned char digest[64];
    char target[64] = "", *body = NULL;
    long server_pid = 0;
    int threads, seconds, rounds, rc = 1;

    memset(wall, 0, sizeof wall);
    memset(cpu, 0, sizeof cpu);
    if (argc < 10 || argc > 12) {
        fprintf(stderr,
                "usage: %s VAULT_URL AUTHORITY CA_FILE KEY ALG JWK_FILE THREADS SECONDS "
                "ROUNDS [TARGET [SERVER_PID]]\n",
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
    if (argc > 10)
        snprintf(target, sizeof target, " (target >= %sx)", argv[10]);
    if (argc > 11)
        server_pid = atol(argv[11]);
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
    if (same_key(&r) != 0 || curl_setup(&r, threads, argv[1], argv[2], argv[3], &hl, &body) != 0)
        goto out;
    kv_client_stats(r.client, &before);
    for (int round = 0; round < rounds; round++)
        for (r.side = 0; r.side < NSIDES; r.side++) {
            if (r.side == SIDE_WRK && !r.wrk_script[0])
                continue;
            if (measure(&r, threads, seconds, server_pid, &x) != 0)
                goto out;
            if (r.side == SIDE_KVCLIENT)
                kv_ops += x.ops;
            if (x.per_s > wall[r.side].per_s)
                wall[r.side] = x;
            if (x.per_cpu_s > cpu[r.side].per_cpu_s)
                cpu[r.side] = x;
        }
    kv_client_stats(r.client, &after);
    /* The GnuTLS side's CPU is its own alone: the server idles then. */
    cpu[SIDE_GNUTLS].server_us = 0;
    print_side(&r, threads, SIDE_KVCLIENT, &wall[SIDE_KVCLIENT], &cpu[SIDE_KVCLIENT],
               &wall[SIDE_GNUTLS], &cpu[SIDE_GNUTLS], server_pid, target);
    printf("; HTTP requests per sign %.2f, new connections %lu, token fetches %lu\n",
           (double)(after.requests - before.requests) / (double)kv_ops,
           after.connections - before.connections, after.token_fetches - before.token_fetches);
    print_side(&r, threads, SIDE_CURL, &wall[SIDE_CURL], &cpu[SIDE_CURL], &wall[SIDE_GNUTLS],
               &cpu[SIDE_GNUTLS], server_pid, target);
    printf("\n");
    if (r.wrk_script[0]) {
        print_side(&r, threads, SIDE_WRK, &wall[SIDE_WRK], &cpu[SIDE_WRK], &wall[SIDE_GNUTLS],
                   &cpu[SIDE_GNUTLS], server_pid, target);
        printf("\n");
    }
    rc = 0;
out:
    if (r.wrk_script[0])
        unlink(r.wrk_script);
    for (int i = 0; i < threads && i < MAX_THREADS; i++) {
        gnutls_privkey_deinit(r.priv[i]);
        if (r.curl[i])
            curl_easy_cleanup(r.curl[i]);
    }
    curl_slist_free_all(hl);
    free(body);
    kv_client_destroy(r.client);
    kv_global_cleanup();
    return rc;
}
