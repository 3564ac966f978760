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
