/* util.c: the CLI's glue: messages on stderr, the libkvclient client made from the options, and
 * reading a file that may hold a value. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

/* Key Vault refuses values over 25 KiB; a larger cap only stops a wrong --file from eating
 * memory, the service stays the judge of the real limit. */
#define MAX_FILE_BYTES (4u << 20)

/* ----- Messages ---------------------------------------------------------------------------- */

static FILE *err_stream;

FILE *cli_err(void)
{
    return err_stream ? err_stream : stderr;
}

void cli_set_err(FILE *f)
{
    err_stream = f;
}

void cli_vmessage(const char *fmt, va_list ap)
{
    fputs(CLI_PROG ": ", cli_err());
    vfprintf(cli_err(), fmt, ap);
}

void cli_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(fmt, ap);
    va_end(ap);
    fputc('\n', cli_err());
}

void cli_put_clean(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

void cli_report(const char *what, int st, const struct kv_error *e)
{
    FILE *f = cli_err();

    fprintf(f, CLI_PROG ": %s: %s", what, kv_strerror(st));
    if (e->http_status) {
        fprintf(f, " (HTTP %ld", e->http_status);
        if (e->code[0]) {
            fputc(' ', f);
            cli_put_clean(f, e->code);
        }
        if (e->inner_code[0]) {
            fputc('/', f);
            cli_put_clean(f, e->inner_code);
        }
        if (e->message[0]) {
            fputs(": ", f);
            cli_put_clean(f, e->message);
        }
        if (e->request_id[0]) {
            fputs(", request id ", f);
            cli_put_clean(f, e->request_id);
        }
        if (e->attempts > 1)
            fprintf(f, ", %d attempts", e->attempts);
        fputc(')', f);
    } else if (e->message[0]) {
        fputs(" (", f);
        cli_put_clean(f, e->message);
        fputc(')', f);
    }
    fputc('\n', f);
}

int cli_fail(struct cli *c, int st)
{
    char what[320];

    if (c->name)
        snprintf(what, sizeof what, "%s %s '%s'", c->family->group, c->verb->name, c->name);
    else
        snprintf(what, sizeof what, "%s %s", c->family->group, c->verb->name);
    cli_report(what, st, &c->err);
    return st;
}

/* ----- The client -------------------------------------------------------------------------- */

/* -v: the library has already masked tokens, secrets and values in the line. */
static void trace_line(void *ctx, const char *line)
{
    FILE *f = cli_err();

    (void)ctx;
    fputs(CLI_PROG ": * ", f);
    cli_put_clean(f, line);
    fputc('\n', f);
}

int cli_make_client(struct cli *c)
{
    struct kv_options o;
    struct kv_credential *cred = NULL;
    int st;

    kv_options_init(&o);
    o.vault_url = c->vault_url ? c->vault_url : "https://" CLI_DEFAULT_DNS_SUFFIX;
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
        cli_report(c->seen[O_IDENTITY] ? "managed identity" : "credential from the environment", st,
                   &c->err);
        return st;
    }
    if (c->seen[O_VERBOSE])
        fprintf(cli_err(), CLI_PROG ": * credential: %s\n", kv_credential_kind(cred));
    st = kv_client_create(&o, cred, &c->client, &c->err);
    if (st != KV_OK)
        cli_report("cannot create the client", st, &c->err);
    return st;
}

/* ----- Files and strings ------------------------------------------------------------------- */

/* Doubles buf's capacity by copying, so no stale copy of the contents is left in freed memory.
 * Returns KV_OK, KV_E_IO (over the cap, after saying so) or KV_E_NOMEM. */
static int grow(const char *path, char **buf, size_t n, size_t *cap)
{
    char *nb;

    if (*cap >= MAX_FILE_BYTES) {
        cli_warnx("cannot read %s: larger than %u bytes", path, MAX_FILE_BYTES);
        return KV_E_IO;
    }
    nb = malloc(*cap * 2);
    if (!nb)
        return KV_E_NOMEM;
    memcpy(nb, *buf, n);
    cx_wipe(*buf, n);
    free(*buf);
    *buf = nb;
    *cap *= 2;
    return KV_OK;
}

int cli_read_file(const char *path, char **out, size_t *len)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    size_t cap = 4096, n = 0;
    char *buf = NULL;
    int st = KV_E_IO;

    *out = NULL;
    if (fd < 0) {
        cli_warnx("cannot read %s: %s", path, strerror(errno));
        return KV_E_IO;
    }
    buf = malloc(cap);
    if (!buf) {
        st = KV_E_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r;
        if (cap - n < 2 && (st = grow(path, &buf, n, &cap)) != KV_OK)
            goto out;
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = KV_E_IO;
            cli_warnx("cannot read %s: %s", path, strerror(errno));
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
        cx_wipe(buf, n);
        free(buf);
    }
    if (fd != STDIN_FILENO)
        close(fd);
    return st;
}

char *cli_strdup(const char *s)
{
    return cli_strndup(s, strlen(s));
}

char *cli_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ----- What the object families share ----------------------------------------------------- */

int cli_resolve_object(struct cli *c,
                       int (*parse)(const char *, char **, char **, char **, struct kv_error *))
{
    struct kv_error e;
    int st;

    if (c->seen[O_ID]) {
        if (c->seen[O_VAULT_NAME] || c->seen[O_VAULT_URL] || c->seen[O_NAME] || c->seen[O_VERSION])
            return cli_usage_error(c, "--id replaces --vault-name, --vault-url, --name and "
                                      "--version");
        st = parse(c->val[O_ID], &c->vault_url, &c->id_name, &c->id_version, &e);
        if (st == KV_E_INVALID_ARG)
            return cli_usage_error(c, "--id %s", e.message);
        c->name = c->id_name;
        c->version = c->id_version;
    } else {
        st = cli_resolve_vault(c);
    }
    if (st != KV_OK)
        return st;
    if (c->verb->needs_name && (!c->name || !*c->name))
        return cli_usage_error(c, "--name is required");
    if (c->val[O_VALUE]) {
        /* Blank the value in argv, so /proc/PID/cmdline stops showing it for the rest of the
         * run. It was visible until now, which is why --help recommends --file. */
        size_t len = strlen(c->val[O_VALUE]);
        c->value = cli_strndup(c->val[O_VALUE], len);
        if (!c->value)
            return KV_E_NOMEM;
        memset((char *)c->val[O_VALUE], 'x', len);
    }
    return KV_OK;
}

const char *cli_list_word(const struct cli *c, enum cli_opt id, int first, int n, int i)
{
    /* One word given inline (--tags=a=b) is the option's value itself. */
    return n == 1 && c->val[id] ? c->val[id] : c->argv[first + i];
}

void cli_free_tags(struct kv_tag *tags, size_t n)
{
    for (size_t i = 0; tags && i < n; i++) {
        free(tags[i].name);
        free(tags[i].value);
    }
    free(tags);
}

int cli_build_tags(struct cli *c, struct kv_tag **out, size_t *n_out)
{
    struct kv_tag *tags = calloc((size_t)c->n_tag_words + 2, sizeof *tags);
    size_t n = 0;

    *out = tags;
    *n_out = 0;
    if (!tags)
        return KV_E_NOMEM;
    for (int i = 0; i < c->n_tag_words; i++) {
        const char *w = cli_list_word(c, O_TAGS, c->tags_first, c->n_tag_words, i);
        const char *eq = strchr(w, '=');
        if (!*w)
            continue;
        tags[n].name = eq ? cli_strndup(w, (size_t)(eq - w)) : cli_strdup(w);
        tags[n].value = cli_strdup(eq ? eq + 1 : "");
        *n_out = ++n;
        if (!tags[n - 1].name || !tags[n - 1].value)
            return KV_E_NOMEM;
        if (!*tags[n - 1].name)
            return cli_usage_error(c, "--tags: a tag needs a name before '='");
    }
    return KV_OK;
}

int cli_write_private_file(const char *path, const unsigned char *bytes, size_t n)
{
    size_t off = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), st = KV_E_IO;

    if (fd < 0)
        goto out;
    while (off < n) {
        ssize_t w = write(fd, bytes + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            goto out;
        off += (size_t)w;
    }
    st = close(fd) == 0 ? KV_OK : KV_E_IO;
    fd = -1;
out:
    if (st != KV_OK)
        cli_warnx("cannot write %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return st;
}

int cli_backup_to_file(struct cli *c, const char *blob)
{
    size_t len = 0;
    unsigned char *bytes = cx_b64url_decode(blob, strlen(blob), &len);
    int st;

    if (!bytes) {
        cli_warnx("%s backup '%s': the backup blob is not base64url", c->family->group, c->name);
        return KV_E_PROTOCOL;
    }
    /* Mode 0600: the blob is what restores the object. */
    st = cli_write_private_file(c->val[O_FILE], bytes, len);
    cx_wipe_free(bytes, len);
    return st;
}

int cli_blob_from_file(struct cli *c, char **blob)
{
    char *raw = NULL;
    size_t len = 0;
    int st;

    *blob = NULL;
    if ((st = cli_read_file(c->val[O_FILE], &raw, &len)) != KV_OK)
        return st;
    *blob = cx_b64url_encode((const unsigned char *)raw, len);
    cx_wipe_free(raw, len);
    return *blob ? KV_OK : KV_E_NOMEM;
}

void cli_doc_common_attributes(struct cli_doc *d, cJSON *a, int64_t created, int enabled,
                               int64_t expires, int64_t not_before, int recoverable_days,
                               const char *recovery_level, int64_t updated)
{
    cli_doc_time(d, a, "created", created);
    cli_doc_bool(d, a, "enabled", enabled != 0);
    cli_doc_time(d, a, "expires", expires);
    cli_doc_time(d, a, "notBefore", not_before);
    if (recoverable_days)
        cli_doc_int(d, a, "recoverableDays", recoverable_days);
    else
        cli_doc_null(d, a, "recoverableDays");
    cli_doc_string(d, a, "recoveryLevel", recovery_level);
    cli_doc_time(d, a, "updated", updated);
}

void cli_doc_tags(struct cli_doc *d, cJSON *o, const struct kv_tag *tags, size_t n)
{
    if (!n) {
        cli_doc_null(d, o, "tags");
        return;
    }
    cJSON *t = cli_doc_object(d, o, "tags");
    for (size_t i = 0; i < n; i++)
        cli_doc_string(d, t, tags[i].name, tags[i].value ? tags[i].value : "");
}

void cli_doc_deleted(struct cli_doc *d, cJSON *o, int64_t deleted, const char *recovery_id,
                     int64_t purge)
{
    cli_doc_time(d, o, "deletedDate", deleted);
    cli_doc_string(d, o, "recoveryId", recovery_id);
    cli_doc_time(d, o, "scheduledPurgeDate", purge);
}

int cli_page_size(const struct cli *c)
{
    return c->maxresults > 0 && c->maxresults < 25 ? (int)c->maxresults : 0;
}

int cli_pager_made(struct cli *c, int st)
{
    if (st != KV_OK) {
        /* The pager is made without a request: there is no server error to show. */
        memset(&c->err, 0, sizeof c->err);
        cli_fail(c, st);
    }
    return st;
}
