/* common.c: the checks and answers the Key Vault families share (vault-int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-mem.h"

#include "reply.h"
#include "util.h"
#include "vault-int.h"

#define MV_TAGS_MAX 15
#define MV_TAG_TEXT_MAX 256

bool mv_vault_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > MV_NAME_MAX)
        return false;
    return strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

enum MHD_Result mv_vault_bad_parameter(struct mv_req *r, const char *inner, const char *msg)
{
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", inner, "%s", msg);
}

enum MHD_Result mv_vault_reply_bad_name(struct mv_req *r, const char *name)
{
    char echo[160];
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                             "The request URI contains an invalid name: %s",
                             mv_reply_echo(name, echo, sizeof echo));
}

/* The family's noun as the service's messages spell it ("Secret", "Key", "Certificate"), from the
 * operation's RBAC data action (".../vaults/secrets/..."), so a new family needs no entry. */
static void family_noun(const struct mv_req *r, char *out, size_t n)
{
    const char *a = r->op && r->op->action ? strstr(r->op->action, "/vaults/") : NULL;
    size_t len = 0;

    snprintf(out, n, "Object");
    if (!a)
        return;
    a += strlen("/vaults/");
    len = strcspn(a, "/");
    if (len > 1 && a[len - 1] == 's')
        len--;
    if (len == 0 || len >= n)
        return;
    memcpy(out, a, len);
    out[len] = '\0';
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

/* 409 while a transition of the name is still in progress (--consistency azure). */
static enum MHD_Result reply_in_progress(struct mv_req *r, enum mv_err e)
{
    const char *name = r->cap[0] ? r->cap[0] : "";
    char noun[32];

    family_noun(r, noun, sizeof noun);
    if (e == MV_E_BEING_RECOVERED)
        /* [USER microsoft/AzureTRE#2824] for a PUT; the mock answers every operation on the name
         * this way until the recover completes. */
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", "ObjectIsBeingRecovered",
                                 "%s %s is currently being recovered and cannot be re-created; "
                                 "retry later.",
                                 noun, name);
    /* A purge or recover of a deleted object whose delete is still in progress: the recorded
     * body names no object ("Key is currently being deleted.", JS SDK recordings 2019). */
    if (r->op && r->op->pattern && strncmp(r->op->pattern, "/deleted", 8) == 0)
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", "ObjectIsBeingDeleted",
                                 "%s is currently being deleted.", noun);
    /* [UNCERTAIN] a create while a delete or purge of the name is in progress, by analogy. */
    return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", "ObjectIsBeingDeleted",
                             "%s %s is currently being deleted and cannot be re-created; retry "
                             "later.",
                             noun, name);
}

enum MHD_Result mv_vault_reply_common_err(struct mv_req *r, enum mv_err e)
{
    switch (e) {
    case MV_E_BEING_DELETED:
    case MV_E_BEING_RECOVERED: return reply_in_progress(r, e);
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
    case MV_E_NOMEM: return mv_reply_oom(r);
    default:
        /* Each family answers its own results before calling this; one that arrives here is a
         * mock defect, and the answer says so instead of blaming memory. */
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                 "mockvault: unexpected store result %d for this operation; "
                                 "please report it.",
                                 (int)e);
    }
}

enum MHD_Result mv_vault_reply_managed(struct mv_req *r, const char *inner)
{
    /* The verb is the operation's: SetSecret -> "set", UpdateKey -> "update" ([USER] for set on
     * a secret; the other verbs by the same pattern, certificates spec §4). */
    static const char *const verbs[] = {"set", "update", "delete", "create", "import", "rotate"};
    const char *op = r->operation ? r->operation : "", *verb = "set";

    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strncasecmp(op, verbs[i], strlen(verbs[i])) == 0)
            verb = verbs[i];
    return mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", inner,
                             "Operation \"%s\" is not allowed as this object's lifetime is "
                             "managed by Key Vault.",
                             verb);
}

bool mv_vault_body_or_reply(struct mv_req *r, cJSON **out)
{
    cJSON *j;

    *out = NULL;
    if (!cx_utf8_valid(r->body, r->body_len, NULL)) {
        mv_vault_bad_parameter(r, NULL, "The request body is not valid UTF-8.");
        return false;
    }
    j = mv_req_json(r);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        /* Real wording unknown; the message names what to fix. */
        mv_vault_bad_parameter(r, NULL,
                               r->body_len
                                   ? "The request body must be a JSON object."
                                   : "The request body is empty; a JSON object is required.");
        return false;
    }
    *out = j;
    return true;
}

bool mv_vault_tags_or_reply(struct mv_req *r, const cJSON *j, struct mv_tags *t)
{
    const cJSON *it;
    size_t n = 0;

    memset(t, 0, sizeof *t);
    if (!cJSON_IsObject(j)) {
        mv_vault_bad_parameter(r, NULL, "Property 'tags' must be an object of string values.");
        return false;
    }
    cJSON_ArrayForEach(it, j)
        n++;
    if (n > MV_TAGS_MAX) {
        /* The real service's exact text, CRLF included (spec §2 "More than 15 tags"). */
        mv_vault_bad_parameter(r, NULL, "Property has invalid value\r\n");
        return false;
    }
    t->present = true;
    t->items = calloc(n ? n : 1, sizeof *t->items);
    if (!t->items) {
        mv_vault_reply_common_err(r, MV_E_NOMEM);
        return false;
    }
    cJSON_ArrayForEach(it, j) {
        if (!cJSON_IsString(it) || strlen(it->string) > MV_TAG_TEXT_MAX ||
            strlen(it->valuestring) > MV_TAG_TEXT_MAX || it->string[0] == '\0') {
            free(t->items);
            memset(t, 0, sizeof *t);
            mv_vault_bad_parameter(r, NULL, "Property has invalid value\r\n");
            return false;
        }
        t->items[t->n].name = it->string;
        t->items[t->n].value = it->valuestring;
        t->n++;
    }
    return true;
}

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
        mv_vault_bad_parameter(r, NULL, msg);
        return false;
    }
    *has = true;
    *out = (int64_t)v->valuedouble;
    return true;
}

bool mv_vault_attrs_or_reply(struct mv_req *r, const cJSON *attrs, struct mv_attr_fields *f)
{
    const cJSON *en;

    memset(f, 0, sizeof *f);
    if (!attrs || cJSON_IsNull(attrs))
        return true;
    if (!cJSON_IsObject(attrs)) {
        mv_vault_bad_parameter(r, NULL, "Property 'attributes' must be an object.");
        return false;
    }
    en = cJSON_GetObjectItemCaseSensitive(attrs, "enabled");
    if (en && !cJSON_IsNull(en)) {
        if (!cJSON_IsBool(en)) {
            mv_vault_bad_parameter(r, NULL, "Property 'attributes.enabled' must be true or false.");
            return false;
        }
        f->has_enabled = true;
        f->enabled = cJSON_IsTrue(en);
    }
    return time_attr_or_reply(r, attrs, "nbf", &f->has_nbf, &f->nbf) &&
           time_attr_or_reply(r, attrs, "exp", &f->has_exp, &f->exp);
}

bool mv_vault_page_params_or_reply(struct mv_req *r, size_t *max, char **marker)
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
            mv_vault_bad_parameter(r, NULL,
                                   "Invalid value for the maxresults query parameter: it must be "
                                   "an integer from 1 to 25.");
            return false;
        }
        *max = (size_t)v;
    }
    if (tok && *tok) {
        size_t len = 0;
        unsigned char *m = cx_b64_decode(tok, strlen(tok), MV_B64_LENIENT, &len);
        if (!m || len == 0 || memchr(m, '\0', len)) {
            free(m);
            mv_vault_bad_parameter(r, NULL,
                                   "Invalid $skiptoken: follow nextLink exactly as returned.");
            return false;
        }
        *marker = (char *)m;
    }
    return true;
}

bool mv_vault_next_link(struct mv_req *r, const char *path, const char *next, size_t max, char *out,
                        size_t n)
{
    char base[400];
    char *tok = cx_b64url_encode(next, strlen(next));

    if (!tok)
        return false;
    /* The base for nextLink: the real service spells the port out (":443"), ids do not. */
    if (r->host_port)
        snprintf(base, sizeof base, "%s", r->base_url);
    else
        snprintf(base, sizeof base, "%s:%s", r->base_url, r->srv->cfg.http ? "80" : "443");
    /* Absolute, back at the host and port the client used, api-version first (spec §1). */
    if (mv_req_query(r, "maxresults"))
        snprintf(out, n, "%s%s?api-version=%s&$skiptoken=%s&maxresults=%zu", base, path,
                 r->api_version, tok, max);
    else
        snprintf(out, n, "%s%s?api-version=%s&$skiptoken=%s", base, path, r->api_version, tok);
    free(tok);
    return true;
}

enum by_name_op { BY_DELETE, BY_GET_DELETED, BY_RECOVER };

static enum MHD_Result family_by_name(struct mv_req *r, const struct mv_vault_family *f,
                                      enum by_name_op what)
{
    const char *name = r->cap[0];
    struct mv_object_view v;
    enum mv_err e;
    unsigned shape = f->deleted_shape;
    int ok;

    memset(&v, 0, sizeof v);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    switch (what) {
    case BY_DELETE:
        e = mv_store_delete(r->srv->store, f->type, r->vault, name, mv_req_now(r), &v);
        break;
    case BY_GET_DELETED:
        e = mv_store_get_deleted(r->srv->store, f->type, r->vault, name, &v);
        break;
    default:
        e = mv_store_recover(r->srv->store, f->type, r->vault, name, &v);
        if (e == MV_E_NOT_DELETED)
            e = MV_E_NOT_FOUND;
        shape = f->recovered_shape;
        break;
    }
    ok = e == MV_OK ? f->reply(r, &v, shape) : f->err(r, e, name, NULL);
    mv_object_view_finish(&v);
    return ok;
}

enum MHD_Result mv_vault_h_delete(struct mv_req *r, const struct mv_vault_family *f)
{
    return family_by_name(r, f, BY_DELETE);
}

enum MHD_Result mv_vault_h_get_deleted(struct mv_req *r, const struct mv_vault_family *f)
{
    return family_by_name(r, f, BY_GET_DELETED);
}

enum MHD_Result mv_vault_h_recover(struct mv_req *r, const struct mv_vault_family *f)
{
    return family_by_name(r, f, BY_RECOVER);
}

enum MHD_Result mv_vault_h_purge(struct mv_req *r, const struct mv_vault_family *f)
{
    const char *name = r->cap[0];
    enum mv_err e;

    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    e = mv_store_purge(r->srv->store, f->type, r->vault, name);
    return e == MV_OK ? mv_reply_no_content(r) : f->err(r, e, name, NULL);
}

enum MHD_Result mv_vault_reply_sealed(struct mv_req *r, const char *aad, cJSON *j)
{
    char *plain = j ? cJSON_PrintUnformatted(j) : NULL, *text = NULL;
    size_t plen = plain ? strlen(plain) : 0;
    int ok;

    /* The value or private key is in the plaintext: it is wiped, and leaves only sealed. */
    text = plain ? mv_blob_seal(r->srv, aad, plain, plen) : NULL;
    ok = text ? mv_reply_value(r, text) : mv_vault_reply_common_err(r, MV_E_NOMEM);
    cx_wipe_free(plain, plen);
    free(text);
    cJSON_Delete(j);
    return ok;
}

enum MHD_Result mv_vault_backup(struct mv_req *r, enum mv_objtype t,
                                cJSON *(*to_json)(const struct mv_object *), const char *aad,
                                mv_err_reply_fn err)
{
    const char *name = r->cap[0];
    struct mv_object *o = NULL;
    enum mv_err e;
    int ok;

    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    e = mv_store_backup(r->srv->store, t, r->vault, name, &o);
    if (e != MV_OK)
        return err(r, e, name, NULL);
    ok = mv_vault_reply_sealed(r, aad, to_json(o));
    mv_object_finish(o);
    free(o);
    return ok;
}

cJSON *mv_vault_restore_json_or_reply(struct mv_req *r, const char *aad,
                                      enum MHD_Result (*malformed)(struct mv_req *r))
{
    cJSON *body = NULL, *oj = NULL;
    const cJSON *value;
    char *plain = NULL;
    size_t plen = 0;

    if (!mv_vault_body_or_reply(r, &body))
        return NULL;
    value = cJSON_GetObjectItemCaseSensitive(body, "value");
    if (!cJSON_IsString(value)) {
        mv_vault_bad_parameter(r, NULL,
                               "Property 'value' (the backup blob, base64url) is required.");
        goto out;
    }
    plain = mv_blob_open(r->srv, aad, value->valuestring, &plen);
    oj = plain ? cJSON_ParseWithLength(plain, plen) : NULL;
    if (!oj)
        malformed(r);
out:
    /* The plaintext holds the private parts: wiped; the tree the caller gets is its to wipe. */
    cx_wipe_free(plain, plen);
    cJSON_Delete(body);
    return oj;
}

struct mv_object *mv_vault_restore_object_or_reply(struct mv_req *r, const char *aad,
                                                   struct mv_object *(*from_json)(const cJSON *,
                                                                                  char *, size_t),
                                                   enum MHD_Result (*malformed)(struct mv_req *r))
{
    cJSON *oj = mv_vault_restore_json_or_reply(r, aad, malformed);
    char err[256];
    struct mv_object *o = NULL;

    if (!oj)
        return NULL;
    o = from_json(oj, err, sizeof err);
    if (o && o->nversions == 0) {
        mv_object_finish(o);
        free(o);
        o = NULL;
    }
    if (!o) {
        malformed(r);
        goto out;
    }
    o->deleted = false;
    o->deleted_date = o->scheduled_purge_date = 0;
out:
    cJSON_Delete(oj);
    return o;
}
