/* accept.h: one listening socket whose connections are spread over several libmicrohttpd
 * daemons, each with one thread (--threads). libmicrohttpd's own thread pool lets every worker
 * accept from the shared socket, and a worker that wakes accepts several connections in a row:
 * two clients connecting together often land on the same worker and share one core while the
 * other idles (two RS256 signers got half the signs per second). Here one thread accepts and gives
 * each connection to the daemon with the fewest busy connections, taking turns among equals
 * (docs/limits.md). */
#ifndef MV_ACCEPT_H
#define MV_ACCEPT_H

#include <microhttpd.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conns.h"
#include "log.h"

struct mv_acceptor;

/* A listening TCP socket on sa (SO_REUSEADDR; IPv6 only for an IPv6 address), non-blocking and
 * close-on-exec, with its bound port in *port. Returns the descriptor, or -1 with errno set. */
int mv_listen_socket(const struct sockaddr *sa, socklen_t len, uint16_t *port);

/* Starts the thread that accepts on listen_fd (which it then owns and closes) and hands each
 * connection to one of daemons[0..n) (borrowed: they must outlive mv_acceptor_stop; each was
 * started with MHD_USE_NO_LISTEN_SOCKET and an internal thread). Each connection is counted in
 * conns (mv_conns_admit) as it is accepted. conns and log are borrowed. Returns NULL
 * with err set (listen_fd closed) on failure. */
struct mv_acceptor *mv_acceptor_start(int listen_fd, struct MHD_Daemon *const *daemons, unsigned n,
                                      struct mv_conns *conns, struct mv_log *log, char *err,
                                      size_t errlen);

/* Stops accepting, joins the thread and closes the socket; the daemons keep their connections.
 * Accepts NULL. */
void mv_acceptor_stop(struct mv_acceptor *a);

#endif
