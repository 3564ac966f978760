/* console.c: the browser console (docs/console.md): its embedded files under /_mock/ui, the
 * metadata-only summary it reads (GET /_mock/summary: never a value, never key material) and the
 * live journal (GET /_mock/requests/stream, server-sent events on a suspended connection,
 * net/stream.h). These are control operations, so the control API's peer rule applies to them:
 * loopback, or the control token. */
#include "op.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz.h"
#include "console-assets.h"
#include "journal.h"
#include "reply.h"
#include "state.h"
#include "store.h"
#include "stream.h"

/* Entries sent in one batch of the stream: the first (the backlog the page opens with) and every
 * later one. A batch goes out at most every MV_STREAM_INTERVAL_MS, so a stream costs the server
 * at most ten times BATCH entries a second (the page draws 500 rows), however fast requests come;
 * the rest are counted in a "skipped" event (GET /_mock/requests has them all). */
#define FIRST_BATCH 1000
#define BATCH 100

static const struct mv_console_asset *asset(const char *name)
{
    for (const struct mv_console_asset *a = mv_console_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

static enum MHD_Result reply_asset(struct mv_req *r, const char *name)
{
    const struct mv_console_asset *a = asset(name);
    char echo[64];

    if (!a)
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "NotFound", NULL,
                                 "mockvault: the console has no file '%s'.",
                                 mv_reply_echo(name, echo, sizeof echo));
    return mv_reply_asset(r, a->content_type, a->data, a->len);
}

static enum MHD_Result h_ui(struct mv_req *r)
{
    return reply_asset(r, "index.html");
}

static enum MHD_Result h_ui_file(struct mv_req *r)
{
    return reply_asset(r, r->cap[0]);
}

/* ---- GET /_mock/summary ---- */

static void add_time(cJSON *o, const char *key, bool has, int64_t t)
{
    if (has)
        cJSON_AddNumberToObject(o, key, (double)t);
}

/* One version's metadata: attributes, tags, content type, the key type of a key. Nothing of the
 * payload: no value, no key material. */
static cJSON *version_json(const struct mv_version *v, bool current, int64_t now)
{
    cJSON *o = cJSON_CreateObject(), *tags;

    cJSON_AddStringToObject(o, "id", v->id);
    cJSON_AddBoolToObject(o, "current", current);
    cJSON_AddBoolToObject(o, "enabled", v->enabled);
    add_time(o, "nbf", v->has_nbf, v->nbf);
    add_time(o, "exp", v->has_exp, v->exp);
    add_time(o, "created", true, v->created);
    add_time(o, "updated", true, v->updated);
    /* As the service decides it: an expired or not-yet-valid version is refused (403). */
    cJSON_AddBoolToObject(o, "expired", v->has_exp && now >= v->exp);
    cJSON_AddBoolToObject(o, "notYetValid", v->has_nbf && now < v->nbf);
    if (v->content_type)
        cJSON_AddStringToObject(o, "contentType", v->content_type);
    if (v->key && v->key->mat) {
        char kty[32];
        unsigned bits = mv_keymat_bits(v->key->mat);
        enum mv_crv crv = mv_keymat_crv(v->key->mat);
        bool rsa = crv == MV_CRV_NONE;
        snprintf(kty, sizeof kty, "%s%s", rsa ? "RSA" : "EC", v->key->hsm ? "-HSM" : "");
        cJSON_AddStringToObject(o, "keyType", kty);
        if (rsa)
            cJSON_AddNumberToObject(o, "keySize", bits);
        else
            cJSON_AddStringToObject(o, "curve", mv_crv_name(crv));
    }
    if (v->tags.present) {
        tags = cJSON_AddObjectToObject(o, "tags");
        for (size_t i = 0; tags && i < v->tags.n; i++)
            cJSON_AddStringToObject(tags, v->tags.items[i].name, v->tags.items[i].value);
    }
    return o;
}

static cJSON *object_json(const struct mv_object *obj, int64_t now)
{
    cJSON *o = cJSON_CreateObject(), *vers;

    cJSON_AddStringToObject(o, "name", obj->name);
    cJSON_AddBoolToObject(o, "deleted", obj->deleted);
    if (obj->deleted) {
        cJSON_AddNumberToObject(o, "deletedDate", (double)obj->deleted_date);
        cJSON_AddNumberToObject(o, "scheduledPurgeDate", (double)obj->scheduled_purge_date);
    }
    vers = cJSON_AddArrayToObject(o, "versions");
    for (size_t i = 0; vers && i < obj->nversions; i++)
        cJSON_AddItemToArray(vers, version_json(&obj->versions[i], i + 1 == obj->nversions, now));
    return o;
}

/* A vault's settings and its objects, family by family (every enum mv_objtype value, so a new
 * family appears without a change here). */
static cJSON *vault_json(const struct mv_vault *v, int64_t now)
{
    cJSON *o = cJSON_CreateObject(), *objs;

    cJSON_AddStringToObject(o, "name", v->name);
    cJSON_AddStringToObject(o, "tenantId", v->tenant_id ? v->tenant_id : "");
    cJSON_AddStringToObject(o, "location", v->location ? v->location : "");
    cJSON_AddStringToObject(o, "permissionModel",
                            v->model == MV_MODEL_RBAC ? "rbac" : "accessPolicy");
    cJSON_AddNumberToObject(o, "retentionDays", v->retention_days);
    cJSON_AddBoolToObject(o, "purgeProtection", v->purge_protection);
    cJSON_AddStringToObject(o, "recoveryLevel",
                            mv_recovery_level(v->retention_days, v->purge_protection));
    objs = cJSON_AddObjectToObject(o, "objects");
    for (int t = 0; objs && t < MV_OBJ_COUNT; t++) {
        size_t n;
        const struct mv_object *items = mv_vault_objects(v, (enum mv_objtype)t, &n);
        cJSON *arr = cJSON_AddArrayToObject(objs, mv_objtype_name((enum mv_objtype)t));
        for (size_t i = 0; arr && i < n; i++)
            cJSON_AddItemToArray(arr, object_json(&items[i], now));
    }
    return o;
}

/* Who exists: applications (their credentials counted, never shown), managed identities and
 * users. */
static cJSON *tenant_json(const struct mv_tenant *t)
{
    cJSON *o = cJSON_CreateObject(), *arr;

    cJSON_AddStringToObject(o, "id", t->id);
    cJSON_AddStringToObject(o, "domain", t->domain ? t->domain : "");
    arr = cJSON_AddArrayToObject(o, "applications");
    for (size_t i = 0; arr && i < t->napps; i++) {
        const struct mv_app *a = &t->apps[i];
        cJSON *ao = cJSON_CreateObject();
        cJSON_AddStringToObject(ao, "displayName", a->display_name ? a->display_name : "");
        cJSON_AddStringToObject(ao, "clientId", a->client_id);
        cJSON_AddStringToObject(ao, "objectId", a->object_id);
        cJSON_AddNumberToObject(ao, "clientSecrets", (double)a->nsecrets);
        cJSON_AddNumberToObject(ao, "certificates", (double)a->ncertificates);
        cJSON_AddItemToObject(
            ao, "graphRoles",
            cJSON_CreateStringArray((const char *const *)a->graph_roles, (int)a->ngraph_roles));
        cJSON_AddItemToArray(arr, ao);
    }
    arr = cJSON_AddArrayToObject(o, "managedIdentities");
    for (size_t i = 0; arr && i < t->nidentities; i++) {
        const struct mv_managed_identity *m = &t->identities[i];
        cJSON *mo = cJSON_CreateObject();
        cJSON_AddStringToObject(mo, "name", m->name ? m->name : "");
        cJSON_AddStringToObject(mo, "clientId", m->client_id);
        cJSON_AddStringToObject(mo, "objectId", m->object_id);
        cJSON_AddBoolToObject(mo, "systemAssigned", m->system_assigned);
        if (m->resource_id)
            cJSON_AddStringToObject(mo, "resourceId", m->resource_id);
        cJSON_AddItemToArray(arr, mo);
    }
    arr = cJSON_AddArrayToObject(o, "users");
    for (size_t i = 0; arr && i < t->nusers; i++) {
        cJSON *uo = cJSON_CreateObject();
        cJSON_AddStringToObject(uo, "id", t->users[i].id);
        cJSON_AddStringToObject(uo, "displayName",
                                t->users[i].display_name ? t->users[i].display_name : "");
        cJSON_AddStringToObject(uo, "userPrincipalName",
                                t->users[i].user_principal_name ? t->users[i].user_principal_name
                                                                : "");
        cJSON_AddItemToArray(arr, uo);
    }
    return o;
}

/* The families and roles the policy editors offer: authorization's own tables. */
static void add_authz_model(cJSON *o)
{
    cJSON *fams = cJSON_AddArrayToObject(o, "families"), *roles;
    const char *word, *const *perms, *role;

    for (int f = MV_FAMILY_NONE + 1; fams && mv_authz_family((enum mv_family)f, &word, &perms);
         f++) {
        cJSON *fo = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(fo, "permissions");
        cJSON_AddStringToObject(fo, "name", word);
        for (size_t i = 0; list && perms[i]; i++)
            cJSON_AddItemToArray(list, cJSON_CreateString(perms[i]));
        cJSON_AddItemToArray(fams, fo);
    }
    roles = cJSON_AddArrayToObject(o, "roles");
    for (size_t i = 0; roles && (role = mv_authz_role_name(i)); i++)
        cJSON_AddItemToArray(roles, cJSON_CreateString(role));
}

/* Moves each vault's "accessPolicies" and "roleAssignments" from an export of the state (the
 * fixture format, written by each family's own code) into the summary's vaults; the rest of the
 * export, values included, is dropped. */
static void add_access_lists(cJSON *vaults, cJSON *state)
{
    static const char *const keys[] = {"accessPolicies", "roleAssignments"};
    cJSON *sv, *v = vaults ? vaults->child : NULL;

    cJSON_ArrayForEach(sv, cJSON_GetObjectItemCaseSensitive(state, "vaults")) {
        if (!v)
            break;
        for (size_t k = 0; k < 2; k++) {
            cJSON *list = cJSON_DetachItemFromObjectCaseSensitive(sv, keys[k]);
            cJSON_AddItemToObject(v, keys[k], list ? list : cJSON_CreateArray());
        }
        v = v->next;
    }
}

static const char *authz_mode_name(enum mv_authz_mode m)
{
    return m == MV_AUTHZ_OFF ? "off" : m == MV_AUTHZ_AUDIT ? "audit" : "enforce";
}

static enum MHD_Result h_summary(struct mv_req *r)
{
    int64_t now = mv_req_now(r);
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    cJSON *o = cJSON_CreateObject(), *state = mv_state_export(d), *arr, *vaults;

    cJSON_AddNumberToObject(o, "now", (double)now);
    cJSON_AddStringToObject(o, "authz", authz_mode_name(r->srv->cfg.authz));
    cJSON_AddStringToObject(o, "url", r->srv->url);
    add_authz_model(o);
    arr = cJSON_AddArrayToObject(o, "tenants");
    for (size_t i = 0; arr && i < d->ntenants; i++)
        cJSON_AddItemToArray(arr, tenant_json(&d->tenants[i]));
    vaults = cJSON_AddArrayToObject(o, "vaults");
    for (size_t i = 0; vaults && i < d->nvaults; i++)
        cJSON_AddItemToArray(vaults, vault_json(&d->vaults[i], now));
    cJSON_AddStringToObject(o, "defaultVault",
                            d->default_vault ? d->default_vault
                                             : (d->nvaults ? d->vaults[0].name : ""));
    mv_store_unlock(r->srv->store);
    add_access_lists(vaults, state);
    cJSON_Delete(state);
    if (!o || !state)
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                 "Out of memory.");
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

/* ---- GET /_mock/requests/stream ---- */

struct live {
    struct mv_journal *journal;
    struct mv_journal_filter f;
    char *operation, *vault, *principal; /* owned copies behind f */
    struct mv_journal_cursor cur;
    bool greeted;
};

static void live_free(void *ctx)
{
    struct live *l = ctx;

    if (!l)
        return;
    free(l->operation);
    free(l->vault);
    free(l->principal);
    free(l);
}

/* A growing text buffer; on a failed allocation it keeps what it has and stops growing. */
struct text {
    char *p;
    size_t n, cap;
    bool failed;
};

static void text_add(struct text *t, const char *s, size_t len)
{
    if (t->failed)
        return;
    if (t->n + len + 1 > t->cap) {
        size_t cap = (t->n + len + 1) * 2;
        char *np = realloc(t->p, cap);
        if (!np) {
            t->failed = true;
            return;
        }
        t->p = np;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, len);
    t->n += len;
    t->p[t->n] = '\0';
}

static void text_str(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* The next events: a greeting first (the reconnection delay), a "clear" when the journal was
 * cleared, a "skipped" count when entries were passed over, then one "request" event per entry
 * with its sequence number as the event id. NULL when there is nothing new. */
static char *live_fill(void *ctx, size_t *len)
{
    struct live *l = ctx;
    struct text t = {0};
    cJSON *arr, *e;
    char line[96];

    arr = mv_journal_after(l->journal,
                           l->f.operation || l->f.vault || l->f.principal || l->f.has_status ? &l->f
                                                                                             : NULL,
                           &l->cur, l->greeted ? BATCH : FIRST_BATCH);
    if (!l->greeted) {
        text_str(&t, ": mockvault request journal\nretry: 2000\nevent: hello\ndata: {}\n\n");
        l->greeted = true;
    }
    if (l->cur.cleared)
        text_str(&t, "event: clear\ndata: {}\n\n");
    if (l->cur.skipped) {
        snprintf(line, sizeof line, "event: skipped\ndata: {\"count\":%llu}\n\n",
                 (unsigned long long)l->cur.skipped);
        text_str(&t, line);
    }
    cJSON_ArrayForEach(e, arr) {
        char *json = cJSON_PrintUnformatted(e);
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "seq");
        if (!json)
            break;
        snprintf(line, sizeof line, "id: %.0f\nevent: request\ndata: ", seq ? seq->valuedouble : 0);
        text_str(&t, line);
        text_str(&t, json); /* one line: compact JSON escapes every newline */
        text_str(&t, "\n\n");
        free(json);
    }
    cJSON_Delete(arr);
    if (t.n == 0) {
        free(t.p);
        return NULL;
    }
    *len = t.n;
    return t.p;
}

static bool dup_query(struct mv_req *r, const char *key, char **out)
{
    const char *v = mv_req_query(r, key);

    *out = v ? strdup(v) : NULL;
    return !v || *out;
}

/* Query parameters as GET /_mock/requests takes them (operation, vault, principal, status), and
 * after=SEQ (or the Last-Event-ID header of a reconnecting EventSource): only entries after it. */
static enum MHD_Result h_stream(struct mv_req *r)
{
    struct live *l = calloc(1, sizeof *l);
    const char *status = mv_req_query(r, "status"), *after = mv_req_query(r, "after");
    struct mv_stream *s;
    char *end;

    if (!after)
        after = mv_req_header(r, "Last-Event-ID");
    if (!l || !dup_query(r, "operation", &l->operation) || !dup_query(r, "vault", &l->vault) ||
        !dup_query(r, "principal", &l->principal)) {
        live_free(l);
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                 "Out of memory.");
    }
    l->journal = r->srv->journal;
    l->f.operation = l->operation;
    l->f.vault = l->vault;
    l->f.principal = l->principal;
    if (status) {
        long v;
        errno = 0;
        v = strtol(status, &end, 10);
        if (errno || !*status || *end || v < 100 || v > 599) {
            live_free(l);
            return mv_reply_kv_error(
                r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                "Query parameter 'status' must be an HTTP status code (100-599).");
        }
        l->f.has_status = true;
        l->f.status = (unsigned)v;
    }
    if (after) {
        unsigned long long v;
        errno = 0;
        v = strtoull(after, &end, 10);
        if (errno || !*after || *end || *after == '-') {
            live_free(l);
            return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                     "'after' (or Last-Event-ID) must be a sequence number.");
        }
        l->cur.after = v;
    }
    s = mv_stream_open(r->srv->streams, r->conn, live_fill, l, live_free);
    if (!s) {
        live_free(l);
        r->has_retry_after = true;
        r->retry_after = 5;
        return mv_reply_kv_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "TooManyStreams", NULL,
                                 "mockvault already streams its journal to %d clients; close a "
                                 "console tab and retry.",
                                 MV_STREAM_MAX);
    }
    return mv_reply_stream(r, s);
}

/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_console_ops[] = {
    MV_OP("GET", "/_mock/ui", h_ui, "MockConsole", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/ui/{}", h_ui_file, "MockConsoleFile", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/summary", h_summary, "MockSummary", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/requests/stream", h_stream, "MockRequestsStream", MV_KIND_CONTROL, false),
    MV_OP_END,
};
/* clang-format on */
