/* test-challenge.c: the 401 challenge of spec/keyvault-secrets.md §3 and spec/identity.md §5:
 * its exact shape, that it comes before any body or parameter check on every route, that the
 * SDKs' resource check passes, and the whole SDK flow (challenge -> token -> retry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-mem.h"
#include "kvc-suite.h"

#define FAM "challenge"

static void get_challenge(const char *method, const char *path, const char *body,
                          struct kvc_challenge *ch, char *raw, size_t rn)
{
    struct kvc_resp r;
    char what[300];

    snprintf(what, sizeof what, "%s %s without Authorization", method, path);
    kv_req(NULL, method, path, NULL, NULL, body, &r);
    kvc_assert_challenged(&r, what);
    ck_assert_msg(kvc_header(&r, "WWW-Authenticate", raw, rn) != NULL, "%s: no challenge", what);
    ck_assert_int_eq(kvc_challenge_parse(raw, ch), 0);
    kvc_resp_free(&r);
}

/* §3 / identity §5.1-5.2: Bearer authorization="https://host/{tenant}", resource="https://...";
 * values quoted (the JS SDK requires it), tenant as the last segment with no trailing slash, no
 * scope parameter, https authority (identity §5.5). */
START_TEST(kv_s3_challenge_header_format)
{
    struct kvc_challenge ch;
    char raw[1024];

    get_challenge("GET", "/secrets", NULL, &ch, raw, sizeof raw);
    ck_assert_str_eq(ch.scheme, "Bearer");
    ck_assert_msg(ch.all_quoted, "challenge values must be quoted: %s", raw);
    ck_assert_msg(ch.nparams == 2 && ch.resource[0] && !ch.scope[0],
                  "challenge must carry exactly authorization and resource: %s", raw);
    ck_assert_msg(strncmp(raw, "Bearer authorization=\"https://", 30) == 0,
                  "challenge must start Bearer authorization=\"https://: %s", raw);
    ck_assert_msg(strcasecmp(ch.tenant, kvc.tenant) == 0, "tenant '%s'", ch.tenant);
    ck_assert_msg(strstr(ch.authority + 8, "/") == NULL,
                  "authorization must be https://host/{tenant}: %s", ch.authorization);
    ck_assert_msg(strncmp(ch.resource, "https://", 8) == 0 &&
                      ch.resource[strlen(ch.resource) - 1] != '/',
                  "resource '%s'", ch.resource);
}
END_TEST

/* §3: the SDKs first send PUT/POST without a body (Content-Length: 0) and without Authorization:
 * the challenge must come before any body or api-version check. */
START_TEST(kv_s3_challenge_before_body_check)
{
    struct kvc_challenge ch;
    char raw[1024], name[96], path[256];

    kvc_name(name, sizeof name, "chb");
    snprintf(path, sizeof path, "/secrets/%s", name);
    get_challenge("PUT", path, "", &ch, raw, sizeof raw);
    get_challenge("PUT", path, "{not json", &ch, raw, sizeof raw);
    get_challenge("POST", "/secrets/restore", "", &ch, raw, sizeof raw);
    snprintf(path, sizeof path, "/secrets/%s?api-version=0.0-bogus", name);
    get_challenge("GET", path, NULL, &ch, raw, sizeof raw);
    snprintf(path, sizeof path, "%s/secrets/%s", kvc.vault, name);
    get_challenge("GET", path, NULL, &ch, raw, sizeof raw);
}
END_TEST

/* §3: every vault route challenges. */
START_TEST(kv_s3_challenge_every_route)
{
    static const struct {
        const char *method, *fmt, *body;
    } routes[] = {
        {"GET", "/secrets/{n}/", NULL},
        {"GET", "/secrets/{n}/0123456789abcdef0123456789abcdef", NULL},
        {"PATCH", "/secrets/{n}/", "{}"},
        {"DELETE", "/secrets/{n}", NULL},
        {"GET", "/secrets/{n}/versions", NULL},
        {"GET", "/deletedsecrets", NULL},
        {"GET", "/deletedsecrets/{n}", NULL},
        {"DELETE", "/deletedsecrets/{n}", NULL},
        {"POST", "/deletedsecrets/{n}/recover", ""},
        {"POST", "/secrets/{n}/backup", ""},
    };
    struct kvc_challenge ch;
    char raw[1024], name[96], path[256];

    kvc_name(name, sizeof name, "chr");
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        kvc_path(path, sizeof path, routes[i].fmt, name);
        get_challenge(routes[i].method, path, routes[i].body, &ch, raw, sizeof raw);
    }
}
END_TEST

/* §3 / identity §5.4: the SDKs' challenge-resource check. A vault on *.vault.azure.net or
 * *.localhost:PORT must get a resource whose netloc (Python: with port) and host (JS/.NET) the
 * request's ends with; on a bare host (127.0.0.1) the resource is https://vault.azure.net and
 * clients must disable the check (DESIGN §3). */
START_TEST(kv_s3_challenge_resource_check)
{
    struct kvc_challenge ch;
    char raw[1024], netloc[300], rnetloc[300], rhost[300], dot[310];
    const char *vh = kvc.vault_host;
    size_t hl = strlen(vh);

    get_challenge("GET", "/secrets", NULL, &ch, raw, sizeof raw);
    snprintf(netloc, sizeof netloc, "%s", kvc.vault + 8);
    snprintf(rnetloc, sizeof rnetloc, "%s", ch.resource + 8);
    snprintf(rhost, sizeof rhost, "%s", rnetloc);
    rhost[strcspn(rhost, ":")] = '\0';
    if ((hl > 16 && strcasecmp(vh + hl - 16, ".vault.azure.net") == 0) ||
        (hl > 10 && strcasecmp(vh + hl - 10, ".localhost") == 0)) {
        snprintf(dot, sizeof dot, ".%s", rnetloc);
        ck_assert_msg(strlen(netloc) > strlen(dot) &&
                          strcasecmp(netloc + strlen(netloc) - strlen(dot), dot) == 0,
                      "Python check fails: netloc '%s' does not end with '%s'", netloc, dot);
        snprintf(dot, sizeof dot, ".%s", rhost);
        ck_assert_msg(hl > strlen(dot) && strcasecmp(vh + hl - strlen(dot), dot) == 0,
                      "JS/.NET check fails: host '%s' does not end with '%s'", vh, dot);
    } else {
        ck_assert_str_eq(ch.resource, KVC_VAULT_RESOURCE);
    }
}
END_TEST

/* §3 / identity §5.2-5.3: the SDK flow end to end: challenge, tenant and scope
 * (resource + "/.default") from it, a token from the configured authority, the request replayed
 * with the token. */
START_TEST(kv_s3_challenge_sdk_flow)
{
    struct kvc_challenge ch;
    struct kvc_resp r;
    char raw[1024], scope[600], name[96], path[256];
    char *tok;

    kvc_name(name, sizeof name, "flow");
    snprintf(path, sizeof path, "/secrets/%s", name);
    get_challenge("PUT", path, "", &ch, raw, sizeof raw);
    snprintf(scope, sizeof scope, "%s/.default", ch.scope[0] ? ch.scope : ch.resource);
    {
        struct kvc_creds c = {kvc.authority, ch.tenant, kvc.client_id, kvc.client_secret, kvc.ca};
        tok = kvc_token(&c, scope, NULL);
    }
    ck_assert_msg(tok != NULL, "no token for scope %s from the challenge's tenant", scope);
    kv_req(NULL, "PUT", path, tok, NULL, "{\"value\":\"v\"}", &r);
    cx_free_wiped(tok);
    kvc_assert_status(&r, 200, "PUT replayed with the token");
    kvc_resp_free(&r);
    kvc_cleanup(name);
}
END_TEST

void kvc_suite_challenge(struct kvc_reg *reg)
{
    kvc_add_test(reg, FAM, kv_s3_challenge_header_format, 0, NULL);
    kvc_add_test(reg, FAM, kv_s3_challenge_before_body_check, 0, NULL);
    kvc_add_test(reg, FAM, kv_s3_challenge_every_route, 0, NULL);
    kvc_add_test(reg, FAM, kv_s3_challenge_resource_check, 0, NULL);
    kvc_add_test(reg, FAM, kv_s3_challenge_sdk_flow, 0, NULL);
}
