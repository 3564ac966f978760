/* kv-int.h: libkvclient internals shared between its source files and its unit tests. Nothing
 * here is exported from the shared library (kv__ names, hidden visibility). */
#ifndef KV_INT_H
#define KV_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvclient.h"

struct cJSON;

/* Responses larger than this are refused with KV_E_TOO_LARGE (a page of 25 secrets is ~10 KiB; a
 * secret value is at most 25 KiB). */
#define KV__MAX_RESPONSE (4u * 1024 * 1024)

/* ----- util.c ------------------------------------------------------------------------------ */

/* A growable byte buffer with a hard cap, always NUL-terminated when data is not NULL. */
struct kv__buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = KV__MAX_RESPONSE */
    bool overflow;
};
/* Appends n bytes; false on allocation failure or when max would be exceeded (sets overflow). */
bool kv__buf_append(struct kv__buf *b, const void *p, size_t n);
/* Overwrites the contents with zeros and frees them; the buffer is empty afterwards. */
void kv__buf_wipe(struct kv__buf *b);

/* Copies of s (NULL stays NULL); caller frees. kv__strdup returns NULL on failure too. */
char *kv__strdup(const char *s);
char *kv__strndup(const char *s, size_t n);
char *kv__asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The strings of parts (NULL-terminated) joined into dst (n > 0 bytes), cut to fit as snprintf
 * cuts; returns the whole length. kv__concat returns them joined in a new string (caller frees;
 * NULL when out of memory). They copy rather than format: every call's URL, path and body are
 * built with them. */
size_t kv__join(char *dst, size_t n, const char *const *parts);
char *kv__concat(const char *const *parts);
/* Frees a cJSON tree after overwriting every string in it (values, tokens) with zeros. */
void kv__json_delete_wipe(struct cJSON *root);

/* Wall clock in unix seconds and a monotonic clock in milliseconds. */
int64_t kv__now(void);
uint64_t kv__mono_ms(void);
/* A uniformly random 64-bit number from GnuTLS's nonce generator (for jitter and request ids). */
uint64_t kv__random(void);
/* A random version-4 UUID, lower-case, into buf (at least 37 bytes). */
void kv__uuid(char *buf);

/* Host of a URL, lower-case, into buf; also scheme and port (the default filled in). -1 when the
 * URL cannot be parsed. libcurl's parser, as the SDKs use their platform's: the challenge
 * verification depends on reading hosts exactly as a real client does. */
int kv__url_parts(const char *url, char *scheme, size_t ns, char *host, size_t nh, long *port);

/* Checked numbers from untrusted input (issue 13). A JSON number is a double: casting one outside
 * the int64 range (1e300, infinity) to an integer is undefined behaviour, and so is adding a
 * clock to an int64 read from the wire when the sum overflows. Everything the client reads from a
 * response goes through these. */

/* Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times Key Vault can hold (a
 * .NET DateTime) and the mock accepts. A secret's times outside them are a protocol error: no
 * service sends them, and near the int64 ends `exp - now` would overflow in the caller. */
#define KV__TIME_MIN INT64_C(-62135596800)
#define KV__TIME_MAX INT64_C(253402300799)

/* The longest a token from an identity endpoint is kept: three days. Entra's tokens live at most
 * about 28 hours and managed identity's 24, and the mock's --token-lifetime stops at 7 days; a
 * longer expires_in or a later expires_on is clamped to this (the token is just refreshed
 * earlier), so now + lifetime can never overflow. */
#define KV__TOKEN_MAX_LIFETIME INT64_C(259200)

/* a + b and a - b, clamped to [INT64_MIN, INT64_MAX] instead of overflowing. */
int64_t kv__sat_add(int64_t a, int64_t b);
int64_t kv__sat_sub(int64_t a, int64_t b);

/* d as an int64 when it is finite, whole and within [min, max]: true with *out set, else false
 * with *out untouched. NaN and the infinities fail. */
bool kv__double_to_int64(double d, int64_t min, int64_t max, int64_t *out);

/* A decimal integer filling the whole of s (an optional '-', then digits: no spaces, no '+', no
 * fraction) within [min, max], read with strtoll and its ERANGE: true with *out set, else false
 * with *out untouched. */
bool kv__str_to_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* What kv__json_int64 found. */
enum kv__num {
    KV__NUM_ABSENT, /* no item, or JSON null */
    KV__NUM_OK,     /* *out set */
    KV__NUM_BAD,    /* a number (or, with strings, a string of digits) that is not a whole
                       number within [min, max]: out of range, fractional, or not finite */
    KV__NUM_OTHER,  /* present but not a number (or a string that is not one) */
};
/* An integer from a cJSON item: a JSON number, or, when strings is true, a string holding a
 * decimal integer (identity endpoints send numbers as strings). *out is set only on KV__NUM_OK. */
enum kv__num kv__json_int64(const struct cJSON *it, bool strings, int64_t min, int64_t max,
                            int64_t *out);

/* Fills err (may be NULL) with status and a printf-style message; returns status. */
int kv__fail(struct kv_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Resets err (may be NULL) to "no error". */
void kv__error_clear(struct kv_error *err);

/* ----- retry.c: backoff and Retry-After ----------------------------------------------------- */

/* True for the statuses a client retries: 408, 429, 500, 502, 503, 504. */
bool kv__retryable_status(long status);
/* Full-jitter exponential backoff: a delay in [0, min(cap, base * 2^attempt)] ms chosen by rnd
 * (attempt 0 is the first retry). */
unsigned kv__backoff_ms(unsigned attempt, unsigned base_ms, unsigned cap_ms, uint64_t rnd);
/* The server's requested delay in ms from the response headers (any may be NULL):
 * x-ms-retry-after-ms, then retry-after-ms, then Retry-After as delta-seconds or an HTTP-date
 * (relative to now, unix seconds). -1 when none is present or parseable; a date in the past
 * gives 0. */
long kv__retry_after_ms(const char *x_ms_retry_after_ms, const char *retry_after_ms,
                        const char *retry_after, int64_t now);

/* ----- challenge.c ------------------------------------------------------------------------- */

/* What a Key Vault 401 challenge says. */
struct kv__challenge {
    char authorization[512]; /* authorization or authorization_uri, "" if absent */
    char tenant[128];        /* its first path segment, "" if absent */
    char resource[512];      /* resource, "" if absent */
    char scope[512];         /* scope verbatim, or resource + "/.default" */
    /* A claims challenge of continuous access evaluation (error="insufficient_claims" with
     * claims, spec/identity.md §7.2): the claims decoded from base64 (either alphabet, padding
     * optional, as azure-core Python reads them); "" for an ordinary challenge. A claims challenge
     * names no resource: the client keeps the scope and tenant of the challenge it had. */
    char claims[2048];
};
/* Parses a WWW-Authenticate value ("Bearer k="v", k2="v2""; commas with or without spaces,
 * authorization or authorization_uri, resource or scope, error and claims). 0 on success; -1 when
 * it is not a Bearer challenge, or names neither a resource nor a scope and is no claims
 * challenge, or its claims do not decode to a JSON object. */
int kv__challenge_parse(const char *header, struct kv__challenge *out);
/* The claims request of a token request (spec/identity.md §7.3): client capability cp1 (libkvclient
 * answers claims challenges), merged into challenge_claims when given (a JSON object, from a
 * claims challenge) as msal-node merges them. Returns compact JSON (caller frees), NULL when out
 * of memory or challenge_claims is not a JSON object. */
char *kv__claims_request(const char *challenge_claims);
/* Resource verification as the official SDKs do it: the vault's host name must end with "." plus
 * the host name of the challenge's resource (or scope); ports are ignored. 0 when it matches;
 * -1 with msg filled otherwise. */
int kv__challenge_verify(const char *vault_host, const struct kv__challenge *ch, char *msg,
                         size_t n);

/* ----- credential.c ------------------------------------------------------------------------ */

enum kv__cred_kind {
    KV__CRED_SECRET,
    KV__CRED_CERT,
    KV__CRED_MI_APPSERVICE,
    KV__CRED_MI_IMDS,
    KV__CRED_STATIC,
};

struct kv_credential {
    enum kv__cred_kind kind;
    char *tenant;
    char *client_id;       /* app id; for managed identity the user-assigned client id or NULL */
    char *client_secret;   /* wiped on destroy */
    char *authority;       /* https://host[:port], no trailing slash */
    char *endpoint;        /* managed identity endpoint (App Service URL, or IMDS base) */
    char *identity_header; /* App Service X-IDENTITY-HEADER; wiped on destroy */
    char *token;           /* static token; wiped on destroy */
    int64_t token_expires;
    /* Certificate credential: the DER certificate's SHA-1 thumbprint (base64url) and the key. */
    char x5t[64];
    void *privkey; /* gnutls_privkey_t */
};

/* A token as the identity endpoint returned it. */
struct kv__token_reply {
    char *token;        /* caller frees with kv_free_secret */
    int64_t expires_on; /* unix seconds */
};
/* Fetches a token for scope from cred's endpoint, for tenant (NULL = the credential's own), using
 * the client's transport. App credentials send the claims request (kv__claims_request of claims, a
 * claims challenge's decoded claims or NULL); managed identity endpoints take none. */
int kv__credential_fetch(struct kv_client *c, const struct kv_credential *cred, const char *tenant,
                         const char *scope, const char *claims, uint64_t deadline_start,
                         struct kv__token_reply *out, struct kv_error *err);
/* The expiry (unix seconds) of a parsed token response received at now: expires_on when it is a
 * time after 2001, else now + expires_in (JSON numbers or decimal strings). KV_E_PROTOCOL, naming
 * the member, when the one used is not a whole number that fits an int64 or gives a lifetime
 * that is not positive; a lifetime beyond KV__TOKEN_MAX_LIFETIME is clamped to it. */
int kv__token_expiry(const struct cJSON *reply, int64_t now, int64_t *expires_on,
                     struct kv_error *err);
/* Builds the signed RS256 client assertion for a certificate credential. Caller frees. */
int kv__client_assertion(const struct kv_credential *cred, const char *audience, int64_t now,
                         char **out, struct kv_error *err);

/* ----- tokens.c: the per-scope token cache -------------------------------------------------- */

struct kv__token {
    struct kv__token *next;
    char *scope;
    char *tenant; /* tenant the token was fetched for ("" = the credential's own) */
    char *token;  /* NULL until fetched; wiped on free */
    int64_t expires_on;
    bool fetching;           /* one caller is fetching; others wait on the cache's condition */
    unsigned refresh_before; /* seconds before expiry a refresh starts: the option, at most half
                                the token's lifetime, so short-lived tokens are not refetched on
                                every call */
    int64_t next_refresh;    /* after a failed refresh, none before this (30 s spacing) */
    unsigned gen;            /* completed fetches; waiters compare it to share a failure */
    int last_status;         /* status of the last completed fetch */
    char last_message[256];  /* its message (no secrets: identity errors only) */
};

struct kv__token_cache {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct kv__token *head;
};

void kv__token_cache_init(struct kv__token_cache *tc);
void kv__token_cache_finish(struct kv__token_cache *tc);

/* Whether a cached token is still good at now: 0 = use it, 1 = usable but due for refresh (within
 * refresh_before seconds of expiry), 2 = expired, absent, or within 30 s of expiry (too close to
 * survive a request and a retry). expires_on 0 means a token that never expires. */
int kv__token_state(const char *token, int64_t expires_on, int64_t now, unsigned refresh_before);

/* A token for scope (tenant may be NULL): from the cache, or fetched once however many threads ask
 * at the same time. stale: a token the caller saw rejected with a 401; when the cache still holds
 * it, it is dropped and a new one fetched (one forced refresh). claims: a claims challenge's
 * decoded claims for that fetch (NULL = none). *token: caller frees with kv_free_secret. */
int kv__token_get(struct kv_client *c, const char *scope, const char *tenant, const char *stale,
                  const char *claims, uint64_t deadline_start, char **token, int64_t *expires_on,
                  struct kv_error *err);

/* ----- http.c: transport ------------------------------------------------------------------- */

struct kv__request {
    const char *method;
    const char *url;  /* absolute */
    const char *body; /* NULL = none */
    size_t body_len;
    const char *content_type;   /* sent even with an empty body, as the SDKs do on challenges */
    const char *bearer;         /* NULL = no Authorization header */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
    const char *what;           /* short name for traces ("token", "GetSecret") */
    bool identity;              /* a token request (counted in token_fetches, not requests) */
    bool retry_hint;            /* read Retry-After whatever the status (a certificate
                                   operation's 202 and 200 carry the poll interval) */
};

struct kv__response {
    long status;
    struct kv__buf body;    /* wiped on kv__response_finish */
    char request_id[80];    /* x-ms-request-id */
    char *www_authenticate; /* NULL if absent */
    long retry_after_ms;    /* -1 if none */
};
void kv__response_finish(struct kv__response *r);

/* Sends rq with retries (429/408/5xx and connection failures, backoff with full jitter, at least
 * the server's Retry-After, at most max_retries, within the deadline started at deadline_start
 * (kv__mono_ms)). On KV_OK, *rs holds the final response whatever its status (the caller maps
 * error statuses); on failure (network, TLS, timeout, retries exhausted) err is filled and the
 * last response, if any, is in *rs. */
int kv__http_call(struct kv_client *c, const struct kv__request *rq, uint64_t deadline_start,
                  struct kv__response *rs, struct kv_error *err);

/* Maps an error response to a status and fills err from its Azure error body
 * ({"error":{"code","message","innererror":{"code"}}}) or, for Entra, error/error_description. */
int kv__error_from_response(const struct kv__response *rs, struct kv_error *err);

/* Emits a trace line if tracing is on. */
void kv__trace(struct kv_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ----- kvclient.c: the handle -------------------------------------------------------------- */

/* A pooled easy handle and the request header list it last sent (http.c). The list is kept
 * between calls because building it cost as much as the library's own work per call: it is
 * reused while the token and the content type stay the same, with only the request id rewritten.
 * It holds the bearer token, so it is wiped when replaced and when the handle is freed. */
struct kv__handle {
    CURL *curl;
    struct curl_slist *headers; /* owned; NULL when none is built */
    char *reqid;                /* in headers: the request id's 36 characters */
    const char *ctype;          /* in headers: the Content-Type line, or NULL when none */
    const char *auth;           /* in headers: the Authorization line, or NULL when none */
};
/* Frees h, its easy handle and its wiped header list. Accepts NULL. */
void kv__handle_free(struct kv__handle *h);

struct kv_client {
    char *vault_url;    /* scheme://host[:port] with no trailing slash */
    char *vault_host;   /* host name only, lower-case */
    char *vault_origin; /* https://host:port with the port always given, for nextLink checks */
    char *api_version;
    char *ca_file;          /* NULL = curl's default */
    struct kv_options opts; /* copy; its strings point at the fields above */
    struct kv_credential *cred;

    pthread_mutex_t lock; /* guards the fields below and the handle pool */
    struct kv__challenge challenge;
    bool have_challenge;
    struct kv__handle **pool; /* idle easy handles (each keeps its connections alive) */
    size_t n_pool, cap_pool;
    CURLSH *share; /* DNS and TLS session cache shared by the handles */
    pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];
    struct kv_stats stats;

    struct kv__token_cache tokens;
    int64_t (*now)(void); /* wall clock for token expiry; replaceable in tests */
};

/* A Key Vault call: builds the URL from path (relative to the vault, query without api-version) or
 * takes url_abs as is (nextLink), performs the challenge on the first call, attaches a token,
 * refreshes it once on a 401, and maps error statuses to a kv_status. *rs holds the response
 * (also on error statuses). */
int kv__vault_call(struct kv_client *c, const char *what, const char *method, const char *path,
                   const char *url_abs, const char *body, struct kv__response *rs,
                   struct kv_error *err);
/* kv__vault_call that also reads the Retry-After of a successful answer into rs->retry_after_ms
 * (the poll interval of a certificate operation, spec/keyvault-certificates.md §3). */
int kv__vault_call_hinted(struct kv_client *c, const char *what, const char *method,
                          const char *path, const char *body, struct kv__response *rs,
                          struct kv_error *err);

/* ----- objects.c: what secrets and keys share ------------------------------------------------ */

/* The members every object (bundle, item, deleted bundle) carries, read by kv__common_from_json
 * and moved into a kv_secret or kv_key (the pointers change owner). */
struct kv__common {
    int enabled, managed, recoverable_days;
    int64_t not_before, expires, created, updated, deleted_date, scheduled_purge_date;
    char *recovery_level, *recovery_id;
    struct kv_tag *tags;
    size_t n_tags;
};
/* Moves what m holds into dst, a kv_secret, kv_key or kv_certificate (the members have the same
 * names in each; managed, which certificates lack, is the caller's); m's pointers change owner. */
#define KV__COMMON_MOVE(dst, m)                                                                    \
    do {                                                                                           \
        (dst)->enabled = (m).enabled;                                                              \
        (dst)->not_before = (m).not_before;                                                        \
        (dst)->expires = (m).expires;                                                              \
        (dst)->created = (m).created;                                                              \
        (dst)->updated = (m).updated;                                                              \
        (dst)->recovery_level = (m).recovery_level;                                                \
        (dst)->recoverable_days = (m).recoverable_days;                                            \
        (dst)->tags = (m).tags;                                                                    \
        (dst)->n_tags = (m).n_tags;                                                                \
        (dst)->recovery_id = (m).recovery_id;                                                      \
        (dst)->deleted_date = (m).deleted_date;                                                    \
        (dst)->scheduled_purge_date = (m).scheduled_purge_date;                                    \
    } while (0)
/* Reads them from o (times within the years 1 to 9999, recoverableDays 0 to INT_MAX; the message
 * of a KV_E_PROTOCOL names the member after what). KV_OK, KV_E_PROTOCOL or KV_E_NOMEM; m holds
 * nothing after a failure. */
int kv__common_from_json(const struct cJSON *o, const char *what, struct kv__common *m,
                         struct kv_error *err);
/* Frees what m holds and zeroes it. */
void kv__common_free(struct kv__common *m);
void kv__tags_free(struct kv_tag *tags, size_t n);

/* A copy of a string member (NULL when absent or not a string); *ok turns false on allocation
 * failure. */
char *kv__json_strdup(const struct cJSON *o, const char *key, bool *ok);
/* Adds "attributes" with the fields that are set (enabled -1, times 0 = not set; always: even
 * when none is). False on allocation failure. */
bool kv__json_add_attributes(struct cJSON *o, int enabled, int64_t not_before, int64_t expires,
                             bool always);
/* Adds "tags" with n tags (n may be 0: an empty object clears them). False on allocation failure
 * or a tag without name or value. */
bool kv__json_add_tags(struct cJSON *o, const struct kv_tag *tags, size_t n);

/* 1-max letters, digits and dashes: names and versions can never change a request path. */
bool kv__valid_name(const char *s, size_t max);
/* Clears err, then checks a name (kind: "secret", "key" for the message). KV_E_INVALID_ARG. */
int kv__check_name(const char *name, const char *kind, struct kv_error *err);
/* kv__check_name, and a version that is NULL, "" or alphanumeric. */
int kv__check_named(const char *name, const char *version, const char *kind, struct kv_error *err);

/* The response body parsed; KV_E_PROTOCOL when it is not JSON. */
int kv__parse_body(const struct kv__response *rs, struct cJSON **out, struct kv_error *err);
/* kv__vault_call with a JSON answer: *root (root may be NULL when the caller needs no answer)
 * is the parsed body on KV_OK; the caller frees it with kv__json_delete_wipe. */
int kv__vault_json(struct kv_client *c, const char *what, const char *method, const char *path,
                   const char *body, struct cJSON **root, struct kv_error *err);
/* The same with o (taken; printed, then wiped and freed) as the body; o NULL with built true:
 * no body. built false: building o ran out of memory, nothing is sent. */
int kv__send_json(struct kv_client *c, const char *what, const char *method, const char *path,
                  struct cJSON *o, bool built, struct cJSON **root, struct kv_error *err);
/* Turns a parsed answer into an object in *(T **)out (kv__secret_from_json's contract); with a
 * NULL root it only sets *(T **)out to NULL, so generic code can clear a result. */
typedef int (*kv__parse_fn)(const struct cJSON *root, const char *what, void *out,
                            struct kv_error *err);
/* kv__send_json, then parse of the answer into out (a T **; NULL when the caller wants no
 * result), with "the {what} response" naming it in messages. */
int kv__call_object(struct kv_client *c, const char *what, const char *method, const char *path,
                    struct cJSON *o, bool built, kv__parse_fn parse, void *out,
                    struct kv_error *err);
/* A call on one object of kind ("secret", "key"): clears *out, checks name and version (NULL or
 * "" for none), sends o (taken; NULL = no body) to the path fmt formats (after the checks, so a
 * name can never change it), and parses the answer into out (a T **, may be NULL). */
int kv__named_call(struct kv_client *c, const char *kind, const char *name, const char *version,
                   const char *what, const char *method, struct cJSON *o, bool built,
                   kv__parse_fn parse, void *out, struct kv_error *err, const char *fmt, ...)
    __attribute__((format(printf, 12, 13)));
/* POST {collection}/{name}/backup and the "value" of the answer in *blob (caller frees with
 * kv_free_secret). */
int kv__backup(struct kv_client *c, const char *kind, const char *collection, const char *name,
               const char *what, char **blob, struct kv_error *err);
/* POST path with {"value": blob} (a restore), the answer parsed into out. */
int kv__restore(struct kv_client *c, const char *what, const char *path, const char *blob,
                kv__parse_fn parse, void *out, struct kv_error *err);
/* Splits an object id under one of two collections ("/secrets/", "/deletedsecrets/"); kind names
 * the object in messages. kv_secret_id_parse's contract. */
int kv__id_parse(const char *id, const char *kind, const char *live, const char *deleted,
                 char **vault_url, char **name, char **version, struct kv_error *err);

/* ----- pager.c ------------------------------------------------------------------------------- */

enum kv__family { KV__FAMILY_SECRETS, KV__FAMILY_KEYS, KV__FAMILY_CERTS, KV__FAMILY_ISSUERS };
/* kv_pager_create's checks and paths for a family: names[kind] of GetX, GetXVersions,
 * GetDeletedX; live and deleted the collections ("/keys", "/deletedkeys"). */
int kv__pager_open(struct kv_client *c, enum kv__family family, const char *const names[3],
                   const char *live, const char *deleted, int kind, const char *name,
                   int maxresults, struct kv_pager **out);
/* kv__pager_open with extra appended to the first page's query ("includePending=true"; NULL =
 * nothing). */
int kv__pager_open_query(struct kv_client *c, enum kv__family family, const char *const names[3],
                         const char *live, const char *deleted, int kind, const char *name,
                         int maxresults, const char *extra, struct kv_pager **out);
/* The next item of a pager of family (KV_E_INVALID_ARG for another family) parsed into out (a
 * T ** the caller has set to NULL, and that stays NULL at the end). */
int kv__pager_next(struct kv_pager *p, enum kv__family family, kv__parse_fn parse, void *out,
                   struct kv_error *err);

/* ----- secrets.c --------------------------------------------------------------------------- */

/* A kv_secret from a SecretBundle, SecretItem or DeletedSecretBundle object into *out (NULL on
 * failure; caller frees with kv_secret_free). KV_E_PROTOCOL when it is not an object, has no id,
 * or holds a number out of its range (times within the years 1 to 9999, recoverableDays 0 to
 * INT_MAX; the message names the member after what, e.g. "the GetSecret response"); KV_E_NOMEM
 * on allocation failure. */
int kv__secret_from_json(const struct cJSON *obj, const char *what, struct kv_secret **out,
                         struct kv_error *err);

/* ----- keys.c ------------------------------------------------------------------------------ */

/* A kv_key from a KeyBundle, KeyItem, DeletedKeyBundle or DeletedKeyItem into *out (NULL on
 * failure; caller frees with kv_key_free), with kv__secret_from_json's rules, and KV_E_PROTOCOL
 * for a public part that is not base64url or an attributes.key_size that is not 0 to 65536. */
int kv__key_from_json(const struct cJSON *obj, const char *what, struct kv_key **out,
                      struct kv_error *err);

/* ----- keys-crypto.c ----------------------------------------------------------------------- */

/* A rotation policy (spec §3.9: the default has no id and "attributes":null) into *out (caller
 * frees with kv_rotation_policy_free). KV_E_PROTOCOL when it is not an object or a time is out of
 * range; lifetime actions that are not objects are kept with NULL members. */
int kv__rotation_policy_from_json(const struct cJSON *o, struct kv_rotation_policy **out,
                                  struct kv_error *err);

/* ----- certs.c, certs-meta.c ---------------------------------------------------------------- */

/* A kv_certificate from a CertificateBundle, CertificateItem or DeletedCertificateBundle (spec
 * §2) into *out (caller frees with kv_certificate_free), with kv__secret_from_json's rules, and
 * KV_E_PROTOCOL for a cer that is not base64 or a policy that is not an object. */
int kv__certificate_from_json(const struct cJSON *obj, const char *what,
                              struct kv_certificate **out, struct kv_error *err);
/* A CertificateOperation into *out (caller frees with kv_certificate_operation_free);
 * retry_after_ms is -1. KV_E_PROTOCOL when it is not an object, has no status or a csr that is
 * not base64. */
int kv__cert_operation_from_json(const struct cJSON *obj, const char *what,
                                 struct kv_certificate_operation **out, struct kv_error *err);
/* A CertificatePolicy into *out (caller frees with kv_certificate_policy_free). */
int kv__cert_policy_from_json(const struct cJSON *obj, const char *what,
                              struct kv_certificate_policy **out, struct kv_error *err);
/* Contacts (spec §3 Contacts) and an issuer bundle or list item (§3 Issuers). */
int kv__cert_contacts_from_json(const struct cJSON *obj, const char *what,
                                struct kv_certificate_contacts **out, struct kv_error *err);
int kv__cert_issuer_from_json(const struct cJSON *obj, const char *what,
                              struct kv_certificate_issuer **out, struct kv_error *err);
/* The poller's decision on an operation: true when polling is over (spec §7: status not
 * inProgress, or the Unknown issuer, which waits for a merge). */
bool kv__cert_operation_done(const struct kv_certificate_operation *op);
/* The wait before the next poll: the server's Retry-After or the interval, capped by the
 * maximum (0 = none). */
unsigned kv__poll_delay_ms(long retry_after_ms, unsigned interval_ms, unsigned max_interval_ms);
/* DER as PEM text of label ("CERTIFICATE"): 64-column lines, LF, trailing LF. Caller frees; NULL
 * on allocation failure. */
char *kv__der_to_pem(const unsigned char *der, size_t len, const char *label, size_t *out_len);

#endif
