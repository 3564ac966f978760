/* secrets.c: the 13 Key Vault secret operations and the paging iterator: request bodies out,
 * SecretBundle / SecretItem / DeletedSecretBundle in (spec/keyvault-secrets.md). */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"
#include "kv-int.h"

void kv_secret_free(struct kv_secret *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->name);
    free(s->version);
    cx_free_wiped(s->value);
    free(s->content_type);
    free(s->kid);
    free(s->recovery_level);
    for (size_t i = 0; i < s->n_tags; i++) {
        free(s->tags[i].name);
        free(s->tags[i].value);
    }
    free(s->tags);
    free(s->recovery_id);
    free(s);
}

void kv_props_init(struct kv_props *p)
{
    memset(p, 0, sizeof *p);
    p->enabled = -1;
}

int kv__secret_from_json(const cJSON *o, const char *what, struct kv_secret **out,
                         struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv_secret *s = NULL;
    struct kv__common m;
    *out = NULL;
    if (!cJSON_IsObject(o)) {
        rc = kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
        goto out;
    }
    if (!(s = calloc(1, sizeof *s)))
        goto out;
    s->id = kv__json_strdup(o, "id", &ok);
    if (!s->id) {
        /* id is mandatory: without it there is no name (real-clients §3.7). */
        if (ok)
            rc = kv__fail(err, KV_E_PROTOCOL, "%s has no secret id", what);
        goto out;
    }
    /* An id that is not a secret identifier leaves name and version NULL; the rest still counts. */
    if (kv_secret_id_parse(s->id, NULL, &s->name, &s->version, NULL) == KV_E_NOMEM)
        goto out;
    if ((rc = kv__common_from_json(o, what, &m, err)) != KV_OK)
        goto out;
    KV__COMMON_MOVE(s, m);
    s->managed = m.managed;
    rc = KV_E_NOMEM;
    s->value = kv__json_strdup(o, "value", &ok);
    s->content_type = kv__json_strdup(o, "contentType", &ok);
    s->kid = kv__json_strdup(o, "kid", &ok);
    if (!ok)
        goto out;
    *out = s;
    s = NULL;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_secret_free(s);
    return rc;
}

static int parse_secret(const cJSON *root, const char *what, void *out, struct kv_error *err)
{
    struct kv_secret **res = out;
    if (!root) {
        *res = NULL;
        return KV_OK;
    }
    return kv__secret_from_json(root, what, res, err);
}

/* Adds contentType, attributes and tags from props to a request object. */
static bool add_props(cJSON *o, const struct kv_props *p, bool always_attributes)
{
    if (!p)
        return !always_attributes || cJSON_AddObjectToObject(o, "attributes");
    return (!p->content_type || cJSON_AddStringToObject(o, "contentType", p->content_type)) &&
           kv__json_add_attributes(o, p->enabled, p->not_before, p->expires, always_attributes) &&
           (!p->set_tags || kv__json_add_tags(o, p->tags, p->n_tags));
}

int kv_secret_set(struct kv_client *c, const char *name, const char *value,
                  const struct kv_props *props, struct kv_secret **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    if (!value)
        return kv__fail(err, KV_E_INVALID_ARG, "a secret value is required");
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddStringToObject(o, "value", value) && add_props(o, props, true);
    return kv__named_call(c, "secret", name, NULL, "SetSecret", "PUT", o, built, parse_secret, out,
                          err, "/secrets/%s", name);
}

int kv_secret_get(struct kv_client *c, const char *name, const char *version,
                  struct kv_secret **out, struct kv_error *err)
{
    /* "/secrets/{name}/" with an empty version is what both SDKs send for the latest. */
    return kv__named_call(c, "secret", name, version, "GetSecret", "GET", NULL, true, parse_secret,
                          out, err, "/secrets/%s/%s", name, version ? version : "");
}

int kv_secret_update(struct kv_client *c, const char *name, const char *version,
                     const struct kv_props *props, struct kv_secret **out, struct kv_error *err)
{
    cJSON *o = cJSON_CreateObject();
    bool built = o && add_props(o, props, false);
    return kv__named_call(c, "secret", name, version, "UpdateSecret", "PATCH", o, built,
                          parse_secret, out, err, "/secrets/%s/%s", name, version ? version : "");
}

int kv_secret_delete(struct kv_client *c, const char *name, struct kv_secret **out,
                     struct kv_error *err)
{
    return kv__named_call(c, "secret", name, NULL, "DeleteSecret", "DELETE", NULL, true,
                          parse_secret, out, err, "/secrets/%s", name);
}

int kv_secret_get_deleted(struct kv_client *c, const char *name, struct kv_secret **out,
                          struct kv_error *err)
{
    return kv__named_call(c, "secret", name, NULL, "GetDeletedSecret", "GET", NULL, true,
                          parse_secret, out, err, "/deletedsecrets/%s", name);
}

int kv_secret_recover(struct kv_client *c, const char *name, struct kv_secret **out,
                      struct kv_error *err)
{
    return kv__named_call(c, "secret", name, NULL, "RecoverDeletedSecret", "POST", NULL, true,
                          parse_secret, out, err, "/deletedsecrets/%s/recover", name);
}

int kv_secret_purge(struct kv_client *c, const char *name, struct kv_error *err)
{
    return kv__named_call(c, "secret", name, NULL, "PurgeDeletedSecret", "DELETE", NULL, true,
                          parse_secret, NULL, err, "/deletedsecrets/%s", name);
}

int kv_secret_backup(struct kv_client *c, const char *name, char **blob, struct kv_error *err)
{
    return kv__backup(c, "secret", "/secrets", name, "BackupSecret", blob, err);
}

int kv_secret_restore(struct kv_client *c, const char *blob, struct kv_secret **out,
                      struct kv_error *err)
{
    return kv__restore(c, "RestoreSecret", "/secrets/restore", blob, parse_secret, out, err);
}

/* ----- Paging -------------------------------------------------------------------------------- */

int kv_pager_create(struct kv_client *c, enum kv_list_kind kind, const char *name, int maxresults,
                    struct kv_pager **out)
{
    static const char *const names[] = {"GetSecrets", "GetSecretVersions", "GetDeletedSecrets"};
    return kv__pager_open(c, KV__FAMILY_SECRETS, names, "/secrets", "/deletedsecrets", (int)kind,
                          name, maxresults, out);
}

int kv_pager_next(struct kv_pager *p, struct kv_secret **out, struct kv_error *err)
{
    kv__error_clear(err);
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "pager and out are required");
    *out = NULL;
    return kv__pager_next(p, KV__FAMILY_SECRETS, parse_secret, out, err);
}
