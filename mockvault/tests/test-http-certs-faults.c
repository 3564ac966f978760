/* test-http-certs-faults.c: the certificates family under the cross-cutting machinery (issue 11
 * "faults, journal, throttle and clock cover them"), over real HTTPS against the embedded server
 * on certs-fixture.json: fault rules matched by a certificate operation's name (a status with
 * Key Vault's exact body and Retry-After, a dropped answer to the poller's GET of the operation,
 * a path glob), --throttle azure counting certificate operations as "all other transactions"
 * (not as secret creations) until the mock clock passes the window, and the journal's entries for
 * certificate operations, which never hold a private key, a PFX or a secret value.
 *
 * Failure messages print statuses, error codes and operation names, never a body that may hold
 * key material. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs-common.h"
#include "testlib.h"

#define THROTTLED_BODY                                                                             \
    "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many " \
    "requests were received. Reason: VaultRequestTypeLimitReached\"}}"

static void setup_throttle(void)
{
    struct mv_server_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.proxy_port = -1;
    cfg.throttle = true;
    cfg.throttle_transactions = 3;
    cfg.throttle_creations = 2;
    cstart(&cfg);
}

/* POST /_mock/faults; asserts 201 and returns the rule's id. */
static unsigned fault(const char *json)
{
    struct mvt_resp r;
    unsigned id;

    hc_req(srv, "POST", "localhost", "/_mock/faults", NULL, NULL, json, &r);
    ck_assert_msg(r.status == 201, "POST /_mock/faults %s: status %ld", json, r.status);
    id = (unsigned)hc_jint(r.json, "id");
    ck_assert_uint_gt(id, 0);
    mvt_resp_free(&r);
    return id;
}

/* The journal's entries for operation on certs-ap, oldest first; caller frees r. */
static const cJSON *journal(const char *operation, struct mvt_resp *r)
{
    char p[200];

    snprintf(p, sizeof p, "/_mock/requests?operation=%s&vault=certs-ap", operation);
    hc_req(srv, "GET", "localhost", p, NULL, NULL, NULL, r);
    hc_assert_status(r, 200, p);
    return hc_jget(r->json, "value");
}

START_TEST(test_fault_rules_match_certificate_operations)
{
    struct mvt_resp r;
    const cJSON *v, *e;
    unsigned create_rule, poll_rule;

    create_rule = fault("{\"match\":{\"endpoint\":\"vault\",\"operation\":\"CreateCertificate\","
                        "\"vault\":\"certs-ap\"},\"action\":{\"status\":429,\"retryAfter\":3},"
                        "\"times\":1}");
    /* A rule for another family's operation is not matched by certificate requests. */
    fault("{\"match\":{\"operation\":\"GetSecret\"},\"action\":{\"status\":500}}");

    creq("POST", "/certificates/faulted/create", C_SELF_BODY, &r);
    hc_assert_status(&r, 429, "faulted CreateCertificate");
    hc_assert_body(&r, THROTTLED_BODY, true, "the 429 body of a faulted CreateCertificate");
    hc_assert_header(&r, "Retry-After", "3", "faulted CreateCertificate");
    mvt_resp_free(&r);
    /* The fault answered before the handler: no operation was started. */
    creq("GET", "/certificates/faulted/pending", NULL, &r);
    hc_assert_status(&r, 404, "no operation after the faulted create");
    ck_assert_str_eq(hc_jstr(r.json, "error.code"), "PendingCertificateNotFound");
    mvt_resp_free(&r);

    /* The rule is spent: the create goes through; the poller's first GET is dropped once. */
    poll_rule = fault("{\"match\":{\"operation\":\"GetCertificateOperation\","
                      "\"path\":\"/certificates/faulted/*\"},\"action\":{\"drop\":true},"
                      "\"times\":1}");
    ccreate("faulted", C_SELF_BODY, &r);
    mvt_resp_free(&r);
    ck_assert_int_eq(hc_raw_get(srv, CAP, "/certificates/faulted/pending", tok, 30000, NULL),
                     CURLE_GOT_NOTHING);
    creq("GET", "/certificates/faulted/pending", NULL, &r);
    hc_assert_status(&r, 200, "the poller's retry");
    ck_assert_str_eq(hc_jstr(r.json, "status"), "completed");
    mvt_resp_free(&r);

    /* The journal names the rules that acted: the 429 and the dropped GET (status 0). */
    v = journal("CreateCertificate", &r);
    ck_assert_int_eq(cJSON_GetArraySize(v), 2);
    e = cJSON_GetArrayItem(v, 0);
    ck_assert_int_eq(hc_jint(e, "status"), 429);
    ck_assert_int_eq(hc_jint(e, "fault"), (int)create_rule);
    e = cJSON_GetArrayItem(v, 1);
    ck_assert_int_eq(hc_jint(e, "status"), 202);
    ck_assert(!hc_has(e, "fault"));
    mvt_resp_free(&r);
    v = journal("GetCertificateOperation", &r);
    ck_assert_int_eq(cJSON_GetArraySize(v), 3);
    e = cJSON_GetArrayItem(v, 1);
    ck_assert_int_eq(hc_jint(e, "status"), 0);
    ck_assert_str_eq(hc_jstr(e, "errorCode"), "ConnectionDropped");
    ck_assert_int_eq(hc_jint(e, "fault"), (int)poll_rule);
    mvt_resp_free(&r);

    /* A glob over the import route; the rule answers with the endpoint's 5xx envelope. */
    fault("{\"match\":{\"operation\":\"ImportCertificate\",\"path\":\"/certificates/*/import\"},"
          "\"action\":{\"status\":503},\"times\":1}");
    creq("POST", "/certificates/imported/import", "{\"value\":\"not a certificate\"}", &r);
    hc_assert_status(&r, 503, "faulted ImportCertificate");
    ck_assert(hc_jstr(r.json, "error.code") != NULL);
    mvt_resp_free(&r);
    /* Spent: the same body now reaches the handler, which refuses it as the service does. */
    creq("POST", "/certificates/imported/import", "{\"value\":\"not a certificate\"}", &r);
    hc_assert_status(&r, 400, "ImportCertificate after the rule");
    mvt_resp_free(&r);
    /* The GetSecret rule never matched a certificate request. */
    hc_req(srv, "GET", "localhost", "/_mock/faults", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "GET /_mock/faults");
    v = hc_jget(r.json, "value");
    for (int i = 0; i < cJSON_GetArraySize(v); i++) {
        e = cJSON_GetArrayItem(v, i);
        const char *op = hc_jstr(e, "match.operation");
        if (op && strcmp(op, "GetSecret") == 0)
            ck_assert_int_eq(hc_jint(e, "matched"), 0);
    }
    mvt_resp_free(&r);
}
END_TEST

START_TEST(test_throttle_counts_certificates_as_transactions)
{
    struct mvt_resp r;
    const cJSON *v;

    /* Frozen, so the 10 s window only moves when the test moves it. */
    hc_clock(srv, "{\"freeze\":true}");
    /* A create, the poller's GET and a list: three transactions, the budget. */
    ccreate("throttled", C_SELF_BODY, &r);
    mvt_resp_free(&r);
    creq("GET", "/certificates/throttled/pending", NULL, &r);
    hc_assert_status(&r, 200, "GetCertificateOperation within the limit");
    mvt_resp_free(&r);
    creq("GET", "/certificates", NULL, &r);
    hc_assert_status(&r, 200, "GetCertificates within the limit");
    mvt_resp_free(&r);
    /* The fourth certificate operation in the window is throttled, with the exact body. */
    creq("GET", "/certificates/throttled/", NULL, &r);
    hc_assert_status(&r, 429, "4th transaction in 10 s");
    hc_assert_body(&r, THROTTLED_BODY, true, "throttled GetCertificate");
    hc_assert_no_header(&r, "Retry-After", "throttled GetCertificate");
    mvt_resp_free(&r);
    creq("POST", "/certificates/throttled/create", C_SELF_BODY, &r);
    hc_assert_status(&r, 429, "CreateCertificate is a transaction too");
    mvt_resp_free(&r);
    /* Certificates did not spend the secret creations' budget: a SetSecret still passes. */
    creq("PUT", "/secrets/plain", "{\"value\":\"v\"}", &r);
    hc_assert_status(&r, 200, "SetSecret has its own budget");
    mvt_resp_free(&r);
    /* 10 s later the window has slid past the burst. */
    hc_clock(srv, "{\"advance\":10}");
    creq("GET", "/certificates/throttled/", NULL, &r);
    hc_assert_status(&r, 200, "after 10 s");
    ck_assert(hc_jstr(r.json, "cer") != NULL);
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/requests?status=429", NULL, NULL, NULL, &r);
    v = hc_jget(r.json, "value");
    ck_assert_int_eq(cJSON_GetArraySize(v), 2);
    ck_assert_str_eq(hc_jstr(cJSON_GetArrayItem(v, 0), "operation"), "GetCertificate");
    ck_assert_str_eq(hc_jstr(cJSON_GetArrayItem(v, 0), "errorCode"), "Throttled");
    ck_assert_str_eq(hc_jstr(cJSON_GetArrayItem(v, 1), "operation"), "CreateCertificate");
    mvt_resp_free(&r);
}
END_TEST

/* The journal entry of each operation, in order, with its status and path. */
START_TEST(test_journal_certificate_operations)
{
    static const struct {
        const char *operation, *path;
        int status;
    } want[] = {
        {"CreateCertificate", "/certificates/jc/create", 202},
        {"GetCertificateOperation", "/certificates/jc/pending", 200},
        {"ImportCertificate", "/certificates/jc-pem/import", 200},
        {"UpdateCertificate", "/certificates/jc-pem/", 200},
        {"GetSecret", "/secrets/jc-pem", 200},
        {"DeleteCertificate", "/certificates/jc-pem", 200},
        {"GetDeletedCertificate", "/deletedcertificates/jc-pem", 200},
    };
    struct cmade m;
    struct mvt_resp r;
    char *pem, *pem_json, body[8192], *key_line;
    const cJSON *v;

    cmake(&m, "journal", false, 30);
    pem = cpem(&m, false);
    pem_json = cjson_str(pem);
    snprintf(body, sizeof body,
             "{\"value\":%s,\"policy\":{\"secret_props\":{\"contentType\":"
             "\"application/x-pem-file\"}}}",
             pem_json);
    hc_req(srv, "DELETE", "localhost", "/_mock/requests", NULL, NULL, NULL, &r);
    mvt_resp_free(&r);

    ccreate("jc", C_SELF_BODY, &r);
    mvt_resp_free(&r);
    creq("GET", "/certificates/jc/pending", NULL, &r);
    hc_assert_status(&r, 200, "pending");
    mvt_resp_free(&r);
    creq("POST", "/certificates/jc-pem/import", body, &r);
    hc_assert_status(&r, 200, "import PEM");
    mvt_resp_free(&r);
    creq("PATCH", "/certificates/jc-pem/", "{\"tags\":{\"t\":\"1\"}}", &r);
    hc_assert_status(&r, 200, "update");
    mvt_resp_free(&r);
    creq("GET", "/secrets/jc-pem", NULL, &r);
    hc_assert_status(&r, 200, "the PEM secret");
    mvt_resp_free(&r);
    creq("DELETE", "/certificates/jc-pem", NULL, &r);
    hc_assert_status(&r, 200, "delete");
    mvt_resp_free(&r);
    creq("GET", "/deletedcertificates/jc-pem", NULL, &r);
    hc_assert_status(&r, 200, "deleted");
    mvt_resp_free(&r);

    hc_req(srv, "GET", "localhost", "/_mock/requests?vault=certs-ap", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "journal");
    v = hc_jget(r.json, "value");
    ck_assert_int_eq(cJSON_GetArraySize(v), (int)(sizeof want / sizeof want[0]));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const cJSON *e = cJSON_GetArrayItem(v, (int)i);
        ck_assert_str_eq(hc_jstr(e, "operation"), want[i].operation);
        ck_assert_str_eq(hc_jstr(e, "path"), want[i].path);
        ck_assert_str_eq(hc_jstr(e, "method"), i == 0 || i == 2 ? "POST"
                                               : i == 3         ? "PATCH"
                                               : i == 5         ? "DELETE"
                                                                : "GET");
        ck_assert_int_eq(hc_jint(e, "status"), want[i].status);
        ck_assert_str_eq(hc_jstr(e, "vault"), "certs-ap");
        ck_assert_str_eq(hc_jstr(e, "oid"), C_ADMIN_OID);
    }
    /* No key material: neither the PEM's lines nor the private key's header. */
    ck_assert_msg(strstr(r.body, "PRIVATE KEY") == NULL, "a private key in the journal");
    key_line = strchr(strstr(pem, "-----BEGIN PRIVATE KEY-----"), '\n') + 1;
    key_line[64] = '\0';
    ck_assert_msg(strstr(r.body, key_line) == NULL, "a line of the private key in the journal");
    mvt_resp_free(&r);
    free(pem_json);
    memset(pem, 0, strlen(pem));
    free(pem);
    cmade_free(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-certs-faults");
    TCase *tc = tcase_create("faults");
    TCase *tt = tcase_create("throttle");

    tcase_add_checked_fixture(tc, csetup, cteardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fault_rules_match_certificate_operations);
    tcase_add_test(tc, test_journal_certificate_operations);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(tt, setup_throttle, cteardown);
    tcase_set_timeout(tt, 120);
    tcase_add_test(tt, test_throttle_counts_certificates_as_transactions);
    suite_add_tcase(s, tt);
    return mvt_run(s, false);
}
