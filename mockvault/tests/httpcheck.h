/* httpcheck.h: small helpers shared by the test-http-*.c suites, on top of testlib.h: checked
 * requests, JSON paths, key order, base64url, GUID shapes, state snapshots and the mock clock.
 * Everything is static inline so each suite uses what it needs without unused-function warnings.
 *
 * Failure messages print statuses and error codes only, never bodies that may hold secret values
 * or tokens. */
#ifndef MV_HTTPCHECK_H
#define MV_HTTPCHECK_H

#include <check.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define HC_API "2025-07-01"
#define HC_RETENTION_90D (90 * 86400)
#define HC_RETENTION_7D (7 * 86400)

/* The Key Vault error code ("error.code") or the Entra error ("error") of a response, for
 * failure messages; "-" when there is none. Borrowed from r. */
static inline const char *hc_err_code(const struct mvt_resp *r)
{
    const cJSON *e = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "error") : NULL;
    const cJSON *c;

    if (cJSON_IsString(e))
        return e->valuestring;
    c = cJSON_GetObjectItemCaseSensitive(e, "code");
    return cJSON_IsString(c) ? c->valuestring : "-";
}

/* malloc that aborts the test when out of memory. */
static inline void *hc_xmalloc(size_t n)
{
    void *p = malloc(n);
    ck_assert_msg(p != NULL, "out of memory");
    return p;
}

/* Sends a request and aborts the test when the transport failed (no HTTP answer at all). */
static inline void hc_req(struct mv_server *srv, const char *method, const char *host,
                          const char *path, const char *token, const char *const *headers,
                          const char *body, struct mvt_resp *out)
{
    int rc = mvt_request(srv, method, host, path, token, headers, body, out);
    ck_assert_msg(rc == 0, "%s %s (host %s): no HTTP response", method, path,
                  host ? host : "localhost");
}

/* Asserts the status, printing status and error code (never the body) when it differs. */
#define hc_assert_status(r, want, what)                                                            \
    ck_assert_msg((r)->status == (want), "%s: status %ld (error %s), want %d", (what),             \
                  (r)->status, hc_err_code(r), (int)(want))

/* Follows a dotted path ("attributes.enabled", "keys.0.kid": numbers index arrays). NULL if a
 * step is missing. */
static inline const cJSON *hc_jget(const cJSON *j, const char *path)
{
    char buf[256], *save = NULL, *tok;

    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsArray(j) && isdigit((unsigned char)tok[0]))
            j = cJSON_GetArrayItem(j, atoi(tok));
        else
            j = cJSON_GetObjectItemCaseSensitive(j, tok);
    }
    return j;
}

/* String at path or NULL. */
static inline const char *hc_jstr(const cJSON *j, const char *path)
{
    const cJSON *v = hc_jget(j, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Number at path as int64; asserts that it exists and is a whole number. */
static inline int64_t hc_jint(const cJSON *j, const char *path)
{
    const cJSON *v = hc_jget(j, path);
    ck_assert_msg(cJSON_IsNumber(v), "%s: not a JSON number", path);
    ck_assert_msg(v->valuedouble == (double)(int64_t)v->valuedouble, "%s: not a whole number",
                  path);
    return (int64_t)v->valuedouble;
}

static inline bool hc_has(const cJSON *j, const char *path)
{
    return hc_jget(j, path) != NULL;
}

/* Writes the keys of object o, in order, comma-separated ("value,contentType,id"). */
static inline const char *hc_keys(const cJSON *o, char *buf, size_t n)
{
    const cJSON *it;
    size_t off = 0;

    buf[0] = '\0';
    cJSON_ArrayForEach(it, o) {
        int w = snprintf(buf + off, n - off, "%s%s", off ? "," : "", it->string ? it->string : "?");
        if (w < 0 || (size_t)w >= n - off)
            break;
        off += (size_t)w;
    }
    return buf;
}

#define hc_assert_keys(o, want, what)                                                              \
    do {                                                                                           \
        char hc_kb_[512];                                                                          \
        hc_keys((o), hc_kb_, sizeof hc_kb_);                                                       \
        ck_assert_msg(strcmp(hc_kb_, (want)) == 0, "%s: keys [%s], want [%s]", (what), hc_kb_,     \
                      (want));                                                                     \
    } while (0)

/* True when no value anywhere in the tree is JSON null (optional keys are omitted, never null);
 * skip names one key whose null is allowed ("nextLink"). */
static inline bool hc_no_nulls(const cJSON *j, const char *skip)
{
    const cJSON *it;

    if (cJSON_IsNull(j))
        return false;
    cJSON_ArrayForEach(it, j) {
        if (skip && it->string && strcmp(it->string, skip) == 0)
            continue;
        if (!hc_no_nulls(it, skip))
            return false;
    }
    return true;
}

/* Decodes unpadded base64url (the test's own decoder, independent of the server's). Returns a
 * NUL-terminated buffer (caller frees) or NULL on invalid input. */
static inline unsigned char *hc_b64url_decode(const char *s, size_t len, size_t *out_len)
{
    unsigned char *out = malloc(len * 3 / 4 + 4);
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int v;
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

/* Unpadded base64url of data (caller frees). */
static inline char *hc_b64url_encode(const void *data, size_t len)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = data;
    char *out = malloc(len * 4 / 3 + 4);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = al[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = al[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return out;
}

/* True for a string made only of base64url characters (no '=' padding). */
static inline bool hc_is_b64url(const char *s)
{
    size_t n = strlen(s);
    return n > 0 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* Decodes part idx (0 header, 1 payload) of a compact JWT as JSON; NULL when malformed. */
static inline cJSON *hc_jwt_part(const char *jwt, int idx)
{
    const char *p = jwt, *dot;
    unsigned char *raw;
    cJSON *j;
    size_t n = 0;

    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, '.');
        if (p)
            p++;
    }
    if (!p)
        return NULL;
    dot = strchr(p, '.');
    raw = hc_b64url_decode(p, dot ? (size_t)(dot - p) : strlen(p), &n);
    if (!raw)
        return NULL;
    j = cJSON_ParseWithLength((const char *)raw, n);
    free(raw);
    return j;
}

/* 8-4-4-4-12 hexadecimal. */
static inline bool hc_is_guid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* 32 lowercase hex characters: a secret version. */
static inline bool hc_is_version(const char *s)
{
    return s && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

/* The body of GET /_mock/state (caller frees). */
static inline char *hc_state(struct mv_server *srv)
{
    struct mvt_resp r;
    char *s;

    hc_req(srv, "GET", "localhost", "/_mock/state", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/state");
    s = r.body;
    r.body = NULL;
    mvt_resp_free(&r);
    return s;
}

/* The mock clock's "now" (GET /_mock/clock). */
static inline int64_t hc_now(struct mv_server *srv)
{
    struct mvt_resp r;
    int64_t now;

    hc_req(srv, "GET", "localhost", "/_mock/clock", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/clock");
    now = hc_jint(r.json, "now");
    mvt_resp_free(&r);
    return now;
}

/* POST /_mock/clock with body; asserts 200. */
static inline void hc_clock(struct mv_server *srv, const char *json)
{
    long st = mvt_control(srv, "POST", "/_mock/clock", json);
    ck_assert_msg(st == 200, "POST /_mock/clock %s: status %ld", json, st);
}

/* "https://HOST:PORT" as the client reached the server. */
static inline const char *hc_base(struct mv_server *srv, const char *host, char *buf, size_t n)
{
    snprintf(buf, n, "https://%s:%u", host ? host : "localhost", (unsigned)mv_server_port(srv));
    return buf;
}

/* Path with the api-version appended: "/secrets/x" -> "/secrets/x?api-version=V" (or "&..."). */
static inline const char *hc_path(char *buf, size_t n, const char *path, const char *api)
{
    snprintf(buf, n, "%s%capi-version=%s", path, strchr(path, '?') ? '&' : '?', api ? api : HC_API);
    return buf;
}

/* GET path (api-version appended) on host as token with curl directly, to see the transport
 * failures testlib hides (a dropped connection, a timeout). The body is discarded: it may hold a
 * value or a certificate. Returns the curl code; *status (may be NULL) gets the HTTP status, 0
 * when none arrived. */
static inline CURLcode hc_raw_get(struct mv_server *srv, const char *host, const char *path,
                                  const char *token, long timeout_ms, long *status)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL, *res = NULL;
    char url[512], resolve[128], auth[8192], p[400];
    unsigned port = mv_server_port(srv);
    FILE *sink = fopen("/dev/null", "w");
    CURLcode rc;

    snprintf(url, sizeof url, "https://%s:%u%s", host, port, hc_path(p, sizeof p, path, NULL));
    snprintf(resolve, sizeof resolve, "%s:%u:127.0.0.1", host, port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    res = curl_slist_append(res, resolve);
    hl = curl_slist_append(hl, auth);
    curl_easy_setopt(c, CURLOPT_RESOLVE, res);
    curl_easy_setopt(c, CURLOPT_URL, url);
    mvt_trust_mock(c, srv);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
    rc = curl_easy_perform(c);
    if (status) {
        *status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    }
    curl_slist_free_all(hl);
    curl_slist_free_all(res);
    curl_easy_cleanup(c);
    fclose(sink);
    return rc;
}

/* PUT /secrets/{name} on host with a JSON body; asserts 200 and returns the response. */
static inline void hc_set(struct mv_server *srv, const char *host, const char *token,
                          const char *name, const char *json, struct mvt_resp *out)
{
    char p[512], what[300];

    snprintf(p, sizeof p, "/secrets/%s?api-version=%s", name, HC_API);
    hc_req(srv, "PUT", host, p, token, NULL, json, out);
    snprintf(what, sizeof what, "PUT /secrets/%s", name);
    hc_assert_status(out, 200, what);
}

/* Requests a client-credentials token from any tenant's v2 endpoint; NULL on failure. Never
 * prints the token or the secret. Caller frees. */
static inline char *hc_token_for(struct mv_server *srv, const char *tenant, const char *client_id,
                                 const char *secret, const char *scope)
{
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    char body[1024], path[300], esc_scope[512];
    struct mvt_resp r;
    char *tok = NULL;
    size_t o = 0;

    /* Percent-encode the scope's reserved characters by hand (':' '/' ' '). */
    for (const char *s = scope; *s && o + 4 < sizeof esc_scope; s++) {
        if (isalnum((unsigned char)*s) || strchr("-._~", *s))
            esc_scope[o++] = *s;
        else
            o += (size_t)snprintf(esc_scope + o, sizeof esc_scope - o, "%%%02X", (unsigned char)*s);
    }
    esc_scope[o] = '\0';
    snprintf(body, sizeof body,
             "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", client_id,
             secret, esc_scope);
    snprintf(path, sizeof path, "/%s/oauth2/v2.0/token", tenant);
    if (mvt_request(srv, "POST", "localhost", path, NULL, hdr, body, &r) != 0)
        return NULL;
    if (r.status == 200)
        tok = hc_jstr(r.json, "access_token") ? strdup(hc_jstr(r.json, "access_token")) : NULL;
    mvt_resp_free(&r);
    return tok;
}

/* Frees a token after wiping it. */
static inline void hc_free_token(char *t)
{
    if (t) {
        memset(t, 0, strlen(t));
        free(t);
    }
}

/* Asserts that the body is exactly want (byte for byte). printable: the bodies hold no secret
 * value or token, so a mismatch may print both; otherwise only the lengths are printed. */
#define hc_assert_body(r, want, printable, what)                                                   \
    do {                                                                                           \
        const char *hc_w_ = (want);                                                                \
        if (printable) {                                                                           \
            /* From a little before the first difference, bounded: Check refuses long messages. */ \
            size_t hc_d_ = 0;                                                                      \
            while ((r)->body[hc_d_] != '\0' && (r)->body[hc_d_] == hc_w_[hc_d_])                   \
                hc_d_++;                                                                           \
            size_t hc_s_ = hc_d_ > 60 ? hc_d_ - 60 : 0;                                            \
            ck_assert_msg(strcmp((r)->body, hc_w_) == 0,                                           \
                          "%s: body differs at byte %zu\n  got  ...%.400s\n  want ...%.400s",      \
                          (what), hc_d_, (r)->body + hc_s_, hc_w_ + hc_s_);                        \
        } else                                                                                     \
            ck_assert_msg(strcmp((r)->body, hc_w_) == 0,                                           \
                          "%s: body differs (%zu bytes, want %zu; not printed: holds a value)",    \
                          (what), (r)->len, strlen(hc_w_));                                        \
    } while (0)

/* Asserts that header name has exactly the value want. */
#define hc_assert_header(r, name, want, what)                                                      \
    do {                                                                                           \
        char hc_hb_[1024];                                                                         \
        const char *hc_hv_ = mvt_header((r), (name), hc_hb_, sizeof hc_hb_);                       \
        ck_assert_msg(hc_hv_ != NULL, "%s: header %s missing", (what), (name));                    \
        ck_assert_msg(strcmp(hc_hv_, (want)) == 0, "%s: header %s is '%s', want '%s'", (what),     \
                      (name), hc_hv_, (want));                                                     \
    } while (0)

#define hc_assert_no_header(r, name, what)                                                         \
    do {                                                                                           \
        char hc_hb_[1024];                                                                         \
        ck_assert_msg(mvt_header((r), (name), hc_hb_, sizeof hc_hb_) == NULL,                      \
                      "%s: header %s must be absent", (what), (name));                             \
    } while (0)

#endif
