/* faultsrv.c: the scripted HTTPS server of faultsrv.h (libmicrohttpd, one thread per connection so
 * a delayed answer blocks nobody else). */
#include "faultsrv.h"

#include <arpa/inet.h>
#include <check.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"

#define FS_SCRIPT_MAX 256 /* the pager tests script over a hundred pages */
#define FS_JOURNAL_MAX 256

struct fs_server {
    struct MHD_Daemon *daemon;
    struct mv_tls *tls;
    uint16_t port;
    pthread_mutex_t lock;
    struct fs_reply script[FS_SCRIPT_MAX];
    size_t n_script;
    struct fs_reply token_script[FS_SCRIPT_MAX]; /* answers of the token endpoint, in turn */
    size_t n_token_script;
    struct fs_entry journal[FS_JOURNAL_MAX];
    size_t n_journal;
    unsigned tokens; /* tokens issued */
    unsigned ids;    /* request ids issued */
};

/* Per-request state: the body size seen so far. */
struct fs_req {
    size_t body_len;
};

uint64_t fs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *error_body(int status)
{
    switch (status) {
    case 401:
        return "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10013: Token expired "
               "(scripted).\"}}";
    case 404:
        return "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) x "
               "was not found in this key vault.\"}}";
    case 429:
        return "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed "
               "because too many requests were received. Reason: VaultRequestTypeLimitReached\"}}";
    case 500:
        return "{\"error\":{\"code\":\"InternalServerError\",\"message\":\"scripted fault\"}}";
    case 503:
        return "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The service is "
               "unavailable (scripted).\"}}";
    default: return "{\"error\":{\"code\":\"ScriptedFault\",\"message\":\"scripted fault\"}}";
    }
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, int status, const char *body,
                                  const char *const *headers, size_t nheaders, unsigned rid)
{
    struct MHD_Response *rsp;
    enum MHD_Result ret;
    char id[64];

    rsp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!rsp)
        return MHD_NO;
    if (status != 204)
        MHD_add_response_header(rsp, "Content-Type", "application/json; charset=utf-8");
    snprintf(id, sizeof id, "fs-request-%u", rid);
    MHD_add_response_header(rsp, "x-ms-request-id", id);
    for (size_t i = 0; i < nheaders && headers[i]; i++) {
        char name[128];
        const char *colon = strchr(headers[i], ':');
        const char *v;
        if (!colon || (size_t)(colon - headers[i]) >= sizeof name)
            continue;
        memcpy(name, headers[i], (size_t)(colon - headers[i]));
        name[colon - headers[i]] = '\0';
        for (v = colon + 1; *v == ' '; v++)
            ;
        MHD_add_response_header(rsp, name, v);
    }
    ret = MHD_queue_response(conn, (unsigned)status, rsp);
    MHD_destroy_response(rsp);
    return ret;
}

/* The secret name in /secrets/{name}[/...], or "" (into buf). */
static const char *secret_name(const char *url, char *buf, size_t n)
{
    const char *p;
    size_t len;

    buf[0] = '\0';
    if (strncmp(url, "/secrets/", 9) != 0)
        return buf;
    p = url + 9;
    len = strcspn(p, "/?");
    if (len >= n)
        len = n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct fs_server *fs = cls;
    struct fs_req *rq = *req_cls;
    struct fs_entry e;
    struct fs_reply reply;
    char body[2048], challenge[256], name[128];
    const char *hdrs[FS_MAX_HEADERS];
    const char *auth;
    int scripted = 0, token_scripted = 0;
    unsigned rid, tokno = 0;

    (void)version;
    (void)upload_data;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *req_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        rq->body_len += *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }

    memset(&e, 0, sizeof e);
    memset(&reply, 0, sizeof reply);
    snprintf(e.method, sizeof e.method, "%s", method);
    snprintf(e.path, sizeof e.path, "%s", url);
    e.body_len = rq->body_len;
    auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    e.authorized = auth != NULL && strncmp(auth, "Bearer ", 7) == 0;
    e.token = strcmp(method, "POST") == 0 && strstr(url, "/oauth2/v2.0/token") != NULL;
    e.t_ms = fs_now_ms();

    pthread_mutex_lock(&fs->lock);
    rid = ++fs->ids;
    if (e.token) {
        tokno = ++fs->tokens;
        if (fs->n_token_script > 0) {
            reply = fs->token_script[0];
            memmove(&fs->token_script[0], &fs->token_script[1],
                    (fs->n_token_script - 1) * sizeof fs->token_script[0]);
            fs->n_token_script--;
            token_scripted = 1;
        }
    } else if (e.authorized && fs->n_script > 0) {
        reply = fs->script[0];
        memmove(&fs->script[0], &fs->script[1], (fs->n_script - 1) * sizeof fs->script[0]);
        fs->n_script--;
        scripted = 1;
    }
    pthread_mutex_unlock(&fs->lock);

    memset(hdrs, 0, sizeof hdrs);
    if (token_scripted) {
        e.status = reply.status;
        for (size_t i = 0; i < FS_MAX_HEADERS && reply.headers[i]; i++)
            hdrs[i] = reply.headers[i];
        snprintf(body, sizeof body, "%s", reply.body ? reply.body : error_body(reply.status));
    } else if (e.token) {
        e.status = 200;
        snprintf(body, sizeof body,
                 "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"
                 "\"access_token\":\"fs-token-%u\"}",
                 tokno);
    } else if (!e.authorized || (scripted && reply.status == 401 && !reply.headers[0])) {
        /* The challenge, on every unauthenticated request and on a scripted 401 that brings no
         * headers of its own (one that does, a claims challenge, is sent as scripted). */
        e.status = 401;
        snprintf(challenge, sizeof challenge,
                 "WWW-Authenticate: Bearer authorization=\"https://localhost:%u/%s\", "
                 "resource=\"https://localhost:%u\"",
                 (unsigned)fs->port, FS_TENANT, (unsigned)fs->port);
        hdrs[0] = challenge;
        snprintf(body, sizeof body, "%s",
                 scripted ? error_body(401)
                          : "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: "
                            "Request is missing a Bearer or PoP token.\"}}");
    } else if (scripted) {
        e.status = reply.status;
        for (size_t i = 0; i < FS_MAX_HEADERS && reply.headers[i]; i++)
            hdrs[i] = reply.headers[i];
        snprintf(body, sizeof body, "%s", reply.body ? reply.body : error_body(reply.status));
    } else if (strcmp(url, "/secrets") == 0 || strcmp(url, "/deletedsecrets") == 0) {
        e.status = 200;
        snprintf(body, sizeof body, "{\"value\":[],\"nextLink\":null}");
    } else {
        e.status = 200;
        snprintf(body, sizeof body,
                 "{\"value\":\"fs-value\",\"id\":\"https://demo.localhost:%u/secrets/%s/"
                 "0123456789abcdef0123456789abcdef\",\"attributes\":{\"enabled\":true,"
                 "\"created\":1700000000,\"updated\":1700000000,\"recoveryLevel\":"
                 "\"Recoverable+Purgeable\",\"recoverableDays\":90}}",
                 (unsigned)fs->port, secret_name(url, name, sizeof name));
    }

    pthread_mutex_lock(&fs->lock);
    if (fs->n_journal < FS_JOURNAL_MAX)
        fs->journal[fs->n_journal++] = e;
    pthread_mutex_unlock(&fs->lock);

    if ((scripted || token_scripted) && reply.delay_ms)
        usleep(reply.delay_ms * 1000u);
    return send_reply(conn, e.status, body, hdrs, FS_MAX_HEADERS, rid);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

struct fs_server *fs_start(void)
{
    static const char *const names[] = {"demo.localhost"};
    struct fs_server *fs = calloc(1, sizeof *fs);
    struct sockaddr_in sin;
    const union MHD_DaemonInfo *info;
    char err[512];

    ck_assert_msg(fs != NULL, "out of memory");
    pthread_mutex_init(&fs->lock, NULL);
    ck_assert_msg(mv_tls_setup(NULL, names, 1, &fs->tls, err, sizeof err) == 0,
                  "fault server TLS: %s", err);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = 0;
    fs->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS, 0, NULL,
        NULL, on_request, fs, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, fs, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_HTTPS_MEM_KEY, fs->tls->key_pem, MHD_OPTION_HTTPS_MEM_CERT, fs->tls->cert_pem,
        MHD_OPTION_END);
    ck_assert_msg(fs->daemon != NULL, "fault server did not start");
    info = MHD_get_daemon_info(fs->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_msg(info && info->port, "fault server port");
    fs->port = info->port;
    return fs;
}

void fs_stop(struct fs_server *fs)
{
    if (!fs)
        return;
    if (fs->daemon)
        MHD_stop_daemon(fs->daemon);
    mv_tls_destroy(fs->tls);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}

uint16_t fs_port(const struct fs_server *fs)
{
    return fs->port;
}

const char *fs_ca_path(const struct fs_server *fs)
{
    return fs->tls->ca_path;
}

void fs_push(struct fs_server *fs, const struct fs_reply *reply, unsigned times)
{
    pthread_mutex_lock(&fs->lock);
    for (unsigned i = 0; i < times && fs->n_script < FS_SCRIPT_MAX; i++)
        fs->script[fs->n_script++] = *reply;
    pthread_mutex_unlock(&fs->lock);
}

void fs_push_token(struct fs_server *fs, const struct fs_reply *reply, unsigned times)
{
    pthread_mutex_lock(&fs->lock);
    for (unsigned i = 0; i < times && fs->n_token_script < FS_SCRIPT_MAX; i++)
        fs->token_script[fs->n_token_script++] = *reply;
    pthread_mutex_unlock(&fs->lock);
}

size_t fs_journal(struct fs_server *fs, struct fs_entry *out, size_t max)
{
    size_t n;

    pthread_mutex_lock(&fs->lock);
    n = fs->n_journal;
    for (size_t i = 0; out && i < n && i < max; i++)
        out[i] = fs->journal[i];
    pthread_mutex_unlock(&fs->lock);
    return n;
}

size_t fs_vault_journal(struct fs_server *fs, struct fs_entry *out, size_t max)
{
    size_t n = 0;

    pthread_mutex_lock(&fs->lock);
    for (size_t i = 0; i < fs->n_journal; i++) {
        if (!fs->journal[i].authorized || fs->journal[i].token)
            continue;
        if (out && n < max)
            out[n] = fs->journal[i];
        n++;
    }
    pthread_mutex_unlock(&fs->lock);
    return n;
}
