/* test-base64.c: cx_b64_* and cx_b64url_*: RFC 4648 vectors, both alphabets, round trips at every
 * length, and the canonical-encoding refusals the mock relies on. */
#include <gnutls/gnutls.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-test.h"

static unsigned char *dec(const char *text, unsigned flags, size_t *len)
{
    return cx_b64_decode(text, strlen(text), flags, len);
}

START_TEST(known_vectors)
{
    /* RFC 4648 §10. */
    static const struct {
        const char *plain, *url, *std;
    } v[] = {
        {"", "", ""},
        {"f", "Zg", "Zg=="},
        {"fo", "Zm8", "Zm8="},
        {"foo", "Zm9v", "Zm9v"},
        {"foob", "Zm9vYg", "Zm9vYg=="},
        {"fooba", "Zm9vYmE", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].plain), got = 99;
        char *u = cx_b64url_encode(v[i].plain, n);
        char *s = cx_b64_encode(v[i].plain, n, 0);
        char *up = cx_b64_encode(v[i].plain, n, CX_B64_URL);
        ck_assert_str_eq(u, v[i].url);
        ck_assert_str_eq(s, v[i].std);
        ck_assert_str_eq(up, v[i].std); /* no '+' or '/' in these, so only padding differs */
        const char *forms[] = {v[i].url, v[i].std};
        for (int f = 0; f < 2; f++) {
            unsigned char *d = cx_b64url_decode(forms[f], strlen(forms[f]), &got);
            ck_assert_ptr_nonnull(d);
            ck_assert_uint_eq(got, n);
            ck_assert_mem_eq(d, v[i].plain, n);
            ck_assert_int_eq(d[n], '\0');
            free(d);
        }
        /* The standard form requires its padding; the unpadded form refuses it. */
        unsigned char *d = dec(v[i].std, 0, &got);
        ck_assert_ptr_nonnull(d);
        free(d);
        ck_assert(cx_b64_valid(v[i].url, strlen(v[i].url), CX_B64_URL | CX_B64_NOPAD));
        ck_assert_int_eq(cx_b64_valid(v[i].std, strlen(v[i].std), CX_B64_URL | CX_B64_NOPAD),
                         strcmp(v[i].std, v[i].url) == 0);
        ck_assert_int_eq(cx_b64_valid(v[i].url, strlen(v[i].url), 0),
                         strcmp(v[i].std, v[i].url) == 0);
        free(u);
        free(s);
        free(up);
    }
}
END_TEST

START_TEST(alphabets)
{
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char *u = cx_b64url_encode(bytes, sizeof bytes);
    char *s = cx_b64_encode(bytes, sizeof bytes, 0);
    ck_assert_str_eq(u, "-_-_");
    ck_assert_str_eq(s, "+/+/");
    free(u);
    free(s);
    const char *forms[] = {"-_-_", "+/+/", "-/+_"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = 0;
        unsigned char *d = dec(forms[i], CX_B64_LENIENT, &n);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(n, 3);
        ck_assert_mem_eq(d, bytes, 3);
        free(d);
    }
    /* Without CX_B64_ANY_ALPHABET each form reads only its own alphabet. */
    ck_assert_ptr_null(dec("+/+/", CX_B64_URL, NULL));
    ck_assert_ptr_null(dec("-_-_", 0, NULL));
    ck_assert_ptr_null(dec("-/+_", CX_B64_URL, NULL));
}
END_TEST

START_TEST(round_trip_all_lengths)
{
    unsigned char buf[200];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 37 + 200);
    for (size_t len = 0; len <= sizeof buf; len++) {
        char *e = cx_b64url_encode(buf, len);
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(strlen(e), (len * 4 + 2) / 3);
        ck_assert_ptr_null(strpbrk(e, "=+/\n"));
        size_t n = 999;
        unsigned char *d = cx_b64url_decode(e, strlen(e), &n);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(n, len);
        if (len > 0)
            ck_assert_mem_eq(d, buf, len);
        free(d);
        char *s = cx_b64_encode(buf, len, 0);
        ck_assert_uint_eq(strlen(s) % 4, 0);
        ck_assert_ptr_null(strpbrk(s, "-_\n"));
        /* The standard form reads back strictly and as the mock reads clients' text. */
        for (int f = 0; f < 2; f++) {
            d = dec(s, f ? CX_B64_LENIENT : 0, &n);
            ck_assert_ptr_nonnull(d);
            ck_assert_uint_eq(n, len);
            if (len > 0)
                ck_assert_mem_eq(d, buf, len);
            free(d);
        }
        free(s);
        free(e);
    }
}
END_TEST

/* The encoder and decoder are the library's own: GnuTLS, which they replaced, is the reference
 * at every length, for bytes that use the whole alphabet. */
START_TEST(agrees_with_gnutls)
{
    unsigned char buf[200];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 151 + 7);
    for (size_t len = 1; len <= sizeof buf; len++) {
        gnutls_datum_t in = {buf, (unsigned)len}, ref = {NULL, 0}, back = {NULL, 0};
        ck_assert_int_ge(gnutls_base64_encode2(&in, &ref), 0);
        char *s = cx_b64_encode(buf, len, 0);
        ck_assert_uint_eq(strlen(s), ref.size);
        ck_assert_mem_eq(s, ref.data, ref.size);
        size_t n = 0;
        unsigned char *d = dec((const char *)s, 0, &n);
        ck_assert_int_ge(gnutls_base64_decode2(&ref, &back), 0);
        ck_assert_uint_eq(n, back.size);
        ck_assert_mem_eq(d, back.data, n);
        free(d);
        free(s);
        gnutls_free(ref.data);
        gnutls_free(back.data);
    }
}
END_TEST

START_TEST(rejects_non_canonical)
{
    static const char *const bad[] = {
        "Z",             /* one character carries no whole byte */
        "Zm9vY",         /* 5 = 1 mod 4 */
        "Zm9v!",         /* stray byte */
        "Zm 9v",         /* whitespace (GnuTLS alone would skip it) */
        "Zm9v\n",        /* newline */
        "Zg=a",          /* padding in the middle */
        "=Zg",           /* padding first */
        "Zg===",         /* three pads */
        "Zg=",           /* one pad where two are due */
        "Zm9v=",         /* a pad where none is due */
        "Zm9vYg=",       /* ditto, one short */
        "Zh",            /* non-zero leftover bits: not the canonical form of "f" */
        "Zm9=",          /* ditto with padding */
        "Zm9vYmF",       /* ditto, two leftover bits */
        "Zm9vY\xc3\xa9", /* non-ASCII */
        ".",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 42;
        unsigned char *d = dec(bad[i], CX_B64_LENIENT, &n);
        ck_assert_msg(d == NULL, "accepted non-canonical '%s'", bad[i]);
        ck_assert_uint_eq(n, 0);
        ck_assert(!cx_b64_valid(bad[i], strlen(bad[i]), CX_B64_LENIENT));
        ck_assert_ptr_null(dec(bad[i], 0, NULL));
    }
    /* An embedded NUL inside the given length is a stray byte too. */
    ck_assert_ptr_null(cx_b64_decode("Zm\0v", 4, CX_B64_LENIENT, NULL));
    /* Only len bytes are read: the bad tail here lies beyond it. */
    size_t n = 0;
    unsigned char *d = cx_b64_decode("Zm9v!!!", 4, CX_B64_LENIENT, &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 3);
    free(d);
    /* NULL text: only with length 0, which is the empty string. */
    ck_assert_ptr_null(cx_b64_decode(NULL, 3, CX_B64_LENIENT, NULL));
    d = cx_b64_decode(NULL, 0, CX_B64_LENIENT, &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 0);
    free(d);
}
END_TEST

static Suite *base64_suite(void)
{
    Suite *s = suite_create("cx-base64");
    TCase *tc = tcase_create("base64");
    tcase_add_test(tc, known_vectors);
    tcase_add_test(tc, alphabets);
    tcase_add_test(tc, round_trip_all_lengths);
    tcase_add_test(tc, rejects_non_canonical);
    tcase_add_test(tc, agrees_with_gnutls);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(base64_suite)
