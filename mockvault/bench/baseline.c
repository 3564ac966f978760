/* baseline.c: the benchmark baseline: a bare libmicrohttpd TLS server with the same thread pool
 * that answers every request with fixed bytes (a captured mockvault GET-secret response), so
 * scripts/bench can express mockvault's throughput as a ratio against it. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>

struct canned {
    char *body;
    size_t body_len;
    char **names, **values; /* response headers */
    size_t nheaders;
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            if (len)
                *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    const struct canned *c = cls;
    struct MHD_Response *resp;
    enum MHD_Result ok;

    if (!*req_cls) {
        *req_cls = (void *)1;
        return MHD_YES;
    }
    resp = MHD_create_response_from_buffer(c->body_len, c->body, MHD_RESPMEM_PERSISTENT);
    for (size_t i = 0; i < c->nheaders; i++)
        MHD_add_response_header(resp, c->names[i], c->values[i]);
    ok = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ok;
}

int main(int argc, char **argv)
{
    struct canned c = {0};
    char *cert, *key, *hdrs, *line, *save = NULL;
    struct MHD_Daemon *d;
    sigset_t set;
    int sig;

    if (argc != 7) {
        fprintf(stderr, "usage: %s PORT THREADS CERT KEY BODY_FILE HEADERS_FILE\n", argv[0]);
        return 2;
    }
    cert = slurp(argv[3], NULL);
    key = slurp(argv[4], NULL);
    c.body = slurp(argv[5], &c.body_len);
    hdrs = slurp(argv[6], NULL);
    if (!cert || !key || !c.body || !hdrs) {
        fprintf(stderr, "baseline: cannot read an input file\n");
        return 1;
    }
    c.names = calloc(64, sizeof *c.names);
    c.values = calloc(64, sizeof *c.values);
    /* "Name: value" lines; Date and Content-Length are added by MHD itself. */
    for (line = strtok_r(hdrs, "\r\n", &save); line && c.nheaders < 64;
         line = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon || strncasecmp(line, "Date", 4) == 0 ||
            strncasecmp(line, "Content-Length", 14) == 0)
            continue;
        *colon = '\0';
        c.names[c.nheaders] = line;
        c.values[c.nheaders] = colon + 1 + strspn(colon + 1, " ");
        c.nheaders++;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS, (uint16_t)atoi(argv[1]),
        NULL, NULL, on_request, &c, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
        MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "baseline: cannot start\n");
        return 1;
    }
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
