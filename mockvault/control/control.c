/* control.c: the /_mock control API for tests (DESIGN.md §7): health, reset, state export and
 * import, clock, CA certificate, request journal, fault rules and the throttling model. Loopback
 * peers, and other peers with the control token (the router asks mv_control_admits). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-version.h" /* the one version, meson's project version */
#include "control.h"
#include "authz.h"
#include "consistency.h"
#include "fault.h"
#include "http.h"
#include "journal.h"
#include "reply.h"
#include "revoke.h"
#include "op.h"
#include "state.h"
#include "events.h"
#include "throttle.h"
#include "tls.h"
#include "util.h"
#include "cx-file.h"
#include "cx-mem.h"

static enum MHD_Result bad_request(struct mv_req *r, const char *code, const char *msg)
{
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, code, NULL, "%s", msg);
}

static enum MHD_Result h_health(struct mv_req *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", CX_VERSION);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result reply_store_failure(struct mv_req *r, enum mv_err e)
{
    return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                             e == MV_E_PERSIST
                                 ? "The new state is live but could not be saved to the state dir."
                                 : "Out of memory.");
}

/* Back to the loaded fixture, with the clock back to real time (relative fixture times are
 * evaluated again against it). */
static enum MHD_Result h_reset(struct mv_req *r)
{
    struct mv_server *srv = r->srv;
    struct mv_data *d;
    char err[1024];
    enum mv_err e;
    cJSON *o;

    mv_clock_reset(&srv->clock);
    if (srv->fixture_json)
        d = mv_state_parse(srv->fixture_json, srv->fixture_len, srv->fixture_source,
                           mv_clock_now(&srv->clock), err, sizeof err);
    else
        d = calloc(1, sizeof *d);
    if (!d)
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "BadFixture", NULL, "%s", err);
    e = mv_store_replace(srv->store, d);
    if (e != MV_OK)
        return reply_store_failure(r, e);
    mv_authz_usage_clear(srv->authz_usage);
    mv_journal_clear(srv->journal);
    mv_fault_clear(srv->faults);
    mv_throttle_reset(srv->throttle);
    mv_consist_reset(srv->consist); /* --consistency and --paging as the options set them */
    mv_revocations_clear(srv->revocations);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "reset");
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_state_get(struct mv_req *r)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    cJSON *j = mv_state_export(d);

    mv_store_unlock(r->srv->store);
    if (!j)
        return reply_store_failure(r, MV_E_NOMEM);
    return mv_reply_json(r, MHD_HTTP_OK, j);
}

static enum MHD_Result h_state_put(struct mv_req *r)
{
    char err[1024];
    struct mv_data *d =
        mv_state_parse(r->body, r->body_len, "PUT /_mock/state", mv_req_now(r), err, sizeof err);
    enum mv_err e;

    if (!d)
        return bad_request(r, "BadFixture", err);
    e = mv_store_replace(r->srv->store, d);
    if (e != MV_OK)
        return reply_store_failure(r, e);
    return h_state_get(r);
}

static enum MHD_Result reply_clock(struct mv_req *r)
{
    double now, offset;
    bool frozen;
    cJSON *o = cJSON_CreateObject();

    mv_clock_get(&r->srv->clock, &now, &frozen, &offset);
    cJSON_AddNumberToObject(o, "now", (double)(int64_t)now);
    cJSON_AddBoolToObject(o, "frozen", frozen);
    cJSON_AddNumberToObject(o, "offset", (double)(int64_t)offset);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_clock_get(struct mv_req *r)
{
    return reply_clock(r);
}

/* POST {"advance":s} | {"set":unix} | {"freeze":bool}; keys may be combined, applied in that
 * order. Soft-deleted secrets whose purge date the clock passes are purged at once. */
static enum MHD_Result h_clock_post(struct mv_req *r)
{
    cJSON *j = mv_req_json(r);
    const cJSON *adv, *set, *frz;
    int ok;

    if (!cJSON_IsObject(j)) {
        ok = bad_request(r, "BadParameter",
                         "Body must be a JSON object with \"advance\" (seconds), \"set\" (unix "
                         "seconds) or \"freeze\" (true/false).");
        goto out;
    }
    adv = cJSON_GetObjectItemCaseSensitive(j, "advance");
    set = cJSON_GetObjectItemCaseSensitive(j, "set");
    frz = cJSON_GetObjectItemCaseSensitive(j, "freeze");
    if ((adv && !cJSON_IsNumber(adv)) || (set && !cJSON_IsNumber(set)) ||
        (frz && !cJSON_IsBool(frz)) || (!adv && !set && !frz)) {
        ok = bad_request(r, "BadParameter",
                         "Use {\"advance\":seconds}, {\"set\":unix-seconds} or {\"freeze\":bool}.");
        goto out;
    }
    if (set && (set->valuedouble < 0 || set->valuedouble > (double)MV_TIME_MAX)) {
        ok =
            bad_request(r, "BadParameter", "\"set\" must be unix seconds between 0 and year 9999.");
        goto out;
    }
    if (adv) {
        /* Bound where the clock lands, not only the step: repeated advances would otherwise take
         * it past what a time_t, an int64 journal time or an RFC 3339 date can hold. */
        double to = set ? set->valuedouble /* "set" comes after and wins */
                        : mv_clock_nowf(&r->srv->clock) + adv->valuedouble;
        if (!(adv->valuedouble >= -3e11 && adv->valuedouble <= 3e11) || to < 0 ||
            to > (double)MV_TIME_MAX) {
            ok = bad_request(r, "BadParameter",
                             "\"advance\" must keep the clock between unix 0 "
                             "and the end of year 9999.");
            goto out;
        }
    }
    if (adv)
        mv_clock_advance(&r->srv->clock, adv->valuedouble);
    if (set)
        mv_clock_set(&r->srv->clock, set->valuedouble);
    if (frz)
        mv_clock_freeze(&r->srv->clock, cJSON_IsTrue(frz));
    r->now = 0; /* the clock just moved: read it again */
    mv_store_purge_due(r->srv->store, mv_req_now(r));
    /* Rotation policies act when the clock passes their time (keys spec §3.9). */
    mv_events_rotation_due(r->srv, mv_req_now(r));
    ok = reply_clock(r);
out:
    cJSON_Delete(j);
    return ok;
}

/* The vault object named r->cap[0] inside an exported state tree, or NULL. */
static cJSON *vault_json(cJSON *state, const char *name)
{
    cJSON *v;

    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(state, "vaults")) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "name");
        if (cJSON_IsString(n) && strcasecmp(n->valuestring, name) == 0)
            return v;
    }
    return NULL;
}

static enum MHD_Result no_such_vault(struct mv_req *r)
{
    char echo[80];
    return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "VaultNotFound", NULL,
                             "mockvault: no vault named '%s'.",
                             mv_reply_echo(r->cap[0], echo, sizeof echo));
}

/* GET /_mock/vaults/{name}/accessPolicies and .../roleAssignments, in the fixture format. */
static enum MHD_Result access_get(struct mv_req *r, const char *key)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    cJSON *state = mv_state_export(d), *v, *arr;
    int ok;

    mv_store_unlock(r->srv->store);
    if (!state)
        return reply_store_failure(r, MV_E_NOMEM);
    v = vault_json(state, r->cap[0]);
    if (!v) {
        ok = no_such_vault(r);
    } else {
        arr = cJSON_DetachItemFromObjectCaseSensitive(v, key);
        ok = mv_reply_json(r, MHD_HTTP_OK, arr ? arr : cJSON_CreateArray());
    }
    cJSON_Delete(state);
    return ok;
}

/* Changes one vault's list at runtime: edit(list, body) turns the current list (fixture format)
 * into the new one, or returns a message for a 400. The new list is validated by the fixture
 * parser itself: it is put into an export of the current state, which is parsed again (so an
 * error names the JSON path exactly as a fixture error would), and only the vault's list is then
 * swapped in. Secrets are untouched, so no write can be lost in between. */
typedef const char *(*access_edit_fn)(cJSON *vault, const char *key, cJSON *body);

static enum MHD_Result access_change(struct mv_req *r, const char *key, bool policies,
                                     access_edit_fn edit)
{
    const struct mv_data *d;
    cJSON *state = NULL, *v, *body = NULL;
    char *text = NULL, err[1024], source[160];
    struct mv_data *parsed = NULL;
    struct mv_vault *pv;
    const char *msg;
    enum mv_err e;
    int ok;

    body = mv_req_json(r);
    d = mv_store_rdlock(r->srv->store);
    state = mv_state_export(d);
    mv_store_unlock(r->srv->store);
    if (!state) {
        ok = reply_store_failure(r, MV_E_NOMEM);
        goto out;
    }
    v = vault_json(state, r->cap[0]);
    if (!v) {
        ok = no_such_vault(r);
        goto out;
    }
    if ((msg = edit(v, key, body)) != NULL) {
        ok = bad_request(r, "BadParameter", msg);
        goto out;
    }
    text = cJSON_PrintUnformatted(state);
    if (!text) {
        ok = reply_store_failure(r, MV_E_NOMEM);
        goto out;
    }
    snprintf(source, sizeof source, "%s /_mock/vaults/%s/%s", r->method, r->cap[0], key);
    parsed = mv_state_parse(text, strlen(text), source, mv_req_now(r), err, sizeof err);
    if (!parsed) {
        ok = bad_request(r, "BadParameter", err);
        goto out;
    }
    pv = mv_data_vault(parsed, r->cap[0]);
    e = pv ? mv_store_set_vault_access(r->srv->store, r->cap[0], pv, policies, !policies)
           : MV_E_NO_VAULT;
    if (e == MV_E_NO_VAULT)
        ok = no_such_vault(r);
    else if (e != MV_OK)
        ok = reply_store_failure(r, e);
    else
        ok = access_get(r, key);
out:
    if (text) {
        /* The exported state holds secret values. */
        cx_free_wiped(text);
    }
    mv_data_free(parsed);
    cJSON_Delete(state);
    cJSON_Delete(body);
    return ok;
}

/* PUT: the body is the whole new list. */
static const char *edit_replace(cJSON *vault, const char *key, cJSON *body)
{
    cJSON *copy;

    if (!cJSON_IsArray(body))
        return strcmp(key, "accessPolicies") == 0
                   ? "The body must be a JSON array of access policies (fixture format)."
                   : "The body must be a JSON array of role assignments (fixture format).";
    copy = cJSON_Duplicate(body, true);
    if (!copy || !cJSON_ReplaceItemInObjectCaseSensitive(vault, key, copy)) {
        cJSON_Delete(copy);
        return "Out of memory.";
    }
    return NULL;
}

static bool str_eq(const cJSON *a, const cJSON *b)
{
    return cJSON_IsString(a) && cJSON_IsString(b) &&
           strcasecmp(a->valuestring, b->valuestring) == 0;
}

/* Both absent, or the same text (case-insensitive); absent stands for dflt (may be NULL). */
static bool opt_eq(const cJSON *a, const cJSON *b, const cJSON *dflt)
{
    a = a ? a : dflt;
    b = b ? b : dflt;
    return (!a && !b) || str_eq(a, b);
}

/* The vault's list key, created empty when absent. */
static cJSON *vault_list(cJSON *vault, const char *key)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(vault, key);

    if (!list)
        list = cJSON_AddArrayToObject(vault, key);
    return cJSON_IsArray(list) ? list : NULL;
}

/* Adds the names of from (an array of strings) to the array to, skipping those it has; an entry
 * holding "all" already has everything. */
static void perm_union(cJSON *to, const cJSON *from)
{
    const cJSON *p, *q;

    cJSON_ArrayForEach(q, to)
        if (cJSON_IsString(q) && strcasecmp(q->valuestring, "all") == 0)
            return;
    cJSON_ArrayForEach(p, from) {
        bool have = false;
        cJSON_ArrayForEach(q, to)
            have = have || str_eq(p, q);
        if (!have)
            cJSON_AddItemToArray(to, cJSON_Duplicate(p, false));
    }
}

/* POST .../accessPolicies: one entry merged: its permissions are added to the entry with the same
 * objectId, tenantId (absent = the vault's) and applicationId, or it is appended. The smallest
 * change of an access-policy denial (the journal's "fix", the console's fix button). */
static const char *edit_merge_policy(cJSON *vault, const char *key, cJSON *body)
{
    const cJSON *oid = cJSON_GetObjectItemCaseSensitive(body, "objectId");
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(body, "tenantId");
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(body, "applicationId");
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(body, "permissions");
    const cJSON *vtid = cJSON_GetObjectItemCaseSensitive(vault, "tenantId"), *fam;
    cJSON *list = vault_list(vault, key), *e;

    if (!cJSON_IsObject(body) || !cJSON_IsString(oid) || !cJSON_IsObject(perms))
        return "The body must be one access policy (fixture format): {\"objectId\",\"tenantId\"?,"
               "\"applicationId\"?,\"permissions\":{\"secrets\":[...],...}}.";
    if (!list)
        return "Out of memory.";
    cJSON_ArrayForEach(e, list) {
        cJSON *have;
        if (!str_eq(cJSON_GetObjectItemCaseSensitive(e, "objectId"), oid) ||
            !opt_eq(cJSON_GetObjectItemCaseSensitive(e, "tenantId"), tid, vtid) ||
            !opt_eq(cJSON_GetObjectItemCaseSensitive(e, "applicationId"), app, NULL))
            continue;
        have = cJSON_GetObjectItemCaseSensitive(e, "permissions");
        if (!have)
            have = cJSON_AddObjectToObject(e, "permissions");
        cJSON_ArrayForEach(fam, perms) {
            cJSON *to = cJSON_GetObjectItemCaseSensitive(have, fam->string);
            if (!cJSON_IsArray(fam))
                return "Each permission list must be an array of names.";
            if (!to)
                to = cJSON_AddArrayToObject(have, fam->string);
            if (cJSON_IsArray(to))
                perm_union(to, fam);
        }
        return NULL;
    }
    cJSON_AddItemToArray(list, cJSON_Duplicate(body, true));
    return NULL;
}

/* POST .../roleAssignments: one assignment added, unless the same one is there (scope absent =
 * "/"). The smallest change of an RBAC denial. */
static const char *edit_add_role(cJSON *vault, const char *key, cJSON *body)
{
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(body, "principalId");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(body, "role");
    const cJSON *scope = cJSON_GetObjectItemCaseSensitive(body, "scope");
    cJSON *list = vault_list(vault, key), *e, *root = cJSON_CreateString("/");
    bool have = false;

    if (!cJSON_IsObject(body) || !cJSON_IsString(pid) || !cJSON_IsString(role) ||
        (scope && !cJSON_IsString(scope))) {
        cJSON_Delete(root);
        return "The body must be one role assignment (fixture format): "
               "{\"principalId\",\"role\",\"scope\"?}.";
    }
    cJSON_ArrayForEach(e, list)
        have = have || (str_eq(cJSON_GetObjectItemCaseSensitive(e, "principalId"), pid) &&
                        str_eq(cJSON_GetObjectItemCaseSensitive(e, "role"), role) &&
                        opt_eq(cJSON_GetObjectItemCaseSensitive(e, "scope"), scope, root));
    cJSON_Delete(root);
    if (!list)
        return "Out of memory.";
    if (!have)
        cJSON_AddItemToArray(list, cJSON_Duplicate(body, true));
    return NULL;
}

static enum MHD_Result h_policies_get(struct mv_req *r)
{
    return access_get(r, "accessPolicies");
}

static enum MHD_Result h_policies_put(struct mv_req *r)
{
    return access_change(r, "accessPolicies", true, edit_replace);
}

static enum MHD_Result h_policies_post(struct mv_req *r)
{
    return access_change(r, "accessPolicies", true, edit_merge_policy);
}

static enum MHD_Result h_roles_get(struct mv_req *r)
{
    return access_get(r, "roleAssignments");
}

static enum MHD_Result h_roles_put(struct mv_req *r)
{
    return access_change(r, "roleAssignments", false, edit_replace);
}

static enum MHD_Result h_roles_post(struct mv_req *r)
{
    return access_change(r, "roleAssignments", false, edit_add_role);
}

static enum MHD_Result h_needed(struct mv_req *r)
{
    cJSON *o = mv_authz_needed(r->srv);
    return o ? mv_reply_json(r, MHD_HTTP_OK, o) : reply_store_failure(r, MV_E_NOMEM);
}

static enum MHD_Result h_ca(struct mv_req *r)
{
    if (!r->srv->tls)
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "NotFound", NULL,
                                 "This mock runs with --http: there is no CA certificate.");
    return mv_reply_text(r, MHD_HTTP_OK, "application/x-pem-file", r->srv->tls->ca_pem);
}

/* GET /_mock/requests?operation=&vault=&principal=&status=&since= : the journal, oldest first. */
static enum MHD_Result h_requests_get(struct mv_req *r)
{
    struct mv_journal_filter f = {0};
    const char *status = mv_req_query(r, "status"), *since = mv_req_query(r, "since");
    char *end;
    cJSON *o;

    f.operation = mv_req_query(r, "operation");
    f.vault = mv_req_query(r, "vault");
    f.principal = mv_req_query(r, "principal");
    if (status) {
        long v;
        errno = 0;
        v = strtol(status, &end, 10);
        if (errno || !*status || *end || v < 100 || v > 599)
            return bad_request(r, "BadParameter",
                               "Query parameter 'status' must be an HTTP status code (100-599).");
        f.has_status = true;
        f.status = (unsigned)v;
    }
    if (since) {
        errno = 0;
        f.since = strtod(since, &end);
        if (errno || !*since || *end || !isfinite(f.since))
            return bad_request(r, "BadParameter",
                               "Query parameter 'since' must be unix seconds (a number).");
        f.has_since = true;
    }
    o = mv_journal_query(r->srv->journal, &f);
    if (!o)
        return reply_store_failure(r, MV_E_NOMEM);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_requests_delete(struct mv_req *r)
{
    mv_journal_clear(r->srv->journal);
    return mv_reply_no_content(r);
}

/* POST /_mock/faults: one rule (DESIGN.md §7). 201 {"id":N}; a bad rule is a 400 whose message
 * says what to fix, and then no rule was added. */
static enum MHD_Result h_faults_post(struct mv_req *r)
{
    char err[512];
    unsigned id;
    cJSON *o;

    if (mv_fault_add_json(r->srv->faults, r->body, r->body_len, &id, err, sizeof err) != 0)
        return bad_request(r, "BadParameter", err);
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", id);
    return mv_reply_json(r, MHD_HTTP_CREATED, o);
}

static enum MHD_Result h_faults_get(struct mv_req *r)
{
    cJSON *o = mv_fault_list(r->srv->faults);
    return o ? mv_reply_json(r, MHD_HTTP_OK, o) : reply_store_failure(r, MV_E_NOMEM);
}

static enum MHD_Result h_faults_delete(struct mv_req *r)
{
    mv_fault_clear(r->srv->faults);
    return mv_reply_no_content(r);
}

static enum MHD_Result h_fault_delete(struct mv_req *r)
{
    char *end, echo[40];
    unsigned long id;

    errno = 0;
    id = strtoul(r->cap[0], &end, 10);
    if (errno || *end || r->cap[0][0] < '1' || r->cap[0][0] > '9' || id > 0xffffffffUL ||
        !mv_fault_remove(r->srv->faults, (unsigned)id))
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "NotFound", NULL,
                                 "mockvault: no fault rule with id '%s'.",
                                 mv_reply_echo(r->cap[0], echo, sizeof echo));
    return mv_reply_no_content(r);
}

static enum MHD_Result reply_throttle(struct mv_req *r)
{
    struct mv_throttle_limits l;
    cJSON *o = cJSON_CreateObject();

    mv_throttle_get_limits(r->srv->throttle, &l);
    cJSON_AddStringToObject(o, "mode", l.enabled ? "azure" : "off");
    cJSON_AddNumberToObject(o, "transactions", l.transactions);
    cJSON_AddNumberToObject(o, "creations", l.creations);
    cJSON_AddNumberToObject(o, "windowSeconds", l.window);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_throttle_get(struct mv_req *r)
{
    return reply_throttle(r);
}

/* A whole number in [1, MV_THROTTLE_MAX_LIMIT]. */
static bool limit_ok(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= MV_THROTTLE_MAX_LIMIT &&
           v->valuedouble == floor(v->valuedouble);
}

/* PUT /_mock/throttle {"mode":"azure"|"off","transactions":N,"creations":N,"windowSeconds":S}:
 * every key optional, the rest kept. Lets tests lower the limits instead of sending 4,000
 * requests; every window starts empty again. POST /_mock/reset restores the options' values. */
static enum MHD_Result h_throttle_put(struct mv_req *r)
{
    static const char *const usage =
        "Body: {\"mode\":\"azure\"|\"off\",\"transactions\":1-1000000,\"creations\":1-1000000,"
        "\"windowSeconds\":0.001-3600}; every key is optional.";
    cJSON *j = mv_req_json(r);
    const cJSON *k, *mode, *tr, *cr, *win;
    struct mv_throttle_limits l;
    int ok;

    if (!cJSON_IsObject(j)) {
        ok = bad_request(r, "BadParameter", usage);
        goto out;
    }
    cJSON_ArrayForEach(k, j) {
        if (strcmp(k->string, "mode") != 0 && strcmp(k->string, "transactions") != 0 &&
            strcmp(k->string, "creations") != 0 && strcmp(k->string, "windowSeconds") != 0) {
            ok = bad_request(r, "BadParameter", usage);
            goto out;
        }
    }
    mode = cJSON_GetObjectItemCaseSensitive(j, "mode");
    tr = cJSON_GetObjectItemCaseSensitive(j, "transactions");
    cr = cJSON_GetObjectItemCaseSensitive(j, "creations");
    win = cJSON_GetObjectItemCaseSensitive(j, "windowSeconds");
    if ((mode && !(cJSON_IsString(mode) && (strcmp(mode->valuestring, "azure") == 0 ||
                                            strcmp(mode->valuestring, "off") == 0))) ||
        (tr && !limit_ok(tr)) || (cr && !limit_ok(cr)) ||
        (win && !(cJSON_IsNumber(win) && win->valuedouble >= 0.001 && win->valuedouble <= 3600))) {
        ok = bad_request(r, "BadParameter", usage);
        goto out;
    }
    mv_throttle_get_limits(r->srv->throttle, &l);
    if (mode)
        l.enabled = strcmp(mode->valuestring, "azure") == 0;
    if (tr)
        l.transactions = (unsigned)tr->valuedouble;
    if (cr)
        l.creations = (unsigned)cr->valuedouble;
    if (win)
        l.window = win->valuedouble;
    mv_throttle_set_limits(r->srv->throttle, &l);
    ok = reply_throttle(r);
out:
    cJSON_Delete(j);
    return ok;
}

/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_control_ops[] = {
    MV_OP("GET", "/_mock/health", h_health, "MockHealth", MV_KIND_CONTROL, false),
    MV_OP("POST", "/_mock/reset", h_reset, "MockReset", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/state", h_state_get, "MockStateGet", MV_KIND_CONTROL, false),
    MV_OP("PUT", "/_mock/state", h_state_put, "MockStatePut", MV_KIND_CONTROL, true),
    MV_OP("GET", "/_mock/clock", h_clock_get, "MockClockGet", MV_KIND_CONTROL, false),
    MV_OP("POST", "/_mock/clock", h_clock_post, "MockClockSet", MV_KIND_CONTROL, true),
    MV_OP("GET", "/_mock/ca.pem", h_ca, "MockCa", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/vaults/{}/accessPolicies", h_policies_get, "MockAccessPoliciesGet", MV_KIND_CONTROL, false),
    MV_OP("PUT", "/_mock/vaults/{}/accessPolicies", h_policies_put, "MockAccessPoliciesPut", MV_KIND_CONTROL, true),
    MV_OP("POST", "/_mock/vaults/{}/accessPolicies", h_policies_post, "MockAccessPolicyMerge", MV_KIND_CONTROL, true),
    MV_OP("GET", "/_mock/vaults/{}/roleAssignments", h_roles_get, "MockRoleAssignmentsGet", MV_KIND_CONTROL, false),
    MV_OP("PUT", "/_mock/vaults/{}/roleAssignments", h_roles_put, "MockRoleAssignmentsPut", MV_KIND_CONTROL, true),
    MV_OP("POST", "/_mock/vaults/{}/roleAssignments", h_roles_post, "MockRoleAssignmentAdd", MV_KIND_CONTROL, true),
    MV_OP("GET", "/_mock/authz/needed", h_needed, "MockAuthzNeeded", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/requests", h_requests_get, "MockRequestsGet", MV_KIND_CONTROL, false),
    MV_OP("DELETE", "/_mock/requests", h_requests_delete, "MockRequestsClear", MV_KIND_CONTROL, false),
    MV_OP("POST", "/_mock/faults", h_faults_post, "MockFaultAdd", MV_KIND_CONTROL, true),
    MV_OP("GET", "/_mock/faults", h_faults_get, "MockFaultsGet", MV_KIND_CONTROL, false),
    MV_OP("DELETE", "/_mock/faults", h_faults_delete, "MockFaultsClear", MV_KIND_CONTROL, false),
    MV_OP("DELETE", "/_mock/faults/{}", h_fault_delete, "MockFaultDelete", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/throttle", h_throttle_get, "MockThrottleGet", MV_KIND_CONTROL, false),
    MV_OP("PUT", "/_mock/throttle", h_throttle_put, "MockThrottleSet", MV_KIND_CONTROL, true),
    MV_OP_END,
};
/* clang-format on */

/* A token is sent in a header, so only characters a header carries unchanged; short ones are
 * guessable. */
static bool token_ok(const char *t, size_t n)
{
    if (n < 16 || n >= sizeof((struct mv_server *)0)->control_token)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=", t[i]))
            return false;
    return true;
}

int mv_control_token_setup(struct mv_server *srv, bool *announce, char *err, size_t errlen)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[32];
    char path[4096];
    char *stored = NULL;
    size_t len = 0;
    int rc = -1;

    *announce = false;
    if (!srv->cfg.allow_remote)
        return 0;
    if (srv->cfg.control_token) {
        if (!token_ok(srv->cfg.control_token, strlen(srv->cfg.control_token))) {
            snprintf(err, errlen,
                     "--control-token: 16 to %zu characters from A-Z a-z 0-9 - . _ ~ + / =",
                     sizeof srv->control_token - 1);
            return -1;
        }
        snprintf(srv->control_token, sizeof srv->control_token, "%s", srv->cfg.control_token);
        return 0;
    }
    *announce = true;
    if (srv->state_dir) {
        snprintf(path, sizeof path, "%s/control-token", srv->state_dir);
        stored = cx_read_file(path, sizeof srv->control_token, &len);
        /* A restart keeps the token, so clients configured with it go on working. */
        if (stored && token_ok(stored, len)) {
            memcpy(srv->control_token, stored, len);
            srv->control_token[len] = '\0';
            rc = 0;
            goto out;
        }
    }
    mv_rand_bytes(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++) {
        srv->control_token[2 * i] = hex[raw[i] >> 4];
        srv->control_token[2 * i + 1] = hex[raw[i] & 15];
    }
    srv->control_token[2 * sizeof raw] = '\0';
    rc = 0;
    if (srv->state_dir &&
        cx_write_file_atomic(path, srv->control_token, strlen(srv->control_token), 0600) != 0) {
        snprintf(err, errlen, "%s: cannot write the control token: %s", path, strerror(errno));
        rc = -1;
    }
out:
    if (stored)
        cx_wipe_free(stored, len);
    cx_wipe(raw, sizeof raw);
    return rc;
}

void mv_control_announce(const struct mv_server *srv, bool announce)
{
    if (srv->cfg.print_ca && srv->tls)
        printf("mockvault: the CA certificate to trust (also %s, and GET /_mock/ca.pem):\n%s",
               srv->tls->ca_path, srv->tls->ca_pem);
    if (announce)
        printf("mockvault: control token for peers that are not loopback (send it as %s: ...; "
               "set MOCKVAULT_CONTROL_TOKEN to choose it): %s\n",
               MV_CONTROL_TOKEN_HEADER, srv->control_token);
    fflush(stdout);
}

bool mv_control_admits(struct mv_req *r)
{
    const char *sent;

    if (r->peer_loopback)
        return true;
    /* The health answer and the CA certificate are public: a container's health probe and a
     * client that must first learn what to trust need them before anything else. */
    if (r->op && (r->op->fn == h_health || r->op->fn == h_ca))
        return true;
    if (!r->srv->control_token[0])
        return false;
    sent = mv_req_header(r, MV_CONTROL_TOKEN_HEADER);
    return sent &&
           cx_ct_equal(sent, strlen(sent), r->srv->control_token, strlen(r->srv->control_token));
}

enum MHD_Result mv_control_refuse(struct mv_req *r)
{
    if (!r->srv->control_token[0])
        return mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                                 "The mockvault control API answers loopback peers only.");
    return mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                             "The mockvault control API answers loopback peers, and other peers "
                             "that send the control token in the %s header (printed at start, "
                             "kept in the state dir as control-token, or set with "
                             "MOCKVAULT_CONTROL_TOKEN).",
                             MV_CONTROL_TOKEN_HEADER);
}
