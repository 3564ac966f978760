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

/* A copy of a string member; *ok turns false on allocation failure. */
static char *str_member(const cJSON *o, const char *key, bool *ok)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(it) || !it->valuestring)
        return NULL;
    char *s = strdup(it->valuestring);
    if (!s)
        *ok = false;
    return s;
}

/* The numbers of a secret object into s: the times in unix seconds within the years 1 to 9999
 * (KV__TIME_MIN, KV__TIME_MAX) and recoverableDays from 0 to INT_MAX. A member that is absent,
 * null or not a number stays 0 (not set), as before; a number outside its range, fractional or
 * not finite is a protocol error naming the member (its value is not quoted): no cast of it would
 * be defined, and a time near the int64 ends would overflow whoever subtracts the clock from it
 * (the CLI's expiry warning does). */
static int read_numbers(const cJSON *o, const char *what, struct kv_secret *s, struct kv_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    const struct {
        const cJSON *obj;
        const char *key;
        int64_t *dst;
    } times[] = {
        {o, "deletedDate", &s->deleted_date}, {o, "scheduledPurgeDate", &s->scheduled_purge_date},
        {a, "nbf", &s->not_before},           {a, "exp", &s->expires},
        {a, "created", &s->created},          {a, "updated", &s->updated},
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
    s->recoverable_days = (int)v;
    return KV_OK;
}

int kv__secret_from_json(const cJSON *o, const char *what, struct kv_secret **out,
                         struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv_secret *s = NULL;
    *out = NULL;
    if (!cJSON_IsObject(o)) {
        rc = kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
        goto out;
    }
    if (!(s = calloc(1, sizeof *s)))
        goto out;
    s->id = str_member(o, "id", &ok);
    if (!s->id) {
        /* id is mandatory: without it there is no name (real-clients §3.7). */
        if (ok)
            rc = kv__fail(err, KV_E_PROTOCOL, "%s has no secret id", what);
        goto out;
    }
    /* An id that is not a secret identifier leaves name and version NULL; the rest still counts. */
    if (kv_secret_id_parse(s->id, NULL, &s->name, &s->version, NULL) == KV_E_NOMEM)
        goto out;
    if ((rc = read_numbers(o, what, s, err)) != KV_OK)
        goto out;
    rc = KV_E_NOMEM;
    s->value = str_member(o, "value", &ok);
    s->content_type = str_member(o, "contentType", &ok);
    s->kid = str_member(o, "kid", &ok);
    s->managed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "managed"));
    s->recovery_id = str_member(o, "recoveryId", &ok);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    /* enabled defaults to true when absent, as the service treats it. */
    s->enabled = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(a, "enabled"));
    s->recovery_level = str_member(a, "recoveryLevel", &ok);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
    if (cJSON_IsObject(tags)) {
        size_t n = (size_t)cJSON_GetArraySize(tags);
        if (n && !(s->tags = calloc(n, sizeof *s->tags)))
            goto out;
        const cJSON *t;
        cJSON_ArrayForEach(t, tags) {
            if (!cJSON_IsString(t) || !t->string)
                continue;
            struct kv_tag *dst = &s->tags[s->n_tags++];
            if (!(dst->name = strdup(t->string)) || !(dst->value = strdup(t->valuestring)))
                goto out;
        }
    }
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

/* Secret names: 1-127 of [0-9a-zA-Z-] (the service's rule). Checked here so a name can never
 * change the request path. Versions are 32 hex digits from the service; any alphanumeric string is
 * passed on so the service gives its own answer. */
static bool valid_name(const char *s, size_t max)
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

static int check_name(const char *name, struct kv_error *err)
{
    kv__error_clear(err);
    if (!valid_name(name, 127))
        return kv__fail(err, KV_E_INVALID_ARG,
                        "secret names are 1-127 letters, digits and dashes; '%s' is not",
                        name ? name : "(null)");
    return KV_OK;
}

/* The response body parsed; KV_E_PROTOCOL when it is not JSON. */
static int parse_body(const struct kv__response *rs, cJSON **out, struct kv_error *err)
{
    *out = rs->body.data ? cJSON_ParseWithLength(rs->body.data, rs->body.len) : NULL;
    if (!*out)
        return kv__fail(err, KV_E_PROTOCOL, "the response body (HTTP %ld) is not JSON", rs->status);
    return KV_OK;
}

/* Calls the vault and turns the answer into a kv_secret (when out is not NULL). */
static int call_secret(struct kv_client *c, const char *what, const char *method, const char *path,
                       const char *body, struct kv_secret **out, struct kv_error *err)
{
    struct kv__response rs = {.retry_after_ms = -1};
    cJSON *root = NULL;
    char desc[96];
    if (out)
        *out = NULL;
    int rc = kv__vault_call(c, what, method, path, NULL, body, &rs, err);
    if (rc != KV_OK || !out)
        goto out;
    if ((rc = parse_body(&rs, &root, err)) != KV_OK)
        goto out;
    snprintf(desc, sizeof desc, "the %s response", what);
    rc = kv__secret_from_json(root, desc, out, err);
out:
    if (root)
        kv__json_delete_wipe(root);
    kv__response_finish(&rs);
    return rc;
}

/* Adds contentType, attributes and tags from props to a request object. */
static bool add_props(cJSON *o, const struct kv_props *p, bool always_attributes)
{
    if (!p)
        return !always_attributes || cJSON_AddObjectToObject(o, "attributes");
    if (p->content_type && !cJSON_AddStringToObject(o, "contentType", p->content_type))
        return false;
    if (p->enabled >= 0 || p->not_before || p->expires || always_attributes) {
        cJSON *a = cJSON_AddObjectToObject(o, "attributes");
        if (!a || (p->enabled >= 0 && !cJSON_AddBoolToObject(a, "enabled", p->enabled)) ||
            (p->not_before && !cJSON_AddNumberToObject(a, "nbf", (double)p->not_before)) ||
            (p->expires && !cJSON_AddNumberToObject(a, "exp", (double)p->expires)))
            return false;
    }
    if (p->set_tags) {
        cJSON *t = cJSON_AddObjectToObject(o, "tags");
        if (!t)
            return false;
        for (size_t i = 0; i < p->n_tags; i++)
            if (!p->tags[i].name || !p->tags[i].value ||
                !cJSON_AddStringToObject(t, p->tags[i].name, p->tags[i].value))
                return false;
    }
    return true;
}

/* Prints o and frees it (wiping strings); caller frees the text with kv_free_secret. */
static char *print_wipe(cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    if (o)
        kv__json_delete_wipe(o);
    return s;
}

/* Sends o (taken, wiped after printing) as the body of a secret call. */
static int call_json(struct kv_client *c, const char *what, const char *method, const char *path,
                     cJSON *o, bool built, struct kv_secret **out, struct kv_error *err)
{
    if (!built) {
        if (o)
            kv__json_delete_wipe(o);
        return kv__fail(err, KV_E_NOMEM, "out of memory");
    }
    char *body = print_wipe(o);
    if (!body)
        return kv__fail(err, KV_E_NOMEM, "out of memory");
    int rc = call_secret(c, what, method, path, body, out, err);
    cx_free_wiped(body);
    return rc;
}

static bool valid_version(const char *v)
{
    return !v || !*v || valid_name(v, 64);
}

/* The checks every call on one secret makes before it sends anything: *out is cleared (a failed
 * call leaves it NULL), then the name and the version (NULL or "" for none) are checked. Returns
 * KV_OK, or the failure with err filled. */
static int begin_named(const char *name, const char *version, struct kv_secret **out,
                       struct kv_error *err)
{
    if (out)
        *out = NULL;
    int rc = check_name(name, err);
    if (rc != KV_OK)
        return rc;
    if (!valid_version(version))
        return kv__fail(err, KV_E_INVALID_ARG, "'%s' is not a secret version", version);
    return KV_OK;
}

int kv_secret_set(struct kv_client *c, const char *name, const char *value,
                  const struct kv_props *props, struct kv_secret **out, struct kv_error *err)
{
    char path[160];
    int rc = begin_named(name, NULL, out, err);
    if (rc != KV_OK)
        return rc;
    if (!value)
        return kv__fail(err, KV_E_INVALID_ARG, "a secret value is required");
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddStringToObject(o, "value", value) && add_props(o, props, true);
    snprintf(path, sizeof path, "/secrets/%s", name);
    return call_json(c, "SetSecret", "PUT", path, o, built, out, err);
}

int kv_secret_get(struct kv_client *c, const char *name, const char *version,
                  struct kv_secret **out, struct kv_error *err)
{
    char path[240];
    int rc = begin_named(name, version, out, err);
    if (rc != KV_OK)
        return rc;
    /* "/secrets/{name}/" with an empty version is what both SDKs send for the latest. */
    snprintf(path, sizeof path, "/secrets/%s/%s", name, version ? version : "");
    return call_secret(c, "GetSecret", "GET", path, NULL, out, err);
}

int kv_secret_update(struct kv_client *c, const char *name, const char *version,
                     const struct kv_props *props, struct kv_secret **out, struct kv_error *err)
{
    char path[240];
    int rc = begin_named(name, version, out, err);
    if (rc != KV_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    bool built = o && add_props(o, props, false);
    snprintf(path, sizeof path, "/secrets/%s/%s", name, version ? version : "");
    return call_json(c, "UpdateSecret", "PATCH", path, o, built, out, err);
}

/* The operations on a name with no body. */
static int name_op(struct kv_client *c, const char *what, const char *method, const char *prefix,
                   const char *name, const char *suffix, struct kv_secret **out,
                   struct kv_error *err)
{
    char path[200];
    int rc = begin_named(name, NULL, out, err);
    if (rc != KV_OK)
        return rc;
    snprintf(path, sizeof path, "%s%s%s", prefix, name, suffix);
    return call_secret(c, what, method, path, NULL, out, err);
}

int kv_secret_delete(struct kv_client *c, const char *name, struct kv_secret **out,
                     struct kv_error *err)
{
    return name_op(c, "DeleteSecret", "DELETE", "/secrets/", name, "", out, err);
}

int kv_secret_get_deleted(struct kv_client *c, const char *name, struct kv_secret **out,
                          struct kv_error *err)
{
    return name_op(c, "GetDeletedSecret", "GET", "/deletedsecrets/", name, "", out, err);
}

int kv_secret_recover(struct kv_client *c, const char *name, struct kv_secret **out,
                      struct kv_error *err)
{
    return name_op(c, "RecoverDeletedSecret", "POST", "/deletedsecrets/", name, "/recover", out,
                   err);
}

int kv_secret_purge(struct kv_client *c, const char *name, struct kv_error *err)
{
    return name_op(c, "PurgeDeletedSecret", "DELETE", "/deletedsecrets/", name, "", NULL, err);
}

int kv_secret_backup(struct kv_client *c, const char *name, char **blob, struct kv_error *err)
{
    struct kv__response rs = {.retry_after_ms = -1};
    cJSON *root = NULL;
    char path[200];
    if (!blob)
        return kv__fail(err, KV_E_INVALID_ARG, "blob is NULL");
    *blob = NULL;
    int rc = check_name(name, err);
    if (rc != KV_OK)
        return rc;
    snprintf(path, sizeof path, "/secrets/%s/backup", name);
    if ((rc = kv__vault_call(c, "BackupSecret", "POST", path, NULL, NULL, &rs, err)) != KV_OK)
        goto out;
    if ((rc = parse_body(&rs, &root, err)) != KV_OK)
        goto out;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "value");
    if (!cJSON_IsString(v) || !v->valuestring)
        rc = kv__fail(err, KV_E_PROTOCOL, "the backup response has no value");
    else if (!(*blob = strdup(v->valuestring)))
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
out:
    if (root)
        kv__json_delete_wipe(root);
    kv__response_finish(&rs);
    return rc;
}

int kv_secret_restore(struct kv_client *c, const char *blob, struct kv_secret **out,
                      struct kv_error *err)
{
    kv__error_clear(err);
    if (out)
        *out = NULL;
    if (!blob || !*blob)
        return kv__fail(err, KV_E_INVALID_ARG, "a backup blob is required");
    cJSON *o = cJSON_CreateObject();
    bool built = o && cJSON_AddStringToObject(o, "value", blob);
    return call_json(c, "RestoreSecret", "POST", "/secrets/restore", o, built, out, err);
}

/* ----- Paging -------------------------------------------------------------------------------- */

/* Consecutive empty pages one kv_pager_next follows before it gives up. */
#define KV_PAGER_MAX_EMPTY 100

struct kv_pager {
    struct kv_client *c;
    const char *what;
    char *first_path;  /* relative path of the first page; NULL once fetched */
    char *next;        /* absolute nextLink, NULL at the end */
    cJSON *page;       /* the current page */
    const cJSON *item; /* next item to hand out in page.value */
    unsigned pages;
    bool done;
};

int kv_pager_create(struct kv_client *c, enum kv_list_kind kind, const char *name, int maxresults,
                    struct kv_pager **out)
{
    char path[240], q[32] = "";
    if (!out)
        return KV_E_INVALID_ARG;
    *out = NULL;
    if (!c || maxresults < 0 || maxresults > 25)
        return KV_E_INVALID_ARG;
    if (maxresults)
        snprintf(q, sizeof q, "?maxresults=%d", maxresults);
    struct kv_pager *p = calloc(1, sizeof *p);
    if (!p)
        return KV_E_NOMEM;
    p->c = c;
    switch (kind) {
    case KV_LIST_SECRETS:
        p->what = "GetSecrets";
        snprintf(path, sizeof path, "/secrets%s", q);
        break;
    case KV_LIST_VERSIONS:
        if (!valid_name(name, 127)) {
            free(p);
            return KV_E_INVALID_ARG;
        }
        p->what = "GetSecretVersions";
        snprintf(path, sizeof path, "/secrets/%s/versions%s", name, q);
        break;
    case KV_LIST_DELETED:
        p->what = "GetDeletedSecrets";
        snprintf(path, sizeof path, "/deletedsecrets%s", q);
        break;
    default: free(p); return KV_E_INVALID_ARG;
    }
    if (!(p->first_path = strdup(path))) {
        free(p);
        return KV_E_NOMEM;
    }
    *out = p;
    return KV_OK;
}

/* True when url is on the vault's own origin (scheme, host and port, default port filled in): a
 * nextLink elsewhere would receive the bearer token. */
static bool same_origin(const struct kv_client *c, const char *url)
{
    char scheme[16], host[256];
    long port;
    char origin[300];
    if (kv__url_parts(url, scheme, sizeof scheme, host, sizeof host, &port) != 0)
        return false;
    snprintf(origin, sizeof origin, "%s://%s:%ld", scheme, host, port);
    return strcmp(origin, c->vault_origin) == 0;
}

/* Fetches the next page into p->page. */
static int fetch_page(struct kv_pager *p, struct kv_error *err)
{
    struct kv__response rs = {.retry_after_ms = -1};
    cJSON *root = NULL;
    int rc;
    if (p->first_path)
        rc = kv__vault_call(p->c, p->what, "GET", p->first_path, NULL, NULL, &rs, err);
    else
        rc = kv__vault_call(p->c, p->what, "GET", NULL, p->next, NULL, &rs, err);
    if (rc != KV_OK)
        goto out;
    if ((rc = parse_body(&rs, &root, err)) != KV_OK)
        goto out;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "value");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "nextLink");
    if (value && !cJSON_IsArray(value)) {
        rc = kv__fail(err, KV_E_PROTOCOL, "the %s page's value is not an array", p->what);
        goto out;
    }
    char *nl = NULL;
    if (cJSON_IsString(next) && next->valuestring && *next->valuestring) {
        if (!same_origin(p->c, next->valuestring)) {
            rc = kv__fail(err, KV_E_PROTOCOL,
                          "the nextLink leads to another origin than the vault (%s); not "
                          "following it with the vault's token",
                          next->valuestring);
            goto out;
        }
        /* An empty page that links to itself would be followed forever. */
        if ((!value || !value->child) && p->next && strcmp(p->next, next->valuestring) == 0) {
            rc = kv__fail(err, KV_E_PROTOCOL, "the %s page is empty and its nextLink is itself",
                          p->what);
            goto out;
        }
        if (!(nl = strdup(next->valuestring))) {
            rc = kv__fail(err, KV_E_NOMEM, "out of memory");
            goto out;
        }
    }
    free(p->first_path);
    p->first_path = NULL;
    free(p->next);
    p->next = nl;
    if (p->page)
        kv__json_delete_wipe(p->page);
    p->page = root;
    root = NULL;
    p->item = value ? value->child : NULL;
    p->pages++;
out:
    if (root)
        kv__json_delete_wipe(root);
    kv__response_finish(&rs);
    return rc;
}

int kv_pager_next(struct kv_pager *p, struct kv_secret **out, struct kv_error *err)
{
    kv__error_clear(err);
    if (!p || !out)
        return kv__fail(err, KV_E_INVALID_ARG, "pager and out are required");
    *out = NULL;
    /* Empty pages with a nextLink are legal (the service may return them); keep following, but
     * not forever: links that go round in a circle of empty pages end as a protocol error. */
    for (unsigned empty = 0; !p->item; empty++) {
        if (!p->first_path && !p->next)
            return KV_OK;
        if (empty == KV_PAGER_MAX_EMPTY)
            return kv__fail(err, KV_E_PROTOCOL, "%u empty %s pages in a row; giving up",
                            KV_PAGER_MAX_EMPTY, p->what);
        int rc = fetch_page(p, err);
        if (rc != KV_OK)
            return rc;
    }
    char desc[96];
    snprintf(desc, sizeof desc, "a %s item", p->what);
    int rc = kv__secret_from_json(p->item, desc, out, err);
    /* Move on whatever the outcome: a caller that skips a bad item must not get the same one
     * forever. */
    p->item = p->item->next;
    return rc;
}

unsigned kv_pager_pages(const struct kv_pager *p)
{
    return p ? p->pages : 0;
}

void kv_pager_destroy(struct kv_pager *p)
{
    if (!p)
        return;
    free(p->first_path);
    free(p->next);
    if (p->page)
        kv__json_delete_wipe(p->page);
    free(p);
}
