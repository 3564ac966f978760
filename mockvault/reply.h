/* reply.h: the one writer of response bodies and headers: Key Vault's error envelope and
 * challenge, Entra ID's AADSTS envelope, JSON documents, and the common headers of each kind. */
#ifndef MV_REPLY_H
#define MV_REPLY_H

#include <cjson/cJSON.h>
#include <stdarg.h>

#include "http.h"

/* Sends body (compact JSON, taken over and freed) with status. Returns MHD_YES/MHD_NO. */
int mv_reply_json(struct mv_req *r, unsigned status, cJSON *body);

/* {"error":{"code":code,"message":message[,"innererror":{"code":inner}]}} (spec §2). */
int mv_reply_kv_error(struct mv_req *r, unsigned status, const char *code, const char *inner,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* 401 with the AKV error message and the WWW-Authenticate challenge of spec §3. */
int mv_reply_kv_unauthorized(struct mv_req *r, const char *message);

/* The AADSTS envelope of spec/identity.md §1.4: error, error_description ending in the trace and
 * correlation ids and timestamp, error_codes, timestamp, trace_id, correlation_id, error_uri. */
int mv_reply_aad_error(struct mv_req *r, unsigned status, const char *error, int code,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* 204 without Content-Type or body (purge). */
int mv_reply_no_content(struct mv_req *r);

/* A text body (ca.pem, plain messages). */
int mv_reply_text(struct mv_req *r, unsigned status, const char *content_type, const char *text);

/* Copies s into out (size n) with anything outside printable ASCII replaced by '?' and long input
 * cut, so user input echoed in an error message is always valid JSON text. Returns out. */
const char *mv_reply_echo(const char *s, char *out, size_t n);

/* The challenge's resource for this request's host (DESIGN.md §3). */
void mv_reply_challenge_resource(const struct mv_req *r, char *out, size_t n);

#endif
