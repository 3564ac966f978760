/* proxy.c: the HTTPS (CONNECT) proxy that tunnels the impersonated Azure names to the mock. */
#include "proxy.h"
#include "proxy-int.h"
#include "sockaddr.h"

#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The request head (request line and headers) may not exceed this; real clients send about
 * 150 bytes, so anything near it is a mistake or an attack. */
#define HEAD_MAX 8192
/* How long a client may take to send its whole request head. */
#define HEAD_TIMEOUT_MS 10000
/* How long connecting to the mock's own TLS listener, and sending an error reply, may take. */
#define IO_TIMEOUT_MS 10000
/* After an error reply the proxy keeps reading (and discarding) for at most this long and this
 * much, so that unread request bytes do not make the kernel send a RST that could destroy the
 * reply before the client has read it. */
#define LINGER_MS 2000
#define LINGER_MAX_BYTES (64 * 1024)
/* Per-direction relay buffer. */
#define RELAY_BUF 16384
/* Connections beyond this many are closed at once: a thread per tunnel is fine for test suites
 * and developer machines, but must not grow without bound. */
#define MAX_CONNS 512
#define HOST_MAX MV_PROXY_HOST_MAX /* proxy-int.h */

/* One accepted client connection, served by its own thread. */
struct conn {
    struct mv_proxy *proxy; /* borrowed; outlives every conn */
    pthread_t thread;
    int client_fd;    /* owned by the thread, closed before done is set */
    atomic_bool done; /* set by the thread as its last act, so it can be joined at once */
    /* The client is not loopback (only possible with --allow-remote-peers): while the tunnel is
     * open, upstream is the address its connection to the TLS listener comes from, so that the
     * listener does not take the tunnelled requests for a loopback peer's. Under proxy->lock. */
    bool remote;
    struct sockaddr_storage upstream; /* ss_family 0 when no tunnel is open */
    struct conn *next;                /* in proxy->conns, under proxy->lock */
    char head[HEAD_MAX];              /* request head plus any bytes the client sent after it */
    char c2t[RELAY_BUF];              /* client-to-target relay buffer */
    char t2c[RELAY_BUF];              /* target-to-client relay buffer */
};

struct mv_proxy {
    int listen_fd;
    /* stop() writes one byte to stop_pipe[1] and nobody ever reads it, so stop_pipe[0] stays
     * readable and wakes every poll() in every thread, now and later. */
    int stop_pipe[2];
    uint16_t port;                  /* the port actually bound */
    struct sockaddr_storage target; /* the mock's TLS listener: the only place ever connected to */
    socklen_t target_len;
    char target_text[INET6_ADDRSTRLEN + 16]; /* "addr:port", for the 502 message */
    pthread_t accept_thread;
    bool accept_started;
    pthread_mutex_t lock; /* guards conns and nconns */
    bool lock_inited;
    struct conn *conns; /* owned; every conn whose thread has not been joined yet */
    size_t nconns;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (a now_ms() value), never negative. */
static int ms_left(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    if (left < 0)
        return 0;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* Waits until fd reports one of events, the proxy is stopping, or deadline passes.
 * Returns 1 when fd is ready, 0 on timeout, -1 when stopping or poll failed. */
static int wait_fd(const struct mv_proxy *p, int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = fd, .events = events},
            {.fd = p->stop_pipe[0], .events = POLLIN},
        };
        int n = poll(pfd, 2, ms_left(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || pfd[1].revents)
            return -1;
        if (n == 0)
            return 0;
        return 1;
    }
}

static bool stopping(const struct mv_proxy *p)
{
    struct pollfd pfd = {.fd = p->stop_pipe[0], .events = POLLIN};
    return poll(&pfd, 1, 0) > 0;
}

/* Sends all of data on the non-blocking socket fd. Returns 0, or -1 on error, timeout or stop. */
static int send_all(const struct mv_proxy *p, int fd, const char *data, size_t len)
{
    int64_t deadline = now_ms() + IO_TIMEOUT_MS;
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(p, fd, POLLOUT, deadline) != 1)
                return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* Half-closes fd after an error reply and discards what the client still sends, for a bounded
 * time, before the caller closes it. Closing a socket with unread input makes Linux send a RST,
 * which can reach the client before it has read the reply (curl then reports "connection reset"
 * instead of our 403). */
static void linger_drain(const struct mv_proxy *p, int fd)
{
    char scratch[4096];
    size_t total = 0;
    int64_t deadline = now_ms() + LINGER_MS;

    shutdown(fd, SHUT_WR);
    while (total < LINGER_MAX_BYTES) {
        if (wait_fd(p, fd, POLLIN, deadline) != 1)
            break;
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n <= 0)
            break;
        total += (size_t)n;
    }
}

/* The one place that words the proxy's own replies. authority is the client's "host:port" (already
 * checked to hold only printable characters) or NULL. Sends the reply; errors are ignored because
 * the connection is closed next anyway. */
static void send_reply(struct conn *c, enum reply_kind kind, const char *authority)
{
    static const char names[] = "*.vault.azure.net, login.microsoftonline.com, "
                                "management.azure.com, graph.microsoft.com, ...";
    const char *status = "400 Bad Request";
    const char *extra = "";
    char body[1024];
    char msg[2048];

    switch (kind) {
    case R_BAD_REQUEST:
        snprintf(body, sizeof body,
                 "mockvault proxy: malformed request; expected \"CONNECT host:443 HTTP/1.1\" "
                 "followed by headers and an empty line.\n");
        break;
    case R_TIMEOUT:
        status = "408 Request Timeout";
        snprintf(body, sizeof body,
                 "mockvault proxy: the request head did not arrive within %d seconds.\n",
                 HEAD_TIMEOUT_MS / 1000);
        break;
    case R_TOO_LARGE:
        status = "431 Request Header Fields Too Large";
        snprintf(body, sizeof body, "mockvault proxy: the request head exceeds %d bytes.\n",
                 HEAD_MAX);
        break;
    case R_METHOD:
        status = "405 Method Not Allowed";
        extra = "Allow: CONNECT\r\n";
        snprintf(body, sizeof body,
                 "mockvault proxy: only CONNECT is supported; it tunnels HTTPS to the Azure names "
                 "mockvault impersonates (%s) and to nothing else. Plain-http proxying is not "
                 "offered.\n",
                 names);
        break;
    case R_FORBIDDEN_HOST:
        status = "403 Forbidden";
        snprintf(body, sizeof body,
                 "mockvault proxy: refusing CONNECT to %s; only the Azure names mockvault "
                 "impersonates (%s) are tunnelled, and never outside this machine.\n",
                 authority, names);
        break;
    case R_FORBIDDEN_PORT:
        status = "403 Forbidden";
        snprintf(body, sizeof body,
                 "mockvault proxy: refusing CONNECT to %s; only port 443 of the Azure names "
                 "mockvault impersonates (%s) is tunnelled, and never outside this machine.\n",
                 authority, names);
        break;
    case R_BAD_GATEWAY:
        status = "502 Bad Gateway";
        snprintf(body, sizeof body,
                 "mockvault proxy: could not reach the mock's TLS listener at %s.\n",
                 c->proxy->target_text);
        break;
    }

    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %s\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n"
                     "%s"
                     "Connection: close\r\n"
                     "\r\n"
                     "%s",
                     status, strlen(body), extra, body);
    if (n > 0 && (size_t)n < sizeof msg)
        send_all(c->proxy, c->client_fd, msg, (size_t)n);
}

/* RFC 9110 tchar: the characters a method name is made of. */
static bool is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return true;
    return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Offset just past the empty line that ends the head in buf[0..len), or 0 when it has not arrived
 * yet. Bare LF line ends are accepted as RFC 9112 §2.2 allows. */
static size_t find_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* A request line split into its three parts (views into the head buffer, not NUL-terminated). */
struct request_line {
    const char *method;
    size_t method_len;
    const char *target;
    size_t target_len;
};

/* Checks line[0..len) (without its line end) is "method SP target SP HTTP/1.d" and splits it.
 * Returns 0, or -1 when malformed. */
static int parse_request_line(const char *line, size_t len, struct request_line *rl)
{
    size_t i = 0;

    rl->method = line;
    while (i < len && is_tchar((unsigned char)line[i]))
        i++;
    rl->method_len = i;
    if (i == 0 || i >= len || line[i] != ' ')
        return -1;
    i++;
    rl->target = line + i;
    while (i < len && line[i] > ' ' && line[i] < 0x7f)
        i++;
    rl->target_len = (size_t)(line + i - rl->target);
    if (rl->target_len == 0 || i >= len || line[i] != ' ')
        return -1;
    i++;
    const char *ver = line + i;
    /* Only HTTP/1.x: a CONNECT tunnel over HTTP/2 or later is framed differently. */
    if (len - i != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9')
        return -1;
    return 0;
}

/* Length of the first line in buf[0..len) without its CR LF or LF, or -1 while incomplete. */
static long first_line_len(const char *buf, size_t len)
{
    const char *lf = memchr(buf, '\n', len);
    if (!lf)
        return -1;
    size_t n = (size_t)(lf - buf);
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    return (long)n;
}

/* Reads the request head into c->head. On success returns 0 with *head_len = bytes of the head
 * and *total = bytes read (the rest already belongs to the tunnel). Returns 1 with *kind set when
 * the client must get an error reply, or -1 when the connection should just be closed (the client
 * went away or the proxy is stopping). */
static int read_head(struct conn *c, size_t *head_len, size_t *total, enum reply_kind *kind)
{
    const struct mv_proxy *p = c->proxy;
    int64_t deadline = now_ms() + HEAD_TIMEOUT_MS;
    size_t len = 0;
    bool line_ok = false;

    for (;;) {
        int w = wait_fd(p, c->client_fd, POLLIN, deadline);
        if (w < 0)
            return -1;
        if (w == 0) {
            *kind = R_TIMEOUT;
            return 1;
        }
        ssize_t n = recv(c->client_fd, c->head + len, sizeof c->head - len, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;

        /* Fail fast on traffic that is not HTTP at all (a TLS ClientHello sent straight to the
         * proxy port, say) instead of waiting for an empty line that never comes. */
        if (!is_tchar((unsigned char)c->head[0])) {
            *kind = R_BAD_REQUEST;
            return 1;
        }
        if (!line_ok) {
            long ll = first_line_len(c->head, len);
            if (ll >= 0) {
                struct request_line rl;
                if (parse_request_line(c->head, (size_t)ll, &rl) != 0) {
                    *kind = R_BAD_REQUEST;
                    return 1;
                }
                line_ok = true;
            }
        }

        size_t end = find_head_end(c->head, len);
        if (end > 0 && line_ok) {
            *head_len = end;
            *total = len;
            return 0;
        }
        if (len == sizeof c->head) {
            *kind = R_TOO_LARGE;
            return 1;
        }
    }
}

/* Splits an authority-form target "host:port" (host may be a bracketed IPv6 literal) into a
 * NUL-terminated lower-case host (brackets kept) and a port. Returns 0, or -1 when malformed. */
static int parse_authority(const char *t, size_t len, char host[HOST_MAX + 1], unsigned *port)
{
    struct cx_hostport hp;

    if (cx_hostport_split(t, len,
                          CX_HP_NEED_PORT | CX_HP_NAME_CHARS | CX_HP_KEEP_BRACKETS | CX_HP_LOWER,
                          &hp) != CX_HP_OK ||
        strlen(hp.host) > HOST_MAX)
        return -1;
    snprintf(host, HOST_MAX + 1, "%s", hp.host);
    *port = hp.port;
    return 0;
}

/* True when host (lower case, brackets kept) is a name the mock impersonates. IP literals never
 * are: the proxy exists for clients that use the real Azure names, and letting it tunnel to an
 * address would only invite using it as a general-purpose proxy. */
static bool host_allowed(const char *host)
{
    struct in_addr a4;

    if (host[0] == '[')
        return false;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return false;
    return mv_host_is_azure(host);
}

int mv_proxy_check_head(const char *head, size_t head_len, char host[MV_PROXY_HOST_MAX + 1],
                        unsigned *port, enum reply_kind *kind)
{
    struct request_line rl;
    long ll = first_line_len(head, head_len);

    *kind = R_BAD_REQUEST;
    if (ll < 0 || parse_request_line(head, (size_t)ll, &rl) != 0)
        return 1;
    if (rl.method_len != 7 || memcmp(rl.method, "CONNECT", 7) != 0) {
        *kind = R_METHOD;
        return 1;
    }
    if (parse_authority(rl.target, rl.target_len, host, port) != 0)
        return 1;
    if (!host_allowed(host)) {
        *kind = R_FORBIDDEN_HOST;
        return 1;
    }
    if (*port != 443) {
        *kind = R_FORBIDDEN_PORT;
        return 1;
    }
    return 0;
}

/* Connects to the mock's TLS listener with a bounded wait. Returns a non-blocking socket, or -1
 * on failure, timeout or stop. */
static int connect_target(const struct mv_proxy *p)
{
    int fd = socket(p->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    if (connect(fd, (const struct sockaddr *)&p->target, p->target_len) != 0) {
        if (errno != EINPROGRESS)
            goto fail;
        if (wait_fd(p, fd, POLLOUT, now_ms() + IO_TIMEOUT_MS) != 1)
            goto fail;
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0)
            goto fail;
    }
    /* TLS handshakes are many small messages; Nagle would add round trips of delay. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;

fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

/* One direction of a tunnel. */
struct half {
    int from, to;
    char *buf;
    size_t len, off; /* buf[off..len) is still to be written to `to` */
    bool eof;        /* `from` reached end of stream */
    bool shut;       /* `to` was half-closed after eof and an empty buffer */
};

/* Reads into an empty buffer. Returns 0, or -1 on a fatal error. */
static int half_read(struct half *h)
{
    ssize_t n = recv(h->from, h->buf, RELAY_BUF, 0);
    if (n > 0) {
        /* Acknowledge at once: a client with Nagle on (Python's requests through a tunnel) holds
         * a request body back until its headers are acknowledged, and a delayed ACK would cost
         * ~40 ms per request. Linux clears QUICKACK after use, so it is set after every read. */
        int one = 1;
        setsockopt(h->from, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        h->len = (size_t)n;
        h->off = 0;
    } else if (n == 0) {
        h->eof = true;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        return -1;
    }
    return 0;
}

/* Writes what the buffer holds. Returns 0, or -1 on a fatal error. */
static int half_write(struct half *h)
{
    ssize_t n = send(h->to, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
    if (n >= 0) {
        h->off += (size_t)n;
        if (h->off == h->len)
            h->len = h->off = 0;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        return -1;
    }
    return 0;
}

/* Relays bytes both ways between the client and the target until both sides have finished, one
 * fails, or the proxy stops. The first early_len bytes of early are client bytes that arrived
 * with the request head; they go to the target first. Payload bytes are never inspected. */
static void relay(struct conn *c, int tfd, const char *early, size_t early_len)
{
    struct half up = {.from = c->client_fd, .to = tfd, .buf = c->c2t};
    struct half down = {.from = tfd, .to = c->client_fd, .buf = c->t2c};
    struct half *halves[2] = {&up, &down};

    memcpy(up.buf, early, early_len);
    up.len = early_len;

    for (;;) {
        /* pfd[0] is the client, pfd[1] the target; a direction reads only into an empty buffer,
         * which keeps each side's backpressure intact. */
        struct pollfd pfd[3] = {
            {.fd = c->client_fd},
            {.fd = tfd},
            {.fd = c->proxy->stop_pipe[0], .events = POLLIN},
        };
        for (int i = 0; i < 2; i++) {
            struct half *h = halves[i];
            if (h->eof && h->len == 0 && !h->shut) {
                /* Pass the half-close on: the other side may still answer. */
                shutdown(h->to, SHUT_WR);
                h->shut = true;
            }
            if (!h->eof && h->len == 0)
                pfd[i].events |= POLLIN;
            if (h->len > 0)
                pfd[1 - i].events |= POLLOUT;
        }
        if (up.shut && down.shut)
            return;
        /* A negative fd makes poll() ignore the entry altogether, including POLLHUP, which would
         * otherwise spin the loop while we wait for the other side. */
        for (int i = 0; i < 2; i++)
            if (pfd[i].events == 0)
                pfd[i].fd = -1;

        int n = poll(pfd, 3, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || pfd[2].revents)
            return;
        for (int i = 0; i < 2; i++) {
            struct half *h = halves[i];
            if (pfd[i].revents && !h->eof && h->len == 0 && half_read(h) != 0)
                return;
            if (h->len > 0 && half_write(h) != 0)
                return;
        }
    }
}

/* Serves one client connection from request head to close. */
static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct mv_proxy *p = c->proxy;
    int tfd = -1;
    size_t head_len = 0, total = 0;
    enum reply_kind kind = R_BAD_REQUEST;
    char authority[HOST_MAX + 8] = "";
    char host[HOST_MAX + 1];
    unsigned port = 0;
    bool reply = false;
    static const char established[] = "HTTP/1.1 200 Connection Established\r\n\r\n";

    int r = read_head(c, &head_len, &total, &kind);
    if (r < 0)
        goto out;
    if (r > 0) {
        reply = true;
        goto out;
    }

    if (mv_proxy_check_head(c->head, head_len, host, &port, &kind) != 0) {
        if (kind == R_FORBIDDEN_HOST || kind == R_FORBIDDEN_PORT) {
            snprintf(authority, sizeof authority, "%s:%u", host, port);
            fprintf(stderr, "proxy: refused CONNECT %s (%s)\n", authority,
                    kind == R_FORBIDDEN_HOST ? "not an impersonated Azure name"
                                             : "only port 443 is tunnelled");
        }
        reply = true;
        goto out;
    }

    tfd = connect_target(p);
    if (tfd < 0) {
        if (!stopping(p)) {
            kind = R_BAD_GATEWAY;
            reply = true;
        }
        goto out;
    }
    if (c->remote) {
        /* Recorded before a byte is relayed, so before the listener can see a request. */
        struct sockaddr_storage up;
        socklen_t up_len = sizeof up;
        if (getsockname(tfd, (struct sockaddr *)&up, &up_len) != 0)
            goto out;
        pthread_mutex_lock(&p->lock);
        c->upstream = up;
        pthread_mutex_unlock(&p->lock);
    }
    if (send_all(p, c->client_fd, established, sizeof established - 1) != 0)
        goto out;
    relay(c, tfd, c->head + head_len, total - head_len);

out:
    if (reply) {
        send_reply(c, kind, authority);
        linger_drain(p, c->client_fd);
    }
    if (c->remote) {
        pthread_mutex_lock(&p->lock);
        c->upstream.ss_family = 0; /* a later local connection may reuse the address */
        pthread_mutex_unlock(&p->lock);
    }
    if (tfd >= 0)
        close(tfd);
    close(c->client_fd);
    c->client_fd = -1;
    atomic_store(&c->done, true);
    return NULL;
}

/* Joins and frees every connection whose thread has finished. */
static void reap_finished(struct mv_proxy *p)
{
    struct conn *finished = NULL;

    pthread_mutex_lock(&p->lock);
    struct conn **pp = &p->conns;
    while (*pp) {
        struct conn *c = *pp;
        if (atomic_load(&c->done)) {
            *pp = c->next;
            c->next = finished;
            finished = c;
            p->nconns--;
        } else {
            pp = &c->next;
        }
    }
    pthread_mutex_unlock(&p->lock);

    while (finished) {
        struct conn *c = finished;
        finished = c->next;
        pthread_join(c->thread, NULL);
        free(c);
    }
}

/* Takes over fd (an accepted client) and starts its thread; closes fd when that fails. remote:
 * the client is not a loopback peer. */
static void start_conn(struct mv_proxy *p, int fd, bool remote)
{
    struct conn *c = NULL;
    bool listed = false;

    pthread_mutex_lock(&p->lock);
    if (p->nconns >= MAX_CONNS) {
        pthread_mutex_unlock(&p->lock);
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
        send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        goto fail;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        pthread_mutex_unlock(&p->lock);
        goto fail;
    }
    c->proxy = p;
    c->client_fd = fd;
    c->remote = remote;
    atomic_init(&c->done, false);
    c->next = p->conns;
    p->conns = c;
    p->nconns++;
    listed = true;
    /* The lock is held across pthread_create so that c->thread is written before stop() or
     * reap_finished() can see the conn. */
    if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
        p->conns = c->next;
        p->nconns--;
        listed = false;
    }
    pthread_mutex_unlock(&p->lock);
    if (listed)
        return;

fail:
    free(c);
    close(fd);
}

static void *accept_main(void *arg)
{
    struct mv_proxy *p = arg;

    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = p->listen_fd, .events = POLLIN},
            {.fd = p->stop_pipe[0], .events = POLLIN},
        };
        int n = poll(pfd, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || pfd[1].revents)
            break;
        reap_finished(p);
        if (!pfd[0].revents)
            continue;
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        int fd = accept4(p->listen_fd, (struct sockaddr *)&peer, &peer_len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            /* Out of descriptors or memory: back off briefly rather than spin on a listener
             * that stays readable. Other errors (a client that reset early) are transient. */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                struct pollfd sp = {.fd = p->stop_pipe[0], .events = POLLIN};
                poll(&sp, 1, 100);
            }
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        start_conn(p, fd, !mv_sockaddr_is_loopback((const struct sockaddr *)&peer));
    }
    return NULL;
}

/* Frees p and everything it still owns; the threads must already be joined. Accepts NULL. */
static void proxy_free(struct mv_proxy *p)
{
    if (!p)
        return;
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    for (int i = 0; i < 2; i++)
        if (p->stop_pipe[i] >= 0)
            close(p->stop_pipe[i]);
    if (p->lock_inited)
        pthread_mutex_destroy(&p->lock);
    free(p);
}

int mv_proxy_start(const char *bind_addr, uint16_t port, const char *target_addr,
                   uint16_t target_port, struct mv_proxy **out, char *err, size_t errlen)
{
    struct mv_proxy *p = NULL;
    struct sockaddr_storage bind_ss;
    socklen_t bind_len = 0;
    int rc = -1;

    *out = NULL;
    if (!bind_addr || mv_sockaddr_parse(bind_addr, port, &bind_ss, &bind_len) != 0) {
        snprintf(err, errlen, "proxy: bind address '%s' is not an IPv4 or IPv6 literal",
                 bind_addr ? bind_addr : "(null)");
        goto out;
    }

    p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "proxy: out of memory");
        goto out;
    }
    p->listen_fd = -1;
    p->stop_pipe[0] = p->stop_pipe[1] = -1;

    if (!target_addr ||
        mv_sockaddr_parse(target_addr, target_port, &p->target, &p->target_len) != 0) {
        snprintf(err, errlen, "proxy: target address '%s' is not an IPv4 or IPv6 literal",
                 target_addr ? target_addr : "(null)");
        goto out;
    }
    /* A wildcard target (the mock bound to 0.0.0.0 or ::) means "this machine": say loopback
     * explicitly rather than rely on the kernel's treatment of connecting to a wildcard. */
    char tbuf[INET6_ADDRSTRLEN];
    if (p->target.ss_family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&p->target;
        if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        inet_ntop(AF_INET, &sin->sin_addr, tbuf, sizeof tbuf);
        snprintf(p->target_text, sizeof p->target_text, "%s:%u", tbuf, (unsigned)target_port);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->target;
        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
            sin6->sin6_addr = in6addr_loopback;
        inet_ntop(AF_INET6, &sin6->sin6_addr, tbuf, sizeof tbuf);
        snprintf(p->target_text, sizeof p->target_text, "[%s]:%u", tbuf, (unsigned)target_port);
    }

    if (pipe2(p->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "proxy: pipe: %s", strerror(errno));
        goto out;
    }
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        snprintf(err, errlen, "proxy: mutex init failed");
        goto out;
    }
    p->lock_inited = true;

    p->listen_fd = socket(bind_ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->listen_fd < 0) {
        snprintf(err, errlen, "proxy: socket: %s", strerror(errno));
        goto out;
    }
    int one = 1;
    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(p->listen_fd, (struct sockaddr *)&bind_ss, bind_len) != 0) {
        snprintf(err, errlen, "proxy: cannot bind %s port %u: %s", bind_addr, (unsigned)port,
                 strerror(errno));
        goto out;
    }
    if (listen(p->listen_fd, 128) != 0) {
        snprintf(err, errlen, "proxy: listen: %s", strerror(errno));
        goto out;
    }
    struct sockaddr_storage got;
    socklen_t got_len = sizeof got;
    if (getsockname(p->listen_fd, (struct sockaddr *)&got, &got_len) != 0) {
        snprintf(err, errlen, "proxy: getsockname: %s", strerror(errno));
        goto out;
    }
    p->port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
                                             : ((struct sockaddr_in6 *)&got)->sin6_port);

    /* The proxy's threads block every signal, so SIGINT/SIGTERM always reach the thread the
     * program chose and no blocking call here is cut short. Connection threads inherit the mask
     * from the accept thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int prc = pthread_create(&p->accept_thread, NULL, accept_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc != 0) {
        snprintf(err, errlen, "proxy: cannot start thread: %s", strerror(prc));
        goto out;
    }
    p->accept_started = true;

    *out = p;
    p = NULL;
    rc = 0;

out:
    proxy_free(p);
    return rc;
}

bool mv_proxy_tunnel_is_remote(struct mv_proxy *p, const struct sockaddr *peer)
{
    bool found = false;

    if (!p || !peer)
        return false;
    pthread_mutex_lock(&p->lock);
    for (const struct conn *c = p->conns; c && !found; c = c->next)
        found = c->remote && mv_sockaddr_same(&c->upstream, peer);
    pthread_mutex_unlock(&p->lock);
    return found;
}

uint16_t mv_proxy_port(const struct mv_proxy *p)
{
    return p ? p->port : 0;
}

void mv_proxy_stop(struct mv_proxy *p)
{
    if (!p)
        return;

    /* One byte, never read: stop_pipe[0] stays readable, so every poll() in every thread returns
     * and each thread finds the pipe readable again at its next wait. */
    static const char b = 's';
    ssize_t w;
    do {
        w = write(p->stop_pipe[1], &b, 1);
    } while (w < 0 && errno == EINTR);

    if (p->accept_started)
        pthread_join(p->accept_thread, NULL);

    /* The accept thread is gone, so no conn can be added any more. */
    pthread_mutex_lock(&p->lock);
    struct conn *list = p->conns;
    p->conns = NULL;
    p->nconns = 0;
    pthread_mutex_unlock(&p->lock);
    while (list) {
        struct conn *c = list;
        list = c->next;
        pthread_join(c->thread, NULL);
        free(c);
    }
    proxy_free(p);
}
