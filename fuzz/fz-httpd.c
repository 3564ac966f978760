/* fz-httpd.c: the loopback server of fz-httpd.h: one thread, one connection at a time, each
 * answered with the chosen response and closed. */
#include "fz-httpd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_fd = -1;
static uint16_t port;
static char origin[64];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *response; /* the whole response, head and body; under lock */
static size_t response_len;

/* Reads the request head and as much body as its Content-Length says (bounded), so that closing
 * afterwards does not reset a connection whose request libcurl is still sending. */
static void read_request(int fd)
{
    char buf[65536];
    size_t len = 0;
    long want = -1;
    for (;;) {
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end && want < 0) {
            want = 0;
            for (char *p = buf; p < end; p++)
                if ((p == buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
                    want = strtol(p + 15, NULL, 10);
            want += (long)(end + 4 - buf);
        }
        if ((want >= 0 && (long)len >= want) || len == sizeof buf - 1)
            return;
    }
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL;
        }
        read_request(fd);
        pthread_mutex_lock(&lock);
        for (size_t off = 0; response && off < response_len;) {
            ssize_t n = send(fd, response + off, response_len - off, MSG_NOSIGNAL);
            if (n <= 0 && errno != EINTR)
                break;
            if (n > 0)
                off += (size_t)n;
        }
        pthread_mutex_unlock(&lock);
        close(fd);
    }
}

uint16_t fz_httpd_start(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof sa;
    pthread_t t;
    static const char *const proxies[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                          "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};

    if (port)
        return port;
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        unsetenv(proxies[i]);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(listen_fd, 16) != 0 || getsockname(listen_fd, (struct sockaddr *)&sa, &sl) != 0 ||
        pthread_create(&t, NULL, serve, NULL) != 0) {
        fprintf(stderr, "fz-httpd: cannot listen on loopback\n");
        abort();
    }
    pthread_detach(t);
    port = ntohs(sa.sin_port);
    snprintf(origin, sizeof origin, "http://127.0.0.1:%u", (unsigned)port);
    return port;
}

const char *fz_httpd_origin(void)
{
    return origin;
}

void fz_httpd_set(int status, const char *extra_headers, const void *body, size_t len)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d Fuzz\r\nContent-Type: application/json; charset=utf-8\r\n"
                     "%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, extra_headers, len);
    if (n < 0 || (size_t)n >= sizeof head)
        abort();
    char *r = malloc((size_t)n + len);
    if (!r)
        abort();
    memcpy(r, head, (size_t)n);
    if (len)
        memcpy(r + n, body, len);
    pthread_mutex_lock(&lock);
    free(response);
    response = r;
    response_len = (size_t)n + len;
    pthread_mutex_unlock(&lock);
}
