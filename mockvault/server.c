/* server.c: server lifecycle: state and fixture loading, keys, TLS, listeners, ready file. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accept.h"
#include "authz.h"
#include "conns.h"
#include "consistency.h"
#include "control.h"
#include "delay.h"
#include "fault.h"
#include "http.h"
#include "journal.h"
#include "jwt.h"
#include "log.h"
#include "persist.h"
#include "proxy.h"
#include "revoke.h"
#include "router.h"
#include "state.h"
#include "stream.h"
#include "throttle.h"
#include "tls.h"
#include "util.h"

enum MHD_Result mv_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **req_cls);
void mv_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe);

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The backup-blob key: kept in the state dir so blobs survive restarts, else per process. */
static int load_backup_key(struct mv_server *srv, char *err, size_t errlen)
{
    char *path;
    size_t len = 0;
    char *data;
    int rc = -1;

    if (!srv->state_dir) {
        mv_rand_bytes(srv->backup_key, sizeof srv->backup_key);
        return 0;
    }
    path = path_join(srv->state_dir, "backup.key");
    if (!path)
        return -1;
    data = cx_read_file(path, 4096, &len);
    if (data && len == sizeof srv->backup_key) {
        memcpy(srv->backup_key, data, len);
        rc = 0;
    } else {
        mv_rand_bytes(srv->backup_key, sizeof srv->backup_key);
        rc = cx_write_file_atomic(path, srv->backup_key, sizeof srv->backup_key, 0600);
        if (rc != 0)
            mv_set_err(err, errlen, "%s: %s", path, strerror(errno));
    }
    if (data) {
        cx_wipe_free(data, len);
    }
    free(path);
    return rc;
}

/* Opens the state dir's database and reads what it holds; a JSON snapshot of an earlier version
 * (state.json) is migrated into it on the first start and kept as state.json.migrated
 * (docs/persistence.md). *d stays NULL for a new state dir; *from names where the state came from.
 */
static int open_saved_state(struct mv_server *srv, struct mv_data **d, const char **from, char *err,
                            size_t errlen)
{
    char *json = path_join(srv->state_dir, MV_PERSIST_JSON);
    char *migrated = path_join(srv->state_dir, MV_PERSIST_JSON_MIGRATED);
    struct stat st;
    int rc = -1;

    if (!json || !migrated) {
        mv_set_err(err, errlen, "out of memory");
        goto out;
    }
    if (mv_persist_open(srv->state_dir, &srv->clock, &srv->log, &srv->persist, err, errlen) != 0 ||
        mv_persist_load(srv->persist, d, err, errlen) != 0)
        goto out;
    if (*d) {
        *from = MV_PERSIST_DB;
        if (stat(json, &st) == 0)
            mv_log_notice(&srv->log, "%s is ignored: the state is in %s", json, MV_PERSIST_DB);
    } else if (stat(json, &st) == 0) {
        if (mv_persist_migrate(srv->persist, json, migrated, d, err, errlen) != 0)
            goto out;
        mv_log_notice(&srv->log, "%s migrated into %s (the old file is kept as %s)", json,
                      MV_PERSIST_DB, migrated);
        *from = MV_PERSIST_DB;
    }
    rc = 0;
out:
    free(json);
    free(migrated);
    return rc;
}

/* Loads the state: the one saved in the state dir wins over the fixture (DESIGN.md §8). The
 * fixture text is kept for /_mock/reset. */
static int load_state(struct mv_server *srv, char *err, size_t errlen)
{
    int64_t now = mv_clock_now(&srv->clock);
    struct mv_data *d = NULL;
    const char *snap = NULL;

    if (srv->cfg.fixtures) {
        srv->fixture_json = cx_read_file(srv->cfg.fixtures, 64u << 20, &srv->fixture_len);
        if (!srv->fixture_json) {
            mv_set_err(err, errlen, "%s: cannot read fixture: %s", srv->cfg.fixtures,
                       strerror(errno));
            return -1;
        }
        srv->fixture_source = strdup(srv->cfg.fixtures);
    }
    if (srv->state_dir && open_saved_state(srv, &d, &snap, err, errlen) != 0)
        return -1;
    /* The fixture is parsed only when it is used: parsing generates its keys that give no key
     * material, an RSA key generation each (about 100 ms for RSA-2048), which a warm start
     * would throw away (scripts/bench, section 2). /_mock/reset parses it when it asks for it. */
    if (!snap && srv->cfg.fixtures) {
        d = mv_state_parse(srv->fixture_json, srv->fixture_len, srv->cfg.fixtures, now, err,
                           errlen);
        if (!d)
            return -1;
    }
    if (!d) {
        d = calloc(1, sizeof *d);
        if (!d)
            goto nomem;
    }
    /* Save the first state now so a restart never falls back to a changed fixture. A start from
     * a saved state changes nothing and writes nothing. */
    if (srv->state_dir && !snap && mv_persist_save_all(srv->persist, d, err, errlen) != 0) {
        mv_data_free(d);
        return -1;
    }
    srv->store = mv_store_create(d);
    if (!srv->store) {
        mv_data_free(d);
        goto nomem;
    }
    mv_store_set_consistency(srv->store, srv->consist);
    if (srv->state_dir)
        mv_persist_attach(srv->persist, srv->store);
    mv_log_notice(&srv->log, "state from %s",
                  snap ? snap : (srv->cfg.fixtures ? srv->cfg.fixtures : "(empty)"));
    return 0;
nomem:
    mv_set_err(err, errlen, "out of memory");
    return -1;
}

/* Every vault's {vault}.localhost name and its aliases go into the server certificate: clients
 * reject wildcards directly under "localhost" (one label), so each name is listed. */
static int collect_names(struct mv_server *srv, char ***out, size_t *n)
{
    const struct mv_data *d = mv_store_rdlock(srv->store);
    size_t cap = srv->cfg.nsans + 1;
    char **names;
    size_t k = 0;

    for (size_t i = 0; i < d->nvaults; i++)
        cap += 1 + d->vaults[i].naliases;
    names = calloc(cap, sizeof *names);
    if (!names) {
        mv_store_unlock(srv->store);
        return -1;
    }
    for (size_t i = 0; i < srv->cfg.nsans; i++)
        names[k++] = strdup(srv->cfg.sans[i]);
    for (size_t i = 0; i < d->nvaults; i++) {
        size_t len = strlen(d->vaults[i].name) + 16;
        names[k] = malloc(len);
        if (names[k]) {
            snprintf(names[k], len, "%s.localhost", d->vaults[i].name);
            cx_str_lower(names[k]);
        }
        k++;
        for (size_t a = 0; a < d->vaults[i].naliases; a++)
            names[k++] = strdup(d->vaults[i].aliases[a]);
    }
    mv_store_unlock(srv->store);
    for (size_t i = 0; i < k; i++)
        if (!names[i]) {
            for (size_t j = 0; j < k; j++)
                free(names[j]);
            free(names);
            return -1;
        }
    *out = names;
    *n = k;
    return 0;
}

static int setup_tls(struct mv_server *srv, char *err, size_t errlen)
{
    char **names = NULL;
    size_t n = 0;
    int rc;

    if (srv->cfg.tls_cert || srv->cfg.tls_key) {
        if (!srv->cfg.tls_cert || !srv->cfg.tls_key) {
            mv_set_err(err, errlen, "--tls-cert and --tls-key go together");
            return -1;
        }
        return mv_tls_load_files(srv->cfg.tls_cert, srv->cfg.tls_key, &srv->tls, err, errlen);
    }
    if (collect_names(srv, &names, &n) != 0) {
        mv_set_err(err, errlen, "out of memory");
        return -1;
    }
    rc = mv_tls_setup(srv->state_dir, (const char *const *)names, n, &srv->tls, err, errlen);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* The delay queue's callbacks (delay.h): a fault's delay suspends the request's connection, so
 * the delay holds no libmicrohttpd worker thread, and resumes it when the delay ends.
 * mv_delay_add calls hold from inside the access handler, the one place libmicrohttpd allows
 * MHD_suspend_connection; MHD_resume_connection is safe from any thread. */
static void conn_hold(void *conn)
{
    MHD_suspend_connection(conn);
}

static void conn_release(void *conn)
{
    MHD_resume_connection(conn);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct mv_server *srv = cls;
    char msg[512];

    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    /* TLS handshake noise from clients that hang up is not worth a line per connection. */
    if (strstr(msg, "TLS") || strstr(msg, "closed") || strstr(msg, "Error receiving"))
        return;
    mv_log_notice(&srv->log, "libmicrohttpd: %s", msg);
}

/* One libmicrohttpd daemon of one thread, without a socket of its own: the acceptor gives it its
 * connections, counted against the caps as they were accepted. */
static struct MHD_Daemon *start_mhd(struct mv_server *srv, unsigned flags,
                                    const struct MHD_OptionItem *tls_opts)
{
    struct MHD_OptionItem limits[9];

    mv_conns_mhd_options(srv->conns, limits);
    return MHD_start_daemon(flags | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, mv_http_on_request,
                            srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
                            MHD_OPTION_NOTIFY_COMPLETED, mv_http_on_completed, srv,
                            MHD_OPTION_ARRAY, limits, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
}

/* Stops the acceptor, then every daemon (which closes its connections). */
static void listener_stop(struct mv_listener *l)
{
    mv_acceptor_stop(l->acceptor);
    l->acceptor = NULL;
    for (unsigned i = 0; i < l->n; i++)
        MHD_stop_daemon(l->daemons[i]);
    free(l->daemons);
    l->daemons = NULL;
    l->n = 0;
}

/* Starts one listener on the bind address and port (0 = a free port) with threads daemons.
 * Binds loopback only, unless --allow-remote-peers (the container image; the control API then
 * asks other peers for the control token). tls selects HTTPS with the mock's certificate. */
static int listen_on(struct mv_server *srv, int port, bool tls, unsigned threads,
                     struct mv_listener *l, uint16_t *bound, char *err, size_t errlen)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr *sa;
    socklen_t salen;
    /* Suspend / resume for fault delays; it also gives each daemon the inter-thread channel
     * through which the acceptor's connections and resumed ones wake it. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_EPOLL |
                     MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL}};
    int fd;

    memset(&sin, 0, sizeof sin);
    memset(&sin6, 0, sizeof sin6);
    if (inet_pton(AF_INET, srv->bind, &sin.sin_addr) == 1) {
        if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127 && !srv->cfg.allow_remote)
            goto not_loopback;
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&sin;
        salen = sizeof sin;
    } else if (inet_pton(AF_INET6, srv->bind, &sin6.sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr) && !srv->cfg.allow_remote)
            goto not_loopback;
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)port);
        sa = (struct sockaddr *)&sin6;
        salen = sizeof sin6;
        flags |= MHD_USE_IPv6;
    } else {
        mv_set_err(err, errlen, "--bind %s: not an IPv4 or IPv6 address", srv->bind);
        return -1;
    }
    if (tls) {
        struct MHD_OptionItem t[] = {
            {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls->key_pem},
            {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls->cert_pem},
            {MHD_OPTION_END, 0, NULL},
        };
        memcpy(tls_opts, t, sizeof t);
        flags |= MHD_USE_TLS;
    }
    if (!(l->daemons = calloc(threads, sizeof *l->daemons))) {
        mv_set_err(err, errlen, "out of memory");
        return -1;
    }
    for (; l->n < threads; l->n++)
        if (!(l->daemons[l->n] = start_mhd(srv, flags, tls_opts))) {
            mv_set_err(err, errlen, "libmicrohttpd refused the options%s%s", errno ? ": " : "",
                       errno ? strerror(errno) : "");
            return -1; /* the caller stops the listener */
        }
    if ((fd = mv_listen_socket(sa, salen, bound)) < 0) {
        mv_set_err(err, errlen, "cannot listen on %s port %d: %s", srv->bind, port,
                   strerror(errno));
        return -1;
    }
    l->acceptor = mv_acceptor_start(fd, l->daemons, l->n, srv->conns, &srv->log, err, errlen);
    return l->acceptor ? 0 : -1;
not_loopback:
    mv_set_err(err, errlen,
               "--bind %s: mockvault binds loopback addresses only (127.0.0.0/8 or ::1), unless "
               "--allow-remote-peers (for containers; see docs/threat-model.md)",
               srv->bind);
    return -1;
}

static int start_daemon(struct mv_server *srv, char *err, size_t errlen)
{
    unsigned threads = srv->cfg.threads > 0 ? (unsigned)srv->cfg.threads : 2;

    if (listen_on(srv, srv->cfg.port, !srv->cfg.http, threads, &srv->main, &srv->port, err,
                  errlen) != 0)
        return -1;
    snprintf(srv->url, sizeof srv->url, "%s://%s%s%s:%u", srv->cfg.http ? "http" : "https",
             strchr(srv->bind, ':') ? "[" : "", srv->bind, strchr(srv->bind, ':') ? "]" : "",
             srv->port);
    /* Managed identity endpoints are plain http by design (169.254.169.254), so the optional
     * IMDS listener is too; it serves nothing but managed identity. */
    if (srv->cfg.imds &&
        listen_on(srv, srv->cfg.imds_port, false, 1, &srv->imds, &srv->imds_port, err, errlen) != 0)
        return -1;
    return 0;
}

static int write_ready_file(struct mv_server *srv, char *err, size_t errlen)
{
    cJSON *o = cJSON_CreateObject();
    char *text;
    int rc;

    cJSON_AddStringToObject(o, "url", srv->url);
    cJSON_AddNumberToObject(o, "port", srv->port);
    if (srv->tls)
        cJSON_AddStringToObject(o, "ca", srv->tls->ca_path);
    else
        cJSON_AddNullToObject(o, "ca");
    if (srv->imds.n) {
        char iurl[80];
        snprintf(iurl, sizeof iurl, "http://%s%s%s:%u", strchr(srv->bind, ':') ? "[" : "",
                 srv->bind, strchr(srv->bind, ':') ? "]" : "", srv->imds_port);
        cJSON_AddStringToObject(o, "imds", iurl);
    }
    if (srv->proxy) {
        char purl[80];
        snprintf(purl, sizeof purl, "http://%s%s%s:%u", strchr(srv->bind, ':') ? "[" : "",
                 srv->bind, strchr(srv->bind, ':') ? "]" : "", mv_proxy_port(srv->proxy));
        cJSON_AddStringToObject(o, "proxy", purl);
    }
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return -1;
    rc = cx_write_file_atomic(srv->ready_file, text, strlen(text), 0644);
    if (rc != 0)
        mv_set_err(err, errlen, "%s: cannot write ready file: %s", srv->ready_file,
                   strerror(errno));
    free(text);
    return rc;
}

static char *dup_opt(const char *s)
{
    return s ? strdup(s) : NULL;
}

int mv_server_start(const struct mv_server_config *cfg, struct mv_server **out, char *err,
                    size_t errlen)
{
    struct mv_server *srv = calloc(1, sizeof *srv);
    bool announce = false;

    *out = NULL;
    if (!srv) {
        mv_set_err(err, errlen, "out of memory");
        return -1;
    }
    /* A peer hanging up mid-response must not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    srv->cfg = *cfg;
    srv->bind = strdup(cfg->bind ? cfg->bind : "127.0.0.1");
    srv->state_dir = dup_opt(cfg->state_dir);
    srv->ready_file = dup_opt(cfg->ready_file);
    srv->identity_header = dup_opt(cfg->identity_header);
    srv->cfg.identity_header = srv->identity_header;
    srv->cfg.bind = srv->bind;
    srv->cfg.state_dir = srv->state_dir;
    srv->cfg.ready_file = srv->ready_file;
    if (srv->cfg.token_lifetime <= 0)
        srv->cfg.token_lifetime = 3599;
    mv_log_init(&srv->log, cfg->log ? cfg->log : stderr, cfg->log_format);
    mv_clock_init(&srv->clock);
    if (cfg->has_seed)
        mv_rand_seed(cfg->seed);
    if (srv->state_dir && mkdir(srv->state_dir, 0700) != 0 && errno != EEXIST) {
        mv_set_err(err, errlen, "%s: cannot create state dir: %s", srv->state_dir, strerror(errno));
        goto fail;
    }
    srv->tokens = mv_token_cache_create();
    srv->authz_usage = mv_authz_usage_create();
    srv->revocations = mv_revocations_create();
    if (!srv->tokens || !srv->authz_usage || !srv->revocations) {
        mv_set_err(err, errlen, "out of memory");
        goto fail;
    }
    srv->dispatch = mv_router_dispatch;
    srv->finished = mv_router_finished;
    /* Every family registers its operation table here: adding a family is one line. The router
     * answers with the first matching pattern, so the certificates' policy, contacts and issuers
     * table (mv_certs_meta_ops) comes before mv_certs_ops, whose /certificates/{}/{?} would
     * take those literal paths (op.h, certs-meta.c). */
    srv->ops = mv_ops_create();
    if (!srv->ops || !mv_ops_add(srv->ops, mv_secrets_ops) || !mv_ops_add(srv->ops, mv_keys_ops) ||
        !mv_ops_add(srv->ops, mv_certs_meta_ops) || !mv_ops_add(srv->ops, mv_certs_ops) ||
        !mv_ops_add(srv->ops, mv_identity_ops) || !mv_ops_add(srv->ops, mv_discovery_ops) ||
        !mv_ops_add(srv->ops, mv_control_ops) || !mv_ops_add(srv->ops, mv_msi_ops) ||
        !mv_ops_add(srv->ops, mv_graph_ops) || !mv_ops_add(srv->ops, mv_arm_ops) ||
        !mv_ops_add(srv->ops, mv_consist_ops) || !mv_ops_add(srv->ops, mv_cae_ops)) {
        mv_set_err(err, errlen, "out of memory");
        goto fail;
    }
    srv->journal = mv_journal_create(cfg->audit_log, err, errlen);
    if (!srv->journal)
        goto fail;
    /* The browser console (issue 16): its pages, the metadata summary and the live journal, whose
     * streams the journal wakes; without an open stream that costs one atomic load a request. */
    srv->streams = mv_stream_hub_create(conn_hold, conn_release, 0, 0);
    if (!srv->streams || !mv_ops_add(srv->ops, mv_console_ops)) {
        mv_set_err(err, errlen, "out of memory");
        goto fail;
    }
    mv_journal_set_notify(srv->journal, mv_stream_hub_notify, srv->streams);
    {
        /* Probability draws follow --seed, so a seeded run fails the same requests every time. */
        uint64_t fseed = cfg->seed;
        if (!cfg->has_seed)
            mv_rand_bytes(&fseed, sizeof fseed);
        srv->faults = mv_fault_set_create(fseed, mv_ops_known, srv->ops);
    }
    srv->delays = mv_delay_queue_create(MV_DELAY_MAX, conn_hold, conn_release);
    if (srv->faults && srv->delays)
        mv_fault_set_delays(srv->faults, srv->delays);
    {
        struct mv_throttle_limits limits;
        mv_throttle_azure_limits(&limits, cfg->throttle);
        if (cfg->throttle_transactions)
            limits.transactions = cfg->throttle_transactions;
        if (cfg->throttle_creations)
            limits.creations = cfg->throttle_creations;
        if (cfg->throttle_window)
            limits.window = cfg->throttle_window;
        srv->throttle = mv_throttle_create(&limits);
    }
    {
        /* Delays and page sizes follow --seed too, from streams of their own. */
        struct mv_consist_config cc;
        uint64_t cseed = cfg->seed;
        mv_consist_defaults(&cc);
        cc.azure = cfg->consistency_azure;
        cc.paging_azure = cfg->paging_azure;
        if (cfg->has_consistency_delay) {
            cc.min_ms = cfg->consistency_min_ms;
            cc.max_ms = cfg->consistency_max_ms;
        }
        if (!cfg->has_seed)
            mv_rand_bytes(&cseed, sizeof cseed);
        srv->consist = mv_consist_create(&srv->clock, &cc, cseed);
    }
    if (!srv->faults || !srv->delays || !srv->throttle || !srv->consist) {
        mv_set_err(err, errlen, "out of memory");
        goto fail;
    }
    if (load_state(srv, err, errlen) != 0)
        goto fail;
    {
        char *kp = srv->state_dir ? path_join(srv->state_dir, "jwt-key.pem") : NULL;
        int rc = mv_jwt_key_load_or_create(kp, &srv->jwt, err, errlen);
        free(kp);
        if (rc != 0)
            goto fail;
    }
    if (load_backup_key(srv, err, errlen) != 0)
        goto fail;
    if (mv_control_token_setup(srv, &announce, err, errlen) != 0)
        goto fail;
    if (!srv->cfg.http && setup_tls(srv, err, errlen) != 0)
        goto fail;
    {
        const struct mv_conns_limits asked = {cfg->max_connections, cfg->max_connections_per_ip,
                                              cfg->request_timeout, cfg->idle_timeout};
        srv->conns = mv_conns_create(&asked, &srv->log, err, errlen);
        if (!srv->conns)
            goto fail;
    }
    if (start_daemon(srv, err, errlen) != 0)
        goto fail;
    if (cfg->proxy_port >= 0) {
        const char *target = strchr(srv->bind, ':') ? "::1" : srv->bind;
        if (mv_proxy_start(srv->bind, (uint16_t)cfg->proxy_port, target, srv->port, &srv->proxy,
                           err, errlen) != 0)
            goto fail;
    }
    mv_log_notice(&srv->log, "listening on %s", srv->url);
    if (srv->proxy)
        mv_log_notice(&srv->log, "HTTPS proxy on port %u", mv_proxy_port(srv->proxy));
    if (srv->imds.n)
        mv_log_notice(&srv->log, "managed identity (IMDS) on http port %u", srv->imds_port);
    mv_control_announce(srv, announce);
    if (srv->ready_file && write_ready_file(srv, err, errlen) != 0)
        goto fail;
    *out = srv;
    return 0;
fail:
    mv_server_stop(srv);
    return -1;
}

void mv_server_stop(struct mv_server *srv)
{
    if (!srv)
        return;
    mv_proxy_stop(srv->proxy);
    /* libmicrohttpd must not find a suspended connection when it stops (an API violation that
     * leaks or panics): resume every delayed request first. The queue refuses new delays from
     * now on, so a request arriving meanwhile is answered without one; the resumed connections
     * are answered or closed by MHD_stop_daemon. */
    mv_delay_queue_stop(srv->delays);
    mv_stream_hub_stop(srv->streams); /* likewise for the console's streams */
    listener_stop(&srv->imds);
    listener_stop(&srv->main);
    mv_conns_destroy(srv->conns); /* after the daemons, whose connections it lists */
    /* Every write was answered, so the committer has nothing left; then the store goes. */
    mv_persist_close(srv->persist);
    if (srv->journal)
        mv_journal_set_notify(srv->journal, NULL, NULL);
    mv_stream_hub_destroy(srv->streams); /* after the daemons, which closed every stream */
    mv_store_destroy(srv->store);
    mv_consist_destroy(srv->consist); /* after the store, which borrows it */
    mv_token_cache_destroy(srv->tokens);
    mv_authz_usage_destroy(srv->authz_usage);
    mv_revocations_destroy(srv->revocations);
    mv_journal_destroy(srv->journal);
    mv_ops_destroy(srv->ops);
    mv_fault_set_destroy(srv->faults);
    mv_delay_queue_destroy(srv->delays); /* after the set, which borrows it */
    mv_throttle_destroy(srv->throttle);
    mv_jwt_key_destroy(srv->jwt);
    mv_tls_destroy(srv->tls);
    if (srv->fixture_json) {
        cx_wipe_free(srv->fixture_json, srv->fixture_len);
    }
    free(srv->fixture_source);
    memset(srv->backup_key, 0, sizeof srv->backup_key);
    mv_clock_finish(&srv->clock);
    mv_log_destroy(&srv->log);
    free(srv->bind);
    free(srv->state_dir);
    free(srv->ready_file);
    free(srv->identity_header);
    free(srv);
}

uint16_t mv_server_port(const struct mv_server *srv)
{
    return srv->port;
}

uint16_t mv_server_imds_port(const struct mv_server *srv)
{
    return srv->imds.n ? srv->imds_port : 0;
}

uint16_t mv_server_proxy_port(const struct mv_server *srv)
{
    return srv->proxy ? mv_proxy_port(srv->proxy) : 0;
}

const char *mv_server_url(const struct mv_server *srv)
{
    return srv->url;
}

const char *mv_server_ca_path(const struct mv_server *srv)
{
    return srv->tls ? srv->tls->ca_path : NULL;
}
