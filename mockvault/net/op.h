/* op.h: the operation descriptor. Every endpoint the mock serves is described once, in its
 * family's table (secrets.c, identity.c, control.c, ...): how it is routed, which handler answers,
 * and what the shared checks need to know about it. The dispatcher, authorization, the throttle,
 * fault rules, the journal and /_mock/authz/needed all read these fields, so nothing compares
 * operation names on the request path (redis's command table is the model). A family hands its
 * table to the dispatcher at server start (mv_ops_add in server.c) and never includes it. */
#ifndef MV_OP_H
#define MV_OP_H

#include <microhttpd.h>
#include <stdbool.h>

struct mv_req;

/* What kind of endpoint answers: decides the shared checks, response headers and error envelope. */
enum mv_kind {
    MV_KIND_OTHER = 0,
    MV_KIND_VAULT,   /* Key Vault data plane */
    MV_KIND_AAD,     /* Entra ID token and discovery endpoints */
    MV_KIND_CONTROL, /* /_mock */
    MV_KIND_MSI,     /* managed identity endpoints (IMDS, App Service, Cloud Shell) */
    MV_KIND_GRAPH,   /* Microsoft Graph */
    MV_KIND_ARM,     /* Azure Resource Manager */
};

/* Key Vault object families. Access policies grant permissions per family, and an object's name
 * is unique only within its family, so both authorization and its usage record key on it. */
enum mv_family {
    MV_FAMILY_NONE = 0, /* not a vault operation */
    MV_FAMILY_SECRETS,
    MV_FAMILY_KEYS,
    MV_FAMILY_CERTS,
    MV_FAMILY_COUNT
};

/* The family's word in denials and explanations ("does not have certificates get permission"),
 * which is also its collection's path segment ("/certificates/{name}" scopes). */
static inline const char *mv_family_word(enum mv_family f)
{
    return f == MV_FAMILY_KEYS ? "keys" : (f == MV_FAMILY_CERTS ? "certificates" : "secrets");
}

/* Which RBAC scopes can grant a vault operation: the vault only (collections, restore, whose
 * object name is inside the blob), or also the one object the path names. */
enum mv_op_scope {
    MV_SCOPE_VAULT = 0,
    MV_SCOPE_OBJECT,
};

/* How --throttle azure counts a vault operation (spec/keyvault-secrets.md §7,
 * spec/keyvault-keys.md §7). Secrets have two classes. Keys have one class per key type (RSA-2048,
 * RSA-3072, RSA-4096, EC), protection (software, HSM) and kind (creation, other transaction):
 * MV_THROTTLE_KEY(type, hsm, create). A keys table row names the RSA-2048 software class of its
 * kind (MV_THROTTLE_KEY_OTHER or MV_THROTTLE_KEY_CREATION); the dispatcher refines it to the key's
 * own class before counting (mv_keys_throttle_class in vault/keys.h: the create body's kty,
 * key_size and crv, or the stored key's type for every other operation). */
enum mv_throttle_class {
    MV_THROTTLE_TRANSACTION = 0, /* "all other transactions" */
    MV_THROTTLE_CREATION = 1,    /* a create (Key Vault counts every new secret version as one) */
    MV_THROTTLE_KEY_OTHER = 2,   /* keys, first class: RSA-2048 software, other transactions */
    MV_THROTTLE_KEY_CREATION = 3,
    MV_THROTTLE_NCLASSES = 2 + 16,
};
/* Key types of the keys' throttle classes. */
enum mv_throttle_key_type {
    MV_TKEY_RSA2048 = 0,
    MV_TKEY_RSA3072,
    MV_TKEY_RSA4096,
    MV_TKEY_EC,
};
#define MV_THROTTLE_KEY(type, hsm, create)                                                         \
    ((enum mv_throttle_class)(MV_THROTTLE_KEY_OTHER + (type)*4 + ((hsm) ? 2 : 0) +                 \
                              ((create) ? 1 : 0)))

/* A handler answers the request (through reply.h) and returns libmicrohttpd's result. */
typedef enum MHD_Result (*mv_handler_fn)(struct mv_req *r);

/* Pattern segments: a literal (compared case-insensitively, as Key Vault matches its operation
 * segments; an empty literal, as in "/keys//restore", matches an empty segment), "{}" (one
 * non-empty segment, captured), or "{?}" (a segment that may be empty, captured; as the last
 * segment it may also be missing, so "/secrets/{}/{?}" matches /secrets/n, /secrets/n/ and
 * /secrets/n/v, and "/keys/{}/{?}/sign" matches /keys/n//sign and /keys/n/v/sign). A trailing '/'
 * on a path is otherwise ignored. Tables end with an entry whose pattern is NULL. */
struct mv_op {
    const char *method;
    const char *pattern;
    mv_handler_fn fn;
    const char *name; /* REST operation id: log, journal, fault rules, authz explanations */
    enum mv_kind kind;
    bool needs_body; /* the handler reads a body: the 1 MiB cap applies */
    /* Vault operations only (kind MV_KIND_VAULT); zero elsewhere. */
    enum mv_family family;
    unsigned perm;      /* the access-policy permission bit of the family (store.h) */
    const char *action; /* the RBAC data action */
    enum mv_op_scope scope;
    enum mv_throttle_class throttle;
};

/* Helpers that keep each table row on one line. */
/* clang-format off */
#define MV_OP(method, pattern, fn, name, kind, body)                                               \
    {(method), (pattern), (fn), (name), (kind), (body), MV_FAMILY_NONE, 0, NULL, MV_SCOPE_VAULT,  \
     MV_THROTTLE_TRANSACTION}
#define MV_VAULT_OP(method, pattern, fn, name, body, family, perm, action, scope, throttle)        \
    {(method), (pattern), (fn), (name), MV_KIND_VAULT, (body), (family), (perm), (action), (scope), \
     (throttle)}
#define MV_OP_END {NULL, NULL, NULL, NULL, MV_KIND_OTHER, false, MV_FAMILY_NONE, 0, NULL, 0, 0}
/* clang-format on */

/* The families' tables, each defined beside its handlers and registered by server.c. */
extern const struct mv_op mv_secrets_ops[];    /* secrets.c */
extern const struct mv_op mv_keys_ops[];       /* keys.c */
extern const struct mv_op mv_certs_meta_ops[]; /* certs-meta.c: policy, contacts, issuers */
/* certs.c: certificates. Its policy, contacts and issuers routes are in certs-meta.c's own table,
 * which server.c registers before this one: /certificates/contacts, /certificates/issuers/{}
 * and /certificates/{}/policy would otherwise be taken by /certificates/{}/{?}. */
extern const struct mv_op mv_certs_ops[];
extern const struct mv_op mv_identity_ops[];  /* identity.c: token endpoints */
extern const struct mv_op mv_discovery_ops[]; /* discovery.c: OpenID, JWKS, instance discovery */
extern const struct mv_op mv_msi_ops[];       /* msi.c: managed identity */
extern const struct mv_op mv_graph_ops[];     /* graph.c */
extern const struct mv_op mv_arm_ops[];       /* arm.c */
extern const struct mv_op mv_control_ops[];   /* control.c: /_mock */
extern const struct mv_op mv_console_ops[];   /* console.c: /_mock/ui and what it reads */
extern const struct mv_op mv_consist_ops[];   /* consist.c: /_mock/consistency */
extern const struct mv_op mv_cae_ops[];       /* cae.c: /_mock/principals (revocation) */

#endif
