/* test-http-authz.c: authorization per vault (issue 3 part 1, DESIGN.md §6-§7, spec/keyvault-
 * secrets.md §2) over real HTTPS against the embedded server:
 *  - access policies: every operation x {its permission alone, every permission but it}, plus
 *    "all", no entry, and compound entries (applicationId), with the exact AccessDenied body;
 *  - RBAC: every built-in role x every operation x scope {vault, the secret the operation
 *    targets, another secret}, with the exact ForbiddenByRbac body or the assignment-id header;
 *  - denial -> grant through the control API -> success, with the one explanation line;
 *  - --authz audit and off;
 *  - GET /_mock/authz/needed;
 *  - the control API's answers to bad input.
 *
 * The subject is the automation-flow app, whose access policy / role assignments each case
 * replaces through the control API. The matrices share one server per TCase, back to the fixture
 * before every case (checked POST /_mock/reset), and work on secrets the fixtures have (a live
 * and a soft-deleted one) plus a backup blob taken with the admin token at start-up. Every
 * denial must also leave exactly one explanation line in the log, and an allowed request none.
 *
 * Failure messages print statuses, error codes, denial bodies and log lines (none of which
 * carries a secret value), never a body that may hold a value, and never a token. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpcheck.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define RBAC "rbac-demo.localhost"
#define KV_SCOPE "https://vault.azure.net/.default"

#define T_ADMIN_OID "aaaaaaaa-0000-0000-0000-0000000000a1"
#define T_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define T_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define T_NOACCESS_SECRET "noaccess-client-secret"
#define T_NOACCESS_OID "cccccccc-0000-0000-0000-0000000000c3"
#define OTHER_TENANT "99999999-2222-2222-2222-222222222222"

/* The secrets the matrix operations target, all in both fixtures (default.json's demo and
 * test-rbac.json's rbac-demo) or, for the restore, made free again by the reset: a live secret, a
 * soft-deleted one, and the name inside the backup blob. Another secret no operation touches. */
#define LIVE "api-key"
#define DELETED "old-secret"
#define RESTORED "authz-restore"
#define OTHER "authz-other"
/* A secret the single cases make themselves. */
#define TARGET "authz-target"

#define ACT "Microsoft.KeyVault/vaults/secrets/"
#define RESOURCE_VAULT                                                                             \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/providers/"      \
    "microsoft.keyvault/vaults/rbac-demo"

#define ADMIN_POLICY "{\"objectId\":\"" T_ADMIN_OID "\",\"permissions\":{\"secrets\":[\"all\"]}}"
#define ADMIN_ROLE                                                                                 \
    "{\"principalId\":\"" T_ADMIN_OID "\",\"role\":\"Key Vault Administrator\",\"scope\":\"/\"}"

static const char purge_protected_msg[] =
    "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key "
    "Vault service will automatically purge it after the retention period has passed. Vault: "
    "rbac-demo;location=westeurope";

static struct mv_server *srv;
static char *admin_tok, *flow_tok;
static char *restore_blob; /* backup of RESTORED, a name the fixture does not have */
static FILE *log_fp;       /* the server's log, for the cases that read it */

/* ---- The expectations, written from the spec (not from the server's tables) ---- */

enum pre {
    PRE_LIVE,    /* targets LIVE */
    PRE_DELETED, /* targets DELETED */
    PRE_RESTORE, /* restores the backup of RESTORED taken at start-up */
};

/* Access-policy permissions per REST reference ("This operation requires the secrets/<p>
 * permission"); RBAC data actions per spec §2: get -> getSecret, list/metadata -> readMetadata,
 * set -> setSecret, delete -> delete, recover/backup/restore/purge -> their own. on_secret: the
 * resource is the one secret the operation targets, so an assignment at /secrets/{that name}
 * applies; list, list-deleted and restore are vault-level. */
static const struct op {
    const char *name, *method, *path; /* "{}" in path stands for the secret name */
    enum pre pre;
    const char *body; /* NULL: no body; PRE_RESTORE sends the backup blob */
    long ok_status;
    const char *perm;
    const char *action; /* after ACT */
    bool on_secret;
} ops[] = {
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
#define NOPS ((int)(sizeof ops / sizeof ops[0]))

static const char *const all_perms[] = {"get",     "list",   "set",     "delete",
                                        "recover", "backup", "restore", "purge"};
#define NPERMS ((int)(sizeof all_perms / sizeof all_perms[0]))

/* The built-in roles' secret data actions: Reader readMetadata only; Secrets User getSecret and
 * readMetadata; Officer and Administrator every secret action. */
static const struct role {
    const char *name;
    bool every_action, get, metadata;
} roles[] = {
    {"Key Vault Administrator", true, true, true},
    {"Key Vault Secrets Officer", true, true, true},
    {"Key Vault Secrets User", false, true, true},
    {"Key Vault Reader", false, false, true},
};
#define NROLES ((int)(sizeof roles / sizeof roles[0]))

/* The secret o works on (for a restore, the one inside the blob). */
static const char *op_target(const struct op *o)
{
    return o->pre == PRE_LIVE ? LIVE : o->pre == PRE_DELETED ? DELETED : RESTORED;
}

/* Scopes: the vault, the secret the operation targets, another secret. */
enum { SCOPE_VAULT, SCOPE_TARGET, SCOPE_OTHER, NSCOPES };

static const char *scope_of(int which, const struct op *o, char *buf, size_t n)
{
    if (which == SCOPE_VAULT)
        return "/";
    snprintf(buf, n, "/secrets/%s", which == SCOPE_TARGET ? op_target(o) : OTHER);
    return buf;
}

static bool role_allows(const struct role *ro, const struct op *o)
{
    if (ro->every_action)
        return true;
    if (strcmp(o->action, "getSecret/action") == 0)
        return ro->get;
    if (strcmp(o->action, "readMetadata/action") == 0)
        return ro->metadata;
    return false;
}

static bool scope_applies(int which, const struct op *o)
{
    return which == SCOPE_VAULT || (which == SCOPE_TARGET && o->on_secret);
}

/* The exact spec §2 bodies. */
static void access_denied_body(char *out, size_t n, const char *appid, const char *oid,
                               const char *perm, const char *vault)
{
    snprintf(out, n,
             "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application "
             "'appid=%s;oid=%s;iss=https://sts.windows.net/" T_TENANT "/' does not have secrets "
             "%s permission on key vault '%s;location=westeurope'. For help resolving this issue, "
             "please see https://go.microsoft.com/fwlink/?linkid=2125287\","
             "\"innererror\":{\"code\":\"AccessDenied\"}}}",
             appid, oid, perm, vault);
}

static void rbac_denied_body(char *out, size_t n, const char *appid, const char *oid,
                             const char *action, const char *secret)
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
static void explain_line(char *out, size_t n, const char *vault, const struct op *o,
                         const char *needs, const char *holds, const char *change)
{
    snprintf(out, n,
             "authz: denied %s on vault %s%s%s by appid=" T_FLOW_ID " oid=" T_FLOW_OID
             " ('automation-flow'): needs %s; holds %s; smallest change: %s",
             o->name, vault, o->on_secret ? " secret " : "", o->on_secret ? op_target(o) : "",
             needs, holds, change);
}

/* The smallest built-in role that grants o's action. */
static const char *smallest_role_for(const struct op *o)
{
    if (strcmp(o->action, "readMetadata/action") == 0)
        return "Key Vault Reader";
    if (strcmp(o->action, "getSecret/action") == 0)
        return "Key Vault Secrets User";
    return "Key Vault Secrets Officer";
}

/* ---- Requests over kept-alive connections ---- */

/* testlib's mvt_request opens a new TLS connection per request; a matrix case makes a handful of
 * requests, and under ASan the handshakes were most of the run time. kreq has hc_req's contract
 * (aborts the test when there is no HTTP answer) but keeps one libcurl handle, whose connection
 * cache survives curl_easy_reset, per server and process. */
static CURL *conn;
static pid_t conn_pid;

struct kbuf {
    char *p;
    size_t n;
};

static size_t kbuf_add(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct kbuf *b = ud;
    size_t add = size * nmemb;
    char *np = realloc(b->p, b->n + add + 1);

    if (!np)
        return 0;
    memcpy(np + b->n, ptr, add);
    b->n += add;
    np[b->n] = '\0';
    b->p = np;
    return add;
}

static void conn_close(void)
{
    if (conn && conn_pid == getpid())
        curl_easy_cleanup(conn);
    conn = NULL; /* a handle inherited over fork() is left alone: its TLS state is the parent's */
}

static void kreq(struct mv_server *server, const char *method, const char *host, const char *path,
                 const char *token, const char *const *headers, const char *body,
                 struct mvt_resp *out)
{
    struct curl_slist *hl = NULL, *res = NULL;
    struct kbuf b = {NULL, 0}, h = {NULL, 0};
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
    curl_easy_setopt(conn, CURLOPT_WRITEFUNCTION, kbuf_add);
    curl_easy_setopt(conn, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(conn, CURLOPT_HEADERFUNCTION, kbuf_add);
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
static char *state_of(void)
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

static long reset_status(void)
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
static void admin_call(const char *host, const char *method, const char *path, const char *body,
                       long want, const char *what, struct mvt_resp *keep)
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
static void run_op(const char *host, const struct op *o, const char *tok, struct mvt_resp *out)
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
static void put_access(const char *vault, const char *key, const char *json)
{
    struct mvt_resp r;
    char path[200];

    snprintf(path, sizeof path, "/_mock/vaults/%s/%s", vault, key);
    kreq(srv, "PUT", "localhost", path, NULL, NULL, json, &r);
    hc_assert_status(&r, 200, path);
    mvt_resp_free(&r);
}

static bool is_hex32(const char *s)
{
    return s && strlen(s) == 32 && strspn(s, "0123456789abcdefABCDEF") == 32;
}

/* The log from byte offset from on (caller frees), read with pread so the server's file offset
 * is not moved (the server's FILE keeps appending where it was). */
static char *read_log(size_t from)
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
static int log_lines(const char *log, const char *needle, char *line, size_t n)
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

static size_t log_size(void)
{
    struct stat st;
    ck_assert_int_eq(fstat(fileno(log_fp), &st), 0);
    return (size_t)st.st_size;
}

/* Asserts that line ends with want (the text after the timestamp and "mockvault: " prefix). */
static void assert_line_ends_with(const char *line, const char *want, const char *what)
{
    size_t ll = strlen(line), wl = strlen(want);
    ck_assert_msg(ll >= wl && strcmp(line + ll - wl, want) == 0,
                  "%s: explanation line\n  got  %s\n  want ...%s", what, line, want);
}

/* Asserts the log since mark: no authz line when explain is NULL, else exactly one, ending with
 * explain. */
static void assert_explained(size_t mark, const char *explain, const char *what)
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

static void shared_default(void)
{
    shared_start("fixtures/default.json", DEMO);
}

static void shared_rbac(void)
{
    shared_start("fixtures/test-rbac.json", RBAC);
}

static void shared_stop(void)
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
static void reset(void)
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

static void logged_enforce(void)
{
    logged_start(MV_AUTHZ_ENFORCE);
}

static void logged_audit(void)
{
    logged_start(MV_AUTHZ_AUDIT);
}

static void logged_off(void)
{
    logged_start(MV_AUTHZ_OFF);
}

static void logged_stop(void)
{
    shared_stop(); /* closes the log too */
}

/* ---- 1. Access policies ---- */

enum ap_variant {
    AP_ALONE,        /* the needed permission alone: allowed */
    AP_ALL_EXCEPT,   /* every permission except the needed one: denied */
    AP_ALL,          /* "all": allowed */
    AP_NONE,         /* no entry for the principal: denied */
    AP_OTHER_APP,    /* compound entry naming another application: does not match, denied */
    AP_SAME_APP,     /* compound entry naming the caller's own application: allowed */
    AP_TENANT,       /* entry with the vault's tenantId and the needed permission: allowed */
    AP_OTHER_TENANT, /* entry with another tenantId and "all": does not match, denied */
    AP_NVARIANTS
};

static const char *const ap_variant_name[] = {
    "permission alone",    "all but the permission", "all",           "no entry",
    "other applicationId", "own applicationId",      "with tenantId", "another tenantId",
};

START_TEST(test_ap_operation_x_permission)
{
    const struct op *o = &ops[_i / AP_NVARIANTS];
    enum ap_variant v = (enum ap_variant)(_i % AP_NVARIANTS);
    char perms[256] = "", entry[512] = "", list[1024], what[160], want[1024];
    const char *extra = ""; /* tenantId / applicationId of the entry */
    bool allowed = v == AP_ALONE || v == AP_ALL || v == AP_SAME_APP || v == AP_TENANT;
    struct mvt_resp r;
    char *s0 = NULL, *s1;
    size_t mark;

    snprintf(what, sizeof what, "%s with %s", o->name, ap_variant_name[v]);
    if (v == AP_ALL_EXCEPT) {
        size_t off = 0;
        for (int k = 0; k < NPERMS; k++)
            if (strcmp(all_perms[k], o->perm) != 0)
                off += (size_t)snprintf(perms + off, sizeof perms - off, "%s\"%s\"", off ? "," : "",
                                        all_perms[k]);
    } else if (v == AP_ALL || v == AP_OTHER_APP || v == AP_SAME_APP || v == AP_OTHER_TENANT) {
        snprintf(perms, sizeof perms, "\"all\"");
    } else {
        snprintf(perms, sizeof perms, "\"%s\"", o->perm);
    }
    switch (v) {
    case AP_TENANT:
        extra = "\"tenantId\":\"" T_TENANT "\",";
        break;
    case AP_OTHER_TENANT:
        extra = "\"tenantId\":\"" OTHER_TENANT "\",";
        break;
    case AP_OTHER_APP:
        extra = "\"applicationId\":\"" T_ADMIN_ID "\",";
        break;
    case AP_SAME_APP:
        extra = "\"applicationId\":\"" T_FLOW_ID "\",";
        break;
    default:
        break;
    }
    if (v != AP_NONE)
        snprintf(entry, sizeof entry,
                 ",{%s\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[%s]}}", extra,
                 perms);

    snprintf(list, sizeof list, "[" ADMIN_POLICY "%s]", entry);
    put_access("demo", "accessPolicies", list);
    if (!allowed)
        s0 = state_of();
    mark = log_size();
    run_op(DEMO, o, flow_tok, &r);
    if (allowed) {
        hc_assert_status(&r, o->ok_status, what);
        hc_assert_no_header(&r, "x-ms-keyvault-rbac-assignment-id", what);
        assert_explained(mark, NULL, what);
    } else {
        char needs[64], holds[256], change[256], explain[1024];
        snprintf(needs, sizeof needs, "secrets permission %s", o->perm);
        if (v == AP_ALL_EXCEPT) {
            size_t off = 0;
            off += (size_t)snprintf(holds, sizeof holds, "secrets [");
            for (int k = 0; k < NPERMS; k++)
                if (strcmp(all_perms[k], o->perm) != 0)
                    off += (size_t)snprintf(holds + off, sizeof holds - off, "%s%s",
                                            holds[off - 1] == '[' ? "" : ", ", all_perms[k]);
            snprintf(holds + off, sizeof holds - off, "]");
            snprintf(
                change, sizeof change,
                "add '%s' to the secret permissions of the access policy for objectId " T_FLOW_OID,
                o->perm);
        } else {
            snprintf(holds, sizeof holds, "no access policy entry");
            snprintf(change, sizeof change,
                     "add an access policy for objectId " T_FLOW_OID
                     " with secret permissions [%s]",
                     o->perm);
        }
        explain_line(explain, sizeof explain, "demo", o, needs, holds, change);
        assert_explained(mark, explain, what);
        hc_assert_status(&r, 403, what);
        access_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, o->perm, "demo");
        hc_assert_body(&r, want, true, what);
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", what);
        s1 = state_of();
        ck_assert_msg(strcmp(s0, s1) == 0, "%s: the denied request changed the state", what);
        free(s1);
    }
    mvt_resp_free(&r);
    free(s0);
}
END_TEST

/* Permissions of several entries for the same principal add up. */
START_TEST(test_ap_entries_add_up)
{
    struct mvt_resp r;
    char p[200];

    put_access("demo", "accessPolicies",
               "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":"
               "[\"get\"]}},{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":"
               "[\"list\"]}}]");
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets", NULL), flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, 200, "list from the second entry");
    mvt_resp_free(&r);
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/api-key", NULL), flow_tok, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "get from the first entry");
    mvt_resp_free(&r);
    kreq(srv, "DELETE", DEMO, hc_path(p, sizeof p, "/secrets/api-key", NULL), flow_tok, NULL, NULL,
         &r);
    hc_assert_status(&r, 403, "delete from neither");
    mvt_resp_free(&r);
}
END_TEST

/* Token and api-version are checked before authorization (router order, spec §3); a denied
 * caller learns nothing about whether a secret exists: 403, never 404. */
static const struct {
    const char *label, *method, *path;
    bool token;
    long status;
    const char *code; /* error.code */
    const char *perm; /* non-NULL: the exact AccessDenied body for this permission */
} ap_order_rows[] = {
    {"no token", "GET", "/secrets/db-password?api-version=" HC_API, false, 401, "Unauthorized",
     NULL},
    {"unknown api-version", "GET", "/secrets/db-password?api-version=7.99", true, 400,
     "BadParameter", NULL},
    {"no api-version", "GET", "/secrets/db-password", true, 400, "BadParameter", NULL},
    {"missing secret", "GET", "/secrets/no-such-secret?api-version=" HC_API, true, 403, "Forbidden",
     "get"},
    {"missing deleted secret", "DELETE", "/deletedsecrets/no-such-secret?api-version=" HC_API, true,
     403, "Forbidden", "purge"},
    {"recover of a live name", "POST", "/deletedsecrets/api-key/recover?api-version=" HC_API, true,
     403, "Forbidden", "recover"},
};

START_TEST(test_ap_checks_before_authz)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char want[1024];
    struct mvt_resp r;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    kreq(srv, ap_order_rows[_i].method, DEMO, ap_order_rows[_i].path,
         ap_order_rows[_i].token ? noacc : NULL, NULL,
         strcmp(ap_order_rows[_i].method, "POST") == 0 ? "" : NULL, &r);
    hc_assert_status(&r, ap_order_rows[_i].status, ap_order_rows[_i].label);
    ck_assert_msg(strcmp(hc_err_code(&r), ap_order_rows[_i].code) == 0, "%s: code %s, want %s",
                  ap_order_rows[_i].label, hc_err_code(&r), ap_order_rows[_i].code);
    if (ap_order_rows[_i].perm) {
        access_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, ap_order_rows[_i].perm,
                           "demo");
        hc_assert_body(&r, want, true, ap_order_rows[_i].label);
    }
    mvt_resp_free(&r);
    hc_free_token(noacc);
}
END_TEST

/* ---- 2. RBAC ---- */

START_TEST(test_rbac_role_x_operation_x_scope)
{
    const struct role *ro = &roles[_i / (NOPS * NSCOPES)];
    const struct op *o = &ops[(_i / NSCOPES) % NOPS];
    char sb[200];
    const char *scope = scope_of(_i % NSCOPES, o, sb, sizeof sb);
    bool allowed = role_allows(ro, o) && scope_applies(_i % NSCOPES, o);
    char list[1024], what[200], want[2048], hb[128];
    struct mvt_resp r;
    char *s0 = NULL, *s1;
    size_t mark;

    snprintf(what, sizeof what, "%s: '%s' at %s", o->name, ro->name, scope);
    snprintf(list, sizeof list,
             "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID
             "\",\"role\":\"%s\",\"scope\":\"%s\"}]",
             ro->name, scope);
    put_access("rbac-demo", "roleAssignments", list);
    if (!allowed)
        s0 = state_of();
    mark = log_size();
    run_op(RBAC, o, flow_tok, &r);
    if (allowed) {
        const char *id;
        assert_explained(mark, NULL, what);
        hc_assert_status(&r, o->ok_status, what);
        id = mvt_header(&r, "x-ms-keyvault-rbac-assignment-id", hb, sizeof hb);
        ck_assert_msg(id != NULL, "%s: x-ms-keyvault-rbac-assignment-id missing", what);
        ck_assert_msg(is_hex32(id), "%s: x-ms-keyvault-rbac-assignment-id '%s' is not 32 hex", what,
                      id);
    } else {
        char needs[128], holds[256], change[256], explain[1024];
        snprintf(needs, sizeof needs, "action " ACT "%s", o->action);
        snprintf(holds, sizeof holds, "'%s' at %s", ro->name, scope);
        snprintf(change, sizeof change, "assign '%s' to principalId " T_FLOW_OID " at scope %s%s",
                 smallest_role_for(o), o->on_secret ? "/secrets/" : "/",
                 o->on_secret ? op_target(o) : "");
        explain_line(explain, sizeof explain, "rbac-demo", o, needs, holds, change);
        assert_explained(mark, explain, what);
        hc_assert_status(&r, 403, what);
        rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, o->action,
                         o->on_secret ? op_target(o) : NULL);
        hc_assert_body(&r, want, true, what);
        hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", what);
        hc_assert_no_header(&r, "x-ms-keyvault-rbac-assignment-id", what);
        s1 = state_of();
        ck_assert_msg(strcmp(s0, s1) == 0, "%s: the denied request changed the state", what);
        free(s1);
    }
    mvt_resp_free(&r);
    free(s0);
}
END_TEST

/* No assignment for the principal (only the admin's): every operation is ForbiddenByRbac. */
START_TEST(test_rbac_no_assignment)
{
    const struct op *o = &ops[_i];
    char what[160], want[2048], needs[128], change[256], explain[1024];
    struct mvt_resp r;
    size_t mark;

    snprintf(what, sizeof what, "%s without any assignment", o->name);
    put_access("rbac-demo", "roleAssignments", "[" ADMIN_ROLE "]");
    mark = log_size();
    run_op(RBAC, o, flow_tok, &r);
    snprintf(needs, sizeof needs, "action " ACT "%s", o->action);
    snprintf(change, sizeof change, "assign '%s' to principalId " T_FLOW_OID " at scope %s%s",
             smallest_role_for(o), o->on_secret ? "/secrets/" : "/",
             o->on_secret ? op_target(o) : "");
    explain_line(explain, sizeof explain, "rbac-demo", o, needs, "no role assignment in this vault",
                 change);
    assert_explained(mark, explain, what);
    hc_assert_status(&r, 403, what);
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, o->action,
                     o->on_secret ? op_target(o) : NULL);
    hc_assert_body(&r, want, true, what);
    mvt_resp_free(&r);
}
END_TEST

/* An access policy on an RBAC vault grants nothing (the model decides). */
START_TEST(test_rbac_vault_ignores_access_policies)
{
    struct mvt_resp r;
    char p[200], want[2048];

    put_access("rbac-demo", "roleAssignments", "[" ADMIN_ROLE "]");
    put_access("rbac-demo", "accessPolicies",
               "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[\"all\"]}}]");
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets", NULL), flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, 403, "list on an RBAC vault with an access policy only");
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, "readMetadata/action", NULL);
    hc_assert_body(&r, want, true, "list on an RBAC vault with an access policy only");
    mvt_resp_free(&r);
}
END_TEST

/* Secret names, and so secret scopes, are case-insensitive; a denial for a secret that does not
 * exist is still ForbiddenByRbac on that secret (no 404 to a denied caller). */
START_TEST(test_rbac_scope_case_and_missing_secret)
{
    struct mvt_resp r;
    char p[200], want[2048];

    admin_call(RBAC, "PUT", "/secrets/" TARGET, "{\"value\":\"authz-target-value\"}", 200,
               "precondition: set", NULL);
    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "User\",\"scope\":\"/secrets/AUTHZ-Target\"}]");
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/" TARGET, NULL), flow_tok, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "scope /secrets/AUTHZ-Target reaches authz-target");
    mvt_resp_free(&r);
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/Authz-TARGET", NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 200, "scope reaches Authz-TARGET");
    mvt_resp_free(&r);

    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/no-such-secret", NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 403, "GET of a missing secret outside the scope");
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, "getSecret/action",
                     "no-such-secret");
    hc_assert_body(&r, want, true, "GET of a missing secret outside the scope");
    mvt_resp_free(&r);

    /* Allowed but failing: the assignment id is sent on successful calls only (spec §4). */
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/no-such-secret", NULL), admin_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 404, "admin GET of a missing secret");
    ck_assert_str_eq(hc_err_code(&r), "SecretNotFound");
    hc_assert_no_header(&r, "x-ms-keyvault-rbac-assignment-id", "admin GET of a missing secret");
    mvt_resp_free(&r);
}
END_TEST

/* The default fixture's rbac-demo has purge protection: a purge the role allows is refused for
 * that reason (spec §2 "Purge while purge protection is on"); a role that does not allow it is
 * refused by RBAC first. */
START_TEST(test_rbac_purge_protection)
{
    struct mvt_resp r;
    char p[200], want[2048];

    admin_call(RBAC, "PUT", "/secrets/" TARGET, "{\"value\":\"authz-target-value\"}", 200,
               "precondition: set", NULL);
    admin_call(RBAC, "DELETE", "/secrets/" TARGET, NULL, 200, "precondition: delete", NULL);

    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "Officer\",\"scope\":\"/\"}]");
    kreq(srv, "DELETE", RBAC, hc_path(p, sizeof p, "/deletedsecrets/" TARGET, NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 403, "purge allowed by the role, purge protection on");
    ck_assert_str_eq(hc_err_code(&r), "Forbidden");
    ck_assert_msg(hc_jstr(r.json, "error.message") &&
                      strcmp(hc_jstr(r.json, "error.message"), purge_protected_msg) == 0,
                  "purge protection message: got %s", hc_jstr(r.json, "error.message"));
    ck_assert_msg(!hc_has(r.json, "error.innererror") ||
                      strcmp(hc_jstr(r.json, "error.innererror.code")
                                 ? hc_jstr(r.json, "error.innererror.code")
                                 : "",
                             "ForbiddenByRbac") != 0,
                  "purge protection is not an RBAC denial");
    mvt_resp_free(&r);

    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "User\",\"scope\":\"/\"}]");
    kreq(srv, "DELETE", RBAC, hc_path(p, sizeof p, "/deletedsecrets/" TARGET, NULL), flow_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 403, "purge not allowed by the role");
    rbac_denied_body(want, sizeof want, T_FLOW_ID, T_FLOW_OID, "purge/action", TARGET);
    hc_assert_body(&r, want, true, "purge not allowed by the role");
    mvt_resp_free(&r);
}
END_TEST

/* ---- 3. Denial -> grant at runtime -> success, with the explanation line ---- */

START_TEST(test_explain_access_policy_deny_grant)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], want[2048], line[2048], *log, *list;
    struct mvt_resp r;
    cJSON *arr;
    size_t mark;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 403, "no-access-app GET db-password");
    access_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "get", "demo");
    hc_assert_body(&r, want, true, "no-access-app GET db-password");
    mvt_resp_free(&r);

    log = read_log(mark);
    ck_assert_msg(log_lines(log, "authz: ", line, sizeof line) == 1,
                  "exactly one authz line per denial, got %d", log_lines(log, "authz: ", NULL, 0));
    assert_line_ends_with(
        line,
        "authz: denied GetSecret on vault demo secret db-password by appid=" T_NOACCESS_ID
        " oid=" T_NOACCESS_OID " ('no-access-app'): needs secrets permission get; holds no access "
        "policy entry; smallest change: add an access policy for objectId " T_NOACCESS_OID
        " with secret permissions [get]",
        "access policy denial");
    free(log);

    /* Grant: the current list plus the suggested entry. */
    kreq(srv, "GET", "localhost", "/_mock/vaults/demo/accessPolicies", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET accessPolicies");
    arr = cJSON_Duplicate(r.json, true);
    mvt_resp_free(&r);
    ck_assert_msg(cJSON_IsArray(arr), "accessPolicies is an array");
    cJSON_AddItemToArray(arr, cJSON_Parse("{\"objectId\":\"" T_NOACCESS_OID
                                          "\",\"permissions\":{\"secrets\":[\"get\"]}}"));
    list = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    put_access("demo", "accessPolicies", list);
    free(list);

    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "no-access-app GET db-password after the grant");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", NULL, 0), 0);
    free(log);

    /* Still only get: a list is denied, and the line says what the principal holds now. */
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets", NULL), noacc, NULL, NULL, &r);
    hc_assert_status(&r, 403, "no-access-app list with get only");
    access_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "list", "demo");
    hc_assert_body(&r, want, true, "no-access-app list with get only");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", line, sizeof line), 1);
    assert_line_ends_with(line,
                          "authz: denied GetSecrets on vault demo by appid=" T_NOACCESS_ID
                          " oid=" T_NOACCESS_OID " ('no-access-app'): needs secrets permission "
                          "list; holds secrets [get]; smallest change: add 'list' to the secret "
                          "permissions of the access policy for objectId " T_NOACCESS_OID,
                          "access policy denial with an entry");
    free(log);
    hc_free_token(noacc);
}
END_TEST

START_TEST(test_explain_rbac_deny_grant)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], want[2048], line[2048], hb[128], *log;
    struct mvt_resp r;
    size_t mark;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 403, "no-access-app GET app-config");
    rbac_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "getSecret/action",
                     "app-config");
    hc_assert_body(&r, want, true, "no-access-app GET app-config");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_msg(log_lines(log, "authz: ", line, sizeof line) == 1,
                  "exactly one authz line per denial");
    assert_line_ends_with(
        line,
        "authz: denied GetSecret on vault rbac-demo secret app-config by appid=" T_NOACCESS_ID
        " oid=" T_NOACCESS_OID " ('no-access-app'): needs action " ACT
        "getSecret/action; holds no role assignment in this vault; smallest "
        "change: assign 'Key Vault Secrets User' to principalId " T_NOACCESS_OID
        " at scope /secrets/app-config",
        "RBAC denial");
    free(log);

    put_access("rbac-demo", "roleAssignments",
               "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Secrets "
               "User\",\"scope\":\"/secrets/app-config\"},{\"principalId\":\"" T_NOACCESS_OID
               "\",\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/app-config\"}]");
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "no-access-app GET app-config after the assignment");
    ck_assert_msg(is_hex32(mvt_header(&r, "x-ms-keyvault-rbac-assignment-id", hb, sizeof hb)),
                  "assignment id header after the grant");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", NULL, 0), 0);
    free(log);

    /* The secret scope does not reach a list: the line names what the principal holds. */
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets", NULL), noacc, NULL, NULL, &r);
    hc_assert_status(&r, 403, "no-access-app list with a secret-scoped assignment");
    rbac_denied_body(want, sizeof want, T_NOACCESS_ID, T_NOACCESS_OID, "readMetadata/action", NULL);
    hc_assert_body(&r, want, true, "no-access-app list with a secret-scoped assignment");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", line, sizeof line), 1);
    assert_line_ends_with(line,
                          "authz: denied GetSecrets on vault rbac-demo by appid=" T_NOACCESS_ID
                          " oid=" T_NOACCESS_OID " ('no-access-app'): needs action " ACT
                          "readMetadata/action; holds 'Key Vault Secrets User' at "
                          "/secrets/app-config; smallest change: assign 'Key Vault Reader' to "
                          "principalId " T_NOACCESS_OID " at scope /",
                          "RBAC denial with an assignment");
    free(log);
    hc_free_token(noacc);
}
END_TEST

/* ---- 4. --authz audit and off ---- */

START_TEST(test_audit_allows_and_logs)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], line[2048], *log;
    struct mvt_resp r;
    size_t mark;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "audit: no-access-app GET db-password");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", line, sizeof line), 1);
    assert_line_ends_with(
        line,
        "authz: would deny (audit) GetSecret on vault demo secret db-password by "
        "appid=" T_NOACCESS_ID " oid=" T_NOACCESS_OID
        " ('no-access-app'): needs secrets permission get; holds no access "
        "policy entry; smallest change: add an access policy for objectId " T_NOACCESS_OID
        " with secret permissions [get]",
        "audit line");
    ck_assert_int_eq(log_lines(log, "authz: denied", NULL, 0), 0);
    free(log);

    /* RBAC too. */
    mark = log_size();
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets", NULL), noacc, NULL, NULL, &r);
    hc_assert_status(&r, 200, "audit: no-access-app list on rbac-demo");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(
        log_lines(log, "authz: would deny (audit) GetSecrets on vault rbac-demo", NULL, 0), 1);
    free(log);

    /* An allowed request logs nothing. */
    mark = log_size();
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), admin_tok, NULL,
         NULL, &r);
    hc_assert_status(&r, 200, "audit: admin GET");
    mvt_resp_free(&r);
    log = read_log(mark);
    ck_assert_int_eq(log_lines(log, "authz: ", NULL, 0), 0);
    free(log);
    hc_free_token(noacc);
}
END_TEST

START_TEST(test_off_allows_silently)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200], *log;
    struct mvt_resp r;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, "/secrets/db-password", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "off: no-access-app GET db-password");
    mvt_resp_free(&r);
    kreq(srv, "DELETE", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "off: no-access-app DELETE on rbac-demo");
    mvt_resp_free(&r);
    log = read_log(0);
    /* The log is captured (the request lines are there), and has no authz line. */
    ck_assert_int_ge(log_lines(log, " op=GetSecret ", NULL, 0), 1);
    ck_assert_int_ge(log_lines(log, " op=DeleteSecret ", NULL, 0), 1);
    ck_assert_int_eq(log_lines(log, "authz:", NULL, 0), 0);
    free(log);
    hc_free_token(noacc);
}
END_TEST

/* ---- 5. GET /_mock/authz/needed ---- */

/* The flow principal's entry for vault in the needed report (owned by report), or NULL. */
static const cJSON *needed_for(const cJSON *report, const char *oid, const char *vault)
{
    const cJSON *p, *v;

    cJSON_ArrayForEach(p, hc_jget(report, "principals"))
    {
        if (!hc_jstr(p, "oid") || strcasecmp(hc_jstr(p, "oid"), oid) != 0)
            continue;
        cJSON_ArrayForEach(v, hc_jget(p, "vaults"))
        {
            if (hc_jstr(v, "vault") && strcmp(hc_jstr(v, "vault"), vault) == 0)
                return v;
        }
    }
    return NULL;
}

static cJSON *get_needed(void)
{
    struct mvt_resp r;
    cJSON *j;

    kreq(srv, "GET", "localhost", "/_mock/authz/needed", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/authz/needed");
    j = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    ck_assert_msg(j != NULL, "needed: JSON body");
    return j;
}

static void assert_json_eq(const cJSON *got, const char *want, const char *what)
{
    cJSON *w = cJSON_Parse(want);
    char *g = got ? cJSON_PrintUnformatted(got) : NULL;

    ck_assert_msg(w != NULL, "%s: bad expectation", what);
    ck_assert_msg(got && cJSON_Compare(got, w, true), "%s: got %s, want %s", what,
                  g ? g : "(missing)", want);
    free(g);
    cJSON_Delete(w);
}

static void flow_get(const char *path, long want)
{
    struct mvt_resp r;
    char p[200];

    kreq(srv, "GET", DEMO, hc_path(p, sizeof p, path, NULL), flow_tok, NULL, NULL, &r);
    hc_assert_status(&r, want, path);
    mvt_resp_free(&r);
}

START_TEST(test_needed_get_and_list)
{
    cJSON *rep;
    const cJSON *v;

    put_access("demo", "accessPolicies",
               "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID
               "\",\"permissions\":{\"secrets\":[\"all\"]}}]");
    flow_get("/secrets/db-password", 200);
    flow_get("/secrets", 200);
    flow_get("/secrets/db-password", 200);
    rep = get_needed();
    v = needed_for(rep, T_FLOW_OID, "demo");
    ck_assert_msg(v != NULL, "needed: an entry for the flow principal on demo");
    ck_assert_str_eq(hc_jstr(v, "permissionModel") ? hc_jstr(v, "permissionModel") : "",
                     "accessPolicy");
    assert_json_eq(hc_jget(v, "secretPermissions"), "[\"get\",\"list\"]", "secretPermissions");
    /* The list needs the vault scope; get needs Secrets User: one assignment at "/". */
    assert_json_eq(hc_jget(v, "roleAssignments"),
                   "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/\"}]", "roleAssignments");
    /* The principal is named (DESIGN §7 "per principal"). */
    {
        const cJSON *p;
        bool named = false;
        cJSON_ArrayForEach(p, hc_jget(rep, "principals"))
        {
            if (hc_jstr(p, "oid") && strcmp(hc_jstr(p, "oid"), T_FLOW_OID) == 0)
                named = hc_jstr(p, "appid") && strcmp(hc_jstr(p, "appid"), T_FLOW_ID) == 0 &&
                        hc_jstr(p, "displayName") &&
                        strcmp(hc_jstr(p, "displayName"), "automation-flow") == 0;
        }
        ck_assert_msg(named, "needed: the flow principal with its appid and displayName");
    }
    cJSON_Delete(rep);

    /* Reset clears the record. */
    reset();
    rep = get_needed();
    ck_assert_msg(needed_for(rep, T_FLOW_OID, "demo") == NULL, "needed: cleared by reset");
    ck_assert_msg(cJSON_IsArray(hc_jget(rep, "principals")), "needed: principals array");
    cJSON_Delete(rep);
}
END_TEST

START_TEST(test_needed_gets_of_one_secret)
{
    cJSON *rep;
    const cJSON *v;

    /* The default fixture gives the flow principal get on demo. */
    flow_get("/secrets/db-password", 200);
    flow_get("/secrets/db-password/", 200);
    flow_get("/secrets", 403); /* denied: not used, not recorded */
    rep = get_needed();
    v = needed_for(rep, T_FLOW_OID, "demo");
    ck_assert_msg(v != NULL, "needed: an entry for the flow principal on demo");
    assert_json_eq(hc_jget(v, "secretPermissions"), "[\"get\"]", "secretPermissions");
    assert_json_eq(hc_jget(v, "roleAssignments"),
                   "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/db-password\"}]",
                   "roleAssignments");
    cJSON_Delete(rep);

    ck_assert_int_eq(reset_status(), 200);
    rep = get_needed();
    ck_assert_msg(needed_for(rep, T_FLOW_OID, "demo") == NULL, "needed: cleared by reset");
    cJSON_Delete(rep);
}
END_TEST

/* Table: what the flow principal does (with "all" on demo), and the minimal policy reported:
 * access-policy permissions, and the smallest roles (one at "/" as soon as anything needed the
 * vault scope, otherwise one per secret). Compared as sets. */
static const struct {
    const char *label;
    const char *steps[4][3]; /* method, path (api-version added), body */
    const char *perms, *roles;
} needed_rows[] = {
    {"list only",
     {{"GET", "/secrets", NULL}},
     "[\"list\"]",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/\"}]"},
    {"gets of two secrets",
     {{"GET", "/secrets/db-password", NULL}, {"GET", "/secrets/api-key", NULL}},
     "[\"get\"]",
     "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/db-password\"},"
     "{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/api-key\"}]"},
    {"set one, get another",
     {{"PUT", "/secrets/authz-new", "{\"value\":\"v\"}"}, {"GET", "/secrets/db-password", NULL}},
     "[\"get\",\"set\"]",
     "[{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/authz-new\"},"
     "{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/db-password\"}]"},
    {"versions of one secret",
     {{"GET", "/secrets/db-password/versions", NULL}},
     "[\"list\"]",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/secrets/db-password\"}]"},
    {"a deleted secret's metadata",
     {{"GET", "/deletedsecrets/old-secret", NULL}},
     "[\"get\"]",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/secrets/old-secret\"}]"},
    {"list deleted, delete one",
     {{"GET", "/deletedsecrets", NULL}, {"DELETE", "/secrets/api-key", NULL}},
     "[\"list\",\"delete\"]",
     "[{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/\"}]"},
    {"backup and recover",
     {{"POST", "/secrets/api-key/backup", ""}, {"POST", "/deletedsecrets/old-secret/recover", ""}},
     "[\"backup\",\"recover\"]",
     "[{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/api-key\"},"
     "{\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/old-secret\"}]"},
};

/* Same elements, in any order. */
static void assert_json_set_eq(const cJSON *got, const char *want, const char *what)
{
    cJSON *w = cJSON_Parse(want);
    char *g = got ? cJSON_PrintUnformatted(got) : NULL;
    bool same =
        cJSON_IsArray(got) && cJSON_IsArray(w) && cJSON_GetArraySize(got) == cJSON_GetArraySize(w);
    const cJSON *it, *jt;

    ck_assert_msg(w != NULL, "%s: bad expectation", what);
    cJSON_ArrayForEach(it, w)
    {
        bool found = false;
        cJSON_ArrayForEach(jt, got)
        {
            if (cJSON_Compare(it, jt, true))
                found = true;
        }
        same = same && found;
    }
    ck_assert_msg(same, "%s: got %s, want (any order) %s", what, g ? g : "(missing)", want);
    free(g);
    cJSON_Delete(w);
}

START_TEST(test_needed_table)
{
    cJSON *rep;
    const cJSON *v;
    char what[200];

    put_access("demo", "accessPolicies",
               "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID
               "\",\"permissions\":{\"secrets\":[\"all\"]}}]");
    for (int k = 0; k < 4 && needed_rows[_i].steps[k][0]; k++) {
        struct mvt_resp r;
        char p[200];
        kreq(srv, needed_rows[_i].steps[k][0], DEMO,
             hc_path(p, sizeof p, needed_rows[_i].steps[k][1], NULL), flow_tok, NULL,
             needed_rows[_i].steps[k][2], &r);
        snprintf(what, sizeof what, "%s: %s %s", needed_rows[_i].label, needed_rows[_i].steps[k][0],
                 needed_rows[_i].steps[k][1]);
        ck_assert_msg(r.status >= 200 && r.status < 300, "%s: status %ld (error %s)", what,
                      r.status, hc_err_code(&r));
        mvt_resp_free(&r);
    }
    rep = get_needed();
    v = needed_for(rep, T_FLOW_OID, "demo");
    ck_assert_msg(v != NULL, "%s: an entry for the flow principal on demo", needed_rows[_i].label);
    snprintf(what, sizeof what, "%s: secretPermissions", needed_rows[_i].label);
    assert_json_set_eq(hc_jget(v, "secretPermissions"), needed_rows[_i].perms, what);
    snprintf(what, sizeof what, "%s: roleAssignments", needed_rows[_i].label);
    assert_json_set_eq(hc_jget(v, "roleAssignments"), needed_rows[_i].roles, what);
    cJSON_Delete(rep);
}
END_TEST

/* Under audit the would-be denials are recorded too: run a flow in audit, then read the policy
 * it needs. */
START_TEST(test_needed_in_audit)
{
    char *noacc = mvt_token(srv, T_NOACCESS_ID, T_NOACCESS_SECRET, KV_SCOPE);
    char p[200];
    struct mvt_resp r;
    cJSON *rep;
    const cJSON *v;

    ck_assert_msg(noacc != NULL, "no-access-app token");
    kreq(srv, "GET", RBAC, hc_path(p, sizeof p, "/secrets/app-config", NULL), noacc, NULL, NULL,
         &r);
    hc_assert_status(&r, 200, "audit GET app-config");
    mvt_resp_free(&r);
    rep = get_needed();
    v = needed_for(rep, T_NOACCESS_OID, "rbac-demo");
    ck_assert_msg(v != NULL, "needed: the audited principal on rbac-demo");
    ck_assert_str_eq(hc_jstr(v, "permissionModel") ? hc_jstr(v, "permissionModel") : "", "rbac");
    assert_json_eq(hc_jget(v, "secretPermissions"), "[\"get\"]", "secretPermissions");
    assert_json_eq(hc_jget(v, "roleAssignments"),
                   "[{\"role\":\"Key Vault Secrets User\",\"scope\":\"/secrets/app-config\"}]",
                   "roleAssignments");
    cJSON_Delete(rep);
    hc_free_token(noacc);
}
END_TEST

/* ---- 6. Control API bad input ---- */

static const struct {
    const char *label, *vault, *key, *body;
    long status;
    const char *code;     /* error.code */
    const char *mention1; /* the message contains these (NULL: not checked) */
    const char *mention2;
} bad_inputs[] = {
    /* Trailing data makes the body invalid JSON, as it does for a fixture and PUT /_mock/state. */
    {"trailing data", "demo", "accessPolicies", "[] trailing", 400, "BadParameter", NULL, NULL},
    {"two documents", "rbac-demo", "roleAssignments", "[] []", 400, "BadParameter", NULL, NULL},
    {"invalid JSON", "demo", "accessPolicies", "[{\"objectId\":", 400, "BadParameter", NULL, NULL},
    {"empty body", "demo", "accessPolicies", "", 400, "BadParameter", NULL, NULL},
    {"an object", "demo", "accessPolicies",
     "{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[\"get\"]}}", 400,
     "BadParameter", NULL, NULL},
    {"a string", "demo", "accessPolicies", "\"all\"", 400, "BadParameter", NULL, NULL},
    {"permission gett", "demo", "accessPolicies",
     "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[\"gett\"]}}]", 400,
     "BadParameter", "accessPolicies[0].permissions.secrets[0]", "gett"},
    {"permission gett second", "demo", "accessPolicies",
     "[" ADMIN_POLICY ",{\"objectId\":\"" T_FLOW_OID
     "\",\"permissions\":{\"secrets\":[\"get\",\"gett\"]}}]",
     400, "BadParameter", "accessPolicies[1].permissions.secrets[1]", "gett"},
    {"permission not a string", "demo", "accessPolicies",
     "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"secrets\":[7]}}]", 400, "BadParameter",
     "accessPolicies[0].permissions.secrets[0]", NULL},
    {"missing objectId", "demo", "accessPolicies", "[{\"permissions\":{\"secrets\":[\"get\"]}}]",
     400, "BadParameter", "accessPolicies[0]", "objectId"},
    {"unknown permission kind", "demo", "accessPolicies",
     "[{\"objectId\":\"" T_FLOW_OID "\",\"permissions\":{\"keys\":[\"get\"]}}]", 400,
     "BadParameter", "accessPolicies[0].permissions", "keys"},
    {"role invalid JSON", "rbac-demo", "roleAssignments", "[", 400, "BadParameter", NULL, NULL},
    {"role an object", "rbac-demo", "roleAssignments", "{}", 400, "BadParameter", NULL, NULL},
    {"role name", "rbac-demo", "roleAssignments",
     "[{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Reeder\",\"scope\":\"/\"}]", 400,
     "BadParameter", "roleAssignments[0].role", "Key Vault Reeder"},
    {"role scope", "rbac-demo", "roleAssignments",
     "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID
     "\",\"role\":\"Key Vault Reader\",\"scope\":\"/keys/x\"}]",
     400, "BadParameter", "roleAssignments[1].scope", "/keys/x"},
    {"role missing principalId", "rbac-demo", "roleAssignments",
     "[{\"role\":\"Key Vault Reader\",\"scope\":\"/\"}]", 400, "BadParameter", "roleAssignments[0]",
     "principalId"},
    {"unknown vault policies", "nosuch", "accessPolicies", "[]", 404, "VaultNotFound", "nosuch",
     NULL},
    {"unknown vault roles", "nosuch", "roleAssignments", "[]", 404, "VaultNotFound", "nosuch",
     NULL},
};

START_TEST(test_control_bad_input)
{
    struct mvt_resp r;
    char path[200], what[200], code[64], msg[1024];
    char *s0 = state_of(), *s1;
    bool unchanged;
    long status;

    snprintf(path, sizeof path, "/_mock/vaults/%s/%s", bad_inputs[_i].vault, bad_inputs[_i].key);
    snprintf(what, sizeof what, "PUT %s (%s)", path, bad_inputs[_i].label);
    kreq(srv, "PUT", "localhost", path, NULL, NULL, bad_inputs[_i].body, &r);
    /* Everything is copied out and freed before the assertions, so a failing row leaks nothing
     * (the suite runs without fork; ASan and valgrind then report only the failure). */
    status = r.status;
    snprintf(code, sizeof code, "%s", hc_err_code(&r));
    snprintf(msg, sizeof msg, "%s",
             hc_jstr(r.json, "error.message") ? hc_jstr(r.json, "error.message") : "");
    mvt_resp_free(&r);
    s1 = state_of();
    unchanged = strcmp(s0, s1) == 0;
    free(s0);
    free(s1);

    ck_assert_msg(status == bad_inputs[_i].status, "%s: status %ld (error %s), want %ld; state %s",
                  what, status, code, bad_inputs[_i].status, unchanged ? "unchanged" : "CHANGED");
    ck_assert_msg(strcmp(code, bad_inputs[_i].code) == 0, "%s: code %s, want %s", what, code,
                  bad_inputs[_i].code);
    ck_assert_msg(msg[0] != '\0', "%s: a message", what);
    /* These messages are built from the request only, never from stored secrets. */
    if (bad_inputs[_i].mention1)
        ck_assert_msg(strstr(msg, bad_inputs[_i].mention1) != NULL, "%s: message '%s' names %s",
                      what, msg, bad_inputs[_i].mention1);
    if (bad_inputs[_i].mention2)
        ck_assert_msg(strstr(msg, bad_inputs[_i].mention2) != NULL, "%s: message '%s' names %s",
                      what, msg, bad_inputs[_i].mention2);
    ck_assert_msg(unchanged, "%s: state unchanged", what);
}
END_TEST

START_TEST(test_control_unknown_vault_get)
{
    static const char *const paths[] = {"/_mock/vaults/nosuch/accessPolicies",
                                        "/_mock/vaults/nosuch/roleAssignments"};
    for (size_t i = 0; i < 2; i++) {
        struct mvt_resp r;
        kreq(srv, "GET", "localhost", paths[i], NULL, NULL, NULL, &r);
        hc_assert_status(&r, 404, paths[i]);
        ck_assert_str_eq(hc_err_code(&r), "VaultNotFound");
        mvt_resp_free(&r);
    }
}
END_TEST

/* GET gives back what PUT set, in the fixture format; the PUT answer is the same list. */
START_TEST(test_control_put_get_round_trip)
{
    static const struct {
        const char *vault, *key, *json;
    } rows[] = {
        {"demo", "accessPolicies",
         "[{\"tenantId\":\"" T_TENANT "\",\"objectId\":\"" T_ADMIN_OID "\",\"permissions\":"
         "{\"secrets\":[\"all\"]}},{\"objectId\":\"" T_FLOW_OID "\",\"applicationId\":\"" T_FLOW_ID
         "\",\"permissions\":{\"secrets\":[\"get\",\"list\",\"purge\"]}},{\"objectId\":"
         "\"" T_NOACCESS_OID "\",\"permissions\":{\"secrets\":[]}}]"},
        {"demo", "accessPolicies", "[]"},
        {"rbac-demo", "roleAssignments",
         "[" ADMIN_ROLE ",{\"principalId\":\"" T_FLOW_OID "\",\"role\":\"Key Vault Reader\","
         "\"scope\":\"/secrets/app-config\"},{\"principalId\":\"" T_NOACCESS_OID
         "\",\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/\"}]"},
        {"rbac-demo", "roleAssignments", "[]"},
        {"demo", "roleAssignments",
         "[{\"principalId\":\"" T_FLOW_OID
         "\",\"role\":\"Key Vault Secrets User\",\"scope\":\"/\"}]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mvt_resp r;
        char path[200], what[240];
        snprintf(path, sizeof path, "/_mock/vaults/%s/%s", rows[i].vault, rows[i].key);
        snprintf(what, sizeof what, "PUT %s row %zu", path, i);
        kreq(srv, "PUT", "localhost", path, NULL, NULL, rows[i].json, &r);
        hc_assert_status(&r, 200, what);
        assert_json_eq(r.json, rows[i].json, what);
        mvt_resp_free(&r);
        snprintf(what, sizeof what, "GET %s after row %zu", path, i);
        kreq(srv, "GET", "localhost", path, NULL, NULL, NULL, &r);
        hc_assert_status(&r, 200, what);
        assert_json_eq(r.json, rows[i].json, what);
        mvt_resp_free(&r);
    }
}
END_TEST

/* The lists replaced at runtime are also what the state export shows, and reset restores the
 * fixture's. */
START_TEST(test_control_put_visible_in_state_and_reset)
{
    struct mvt_resp r;
    cJSON *st, *fixture_list;
    const cJSON *v, *found = NULL;

    kreq(srv, "GET", "localhost", "/_mock/vaults/demo/accessPolicies", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET accessPolicies (fixture)");
    fixture_list = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    ck_assert_msg(cJSON_GetArraySize(fixture_list) >= 2, "the fixture's demo has access policies");

    put_access("demo", "accessPolicies", "[" ADMIN_POLICY "]");
    kreq(srv, "GET", "localhost", "/_mock/state", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET state");
    st = r.json;
    r.json = NULL;
    mvt_resp_free(&r);
    cJSON_ArrayForEach(v, hc_jget(st, "vaults"))
    {
        if (hc_jstr(v, "name") && strcmp(hc_jstr(v, "name"), "demo") == 0)
            found = hc_jget(v, "accessPolicies");
    }
    assert_json_eq(found, "[" ADMIN_POLICY "]", "state shows the new list");
    cJSON_Delete(st);

    reset();
    kreq(srv, "GET", "localhost", "/_mock/vaults/demo/accessPolicies", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET accessPolicies after reset");
    ck_assert_msg(cJSON_Compare(r.json, fixture_list, true), "reset restores the fixture's list");
    mvt_resp_free(&r);
    cJSON_Delete(fixture_list);
}
END_TEST

/* ---- Suite ---- */

static Suite *authz_suite(void)
{
    Suite *s = suite_create("http-authz");
    TCase *ap = tcase_create("access-policies");
    TCase *rbac = tcase_create("rbac");
    TCase *rbac_default = tcase_create("rbac-default-fixture");
    TCase *explain = tcase_create("explain");
    TCase *audit = tcase_create("audit");
    TCase *off = tcase_create("off");
    TCase *needed = tcase_create("needed");
    TCase *control = tcase_create("control");

    tcase_add_unchecked_fixture(ap, shared_default, shared_stop);
    tcase_add_checked_fixture(ap, reset, NULL);
    tcase_add_loop_test(ap, test_ap_operation_x_permission, 0, NOPS * AP_NVARIANTS);
    tcase_add_test(ap, test_ap_entries_add_up);
    tcase_add_loop_test(ap, test_ap_checks_before_authz, 0,
                        (int)(sizeof ap_order_rows / sizeof ap_order_rows[0]));
    suite_add_tcase(s, ap);

    tcase_add_unchecked_fixture(rbac, shared_rbac, shared_stop);
    tcase_add_checked_fixture(rbac, reset, NULL);
    tcase_add_loop_test(rbac, test_rbac_role_x_operation_x_scope, 0, NROLES * NOPS * NSCOPES);
    tcase_add_loop_test(rbac, test_rbac_no_assignment, 0, NOPS);
    tcase_add_test(rbac, test_rbac_vault_ignores_access_policies);
    tcase_add_test(rbac, test_rbac_scope_case_and_missing_secret);
    suite_add_tcase(s, rbac);

    tcase_add_unchecked_fixture(rbac_default, shared_default, shared_stop);
    tcase_add_checked_fixture(rbac_default, reset, NULL);
    tcase_add_test(rbac_default, test_rbac_purge_protection);
    suite_add_tcase(s, rbac_default);

    tcase_add_checked_fixture(explain, logged_enforce, logged_stop);
    tcase_add_test(explain, test_explain_access_policy_deny_grant);
    tcase_add_test(explain, test_explain_rbac_deny_grant);
    suite_add_tcase(s, explain);

    tcase_add_checked_fixture(audit, logged_audit, logged_stop);
    tcase_add_test(audit, test_audit_allows_and_logs);
    tcase_add_test(audit, test_needed_in_audit);
    suite_add_tcase(s, audit);

    tcase_add_checked_fixture(off, logged_off, logged_stop);
    tcase_add_test(off, test_off_allows_silently);
    suite_add_tcase(s, off);

    tcase_add_unchecked_fixture(needed, shared_default, shared_stop);
    tcase_add_checked_fixture(needed, reset, NULL);
    tcase_add_test(needed, test_needed_get_and_list);
    tcase_add_test(needed, test_needed_gets_of_one_secret);
    tcase_add_loop_test(needed, test_needed_table, 0,
                        (int)(sizeof needed_rows / sizeof needed_rows[0]));
    suite_add_tcase(s, needed);

    tcase_add_unchecked_fixture(control, shared_default, shared_stop);
    tcase_add_checked_fixture(control, reset, NULL);
    tcase_add_loop_test(control, test_control_bad_input, 0,
                        (int)(sizeof bad_inputs / sizeof bad_inputs[0]));
    tcase_add_test(control, test_control_unknown_vault_get);
    tcase_add_test(control, test_control_put_get_round_trip);
    tcase_add_test(control, test_control_put_visible_in_state_and_reset);
    suite_add_tcase(s, control);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(authz_suite());
    int failed;

    /* The shared servers run their threads in this process. A test forked from a threaded
     * process can inherit a lock a server thread held at fork() and hang in it (seen: glibc's
     * __libc_setlocale_lock, in p11-kit's destructor at the child's exit; about one case in
     * two thousand), so the tests always run in this process, whatever CK_FORK says; the checked
     * POST /_mock/reset still isolates them. */
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
