/* certs.c: the Key Vault certificate operations on certificates themselves (create, the pending
 * operation, merge, import, get, update, delete, recover, purge, backup, restore, policy) and the
 * certificate pager: request bodies out, CertificateBundle / CertificateItem /
 * DeletedCertificateBundle / CertificateOperation / CertificatePolicy in
 * (spec/keyvault-certificates.md §2-§3). The poller, download, the secret, contacts and issuers
 * are in certs-meta.c. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kv-int.h"

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void kv_certificate_policy_free(struct kv_certificate_policy *p)
{
    if (!p)
        return;
    free(p->id);
    free(p->json);
    free(p->subject);
    strv_free(p->dns_names, p->n_dns_names);
    free(p->issuer_name);
    free(p->kty);
    free(p->curve);
    free(p->content_type);
    free(p);
}

void kv_certificate_free(struct kv_certificate *cert)
{
    if (!cert)
        return;
    free(cert->id);
    free(cert->name);
    free(cert->version);
    free(cert->kid);
    free(cert->sid);
    free(cert->x5t);
    free(cert->cer.data);
    free(cert->recovery_level);
    kv__tags_free(cert->tags, cert->n_tags);
    kv_certificate_policy_free(cert->policy);
    free(cert->pending_id);
    free(cert->recovery_id);
    free(cert);
}

void kv_certificate_operation_free(struct kv_certificate_operation *op)
{
    if (!op)
        return;
    free(op->id);
    free(op->name);
    free(op->issuer_name);
    free(op->csr.data);
    free(op->status);
    free(op->status_details);
    free(op->target);
    free(op->request_id);
    free(op->error_code);
    free(op->error_message);
    free(op);
}

void kv_certificate_props_init(struct kv_certificate_props *p)
{
    memset(p, 0, sizeof *p);
    p->enabled = -1;
}

int kv_certificate_id_parse(const char *id, char **vault_url, char **name, char **version,
                            struct kv_error *err)
{
    return kv__id_parse(id, "certificate", "/certificates/", "/deletedcertificates/", vault_url,
                        name, version, err);
}

/* ----- Reading ------------------------------------------------------------------------------ */

/* A standard base64 member (cer, csr: the service writes them with '+/=', spec §1) into b, left
 * empty when absent or "". KV_E_PROTOCOL when it is not base64. */
static int b64_member(const cJSON *o, const char *key, const char *what, struct kv_bytes *b,
                      struct kv_error *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it || cJSON_IsNull(it))
        return KV_OK;
    if (!cJSON_IsString(it) || !it->valuestring)
        return kv__fail(err, KV_E_PROTOCOL, "%s: %s is not a string", what, key);
    size_t len = strlen(it->valuestring);
    if (!len)
        return KV_OK;
    unsigned flags = CX_B64_ANY_ALPHABET | CX_B64_PAD_OPTIONAL;
    b->data = cx_b64_decode(it->valuestring, len, flags, &b->len);
    if (!b->data)
        return cx_b64_valid(it->valuestring, len, flags)
                   ? kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what)
                   : kv__fail(err, KV_E_PROTOCOL, "%s: %s is not base64", what, key);
    return KV_OK;
}

/* A whole number member within [0, max] into *out (0 when absent). */
static int int_member(const cJSON *o, const char *key, const char *what, int max, int *out,
                      struct kv_error *err)
{
    int64_t v = 0;
    if (kv__json_int64(cJSON_GetObjectItemCaseSensitive(o, key), false, 0, max, &v) == KV__NUM_BAD)
        return kv__fail(err, KV_E_PROTOCOL, "%s: %s is not a whole number from 0 to %d", what, key,
                        max);
    *out = (int)v;
    return KV_OK;
}

int kv__cert_policy_from_json(const cJSON *o, const char *what, struct kv_certificate_policy **out,
                              struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv_certificate_policy *p = NULL;
    struct kv__common m;
    *out = NULL;
    if (!cJSON_IsObject(o))
        return kv__fail(err, KV_E_PROTOCOL, "%s: the policy is not a JSON object", what);
    if (!(p = calloc(1, sizeof *p)) || !(p->json = cJSON_PrintUnformatted(o)))
        goto out;
    const cJSON *kp = cJSON_GetObjectItemCaseSensitive(o, "key_props");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(o, "secret_props");
    const cJSON *xp = cJSON_GetObjectItemCaseSensitive(o, "x509_props");
    const cJSON *is = cJSON_GetObjectItemCaseSensitive(o, "issuer");
    const cJSON *dns =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(xp, "sans"), "dns_names");
    p->id = kv__json_strdup(o, "id", &ok);
    p->subject = kv__json_strdup(xp, "subject", &ok);
    p->issuer_name = kv__json_strdup(is, "name", &ok);
    p->kty = kv__json_strdup(kp, "kty", &ok);
    p->curve = kv__json_strdup(kp, "crv", &ok);
    p->content_type = kv__json_strdup(sp, "contentType", &ok);
    p->exportable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(kp, "exportable"));
    p->reuse_key = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(kp, "reuse_key"));
    if (ok && cJSON_IsArray(dns) && cJSON_GetArraySize(dns) > 0) {
        const cJSON *d;
        if (!(p->dns_names = calloc((size_t)cJSON_GetArraySize(dns), sizeof *p->dns_names)))
            ok = false;
        cJSON_ArrayForEach(d, dns) {
            if (ok && cJSON_IsString(d) && d->valuestring &&
                !(p->dns_names[p->n_dns_names++] = strdup(d->valuestring)))
                ok = false;
        }
    }
    if (!ok)
        goto out;
    if ((rc = int_member(kp, "key_size", what, 65536, &p->key_size, err)) != KV_OK ||
        (rc = int_member(xp, "validity_months", what, 1200000, &p->validity_months, err)) != KV_OK)
        goto out;
    /* The policy's attributes are {enabled,created,updated} (spec §2). */
    if ((rc = kv__common_from_json(o, what, &m, err)) != KV_OK)
        goto out;
    p->enabled = m.enabled;
    p->created = m.created;
    p->updated = m.updated;
    kv__common_free(&m);
    rc = KV_OK;
    *out = p;
    p = NULL;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_certificate_policy_free(p);
    return rc;
}

int kv__certificate_from_json(const cJSON *o, const char *what, struct kv_certificate **out,
                              struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv_certificate *cert = NULL;
    struct kv__common m;
    *out = NULL;
    if (!cJSON_IsObject(o))
        return kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
    if (!(cert = calloc(1, sizeof *cert)))
        goto out;
    cert->id = kv__json_strdup(o, "id", &ok);
    if (!cert->id) {
        if (ok)
            rc = kv__fail(err, KV_E_PROTOCOL, "%s has no certificate id", what);
        goto out;
    }
    /* An id that is not a certificate identifier leaves name and version NULL. */
    if (kv_certificate_id_parse(cert->id, NULL, &cert->name, &cert->version, NULL) == KV_E_NOMEM)
        goto out;
    cert->kid = kv__json_strdup(o, "kid", &ok);
    cert->sid = kv__json_strdup(o, "sid", &ok);
    cert->x5t = kv__json_strdup(o, "x5t", &ok);
    cert->pending_id = kv__json_strdup(cJSON_GetObjectItemCaseSensitive(o, "pending"), "id", &ok);
    if (!ok)
        goto out;
    if ((rc = b64_member(o, "cer", what, &cert->cer, err)) != KV_OK)
        goto out;
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(o, "policy");
    if (pol && !cJSON_IsNull(pol) &&
        (rc = kv__cert_policy_from_json(pol, what, &cert->policy, err)) != KV_OK)
        goto out;
    if ((rc = kv__common_from_json(o, what, &m, err)) != KV_OK)
        goto out;
    KV__COMMON_MOVE(cert, m);
    *out = cert;
    cert = NULL;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_certificate_free(cert);
    return rc;
}

int kv__cert_operation_from_json(const cJSON *o, const char *what,
                                 struct kv_certificate_operation **out, struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv_certificate_operation *op = NULL;
    *out = NULL;
    if (!cJSON_IsObject(o))
        return kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
    if (!(op = calloc(1, sizeof *op)))
        goto out;
    op->retry_after_ms = -1;
    op->id = kv__json_strdup(o, "id", &ok);
    op->issuer_name = kv__json_strdup(cJSON_GetObjectItemCaseSensitive(o, "issuer"), "name", &ok);
    op->status = kv__json_strdup(o, "status", &ok);
    op->status_details = kv__json_strdup(o, "status_details", &ok);
    op->target = kv__json_strdup(o, "target", &ok);
    op->request_id = kv__json_strdup(o, "request_id", &ok);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    op->error_code = kv__json_strdup(e, "code", &ok);
    op->error_message = kv__json_strdup(e, "message", &ok);
    op->cancellation_requested =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cancellation_requested"));
    if (!ok)
        goto out;
    /* The pollers need status on every operation (spec §7): without it none can decide. */
    if (!op->status) {
        rc = kv__fail(err, KV_E_PROTOCOL, "%s has no status", what);
        goto out;
    }
    /* The id is .../certificates/{name}/pending: the name is the segment before it. */
    if (op->id) {
        const char *end = strstr(op->id, "/pending"), *start = end;
        while (start && start > op->id && start[-1] != '/')
            start--;
        if (end && start && end > start && !(op->name = kv__strndup(start, (size_t)(end - start))))
            goto out;
    }
    if ((rc = b64_member(o, "csr", what, &op->csr, err)) != KV_OK)
        goto out;
    *out = op;
    op = NULL;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_certificate_operation_free(op);
    return rc;
}

/* ----- Operations ------------------------------------------------------------------------------
 */

static int parse_cert(const cJSON *root, const char *what, void *out, struct kv_error *err)
{
    struct kv_certificate **res = out;
    if (!root) {
        *res = NULL;
        return KV_OK;
    }
    return kv__certificate_from_json(root, what, res, err);
}

static int parse_policy(const cJSON *root, const char *what, void *out, struct kv_error *err)
{
    struct kv_certificate_policy **res = out;
    if (!root) {
        *res = NULL;
        return KV_OK;
    }
    return kv__cert_policy_from_json(root, what, res, err);
}

/* A call on one certificate with the calling function's client c; the format and its arguments
 * make the path once the name is checked. */
#define CERT_CALL(name, version, what, method, o, built, parse, out, err, ...)                     \
    kv__named_call(c, "certificate", name, version, what, method, o, built, parse, out, err,       \
                   __VA_ARGS__)

/* attributes and tags of props into o. */
static bool add_props(cJSON *o, const struct kv_certificate_props *p)
{
    if (!p)
        return true;
    return kv__json_add_attributes(o, p->enabled, 0, 0, false) &&
           (!p->set_tags || kv__json_add_tags(o, p->tags, p->n_tags));
}

/* policy_json parsed and added to o as "policy". KV_E_INVALID_ARG when it is not a JSON object
 * (the text is not quoted: it is the caller's). */
static int add_policy(cJSON *o, const char *policy_json, struct kv_error *err)
{
    if (!policy_json)
        return KV_OK;
    cJSON *p = cJSON_Parse(policy_json);
    if (!cJSON_IsObject(p)) {
        cJSON_Delete(p);
        return kv__fail(err, KV_E_INVALID_ARG, "the certificate policy is not a JSON object");
    }
    if (!cJSON_AddItemToObject(o, "policy", p)) {
        cJSON_Delete(p);
        return kv__fail(err, KV_E_NOMEM, "out of memory");
    }
    return KV_OK;
}

/* A request on /certificates/{name}/{suffix} answered by the operation, whose Retry-After is kept
 * in (*out)->retry_after_ms (the 202 of create and each inProgress GET carry the poll interval,
 * spec §3). o is taken. */
static int op_call(struct kv_client *c, const char *name, const char *what, const char *method,
                   const char *suffix, cJSON *o, bool built, struct kv_certificate_operation **out,
                   struct kv_error *err)
{
    struct kv__response rs = {.retry_after_ms = -1};
    struct kv_certificate_operation *op = NULL;
    cJSON *root = NULL;
    char path[200], desc[96], *body = NULL;
    int rc;
    if (out)
        *out = NULL;
    if ((rc = kv__check_name(name, "certificate", err)) != KV_OK)
        goto out;
    if (o && !(built && (body = cJSON_PrintUnformatted(o)))) {
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
        goto out;
    }
    snprintf(path, sizeof path, "/certificates/%s/%s", name, suffix);
    if ((rc = kv__vault_call_hinted(c, what, method, path, body, &rs, err)) != KV_OK)
        goto out;
    if (!out)
        goto out;
    if ((rc = kv__parse_body(&rs, &root, err)) != KV_OK)
        goto out;
    snprintf(desc, sizeof desc, "the %s response", what);
    if ((rc = kv__cert_operation_from_json(root, desc, &op, err)) != KV_OK)
        goto out;
    op->retry_after_ms = rs.retry_after_ms;
    *out = op;
out:
    if (o)
        kv__json_delete_wipe(o);
    cx_free_wiped(body);
    if (root)
        kv__json_delete_wipe(root);
    kv__response_finish(&rs);
    return rc;
}

int kv_certificate_create(struct kv_client *c, const char *name, const char *policy_json,
                          const struct kv_certificate_props *props,
                          struct kv_certificate_operation **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    kv__error_clear(err);
    cJSON *o = cJSON_CreateObject();
    int rc = o ? add_policy(o, policy_json, err) : kv__fail(err, KV_E_NOMEM, "out of memory");
    if (rc != KV_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return op_call(c, name, "CreateCertificate", "POST", "create", o, add_props(o, props), out,
                   err);
}

int kv_certificate_get_operation(struct kv_client *c, const char *name,
                                 struct kv_certificate_operation **out, struct kv_error *err)
{
    return op_call(c, name, "GetCertificateOperation", "GET", "pending", NULL, true, out, err);
}

int kv_certificate_cancel_operation(struct kv_client *c, const char *name,
                                    struct kv_certificate_operation **out, struct kv_error *err)
{
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddTrueToObject(o, "cancellation_requested");
    if (!o)
        return kv__fail(err, KV_E_NOMEM, "out of memory");
    return op_call(c, name, "UpdateCertificateOperation", "PATCH", "pending", o, built, out, err);
}

int kv_certificate_delete_operation(struct kv_client *c, const char *name,
                                    struct kv_certificate_operation **out, struct kv_error *err)
{
    return op_call(c, name, "DeleteCertificateOperation", "DELETE", "pending", NULL, true, out,
                   err);
}

int kv_certificate_merge(struct kv_client *c, const char *name, const struct kv_bytes *x5c,
                         size_t n, const struct kv_certificate_props *props,
                         struct kv_certificate **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    if (!x5c || !n)
        return kv__fail(err, KV_E_INVALID_ARG, "at least one certificate (x5c) is required");
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "x5c") : NULL;
    bool built = a != NULL;
    for (size_t i = 0; built && i < n; i++) {
        char *s = x5c[i].len ? cx_b64_encode(x5c[i].data, x5c[i].len, 0) : NULL;
        cJSON *it = s ? cJSON_CreateString(s) : NULL;
        free(s);
        if (!it || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            built = false;
        }
    }
    built = built && add_props(o, props);
    return CERT_CALL(name, NULL, "MergeCertificate", "POST", o, built, parse_cert, out, err,
                     "/certificates/%s/pending/merge", name);
}

/* True when the policy object names a secret content type. */
static bool has_content_type(const cJSON *o)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "policy");
    return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(p, "secret_props"), "contentType"));
}

/* Sets policy.secret_props.contentType to the PEM type (spec §3 ImportCertificate: the service
 * reads the value as PEM only when the policy says so). */
static bool add_pem_type(cJSON *o)
{
    cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "policy");
    if (!p && !(p = cJSON_AddObjectToObject(o, "policy")))
        return false;
    cJSON *sp = cJSON_GetObjectItemCaseSensitive(p, "secret_props");
    if (!cJSON_IsObject(sp)) {
        cJSON_DeleteItemFromObjectCaseSensitive(p, "secret_props");
        if (!(sp = cJSON_AddObjectToObject(p, "secret_props")))
            return false;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(sp, "contentType");
    return cJSON_AddStringToObject(sp, "contentType", "application/x-pem-file") != NULL;
}

int kv_certificate_import(struct kv_client *c, const char *name, const void *data, size_t len,
                          const char *password, const char *policy_json,
                          const struct kv_certificate_props *props, struct kv_certificate **out,
                          struct kv_error *err)
{
    char *value = NULL;
    if (out)
        *out = NULL;
    kv__error_clear(err);
    if (!data || !len)
        return kv__fail(err, KV_E_INVALID_ARG, "the certificate (PFX or PEM) is empty");
    /* A PFX is DER (a SEQUENCE, 0x30); PEM is text holding "-----BEGIN", perhaps after
     * openssl's "Bag Attributes" lines. */
    bool pem = ((const unsigned char *)data)[0] != 0x30 && memmem(data, len, "-----BEGIN", 10);
    if (pem && memchr(data, '\0', len))
        return kv__fail(err, KV_E_INVALID_ARG, "the PEM text holds a NUL byte");
    /* PEM goes as its text (the JS SDK's form), a PFX as standard base64 (spec §3). */
    value = pem ? kv__strndup(data, len) : cx_b64_encode(data, len, 0);
    cJSON *o = cJSON_CreateObject();
    int rc =
        o && value ? add_policy(o, policy_json, err) : kv__fail(err, KV_E_NOMEM, "out of memory");
    if (rc != KV_OK) {
        cJSON_Delete(o);
        cx_free_wiped(value);
        return rc;
    }
    bool built = cJSON_AddStringToObject(o, "value", value) &&
                 (!password || !*password || cJSON_AddStringToObject(o, "pwd", password)) &&
                 (!pem || has_content_type(o) || add_pem_type(o)) && add_props(o, props);
    cx_free_wiped(value);
    /* The body holds the private key and the password: the call wipes it after sending. */
    return CERT_CALL(name, NULL, "ImportCertificate", "POST", o, built, parse_cert, out, err,
                     "/certificates/%s/import", name);
}

int kv_certificate_get(struct kv_client *c, const char *name, const char *version,
                       struct kv_certificate **out, struct kv_error *err)
{
    /* "/certificates/{name}/" with an empty version is what the SDKs send for the latest. */
    return CERT_CALL(name, version, "GetCertificate", "GET", NULL, true, parse_cert, out, err,
                     "/certificates/%s/%s", name, version ? version : "");
}

int kv_certificate_update(struct kv_client *c, const char *name, const char *version,
                          const struct kv_certificate_props *props, struct kv_certificate **out,
                          struct kv_error *err)
{
    cJSON *o = cJSON_CreateObject();
    bool built = o && add_props(o, props);
    return CERT_CALL(name, version, "UpdateCertificate", "PATCH", o, built, parse_cert, out, err,
                     "/certificates/%s/%s", name, version ? version : "");
}

int kv_certificate_delete(struct kv_client *c, const char *name, struct kv_certificate **out,
                          struct kv_error *err)
{
    return CERT_CALL(name, NULL, "DeleteCertificate", "DELETE", NULL, true, parse_cert, out, err,
                     "/certificates/%s", name);
}

int kv_certificate_get_deleted(struct kv_client *c, const char *name, struct kv_certificate **out,
                               struct kv_error *err)
{
    return CERT_CALL(name, NULL, "GetDeletedCertificate", "GET", NULL, true, parse_cert, out, err,
                     "/deletedcertificates/%s", name);
}

int kv_certificate_recover(struct kv_client *c, const char *name, struct kv_certificate **out,
                           struct kv_error *err)
{
    return CERT_CALL(name, NULL, "RecoverDeletedCertificate", "POST", NULL, true, parse_cert, out,
                     err, "/deletedcertificates/%s/recover", name);
}

int kv_certificate_purge(struct kv_client *c, const char *name, struct kv_error *err)
{
    /* 204 with no body: nothing to parse. */
    return CERT_CALL(name, NULL, "PurgeDeletedCertificate", "DELETE", NULL, true, parse_cert, NULL,
                     err, "/deletedcertificates/%s", name);
}

int kv_certificate_backup(struct kv_client *c, const char *name, char **blob, struct kv_error *err)
{
    return kv__backup(c, "certificate", "/certificates", name, "BackupCertificate", blob, err);
}

int kv_certificate_restore(struct kv_client *c, const char *blob, struct kv_certificate **out,
                           struct kv_error *err)
{
    return kv__restore(c, "RestoreCertificate", "/certificates/restore", blob, parse_cert, out,
                       err);
}

int kv_certificate_policy_get(struct kv_client *c, const char *name,
                              struct kv_certificate_policy **out, struct kv_error *err)
{
    return CERT_CALL(name, NULL, "GetCertificatePolicy", "GET", NULL, true, parse_policy, out, err,
                     "/certificates/%s/policy", name);
}

int kv_certificate_policy_update(struct kv_client *c, const char *name, const char *policy_json,
                                 struct kv_certificate_policy **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    kv__error_clear(err);
    if (!policy_json)
        return kv__fail(err, KV_E_INVALID_ARG, "a policy is required");
    cJSON *o = cJSON_Parse(policy_json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return kv__fail(err, KV_E_INVALID_ARG, "the certificate policy is not a JSON object");
    }
    return CERT_CALL(name, NULL, "UpdateCertificatePolicy", "PATCH", o, true, parse_policy, out,
                     err, "/certificates/%s/policy", name);
}

/* ----- Paging ----------------------------------------------------------------------------------
 */

int kv_certificate_pager_create(struct kv_client *c, enum kv_certificate_list_kind kind,
                                const char *name, int maxresults, int include_pending,
                                struct kv_pager **out)
{
    static const char *const names[] = {"GetCertificates", "GetCertificateVersions",
                                        "GetDeletedCertificates"};
    /* includePending applies to the certificate and deleted lists only (spec §3). */
    const char *extra =
        include_pending && kind != KV_LIST_CERTIFICATE_VERSIONS ? "includePending=true" : NULL;
    return kv__pager_open_query(c, KV__FAMILY_CERTS, names, "/certificates", "/deletedcertificates",
                                (int)kind, name, maxresults, extra, out);
}

int kv_certificate_pager_next(struct kv_pager *p, struct kv_certificate **out, struct kv_error *err)
{
    kv__error_clear(err);
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "pager and out are required");
    *out = NULL;
    return kv__pager_next(p, KV__FAMILY_CERTS, parse_cert, out, err);
}
