/* options.c: the option table, the command table and the parsing of argv against them, then the
 * checks of option values that need no library call. Family-specific rules (identifiers, which
 * options a verb requires) live in each family's check function. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

#define DEFAULT_WARN_EXPIRY (30 * 86400LL)

/* The command families, in the order --help lists them. A new family is one entry here. */
const struct cli_opt_def cli_opts[] = {
    {O_VAULT_NAME, "vault-name", NULL, 0, "NAME", 0, "vault name: https://NAME.<dns suffix>"},
    {O_VAULT_URL, "vault-url", NULL, 0, "URL", 0, "vault URL, instead of --vault-name"},
    {O_DNS_SUFFIX, "vault-dns-suffix", NULL, 0, "SUFFIX", 0,
     "DNS suffix for --vault-name (default $KVCLIENT_VAULT_DNS_SUFFIX or " CLI_DEFAULT_DNS_SUFFIX
     ")"},
    {O_ID, "id", NULL, 0, "URL", 0,
     "secret id https://VAULT/secrets/NAME[/VERSION] (or /deletedsecrets/NAME), key id "
     "https://VAULT/keys/NAME[/VERSION] or certificate id https://VAULT/certificates/NAME"
     "[/VERSION], instead of --vault-*, --name and --version"},
    {O_NAME, "name", NULL, 'n', "NAME", 0,
     "secret, key or certificate name (certificate contact add: the contact's name)"},
    {O_VERSION, "version", NULL, 0, "VERSION", 0,
     "secret, key or certificate version (default: the latest)"},
    {O_VALUE, "value", NULL, 0, "VALUE", 0,
     "secret set: the value (briefly visible to other users in ps; prefer --file); key "
     "encrypt/decrypt: the data (base64 unless --data-type plaintext); rotation-policy update: "
     "the policy JSON"},
    {O_FILE, "file", NULL, 'f', "PATH", 0,
     "set: read the value from PATH (- = stdin); backup: write the blob to PATH; restore: read "
     "it; rotation-policy update: read the policy JSON; certificate import: the PFX or PEM; "
     "certificate download: where to write; pending merge: the signed certificate (PEM or DER)"},
    {O_ENCODING, "encoding", NULL, 'e', "ENC", 0,
     "how --file is turned into the value: utf-8 (default), ascii, base64 or hex; set adds the "
     "tag file-encoding=ENC like az; certificate download: PEM (default) or DER"},
    {O_CONTENT_TYPE, "content-type", "description", 0, "TYPE", 0, "content type, e.g. text/plain"},
    {O_TAGS, "tags", NULL, 0, "K=V...", 0,
     "space-separated tags (az style); --tags \"\" clears them"},
    {O_ENABLED, "enabled", NULL, 0, "BOOL", 0, "true or false"},
    {O_DISABLED, "disabled", NULL, 0, "BOOL", 0, "true or false (az's spelling for set)"},
    {O_EXPIRES, "expires", NULL, 0, "TIME", 0,
     "expiry, UTC ISO 8601 (2026-12-31T00:00:00Z or 2026-12-31)"},
    {O_NOT_BEFORE, "not-before", NULL, 0, "TIME", 0, "start of validity, UTC ISO 8601"},
    {O_MAXRESULTS, "maxresults", NULL, 0, "N", 0, "return at most N items"},
    {O_KTY, "kty", NULL, 0, "TYPE", 0, "key type: RSA (default), RSA-HSM, EC or EC-HSM"},
    {O_SIZE, "size", NULL, 0, "BITS", 0, "RSA key size: 2048, 3072 or 4096"},
    {O_CURVE, "curve", NULL, 0, "CURVE", 0, "EC curve: P-256, P-256K, P-384 or P-521"},
    {O_OPS, "ops", NULL, 0, "OP...", 0,
     "space-separated permitted operations: encrypt decrypt sign verify wrapKey unwrapKey"},
    {O_PROTECTION, "protection", NULL, 'p', "KIND", 0,
     "software or hsm (hsm makes RSA RSA-HSM and EC EC-HSM)"},
    {O_PEM_FILE, "pem-file", NULL, 0, "PATH", 0,
     "unencrypted PEM private key (RSA, or EC on P-256, P-384, P-521) to import"},
    {O_ALGORITHM, "algorithm", NULL, 'a', "ALG", 0,
     "RSA-OAEP, RSA-OAEP-256, RSA1_5 (encrypt, decrypt); RS256, PS256, ES256, ... (sign, verify)"},
    {O_DIGEST, "digest", NULL, 0, "BASE64", 0, "the digest to sign or verify, base64"},
    {O_SIGNATURE, "signature", NULL, 0, "BASE64", 0, "the signature to verify, base64"},
    {O_DATA_TYPE, "data-type", NULL, 0, "TYPE", 0,
     "base64 (default) or plaintext: how --value (encrypt) and the result (decrypt) are given"},
    {O_INCLUDE_MANAGED, "include-managed", NULL, 0, NULL, 0,
     "also list secrets that back certificates"},
    {O_WARN_EXPIRY, "warn-expiry", NULL, 0, "DURATION", 0,
     "warn when the secret expires within DURATION (Ns, Nm, Nh, Nd; default 30d; 0 = off)"},
    {O_FAIL_ON_EXPIRED, "fail-on-expired", NULL, 0, NULL, 0,
     "an expired or not yet valid secret is an error (exit 22), its value is not printed"},
    {O_SCOPE, "scope", NULL, 0, "SCOPE", 0, "token scope (default " CLI_DEFAULT_SCOPE ")"},
    {O_RESOURCE, "resource", NULL, 0, "URI", 0, "resource; the scope is URI/.default"},
    {O_CA_FILE, "ca-file", NULL, 0, "PEM", 1,
     "CA bundle to trust (default $SSL_CERT_FILE, else the system store)"},
    {O_NO_VERIFY, "no-verify-challenge", NULL, 0, NULL, 1,
     "accept a challenge resource that is not a parent domain of the vault host"},
    {O_MAX_RETRIES, "max-retries", NULL, 0, "N", 1, "retries after the first attempt (default 4)"},
    {O_TIMEOUT, "timeout", NULL, 0, "SECONDS", 1,
     "overall deadline per operation, retries included"},
    {O_API_VERSION, "api-version", NULL, 0, "VER", 0, "Key Vault api-version (default 7.5)"},
    {O_IDENTITY, "identity", NULL, 0, NULL, 1,
     "use the managed identity instead of the environment chain"},
    {O_CLIENT_ID, "client-id", NULL, 0, "ID", 1,
     "with --identity: a user-assigned identity's client id"},
    {O_POLICY, "policy", NULL, 0, "JSON|@PATH", 0,
     "certificate policy as JSON (az's camelCase or the service's snake_case), or @PATH to read "
     "it from a file (see `certificate get-default-policy`)"},
    {O_PASSWORD, "password", NULL, 0, "PASSWORD", 0,
     "certificate import: the PFX's password; issuer: the account password (never printed)"},
    {O_INCLUDE_PENDING, "include-pending", NULL, 0, NULL, 0,
     "also list certificates whose first version is still pending"},
    {O_VALIDITY, "validity", NULL, 0, "MONTHS", 0,
     "certificate create: validity in months, overriding the policy's"},
    {O_ISSUER_NAME, "issuer-name", NULL, 0, "NAME", 0, "certificate issuer name"},
    {O_PROVIDER, "provider-name", NULL, 0, "PROVIDER", 0,
     "certificate issuer provider (DigiCert, GlobalSign, Test, ...)"},
    {O_ACCOUNT_ID, "account-id", NULL, 0, "ID", 0, "certificate issuer account id"},
    {O_ORG_ID, "organization-id", NULL, 0, "ID", 0, "certificate issuer organization id"},
    {O_EMAIL, "email", NULL, 0, "EMAIL", 0, "certificate contact email"},
    {O_PHONE, "phone", NULL, 0, "PHONE", 0, "certificate contact phone"},
    {O_OUTPUT, "output", "out", 'o', "FMT", 1, "json (default), tsv, table or none"},
    {O_QUERY, "query", NULL, 0, "PATH", 1,
     "print part of the result: value, id, name, attributes.expires, [].name, ..."},
    {O_VERBOSE, "verbose", "debug", 'v', NULL, 1,
     "trace requests on stderr (tokens and values masked)"},
    {O_HELP, "help", NULL, 'h', NULL, 1, "show help and exit"},
};
const size_t cli_n_opts = sizeof cli_opts / sizeof cli_opts[0];

int cli_verb_takes(const struct cli_family *f, const struct cli_verb *v, enum cli_opt id)
{
    for (size_t i = 0; i < cli_n_opts; i++)
        if (cli_opts[i].id == id && cli_opts[i].every_verb)
            return 1;
    return ((f->opts | v->opts) & CLI_OPT(id)) != 0;
}

int cli_usage_error(const struct cli *c, const char *fmt, ...)
{
    FILE *f = cli_err();
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(fmt, ap);
    va_end(ap);
    if (c->verb)
        fprintf(f, "\nTry '" CLI_PROG " %s %s --help'.\n", c->family->group, c->verb->name);
    else if (c->family)
        fprintf(f, "\nTry '" CLI_PROG " %s --help'.\n", c->family->group);
    else
        fputs("\nTry '" CLI_PROG " --help'.\n", f);
    return KV_E_USAGE;
}

/* ----- Parsing ----------------------------------------------------------------------------- */

static const struct cli_opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < cli_n_opts; i++) {
        const struct cli_opt_def *o = &cli_opts[i];
        if ((strlen(o->name) == len && !strncmp(o->name, name, len)) ||
            (o->alias && strlen(o->alias) == len && !strncmp(o->alias, name, len)))
            return o;
    }
    return NULL;
}

static const struct cli_opt_def *find_short(char ch)
{
    for (size_t i = 0; i < cli_n_opts; i++)
        if (cli_opts[i].short_name == ch)
            return &cli_opts[i];
    return NULL;
}

/* Resolves the positional words into c->family and c->verb. Unknown words are echoed (they are
 * command names, in the first two positions); words after the verb are not, since a mistyped
 * option could have pushed part of a secret value there. */
static int resolve_verb(struct cli *c, char **words, int n_words)
{
    const struct cli_family *f;
    char groups[128] = "";

    if (n_words == 0)
        return KV_OK;
    for (size_t i = 0; (f = c->families[i]) != NULL; i++) {
        if (!strcmp(words[0], f->group))
            c->family = f;
        snprintf(groups + strlen(groups), sizeof groups - strlen(groups), "%s%s", i ? ", " : "",
                 f->group);
    }
    if (!c->family)
        return cli_usage_error(c, "'%.40s' is not a command group (%s)", words[0], groups);
    if (n_words == 1)
        return KV_OK;
    /* A sub-group's verbs are two words ("rotation-policy show"). */
    int used = 2;
    for (size_t i = 0; i < c->family->n_verbs; i++) {
        const char *name = c->family->verbs[i].name, *sp = strchr(name, ' ');
        if (!sp && !strcmp(words[1], name))
            c->verb = &c->family->verbs[i];
        else if (sp && n_words > 2 && strlen(words[1]) == (size_t)(sp - name) &&
                 !strncmp(words[1], name, (size_t)(sp - name)) && !strcmp(words[2], sp + 1)) {
            c->verb = &c->family->verbs[i];
            used = 3;
        }
    }
    if (!c->verb)
        return cli_usage_error(c, "'%.40s' is not a '%s' command", words[1], c->family->group);
    if (n_words > used)
        return cli_usage_error(c, "unexpected argument (word %d after the command)",
                               n_words - used);
    return KV_OK;
}

/* Stores option o with its inline value (after '=' or a short option's letters), taking the
 * value from the next argument when it needs one. Returns KV_OK or KV_E_USAGE. */
static int take_option(struct cli *c, const struct cli_opt_def *o, const char *inline_val, int argc,
                       char **argv, int *i)
{
    c->seen[o->id] = 1;
    if (o->id == O_TAGS || o->id == O_OPS) {
        /* az's --tags and --ops take every following word up to the next option. */
        int *first = o->id == O_TAGS ? &c->tags_first : &c->ops_first;
        int *n = o->id == O_TAGS ? &c->n_tag_words : &c->n_ops_words;
        *first = inline_val ? *i : *i + 1;
        *n = 0;
        c->val[o->id] = inline_val;
        if (inline_val) {
            *n = 1;
            return KV_OK;
        }
        while (*i + 1 < argc && argv[*i + 1][0] != '-') {
            (*i)++;
            (*n)++;
        }
        return KV_OK;
    }
    if (!o->arg) {
        if (inline_val)
            return cli_usage_error(c, "option '--%s' takes no value", o->name);
        c->val[o->id] = "";
        return KV_OK;
    }
    if (!inline_val) {
        if (*i + 1 >= argc)
            return cli_usage_error(c, "option '--%s' needs a value", o->name);
        inline_val = argv[++*i];
    }
    c->val[o->id] = inline_val;
    return KV_OK;
}

int cli_parse_args(struct cli *c, int argc, char **argv)
{
    char *words[4];
    int n_words = 0, only_words = 0, st;

    c->argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *inline_val = NULL;
        const struct cli_opt_def *o;

        if (only_words || a[0] != '-' || a[1] == '\0') {
            if (n_words < 4)
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
                return cli_usage_error(c, "unrecognized option '--%.*s'",
                                       (int)(len > 40 ? 40 : len), a + 2);
            inline_val = eq ? eq + 1 : NULL;
        } else {
            o = find_short(a[1]);
            if (!o)
                return cli_usage_error(c, "unrecognized option '-%c'",
                                       isprint((unsigned char)a[1]) ? a[1] : '?');
            if (a[2] && !o->arg)
                return cli_usage_error(c, "option '-%c' takes no value", a[1]);
            inline_val = a[2] ? a + 2 : NULL;
        }
        if ((st = take_option(c, o, inline_val, argc, argv, &i)) != KV_OK)
            return st;
    }
    /* Help wins over other mistakes, as long as the command words make sense. */
    if (c->seen[O_HELP] || c->want_version)
        return resolve_verb(c, words, n_words > 3 ? 3 : n_words);
    if (n_words == 0)
        return cli_usage_error(c, "no command given");
    if ((st = resolve_verb(c, words, n_words)) != KV_OK)
        return st;
    if (!c->verb)
        return cli_usage_error(c, "'%s' needs a command", c->family->group);
    for (size_t k = 0; k < cli_n_opts; k++)
        if (c->seen[cli_opts[k].id] && !cli_verb_takes(c->family, c->verb, cli_opts[k].id))
            return cli_usage_error(c, "option '--%s' is not valid for '%s %s'", cli_opts[k].name,
                                   c->family->group, c->verb->name);
    return KV_OK;
}

/* ----- Values ------------------------------------------------------------------------------ */

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
    case '\0':
    case 's': break;
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

int cli_resolve_vault(struct cli *c)
{
    if (c->seen[O_VAULT_NAME] == c->seen[O_VAULT_URL])
        return cli_usage_error(c, "give exactly one of --vault-name and --vault-url");
    if (c->seen[O_VAULT_URL]) {
        if (strncmp(c->val[O_VAULT_URL], "https://", 8) || !c->val[O_VAULT_URL][8])
            return cli_usage_error(c, "--vault-url must be an https:// URL");
        c->vault_url = cli_strdup(c->val[O_VAULT_URL]);
    } else {
        const char *vn = c->val[O_VAULT_NAME], *suffix = c->val[O_DNS_SUFFIX];
        size_t len;
        if (!suffix || !*suffix)
            suffix = getenv("KVCLIENT_VAULT_DNS_SUFFIX");
        if (!suffix || !*suffix)
            suffix = CLI_DEFAULT_DNS_SUFFIX;
        if (!*vn || strspn(vn, "abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(vn))
            return cli_usage_error(c, "--vault-name may hold only letters, digits and hyphens");
        if (suffix[0] == '.' || strpbrk(suffix, "/?#@ "))
            return cli_usage_error(
                c, "--vault-dns-suffix must be a host suffix such as " CLI_DEFAULT_DNS_SUFFIX);
        len = strlen(vn) + strlen(suffix) + 10;
        c->vault_url = malloc(len);
        if (c->vault_url)
            snprintf(c->vault_url, len, "https://%s.%s", vn, suffix);
    }
    if (!c->vault_url)
        return KV_E_NOMEM;
    c->name = c->val[O_NAME];
    c->version = c->val[O_VERSION];
    return KV_OK;
}

/* The time options: 0 means "leave unchanged" to the library, so the epoch itself cannot be
 * set. Returns KV_OK or KV_E_USAGE. */
static int check_times(struct cli *c)
{
    if (c->val[O_EXPIRES] &&
        (cx_time_parse(c->val[O_EXPIRES], CX_TIME_LENIENT, &c->expires, NULL) || c->expires <= 0))
        return cli_usage_error(c, "--expires must be a UTC time like 2026-12-31T00:00:00Z");
    if (c->val[O_NOT_BEFORE] &&
        (cx_time_parse(c->val[O_NOT_BEFORE], CX_TIME_LENIENT, &c->not_before, NULL) ||
         c->not_before <= 0))
        return cli_usage_error(c, "--not-before must be a UTC time like 2026-12-31T00:00:00Z");
    return KV_OK;
}

/* The numbers: --maxresults, --warn-expiry, --max-retries, --timeout. */
static int check_numbers(struct cli *c)
{
    if (c->val[O_MAXRESULTS] && parse_int(c->val[O_MAXRESULTS], 1, 1000000, &c->maxresults))
        return cli_usage_error(c, "--maxresults must be a positive number");
    c->warn_expiry = DEFAULT_WARN_EXPIRY;
    if (c->val[O_WARN_EXPIRY] && parse_duration(c->val[O_WARN_EXPIRY], &c->warn_expiry))
        return cli_usage_error(c, "--warn-expiry must be a duration such as 30d, 12h, 90m or 45s");
    c->max_retries = -1;
    if (c->val[O_MAX_RETRIES] && parse_int(c->val[O_MAX_RETRIES], 0, 100, &c->max_retries))
        return cli_usage_error(c, "--max-retries must be a number from 0 to 100");
    if (c->val[O_TIMEOUT] && parse_int(c->val[O_TIMEOUT], 1, 86400, &c->timeout_s))
        return cli_usage_error(c, "--timeout must be a number of seconds from 1 to 86400");
    return KV_OK;
}

int cli_check_args(struct cli *c)
{
    int st;

    c->fmt = CLI_OUT_JSON;
    if (c->val[O_OUTPUT] && cli_format_parse(c->val[O_OUTPUT], &c->fmt))
        return cli_usage_error(c, "--output must be json, tsv, table or none");
    if (c->val[O_QUERY] && cli_query_parse(c->val[O_QUERY], &c->query))
        return cli_usage_error(c, "--query supports member paths only, such as value, id, "
                                  "attributes.expires or [].name");
    if (c->seen[O_CLIENT_ID] && !c->seen[O_IDENTITY])
        return cli_usage_error(c, "--client-id needs --identity (the environment chain reads "
                                  "AZURE_CLIENT_ID)");
    if (c->family->check && (st = c->family->check(c)) != KV_OK)
        return st;
    if (c->seen[O_ENCODING] && !c->seen[O_FILE])
        return cli_usage_error(c, "--encoding applies to --file only");
    if (c->seen[O_ENABLED] && c->seen[O_DISABLED])
        return cli_usage_error(c, "give only one of --enabled and --disabled");
    if (c->seen[O_SCOPE] && c->seen[O_RESOURCE])
        return cli_usage_error(c, "give only one of --scope and --resource");
    c->enabled = -1;
    if (c->val[O_ENABLED] || c->val[O_DISABLED]) {
        int b = parse_bool(c->val[O_ENABLED] ? c->val[O_ENABLED] : c->val[O_DISABLED]);
        if (b < 0)
            return cli_usage_error(c, "--%s must be true or false",
                                   c->val[O_ENABLED] ? "enabled" : "disabled");
        c->enabled = c->val[O_ENABLED] ? b : !b;
    }
    if ((st = check_times(c)) != KV_OK)
        return st;
    return check_numbers(c);
}

void cli_free(struct cli *c)
{
    if (!c)
        return;
    kv_client_destroy(c->client);
    c->client = NULL;
    free(c->vault_url);
    free(c->id_name);
    free(c->id_version);
    cx_free_wiped(c->value);
    cx_free_wiped(c->password);
    c->vault_url = c->id_name = c->id_version = c->value = c->password = NULL;
}
