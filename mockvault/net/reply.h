/* reply.h: the one writer of response bodies and headers: Key Vault's error envelope and
 * challenge, Entra ID's AADSTS envelope, JSON documents, and the common headers of each kind. */
#ifndef MV_REPLY_H
#define MV_REPLY_H

#include <cjson/cJSON.h>
#include <stdarg.h>

#include "http.h"
#include "store.h"

/* Sends body (compact JSON, taken over and freed) with status. Returns MHD_YES/MHD_NO. */
enum MHD_Result mv_reply_json(struct mv_req *r, unsigned status, cJSON *body);
/* The 500 InternalError every writer answers when it runs out of memory. */
enum MHD_Result mv_reply_oom(struct mv_req *r);
/* A page of a family's list, {"value":[items],"nextLink":link or null}, each item written by item
 * (which returns NULL when out of memory): the keys' and certificates' lists. */
enum MHD_Result mv_reply_view_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                   unsigned shape, const char *next_link,
                                   cJSON *(*item)(const struct mv_req *,
                                                  const struct mv_object_view *, unsigned));

/* {"error":{"code":code,"message":message[,"innererror":{"code":inner}]}} (spec §2). */
enum MHD_Result mv_reply_kv_error(struct mv_req *r, unsigned status, const char *code,
                                  const char *inner, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* 401 with the AKV error message and the WWW-Authenticate challenge of spec §3. */
enum MHD_Result mv_reply_kv_unauthorized(struct mv_req *r, const char *message);
/* 401 claims challenge of continuous access evaluation for a token revoked at revoked_at (mock
 * unix seconds): spec/identity.md §7.2's header with error="insufficient_claims" and the claims
 * {"access_token":{"nbf":{"essential":true,"value":"<revoked_at>"},...}} in standard base64. */
enum MHD_Result mv_reply_kv_claims_challenge(struct mv_req *r, int64_t revoked_at);

/* The AADSTS envelope of spec/identity.md §1.4: error, error_description ending in the trace and
 * correlation ids and timestamp, error_codes, timestamp, trace_id, correlation_id, error_uri. */
enum MHD_Result mv_reply_aad_error(struct mv_req *r, unsigned status, const char *error, int code,
                                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Shapes of a secret on the wire (spec §1): with "value" (set and get only), with the base id (list
 * items, deleted items), or as a deleted bundle (recoveryId, deletedDate, scheduledPurgeDate
 * first). */
enum {
    MV_SECRET_VALUE = 1 << 0,
    MV_SECRET_BASE_ID = 1 << 1,
    MV_SECRET_DELETED = 1 << 2,
    MV_SECRET_ITEM = 1 << 3, /* a list item (versions): no kid even for a certificate's secret */
};

/* 200 with one SecretBundle / DeletedSecretBundle in the real key order. */
enum MHD_Result mv_reply_secret(struct mv_req *r, const struct mv_object_view *sv, unsigned shape);
/* 200 with GetSecret's bundle (with "value"); a certificate's secret also gets previous_version
 * as "previousVersion" when it is not NULL or "" (certificates spec §4, 2025-07-01). */
enum MHD_Result mv_reply_secret_get(struct mv_req *r, const struct mv_object_view *sv,
                                    const char *previous_version);

/* 200 with {"value":[items...],"nextLink":next_link or null}. */
enum MHD_Result mv_reply_secret_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                     unsigned shape, const char *next_link);

/* Shapes of a key on the wire (spec/keyvault-keys.md §2): the KeyBundle {key, attributes, tags,
 * release_policy}; a deleted bundle (recoveryId, deletedDate, scheduledPurgeDate first); a list
 * item {kid, attributes, tags} with the versioned kid, or with the base kid (GetKeys, deleted
 * items). Never a private part: only the public JWK is written (reply-keys.c). Fields that came
 * with an api-version are gated on the request's (exportable 7.4, hsmPlatform 7.5, key_size
 * 2025-07-01; recoverableDays from 7.1). */
enum {
    MV_KEY_DELETED = 1 << 0,
    MV_KEY_ITEM = 1 << 1,
    MV_KEY_BASE_ID = 1 << 2,
};
enum MHD_Result mv_reply_key(struct mv_req *r, const struct mv_object_view *kv, unsigned shape);
/* The KeyBundle of mv_reply_key as a tree (caller deletes; NULL when out of memory), for the
 * payload of a Secure Key Release answer, which carries it. */
cJSON *mv_reply_key_json(const struct mv_req *r, const struct mv_object_view *kv);
/* 200 with {"value":[items...],"nextLink":next_link or null}. */
enum MHD_Result mv_reply_key_page(struct mv_req *r, const struct mv_object_view *items, size_t n,
                                  unsigned shape, const char *next_link);
/* 200 {"kid":".../keys/name/version","value":base64url(data)}: encrypt, decrypt, wrapkey,
 * unwrapkey and sign (spec §3.7, §3.8). */
enum MHD_Result mv_reply_key_result(struct mv_req *r, const char *name, const char *version,
                                    const unsigned char *data, size_t len);
/* 200 {"value":true|false} (verify: no kid). */
enum MHD_Result mv_reply_key_verify(struct mv_req *r, bool valid);
/* 200 {"value":text} (backup blobs, random bytes). */
enum MHD_Result mv_reply_value(struct mv_req *r, const char *text);
/* 200 with a key's rotation policy (spec §3.9); p NULL: the default policy exactly as the service
 * answers for one never set (no id, "attributes":null). */
enum MHD_Result mv_reply_rotation_policy(struct mv_req *r, const char *name,
                                         const struct mv_rotation_policy *p);

/* 204 without Content-Type or body (purge). */
enum MHD_Result mv_reply_no_content(struct mv_req *r);

/* A text body (ca.pem, plain messages). */
enum MHD_Result mv_reply_text(struct mv_req *r, unsigned status, const char *content_type,
                              const char *text);

/* 200 with a file of the console (embedded in the binary: data is not copied and must outlive
 * the server) and the console's headers: a strict Content-Security-Policy, no framing. */
enum MHD_Result mv_reply_asset(struct mv_req *r, const char *content_type, const void *data,
                               size_t len);

/* 200 text/event-stream whose content stream s gives until the client or the server ends it
 * (stream.h). Takes s over: it is closed on every path. */
struct mv_stream;
enum MHD_Result mv_reply_stream(struct mv_req *r, struct mv_stream *s);

/* Copies s into out (size n) with anything outside printable ASCII replaced by '?' and long input
 * cut, so user input echoed in an error message is always valid JSON text. Returns out. */
const char *mv_reply_echo(const char *s, char *out, size_t n);

/* The challenge's resource for this request's host (DESIGN.md §3). */
void mv_reply_challenge_resource(const struct mv_req *r, char *out, size_t n);

/* Managed identity error, IMDS and Cloud Shell style (spec/identity.md §4.1):
 * {"error":error,"error_description":...}. */
enum MHD_Result mv_reply_msi_error(struct mv_req *r, unsigned status, const char *error,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* App Service managed identity error: {"statusCode":N,"message":...,"correlationId":guid}, the
 * shape MSAL's ManagedIdentityErrorResponse reads ("message", "correlationId"). code goes to the
 * log and journal only; the body has none. */
enum MHD_Result mv_reply_app_service_error(struct mv_req *r, unsigned status, const char *code,
                                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A Graph document (taken over) with Graph's OData Content-Type and headers. */
enum MHD_Result mv_reply_graph_json(struct mv_req *r, unsigned status, cJSON *body);

/* Graph's error envelope: {"error":{"code","message","innerError":{"date","request-id",
 * "client-request-id"}}}; a 401 also gets Graph's WWW-Authenticate challenge. */
enum MHD_Result mv_reply_graph_error(struct mv_req *r, unsigned status, const char *code,
                                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Azure Resource Manager's error envelope {"error":{"code","message"}}; a 401 also gets ARM's
 * WWW-Authenticate challenge. */
enum MHD_Result mv_reply_arm_error(struct mv_req *r, unsigned status, const char *code,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* 429 with Key Vault's exact Throttled body (spec §2) and no Retry-After, as the real service
 * sends it. */
enum MHD_Result mv_reply_kv_throttled(struct mv_req *r);

/* The error an injected fault asks for: status with the body that endpoint kind sends for it (Key
 * Vault, Entra ID AADSTS, managed identity, Graph or ARM envelope). A vault 401 carries the
 * challenge; a vault 403 is the access-policy denial naming permission (e.g. "get"). */
enum MHD_Result mv_reply_fault(struct mv_req *r, unsigned status, const char *permission);

#endif
