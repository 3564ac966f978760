/* test-http-keys-access.c: who may use keys and what the mock records about it, over real TLS
 * (spec/keyvault-keys.md §4 access denied, §5 roles, §7 throttling, §3.9 rotation on the mock
 * clock): the access-policy and RBAC 403 bodies with their explanation lines, audit mode,
 * /_mock/authz/needed's keyPermissions, the keys' throttle classes, lifetime actions journalled,
 * and that no key material, plaintext or signature reaches the log, the audit log or the journal
 * (keys-common.h says how the suites run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys-common.h"

static FILE *log_fp;
static char audit_path[64];
static char *flow_tok, *noacc_tok;

/* A server with a text log in a temporary file and an audit log, under mode. */
static void start_logged(enum mv_authz_mode mode, bool throttle)
{
    struct mv_server_config cfg;
    int fd;

    memset(&cfg, 0, sizeof cfg);
    log_fp = tmpfile();
    ck_assert_msg(log_fp != NULL, "tmpfile for the log");
    snprintf(audit_path, sizeof audit_path, "/tmp/mv-keys-audit-XXXXXX");
    fd = mkstemp(audit_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    cfg.proxy_port = -1;
    cfg.authz = mode;
    cfg.log = log_fp;
    cfg.log_format = MV_LOG_TEXT;
    cfg.audit_log = audit_path;
    cfg.throttle = throttle;
    kstart(&cfg);
    flow_tok = mvt_token(srv, T_FLOW_ID, T_FLOW_SECRET, "https://vault.azure.net/.default");
    noacc_tok =
        mvt_token(srv, K_NOACCESS_ID, K_NOACCESS_SECRET, "https://vault.azure.net/.default");
    ck_assert_msg(flow_tok && noacc_tok, "tokens for the flow and no-access apps");
}

static void setup_enforce(void)
{
    start_logged(MV_AUTHZ_ENFORCE, false);
}

static void setup_audit(void)
{
    start_logged(MV_AUTHZ_AUDIT, false);
}

static void setup_throttle(void)
{
    start_logged(MV_AUTHZ_ENFORCE, true);
}

static void teardown_logged(void)
{
    hc_free_token(flow_tok);
    hc_free_token(noacc_tok);
    flow_tok = noacc_tok = NULL;
    kteardown();
    fclose(log_fp);
    log_fp = NULL;
    unlink(audit_path);
}

/* The whole of a file (caller frees). */
static char *slurp(FILE *f)
{
    long n;
    char *s;

    fflush(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    s = hc_xmalloc((size_t)n + 1);
    fseek(f, 0, SEEK_SET);
    s[fread(s, 1, (size_t)n, f)] = '\0';
    return s;
}

static char *read_log(void)
{
    return slurp(log_fp);
}

static char *read_audit(void)
{
    FILE *f = fopen(audit_path, "r");
    char *s;

    ck_assert_msg(f != NULL, "audit log readable");
    s = slurp(f);
    fclose(f);
    return s;
}

/* The one log line containing needle, copied into out; asserts there is exactly one. */
static void one_line(const char *log, const char *needle, char *out, size_t n)
{
    const char *p = strstr(log, needle), *b, *e;

    ck_assert_msg(p != NULL, "a log line with \"%s\"", needle);
    ck_assert_msg(strstr(p + 1, needle) == NULL, "one log line with \"%s\"", needle);
    for (b = p; b > log && b[-1] != '\n'; b--)
        ;
    e = strchr(p, '\n');
    snprintf(out, n, "%.*s", (int)(e ? e - b : (long)strlen(b)), b);
}

static void ends_with(const char *line, const char *want, const char *what)
{
    size_t ll = strlen(line), wl = strlen(want);
    ck_assert_msg(ll >= wl && strcmp(line + ll - wl, want) == 0, "%s\n  got  %s\n  want ...%s",
                  what, line, want);
}

/* §4: the access-policy 403 names "keys <perm>", exact; the explanation line says what the
 * principal holds and the smallest change; allowed operations pass; the state is unchanged. */
START_TEST(test_access_policy_denials)
{
    unsigned char d[32] = {7};
    char *body = kcrypto_body("RSA-OAEP", d, sizeof d, NULL, 0), *before, *log, line[2048];
    struct mvt_resp r;

    kcreate("k1", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    before = kstate();
    kreq_as(flow_tok, "POST", KAP, "/keys/k1/decrypt", NULL, body, &r);
    hc_assert_status(&r, 403, "flow decrypt");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application "
                 "'appid=" T_FLOW_ID ";oid=" K_FLOW_OID ";iss=https://sts.windows.net/" T_TENANT
                 "/' does not have keys decrypt permission on key vault 'keys-ap;location="
                 "westeurope'. For help resolving this issue, please see https://go.microsoft.com/"
                 "fwlink/?linkid=2125287\",\"innererror\":{\"code\":\"AccessDenied\"}}}",
                 "access-policy 403");
    mvt_resp_free(&r);
    kreq_as(noacc_tok, "GET", KAP, "/keys/k1", NULL, NULL, &r);
    hc_assert_status(&r, 403, "no-access GET");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "does not have keys get permission"),
                  "names keys get");
    mvt_resp_free(&r);
    kassert_state(before, "denied requests");
    log = read_log();
    one_line(log, "denied Decrypt", line, sizeof line);
    ends_with(line,
              "authz: denied Decrypt on vault keys-ap key k1 by appid=" T_FLOW_ID " oid=" K_FLOW_OID
              " ('automation-flow'): needs keys permission decrypt; holds keys [get, sign]; "
              "smallest change: add 'decrypt' to the key permissions of the access policy for "
              "objectId " K_FLOW_OID,
              "access-policy explanation");
    one_line(log, "denied GetKey", line, sizeof line);
    ends_with(line,
              "needs keys permission get; holds no access policy entry; smallest change: add an "
              "access policy for objectId " K_NOACCESS_OID " with key permissions [get]",
              "no entry explanation");
    free(log);
    /* What flow holds works: get and sign. */
    kreq_as(flow_tok, "GET", KAP, "/keys/k1", NULL, NULL, &r);
    hc_assert_status(&r, 200, "flow GET");
    mvt_resp_free(&r);
    free(body);
    body = kcrypto_body("RS256", d, sizeof d, NULL, 0);
    kreq_as(flow_tok, "POST", KAP, "/keys/k1/sign", NULL, body, &r);
    hc_assert_status(&r, 200, "flow sign");
    mvt_resp_free(&r);
    free(body);
    free(before);
}
END_TEST

/* §5: RBAC: the Crypto Service Encryption User at /keys/wrapme may read and wrap that key only;
 * the exact ForbiddenByRbac body for sign; a Reader reads keys but cannot encrypt. */
START_TEST(test_rbac_roles_and_denials)
{
    unsigned char d[32] = {8};
    char *wrap = kcrypto_body("RSA-OAEP", d, sizeof d, NULL, 0);
    char *sign = kcrypto_body("RS256", d, sizeof d, NULL, 0), *log, line[2048];
    struct mvt_resp r;

    kreq("POST", KRB, "/keys/wrapme/create", "{\"kty\":\"RSA\"}", &r);
    hc_assert_status(&r, 200, "admin creates on the RBAC vault");
    mvt_resp_free(&r);
    kreq("POST", KRB, "/keys/other/create", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    kreq_as(flow_tok, "GET", KRB, "/keys/wrapme", NULL, NULL, &r);
    hc_assert_status(&r, 200, "encryption user GET");
    mvt_resp_free(&r);
    kreq_as(flow_tok, "POST", KRB, "/keys/wrapme/wrapkey", NULL, wrap, &r);
    hc_assert_status(&r, 200, "encryption user wrapkey");
    mvt_resp_free(&r);
    kreq_as(flow_tok, "POST", KRB, "/keys/other/wrapkey", NULL, wrap, &r);
    hc_assert_status(&r, 403, "wrapkey on another key");
    mvt_resp_free(&r);
    kreq_as(flow_tok, "POST", KRB, "/keys/wrapme/sign", NULL, sign, &r);
    hc_assert_status(&r, 403, "encryption user sign");
    kassert_body(&r,
                 "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized to "
                 "perform action on resource.\\r\\nIf role assignments, deny assignments or role "
                 "definitions were changed recently, please observe propagation time.\\r\\nCaller: "
                 "appid=" T_FLOW_ID ";oid=" K_FLOW_OID ";iss=https://sts.windows.net/" T_TENANT
                 "/\\r\\nAction: 'Microsoft.KeyVault/vaults/keys/sign/action'\\r\\nResource: "
                 "'/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/"
                 "providers/microsoft.keyvault/vaults/keys-rbac/keys/wrapme'\\r\\nAssignment: (not "
                 "found)\\r\\nDenyAssignmentId: null\\r\\nDecisionReason: null \\r\\nVault: "
                 "keys-rbac;location=westeurope\\r\\n\",\"innererror\":{\"code\":"
                 "\"ForbiddenByRbac\"}}}",
                 "ForbiddenByRbac");
    mvt_resp_free(&r);
    kreq_as(noacc_tok, "GET", KRB, "/keys", NULL, NULL, &r);
    hc_assert_status(&r, 200, "Reader lists keys");
    mvt_resp_free(&r);
    kreq_as(noacc_tok, "GET", KRB, "/keys/other/rotationpolicy", NULL, NULL, &r);
    hc_assert_status(&r, 200, "Reader reads a rotation policy");
    mvt_resp_free(&r);
    kreq_as(noacc_tok, "POST", KRB, "/keys/other/encrypt", NULL, wrap, &r);
    hc_assert_status(&r, 403, "Reader encrypt");
    ck_assert_str_eq(hc_jstr(r.json, "error.innererror.code"), "ForbiddenByRbac");
    mvt_resp_free(&r);
    log = read_log();
    one_line(log, "denied Sign", line, sizeof line);
    ends_with(line,
              "needs action Microsoft.KeyVault/vaults/keys/sign/action; holds 'Key Vault Crypto "
              "Service Encryption User' at /keys/wrapme; smallest change: assign 'Key Vault Crypto "
              "User' to principalId " K_FLOW_OID " at scope /keys/wrapme",
              "RBAC explanation");
    free(log);
    free(wrap);
    free(sign);
}
END_TEST

/* --authz audit: the denial becomes a logged would-deny, the request is served and journalled
 * with "authz":"would-deny"; /_mock/authz/needed lists keyPermissions and key-scoped roles. */
START_TEST(test_audit_and_needed)
{
    unsigned char d[32] = {9};
    char *body = kcrypto_body("RSA-OAEP", d, sizeof d, NULL, 0), *log, line[2048];
    struct mvt_resp r;
    const cJSON *p, *v;

    kcreate("k2", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    hc_req(srv, "DELETE", "localhost", "/_mock/authz/needed", NULL, NULL, NULL, &r);
    mvt_resp_free(&r);
    kreq_as(flow_tok, "POST", KAP, "/keys/k2/encrypt", NULL, body, &r);
    hc_assert_status(&r, 200, "audit: encrypt served");
    mvt_resp_free(&r);
    kreq_as(flow_tok, "GET", KAP, "/keys/k2", NULL, NULL, &r);
    mvt_resp_free(&r);
    log = read_log();
    one_line(log, "would deny (audit) Encrypt", line, sizeof line);
    ck_assert_msg(strstr(line, "needs keys permission encrypt") != NULL, "audit line");
    free(log);
    hc_req(srv, "GET", "localhost", "/_mock/requests?operation=Encrypt", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "journal");
    ck_assert_str_eq(hc_jstr(hc_jget(r.json, "value")->child, "authz"), "would-deny");
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/authz/needed", NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, "needed");
    p = NULL;
    for (const cJSON *it = hc_jget(r.json, "principals")->child; it; it = it->next)
        if (strcmp(hc_jstr(it, "oid"), K_FLOW_OID) == 0)
            p = it;
    ck_assert_msg(p != NULL, "the flow principal is in the report");
    v = hc_jget(p, "vaults")->child;
    hc_assert_keys(v,
                   "vault,permissionModel,secretPermissions,keyPermissions,certificatePermissions,"
                   "roleAssignments",
                   "needed vault entry");
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(v, "keyPermissions")), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(hc_jget(v, "keyPermissions"), 0)->valuestring, "get");
    ck_assert_str_eq(cJSON_GetArrayItem(hc_jget(v, "keyPermissions"), 1)->valuestring, "encrypt");
    ck_assert_str_eq(hc_jstr(hc_jget(v, "roleAssignments")->child, "role"),
                     "Key Vault Crypto User");
    ck_assert_str_eq(hc_jstr(hc_jget(v, "roleAssignments")->child, "scope"), "/keys/k2");
    mvt_resp_free(&r);
    free(body);
}
END_TEST

/* §7: --throttle azure counts key creations per type: ten EC creations in the window, the
 * eleventh 429 Throttled; RSA-2048 has its own window; the refused one changes nothing. */
START_TEST(test_throttle_key_classes)
{
    struct mvt_resp r;
    char path[64], *before;

    for (int i = 0; i < 10; i++) {
        snprintf(path, sizeof path, "/keys/t%d/create", i);
        kreq("POST", KAP, path, "{\"kty\":\"EC\",\"crv\":\"P-384\"}", &r);
        hc_assert_status(&r, 200, path);
        mvt_resp_free(&r);
    }
    before = kstate();
    kreq("POST", KAP, "/keys/t10/create", "{\"kty\":\"EC\"}", &r);
    hc_assert_status(&r, 429, "eleventh EC creation");
    ck_assert_str_eq(hc_err_code(&r), "Throttled");
    mvt_resp_free(&r);
    kassert_state(before, "throttled create");
    free(before);
    kreq("POST", KAP, "/keys/t11/create", "{\"kty\":\"RSA\"}", &r);
    hc_assert_status(&r, 200, "RSA-2048 creation: another class");
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/t1", NULL, &r);
    hc_assert_status(&r, 200, "EC other transactions: another class");
    mvt_resp_free(&r);
    /* HSM keys have half the limit, in a window of their own. */
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "/keys/h%d/create", i);
        kreq("POST", KAP, path, "{\"kty\":\"EC-HSM\"}", &r);
        hc_assert_status(&r, i < 5 ? 200 : 429, path);
        mvt_resp_free(&r);
    }
    hc_clock(srv, "{\"advance\":11}");
    kreq("POST", KAP, "/keys/t10/create", "{\"kty\":\"EC\"}", &r);
    hc_assert_status(&r, 200, "after the window");
    mvt_resp_free(&r);
}
END_TEST

/* The journal entries (value array) of one operation (caller frees with cJSON_Delete). */
static cJSON *journal_of(const char *op)
{
    struct mvt_resp r;
    char path[200];
    cJSON *v;

    snprintf(path, sizeof path, "/_mock/requests?operation=%s", op);
    hc_req(srv, "GET", "localhost", path, NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, path);
    v = cJSON_DetachItemFromObject(r.json, "value");
    mvt_resp_free(&r);
    return v;
}

/* §3.9 on the mock clock: a Rotate action makes a new version when the clock passes its time
 * (journalled with the vault, key, version); Notify fires once before expiry. */
START_TEST(test_rotation_on_mock_clock)
{
    struct mvt_resp r;
    char *v1, body[200], want[200];
    cJSON *j;
    int64_t now = hc_now(srv);

    kcreate("auto", "{\"kty\":\"EC\"}", &r);
    v1 = strdup(kversion(r.json));
    mvt_resp_free(&r);
    kreq("PUT", KAP, "/keys/auto/rotationpolicy",
         "{\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P30D\"},\"action\":{\"type\":"
         "\"Rotate\"}}],\"attributes\":{\"expiryTime\":\"P90D\"}}",
         &r);
    hc_assert_status(&r, 200, "policy");
    mvt_resp_free(&r);
    snprintf(body, sizeof body, "{\"kty\":\"EC\",\"attributes\":{\"exp\":%lld}}",
             (long long)(now + 40 * 86400));
    kcreate("warn", body, &r);
    mvt_resp_free(&r);
    kreq("PUT", KAP, "/keys/warn/rotationpolicy", "{\"lifetimeActions\":[]}", &r);
    hc_assert_status(&r, 200, "notify-only policy");
    mvt_resp_free(&r);

    /* Day 11: Notify for "warn" (exp - 30 days), nothing for "auto". */
    hc_clock(srv, "{\"advance\":950400}");
    j = journal_of("LifetimeAction.Notify");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    ck_assert_str_eq(hc_jstr(j->child, "vault"), "keys-ap");
    ck_assert_str_eq(hc_jstr(j->child, "method"), "EVENT");
    ck_assert_msg(strncmp(hc_jstr(j->child, "path"), "/keys/warn/", 11) == 0, "Notify path");
    cJSON_Delete(j);
    j = journal_of("LifetimeAction.Rotate");
    ck_assert_int_eq(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);

    /* Day 31: "auto" rotated; the new version has exp = created + 90 days. */
    hc_clock(srv, "{\"advance\":1728000}");
    hc_free_token(tok);
    tok = mvt_admin_token(srv); /* the old token expired on the mock clock */
    kreq("GET", KAP, "/keys/auto", NULL, &r);
    hc_assert_status(&r, 200, "GET auto");
    ck_assert_str_ne(kversion(r.json), v1);
    ck_assert_int_eq(hc_jint(r.json, "attributes.exp"),
                     hc_jint(r.json, "attributes.created") + 90 * 86400);
    j = journal_of("LifetimeAction.Rotate");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    snprintf(want, sizeof want, "/keys/auto/%s", kversion(r.json));
    ck_assert_str_eq(hc_jstr(j->child, "path"), want);
    cJSON_Delete(j);
    mvt_resp_free(&r);
    kreq("GET", KAP, "/keys/auto/versions", NULL, &r);
    ck_assert_int_eq(cJSON_GetArraySize(hc_jget(r.json, "value")), 2);
    mvt_resp_free(&r);
    /* Notify fired once per version. */
    j = journal_of("LifetimeAction.Notify");
    ck_assert_int_eq(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
    free(v1);
}
END_TEST

/* No key material, plaintext, ciphertext or signature in the log, the audit log or the journal. */
START_TEST(test_nothing_secret_recorded)
{
    static const char plain[] = "plaintext-that-must-not-leak-0123";
    unsigned char digest[32] = {0x5a, 0x5b};
    char *body, *p64 = kb64(plain, sizeof plain - 1), *d64 = kb64(digest, sizeof digest);
    char *secrets[4] = {NULL, NULL, NULL, NULL}, *log, *audit, *journal;
    struct mvt_resp r;

    kcreate("leak", "{\"kty\":\"RSA\"}", &r);
    mvt_resp_free(&r);
    body = kcrypto_body("RSA-OAEP", plain, sizeof plain - 1, NULL, 0);
    kreq("POST", KAP, "/keys/leak/encrypt", body, &r);
    secrets[0] = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    free(body);
    body = kcrypto_body("RS256", digest, sizeof digest, NULL, 0);
    kreq("POST", KAP, "/keys/leak/sign", body, &r);
    secrets[1] = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    free(body);
    kreq("POST", KAP, "/keys/leak/backup", NULL, &r);
    secrets[2] = strndup(hc_jstr(r.json, "value"), 64);
    mvt_resp_free(&r);
    kreq("POST", KAP, "/rng", "{\"count\":32}", &r);
    secrets[3] = strdup(hc_jstr(r.json, "value"));
    mvt_resp_free(&r);
    hc_req(srv, "GET", "localhost", "/_mock/requests", NULL, NULL, NULL, &r);
    journal = r.body;
    r.body = NULL;
    mvt_resp_free(&r);
    log = read_log();
    audit = read_audit();
    ck_assert_msg(strstr(journal, "/keys/leak/encrypt") != NULL, "the journal has the request");
    ck_assert_msg(strstr(audit, "/keys/leak/sign") != NULL, "the audit log has the request");
    {
        const char *hay[3] = {log, audit, journal}, *names[3] = {"log", "audit log", "journal"};
        for (int h = 0; h < 3; h++) {
            ck_assert_msg(!strstr(hay[h], plain) && !strstr(hay[h], p64) && !strstr(hay[h], d64),
                          "%s has no plaintext or digest", names[h]);
            for (int i = 0; i < 4; i++)
                ck_assert_msg(!strstr(hay[h], secrets[i]), "%s has no result value %d", names[h],
                              i);
            ck_assert_msg(!strstr(hay[h], "\"d\""), "%s has no private key part", names[h]);
        }
    }
    for (int i = 0; i < 4; i++)
        free(secrets[i]);
    free(log), free(audit), free(journal), free(p64), free(d64);
}
END_TEST

/* Fault rules match keys operations by name; an injected 403 is the keys' access-policy body; the
 * journal records the fault on the key's request. */
START_TEST(test_fault_rules_on_keys)
{
    unsigned char d[32] = {4};
    char *body = kcrypto_body("ES256", d, sizeof d, NULL, 0);
    struct mvt_resp r;
    cJSON *j;

    kcreate("fk", "{\"kty\":\"EC\"}", &r);
    mvt_resp_free(&r);
    hc_req(srv, "POST", "localhost", "/_mock/faults", NULL, NULL,
           "{\"match\":{\"operation\":\"Sign\"},\"action\":{\"status\":403},\"times\":1}", &r);
    hc_assert_status(&r, 201, "fault rule");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/fk/sign", body, &r);
    hc_assert_status(&r, 403, "faulted sign");
    ck_assert_msg(strstr(hc_jstr(r.json, "error.message"), "does not have keys sign permission"),
                  "the fault's 403 names the keys permission");
    mvt_resp_free(&r);
    kreq("POST", KAP, "/keys/fk/sign", body, &r);
    hc_assert_status(&r, 200, "the rule fired once");
    mvt_resp_free(&r);
    j = journal_of("Sign");
    ck_assert_int_eq(cJSON_GetArraySize(j), 2);
    ck_assert_msg(hc_jget(j->child, "fault") != NULL, "the journal names the fault");
    cJSON_Delete(j);
    free(body);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-keys-access");
    TCase *enforce = tcase_create("enforce"), *audit = tcase_create("audit");
    TCase *throttle = tcase_create("throttle");

    tcase_add_checked_fixture(enforce, setup_enforce, teardown_logged);
    tcase_set_timeout(enforce, 120);
    tcase_add_test(enforce, test_access_policy_denials);
    tcase_add_test(enforce, test_rbac_roles_and_denials);
    tcase_add_test(enforce, test_rotation_on_mock_clock);
    tcase_add_test(enforce, test_nothing_secret_recorded);
    tcase_add_test(enforce, test_fault_rules_on_keys);
    suite_add_tcase(s, enforce);
    tcase_add_checked_fixture(audit, setup_audit, teardown_logged);
    tcase_set_timeout(audit, 120);
    tcase_add_test(audit, test_audit_and_needed);
    suite_add_tcase(s, audit);
    tcase_add_checked_fixture(throttle, setup_throttle, teardown_logged);
    tcase_set_timeout(throttle, 120);
    tcase_add_test(throttle, test_throttle_key_classes);
    suite_add_tcase(s, throttle);
    return mvt_run(s, false);
}
