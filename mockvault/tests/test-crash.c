/* test-crash.c: crash consistency (issue 13). The mockvault binary runs on a --state-dir while
 * writer threads send writes at it over TLS; the mock is killed with SIGKILL in the middle of them,
 * started again on the same state, and every write it had acknowledged (a 2xx answer) must be
 * there, byte for byte, and the state must load. Ten rounds; every round's writes are checked
 * after its restart, and all of them once more at the end. A write cut by the kill may or may not
 * be there: it was never acknowledged.
 *
 * What is written comes from the table kinds[]: a family's write is one line there (path, body,
 * where the answer names the new version, and which member a GET of that version must give back
 * unchanged). TAP output; the values written are never printed.
 *   test-crash MOCKVAULT_BIN FIXTURE */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 10
#define WRITERS 4
#define NAMES_PER_WRITER 6 /* each writer adds versions to a few names of its own */
#define TENANT "11111111-1111-1111-1111-111111111111"
#define ADMIN_FORM                                                                                 \
    "grant_type=client_credentials&client_id=aaaaaaaa-0000-0000-0000-000000000001"                 \
    "&client_secret=admin-client-secret&scope=https%3A%2F%2Fvault.azure.net%2F.default"
#define API "api-version=7.4"

/* One kind of write. The body gets a value unique to the write ({}); the answer names the new
 * version at id_member (a URL whose path is the version's), and GET of that path must give back
 * the value at check_member. */
struct write_kind {
    const char *what;
    const char *method;
    const char *path_fmt; /* {}: the object's name */
    const char *body_fmt; /* {}: the unique value */
    const char *id_member;
    const char *check_member;
};

static const struct write_kind kinds[] = {
    {"secret set", "PUT", "/secrets/{}", "{\"value\":\"{}\",\"tags\":{\"w\":\"crash\"}}", "id",
     "value"},
    {"secret set (content type)", "PUT", "/secrets/{}",
     "{\"value\":\"{}\",\"contentType\":\"text/plain\"}", "id", "value"},
    /* Keys (issue 10), once POST /keys/{name}/create and PUT /keys/{name} land:
     * {"key create", "POST", "/keys/{}/create",
     *  "{\"kty\":\"EC\",\"crv\":\"P-256\",\"tags\":{\"v\":\"{}\"}}", "key.kid", "tags.v"},
     * {"key import", "PUT", "/keys/{}", "{\"key\":{...},\"tags\":{\"v\":\"{}\"}}", "key.kid",
     *  "tags.v"}, */
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* An acknowledged write: the version's path and the value it must hold. */
struct ack {
    int kind;
    char path[256];
    char value[64];
};

struct mock {
    const char *bin, *fixture;
    char dir[256], state[300], ready[300], log[300], ca[400];
    int port;
    pid_t pid;
};

struct run {
    struct mock m;
    char token[8192];
    pthread_mutex_t mu;
    struct ack *acks;
    size_t nacks, cap;
    int round;
    unsigned long unexpected; /* answers other than 2xx that a kill does not explain */
    unsigned long cut;        /* writes without an answer (in flight at the kill) */
};

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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request to the mock; returns the status (0 on a transport error) and the body in *out
 * (the caller frees it). host: "demo.localhost" for the vault, "localhost" for Entra ID. */
static long request(struct run *r, CURL *h, const char *method, const char *host, const char *path,
                    const char *body, const char *ctype, bool bearer, char **out)
{
    char url[512], res[128], auth[8300], ct[128];
    struct curl_slist *hl = NULL, *resolve = NULL;
    struct buf b = {0};
    long status = 0;

    snprintf(url, sizeof url, "https://%s:%d%s", host, r->m.port, path);
    snprintf(res, sizeof res, "%s:%d:127.0.0.1", host, r->m.port);
    resolve = curl_slist_append(resolve, res);
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->token);
        hl = curl_slist_append(hl, auth);
    }
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        hl = curl_slist_append(hl, ct);
    }
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(h, CURLOPT_CAINFO, r->m.ca);
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
static bool member(const char *json, const char *dotted, char *out, size_t n)
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

/* tmpl with its one {} replaced by arg. */
static void subst(char *out, size_t n, const char *tmpl, const char *arg)
{
    const char *at = strstr(tmpl, "{}");

    if (!at)
        snprintf(out, n, "%s", tmpl);
    else
        snprintf(out, n, "%.*s%s%s", (int)(at - tmpl), tmpl, arg, at + 2);
}

/* ---- The mock process ---- */

static int mock_start(struct mock *m)
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
static int mock_stop(struct mock *m, int sig)
{
    int status = -1;

    if (m->pid <= 0)
        return -1;
    kill(m->pid, sig ? sig : SIGTERM);
    waitpid(m->pid, &status, 0);
    m->pid = 0;
    return status;
}

static bool get_token(struct run *r)
{
    CURL *h = curl_easy_init();
    char *body = NULL;
    long st = h ? request(r, h, "POST", "localhost", "/" TENANT "/oauth2/v2.0/token", ADMIN_FORM,
                          "application/x-www-form-urlencoded", false, &body)
                : 0;
    bool ok = st == 200 && member(body, "access_token", r->token, sizeof r->token);

    free(body);
    curl_easy_cleanup(h);
    return ok;
}

/* ---- Writers ---- */

struct writer {
    struct run *r;
    int id;
    _Atomic bool *stop;
    unsigned long acked;
};

static void record(struct run *r, int kind, const char *path, const char *value)
{
    pthread_mutex_lock(&r->mu);
    if (r->nacks == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct ack *p = realloc(r->acks, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&r->mu);
            abort();
        }
        r->acks = p;
        r->cap = cap;
    }
    struct ack *a = &r->acks[r->nacks++];
    a->kind = kind;
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->value, sizeof a->value, "%s", value);
    pthread_mutex_unlock(&r->mu);
}

/* Writes until its connection fails (the kill): every 2xx answer is recorded as acknowledged. */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct run *r = w->r;
    CURL *h = curl_easy_init();

    for (unsigned seq = 0; h && !*w->stop; seq++) {
        int k = (int)((seq + (unsigned)w->id) % NKINDS);
        char name[64], path[160], value[64], body[512], id[512], vpath[256];
        char *answer = NULL;
        long st;

        snprintf(name, sizeof name, "crash-w%d-n%u", w->id, seq % NAMES_PER_WRITER);
        snprintf(value, sizeof value, "r%d-w%d-s%u-%08x", r->round, w->id, seq, (unsigned)random());
        subst(path, sizeof path, kinds[k].path_fmt, name);
        strncat(path, "?" API, sizeof path - strlen(path) - 1);
        subst(body, sizeof body, kinds[k].body_fmt, value);
        st = request(r, h, kinds[k].method, "demo.localhost", path, body, "application/json", true,
                     &answer);
        if (st >= 200 && st < 300) {
            const char *p;
            /* The version's path, from the URL the answer names. */
            if (member(answer, kinds[k].id_member, id, sizeof id) && (p = strstr(id, "://")) &&
                (p = strchr(p + 3, '/'))) {
                snprintf(vpath, sizeof vpath, "%s", p);
                record(r, k, vpath, value);
                w->acked++;
            } else {
                pthread_mutex_lock(&r->mu);
                r->unexpected++;
                pthread_mutex_unlock(&r->mu);
            }
        } else {
            pthread_mutex_lock(&r->mu);
            if (st == 0)
                r->cut++;
            else
                r->unexpected++;
            pthread_mutex_unlock(&r->mu);
            free(answer);
            break; /* a cut connection is the kill; anything else is reported */
        }
        free(answer);
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* Checks acks[from, to): each version must be there with its value. Returns how many are not. */
static size_t verify(struct run *r, size_t from, size_t to)
{
    CURL *h = curl_easy_init();
    size_t lost = 0, shown = 0;

    for (size_t i = from; h && i < to; i++) {
        const struct ack *a = &r->acks[i];
        char path[300], got[64];
        char *answer = NULL;
        long st;

        snprintf(path, sizeof path, "%s?" API, a->path);
        st = request(r, h, "GET", "demo.localhost", path, NULL, NULL, true, &answer);
        if (st != 200 || !member(answer, kinds[a->kind].check_member, got, sizeof got) ||
            strcmp(got, a->value) != 0) {
            if (shown++ < 5)
                printf("# lost: %s %s (GET answered %ld)\n", kinds[a->kind].what, a->path, st);
            lost++;
        }
        free(answer);
    }
    curl_easy_cleanup(h);
    return h ? lost : to - from;
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int main(int argc, char **argv)
{
    static struct run r;
    const char *tmp = getenv("TMPDIR");
    int failed = 0, n = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: test-crash MOCKVAULT_BIN FIXTURE\n");
        return 2;
    }
    srandom((unsigned)time(NULL) ^ (unsigned)getpid());
    r.m.bin = argv[1];
    r.m.fixture = argv[2];
    snprintf(r.m.dir, sizeof r.m.dir, "%s/mvt-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r.m.dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(r.m.state, sizeof r.m.state, "%s/state", r.m.dir);
    snprintf(r.m.ready, sizeof r.m.ready, "%s/ready.json", r.m.dir);
    snprintf(r.m.log, sizeof r.m.log, "%s/mock.log", r.m.dir);
    snprintf(r.m.ca, sizeof r.m.ca, "%s/ca.pem", r.m.state);
    pthread_mutex_init(&r.mu, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    printf("1..%d\n", ROUNDS + 2);
    if (mock_start(&r.m) != 0) {
        printf("Bail out! the mock did not start\n");
        return 1;
    }
    for (r.round = 1; r.round <= ROUNDS; r.round++) {
        pthread_t th[WRITERS];
        struct writer w[WRITERS];
        _Atomic bool stop = false;
        size_t from = r.nacks, lost;
        unsigned long cut0 = r.cut, unexpected0 = r.unexpected;
        int status, started = 0;
        bool up;

        if (!get_token(&r)) {
            printf("Bail out! no token in round %d\n", r.round);
            failed = 1;
            break;
        }
        for (int i = 0; i < WRITERS; i++) {
            w[i] = (struct writer){.r = &r, .id = i, .stop = &stop};
            if (pthread_create(&th[i], NULL, writer_main, &w[i]) == 0)
                started++;
        }
        /* The kill lands 150-450 ms in, while every writer has a request in flight. */
        usleep((useconds_t)(150000 + random() % 300000));
        status = mock_stop(&r.m, SIGKILL);
        stop = true;
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        up = mock_start(&r.m) == 0;
        lost = up && get_token(&r) ? verify(&r, from, r.nacks) : r.nacks - from;
        n++;
        if (up && lost == 0 && r.unexpected == unexpected0 && WIFSIGNALED(status) &&
            r.nacks > from) {
            printf("ok %d - round %d: %zu writes acknowledged before SIGKILL, %lu cut by it; "
                   "the state loads and every acknowledged write is there\n",
                   n, r.round, r.nacks - from, r.cut - cut0);
        } else {
            printf("not ok %d - round %d: %zu acknowledged, %zu lost, %lu unexpected answers, "
                   "state %s\n",
                   n, r.round, r.nacks - from, lost, r.unexpected - unexpected0,
                   up ? "loads" : "DOES NOT LOAD");
            failed = 1;
            if (!up)
                break;
        }
    }
    if (!failed || r.m.pid > 0) {
        size_t lost = verify(&r, 0, r.nacks);
        n++;
        printf("%s %d - all %zu writes acknowledged in %d rounds are there at the end\n",
               lost == 0 ? "ok" : "not ok", n, r.nacks, ROUNDS);
        failed |= lost != 0;
    }
    {
        int status = mock_stop(&r.m, 0);
        n++;
        bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        printf("%s %d - the mock stops cleanly on SIGTERM after the last round\n",
               clean ? "ok" : "not ok", n);
        failed |= !clean;
    }
    if (failed) {
        char line[512];
        FILE *f = fopen(r.m.log, "r");
        printf("# the mock's log (%s):\n", r.m.log);
        while (f && fgets(line, sizeof line, f))
            printf("# %s", line);
        if (f)
            fclose(f);
    } else {
        nftw(r.m.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(r.acks);
    curl_global_cleanup();
    pthread_mutex_destroy(&r.mu);
    return failed;
}
