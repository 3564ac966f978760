/* state-read.c: the fixture parser's context (source, clock, error message, JSON path), the
 * value checks and the typed field readers the other state-*.c files build on. */
#include "state-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

/* Each push returns the old length, which the matching st_path_pop restores. */
size_t st_path_key(struct pctx *c, const char *key)
{
    size_t old = c->plen;
    if (c->plen + 1 < sizeof(c->path)) {
        c->path[c->plen++] = '.';
        c->path[c->plen] = '\0';
    }
    append_clean(c->path, sizeof(c->path), &c->plen, key, SHOW_MAX);
    return old;
}

size_t st_path_index(struct pctx *c, size_t i)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
    if (n > 0)
        c->plen +=
            (size_t)n < sizeof(c->path) - c->plen ? (size_t)n : sizeof(c->path) - c->plen - 1;
    return old;
}

void st_path_pop(struct pctx *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

/* Records "source: path: message" unless an earlier error already did. Messages name fields and
 * say what to fix; they never quote a secret value or a client secret. */
void st_fail(struct pctx *c, const char *fmt, ...)
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

struct shown st_show(const char *s)
{
    struct shown out;
    size_t len = 0;
    out.s[0] = '\0';
    append_clean(out.s, sizeof(out.s), &len, s, SHOW_MAX);
    return out;
}

const char *st_type_name(const cJSON *j)
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

/* True when every character of s is a letter, a digit or '-', the characters of secret and vault
 * names. */
static bool all_name_chars(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!is_name_char(*s))
            return false;
    }
    return true;
}

bool st_valid_secret_name(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= MAX_SECRET_NAME && all_name_chars(s);
}

bool st_valid_vault_name(const char *s)
{
    size_t n = strlen(s);
    if (n < MIN_VAULT_NAME || n > MAX_VAULT_NAME)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    return all_name_chars(s);
}

/* Aliases are host names without a port: letters, digits, '.' and '-'. */
bool st_valid_alias(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!is_name_char(*s) && *s != '.')
            return false;
    }
    return true;
}

/* ---- Typed field readers. Each returns 0 (field read, or absent and optional) or -1 after
 * st_fail() recorded why. Absent optional fields leave the defaults the caller set. ---- */

/* Fails when obj has a field not in allowed (NULL-terminated) or the same field twice: typos
 * must never pass silently. */
int st_check_fields(struct pctx *c, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        const char *key = it->string != NULL ? it->string : "";
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0)
                known = true;
        }
        size_t old = st_path_key(c, key);
        if (!known) {
            char list[256] = "";
            size_t len = 0;
            for (size_t i = 0; allowed[i] != NULL; i++) {
                if (i > 0)
                    append_clean(list, sizeof(list), &len, ", ", 2);
                append_clean(list, sizeof(list), &len, allowed[i], SHOW_MAX);
            }
            st_fail(c, "unknown field '%s' (allowed here: %s; field names are case-sensitive)",
                    st_show(key).s, list);
            return -1;
        }
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next) {
            if (prev->string != NULL && strcmp(prev->string, key) == 0) {
                st_fail(c, "field '%s' appears twice; keep one", st_show(key).s);
                return -1;
            }
        }
        st_path_pop(c, old);
    }
    return 0;
}

/* Requires j to be an object and to have only the allowed fields. */
int st_expect_object(struct pctx *c, const cJSON *j, const char *const *allowed)
{
    if (!cJSON_IsObject(j)) {
        st_fail(c, "expected an object, found %s", st_type_name(j));
        return -1;
    }
    return st_check_fields(c, j, allowed);
}

/* Reads obj.key as a string into *out (a copy the caller frees). Absent: *out stays NULL, or an
 * error when required. nonempty rejects "". The content is never quoted in messages, since the
 * same reader serves secret values. */
int st_get_str(struct pctx *c, const cJSON *obj, const char *key, bool required, bool nonempty,
               char **out)
{
    int rc = -1;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    size_t old = st_path_key(c, key);
    if (it == NULL) {
        if (required)
            st_fail(c, "required field is missing");
        else
            rc = 0;
        goto out;
    }
    if (!cJSON_IsString(it) || it->valuestring == NULL) {
        st_fail(c, "'%s' must be a string, not %s", key, st_type_name(it));
        goto out;
    }
    if (nonempty && it->valuestring[0] == '\0') {
        st_fail(c, "'%s' must not be empty", key);
        goto out;
    }
    *out = strdup(it->valuestring);
    if (*out == NULL) {
        st_fail(c, "out of memory");
        goto out;
    }
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

int st_get_bool(struct pctx *c, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL)
        return 0;
    if (!cJSON_IsBool(it)) {
        size_t old = st_path_key(c, key);
        st_fail(c, "'%s' must be true or false, not %s", key, st_type_name(it));
        st_path_pop(c, old);
        return -1;
    }
    *out = cJSON_IsTrue(it);
    return 0;
}

int st_get_int(struct pctx *c, const cJSON *obj, const char *key, int min, int max, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL)
        return 0;
    double d = cJSON_IsNumber(it) ? it->valuedouble : 0;
    if (!cJSON_IsNumber(it) || !(d >= min && d <= max) || d != (double)(int)d) {
        size_t old = st_path_key(c, key);
        st_fail(c, "'%s' must be a whole number from %d to %d", key, min, max);
        st_path_pop(c, old);
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
    case 'd': unit = SECONDS_PER_DAY; break;
    case 'h': unit = 3600; break;
    case 'm': unit = 60; break;
    case 's': unit = 1; break;
    default: return false;
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
        if (!(d >= (double)MV_TIME_MIN && d <= (double)MV_TIME_MAX) || d != (double)(int64_t)d) {
            st_fail(c, "'%s' must be whole unix seconds within the years 1 to 9999", key);
            return -1;
        }
        t = (int64_t)d;
    } else if (cJSON_IsString(it) && it->valuestring != NULL) {
        const char *s = it->valuestring;
        bool relative_shape = strcmp(s, "now") == 0 || s[0] == '+' || s[0] == '-';
        if (relative_shape && !c->has_now) {
            st_fail(c, "relative time '%s' is not allowed here; use unix seconds or RFC 3339",
                    st_show(s).s);
            return -1;
        }
        if (!parse_relative(s, c->now, &t) && cx_time_parse(s, 0, &t, NULL) != 0) {
            st_fail(c,
                    "invalid time '%s' (use RFC 3339 like \"2030-01-01T00:00:00Z\", unix seconds, "
                    "\"now\", or a relative time like \"+90d\", \"-1h\", \"+30m\", \"-10s\")",
                    st_show(s).s);
            return -1;
        }
        if (t < MV_TIME_MIN || t > MV_TIME_MAX) {
            st_fail(c, "time '%s' is outside the years 1 to 9999", st_show(s).s);
            return -1;
        }
    } else {
        st_fail(c, "'%s' must be a time (string or unix seconds), not %s", key, st_type_name(it));
        return -1;
    }
    *out = t;
    return 0;
}

int st_get_time(struct pctx *c, const cJSON *obj, const char *key, bool *has, int64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL)
        return 0;
    size_t old = st_path_key(c, key);
    int rc = parse_time(c, it, key, out);
    st_path_pop(c, old);
    if (rc == 0 && has != NULL)
        *has = true;
    return rc;
}

/* Reads obj.key as an array into *out (borrowed; NULL when absent). */
int st_get_array(struct pctx *c, const cJSON *obj, const char *key, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out == NULL || cJSON_IsArray(*out))
        return 0;
    size_t old = st_path_key(c, key);
    st_fail(c, "'%s' must be an array, not %s", key, st_type_name(*out));
    st_path_pop(c, old);
    return -1;
}

/* Parses element i of a container into arg. Returns 0, or -1 after st_fail. */
typedef int (*item_fn)(struct pctx *c, const cJSON *item, size_t i, void *arg);

/* Calls fn on each element of container (an array or an object) in order, with the error path at
 * the element's index (array) or name (object), until one fails. The path is as it was when this
 * returns. Returns 0, or -1 at the first element fn refuses. */
static int each_item(struct pctx *c, const cJSON *container, item_fn fn, void *arg)
{
    size_t i = 0;
    int rc = 0;

    for (const cJSON *it = container->child; it != NULL && rc == 0; it = it->next, i++) {
        size_t old = cJSON_IsObject(container)
                         ? st_path_key(c, it->string != NULL ? it->string : "")
                         : st_path_index(c, i);
        rc = fn(c, it, i, arg);
        st_path_pop(c, old);
    }
    return rc;
}

/* One element of a string array: a non-empty string, copied into ((char **)arg)[i]. */
static int strv_item(struct pctx *c, const cJSON *it, size_t i, void *arg)
{
    char **v = arg;

    if (!cJSON_IsString(it) || it->valuestring == NULL || it->valuestring[0] == '\0') {
        st_fail(c, "expected a non-empty string, found %s", st_type_name(it));
        return -1;
    }
    v[i] = strdup(it->valuestring);
    if (v[i] == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* Reads an array of non-empty strings (graphRoles, aliases). *out and *n are the caller's to free
 * even on failure. */
int st_get_strv(struct pctx *c, const cJSON *obj, const char *key, char ***out, size_t *n)
{
    const cJSON *arr;
    *out = NULL;
    *n = 0;
    if (st_get_array(c, obj, key, &arr) != 0)
        return -1;
    *out = st_alloc_items(c, arr, sizeof(**out), n);
    if (*out == NULL)
        return c->failed ? -1 : 0;
    size_t old = st_path_key(c, key);
    int rc = each_item(c, arr, strv_item, *out);
    st_path_pop(c, old);
    return rc;
}

/* Allocates a zeroed array for the elements of arr (which may be NULL) and sets *n to their count
 * before any element is parsed, so the caller's cleanup covers half-filled arrays. Returns the
 * array, or NULL when there are no elements or (with c->failed set) when out of memory. */
void *st_alloc_items(struct pctx *c, const cJSON *arr, size_t size, size_t *n)
{
    *n = 0;
    size_t count = arr != NULL ? (size_t)cJSON_GetArraySize(arr) : 0;
    if (count == 0)
        return NULL;
    void *items = calloc(count, size);
    if (items == NULL) {
        st_fail(c, "out of memory");
        return NULL;
    }
    *n = count;
    return items;
}

/* Fills *out with a random lowercase GUID: the shape of an object id the fixture left out. */
int st_gen_guid(struct pctx *c, char **out)
{
    char guid[37];
    mv_rand_guid(guid);
    *out = strdup(guid);
    if (*out == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* Copies src into *dst when *dst is still unset: the defaults that repeat another field. */
int st_default_copy(struct pctx *c, char **dst, const char *src)
{
    if (*dst != NULL)
        return 0;
    *dst = strdup(src);
    if (*dst == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* One tag: a non-empty name not seen before in the object and a string value, copied into
 * ((struct mv_tags *)arg)->items[i]. The earlier items hold exactly the earlier names, so the
 * duplicate check looks there. */
static int tag_item(struct pctx *c, const cJSON *t, size_t i, void *arg)
{
    struct mv_tags *tags = arg;
    const char *name = t->string != NULL ? t->string : "";

    if (name[0] == '\0') {
        st_fail(c, "tag names must not be empty");
        return -1;
    }
    for (size_t k = 0; k < i; k++) {
        if (strcmp(tags->items[k].name, name) == 0) {
            st_fail(c, "tag '%s' appears twice; keep one", st_show(name).s);
            return -1;
        }
    }
    if (!cJSON_IsString(t) || t->valuestring == NULL) {
        st_fail(c, "tag values must be strings, not %s", st_type_name(t));
        return -1;
    }
    tags->items[i].name = strdup(name);
    tags->items[i].value = strdup(t->valuestring);
    if (tags->items[i].name == NULL || tags->items[i].value == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* Reads obj.tags, an object of at most MAX_TAGS string values, into *tags (the caller's to free
 * even on failure). Absent: *tags stays as it was. */
int st_parse_tags(struct pctx *c, const cJSON *j, struct mv_tags *tags)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "tags");
    int rc = -1;
    if (it == NULL)
        return 0;
    size_t old = st_path_key(c, "tags");
    if (!cJSON_IsObject(it)) {
        st_fail(c, "'tags' must be an object of string values, not %s", st_type_name(it));
        goto out;
    }
    size_t count = (size_t)cJSON_GetArraySize(it);
    if (count > MAX_TAGS) {
        st_fail(c, "too many tags (%zu; Key Vault allows at most %d)", count, MAX_TAGS);
        goto out;
    }
    tags->present = true;
    tags->items = st_alloc_items(c, it, sizeof(*tags->items), &tags->n);
    if (c->failed)
        goto out;
    rc = each_item(c, it, tag_item, tags);
out:
    st_path_pop(c, old);
    return rc;
}
