/* client-adapter.c: the adapter process of `kvconform client` and its line protocol
 * (docs/conformance.md), the mock's control API and journal as the scenarios use them, and the
 * check of the client's log (stderr) for secrets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cx-file.h"
#include "cx-mem.h"
#include "kvc-client.h"

extern char **environ;

double kvcc_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool kvcc_fail(struct kvcc_sc *s, const char *fmt, ...)
{
    va_list ap;

    if (s->failed)
        return false;
    s->failed = true;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    return false;
}

void kvcc_watch(struct kvcc_sc *s, const char *secret)
{
    char **ns;

    /* Very short strings would match innocent text; the scenarios' values are long. */
    if (!secret || strlen(secret) < 6)
        return;
    for (size_t i = 0; i < s->nsecrets; i++)
        if (strcmp(s->secrets[i], secret) == 0)
            return;
    ns = realloc(s->secrets, (s->nsecrets + 1) * sizeof *ns);
    if (!ns)
        return;
    s->secrets = ns;
    if ((ns[s->nsecrets] = strdup(secret)) != NULL)
        s->nsecrets++;
}

/* ----- control API and the grader's own vault requests ------------------------------------- */

long kvcc_control(const char *method, const char *path, const char *json, struct kvc_resp *out)
{
    static const char *const hj[] = {"Content-Type: application/json", NULL};
    char url[1024];
    struct kvc_resp r;

    snprintf(url, sizeof url, "%s%s", kvcc.mock_url, path);
    kvc_http(method, url, kvcc.ca, json ? hj : NULL, json, json ? strlen(json) : 0, &r);
    return kvc_resp_take(&r, out);
}

static char *admin_token;

static char *token_for(const char *id, const char *secret)
{
    struct kvc_creds c = {kvcc.mock_url, KVCC_TENANT, id, secret, kvcc.ca};

    return kvc_token(&c, "https://vault.azure.net/.default", NULL);
}

long kvcc_vault(const char *method, const char *path, const char *json, struct kvc_resp *out)
{
    char url[2048], auth[8192];
    const char *hl[] = {auth, "Content-Type: application/json", NULL};
    struct kvc_resp r;

    memset(&r, 0, sizeof r);
    for (int round = 0; round < 2; round++) {
        if (!admin_token)
            admin_token = token_for(KVCC_ADMIN_ID, KVCC_ADMIN_SECRET);
        if (!admin_token)
            break;
        snprintf(url, sizeof url, "%s%s%capi-version=7.4", kvcc.vault_direct, path,
                 strchr(path, '?') ? '&' : '?');
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", admin_token);
        kvc_http(method, url, kvcc.ca, hl, json, json ? strlen(json) : 0, &r);
        memset(auth, 0, sizeof auth);
        if (r.status != 401)
            break;
        /* The mock was reset or its clock moved: a new token, once. */
        kvc_resp_free(&r);
        cx_free_wiped(admin_token);
        admin_token = NULL;
    }
    return kvc_resp_take(&r, out);
}

/* Called by client.c at the end of the run. */
void kvcc_forget_token(void);
void kvcc_forget_token(void)
{
    cx_free_wiped(admin_token);
    admin_token = NULL;
}

int kvcc_journal(const char *operation, const char *appid, struct kvcc_entry *out, int max)
{
    char path[256];
    struct kvc_resp r;
    const cJSON *it;
    int n = 0;

    if (operation)
        snprintf(path, sizeof path, "/_mock/requests?operation=%s", operation);
    else
        snprintf(path, sizeof path, "/_mock/requests");
    if (kvcc_control("GET", path, NULL, &r) != 200 || !r.json) {
        kvc_resp_free(&r);
        return -1;
    }
    cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
        const cJSON *t = kvc_jget(it, "time"), *st = kvc_jget(it, "status");
        if (appid && strcmp(kvc_jstr(it, "appid"), appid) != 0)
            continue;
        if (n >= max)
            break;
        memset(&out[n], 0, sizeof out[n]);
        out[n].time = cJSON_IsNumber(t) ? t->valuedouble : 0;
        out[n].status = cJSON_IsNumber(st) ? (long)st->valuedouble : 0;
        snprintf(out[n].operation, sizeof out[n].operation, "%s", kvc_jstr(it, "operation"));
        snprintf(out[n].appid, sizeof out[n].appid, "%s", kvc_jstr(it, "appid"));
        snprintf(out[n].error_code, sizeof out[n].error_code, "%s", kvc_jstr(it, "errorCode"));
        n++;
    }
    kvc_resp_free(&r);
    return n;
}

/* ----- the adapter process ----------------------------------------------------------------- */

/* Variables the adapter must not inherit: kvconform sets its own, and stray proxies, CA bundles,
 * identities or Azure settings of the caller would change what is graded. */
static bool dropped(const char *kv)
{
    static const char *const names[] = {
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "NODE_EXTRA_CA_CERTS",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "HOME",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "IMDS_ENDPOINT",
        "KVCONFORM_VAULT_URL",
        "KVCONFORM_SCENARIO",
        NULL,
    };
    size_t n = strcspn(kv, "=");

    if (strncmp(kv, "AZURE_", 6) == 0)
        return true;
    for (size_t i = 0; names[i]; i++)
        if (strlen(names[i]) == n && strncmp(kv, names[i], n) == 0)
            return true;
    return false;
}

static char **build_env(struct kvcc_sc *s, char *store, size_t storelen)
{
    size_t n = 0, used = 0, cap = 32;
    char **env;

    for (char **e = environ; *e; e++)
        cap++;
    env = calloc(cap, sizeof *env);
    if (!env)
        return NULL;
    for (char **e = environ; *e; e++)
        if (!dropped(*e))
            env[n++] = *e;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(store + used, storelen - used, __VA_ARGS__);                             \
        if (w_ < 0 || (size_t)w_ >= storelen - used)                                               \
            goto full;                                                                             \
        env[n++] = store + used;                                                                   \
        used += (size_t)w_ + 1;                                                                    \
    } while (0)
    PUT("AZURE_TENANT_ID=%s", KVCC_TENANT);
    PUT("AZURE_CLIENT_ID=%s", s->client_id);
    PUT("AZURE_CLIENT_SECRET=%s", s->client_secret);
    PUT("HTTPS_PROXY=%s", kvcc.proxy);
    PUT("https_proxy=%s", kvcc.proxy);
    PUT("SSL_CERT_FILE=%s", kvcc.ca);
    PUT("NODE_EXTRA_CA_CERTS=%s", kvcc.ca);
    PUT("REQUESTS_CA_BUNDLE=%s", kvcc.ca);
    PUT("CURL_CA_BUNDLE=%s", kvcc.ca);
    PUT("HOME=%s/home", s->dir);
    PUT("AZURE_CONFIG_DIR=%s/azure", s->dir);
    PUT("AZURE_CORE_COLLECT_TELEMETRY=false");
    PUT("KVCONFORM_VAULT_URL=%s", KVCC_VAULT_URL);
    PUT("KVCONFORM_SCENARIO=%s", s->name);
#undef PUT
    env[n] = NULL;
    return env;
full:
    free(env);
    return NULL;
}

bool kvcc_start(struct kvcc_sc *s, const char *client_id, const char *client_secret)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errfd;
    char sub[800], store[8192], cmd[4096];
    char **env;

    s->client_id = client_id;
    s->client_secret = client_secret;
    kvcc_watch(s, client_secret);
    snprintf(sub, sizeof sub, "%s/home", s->dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/azure", s->dir);
    mkdir(sub, 0700);
    if (kvcc_control("DELETE", "/_mock/requests", NULL, NULL) != 204)
        return kvcc_fail(s, "control API: DELETE /_mock/requests failed");
    env = build_env(s, store, sizeof store);
    if (!env)
        return kvcc_fail(s, "cannot build the adapter's environment");
    errfd = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (errfd < 0 || pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        free(env);
        if (errfd >= 0)
            close(errfd);
        return kvcc_fail(s, "cannot set up the adapter's pipes: %s", strerror(errno));
    }
    snprintf(cmd, sizeof cmd, "exec %s", kvcc.adapter);
    s->pid = fork();
    if (s->pid == 0) {
        /* Its own process group, so a timed-out adapter is stopped with all its children. */
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(errfd, 2);
        signal(SIGPIPE, SIG_DFL);
        execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
        _exit(127);
    }
    free(env);
    memset(store, 0, sizeof store);
    close(in[0]);
    close(out[1]);
    close(errfd);
    if (s->pid < 0) {
        s->pid = 0;
        close(in[1]);
        close(out[0]);
        return kvcc_fail(s, "fork: %s", strerror(errno));
    }
    setpgid(s->pid, s->pid);
    s->in_fd = in[1];
    s->out_fd = out[0];
    return true;
}

/* Stops the adapter's process group: TERM, a grace period, then KILL. Reaps the adapter. */
static int reap(struct kvcc_sc *s, double grace)
{
    int st = 0;
    double t0 = kvcc_now();

    if (s->pid <= 0)
        return 0;
    while (waitpid(s->pid, &st, WNOHANG) == 0) {
        if (kvcc_now() - t0 > grace) {
            kill(-s->pid, SIGTERM);
            for (int i = 0; i < 200 && waitpid(s->pid, &st, WNOHANG) == 0; i++) {
                struct timespec ts = {0, 10 * 1000000L};
                nanosleep(&ts, NULL);
            }
            if (waitpid(s->pid, &st, WNOHANG) == 0) {
                kill(-s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
            }
            break;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    /* Children the adapter left behind (a CLI it ran) go with it. */
    kill(-s->pid, SIGKILL);
    s->pid = 0;
    return st;
}

static void close_pipes(struct kvcc_sc *s)
{
    if (s->in_fd >= 0)
        close(s->in_fd);
    if (s->out_fd >= 0)
        close(s->out_fd);
    s->in_fd = s->out_fd = -1;
}

/* The command word and the secret name, for messages: never a value. */
static void cmd_label(const char *line, char *buf, size_t n)
{
    char word[64] = "", name[200] = "";

    sscanf(line, "%63s %199s", word, name);
    snprintf(buf, n, "`%s%s%s`", word, name[0] ? " " : "", name);
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

cJSON *kvcc_cmd(struct kvcc_sc *s, const char *fmt, ...)
{
    char line[4096], label[300];
    va_list ap;
    double deadline;
    cJSON *a = NULL, **na;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof line - 1)
        return kvcc_fail(s, "command too long"), NULL;
    cmd_label(line, label, sizeof label);
    if (strncmp(line, "set ", 4) == 0) {
        const char *v = strchr(line + 4, ' ');
        if (v)
            kvcc_watch(s, v + 1);
    }
    if (s->failed || s->pid <= 0)
        return NULL;
    line[len++] = '\n';
    line[len] = '\0';
    if (!write_all(s->in_fd, line, (size_t)len)) {
        memset(line, 0, sizeof line);
        kvcc_fail(s, "the adapter stopped reading its commands before %s", label);
        return NULL;
    }
    memset(line, 0, sizeof line);
    deadline = kvcc_now() + kvcc.timeout_s;
    for (;;) {
        char *nl = s->buf ? memchr(s->buf, '\n', s->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - s->buf);
            *nl = '\0';
            if (n == 0 || strspn(s->buf, " \t\r") == n) {
                memmove(s->buf, nl + 1, s->len - n - 1);
                s->len -= n + 1;
                continue;
            }
            a = cJSON_Parse(s->buf);
            memset(s->buf, 0, n);
            memmove(s->buf, nl + 1, s->len - n - 1);
            s->len -= n + 1;
            break;
        }
        double left = deadline - kvcc_now();
        if (left <= 0) {
            reap(s, 0);
            close_pipes(s);
            kvcc_fail(s,
                      "no answer to %s within %u s (a hung or endlessly retrying client); "
                      "adapter stopped",
                      label, kvcc.timeout_s);
            return NULL;
        }
        struct pollfd p = {s->out_fd, POLLIN, 0};
        int pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        if (s->cap - s->len < 65536) {
            size_t cap = s->cap ? s->cap * 2 : 131072;
            char *nb = realloc(s->buf, cap);
            if (!nb)
                return kvcc_fail(s, "out of memory"), NULL;
            s->buf = nb;
            s->cap = cap;
        }
        ssize_t r = read(s->out_fd, s->buf + s->len, s->cap - s->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int st = reap(s, 5);
            close_pipes(s);
            kvcc_fail(s, "the adapter exited (%s %d) without answering %s; see its stderr",
                      WIFEXITED(st) ? "status" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), label);
            return NULL;
        }
        s->len += (size_t)r;
    }
    if (!cJSON_IsObject(a) || !(cJSON_IsBool(kvc_jget(a, "ok")))) {
        cJSON_Delete(a);
        /* Out of step with the protocol: nothing it says can be trusted any more. */
        reap(s, 0);
        close_pipes(s);
        kvcc_fail(s,
                  "the adapter's answer to %s is not a JSON object with \"ok\" (protocol "
                  "error)",
                  label);
        return NULL;
    }
    kvcc_watch(s, kvcc_str(a, "value"));
    na = realloc(s->answers, (s->nanswers + 1) * sizeof *na);
    if (!na) {
        cJSON_Delete(a);
        return kvcc_fail(s, "out of memory"), NULL;
    }
    s->answers = na;
    s->answers[s->nanswers++] = a;
    return a;
}

/* True when text has a compact JWT (three base64url parts, the first two JSON objects). */
static bool has_jwt(const char *text, size_t n)
{
    for (const char *p = text; (p = memmem(p, n - (size_t)(p - text), "eyJ", 3)) != NULL; p++) {
        const char *q = p;
        int dots = 0;
        size_t part = 0;
        while ((size_t)(q - text) < n) {
            char c = *q;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_') {
                part++;
            } else if (c == '.' && part >= 10 && dots < 2) {
                dots++;
                part = 0;
            } else {
                break;
            }
            q++;
        }
        if (dots == 2 && part >= 10)
            return true;
    }
    return false;
}

/* A client's stderr larger than this is itself a failure to report, not something to scan. */
#define MAX_CLIENT_LOG ((size_t)64 << 20)

static void check_log(struct kvcc_sc *s)
{
    size_t n = 0;
    char *text = cx_read_file(s->err_path, MAX_CLIENT_LOG, &n);

    if (!text) {
        if (errno == EFBIG)
            kvcc_fail(s, "the client's stderr is larger than %zu MiB", MAX_CLIENT_LOG >> 20);
        return;
    }
    for (size_t i = 0; i < s->nsecrets; i++) {
        if (memmem(text, n, s->secrets[i], strlen(s->secrets[i]))) {
            kvcc_fail(s, "a secret %s appears in the client's stderr (log)",
                      strcmp(s->secrets[i], s->client_secret) == 0 ? "(the client secret)"
                                                                   : "value");
            break;
        }
    }
    if (s->check_tokens && has_jwt(text, n))
        kvcc_fail(s, "a bearer token (JWT) appears in the client's stderr (log)");
    cx_wipe_free(text, n);
}

void kvcc_stop(struct kvcc_sc *s)
{
    if (s->pid > 0) {
        int st;
        write_all(s->in_fd, "quit\n", 5);
        /* quit has no answer: both pipes close, so an adapter still writing cannot block. */
        close_pipes(s);
        st = reap(s, 10);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            kvcc_fail(s, "the adapter did not exit cleanly after quit (%s %d)",
                      WIFEXITED(st) ? "status" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    close_pipes(s);
    check_log(s);
}

static void rm_tree(const char *path)
{
    pid_t p = fork();

    /* The adapter's home may hold anything (az's profile, caches): rm -rf of our own folder. */
    if (p == 0) {
        execl("/bin/rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    if (p > 0)
        waitpid(p, NULL, 0);
}

void kvcc_sc_free(struct kvcc_sc *s)
{
    if (s->pid > 0)
        reap(s, 0);
    close_pipes(s);
    for (size_t i = 0; i < s->nsecrets; i++) {
        cx_free_wiped(s->secrets[i]);
    }
    free(s->secrets);
    for (size_t i = 0; i < s->nanswers; i++)
        cJSON_Delete(s->answers[i]);
    free(s->answers);
    if (s->buf)
        cx_wipe_free(s->buf, s->cap);
    if (!kvcc.keep && s->dir[0])
        rm_tree(s->dir);
}

/* ----- answers ----------------------------------------------------------------------------- */

bool kvcc_ok(const cJSON *a)
{
    return a && cJSON_IsTrue(kvc_jget(a, "ok"));
}

const char *kvcc_str(const cJSON *a, const char *key)
{
    const cJSON *v = a ? cJSON_GetObjectItemCaseSensitive(a, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : "";
}

double kvcc_num(const cJSON *a, const char *key)
{
    const cJSON *v = a ? cJSON_GetObjectItemCaseSensitive(a, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

const char *kvcc_describe(const cJSON *a, char *buf, size_t n)
{
    if (!a)
        snprintf(buf, n, "no answer");
    else if (kvcc_ok(a))
        snprintf(buf, n, "success");
    else
        snprintf(buf, n, "error: status %.0f, code %s%s%s", kvcc_num(a, "status"),
                 kvcc_str(a, "code")[0] ? kvcc_str(a, "code") : "(none)",
                 kvcc_str(a, "innerCode")[0] ? "/" : "", kvcc_str(a, "innerCode"));
    return buf;
}
