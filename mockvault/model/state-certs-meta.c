/* state-certs-meta.c: a vault's certificate contacts and issuers in fixtures and snapshots
 * (spec/fixtures.md "certificateContacts", "certificateIssuers"). Both use the wire JSON of
 * spec/keyvault-certificates.md §3 (an issuer with its "name" added), except that a snapshot
 * keeps the issuer's password, which the wire never returns. */
#include "state-int.h"

#include <stdlib.h>
#include <string.h>

#include "store-certs.h"
#include "util.h"

static const char *const contact_fields[] = {"email", "name", "phone", NULL};
static const char *const issuer_fields[] = {"name",        "provider",   "credentials",
                                            "org_details", "attributes", NULL};
static const char *const credential_fields[] = {"account_id", "pwd", NULL};
static const char *const org_fields[] = {"id", "zip", "admin_details", NULL};
static const char *const admin_fields[] = {"first_name", "last_name", "email", "phone", NULL};
static const char *const issuer_attr_fields[] = {"enabled", "created", "updated", NULL};

static int parse_contact(struct pctx *c, const cJSON *j, struct mv_cert_contact *ct)
{
    if (st_expect_object(c, j, contact_fields) != 0 ||
        st_get_str(c, j, "email", false, true, &ct->email) != 0 ||
        st_get_str(c, j, "name", false, true, &ct->name) != 0 ||
        st_get_str(c, j, "phone", false, true, &ct->phone) != 0)
        return -1;
    if (ct->email == NULL && ct->name == NULL && ct->phone == NULL) {
        st_fail(c, "a contact needs at least one of email, name and phone");
        return -1;
    }
    return 0;
}

static int parse_admins(struct pctx *c, const cJSON *org, struct mv_cert_issuer *is)
{
    const cJSON *arr;
    size_t i = 0;
    int rc = -1;

    if (st_get_array(c, org, "admin_details", &arr) != 0)
        return -1;
    is->admins = st_alloc_items(c, arr, sizeof(*is->admins), &is->nadmins);
    if (c->failed)
        return -1;
    size_t old = st_path_key(c, "admin_details");
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next, i++) {
        struct mv_cert_admin *a = &is->admins[i];
        size_t o2 = st_path_index(c, i);
        if (st_expect_object(c, it, admin_fields) != 0 ||
            st_get_str(c, it, "first_name", false, false, &a->first_name) != 0 ||
            st_get_str(c, it, "last_name", false, false, &a->last_name) != 0 ||
            st_get_str(c, it, "email", false, false, &a->email) != 0 ||
            st_get_str(c, it, "phone", false, false, &a->phone) != 0)
            goto out;
        st_path_pop(c, o2);
    }
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

/* One issuer; the reserved names are the policy's, not issuers of the vault (spec §3 [DOC]). */
static int parse_issuer(struct pctx *c, const cJSON *j, struct mv_cert_issuer *is)
{
    const cJSON *cred, *org, *attrs;
    bool has_created = false, has_updated = false;
    int zip = 0;

    is->enabled = true;
    if (st_expect_object(c, j, issuer_fields) != 0 ||
        st_get_str(c, j, "name", true, true, &is->name) != 0 ||
        st_get_str(c, j, "provider", true, true, &is->provider) != 0)
        return -1;
    if (!st_valid_secret_name(is->name) || cx_strcasecmp(is->name, "Self") == 0 ||
        cx_strcasecmp(is->name, "Unknown") == 0) {
        size_t old = st_path_key(c, "name");
        st_fail(c,
                "invalid issuer name '%s' (1 to %d characters of 0-9, a-z, A-Z and '-'; Self "
                "and Unknown are reserved)",
                st_show(is->name).s, MAX_SECRET_NAME);
        st_path_pop(c, old);
        return -1;
    }
    cred = cJSON_GetObjectItemCaseSensitive(j, "credentials");
    if (cred != NULL) {
        size_t old = st_path_key(c, "credentials");
        if (st_expect_object(c, cred, credential_fields) != 0 ||
            st_get_str(c, cred, "account_id", false, false, &is->account_id) != 0 ||
            st_get_str(c, cred, "pwd", false, false, &is->pwd) != 0)
            return -1;
        st_path_pop(c, old);
    }
    org = cJSON_GetObjectItemCaseSensitive(j, "org_details");
    if (org != NULL) {
        size_t old = st_path_key(c, "org_details");
        /* "zip" is what the service injects (always 0); it is read and not kept. */
        if (st_expect_object(c, org, org_fields) != 0 ||
            st_get_str(c, org, "id", false, false, &is->org_id) != 0 ||
            st_get_int(c, org, "zip", 0, 0, &zip) != 0 || parse_admins(c, org, is) != 0)
            return -1;
        is->has_org = true;
        st_path_pop(c, old);
    }
    attrs = cJSON_GetObjectItemCaseSensitive(j, "attributes");
    if (attrs != NULL) {
        size_t old = st_path_key(c, "attributes");
        if (st_expect_object(c, attrs, issuer_attr_fields) != 0 ||
            st_get_bool(c, attrs, "enabled", &is->enabled) != 0 ||
            st_get_time(c, attrs, "created", &has_created, &is->created) != 0 ||
            st_get_time(c, attrs, "updated", &has_updated, &is->updated) != 0)
            return -1;
        st_path_pop(c, old);
    }
    if (!has_created)
        is->created = c->now;
    if (!has_updated)
        is->updated = is->created;
    return 0;
}

int st_parse_cert_meta(struct pctx *c, const cJSON *j, struct mv_vault *v)
{
    const cJSON *contacts, *issuers;
    size_t i = 0;
    int rc = -1;

    if (st_get_array(c, j, "certificateContacts", &contacts) != 0 ||
        st_get_array(c, j, "certificateIssuers", &issuers) != 0)
        return -1;
    /* The key's presence is what makes GET /certificates/contacts answer 200. */
    v->has_contacts = contacts != NULL;
    v->contacts = st_alloc_items(c, contacts, sizeof(*v->contacts), &v->ncontacts);
    if (c->failed)
        return -1;
    size_t old = st_path_key(c, "certificateContacts");
    for (const cJSON *it = contacts != NULL ? contacts->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_contact(c, it, &v->contacts[i]) != 0)
            goto out;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    v->issuers = st_alloc_items(c, issuers, sizeof(*v->issuers), &v->nissuers);
    if (c->failed)
        return -1;
    old = st_path_key(c, "certificateIssuers");
    i = 0;
    for (const cJSON *it = issuers != NULL ? issuers->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_issuer(c, it, &v->issuers[i]) != 0)
            goto out;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(v->issuers[k].name, v->issuers[i].name) == 0) {
                st_path_key(c, "name");
                st_fail(c,
                        "duplicate issuer name '%s' (also certificateIssuers[%zu]; names are "
                        "case-insensitive)",
                        st_show(v->issuers[i].name).s, k);
                goto out;
            }
        }
        st_path_pop(c, o2);
    }
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

/* ---- Export ---- */

static bool put_opt(cJSON *o, const char *key, const char *s)
{
    return s == NULL || cJSON_AddStringToObject(o, key, s) != NULL;
}

static cJSON *issuer_to_json(const struct mv_cert_issuer *is)
{
    cJSON *o = cJSON_CreateObject(), *attrs;
    if (o == NULL || !put_opt(o, "name", is->name) || !put_opt(o, "provider", is->provider))
        goto fail;
    if (is->account_id != NULL || is->pwd != NULL) {
        cJSON *cred = cJSON_AddObjectToObject(o, "credentials");
        if (cred == NULL || !put_opt(cred, "account_id", is->account_id) ||
            !put_opt(cred, "pwd", is->pwd))
            goto fail;
    }
    if (is->has_org) {
        cJSON *org = cJSON_AddObjectToObject(o, "org_details"), *arr;
        if (org == NULL || !put_opt(org, "id", is->org_id) ||
            (arr = cJSON_AddArrayToObject(org, "admin_details")) == NULL)
            goto fail;
        for (size_t k = 0; k < is->nadmins; k++) {
            const struct mv_cert_admin *a = &is->admins[k];
            cJSON *ao = cJSON_CreateObject();
            if (ao == NULL || !cJSON_AddItemToArray(arr, ao)) {
                cJSON_Delete(ao);
                goto fail;
            }
            if (!put_opt(ao, "first_name", a->first_name) ||
                !put_opt(ao, "last_name", a->last_name) || !put_opt(ao, "email", a->email) ||
                !put_opt(ao, "phone", a->phone))
                goto fail;
        }
    }
    attrs = cJSON_AddObjectToObject(o, "attributes");
    if (attrs == NULL || !cJSON_AddBoolToObject(attrs, "enabled", is->enabled) ||
        !cJSON_AddNumberToObject(attrs, "created", (double)is->created) ||
        !cJSON_AddNumberToObject(attrs, "updated", (double)is->updated))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

bool st_cert_meta_to_json(cJSON *o, const struct mv_vault *v)
{
    /* Left out when there are none, so exports of vaults without certificates stay as they were;
     * contacts are written whenever they were set (even an empty list), as that is what GET
     * answers 200 for. */
    if (v->has_contacts) {
        cJSON *arr = cJSON_AddArrayToObject(o, "certificateContacts");
        if (arr == NULL)
            return false;
        for (size_t i = 0; i < v->ncontacts; i++) {
            cJSON *co = cJSON_CreateObject();
            if (co == NULL || !cJSON_AddItemToArray(arr, co)) {
                cJSON_Delete(co);
                return false;
            }
            if (!put_opt(co, "email", v->contacts[i].email) ||
                !put_opt(co, "name", v->contacts[i].name) ||
                !put_opt(co, "phone", v->contacts[i].phone))
                return false;
        }
    }
    if (v->nissuers > 0) {
        cJSON *arr = cJSON_AddArrayToObject(o, "certificateIssuers");
        if (arr == NULL)
            return false;
        for (size_t i = 0; i < v->nissuers; i++) {
            cJSON *io = issuer_to_json(&v->issuers[i]);
            if (io == NULL || !cJSON_AddItemToArray(arr, io)) {
                cJSON_Delete(io);
                return false;
            }
        }
    }
    return true;
}
