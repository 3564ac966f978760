/* main.c: mockvault's command line: options, start, wait for SIGINT/SIGTERM, stop. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "cx-version.h" /* the one version, meson's project version */
#include "consistency.h"
#include "health.h"
#include "server.h"

static void usage(FILE *f)
{
    fputs(
        "Usage: mockvault [OPTION]...\n"
        "An offline stand-in for Azure Key Vault (secrets) and Entra ID token endpoints.\n"
        "\n"
        "  --port N            HTTPS port on the bind address (default 8443; 0 = a free port)\n"
        "  --bind ADDR         loopback address to listen on (default 127.0.0.1; ::1 for IPv6);\n"
        "                      any address with --allow-remote-peers\n"
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
        "  --allow-remote-peers  let --bind name any address (0.0.0.0 in a container); peers\n"
        "                      that are not loopback then need the control token for /_mock\n"
        "                      (all but /_mock/health and /_mock/ca.pem)\n"
        "  --control-token T   the token those peers send in X-Mockvault-Control-Token (default:\n"
        "                      control-token in the state dir, else a new one; printed at start)\n"
        "  --print-ca          print the CA certificate on stdout at start\n"
        "  --consistency MODE  azure: a delete, recover or purge becomes visible only after a\n"
        "                      delay, as on the real service (404 on the deleted object right\n"
        "                      after a delete, 404 on the name right after a recover, 409 while\n"
        "                      in progress); instant (default): at once\n"
        "  --consistency-delay MIN-MAX  that delay's range in milliseconds, drawn per transition\n"
        "                      from --seed (default 1000-5000, as recorded); the mock clock\n"
        "                      drives it, so advancing the clock completes transitions\n"
        "  --paging MODE       azure: list pages may be short or empty while carrying a\n"
        "                      nextLink, and the last is {\"value\":[],\"nextLink\":null}, drawn\n"
        "                      from --seed; off (default): full pages\n"
        "  --health[=URL]      check a running mock and exit: 0 when GET URL answers 200 within\n"
        "                      3 s, else 1 (default URL: /_mock/health of the mock these options\n"
        "                      describe; its CA from the state dir is trusted when there)\n"
        "  --help              show this help and exit\n"
        "  --version           show the version and exit\n"
        "\n"
        "Every option but --health, --help and --version may be set in the environment instead:\n"
        "MOCKVAULT_ and the name in capitals, '_' for '-' (MOCKVAULT_STATE_DIR=/data); a flag "
        "wins\n"
        "over its variable, an empty value is unset, switches take 1|true|yes|on or\n"
        "0|false|no|off, and MOCKVAULT_SAN takes names separated by commas.\n"
        "\n"
        "Control API (loopback peers; others with the control token): GET /_mock/health,\n"
        "POST /_mock/reset, GET|PUT /_mock/state, GET|POST /_mock/clock, GET /_mock/ca.pem,\n"
        "GET|DELETE /_mock/requests (the journal), GET|PUT /_mock/vaults/{name}/accessPolicies\n"
        "and .../roleAssignments, GET /_mock/authz/needed, POST|GET|DELETE /_mock/faults and\n"
        "DELETE /_mock/faults/{id} (fault injection: a status with the real error body,\n"
        "Retry-After, a delay, a dropped connection or a truncated body, for the next N matches,\n"
        "every Nth or with a probability drawn from --seed), GET|PUT /_mock/throttle\n"
        "({\"mode\",\"transactions\",\"creations\",\"windowSeconds\"}), GET|PUT\n"
        "/_mock/consistency ({\"mode\",\"delayMs\":{\"min\",\"max\"},\"paging\"}; GET lists the\n"
        "pending transitions) and POST /_mock/consistency/settle.\n",
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
    O_ALLOW_REMOTE,
    O_CONTROL_TOKEN,
    O_PRINT_CA,
    O_CONSISTENCY,
    O_CONSISTENCY_DELAY,
    O_PAGING,
    O_HEALTH, /* the options from here on have no environment variable */
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
    {"allow-remote-peers", no_argument, NULL, O_ALLOW_REMOTE},
    {"control-token", required_argument, NULL, O_CONTROL_TOKEN},
    {"print-ca", no_argument, NULL, O_PRINT_CA},
    {"consistency", required_argument, NULL, O_CONSISTENCY},
    {"consistency-delay", required_argument, NULL, O_CONSISTENCY_DELAY},
    {"paging", required_argument, NULL, O_PAGING},
    {"health", optional_argument, NULL, O_HEALTH},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

/* What parsing found besides cfg. */
struct parsed {
    const char **sans; /* cfg->sans: room for every --san and every MOCKVAULT_SAN name */
    bool fixtures_given;
    bool health;            /* --health: check a running mock instead of starting one */
    const char *health_url; /* NULL = the mock these options describe */
};

/* A switch's value from the environment: 1, true, yes or on set it; 0, false, no or off clear it.
 * Returns -1 for anything else. */
static int env_bool(const char *v)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Applies one option c with argument arg (NULL for a switch given as a flag). name is what a
 * message calls it: "--port" or "MOCKVAULT_PORT". Returns 0, or 2 after saying what is wrong. */
static int apply(int c, const char *arg, const char *name, struct mv_server_config *cfg,
                 struct parsed *ps)
{
    long long n;
    int on = 1;

    if (!arg)
        arg = "";
    else if (c == O_HTTP || c == O_STRICT || c == O_ALLOW_REMOTE || c == O_PRINT_CA) {
        on = env_bool(arg);
        if (on < 0) {
            fprintf(stderr,
                    "mockvault: %s expects 1, true, yes, on, 0, false, no or off, got '%s'\n", name,
                    arg);
            return 2;
        }
    }
/* A numeric option: its value in range, or exit code 2 after the message. */
#define NUM(field, min, max)                                                                       \
    do {                                                                                           \
        if (!parse_num(name, arg, (min), (max), &n))                                               \
            return 2;                                                                              \
        (field) = n;                                                                               \
    } while (0)
/* An option that is one of three words: its index, or exit code 2 after the message. */
#define WORD(field, w0, w1, w2)                                                                    \
    do {                                                                                           \
        const char *const words[] = {(w0), (w1), (w2)};                                            \
        size_t k = 0;                                                                              \
        while (k < 3 && strcmp(arg, words[k]) != 0)                                                \
            k++;                                                                                   \
        if (k == 3) {                                                                              \
            fprintf(stderr, "mockvault: %s expects %s, %s or %s, got '%s'\n", name, (w0), (w1),    \
                    (w2), arg);                                                                    \
            return 2;                                                                              \
        }                                                                                          \
        (field) = k;                                                                               \
    } while (0)
    switch (c) {
    case O_PORT: NUM(cfg->port, 0, 65535); break;
    case O_BIND: cfg->bind = arg; break;
    case O_FIXTURES:
        cfg->fixtures = arg;
        ps->fixtures_given = true;
        break;
    case O_STATE_DIR: cfg->state_dir = arg; break;
    case O_READY: cfg->ready_file = arg; break;
    case O_HTTP: cfg->http = on; break;
    case O_CERT: cfg->tls_cert = arg; break;
    case O_KEY: cfg->tls_key = arg; break;
    case O_SAN: ps->sans[cfg->nsans++] = arg; break;
    case O_SEED:
        cfg->has_seed = true;
        NUM(cfg->seed, 0, LLONG_MAX);
        break;
    case O_THREADS: NUM(cfg->threads, 1, 256); break;
    case O_LOGFMT: WORD(cfg->log_format, "text", "json", "off"); break;
    case O_PROXY: NUM(cfg->proxy_port, 0, 65535); break;
    case O_STRICT: cfg->strict_expiry = on; break;
    case O_LIFETIME: NUM(cfg->token_lifetime, 60, 86400 * 7); break;
    case O_AUTHZ: WORD(cfg->authz, "enforce", "audit", "off"); break;
    case O_IMDS:
        cfg->imds = true;
        NUM(cfg->imds_port, 0, 65535);
        break;
    case O_IDHDR: cfg->identity_header = arg; break;
    case O_AUDIT_LOG: cfg->audit_log = arg; break;
    case O_THROTTLE:
        if (strcmp(arg, "azure") != 0 && strcmp(arg, "off") != 0) {
            fprintf(stderr, "mockvault: %s expects azure or off, got '%s'\n", name, arg);
            return 2;
        }
        cfg->throttle = strcmp(arg, "azure") == 0;
        break;
    case O_THROTTLE_LIMITS:
        if (parse_limits(arg, cfg) != 0) {
            fprintf(stderr,
                    "mockvault: %s expects TRANSACTIONS,CREATIONS[,SECONDS] (whole numbers from "
                    "1 to 1000000, seconds up to 3600), got '%s'\n",
                    name, arg);
            return 2;
        }
        break;
    case O_MAX_CONNS: NUM(cfg->max_connections, 1, 1000000); break;
    case O_MAX_CONNS_IP: NUM(cfg->max_connections_per_ip, 1, 1000000); break;
    case O_REQ_TIMEOUT: NUM(cfg->request_timeout, 1, 86400); break;
    case O_IDLE_TIMEOUT: NUM(cfg->idle_timeout, 1, 86400); break;
    case O_ALLOW_REMOTE: cfg->allow_remote = on; break;
    case O_CONTROL_TOKEN: cfg->control_token = arg; break;
    case O_PRINT_CA: cfg->print_ca = on; break;
    case O_CONSISTENCY:
        if (strcmp(arg, "azure") != 0 && strcmp(arg, "instant") != 0) {
            fprintf(stderr, "mockvault: %s expects azure or instant, got '%s'\n", name, arg);
            return 2;
        }
        cfg->consistency_azure = strcmp(arg, "azure") == 0;
        break;
    case O_CONSISTENCY_DELAY: {
        struct mv_consist_config cc;
        if (!mv_consist_parse_delay(arg, &cc)) {
            fprintf(stderr,
                    "mockvault: %s expects MIN-MAX in milliseconds (whole numbers, MIN <= MAX <= "
                    "%u), got '%s'\n",
                    name, MV_CX_DELAY_LIMIT_MS, arg);
            return 2;
        }
        cfg->has_consistency_delay = true;
        cfg->consistency_min_ms = cc.min_ms;
        cfg->consistency_max_ms = cc.max_ms;
        break;
    }
    case O_PAGING:
        if (strcmp(arg, "azure") != 0 && strcmp(arg, "off") != 0) {
            fprintf(stderr, "mockvault: %s expects azure or off, got '%s'\n", name, arg);
            return 2;
        }
        cfg->paging_azure = strcmp(arg, "azure") == 0;
        break;
    case O_HEALTH:
        ps->health = true;
        ps->health_url = arg[0] ? arg : NULL;
        break;
    default: return 2;
    }
#undef NUM
#undef WORD
    return 0;
}

/* The environment variable of an option: MOCKVAULT_ and its name in capitals, '-' as '_'. */
static void env_name(const char *opt, char *buf, size_t len)
{
    size_t i = (size_t)snprintf(buf, len, "MOCKVAULT_");

    for (; *opt && i + 1 < len; opt++)
        buf[i++] = *opt == '-' ? '_' : (char)toupper((unsigned char)*opt);
    buf[i] = '\0';
}

/* Applies every option set in the environment (an empty value counts as unset), before the
 * command line, whose flags therefore win. MOCKVAULT_SAN holds names separated by commas or
 * spaces, each added as a --san; env_sans keeps their storage. Returns 0, or 2. */
static int apply_env(struct mv_server_config *cfg, struct parsed *ps, char **env_sans)
{
    char name[64];

    for (const struct option *o = opts; o->name && o->val < O_HEALTH; o++) {
        const char *v;
        env_name(o->name, name, sizeof name);
        v = getenv(name);
        if (!v || !v[0])
            continue;
        if (o->val == O_SAN) {
            char *save = NULL;
            *env_sans = strdup(v);
            if (!*env_sans)
                return 2;
            for (char *t = strtok_r(*env_sans, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
                ps->sans[cfg->nsans++] = t;
            continue;
        }
        if (apply(o->val, v, name, cfg, ps) != 0)
            return 2;
    }
    return 0;
}

/* Fills cfg and ps from the environment and the command line. Returns -1 when the server should
 * start (or, with ps->health, be checked), otherwise the exit code (0 after --help or --version,
 * 2 for bad usage, after saying what is wrong). */
static int parse_args(int argc, char **argv, struct mv_server_config *cfg, struct parsed *ps,
                      char **env_sans)
{
    int c;

    memset(cfg, 0, sizeof *cfg);
    cfg->port = 8443;
    cfg->proxy_port = -1;
    cfg->fixtures = "fixtures/default.json";
    if (apply_env(cfg, ps, env_sans) != 0)
        return 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const struct option *o = opts;
        char flag[64];
        if (c == O_HELP) {
            usage(stdout);
            return 0;
        }
        if (c == O_VERSION) {
            printf("mockvault %s\n", CX_VERSION);
            return 0;
        }
        while (o->name && o->val != c)
            o++;
        if (!o->name) {
            usage(stderr);
            return 2;
        }
        snprintf(flag, sizeof flag, "--%s", o->name);
        if (apply(c, optarg, flag, cfg, ps) != 0)
            return 2;
    }
    /* `--health URL` as well as `--health=URL`. */
    if (ps->health && !ps->health_url && optind == argc - 1)
        ps->health_url = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "mockvault: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!ps->fixtures_given && access(cfg->fixtures, R_OK) != 0)
        cfg->fixtures = NULL; /* no default fixture here: start empty */
    cfg->sans = ps->sans;
    return -1;
}

int main(int argc, char **argv)
{
    struct mv_server_config cfg;
    struct mv_server *srv = NULL;
    struct parsed ps = {0};
    const char *env_san = getenv("MOCKVAULT_SAN");
    /* Every --san, and every name of MOCKVAULT_SAN (at most one per two characters). */
    size_t nsans = (size_t)argc + 2 + (env_san ? strlen(env_san) / 2 : 0);
    char *env_sans = NULL;
    char err[2048];
    sigset_t set;
    int sig = 0, rc = 1;

    ps.sans = calloc(nsans, sizeof *ps.sans);
    if (!ps.sans)
        goto out;
    rc = parse_args(argc, argv, &cfg, &ps, &env_sans);
    if (rc >= 0)
        goto out;
    if (ps.health) {
        rc = mv_health_check(&cfg, ps.health_url);
        goto out;
    }
    rc = 1;
    /* Block the stop signals before any thread starts, so only sigwait below receives them. A
     * shell starts background jobs with SIGINT ignored, and an ignored signal is discarded rather
     * than queued for sigwait, so the default action is restored first. As PID 1 in a container
     * the kernel drops a signal whose action is the default, but never a blocked one, so SIGTERM
     * stops the mock there too. */
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
    free(ps.sans);
    free(env_sans);
    return rc;
}
