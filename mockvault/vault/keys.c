/* keys.c: the keys family (spec/keyvault-keys.md §1): create, import, get, update, delete,
 * deleted keys, recover, purge, lists, backup and restore, and the operation table of every keys
 * route (the crypto operations are in keys-crypto.c, rotation in keys-policy.c). HTTP <-> store;
 * key material is generated or imported here (keymat.h), outside the store's lock. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-mem.h"
#include "keys-int.h"
#include "keys.h"
#include "op.h"
#include "reply.h"
#include "state.h"
#include "util.h"
#include "vault-int.h"

/* ---- Body parsing ---- */

/* kty: "RSA", "RSA-HSM", "EC", "EC-HSM" (spec §2; oct is Managed HSM only). */
static bool kty_or_reply(struct mv_req *r, const cJSON *j, enum mv_kty *kty, bool *hsm)
{
    const char *s = cJSON_IsString(j) ? j->valuestring : NULL;

    if (s && (strcmp(s, "RSA") == 0 || strcmp(s, "RSA-HSM") == 0)) {
        *kty = MV_KTY_RSA;
        *hsm = s[3] != '\0';
        return true;
    }
    if (s && (strcmp(s, "EC") == 0 || strcmp(s, "EC-HSM") == 0)) {
        *kty = MV_KTY_EC;
        *hsm = s[2] != '\0';
        return true;
    }
    /* [UNCERTAIN] text; the message says what to fix. */
    mv_vault_bad_parameter(r, NULL,
                           !j ? "Property 'kty' is required."
                              : "Property 'kty' must be one of RSA, RSA-HSM, EC, EC-HSM (oct keys "
                                "are served by Managed HSM only).");
    return false;
}

/* key_ops: an array of JWK operation names, kept in the order given (spec §2). */
static bool ops_or_reply(struct mv_req *r, const cJSON *j, unsigned char *ops, size_t *n)
{
    const cJSON *it;

    *n = 0;
    if (!cJSON_IsArray(j))
        goto bad;
    cJSON_ArrayForEach(it, j) {
        size_t k = 0;
        if (!cJSON_IsString(it) || *n == MV_KEY_OPS_MAX)
            goto bad;
        while (mv_key_op_names[k] && strcmp(mv_key_op_names[k], it->valuestring) != 0)
            k++;
        if (!mv_key_op_names[k])
            goto bad;
        ops[(*n)++] = (unsigned char)k;
    }
    return true;
bad:
    mv_vault_bad_parameter(r, NULL,
                           "Property 'key_ops' must be an array of encrypt, decrypt, sign, verify, "
                           "wrapKey, unwrapKey, import, export.");
    return false;
}

/* The policy JSON as the service re-serialises it (spec §2): compact, "version" first and
 * "authority" before the rest in every object, the other members in the order given. */
static cJSON *canon_policy(const cJSON *j)
{
    static const char *const first[] = {"version", "authority"};
    cJSON *o, *it;

    if (!cJSON_IsObject(j) && !cJSON_IsArray(j))
        return cJSON_Duplicate(j, true);
    o = cJSON_IsArray(j) ? cJSON_CreateArray() : cJSON_CreateObject();
    if (cJSON_IsArray(j)) {
        cJSON_ArrayForEach(it, j)
            cJSON_AddItemToArray(o, canon_policy(it));
        return o;
    }
    for (size_t k = 0; k < 2; k++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, first[k]);
        if (f)
            cJSON_AddItemToObject(o, first[k], canon_policy(f));
    }
    cJSON_ArrayForEach(it, j)
        if (strcmp(it->string, first[0]) != 0 && strcmp(it->string, first[1]) != 0)
            cJSON_AddItemToObject(o, it->string, canon_policy(it));
    return o;
}

/* release_policy {contentType, data (base64url of the policy JSON), immutable}. Fills *p with
 * malloc'd strings (caller frees content_type and data). */
static bool release_or_reply(struct mv_req *r, const cJSON *j, struct mv_release_policy *p)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
    const cJSON *imm = cJSON_GetObjectItemCaseSensitive(j, "immutable");
    unsigned char *raw = NULL;
    size_t len = 0;
    cJSON *pj = NULL, *cj = NULL;
    char *text = NULL;
    bool ok = false;

    memset(p, 0, sizeof *p);
    if (!cJSON_IsObject(j) || !cJSON_IsString(data) || (imm && !cJSON_IsBool(imm)))
        goto bad;
    raw = cx_b64_decode(data->valuestring, strlen(data->valuestring), MV_B64_LENIENT, &len);
    pj = raw ? cJSON_ParseWithLength((const char *)raw, len) : NULL;
    if (!cJSON_IsObject(pj))
        goto bad;
    cj = canon_policy(pj);
    text = cj ? cJSON_PrintUnformatted(cj) : NULL;
    p->data = text ? cx_b64url_encode(text, strlen(text)) : NULL;
    p->content_type = strdup("application/json; charset=utf-8");
    p->immutable = cJSON_IsTrue(imm);
    if (!p->data || !p->content_type) {
        mv_vault_reply_common_err(r, MV_E_NOMEM);
        goto out;
    }
    ok = true;
    goto out;
bad:
    mv_vault_bad_parameter(r, NULL,
                           "Property 'release_policy' must be an object whose 'data' is the "
                           "base64url of a JSON policy object.");
out:
    if (!ok) {
        free(p->data);
        free(p->content_type);
        memset(p, 0, sizeof *p);
    }
    free(raw);
    free(text);
    cJSON_Delete(pj);
    cJSON_Delete(cj);
    return ok;
}

/* What create, import and update share: key_ops, attributes, tags, release_policy. */
struct key_fields {
    bool has_ops;
    unsigned char ops[MV_KEY_OPS_MAX];
    size_t nops;
    struct mv_attr_fields attrs;
    bool exportable;
    bool has_tags;
    struct mv_tags tags; /* items owned, strings borrowed */
    bool has_release;
    struct mv_release_policy release; /* owned strings */
};

static void key_fields_finish(struct key_fields *f)
{
    free(f->tags.items);
    free(f->release.data);
    free(f->release.content_type);
}

/* ops_json: where key_ops sit (the body for create and update, the JWK for import). */
static bool key_fields_or_reply(struct mv_req *r, const cJSON *body, const cJSON *ops_json,
                                struct key_fields *f)
{
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(body, "attributes");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(body, "release_policy");
    const cJSON *exp =
        cJSON_IsObject(attrs) ? cJSON_GetObjectItemCaseSensitive(attrs, "exportable") : NULL;

    memset(f, 0, sizeof *f);
    if (ops_json && !cJSON_IsNull(ops_json)) {
        if (!ops_or_reply(r, ops_json, f->ops, &f->nops))
            return false;
        f->has_ops = true;
    }
    if (!mv_vault_attrs_or_reply(r, attrs, &f->attrs))
        return false;
    if (exp && !cJSON_IsNull(exp)) {
        if (!cJSON_IsBool(exp)) {
            mv_vault_bad_parameter(r, NULL,
                                   "Property 'attributes.exportable' must be true or false.");
            return false;
        }
        f->exportable = cJSON_IsTrue(exp);
    }
    if (tags && !cJSON_IsNull(tags)) {
        if (!mv_vault_tags_or_reply(r, tags, &f->tags))
            return false;
        f->has_tags = true;
    }
    if (rel && !cJSON_IsNull(rel)) {
        if (!release_or_reply(r, rel, &f->release))
            return false;
        f->has_release = true;
    }
    return true;
}

/* Stores a new version made of mat and f (create and import). The store takes a reference of its
 * own; the caller releases its own whatever the result. */
static enum MHD_Result store_new_key(struct mv_req *r, const char *name, struct mv_keymat *mat,
                                     bool hsm, const struct key_fields *f)
{
    struct mv_key_input in;
    struct mv_object_view kv;
    enum mv_err e;
    int ok;

    /* [SPEC] exportable keys need a release policy. [UNCERTAIN] text. */
    if (f->exportable && !f->has_release)
        return mv_vault_bad_parameter(r, NULL,
                                      "An exportable key requires a release policy "
                                      "('release_policy').");
    memset(&in, 0, sizeof in);
    memset(&kv, 0, sizeof kv);
    in.mat = mat;
    in.hsm = hsm;
    in.has_ops = f->has_ops;
    in.ops = f->ops;
    in.nops = f->nops;
    in.tags = f->has_tags ? &f->tags : NULL;
    MV_VAULT_COPY_ATTRS(in, f->attrs);
    in.exportable = f->exportable;
    in.release = f->has_release ? &f->release : NULL;
    e = mv_store_create_key(r->srv->store, r->vault, name, &in, mv_req_now(r), &kv);
    ok = e == MV_OK ? mv_reply_key(r, &kv, 0) : mv_keys_store_err(r, e, name, NULL);
    mv_object_view_finish(&kv);
    return ok;
}

/* ---- Create and import ---- */

/* What a create body asks to generate; replies 400 and returns false on a bad one. */
static bool create_spec_or_reply(struct mv_req *r, const cJSON *body, struct mv_key_spec *spec,
                                 bool *hsm)
{
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(body, "key_size");
    const cJSON *crv = cJSON_GetObjectItemCaseSensitive(body, "crv");
    const cJSON *pe = cJSON_GetObjectItemCaseSensitive(body, "public_exponent");
    char msg[160];

    memset(spec, 0, sizeof *spec);
    if (!kty_or_reply(r, cJSON_GetObjectItemCaseSensitive(body, "kty"), &spec->kty, hsm))
        return false;
    if (spec->kty == MV_KTY_RSA) {
        spec->bits = 2048;
        if (size && !cJSON_IsNull(size)) {
            double v = cJSON_IsNumber(size) ? size->valuedouble : -1;
            if (v != 2048 && v != 3072 && v != 4096) {
                /* [USER azure-cli#2613] "Unsupported key size"; the rest by analogy. */
                snprintf(msg, sizeof msg,
                         "Unsupported key size (%.0f). Supported sizes are [2048, 3072, 4096]",
                         v >= 0 && v < 1e9 ? v : 0);
                mv_vault_bad_parameter(r, NULL, msg);
                return false;
            }
            spec->bits = (unsigned)v;
        }
        if (pe && !cJSON_IsNull(pe) && !(cJSON_IsNumber(pe) && pe->valuedouble == 65537)) {
            mv_vault_bad_parameter(r, NULL, "Property 'public_exponent' must be 65537.");
            return false;
        }
        return true;
    }
    spec->crv = MV_CRV_P256;
    if (crv && !cJSON_IsNull(crv) &&
        (!cJSON_IsString(crv) || !mv_crv_parse(crv->valuestring, &spec->crv))) {
        mv_vault_bad_parameter(r, NULL,
                               "Property 'crv' must be one of P-256, P-256K, P-384, P-521.");
        return false;
    }
    return true;
}

/* The material a create body asks for, generated. Replies and returns false on a bad body. */
static bool generate_or_reply(struct mv_req *r, const cJSON *body, struct mv_keymat **mat,
                              bool *hsm)
{
    struct mv_key_spec spec;
    enum mv_km_err ke;

    if (!create_spec_or_reply(r, body, &spec, hsm))
        return false;
    ke = mv_key_generate(&spec, mat);
    if (ke != MV_KM_OK)
        mv_keys_km_err(r, ke);
    return ke == MV_KM_OK;
}

/* The JWK parts of an import, decoded (caller frees with free_parts). */
static const char *const part_names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi", "x", "y"};
#define NPARTS (sizeof part_names / sizeof part_names[0])

static struct mv_bytes *part_slot(struct mv_jwk_parts *p, size_t i)
{
    struct mv_bytes *slots[NPARTS] = {&p->n,  &p->e,  &p->d,  &p->p, &p->q,
                                      &p->dp, &p->dq, &p->qi, &p->x, &p->y};
    return slots[i];
}

static void free_parts(struct mv_jwk_parts *p)
{
    for (size_t i = 0; i < NPARTS; i++) {
        struct mv_bytes *b = part_slot(p, i);
        cx_wipe_free((void *)b->data, b->len);
    }
}

static bool parts_or_reply(struct mv_req *r, const cJSON *jwk, struct mv_jwk_parts *p)
{
    const cJSON *crv = cJSON_GetObjectItemCaseSensitive(jwk, "crv");
    char msg[128];

    for (size_t i = 0; i < NPARTS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(jwk, part_names[i]);
        struct mv_bytes *b = part_slot(p, i);
        size_t len = 0;
        if (!v || cJSON_IsNull(v))
            continue;
        b->data = cJSON_IsString(v)
                      ? cx_b64_decode(v->valuestring, strlen(v->valuestring), MV_B64_LENIENT, &len)
                      : NULL;
        b->len = len;
        if (!b->data) {
            snprintf(msg, sizeof msg, "Content of 'key.%s' is not base64url.", part_names[i]);
            mv_vault_bad_parameter(r, NULL, msg);
            return false;
        }
    }
    if (p->kty == MV_KTY_EC && (!cJSON_IsString(crv) || !mv_crv_parse(crv->valuestring, &p->crv))) {
        mv_vault_bad_parameter(r, NULL,
                               "Property 'key.crv' must be one of P-256, P-256K, P-384, P-521.");
        return false;
    }
    return true;
}

/* The material of an import body's JWK (with "Hsm" or an -HSM kty). Replies and returns false
 * on a bad or inconsistent key. */
static bool import_or_reply(struct mv_req *r, const cJSON *body, const cJSON *jwk,
                            struct mv_keymat **mat, bool *hsm)
{
    struct mv_jwk_parts parts;
    enum mv_km_err ke = MV_KM_BAD_KEY;
    bool ok = false;

    memset(&parts, 0, sizeof parts);
    if (!kty_or_reply(r, cJSON_GetObjectItemCaseSensitive(jwk, "kty"), &parts.kty, hsm) ||
        !parts_or_reply(r, jwk, &parts))
        goto out;
    *hsm = *hsm || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "Hsm"));
    ke = mv_keymat_import(&parts, mat);
    ok = ke == MV_KM_OK;
    if (!ok)
        mv_keys_km_err(r, ke);
out:
    free_parts(&parts);
    return ok;
}

/* CreateKey (POST /keys/{n}/create) and ImportKey (PUT /keys/{n}): the same fields, material
 * generated or imported; key_ops sit in the body for a create, in the JWK for an import. */
static enum MHD_Result new_key(struct mv_req *r, bool import)
{
    const char *name = r->cap[0];
    cJSON *body = NULL;
    const cJSON *jwk = NULL;
    struct key_fields f;
    struct mv_keymat *mat = NULL;
    bool hsm = false;
    int ok = MHD_YES;

    memset(&f, 0, sizeof f);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    jwk = import ? cJSON_GetObjectItemCaseSensitive(body, "key") : NULL;
    if (import && !cJSON_IsObject(jwk)) {
        ok = mv_vault_bad_parameter(r, NULL, "Property 'key' (a JSON Web Key) is required.");
        goto out;
    }
    if (!key_fields_or_reply(r, body,
                             cJSON_GetObjectItemCaseSensitive(import ? jwk : body, "key_ops"), &f))
        goto out;
    if (import ? import_or_reply(r, body, jwk, &mat, &hsm) : generate_or_reply(r, body, &mat, &hsm))
        ok = store_new_key(r, name, mat, hsm, &f);
out:
    mv_keymat_unref(mat);
    key_fields_finish(&f);
    cJSON_Delete(body);
    return ok;
}

static enum MHD_Result h_create(struct mv_req *r)
{
    return new_key(r, false);
}

static enum MHD_Result h_import(struct mv_req *r)
{
    return new_key(r, true);
}

/* ---- Get and update ---- */

static enum MHD_Result h_get(struct mv_req *r)
{
    struct mv_object_view kv;
    int ok = MHD_YES;

    /* A disabled key is still readable (spec §0): only crypto refuses it. */
    if (mv_keys_get_or_reply(r, r->cap[0], r->cap[1], &kv))
        ok = mv_reply_key(r, &kv, 0);
    mv_object_view_finish(&kv);
    return ok;
}

static enum MHD_Result h_update(struct mv_req *r)
{
    const char *name = r->cap[0], *version = r->cap[1];
    cJSON *body = NULL;
    struct key_fields f;
    struct mv_key_update upd;
    struct mv_object_view kv;
    enum mv_err e;
    int ok = MHD_YES;

    memset(&f, 0, sizeof f);
    memset(&kv, 0, sizeof kv);
    if (!mv_vault_name_ok(name))
        return mv_vault_reply_bad_name(r, name);
    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    if (!key_fields_or_reply(r, body, cJSON_GetObjectItemCaseSensitive(body, "key_ops"), &f))
        goto out;
    memset(&upd, 0, sizeof upd);
    upd.has_ops = f.has_ops;
    upd.ops = f.ops;
    upd.nops = f.nops;
    upd.has_tags = f.has_tags;
    upd.tags = &f.tags;
    MV_VAULT_COPY_ATTRS(upd, f.attrs);
    upd.has_release = f.has_release;
    upd.release = &f.release;
    /* A disabled key can be updated, even to a past exp [REC R-JS22]. */
    e = mv_store_update_key(r->srv->store, r->vault, name, version, &upd, mv_req_now(r), &kv);
    ok = e == MV_OK ? mv_reply_key(r, &kv, 0) : mv_keys_store_err(r, e, name, version);
out:
    mv_object_view_finish(&kv);
    key_fields_finish(&f);
    cJSON_Delete(body);
    return ok;
}

/* ---- Soft delete ---- */

/* Delete, get-deleted, recover and purge answer as every family does (common.c); recover of a
 * name that was never deleted is the standard KeyNotFound [REC R-NET24]. */
static const struct mv_vault_family family = {MV_OBJ_KEY, mv_reply_key, MV_KEY_DELETED, 0,
                                              mv_keys_store_err};

MV_VAULT_BY_NAME_HANDLERS(family)

/* ---- Lists ---- */

static enum MHD_Result h_list(struct mv_req *r)
{
    return mv_vault_list(r, MV_OBJ_KEY, MV_LIST_LIVE, NULL, "/keys", mv_reply_key_page,
                         MV_KEY_BASE_ID, mv_keys_store_err);
}

static enum MHD_Result h_list_deleted(struct mv_req *r)
{
    return mv_vault_list(r, MV_OBJ_KEY, MV_LIST_DELETED, NULL, "/deletedkeys", mv_reply_key_page,
                         MV_KEY_BASE_ID | MV_KEY_DELETED, mv_keys_store_err);
}

static enum MHD_Result h_versions(struct mv_req *r)
{
    char path[200];

    if (!mv_vault_name_ok(r->cap[0]))
        return mv_vault_reply_bad_name(r, r->cap[0]);
    snprintf(path, sizeof path, "/keys/%s/versions", r->cap[0]);
    return mv_vault_list(r, MV_OBJ_KEY, MV_LIST_VERSIONS, r->cap[0], path, mv_reply_key_page, 0,
                         mv_keys_store_err);
}

/* ---- Backup and restore ---- */

/* The blob's additional data: a key's blob never opens as a secret's, nor the reverse. */
static const char blob_aad[] = "mockvault-key-backup-v1";

static enum MHD_Result h_backup(struct mv_req *r)
{
    /* The private parts are in the blob's plaintext: mv_vault_backup wipes it after sealing. */
    return mv_vault_backup(r, MV_OBJ_KEY, mv_state_key_to_json, blob_aad, mv_keys_store_err);
}

static enum MHD_Result malformed_blob(struct mv_req *r)
{
    /* The keys' own text [REC R-NET24], unlike the secrets' one. */
    return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "Malformed backup blob", NULL,
                             "Backup blob is corrupt.");
}

static enum MHD_Result h_restore(struct mv_req *r)
{
    struct mv_object *k =
        mv_vault_restore_object_or_reply(r, blob_aad, mv_state_key_from_json, malformed_blob);
    struct mv_object_view kv;
    char kid[400];
    enum mv_err e;
    int ok;

    if (!k)
        return MHD_YES;
    memset(&kv, 0, sizeof kv);
    snprintf(kid, sizeof kid, "%s/keys/%s/%s", r->base_url, k->name,
             k->versions[k->nversions - 1].id);
    e = mv_store_restore(r->srv->store, MV_OBJ_KEY, r->vault, k, &kv);
    if (e == MV_OK) {
        k = NULL; /* the store owns it now */
        ok = mv_reply_key(r, &kv, 0);
    } else if (e == MV_E_EXISTS) {
        /* The recorded 409 text (616 B for its kid) [REC R-PY26]. */
        ok = mv_reply_kv_error(
            r, MHD_HTTP_CONFLICT, "Conflict", NULL,
            "There was a conflict restoring the key '%s'. This can happen if either: a second key "
            "with the same name was created after the first key was deleted; thus trying to "
            "restore a key whose name is already in use. To fix this, rename the second key to "
            "something else so that the restore works. The second probable cause of this "
            "exception is when multiple operations are performed in parallel against the key. To "
            "avoid this error, perform operations against a key in a sequential manner.",
            kid);
    } else {
        ok = mv_keys_store_err(r, e, "", NULL);
    }
    if (k) {
        mv_object_finish(k);
        free(k);
    }
    mv_object_view_finish(&kv);
    return ok;
}

/* ---- Throttle classes (keys.h) ---- */

static enum mv_throttle_key_type type_of(enum mv_kty kty, unsigned bits)
{
    if (kty == MV_KTY_EC)
        return MV_TKEY_EC;
    /* Some slack: an imported n's length counts a leading zero byte some encoders add. */
    return bits > 3072 + 8 ? MV_TKEY_RSA4096
                           : (bits > 2048 + 8 ? MV_TKEY_RSA3072 : MV_TKEY_RSA2048);
}

/* The type a create or import body asks for (RSA-2048 when it does not say). */
static enum mv_throttle_class class_of_body(struct mv_req *r, bool import)
{
    cJSON *body = mv_req_json(r);
    const cJSON *src = import ? cJSON_GetObjectItemCaseSensitive(body, "key") : body;
    const cJSON *kty = cJSON_GetObjectItemCaseSensitive(src, "kty");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(src, "key_size");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(src, "n");
    const char *k = cJSON_IsString(kty) ? kty->valuestring : "RSA";
    unsigned bits = cJSON_IsNumber(size) ? (unsigned)(size->valueint > 0 ? size->valueint : 0) : 0;
    bool hsm = strstr(k, "-HSM") != NULL;
    enum mv_kty kt = strncmp(k, "EC", 2) == 0 ? MV_KTY_EC : MV_KTY_RSA;

    /* An imported modulus of L base64url characters has about 6L bits. */
    if (import && cJSON_IsString(n))
        bits = (unsigned)(strlen(n->valuestring) * 6 / 8) * 8;
    cJSON_Delete(body); /* k pointed into it: not used below */
    return MV_THROTTLE_KEY(type_of(kt, bits), hsm, true);
}

enum mv_throttle_class mv_keys_throttle_class(struct mv_req *r)
{
    const struct mv_op *op = r->op;
    bool create = op->throttle == MV_THROTTLE_KEY_CREATION;
    enum mv_throttle_class cls = op->throttle;
    const struct mv_data *d;
    const struct mv_object *o;

    /* Create (POST) and import (PUT) are the creations that carry a body; rotate has none. */
    if (create && op->needs_body)
        return class_of_body(r, strcmp(r->method, "PUT") == 0);
    if (op->scope != MV_SCOPE_OBJECT || !r->cap[0] || strncasecmp(r->path, "/keys/", 6) != 0)
        return cls;
    d = mv_store_rdlock(r->srv->store);
    o = mv_vault_object(mv_data_vault(d, r->vault), MV_OBJ_KEY, r->cap[0]);
    if (o && !o->deleted && o->nversions) {
        const struct mv_version *v = &o->versions[o->nversions - 1];
        for (size_t i = 0; r->cap[1] && r->cap[1][0] && i < o->nversions; i++)
            if (strcasecmp(o->versions[i].id, r->cap[1]) == 0)
                v = &o->versions[i];
        if (v->key && v->key->mat)
            cls = MV_THROTTLE_KEY(type_of(mv_keymat_kty(v->key->mat), mv_keymat_bits(v->key->mat)),
                                  v->key->hsm, create);
    }
    mv_store_unlock(r->srv->store);
    return cls;
}

/* ---- The operation table ---- */

/* The keys family (spec §1). Access-policy permissions and RBAC data actions from the spec's
 * table; deleted-key reads use keys/read [UNCERTAIN exact action]. Object scope: an assignment at
 * /keys/{name} grants the operation; collections, restore (the name is inside the blob) and rng
 * need the vault scope. Version-less crypto paths (/keys/n/sign) resolve the current version;
 * the empty version (/keys/n//sign) means the same. GetRandomBytes needs no permission: a vault
 * has none for it (Managed HSM only, served everywhere here, spec §3.11). */
/* One operation per row reads as a table. */
/* clang-format off */
#define KA "Microsoft.KeyVault/vaults/keys/"
#define KRP "Microsoft.KeyVault/vaults/keyrotationpolicies/"
#define KOP(method, pattern, fn, name, body, perm, action, scope)                                  \
    MV_VAULT_OP(method, pattern, fn, name, body, MV_FAMILY_KEYS, perm, action, scope, MV_THROTTLE_KEY_OTHER)
#define KNEW(method, pattern, fn, name, perm, action)                                              \
    MV_VAULT_OP(method, pattern, fn, name, true, MV_FAMILY_KEYS, perm, action, MV_SCOPE_OBJECT, MV_THROTTLE_KEY_CREATION)
/* A crypto operation: version-less, and with a (possibly empty) version. */
#define KCRYPTO(op, fn, name, perm, action)                                                        \
    KOP("POST", "/keys/{}/" op, fn, name, true, perm, KA action, MV_SCOPE_OBJECT),                 \
    KOP("POST", "/keys/{}/{?}/" op, fn, name, true, perm, KA action, MV_SCOPE_OBJECT)
const struct mv_op mv_keys_ops[] = {
    KOP("GET", "/keys", h_list, "GetKeys", false, MV_KPERM_LIST, KA "read", MV_SCOPE_VAULT),
    KOP("POST", "/keys/restore", h_restore, "RestoreKey", true, MV_KPERM_RESTORE, KA "restore/action", MV_SCOPE_VAULT),
    KOP("POST", "/keys//restore", h_restore, "RestoreKey", true, MV_KPERM_RESTORE, KA "restore/action", MV_SCOPE_VAULT),
    KOP("GET", "/keys/{}/versions", h_versions, "GetKeyVersions", false, MV_KPERM_LIST, KA "read", MV_SCOPE_OBJECT),
    KNEW("POST", "/keys/{}/create", h_create, "CreateKey", MV_KPERM_CREATE, KA "create/action"),
    KNEW("PUT", "/keys/{}", h_import, "ImportKey", MV_KPERM_IMPORT, KA "import/action"),
    KOP("DELETE", "/keys/{}", h_delete, "DeleteKey", false, MV_KPERM_DELETE, KA "delete", MV_SCOPE_OBJECT),
    KOP("POST", "/keys/{}/backup", h_backup, "BackupKey", false, MV_KPERM_BACKUP, KA "backup/action", MV_SCOPE_OBJECT),
    MV_VAULT_OP("POST", "/keys/{}/rotate", mv_keys_h_rotate, "RotateKey", false, MV_FAMILY_KEYS, MV_KPERM_ROTATE, KA "rotate/action", MV_SCOPE_OBJECT, MV_THROTTLE_KEY_CREATION),
    KOP("GET", "/keys/{}/rotationpolicy", mv_keys_h_get_policy, "GetKeyRotationPolicy", false, MV_KPERM_GETROTATIONPOLICY, KRP "read", MV_SCOPE_OBJECT),
    KOP("PUT", "/keys/{}/rotationpolicy", mv_keys_h_set_policy, "UpdateKeyRotationPolicy", true, MV_KPERM_SETROTATIONPOLICY, KRP "write", MV_SCOPE_OBJECT),
    KCRYPTO("encrypt", mv_keys_h_encrypt, "Encrypt", MV_KPERM_ENCRYPT, "encrypt/action"),
    KCRYPTO("decrypt", mv_keys_h_decrypt, "Decrypt", MV_KPERM_DECRYPT, "decrypt/action"),
    KCRYPTO("wrapkey", mv_keys_h_wrap, "WrapKey", MV_KPERM_WRAP, "wrap/action"),
    KCRYPTO("unwrapkey", mv_keys_h_unwrap, "UnwrapKey", MV_KPERM_UNWRAP, "unwrap/action"),
    KCRYPTO("sign", mv_keys_h_sign, "Sign", MV_KPERM_SIGN, "sign/action"),
    KCRYPTO("verify", mv_keys_h_verify, "Verify", MV_KPERM_VERIFY, "verify/action"),
    KCRYPTO("release", mv_keys_h_release, "Release", MV_KPERM_RELEASE, "release/action"),
    KOP("GET", "/keys/{}/{?}/attestation", mv_keys_h_attestation, "GetKeyAttestation", false, MV_KPERM_GET, KA "read", MV_SCOPE_OBJECT),
    KOP("GET", "/keys/{}/{?}", h_get, "GetKey", false, MV_KPERM_GET, KA "read", MV_SCOPE_OBJECT),
    KOP("PATCH", "/keys/{}/{?}", h_update, "UpdateKey", true, MV_KPERM_UPDATE, KA "update/action", MV_SCOPE_OBJECT),
    KOP("GET", "/deletedkeys", h_list_deleted, "GetDeletedKeys", false, MV_KPERM_LIST, KA "read", MV_SCOPE_VAULT),
    KOP("POST", "/deletedkeys/{}/recover", h_recover, "RecoverDeletedKey", false, MV_KPERM_RECOVER, KA "recover/action", MV_SCOPE_OBJECT),
    KOP("GET", "/deletedkeys/{}", h_get_deleted, "GetDeletedKey", false, MV_KPERM_GET, KA "read", MV_SCOPE_OBJECT),
    KOP("DELETE", "/deletedkeys/{}", h_purge, "PurgeDeletedKey", false, MV_KPERM_PURGE, KA "purge/action", MV_SCOPE_OBJECT),
    KOP("POST", "/rng", mv_keys_h_rng, "GetRandomBytes", true, 0, NULL, MV_SCOPE_VAULT),
    MV_OP_END,
};
/* clang-format on */
