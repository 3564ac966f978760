/* kvclient.h: the public API of libkvclient, a client for the Azure Key Vault secrets, keys and
 * certificates APIs.
 *
 * One opaque handle (struct kv_client) per vault. It authenticates with the Key Vault challenge
 * (the first request goes out without a token; the 401's WWW-Authenticate names the tenant and
 * the resource), caches tokens per scope and refreshes them before they expire, retries throttled
 * and failed requests with exponential backoff honouring Retry-After, and reuses connections.
 *
 * Thread safety: a kv_client may be used from several threads at once. Each call borrows one of
 * the handle's connections; the token cache is shared, and concurrent callers that need a token
 * for the same scope wait for one fetch instead of fetching twice. Credentials, secrets and pagers
 * must not be shared between threads without external locking. kv_global_init() must run before
 * any thread creates a client (it initialises libcurl).
 *
 * Memory: every function that returns heap memory says how to free it. Secret values, tokens,
 * key material, plaintexts and signatures are held in memory that the library overwrites with
 * zeros before freeing it; the library never writes any of them to the trace callback or to an
 * error message.
 *
 * Status codes: every call returns an enum kv_status. The numbers are stable and only ever
 * appended to; the kvclient CLI uses them as its exit code. */
#ifndef KVCLIENT_H
#define KVCLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KV_BUILDING) && defined(__GNUC__)
#define KV_EXPORT __attribute__((visibility("default")))
#else
#define KV_EXPORT
#endif

/* KV_VERSION_STRING, generated from the build's project version. */
#include "kvclient-version.h"

/* X(number, name, description). Append only; never renumber. */
#define KV_STATUS_MAP(X)                                                                           \
    X(0, OK, "success")                                                                            \
    X(1, E_INVALID_ARG, "invalid argument")                                                        \
    X(2, E_USAGE, "command-line usage error")                                                      \
    X(3, E_NOMEM, "out of memory")                                                                 \
    X(4, E_IO, "file could not be read or written")                                                \
    X(5, E_NETWORK, "could not connect to the server")                                             \
    X(6, E_TLS, "TLS handshake or certificate verification failed")                                \
    X(7, E_TIMEOUT, "the request or the overall deadline timed out")                               \
    X(8, E_NO_CREDENTIAL, "no credential is configured or available")                              \
    X(9, E_AUTH, "a token could not be obtained")                                                  \
    X(10, E_CHALLENGE, "the authentication challenge failed verification")                         \
    X(11, E_UNAUTHORIZED, "the server rejected the token (401)")                                   \
    X(12, E_FORBIDDEN, "access denied (403)")                                                      \
    X(13, E_DISABLED, "the secret or key is disabled (403 SecretDisabled, KeyDisabled)")           \
    X(14, E_NOT_FOUND, "not found (404)")                                                          \
    X(15, E_CONFLICT, "conflict (409)")                                                            \
    X(16, E_BAD_REQUEST, "the server refused the request as invalid (400)")                        \
    X(17, E_THROTTLED, "throttled (429) and the retries ran out")                                  \
    X(18, E_SERVER, "server error (5xx) and the retries ran out")                                  \
    X(19, E_HTTP, "unexpected HTTP status")                                                        \
    X(20, E_PROTOCOL, "the response could not be understood")                                      \
    X(21, E_TOO_LARGE, "the response is larger than the client accepts")                           \
    X(22, E_EXPIRED, "the secret or key is expired or not yet valid")

enum kv_status {
#define KV_STATUS_ENUM(n, name, desc) KV_##name = n,
    KV_STATUS_MAP(KV_STATUS_ENUM)
#undef KV_STATUS_ENUM
};

/* Static description of a status ("not found (404)"); never NULL. */
KV_EXPORT const char *kv_strerror(int status);
/* Static name of a status ("KV_E_NOT_FOUND"); never NULL ("KV_E_UNKNOWN" for unknown numbers). */
KV_EXPORT const char *kv_status_name(int status);

/* Details of a failed call. Callers own it (usually on the stack) and pass it to each call; every
 * field is empty or 0 when the failure happened before a response (then message says why). */
struct kv_error {
    int status;          /* the enum kv_status the call returned */
    long http_status;    /* HTTP status of the last response, 0 if none */
    char code[64];       /* error.code, e.g. "Forbidden" */
    char inner_code[64]; /* error.innererror.code, e.g. "SecretDisabled" */
    char message[1024];  /* error.message, or the client's own explanation */
    char request_id[80]; /* x-ms-request-id of the failed response */
    int attempts;        /* HTTP attempts to the vault for the operation: the challenge
                            round, retries and a 401 refresh round included */
};

/* Initialises libcurl for the process. Call once before creating clients; thread-unsafe, like
 * curl_global_init. Returns KV_OK or KV_E_NOMEM. */
KV_EXPORT int kv_global_init(void);
KV_EXPORT void kv_global_cleanup(void);

/* ----- Credentials ------------------------------------------------------------------------- */

/* A credential says how to get tokens. It is configuration only: tokens are fetched by the client
 * it is attached to, with that client's TLS, proxy and retry settings. */
struct kv_credential;

/* Client secret of an app registration (Entra client-credentials grant). authority_host: NULL for
 * https://login.microsoftonline.com. All strings are copied. *out is NULL on failure. */
KV_EXPORT int kv_credential_client_secret(const char *tenant, const char *client_id,
                                          const char *client_secret, const char *authority_host,
                                          struct kv_credential **out);
/* Client certificate: pem_path holds the certificate and its RSA private key (PEM, unencrypted),
 * as AZURE_CLIENT_CERTIFICATE_PATH does for the official SDKs. The token request carries an RS256
 * client assertion with the certificate's SHA-1 thumbprint as x5t. The file is read here. */
KV_EXPORT int kv_credential_client_certificate(const char *tenant, const char *client_id,
                                               const char *pem_path, const char *authority_host,
                                               struct kv_credential **out);
/* Managed identity: App Service style when IDENTITY_ENDPOINT and IDENTITY_HEADER are set, else
 * IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST (default http://169.254.169.254). client_id selects a
 * user-assigned identity (NULL = system-assigned). The environment is read here. */
KV_EXPORT int kv_credential_managed_identity(const char *client_id, struct kv_credential **out);
/* A fixed bearer token, used for every scope (for tests and tokens obtained elsewhere).
 * expires_on: unix seconds, 0 = never. */
KV_EXPORT int kv_credential_static_token(const char *token, int64_t expires_on,
                                         struct kv_credential **out);
/* The environment chain, like DefaultAzureCredential: AZURE_TENANT_ID + AZURE_CLIENT_ID +
 * AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), with AZURE_AUTHORITY_HOST; otherwise a
 * managed identity (AZURE_CLIENT_ID selects a user-assigned one). KV_E_NO_CREDENTIAL when the
 * environment names no usable credential; err->message says which variables are missing. */
KV_EXPORT int kv_credential_from_env(struct kv_credential **out, struct kv_error *err);
/* A short static description ("client secret", "managed identity (App Service)"...). */
KV_EXPORT const char *kv_credential_kind(const struct kv_credential *cred);
/* Accepts NULL. Wipes the client secret and key material. */
KV_EXPORT void kv_credential_destroy(struct kv_credential *cred);

/* ----- Client ------------------------------------------------------------------------------ */

struct kv_client;

/* Trace callback for -v style diagnostics: one line per event (request line, status, retry
 * decision, token fetch). Authorization headers, tokens, secrets and secret values are masked
 * before the line is built. It is called from whichever thread makes the call, so from several
 * threads at once when the client is shared; it is never called with a lock of the library held,
 * so it may call into the client. */
typedef void (*kv_trace_fn)(void *ctx, const char *line);

struct kv_options {
    const char *vault_url;         /* required: https://{vault}.vault.azure.net or any https URL */
    const char *api_version;       /* NULL = "7.5" */
    const char *ca_file;           /* PEM bundle; NULL = SSL_CERT_FILE, else the system store */
    int verify_challenge_resource; /* 1 (default): the challenge resource must be a parent
                                      domain of the vault host, as the official SDKs check */
    int allow_any_tenant;          /* 0 (default): a challenge naming another tenant than the
                                      credential's is refused (additionallyAllowedTenants) */
    int max_retries;               /* retries after the first attempt; default 4 */
    unsigned retry_delay_ms;       /* backoff base; default 800 */
    unsigned max_retry_delay_ms;   /* backoff cap; default 60000. A server's Retry-After may ask
                                      for more (up to a day) and is honoured, as the SDKs do:
                                      set deadline_ms to bound the total wait */
    unsigned timeout_ms;           /* per HTTP attempt; default 30000 */
    unsigned deadline_ms;          /* per operation, retries and waits included; 0 = none */
    unsigned refresh_before_s;     /* refresh tokens this long before expiry; default 300 */
    kv_trace_fn trace;             /* NULL = no tracing */
    void *trace_ctx;
};

/* Fills opts with the defaults above. */
KV_EXPORT void kv_options_init(struct kv_options *opts);

/* Creates a client for one vault. The client takes ownership of cred (also on failure). Strings in
 * opts are copied. *out is NULL on failure; err (may be NULL) says why. Free with
 * kv_client_destroy(). */
KV_EXPORT int kv_client_create(const struct kv_options *opts, struct kv_credential *cred,
                               struct kv_client **out, struct kv_error *err);
/* Accepts NULL. */
KV_EXPORT void kv_client_destroy(struct kv_client *client);

/* A token for scope (e.g. "https://vault.azure.net/.default") from the client's cache or its
 * credential. *token: caller frees with kv_free_secret(). *expires_on: unix seconds (may be
 * NULL); for a fetched token at most three days ahead (a longer lifetime is clamped and the token
 * refreshed earlier). A token response whose expires_in or expires_on is not a whole number that
 * fits 64 bits, or does not lie ahead, fails with KV_E_PROTOCOL. */
KV_EXPORT int kv_client_get_token(struct kv_client *client, const char *scope, char **token,
                                  int64_t *expires_on, struct kv_error *err);

/* Counters since creation, for tests and benchmarks. */
struct kv_stats {
    unsigned long requests;      /* HTTP attempts to the vault, challenges and retries included */
    unsigned long token_fetches; /* token requests sent to an identity endpoint */
    unsigned long retries;       /* attempts that were retries */
    unsigned long connections;   /* new connections opened (TLS handshakes) */
};
KV_EXPORT void kv_client_stats(const struct kv_client *client, struct kv_stats *out);

/* ----- Secrets ----------------------------------------------------------------------------- */

struct kv_tag {
    char *name;
    char *value;
};

/* A secret bundle, a secret item (from a list; value NULL) or a deleted secret. Optional fields are
 * NULL, or 0 for times (unix seconds). Everything is owned by the struct; free with
 * kv_secret_free(), which wipes the value. Times lie within the years 1 to 9999 (-62135596800 to
 * 253402300799, what the service can hold) and recoverable_days within 0 to INT_MAX: a response
 * with a number outside them, fractional or not finite fails with KV_E_PROTOCOL naming it. */
struct kv_secret {
    char *id; /* https://{vault}/secrets/{name}/{version} (items: without version) */
    char *name;
    char *version;
    char *value; /* NULL for items and after delete */
    char *content_type;
    char *kid;          /* set for secrets backing a certificate */
    int enabled;        /* 1 or 0 */
    int managed;        /* 1 when managed by a certificate */
    int64_t not_before; /* nbf */
    int64_t expires;    /* exp */
    int64_t created;
    int64_t updated;
    char *recovery_level;
    int recoverable_days;
    struct kv_tag *tags;
    size_t n_tags;
    /* Deleted secrets only. */
    char *recovery_id;
    int64_t deleted_date;
    int64_t scheduled_purge_date;
};

/* Accepts NULL. */
KV_EXPORT void kv_secret_free(struct kv_secret *secret);

/* Splits a secret identifier as the service writes it in "id" and "recoveryId" and as az's --id
 * takes it: https://{host[:port]}/secrets/{name}[/{version}] or .../deletedsecrets/{name}; a
 * trailing "/" after the name means no version. vault_url receives "https://{host[:port]}",
 * version NULL when the id names none. Each of vault_url, name and version may be NULL when the
 * caller does not want that part; the others receive new strings that the caller frees with
 * kv_free(), and all are NULL after a failure. Returns KV_OK, KV_E_NOMEM or KV_E_INVALID_ARG;
 * then err (may be NULL) holds a message phrased as a predicate of the id ("has no
 * /secrets/NAME path"), so a caller can put the name it gave the id in front. */
KV_EXPORT int kv_secret_id_parse(const char *id, char **vault_url, char **name, char **version,
                                 struct kv_error *err);

/* Properties to set with kv_secret_set() or change with kv_secret_update(). Fields left at their
 * kv_props_init() values are not sent. */
struct kv_props {
    const char *content_type;
    int enabled;               /* -1 = leave, 0, 1 */
    int64_t not_before;        /* 0 = leave */
    int64_t expires;           /* 0 = leave */
    const struct kv_tag *tags; /* sent when set_tags is 1 (n_tags may be 0 to clear them) */
    size_t n_tags;
    int set_tags;
};
KV_EXPORT void kv_props_init(struct kv_props *props);

/* Every operation: returns a kv_status; err (may be NULL) gets the details of a failure. Where
 * *out is given, it holds a new kv_secret on success (free with kv_secret_free) and NULL on
 * failure; out may be NULL when the caller does not need the result. */

/* PUT /secrets/{name}: a new version. props may be NULL. */
KV_EXPORT int kv_secret_set(struct kv_client *c, const char *name, const char *value,
                            const struct kv_props *props, struct kv_secret **out,
                            struct kv_error *err);
/* GET /secrets/{name}/{version}; version NULL or "" = the latest. A disabled secret fails with
 * KV_E_DISABLED. */
KV_EXPORT int kv_secret_get(struct kv_client *c, const char *name, const char *version,
                            struct kv_secret **out, struct kv_error *err);
/* PATCH /secrets/{name}/{version}; version NULL or "" = the latest. */
KV_EXPORT int kv_secret_update(struct kv_client *c, const char *name, const char *version,
                               const struct kv_props *props, struct kv_secret **out,
                               struct kv_error *err);
/* DELETE /secrets/{name}; *out is the deleted secret. */
KV_EXPORT int kv_secret_delete(struct kv_client *c, const char *name, struct kv_secret **out,
                               struct kv_error *err);
/* GET /deletedsecrets/{name}. */
KV_EXPORT int kv_secret_get_deleted(struct kv_client *c, const char *name, struct kv_secret **out,
                                    struct kv_error *err);
/* POST /deletedsecrets/{name}/recover; *out is the recovered secret (without value). */
KV_EXPORT int kv_secret_recover(struct kv_client *c, const char *name, struct kv_secret **out,
                                struct kv_error *err);
/* DELETE /deletedsecrets/{name}. */
KV_EXPORT int kv_secret_purge(struct kv_client *c, const char *name, struct kv_error *err);
/* POST /secrets/{name}/backup. *blob: the opaque backup (base64url text as the service returns it);
 * caller frees with kv_free_secret(). */
KV_EXPORT int kv_secret_backup(struct kv_client *c, const char *name, char **blob,
                               struct kv_error *err);
/* POST /secrets/restore with a blob from kv_secret_backup(). */
KV_EXPORT int kv_secret_restore(struct kv_client *c, const char *blob, struct kv_secret **out,
                                struct kv_error *err);

/* Paging iterator over GetSecrets, GetSecretVersions or GetDeletedSecrets. Pages are fetched as
 * needed by following nextLink (only to the vault's own origin). */
struct kv_pager;
enum kv_list_kind { KV_LIST_SECRETS = 0, KV_LIST_VERSIONS = 1, KV_LIST_DELETED = 2 };

/* name: the secret for KV_LIST_VERSIONS, else NULL. maxresults: page size hint 1..25, 0 = the
 * server's default. No request is made until the first kv_pager_next(). Free with
 * kv_pager_destroy(). */
KV_EXPORT int kv_pager_create(struct kv_client *c, enum kv_list_kind kind, const char *name,
                              int maxresults, struct kv_pager **out);
/* The next item in *out (free with kv_secret_free), or KV_OK with *out NULL at the end. */
KV_EXPORT int kv_pager_next(struct kv_pager *p, struct kv_secret **out, struct kv_error *err);
/* Pages fetched so far. */
KV_EXPORT unsigned kv_pager_pages(const struct kv_pager *p);
/* Accepts NULL. */
KV_EXPORT void kv_pager_destroy(struct kv_pager *p);

/* ----- Keys -------------------------------------------------------------------------------- */

/* A byte string; data is NULL when len is 0. Inside library structs it is owned by the struct. */
struct kv_bytes {
    unsigned char *data;
    size_t len;
};

/* A key bundle, a key item (from a list; kty NULL and no public parts) or a deleted key. The
 * service never returns private material, so a kv_key holds only the public JWK. Optional fields
 * are NULL, or 0 for times (unix seconds). Everything is owned by the struct; free with
 * kv_key_free(). Times and recoverable_days are bounded as for kv_secret (KV_E_PROTOCOL
 * otherwise), and so is a public part that is not base64url. */
struct kv_key {
    char *id; /* kid: https://{vault}/keys/{name}/{version} (GetKeys items: without version) */
    char *name;
    char *version;
    char *kty;      /* "RSA", "RSA-HSM", "EC", "EC-HSM", "oct-HSM" */
    char **key_ops; /* in the order the service gives them */
    size_t n_key_ops;
    char *crv;            /* EC: "P-256", "P-256K", "P-384", "P-521" */
    struct kv_bytes n, e; /* RSA modulus and public exponent, unsigned big-endian */
    struct kv_bytes x, y; /* EC point, each the curve's field length */
    int key_size;         /* RSA bits: attributes.key_size, else from n; 0 unknown */
    int enabled;          /* 1 or 0 */
    int exportable;       /* 1 when the service says so */
    int managed;          /* 1 when managed by a certificate */
    int64_t not_before;   /* nbf */
    int64_t expires;      /* exp */
    int64_t created;
    int64_t updated;
    char *recovery_level;
    int recoverable_days;
    char *hsm_platform; /* attributes.hsmPlatform, e.g. "0" */
    struct kv_tag *tags;
    size_t n_tags;
    /* Deleted keys only. */
    char *recovery_id;
    int64_t deleted_date;
    int64_t scheduled_purge_date;
};

/* Accepts NULL. */
KV_EXPORT void kv_key_free(struct kv_key *key);

/* Splits a key identifier (a kid or a deleted key's recoveryId) as kv_secret_id_parse() splits a
 * secret's: https://{host[:port]}/keys/{name}[/{version}] or .../deletedkeys/{name}. The same
 * ownership and errors; messages are phrased as predicates of the id ("has no /keys/NAME path"). */
KV_EXPORT int kv_key_id_parse(const char *id, char **vault_url, char **name, char **version,
                              struct kv_error *err);

/* Properties of a key to set at creation or import, or to change with kv_key_update(). Fields left
 * at their kv_key_props_init() values are not sent. */
struct kv_key_props {
    int enabled;                /* -1 = leave, 0, 1 */
    int64_t not_before;         /* 0 = leave */
    int64_t expires;            /* 0 = leave */
    const char *const *key_ops; /* sent when set_key_ops is 1 ("encrypt", "sign", ...) */
    size_t n_key_ops;
    int set_key_ops;
    const struct kv_tag *tags; /* sent when set_tags is 1 (n_tags may be 0 to clear them) */
    size_t n_tags;
    int set_tags;
};
KV_EXPORT void kv_key_props_init(struct kv_key_props *props);

/* A JSON Web Key with its private parts, for kv_key_import(). kty "RSA" needs n, e, d and
 * usually p, q, dp, dq, qi; kty "EC" needs crv, x, y and d. Parts are unsigned big-endian. Free
 * a kv_jwk from kv_jwk_from_pem() with kv_jwk_free(), which wipes every part. */
struct kv_jwk {
    char *kty;
    char *crv;
    struct kv_bytes n, e, d, p, q, dp, dq, qi; /* RSA */
    struct kv_bytes x, y;                      /* EC (with d) */
};
/* Reads an unencrypted PEM private key (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY" or PKCS#8
 * "PRIVATE KEY") of len bytes into a new kv_jwk (RSA, or EC on P-256, P-384 or P-521). The PEM
 * text is not kept. KV_E_INVALID_ARG when it is not such a key (the message never quotes it). */
KV_EXPORT int kv_jwk_from_pem(const char *pem, size_t len, struct kv_jwk **out,
                              struct kv_error *err);
/* Accepts NULL. */
KV_EXPORT void kv_jwk_free(struct kv_jwk *jwk);

/* Every key operation: returns a kv_status; err (may be NULL) gets the details of a failure.
 * Where *out is given, it holds a new kv_key on success (free with kv_key_free) and NULL on
 * failure; out may be NULL when the caller does not need the result. A disabled key can still be
 * read and updated (403 KeyDisabled only for the operations that use the private key). */

/* POST /keys/{name}/create: a new key or a new version. kty: "RSA", "RSA-HSM", "EC", "EC-HSM".
 * size: RSA bits (2048, 3072, 4096), 0 = the service's default. curve: EC curve, NULL = the
 * service's default (P-256). props may be NULL. */
KV_EXPORT int kv_key_create(struct kv_client *c, const char *name, const char *kty, int size,
                            const char *curve, const struct kv_key_props *props,
                            struct kv_key **out, struct kv_error *err);
/* PUT /keys/{name}: imports jwk (with its private parts) as a new version. hsm: 1 asks for an
 * HSM-protected key. props may be NULL; its key_ops become the JWK's key_ops. */
KV_EXPORT int kv_key_import(struct kv_client *c, const char *name, const struct kv_jwk *jwk,
                            int hsm, const struct kv_key_props *props, struct kv_key **out,
                            struct kv_error *err);
/* GET /keys/{name}/{version}; version NULL or "" = the latest. */
KV_EXPORT int kv_key_get(struct kv_client *c, const char *name, const char *version,
                         struct kv_key **out, struct kv_error *err);
/* PATCH /keys/{name}/{version}; version NULL or "" = the latest. */
KV_EXPORT int kv_key_update(struct kv_client *c, const char *name, const char *version,
                            const struct kv_key_props *props, struct kv_key **out,
                            struct kv_error *err);
/* DELETE /keys/{name}; *out is the deleted key. */
KV_EXPORT int kv_key_delete(struct kv_client *c, const char *name, struct kv_key **out,
                            struct kv_error *err);
/* GET /deletedkeys/{name}. */
KV_EXPORT int kv_key_get_deleted(struct kv_client *c, const char *name, struct kv_key **out,
                                 struct kv_error *err);
/* POST /deletedkeys/{name}/recover; *out is the recovered key. */
KV_EXPORT int kv_key_recover(struct kv_client *c, const char *name, struct kv_key **out,
                             struct kv_error *err);
/* DELETE /deletedkeys/{name}. */
KV_EXPORT int kv_key_purge(struct kv_client *c, const char *name, struct kv_error *err);
/* POST /keys/{name}/backup. *blob: the opaque backup (base64url text as the service returns it);
 * caller frees with kv_free_secret(). */
KV_EXPORT int kv_key_backup(struct kv_client *c, const char *name, char **blob,
                            struct kv_error *err);
/* POST /keys/restore with a blob from kv_key_backup(). */
KV_EXPORT int kv_key_restore(struct kv_client *c, const char *blob, struct kv_key **out,
                             struct kv_error *err);
/* POST /keys/{name}/rotate: a new version with the same type, size and operations. */
KV_EXPORT int kv_key_rotate(struct kv_client *c, const char *name, struct kv_key **out,
                            struct kv_error *err);

/* Paging over GetKeys, GetKeyVersions or GetDeletedKeys, with the same struct kv_pager as the
 * secrets (kv_pager_pages and kv_pager_destroy apply; kv_pager_next refuses a key pager and
 * kv_key_pager_next a secret pager, with KV_E_INVALID_ARG). name: the key for
 * KV_LIST_KEY_VERSIONS, else NULL; maxresults as for kv_pager_create(). */
enum kv_key_list_kind { KV_LIST_KEYS = 0, KV_LIST_KEY_VERSIONS = 1, KV_LIST_DELETED_KEYS = 2 };
KV_EXPORT int kv_key_pager_create(struct kv_client *c, enum kv_key_list_kind kind, const char *name,
                                  int maxresults, struct kv_pager **out);
/* The next item in *out (free with kv_key_free), or KV_OK with *out NULL at the end. */
KV_EXPORT int kv_key_pager_next(struct kv_pager *p, struct kv_key **out, struct kv_error *err);

/* A key rotation policy (spec: at most one Rotate and one Notify action). Durations are ISO 8601
 * ("P90D", "P1Y2M"). Owned by the struct when the library returns it (free with
 * kv_rotation_policy_free); when the caller passes one in, the library only reads it. */
struct kv_lifetime_action {
    char *type;               /* "Rotate" or "Notify" */
    char *time_after_create;  /* trigger: NULL or a duration */
    char *time_before_expiry; /* trigger: NULL or a duration */
};
struct kv_rotation_policy {
    char *id; /* NULL for the default policy of a key that never had one set */
    struct kv_lifetime_action *actions;
    size_t n_actions;
    char *expiry_time; /* attributes.expiryTime: NULL or a duration */
    int64_t created;   /* 0 when absent */
    int64_t updated;
};
/* Accepts NULL. */
KV_EXPORT void kv_rotation_policy_free(struct kv_rotation_policy *policy);
/* GET /keys/{name}/rotationpolicy. */
KV_EXPORT int kv_key_rotation_policy_get(struct kv_client *c, const char *name,
                                         struct kv_rotation_policy **out, struct kv_error *err);
/* PUT /keys/{name}/rotationpolicy with policy's actions and expiry time (its id and times are
 * not sent); *out (may be NULL) is the policy as the service stored it. */
KV_EXPORT int kv_key_rotation_policy_set(struct kv_client *c, const char *name,
                                         const struct kv_rotation_policy *policy,
                                         struct kv_rotation_policy **out, struct kv_error *err);

/* The answer of a cryptographic operation: the raw bytes (base64url decoded) and the kid of the
 * key version the service used (a version-less call names the latest). value is wiped on free:
 * it may be a plaintext or a key. Free with kv_crypto_result_free(). */
struct kv_crypto_result {
    char *kid;
    struct kv_bytes value;
};
/* Accepts NULL. */
KV_EXPORT void kv_crypto_result_free(struct kv_crypto_result *r);

/* POST /keys/{name}/{version}/{encrypt|decrypt|wrapkey|unwrapkey|sign}; version NULL or "" = the
 * latest. alg: "RSA-OAEP", "RSA-OAEP-256", "RSA1_5" (encrypt, wrap); "RS256", "PS256", "ES256",
 * ... (sign, where data is the digest). data is sent base64url-encoded and never logged. */
KV_EXPORT int kv_key_encrypt(struct kv_client *c, const char *name, const char *version,
                             const char *alg, const void *data, size_t len,
                             struct kv_crypto_result **out, struct kv_error *err);
KV_EXPORT int kv_key_decrypt(struct kv_client *c, const char *name, const char *version,
                             const char *alg, const void *data, size_t len,
                             struct kv_crypto_result **out, struct kv_error *err);
KV_EXPORT int kv_key_wrap(struct kv_client *c, const char *name, const char *version,
                          const char *alg, const void *data, size_t len,
                          struct kv_crypto_result **out, struct kv_error *err);
KV_EXPORT int kv_key_unwrap(struct kv_client *c, const char *name, const char *version,
                            const char *alg, const void *data, size_t len,
                            struct kv_crypto_result **out, struct kv_error *err);
KV_EXPORT int kv_key_sign(struct kv_client *c, const char *name, const char *version,
                          const char *alg, const void *digest, size_t len,
                          struct kv_crypto_result **out, struct kv_error *err);
/* POST .../verify: *valid is 1 when the service says the signature matches the digest, else 0
 * (a mismatch is not an error). */
KV_EXPORT int kv_key_verify(struct kv_client *c, const char *name, const char *version,
                            const char *alg, const void *digest, size_t digest_len,
                            const void *signature, size_t signature_len, int *valid,
                            struct kv_error *err);

/* ----- Certificates ------------------------------------------------------------------------ */

/* A certificate version is three objects with the same name and version: the certificate, a
 * managed key (kid) and a managed secret (sid) that holds the certificate with its private key as
 * PFX or PEM (spec/keyvault-certificates.md §1). The key is used through kv_key_*; the secret is
 * read with kv_certificate_get_secret() (or kv_secret_get()). */

/* A certificate policy as the service returns it. json is the whole policy object, compact, in
 * the service's own (snake_case) shape, for printing and for sending back changed; the other
 * members are read from it for convenience (NULL, or 0 for numbers, when absent). Owned by the
 * struct; free with kv_certificate_policy_free(). */
struct kv_certificate_policy {
    char *id;         /* https://{vault}/certificates/{name}/policy */
    char *json;       /* the policy object as received */
    char *subject;    /* x509_props.subject; NULL for a certificate with SANs only */
    char **dns_names; /* x509_props.sans.dns_names */
    size_t n_dns_names;
    char *issuer_name;  /* issuer.name: "Self", "Unknown" or an issuer's name */
    char *kty;          /* key_props.kty: "RSA", "RSA-HSM", "EC", "EC-HSM" */
    int key_size;       /* key_props.key_size (RSA) */
    char *curve;        /* key_props.crv (EC) */
    int exportable;     /* key_props.exportable: 1 or 0 */
    int reuse_key;      /* key_props.reuse_key: 1 or 0 */
    char *content_type; /* secret_props.contentType: "application/x-pkcs12" or
                           "application/x-pem-file" */
    int validity_months;
    int enabled; /* attributes.enabled (1 when absent) */
    int64_t created;
    int64_t updated;
};
/* Accepts NULL. */
KV_EXPORT void kv_certificate_policy_free(struct kv_certificate_policy *policy);

/* What a policy says, for building one without writing JSON: fields left at their
 * kv_certificate_policy_spec_init() values are not sent, and the service fills its defaults
 * (RSA 2048 exportable, PFX, 12 months, serverAuth and clientAuth, 80 % AutoRenew for Self). */
struct kv_certificate_policy_spec {
    const char *subject;          /* "CN=www.contoso.com" */
    const char *const *dns_names; /* subject alternative names */
    size_t n_dns_names;
    const char *issuer_name;  /* "Self" (self-signed), "Unknown" (merge a CA's answer), or
                                 an issuer set with kv_certificate_issuer_set(); NULL = the
                                 service's default, "Unknown" */
    const char *kty;          /* NULL = "RSA" */
    int key_size;             /* 0 = the service's default */
    const char *curve;        /* EC only */
    int exportable;           /* -1 = leave, 0, 1 */
    int reuse_key;            /* -1 = leave, 0, 1 */
    const char *content_type; /* "application/x-pkcs12" or "application/x-pem-file" */
    int validity_months;      /* 0 = leave */
};
KV_EXPORT void kv_certificate_policy_spec_init(struct kv_certificate_policy_spec *spec);
/* The policy JSON (the wire's shape, for kv_certificate_create() and the other calls that take
 * policy_json) of spec. *json: caller frees with kv_free(). KV_E_INVALID_ARG when spec holds
 * neither a subject nor a DNS name (the service needs one). */
KV_EXPORT int kv_certificate_policy_json(const struct kv_certificate_policy_spec *spec, char **json,
                                         struct kv_error *err);

/* A certificate bundle, a list item (no kid, sid, cer or policy; id without version for
 * GetCertificates) or a deleted certificate. Optional fields are NULL, or 0 for times. Everything
 * is owned by the struct; free with kv_certificate_free(). Times and recoverable_days are bounded
 * as for kv_secret (KV_E_PROTOCOL otherwise), and so is a cer that is not base64. */
struct kv_certificate {
    char *id; /* https://{vault}/certificates/{name}/{version} */
    char *name;
    char *version;
    char *kid;           /* the managed key's id, same name and version */
    char *sid;           /* the managed secret's id, same name and version */
    char *x5t;           /* unpadded base64url of the SHA-1 of the DER certificate */
    struct kv_bytes cer; /* the DER certificate; empty while the version is pending */
    int enabled;         /* 1 or 0 (a pending version is disabled) */
    int64_t not_before;  /* nbf: the certificate's notBefore */
    int64_t expires;     /* exp: its notAfter */
    int64_t created;
    int64_t updated;
    char *recovery_level;
    int recoverable_days;
    struct kv_tag *tags;
    size_t n_tags;
    struct kv_certificate_policy *policy; /* the latest version's bundle only; else NULL */
    char *pending_id; /* pending.id: the name has an operation object (also after completion) */
    /* Deleted certificates only. */
    char *recovery_id;
    int64_t deleted_date;
    int64_t scheduled_purge_date;
};
/* Accepts NULL. */
KV_EXPORT void kv_certificate_free(struct kv_certificate *cert);

/* Splits a certificate identifier as kv_secret_id_parse() splits a secret's:
 * https://{host[:port]}/certificates/{name}[/{version}] or .../deletedcertificates/{name}. The
 * same ownership and errors; messages are phrased as predicates of the id. */
KV_EXPORT int kv_certificate_id_parse(const char *id, char **vault_url, char **name, char **version,
                                      struct kv_error *err);

/* The pending operation of a certificate name (create until it completes, then kept with status
 * completed; spec §2 CertificateOperation). Owned by the struct; free with
 * kv_certificate_operation_free(). */
struct kv_certificate_operation {
    char *id;   /* https://{vault}/certificates/{name}/pending */
    char *name; /* the certificate's name */
    char *issuer_name;
    struct kv_bytes csr; /* the DER PKCS#10 request (to have a CA sign for a merge) */
    int cancellation_requested;
    char *status;         /* "inProgress", "completed", "cancelled" or "failed" */
    char *status_details; /* NULL when completed or cancelled */
    char *target;         /* when completed: https://{vault}/certificates/{name} */
    char *request_id;
    char *error_code;    /* a failed operation's error.code */
    char *error_message; /* and error.message */
    long retry_after_ms; /* the response's Retry-After, -1 when none */
};
/* Accepts NULL. */
KV_EXPORT void kv_certificate_operation_free(struct kv_certificate_operation *op);

/* Attributes and tags to set at create, import or merge, or to change with
 * kv_certificate_update(). Fields left at their kv_certificate_props_init() values are not
 * sent. A certificate's validity comes from the X.509 certificate, so it has no nbf or exp to
 * set. */
struct kv_certificate_props {
    int enabled;               /* -1 = leave, 0, 1 */
    const struct kv_tag *tags; /* sent when set_tags is 1 (n_tags may be 0 to clear them) */
    size_t n_tags;
    int set_tags;
};
KV_EXPORT void kv_certificate_props_init(struct kv_certificate_props *props);

/* Every certificate operation returns a kv_status; err (may be NULL) gets the details of a
 * failure. Where *out is given it holds a new object on success (free it with its _free) and
 * NULL on failure; out may be NULL when the caller does not need the result. policy_json is a
 * policy object in the wire's shape ({"x509_props":{"subject":"CN=x"},"issuer":{"name":"Self"}},
 * see spec §2, or from kv_certificate_policy_json()); the library checks that it is a JSON
 * object and sends it as is. */

/* POST /certificates/{name}/create: starts a new version (202). policy_json is required for a
 * name's first version, else NULL keeps the stored policy. *out is the operation (status
 * inProgress); poll it with kv_certificate_get_operation() or use kv_certificate_create_wait(). */
KV_EXPORT int kv_certificate_create(struct kv_client *c, const char *name, const char *policy_json,
                                    const struct kv_certificate_props *props,
                                    struct kv_certificate_operation **out, struct kv_error *err);

/* Polling: how kv_certificate_wait() spaces its GETs of the operation. */
struct kv_poll_options {
    unsigned interval_ms;     /* when the server sends no Retry-After; default 5000 (Python) */
    unsigned max_interval_ms; /* cap on each wait, the server's Retry-After included (the service
                                 sends 10 s); 0 = none. Default 0 */
    unsigned timeout_ms;      /* give up with KV_E_TIMEOUT after this long; 0 = never */
};
KV_EXPORT void kv_poll_options_init(struct kv_poll_options *opts);
/* Polls GET /certificates/{name}/pending as the SDKs' pollers do (spec §7): at once, then after
 * each response's Retry-After (or poll->interval_ms), until the status is no longer inProgress or
 * the issuer is "Unknown" (that operation waits for kv_certificate_merge()). When it completed,
 * *cert (may be NULL) is the latest version from GET /certificates/{name}/; otherwise *cert is
 * NULL and KV_OK is returned all the same: *op (may be NULL) says what happened (cancelled,
 * failed with error_code and error_message, or inProgress awaiting a merge), as the Python
 * poller returns the operation. poll may be NULL for the defaults. */
KV_EXPORT int kv_certificate_wait(struct kv_client *c, const char *name,
                                  const struct kv_poll_options *poll, struct kv_certificate **cert,
                                  struct kv_certificate_operation **op, struct kv_error *err);
/* kv_certificate_create() and then kv_certificate_wait(): a self-signed certificate in one call. */
KV_EXPORT int
kv_certificate_create_wait(struct kv_client *c, const char *name, const char *policy_json,
                           const struct kv_certificate_props *props,
                           const struct kv_poll_options *poll, struct kv_certificate **cert,
                           struct kv_certificate_operation **op, struct kv_error *err);
/* GET /certificates/{name}/pending (KV_E_NOT_FOUND, PendingCertificateNotFound, when there is
 * none). */
KV_EXPORT int kv_certificate_get_operation(struct kv_client *c, const char *name,
                                           struct kv_certificate_operation **out,
                                           struct kv_error *err);
/* PATCH /certificates/{name}/pending {"cancellation_requested":true}: the answer still says
 * inProgress; the next GET says cancelled. */
KV_EXPORT int kv_certificate_cancel_operation(struct kv_client *c, const char *name,
                                              struct kv_certificate_operation **out,
                                              struct kv_error *err);
/* DELETE /certificates/{name}/pending; *out is the operation as it was. */
KV_EXPORT int kv_certificate_delete_operation(struct kv_client *c, const char *name,
                                              struct kv_certificate_operation **out,
                                              struct kv_error *err);
/* POST /certificates/{name}/pending/merge: completes an operation of the Unknown issuer with
 * the signed certificate and its chain, n DER certificates, the leaf first (sent as standard
 * base64, as the service documents). props may be NULL. */
KV_EXPORT int kv_certificate_merge(struct kv_client *c, const char *name,
                                   const struct kv_bytes *x5c, size_t n,
                                   const struct kv_certificate_props *props,
                                   struct kv_certificate **out, struct kv_error *err);
/* POST /certificates/{name}/import: data is a PFX (PKCS#12, binary DER; password NULL or "" when
 * it has none) or PEM text (holding "-----BEGIN": a PKCS#8 private key and the certificate
 * chain, LF line ends; password only for an encrypted key). A PFX is sent base64-encoded, PEM
 * as text, as the JS SDK sends it; for PEM the policy's secret_props.contentType is set to
 * application/x-pem-file when policy_json (may be NULL) does not say. The password and the
 * private key are never traced or put in a message. */
KV_EXPORT int kv_certificate_import(struct kv_client *c, const char *name, const void *data,
                                    size_t len, const char *password, const char *policy_json,
                                    const struct kv_certificate_props *props,
                                    struct kv_certificate **out, struct kv_error *err);
/* GET /certificates/{name}/{version}; version NULL or "" = the latest (with policy and
 * pending_id; an explicit version has neither). A disabled certificate is returned (200). */
KV_EXPORT int kv_certificate_get(struct kv_client *c, const char *name, const char *version,
                                 struct kv_certificate **out, struct kv_error *err);
/* PATCH /certificates/{name}/{version}; version NULL or "" = the latest. The service mirrors
 * enabled and tags to the managed key and secret. */
KV_EXPORT int kv_certificate_update(struct kv_client *c, const char *name, const char *version,
                                    const struct kv_certificate_props *props,
                                    struct kv_certificate **out, struct kv_error *err);
/* DELETE /certificates/{name} (with its managed key and secret); *out is the deleted
 * certificate. */
KV_EXPORT int kv_certificate_delete(struct kv_client *c, const char *name,
                                    struct kv_certificate **out, struct kv_error *err);
/* GET /deletedcertificates/{name}. */
KV_EXPORT int kv_certificate_get_deleted(struct kv_client *c, const char *name,
                                         struct kv_certificate **out, struct kv_error *err);
/* POST /deletedcertificates/{name}/recover; *out is the recovered certificate (with policy). */
KV_EXPORT int kv_certificate_recover(struct kv_client *c, const char *name,
                                     struct kv_certificate **out, struct kv_error *err);
/* DELETE /deletedcertificates/{name}. */
KV_EXPORT int kv_certificate_purge(struct kv_client *c, const char *name, struct kv_error *err);
/* POST /certificates/{name}/backup. *blob: the opaque backup (base64url text); caller frees with
 * kv_free_secret(). */
KV_EXPORT int kv_certificate_backup(struct kv_client *c, const char *name, char **blob,
                                    struct kv_error *err);
/* POST /certificates/restore with a blob from kv_certificate_backup(). */
KV_EXPORT int kv_certificate_restore(struct kv_client *c, const char *blob,
                                     struct kv_certificate **out, struct kv_error *err);

/* GET /certificates/{name}/policy. */
KV_EXPORT int kv_certificate_policy_get(struct kv_client *c, const char *name,
                                        struct kv_certificate_policy **out, struct kv_error *err);
/* PATCH /certificates/{name}/policy with policy_json: the members given replace the stored ones,
 * the rest is kept; *out is the stored policy. */
KV_EXPORT int kv_certificate_policy_update(struct kv_client *c, const char *name,
                                           const char *policy_json,
                                           struct kv_certificate_policy **out,
                                           struct kv_error *err);

/* The certificate as a file, as `az keyvault certificate download` writes it: pem 0 for the DER
 * bytes of cer, 1 for PEM ("-----BEGIN CERTIFICATE-----", 64-column lines, LF). The public
 * certificate only; the private key is in the secret. version NULL or "" = the latest.
 * out->data: caller frees with kv_free(). */
KV_EXPORT int kv_certificate_download(struct kv_client *c, const char *name, const char *version,
                                      int pem, struct kv_bytes *out, struct kv_error *err);
/* The certificate's secret (the PFX as base64 text, or the PEM with the private key first,
 * per the policy's content type): GET of cert->sid through the secrets API, so it needs the
 * secret get permission, as on the service. KV_E_INVALID_ARG when cert has no sid (a pending
 * version) or the sid names another vault than the client's. *out: free with kv_secret_free(),
 * which wipes the value. */
KV_EXPORT int kv_certificate_get_secret(struct kv_client *c, const struct kv_certificate *cert,
                                        struct kv_secret **out, struct kv_error *err);

/* Paging over GetCertificates, GetCertificateVersions or GetDeletedCertificates, with the same
 * struct kv_pager as secrets and keys (kv_pager_pages and kv_pager_destroy apply; the other
 * families' _next functions refuse it). name: the certificate for
 * KV_LIST_CERTIFICATE_VERSIONS, else NULL; include_pending: 1 adds includePending=true (lists of
 * certificates and deleted certificates: names with no completed version too). */
enum kv_certificate_list_kind {
    KV_LIST_CERTIFICATES = 0,
    KV_LIST_CERTIFICATE_VERSIONS = 1,
    KV_LIST_DELETED_CERTIFICATES = 2
};
KV_EXPORT int kv_certificate_pager_create(struct kv_client *c, enum kv_certificate_list_kind kind,
                                          const char *name, int maxresults, int include_pending,
                                          struct kv_pager **out);
/* The next item in *out (free with kv_certificate_free), or KV_OK with *out NULL at the end. */
KV_EXPORT int kv_certificate_pager_next(struct kv_pager *p, struct kv_certificate **out,
                                        struct kv_error *err);

/* The vault's certificate contacts (mailed by EmailContacts lifetime actions). */
struct kv_certificate_contact {
    char *email;
    char *name;  /* may be NULL */
    char *phone; /* may be NULL */
};
/* Owned by the struct; free with kv_certificate_contacts_free(). */
struct kv_certificate_contacts {
    char *id; /* https://{vault}/certificates/contacts */
    struct kv_certificate_contact *contacts;
    size_t n_contacts;
};
/* Accepts NULL. */
KV_EXPORT void kv_certificate_contacts_free(struct kv_certificate_contacts *contacts);
/* GET /certificates/contacts (KV_E_NOT_FOUND, ContactsNotFound, when none are set). */
KV_EXPORT int kv_certificate_contacts_get(struct kv_client *c, struct kv_certificate_contacts **out,
                                          struct kv_error *err);
/* PUT /certificates/contacts: replaces the list with n contacts (the library only reads them;
 * each needs an email). */
KV_EXPORT int kv_certificate_contacts_set(struct kv_client *c,
                                          const struct kv_certificate_contact *contacts, size_t n,
                                          struct kv_certificate_contacts **out,
                                          struct kv_error *err);
/* DELETE /certificates/contacts; *out is the list that was deleted. */
KV_EXPORT int kv_certificate_contacts_delete(struct kv_client *c,
                                             struct kv_certificate_contacts **out,
                                             struct kv_error *err);

/* A certificate issuer (a CA account the vault orders certificates from). The password of its
 * credentials is never returned by the service, so it has no member here. Owned by the struct;
 * free with kv_certificate_issuer_free(). List items have only id, name and provider. */
struct kv_certificate_admin {
    char *first_name;
    char *last_name;
    char *email;
    char *phone;
};
struct kv_certificate_issuer {
    char *id; /* https://{vault}/certificates/issuers/{name} */
    char *name;
    char *provider;   /* "DigiCert", "GlobalSign", "Test", ... */
    char *account_id; /* credentials.account_id */
    char *org_id;     /* org_details.id */
    struct kv_certificate_admin *admins;
    size_t n_admins;
    int enabled;
    int64_t created;
    int64_t updated;
};
/* Accepts NULL. */
KV_EXPORT void kv_certificate_issuer_free(struct kv_certificate_issuer *issuer);
/* What kv_certificate_issuer_set() and _update() send; members left at their
 * kv_certificate_issuer_props_init() values are not sent (update keeps the stored ones). The
 * library only reads it; the password is never traced. */
struct kv_certificate_issuer_props {
    const char *provider; /* required by set */
    const char *account_id;
    const char *password;
    const char *org_id;
    const struct kv_certificate_admin *admins; /* sent when set_admins is 1 */
    size_t n_admins;
    int set_admins;
    int enabled; /* -1 = leave, 0, 1 */
};
KV_EXPORT void kv_certificate_issuer_props_init(struct kv_certificate_issuer_props *props);
/* PUT /certificates/issuers/{name}: creates or replaces an issuer. */
KV_EXPORT int kv_certificate_issuer_set(struct kv_client *c, const char *name,
                                        const struct kv_certificate_issuer_props *props,
                                        struct kv_certificate_issuer **out, struct kv_error *err);
/* PATCH /certificates/issuers/{name}: changes the members given. */
KV_EXPORT int kv_certificate_issuer_update(struct kv_client *c, const char *name,
                                           const struct kv_certificate_issuer_props *props,
                                           struct kv_certificate_issuer **out,
                                           struct kv_error *err);
/* GET /certificates/issuers/{name} (KV_E_NOT_FOUND, CertificateIssuerNotFound). */
KV_EXPORT int kv_certificate_issuer_get(struct kv_client *c, const char *name,
                                        struct kv_certificate_issuer **out, struct kv_error *err);
/* DELETE /certificates/issuers/{name}; *out is the deleted issuer. */
KV_EXPORT int kv_certificate_issuer_delete(struct kv_client *c, const char *name,
                                           struct kv_certificate_issuer **out,
                                           struct kv_error *err);
/* Paging over GET /certificates/issuers (items: id, name, provider), with struct kv_pager. */
KV_EXPORT int kv_certificate_issuer_pager_create(struct kv_client *c, int maxresults,
                                                 struct kv_pager **out);
/* The next item in *out (free with kv_certificate_issuer_free), or KV_OK with *out NULL at the
 * end. */
KV_EXPORT int kv_certificate_issuer_pager_next(struct kv_pager *p,
                                               struct kv_certificate_issuer **out,
                                               struct kv_error *err);

/* Frees memory returned by the library; kv_free_secret() overwrites the string with zeros first.
 * Both accept NULL. */
KV_EXPORT void kv_free(void *p);
KV_EXPORT void kv_free_secret(char *s);

#ifdef __cplusplus
}
#endif

#endif
