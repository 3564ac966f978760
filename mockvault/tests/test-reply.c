/* test-reply.c: the parts of reply.c that need no connection: the challenge resource chosen per
 * host (DESIGN.md §3) and the echo filter that keeps user input in error messages valid JSON. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cx-host.h"
#include "reply.h"
#include "testlib.h"

static void challenge_for(const char *host, bool azure, char *out, size_t n)
{
    struct mv_req r;
    struct cx_hostport hp;
    char hostbuf[256];

    memset(&r, 0, sizeof r);
    snprintf(hostbuf, sizeof hostbuf, "%s", host);
    r.host = hostbuf;
    /* As http.c parses the Host header. */
    ck_assert_int_eq(cx_hostport_split(host, strlen(host), CX_HP_KEEP_BRACKETS | CX_HP_LOWER, &hp),
                     CX_HP_OK);
    snprintf(r.host_name, sizeof r.host_name, "%s", hp.host);
    r.host_port = hp.port;
    r.azure_host = azure;
    mv_reply_challenge_resource(&r, out, n);
}

START_TEST(test_challenge_resource_per_host)
{
    static const struct {
        const char *host;
        bool azure;
        const char *want;
    } cases[] = {
        /* Proxy mode: the real resource, which the SDKs' check accepts for *.vault.azure.net. */
        {"demo.vault.azure.net", true, "https://vault.azure.net"},
        /* {vault}.localhost:PORT: the parent with the port passes Python (netloc) and JS. */
        {"demo.localhost:8443", false, "https://localhost:8443"},
        {"demo.localhost", false, "https://localhost"},
        /* Bare hosts: clients must switch the check off, as with any emulator. */
        {"localhost:8443", false, "https://vault.azure.net"},
        {"127.0.0.1:8443", false, "https://vault.azure.net"},
        {"[::1]:8443", false, "https://vault.azure.net"},
        /* A fixture alias: its parent domain. */
        {"vault1.example.test:9443", false, "https://example.test:9443"},
    };
    char out[300];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        challenge_for(cases[i].host, cases[i].azure, out, sizeof out);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "%s -> %s, want %s", cases[i].host, out,
                      cases[i].want);
    }
}
END_TEST

START_TEST(test_echo_filters_and_truncates)
{
    char out[16];

    ck_assert_str_eq(mv_reply_echo("my_secret", out, sizeof out), "my_secret");
    ck_assert_str_eq(mv_reply_echo("a\xff\"\n", out, sizeof out), "a?\"?");
    ck_assert_str_eq(mv_reply_echo(NULL, out, sizeof out), "");
    mv_reply_echo("0123456789abcdefghijklmnop", out, sizeof out);
    ck_assert_uint_eq(strlen(out), sizeof out - 1);
    ck_assert_str_eq(out + strlen(out) - 3, "...");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reply");
    TCase *tc = tcase_create("reply");

    tcase_add_test(tc, test_challenge_resource_per_host);
    tcase_add_test(tc, test_echo_filters_and_truncates);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
