/* test-cert-poller.c: libkvclient's certificate poller (kv_certificate_create_wait,
 * kv_certificate_wait) against the scripted HTTPS server (faultsrv.c), which answers what the
 * mock decides on its own: an operation that stays inProgress for a while with a Retry-After of
 * its choosing, one that fails, one that never ends. Checked from the request journal: the first
 * GET of the operation follows the 202 at once (spec §7), the next ones wait the server's
 * Retry-After (not the 5 s default interval), the certificate is read only when the operation
 * completed, and the poller's own timeout ends a wait that would not. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsclient.h"
#include "kvclient.h"
#include "kvtest.h"

#define OP(status, extra)                                                                          \
    "{\"id\":\"https://demo.localhost/certificates/c/pending\",\"issuer\":{\"name\":\"Self\"},"    \
    "\"cancellation_requested\":false,\"status\":\"" status "\"" extra ",\"request_id\":\"r1\"}"

static const char cert_body[] =
    "{\"id\":\"https://demo.localhost/certificates/c/0123456789abcdef0123456789abcdef\","
    "\"kid\":\"https://demo.localhost/keys/c/0123456789abcdef0123456789abcdef\","
    "\"sid\":\"https://demo.localhost/secrets/c/0123456789abcdef0123456789abcdef\","
    "\"x5t\":\"abc\",\"cer\":\"AQID\",\"attributes\":{\"enabled\":true,\"created\":1,"
    "\"updated\":1}}";

START_TEST(test_poll_honours_retry_after)
{
    static const struct fs_reply accepted = {
        202, {"Retry-After: 1", NULL}, OP("inProgress", ""), 0};
    static const struct fs_reply busy = {200, {"Retry-After: 1", NULL}, OP("inProgress", ""), 0};
    static const struct fs_reply done = {
        200, {NULL}, OP("completed", ",\"target\":\"https://demo.localhost/certificates/c\""), 0};
    static const struct fs_reply cert = {200, {NULL}, cert_body, 0};
    struct kv_client *c = fs_client(0);
    struct kv_error err;
    struct kv_poll_options poll;
    struct kv_certificate *k = NULL;
    struct kv_certificate_operation *op = NULL;
    struct fs_entry j[16];
    size_t n;

    memset(&err, 0, sizeof err);
    fs_push(fs, &accepted, 1);
    fs_push(fs, &busy, 2);
    fs_push(fs, &done, 1);
    fs_push(fs, &cert, 1);
    kv_poll_options_init(&poll);
    ck_assert_uint_eq(poll.interval_ms, 5000);
    kt_assert_ok(kv_certificate_create_wait(c, "c", "{\"issuer\":{\"name\":\"Self\"}}", NULL, &poll,
                                            &k, &op, &err),
                 &err, "create_wait");
    ck_assert_str_eq(op->status, "completed");
    ck_assert_ptr_nonnull(k);
    ck_assert_str_eq(k->version, "0123456789abcdef0123456789abcdef");
    ck_assert_uint_eq(k->cer.len, 3);
    n = fs_vault_journal(fs, j, 16);
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(j[0].method, "POST");
    ck_assert_str_eq(j[0].path, "/certificates/c/create");
    ck_assert_str_eq(j[1].path, "/certificates/c/pending");
    ck_assert_str_eq(j[3].path, "/certificates/c/pending");
    ck_assert_str_eq(j[4].path, "/certificates/c/");
    /* At once after the 202 (the SDKs do not wait there), then Retry-After: 1 each time. */
    ck_assert_msg(j[1].t_ms - j[0].t_ms < 900, "first poll after %llu ms",
                  (unsigned long long)(j[1].t_ms - j[0].t_ms));
    for (int i = 2; i <= 3; i++) {
        uint64_t gap = j[i].t_ms - j[i - 1].t_ms;
        ck_assert_msg(gap >= 1000 && gap < 4000, "poll %d after %llu ms, want Retry-After 1 s", i,
                      (unsigned long long)gap);
    }
    kv_certificate_free(k);
    kv_certificate_operation_free(op);
    kv_client_destroy(c);
}
END_TEST

START_TEST(test_poll_failed_and_timeout)
{
    static const struct fs_reply failed = {
        200,
        {NULL},
        OP("failed", ",\"status_details\":\"\",\"error\":{\"code\":\"Certificate issuer error\","
                     "\"message\":\"Request rejected\"}"),
        0};
    static const struct fs_reply busy = {200, {"Retry-After: 1", NULL}, OP("inProgress", ""), 0};
    struct kv_client *c = fs_client(0);
    struct kv_error err;
    struct kv_poll_options poll;
    struct kv_certificate *k = (struct kv_certificate *)&k;
    struct kv_certificate_operation *op = NULL;

    memset(&err, 0, sizeof err);
    kv_poll_options_init(&poll);
    /* A failed operation ends the wait without reading a certificate; the error is the op's. */
    fs_push(fs, &failed, 1);
    kt_assert_ok(kv_certificate_wait(c, "c", &poll, &k, &op, &err), &err, "wait failed");
    ck_assert_ptr_null(k);
    ck_assert_str_eq(op->status, "failed");
    ck_assert_str_eq(op->error_code, "Certificate issuer error");
    ck_assert_str_eq(op->error_message, "Request rejected");
    kv_certificate_operation_free(op);
    ck_assert_uint_eq(fs_vault_journal(fs, NULL, 0), 1);

    /* inProgress forever: the poller's timeout, before a wait that would pass it. */
    fs_push(fs, &busy, 2);
    poll.timeout_ms = 1500;
    uint64_t t0 = fs_now_ms();
    kt_assert_status(kv_certificate_wait(c, "c", &poll, &k, &op, &err), KV_E_TIMEOUT, &err,
                     "wait forever");
    ck_assert_ptr_null(op);
    ck_assert_ptr_null(k);
    ck_assert_uint_lt(fs_now_ms() - t0, 3000);
    ck_assert_uint_eq(fs_vault_journal(fs, NULL, 0), 3);

    /* max_interval_ms caps the server's Retry-After. */
    fs_push(fs, &busy, 3);
    fs_push(fs, &failed, 1);
    poll.timeout_ms = 0;
    poll.max_interval_ms = 20;
    t0 = fs_now_ms();
    kt_assert_ok(kv_certificate_wait(c, "c", &poll, NULL, &op, &err), &err, "capped");
    ck_assert_uint_lt(fs_now_ms() - t0, 900);
    ck_assert_str_eq(op->status, "failed");
    kv_certificate_operation_free(op);
    kv_client_destroy(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kvclient-cert-poller");
    TCase *tc = tcase_create("poller");

    tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_poll_honours_retry_after);
    tcase_add_test(tc, test_poll_failed_and_timeout);
    suite_add_tcase(s, tc);
    return kt_run(s);
}
