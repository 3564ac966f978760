/* cli.h: the internals of the kvclient command-line tool, shared by the files of client/cli/ and
 * by its unit tests (test-cli-unit.c). The tool uses only libkvclient's public header, the way
 * curl's src/ uses only libcurl's API.
 *
 * Shape of the program (curl's tool_*.c, libgit2's cmd_*.c):
 *   main.c      dispatch: parse, check, create the client, run the verb, print
 *   options.c   the option table, argument parsing and checks
 *   help.c      --help text
 *   secret.c    the `secret` verbs; key.c the `key` verbs; token.c the `token` verb;
 *               certificate.c (with certificate-meta.c) the `certificate` verbs: one file per
 *               verb family
 *   output.c    the result document (cJSON) and the json, tsv, table and none formats
 *   query.c     the --query subset of JMESPath
 *   util.c      messages on stderr, the library client, reading files
 *
 * Adding a verb family (keys, certificates): one file defining a struct cli_family with its
 * verbs, and one entry in the families table of main.c. Options a family needs beyond the existing
 * ones go into the option table.
 *
 * Secret hygiene: a value is put in the output document only by `secret show`, whose purpose is
 * to print it, an access token only by `token get`, a plaintext only by `key decrypt` and a
 * signature or ciphertext only by `key sign` and `key encrypt`. Private key material is never
 * printed (the service never returns it). Nothing that reaches stderr (errors,
 * warnings, -v traces) ever contains a value, a token or a client secret: argument values are
 * never echoed in usage errors, and the library masks them in its traces and messages. Memory
 * that held a value (file contents, the output document, stdout's buffer) is wiped before
 * release. */
#ifndef KVCLI_CLI_H
#define KVCLI_CLI_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kvclient.h"

#define CLI_PROG "kvclient"
#define CLI_DEFAULT_DNS_SUFFIX "vault.azure.net"
#define CLI_DEFAULT_SCOPE "https://vault.azure.net/.default"
#define CLI_MAX_QUERY_SEGS 8

#if defined(__GNUC__)
#define CLI_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF_LIKE(f, a)
#endif

/* ----- output.c: the result document and its formats ----------------------------------------- */

/* A verb's result: built once, then narrowed by --query and printed in any format. Every string
 * in it is wiped when it is freed: the document of `secret show` holds the value, that of
 * `token get` a token. */
struct cli_doc {
    cJSON *root; /* NULL when the verb prints nothing */
    int nomem;   /* sticky: some node could not be allocated */
};

/* Builders: each adds a member named key to the object parent, an element to the array parent,
 * or (parent NULL) the root when the document has none. After an allocation failure they set
 * d->nomem and do nothing more, so a builder runs to its end and the caller checks d->nomem once.
 * The container builders return the new node, or NULL after a failure. */
cJSON *cli_doc_object(struct cli_doc *d, cJSON *parent, const char *key);
cJSON *cli_doc_array(struct cli_doc *d, cJSON *parent, const char *key);
/* A string, or null when s is NULL. */
void cli_doc_string(struct cli_doc *d, cJSON *parent, const char *key, const char *s);
void cli_doc_int(struct cli_doc *d, cJSON *parent, const char *key, int64_t v);
void cli_doc_bool(struct cli_doc *d, cJSON *parent, const char *key, int v);
void cli_doc_null(struct cli_doc *d, cJSON *parent, const char *key);
/* An instant as az prints it ("2026-12-31T00:00:00+00:00"), or null for 0 (the library's
 * "absent"). */
void cli_doc_time(struct cli_doc *d, cJSON *parent, const char *key, int64_t t);
/* Wipes every string and frees the tree; the document is empty afterwards. */
void cli_doc_free(struct cli_doc *d);

/* Orders the members of every object in the tree by key (strcmp), as az prints them
 * (json.dumps(sort_keys=True)). Accepts NULL. */
void cli_json_sort_keys(cJSON *item);

enum cli_format { CLI_OUT_JSON, CLI_OUT_TSV, CLI_OUT_TABLE, CLI_OUT_NONE };

/* "json", "tsv", "table" or "none". Returns 0, or -1 for any other name. */
int cli_format_parse(const char *name, enum cli_format *out);
/* Renders a result in az's format. A NULL or null result prints nothing, as az does. Returns
 * KV_OK or KV_E_NOMEM. */
int cli_output_print(FILE *f, const cJSON *root, enum cli_format fmt);

/* ----- query.c: --query ---------------------------------------------------------------------- */

enum cli_qkind { CLI_Q_KEY, CLI_Q_ALL, CLI_Q_INDEX };

struct cli_qseg {
    enum cli_qkind kind;
    char key[64]; /* CLI_Q_KEY */
    long index;   /* CLI_Q_INDEX */
};

struct cli_query {
    struct cli_qseg segs[CLI_MAX_QUERY_SEGS];
    size_t n; /* 0 = no query */
};

/* Parses the supported subset (member paths, [N] indexes, [] and [*] projections). Returns 0, or
 * -1 for anything else (q->n is then meaningless). */
int cli_query_parse(const char *text, struct cli_query *q);
/* Evaluates q on root with JMESPath's semantics for the subset: a missing member is null, and
 * projections drop null results. *result is the part to print (NULL = nothing); it points into
 * root or into *view. *view holds the arrays the projections built, whose elements refer to
 * root's nodes without copying them: free it with cJSON_Delete() (no wiping needed) before or
 * after root; it is NULL when no projection ran. Returns KV_OK or KV_E_NOMEM (then both are
 * NULL). */
int cli_query_eval(const cJSON *root, const struct cli_query *q, const cJSON **result,
                   cJSON **view);

/* ----- options.c: options, commands, parsing ----------------------------------------------- */

enum cli_opt {
    O_VAULT_NAME,
    O_VAULT_URL,
    O_DNS_SUFFIX,
    O_ID,
    O_NAME,
    O_VERSION,
    O_VALUE,
    O_FILE,
    O_ENCODING,
    O_CONTENT_TYPE,
    O_TAGS,
    O_ENABLED,
    O_DISABLED,
    O_EXPIRES,
    O_NOT_BEFORE,
    O_MAXRESULTS,
    O_KTY,
    O_SIZE,
    O_CURVE,
    O_OPS,
    O_PROTECTION,
    O_PEM_FILE,
    O_ALGORITHM,
    O_DIGEST,
    O_SIGNATURE,
    O_DATA_TYPE,
    O_INCLUDE_MANAGED,
    O_WARN_EXPIRY,
    O_FAIL_ON_EXPIRED,
    O_SCOPE,
    O_RESOURCE,
    O_CA_FILE,
    O_NO_VERIFY,
    O_MAX_RETRIES,
    O_TIMEOUT,
    O_API_VERSION,
    O_IDENTITY,
    O_CLIENT_ID,
    O_POLICY,
    O_PASSWORD,
    O_INCLUDE_PENDING,
    O_VALIDITY,
    O_ISSUER_NAME,
    O_PROVIDER,
    O_ACCOUNT_ID,
    O_ORG_ID,
    O_EMAIL,
    O_PHONE,
    O_OUTPUT,
    O_QUERY,
    O_VERBOSE,
    O_HELP,
    O__COUNT
};

/* The bit of an option in a verb's or a family's option set. */
#define CLI_OPT(id) (UINT64_C(1) << (id))

struct cli_opt_def {
    enum cli_opt id;
    const char *name;  /* long name without "--" */
    const char *alias; /* second long name (az spells some two ways), or NULL */
    char short_name;   /* or 0 */
    const char *arg;   /* argument placeholder for --help; NULL for flags */
    int every_verb;    /* 1: every command takes it ("Options for every command") */
    const char *help;
};

extern const struct cli_opt_def cli_opts[];
extern const size_t cli_n_opts;

struct cli;
struct cli_verb;

/* Runs a verb with c->client ready; adds its result to out (nothing for verbs that print
 * nothing). Reports its own failures on stderr and returns the kv_status of the first. */
typedef int (*cli_run_fn)(struct cli *c, struct cli_doc *out);

struct cli_verb {
    const char *name; /* one word, or two ("rotation-policy show") for a sub-group's verbs */
    cli_run_fn run;
    uint64_t opts;  /* CLI_OPT bits of its own options, beyond the family's and every_verb */
    int needs_name; /* --name (or --id) is required */
    int arg;        /* a number for run (list: which list) */
    const char *summary;
};

/* needs_name of a verb that makes no request (certificate get-default-policy): no vault, no
 * client and no credential are set up for it. */
#define CLI_OFFLINE (-1)

struct cli_family {
    const char *group; /* the first word on the command line */
    const struct cli_verb *verbs;
    size_t n_verbs;
    uint64_t opts; /* CLI_OPT bits of the options all its verbs take (the vault's) */
    /* The family's own argument rules (identifiers, required options), run by cli_check_args
     * after the output and query checks; NULL = none. Returns KV_OK, KV_E_USAGE (after
     * cli_usage_error) or KV_E_NOMEM. */
    int (*check)(struct cli *c);
};

extern const struct cli_family cli_secret_family;
extern const struct cli_family cli_key_family;
extern const struct cli_family cli_token_family;
extern const struct cli_family cli_certificate_family;

/* Everything the command line said, plus what was derived from it. Zero it before
 * cli_parse_args; free what it owns with cli_free. */
struct cli {
    /* The command families in the order --help lists them, NULL-terminated: main.c's table (the
     * one place that names every family), set before cli_parse_args. */
    const struct cli_family *const *families;
    char **argv;
    const struct cli_family *family; /* named on the command line (also for group help) */
    const struct cli_verb *verb;
    const char *val[O__COUNT]; /* last value given per option (borrowed from argv) */
    int seen[O__COUNT];
    int tags_first, n_tag_words; /* --tags words: argv[tags_first .. +n_tag_words) */
    int ops_first, n_ops_words;  /* --ops words, likewise */
    int want_version;            /* --version with no verb */
    enum cli_format fmt;
    struct cli_query query;
    char *vault_url;             /* owned */
    char *id_name, *id_version;  /* owned, from --id */
    char *value;                 /* owned copy of --value, wiped by cli_free */
    char *password;              /* owned copy of --password, wiped by cli_free */
    const char *name, *version;  /* borrowed: argv or id_* */
    int enabled;                 /* -1 = not given, else 0 or 1 (--enabled / --disabled) */
    int64_t expires, not_before; /* 0 = not given */
    long maxresults;             /* 0 = all */
    int64_t warn_expiry;         /* seconds; 0 = no early warning */
    long max_retries;            /* -1 = the library's default */
    long timeout_s;              /* 0 = the library's default */
    struct kv_client *client;
    struct kv_error err;
};

/* Does verb v of family f take option id? */
int cli_verb_takes(const struct cli_family *f, const struct cli_verb *v, enum cli_opt id);

/* Parses argv into c (which must be zeroed). Returns KV_OK or KV_E_USAGE (after printing why).
 * On KV_OK either help or the version was asked for (c->seen[O_HELP], c->want_version), or
 * c->verb is set and its options are all ones it takes. Option values are never echoed: one of
 * them might be a secret. */
int cli_parse_args(struct cli *c, int argc, char **argv);
/* Checks the option values that do not need the library and derives vault URL, name, output
 * format and query; blanks --value in argv. Returns KV_OK, KV_E_USAGE or KV_E_NOMEM. */
int cli_check_args(struct cli *c);
/* Frees what c owns (the client too) and wipes the copy of --value. Accepts NULL. */
void cli_free(struct cli *c);

/* Prints "kvclient: <message>" and the hint to --help for the command on stderr; returns
 * KV_E_USAGE. */
int cli_usage_error(const struct cli *c, const char *fmt, ...) CLI_PRINTF_LIKE(2, 3);
/* For families with a vault: the vault URL from --vault-url, or from --vault-name and the DNS
 * suffix, into c->vault_url; name and version from --name and --version. Returns KV_OK,
 * KV_E_USAGE or KV_E_NOMEM. */
int cli_resolve_vault(struct cli *c);

/* ----- certificate-meta.c: policies, contacts, issuers -------------------------------------- */

/* A policy given as az prints it (camelCase: keyProperties, x509CertificateProperties, ...) or
 * in the service's own snake_case shape, as compact JSON in the service's shape (null members
 * dropped); *out: caller frees. KV_OK, KV_E_USAGE (after saying why; the text is not echoed) or
 * KV_E_NOMEM. */
int cli_policy_to_wire(struct cli *c, const char *text, char **out);
/* The policy JSON of the service as az prints it into the object parent under key (times as
 * ISO 8601). */
void cli_doc_policy(struct cli_doc *d, cJSON *parent, const char *key, const char *wire_json);
/* The --policy value: the JSON itself, or "@PATH" for a file (az's convention), converted with
 * cli_policy_to_wire. */
int cli_policy_option(struct cli *c, char **out);
/* The contact and issuer verbs. */
int cli_cert_contact_add(struct cli *c, struct cli_doc *out);
int cli_cert_contact_list(struct cli *c, struct cli_doc *out);
int cli_cert_contact_delete(struct cli *c, struct cli_doc *out);
int cli_cert_issuer_write(struct cli *c, struct cli_doc *out);
int cli_cert_issuer_show(struct cli *c, struct cli_doc *out);
int cli_cert_issuer_list(struct cli *c, struct cli_doc *out);
int cli_cert_issuer_delete(struct cli *c, struct cli_doc *out);
/* get-default-policy: az's default policy, offline. */
int cli_cert_default_policy(struct cli *c, struct cli_doc *out);

/* ----- help.c ------------------------------------------------------------------------------ */

/* The program's help, or only one family's verbs when family is not NULL. */
void cli_help_global(FILE *f, const struct cli_family *const *families,
                     const struct cli_family *family);
void cli_help_verb(FILE *f, const struct cli_family *family, const struct cli_verb *v);

/* ----- util.c: messages, the client, files ------------------------------------------------- */

/* Where messages go: stderr unless a test sets another stream (NULL restores stderr). */
FILE *cli_err(void);
void cli_set_err(FILE *f);

/* "kvclient: <message>" on cli_err(), without a newline. */
void cli_vmessage(const char *fmt, va_list ap) CLI_PRINTF_LIKE(1, 0);
/* "kvclient: <message>\n" on cli_err(). */
void cli_warnx(const char *fmt, ...) CLI_PRINTF_LIKE(1, 2);
/* Writes text from the server or the library with control characters replaced, so a hostile
 * error message cannot rewrite the user's terminal. */
void cli_put_clean(FILE *f, const char *s);
/* Prints "kvclient: <what>: <kv_strerror> (HTTP 403 Forbidden/SecretDisabled: <message>,
 * request id ...)" from a failed call's kv_error. */
void cli_report(const char *what, int st, const struct kv_error *e);
/* Reports a failed operation of the current verb on c->name ("secret show 'db-password'") from
 * c->err; returns st. */
int cli_fail(struct cli *c, int st);
/* Creates c->client from the options and the credential they name. Returns a kv_status, after
 * reporting a failure. */
int cli_make_client(struct cli *c);
/* Reads a whole file (or stdin for "-") into a NUL-terminated buffer of *len bytes; the caller
 * wipes and frees it (it may hold a value). Returns KV_OK, KV_E_IO (after saying why) or
 * KV_E_NOMEM. */
int cli_read_file(const char *path, char **out, size_t *len);
/* The family check's common part for secret and key: --id (split by parse, a kv_*_id_parse)
 * instead of the vault, name and version options, or those options; then --name when the verb
 * needs one; and --value copied to c->value and blanked in argv. Returns KV_OK, KV_E_USAGE or
 * KV_E_NOMEM. */
int cli_resolve_object(struct cli *c,
                       int (*parse)(const char *, char **, char **, char **, struct kv_error *));
/* The words of a space-separated list option (--tags, --ops): first and count as parsed. */
const char *cli_list_word(const struct cli *c, enum cli_opt id, int first, int n, int i);
/* The --tags words as kv_tags ("k=v"; "k" alone has an empty value; "" adds nothing, so
 * `--tags ""` clears the tags), with room for one more. Caller frees with cli_free_tags(). */
int cli_build_tags(struct cli *c, struct kv_tag **out, size_t *n_out);
void cli_free_tags(struct kv_tag *tags, size_t n);
/* Writes n bytes to a new file of mode 0600. Returns KV_OK or KV_E_IO (after saying why). */
int cli_write_private_file(const char *path, const unsigned char *bytes, size_t n);
/* backup: writes a blob (base64url text from the service) to --file as az does: the raw bytes
 * behind it, so backup files move between kvclient and az. restore: *blob is the file's bytes
 * as base64url (caller frees with cx_free_wiped). Return a kv_status after reporting. */
int cli_backup_to_file(struct cli *c, const char *blob);
int cli_blob_from_file(struct cli *c, char **blob);
/* The purge and backup verbs of every family (secret, key, certificate): the family's library call
 * on --name, then nothing printed (purge) or the blob written to --file (backup). */
int cli_run_purge(struct cli *c, int (*purge)(struct kv_client *, const char *, struct kv_error *));
int cli_run_backup(struct cli *c,
                   int (*backup)(struct kv_client *, const char *, char **, struct kv_error *));
/* The attributes every object has, as az prints them (created, enabled, expires, notBefore,
 * recoverableDays, recoveryLevel, updated), into the object a. */
void cli_doc_common_attributes(struct cli_doc *d, cJSON *a, int64_t created, int enabled,
                               int64_t expires, int64_t not_before, int recoverable_days,
                               const char *recovery_level, int64_t updated);
/* tags as an object, or null when there are none (az prints null). */
void cli_doc_tags(struct cli_doc *d, cJSON *o, const struct kv_tag *tags, size_t n);
/* The deleted-object members (deletedDate, recoveryId, scheduledPurgeDate). */
void cli_doc_deleted(struct cli_doc *d, cJSON *o, int64_t deleted, const char *recovery_id,
                     int64_t purge);

/* The page size hint for --maxresults (the service takes 1 to 25; 0 = its default). */
int cli_page_size(const struct cli *c);
/* Reports a failed kv_*pager_create (st); returns st. */
int cli_pager_made(struct cli *c, int st);

/* strdup / strndup that return NULL on allocation failure. */
char *cli_strdup(const char *s);
char *cli_strndup(const char *s, size_t n);

#endif
