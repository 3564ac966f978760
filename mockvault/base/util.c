/* util.c: small shared helpers: base64url, hashes, random ids, constant-time compare, time text. */
#include "util.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- base64 ---- */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes len bytes with the given alphabet; pad adds '=' up to a multiple of four characters.
 * Returns a NUL-terminated string the caller frees, or NULL when out of memory. */
static char *b64_encode_with(const char *alphabet, bool pad, const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out = NULL;
    size_t o = 0;

    /* 4 output characters per 3 input bytes (rounded up) must fit in a size_t with the NUL. */
    if (len > (SIZE_MAX - 8) / 4 * 3)
        goto out;
    out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        goto out;

    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
out:
    return out;
}

char *mv_b64url_encode(const void *data, size_t len)
{
    return b64_encode_with(b64url_alphabet, false, data, len);
}

char *mv_b64_encode(const void *data, size_t len)
{
    return b64_encode_with(b64std_alphabet, true, data, len);
}

/* Value of one base64 character in either alphabet, or -1. Both alphabets are accepted because
 * some clients hand-roll their JWTs with the standard one. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

unsigned char *mv_b64url_decode(const char *text, size_t len, size_t *out_len)
{
    unsigned char *out = NULL;
    size_t o = 0;

    if (!text && len > 0)
        goto fail;

    /* Up to two '=' may end the text; anywhere else '=' is an error like any other stray byte. */
    for (int k = 0; k < 2 && len > 0 && text[len - 1] == '='; k++)
        len--;
    /* A single character left over would carry only 6 of a byte's 8 bits. */
    if (len % 4 == 1)
        goto fail;

    out = malloc(len / 4 * 3 + 3);
    if (!out)
        goto fail;

    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)text[i]);
        if (v < 0)
            goto fail;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    /* Leftover bits must be zero: rejecting non-canonical encodings keeps every byte string to
     * exactly one text form, so a token cannot be varied without changing its meaning. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        goto fail;

    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;

fail:
    free(out);
    if (out_len)
        *out_len = 0;
    return NULL;
}

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

static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void mv_rand_seed(uint64_t seed)
{
    pthread_mutex_lock(&rand_lock);
    rand_seeded = true;
    rand_state = seed;
    pthread_mutex_unlock(&rand_lock);
}

void mv_rand_unseed(void)
{
    pthread_mutex_lock(&rand_lock);
    rand_seeded = false;
    rand_state = 0;
    pthread_mutex_unlock(&rand_lock);
}

void mv_rand_bytes(void *out, size_t len)
{
    unsigned char *p = out;

    pthread_mutex_lock(&rand_lock);
    bool seeded = rand_seeded;
    if (seeded) {
        /* Each draw yields 8 bytes, little-endian; the tail of a partial draw is discarded so
         * a request of len bytes always consumes ceil(len / 8) draws. */
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v = splitmix64_next(&rand_state);
            for (size_t j = 0; j < 8 && i + j < len; j++)
                p[i + j] = (unsigned char)(v >> (8 * j));
        }
    }
    pthread_mutex_unlock(&rand_lock);

    /* Ids must never repeat; a failing system random source leaves nothing sensible to do. */
    if (!seeded && len > 0 && gnutls_rnd(GNUTLS_RND_NONCE, out, len) < 0) {
        fputs("mockvault: gnutls_rnd failed\n", stderr);
        abort();
    }
}

static void hex_lower(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void mv_rand_hex32(char out[33])
{
    unsigned char b[16];
    mv_rand_bytes(b, sizeof b);
    hex_lower(b, sizeof b, out);
}

void mv_rand_guid(char out[37])
{
    unsigned char b[16];
    char hex[33];

    mv_rand_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4: random */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx: RFC 4122 */
    hex_lower(b, sizeof b, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* ---- comparison ---- */

bool mv_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *pa = a, *pb = b;
    size_t n = alen > blen ? alen : blen;
    /* volatile keeps the compiler from turning the loop into an early-exit memcmp. */
    volatile unsigned char diff = (unsigned char)(alen != blen);

    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? pa[i] : 0;
        unsigned char y = i < blen ? pb[i] : 0;
        diff = (unsigned char)(diff | (x ^ y));
    }
    return diff == 0;
}

/* ---- time ---- */

/* UTC fields of t, clamped to years 0000-9999 so every field has a fixed width. The fields are
 * returned as unsigned values already reduced to their ranges, which lets the compiler see that
 * the fixed-size outputs below cannot truncate. */
struct utc_fields {
    unsigned year, mon, mday, hour, min, sec, wday; /* mon 1-12, wday 0 = Sunday */
};

static struct utc_fields utc_fields(int64_t t)
{
    const int64_t lo = INT64_C(-62167219200); /* 0000-01-01T00:00:00Z */
    const int64_t hi = INT64_C(253402300799); /* 9999-12-31T23:59:59Z */
    struct utc_fields f;
    struct tm tm;
    time_t tt = (time_t)(t < lo ? lo : t > hi ? hi : t);

    if (!gmtime_r(&tt, &tm)) {
        tt = 0;
        gmtime_r(&tt, &tm);
    }
    f.year = (unsigned)(tm.tm_year + 1900) % 10000u;
    f.mon = (unsigned)(tm.tm_mon + 1) % 13u;
    f.mday = (unsigned)tm.tm_mday % 32u;
    f.hour = (unsigned)tm.tm_hour % 24u;
    f.min = (unsigned)tm.tm_min % 60u;
    f.sec = (unsigned)tm.tm_sec % 61u;
    f.wday = (unsigned)tm.tm_wday % 7u;
    return f;
}

void mv_fmt_aad_time(int64_t t, char out[32])
{
    struct utc_fields f = utc_fields(t);
    snprintf(out, 32, "%04u-%02u-%02u %02u:%02u:%02uZ", f.year, f.mon, f.mday, f.hour, f.min,
             f.sec);
}

void mv_fmt_http_date(int64_t t, char out[40])
{
    /* Spelled out rather than strftime("%a %b"), whose names follow the process locale. */
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    /* f.mon counts from 1; slot 0 is never used. */
    static const char months[13][4] = {"",    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct utc_fields f = utc_fields(t);
    snprintf(out, 40, "%s, %02u %s %04u %02u:%02u:%02u GMT", days[f.wday], f.mday, months[f.mon],
             f.year, f.hour, f.min, f.sec);
}

/* Reads exactly n decimal digits at *p into *out and advances *p. Returns 0, or -1. */
static int take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int take_char(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mv_parse_rfc3339(const char *s, int64_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, sign = 0;
    const char *p = s;

    if (!s)
        return -1;
    if (take_digits(&p, 4, &year) || take_char(&p, '-') || take_digits(&p, 2, &mon) ||
        take_char(&p, '-') || take_digits(&p, 2, &day))
        return -1;
    /* RFC 3339 §5.6 allows 't' and, by its note, a space in place of 'T'. */
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (take_digits(&p, 2, &hour) || take_char(&p, ':') || take_digits(&p, 2, &min) ||
        take_char(&p, ':') || take_digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        /* Fractions are accepted but dropped: the mock keeps whole seconds everywhere. */
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (take_digits(&p, 2, &off_h) || take_char(&p, ':') || take_digits(&p, 2, &off_m))
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;

    if (mon < 1 || mon > 12 || day < 1)
        return -1;
    if (day > mdays[mon - 1] + (mon == 2 && is_leap(year)))
        return -1;
    /* Second 60 is a leap second; timegm folds it into the next minute. */
    if (hour > 23 || min > 59 || sec > 60 || off_h > 23 || off_m > 59)
        return -1;

    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    /* The local time at +hh:mm is that much ahead of UTC, so subtract the offset. */
    *out = (int64_t)t - (int64_t)sign * (off_h * 3600 + off_m * 60);
    return 0;
}

/* ---- strings ---- */

char *mv_str_lower(char *s)
{
    if (!s)
        return s;
    for (char *p = s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    return s;
}

char *mv_strdup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
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
        if (n == strlen(exact[i]) && ascii_ieq(host, exact[i], n))
            return true;
    }
    /* A vault host is {name}.vault.azure.net; the bare suffix is not a vault. */
    return n > slen && ascii_ieq(host + n - slen, vault_suffix, slen) &&
           is_dns_labels(host, n - slen);
}

/* ---- files ---- */

char *mv_read_file(const char *path, size_t max, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int saved = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        saved = errno;
        goto out;
    }
    if (max > SIZE_MAX / 2)
        max = SIZE_MAX / 2;
    /* Read until EOF rather than trusting st_size, so pipes and files that grow work too; the
     * buffer never grows past max + 1 bytes, which is enough to notice a file over the cap. */
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                saved = EFBIG;
                goto out;
            }
            size_t want = cap ? cap * 2 : (size_t)(st.st_size > 0 ? st.st_size : 0) + 1;
            if (want < 4096)
                want = 4096;
            if (want > max + 1)
                want = max + 1;
            char *nb = realloc(buf, want + 1);
            if (!nb) {
                saved = ENOMEM;
                goto out;
            }
            buf = nb;
            cap = want;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            saved = errno;
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max)
        saved = EFBIG;
out:
    if (fd >= 0)
        close(fd);
    if (saved != 0) {
        free(buf);
        buf = NULL;
        errno = saved;
    } else {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
    return buf;
}

int mv_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char *tmp = NULL;
    int fd = -1, rc = -1, saved = 0;
    bool created = false, renamed = false;
    const char *p = data;

    if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
        tmp = NULL;
        saved = ENOMEM;
        goto out;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    created = fd >= 0;
    if (fd < 0 || fchmod(fd, mode) < 0) {
        saved = errno;
        goto out;
    }
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            saved = errno;
            goto out;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) < 0) {
        saved = errno;
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr < 0 || rename(tmp, path) < 0) {
        saved = errno;
        goto out;
    }
    renamed = true;

    /* The rename is durable only once the directory is synced, so a failure there is reported
     * (the data is in place, but an acknowledged write must survive a crash). Some file systems
     * cannot sync a directory at all (EINVAL); that is not an error. */
    char *slash = strrchr(tmp, '/');
    if (slash)
        *(slash == tmp ? slash + 1 : slash) = '\0';
    int dfd = open(slash ? tmp : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL)) {
        saved = errno;
        if (dfd >= 0)
            close(dfd);
        goto out;
    }
    close(dfd);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (created && !renamed)
        unlink(tmp);
    free(tmp);
    if (rc != 0)
        errno = saved;
    return rc;
}

bool mv_host_is_ip(const char *host)
{
    unsigned char addr[16];
    char buf[64];
    size_t n = strlen(host);

    if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
        return true;
    if (n >= 2 && n < sizeof buf && host[0] == '[' && host[n - 1] == ']') {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        return inet_pton(AF_INET6, buf, addr) == 1;
    }
    return false;
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
