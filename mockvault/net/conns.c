/* conns.c: connection counting, per-peer caps, the request deadline and the request-target
 * guard of the libmicrohttpd listeners (conns.h, docs/limits.md). */
#include "conns.h"

/* glibc's struct tcp_info stops before tcpi_bytes_received; the kernel's header has it. */
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "util.h"

/* How often the watcher looks at the connections: a deadline is enforced within two ticks. */
#define TICK_MS 250
/* Descriptors kept free for everything but client connections (state files, the audit log, the
 * proxy's sockets, libcurl in an embedding test). */
#define FD_RESERVE 256
#define PEER_BUCKETS 256
#define PENDING_BUCKETS 64
/* How much later than a connection became idle data must have arrived for the watcher to know it
 * came after: the kernel's age of the last data received counts in scheduler ticks (1 to 10 ms). */
#define DATA_AGE_SLACK_MS 20.0

char mv_conns_uri_refused;

enum phase {
    PH_IDLE,      /* between requests: waiting for the next request's first byte */
    PH_RECEIVING, /* a request's first byte came: the deadline runs */
    PH_ANSWERING, /* the request arrived whole and is being answered */
};

/* Connections from one peer address. */
struct peer {
    struct peer *next;
    unsigned char addr[16];
    size_t alen;
    unsigned count; /* admitted connections */
    unsigned open;  /* open connections, refused ones included (libmicrohttpd's former cap) */
};

/* One connection, the libmicrohttpd socket context. Fields are under the set's lock. */
struct conn {
    struct conn *prev, *next;
    struct mv_conns *set;
    int fd;
    struct peer *peer;    /* NULL for a refused connection */
    struct peer *from;    /* the peer's entry, for the open count; NULL when unknown */
    const void *listener; /* the acceptor that placed it, and on which of its daemons */
    unsigned daemon;
    enum mv_conn_refusal refusal; /* over a cap when it arrived */
    enum phase phase;
    unsigned long long idle_bytes; /* bytes received when the connection last became idle */
    bool idle_bytes_known;         /* false: the watcher has not read them yet */
    double since;                  /* monotonic seconds: when the phase began */
    bool cut;                      /* the watcher shut the socket down */
};

struct mv_conns {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC; signalled to stop the watcher */
    bool stopping;
    bool started;
    pthread_t watcher;
    struct mv_conns_limits lim; /* in force */
    unsigned mhd_limit;         /* libmicrohttpd's caps: ours plus room for refusals */
    unsigned mhd_per_ip;
    unsigned admitted; /* connections counted against the caps */
    unsigned open;     /* every open connection, refused ones included */
    struct conn *head;
    /* Connections the acceptor has counted that no daemon has taken up yet, by descriptor. */
    struct conn *pending[PENDING_BUCKETS];
    struct peer *peers[PEER_BUCKETS];
    struct mv_log *log; /* borrowed */
};

/* The peer address as bytes: IPv4 (also when mapped into IPv6) or IPv6. */
static size_t peer_key(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa && sa->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 4;
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(out, a->s6_addr + 12, 4);
            return 4;
        }
        memcpy(out, a->s6_addr, 16);
        return 16;
    }
    return 0;
}

static unsigned peer_bucket(const unsigned char *a, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ a[i]) * 16777619u;
    return h % PEER_BUCKETS;
}

/* The entry of a peer address, created with count 0 when absent; NULL when out of memory. */
static struct peer *peer_get(struct mv_conns *c, const unsigned char *a, size_t n)
{
    struct peer **b = &c->peers[peer_bucket(a, n)], *p;

    for (p = *b; p; p = p->next)
        if (p->alen == n && memcmp(p->addr, a, n) == 0)
            return p;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    memcpy(p->addr, a, n);
    p->alen = n;
    p->next = *b;
    *b = p;
    return p;
}

/* Frees p when no connection counts on it. */
static void peer_release(struct mv_conns *c, struct peer *p)
{
    struct peer **b;

    if (p->count > 0 || p->open > 0)
        return;
    for (b = &c->peers[peer_bucket(p->addr, p->alen)]; *b; b = &(*b)->next) {
        if (*b == p) {
            *b = p->next;
            free(p);
            return;
        }
    }
}

/* The kernel's TCP counters of the socket; false when it cannot tell. */
static bool tcp_counters(int fd, struct tcp_info *ti)
{
    socklen_t len = sizeof *ti;

    memset(ti, 0, sizeof *ti);
    return fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0;
}

/* Whether the next request's first byte has come to the idle connection k, with the watcher's
 * single look at the socket per tick. A connection that became idle since the last tick has no
 * byte count yet: reading it on every response cost each request a system call, so the count is
 * taken here, and data that arrived after the connection became idle (by the kernel's age of the
 * last data received) counts as the first byte. Data within DATA_AGE_SLACK_MS of that moment is
 * counted with the baseline, as data that arrives while a request is being answered always was. */
static bool idle_got_data(struct conn *k, double now)
{
    struct tcp_info ti;
    bool ok = tcp_counters(k->fd, &ti);

    if (!k->idle_bytes_known) {
        k->idle_bytes_known = true;
        if (ok && (double)ti.tcpi_last_data_recv + DATA_AGE_SLACK_MS < (now - k->since) * 1000.0)
            return true;
        k->idle_bytes = ok ? (unsigned long long)ti.tcpi_bytes_received : 0;
        return false;
    }
    return (ok ? (unsigned long long)ti.tcpi_bytes_received : 0) > k->idle_bytes;
}

static struct conn *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Counts connection k from sa against the caps and gives it its verdict (under the lock). Returns
 * false, counting nothing, when even the hard caps are full: the connection is to be closed. */
static bool admit_locked(struct mv_conns *c, struct conn *k, const struct sockaddr *sa)
{
    unsigned char key[16];
    size_t klen = peer_key(sa, key);
    struct peer *p = peer_get(c, key, klen);

    /* Over the hard caps (ours plus room for refusals) nothing is answered, as libmicrohttpd did
     * at its own caps: the refusal itself must not exhaust the descriptors. */
    if (c->open >= c->mhd_limit || (p && p->open >= c->mhd_per_ip)) {
        if (p)
            peer_release(c, p);
        return false;
    }
    if (c->admitted >= c->lim.max_connections)
        k->refusal = MV_CONN_OVER_TOTAL;
    else if (!p || p->count >= c->lim.max_connections_per_ip)
        k->refusal = MV_CONN_OVER_PEER;
    if (k->refusal == MV_CONN_ADMITTED) {
        c->admitted++;
        p->count++;
        k->peer = p;
    }
    c->open++;
    if (p)
        p->open++;
    k->from = p;
    return true;
}

/* Undoes admit_locked (under the lock) and frees k. */
static void release_locked(struct mv_conns *c, struct conn *k)
{
    if (k->peer) {
        c->admitted--;
        k->peer->count--;
    }
    c->open--;
    if (k->from) {
        k->from->open--;
        peer_release(c, k->from);
    }
    free(k);
}

static struct conn *conn_new(struct mv_conns *c, int fd)
{
    struct conn *k = calloc(1, sizeof *k);

    if (!k)
        return NULL;
    k->set = c;
    k->fd = fd;
    k->phase = PH_IDLE;
    k->idle_bytes_known = true; /* none yet: over TLS the handshake starts the first request */
    k->since = mv_mono_now();
    return k;
}

static struct conn **pending_bucket(struct mv_conns *c, int fd)
{
    return &c->pending[(unsigned)fd % PENDING_BUCKETS];
}

/* Takes the pending entry of descriptor fd out of the table (under the lock); NULL if none. */
static struct conn *pending_take(struct mv_conns *c, int fd)
{
    struct conn **b = pending_bucket(c, fd);

    for (; *b; b = &(*b)->next)
        if ((*b)->fd == fd) {
            struct conn *k = *b;
            *b = k->next;
            k->next = NULL;
            return k;
        }
    return NULL;
}

bool mv_conns_admit(struct mv_conns *c, int fd, const struct sockaddr *sa, const void *listener,
                    unsigned daemon)
{
    struct conn *k = conn_new(c, fd), *stale;
    bool ok = true;

    /* Out of memory: the connection goes on uncounted (the safe side for a test tool). */
    if (!k)
        return true;
    k->listener = listener;
    k->daemon = daemon;
    pthread_mutex_lock(&c->lock);
    /* An entry for the same descriptor belongs to a connection libmicrohttpd closed without
     * taking it up (its own refusal of an added connection): the number was free again. */
    if ((stale = pending_take(c, fd)) != NULL)
        release_locked(c, stale);
    if (admit_locked(c, k, sa)) {
        struct conn **b = pending_bucket(c, fd);
        k->next = *b;
        *b = k;
    } else {
        free(k);
        ok = false;
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

/* Whether k counts as busy for the acceptor's choice: a request under way, or one finished
 * within the last second (a client between requests on a kept-alive connection). */
static bool conn_active(const struct conn *k, double now)
{
    return k->phase != PH_IDLE || now - k->since < 1.0;
}

void mv_conns_load(struct mv_conns *c, const void *listener, unsigned n, unsigned *active,
                   unsigned *total)
{
    double now = mv_mono_now();

    memset(active, 0, n * sizeof *active);
    memset(total, 0, n * sizeof *total);
    pthread_mutex_lock(&c->lock);
    for (const struct conn *k = c->head; k; k = k->next)
        if (k->listener == listener && k->daemon < n) {
            total[k->daemon]++;
            active[k->daemon] += conn_active(k, now);
        }
    /* Connections not taken up yet are about to send their first request. */
    for (size_t i = 0; i < PENDING_BUCKETS; i++)
        for (const struct conn *k = c->pending[i]; k; k = k->next)
            if (k->listener == listener && k->daemon < n) {
                total[k->daemon]++;
                active[k->daemon]++;
            }
    pthread_mutex_unlock(&c->lock);
}

void mv_conns_forget(struct mv_conns *c, int fd)
{
    struct conn *k;

    pthread_mutex_lock(&c->lock);
    if ((k = pending_take(c, fd)) != NULL)
        release_locked(c, k);
    pthread_mutex_unlock(&c->lock);
}

/* A daemon takes a connection up: the acceptor's entry when it counted one (in accept order, so a
 * burst spread over several daemons meets the caps exactly), else counted here. */
static void conn_started(struct mv_conns *c, struct MHD_Connection *mc, void **ctx)
{
    const union MHD_ConnectionInfo *fdi =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    int fd = fdi ? fdi->connect_fd : -1;
    struct conn *k;

    pthread_mutex_lock(&c->lock);
    k = fd >= 0 ? pending_take(c, fd) : NULL;
    if (!k && (k = conn_new(c, fd)) != NULL && !admit_locked(c, k, ai ? ai->client_addr : NULL)) {
        /* Over the hard caps: answered as refused over the total. The acceptor closes such
         * connections before this; only one it could not count (out of memory) gets here. */
        k->refusal = MV_CONN_OVER_TOTAL;
        c->open++;
    }
    /* Out of memory: the connection goes on uncounted and unwatched (the safe side for a test
     * tool: it is served). */
    if (k) {
        k->since = mv_mono_now();
        k->next = c->head;
        if (c->head)
            c->head->prev = k;
        c->head = k;
    }
    pthread_mutex_unlock(&c->lock);
    *ctx = k;
}

/* libmicrohttpd tells of a connection's start and end. It calls the end before it closes the
 * socket, so the watcher, which uses the socket only under the lock, never touches a descriptor
 * number that has been closed and reused. */
static void on_connection(void *cls, struct MHD_Connection *mc, void **ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    struct mv_conns *c = cls;
    struct conn *k = *ctx;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_started(c, mc, ctx);
        return;
    }
    if (!k)
        return;
    pthread_mutex_lock(&c->lock);
    if (k->prev)
        k->prev->next = k->next;
    else
        c->head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    release_locked(c, k);
    pthread_mutex_unlock(&c->lock);
    *ctx = NULL;
}

/* libmicrohttpd 0.9.75 parses the query into records in the connection's memory pool right
 * after this callback; when the pool runs out it queues a 431 that it then never sends, and the
 * client waits for nothing. So a target over the limits has its query cut here, in
 * libmicrohttpd's own writable copy of the request line that it parses next (uri points into it,
 * and the query is the NUL-terminated text after the '?'), and the request is marked for a 414. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
    char *q = uri ? strchr(uri, '?') : NULL;
    size_t params = 0;

    (void)cls;
    (void)mc;
    if (!uri)
        return NULL;
    if (!q)
        return strlen(uri) > MV_URI_MAX ? MV_URI_REFUSED : NULL;
    if (q[1])
        params = 1;
    for (const char *p = q + 1; *p; p++)
        params += *p == '&';
    if (params <= MV_QUERY_PARAMS_MAX && strlen(uri) <= MV_URI_MAX)
        return NULL;
    q[1] = '\0';
    return MV_URI_REFUSED;
}

/* One look at every connection: a request's first byte starts its deadline; a request past its
 * deadline, and a refused connection past its grace, has its socket shut down, on which
 * libmicrohttpd closes it. Returns how many were cut for each reason. */
static void watch_once(struct mv_conns *c, unsigned *slow, unsigned *refused)
{
    double now = mv_mono_now();

    pthread_mutex_lock(&c->lock);
    for (struct conn *k = c->head; k; k = k->next) {
        bool cut = false;

        if (k->cut || k->fd < 0)
            continue;
        if (k->refusal != MV_CONN_ADMITTED) {
            cut = k->phase != PH_ANSWERING && now - k->since >= MV_REFUSED_GRACE_MS / 1000.0;
            *refused += cut;
        } else if (k->phase == PH_IDLE) {
            if (idle_got_data(k, now)) {
                k->phase = PH_RECEIVING;
                k->since = now;
            }
        } else if (k->phase == PH_RECEIVING) {
            cut = now - k->since >= (double)c->lim.request_timeout;
            *slow += cut;
        }
        if (cut) {
            shutdown(k->fd, SHUT_RDWR);
            k->cut = true;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

static void *watcher_main(void *arg)
{
    struct mv_conns *c = arg;
    struct timespec ts;

    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        unsigned slow = 0, refused = 0;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->wake, &c->lock, &ts);
        if (c->stopping)
            break;
        pthread_mutex_unlock(&c->lock);
        watch_once(c, &slow, &refused);
        if (slow)
            mv_log_notice(c->log,
                          "closed %u connection(s) whose request did not arrive whole within "
                          "%u s (--request-timeout)",
                          slow, c->lim.request_timeout);
        if (refused)
            mv_log_notice(c->log,
                          "closed %u refused connection(s) that sent no request within %d s",
                          refused, MV_REFUSED_GRACE_MS / 1000);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Raises the soft descriptor limit to the hard one and lowers the caps to what it can hold. */
static void fit_nofile(struct mv_conns *c)
{
    struct rlimit rl;
    unsigned long long room;

    c->mhd_limit = c->lim.max_connections +
                   (c->lim.max_connections / 4 > 64 ? c->lim.max_connections / 4 : 64);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY)
        return;
    /* Both listeners (HTTPS and managed identity) may each reach libmicrohttpd's cap. */
    room = rl.rlim_cur > FD_RESERVE ? (rl.rlim_cur - FD_RESERVE) / 2 : 16;
    if (c->mhd_limit <= room)
        return;
    c->mhd_limit = (unsigned)room;
    c->lim.max_connections = c->mhd_limit * 4 / 5 > 0 ? c->mhd_limit * 4 / 5 : 1;
    if (c->lim.max_connections_per_ip > c->lim.max_connections)
        c->lim.max_connections_per_ip = c->lim.max_connections;
    mv_log_notice(c->log,
                  "the descriptor limit (RLIMIT_NOFILE %llu) holds %u connections: "
                  "--max-connections lowered to %u",
                  (unsigned long long)rl.rlim_cur, c->mhd_limit, c->lim.max_connections);
}

struct mv_conns *mv_conns_create(const struct mv_conns_limits *asked, struct mv_log *log, char *err,
                                 size_t errlen)
{
    struct mv_conns *c = calloc(1, sizeof *c);
    pthread_condattr_t ca;

    if (!c) {
        mv_set_err(err, errlen, "out of memory");
        return NULL;
    }
    c->log = log;
    c->lim.max_connections =
        asked->max_connections ? asked->max_connections : MV_MAX_CONNECTIONS_DEFAULT;
    c->lim.max_connections_per_ip = asked->max_connections_per_ip
                                        ? asked->max_connections_per_ip
                                        : MV_MAX_CONNECTIONS_PER_IP_DEFAULT;
    if (c->lim.max_connections_per_ip > c->lim.max_connections)
        c->lim.max_connections_per_ip = c->lim.max_connections;
    c->lim.request_timeout =
        asked->request_timeout ? asked->request_timeout : MV_REQUEST_TIMEOUT_DEFAULT;
    c->lim.idle_timeout = asked->idle_timeout ? asked->idle_timeout : MV_IDLE_TIMEOUT_DEFAULT;
    fit_nofile(c);
    c->mhd_per_ip = c->lim.max_connections_per_ip + (c->mhd_limit - c->lim.max_connections);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&c->watcher, NULL, watcher_main, c) != 0) {
        mv_set_err(err, errlen, "cannot start the connection watcher thread");
        mv_conns_destroy(c);
        return NULL;
    }
    c->started = true;
    return c;
}

void mv_conns_destroy(struct mv_conns *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    if (c->started)
        pthread_join(c->watcher, NULL);
    /* Entries no daemon took up (connections libmicrohttpd closed at its stop). */
    for (size_t i = 0; i < PENDING_BUCKETS; i++)
        while (c->pending[i]) {
            struct conn *k = c->pending[i];
            c->pending[i] = k->next;
            free(k);
        }
    /* The daemons have stopped, so every connection has been closed and unlisted; peers left
     * over (none are expected) are freed all the same. */
    for (size_t i = 0; i < PEER_BUCKETS; i++) {
        while (c->peers[i]) {
            struct peer *p = c->peers[i];
            c->peers[i] = p->next;
            free(p);
        }
    }
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void mv_conns_effective(const struct mv_conns *c, struct mv_conns_limits *out)
{
    *out = c->lim;
}

void mv_conns_mhd_options(struct mv_conns *c, struct MHD_OptionItem items[9])
{
    /* The acceptor counts every connection in accept order and closes those over the hard caps
     * (mv_conns_admit), so libmicrohttpd's own caps, per daemon, only back that up: a daemon may
     * hold all of them. */
    struct MHD_OptionItem o[9] = {
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, c},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, c},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)c->mhd_limit, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)c->mhd_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)c->lim.idle_timeout, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)MV_CONN_MEMORY, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (intptr_t)MV_CONN_MEMORY_INCREMENT, NULL},
        {MHD_OPTION_END, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
    };

    memcpy(items, o, sizeof o);
}

enum mv_conn_refusal mv_conns_refusal(struct MHD_Connection *mc)
{
    struct conn *k = conn_of(mc);
    return k ? k->refusal : MV_CONN_ADMITTED;
}

void mv_conns_answering(struct MHD_Connection *mc)
{
    struct conn *k = conn_of(mc);

    if (!k)
        return;
    pthread_mutex_lock(&k->set->lock);
    k->phase = PH_ANSWERING;
    pthread_mutex_unlock(&k->set->lock);
}

void mv_conns_idle(struct MHD_Connection *mc)
{
    struct conn *k = conn_of(mc);

    if (!k)
        return;
    /* The watcher reads the byte count at its next look (idle_got_data). */
    pthread_mutex_lock(&k->set->lock);
    k->phase = PH_IDLE;
    k->idle_bytes_known = false;
    k->since = mv_mono_now();
    pthread_mutex_unlock(&k->set->lock);
}
