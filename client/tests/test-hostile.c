/* test-hostile.c: libkvclient against a server that sends hostile numbers (issue 13): token
 * responses whose expires_in / expires_on are out of the int64 range, not finite, fractional,
 * negative or absurdly far away, and SecretBundles, DeletedSecretBundles and list items whose
 * nbf / exp / created / updated / deletedDate / scheduledPurgeDate / recoverableDays are. The
 * scripted HTTPS server (faultsrv.c) sends the bodies. Every one must come back as KV_E_PROTOCOL
 * naming the field (and never quoting a token or a secret value), or, for a token lifetime beyond
 * the client's bound, be clamped to that bound; nothing may overflow (the suite runs clean under
 * -Db_sanitize=address,undefined with UBSAN_OPTIONS=halt_on_error=1). The static library and
 * kv-int.h are used for the documented bounds (KV__TOKEN_MAX_LIFETIME, KV__TIME_MAX). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsclient.h"
#include "kv-int.h"
#include "kvtest.h"
#include "testlib.h"

#define TOKEN "fs-hostile-token"
#define VALUE "fs-hostile-value"
#define SECRET_ID "https://demo.localhost/secrets/s/0123456789abcdef0123456789abcdef"
#define SCOPE "https://vault.azure.net/.default"

/* Asserts a protocol error whose message names field and quotes no token or secret value. */
static void assert_protocol(int st, const struct kv_error *err, const char *field, const char *body)
{
    ck_assert_msg(st == KV_E_PROTOCOL, "%s: %s (%s), want KV_E_PROTOCOL", body, kv_status_name(st),
                  err->message);
    ck_assert_int_eq(err->status, KV_E_PROTOCOL);
    ck_assert_msg(strstr(err->message, field) != NULL, "the message names %s: %s", field,
                  err->message);
    ck_assert_msg(strstr(err->message, TOKEN) == NULL && strstr(err->message, VALUE) == NULL,
                  "the message quotes no token or value");
}

/* ---- token responses ------------------------------------------------------------------------ */

/* One token response: its members after access_token, the status wanted, and for KV_OK the
 * lifetime wanted (seconds from now; -1 = the client's bound) or for errors the field named. */
struct token_case {
    const char *members;
    int want;
    int64_t life;
    const char *field;
};

static const struct token_case token_cases[] = {
    /* Out of the int64 range or not finite (cJSON reads 1e999 as infinity): undefined casts. */
    {"\"expires_in\":1e300", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":-1e300", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":1e999", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":9223372036854775808", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":\"99999999999999999999\"", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_on\":1e300", KV_E_PROTOCOL, 0, "expires_on"},
    {"\"expires_on\":\"-99999999999999999999\"", KV_E_PROTOCOL, 0, "expires_on"},
    /* In range, but now + expires_in overflowed: clamped to the bound. */
    {"\"expires_in\":\"9223372036854775807\"", KV_OK, -1, NULL},
    {"\"expires_in\":1e18", KV_OK, -1, NULL},
    {"\"expires_on\":\"9223372036854775807\"", KV_OK, -1, NULL},
    /* Not a lifetime: negative, zero, fractional, already past. */
    {"\"expires_in\":-5", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":\"-9223372036854775808\"", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":0", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":3599.5", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_in\":\"3599.5\"", KV_E_PROTOCOL, 0, "expires_in"},
    {"\"expires_on\":\"1000000001\"", KV_E_PROTOCOL, 0, "expires_on"},
    /* What real identity endpoints send still works. */
    {"\"expires_in\":3599,\"ext_expires_in\":3599", KV_OK, 3599, NULL},
    {"\"expires_in\":\"86399\"", KV_OK, 86399, NULL},
};

START_TEST(test_token_response)
{
    const struct token_case *tc = &token_cases[_i];
    char body[512];
    struct fs_reply r = {200, {NULL}, body, 0};
    struct kv_client *c = fs_client(0);
    struct kv_error err;
    char *token = NULL;
    int64_t expires_on = -1, before, after, life;
    int st;

    memset(&err, 0, sizeof err);
    snprintf(body, sizeof body, "{\"token_type\":\"Bearer\",\"access_token\":\"" TOKEN "\",%s}",
             tc->members);
    fs_push_token(fs, &r, 1);
    before = kv__now();
    st = kv_client_get_token(c, SCOPE, &token, &expires_on, &err);
    after = kv__now();
    if (tc->want != KV_OK) {
        assert_protocol(st, &err, tc->field, tc->members);
        ck_assert_ptr_null(token);
    } else {
        kt_assert_ok(st, &err, tc->members);
        ck_assert_ptr_nonnull(token);
        ck_assert_str_eq(token, TOKEN);
        life = tc->life < 0 ? KV__TOKEN_MAX_LIFETIME : tc->life;
        ck_assert_msg(expires_on >= before + life && expires_on <= after + life,
                      "%s: expires_on is now + %lld, want now + %lld", tc->members,
                      (long long)(expires_on - after), (long long)life);
    }
    kv_free_secret(token);
    kv_client_destroy(c);
}
END_TEST

/* A bad lifetime fails the vault call that needed the token too, as a protocol error, and the
 * next call fetches a new token rather than using a broken one. */
START_TEST(test_token_response_then_recovery)
{
    struct fs_reply r = {200, {NULL}, "{\"access_token\":\"" TOKEN "\",\"expires_in\":1e300}", 0};
    struct kv_client *c = fs_client(0);
    struct kv_secret *s = NULL;
    struct kv_error err;
    size_t before;

    memset(&err, 0, sizeof err);
    fs_push_token(fs, &r, 1);
    assert_protocol(kv_secret_get(c, "s", NULL, &s, &err), &err, "expires_in", "GetSecret");
    ck_assert_ptr_null(s);
    before = fs_journal(fs, NULL, 0);
    kt_get_ok(c, "s");
    ck_assert_uint_gt(fs_journal(fs, NULL, 0), before);
    ck_assert_uint_eq(kt_stats(c).token_fetches, 2);
    kv_client_destroy(c);
}
END_TEST

/* ---- secret bodies -------------------------------------------------------------------------- */

/* A hostile number in one member of a SecretBundle's attributes. */
struct attr_case {
    const char *field; /* as the message names it */
    const char *member;
    const char *value;
};

static const struct attr_case attr_cases[] = {
    {"attributes.exp", "exp", "1e300"},
    {"attributes.exp", "exp", "-1e300"},
    {"attributes.exp", "exp", "1e999"},
    {"attributes.exp", "exp", "9223372036854775808"},
    {"attributes.exp", "exp", "-9223372036854775808"}, /* in int64, not a time: now - exp */
    {"attributes.exp", "exp", "1700000000.5"},
    {"attributes.nbf", "nbf", "1e300"},
    {"attributes.nbf", "nbf", "-1e19"},
    {"attributes.created", "created", "1e300"},
    {"attributes.updated", "updated", "-1e999"},
    {"attributes.updated", "updated", "1e15"}, /* after the year 9999 */
    {"attributes.recoverableDays", "recoverableDays", "1e300"},
    {"attributes.recoverableDays", "recoverableDays", "4294967296"},
    {"attributes.recoverableDays", "recoverableDays", "-7"},
};

START_TEST(test_secret_attribute)
{
    const struct attr_case *ac = &attr_cases[_i];
    char body[512];
    struct fs_reply r = {200, {NULL}, body, 0};
    struct kv_client *c = fs_client(0);
    struct kv_secret *s = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    snprintf(body, sizeof body,
             "{\"value\":\"" VALUE "\",\"id\":\"" SECRET_ID "\",\"attributes\":{\"enabled\":true,"
             "\"%s\":%s}}",
             ac->member, ac->value);
    kt_get_ok(c, "s"); /* the challenge and the token first: the script answers the next call */
    fs_push(fs, &r, 1);
    assert_protocol(kv_secret_get(c, "s", NULL, &s, &err), &err, ac->field, body);
    ck_assert_ptr_null(s);
    kv_client_destroy(c);
}
END_TEST

/* The edges of what is accepted come through unchanged. */
START_TEST(test_secret_attribute_edges)
{
    char body[512];
    struct fs_reply r = {200, {NULL}, body, 0};
    struct kv_client *c = fs_client(0);
    struct kv_secret *s = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    snprintf(body, sizeof body,
             "{\"value\":\"" VALUE "\",\"id\":\"" SECRET_ID "\",\"attributes\":{\"enabled\":true,"
             "\"nbf\":%lld,\"exp\":%lld,\"created\":0,\"updated\":1700000000,"
             "\"recoverableDays\":90}}",
             (long long)KV__TIME_MIN, (long long)KV__TIME_MAX);
    kt_get_ok(c, "s");
    fs_push(fs, &r, 1);
    kt_assert_ok(kv_secret_get(c, "s", NULL, &s, &err), &err, "edges");
    ck_assert_int_eq(s->not_before, KV__TIME_MIN);
    ck_assert_int_eq(s->expires, KV__TIME_MAX);
    ck_assert_int_eq(s->created, 0);
    ck_assert_int_eq(s->updated, 1700000000);
    ck_assert_int_eq(s->recoverable_days, 90);
    kv_secret_free(s);
    kv_client_destroy(c);
}
END_TEST

/* deletedDate and scheduledPurgeDate of a DeletedSecretBundle. */
START_TEST(test_deleted_dates)
{
    static const char *const members[] = {"deletedDate", "scheduledPurgeDate"};
    char body[512], field[64];
    struct fs_reply r = {200, {NULL}, body, 0};
    struct kv_client *c = fs_client(0);
    struct kv_secret *s = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    snprintf(body, sizeof body,
             "{\"id\":\"" SECRET_ID "\",\"recoveryId\":\"https://demo.localhost/deletedsecrets/"
             "s\",\"%s\":1e300,\"attributes\":{\"enabled\":true}}",
             members[_i]);
    snprintf(field, sizeof field, "%s", members[_i]);
    kt_get_ok(c, "s");
    fs_push(fs, &r, 1);
    assert_protocol(kv_secret_get_deleted(c, "s", &s, &err), &err, field, body);
    ck_assert_ptr_null(s);
    kv_client_destroy(c);
}
END_TEST

/* A list item with a hostile number fails kv_pager_next, then the pager moves on. */
START_TEST(test_pager_item)
{
    static const char page[] =
        "{\"value\":[{\"id\":\"https://demo.localhost/secrets/a\",\"attributes\":{\"enabled\":"
        "true,\"exp\":1e300}},{\"id\":\"https://demo.localhost/secrets/b\",\"attributes\":{"
        "\"enabled\":true,\"exp\":1700000000}}],\"nextLink\":null}";
    struct fs_reply r = {200, {NULL}, page, 0};
    struct kv_client *c = fs_client(0);
    struct kv_pager *pg = NULL;
    struct kv_secret *s = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    kt_get_ok(c, "s");
    fs_push(fs, &r, 1);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 0, &pg), KV_OK);
    assert_protocol(kv_pager_next(pg, &s, &err), &err, "attributes.exp", "GetSecrets");
    ck_assert_ptr_null(s);
    kt_assert_ok(kv_pager_next(pg, &s, &err), &err, "the next item");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "b");
    ck_assert_int_eq(s->expires, 1700000000);
    kv_secret_free(s);
    kv_pager_destroy(pg);
    kv_client_destroy(c);
}
END_TEST

/* Empty pages whose nextLink leads back to the same page, or round a circle of empty pages, end
 * as a protocol error instead of a loop that never returns (found by fuzz/fuzz-pages). */
START_TEST(test_pager_empty_loops)
{
    char self[256], a[256], b[256];
    struct fs_reply r = {200, {NULL}, self, 0}, ra = {200, {NULL}, a, 0}, rb = {200, {NULL}, b, 0};
    struct kv_client *c = fs_client(0);
    struct kv_pager *pg = NULL;
    struct kv_secret *s = NULL;
    struct kv_error err;
    unsigned port = fs_port(fs);

    memset(&err, 0, sizeof err);
    snprintf(self, sizeof self,
             "{\"value\":[],\"nextLink\":\"https://demo.localhost:%u/secrets?api-version=7.4&"
             "$skiptoken=same\"}",
             port);
    kt_get_ok(c, "s");
    fs_push(fs, &r, 2);
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 0, &pg), KV_OK);
    assert_protocol(kv_pager_next(pg, &s, &err), &err, "itself", "GetSecrets");
    ck_assert_ptr_null(s);
    kv_pager_destroy(pg);

    /* Two empty pages linking to each other: followed a bounded number of times. */
    snprintf(a, sizeof a,
             "{\"value\":[],\"nextLink\":\"https://demo.localhost:%u/secrets?api-version=7.4&"
             "$skiptoken=b\"}",
             port);
    snprintf(b, sizeof b,
             "{\"value\":[],\"nextLink\":\"https://demo.localhost:%u/secrets?api-version=7.4&"
             "$skiptoken=a\"}",
             port);
    for (int i = 0; i < 60; i++) {
        fs_push(fs, &ra, 1);
        fs_push(fs, &rb, 1);
    }
    ck_assert_int_eq(kv_pager_create(c, KV_LIST_SECRETS, NULL, 0, &pg), KV_OK);
    assert_protocol(kv_pager_next(pg, &s, &err), &err, "empty", "GetSecrets");
    ck_assert_ptr_null(s);
    kv_pager_destroy(pg);
    kv_client_destroy(c);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("kvclient-hostile");
    TCase *tok = tcase_create("token-responses");
    TCase *sec = tcase_create("secret-bodies");

    tcase_add_checked_fixture(tok, fs_setup, fs_teardown);
    tcase_set_timeout(tok, 120);
    tcase_add_loop_test(tok, test_token_response, 0,
                        (int)(sizeof token_cases / sizeof token_cases[0]));
    tcase_add_test(tok, test_token_response_then_recovery);
    suite_add_tcase(s, tok);

    tcase_add_checked_fixture(sec, fs_setup, fs_teardown);
    tcase_set_timeout(sec, 120);
    tcase_add_loop_test(sec, test_secret_attribute, 0,
                        (int)(sizeof attr_cases / sizeof attr_cases[0]));
    tcase_add_test(sec, test_secret_attribute_edges);
    tcase_add_loop_test(sec, test_deleted_dates, 0, 2);
    tcase_add_test(sec, test_pager_item);
    tcase_add_test(sec, test_pager_empty_loops);
    suite_add_tcase(s, sec);
    return s;
}

int main(void)
{
    return kt_run(hostile_suite());
}
