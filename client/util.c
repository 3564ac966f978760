/* util.c: buffers, strings, wiping, clocks, randomness and error filling for libkvclient. */
#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv-int.h"

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
            kv__wipe(b->data, b->cap);
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
        kv__wipe(b->data, b->cap);
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

void kv__wipe(void *p, size_t n)
{
    if (p)
        explicit_bzero(p, n);
}

static void wipe_strings(cJSON *item)
{
    for (; item; item = item->next) {
        if (item->valuestring)
            kv__wipe(item->valuestring, strlen(item->valuestring));
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
        kv__wipe(root->valuestring, strlen(root->valuestring));
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
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(buf, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
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
