/* conns.h: the connection limits of the libmicrohttpd listeners (docs/limits.md). Every accepted
 * connection is counted, in total and per peer address; one over --max-connections or
 * --max-connections-per-ip is still accepted but answered 503 with a Key Vault error body and
 * closed, so a client sees a clean refusal instead of waiting in the kernel's backlog. A watcher
 * thread closes connections whose request (head and body) takes longer than --request-timeout to
 * arrive, which libmicrohttpd's inactivity timeout alone does not: a client sending one byte every
 * few seconds is never inactive. The request-target guard answers 414 before libmicrohttpd parses
 * a query that would exhaust its per-connection memory pool (which makes libmicrohttpd 0.9.75 send
 * nothing at all). */
#ifndef MV_CONNS_H
#define MV_CONNS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "log.h"

/* Defaults of the options (main.c, config.h). */
#define MV_MAX_CONNECTIONS_DEFAULT 4096
#define MV_MAX_CONNECTIONS_PER_IP_DEFAULT 3072 /* a quarter stays for other peer addresses */
#define MV_REQUEST_TIMEOUT_DEFAULT 30          /* seconds from a request's first byte to its end */
#define MV_IDLE_TIMEOUT_DEFAULT 60             /* seconds without any traffic */

/* libmicrohttpd's memory pool per connection: it holds the request head, one record per header
 * and query parameter (about 64 bytes each), and the response head. A head that does not fit is
 * answered 431 or 414 by libmicrohttpd itself. The increment is how much the read buffer grows
 * at a time; libmicrohttpd stops growing it greedily while less than 8 increments are free,
 * which keeps room for the records of the query parameters the guard below allows. */
#define MV_CONN_MEMORY (64 * 1024)
#define MV_CONN_MEMORY_INCREMENT (4 * 1024)
/* The request-target guard: a target longer than this, or with more query parameters, gets 414
 * with a Key Vault error body (the parameters' records would not fit in the pool). */
#define MV_URI_MAX (16 * 1024)
#define MV_QUERY_PARAMS_MAX 256
/* A refused connection is closed this long after it was accepted if its request has not come
 * (the 503 needs the request head, and over TLS the handshake, first). */
#define MV_REFUSED_GRACE_MS 5000

/* The limits asked for; 0 in a field means its default. */
struct mv_conns_limits {
    unsigned max_connections;
    unsigned max_connections_per_ip;
    unsigned request_timeout; /* seconds */
    unsigned idle_timeout;    /* seconds */
};

struct mv_conns;

/* Raises RLIMIT_NOFILE's soft limit to the hard limit, lowers the connection caps (with a notice
 * in log) when even the hard limit cannot hold them, and starts the watcher thread. log is
 * borrowed and must outlive the result. NULL with a message in err on failure. */
struct mv_conns *mv_conns_create(const struct mv_conns_limits *asked, struct mv_log *log, char *err,
                                 size_t errlen);
/* Stops the watcher and frees c. Call after every daemon using c has stopped. Accepts NULL. */
void mv_conns_destroy(struct mv_conns *c);

/* The limits in force after mv_conns_create (defaults filled in, caps lowered to fit). */
void mv_conns_effective(const struct mv_conns *c, struct mv_conns_limits *out);

/* Options for MHD_start_daemon (as an MHD_OPTION_ARRAY): the connection notifications, the
 * request-target guard, libmicrohttpd's own connection caps (ours plus headroom for refusals),
 * the inactivity timeout and the memory pool. items must hold 9 entries; the last is
 * MHD_OPTION_END. */
void mv_conns_mhd_options(struct mv_conns *c, struct MHD_OptionItem items[9]);

/* The acceptor (accept.h) counts connection fd from peer sa as it accepts it, so the caps see
 * connections in accept order whichever daemon then takes each up; listener and daemon say where
 * it goes (mv_conns_load). Returns false when even the hard caps (libmicrohttpd's former ones, a
 * quarter above ours) are full: close it unanswered. */
bool mv_conns_admit(struct mv_conns *c, int fd, const struct sockaddr *sa, const void *listener,
                    unsigned daemon);
/* For each daemon i < n of listener (as given to mv_conns_admit): its connections in total[i],
 * and in active[i] those with a request under way or finished within the last second. */
void mv_conns_load(struct mv_conns *c, const void *listener, unsigned n, unsigned *active,
                   unsigned *total);
/* Drops the count of an admitted fd that no daemon will take up (libmicrohttpd refused it). */
void mv_conns_forget(struct mv_conns *c, int fd);

/* What the URI log callback returns (as the request's first req_cls) for a request target over
 * MV_URI_MAX or MV_QUERY_PARAMS_MAX: the transport answers 414 and never frees it. */
extern char mv_conns_uri_refused;
#define MV_URI_REFUSED ((void *)&mv_conns_uri_refused)

/* Why a connection may not be served: it arrived over a cap. */
enum mv_conn_refusal { MV_CONN_ADMITTED = 0, MV_CONN_OVER_TOTAL, MV_CONN_OVER_PEER };
enum mv_conn_refusal mv_conns_refusal(struct MHD_Connection *conn);
/* The request on conn has arrived whole and is being answered: its deadline no longer runs (a
 * fault's delay may hold it for long). */
void mv_conns_answering(struct MHD_Connection *conn);
/* The request on conn is finished: the connection is idle until the next request's first byte. */
void mv_conns_idle(struct MHD_Connection *conn);

#endif
