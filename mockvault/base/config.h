/* config.h: the server's options (DESIGN.md §1), filled by main.c or an embedding test and read
 * by every layer. */
#ifndef MV_CONFIG_H
#define MV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

/* --authz: enforce access policies / RBAC, allow but log would-be denials, or allow everything. */
enum mv_authz_mode { MV_AUTHZ_ENFORCE = 0, MV_AUTHZ_AUDIT = 1, MV_AUTHZ_OFF = 2 };

struct mv_server_config {
    const char *bind;        /* listen address; default "127.0.0.1" */
    int port;                /* 0 = a free port; default 8443 in main.c */
    const char *fixtures;    /* fixture file; NULL = empty state */
    const char *state_dir;   /* persistence, CA and keys; NULL = memory + private temp dir */
    const char *ready_file;  /* written once every listener accepts connections */
    bool http;               /* plain HTTP (curl only: SDKs refuse bearer tokens over http) */
    const char *tls_cert;    /* bring your own certificate chain (PEM) ... */
    const char *tls_key;     /* ... and key */
    const char *const *sans; /* extra certificate names */
    size_t nsans;
    bool has_seed; /* deterministic ids */
    uint64_t seed;
    int threads; /* thread pool size; 0 = 2 */
    enum mv_log_format log_format;
    FILE *log;          /* NULL = stderr */
    int proxy_port;     /* -1 = proxy off, 0 = a free port */
    bool strict_expiry; /* refuse GET of expired / not-yet-valid secrets (mock-only rule) */
    int token_lifetime; /* seconds; 0 = 3599 */
    enum mv_authz_mode authz;
    bool imds;                   /* also run the plain-http managed-identity listener ... */
    int imds_port;               /* ... on this port (0 = a free port) */
    const char *identity_header; /* App Service X-IDENTITY-HEADER must equal this when set */
    const char *audit_log;       /* append every journal entry here as a JSON line; NULL = none */
    bool throttle;               /* --throttle azure: Key Vault's per-vault limits answer 429 */
    unsigned throttle_transactions; /* --throttle-limits: per vault per window; 0 = 4,000 */
    unsigned throttle_creations;    /* SetSecret per vault per window; 0 = 300 */
    unsigned throttle_window;       /* window in seconds; 0 = 10 */
    /* Connection limits (docs/limits.md); 0 = the default. */
    unsigned max_connections;        /* open connections of both listeners; 0 = 4096 */
    unsigned max_connections_per_ip; /* from one peer address; 0 = 3072 */
    unsigned request_timeout;        /* seconds from a request's first byte to its end; 0 = 30 */
    unsigned idle_timeout;           /* seconds without traffic before a close; 0 = 60 */
    /* Peers that are not loopback (the container image, docs/threat-model.md). */
    bool allow_remote;         /* --allow-remote-peers: bind may name any address */
    const char *control_token; /* --control-token: what non-loopback peers must send for
                                * /_mock; NULL with allow_remote = the stored or a new one */
    bool print_ca;             /* --print-ca: the CA certificate on stdout at start */
    /* Realism (docs/consistency.md). */
    bool consistency_azure;      /* --consistency azure: deletes, recovers, purges lag */
    bool has_consistency_delay;  /* --consistency-delay given; else the recorded 1000-5000 */
    unsigned consistency_min_ms; /* ... its range in milliseconds */
    unsigned consistency_max_ms;
    bool paging_azure; /* --paging azure: short and empty pages with a nextLink */
};

#endif
