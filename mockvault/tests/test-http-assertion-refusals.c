/* test-http-assertion-refusals.c: every refusal of a client assertion with its status, error
 * and AADSTS code: the request's shape, malformed assertions, keys, claims, and the mock clock
 * (assertion-common.h says how the suites run). */
#include "assertion-common.h"

/* ---- Refusals ---- */

/* The request around the assertion: its type, and a secret next to it. */
START_TEST(test_assertion_request_shape)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);

    post_assertion("localhost", TOKEN_V2, NULL, a,
                   "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", "", &r);
    expect_aad(&r, 400, "invalid_request", 90011, "Unexpected client assertion type.",
               "wrong client_assertion_type");
    ck_assert_msg(strstr(r.body, "eyJ") == NULL, "the assertion is not echoed");
    mvt_resp_free(&r);

    post_assertion("localhost", TOKEN_V2, NULL, a, NULL, "", &r);
    expect_aad(&r, 400, "invalid_request", 900144,
               "The request body must contain the following parameter: 'client_assertion_type'.",
               "missing client_assertion_type");
    mvt_resp_free(&r);

    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "&client_secret=" T_FLOW_SECRET,
                   &r);
    expect_aad(&r, 400, "invalid_request", 9002313, "Invalid request.",
               "client_secret and client_assertion");
    mvt_resp_free(&r);

    /* A type without an assertion is no credential at all. */
    post_assertion("localhost", TOKEN_V2, NULL, NULL, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 7000218,
               "The request body must contain the following parameter: 'client_assertion' or "
               "'client_secret'.",
               "type without assertion");
    mvt_resp_free(&r);

    /* Unknown app: the app lookup comes first, as for secrets. */
    post_assertion("localhost", TOKEN_V2, "deadbeef-0000-4000-8000-000000000000", a, JWT_BEARER_ENC,
                   "", &r);
    expect_aad(&r, 400, "unauthorized_client", 700016, "Application with identifier",
               "unknown client_id");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* Assertions that are not JWTs, or not signed JWTs: AADSTS50027 (or 5002727 / 5002730). */
START_TEST(test_assertion_malformed)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a, *huge;
    struct signer ec;

    static const char *const garbage[] = {
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJSUzI1NiJ9..",
        "%21%21%21.%21%21%21.%21%21%21",
        /* Header not JSON: "hello". */
        "aGVsbG8.e30.c2ln",
        /* Header a JSON array. */
        "WzFd.e30.c2ln",
        /* Five parts: a JWE. */
        "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        post_assertion("localhost", TOKEN_V2, NULL, garbage[i], JWT_BEARER_ENC, "", &r);
        expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
                   garbage[i]);
        mvt_resp_free(&r);
    }

    /* An empty signature, as in the real capture (MiniGraph#4). */
    assertion_defaults(&sh, false, now);
    sh.sign_as = "none";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
               "empty signature");
    mvt_resp_free(&r);
    free(a);

    /* alg none, with no signature and with a real RS256 signature. */
    for (int signed_ = 0; signed_ < 2; signed_++) {
        assertion_defaults(&sh, false, now);
        sh.alg = "none";
        sh.sign_as = signed_ ? "RS256" : "none";
        a = make_assertion(&flow, &sh);
        if (!signed_) {
            /* "none" JWTs end in a dot; a non-empty dummy keeps the parse past the signature. */
            char *b = hc_xmalloc(strlen(a) + 8);
            sprintf(b, "%sAAAA", a);
            free(a);
            a = b;
        }
        post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
        expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
                   "alg none");
        mvt_resp_free(&r);
        free(a);
    }

    /* HS256 keyed with the public certificate. */
    assertion_defaults(&sh, false, now);
    sh.alg = "HS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "HS256");
    mvt_resp_free(&r);
    free(a);

    /* An RSA alg other than RS256/PS256. */
    assertion_defaults(&sh, false, now);
    sh.alg = "RS512";
    sh.sign_as = "RS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "RS512");
    mvt_resp_free(&r);
    free(a);

    /* ES256 with a real EC key: a wrong key type. */
    make_signer(&ec, GNUTLS_PK_ECDSA, time(NULL) - 86400, time(NULL) + 86400 * 365);
    assertion_defaults(&sh, false, now);
    sh.alg = "ES256";
    a = make_assertion(&ec, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 5002730,
               "Invalid JWT token. Unsupported key for the signing algorithm.", "ES256");
    mvt_resp_free(&r);
    free(a);
    signer_free(&ec);

    /* typ other than JWT. */
    assertion_defaults(&sh, false, now);
    sh.typ = "at+jwt";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 5002727, "Invalid JWT header type specified",
               "typ at+jwt");
    mvt_resp_free(&r);
    free(a);

    /* aud as an array (real Entra: 50027), no exp, no iss, a string exp. */
    assertion_defaults(&sh, false, now);
    sh.aud_array = true;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.",
               "aud array");
    mvt_resp_free(&r);
    free(a);
    assertion_defaults(&sh, false, now);
    sh.has_exp = false;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "no exp");
    mvt_resp_free(&r);
    free(a);
    assertion_defaults(&sh, false, now);
    sh.iss = NULL;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "no iss");
    mvt_resp_free(&r);
    free(a);

    /* Huge: a correctly signed assertion of 40 KB is refused before any key work. */
    assertion_defaults(&sh, false, now);
    sh.pad = 30 * 1024;
    huge = make_assertion(&flow, &sh);
    ck_assert_uint_gt(strlen(huge), 32 * 1024);
    post_assertion("localhost", TOKEN_V2, NULL, huge, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 400, "invalid_request", 50027, "JWT token is invalid or malformed.", "huge");
    mvt_resp_free(&r);
    free(huge);
}
END_TEST

/* Keys: unknown thumbprint, none, tampered signature, wrong alg for the signature, an app without
 * certificates. */
START_TEST(test_assertion_keys)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    struct signer other;
    char *a, want[128];

    /* Signed by a key the app does not have: its thumbprint is named in the error. */
    make_signer(&other, GNUTLS_PK_RSA, time(NULL) - 86400, time(NULL) + 86400 * 365);
    assertion_defaults(&sh, false, now);
    a = make_assertion(&other, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint of key "
               "used by client: '",
               "unknown x5t");
    {
        char hex[41];
        for (int i = 0; i < 20; i++)
            snprintf(hex + 2 * i, 3, "%02X", other.sha1[i]);
        snprintf(want, sizeof want, "Thumbprint of key used by client: '%s'", hex);
        ck_assert_msg(strstr(hc_jstr(r.json, "error_description"), want), "names %s", want);
        ck_assert_msg(
            strstr(hc_jstr(r.json, "error_description"), "keys for app Id '" T_FLOW_ID "'"),
            "names the app");
    }
    mvt_resp_free(&r);
    free(a);
    /* The same with PS256 and x5t#S256. */
    assertion_defaults(&sh, true, now);
    a = make_assertion(&other, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint",
               "unknown x5t#S256");
    mvt_resp_free(&r);
    free(a);
    signer_free(&other);

    /* No thumbprint header at all: the message names none. */
    assertion_defaults(&sh, false, now);
    sh.x5t = false;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Please visit",
               "no x5t");
    mvt_resp_free(&r);
    free(a);

    /* Tampered: the payload changed after signing (a different jti). */
    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);
    {
        char *b = make_assertion(&flow, &sh);
        char *sig_a = strrchr(a, '.'), *sig_b = strrchr(b, '.');
        ck_assert_uint_eq(strlen(sig_a), strlen(sig_b));
        memcpy(sig_a, sig_b, strlen(sig_b));
        free(b);
    }
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "Client assertion contains an invalid signature. [Reason - Key was found, but use "
               "of the key to verify the signature failed., Thumbprint of key used by client: "
               "'" FLOW_X5T_HEX
               "', Found key 'Start=11/26/2025 00:00:00, End=11/26/2045 00:00:00', ",
               "tampered");
    mvt_resp_free(&r);
    free(a);

    /* A flipped bit in the signature itself. */
    assertion_defaults(&sh, true, now);
    a = make_assertion(&flow, &sh);
    {
        char *last = a + strlen(a) - 5;
        *last = *last == 'A' ? 'B' : 'A';
    }
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "Client assertion contains an invalid signature. [Reason - Key was found",
               "flipped signature bit");
    mvt_resp_free(&r);
    free(a);

    /* Header PS256, signed PKCS#1 v1.5, and the reverse. */
    assertion_defaults(&sh, true, now);
    sh.sign_as = "RS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027, "Client assertion contains an invalid signature.",
               "PS256 header, RS256 signature");
    mvt_resp_free(&r);
    free(a);
    assertion_defaults(&sh, false, now);
    sh.sign_as = "PS256";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027, "Client assertion contains an invalid signature.",
               "RS256 header, PS256 signature");
    mvt_resp_free(&r);
    free(a);

    /* An app without certificates (mockvault-admin), asserted with the flow key. */
    assertion_defaults(&sh, false, now);
    sh.iss = sh.sub = T_ADMIN_ID;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, T_ADMIN_ID, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint of key "
               "used by client: '" FLOW_X5T_HEX "'",
               "app without certificates");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* Claims: iss/sub, aud, nbf/exp. */
START_TEST(test_assertion_claims)
{
    int64_t now = hc_now(srv);
    unsigned port = (unsigned)mv_server_port(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a;

    assertion_defaults(&sh, false, now);
    sh.sub = "someone-else";
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 50048,
               "Subject must match the issuer claim in the client assertion.", "sub != iss");
    mvt_resp_free(&r);
    free(a);

    assertion_defaults(&sh, false, now);
    sh.sub = NULL;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 50048, "Subject must match", "no sub");
    mvt_resp_free(&r);
    free(a);

    assertion_defaults(&sh, true, now);
    sh.iss = sh.sub = T_ADMIN_ID;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700021,
               "Client assertion application identifier doesn't match 'client_id' parameter.",
               "iss != client_id");
    mvt_resp_free(&r);
    free(a);

    {
        /* origin, then ":port" unless the origin is Azure's, then the path. */
        static const struct {
            const char *origin, *path;
        } wrong[] = {
            {"https://login.microsoftonline.com", "/" T_TENANT "/oauth2/v2.0/token"},
            {"https://localhost", "/" T_TENANT "/oauth2/v2.0/token/"},
            {"https://localhost", "/" T_TENANT "/v2.0"},
            {"https://localhost", "/common/oauth2/v2.0/token"},
            {"https://localhost", "/22222222-2222-2222-2222-000000000000/oauth2/v2.0/token"},
            {"https://demo.localhost", "/" T_TENANT "/oauth2/v2.0/token"},
            {"http://localhost", "/" T_TENANT "/oauth2/v2.0/token"},
        };
        for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
            assertion_defaults(&sh, i % 2 == 0, now);
            if (strstr(wrong[i].origin, "microsoftonline"))
                snprintf(sh.aud, sizeof sh.aud, "%s%s", wrong[i].origin, wrong[i].path);
            else
                snprintf(sh.aud, sizeof sh.aud, "%s:%u%s", wrong[i].origin, port, wrong[i].path);
            a = make_assertion(&flow, &sh);
            post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
            expect_aad(&r, 401, "invalid_client", 700023,
                       "Client assertion audience claim does not match Realm issuer.", sh.aud);
            mvt_resp_free(&r);
            free(a);
        }
    }

    /* Expired beyond the skew: exp in the past. The message shows both times. */
    assertion_defaults(&sh, false, now);
    sh.nbf = now - 1600;
    sh.exp = now - 1000;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(
        &r, 401, "invalid_client", 700024,
        "Client assertion is not within its valid time range. Current time: ", "exp in the past");
    {
        char want[80];
        time_t t = (time_t)(now - 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "expiry time of assertion %Y-%m-%dT%H:%M:%S.0000000Z", &tm);
        ck_assert_msg(strstr(hc_jstr(r.json, "error_description"), want), "shows %s", want);
    }
    mvt_resp_free(&r);
    free(a);

    /* Without nbf, "valid from" is the epoch (as in the real captures). */
    assertion_defaults(&sh, true, now);
    sh.has_nbf = false;
    sh.exp = now - 400;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700024, "Client assertion is not within", "no nbf");
    ck_assert_msg(strstr(hc_jstr(r.json, "error_description"),
                         "assertion valid from 1970-01-01T00:00:00.0000000Z"),
                  "valid from the epoch");
    mvt_resp_free(&r);
    free(a);

    /* Not valid yet. */
    assertion_defaults(&sh, false, now);
    sh.nbf = now + 1000;
    sh.exp = now + 1600;
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700024, "Client assertion is not within",
               "nbf in the future");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

/* The mock clock decides: an assertion that was fine expires when the clock moves on, and the
 * registered certificate itself expires in 2045. */
START_TEST(test_assertion_mock_clock)
{
    int64_t now = hc_now(srv);
    struct shape sh;
    struct mvt_resp r;
    char *a, body[64];

    assertion_defaults(&sh, false, now);
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    hc_assert_status(&r, 200, "before advancing");
    mvt_resp_free(&r);
    hc_clock(srv, "{\"advance\":1000}");
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700024, "Client assertion is not within",
               "after advancing 1000 s");
    mvt_resp_free(&r);
    free(a);

    /* 2046-01-01: the fixture certificate (valid to 2045-11-26) is expired. */
    snprintf(body, sizeof body, "{\"set\":%lld}", 2398377600LL);
    hc_clock(srv, body);
    now = hc_now(srv);
    assertion_defaults(&sh, true, now);
    a = make_assertion(&flow, &sh);
    post_assertion("localhost", TOKEN_V2, NULL, a, JWT_BEARER_ENC, "", &r);
    expect_aad(&r, 401, "invalid_client", 700027,
               "Client assertion contains an invalid signature. [Reason - The key used is "
               "expired., Thumbprint of key used by client: '",
               "certificate expired");
    ck_assert_msg(strstr(hc_jstr(r.json, "error_description"),
                         "Found key 'Start=11/26/2025 00:00:00, End=11/26/2045 00:00:00'"),
                  "shows the key's validity");
    mvt_resp_free(&r);
    free(a);
}
END_TEST

static Suite *assertion_refusals_suite(void)
{
    Suite *s = suite_create("http-assertion-refusals");
    TCase *bad = tcase_create("refusals");

    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_assertion_request_shape);
    tcase_add_test(bad, test_assertion_malformed);
    tcase_add_test(bad, test_assertion_keys);
    tcase_add_test(bad, test_assertion_claims);
    tcase_add_test(bad, test_assertion_mock_clock);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return mvt_run(assertion_refusals_suite(), false);
}
