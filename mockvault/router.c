/* router.c: the dispatcher: operation tables, shared checks (vault by Host, bearer token,
 * api-version, faults, throttle, authorization) and the handler. */
#include "router.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "authz.h"
#include "control.h"
#include "delay.h"
#include "events.h"
#include "fault.h"
#include "journal.h"
#include "keys.h"
#include "log.h"
#include "reply.h"
#include "revoke.h"
#include "throttle.h"
#include "util.h"

const char *const mv_api_version_latest = "2025-07-01";

bool mv_api_version_supported(const char *v)
{
    /* The list, in release order, is mv_api_version_rank's (request.c): replies gate fields on
     * it (keys' exportable, hsmPlatform, key_size). */
    return mv_api_version_rank(v) >= 0;
}

/* Returns the length of the segment starting at p (up to '/' or end). A plain loop: segments are
 * a few characters, shorter than strcspn's set-up, and the router measures dozens per request. */
static size_t seglen(const char *p)
{
    const char *e = p;

    while (*e && *e != '/')
        e++;
    return (size_t)(e - p);
}

/* ASCII lower case, as strncasecmp folds in the C locale. */
static int ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool mv_route_match(const char *pattern, const char *path, char *caps[3])
{
    const char *p = pattern, *u = path;
    int ncap = 0;

    /* caps NULL: match only, allocate nothing (the router tries many patterns per request). */
    if (caps)
        caps[0] = caps[1] = caps[2] = NULL;
    for (;;) {
        size_t pl, ul;

        if (*p == '\0') {
            /* Pattern done: the path may only have a trailing slash left. */
            if (*u == '\0' || strcmp(u, "/") == 0)
                return true;
            goto fail;
        }
        if (*p++ != '/')
            goto fail;
        pl = seglen(p);
        if (*u != '/') {
            /* The path ended: only a last optional segment may be missing. */
            if (pl == 3 && strcmp(p, "{?}") == 0) {
                if (caps && ncap < 3)
                    caps[ncap++] = strdup("");
                return true;
            }
            goto fail;
        }
        u++;
        ul = seglen(u);
        if (pl == 3 && strncmp(p, "{?}", 3) == 0) {
            if (caps && ncap < 3)
                caps[ncap++] = strndup(u, ul);
        } else if (pl == 2 && strncmp(p, "{}", 2) == 0) {
            if (ul == 0)
                goto fail;
            if (caps && ncap < 3)
                caps[ncap++] = strndup(u, ul);
        } else if (pl != ul ||
                   (pl && ascii_lower((unsigned char)*p) != ascii_lower((unsigned char)*u)) ||
                   strncasecmp(p, u, pl) != 0) {
            /* Key Vault matches its operation segments case-insensitively (/keys/n/WrapKey). */
            goto fail;
        }
        p += pl;
        u += ul;
    }
fail:
    for (int i = 0; caps && i < 3; i++) {
        free(caps[i]);
        caps[i] = NULL;
    }
    return false;
}

/* src cut to fit n bytes, as snprintf "%s" cuts it, without the formatting: the vault checks
 * copy several fields on every request. */
static void copy_field(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;

    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

/* ---- The operation tables ---- */

struct mv_ops {
    const struct mv_op **tables; /* borrowed, in registration order */
    size_t n;
};

struct mv_ops *mv_ops_create(void)
{
    return calloc(1, sizeof(struct mv_ops));
}

void mv_ops_destroy(struct mv_ops *ops)
{
    if (!ops)
        return;
    free(ops->tables);
    free(ops);
}

bool mv_ops_add(struct mv_ops *ops, const struct mv_op *table)
{
    const struct mv_op **t = realloc(ops->tables, (ops->n + 1) * sizeof *t);

    if (!t)
        return false;
    t[ops->n++] = table;
    ops->tables = t;
    return true;
}

bool mv_ops_known(void *ctx, const char *name)
{
    const struct mv_ops *ops = ctx;

    for (size_t t = 0; t < ops->n; t++)
        for (const struct mv_op *op = ops->tables[t]; op->pattern; op++)
            if (op->kind != MV_KIND_CONTROL && strcasecmp(op->name, name) == 0)
                return true;
    return false;
}

static bool is_control_path(const char *path)
{
    return path && (strncmp(path, "/_mock/", 7) == 0 || strcmp(path, "/_mock") == 0);
}

void mv_router_finished(struct mv_req *r)
{
    struct mv_request_record e = {0};
    int werr = 0;

    e.time = mv_clock_nowf(&r->srv->clock);
    e.latency_ms = (mv_mono_now() - r->start) * 1000.0;
    e.status = r->status;
    e.would_deny = r->authz_would_deny;
    e.fault = r->fault_id;
    e.method = r->method;
    e.path = r->path;
    e.vault = r->vault;
    e.operation = r->operation;
    e.appid = r->appid;
    e.oid = r->oid;
    e.error_code = r->error_code;
    e.request_id = r->request_id;
    e.client_request_id = r->client_request_id;
    e.algorithm = r->algorithm;
    e.explanation = r->authz_explanation;
    e.fix = r->authz_fix;
    /* The journal records what clients did to the emulated services, not the test's own calls. */
    if (r->srv->journal && !is_control_path(r->path))
        werr = mv_journal_add(r->srv->journal, &e);
    if (werr)
        mv_log_notice(&r->srv->log,
                      "audit log: write failed (%s); further failures are not reported",
                      strerror(werr));
    mv_log_request(&r->srv->log, &e);
}

/* Finds the operation for r; *method_mismatch tells whether one matched the path only. */
static const struct mv_op *find_op(struct mv_req *r, bool *method_mismatch)
{
    const struct mv_ops *ops = r->srv->ops;

    *method_mismatch = false;
    for (size_t t = 0; t < ops->n; t++) {
        for (const struct mv_op *op = ops->tables[t]; op->pattern; op++) {
            /* A literal first segment must match case-insensitively, so a different first
             * letter rules the pattern out at once: most of the dozens tried per request. */
            if (op->pattern[0] == '/' && op->pattern[1] != '{' && op->pattern[1] != '\0' &&
                r->path[0] == '/' &&
                ascii_lower((unsigned char)op->pattern[1]) !=
                    ascii_lower((unsigned char)r->path[1]))
                continue;
            if (!mv_route_match(op->pattern, r->path, NULL))
                continue;
            if (strcmp(op->method, r->method) != 0) {
                *method_mismatch = true;
                continue;
            }
            /* Captures are allocated once, for the operation that answers. */
            if (!mv_route_match(op->pattern, r->path, r->cap))
                return NULL;
            return op;
        }
    }
    return NULL;
}

static bool is_vault_path(const char *path)
{
    return strncasecmp(path, "/secrets", 8) == 0 || strncasecmp(path, "/deletedsecrets", 15) == 0 ||
           strncasecmp(path, "/keys", 5) == 0 || strncasecmp(path, "/deletedkeys", 12) == 0 ||
           strncasecmp(path, "/certificates", 13) == 0 ||
           strncasecmp(path, "/deletedcertificates", 20) == 0 || strncasecmp(path, "/rng", 4) == 0;
}

/* Copies what the vault checks need out of the store: name, tenant, location. Picks the vault
 * from the Host header (DESIGN.md §3). Returns false after replying 404 for an unknown vault. */
static bool bare_san(const struct mv_server *srv, const char *host)
{
    for (size_t i = 0; i < srv->cfg.nsans; i++)
        if (strcasecmp(srv->cfg.sans[i], host) == 0)
            return true;
    return false;
}

static bool resolve_vault_or_reply(struct mv_req *r)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    const struct mv_vault *v = NULL;
    char wanted[256] = "";
    const char *h = r->host_name;
    size_t hl = strlen(h);
    bool found;

    if (hl == 0 || strcmp(h, "localhost") == 0 || cx_host_is_ip(h)) {
        const char *def =
            d->default_vault ? d->default_vault : (d->nvaults ? d->vaults[0].name : "");
        copy_field(wanted, sizeof wanted, def);
    } else if ((v = mv_data_vault_by_alias(d, h)) == NULL) {
        snprintf(wanted, sizeof wanted, "%.*s", (int)strcspn(h, "."), h);
    }
    if (!v && wanted[0])
        v = mv_data_vault(d, wanted);
    /* A one-label --san name that names no vault (a Compose service name, "mockvault") reaches
     * the default vault, as localhost does. */
    if (!v && !strchr(h, '.') && bare_san(r->srv, h))
        v = d->default_vault ? mv_data_vault(d, d->default_vault)
                             : (d->nvaults ? &d->vaults[0] : NULL);
    found = v != NULL;
    if (found) {
        copy_field(r->vault, sizeof r->vault, v->name);
        copy_field(r->tenant, sizeof r->tenant, v->tenant_id);
        copy_field(r->location, sizeof r->location, v->location ? v->location : "westeurope");
    } else {
        char names[512] = "", echo[128];
        size_t off = 0;
        for (size_t i = 0; i < d->nvaults && off < sizeof names - 64; i++)
            off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                                    d->vaults[i].name);
        if (d->ntenants)
            snprintf(r->tenant, sizeof r->tenant, "%s", d->tenants[0].id);
        mv_store_unlock(r->srv->store);
        mv_reply_echo(r->host, echo, sizeof echo);
        /* Real Azure would fail name resolution here; the mock answers instead, and says so. */
        mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "VaultNotFound", NULL,
                          "mockvault: no vault is reachable at host '%s'. Vaults in this mock: %s. "
                          "Use https://{vault}.vault.azure.net through the proxy, "
                          "https://{vault}.localhost:PORT, a fixture alias, or localhost for the "
                          "default vault. (This 404 is mock-specific.)",
                          echo, names[0] ? names : "(none)");
        return false;
    }
    mv_store_unlock(r->srv->store);
    return true;
}

/* True when aud names Key Vault for this request: the public resource (with or without the
 * trailing slash), Key Vault's application id, or the resource this host's challenge asks for. */
static bool audience_ok(struct mv_req *r, const char *aud)
{
    char res[300];
    size_t n;

    if (strcmp(aud, "https://vault.azure.net") == 0 ||
        strcmp(aud, "https://vault.azure.net/") == 0 ||
        strcmp(aud, "cfa8b339-82a2-471a-a3c9-0fc0be7a4093") == 0)
        return true;
    mv_reply_challenge_resource(r, res, sizeof res);
    n = strlen(res);
    return strncasecmp(aud, res, n) == 0 && (aud[n] == '\0' || strcmp(aud + n, "/") == 0);
}

/* Validates the bearer token (DESIGN.md §4): signature with alg pinned to RS256, exp/nbf against
 * the mock clock, audience, issuer. Replies 401 (with the challenge, as the real service does on
 * every 401) and returns false when it is not acceptable. */
static bool vault_auth_or_reply(struct mv_req *r)
{
    struct mv_claims c;
    struct mv_revocation rv;
    char expected_iss[128], msg[512], echo[200];

    switch (mv_auth_bearer(r, &c)) {
    case MV_AUTH_OK: break;
    case MV_AUTH_MISSING:
        mv_reply_kv_unauthorized(r,
                                 "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.");
        return false;
    case MV_AUTH_MALFORMED:
        /* No real capture of this text exists; the wording is the mock's own. */
        mv_reply_kv_unauthorized(r, "AKV10000: The bearer token is not a well-formed JWT.");
        return false;
    case MV_AUTH_BAD_SIGNATURE:
        /* A forged signature, another issuer's key, alg none or HS256: the real service cannot
         * find a key to validate such a token with. */
        mv_reply_kv_unauthorized(
            r, "AKV10046: Unable to resolve the key used for signature validation.");
        return false;
    case MV_AUTH_EXPIRED:
        mv_reply_kv_unauthorized(r, "[TokenExpired] Error validating token: 'S2S12086'.");
        return false;
    case MV_AUTH_NOT_YET_VALID:
        mv_reply_kv_unauthorized(r, "[TokenNotYetValid] Error validating token: the token is not "
                                    "valid yet (nbf is after the mock clock's now).");
        return false;
    }
    if (!audience_ok(r, c.aud)) {
        snprintf(msg, sizeof msg,
                 "AKV10022: Invalid audience. Expected https://vault.azure.net, found: %s.",
                 mv_reply_echo(c.aud, echo, sizeof echo));
        mv_reply_kv_unauthorized(r, msg);
        return false;
    }
    snprintf(expected_iss, sizeof expected_iss, "https://sts.windows.net/%s/", r->tenant);
    if (strcasecmp(c.iss, expected_iss) != 0) {
        snprintf(msg, sizeof msg, "AKV10032: Invalid issuer. Expected one of %s, found %s.",
                 expected_iss, mv_reply_echo(c.iss, echo, sizeof echo));
        mv_reply_kv_unauthorized(r, msg);
        return false;
    }
    /* Continuous access evaluation (spec/identity.md §7.6): a token minted before its principal
     * was revoked gets the claims challenge, if the client declared it can answer one (cp1) or the
     * revocation was hard. A token without the mock's issue stamp is never reached. */
    if (c.stamp && mv_revocations_match(r->srv->revocations, c.oid, c.appid, c.stamp, c.cp1, &rv)) {
        mv_reply_kv_claims_challenge(r, rv.revoked_at);
        return false;
    }
    return true;
}

/* api-version is required and has no default (spec §1). */
static bool vault_api_version_or_reply(struct mv_req *r)
{
    const char *v = mv_req_query(r, "api-version");
    char echo[64];

    if (!v || !*v) {
        /* No real capture; spec §2 suggests 400 BadParameter. */
        mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                          "The api-version query parameter is required. Consider using the latest "
                          "supported version (%s).",
                          mv_api_version_latest);
        return false;
    }
    if (!mv_api_version_supported(v)) {
        mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                          "The specified version (%s) is not recognized. Consider using the latest "
                          "supported version (%s).",
                          mv_reply_echo(v, echo, sizeof echo), mv_api_version_latest);
        return false;
    }
    copy_field(r->api_version, sizeof r->api_version, v);
    return true;
}

static enum MHD_Result body_too_large(struct mv_req *r)
{
    if (r->kind == MV_KIND_AAD)
        return mv_reply_aad_error(r, 413, "invalid_request", 900144,
                                  "The request body is larger than 1 MiB.");
    return mv_reply_kv_error(r, 413, "RequestEntityTooLarge", NULL,
                             "The request body is larger than the 1 MiB mockvault accepts.");
}

/* The token request's client_id (v1 and v2 forms, and the managed identity Cloud Shell form). */
static char **client_id_slot(void *ctx, const char *key)
{
    return strcmp(key, "client_id") == 0 ? (char **)ctx : NULL;
}

/* Carries out what a fired rule asks for besides its delay: drop the connection, answer its
 * status, or mark the body for truncation. Returns false when the request was answered (or
 * dropped) here, with *rc the value for libmicrohttpd; true when it goes on to the handler. */
static bool fault_act_or_reply(struct mv_req *r, const struct mv_fault_action *a,
                               enum MHD_Result *rc)
{
    if (a->drop) {
        /* No response at all: returning MHD_NO makes libmicrohttpd close the connection. The
         * journal still records the request, with status 0. */
        r->status = 0;
        snprintf(r->error_code, sizeof r->error_code, "ConnectionDropped");
        r->responded = true;
        mv_router_finished(r);
        *rc = MHD_NO;
        return false;
    }
    r->fault_truncate = a->truncate;
    if (a->status) {
        r->has_retry_after = a->has_retry_after;
        r->retry_after = a->retry_after;
        *rc = mv_reply_fault(r, a->status, r->op ? mv_authz_perm_name(r->op) : NULL);
        return false;
    }
    return true;
}

/* Applies the first /_mock/faults rule that fires for r (DESIGN.md §7). Returns false when the
 * request was answered (or dropped) here, or its connection suspended for a delay, with *rc the
 * value for libmicrohttpd; true when the request goes on to the handler (no rule fired, or a
 * truncation that still lets the handler answer).
 *
 * Where this runs: after the route is known and, for vault requests, after the vault, the bearer
 * token and the api-version were checked, but before the body size, the throttle, authorization
 * and the handler. So a rule can match on the token's principal, and the SDKs' first request
 * without a token still gets its 401 challenge rather than spending a rule meant for the real
 * call ("times": 2 means two authenticated calls fail). Token, managed identity, Graph and ARM
 * endpoints check their credentials in their handlers, so their faults fire before those checks;
 * their principal is the client_id of a token request, or the appid / oid of a valid bearer. */
static bool faults_or_reply(struct mv_req *r, enum MHD_Result *rc)
{
    struct mv_fault_request q = {0};
    struct mv_fault_action a;
    char *client_id = NULL;
    bool go_on = true;

    if (mv_fault_set_empty(r->srv->faults))
        return true;
    switch (r->kind) {
    case MV_KIND_VAULT: q.endpoint = MV_FAULT_EP_VAULT; break;
    case MV_KIND_AAD: q.endpoint = MV_FAULT_EP_TOKEN; break;
    case MV_KIND_MSI: q.endpoint = MV_FAULT_EP_MSI; break;
    case MV_KIND_GRAPH: q.endpoint = MV_FAULT_EP_GRAPH; break;
    case MV_KIND_ARM: q.endpoint = MV_FAULT_EP_ARM; break;
    default: return true; /* the control API is never faulted */
    }
    q.operation = r->operation;
    q.vault = r->vault;
    q.path = r->path;
    if (r->kind == MV_KIND_AAD || r->kind == MV_KIND_MSI) {
        const char *qid = mv_req_query(r, "client_id");
        if (qid)
            client_id = strdup(qid);
        else if (strcmp(r->method, "POST") == 0)
            mv_req_form(r, client_id_slot, &client_id, 128);
        q.appid = client_id;
    } else {
        if ((r->kind == MV_KIND_GRAPH || r->kind == MV_KIND_ARM) && !r->appid[0]) {
            struct mv_claims c;
            (void)mv_auth_bearer(r, &c); /* records appid / oid on r when the token is valid */
        }
        q.appid = r->appid;
        q.oid = r->oid;
    }
    if (!mv_fault_eval(r->srv->faults, &q, &a))
        goto out;
    r->fault_id = a.id;
    if (a.delay_ms) {
        /* A delay suspends the connection instead of sleeping here: a sleeping handler would
         * stall every other connection this libmicrohttpd worker serves, the control API that
         * removes the rule included. The delay queue resumes it when the delay ends (or the rule
         * goes), and libmicrohttpd then calls the handler again for this same request;
         * mv_router_dispatch sees fault_held and goes on from fault_act_or_reply, without
         * evaluating the rules again. */
        switch (mv_fault_delay_hold(r->srv->faults, a.id, a.delay_ms, r->conn)) {
        case MV_FAULT_DELAY_HELD:
            r->fault_action = a;
            r->fault_held = true;
            *rc = MHD_YES;
            go_on = false;
            goto out;
        case MV_FAULT_DELAY_FULL:
            mv_log_notice(&r->srv->log,
                          "fault rule %u: delay skipped: %d delayed requests are already "
                          "waiting (or the server is stopping)",
                          a.id, MV_DELAY_MAX);
            break;
        case MV_FAULT_DELAY_GONE:
            break; /* the rule was removed meanwhile, and its delays with it */
        }
    }
    go_on = fault_act_or_reply(r, &a, rc);
out:
    free(client_id);
    return go_on;
}

/* --throttle azure: Key Vault's per-vault limits (spec §7), counted by each operation's throttle
 * class. Only authenticated requests that reached this point count;
 * a request answered by a fault never reached the vault, and one answered 429 does not count,
 * as on the real service. Returns false after answering 429. */
static double clock_now(void *clock)
{
    return mv_clock_nowf(clock);
}

static bool throttle_or_reply(struct mv_req *r)
{
    struct mv_throttle_limits l;
    enum mv_throttle_class cls = r->op->throttle;

    mv_throttle_get_limits(r->srv->throttle, &l);
    if (!l.enabled)
        return true;
    /* Keys count per key type: the row's class is refined by the key or the create body. */
    if (r->op->family == MV_FAMILY_KEYS)
        cls = mv_keys_throttle_class(r);

    if (mv_throttle_admit_clock(r->srv->throttle, r->vault, cls, clock_now, &r->srv->clock, NULL))
        return true;
    mv_reply_kv_throttled(r);
    return false;
}

/* The rest of a dispatch once the route's checks passed and no fault answered: throttle, body
 * size, authorization, the handler. */
static enum MHD_Result dispatch_checked(struct mv_req *r)
{
    const struct mv_op *rt = r->op;

    if (rt->kind == MV_KIND_VAULT && !throttle_or_reply(r))
        return MHD_YES;
    if (r->body_too_large)
        return body_too_large(r);
    /* Authorization comes after the body-size check and before the handler, as on the real
     * service a denied caller learns nothing about the secret. */
    if (rt->kind == MV_KIND_VAULT && !mv_authz_vault_or_reply(r))
        return MHD_YES;
    if (rt->kind == MV_KIND_CONTROL && !mv_control_admits(r))
        return mv_control_refuse(r);
    return rt->fn(r);
}

enum MHD_Result mv_router_dispatch(struct mv_req *r)
{
    enum MHD_Result rc;
    bool mismatch;
    const struct mv_op *rt;
    size_t hl = strlen(r->host_name);
    /* Unknown paths on a vault's own host name still get the vault checks, so a client probing
     * with no token sees the challenge as it would from Key Vault. */
    bool vault_host = hl > 16 && strcmp(r->host_name + hl - 16, ".vault.azure.net") == 0;
    bool vault;

    if (r->fault_held) {
        /* Resumed after a fault's delay: the route and its checks were done before the delay
         * (doing them again would count the rule twice and re-allocate the captures), so go on
         * exactly where the delay began: the rest of the rule's action, then the handler. */
        r->fault_held = false;
        if (!fault_act_or_reply(r, &r->fault_action, &rc))
            return rc;
        return dispatch_checked(r);
    }
    rt = find_op(r, &mismatch);

    /* The plain-http IMDS listener (--imds-port) serves managed identity and nothing else. */
    if (r->on_imds && (!rt || rt->kind != MV_KIND_MSI)) {
        rt = NULL;
        mismatch = false;
        vault_host = false;
    }
    vault =
        rt ? rt->kind == MV_KIND_VAULT : (!r->on_imds && (is_vault_path(r->path) || vault_host));
    r->op = rt;
    r->kind = rt ? rt->kind : (vault ? MV_KIND_VAULT : MV_KIND_OTHER);
    r->operation = rt ? rt->name : NULL;
    if (vault) {
        /* Order matters: the SDKs' first request has no token and no body, and must get the
         * challenge before any body or api-version check (spec §3). */
        if (!resolve_vault_or_reply(r))
            return MHD_YES;
        mv_store_purge_due(r->srv->store, mv_req_now(r));
        mv_events_rotation_due(r->srv, mv_req_now(r));
        if (!vault_auth_or_reply(r))
            return MHD_YES;
        if (!vault_api_version_or_reply(r))
            return MHD_YES;
    }
    if (!rt) {
        char echo[200];
        if (mismatch)
            return mv_reply_kv_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed", NULL,
                                     "The method %s is not allowed on %s.", r->method,
                                     mv_reply_echo(r->path, echo, sizeof echo));
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "NotFound", NULL,
                                 "mockvault: no endpoint at %s %s.", r->method,
                                 mv_reply_echo(r->path, echo, sizeof echo));
    }
    if (!faults_or_reply(r, &rc))
        return rc;
    return dispatch_checked(r);
}
