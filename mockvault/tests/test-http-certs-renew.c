/* test-http-certs-renew.c: lifetime actions on the mock clock over real TLS
 * (spec/keyvault-certificates.md §1, §2 lifetime_actions; issue 11): AutoRenew at a percentage
 * of life issues the next version when the clock passes it, and an application reading the
 * secret loads the renewed certificate; EmailContacts days before expiry is journalled with the
 * number of contacts, never their addresses; expired certificates stay readable
 * (certmeta-common.h says how the suites run). */
#include "certmeta-common.h"

/* A one-month certificate with the default action (AutoRenew at 80 %): nothing before, a new
 * version after 80 % of its life (journalled once, path = the version that triggered it), whose
 * secret holds the new certificate. */
START_TEST(test_auto_renew_at_percentage)
{
    struct mvt_resp b, r;
    char *v1, *cer1, want[200];
    int64_t nbf, exp, at;
    cJSON *j;
    struct cp12 p;

    ccreate("ren",
            "{\"x509_props\":{\"subject\":\"CN=ren\",\"validity_months\":1},\"issuer\":{\"name\":"
            "\"Self\"}}",
            &b);
    ck_assert_str_eq(hc_jstr(b.json, "policy.lifetime_actions.0.action.action_type"), "AutoRenew");
    ck_assert_int_eq(hc_jint(b.json, "policy.lifetime_actions.0.trigger.lifetime_percentage"), 80);
    v1 = strdup(cversion(b.json, "id"));
    cer1 = strdup(hc_jstr(b.json, "cer"));
    nbf = hc_jint(b.json, "attributes.nbf");
    exp = hc_jint(b.json, "attributes.exp");
    at = nbf + (exp - nbf) * 80 / 100;
    mvt_resp_free(&b);

    /* One hour before the trigger: nothing happens. */
    snprintf(want, sizeof want, "{\"set\":%lld}", (long long)(at - 3600));
    hc_clock(srv, want);
    crefresh();
    creq("GET", "/certificates/ren/", NULL, &r);
    hc_assert_status(&r, 200, "before the trigger");
    ck_assert_str_eq(cversion(r.json, "id"), v1);
    mvt_resp_free(&r);
    j = cjournal("LifetimeAction.AutoRenew");
    ck_assert_int_eq(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);

    /* Past 80 %: the next version, issued on the mock clock. */
    hc_clock(srv, "{\"advance\":7200}");
    crefresh();
    creq("GET", "/certificates/ren/", NULL, &r);
    hc_assert_status(&r, 200, "after the trigger");
    ck_assert_str_ne(cversion(r.json, "id"), v1);
    ck_assert_msg(strcmp(hc_jstr(r.json, "cer"), cer1) != 0, "a new certificate");
    ck_assert_int_ge(hc_jint(r.json, "attributes.nbf"), at - 600);
    ck_assert_int_le(hc_jint(r.json, "attributes.nbf"), at + 3600);
    ck_assert_int_gt(hc_jint(r.json, "attributes.exp"), exp);
    /* The application reading the secret loads the renewed certificate. */
    {
        struct mvt_resp s;
        creq("GET", "/secrets/ren/", NULL, &s);
        hc_assert_status(&s, 200, "the renewed secret");
        ck_assert_str_eq(cversion(s.json, "id"), cversion(r.json, "id"));
        p = cpkcs12(hc_jstr(s.json, "value"));
        ck_assert_uint_eq(p.keys, 1);
        ck_assert_msg(csame_cer(&p.leaf, hc_jstr(r.json, "cer")), "the PFX is the new one");
        gnutls_free(p.leaf.data);
        ck_assert_str_eq(hc_jstr(s.json, "previousVersion"), v1);
        mvt_resp_free(&s);
    }
    mvt_resp_free(&r);
    creq("GET", "/certificates/ren/versions", NULL, &r);
    hc_assert_status(&r, 200, "versions");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    mvt_resp_free(&r);
    j = cjournal("LifetimeAction.AutoRenew");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    ck_assert_str_eq(hc_jstr(j->child, "method"), "EVENT");
    ck_assert_str_eq(hc_jstr(j->child, "vault"), "certs-ap");
    ck_assert_int_eq(hc_jint(j->child, "status"), 200);
    snprintf(want, sizeof want, "/certificates/ren/%s", v1);
    ck_assert_str_eq(hc_jstr(j->child, "path"), want);
    cJSON_Delete(j);
    /* Once per version: more requests at the same time renew nothing more. */
    creq("GET", "/certificates/ren/", NULL, &r);
    mvt_resp_free(&r);
    j = cjournal("LifetimeAction.AutoRenew");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
    free(v1);
    free(cer1);
}
END_TEST

/* EmailContacts 10 days before expiry: journalled with "contacts=2" (two contacts with an email,
 * one without), no address anywhere in the journal, no new version; after expiry the certificate
 * and its secret are still served (the service keeps expired certificates readable). */
START_TEST(test_email_contacts_and_expiry)
{
    struct mvt_resp b, r;
    char *v1, set[64], want[200], *body;
    int64_t exp;
    cJSON *j;

    creq("PUT", "/certificates/contacts",
         "{\"contacts\":[{\"email\":\"first@contoso.com\"},{\"email\":\"second@contoso.com\","
         "\"name\":\"Second\"},{\"name\":\"No Mail\",\"phone\":\"1\"}]}",
         &r);
    hc_assert_status(&r, 200, "contacts");
    mvt_resp_free(&r);
    ccreate("mail",
            "{\"x509_props\":{\"subject\":\"CN=mail\",\"validity_months\":1},\"lifetime_actions\":["
            "{\"trigger\":{\"days_before_expiry\":10},\"action\":{\"action_type\":"
            "\"EmailContacts\"}}],\"issuer\":{\"name\":\"Self\"}}",
            &b);
    v1 = strdup(cversion(b.json, "id"));
    exp = hc_jint(b.json, "attributes.exp");
    mvt_resp_free(&b);

    snprintf(set, sizeof set, "{\"set\":%lld}", (long long)(exp - 10 * 86400 + 60));
    hc_clock(srv, set);
    crefresh();
    creq("GET", "/certificates/mail/", NULL, &r);
    hc_assert_status(&r, 200, "after the trigger");
    ck_assert_str_eq(cversion(r.json, "id"), v1);
    mvt_resp_free(&r);
    j = cjournal("LifetimeAction.EmailContacts");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    ck_assert_str_eq(hc_jstr(j->child, "method"), "EVENT");
    ck_assert_str_eq(hc_jstr(j->child, "detail"), "contacts=2");
    snprintf(want, sizeof want, "/certificates/mail/%s", v1);
    ck_assert_str_eq(hc_jstr(j->child, "path"), want);
    cJSON_Delete(j);
    hc_req(srv, "GET", "localhost", "/_mock/requests", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "journal");
    ck_assert_msg(strstr(r.body, "contoso.com") == NULL, "no contact address in the journal");
    mvt_resp_free(&r);
    j = cjournal("LifetimeAction.AutoRenew");
    ck_assert_int_eq(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);

    /* Past expiry: still readable, certificate and secret. */
    snprintf(set, sizeof set, "{\"set\":%lld}", (long long)(exp + 86400));
    hc_clock(srv, set);
    crefresh();
    creq("GET", "/certificates/mail/", NULL, &r);
    hc_assert_status(&r, 200, "an expired certificate");
    ck_assert_int_lt(hc_jint(r.json, "attributes.exp"), hc_now(srv));
    mvt_resp_free(&r);
    creq("GET", "/secrets/mail/", NULL, &r);
    hc_assert_status(&r, 200, "its secret");
    body = r.body;
    ck_assert_msg(body && strstr(body, "\"managed\":true") != NULL, "the managed secret");
    mvt_resp_free(&r);
    j = cjournal("LifetimeAction.EmailContacts");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
    free(v1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-renew");
    TCase *tc = tcase_create("certs-renew");

    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_auto_renew_at_percentage);
    tcase_add_test(tc, test_email_contacts_and_expiry);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
