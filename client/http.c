/* http.c: the transport. One libcurl easy handle per concurrent caller, pooled on the client so a
 * sequential caller reuses its connection; retries with backoff; Azure error bodies to statuses. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-mem.h"
#include "kv-int.h"

void kv__trace(struct kv_client *c, const char *fmt, ...)
{
    if (!c || !c->opts.trace)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->opts.trace(c->opts.trace_ctx, line);
}

void kv__response_finish(struct kv__response *r)
{
    if (!r)
        return;
    kv__buf_wipe(&r->body);
    free(r->www_authenticate);
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct kv__buf *b = ud;
    /* Returning less than given makes curl stop with CURLE_WRITE_ERROR; overflow tells why. */
    return kv__buf_append(b, p, size * n) ? size * n : 0;
}

void kv__handle_free(struct kv__handle *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    for (struct curl_slist *i = h->headers; i; i = i->next)
        cx_wipe(i->data, strlen(i->data));
    curl_slist_free_all(h->headers);
    free(h);
}

/* Takes an idle easy handle from the pool, or makes one. The attempt's counters (a request
 * unless it is an identity call, a retry when retry > 0) are added under the same lock: threads
 * sharing one client take that lock from every core, and each extra round cost them about
 * a microsecond per call (docs/performance.md). */
static struct kv__handle *handle_get(struct kv_client *c, const struct kv__request *rq,
                                     unsigned retry)
{
    struct kv__handle *k = NULL;
    pthread_mutex_lock(&c->lock);
    if (!rq->identity)
        c->stats.requests++;
    if (retry)
        c->stats.retries++;
    if (c->n_pool > 0)
        k = c->pool[--c->n_pool];
    pthread_mutex_unlock(&c->lock);
    if (k)
        return k;
    if (!(k = calloc(1, sizeof *k)) || !(k->curl = curl_easy_init())) {
        free(k);
        return NULL;
    }
    CURL *h = k->curl;
    curl_easy_setopt(h, CURLOPT_SHARE, c->share);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Libcurl reads HTTPS_PROXY/https_proxy and NO_PROXY itself, as other clients do. */
    if (c->ca_file) {
        /* The bundle replaces the system store (kvclient.h), as SSL_CERT_FILE does: without
         * clearing CAPATH, libcurl (GnuTLS) would also read every file of /etc/ssl/certs on each
         * handshake and trust them. */
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    curl_easy_setopt(h, CURLOPT_USERAGENT, "kvclient/" KV_VERSION_STRING " libcurl");
    return k;
}

/* Returns a handle (NULL: none, it was dropped) to the pool so its connection stays warm for the
 * next call, and counts the nconn connections its transfer opened, under one lock. */
static void handle_put(struct kv_client *c, struct kv__handle *k, long nconn)
{
    pthread_mutex_lock(&c->lock);
    c->stats.connections += (unsigned long)nconn;
    if (!k) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (c->n_pool == c->cap_pool) {
        size_t cap = c->cap_pool ? c->cap_pool * 2 : 4;
        struct kv__handle **p = realloc(c->pool, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&c->lock);
            kv__handle_free(k);
            return;
        }
        c->pool = p;
        c->cap_pool = cap;
    }
    c->pool[c->n_pool++] = k;
    pthread_mutex_unlock(&c->lock);
}

/* Wipes and frees k's header list; the easy handle must not point at it afterwards. */
static void headers_drop(struct kv__handle *k)
{
    for (struct curl_slist *i = k->headers; i; i = i->next)
        cx_wipe(i->data, strlen(i->data));
    curl_slist_free_all(k->headers);
    k->headers = NULL;
    k->reqid = NULL;
    k->ctype = k->auth = NULL;
}

/* Appends a copy of line to the list *head whose last node is *tail; returns the copy, or NULL
 * when out of memory. */
static char *append_line(struct curl_slist **head, struct curl_slist **tail, const char *line)
{
    struct curl_slist *l = curl_slist_append(*tail, line);
    if (!l)
        return NULL;
    if (!*tail)
        *head = l;
    *tail = *tail ? (*tail)->next : l;
    return (*tail)->data;
}

/* The request's Content-Type line into buf (n bytes), or NULL when it sends none. "Content-Type:"
 * with no value stops curl from labelling a bodiless POST as a form. */
static const char *ctype_line(const struct kv__request *rq, char *buf, size_t n)
{
    size_t len = rq->content_type ? strlen(rq->content_type) : 0;
    if (!rq->content_type && strcmp(rq->method, "GET") == 0)
        return NULL;
    if (len + 15 > n)
        return NULL;
    memcpy(buf, "Content-Type:", 13);
    if (rq->content_type) {
        buf[13] = ' ';
        memcpy(buf + 14, rq->content_type, len + 1);
    } else {
        buf[13] = '\0';
    }
    return buf;
}

/* Makes k's header list fit rq, with a new request id. The list of the previous call is reused
 * when the token and the content type are the same and rq has no extra headers; otherwise it is
 * rebuilt, in the order the lines have always gone out. Returns KV_OK or KV_E_NOMEM. */
static int headers_for(struct kv__handle *k, const struct kv__request *rq)
{
    char line[4200];
    struct curl_slist *tail = NULL;
    const char *ct = ctype_line(rq, line, sizeof line);
    bool same = k->headers && !rq->headers &&
                (ct ? k->ctype && strcmp(k->ctype, ct) == 0 : !k->ctype) &&
                (rq->bearer ? k->auth && strcmp(k->auth + 22, rq->bearer) == 0 : !k->auth);
    if (!same) {
        headers_drop(k);
        /* The id's 36 characters are written below, before every use. */
        static const char reqid_line[] = "x-ms-client-request-id: "
                                         "00000000-0000-0000-0000-000000000000";
        char *id;
        if (!append_line(&k->headers, &tail, "Accept: application/json") ||
            !(id = append_line(&k->headers, &tail, reqid_line)) ||
            !append_line(&k->headers, &tail, "Expect:") ||
            (ct && !(k->ctype = append_line(&k->headers, &tail, ct))))
            goto nomem;
        k->reqid = id + 24;
        if (rq->bearer) {
            size_t blen = strlen(rq->bearer);
            char *auth = malloc(22 + blen + 1);
            if (auth) {
                memcpy(auth, "Authorization: Bearer ", 22);
                memcpy(auth + 22, rq->bearer, blen + 1);
                k->auth = append_line(&k->headers, &tail, auth);
            }
            cx_free_wiped(auth);
            if (!k->auth)
                goto nomem;
        }
        for (size_t i = 0; rq->headers && rq->headers[i]; i++)
            if (!append_line(&k->headers, &tail, rq->headers[i]))
                goto nomem;
    }
    kv__uuid(k->reqid);
    return KV_OK;
nomem:
    headers_drop(k);
    return KV_E_NOMEM;
}

static const char *header_value(CURL *h, const char *name)
{
    struct curl_header *hdr = NULL;
    if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK || !hdr)
        return NULL;
    return hdr->value;
}

/* Maps a transport failure to a status; true when it is worth retrying. */
static int curl_status(CURLcode rc, bool overflow, bool *retry)
{
    *retry = false;
    if (overflow)
        return KV_E_TOO_LARGE;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: *retry = true; return KV_E_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE: return KV_E_TLS;
    case CURLE_SSL_CONNECT_ERROR:
        /* A handshake cut short is as transient as any other dropped connection. */
        *retry = true;
        return KV_E_TLS;
    case CURLE_OUT_OF_MEMORY: return KV_E_NOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return KV_E_INVALID_ARG;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST: return KV_E_NETWORK;
    default:
        /* Refused or reset connections, empty replies, truncated bodies: transient. */
        *retry = true;
        return KV_E_NETWORK;
    }
}

/* One HTTP attempt. Returns KV_OK with rs filled whatever the status, or a transport status with
 * *retry saying whether another attempt may help. */
static int attempt(struct kv_client *c, const struct kv__request *rq, unsigned attempt_no,
                   unsigned timeout_ms, struct kv__response *rs, bool *retry, struct kv_error *err)
{
    int status = KV_OK;
    long nconn = 0;
    struct kv__handle *k = handle_get(c, rq, attempt_no);
    if (!k)
        return kv__fail(err, KV_E_NOMEM, "out of memory creating a connection handle");
    CURL *h = k->curl;

    if ((status = headers_for(k, rq)) != KV_OK) {
        kv__fail(err, status, "out of memory building request headers");
        goto out;
    }

    kv__response_finish(rs);
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, k->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &rs->body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms : 10000));
    /* Reset method state left from the previous use of this pooled handle. */
    curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(rq->method, "GET") != 0) {
        /* POSTFIELDS with an explicit size sends Content-Length (0 included), never chunked. */
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(rq->body ? rq->body_len : 0));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        if (strcmp(rq->method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    }

    kv__trace(c, "> %s %s (%s, request id %s%s)", rq->method, rq->url, rq->what, k->reqid,
              rq->bearer ? ", Authorization: Bearer ***" : ", no token");
    uint64_t t0 = kv__mono_ms();
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn);
    if (rc != CURLE_OK) {
        status = curl_status(rc, rs->body.overflow, retry);
        if (status == KV_E_TOO_LARGE)
            kv__fail(err, status, "the response to %s %s is larger than %u bytes", rq->method,
                     rq->url, KV__MAX_RESPONSE);
        else
            kv__fail(err, status, "%s %s: %s", rq->method, rq->url, curl_easy_strerror(rc));
        kv__trace(c, "< failed after %llu ms: %s", (unsigned long long)(kv__mono_ms() - t0),
                  curl_easy_strerror(rc));
        /* A handle whose transfer failed may hold a broken connection; start afresh. */
        kv__handle_free(k);
        k = NULL;
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
    const char *v = header_value(h, "x-ms-request-id");
    if (v)
        snprintf(rs->request_id, sizeof rs->request_id, "%s", v);
    /* Each lookup walks every header of the response: read the challenge only on a 401 and the
     * retry hints only on a status that is retried, the only answers that use them. */
    if (rs->status == 401 && (v = header_value(h, "WWW-Authenticate")))
        rs->www_authenticate = kv__strdup(v);
    if (kv__retryable_status(rs->status) || rq->retry_hint)
        rs->retry_after_ms = kv__retry_after_ms(header_value(h, "x-ms-retry-after-ms"),
                                                header_value(h, "retry-after-ms"),
                                                header_value(h, "Retry-After"), kv__now());
    kv__trace(c, "< %ld (%llu ms, %zu bytes%s%s)", rs->status,
              (unsigned long long)(kv__mono_ms() - t0), rs->body.len,
              rs->request_id[0] ? ", x-ms-request-id " : "", rs->request_id);
out:
    if (k) {
        /* Extra lines (X-IDENTITY-HEADER) are not kept past their call. */
        if (rq->headers || !k->headers) {
            headers_drop(k);
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        }
        /* The body dies with the caller; the handle must not point at it when it is reused. */
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    }
    handle_put(c, k, nconn);
    return status;
}

/* Sleeps ms milliseconds. */
static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int kv__http_call(struct kv_client *c, const struct kv__request *rq, uint64_t deadline_start,
                  struct kv__response *rs, struct kv_error *err)
{
    const struct kv_options *o = &c->opts;
    int status = KV_OK;
    int attempts = 0;
    for (unsigned retry = 0;; retry++) {
        unsigned timeout = o->timeout_ms;
        uint64_t elapsed = kv__mono_ms() - deadline_start;
        if (o->deadline_ms) {
            if (elapsed >= o->deadline_ms) {
                status = kv__fail(err, KV_E_TIMEOUT,
                                  "%s %s: the %u ms deadline passed after %d attempt(s)",
                                  rq->method, rq->url, o->deadline_ms, attempts);
                break;
            }
            if (o->deadline_ms - elapsed < timeout)
                timeout = (unsigned)(o->deadline_ms - elapsed);
        }
        bool again = false;
        attempts++;
        status = attempt(c, rq, retry, timeout, rs, &again, err);
        if (status == KV_OK && kv__retryable_status(rs->status)) {
            again = true;
        } else if (status == KV_OK || !again) {
            break;
        }
        if ((int)retry >= o->max_retries) {
            if (status == KV_OK)
                kv__trace(c, "giving up after %d attempts (status %ld)", attempts, rs->status);
            break;
        }
        unsigned wait =
            kv__backoff_ms(retry, o->retry_delay_ms, o->max_retry_delay_ms, kv__random());
        /* The server's Retry-After is a floor: retrying sooner only earns another 429. */
        if (status == KV_OK && rs->retry_after_ms >= 0 && (unsigned long)rs->retry_after_ms > wait)
            wait = (unsigned)rs->retry_after_ms;
        elapsed = kv__mono_ms() - deadline_start;
        if (o->deadline_ms && elapsed + wait >= o->deadline_ms) {
            kv__trace(c, "not retrying: waiting %u ms would pass the %u ms deadline", wait,
                      o->deadline_ms);
            break;
        }
        kv__trace(c, "retry %u/%d in %u ms (%s%s)", retry + 1, o->max_retries, wait,
                  status == KV_OK ? "status " : kv_status_name(status),
                  status == KV_OK ? (rs->status == 429 ? "429" : "5xx/408") : "");
        sleep_ms(wait);
    }
    /* Added up over the operation's calls: the challenge round, the request and a 401 retry. */
    if (err)
        err->attempts += attempts;
    return status;
}

/* Copies a JSON string member into dst if present. */
static void copy_str(const cJSON *obj, const char *key, char *dst, size_t n)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(it) && it->valuestring)
        snprintf(dst, n, "%s", it->valuestring);
}

int kv__error_from_response(const struct kv__response *rs, struct kv_error *err)
{
    int status;
    char inner[64] = "";
    struct kv_error tmp = {0}; /* read below (attempts) when the caller passed no err */
    if (!err) {
        err = &tmp;
    }
    int attempts = err->attempts;
    kv__error_clear(err);
    err->attempts = attempts;
    err->http_status = rs->status;
    snprintf(err->request_id, sizeof err->request_id, "%s", rs->request_id);

    cJSON *root = rs->body.data ? cJSON_ParseWithLength(rs->body.data, rs->body.len) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (cJSON_IsObject(e)) {
        /* Key Vault: {"error":{"code","message","innererror":{"code"}}}. */
        copy_str(e, "code", err->code, sizeof err->code);
        copy_str(e, "message", err->message, sizeof err->message);
        const cJSON *ie = cJSON_GetObjectItemCaseSensitive(e, "innererror");
        if (cJSON_IsObject(ie))
            copy_str(ie, "code", err->inner_code, sizeof err->inner_code);
    } else if (cJSON_IsString(e)) {
        /* Entra: {"error":"invalid_client","error_description":"AADSTS7000215: …"}. */
        copy_str(root, "error", err->code, sizeof err->code);
        copy_str(root, "error_description", err->message, sizeof err->message);
    }
    if (root)
        kv__json_delete_wipe(root);
    snprintf(inner, sizeof inner, "%s", err->inner_code);

    switch (rs->status) {
    case 400: status = KV_E_BAD_REQUEST; break;
    case 401: status = KV_E_UNAUTHORIZED; break;
    case 403:
        /* A disabled secret, a disabled key used for a private-key operation, and a key outside
         * its nbf/exp window (spec/keyvault-keys.md §4) each get their own status. */
        if (!strcmp(inner, "SecretDisabled") || !strcmp(inner, "KeyDisabled"))
            status = KV_E_DISABLED;
        else if (!strcmp(inner, "KeyExpired") || !strcmp(inner, "KeyNotYetValid"))
            status = KV_E_EXPIRED;
        else
            status = KV_E_FORBIDDEN;
        break;
    case 404: status = KV_E_NOT_FOUND; break;
    case 408: status = KV_E_TIMEOUT; break;
    case 409: status = KV_E_CONFLICT; break;
    case 429: status = KV_E_THROTTLED; break;
    default: status = rs->status >= 500 && rs->status <= 599 ? KV_E_SERVER : KV_E_HTTP; break;
    }
    if (!err->message[0])
        snprintf(err->message, sizeof err->message, "HTTP %ld with no Azure error body",
                 rs->status);
    err->status = status;
    return status;
}
