/* log.h: one line per request (method, vault, operation, principal, status, latency, algorithm)
 * as text or
 * JSON, plus server notices. Never secret values, tokens or client secrets: only fields that are
 * safe by construction are logged (no bodies, no query strings, no headers). */
#ifndef MV_LOG_H
#define MV_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum mv_log_format { MV_LOG_TEXT = 0, MV_LOG_JSON = 1, MV_LOG_OFF = 2 };

/* The server's log: lines from pool threads never interleave. */
struct mv_log {
    FILE *out; /* borrowed */
    enum mv_log_format format;
    pthread_mutex_t lock;
};

/* One answered request. The dispatcher fills it once when a request finishes; the log line and
 * the journal entry (control/journal.h) are both written from it. Strings are borrowed. */
struct mv_request_record {
    double time; /* mock-clock unix seconds */
    double latency_ms;
    unsigned status; /* 0 = the connection was dropped */
    bool would_deny; /* allowed only because of --authz audit */
    unsigned fault;  /* id of the fault rule that acted on it, 0 = none */
    const char *method;
    const char *path; /* without the query string */
    const char *vault, *operation, *appid, *oid, *error_code, *request_id;
    const char *client_request_id; /* NULL = absent; kept up to 256 bytes */
    /* The algorithm of a crypto operation ("RS256", "RSA-OAEP", a release's
     * "CKM_RSA_AES_KEY_WRAP"); NULL = none. Only names: never a value, plaintext, ciphertext,
     * signature or digest (issue 10). */
    const char *algorithm;
    /* A denial, or under --authz audit a would-be denial: the one-line explanation (who, what was
     * missing, what they hold, the smallest change) and that change as the control-API call that
     * makes it, JSON text {"method","path","body"} (authz.c). NULL otherwise. Neither holds a
     * value or a token: names, ids and permission names only. The log line leaves them out (the
     * explanation is logged once as a notice); the journal keeps them for the console. */
    const char *explanation;
    const char *fix;
    /* What a mock-clock event did, for the journal ("contacts=2" for a certificate's
     * EmailContacts: a count, never an address); NULL = none. */
    const char *detail;
};

/* Copies in (NULL = "") into out (n bytes, always NUL-terminated, cut between escapes when it
 * does not fit) with every byte that could break a log line written as \xNN: control characters
 * (C0, DEL, C1), the line and paragraph separators U+2028 and U+2029, and bytes that are not
 * strict UTF-8; a backslash becomes \\, so an escape is never ambiguous. With MV_ESC_SPACE,
 * spaces (\x20) too, for the space-separated text lines. Returns the length written. */
#define MV_ESC_SPACE 1u
size_t mv_log_escape(const char *in, char *out, size_t n, unsigned flags);

void mv_log_init(struct mv_log *l, FILE *out, enum mv_log_format format);
void mv_log_destroy(struct mv_log *l);

/* The request's line. */
void mv_log_request(struct mv_log *l, const struct mv_request_record *q);
/* A server notice ("listening on ...", "fixture loaded"); text or JSON like request lines. */
void mv_log_notice(struct mv_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
