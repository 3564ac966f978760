/* cli-compat.c: wiping, base64 and RFC 3339 times for the CLI. These are the CLI's copies of
 * helpers that the shared common/ library (cx_ prefix) provides; they are replaced by common/ when
 * it lands (see cli-compat.h), which is why nothing else in client/cli/ implements such a helper. */
#include "cli-compat.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

void cli_free_wiped(char *s)
{
    if (s) {
        cli_wipe(s, strlen(s));
        free(s);
    }
}

/* ----- Base64 ------------------------------------------------------------------------------ */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *cli_b64_encode(const unsigned char *in, size_t n, int url)
{
    const char *alphabet = url ? b64_url : b64_std;
    int pad = !url;
    char *out = malloc(n / 3 * 4 + 5), *o = out;
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        if (i + 1 < n)
            *o++ = alphabet[v >> 6 & 63];
        else if (pad)
            *o++ = '=';
        if (pad)
            *o++ = '=';
    }
    *o = '\0';
    return out;
}

int cli_b64url_decode(const char *in, unsigned char **out, size_t *len)
{
    size_t n = strlen(in), o = 0;
    unsigned char *buf;
    uint32_t acc = 0;
    int bits = 0;

    while (n > 0 && in[n - 1] == '=')
        n--;
    buf = malloc(n * 3 / 4 + 1);
    if (!buf)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *c = in[i] ? strchr(b64_url, in[i]) : NULL;
        if (!c) {
            free(buf);
            return -1;
        }
        acc = acc << 6 | (uint32_t)(c - b64_url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)(acc >> bits);
        }
    }
    *out = buf;
    *len = o;
    return 0;
}

/* ----- Times ------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), so the
 * parser does not depend on the TZ environment as mktime would. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int read_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* The part after the date: hh[:mm[:ss[.fraction]]] and a zone. Returns 0 or -1. */
static int parse_clock(const char **pp, int *h, int *mi, int *sec, int *sign, int *oh, int *om)
{
    const char *p = *pp;

    if (read_digits(&p, 2, h))
        return -1;
    if (*p == ':') {
        p++;
        if (read_digits(&p, 2, mi))
            return -1;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, sec))
                return -1;
            if (*p == '.' || *p == ',') {
                /* Key Vault keeps whole seconds; the fraction is accepted and dropped. */
                p++;
                if (!isdigit((unsigned char)*p))
                    return -1;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        *sign = *p++ == '-' ? -1 : 1;
        if (read_digits(&p, 2, oh))
            return -1;
        if (*p == ':')
            p++;
        if (read_digits(&p, 2, om))
            return -1;
    }
    *pp = p;
    return 0;
}

int cli_time_parse(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    const char *p = s;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) || *p++ != '-' ||
        read_digits(&p, 2, &d))
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (parse_clock(&p, &h, &mi, &sec, &sign, &oh, &om))
            return -1;
    } else if (*p == 'Z' || *p == 'z') {
        p++;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59)
        return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
    return 0;
}

void cli_time_format(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm))
        snprintf(buf, len, "%" PRId64, t);
}
