/* help.c: --help for the program, a command family and a verb, generated from the option and
 * command tables, with the exit codes from the library's status list. */
#include <ctype.h>
#include <string.h>

#include "cli.h"

static const struct {
    int num;
    const char *name;
    const char *desc;
} status_table[] = {
#define KV_STATUS_ROW(n, name, desc) {n, "KV_" #name, desc},
    KV_STATUS_MAP(KV_STATUS_ROW)
#undef KV_STATUS_ROW
};

/* Prints text word-wrapped to 100 columns, continuation lines indented to col (the cursor is
 * already at col). */
static void print_wrapped(FILE *f, const char *text, size_t col)
{
    const size_t width = 100;
    size_t pos = col;
    const char *p = text;

    while (*p) {
        size_t wlen = strcspn(p, " ");
        if (pos > col && pos + 1 + wlen > width) {
            fprintf(f, "\n%*s", (int)col, "");
            pos = col;
        } else if (pos > col) {
            fputc(' ', f);
            pos++;
        }
        fwrite(p, 1, wlen, f);
        pos += wlen;
        p += wlen;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

static void print_opt(FILE *f, const struct cli_opt_def *o)
{
    char head[64], text[512];
    int n;

    if (o->short_name)
        n = snprintf(head, sizeof head, "  -%c, --%s", o->short_name, o->name);
    else
        n = snprintf(head, sizeof head, "      --%s", o->name);
    if (o->arg && n > 0 && (size_t)n < sizeof head)
        snprintf(head + n, sizeof head - (size_t)n, " %s", o->arg);
    if (o->alias)
        snprintf(text, sizeof text, "%s (also --%s)", o->help, o->alias);
    else
        snprintf(text, sizeof text, "%s", o->help);
    fprintf(f, "%-34s ", head);
    print_wrapped(f, text, 35);
}

static void print_every_verb_opts(FILE *f)
{
    for (size_t i = 0; i < cli_n_opts; i++)
        if (cli_opts[i].every_verb)
            print_opt(f, &cli_opts[i]);
}

static void print_exit_codes(FILE *f)
{
    fputs("\nExit status: the libkvclient status of the first failure.\n", f);
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        fprintf(f, "  %3d  %-19s %s\n", status_table[i].num, status_table[i].name,
                status_table[i].desc);
}

void cli_help_global(FILE *f, const struct cli_family *const *families,
                     const struct cli_family *family)
{
    const struct cli_family *fam;

    fputs("Usage: " CLI_PROG " GROUP VERB [OPTION]...\n"
          "A client for Azure Key Vault secrets, keys and certificates, with the verbs and flags\n"
          "of az keyvault secret, az keyvault key and az keyvault certificate.\n\n"
          "Commands:\n",
          f);
    for (size_t i = 0; (fam = families[i]) != NULL; i++) {
        if (family && family != fam)
            continue;
        for (size_t k = 0; k < fam->n_verbs; k++) {
            /* A long group name ("certificate") gets a wider verb column of its own. */
            if (strlen(fam->group) > 6) {
                int col = 2 + (int)strlen(fam->group) + 1 + 22 + 1;
                if (strlen(fam->verbs[k].name) > 22)
                    fprintf(f, "  %s %s\n%*s", fam->group, fam->verbs[k].name, col, "");
                else
                    fprintf(f, "  %s %-22s ", fam->group, fam->verbs[k].name);
                print_wrapped(f, fam->verbs[k].summary, (size_t)col);
                continue;
            }
            /* Two-word verbs ("rotation-policy update") get a line of their own. */
            if (strlen(fam->verbs[k].name) > 15)
                fprintf(f, "  %-6s %s\n%25s", fam->group, fam->verbs[k].name, "");
            else
                fprintf(f, "  %-6s %-15s ", fam->group, fam->verbs[k].name);
            print_wrapped(f, fam->verbs[k].summary, 25);
        }
    }
    fputs("\nOptions for every command:\n", f);
    print_every_verb_opts(f);
    fprintf(f, "%-34s show the version and exit\n", "      --version");
    fputs("\nCredentials come from the environment, like DefaultAzureCredential: AZURE_TENANT_ID,\n"
          "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), with\n"
          "AZURE_AUTHORITY_HOST; otherwise a managed identity. HTTPS_PROXY and NO_PROXY are\n"
          "honoured. A value is printed only by `secret show`; `secret set` prints the new\n"
          "version without it. `--query value -o tsv` prints the bare value. Keys print their\n"
          "public part only; encrypt, decrypt, sign and verify take and print base64.\n"
          "Certificates print the public certificate (cer) only; the private key is in the\n"
          "certificate's secret (`secret show --name NAME`), and --password is never printed.\n",
          f);
    print_exit_codes(f);
    fputs("\nRun '" CLI_PROG " GROUP VERB --help' for a command's options.\n", f);
}

void cli_help_verb(FILE *f, const struct cli_family *family, const struct cli_verb *v)
{
    fprintf(f, "Usage: " CLI_PROG " %s %s [OPTION]...\n%c%s.\n\nOptions:\n", family->group, v->name,
            toupper((unsigned char)v->summary[0]), v->summary + 1);
    for (size_t i = 0; i < cli_n_opts; i++)
        if (!cli_opts[i].every_verb && cli_verb_takes(family, v, cli_opts[i].id))
            print_opt(f, &cli_opts[i]);
    fputs("\nOptions for every command:\n", f);
    print_every_verb_opts(f);
    print_exit_codes(f);
}
