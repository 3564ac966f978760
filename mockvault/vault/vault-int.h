/* vault-int.h: what the Key Vault families' handlers share (secrets.c, keys*.c): name and body
 * checks, tags and attributes, paging parameters and nextLink, the answers for store errors every
 * family words alike, and the sealed backup blobs. Internal to the vault layer. */
#ifndef MV_VAULT_INT_H
#define MV_VAULT_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "store.h"

#define MV_NAME_MAX 127
#define MV_PAGE_MAX 25

/* True when s is 1..127 characters of 0-9, a-z, A-Z and '-' (secrets spec §5, keys spec §7). */
bool mv_vault_name_ok(const char *s);

/* 400 BadParameter with msg (inner: innererror code or NULL). */
enum MHD_Result mv_vault_bad_parameter(struct mv_req *r, const char *inner, const char *msg);
/* 400 "The request URI contains an invalid name: NAME". */
enum MHD_Result mv_vault_reply_bad_name(struct mv_req *r, const char *name);
/* The answers every family gives alike: MV_E_NO_VAULT, MV_E_PURGE_PROTECTED, MV_E_PERSIST, the 409s
 * of a transition still in progress (MV_E_BEING_DELETED, MV_E_BEING_RECOVERED: worded with the
 * family's noun, taken from the operation's RBAC action, and the name r->cap[0]) and out of memory
 * (anything else). */
enum MHD_Result mv_vault_reply_common_err(struct mv_req *r, enum mv_err e);
/* 403 Forbidden for a direct write of a certificate's managed secret or key (MV_E_MANAGED):
 * 'Operation "set" is not allowed as this object's lifetime is managed by Key Vault.', the verb
 * taken from the operation (set, update, delete, create, import, rotate), innererror inner
 * ("SecretManagedByKeyVault", "KeyManagedByKeyVault"). */
enum MHD_Result mv_vault_reply_managed(struct mv_req *r, const char *inner);

/* Parses the JSON object body, replying 400 on failure. Caller frees *out with cJSON_Delete. */
bool mv_vault_body_or_reply(struct mv_req *r, cJSON **out);
/* Reads a tags object into t (items array malloc'd, strings borrowed from j; caller frees
 * t->items). Replies 400 and returns false when it is not acceptable. */
bool mv_vault_tags_or_reply(struct mv_req *r, const cJSON *j, struct mv_tags *t);

/* attributes {enabled, nbf, exp} of a request body. */
struct mv_attr_fields {
    bool has_enabled, enabled, has_nbf, has_exp;
    int64_t nbf, exp;
};
/* Reads attrs (may be NULL or null: nothing set). Replies 400 and returns false on a bad one. */
bool mv_vault_attrs_or_reply(struct mv_req *r, const cJSON *attrs, struct mv_attr_fields *f);
/* Copies attributes a into the store input or update dst (the store's structs share the names). */
#define MV_VAULT_COPY_ATTRS(dst, a)                                                                \
    do {                                                                                           \
        (dst).has_enabled = (a).has_enabled;                                                       \
        (dst).enabled = (a).enabled;                                                               \
        (dst).has_nbf = (a).has_nbf;                                                               \
        (dst).nbf = (a).nbf;                                                                       \
        (dst).has_exp = (a).has_exp;                                                               \
        (dst).exp = (a).exp;                                                                       \
    } while (0)

/* How a family answers: one object view in a shape, or a store error (name and version of the
 * URI). */
typedef enum MHD_Result (*mv_view_reply_fn)(struct mv_req *r, const struct mv_object_view *v,
                                            unsigned shape);
typedef enum MHD_Result (*mv_err_reply_fn)(struct mv_req *r, enum mv_err e, const char *name,
                                           const char *version);
/* A family's answers for the operations every family has by name (delete, get-deleted,
 * recover, purge): its object type, how it answers a view (deleted_shape: its shape flag of a
 * deleted bundle; recovered_shape: the shape of a recovered one) and a store error. */
struct mv_vault_family {
    enum mv_objtype type;
    mv_view_reply_fn reply;
    unsigned deleted_shape, recovered_shape;
    mv_err_reply_fn err;
};

/* Delete, get-deleted, recover and purge of the object r->cap[0] of family f: the name checked,
 * the store's operation, the view in the family's shape (purge: 204) or the store's error.
 * Recovering a name that is not deleted answers like a missing object (MV_E_NOT_FOUND), as every
 * family does on the service. */
enum MHD_Result mv_vault_h_delete(struct mv_req *r, const struct mv_vault_family *f);
enum MHD_Result mv_vault_h_get_deleted(struct mv_req *r, const struct mv_vault_family *f);
enum MHD_Result mv_vault_h_recover(struct mv_req *r, const struct mv_vault_family *f);
enum MHD_Result mv_vault_h_purge(struct mv_req *r, const struct mv_vault_family *f);
/* Defines a family's static h_delete, h_get_deleted, h_recover and h_purge on its descriptor
 * fam, for its operation table. */
/* clang-format off */
#define MV_VAULT_BY_NAME_HANDLERS(fam)                                                             \
    static enum MHD_Result h_delete(struct mv_req *r) { return mv_vault_h_delete(r, &(fam)); }     \
    static enum MHD_Result h_get_deleted(struct mv_req *r)                                         \
    { return mv_vault_h_get_deleted(r, &(fam)); }                                                  \
    static enum MHD_Result h_recover(struct mv_req *r) { return mv_vault_h_recover(r, &(fam)); }   \
    static enum MHD_Result h_purge(struct mv_req *r) { return mv_vault_h_purge(r, &(fam)); }
/* clang-format on */
/* 200 {"value":blob}: j's compact text (j taken over and deleted; NULL = out of memory, 500)
 * sealed with aad, the plaintext wiped. */
enum MHD_Result mv_vault_reply_sealed(struct mv_req *r, const char *aad, cJSON *j);
/* Backup of the object r->cap[0] of family t: {"value":blob} of to_json's text sealed with aad. */
enum MHD_Result mv_vault_backup(struct mv_req *r, enum mv_objtype t,
                                cJSON *(*to_json)(const struct mv_object *), const char *aad,
                                mv_err_reply_fn err);
/* The plaintext JSON inside a restore body's blob, opened with aad. Replies (malformed for
 * anything that is not an intact blob of the family) and returns NULL when there is none; the
 * caller deletes the tree. */
cJSON *mv_vault_restore_json_or_reply(struct mv_req *r, const char *aad,
                                      enum MHD_Result (*malformed)(struct mv_req *r));
/* The object inside a restore body's blob: opened with aad, read by from_json, its soft-delete
 * state cleared. Replies (malformed for anything that is not an intact blob of the family) and
 * returns NULL when there is none; the caller owns the result (mv_object_finish + free). */
struct mv_object *mv_vault_restore_object_or_reply(struct mv_req *r, const char *aad,
                                                   struct mv_object *(*from_json)(const cJSON *,
                                                                                  char *, size_t),
                                                   enum MHD_Result (*malformed)(struct mv_req *r));

/* Reads maxresults (1..25, default 25) and $skiptoken (our marker); *marker is malloc'd or NULL.
 * Replies 400 and returns false on a bad one. */
bool mv_vault_page_params_or_reply(struct mv_req *r, size_t *max, char **marker);
/* The absolute nextLink for the page after marker next on path (spec §1 paging), in out. Returns
 * false when out of memory. */
bool mv_vault_next_link(struct mv_req *r, const char *path, const char *next, size_t max, char *out,
                        size_t n);

/* Which listing of a family a page is of. */
enum mv_list_kind { MV_LIST_LIVE = 0, MV_LIST_DELETED, MV_LIST_VERSIONS };
/* How a family writes a page: {"value":[items in shape],"nextLink":next_link or null}. */
typedef enum MHD_Result (*mv_page_reply_fn)(struct mv_req *r, const struct mv_object_view *items,
                                            size_t n, unsigned shape, const char *next_link);
/* One page of family t's list (paging.c): the live objects, the deleted ones, or the versions of
 * name (MV_LIST_VERSIONS; NULL otherwise), at path ("/secrets", "/deletedkeys",
 * "/keys/N/versions") for the nextLink. Reads maxresults and $skiptoken, answers 400 for bad ones
 * and err for a store error. Full pages, or with --paging azure the service's short and empty
 * pages and the final {"value":[],"nextLink":null}, seeded. Every family's lists go through it. */
enum MHD_Result mv_vault_list(struct mv_req *r, enum mv_objtype t, enum mv_list_kind kind,
                              const char *name, const char *path, mv_page_reply_fn reply,
                              unsigned shape, mv_err_reply_fn err);
/* The same for a listing of the family's own (certificates with includePending): fetch reads up
 * to max items from marker (NULL or "" = the start) as the store's list functions do; ctx is
 * passed through; name (may be NULL) is what err is given. */
typedef enum mv_err (*mv_list_fetch_fn)(struct mv_req *r, const void *ctx, const char *marker,
                                        size_t max, struct mv_object_view **items, size_t *n,
                                        char **next);
enum MHD_Result mv_vault_list_fetch(struct mv_req *r, mv_list_fetch_fn fetch, const void *ctx,
                                    const char *name, const char *path, mv_page_reply_fn reply,
                                    unsigned shape, mv_err_reply_fn err);

/* Backup blobs (blob.c): base64url("MVBK1" | nonce | AES-256-GCM(plain) | tag) under the server's
 * backup key, with aad naming the family so a secret's blob never restores as a key. seal returns
 * the text (caller frees) or NULL when out of memory; open returns the plaintext (NUL-terminated,
 * caller wipes and frees, *len its length) or NULL for anything that is not an intact blob. */
char *mv_blob_seal(struct mv_server *srv, const char *aad, const char *plain, size_t len);
char *mv_blob_open(struct mv_server *srv, const char *aad, const char *text, size_t *len);

#endif
