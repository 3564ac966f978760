/* fuzz-http: the whole request path in process. The input is sent as a raw HTTP request to the
 * real server (fz-mock.c, plain HTTP) over a loopback socket and the answer is read: request
 * line, URL and query, headers, bodies (JSON and forms, chunked or not) and every handler behind
 * the dispatcher. "@TOKEN@" in the input is replaced by a valid access token of the admin app
 * (tokens are signed with a key made when the process starts, so the corpus cannot hold one). */
#include "fz-util.h"

#include "fz-keygen.h"
#include "fz-mock.h"

#include <strings.h>

#define FZ_PLACEHOLDER "@TOKEN@"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_mock();
    /* A key create (RSA-4096 too) answers at once (fz-keygen.c). */
    fz_keygen_warm();
    return 0;
}

/* data with every placeholder replaced by the token; *len receives the length. Caller frees. */
static char *with_token(const uint8_t *data, size_t size, size_t *len)
{
    const char *tok = fz_mock_token();
    size_t tl = strlen(tok), pl = strlen(FZ_PLACEHOLDER), n = 0, cap = size + 1;
    char *out = malloc(cap);

    for (size_t i = 0; out && i < size;) {
        bool hit = size - i >= pl && memcmp(data + i, FZ_PLACEHOLDER, pl) == 0;
        const char *src = hit ? tok : (const char *)data + i;
        size_t m = hit ? tl : 1;
        if (n + m + 1 > cap) {
            cap = (n + m + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        memcpy(out + n, src, m);
        n += m;
        i += hit ? pl : 1;
    }
    *len = n;
    return out;
}

/* Whether the request may have reached the control API (/_mock, perhaps percent-encoded), whose
 * faults, clock, throttle and state would change how later inputs are answered. */
static bool may_control(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 4 <= size; i++)
        if (strncasecmp((const char *)data + i, "mock", 4) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    char *req = with_token(data, size, &len);
    if (!req)
        return 0;
    fz_mock_exchange(req, len, NULL, 0);
    if (may_control(data, size))
        fz_mock_reset();
    free(req);
    return 0;
}
