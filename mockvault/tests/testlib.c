/* testlib.c: embedded server + libcurl helpers for the integration tests. */
#include "testlib.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t mvt_buf_add(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct mvt_buf *b = ud;
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

struct mv_server *mvt_start(const char *fixture, const struct mv_server_config *cfg)
{
    struct mv_server_config c;
    struct mv_server *srv = NULL;
    char path[1024], err[2048];
    static FILE *devnull;

    if (cfg)
        c = *cfg;
    else
        memset(&c, 0, sizeof c);
    if (fixture) {
        snprintf(path, sizeof path, "%s/%s", MV_SOURCE_ROOT, fixture);
        c.fixtures = path;
    }
    c.port = 0;
    if (!cfg || cfg->proxy_port == 0)
        c.proxy_port = cfg ? cfg->proxy_port : -1;
    if (!c.log) {
        if (!devnull)
            devnull = fopen(getenv("MVT_LOG") ? "/dev/stderr" : "/dev/null", "w");
        c.log = devnull;
    }
    if (mv_server_start(&c, &srv, err, sizeof err) != 0)
        ck_abort_msg("server did not start: %s", err);
    return srv;
}

void mvt_trust_mock(CURL *c, const struct mv_server *srv)
{
    if (!mv_server_ca_path(srv))
        return;
    curl_easy_setopt(c, CURLOPT_CAINFO, mv_server_ca_path(srv));
    /* Without this, libcurl-gnutls also reads every file of its built-in CA directory
     * (/etc/ssl/certs, hundreds of files) on each handshake: most of a test request's cost, and
     * far more under AddressSanitizer. */
    curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
}

int mvt_request(struct mv_server *srv, const char *method, const char *host, const char *path,
                const char *token, const char *const *headers, const char *body,
                struct mvt_resp *out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL, *res = NULL;
    struct mvt_buf b = {NULL, 0}, h = {NULL, 0};
    char url[2048], resolve[512], auth[8192];
    unsigned port = mv_server_port(srv);
    const char *scheme = mv_server_ca_path(srv) ? "https" : "http";
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (!c)
        return -1;
    if (!host)
        host = "localhost";
    snprintf(url, sizeof url, "%s://%s:%u%s", scheme, host, port, path);
    snprintf(resolve, sizeof resolve, "%s:%u:127.0.0.1", host, port);
    res = curl_slist_append(res, resolve);
    curl_easy_setopt(c, CURLOPT_RESOLVE, res);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    mvt_trust_mock(c, srv);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mvt_buf_add);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, mvt_buf_add);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        hl = curl_slist_append(hl, "Expect:");
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        out->body = b.p ? b.p : strdup("");
        out->len = b.n;
        out->headers = h.p ? h.p : strdup("");
        out->json = cJSON_Parse(out->body);
        b.p = h.p = NULL;
        rc = 0;
    }
    free(b.p);
    free(h.p);
    curl_slist_free_all(hl);
    curl_slist_free_all(res);
    curl_easy_cleanup(c);
    return rc;
}

void mvt_resp_free(struct mvt_resp *r)
{
    free(r->body);
    free(r->headers);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

const char *mvt_header(const struct mvt_resp *r, const char *name, char *buf, size_t n)
{
    size_t nl = strlen(name);
    const char *p = r->headers;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, n, "%.*s", (int)(ll - (size_t)(v - p)), v);
            return buf;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

char *mvt_token(struct mv_server *srv, const char *client_id, const char *secret, const char *scope)
{
    char body[1024], path[256];
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    struct mvt_resp r;
    char *tok = NULL;
    CURL *c = curl_easy_init();
    char *es = curl_easy_escape(c, secret, 0), *esc = curl_easy_escape(c, scope, 0);

    snprintf(body, sizeof body,
             "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", client_id, es,
             esc);
    curl_free(es);
    curl_free(esc);
    curl_easy_cleanup(c);
    snprintf(path, sizeof path, "/%s/oauth2/v2.0/token", T_TENANT);
    if (mvt_request(srv, "POST", "localhost", path, NULL, hdr, body, &r) != 0)
        return NULL;
    if (r.status == 200 && r.json) {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(r.json, "access_token");
        if (cJSON_IsString(at))
            tok = strdup(at->valuestring);
    }
    mvt_resp_free(&r);
    return tok;
}

char *mvt_admin_token(struct mv_server *srv)
{
    return mvt_token(srv, T_ADMIN_ID, T_ADMIN_SECRET, "https://vault.azure.net/.default");
}

long mvt_control(struct mv_server *srv, const char *method, const char *path, const char *json)
{
    struct mvt_resp r;
    long st;

    if (mvt_request(srv, method, "localhost", path, NULL, NULL, json, &r) != 0)
        return -1;
    st = r.status;
    mvt_resp_free(&r);
    return st;
}

int mvt_run(Suite *s, bool nofork)
{
    SRunner *sr = srunner_create(s);
    int failed;

    if (nofork)
        srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
