/* authz-common.c: the expectations, requests, log readers and fixtures the test-http-authz-*.c
 * suites share (authz-common.h). */
#include "authz-common.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mv_server *srv;
char *admin_tok, *flow_tok;
static char *restore_blob; /* backup of RESTORED, a name the fixture does not have */
FILE *log_fp;              /* the server's log, for the cases that read it */

/* The operations (authz-common.h says what the fields hold). */
const struct op ops[] = {
    {"SetSecret", "PUT", "/secrets/{}", PRE_LIVE, "{\"value\":\"authz-new-value\"}", 200, "set",
     "setSecret/action", true},
    {"GetSecret", "GET", "/secrets/{}", PRE_LIVE, NULL, 200, "get", "getSecret/action", true},
    {"UpdateSecret", "PATCH", "/secrets/{}/", PRE_LIVE, "{\"contentType\":\"text/plain\"}", 200,
     "set", "setSecret/action", true},
    {"DeleteSecret", "DELETE", "/secrets/{}", PRE_LIVE, NULL, 200, "delete", "delete", true},
    {"GetSecrets", "GET", "/secrets", PRE_LIVE, NULL, 200, "list", "readMetadata/action", false},
    {"GetSecretVersions", "GET", "/secrets/{}/versions", PRE_LIVE, NULL, 200, "list",
     "readMetadata/action", true},
    {"GetDeletedSecrets", "GET", "/deletedsecrets", PRE_DELETED, NULL, 200, "list",
     "readMetadata/action", false},
    {"GetDeletedSecret", "GET", "/deletedsecrets/{}", PRE_DELETED, NULL, 200, "get",
     "readMetadata/action", true},
    {"RecoverDeletedSecret", "POST", "/deletedsecrets/{}/recover", PRE_DELETED, "", 200, "recover",
     "recover/action", true},
    {"PurgeDeletedSecret", "DELETE", "/deletedsecrets/{}", PRE_DELETED, NULL, 204, "purge",
     "purge/action", true},
    {"BackupSecret", "POST", "/secrets/{}/backup", PRE_LIVE, "", 200, "backup", "backup/action",
     true},
    {"RestoreSecret", "POST", "/secrets/restore", PRE_RESTORE, NULL, 200, "restore",
     "restore/action", false},
};

_Static_assert(sizeof ops / sizeof ops[0] == NOPS, "NOPS counts the operations");

/* The secret o works on (for a restore, the one inside the blob). */
const char *op_target(const struct op *o)
{
    return o->pre == PRE_LIVE ? LIVE : o->pre == PRE_DELETED ? DELETED : RESTORED;
}

/* The exact spec §2 bodies. */
void access_denied_body(char *out, size_t n, const char *appid, const char *oid, const char *perm,
                        const char *vault)
{
    snprintf(out, n,
             "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application "
             "'appid=%s;oid=%s;iss=https://sts.windows.net/" T_TENANT "/' does not have secrets "
             "%s permission on key vault '%s;location=westeurope'. For help resolving this issue, "
             "please see https://go.microsoft.com/fwlink/?linkid=2125287\","
             "\"innererror\":{\"code\":\"AccessDenied\"}}}",
             appid, oid, perm, vault);
}

void rbac_denied_body(char *out, size_t n, const char *appid, const char *oid, const char *action,
                      const char *secret)
{
    snprintf(out, n,
             "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized to "
             "perform action on resource.\\r\\nIf role assignments, deny assignments or role "
             "definitions were changed recently, please observe propagation time.\\r\\n"
             "Caller: appid=%s;oid=%s;iss=https://sts.windows.net/" T_TENANT "/\\r\\n"
             "Action: '" ACT "%s'\\r\\n"
             "Resource: '" RESOURCE_VAULT "%s%s'\\r\\n"
             "Assignment: (not found)\\r\\nDenyAssignmentId: null\\r\\nDecisionReason: null "
             "\\r\\nVault: rbac-demo;location=westeurope\\r\\n\","
             "\"innererror\":{\"code\":\"ForbiddenByRbac\"}}}",
             appid, oid, action, secret ? "/secrets/" : "", secret ? secret : "");
}

/* The explanation line of a denial of o for the flow principal (the text after the log prefix).
 * holds/change: what it holds and the smallest change, as the issue asks. */
void explain_line(char *out, size_t n, const char *vault, const struct op *o, const char *needs,
                  const char *holds, const char *change)
{
    snprintf(out, n,
             "authz: denied %s on vault %s%s%s by appid=" T_FLOW_ID " oid=" T_FLOW_OID
             " ('automation-flow'): needs %s; holds %s; smallest change: %s",
             o->name, vault, o->on_secret ? " secret " : "", o->on_secret ? op_target(o) : "",
             needs, holds, change);
}

/* ---- Requests over kept-alive connections ---- */

/* testlib's mvt_request opens a new TLS connection per request; a matrix case makes a handful of
 * requests, and under ASan the handshakes were most of the run time. kreq has hc_req's contract
 * (aborts the test when there is no HTTP answer) but keeps one libcurl handle, whose connection
 * cache survives curl_easy_reset, per server and process. */
static CURL *conn;
static pid_t conn_pid;

static void conn_close(void)
{
    if (conn && conn_pid == getpid())
        curl_easy_cleanup(conn);
    conn = NULL; /* a handle inherited over fork() is left alone: its TLS state is the parent's */
}

void kreq(struct mv_server *server, const char *method, const char *host, const char *path,
          const char *token, const char *const *headers, const char *body, struct mvt_resp *out)
{
    struct curl_slist *hl = NULL, *res = NULL;
    struct mvt_buf b = {NULL, 0}, h = {NULL, 0};
    char url[2048], resolve[512], *auth = NULL;
    unsigned port = mv_server_port(server);
    CURLcode rc;

    memset(out, 0, sizeof *out);
    if (!conn || conn_pid != getpid()) {
        conn = curl_easy_init();
        conn_pid = getpid();
        ck_assert_msg(conn != NULL, "curl_easy_init");
    }
    curl_easy_reset(conn);
    if (!host)
        host = "localhost";
    snprintf(url, sizeof url, "https://%s:%u%s", host, port, path);
    snprintf(resolve, sizeof resolve, "%s:%u:127.0.0.1", host, port);
    res = curl_slist_append(res, resolve);
    curl_easy_setopt(conn, CURLOPT_RESOLVE, res);
    curl_easy_setopt(conn, CURLOPT_URL, url);
    curl_easy_setopt(conn, CURLOPT_CUSTOMREQUEST, method);
    mvt_trust_mock(conn, server);
    curl_easy_setopt(conn, CURLOPT_WRITEFUNCTION, mvt_buf_add);
    curl_easy_setopt(conn, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(conn, CURLOPT_HEADERFUNCTION, mvt_buf_add);
    curl_easy_setopt(conn, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(conn, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(conn, CURLOPT_TIMEOUT, 30L);
    if (token) {
        size_t n = strlen(token) + 32;
        auth = hc_xmalloc(n);
        snprintf(auth, n, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (body) {
        curl_easy_setopt(conn, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(conn, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        hl = curl_slist_append(hl, "Expect:");
    }
    curl_easy_setopt(conn, CURLOPT_HTTPHEADER, hl);
    rc = curl_easy_perform(conn);
    curl_slist_free_all(hl);
    curl_slist_free_all(res);
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    if (rc != CURLE_OK) {
        free(b.p);
        free(h.p);
        ck_abort_msg("%s %s (host %s): no HTTP response (%s)", method, path, host,
                     curl_easy_strerror(rc));
    }
    curl_easy_getinfo(conn, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = b.p ? b.p : strdup("");
    out->len = b.n;
    out->headers = h.p ? h.p : strdup("");
    out->json = cJSON_Parse(out->body);
}

/* The body of GET /_mock/state (caller frees). */
char *state_of(void)
{
    struct mvt_resp r;
    char *st;

    kreq(srv, "GET", "localhost", "/_mock/state", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/state");
    st = r.body;
    r.body = NULL;
    mvt_resp_free(&r);
    return st;
}

long reset_status(void)
{
    struct mvt_resp r;
    long st;

    kreq(srv, "POST", "localhost", "/_mock/reset", NULL, NULL, NULL, &r);
    st = r.status;
    mvt_resp_free(&r);
    return st;
}

/* ---- Helpers ---- */

/* path with "{}" replaced by name and the api-version added. */
static const char *op_path(const struct op *o, const char *name, char *buf, size_t n)
{
    const char *p = strstr(o->path, "{}");

    if (p)
        snprintf(buf, n, "%.*s%s%s?api-version=" HC_API, (int)(p - o->path), o->path, name, p + 2);
    else
        snprintf(buf, n, "%s?api-version=" HC_API, o->path);
    return buf;
}

/* Asserts one admin request's status. */
void admin_call(const char *host, const char *method, const char *path, const char *body, long want,
                const char *what, struct mvt_resp *keep)
{
    struct mvt_resp r;
    char p[300];

    kreq(srv, method, host, hc_path(p, sizeof p, path, NULL), admin_tok, NULL, body, &r);
    hc_assert_status(&r, want, what);
    if (keep)
        *keep = r;
    else
        mvt_resp_free(&r);
}

/* Sends o as the holder of tok. */
void run_op(const char *host, const struct op *o, const char *tok, struct mvt_resp *out)
{
    char p[300], *body = NULL;

    if (o->pre == PRE_RESTORE) {
        size_t n = strlen(restore_blob) + 32;
        body = hc_xmalloc(n);
        snprintf(body, n, "{\"value\":\"%s\"}", restore_blob);
    }
    kreq(srv, o->method, host, op_path(o, op_target(o), p, sizeof p), tok, NULL,
         body ? body : o->body, out);
    free(body);
}

/* PUT /_mock/vaults/{vault}/{key} with json; asserts 200. */
void put_access(const char *vault, const char *key, const char *json)
{
    struct mvt_resp r;
    char path[200];

    snprintf(path, sizeof path, "/_mock/vaults/%s/%s", vault, key);
    kreq(srv, "PUT", "localhost", path, NULL, NULL, json, &r);
    hc_assert_status(&r, 200, path);
    mvt_resp_free(&r);
}

bool is_hex32(const char *s)
{
    return s && strlen(s) == 32 && strspn(s, "0123456789abcdefABCDEF") == 32;
}

void assert_json_eq(const cJSON *got, const char *want, const char *what)
{
    cJSON *w = cJSON_Parse(want);
    char *g = got ? cJSON_PrintUnformatted(got) : NULL;

    ck_assert_msg(w != NULL, "%s: bad expectation", what);
    ck_assert_msg(got && cJSON_Compare(got, w, true), "%s: got %s, want %s", what,
                  g ? g : "(missing)", want);
    free(g);
    cJSON_Delete(w);
}

/* The log from byte offset from on (caller frees), read with pread so the server's file offset
 * is not moved (the server's FILE keeps appending where it was). */
char *read_log(size_t from)
{
    struct stat st;
    size_t len;
    char *buf;
    ssize_t n;

    ck_assert_msg(log_fp != NULL, "no log file");
    ck_assert_int_eq(fstat(fileno(log_fp), &st), 0);
    len = (size_t)st.st_size > from ? (size_t)st.st_size - from : 0;
    buf = hc_xmalloc(len + 1);
    n = pread(fileno(log_fp), buf, len, (off_t)from);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/* Number of lines of log containing needle; the first one is copied into line (without the
 * newline). */
int log_lines(const char *log, const char *needle, char *line, size_t n)
{
    int count = 0;
    const char *p = log;

    if (line && n)
        line[0] = '\0';
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char *hit = memmem(p, len, needle, strlen(needle));
        if (hit) {
            if (count == 0 && line)
                snprintf(line, n, "%.*s", (int)len, p);
            count++;
        }
        p += len + (eol ? 1 : 0);
    }
    return count;
}

size_t log_size(void)
{
    struct stat st;
    ck_assert_int_eq(fstat(fileno(log_fp), &st), 0);
    return (size_t)st.st_size;
}

/* Asserts that line ends with want (the text after the timestamp and "mockvault: " prefix). */
void assert_line_ends_with(const char *line, const char *want, const char *what)
{
    size_t ll = strlen(line), wl = strlen(want);
    ck_assert_msg(ll >= wl && strcmp(line + ll - wl, want) == 0,
                  "%s: explanation line\n  got  %s\n  want ...%s", what, line, want);
}

/* Asserts the log since mark: no authz line when explain is NULL, else exactly one, ending with
 * explain. */
void assert_explained(size_t mark, const char *explain, const char *what)
{
    char *log = read_log(mark), line[2048];
    int n = log_lines(log, "authz: ", line, sizeof line);

    free(log);
    if (!explain) {
        ck_assert_msg(n == 0, "%s: allowed, yet %d authz line(s): %s", what, n, line);
        return;
    }
    ck_assert_msg(n == 1, "%s: %d authz lines for one denial, want 1", what, n);
    assert_line_ends_with(line, explain, what);
}

/* ---- Fixtures ---- */

static void tokens(void)
{
    admin_tok = mvt_admin_token(srv);
    ck_assert_msg(admin_tok != NULL, "admin token");
    flow_tok = mvt_token(srv, T_FLOW_ID, T_FLOW_SECRET, KV_SCOPE);
    ck_assert_msg(flow_tok != NULL, "automation-flow token");
}

/* One server per TCase (unchecked); the backup blob the restores use is taken once: RESTORED
 * is made, backed up, and gone again after the reset. */
static void shared_start(const char *fixture, const char *host)
{
    struct mv_server_config cfg;
    struct mvt_resp r;

    /* The tests read the log with pread, which never moves the server's file offset. */
    log_fp = tmpfile();
    ck_assert_msg(log_fp != NULL, "tmpfile for the log");
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.authz = MV_AUTHZ_ENFORCE;
    cfg.log = log_fp;
    cfg.log_format = MV_LOG_TEXT;
    srv = mvt_start(fixture, &cfg);
    tokens();
    admin_call(host, "PUT", "/secrets/" RESTORED, "{\"value\":\"authz-restore-value\"}", 200,
               "start-up: set " RESTORED, NULL);
    admin_call(host, "POST", "/secrets/" RESTORED "/backup", "", 200, "start-up: backup", &r);
    ck_assert_msg(hc_jstr(r.json, "value") != NULL, "start-up: backup blob");
    restore_blob = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    ck_assert_int_eq(reset_status(), 200);
}

void shared_default(void)
{
    shared_start("fixtures/default.json", DEMO);
}

void shared_rbac(void)
{
    shared_start("fixtures/test-rbac.json", RBAC);
}

void shared_stop(void)
{
    conn_close();
    hc_free_token(admin_tok);
    hc_free_token(flow_tok);
    admin_tok = flow_tok = NULL;
    free(restore_blob);
    restore_blob = NULL;
    if (log_fp)
        fclose(log_fp);
    log_fp = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* Checked: every case starts from the loaded fixture (secrets, policies, usage record). */
void reset(void)
{
    long st = reset_status();
    ck_assert_msg(st == 200, "POST /_mock/reset: status %ld", st);
}

/* A server of its own with a captured log, for the cases that read the log. */
static void logged_start(enum mv_authz_mode mode)
{
    struct mv_server_config cfg;

    log_fp = tmpfile();
    ck_assert_msg(log_fp != NULL, "tmpfile for the log");
    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.authz = mode;
    cfg.log = log_fp;
    cfg.log_format = MV_LOG_TEXT;
    srv = mvt_start("fixtures/default.json", &cfg);
    tokens();
}

void logged_enforce(void)
{
    logged_start(MV_AUTHZ_ENFORCE);
}

void logged_audit(void)
{
    logged_start(MV_AUTHZ_AUDIT);
}

void logged_off(void)
{
    logged_start(MV_AUTHZ_OFF);
}

void logged_stop(void)
{
    shared_stop(); /* closes the log too */
}

TCase *shared_tcase(const char *name, void (*start)(void))
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, start, shared_stop);
    tcase_add_checked_fixture(tc, reset, NULL);
    return tc;
}

TCase *logged_tcase(const char *name, void (*start)(void))
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, start, logged_stop);
    return tc;
}

/* The shared servers run their threads in this process. A test forked from a threaded
 * process can inherit a lock a server thread held at fork() and hang in it (seen: glibc's
 * __libc_setlocale_lock, in p11-kit's destructor at the child's exit; about one case in
 * two thousand), so the tests always run in this process, whatever CK_FORK says; the checked
 * POST /_mock/reset still isolates them. */
int authz_run(Suite *s)
{
    return mvt_run(s, true);
}
