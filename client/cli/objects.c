/* objects.c: what the object families' verbs (secret.c, key.c) share: --id or vault and name,
 * tags, backup files and the attributes every object prints. It sits above options.c (usage
 * errors, the vault) and util.c, which is why it is not part of util.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

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

int cli_run_purge(struct cli *c, int (*purge)(struct kv_client *, const char *, struct kv_error *))
{
    int st = purge(c->client, c->name, &c->err);

    return st != KV_OK ? cli_fail(c, st) : st;
}

int cli_run_backup(struct cli *c,
                   int (*backup)(struct kv_client *, const char *, char **, struct kv_error *))
{
    char *blob = NULL;
    int st = backup(c->client, c->name, &blob, &c->err);

    st = st != KV_OK ? cli_fail(c, st) : cli_backup_to_file(c, blob);
    kv_free_secret(blob);
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
