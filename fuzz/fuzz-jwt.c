/* fuzz-jwt: bearer tokens as the mock reads them: mv_jwt_verify on the raw bytes, the decoded
 * header/payload parser (mv_jwt_parse_object), and sign-then-verify of a claims object, which must
 * give the same claims back. The claims checks behind the signature (exp, nbf, aud, roles) are
 * fuzz-bearer's, through the real request path. */
#include "fz-util.h"

#include "jwt.h"

#include <stdio.h>

static struct mv_jwt_key *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];
    if (mv_jwt_key_load_or_create(NULL, &key, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz-jwt: %s\n", err);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *claims = NULL;
    char *text = fz_strndup(data, size);
    if (!text)
        return 0;

    /* The token as sent: a length, not a C string. */
    mv_jwt_verify(key, (const char *)data, size, &claims);
    cJSON_Delete(claims);
    claims = NULL;

    cJSON *obj = mv_jwt_parse_object((const unsigned char *)text, size);
    if (obj) {
        char *tok = mv_jwt_sign(key, obj);
        if (tok) {
            /* Compared as printed, not with cJSON_Compare, which matches duplicate member
             * names to the first one only and so calls equal objects different. */
            char *want = cJSON_PrintUnformatted(obj), *got = NULL;
            if (mv_jwt_verify(key, tok, strlen(tok), &claims) != MV_JWT_OK ||
                (want && (got = cJSON_PrintUnformatted(claims)) && strcmp(want, got) != 0)) {
                fprintf(stderr, "fuzz-jwt: a token signed here does not verify to its claims\n");
                abort();
            }
            free(want);
            free(got);
            cJSON_Delete(claims);
            free(tok);
        }
        cJSON_Delete(obj);
    }
    free(text);
    return 0;
}
