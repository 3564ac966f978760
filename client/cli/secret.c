/* secret.c: the `secret` verb family, az keyvault secret's verbs on libkvclient: set, show, list,
 * list-versions, set-attributes, delete, recover, purge, list-deleted, show-deleted, backup and
 * restore. Each verb's result has the shape az prints for the same command. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

/* What a secret's JSON includes. */
enum {
    SH_VALUE = 1,   /* "value": only `secret show` */
    SH_KID = 2,     /* "kid": bundles (show, set, ...), not list items */
    SH_DELETED = 4, /* deletedDate, recoveryId, scheduledPurgeDate */
};

static void secret_to_json(struct cli_doc *d, cJSON *parent, const struct kv_secret *s,
                           unsigned shape)
{
    cJSON *o = cli_doc_object(d, parent, NULL);

    cli_doc_common_attributes(d, cli_doc_object(d, o, "attributes"), s->created, s->enabled,
                              s->expires, s->not_before, s->recoverable_days, s->recovery_level,
                              s->updated);
    cli_doc_string(d, o, "contentType", s->content_type);
    cli_doc_string(d, o, "id", s->id);
    if (shape & SH_KID)
        cli_doc_string(d, o, "kid", s->kid);
    /* az prints managed as true or null, never false (the SDK leaves it unset). */
    if (s->managed)
        cli_doc_bool(d, o, "managed", 1);
    else
        cli_doc_null(d, o, "managed");
    cli_doc_string(d, o, "name", s->name);
    cli_doc_tags(d, o, s->tags, s->n_tags);
    if (shape & SH_VALUE)
        cli_doc_string(d, o, "value", s->value);
    if (shape & SH_DELETED)
        cli_doc_deleted(d, o, s->deleted_date, s->recovery_id, s->scheduled_purge_date);
}

/* ----- Arguments --------------------------------------------------------------------------- */

static int check_secret_args(struct cli *c)
{
    const struct cli_verb *v = c->verb;
    int st = cli_resolve_object(c, kv_secret_id_parse);

    if (st != KV_OK)
        return st;
    /* set takes exactly one of --value and --file; the verbs that take --file alone (backup,
     * restore) require it. */
    if (cli_verb_takes(c->family, v, O_VALUE) && !!c->seen[O_VALUE] + !!c->seen[O_FILE] != 1)
        return cli_usage_error(c, "give exactly one of --value and --file");
    if (cli_verb_takes(c->family, v, O_FILE) && !cli_verb_takes(c->family, v, O_VALUE) &&
        !c->seen[O_FILE])
        return cli_usage_error(c, "--file is required");
    /* set's --encoding says how --file becomes the value (certificate download's is PEM or DER,
     * checked by its own family). */
    if (c->val[O_ENCODING] && strcmp(c->val[O_ENCODING], "utf-8") &&
        strcmp(c->val[O_ENCODING], "ascii") && strcmp(c->val[O_ENCODING], "base64") &&
        strcmp(c->val[O_ENCODING], "hex"))
        return cli_usage_error(c, "--encoding must be utf-8, ascii, base64 or hex");
    return KV_OK;
}

/* ----- Properties and tags ----------------------------------------------------------------- */

/* Fills props from the flags of set and set-attributes; tags land in *tags (caller frees with
 * cli_free_tags even on failure). */
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
        if ((st = cli_build_tags(c, tags, n_tags)) != KV_OK)
            return st;
        p->tags = *tags;
        p->n_tags = *n_tags;
        p->set_tags = 1;
    }
    return KV_OK;
}

/* az records how a file was encoded in the tag file-encoding, so `az keyvault secret download`
 * can undo it; a file-encoding tag the user gave wins. Returns KV_OK or KV_E_NOMEM. */
static int add_encoding_tag(struct kv_props *p, struct kv_tag **tags, size_t *n_tags,
                            const char *enc)
{
    struct kv_tag *grown;
    size_t k;

    for (k = 0; k < *n_tags && strcmp((*tags)[k].name, "file-encoding"); k++)
        ;
    if (k < *n_tags)
        return KV_OK;
    grown = realloc(*tags, (*n_tags + 1) * sizeof **tags);
    if (!grown)
        return KV_E_NOMEM;
    *tags = grown;
    grown[*n_tags].name = cli_strdup("file-encoding");
    grown[*n_tags].value = cli_strdup(enc);
    (*n_tags)++;
    if (!grown[*n_tags - 1].name || !grown[*n_tags - 1].value)
        return KV_E_NOMEM;
    p->tags = grown;
    p->n_tags = *n_tags;
    p->set_tags = 1;
    return KV_OK;
}

/* Turns the bytes of --file into the secret value per --encoding, as az set does. */
static int encode_file_value(struct cli *c, const char *enc, char *raw, size_t len, char **value)
{
    *value = NULL;
    if (!strcmp(enc, "utf-8") || !strcmp(enc, "ascii")) {
        if (memchr(raw, '\0', len)) {
            cli_warnx("%s holds NUL bytes; use --encoding base64 or hex", c->val[O_FILE]);
            return KV_E_INVALID_ARG;
        }
        for (size_t i = 0; !strcmp(enc, "ascii") && i < len; i++)
            if ((unsigned char)raw[i] >= 0x80) {
                cli_warnx("%s is not ASCII", c->val[O_FILE]);
                return KV_E_INVALID_ARG;
            }
        *value = cli_strndup(raw, len);
    } else if (!strcmp(enc, "base64")) {
        *value = cx_b64_encode((const unsigned char *)raw, len, 0);
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

/* ----- Verbs ------------------------------------------------------------------------------- */

static int run_set(struct cli *c, struct cli_doc *out)
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
        if ((st = cli_read_file(c->val[O_FILE], &raw, &raw_len)) != KV_OK)
            goto out;
        if ((st = encode_file_value(c, enc, raw, raw_len, &value)) != KV_OK)
            goto out;
        if ((st = add_encoding_tag(&props, &tags, &n_tags, enc)) != KV_OK)
            goto out;
    }
    st = kv_secret_set(c->client, c->name, value ? value : c->value, &props, &s, &c->err);
    if (st != KV_OK) {
        cli_fail(c, st);
        goto out;
    }
    /* The value is left out on purpose: only `secret show` prints values. */
    secret_to_json(out, NULL, s, SH_KID);
out:
    cx_wipe_free(raw, raw_len);
    cx_free_wiped(value);
    cli_free_tags(tags, n_tags);
    kv_secret_free(s);
    return st;
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

/* "<time>, in 3d 4h" / "<time>, 5h 2m ago" parts of an expiry message. */
static void when_and_how_long(int64_t t, int64_t delta, char *when, char *dur, size_t len)
{
    cx_time_format(t, CX_TIME_RFC3339_OFFSET, when);
    format_duration(delta, dur, len);
}

/* Warns about (or, with --fail-on-expired, refuses) a secret outside its validity window, or
 * one that expires within --warn-expiry. Key Vault itself still returns such secrets; deciding
 * what to do with them is the client's job (lifecycle management). Returns KV_OK or
 * KV_E_EXPIRED. */
static int check_expiry(struct cli *c, const struct kv_secret *s)
{
    int64_t now = (int64_t)time(NULL);
    char when[CX_TIME_MAX], dur[CX_TIME_MAX], why[128];
    int invalid = 1;

    if (s->not_before && now < s->not_before) {
        when_and_how_long(s->not_before, s->not_before - now, when, dur, sizeof when);
        snprintf(why, sizeof why, "not valid until %s, in %s", when, dur);
    } else if (s->expires && now >= s->expires) {
        when_and_how_long(s->expires, now - s->expires, when, dur, sizeof when);
        snprintf(why, sizeof why, "expired at %s, %s ago", when, dur);
    } else {
        invalid = 0;
        if (s->expires && c->warn_expiry > 0 && s->expires - now <= c->warn_expiry) {
            when_and_how_long(s->expires, s->expires - now, when, dur, sizeof when);
            fprintf(cli_err(), CLI_PROG ": warning: secret '%s' expires at %s (in %s)\n", c->name,
                    when, dur);
        }
    }
    if (!invalid)
        return KV_OK;
    if (c->seen[O_FAIL_ON_EXPIRED]) {
        fprintf(cli_err(), CLI_PROG ": secret show '%s': %s (%s)\n", c->name,
                kv_strerror(KV_E_EXPIRED), why);
        return KV_E_EXPIRED;
    }
    fprintf(cli_err(), CLI_PROG ": warning: secret '%s' is %s\n", c->name, why);
    return KV_OK;
}

static int run_show(struct cli *c, struct cli_doc *out)
{
    struct kv_secret *s = NULL;
    int st;

    st = kv_secret_get(c->client, c->name, c->version, &s, &c->err);
    if (st != KV_OK) {
        cli_fail(c, st);
        goto out;
    }
    if ((st = check_expiry(c, s)) != KV_OK)
        goto out;
    secret_to_json(out, NULL, s, SH_VALUE | SH_KID);
out:
    kv_secret_free(s);
    return st;
}

/* list, list-versions and list-deleted (verb->arg is the kv_list_kind): one pager, az's
 * --maxresults (a cap on the items returned) and az's default of hiding secrets that back
 * certificates in `list`. */
static int run_list(struct cli *c, struct cli_doc *out)
{
    enum kv_list_kind kind = (enum kv_list_kind)c->verb->arg;
    struct kv_pager *p = NULL;
    struct kv_secret *s = NULL;
    cJSON *arr;
    long max = c->maxresults;
    int st, count = 0;

    st = cli_pager_made(c,
                        kv_pager_create(c->client, kind, kind == KV_LIST_VERSIONS ? c->name : NULL,
                                        cli_page_size(c), &p));
    if (st != KV_OK)
        goto out;
    arr = cli_doc_array(out, NULL, NULL);
    while (!max || count < max) {
        st = kv_pager_next(p, &s, &c->err);
        if (st != KV_OK) {
            cli_fail(c, st);
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

static int run_set_attributes(struct cli *c, struct cli_doc *out)
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
        cli_fail(c, st);
        goto out;
    }
    secret_to_json(out, NULL, s, SH_KID);
out:
    cli_free_tags(tags, n_tags);
    kv_secret_free(s);
    return st;
}

/* delete, recover and show-deleted: one name in, one secret out (without its value). */
static int run_name_secret(struct cli *c, struct cli_doc *out,
                           int (*op)(struct kv_client *, const char *, struct kv_secret **,
                                     struct kv_error *),
                           unsigned shape)
{
    struct kv_secret *s = NULL;
    int st = op(c->client, c->name, &s, &c->err);

    if (st != KV_OK)
        cli_fail(c, st);
    else
        secret_to_json(out, NULL, s, shape);
    kv_secret_free(s);
    return st;
}

static int run_delete(struct cli *c, struct cli_doc *out)
{
    return run_name_secret(c, out, kv_secret_delete, SH_KID | SH_DELETED);
}

static int run_recover(struct cli *c, struct cli_doc *out)
{
    return run_name_secret(c, out, kv_secret_recover, SH_KID);
}

static int run_show_deleted(struct cli *c, struct cli_doc *out)
{
    return run_name_secret(c, out, kv_secret_get_deleted, SH_KID | SH_DELETED);
}

static int run_purge(struct cli *c, struct cli_doc *out)
{
    (void)out;
    return cli_run_purge(c, kv_secret_purge);
}

static int run_backup(struct cli *c, struct cli_doc *out)
{
    (void)out;
    return cli_run_backup(c, kv_secret_backup);
}

static int run_restore(struct cli *c, struct cli_doc *out)
{
    char *blob = NULL;
    struct kv_secret *s = NULL;
    int st;

    if ((st = cli_blob_from_file(c, &blob)) != KV_OK)
        goto out;
    if ((st = kv_secret_restore(c->client, blob, &s, &c->err)) == KV_OK)
        secret_to_json(out, NULL, s, SH_KID);
    else
        cli_fail(c, st);
out:
    cx_free_wiped(blob);
    kv_secret_free(s);
    return st;
}

/* ----- The family -------------------------------------------------------------------------- */

#define NAMED (CLI_OPT(O_ID) | CLI_OPT(O_NAME))
#define PROPS                                                                                      \
    (CLI_OPT(O_CONTENT_TYPE) | CLI_OPT(O_TAGS) | CLI_OPT(O_ENABLED) | CLI_OPT(O_EXPIRES) |         \
     CLI_OPT(O_NOT_BEFORE))

static const struct cli_verb secret_verbs[] = {
    {"set", run_set,
     CLI_OPT(O_NAME) | CLI_OPT(O_VALUE) | CLI_OPT(O_FILE) | CLI_OPT(O_ENCODING) | PROPS |
         CLI_OPT(O_DISABLED),
     1, 0, "create a secret or add a new version (prints it without the value)"},
    {"show", run_show,
     NAMED | CLI_OPT(O_VERSION) | CLI_OPT(O_WARN_EXPIRY) | CLI_OPT(O_FAIL_ON_EXPIRED), 1, 0,
     "print a secret with its value"},
    {"list", run_list, CLI_OPT(O_MAXRESULTS) | CLI_OPT(O_INCLUDE_MANAGED), 0, KV_LIST_SECRETS,
     "list the secrets (without values)"},
    {"list-versions", run_list, NAMED | CLI_OPT(O_MAXRESULTS), 1, KV_LIST_VERSIONS,
     "list the versions of a secret"},
    {"set-attributes", run_set_attributes, NAMED | CLI_OPT(O_VERSION) | PROPS, 1, 0,
     "change content type, tags, enabled, expiry or not-before of a version"},
    {"delete", run_delete, NAMED, 1, 0, "delete a secret (soft delete when enabled)"},
    {"recover", run_recover, NAMED, 1, 0, "recover a soft-deleted secret"},
    {"purge", run_purge, NAMED, 1, 0, "permanently delete a soft-deleted secret"},
    {"list-deleted", run_list, CLI_OPT(O_MAXRESULTS), 0, KV_LIST_DELETED,
     "list soft-deleted secrets"},
    {"show-deleted", run_show_deleted, NAMED, 1, 0, "show a soft-deleted secret"},
    {"backup", run_backup, NAMED | CLI_OPT(O_FILE), 1, 0,
     "write a protected backup of a secret to --file"},
    {"restore", run_restore, CLI_OPT(O_FILE), 0, 0, "restore a secret from a backup --file"},
};

const struct cli_family cli_secret_family = {
    "secret",
    secret_verbs,
    sizeof secret_verbs / sizeof secret_verbs[0],
    CLI_OPT(O_VAULT_NAME) | CLI_OPT(O_VAULT_URL) | CLI_OPT(O_DNS_SUFFIX) | CLI_OPT(O_API_VERSION),
    check_secret_args,
};
