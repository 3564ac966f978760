/* certs.c: the certificates family (spec/keyvault-certificates.md §3): create, import, get,
 * update, delete, deleted certificates, recover, purge, lists, backup and restore, and the
 * operation table of its routes (the operation object and merge are in certs-pending.c; policy,
 * contacts and issuers in certs-meta.c's own table). HTTP <-> store; keys and certificates are
 * made outside the store's lock (certs-issue.c, x509.h). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certs-int.h"
#include "cx-base64.h"
#include "cx-mem.h"
#include "op.h"
#include "reply-certs.h"
#include "reply.h"
#include "state.h"
#include "util.h"
#include "vault-int.h"

#define PEM_TYPE "application/x-pem-file"
/* The recorded 400 texts of an import that cannot be read (spec §3 ImportCertificate). */
#define BAD_PKCS12_TEXT                                                                            \
    "The specified PKCS#12 X.509 certificate content can not be read. Please check if "            \
    "certificate is in valid PKCS#12 format."
#define BAD_PEM_TEXT                                                                               \
    "The specified PEM X.509 certificate content is in an unexpected format. Please check if "     \
    "certificate is in valid PEM format."

/* ---- Body parsing ---- */

/* What create, import and update share: attributes.enabled, tags, policy. */
struct cert_fields {
    bool has_enabled, enabled;
    bool has_tags;
    struct mv_tags tags; /* items owned, strings borrowed */
    bool has_policy;
    struct mv_cert_policy policy; /* owned */
};

static void cert_fields_finish(struct cert_fields *f)
{
    free(f->tags.items);
    mv_cert_policy_finish(&f->policy);
}

/* base: the stored policy a PATCH merges into (NULL for create and import: defaults fill it).
 * An import without a policy still gets one: the defaults, x509_props later from the
 * certificate. */
static bool cert_fields_or_reply(struct mv_req *r, const cJSON *body,
                                 const struct mv_cert_policy *base, bool need_policy,
                                 struct cert_fields *f)
{
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(body, "policy");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
    struct mv_attr_fields attrs;
    cJSON *empty = NULL;
    char err[256];
    int rc;

    memset(f, 0, sizeof *f);
    if (!mv_vault_attrs_or_reply(r, cJSON_GetObjectItemCaseSensitive(body, "attributes"), &attrs))
        return false;
    f->has_enabled = attrs.has_enabled;
    f->enabled = attrs.enabled;
    if (tags && !cJSON_IsNull(tags)) {
        if (!mv_vault_tags_or_reply(r, tags, &f->tags))
            return false;
        f->has_tags = true;
    }
    if (pj && !cJSON_IsNull(pj) && !cJSON_IsObject(pj)) {
        mv_vault_bad_parameter(r, NULL, "Property 'policy' must be an object.");
        return false;
    }
    if (!cJSON_IsObject(pj) && !need_policy)
        return true;
    if (!cJSON_IsObject(pj))
        pj = empty = cJSON_CreateObject();
    rc = pj ? mv_cert_policy_parse(pj, base, &f->policy, err, sizeof err) : -1;
    cJSON_Delete(empty);
    if (rc != 0) {
        mv_vault_bad_parameter(r, NULL, pj ? err : "mockvault ran out of memory.");
        return false;
    }
    f->has_policy = true;
    return true;
}

/* ---- Create ---- */

static enum MHD_Result h_create(struct mv_req *r)
{
    const char *name = r->cap[0];
    cJSON *body = NULL;
    const cJSON *pj;
    struct cert_fields f;
    struct mv_certs_begin_fields bf;
    struct mv_certs_err err;
    struct mv_cert_op *op = NULL;
    int ok = MHD_YES;

    memset(&f, 0, sizeof f);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    pj = cJSON_GetObjectItemCaseSensitive(body, "policy");
    if (!cert_fields_or_reply(r, body, NULL, cJSON_IsObject(pj), &f))
        goto out;
    /* The refusals the store would give come before the key generation they would waste. */
    if (mv_store_cert_op_get(r->srv->store, r->vault, name, &op) == MV_OK &&
        op->status == MV_COP_IN_PROGRESS) {
        ok = mv_certs_store_err(r, MV_E_OP_IN_PROGRESS, name, NULL);
        goto out;
    }
    mv_cert_op_free(op);
    op = NULL;
    memset(&bf, 0, sizeof bf);
    bf.tags = f.has_tags ? &f.tags : NULL;
    bf.has_enabled = f.has_enabled;
    bf.enabled = f.enabled;
    if (!mv_certs_begin(r->srv, r->vault, name, f.has_policy ? &f.policy : NULL, &bf, mv_req_now(r),
                        &op, &err)) {
        /* No policy given and none stored: a deleted name says so before "policy required". */
        if (err.store == MV_E_NOT_FOUND) {
            struct mv_object_view dv;
            memset(&dv, 0, sizeof dv);
            err.store =
                mv_store_get_deleted(r->srv->store, MV_OBJ_CERT, r->vault, name, &dv) == MV_OK
                    ? MV_E_DELETED
                    : MV_E_POLICY_REQUIRED;
            mv_object_view_finish(&dv);
        }
        ok = mv_certs_err_reply(r, &err, name);
        goto out;
    }
    ok = mv_reply_cert_op(r, name, op, MV_COP_REPLY_CREATED);
out:
    mv_cert_op_free(op);
    cert_fields_finish(&f);
    cJSON_Delete(body);
    return ok;
}

/* ---- Import ---- */

/* Frees what a list holds and marks it absent. */
static void strlist_clear(struct mv_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* x509_props always come from the certificate, whatever policy was sent [REC]; so do the key's
 * type and size (the key is the certificate's). The props give up what they hand over. */
static void policy_from_props(struct mv_cert_policy *p, struct mv_x509_props *x)
{
    struct mv_strlist *lists[] = {&p->sans.emails, &p->sans.dns_names,    &p->sans.upns,
                                  &p->sans.uris,   &p->sans.ip_addresses, &p->ekus};

    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        strlist_clear(lists[i]);
    free(p->subject);
    p->subject = x->subject;
    x->subject = NULL;
    p->sans = x->sans;
    memset(&x->sans, 0, sizeof x->sans);
    p->ekus = x->ekus;
    memset(&x->ekus, 0, sizeof x->ekus);
    p->key_usage = x->key_usage;
    p->validity_months = x->validity_months;
    p->ca = x->ca;
    p->kty = x->kty;
    p->key_size = x->key_size;
    p->crv = x->crv;
}

/* The upload taken apart: PEM (raw text as JS sends it, or its base64 as Python does) when the
 * policy says x-pem-file, otherwise base64 PKCS#12. Replies 400 with the recorded texts. */
static bool read_upload_or_reply(struct mv_req *r, const char *value, const char *pwd, bool pem,
                                 struct mv_x509_bundle *b)
{
    size_t vlen = strlen(value), len = 0;
    unsigned char *raw = NULL;
    enum mv_x509_err xe;

    if (pem && strncmp(value, "-----BEGIN", 10) == 0) {
        xe = mv_x509_read_pem(value, vlen, pwd, b);
    } else {
        raw = cx_b64_decode(value, vlen, CX_B64_PAD_OPTIONAL | CX_B64_ANY_ALPHABET, &len);
        if (!raw)
            xe = pem ? MV_X509_BAD_PEM : MV_X509_BAD_PKCS12;
        else
            xe = pem ? mv_x509_read_pem((const char *)raw, len, pwd, b)
                     : mv_x509_read_pkcs12(raw, len, pwd, b);
    }
    if (raw)
        cx_wipe_free(raw, len);
    switch (xe) {
    case MV_X509_OK:
        if (b->mat && b->ncerts)
            return true;
        /* [UNCERTAIN] text (spec §3): the message says what is missing. */
        mv_vault_bad_parameter(r, NULL,
                               b->ncerts ? "The specified X.509 certificate content has no "
                                           "private key; import needs the certificate with its key."
                                         : MV_CERTS_INVALID_TEXT);
        return false;
    case MV_X509_NOMEM: mv_vault_reply_common_err(r, MV_E_NOMEM); return false;
    case MV_X509_BAD_PKCS12: mv_vault_bad_parameter(r, NULL, BAD_PKCS12_TEXT); return false;
    case MV_X509_BAD_PEM: mv_vault_bad_parameter(r, NULL, BAD_PEM_TEXT); return false;
    default: mv_vault_bad_parameter(r, NULL, MV_CERTS_INVALID_TEXT); return false;
    }
}

/* The import's policy, secret value and store call, once the upload is read. */
static enum MHD_Result import_bundle(struct mv_req *r, const char *name, struct cert_fields *f,
                                     struct mv_x509_bundle *b)
{
    struct mv_x509_props props;
    struct mv_cert_import in;
    struct mv_object_view cv;
    char *value = NULL;
    enum mv_x509_err xe;
    enum mv_err e;
    int ok;

    memset(&props, 0, sizeof props);
    memset(&cv, 0, sizeof cv);
    xe = mv_x509_props(b->certs[0], b->cert_lens[0], &props);
    if (xe != MV_X509_OK) {
        ok = xe == MV_X509_NOMEM ? mv_vault_reply_common_err(r, MV_E_NOMEM)
                                 : mv_vault_bad_parameter(r, NULL, MV_CERTS_INVALID_TEXT);
        goto out;
    }
    if (props.not_after <= mv_req_now(r)) {
        /* Expired certificates cannot be imported [DOC]; text [UNCERTAIN]. */
        ok = mv_vault_bad_parameter(r, NULL,
                                    "The specified X.509 certificate content is invalid. Error: "
                                    "the certificate has expired.");
        goto out;
    }
    policy_from_props(&f->policy, &props);
    xe = mv_certs_secret_value(&f->policy, b->mat, (const unsigned char *const *)b->certs,
                               b->cert_lens, b->ncerts, &value);
    if (xe != MV_X509_OK) {
        ok = xe == MV_X509_NOMEM ? mv_vault_reply_common_err(r, MV_E_NOMEM)
                                 : mv_vault_bad_parameter(r, NULL, MV_CERTS_INVALID_TEXT);
        goto out;
    }
    memset(&in, 0, sizeof in);
    in.policy = &f->policy;
    in.mat = b->mat;
    in.issue.der = b->certs[0];
    in.issue.der_len = b->cert_lens[0];
    in.issue.secret_value = value;
    in.issue.secret_content_type = f->policy.content_type;
    in.issue.nbf = props.not_before;
    in.issue.exp = props.not_after;
    in.issue.tags = f->has_tags ? &f->tags : NULL;
    in.issue.has_enabled = f->has_enabled;
    in.issue.enabled = f->enabled;
    e = mv_store_cert_import(r->srv->store, r->vault, name, &in, mv_req_now(r), &cv);
    /* Imports leave no operation object, so no "pending" [REC]. */
    ok = e == MV_OK ? mv_reply_cert(r, &cv, 0) : mv_certs_store_err(r, e, name, NULL);
out:
    if (value)
        cx_wipe_free(value, strlen(value));
    mv_object_view_finish(&cv);
    mv_x509_props_finish(&props);
    return ok;
}

static enum MHD_Result h_import(struct mv_req *r)
{
    const char *name = r->cap[0];
    cJSON *body = NULL;
    const cJSON *value, *pwd;
    struct cert_fields f;
    struct mv_x509_bundle b;
    int ok = MHD_YES;

    memset(&f, 0, sizeof f);
    memset(&b, 0, sizeof b);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    value = cJSON_GetObjectItemCaseSensitive(body, "value");
    pwd = cJSON_GetObjectItemCaseSensitive(body, "pwd");
    if (!cJSON_IsString(value) || (pwd && !cJSON_IsNull(pwd) && !cJSON_IsString(pwd))) {
        ok = mv_vault_bad_parameter(r, NULL,
                                    "Property 'value' (base64 PKCS#12, or PEM text) is required "
                                    "and 'pwd' must be a string.");
        goto out;
    }
    if (!cert_fields_or_reply(r, body, NULL, true, &f))
        goto out;
    if (read_upload_or_reply(r, value->valuestring, cJSON_IsString(pwd) ? pwd->valuestring : NULL,
                             f.policy.content_type && strcmp(f.policy.content_type, PEM_TYPE) == 0,
                             &b))
        ok = import_bundle(r, name, &f, &b);
out:
    mv_x509_bundle_finish(&b);
    cert_fields_finish(&f);
    if (body) {
        /* The tree holds the upload and its password: wiped before freeing. */
        if (cJSON_IsString(value))
            cx_wipe(value->valuestring, strlen(value->valuestring));
        if (cJSON_IsString(pwd))
            cx_wipe(pwd->valuestring, strlen(pwd->valuestring));
        cJSON_Delete(body);
    }
    return ok;
}

/* ---- Get and update ---- */

/* The URI's version: "" (the latest) or 32 hex digits, lower-cased in place. Replies 404 for
 * anything else, as for a missing version. */
static bool version_or_reply(struct mv_req *r)
{
    if (r->cap[1] && r->cap[1][0] && !cx_is_hex(r->cap[1], 32, 0)) {
        mv_certs_store_err(r, MV_E_VERSION_NOT_FOUND, r->cap[0], r->cap[1]);
        return false;
    }
    cx_str_lower(r->cap[1]);
    return true;
}

static enum MHD_Result h_get(struct mv_req *r)
{
    const char *name = r->cap[0], *version = r->cap[1];
    struct mv_object_view cv;
    enum mv_err e;
    int ok;

    memset(&cv, 0, sizeof cv);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!version_or_reply(r))
        return MHD_YES;
    mv_certs_settle(r, name);
    e = mv_store_get(r->srv->store, MV_OBJ_CERT, r->vault, name, version, &cv);
    /* A disabled certificate is still 200 [REC R-JS]. A version GET has no policy, no pending. */
    ok = e == MV_OK ? mv_reply_cert(r, &cv, version[0] ? MV_CERT_VERSIONED : 0)
                    : mv_certs_store_err(r, e, name, version);
    mv_object_view_finish(&cv);
    return ok;
}

static enum MHD_Result h_update(struct mv_req *r)
{
    const char *name = r->cap[0], *version = r->cap[1];
    cJSON *body = NULL;
    const cJSON *pj;
    struct cert_fields f;
    struct mv_cert_policy base;
    struct mv_cert_update upd;
    struct mv_object_view cv;
    enum mv_err e = MV_OK;
    int ok = MHD_YES;

    memset(&f, 0, sizeof f);
    memset(&base, 0, sizeof base);
    memset(&cv, 0, sizeof cv);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!version_or_reply(r))
        return MHD_YES;
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    /* A policy in the body updates the given members of the stored one (spec §3). */
    pj = cJSON_GetObjectItemCaseSensitive(body, "policy");
    if (cJSON_IsObject(pj))
        e = mv_store_cert_policy_get(r->srv->store, r->vault, name, &base);
    if (e != MV_OK) {
        ok = mv_certs_store_err(r, e, name, version);
        goto out;
    }
    if (!cert_fields_or_reply(r, body, cJSON_IsObject(pj) ? &base : NULL, false, &f))
        goto out;
    memset(&upd, 0, sizeof upd);
    upd.has_tags = f.has_tags;
    upd.tags = &f.tags;
    upd.has_enabled = f.has_enabled;
    upd.enabled = f.enabled;
    upd.policy = f.has_policy ? &f.policy : NULL;
    e = mv_store_cert_update(r->srv->store, r->vault, name, version, &upd, mv_req_now(r), &cv);
    ok = e == MV_OK ? mv_reply_cert(r, &cv, 0) : mv_certs_store_err(r, e, name, version);
out:
    mv_object_view_finish(&cv);
    mv_cert_policy_finish(&base);
    cert_fields_finish(&f);
    cJSON_Delete(body);
    return ok;
}

/* ---- Soft delete ---- */

/* Delete, get-deleted, recover and purge answer as every family does (common.c); the store
 * takes the managed key and secret along (store-certs.h). */
static const struct mv_vault_family family = {MV_OBJ_CERT, mv_reply_cert, MV_CERT_DELETED, 0,
                                              mv_certs_store_err};

MV_VAULT_BY_NAME_HANDLERS(family)

/* ---- Lists ---- */

/* What a certificates' listing reads: NULL name for a vault-wide list, live or deleted, with or
 * without pending-only names; a name for its versions. */
struct cert_list {
    const char *name;
    bool deleted, pending;
};

/* The listing's fetch for mv_vault_list_fetch, which pages it as every family's lists are paged
 * (full pages, or --paging azure's short and empty ones). */
static enum mv_err cert_fetch(struct mv_req *r, const void *ctx, const char *marker, size_t max,
                              struct mv_object_view **items, size_t *n, char **next)
{
    const struct cert_list *l = ctx;

    if (l->name)
        return mv_store_list_versions(r->srv->store, MV_OBJ_CERT, r->vault, l->name, marker, max,
                                      items, n, next);
    return mv_store_cert_list(r->srv->store, r->vault, l->deleted, l->pending, marker, max, items,
                              n, next);
}

/* The page with includePending=true carried over to the nextLink, so the next page lists the
 * same set (spec §2 GetCertificates). */
static enum MHD_Result reply_pending_page(struct mv_req *r, const struct mv_object_view *items,
                                          size_t n, unsigned shape, const char *next_link)
{
    char link[1300];

    if (!next_link)
        return mv_reply_cert_page(r, items, n, shape, NULL);
    snprintf(link, sizeof link, "%s&includePending=true", next_link);
    return mv_reply_cert_page(r, items, n, shape, link);
}

static enum MHD_Result list_common(struct mv_req *r, const char *name, bool deleted,
                                   const char *path, unsigned shape)
{
    const char *ip = mv_req_query(r, "includePending");
    struct cert_list l = {name, deleted, !name && ip && strcasecmp(ip, "true") == 0};

    if (name)
        mv_certs_settle(r, name);
    else if (!deleted)
        mv_certs_settle_vault(r);
    return mv_vault_list_fetch(r, cert_fetch, &l, name, path,
                               l.pending ? reply_pending_page : mv_reply_cert_page, shape,
                               mv_certs_store_err);
}

static enum MHD_Result h_list(struct mv_req *r)
{
    return list_common(r, NULL, false, "/certificates", MV_CERT_BASE_ID);
}

static enum MHD_Result h_list_deleted(struct mv_req *r)
{
    return list_common(r, NULL, true, "/deletedcertificates", MV_CERT_BASE_ID | MV_CERT_DELETED);
}

static enum MHD_Result h_versions(struct mv_req *r)
{
    char path[200];

    if (!mv_vault_name_ok(r->cap[0]))
        return mv_vault_reply_bad_name(r, r->cap[0]);
    snprintf(path, sizeof path, "/certificates/%s/versions", r->cap[0]);
    return list_common(r, r->cap[0], false, path, 0);
}

/* ---- Backup and restore ---- */

/* The blob's additional data: a certificate's blob never opens as a key's or a secret's. */
static const char blob_aad[] = "mockvault-certificate-backup-v1";

static void free_object(struct mv_object *o)
{
    if (o) {
        mv_object_finish(o);
        free(o);
    }
}

/* {"certificate":…,"key":…,"secret":…}: the three families' state shapes in one blob, the key
 * and secret absent for a name with no completed version. */
static cJSON *backup_json(const struct mv_object *cert, const struct mv_object *key,
                          const struct mv_object *secret)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *c = mv_state_cert_to_json(cert);
    cJSON *k = key ? mv_state_key_to_json(key) : NULL;
    cJSON *s = secret ? mv_state_secret_to_json(secret) : NULL;

    if (!root || !c || (key && !k) || (secret && !s)) {
        cJSON_Delete(root);
        cJSON_Delete(c);
        cJSON_Delete(k);
        cJSON_Delete(s);
        return NULL;
    }
    cJSON_AddItemToObject(root, "certificate", c);
    if (k)
        cJSON_AddItemToObject(root, "key", k);
    if (s)
        cJSON_AddItemToObject(root, "secret", s);
    return root;
}

static enum MHD_Result h_backup(struct mv_req *r)
{
    const char *name = r->cap[0];
    struct mv_object *cert = NULL, *key = NULL, *secret = NULL;
    enum mv_err e;
    int ok;

    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    mv_certs_settle(r, name);
    e = mv_store_cert_backup(r->srv->store, r->vault, name, &cert, &key, &secret);
    if (e != MV_OK)
        return mv_certs_store_err(r, e, name, NULL);
    /* The private key and the secret's value are in the plaintext: wiped, sealed. */
    ok = mv_vault_reply_sealed(r, blob_aad, backup_json(cert, key, secret));
    free_object(cert);
    free_object(key);
    free_object(secret);
    return ok;
}

static enum MHD_Result malformed_blob(struct mv_req *r)
{
    /* The code string contains spaces [REC R-JS]. */
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "Malformed backup blob", NULL,
                             "Backup blob contains invalid or corrupt version.");
}

/* One member of the blob read by from_json (NULL when absent; *bad when present and unreadable),
 * its soft-delete state cleared. */
static struct mv_object *blob_member(const cJSON *j, const char *key,
                                     struct mv_object *(*from_json)(const cJSON *, char *, size_t),
                                     bool *bad)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, key);
    struct mv_object *o;
    char err[256];

    if (!m)
        return NULL;
    o = from_json(m, err, sizeof err);
    if (!o || o->nversions == 0) {
        free_object(o);
        *bad = true;
        return NULL;
    }
    o->deleted = false;
    o->deleted_date = o->scheduled_purge_date = 0;
    return o;
}

static enum MHD_Result h_restore(struct mv_req *r)
{
    cJSON *j = mv_vault_restore_json_or_reply(r, blob_aad, malformed_blob);
    struct mv_object *cert, *key, *secret;
    struct mv_object_view cv;
    char name[160];
    bool bad = false;
    enum mv_err e;
    int ok;

    if (!j)
        return MHD_YES;
    memset(&cv, 0, sizeof cv);
    cert = blob_member(j, "certificate", mv_state_cert_from_json, &bad);
    key = blob_member(j, "key", mv_state_key_from_json, &bad);
    secret = blob_member(j, "secret", mv_state_secret_from_json, &bad);
    cJSON_Delete(j);
    if (!cert || bad) {
        ok = malformed_blob(r);
        goto out;
    }
    snprintf(name, sizeof name, "%s", cert->name);
    /* Restore keeps versions, times and the policy; no "pending" [REC]. */
    e = mv_store_cert_restore(r->srv->store, r->vault, cert, key, secret, &cv);
    if (e == MV_OK) {
        cert = key = secret = NULL; /* the store owns them now */
        ok = mv_reply_cert(r, &cv, 0);
    } else {
        ok = mv_certs_store_err(r, e, name, NULL);
    }
out:
    free_object(cert);
    free_object(key);
    free_object(secret);
    mv_object_view_finish(&cv);
    return ok;
}

/* ---- The operation table ---- */

/* The certificates family (spec §3), without policy, contacts and issuers (certs-meta.c's
 * mv_certs_meta_ops, registered before this table). Access-policy permissions follow spec §5:
 * reads -> get, lists -> list, create and merge -> create, import, PATCH of the certificate or
 * its operation and DELETE of the operation -> update. RBAC data actions: reads and lists
 * certificates/read, the rest their own action. Object scope: an assignment at
 * /certificates/{name} grants the operation; collections and restore (the name is inside the
 * blob) need the vault scope. Every operation is one of "all other transactions" for the
 * throttle (spec §6). The first matching row answers: the fixed segments (restore, versions,
 * pending, create, import, backup) come before /certificates/{}/{?}. */
/* One operation per row reads as a table. */
/* clang-format off */
#define CA "Microsoft.KeyVault/vaults/certificates/"
#define COP(method, pattern, fn, name, body, perm, action, scope)                                  \
    MV_VAULT_OP(method, pattern, fn, name, body, MV_FAMILY_CERTS, perm, CA action, scope, MV_THROTTLE_TRANSACTION)
const struct mv_op mv_certs_ops[] = {
    COP("GET", "/certificates", h_list, "GetCertificates", false, MV_CPERM_LIST, "read", MV_SCOPE_VAULT),
    COP("POST", "/certificates/restore", h_restore, "RestoreCertificate", true, MV_CPERM_RESTORE, "restore/action", MV_SCOPE_VAULT),
    COP("GET", "/certificates/{}/versions", h_versions, "GetCertificateVersions", false, MV_CPERM_LIST, "read", MV_SCOPE_OBJECT),
    COP("POST", "/certificates/{}/create", h_create, "CreateCertificate", true, MV_CPERM_CREATE, "create/action", MV_SCOPE_OBJECT),
    COP("POST", "/certificates/{}/import", h_import, "ImportCertificate", true, MV_CPERM_IMPORT, "import/action", MV_SCOPE_OBJECT),
    COP("POST", "/certificates/{}/backup", h_backup, "BackupCertificate", false, MV_CPERM_BACKUP, "backup/action", MV_SCOPE_OBJECT),
    COP("GET", "/certificates/{}/pending", mv_certs_h_pending_get, "GetCertificateOperation", false, MV_CPERM_GET, "read", MV_SCOPE_OBJECT),
    COP("PATCH", "/certificates/{}/pending", mv_certs_h_pending_cancel, "UpdateCertificateOperation", true, MV_CPERM_UPDATE, "update/action", MV_SCOPE_OBJECT),
    COP("DELETE", "/certificates/{}/pending", mv_certs_h_pending_delete, "DeleteCertificateOperation", false, MV_CPERM_UPDATE, "update/action", MV_SCOPE_OBJECT),
    COP("POST", "/certificates/{}/pending/merge", mv_certs_h_merge, "MergeCertificate", true, MV_CPERM_CREATE, "create/action", MV_SCOPE_OBJECT),
    COP("DELETE", "/certificates/{}", h_delete, "DeleteCertificate", false, MV_CPERM_DELETE, "delete", MV_SCOPE_OBJECT),
    COP("GET", "/certificates/{}/{?}", h_get, "GetCertificate", false, MV_CPERM_GET, "read", MV_SCOPE_OBJECT),
    COP("PATCH", "/certificates/{}/{?}", h_update, "UpdateCertificate", true, MV_CPERM_UPDATE, "update/action", MV_SCOPE_OBJECT),
    COP("GET", "/deletedcertificates", h_list_deleted, "GetDeletedCertificates", false, MV_CPERM_LIST, "read", MV_SCOPE_VAULT),
    COP("POST", "/deletedcertificates/{}/recover", h_recover, "RecoverDeletedCertificate", false, MV_CPERM_RECOVER, "recover/action", MV_SCOPE_OBJECT),
    COP("GET", "/deletedcertificates/{}", h_get_deleted, "GetDeletedCertificate", false, MV_CPERM_GET, "read", MV_SCOPE_OBJECT),
    COP("DELETE", "/deletedcertificates/{}", h_purge, "PurgeDeletedCertificate", false, MV_CPERM_PURGE, "purge/action", MV_SCOPE_OBJECT),
    MV_OP_END,
};
/* clang-format on */
