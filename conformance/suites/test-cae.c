/* test-cae.c: server witnesses of continuous access evaluation (spec/identity.md §7.6, §7.7): a
 * revoked principal's earlier cp1 token gets the 401 claims challenge of §7.2 exactly, a token
 * requested with the challenge's claims works, a token without cp1 is not challenged unless the
 * revocation was hard, and a request without a token still gets the ordinary challenge.
 *
 * Mock only (revocation is a /_mock operation). The principals are chosen so no other suite
 * notices: the automation flow app is revoked softly (the run's own flow token declares no cp1,
 * so it keeps working), the graph-reader app, which no other suite uses, hard. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kvc-suite.h"

#define FAM "cae"
#define GRAPH_ID "77777777-7777-7777-7777-777777777777"
#define GRAPH_SECRET "graph-app-client-secret-v2"
#define CP1 "{\"access_token\":{\"xms_cc\":{\"values\":[\"cp1\"]}}}"
#define PATH "/secrets/api-key/"

/* A Key Vault token for the app with claims (NULL = none); aborts when refused. Caller wipes. */
static char *token(const char *id, const char *secret, const char *claims)
{
    static const char *const hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    char *sec = kvc_urlencode(secret), *cl = claims ? kvc_urlencode(claims) : NULL;
    char body[4096], url[700];
    struct kvc_resp r;
    char *tok = NULL;

    snprintf(body, sizeof body,
             "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=https%%3A%%2F%%2F"
             "vault.azure.net%%2F.default%s%s",
             id, sec ? sec : "", cl ? "&claims=" : "", cl ? cl : "");
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", kvc.authority, KVC_FIX_TENANT);
    if (kvc_http("POST", url, kvc.ca, hdr, body, strlen(body), &r) == 0 && r.status == 200)
        tok = strdup(kvc_jstr(r.json, "access_token"));
    cx_wipe(body, sizeof body);
    cx_free_wiped(sec);
    free(cl);
    kvc_resp_free(&r);
    ck_assert_msg(tok != NULL, "no token for %s (claims %s)", id, claims ? claims : "none");
    return tok;
}

static long get_status(const char *tok)
{
    struct kvc_resp r;
    long st;

    kv_req(NULL, "GET", PATH, tok, NULL, NULL, &r);
    st = r.status;
    kvc_resp_free(&r);
    return st;
}

/* POST /_mock/principals/{id}/revoke[?hard=1]; returns revokedAt. */
static long long revoke(const char *id, bool hard)
{
    char path[200];
    struct kvc_resp r;
    long long at;

    snprintf(path, sizeof path, "/_mock/principals/%s/revoke%s", id, hard ? "?hard=1" : "");
    ck_assert_msg(kvc_control("POST", path, NULL, &r) == 200, "POST %s: %ld", path, r.status);
    at = (long long)kvc_jget(r.json, "revokedAt")->valuedouble;
    kvc_resp_free(&r);
    return at;
}

/* §7.2: the claims challenge for a token revoked at `at`, exactly. */
static void assert_claims_challenge(const char *tok, long long at)
{
    struct kvc_resp r;
    char h[1500], want[64];
    const char *b64, *end;
    unsigned char *raw;
    size_t n;
    cJSON *j;

    kv_req(NULL, "GET", PATH, tok, NULL, NULL, &r);
    kvc_assert_status(&r, 401, "GET with a revoked cp1 token");
    ck_assert_str_eq(kvc_jstr(r.json, "error.code"), "Unauthorized");
    ck_assert_msg(kvc_header(&r, "WWW-Authenticate", h, sizeof h) != NULL, "no challenge");
    ck_assert_msg(strncmp(h, "Bearer realm=\"\", authorization_uri=\"https://", 44) == 0,
                  "claims challenge must start Bearer realm=\"\", authorization_uri=: %s", h);
    b64 = strstr(h, "\", error=\"insufficient_claims\", claims=\"");
    ck_assert_msg(b64 && strstr(h, "/common/oauth2/authorize\", error="), "parameters: %s", h);
    b64 += strlen("\", error=\"insufficient_claims\", claims=\"");
    end = strchr(b64, '"');
    ck_assert_msg(end && end[1] == '\0', "claims must be the last parameter: %s", h);
    raw = cx_b64_decode(b64, (size_t)(end - b64), 0, &n);
    ck_assert_msg(raw != NULL, "claims must be padded standard base64: %s", h);
    j = cJSON_Parse((const char *)raw);
    free(raw);
    snprintf(want, sizeof want, "%lld", at);
    ck_assert_msg(cJSON_IsTrue(kvc_jget(j, "access_token.nbf.essential")), "nbf essential");
    ck_assert_str_eq(kvc_jstr(j, "access_token.nbf.value"), want);
    cJSON_Delete(j);
    kvc_resp_free(&r);
}

/* §7.7 rows 1-3: challenge, the ordinary challenge without a token, recovery with the claims. */
START_TEST(cae_claims_challenge_and_recovery)
{
    char *cp1 = token(KVC_FIX_FLOW_ID, KVC_FIX_FLOW_SECRET, CP1), *fresh, claims[256];
    struct kvc_resp r;
    char h[1024];
    long long at;

    ck_assert_int_eq(get_status(cp1), 200);
    at = revoke(KVC_FIX_FLOW_ID, false);
    assert_claims_challenge(cp1, at);
    kv_req(NULL, "GET", PATH, NULL, NULL, NULL, &r);
    kvc_assert_status(&r, 401, "GET without a token");
    ck_assert_msg(kvc_header(&r, "WWW-Authenticate", h, sizeof h) &&
                      strncmp(h, "Bearer authorization=", 21) == 0,
                  "without a token: the ordinary challenge, got %s", h);
    kvc_resp_free(&r);
    /* The run's own flow token declares no cp1: a soft revocation does not reach it. */
    ck_assert_int_eq(get_status(kvc.flow_token), 200);
    snprintf(claims, sizeof claims,
             "{\"access_token\":{\"nbf\":{\"essential\":true,\"value\":\"%lld\"},\"xms_cc\":{"
             "\"values\":[\"cp1\"]}}}",
             at);
    fresh = token(KVC_FIX_FLOW_ID, KVC_FIX_FLOW_SECRET, claims);
    ck_assert_int_eq(get_status(fresh), 200);
    ck_assert_int_eq(get_status(cp1), 401);
    cx_free_wiped(fresh);
    cx_free_wiped(cp1);
}
END_TEST

/* §7.6.2: a hard revocation reaches tokens without cp1 too; a token minted after it works. The
 * graph reader has no access to the vault: 401 before the revocation's token passes, 403 after. */
START_TEST(cae_hard_revocation)
{
    char *plain = token(GRAPH_ID, GRAPH_SECRET, NULL), *after;
    long long at;

    ck_assert_int_eq(get_status(plain), 403);
    at = revoke(GRAPH_ID, true);
    assert_claims_challenge(plain, at);
    after = token(GRAPH_ID, GRAPH_SECRET, NULL);
    ck_assert_int_eq(get_status(after), 403);
    cx_free_wiped(after);
    cx_free_wiped(plain);
}
END_TEST

/* The control API: revocations listed with their challenge counts; unknown principals 404. */
START_TEST(cae_control_api)
{
    struct kvc_resp r;
    const cJSON *e;
    bool found = false;

    revoke(GRAPH_ID, true);
    ck_assert_int_eq(kvc_control("POST", "/_mock/principals/not-a-principal/revoke", NULL, NULL),
                     404);
    ck_assert_int_eq(kvc_control("GET", "/_mock/principals/revoked", NULL, &r), 200);
    cJSON_ArrayForEach(e, kvc_jget(r.json, "value"))
        found |= strcmp(kvc_jstr(e, "id"), GRAPH_ID) == 0 && cJSON_IsTrue(kvc_jget(e, "hard"));
    ck_assert_msg(found, "the revocation is listed");
    kvc_resp_free(&r);
}
END_TEST

void kvc_suite_cae(struct kvc_reg *reg)
{
    const unsigned f = KVC_NEEDS_MOCK | KVC_NEEDS_FIXTURE;

    kvc_add_test(reg, FAM, cae_claims_challenge_and_recovery, f, NULL);
    kvc_add_test(reg, FAM, cae_hard_revocation, f, NULL);
    kvc_add_test(reg, FAM, cae_control_api, f, NULL);
}
