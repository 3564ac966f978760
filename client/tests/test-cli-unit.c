/* test-cli-unit.c: unit tests of the kvclient CLI's parts that need no server (client/cli/, linked
 * as the kvcli static library): the --query subset, each output format, the result document,
 * argument parsing and checking (good and bad arguments, exit codes and messages), the help
 * tables, the encodings it takes from common/ (base64, RFC 3339), and kv_secret_id_parse from the
 * library. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

/* The families the tool has (main.c keeps the same table). */
static const struct cli_family *const families[] = {&cli_secret_family, &cli_key_family,
                                                    &cli_token_family, NULL};

/* ----- Helpers ----------------------------------------------------------------------------- */

/* The text a format prints for root; caller frees. */
static char *render(const cJSON *root, enum cli_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(cli_output_print(f, root, fmt), KV_OK);
    fclose(f);
    return buf;
}

static void assert_renders(const char *json, enum cli_format fmt, const char *want)
{
    cJSON *root = cJSON_Parse(json);
    char *got;

    ck_assert_msg(root != NULL, "test input parses: %s", json);
    got = render(root, fmt);
    ck_assert_str_eq(got, want);
    free(got);
    cJSON_Delete(root);
}

/* A command line parsed and checked as main does, with what it printed on stderr. */
struct run {
    struct cli c;
    int st;
    char *msg; /* stderr text */
    char *args[40];
    char *argv[41];
    int argc;
};

static int run_cli(struct run *r, ...)
{
    va_list ap;
    const char *a;
    size_t len = 0;
    FILE *err;

    memset(r, 0, sizeof *r);
    r->argv[r->argc++] = (char *)"kvclient";
    va_start(ap, r);
    while ((a = va_arg(ap, const char *)) != NULL) {
        ck_assert_int_lt(r->argc, 40);
        r->args[r->argc] = strdup(a);
        r->argv[r->argc] = r->args[r->argc];
        r->argc++;
    }
    va_end(ap);
    err = open_memstream(&r->msg, &len);
    ck_assert_ptr_nonnull(err);
    cli_set_err(err);
    r->c.families = families;
    r->st = cli_parse_args(&r->c, r->argc, r->argv);
    if (r->st == KV_OK && !r->c.seen[O_HELP] && !r->c.want_version)
        r->st = cli_check_args(&r->c);
    cli_set_err(NULL);
    fclose(err);
    return r->st;
}
#define RUN(r, ...) run_cli(r, __VA_ARGS__, (const char *)NULL)

static void run_free(struct run *r)
{
    cli_free(&r->c);
    for (int i = 0; i < r->argc; i++)
        free(r->args[i]);
    free(r->msg);
}

/* Runs a command line that must be refused with KV_E_USAGE and a message holding want, and
 * the hint to the command's help. */
#define ASSERT_USAGE(want, hint, ...)                                                              \
    do {                                                                                           \
        struct run r_;                                                                             \
        ck_assert_int_eq(RUN(&r_, __VA_ARGS__), KV_E_USAGE);                                       \
        ck_assert_msg(strstr(r_.msg, want) != NULL, "message '%s' lacks '%s'", r_.msg, want);      \
        ck_assert_msg(strstr(r_.msg, hint) != NULL, "message '%s' lacks '%s'", r_.msg, hint);      \
        ck_assert_msg(strncmp(r_.msg, "kvclient: ", 10) == 0, "prefix: %s", r_.msg);               \
        run_free(&r_);                                                                             \
    } while (0)

#define SHOW_HINT "Try 'kvclient secret show --help'."
#define SET_HINT "Try 'kvclient secret set --help'."
/* Mistakes found while the options are scanned come before the command is known. */
#define GLOBAL_HINT "Try 'kvclient --help'."

/* ----- --query ----------------------------------------------------------------------------- */

START_TEST(test_query_parse_good)
{
    struct cli_query q;

    ck_assert_int_eq(cli_query_parse("value", &q), 0);
    ck_assert_uint_eq(q.n, 1);
    ck_assert_int_eq(q.segs[0].kind, CLI_Q_KEY);
    ck_assert_str_eq(q.segs[0].key, "value");

    ck_assert_int_eq(cli_query_parse("attributes.expires", &q), 0);
    ck_assert_uint_eq(q.n, 2);
    ck_assert_str_eq(q.segs[1].key, "expires");

    ck_assert_int_eq(cli_query_parse("[].name", &q), 0);
    ck_assert_uint_eq(q.n, 2);
    ck_assert_int_eq(q.segs[0].kind, CLI_Q_ALL);
    ck_assert_str_eq(q.segs[1].key, "name");

    ck_assert_int_eq(cli_query_parse("[*].id", &q), 0);
    ck_assert_int_eq(q.segs[0].kind, CLI_Q_ALL);

    ck_assert_int_eq(cli_query_parse("[12].tags", &q), 0);
    ck_assert_int_eq(q.segs[0].kind, CLI_Q_INDEX);
    ck_assert_int_eq(q.segs[0].index, 12);

    ck_assert_int_eq(cli_query_parse("list[0]._a1", &q), 0);
    ck_assert_uint_eq(q.n, 3);
    ck_assert_int_eq(q.segs[1].kind, CLI_Q_INDEX);
    ck_assert_str_eq(q.segs[2].key, "_a1");

    ck_assert_int_eq(cli_query_parse("a.b.c.d.e.f.g.h", &q), 0);
    ck_assert_uint_eq(q.n, CLI_MAX_QUERY_SEGS);
}
END_TEST

START_TEST(test_query_parse_bad)
{
    static const char *const bad[] = {
        "",           "a|b",
        "a.",         ".a",
        "a..b",       "[x]",
        "[-1]",       "[",
        "[1",         "[]]",
        "a[0",        "1a",
        "a b",        "length(@)",
        "[?enabled]", "a.b.c.d.e.f.g.h.i",
        "a.[0]",      "a234567890123456789012345678901234567890123456789012345678901234",
    };
    struct cli_query q;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cli_query_parse(bad[i], &q) == -1, "'%s' is refused", bad[i]);
}
END_TEST

static const char query_doc[] =
    "{\"value\":\"s3cret\",\"attributes\":{\"expires\":null,\"enabled\":true},"
    "\"list\":[{\"name\":\"a\"},{\"name\":null},{\"x\":1},{\"name\":\"c\"}]}";

/* Evaluates text on doc and renders the result as JSON ("" for nothing). */
static char *query_json(const cJSON *doc, const char *text)
{
    struct cli_query q;
    const cJSON *result = (const cJSON *)1;
    cJSON *view = (cJSON *)1;
    char *out;

    ck_assert_msg(cli_query_parse(text, &q) == 0, "'%s' parses", text);
    ck_assert_int_eq(cli_query_eval(doc, &q, &result, &view), KV_OK);
    out = render(result, CLI_OUT_JSON);
    cJSON_Delete(view);
    return out;
}

static void assert_query(const cJSON *doc, const char *text, const char *want)
{
    char *got = query_json(doc, text);

    ck_assert_msg(strcmp(got, want) == 0, "query '%s' gave '%s', expected '%s'", text, got, want);
    free(got);
}

START_TEST(test_query_eval)
{
    cJSON *doc = cJSON_Parse(query_doc);

    ck_assert_ptr_nonnull(doc);
    assert_query(doc, "value", "\"s3cret\"\n");
    assert_query(doc, "attributes.enabled", "true\n");
    /* JMESPath: null and missing members print nothing. */
    assert_query(doc, "attributes.expires", "");
    assert_query(doc, "missing.x", "");
    assert_query(doc, "value.x", "");
    /* Projections drop null results; indexes pick one element. */
    assert_query(doc, "list[].name", "[\n  \"a\",\n  \"c\"\n]\n");
    assert_query(doc, "list[*].x", "[\n  1\n]\n");
    assert_query(doc, "list[3].name", "\"c\"\n");
    assert_query(doc, "list[1].name", "");
    assert_query(doc, "list[9]", "");
    /* A projection over something that is not a list is null, an empty one an empty list. */
    assert_query(doc, "value[]", "");
    assert_query(doc, "list[].missing", "[]\n");
    assert_query(doc, "attributes", "{\n  \"expires\": null,\n  \"enabled\": true\n}\n");
    cJSON_Delete(doc);
}
END_TEST

START_TEST(test_query_nested_projection)
{
    cJSON *doc = cJSON_Parse("[[1,null],[2],\"x\",[]]");

    ck_assert_ptr_nonnull(doc);
    assert_query(doc, "[][]", "[\n  [\n    1\n  ],\n  [\n    2\n  ],\n  []\n]\n");
    assert_query(doc, "[][0]", "[\n  1,\n  2\n]\n");
    assert_query(doc, "[0]", "[\n  1,\n  null\n]\n");
    cJSON_Delete(doc);
}
END_TEST

/* The result refers to the document (no copy of a value is made), and the view can go first. */
START_TEST(test_query_no_copies)
{
    cJSON *doc = cJSON_Parse(query_doc), *view = NULL;
    const cJSON *result = NULL;
    struct cli_query q;

    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(cli_query_parse("value", &q), 0);
    ck_assert_int_eq(cli_query_eval(doc, &q, &result, &view), KV_OK);
    ck_assert_ptr_null(view);
    ck_assert_ptr_eq(result, cJSON_GetObjectItemCaseSensitive(doc, "value"));

    ck_assert_int_eq(cli_query_parse("list[].name", &q), 0);
    ck_assert_int_eq(cli_query_eval(doc, &q, &result, &view), KV_OK);
    ck_assert_ptr_eq(result, view);
    ck_assert_int_eq(cJSON_GetArraySize(view), 2);
    ck_assert_ptr_eq(
        view->child->valuestring,
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "list"), 0), "name")
            ->valuestring);
    cJSON_Delete(view);
    /* The document is intact after the view is gone. */
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "value")->valuestring, "s3cret");
    cJSON_Delete(doc);
}
END_TEST

/* ----- Output formats ---------------------------------------------------------------------- */

START_TEST(test_format_names)
{
    enum cli_format f = CLI_OUT_JSON;

    ck_assert_int_eq(cli_format_parse("tsv", &f), 0);
    ck_assert_int_eq(f, CLI_OUT_TSV);
    ck_assert_int_eq(cli_format_parse("table", &f), 0);
    ck_assert_int_eq(f, CLI_OUT_TABLE);
    ck_assert_int_eq(cli_format_parse("none", &f), 0);
    ck_assert_int_eq(f, CLI_OUT_NONE);
    ck_assert_int_eq(cli_format_parse("json", &f), 0);
    ck_assert_int_eq(f, CLI_OUT_JSON);
    ck_assert_int_eq(cli_format_parse("yaml", &f), -1);
    ck_assert_int_eq(cli_format_parse("JSON", &f), -1);
    ck_assert_int_eq(cli_format_parse("", &f), -1);
}
END_TEST

START_TEST(test_output_json)
{
    assert_renders("{\"a\":1,\"b\":[true,null,\"x\\\"y\"],\"c\":{},\"d\":[],\"e\":-1700000000}",
                   CLI_OUT_JSON,
                   "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    \"x\\\"y\"\n  ],\n"
                   "  \"c\": {},\n  \"d\": [],\n  \"e\": -1700000000\n}\n");
    /* Escapes as json.dumps writes them; UTF-8 passes through (ensure_ascii=False). */
    assert_renders("[\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\fc\\u0001\",\"h\\u00e9\"]", CLI_OUT_JSON,
                   "[\n  \"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\fc\\u0001\",\n  \"h\xc3\xa9\"\n]\n");
    assert_renders("\"plain\"", CLI_OUT_JSON, "\"plain\"\n");
    assert_renders("false", CLI_OUT_JSON, "false\n");
    assert_renders("{\"o\":{\"p\":{\"q\":1.5}}}", CLI_OUT_JSON,
                   "{\n  \"o\": {\n    \"p\": {\n      \"q\": 1.5\n    }\n  }\n}\n");
    /* A null result prints nothing, as az does. */
    assert_renders("null", CLI_OUT_JSON, "");
}
END_TEST

START_TEST(test_output_tsv)
{
    assert_renders("{\"a\":\"x\",\"b\":null,\"c\":true,\"d\":[1,2],\"e\":{\"k\":1},\"f\":3}",
                   CLI_OUT_TSV, "x\tNone\tTrue\t2\t\t3\n");
    assert_renders("[{\"n\":\"a\",\"e\":false},{\"n\":\"b\",\"e\":true}]", CLI_OUT_TSV,
                   "a\tFalse\nb\tTrue\n");
    /* The bare value of `--query value -o tsv`; a top-level boolean as JMESPath prints it. */
    assert_renders("\"s3cret value\"", CLI_OUT_TSV, "s3cret value\n");
    assert_renders("true", CLI_OUT_TSV, "true\n");
    assert_renders("42", CLI_OUT_TSV, "42\n");
    assert_renders("[\"a\",\"b\"]", CLI_OUT_TSV, "a\nb\n");
    assert_renders("null", CLI_OUT_TSV, "");
}
END_TEST

START_TEST(test_output_table)
{
    /* Columns in order of first appearance; id, nulls and nested values left out; the last
     * column is not padded. */
    assert_renders("[{\"name\":\"a\",\"enabled\":true,\"id\":\"x\",\"tags\":null,\"n\":5,"
                   "\"attributes\":{}},{\"name\":\"long-name\",\"enabled\":false}]",
                   CLI_OUT_TABLE,
                   "Name       Enabled  N\n"
                   "---------  -------  -\n"
                   "a          True     5\n"
                   "long-name  False    \n");
    /* A scalar result becomes a Result column; widths count code points, not bytes. */
    assert_renders("\"abc\"", CLI_OUT_TABLE, "Result\n------\nabc\n");
    assert_renders("[{\"name\":\"h\xc3\xa9llo!\"}]", CLI_OUT_TABLE,
                   "Name\n------\nh\xc3\xa9llo!\n");
    assert_renders("{\"etag\":\"e\",\"type\":\"t\",\"value\":\"v\"}", CLI_OUT_TABLE,
                   "Value\n-----\nv\n");
    /* Nothing printable: no table at all. */
    assert_renders("{\"id\":\"x\",\"tags\":{}}", CLI_OUT_TABLE, "");
    assert_renders("[]", CLI_OUT_TABLE, "");
}
END_TEST

START_TEST(test_output_none)
{
    assert_renders("{\"value\":\"s3cret\"}", CLI_OUT_NONE, "");
    assert_renders("[1,2]", CLI_OUT_NONE, "");
    assert_renders("{\"value\":\"s3cret\"}", CLI_OUT_TABLE, "Value\n------\ns3cret\n");
}
END_TEST

/* The document builders, key order and what a failure leaves. */
START_TEST(test_doc_builders)
{
    struct cli_doc d = {NULL, 0};
    cJSON *o, *arr;
    char *got;

    o = cli_doc_object(&d, NULL, NULL);
    ck_assert_ptr_nonnull(o);
    cli_doc_string(&d, o, "zeta", "z");
    cli_doc_string(&d, o, "alpha", NULL);
    cli_doc_int(&d, o, "expires_on", 1798675200);
    cli_doc_time(&d, o, "expires", 1798675200);
    cli_doc_time(&d, o, "created", 0);
    cli_doc_bool(&d, o, "enabled", 7);
    arr = cli_doc_array(&d, o, "list");
    cli_doc_null(&d, arr, NULL);
    cli_doc_string(&d, arr, NULL, "b");
    cli_doc_string(&d, arr, NULL, "a");
    /* A second root is ignored. */
    ck_assert_ptr_null(cli_doc_object(&d, NULL, NULL));
    ck_assert_ptr_eq(d.root, o);
    ck_assert_int_eq(d.nomem, 0);
    cli_json_sort_keys(d.root);
    got = render(d.root, CLI_OUT_JSON);
    /* Keys sorted as strcmp orders them ("expiresOn" < "expires_on"); arrays keep their order. */
    ck_assert_str_eq(got, "{\n  \"alpha\": null,\n  \"created\": null,\n  \"enabled\": true,\n"
                          "  \"expires\": \"2026-12-31T00:00:00+00:00\",\n"
                          "  \"expires_on\": 1798675200,\n  \"list\": [\n    null,\n    \"b\",\n"
                          "    \"a\"\n  ],\n  \"zeta\": \"z\"\n}\n");
    free(got);
    cli_doc_free(&d);
    ck_assert_ptr_null(d.root);
    cli_doc_free(NULL);
}
END_TEST

START_TEST(test_sort_keys)
{
    cJSON *root = cJSON_Parse("{\"tokenType\":1,\"expires_on\":2,\"expiresOn\":3,"
                              "\"accessToken\":{\"b\":1,\"a\":[{\"y\":1,\"x\":2}]}}");
    char *got;

    ck_assert_ptr_nonnull(root);
    cli_json_sort_keys(root);
    got = render(root, CLI_OUT_JSON);
    ck_assert_str_eq(got, "{\n  \"accessToken\": {\n    \"a\": [\n      {\n        \"x\": 2,\n"
                          "        \"y\": 1\n      }\n    ],\n    \"b\": 1\n  },\n"
                          "  \"expiresOn\": 3,\n  \"expires_on\": 2,\n  \"tokenType\": 1\n}\n");
    free(got);
    /* cJSON's links stay valid: the last member is found from the first, and adding works. */
    ck_assert_ptr_eq(root->child->prev, cJSON_GetObjectItemCaseSensitive(root, "tokenType"));
    ck_assert_ptr_nonnull(cJSON_AddNumberToObject(root, "z", 4));
    ck_assert_int_eq(cJSON_GetArraySize(root), 5);
    cJSON_Delete(root);
    cli_json_sort_keys(NULL);
}
END_TEST

/* ----- Arguments: good ---------------------------------------------------------------------- */

START_TEST(test_args_show)
{
    struct run r;

    unsetenv("KVCLIENT_VAULT_DNS_SUFFIX");
    ck_assert_int_eq(RUN(&r, "secret", "show", "--vault-name", "demo", "-n", "db-password"), KV_OK);
    ck_assert_str_eq(r.msg, "");
    ck_assert_str_eq(r.c.family->group, "secret");
    ck_assert_str_eq(r.c.verb->name, "show");
    ck_assert_str_eq(r.c.vault_url, "https://demo.vault.azure.net");
    ck_assert_str_eq(r.c.name, "db-password");
    ck_assert_ptr_null(r.c.version);
    ck_assert_int_eq(r.c.fmt, CLI_OUT_JSON);
    ck_assert_uint_eq(r.c.query.n, 0);
    ck_assert_int_eq(r.c.enabled, -1);
    ck_assert_int_eq(r.c.warn_expiry, 30 * 86400);
    ck_assert_int_eq(r.c.max_retries, -1);
    run_free(&r);

    /* Options before the words, inline values, short options glued to their value, aliases. */
    ck_assert_int_eq(RUN(&r, "--vault-url=https://v.localhost:8443", "-ndb", "--out", "tsv",
                         "secret", "show", "--version", "abc", "--query=value", "-v",
                         "--warn-expiry", "12h", "--max-retries", "0", "--timeout", "30"),
                     KV_OK);
    ck_assert_str_eq(r.c.vault_url, "https://v.localhost:8443");
    ck_assert_str_eq(r.c.name, "db");
    ck_assert_str_eq(r.c.version, "abc");
    ck_assert_int_eq(r.c.fmt, CLI_OUT_TSV);
    ck_assert_uint_eq(r.c.query.n, 1);
    ck_assert_int_eq(r.c.seen[O_VERBOSE], 1);
    ck_assert_int_eq(r.c.warn_expiry, 12 * 3600);
    ck_assert_int_eq(r.c.max_retries, 0);
    ck_assert_int_eq(r.c.timeout_s, 30);
    run_free(&r);
}
END_TEST

START_TEST(test_args_dns_suffix)
{
    struct run r;

    setenv("KVCLIENT_VAULT_DNS_SUFFIX", "vault.azure.cn", 1);
    ck_assert_int_eq(RUN(&r, "secret", "list", "--vault-name", "demo"), KV_OK);
    ck_assert_str_eq(r.c.vault_url, "https://demo.vault.azure.cn");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "secret", "list", "--vault-name", "demo", "--vault-dns-suffix",
                         "vault.usgovcloudapi.net"),
                     KV_OK);
    ck_assert_str_eq(r.c.vault_url, "https://demo.vault.usgovcloudapi.net");
    run_free(&r);
    unsetenv("KVCLIENT_VAULT_DNS_SUFFIX");
}
END_TEST

START_TEST(test_args_id)
{
    struct run r;

    ck_assert_int_eq(RUN(&r, "secret", "show", "--id", "https://v.localhost:8443/secrets/db/0123"),
                     KV_OK);
    ck_assert_str_eq(r.c.vault_url, "https://v.localhost:8443");
    ck_assert_str_eq(r.c.name, "db");
    ck_assert_str_eq(r.c.version, "0123");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "secret", "recover", "--id", "https://v.example/deletedsecrets/db"),
                     KV_OK);
    ck_assert_str_eq(r.c.name, "db");
    ck_assert_ptr_null(r.c.version);
    run_free(&r);
}
END_TEST

START_TEST(test_args_set_value_blanked)
{
    struct run r;

    ck_assert_int_eq(RUN(&r, "secret", "set", "--vault-name", "demo", "-n", "x", "--value",
                         "s3cret", "--tags", "a=b", "c", "", "--enabled", "No", "--expires",
                         "2026-12-31", "--not-before", "2026-12-31T01:30:00.5+01:30",
                         "--content-type", "text/plain"),
                     KV_OK);
    /* The copy keeps the value; argv (what /proc/PID/cmdline shows) no longer does. */
    ck_assert_str_eq(r.c.value, "s3cret");
    ck_assert_str_eq(r.argv[8], "xxxxxx");
    ck_assert_int_eq(r.c.n_tag_words, 3);
    ck_assert_str_eq(r.argv[r.c.tags_first], "a=b");
    ck_assert_int_eq(r.c.enabled, 0);
    ck_assert_int_eq(r.c.expires, 1798675200);
    ck_assert_int_eq(r.c.not_before, 1798675200);
    ck_assert_str_eq(r.c.val[O_CONTENT_TYPE], "text/plain");
    run_free(&r);

    /* key encrypt: the plaintext is blanked too; --ops takes words like --tags; two-word verbs. */
    ck_assert_int_eq(RUN(&r, "key", "encrypt", "--vault-name", "demo", "-n", "k", "-a", "RSA-OAEP",
                         "--value", "pl41n", "--data-type", "plaintext"),
                     KV_OK);
    ck_assert_str_eq(r.c.value, "pl41n");
    ck_assert_str_eq(r.argv[10], "xxxxx");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "key", "create", "--vault-name", "demo", "-n", "k", "--ops", "sign",
                         "verify", "--kty", "EC"),
                     KV_OK);
    ck_assert_int_eq(r.c.n_ops_words, 2);
    ck_assert_str_eq(r.argv[r.c.ops_first + 1], "verify");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "key", "rotation-policy", "show", "--vault-name", "demo", "-n", "k"),
                     KV_OK);
    ck_assert_str_eq(r.c.verb->name, "rotation-policy show");
    run_free(&r);

    /* --disabled is az's inverse spelling; --description an alias of --content-type. */
    ck_assert_int_eq(RUN(&r, "secret", "set", "--vault-name", "demo", "-n", "x", "--file", "-",
                         "--disabled", "true", "--description", "d", "-e", "base64"),
                     KV_OK);
    ck_assert_int_eq(r.c.enabled, 0);
    ck_assert_str_eq(r.c.val[O_CONTENT_TYPE], "d");
    ck_assert_ptr_null(r.c.value);
    run_free(&r);
}
END_TEST

START_TEST(test_args_help_and_version)
{
    struct run r;

    /* Help wins over other mistakes, as long as the command words make sense. */
    ck_assert_int_eq(RUN(&r, "secret", "show", "--help", "--output", "yaml"), KV_OK);
    ck_assert_int_eq(r.c.seen[O_HELP], 1);
    ck_assert_str_eq(r.c.verb->name, "show");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "token", "-h"), KV_OK);
    ck_assert_ptr_null(r.c.verb);
    ck_assert_str_eq(r.c.family->group, "token");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "--version"), KV_OK);
    ck_assert_int_eq(r.c.want_version, 1);
    run_free(&r);
    ASSERT_USAGE("'bogus' is not a command group (secret, key, token)", GLOBAL_HINT, "bogus",
                 "--help");
}
END_TEST

START_TEST(test_args_token)
{
    struct run r;

    ck_assert_int_eq(RUN(&r, "token", "get", "--resource", "https://graph.microsoft.com"), KV_OK);
    ck_assert_ptr_null(r.c.vault_url);
    ck_assert_str_eq(r.c.val[O_RESOURCE], "https://graph.microsoft.com");
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "token", "get", "--identity", "--client-id", "abc", "-o", "none"),
                     KV_OK);
    ck_assert_int_eq(r.c.fmt, CLI_OUT_NONE);
    run_free(&r);
}
END_TEST

/* ----- Arguments: bad ----------------------------------------------------------------------- */

START_TEST(test_args_bad_commands)
{
    ASSERT_USAGE("no command given", GLOBAL_HINT, "-v");
    ASSERT_USAGE("'bogus' is not a command group (secret, key, token)", GLOBAL_HINT, "bogus",
                 "show");
    ASSERT_USAGE("'shwo' is not a 'secret' command", "Try 'kvclient secret --help'.", "secret",
                 "shwo");
    ASSERT_USAGE("'secret' needs a command", "Try 'kvclient secret --help'.", "secret",
                 "--vault-name", "demo");
    ASSERT_USAGE("unrecognized option '--bogus'", GLOBAL_HINT, "secret", "show", "--bogus=1");
    ASSERT_USAGE("unrecognized option '-Z'", GLOBAL_HINT, "-Z");
    ASSERT_USAGE("option '-v' takes no value", GLOBAL_HINT, "-vq");
    ASSERT_USAGE("option '--help' takes no value", GLOBAL_HINT, "--help=yes");
    ASSERT_USAGE("option '--name' needs a value", GLOBAL_HINT, "secret", "show", "--name");
    ASSERT_USAGE("option '--name' is not valid for 'token get'", "Try 'kvclient token get --help'.",
                 "token", "get", "--name", "x");
    ASSERT_USAGE("option '--value' is not valid for 'secret show'", SHOW_HINT, "secret", "show",
                 "--vault-name", "demo", "-n", "x", "--value", "v");
    ASSERT_USAGE("option '--vault-name' is not valid for 'token get'",
                 "Try 'kvclient token get --help'.", "token", "get", "--vault-name", "demo");
}
END_TEST

/* Words and values a user typed are not echoed: one of them may be a secret. */
START_TEST(test_args_no_echo)
{
    struct run r;

    ck_assert_int_eq(RUN(&r, "secret", "show", "--vault-name", "demo", "-n", "x", "hunter2"),
                     KV_E_USAGE);
    ck_assert_msg(strstr(r.msg, "unexpected argument (word 1 after the command)") != NULL, "%s",
                  r.msg);
    ck_assert_msg(strstr(r.msg, "hunter2") == NULL, "the word is not echoed: %s", r.msg);
    run_free(&r);
    ck_assert_int_eq(RUN(&r, "secret", "set", "--vault-name", "demo", "-n", "x", "--value",
                         "hunter2", "--enabled", "maybe"),
                     KV_E_USAGE);
    ck_assert_msg(strstr(r.msg, "--enabled must be true or false") != NULL, "%s", r.msg);
    ck_assert_msg(strstr(r.msg, "hunter2") == NULL && strstr(r.msg, "maybe") == NULL,
                  "no value is echoed: %s", r.msg);
    run_free(&r);
}
END_TEST

START_TEST(test_args_bad_vault)
{
    ASSERT_USAGE("give exactly one of --vault-name and --vault-url", SHOW_HINT, "secret", "show",
                 "-n", "x");
    ASSERT_USAGE("give exactly one of --vault-name and --vault-url", SHOW_HINT, "secret", "show",
                 "-n", "x", "--vault-name", "a", "--vault-url", "https://b");
    ASSERT_USAGE("--vault-url must be an https:// URL", SHOW_HINT, "secret", "show", "-n", "x",
                 "--vault-url", "http://demo.localhost");
    ASSERT_USAGE("--vault-url must be an https:// URL", SHOW_HINT, "secret", "show", "-n", "x",
                 "--vault-url", "https://");
    ASSERT_USAGE("--vault-name may hold only letters, digits and hyphens", SHOW_HINT, "secret",
                 "show", "-n", "x", "--vault-name", "de/mo");
    ASSERT_USAGE("--vault-dns-suffix must be a host suffix", SHOW_HINT, "secret", "show", "-n", "x",
                 "--vault-name", "demo", "--vault-dns-suffix", ".vault.azure.net");
    ASSERT_USAGE("--name is required", SHOW_HINT, "secret", "show", "--vault-name", "demo");
    ASSERT_USAGE("--name is required", SHOW_HINT, "secret", "show", "--vault-name", "demo", "-n",
                 "");
    ASSERT_USAGE("--id replaces --vault-name, --vault-url, --name and --version", SHOW_HINT,
                 "secret", "show", "--id", "https://v/secrets/a", "-n", "b");
    ASSERT_USAGE("--id must be an https:// secret identifier", SHOW_HINT, "secret", "show", "--id",
                 "http://v/secrets/a");
    ASSERT_USAGE("--id has no /secrets/NAME path", SHOW_HINT, "secret", "show", "--id",
                 "https://v/keys/a");
    ASSERT_USAGE("--id is not a secret identifier", SHOW_HINT, "secret", "show", "--id",
                 "https://v/secrets/a/b/c");
}
END_TEST

START_TEST(test_args_bad_values)
{
    ASSERT_USAGE("--output must be json, tsv, table or none", SHOW_HINT, "secret", "show", "-o",
                 "yaml");
    ASSERT_USAGE("--query supports member paths only", SHOW_HINT, "secret", "show", "--query",
                 "a|b");
    ASSERT_USAGE("--client-id needs --identity", SHOW_HINT, "secret", "show", "--client-id", "x");
    ASSERT_USAGE("give exactly one of --value and --file", SET_HINT, "secret", "set",
                 "--vault-name", "d", "-n", "x");
    ASSERT_USAGE("give exactly one of --value and --file", SET_HINT, "secret", "set",
                 "--vault-name", "d", "-n", "x", "--value", "v", "--file", "f");
    ASSERT_USAGE("--file is required", "Try 'kvclient secret backup --help'.", "secret", "backup",
                 "--vault-name", "d", "-n", "x");
    ASSERT_USAGE("--file is required", "Try 'kvclient secret restore --help'.", "secret", "restore",
                 "--vault-name", "d");
    ASSERT_USAGE("--encoding applies to --file only", SET_HINT, "secret", "set", "--vault-name",
                 "d", "-n", "x", "--value", "v", "--encoding", "hex");
    ASSERT_USAGE("--encoding must be utf-8, ascii, base64 or hex", SET_HINT, "secret", "set",
                 "--vault-name", "d", "-n", "x", "--file", "f", "--encoding", "utf-16");
    ASSERT_USAGE("give only one of --enabled and --disabled", SET_HINT, "secret", "set",
                 "--vault-name", "d", "-n", "x", "--value", "v", "--enabled", "true", "--disabled",
                 "false");
    ASSERT_USAGE("give only one of --scope and --resource", "Try 'kvclient token get --help'.",
                 "token", "get", "--scope", "a", "--resource", "b");
    ASSERT_USAGE("--expires must be a UTC time", SET_HINT, "secret", "set", "--vault-name", "d",
                 "-n", "x", "--value", "v", "--expires", "2026-13-01");
    ASSERT_USAGE("--expires must be a UTC time", SET_HINT, "secret", "set", "--vault-name", "d",
                 "-n", "x", "--value", "v", "--expires", "1970-01-01T00:00:00Z");
    ASSERT_USAGE("--not-before must be a UTC time", SET_HINT, "secret", "set", "--vault-name", "d",
                 "-n", "x", "--value", "v", "--not-before", "tomorrow");
    ASSERT_USAGE("--maxresults must be a positive number", "Try 'kvclient secret list --help'.",
                 "secret", "list", "--vault-name", "d", "--maxresults", "0");
    ASSERT_USAGE("--warn-expiry must be a duration", SHOW_HINT, "secret", "show", "--vault-name",
                 "d", "-n", "x", "--warn-expiry", "3y");
    ASSERT_USAGE("--max-retries must be a number from 0 to 100", SHOW_HINT, "secret", "show",
                 "--vault-name", "d", "-n", "x", "--max-retries", "101");
    ASSERT_USAGE("--timeout must be a number of seconds", SHOW_HINT, "secret", "show",
                 "--vault-name", "d", "-n", "x", "--timeout", "0");
}
END_TEST

/* ----- Help -------------------------------------------------------------------------------- */

static char *help_text(const char *group, const char *verb)
{
    const struct cli_family *f = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    for (size_t i = 0; families[i]; i++)
        if (group && !strcmp(families[i]->group, group))
            f = families[i];
    if (verb) {
        for (size_t k = 0; k < f->n_verbs; k++)
            if (!strcmp(f->verbs[k].name, verb))
                cli_help_verb(m, f, &f->verbs[k]);
    } else {
        cli_help_global(m, families, f);
    }
    fclose(m);
    return buf;
}

START_TEST(test_help)
{
    char *h = help_text("secret", "show");

    ck_assert_msg(strstr(h, "Usage: kvclient secret show [OPTION]...\nPrint a secret") != NULL,
                  "%s", h);
    ck_assert_msg(strstr(h, "--warn-expiry DURATION") && strstr(h, "--vault-name NAME") &&
                      strstr(h, "-o, --output FMT") && strstr(h, " 22  KV_E_EXPIRED"),
                  "show's own, the family's and every command's options: %s", h);
    ck_assert_msg(!strstr(h, "--value") && !strstr(h, "--scope"), "no other verb's: %s", h);
    free(h);
    h = help_text("token", "get");
    ck_assert_msg(strstr(h, "--scope SCOPE") && !strstr(h, "--vault-name"), "%s", h);
    free(h);
    h = help_text("token", NULL);
    ck_assert_msg(strstr(h, "\n  token  get ") && !strstr(h, "\n  secret "), "%s", h);
    free(h);
    h = help_text(NULL, NULL);
    ck_assert_msg(strstr(h, "secret list-deleted") && strstr(h, "token  get") &&
                      strstr(h, "--version") && strstr(h, " 13  KV_E_DISABLED"),
                  "%s", h);
    free(h);
}
END_TEST

/* ----- kv_secret_id_parse and the encodings from common/
 * ---------------------------------------------- */

START_TEST(test_secret_id_parse)
{
    char *url = NULL, *name = NULL, *version = NULL;
    struct kv_error e;

    ck_assert_int_eq(
        kv_secret_id_parse("https://v.vault.azure.net/secrets/db/0a1b", &url, &name, &version, &e),
        KV_OK);
    ck_assert_str_eq(url, "https://v.vault.azure.net");
    ck_assert_str_eq(name, "db");
    ck_assert_str_eq(version, "0a1b");
    kv_free(url);
    kv_free(name);
    kv_free(version);

    /* A trailing slash names no version; unwanted parts may be NULL. */
    ck_assert_int_eq(kv_secret_id_parse("https://h:8443/secrets/db/", NULL, &name, &version, NULL),
                     KV_OK);
    ck_assert_str_eq(name, "db");
    ck_assert_ptr_null(version);
    kv_free(name);
    ck_assert_int_eq(kv_secret_id_parse("https://h/deletedsecrets/db", &url, NULL, NULL, NULL),
                     KV_OK);
    ck_assert_str_eq(url, "https://h");
    kv_free(url);

    static const struct {
        const char *id, *msg;
    } bad[] = {
        {"http://h/secrets/a", "must be an https:// secret identifier"},
        {"", "must be an https:// secret identifier"},
        {"https://h", "has no /secrets/NAME path"},
        {"https:///secrets/a", "has no /secrets/NAME path"},
        {"https://h/keys/a/1", "has no /secrets/NAME path"},
        {"https://h/secretsx/a", "has no /secrets/NAME path"},
        {"https://h/secrets/", "is not a secret identifier"},
        {"https://h/secrets//v", "is not a secret identifier"},
        {"https://h/secrets/a/b/c", "is not a secret identifier"},
        {"https://h/deletedsecrets/a/v/", "is not a secret identifier"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        url = name = version = (char *)"unset";
        ck_assert_int_eq(kv_secret_id_parse(bad[i].id, &url, &name, &version, &e),
                         KV_E_INVALID_ARG);
        ck_assert_msg(strcmp(e.message, bad[i].msg) == 0, "%s: %s", bad[i].id, e.message);
        ck_assert_int_eq(e.status, KV_E_INVALID_ARG);
        ck_assert_msg(!url && !name && !version, "%s: outputs are NULL", bad[i].id);
    }
    ck_assert_int_eq(kv_secret_id_parse(NULL, NULL, NULL, NULL, NULL), KV_E_INVALID_ARG);
}
END_TEST

/* The CLI's encodings through common/: what az prints and reads. */
START_TEST(test_cli_base64)
{
    static const unsigned char bytes[] = {0, 1, 2, 0xfb, 0xff};
    unsigned char *back = NULL;
    size_t len = 0;
    char *s;

    s = cx_b64_encode(bytes, sizeof bytes, 0);
    ck_assert_str_eq(s, "AAEC+/8=");
    free(s);
    s = cx_b64url_encode(bytes, sizeof bytes);
    ck_assert_str_eq(s, "AAEC-_8");
    ck_assert_ptr_nonnull(back = cx_b64url_decode(s, strlen(s), &len));
    ck_assert_uint_eq(len, sizeof bytes);
    ck_assert_mem_eq(back, bytes, sizeof bytes);
    free(back);
    free(s);
    s = cx_b64_encode(bytes, 4, 0);
    ck_assert_str_eq(s, "AAEC+w==");
    free(s);
    s = cx_b64url_encode(bytes, 0);
    ck_assert_str_eq(s, "");
    free(s);
    ck_assert_ptr_nonnull(back = cx_b64url_decode("AAEC-_8=", 8, &len));
    ck_assert_uint_eq(len, 5);
    free(back);
    ck_assert_ptr_null(cx_b64url_decode("AAEC+/8", 7, &len));
}
END_TEST

START_TEST(test_cli_times)
{
    static const struct {
        const char *text;
        int64_t want; /* -1 = refused */
    } cases[] = {
        {"2026-12-31", 1798675200},
        {"2026-12-31Z", 1798675200},
        {"2026-12-31T00Z", 1798675200},
        {"2026-12-31T00:00Z", 1798675200},
        {"2026-12-31t00:00:00z", 1798675200},
        {"2026-12-31 00:00:00", 1798675200},
        {"2026-12-31T00:00:00.999999Z", 1798675200},
        {"2026-12-31T02:00:00+02:00", 1798675200},
        {"2026-12-30T22:30:00-0130", 1798675200},
        {"2024-02-29", 1709164800},
        {"2023-02-29", -1},
        {"2026-12-31T24:00:00Z", -1},
        {"2026-12-31T00:60Z", -1},
        {"2026-12-32", -1},
        {"2026-00-01", -1},
        {"2026-12-31T00:00:00.Z", -1},
        {"2026-12-31T00:00:00+2", -1},
        {"2026-12-31x", -1},
        {"26-12-31", -1},
        {"", -1},
    };
    char buf[CX_TIME_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 0;
        int rc = cx_time_parse(cases[i].text, CX_TIME_LENIENT, &t, NULL);
        if (cases[i].want < 0)
            ck_assert_msg(rc == -1, "'%s' is refused", cases[i].text);
        else
            ck_assert_msg(rc == 0 && t == cases[i].want, "'%s' gives %lld", cases[i].text,
                          (long long)t);
    }
    cx_time_format(1798675200, CX_TIME_RFC3339_OFFSET, buf);
    ck_assert_str_eq(buf, "2026-12-31T00:00:00+00:00");
    cx_time_format(0, CX_TIME_RFC3339_OFFSET, buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00+00:00");
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("kvclient-cli-unit");
    TCase *query = tcase_create("query"), *output = tcase_create("output");
    TCase *args = tcase_create("args"), *misc = tcase_create("misc");

    tcase_add_test(query, test_query_parse_good);
    tcase_add_test(query, test_query_parse_bad);
    tcase_add_test(query, test_query_eval);
    tcase_add_test(query, test_query_nested_projection);
    tcase_add_test(query, test_query_no_copies);
    suite_add_tcase(s, query);
    tcase_add_test(output, test_format_names);
    tcase_add_test(output, test_output_json);
    tcase_add_test(output, test_output_tsv);
    tcase_add_test(output, test_output_table);
    tcase_add_test(output, test_output_none);
    tcase_add_test(output, test_doc_builders);
    tcase_add_test(output, test_sort_keys);
    suite_add_tcase(s, output);
    tcase_add_test(args, test_args_show);
    tcase_add_test(args, test_args_dns_suffix);
    tcase_add_test(args, test_args_id);
    tcase_add_test(args, test_args_set_value_blanked);
    tcase_add_test(args, test_args_help_and_version);
    tcase_add_test(args, test_args_token);
    tcase_add_test(args, test_args_bad_commands);
    tcase_add_test(args, test_args_no_echo);
    tcase_add_test(args, test_args_bad_vault);
    tcase_add_test(args, test_args_bad_values);
    tcase_add_test(args, test_help);
    suite_add_tcase(s, args);
    tcase_add_test(misc, test_secret_id_parse);
    tcase_add_test(misc, test_cli_base64);
    tcase_add_test(misc, test_cli_times);
    suite_add_tcase(s, misc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cli_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
