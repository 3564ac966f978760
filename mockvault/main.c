/* main.c: mockvault's command line: options, start, wait for SIGINT/SIGTERM, stop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "cx-version.h" /* the one version, meson's project version */
#include "server.h"

static void usage(FILE *f)
{
    fputs(
        "Usage: mockvault [OPTION]...\n"
        "An offline stand-in for Azure Key Vault (secrets) and Entra ID token endpoints.\n"
        "\n"
        "  --port N            HTTPS port on the bind address (default 8443; 0 = a free port)\n"
        "  --bind ADDR         loopback address to listen on (default 127.0.0.1; ::1 for IPv6)\n"
        "  --fixtures FILE     fixture to load (default fixtures/default.json when it exists)\n"
        "  --state-dir DIR     persist every acknowledged write, the CA and the keys in DIR;\n"
        "                      a snapshot there wins over the fixture on restart\n"
        "  --ready-file FILE   write {\"url\",\"port\",\"ca\",\"proxy\"} once every listener "
        "accepts\n"
        "  --http              serve plain HTTP (for curl only: the SDKs refuse bearer tokens\n"
        "                      over http)\n"
        "  --tls-cert FILE     use this certificate chain (PEM) instead of the generated one\n"
        "  --tls-key FILE      ... and this private key\n"
        "  --san NAME          add NAME (DNS name or IP) to the generated certificate; repeatable\n"
        "  --seed N            deterministic ids (secret versions, request ids)\n"
        "  --threads N         server threads (default 2)\n"
        "  --log-format FMT    text (default), json or off: one line per request\n"
        "  --proxy-port N      also run the HTTPS proxy (CONNECT to Azure names) on port N\n"
        "                      (0 = a free port; off when absent)\n"
        "  --strict-expiry     refuse GET of expired or not-yet-valid secrets with 403 (a\n"
        "                      mock-only rule: the real service returns them)\n"
        "  --token-lifetime S  lifetime of issued tokens in seconds (default 3599)\n"
        "  --authz MODE        enforce (default): access policies and RBAC decide; audit: allow\n"
        "                      but log each would-be denial; off: any valid token may do anything\n"
        "  --imds-port N       also serve managed identity (IMDS style) over plain http on port N\n"
        "                      (0 = a free port), like 169.254.169.254\n"
        "  --identity-header S App Service managed identity: X-IDENTITY-HEADER must equal S\n"
        "  --audit-log FILE    append every request's journal entry to FILE as one JSON line\n"
        "                      (no values, tokens or secrets; created 0600)\n"
        "  --throttle MODE     azure: enforce Key Vault's per-vault limits (4,000 transactions\n"
        "                      and 300 SetSecret per 10 s, sliding window) with the real 429\n"
        "                      Throttled body; off (default): no limits\n"
        "  --throttle-limits T,C[,S]  with --throttle azure, allow T transactions and C secret\n"
        "                      creations per S seconds (default 4000,300,10), so tests reach the\n"
        "                      limit quickly; PUT /_mock/throttle changes them at run time\n"
        "  --max-connections N open connections served at once, both listeners together\n"
        "                      (default 4096); one more is answered 503 and closed\n"
        "  --max-connections-per-ip N  open connections from one peer address (default 3072)\n"
        "  --request-timeout S a request's head and body must arrive within S seconds of its\n"
        "                      first byte, or the connection is closed (default 30)\n"
        "  --idle-timeout S    close a connection after S seconds without traffic (default 60)\n"
        "  --help              show this help and exit\n"
        "  --version           show the version and exit\n"
        "\n"
        "Control API (loopback only): GET /_mock/health, POST /_mock/reset, GET|PUT /_mock/state,\n"
        "GET|POST /_mock/clock, GET /_mock/ca.pem, GET|DELETE /_mock/requests (the journal),\n"
        "GET|PUT /_mock/vaults/{name}/accessPolicies and .../roleAssignments, GET "
        "/_mock/authz/needed,\n"
        "POST|GET|DELETE /_mock/faults and DELETE /_mock/faults/{id} (fault injection: a status "
        "with\n"
        "the real error body, Retry-After, a delay, a dropped connection or a truncated body, for\n"
        "the next N matches, every Nth or with a probability drawn from --seed),\n"
        "GET|PUT /_mock/throttle ({\"mode\",\"transactions\",\"creations\",\"windowSeconds\"}).\n",
        f);
}

/* Parses a decimal integer in [min, max]; exits with a message naming the option otherwise. */
static bool parse_num(const char *opt, const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "mockvault: %s expects a number from %lld to %lld, got '%s'\n", opt, min,
                max, s);
        return false;
    }
    *out = v;
    return true;
}

/* --throttle-limits T,C[,S]: fills cfg's throttle limits. Returns 0, or -1 when the text is not
 * two or three whole numbers in range. */
static int parse_limits(const char *s, struct mv_server_config *cfg)
{
    unsigned long v[3] = {0, 0, 10};
    const char *p = s;
    char *end;
    int n = 0;

    for (;;) {
        if (*p < '0' || *p > '9')
            return -1;
        errno = 0;
        v[n] = strtoul(p, &end, 10);
        if (errno || v[n] < 1 || v[n] > (n == 2 ? 3600ul : 1000000ul))
            return -1;
        n++;
        if (*end == '\0')
            break;
        if (*end != ',' || n == 3)
            return -1;
        p = end + 1;
    }
    if (n < 2)
        return -1;
    cfg->throttle_transactions = (unsigned)v[0];
    cfg->throttle_creations = (unsigned)v[1];
    cfg->throttle_window = (unsigned)v[2];
    return 0;
}

/* Fills cfg (and sans, which must hold argc entries) from the command line. Returns -1 when the
 * server should start, otherwise the exit code (0 after --help or --version, 2 for bad usage,
 * after saying what is wrong). */
static int parse_args(int argc, char **argv, struct mv_server_config *cfg, const char **sans)
{
    enum {
        O_PORT = 256,
        O_BIND,
        O_FIXTURES,
        O_STATE_DIR,
        O_READY,
        O_HTTP,
        O_CERT,
        O_KEY,
        O_SAN,
        O_SEED,
        O_THREADS,
        O_LOGFMT,
        O_PROXY,
        O_STRICT,
        O_LIFETIME,
        O_AUTHZ,
        O_IMDS,
        O_IDHDR,
        O_AUDIT_LOG,
        O_THROTTLE,
        O_THROTTLE_LIMITS,
        O_MAX_CONNS,
        O_MAX_CONNS_IP,
        O_REQ_TIMEOUT,
        O_IDLE_TIMEOUT,
        O_HELP,
        O_VERSION,
    };
    static const struct option opts[] = {
        {"port", required_argument, NULL, O_PORT},
        {"bind", required_argument, NULL, O_BIND},
        {"fixtures", required_argument, NULL, O_FIXTURES},
        {"state-dir", required_argument, NULL, O_STATE_DIR},
        {"ready-file", required_argument, NULL, O_READY},
        {"http", no_argument, NULL, O_HTTP},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"san", required_argument, NULL, O_SAN},
        {"seed", required_argument, NULL, O_SEED},
        {"threads", required_argument, NULL, O_THREADS},
        {"log-format", required_argument, NULL, O_LOGFMT},
        {"proxy-port", required_argument, NULL, O_PROXY},
        {"strict-expiry", no_argument, NULL, O_STRICT},
        {"token-lifetime", required_argument, NULL, O_LIFETIME},
        {"authz", required_argument, NULL, O_AUTHZ},
        {"imds-port", required_argument, NULL, O_IMDS},
        {"identity-header", required_argument, NULL, O_IDHDR},
        {"audit-log", required_argument, NULL, O_AUDIT_LOG},
        {"throttle", required_argument, NULL, O_THROTTLE},
        {"throttle-limits", required_argument, NULL, O_THROTTLE_LIMITS},
        {"max-connections", required_argument, NULL, O_MAX_CONNS},
        {"max-connections-per-ip", required_argument, NULL, O_MAX_CONNS_IP},
        {"request-timeout", required_argument, NULL, O_REQ_TIMEOUT},
        {"idle-timeout", required_argument, NULL, O_IDLE_TIMEOUT},
        {"help", no_argument, NULL, O_HELP},
        {"version", no_argument, NULL, O_VERSION},
        {NULL, 0, NULL, 0},
    };
    long long n;
    int c;
    bool fixtures_given = false;

/* A numeric option: its value in range, or exit code 2 after the message. */
#define NUM(field, opt, min, max)                                                                  \
    do {                                                                                           \
        if (!parse_num((opt), optarg, (min), (max), &n))                                           \
            return 2;                                                                              \
        (field) = n;                                                                               \
    } while (0)

    memset(cfg, 0, sizeof *cfg);
    cfg->port = 8443;
    cfg->proxy_port = -1;
    cfg->fixtures = "fixtures/default.json";
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_PORT: NUM(cfg->port, "--port", 0, 65535); break;
        case O_BIND: cfg->bind = optarg; break;
        case O_FIXTURES:
            cfg->fixtures = optarg;
            fixtures_given = true;
            break;
        case O_STATE_DIR: cfg->state_dir = optarg; break;
        case O_READY: cfg->ready_file = optarg; break;
        case O_HTTP: cfg->http = true; break;
        case O_CERT: cfg->tls_cert = optarg; break;
        case O_KEY: cfg->tls_key = optarg; break;
        case O_SAN: sans[cfg->nsans++] = optarg; break;
        case O_SEED:
            cfg->has_seed = true;
            NUM(cfg->seed, "--seed", 0, LLONG_MAX);
            break;
        case O_THREADS: NUM(cfg->threads, "--threads", 1, 256); break;
        case O_LOGFMT:
            if (strcmp(optarg, "text") == 0)
                cfg->log_format = MV_LOG_TEXT;
            else if (strcmp(optarg, "json") == 0)
                cfg->log_format = MV_LOG_JSON;
            else if (strcmp(optarg, "off") == 0)
                cfg->log_format = MV_LOG_OFF;
            else {
                fprintf(stderr, "mockvault: --log-format expects text, json or off, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case O_PROXY: NUM(cfg->proxy_port, "--proxy-port", 0, 65535); break;
        case O_STRICT: cfg->strict_expiry = true; break;
        case O_LIFETIME: NUM(cfg->token_lifetime, "--token-lifetime", 60, 86400 * 7); break;
        case O_AUTHZ:
            if (strcmp(optarg, "enforce") == 0)
                cfg->authz = MV_AUTHZ_ENFORCE;
            else if (strcmp(optarg, "audit") == 0)
                cfg->authz = MV_AUTHZ_AUDIT;
            else if (strcmp(optarg, "off") == 0)
                cfg->authz = MV_AUTHZ_OFF;
            else {
                fprintf(stderr, "mockvault: --authz expects enforce, audit or off, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case O_IMDS:
            cfg->imds = true;
            NUM(cfg->imds_port, "--imds-port", 0, 65535);
            break;
        case O_IDHDR: cfg->identity_header = optarg; break;
        case O_AUDIT_LOG: cfg->audit_log = optarg; break;
        case O_THROTTLE:
            if (strcmp(optarg, "azure") == 0)
                cfg->throttle = true;
            else if (strcmp(optarg, "off") == 0)
                cfg->throttle = false;
            else {
                fprintf(stderr, "mockvault: --throttle expects azure or off, got '%s'\n", optarg);
                return 2;
            }
            break;
        case O_THROTTLE_LIMITS:
            if (parse_limits(optarg, cfg) != 0) {
                fprintf(stderr,
                        "mockvault: --throttle-limits expects TRANSACTIONS,CREATIONS[,SECONDS] "
                        "(whole numbers from 1 to 1000000, seconds up to 3600), got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case O_MAX_CONNS: NUM(cfg->max_connections, "--max-connections", 1, 1000000); break;
        case O_MAX_CONNS_IP:
            NUM(cfg->max_connections_per_ip, "--max-connections-per-ip", 1, 1000000);
            break;
        case O_REQ_TIMEOUT: NUM(cfg->request_timeout, "--request-timeout", 1, 86400); break;
        case O_IDLE_TIMEOUT: NUM(cfg->idle_timeout, "--idle-timeout", 1, 86400); break;
        case O_HELP: usage(stdout); return 0;
        case O_VERSION: printf("mockvault %s\n", CX_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
#undef NUM
    if (optind < argc) {
        fprintf(stderr, "mockvault: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!fixtures_given && access(cfg->fixtures, R_OK) != 0)
        cfg->fixtures = NULL; /* no default fixture here: start empty */
    cfg->sans = sans;
    return -1;
}

int main(int argc, char **argv)
{
    struct mv_server_config cfg;
    struct mv_server *srv = NULL;
    const char **sans = calloc((size_t)argc + 1, sizeof *sans);
    char err[2048];
    sigset_t set;
    int sig = 0, rc = 1;

    if (!sans)
        goto out;
    rc = parse_args(argc, argv, &cfg, sans);
    if (rc >= 0)
        goto out;
    rc = 1;
    /* Block the stop signals before any thread starts, so only sigwait below receives them. A
     * shell starts background jobs with SIGINT ignored, and an ignored signal is discarded rather
     * than queued for sigwait, so the default action is restored first. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (mv_server_start(&cfg, &srv, err, sizeof err) != 0) {
        fprintf(stderr, "mockvault: %s\n", err);
        goto out;
    }
    sigwait(&set, &sig);
    fprintf(stderr, "mockvault: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = 0;
out:
    mv_server_stop(srv);
    free(sans);
    return rc;
}
