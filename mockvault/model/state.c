/* state.c: fixtures and snapshots (spec/fixtures.md) parsed into struct mv_data: the document
 * and the file it is read from. Its parts are in state-read.c (context and field readers),
 * state-tenants.c, state-secrets.c and state-vaults.c; the export is state-export.c. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state-int.h"
#include "util.h"

/* A fixture or snapshot bigger than this is certainly a mistake (a wrong path, a binary file). */
#define MAX_FILE_BYTES ((size_t)256 << 20)

/* ---- The document ---- */

static const char *const root_fields[] = {"defaultVault", "tenants", "vaults",
                                          "attestationAuthorities", NULL};

static int parse_root(struct pctx *c, const cJSON *root, struct mv_data *d)
{
    const cJSON *tenants, *vaults;
    char *def = NULL;
    int rc = -1;

    if (!cJSON_IsObject(root)) {
        st_fail(c, "the document must be a JSON object, not %s", st_type_name(root));
        goto out;
    }
    if (st_check_fields(c, root, root_fields) != 0 ||
        st_get_str(c, root, "defaultVault", false, false, &def) != 0 ||
        st_get_array(c, root, "tenants", &tenants) != 0 ||
        st_get_array(c, root, "vaults", &vaults) != 0)
        goto out;

    d->tenants = st_alloc_items(c, tenants, sizeof(*d->tenants), &d->ntenants);
    if (c->failed)
        goto out;
    size_t old = st_path_key(c, "tenants");
    size_t i = 0;
    for (const cJSON *it = tenants != NULL ? tenants->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (st_parse_tenant(c, it, &d->tenants[i]) != 0)
            goto out;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(d->tenants[k].id, d->tenants[i].id) == 0) {
                st_path_key(c, "id");
                st_fail(c, "duplicate tenant id '%s' (also tenants[%zu])",
                        st_show(d->tenants[i].id).s, k);
                goto out;
            }
        }
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    d->vaults = st_alloc_items(c, vaults, sizeof(*d->vaults), &d->nvaults);
    if (c->failed)
        goto out;
    old = st_path_key(c, "vaults");
    i = 0;
    for (const cJSON *it = vaults != NULL ? vaults->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (st_parse_vault(c, it, d, i) != 0)
            goto out;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    if (st_parse_authorities(c, root, d) != 0)
        goto out;

    /* The default vault is stored under the vault's own spelling, and made explicit when the file
     * leaves it out, so an export says which vault "localhost" reaches. */
    if (def != NULL) {
        const struct mv_vault *v = mv_data_vault(d, def);
        if (v == NULL) {
            old = st_path_key(c, "defaultVault");
            st_fail(c, "no vault named '%s' in $.vaults", st_show(def).s);
            st_path_pop(c, old);
            goto out;
        }
        if (st_default_copy(c, &d->default_vault, v->name) != 0)
            goto out;
    } else if (d->nvaults > 0 && st_default_copy(c, &d->default_vault, d->vaults[0].name) != 0) {
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

static struct mv_data *parse(const char *json, size_t len, const char *source, int64_t now,
                             bool own, char *err, size_t errlen)
{
    struct pctx c = {
        .source = source != NULL ? source : "<state>",
        .now = now,
        .own = own,
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
        st_fail(&c, "out of memory");
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

struct mv_data *mv_state_from_tree(const cJSON *root, const char *source, int64_t now, char *err,
                                   size_t errlen)
{
    struct pctx c = {
        .source = source != NULL ? source : "<state>",
        .now = now,
        .own = true,
        .has_now = true,
        .err = err,
        .errlen = errlen,
        .path = "$",
        .plen = 1,
    };
    struct mv_data *d = calloc(1, sizeof(*d));

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (d == NULL) {
        st_fail(&c, "out of memory");
        return NULL;
    }
    if (parse_root(&c, root, d) != 0) {
        mv_data_free(d);
        d = NULL;
    }
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

struct mv_data *mv_state_parse(const char *json, size_t len, const char *source, int64_t now,
                               char *err, size_t errlen)
{
    return parse(json, len, source, now, false, err, errlen);
}

static struct mv_data *load_file(const char *path, int64_t now, bool own, char *err, size_t errlen)
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
    d = parse(buf, got, path, now, own, err, errlen);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return d;
}

struct mv_data *mv_state_load_file(const char *path, int64_t now, char *err, size_t errlen)
{
    return load_file(path, now, false, err, errlen);
}

struct mv_data *mv_state_load_snapshot(const char *path, int64_t now, char *err, size_t errlen)
{
    return load_file(path, now, true, err, errlen);
}
