/* store.h: the mock's data: tenants, applications, managed identities, users, vaults, their
 * objects (secrets and keys), versions and soft delete. No HTTP and no JSON wire formats here;
 * callers pass the mock clock's "now" in, so the store never reads time itself. All operations are
 * thread-safe (one rwlock). */
#ifndef MV_STORE_H
#define MV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certs.h"
#include "keymat.h"

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

/* Object families of a vault. Names are unique per family, and each family has its own
 * operations on top of the shared ones (get, list, versions, soft delete, backup). */
enum mv_objtype { MV_OBJ_SECRET = 0, MV_OBJ_KEY, MV_OBJ_CERT, MV_OBJ_COUNT };

/* JWK key operations (spec/keyvault-keys.md §2), by their wire names in mv_key_op_names. */
enum mv_key_op {
    MV_KOP_ENCRYPT = 0,
    MV_KOP_DECRYPT,
    MV_KOP_SIGN,
    MV_KOP_VERIFY,
    MV_KOP_WRAP,   /* "wrapKey" */
    MV_KOP_UNWRAP, /* "unwrapKey" */
    MV_KOP_IMPORT,
    MV_KOP_EXPORT,
    MV_KOP_COUNT
};
extern const char *const mv_key_op_names[]; /* indexed by enum mv_key_op; NULL-terminated */
#define MV_KEY_OPS_MAX 16                   /* key_ops entries kept, in the order given */

/* A Secure Key Release policy as the service returns it: data is base64url of the compact JSON
 * the service re-serialised (spec §2). */
struct mv_release_policy {
    char *content_type; /* owned; "application/json; charset=utf-8" */
    char *data;         /* owned */
    bool immutable;
};

/* Frees p and what it owns; accepts NULL. */
void mv_release_policy_free(struct mv_release_policy *p);
/* *dst = a deep copy of src (NULL for a NULL src). Returns 0, or -1 when out of memory. */
int mv_release_policy_copy(struct mv_release_policy **dst, const struct mv_release_policy *src);

/* What a version of a key holds beyond the shared attributes. */
struct mv_key_info {
    struct mv_keymat *mat;             /* one reference, owned; the private key is never logged */
    bool hsm;                          /* created or imported as RSA-HSM / EC-HSM: kty says so */
    unsigned char ops[MV_KEY_OPS_MAX]; /* enum mv_key_op values in the order given */
    size_t nops;
    bool exportable;
    struct mv_release_policy *release; /* owned; NULL = none */
};

/* A version of an object. The attributes are common to every family; the payload is the family's:
 * value and content type for a secret, key for a key. */
struct mv_version {
    char id[33];               /* 32 lowercase hex */
    char *value;               /* secrets: owned; never logged. NULL for keys */
    char *content_type;        /* secrets: owned; NULL = absent */
    struct mv_key_info *key;   /* keys: owned; NULL for secrets */
    struct mv_cert_info *cert; /* certificates: owned; NULL for the other families */
    bool managed; /* a certificate's key or secret (spec/keyvault-certificates.md §1, §4) */
    struct mv_tags tags;
    bool enabled;
    bool has_nbf, has_exp;
    int64_t nbf, exp;
    int64_t created, updated;
};

/* A key's rotation policy (spec §3.9): at most one Rotate and one Notify action. Durations are
 * kept as given ("P30D") for the wire and in seconds for the clock (a month counts 30 days and a
 * year 365, as ISO 8601 durations have no fixed length). */
enum mv_rotation_type { MV_ROT_ROTATE = 0, MV_ROT_NOTIFY };
struct mv_rotation_action {
    enum mv_rotation_type type;
    bool after_create; /* trigger "timeAfterCreate"; false: "timeBeforeExpiry" */
    char duration[32];
    int64_t seconds;
};
struct mv_rotation_policy {
    struct mv_rotation_action actions[2];
    size_t nactions;
    bool has_expiry; /* attributes.expiryTime */
    char expiry[32];
    int64_t expiry_seconds;
    int64_t created, updated;
    char notified[33]; /* the version whose Notify has fired ("" = none yet) */
};

/* Parses an ISO 8601 duration as rotation policies write them: "P" then [nY][nM][nW][nD], then
 * optionally "T" and [nH][nM][nS], whole numbers, at least one part ("P90D", "P1Y", "PT12H").
 * A month counts 30 days and a year 365. False for anything else, a zero duration or one longer
 * than 10,000 years. */
bool mv_duration_parse(const char *s, int64_t *seconds);

/* A named object of one family with its versions and soft-delete state. */
struct mv_object {
    char *name;                  /* case as first created */
    struct mv_version *versions; /* creation order; the last one is the current version */
    size_t nversions;
    bool deleted; /* soft-deleted: only the deleted-secret operations see it */
    int64_t deleted_date;
    int64_t scheduled_purge_date;
    struct mv_rotation_policy *rotation; /* keys: owned; NULL = never set (the default applies) */
    struct mv_cert_policy *policy;       /* certificates: owned; one per name */
    struct mv_cert_op *pending;          /* certificates: owned; NULL = no operation object */
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

/* An RSA signing key of an attestation authority given as a JWK: a token's header kid selects
 * it (all keys are tried when the token names none). */
struct mv_attestation_jwk {
    char *kid;   /* NULL when absent */
    char *n, *e; /* base64url as given (checked to decode when loaded) */
};

/* An attestation service whose tokens Secure Key Release accepts (spec/keyvault-keys.md §3.10,
 * spec/fixtures.md "attestationAuthorities"): a token is verified only against the keys of the
 * authority its "iss" names, so a test releases keys with tokens it signs itself. */
struct mv_attestation_authority {
    char *authority; /* the issuer URL as given, e.g. "https://sharedeus.eus.attest.azure.net" */
    struct mv_app_cert *certificates; /* RSA signing certificates (public parts only) */
    size_t ncertificates;
    struct mv_attestation_jwk *keys; /* the "jwks" keys */
    size_t nkeys;
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

/* Key permissions of an access policy (spec/keyvault-keys.md §4, in that order). */
enum mv_key_perm {
    MV_KPERM_GET = 1u << 0,
    MV_KPERM_LIST = 1u << 1,
    MV_KPERM_CREATE = 1u << 2,
    MV_KPERM_IMPORT = 1u << 3,
    MV_KPERM_UPDATE = 1u << 4,
    MV_KPERM_DELETE = 1u << 5,
    MV_KPERM_RECOVER = 1u << 6,
    MV_KPERM_BACKUP = 1u << 7,
    MV_KPERM_RESTORE = 1u << 8,
    MV_KPERM_PURGE = 1u << 9,
    MV_KPERM_ENCRYPT = 1u << 10,
    MV_KPERM_DECRYPT = 1u << 11,
    MV_KPERM_WRAP = 1u << 12,
    MV_KPERM_UNWRAP = 1u << 13,
    MV_KPERM_SIGN = 1u << 14,
    MV_KPERM_VERIFY = 1u << 15,
    MV_KPERM_RELEASE = 1u << 16,
    MV_KPERM_ROTATE = 1u << 17,
    MV_KPERM_GETROTATIONPOLICY = 1u << 18,
    MV_KPERM_SETROTATIONPOLICY = 1u << 19,
    MV_KPERM_ALL = 0xfffffu,
};
/* "get", "list", "create", "import", "update", "delete", "recover", "backup", "restore", "purge",
 * "encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify", "release", "rotate",
 * "getrotationpolicy", "setrotationpolicy"; index i names bit 1 << i. NULL-terminated. */
extern const char *const mv_key_perm_names[];

/* Certificate permissions of an access policy (spec/keyvault-certificates.md §5, in that order). */
enum mv_cert_perm {
    MV_CPERM_GET = 1u << 0,
    MV_CPERM_LIST = 1u << 1,
    MV_CPERM_UPDATE = 1u << 2,
    MV_CPERM_CREATE = 1u << 3,
    MV_CPERM_IMPORT = 1u << 4,
    MV_CPERM_DELETE = 1u << 5,
    MV_CPERM_RECOVER = 1u << 6,
    MV_CPERM_BACKUP = 1u << 7,
    MV_CPERM_RESTORE = 1u << 8,
    MV_CPERM_MANAGECONTACTS = 1u << 9,
    MV_CPERM_MANAGEISSUERS = 1u << 10,
    MV_CPERM_GETISSUERS = 1u << 11,
    MV_CPERM_LISTISSUERS = 1u << 12,
    MV_CPERM_SETISSUERS = 1u << 13,
    MV_CPERM_DELETEISSUERS = 1u << 14,
    MV_CPERM_PURGE = 1u << 15,
    MV_CPERM_ALL = 0xffffu,
};
/* "get", "list", "update", "create", "import", "delete", "recover", "backup", "restore",
 * "managecontacts", "manageissuers", "getissuers", "listissuers", "setissuers", "deleteissuers",
 * "purge"; index i names bit 1 << i. NULL-terminated. */
extern const char *const mv_cert_perm_names[];

struct mv_access_policy {
    char *tenant_id; /* NULL: the vault's tenant */
    char *object_id;
    char *application_id; /* NULL when absent */
    unsigned secrets;     /* enum mv_perm bits */
    bool secrets_all;     /* written as ["all"] (kept so export -> import is lossless) */
    unsigned keys;        /* enum mv_key_perm bits */
    bool keys_all;
    unsigned certs; /* enum mv_cert_perm bits */
    bool certs_all;
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
    struct mv_object *secrets; /* live and soft-deleted, sorted by lower-cased name */
    size_t nsecrets;
    struct mv_object *keys; /* likewise */
    size_t nkeys;
    struct mv_object *certs; /* likewise */
    size_t ncerts;
    struct mv_cert_contact *contacts; /* certificate contacts */
    size_t ncontacts;
    bool has_contacts; /* false: GET /certificates/contacts answers 404 ContactsNotFound */
    struct mv_cert_issuer *issuers; /* sorted by lower-cased name */
    size_t nissuers;
};

/* The array of family t in v and its count (for insertion and removal: store and state). */
static inline struct mv_object **mv_vault_family(struct mv_vault *v, enum mv_objtype t, size_t **n)
{
    switch (t) {
    case MV_OBJ_KEY: *n = &v->nkeys; return &v->keys;
    case MV_OBJ_CERT: *n = &v->ncerts; return &v->certs;
    default: *n = &v->nsecrets; return &v->secrets;
    }
}

struct mv_data {
    char *default_vault; /* name; NULL = the first vault */
    struct mv_tenant *tenants;
    size_t ntenants;
    struct mv_vault *vaults;
    size_t nvaults;
    struct mv_attestation_authority *authorities; /* "attestationAuthorities" */
    size_t nauthorities;
};

/* Frees everything d owns, then d itself. Accepts NULL. */
void mv_data_free(struct mv_data *d);
/* The authority of d whose URL equals iss, compared as the service compares an issuer with a
 * release policy's authority: case-insensitively, a trailing slash on either ignored. NULL when
 * none. */
const struct mv_attestation_authority *mv_data_authority(const struct mv_data *d, const char *iss);
/* True when two authority URLs are the same by that rule. */
bool mv_authority_equal(const char *a, const char *b);
/* A deep copy. Returns NULL when out of memory. */
struct mv_object *mv_object_clone(const struct mv_object *s);
/* Frees what s owns (not s itself). Accepts NULL. */
void mv_object_finish(struct mv_object *s);
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
struct mv_object *mv_vault_secret(const struct mv_vault *v, const char *name);
struct mv_object *mv_vault_object(const struct mv_vault *v, enum mv_objtype t, const char *name);
/* The objects of family t in v (live and soft-deleted, sorted by lower-cased name) and their
 * number, for readers that go over every family (the console's summary, control/console.c). */
const struct mv_object *mv_vault_objects(const struct mv_vault *v, enum mv_objtype t, size_t *n);
/* The family's list name as fixtures write it ("secrets", "keys"); a new family adds its name
 * here (store.c). */
const char *mv_objtype_name(enum mv_objtype t);

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
    /* Certificates (store-certs.h). */
    MV_E_OP_IN_PROGRESS,     /* create/import while an operation is inProgress (409 Forbidden) */
    MV_E_NO_OP,              /* no pending operation (404 PendingCertificateNotFound) */
    MV_E_OP_NOT_IN_PROGRESS, /* cancel/merge/complete of an operation that is not inProgress */
    MV_E_POLICY_REQUIRED,    /* the first version of a name without a policy */
    MV_E_MANAGED,            /* a direct write of a certificate's managed key or secret */
    MV_E_NAME_IN_USE,        /* the name is taken by a plain key or secret (409) */
    /* --consistency azure (consistency.h): a delete or purge of the name is still in progress,
     * or a recover is; the service answers 409 ObjectIsBeingDeleted / ObjectIsBeingRecovered. */
    MV_E_BEING_DELETED,
    MV_E_BEING_RECOVERED,
};

struct mv_store;

/* Called with the write lock held after every successful change, with the whole new state.
 * Returning nonzero makes the operation report MV_E_PERSIST. */
typedef int (*mv_persist_fn)(void *ctx, const struct mv_data *d);

/* Called when the persist hook failed, with the write lock held: returns the state as it was
 * last saved (the store takes it), which replaces the changed one, so that a change answered with
 * MV_E_PERSIST is neither served nor saved by the next write that succeeds; NULL keeps the
 * changed state in memory. */
typedef struct mv_data *(*mv_reload_fn)(void *ctx);

/* ---- Saving changes row by row (model/persist.h keeps them in SQLite) ---- */

/* What one write touched: an object of a family (its row holds the object with every version),
 * a vault's own settings (policies, roles, certificate contacts and issuers), or everything
 * (replace, reset, and a write that reported nothing). */
enum mv_change_kind { MV_CHANGE_OBJECT = 0, MV_CHANGE_VAULT, MV_CHANGE_ALL };
struct mv_change {
    enum mv_change_kind kind;
    enum mv_objtype type; /* MV_CHANGE_OBJECT */
    char vault[32];       /* as the caller named it; compared case-insensitively */
    char name[128];       /* MV_CHANGE_OBJECT: the object's name, any case */
};

/* Persistence that saves only what a write changed. queue runs with the write lock held right
 * after the change: it copies the rows that changes name out of d (a cost of those rows, not of
 * the state) into a commit queue, sets *ticket and returns 0 (nonzero: nothing queued). wait runs
 * with no lock held, so readers and other writers go on meanwhile; it returns once the ticket's
 * rows are durable (0) or could not be saved (nonzero). reload runs with the write lock held after
 * queue or wait failed, and returns the state as last saved, which replaces the store's (the
 * store takes it), or NULL when there is nothing to undo (another writer already did) or it cannot
 * be read. Queues commit in the order they were filled, so the rows on disk follow the order of
 * the changes in memory. */
struct mv_persist_ops {
    int (*queue)(void *ctx, const struct mv_data *d, const struct mv_change *changes, size_t n,
                 uint64_t *ticket);
    int (*wait)(void *ctx, uint64_t ticket);
    struct mv_data *(*reload)(void *ctx);
};

/* Creates a store that owns data (may be NULL for an empty one). */
struct mv_store *mv_store_create(struct mv_data *data);
void mv_store_destroy(struct mv_store *st); /* accepts NULL */
void mv_store_set_persist(struct mv_store *st, mv_persist_fn fn, void *ctx);
/* The hook that undoes a change that could not be saved (called with the persist hook's ctx). */
void mv_store_set_reload(struct mv_store *st, mv_reload_fn fn);
/* Saves changes through ops (copied) instead of the whole-state hook above; ctx is passed to each
 * of ops' functions. */
void mv_store_set_persist_ops(struct mv_store *st, const struct mv_persist_ops *ops, void *ctx);

/* Makes the store's finders and listings consult cx (borrowed; it must outlive the store, or be
 * detached with NULL), and record every delete, recover and purge there (consistency.h). Without
 * it (NULL, the default) every change is visible at once. Replacing the state settles cx. */
struct mv_consist;
void mv_store_set_consistency(struct mv_store *st, struct mv_consist *cx);

/* Replaces the whole state (reset, PUT /_mock/state). Takes ownership of data. Persists. */
enum mv_err mv_store_replace(struct mv_store *st, struct mv_data *data);

/* Read access to the whole tree for lookups and export: lock, read, unlock. Pointers into the
 * tree are valid only until mv_store_unlock. */
const struct mv_data *mv_store_rdlock(struct mv_store *st);
void mv_store_unlock(struct mv_store *st);

/* A copy of one version of a secret as an operation returns it; the caller owns it and releases it
 * with mv_object_view_finish. */
struct mv_object_view {
    char *name;          /* stored case */
    struct mv_version v; /* deep copy (a key's material by one more reference, not a copy) */
    bool deleted;
    int64_t deleted_date;
    int64_t scheduled_purge_date;
    int retention_days;    /* of the vault, for recoverableDays */
    bool purge_protection; /* of the vault, for recoveryLevel */
    /* Certificates only (NULL otherwise): deep copies of the name's policy and operation, filled
     * when the view is of the current version (GET latest, delete, recover), as the latest bundle
     * carries them and a versioned one does not (spec §2). */
    struct mv_cert_policy *policy;
    struct mv_cert_op *pending;
};
void mv_object_view_finish(struct mv_object_view *sv); /* accepts NULL */
void mv_object_views_free(struct mv_object_view *items, size_t n);

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
                                struct mv_object_view *out);
/* version NULL or "" = the current version. */
enum mv_err mv_store_get(struct mv_store *st, enum mv_objtype t, const char *vault,
                         const char *name, const char *version, struct mv_object_view *out);
enum mv_err mv_store_update_secret(struct mv_store *st, const char *vault, const char *name,
                                   const char *version, const struct mv_secret_update *upd,
                                   int64_t now, struct mv_object_view *out);
/* Soft delete: deletedDate = now, scheduledPurgeDate = now + retention days; out = latest. */
enum mv_err mv_store_delete(struct mv_store *st, enum mv_objtype t, const char *vault,
                            const char *name, int64_t now, struct mv_object_view *out);
enum mv_err mv_store_get_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                                 const char *name, struct mv_object_view *out);
enum mv_err mv_store_recover(struct mv_store *st, enum mv_objtype t, const char *vault,
                             const char *name, struct mv_object_view *out);
enum mv_err mv_store_purge(struct mv_store *st, enum mv_objtype t, const char *vault,
                           const char *name);

/* Paging. marker NULL = from the start; otherwise the opaque marker a previous call returned in
 * *next_marker. Up to max items (each the current version of a secret for list/list-deleted,
 * one version for list-versions) go to *items (caller frees with mv_object_views_free);
 * *next_marker is NULL on the last page, else a string the caller frees with free().
 * Secrets are ordered by lower-cased name; versions by version id. list_versions of an unknown
 * or deleted name returns MV_OK with no items (the real service answers 200 with an empty list). */
enum mv_err mv_store_list(struct mv_store *st, enum mv_objtype t, const char *vault,
                          const char *marker, size_t max, struct mv_object_view **items, size_t *n,
                          char **next_marker);
enum mv_err mv_store_list_deleted(struct mv_store *st, enum mv_objtype t, const char *vault,
                                  const char *marker, size_t max, struct mv_object_view **items,
                                  size_t *n, char **next_marker);
enum mv_err mv_store_list_versions(struct mv_store *st, enum mv_objtype t, const char *vault,
                                   const char *name, const char *marker, size_t max,
                                   struct mv_object_view **items, size_t *n, char **next_marker);

/* Backup: a deep copy of the live secret with all its versions (caller frees with
 * mv_object_finish + free). */
enum mv_err mv_store_backup(struct mv_store *st, enum mv_objtype t, const char *vault,
                            const char *name, struct mv_object **out);
/* Restore: inserts s (takes ownership on MV_OK only) keeping its version ids and times; the name
 * must not exist, live or deleted (MV_E_EXISTS). out = current version. */
enum mv_err mv_store_restore(struct mv_store *st, enum mv_objtype t, const char *vault,
                             struct mv_object *s, struct mv_object_view *out);

/* ---- Keys (spec/keyvault-keys.md). The shared operations above take MV_OBJ_KEY; these are the
 * keys' own. Key material is generated or imported by the caller (keymat.h) outside the lock. */

/* Generates key material as the mock does for every new key (CreateKey, RotateKey, rotation on the
 * clock): with --seed from the seeded stream, so a seeded run's keys repeat as its version ids do
 * (given the same requests in the same order); otherwise from the system's key-grade source. */
enum mv_km_err mv_key_generate(const struct mv_key_spec *spec, struct mv_keymat **out);

/* Fields of a new key version (CreateKey, ImportKey). */
struct mv_key_input {
    struct mv_keymat *mat; /* the store takes a reference of its own; the caller keeps (and
                              releases) the one it passed, whatever the result */
    bool hsm;
    bool has_ops; /* false: the defaults (RSA: encrypt, decrypt, sign, verify, wrapKey,
                     unwrapKey; EC: sign, verify) */
    const unsigned char *ops;
    size_t nops;
    const struct mv_tags *tags; /* NULL = absent */
    bool has_enabled, enabled;  /* enabled defaults to true */
    bool has_nbf, has_exp;
    int64_t nbf, exp;
    bool exportable;
    const struct mv_release_policy *release; /* copied; NULL = none */
};
/* A new current version of name (creating the key when absent); MV_E_DELETED when the name is
 * deleted but recoverable. */
enum mv_err mv_store_create_key(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_key_input *in, int64_t now,
                                struct mv_object_view *out);

/* Fields an UpdateKey changes (key material never changes); has_* false leaves a field alone. */
struct mv_key_update {
    bool has_ops;
    const unsigned char *ops;
    size_t nops;
    bool has_tags;
    const struct mv_tags *tags;
    bool has_enabled, enabled;
    bool has_nbf, has_exp;
    int64_t nbf, exp;
    bool has_release;
    const struct mv_release_policy *release; /* copied */
};
/* version NULL or "" = the current version. */
enum mv_err mv_store_update_key(struct mv_store *st, const char *vault, const char *name,
                                const char *version, const struct mv_key_update *upd, int64_t now,
                                struct mv_object_view *out);

/* RotateKey: a new current version holding mat (the store takes a reference of its own, as for
 * create), with the current
 * version's kty flavour, key_ops, tags and release policy; exp = now + the policy's expiryTime
 * when one is set. */
enum mv_err mv_store_rotate_key(struct mv_store *st, const char *vault, const char *name,
                                struct mv_keymat *mat, int64_t now, struct mv_object_view *out);

/* The rotation policy of a live key: *set false (and *out untouched) when none was ever set. */
enum mv_err mv_store_get_rotation_policy(struct mv_store *st, const char *vault, const char *name,
                                         struct mv_rotation_policy *out, bool *set);
/* Replaces it; created is kept from the old policy (now when new), updated = now. *out (may be
 * NULL) gets the stored policy. */
enum mv_err mv_store_set_rotation_policy(struct mv_store *st, const char *vault, const char *name,
                                         const struct mv_rotation_policy *in, int64_t now,
                                         struct mv_rotation_policy *out);

/* Rotation on the mock clock: for each live key whose policy has an action due at now (Rotate:
 * created + timeAfterCreate, or exp - timeBeforeExpiry of the current version; Notify likewise,
 * once per version), generates the new version (outside the lock) or reports the notification.
 * event (may be NULL) is called for each action taken, without the lock held. Returns the number
 * of actions taken. Cheap when no key has a policy. */
typedef void (*mv_rotation_event_fn)(void *ctx, const char *vault, const char *name,
                                     enum mv_rotation_type type, const char *version);
size_t mv_store_rotation_due(struct mv_store *st, int64_t now, mv_rotation_event_fn event,
                             void *ctx);

/* Replaces a vault's access policies and/or role assignments with src's (taken by swapping: src
 * receives the old arrays, so the caller frees src as usual). Persists. */
enum mv_err mv_store_set_vault_access(struct mv_store *st, const char *vault, struct mv_vault *src,
                                      bool policies, bool roles);

/* Purges every soft-deleted secret whose scheduledPurgeDate <= now. Cheap when nothing is due
 * (the store remembers the earliest due date). Returns the number purged. */
size_t mv_store_purge_due(struct mv_store *st, int64_t now);

#endif
