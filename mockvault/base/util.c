/* util.c: the mock's own small helpers (hashes, the seeded id stream, Azure host names, errors);
 * base64, time text, files, text and host parsing are in common/. */
#include "util.h"

#include <stdarg.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-rand.h"
#include "cx-text.h"

/* ---- hashes ---- */

int mv_sha256(const void *data, size_t len, unsigned char out[32])
{
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, data ? data : "", len, out) < 0 ? -1 : 0;
}

int mv_sha1(const void *data, size_t len, unsigned char out[20])
{
    return gnutls_hash_fast(GNUTLS_DIG_SHA1, data ? data : "", len, out) < 0 ? -1 : 0;
}

/* ---- random ---- */

/* The seeded stream: splitmix64 is tiny, has no bad seeds, and its output depends only on the
 * seed and the number of draws, which is all determinism needs (it is not meant to be secret). */
static pthread_mutex_t rand_lock = PTHREAD_MUTEX_INITIALIZER;
static bool rand_seeded;    /* guarded by rand_lock */
static uint64_t rand_state; /* guarded by rand_lock */
static uint64_t rand_seed0; /* guarded by rand_lock: the seed as given */

void mv_rand_seed(uint64_t seed)
{
    pthread_mutex_lock(&rand_lock);
    rand_seeded = true;
    rand_state = seed;
    rand_seed0 = seed;
    pthread_mutex_unlock(&rand_lock);
}

bool mv_rand_get_seed(uint64_t *seed)
{
    pthread_mutex_lock(&rand_lock);
    bool seeded = rand_seeded;
    if (seeded && seed != NULL)
        *seed = rand_seed0;
    pthread_mutex_unlock(&rand_lock);
    return seeded;
}

void mv_rand_unseed(void)
{
    pthread_mutex_lock(&rand_lock);
    rand_seeded = false;
    rand_state = 0;
    rand_seed0 = 0;
    pthread_mutex_unlock(&rand_lock);
}

void mv_rand_bytes(void *out, size_t len)
{
    unsigned char *p = out;

    pthread_mutex_lock(&rand_lock);
    bool seeded = rand_seeded;
    if (seeded)
        cx_splitmix64_fill(&rand_state, p, len);
    pthread_mutex_unlock(&rand_lock);

    /* Ids must never repeat; a failing system random source leaves nothing sensible to do. */
    if (!seeded && len > 0 && gnutls_rnd(GNUTLS_RND_NONCE, out, len) < 0) {
        fputs("mockvault: gnutls_rnd failed\n", stderr);
        abort();
    }
}

void mv_rand_hex32(char out[33])
{
    unsigned char b[16];
    mv_rand_bytes(b, sizeof b);
    cx_hex_encode(b, sizeof b, out);
}

void mv_rand_guid(char out[37])
{
    unsigned char b[16];

    mv_rand_bytes(b, sizeof b);
    cx_guid_format(b, out);
}

char *mv_strdup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* True when s[0..n) is one or more non-empty DNS labels of letters, digits and '-'. */
static bool is_dns_labels(const char *s, size_t n)
{
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-') {
            label++;
        } else {
            return false;
        }
    }
    return label > 0;
}

bool mv_host_is_azure(const char *host)
{
    static const char *const exact[] = {
        "login.microsoftonline.com", "login.windows.net",    "login.microsoft.com",
        "sts.windows.net",           "management.azure.com", "management.core.windows.net",
        "graph.microsoft.com",
    };
    static const char vault_suffix[] = ".vault.azure.net";
    const size_t slen = sizeof vault_suffix - 1;

    if (!host)
        return false;
    size_t n = strlen(host);
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        if (n == strlen(exact[i]) && cx_strncasecmp(host, exact[i], n) == 0)
            return true;
    }
    /* A vault host is {name}.vault.azure.net; the bare suffix is not a vault. */
    return n > slen && cx_strncasecmp(host + n - slen, vault_suffix, slen) == 0 &&
           is_dns_labels(host, n - slen);
}

double mv_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mv_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
