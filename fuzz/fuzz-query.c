/* fuzz-query: the CLI's --query (client/cli/query.c): parsing the expression, then evaluating it
 * on a document. The input is "expression \0 JSON document"; without a NUL (or with a document
 * that does not parse) the expression runs on a fixed result like `secret list` prints. */
#include "fz-util.h"

#include "cli.h"

static const char fixed_doc[] =
    "[{\"id\":\"https://demo.vault.azure.net/secrets/a\",\"name\":\"a\",\"attributes\":"
    "{\"enabled\":true,\"created\":1767225600},\"tags\":{\"env\":\"dev\"}},"
    "{\"id\":\"https://demo.vault.azure.net/secrets/b\",\"name\":\"b\",\"tags\":null},"
    "[1,[2,3]],null,\"text\"]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cli_query q;
    char *expr, *doc;
    if (fz_split(data, size, 0, &expr, &doc) != 0)
        return 0;
    memset(&q, 0, sizeof q);
    if (cli_query_parse(expr, &q) == 0) {
        cJSON *root = cJSON_Parse(doc);
        if (!root)
            root = cJSON_Parse(fixed_doc);
        const cJSON *result = NULL;
        cJSON *view = NULL;
        if (root && cli_query_eval(root, &q, &result, &view) == KV_OK && result)
            free(cJSON_PrintUnformatted(result));
        cJSON_Delete(view);
        cJSON_Delete(root);
    }
    free(expr);
    free(doc);
    return 0;
}
