/* retry.c: which responses are retried and how long to wait (Azure SDK retry policy: exponential
 * backoff with full jitter, but never sooner than the server asked). */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv-int.h"

bool kv__retryable_status(long status)
{
    /* The statuses the Azure SDKs' default retry policy retries; 501 and 505 are not transient. */
    switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504: return true;
    default: return false;
    }
}

unsigned kv__backoff_ms(unsigned attempt, unsigned base_ms, unsigned cap_ms, uint64_t rnd)
{
    /* Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform delay in
     * [0, min(cap, base * 2^attempt)] spreads clients that failed together. */
    uint64_t ceiling = base_ms;
    for (unsigned i = 0; i < attempt && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    return (unsigned)(rnd % (ceiling + 1));
}

/* A non-negative decimal integer filling the whole string (spaces around allowed); -1 otherwise. */
static long parse_number(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno || *end || v < 0)
        return -1;
    /* Cap absurd values at a day; the deadline decides whether waiting that long is useful. */
    return v > 86400000 ? 86400000 : (long)v;
}

long kv__retry_after_ms(const char *x_ms_retry_after_ms, const char *retry_after_ms,
                        const char *retry_after, int64_t now)
{
    long v;
    /* Key Vault and Entra send Retry-After in seconds; ARM-style services may add the millisecond
     * headers, which are more precise and take precedence (as in azure-core's policy). */
    if (x_ms_retry_after_ms && (v = parse_number(x_ms_retry_after_ms)) >= 0)
        return v;
    if (retry_after_ms && (v = parse_number(retry_after_ms)) >= 0)
        return v;
    if (!retry_after)
        return -1;
    if ((v = parse_number(retry_after)) >= 0)
        return v > 86400 ? 86400000 : v * 1000;
    /* RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds. curl_getdate parses the
     * IMF-fixdate and the obsolete formats. */
    time_t when = curl_getdate(retry_after, NULL);
    if (when == (time_t)-1)
        return -1;
    if ((int64_t)when <= now)
        return 0;
    int64_t d = (int64_t)when - now;
    return d > 86400 ? 86400000 : (long)(d * 1000);
}
