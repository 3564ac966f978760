/* certs-pending.c: a certificate's operation object (spec/keyvault-certificates.md §3
 * GetCertificateOperation, UpdateCertificateOperation, DeleteCertificateOperation) and
 * MergeCertificate, which completes an Unknown issuer's operation with the certificate a CA
 * signed from its CSR. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certs-int.h"
#include "cx-base64.h"
#include "cx-mem.h"
#include "reply-certs.h"
#include "reply.h"
#include "vault-int.h"

#define MV_MERGE_MAX 10 /* x5c entries: a leaf and its chain */

/* A name without a certificate has no operation either: the operation's own 404 [REC]. */
static enum mv_err op_err(enum mv_err e)
{
    return e == MV_E_NOT_FOUND ? MV_E_NO_OP : e;
}

enum MHD_Result mv_certs_h_pending_get(struct mv_req *r)
{
    const char *name = r->cap[0];
    const char *rid = mv_req_query(r, "request_id");
    struct mv_cert_op *op = NULL;
    enum mv_err e;
    int ok;

    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    mv_certs_settle(r, name);
    e = op_err(mv_store_cert_op_get(r->srv->store, r->vault, name, &op));
    /* request_id filters: another request's id finds no operation [DOC]. */
    if (e == MV_OK && rid && *rid && strcasecmp(rid, op->request_id) != 0)
        e = MV_E_NO_OP;
    ok = e == MV_OK ? mv_reply_cert_op(r, name, op, MV_COP_REPLY_POLL)
                    : mv_certs_store_err(r, e, name, NULL);
    mv_cert_op_free(op);
    return ok;
}

enum MHD_Result mv_certs_h_pending_cancel(struct mv_req *r)
{
    const char *name = r->cap[0];
    cJSON *body = NULL;
    const cJSON *cr;
    struct mv_cert_op *op = NULL;
    enum mv_err e;
    int ok;

    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    cr = cJSON_GetObjectItemCaseSensitive(body, "cancellation_requested");
    if (!cJSON_IsBool(cr)) {
        ok = mv_vault_bad_parameter(r, NULL,
                                    "Property 'cancellation_requested' (true) is required.");
        goto out;
    }
    /* The answer still says inProgress; the next observation shows cancelled [REC]. false
     * asks for nothing: the operation as it is. */
    if (cJSON_IsTrue(cr))
        e = op_err(mv_store_cert_op_cancel(r->srv->store, r->vault, name, mv_req_now(r), &op));
    else
        e = op_err(mv_store_cert_op_get(r->srv->store, r->vault, name, &op));
    ok = e == MV_OK ? mv_reply_cert_op(r, name, op, 0) : mv_certs_store_err(r, e, name, NULL);
out:
    mv_cert_op_free(op);
    cJSON_Delete(body);
    return ok;
}

enum MHD_Result mv_certs_h_pending_delete(struct mv_req *r)
{
    const char *name = r->cap[0];
    struct mv_cert_op *op = NULL;
    enum mv_err e;
    int ok;

    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    /* The operation as it was; its pending version stays as it is [REC]. */
    e = op_err(mv_store_cert_op_delete(r->srv->store, r->vault, name, &op));
    ok = e == MV_OK ? mv_reply_cert_op(r, name, op, 0) : mv_certs_store_err(r, e, name, NULL);
    mv_cert_op_free(op);
    return ok;
}

/* The x5c entries decoded once (each may then be DER, the base64 of a DER as Python sends it, or
 * PEM: mv_x509_read_merge tells them apart). Replies 400 and returns false on a bad body. */
static bool x5c_or_reply(struct mv_req *r, const cJSON *x5c, unsigned char **items, size_t *lens,
                         size_t *n)
{
    const cJSON *it;

    *n = 0;
    if (!cJSON_IsArray(x5c) || cJSON_GetArraySize(x5c) < 1 ||
        cJSON_GetArraySize(x5c) > MV_MERGE_MAX)
        goto bad;
    cJSON_ArrayForEach(it, x5c) {
        if (!cJSON_IsString(it))
            goto bad;
        items[*n] = cx_b64_decode(it->valuestring, strlen(it->valuestring),
                                  CX_B64_PAD_OPTIONAL | CX_B64_ANY_ALPHABET, &lens[*n]);
        if (!items[*n])
            goto bad;
        (*n)++;
    }
    return true;
bad:
    mv_vault_bad_parameter(r, NULL,
                           "Property 'x5c' must be an array of 1 to 10 base64 certificates, the "
                           "leaf first.");
    return false;
}

/* Completes the operation op of name with the merged bundle b. */
static enum MHD_Result merge_complete(struct mv_req *r, const char *name,
                                      const struct mv_cert_op *op, const struct mv_x509_bundle *b,
                                      const cJSON *body)
{
    struct mv_cert_policy p;
    struct mv_x509_props props;
    struct mv_attr_fields attrs;
    struct mv_tags tags;
    const cJSON *tj = cJSON_GetObjectItemCaseSensitive(body, "tags");
    struct mv_cert_issue in;
    struct mv_object_view cv;
    char *value = NULL;
    enum mv_x509_err xe = MV_X509_OK;
    enum mv_err e;
    int ok = MHD_YES;

    memset(&p, 0, sizeof p);
    memset(&props, 0, sizeof props);
    memset(&tags, 0, sizeof tags);
    memset(&cv, 0, sizeof cv);
    memset(&in, 0, sizeof in);
    if (!mv_vault_attrs_or_reply(r, cJSON_GetObjectItemCaseSensitive(body, "attributes"), &attrs) ||
        (tj && !cJSON_IsNull(tj) && !mv_vault_tags_or_reply(r, tj, &tags)))
        goto out;
    e = mv_store_cert_policy_get(r->srv->store, r->vault, name, &p);
    if (e != MV_OK) {
        ok = mv_certs_store_err(r, e, name, NULL);
        goto out;
    }
    xe = mv_x509_props(b->certs[0], b->cert_lens[0], &props);
    if (xe == MV_X509_OK)
        xe = mv_certs_secret_value(&p, op->mat, (const unsigned char *const *)b->certs,
                                   b->cert_lens, b->ncerts, &value);
    if (xe != MV_X509_OK) {
        struct mv_certs_err err = {MV_OK, MV_KM_OK, xe};
        ok = mv_certs_err_reply(r, &err, name);
        goto out;
    }
    in.der = b->certs[0];
    in.der_len = b->cert_lens[0];
    in.secret_value = value;
    in.secret_content_type = p.content_type;
    /* Attributes come from the merged certificate (even a 60 s validity) [REC]. */
    in.nbf = props.not_before;
    in.exp = props.not_after;
    in.tags = tags.present ? &tags : NULL;
    in.has_enabled = attrs.has_enabled;
    in.enabled = attrs.enabled;
    e = mv_store_cert_complete(r->srv->store, r->vault, name, &in, mv_req_now(r), &cv);
    ok = e == MV_OK ? mv_reply_cert_merged(r, &cv) : mv_certs_store_err(r, e, name, NULL);
out:
    if (value)
        cx_wipe_free(value, strlen(value));
    free(tags.items);
    mv_object_view_finish(&cv);
    mv_x509_props_finish(&props);
    mv_cert_policy_finish(&p);
    return ok;
}

enum MHD_Result mv_certs_h_merge(struct mv_req *r)
{
    const char *name = r->cap[0];
    cJSON *body = NULL;
    struct mv_cert_op *op = NULL;
    unsigned char *items[MV_MERGE_MAX] = {NULL};
    size_t lens[MV_MERGE_MAX] = {0}, n = 0;
    struct mv_x509_bundle b;
    enum mv_x509_err xe;
    enum mv_err e;
    int ok = MHD_YES;

    memset(&b, 0, sizeof b);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    if (!x5c_or_reply(r, cJSON_GetObjectItemCaseSensitive(body, "x5c"), items, lens, &n))
        goto out;
    e = op_err(mv_store_cert_op_get(r->srv->store, r->vault, name, &op));
    if (e == MV_OK && (op->status != MV_COP_IN_PROGRESS || !op->mat))
        e = MV_E_OP_NOT_IN_PROGRESS;
    if (e != MV_OK) {
        ok = mv_certs_store_err(r, e, name, NULL);
        goto out;
    }
    if (strcasecmp(op->issuer_name ? op->issuer_name : "Unknown", "Unknown") != 0) {
        /* [DOC], "progess" verbatim. */
        ok = mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                               "Merge is forbidden on pending object created with issuer : %s "
                               "while it is in progess.",
                               op->issuer_name);
        goto out;
    }
    xe = mv_x509_read_merge((const unsigned char *const *)items, lens, n, op->mat, &b);
    if (xe == MV_X509_KEY_MISMATCH)
        /* [UNCERTAIN] text: the service's wording as users quote it. */
        ok = mv_vault_bad_parameter(r, NULL,
                                    "Public key from x509 certificate and key of this instance "
                                    "doesn't match");
    else if (xe == MV_X509_NOMEM)
        ok = mv_vault_reply_common_err(r, MV_E_NOMEM);
    else if (xe != MV_X509_OK || b.ncerts == 0)
        /* What the service said to an undecodable x5c [USER azure-sdk-for-python#2834]. */
        ok = mv_vault_bad_parameter(r, NULL, "ASN1 bad tag value met");
    else
        ok = merge_complete(r, name, op, &b, body);
out:
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    mv_x509_bundle_finish(&b);
    mv_cert_op_free(op);
    cJSON_Delete(body);
    return ok;
}
