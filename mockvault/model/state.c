/* state.c: fixtures and snapshots (spec/fixtures.md) parsed into struct mv_data and exported back;
 * atomic file writes. */
#include "state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert.h"
#include "util.h"

/* Limits from spec/keyvault-secrets.md §5. */
#define MAX_VALUE_CHARS 25600
#define MAX_CONTENT_TYPE_CHARS 255
#define MAX_TAGS 15
#define MAX_SECRET_NAME 127
#define MIN_VAULT_NAME 3
#define MAX_VAULT_NAME 24
#define MIN_RETENTION_DAYS 7
#define MAX_RETENTION_DAYS 90
#define SECONDS_PER_DAY 86400

/* Times are kept within years 1..9999, so that every arithmetic on them stays far from int64
 * overflow and every value prints exactly through a double. */
#define MIN_TIME (-62135596800LL)
#define MAX_TIME 253402300799LL

/* A fixture or snapshot bigger than this is certainly a mistake (a wrong path, a binary file). */
#define MAX_FILE_BYTES ((size_t)256 << 20)

/* Longest name or field echoed in an error message. */
#define SHOW_MAX 64

/* ---- Parse context: source, clock, error buffer and the JSON path being read ---- */

struct pctx {
    const char *source; /* file name or a description, first in every message */
    int64_t now;        /* the mock clock, for relative times and defaults */
    bool has_now;       /* false for backup blobs: relative times and clock defaults are errors */
    char *err;
    size_t errlen;
    bool failed;     /* the first error wins; later ones are not recorded */
    char path[1024]; /* "$.vaults[0].secrets[1]..." */
    size_t plen;
};

/* Appends s to the path (or to a message buffer) with control characters replaced, so that a
 * hostile field name cannot forge lines in a log. Truncates silently at the buffer's end. */
static void append_clean(char *buf, size_t size, size_t *len, const char *s, size_t max)
{
    size_t n = 0;
    for (; *s != '\0' && n < max && *len + 1 < size; s++, n++) {
        unsigned char ch = (unsigned char)*s;
        buf[(*len)++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (*s != '\0' && *len + 4 < size) {
        memcpy(buf + *len, "...", 3);
        *len += 3;
    }
    buf[*len] = '\0';
}

/* Each push returns the old length, which the matching path_pop restores. */
static size_t path_key(struct pctx *c, const char *key)
{
    size_t old = c->plen;
    if (c->plen + 1 < sizeof(c->path)) {
        c->path[c->plen++] = '.';
        c->path[c->plen] = '\0';
    }
    append_clean(c->path, sizeof(c->path), &c->plen, key, SHOW_MAX);
    return old;
}

static size_t path_index(struct pctx *c, size_t i)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
    if (n > 0)
        c->plen +=
            (size_t)n < sizeof(c->path) - c->plen ? (size_t)n : sizeof(c->path) - c->plen - 1;
    return old;
}

static void path_pop(struct pctx *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

/* Records "source: path: message" unless an earlier error already did. Messages name fields and
 * say what to fix; they never quote a secret value or a client secret. */
static void fail(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct pctx *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    if (c->err == NULL || c->errlen == 0)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s: %s", c->source, c->path, msg);
}

/* A printable, bounded copy of s for quoting a name in a message (never use it on values). */
struct shown {
    char s[SHOW_MAX + 8];
};

static struct shown show(const char *s)
{
    struct shown out;
    size_t len = 0;
    out.s[0] = '\0';
    append_clean(out.s, sizeof(out.s), &len, s, SHOW_MAX);
    return out;
}

static const char *type_name(const cJSON *j)
{
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsObject(j))
        return "an object";
    return "an invalid value";
}

/* ---- Value checks shared by the parser and its callers ---- */

static bool is_name_char(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '-';
}

static bool valid_secret_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > MAX_SECRET_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(s[i]))
            return false;
    }
    return true;
}

static bool valid_vault_name(const char *s)
{
    size_t n = strlen(s);
    if (n < MIN_VAULT_NAME || n > MAX_VAULT_NAME)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(s[i]))
            return false;
    }
    return true;
}

/* Aliases are host names without a port: letters, digits, '.' and '-'. */
static bool valid_alias(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!is_name_char(*s) && *s != '.')
            return false;
    }
    return true;
}

static const char *const role_names[] = {
    "Key Vault Administrator",
    "Key Vault Secrets Officer",
    "Key Vault Secrets User",
    "Key Vault Reader",
    NULL,
};


/* ---- Typed field readers. Each returns 0 (field read, or absent and optional) or -1 after
 * fail() recorded why. Absent optional fields leave the defaults the caller set. ---- */

/* Fails when obj has a field not in allowed (NULL-terminated) or the same field twice: typos
 * must never pass silently. */
static int check_fields(struct pctx *c, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        const char *key = it->string != NULL ? it->string : "";
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0)
                known = true;
        }
        size_t old = path_key(c, key);
        if (!known) {
            char list[256] = "";
            size_t len = 0;
            for (size_t i = 0; allowed[i] != NULL; i++) {
                if (i > 0)
                    append_clean(list, sizeof(list), &len, ", ", 2);
                append_clean(list, sizeof(list), &len, allowed[i], SHOW_MAX);
            }
            fail(c, "unknown field '%s' (allowed here: %s; field names are case-sensitive)",
                 show(key).s, list);
            return -1;
        }
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next) {
            if (prev->string != NULL && strcmp(prev->string, key) == 0) {
                fail(c, "field '%s' appears twice; keep one", show(key).s);
                return -1;
            }
        }
        path_pop(c, old);
    }
    return 0;
}

/* Requires j to be an object and to have only the allowed fields. */
static int expect_object(struct pctx *c, const cJSON *j, const char *const *allowed)
{
    if (!cJSON_IsObject(j)) {
        fail(c, "expected an object, found %s", type_name(j));
        return -1;
    }
    return check_fields(c, j, allowed);
}

/* Reads obj.key as a string into *out (a copy the caller frees). Absent: *out stays NULL, or an
 * error when required. nonempty rejects "". The content is never quoted in messages, since the
 * same reader serves secret values. */
static int get_str(struct pctx *c, const cJSON *obj, const char *key, bool required, bool nonempty,
                   char **out)
{
    int rc = -1;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    size_t old = path_key(c, key);
    if (it == NULL) {
        if (required)
            fail(c, "required field is missing");
        else
            rc = 0;
        goto out;
    }
    if (!cJSON_IsString(it) || it->valuestring == NULL) {
        fail(c, "'%s' must be a string, not %s", key, type_name(it));
        goto out;
    }
    if (nonempty && it->valuestring[0] == '\0') {
        fail(c, "'%s' must not be empty", key);
        goto out;
    }
    *out = strdup(it->valuestring);
    if (*out == NULL) {
        fail(c, "out of memory");
        goto out;
    }
    rc = 0;
out:
    path_pop(c, old);
    return rc;
}

static int get_bool(struct pctx *c, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL)
        return 0;
    if (!cJSON_IsBool(it)) {
        size_t old = path_key(c, key);
        fail(c, "'%s' must be true or false, not %s", key, type_name(it));
        path_pop(c, old);
        return -1;
    }
    *out = cJSON_IsTrue(it);
    return 0;
}

static int get_int(struct pctx *c, const cJSON *obj, const char *key, int min, int max, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL)
        return 0;
    double d = cJSON_IsNumber(it) ? it->valuedouble : 0;
    if (!cJSON_IsNumber(it) || !(d >= min && d <= max) || d != (double)(int)d) {
        size_t old = path_key(c, key);
        fail(c, "'%s' must be a whole number from %d to %d", key, min, max);
        path_pop(c, old);
        return -1;
    }
    *out = (int)d;
    return 0;
}

/* Parses "now", "+90d", "-1h", "+30m", "-10s" against now. Returns false when s is not of that
 * shape (the caller then tries RFC 3339). */
static bool parse_relative(const char *s, int64_t now, int64_t *out)
{
    if (strcmp(s, "now") == 0) {
        *out = now;
        return true;
    }
    if (s[0] != '+' && s[0] != '-')
        return false;
    int64_t n = 0;
    size_t digits = 0;
    const char *p = s + 1;
    /* Twelve digits of days is already far outside the years 1..9999 the range check allows. */
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++digits > 12)
            return false;
        n = n * 10 + (*p - '0');
    }
    if (digits == 0 || *p == '\0' || p[1] != '\0')
        return false;
    int64_t unit;
    switch (*p) {
    case 'd':
        unit = SECONDS_PER_DAY;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'm':
        unit = 60;
        break;
    case 's':
        unit = 1;
        break;
    default:
        return false;
    }
    *out = s[0] == '+' ? now + n * unit : now - n * unit;
    return true;
}

/* Reads a time: RFC 3339, integer unix seconds, or relative to the clock. */
static int parse_time(struct pctx *c, const cJSON *it, const char *key, int64_t *out)
{
    int64_t t = 0;
    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;
        if (!(d >= (double)MIN_TIME && d <= (double)MAX_TIME) || d != (double)(int64_t)d) {
            fail(c, "'%s' must be whole unix seconds within the years 1 to 9999", key);
            return -1;
        }
        t = (int64_t)d;
    } else if (cJSON_IsString(it) && it->valuestring != NULL) {
        const char *s = it->valuestring;
        bool relative_shape = strcmp(s, "now") == 0 || s[0] == '+' || s[0] == '-';
        if (relative_shape && !c->has_now) {
            fail(c, "relative time '%s' is not allowed here; use unix seconds or RFC 3339",
                 show(s).s);
            return -1;
        }
        if (!parse_relative(s, c->now, &t) && cx_time_parse(s, 0, &t, NULL) != 0) {
            fail(c,
                 "invalid time '%s' (use RFC 3339 like \"2030-01-01T00:00:00Z\", unix seconds, "
                 "\"now\", or a relative time like \"+90d\", \"-1h\", \"+30m\", \"-10s\")",
                 show(s).s);
            return -1;
        }
        if (t < MIN_TIME || t > MAX_TIME) {
            fail(c, "time '%s' is outside the years 1 to 9999", show(s).s);
            return -1;
        }
    } else {
        fail(c, "'%s' must be a time (string or unix seconds), not %s", key, type_name(it));
        return -1;
    }
    *out = t;
    return 0;
}

static int get_time(struct pctx *c, const cJSON *obj, const char *key, bool *has, int64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL)
        return 0;
    size_t old = path_key(c, key);
    int rc = parse_time(c, it, key, out);
    path_pop(c, old);
    if (rc == 0 && has != NULL)
        *has = true;
    return rc;
}

/* Reads obj.key as an array into *out (borrowed; NULL when absent). */
static int get_array(struct pctx *c, const cJSON *obj, const char *key, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out == NULL || cJSON_IsArray(*out))
        return 0;
    size_t old = path_key(c, key);
    fail(c, "'%s' must be an array, not %s", key, type_name(*out));
    path_pop(c, old);
    return -1;
}

/* Reads an array of non-empty strings (graphRoles, aliases). *out and *n are the caller's to free
 * even on failure. */
static int get_strv(struct pctx *c, const cJSON *obj, const char *key, char ***out, size_t *n)
{
    const cJSON *arr;
    int rc = -1;
    *out = NULL;
    *n = 0;
    if (get_array(c, obj, key, &arr) != 0)
        return -1;
    size_t count = (size_t)cJSON_GetArraySize(arr);
    if (count == 0)
        return 0;
    *out = calloc(count, sizeof(**out));
    if (*out == NULL) {
        fail(c, "out of memory");
        return -1;
    }
    *n = count;
    size_t old = path_key(c, key);
    size_t i = 0;
    for (const cJSON *it = arr->child; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (!cJSON_IsString(it) || it->valuestring == NULL || it->valuestring[0] == '\0') {
            fail(c, "expected a non-empty string, found %s", type_name(it));
            goto out;
        }
        (*out)[i] = strdup(it->valuestring);
        if ((*out)[i] == NULL) {
            fail(c, "out of memory");
            goto out;
        }
        path_pop(c, o2);
    }
    rc = 0;
out:
    path_pop(c, old);
    return rc;
}

/* Allocates a zeroed array for the elements of arr (which may be NULL) and sets *n to their count
 * before any element is parsed, so the caller's cleanup covers half-filled arrays. Returns the
 * array, or NULL when there are no elements or (with c->failed set) when out of memory. */
static void *alloc_items(struct pctx *c, const cJSON *arr, size_t size, size_t *n)
{
    *n = 0;
    size_t count = arr != NULL ? (size_t)cJSON_GetArraySize(arr) : 0;
    if (count == 0)
        return NULL;
    void *items = calloc(count, size);
    if (items == NULL) {
        fail(c, "out of memory");
        return NULL;
    }
    *n = count;
    return items;
}

/* Fills *out with a random lowercase GUID: the shape of an object id the fixture left out. */
static int gen_guid(struct pctx *c, char **out)
{
    char guid[37];
    mv_rand_guid(guid);
    *out = strdup(guid);
    if (*out == NULL) {
        fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* Copies src into *dst when *dst is still unset: the defaults that repeat another field. */
static int default_copy(struct pctx *c, char **dst, const char *src)
{
    if (*dst != NULL)
        return 0;
    *dst = strdup(src);
    if (*dst == NULL) {
        fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* ---- Tenants ---- */

static const char *const app_secret_fields[] = {"value", "expires", NULL};
static const char *const app_cert_fields[] = {"pem", "file", NULL};
static const char *const app_fields[] = {
    "displayName", "clientId", "objectId", "secrets", "graphRoles", "certificates", NULL,
};
static const char *const identity_fields[] = {
    "name", "clientId", "objectId", "systemAssigned", "resourceId", NULL,
};
static const char *const user_fields[] = {"id", "displayName", "userPrincipalName", NULL};
static const char *const subscription_fields[] = {"id", "displayName", NULL};
static const char *const tenant_fields[] = {
    "id", "domain", "applications", "managedIdentities", "users", "subscriptions", NULL,
};

/* A certificate file is a couple of kilobytes (certificate and key); this bounds a wrong path. */
#define MAX_CERT_FILE (256 * 1024)

/* Resolves a certificate "file" relative to the directory of the fixture file being parsed.
 * Only a fixture read from a file may name files: a document that arrived over HTTP (PUT
 * /_mock/state) has no directory, and letting it open server-side paths would make the control
 * API a probe of the file system. Returns 0 and fills out, or -1 after fail(). */
static int resolve_cert_file(struct pctx *c, const char *file, char *out, size_t n)
{
    struct stat sb;
    const char *slash;
    int len;

    if (stat(c->source, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fail(c, "a certificate 'file' can only be used in a fixture file; put the certificate "
                "inline as \"pem\" instead");
        return -1;
    }
    slash = strrchr(c->source, '/');
    if (file[0] == '/')
        len = snprintf(out, n, "%s", file);
    else if (slash != NULL)
        len = snprintf(out, n, "%.*s/%s", (int)(slash - c->source), c->source, file);
    else
        len = snprintf(out, n, "%s", file);
    if (len < 0 || (size_t)len >= n) {
        fail(c, "the path '%s' is too long", show(file).s);
        return -1;
    }
    return 0;
}

/* One entry of an app's "certificates": {"pem": "-----BEGIN CERTIFICATE-----..."} or {"file":
 * "certs/x.pem"} (relative to the fixture file). Either way only the certificate is kept; a
 * private key in the same PEM is read past and dropped (mv_cert_load). */
static int parse_app_cert(struct pctx *c, const cJSON *j, struct mv_app_cert *cert)
{
    char *pem = NULL, *file = NULL, *text = NULL, path[PATH_MAX], msg[384];
    size_t len = 0, old;
    int rc = -1;

    if (expect_object(c, j, app_cert_fields) != 0 || get_str(c, j, "pem", false, true, &pem) != 0 ||
        get_str(c, j, "file", false, true, &file) != 0)
        goto out;
    if ((pem == NULL) == (file == NULL)) {
        fail(c, "give exactly one of \"pem\" (the certificate inline) or \"file\" (a PEM file "
                "relative to the fixture)");
        goto out;
    }
    if (file != NULL) {
        old = path_key(c, "file");
        if (resolve_cert_file(c, file, path, sizeof(path)) != 0) {
            path_pop(c, old);
            goto out;
        }
        text = cx_read_file(path, MAX_CERT_FILE, &len);
        if (text == NULL) {
            fail(c, "cannot read '%s'%s: %s", show(file).s,
                 file[0] == '/' ? "" : " (relative to the fixture file's directory)",
                 strerror(errno));
            path_pop(c, old);
            goto out;
        }
    } else {
        old = path_key(c, "pem");
    }
    if (mv_cert_load(text != NULL ? text : pem, text != NULL ? len : strlen(pem), cert, msg,
                     sizeof(msg)) != 0) {
        fail(c, "%s", msg);
        path_pop(c, old);
        goto out;
    }
    path_pop(c, old);
    rc = 0;
out:
    free(pem);
    free(file);
    free(text);
    return rc;
}

static int parse_app_certs(struct pctx *c, const cJSON *j, struct mv_app *a)
{
    const cJSON *certs;

    if (get_array(c, j, "certificates", &certs) != 0)
        return -1;
    a->certificates = alloc_items(c, certs, sizeof(*a->certificates), &a->ncertificates);
    if (c->failed)
        return -1;
    size_t old = path_key(c, "certificates");
    size_t i = 0;
    for (const cJSON *it = certs != NULL ? certs->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_app_cert(c, it, &a->certificates[i]) != 0)
            return -1;
        /* One certificate registered twice would make the key lookup by thumbprint ambiguous
         * for nothing; Entra refuses a duplicate key credential too. */
        for (size_t k = 0; k < i; k++) {
            if (memcmp(a->certificates[k].sha256, a->certificates[i].sha256, 32) == 0) {
                fail(c, "the same certificate appears twice (also certificates[%zu])", k);
                return -1;
            }
        }
        path_pop(c, o2);
    }
    path_pop(c, old);
    return 0;
}

static int parse_app(struct pctx *c, const cJSON *j, struct mv_app *a)
{
    const cJSON *secrets;
    if (expect_object(c, j, app_fields) != 0 ||
        get_str(c, j, "clientId", true, true, &a->client_id) != 0 ||
        get_str(c, j, "displayName", false, true, &a->display_name) != 0 ||
        get_str(c, j, "objectId", false, true, &a->object_id) != 0 ||
        get_array(c, j, "secrets", &secrets) != 0 ||
        get_strv(c, j, "graphRoles", &a->graph_roles, &a->ngraph_roles) != 0)
        return -1;
    /* The display name defaults to the client id so every app has a printable name; a missing
     * object id is generated, like version ids, and a snapshot then keeps it. */
    if (default_copy(c, &a->display_name, a->client_id) != 0)
        return -1;
    if (a->object_id == NULL && gen_guid(c, &a->object_id) != 0)
        return -1;
    a->secrets = alloc_items(c, secrets, sizeof(*a->secrets), &a->nsecrets);
    if (c->failed)
        return -1;
    size_t old = path_key(c, "secrets");
    size_t i = 0;
    for (const cJSON *it = secrets != NULL ? secrets->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = path_index(c, i);
        struct mv_app_secret *s = &a->secrets[i];
        if (expect_object(c, it, app_secret_fields) != 0 ||
            get_str(c, it, "value", true, true, &s->value) != 0 ||
            get_time(c, it, "expires", &s->has_expires, &s->expires) != 0)
            return -1;
        path_pop(c, o2);
    }
    path_pop(c, old);
    return parse_app_certs(c, j, a);
}

static int parse_identity(struct pctx *c, const cJSON *j, struct mv_managed_identity *m)
{
    if (expect_object(c, j, identity_fields) != 0 ||
        get_str(c, j, "clientId", true, true, &m->client_id) != 0 ||
        get_str(c, j, "name", false, true, &m->name) != 0 ||
        get_str(c, j, "objectId", false, true, &m->object_id) != 0 ||
        get_bool(c, j, "systemAssigned", &m->system_assigned) != 0 ||
        get_str(c, j, "resourceId", false, true, &m->resource_id) != 0)
        return -1;
    if (default_copy(c, &m->name, m->client_id) != 0)
        return -1;
    if (m->object_id == NULL && gen_guid(c, &m->object_id) != 0)
        return -1;
    return 0;
}

static int parse_user(struct pctx *c, const cJSON *j, struct mv_user *u)
{
    if (expect_object(c, j, user_fields) != 0 ||
        get_str(c, j, "userPrincipalName", true, true, &u->user_principal_name) != 0 ||
        get_str(c, j, "id", false, true, &u->id) != 0 ||
        get_str(c, j, "displayName", false, true, &u->display_name) != 0)
        return -1;
    if (default_copy(c, &u->display_name, u->user_principal_name) != 0)
        return -1;
    if (u->id == NULL && gen_guid(c, &u->id) != 0)
        return -1;
    return 0;
}

/* A subscription id must be a GUID: az prints and reuses it as one. */
static bool guid_ok(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int parse_subscription(struct pctx *c, const cJSON *j, struct mv_subscription *sub)
{
    if (expect_object(c, j, subscription_fields) != 0 ||
        get_str(c, j, "id", true, true, &sub->id) != 0 ||
        get_str(c, j, "displayName", false, true, &sub->display_name) != 0)
        return -1;
    if (!guid_ok(sub->id)) {
        path_key(c, "id");
        fail(c, "subscription id '%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
             show(sub->id).s);
        return -1;
    }
    return default_copy(c, &sub->display_name, sub->id);
}

static int parse_tenant(struct pctx *c, const cJSON *j, struct mv_tenant *t)
{
    const cJSON *apps, *ids, *users, *subs;
    if (expect_object(c, j, tenant_fields) != 0 || get_str(c, j, "id", true, true, &t->id) != 0 ||
        get_str(c, j, "domain", false, true, &t->domain) != 0 ||
        get_array(c, j, "applications", &apps) != 0 ||
        get_array(c, j, "managedIdentities", &ids) != 0 || get_array(c, j, "users", &users) != 0 ||
        get_array(c, j, "subscriptions", &subs) != 0)
        return -1;
    /* Without a domain the tenant is still reachable by id; the id doubles as its domain so
     * lookups and exports never meet a missing one. */
    if (default_copy(c, &t->domain, t->id) != 0)
        return -1;

    t->apps = alloc_items(c, apps, sizeof(*t->apps), &t->napps);
    if (c->failed)
        return -1;
    size_t old = path_key(c, "applications");
    size_t i = 0;
    for (const cJSON *it = apps != NULL ? apps->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_app(c, it, &t->apps[i]) != 0)
            return -1;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(t->apps[k].client_id, t->apps[i].client_id) == 0) {
                path_key(c, "clientId");
                fail(c, "duplicate clientId '%s' (also applications[%zu])",
                     show(t->apps[i].client_id).s, k);
                return -1;
            }
        }
        path_pop(c, o2);
    }
    path_pop(c, old);

    t->identities = alloc_items(c, ids, sizeof(*t->identities), &t->nidentities);
    if (c->failed)
        return -1;
    old = path_key(c, "managedIdentities");
    i = 0;
    for (const cJSON *it = ids != NULL ? ids->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_identity(c, it, &t->identities[i]) != 0)
            return -1;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(t->identities[k].client_id, t->identities[i].client_id) == 0) {
                path_key(c, "clientId");
                fail(c, "duplicate clientId '%s' (also managedIdentities[%zu])",
                     show(t->identities[i].client_id).s, k);
                return -1;
            }
        }
        path_pop(c, o2);
    }
    path_pop(c, old);

    t->users = alloc_items(c, users, sizeof(*t->users), &t->nusers);
    if (c->failed)
        return -1;
    old = path_key(c, "users");
    i = 0;
    for (const cJSON *it = users != NULL ? users->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_user(c, it, &t->users[i]) != 0)
            return -1;
        path_pop(c, o2);
    }
    path_pop(c, old);

    t->subscriptions = alloc_items(c, subs, sizeof(*t->subscriptions), &t->nsubscriptions);
    if (c->failed)
        return -1;
    old = path_key(c, "subscriptions");
    i = 0;
    for (const cJSON *it = subs != NULL ? subs->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_subscription(c, it, &t->subscriptions[i]) != 0)
            return -1;
        path_pop(c, o2);
    }
    path_pop(c, old);
    return 0;
}

/* ---- Secrets and versions ---- */

static const char *const version_fields[] = {
    "value", "contentType", "tags", "enabled", "nbf", "exp", "created", "updated", "id", NULL,
};

/* Which list a secret entry comes from decides the fields it may carry. */
enum secret_kind {
    SECRET_LIVE,    /* an entry of "secrets" */
    SECRET_DELETED, /* an entry of "deletedSecrets" */
    SECRET_BLOB,    /* a backup blob: deleted when it carries the deletion dates */
};

static const char *const live_secret_fields[] = {"name", "versions", NULL};
static const char *const deleted_secret_fields[] = {
    "name", "deletedDate", "scheduledPurgeDate", "versions", NULL,
};

static int parse_tags(struct pctx *c, const cJSON *j, struct mv_tags *tags)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "tags");
    int rc = -1;
    if (it == NULL)
        return 0;
    size_t old = path_key(c, "tags");
    if (!cJSON_IsObject(it)) {
        fail(c, "'tags' must be an object of string values, not %s", type_name(it));
        goto out;
    }
    size_t count = (size_t)cJSON_GetArraySize(it);
    if (count > MAX_TAGS) {
        fail(c, "too many tags (%zu; Key Vault allows at most %d)", count, MAX_TAGS);
        goto out;
    }
    tags->present = true;
    if (count > 0) {
        tags->items = calloc(count, sizeof(*tags->items));
        if (tags->items == NULL) {
            fail(c, "out of memory");
            goto out;
        }
        tags->n = count;
    }
    size_t i = 0;
    for (const cJSON *t = it->child; t != NULL; t = t->next, i++) {
        const char *name = t->string != NULL ? t->string : "";
        size_t o2 = path_key(c, name);
        if (name[0] == '\0') {
            fail(c, "tag names must not be empty");
            goto out;
        }
        for (const cJSON *prev = it->child; prev != t; prev = prev->next) {
            if (prev->string != NULL && strcmp(prev->string, name) == 0) {
                fail(c, "tag '%s' appears twice; keep one", show(name).s);
                goto out;
            }
        }
        if (!cJSON_IsString(t) || t->valuestring == NULL) {
            fail(c, "tag values must be strings, not %s", type_name(t));
            goto out;
        }
        tags->items[i].name = strdup(name);
        tags->items[i].value = strdup(t->valuestring);
        if (tags->items[i].name == NULL || tags->items[i].value == NULL) {
            fail(c, "out of memory");
            goto out;
        }
        path_pop(c, o2);
    }
    rc = 0;
out:
    path_pop(c, old);
    return rc;
}

static int parse_version(struct pctx *c, const cJSON *j, struct mv_version *v)
{
    char *id = NULL;
    bool has_created = false, has_updated = false;
    int rc = -1;

    v->enabled = true;
    if (expect_object(c, j, version_fields) != 0 ||
        get_str(c, j, "value", true, false, &v->value) != 0 ||
        get_str(c, j, "contentType", false, false, &v->content_type) != 0 ||
        parse_tags(c, j, &v->tags) != 0 || get_bool(c, j, "enabled", &v->enabled) != 0 ||
        get_time(c, j, "nbf", &v->has_nbf, &v->nbf) != 0 ||
        get_time(c, j, "exp", &v->has_exp, &v->exp) != 0 ||
        get_time(c, j, "created", &has_created, &v->created) != 0 ||
        get_time(c, j, "updated", &has_updated, &v->updated) != 0 ||
        get_str(c, j, "id", false, false, &id) != 0)
        goto out;
    if (cx_utf8_count(v->value) > MAX_VALUE_CHARS) {
        size_t old = path_key(c, "value");
        fail(c, "'value' is longer than %d characters, the Key Vault limit", MAX_VALUE_CHARS);
        path_pop(c, old);
        goto out;
    }
    if (v->content_type != NULL && cx_utf8_count(v->content_type) > MAX_CONTENT_TYPE_CHARS) {
        size_t old = path_key(c, "contentType");
        fail(c, "'contentType' is longer than %d characters, the Key Vault limit",
             MAX_CONTENT_TYPE_CHARS);
        path_pop(c, old);
        goto out;
    }
    if (id != NULL) {
        if (!cx_is_hex(id, 32, CX_HEX_LOWER)) {
            size_t old = path_key(c, "id");
            fail(c, "invalid version id '%s' (exactly 32 lowercase hex characters, 0-9 a-f)",
                 show(id).s);
            path_pop(c, old);
            goto out;
        }
        memcpy(v->id, id, 33);
    }
    if (!has_created) {
        if (!c->has_now) {
            size_t old = path_key(c, "created");
            fail(c, "required field is missing");
            path_pop(c, old);
            goto out;
        }
        v->created = c->now;
    }
    if (!has_updated)
        v->updated = v->created;
    rc = 0;
out:
    free(id);
    return rc;
}

/* Looks up a version id among s's first n versions. */
static bool has_version_id(const struct mv_secret *s, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s->versions[i].id, id) == 0)
            return true;
    }
    return false;
}

static int parse_secret(struct pctx *c, const cJSON *j, struct mv_secret *s, enum secret_kind kind,
                        int retention_days)
{
    const cJSON *versions;
    bool has_deleted = false, has_purge = false;

    if (expect_object(c, j, kind == SECRET_LIVE ? live_secret_fields : deleted_secret_fields) !=
            0 ||
        get_str(c, j, "name", true, false, &s->name) != 0 ||
        get_time(c, j, "deletedDate", &has_deleted, &s->deleted_date) != 0 ||
        get_time(c, j, "scheduledPurgeDate", &has_purge, &s->scheduled_purge_date) != 0 ||
        get_array(c, j, "versions", &versions) != 0)
        return -1;
    if (!valid_secret_name(s->name)) {
        size_t old = path_key(c, "name");
        fail(c, "invalid secret name '%s' (1 to %d characters of 0-9, a-z, A-Z and '-')",
             show(s->name).s, MAX_SECRET_NAME);
        path_pop(c, old);
        return -1;
    }

    if (kind == SECRET_DELETED) {
        s->deleted = true;
        if (!has_deleted)
            s->deleted_date = c->now;
        if (!has_purge)
            s->scheduled_purge_date = s->deleted_date + (int64_t)retention_days * SECONDS_PER_DAY;
    } else if (kind == SECRET_BLOB && (has_deleted || has_purge)) {
        /* A blob has no vault to take the retention from, so it must say both dates. */
        if (!has_deleted || !has_purge) {
            size_t old = path_key(c, has_deleted ? "scheduledPurgeDate" : "deletedDate");
            fail(c, "required field is missing (a deleted secret needs deletedDate and "
                    "scheduledPurgeDate)");
            path_pop(c, old);
            return -1;
        }
        s->deleted = true;
    }

    size_t old = path_key(c, "versions");
    if (versions == NULL || cJSON_GetArraySize(versions) == 0) {
        fail(c, versions == NULL ? "required field is missing"
                                 : "a secret needs at least one version");
        return -1;
    }
    s->versions = alloc_items(c, versions, sizeof(*s->versions), &s->nversions);
    if (c->failed)
        return -1;
    size_t i = 0;
    for (const cJSON *it = versions->child; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_version(c, it, &s->versions[i]) != 0)
            return -1;
        if (s->versions[i].id[0] != '\0' && has_version_id(s, i, s->versions[i].id)) {
            path_key(c, "id");
            fail(c, "duplicate version id '%s' in this secret", s->versions[i].id);
            return -1;
        }
        path_pop(c, o2);
    }
    path_pop(c, old);
    /* Ids are generated after all given ones are known, so a generated id can never take one
     * that a later version names explicitly. */
    for (i = 0; i < s->nversions; i++) {
        while (s->versions[i].id[0] == '\0') {
            char id[33];
            mv_rand_hex32(id);
            if (!has_version_id(s, s->nversions, id))
                memcpy(s->versions[i].id, id, sizeof(id));
        }
    }
    return 0;
}

/* ---- Vaults ---- */

static const char *const vault_fields[] = {
    "name",       "tenantId",       "location",        "aliases", "permissionModel",
    "softDelete", "accessPolicies", "roleAssignments", "secrets", "deletedSecrets",
    NULL,
};
static const char *const soft_delete_fields[] = {"retentionDays", "purgeProtection", NULL};
static const char *const policy_fields[] = {
    "tenantId", "objectId", "applicationId", "permissions", NULL,
};
static const char *const permissions_fields[] = {"secrets", NULL};
static const char *const role_fields[] = {"principalId", "role", "scope", NULL};

static int parse_permissions(struct pctx *c, const cJSON *j, struct mv_access_policy *p)
{
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(j, "permissions");
    const cJSON *arr;
    int rc = -1;
    if (perms == NULL)
        return 0;
    size_t old = path_key(c, "permissions");
    if (expect_object(c, perms, permissions_fields) != 0 ||
        get_array(c, perms, "secrets", &arr) != 0)
        goto out;
    size_t o2 = path_key(c, "secrets");
    size_t i = 0;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next, i++) {
        size_t o3 = path_index(c, i);
        if (!cJSON_IsString(it) || it->valuestring == NULL) {
            fail(c, "expected a permission name, found %s", type_name(it));
            goto out;
        }
        const char *name = it->valuestring;
        bool known = false;
        if (cx_strcasecmp(name, "all") == 0) {
            p->secrets_all = true;
            p->secrets = MV_PERM_ALL;
            known = true;
        }
        for (size_t k = 0; mv_secret_perm_names[k] != NULL; k++) {
            if (cx_strcasecmp(name, mv_secret_perm_names[k]) == 0) {
                p->secrets |= 1u << k;
                known = true;
            }
        }
        if (!known) {
            fail(c,
                 "unknown secret permission '%s' (allowed: get, list, set, delete, recover, "
                 "backup, restore, purge, all)",
                 show(name).s);
            goto out;
        }
        path_pop(c, o3);
    }
    path_pop(c, o2);
    rc = 0;
out:
    path_pop(c, old);
    return rc;
}

static int parse_policy(struct pctx *c, const cJSON *j, struct mv_access_policy *p)
{
    if (expect_object(c, j, policy_fields) != 0 ||
        get_str(c, j, "objectId", true, true, &p->object_id) != 0 ||
        get_str(c, j, "tenantId", false, true, &p->tenant_id) != 0 ||
        get_str(c, j, "applicationId", false, true, &p->application_id) != 0)
        return -1;
    return parse_permissions(c, j, p);
}

static int parse_role(struct pctx *c, const cJSON *j, struct mv_role_assignment *r)
{
    if (expect_object(c, j, role_fields) != 0 ||
        get_str(c, j, "principalId", true, true, &r->principal_id) != 0 ||
        get_str(c, j, "role", true, false, &r->role) != 0 ||
        get_str(c, j, "scope", false, false, &r->scope) != 0)
        return -1;
    bool known = false;
    for (size_t k = 0; role_names[k] != NULL; k++) {
        if (strcmp(r->role, role_names[k]) == 0)
            known = true;
    }
    if (!known) {
        size_t old = path_key(c, "role");
        fail(c,
             "unknown role '%s' (allowed: Key Vault Administrator, Key Vault Secrets Officer, "
             "Key Vault Secrets User, Key Vault Reader)",
             show(r->role).s);
        path_pop(c, old);
        return -1;
    }
    /* A whole-vault assignment is the common case, so it is the default. */
    if (default_copy(c, &r->scope, "/") != 0)
        return -1;
    static const char prefix[] = "/secrets/";
    if (strcmp(r->scope, "/") != 0 && !(strncmp(r->scope, prefix, sizeof(prefix) - 1) == 0 &&
                                        valid_secret_name(r->scope + sizeof(prefix) - 1))) {
        size_t old = path_key(c, "scope");
        fail(c, "invalid scope '%s' (\"/\" for the whole vault, or \"/secrets/{name}\")",
             show(r->scope).s);
        path_pop(c, old);
        return -1;
    }
    return 0;
}

/* Parses the entries of arr ("secrets" or "deletedSecrets") into v->secrets[first...]. */
static int parse_secret_list(struct pctx *c, const cJSON *arr, const char *key,
                             enum secret_kind kind, struct mv_vault *v, size_t first)
{
    size_t old = path_key(c, key);
    size_t i = 0;
    for (const cJSON *it = arr != NULL ? arr->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_secret(c, it, &v->secrets[first + i], kind, v->retention_days) != 0)
            return -1;
        path_pop(c, o2);
    }
    path_pop(c, old);
    return 0;
}

/* Secret names are unique per vault, case-insensitively, across live and deleted secrets. */
struct name_ref {
    const char *name;
    size_t index; /* in document order: live secrets first, then deleted ones */
};

static int name_ref_cmp(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int r = cx_strcasecmp(x->name, y->name);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int check_duplicate_secrets(struct pctx *c, const struct mv_vault *v, size_t nlive)
{
    if (v->nsecrets < 2)
        return 0;
    struct name_ref *refs = malloc(v->nsecrets * sizeof(*refs));
    if (refs == NULL) {
        fail(c, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < v->nsecrets; i++) {
        refs[i].name = v->secrets[i].name;
        refs[i].index = i;
    }
    /* Sorting keeps this O(n log n) for snapshots with many secrets. */
    qsort(refs, v->nsecrets, sizeof(*refs), name_ref_cmp);
    int rc = 0;
    for (size_t i = 1; i < v->nsecrets && rc == 0; i++) {
        if (cx_strcasecmp(refs[i - 1].name, refs[i].name) != 0)
            continue;
        size_t dup = refs[i].index, first = refs[i - 1].index;
        char where[64];
        if (first < nlive)
            snprintf(where, sizeof(where), "secrets[%zu]", first);
        else
            snprintf(where, sizeof(where), "deletedSecrets[%zu]", first - nlive);
        size_t old = dup < nlive ? path_key(c, "secrets") : path_key(c, "deletedSecrets");
        path_index(c, dup < nlive ? dup : dup - nlive);
        path_key(c, "name");
        fail(c, "duplicate secret name '%s' (also %s; names are case-insensitive)",
             show(v->secrets[dup].name).s, where);
        path_pop(c, old);
        rc = -1;
    }
    free(refs);
    return rc;
}

static int parse_vault(struct pctx *c, const cJSON *j, const struct mv_data *d, size_t index)
{
    struct mv_vault *v = &d->vaults[index];
    const cJSON *policies, *roles, *secrets, *deleted, *soft;
    char *model = NULL;
    int rc = -1;

    v->retention_days = MAX_RETENTION_DAYS;
    if (expect_object(c, j, vault_fields) != 0 || get_str(c, j, "name", true, false, &v->name) != 0)
        goto out;
    if (!valid_vault_name(v->name)) {
        size_t old = path_key(c, "name");
        fail(c,
             "invalid vault name '%s' (%d to %d characters of 0-9, a-z, A-Z and '-', "
             "starting with a letter)",
             show(v->name).s, MIN_VAULT_NAME, MAX_VAULT_NAME);
        path_pop(c, old);
        goto out;
    }
    for (size_t k = 0; k < index; k++) {
        if (cx_strcasecmp(d->vaults[k].name, v->name) == 0) {
            size_t old = path_key(c, "name");
            fail(c, "duplicate vault name '%s' (also vaults[%zu]; names are case-insensitive)",
                 show(v->name).s, k);
            path_pop(c, old);
            goto out;
        }
    }

    if (get_str(c, j, "tenantId", false, true, &v->tenant_id) != 0)
        goto out;
    if (v->tenant_id == NULL) {
        /* Most fixtures have one tenant; naming it on every vault would be noise. */
        if (d->ntenants == 0) {
            size_t old = path_key(c, "tenantId");
            fail(c, "required field is missing (the file has no tenants to default to)");
            path_pop(c, old);
            goto out;
        }
        if (default_copy(c, &v->tenant_id, d->tenants[0].id) != 0)
            goto out;
    } else {
        bool found = false;
        for (size_t k = 0; k < d->ntenants; k++) {
            if (cx_strcasecmp(d->tenants[k].id, v->tenant_id) == 0)
                found = true;
        }
        if (!found) {
            size_t old = path_key(c, "tenantId");
            fail(c, "tenant '%s' is not in $.tenants (add it there, or fix the id)",
                 show(v->tenant_id).s);
            path_pop(c, old);
            goto out;
        }
    }

    if (get_str(c, j, "location", false, true, &v->location) != 0 ||
        default_copy(c, &v->location, "westeurope") != 0 ||
        get_strv(c, j, "aliases", &v->aliases, &v->naliases) != 0)
        goto out;
    for (size_t i = 0; i < v->naliases; i++) {
        size_t old = path_key(c, "aliases");
        path_index(c, i);
        if (!valid_alias(v->aliases[i])) {
            fail(c, "invalid alias '%s' (a host name without port: letters, digits, '.', '-')",
                 show(v->aliases[i]).s);
            goto out;
        }
        for (size_t k = 0; k <= index; k++) {
            const struct mv_vault *o = &d->vaults[k];
            size_t n = k == index ? i : o->naliases;
            for (size_t a = 0; a < n; a++) {
                if (cx_strcasecmp(o->aliases[a], v->aliases[i]) == 0) {
                    fail(c, "alias '%s' is already used by vault '%s'", show(v->aliases[i]).s,
                         show(o->name).s);
                    goto out;
                }
            }
        }
        path_pop(c, old);
    }

    if (get_str(c, j, "permissionModel", false, false, &model) != 0)
        goto out;
    if (model == NULL || strcmp(model, "accessPolicy") == 0) {
        v->model = MV_MODEL_ACCESS_POLICY;
    } else if (strcmp(model, "rbac") == 0) {
        v->model = MV_MODEL_RBAC;
    } else {
        size_t old = path_key(c, "permissionModel");
        fail(c, "unknown permission model '%s' (use \"accessPolicy\" or \"rbac\")", show(model).s);
        path_pop(c, old);
        goto out;
    }

    soft = cJSON_GetObjectItemCaseSensitive(j, "softDelete");
    if (soft != NULL) {
        size_t old = path_key(c, "softDelete");
        if (expect_object(c, soft, soft_delete_fields) != 0 ||
            get_int(c, soft, "retentionDays", MIN_RETENTION_DAYS, MAX_RETENTION_DAYS,
                    &v->retention_days) != 0 ||
            get_bool(c, soft, "purgeProtection", &v->purge_protection) != 0)
            goto out;
        path_pop(c, old);
    }

    if (get_array(c, j, "accessPolicies", &policies) != 0 ||
        get_array(c, j, "roleAssignments", &roles) != 0 ||
        get_array(c, j, "secrets", &secrets) != 0 ||
        get_array(c, j, "deletedSecrets", &deleted) != 0)
        goto out;

    v->policies = alloc_items(c, policies, sizeof(*v->policies), &v->npolicies);
    if (c->failed)
        goto out;
    size_t old = path_key(c, "accessPolicies");
    size_t i = 0;
    for (const cJSON *it = policies != NULL ? policies->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_policy(c, it, &v->policies[i]) != 0)
            goto out;
        path_pop(c, o2);
    }
    path_pop(c, old);

    v->roles = alloc_items(c, roles, sizeof(*v->roles), &v->nroles);
    if (c->failed)
        goto out;
    old = path_key(c, "roleAssignments");
    i = 0;
    for (const cJSON *it = roles != NULL ? roles->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_role(c, it, &v->roles[i]) != 0)
            goto out;
        path_pop(c, o2);
    }
    path_pop(c, old);

    size_t nlive = secrets != NULL ? (size_t)cJSON_GetArraySize(secrets) : 0;
    size_t ndeleted = deleted != NULL ? (size_t)cJSON_GetArraySize(deleted) : 0;
    if (nlive + ndeleted > 0) {
        v->secrets = calloc(nlive + ndeleted, sizeof(*v->secrets));
        if (v->secrets == NULL) {
            fail(c, "out of memory");
            goto out;
        }
        v->nsecrets = nlive + ndeleted;
    }
    if (parse_secret_list(c, secrets, "secrets", SECRET_LIVE, v, 0) != 0 ||
        parse_secret_list(c, deleted, "deletedSecrets", SECRET_DELETED, v, nlive) != 0 ||
        check_duplicate_secrets(c, v, nlive) != 0)
        goto out;
    rc = 0;
out:
    free(model);
    return rc;
}

/* ---- The document ---- */

static const char *const root_fields[] = {"defaultVault", "tenants", "vaults", NULL};

static int parse_root(struct pctx *c, const cJSON *root, struct mv_data *d)
{
    const cJSON *tenants, *vaults;
    char *def = NULL;
    int rc = -1;

    if (!cJSON_IsObject(root)) {
        fail(c, "the document must be a JSON object, not %s", type_name(root));
        goto out;
    }
    if (check_fields(c, root, root_fields) != 0 ||
        get_str(c, root, "defaultVault", false, false, &def) != 0 ||
        get_array(c, root, "tenants", &tenants) != 0 || get_array(c, root, "vaults", &vaults) != 0)
        goto out;

    d->tenants = alloc_items(c, tenants, sizeof(*d->tenants), &d->ntenants);
    if (c->failed)
        goto out;
    size_t old = path_key(c, "tenants");
    size_t i = 0;
    for (const cJSON *it = tenants != NULL ? tenants->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_tenant(c, it, &d->tenants[i]) != 0)
            goto out;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(d->tenants[k].id, d->tenants[i].id) == 0) {
                path_key(c, "id");
                fail(c, "duplicate tenant id '%s' (also tenants[%zu])", show(d->tenants[i].id).s,
                     k);
                goto out;
            }
        }
        path_pop(c, o2);
    }
    path_pop(c, old);

    d->vaults = alloc_items(c, vaults, sizeof(*d->vaults), &d->nvaults);
    if (c->failed)
        goto out;
    old = path_key(c, "vaults");
    i = 0;
    for (const cJSON *it = vaults != NULL ? vaults->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = path_index(c, i);
        if (parse_vault(c, it, d, i) != 0)
            goto out;
        path_pop(c, o2);
    }
    path_pop(c, old);

    /* The default vault is stored under the vault's own spelling, and made explicit when the file
     * leaves it out, so an export says which vault "localhost" reaches. */
    if (def != NULL) {
        const struct mv_vault *v = mv_data_vault(d, def);
        if (v == NULL) {
            old = path_key(c, "defaultVault");
            fail(c, "no vault named '%s' in $.vaults", show(def).s);
            path_pop(c, old);
            goto out;
        }
        if (default_copy(c, &d->default_vault, v->name) != 0)
            goto out;
    } else if (d->nvaults > 0 && default_copy(c, &d->default_vault, d->vaults[0].name) != 0) {
        goto out;
    }
    mv_data_sort(d);
    rc = 0;
out:
    free(def);
    return rc;
}

/* Finds the line and column (1-based) of byte offset off, for syntax errors. */
static void line_col(const char *json, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (json[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

struct mv_data *mv_state_parse(const char *json, size_t len, const char *source, int64_t now,
                               char *err, size_t errlen)
{
    struct pctx c = {
        .source = source != NULL ? source : "<state>",
        .now = now,
        .has_now = true,
        .err = err,
        .errlen = errlen,
        .path = "$",
        .plen = 1,
    };
    struct mv_data *d = NULL;
    cJSON *root = NULL;
    const char *end = NULL;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (json == NULL)
        json = "";
    /* require_null_terminated is off because json[len] need not be NUL; trailing bytes are
     * checked by hand below. The end pointer, not cJSON_GetErrorPtr, locates syntax errors:
     * the latter is a global shared by all threads. */
    root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    size_t off = end != NULL && end >= json ? (size_t)(end - json) : 0;
    if (off > len)
        off = len;
    if (root == NULL) {
        size_t line, col;
        line_col(json, off, &line, &col);
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: invalid JSON near byte %zu (line %zu, column %zu)", c.source,
                     off, line, col);
        goto out;
    }
    for (size_t i = off; i < len; i++) {
        char ch = json[i];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\0') {
            size_t line, col;
            line_col(json, i, &line, &col);
            if (err != NULL && errlen > 0)
                snprintf(err, errlen,
                         "%s: invalid JSON: unexpected data after the document at byte %zu "
                         "(line %zu, column %zu)",
                         c.source, i, line, col);
            goto out;
        }
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        fail(&c, "out of memory");
        goto out;
    }
    if (parse_root(&c, root, d) != 0) {
        mv_data_free(d);
        d = NULL;
    }
out:
    cJSON_Delete(root);
    return d;
}

/* Writes a message into err when the caller gave a buffer. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

struct mv_data *mv_state_load_file(const char *path, int64_t now, char *err, size_t errlen)
{
    struct mv_data *d = NULL;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;

    if (fd < 0 || fstat(fd, &sb) != 0) {
        set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > MAX_FILE_BYTES) {
        set_err(err, errlen, "%s: not a regular file of at most %zu MiB", path,
                MAX_FILE_BYTES >> 20);
        goto out;
    }
    size_t size = (size_t)sb.st_size, got = 0;
    buf = malloc(size + 1);
    if (buf == NULL) {
        set_err(err, errlen, "%s: out of memory", path);
        goto out;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break; /* the file shrank under us: parse what is there */
        got += (size_t)n;
    }
    buf[got] = '\0';
    d = mv_state_parse(buf, got, path, now, err, errlen);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return d;
}

/* ---- Export ---- */

/* Each put_* adds one member and returns false when out of memory. A NULL string is left out:
 * that is how the optional fields (contentType, resourceId, ...) say "absent". */
static bool put_str(cJSON *o, const char *key, const char *s)
{
    return s == NULL || cJSON_AddStringToObject(o, key, s) != NULL;
}

static bool put_num(cJSON *o, const char *key, int64_t n)
{
    return cJSON_AddNumberToObject(o, key, (double)n) != NULL;
}

static bool put_bool(cJSON *o, const char *key, bool b)
{
    return cJSON_AddBoolToObject(o, key, b) != NULL;
}

static bool put_strv(cJSON *o, const char *key, char *const *v, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(o, key);
    if (arr == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i] != NULL ? v[i] : "");
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

/* Appends item to arr; on failure deletes item. */
static bool append(cJSON *arr, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static cJSON *version_to_json(const struct mv_version *v)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!put_str(o, "value", v->value) || !put_str(o, "contentType", v->content_type))
        goto fail;
    if (v->tags.present) {
        cJSON *tags = cJSON_AddObjectToObject(o, "tags");
        if (tags == NULL)
            goto fail;
        for (size_t i = 0; i < v->tags.n; i++) {
            if (!put_str(tags, v->tags.items[i].name, v->tags.items[i].value))
                goto fail;
        }
    }
    if (!put_bool(o, "enabled", v->enabled) || (v->has_nbf && !put_num(o, "nbf", v->nbf)) ||
        (v->has_exp && !put_num(o, "exp", v->exp)) || !put_num(o, "created", v->created) ||
        !put_num(o, "updated", v->updated) || !put_str(o, "id", v->id))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *mv_state_secret_to_json(const struct mv_secret *s)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!put_str(o, "name", s->name))
        goto fail;
    if (s->deleted && (!put_num(o, "deletedDate", s->deleted_date) ||
                       !put_num(o, "scheduledPurgeDate", s->scheduled_purge_date)))
        goto fail;
    cJSON *arr = cJSON_AddArrayToObject(o, "versions");
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < s->nversions; i++) {
        if (!append(arr, version_to_json(&s->versions[i])))
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *app_to_json(const struct mv_app *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!put_str(o, "displayName", a->display_name) || !put_str(o, "clientId", a->client_id) ||
        !put_str(o, "objectId", a->object_id))
        goto fail;
    cJSON *arr = cJSON_AddArrayToObject(o, "secrets");
    if (arr == NULL)
        goto fail;
    for (size_t i = 0; i < a->nsecrets; i++) {
        cJSON *s = cJSON_CreateObject();
        if (!append(arr, s) || !put_str(s, "value", a->secrets[i].value) ||
            (a->secrets[i].has_expires && !put_num(s, "expires", a->secrets[i].expires)))
            goto fail;
    }
    if (!put_strv(o, "graphRoles", a->graph_roles, a->ngraph_roles))
        goto fail;
    /* Written inline, whatever the fixture used: a snapshot must not depend on files next to the
     * fixture. Left out when empty, as fixtures without certificates write it. */
    if (a->ncertificates > 0) {
        cJSON *certs = cJSON_AddArrayToObject(o, "certificates");
        if (certs == NULL)
            goto fail;
        for (size_t i = 0; i < a->ncertificates; i++) {
            cJSON *co = cJSON_CreateObject();
            if (!append(certs, co) || !put_str(co, "pem", a->certificates[i].pem))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *tenant_to_json(const struct mv_tenant *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr;
    if (o == NULL)
        return NULL;
    if (!put_str(o, "id", t->id) || !put_str(o, "domain", t->domain))
        goto fail;
    if ((arr = cJSON_AddArrayToObject(o, "applications")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->napps; i++) {
        if (!append(arr, app_to_json(&t->apps[i])))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "managedIdentities")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->nidentities; i++) {
        const struct mv_managed_identity *m = &t->identities[i];
        cJSON *mi = cJSON_CreateObject();
        if (!append(arr, mi) || !put_str(mi, "name", m->name) ||
            !put_str(mi, "clientId", m->client_id) || !put_str(mi, "objectId", m->object_id) ||
            !put_bool(mi, "systemAssigned", m->system_assigned) ||
            !put_str(mi, "resourceId", m->resource_id))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "users")) == NULL)
        goto fail;
    for (size_t i = 0; i < t->nusers; i++) {
        const struct mv_user *u = &t->users[i];
        cJSON *uo = cJSON_CreateObject();
        if (!append(arr, uo) || !put_str(uo, "id", u->id) ||
            !put_str(uo, "displayName", u->display_name) ||
            !put_str(uo, "userPrincipalName", u->user_principal_name))
            goto fail;
    }
    /* Written only when present, so fixtures without subscriptions export as they were. */
    if (t->nsubscriptions > 0) {
        if ((arr = cJSON_AddArrayToObject(o, "subscriptions")) == NULL)
            goto fail;
        for (size_t i = 0; i < t->nsubscriptions; i++) {
            cJSON *so = cJSON_CreateObject();
            if (!append(arr, so) || !put_str(so, "id", t->subscriptions[i].id) ||
                !put_str(so, "displayName", t->subscriptions[i].display_name))
                goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static bool put_policy(cJSON *arr, const struct mv_access_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!append(arr, o) || !put_str(o, "tenantId", p->tenant_id) ||
        !put_str(o, "objectId", p->object_id) || !put_str(o, "applicationId", p->application_id))
        return false;
    cJSON *perms = cJSON_AddObjectToObject(o, "permissions");
    cJSON *list = perms != NULL ? cJSON_AddArrayToObject(perms, "secrets") : NULL;
    if (list == NULL)
        return false;
    /* "all" stays "all" rather than eight names, so export -> import gives back the same entry. */
    if (p->secrets_all)
        return append(list, cJSON_CreateString("all"));
    for (size_t k = 0; mv_secret_perm_names[k] != NULL; k++) {
        if ((p->secrets & (1u << k)) != 0 && !append(list, cJSON_CreateString(mv_secret_perm_names[k])))
            return false;
    }
    return true;
}

static cJSON *vault_to_json(const struct mv_vault *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr;
    if (o == NULL)
        return NULL;
    if (!put_str(o, "name", v->name) || !put_str(o, "tenantId", v->tenant_id) ||
        !put_str(o, "location", v->location) || !put_strv(o, "aliases", v->aliases, v->naliases) ||
        !put_str(o, "permissionModel", v->model == MV_MODEL_RBAC ? "rbac" : "accessPolicy"))
        goto fail;
    cJSON *soft = cJSON_AddObjectToObject(o, "softDelete");
    if (soft == NULL || !put_num(soft, "retentionDays", v->retention_days) ||
        !put_bool(soft, "purgeProtection", v->purge_protection))
        goto fail;
    if ((arr = cJSON_AddArrayToObject(o, "accessPolicies")) == NULL)
        goto fail;
    for (size_t i = 0; i < v->npolicies; i++) {
        if (!put_policy(arr, &v->policies[i]))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(o, "roleAssignments")) == NULL)
        goto fail;
    for (size_t i = 0; i < v->nroles; i++) {
        const struct mv_role_assignment *r = &v->roles[i];
        cJSON *ro = cJSON_CreateObject();
        if (!append(arr, ro) || !put_str(ro, "principalId", r->principal_id) ||
            !put_str(ro, "role", r->role) || !put_str(ro, "scope", r->scope))
            goto fail;
    }
    cJSON *live = cJSON_AddArrayToObject(o, "secrets");
    cJSON *deleted = cJSON_AddArrayToObject(o, "deletedSecrets");
    if (live == NULL || deleted == NULL)
        goto fail;
    for (size_t i = 0; i < v->nsecrets; i++) {
        const struct mv_secret *s = &v->secrets[i];
        if (!append(s->deleted ? deleted : live, mv_state_secret_to_json(s)))
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *mv_state_export(const struct mv_data *d)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr;
    if (root == NULL)
        return NULL;
    if (d == NULL)
        return root;
    if (!put_str(root, "defaultVault", d->default_vault))
        goto fail;
    if ((arr = cJSON_AddArrayToObject(root, "tenants")) == NULL)
        goto fail;
    for (size_t i = 0; i < d->ntenants; i++) {
        if (!append(arr, tenant_to_json(&d->tenants[i])))
            goto fail;
    }
    if ((arr = cJSON_AddArrayToObject(root, "vaults")) == NULL)
        goto fail;
    for (size_t i = 0; i < d->nvaults; i++) {
        if (!append(arr, vault_to_json(&d->vaults[i])))
            goto fail;
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

struct mv_secret *mv_state_secret_from_json(const cJSON *j, char *err, size_t errlen)
{
    struct pctx c = {
        .source = "backup blob",
        .has_now = false,
        .err = err,
        .errlen = errlen,
        .path = "$",
        .plen = 1,
    };
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    struct mv_secret *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        fail(&c, "out of memory");
        return NULL;
    }
    /* Retention only matters for deleted entries without a purge date, which a blob may not have.
     */
    if (j == NULL || parse_secret(&c, j, s, SECRET_BLOB, MAX_RETENTION_DAYS) != 0) {
        if (j == NULL)
            fail(&c, "expected an object, found nothing");
        mv_secret_finish(s);
        free(s);
        return NULL;
    }
    return s;
}

