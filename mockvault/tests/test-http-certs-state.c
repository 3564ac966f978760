/* test-http-certs-state.c: certificates in GET/PUT /_mock/state over real HTTPS (spec/fixtures.md:
 * export -> import is lossless): a Self certificate, one with an Unknown-issuer operation in
 * progress, an imported PFX with a password, a disabled and tagged one and a deleted one survive
 * GET -> PUT -> GET byte for byte, and after the import their certificates, managed secrets and
 * keys answer as before, the key still signs and the secret is still refused to direct writes.
 * Runs on certs-fixture.json (certs-common.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs-common.h"

/* GET of path as the admin on CAP: 200, body copied (caller frees). */
static char *get_body(const char *path)
{
    struct mvt_resp r;
    creq("GET", path, NULL, &r);
    hc_assert_status(&r, 200, path);
    char *b = strdup(r.body);
    mvt_resp_free(&r);
    ck_assert_ptr_nonnull(b);
    return b;
}

START_TEST(test_state_round_trip)
{
    struct mvt_resp r;
    struct cmade m;
    char body[20000], *pfx, *s1, *s2;

    cself("st-self", &r);
    mvt_resp_free(&r);
    ccreate("st-pend", C_UNKNOWN_BODY, &r);
    mvt_resp_free(&r);
    cmake(&m, "st-import", false, 30);
    pfx = cpfx_b64(&m, "1234");
    snprintf(body, sizeof body, "{\"value\":\"%s\",\"pwd\":\"1234\",\"tags\":{\"a\":\"b\"}}", pfx);
    creq("POST", "/certificates/st-imp/import", body, &r);
    hc_assert_status(&r, 200, "import");
    mvt_resp_free(&r);
    cself("st-off", &r);
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/st-off/", "{\"attributes\":{\"enabled\":false}}", &r);
    hc_assert_status(&r, 200, "disable");
    mvt_resp_free(&r);
    cself("st-del", &r);
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/st-del", NULL, &r);
    hc_assert_status(&r, 200, "delete");
    mvt_resp_free(&r);

    char *cert = get_body("/certificates/st-self/"), *sec = get_body("/secrets/st-self/");
    char *imp = get_body("/secrets/st-imp/"), *pend = get_body("/certificates/st-pend/pending");
    char *del = get_body("/deletedcertificates/st-del");

    s1 = hc_state(srv);
    ck_assert_ptr_nonnull(strstr(s1, "\"name\":\"st-self\""));
    ck_assert_int_eq(mvt_control(srv, "PUT", "/_mock/state", s1), 200);
    s2 = hc_state(srv);
    ck_assert_msg(strcmp(s1, s2) == 0,
                  "GET state -> PUT -> GET state is byte-identical (%zu vs %zu)", strlen(s1),
                  strlen(s2));

    /* The same answers after the import, the managed objects included. */
    const char *paths[] = {"/certificates/st-self/", "/secrets/st-self/", "/secrets/st-imp/",
                           "/certificates/st-pend/pending", "/deletedcertificates/st-del"};
    char *before[] = {cert, sec, imp, pend, del};
    for (size_t i = 0; i < 5; i++) {
        char *after = get_body(paths[i]);
        ck_assert_msg(strcmp(before[i], after) == 0, "%s unchanged by the state import", paths[i]);
        free(after);
        free(before[i]);
    }
    creq("GET", "/certificates/st-off/", NULL, &r);
    hc_assert_status(&r, 200, "disabled certificate");
    ck_assert(!cJSON_IsTrue(hc_jget(r.json, "attributes.enabled")));
    mvt_resp_free(&r);
    creq("POST", "/keys/st-self/sign",
         "{\"alg\":\"RS256\",\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"}", &r);
    hc_assert_status(&r, 200, "the imported key signs");
    mvt_resp_free(&r);
    creq("PUT", "/secrets/st-self", "{\"value\":\"x\"}", &r);
    hc_assert_status(&r, 403, "the managed secret stays managed");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "SecretManagedByKeyVault");
    mvt_resp_free(&r);
    /* The deleted one recovers with its secret. */
    creq("POST", "/deletedcertificates/st-del/recover", NULL, &r);
    hc_assert_status(&r, 200, "recover after the import");
    mvt_resp_free(&r);
    creq("GET", "/secrets/st-del/", NULL, &r);
    hc_assert_status(&r, 200, "the recovered secret");
    mvt_resp_free(&r);
    /* The operation in progress came back with it, still in progress. */
    creq("PATCH", "/certificates/st-pend/pending", "{\"cancellation_requested\":true}", &r);
    hc_assert_status(&r, 200, "cancel after the import");
    mvt_resp_free(&r);

    cmade_free(&m);
    free(pfx);
    free(s1);
    free(s2);
}
END_TEST

static Suite *certs_state_suite(void)
{
    Suite *s = suite_create("http-certs-state");
    TCase *tc = tcase_create("state");
    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_state_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(certs_state_suite(), false);
}
