/* identity.c: Entra ID's client-credentials token endpoints, v2 and v1 (spec/identity.md §1), and
 * what they share with discovery.c (tenants, the authority base). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "assertion.h"
#include "http.h"
#include "identity.h"
#include "jwt.h"
#include "reply.h"
#include "revoke.h"
#include "op.h"
#include "store.h"
#include "util.h"

#define FORM_FIELD_MAX (64 * 1024)

/* The form fields the token endpoints read; everything else (x-client-*, client_info,
 * client-request-id...) is ignored, as Entra does (spec/identity.md §1.1). claims is the claims
 * request of continuous access evaluation (§7.3): client capabilities and a challenge's nbf. */
struct token_form {
    char *grant_type, *client_id, *client_secret, *scope, *resource;
    char *client_assertion, *client_assertion_type, *claims;
};

static char **form_slot(void *ctx, const char *key)
{
    struct token_form *f = ctx;
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {
        {"grant_type", offsetof(struct token_form, grant_type)},
        {"client_id", offsetof(struct token_form, client_id)},
        {"client_secret", offsetof(struct token_form, client_secret)},
        {"scope", offsetof(struct token_form, scope)},
        {"resource", offsetof(struct token_form, resource)},
        {"client_assertion", offsetof(struct token_form, client_assertion)},
        {"client_assertion_type", offsetof(struct token_form, client_assertion_type)},
        {"claims", offsetof(struct token_form, claims)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].name, key) == 0)
            return (char **)(void *)((char *)f + fields[i].off);
    return NULL;
}

static void form_finish(struct token_form *f)
{
    free(f->grant_type);
    free(f->client_id);
    cx_free_wiped(f->client_secret); /* a credential: wiped, as every value freed */
    free(f->scope);
    free(f->resource);
    cx_free_wiped(f->client_assertion);
    free(f->client_assertion_type);
    free(f->claims);
}

static void parse_form(struct mv_req *r, struct token_form *f)
{
    memset(f, 0, sizeof *f);
    mv_req_form(r, form_slot, f, FORM_FIELD_MAX);
}

/* The authority base for URLs inside documents: the Azure name in proxy mode, else the request's
 * own scheme://host:port (msal-node validates the issuer against the authority it used). */
void mv_identity_authority_base(const struct mv_req *r, char *out, size_t n)
{
    if (r->azure_host)
        snprintf(out, n, "https://%s", r->host_name);
    else
        snprintf(out, n, "%s", r->base_url);
}

/* Tenant lookup by id or domain; copies id and domain out. "common" and "organizations" are
 * accepted for discovery documents only. */
bool mv_identity_find_tenant(struct mv_req *r, const char *t, char id[64], char domain[256])
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    const struct mv_tenant *tn = mv_data_tenant(d, t);

    if (tn) {
        snprintf(id, 64, "%s", tn->id);
        snprintf(domain, 256, "%s", tn->domain ? tn->domain : tn->id);
    }
    mv_store_unlock(r->srv->store);
    return tn != NULL;
}

enum MHD_Result mv_identity_tenant_not_found(struct mv_req *r, const char *error, const char *t)
{
    char echo[128];
    return mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, error, 90002,
                              "Tenant '%s' not found. Check to make sure you have the correct "
                              "tenant ID and are signing into the correct cloud. Check with your "
                              "subscription administrator, this may happen if there are no active "
                              "subscriptions for the tenant.",
                              mv_reply_echo(t, echo, sizeof echo));
}

bool mv_identity_resource_known(const char *res)
{
    static const char *const known[] = {
        "https://vault.azure.net",
        "https://vault.azure.net/",
        "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        "https://management.azure.com",
        "https://management.azure.com/",
        "https://management.core.windows.net",
        "https://management.core.windows.net/",
        "https://graph.microsoft.com",
        "https://graph.microsoft.com/",
        NULL,
    };
    char host[256];
    const char *h, *end;

    for (size_t i = 0; known[i]; i++)
        if (strcasecmp(known[i], res) == 0)
            return true;
    if (strncasecmp(res, "https://", 8) != 0)
        return false;
    h = res + 8;
    end = h + strcspn(h, ":/");
    if ((size_t)(end - h) >= sizeof host)
        return false;
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    cx_str_lower(host);
    /* The challenge resource of {vault}.localhost:PORT is https://localhost:PORT. */
    return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
           (strlen(host) > 10 && strcmp(host + strlen(host) - 10, ".localhost") == 0);
}

static bool is_graph(const char *res)
{
    return strncasecmp(res, "https://graph.microsoft.com", 27) == 0;
}

/* Picks the one resource out of a v2 scope list ("https://vault.azure.net/.default", possibly
 * with openid/profile/offline_access that older MSALs add). Replies and returns false on error. */
static bool scope_to_resource_or_reply(struct mv_req *r, const char *scope, char *res, size_t n)
{
    char buf[2048], echo[300];
    char *save = NULL, *tok, *found = NULL;
    int count = 0;

    snprintf(buf, sizeof buf, "%s", scope);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (strcmp(tok, "openid") == 0 || strcmp(tok, "profile") == 0 ||
            strcmp(tok, "offline_access") == 0 || strcmp(tok, "email") == 0)
            continue;
        found = tok;
        count++;
    }
    if (count != 1) {
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_scope", 70011,
                           "The provided value for the input parameter 'scope' is not valid. The "
                           "scope %s is not valid.",
                           mv_reply_echo(scope, echo, sizeof echo));
        return false;
    }
    size_t fl = strlen(found);
    if (fl <= 9 || strcmp(found + fl - 9, "/.default") != 0) {
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_scope", 1002012,
                           "The provided value for scope %s is not valid. Client credential flows "
                           "must have a scope value with /.default suffixed to the resource "
                           "identifier (application ID URI).",
                           mv_reply_echo(found, echo, sizeof echo));
        return false;
    }
    found[fl - 9] = '\0';
    /* A v2 token's aud is the resource's registered identifier URI, whatever spelling the scope
     * used: ARM's is registered with a trailing slash, so a token for
     * https://management.azure.com/.default carries aud https://management.azure.com/ (the
     * recorded AKV10022 text, spec/keyvault-secrets.md §2 "Token for the wrong audience"). */
    if (strcasecmp(found, "https://management.azure.com") == 0 ||
        strcasecmp(found, "https://management.core.windows.net") == 0)
        snprintf(res, n, "%s/", found);
    else
        snprintf(res, n, "%s", found);
    return true;
}

/* What the token needs from the app, copied out of the store. */
struct principal {
    char client_id[64], object_id[64];
    char **roles;
    size_t nroles;
    const char *appidacr; /* "2" after a certificate credential; NULL = "1", a secret */
};

static void principal_finish(struct principal *p)
{
    for (size_t i = 0; i < p->nroles; i++)
        free(p->roles[i]);
    free(p->roles);
}

/* Checks the client secret in constant time against every secret of the app (no early exit, so
 * timing says nothing about which or how much matched). Returns 0 ok, 1 wrong, 2 expired. */
static int check_secret(const struct mv_app *app, const char *given, int64_t now)
{
    bool match = false, match_live = false;

    for (size_t i = 0; i < app->nsecrets; i++) {
        const struct mv_app_secret *s = &app->secrets[i];
        bool eq = cx_ct_equal(s->value, strlen(s->value), given, strlen(given));
        match |= eq;
        match_live |= eq && (!s->has_expires || s->expires > now);
    }
    return match_live ? 0 : (match ? 2 : 1);
}

char *mv_identity_issue_token(struct mv_server *srv, const struct mv_token_spec *t)
{
    cJSON *c = cJSON_CreateObject();
    char iss[128], rnd[24], *aio, *uti, rh[160];
    char *tok;
    uint64_t stamp;

    snprintf(iss, sizeof iss, "https://sts.windows.net/%s/", t->tenant_id);
    mv_rand_bytes(rnd, sizeof rnd);
    aio = cx_b64url_encode(rnd, sizeof rnd);
    /* uti is 16 bytes as Entra's: 8 random, then the issue stamp big-endian, which orders the
     * token against revocations (revoke.h; read back by auth.c). */
    mv_rand_bytes(rnd, 8);
    stamp = mv_revocations_stamp(srv->revocations, t->stamp_now);
    for (int i = 0; i < 8; i++)
        rnd[8 + i] = (char)(unsigned char)(stamp >> (56 - 8 * i));
    uti = cx_b64url_encode(rnd, 16);
    snprintf(rh, sizeof rh, "0.mockvault.%s.", t->appid);
    cJSON_AddStringToObject(c, "aud", t->resource);
    cJSON_AddStringToObject(c, "iss", iss);
    cJSON_AddNumberToObject(c, "iat", (double)t->iat);
    cJSON_AddNumberToObject(c, "nbf", (double)t->iat);
    cJSON_AddNumberToObject(c, "exp", (double)t->exp);
    cJSON_AddStringToObject(c, "aio", aio ? aio : "");
    cJSON_AddStringToObject(c, "appid", t->appid);
    cJSON_AddStringToObject(c, "appidacr", t->appidacr ? t->appidacr : "1");
    cJSON_AddStringToObject(c, "idp", iss);
    cJSON_AddStringToObject(c, "oid", t->oid);
    cJSON_AddStringToObject(c, "rh", rh);
    /* App-only tokens carry "roles" only for a resource that granted app roles: Graph here. */
    if (t->nroles && is_graph(t->resource)) {
        cJSON *roles = cJSON_AddArrayToObject(c, "roles");
        for (size_t i = 0; i < t->nroles; i++)
            cJSON_AddItemToArray(roles, cJSON_CreateString(t->roles[i]));
    }
    cJSON_AddStringToObject(c, "sub", t->oid);
    cJSON_AddStringToObject(c, "tid", t->tenant_id);
    cJSON_AddStringToObject(c, "uti", uti ? uti : "");
    cJSON_AddStringToObject(c, "ver", "1.0");
    /* The client capabilities it declared in its claims request: the resource learns from them
     * whether the client can answer a claims challenge (spec/identity.md §7.1). */
    if (t->cp1)
        cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "xms_cc"), cJSON_CreateString("cp1"));
    if (t->mirid)
        cJSON_AddStringToObject(c, "xms_mirid", t->mirid);
    tok = mv_jwt_sign(srv->jwt, c);
    cJSON_Delete(c);
    free(aio);
    free(uti);
    return tok;
}

/* Copies the app's Graph roles for the token (best effort: a role that cannot be copied for lack
 * of memory is left out). */
static void copy_roles(const struct mv_app *app, struct principal *p)
{
    if (!app->ngraph_roles)
        return;
    p->roles = calloc(app->ngraph_roles, sizeof *p->roles);
    for (size_t i = 0; p->roles && i < app->ngraph_roles; i++)
        if ((p->roles[p->nroles] = strdup(app->graph_roles[i])) != NULL)
            p->nroles++;
}

/* The documentation links Entra puts in its client-assertion errors (each as captured). */
#define CERT_CREDS_DOC_OLD                                                                         \
    "https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-"      \
    "credentials"
#define CERT_CREDS_DOC_LEARN                                                                       \
    "https://learn.microsoft.com/azure/active-directory/develop/active-directory-certificate-"     \
    "credentials"
#define CERT_CREDS_DOC_ENTRA                                                                       \
    "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"

/* The tail of every AADSTS700027 ([REC] keycloak#19425, azure-sdk-for-net#29007, a 2026 Q&A
 * capture): where to look at the app's registered keys. */
#define KEYS_HINT_FMT                                                                              \
    "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured "    \
    "keys for app Id '%s'. Review the documentation at "                                           \
    "https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service "   \
    "endpoint and "                                                                                \
    "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to " \
    "build a query request URL, such as 'https://graph.microsoft.com/beta/applications/%s'"

/* "MM/dd/yyyy HH:mm:ss", the key validity format of AADSTS700027. */
static void fmt_key_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%m/%d/%Y %H:%M:%S", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

/* "2024-10-02T22:05:03.0000000Z", the time format of AADSTS700024. */
static void fmt_range_time(int64_t t, char out[40])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 40, "%Y-%m-%dT%H:%M:%S.0000000Z", &tm))
        snprintf(out, 40, "%lld", (long long)t);
}

/* Replies with Entra's error for a refused client assertion. Each case names where its text comes
 * from: [REC] a captured Entra response, [DOC] Microsoft documentation; a "(mockvault: ...)" tail
 * is the mock's own hint. Nothing from the assertion is echoed but the alg and the thumbprint,
 * which Entra echoes too. */
static void assertion_refused(struct mv_req *r, enum mv_assertion_status st,
                              const struct mv_assertion_info *in, const char *client_id,
                              int64_t now)
{
    char echo[64], start[32], end[32], t_now[40], t_nbf[40], t_exp[40];

    fmt_key_time(in->key_start, start);
    fmt_key_time(in->key_end, end);
    switch (st) {
    case MV_ASSERTION_BAD_TYP:
        /* [REC] quoted in a Go client's source; invalid_request. */
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 5002727,
                           "Invalid JWT header type specified, must be 'JWT' or "
                           "'http://openid.net/specs/jwt/1.0'.");
        break;
    case MV_ASSERTION_WRONG_KEY_TYPE:
        /* [REC] microsoft-authentication-library-for-dotnet#4712: invalid_request. */
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 5002730,
                           "Invalid JWT token. Unsupported key for the signing algorithm. "
                           "(mockvault: alg '%s' needs an EC or EdDSA key; certificate "
                           "credentials are RSA, signed with RS256 or PS256.)",
                           mv_reply_echo(in->alg, echo, sizeof echo));
        break;
    case MV_ASSERTION_UNSUPPORTED_ALG:
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 50027,
                           "JWT token is invalid or malformed. (mockvault: alg '%s' is not "
                           "accepted; certificate credentials are signed with RS256 or PS256.)",
                           mv_reply_echo(in->alg, echo, sizeof echo));
        break;
    case MV_ASSERTION_NO_THUMBPRINT:
        /* [REC] keycloak#19425 (2023) and a 2026 Q&A capture: without a usable thumbprint the
         * message names none. */
        mv_reply_aad_error(
            r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700027,
            "The certificate with identifier used to sign the client assertion is "
            "not registered on application. [Reason - The key was not found., " KEYS_HINT_FMT "].",
            client_id, client_id);
        break;
    case MV_ASSERTION_KEY_NOT_FOUND:
        /* [REC] as above, with the thumbprint line of azure-sdk-for-net#29007. */
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700027,
                           "The certificate with identifier used to sign the client assertion is "
                           "not registered on application. [Reason - The key was not found., "
                           "Thumbprint of key used by client: '%s', " KEYS_HINT_FMT "].",
                           in->thumbprint, client_id, client_id);
        break;
    case MV_ASSERTION_KEY_EXPIRED:
        /* [REC] azure-tools-for-java#2785. */
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700027,
                           "Client assertion contains an invalid signature. [Reason - The key "
                           "used is expired., Thumbprint of key used by client: '%s', Found key "
                           "'Start=%s, End=%s', " KEYS_HINT_FMT "].",
                           in->thumbprint, start, end, client_id, client_id);
        break;
    case MV_ASSERTION_BAD_SIGNATURE:
        /* The reason is Entra's for a key that was found but does not verify (recorded as
         * AADSTS50013 in msgraph-sdk-php#1585); the code is the client-assertion one. */
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700027,
                           "Client assertion contains an invalid signature. [Reason - Key was "
                           "found, but use of the key to verify the signature failed., "
                           "Thumbprint of key used by client: '%s', Found key 'Start=%s, "
                           "End=%s', " KEYS_HINT_FMT "].",
                           in->thumbprint, start, end, client_id, client_id);
        break;
    case MV_ASSERTION_SUBJECT_MISMATCH:
        /* [REC] quoted in microsoft-authentication-library-for-java#430. */
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 50048,
                           "Subject must match the issuer claim in the client assertion.");
        break;
    case MV_ASSERTION_WRONG_CLIENT:
        /* [DOC] Azure SDK for Java, troubleshooting service principal authentication. */
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700021,
                           "Client assertion application identifier doesn't match 'client_id' "
                           "parameter. Review the documentation at " CERT_CREDS_DOC_LEARN " .");
        break;
    case MV_ASSERTION_WRONG_AUDIENCE:
        /* [REC] microsoft-authentication-library-for-dotnet#2746: invalid_client. */
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700023,
                           "Client assertion audience claim does not match Realm issuer. Review "
                           "the documentation at " CERT_CREDS_DOC_OLD " .");
        break;
    case MV_ASSERTION_TIME_RANGE:
        /* [REC] many captures (Azure/login#180, msal4j#984): "valid from" is the epoch when the
         * assertion has no nbf. */
        fmt_range_time(now, t_now);
        fmt_range_time(in->has_nbf ? in->nbf : 0, t_nbf);
        fmt_range_time(in->exp, t_exp);
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 700024,
                           "Client assertion is not within its valid time range. Current time: "
                           "%s, assertion valid from %s, expiry time of assertion %s. Review the "
                           "documentation at " CERT_CREDS_DOC_ENTRA " .",
                           t_now, t_nbf, t_exp);
        break;
    case MV_ASSERTION_MALFORMED:
    default:
        /* [REC] FriedrichWeinmann/MiniGraph#4 (an assertion with an empty signature):
         * invalid_request. */
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 50027,
                           "JWT token is invalid or malformed.");
        break;
    }
}

/* Every "aud" a client may put in its assertion: the token endpoint URL as this request reached
 * it (or the Azure name in proxy mode), with the tenant as in the path, as id or as domain, for
 * the v2 and the v1 endpoint: MSAL takes it from the token_endpoint of the OIDC document, and
 * hand-made assertions often spell the tenant differently. */
#define MAX_AUDIENCES 12
struct audiences {
    char buf[MAX_AUDIENCES][720];
    const char *list[MAX_AUDIENCES];
    size_t n;
};

static void build_audiences(const struct mv_req *r, const char *t, const struct mv_tenant *tn,
                            struct audiences *a)
{
    static const char *const endpoints[] = {"/oauth2/v2.0/token", "/oauth2/token"};
    const char *tenants[] = {t, tn->id, tn->domain};
    char bases[2][330];

    mv_identity_authority_base(r, bases[0], sizeof bases[0]);
    snprintf(bases[1], sizeof bases[1], "%s", r->base_url);
    a->n = 0;
    for (size_t b = 0; b < 2; b++) {
        if (b == 1 && strcmp(bases[0], bases[1]) == 0)
            break;
        for (size_t i = 0; i < 3; i++) {
            if (!tenants[i])
                continue;
            for (size_t e = 0; e < 2 && a->n < MAX_AUDIENCES; e++) {
                snprintf(a->buf[a->n], sizeof a->buf[a->n], "%s/%s%s", bases[b], tenants[i],
                         endpoints[e]);
                a->list[a->n] = a->buf[a->n];
                a->n++;
            }
        }
    }
}

/* The certificate-credential path of authenticate_app, entered with the store's read lock held
 * (app and tn point into the store); releases it before replying. The assertion itself is never
 * logged nor echoed: it is a bearer credential until it expires. */
static bool authenticate_assertion_or_reply(struct mv_req *r, const char *t,
                                            const struct mv_tenant *tn, const struct mv_app *app,
                                            const struct token_form *f, struct principal *p)
{
    struct audiences *aud = NULL;
    struct mv_assertion_info info;
    enum mv_assertion_status st;
    int64_t now = mv_req_now(r);
    char echo[128];

    if (f->client_secret) {
        mv_store_unlock(r->srv->store);
        /* RFC 6749 §5.2: "utilizes more than one mechanism for authenticating the client" is
         * invalid_request. Entra's own text for it is not known; this is its generic one. */
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 9002313,
                           "Invalid request. Request is malformed or invalid. (mockvault: send "
                           "either client_secret or client_assertion, not both.)");
        return false;
    }
    if (!f->client_assertion_type) {
        mv_store_unlock(r->srv->store);
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 900144,
                           "The request body must contain the following parameter: "
                           "'client_assertion_type'.");
        return false;
    }
    if (strcmp(f->client_assertion_type, MV_ASSERTION_TYPE_JWT) != 0) {
        mv_store_unlock(r->srv->store);
        /* [REC] quoted in azure-activedirectory-library-for-ruby#53 (invalid_request). */
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 90011,
                           "Unexpected client assertion type. (mockvault: '%s' was sent; the "
                           "only accepted type is '" MV_ASSERTION_TYPE_JWT "'.)",
                           mv_reply_echo(f->client_assertion_type, echo, sizeof echo));
        return false;
    }
    aud = malloc(sizeof *aud);
    if (!aud) {
        mv_store_unlock(r->srv->store);
        mv_reply_aad_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "server_error", 50000,
                           "mockvault is out of memory.");
        return false;
    }
    build_audiences(r, t, tn, aud);
    {
        struct mv_assertion_check c = {
            .client_id = f->client_id,
            .audiences = aud->list,
            .naudiences = aud->n,
            .now = now,
            .certs = app->certificates,
            .ncerts = app->ncertificates,
        };
        st = mv_assertion_verify(f->client_assertion, strlen(f->client_assertion), &c, &info);
    }
    free(aud);
    if (st == MV_ASSERTION_OK)
        copy_roles(app, p);
    mv_store_unlock(r->srv->store);
    if (st != MV_ASSERTION_OK) {
        assertion_refused(r, st, &info, p->client_id, now);
        return false;
    }
    /* appidacr "2": the client proved itself with a certificate (spec/identity.md §2.1). */
    p->appidacr = "2";
    return true;
}

/* Looks the app up and checks its secret, replying with the AADSTS error when refused. */
static bool authenticate_app_or_reply(struct mv_req *r, const char *t, const struct token_form *f,
                                      const char *domain, struct principal *p)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    const struct mv_tenant *tn = mv_data_tenant(d, t);
    const struct mv_app *app = tn ? mv_tenant_app(tn, f->client_id) : NULL;
    char echo[128];
    int verdict;

    if (!app) {
        mv_store_unlock(r->srv->store);
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "unauthorized_client", 700016,
                           "Application with identifier '%s' was not found in the directory '%s'. "
                           "This can happen if the application has not been installed by the "
                           "administrator of the tenant or consented to by any user in the tenant. "
                           "You may have sent your authentication request to the wrong tenant.",
                           mv_reply_echo(f->client_id, echo, sizeof echo), domain);
        return false;
    }
    snprintf(p->client_id, sizeof p->client_id, "%s", app->client_id);
    snprintf(p->object_id, sizeof p->object_id, "%s",
             app->object_id ? app->object_id : app->client_id);
    if (f->client_assertion) {
        /* The store lock is released inside, before any reply is written. */
        return authenticate_assertion_or_reply(r, t, tn, app, f, p);
    }
    if (!f->client_secret) {
        mv_store_unlock(r->srv->store);
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 7000218,
                           "The request body must contain the following parameter: "
                           "'client_assertion' or 'client_secret'.");
        return false;
    }
    verdict = check_secret(app, f->client_secret, mv_req_now(r));
    if (verdict == 0)
        copy_roles(app, p);
    mv_store_unlock(r->srv->store);
    if (verdict == 1) {
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 7000215,
                           "Invalid client secret provided. Ensure the secret being sent in the "
                           "request is the client secret value, not the client secret ID, for a "
                           "secret added to app '%s'.",
                           p->client_id);
        return false;
    }
    if (verdict == 2) {
        mv_reply_aad_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_client", 7000222,
                           "The provided client secret keys for app '%s' are expired. Visit the "
                           "Azure portal to create new keys for your app: "
                           "https://aka.ms/NewClientSecret, or consider using certificate "
                           "credentials for added security: https://aka.ms/certCreds.",
                           p->client_id);
        return false;
    }
    return true;
}

/* The claims request of continuous access evaluation (spec/identity.md §7.3): a JSON object whose
 * access_token member may declare client capabilities (xms_cc.values holding "cp1", in any case:
 * MSAL-Python sends "CP1") and ask for a token valid from a time on (nbf.value, a claims
 * challenge's revocation time, as a string or a number). Members it does not know (id_token,
 * xms_caeerror...) are ignored. Answers 400 and returns false when it is not a JSON object. */
static bool claims_or_reply(struct mv_req *r, const char *text, bool *cp1, int64_t *nbf)
{
    cJSON *j = cJSON_Parse(text), *at;
    const cJSON *v, *it;
    bool ok = cJSON_IsObject(j);

    *cp1 = false;
    *nbf = 0;
    if (!ok) {
        /* No real capture of Entra's answer to a malformed claims request [UNC]. */
        mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 90023,
                           "Request is malformed or invalid: the claims parameter is not a JSON "
                           "object.");
        goto out;
    }
    at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
    v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(at, "xms_cc"), "values");
    /* One value or a list: BARK and older MSALs send "values":"cp1". */
    if (cJSON_IsString(v))
        *cp1 = strcasecmp(v->valuestring, "cp1") == 0;
    else if (cJSON_IsArray(v))
        for (it = v->child; it; it = it->next)
            *cp1 |= cJSON_IsString(it) && strcasecmp(it->valuestring, "cp1") == 0;
    v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(at, "nbf"), "value");
    if (cJSON_IsString(v))
        *nbf = strtoll(v->valuestring, NULL, 10);
    else if (cJSON_IsNumber(v))
        *nbf = (int64_t)v->valuedouble;
out:
    cJSON_Delete(j);
    return ok;
}

static enum MHD_Result missing_param(struct mv_req *r, const char *name)
{
    return mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", 900144,
                              "The request body must contain the following parameter: '%s'.", name);
}

/* POST /{tenant}/oauth2/v2.0/token and the v1 POST /{tenant}/oauth2/token. */
static enum MHD_Result token_common(struct mv_req *r, bool v1)
{
    const char *t = r->cap[0];
    struct token_form f;
    struct principal p;
    char tid[64], domain[256], resource[1024], echo[128];
    char *tok = NULL;
    int64_t now = mv_req_now(r), iat, exp, want_nbf = 0;
    int lifetime = r->srv->cfg.token_lifetime;
    int ok = MHD_YES;
    bool cp1 = false;

    memset(&p, 0, sizeof p);
    parse_form(r, &f);
    if (!mv_identity_find_tenant(r, t, tid, domain)) {
        ok = mv_identity_tenant_not_found(r, "invalid_request", t);
        goto out;
    }
    if (!f.grant_type) {
        ok = missing_param(r, "grant_type");
        goto out;
    }
    if (strcmp(f.grant_type, "client_credentials") != 0) {
        ok = mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "unsupported_grant_type", 70003,
                                "The app requested an unsupported grant type '%s'. mockvault "
                                "implements client_credentials only.",
                                mv_reply_echo(f.grant_type, echo, sizeof echo));
        goto out;
    }
    if (!f.client_id) {
        ok = missing_param(r, "client_id");
        goto out;
    }
    if (v1) {
        if (!f.resource) {
            ok = missing_param(r, "resource");
            goto out;
        }
        snprintf(resource, sizeof resource, "%s", f.resource);
    } else {
        if (!f.scope) {
            ok = missing_param(r, "scope");
            goto out;
        }
        if (!scope_to_resource_or_reply(r, f.scope, resource, sizeof resource))
            goto out;
    }
    if (!mv_identity_resource_known(resource)) {
        ok =
            mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_resource", 500011,
                               "The resource principal named %s was not found in the tenant named "
                               "%s. This can happen if the application has not been installed by "
                               "the administrator of the tenant or consented to by any user in the "
                               "tenant. You might have sent your authentication request to the "
                               "wrong tenant.",
                               mv_reply_echo(resource, echo, sizeof echo), domain);
        goto out;
    }
    if (f.claims && !claims_or_reply(r, f.claims, &cp1, &want_nbf))
        goto out;
    if (!authenticate_app_or_reply(r, t, &f, domain, &p))
        goto out;
    snprintf(r->appid, sizeof r->appid, "%s", p.client_id);
    snprintf(r->oid, sizeof r->oid, "%s", p.object_id);
    /* Issued 5 minutes in the past and valid for a second more than expires_in says, as Entra
     * does: both real captures show exp - iat = 3900 with expires_in 3599 (spec/identity.md §1.3,
     * §2.1). */
    iat = now - 300;
    exp = now + lifetime + 1;
    /* A claims request carrying a challenge's nbf gets a token valid from then on, not before
     * (spec/identity.md §7.3): the backdating stops at that time, and never passes now. */
    if (want_nbf > iat)
        iat = want_nbf < now ? want_nbf : now;
    {
        struct mv_token_spec spec = {
            .tenant_id = tid,
            .appid = p.client_id,
            .oid = p.object_id,
            .resource = resource,
            .appidacr = p.appidacr ? p.appidacr : "1",
            .roles = (const char *const *)p.roles,
            .nroles = p.nroles,
            .iat = iat,
            .exp = exp,
            .stamp_now = now,
            .cp1 = cp1,
        };
        tok = mv_identity_issue_token(r->srv, &spec);
    }
    if (!tok) {
        ok = mv_reply_aad_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "server_error", 50000,
                                "mockvault could not sign the token.");
        goto out;
    }
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "token_type", "Bearer");
        if (v1) {
            /* v1 answers every number as a string (spec/identity.md §1.3). */
            char num[32];
            snprintf(num, sizeof num, "%d", lifetime);
            cJSON_AddStringToObject(o, "expires_in", num);
            cJSON_AddStringToObject(o, "ext_expires_in", num);
            snprintf(num, sizeof num, "%lld", (long long)exp);
            cJSON_AddStringToObject(o, "expires_on", num);
            snprintf(num, sizeof num, "%lld", (long long)iat);
            cJSON_AddStringToObject(o, "not_before", num);
            cJSON_AddStringToObject(o, "resource", resource);
        } else {
            /* A JSON number: az account get-access-token crashes on a string. */
            cJSON_AddNumberToObject(o, "expires_in", lifetime);
            cJSON_AddNumberToObject(o, "ext_expires_in", lifetime);
        }
        cJSON_AddStringToObject(o, "access_token", tok);
        ok = mv_reply_json(r, MHD_HTTP_OK, o);
    }
out:
    cx_free_wiped(tok);
    principal_finish(&p);
    form_finish(&f);
    return ok;
}

static enum MHD_Result h_token_v2(struct mv_req *r)
{
    return token_common(r, false);
}

static enum MHD_Result h_token_v1(struct mv_req *r)
{
    return token_common(r, true);
}

/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_identity_ops[] = {
    MV_OP("POST", "/{}/oauth2/v2.0/token", h_token_v2, "Token", MV_KIND_AAD, true),
    MV_OP("POST", "/{}/oauth2/token", h_token_v1, "Token", MV_KIND_AAD, true),
    MV_OP_END,
};
/* clang-format on */
