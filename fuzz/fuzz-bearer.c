/* fuzz-bearer: bearer-token verification as the resources do it (entra/auth.c: signature, exp,
 * nbf, aud, iss, tid, roles, the verified-token cache), through the real request path. Input byte
 * 0 picks the resource (Key Vault, Graph, ARM); the rest, when it is a JSON object, is the claims
 * set, signed with the mock's own key so that every check behind the signature is reached;
 * otherwise it is sent as the token itself. */
#include "fz-util.h"

#include "fz-mock.h"
#include "http.h"
#include "jwt.h"

#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_mock();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const targets[][2] = {
        {"/secrets?api-version=7.5", "localhost"},
        {"/v1.0/users", "graph.microsoft.com"},
        {"/subscriptions?api-version=2022-12-01", "management.azure.com"},
    };
    struct mv_server *srv = fz_mock();
    char *body, *tok = NULL, *req = NULL;

    if (size == 0)
        return 0;
    const char *const *t = targets[data[0] % 3];
    if (!(body = fz_strndup(data + 1, size - 1)))
        return 0;
    cJSON *claims = cJSON_ParseWithLength(body, size - 1);
    if (cJSON_IsObject(claims))
        tok = mv_jwt_sign(srv->jwt, claims);
    const char *bearer = tok ? tok : body;
    /* Header values end at a line end: what follows one would be another header, not a token. */
    size_t blen = strcspn(bearer, "\r\n");
    size_t cap = blen + 256;
    if ((req = malloc(cap))) {
        int n = snprintf(req, cap,
                         "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %.*s\r\n"
                         "Connection: close\r\n\r\n",
                         t[0], t[1], (int)blen, bearer);
        if (n > 0 && (size_t)n < cap)
            fz_mock_exchange(req, (size_t)n, NULL, 0);
    }
    free(req);
    free(tok);
    cJSON_Delete(claims);
    free(body);
    return 0;
}
