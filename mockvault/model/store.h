/* store.h: the mock's data: tenants, applications, managed identities, users, vaults, secrets,
 * versions and soft delete. No HTTP and no JSON wire formats here; callers pass the mock clock's
 * "now" in, so the store never reads time itself. All operations are thread-safe (one rwlock). */
#ifndef MV_STORE_H
#define MV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Data model (also the in-memory form of a fixture or snapshot, see state.h) ---- */

struct mv_tag {
    char *name;
    char *value;
};

struct mv_tags {
    bool present; /* false: the "tags" key is omitted on the wire; true with n == 0: "tags":{} */
    size_t n;
    struct mv_tag *items; /* in insertion order */
};

struct mv_version {
    char id[33];        /* 32 lowercase hex */
    char *value;        /* owned; never logged */
    char *content_type; /* owned; NULL = absent */
    struct mv_tags tags;
    bool enabled;
    bool has_nbf, has_exp;
    int64_t nbf, exp;
    int64_t created, updated;
};

struct mv_secret {
    char *name;                  /* case as first created */
    struct mv_version *versions; /* creation order; the last one is the current version */
    size_t nversions;
    bool deleted; /* soft-deleted: only the deleted-secret operations see it */
    int64_t deleted_date;
    int64_t scheduled_purge_date;
};

struct mv_app_secret {
    char *value; /* owned; never logged */
    bool has_expires;
    int64_t expires;
};

/* A certificate credential of an app (spec/identity.md §1.1): the public certificate only, never a
 * private key. The thumbprints and validity are derived from pem when it is loaded
 * (mv_cert_load in assertion.h), so the token endpoint finds the key by x5t / x5t#S256 without
 * parsing every certificate. */
struct mv_app_cert {
    char *pem;                /* owned; exactly one "CERTIFICATE" block, as GnuTLS writes it */
    unsigned char sha1[20];   /* SHA-1 of the DER: the "x5t" of RS256 assertions */
    unsigned char sha256[32]; /* SHA-256 of the DER: the "x5t#S256" of PS256 assertions */
    int64_t not_before, not_after;
};

struct mv_app {
    char *display_name;
    char *client_id;
    char *object_id;
    struct mv_app_secret *secrets;
    size_t nsecrets;
    char **graph_roles;
    size_t ngraph_roles;
    struct mv_app_cert *certificates; /* NULL when the app has none */
    size_t ncertificates;
};

struct mv_managed_identity {
    char *name;
    char *client_id;
    char *object_id;
    char *resource_id; /* NULL when absent */
    bool system_assigned;
};

struct mv_user {
    char *id;
    char *display_name;
    char *user_principal_name;
};

/* An Azure subscription of the tenant, for ARM's GET /subscriptions (az login). */
struct mv_subscription {
    char *id; /* GUID */
    char *display_name;
};

struct mv_tenant {
    char *id;
    char *domain;
    struct mv_app *apps;
    size_t napps;
    struct mv_managed_identity *identities;
    size_t nidentities;
    struct mv_user *users;
    size_t nusers;
    struct mv_subscription *subscriptions;
    size_t nsubscriptions;
};

/* Every time the model keeps (created, updated, nbf, exp, deletion dates) lies within years
 * 1..9999: arithmetic on them stays far from int64 overflow and every value prints exactly through
 * a double. */
#define MV_TIME_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define MV_TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

/* Key Vault secret permissions of an access policy (spec/fixtures.md). */
enum mv_perm {
    MV_PERM_GET = 1u << 0,
    MV_PERM_LIST = 1u << 1,
    MV_PERM_SET = 1u << 2,
    MV_PERM_DELETE = 1u << 3,
    MV_PERM_RECOVER = 1u << 4,
    MV_PERM_BACKUP = 1u << 5,
    MV_PERM_RESTORE = 1u << 6,
    MV_PERM_PURGE = 1u << 7,
    MV_PERM_ALL = 0xffu,
};
/* Their names in fixtures, exports and denials; index i names bit 1 << i. NULL-terminated. */
extern const char *const mv_secret_perm_names[];

struct mv_access_policy {
    char *tenant_id; /* NULL: the vault's tenant */
    char *object_id;
    char *application_id; /* NULL when absent */
    unsigned secrets;     /* enum mv_perm bits */
    bool secrets_all;     /* written as ["all"] (kept so export -> import is lossless) */
};

struct mv_role_assignment {
    char *principal_id;
    char *role;  /* "Key Vault Administrator", "Key Vault Secrets Officer", ... */
    char *scope; /* "/" or "/secrets/{name}" */
};

enum mv_perm_model { MV_MODEL_ACCESS_POLICY = 0, MV_MODEL_RBAC = 1 };

struct mv_vault {
    char *name;
    char *tenant_id;
    char *location;
    char **aliases; /* extra host names that reach this vault */
    size_t naliases;
    enum mv_perm_model model;
    int retention_days; /* 7..90 */
    bool purge_protection;
    struct mv_access_policy *policies;
    size_t npolicies;
    struct mv_role_assignment *roles;
    size_t nroles;
    struct mv_secret *secrets; /* live and soft-deleted, sorted by lower-cased name */
    size_t nsecrets;
};

struct mv_data {
    char *default_vault; /* name; NULL = the first vault */
    struct mv_tenant *tenants;
    size_t ntenants;
    struct mv_vault *vaults;
    size_t nvaults;
};

/* Frees everything d owns, then d itself. Accepts NULL. */
void mv_data_free(struct mv_data *d);
/* A deep copy. Returns NULL when out of memory. */
struct mv_secret *mv_secret_clone(const struct mv_secret *s);
/* Frees what s owns (not s itself). Accepts NULL. */
void mv_secret_finish(struct mv_secret *s);
void mv_version_finish(struct mv_version *v);
void mv_tags_finish(struct mv_tags *t);
int mv_tags_copy(struct mv_tags *dst, const struct mv_tags *src);
/* Sorts d's secrets per vault by lower-cased name (state.c calls it after parsing). */
void mv_data_sort(struct mv_data *d);

/* Lookups on a data tree; they return borrowed pointers (valid while the tree is). Names, ids and
 * domains compare case-insensitively. */
struct mv_vault *mv_data_vault(const struct mv_data *d, const char *name);
struct mv_vault *mv_data_vault_by_alias(const struct mv_data *d, const char *host);
struct mv_tenant *mv_data_tenant(const struct mv_data *d, const char *id_or_domain);
struct mv_app *mv_tenant_app(const struct mv_tenant *t, const char *client_id);
struct mv_secret *mv_vault_secret(const struct mv_vault *v, const char *name);

/* A tenant's display name for ARM /tenants and Graph /organization: fixtures have none, so it is
 * the first label of the domain with a capital ("contoso.onmicrosoft.com" -> "Contoso"), or the
 * tenant id when there is no domain. */
void mv_tenant_display_name(const struct mv_tenant *t, char *out, size_t n);

/* Key Vault's recoveryLevel for a vault: "Recoverable+Purgeable" (90 days, purgeable),
 * "Recoverable" (90 days, purge protection), "CustomizedRecoverable+Purgeable" (7..89 days),
 * "CustomizedRecoverable" (7..89 days with purge protection). */
const char *mv_recovery_level(int retention_days, bool purge_protection);

/* ---- The store ---- */

enum mv_err {
    MV_OK = 0,
    MV_E_NOMEM,
    MV_E_NO_VAULT,          /* no vault of that name */
    MV_E_NOT_FOUND,         /* no live secret of that name (absent, or soft-deleted) */
    MV_E_VERSION_NOT_FOUND, /* the secret exists, the version does not */
    MV_E_DELETED,           /* set on a name that is deleted but recoverable */
    MV_E_NOT_DELETED,       /* deleted-secret operation on a name that is not soft-deleted */
    MV_E_EXISTS,            /* restore onto a name that exists (live or deleted) */
    MV_E_PURGE_PROTECTED,   /* purge while the vault has purge protection */
    MV_E_PERSIST,           /* the change was applied but could not be saved */
};

struct mv_store;

/* Called with the write lock held after every successful change, with the whole new state.
 * Returning nonzero makes the operation report MV_E_PERSIST. */
typedef int (*mv_persist_fn)(void *ctx, const struct mv_data *d);

/* Creates a store that owns data (may be NULL for an empty one). */
struct mv_store *mv_store_create(struct mv_data *data);
void mv_store_destroy(struct mv_store *st); /* accepts NULL */
void mv_store_set_persist(struct mv_store *st, mv_persist_fn fn, void *ctx);

/* Replaces the whole state (reset, PUT /_mock/state). Takes ownership of data. Persists. */
enum mv_err mv_store_replace(struct mv_store *st, struct mv_data *data);

/* Read access to the whole tree for lookups and export: lock, read, unlock. Pointers into the
 * tree are valid only until mv_store_unlock. */
const struct mv_data *mv_store_rdlock(struct mv_store *st);
void mv_store_unlock(struct mv_store *st);

/* A copy of one version of a secret as an operation returns it; the caller owns it and releases it
 * with mv_secret_view_finish. */
struct mv_secret_view {
    char *name;          /* stored case */
    struct mv_version v; /* deep copy */
    bool deleted;
    int64_t deleted_date;
    int64_t scheduled_purge_date;
    int retention_days;    /* of the vault, for recoverableDays */
    bool purge_protection; /* of the vault, for recoveryLevel */
};
void mv_secret_view_finish(struct mv_secret_view *sv); /* accepts NULL */
void mv_secret_views_free(struct mv_secret_view *items, size_t n);

/* Fields of a new version (SetSecret). value must not be NULL. */
struct mv_secret_input {
    const char *value;
    const char *content_type;   /* NULL = absent */
    const struct mv_tags *tags; /* NULL = absent */
    bool has_enabled, enabled;  /* enabled defaults to true */
    bool has_nbf, has_exp;
    int64_t nbf, exp;
};

/* Fields an UpdateSecret changes; has_* false leaves a field alone. */
struct mv_secret_update {
    bool has_content_type;
    const char *content_type;
    bool has_tags;
    const struct mv_tags *tags;
    bool has_enabled, enabled;
    bool has_nbf, has_exp;
    int64_t nbf, exp;
};

/* Each operation returns MV_OK and fills *out (when out is not NULL), or an error and leaves the
 * store and *out untouched (apart from MV_E_PERSIST, where the change stays in memory).
 * Version ids come from mv_rand_hex32. */
enum mv_err mv_store_set_secret(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_secret_input *in, int64_t now,
                                struct mv_secret_view *out);
/* version NULL or "" = the current version. */
enum mv_err mv_store_get_secret(struct mv_store *st, const char *vault, const char *name,
                                const char *version, struct mv_secret_view *out);
enum mv_err mv_store_update_secret(struct mv_store *st, const char *vault, const char *name,
                                   const char *version, const struct mv_secret_update *upd,
                                   int64_t now, struct mv_secret_view *out);
/* Soft delete: deletedDate = now, scheduledPurgeDate = now + retention days; out = latest. */
enum mv_err mv_store_delete_secret(struct mv_store *st, const char *vault, const char *name,
                                   int64_t now, struct mv_secret_view *out);
enum mv_err mv_store_get_deleted(struct mv_store *st, const char *vault, const char *name,
                                 struct mv_secret_view *out);
enum mv_err mv_store_recover(struct mv_store *st, const char *vault, const char *name,
                             struct mv_secret_view *out);
enum mv_err mv_store_purge(struct mv_store *st, const char *vault, const char *name);

/* Paging. marker NULL = from the start; otherwise the opaque marker a previous call returned in
 * *next_marker. Up to max items (each the current version of a secret for list/list-deleted,
 * one version for list-versions) go to *items (caller frees with mv_secret_views_free);
 * *next_marker is NULL on the last page, else a string the caller frees with free().
 * Secrets are ordered by lower-cased name; versions by version id. list_versions of an unknown
 * or deleted name returns MV_OK with no items (the real service answers 200 with an empty list). */
enum mv_err mv_store_list_secrets(struct mv_store *st, const char *vault, const char *marker,
                                  size_t max, struct mv_secret_view **items, size_t *n,
                                  char **next_marker);
enum mv_err mv_store_list_deleted(struct mv_store *st, const char *vault, const char *marker,
                                  size_t max, struct mv_secret_view **items, size_t *n,
                                  char **next_marker);
enum mv_err mv_store_list_versions(struct mv_store *st, const char *vault, const char *name,
                                   const char *marker, size_t max, struct mv_secret_view **items,
                                   size_t *n, char **next_marker);

/* Backup: a deep copy of the live secret with all its versions (caller frees with
 * mv_secret_finish + free). */
enum mv_err mv_store_backup(struct mv_store *st, const char *vault, const char *name,
                            struct mv_secret **out);
/* Restore: inserts s (takes ownership on MV_OK only) keeping its version ids and times; the name
 * must not exist, live or deleted (MV_E_EXISTS). out = current version. */
enum mv_err mv_store_restore(struct mv_store *st, const char *vault, struct mv_secret *s,
                             struct mv_secret_view *out);

/* Replaces a vault's access policies and/or role assignments with src's (taken by swapping: src
 * receives the old arrays, so the caller frees src as usual). Persists. */
enum mv_err mv_store_set_vault_access(struct mv_store *st, const char *vault, struct mv_vault *src,
                                      bool policies, bool roles);

/* Purges every soft-deleted secret whose scheduledPurgeDate <= now. Cheap when nothing is due
 * (the store remembers the earliest due date). Returns the number purged. */
size_t mv_store_purge_due(struct mv_store *st, int64_t now);

#endif
