/* http.c: libmicrohttpd glue: per-request state, capped body buffer, Host parsing, dispatch. */
#include "http.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* Defined here, used by server.c to start the daemon. */
enum MHD_Result mv_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **req_cls);
void mv_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe);

const char *mv_req_query(struct mv_req *r, const char *key)
{
    /* MHD percent-decodes argument keys as well as values, so the JS SDK's "api%2Dversion"
     * arrives here as "api-version" (real-clients §3). */
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *mv_req_header(struct mv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int64_t mv_req_now(struct mv_req *r)
{
    /* One instant per request: every check of one request agrees on the time, and the clock's
     * lock is taken once rather than at every check. */
    if (r->now == 0)
        r->now = mv_clock_now(&r->srv->clock);
    return r->now;
}

struct form_ctx {
    mv_form_slot_fn slot;
    void *ctx;
    size_t max;
};

/* The post processor hands values over in chunks; append them. */
static enum MHD_Result form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    struct form_ctx *fc = cls;
    char **slot;
    size_t have;
    char *nv;

    /* A multipart part without a name arrives with no key at all. */
    if (!key)
        return MHD_YES;
    slot = fc->slot(fc->ctx, key);
    /* A repeated key: the first occurrence wins. */
    if (!slot || (off == 0 && *slot))
        return MHD_YES;
    have = *slot ? strlen(*slot) : 0;
    if (have + size > fc->max)
        return MHD_YES;
    nv = realloc(*slot, have + size + 1);
    if (!nv)
        return MHD_NO;
    memcpy(nv + have, data, size);
    nv[have + size] = '\0';
    *slot = nv;
    return MHD_YES;
}

void mv_req_form(struct mv_req *r, mv_form_slot_fn slot, void *ctx, size_t max)
{
    struct form_ctx fc = {slot, ctx, max};
    struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 4096, form_iter, &fc);

    /* NULL when the Content-Type is not a form: then every field is simply missing. */
    if (!pp)
        return;
    if (r->body_len)
        MHD_post_process(pp, r->body, r->body_len);
    MHD_destroy_post_processor(pp);
}

struct cJSON *mv_req_json(struct mv_req *r)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, 0);

    /* cJSON stops after the first value; "[] trailing" is not a JSON text (RFC 8259). */
    if (j && end && strspn(end, " \t\r\n") != (size_t)(r->body + r->body_len - end)) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

/* A Host header is used to build ids and links, so only host-name characters are taken. */
static bool host_chars_ok(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > 250)
        return false;
    for (; *h; h++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *h))
            return false;
    return true;
}

static void parse_host(struct mv_req *r)
{
    const char *h = mv_req_header(r, "Host");
    const char *scheme = (r->srv->cfg.http || r->on_imds) ? "http" : "https";
    struct cx_hostport hp;

    if (!h || !host_chars_ok(h)) {
        char fallback[64];
        snprintf(fallback, sizeof fallback, "127.0.0.1:%u", r->srv->port);
        h = fallback;
        r->host = strdup(h);
    } else {
        r->host = strdup(h);
    }
    if (!r->host)
        r->host = strdup("");
    if (!r->host)
        return;
    if (cx_hostport_split(r->host, strlen(r->host), CX_HP_KEEP_BRACKETS | CX_HP_LOWER, &hp) ==
        CX_HP_OK) {
        snprintf(r->host_name, sizeof r->host_name, "%s", hp.host);
        r->host_port = hp.port;
    } else {
        /* Not host[:port] (a stray bracket, a bad port): the whole text is the name, which then
         * matches no vault and gets the clear 404 naming the vaults. */
        snprintf(r->host_name, sizeof r->host_name, "%s", r->host);
        cx_str_lower(r->host_name);
    }
    snprintf(r->base_url, sizeof r->base_url, "%s://%s", scheme, r->host);
    r->azure_host = mv_host_is_azure(r->host_name);
}

static void parse_peer(struct mv_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(r->peer, sizeof r->peer, "unknown");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, r->peer, sizeof r->peer);
        r->peer_loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, r->peer, sizeof r->peer);
        r->peer_loopback =
            IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
            (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
}

static struct mv_req *req_create(struct mv_server *srv, struct MHD_Connection *conn,
                                 const char *url, const char *method)
{
    struct mv_req *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->srv = srv;
    r->conn = conn;
    r->method = method;
    r->start = mv_mono_now();
    r->path = strdup(url ? url : "/");
    if (!r->path) {
        free(r);
        return NULL;
    }
    mv_rand_guid(r->request_id);
    r->client_request_id = mv_req_header(r, "x-ms-client-request-id");
    if (!r->client_request_id)
        r->client_request_id = mv_req_header(r, "client-request-id");
    if (r->client_request_id && !host_chars_ok(r->client_request_id))
        r->client_request_id = NULL; /* never echo header-injection material */
    {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
        r->on_imds = ci && srv->imds_daemon && ci->daemon == srv->imds_daemon;
    }
    parse_host(r);
    parse_peer(r);
    if (!r->host) {
        free(r->path);
        free(r);
        return NULL;
    }
    return r;
}

static void req_destroy(struct mv_req *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->host);
    if (r->body) {
        /* Bodies may hold secret values: wipe before freeing. */
        memset(r->body, 0, r->body_len);
        free(r->body);
    }
    for (int i = 0; i < 3; i++)
        free(r->cap[i]);
    free(r);
}

/* Appends an upload chunk, keeping at most MV_BODY_MAX bytes; the rest is drained and dropped. */
static void body_append(struct mv_req *r, const char *data, size_t size)
{
    char *nb;

    if (r->body_too_large)
        return;
    if (r->body_len + size > MV_BODY_MAX) {
        r->body_too_large = true;
        return;
    }
    nb = realloc(r->body, r->body_len + size + 1);
    if (!nb) {
        r->body_too_large = true;
        return;
    }
    r->body = nb;
    memcpy(r->body + r->body_len, data, size);
    r->body_len += size;
    r->body[r->body_len] = '\0';
}

enum MHD_Result mv_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **req_cls)
{
    struct mv_server *srv = cls;
    struct mv_req *r = *req_cls;

    if (!r) {
        const char *cl;

        r = req_create(srv, conn, url, method);
        if (!r)
            return MHD_NO;
        *req_cls = r;
        /* A declared oversize body is never buffered: it is drained and dropped, and the 413
         * goes out once the client has finished sending (answering mid-upload and closing makes
         * the kernel reset the connection, and the client may see the reset instead of the 413).
         * Only an absurd declaration is answered at once. */
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > MV_BODY_MAX) {
            r->body_too_large = true;
            if (strtoull(cl, NULL, 10) > MV_DRAIN_MAX)
                return r->srv->dispatch(r);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->responded)
            body_append(r, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (!r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return MHD_NO;
    }
    return r->srv->dispatch(r);
}

void mv_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe)
{
    req_destroy(*req_cls);
    *req_cls = NULL;
}
