/* kvc-http.c: libcurl requests, tokens, challenges and JSON/JWT helpers for kvconform. */
#include "kvc-http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-text.h"

struct growbuf {
    char *p;
    size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct growbuf *b = ud;
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

/* Keeps only the header block of the last response: a redirect or "100 Continue" would otherwise
 * mix two blocks, and callers ask about the final answer. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct growbuf *b = ud;

    if (size * nmemb >= 5 && strncmp(ptr, "HTTP/", 5) == 0 && b->p) {
        b->p[0] = '\0';
        b->n = 0;
    }
    return on_data(ptr, size, nmemb, ud);
}

/* One easy handle per test process, so kept-alive TLS connections are reused between requests.
 * The Check runner forks a child per test from the first process (the runner), and a child must
 * never touch a handle it inherited: its connection's TLS state belongs to the parent, and
 * LeakSanitizer in the child would report it as leaked. So the runner itself keeps no handle
 * between calls (it makes few requests), and each child caches its own. */
static pid_t runner_pid;
static CURL *cached;
static pid_t cached_owner;

static CURL *process_handle(void)
{
    if (!runner_pid)
        runner_pid = getpid();
    if (cached && cached_owner == getpid()) {
        curl_easy_reset(cached);
        return cached;
    }
    cached = curl_easy_init();
    cached_owner = getpid();
    return cached;
}

/* Called at the end of every request: the runner drops its handle (see above). */
static void process_handle_release(CURL *c)
{
    if (getpid() == runner_pid) {
        curl_easy_cleanup(c);
        cached = NULL;
        cached_owner = 0;
    }
}

/* True for "localhost" and "*.localhost" (RFC 6761: always loopback). */
static bool is_localhost_name(const char *host)
{
    size_t n = strlen(host);

    return cx_strcasecmp(host, "localhost") == 0 ||
           (n > 10 && cx_str_ends_nocase(host, ".localhost"));
}

int kvc_http(const char *method, const char *url, const char *ca_file, const char *const *headers,
             const char *body, size_t body_len, struct kvc_resp *out)
{
    CURL *c = process_handle();
    CURLU *u = NULL;
    struct curl_slist *hl = NULL, *res = NULL;
    struct growbuf b = {NULL, 0}, h = {NULL, 0};
    char *host = NULL, *port = NULL, pin[512], errbuf[CURL_ERROR_SIZE] = "";
    CURLcode cc;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (!c) {
        snprintf(out->err, sizeof out->err, "curl_easy_init failed");
        goto out;
    }
    u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        snprintf(out->err, sizeof out->err, "not a URL: %.200s", url);
        goto out;
    }
    if (is_localhost_name(host)) {
        snprintf(pin, sizeof pin, "%s:%s:127.0.0.1", host, port);
        res = curl_slist_append(res, pin);
        curl_easy_setopt(c, CURLOPT_RESOLVE, res);
    }
    /* Loopback never goes through a proxy; a real endpoint honours the usual proxy variables. */
    if (is_localhost_name(host) || strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0)
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (ca_file) {
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
        /* That CA alone: libcurl-gnutls would also read its whole CA directory per handshake. */
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    /* "Expect: 100-continue" would stall every larger body by a round trip. */
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        snprintf(out->err, sizeof out->err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = b.p ? b.p : strdup("");
    out->len = b.n;
    out->headers = h.p ? h.p : strdup("");
    b.p = h.p = NULL;
    if (out->len)
        out->json = cJSON_ParseWithLength(out->body, out->len);
    rc = 0;
out:
    /* The handle outlives the call; options pointing at our lists are cleared by the next reset. */
    if (c) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(c, CURLOPT_RESOLVE, NULL);
        process_handle_release(c);
    }
    free(b.p);
    free(h.p);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    curl_slist_free_all(hl);
    curl_slist_free_all(res);
    return rc;
}

void kvc_resp_free(struct kvc_resp *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->headers);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

long kvc_resp_take(struct kvc_resp *r, struct kvc_resp *out)
{
    long st = r->status;

    if (out)
        *out = *r;
    else
        kvc_resp_free(r);
    return st;
}

const char *kvc_header(const struct kvc_resp *r, const char *name, char *buf, size_t n)
{
    size_t nl = strlen(name);
    const char *p = r ? r->headers : NULL;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);

        if (ll > nl && p[nl] == ':' && cx_strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(buf, n, "%.*s", (int)(ll - (size_t)(v - p)), v);
            return buf;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

char *kvc_urlencode(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *copy = e ? strdup(e) : NULL;

    curl_free(e);
    return copy;
}

char *kvc_token(const struct kvc_creds *c, const char *scope, struct kvc_resp *resp)
{
    static const char *const hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    struct kvc_resp r;
    char *id = kvc_urlencode(c->client_id), *sec = kvc_urlencode(c->client_secret);
    char *sc = kvc_urlencode(scope), *body = NULL, *tok = NULL, url[1024];
    size_t blen;

    memset(&r, 0, sizeof r);
    if (!id || !sec || !sc)
        goto out;
    blen = strlen(id) + strlen(sec) + strlen(sc) + 96;
    body = malloc(blen);
    if (!body)
        goto out;
    snprintf(body, blen, "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", id,
             sec, sc);
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", c->authority, c->tenant);
    if (kvc_http("POST", url, c->ca_file, hdr, body, strlen(body), &r) != 0)
        goto out;
    if (r.status == 200 && cJSON_IsString(kvc_jget(r.json, "access_token")))
        tok = strdup(kvc_jstr(r.json, "access_token"));
out:
    if (resp)
        *resp = r;
    else
        kvc_resp_free(&r);
    free(id);
    cx_free_wiped(sec);
    free(sc);
    cx_free_wiped(body);
    return tok;
}

/* Copies [b, e) into dst trimmed of spaces and surrounding quotes; *quoted says whether quotes
 * were there. */
static void copy_trimmed(char *dst, size_t n, const char *b, const char *e, bool *quoted)
{
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    *quoted = e - b >= 2 && *b == '"' && e[-1] == '"';
    if (*quoted) {
        b++;
        e--;
    }
    snprintf(dst, n, "%.*s", (int)(e - b), b);
}

int kvc_challenge_parse(const char *value, struct kvc_challenge *out)
{
    const char *p = value, *sp;
    char *slash;

    memset(out, 0, sizeof *out);
    out->all_quoted = true;
    if (!value)
        return -1;
    while (*p == ' ')
        p++;
    sp = strchr(p, ' ');
    if (!sp)
        return -1;
    snprintf(out->scheme, sizeof out->scheme, "%.*s", (int)(sp - p), p);
    p = sp + 1;
    while (*p) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        char key[64], val[512];
        bool kq, vq;

        if (eq) {
            copy_trimmed(key, sizeof key, p, eq, &kq);
            copy_trimmed(val, sizeof val, eq + 1, end, &vq);
            out->nparams++;
            if (!vq)
                out->all_quoted = false;
            if (cx_strcasecmp(key, "authorization") == 0 ||
                cx_strcasecmp(key, "authorization_uri") == 0)
                snprintf(out->authorization, sizeof out->authorization, "%s", val);
            else if (cx_strcasecmp(key, "resource") == 0)
                snprintf(out->resource, sizeof out->resource, "%s", val);
            else if (cx_strcasecmp(key, "scope") == 0)
                snprintf(out->scope, sizeof out->scope, "%s", val);
        }
        p = comma ? comma + 1 : end;
    }
    if (!out->authorization[0])
        return -1;
    /* The SDKs take the tenant from the authorization URL's last path segment (spec §3). */
    snprintf(out->authority, sizeof out->authority, "%s", out->authorization);
    slash = strrchr(out->authority, '/');
    if (!slash || slash < strstr(out->authority, "://") + 3)
        return -1;
    snprintf(out->tenant, sizeof out->tenant, "%s", slash + 1);
    *slash = '\0';
    return 0;
}

bool kvc_is_b64url(const char *s)
{
    return s && *s && cx_b64_valid(s, strlen(s), CX_B64_URL | CX_B64_NOPAD);
}

cJSON *kvc_jwt_part(const char *token, int part)
{
    const char *b = token, *e;
    unsigned char *raw;
    size_t n;
    cJSON *j;

    if (!token)
        return NULL;
    for (int i = 0; i < part; i++) {
        b = strchr(b, '.');
        if (!b)
            return NULL;
        b++;
    }
    e = strchr(b, '.');
    if (!e)
        return NULL;
    raw = cx_b64url_decode(b, (size_t)(e - b), &n);
    if (!raw)
        return NULL;
    j = cJSON_ParseWithLength((const char *)raw, n);
    free(raw);
    return j;
}

const cJSON *kvc_jget(const cJSON *j, const char *path)
{
    char key[128];

    while (j && *path) {
        const char *dot = strchr(path, '.');
        size_t kl = dot ? (size_t)(dot - path) : strlen(path);

        snprintf(key, sizeof key, "%.*s", (int)kl, path);
        j = cJSON_GetObjectItemCaseSensitive(j, key);
        path += kl + (dot ? 1 : 0);
    }
    return j;
}

const char *kvc_jstr(const cJSON *j, const char *path)
{
    const cJSON *v = kvc_jget(j, path);

    return cJSON_IsString(v) ? v->valuestring : "";
}

bool kvc_json_is_compact(const char *text)
{
    bool in_str = false;

    for (const char *p = text; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = false;
        } else if (*p == '"') {
            in_str = true;
        } else if (isspace((unsigned char)*p)) {
            return false;
        }
    }
    return true;
}

bool kvc_is_guid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}
