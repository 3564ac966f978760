/* secrets.c: the 13 Key Vault secret operations (spec/keyvault-secrets.md §1), HTTP <-> store. */
#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"
#include "http.h"
#include "reply.h"
#include "op.h"
#include "state.h"
#include "store.h"
#include "util.h"

#define MV_VALUE_MAX 25600 /* characters (spec §2 "Value over 25 KB") */
#define MV_CONTENT_TYPE_MAX 255
#define MV_TAGS_MAX 15
#define MV_TAG_TEXT_MAX 256
#define MV_NAME_MAX 127
#define MV_PAGE_MAX 25

static const char not_found_fmt[] =
    "A secret with (name/id) %s was not found in this key vault. If you recently deleted this "
    "secret you may be able to recover it using the correct recovery command. For help resolving "
    "this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

/* True when s is 1..127 characters of 0-9, a-z, A-Z and '-' (spec §5). */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > MV_NAME_MAX)
        return false;
    return strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

static enum MHD_Result bad_parameter(struct mv_req *r, const char *inner, const char *msg)
{
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", inner, "%s", msg);
}

static enum MHD_Result reply_bad_name(struct mv_req *r, const char *name)
{
    char echo[160];
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                             "The request URI contains an invalid name: %s",
                             mv_reply_echo(name, echo, sizeof echo));
}

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
    case MV_E_PURGE_PROTECTED:
        return mv_reply_kv_error(
            r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
            "Operation \"purge\" is not allowed because purge protection is "
            "enabled for this vault. Key Vault service will automatically purge "
            "it after the retention period has passed. Vault: %s;location=%s",
            r->vault, r->location);
    case MV_E_NO_VAULT:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "VaultNotFound", NULL,
                                 "mockvault: the vault %s no longer exists.", r->vault);
    case MV_E_PERSIST:
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                 "mockvault could not save the change to its state dir; see the "
                                 "server log.");
    default:
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                 "mockvault ran out of memory.");
    }
}

/* ---- Wire shapes ---- */

/* The base for nextLink: the real service spells the port out (":443"), ids do not. */
static void link_base(const struct mv_req *r, char *out, size_t n)
{
    if (r->host_port)
        snprintf(out, n, "%s", r->base_url);
    else
        snprintf(out, n, "%s:%s", r->base_url, r->srv->cfg.http ? "80" : "443");
}

/* ---- Body parsing ---- */

/* Parses the JSON object body, replying 400 on failure. Caller frees *out with cJSON_Delete. */
static bool parse_body_or_reply(struct mv_req *r, cJSON **out)
{
    cJSON *j;

    *out = NULL;
    if (!cx_utf8_valid(r->body, r->body_len, NULL)) {
        bad_parameter(r, NULL, "The request body is not valid UTF-8.");
        return false;
    }
    j = mv_req_json(r);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        /* Real wording unknown; the message names what to fix. */
        bad_parameter(r, NULL,
                      r->body_len ? "The request body must be a JSON object."
                                  : "The request body is empty; a JSON object is required.");
        return false;
    }
    *out = j;
    return true;
}

/* Reads the tags object into t (strings borrowed from the cJSON tree). */
static bool parse_tags_or_reply(struct mv_req *r, const cJSON *j, struct mv_tags *t)
{
    const cJSON *it;
    size_t n = 0;

    memset(t, 0, sizeof *t);
    if (!cJSON_IsObject(j)) {
        bad_parameter(r, NULL, "Property 'tags' must be an object of string values.");
        return false;
    }
    cJSON_ArrayForEach(it, j)
        n++;
    if (n > MV_TAGS_MAX) {
        /* The real service's exact text, CRLF included (spec §2 "More than 15 tags"). */
        bad_parameter(r, NULL, "Property has invalid value\r\n");
        return false;
    }
    t->present = true;
    t->items = calloc(n ? n : 1, sizeof *t->items);
    if (!t->items) {
        reply_store_err(r, MV_E_NOMEM, "", NULL);
        return false;
    }
    cJSON_ArrayForEach(it, j) {
        if (!cJSON_IsString(it) || strlen(it->string) > MV_TAG_TEXT_MAX ||
            strlen(it->valuestring) > MV_TAG_TEXT_MAX || it->string[0] == '\0') {
            free(t->items);
            memset(t, 0, sizeof *t);
            bad_parameter(r, NULL, "Property has invalid value\r\n");
            return false;
        }
        t->items[t->n].name = it->string;
        t->items[t->n].value = it->valuestring;
        t->n++;
    }
    return true;
}

/* Common fields of set and update: contentType, attributes {enabled, nbf, exp}. */
struct fields {
    bool has_ct;
    const char *ct;
    bool has_tags;
    struct mv_tags tags; /* items array owned, strings borrowed */
    bool has_enabled, enabled, has_nbf, has_exp;
    int64_t nbf, exp;
};

static bool time_attr_or_reply(struct mv_req *r, const cJSON *a, const char *key, bool *has,
                               int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
    char msg[128];

    if (!v || cJSON_IsNull(v))
        return true;
    /* The range is checked before the cast: a double outside int64 (1e300) has no integer value,
     * and the cast would be undefined. Times stay within years 1..9999, as the state keeps them. */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= MV_TIME_MIN && v->valuedouble <= MV_TIME_MAX) ||
        v->valuedouble != (double)(int64_t)v->valuedouble) {
        snprintf(msg, sizeof msg,
                 "Property 'attributes.%s' must be an integer (unix seconds, years 1 to 9999).",
                 key);
        bad_parameter(r, NULL, msg);
        return false;
    }
    *has = true;
    *out = (int64_t)v->valuedouble;
    return true;
}

static bool parse_fields_or_reply(struct mv_req *r, const cJSON *body, struct fields *f)
{
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(body, "contentType");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(body, "attributes");

    memset(f, 0, sizeof *f);
    if (ct && !cJSON_IsNull(ct)) {
        if (!cJSON_IsString(ct)) {
            bad_parameter(r, NULL, "Property 'contentType' must be a string.");
            return false;
        }
        if (strlen(ct->valuestring) > MV_CONTENT_TYPE_MAX) {
            bad_parameter(r, NULL, "Property 'contentType' is longer than 255 characters.");
            return false;
        }
        f->has_ct = true;
        f->ct = ct->valuestring;
    }
    if (attrs && !cJSON_IsNull(attrs)) {
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(attrs, "enabled");
        if (!cJSON_IsObject(attrs)) {
            bad_parameter(r, NULL, "Property 'attributes' must be an object.");
            return false;
        }
        if (en && !cJSON_IsNull(en)) {
            if (!cJSON_IsBool(en)) {
                bad_parameter(r, NULL, "Property 'attributes.enabled' must be true or false.");
                return false;
            }
            f->has_enabled = true;
            f->enabled = cJSON_IsTrue(en);
        }
        if (!time_attr_or_reply(r, attrs, "nbf", &f->has_nbf, &f->nbf) ||
            !time_attr_or_reply(r, attrs, "exp", &f->has_exp, &f->exp))
            return false;
    }
    if (tags && !cJSON_IsNull(tags)) {
        if (!parse_tags_or_reply(r, tags, &f->tags))
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
    if (!name_ok(name))
        return reply_bad_name(r, name);
    if (!parse_body_or_reply(r, &body))
        return MHD_YES;
    value = cJSON_GetObjectItemCaseSensitive(body, "value");
    if (!cJSON_IsString(value)) {
        ok = bad_parameter(r, NULL,
                           value ? "Property 'value' must be a string."
                                 : "Property 'value' is required.");
        goto out;
    }
    /* The service counts characters (code points), not bytes, against the limit. */
    if (cx_utf8_count(value->valuestring) > MV_VALUE_MAX) {
        ok = bad_parameter(r, "SecretTooLarge",
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
    in.has_enabled = f.has_enabled;
    in.enabled = f.enabled;
    in.has_nbf = f.has_nbf;
    in.nbf = f.nbf;
    in.has_exp = f.has_exp;
    in.exp = f.exp;
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

static enum MHD_Result h_get(struct mv_req *r)
{
    const char *name = r->cap[0], *version = r->cap[1];
    struct mv_object_view sv;
    enum mv_err e;
    int64_t now = mv_req_now(r);
    int ok;

    memset(&sv, 0, sizeof sv);
    if (!name_ok(name))
        return reply_bad_name(r, name);
    if (version[0] && !cx_is_hex(version, 32, 0)) /* any case: ids compare case-insensitively */
        return reply_store_err(r, MV_E_VERSION_NOT_FOUND, name, version);
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
    } else {
        ok = mv_reply_secret(r, &sv, MV_SECRET_VALUE);
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
    if (!name_ok(name))
        return reply_bad_name(r, name);
    if (version[0] && !cx_is_hex(version, 32, 0)) /* any case: ids compare case-insensitively */
        return reply_store_err(r, MV_E_VERSION_NOT_FOUND, name, version);
    cx_str_lower(r->cap[1]);
    if (!parse_body_or_reply(r, &body))
        return MHD_YES;
    if (!parse_fields_or_reply(r, body, &f))
        goto out;
    memset(&upd, 0, sizeof upd);
    upd.has_content_type = f.has_ct;
    upd.content_type = f.ct;
    upd.has_tags = f.has_tags;
    upd.tags = &f.tags;
    upd.has_enabled = f.has_enabled;
    upd.enabled = f.enabled;
    upd.has_nbf = f.has_nbf;
    upd.nbf = f.nbf;
    upd.has_exp = f.has_exp;
    upd.exp = f.exp;
    e = mv_store_update_secret(r->srv->store, r->vault, name, version, &upd, mv_req_now(r), &sv);
    /* A disabled secret can still be updated; the response never carries the value. */
    ok = e == MV_OK ? mv_reply_secret(r, &sv, 0) : reply_store_err(r, e, name, version);
out:
    free(f.tags.items);
    mv_object_view_finish(&sv);
    cJSON_Delete(body);
    return ok;
}

/* A store operation on one secret by name that fills a view of it. */
typedef enum mv_err (*by_name_fn)(struct mv_req *r, const char *name, struct mv_object_view *sv);

/* Delete, get-deleted and recover share one shape: check the name, run the store operation, and
 * answer with the view it filled (shape as for mv_reply_secret) or with the store's error. */
static enum MHD_Result reply_by_name(struct mv_req *r, by_name_fn fn, unsigned shape)
{
    const char *name = r->cap[0];
    struct mv_object_view sv;
    enum mv_err e;
    int ok;

    memset(&sv, 0, sizeof sv);
    if (!name_ok(name))
        return reply_bad_name(r, name);
    e = fn(r, name, &sv);
    ok = e == MV_OK ? mv_reply_secret(r, &sv, shape) : reply_store_err(r, e, name, NULL);
    mv_object_view_finish(&sv);
    return ok;
}

static enum mv_err delete_secret(struct mv_req *r, const char *name, struct mv_object_view *sv)
{
    return mv_store_delete(r->srv->store, MV_OBJ_SECRET, r->vault, name, mv_req_now(r), sv);
}

static enum mv_err get_deleted(struct mv_req *r, const char *name, struct mv_object_view *sv)
{
    return mv_store_get_deleted(r->srv->store, MV_OBJ_SECRET, r->vault, name, sv);
}

static enum mv_err recover(struct mv_req *r, const char *name, struct mv_object_view *sv)
{
    enum mv_err e = mv_store_recover(r->srv->store, MV_OBJ_SECRET, r->vault, name, sv);
    /* Recovering a name that never existed (or is live) answers like a missing secret. */
    return e == MV_E_NOT_DELETED ? MV_E_NOT_FOUND : e;
}

static enum MHD_Result h_delete(struct mv_req *r)
{
    return reply_by_name(r, delete_secret, MV_SECRET_DELETED);
}

static enum MHD_Result h_get_deleted(struct mv_req *r)
{
    return reply_by_name(r, get_deleted, MV_SECRET_DELETED);
}

static enum MHD_Result h_recover(struct mv_req *r)
{
    return reply_by_name(r, recover, 0);
}

static enum MHD_Result h_purge(struct mv_req *r)
{
    const char *name = r->cap[0];
    enum mv_err e;

    if (!name_ok(name))
        return reply_bad_name(r, name);
    e = mv_store_purge(r->srv->store, MV_OBJ_SECRET, r->vault, name);
    return e == MV_OK ? mv_reply_no_content(r) : reply_store_err(r, e, name, NULL);
}

/* ---- Paging ---- */

/* Reads maxresults (1..25, default 25) and $skiptoken (our marker, base64url). */
static bool page_params_or_reply(struct mv_req *r, size_t *max, char **marker)
{
    const char *mr = mv_req_query(r, "maxresults");
    const char *tok = mv_req_query(r, "$skiptoken");
    char *end;
    long v;

    *max = MV_PAGE_MAX;
    *marker = NULL;
    if (mr) {
        v = strtol(mr, &end, 10);
        if (*mr == '\0' || *end != '\0' || v < 1 || v > MV_PAGE_MAX) {
            /* The real body for this 400 is unknown (spec §2); the message says what to fix. */
            bad_parameter(r, NULL,
                          "Invalid value for the maxresults query parameter: it must be an "
                          "integer from 1 to 25.");
            return false;
        }
        *max = (size_t)v;
    }
    if (tok && *tok) {
        size_t len = 0;
        unsigned char *m = cx_b64_decode(tok, strlen(tok), MV_B64_LENIENT, &len);
        if (!m || len == 0 || memchr(m, '\0', len)) {
            free(m);
            bad_parameter(r, NULL, "Invalid $skiptoken: follow nextLink exactly as returned.");
            return false;
        }
        *marker = (char *)m;
    }
    return true;
}

static enum MHD_Result reply_page(struct mv_req *r, const char *path, struct mv_object_view *items,
                                  size_t n, const char *next, size_t max, bool max_given,
                                  unsigned flags)
{
    char base[400], link[1200];
    char *tok;

    if (!next)
        return mv_reply_secret_page(r, items, n, flags, NULL);
    tok = cx_b64url_encode(next, strlen(next));
    if (!tok)
        return reply_store_err(r, MV_E_NOMEM, "", NULL);
    link_base(r, base, sizeof base);
    /* Absolute, back at the host and port the client used, api-version first (spec §1). */
    if (max_given)
        snprintf(link, sizeof link, "%s%s?api-version=%s&$skiptoken=%s&maxresults=%zu", base, path,
                 r->api_version, tok, max);
    else
        snprintf(link, sizeof link, "%s%s?api-version=%s&$skiptoken=%s", base, path, r->api_version,
                 tok);
    free(tok);
    return mv_reply_secret_page(r, items, n, flags, link);
}

typedef enum mv_err (*list_fn)(struct mv_store *, enum mv_objtype, const char *, const char *,
                               size_t, struct mv_object_view **, size_t *, char **);

static enum MHD_Result list_common(struct mv_req *r, list_fn fn, const char *path, unsigned flags)
{
    size_t max, n = 0;
    char *marker = NULL, *next = NULL;
    struct mv_object_view *items = NULL;
    enum mv_err e;
    int ok;

    if (!page_params_or_reply(r, &max, &marker))
        return MHD_YES;
    e = fn(r->srv->store, MV_OBJ_SECRET, r->vault, marker, max, &items, &n, &next);
    ok = e == MV_OK ? reply_page(r, path, items, n, next, max,
                                 mv_req_query(r, "maxresults") != NULL, flags)
                    : reply_store_err(r, e, "", NULL);
    mv_object_views_free(items, n);
    free(marker);
    free(next);
    return ok;
}

static enum MHD_Result h_list(struct mv_req *r)
{
    return list_common(r, mv_store_list, "/secrets", MV_SECRET_BASE_ID);
}

static enum MHD_Result h_list_deleted(struct mv_req *r)
{
    return list_common(r, mv_store_list_deleted, "/deletedsecrets",
                       MV_SECRET_BASE_ID | MV_SECRET_DELETED);
}

static enum MHD_Result h_versions(struct mv_req *r)
{
    const char *name = r->cap[0];
    size_t max, n = 0;
    char *marker = NULL, *next = NULL, path[200];
    struct mv_object_view *items = NULL;
    enum mv_err e;
    int ok;

    if (!name_ok(name))
        return reply_bad_name(r, name);
    if (!page_params_or_reply(r, &max, &marker))
        return MHD_YES;
    e = mv_store_list_versions(r->srv->store, MV_OBJ_SECRET, r->vault, name, marker, max, &items,
                               &n, &next);
    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    ok = e == MV_OK
             ? reply_page(r, path, items, n, next, max, mv_req_query(r, "maxresults") != NULL, 0)
             : reply_store_err(r, e, name, NULL);
    mv_object_views_free(items, n);
    free(marker);
    free(next);
    return ok;
}

/* ---- Backup and restore ---- */

/* Blob = base64url("MVBK1" | nonce(12) | AES-256-GCM(secret JSON) | tag(16)), keyed per state dir.
 * The real blob is an opaque JWE; clients treat it as bytes, so only opacity and the integrity
 * check ("Malformed backup blob" on tampering) matter. The value never leaves in clear text. */
#define BLOB_MAGIC "MVBK1"
#define BLOB_MAGIC_LEN 5
#define BLOB_NONCE 12
#define BLOB_TAG 16
static const char blob_aad[] = "mockvault-backup-v1";

static enum MHD_Result h_backup(struct mv_req *r)
{
    const char *name = r->cap[0];
    struct mv_object *s = NULL;
    cJSON *j = NULL;
    char *plain = NULL, *text = NULL;
    unsigned char *blob = NULL;
    size_t plen = 0, blen, clen;
    gnutls_aead_cipher_hd_t h = NULL;
    gnutls_datum_t key = {r->srv->backup_key, sizeof r->srv->backup_key};
    enum mv_err e;
    int ok;

    if (!name_ok(name))
        return reply_bad_name(r, name);
    e = mv_store_backup(r->srv->store, MV_OBJ_SECRET, r->vault, name, &s);
    if (e != MV_OK)
        return reply_store_err(r, e, name, NULL);
    j = mv_state_secret_to_json(s);
    plain = j ? cJSON_PrintUnformatted(j) : NULL;
    if (!plain)
        goto nomem;
    plen = strlen(plain);
    blen = BLOB_MAGIC_LEN + BLOB_NONCE + plen + BLOB_TAG;
    blob = malloc(blen);
    if (!blob || gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key) < 0)
        goto nomem;
    memcpy(blob, BLOB_MAGIC, BLOB_MAGIC_LEN);
    mv_rand_bytes(blob + BLOB_MAGIC_LEN, BLOB_NONCE);
    clen = plen + BLOB_TAG;
    if (gnutls_aead_cipher_encrypt(h, blob + BLOB_MAGIC_LEN, BLOB_NONCE, blob_aad,
                                   sizeof blob_aad - 1, BLOB_TAG, plain, plen,
                                   blob + BLOB_MAGIC_LEN + BLOB_NONCE, &clen) < 0)
        goto nomem;
    text = cx_b64url_encode(blob, BLOB_MAGIC_LEN + BLOB_NONCE + clen);
    if (!text)
        goto nomem;
    {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "value", text);
        ok = mv_reply_json(r, MHD_HTTP_OK, root);
    }
    goto out;
nomem:
    ok = reply_store_err(r, MV_E_NOMEM, name, NULL);
out:
    if (h)
        gnutls_aead_cipher_deinit(h);
    cx_wipe_free(plain, plen);
    free(blob);
    free(text);
    cJSON_Delete(j);
    if (s) {
        mv_object_finish(s);
        free(s);
    }
    return ok;
}

static enum MHD_Result malformed_blob(struct mv_req *r)
{
    /* The real code string contains spaces (spec §2, REC R-JS). */
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "Malformed backup blob", NULL,
                             "Backup blob contains invalid or corrupt version.");
}

static enum MHD_Result h_restore(struct mv_req *r)
{
    cJSON *body = NULL, *sj = NULL;
    const cJSON *value;
    unsigned char *blob = NULL;
    char *plain = NULL;
    size_t blen = 0, plen = 0;
    struct mv_object *s = NULL;
    struct mv_object_view sv;
    gnutls_aead_cipher_hd_t h = NULL;
    gnutls_datum_t key = {r->srv->backup_key, sizeof r->srv->backup_key};
    char err[256];
    enum mv_err e;
    int ok;

    memset(&sv, 0, sizeof sv);
    if (!parse_body_or_reply(r, &body))
        return MHD_YES;
    value = cJSON_GetObjectItemCaseSensitive(body, "value");
    if (!cJSON_IsString(value)) {
        ok = bad_parameter(r, NULL, "Property 'value' (the backup blob, base64url) is required.");
        goto out;
    }
    blob = cx_b64_decode(value->valuestring, strlen(value->valuestring), MV_B64_LENIENT, &blen);
    if (!blob || blen < BLOB_MAGIC_LEN + BLOB_NONCE + BLOB_TAG ||
        memcmp(blob, BLOB_MAGIC, BLOB_MAGIC_LEN) != 0) {
        ok = malformed_blob(r);
        goto out;
    }
    plen = blen - BLOB_MAGIC_LEN - BLOB_NONCE;
    plain = malloc(plen + 1);
    if (!plain || gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key) < 0) {
        ok = reply_store_err(r, MV_E_NOMEM, "", NULL);
        goto out;
    }
    /* A tampered or foreign blob fails authentication here. */
    if (gnutls_aead_cipher_decrypt(h, blob + BLOB_MAGIC_LEN, BLOB_NONCE, blob_aad,
                                   sizeof blob_aad - 1, BLOB_TAG,
                                   blob + BLOB_MAGIC_LEN + BLOB_NONCE, plen, plain, &plen) < 0) {
        ok = malformed_blob(r);
        goto out;
    }
    plain[plen] = '\0';
    sj = cJSON_ParseWithLength(plain, plen);
    s = sj ? mv_state_secret_from_json(sj, err, sizeof err) : NULL;
    if (!s) {
        ok = malformed_blob(r);
        goto out;
    }
    s->deleted = false;
    s->deleted_date = s->scheduled_purge_date = 0;
    {
        char name[160];
        snprintf(name, sizeof name, "%s", s->name);
        e = mv_store_restore(r->srv->store, MV_OBJ_SECRET, r->vault, s, &sv);
        if (e == MV_OK)
            s = NULL; /* the store owns it now */
        ok = e == MV_OK ? mv_reply_secret(r, &sv, 0) : reply_store_err(r, e, name, NULL);
    }
out:
    if (h)
        gnutls_aead_cipher_deinit(h);
    cx_wipe_free(plain, plen);
    free(blob);
    cJSON_Delete(sj);
    cJSON_Delete(body);
    if (s) {
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
