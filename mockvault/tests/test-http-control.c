/* test-http-control.c: the /_mock control API (DESIGN.md §7) and persistence (§8) over real
 * HTTPS against the embedded server: health, lossless state export/import, fixture errors naming
 * the JSON path, reset, the mock clock, the CA certificate, the state dir across restarts and
 * the ready file. (That the control API refuses non-loopback peers is not tested: the server only
 * binds loopback.) */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpcheck.h"
#include "state.h"
#include "util.h"
#include "testlib.h"

#define DEMO "demo.localhost"

static struct mv_server *srv;
static char *tok;
static char tmp_dir[256]; /* a test's temporary dir, removed by teardown */

static void rm_dir(const char *dir);

static void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token");
}

static void teardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
    if (tmp_dir[0])
        rm_dir(tmp_dir);
    tmp_dir[0] = '\0';
}

static void refresh_token(void)
{
    hc_free_token(tok);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "fresh admin token");
}

static void kv(struct mv_server *s, const char *method, const char *path, const char *body,
               struct mvt_resp *r)
{
    char p[512];
    hc_req(s, method, DEMO, hc_path(p, sizeof p, path, NULL), tok, NULL, body, r);
}

/* Reads a whole file (caller frees); NULL if it cannot be read. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Removes dir and the plain files in it. */
static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* ---- health ---- */

/* DESIGN §7 GET health: {"status":"ok","version":…}. */
START_TEST(test_c7_health)
{
    struct mvt_resp r;

    hc_req(srv, "GET", "localhost", "/_mock/health", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "health");
    hc_assert_keys(r.json, "status,version", "health keys");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "ok");
    ck_assert_msg(hc_jstr(r.json, "version") && *hc_jstr(r.json, "version"), "version string");
    hc_assert_header(&r, "Content-Type", "application/json; charset=utf-8", "health");
    mvt_resp_free(&r);
}
END_TEST

/* ---- state ---- */

/* DESIGN §7 GET/PUT state, fixtures.md "export -> import is lossless": after writes of every kind
 * (tags {}, contentType, nbf/exp, disabled, several versions, a soft delete, an update), GET state,
 * PUT it back, GET again: byte-identical, and the vault answers as before. */
START_TEST(test_c7_state_roundtrip_lossless)
{
    struct mvt_resp r, before, after;
    char *s1, *s2;
    long st;

    hc_set(srv, DEMO, tok, "rt-one",
           "{\"value\":\"a\",\"contentType\":\"text/plain\",\"tags\":{},\"attributes\":{"
           "\"enabled\":false,\"nbf\":1700000000,\"exp\":2527401600}}",
           &r);
    mvt_resp_free(&r);
    hc_set(srv, DEMO, tok, "rt-one", "{\"value\":\"b\",\"tags\":{\"k\":\"v\",\"a\":\"z\"}}", &r);
    mvt_resp_free(&r);
    kv(srv, "PATCH", "/secrets/db-password/", "{\"contentType\":\"application/x-secret\"}", &r);
    hc_assert_status(&r, 200, "PATCH");
    mvt_resp_free(&r);
    kv(srv, "DELETE", "/secrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "DELETE");
    mvt_resp_free(&r);
    kv(srv, "GET", "/deletedsecrets/api-key", NULL, &before);
    hc_assert_status(&before, 200, "GET deleted before");

    s1 = hc_state(srv);
    st = mvt_control(srv, "PUT", "/_mock/state", s1);
    ck_assert_int_eq(st, 200);
    s2 = hc_state(srv);
    ck_assert_msg(strcmp(s1, s2) == 0,
                  "GET state -> PUT -> GET state is byte-identical (%zu vs %zu bytes)", strlen(s1),
                  strlen(s2));

    kv(srv, "GET", "/deletedsecrets/api-key", NULL, &after);
    hc_assert_status(&after, 200, "GET deleted after");
    hc_assert_body(&after, before.body, true, "deleted bundle after import");
    kv(srv, "GET", "/secrets/rt-one/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions after import");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    mvt_resp_free(&r);
    mvt_resp_free(&before);
    mvt_resp_free(&after);
    free(s1);
    free(s2);
}
END_TEST

/* A broken fixture, made by editing the exported state; path is the JSON path the error must
 * name. */
static const struct {
    const char *label, *edit, *path;
} bad_fixtures[] = {
    {"invalid secret name", "name", "vaults[0].secrets[0].name"},
    {"unknown field", "unknown", "bogusField"},
    {"wrong type", "retention", "vaults[0].softDelete.retentionDays"},
    {"bad time", "created", "vaults[0].secrets[0].versions[0].created"},
    {"client id a number", "clientid", "tenants[0].applications[0].clientId"},
    {"not JSON", "notjson", NULL},
};

/* fixtures.md / DESIGN §7: PUT state with a bad fixture is 400 naming the JSON path, and the
 * state is unchanged (the vault still serves). */
START_TEST(test_c7_state_put_bad_fixture_400)
{
    char *s0 = hc_state(srv), *s1, *text;
    cJSON *j = cJSON_Parse(s0);
    cJSON *v0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "vaults"), 0);
    cJSON *sec0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v0, "secrets"), 0);
    const char *edit = bad_fixtures[_i].edit;
    struct mvt_resp r;

    ck_assert_msg(j && v0 && sec0, "export has vaults[0].secrets[0]");
    if (strcmp(edit, "name") == 0) {
        cJSON_ReplaceItemInObject(sec0, "name", cJSON_CreateString("a_b"));
    } else if (strcmp(edit, "unknown") == 0) {
        cJSON_AddNumberToObject(v0, "bogusField", 1);
    } else if (strcmp(edit, "retention") == 0) {
        cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(v0, "softDelete"),
                                  "retentionDays", cJSON_CreateString("ninety"));
    } else if (strcmp(edit, "created") == 0) {
        cJSON *ver = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sec0, "versions"), 0);
        cJSON_ReplaceItemInObject(ver, "created", cJSON_CreateString("yesterday"));
    } else if (strcmp(edit, "clientid") == 0) {
        cJSON *app = cJSON_GetArrayItem(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "tenants"), 0),
                "applications"),
            0);
        cJSON_ReplaceItemInObject(app, "clientId", cJSON_CreateNumber(5));
    }
    text = strcmp(edit, "notjson") == 0 ? strdup("{\"vaults\": [") : cJSON_PrintUnformatted(j);
    ck_assert_ptr_nonnull(text);
    hc_req(srv, "PUT", "localhost", "/_mock/state", NULL, NULL, text, &r);
    hc_assert_status(&r, 400, bad_fixtures[_i].label);
    if (bad_fixtures[_i].path)
        ck_assert_msg(strstr(r.body, bad_fixtures[_i].path) != NULL, "%s: error names %s: %s",
                      bad_fixtures[_i].label, bad_fixtures[_i].path,
                      hc_jstr(r.json, "error.message") ? hc_jstr(r.json, "error.message") : "");
    mvt_resp_free(&r);
    s1 = hc_state(srv);
    ck_assert_msg(strcmp(s0, s1) == 0, "%s: state unchanged", bad_fixtures[_i].label);
    kv(srv, "GET", "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 200, "vault still serves the old state");
    mvt_resp_free(&r);
    free(text);
    free(s0);
    free(s1);
    cJSON_Delete(j);
}
END_TEST

/* The names of vault vi's live and deleted secrets in the export, joined. */
static void export_names(const char *state, int vi, char *out, size_t n)
{
    cJSON *j = cJSON_Parse(state);
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "vaults"), vi), *it;
    size_t off = 0;

    out[0] = '\0';
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(v, "secrets"))
        off += (size_t)snprintf(out + off, n - off, "%s,", hc_jstr(it, "name"));
    off += (size_t)snprintf(out + off, n - off, "|");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(v, "deletedSecrets"))
        off += (size_t)snprintf(out + off, n - off, "%s,", hc_jstr(it, "name"));
    cJSON_Delete(j);
}

/* DESIGN §7 POST reset: back to the loaded fixture, clock included. */
START_TEST(test_c7_reset_restores_fixture_and_clock)
{
    struct mvt_resp r;
    char *s0 = hc_state(srv), *s1, n0[1024], n1[1024];
    int64_t real;

    hc_set(srv, DEMO, tok, "added-later", "{\"value\":\"x\"}", &r);
    mvt_resp_free(&r);
    kv(srv, "DELETE", "/secrets/api-key", NULL, &r);
    mvt_resp_free(&r);
    kv(srv, "POST", "/deletedsecrets/old-secret/recover", "", &r);
    mvt_resp_free(&r);
    kv(srv, "PATCH", "/secrets/graph-app-secret/", "{\"tags\":{\"changed\":\"yes\"}}", &r);
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":1000,\"freeze\":true}");

    ck_assert_int_eq(mvt_control(srv, "POST", "/_mock/reset", NULL), 200);
    hc_req(srv, "GET", "localhost", "/_mock/clock", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "clock after reset");
    real = (int64_t)time(NULL);
    ck_assert_msg(cJSON_IsFalse(hc_jget(r.json, "frozen")), "not frozen after reset");
    ck_assert_int_eq(hc_jint(r.json, "offset"), 0);
    ck_assert_msg(hc_jint(r.json, "now") >= real - 2 && hc_jint(r.json, "now") <= real + 2,
                  "real time after reset");
    mvt_resp_free(&r);

    s1 = hc_state(srv);
    export_names(s0, 0, n0, sizeof n0);
    export_names(s1, 0, n1, sizeof n1);
    ck_assert_str_eq(n1, n0);
    refresh_token(); /* the old one was issued 1000 s in the (then) future */
    kv(srv, "GET", "/secrets/added-later/", NULL, &r);
    hc_assert_status(&r, 404, "added secret gone");
    mvt_resp_free(&r);
    kv(srv, "GET", "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 200, "deleted secret back");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "fake-api-key-0000");
    mvt_resp_free(&r);
    kv(srv, "GET", "/deletedsecrets/old-secret", NULL, &r);
    hc_assert_status(&r, 200, "fixture's deleted secret deleted again");
    mvt_resp_free(&r);
    kv(srv, "GET", "/secrets/graph-app-secret/2222bbbb2222bbbb2222bbbb2222bbbb", NULL, &r);
    hc_assert_status(&r, 200, "fixture version id");
    ck_assert_msg(!hc_has(r.json, "tags.changed"), "update undone");
    mvt_resp_free(&r);
    free(s0);
    free(s1);
}
END_TEST

/* ---- clock ---- */

/* GET /_mock/clock: {"now","frozen","offset"}; returns now. */
static int64_t clock_get(bool *frozen, int64_t *offset)
{
    struct mvt_resp r;
    int64_t now;

    hc_req(srv, "GET", "localhost", "/_mock/clock", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET clock");
    hc_assert_keys(r.json, "now,frozen,offset", "clock keys");
    now = hc_jint(r.json, "now");
    if (frozen)
        *frozen = cJSON_IsTrue(hc_jget(r.json, "frozen"));
    if (offset)
        *offset = hc_jint(r.json, "offset");
    mvt_resp_free(&r);
    return now;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* DESIGN §7 clock: GET, POST advance / set / freeze; a frozen clock does not move across 1.1 s;
 * advance shifts now (also while frozen); secrets take their timestamps from the mock clock;
 * bad bodies are 400 and change nothing. */
START_TEST(test_c7_clock_semantics)
{
    struct mvt_resp r;
    bool frozen;
    int64_t offset, now, t1, target, real = (int64_t)time(NULL);
    char body[64];

    now = clock_get(&frozen, &offset);
    ck_assert_msg(now >= real - 2 && now <= real + 2, "now is real time at start");
    ck_assert_msg(!frozen, "not frozen at start");
    ck_assert_int_eq(offset, 0);

    hc_req(srv, "POST", "localhost", "/_mock/clock", NULL, NULL, "{\"advance\":3600}", &r);
    hc_assert_status(&r, 200, "advance");
    hc_assert_keys(r.json, "now,frozen,offset", "POST answers the clock");
    ck_assert_int_eq(hc_jint(r.json, "offset"), 3600);
    mvt_resp_free(&r);
    now = clock_get(&frozen, &offset);
    real = (int64_t)time(NULL);
    ck_assert_msg(now >= real + 3600 - 2 && now <= real + 3600 + 2, "advance shifts now");

    /* 30 days on (the fixture's app secrets expire after a year). */
    target = (real / 1000) * 1000 + 30 * 86400;
    snprintf(body, sizeof body, "{\"set\":%lld}", (long long)target);
    hc_clock(srv, body);
    now = clock_get(&frozen, &offset);
    ck_assert_msg(now >= target && now <= target + 2, "set: now %lld", (long long)now);
    refresh_token();
    hc_set(srv, DEMO, tok, "clocked", "{\"value\":\"c\"}", &r);
    ck_assert_msg(hc_jint(r.json, "attributes.created") >= target &&
                      hc_jint(r.json, "attributes.created") <= target + 3,
                  "created comes from the mock clock");
    mvt_resp_free(&r);

    hc_clock(srv, "{\"freeze\":true}");
    t1 = clock_get(&frozen, NULL);
    ck_assert_msg(frozen, "frozen");
    sleep_ms(1100);
    ck_assert_int_eq(clock_get(NULL, NULL), t1);
    hc_clock(srv, "{\"advance\":10}");
    ck_assert_int_eq(clock_get(&frozen, NULL), t1 + 10);
    ck_assert_msg(frozen, "advance keeps the clock frozen");
    hc_clock(srv, "{\"freeze\":false}");
    sleep_ms(1100);
    now = clock_get(&frozen, NULL);
    ck_assert_msg(!frozen && now > t1 + 10, "moves again after unfreeze");

    {
        static const char *const bad[] = {"{\"advance\":\"x\"}",  "{}",           "garbage",
                                          "{\"freeze\":\"yes\"}", "{\"set\":-5}", "[]"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            int64_t before = clock_get(NULL, &offset), off2;
            ck_assert_msg(mvt_control(srv, "POST", "/_mock/clock", bad[i]) == 400, "%s -> 400",
                          bad[i]);
            now = clock_get(NULL, &off2);
            ck_assert_msg(off2 == offset && now - before <= 2, "%s changes nothing", bad[i]);
        }
    }
}
END_TEST

/* ---- CA ---- */

/* DESIGN §7 GET ca.pem: the PEM CA certificate clients should trust, the same as the file the
 * server names, and a CA. */
START_TEST(test_c7_ca_pem)
{
    struct mvt_resp r;
    char *file = slurp(mv_server_ca_path(srv));
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;
    unsigned critical = 0;

    ck_assert_msg(file != NULL, "CA file readable");
    hc_req(srv, "GET", "localhost", "/_mock/ca.pem", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "ca.pem");
    ck_assert_msg(strncmp(r.body, "-----BEGIN CERTIFICATE-----", 27) == 0, "PEM certificate");
    ck_assert_msg(strstr(r.body, "-----END CERTIFICATE-----") != NULL, "PEM end");
    ck_assert_msg(strstr(r.body, "PRIVATE KEY") == NULL, "never a key");
    ck_assert_str_eq(r.body, file);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    d.data = (unsigned char *)r.body;
    d.size = (unsigned)r.len;
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    ck_assert_int_eq(gnutls_x509_crt_get_ca_status(crt, &critical), 1);
    gnutls_x509_crt_deinit(crt);
    mvt_resp_free(&r);
    free(file);
}
END_TEST

/* ---- persistence ---- */

/* Asserts the state dir holds no temporary files, the state's database (state.db, and its -wal
 * and -shm files while the mock runs) is 0600 and every key file too. */
static void check_state_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    char p[1024];
    bool seen_state = false;

    ck_assert_msg(d != NULL, "state dir exists");
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        ck_assert_msg(e->d_name[0] != '.' && !strstr(e->d_name, ".tmp") && !strchr(e->d_name, '~'),
                      "no leftover temporary file: %s", e->d_name);
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        ck_assert_int_eq(stat(p, &st), 0);
        if (strncmp(e->d_name, "state.db", 8) == 0) {
            seen_state = seen_state || strcmp(e->d_name, "state.db") == 0;
            ck_assert_msg((st.st_mode & 0777) == 0600, "%s mode %o, want 600", e->d_name,
                          (unsigned)(st.st_mode & 0777));
        }
        if (strstr(e->d_name, "key"))
            ck_assert_msg((st.st_mode & 0777) == 0600, "%s mode %o, want 600", e->d_name,
                          (unsigned)(st.st_mode & 0777));
    }
    closedir(d);
    ck_assert_msg(seen_state, "state.db written");
}

static struct mv_server *start_in(const char *dir, const char *fixture)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.state_dir = dir;
    cfg.proxy_port = -1;
    return mvt_start(fixture, &cfg);
}

/* DESIGN §8: with a state dir every acknowledged write survives a restart (the snapshot wins over
 * the fixture, also a different one); state.db is 0600, written without temp files left
 * (docs/persistence.md); the signing key is kept, so tokens stay valid across the restart. */
START_TEST(test_c8_persistence_across_restart)
{
    char tmpl[] = "/tmp/mvt-state-XXXXXX", *dir = mkdtemp(tmpl), *s_before, *s_after, *old;
    struct mvt_resp r;

    ck_assert_msg(dir != NULL, "mkdtemp");
    snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
    srv = start_in(dir, "fixtures/default.json");
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "token");
    hc_set(srv, DEMO, tok, "persisted-secret", "{\"value\":\"kept\",\"tags\":{\"k\":\"v\"}}", &r);
    mvt_resp_free(&r);
    kv(srv, "DELETE", "/secrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "DELETE api-key");
    mvt_resp_free(&r);
    check_state_dir(dir);
    s_before = hc_state(srv);
    mv_server_stop(srv);
    srv = NULL;
    check_state_dir(dir);

    /* Same fixture, unchanged: the snapshot has both writes. */
    srv = start_in(dir, "fixtures/default.json");
    old = tok;
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "token after restart");
    kv(srv, "GET", "/secrets/persisted-secret/", NULL, &r);
    hc_assert_status(&r, 200, "written secret after restart");
    ck_assert_str_eq(hc_jstr(r.json, "value"), "kept");
    ck_assert_str_eq(hc_jstr(r.json, "tags.k"), "v");
    mvt_resp_free(&r);
    kv(srv, "GET", "/secrets/api-key/", NULL, &r);
    hc_assert_status(&r, 404, "deleted secret stays deleted");
    mvt_resp_free(&r);
    kv(srv, "GET", "/deletedsecrets/api-key", NULL, &r);
    hc_assert_status(&r, 200, "in the deleted list");
    mvt_resp_free(&r);
    s_after = hc_state(srv);
    ck_assert_msg(strcmp(s_before, s_after) == 0, "restart reproduces the exported state");
    free(s_after);
    /* DESIGN §4: the signing key is kept in the state dir: a token from before still works. */
    hc_free_token(tok);
    tok = old;
    old = NULL;
    kv(srv, "GET", "/secrets/persisted-secret/", NULL, &r);
    hc_assert_status(&r, 200, "token issued before the restart");
    mvt_resp_free(&r);
    mv_server_stop(srv);
    srv = NULL;

    /* A different fixture: the snapshot still wins. */
    srv = start_in(dir, "fixtures/test-two-tenants.json");
    kv(srv, "GET", "/secrets/persisted-secret/", NULL, &r);
    hc_assert_status(&r, 200, "snapshot wins over another fixture");
    mvt_resp_free(&r);
    s_after = hc_state(srv);
    ck_assert_msg(strcmp(s_before, s_after) == 0, "same state with another fixture");
    free(s_after);
    free(s_before);
    check_state_dir(dir);
}
END_TEST

/* What a state dir holds, file by file: inode and modification time. A file rewritten by an
 * atomic write gets a new inode. */
struct dir_files {
    char name[16][64];
    ino_t ino[16];
    struct timespec mtime[16];
    size_t n;
};

static void list_files(const char *dir, struct dir_files *out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    char p[1024];

    memset(out, 0, sizeof *out);
    ck_assert_msg(d != NULL, "state dir exists");
    while ((e = readdir(d)) != NULL && out->n < 16) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        ck_assert_int_eq(stat(p, &st), 0);
        snprintf(out->name[out->n], sizeof out->name[0], "%s", e->d_name);
        out->ino[out->n] = st.st_ino;
        out->mtime[out->n] = st.st_mtim;
        out->n++;
    }
    closedir(d);
}

/* Whether file name is the same file (inode and mtime) in both listings. */
static bool unchanged(const struct dir_files *a, const struct dir_files *b, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t k = 0; k < b->n; k++)
            if (strcmp(a->name[i], name) == 0 && strcmp(b->name[k], name) == 0)
                return a->ino[i] == b->ino[k] && a->mtime[i].tv_sec == b->mtime[k].tv_sec &&
                       a->mtime[i].tv_nsec == b->mtime[k].tv_nsec;
    ck_abort_msg("%s is missing from the state dir", name);
    return false;
}

/* Issue 9, item 9: a start that changes nothing writes nothing (no snapshot, no certificate, no
 * key rewritten); a start that needs another certificate name issues a new server certificate. */
START_TEST(test_restart_writes_nothing)
{
    char tmpl[] = "/tmp/mvt-state-XXXXXX", *dir = mkdtemp(tmpl);
    static const char *const files[] = {"state.db",   "server.pem", "server-key.pem", "ca.pem",
                                        "ca-key.pem", "backup.key", "jwt-key.pem"};
    const char *sans[] = {"extra.localhost"}; /* inside the CA's name constraints */
    struct mv_server_config cfg;
    struct dir_files first, second, third;

    ck_assert_msg(dir != NULL, "mkdtemp");
    snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
    srv = start_in(dir, "fixtures/default.json");
    mv_server_stop(srv);
    srv = NULL;
    list_files(dir, &first);
    srv = start_in(dir, "fixtures/default.json");
    mv_server_stop(srv);
    srv = NULL;
    list_files(dir, &second);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg(unchanged(&first, &second, files[i]),
                      "%s rewritten by a start that changes nothing", files[i]);

    memset(&cfg, 0, sizeof cfg);
    cfg.state_dir = dir;
    cfg.proxy_port = -1;
    cfg.sans = sans;
    cfg.nsans = 1;
    srv = mvt_start("fixtures/default.json", &cfg);
    mv_server_stop(srv);
    srv = NULL;
    list_files(dir, &third);
    ck_assert_msg(!unchanged(&second, &third, "server.pem"), "a new name gets a new certificate");
    ck_assert_msg(unchanged(&second, &third, "state.db"), "state.db kept");
    ck_assert_msg(unchanged(&second, &third, "ca.pem"), "the CA kept");
    check_state_dir(dir);
}
END_TEST

/* Issue 14: a state dir of an earlier version (state.json, the export written unformatted with
 * mode 0600) is migrated into state.db on the first start and the old file kept as
 * state.json.migrated; what it held is served, and the next start reads the database. */
START_TEST(test_state_json_migrated)
{
    char tmpl[] = "/tmp/mvt-state-XXXXXX", *dir = mkdtemp(tmpl), path[512], err[256];
    struct mv_data *d;
    struct mv_store *st;
    struct mv_secret_input in = {.value = "from-json"};
    struct mvt_resp r;
    struct stat sb;
    char *text;
    cJSON *j;

    ck_assert_msg(dir != NULL, "mkdtemp");
    snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
    d = mv_state_load_file(MV_SOURCE_ROOT "/fixtures/default.json", time(NULL), err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    st = mv_store_create(d);
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "migrated-secret", &in, time(NULL), NULL),
                     MV_OK);
    j = mv_state_export(mv_store_rdlock(st));
    mv_store_unlock(st);
    text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    snprintf(path, sizeof path, "%s/state.json", dir);
    ck_assert_int_eq(cx_write_file_atomic(path, text, strlen(text), 0600), 0);
    free(text);
    mv_store_destroy(st);

    for (int round = 0; round < 2; round++) {
        srv = start_in(dir, "fixtures/test-two-tenants.json");
        tok = mvt_admin_token(srv);
        ck_assert_msg(tok != NULL, "token");
        kv(srv, "GET", "/secrets/migrated-secret/", NULL, &r);
        hc_assert_status(&r, 200, "the migrated secret");
        ck_assert_str_eq(hc_jstr(r.json, "value"), "from-json");
        mvt_resp_free(&r);
        hc_free_token(tok);
        tok = NULL;
        mv_server_stop(srv);
        srv = NULL;
        ck_assert_msg(stat(path, &sb) != 0, "state.json moved away (round %d)", round);
        snprintf(path, sizeof path, "%s/state.json.migrated", dir);
        ck_assert_msg(stat(path, &sb) == 0, "state.json kept as state.json.migrated");
        snprintf(path, sizeof path, "%s/state.json", dir);
        check_state_dir(dir);
    }
}
END_TEST

/* DESIGN §1 --ready-file: JSON {"url","port","ca","proxy"} once listening; url and port match
 * the server, ca names an existing file, proxy is the proxy's URL. */
START_TEST(test_c1_ready_file)
{
    char tmpl[] = "/tmp/mvt-ready-XXXXXX", *dir = mkdtemp(tmpl), path[512], want[128], *text;
    struct mv_server_config cfg;
    cJSON *j;

    ck_assert_msg(dir != NULL, "mkdtemp");
    snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
    snprintf(path, sizeof path, "%s/ready.json", dir);
    memset(&cfg, 0, sizeof cfg);
    cfg.ready_file = path;
    cfg.proxy_port = 0;
    srv = mvt_start("fixtures/default.json", &cfg);
    text = slurp(path);
    ck_assert_msg(text != NULL, "ready file written when start returns");
    j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "ready file is JSON");
    hc_assert_keys(j, "url,port,ca,proxy", "ready file keys");
    ck_assert_msg(cJSON_IsNumber(hc_jget(j, "port")), "port is a number");
    ck_assert_int_eq(hc_jint(j, "port"), mv_server_port(srv));
    snprintf(want, sizeof want, "https://127.0.0.1:%u", (unsigned)mv_server_port(srv));
    ck_assert_str_eq(hc_jstr(j, "url"), want);
    ck_assert_str_eq(hc_jstr(j, "url"), mv_server_url(srv));
    ck_assert_str_eq(hc_jstr(j, "ca"), mv_server_ca_path(srv));
    ck_assert_msg(access(hc_jstr(j, "ca"), R_OK) == 0, "ca file exists");
    ck_assert_msg(mv_server_proxy_port(srv) != 0, "proxy started");
    snprintf(want, sizeof want, "http://127.0.0.1:%u", (unsigned)mv_server_proxy_port(srv));
    ck_assert_str_eq(hc_jstr(j, "proxy"), want);
    cJSON_Delete(j);
    free(text);
}
END_TEST

static Suite *control_suite(void)
{
    Suite *s = suite_create("http-control");
    TCase *api = tcase_create("api");
    TCase *life = tcase_create("lifecycle");

    tcase_add_checked_fixture(api, setup, teardown);
    tcase_add_test(api, test_c7_health);
    tcase_add_test(api, test_c7_state_roundtrip_lossless);
    tcase_add_loop_test(api, test_c7_state_put_bad_fixture_400, 0,
                        (int)(sizeof bad_fixtures / sizeof bad_fixtures[0]));
    tcase_add_test(api, test_c7_reset_restores_fixture_and_clock);
    tcase_add_test(api, test_c7_clock_semantics);
    tcase_add_test(api, test_c7_ca_pem);
    suite_add_tcase(s, api);

    /* These start their own servers. */
    tcase_add_checked_fixture(life, NULL, teardown);
    tcase_add_test(life, test_c8_persistence_across_restart);
    tcase_add_test(life, test_restart_writes_nothing);
    tcase_add_test(life, test_state_json_migrated);
    tcase_add_test(life, test_c1_ready_file);
    suite_add_tcase(s, life);
    return s;
}

int main(void)
{
    return mvt_run(control_suite(), false);
}
