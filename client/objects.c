/* objects.c: what the secret and key operations share: reading the attributes, tags and deletion
 * fields every Key Vault object carries, writing them into requests, name checks, and the call
 * that sends a JSON body and parses the JSON answer. secrets.c and keys.c add only what is their
 * own (value and content type; the JWK). */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"
#include "kv-int.h"

char *kv__json_strdup(const cJSON *o, const char *key, bool *ok)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(it) || !it->valuestring)
        return NULL;
    char *s = strdup(it->valuestring);
    if (!s)
        *ok = false;
    return s;
}

void kv__tags_free(struct kv_tag *tags, size_t n)
{
    for (size_t i = 0; tags && i < n; i++) {
        free(tags[i].name);
        free(tags[i].value);
    }
    free(tags);
}

void kv__common_free(struct kv__common *m)
{
    free(m->recovery_level);
    free(m->recovery_id);
    kv__tags_free(m->tags, m->n_tags);
    memset(m, 0, sizeof *m);
}

/* The numbers of an object into m: the times in unix seconds within the years 1 to 9999
 * (KV__TIME_MIN, KV__TIME_MAX) and recoverableDays from 0 to INT_MAX. A member that is absent,
 * null or not a number stays 0 (not set); a number outside its range, fractional or not finite is
 * a protocol error naming the member (its value is not quoted): no cast of it would be defined,
 * and a time near the int64 ends would overflow whoever subtracts the clock from it (the CLI's
 * expiry warning does). */
static int read_numbers(const cJSON *o, const char *what, struct kv__common *m,
                        struct kv_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    const struct {
        const cJSON *obj;
        const char *key;
        int64_t *dst;
    } times[] = {
        {o, "deletedDate", &m->deleted_date}, {o, "scheduledPurgeDate", &m->scheduled_purge_date},
        {a, "nbf", &m->not_before},           {a, "exp", &m->expires},
        {a, "created", &m->created},          {a, "updated", &m->updated},
    };
    int64_t v;
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        v = 0;
        if (kv__json_int64(cJSON_GetObjectItemCaseSensitive(times[i].obj, times[i].key), false,
                           KV__TIME_MIN, KV__TIME_MAX, &v) == KV__NUM_BAD)
            return kv__fail(err, KV_E_PROTOCOL,
                            "%s: %s%s is not a whole number of unix seconds within the years 1 "
                            "to 9999",
                            what, times[i].obj == a ? "attributes." : "", times[i].key);
        *times[i].dst = v;
    }
    v = 0;
    if (kv__json_int64(cJSON_GetObjectItemCaseSensitive(a, "recoverableDays"), false, 0, INT_MAX,
                       &v) == KV__NUM_BAD)
        return kv__fail(err, KV_E_PROTOCOL,
                        "%s: attributes.recoverableDays is not a whole number from 0 to %d", what,
                        INT_MAX);
    m->recoverable_days = (int)v;
    return KV_OK;
}

int kv__common_from_json(const cJSON *o, const char *what, struct kv__common *m,
                         struct kv_error *err)
{
    bool ok = true;
    int rc;
    memset(m, 0, sizeof *m);
    if ((rc = read_numbers(o, what, m, err)) != KV_OK)
        return rc;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    /* enabled defaults to true when absent, as the service treats it. */
    m->enabled = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(a, "enabled"));
    m->managed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "managed"));
    m->recovery_level = kv__json_strdup(a, "recoveryLevel", &ok);
    m->recovery_id = kv__json_strdup(o, "recoveryId", &ok);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
    if (ok && cJSON_IsObject(tags)) {
        size_t n = (size_t)cJSON_GetArraySize(tags);
        if (n && !(m->tags = calloc(n, sizeof *m->tags)))
            ok = false;
        const cJSON *t;
        cJSON_ArrayForEach(t, tags) {
            if (!ok)
                break;
            if (!cJSON_IsString(t) || !t->string)
                continue;
            struct kv_tag *dst = &m->tags[m->n_tags++];
            if (!(dst->name = strdup(t->string)) || !(dst->value = strdup(t->valuestring)))
                ok = false;
        }
    }
    if (!ok) {
        kv__common_free(m);
        return kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what);
    }
    return KV_OK;
}

bool kv__json_add_attributes(cJSON *o, int enabled, int64_t not_before, int64_t expires,
                             bool always)
{
    if (enabled < 0 && !not_before && !expires && !always)
        return true;
    cJSON *a = cJSON_AddObjectToObject(o, "attributes");
    return a && (enabled < 0 || cJSON_AddBoolToObject(a, "enabled", enabled)) &&
           (!not_before || cJSON_AddNumberToObject(a, "nbf", (double)not_before)) &&
           (!expires || cJSON_AddNumberToObject(a, "exp", (double)expires));
}

bool kv__json_add_tags(cJSON *o, const struct kv_tag *tags, size_t n)
{
    cJSON *t = cJSON_AddObjectToObject(o, "tags");
    if (!t)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!tags[i].name || !tags[i].value ||
            !cJSON_AddStringToObject(t, tags[i].name, tags[i].value))
            return false;
    return true;
}

/* Object names: 1-127 of [0-9a-zA-Z-] (the service's rule for secrets and keys). Checked here so
 * a name can never change the request path. */
bool kv__valid_name(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              ch == '-'))
            return false;
    }
    return true;
}

int kv__check_name(const char *name, const char *kind, struct kv_error *err)
{
    kv__error_clear(err);
    if (!kv__valid_name(name, 127))
        return kv__fail(err, KV_E_INVALID_ARG,
                        "%s names are 1-127 letters, digits and dashes; '%s' is not", kind,
                        name ? name : "(null)");
    return KV_OK;
}

/* Versions are 32 hex digits from the service; any alphanumeric string is passed on so the
 * service gives its own answer. */
int kv__check_named(const char *name, const char *version, const char *kind, struct kv_error *err)
{
    int rc = kv__check_name(name, kind, err);
    if (rc != KV_OK)
        return rc;
    if (version && *version && !kv__valid_name(version, 64))
        return kv__fail(err, KV_E_INVALID_ARG, "'%s' is not a %s version", version, kind);
    return KV_OK;
}

int kv__parse_body(const struct kv__response *rs, cJSON **out, struct kv_error *err)
{
    *out = rs->body.data ? cJSON_ParseWithLength(rs->body.data, rs->body.len) : NULL;
    if (!*out)
        return kv__fail(err, KV_E_PROTOCOL, "the response body (HTTP %ld) is not JSON", rs->status);
    return KV_OK;
}

int kv__vault_json(struct kv_client *c, const char *what, const char *method, const char *path,
                   const char *body, cJSON **root, struct kv_error *err)
{
    struct kv__response rs = {.retry_after_ms = -1};
    if (root)
        *root = NULL;
    int rc = kv__vault_call(c, what, method, path, NULL, body, &rs, err);
    if (rc == KV_OK && root)
        rc = kv__parse_body(&rs, root, err);
    kv__response_finish(&rs);
    return rc;
}

int kv__send_json(struct kv_client *c, const char *what, const char *method, const char *path,
                  cJSON *o, bool built, cJSON **root, struct kv_error *err)
{
    char *body = NULL;
    int rc;
    if (root)
        *root = NULL;
    if (!o && built)
        return kv__vault_json(c, what, method, path, NULL, root, err);
    if (built && o)
        body = cJSON_PrintUnformatted(o);
    if (o)
        kv__json_delete_wipe(o);
    if (!body)
        return kv__fail(err, KV_E_NOMEM, "out of memory");
    rc = kv__vault_json(c, what, method, path, body, root, err);
    cx_free_wiped(body);
    return rc;
}

int kv__call_object(struct kv_client *c, const char *what, const char *method, const char *path,
                    cJSON *o, bool built, kv__parse_fn parse, void *out, struct kv_error *err)
{
    cJSON *root = NULL;
    char desc[96];
    int rc = kv__send_json(c, what, method, path, o, built, out ? &root : NULL, err);
    if (rc == KV_OK && out) {
        snprintf(desc, sizeof desc, "the %s response", what);
        rc = parse(root, desc, out, err);
    }
    if (root)
        kv__json_delete_wipe(root);
    return rc;
}

int kv__named_call(struct kv_client *c, const char *kind, const char *name, const char *version,
                   const char *what, const char *method, cJSON *o, bool built, kv__parse_fn parse,
                   void *out, struct kv_error *err, const char *fmt, ...)
{
    char path[320];
    va_list ap;
    if (out)
        parse(NULL, NULL, out, NULL);
    int rc = kv__check_named(name, version, kind, err);
    if (rc != KV_OK) {
        if (o)
            kv__json_delete_wipe(o);
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return kv__call_object(c, what, method, path, o, built, parse, out, err);
}

int kv__restore(struct kv_client *c, const char *what, const char *path, const char *blob,
                kv__parse_fn parse, void *out, struct kv_error *err)
{
    kv__error_clear(err);
    if (out)
        parse(NULL, NULL, out, NULL);
    if (!blob || !*blob)
        return kv__fail(err, KV_E_INVALID_ARG, "a backup blob is required");
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddStringToObject(o, "value", blob);
    return kv__call_object(c, what, "POST", path, o, built, parse, out, err);
}

int kv__backup(struct kv_client *c, const char *kind, const char *collection, const char *name,
               const char *what, char **blob, struct kv_error *err)
{
    char path[200];
    cJSON *root = NULL;
    if (!blob)
        return kv__fail(err, KV_E_INVALID_ARG, "blob is NULL");
    *blob = NULL;
    int rc = kv__check_name(name, kind, err);
    if (rc != KV_OK)
        return rc;
    snprintf(path, sizeof path, "%s/%s/backup", collection, name);
    if ((rc = kv__vault_json(c, what, "POST", path, NULL, &root, err)) != KV_OK)
        goto out;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "value");
    if (!cJSON_IsString(v) || !v->valuestring)
        rc = kv__fail(err, KV_E_PROTOCOL, "the %s backup response has no value", kind);
    else if (!(*blob = strdup(v->valuestring)))
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
out:
    if (root)
        kv__json_delete_wipe(root);
    return rc;
}
