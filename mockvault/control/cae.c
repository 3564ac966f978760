/* cae.c: the control API of continuous access evaluation (spec/identity.md §7.6, docs/cae.md):
 * POST /_mock/principals/{id}/revoke revokes a principal's tokens as of now on the mock clock, and
 * GET /_mock/principals/revoked lists the revocations. Vault requests with a revoked token then
 * get the claims challenge (router.c, reply.c); the records live in model/revoke.c. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cx-time.h"
#include "http.h"
#include "op.h"
#include "reply.h"
#include "revoke.h"
#include "store.h"

/* The principal id names in the fixture: an app's or a managed identity's client id or object
 * id. Copies the kind ("app" or "managedIdentity") and display name into kind / name. */
static bool principal_known(struct mv_req *r, const char *id, const char **kind, char *name,
                            size_t n)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    bool found = false;

    for (size_t t = 0; d && t < d->ntenants && !found; t++) {
        const struct mv_tenant *tn = &d->tenants[t];
        for (size_t i = 0; i < tn->napps && !found; i++) {
            const struct mv_app *a = &tn->apps[i];
            if (strcasecmp(a->client_id, id) == 0 || strcasecmp(a->object_id, id) == 0) {
                *kind = "app";
                snprintf(name, n, "%s", a->display_name ? a->display_name : "");
                found = true;
            }
        }
        for (size_t i = 0; i < tn->nidentities && !found; i++) {
            const struct mv_managed_identity *m = &tn->identities[i];
            if ((m->client_id && strcasecmp(m->client_id, id) == 0) ||
                (m->object_id && strcasecmp(m->object_id, id) == 0)) {
                *kind = "managedIdentity";
                snprintf(name, n, "%s", m->name ? m->name : "");
                found = true;
            }
        }
    }
    mv_store_unlock(r->srv->store);
    return found;
}

static cJSON *revocation_json(const struct mv_revocation *v)
{
    cJSON *o = cJSON_CreateObject();
    char when[CX_TIME_MAX];

    cx_time_format(v->revoked_at, CX_TIME_RFC3339_Z, when);
    cJSON_AddStringToObject(o, "id", v->id);
    cJSON_AddNumberToObject(o, "revokedAt", (double)v->revoked_at);
    cJSON_AddStringToObject(o, "revokedAtTime", when);
    cJSON_AddBoolToObject(o, "hard", v->hard);
    cJSON_AddNumberToObject(o, "challenges", v->challenges);
    return o;
}

/* POST /_mock/principals/{id}/revoke[?hard=1]: hard also reaches tokens issued without cp1
 * (an opt-in beyond the service, which challenges only clients that declared the capability). */
static enum MHD_Result h_revoke(struct mv_req *r)
{
    const char *id = r->cap[0], *h = mv_req_query(r, "hard"), *kind = "";
    char name[128] = "", echo[100];
    struct mv_revocation v;
    bool hard = h && (strcmp(h, "1") == 0 || strcasecmp(h, "true") == 0);
    cJSON *o;

    if (!principal_known(r, id, &kind, name, sizeof name))
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "PrincipalNotFound", NULL,
                                 "No app or managed identity of the fixture has the client id or "
                                 "object id %s.",
                                 mv_reply_echo(id, echo, sizeof echo));
    if (!mv_revocations_add(r->srv->revocations, id, mv_req_now(r), hard, &v))
        return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                 "The principal id is too long.");
    o = revocation_json(&v);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "displayName", name);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_revoked(struct mv_req *r)
{
    struct mv_revocation v[MV_REVOKE_MAX];
    size_t n = mv_revocations_list(r->srv->revocations, v, MV_REVOKE_MAX);
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "value");

    for (size_t i = 0; i < n && i < MV_REVOKE_MAX; i++)
        cJSON_AddItemToArray(a, revocation_json(&v[i]));
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

/* clang-format off */
const struct mv_op mv_cae_ops[] = {
    MV_OP("POST", "/_mock/principals/{}/revoke", h_revoke, "MockPrincipalRevoke", MV_KIND_CONTROL, false),
    MV_OP("GET", "/_mock/principals/revoked", h_revoked, "MockPrincipalsRevoked", MV_KIND_CONTROL, false),
    MV_OP_END,
};
/* clang-format on */
