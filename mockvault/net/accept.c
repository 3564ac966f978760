/* accept.c: the acceptor of accept.h. */
#include "accept.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct mv_acceptor {
    int fd;
    int wake[2]; /* a byte on wake[1] stops the thread */
    struct MHD_Daemon **daemons;
    unsigned n;
    unsigned *active, *total; /* scratch of least_busy, n each */
    unsigned next; /* where the search for the least busy daemon starts: turns among equals */
    struct mv_conns *conns;
    struct mv_log *log;
    pthread_t thread;
    bool started;
};

int mv_listen_socket(const struct sockaddr *sa, socklen_t len, uint16_t *port)
{
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    int one = 1, fd;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    /* SO_REUSEADDR lets a restarted mock take its port while old connections sit in TIME_WAIT;
     * v6only keeps ::1 from also claiming the IPv4 port, as libmicrohttpd does. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (sa->sa_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, sa, len) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &blen) != 0)
        goto fail;
    *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                              : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
fail:
    if (fd >= 0) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return -1;
}

/* The index of the daemon to take the next connection: the fewest busy connections (a request
 * under way or within the last second, mv_conns_load), then the fewest in all, searching from
 * a->next so that equals take turns. Counting only connections would put a client's second
 * working connection beside its first while its idle token connection holds the other daemon. */
static unsigned least_busy(struct mv_acceptor *a)
{
    unsigned best = a->next % a->n;

    mv_conns_load(a->conns, a, a->n, a->active, a->total);
    for (unsigned k = 1; k < a->n; k++) {
        unsigned i = (a->next + k) % a->n;
        if (a->active[i] < a->active[best] ||
            (a->active[i] == a->active[best] && a->total[i] < a->total[best]))
            best = i;
    }
    a->next = best + 1;
    return best;
}

/* Takes every connection waiting in the backlog. Returns false when out of descriptors (or
 * memory), so the caller pauses before trying again instead of spinning on the ready socket. */
static bool accept_waiting(struct mv_acceptor *a)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int c = accept4(a->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return !(errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM);
        }
        /* Counted here, in accept order, so the caps hold however the connections are spread;
         * over the hard caps the connection is closed unanswered, as libmicrohttpd did. */
        unsigned d = least_busy(a);
        if (!mv_conns_admit(a->conns, c, (struct sockaddr *)&peer, a, d)) {
            close(c);
            continue;
        }
        /* libmicrohttpd owns the socket from here, and closes it itself when it refuses it. */
        if (MHD_add_connection(a->daemons[d], c, (struct sockaddr *)&peer, plen) != MHD_YES)
            mv_conns_forget(a->conns, c);
    }
}

static void *acceptor_main(void *arg)
{
    struct mv_acceptor *a = arg;
    time_t last_notice = 0;

    for (;;) {
        struct pollfd p[2] = {{a->fd, POLLIN, 0}, {a->wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        if (!accept_waiting(a)) {
            /* The connection waits in the backlog until a descriptor is free; once a second the
             * log says why. */
            time_t now = time(NULL);
            if (now != last_notice)
                mv_log_notice(a->log, "cannot accept a connection: %s", strerror(errno));
            last_notice = now;
            poll(p + 1, 1, 50);
        }
    }
    return NULL;
}

struct mv_acceptor *mv_acceptor_start(int listen_fd, struct MHD_Daemon *const *daemons, unsigned n,
                                      struct mv_conns *conns, struct mv_log *log, char *err,
                                      size_t errlen)
{
    struct mv_acceptor *a = calloc(1, sizeof *a);

    if (!a) {
        close(listen_fd);
        mv_set_err(err, errlen, "out of memory");
        return NULL;
    }
    a->fd = listen_fd;
    a->wake[0] = a->wake[1] = -1;
    a->n = n;
    a->conns = conns;
    a->log = log;
    if (!(a->daemons = calloc(n, sizeof *a->daemons)) ||
        !(a->active = calloc(n, sizeof *a->active)) || !(a->total = calloc(n, sizeof *a->total))) {
        mv_set_err(err, errlen, "out of memory");
        goto fail;
    }
    memcpy(a->daemons, daemons, n * sizeof *daemons);
    if (pipe2(a->wake, O_CLOEXEC) != 0) {
        mv_set_err(err, errlen, "cannot create the acceptor's pipe: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&a->thread, NULL, acceptor_main, a) != 0) {
        mv_set_err(err, errlen, "cannot start the acceptor thread");
        goto fail;
    }
    pthread_setname_np(a->thread, "mv-accept");
    a->started = true;
    return a;
fail:
    mv_acceptor_stop(a);
    return NULL;
}

void mv_acceptor_stop(struct mv_acceptor *a)
{
    if (!a)
        return;
    if (a->started) {
        while (write(a->wake[1], "x", 1) < 0 && errno == EINTR)
            ;
        pthread_join(a->thread, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (a->wake[i] >= 0)
            close(a->wake[i]);
    close(a->fd);
    free(a->daemons);
    free(a->active);
    free(a->total);
    free(a);
}
