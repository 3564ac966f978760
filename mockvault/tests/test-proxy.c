/* test-proxy.c: Check tests for the CONNECT proxy, tunnelling to an in-test TCP echo server. */
#include "proxy.h"
#include "testlib.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- A tiny echo server standing in for the mock's TLS listener ---- */

#define ECHO_MAX_CONNS 128

/* Echoes every byte back; on end of stream it half-closes its side too. Counts accepted
 * connections so tests can prove the proxy never connected for a refused CONNECT. */
struct echo {
    int lfd;
    int stop_pipe[2];
    uint16_t port;
    pthread_t thread;
    atomic_int accepted;
    pthread_mutex_t lock;
    int fds[ECHO_MAX_CONNS]; /* client sockets, -1 when the slot is free; under lock */
    pthread_t threads[ECHO_MAX_CONNS];
    int nthreads;
};

struct echo_conn {
    struct echo *e;
    int slot;
};

static void *echo_conn_main(void *arg)
{
    struct echo_conn *ec = arg;
    struct echo *e = ec->e;
    int fd;
    char buf[16384];

    pthread_mutex_lock(&e->lock);
    fd = e->fds[ec->slot];
    pthread_mutex_unlock(&e->lock);
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w <= 0)
                goto out;
            off += w;
        }
    }
    shutdown(fd, SHUT_WR);
out:
    free(ec);
    return NULL;
}

static void *echo_accept_main(void *arg)
{
    struct echo *e = arg;

    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = e->lfd, .events = POLLIN},
            {.fd = e->stop_pipe[0], .events = POLLIN},
        };
        if (poll(pfd, 2, -1) < 0 && errno == EINTR)
            continue;
        if (pfd[1].revents)
            break;
        int fd = accept(e->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&e->accepted, 1);
        pthread_mutex_lock(&e->lock);
        if (e->nthreads == ECHO_MAX_CONNS) {
            pthread_mutex_unlock(&e->lock);
            close(fd);
            continue;
        }
        int slot = e->nthreads++;
        e->fds[slot] = fd;
        struct echo_conn *ec = malloc(sizeof *ec);
        ec->e = e;
        ec->slot = slot;
        pthread_create(&e->threads[slot], NULL, echo_conn_main, ec);
        pthread_mutex_unlock(&e->lock);
    }
    return NULL;
}

static struct echo *echo_start(void)
{
    struct echo *e = calloc(1, sizeof *e);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sin;

    ck_assert_ptr_nonnull(e);
    pthread_mutex_init(&e->lock, NULL);
    e->lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(e->lfd, 0);
    ck_assert_int_eq(bind(e->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(e->lfd, 128), 0);
    ck_assert_int_eq(getsockname(e->lfd, (struct sockaddr *)&sin, &sl), 0);
    e->port = ntohs(sin.sin_port);
    ck_assert_int_eq(pipe(e->stop_pipe), 0);
    ck_assert_int_eq(pthread_create(&e->thread, NULL, echo_accept_main, e), 0);
    return e;
}

static void echo_stop(struct echo *e)
{
    if (!e)
        return;
    ck_assert_int_eq(write(e->stop_pipe[1], "x", 1), 1);
    pthread_join(e->thread, NULL);
    /* shutdown() wakes a connection thread blocked in recv(); the fd is closed after the join. */
    pthread_mutex_lock(&e->lock);
    for (int i = 0; i < e->nthreads; i++)
        shutdown(e->fds[i], SHUT_RDWR);
    pthread_mutex_unlock(&e->lock);
    for (int i = 0; i < e->nthreads; i++) {
        pthread_join(e->threads[i], NULL);
        close(e->fds[i]);
    }
    close(e->lfd);
    close(e->stop_pipe[0]);
    close(e->stop_pipe[1]);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

/* ---- Helpers ---- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A blocking client socket connected to 127.0.0.1:port, with a receive timeout of timeout_s so a
 * broken proxy fails a test instead of hanging it. */
static int connect_port(uint16_t port, int timeout_s)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = timeout_s};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0, "connect: %s",
                  strerror(errno));
    return fd;
}

static void send_bytes(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

static void send_str(int fd, const char *s)
{
    send_bytes(fd, s, strlen(s));
}

/* Reads exactly len bytes; fails the test on EOF, error or timeout. */
static void recv_exact(int fd, void *out, size_t len)
{
    char *p = out;
    while (len > 0) {
        ssize_t n = recv(fd, p, len, 0);
        ck_assert_msg(n > 0, "recv: %s", n == 0 ? "end of stream" : strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

/* Reads a response head byte by byte (so no tunnelled byte is consumed) into buf, NUL-terminated.
 * Returns its length. */
static size_t recv_head(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t n = recv(fd, buf + len, 1, 0);
        ck_assert_msg(n == 1, "reading response head: %s (got %zu bytes)",
                      n == 0 ? "end of stream" : strerror(errno), len);
        len++;
        buf[len] = '\0';
        if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
            return len;
    }
    ck_abort_msg("response head too long");
    return 0;
}

/* Reads until end of stream (the proxy closes after every error reply). Returns the length. */
static size_t recv_all(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        ck_assert_msg(len + 1 < cap, "response too long");
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n == 0)
            break;
        ck_assert_msg(n > 0, "recv: %s", strerror(errno));
        len += (size_t)n;
    }
    buf[len] = '\0';
    return len;
}

static const char established[] = "HTTP/1.1 200 Connection Established\r\n\r\n";

/* Opens a tunnel to authority the way real clients do and checks the 200. */
static int open_tunnel(uint16_t proxy_port, const char *authority)
{
    char req[512], head[512];
    int fd = connect_port(proxy_port, 10);

    snprintf(req, sizeof req,
             "CONNECT %s HTTP/1.1\r\nHost: %s\r\nProxy-Connection: close\r\n"
             "User-Agent: test-proxy\r\n\r\n",
             authority, authority);
    send_str(fd, req);
    recv_head(fd, head, sizeof head);
    ck_assert_str_eq(head, established);
    return fd;
}

static void expect_echo(int fd, const char *msg)
{
    char buf[256];
    size_t n = strlen(msg);

    ck_assert_uint_lt(n, sizeof buf);
    send_str(fd, msg);
    recv_exact(fd, buf, n);
    buf[n] = '\0';
    ck_assert_str_eq(buf, msg);
}

/* Waits up to two seconds for the echo server to have accepted want connections. */
static int wait_accepted(struct echo *e, int want)
{
    for (int i = 0; i < 200 && atomic_load(&e->accepted) < want; i++)
        sleep_ms(10);
    return atomic_load(&e->accepted);
}

/* Per-test fixture state: an echo server and a proxy in front of it. */
static struct echo *echo;
static struct mv_proxy *proxy;
static uint16_t pport;

static void setup(void)
{
    char err[256] = "";
    echo = echo_start();
    ck_assert_msg(
        mv_proxy_start("127.0.0.1", 0, "127.0.0.1", echo->port, &proxy, err, sizeof err) == 0,
        "mv_proxy_start: %s", err);
    pport = mv_proxy_port(proxy);
    ck_assert_uint_ne(pport, 0);
}

static void teardown(void)
{
    mv_proxy_stop(proxy);
    proxy = NULL;
    echo_stop(echo);
    echo = NULL;
}

/* ---- Tests ---- */

START_TEST(test_tunnel_echo_with_early_bytes)
{
    char head[512], buf[64];
    int fd = connect_port(pport, 10);

    /* Clients may send the first TLS bytes in the same packet as the head; they must arrive. */
    send_str(fd, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\n"
                 "Host: myvault.vault.azure.net:443\r\nProxy-Connection: close\r\n"
                 "User-Agent: azsdk-js/1.0\r\nProxy-Authorization: Basic eDp5\r\n\r\n"
                 "early-bytes");
    recv_head(fd, head, sizeof head);
    ck_assert_str_eq(head, established);
    recv_exact(fd, buf, 11);
    buf[11] = '\0';
    ck_assert_str_eq(buf, "early-bytes");
    expect_echo(fd, "ping");
    expect_echo(fd, "second message");
    ck_assert_int_eq(wait_accepted(echo, 1), 1);
    close(fd);
}
END_TEST

START_TEST(test_tunnel_login_and_case)
{
    const char *names[] = {"login.microsoftonline.com:443", "MyVault.Vault.Azure.NET:443",
                           "management.azure.com:443", "graph.microsoft.com:443"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int fd = open_tunnel(pport, names[i]);
        expect_echo(fd, names[i]);
        close(fd);
    }
    ck_assert_int_eq(wait_accepted(echo, 4), 4);
}
END_TEST

START_TEST(test_refuse_example_com)
{
    char resp[4096];
    int fd = connect_port(pport, 10);

    send_str(fd, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    recv_all(fd, resp, sizeof resp);
    ck_assert_msg(strncmp(resp, "HTTP/1.1 403 Forbidden\r\n", 24) == 0, "got: %s", resp);
    ck_assert_ptr_nonnull(strstr(resp, "Content-Type: text/plain"));
    ck_assert_ptr_nonnull(strstr(resp, "refusing CONNECT to example.com:443"));
    ck_assert_ptr_nonnull(strstr(resp, "*.vault.azure.net"));
    close(fd);
    sleep_ms(100);
    ck_assert_int_eq(atomic_load(&echo->accepted), 0);
}
END_TEST

/* Each request gets a reply with the expected status line, and nothing ever reaches the target. */
struct refusal {
    const char *request;
    const char *status; /* start of the expected reply */
    const char *body;   /* text the reply must contain, or NULL */
};

static const struct refusal refusals[] = {
    {"CONNECT myvault.vault.azure.net:80 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", "port 443"},
    {"CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", "127.0.0.1:443"},
    {"CONNECT [::1]:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", "[::1]:443"},
    {"CONNECT 10.1.2.3:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", NULL},
    {"CONNECT vault.azure.net.evil.example:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", NULL},
    {"CONNECT evilvault.azure.net:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", NULL},
    {"CONNECT localhost:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", NULL},
    {"CONNECT myvault.vault.azure.net:8443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403 ", NULL},
    {"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 ", "only CONNECT"},
    {"GET https://myvault.vault.azure.net/secrets/a HTTP/1.1\r\n\r\n", "HTTP/1.1 405 ", NULL},
    {"connect myvault.vault.azure.net:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 405 ", NULL},
    {"garbage\r\n\r\n", "HTTP/1.1 400 ", "malformed"},
    {"hello world\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT myvault.vault.azure.net HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT myvault.vault.azure.net: HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT myvault.vault.azure.net:443x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT myvault.vault.azure.net:99999 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT :443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT myvault.vault.azure.net:443 HTTP/2.0\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT  myvault.vault.azure.net:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT myvault.vault.azure.net:443\r\n\r\n", "HTTP/1.1 400 ", NULL},
    {"CONNECT my\x01vault.vault.azure.net:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", NULL},
    /* Not HTTP at all (a TLS record): refused at once, without waiting for an empty line. */
    {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HTTP/1.1 400 ", NULL},
    /* A bad request line is refused as soon as it is complete. */
    {"BREW coffee\r\n", "HTTP/1.1 400 ", NULL},
};

START_TEST(test_refusals)
{
    const struct refusal *r = &refusals[_i];
    char resp[4096];
    int fd = connect_port(pport, 5);

    send_str(fd, r->request);
    recv_all(fd, resp, sizeof resp);
    ck_assert_msg(strncmp(resp, r->status, strlen(r->status)) == 0, "request %d: got \"%s\"", _i,
                  resp);
    ck_assert_msg(strstr(resp, "Content-Type: text/plain") != NULL, "request %d: %s", _i, resp);
    if (r->body)
        ck_assert_msg(strstr(resp, r->body) != NULL, "request %d: no \"%s\" in %s", _i, r->body,
                      resp);
    if (strncmp(r->status, "HTTP/1.1 405", 12) == 0)
        ck_assert_ptr_nonnull(strstr(resp, "\r\nAllow: CONNECT\r\n"));
    close(fd);
    sleep_ms(50);
    ck_assert_int_eq(atomic_load(&echo->accepted), 0);
}
END_TEST

START_TEST(test_head_too_large)
{
    char resp[4096];
    size_t pad = 9 * 1024;
    char *req = malloc(pad + 256);
    int fd = connect_port(pport, 10);

    ck_assert_ptr_nonnull(req);
    int n = snprintf(req, 256, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\nX-Pad: ");
    memset(req + n, 'a', pad);
    memcpy(req + n + pad, "\r\n\r\n", 5);
    send_str(fd, req);
    free(req);
    recv_all(fd, resp, sizeof resp);
    ck_assert_msg(strncmp(resp, "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46) == 0,
                  "got: %s", resp);
    close(fd);
    ck_assert_int_eq(atomic_load(&echo->accepted), 0);
}
END_TEST

START_TEST(test_head_just_under_limit)
{
    /* A head that ends exactly at the 8 KiB cap is still accepted. */
    char head[512];
    char *req = malloc(8192 + 1);
    int fd = connect_port(pport, 10);

    ck_assert_ptr_nonnull(req);
    int n = snprintf(req, 256, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\nX-Pad: ");
    memset(req + n, 'a', (size_t)(8192 - n - 4));
    memcpy(req + 8192 - 4, "\r\n\r\n", 5);
    ck_assert_uint_eq(strlen(req), 8192);
    send_str(fd, req);
    free(req);
    recv_head(fd, head, sizeof head);
    ck_assert_str_eq(head, established);
    expect_echo(fd, "after a big head");
    close(fd);
}
END_TEST

START_TEST(test_head_in_pieces)
{
    char head[512];
    int fd = connect_port(pport, 10);

    send_str(fd, "CONNECT myvault.vault");
    sleep_ms(50);
    send_str(fd, ".azure.net:443 HTTP/1.1\r\nHost: myvault.vault.azure.net:443\r\n");
    sleep_ms(50);
    send_str(fd, "\r");
    sleep_ms(50);
    send_str(fd, "\n");
    recv_head(fd, head, sizeof head);
    ck_assert_str_eq(head, established);
    expect_echo(fd, "pieces");
    close(fd);
}
END_TEST

START_TEST(test_bare_lf_head)
{
    char head[512];
    int fd = connect_port(pport, 10);

    send_str(fd, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\nHost: x\n\n");
    recv_head(fd, head, sizeof head);
    ck_assert_str_eq(head, established);
    expect_echo(fd, "lf");
    close(fd);
}
END_TEST

START_TEST(test_half_close)
{
    char buf[16];
    int fd = open_tunnel(pport, "myvault.vault.azure.net:443");

    send_str(fd, "abc");
    ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
    /* The echo server answers after our half-close and then closes its side, which must reach
     * us as end of stream. */
    recv_exact(fd, buf, 3);
    ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
    ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), 0);
    close(fd);
}
END_TEST

START_TEST(test_big_transfer)
{
    enum { CHUNK = 60000, ROUNDS = 40 };
    char *out = malloc(CHUNK), *in = malloc(CHUNK);
    int fd = open_tunnel(pport, "myvault.vault.azure.net:443");

    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(in);
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < CHUNK; i++)
            out[i] = (char)(i * 7 + r);
        send_bytes(fd, out, CHUNK);
        recv_exact(fd, in, CHUNK);
        ck_assert_int_eq(memcmp(in, out, CHUNK), 0);
    }
    free(out);
    free(in);
    close(fd);
}
END_TEST

START_TEST(test_concurrent_tunnels)
{
    enum { N = 20 };
    int fds[N];
    char msg[64];

    for (int i = 0; i < N; i++)
        fds[i] = open_tunnel(pport, i % 2 ? "myvault.vault.azure.net:443"
                                          : "login.microsoftonline.com:443");
    ck_assert_int_eq(wait_accepted(echo, N), N);
    /* Every tunnel is open at once; each must carry its own bytes only. */
    for (int i = N - 1; i >= 0; i--) {
        snprintf(msg, sizeof msg, "tunnel %d says hello", i);
        expect_echo(fds[i], msg);
    }
    for (int i = 0; i < N; i++)
        close(fds[i]);
}
END_TEST

START_TEST(test_stop_with_open_tunnels)
{
    enum { N = 5 };
    int fds[N];
    char buf[16];

    for (int i = 0; i < N; i++) {
        fds[i] = open_tunnel(pport, "myvault.vault.azure.net:443");
        expect_echo(fds[i], "x");
    }
    /* Also one connection in the middle of its head and one that sent nothing: stop must not
     * wait for their ten-second head timeout. */
    int partial = connect_port(pport, 10);
    send_str(partial, "CONNECT myvault.va");
    int idle = connect_port(pport, 10);
    sleep_ms(100);

    double t0 = mono_s();
    mv_proxy_stop(proxy);
    proxy = NULL;
    double took = mono_s() - t0;
    ck_assert_msg(took < 3.0, "mv_proxy_stop took %.2f s", took);

    for (int i = 0; i < N; i++) {
        ck_assert_int_le(recv(fds[i], buf, sizeof buf, 0), 0);
        close(fds[i]);
    }
    ck_assert_int_le(recv(partial, buf, sizeof buf, 0), 0);
    ck_assert_int_le(recv(idle, buf, sizeof buf, 0), 0);
    close(partial);
    close(idle);

    /* The listener is closed too. */
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(pport), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ne(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    close(fd);
}
END_TEST

START_TEST(test_bad_gateway)
{
    char err[256] = "", resp[4096];
    struct mv_proxy *p2 = NULL;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sin;

    /* A port that was free a moment ago: nothing listens there. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
    close(s);

    ck_assert_msg(
        mv_proxy_start("127.0.0.1", 0, "127.0.0.1", ntohs(sin.sin_port), &p2, err, sizeof err) == 0,
        "%s", err);
    int fd = connect_port(mv_proxy_port(p2), 15);
    send_str(fd, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\n\r\n");
    recv_all(fd, resp, sizeof resp);
    ck_assert_msg(strncmp(resp, "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0, "got: %s", resp);
    close(fd);
    mv_proxy_stop(p2);
}
END_TEST

START_TEST(test_wildcard_target)
{
    /* The mock may listen on 0.0.0.0; the proxy then connects over loopback. */
    char err[256] = "";
    struct mv_proxy *p2 = NULL;

    ck_assert_msg(mv_proxy_start("127.0.0.1", 0, "0.0.0.0", echo->port, &p2, err, sizeof err) == 0,
                  "%s", err);
    int fd = open_tunnel(mv_proxy_port(p2), "myvault.vault.azure.net:443");
    expect_echo(fd, "wildcard");
    close(fd);
    mv_proxy_stop(p2);
}
END_TEST

START_TEST(test_ipv6_listener)
{
    char err[256] = "";
    struct mv_proxy *p2 = NULL;

    /* Containers often lack IPv6 loopback; the test then has nothing to check. */
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool have_v6 = probe >= 0 && bind(probe, (struct sockaddr *)&s6, sizeof s6) == 0;
    if (probe >= 0)
        close(probe);
    if (!have_v6)
        return;

    ck_assert_msg(mv_proxy_start("::1", 0, "127.0.0.1", echo->port, &p2, err, sizeof err) == 0,
                  "%s", err);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    s6.sin6_port = htons(mv_proxy_port(p2));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&s6, sizeof s6), 0);
    send_str(fd, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\n\r\n");
    char head[512];
    recv_head(fd, head, sizeof head);
    ck_assert_str_eq(head, established);
    expect_echo(fd, "v6");
    close(fd);
    mv_proxy_stop(p2);

    ck_assert_msg(mv_proxy_start("[::1]", 0, "::1", 1, &p2, err, sizeof err) == 0, "%s", err);
    mv_proxy_stop(p2);
}
END_TEST

START_TEST(test_start_errors)
{
    char err[256];
    struct mv_proxy *p2 = (struct mv_proxy *)&err; /* must be reset to NULL on failure */

    err[0] = '\0';
    ck_assert_int_eq(mv_proxy_start("not-an-ip", 0, "127.0.0.1", 1, &p2, err, sizeof err), -1);
    ck_assert_ptr_null(p2);
    ck_assert_ptr_nonnull(strstr(err, "not-an-ip"));

    err[0] = '\0';
    ck_assert_int_eq(mv_proxy_start("127.0.0.1", 0, "localhost.example", 1, &p2, err, sizeof err),
                     -1);
    ck_assert_ptr_null(p2);
    ck_assert_ptr_nonnull(strstr(err, "localhost.example"));

    /* The port of the running proxy is taken. */
    err[0] = '\0';
    ck_assert_int_eq(mv_proxy_start("127.0.0.1", pport, "127.0.0.1", 1, &p2, err, sizeof err), -1);
    ck_assert_ptr_null(p2);
    ck_assert_msg(err[0] != '\0', "no error message");

    mv_proxy_stop(NULL);
    ck_assert_uint_eq(mv_proxy_port(NULL), 0);
}
END_TEST

START_TEST(test_head_timeout)
{
    char resp[4096];
    int fd = connect_port(pport, 20);
    double t0 = mono_s();

    send_str(fd, "CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\n");
    recv_all(fd, resp, sizeof resp);
    double took = mono_s() - t0;
    ck_assert_msg(strncmp(resp, "HTTP/1.1 408 ", 13) == 0, "got: %s", resp);
    ck_assert_msg(took > 9.0 && took < 15.0, "timeout after %.1f s", took);
    close(fd);
}
END_TEST

/* libcurl as a real client: its CONNECT (Host, User-Agent, Proxy-Connection headers) must be
 * understood, refused names must fail with 403, and allowed names must get a 200 tunnel. The echo
 * server then bounces curl's ClientHello, so the TLS handshake itself fails, as expected. */
static long curl_connect_code(const char *url, CURLcode *res)
{
    char proxy_url[64];
    long code = -1;
    CURL *h = curl_easy_init();

    ck_assert_ptr_nonnull(h);
    snprintf(proxy_url, sizeof proxy_url, "http://127.0.0.1:%u", (unsigned)pport);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROXY, proxy_url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "");
    curl_easy_setopt(h, CURLOPT_HTTPPROXYTUNNEL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    *res = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &code);
    curl_easy_cleanup(h);
    return code;
}

START_TEST(test_curl_client)
{
    CURLcode res;

    ck_assert_int_eq(curl_connect_code("https://example.com/", &res), 403);
    ck_assert_int_ne(res, CURLE_OK);
    ck_assert_int_eq(atomic_load(&echo->accepted), 0);

    ck_assert_int_eq(
        curl_connect_code("https://myvault.vault.azure.net/secrets?api-version=7.4", &res), 200);
    ck_assert_int_ne(res, CURLE_OK);
    ck_assert_int_ne(res, CURLE_OPERATION_TIMEDOUT);
    ck_assert_int_eq(wait_accepted(echo, 1), 1);

    ck_assert_int_eq(curl_connect_code("https://login.microsoftonline.com:8443/", &res), 403);
}
END_TEST

static Suite *proxy_suite(void)
{
    Suite *s = suite_create("proxy");

    TCase *tc = tcase_create("tunnel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_tunnel_echo_with_early_bytes);
    tcase_add_test(tc, test_tunnel_login_and_case);
    tcase_add_test(tc, test_head_just_under_limit);
    tcase_add_test(tc, test_head_in_pieces);
    tcase_add_test(tc, test_bare_lf_head);
    tcase_add_test(tc, test_half_close);
    tcase_add_test(tc, test_big_transfer);
    tcase_add_test(tc, test_concurrent_tunnels);
    tcase_add_test(tc, test_stop_with_open_tunnels);
    tcase_add_test(tc, test_bad_gateway);
    tcase_add_test(tc, test_wildcard_target);
    tcase_add_test(tc, test_ipv6_listener);
    tcase_add_test(tc, test_start_errors);
    tcase_add_test(tc, test_curl_client);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_refuse_example_com);
    tcase_add_loop_test(tc, test_refusals, 0, (int)(sizeof refusals / sizeof refusals[0]));
    tcase_add_test(tc, test_head_too_large);
    tcase_add_test(tc, test_head_timeout);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = mvt_run(proxy_suite(), false);
    curl_global_cleanup();
    return rc;
}
