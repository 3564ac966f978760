/* http.h: the server context and the per-request state shared by the transport, the dispatcher,
 * reply and the handlers, with the request accessors. Only the mockvault library includes it. The
 * context names the other layers' objects only through incomplete types, so the transport depends
 * on none of them; it reaches the dispatcher through the dispatch and finished hooks that the
 * server sets at start. */
#ifndef MV_HTTP_H
#define MV_HTTP_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "op.h"

struct mv_tls;
struct mv_jwt_key;
struct mv_proxy;
struct mv_store;
struct mv_persist;
struct mv_token_cache;
struct mv_authz_usage;
struct mv_revocations;
struct mv_journal;
struct mv_fault_set;
struct mv_delay_queue;
struct mv_throttle;
struct mv_consist;
struct mv_ops;
struct mv_conns;
struct mv_stream_hub;

/* What a fired fault rule (control/fault.h) asks the transport to do with one request. */
struct mv_fault_action {
    unsigned id;     /* the rule that fired */
    unsigned status; /* answer with this status and its error body; 0 = answer normally */
    bool has_retry_after;
    unsigned retry_after; /* seconds, for a Retry-After header */
    unsigned delay_ms;    /* hold the request this long before answering (or dropping) */
    bool drop;            /* close the connection without a response */
    bool truncate;        /* declare the full Content-Length, send part of the body, close */
};

#define MV_BODY_MAX (1024 * 1024)          /* request bodies above 1 MiB are refused (413) ... */
#define MV_DRAIN_MAX (64ull * 1024 * 1024) /* ... after draining, up to this declared size */

struct mv_acceptor;

/* One listening socket whose connections an acceptor thread spreads over n libmicrohttpd
 * daemons of one thread each (accept.h; started and stopped by server.c). */
struct mv_listener {
    struct MHD_Daemon **daemons;
    unsigned n;
    struct mv_acceptor *acceptor;
};

struct mv_server {
    struct mv_server_config cfg; /* strings point into the copies below */
    char *bind, *state_dir, *ready_file, *identity_header;
    struct mv_listener main;
    struct mv_listener imds; /* plain-http managed-identity listener (--imds-port); n = 0 without */
    uint16_t port;
    uint16_t imds_port;
    char url[80];
    /* What a peer that is not loopback must send in X-Mockvault-Control-Token to use /_mock
     * (--allow-remote-peers, control.c); "" = no such peer may. */
    char control_token[160];
    struct mv_tls *tls;
    struct mv_jwt_key *jwt;
    struct mv_store *store;
    struct mv_clock clock;
    struct mv_proxy *proxy;
    char *fixture_json; /* kept for POST /_mock/reset; NULL = empty state */
    size_t fixture_len;
    char *fixture_source;
    struct mv_persist *persist; /* the state dir's database (model/persist.h), or NULL */
    unsigned char backup_key[32];
    struct mv_token_cache *tokens;      /* verified bearer tokens (auth.c) */
    struct mv_authz_usage *authz_usage; /* what each principal needed (authz.c) */
    struct mv_revocations *revocations; /* revoked principals, token stamps (model/revoke.c) */
    struct mv_journal *journal;         /* GET /_mock/requests and --audit-log (journal.c) */
    struct mv_fault_set *faults;        /* /_mock/faults rules (fault.c) */
    struct mv_delay_queue *delays;      /* suspended connections of delayed requests (delay.c) */
    struct mv_throttle *throttle;       /* --throttle azure windows (throttle.c) */
    struct mv_consist *consist;         /* --consistency / --paging azure (consistency.c) */
    struct mv_ops *ops;                 /* every family's operation table (router.c) */
    struct mv_conns *conns;             /* connection caps and the request deadline (conns.c) */
    struct mv_stream_hub *streams;      /* the console's live journal streams (stream.c) */
    struct mv_log log;
    /* Set by the server at start: the dispatcher that answers a complete request (router.c), and
     * the one "request finished" point that writes its log line and journal entry. */
    enum MHD_Result (*dispatch)(struct mv_req *r);
    void (*finished)(struct mv_req *r);
};

struct mv_req {
    struct mv_server *srv;
    struct MHD_Connection *conn;
    const char *method;  /* borrowed from MHD */
    char *path;          /* owned copy of the decoded URL path */
    char *host;          /* owned: Host header as sent (may include the port), "" if absent */
    char host_name[256]; /* Host without port, lower-case */
    unsigned host_port;  /* the Host header's port; 0 when it names none */
    char base_url[320];  /* scheme://host[:port] exactly as the client reached us */
    bool azure_host;     /* the Host is an impersonated Azure name (proxy mode) */
    bool on_imds;        /* arrived on the plain-http managed-identity listener */
    char peer[64];       /* client IP address text */
    bool peer_loopback;  /* a loopback peer, not through a non-loopback client's tunnel */
    char *body;          /* owned, NUL-terminated, capped at MV_BODY_MAX */
    size_t body_len;
    bool body_too_large;
    char request_id[37];
    const char *client_request_id; /* borrowed from MHD; NULL if absent */
    double start;                  /* real monotonic start, for latency */
    bool close_connection;         /* answer with Connection: close (a refused connection) */
    int64_t now;                   /* mock-clock now, read once per request (0 = not yet) */
    bool responded;

    /* Filled while dispatching, for headers and the log line. */
    enum mv_kind kind;
    const char *operation;  /* REST operation id, e.g. "GetSecret" */
    const struct mv_op *op; /* the operation that answers (NULL: none matched) */
    char *cap[3];           /* owned path captures of the matched route */
    char vault[64];         /* vault name ("" if none) */
    char location[64];      /* vault location, for x-ms-keyvault-region */
    char tenant[64];        /* tenant of the vault (challenge) */
    char appid[64];         /* principal of a validated token */
    char oid[64];
    char tid[64];
    char api_version[32];
    char rbac_assignment[33];  /* the assignment that allowed an RBAC request, for its header */
    const char *cache_control; /* overrides the kind's default Cache-Control when set */
    unsigned status;
    char error_code[64];
    /* The algorithm a crypto operation ran ("RS256", "RSA-OAEP", a release's "enc"), for the log
     * line and the journal: a static name set only once parsed, never the client's text. */
    const char *algorithm;
    bool authz_would_deny; /* allowed only because of --authz audit (journal "authz") */
    /* A denial's explanation line and its smallest change as a control-API call (JSON text), for
     * the journal and the console (authz.c); owned, NULL unless authorization refused. */
    char *authz_explanation;
    char *authz_fix;
    unsigned fault_id;    /* the /_mock/faults rule that fired on this request (0 = none) */
    bool fault_truncate;  /* send part of the body after declaring all of it, then close */
    bool has_retry_after; /* add a Retry-After header of retry_after seconds */
    unsigned retry_after;
    /* A Location header for the response ("" = none): a certificate's create (its operation)
     * and merge (the certificate), written by the reply that answers them. */
    char reply_location[800];
    /* The connection is suspended for the delay of fault_action (router.c): when libmicrohttpd
     * resumes it and calls the handler again for this request, the dispatch carries out the rest
     * of fault_action instead of evaluating the rules a second time. Only the thread serving the
     * connection touches these (the delay queue holds the connection, not this request). */
    bool fault_held;
    struct mv_fault_action fault_action;
};

/* The verified-token cache (auth.c): RSA runs once per token, not once per request. Its size is
 * fixed: MV_TOKEN_CACHE_SLOTS entries (direct-mapped, a newer token replaces the one in its slot),
 * and tokens longer than MV_TOKEN_CACHE_TOKEN_MAX bytes are verified every time, never cached. */
#define MV_TOKEN_CACHE_SLOTS 256
#define MV_TOKEN_CACHE_TOKEN_MAX 4096
struct mv_token_cache *mv_token_cache_create(void);
void mv_token_cache_destroy(struct mv_token_cache *c); /* accepts NULL */
/* How many tokens the cache holds now (at most MV_TOKEN_CACHE_SLOTS). */
size_t mv_token_cache_count(struct mv_token_cache *c);

/* Request helpers (http.c). */
/* Query parameter by decoded key ("api-version" also matches "api%2Dversion"); NULL if absent. */
const char *mv_req_query(struct mv_req *r, const char *key);
/* Request header (case-insensitive); NULL if absent. */
const char *mv_req_header(struct mv_req *r, const char *name);
int64_t mv_req_now(struct mv_req *r);
/* Form bodies (application/x-www-form-urlencoded, or multipart) through libmicrohttpd's post
 * processor: for every field whose key slot(ctx, key) maps to a char * slot, the first
 * occurrence's value (at most max bytes) is stored there, malloc'd (caller frees). Fields without
 * a slot are ignored, as Entra ignores unknown fields. A body that is not a form leaves every slot
 * NULL. */
typedef char **(*mv_form_slot_fn)(void *ctx, const char *key);
void mv_req_form(struct mv_req *r, mv_form_slot_fn slot, void *ctx, size_t max);

/* The Key Vault api-versions the mock accepts (spec/keyvault-secrets.md §1, spec/keyvault-keys.md
 * §0), ranked in release order: 0 for 2016-10-01, higher for later ones; -1 for an unknown one.
 * Replies compare ranks to gate fields that appeared with a version. */
int mv_api_version_rank(const char *v);
/* True when api-version v is first or a later one (both known): the gate of a response field that
 * first appeared in api-version first (docs/api-versions.md). */
bool mv_api_version_at_least(const char *v, const char *first);

/* The request body as one JSON document with nothing but whitespace after it; NULL when it is
 * not valid JSON. Caller frees with cJSON_Delete. */
struct cJSON *mv_req_json(struct mv_req *r);

#endif
