/* main.c: the kvclient command-line tool, an `az keyvault secret` / `key` / `certificate`-like
 * front end to libkvclient.
 * argv is parsed against the option and command tables (options.c) into struct cli; the verb's
 * run function calls the library and builds its result as a cJSON document; --query narrows it
 * and one printer renders it as json, tsv, table or nothing. The exit code is the enum kv_status
 * of the first failure, so scripts can tell a missing secret (14) from a denial (12) without
 * parsing text. See cli.h for the map of the files and for the rules on secrets. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

/* Runs the verb and prints its result (after --query). Returns a kv_status. */
static int run_and_print(struct cli *c, struct cli_doc *doc)
{
    const cJSON *result = NULL;
    cJSON *view = NULL;
    int st = c->verb->run(c, doc);

    if (st == KV_OK && doc->nomem)
        st = KV_E_NOMEM;
    if (st != KV_OK)
        return st;
    cli_json_sort_keys(doc->root);
    if (c->query.n && doc->root) {
        if ((st = cli_query_eval(doc->root, &c->query, &result, &view)) == KV_OK)
            st = cli_output_print(stdout, result, c->fmt);
    } else {
        st = cli_output_print(stdout, doc->root, c->fmt);
    }
    /* The view refers to the document's nodes and holds no copy of a value. */
    cJSON_Delete(view);
    return st;
}

/* Every command family, in the order --help lists them: adding a family is one entry here. */
static const struct cli_family *const families[] = {
    &cli_secret_family, &cli_key_family, &cli_certificate_family, &cli_token_family, NULL};

int main(int argc, char **argv)
{
    /* stdout gets our own buffer so the value printed by `secret show` can be wiped from it. */
    static char outbuf[1 << 14];
    struct cli cli;
    struct cli_doc doc = {NULL, 0};
    int st, inited = 0;

    memset(&cli, 0, sizeof cli);
    cli.families = families;
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    st = cli_parse_args(&cli, argc, argv);
    if (st != KV_OK)
        goto out;
    if (cli.seen[O_HELP]) {
        if (cli.verb)
            cli_help_verb(stdout, cli.family, cli.verb);
        else
            cli_help_global(stdout, families, cli.family);
        goto out;
    }
    if (cli.want_version) {
        printf(CLI_PROG " %s (libkvclient %s)\n", KV_VERSION_STRING, KV_VERSION_STRING);
        goto out;
    }
    if ((st = cli_check_args(&cli)) != KV_OK)
        goto out;
    if ((st = kv_global_init()) != KV_OK) {
        cli_warnx("cannot initialise libcurl: %s", kv_strerror(st));
        goto out;
    }
    inited = 1;
    if (cli.verb->needs_name != CLI_OFFLINE && (st = cli_make_client(&cli)) != KV_OK)
        goto out;
    st = run_and_print(&cli, &doc);
out:
    if (st == KV_E_NOMEM)
        cli_warnx("%s", kv_strerror(st));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (st == KV_OK) {
            cli_warnx("cannot write the output: %s", strerror(errno));
            st = KV_E_IO;
        }
    }
    cx_wipe(outbuf, sizeof outbuf);
    cli_doc_free(&doc);
    cli_free(&cli);
    if (inited)
        kv_global_cleanup();
    return st;
}
