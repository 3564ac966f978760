/* server.c: `kvconform server`: sets up the endpoint (a self-started mock on port 0, or the
 * one given), runs the Check suites with SRunner and turns their results into the report. */
#include <check.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cx-host.h"
#include "cx-mem.h"
#include "kvc-mock.h"
#include "kvc-suite.h"
#include "kvconform.h"
#include "report.h"

#define REASON_MOCK "needs the mock's control API"
#define REASON_FIXTURE                                                                             \
    "needs the mock's fixture identities and vaults (flow and no-access apps, rbac-demo)"

/* One registered test: its family, name and conditions, then its verdict once known. */
struct entry {
    const char *family, *name, *why;
    unsigned flags;
    bool run; /* handed to Check (otherwise reported as skipped or filtered out) */
};

struct kvc_reg {
    SRunner *sr;
    struct {
        const char *name;
        Suite *s;
    } fam[32];
    size_t nfam;
    struct entry *e;
    size_t n, cap;
    struct kvc_report *rep;
    const char *only_suite, *only_case; /* CK_RUN_SUITE / CK_RUN_CASE */
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mock_save(void);
static void mock_restore(void);

void kvc_add_test(struct kvc_reg *reg, const char *family, const TTest *t, unsigned flags,
                  const char *why)
{
    struct entry *x;
    Suite *s = NULL;

    if (reg->only_suite && strcmp(reg->only_suite, family) != 0)
        return;
    if (reg->only_case && strcmp(reg->only_case, t->name) != 0)
        return;
    if (reg->n == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 128;
        struct entry *ne = realloc(reg->e, cap * sizeof *ne);
        if (!ne)
            return;
        reg->e = ne;
        reg->cap = cap;
    }
    x = &reg->e[reg->n++];
    x->family = family;
    x->name = t->name;
    x->flags = flags;
    x->why = why;
    x->run = !(flags & (KVC_NEEDS_MOCK | KVC_NEEDS_FIXTURE)) || kvc.mock;
    if (!x->run)
        return;
    for (size_t i = 0; i < reg->nfam; i++)
        if (strcmp(reg->fam[i].name, family) == 0)
            s = reg->fam[i].s;
    if (!s && reg->nfam < sizeof reg->fam / sizeof reg->fam[0]) {
        s = suite_create(family);
        reg->fam[reg->nfam].name = family;
        reg->fam[reg->nfam++].s = s;
        if (!reg->sr)
            reg->sr = srunner_create(s);
        else
            srunner_add_suite(reg->sr, s);
    }
    TCase *tc = tcase_create(t->name);
    if ((flags & KVC_MAY_CHANGE_MOCK) && kvc.mock)
        tcase_add_unchecked_fixture(tc, mock_save, mock_restore);
    /* A test against the real service may wait for its eventual consistency. */
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
}

/* What a test flagged KVC_CHANGES_MOCK may change (clock, state, access policies, the throttling
 * model, fault rules) is saved before and put back after it in the runner's own process: Check's
 * unchecked fixtures run there, so the restore happens even when the test fails half-way (a
 * failing forked test just exits). */
static char *saved_state;
static double saved_offset;
static char *saved_throttle;      /* GET /_mock/throttle body, NULL on a mock without it */
static char *saved_consistency;   /* PUT /_mock/consistency body of the settings, or NULL */
static unsigned saved_faults[64]; /* ids of the fault rules present before the test */
static size_t saved_nfaults;
static bool saved_faults_ok; /* GET /_mock/faults answered */

/* GET {mock}/_mock/path; returns the answer's status (0 without one). The caller frees r. */
static long control_get(const char *path, struct kvc_resp *r)
{
    char url[512];

    snprintf(url, sizeof url, "%s%s", kvc.mock_base, path);
    return kvc_http("GET", url, kvc.ca, NULL, NULL, 0, r) == 0 ? r->status : 0;
}

/* Best-effort control request whose answer is not needed. */
static void control_send(const char *method, const char *path, const char *json)
{
    static const char *const hl[] = {"Content-Type: application/json", NULL};
    struct kvc_resp r;
    char url[512];

    snprintf(url, sizeof url, "%s%s", kvc.mock_base, path);
    kvc_http(method, url, kvc.ca, json ? hl : NULL, json, json ? strlen(json) : 0, &r);
    kvc_resp_free(&r);
}

static double clock_offset(void)
{
    struct kvc_resp r;
    double off = 0;

    if (control_get("/_mock/clock", &r) == 200 && cJSON_IsNumber(kvc_jget(r.json, "offset")))
        off = kvc_jget(r.json, "offset")->valuedouble;
    kvc_resp_free(&r);
    return off;
}

static void mock_save(void)
{
    struct kvc_resp r;
    const cJSON *it;

    free(saved_state);
    saved_state = NULL;
    if (control_get("/_mock/state", &r) == 200)
        saved_state = strdup(r.body);
    kvc_resp_free(&r);
    saved_offset = clock_offset();
    free(saved_throttle);
    saved_throttle = NULL;
    if (control_get("/_mock/throttle", &r) == 200)
        saved_throttle = strdup(r.body);
    kvc_resp_free(&r);
    free(saved_consistency);
    saved_consistency = NULL;
    if (control_get("/_mock/consistency", &r) == 200 && r.json) {
        /* The settings only: "pending" is not part of a PUT. */
        cJSON_DeleteItemFromObjectCaseSensitive(r.json, "pending");
        saved_consistency = cJSON_PrintUnformatted(r.json);
    }
    kvc_resp_free(&r);
    saved_nfaults = 0;
    saved_faults_ok = control_get("/_mock/faults", &r) == 200;
    cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
        const cJSON *id = kvc_jget(it, "id");
        if (cJSON_IsNumber(id) && saved_nfaults < sizeof saved_faults / sizeof saved_faults[0])
            saved_faults[saved_nfaults++] = (unsigned)id->valuedouble;
    }
    kvc_resp_free(&r);
}

/* Removes the fault rules added since mock_save. Rules that were there before stay (with their
 * counters); when there were none, one DELETE clears them all. */
static void restore_faults(void)
{
    struct kvc_resp r;
    const cJSON *it;

    if (!saved_faults_ok)
        return;
    if (saved_nfaults == 0) {
        control_send("DELETE", "/_mock/faults", NULL);
        return;
    }
    if (control_get("/_mock/faults", &r) == 200) {
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
            const cJSON *id = kvc_jget(it, "id");
            bool kept = false;
            char path[64];

            if (!cJSON_IsNumber(id))
                continue;
            for (size_t i = 0; i < saved_nfaults; i++)
                kept = kept || saved_faults[i] == (unsigned)id->valuedouble;
            if (kept)
                continue;
            snprintf(path, sizeof path, "/_mock/faults/%u", (unsigned)id->valuedouble);
            control_send("DELETE", path, NULL);
        }
    }
    kvc_resp_free(&r);
}

static void mock_restore(void)
{
    struct kvc_resp r;
    char body[64];
    double off = clock_offset();

    /* The control API is never throttled or faulted, so these restores cannot be refused by
     * what they undo; the throttle is PUT only when it changed, since a PUT empties the windows. */
    if (saved_throttle) {
        if (control_get("/_mock/throttle", &r) != 200 || strcmp(r.body, saved_throttle) != 0)
            control_send("PUT", "/_mock/throttle", saved_throttle);
        kvc_resp_free(&r);
    }
    restore_faults();
    if (saved_consistency)
        control_send("PUT", "/_mock/consistency", saved_consistency);
    free(saved_consistency);
    saved_consistency = NULL;
    if (off != saved_offset) {
        snprintf(body, sizeof body, "{\"advance\":%.3f}", saved_offset - off);
        control_send("POST", "/_mock/clock", body);
    }
    if (saved_state)
        control_send("PUT", "/_mock/state", saved_state);
    free(saved_state);
    saved_state = NULL;
    free(saved_throttle);
    saved_throttle = NULL;
}

static void usage(FILE *f)
{
    fputs(
        "Usage: kvconform server [OPTION]...\n"
        "Runs the server suites (spec/keyvault-secrets.md, spec/identity.md) against a vault.\n"
        "Without --endpoint a mockvault is started on a free loopback port with the default\n"
        "fixture, and its admin app is used.\n"
        "\n"
        "  --endpoint URL       vault URL (https://NAME.vault.azure.net, or a running mock)\n"
        "  --tenant T           tenant id            (default: the mock's fixture tenant)\n"
        "  --client-id C        application id       (or AZURE_CLIENT_ID)\n"
        "  --client-secret S    client secret        (or AZURE_CLIENT_SECRET; never printed)\n"
        "  --authority URL      token authority      (default https://login.microsoftonline.com,\n"
        "                       or the mock itself)\n"
        "  --ca-file F          CA bundle to trust   (default: the mock's CA, or the system "
        "store)\n"
        "  --api-version V      api-version of the suites (default 7.6)\n"
        "  --mockvault PATH     mockvault binary to start (or MOCKVAULT_BIN)\n"
        "  --fixtures FILE      fixture for the started mock (default fixtures/default.json)\n"
        "  --tap FILE           also write TAP version 13\n"
        "  --junit FILE         also write JUnit XML\n"
        "  -v, --verbose        list passing tests too\n"
        "  --help               show this help\n"
        "\n"
        "Environment: CK_RUN_SUITE / CK_RUN_CASE pick one family / one test; CK_FORK=no runs\n"
        "in one process (debuggers, valgrind).\n"
        "Exit status: 0 all passed (skips and expected failures allowed), 1 a test failed,\n"
        "2 usage or setup error.\n",
        f);
}

/* Splits a vault URL into the context: scheme://host[:port], host alone (an IPv6 literal keeps
 * its brackets), and the port when one is given. */
static int set_vault(const char *url)
{
    char copy[512];
    struct cx_url u;
    size_t n;
    int rc;

    /* url may be kvc.vault itself: work on a copy. */
    snprintf(copy, sizeof copy, "%s", url);
    url = copy;
    n = strlen(url);

    if (strncmp(url, "https://", 8) != 0) {
        fprintf(stderr, "kvconform: --endpoint must be an https URL (the SDKs refuse tokens over "
                        "http)\n");
        return -1;
    }
    if ((rc = cx_url_split(url, CX_HP_KEEP_BRACKETS, &u)) != CX_HP_OK) {
        fprintf(stderr, "kvconform: --endpoint %s: %s\n", url, cx_hostport_strerror(rc));
        return -1;
    }
    while (n > 8 && url[n - 1] == '/')
        n--;
    snprintf(kvc.vault, sizeof kvc.vault, "%.*s", (int)n, url);
    snprintf(kvc.vault_host, sizeof kvc.vault_host, "%s", u.hp.host);
    if (u.hp.has_port)
        kvc.mock_port = u.hp.port;
    return 0;
}

/* True when the endpoint answers GET /_mock/health like a mock. */
static bool detect_mock(void)
{
    struct kvc_resp r;
    char url[1024];
    bool yes = false;

    snprintf(url, sizeof url, "%s/_mock/health", kvc.mock_base);
    if (kvc_http("GET", url, kvc.ca, NULL, NULL, 0, &r) == 0 && r.status == 200 &&
        strcmp(kvc_jstr(r.json, "status"), "ok") == 0)
        yes = true;
    kvc_resp_free(&r);
    return yes;
}

static char *fixture_token(const char *id, const char *secret)
{
    struct kvc_creds c = {kvc.authority, kvc.tenant, id, secret, kvc.ca};

    return kvc_token(&c, KVC_VAULT_RESOURCE "/.default", NULL);
}

/* Deletes and purges whatever this run left behind (names starting "kvc-<run>-"), on the vault
 * under test and, on the mock, on rbac-demo: certificates, secrets and keys, live and deleted.
 * Failures are ignored: purge-protected names stay deleted until their retention ends, which is
 * what the service does too. */
static void sweep_vault(const char *base)
{
    /* What to list, the live collection to delete from (NULL: already deleted), the deleted one
     * to purge, and the id field of a list item. */
    static const struct {
        const char *list, *live, *deleted, *id;
    } kinds[] = {
        /* Certificates first: their managed secrets and keys go with them. */
        {"certificates", "certificates", "deletedcertificates", "id"},
        {"deletedcertificates", NULL, "deletedcertificates", "recoveryId"},
        {"secrets", "secrets", "deletedsecrets", "id"},
        {"deletedsecrets", NULL, "deletedsecrets", "id"},
        {"keys", "keys", "deletedkeys", "kid"},
        {"deletedkeys", NULL, "deletedkeys", "kid"},
    };
    char prefix[64], url[4096], auth[8192];
    const char *hl[] = {auth, NULL};

    snprintf(prefix, sizeof prefix, "kvc-%s-", kvc.run);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", kvc.token);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        snprintf(url, sizeof url, "%s/%s?api-version=%s&maxresults=25", base, kinds[k].list,
                 kvc.api);
        for (int page = 0; page < 200 && url[0]; page++) {
            struct kvc_resp r;
            const cJSON *it, *next;

            if (kvc_http("GET", url, kvc.ca, hl, NULL, 0, &r) != 0 || r.status != 200) {
                kvc_resp_free(&r);
                break;
            }
            cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
                const char *name = kvc_last_segment(kvc_jstr(it, kinds[k].id));
                char u2[4096];
                struct kvc_resp d;

                if (strncasecmp(name, prefix, strlen(prefix)) != 0)
                    continue;
                if (kinds[k].live) {
                    snprintf(u2, sizeof u2, "%s/%s/%s?api-version=%s", base, kinds[k].live, name,
                             kvc.api);
                    kvc_http("DELETE", u2, kvc.ca, hl, NULL, 0, &d);
                    kvc_resp_free(&d);
                }
                snprintf(u2, sizeof u2, "%s/%s/%s?api-version=%s", base, kinds[k].deleted, name,
                         kvc.api);
                for (int i = 0; i < 50; i++) {
                    long st = kvc_http("DELETE", u2, kvc.ca, hl, NULL, 0, &d) == 0 ? d.status : 0;
                    kvc_resp_free(&d);
                    if (st != 404)
                        break;
                    struct timespec ts = {0, 200 * 1000000L};
                    nanosleep(&ts, NULL);
                }
            }
            next = kvc_jget(r.json, "nextLink");
            if (cJSON_IsString(next))
                snprintf(url, sizeof url, "%s", next->valuestring);
            else
                url[0] = '\0';
            kvc_resp_free(&r);
        }
    }
    memset(auth, 0, sizeof auth);
}

/* Turns Check's results into report entries, in registration order. */
static void collect(struct kvc_reg *reg)
{
    TestResult **res = reg->sr ? srunner_results(reg->sr) : NULL;
    int nres = reg->sr ? srunner_ntests_run(reg->sr) : 0;

    for (size_t i = 0; i < reg->n; i++) {
        struct entry *x = &reg->e[i];
        enum kvc_verdict v = KVC_FAIL;
        char reason[2048] = "no result from the test runner";

        if (!x->run) {
            kvc_report_add(reg->rep, x->family, x->name, KVC_SKIP,
                           x->why ? x->why
                                  : (x->flags & KVC_NEEDS_MOCK ? REASON_MOCK : REASON_FIXTURE));
            continue;
        }
        for (int k = 0; k < nres; k++) {
            if (strcmp(tr_tcname(res[k]), x->name) != 0)
                continue;
            if (tr_rtype(res[k]) == CK_PASS) {
                v = KVC_PASS;
                reason[0] = '\0';
            } else if (strncmp(tr_msg(res[k]), "SKIP: ", 6) == 0) {
                v = KVC_SKIP;
                snprintf(reason, sizeof reason, "%s", tr_msg(res[k]) + 6);
            } else {
                v = KVC_FAIL;
                snprintf(reason, sizeof reason, "%s (%s:%d)", tr_msg(res[k]), tr_lfile(res[k]),
                         tr_lno(res[k]));
                if ((x->flags & KVC_XFAIL_MOCK) && kvc.mock) {
                    char tmp[2048];
                    v = KVC_XFAIL;
                    snprintf(tmp, sizeof tmp, "known mock deviation: %s; %s", x->why, reason);
                    snprintf(reason, sizeof reason, "%s", tmp);
                }
            }
            break;
        }
        kvc_report_add(reg->rep, x->family, x->name, v, reason);
    }
    free(res);
}

int kvc_server_main(int argc, char **argv)
{
    enum {
        O_ENDPOINT = 256,
        O_TENANT,
        O_CLIENT_ID,
        O_SECRET,
        O_AUTHORITY,
        O_CA,
        O_API,
        O_MOCKVAULT,
        O_FIXTURES,
        O_TAP,
        O_JUNIT,
        O_HELP
    };
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, O_ENDPOINT},
        {"tenant", required_argument, NULL, O_TENANT},
        {"client-id", required_argument, NULL, O_CLIENT_ID},
        {"client-secret", required_argument, NULL, O_SECRET},
        {"authority", required_argument, NULL, O_AUTHORITY},
        {"ca-file", required_argument, NULL, O_CA},
        {"api-version", required_argument, NULL, O_API},
        {"mockvault", required_argument, NULL, O_MOCKVAULT},
        {"fixtures", required_argument, NULL, O_FIXTURES},
        {"tap", required_argument, NULL, O_TAP},
        {"junit", required_argument, NULL, O_JUNIT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *endpoint = NULL, *tenant = NULL, *cid = getenv("AZURE_CLIENT_ID");
    const char *secret = getenv("AZURE_CLIENT_SECRET"), *authority = NULL, *ca = NULL;
    const char *bin = getenv("MOCKVAULT_BIN"), *fixtures = KVC_SOURCE_ROOT "/fixtures/default.json";
    const char *tap = NULL, *junit = NULL;
    bool verbose = false;
    struct kvc_mock m = {0};
    struct kvc_reg reg = {0};
    struct kvc_resp tr;
    double t0 = now_s();
    int c, rc = 2;

    memset(&tr, 0, sizeof tr);
    kvc.api = "7.6";
    optind = 1;
    while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
        switch (c) {
        case O_ENDPOINT: endpoint = optarg; break;
        case O_TENANT: tenant = optarg; break;
        case O_CLIENT_ID: cid = optarg; break;
        case O_SECRET: secret = optarg; break;
        case O_AUTHORITY: authority = optarg; break;
        case O_CA: ca = optarg; break;
        case O_API: kvc.api = optarg; break;
        case O_MOCKVAULT: bin = optarg; break;
        case O_FIXTURES: fixtures = optarg; break;
        case O_TAP: tap = optarg; break;
        case O_JUNIT: junit = optarg; break;
        case 'v': verbose = true; break;
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kvconform server: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    reg.rep = kvc_report_create("kvconform server");
    if (!reg.rep)
        goto out;
    if (!endpoint) {
        if (!bin)
            bin = KVC_MOCKVAULT_BIN;
        if (kvc_mock_start(&m, bin, fixtures, NULL, 0) != 0)
            goto out;
        /* {vault}.localhost:PORT gets a challenge resource the SDKs' check accepts (DESIGN §3). */
        snprintf(kvc.vault, sizeof kvc.vault, "https://demo.localhost:%u", m.port);
        set_vault(kvc.vault);
        snprintf(kvc.authority, sizeof kvc.authority, "%s", authority ? authority : m.url);
        snprintf(kvc.tenant, sizeof kvc.tenant, "%s", tenant ? tenant : KVC_FIX_TENANT);
        snprintf(kvc.client_id, sizeof kvc.client_id, "%s", KVC_FIX_ADMIN_ID);
        snprintf(kvc.client_secret, sizeof kvc.client_secret, "%s", KVC_FIX_ADMIN_SECRET);
        snprintf(kvc.mock_base, sizeof kvc.mock_base, "https://127.0.0.1:%u", m.port);
        ca = ca ? ca : m.ca;
    } else {
        if (set_vault(endpoint) != 0)
            goto out;
        snprintf(kvc.mock_base, sizeof kvc.mock_base, "%s", kvc.vault);
        snprintf(kvc.tenant, sizeof kvc.tenant, "%s", tenant ? tenant : KVC_FIX_TENANT);
        snprintf(kvc.client_id, sizeof kvc.client_id, "%s", cid ? cid : KVC_FIX_ADMIN_ID);
        snprintf(kvc.client_secret, sizeof kvc.client_secret, "%s",
                 secret ? secret : KVC_FIX_ADMIN_SECRET);
    }
    kvc.ca = ca;
    kvc.mock = detect_mock();
    if (endpoint) {
        if (kvc.mock) {
            /* A mock given by URL: its own scheme://host:port is the authority, and the other
             * fixture vaults are reached as NAME.localhost on its port. */
            snprintf(kvc.mock_base, sizeof kvc.mock_base, "https://127.0.0.1:%u", kvc.mock_port);
        }
        snprintf(kvc.authority, sizeof kvc.authority, "%s",
                 authority ? authority
                           : (kvc.mock ? kvc.mock_base : "https://login.microsoftonline.com"));
        if (!kvc.mock && (!tenant || !cid || !secret)) {
            fprintf(stderr, "kvconform server: a real endpoint needs --tenant, --client-id and "
                            "--client-secret\n");
            goto out;
        }
    }
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    snprintf(kvc.run, sizeof kvc.run, "%08x", (unsigned)rand() ^ ((unsigned)getpid() << 16));
    {
        struct kvc_creds cr = {kvc.authority, kvc.tenant, kvc.client_id, kvc.client_secret, kvc.ca};
        kvc.token = kvc_token(&cr, KVC_VAULT_RESOURCE "/.default", &tr);
    }
    if (!kvc.token) {
        fprintf(stderr, "kvconform server: no token from %s/%s (status %ld%s%s)\n", kvc.authority,
                kvc.tenant, tr.status, tr.status ? "" : ": ", tr.status ? "" : tr.err);
        goto out;
    }
    if (kvc.mock) {
        kvc.flow_token = fixture_token(KVC_FIX_FLOW_ID, KVC_FIX_FLOW_SECRET);
        kvc.noaccess_token = fixture_token(KVC_FIX_NOACCESS_ID, KVC_FIX_NOACCESS_SECRET);
    }
    kvc_report_note(reg.rep, "vault      %s%s", kvc.vault,
                    endpoint ? "" : " (mockvault started on a free port)");
    kvc_report_note(reg.rep, "authority  %s, tenant %s", kvc.authority, kvc.tenant);
    kvc_report_note(reg.rep, "control    %s",
                    kvc.mock ? "mock control API available"
                             : "not a mock: control-API suites are skipped");
    kvc_report_note(reg.rep, "api        %s; names start kvc-%s-", kvc.api, kvc.run);

    reg.only_suite = getenv("CK_RUN_SUITE");
    reg.only_case = getenv("CK_RUN_CASE");
    kvc_suite_secrets_crud(&reg);
    kvc_suite_versions(&reg);
    kvc_suite_errors(&reg);
    kvc_suite_softdelete(&reg);
    kvc_suite_backup(&reg);
    kvc_suite_paging(&reg);
    kvc_suite_challenge(&reg);
    kvc_suite_headers(&reg);
    kvc_suite_identity(&reg);
    kvc_suite_msi(&reg);
    kvc_suite_authz(&reg);
    kvc_suite_throttle(&reg);
    kvc_suite_keys_crud(&reg);
    kvc_suite_keys_crypto(&reg);
    kvc_suite_keys_lifecycle(&reg);
    kvc_suite_consistency(&reg);
    kvc_suite_cae(&reg);
    kvc_suite_certs(&reg);
    kvc_suite_certs_ops(&reg);
    if (reg.sr) {
        /* Output stays ours (the report); Check's own goes nowhere unless asked. */
        srunner_set_log(reg.sr, NULL);
        srunner_run_all(reg.sr, verbose ? CK_NORMAL : CK_SILENT);
    }
    collect(&reg);
    sweep_vault(kvc.vault);
    if (kvc.mock) {
        char b[256];
        sweep_vault(kvc_mock_vault("rbac-demo", b, sizeof b));
    }
    kvc_report_set_elapsed(reg.rep, now_s() - t0);
    kvc_report_print(reg.rep, stdout, verbose);
    rc = kvc_report_count(reg.rep, KVC_FAIL) ? 1 : 0;
    if (tap && kvc_report_write_tap(reg.rep, tap) != 0) {
        fprintf(stderr, "kvconform: cannot write %s: %s\n", tap, strerror(errno));
        rc = 2;
    }
    if (junit && kvc_report_write_junit(reg.rep, junit) != 0) {
        fprintf(stderr, "kvconform: cannot write %s: %s\n", junit, strerror(errno));
        rc = 2;
    }
out:
    kvc_resp_free(&tr);
    if (reg.sr)
        srunner_free(reg.sr);
    free(reg.e);
    kvc_report_destroy(reg.rep);
    cx_free_wiped(kvc.token);
    cx_free_wiped(kvc.flow_token);
    cx_free_wiped(kvc.noaccess_token);
    memset(kvc.client_secret, 0, sizeof kvc.client_secret);
    kvc_mock_stop(&m);
    return rc;
}
