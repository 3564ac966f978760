/* cx-host.c: host[:port] and URL authority splitting. */
#include "cx-host.h"

#include <arpa/inet.h>
#include <string.h>

#include "cx-text.h"

static bool hex_digit(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool name_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.' || c == '_';
}

/* Inside brackets: hex digits, ':' and '.', then after a '%' a zone id of name characters. */
static bool ipv6_chars(const char *s, size_t n)
{
    bool zone = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && !zone)
            zone = true;
        else if (zone ? !name_char(c) : !(hex_digit(c) || c == ':' || c == '.'))
            return false;
    }
    return true;
}

/* Parses the port digits p[0..n). */
static int take_port(const char *p, size_t n, unsigned *port)
{
    unsigned v = 0;
    if (n == 0 || n > 5)
        return CX_HP_E_PORT;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return CX_HP_E_PORT;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return CX_HP_E_PORT;
    *port = v;
    return CX_HP_OK;
}

int cx_hostport_split(const char *s, size_t len, unsigned flags, struct cx_hostport *out)
{
    const char *host = s, *colon = NULL;
    size_t hlen;
    int rc = CX_HP_OK;

    memset(out, 0, sizeof *out);
    if (!s || len == 0)
        return CX_HP_E_EMPTY;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) {
            rc = CX_HP_E_BRACKET;
            goto out;
        }
        host = s + 1;
        hlen = (size_t)(close - host);
        if (close + 1 < s + len) {
            if (close[1] != ':') {
                rc = CX_HP_E_BRACKET;
                goto out;
            }
            colon = close + 1;
        }
        out->ipv6 = true;
    } else {
        colon = memchr(s, ':', len);
        /* Two or more ':' without brackets: a bare IPv6 address, which cannot carry a port. */
        if (colon && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
            colon = NULL;
            out->ipv6 = true;
        }
        hlen = colon ? (size_t)(colon - s) : len;
    }
    if (hlen == 0) {
        rc = CX_HP_E_EMPTY;
        goto out;
    }
    for (size_t i = 0; i < hlen; i++) {
        unsigned char c = (unsigned char)host[i];
        /* Never acceptable in a host, whatever the flags: they would end or forge a header. */
        if (c <= ' ' || c == 0x7f || c == '/' || c == '@' || c == '[' || c == ']') {
            rc = CX_HP_E_BAD_CHAR;
            goto out;
        }
        if ((flags & CX_HP_NAME_CHARS) && !out->ipv6 && !name_char(c)) {
            rc = CX_HP_E_BAD_CHAR;
            goto out;
        }
    }
    if ((flags & CX_HP_NAME_CHARS) && out->ipv6 && !ipv6_chars(host, hlen)) {
        rc = CX_HP_E_BAD_CHAR;
        goto out;
    }
    if (colon) {
        rc = take_port(colon + 1, len - (size_t)(colon + 1 - s), &out->port);
        if (rc != CX_HP_OK)
            goto out;
        out->has_port = true;
    } else if (flags & CX_HP_NEED_PORT) {
        rc = CX_HP_E_NO_PORT;
        goto out;
    }
    bool brackets = out->ipv6 && (flags & CX_HP_KEEP_BRACKETS);
    if (hlen + (brackets ? 2 : 0) > CX_HOST_MAX) {
        rc = CX_HP_E_TOO_LONG;
        goto out;
    }
    size_t o = 0;
    if (brackets)
        out->host[o++] = '[';
    memcpy(out->host + o, host, hlen);
    o += hlen;
    if (brackets)
        out->host[o++] = ']';
    out->host[o] = '\0';
    if (flags & CX_HP_LOWER)
        cx_str_lower(out->host);
out:
    if (rc != CX_HP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

const char *cx_hostport_strerror(int err)
{
    switch (err) {
    case CX_HP_OK: return "no error";
    case CX_HP_E_EMPTY: return "the host is empty";
    case CX_HP_E_BRACKET:
        return "an IPv6 literal needs its closing ']', and only ':port' may follow it";
    case CX_HP_E_PORT: return "the port is not a number from 1 to 65535";
    case CX_HP_E_NO_PORT: return "a port is required";
    case CX_HP_E_TOO_LONG: return "the host is too long";
    case CX_HP_E_BAD_CHAR: return "the host holds a character a host name cannot have";
    }
    return "unknown host:port error";
}

int cx_url_split(const char *url, unsigned flags, struct cx_url *out)
{
    const char *sep = url ? strstr(url, "://") : NULL;
    size_t sl = sep ? (size_t)(sep - url) : 0;

    memset(out, 0, sizeof *out);
    if (!sep || sl == 0 || sl >= sizeof out->scheme || strcspn(url, "/?#") < sl)
        return CX_HP_E_EMPTY;
    memcpy(out->scheme, url, sl);
    cx_str_lower(out->scheme);
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    /* userinfo ends at the last '@' of the authority; it is never part of the host. */
    for (size_t i = alen; i > 0; i--) {
        if (auth[i - 1] == '@') {
            auth += i;
            alen -= i;
            break;
        }
    }
    int rc = cx_hostport_split(auth, alen, flags, &out->hp);
    if (rc != CX_HP_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->path = auth + alen;
    return CX_HP_OK;
}

bool cx_host_is_ip(const char *host)
{
    unsigned char addr[16];
    char buf[64];
    size_t n = host ? strlen(host) : 0;

    if (n == 0)
        return false;
    if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
        return true;
    if (n >= 2 && n < sizeof buf && host[0] == '[' && host[n - 1] == ']') {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        return inet_pton(AF_INET6, buf, addr) == 1;
    }
    return false;
}
