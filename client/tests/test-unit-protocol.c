/* test-unit-protocol.c: unit tests of how libkvclient talks to the service: backoff and full
 * jitter, retryable statuses, Retry-After parsing, and the challenge parser and resource check
 * (spec/real-clients.md §3, A.2, B.2) (unit-common.h). */
#include "unit-common.h"

#define TENANT "11111111-1111-1111-1111-111111111111"

/* A deterministic 64-bit generator (splitmix64) so failures reproduce. */
static uint64_t mix_state = 0x9e3779b97f4a7c15u;
static uint64_t next_rand(void)
{
    uint64_t z = (mix_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ---- retry.c: backoff ------------------------------------------------------------------- */

/* min(cap, base * 2^attempt) computed without overflow. */
static uint64_t backoff_bound(unsigned attempt, unsigned base, unsigned cap)
{
    uint64_t b = base;
    for (unsigned i = 0; i < attempt && b < cap; i++)
        b *= 2;
    return b < cap ? b : cap;
}

START_TEST(test_backoff_extremes)
{
    for (unsigned attempt = 0; attempt < 12; attempt++) {
        uint64_t bound = backoff_bound(attempt, 800, 60000);
        unsigned lo = kv__backoff_ms(attempt, 800, 60000, 0);
        unsigned hi = kv__backoff_ms(attempt, 800, 60000, UINT64_MAX);
        ck_assert_msg(lo <= bound, "attempt %u rnd 0: %u > %llu", attempt, lo,
                      (unsigned long long)bound);
        ck_assert_msg(hi <= bound, "attempt %u rnd max: %u > %llu", attempt, hi,
                      (unsigned long long)bound);
    }
    /* Full jitter starts at zero: the smallest random number gives no wait at all. */
    ck_assert_uint_eq(kv__backoff_ms(0, 800, 60000, 0), 0);
    ck_assert_uint_eq(kv__backoff_ms(5, 800, 60000, 0), 0);
}
END_TEST

/* Many random draws per attempt: every delay within [0, bound], and the spread covers the whole
 * range (full jitter, not "bound/2 + jitter" nor a fixed delay). */
START_TEST(test_backoff_full_jitter_distribution)
{
    static const unsigned attempts[] = {0, 1, 3, 6, 10};
    enum { N = 20000 };

    for (size_t k = 0; k < sizeof attempts / sizeof attempts[0]; k++) {
        unsigned a = attempts[k];
        uint64_t bound = backoff_bound(a, 800, 60000);
        unsigned min = UINT_MAX, max = 0;
        double sum = 0;

        for (int i = 0; i < N; i++) {
            unsigned d = kv__backoff_ms(a, 800, 60000, next_rand());
            ck_assert_msg(d <= bound, "attempt %u: delay %u > bound %llu", a, d,
                          (unsigned long long)bound);
            if (d < min)
                min = d;
            if (d > max)
                max = d;
            sum += d;
        }
        ck_assert_msg(min <= bound / 20, "attempt %u: smallest delay %u of bound %llu", a, min,
                      (unsigned long long)bound);
        ck_assert_msg(max >= bound - bound / 20, "attempt %u: largest delay %u of bound %llu", a,
                      max, (unsigned long long)bound);
        ck_assert_msg(sum / N > bound * 0.45 && sum / N < bound * 0.55,
                      "attempt %u: mean %.1f, want about %.1f", a, sum / N, bound / 2.0);
    }
}
END_TEST

/* The cap bounds every delay, and huge attempt numbers neither overflow to small delays nor
 * exceed the cap. */
START_TEST(test_backoff_cap_and_overflow)
{
    static const unsigned huge[] = {31, 32, 33, 63, 64, 65, 1000, UINT_MAX};
    unsigned max = 0;

    for (int i = 0; i < 2000; i++) {
        unsigned d = kv__backoff_ms(8, 800, 5000, next_rand());
        ck_assert_msg(d <= 5000, "capped delay %u > 5000", d);
    }
    for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        max = 0;
        for (int i = 0; i < 2000; i++) {
            unsigned d = kv__backoff_ms(huge[k], 800, 60000, next_rand());
            ck_assert_msg(d <= 60000, "attempt %u: delay %u > cap", huge[k], d);
            if (d > max)
                max = d;
        }
        ck_assert_msg(max >= 50000, "attempt %u: largest of 2000 delays is %u: overflowed?",
                      huge[k], max);
        ck_assert_uint_le(kv__backoff_ms(huge[k], 800, 60000, UINT64_MAX), 60000);
        /* A cap at the top of the type must not wrap either. */
        ck_assert_uint_le(kv__backoff_ms(huge[k], UINT_MAX, UINT_MAX, UINT64_MAX), UINT_MAX);
    }
    /* A cap below the base wins over the base. */
    for (int i = 0; i < 200; i++)
        ck_assert_uint_le(kv__backoff_ms(0, 800, 100, next_rand()), 100);
}
END_TEST

START_TEST(test_retryable_status)
{
    static const long yes[] = {408, 429, 500, 502, 503, 504};
    static const long no[] = {0,   100, 200, 201, 204, 301, 304, 400, 401, 403,
                              404, 405, 409, 412, 413, 501, 505, 511, 600, -1};

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_msg(kv__retryable_status(yes[i]), "%ld is retryable", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(!kv__retryable_status(no[i]), "%ld is not retryable", no[i]);
}
END_TEST

/* ---- retry.c: Retry-After -------------------------------------------------------------- */

/* Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date). */
#define RFC_DATE "Sun, 06 Nov 1994 08:49:37 GMT"
#define RFC_DATE_UNIX 784111777

START_TEST(test_retry_after_seconds)
{
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, "1", 1000), 1000);
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, "0", 1000), 0);
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, "120", 1000), 120000);
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, NULL, 1000), -1);
}
END_TEST

START_TEST(test_retry_after_http_date)
{
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, RFC_DATE, RFC_DATE_UNIX - 10), 10000);
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, RFC_DATE, RFC_DATE_UNIX - 1), 1000);
    /* A date in the past, or now, means "retry now". */
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, RFC_DATE, RFC_DATE_UNIX), 0);
    ck_assert_int_eq(kv__retry_after_ms(NULL, NULL, RFC_DATE, RFC_DATE_UNIX + 3600), 0);
}
END_TEST

START_TEST(test_retry_after_ms_headers_precedence)
{
    ck_assert_int_eq(kv__retry_after_ms("1500", NULL, NULL, 0), 1500);
    ck_assert_int_eq(kv__retry_after_ms(NULL, "250", NULL, 0), 250);
    /* x-ms-retry-after-ms wins over retry-after-ms and Retry-After. */
    ck_assert_int_eq(kv__retry_after_ms("700", "250", "5", 0), 700);
    ck_assert_int_eq(kv__retry_after_ms("700", NULL, "5", 0), 700);
    /* retry-after-ms wins over Retry-After. */
    ck_assert_int_eq(kv__retry_after_ms(NULL, "250", "5", 0), 250);
    ck_assert_int_eq(kv__retry_after_ms("0", NULL, "5", 0), 0);
}
END_TEST

START_TEST(test_retry_after_garbage)
{
    static const char *const bad[] = {"",      "soon", "-5", "1.5.3", "Sun, 99 Foo 1994 xx:yy GMT",
                                      "12abc", " "};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(kv__retry_after_ms(NULL, NULL, bad[i], 1000) == -1,
                      "Retry-After \"%s\" is not usable", bad[i]);
        ck_assert_msg(kv__retry_after_ms(bad[i], NULL, NULL, 1000) == -1,
                      "x-ms-retry-after-ms \"%s\" is not usable", bad[i]);
    }
}
END_TEST

/* ---- challenge.c: parsing (spec/real-clients.md §3, A.2, B.2) --------------------------- */

static void parse_ok(const char *header, struct kv__challenge *ch)
{
    memset(ch, 0x55, sizeof *ch); /* garbage in, so the parser must fill every field */
    ck_assert_msg(kv__challenge_parse(header, ch) == 0, "parses: %s", header);
}

/* The real header exactly (", " separator, authorization, resource). */
START_TEST(test_challenge_real_format)
{
    struct kv__challenge ch;

    parse_ok("Bearer authorization=\"https://login.microsoftonline.com/" TENANT "\", "
             "resource=\"https://vault.azure.net\"",
             &ch);
    ck_assert_str_eq(ch.authorization, "https://login.microsoftonline.com/" TENANT);
    ck_assert_str_eq(ch.tenant, TENANT);
    ck_assert_str_eq(ch.resource, "https://vault.azure.net");
    ck_assert_str_eq(ch.scope, "https://vault.azure.net/.default");
}
END_TEST

/* "," without a space (Python accepts it; JS does not, but a good client should). */
START_TEST(test_challenge_comma_without_space)
{
    struct kv__challenge ch;

    parse_ok("Bearer authorization=\"https://login.microsoftonline.com/" TENANT "\","
             "resource=\"https://vault.azure.net\"",
             &ch);
    ck_assert_str_eq(ch.tenant, TENANT);
    ck_assert_str_eq(ch.resource, "https://vault.azure.net");
    ck_assert_str_eq(ch.scope, "https://vault.azure.net/.default");
}
END_TEST

START_TEST(test_challenge_authorization_uri)
{
    struct kv__challenge ch;

    parse_ok("Bearer authorization_uri=\"https://login.windows.net/" TENANT "\", "
             "resource=\"https://vault.azure.net\"",
             &ch);
    ck_assert_str_eq(ch.authorization, "https://login.windows.net/" TENANT);
    ck_assert_str_eq(ch.tenant, TENANT);
}
END_TEST

/* scope instead of resource: used verbatim; with both, scope wins. */
START_TEST(test_challenge_scope)
{
    struct kv__challenge ch;

    parse_ok("Bearer authorization=\"https://login.microsoftonline.com/" TENANT "\", "
             "scope=\"https://vault.azure.net/.default\"",
             &ch);
    ck_assert_str_eq(ch.scope, "https://vault.azure.net/.default");
    ck_assert_str_eq(ch.resource, "");
    ck_assert_str_eq(ch.tenant, TENANT);

    parse_ok("Bearer authorization=\"https://login.microsoftonline.com/" TENANT "\", "
             "resource=\"https://vault.azure.net\", scope=\"https://other.example/custom\"",
             &ch);
    ck_assert_str_eq(ch.scope, "https://other.example/custom");
    ck_assert_str_eq(ch.resource, "https://vault.azure.net");
}
END_TEST

/* The order of the parameters does not matter; unknown ones are ignored. */
START_TEST(test_challenge_order_and_unknown_keys)
{
    struct kv__challenge ch;

    parse_ok("Bearer resource=\"https://localhost:8443\", error=\"invalid_token\", "
             "authorization=\"https://localhost:8443/" TENANT "\"",
             &ch);
    ck_assert_str_eq(ch.tenant, TENANT);
    ck_assert_str_eq(ch.resource, "https://localhost:8443");
    ck_assert_str_eq(ch.scope, "https://localhost:8443/.default");
}
END_TEST

/* The tenant is the first path segment; the authorization host is ignored (and kept verbatim). */
START_TEST(test_challenge_tenant_first_segment)
{
    struct kv__challenge ch;

    parse_ok("Bearer authorization=\"https://evil.example:9999/" TENANT
             "/oauth2/authorize\", resource=\"https://vault.azure.net\"",
             &ch);
    ck_assert_str_eq(ch.tenant, TENANT);
    ck_assert_str_eq(ch.authorization, "https://evil.example:9999/" TENANT "/oauth2/authorize");

    parse_ok("Bearer authorization=\"https://demo.localhost:8443/" TENANT "\", "
             "resource=\"https://localhost:8443\"",
             &ch);
    ck_assert_str_eq(ch.tenant, TENANT);
}
END_TEST

/* JS tolerates a challenge without authorization: the tenant is then unknown. */
START_TEST(test_challenge_missing_authorization)
{
    struct kv__challenge ch;

    parse_ok("Bearer resource=\"https://vault.azure.net\"", &ch);
    ck_assert_str_eq(ch.authorization, "");
    ck_assert_str_eq(ch.tenant, "");
    ck_assert_str_eq(ch.resource, "https://vault.azure.net");
    ck_assert_str_eq(ch.scope, "https://vault.azure.net/.default");
}
END_TEST

START_TEST(test_challenge_refused)
{
    static const char *const bad[] = {
        /* not Bearer */
        "Basic realm=\"vault\"",
        "PoP authorization=\"https://login.microsoftonline.com/" TENANT "\", "
        "resource=\"https://vault.azure.net\"",
        "Negotiate",
        /* neither resource nor scope */
        "Bearer authorization=\"https://login.microsoftonline.com/" TENANT "\"",
        "Bearer",
        "",
    };
    struct kv__challenge ch;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(kv__challenge_parse(bad[i], &ch) == -1, "refused: \"%s\"", bad[i]);
}
END_TEST

/* ---- challenge.c: claims challenges (spec/identity.md §7.2, §7.3) ----------------------- */

/* The one real capture, from the Key Vault challenge tests of the SDKs. */
#define CAE_REAL                                                                                   \
    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/"      \
    "authorize\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2"  \
    "VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In0sInhtc19jYWVlcnJvciI6eyJ2YWx1ZSI6IjEwMDEyIn19fQ" \
    "==\""
#define CAE_REAL_JSON                                                                              \
    "{\"access_token\":{\"nbf\":{\"essential\":true,\"value\":\"1726077595\"},\"xms_caeerror\":{"  \
    "\"value\":\"10012\"}}}"

START_TEST(test_challenge_claims_real)
{
    struct kv__challenge ch;

    parse_ok(CAE_REAL, &ch);
    ck_assert_str_eq(ch.claims, CAE_REAL_JSON);
    /* It names no resource: the caller keeps the scope it had. */
    ck_assert_str_eq(ch.scope, "");
    ck_assert_str_eq(ch.resource, "");
    /* An ordinary challenge has no claims. */
    parse_ok("Bearer authorization=\"https://login.microsoftonline.com/" TENANT "\", "
             "resource=\"https://vault.azure.net\"",
             &ch);
    ck_assert_str_eq(ch.claims, "");
}
END_TEST

/* The URL-safe alphabet without padding, as azure-core Python also reads it. */
START_TEST(test_challenge_claims_urlsafe)
{
    struct kv__challenge ch;

    parse_ok("Bearer error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnt9fQ\"", &ch);
    ck_assert_str_eq(ch.claims, "{\"access_token\":{}}");
}
END_TEST

START_TEST(test_challenge_claims_refused)
{
    static const char *const bad[] = {
        /* claims without error="insufficient_claims", and no resource */
        "Bearer realm=\"\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnt9fQ==\"",
        /* error without claims */
        "Bearer realm=\"\", error=\"insufficient_claims\"",
        /* not base64, not JSON, not an object */
        "Bearer error=\"insufficient_claims\", claims=\"!!!\"",
        "Bearer error=\"insufficient_claims\", claims=\"bm90IGpzb24=\"",
        "Bearer error=\"insufficient_claims\", claims=\"WzFd\"",
    };
    struct kv__challenge ch;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(kv__challenge_parse(bad[i], &ch) == -1, "refused: \"%s\"", bad[i]);
}
END_TEST

/* The token request's claims: cp1 alone, or merged into the challenge's claims. */
START_TEST(test_claims_request)
{
    char *t = kv__claims_request(NULL);

    ck_assert_str_eq(t, "{\"access_token\":{\"xms_cc\":{\"values\":[\"cp1\"]}}}");
    free(t);
    t = kv__claims_request(CAE_REAL_JSON);
    ck_assert_str_eq(t,
                     "{\"access_token\":{\"nbf\":{\"essential\":true,\"value\":\"1726077595\"},"
                     "\"xms_caeerror\":{\"value\":\"10012\"},\"xms_cc\":{\"values\":[\"cp1\"]}}}");
    free(t);
    /* Other members stay; a challenge's own xms_cc is replaced by the client's. */
    t = kv__claims_request("{\"id_token\":{\"auth_time\":{\"essential\":true}},"
                           "\"access_token\":{\"xms_cc\":{\"values\":[\"cp9\"]}}}");
    ck_assert_str_eq(t, "{\"id_token\":{\"auth_time\":{\"essential\":true}},"
                        "\"access_token\":{\"xms_cc\":{\"values\":[\"cp1\"]}}}");
    free(t);
    ck_assert_ptr_null(kv__claims_request("[1]"));
    ck_assert_ptr_null(kv__claims_request("{\"access_token\":1}"));
    ck_assert_ptr_null(kv__claims_request("{"));
}
END_TEST

/* ---- challenge.c: resource verification (A.2 matrix; ports ignored, exact match fails) ---- */

static void set_resource(struct kv__challenge *ch, const char *resource)
{
    memset(ch, 0, sizeof *ch);
    snprintf(ch->authorization, sizeof ch->authorization, "https://login.microsoftonline.com/%s",
             TENANT);
    snprintf(ch->tenant, sizeof ch->tenant, "%s", TENANT);
    snprintf(ch->resource, sizeof ch->resource, "%s", resource);
    snprintf(ch->scope, sizeof ch->scope, "%s/.default", resource);
}

static const char *const matrix_resources[] = {"https://vault.azure.net", "https://localhost",
                                               "https://localhost:8443", NULL /* exact host */};
static const struct {
    const char *vault_host;
    int pass[4]; /* one per matrix_resources column */
} matrix[] = {
    {"localhost", {0, 0, 0, 0}},
    {"myvault.localhost", {0, 1, 1, 0}},
    {"myvault.vault.azure.net", {1, 0, 0, 0}},
};

START_TEST(test_verify_js_matrix)
{
    int row = _i / 4, col = _i % 4;
    struct kv__challenge ch;
    char exact[256], msg[512];
    const char *res = matrix_resources[col];
    int rc;

    if (!res) {
        snprintf(exact, sizeof exact, "https://%s", matrix[row].vault_host);
        res = exact;
    }
    set_resource(&ch, res);
    msg[0] = '\0';
    rc = kv__challenge_verify(matrix[row].vault_host, &ch, msg, sizeof msg);
    if (matrix[row].pass[col]) {
        ck_assert_msg(rc == 0, "vault %s, resource %s: should pass", matrix[row].vault_host, res);
    } else {
        ck_assert_msg(rc == -1, "vault %s, resource %s: should fail", matrix[row].vault_host, res);
        ck_assert_msg(msg[0] != '\0', "vault %s, resource %s: a message says why",
                      matrix[row].vault_host, res);
    }
}
END_TEST

START_TEST(test_verify_edges)
{
    struct kv__challenge ch;
    char msg[512];

    /* A suffix that is not at a label boundary does not count. */
    set_resource(&ch, "https://vault.azure.net");
    ck_assert_int_eq(kv__challenge_verify("evilvault.azure.net", &ch, msg, sizeof msg), -1);
    ck_assert_int_eq(kv__challenge_verify("vault.azure.net.evil.example", &ch, msg, sizeof msg),
                     -1);
    /* Deeper subdomains pass, like the SDKs' endsWith check. */
    ck_assert_int_eq(kv__challenge_verify("a.b.vault.azure.net", &ch, msg, sizeof msg), 0);
    /* Host names compare case-insensitively. */
    set_resource(&ch, "https://Vault.Azure.NET");
    ck_assert_int_eq(kv__challenge_verify("myvault.vault.azure.net", &ch, msg, sizeof msg), 0);
    /* A resource with a path and a trailing slash: only its host counts. */
    set_resource(&ch, "https://vault.azure.net/");
    ck_assert_int_eq(kv__challenge_verify("myvault.vault.azure.net", &ch, msg, sizeof msg), 0);

    /* A scope-only challenge is verified by its scope's host. */
    memset(&ch, 0, sizeof ch);
    snprintf(ch.scope, sizeof ch.scope, "https://vault.azure.net/.default");
    ck_assert_int_eq(kv__challenge_verify("myvault.vault.azure.net", &ch, msg, sizeof msg), 0);
    ck_assert_int_eq(kv__challenge_verify("myvault.localhost", &ch, msg, sizeof msg), -1);

    /* Both given: the scope is what the token is requested for, so a resource that matches does
     * not excuse a scope for another service (a rogue host asking for the real vault's token). */
    ck_assert_int_eq(
        kv__challenge_parse("Bearer authorization=\"https://login.microsoftonline.com/t\", "
                            "resource=\"https://localhost\", "
                            "scope=\"https://vault.azure.net/.default\"",
                            &ch),
        0);
    ck_assert_int_eq(kv__challenge_verify("myvault.localhost", &ch, msg, sizeof msg), -1);
    ck_assert_int_eq(kv__challenge_verify("myvault.vault.azure.net", &ch, msg, sizeof msg), -1);
    snprintf(ch.resource, sizeof ch.resource, "https://vault.azure.net");
    ck_assert_int_eq(kv__challenge_verify("myvault.vault.azure.net", &ch, msg, sizeof msg), 0);
}
END_TEST

static Suite *unit_protocol_suite(void)
{
    Suite *s = suite_create("kvclient-unit-protocol");
    TCase *retry = tcase_create("retry");
    TCase *challenge = tcase_create("challenge");

    tcase_add_test(retry, test_backoff_extremes);
    tcase_add_test(retry, test_backoff_full_jitter_distribution);
    tcase_add_test(retry, test_backoff_cap_and_overflow);
    tcase_add_test(retry, test_retryable_status);
    tcase_add_test(retry, test_retry_after_seconds);
    tcase_add_test(retry, test_retry_after_http_date);
    tcase_add_test(retry, test_retry_after_ms_headers_precedence);
    tcase_add_test(retry, test_retry_after_garbage);
    suite_add_tcase(s, retry);

    tcase_add_test(challenge, test_challenge_real_format);
    tcase_add_test(challenge, test_challenge_comma_without_space);
    tcase_add_test(challenge, test_challenge_authorization_uri);
    tcase_add_test(challenge, test_challenge_scope);
    tcase_add_test(challenge, test_challenge_order_and_unknown_keys);
    tcase_add_test(challenge, test_challenge_tenant_first_segment);
    tcase_add_test(challenge, test_challenge_missing_authorization);
    tcase_add_test(challenge, test_challenge_refused);
    tcase_add_test(challenge, test_challenge_claims_real);
    tcase_add_test(challenge, test_challenge_claims_urlsafe);
    tcase_add_test(challenge, test_challenge_claims_refused);
    tcase_add_test(challenge, test_claims_request);
    tcase_add_loop_test(challenge, test_verify_js_matrix, 0,
                        (int)(sizeof matrix / sizeof matrix[0]) * 4);
    tcase_add_test(challenge, test_verify_edges);
    suite_add_tcase(s, challenge);
    return s;
}

int main(void)
{
    return unit_run(unit_protocol_suite());
}
