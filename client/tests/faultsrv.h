/* faultsrv.h: a small scripted HTTPS server for the retry tests of libkvclient (429, 503,
 * Retry-After, deadlines, 401 refresh), standing in for the mock's fault injection
 * (POST /_mock/faults, DESIGN.md §7) until that lands.
 *
 * It speaks real TLS with a certificate from the mock's own CA helpers (mockvault/tls.h) for
 * localhost and demo.localhost, on 127.0.0.1 and a free port. It answers:
 * - POST /{tenant}/oauth2/v2.0/token: the next scripted token reply (fs_push_token), or, when
 *   that script is empty, a client-credentials token ("fs-token-N", expires_in 3599);
 * - any other request without Authorization: the Key Vault 401 challenge
 *   (Bearer authorization="https://localhost:PORT/{tenant}", resource="https://localhost:PORT");
 * - any other request with Authorization: the next scripted reply (a 401 without headers of its
 *   own gets the challenge above), or, when the script is empty,
 *   200 with a SecretBundle for the secret named in the path.
 * Every request is journalled (method, path, whether it was authorised, body size, time). */
#ifndef KV_FAULTSRV_H
#define KV_FAULTSRV_H

#include <stddef.h>
#include <stdint.h>

#define FS_TENANT "11111111-1111-1111-1111-111111111111"
#define FS_MAX_HEADERS 4

/* One scripted answer. headers: "Name: value" lines (NULL-terminated when fewer than the max). */
struct fs_reply {
    int status;
    const char *headers[FS_MAX_HEADERS];
    const char *body;  /* NULL = the Key Vault error body for the status */
    unsigned delay_ms; /* sleep before answering */
};

/* A journalled request. */
struct fs_entry {
    char method[16];
    char path[256]; /* without the query */
    int authorized; /* 1 when an Authorization header came */
    int token;      /* 1 for the token endpoint */
    size_t body_len;
    uint64_t t_ms; /* monotonic ms when the request was complete */
    int status;    /* status answered */
};

struct fs_server;

/* Starts the server; aborts the running Check test on failure. */
struct fs_server *fs_start(void);
/* Stops it and removes its CA directory. Accepts NULL. */
void fs_stop(struct fs_server *fs);
uint16_t fs_port(const struct fs_server *fs);
/* Path of the CA certificate to trust (opts.ca_file); borrowed. */
const char *fs_ca_path(const struct fs_server *fs);
/* Appends reply to the script, times times. Strings must outlive the use (literals). */
void fs_push(struct fs_server *fs, const struct fs_reply *reply, unsigned times);
/* Appends reply to the token endpoint's own script, times times: status, headers and body
 * (NULL = the error body for the status) of the next token responses. */
void fs_push_token(struct fs_server *fs, const struct fs_reply *reply, unsigned times);
/* Copies up to max journal entries into out (may be NULL) and returns how many there are. */
size_t fs_journal(struct fs_server *fs, struct fs_entry *out, size_t max);
/* Journal entries for authorised vault requests only (not token, not challenged). */
size_t fs_vault_journal(struct fs_server *fs, struct fs_entry *out, size_t max);
/* Monotonic milliseconds, the clock of fs_entry.t_ms. */
uint64_t fs_now_ms(void);

#endif
