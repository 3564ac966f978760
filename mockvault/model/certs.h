/* certs.h: the data of the certificates family (spec/keyvault-certificates.md §1, §2): a
 * certificate's policy, its pending operation, a version's certificate, a vault's contacts and
 * issuers. A certificate version is three objects with the same name and version: the certificate
 * (MV_OBJ_CERT), its managed key (MV_OBJ_KEY, the private key) and its managed secret
 * (MV_OBJ_SECRET, the PFX or PEM the policy asks for), so the key and the secret are ordinary
 * versions of their families marked managed. No HTTP here; the policy's JSON is the wire JSON (spec
 * §2), which the fixtures and snapshots use too, so one parser and one writer serve the handlers
 * and the state. */
#ifndef MV_CERTS_H
#define MV_CERTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keymat.h"

/* A list of strings whose presence on the wire is kept: absent (omitted), or present with n >= 0
 * items ("ekus":[] stays []). */
struct mv_strlist {
    bool present;
    size_t n;
    char **items; /* owned */
};

/* X.509 key usage, by the wire names in mv_cert_ku_names (RFC 5280 bit order); emitted in this
 * order whatever order a request used. */
enum mv_cert_ku {
    MV_KU_DIGITAL_SIGNATURE = 1u << 0, /* "digitalSignature" */
    MV_KU_NON_REPUDIATION = 1u << 1,   /* "nonRepudiation" */
    MV_KU_KEY_ENCIPHERMENT = 1u << 2,  /* "keyEncipherment" */
    MV_KU_DATA_ENCIPHERMENT = 1u << 3, /* "dataEncipherment" */
    MV_KU_KEY_AGREEMENT = 1u << 4,     /* "keyAgreement" */
    MV_KU_KEY_CERT_SIGN = 1u << 5,     /* "keyCertSign" */
    MV_KU_CRL_SIGN = 1u << 6,          /* "cRLSign" */
    MV_KU_ENCIPHER_ONLY = 1u << 7,     /* "encipherOnly" */
    MV_KU_DECIPHER_ONLY = 1u << 8,     /* "decipherOnly" */
};
extern const char *const mv_cert_ku_names[]; /* index i names bit 1 << i; NULL-terminated */

/* x509_props.sans: each list kept as sent; present false omits "sans". */
struct mv_cert_sans {
    bool present;
    struct mv_strlist emails, dns_names, upns, uris, ip_addresses; /* wire order */
};

enum mv_cert_action_type { MV_CERT_AUTO_RENEW = 0, MV_CERT_EMAIL_CONTACTS };
/* One lifetime action: trigger lifetime_percentage (1..99) or days_before_expiry. */
struct mv_cert_lifetime_action {
    bool by_percentage;
    int value;
    enum mv_cert_action_type type;
};
#define MV_CERT_ACTIONS_MAX 4

/* A certificate policy with every default filled (spec §2 "Defaults filled by the service"). */
struct mv_cert_policy {
    /* key_props */
    bool exportable;
    enum mv_kty kty;
    bool hsm;          /* kty RSA-HSM / EC-HSM */
    unsigned key_size; /* RSA bits; EC: the curve's size as the service writes it */
    enum mv_crv crv;   /* EC only */
    bool reuse_key;
    /* secret_props */
    char *content_type; /* owned: "application/x-pkcs12" or "application/x-pem-file" */
    /* x509_props */
    char *subject; /* owned; NULL = omitted (a SAN-only certificate) */
    struct mv_cert_sans sans;
    struct mv_strlist ekus; /* OIDs */
    unsigned key_usage;     /* enum mv_cert_ku bits */
    int validity_months;
    bool ca; /* basic_constraints.ca */
    struct mv_cert_lifetime_action actions[MV_CERT_ACTIONS_MAX];
    size_t nactions;
    /* issuer */
    char *issuer_name; /* owned: "Self", "Unknown" or an issuer's name */
    char *issuer_cty;  /* owned; NULL = omitted */
    bool has_cert_transparency, cert_transparency;
    /* attributes */
    bool enabled;
    int64_t created, updated;
    /* Not on the wire: which lifetime actions were reported for which version
     * (mv_store_cert_actions_due), so each fires once per version; kept in snapshots. */
    char actioned[33];      /* the version ("" = none yet) */
    unsigned actioned_mask; /* bit i: actions[i] was reported for it */
};

/* Frees what p owns (not p). Accepts NULL. */
void mv_cert_policy_finish(struct mv_cert_policy *p);
/* Deep copy; returns 0, or -1 when out of memory (dst then owns nothing). */
int mv_cert_policy_copy(struct mv_cert_policy *dst, const struct mv_cert_policy *src);
/* Reads a policy from its wire JSON (a request body's "policy", a fixture's), filling the
 * service's defaults for what is absent; base (may be NULL) supplies the members a partial update
 * leaves out (UpdateCertificatePolicy merges members). Returns 0, or -1 with a message in err that
 * says what to fix (the handlers answer it as 400 BadParameter; a fixture error names the path). */
int mv_cert_policy_parse(const cJSON *j, const struct mv_cert_policy *base,
                         struct mv_cert_policy *out, char *err, size_t errlen);
/* The wire JSON of a policy without "id" (the writer adds it first), keys in recorded order. */
cJSON *mv_cert_policy_json(const struct mv_cert_policy *p);
/* Request bodies may carry members the parser does not know (the service ignores them), but a
 * fixture or snapshot may not: returns 1 with the first unknown member's path inside the policy
 * ("x509_props.subjet") in path, else 0. */
int mv_cert_policy_unknown_field(const cJSON *j, char *path, size_t pathlen);

enum mv_cert_op_status {
    MV_COP_IN_PROGRESS = 0, /* "inProgress" */
    MV_COP_COMPLETED,       /* "completed" */
    MV_COP_CANCELLED,       /* "cancelled" */
    MV_COP_FAILED,          /* "failed" */
};
extern const char *const mv_cert_op_status_names[];

/* The pending operation of a name (spec §2 CertificateOperation): at most one per certificate. */
struct mv_cert_op {
    char *issuer_name;  /* owned */
    unsigned char *csr; /* owned DER PKCS#10 */
    size_t csr_len;
    bool cancellation_requested;
    enum mv_cert_op_status status;
    char request_id[33];              /* 32 lowercase hex */
    char version[33];                 /* the certificate version it completes */
    char *error_code, *error_message; /* owned; failed only */
    struct mv_keymat *mat;            /* one reference while in progress (the CSR's key); NULL
                                         once completed, cancelled or failed */
    int64_t created;
    bool enabled_on_complete; /* the enabled state the version gets when it completes */
};
void mv_cert_op_free(struct mv_cert_op *op);   /* accepts NULL */
void mv_cert_op_finish(struct mv_cert_op *op); /* frees what op owns (not op); accepts NULL */
/* Deep copy into dst (the key by one more reference); 0, or -1 when out of memory. */
int mv_cert_op_copy(struct mv_cert_op *dst, const struct mv_cert_op *src);
/* A deep copy (the key by one more reference). NULL when out of memory. */
struct mv_cert_op *mv_cert_op_clone(const struct mv_cert_op *op);

/* What a certificate version holds beyond the shared attributes (nbf/exp = the certificate's
 * notBefore/notAfter once issued). */
struct mv_cert_info {
    unsigned char *der; /* owned leaf certificate; NULL while the version is pending */
    size_t der_len;
    char x5t[28]; /* unpadded base64url of SHA-1(der); "" while pending */
};

struct mv_cert_contact {
    char *email, *name, *phone; /* owned; NULL = omitted */
};

struct mv_cert_admin {
    char *first_name, *last_name, *email, *phone; /* owned; NULL = omitted */
};

/* A certificate issuer (spec §3 Issuers). The password is kept (it round-trips through the
 * state) but never returned on the wire. */
struct mv_cert_issuer {
    char *name;
    char *provider;
    char *account_id; /* credentials.account_id; NULL = omitted */
    char *pwd;        /* credentials.pwd; never on the wire, never logged */
    bool has_org;     /* org_details present */
    char *org_id;     /* org_details.id; NULL = omitted */
    struct mv_cert_admin *admins;
    size_t nadmins;
    bool enabled;
    bool has_enabled; /* an update (merge) only: false keeps the stored enabled state */
    int64_t created, updated;
};
void mv_cert_issuer_finish(struct mv_cert_issuer *i); /* accepts NULL */

#endif
