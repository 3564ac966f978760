/* store-certs.h: the certificates family's own store operations (spec/keyvault-certificates.md).
 * The shared operations of store.h (get, delete, get-deleted, recover, purge, lists, backup)
 * take MV_OBJ_CERT too; on a certificate they act on its managed key and secret with it (a delete
 * soft-deletes all three, a recover brings all three back, a purge removes all three). Key
 * material and certificates are made by the caller (keymat.h, x509.h) outside the lock; the store
 * only files them, so a version's certificate, key and secret appear together under one version
 * id. */
#ifndef MV_STORE_CERTS_H
#define MV_STORE_CERTS_H

#include "store.h"

/* The key operations a certificate's key usage ku allows its managed key (spec §1 [DOC]), into
 * ops in the service's order; encryption and key wrapping only for RSA, which alone can do them.
 * Returns their number. */
size_t mv_cert_key_ops(unsigned ku, enum mv_kty kty, unsigned char ops[MV_KEY_OPS_MAX]);

/* CreateCertificate: a new pending version (enabled false, no certificate yet) and the name's
 * operation object (inProgress, with the CSR). policy NULL keeps the name's policy (then it must
 * have one: MV_E_POLICY_REQUIRED); given, it replaces it (policy.attributes.created kept). */
struct mv_cert_begin {
    const struct mv_cert_policy *policy; /* copied; NULL = keep the stored one */
    struct mv_keymat *mat;               /* the CSR's key: the store takes a reference */
    const unsigned char *csr;            /* DER, copied */
    size_t csr_len;
    const struct mv_tags *tags; /* NULL = absent */
    bool has_enabled, enabled;  /* the enabled state the version gets when it completes */
};
/* out (may be NULL) gets a deep copy of the operation (the caller releases it with
 * mv_cert_op_finish); *version (may be NULL, 33 bytes) the new version id. MV_E_NAME_IN_USE when a
 * plain (unmanaged) key or secret has the name, MV_E_OP_IN_PROGRESS while an operation is. */
enum mv_err mv_store_cert_begin(struct mv_store *st, const char *vault, const char *name,
                                const struct mv_cert_begin *in, int64_t now, struct mv_cert_op *out,
                                char *version);

/* What completes a version: the issued (or merged, or imported) certificate and the managed
 * secret's value (base64 PFX or PEM text per the policy's content type; caller-built). */
struct mv_cert_issue {
    const unsigned char *der; /* leaf, copied */
    size_t der_len;
    const char *secret_value;        /* copied; never logged */
    const char *secret_content_type; /* the policy's content type */
    int64_t nbf, exp;                /* the certificate's notBefore / notAfter */
    const struct mv_tags *tags;      /* NULL = keep what the version has */
    bool has_enabled, enabled;
};
/* Completes the inProgress operation of name (request_id NULL = whichever is in progress): the
 * pending version gets its certificate, the managed key version (the operation's key, key_ops
 * from the policy's key usage) and the managed secret version are created with the same id, the
 * operation becomes completed. out (may be NULL) = the current version with policy and pending. */
enum mv_err mv_store_cert_complete(struct mv_store *st, const char *vault, const char *name,
                                   const struct mv_cert_issue *in, int64_t now,
                                   struct mv_object_view *out);
/* Marks the inProgress operation failed with code and message (the version stays pending). */
enum mv_err mv_store_cert_fail(struct mv_store *st, const char *vault, const char *name,
                               const char *code, const char *message, int64_t now);

/* ImportCertificate: a new completed version in one step (key, secret, certificate); the policy is
 * built by the caller (x509_props derived from the certificate). Removes the name's operation
 * object (imports leave no "pending"); MV_E_OP_IN_PROGRESS while one is inProgress. */
struct mv_cert_import {
    const struct mv_cert_policy *policy; /* copied */
    struct mv_keymat *mat;               /* the store takes a reference */
    struct mv_cert_issue issue;
};
enum mv_err mv_store_cert_import(struct mv_store *st, const char *vault, const char *name,
                                 const struct mv_cert_import *in, int64_t now,
                                 struct mv_object_view *out);

/* The operation object: a copy the caller frees with mv_cert_op_free (MV_E_NO_OP when none). */
enum mv_err mv_store_cert_op_get(struct mv_store *st, const char *vault, const char *name,
                                 struct mv_cert_op **out);
/* PATCH pending {"cancellation_requested":true}: sets the flag (the status stays inProgress until
 * mv_store_cert_settle). MV_E_OP_NOT_IN_PROGRESS when it is not inProgress. */
enum mv_err mv_store_cert_op_cancel(struct mv_store *st, const char *vault, const char *name,
                                    int64_t now, struct mv_cert_op **out);
/* DELETE pending: removes the operation object and returns it as it was. The pending version of
 * an operation deleted in progress stays as it is (enabled false, no certificate). */
enum mv_err mv_store_cert_op_delete(struct mv_store *st, const char *vault, const char *name,
                                    struct mv_cert_op **out);
/* Settles a cancellation: an inProgress operation with cancellation_requested becomes cancelled
 * (its key released). Returns MV_OK whether or not anything changed. */
enum mv_err mv_store_cert_settle(struct mv_store *st, const char *vault, const char *name,
                                 int64_t now);

/* UpdateCertificate: attributes and tags of a version (enabled and tags mirrored to its managed
 * key and secret), and the name's policy when given. */
struct mv_cert_update {
    bool has_tags;
    const struct mv_tags *tags;
    bool has_enabled, enabled;
    const struct mv_cert_policy *policy; /* NULL = unchanged */
};
enum mv_err mv_store_cert_update(struct mv_store *st, const char *vault, const char *name,
                                 const char *version, const struct mv_cert_update *upd, int64_t now,
                                 struct mv_object_view *out);

/* Policy of a live certificate (copy into *out, caller finishes it) and its replacement
 * (created kept, updated = now). */
enum mv_err mv_store_cert_policy_get(struct mv_store *st, const char *vault, const char *name,
                                     struct mv_cert_policy *out);
enum mv_err mv_store_cert_policy_set(struct mv_store *st, const char *vault, const char *name,
                                     const struct mv_cert_policy *in, int64_t now,
                                     struct mv_cert_policy *out);

/* Lists of certificates: as mv_store_list / mv_store_list_deleted, but a name whose versions are
 * all pending is left out unless include_pending (spec §3 GetCertificates). */
enum mv_err mv_store_cert_list(struct mv_store *st, const char *vault, bool deleted,
                               bool include_pending, const char *marker, size_t max,
                               struct mv_object_view **items, size_t *n, char **next_marker);

/* Backup and restore of a certificate with its managed key and secret (all versions): *cert,
 * *key, *secret are deep copies (caller frees with mv_object_finish + free; key and secret may
 * be NULL for a name with no completed version). Restore takes ownership of all three on MV_OK
 * only; MV_E_EXISTS when any of the three names is taken. */
enum mv_err mv_store_cert_backup(struct mv_store *st, const char *vault, const char *name,
                                 struct mv_object **cert, struct mv_object **key,
                                 struct mv_object **secret);
enum mv_err mv_store_cert_restore(struct mv_store *st, const char *vault, struct mv_object *cert,
                                  struct mv_object *key, struct mv_object *secret,
                                  struct mv_object_view *out);

/* Contacts of a vault: get (MV_E_NOT_FOUND when none were set), set (replaces), delete (returns
 * the deleted list; MV_E_NOT_FOUND when none). Arrays are deep copies the caller frees with
 * mv_cert_contacts_free. */
void mv_cert_contacts_free(struct mv_cert_contact *c, size_t n);
enum mv_err mv_store_contacts_get(struct mv_store *st, const char *vault,
                                  struct mv_cert_contact **out, size_t *n);
enum mv_err mv_store_contacts_set(struct mv_store *st, const char *vault,
                                  const struct mv_cert_contact *in, size_t n);
enum mv_err mv_store_contacts_delete(struct mv_store *st, const char *vault,
                                     struct mv_cert_contact **out, size_t *n);

/* Issuers of a vault (sorted by lower-cased name): get/delete answer MV_E_NOT_FOUND for an
 * unknown name; set replaces (created kept when it existed); update merges the members whose
 * has_* / non-NULL fields the caller filled (credentials kept when absent). Copies out are freed
 * with mv_cert_issuer_finish (+ free for arrays, via mv_cert_issuers_free). */
void mv_cert_issuers_free(struct mv_cert_issuer *i, size_t n);
enum mv_err mv_store_issuers_list(struct mv_store *st, const char *vault,
                                  struct mv_cert_issuer **out, size_t *n);
enum mv_err mv_store_issuer_get(struct mv_store *st, const char *vault, const char *name,
                                struct mv_cert_issuer *out);
enum mv_err mv_store_issuer_set(struct mv_store *st, const char *vault,
                                const struct mv_cert_issuer *in, bool merge, int64_t now,
                                struct mv_cert_issuer *out);
enum mv_err mv_store_issuer_delete(struct mv_store *st, const char *vault, const char *name,
                                   struct mv_cert_issuer *out);

/* Lifetime actions on the mock clock (spec §1, issue 11): for each live certificate whose policy
 * has an action due at now (lifetime_percentage of the current version's validity after nbf, or
 * days_before_expiry before exp), once per version, reports it. due (may be NULL) is called
 * without the lock held; the caller renews (a new version through mv_store_cert_begin and
 * mv_store_cert_complete) or journals EmailContacts. Returns the number of actions reported.
 * Cheap when no certificate has a due action (a remembered lower bound, as for rotation). */
typedef void (*mv_cert_action_fn)(void *ctx, const char *vault, const char *name,
                                  enum mv_cert_action_type type, const char *version);
size_t mv_store_cert_actions_due(struct mv_store *st, int64_t now, mv_cert_action_fn due,
                                 void *ctx);

#endif
