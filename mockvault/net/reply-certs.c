/* reply-certs.c: the certificates family's bodies (reply-certs.h, spec/keyvault-certificates.md
 * §2) in the recorded key order. */
#include "reply-certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-base64.h"
#include "reply.h"

/* The operation's status_details while in progress (spec §2 CertificateOperation [REC]). */
#define MV_COP_DETAILS_ISSUER                                                                      \
    "Pending certificate created. Certificate request is in progress. This may take some time "    \
    "based on the issuer provider. Please check again later."
#define MV_COP_DETAILS_MERGE                                                                       \
    "Pending certificate created. Please Perform Merge to complete the request."
/* Retry-After of the create's 202 and of every inProgress GET of the operation [REC]. */
#define MV_COP_RETRY_AFTER 10

static bool api_at_least(const struct mv_req *r, const char *v)
{
    return mv_api_version_rank(r->api_version) >= mv_api_version_rank(v);
}

/* base/kind/name[/tail] as key's value. */
static void add_url(cJSON *o, const char *key, const struct mv_req *r, const char *kind,
                    const char *name, const char *tail)
{
    char url[800];

    snprintf(url, sizeof url, "%s/%s/%s%s%s", r->base_url, kind, name, tail ? "/" : "",
             tail ? tail : "");
    cJSON_AddStringToObject(o, key, url);
}

/* attributes: enabled, nbf, exp, created, updated[, recoveryLevel, recoverableDays] [REC]; list
 * items of live certificates leave the recovery pair out [REC 7.5, 2025-07-01]. */
static void add_attributes(cJSON *root, const struct mv_req *r, const struct mv_object_view *cv,
                           bool recovery)
{
    const struct mv_version *v = &cv->v;
    cJSON *a = cJSON_AddObjectToObject(root, "attributes");

    cJSON_AddBoolToObject(a, "enabled", v->enabled);
    if (v->has_nbf)
        cJSON_AddNumberToObject(a, "nbf", (double)v->nbf);
    if (v->has_exp)
        cJSON_AddNumberToObject(a, "exp", (double)v->exp);
    cJSON_AddNumberToObject(a, "created", (double)v->created);
    cJSON_AddNumberToObject(a, "updated", (double)v->updated);
    if (!recovery)
        return;
    cJSON_AddStringToObject(a, "recoveryLevel",
                            mv_recovery_level(cv->retention_days, cv->purge_protection));
    if (api_at_least(r, "7.1"))
        cJSON_AddNumberToObject(a, "recoverableDays", cv->retention_days);
}

static void add_tags(cJSON *root, const struct mv_tags *t)
{
    cJSON *o;

    if (!t->present)
        return;
    o = cJSON_AddObjectToObject(root, "tags");
    for (size_t i = 0; i < t->n; i++)
        cJSON_AddStringToObject(o, t->items[i].name, t->items[i].value);
}

cJSON *mv_reply_cert_policy_json(const struct mv_req *r, const char *name,
                                 const struct mv_cert_policy *p)
{
    cJSON *body = mv_cert_policy_json(p);
    cJSON *root = cJSON_CreateObject();

    if (!body || !root)
        goto fail;
    /* "id" first, then the members in the writer's (recorded) order. */
    add_url(root, "id", r, "certificates", name, "policy");
    while (body->child) {
        cJSON *it = body->child;
        char *key = it->string;
        cJSON_DetachItemViaPointer(body, it);
        it->string = NULL;
        cJSON_AddItemToObject(root, key, it);
        cJSON_free(key);
    }
    cJSON_Delete(body);
    return root;
fail:
    cJSON_Delete(body);
    cJSON_Delete(root);
    return NULL;
}

/* The certificate part of a completed version: kid, sid, x5t, cer (a pending version has none). */
static bool add_cert(cJSON *root, const struct mv_req *r, const struct mv_object_view *cv)
{
    const struct mv_cert_info *c = cv->v.cert;
    char *cer;

    add_url(root, "kid", r, "keys", cv->name, cv->v.id);
    add_url(root, "sid", r, "secrets", cv->name, cv->v.id);
    cJSON_AddStringToObject(root, "x5t", c->x5t);
    /* Standard base64 with padding (spec §1), unlike every other binary field of Key Vault. */
    cer = cx_b64_encode(c->der, c->der_len, 0);
    if (!cer)
        return false;
    cJSON_AddStringToObject(root, "cer", cer);
    free(cer);
    return true;
}

static cJSON *cert_json(const struct mv_req *r, const struct mv_object_view *cv, unsigned shape)
{
    cJSON *root = cJSON_CreateObject();
    const struct mv_cert_info *c = cv->v.cert;
    bool issued = c && c->der && c->der_len;
    bool item = (shape & MV_CERT_ITEM) != 0, deleted = (shape & MV_CERT_DELETED) != 0;

    if (!root)
        return NULL;
    if (deleted) {
        add_url(root, "recoveryId", r, "deletedcertificates", cv->name, NULL);
        cJSON_AddNumberToObject(root, "deletedDate", (double)cv->deleted_date);
        cJSON_AddNumberToObject(root, "scheduledPurgeDate", (double)cv->scheduled_purge_date);
    }
    add_url(root, "id", r, "certificates", cv->name, (shape & MV_CERT_BASE_ID) ? NULL : cv->v.id);
    if (item) {
        /* A pending-only entry (includePending) has no x5t [UNCERTAIN shape, spec §3]. */
        if (issued && c->x5t[0])
            cJSON_AddStringToObject(root, "x5t", c->x5t);
    } else if (issued && !add_cert(root, r, cv)) {
        goto fail;
    }
    add_attributes(root, r, cv, !item || deleted);
    add_tags(root, &cv->v.tags);
    if (item) {
        /* Always empty, never in SPEC, on every live list item [REC 7.5, 2025-07-01]. */
        if (!deleted)
            cJSON_AddStringToObject(root, "subject", "");
        return root;
    }
    if (shape & MV_CERT_VERSIONED)
        return root;
    if (cv->policy) {
        cJSON *p = mv_reply_cert_policy_json(r, cv->name, cv->policy);
        if (!p)
            goto fail;
        cJSON_AddItemToObject(root, "policy", p);
    }
    /* Present while the name has an operation object, even a completed one [REC]. */
    if (cv->pending)
        add_url(cJSON_AddObjectToObject(root, "pending"), "id", r, "certificates", cv->name,
                "pending");
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

enum MHD_Result mv_reply_cert(struct mv_req *r, const struct mv_object_view *cv, unsigned shape)
{
    cJSON *j = cert_json(r, cv, shape);

    return j ? mv_reply_json(r, MHD_HTTP_OK, j) : mv_reply_oom(r);
}

enum MHD_Result mv_reply_cert_merged(struct mv_req *r, const struct mv_object_view *cv)
{
    cJSON *j = cert_json(r, cv, 0);

    if (!j)
        return mv_reply_oom(r);
    snprintf(r->reply_location, sizeof r->reply_location, "%s/certificates/%s?api-version=%s",
             r->base_url, cv->name, r->api_version);
    return mv_reply_json(r, MHD_HTTP_CREATED, j);
}

enum MHD_Result mv_reply_cert_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                   unsigned shape, const char *next_link)
{
    return mv_reply_view_page(r, items, n, shape | MV_CERT_ITEM, next_link, cert_json);
}

/* id, issuer, csr, cancellation_requested, status, status_details, error, target, request_id
 * (spec §2: details only while inProgress or failed, target only once completed). */
static cJSON *op_json(const struct mv_req *r, const char *name, const struct mv_cert_op *op)
{
    cJSON *root = cJSON_CreateObject();
    bool unknown = op->issuer_name && strcasecmp(op->issuer_name, "Unknown") == 0;

    if (!root)
        return NULL;
    add_url(root, "id", r, "certificates", name, "pending");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "issuer"), "name",
                            op->issuer_name ? op->issuer_name : "Unknown");
    if (op->csr && op->csr_len) {
        char *csr = cx_b64_encode(op->csr, op->csr_len, 0);
        if (!csr) {
            cJSON_Delete(root);
            return NULL;
        }
        cJSON_AddStringToObject(root, "csr", csr);
        free(csr);
    }
    cJSON_AddBoolToObject(root, "cancellation_requested", op->cancellation_requested);
    cJSON_AddStringToObject(root, "status", mv_cert_op_status_names[op->status]);
    if (op->status == MV_COP_IN_PROGRESS)
        cJSON_AddStringToObject(root, "status_details",
                                unknown ? MV_COP_DETAILS_MERGE : MV_COP_DETAILS_ISSUER);
    if (op->status == MV_COP_FAILED) {
        /* .NET never completes a failed operation without "error" (spec §7). */
        cJSON *e;
        cJSON_AddStringToObject(root, "status_details", "");
        e = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(e, "code",
                                op->error_code ? op->error_code : "Certificate issuer error");
        cJSON_AddStringToObject(e, "message", op->error_message ? op->error_message : "");
    }
    if (op->status == MV_COP_COMPLETED)
        add_url(root, "target", r, "certificates", name, NULL);
    cJSON_AddStringToObject(root, "request_id", op->request_id);
    return root;
}

enum MHD_Result mv_reply_cert_op(struct mv_req *r, const char *name, const struct mv_cert_op *op,
                                 unsigned how)
{
    cJSON *j = op_json(r, name, op);

    if (!j)
        return mv_reply_oom(r);
    if (how & MV_COP_REPLY_CREATED)
        snprintf(r->reply_location, sizeof r->reply_location,
                 "%s/certificates/%s/pending?api-version=%s&request_id=%s", r->base_url, name,
                 r->api_version, op->request_id);
    if ((how & MV_COP_REPLY_CREATED) ||
        ((how & MV_COP_REPLY_POLL) && op->status == MV_COP_IN_PROGRESS)) {
        r->has_retry_after = true;
        r->retry_after = MV_COP_RETRY_AFTER;
    }
    return mv_reply_json(r, (how & MV_COP_REPLY_CREATED) ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK, j);
}

enum MHD_Result mv_reply_cert_policy(struct mv_req *r, const char *name,
                                     const struct mv_cert_policy *p)
{
    cJSON *j = mv_reply_cert_policy_json(r, name, p);

    return j ? mv_reply_json(r, MHD_HTTP_OK, j) : mv_reply_oom(r);
}
