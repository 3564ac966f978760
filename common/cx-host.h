/* cx-host.h: host[:port] splitting that knows IPv6 brackets, the authority of a URL, and IP
 * literal detection. One parser for Host headers, proxy CONNECT targets, vault URLs and
 * authorization URLs.
 *
 * Ownership: nothing here allocates. Results go into caller-owned structs; cx_url.path points
 * into the URL given. */
#ifndef CX_HOST_H
#define CX_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Longest host kept (a DNS name is at most 253 characters; brackets and a zone id fit). */
#define CX_HOST_MAX 255

struct cx_hostport {
    char host[CX_HOST_MAX + 1]; /* the host; an IPv6 literal without brackets unless asked */
    unsigned port;              /* 1-65535 when has_port, else 0 */
    bool has_port;
    bool ipv6; /* the host is an IPv6 literal (bracketed, or bare with several ':') */
};

enum cx_hostport_flags {
    CX_HP_LOWER = 1u << 0,         /* lower-case the host (ASCII) */
    CX_HP_KEEP_BRACKETS = 1u << 1, /* keep "[...]" around an IPv6 literal, as in a Host header */
    CX_HP_NEED_PORT = 1u << 2,     /* a port is required (authority-form CONNECT targets) */
    CX_HP_NAME_CHARS = 1u << 3,    /* the host must be letters, digits, '-', '.', '_' (an IPv6
                                      literal: hex digits, ':', '.', and '%' with a zone id) */
};

enum cx_hostport_error {
    CX_HP_OK = 0,
    CX_HP_E_EMPTY = -1,    /* no host */
    CX_HP_E_BRACKET = -2,  /* '[' without ']', or text between ']' and ':' */
    CX_HP_E_PORT = -3,     /* port empty, not digits, 0 or above 65535 */
    CX_HP_E_NO_PORT = -4,  /* CX_HP_NEED_PORT and none given */
    CX_HP_E_TOO_LONG = -5, /* host longer than CX_HOST_MAX */
    CX_HP_E_BAD_CHAR = -6, /* a character a host cannot hold */
};

/* Splits s[0..len) into host and port: "host", "host:443", "[::1]:8443", "[::1]", and a bare
 * "::1" (several ':' without brackets is an IPv6 address with no port, since RFC 3986 brackets
 * a literal that has one). Returns CX_HP_OK, or a negative cx_hostport_error with *out zeroed. */
int cx_hostport_split(const char *s, size_t len, unsigned flags, struct cx_hostport *out);

/* A short English phrase for a cx_hostport_error ("the port is not a number from 1 to 65535"). */
const char *cx_hostport_strerror(int err);

struct cx_url {
    char scheme[16];       /* lower-case, without "://" */
    struct cx_hostport hp; /* the authority without userinfo */
    const char *path;      /* into the URL: from the first '/', '?' or '#' after the authority,
                              or "" */
};

/* Splits an absolute URL "scheme://[userinfo@]host[:port][/path...]" (the host as
 * cx_hostport_split with flags). Not a validating URL parser: no percent-decoding, no IDN. Returns
 * CX_HP_OK, CX_HP_E_EMPTY when there is no "scheme://", or the authority's error. */
int cx_url_split(const char *url, unsigned flags, struct cx_url *out);

/* True when host is an IPv4 literal or an IPv6 literal (bare or in brackets). */
bool cx_host_is_ip(const char *host);

#endif
