/* arm.c: the little of Azure Resource Manager that az login needs: subscriptions, tenants,
 * metadata/endpoints (real-clients C.3).
 *
 * GET /subscriptions lists the subscriptions the fixture declares for the token's tenant. A tenant
 * with none answers an empty list: az then needs --allow-no-subscriptions and records a
 * tenant-level account ("N/A(tenant level account)"). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "http.h"
#include "reply.h"
#include "op.h"
#include "store.h"
#include "util.h"

/* The audiences ARM accepts, in the order its InvalidAuthenticationTokenAudience message lists
 * them. */
static const char *const arm_audiences[] = {
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
    NULL,
};

static bool arm_audience(const char *aud)
{
    for (size_t i = 0; arm_audiences[i]; i++)
        if (strcasecmp(aud, arm_audiences[i]) == 0)
            return true;
    return false;
}

/* "1/2/2026 3:04:05 PM": the .NET general date ARM prints in ExpiredAuthenticationToken. */
static void dotnet_time(double t, char *out, size_t n)
{
    /* t may be a token's exp or nbf as sent, any JSON number: kept within the years 0-9999
     * (NaN too) before it becomes an integer, as a cast out of range is undefined. */
    if (!(t >= -62167219200.0))
        t = -62167219200.0;
    if (t > 253402300799.0)
        t = 253402300799.0;
    time_t tt = (time_t)t;
    struct tm tm;
    int h;

    gmtime_r(&tt, &tm);
    h = tm.tm_hour % 12;
    snprintf(out, n, "%d/%d/%d %d:%02d:%02d %s", tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900,
             h ? h : 12, tm.tm_min, tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
}

/* Verifies the bearer token as ARM does, with ARM's codes and messages; replies 401 and returns
 * false when it is not acceptable. */
static bool arm_auth_or_reply(struct mv_req *r, struct mv_claims *c)
{
    char echo[200], a[40], b[40];
    enum mv_auth_result res = mv_auth_bearer(r, c);

    switch (res) {
    case MV_AUTH_OK: break;
    case MV_AUTH_MISSING:
        mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is missing.");
        return false;
    case MV_AUTH_MALFORMED:
        mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is provided in an "
                           "invalid format.");
        return false;
    case MV_AUTH_BAD_SIGNATURE:
        mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "InvalidAuthenticationToken",
                           "The access token is invalid.");
        return false;
    case MV_AUTH_EXPIRED:
    case MV_AUTH_NOT_YET_VALID:
        /* Both messages quote the bound the token fails and the mock clock's now. */
        dotnet_time(res == MV_AUTH_EXPIRED ? c->exp : c->nbf, a, sizeof a);
        dotnet_time((double)mv_req_now(r), b, sizeof b);
        if (res == MV_AUTH_EXPIRED)
            mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "ExpiredAuthenticationToken",
                               "The access token expiry UTC time '%s' is earlier than current UTC "
                               "time '%s'.",
                               a, b);
        else /* Modelled on the expiry message; no capture of this case exists. */
            mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "InvalidAuthenticationToken",
                               "The access token is not valid before UTC time '%s'; current UTC "
                               "time is '%s'.",
                               a, b);
        return false;
    }
    if (!arm_audience(c->aud)) {
        mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "InvalidAuthenticationTokenAudience",
                           "The access token has been obtained for wrong audience or resource "
                           "'%s'. It should exactly match with one of the allowed audiences "
                           "'https://management.core.windows.net/','https://management.core."
                           "windows.net','https://management.azure.com/','https://management."
                           "azure.com'.",
                           mv_reply_echo(c->aud, echo, sizeof echo));
        return false;
    }
    if (!mv_claims_issuer_known(r, c)) {
        mv_reply_arm_error(r, MHD_HTTP_UNAUTHORIZED, "InvalidAuthenticationTokenTenant",
                           "The access token is from the wrong issuer '%s'. It must match the "
                           "tenant associated with this subscription. Please use the authority "
                           "(URL) 'https://login.windows.net/%s' to get the token.",
                           mv_reply_echo(c->iss, echo, sizeof echo), c->tid[0] ? c->tid : "common");
        return false;
    }
    return true;
}

/* True for ARM's api-version shape: YYYY-MM-DD, optionally with a "-preview"-style suffix. */
static bool api_version_shape(const char *v)
{
    static const char shape[] = "0000-00-00";
    size_t n = strlen(v);

    if (n < sizeof shape - 1 || n > 30)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? v[i] != '-' : !isdigit((unsigned char)v[i]))
            return false;
    if (n == sizeof shape - 1)
        return true;
    if (v[sizeof shape - 1] != '-')
        return false;
    for (size_t i = sizeof shape; i < n; i++)
        if (!isalnum((unsigned char)v[i]))
            return false;
    return true;
}

/* api-version is required on every ARM call; any well-formed date version is taken, since the
 * documents served here do not change between versions. Replies 400 and returns false. */
static bool arm_api_version_or_reply(struct mv_req *r)
{
    const char *v = mv_req_query(r, "api-version");
    char echo[64];

    if (!v || !*v) {
        mv_reply_arm_error(r, MHD_HTTP_BAD_REQUEST, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all "
                           "requests.");
        return false;
    }
    if (!api_version_shape(v)) {
        mv_reply_arm_error(r, MHD_HTTP_BAD_REQUEST, "InvalidApiVersionParameter",
                           "The api-version '%s' is invalid. The supported versions are "
                           "'2022-12-01,2021-01-01,2020-01-01,2019-11-01,2019-06-01,2018-06-01,"
                           "2016-06-01,2015-01-01'.",
                           mv_reply_echo(v, echo, sizeof echo));
        return false;
    }
    snprintf(r->api_version, sizeof r->api_version, "%s", v);
    return true;
}

/* Fills the {"value": [...]} object o of a tenant-scoped list from t, the token's tenant (NULL
 * when the fixture does not declare it). Runs under the store's read lock. */
typedef void (*tenant_list_fn)(const struct mv_tenant *t, cJSON *o, cJSON *value);

/* GET /subscriptions and GET /tenants share their frame: ARM's authentication and api-version
 * checks, an object whose "value" array fill builds from the token's tenant under the store's
 * read lock, and the 200 reply. */
static enum MHD_Result reply_tenant_list(struct mv_req *r, tenant_list_fn fill)
{
    struct mv_claims c;
    const struct mv_data *d;
    cJSON *o, *value;

    if (!arm_auth_or_reply(r, &c) || !arm_api_version_or_reply(r))
        return MHD_YES;
    o = cJSON_CreateObject();
    value = cJSON_AddArrayToObject(o, "value");
    d = mv_store_rdlock(r->srv->store);
    fill(mv_data_tenant(d, c.tid), o, value);
    mv_store_unlock(r->srv->store);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

/* The subscriptions the fixture declares for the token's tenant (az login lists them; with none,
 * az needs --allow-no-subscriptions), then their count. */
static void fill_subscriptions(const struct mv_tenant *t, cJSON *o, cJSON *value)
{
    cJSON *count;
    char buf[160];
    size_t n = 0;

    for (size_t i = 0; t && i < t->nsubscriptions; i++) {
        const struct mv_subscription *sub = &t->subscriptions[i];
        cJSON *so = cJSON_CreateObject(), *pol;
        snprintf(buf, sizeof buf, "/subscriptions/%s", sub->id);
        cJSON_AddStringToObject(so, "id", buf);
        cJSON_AddStringToObject(so, "authorizationSource", "RoleBased");
        cJSON_AddArrayToObject(so, "managedByTenants");
        cJSON_AddStringToObject(so, "subscriptionId", sub->id);
        cJSON_AddStringToObject(so, "tenantId", t->id);
        cJSON_AddStringToObject(so, "displayName", sub->display_name);
        cJSON_AddStringToObject(so, "state", "Enabled");
        pol = cJSON_AddObjectToObject(so, "subscriptionPolicies");
        cJSON_AddStringToObject(pol, "locationPlacementId", "Public_2014-09-01");
        cJSON_AddStringToObject(pol, "quotaId", "PayAsYouGo_2014-09-01");
        cJSON_AddStringToObject(pol, "spendingLimit", "Off");
        cJSON_AddItemToArray(value, so);
        n++;
    }
    count = cJSON_AddObjectToObject(o, "count");
    cJSON_AddStringToObject(count, "type", "Total");
    cJSON_AddNumberToObject(count, "value", (double)n);
}

/* GET /subscriptions. */
static enum MHD_Result h_subscriptions(struct mv_req *r)
{
    return reply_tenant_list(r, fill_subscriptions);
}

/* The token's home tenant, the only one a service principal sees. */
static void fill_tenants(const struct mv_tenant *t, cJSON *o, cJSON *value)
{
    char buf[320];

    (void)o;
    if (t) {
        cJSON *e = cJSON_CreateObject();
        const char *domain = t->domain ? t->domain : t->id;

        snprintf(buf, sizeof buf, "/tenants/%s", t->id);
        cJSON_AddStringToObject(e, "id", buf);
        cJSON_AddStringToObject(e, "tenantId", t->id);
        cJSON_AddStringToObject(e, "countryCode", "US");
        mv_tenant_display_name(t, buf, sizeof buf);
        cJSON_AddStringToObject(e, "displayName", buf);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "domains"), cJSON_CreateString(domain));
        cJSON_AddStringToObject(e, "tenantCategory", "Home");
        cJSON_AddStringToObject(e, "defaultDomain", domain);
        cJSON_AddStringToObject(e, "tenantType", "AAD");
        cJSON_AddItemToArray(value, e);
    }
}

/* GET /tenants. */
static enum MHD_Result h_tenants(struct mv_req *r)
{
    return reply_tenant_list(r, fill_tenants);
}

static cJSON *str_array(const char *const *items)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; items[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

static void add_strings(cJSON *o, const char *const *kv)
{
    for (size_t i = 0; kv[i]; i += 2)
        cJSON_AddStringToObject(o, kv[i], kv[i + 1]);
}

/* The AzureCloud entry of the newer (2019-05-01 and later) document, an array of clouds. Every
 * endpoint keeps its public name: through the proxy these names reach the mock, so stock az works
 * unchanged. Only AzureCloud is listed. */
static cJSON *azure_cloud(void)
{
    static const char *const audiences[] = {"https://management.core.windows.net/",
                                            "https://management.azure.com/", NULL};
    /* Key, value pairs: one pair a line. */
    /* clang-format off */
    static const char *const suffixes[] = {
        "azureDataLakeStoreFileSystem", "azuredatalakestore.net",
        "acrLoginServer", "azurecr.io",
        "sqlServerHostname", "database.windows.net",
        "azureDataLakeAnalyticsCatalogAndJob", "azuredatalakeanalytics.net",
        "keyVaultDns", "vault.azure.net",
        "storage", "core.windows.net",
        "azureFrontDoorEndpointSuffix", "azurefd.net",
        "storageSyncEndpointSuffix", "afs.azure.net",
        "mhsmDns", "managedhsm.azure.net",
        "mysqlServerEndpoint", "mysql.database.azure.com",
        "postgresqlServerEndpoint", "postgres.database.azure.com",
        "mariadbServerEndpoint", "mariadb.database.azure.com",
        "synapseAnalytics", "dev.azuresynapse.net",
        "attestationEndpoint", "attest.azure.net",
        NULL,
    };
    static const char *const tail[] = {
        "batch", "https://batch.core.windows.net/",
        "resourceManager", "https://management.azure.com/",
        "vmImageAliasDoc",
        "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/"
        "quickstart-templates/aliases.json",
        "activeDirectoryDataLake", "https://datalake.azure.net/",
        "sqlManagement", "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId", "https://graph.microsoft.com/",
        "appInsightsResourceId", "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId", "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId", "https://attest.azure.net",
        "synapseAnalyticsResourceId", "https://dev.azuresynapse.net",
        "logAnalyticsResourceId", "https://api.loganalytics.io",
        "ossrDbmsResourceId", "https://ossrdbms-aad.database.windows.net",
        "gallery", "https://gallery.azure.com/",
        NULL,
    };
    /* clang-format on */
    cJSON *o = cJSON_CreateObject(), *auth, *suf;

    cJSON_AddStringToObject(o, "portal", "https://portal.azure.com");
    auth = cJSON_AddObjectToObject(o, "authentication");
    cJSON_AddStringToObject(auth, "loginEndpoint", "https://login.microsoftonline.com");
    cJSON_AddItemToObject(auth, "audiences", str_array(audiences));
    cJSON_AddStringToObject(auth, "tenant", "common");
    cJSON_AddStringToObject(auth, "identityProvider", "AAD");
    cJSON_AddStringToObject(o, "media", "https://rest.media.azure.net");
    cJSON_AddStringToObject(o, "graphAudience", "https://graph.windows.net/");
    cJSON_AddStringToObject(o, "graph", "https://graph.windows.net/");
    cJSON_AddStringToObject(o, "name", "AzureCloud");
    suf = cJSON_AddObjectToObject(o, "suffixes");
    add_strings(suf, suffixes);
    add_strings(o, tail);
    return o;
}

/* GET /metadata/endpoints (no token): az cloud register reads it with api-version 2015-01-01 and
 * takes activeDirectory from authentication.loginEndpoint, the AD resource from audiences[0], the
 * AD Graph resource from graphEndpoint and the gallery from galleryEndpoint (real-clients C.3).
 * Versions from 2019-05-01 on answer the newer array of clouds (ARM_CLOUD_METADATA_URL). */
static enum MHD_Result h_metadata_endpoints(struct mv_req *r)
{
    static const char *const audiences[] = {"https://management.core.windows.net/",
                                            "https://management.azure.com/", NULL};
    cJSON *o, *auth;
    int ok = MHD_YES;

    if (!arm_api_version_or_reply(r))
        goto out;
    if (strcmp(r->api_version, "2019-05-01") >= 0) {
        o = cJSON_CreateArray();
        cJSON_AddItemToArray(o, azure_cloud());
    } else {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "galleryEndpoint", "https://gallery.azure.com/");
        cJSON_AddStringToObject(o, "graphEndpoint", "https://graph.windows.net/");
        cJSON_AddStringToObject(o, "portalEndpoint", "https://portal.azure.com/");
        auth = cJSON_AddObjectToObject(o, "authentication");
        cJSON_AddStringToObject(auth, "loginEndpoint", "https://login.microsoftonline.com/");
        cJSON_AddItemToObject(auth, "audiences", str_array(audiences));
        cJSON_AddStringToObject(auth, "tenant", "common");
        cJSON_AddStringToObject(auth, "identityProvider", "AAD");
    }
    ok = mv_reply_json(r, MHD_HTTP_OK, o);
out:
    return ok;
}

/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_arm_ops[] = {
    MV_OP("GET", "/subscriptions", h_subscriptions, "ArmListSubscriptions", MV_KIND_ARM, false),
    MV_OP("GET", "/tenants", h_tenants, "ArmListTenants", MV_KIND_ARM, false),
    MV_OP("GET", "/metadata/endpoints", h_metadata_endpoints, "ArmGetMetadataEndpoints", MV_KIND_ARM, false),
    MV_OP_END,
};
/* clang-format on */
