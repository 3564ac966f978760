/* kvc-http.h: the small HTTP layer kvconform shares between `server` and `client`: requests over
 * libcurl against an endpoint with a CA file, client-credentials tokens, WWW-Authenticate
 * challenge parsing, and the JSON/JWT helpers the suites need.
 *
 * Nothing here prints bodies, tokens or secrets; callers decide what may be shown. */
#ifndef KVC_HTTP_H
#define KVC_HTTP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* One HTTP answer. Every pointer is owned; free with kvc_resp_free(). */
struct kvc_resp {
    long status;   /* HTTP status; 0 when the transfer failed */
    char *body;    /* NUL-terminated body ("" when none) */
    size_t len;    /* body length in bytes */
    char *headers; /* raw header block of the final response, NUL-terminated */
    cJSON *json;   /* the parsed body, or NULL when it is not JSON */
    char err[256]; /* libcurl's message when status is 0 */
};

/* Where requests go and how they are authenticated. Borrowed strings the caller keeps alive. */
struct kvc_creds {
    const char *authority;     /* e.g. https://login.microsoftonline.com (no trailing slash) */
    const char *tenant;        /* tenant id */
    const char *client_id;     /* application (client) id */
    const char *client_secret; /* never printed */
    const char *ca_file;       /* CA bundle to trust, or NULL for the system store */
};

/* Sends one request. url is absolute; host names "localhost" and "*.localhost" are pinned to
 * 127.0.0.1 (loopback only, whatever the system resolver does). headers is a NULL-terminated
 * list of "Name: value" lines (may be NULL); body NULL sends none, "" sends Content-Length: 0.
 * Returns 0 when an HTTP answer arrived (any status), -1 otherwise with out->err set; out is
 * always initialised and must be freed with kvc_resp_free(). */
int kvc_http(const char *method, const char *url, const char *ca_file, const char *const *headers,
             const char *body, size_t body_len, struct kvc_resp *out);

/* Frees what kvc_http() filled in; accepts NULL and a zeroed response. */
void kvc_resp_free(struct kvc_resp *r);

/* Hands r over to *out when out is not NULL (the caller frees it then), else frees it. Returns
 * r's status. */
long kvc_resp_take(struct kvc_resp *r, struct kvc_resp *out);

/* Copies the value of the first response header called name (case-insensitive) into buf and
 * returns buf, or NULL when the header is absent. */
const char *kvc_header(const struct kvc_resp *r, const char *name, char *buf, size_t n);

/* Client-credentials token from {authority}/{tenant}/oauth2/v2.0/token for scope. Returns a
 * heap copy of access_token (free with cx_free_wiped), or NULL; when resp is not NULL the raw
 * answer is handed over there (free with kvc_resp_free). */
char *kvc_token(const struct kvc_creds *c, const char *scope, struct kvc_resp *resp);

/* URL-encodes s into a heap string (free with free()); NULL on failure. */
char *kvc_urlencode(const char *s);

/* A parsed Bearer challenge (spec/keyvault-secrets.md §3). */
struct kvc_challenge {
    char scheme[32];         /* "Bearer" */
    char authorization[512]; /* authorization= or authorization_uri= value */
    char resource[512];      /* resource= value, "" when absent */
    char scope[512];         /* scope= value, "" when absent */
    char tenant[128];        /* last path segment of authorization */
    char authority[512];     /* authorization without the tenant segment */
    int nparams;             /* parameters seen */
    bool all_quoted;         /* every value was "-quoted (the JS SDK requires it) */
};

/* Parses a WWW-Authenticate value the way the Python SDK does (split on ',' then '='), also
 * noting whether the JS SDK's stricter reading (quoted values) would accept it. Returns 0 when
 * the scheme and an authorization URL were found, -1 otherwise. */
int kvc_challenge_parse(const char *value, struct kvc_challenge *out);

/* True when s is non-empty, canonical base64url text without padding (cx_b64_valid). */
bool kvc_is_b64url(const char *s);

/* Parses part 0 (header) or 1 (payload) of a compact JWT. Caller frees with cJSON_Delete. */
cJSON *kvc_jwt_part(const char *token, int part);

/* Looks up a dotted path ("error.innererror.code") in a JSON object; NULL when absent. */
const cJSON *kvc_jget(const cJSON *j, const char *path);

/* String at a dotted path, or "" when absent or not a string. */
const char *kvc_jstr(const cJSON *j, const char *path);

/* True when a JSON text has no insignificant whitespace (spec: bodies are compact). */
bool kvc_json_is_compact(const char *text);

/* True for a 36-character GUID (8-4-4-4-12 hex digits). */
bool kvc_is_guid(const char *s);

#endif
