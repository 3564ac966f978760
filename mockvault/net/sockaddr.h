/* sockaddr.h: socket addresses: IP literals, loopback, comparison. Used by the proxy (its
 * listener, its target, its tunnels) and by the transport's peer check (docs/threat-model.md). */
#ifndef MV_SOCKADDR_H
#define MV_SOCKADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets) and port into ss. Returns 0, or -1
 * when addr is not such a literal. */
int mv_sockaddr_parse(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);

/* True for 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8. */
bool mv_sockaddr_is_loopback(const struct sockaddr *sa);

/* True when a and b have the same family, address and port. */
bool mv_sockaddr_same(const struct sockaddr_storage *a, const struct sockaddr *b);

#endif
