/* certs-meta.c: what a vault keeps about its certificates besides the certificates themselves
 * (spec/keyvault-certificates.md §2 Policy, §3 Policy, Contacts, Issuers): a certificate's policy
 * (get, partial update), the vault's certificate contacts (set, get, delete) and its certificate
 * issuers (list, set, update, get, delete), HTTP <-> store. The operation table at the end is
 * registered before the certificates' own (server.c), so these literal routes win over
 * /certificates/{name}/{version}. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "op.h"
#include "reply-certs-meta.h"
#include "reply.h"
#include "store-certs.h"
#include "store.h"
#include "vault-int.h"

static const char cert_not_found_fmt[] =
    "A certificate with (name/id) %s was not found in this key vault. If you recently deleted "
    "this certificate you may be able to recover it using the correct recovery command. For help "
    "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

/* What a store error is about: each has its own 404 (spec §3). */
enum subject { SUBJ_CERT, SUBJ_CONTACTS, SUBJ_ISSUER };

static enum MHD_Result store_err(struct mv_req *r, enum mv_err e, enum subject s, const char *name)
{
    if (e != MV_E_NOT_FOUND && e != MV_E_DELETED)
        return mv_vault_reply_common_err(r, e);
    switch (s) {
    case SUBJ_CONTACTS:
        /* 68 bytes [REC]. */
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "ContactsNotFound", NULL,
                                 "Contacts not found");
    case SUBJ_ISSUER:
        /* 75 bytes [REC]. */
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "CertificateIssuerNotFound", NULL,
                                 "Issuer not found");
    default:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "CertificateNotFound", NULL,
                                 cert_not_found_fmt, name);
    }
}

/* A member that must be a string when present: *out borrows it (NULL when absent or null). */
static bool opt_string_or_reply(struct mv_req *r, const cJSON *obj, const char *key,
                                const char *where, char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char msg[200];

    *out = NULL;
    if (!it || cJSON_IsNull(it))
        return true;
    if (!cJSON_IsString(it)) {
        snprintf(msg, sizeof msg, "Property '%s%s' must be a string.", where, key);
        mv_vault_bad_parameter(r, NULL, msg);
        return false;
    }
    *out = it->valuestring;
    return true;
}

/* ---- Policy (spec §3 GetCertificatePolicy, UpdateCertificatePolicy) ---- */

static enum MHD_Result h_policy_get(struct mv_req *r)
{
    const char *name = r->cap[0];
    struct mv_cert_policy p;
    enum mv_err e;
    int ok;

    memset(&p, 0, sizeof p);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    e = mv_store_cert_policy_get(r->srv->store, r->vault, name, &p);
    ok = e == MV_OK ? mv_reply_cert_policy(r, name, &p) : store_err(r, e, SUBJ_CERT, name);
    mv_cert_policy_finish(&p);
    return ok;
}

/* "Set specified members in the certificate policy. Leave others as null" [SPEC]: the body is a
 * policy whose absent members keep the stored ones (mv_cert_policy_parse with the stored policy
 * as base); the response is the stored policy with attributes.updated bumped [REC]. */
static enum MHD_Result h_policy_update(struct mv_req *r)
{
    const char *name = r->cap[0];
    struct mv_cert_policy base, in, out;
    cJSON *body = NULL;
    char err[300];
    enum mv_err e;
    int ok = MHD_YES;

    memset(&base, 0, sizeof base);
    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    e = mv_store_cert_policy_get(r->srv->store, r->vault, name, &base);
    if (e != MV_OK) {
        ok = store_err(r, e, SUBJ_CERT, name);
        goto out;
    }
    if (mv_cert_policy_parse(body, &base, &in, err, sizeof err) != 0) {
        ok = mv_vault_bad_parameter(r, NULL, err);
        goto out;
    }
    e = mv_store_cert_policy_set(r->srv->store, r->vault, name, &in, mv_req_now(r), &out);
    ok = e == MV_OK ? mv_reply_cert_policy(r, name, &out) : store_err(r, e, SUBJ_CERT, name);
out:
    mv_cert_policy_finish(&base);
    mv_cert_policy_finish(&in);
    mv_cert_policy_finish(&out);
    cJSON_Delete(body);
    return ok;
}

/* ---- Contacts (spec §3 Contacts) ---- */

/* {"contacts":[{"email","name","phone"},...]}: *out is malloc'd, its strings borrowed from body
 * (the caller frees the array only). */
static bool contacts_or_reply(struct mv_req *r, const cJSON *body, struct mv_cert_contact **out,
                              size_t *n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "contacts"), *it;
    size_t i = 0;

    *out = NULL;
    *n = 0;
    if (!cJSON_IsArray(arr)) {
        /* Real wording unknown [UNCERTAIN]; the message says what to fix. */
        mv_vault_bad_parameter(r, NULL,
                               "Property 'contacts' is required and must be an array "
                               "of contacts {\"email\",\"name\",\"phone\"}.");
        return false;
    }
    *out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
    if (!*out) {
        mv_vault_reply_common_err(r, MV_E_NOMEM);
        return false;
    }
    cJSON_ArrayForEach(it, arr) {
        struct mv_cert_contact *c = &(*out)[i];
        if (!cJSON_IsObject(it)) {
            mv_vault_bad_parameter(r, NULL, "Each item of 'contacts' must be an object.");
            goto fail;
        }
        if (!opt_string_or_reply(r, it, "email", "contacts[].", &c->email) ||
            !opt_string_or_reply(r, it, "name", "contacts[].", &c->name) ||
            !opt_string_or_reply(r, it, "phone", "contacts[].", &c->phone))
            goto fail;
        i++;
    }
    *n = i;
    return true;
fail:
    free(*out);
    *out = NULL;
    return false;
}

static enum MHD_Result h_contacts_set(struct mv_req *r)
{
    cJSON *body = NULL;
    struct mv_cert_contact *c = NULL;
    size_t n = 0;
    enum mv_err e;
    int ok = MHD_YES;

    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    if (!contacts_or_reply(r, body, &c, &n))
        goto out;
    /* The whole list is replaced and answered as set [REC]. */
    e = mv_store_contacts_set(r->srv->store, r->vault, c, n);
    ok = e == MV_OK ? mv_reply_cert_contacts(r, c, n) : store_err(r, e, SUBJ_CONTACTS, NULL);
out:
    free(c);
    cJSON_Delete(body);
    return ok;
}

typedef enum mv_err (*contacts_fn)(struct mv_store *, const char *, struct mv_cert_contact **,
                                   size_t *);

/* GET answers the list; DELETE answers the list it deleted [REC]; both 404 when none is set. */
static enum MHD_Result contacts_read(struct mv_req *r, contacts_fn fn)
{
    struct mv_cert_contact *c = NULL;
    size_t n = 0;
    enum mv_err e = fn(r->srv->store, r->vault, &c, &n);
    int ok = e == MV_OK ? mv_reply_cert_contacts(r, c, n) : store_err(r, e, SUBJ_CONTACTS, NULL);

    mv_cert_contacts_free(c, n);
    return ok;
}

static enum MHD_Result h_contacts_get(struct mv_req *r)
{
    return contacts_read(r, mv_store_contacts_get);
}

static enum MHD_Result h_contacts_delete(struct mv_req *r)
{
    return contacts_read(r, mv_store_contacts_delete);
}

/* ---- Issuers (spec §3 Issuers) ---- */

/* A request's issuer: strings borrowed from the body, the admins array malloc'd. */
struct issuer_in {
    struct mv_cert_issuer is;
    bool has_enabled;
};

static bool admins_or_reply(struct mv_req *r, const cJSON *org, struct mv_cert_issuer *is)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(org, "admin_details"), *it;
    static const char where[] = "org_details.admin_details[].";

    if (!arr || cJSON_IsNull(arr))
        return true;
    if (!cJSON_IsArray(arr)) {
        mv_vault_bad_parameter(r, NULL, "Property 'org_details.admin_details' must be an array.");
        return false;
    }
    is->admins = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *is->admins);
    if (!is->admins) {
        mv_vault_reply_common_err(r, MV_E_NOMEM);
        return false;
    }
    cJSON_ArrayForEach(it, arr) {
        struct mv_cert_admin *a = &is->admins[is->nadmins];
        if (!cJSON_IsObject(it)) {
            mv_vault_bad_parameter(r, NULL, "Each admin_details item must be an object.");
            return false;
        }
        if (!opt_string_or_reply(r, it, "first_name", where, &a->first_name) ||
            !opt_string_or_reply(r, it, "last_name", where, &a->last_name) ||
            !opt_string_or_reply(r, it, "email", where, &a->email) ||
            !opt_string_or_reply(r, it, "phone", where, &a->phone))
            return false;
        is->nadmins++;
    }
    return true;
}

/* Reads an issuer body {provider, credentials{account_id,pwd}, org_details{id,admin_details},
 * attributes{enabled}}; provider is required unless partial (UpdateCertificateIssuer). */
static bool issuer_or_reply(struct mv_req *r, const cJSON *body, bool partial, struct issuer_in *in)
{
    const cJSON *cred = cJSON_GetObjectItemCaseSensitive(body, "credentials");
    const cJSON *org = cJSON_GetObjectItemCaseSensitive(body, "org_details");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(body, "attributes");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(attrs, "enabled");

    if (!opt_string_or_reply(r, body, "provider", "", &in->is.provider))
        return false;
    if (!partial && !in->is.provider) {
        mv_vault_bad_parameter(r, NULL, "Property 'provider' is required.");
        return false;
    }
    if ((cred && !cJSON_IsNull(cred) && !cJSON_IsObject(cred)) ||
        (org && !cJSON_IsNull(org) && !cJSON_IsObject(org)) ||
        (attrs && !cJSON_IsNull(attrs) && !cJSON_IsObject(attrs))) {
        mv_vault_bad_parameter(r, NULL,
                               "Properties 'credentials', 'org_details' and "
                               "'attributes' must be objects.");
        return false;
    }
    if (cJSON_IsObject(cred) &&
        (!opt_string_or_reply(r, cred, "account_id", "credentials.", &in->is.account_id) ||
         !opt_string_or_reply(r, cred, "pwd", "credentials.", &in->is.pwd)))
        return false;
    if (cJSON_IsObject(org)) {
        in->is.has_org = true;
        if (!opt_string_or_reply(r, org, "id", "org_details.", &in->is.org_id) ||
            !admins_or_reply(r, org, &in->is))
            return false;
    }
    if (en && !cJSON_IsNull(en)) {
        if (!cJSON_IsBool(en)) {
            mv_vault_bad_parameter(r, NULL, "Property 'attributes.enabled' must be a boolean.");
            return false;
        }
        in->has_enabled = true;
        in->is.enabled = cJSON_IsTrue(en);
    }
    return true;
}

/* Issuer names as certificate names; "Self" and "Unknown" name the built-in issuers a policy
 * refers to, so they cannot be set [DOC]. The refusal's wording is the mock's [UNCERTAIN]. */
static bool issuer_name_or_reply(struct mv_req *r, const char *name, bool writing)
{
    char msg[200];

    if (!mv_vault_name_ok(name)) {
        mv_vault_reply_bad_name(r, name);
        return false;
    }
    if (writing && (strcasecmp(name, "Self") == 0 || strcasecmp(name, "Unknown") == 0)) {
        snprintf(msg, sizeof msg,
                 "The issuer name '%s' is reserved: 'Self' and 'Unknown' are the built-in "
                 "issuers of certificate policies and cannot be set or updated.",
                 name);
        mv_vault_bad_parameter(r, NULL, msg);
        return false;
    }
    return true;
}

/* PUT replaces the issuer (created kept when it existed); PATCH merges the members sent into it,
 * credentials kept when absent [REC]. */
static enum MHD_Result issuer_write(struct mv_req *r, bool merge)
{
    const char *name = r->cap[0];
    struct issuer_in in;
    struct mv_cert_issuer out;
    cJSON *body = NULL;
    enum mv_err e;
    int ok = MHD_YES;

    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    if (!issuer_name_or_reply(r, name, true))
        return MHD_YES;
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    if (!issuer_or_reply(r, body, merge, &in))
        goto out;
    in.is.name = (char *)name;
    /* Absent: enabled on a PUT, the stored state kept by a PATCH (the store's merge). */
    in.is.has_enabled = in.has_enabled;
    if (!in.has_enabled)
        in.is.enabled = true;
    e = mv_store_issuer_set(r->srv->store, r->vault, &in.is, merge, mv_req_now(r), &out);
    ok = e == MV_OK ? mv_reply_cert_issuer(r, &out) : store_err(r, e, SUBJ_ISSUER, name);
out:
    free(in.is.admins);
    mv_cert_issuer_finish(&out);
    if (body) {
        /* The tree holds the issuer's password: wipe it before freeing. */
        if (in.is.pwd)
            memset(in.is.pwd, 0, strlen(in.is.pwd));
        cJSON_Delete(body);
    }
    return ok;
}

static enum MHD_Result h_issuer_set(struct mv_req *r)
{
    return issuer_write(r, false);
}

static enum MHD_Result h_issuer_update(struct mv_req *r)
{
    return issuer_write(r, true);
}

typedef enum mv_err (*issuer_fn)(struct mv_store *, const char *, const char *,
                                 struct mv_cert_issuer *);

/* GET answers the issuer; DELETE answers the issuer it deleted [REC]. */
static enum MHD_Result issuer_read(struct mv_req *r, issuer_fn fn)
{
    const char *name = r->cap[0];
    struct mv_cert_issuer out;
    enum mv_err e;
    int ok;

    memset(&out, 0, sizeof out);
    if (!issuer_name_or_reply(r, name, false))
        return MHD_YES;
    e = fn(r->srv->store, r->vault, name, &out);
    ok = e == MV_OK ? mv_reply_cert_issuer(r, &out) : store_err(r, e, SUBJ_ISSUER, name);
    mv_cert_issuer_finish(&out);
    return ok;
}

static enum MHD_Result h_issuer_get(struct mv_req *r)
{
    return issuer_read(r, mv_store_issuer_get);
}

static enum MHD_Result h_issuer_delete(struct mv_req *r)
{
    return issuer_read(r, mv_store_issuer_delete);
}

static enum MHD_Result h_issuers_list(struct mv_req *r)
{
    struct mv_cert_issuer *items = NULL;
    size_t n = 0;
    enum mv_err e = mv_store_issuers_list(r->srv->store, r->vault, &items, &n);
    int ok = e == MV_OK ? mv_reply_cert_issuers(r, items, n) : store_err(r, e, SUBJ_ISSUER, "");

    mv_cert_issuers_free(items, n);
    return ok;
}

/* The table (spec §5). Access policies: policy get -> get, policy update -> update, contacts ->
 * managecontacts, issuers -> getissuers / listissuers / setissuers / deleteissuers, each also
 * granted by manageissuers (two bits: authorization accepts either and names the specific one in
 * a denial). RBAC: policy -> certificates/read and update/action; issuers -> certificatecas/read,
 * write, delete; contacts -> certificatecontacts/write, for GET too, as no read action for
 * contacts exists [UNCERTAIN]. Contacts and issuers belong to the vault, not to one certificate,
 * so only the vault scope grants them. */
/* One operation per row reads as a table. */
/* clang-format off */
#define ACT "Microsoft.KeyVault/vaults/"
#define META_OP(method, pattern, fn, name, body, perm, action, scope)                                \
    MV_VAULT_OP(method, pattern, fn, name, body, MV_FAMILY_CERTS, perm, ACT action, scope,        \
                MV_THROTTLE_TRANSACTION)
#define ISSUERS(perm) ((perm) | MV_CPERM_MANAGEISSUERS)
const struct mv_op mv_certs_meta_ops[] = {
    META_OP("GET", "/certificates/contacts", h_contacts_get, "GetCertificateContacts", false, MV_CPERM_MANAGECONTACTS, "certificatecontacts/write", MV_SCOPE_VAULT),
    META_OP("PUT", "/certificates/contacts", h_contacts_set, "SetCertificateContacts", true, MV_CPERM_MANAGECONTACTS, "certificatecontacts/write", MV_SCOPE_VAULT),
    META_OP("DELETE", "/certificates/contacts", h_contacts_delete, "DeleteCertificateContacts", false, MV_CPERM_MANAGECONTACTS, "certificatecontacts/write", MV_SCOPE_VAULT),
    META_OP("GET", "/certificates/issuers", h_issuers_list, "GetCertificateIssuers", false, ISSUERS(MV_CPERM_LISTISSUERS), "certificatecas/read", MV_SCOPE_VAULT),
    META_OP("GET", "/certificates/issuers/{}", h_issuer_get, "GetCertificateIssuer", false, ISSUERS(MV_CPERM_GETISSUERS), "certificatecas/read", MV_SCOPE_VAULT),
    META_OP("PUT", "/certificates/issuers/{}", h_issuer_set, "SetCertificateIssuer", true, ISSUERS(MV_CPERM_SETISSUERS), "certificatecas/write", MV_SCOPE_VAULT),
    META_OP("PATCH", "/certificates/issuers/{}", h_issuer_update, "UpdateCertificateIssuer", true, ISSUERS(MV_CPERM_SETISSUERS), "certificatecas/write", MV_SCOPE_VAULT),
    META_OP("DELETE", "/certificates/issuers/{}", h_issuer_delete, "DeleteCertificateIssuer", false, ISSUERS(MV_CPERM_DELETEISSUERS), "certificatecas/delete", MV_SCOPE_VAULT),
    META_OP("GET", "/certificates/{}/policy", h_policy_get, "GetCertificatePolicy", false, MV_CPERM_GET, "certificates/read", MV_SCOPE_OBJECT),
    META_OP("PATCH", "/certificates/{}/policy", h_policy_update, "UpdateCertificatePolicy", true, MV_CPERM_UPDATE, "certificates/update/action", MV_SCOPE_OBJECT),
    MV_OP_END,
};
/* clang-format on */
