/* test-host.c: cx_hostport_split, cx_url_split and cx_host_is_ip: the shapes a Host header, a
 * CONNECT target and a vault URL take, with IPv6 brackets, and each error. */
#include <string.h>

#include "cx-host.h"
#include "cx-test.h"

static int split(const char *s, unsigned flags, struct cx_hostport *hp)
{
    return cx_hostport_split(s, strlen(s), flags, hp);
}

START_TEST(hostport_shapes)
{
    static const struct {
        const char *in;
        unsigned flags;
        const char *host;
        unsigned port;
        bool has_port, ipv6;
    } ok[] = {
        {"host", 0, "host", 0, false, false},
        {"host:443", 0, "host", 443, true, false},
        {"Demo.LocalHost:8443", CX_HP_LOWER, "demo.localhost", 8443, true, false},
        {"Demo.LocalHost", 0, "Demo.LocalHost", 0, false, false},
        {"[::1]:8443", 0, "::1", 8443, true, true},
        {"[::1]:8443", CX_HP_KEEP_BRACKETS, "[::1]", 8443, true, true},
        {"[::1]", 0, "::1", 0, false, true},
        {"::1", 0, "::1", 0, false, true},
        {"::1", CX_HP_KEEP_BRACKETS, "[::1]", 0, false, true},
        {"[FE80::1%eth0]:1", CX_HP_LOWER | CX_HP_NAME_CHARS, "fe80::1%eth0", 1, true, true},
        {"127.0.0.1:65535", CX_HP_NEED_PORT, "127.0.0.1", 65535, true, false},
        {"a_b.example:80", CX_HP_NAME_CHARS, "a_b.example", 80, true, false},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct cx_hostport hp;
        ck_assert_msg(split(ok[i].in, ok[i].flags, &hp) == CX_HP_OK, "refused %s", ok[i].in);
        ck_assert_str_eq(hp.host, ok[i].host);
        ck_assert_uint_eq(hp.port, ok[i].port);
        ck_assert_int_eq(hp.has_port, ok[i].has_port);
        ck_assert_int_eq(hp.ipv6, ok[i].ipv6);
    }
    /* Only len bytes are read. */
    struct cx_hostport hp;
    ck_assert_int_eq(cx_hostport_split("host:80/path", 7, 0, &hp), CX_HP_OK);
    ck_assert_str_eq(hp.host, "host");
    ck_assert_uint_eq(hp.port, 80);
}
END_TEST

START_TEST(hostport_errors)
{
    static const struct {
        const char *in;
        unsigned flags;
        int err;
    } bad[] = {
        {"", 0, CX_HP_E_EMPTY},
        {":443", 0, CX_HP_E_EMPTY},
        {"[]:443", 0, CX_HP_E_EMPTY},
        {"[::1", 0, CX_HP_E_BRACKET},
        {"[::1]x", 0, CX_HP_E_BRACKET},
        {"[::1]8443", 0, CX_HP_E_BRACKET},
        {"host:", 0, CX_HP_E_PORT},
        {"host:0", 0, CX_HP_E_PORT},
        {"host:65536", 0, CX_HP_E_PORT},
        {"host:123456", 0, CX_HP_E_PORT},
        {"host:8a", 0, CX_HP_E_PORT},
        {"host:+80", 0, CX_HP_E_PORT},
        {"[::1]:", 0, CX_HP_E_PORT},
        {"host", CX_HP_NEED_PORT, CX_HP_E_NO_PORT},
        {"[::1]", CX_HP_NEED_PORT, CX_HP_E_NO_PORT},
        {"ho st:80", 0, CX_HP_E_BAD_CHAR},
        {"user@host", 0, CX_HP_E_BAD_CHAR},
        {"ho\r\nst", 0, CX_HP_E_BAD_CHAR},
        {"host]:80", 0, CX_HP_E_BAD_CHAR},
        {"h*st:80", CX_HP_NAME_CHARS, CX_HP_E_BAD_CHAR},
        {"[::g]:80", CX_HP_NAME_CHARS, CX_HP_E_BAD_CHAR},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cx_hostport hp;
        memset(&hp, 'x', sizeof hp);
        int rc = split(bad[i].in, bad[i].flags, &hp);
        ck_assert_msg(rc == bad[i].err, "%s: %d, want %d", bad[i].in, rc, bad[i].err);
        ck_assert_str_eq(hp.host, "");
        ck_assert(!hp.has_port);
        /* Every error has its own message. */
        ck_assert_str_ne(cx_hostport_strerror(rc), cx_hostport_strerror(CX_HP_OK));
    }
    char longhost[300];
    memset(longhost, 'a', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    struct cx_hostport hp;
    ck_assert_int_eq(split(longhost, 0, &hp), CX_HP_E_TOO_LONG);
    ck_assert_int_eq(cx_hostport_split(NULL, 0, 0, &hp), CX_HP_E_EMPTY);
    ck_assert_str_eq(cx_hostport_strerror(CX_HP_E_PORT),
                     "the port is not a number from 1 to 65535");
    ck_assert_str_eq(cx_hostport_strerror(12345), "unknown host:port error");
}
END_TEST

START_TEST(url_split)
{
    struct cx_url u;
    ck_assert_int_eq(
        cx_url_split("HTTPS://Demo.LocalHost:8443/secrets/x?api-version=7.5", CX_HP_LOWER, &u),
        CX_HP_OK);
    ck_assert_str_eq(u.scheme, "https");
    ck_assert_str_eq(u.hp.host, "demo.localhost");
    ck_assert_uint_eq(u.hp.port, 8443);
    ck_assert_str_eq(u.path, "/secrets/x?api-version=7.5");

    ck_assert_int_eq(cx_url_split("https://user:pw@login.example/tenant", 0, &u), CX_HP_OK);
    ck_assert_str_eq(u.hp.host, "login.example");
    ck_assert(!u.hp.has_port);
    ck_assert_str_eq(u.path, "/tenant");

    ck_assert_int_eq(cx_url_split("http://[::1]:80", CX_HP_KEEP_BRACKETS, &u), CX_HP_OK);
    ck_assert_str_eq(u.hp.host, "[::1]");
    ck_assert_str_eq(u.path, "");

    ck_assert_int_eq(cx_url_split("https://vault.azure.net?x", 0, &u), CX_HP_OK);
    ck_assert_str_eq(u.path, "?x");

    ck_assert_int_eq(cx_url_split("no scheme", 0, &u), CX_HP_E_EMPTY);
    ck_assert_int_eq(cx_url_split("/path://x", 0, &u), CX_HP_E_EMPTY);
    ck_assert_int_eq(cx_url_split("https:///path", 0, &u), CX_HP_E_EMPTY);
    ck_assert_int_eq(cx_url_split("https://host:99999/", 0, &u), CX_HP_E_PORT);
    ck_assert_str_eq(u.scheme, "");
    ck_assert_int_eq(cx_url_split(NULL, 0, &u), CX_HP_E_EMPTY);
}
END_TEST

START_TEST(host_is_ip)
{
    ck_assert(cx_host_is_ip("127.0.0.1"));
    ck_assert(cx_host_is_ip("::1"));
    ck_assert(cx_host_is_ip("[::1]"));
    ck_assert(cx_host_is_ip("[2001:db8::1]"));
    ck_assert(!cx_host_is_ip("localhost"));
    ck_assert(!cx_host_is_ip("[127.0.0.1]"));
    ck_assert(!cx_host_is_ip("[::1"));
    ck_assert(!cx_host_is_ip("1.2.3"));
    ck_assert(!cx_host_is_ip(""));
    ck_assert(!cx_host_is_ip(NULL));
}
END_TEST

static Suite *host_suite(void)
{
    Suite *s = suite_create("cx-host");
    TCase *tc = tcase_create("host");
    tcase_add_test(tc, hostport_shapes);
    tcase_add_test(tc, hostport_errors);
    tcase_add_test(tc, url_split);
    tcase_add_test(tc, host_is_ip);
    suite_add_tcase(s, tc);
    return s;
}

CX_TEST_MAIN(host_suite)
