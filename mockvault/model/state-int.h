/* state-int.h: what the parser's files (state.c, state-read.c, state-tenants.c, state-secrets.c,
 * state-vaults.c) share. Private to mockvault/model: nothing outside it includes this file. */
#ifndef MV_STATE_INT_H
#define MV_STATE_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "store.h"

/* Limits from spec/keyvault-secrets.md §5. */
#define MAX_VALUE_CHARS 25600
#define MAX_CONTENT_TYPE_CHARS 255
#define MAX_TAGS 15
#define MAX_SECRET_NAME 127
#define MIN_VAULT_NAME 3
#define MAX_VAULT_NAME 24
#define MIN_RETENTION_DAYS 7
#define MAX_RETENTION_DAYS 90
#define SECONDS_PER_DAY 86400

/* Longest name or field echoed in an error message. */
#define SHOW_MAX 64

/* ---- Parse context: source, clock, error buffer and the JSON path being read ---- */

struct pctx {
    const char *source; /* file name or a description, first in every message */
    int64_t now;        /* the mock clock, for relative times and defaults */
    bool has_now;       /* false for backup blobs: relative times and clock defaults are errors */
    bool own;           /* the mock's own snapshot or sealed blob (see mv_jwk_parts.own) */
    char *err;
    size_t errlen;
    bool failed;     /* the first error wins; later ones are not recorded */
    char path[1024]; /* "$.vaults[0].secrets[1]..." */
    size_t plen;
};

/* A printable, bounded copy of s for quoting a name in a message (never use it on values). */
struct shown {
    char s[SHOW_MAX + 8];
};

/* Which list a secret entry comes from decides the fields it may carry. */
enum secret_kind {
    SECRET_LIVE,    /* an entry of "secrets" */
    SECRET_DELETED, /* an entry of "deletedSecrets" */
    SECRET_BLOB,    /* a backup blob: deleted when it carries the deletion dates */
};

/* ---- state-read.c: the context, value checks and typed field readers. Each reader returns 0
 * (field read, or absent and optional) or -1 after st_fail() recorded why. ---- */

/* Each push returns the old length, which the matching st_path_pop restores. */
size_t st_path_key(struct pctx *c, const char *key);
size_t st_path_index(struct pctx *c, size_t i);
void st_path_pop(struct pctx *c, size_t old);
void st_fail(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct shown st_show(const char *s);
const char *st_type_name(const cJSON *j);

bool st_valid_secret_name(const char *s);
bool st_valid_vault_name(const char *s);
bool st_valid_alias(const char *s);

int st_check_fields(struct pctx *c, const cJSON *obj, const char *const *allowed);
int st_expect_object(struct pctx *c, const cJSON *j, const char *const *allowed);
int st_get_str(struct pctx *c, const cJSON *obj, const char *key, bool required, bool nonempty,
               char **out);
int st_get_bool(struct pctx *c, const cJSON *obj, const char *key, bool *out);
int st_get_int(struct pctx *c, const cJSON *obj, const char *key, int min, int max, int *out);
int st_get_time(struct pctx *c, const cJSON *obj, const char *key, bool *has, int64_t *out);
int st_get_array(struct pctx *c, const cJSON *obj, const char *key, const cJSON **out);
int st_get_strv(struct pctx *c, const cJSON *obj, const char *key, char ***out, size_t *n);
void *st_alloc_items(struct pctx *c, const cJSON *arr, size_t size, size_t *n);
int st_gen_guid(struct pctx *c, char **out);
int st_default_copy(struct pctx *c, char **dst, const char *src);
int st_parse_tags(struct pctx *c, const cJSON *j, struct mv_tags *tags);

/* ---- The parts of the document; each fills a zeroed struct (the caller frees it on failure). */

/* state-tenants.c: one entry of "tenants". */
int st_parse_tenant(struct pctx *c, const cJSON *j, struct mv_tenant *t);
/* One certificate entry {"pem": "..."} or {"file": "..."} (relative to the fixture file): an
 * app's certificate credential or an attestation authority's signing certificate (RSA). */
int st_parse_cert(struct pctx *c, const cJSON *j, struct mv_app_cert *cert);
/* state-attest.c: the document's "attestationAuthorities" (absent: none). */
int st_parse_authorities(struct pctx *c, const cJSON *root, struct mv_data *d);
/* state-secrets.c: the object lists every family shares, and the secrets'. */
/* What differs between the families' entries. */
struct st_family {
    const char *word;                  /* "secret", "key": in messages */
    const char *const *live_fields;    /* the fields of an entry of the live list */
    const char *const *deleted_fields; /* of the deleted list and of backup blobs */
    /* Parses version i of the object into v (zeroed), arg as given to st_parse_object. */
    int (*parse_version)(struct pctx *c, const cJSON *j, struct mv_version *v, size_t i, void *arg);
};
extern const struct st_family st_secret_family;
/* One entry of a live or deleted list, or a backup blob: name, deletion dates, versions (with
 * duplicate ids refused and missing ones generated). */
int st_parse_object(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                    int retention_days, const struct st_family *fam, void *arg);
/* The attributes every version has: tags, enabled, nbf, exp, created, updated, id. */
int st_parse_version_attrs(struct pctx *c, const cJSON *j, struct mv_version *v);
int st_parse_secret(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                    int retention_days);
/* A backup blob parsed with parse under a clock-less context ("backup blob: $..." messages).
 * Returns the object (caller frees with mv_object_finish + free), or NULL with err filled. */
typedef int (*st_blob_fn)(struct pctx *c, const cJSON *j, struct mv_object *s);
struct mv_object *st_object_from_json(const cJSON *j, st_blob_fn parse, char *err, size_t errlen);

/* state-keys.c: one entry of "keys" or "deletedKeys" of vault vault_name, or a backup blob
 * (vault_name NULL: key material must be given, never generated). */
int st_parse_key(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                 int retention_days, const char *vault_name);
/* The whole key as a JWK (private parts included) at c's path + "jwk" (st_parse_jwk, state-keys.c)
 * and back (st_jwk_to_json, state-write.c; NULL when out of memory): the form snapshots and
 * backups keep a key in. */
int st_parse_jwk(struct pctx *c, const cJSON *jwk, struct mv_keymat **mat);
cJSON *st_jwk_to_json(const struct mv_keymat *km);
/* The seed of a generated fixture key (state-keys.c): SHA-256 over the mock's seed, the vault, the
 * object's name and the version's index, so every key is repeatable under --seed and independent
 * of how many ids were drawn before it. 0, or -1 when out of memory. */
int st_key_seed(const char *vault, const char *name, size_t index, uint64_t seed,
                unsigned char out[32]);
/* A version's "keyOps" into k (Key Vault's defaults for kty when absent; state-keys.c). */
int st_parse_key_ops(struct pctx *c, const cJSON *j, struct mv_key_info *k, enum mv_kty kty);
/* Writers shared by the exports (state-write.c), false when out of memory: one member (a NULL
 * string is left out: that is how optional fields say "absent"), a version's tags (nothing when
 * absent), and the attributes every version has (enabled, nbf, exp, created, updated, id). */
bool st_put_str(cJSON *o, const char *key, const char *s);
bool st_put_num(cJSON *o, const char *key, int64_t n);
bool st_put_bool(cJSON *o, const char *key, bool b);
bool st_put_tags(cJSON *o, const struct mv_tags *t);
bool st_put_version_attrs(cJSON *o, const struct mv_version *v);
/* A certificate's managed key or secret (every version of one is managed). */
static inline bool st_managed(const struct mv_object *s)
{
    return s->nversions > 0 && s->versions[s->nversions - 1].managed;
}

/* state-certs.c: one entry of "certificates" or "deletedCertificates" of vault v, whose managed
 * key and secret are built from it and appended to v's keys and secrets (a plain key or secret
 * of the name is an error); v's keys and secrets must have been read. */
int st_parse_certificate(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                         int retention_days, struct mv_vault *v);
/* state-certs-out.c: v's certificates into the vault's object o (nothing when it has none);
 * false when out of memory. */
bool st_certs_to_json(cJSON *o, const struct mv_vault *v);

/* state-certs-meta.c: a vault's "certificateContacts" and "certificateIssuers" (from the vault's
 * object j), and their export into the vault's object o (false when out of memory). */
int st_parse_cert_meta(struct pctx *c, const cJSON *j, struct mv_vault *v);
bool st_cert_meta_to_json(cJSON *o, const struct mv_vault *v);
/* state-vaults.c: d->vaults[index], checked against d's tenants and the vaults before it. */
int st_parse_vault(struct pctx *c, const cJSON *j, const struct mv_data *d, size_t index);

#endif
