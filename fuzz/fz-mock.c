/* fz-mock.c: one real mockvault server per fuzzing process, reached over a loopback socket. */
#include "fz-mock.h"

#include "server.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The documented admin app of fixtures/default.json (README: not a secret, a test fixture). */
#define FZ_TENANT "11111111-1111-1111-1111-111111111111"
#define FZ_ADMIN_ID "aaaaaaaa-0000-0000-0000-000000000001"
#define FZ_ADMIN_SECRET "admin-client-secret"

static struct mv_server *srv;
/* How long fz_mock_exchange waits for the first byte of an answer: short for fuzzed requests,
 * long for the harness's own (token, reset), which must be answered. */
static int first_byte_ms = 250;
static char token[8192];

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The whole size of the answer whose beginning is in resp (NUL-terminated): head plus
 * Content-Length, or SIZE_MAX while the head is incomplete or names no length. */
static size_t answer_size(const char *resp, bool head_request)
{
    const char *start = resp, *end;
    /* Interim answers (100 Continue) come before the real one. */
    while ((end = strstr(start, "\r\n\r\n")) && strncmp(start, "HTTP/1.1 1", 10) == 0)
        start = end + 4;
    if (!end)
        return SIZE_MAX;
    if (head_request)
        return (size_t)(end + 4 - resp);
    for (const char *p = start; p < end; p++)
        if ((p == start || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
            return (size_t)(end + 4 - resp) + strtoul(p + 15, NULL, 10);
    return SIZE_MAX;
}

int fz_mock_exchange(const void *req, size_t len, char *resp, size_t cap)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(mv_server_port(srv))};
    char scratch[16384];
    size_t got = 0;
    int status = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (!resp || cap == 0) {
        resp = scratch;
        cap = sizeof scratch;
    }
    resp[0] = '\0';
    if (fd < 0)
        return 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        goto out;
    /* A server that stops reading (431, 413) may close before all is sent: EPIPE is an answer. */
    for (size_t off = 0; off < len;) {
        ssize_t n = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    /* The server keeps a connection alive after answering, so the answer ends where its
     * Content-Length says (every answer of the mock has one), or when the server closes. */
    int64_t deadline = mono_ms() + 5000;
    /* libmicrohttpd may miss the half-close of a request it cannot finish (epoll is edge
     * triggered) and hold the connection until its 60 s timeout; the mock answers anything it
     * can answer within milliseconds, so a silence of first_byte_ms means none is coming. */
    int64_t first_byte = mono_ms() + first_byte_ms;
    size_t total = 0, want = SIZE_MAX;
    while (total < want) {
        int left = (int)((total ? deadline : first_byte) - mono_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        char sink[4096];
        char *dst = got + 1 < cap ? resp + got : sink;
        size_t room = got + 1 < cap ? cap - 1 - got : sizeof sink;
        ssize_t n = recv(fd, dst, room, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += (size_t)n;
        if (dst != sink)
            got += (size_t)n;
        resp[got] = '\0';
        if (want == SIZE_MAX)
            want = answer_size(resp, len >= 5 && memcmp(req, "HEAD ", 5) == 0);
    }
    resp[got] = '\0';
    /* The status of the last answer (after any 100 Continue). */
    for (const char *a = resp; a && strncmp(a, "HTTP/1.", 7) == 0 && strlen(a) >= 12;
         a = strstr(a, "\r\n\r\n") ? strstr(a, "\r\n\r\n") + 4 : NULL)
        status = atoi(a + 9);
out:
    close(fd);
    return status;
}

void fz_mock_reset(void)
{
    static const char req[] = "POST /_mock/reset HTTP/1.1\r\nHost: localhost\r\n"
                              "Content-Length: 0\r\nConnection: close\r\n\r\n";
    first_byte_ms = 5000;
    int status = fz_mock_exchange(req, sizeof req - 1, NULL, 0);
    first_byte_ms = 250;
    if (status != 200) {
        fprintf(stderr, "fz-mock: POST /_mock/reset failed\n");
        abort();
    }
}

/* Client credentials for the admin app, so the seeds' "@TOKEN@" can stand for a token that is
 * valid in this process (tokens are signed with a key made at start). */
static void fetch_token(void)
{
    static const char form[] =
        "grant_type=client_credentials&client_id=" FZ_ADMIN_ID "&client_secret=" FZ_ADMIN_SECRET
        "&scope=https%3A%2F%2Fvault.azure.net%2F.default";
    char req[1024], resp[16384];
    int n = snprintf(req, sizeof req,
                     "POST /" FZ_TENANT "/oauth2/v2.0/token HTTP/1.1\r\nHost: localhost\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     sizeof form - 1, form);
    first_byte_ms = 5000;
    int status = fz_mock_exchange(req, (size_t)n, resp, sizeof resp);
    first_byte_ms = 250;
    const char *body = strstr(resp, "\r\n\r\n");
    cJSON *j = body ? cJSON_Parse(body + 4) : NULL;
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "access_token");

    if (status != 200 || !cJSON_IsString(at) || strlen(at->valuestring) >= sizeof token) {
        fprintf(stderr, "fz-mock: no token from the mock (status %d)\n", status);
        abort();
    }
    snprintf(token, sizeof token, "%s", at->valuestring);
    cJSON_Delete(j);
}

struct mv_server *fz_mock(void)
{
    struct mv_server_config cfg = {0};
    char err[512];

    if (srv)
        return srv;
    cfg.bind = "127.0.0.1";
    cfg.port = 0;
    cfg.fixtures = FZ_SOURCE_ROOT "/fixtures/default.json";
    cfg.http = true;
    cfg.has_seed = true;
    cfg.seed = 1;
    cfg.proxy_port = -1;
    cfg.threads = 2;
    /* The log shows decoded request paths: millions of fuzzed lines help nobody. */
    cfg.log = fopen("/dev/null", "w");
    if (mv_server_start(&cfg, &srv, err, sizeof err) != 0) {
        fprintf(stderr, "fz-mock: cannot start the mock: %s\n", err);
        abort();
    }
    fetch_token();
    return srv;
}

const char *fz_mock_token(void)
{
    return token;
}
