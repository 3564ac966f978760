/* secrets.c: the 13 Key Vault secret operations (spec/keyvault-secrets.md §1), HTTP <-> store. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-mem.h"
#include "http.h"
#include "reply.h"
#include "op.h"
#include "state.h"
#include "store.h"
#include "util.h"
#include "vault-int.h"
#include "x509.h"

#define MV_VALUE_MAX 25600 /* characters (spec §2 "Value over 25 KB") */
#define MV_CONTENT_TYPE_MAX 255

static const char not_found_fmt[] =
    "A secret with (name/id) %s was not found in this key vault. If you recently deleted this "
    "secret you may be able to recover it using the correct recovery command. For help resolving "
    "this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

/* Replies for a store error (never MV_OK). name/version are the URI's, already validated. */
static enum MHD_Result reply_store_err(struct mv_req *r, enum mv_err e, const char *name,
                                       const char *version)
{
    char what[200];

    switch (e) {
    case MV_E_NOT_FOUND:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "SecretNotFound", NULL, not_found_fmt,
                                 name);
    case MV_E_VERSION_NOT_FOUND:
        snprintf(what, sizeof what, "%s/%s", name, version ? version : "");
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "SecretNotFound", NULL, not_found_fmt,
                                 what);
    case MV_E_NOT_DELETED:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "SecretNotFound", NULL,
                                 "Deleted Secret not found: %s", name);
    case MV_E_DELETED:
        return mv_reply_kv_error(
            r, MHD_HTTP_CONFLICT, "Conflict", "ObjectIsDeletedButRecoverable",
            "Secret %s is currently in a deleted but recoverable state, and its "
            "name cannot be reused; in this state, the secret can only be "
            "recovered or purged.",
            name);
    case MV_E_EXISTS:
        /* The real text of this 409 was not found (spec §1 RestoreSecret); mock wording. */
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", NULL,
                                 "Secret %s already exists in this key vault (live or deleted); "
                                 "restore needs a free name.",
                                 name);
    case MV_E_MANAGED:
        /* A certificate's secret (certificates spec §4, [USER] for set). */
        return mv_vault_reply_managed(r, "SecretManagedByKeyVault");
    default: return mv_vault_reply_common_err(r, e);
    }
}

/* Common fields of set and update: contentType, attributes {enabled, nbf, exp}. */
struct fields {
    bool has_ct;
    const char *ct;
    bool has_tags;
    struct mv_tags tags; /* items array owned, strings borrowed */
    struct mv_attr_fields attrs;
};

static bool parse_fields_or_reply(struct mv_req *r, const cJSON *body, struct fields *f)
{
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(body, "contentType");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(body, "attributes");

    memset(f, 0, sizeof *f);
    if (ct && !cJSON_IsNull(ct)) {
        if (!cJSON_IsString(ct)) {
            mv_vault_bad_parameter(r, NULL, "Property 'contentType' must be a string.");
            return false;
        }
        if (strlen(ct->valuestring) > MV_CONTENT_TYPE_MAX) {
            mv_vault_bad_parameter(r, NULL,
                                   "Property 'contentType' is longer than 255 characters.");
            return false;
        }
        f->has_ct = true;
        f->ct = ct->valuestring;
    }
    if (!mv_vault_attrs_or_reply(r, attrs, &f->attrs))
        return false;
    if (tags && !cJSON_IsNull(tags)) {
        if (!mv_vault_tags_or_reply(r, tags, &f->tags))
            return false;
        f->has_tags = true;
    }
    return true;
}

/* ---- Handlers ---- */

static enum MHD_Result h_set(struct mv_req *r)
{
    const char *name = r->cap[0];
    cJSON *body = NULL;
    const cJSON *value;
    struct fields f;
    struct mv_secret_input in;
    struct mv_object_view sv;
    enum mv_err e;
    int ok;

    memset(&f, 0, sizeof f);
    memset(&sv, 0, sizeof sv);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    value = cJSON_GetObjectItemCaseSensitive(body, "value");
    if (!cJSON_IsString(value)) {
        ok = mv_vault_bad_parameter(r, NULL,
                                    value ? "Property 'value' must be a string."
                                          : "Property 'value' is required.");
        goto out;
    }
    /* The service counts characters (code points), not bytes, against the limit. */
    if (cx_utf8_count(value->valuestring) > MV_VALUE_MAX) {
        ok = mv_vault_bad_parameter(
            r, "SecretTooLarge",
            "Secret is beyond the maximum permitted length of 25600 characters.");
        goto out;
    }
    if (!parse_fields_or_reply(r, body, &f)) {
        ok = MHD_YES;
        goto out;
    }
    memset(&in, 0, sizeof in);
    in.value = value->valuestring;
    in.content_type = f.has_ct ? f.ct : NULL;
    in.tags = f.has_tags ? &f.tags : NULL;
    MV_VAULT_COPY_ATTRS(in, f.attrs);
    e = mv_store_set_secret(r->srv->store, r->vault, name, &in, mv_req_now(r), &sv);
    ok = e == MV_OK ? mv_reply_secret(r, &sv, MV_SECRET_VALUE) : reply_store_err(r, e, name, NULL);
out:
    free(f.tags.items);
    mv_object_view_finish(&sv);
    if (body) {
        /* The parsed tree holds the value: wipe it before freeing. */
        if (cJSON_IsString(value))
            memset(value->valuestring, 0, strlen(value->valuestring));
        cJSON_Delete(body);
    }
    return ok;
}

/* ---- A certificate's secret (certificates spec §4) ---- */

static const char ct_pkcs12[] = "application/x-pkcs12";
static const char ct_pem[] = "application/x-pem-file";

/* GetSecret's outContentType (2025-07-01): *want is the requested type, NULL when the parameter
 * is absent or the api-version predates it (earlier versions ignore it, as they ignore any
 * unknown parameter). A value other than the two known types is refused; the service's text is
 * not recorded, so the refusal uses the REST reference's words [UNCERTAIN]. */
static bool out_type_or_reply(struct mv_req *r, const char **want)
{
    const char *q = mv_req_query(r, "outContentType");
    char echo[120];

    *want = NULL;
    if (!q || mv_api_version_rank(r->api_version) < mv_api_version_rank("2025-07-01"))
        return true;
    if (strcasecmp(q, ct_pkcs12) != 0 && strcasecmp(q, ct_pem) != 0) {
        mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                          "The content type '%s' is not supported for outContentType. Currently, "
                          "only PFX to PEM conversion is supported: use application/x-pem-file "
                          "(or application/x-pkcs12 for the original format).",
                          mv_reply_echo(q, echo, sizeof echo));
        return false;
    }
    *want = q;
    return true;
}

/* Converts sv's value to want (only PKCS#12 -> PEM exists); the value is replaced and the old one
 * wiped. Refuses a secret that is not a certificate's (the text is the mock's [UNCERTAIN]) and a
 * PEM secret asked for as PKCS#12. */
static bool convert_or_reply(struct mv_req *r, struct mv_object_view *sv, const char *want)
{
    const char *have = sv->v.content_type ? sv->v.content_type : "";
    char *pem = NULL, *ct;
    enum mv_x509_err xe;

    if (!sv->v.managed) {
        mv_vault_bad_parameter(r, NULL,
                               "outContentType applies only to the secret of a certificate; "
                               "this secret is not backed by a certificate.");
        return false;
    }
    if (strcasecmp(have, want) == 0)
        return true;
    if (strcasecmp(want, ct_pem) != 0 || strcasecmp(have, ct_pkcs12) != 0) {
        mv_vault_bad_parameter(r, NULL, "Currently, only PFX to PEM conversion is supported.");
        return false;
    }
    xe = sv->v.value ? mv_x509_pkcs12_to_pem(sv->v.value, &pem) : MV_X509_BAD_PKCS12;
    ct = xe == MV_X509_OK ? strdup(ct_pem) : NULL;
    if (!ct) {
        if (pem)
            cx_wipe_free(pem, strlen(pem));
        if (xe == MV_X509_OK || xe == MV_X509_NOMEM)
            mv_vault_reply_common_err(r, MV_E_NOMEM);
        else
            mv_vault_bad_parameter(r, NULL,
                                   "The certificate's PKCS#12 content could not be read "
                                   "for the conversion to PEM.");
        return false;
    }
    cx_wipe_free(sv->v.value, strlen(sv->v.value));
    sv->v.value = pem;
    free(sv->v.content_type);
    sv->v.content_type = ct;
    return true;
}

/* The certificate version before version (creation order), for previousVersion (2025-07-01): ""
 * when version is the secret's first. */
static void previous_version(struct mv_req *r, const char *name, const char *version, char out[33])
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    const struct mv_vault *v = mv_data_vault(d, r->vault);
    const struct mv_object *o = v ? mv_vault_secret(v, name) : NULL;

    out[0] = '\0';
    for (size_t i = 1; o && i < o->nversions; i++)
        if (strcmp(o->versions[i].id, version) == 0 && o->versions[i - 1].managed)
            memcpy(out, o->versions[i - 1].id, 33);
    mv_store_unlock(r->srv->store);
}

static enum MHD_Result h_get(struct mv_req *r)
{
    const char *name = r->cap[0], *version = r->cap[1];
    struct mv_object_view sv;
    enum mv_err e;
    int64_t now = mv_req_now(r);
    const char *want;
    char prev[33] = "";
    int ok;

    memset(&sv, 0, sizeof sv);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (version[0] && !cx_is_hex(version, 32, 0)) /* any case: ids compare case-insensitively */
        return reply_store_err(r, MV_E_VERSION_NOT_FOUND, name, version);
    if (!out_type_or_reply(r, &want))
        return MHD_YES;
    cx_str_lower(
        r->cap[1]); /* versions are lowercase hex; identifiers compare case-insensitively */
    e = mv_store_get(r->srv->store, MV_OBJ_SECRET, r->vault, name, version, &sv);
    if (e != MV_OK)
        return reply_store_err(r, e, name, version);
    if (!sv.v.enabled) {
        ok = mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "SecretDisabled",
                               "Operation get is not allowed on a disabled secret.");
    } else if (r->srv->cfg.strict_expiry &&
               ((sv.v.has_exp && sv.v.exp <= now) || (sv.v.has_nbf && sv.v.nbf > now))) {
        /* The real service returns such secrets (spec §2); this refusal is opt-in and says so. */
        ok = mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "MockStrictExpiry",
                               "Operation get is not allowed on a%s secret. This is a mockvault "
                               "--strict-expiry rule: the real Key Vault returns the secret with "
                               "200 and leaves nbf/exp to the client.",
                               (sv.v.has_exp && sv.v.exp <= now) ? "n expired" : " not yet valid");
    } else if (want && !convert_or_reply(r, &sv, want)) {
        ok = MHD_YES;
    } else {
        /* previousVersion came with 2025-07-01, for certificates' secrets only [SPEC]. */
        if (sv.v.managed &&
            mv_api_version_rank(r->api_version) >= mv_api_version_rank("2025-07-01"))
            previous_version(r, sv.name, sv.v.id, prev);
        ok = mv_reply_secret_get(r, &sv, prev);
    }
    mv_object_view_finish(&sv);
    return ok;
}

static enum MHD_Result h_update(struct mv_req *r)
{
    const char *name = r->cap[0], *version = r->cap[1];
    cJSON *body = NULL;
    struct fields f;
    struct mv_secret_update upd;
    struct mv_object_view sv;
    enum mv_err e;
    int ok = MHD_YES;

    memset(&f, 0, sizeof f);
    memset(&sv, 0, sizeof sv);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (version[0] && !cx_is_hex(version, 32, 0)) /* any case: ids compare case-insensitively */
        return reply_store_err(r, MV_E_VERSION_NOT_FOUND, name, version);
    cx_str_lower(r->cap[1]);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    if (!parse_fields_or_reply(r, body, &f))
        goto out;
    memset(&upd, 0, sizeof upd);
    upd.has_content_type = f.has_ct;
    upd.content_type = f.ct;
    upd.has_tags = f.has_tags;
    upd.tags = &f.tags;
    MV_VAULT_COPY_ATTRS(upd, f.attrs);
    e = mv_store_update_secret(r->srv->store, r->vault, name, version, &upd, mv_req_now(r), &sv);
    /* A disabled secret can still be updated; the response never carries the value. */
    ok = e == MV_OK ? mv_reply_secret(r, &sv, 0) : reply_store_err(r, e, name, version);
out:
    free(f.tags.items);
    mv_object_view_finish(&sv);
    cJSON_Delete(body);
    return ok;
}

/* Delete, get-deleted, recover and purge answer as every family does (common.c). */
static const struct mv_vault_family family = {MV_OBJ_SECRET, mv_reply_secret, MV_SECRET_DELETED, 0,
                                              reply_store_err};

MV_VAULT_BY_NAME_HANDLERS(family)

/* ---- Paging ---- */

static enum MHD_Result h_list(struct mv_req *r)
{
    return mv_vault_list(r, MV_OBJ_SECRET, MV_LIST_LIVE, NULL, "/secrets", mv_reply_secret_page,
                         MV_SECRET_BASE_ID, reply_store_err);
}

static enum MHD_Result h_list_deleted(struct mv_req *r)
{
    return mv_vault_list(r, MV_OBJ_SECRET, MV_LIST_DELETED, NULL, "/deletedsecrets",
                         mv_reply_secret_page, MV_SECRET_BASE_ID | MV_SECRET_DELETED,
                         reply_store_err);
}

static enum MHD_Result h_versions(struct mv_req *r)
{
    char path[200];

    if (!mv_vault_name_ok(r->cap[0]))
        return mv_vault_reply_bad_name(r, r->cap[0]);
    snprintf(path, sizeof path, "/secrets/%s/versions", r->cap[0]);
    return mv_vault_list(r, MV_OBJ_SECRET, MV_LIST_VERSIONS, r->cap[0], path, mv_reply_secret_page,
                         MV_SECRET_ITEM, reply_store_err);
}

/* ---- Backup and restore ---- */

/* The blob's additional data: a secret's blob never opens as another family's (blob.c). */
static const char blob_aad[] = "mockvault-backup-v1";

static enum MHD_Result h_backup(struct mv_req *r)
{
    return mv_vault_backup(r, MV_OBJ_SECRET, mv_state_secret_to_json, blob_aad, reply_store_err);
}

static enum MHD_Result malformed_blob(struct mv_req *r)
{
    /* The real code string contains spaces (spec §2, REC R-JS). */
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "Malformed backup blob", NULL,
                             "Backup blob contains invalid or corrupt version.");
}

static enum MHD_Result h_restore(struct mv_req *r)
{
    struct mv_object *s =
        mv_vault_restore_object_or_reply(r, blob_aad, mv_state_secret_from_json, malformed_blob);
    struct mv_object_view sv;
    char name[160];
    enum mv_err e;
    int ok;

    if (!s)
        return MHD_YES;
    memset(&sv, 0, sizeof sv);
    snprintf(name, sizeof name, "%s", s->name);
    e = mv_store_restore(r->srv->store, MV_OBJ_SECRET, r->vault, s, &sv);
    if (e == MV_OK) {
        s = NULL; /* the store owns it now */
        ok = mv_reply_secret(r, &sv, 0);
    } else {
        ok = reply_store_err(r, e, name, NULL);
        mv_object_finish(s);
        free(s);
    }
    mv_object_view_finish(&sv);
    return ok;
}

/* The secrets family (spec/keyvault-secrets.md §1). Access-policy permissions follow the REST
 * reference ("This operation requires the secrets/get permission"); RBAC data actions follow spec
 * §2: get -> getSecret, list and metadata -> readMetadata, set -> setSecret, delete -> delete,
 * recover, backup, restore and purge -> their own actions. Object scope: an assignment at
 * /secrets/{name} grants the operation; collections and restore (the name is inside the blob)
 * need the vault scope. Key Vault counts every new secret version as a creation (§7). */
/* One operation per row reads as a table. */
/* clang-format off */
#define ACT "Microsoft.KeyVault/vaults/secrets/"
#define SECRET_OP(method, pattern, fn, name, body, perm, action, scope)                             \
    MV_VAULT_OP(method, pattern, fn, name, body, MV_FAMILY_SECRETS, perm, ACT action, scope,       \
                MV_THROTTLE_TRANSACTION)
const struct mv_op mv_secrets_ops[] = {
    SECRET_OP("GET", "/secrets", h_list, "GetSecrets", false, MV_PERM_LIST, "readMetadata/action", MV_SCOPE_VAULT),
    SECRET_OP("POST", "/secrets/restore", h_restore, "RestoreSecret", true, MV_PERM_RESTORE, "restore/action", MV_SCOPE_VAULT),
    SECRET_OP("GET", "/secrets/{}/versions", h_versions, "GetSecretVersions", false, MV_PERM_LIST, "readMetadata/action", MV_SCOPE_OBJECT),
    SECRET_OP("POST", "/secrets/{}/backup", h_backup, "BackupSecret", false, MV_PERM_BACKUP, "backup/action", MV_SCOPE_OBJECT),
    MV_VAULT_OP("PUT", "/secrets/{}", h_set, "SetSecret", true, MV_FAMILY_SECRETS, MV_PERM_SET, ACT "setSecret/action", MV_SCOPE_OBJECT, MV_THROTTLE_CREATION),
    SECRET_OP("DELETE", "/secrets/{}", h_delete, "DeleteSecret", false, MV_PERM_DELETE, "delete", MV_SCOPE_OBJECT),
    SECRET_OP("GET", "/secrets/{}/{?}", h_get, "GetSecret", false, MV_PERM_GET, "getSecret/action", MV_SCOPE_OBJECT),
    SECRET_OP("PATCH", "/secrets/{}/{?}", h_update, "UpdateSecret", true, MV_PERM_SET, "setSecret/action", MV_SCOPE_OBJECT),
    SECRET_OP("GET", "/deletedsecrets", h_list_deleted, "GetDeletedSecrets", false, MV_PERM_LIST, "readMetadata/action", MV_SCOPE_VAULT),
    SECRET_OP("POST", "/deletedsecrets/{}/recover", h_recover, "RecoverDeletedSecret", false, MV_PERM_RECOVER, "recover/action", MV_SCOPE_OBJECT),
    SECRET_OP("GET", "/deletedsecrets/{}", h_get_deleted, "GetDeletedSecret", false, MV_PERM_GET, "readMetadata/action", MV_SCOPE_OBJECT),
    SECRET_OP("DELETE", "/deletedsecrets/{}", h_purge, "PurgeDeletedSecret", false, MV_PERM_PURGE, "purge/action", MV_SCOPE_OBJECT),
    MV_OP_END,
};
/* clang-format on */
