/* proxy-int.h: the proxy's request-head check, apart from its sockets so that the fuzz target
 * (fuzz/fuzz-proxy.c) drives the same code the proxy runs. Only proxy.c and fuzz/ include it. */
#ifndef MV_PROXY_INT_H
#define MV_PROXY_INT_H

#include <stddef.h>

/* Host names are at most 253 characters; a bracketed IPv6 literal with zone is far shorter. */
#define MV_PROXY_HOST_MAX 255

/* Why a request was refused, with the reply it gets. */
enum reply_kind {
    R_BAD_REQUEST,
    R_TIMEOUT,
    R_TOO_LARGE,
    R_METHOD,
    R_FORBIDDEN_HOST,
    R_FORBIDDEN_PORT,
    R_BAD_GATEWAY,
};

/* Checks a complete request head head[0..head_len) (request line and headers, as read_head
 * delimits it; not NUL-terminated): "CONNECT host:443 HTTP/1.x" naming an impersonated Azure
 * host. Returns 0 when the tunnel may open, with host (lower case) and *port filled; otherwise 1
 * with *kind set to the refusal. host and *port are filled for R_FORBIDDEN_HOST and
 * R_FORBIDDEN_PORT too, for the refusal's log line. */
int mv_proxy_check_head(const char *head, size_t head_len, char host[MV_PROXY_HOST_MAX + 1],
                        unsigned *port, enum reply_kind *kind);

#endif
