/* fuzz-retry-after: the client's reading of x-ms-retry-after-ms, retry-after-ms and Retry-After
 * (delta-seconds or an HTTP-date) in kv__retry_after_ms. The input holds the three header values
 * separated by NUL bytes; a missing one is absent. */
#include "fz-util.h"

#include "kv-int.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a = NULL, *rest = NULL, *b = NULL, *c = NULL;
    if (fz_split(data, size, 0, &a, &rest) != 0)
        return 0;
    if (fz_split((const uint8_t *)rest, strlen(rest), 0, &b, &c) == 0) {
        /* Clocks a client may have: the epoch, today, and 2100. */
        static const int64_t nows[] = {0, 1767225600, 4102444800};
        bool has_b = memchr(data, 0, size) != NULL;
        for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++) {
            long ms = kv__retry_after_ms(a, has_b ? b : NULL, *c ? c : NULL, nows[i]);
            if (ms < -1) {
                fprintf(stderr, "fuzz-retry-after: a negative delay %ld\n", ms);
                abort();
            }
            kv__retry_after_ms(NULL, NULL, a, nows[i]);
        }
        free(b);
        free(c);
    }
    free(a);
    free(rest);
    return 0;
}
