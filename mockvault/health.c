/* health.c: `mockvault --health [URL]`: one GET to a running mock, so that a container's
 * HEALTHCHECK needs no tool the minimal image lacks (curl, a shell). Plain HTTP, or HTTPS with
 * GnuTLS, which the mock links anyway. */
#include "health.h"

#include <gnutls/gnutls.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cx-host.h"

#define HEALTH_TIMEOUT_S 3

/* The mock cfg describes, on loopback: a wildcard bind address means this machine. */
static int default_url(const struct mv_server_config *cfg, char *buf, size_t len)
{
    const char *host = cfg->bind ? cfg->bind : "127.0.0.1";
    bool v6;

    if (cfg->port == 0) {
        fprintf(stderr, "mockvault: --health needs the mock's port (--port or MOCKVAULT_PORT)\n");
        return -1;
    }
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    v6 = strchr(host, ':') != NULL;
    snprintf(buf, len, "%s://%s%s%s:%d/_mock/health", cfg->http ? "http" : "https", v6 ? "[" : "",
             host, v6 ? "]" : "", cfg->port);
    return 0;
}

/* A connected TCP socket to host:port whose sends and receives give up after the timeout, or -1
 * with *why set. */
static int dial(const char *host, unsigned port, const char **why)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    struct timeval tv = {.tv_sec = HEALTH_TIMEOUT_S};
    char service[8];
    int fd = -1;

    snprintf(service, sizeof service, "%u", port);
    if (getaddrinfo(host, service, &hints, &res) != 0) {
        *why = "cannot resolve the host";
        return -1;
    }
    *why = "cannot connect";
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        /* On Linux SO_SNDTIMEO also bounds connect(). */
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* Sends req and reads the answer into buf (NUL-terminated, cut at len - 1) over fd, or over
 * TLS when tls is not NULL. Returns 0, or -1 with *why set. */
static int exchange(int fd, gnutls_session_t tls, const char *req, char *buf, size_t len,
                    const char **why)
{
    size_t got = 0;
    ssize_t n;

    n = tls ? gnutls_record_send(tls, req, strlen(req)) : send(fd, req, strlen(req), MSG_NOSIGNAL);
    if (n != (ssize_t)strlen(req)) {
        *why = "cannot send the request";
        return -1;
    }
    while (got < len - 1) {
        n = tls ? gnutls_record_recv(tls, buf + got, len - 1 - got)
                : recv(fd, buf + got, len - 1 - got, 0);
        if (tls && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED))
            continue;
        if (n <= 0)
            break; /* the end of the answer (Connection: close), a timeout or an error */
        got += (size_t)n;
    }
    buf[got] = '\0';
    if (got == 0) {
        *why = "no answer";
        return -1;
    }
    return 0;
}

int mv_health_check(const struct mv_server_config *cfg, const char *url)
{
    char def[300], req[1200], answer[4096], ca[4096] = "";
    const char *why = NULL;
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_session_t tls = NULL;
    struct cx_url u;
    unsigned port;
    int fd = -1, status = 0, rc;
    bool https;

    if (!url) {
        if (default_url(cfg, def, sizeof def) != 0)
            return 1;
        url = def;
    }
    if (cx_url_split(url, 0, &u) != CX_HP_OK ||
        (strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "http") != 0)) {
        fprintf(stderr, "mockvault: --health: '%s' is not an http:// or https:// URL\n", url);
        return 1;
    }
    https = strcmp(u.scheme, "https") == 0;
    port = u.hp.has_port ? u.hp.port : (https ? 443 : 80);
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: mockvault-health\r\n"
             "Connection: close\r\n\r\n",
             u.path[0] == '/' ? u.path : "/", u.hp.ipv6 ? "[" : "", u.hp.host, u.hp.ipv6 ? "]" : "",
             port);
    fd = dial(u.hp.host, port, &why);
    if (fd < 0)
        goto out;
    if (https) {
        if (cfg->state_dir)
            snprintf(ca, sizeof ca, "%s/ca.pem", cfg->state_dir);
        why = "TLS set-up failed";
        if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
            gnutls_init(&tls, GNUTLS_CLIENT) < 0 || gnutls_set_default_priority(tls) < 0 ||
            gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) < 0)
            goto out;
        /* With the mock's CA the certificate must be right for the host; without it, the probe
         * checks only that the mock answers. */
        if (ca[0] && access(ca, R_OK) == 0) {
            if (gnutls_certificate_set_x509_trust_file(cred, ca, GNUTLS_X509_FMT_PEM) <= 0)
                goto out;
            gnutls_session_set_verify_cert(tls, u.hp.host, 0);
        }
        if (!cx_host_is_ip(u.hp.host))
            gnutls_server_name_set(tls, GNUTLS_NAME_DNS, u.hp.host, strlen(u.hp.host));
        gnutls_transport_set_int(tls, fd);
        gnutls_handshake_set_timeout(tls, HEALTH_TIMEOUT_S * 1000);
        do {
            rc = gnutls_handshake(tls);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
        if (rc < 0) {
            why = gnutls_strerror(rc);
            goto out;
        }
    }
    if (exchange(fd, tls, req, answer, sizeof answer, &why) != 0)
        goto out;
    if (sscanf(answer, "HTTP/1.%*[01] %d", &status) != 1) {
        why = "not an HTTP answer";
        goto out;
    }
    why = status == 200 ? NULL : "the answer is not 200";
out:
    if (tls) {
        gnutls_bye(tls, GNUTLS_SHUT_WR);
        gnutls_deinit(tls);
    }
    if (cred)
        gnutls_certificate_free_credentials(cred);
    if (fd >= 0)
        close(fd);
    if (why) {
        if (status)
            fprintf(stderr, "mockvault: unhealthy: %s: HTTP %d (%s)\n", url, status, why);
        else
            fprintf(stderr, "mockvault: unhealthy: %s: %s\n", url, why);
        return 1;
    }
    printf("mockvault: healthy: %s answered 200\n", url);
    return 0;
}
