/* util.c: the leaves of libkvclient: status names, frees, buffers, strings, clocks, randomness,
 * URL parts and error filling. Every other file may call these; they call only common/ and the
 * libraries. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-mem.h"
#include "cx-rand.h"
#include "cx-text.h"
#include "kv-int.h"

const char *kv_strerror(int status)
{
    switch (status) {
#define KV_STATUS_DESC(n, name, desc)                                                              \
    case n: return desc;
        KV_STATUS_MAP(KV_STATUS_DESC)
#undef KV_STATUS_DESC
    }
    return "unknown status";
}

const char *kv_status_name(int status)
{
    switch (status) {
#define KV_STATUS_NAME(n, name, desc)                                                              \
    case n: return "KV_" #name;
        KV_STATUS_MAP(KV_STATUS_NAME)
#undef KV_STATUS_NAME
    }
    return "KV_E_UNKNOWN";
}

void kv_free(void *p)
{
    free(p);
}

void kv_free_secret(char *s)
{
    cx_free_wiped(s);
}

int kv__url_parts(const char *url, char *scheme, size_t ns, char *host, size_t nh, long *port)
{
    CURLU *u = curl_url();
    char *sch = NULL, *hst = NULL, *prt = NULL;
    int rc = -1;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &sch, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &hst, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &prt, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto out;
    if (scheme)
        snprintf(scheme, ns, "%s", sch);
    if (host) {
        snprintf(host, nh, "%s", hst);
        cx_str_lower(host);
    }
    if (port)
        *port = strtol(prt, NULL, 10);
    rc = 0;
out:
    curl_free(sch);
    curl_free(hst);
    curl_free(prt);
    curl_url_cleanup(u);
    return rc;
}

bool kv__buf_append(struct kv__buf *b, const void *p, size_t n)
{
    size_t max = b->max ? b->max : KV__MAX_RESPONSE;
    if (b->len + n > max) {
        b->overflow = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        /* Not realloc: the old block may hold a secret value and must be wiped, not left behind. */
        char *d = malloc(cap);
        if (!d)
            return false;
        if (b->data) {
            memcpy(d, b->data, b->len);
            cx_wipe(b->data, b->cap);
            free(b->data);
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

void kv__buf_wipe(struct kv__buf *b)
{
    if (b->data) {
        cx_wipe(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
    b->overflow = false;
}

char *kv__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *kv__strndup(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

char *kv__asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

size_t kv__join(char *dst, size_t n, const char *const *parts)
{
    size_t total = 0;
    for (size_t i = 0; parts[i]; i++) {
        size_t len = strlen(parts[i]);
        if (total < n - 1)
            memcpy(dst + total, parts[i], len < n - 1 - total ? len : n - 1 - total);
        total += len;
    }
    dst[total < n - 1 ? total : n - 1] = '\0';
    return total;
}

char *kv__concat(const char *const *parts)
{
    size_t total = 0;
    for (size_t i = 0; parts[i]; i++)
        total += strlen(parts[i]);
    char *s = malloc(total + 1);
    if (s)
        kv__join(s, total + 1, parts);
    return s;
}

static void wipe_strings(cJSON *item)
{
    for (; item; item = item->next) {
        if (item->valuestring)
            cx_wipe(item->valuestring, strlen(item->valuestring));
        wipe_strings(item->child);
    }
}

void kv__json_delete_wipe(cJSON *root)
{
    /* cJSON frees strings without clearing them; a parsed secret bundle or token reply would
     * leave its value in freed heap memory. */
    if (!root)
        return;
    if (root->valuestring)
        cx_wipe(root->valuestring, strlen(root->valuestring));
    wipe_strings(root->child);
    cJSON_Delete(root);
}

int64_t kv__now(void)
{
    return (int64_t)time(NULL);
}

uint64_t kv__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t kv__random(void)
{
    uint64_t r = 0;
    if (gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof r) != 0)
        r = (uint64_t)kv__mono_ms() * 6364136223846793005ull + 1442695040888963407ull;
    return r;
}

void kv__uuid(char *buf)
{
    unsigned char b[16];
    if (gnutls_rnd(GNUTLS_RND_NONCE, b, sizeof b) != 0) {
        uint64_t r1 = kv__random(), r2 = kv__random();
        memcpy(b, &r1, 8);
        memcpy(b + 8, &r2, 8);
    }
    cx_guid_format(b, buf);
}

int64_t kv__sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

int64_t kv__sat_sub(int64_t a, int64_t b)
{
    if (b < 0 && a > INT64_MAX + b)
        return INT64_MAX;
    if (b > 0 && a < INT64_MIN + b)
        return INT64_MIN;
    return a - b;
}

bool kv__double_to_int64(double d, int64_t min, int64_t max, int64_t *out)
{
    /* -2^63 and 2^63 are exact doubles, and every int64 below 2^63 converts without overflow;
     * the test is written so that NaN fails it too (every comparison with NaN is false). Only
     * after it is the cast defined. */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return false;
    int64_t v = (int64_t)d;
    /* The cast truncates: a fraction shows as a difference. */
    if ((double)v != d || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* True when s is an optional '-' and one or more digits, nothing else. */
static bool decimal_shape(const char *s)
{
    const char *p = s + (*s == '-');
    return *p >= '0' && *p <= '9' && p[strspn(p, "0123456789")] == '\0';
}

bool kv__str_to_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    /* strtoll alone would accept leading spaces, '+' and trailing garbage, and clamp overflow to
     * LLONG_MAX silently: the shape is checked first and ERANGE after. */
    if (!s || !decimal_shape(s))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || *end != '\0' || v < min || v > max)
        return false;
    *out = (int64_t)v;
    return true;
}

enum kv__num kv__json_int64(const cJSON *it, bool strings, int64_t min, int64_t max, int64_t *out)
{
    if (!it || cJSON_IsNull(it))
        return KV__NUM_ABSENT;
    if (cJSON_IsNumber(it))
        return kv__double_to_int64(it->valuedouble, min, max, out) ? KV__NUM_OK : KV__NUM_BAD;
    if (!strings || !cJSON_IsString(it) || !it->valuestring)
        return KV__NUM_OTHER;
    /* A string of digits is a number, however large; anything else (a date, "3599.5") is not. */
    if (!decimal_shape(it->valuestring))
        return KV__NUM_OTHER;
    return kv__str_to_int64(it->valuestring, min, max, out) ? KV__NUM_OK : KV__NUM_BAD;
}

int kv__fail(struct kv_error *err, int status, const char *fmt, ...)
{
    if (err) {
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void kv__error_clear(struct kv_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}
