/* keys-policy.c: RotateKey and the rotation policy (spec/keyvault-keys.md §3.9). The policy's
 * lifetime actions act on the mock clock (mv_store_rotation_due, called by the dispatcher and the
 * clock's control API); here are the REST operations. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys-int.h"
#include "reply.h"
#include "vault-int.h"

#define DAY 86400LL

enum MHD_Result mv_keys_h_rotate(struct mv_req *r)
{
    struct mv_object_view kv, nv;
    struct mv_key_spec spec;
    struct mv_keymat *mat = NULL;
    enum mv_km_err ke;
    enum mv_err e;
    int ok = MHD_YES;

    memset(&nv, 0, sizeof nv);
    if (!mv_keys_get_or_reply(r, r->cap[0], NULL, &kv))
        goto out;
    /* Same kty and size as the current version, new material [REC R-NET24]. */
    mv_keymat_spec(kv.v.key->mat, &spec);
    ke = mv_key_generate(&spec, &mat);
    if (ke != MV_KM_OK) {
        ok = mv_keys_km_err(r, ke);
        goto out;
    }
    e = mv_store_rotate_key(r->srv->store, r->vault, r->cap[0], mat, mv_req_now(r), &nv);
    ok = e == MV_OK ? mv_reply_key(r, &nv, 0) : mv_keys_store_err(r, e, r->cap[0], NULL);
out:
    mv_keymat_unref(mat);
    mv_object_view_finish(&kv);
    mv_object_view_finish(&nv);
    return ok;
}

enum MHD_Result mv_keys_h_get_policy(struct mv_req *r)
{
    struct mv_rotation_policy p;
    bool set = false;
    enum mv_err e;

    if (!mv_vault_name_ok(r->cap[0]))
        return mv_vault_reply_bad_name(r, r->cap[0]);
    memset(&p, 0, sizeof p);
    e = mv_store_get_rotation_policy(r->srv->store, r->vault, r->cap[0], &p, &set);
    if (e != MV_OK)
        return mv_keys_store_err(r, e, r->cap[0], NULL);
    return mv_reply_rotation_policy(r, r->cap[0], set ? &p : NULL);
}

/* One lifetime action: {"trigger":{"timeAfterCreate"|"timeBeforeExpiry":D},"action":{"type"}}. */
static bool action_or_reply(struct mv_req *r, const cJSON *j, struct mv_rotation_action *a)
{
    const cJSON *trig = cJSON_GetObjectItemCaseSensitive(j, "trigger");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "action");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(act, "type");
    const cJSON *after = cJSON_GetObjectItemCaseSensitive(trig, "timeAfterCreate");
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(trig, "timeBeforeExpiry");
    const cJSON *d = after ? after : before;

    memset(a, 0, sizeof *a);
    /* The action type compares case-insensitively [SPEC]. */
    if (!cJSON_IsString(type) || (strcasecmp(type->valuestring, "Rotate") != 0 &&
                                  strcasecmp(type->valuestring, "Notify") != 0)) {
        mv_vault_bad_parameter(r, NULL,
                               "Each lifetime action needs 'action.type' Rotate or Notify.");
        return false;
    }
    a->type = strcasecmp(type->valuestring, "Rotate") == 0 ? MV_ROT_ROTATE : MV_ROT_NOTIFY;
    if ((after && before) || !cJSON_IsString(d) || strlen(d->valuestring) >= sizeof a->duration ||
        !mv_duration_parse(d->valuestring, &a->seconds)) {
        mv_vault_bad_parameter(r, NULL,
                               "Each lifetime action needs one trigger, 'timeAfterCreate' or "
                               "'timeBeforeExpiry', as an ISO 8601 duration (e.g. P90D).");
        return false;
    }
    a->after_create = after != NULL;
    snprintf(a->duration, sizeof a->duration, "%s", d->valuestring);
    /* [SPEC/DOC] limits: rotation at least 7 days after create and 7 days before expiry. Text
     * [UNCERTAIN], the spec's suggested 400 BadParameter. */
    if (a->type == MV_ROT_ROTATE && a->seconds < 7 * DAY) {
        mv_vault_bad_parameter(r, NULL,
                               "The rotation time must be at least 7 days after creation and at "
                               "least 7 days before expiry.");
        return false;
    }
    return true;
}

static bool policy_or_reply(struct mv_req *r, const cJSON *body, struct mv_rotation_policy *p)
{
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(body, "lifetimeActions");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(body, "attributes");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(attrs, "expiryTime");
    const cJSON *it;
    bool has_notify = false;

    memset(p, 0, sizeof *p);
    if (acts && !cJSON_IsNull(acts) && !cJSON_IsArray(acts)) {
        mv_vault_bad_parameter(r, NULL, "Property 'lifetimeActions' must be an array.");
        return false;
    }
    cJSON_ArrayForEach(it, acts) {
        struct mv_rotation_action a;
        if (!action_or_reply(r, it, &a))
            return false;
        for (size_t i = 0; i < p->nactions; i++)
            if (p->actions[i].type == a.type) {
                mv_vault_bad_parameter(r, NULL,
                                       "A rotation policy has at most one Rotate and one Notify "
                                       "action.");
                return false;
            }
        p->actions[p->nactions++] = a;
        has_notify = has_notify || a.type == MV_ROT_NOTIFY;
    }
    /* The service appends the default Notify action when none is given [REC R-NET24]. */
    if (!has_notify) {
        struct mv_rotation_action *n = &p->actions[p->nactions++];
        n->type = MV_ROT_NOTIFY;
        n->after_create = false;
        snprintf(n->duration, sizeof n->duration, "P30D");
        n->seconds = 30 * DAY;
    }
    if (exp && !cJSON_IsNull(exp)) {
        if (!cJSON_IsString(exp) || strlen(exp->valuestring) >= sizeof p->expiry ||
            !mv_duration_parse(exp->valuestring, &p->expiry_seconds) ||
            p->expiry_seconds < 28 * DAY) {
            mv_vault_bad_parameter(r, NULL,
                                   "Property 'attributes.expiryTime' must be an ISO 8601 duration "
                                   "of at least 28 days (e.g. P90D).");
            return false;
        }
        p->has_expiry = true;
        snprintf(p->expiry, sizeof p->expiry, "%s", exp->valuestring);
    }
    return true;
}

enum MHD_Result mv_keys_h_set_policy(struct mv_req *r)
{
    cJSON *body = NULL;
    struct mv_rotation_policy in, out;
    enum mv_err e;
    int ok = MHD_YES;

    if (!mv_vault_name_ok(r->cap[0]))
        return mv_vault_reply_bad_name(r, r->cap[0]);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    if (!policy_or_reply(r, body, &in))
        goto out;
    memset(&out, 0, sizeof out);
    e = mv_store_set_rotation_policy(r->srv->store, r->vault, r->cap[0], &in, mv_req_now(r), &out);
    ok = e == MV_OK ? mv_reply_rotation_policy(r, r->cap[0], &out)
                    : mv_keys_store_err(r, e, r->cap[0], NULL);
out:
    cJSON_Delete(body);
    return ok;
}
