/* reply.c: the one writer of response bodies and headers (Key Vault, Entra ID, control API). */
#include "reply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-base64.h"
#include "store.h"
#include "stream.h"
#include "util.h"

/* Key Vault's service version as seen in the 2026 recordings (spec §4). */
#define MV_KV_SERVICE_VERSION "1.9.3070.1"
#define MV_JSON_TYPE "application/json; charset=utf-8"

/* Adds the headers real Key Vault sends on every response (spec §4). */
static void add_vault_headers(struct mv_req *r, struct MHD_Response *resp)
{
    char net[160];

    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-cache");
    MHD_add_response_header(resp, "Pragma", "no-cache");
    MHD_add_response_header(resp, "Expires", "-1");
    MHD_add_response_header(resp, "x-ms-keyvault-region",
                            r->location[0] ? r->location : "westeurope");
    if (r->client_request_id)
        MHD_add_response_header(resp, "x-ms-client-request-id", r->client_request_id);
    MHD_add_response_header(resp, "x-ms-request-id", r->request_id);
    MHD_add_response_header(resp, "x-ms-keyvault-service-version", MV_KV_SERVICE_VERSION);
    snprintf(net, sizeof net, "conn_type=%s;addr=%s;act_addr_fam=%s;",
             strchr(r->peer, ':') ? "Ipv6" : "Ipv4", r->peer,
             strchr(r->peer, ':') ? "InterNetworkV6" : "InterNetwork");
    MHD_add_response_header(resp, "x-ms-keyvault-network-info", net);
    /* RBAC vaults name the assignment that allowed a successful call (spec §4). */
    if (r->rbac_assignment[0] && r->status < 300)
        MHD_add_response_header(resp, "x-ms-keyvault-rbac-assignment-id", r->rbac_assignment);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Strict-Transport-Security",
                            "max-age=31536000;includeSubDomains");
}

/* Entra ID's token responses are never cacheable (spec/identity.md §1.2). */
static void add_aad_headers(struct mv_req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-store, no-cache");
    MHD_add_response_header(resp, "Pragma", "no-cache");
    MHD_add_response_header(resp, "Expires", "-1");
    MHD_add_response_header(resp, "Strict-Transport-Security",
                            "max-age=31536000; includeSubDomains");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "x-ms-request-id", r->request_id);
    if (r->client_request_id)
        MHD_add_response_header(resp, "client-request-id", r->client_request_id);
}

static void add_other_headers(struct mv_req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-store");
    MHD_add_response_header(resp, "x-ms-request-id", r->request_id);
    if (r->client_request_id)
        MHD_add_response_header(resp, "x-ms-client-request-id", r->client_request_id);
}

/* Headers of the managed identity, Graph and ARM kinds (defined with their writers below). */
static void add_graph_headers(struct mv_req *r, struct MHD_Response *resp);
static void add_arm_headers(struct mv_req *r, struct MHD_Response *resp);

/* Queues resp (consumed) with status and writes the request's log line. */
static enum MHD_Result queue(struct mv_req *r, unsigned status, struct MHD_Response *resp,
                             const char *content_type)
{
    enum MHD_Result ok;

    if (!resp)
        return MHD_NO;
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    r->status = status;
    switch (r->kind) {
    case MV_KIND_VAULT: add_vault_headers(r, resp); break;
    case MV_KIND_AAD: add_aad_headers(r, resp); break;
    case MV_KIND_GRAPH: add_graph_headers(r, resp); break;
    case MV_KIND_ARM: add_arm_headers(r, resp); break;
    default: add_other_headers(r, resp); break;
    }
    /* A fault's retryAfter; the real throttling 429 carries no Retry-After (spec §2), so
     * nothing else sets it. */
    if (r->has_retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (r->reply_location[0])
        MHD_add_response_header(resp, "Location", r->reply_location);
    /* libmicrohttpd closes the connection after a response that says so. */
    if (r->close_connection)
        MHD_add_response_header(resp, "Connection", "close");
    r->responded = true;
    ok = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->srv->finished(r);
    return ok;
}

/* A truncated body (fault action "truncate"): the response declares the whole length, sends the
 * first half, then ends with an error, on which libmicrohttpd closes the connection. The client
 * sees a Content-Length it never gets, as when a proxy or the network cuts a response. */
struct truncated {
    char *text;  /* owned */
    size_t send; /* bytes sent before the cut */
};

static ssize_t truncated_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct truncated *t = cls;
    size_t n;

    if (pos >= t->send)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = t->send - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->text + pos, n);
    return (ssize_t)n;
}

static void truncated_free(void *cls)
{
    struct truncated *t = cls;

    free(t->text);
    free(t);
}

/* The response for a malloc'd body, which it takes over (freed on every path). */
static struct MHD_Response *response_for(struct mv_req *r, char *text, size_t len)
{
    struct MHD_Response *resp;
    struct truncated *t;

    if (!r->fault_truncate || len < 2) {
        /* MUST_FREE hands the malloc'd text to MHD, which frees it with free(). */
        resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(text);
        return resp;
    }
    t = malloc(sizeof *t);
    if (!t) {
        free(text);
        return NULL;
    }
    t->text = text;
    t->send = len / 2;
    resp = MHD_create_response_from_callback(len, 4096, truncated_read, t, truncated_free);
    if (!resp)
        truncated_free(t);
    return resp;
}

/* Sends body (compact JSON, taken over) with status, a Content-Type and optionally a
 * WWW-Authenticate challenge: the one path every JSON response goes through. */
static enum MHD_Result json_typed(struct mv_req *r, unsigned status, cJSON *body,
                                  const char *content_type, const char *www_authenticate)
{
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    struct MHD_Response *resp;

    cJSON_Delete(body);
    if (!text)
        return MHD_NO;
    resp = response_for(r, text, strlen(text));
    if (!resp)
        return MHD_NO;
    if (www_authenticate)
        MHD_add_response_header(resp, "WWW-Authenticate", www_authenticate);
    return queue(r, status, resp, content_type);
}

enum MHD_Result mv_reply_json(struct mv_req *r, unsigned status, cJSON *body)
{
    return json_typed(r, status, body, MV_JSON_TYPE, NULL);
}

enum MHD_Result mv_reply_oom(struct mv_req *r)
{
    return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                             "mockvault ran out of memory.");
}

enum MHD_Result mv_reply_view_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                   unsigned shape, const char *next_link,
                                   cJSON *(*item)(const struct mv_req *,
                                                  const struct mv_object_view *, unsigned))
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "value") : NULL;

    for (size_t i = 0; arr && i < n; i++) {
        cJSON *it = item(r, &items[i], shape);
        if (!it) {
            cJSON_Delete(root);
            return mv_reply_oom(r);
        }
        cJSON_AddItemToArray(arr, it);
    }
    if (!arr) {
        cJSON_Delete(root);
        return mv_reply_oom(r);
    }
    /* "nextLink" is always present, null on the last page (secrets spec §1, keys §3.5,
     * certificates §2). */
    if (next_link)
        cJSON_AddStringToObject(root, "nextLink", next_link);
    else
        cJSON_AddNullToObject(root, "nextLink");
    return mv_reply_json(r, MHD_HTTP_OK, root);
}

static enum MHD_Result kv_error_v(struct mv_req *r, unsigned status, const char *code,
                                  const char *inner, const char *fmt, va_list ap)
{
    char message[2048];
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");

    vsnprintf(message, sizeof message, fmt, ap);
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", message);
    if (inner)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(err, "innererror"), "code", inner);
    snprintf(r->error_code, sizeof r->error_code, "%s", inner ? inner : code);
    return mv_reply_json(r, status, root);
}

enum MHD_Result mv_reply_kv_error(struct mv_req *r, unsigned status, const char *code,
                                  const char *inner, const char *fmt, ...)
{
    va_list ap;
    int ok;

    va_start(ap, fmt);
    ok = kv_error_v(r, status, code, inner, fmt, ap);
    va_end(ap);
    return ok;
}

void mv_reply_challenge_resource(const struct mv_req *r, char *out, size_t n)
{
    const char *dot = strchr(r->host_name, '.');
    char port[8] = "";

    /* The port the client put in its Host header, if any. */
    if (r->host_port)
        snprintf(port, sizeof port, ":%u", r->host_port);
    /* Proxy mode and bare hosts get the real resource; SDKs pass their resource check for
     * {vault}.vault.azure.net and must switch it off for a bare localhost (DESIGN.md §3). For
     * {vault}.localhost:PORT (and aliases) the parent domain with the port passes both the
     * Python (netloc) and the JS (hostname) checks. */
    if (r->azure_host || !dot || cx_host_is_ip(r->host_name) || mv_host_is_azure(r->host_name))
        snprintf(out, n, "https://vault.azure.net");
    else
        snprintf(out, n, "https://%s%s", dot + 1, port);
}

enum MHD_Result mv_reply_kv_unauthorized(struct mv_req *r, const char *message)
{
    char resource[300], header[700];
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");

    cJSON_AddStringToObject(err, "code", "Unauthorized");
    cJSON_AddStringToObject(err, "message", message);
    snprintf(r->error_code, sizeof r->error_code, "Unauthorized");
    /* Exact real format: comma plus space between parameters (JS fails to parse without the
     * space), tenant as the only path segment (spec §3, real-clients §3). */
    mv_reply_challenge_resource(r, resource, sizeof resource);
    snprintf(header, sizeof header, "Bearer authorization=\"%s/%s\", resource=\"%s\"",
             r->azure_host ? "https://login.microsoftonline.com" : r->base_url, r->tenant,
             resource);
    return json_typed(r, MHD_HTTP_UNAUTHORIZED, root, MV_JSON_TYPE, header);
}

enum MHD_Result mv_reply_kv_claims_challenge(struct mv_req *r, int64_t revoked_at)
{
    char claims[160], header[900];
    char *b64;
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");

    /* The claims of the one real capture, xms_caeerror included (spec/identity.md §7.2); only
     * digits vary, so the standard base64 of it never holds '+' or '/', which the JS SDK's atob
     * and Python's re-padded urlsafe decoder would read differently. */
    snprintf(claims, sizeof claims,
             "{\"access_token\":{\"nbf\":{\"essential\":true,\"value\":\"%lld\"},"
             "\"xms_caeerror\":{\"value\":\"10012\"}}}",
             (long long)revoked_at);
    b64 = cx_b64_encode(claims, strlen(claims), 0);
    if (!b64) {
        cJSON_Delete(root);
        return MHD_NO;
    }
    /* No Key Vault body was captured [UNC]: the code is the one of every Key Vault 401, the
     * message the mock's own. */
    cJSON_AddStringToObject(err, "code", "Unauthorized");
    cJSON_AddStringToObject(err, "message",
                            "mockvault: the token was issued before its principal was revoked "
                            "(continuous access evaluation). Request a new token with the claims "
                            "of this challenge.");
    snprintf(r->error_code, sizeof r->error_code, "insufficient_claims");
    /* Parameters in the real order, ", " between them; authorization_uri names /common, as the
     * real one does (clients keep the tenant and scope of the first challenge). */
    snprintf(header, sizeof header,
             "Bearer realm=\"\", authorization_uri=\"%s/common/oauth2/authorize\", "
             "error=\"insufficient_claims\", claims=\"%s\"",
             r->azure_host ? "https://login.microsoftonline.com" : r->base_url, b64);
    free(b64);
    return json_typed(r, MHD_HTTP_UNAUTHORIZED, root, MV_JSON_TYPE, header);
}

enum MHD_Result mv_reply_aad_error(struct mv_req *r, unsigned status, const char *error, int code,
                                   const char *fmt, ...)
{
    char desc[1024], full[1400], ts[CX_TIME_MAX], trace[37], corr[37], uri[96];
    va_list ap;
    cJSON *root = cJSON_CreateObject();
    cJSON *codes;

    va_start(ap, fmt);
    vsnprintf(desc, sizeof desc, fmt, ap);
    va_end(ap);
    cx_time_format(mv_req_now(r), CX_TIME_AAD, ts);
    mv_rand_guid(trace);
    /* Entra echoes the client's correlation id when it sent one. */
    snprintf(corr, sizeof corr, "%s", r->client_request_id ? r->client_request_id : "");
    if (!r->client_request_id || strlen(r->client_request_id) != 36)
        mv_rand_guid(corr);
    snprintf(full, sizeof full,
             "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", code, desc,
             trace, corr, ts);
    snprintf(uri, sizeof uri, "https://login.microsoftonline.com/error?code=%d", code);
    cJSON_AddStringToObject(root, "error", error);
    cJSON_AddStringToObject(root, "error_description", full);
    codes = cJSON_AddArrayToObject(root, "error_codes");
    cJSON_AddItemToArray(codes, cJSON_CreateNumber(code));
    cJSON_AddStringToObject(root, "timestamp", ts);
    cJSON_AddStringToObject(root, "trace_id", trace);
    cJSON_AddStringToObject(root, "correlation_id", corr);
    cJSON_AddStringToObject(root, "error_uri", uri);
    snprintf(r->error_code, sizeof r->error_code, "AADSTS%d", code);
    return mv_reply_json(r, status, root);
}

/* ---- Secrets on the wire ----
 * The secret shapes are the GET hot path, so they are written straight into one growing buffer
 * instead of a cJSON tree (which costs an allocation per node, key and value). Strings are
 * escaped exactly as cJSON escapes them, so every body stays byte-identical to cJSON's compact
 * output. */

struct jbuf {
    char *p;
    size_t n, cap;
    bool oom;
};

static void jb_raw(struct jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        char *np;
        while (cap < b->n + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void jb_lit(struct jbuf *b, const char *s)
{
    jb_raw(b, s, strlen(s));
}

/* Whether any of the 8 bytes in x needs escaping in a JSON string (below 0x20, '"' or '\\'):
 * the classic SWAR tests for a byte below n and for a zero byte, per lane. */
static bool jb_needs_escape8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');

    return (((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash)) &
           highs;
}

/* A JSON string, escaped like cJSON's print_string_ptr. A certificate's PFX or PEM secret is
 * kilobytes long with nothing (base64) or only its newlines to escape, so runs of 8 bytes without
 * one are skipped at once (the byte-wise scan was 13 % of the server's time on a PFX GET). */
static void jb_str(struct jbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    const unsigned char *end = p + strlen(s);

    jb_raw(b, "\"", 1);
    for (; p < end; p++) {
        char esc[8];
        uint64_t x;
        while (end - p >= 8 && (memcpy(&x, p, 8), !jb_needs_escape8(x)))
            p += 8;
        if (p == end)
            break;
        if (*p >= 32 && *p != '"' && *p != '\\')
            continue;
        jb_raw(b, (const char *)run, (size_t)(p - run));
        switch (*p) {
        case '"': jb_raw(b, "\\\"", 2); break;
        case '\\': jb_raw(b, "\\\\", 2); break;
        case '\b': jb_raw(b, "\\b", 2); break;
        case '\f': jb_raw(b, "\\f", 2); break;
        case '\n': jb_raw(b, "\\n", 2); break;
        case '\r': jb_raw(b, "\\r", 2); break;
        case '\t': jb_raw(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            jb_raw(b, esc, 6);
            break;
        }
        run = p + 1;
    }
    jb_raw(b, (const char *)run, (size_t)(p - run));
    jb_raw(b, "\"", 1);
}

static void jb_int(struct jbuf *b, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    jb_raw(b, num, (size_t)n);
}

/* Writes base_url + a/b[/c] as a JSON string (ids and recovery ids). */
static void jb_url(struct jbuf *b, const char *base, const char *kind, const char *name,
                   const char *version)
{
    char url[800];
    if (version)
        snprintf(url, sizeof url, "%s/%s/%s/%s", base, kind, name, version);
    else
        snprintf(url, sizeof url, "%s/%s/%s", base, kind, name);
    jb_str(b, url);
}

/* One secret with the real key order: [recoveryId, deletedDate, scheduledPurgeDate,] [value,]
 * [contentType,] id, [managed,] attributes {enabled, [nbf,] [exp,] created, updated,
 * recoveryLevel, [recoverableDays]}, [tags], [kid, [previousVersion]]. Optional keys are left out,
 * never null (spec §1). managed and kid belong to a certificate's secret (certificates spec §4:
 * "value, contentType, id, managed, attributes, kid" [REC]); list items carry managed but no kid
 * (secrets spec §1 GetSecrets). prev: the previousVersion of a GET (NULL = none). */
static void jb_secret(struct jbuf *b, const struct mv_req *r, const struct mv_object_view *sv,
                      unsigned shape, const char *prev)
{
    jb_raw(b, "{", 1);
    if (shape & MV_SECRET_DELETED) {
        jb_lit(b, "\"recoveryId\":");
        jb_url(b, r->base_url, "deletedsecrets", sv->name, NULL);
        jb_lit(b, ",\"deletedDate\":");
        jb_int(b, sv->deleted_date);
        jb_lit(b, ",\"scheduledPurgeDate\":");
        jb_int(b, sv->scheduled_purge_date);
        jb_raw(b, ",", 1);
    }
    if (shape & MV_SECRET_VALUE) {
        jb_lit(b, "\"value\":");
        jb_str(b, sv->v.value ? sv->v.value : "");
        jb_raw(b, ",", 1);
    }
    if (sv->v.content_type) {
        jb_lit(b, "\"contentType\":");
        jb_str(b, sv->v.content_type);
        jb_raw(b, ",", 1);
    }
    jb_lit(b, "\"id\":");
    jb_url(b, r->base_url, "secrets", sv->name, (shape & MV_SECRET_BASE_ID) ? NULL : sv->v.id);
    if (sv->v.managed)
        jb_lit(b, ",\"managed\":true");
    jb_lit(b, ",\"attributes\":{\"enabled\":");
    jb_lit(b, sv->v.enabled ? "true" : "false");
    if (sv->v.has_nbf) {
        jb_lit(b, ",\"nbf\":");
        jb_int(b, sv->v.nbf);
    }
    if (sv->v.has_exp) {
        jb_lit(b, ",\"exp\":");
        jb_int(b, sv->v.exp);
    }
    jb_lit(b, ",\"created\":");
    jb_int(b, sv->v.created);
    jb_lit(b, ",\"updated\":");
    jb_int(b, sv->v.updated);
    jb_lit(b, ",\"recoveryLevel\":");
    jb_str(b, mv_recovery_level(sv->retention_days, sv->purge_protection));
    /* recoverableDays appeared with api-version 7.1 (spec §1 Common points), in its preview
     * already (docs/api-versions.md). */
    if (mv_api_version_at_least(r->api_version, "7.1-preview")) {
        jb_lit(b, ",\"recoverableDays\":");
        jb_int(b, sv->retention_days);
    }
    jb_raw(b, "}", 1);
    if (sv->v.tags.present) {
        jb_lit(b, ",\"tags\":{");
        for (size_t i = 0; i < sv->v.tags.n; i++) {
            if (i)
                jb_raw(b, ",", 1);
            jb_str(b, sv->v.tags.items[i].name);
            jb_raw(b, ":", 1);
            jb_str(b, sv->v.tags.items[i].value);
        }
        jb_raw(b, "}", 1);
    }
    if (sv->v.managed && !(shape & (MV_SECRET_BASE_ID | MV_SECRET_ITEM))) {
        /* The key of the same certificate version; where tags go beside it is [UNCERTAIN]. */
        jb_lit(b, ",\"kid\":");
        jb_url(b, r->base_url, "keys", sv->name, sv->v.id);
        /* previousVersion (2025-07-01): its place after kid is [UNCERTAIN]. */
        if (prev && prev[0]) {
            jb_lit(b, ",\"previousVersion\":");
            jb_str(b, prev);
        }
    }
    jb_raw(b, "}", 1);
}

/* Sends b's text (taken over) as a 200 JSON body. */
static enum MHD_Result reply_jbuf(struct mv_req *r, struct jbuf *b)
{
    struct MHD_Response *resp;

    if (b->oom || !b->p) {
        free(b->p);
        return MHD_NO;
    }
    resp = response_for(r, b->p, b->n);
    return queue(r, MHD_HTTP_OK, resp, MV_JSON_TYPE);
}

enum MHD_Result mv_reply_secret(struct mv_req *r, const struct mv_object_view *sv, unsigned shape)
{
    struct jbuf b = {NULL, 0, 0, false};

    jb_secret(&b, r, sv, shape, NULL);
    return reply_jbuf(r, &b);
}

enum MHD_Result mv_reply_secret_get(struct mv_req *r, const struct mv_object_view *sv,
                                    const char *previous_version)
{
    struct jbuf b = {NULL, 0, 0, false};

    jb_secret(&b, r, sv, MV_SECRET_VALUE, previous_version);
    return reply_jbuf(r, &b);
}

enum MHD_Result mv_reply_secret_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                     unsigned shape, const char *next_link)
{
    struct jbuf b = {NULL, 0, 0, false};

    jb_lit(&b, "{\"value\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            jb_raw(&b, ",", 1);
        jb_secret(&b, r, &items[i], shape, NULL);
    }
    /* "nextLink" is always present, null on the last page (spec §1). */
    jb_lit(&b, "],\"nextLink\":");
    if (next_link)
        jb_str(&b, next_link);
    else
        jb_lit(&b, "null");
    jb_raw(&b, "}", 1);
    return reply_jbuf(r, &b);
}

/* Written like the secrets, not through a cJSON tree: these answers (sign above all) are the
 * keys' hot path, and the tree, its print and its delete were about a fifth of what the mock
 * spends on a sign besides the signature itself (docs/performance.md). The bytes are cJSON's. */
enum MHD_Result mv_reply_key_result(struct mv_req *r, const char *name, const char *version,
                                    const unsigned char *data, size_t len)
{
    struct jbuf b = {NULL, 0, 0, false};
    char *value = cx_b64url_encode(data, len);

    if (!value)
        return mv_reply_oom(r);
    jb_lit(&b, "{\"kid\":");
    jb_url(&b, r->base_url, "keys", name, version);
    jb_lit(&b, ",\"value\":");
    jb_str(&b, value);
    jb_raw(&b, "}", 1);
    free(value);
    return reply_jbuf(r, &b);
}

enum MHD_Result mv_reply_no_content(struct mv_req *r)
{
    return queue(r, MHD_HTTP_NO_CONTENT,
                 MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), NULL);
}

enum MHD_Result mv_reply_text(struct mv_req *r, unsigned status, const char *content_type,
                              const char *text)
{
    char *copy = strdup(text);

    return copy ? queue(r, status, response_for(r, copy, strlen(copy)), content_type) : MHD_NO;
}

/* The console's pages run only their own files (script-src 'self', no inline code), talk only to
 * this origin, and may not be framed: a page elsewhere cannot overlay the fix buttons. */
#define MV_CONSOLE_CSP                                                                             \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static void add_console_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", MV_CONSOLE_CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

enum MHD_Result mv_reply_asset(struct mv_req *r, const char *content_type, const void *data,
                               size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);

    if (resp)
        add_console_headers(resp);
    return queue(r, MHD_HTTP_OK, resp, content_type);
}

enum MHD_Result mv_reply_stream(struct mv_req *r, struct mv_stream *s)
{
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16 * 1024, mv_stream_read, s, mv_stream_close);

    if (!resp) {
        mv_stream_close(s);
        return MHD_NO;
    }
    add_console_headers(resp);
    /* Proxies that buffer (nginx) would hold the events back. */
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    r->cache_control = "no-store";
    return queue(r, MHD_HTTP_OK, resp, "text/event-stream; charset=utf-8");
}

const char *mv_reply_echo(const char *s, char *out, size_t n)
{
    size_t i = 0;

    if (!s)
        s = "";
    for (; *s && i + 1 < n; s++) {
        unsigned char c = (unsigned char)*s;
        out[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[i] = '\0';
    if (*s && n > 4)
        memcpy(out + n - 4, "...", 4);
    return out;
}

/* ---- Managed identity, Microsoft Graph and Azure Resource Manager ---- */

/* What Graph answers on success (a recorded Graph response's Content-Type); errors are plain
 * application/json. */
#define MV_GRAPH_JSON_TYPE                                                                         \
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"        \
    "charset=utf-8"

static void add_graph_headers(struct mv_req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-cache");
    MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header(resp, "request-id", r->request_id);
    /* Graph echoes the caller's client-request-id and, when there is none, repeats its own
     * request-id there. */
    MHD_add_response_header(resp, "client-request-id",
                            r->client_request_id ? r->client_request_id : r->request_id);
    MHD_add_response_header(
        resp, "x-ms-ags-diagnostic",
        "{\"ServerInfo\":{\"DataCenter\":\"West Europe\",\"Slice\":\"E\","
        "\"Ring\":\"5\",\"ScaleUnit\":\"000\",\"RoleInstance\":\"mockvault\"}}");
    if (r->status < 300)
        MHD_add_response_header(resp, "OData-Version", "4.0");
}

static void add_arm_headers(struct mv_req *r, struct MHD_Response *resp)
{
    char routing[128], stamp[20];
    time_t now = (time_t)mv_req_now(r);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(routing, sizeof routing, "WESTEUROPE:%s:%s", stamp, r->request_id);
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-cache");
    MHD_add_response_header(resp, "Pragma", "no-cache");
    MHD_add_response_header(resp, "Expires", "-1");
    MHD_add_response_header(resp, "x-ms-request-id", r->request_id);
    MHD_add_response_header(resp, "x-ms-correlation-request-id", r->request_id);
    MHD_add_response_header(resp, "x-ms-routing-request-id", routing);
    MHD_add_response_header(resp, "Strict-Transport-Security",
                            "max-age=31536000; includeSubDomains");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

enum MHD_Result mv_reply_msi_error(struct mv_req *r, unsigned status, const char *error,
                                   const char *fmt, ...)
{
    char desc[1024];
    va_list ap;
    cJSON *root = cJSON_CreateObject();

    va_start(ap, fmt);
    vsnprintf(desc, sizeof desc, fmt, ap);
    va_end(ap);
    cJSON_AddStringToObject(root, "error", error);
    cJSON_AddStringToObject(root, "error_description", desc);
    snprintf(r->error_code, sizeof r->error_code, "%s", error);
    return mv_reply_json(r, status, root);
}

enum MHD_Result mv_reply_app_service_error(struct mv_req *r, unsigned status, const char *code,
                                           const char *fmt, ...)
{
    char msg[1024], corr[37];
    va_list ap;
    cJSON *root = cJSON_CreateObject();

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mv_rand_guid(corr);
    cJSON_AddNumberToObject(root, "statusCode", status);
    cJSON_AddStringToObject(root, "message", msg);
    cJSON_AddStringToObject(root, "correlationId", corr);
    snprintf(r->error_code, sizeof r->error_code, "%s", code);
    return mv_reply_json(r, status, root);
}

enum MHD_Result mv_reply_graph_json(struct mv_req *r, unsigned status, cJSON *body)
{
    return json_typed(r, status, body, MV_GRAPH_JSON_TYPE, NULL);
}

enum MHD_Result mv_reply_graph_error(struct mv_req *r, unsigned status, const char *code,
                                     const char *fmt, ...)
{
    char msg[1024], date[24];
    time_t now = (time_t)mv_req_now(r);
    struct tm tm;
    va_list ap;
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    cJSON *inner;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", msg);
    inner = cJSON_AddObjectToObject(err, "innerError");
    cJSON_AddStringToObject(inner, "date", date);
    cJSON_AddStringToObject(inner, "request-id", r->request_id);
    cJSON_AddStringToObject(inner, "client-request-id",
                            r->client_request_id ? r->client_request_id : r->request_id);
    snprintf(r->error_code, sizeof r->error_code, "%s", code);
    /* Graph's 401 names the authority and its own application id, as the real one does. */
    return json_typed(
        r, status, root, "application/json",
        status == MHD_HTTP_UNAUTHORIZED
            ? "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/"
              "common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""
            : NULL);
}

enum MHD_Result mv_reply_arm_error(struct mv_req *r, unsigned status, const char *code,
                                   const char *fmt, ...)
{
    char msg[1024], header[1200];
    va_list ap;
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", msg);
    snprintf(r->error_code, sizeof r->error_code, "%s", code);
    if (status != MHD_HTTP_UNAUTHORIZED)
        return json_typed(r, status, root, MV_JSON_TYPE, NULL);
    /* ARM's 401 carries a challenge naming the authority; the description repeats the message
     * with double quotes and backslashes (possible in echoed claims) made harmless. */
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\\')
            *p = '\'';
    snprintf(header, sizeof header,
             "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", "
             "error_description=\"%s\"",
             msg);
    return json_typed(r, status, root, MV_JSON_TYPE, header);
}

/* ---- Injected faults and throttling ---- */

enum MHD_Result mv_reply_kv_throttled(struct mv_req *r)
{
    /* Exactly the real body (spec §2, 146 bytes): code Throttled, reason
     * VaultRequestTypeLimitReached. */
    return mv_reply_kv_error(r, 429, "Throttled", NULL,
                             "Request was not processed because too many requests were received. "
                             "Reason: VaultRequestTypeLimitReached");
}

/* Wording per status for the envelopes that carry a code and a message. Only the 429 Throttled
 * body has a capture (spec §2); the rest follow each service's documented codes with the mock's
 * own messages. */
struct fault_text {
    unsigned status;
    const char *kv_code, *kv_msg; /* Key Vault and ARM: {"error":{"code","message"}} */
    const char *graph_code;       /* Graph's documented error codes */
    const char *aad_error;        /* Entra ID: OAuth2 error and AADSTS number */
    int aad_code;
    const char *aad_msg;
    const char *msi_error; /* IMDS {"error","error_description"} */
};

static const struct fault_text fault_texts[] = {
    {400, "BadParameter", "The request is invalid.", "invalidRequest", "invalid_request", 90013,
     "Invalid input received from the user.", "invalid_request"},
    {401, "Unauthorized", "[TokenExpired] Error validating token: 'S2S12086'.",
     "InvalidAuthenticationToken", "invalid_client", 7000215, "Invalid client secret provided.",
     "invalid_client"},
    {403, "Forbidden", "Access denied.", "Authorization_RequestDenied", "unauthorized_client",
     700016, "Application was not allowed to request this token.", "access_denied"},
    {404, "NotFound", "The requested resource was not found.", "Request_ResourceNotFound",
     "invalid_request", 90002, "Tenant not found.", "not_found"},
    {408, "RequestTimeout", "The request timed out.", "timeout", "temporarily_unavailable", 90033,
     "A transient error has occurred. Please try again.", "timeout"},
    {409, "Conflict", "The request conflicts with the current state of the resource.", "conflict",
     "invalid_request", 90013, "Invalid input received from the user.", "invalid_request"},
    {429, "Throttled",
     "Request was not processed because too many requests were received. Reason: "
     "VaultRequestTypeLimitReached",
     "TooManyRequests", "temporarily_unavailable", 90055,
     "TenantThrottlingThreshold: the number of requests from the "
     "tenant has exceeded the limit. Retry after the interval in "
     "Retry-After.",
     "too_many_requests"},
    {500, "InternalServerError", "An internal server error occurred. Please try again.",
     "generalException", "server_error", 50000,
     "There was an error issuing a token or an issue with the sign-in service.", "unknown_error"},
    {502, "BadGateway", "The server received an invalid response from an upstream server.",
     "generalException", "server_error", 50000,
     "There was an error issuing a token or an issue with the sign-in service.", "unknown_error"},
    {503, "ServiceUnavailable", "The service is unavailable. Please try again later.",
     "serviceNotAvailable", "temporarily_unavailable", 90033,
     "A transient error has occurred. Please try again.", "service_unavailable"},
    {504, "GatewayTimeout", "The server did not receive a timely response from an upstream server.",
     "timeout", "temporarily_unavailable", 90033,
     "A transient error has occurred. Please try again.", "timeout"},
};

/* The wording for status; a status without a row gets its reason phrase made into a code. */
static struct fault_text fault_text_for(unsigned status, char *code, size_t n)
{
    struct fault_text t = {status, NULL, NULL, NULL, NULL, 0, NULL, NULL};
    const char *phrase = MHD_get_reason_phrase_for(status);
    size_t k = 0;

    for (size_t i = 0; i < sizeof fault_texts / sizeof fault_texts[0]; i++)
        if (fault_texts[i].status == status)
            return fault_texts[i];
    /* "Unprocessable Entity" -> "UnprocessableEntity". */
    for (const char *p = phrase && *phrase ? phrase : "Error"; *p && k + 1 < n; p++)
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            code[k++] = *p;
    code[k] = '\0';
    t.kv_code = t.graph_code = code;
    t.kv_msg = phrase && *phrase ? phrase : "Error.";
    t.aad_error = status >= 500 ? "server_error" : "invalid_request";
    t.aad_code = status >= 500 ? 50000 : 90013;
    t.aad_msg = status >= 500
                    ? "There was an error issuing a token or an issue with the sign-in service."
                    : "Invalid input received from the user.";
    t.msi_error = status >= 500 ? "unknown_error" : "invalid_request";
    return t;
}

enum MHD_Result mv_reply_fault(struct mv_req *r, unsigned status, const char *permission)
{
    char code[64];
    struct fault_text t = fault_text_for(status, code, sizeof code);

    switch (r->kind) {
    case MV_KIND_VAULT:
        if (status == MHD_HTTP_UNAUTHORIZED)
            return mv_reply_kv_unauthorized(r, t.kv_msg);
        if (status == 429)
            return mv_reply_kv_throttled(r);
        if (status == MHD_HTTP_FORBIDDEN)
            /* The real access-policy denial, so clients see exactly what a missing permission
             * looks like (spec §2). */
            return mv_reply_kv_error(
                r, status, "Forbidden", "AccessDenied",
                "The user, group or application 'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' "
                "does not have %s %s permission on key vault '%s;location=%s'. For help "
                "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                r->appid, r->oid, r->tid, mv_family_word(r->op ? r->op->family : MV_FAMILY_SECRETS),
                permission ? permission : "get", r->vault, r->location);
        return mv_reply_kv_error(r, status, t.kv_code, NULL, "%s", t.kv_msg);
    case MV_KIND_AAD:
        return mv_reply_aad_error(r, status, t.aad_error, t.aad_code, "%s", t.aad_msg);
    case MV_KIND_MSI:
        /* App Service (GET /msi/token) has its own envelope; IMDS and Cloud Shell share the
         * OAuth-style one (spec/identity.md §4). */
        if (strcmp(r->method, "GET") == 0 && strncmp(r->path, "/msi/", 5) == 0)
            return mv_reply_app_service_error(r, status, t.kv_code, "%s", t.kv_msg);
        return mv_reply_msi_error(r, status, t.msi_error, "%s", t.kv_msg);
    case MV_KIND_GRAPH: return mv_reply_graph_error(r, status, t.graph_code, "%s", t.kv_msg);
    case MV_KIND_ARM:
        return mv_reply_arm_error(
            r, status, status == 429 ? "TooManyRequests" : t.kv_code, "%s",
            status == 429
                ? "The request is throttled. Please retry after the interval in Retry-After."
                : t.kv_msg);
    default: return mv_reply_kv_error(r, status, t.kv_code, NULL, "%s", t.kv_msg);
    }
}
