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
/* state-secrets.c: one entry of "secrets" or "deletedSecrets", or a backup blob. */
int st_parse_secret(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                    int retention_days);
/* state-vaults.c: d->vaults[index], checked against d's tenants and the vaults before it. */
int st_parse_vault(struct pctx *c, const cJSON *j, const struct mv_data *d, size_t index);

#endif
