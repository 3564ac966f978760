/* kvcli.c: the kvclient command-line tool, an `az keyvault secret`-like front end to libkvclient
 * that uses only the public header (kvclient.h), the way curl's src/ uses only libcurl's API.
 *
 * Shape of the program: argv is parsed against two tables (options and verbs) into struct cli;
 * the verb's run function calls the library and builds the result as a small JSON tree; one
 * printer then renders that tree as json, tsv, table or nothing, after an optional --query. The
 * exit code is the enum kv_status of the first failure, so scripts can tell a missing secret
 * (14) from a denial (12) without parsing text.
 *
 * Secret hygiene: a value is put in the output tree only by `secret show`, whose purpose is to
 * print it, and an access token only by `token get`. Nothing that reaches stderr (errors,
 * warnings, -v traces) ever contains a value, a token or a client secret: argument values are
 * never echoed in usage errors, and the library masks them in its traces and messages. Memory
 * that held a value (file contents, the output tree, stdout's buffer) is wiped before release. */
#include "kvclient.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "kvclient"
#define DEFAULT_DNS_SUFFIX "vault.azure.net"
#define DEFAULT_SCOPE "https://vault.azure.net/.default"
#define DEFAULT_WARN_EXPIRY (30 * 86400LL)
/* Key Vault refuses values over 25 KiB; a larger cap only stops a wrong --file from eating
 * memory, the service stays the judge of the real limit. */
#define MAX_FILE_BYTES (4u << 20)
#define MAX_QUERY_SEGS 8

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ----- Small helpers ------------------------------------------------------------------------ */

/* Overwrites n bytes with zeros in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

static void free_wiped(char *s)
{
    if (s) {
        wipe(s, strlen(s));
        free(s);
    }
}

PRINTF_LIKE(1, 2)
static void warnx(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Writes text from the server or the library to stderr with control characters replaced, so a
 * hostile error message cannot rewrite the user's terminal. */
static void put_clean(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ----- Times and durations ------------------------------------------------------------------ */

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

/* Parses an ISO 8601 / RFC 3339 instant as az's --expires does: 2026-12-31T00:00:00Z,
 * 2026-12-31T00:00Z, 2026-12-31T00Z or 2026-12-31, and also fractions and +hh:mm offsets.
 * A missing zone means UTC, as az assumes. Returns 0 and unix seconds, or -1. */
static int parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    const char *p = s;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) || *p++ != '-' ||
        read_digits(&p, 2, &d))
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (read_digits(&p, 2, &h))
            return -1;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &mi))
                return -1;
            if (*p == ':') {
                p++;
                if (read_digits(&p, 2, &sec))
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
            sign = *p++ == '-' ? -1 : 1;
            if (read_digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (read_digits(&p, 2, &om))
                return -1;
        }
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

/* "2026-12-31T00:00:00+00:00": what az prints for datetime attributes (Python isoformat()). */
static void format_iso(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm))
        snprintf(buf, len, "%" PRId64, t);
}

/* "3d 4h", "5h 2m", "40s": the coarse form used in expiry warnings. */
static void format_duration(int64_t s, char *buf, size_t len)
{
    if (s < 0)
        s = -s;
    if (s >= 86400)
        snprintf(buf, len, "%" PRId64 "d %" PRId64 "h", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(buf, len, "%" PRId64 "h %" PRId64 "m", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(buf, len, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
    else
        snprintf(buf, len, "%" PRId64 "s", s);
}

/* Parses "30d", "12h", "90m", "45s" or plain seconds. Returns 0 or -1. */
static int parse_duration(const char *s, int64_t *out)
{
    char *end;
    long long v;
    int64_t mult = 1;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0 || !isdigit((unsigned char)*s))
        return -1;
    switch (*end) {
    case '\0': case 's': break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    if (v > INT64_MAX / mult / 2)
        return -1;
    *out = v * mult;
    return 0;
}

/* Parses a decimal integer in [lo, hi]. Returns 0 or -1. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* az's three-state flags accept true/false and yes/no in any case. Returns 1, 0, or -1. */
static int parse_bool(const char *s)
{
    if (!strcasecmp(s, "true") || !strcasecmp(s, "yes"))
        return 1;
    if (!strcasecmp(s, "false") || !strcasecmp(s, "no"))
        return 0;
    return -1;
}

/* ----- Base64 ------------------------------------------------------------------------------ */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes n bytes; padded with '=' when pad is 1. Caller frees (wipes first if secret). */
static char *b64_encode(const unsigned char *in, size_t n, const char *alphabet, int pad)
{
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

/* Decodes base64url (padding optional). Returns 0 with *out (caller frees) and *len, or -1. */
static int b64url_decode(const char *in, unsigned char **out, size_t *len)
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

/* ----- Output tree ------------------------------------------------------------------------- */

/* A small JSON tree: results are built once and rendered by any of the output formats, after
 * --query picks a part of them. Object members are kept sorted by key, as az prints them
 * (json.dumps(sort_keys=True)). Every string is wiped when freed: the tree of `secret show`
 * holds the value, the tree of `token get` holds a token. */
enum jtype { J_NULL, J_BOOL, J_INT, J_STR, J_OBJ, J_ARR };

struct jnode {
    enum jtype type;
    char *key;            /* member name inside an object; NULL in arrays and at the root */
    char *str;            /* J_STR */
    int64_t num;          /* J_BOOL (0 or 1) and J_INT */
    struct jnode *first;  /* children of J_OBJ and J_ARR */
    struct jnode *next;   /* next sibling */
};

struct jdoc {
    struct jnode *root;
    int nomem;            /* sticky: some node could not be allocated */
};

static void jfree(struct jnode *n)
{
    while (n) {
        struct jnode *next = n->next;
        jfree(n->first);
        free(n->key);
        free_wiped(n->str);
        free(n);
        n = next;
    }
}

/* Links child into parent: sorted by key in objects, appended in arrays. */
static void jlink(struct jnode *parent, struct jnode *child)
{
    struct jnode **pp = &parent->first;

    if (parent->type == J_OBJ)
        while (*pp && strcmp((*pp)->key, child->key) < 0)
            pp = &(*pp)->next;
    else
        while (*pp)
            pp = &(*pp)->next;
    child->next = *pp;
    *pp = child;
}

/* Adds a node under parent (or makes it the root when parent is NULL and d has none). Returns
 * the node, or NULL after setting d->nomem; a NULL parent after a failure is ignored, so
 * builders can run to the end and check d->nomem once. */
static struct jnode *jadd(struct jdoc *d, struct jnode *parent, const char *key, enum jtype t)
{
    struct jnode *n;

    if (d->nomem || (!parent && d->root))
        return NULL;
    n = calloc(1, sizeof *n);
    if (!n || (key && !(n->key = xstrdup(key)))) {
        free(n);
        d->nomem = 1;
        return NULL;
    }
    n->type = t;
    if (parent)
        jlink(parent, n);
    else
        d->root = n;
    return n;
}

/* Adds a string member, or null when s is NULL. */
static void jadd_str(struct jdoc *d, struct jnode *parent, const char *key, const char *s)
{
    struct jnode *n = jadd(d, parent, key, s ? J_STR : J_NULL);

    if (n && s && !(n->str = xstrdup(s)))
        d->nomem = 1;
}

static void jadd_num(struct jdoc *d, struct jnode *parent, const char *key, enum jtype t, int64_t v)
{
    struct jnode *n = jadd(d, parent, key, t);

    if (n)
        n->num = v;
}

/* Adds an ISO 8601 time, or null for 0 (the library's "absent"). */
static void jadd_time(struct jdoc *d, struct jnode *parent, const char *key, int64_t t)
{
    char buf[40];

    if (!t) {
        jadd(d, parent, key, J_NULL);
        return;
    }
    format_iso(t, buf, sizeof buf);
    jadd_str(d, parent, key, buf);
}

static struct jnode *jcopy(struct jdoc *d, struct jnode *parent, const struct jnode *src)
{
    struct jnode *n = jadd(d, parent, src->key, src->type);

    if (!n)
        return NULL;
    n->num = src->num;
    if (src->str && !(n->str = xstrdup(src->str)))
        d->nomem = 1;
    for (const struct jnode *c = src->first; c; c = c->next)
        jcopy(d, n, c);
    return n;
}

/* What a secret's JSON includes; the shapes follow az's output for the same command. */
enum {
    SH_VALUE = 1,    /* "value": only `secret show` */
    SH_KID = 2,      /* "kid": bundles (show, set, ...), not list items */
    SH_DELETED = 4,  /* deletedDate, recoveryId, scheduledPurgeDate */
};

static void secret_to_json(struct jdoc *d, struct jnode *parent, const struct kv_secret *s,
                           unsigned shape)
{
    struct jnode *o = jadd(d, parent, NULL, J_OBJ), *a, *t;

    a = jadd(d, o, "attributes", J_OBJ);
    jadd_time(d, a, "created", s->created);
    jadd_num(d, a, "enabled", J_BOOL, s->enabled != 0);
    jadd_time(d, a, "expires", s->expires);
    jadd_time(d, a, "notBefore", s->not_before);
    if (s->recoverable_days)
        jadd_num(d, a, "recoverableDays", J_INT, s->recoverable_days);
    else
        jadd(d, a, "recoverableDays", J_NULL);
    jadd_str(d, a, "recoveryLevel", s->recovery_level);
    jadd_time(d, a, "updated", s->updated);
    jadd_str(d, o, "contentType", s->content_type);
    jadd_str(d, o, "id", s->id);
    if (shape & SH_KID)
        jadd_str(d, o, "kid", s->kid);
    /* az prints managed as true or null, never false (the SDK leaves it unset). */
    if (s->managed)
        jadd_num(d, o, "managed", J_BOOL, 1);
    else
        jadd(d, o, "managed", J_NULL);
    jadd_str(d, o, "name", s->name);
    if (s->n_tags) {
        t = jadd(d, o, "tags", J_OBJ);
        for (size_t i = 0; i < s->n_tags; i++)
            jadd_str(d, t, s->tags[i].name, s->tags[i].value ? s->tags[i].value : "");
    } else {
        jadd(d, o, "tags", J_NULL);
    }
    if (shape & SH_VALUE)
        jadd_str(d, o, "value", s->value);
    if (shape & SH_DELETED) {
        jadd_time(d, o, "deletedDate", s->deleted_date);
        jadd_str(d, o, "recoveryId", s->recovery_id);
        jadd_time(d, o, "scheduledPurgeDate", s->scheduled_purge_date);
    }
}

/* ----- --query: a small, fixed subset of JMESPath ------------------------------------------ */

/* Supported: dotted member paths (value, id, attributes.expires), projections over a list
 * ([].name, [*].id) and list indexes ([0].name). That covers the queries scripts use with az
 * keyvault; anything else is a usage error rather than a silent wrong answer. */
enum qkind { Q_KEY, Q_ALL, Q_INDEX };

struct qseg {
    enum qkind kind;
    char key[64];
    long index;
};

static int parse_query(const char *q, struct qseg *segs, size_t *n)
{
    const char *p = q;

    *n = 0;
    while (*p) {
        struct qseg *s;

        if (*n == MAX_QUERY_SEGS)
            return -1;
        s = &segs[(*n)++];
        if (*p == '[') {
            p++;
            if (*p == ']' || (*p == '*' && p[1] == ']')) {
                s->kind = Q_ALL;
                p += *p == '*' ? 2 : 1;
            } else {
                char *end;
                s->kind = Q_INDEX;
                errno = 0;
                s->index = strtol(p, &end, 10);
                if (end == p || *end != ']' || errno || s->index < 0)
                    return -1;
                p = end + 1;
            }
        } else {
            size_t len = 0;
            if (!isalpha((unsigned char)*p) && *p != '_')
                return -1;
            while (isalnum((unsigned char)p[len]) || p[len] == '_')
                len++;
            if (len >= sizeof s->key)
                return -1;
            s->kind = Q_KEY;
            memcpy(s->key, p, len);
            s->key[len] = '\0';
            p += len;
        }
        if (*p == '.' && p[1] && p[1] != '[')
            p++;
        else if (*p && *p != '[')
            return -1;
    }
    return *n ? 0 : -1;
}

/* Evaluates segs on n and adds a copy of the result under parent (or as d's root). JMESPath
 * semantics kept: a missing member is null, and projections drop null results. */
static void query_eval(struct jdoc *d, struct jnode *parent, const struct jnode *n,
                       const struct qseg *segs, size_t nseg)
{
    const struct jnode *c;
    long i;

    if (!n || n->type == J_NULL)
        return;
    if (nseg == 0) {
        struct jnode *copy = jcopy(d, parent, n);
        if (copy && parent && parent->type == J_ARR) {
            free(copy->key);
            copy->key = NULL;
        }
        return;
    }
    switch (segs[0].kind) {
    case Q_KEY:
        if (n->type != J_OBJ)
            return;
        for (c = n->first; c && strcmp(c->key, segs[0].key); c = c->next)
            ;
        query_eval(d, parent, c, segs + 1, nseg - 1);
        break;
    case Q_INDEX:
        if (n->type != J_ARR)
            return;
        for (c = n->first, i = 0; c && i < segs[0].index; c = c->next, i++)
            ;
        query_eval(d, parent, c, segs + 1, nseg - 1);
        break;
    case Q_ALL: {
        struct jnode *arr;
        if (n->type != J_ARR)
            return;
        arr = jadd(d, parent, NULL, J_ARR);
        for (c = n->first; c && arr; c = c->next)
            query_eval(d, arr, c, segs + 1, nseg - 1);
        break;
    }
    }
}

/* ----- Output formats ---------------------------------------------------------------------- */

enum out_fmt { OUT_JSON, OUT_TSV, OUT_TABLE, OUT_NONE };

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f); /* UTF-8 as is: az prints with ensure_ascii=False. */
        }
    }
    fputc('"', f);
}

/* Pretty JSON as az prints it: two-space indent, "key": value, sorted keys. */
static void json_write(FILE *f, const struct jnode *n, int indent)
{
    switch (n->type) {
    case J_NULL: fputs("null", f); break;
    case J_BOOL: fputs(n->num ? "true" : "false", f); break;
    case J_INT: fprintf(f, "%" PRId64, n->num); break;
    case J_STR: json_string(f, n->str); break;
    case J_OBJ:
    case J_ARR:
        if (!n->first) {
            fputs(n->type == J_OBJ ? "{}" : "[]", f);
            break;
        }
        fputs(n->type == J_OBJ ? "{\n" : "[\n", f);
        for (const struct jnode *c = n->first; c; c = c->next) {
            fprintf(f, "%*s", indent + 2, "");
            if (n->type == J_OBJ) {
                json_string(f, c->key);
                fputs(": ", f);
            }
            json_write(f, c, indent + 2);
            fputs(c->next ? ",\n" : "\n", f);
        }
        fprintf(f, "%*s%c", indent, "", n->type == J_OBJ ? '}' : ']');
        break;
    }
}

/* One tsv cell as az (knack) writes it: nested lists as their length, nested objects empty,
 * null as None, booleans as Python prints them. */
static void tsv_cell(FILE *f, const struct jnode *n)
{
    size_t count = 0;

    switch (n->type) {
    case J_NULL: fputs("None", f); break;
    case J_BOOL: fputs(n->num ? "True" : "False", f); break;
    case J_INT: fprintf(f, "%" PRId64, n->num); break;
    case J_STR: fputs(n->str, f); break;
    case J_OBJ: break;
    case J_ARR:
        for (const struct jnode *c = n->first; c; c = c->next)
            count++;
        fprintf(f, "%zu", count);
        break;
    }
}

static void tsv_row(FILE *f, const struct jnode *n)
{
    if (n->type == J_OBJ || n->type == J_ARR) {
        for (const struct jnode *c = n->first; c; c = c->next) {
            tsv_cell(f, c);
            if (c->next)
                fputc('\t', f);
        }
    } else if (n->type == J_BOOL) {
        fputs(n->num ? "true" : "false", f);
    } else {
        tsv_cell(f, n);
    }
    fputc('\n', f);
}

/* Display width of UTF-8 text, counted in code points. */
static size_t text_width(const char *s)
{
    size_t w = 0;

    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* The text of a table cell, or NULL when az's auto table leaves the member out. */
static const char *table_cell(const struct jnode *n, char *buf, size_t len)
{
    switch (n->type) {
    case J_STR: return n->str;
    case J_BOOL: return n->num ? "True" : "False";
    case J_INT: snprintf(buf, len, "%" PRId64, n->num); return buf;
    default: return NULL;
    }
}

/* az's auto table (knack _TableOutput + tabulate "simple"): one row per item, a column per
 * scalar member with its first letter capitalised; id, type and etag, nulls and nested values
 * are left out; a scalar result becomes a "Result" column. */
static int table_write(FILE *f, const struct jnode *root)
{
    const struct jnode *single[1] = {root}, **items = single;
    const struct jnode **heap = NULL;
    size_t n_items = 1, n_cols = 0, i, k;
    const char **cols = NULL;
    size_t *width = NULL;
    char buf[32];
    int st = KV_E_NOMEM;

    if (root->type == J_ARR) {
        n_items = 0;
        for (const struct jnode *c = root->first; c; c = c->next)
            n_items++;
        heap = calloc(n_items + 1, sizeof *heap);
        if (!heap)
            goto out;
        i = 0;
        for (const struct jnode *c = root->first; c; c = c->next)
            heap[i++] = c;
        items = heap;
    }
    /* Columns: the union of member names in order of first appearance, as tabulate does with
     * headers="keys"; "Result" stands for scalar items. At most one column per member. */
    for (i = 0; i < n_items; i++) {
        size_t members = items[i]->type == J_OBJ ? 0 : 1;
        for (const struct jnode *c = items[i]->first; c; c = c->next)
            members++;
        n_cols += members;
    }
    cols = calloc(n_cols + 1, sizeof *cols);
    width = calloc(n_cols + 1, sizeof *width);
    if (!cols || !width)
        goto out;
    n_cols = 0;
    for (i = 0; i < n_items; i++) {
        const struct jnode *it = items[i];
        if (it->type != J_OBJ) {
            if (table_cell(it, buf, sizeof buf)) {
                for (k = 0; k < n_cols && strcmp(cols[k], "Result"); k++)
                    ;
                if (k == n_cols)
                    cols[n_cols++] = "Result";
            }
            continue;
        }
        for (const struct jnode *c = it->first; c; c = c->next) {
            if (!strcmp(c->key, "id") || !strcmp(c->key, "type") || !strcmp(c->key, "etag") ||
                !table_cell(c, buf, sizeof buf))
                continue;
            for (k = 0; k < n_cols && strcmp(cols[k], c->key); k++)
                ;
            if (k == n_cols)
                cols[n_cols++] = c->key;
        }
    }
    st = KV_OK;
    if (n_cols == 0)
        goto out;
    for (k = 0; k < n_cols; k++)
        width[k] = text_width(cols[k]);
    for (i = 0; i < n_items; i++) {
        for (k = 0; k < n_cols; k++) {
            const char *txt = NULL;
            if (items[i]->type != J_OBJ && !strcmp(cols[k], "Result"))
                txt = table_cell(items[i], buf, sizeof buf);
            for (const struct jnode *c = items[i]->type == J_OBJ ? items[i]->first : NULL; c;
                 c = c->next)
                if (!strcmp(c->key, cols[k]))
                    txt = table_cell(c, buf, sizeof buf);
            if (txt && text_width(txt) > width[k])
                width[k] = text_width(txt);
        }
    }
    for (k = 0; k < n_cols; k++) {
        fputc(toupper((unsigned char)cols[k][0]), f);
        fprintf(f, "%s%*s", cols[k] + 1,
                k + 1 < n_cols ? (int)(width[k] - text_width(cols[k]) + 2) : 0, "");
    }
    fputc('\n', f);
    for (k = 0; k < n_cols; k++) {
        for (i = 0; i < width[k]; i++)
            fputc('-', f);
        fputs(k + 1 < n_cols ? "  " : "\n", f);
    }
    for (i = 0; i < n_items; i++) {
        for (k = 0; k < n_cols; k++) {
            const char *txt = "";
            if (items[i]->type != J_OBJ && !strcmp(cols[k], "Result"))
                txt = table_cell(items[i], buf, sizeof buf);
            for (const struct jnode *c = items[i]->type == J_OBJ ? items[i]->first : NULL; c;
                 c = c->next)
                if (!strcmp(c->key, cols[k]) && table_cell(c, buf, sizeof buf))
                    txt = table_cell(c, buf, sizeof buf);
            fputs(txt, f);
            if (k + 1 < n_cols)
                fprintf(f, "%*s", (int)(width[k] - text_width(txt) + 2), "");
        }
        fputc('\n', f);
    }
out:
    free(heap);
    free(cols);
    free(width);
    return st;
}

/* Renders a result. A null result prints nothing, as az does. Returns KV_OK or KV_E_NOMEM. */
static int print_result(FILE *f, const struct jnode *root, enum out_fmt fmt)
{
    if (!root || root->type == J_NULL || fmt == OUT_NONE)
        return KV_OK;
    switch (fmt) {
    case OUT_JSON:
        json_write(f, root, 0);
        fputc('\n', f);
        break;
    case OUT_TSV:
        if (root->type == J_ARR)
            for (const struct jnode *c = root->first; c; c = c->next)
                tsv_row(f, c);
        else
            tsv_row(f, root);
        break;
    case OUT_TABLE:
        return table_write(f, root);
    case OUT_NONE:
        break;
    }
    return KV_OK;
}

/* ----- Command line tables ------------------------------------------------------------------ */

enum opt_id {
    O_VAULT_NAME, O_VAULT_URL, O_DNS_SUFFIX, O_ID, O_NAME, O_VERSION, O_VALUE, O_FILE, O_ENCODING,
    O_CONTENT_TYPE, O_TAGS, O_ENABLED, O_DISABLED, O_EXPIRES, O_NOT_BEFORE, O_MAXRESULTS,
    O_INCLUDE_MANAGED, O_WARN_EXPIRY, O_FAIL_ON_EXPIRED, O_SCOPE, O_RESOURCE, O_CA_FILE,
    O_NO_VERIFY, O_MAX_RETRIES, O_TIMEOUT, O_API_VERSION, O_IDENTITY, O_CLIENT_ID, O_OUTPUT,
    O_QUERY, O_VERBOSE, O_HELP, O__COUNT
};

/* One bit per verb, to say which options a verb accepts. */
enum {
    V_SET = 1 << 0, V_SHOW = 1 << 1, V_LIST = 1 << 2, V_LISTV = 1 << 3, V_SETATTR = 1 << 4,
    V_DELETE = 1 << 5, V_RECOVER = 1 << 6, V_PURGE = 1 << 7, V_LISTDEL = 1 << 8,
    V_SHOWDEL = 1 << 9, V_BACKUP = 1 << 10, V_RESTORE = 1 << 11, V_TOKEN = 1 << 12,
    V_SECRET = (1 << 12) - 1, V_ALL = (1 << 13) - 1,
    V_NAMED = V_SET | V_SHOW | V_LISTV | V_SETATTR | V_DELETE | V_RECOVER | V_PURGE |
              V_SHOWDEL | V_BACKUP,
    V_LISTS = V_LIST | V_LISTV | V_LISTDEL,
};

struct opt_def {
    enum opt_id id;
    const char *name;     /* long name without "--" */
    const char *alias;    /* second long name (az spells some two ways), or NULL */
    char short_name;      /* or 0 */
    const char *arg;      /* argument placeholder for --help; NULL for flags */
    unsigned verbs;       /* V_* bits of the verbs that accept it */
    const char *help;
};

static const struct opt_def opts[] = {
    {O_VAULT_NAME, "vault-name", NULL, 0, "NAME", V_SECRET,
     "vault name: https://NAME.<dns suffix>"},
    {O_VAULT_URL, "vault-url", NULL, 0, "URL", V_SECRET, "vault URL, instead of --vault-name"},
    {O_DNS_SUFFIX, "vault-dns-suffix", NULL, 0, "SUFFIX", V_SECRET,
     "DNS suffix for --vault-name (default $KVCLIENT_VAULT_DNS_SUFFIX or " DEFAULT_DNS_SUFFIX ")"},
    {O_ID, "id", NULL, 0, "URL", V_NAMED & ~V_SET,
     "secret id https://VAULT/secrets/NAME[/VERSION] (or /deletedsecrets/NAME), instead of "
     "--vault-*, --name and --version"},
    {O_NAME, "name", NULL, 'n', "NAME", V_NAMED, "secret name"},
    {O_VERSION, "version", NULL, 0, "VERSION", V_SHOW | V_SETATTR,
     "secret version (default: the latest)"},
    {O_VALUE, "value", NULL, 0, "VALUE", V_SET,
     "the value (briefly visible to other users in ps; prefer --file)"},
    {O_FILE, "file", NULL, 'f', "PATH", V_SET | V_BACKUP | V_RESTORE,
     "set: read the value from PATH (- = stdin); backup: write the blob to PATH; restore: read it"},
    {O_ENCODING, "encoding", NULL, 'e', "ENC", V_SET,
     "how --file is turned into the value: utf-8 (default), ascii, base64 or hex; set adds the "
     "tag file-encoding=ENC like az"},
    {O_CONTENT_TYPE, "content-type", "description", 0, "TYPE", V_SET | V_SETATTR,
     "content type, e.g. text/plain"},
    {O_TAGS, "tags", NULL, 0, "K=V...", V_SET | V_SETATTR,
     "space-separated tags (az style); --tags \"\" clears them"},
    {O_ENABLED, "enabled", NULL, 0, "BOOL", V_SET | V_SETATTR, "true or false"},
    {O_DISABLED, "disabled", NULL, 0, "BOOL", V_SET, "true or false (az's spelling for set)"},
    {O_EXPIRES, "expires", NULL, 0, "TIME", V_SET | V_SETATTR,
     "expiry, UTC ISO 8601 (2026-12-31T00:00:00Z or 2026-12-31)"},
    {O_NOT_BEFORE, "not-before", NULL, 0, "TIME", V_SET | V_SETATTR,
     "start of validity, UTC ISO 8601"},
    {O_MAXRESULTS, "maxresults", NULL, 0, "N", V_LISTS, "return at most N items"},
    {O_INCLUDE_MANAGED, "include-managed", NULL, 0, NULL, V_LIST,
     "also list secrets that back certificates"},
    {O_WARN_EXPIRY, "warn-expiry", NULL, 0, "DURATION", V_SHOW,
     "warn when the secret expires within DURATION (Ns, Nm, Nh, Nd; default 30d; 0 = off)"},
    {O_FAIL_ON_EXPIRED, "fail-on-expired", NULL, 0, NULL, V_SHOW,
     "an expired or not yet valid secret is an error (exit 22), its value is not printed"},
    {O_SCOPE, "scope", NULL, 0, "SCOPE", V_TOKEN, "token scope (default " DEFAULT_SCOPE ")"},
    {O_RESOURCE, "resource", NULL, 0, "URI", V_TOKEN, "resource; the scope is URI/.default"},
    {O_CA_FILE, "ca-file", NULL, 0, "PEM", V_ALL,
     "CA bundle to trust (default $SSL_CERT_FILE, else the system store)"},
    {O_NO_VERIFY, "no-verify-challenge", NULL, 0, NULL, V_ALL,
     "accept a challenge resource that is not a parent domain of the vault host"},
    {O_MAX_RETRIES, "max-retries", NULL, 0, "N", V_ALL,
     "retries after the first attempt (default 4)"},
    {O_TIMEOUT, "timeout", NULL, 0, "SECONDS", V_ALL,
     "overall deadline per operation, retries included"},
    {O_API_VERSION, "api-version", NULL, 0, "VER", V_SECRET, "Key Vault api-version (default 7.5)"},
    {O_IDENTITY, "identity", NULL, 0, NULL, V_ALL,
     "use the managed identity instead of the environment chain"},
    {O_CLIENT_ID, "client-id", NULL, 0, "ID", V_ALL,
     "with --identity: a user-assigned identity's client id"},
    {O_OUTPUT, "output", "out", 'o', "FMT", V_ALL, "json (default), tsv, table or none"},
    {O_QUERY, "query", NULL, 0, "PATH", V_ALL,
     "print part of the result: value, id, name, attributes.expires, [].name, ..."},
    {O_VERBOSE, "verbose", "debug", 'v', NULL, V_ALL,
     "trace requests on stderr (tokens and values masked)"},
    {O_HELP, "help", NULL, 'h', NULL, V_ALL, "show help and exit"},
};

struct cli;
typedef int (*verb_fn)(struct cli *c, struct jdoc *out);

struct verb {
    const char *group;
    const char *name;
    unsigned bit;
    verb_fn run;
    int needs_name;   /* --name (or --id) is required */
    const char *summary;
};

/* Everything the command line said, plus what was derived from it. */
struct cli {
    char **argv;
    const struct verb *verb;
    const char *group;             /* group named on the command line, for group help */
    const char *val[O__COUNT];     /* last value given per option (borrowed from argv) */
    int seen[O__COUNT];
    int tags_first, n_tag_words;   /* --tags words: argv[tags_first .. +n_tag_words) */
    int want_version;              /* --version with no verb */
    enum out_fmt fmt;
    struct qseg query[MAX_QUERY_SEGS];
    size_t n_query;
    char *vault_url;               /* owned */
    char *id_name, *id_version;    /* owned, from --id */
    char *value;                   /* owned copy of --value, wiped on exit */
    const char *name, *version;    /* borrowed: argv or id_* */
    int enabled;                   /* -1 = not given, else 0 or 1 (--enabled / --disabled) */
    int64_t expires, not_before;   /* 0 = not given */
    long maxresults;               /* 0 = all */
    int64_t warn_expiry;           /* seconds; 0 = no early warning */
    long max_retries;              /* -1 = the library's default */
    long timeout_s;                /* 0 = the library's default */
    struct kv_client *client;
    struct kv_error err;
};

static int run_set(struct cli *c, struct jdoc *out);
static int run_show(struct cli *c, struct jdoc *out);
static int run_list(struct cli *c, struct jdoc *out);
static int run_set_attributes(struct cli *c, struct jdoc *out);
static int run_delete(struct cli *c, struct jdoc *out);
static int run_recover(struct cli *c, struct jdoc *out);
static int run_purge(struct cli *c, struct jdoc *out);
static int run_show_deleted(struct cli *c, struct jdoc *out);
static int run_backup(struct cli *c, struct jdoc *out);
static int run_restore(struct cli *c, struct jdoc *out);
static int run_token_get(struct cli *c, struct jdoc *out);

static const struct verb verbs[] = {
    {"secret", "set", V_SET, run_set, 1,
     "create a secret or add a new version (prints it without the value)"},
    {"secret", "show", V_SHOW, run_show, 1, "print a secret with its value"},
    {"secret", "list", V_LIST, run_list, 0, "list the secrets (without values)"},
    {"secret", "list-versions", V_LISTV, run_list, 1, "list the versions of a secret"},
    {"secret", "set-attributes", V_SETATTR, run_set_attributes, 1,
     "change content type, tags, enabled, expiry or not-before of a version"},
    {"secret", "delete", V_DELETE, run_delete, 1, "delete a secret (soft delete when enabled)"},
    {"secret", "recover", V_RECOVER, run_recover, 1, "recover a soft-deleted secret"},
    {"secret", "purge", V_PURGE, run_purge, 1, "permanently delete a soft-deleted secret"},
    {"secret", "list-deleted", V_LISTDEL, run_list, 0, "list soft-deleted secrets"},
    {"secret", "show-deleted", V_SHOWDEL, run_show_deleted, 1, "show a soft-deleted secret"},
    {"secret", "backup", V_BACKUP, run_backup, 1, "write a protected backup of a secret to --file"},
    {"secret", "restore", V_RESTORE, run_restore, 0, "restore a secret from a backup --file"},
    {"token", "get", V_TOKEN, run_token_get, 0,
     "print an access token as JSON, like az account get-access-token"},
};

#define N_OPTS (sizeof opts / sizeof opts[0])
#define N_VERBS (sizeof verbs / sizeof verbs[0])

static const struct {
    int num;
    const char *name;
    const char *desc;
} status_table[] = {
#define KV_STATUS_ROW(n, name, desc) {n, "KV_" #name, desc},
    KV_STATUS_MAP(KV_STATUS_ROW)
#undef KV_STATUS_ROW
};

/* ----- Help -------------------------------------------------------------------------------- */

/* Prints text word-wrapped to 100 columns, continuation lines indented to col (the cursor is
 * already at col). */
static void print_wrapped(FILE *f, const char *text, size_t col)
{
    const size_t width = 100;
    size_t pos = col;
    const char *p = text;

    while (*p) {
        size_t wlen = strcspn(p, " ");
        if (pos > col && pos + 1 + wlen > width) {
            fprintf(f, "\n%*s", (int)col, "");
            pos = col;
        } else if (pos > col) {
            fputc(' ', f);
            pos++;
        }
        fwrite(p, 1, wlen, f);
        pos += wlen;
        p += wlen;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

static void print_opt(FILE *f, const struct opt_def *o)
{
    char head[64], text[512];
    int n;

    if (o->short_name)
        n = snprintf(head, sizeof head, "  -%c, --%s", o->short_name, o->name);
    else
        n = snprintf(head, sizeof head, "      --%s", o->name);
    if (o->arg && n > 0 && (size_t)n < sizeof head)
        snprintf(head + n, sizeof head - (size_t)n, " %s", o->arg);
    if (o->alias)
        snprintf(text, sizeof text, "%s (also --%s)", o->help, o->alias);
    else
        snprintf(text, sizeof text, "%s", o->help);
    fprintf(f, "%-34s ", head);
    print_wrapped(f, text, 35);
}

static void print_exit_codes(FILE *f)
{
    fputs("\nExit status: the libkvclient status of the first failure.\n", f);
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        fprintf(f, "  %3d  %-19s %s\n", status_table[i].num, status_table[i].name,
                status_table[i].desc);
}

static void print_global_help(FILE *f, const char *group)
{
    fputs("Usage: " PROG " GROUP VERB [OPTION]...\n"
          "A client for Azure Key Vault secrets, with az keyvault secret's verbs and flags.\n\n"
          "Commands:\n", f);
    for (size_t i = 0; i < N_VERBS; i++)
        if (!group || !strcmp(group, verbs[i].group)) {
            fprintf(f, "  %-6s %-15s ", verbs[i].group, verbs[i].name);
            print_wrapped(f, verbs[i].summary, 25);
        }
    fputs("\nOptions for every command:\n", f);
    for (size_t i = 0; i < N_OPTS; i++)
        if (opts[i].verbs == V_ALL)
            print_opt(f, &opts[i]);
    fprintf(f, "%-34s show the version and exit\n", "      --version");
    fputs("\nCredentials come from the environment, like DefaultAzureCredential: AZURE_TENANT_ID,\n"
          "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), with\n"
          "AZURE_AUTHORITY_HOST; otherwise a managed identity. HTTPS_PROXY and NO_PROXY are\n"
          "honoured. A value is printed only by `secret show`; `secret set` prints the new\n"
          "version without it. `--query value -o tsv` prints the bare value.\n", f);
    print_exit_codes(f);
    fputs("\nRun '" PROG " GROUP VERB --help' for a command's options.\n", f);
}

static void print_verb_help(FILE *f, const struct verb *v)
{
    fprintf(f, "Usage: " PROG " %s %s [OPTION]...\n%c%s.\n\nOptions:\n", v->group, v->name,
            toupper((unsigned char)v->summary[0]), v->summary + 1);
    for (size_t i = 0; i < N_OPTS; i++)
        if ((opts[i].verbs & v->bit) && opts[i].verbs != V_ALL)
            print_opt(f, &opts[i]);
    fputs("\nOptions for every command:\n", f);
    for (size_t i = 0; i < N_OPTS; i++)
        if (opts[i].verbs == V_ALL)
            print_opt(f, &opts[i]);
    print_exit_codes(f);
}

/* ----- Parsing ----------------------------------------------------------------------------- */

PRINTF_LIKE(2, 3)
static int usage_error(const struct cli *c, const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (c->verb)
        fprintf(stderr, "\nTry '" PROG " %s %s --help'.\n", c->verb->group, c->verb->name);
    else if (c->group)
        fprintf(stderr, "\nTry '" PROG " %s --help'.\n", c->group);
    else
        fputs("\nTry '" PROG " --help'.\n", stderr);
    return KV_E_USAGE;
}

static const struct opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if ((strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len)) ||
            (opts[i].alias && strlen(opts[i].alias) == len && !strncmp(opts[i].alias, name, len)))
            return &opts[i];
    return NULL;
}

static const struct opt_def *find_short(char ch)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (opts[i].short_name == ch)
            return &opts[i];
    return NULL;
}

/* Resolves the positional words into c->verb. Unknown words are echoed (they are command
 * names, in the first two positions); words after the verb are not, since a mistyped option
 * could have pushed part of a secret value there. */
static int resolve_verb(struct cli *c, char **words, int n_words)
{
    if (n_words == 0)
        return KV_OK;
    for (size_t i = 0; i < N_VERBS; i++)
        if (!strcmp(words[0], verbs[i].group))
            c->group = verbs[i].group;
    if (!c->group)
        return usage_error(c, "'%.40s' is not a command group (secret, token)", words[0]);
    if (n_words == 1)
        return KV_OK;
    for (size_t i = 0; i < N_VERBS; i++)
        if (!strcmp(words[0], verbs[i].group) && !strcmp(words[1], verbs[i].name))
            c->verb = &verbs[i];
    if (!c->verb)
        return usage_error(c, "'%.40s' is not a '%s' command", words[1], c->group);
    if (n_words > 2)
        return usage_error(c, "unexpected argument (word %d after the command)", n_words - 2);
    return KV_OK;
}

/* Parses argv into c. Returns KV_OK or KV_E_USAGE (after printing why). Option values are
 * never echoed: one of them might be a secret. */
static int parse_args(struct cli *c, int argc, char **argv)
{
    char *words[3];
    int n_words = 0, only_words = 0;

    c->argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *inline_val = NULL;
        const struct opt_def *o;

        if (only_words || a[0] != '-' || a[1] == '\0') {
            if (n_words < 3)
                words[n_words] = argv[i];
            n_words++;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_words = 1;
            continue;
        }
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            if (len == 7 && !strncmp(a + 2, "version", 7) && n_words < 2 && !eq) {
                /* Before a verb, --version asks for the program's version; after `secret show`
                 * it names a secret version, as in az. */
                c->want_version = 1;
                continue;
            }
            o = find_long(a + 2, len);
            if (!o)
                return usage_error(c, "unrecognized option '--%.*s'", (int)(len > 40 ? 40 : len),
                                   a + 2);
            inline_val = eq ? eq + 1 : NULL;
        } else {
            o = find_short(a[1]);
            if (!o)
                return usage_error(c, "unrecognized option '-%c'",
                                   isprint((unsigned char)a[1]) ? a[1] : '?');
            if (a[2] && !o->arg)
                return usage_error(c, "option '-%c' takes no value", a[1]);
            inline_val = a[2] ? a + 2 : NULL;
        }
        c->seen[o->id] = 1;
        if (o->id == O_TAGS) {
            /* az's --tags takes every following word up to the next option. */
            c->tags_first = inline_val ? i : i + 1;
            c->n_tag_words = 0;
            if (inline_val) {
                c->val[O_TAGS] = inline_val;
                c->n_tag_words = 1;
                continue;
            }
            c->val[O_TAGS] = NULL;
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                i++;
                c->n_tag_words++;
            }
            continue;
        }
        if (!o->arg) {
            if (inline_val)
                return usage_error(c, "option '--%s' takes no value", o->name);
            c->val[o->id] = "";
            continue;
        }
        if (!inline_val) {
            if (i + 1 >= argc)
                return usage_error(c, "option '--%s' needs a value", o->name);
            inline_val = argv[++i];
        }
        c->val[o->id] = inline_val;
    }
    if (c->seen[O_HELP] || c->want_version) {
        /* Help wins over other mistakes, as long as the command words make sense. */
        int st = resolve_verb(c, words, n_words > 2 ? 2 : n_words);
        return st;
    }
    if (n_words == 0)
        return usage_error(c, "no command given");
    {
        int st = resolve_verb(c, words, n_words);
        if (st != KV_OK)
            return st;
    }
    if (!c->verb)
        return usage_error(c, "'%s' needs a command", c->group);
    for (size_t k = 0; k < N_OPTS; k++)
        if (c->seen[opts[k].id] && !(opts[k].verbs & c->verb->bit))
            return usage_error(c, "option '--%s' is not valid for '%s %s'", opts[k].name,
                               c->verb->group, c->verb->name);
    return KV_OK;
}

/* Splits https://host[:port]/secrets/NAME[/VERSION] (or /deletedsecrets/NAME) from --id. */
static int parse_id(struct cli *c, const char *id)
{
    const char *host, *path, *name, *slash;

    if (strncmp(id, "https://", 8))
        return usage_error(c, "--id must be an https:// secret identifier");
    host = id + 8;
    path = strchr(host, '/');
    if (!path || path == host)
        return usage_error(c, "--id has no /secrets/NAME path");
    if (!strncmp(path, "/secrets/", 9))
        name = path + 9;
    else if (!strncmp(path, "/deletedsecrets/", 16))
        name = path + 16;
    else
        return usage_error(c, "--id has no /secrets/NAME path");
    slash = strchr(name, '/');
    c->vault_url = xstrndup(id, (size_t)(path - id));
    c->id_name = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup(name);
    if (slash && slash[1])
        c->id_version = xstrdup(slash + 1);
    if (!c->vault_url || !c->id_name || (slash && slash[1] && !c->id_version))
        return KV_E_NOMEM;
    if (!*c->id_name || (c->id_version && strchr(c->id_version, '/')))
        return usage_error(c, "--id is not a secret identifier");
    c->name = c->id_name;
    c->version = c->id_version;
    return KV_OK;
}

/* Checks the option values that do not need the library and derives vault URL, name, output
 * format and query. Returns KV_OK, KV_E_USAGE or KV_E_NOMEM. */
static int check_args(struct cli *c)
{
    const struct verb *v = c->verb;
    int st;

    c->fmt = OUT_JSON;
    if (c->val[O_OUTPUT]) {
        static const char *const names[] = {"json", "tsv", "table", "none"};
        size_t k;
        for (k = 0; k < 4 && strcmp(c->val[O_OUTPUT], names[k]); k++)
            ;
        if (k == 4)
            return usage_error(c, "--output must be json, tsv, table or none");
        c->fmt = (enum out_fmt)k;
    }
    if (c->val[O_QUERY] && parse_query(c->val[O_QUERY], c->query, &c->n_query))
        return usage_error(c, "--query supports member paths only, such as value, id, "
                              "attributes.expires or [].name");
    if (c->seen[O_CLIENT_ID] && !c->seen[O_IDENTITY])
        return usage_error(c, "--client-id needs --identity (the environment chain reads "
                              "AZURE_CLIENT_ID)");
    if (c->seen[O_ID]) {
        if (c->seen[O_VAULT_NAME] || c->seen[O_VAULT_URL] || c->seen[O_NAME] ||
            c->seen[O_VERSION])
            return usage_error(c, "--id replaces --vault-name, --vault-url, --name and --version");
        if ((st = parse_id(c, c->val[O_ID])) != KV_OK)
            return st;
    } else if (v->bit & V_SECRET) {
        if (c->seen[O_VAULT_NAME] == c->seen[O_VAULT_URL])
            return usage_error(c, "give exactly one of --vault-name and --vault-url");
        if (c->seen[O_VAULT_URL]) {
            if (strncmp(c->val[O_VAULT_URL], "https://", 8) || !c->val[O_VAULT_URL][8])
                return usage_error(c, "--vault-url must be an https:// URL");
            c->vault_url = xstrdup(c->val[O_VAULT_URL]);
        } else {
            const char *vn = c->val[O_VAULT_NAME], *suffix = c->val[O_DNS_SUFFIX];
            size_t len;
            if (!suffix || !*suffix)
                suffix = getenv("KVCLIENT_VAULT_DNS_SUFFIX");
            if (!suffix || !*suffix)
                suffix = DEFAULT_DNS_SUFFIX;
            if (!*vn || strspn(vn, "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(vn))
                return usage_error(c, "--vault-name may hold only letters, digits and hyphens");
            if (suffix[0] == '.' || strpbrk(suffix, "/?#@ "))
                return usage_error(c, "--vault-dns-suffix must be a host suffix such as "
                                      DEFAULT_DNS_SUFFIX);
            len = strlen(vn) + strlen(suffix) + 10;
            c->vault_url = malloc(len);
            if (c->vault_url)
                snprintf(c->vault_url, len, "https://%s.%s", vn, suffix);
        }
        if (!c->vault_url)
            return KV_E_NOMEM;
        c->name = c->val[O_NAME];
        c->version = c->val[O_VERSION];
    }
    if (v->needs_name && (!c->name || !*c->name))
        return usage_error(c, "--name is required");
    if (v->bit == V_SET && !!c->seen[O_VALUE] + !!c->seen[O_FILE] != 1)
        return usage_error(c, "give exactly one of --value and --file");
    if (c->val[O_VALUE]) {
        /* Blank the value in argv, so /proc/PID/cmdline stops showing it for the rest of the
         * run. It was visible until now, which is why --help recommends --file. */
        size_t len = strlen(c->val[O_VALUE]);
        c->value = xstrndup(c->val[O_VALUE], len);
        if (!c->value)
            return KV_E_NOMEM;
        memset((char *)c->val[O_VALUE], 'x', len);
    }
    if ((v->bit & (V_BACKUP | V_RESTORE)) && !c->seen[O_FILE])
        return usage_error(c, "--file is required");
    if (c->seen[O_ENCODING] && !c->seen[O_FILE])
        return usage_error(c, "--encoding applies to --file only");
    if (c->seen[O_ENABLED] && c->seen[O_DISABLED])
        return usage_error(c, "give only one of --enabled and --disabled");
    if (c->seen[O_SCOPE] && c->seen[O_RESOURCE])
        return usage_error(c, "give only one of --scope and --resource");
    if (c->val[O_ENCODING] && strcmp(c->val[O_ENCODING], "utf-8") &&
        strcmp(c->val[O_ENCODING], "ascii") && strcmp(c->val[O_ENCODING], "base64") &&
        strcmp(c->val[O_ENCODING], "hex"))
        return usage_error(c, "--encoding must be utf-8, ascii, base64 or hex");
    c->enabled = -1;
    if (c->val[O_ENABLED] || c->val[O_DISABLED]) {
        int b = parse_bool(c->val[O_ENABLED] ? c->val[O_ENABLED] : c->val[O_DISABLED]);
        if (b < 0)
            return usage_error(c, "--%s must be true or false",
                               c->val[O_ENABLED] ? "enabled" : "disabled");
        c->enabled = c->val[O_ENABLED] ? b : !b;
    }
    /* 0 means "leave unchanged" to the library, so the epoch itself cannot be set. */
    if (c->val[O_EXPIRES] && (parse_time(c->val[O_EXPIRES], &c->expires) || c->expires <= 0))
        return usage_error(c, "--expires must be a UTC time like 2026-12-31T00:00:00Z");
    if (c->val[O_NOT_BEFORE] &&
        (parse_time(c->val[O_NOT_BEFORE], &c->not_before) || c->not_before <= 0))
        return usage_error(c, "--not-before must be a UTC time like 2026-12-31T00:00:00Z");
    if (c->val[O_MAXRESULTS] && parse_int(c->val[O_MAXRESULTS], 1, 1000000, &c->maxresults))
        return usage_error(c, "--maxresults must be a positive number");
    c->warn_expiry = DEFAULT_WARN_EXPIRY;
    if (c->val[O_WARN_EXPIRY] && parse_duration(c->val[O_WARN_EXPIRY], &c->warn_expiry))
        return usage_error(c, "--warn-expiry must be a duration such as 30d, 12h, 90m or 45s");
    c->max_retries = -1;
    if (c->val[O_MAX_RETRIES] && parse_int(c->val[O_MAX_RETRIES], 0, 100, &c->max_retries))
        return usage_error(c, "--max-retries must be a number from 0 to 100");
    if (c->val[O_TIMEOUT] && parse_int(c->val[O_TIMEOUT], 1, 86400, &c->timeout_s))
        return usage_error(c, "--timeout must be a number of seconds from 1 to 86400");
    return KV_OK;
}

/* ----- Library glue ------------------------------------------------------------------------ */

/* -v: the library has already masked tokens, secrets and values in the line. */
static void trace_line(void *ctx, const char *line)
{
    (void)ctx;
    fputs(PROG ": * ", stderr);
    put_clean(stderr, line);
    fputc('\n', stderr);
}

/* Prints "kvclient: <what>: <kv_strerror> (HTTP 403 Forbidden/SecretDisabled: <message>,
 * request id ...)" from a failed call's kv_error. */
static void report(const char *what, int st, const struct kv_error *e)
{
    fprintf(stderr, PROG ": %s: %s", what, kv_strerror(st));
    if (e->http_status) {
        fprintf(stderr, " (HTTP %ld", e->http_status);
        if (e->code[0]) {
            fputc(' ', stderr);
            put_clean(stderr, e->code);
        }
        if (e->inner_code[0]) {
            fputc('/', stderr);
            put_clean(stderr, e->inner_code);
        }
        if (e->message[0]) {
            fputs(": ", stderr);
            put_clean(stderr, e->message);
        }
        if (e->request_id[0]) {
            fputs(", request id ", stderr);
            put_clean(stderr, e->request_id);
        }
        if (e->attempts > 1)
            fprintf(stderr, ", %d attempts", e->attempts);
        fputc(')', stderr);
    } else if (e->message[0]) {
        fputs(" (", stderr);
        put_clean(stderr, e->message);
        fputc(')', stderr);
    }
    fputc('\n', stderr);
}

/* Reports a failed operation on the named secret ("secret show 'db-password'"). */
static int fail(struct cli *c, int st)
{
    char what[320];

    if (c->name)
        snprintf(what, sizeof what, "%s %s '%s'", c->verb->group, c->verb->name, c->name);
    else
        snprintf(what, sizeof what, "%s %s", c->verb->group, c->verb->name);
    report(what, st, &c->err);
    return st;
}

static int make_client(struct cli *c)
{
    struct kv_options o;
    struct kv_credential *cred = NULL;
    int st;

    kv_options_init(&o);
    o.vault_url = c->vault_url ? c->vault_url : "https://" DEFAULT_DNS_SUFFIX;
    o.ca_file = c->val[O_CA_FILE];
    o.api_version = c->val[O_API_VERSION];
    if (c->seen[O_NO_VERIFY])
        o.verify_challenge_resource = 0;
    if (c->max_retries >= 0)
        o.max_retries = (int)c->max_retries;
    if (c->timeout_s > 0) {
        /* The deadline bounds the whole operation; no single attempt may outlive it. */
        o.deadline_ms = (unsigned)c->timeout_s * 1000u;
        if (o.timeout_ms == 0 || o.timeout_ms > o.deadline_ms)
            o.timeout_ms = o.deadline_ms;
    }
    if (c->seen[O_VERBOSE])
        o.trace = trace_line;
    if (c->seen[O_IDENTITY])
        st = kv_credential_managed_identity(c->val[O_CLIENT_ID], &cred);
    else
        st = kv_credential_from_env(&cred, &c->err);
    if (st != KV_OK) {
        report(c->seen[O_IDENTITY] ? "managed identity" : "credential from the environment", st,
               &c->err);
        return st;
    }
    if (c->seen[O_VERBOSE])
        fprintf(stderr, PROG ": * credential: %s\n", kv_credential_kind(cred));
    st = kv_client_create(&o, cred, &c->client, &c->err);
    if (st != KV_OK)
        report("cannot create the client", st, &c->err);
    return st;
}

/* Reads a whole file (or stdin for "-") into a NUL-terminated buffer of *len bytes; the caller
 * wipes and frees it (it may hold a value). Returns KV_OK, KV_E_IO (after saying why on stderr)
 * or KV_E_NOMEM. */
static int read_file(const char *path, char **out, size_t *len)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    size_t cap = 4096, n = 0;
    char *buf = NULL;
    int st = KV_E_IO;

    *out = NULL;
    if (fd < 0) {
        warnx("cannot read %s: %s", path, strerror(errno));
        return KV_E_IO;
    }
    buf = malloc(cap);
    if (!buf) {
        st = KV_E_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r;
        if (cap - n < 2) {
            char *nb;
            if (cap >= MAX_FILE_BYTES) {
                warnx("cannot read %s: larger than %u bytes", path, MAX_FILE_BYTES);
                goto out;
            }
            /* Grow by copying, so no stale copy of the contents is left in freed memory. */
            nb = malloc(cap * 2);
            if (!nb) {
                st = KV_E_NOMEM;
                goto out;
            }
            memcpy(nb, buf, n);
            wipe(buf, n);
            free(buf);
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            warnx("cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
    st = KV_OK;
out:
    if (buf) {
        wipe(buf, n);
        free(buf);
    }
    if (fd != STDIN_FILENO)
        close(fd);
    return st;
}

/* Turns the bytes of --file into the secret value per --encoding, as az set does. */
static int encode_file_value(struct cli *c, const char *enc, char *raw, size_t len, char **value)
{
    *value = NULL;
    if (!strcmp(enc, "utf-8") || !strcmp(enc, "ascii")) {
        if (memchr(raw, '\0', len)) {
            warnx("%s holds NUL bytes; use --encoding base64 or hex", c->val[O_FILE]);
            return KV_E_INVALID_ARG;
        }
        for (size_t i = 0; !strcmp(enc, "ascii") && i < len; i++)
            if ((unsigned char)raw[i] >= 0x80) {
                warnx("%s is not ASCII", c->val[O_FILE]);
                return KV_E_INVALID_ARG;
            }
        *value = xstrndup(raw, len);
    } else if (!strcmp(enc, "base64")) {
        *value = b64_encode((const unsigned char *)raw, len, b64_std, 1);
    } else {
        char *h = malloc(len * 2 + 1);
        for (size_t i = 0; h && i < len; i++)
            snprintf(h + 2 * i, 3, "%02x", (unsigned char)raw[i]);
        if (h)
            h[len * 2] = '\0';
        *value = h;
    }
    return *value ? KV_OK : KV_E_NOMEM;
}

/* The --tags words as kv_tags ("k=v"; "k" alone has an empty value; "" adds nothing, so
 * `--tags ""` clears the tags). Caller frees with free_tags(). */
static int build_tags(struct cli *c, struct kv_tag **out, size_t *n_out)
{
    struct kv_tag *tags = calloc((size_t)c->n_tag_words + 2, sizeof *tags);
    size_t n = 0;

    *out = tags;
    *n_out = 0;
    if (!tags)
        return KV_E_NOMEM;
    for (int i = 0; i < c->n_tag_words; i++) {
        const char *w = c->n_tag_words == 1 && c->val[O_TAGS] ? c->val[O_TAGS]
                                                              : c->argv[c->tags_first + i];
        const char *eq = strchr(w, '=');
        if (!*w)
            continue;
        tags[n].name = eq ? xstrndup(w, (size_t)(eq - w)) : xstrdup(w);
        tags[n].value = xstrdup(eq ? eq + 1 : "");
        *n_out = ++n;
        if (!tags[n - 1].name || !tags[n - 1].value)
            return KV_E_NOMEM;
        if (!*tags[n - 1].name)
            return usage_error(c, "--tags: a tag needs a name before '='");
    }
    return KV_OK;
}

static void free_tags(struct kv_tag *tags, size_t n)
{
    for (size_t i = 0; tags && i < n; i++) {
        free(tags[i].name);
        free(tags[i].value);
    }
    free(tags);
}

/* Fills props from the flags of set and set-attributes; tags land in *tags (caller frees with
 * free_tags even on failure). */
static int build_props(struct cli *c, struct kv_props *p, struct kv_tag **tags, size_t *n_tags)
{
    int st;

    kv_props_init(p);
    *tags = NULL;
    *n_tags = 0;
    p->content_type = c->val[O_CONTENT_TYPE];
    if (c->enabled >= 0)
        p->enabled = c->enabled;
    p->expires = c->expires;
    p->not_before = c->not_before;
    if (c->seen[O_TAGS]) {
        if ((st = build_tags(c, tags, n_tags)) != KV_OK)
            return st;
        p->tags = *tags;
        p->n_tags = *n_tags;
        p->set_tags = 1;
    }
    return KV_OK;
}

/* ----- Verbs ------------------------------------------------------------------------------- */

static int run_set(struct cli *c, struct jdoc *out)
{
    struct kv_props props;
    struct kv_tag *tags = NULL;
    size_t n_tags = 0, raw_len = 0;
    char *raw = NULL, *value = NULL;
    struct kv_secret *s = NULL;
    const char *enc = c->val[O_ENCODING] ? c->val[O_ENCODING] : "utf-8";
    int st;

    if ((st = build_props(c, &props, &tags, &n_tags)) != KV_OK)
        goto out;
    if (c->val[O_FILE]) {
        if ((st = read_file(c->val[O_FILE], &raw, &raw_len)) != KV_OK)
            goto out;
        if ((st = encode_file_value(c, enc, raw, raw_len, &value)) != KV_OK)
            goto out;
        /* az records how the file was encoded, so `az keyvault secret download` can undo it. */
        {
            size_t k;
            for (k = 0; k < n_tags && strcmp(tags[k].name, "file-encoding"); k++)
                ;
            if (k == n_tags) {
                struct kv_tag *grown = realloc(tags, (n_tags + 1) * sizeof *tags);
                if (!grown) {
                    st = KV_E_NOMEM;
                    goto out;
                }
                tags = grown;
                tags[n_tags].name = xstrdup("file-encoding");
                tags[n_tags].value = xstrdup(enc);
                n_tags++;
                if (!tags[n_tags - 1].name || !tags[n_tags - 1].value) {
                    st = KV_E_NOMEM;
                    goto out;
                }
                props.tags = tags;
                props.n_tags = n_tags;
                props.set_tags = 1;
            }
        }
    }
    st = kv_secret_set(c->client, c->name, value ? value : c->value, &props, &s, &c->err);
    if (st != KV_OK) {
        fail(c, st);
        goto out;
    }
    /* The value is left out on purpose: only `secret show` prints values. */
    secret_to_json(out, NULL, s, SH_KID);
out:
    if (raw) {
        wipe(raw, raw_len);
        free(raw);
    }
    free_wiped(value);
    free_tags(tags, n_tags);
    kv_secret_free(s);
    return st;
}

/* Warns about (or, with --fail-on-expired, refuses) a secret outside its validity window, or
 * one that expires within --warn-expiry. Key Vault itself still returns such secrets; deciding
 * what to do with them is the client's job (lifecycle management). Returns KV_OK or
 * KV_E_EXPIRED. */
static int check_expiry(struct cli *c, const struct kv_secret *s)
{
    int64_t now = (int64_t)time(NULL);
    char when[40], dur[40], why[128];
    int invalid = 1;

    if (s->not_before && now < s->not_before) {
        format_iso(s->not_before, when, sizeof when);
        format_duration(s->not_before - now, dur, sizeof dur);
        snprintf(why, sizeof why, "not valid until %s, in %s", when, dur);
    } else if (s->expires && now >= s->expires) {
        format_iso(s->expires, when, sizeof when);
        format_duration(now - s->expires, dur, sizeof dur);
        snprintf(why, sizeof why, "expired at %s, %s ago", when, dur);
    } else {
        invalid = 0;
        if (s->expires && c->warn_expiry > 0 && s->expires - now <= c->warn_expiry) {
            format_iso(s->expires, when, sizeof when);
            format_duration(s->expires - now, dur, sizeof dur);
            fprintf(stderr, PROG ": warning: secret '%s' expires at %s (in %s)\n", c->name, when,
                    dur);
        }
    }
    if (!invalid)
        return KV_OK;
    if (c->seen[O_FAIL_ON_EXPIRED]) {
        fprintf(stderr, PROG ": secret show '%s': %s (%s)\n", c->name, kv_strerror(KV_E_EXPIRED),
                why);
        return KV_E_EXPIRED;
    }
    fprintf(stderr, PROG ": warning: secret '%s' is %s\n", c->name, why);
    return KV_OK;
}

static int run_show(struct cli *c, struct jdoc *out)
{
    struct kv_secret *s = NULL;
    int st;

    st = kv_secret_get(c->client, c->name, c->version, &s, &c->err);
    if (st != KV_OK) {
        fail(c, st);
        goto out;
    }
    if ((st = check_expiry(c, s)) != KV_OK)
        goto out;
    secret_to_json(out, NULL, s, SH_VALUE | SH_KID);
out:
    kv_secret_free(s);
    return st;
}

/* list, list-versions and list-deleted: one pager, az's --maxresults (a cap on the items
 * returned) and az's default of hiding secrets that back certificates in `list`. */
static int run_list(struct cli *c, struct jdoc *out)
{
    enum kv_list_kind kind = c->verb->bit == V_LIST    ? KV_LIST_SECRETS
                             : c->verb->bit == V_LISTV ? KV_LIST_VERSIONS
                                                       : KV_LIST_DELETED;
    struct kv_pager *p = NULL;
    struct kv_secret *s = NULL;
    struct jnode *arr;
    long max = c->maxresults;
    int st, count = 0;

    st = kv_pager_create(c->client, kind, kind == KV_LIST_VERSIONS ? c->name : NULL,
                         max > 0 && max < 25 ? (int)max : 0, &p);
    if (st != KV_OK) {
        memset(&c->err, 0, sizeof c->err);
        fail(c, st);
        goto out;
    }
    arr = jadd(out, NULL, NULL, J_ARR);
    while (!max || count < max) {
        st = kv_pager_next(p, &s, &c->err);
        if (st != KV_OK) {
            fail(c, st);
            goto out;
        }
        if (!s)
            break;
        if (!(kind == KV_LIST_SECRETS && s->managed && !c->seen[O_INCLUDE_MANAGED])) {
            secret_to_json(out, arr, s, kind == KV_LIST_DELETED ? SH_DELETED : 0);
            count++;
        }
        kv_secret_free(s);
        s = NULL;
    }
out:
    kv_secret_free(s);
    kv_pager_destroy(p);
    return st;
}

static int run_set_attributes(struct cli *c, struct jdoc *out)
{
    struct kv_props props;
    struct kv_tag *tags = NULL;
    size_t n_tags = 0;
    struct kv_secret *s = NULL;
    int st;

    if ((st = build_props(c, &props, &tags, &n_tags)) != KV_OK)
        goto out;
    st = kv_secret_update(c->client, c->name, c->version, &props, &s, &c->err);
    if (st != KV_OK) {
        fail(c, st);
        goto out;
    }
    secret_to_json(out, NULL, s, SH_KID);
out:
    free_tags(tags, n_tags);
    kv_secret_free(s);
    return st;
}

/* delete, recover and show-deleted: one name in, one secret out (without its value). */
static int run_name_secret(struct cli *c, struct jdoc *out,
                           int (*op)(struct kv_client *, const char *, struct kv_secret **,
                                     struct kv_error *),
                           unsigned shape)
{
    struct kv_secret *s = NULL;
    int st = op(c->client, c->name, &s, &c->err);

    if (st != KV_OK)
        fail(c, st);
    else
        secret_to_json(out, NULL, s, shape);
    kv_secret_free(s);
    return st;
}

static int run_delete(struct cli *c, struct jdoc *out)
{
    return run_name_secret(c, out, kv_secret_delete, SH_KID | SH_DELETED);
}

static int run_recover(struct cli *c, struct jdoc *out)
{
    return run_name_secret(c, out, kv_secret_recover, SH_KID);
}

static int run_purge(struct cli *c, struct jdoc *out)
{
    int st = kv_secret_purge(c->client, c->name, &c->err);

    (void)out;
    if (st != KV_OK)
        fail(c, st);
    return st;
}

static int run_show_deleted(struct cli *c, struct jdoc *out)
{
    return run_name_secret(c, out, kv_secret_get_deleted, SH_KID | SH_DELETED);
}

/* Writes the blob as az does: the raw bytes behind the service's base64url text, so backup
 * files move between kvclient and `az keyvault secret restore`. Mode 0600: the blob is what
 * restores the secret. */
static int run_backup(struct cli *c, struct jdoc *out)
{
    char *blob = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0, off = 0;
    int fd = -1, st;

    (void)out;
    st = kv_secret_backup(c->client, c->name, &blob, &c->err);
    if (st != KV_OK) {
        fail(c, st);
        goto out;
    }
    if (b64url_decode(blob, &bytes, &len)) {
        st = KV_E_PROTOCOL;
        warnx("secret backup '%s': the backup blob is not base64url", c->name);
        goto out;
    }
    fd = open(c->val[O_FILE], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        st = KV_E_IO;
        warnx("cannot write %s: %s", c->val[O_FILE], strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t w = write(fd, bytes + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            st = KV_E_IO;
            warnx("cannot write %s: %s", c->val[O_FILE], strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        fd = -1;
        st = KV_E_IO;
        warnx("cannot write %s: %s", c->val[O_FILE], strerror(errno));
        goto out;
    }
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    if (bytes) {
        wipe(bytes, len);
        free(bytes);
    }
    kv_free_secret(blob);
    return st;
}

static int run_restore(struct cli *c, struct jdoc *out)
{
    char *raw = NULL, *blob = NULL;
    size_t len = 0;
    struct kv_secret *s = NULL;
    int st;

    if ((st = read_file(c->val[O_FILE], &raw, &len)) != KV_OK)
        goto out;
    blob = b64_encode((const unsigned char *)raw, len, b64_url, 0);
    if (!blob) {
        st = KV_E_NOMEM;
        goto out;
    }
    st = kv_secret_restore(c->client, blob, &s, &c->err);
    if (st != KV_OK) {
        fail(c, st);
        goto out;
    }
    secret_to_json(out, NULL, s, SH_KID);
out:
    if (raw) {
        wipe(raw, len);
        free(raw);
    }
    free_wiped(blob);
    kv_secret_free(s);
    return st;
}

/* The shape of `az account get-access-token`: accessToken, expiresOn (local time, as az prints
 * it), expires_on (unix seconds) and tokenType. */
static int run_token_get(struct cli *c, struct jdoc *out)
{
    char *token = NULL, *scope_buf = NULL, when[64];
    const char *scope = c->val[O_SCOPE] ? c->val[O_SCOPE] : DEFAULT_SCOPE;
    int64_t exp = 0;
    struct jnode *o;
    int st;

    if (c->val[O_RESOURCE]) {
        size_t len = strlen(c->val[O_RESOURCE]) + sizeof "/.default";
        scope_buf = malloc(len);
        if (!scope_buf)
            return KV_E_NOMEM;
        snprintf(scope_buf, len, "%s/.default", c->val[O_RESOURCE]);
        scope = scope_buf;
    }
    st = kv_client_get_token(c->client, scope, &token, &exp, &c->err);
    if (st != KV_OK) {
        fail(c, st);
        goto out;
    }
    o = jadd(out, NULL, NULL, J_OBJ);
    jadd_str(out, o, "accessToken", token);
    if (exp) {
        time_t t = (time_t)exp;
        struct tm tm;
        if (localtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S.000000", &tm))
            jadd_str(out, o, "expiresOn", when);
        else
            jadd(out, o, "expiresOn", J_NULL);
        jadd_num(out, o, "expires_on", J_INT, exp);
    } else {
        jadd(out, o, "expiresOn", J_NULL);
        jadd(out, o, "expires_on", J_NULL);
    }
    jadd_str(out, o, "tokenType", "Bearer");
out:
    kv_free_secret(token);
    free(scope_buf);
    return st;
}

/* ----- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    /* stdout gets our own buffer so the value printed by `secret show` can be wiped from it. */
    static char outbuf[1 << 14];
    struct cli cli;
    struct jdoc doc = {NULL, 0}, view = {NULL, 0};
    int st, inited = 0;

    memset(&cli, 0, sizeof cli);
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    st = parse_args(&cli, argc, argv);
    if (st != KV_OK)
        goto out;
    if (cli.seen[O_HELP]) {
        if (cli.verb)
            print_verb_help(stdout, cli.verb);
        else
            print_global_help(stdout, cli.group);
        goto out;
    }
    if (cli.want_version) {
        printf(PROG " %s (libkvclient %s)\n", KV_VERSION_STRING, KV_VERSION_STRING);
        goto out;
    }
    if ((st = check_args(&cli)) != KV_OK)
        goto out;
    if ((st = kv_global_init()) != KV_OK) {
        warnx("cannot initialise libcurl: %s", kv_strerror(st));
        goto out;
    }
    inited = 1;
    if ((st = make_client(&cli)) != KV_OK)
        goto out;
    st = cli.verb->run(&cli, &doc);
    if (st == KV_OK && doc.nomem)
        st = KV_E_NOMEM;
    if (st != KV_OK)
        goto out;
    if (cli.n_query && doc.root) {
        query_eval(&view, NULL, doc.root, cli.query, cli.n_query);
        if (view.nomem) {
            st = KV_E_NOMEM;
            goto out;
        }
        st = print_result(stdout, view.root, cli.fmt);
    } else {
        st = print_result(stdout, doc.root, cli.fmt);
    }
out:
    if (st == KV_E_NOMEM)
        warnx("%s", kv_strerror(st));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (st == KV_OK) {
            warnx("cannot write the output: %s", strerror(errno));
            st = KV_E_IO;
        }
    }
    wipe(outbuf, sizeof outbuf);
    jfree(doc.root);
    jfree(view.root);
    kv_client_destroy(cli.client);
    free(cli.vault_url);
    free(cli.id_name);
    free(cli.id_version);
    free_wiped(cli.value);
    if (inited)
        kv_global_cleanup();
    return st;
}
