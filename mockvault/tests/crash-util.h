/* crash-util.h: what test-crash.c needs around its writers: the mockvault process on a state dir
 * (started, killed, started again), one HTTPS request to it, and the JSON and template helpers. */
#ifndef MV_CRASH_UTIL_H
#define MV_CRASH_UTIL_H

#include <curl/curl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The mock process: its binary, fixture and state dir, and once started its port and pid. */
struct mock {
    const char *bin, *fixture;
    char dir[256], state[300], ready[300], log[300], ca[400];
    int port;
    pid_t pid;
};

/* Seconds on CLOCK_MONOTONIC. */
double now_s(void);
/* Starts the mock on m->state and waits for its ready file (60 s at most); m->port is then its
 * port. Returns 0, or -1 when it did not start (the state did not load). */
int mock_start(struct mock *m);
/* SIGTERM (sig 0) or sig; returns the wait status (-1 when it was not running). */
int mock_stop(struct mock *m, int sig);
/* One request to the mock; returns the status (0 on a transport error) and the body in *out (the
 * caller frees it; out may be NULL). host: "demo.localhost" for the vault, "localhost" for Entra
 * ID; token (may be NULL) is sent as the bearer token; ctype (may be NULL) as the Content-Type. */
long crash_request(const struct mock *m, const char *token, CURL *h, const char *method,
                   const char *host, const char *path, const char *body, const char *ctype,
                   char **out);
/* The string at a dotted member path ("key.kid") of a JSON text, copied into out. */
bool member(const char *json, const char *dotted, char *out, size_t n);
/* tmpl with its first `token` replaced by arg. */
void subst_token(char *out, size_t n, const char *tmpl, const char *token, const char *arg);
/* tmpl with its first "{}" replaced by arg. */
void subst(char *out, size_t n, const char *tmpl, const char *arg);
/* FNV-1a (64 bits) of a key's public parts in an answer (kty, n, e, crv, x, y, those present);
 * 0 when the answer holds no key. */
uint64_t pub_hash(const char *json);
/* An nftw callback that removes each entry (the test's directory, when it passed). */
int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw);

#endif
