/* fuzz-challenge: the client's WWW-Authenticate parser (kv__challenge_parse) and the resource
 * verification that follows it (kv__challenge_verify) for a vault on the real suffix and one on a
 * custom domain. */
#include "fz-util.h"

#include "kv-int.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kv__challenge ch;
    char msg[512];
    char *h = fz_strndup(data, size);
    if (!h)
        return 0;
    if (kv__challenge_parse(h, &ch) == 0) {
        /* Every field is a C string within its array: a missing NUL would show here under ASan. */
        if (strlen(ch.scope) >= sizeof ch.scope || strlen(ch.tenant) >= sizeof ch.tenant) {
            fprintf(stderr, "fuzz-challenge: unterminated field\n");
            abort();
        }
        kv__challenge_verify("demo.vault.azure.net", &ch, msg, sizeof msg);
        kv__challenge_verify("localhost", &ch, msg, sizeof msg);
    }
    free(h);
    return 0;
}
