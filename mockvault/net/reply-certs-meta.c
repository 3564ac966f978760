/* reply-certs-meta.c: contacts and issuer bodies (reply-certs-meta.h). cJSON keeps the insertion
 * order, so each body is built in the order the recordings show (spec §3). */
#include "reply-certs-meta.h"

#include <stdio.h>
#include <string.h>

#include "reply.h"

static bool add_url(cJSON *o, const char *key, const struct mv_req *r, const char *path)
{
    char url[800];

    snprintf(url, sizeof url, "%s%s", r->base_url, path);
    return cJSON_AddStringToObject(o, key, url) != NULL;
}

/* Adds key: s when s is set (the service omits what was never sent). */
static void add_opt(cJSON *o, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, key, s);
}

static enum MHD_Result send_or_oom(struct mv_req *r, cJSON *root)
{
    if (!root)
        return mv_reply_oom(r);
    return mv_reply_json(r, MHD_HTTP_OK, root);
}

enum MHD_Result mv_reply_cert_contacts(struct mv_req *r, const struct mv_cert_contact *c, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr;

    if (!root || !add_url(root, "id", r, "/certificates/contacts"))
        goto fail;
    arr = cJSON_AddArrayToObject(root, "contacts");
    if (!arr)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            goto fail;
        /* email, name, phone [REC]. */
        add_opt(o, "email", c[i].email);
        add_opt(o, "name", c[i].name);
        add_opt(o, "phone", c[i].phone);
        cJSON_AddItemToArray(arr, o);
    }
    return send_or_oom(r, root);
fail:
    cJSON_Delete(root);
    return send_or_oom(r, NULL);
}

static cJSON *issuer_json(const struct mv_req *r, const struct mv_cert_issuer *i)
{
    cJSON *root = cJSON_CreateObject(), *o, *a;
    char path[300];

    snprintf(path, sizeof path, "/certificates/issuers/%s", i->name);
    if (!root || !add_url(root, "id", r, path))
        goto fail;
    add_opt(root, "provider", i->provider);
    /* credentials carry account_id only: "pwd" is never returned [REC]. */
    if (i->account_id || i->pwd) {
        o = cJSON_AddObjectToObject(root, "credentials");
        add_opt(o, "account_id", i->account_id);
    }
    if (i->has_org) {
        o = cJSON_AddObjectToObject(root, "org_details");
        add_opt(o, "id", i->org_id);
        /* The service adds "zip":0, which nobody sends and no SDK models [REC]. */
        cJSON_AddNumberToObject(o, "zip", 0);
        if (i->nadmins) {
            cJSON *arr = cJSON_AddArrayToObject(o, "admin_details");
            for (size_t k = 0; arr && k < i->nadmins; k++) {
                const struct mv_cert_admin *ad = &i->admins[k];
                cJSON *it = cJSON_CreateObject();
                if (!it)
                    goto fail;
                add_opt(it, "first_name", ad->first_name);
                add_opt(it, "last_name", ad->last_name);
                add_opt(it, "email", ad->email);
                add_opt(it, "phone", ad->phone);
                cJSON_AddItemToArray(arr, it);
            }
        }
    }
    a = cJSON_AddObjectToObject(root, "attributes");
    if (!a)
        goto fail;
    cJSON_AddBoolToObject(a, "enabled", i->enabled);
    cJSON_AddNumberToObject(a, "created", (double)i->created);
    cJSON_AddNumberToObject(a, "updated", (double)i->updated);
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

enum MHD_Result mv_reply_cert_issuer(struct mv_req *r, const struct mv_cert_issuer *i)
{
    return send_or_oom(r, issuer_json(r, i));
}

enum MHD_Result mv_reply_cert_issuers(struct mv_req *r, const struct mv_cert_issuer *items,
                                      size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "value") : NULL;
    char path[300];

    if (!arr)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            goto fail;
        snprintf(path, sizeof path, "/certificates/issuers/%s", items[i].name);
        add_url(o, "id", r, path);
        add_opt(o, "provider", items[i].provider);
        cJSON_AddItemToArray(arr, o);
    }
    /* One page: a vault holds few issuers, and the recorded list ends with an explicit null. */
    cJSON_AddNullToObject(root, "nextLink");
    return send_or_oom(r, root);
fail:
    cJSON_Delete(root);
    return send_or_oom(r, NULL);
}
