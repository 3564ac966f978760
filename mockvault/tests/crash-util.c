/* crash-util.c: the mock process and the HTTP and JSON helpers of the crash test (crash-util.h). */
#include "crash-util.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct buf {
    char *p;
    size_t n;
};

static size_t on_data(char *d, size_t sz, size_t nm, void *ud)
{
    struct buf *b = ud;
    size_t len = sz * nm;
    char *p = realloc(b->p, b->n + len + 1);

    if (!p)
        return 0;
    memcpy(p + b->n, d, len);
    b->n += len;
    p[b->n] = '\0';
    b->p = p;
    return len;
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long crash_request(const struct mock *m, const char *token, CURL *h, const char *method,
                   const char *host, const char *path, const char *body, const char *ctype,
                   char **out)
{
    char url[512], res[128], auth[8300], ct[128];
    struct curl_slist *hl = NULL, *resolve = NULL;
    struct buf b = {0};
    long status = 0;

    snprintf(url, sizeof url, "https://%s:%d%s", host, m->port, path);
    snprintf(res, sizeof res, "%s:%d:127.0.0.1", host, m->port);
    resolve = curl_slist_append(resolve, res);
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        hl = curl_slist_append(hl, ct);
    }
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(h, CURLOPT_CAINFO, m->ca);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_slist_free_all(resolve);
    if (out)
        *out = b.p;
    else
        free(b.p);
    return status;
}

/* The string at a dotted member path ("key.kid") of a JSON text, copied into out. */
bool member(const char *json, const char *dotted, char *out, size_t n)
{
    cJSON *root = cJSON_Parse(json ? json : "");
    const cJSON *j = root;
    char path[128], *save = NULL;
    bool ok = false;

    snprintf(path, sizeof path, "%s", dotted);
    for (char *part = strtok_r(path, ".", &save); part && j; part = strtok_r(NULL, ".", &save))
        j = cJSON_GetObjectItemCaseSensitive(j, part);
    if (cJSON_IsString(j) && strlen(j->valuestring) < n) {
        snprintf(out, n, "%s", j->valuestring);
        ok = true;
    }
    cJSON_Delete(root);
    return ok;
}

/* tmpl with its first `token` replaced by arg. */
void subst_token(char *out, size_t n, const char *tmpl, const char *token, const char *arg)
{
    const char *at = strstr(tmpl, token);

    if (!at)
        snprintf(out, n, "%s", tmpl);
    else
        snprintf(out, n, "%.*s%s%s", (int)(at - tmpl), tmpl, arg, at + strlen(token));
}

void subst(char *out, size_t n, const char *tmpl, const char *arg)
{
    subst_token(out, n, tmpl, "{}", arg);
}

/* FNV-1a (64 bits) of a key's public parts in an answer: kty, n, e, crv, x, y, those present.
 * 0 when the answer holds no key; a hash so that an acknowledgement stays small. */
uint64_t pub_hash(const char *json)
{
    static const char *const parts[] = {"kty", "n", "e", "crv", "x", "y"};
    cJSON *root = cJSON_Parse(json ? json : "");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(root, "key");
    uint64_t h = 14695981039346656037ull;
    bool any = false;

    for (size_t i = 0; cJSON_IsObject(key) && i < sizeof parts / sizeof parts[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(key, parts[i]);
        const char *s = cJSON_IsString(v) ? v->valuestring : "";
        any = any || *s;
        for (; *s; s++)
            h = (h ^ (unsigned char)*s) * 1099511628211ull;
        h = (h ^ '|') * 1099511628211ull;
    }
    cJSON_Delete(root);
    return any ? h : 0;
}

int mock_start(struct mock *m)
{
    char port[16];
    double deadline = now_s() + 60;
    pid_t pid;
    int status;

    snprintf(port, sizeof port, "%d", m->port);
    unlink(m->ready);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(m->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(m->bin, m->bin, "--port", port, "--fixtures", m->fixture, "--state-dir", m->state,
              "--ready-file", m->ready, "--log-format", "text", (char *)NULL);
        _exit(127);
    }
    m->pid = pid;
    while (now_s() < deadline) {
        char text[1024] = "";
        FILE *f = fopen(m->ready, "r");
        if (f) {
            size_t n = fread(text, 1, sizeof text - 1, f);
            fclose(f);
            text[n] = '\0';
            cJSON *j = cJSON_Parse(text);
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "port");
            if (cJSON_IsNumber(p))
                m->port = p->valueint;
            cJSON_Delete(j);
            if (m->port > 0)
                return 0;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            m->pid = 0;
            return -1; /* it did not start: the state did not load */
        }
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    m->pid = 0;
    return -1;
}

/* SIGTERM (sig 0) or SIGKILL; returns the wait status. */
int mock_stop(struct mock *m, int sig)
{
    int status = -1;

    if (m->pid <= 0)
        return -1;
    kill(m->pid, sig ? sig : SIGTERM);
    waitpid(m->pid, &status, 0);
    m->pid = 0;
    return status;
}

int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}
