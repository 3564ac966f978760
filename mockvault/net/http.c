/* http.c: libmicrohttpd glue: per-request state, capped body buffer, Host parsing, dispatch
 * through the server's hook. The accessors handlers use are in request.c. */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conns.h"
#include "proxy.h"
#include "sockaddr.h"
#include "reply.h"
#include "util.h"

/* Defined here, used by server.c to start the daemon. */
enum MHD_Result mv_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **req_cls);
void mv_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe);

/* A Host header is used to build ids and links, so only host-name characters are taken. Tested
 * by ranges rather than strchr over the set: the Host and the client request id of every request
 * pass through here. */
static bool host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']';
}

static bool host_chars_ok(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > 250)
        return false;
    for (; *h; h++)
        if (!host_char((unsigned char)*h))
            return false;
    return true;
}

/* src cut to fit n bytes, as snprintf "%s" cuts it, without the formatting. */
static void copy_cut(char *dst, size_t n, const char *src, size_t len)
{
    if (len > n - 1)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
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
    size_t hlen = strlen(r->host), slen = strlen(scheme);
    if (cx_hostport_split(r->host, hlen, CX_HP_KEEP_BRACKETS | CX_HP_LOWER, &hp) == CX_HP_OK) {
        copy_cut(r->host_name, sizeof r->host_name, hp.host, strlen(hp.host));
        r->host_port = hp.port;
    } else {
        /* Not host[:port] (a stray bracket, a bad port): the whole text is the name, which then
         * matches no vault and gets the clear 404 naming the vaults. */
        copy_cut(r->host_name, sizeof r->host_name, r->host, hlen);
        cx_str_lower(r->host_name);
    }
    /* host_chars_ok bounds the Host to 250 characters, so scheme://host fits whole. */
    memcpy(r->base_url, scheme, slen);
    memcpy(r->base_url + slen, "://", 3);
    copy_cut(r->base_url + slen + 3, sizeof r->base_url - slen - 3, r->host, hlen);
    r->azure_host = mv_host_is_azure(r->host_name);
}

/* The peer's address, and whether it counts as loopback for the control API
 * (docs/threat-model.md): a loopback address, except the proxy's end of a tunnel it opened for a
 * client that is not loopback (possible only with --allow-remote-peers). */
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
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, r->peer, sizeof r->peer);
    }
    r->peer_loopback = mv_sockaddr_is_loopback(sa);
    if (r->peer_loopback && r->srv->cfg.allow_remote &&
        mv_proxy_tunnel_is_remote(r->srv->proxy, sa))
        r->peer_loopback = false;
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
        r->on_imds = ci && srv->imds.n && ci->daemon == srv->imds.daemons[0];
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
        cx_wipe_free(r->body, r->body_len);
    }
    for (int i = 0; i < 3; i++)
        free(r->cap[i]);
    free(r->authz_explanation);
    free(r->authz_fix);
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

/* Answers a request the transport refuses before any dispatch: a connection over a cap (why
 * names it: 503), or, when why is MV_CONN_ADMITTED, a request target over the guard's limits
 * (414). The connection closes after the answer, which frees its slot (and libmicrohttpd need not
 * read a body it would throw away). The answer is logged and journalled like any other. */
static enum MHD_Result refuse(struct mv_req *r, enum mv_conn_refusal why)
{
    struct mv_conns_limits lim;

    r->close_connection = true;
    mv_conns_answering(r->conn);
    if (why == MV_CONN_ADMITTED)
        return mv_reply_kv_error(r, 414, "RequestUriTooLong", NULL,
                                 "The request target is longer than %d bytes or has more than %d "
                                 "query parameters.",
                                 MV_URI_MAX, MV_QUERY_PARAMS_MAX);
    mv_conns_effective(r->srv->conns, &lim);
    r->has_retry_after = true;
    r->retry_after = 1;
    if (why == MV_CONN_OVER_PEER)
        return mv_reply_kv_error(r, 503, "ServiceUnavailable", NULL,
                                 "mockvault already serves %u connections from %s "
                                 "(--max-connections-per-ip); close idle connections and retry.",
                                 lim.max_connections_per_ip, r->peer);
    return mv_reply_kv_error(r, 503, "ServiceUnavailable", NULL,
                             "mockvault already serves %u connections (--max-connections); close "
                             "idle connections and retry.",
                             lim.max_connections);
}

/* Hands the complete request to the dispatcher; the request deadline stops here. */
static enum MHD_Result dispatch(struct mv_req *r)
{
    mv_conns_answering(r->conn);
    return r->srv->dispatch(r);
}

enum MHD_Result mv_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **req_cls)
{
    struct mv_server *srv = cls;
    struct mv_req *r = *req_cls == MV_URI_REFUSED ? NULL : *req_cls;

    if (!r) {
        const char *cl;
        bool uri_refused = *req_cls == MV_URI_REFUSED;
        enum mv_conn_refusal why;

        r = req_create(srv, conn, url, method);
        if (!r)
            return MHD_NO;
        *req_cls = r;
        why = mv_conns_refusal(conn);
        if (why != MV_CONN_ADMITTED || uri_refused)
            return refuse(r, why);
        /* A declared oversize body is never buffered: it is drained and dropped, and the 413
         * goes out once the client has finished sending (answering mid-upload and closing makes
         * the kernel reset the connection, and the client may see the reset instead of the 413).
         * Only an absurd declaration is answered at once. */
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > MV_BODY_MAX) {
            r->body_too_large = true;
            if (strtoull(cl, NULL, 10) > MV_DRAIN_MAX)
                return dispatch(r);
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
    return dispatch(r);
}

void mv_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe)
{
    /* The guard's marker is not a request: the connection closed before the head was whole. */
    if (*req_cls != MV_URI_REFUSED)
        req_destroy(*req_cls);
    *req_cls = NULL;
    mv_conns_idle(conn);
}
