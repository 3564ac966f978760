/* msi.c: managed identity endpoints: IMDS, App Service and Cloud Shell styles (spec/identity.md
 * §4).
 *
 * The identities are the fixture's managedIdentities, across all tenants, as if every one of them
 * were attached to the machine the caller runs on. A request without a selector gets the
 * system-assigned identity (the first one with systemAssigned true); client_id, object_id or
 * mi_res_id (MSAL-Python says msi_res_id) pick a user-assigned one, as on a VM. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "identity.h"
#include "reply.h"
#include "op.h"
#include "store.h"
#include "util.h"

/* The only api-version of the App Service endpoint the mock serves (spec/identity.md §4.2); the
 * legacy 2017-09-01 (MSI_SECRET, a "secret" header and a date-shaped expires_on) is refused. */
#define APP_SERVICE_API "2019-08-01"
/* The oldest IMDS identity api-version (spec/identity.md §4.1). */
#define IMDS_MIN_API "2018-02-01"
#define FORM_FIELD_MAX 4096

/* How the caller reached us decides the error shapes and the response fields. */
enum mi_style {
    MI_IMDS,        /* GET /metadata/identity/oauth2/token */
    MI_APP_SERVICE, /* GET /msi/token with X-IDENTITY-HEADER */
    MI_CLOUD_SHELL, /* POST /msi/token with a form body (MSI_ENDPOINT) */
};

/* The request's parameters, from the query (IMDS, App Service) or the form (Cloud Shell). */
struct mi_params {
    char *resource, *client_id, *object_id, *mi_res_id, *msi_res_id;
};

/* The identity chosen, copied out of the store. */
struct mi_identity {
    char tenant[64];
    char client_id[64];
    char object_id[64];
    char *resource_id; /* owned; NULL when the fixture has none */
};

enum mi_pick {
    MI_PICK_OK,
    MI_PICK_NOT_FOUND, /* no such identity, or none assigned at all */
    MI_PICK_AMBIGUOUS, /* no selector, no system identity, several user-assigned ones */
};

static void params_finish(struct mi_params *p)
{
    free(p->resource);
    free(p->client_id);
    free(p->object_id);
    free(p->mi_res_id);
    free(p->msi_res_id);
}

static char **param_slot(void *ctx, const char *key)
{
    struct mi_params *p = ctx;
    if (strcmp(key, "resource") == 0)
        return &p->resource;
    if (strcmp(key, "client_id") == 0)
        return &p->client_id;
    if (strcmp(key, "object_id") == 0)
        return &p->object_id;
    if (strcmp(key, "mi_res_id") == 0)
        return &p->mi_res_id;
    if (strcmp(key, "msi_res_id") == 0)
        return &p->msi_res_id;
    return NULL;
}

static void params_from_query(struct mv_req *r, struct mi_params *p)
{
    static const char *const keys[] = {"resource",  "client_id",  "object_id",
                                       "mi_res_id", "msi_res_id", NULL};
    memset(p, 0, sizeof *p);
    for (size_t i = 0; keys[i]; i++) {
        const char *v = mv_req_query(r, keys[i]);
        if (v)
            *param_slot(p, keys[i]) = strdup(v);
    }
}

static void params_from_form(struct mv_req *r, struct mi_params *p)
{
    memset(p, 0, sizeof *p);
    mv_req_form(r, param_slot, p, FORM_FIELD_MAX);
}

/* Which selector the caller gave (its parameter name and value) and how many were given. */
static int selector(const struct mi_params *p, const char **name, const char **value)
{
    const struct {
        const char *name, *value;
    } sel[] = {
        {"client_id", p->client_id},
        {"object_id", p->object_id},
        {"mi_res_id", p->mi_res_id},
        {"msi_res_id", p->msi_res_id},
    };
    int count = 0;

    *name = *value = NULL;
    for (size_t i = 0; i < sizeof sel / sizeof sel[0]; i++) {
        if (!sel[i].value)
            continue;
        *name = sel[i].name;
        *value = sel[i].value;
        count++;
    }
    return count;
}

static void identity_copy(struct mi_identity *out, const struct mv_tenant *t,
                          const struct mv_managed_identity *m)
{
    snprintf(out->tenant, sizeof out->tenant, "%s", t->id);
    snprintf(out->client_id, sizeof out->client_id, "%s", m->client_id);
    snprintf(out->object_id, sizeof out->object_id, "%s",
             m->object_id ? m->object_id : m->client_id);
    out->resource_id = mv_strdup0(m->resource_id);
}

/* Finds the identity the parameters select. name is the selector's parameter name (NULL: none)
 * and value its value. Ids and ARM resource ids compare case-insensitively, as Azure does. */
static enum mi_pick pick_identity(struct mv_req *r, const char *name, const char *value,
                                  struct mi_identity *out)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    const struct mv_tenant *ut = NULL;
    const struct mv_managed_identity *um = NULL;
    size_t nuser = 0;
    enum mi_pick res = MI_PICK_NOT_FOUND;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < d->ntenants; i++) {
        const struct mv_tenant *t = &d->tenants[i];
        for (size_t j = 0; j < t->nidentities; j++) {
            const struct mv_managed_identity *m = &t->identities[j];
            const char *field;

            if (!name) {
                if (m->system_assigned) {
                    identity_copy(out, t, m);
                    res = MI_PICK_OK;
                    goto out;
                }
                ut = t, um = m;
                nuser++;
                continue;
            }
            if (strcmp(name, "client_id") == 0)
                field = m->client_id;
            else if (strcmp(name, "object_id") == 0)
                field = m->object_id;
            else
                field = m->resource_id;
            if (field && strcasecmp(field, value) == 0) {
                identity_copy(out, t, m);
                res = MI_PICK_OK;
                goto out;
            }
        }
    }
    /* IMDS falls back to the only user-assigned identity when there is no system-assigned one,
     * and refuses to guess between several (spec/identity.md §4.1). */
    if (!name && nuser == 1) {
        identity_copy(out, ut, um);
        res = MI_PICK_OK;
    } else if (!name && nuser > 1) {
        res = MI_PICK_AMBIGUOUS;
    }
out:
    mv_store_unlock(r->srv->store);
    return res;
}

/* The error of each style: IMDS and Cloud Shell answer {"error","error_description"}; App Service
 * answers {"statusCode","message","correlationId"}. error is the OAuth error code for the former
 * and the log's code for the latter. */
static enum MHD_Result mi_error(struct mv_req *r, enum mi_style st, unsigned status,
                                const char *error, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static enum MHD_Result mi_error(struct mv_req *r, enum mi_style st, unsigned status,
                                const char *error, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st == MI_APP_SERVICE)
        return mv_reply_app_service_error(r, status, error, "%s", msg);
    return mv_reply_msi_error(r, status, error, "%s", msg);
}

/* Issues the token for the identity and sends the style's response. */
static enum MHD_Result send_token(struct mv_req *r, enum mi_style st, const struct mi_identity *id,
                                  const char *resource)
{
    int lifetime = r->srv->cfg.token_lifetime;
    int64_t now = mv_req_now(r), iat = now - 300, exp = now + lifetime + 1;
    struct mv_token_spec spec = {
        .tenant_id = id->tenant,
        .appid = id->client_id,
        .oid = id->object_id,
        .resource = resource,
        .appidacr = "2",
        .mirid = id->resource_id,
        .iat = iat,
        .exp = exp,
        .stamp_now = now,
    };
    char *tok = mv_identity_issue_token(r->srv, &spec);
    char num[32];
    cJSON *o;
    int ok;

    if (!tok)
        return mi_error(r, st, MHD_HTTP_INTERNAL_SERVER_ERROR, "server_error",
                        "mockvault could not sign the token.");
    snprintf(r->appid, sizeof r->appid, "%s", id->client_id);
    snprintf(r->oid, sizeof r->oid, "%s", id->object_id);
    snprintf(r->tid, sizeof r->tid, "%s", id->tenant);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "access_token", tok);
    if (st == MI_APP_SERVICE) {
        /* App Service 2019-08-01 (spec/identity.md §4.2): expires_on only, as an epoch string;
         * msal-node and MSAL-Python derive the lifetime from it. */
        snprintf(num, sizeof num, "%lld", (long long)exp);
        cJSON_AddStringToObject(o, "expires_on", num);
        cJSON_AddStringToObject(o, "resource", resource);
        cJSON_AddStringToObject(o, "token_type", "Bearer");
        cJSON_AddStringToObject(o, "client_id", id->client_id);
    } else {
        /* IMDS and Cloud Shell: every number is a string, and both expires_in (MSAL-Python's
         * IMDS path needs it) and expires_on (msal-node reads only that) are present, with
         * resource (older azure-identity reads it) (spec/identity.md §4.1). refresh_token is the
         * empty string of the documented response. */
        cJSON_AddStringToObject(o, "refresh_token", "");
        cJSON_AddStringToObject(o, "client_id", id->client_id);
        snprintf(num, sizeof num, "%d", lifetime);
        cJSON_AddStringToObject(o, "expires_in", num);
        snprintf(num, sizeof num, "%lld", (long long)exp);
        cJSON_AddStringToObject(o, "expires_on", num);
        snprintf(num, sizeof num, "%d", lifetime);
        cJSON_AddStringToObject(o, "ext_expires_in", num);
        snprintf(num, sizeof num, "%lld", (long long)iat);
        cJSON_AddStringToObject(o, "not_before", num);
        cJSON_AddStringToObject(o, "resource", resource);
        cJSON_AddStringToObject(o, "token_type", "Bearer");
    }
    ok = mv_reply_json(r, MHD_HTTP_OK, o);
    cx_free_wiped(tok);
    return ok;
}

/* What every style shares once its own checks passed: the resource, the identity, the token. */
static enum MHD_Result serve(struct mv_req *r, enum mi_style st, const struct mi_params *p)
{
    struct mi_identity id;
    const char *sel_name, *sel_value;
    char echo[300];
    int ok;
    enum mi_pick pick;

    memset(&id, 0, sizeof id);
    if (!p->resource || !p->resource[0]) {
        ok = mi_error(r, st, MHD_HTTP_BAD_REQUEST, "invalid_request",
                      st == MI_CLOUD_SHELL ? "Required form field 'resource' is missing"
                                           : "Required query variable 'resource' is missing");
        goto out;
    }
    if (selector(p, &sel_name, &sel_value) > 1) {
        /* No capture of this case exists; the wording is the mock's own. */
        ok = mi_error(r, st, MHD_HTTP_BAD_REQUEST, "invalid_request",
                      "Only one of client_id, object_id and mi_res_id may be specified");
        goto out;
    }
    pick = pick_identity(r, sel_name, sel_value, &id);
    if (pick == MI_PICK_AMBIGUOUS) {
        ok = mi_error(r, st, MHD_HTTP_BAD_REQUEST, "invalid_request",
                      "Multiple user assigned identities exist, please specify the clientId / "
                      "resourceId of the identity in the token request");
        goto out;
    }
    if (pick == MI_PICK_NOT_FOUND) {
        /* App Service's message for an identity it cannot find; IMDS's is the recorded
         * "Identity not found" (spec/identity.md §4.1). */
        ok = st == MI_APP_SERVICE
                 ? mi_error(r, st, MHD_HTTP_BAD_REQUEST, "IdentityNotFound",
                            "Unable to load the proper Managed Identity.")
                 : mi_error(r, st, MHD_HTTP_BAD_REQUEST, "invalid_request", "Identity not found");
        goto out;
    }
    if (!mv_identity_resource_known(p->resource)) {
        /* The managed identity endpoints relay Entra's answer for an unknown resource. */
        ok = mi_error(r, st, MHD_HTTP_BAD_REQUEST, "invalid_resource",
                      "AADSTS500011: The resource principal named %s was not found in the tenant "
                      "named %s. This can happen if the application has not been installed by the "
                      "administrator of the tenant or consented to by any user in the tenant. You "
                      "might have sent your authentication request to the wrong tenant.",
                      mv_reply_echo(p->resource, echo, sizeof echo), id.tenant);
        goto out;
    }
    ok = send_token(r, st, &id, p->resource);
out:
    free(id.resource_id);
    return ok;
}

/* IMDS insists on "Metadata: true" (the real service documents lower case; any case is taken
 * here, which only ever accepts more). Shared by IMDS and Cloud Shell. Replies when absent. */
static bool metadata_header_or_reply(struct mv_req *r, enum mi_style st)
{
    const char *m = mv_req_header(r, "Metadata");

    if (m && strcasecmp(m, "true") == 0)
        return true;
    mi_error(r, st, MHD_HTTP_BAD_REQUEST, "invalid_request",
             "Required metadata header not specified");
    return false;
}

/* True for a YYYY-MM-DD api-version not older than min (dates compare as text). */
static bool api_version_at_least(const char *v, const char *min)
{
    static const char shape[] = "0000-00-00";

    if (strlen(v) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? v[i] != '-' : (v[i] < '0' || v[i] > '9'))
            return false;
    return strcmp(v, min) >= 0;
}

/* GET /metadata/identity/oauth2/token[/] (spec/identity.md §4.1). The JS availability probe (no
 * query, no Metadata header) gets the metadata 400 at once: any HTTP answer means "available". */
static enum MHD_Result h_imds(struct mv_req *r)
{
    const char *v = mv_req_query(r, "api-version");
    struct mi_params p;
    char echo[64];
    int ok;

    memset(&p, 0, sizeof p);
    if (!metadata_header_or_reply(r, MI_IMDS)) {
        ok = MHD_YES;
        goto out;
    }
    if (!v || !*v) {
        ok = mv_reply_msi_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "Required query variable 'api-version' is missing");
        goto out;
    }
    if (!api_version_at_least(v, IMDS_MIN_API)) {
        /* No capture of this case exists; the wording is the mock's own. */
        ok = mv_reply_msi_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "Invalid api-version '%s'. Managed identity tokens need "
                                "api-version " IMDS_MIN_API " or newer.",
                                mv_reply_echo(v, echo, sizeof echo));
        goto out;
    }
    snprintf(r->api_version, sizeof r->api_version, "%s", v);
    params_from_query(r, &p);
    ok = serve(r, MI_IMDS, &p);
out:
    params_finish(&p);
    return ok;
}

/* GET /msi/token: App Service and Functions (IDENTITY_ENDPOINT + IDENTITY_HEADER, spec §4.2). */
static enum MHD_Result h_app_service(struct mv_req *r)
{
    const char *h = mv_req_header(r, "X-IDENTITY-HEADER");
    const char *want = r->srv->cfg.identity_header;
    const char *v = mv_req_query(r, "api-version");
    struct mi_params p;
    char echo[64];
    int ok;

    memset(&p, 0, sizeof p);
    if (!h || !*h) {
        /* No capture of App Service's text exists; the wording is the mock's own, in App
         * Service's body shape. */
        ok = mv_reply_app_service_error(r, MHD_HTTP_BAD_REQUEST, "MissingIdentityHeader",
                                        "The X-IDENTITY-HEADER request header is missing. Set "
                                        "IDENTITY_HEADER for the client.");
        goto out;
    }
    /* With --identity-header the header is a shared secret: compared in constant time, and
     * neither value ever appears in a message or the log. */
    if (want && !cx_ct_equal(want, strlen(want), h, strlen(h))) {
        ok = mv_reply_app_service_error(r, MHD_HTTP_UNAUTHORIZED, "WrongIdentityHeader",
                                        "The X-IDENTITY-HEADER value is not the one this "
                                        "endpoint expects (mockvault --identity-header).");
        goto out;
    }
    if (!v || !*v) {
        ok = mv_reply_app_service_error(r, MHD_HTTP_BAD_REQUEST, "MissingApiVersion",
                                        "The api-version query parameter is required; this "
                                        "endpoint supports api-version " APP_SERVICE_API ".");
        goto out;
    }
    if (strcmp(v, APP_SERVICE_API) != 0) {
        ok = mv_reply_app_service_error(r, MHD_HTTP_BAD_REQUEST, "UnsupportedApiVersion",
                                        "The api-version '%s' is not supported; this endpoint "
                                        "supports api-version " APP_SERVICE_API ".",
                                        mv_reply_echo(v, echo, sizeof echo));
        goto out;
    }
    snprintf(r->api_version, sizeof r->api_version, "%s", v);
    params_from_query(r, &p);
    ok = serve(r, MI_APP_SERVICE, &p);
out:
    params_finish(&p);
    return ok;
}

/* POST /msi/token: Cloud Shell and the legacy MSI_ENDPOINT (a form body with resource, header
 * "Metadata: true"; real-clients B.5). */
static enum MHD_Result h_cloud_shell(struct mv_req *r)
{
    struct mi_params p;
    int ok = MHD_YES;

    memset(&p, 0, sizeof p);
    if (!metadata_header_or_reply(r, MI_CLOUD_SHELL))
        goto out;
    params_from_form(r, &p);
    ok = serve(r, MI_CLOUD_SHELL, &p);
out:
    params_finish(&p);
    return ok;
}

/* The router ignores a trailing '/', so the IMDS pattern also answers msal-node's
 * /metadata/identity/oauth2/token/ (real-clients A.5). These routes are the only ones the plain
 * http --imds-port listener serves. */
/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_msi_ops[] = {
    MV_OP("GET", "/metadata/identity/oauth2/token", h_imds, "ManagedIdentityToken", MV_KIND_MSI, false),
    MV_OP("GET", "/msi/token", h_app_service, "ManagedIdentityToken", MV_KIND_MSI, false),
    MV_OP("POST", "/msi/token", h_cloud_shell, "ManagedIdentityToken", MV_KIND_MSI, true),
    MV_OP_END,
};
/* clang-format on */
