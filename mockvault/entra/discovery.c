/* discovery.c: Entra ID's discovery documents: OpenID configuration (v2 and v1), the JWKS, and
 * instance discovery (spec/identity.md §2). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "identity.h"
#include "jwt.h"
#include "op.h"
#include "reply.h"
#include "util.h"

static cJSON *str_array(const char *const *items)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; items[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

/* The tenant segment used in discovery documents: the tenant's id, or the literal "{tenantid}"
 * template for common/organizations, as Entra does. Replies and returns false if unknown. */
static bool discovery_tenant_or_reply(struct mv_req *r, char tid[64])
{
    const char *t = r->cap[0];
    char domain[256];

    if (strcasecmp(t, "common") == 0 || strcasecmp(t, "organizations") == 0) {
        snprintf(tid, 64, "{tenantid}");
        return true;
    }
    if (!mv_identity_find_tenant(r, t, tid, domain)) {
        mv_identity_tenant_not_found(r, "invalid_tenant", t);
        return false;
    }
    return true;
}

static void addf(cJSON *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void addf(cJSON *o, const char *key, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddStringToObject(o, key, buf);
}

/* Both OpenID configuration documents (v2.0 and v1.0) come from here: they share most keys and
 * their order, and differ in the OAuth path below the tenant, jwks_uri, the issuer, the response
 * types and scopes, and a few keys of their own (spec/identity.md §2.2). */
static enum MHD_Result reply_openid(struct mv_req *r, bool v2)
{
    static const char *const auth_methods[] = {"client_secret_post", "private_key_jwt",
                                               "client_secret_basic", NULL};
    static const char *const modes[] = {"query", "fragment", "form_post", NULL};
    static const char *const subjects[] = {"pairwise", NULL};
    static const char *const algs[] = {"RS256", NULL};
    static const char *const types_v2[] = {"code", "id_token", "code id_token", "id_token token",
                                           NULL};
    static const char *const types_v1[] = {"code",           "id_token", "code id_token",
                                           "token id_token", "token",    NULL};
    static const char *const scopes_v2[] = {"openid", "profile", "email", "offline_access", NULL};
    static const char *const scopes_v1[] = {"openid", NULL};
    const char *oauth2 = v2 ? "oauth2/v2.0" : "oauth2";
    char base[330], tid[64];
    const char *t = r->cap[0];
    cJSON *o;

    if (!discovery_tenant_or_reply(r, tid))
        return MHD_YES;
    mv_identity_authority_base(r, base, sizeof base);
    o = cJSON_CreateObject();
    /* The token endpoint keeps the tenant as its first path segment (msal rewrites it). */
    addf(o, "token_endpoint", "%s/%s/%s/token", base, t, oauth2);
    cJSON_AddItemToObject(o, "token_endpoint_auth_methods_supported", str_array(auth_methods));
    if (v2)
        addf(o, "jwks_uri", "%s/%s/discovery/v2.0/keys", base, t);
    else
        addf(o, "jwks_uri", "%s/common/discovery/keys", base);
    cJSON_AddItemToObject(o, "response_modes_supported", str_array(modes));
    cJSON_AddItemToObject(o, "subject_types_supported", str_array(subjects));
    cJSON_AddItemToObject(o, "id_token_signing_alg_values_supported", str_array(algs));
    cJSON_AddItemToObject(o, "response_types_supported", str_array(v2 ? types_v2 : types_v1));
    cJSON_AddItemToObject(o, "scopes_supported", str_array(v2 ? scopes_v2 : scopes_v1));
    if (v2) {
        /* msal-node checks that the issuer's scheme, host and port are the authority's. */
        addf(o, "issuer", "%s/%s/v2.0", base, tid);
        cJSON_AddBoolToObject(o, "request_uri_parameter_supported", false);
        cJSON_AddStringToObject(o, "userinfo_endpoint",
                                "https://graph.microsoft.com/oidc/userinfo");
    } else {
        addf(o, "issuer", "https://sts.windows.net/%s/", tid);
        cJSON_AddBoolToObject(o, "microsoft_multi_refresh_token", true);
    }
    addf(o, "authorization_endpoint", "%s/%s/%s/authorize", base, t, oauth2);
    addf(o, "device_authorization_endpoint", "%s/%s/%s/devicecode", base, t, oauth2);
    cJSON_AddBoolToObject(o, "http_logout_supported", true);
    cJSON_AddBoolToObject(o, "frontchannel_logout_supported", true);
    addf(o, "end_session_endpoint", "%s/%s/%s/logout", base, t, oauth2);
    if (v2) {
        addf(o, "kerberos_endpoint", "%s/%s/kerberos", base, t);
    } else {
        addf(o, "check_session_iframe", "%s/%s/oauth2/checksession", base, t);
        cJSON_AddStringToObject(o, "userinfo_endpoint",
                                "https://login.microsoftonline.com/common/openid/userinfo");
    }
    cJSON_AddStringToObject(o, "tenant_region_scope", "WW");
    cJSON_AddStringToObject(o, "cloud_instance_name", "microsoftonline.com");
    cJSON_AddStringToObject(o, "cloud_graph_host_name", "graph.windows.net");
    cJSON_AddStringToObject(o, "msgraph_host", "graph.microsoft.com");
    cJSON_AddStringToObject(o, "rbac_url", "https://pas.windows.net");
    r->cache_control = "max-age=86400, private";
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_openid_v2(struct mv_req *r)
{
    return reply_openid(r, true);
}

static enum MHD_Result h_openid_v1(struct mv_req *r)
{
    return reply_openid(r, false);
}

static enum MHD_Result h_jwks(struct mv_req *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *keys = cJSON_AddArrayToObject(o, "keys");
    cJSON *k = mv_jwt_key_jwk(r->srv->jwt);
    char base[330];

    mv_identity_authority_base(r, base, sizeof base);
    if (k) {
        cJSON_AddStringToObject(k, "cloud_instance_name", "microsoftonline.com");
        /* Entra publishes this literal template, not a tenant id (spec/identity.md §2.3). */
        addf(k, "issuer", "%s/{tenantid}/v2.0", base);
        cJSON_AddItemToArray(keys, k);
    }
    r->cache_control = "max-age=86400, private";
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static bool loopback_host(const char *h)
{
    size_t n = strlen(h);
    return strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 || strcmp(h, "[::1]") == 0 ||
           (n > 10 && strcmp(h + n - 10, ".localhost") == 0);
}

/* GET /common/discovery/instance: both MSALs ask login.microsoftonline.com which hosts are
 * aliases of an authority (spec/identity.md §2.4). The answer points tenant discovery back at
 * the Azure name in proxy mode, or at this mock. */
static enum MHD_Result h_instance(struct mv_req *r)
{
    static const char *const aliases[] = {"login.microsoftonline.com", "login.windows.net",
                                          "login.microsoft.com", "sts.windows.net", NULL};
    const char *ae = mv_req_query(r, "authorization_endpoint");
    struct cx_url u;
    char tenant[128] = "common", base[330], authhost[300] = "";
    cJSON *o = NULL, *meta, *m;
    int ok;

    if (ae &&
        cx_url_split(ae, CX_HP_KEEP_BRACKETS | CX_HP_LOWER | CX_HP_NAME_CHARS, &u) == CX_HP_OK) {
        snprintf(authhost, sizeof authhost, "%s", u.hp.host);
        if (u.path[0] == '/' && u.path[1] && u.path[1] != '?' && u.path[1] != '#')
            snprintf(tenant, sizeof tenant, "%.*s", (int)strcspn(u.path + 1, "/?#"), u.path + 1);
    }
    if (authhost[0] && !mv_host_is_azure(authhost) && !loopback_host(authhost)) {
        ok = mv_reply_aad_error(r, MHD_HTTP_BAD_REQUEST, "invalid_instance", 50049,
                                "Unknown or invalid instance.");
        goto out;
    }
    if (!authhost[0] || mv_host_is_azure(authhost))
        snprintf(base, sizeof base, "https://login.microsoftonline.com");
    else
        snprintf(base, sizeof base, "%s", r->base_url);
    o = cJSON_CreateObject();
    addf(o, "tenant_discovery_endpoint", "%s/%s/v2.0/.well-known/openid-configuration", base,
         tenant);
    cJSON_AddStringToObject(o, "api-version", "1.1");
    meta = cJSON_AddArrayToObject(o, "metadata");
    m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "preferred_network", "login.microsoftonline.com");
    cJSON_AddStringToObject(m, "preferred_cache", "login.windows.net");
    cJSON_AddItemToObject(m, "aliases", str_array(aliases));
    cJSON_AddItemToArray(meta, m);
    if (authhost[0] && !mv_host_is_azure(authhost)) {
        const char *self[] = {authhost, NULL};
        m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "preferred_network", authhost);
        cJSON_AddStringToObject(m, "preferred_cache", authhost);
        cJSON_AddItemToObject(m, "aliases", str_array(self));
        cJSON_AddItemToArray(meta, m);
    }
    r->cache_control = "max-age=86400, private";
    ok = mv_reply_json(r, MHD_HTTP_OK, o);
out:
    return ok;
}

/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_discovery_ops[] = {
    MV_OP("GET", "/{}/v2.0/.well-known/openid-configuration", h_openid_v2, "OpenIdConfiguration", MV_KIND_AAD, false),
    MV_OP("GET", "/{}/.well-known/openid-configuration", h_openid_v1, "OpenIdConfiguration", MV_KIND_AAD, false),
    MV_OP("GET", "/common/discovery/instance", h_instance, "InstanceDiscovery", MV_KIND_AAD, false),
    MV_OP("GET", "/{}/discovery/v2.0/keys", h_jwks, "Keys", MV_KIND_AAD, false),
    MV_OP("GET", "/{}/discovery/keys", h_jwks, "Keys", MV_KIND_AAD, false),
    MV_OP_END,
};
/* clang-format on */
