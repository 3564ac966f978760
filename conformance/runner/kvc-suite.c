/* kvc-suite.c: request and assertion helpers shared by the server suites. */
#include "kvc-suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct kvc_ctx kvc;

/* Seconds to wait for the real service's eventual consistency after delete/purge/recover; the
 * mock is consistent at once, so these loops end on their first turn there. */
#define KVC_SETTLE_SECONDS 30

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

void kv_req(const char *base, const char *method, const char *path, const char *token,
            const char *const *headers, const char *body, struct kvc_resp *r)
{
    const char *hl[16];
    char url[4096], auth[8192];
    size_t n = 0;

    if (strncmp(path, "https://", 8) == 0 || strncmp(path, "http://", 7) == 0)
        snprintf(url, sizeof url, "%s", path);
    else if (strstr(path, "api-version="))
        snprintf(url, sizeof url, "%s%s", base ? base : kvc.vault, path);
    else
        snprintf(url, sizeof url, "%s%s%capi-version=%s", base ? base : kvc.vault, path,
                 strchr(path, '?') ? '&' : '?', kvc.api);
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl[n++] = auth;
    }
    if (body)
        hl[n++] = "Content-Type: application/json";
    for (size_t i = 0; headers && headers[i] && n < 15; i++)
        hl[n++] = headers[i];
    hl[n] = NULL;
    if (kvc_http(method, url, kvc.ca, hl, body, body ? strlen(body) : 0, r) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", r->err);
        kvc_resp_free(r);
        ck_abort_msg("%s %s: no HTTP answer: %s", method, path, msg);
    }
    /* The secret value may sit in auth; wipe the stack copy. */
    memset(auth, 0, sizeof auth);
}

void kv(const char *method, const char *path, const char *body, struct kvc_resp *r)
{
    kv_req(NULL, method, path, kvc.token, NULL, body, r);
}

const char *kvc_mock_vault(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "https://%s.localhost:%u", name, kvc.mock_port);
    return buf;
}

long kvc_control(const char *method, const char *path, const char *json, struct kvc_resp *out)
{
    struct kvc_resp r;
    const char *hl[] = {"Content-Type: application/json", NULL};
    char url[1024];

    snprintf(url, sizeof url, "%s%s", kvc.mock_base, path);
    if (kvc_http(method, url, kvc.ca, json ? hl : NULL, json, json ? strlen(json) : 0, &r) != 0) {
        kvc_resp_free(&r);
        ck_abort_msg("%s %s: the control API did not answer", method, path);
    }
    return kvc_resp_take(&r, out);
}

void kvc_clock_advance(double seconds)
{
    char body[64];

    snprintf(body, sizeof body, "{\"advance\":%.0f}", seconds);
    ck_assert_msg(kvc_control("POST", "/_mock/clock", body, NULL) == 200, "POST /_mock/clock %s",
                  body);
}

void kvc_name(char *buf, size_t n, const char *tag)
{
    static unsigned counter;
    unsigned rnd = ((unsigned)getpid() * 2654435761u) ^ ((unsigned)rand() << 8) ^ counter++;

    snprintf(buf, n, "kvc-%s-%s-%04x", kvc.run, tag, rnd & 0xffffu);
}

void kvc_set(const char *name, const char *body, char *ver, size_t vn)
{
    struct kvc_resp r;
    char path[512];

    snprintf(path, sizeof path, "/secrets/%s", name);
    kv("PUT", path, body, &r);
    kvc_assert_status(&r, 200, "SetSecret");
    if (ver)
        snprintf(ver, vn, "%s", kvc_last_segment(kvc_jstr(r.json, "id")));
    kvc_resp_free(&r);
}

void kvc_delete_wait(const char *base, const char *name)
{
    kvc_obj_delete_wait(base, "secrets", "deletedsecrets", name);
}

void kvc_obj_delete_wait(const char *base, const char *live, const char *deleted, const char *name)
{
    struct kvc_resp r;
    char path[512], what[64];

    snprintf(path, sizeof path, "/%s/%s", live, name);
    kv_req(base, "DELETE", path, kvc.token, NULL, NULL, &r);
    snprintf(what, sizeof what, "DELETE /%s/{name}", live);
    kvc_assert_status(&r, 200, what);
    kvc_resp_free(&r);
    snprintf(path, sizeof path, "/%s/%s", deleted, name);
    for (int i = 0; i < KVC_SETTLE_SECONDS * 5; i++) {
        kv_req(base, "GET", path, kvc.token, NULL, NULL, &r);
        long st = r.status;
        kvc_resp_free(&r);
        if (st == 200)
            return;
        pause_ms(200);
    }
    ck_abort_msg("GET /%s/%s never answered 200 after the delete", deleted, name);
}

void kvc_purge_wait(const char *base, const char *name)
{
    struct kvc_resp r;
    char path[512];

    snprintf(path, sizeof path, "/deletedsecrets/%s", name);
    kv_req(base, "DELETE", path, kvc.token, NULL, NULL, &r);
    kvc_assert_status(&r, 204, "PurgeDeletedSecret");
    kvc_resp_free(&r);
    for (int i = 0; i < KVC_SETTLE_SECONDS * 5; i++) {
        kv_req(base, "GET", path, kvc.token, NULL, NULL, &r);
        long st = r.status;
        kvc_resp_free(&r);
        if (st == 404)
            return;
        pause_ms(200);
    }
}

void kvc_cleanup(const char *name)
{
    kvc_obj_cleanup("secrets", "deletedsecrets", name);
}

void kvc_obj_cleanup(const char *live, const char *deleted, const char *name)
{
    struct kvc_resp r;
    char path[512], url[4096];
    long st;

    snprintf(path, sizeof path, "/%s/%s?api-version=%s", live, name, kvc.api);
    snprintf(url, sizeof url, "%s%s", kvc.vault, path);
    /* Plain kvc_http, not kv_req: cleanup must never abort the test it runs in. */
    const char *hl[2] = {NULL, NULL};
    char auth[8192];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", kvc.token);
    hl[0] = auth;
    st = kvc_http("DELETE", url, kvc.ca, hl, NULL, 0, &r) == 0 ? r.status : 0;
    kvc_resp_free(&r);
    /* Only an object just deleted needs the wait for its deleted state; one already deleted (or
     * never created) is purged, or found missing, on the first try. */
    bool wait = st == 200;
    snprintf(url, sizeof url, "%s/%s/%s?api-version=%s", kvc.vault, deleted, name, kvc.api);
    for (int i = 0; i < KVC_SETTLE_SECONDS * 5; i++) {
        st = kvc_http("DELETE", url, kvc.ca, hl, NULL, 0, &r) == 0 ? r.status : 0;
        kvc_resp_free(&r);
        /* 404 right after the delete means "not deleted yet" on the real service. */
        if (st == 204 || st == 403 || st == 0 || !wait)
            break;
        pause_ms(200);
    }
    memset(auth, 0, sizeof auth);
}

void kvc_path(char *buf, size_t n, const char *tmpl, const char *name)
{
    const char *at = strstr(tmpl, "{n}");

    if (!at)
        snprintf(buf, n, "%s", tmpl);
    else
        snprintf(buf, n, "%.*s%s%s", (int)(at - tmpl), tmpl, name, at + 3);
}

const char *kvc_last_segment(const char *id)
{
    const char *s = id ? strrchr(id, '/') : NULL;

    return s ? s + 1 : "";
}

void kvc_assert_status(const struct kvc_resp *r, long want, const char *what)
{
    ck_assert_msg(r->status == want, "%s: status %ld, want %ld%s%.600s", what, r->status, want,
                  r->status >= 400 ? "; body " : "", r->status >= 400 ? r->body : "");
}

void kvc_assert_error(const struct kvc_resp *r, long status, const char *code, const char *inner,
                      const char *message, const char *what)
{
    const cJSON *ie;

    kvc_assert_status(r, status, what);
    ck_assert_msg(r->json != NULL, "%s: error body is not JSON: %.300s", what, r->body);
    ck_assert_msg(strcmp(kvc_jstr(r->json, "error.code"), code) == 0,
                  "%s: error.code '%s', want '%s'", what, kvc_jstr(r->json, "error.code"), code);
    ie = kvc_jget(r->json, "error.innererror.code");
    if (!inner)
        ck_assert_msg(kvc_jget(r->json, "error.innererror") == NULL,
                      "%s: unexpected innererror in %.300s", what, r->body);
    else if (strcmp(inner, "*") != 0)
        ck_assert_msg(cJSON_IsString(ie) && strcmp(ie->valuestring, inner) == 0,
                      "%s: innererror.code '%s', want '%s'", what,
                      kvc_jstr(r->json, "error.innererror.code"), inner);
    if (message)
        ck_assert_msg(strcmp(kvc_jstr(r->json, "error.message"), message) == 0,
                      "%s: error.message\n  got  '%s'\n  want '%s'", what,
                      kvc_jstr(r->json, "error.message"), message);
}

void kvc_assert_body(const struct kvc_resp *r, const char *want, const char *what)
{
    ck_assert_msg(strcmp(r->body, want) == 0, "%s: body\n  got  %.700s\n  want %.700s", what,
                  r->body, want);
}

void kvc_assert_keys(const cJSON *obj, const char *keys, const char *what)
{
    char got[1024] = "";
    size_t n = 0;

    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next)
        n += (size_t)snprintf(got + n, n < sizeof got ? sizeof got - n : 0, "%s%s", n ? "," : "",
                              c->string ? c->string : "?");
    ck_assert_msg(strcmp(got, keys) == 0, "%s: keys [%s], want [%s]", what, got, keys);
}

void kvc_assert_header(const struct kvc_resp *r, const char *name, const char *want,
                       const char *what)
{
    char buf[1024];
    const char *v = kvc_header(r, name, buf, sizeof buf);

    if (!want) {
        ck_assert_msg(v == NULL, "%s: header %s should be absent, is '%s'", what, name, v);
        return;
    }
    ck_assert_msg(v != NULL, "%s: header %s missing", what, name);
    ck_assert_msg(strcmp(v, want) == 0, "%s: header %s '%s', want '%s'", what, name, v, want);
}

/* The common headers of spec §4, shared by the header suite and the suites that check an error's
 * headers (errors carry them too, §2). */
void kvc_assert_common_headers(const struct kvc_resp *r, const char *what)
{
    char b[512];

    kvc_assert_header(r, "Cache-Control", "no-cache", what);
    kvc_assert_header(r, "Pragma", "no-cache", what);
    kvc_assert_header(r, "Content-Type", "application/json; charset=utf-8", what);
    kvc_assert_header(r, "Expires", "-1", what);
    kvc_assert_header(r, "X-Content-Type-Options", "nosniff", what);
    kvc_assert_header(r, "Strict-Transport-Security", "max-age=31536000;includeSubDomains", what);
    ck_assert_msg(kvc_header(r, "x-ms-request-id", b, sizeof b) && kvc_is_guid(b),
                  "%s: x-ms-request-id missing or not a GUID", what);
    ck_assert_msg(kvc_header(r, "x-ms-keyvault-region", b, sizeof b) && b[0],
                  "%s: x-ms-keyvault-region", what);
    ck_assert_msg(kvc_header(r, "x-ms-keyvault-service-version", b, sizeof b) && b[0],
                  "%s: x-ms-keyvault-service-version", what);
    ck_assert_msg(kvc_header(r, "x-ms-keyvault-network-info", b, sizeof b) &&
                      strncmp(b, "conn_type=", 10) == 0,
                  "%s: x-ms-keyvault-network-info", what);
    ck_assert_msg(kvc_header(r, "Date", b, sizeof b) != NULL, "%s: Date", what);
    ck_assert_msg(kvc_header(r, "Content-Length", b, sizeof b) && (size_t)atol(b) == r->len,
                  "%s: Content-Length", what);
}

void kvc_assert_challenged(const struct kvc_resp *r, const char *what)
{
    struct kvc_challenge ch;
    char buf[1024];
    const char *h;

    kvc_assert_status(r, 401, what);
    ck_assert_msg(strcmp(kvc_jstr(r->json, "error.code"), "Unauthorized") == 0,
                  "%s: error.code '%s', want Unauthorized", what, kvc_jstr(r->json, "error.code"));
    h = kvc_header(r, "WWW-Authenticate", buf, sizeof buf);
    ck_assert_msg(h != NULL, "%s: 401 without WWW-Authenticate (spec §3)", what);
    ck_assert_msg(kvc_challenge_parse(h, &ch) == 0 && strcmp(ch.scheme, "Bearer") == 0,
                  "%s: challenge '%s' is not a Bearer challenge with authorization", what, h);
    ck_assert_msg(strcasecmp(ch.tenant, kvc.tenant) == 0, "%s: challenge tenant '%s', want '%s'",
                  what, ch.tenant, kvc.tenant);
}

void kvc_not_found_body(char *buf, size_t n, const char *name_or_id)
{
    snprintf(buf, n,
             "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) %s was "
             "not found in this key vault. If you recently deleted this secret you may be able to "
             "recover it using the correct recovery command. For help resolving this issue, please "
             "see https://go.microsoft.com/fwlink/?linkid=2125182\"}}",
             name_or_id);
}

void kvc_deleted_not_found_body(char *buf, size_t n, const char *name)
{
    snprintf(buf, n,
             "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Deleted Secret not found: "
             "%s\"}}",
             name);
}
