/* test-certs.c: spec/keyvault-certificates.md test rows 1-8 (create with the Self issuer: the 202
 * operation, its completion, the latest and the versioned bundle, the managed PFX secret and its
 * refused direct write; the Unknown issuer's pending version and the merge of its CSR signed by a
 * CA made here with GnuTLS) and the helpers test-certs-ops.c shares (kvc-certs.h).
 *
 * Against the real service a Self certificate takes a few seconds: the helpers poll the operation
 * as the SDKs do, honouring Retry-After. Failure messages name certificates, statuses and codes:
 * never a PFX or a key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kvc-certs.h"
#include "kvc-suite.h"

#define FAM "certificates"

/* The create body of rows 1 and 3 (the recorded minimal request). */
#define ROW1_BODY                                                                                  \
    "{\"policy\":{\"x509_props\":{\"subject\":\"CN=DefaultPolicy\",\"sans\":{}},"                  \
    "\"issuer\":{\"name\":\"Self\"}}}"
#define UNKNOWN_BODY                                                                               \
    "{\"policy\":{\"x509_props\":{\"subject\":\"CN=kvconform merge\",\"sans\":{}},"                \
    "\"issuer\":{\"name\":\"Unknown\"}}}"

/* Longest wait for an operation: the real Self issuer took ~5 s in 2026 and ~16 s in 2022. */
#define KVCT_WAIT_SECONDS 120

void kvct_create(const char *name, const char *body, cJSON **op)
{
    struct kvc_resp r;
    char path[256];

    snprintf(path, sizeof path, "/certificates/%s/create", name);
    kv("POST", path, body, &r);
    kvc_assert_status(&r, 202, "POST /certificates/{name}/create");
    if (op) {
        *op = r.json;
        r.json = NULL;
    }
    kvc_resp_free(&r);
}

void kvct_wait(const char *name, const char *want, cJSON **op)
{
    struct kvc_resp r;
    char path[256], buf[64];
    time_t end = time(NULL) + KVCT_WAIT_SECONDS;

    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    for (;;) {
        kv("GET", path, NULL, &r);
        kvc_assert_status(&r, 200, "GET /certificates/{name}/pending");
        if (strcmp(kvc_jstr(r.json, "status"), "inProgress") != 0 || time(NULL) > end)
            break;
        /* The service's Retry-After (10 s); a second when there is none. */
        const char *ra = kvc_header(&r, "Retry-After", buf, sizeof buf);
        long s = ra ? atol(ra) : 1;
        kvc_resp_free(&r);
        struct timespec ts = {s > 0 && s <= 10 ? s : 1, 0};
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(strcmp(kvc_jstr(r.json, "status"), want) == 0,
                  "operation of %s: status '%s', want '%s' (error: %s)", name,
                  kvc_jstr(r.json, "status"), want, kvc_jstr(r.json, "error.message"));
    if (op) {
        *op = r.json;
        r.json = NULL;
    }
    kvc_resp_free(&r);
}

cJSON *kvct_get(const char *path, const char *what)
{
    struct kvc_resp r;
    cJSON *j;

    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, what);
    j = r.json;
    r.json = NULL;
    kvc_resp_free(&r);
    ck_assert_msg(j != NULL, "%s: no JSON body", what);
    return j;
}

cJSON *kvct_create_self(const char *name, const char *body)
{
    char path[256];

    kvct_create(name, body, NULL);
    kvct_wait(name, "completed", NULL);
    snprintf(path, sizeof path, "/certificates/%s/", name);
    return kvct_get(path, "GET /certificates/{name}/ after completion");
}

void kvct_cleanup(const char *name)
{
    kvc_obj_cleanup("certificates", "deletedcertificates", name);
}

void kvct_assert_x5t(const cJSON *b, const char *what)
{
    char *x5t = kvct_x5t(kvc_jstr(b, "cer"));

    ck_assert_msg(x5t != NULL, "%s: cer is not base64", what);
    ck_assert_msg(strcmp(x5t, kvc_jstr(b, "x5t")) == 0, "%s: x5t is not base64url(SHA-1(cer))",
                  what);
    free(x5t);
}

/* id .../certificates/name/<32 hex>; kid and sid the same name and version (spec §1). */
static void assert_lockstep(const cJSON *b, const char *name, const char *what)
{
    char want[700];
    const char *id = kvc_jstr(b, "id"), *v = kvc_last_segment(id);

    snprintf(want, sizeof want, "%s/certificates/%s/", kvc.vault, name);
    ck_assert_msg(strncasecmp(id, want, strlen(want)) == 0 && strlen(v) == 32 &&
                      strspn(v, "0123456789abcdef") == 32,
                  "%s: id '%s', want %s<32 hex>", what, id, want);
    snprintf(want, sizeof want, "%s/keys/%s/%s", kvc.vault, name, v);
    ck_assert_msg(strcasecmp(kvc_jstr(b, "kid"), want) == 0, "%s: kid '%s', want '%s'", what,
                  kvc_jstr(b, "kid"), want);
    snprintf(want, sizeof want, "%s/secrets/%s/%s", kvc.vault, name, v);
    ck_assert_msg(strcasecmp(kvc_jstr(b, "sid"), want) == 0, "%s: sid '%s', want '%s'", what,
                  kvc_jstr(b, "sid"), want);
}

static void assert_json(const cJSON *j, const char *want, const char *what)
{
    char *got = cJSON_PrintUnformatted(j);

    ck_assert_msg(got && strcmp(got, want) == 0, "%s: %s, want %s", what, got ? got : "(none)",
                  want);
    free(got);
}

/* Row 1: the 202 with the operation, Location with request_id, Retry-After: 10. */
START_TEST(kv_certs_row01_create_202_operation)
{
    struct kvc_resp r;
    char name[96], path[256], loc[1024], want[512];
    const char *q;

    kvc_name(name, sizeof name, "c1");
    snprintf(path, sizeof path, "/certificates/%s/create", name);
    kv("POST", path, ROW1_BODY, &r);
    kvc_assert_status(&r, 202, "row 1: create");
    kvc_assert_keys(r.json, "id,issuer,csr,cancellation_requested,status,status_details,request_id",
                    "row 1: operation");
    ck_assert_str_eq(kvc_jstr(r.json, "status"), "inProgress");
    ck_assert_str_eq(kvc_jstr(r.json, "issuer.name"), "Self");
    ck_assert_str_eq(kvc_jstr(r.json, "status_details"), KVCT_DETAILS_SELF);
    ck_assert_msg(cJSON_IsFalse(kvc_jget(r.json, "cancellation_requested")),
                  "row 1: cancellation_requested is not false");
    snprintf(want, sizeof want, "%s/certificates/%s/pending", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(r.json, "id"), want) == 0, "row 1: id '%s', want '%s'",
                  kvc_jstr(r.json, "id"), want);
    ck_assert_msg(strlen(kvc_jstr(r.json, "csr")) > 100, "row 1: no csr");
    kvc_assert_header(&r, "Retry-After", "10", "row 1");
    ck_assert_msg(kvc_header(&r, "Location", loc, sizeof loc) != NULL, "row 1: no Location");
    snprintf(want, sizeof want, "/certificates/%s/pending?api-version=%s&request_id=%s", name,
             kvc.api, kvc_jstr(r.json, "request_id"));
    q = strstr(loc, "/certificates/");
    ck_assert_msg(strncmp(loc, "https://", 8) == 0 && q && strcasecmp(q, want) == 0,
                  "row 1: Location '%s', want https://{vault}%s", loc, want);
    ck_assert_msg(strlen(kvc_jstr(r.json, "request_id")) == 32, "row 1: request_id is not 32 hex");
    kvc_resp_free(&r);
    kvct_cleanup(name);
}
END_TEST

/* Row 2: the completed operation: target, no status_details, no Retry-After. */
START_TEST(kv_certs_row02_operation_completed)
{
    struct kvc_resp r;
    cJSON *op = NULL;
    char name[96], path[256], want[700];

    kvc_name(name, sizeof name, "c1");
    kvct_create(name, ROW1_BODY, NULL);
    kvct_wait(name, "completed", &op);
    cJSON_Delete(op);
    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    kv("GET", path, NULL, &r);
    kvc_assert_status(&r, 200, "row 2: GET pending");
    kvc_assert_keys(r.json, "id,issuer,csr,cancellation_requested,status,target,request_id",
                    "row 2: completed operation");
    snprintf(want, sizeof want, "%s/certificates/%s", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(r.json, "target"), want) == 0,
                  "row 2: target '%s', want '%s'", kvc_jstr(r.json, "target"), want);
    kvc_assert_header(&r, "Retry-After", NULL, "row 2");
    kvc_resp_free(&r);
    kvct_cleanup(name);
}
END_TEST

/* Row 3: the latest bundle with policy (every default of §2) and pending. */
START_TEST(kv_certs_row03_latest_bundle_defaults)
{
    char name[96];
    cJSON *b;
    long long nbf, exp;
    double created;

    kvc_name(name, sizeof name, "c1");
    b = kvct_create_self(name, ROW1_BODY);
    kvc_assert_keys(b, "id,kid,sid,x5t,cer,attributes,policy,pending", "row 3: bundle");
    assert_lockstep(b, name, "row 3");
    kvct_assert_x5t(b, "row 3");
    kvc_assert_keys(kvc_jget(b, "attributes"),
                    "enabled,nbf,exp,created,updated,recoveryLevel,recoverableDays",
                    "row 3: attributes");
    ck_assert_msg(kvct_cer_dates(kvc_jstr(b, "cer"), &nbf, &exp), "row 3: cer does not parse");
    ck_assert_msg(kvc_jget(b, "attributes.nbf")->valuedouble == (double)nbf &&
                      kvc_jget(b, "attributes.exp")->valuedouble == (double)exp,
                  "row 3: attributes nbf/exp are not the certificate's notBefore/notAfter");
    created = kvc_jget(b, "attributes.created")->valuedouble;
    ck_assert_msg((double)nbf >= created - 630 && (double)nbf <= created - 570,
                  "row 3: nbf %lld is not created - 600 (created %.0f)", nbf, created);
    const cJSON *p = kvc_jget(b, "policy");
    kvc_assert_keys(p, "id,key_props,secret_props,x509_props,lifetime_actions,issuer,attributes",
                    "row 3: policy");
    assert_json(kvc_jget(p, "key_props"),
                "{\"exportable\":true,\"kty\":\"RSA\",\"key_size\":2048,\"reuse_key\":false}",
                "row 3: key_props");
    assert_json(kvc_jget(p, "secret_props"), "{\"contentType\":\"application/x-pkcs12\"}",
                "row 3: secret_props");
    assert_json(kvc_jget(p, "x509_props"),
                "{\"subject\":\"CN=DefaultPolicy\",\"sans\":{},\"ekus\":[\"1.3.6.1.5.5.7.3.1\","
                "\"1.3.6.1.5.5.7.3.2\"],\"key_usage\":[\"digitalSignature\",\"keyEncipherment\"],"
                "\"validity_months\":12,\"basic_constraints\":{\"ca\":false}}",
                "row 3: x509_props");
    assert_json(kvc_jget(p, "lifetime_actions"),
                "[{\"trigger\":{\"lifetime_percentage\":80},\"action\":{\"action_type\":"
                "\"AutoRenew\"}}]",
                "row 3: lifetime_actions");
    assert_json(kvc_jget(p, "issuer"), "{\"name\":\"Self\"}", "row 3: issuer");
    kvc_assert_keys(kvc_jget(p, "attributes"), "enabled,created,updated",
                    "row 3: policy attributes");
    char want[700];
    snprintf(want, sizeof want, "%s/certificates/%s/pending", kvc.vault, name);
    ck_assert_msg(strcasecmp(kvc_jstr(b, "pending.id"), want) == 0,
                  "row 3: pending.id '%s', want '%s'", kvc_jstr(b, "pending.id"), want);
    cJSON_Delete(b);
    kvct_cleanup(name);
}
END_TEST

/* Row 4: a versioned GET has no policy and no pending. */
START_TEST(kv_certs_row04_versioned_bundle)
{
    char name[96], path[256];
    cJSON *b, *v;

    kvc_name(name, sizeof name, "c1");
    b = kvct_create_self(name, ROW1_BODY);
    snprintf(path, sizeof path, "/certificates/%s/%s", name, kvc_last_segment(kvc_jstr(b, "id")));
    v = kvct_get(path, "row 4: GET /certificates/{name}/{version}");
    kvc_assert_keys(v, "id,kid,sid,x5t,cer,attributes", "row 4: versioned bundle");
    ck_assert_str_eq(kvc_jstr(v, "x5t"), kvc_jstr(b, "x5t"));
    ck_assert_str_eq(kvc_jstr(v, "id"), kvc_jstr(b, "id"));
    cJSON_Delete(v);
    cJSON_Delete(b);
    kvct_cleanup(name);
}
END_TEST

/* Row 5: the managed secret: key order, PKCS#12 that opens with the empty password and holds the
 * key and the bundle's certificate. */
START_TEST(kv_certs_row05_secret_pfx)
{
    char name[96], path[256], why[128] = "";
    cJSON *b, *s;

    kvc_name(name, sizeof name, "c1");
    b = kvct_create_self(name, ROW1_BODY);
    snprintf(path, sizeof path, "/secrets/%s/", name);
    s = kvct_get(path, "row 5: GET /secrets/{name}/");
    kvc_assert_keys(s, "value,contentType,id,managed,attributes,kid", "row 5: secret bundle");
    ck_assert_str_eq(kvc_jstr(s, "contentType"), "application/x-pkcs12");
    ck_assert_msg(cJSON_IsTrue(kvc_jget(s, "managed")), "row 5: managed is not true");
    ck_assert_str_eq(kvc_jstr(s, "id"), kvc_jstr(b, "sid"));
    ck_assert_str_eq(kvc_jstr(s, "kid"), kvc_jstr(b, "kid"));
    ck_assert_msg(kvc_jget(s, "attributes.exp")->valuedouble ==
                      kvc_jget(b, "attributes.exp")->valuedouble,
                  "row 5: the secret's exp is not the certificate's");
    ck_assert_msg(kvct_pfx_matches(kvc_jstr(s, "value"), "", kvc_jstr(b, "cer"), why, sizeof why),
                  "row 5: the PFX with the empty password: %s", why);
    cJSON_Delete(s);
    cJSON_Delete(b);
    kvct_cleanup(name);
}
END_TEST

/* Row 6: a direct set of the managed secret is refused. */
START_TEST(kv_certs_row06_managed_secret_set_403)
{
    struct kvc_resp r;
    char name[96], path[256];

    kvc_name(name, sizeof name, "c1");
    cJSON_Delete(kvct_create_self(name, ROW1_BODY));
    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, "{\"value\":\"x\"}", &r);
    kvc_assert_error(&r, 403, "Forbidden", "SecretManagedByKeyVault",
                     "Operation \"set\" is not allowed as this object's lifetime is managed by Key "
                     "Vault.",
                     "row 6: PUT of a managed secret");
    kvc_resp_free(&r);
    kvct_cleanup(name);
}
END_TEST

/* Row 7: the Unknown issuer: pending until merge; the latest version is disabled, without cer. */
START_TEST(kv_certs_row07_unknown_pending)
{
    char name[96], path[256];
    cJSON *op = NULL, *b;

    kvc_name(name, sizeof name, "c2");
    kvct_create(name, UNKNOWN_BODY, &op);
    ck_assert_str_eq(kvc_jstr(op, "status"), "inProgress");
    ck_assert_str_eq(kvc_jstr(op, "issuer.name"), "Unknown");
    ck_assert_str_eq(kvc_jstr(op, "status_details"), KVCT_DETAILS_UNKNOWN);
    cJSON_Delete(op);
    snprintf(path, sizeof path, "/certificates/%s/", name);
    b = kvct_get(path, "row 7: GET /certificates/{name}/ while pending");
    ck_assert_msg(cJSON_IsFalse(kvc_jget(b, "attributes.enabled")),
                  "row 7: the pending version is not enabled:false");
    ck_assert_msg(!kvc_jget(b, "cer") && !kvc_jget(b, "x5t") && !kvc_jget(b, "kid") &&
                      !kvc_jget(b, "sid"),
                  "row 7: the pending version carries cer/x5t/kid/sid");
    ck_assert_msg(kvc_jget(b, "policy") && kvc_jget(b, "pending"),
                  "row 7: the pending version lacks policy or pending");
    cJSON_Delete(b);
    /* Still pending a moment later: Unknown waits for a merge. */
    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    op = kvct_get(path, "row 7: GET pending");
    ck_assert_str_eq(kvc_jstr(op, "status"), "inProgress");
    cJSON_Delete(op);
    kvct_cleanup(name);
}
END_TEST

/* Row 8: merge of the CSR signed by a CA made here: 201, cer = the signed certificate, pending
 * kept, operation completed, EmailContacts for Unknown. */
START_TEST(kv_certs_row08_merge)
{
    struct kvct_keycert ca;
    struct kvc_resp r;
    char name[96], path[256], *signed_b64, *body;
    cJSON *op = NULL, *req;

    kvc_name(name, sizeof name, "c2");
    ck_assert_msg(kvct_make(&ca, "CN=kvconform test CA", 3, true, NULL) == 0, "CA: GnuTLS failed");
    kvct_create(name, UNKNOWN_BODY, &op);
    signed_b64 = kvct_sign_csr(kvc_jstr(op, "csr"), &ca);
    cJSON_Delete(op);
    ck_assert_msg(signed_b64 != NULL, "row 8: the operation's csr does not parse or verify");
    req = cJSON_CreateObject();
    cJSON_AddItemToObject(req, "x5c",
                          cJSON_CreateStringArray((const char *const[]){signed_b64}, 1));
    body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    snprintf(path, sizeof path, "/certificates/%s/pending/merge", name);
    kv("POST", path, body, &r);
    free(body);
    kvc_assert_status(&r, 201, "row 8: merge");
    kvc_assert_keys(r.json, "id,kid,sid,x5t,cer,attributes,policy,pending", "row 8: merged bundle");
    ck_assert_msg(strcmp(kvc_jstr(r.json, "cer"), signed_b64) == 0,
                  "row 8: cer is not the merged certificate");
    assert_lockstep(r.json, name, "row 8");
    kvct_assert_x5t(r.json, "row 8");
    ck_assert_msg(cJSON_IsTrue(kvc_jget(r.json, "attributes.enabled")), "row 8: not enabled");
    ck_assert_str_eq(kvc_jstr(cJSON_GetArrayItem(kvc_jget(r.json, "policy.lifetime_actions"), 0),
                              "action.action_type"),
                     "EmailContacts");
    kvc_resp_free(&r);
    free(signed_b64);
    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    op = kvct_get(path, "row 8: GET pending after the merge");
    ck_assert_str_eq(kvc_jstr(op, "status"), "completed");
    cJSON_Delete(op);
    kvct_keycert_free(&ca);
    kvct_cleanup(name);
}
END_TEST

void kvc_suite_certs(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_certs_row01_create_202_operation, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row02_operation_completed, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row03_latest_bundle_defaults, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row04_versioned_bundle, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row05_secret_pfx, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row06_managed_secret_set_403, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row07_unknown_pending, 0, NULL);
    kvc_add_test(reg, FAM, kv_certs_row08_merge, 0, NULL);
}
