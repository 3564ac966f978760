/* test-http-limits.c: the server's resource limits against the embedded server (issue 13,
 * docs/limits.md): thousands of idle and trickling connections do not stop a normal client from
 * being served; connections over --max-connections and --max-connections-per-ip get a 503 with a
 * Key Vault error body instead of waiting in the backlog; a request that trickles in is closed at
 * --request-timeout while an idle kept-alive connection is not; request targets, query parameter
 * counts and heads up to and beyond libmicrohttpd's memory pool always get an answer; and request
 * fields cannot forge or break log lines.
 *
 * Most tests speak raw HTTP/1.1 over plain sockets (cfg.http) so that they control every byte
 * and every pause; the idle-connection test uses the real TLS listener and libcurl. */
#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conns.h"
#include "cx-text.h"
#include "http.h"
#include "httpcheck.h"
#include "testlib.h"

#define IDLE_CONNS 2000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Raises the soft descriptor limit to the hard one, as the server does, and checks that the
 * test's own sockets fit. */
static void raise_nofile(rlim_t need)
{
    struct rlimit rl;

    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    ck_assert_msg(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need,
                  "RLIMIT_NOFILE hard limit %llu is below the %llu this test needs",
                  (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

static struct mv_server *start_http(unsigned max, unsigned per_ip, unsigned request_timeout,
                                    FILE *log, enum mv_log_format fmt)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.http = true;
    cfg.max_connections = max;
    cfg.max_connections_per_ip = per_ip;
    cfg.request_timeout = request_timeout;
    cfg.log = log;
    cfg.log_format = fmt;
    return mvt_start("fixtures/default.json", &cfg);
}

/* A TCP connection to the server from source address src (NULL = any loopback). */
static int conn_from(struct mv_server *s, const char *src)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;

    ck_assert_int_ge(fd, 0);
    if (src) {
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, src, &a.sin_addr), 1);
        ck_assert_msg(bind(fd, (struct sockaddr *)&a, sizeof a) == 0, "bind %s: %s", src,
                      strerror(errno));
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(mv_server_port(s));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s",
                  strerror(errno));
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may close early (an over-limit head): the answer tells */
        p += w;
        n -= (size_t)w;
    }
}

/* One response read from fd within timeout_ms: the status (0 = the connection closed without
 * one, -1 = nothing came in time), with headers and body copied into out (NUL-terminated). */
struct raw_resp {
    int status;
    char *text; /* whole response, owned */
    size_t len;
    const char *body; /* into text */
    bool closed;      /* the server closed the connection after it */
};

static void raw_free(struct raw_resp *r)
{
    free(r->text);
    memset(r, 0, sizeof *r);
}

static void raw_read(int fd, int timeout_ms, struct raw_resp *out)
{
    size_t cap = 4096;
    double end = now_ms() + timeout_ms;

    memset(out, 0, sizeof *out);
    out->text = hc_xmalloc(cap);
    out->status = -1;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)(end - now_ms());
        ssize_t n;
        char *hend;

        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        if (out->len + 2048 > cap) {
            cap *= 2;
            out->text = realloc(out->text, cap);
            ck_assert_ptr_nonnull(out->text);
        }
        n = recv(fd, out->text + out->len, cap - out->len - 1, 0);
        if (n <= 0) {
            out->closed = true;
            if (out->status < 0)
                out->status = 0;
            break;
        }
        out->len += (size_t)n;
        out->text[out->len] = '\0';
        hend = strstr(out->text, "\r\n\r\n");
        if (hend) {
            const char *cl = strcasestr(out->text, "\r\nContent-Length:");
            out->status = atoi(out->text + 9);
            out->body = hend + 4;
            if (cl && cl < hend &&
                (size_t)(out->text + out->len - out->body) >= strtoul(cl + 17, NULL, 10))
                break;
        }
    }
    out->text[out->len] = '\0';
    if (out->status > 0 && !out->body)
        out->body = "";
}

/* Sends a request on fd and reads its response. */
static void raw_exchange(int fd, const char *req, size_t len, int timeout_ms, struct raw_resp *out)
{
    send_all(fd, req, len);
    raw_read(fd, timeout_ms, out);
}

static void raw_get(struct mv_server *s, const char *src, const char *target, struct raw_resp *out)
{
    char req[512];
    int fd = conn_from(s, src);
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);

    raw_exchange(fd, req, (size_t)n, 5000, out);
    close(fd);
}

/* Asserts a Key Vault error body with this code. */
static void assert_kv_error(const struct raw_resp *r, int status, const char *code)
{
    cJSON *j;

    ck_assert_msg(r->status == status, "status %d, want %d", r->status, status);
    j = cJSON_Parse(r->body);
    ck_assert_msg(j != NULL, "%d: the body is not JSON", status);
    ck_assert_str_eq(hc_jstr(j, "error.code"), code);
    ck_assert_msg(hc_jstr(j, "error.message") && hc_jstr(j, "error.message")[0], "no message");
    cJSON_Delete(j);
}

/* Issue 13: about 1,020 idle or trickling connections stopped the server answering anyone (they
 * filled libmicrohttpd's default connection limit and the rest waited in the backlog). With
 * IDLE_CONNS open, half idle and half having sent the first byte of a TLS handshake, a normal
 * client is still served within 100 ms. */
START_TEST(test_idle_connections_do_not_block)
{
    struct mv_server *s;
    int *fds = hc_xmalloc(sizeof *fds * IDLE_CONNS);
    double best = 1e9;
    struct mvt_resp r;

    raise_nofile(IDLE_CONNS + 512);
    s = mvt_start("fixtures/default.json", NULL);
    for (int i = 0; i < IDLE_CONNS; i++) {
        fds[i] = conn_from(s, NULL);
        if (i % 2)
            send_all(fds[i], "\x16", 1); /* a TLS record that never completes */
    }
    usleep(300 * 1000); /* the server accepts them all */
    for (int i = 0; i < 5; i++) {
        double t0 = now_ms(), t;

        ck_assert_int_eq(mvt_request(s, "GET", NULL, "/_mock/health", NULL, NULL, NULL, &r), 0);
        t = now_ms() - t0;
        ck_assert_int_eq(r.status, 200);
        mvt_resp_free(&r);
        if (t < best)
            best = t;
    }
    fprintf(stderr, "test-http-limits: GET /_mock/health with %d idle connections open: %.1f ms\n",
            IDLE_CONNS, best);
    ck_assert_msg(best < 100.0, "a normal GET took %.1f ms with %d idle connections", best,
                  IDLE_CONNS);
    for (int i = 0; i < IDLE_CONNS; i++)
        close(fds[i]);
    free(fds);
    mv_server_stop(s);
}
END_TEST

/* One connection over --max-connections is answered 503 (Retry-After, Connection: close, a Key
 * Vault error body) and closed; when a slot frees, the next one is served. */
START_TEST(test_total_cap_refuses_with_503)
{
    struct mv_server *s = start_http(4, 0, 0, NULL, MV_LOG_OFF);
    int idle[4], fd;
    struct raw_resp r;
    static const char req[] = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    double end;

    for (int i = 0; i < 4; i++)
        idle[i] = conn_from(s, NULL);
    fd = conn_from(s, NULL);
    raw_exchange(fd, req, sizeof req - 1, 5000, &r);
    assert_kv_error(&r, 503, "ServiceUnavailable");
    ck_assert_msg(strstr(r.body, "--max-connections"), "the message names the option");
    ck_assert_msg(strcasestr(r.text, "\r\nRetry-After: 1\r\n"), "Retry-After");
    ck_assert_msg(strcasestr(r.text, "\r\nConnection: close\r\n"), "Connection: close");
    raw_free(&r);
    raw_read(fd, 2000, &r);
    ck_assert_msg(r.closed, "the refused connection is closed");
    raw_free(&r);
    close(fd);

    close(idle[0]);
    end = now_ms() + 3000;
    do {
        raw_get(s, NULL, "/_mock/health", &r);
        if (r.status == 200)
            break;
        raw_free(&r);
        usleep(50 * 1000);
    } while (now_ms() < end);
    ck_assert_int_eq(r.status, 200);
    raw_free(&r);
    for (int i = 1; i < 4; i++)
        close(idle[i]);
    mv_server_stop(s);
}
END_TEST

/* --max-connections-per-ip counts each peer address: the third connection from 127.0.0.1 is
 * refused while 127.0.0.2 is served. */
START_TEST(test_per_ip_cap)
{
    struct mv_server *s = start_http(10, 2, 0, NULL, MV_LOG_OFF);
    int a = conn_from(s, "127.0.0.1"), b = conn_from(s, "127.0.0.1");
    struct raw_resp r;

    raw_get(s, "127.0.0.1", "/_mock/health", &r);
    assert_kv_error(&r, 503, "ServiceUnavailable");
    ck_assert_msg(strstr(r.body, "--max-connections-per-ip") && strstr(r.body, "127.0.0.1"),
                  "the message names the option and the peer");
    raw_free(&r);
    raw_get(s, "127.0.0.2", "/_mock/health", &r);
    ck_assert_int_eq(r.status, 200);
    raw_free(&r);
    close(a);
    close(b);
    mv_server_stop(s);
}
END_TEST

/* Sends head one byte per 200 ms until the server closes the connection; the milliseconds that
 * took, or -1 when the whole head went out first. */
static double trickle_until_closed(int fd, const char *head)
{
    double t0 = now_ms();

    for (size_t i = 0; head[i]; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        send_all(fd, head + i, 1);
        if (poll(&p, 1, 200) > 0) {
            char c;
            ck_assert_int_le(recv(fd, &c, 1, 0), 0); /* closed, never answered */
            return now_ms() - t0;
        }
    }
    return -1;
}

/* Issue 13: a client sending one header byte at a time kept its slot for ever (each byte reset
 * libmicrohttpd's inactivity timeout). Now the head and body must arrive within
 * --request-timeout of the first byte; an idle kept-alive connection is not affected. */
START_TEST(test_request_deadline)
{
    struct mv_server *s = start_http(0, 0, 1, NULL, MV_LOG_OFF);
    static const char req[] = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    static const char slow_head[] = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaa";
    static const char post[] = "POST /_mock/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    struct raw_resp r;
    double t0, took;
    int fd;

    /* A head trickled one byte per 200 ms. */
    fd = conn_from(s, NULL);
    took = trickle_until_closed(fd, slow_head);
    ck_assert_msg(took >= 900 && took < 3000, "trickled head closed after %.0f ms", took);
    close(fd);

    /* A body trickled after a complete head. */
    fd = conn_from(s, NULL);
    send_all(fd, post, sizeof post - 1);
    t0 = now_ms();
    for (int i = 0; i < 30; i++) {
        send_all(fd, " ", 1);
        usleep(100 * 1000);
    }
    raw_read(fd, 3000, &r);
    ck_assert_msg(r.closed && r.status == 0, "trickled body: status %d", r.status);
    ck_assert_msg(now_ms() - t0 < 6000, "trickled body closed late");
    raw_free(&r);
    close(fd);

    /* An idle kept-alive connection outlives the deadline and serves its next request. */
    fd = conn_from(s, NULL);
    raw_exchange(fd, req, sizeof req - 1, 3000, &r);
    ck_assert_int_eq(r.status, 200);
    raw_free(&r);
    usleep(2500 * 1000);
    raw_exchange(fd, req, sizeof req - 1, 3000, &r);
    ck_assert_msg(r.status == 200, "kept-alive request after idling: %d", r.status);
    raw_free(&r);
    close(fd);
    mv_server_stop(s);
}
END_TEST

/* The next request on a kept-alive connection has the same deadline. The watcher reads the
 * connection's byte count after a response lazily (conns.c): a head that starts at once, before
 * that read, and one that starts later are both cut. */
START_TEST(test_request_deadline_kept_alive)
{
    struct mv_server *s = start_http(0, 0, 1, NULL, MV_LOG_OFF);
    static const char req[] = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    static const char slow_head[] = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaa";
    struct raw_resp r;

    for (int pause_ms = 0; pause_ms <= 700; pause_ms += 700) {
        int fd = conn_from(s, NULL);
        double took;
        raw_exchange(fd, req, sizeof req - 1, 3000, &r);
        ck_assert_int_eq(r.status, 200);
        raw_free(&r);
        usleep((useconds_t)pause_ms * 1000);
        took = trickle_until_closed(fd, slow_head);
        ck_assert_msg(took >= 900 && took < 3000,
                      "trickled head %d ms after a response closed after %.0f ms", pause_ms, took);
        close(fd);
    }
    mv_server_stop(s);
}
END_TEST

/* A refused connection that never sends its request is closed after MV_REFUSED_GRACE_MS. */
START_TEST(test_refused_connection_grace)
{
    struct mv_server *s = start_http(1, 0, 0, NULL, MV_LOG_OFF);
    int held = conn_from(s, NULL), fd;
    struct raw_resp r;
    double t0;

    usleep(100 * 1000);
    fd = conn_from(s, NULL);
    t0 = now_ms();
    raw_read(fd, MV_REFUSED_GRACE_MS + 3000, &r);
    ck_assert_msg(r.closed, "the silent refused connection is closed");
    ck_assert_msg(now_ms() - t0 >= MV_REFUSED_GRACE_MS - 1000, "closed before its grace");
    raw_free(&r);
    close(fd);
    close(held);
    mv_server_stop(s);
}
END_TEST

/* "/_mock/health?" followed by n parameters "p<i>=v", padded with "&pad=xxx" to len bytes
 * (0 = no padding). Caller frees. */
static char *target_with(int n, size_t len)
{
    size_t cap = len + (size_t)n * 16 + 64, o;
    char *t = hc_xmalloc(cap);

    o = (size_t)snprintf(t, cap, "/_mock/health?");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(t + o, cap - o, "%sp%d=v", i ? "&" : "", i);
    if (len > o + 5) {
        o += (size_t)snprintf(t + o, cap - o, "&pad=");
        while (o < len)
            t[o++] = 'x';
        t[o] = '\0';
    }
    return t;
}

static void raw_get_head(struct mv_server *s, const char *target, const char *extra,
                         struct raw_resp *out)
{
    size_t n = strlen(target) + (extra ? strlen(extra) : 0) + 128;
    char *req = hc_xmalloc(n);
    int fd = conn_from(s, NULL);
    int len = snprintf(req, n, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n",
                       target, extra ? extra : "");

    raw_exchange(fd, req, (size_t)len, 5000, out);
    close(fd);
    free(req);
}

/* Issue 13: about 450 query parameters (a 5 KB URL) exhausted libmicrohttpd's memory pool and got
 * no answer at all. Up to MV_QUERY_PARAMS_MAX parameters and MV_URI_MAX bytes are served; beyond
 * either, 414 with a Key Vault error body; far beyond the pool, libmicrohttpd's own 414 or 431,
 * with a body. */
START_TEST(test_query_and_target_limits)
{
    struct mv_server *s = start_http(0, 0, 0, NULL, MV_LOG_OFF);
    struct raw_resp r;
    char *t;

    t = target_with(MV_QUERY_PARAMS_MAX, 0);
    raw_get_head(s, t, NULL, &r);
    ck_assert_msg(r.status == 200, "%d parameters: %d", MV_QUERY_PARAMS_MAX, r.status);
    raw_free(&r);
    free(t);
    int over[] = {MV_QUERY_PARAMS_MAX + 1, 450, 1000, 5000};
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        t = target_with(over[i], 0);
        raw_get_head(s, t, NULL, &r);
        assert_kv_error(&r, 414, "RequestUriTooLong");
        raw_free(&r);
        free(t);
    }
    t = target_with(3, MV_URI_MAX);
    ck_assert_uint_eq(strlen(t), MV_URI_MAX);
    raw_get_head(s, t, NULL, &r);
    ck_assert_msg(r.status == 200, "a %d-byte target: %d", MV_URI_MAX, r.status);
    raw_free(&r);
    free(t);
    t = target_with(3, MV_URI_MAX + 1);
    raw_get_head(s, t, NULL, &r);
    assert_kv_error(&r, 414, "RequestUriTooLong");
    raw_free(&r);
    free(t);
    t = target_with(3, 200 * 1024);
    raw_get_head(s, t, NULL, &r);
    ck_assert_msg((r.status == 414 || r.status == 431) && r.body && r.body[0],
                  "a 200 KiB target: %d with a body", r.status);
    raw_free(&r);
    free(t);
    mv_server_stop(s);
}
END_TEST

/* Headers up to the pool are served, beyond it 431 with a body; many small headers too. Heads of
 * every size from 1 KiB to twice the pool, with 0 to MV_QUERY_PARAMS_MAX parameters, never wait:
 * each gets an answer with a body, except heads that end within 2 KiB of the pool, where
 * libmicrohttpd 0.9.75 finds no room left for any response head and closes at once (its own
 * limit, docs/limits.md). */
START_TEST(test_head_limits_always_answered)
{
    struct mv_server *s = start_http(0, 0, 0, NULL, MV_LOG_OFF);
    struct raw_resp r;
    size_t n = 2 * MV_CONN_MEMORY + 256;
    char *h = hc_xmalloc(n);
    int params[] = {0, 64, MV_QUERY_PARAMS_MAX};

    snprintf(h, n, "X-Big: %0*d\r\n", 8000, 0);
    raw_get_head(s, "/_mock/health", h, &r);
    ck_assert_msg(r.status == 200, "an 8 KB header: %d", r.status);
    raw_free(&r);
    snprintf(h, n, "X-Big: %0*d\r\n", MV_CONN_MEMORY + 1000, 0);
    raw_get_head(s, "/_mock/health", h, &r);
    ck_assert_msg(r.status == 431 && r.body && r.body[0], "a 65 KB header: %d", r.status);
    raw_free(&r);
    h[0] = '\0';
    for (size_t o = 0, i = 0; i < 3000; i++)
        o += (size_t)snprintf(h + o, n - o, "X-%zu: v\r\n", i);
    raw_get_head(s, "/_mock/health", h, &r);
    ck_assert_msg(r.status == 431 && r.body && r.body[0], "3000 headers: %d", r.status);
    raw_free(&r);

    for (size_t p = 0; p < sizeof params / sizeof params[0]; p++) {
        char *t = target_with(params[p], 0);
        for (size_t pad = 1024; pad < 2 * MV_CONN_MEMORY; pad += 1531) {
            double t0 = now_ms();
            size_t head;

            snprintf(h, n, "X-Pad: %0*d\r\n", (int)pad, 0);
            head = strlen(t) + pad + 80 + 64 * (size_t)(params[p] + 4);
            raw_get_head(s, t, h, &r);
            ck_assert_msg(now_ms() - t0 < 2000, "%d parameters, %zu padding: waited", params[p],
                          pad);
            if (head + 2048 < MV_CONN_MEMORY || head > MV_CONN_MEMORY + 2048)
                ck_assert_msg(r.status > 0 && r.body && r.body[0],
                              "%d parameters, %zu padding: status %d without a body", params[p],
                              pad, r.status);
            raw_free(&r);
        }
        free(t);
    }
    free(h);
    mv_server_stop(s);
}
END_TEST

/* Issue 13: the text log printed the decoded path, so %0A in an unauthenticated request's path
 * forged a log line. Every field is escaped now: one request is one line, in both formats, and
 * the JSON line is valid JSON in valid UTF-8. */
static const char forged_path[] =
    "/x%0A2026-01-01T00:00:00.000Z%20GET%20/forged%20vault=-%20op=-%20status=200%0D%1B%5B2K"
    "%FF%C2%85%E2%80%A8%5C";

static char *log_of_one_request(enum mv_log_format fmt)
{
    FILE *f = tmpfile();
    struct mv_server *s;
    struct raw_resp r;
    char *text;
    long len;

    ck_assert_ptr_nonnull(f);
    s = start_http(0, 0, 0, f, fmt);
    raw_get(s, NULL, forged_path, &r);
    ck_assert_int_eq(r.status, 404);
    raw_free(&r);
    mv_server_stop(s);
    fflush(f);
    len = ftell(f);
    text = hc_xmalloc((size_t)len + 1);
    rewind(f);
    ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    return text;
}

START_TEST(test_log_escapes_fields)
{
    char *text = log_of_one_request(MV_LOG_TEXT);
    int requests = 0;

    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        ck_assert_msg(strncmp(line, "2026-01-01", 10) != 0, "a forged line: %s", line);
        ck_assert_msg(cx_utf8_valid(line, strlen(line), NULL), "a line that is not UTF-8");
        for (const char *p = line; *p; p++)
            ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7F, "a control byte in a line");
        if (strstr(line, " GET ")) {
            requests++;
            ck_assert_msg(strstr(line, "GET /x\\x0A2026-01-01T00:00:00.000Z\\x20GET\\x20/forged"),
                          "newline and spaces escaped: %s", line);
            ck_assert_msg(strstr(line, "\\x0D\\x1B[2K\\xFF\\xC2\\x85\\xE2\\x80\\xA8\\\\ "),
                          "CR, ESC, a stray byte, C1, U+2028 and a backslash escaped: %s", line);
            ck_assert_msg(strstr(line, " status=404"), "the real status: %s", line);
        }
    }
    ck_assert_int_eq(requests, 1);
    free(text);

    text = log_of_one_request(MV_LOG_JSON);
    requests = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "a JSON line that does not parse");
        ck_assert_msg(cx_utf8_valid(line, strlen(line), NULL), "a JSON line that is not UTF-8");
        if (hc_jstr(j, "path")) {
            requests++;
            ck_assert_str_eq(hc_jstr(j, "path"),
                             "/x\\x0A2026-01-01T00:00:00.000Z GET /forged vault=- op=- "
                             "status=200\\x0D\\x1B[2K\\xFF\\xC2\\x85\\xE2\\x80\\xA8\\\\");
        }
        cJSON_Delete(j);
    }
    ck_assert_int_eq(requests, 1);
    free(text);
}
END_TEST

/* The server raises the soft descriptor limit to the hard one at start, and when even the hard
 * limit cannot hold the connection caps it lowers them (with a notice) instead of letting
 * accept() fail. Run in a child process, whose limits the test may lower for good. */
START_TEST(test_descriptor_limit)
{
    pid_t pid = fork();
    int status = 0;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl = {300, 600};
        struct mv_server_config cfg;
        struct mv_server *s = NULL;
        struct mv_conns_limits lim;
        char err[512];
        FILE *log = tmpfile();
        char line[512];
        bool noticed = false;

        memset(&cfg, 0, sizeof cfg);
        cfg.proxy_port = -1;
        cfg.http = true;
        cfg.log = log;
        if (!log || setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
            mv_server_start(&cfg, &s, err, sizeof err) != 0)
            _exit(2);
        getrlimit(RLIMIT_NOFILE, &rl);
        mv_conns_effective(s->conns, &lim);
        mv_server_stop(s);
        rewind(log);
        while (fgets(line, sizeof line, log))
            noticed |= strstr(line, "--max-connections lowered to") != NULL;
        /* (600 - 256 reserved) / 2 listeners = 172 descriptors, four fifths of them served. */
        _exit(rl.rlim_cur != 600                  ? 3
              : lim.max_connections != 137        ? 4
              : lim.max_connections_per_ip != 137 ? 5
              : !noticed                          ? 6
                                                  : 0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
END_TEST

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* CPU ticks (user and system) of each libmicrohttpd thread that serves connections ("MHD-single":
 * a one-thread daemon; "MHD-worker": a thread of libmicrohttpd's own pool), at most max of them;
 * returns how many there are. */
static int server_thread_ticks(unsigned long long *ticks, int max)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512], *p;
        unsigned long long ut, st;
        FILE *f;
        size_t len;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* "tid (comm) state ..." with utime and stime the 14th and 15th fields. */
        p = strchr(buf, '(');
        if (!p ||
            (strncmp(p + 1, "MHD-single)", 11) != 0 && strncmp(p + 1, "MHD-worker)", 11) != 0))
            continue;
        p = strrchr(buf, ')');
        ck_assert_int_eq(
            sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st), 2);
        ck_assert_int_lt(n, max);
        ticks[n++] = ut + st;
    }
    closedir(d);
    return n;
}

/* Two clients' connections are served by both server threads (--threads 2), not by one: the
 * acceptor hands each to the daemon with the fewest (net/accept.h). libmicrohttpd's own thread
 * pool let a woken worker accept several in a row, so two connections opened together often
 * shared one thread while the other idled. Each connection here signs with RSA-2048 (about a
 * millisecond of CPU) many times; each thread must have done a fair share. */
START_TEST(test_connections_spread_over_threads)
{
    struct mv_server_config cfg;
    struct mv_server *s;
    struct curl_slist *hl = NULL, *res = NULL;
    CURL *c[2];
    char url[200], resolve[100], auth[4200], *tok;
    unsigned long long t0[4], t1[4], total = 0;
    const char *body =
        "{\"alg\":\"RS256\",\"value\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"}";
    int n;

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.threads = 2;
    s = mvt_start("fixtures/default.json", &cfg);
    tok = mvt_admin_token(s);
    ck_assert_ptr_nonnull(tok);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    hl = curl_slist_append(hl, auth);
    hl = curl_slist_append(hl, "Content-Type: application/json");
    snprintf(url, sizeof url, "https://demo.localhost:%u/keys/demo-rsa/sign?api-version=7.5",
             mv_server_port(s));
    snprintf(resolve, sizeof resolve, "demo.localhost:%u:127.0.0.1", mv_server_port(s));
    res = curl_slist_append(res, resolve);
    usleep(100 * 1000); /* the token's connection is closed and no longer counted */
    for (int i = 0; i < 2; i++) {
        long status = 0;

        c[i] = curl_easy_init();
        ck_assert_ptr_nonnull(c[i]);
        curl_easy_setopt(c[i], CURLOPT_URL, url);
        curl_easy_setopt(c[i], CURLOPT_RESOLVE, res);
        curl_easy_setopt(c[i], CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c[i], CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c[i], CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c[i], CURLOPT_WRITEFUNCTION, discard);
        mvt_trust_mock(c[i], s);
        /* The first request opens the connection; the second client connects after it. */
        ck_assert_int_eq(curl_easy_perform(c[i]), CURLE_OK);
        curl_easy_getinfo(c[i], CURLINFO_RESPONSE_CODE, &status);
        ck_assert_int_eq(status, 200);
    }
    n = server_thread_ticks(t0, 4);
    ck_assert_int_eq(n, 2);
    for (int k = 0; k < 80; k++)
        for (int i = 0; i < 2; i++) {
            long status = 0;
            ck_assert_int_eq(curl_easy_perform(c[i]), CURLE_OK);
            curl_easy_getinfo(c[i], CURLINFO_RESPONSE_CODE, &status);
            ck_assert_int_eq(status, 200);
        }
    ck_assert_int_eq(server_thread_ticks(t1, 4), 2);
    for (int i = 0; i < 2; i++)
        total += t1[i] - t0[i];
    fprintf(stderr, "test-http-limits: CPU ticks of the two server threads: %llu and %llu\n",
            t1[0] - t0[0], t1[1] - t0[1]);
    /* 160 signs are well over 10 ticks; an idle thread would show none. */
    ck_assert_uint_ge(total, 6);
    for (int i = 0; i < 2; i++)
        ck_assert_msg((t1[i] - t0[i]) * 4 >= total,
                      "one server thread did %llu of %llu ticks: the connections shared a thread",
                      t1[i] - t0[i], total);
    for (int i = 0; i < 2; i++)
        curl_easy_cleanup(c[i]);
    curl_slist_free_all(hl);
    curl_slist_free_all(res);
    hc_free_token(tok);
    mv_server_stop(s);
}
END_TEST

static Suite *limits_suite(void)
{
    Suite *s = suite_create("http-limits");
    TCase *tc = tcase_create("limits");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_idle_connections_do_not_block);
    tcase_add_test(tc, test_total_cap_refuses_with_503);
    tcase_add_test(tc, test_per_ip_cap);
    tcase_add_test(tc, test_request_deadline);
    tcase_add_test(tc, test_request_deadline_kept_alive);
    tcase_add_test(tc, test_refused_connection_grace);
    tcase_add_test(tc, test_query_and_target_limits);
    tcase_add_test(tc, test_head_limits_always_answered);
    tcase_add_test(tc, test_log_escapes_fields);
    tcase_add_test(tc, test_descriptor_limit);
    tcase_add_test(tc, test_connections_spread_over_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(limits_suite(), false);
}
