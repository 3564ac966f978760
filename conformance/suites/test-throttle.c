/* test-throttle.c: the throttling rows of spec/keyvault-secrets.md (§2 "Throttled", §7 limits)
 * and the error body of an injected 5xx. Exceeding the real limits (4,000 transactions, 300
 * creations per 10 s) against a real vault is unsafe, so every test here is mock only: it lowers
 * the limits through PUT /_mock/throttle and moves the mock clock, and the runner puts the
 * throttle, the clock, the state and the fault rules back afterwards, also when a test fails
 * (KVC_CHANGES_MOCK). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-suite.h"

#define FAM "throttle"

/* §2 "Throttled": the captured body, 146 bytes. */
static const char throttled[] =
    "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many "
    "requests were received. Reason: VaultRequestTypeLimitReached\"}}";

/* A transaction that succeeds whatever the vault holds: the first page of one secret. */
#define TX_PATH "/secrets?maxresults=1"

/* Switches the mock's Key Vault throttling on with small limits; every window starts empty. */
static void throttle_on(unsigned transactions, unsigned creations, double window)
{
    struct kvc_resp r;
    char body[160];

    snprintf(body, sizeof body,
             "{\"mode\":\"azure\",\"transactions\":%u,\"creations\":%u,\"windowSeconds\":%g}",
             transactions, creations, window);
    ck_assert_msg(kvc_control("PUT", "/_mock/throttle", body, &r) == 200,
                  "PUT /_mock/throttle %s answered %ld", body, r.status);
    ck_assert_msg(strcmp(kvc_jstr(r.json, "mode"), "azure") == 0, "throttle mode not azure");
    kvc_resp_free(&r);
}

/* Switches throttling off before a test's own cleanup (the runner restores it anyway). */
static void throttle_off(void)
{
    kvc_control("PUT", "/_mock/throttle", "{\"mode\":\"off\"}", NULL);
}

/* Moves the mock clock by a fractional number of seconds (kvc_clock_advance rounds to whole
 * seconds, and the sliding-window tests need half seconds of margin). */
static void advance(double seconds)
{
    char body[64];

    snprintf(body, sizeof body, "{\"advance\":%.3f}", seconds);
    ck_assert_msg(kvc_control("POST", "/_mock/clock", body, NULL) == 200, "POST /_mock/clock %s",
                  body);
}

/* Status of one transaction (GET TX_PATH as the admin app). */
static long tx(void)
{
    struct kvc_resp r;
    long st;

    kv("GET", TX_PATH, NULL, &r);
    st = r.status;
    kvc_resp_free(&r);
    return st;
}

/* Asserts a transaction's status; n names the request in the sequence for the message. */
static void expect_tx(long want, const char *n)
{
    long got = tx();

    ck_assert_msg(got == want, "%s: GET /secrets answered %ld, want %ld", n, got, want);
}

/* The whole 429 of §2: exact body, the error headers (§4 common headers, exact Content-Type),
 * no Retry-After (the real response had none), and the client request id echoed (it was in the
 * captured 429's headers). */
static void assert_throttled(const struct kvc_resp *r, const char *crid, const char *what)
{
    kvc_assert_status(r, 429, what);
    kvc_assert_body(r, throttled, what);
    ck_assert_msg(r->len == 146, "%s: body is %zu bytes, the capture has 146", what, r->len);
    kvc_assert_common_headers(r, what);
    kvc_assert_header(r, "Retry-After", NULL, what);
    if (crid)
        kvc_assert_header(r, "x-ms-client-request-id", crid, what);
}

/* §2 "Throttled": past the transaction limit the vault answers 429 with the exact Throttled body
 * and the headers of an error. */
START_TEST(kv_s2_throttled_429_body)
{
    static const char crid[] = "5d1f0c3a-8e2b-4c7d-9f60-1a2b3c4d5e6f";
    static const char *const hl[] = {"x-ms-client-request-id: 5d1f0c3a-8e2b-4c7d-9f60-1a2b3c4d5e6f",
                                     NULL};
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "thr");
    snprintf(path, sizeof path, "/secrets/%s", name);
    throttle_on(3, 1000, 10);
    for (int i = 0; i < 3; i++)
        expect_tx(200, "transaction within the limit");
    kv_req(NULL, "GET", TX_PATH, kvc.token, hl, NULL, &r);
    assert_throttled(&r, crid, "transaction over the limit");
    kvc_resp_free(&r);
    /* Any operation of the vault is a transaction: a GET of one secret is refused too. */
    kv("GET", path, NULL, &r);
    assert_throttled(&r, NULL, "GetSecret over the limit");
    kvc_resp_free(&r);
    throttle_off();
}
END_TEST

/* §7 "Secret CREATE secret": SetSecret has its own limit. Past it a PUT is 429 Throttled and
 * makes no version, while reads (transactions) still pass. */
START_TEST(kv_s7_limits_creations_setsecret)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "thr");
    snprintf(path, sizeof path, "/secrets/%s", name);
    throttle_on(1000, 2, 10);
    kvc_set(name, "{\"value\":\"v1\"}", NULL, 0);
    kvc_set(name, "{\"value\":\"v2\"}", NULL, 0);
    kv("PUT", path, "{\"value\":\"v3\"}", &r);
    assert_throttled(&r, NULL, "third SetSecret with a creation limit of 2");
    kvc_resp_free(&r);
    /* Creations and transactions are counted apart: reads are still admitted. */
    expect_tx(200, "transaction after the creation limit");
    snprintf(path, sizeof path, "/secrets/%s/versions", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "GetSecretVersions");
    ck_assert_msg(cJSON_GetArraySize(kvc_jget(r.json, "value")) == 2,
                  "the refused SetSecret made a version: %d versions, want 2",
                  cJSON_GetArraySize(kvc_jget(r.json, "value")));
    kvc_resp_free(&r);
    throttle_off();
    kvc_cleanup(name);
}
END_TEST

/* §7: the window slides. With 2 transactions per 10 s: A at 0 and B at 5 fill it; at 10.5 A has
 * left, so one more is admitted and the next refused; at 15.5 B has left too. */
START_TEST(kv_s7_limits_transactions_sliding_window)
{
    throttle_on(2, 1000, 10);
    expect_tx(200, "A at 0 s");
    advance(5);
    expect_tx(200, "B at 5 s");
    expect_tx(429, "C at 5 s (A and B in the window)");
    advance(5.5);
    expect_tx(200, "D at 10.5 s (A left the window)");
    expect_tx(429, "E at 10.5 s (B and D in the window)");
    advance(5);
    expect_tx(200, "F at 15.5 s (B left the window)");
    expect_tx(429, "G at 15.5 s (D and F in the window)");
    throttle_off();
}
END_TEST

/* §7: "Requests that get a 429 do not count towards the limit". Two admitted at 0, five refused
 * at 3; at 10.5 the two have left, and if the five refused ones counted (they would stay in the
 * window until 13) nothing would be admitted: exactly two are. */
START_TEST(kv_s7_throttled_requests_not_counted)
{
    throttle_on(2, 1000, 10);
    expect_tx(200, "first at 0 s");
    expect_tx(200, "second at 0 s");
    advance(3);
    for (int i = 0; i < 5; i++)
        expect_tx(429, "refused at 3 s");
    advance(7.5);
    expect_tx(200, "first at 10.5 s (the refused ones did not count)");
    expect_tx(200, "second at 10.5 s (the refused ones did not count)");
    expect_tx(429, "third at 10.5 s");
    throttle_off();
}
END_TEST

/* §2 envelope and headers on injected faults (DESIGN.md §7: "a fault with a status answers with
 * the real error body for that status"): a 503 and a 500 on GetSecret are compact Key Vault
 * envelopes with a code and a message and the error headers, a 429 is the exact Throttled body,
 * and each rule with "times":1 is spent after one answer. */
START_TEST(kv_s2_fault_5xx_error_envelope)
{
    static const long statuses[] = {503, 500, 429};
    struct kvc_resp r;
    char name[96], path[256], rule[256], what[64];

    kvc_name(name, sizeof name, "flt");
    kvc_set(name, "{\"value\":\"v\"}", NULL, 0);
    snprintf(path, sizeof path, "/secrets/%s", name);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        snprintf(what, sizeof what, "injected %ld", statuses[i]);
        snprintf(rule, sizeof rule,
                 "{\"match\":{\"endpoint\":\"vault\",\"operation\":\"GetSecret\",\"path\":\"%s\"},"
                 "\"action\":{\"status\":%ld},\"times\":1}",
                 path, statuses[i]);
        ck_assert_msg(kvc_control("POST", "/_mock/faults", rule, NULL) == 201,
                      "POST /_mock/faults refused the %ld rule", statuses[i]);
        kv("GET", path, NULL, &r);
        kvc_assert_status(&r, statuses[i], what);
        ck_assert_msg(kvc_json_is_compact(r.body), "%s: body not compact", what);
        kvc_assert_keys(r.json, "error", what);
        kvc_assert_keys(kvc_jget(r.json, "error"), "code,message", what);
        ck_assert_msg(kvc_jstr(r.json, "error.code")[0] && kvc_jstr(r.json, "error.message")[0],
                      "%s: empty code or message: %s", what, r.body);
        kvc_assert_common_headers(&r, what);
        kvc_assert_header(&r, "Retry-After", NULL, what);
        if (statuses[i] == 429)
            kvc_assert_body(&r, throttled, what);
        kvc_resp_free(&r);
        /* The rule fired once and is spent: the secret is served again. */
        kv("GET", path, NULL, &r);
        kvc_assert_status(&r, 200, "GET after the spent rule");
        kvc_resp_free(&r);
    }
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_throttle(struct kvc_reg *reg)
{
    static const char why[] =
        "needs the mock's control API (/_mock/throttle, /_mock/clock, /_mock/faults): exceeding "
        "the real limits against a real vault is unsafe";

    kvc_add_test(reg, FAM, kv_s2_throttled_429_body, KVC_CHANGES_MOCK, why);
    kvc_add_test(reg, FAM, kv_s7_limits_creations_setsecret, KVC_CHANGES_MOCK, why);
    kvc_add_test(reg, FAM, kv_s7_limits_transactions_sliding_window, KVC_CHANGES_MOCK, why);
    kvc_add_test(reg, FAM, kv_s7_throttled_requests_not_counted, KVC_CHANGES_MOCK, why);
    kvc_add_test(reg, FAM, kv_s2_fault_5xx_error_envelope, KVC_CHANGES_MOCK, why);
}
