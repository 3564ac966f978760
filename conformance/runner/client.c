/* client.c: `kvconform client --adapter CMD`: grades a client through an adapter (DESIGN.md §10,
 * protocol in docs/conformance.md). Starts a mock on free ports with its HTTPS proxy, runs
 * every scenario (client-scenarios.c) with a fresh adapter process after a mock reset, and turns
 * the outcomes into verdicts, applying the adapter's declared expected differences. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cx-mem.h"
#include "kvc-client.h"
#include "kvc-mock.h"
#include "kvconform.h"
#include "report.h"

#define DEFAULT_TIMEOUT 120

struct kvcc_run kvcc;

void kvcc_forget_token(void); /* client-adapter.c */

/* One declared expected difference of the adapter. */
struct expected {
    char scenario[64];
    char reason[512];
};

static void usage(FILE *f)
{
    fputs("Usage: kvconform client --adapter CMD [OPTION]...\n"
          "Grades a Key Vault client through an adapter (docs/conformance.md): a mockvault is\n"
          "started on free loopback ports with its HTTPS proxy, and every scenario runs the\n"
          "adapter afresh against https://demo.vault.azure.net through that proxy.\n"
          "\n"
          "  --adapter CMD        the adapter command line (run with /bin/sh -c 'exec CMD')\n"
          "  --expected FILE      the adapter's expected differences (default: CMD's executable\n"
          "                       followed by .expected, when that file exists)\n"
          "  --only LIST          run only these scenarios (comma-separated names)\n"
          "  --timeout S          seconds the adapter has for each command (default 120)\n"
          "  --mockvault PATH     mockvault binary to start (or MOCKVAULT_BIN)\n"
          "  --tap FILE           also write TAP version 13\n"
          "  --junit FILE         also write JUnit XML\n"
          "  --keep               keep each scenario's folder (the adapter's stderr.log)\n"
          "  --list               list the scenarios and exit\n"
          "  -v, --verbose        list passing scenarios too, with what they observed\n"
          "  --help               show this help\n"
          "\n"
          "Exit status: 0 every scenario passed or failed as declared, 1 a scenario failed,\n"
          "2 usage or setup error.\n",
          f);
}

/* ----- the mock ---------------------------------------------------------------------------- */

/* Lifetime of the mock's tokens (expires_in of one it issues), for the refresh scenario. */
static double token_lifetime(void)
{
    struct kvc_creds c = {kvcc.mock_url, KVCC_TENANT, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET, kvcc.ca};
    struct kvc_resp r;
    char *tok = kvc_token(&c, "https://vault.azure.net/.default", &r);
    const cJSON *e = kvc_jget(r.json, "expires_in");
    double life = -1;

    if (cJSON_IsNumber(e))
        life = e->valuedouble;
    else if (cJSON_IsString(e))
        life = atof(e->valuestring);
    if (r.body)
        cx_wipe(r.body, r.len);
    kvc_resp_free(&r);
    cx_free_wiped(tok);
    return life;
}

/* ----- expected differences ---------------------------------------------------------------- */

static bool known_scenario(const char *name)
{
    for (size_t i = 0; i < kvcc_nscenarios; i++)
        if (strcmp(kvcc_scenarios[i].name, name) == 0)
            return true;
    return false;
}

/* Reads "scenario  reason" lines ('#' comments, blank lines ignored). Returns the count, or -1
 * after printing why (unreadable file, unknown scenario, no reason). */
static int load_expected(const char *path, struct expected *x, int max)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int n = 0, lineno = 0;

    if (!f) {
        fprintf(stderr, "kvconform client: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *p = line, *name, *reason;
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        name = p;
        p += strcspn(p, " \t");
        if (*p)
            *p++ = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        reason = p;
        if (!known_scenario(name) || !*reason || n == max) {
            fprintf(stderr, "kvconform client: %s:%d: %s\n", path, lineno,
                    !known_scenario(name) ? "unknown scenario"
                    : !*reason            ? "no reason given"
                                          : "too many lines");
            fclose(f);
            return -1;
        }
        snprintf(x[n].scenario, sizeof x[n].scenario, "%s", name);
        snprintf(x[n].reason, sizeof x[n].reason, "%s", reason);
        n++;
    }
    fclose(f);
    return n;
}

/* The adapter's executable: the first word of the command. */
static void adapter_exe(const char *cmd, char *buf, size_t n)
{
    while (*cmd == ' ')
        cmd++;
    snprintf(buf, n, "%.*s", (int)strcspn(cmd, " \t"), cmd);
}

static bool selected(const char *only, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = only; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0)
            return true;
        p += k;
        if (*p == ',')
            p++;
    }
    return only == NULL;
}

/* ----- the run ----------------------------------------------------------------------------- */

static void run_one(struct kvc_report *rep, const struct kvcc_scenario *sc,
                    const struct expected *x, int nx, const char *xfile, bool verbose)
{
    struct kvcc_sc s;
    const char *declared = NULL;
    char reason[2048];
    double t0 = kvcc_now();
    struct kvc_resp r;

    memset(&r, 0, sizeof r);
    memset(&s, 0, sizeof s);
    s.in_fd = s.out_fd = -1;
    s.name = sc->name;
    snprintf(s.dir, sizeof s.dir, "%s/%s", kvcc.workdir, sc->name);
    snprintf(s.err_path, sizeof s.err_path, "%s/stderr.log", s.dir);
    if (mkdir(s.dir, 0700) != 0 && errno != EEXIST)
        kvcc_fail(&s, "cannot create %s: %s", s.dir, strerror(errno));
    else if (kvcc_control("POST", "/_mock/reset", NULL, &r) != 200)
        kvcc_fail(&s, "control API: POST /_mock/reset answered %ld", r.status);
    kvc_resp_free(&r);
    if (!s.failed)
        sc->run(&s);
    kvcc_stop(&s);
    for (int i = 0; i < nx; i++)
        if (strcmp(x[i].scenario, sc->name) == 0)
            declared = x[i].reason;
    if (!s.failed && !declared) {
        snprintf(reason, sizeof reason, "%s%s(%.1f s)", s.detail, s.detail[0] ? " " : "",
                 kvcc_now() - t0);
        kvc_report_add(rep, sc->group, sc->name, KVC_PASS, verbose ? reason : NULL);
    } else if (!s.failed) {
        snprintf(reason, sizeof reason,
                 "passed, but %s declares an expected difference here "
                 "(%s): remove it",
                 xfile, declared);
        kvc_report_add(rep, sc->group, sc->name, KVC_FAIL, reason);
    } else if (declared) {
        snprintf(reason, sizeof reason, "expected difference: %s (observed: %s)", declared,
                 s.reason);
        kvc_report_add(rep, sc->group, sc->name, KVC_XFAIL, reason);
    } else {
        if (kvcc.keep)
            snprintf(reason, sizeof reason, "%s [adapter stderr: %s]", s.reason, s.err_path);
        else
            snprintf(reason, sizeof reason, "%s", s.reason);
        kvc_report_add(rep, sc->group, sc->name, KVC_FAIL, reason);
    }
    kvcc_sc_free(&s);
}

int kvc_client_main(int argc, char **argv)
{
    enum {
        O_ADAPTER = 256,
        O_EXPECTED,
        O_ONLY,
        O_TIMEOUT,
        O_MOCKVAULT,
        O_TAP,
        O_JUNIT,
        O_KEEP,
        O_LIST,
        O_HELP
    };
    static const struct option opts[] = {
        {"adapter", required_argument, NULL, O_ADAPTER},
        {"expected", required_argument, NULL, O_EXPECTED},
        {"only", required_argument, NULL, O_ONLY},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"mockvault", required_argument, NULL, O_MOCKVAULT},
        {"tap", required_argument, NULL, O_TAP},
        {"junit", required_argument, NULL, O_JUNIT},
        {"keep", no_argument, NULL, O_KEEP},
        {"list", no_argument, NULL, O_LIST},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *adapter = NULL, *xfile = NULL, *only = NULL, *bin = getenv("MOCKVAULT_BIN");
    const char *tap = NULL, *junit = NULL;
    char exe[1024], xdefault[1100], name[256];
    struct expected x[64];
    struct kvc_report *rep = NULL;
    struct kvc_mock m = {0};
    bool verbose = false;
    double t0 = kvcc_now();
    int c, nx = 0, rc = 2;

    memset(&kvcc, 0, sizeof kvcc);
    kvcc.timeout_s = DEFAULT_TIMEOUT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
        switch (c) {
        case O_ADAPTER: adapter = optarg; break;
        case O_EXPECTED: xfile = optarg; break;
        case O_ONLY: only = optarg; break;
        case O_TIMEOUT:
            kvcc.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
            if (kvcc.timeout_s == 0 || kvcc.timeout_s > 3600) {
                fputs("kvconform client: --timeout takes 1..3600 seconds\n", stderr);
                return 2;
            }
            break;
        case O_MOCKVAULT: bin = optarg; break;
        case O_TAP: tap = optarg; break;
        case O_JUNIT: junit = optarg; break;
        case O_KEEP: kvcc.keep = true; break;
        case O_LIST:
            for (size_t i = 0; i < kvcc_nscenarios; i++)
                printf("%-24s %-9s %s\n", kvcc_scenarios[i].name, kvcc_scenarios[i].group,
                       kvcc_scenarios[i].what);
            return 0;
        case 'v': verbose = true; break;
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !adapter || !*adapter) {
        if (optind < argc)
            fprintf(stderr, "kvconform client: unexpected argument '%s'\n", argv[optind]);
        else
            fputs("kvconform client: --adapter CMD is required\n", stderr);
        usage(stderr);
        return 2;
    }
    for (const char *p = only; p && *p;) {
        char one[64];
        size_t k = strcspn(p, ",");
        snprintf(one, sizeof one, "%.*s", (int)k, p);
        if (!known_scenario(one)) {
            fprintf(stderr, "kvconform client: unknown scenario '%s' (see --list)\n", one);
            return 2;
        }
        p += k + (p[k] == ',');
    }
    kvcc.adapter = adapter;
    adapter_exe(adapter, exe, sizeof exe);
    snprintf(name, sizeof name, "%s", strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe);
    snprintf(xdefault, sizeof xdefault, "%s.expected", exe);
    if (!xfile && strchr(exe, '/') && access(xdefault, R_OK) == 0)
        xfile = xdefault;
    if (xfile && (nx = load_expected(xfile, x, (int)(sizeof x / sizeof x[0]))) < 0)
        return 2;
    /* A dead adapter must not kill the grader when it writes the next command. */
    signal(SIGPIPE, SIG_IGN);
    snprintf(kvcc.workdir, sizeof kvcc.workdir, "%s/kvconform-client-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(kvcc.workdir)) {
        fprintf(stderr, "kvconform client: mkdtemp: %s\n", strerror(errno));
        return 2;
    }
    /* The adapters reach https://demo.vault.azure.net through the mock's proxy. */
    if (kvc_mock_start(&m, bin ? bin : KVC_MOCKVAULT_BIN, KVC_SOURCE_ROOT "/fixtures/default.json",
                       kvcc.workdir, KVC_MOCK_PROXY) != 0)
        goto out;
    snprintf(kvcc.mock_url, sizeof kvcc.mock_url, "%s", m.url);
    snprintf(kvcc.ca, sizeof kvcc.ca, "%s", m.ca);
    snprintf(kvcc.proxy, sizeof kvcc.proxy, "%s", m.proxy);
    snprintf(kvcc.vault_direct, sizeof kvcc.vault_direct, "https://demo.localhost:%u", m.port);
    kvcc.token_lifetime = token_lifetime();
    if (kvcc.token_lifetime <= 0) {
        fprintf(stderr, "kvconform client: the mock issued no token to the fixture's admin app\n");
        goto out;
    }
    {
        char title[300];
        snprintf(title, sizeof title, "kvconform client: %s", name);
        rep = kvc_report_create(title);
    }
    if (!rep)
        goto out;
    kvc_report_note(rep, "adapter    %s", adapter);
    kvc_report_note(rep, "expected   %s (%d declared difference%s)", xfile ? xfile : "none", nx,
                    nx == 1 ? "" : "s");
    kvc_report_note(rep, "vault      %s through the mock's proxy %s", KVCC_VAULT_URL, kvcc.proxy);
    kvc_report_note(rep, "timeout    %u s per command; token lifetime %.0f s", kvcc.timeout_s,
                    kvcc.token_lifetime);
    if (kvcc.keep)
        kvc_report_note(rep, "logs       %s/<scenario>/stderr.log", kvcc.workdir);
    for (size_t i = 0; i < kvcc_nscenarios; i++)
        if (selected(only, kvcc_scenarios[i].name))
            run_one(rep, &kvcc_scenarios[i], x, nx, xfile, verbose);
    kvc_report_set_elapsed(rep, kvcc_now() - t0);
    kvc_report_print(rep, stdout, verbose);
    rc = kvc_report_count(rep, KVC_FAIL) ? 1 : 0;
    if (tap && kvc_report_write_tap(rep, tap) != 0) {
        fprintf(stderr, "kvconform: cannot write %s: %s\n", tap, strerror(errno));
        rc = 2;
    }
    if (junit && kvc_report_write_junit(rep, junit) != 0) {
        fprintf(stderr, "kvconform: cannot write %s: %s\n", junit, strerror(errno));
        rc = 2;
    }
out:
    kvc_report_destroy(rep);
    kvcc_forget_token();
    kvc_mock_stop(&m);
    if (!kvcc.keep)
        rmdir(kvcc.workdir);
    return rc;
}
