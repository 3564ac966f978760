/* token.c: the `token` verb family: `token get`, an access token as az account
 * get-access-token prints it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* The shape of `az account get-access-token`: accessToken, expiresOn (local time, as az prints
 * it), expires_on (unix seconds) and tokenType. */
static int run_token_get(struct cli *c, struct cli_doc *out)
{
    char *token = NULL, *scope_buf = NULL, when[64];
    const char *scope = c->val[O_SCOPE] ? c->val[O_SCOPE] : CLI_DEFAULT_SCOPE;
    int64_t exp = 0;
    cJSON *o;
    int st;

    if (c->val[O_RESOURCE]) {
        size_t len = strlen(c->val[O_RESOURCE]) + sizeof "/.default";
        scope_buf = malloc(len);
        if (!scope_buf)
            return KV_E_NOMEM;
        snprintf(scope_buf, len, "%s/.default", c->val[O_RESOURCE]);
        scope = scope_buf;
    }
    st = kv_client_get_token(c->client, scope, &token, &exp, &c->err);
    if (st != KV_OK) {
        cli_fail(c, st);
        goto out;
    }
    o = cli_doc_object(out, NULL, NULL);
    cli_doc_string(out, o, "accessToken", token);
    if (exp) {
        time_t t = (time_t)exp;
        struct tm tm;
        if (localtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S.000000", &tm))
            cli_doc_string(out, o, "expiresOn", when);
        else
            cli_doc_null(out, o, "expiresOn");
        cli_doc_int(out, o, "expires_on", exp);
    } else {
        cli_doc_null(out, o, "expiresOn");
        cli_doc_null(out, o, "expires_on");
    }
    cli_doc_string(out, o, "tokenType", "Bearer");
out:
    kv_free_secret(token);
    free(scope_buf);
    return st;
}

static const struct cli_verb token_verbs[] = {
    {"get", run_token_get, CLI_OPT(O_SCOPE) | CLI_OPT(O_RESOURCE), 0, 0,
     "print an access token as JSON, like az account get-access-token"},
};

/* No vault: the token comes from the credential, for any scope. */
const struct cli_family cli_token_family = {
    "token", token_verbs, sizeof token_verbs / sizeof token_verbs[0], 0, NULL,
};
