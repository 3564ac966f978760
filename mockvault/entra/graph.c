/* graph.c: a minimal Microsoft Graph: users and organization, in Graph's OData shapes.
 *
 * Tokens come from the mock's own token endpoint (scope https://graph.microsoft.com/.default puts
 * the app's graphRoles into "roles"). Every request is checked as Graph does: a valid token whose
 * audience is Graph (401 InvalidAuthenticationToken otherwise), then an application role that
 * allows the call (403 Authorization_RequestDenied otherwise). Data comes from the token's
 * tenant in the fixture. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "http.h"
#include "reply.h"
#include "op.h"
#include "store.h"
#include "util.h"

#define GRAPH_APP_ID "00000003-0000-0000-c000-000000000000"
#define GRAPH_CONTEXT "https://graph.microsoft.com/v1.0/$metadata#"
#define TOP_DEFAULT 100
#define TOP_MAX 999
#define SKIPTOKEN_PREFIX "mockvault-users:"

/* Application roles that allow reading users and the organization (Graph's permission tables;
 * DESIGN.md §1). */
static const char *const users_roles[] = {
    "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", NULL,
};
static const char *const org_roles[] = {
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "User.Read.All",
    "User.ReadWrite.All",
    NULL,
};

/* True when aud names Microsoft Graph: its URI with or without the trailing slash, or its
 * application id. */
static bool graph_audience(const char *aud)
{
    return strcasecmp(aud, "https://graph.microsoft.com") == 0 ||
           strcasecmp(aud, "https://graph.microsoft.com/") == 0 ||
           strcasecmp(aud, GRAPH_APP_ID) == 0;
}

/* Verifies the bearer token as Graph does; replies 401 InvalidAuthenticationToken with Graph's
 * messages and returns false when it is not acceptable. */
static bool graph_auth_or_reply(struct mv_req *r, struct mv_claims *c)
{
    const char *msg = NULL;

    switch (mv_auth_bearer(r, c)) {
    case MV_AUTH_OK: break;
    case MV_AUTH_MISSING: msg = "Access token is empty."; break;
    case MV_AUTH_MALFORMED:
        /* Graph's answer to a bearer value that is not a compact JWT. */
        msg = "CompactToken parsing failed with error code: 80049217";
        break;
    case MV_AUTH_BAD_SIGNATURE: msg = "Access token validation failure."; break;
    case MV_AUTH_EXPIRED: msg = "Lifetime validation failed, the token is expired."; break;
    case MV_AUTH_NOT_YET_VALID:
        /* Modelled on the expired message; no capture of this case exists. */
        msg = "Lifetime validation failed, the token is not yet valid.";
        break;
    }
    if (!msg && !graph_audience(c->aud))
        msg = "Access token validation failure. Invalid audience.";
    if (!msg && !mv_claims_issuer_known(r, c))
        msg = "Access token validation failure. Invalid issuer.";
    if (!msg)
        return true;
    mv_reply_graph_error(r, MHD_HTTP_UNAUTHORIZED, "InvalidAuthenticationToken", "%s", msg);
    return false;
}

/* Replies 403 Authorization_RequestDenied unless the token holds one of roles. */
static bool graph_role_or_reply(struct mv_req *r, const struct mv_claims *c,
                                const char *const *roles)
{
    for (size_t i = 0; roles[i]; i++)
        if (mv_claims_has_role(c, roles[i]))
            return true;
    mv_reply_graph_error(r, MHD_HTTP_FORBIDDEN, "Authorization_RequestDenied",
                         "Insufficient privileges to complete the operation.");
    return false;
}

/* The OData options the stand-in does not implement are refused rather than ignored, so a test
 * never gets unfiltered data it believes filtered. Replies and returns false on one. */
static bool unsupported_options_or_reply(struct mv_req *r)
{
    static const char *const opts[] = {"$filter", "$search", "$orderby", "$expand", "$count", NULL};

    for (size_t i = 0; opts[i]; i++) {
        if (!mv_req_query(r, opts[i]))
            continue;
        mv_reply_graph_error(r, MHD_HTTP_BAD_REQUEST, "Request_UnsupportedQuery",
                             "mockvault: the Graph stand-in does not implement %s. (This error "
                             "is mock-specific.)",
                             opts[i]);
        return false;
    }
    return true;
}

/* Checks $select: comma-separated names of properties of proto (an entity as built below).
 * Returns true when absent; false after replying 400 for an unknown or malformed name. */
static bool select_or_reply(struct mv_req *r, const cJSON *proto, const char *type)
{
    const char *sel = mv_req_query(r, "$select");
    char buf[512], echo[128], *save = NULL, *tok;

    if (!sel)
        return true;
    if (!*sel || strlen(sel) >= sizeof buf ||
        strspn(sel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,") !=
            strlen(sel)) {
        mv_reply_graph_error(r, MHD_HTTP_BAD_REQUEST, "BadRequest", "Invalid $select properties.");
        return false;
    }
    snprintf(buf, sizeof buf, "%s", sel);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (cJSON_GetObjectItemCaseSensitive(proto, tok))
            continue;
        /* OData's message for a property the type does not have. */
        mv_reply_graph_error(r, MHD_HTTP_BAD_REQUEST, "BadRequest",
                             "Could not find a property named '%s' on type 'microsoft.graph.%s'.",
                             mv_reply_echo(tok, echo, sizeof echo), type);
        return false;
    }
    return true;
}

/* Keeps only the $select'ed properties of o, in Graph's own order. */
static void apply_select(struct mv_req *r, cJSON *o)
{
    const char *sel = mv_req_query(r, "$select");
    cJSON *it, *next;
    char want[514];

    if (!sel)
        return;
    snprintf(want, sizeof want, ",%s,", sel);
    for (it = o->child; it; it = next) {
        char key[160];
        next = it->next;
        snprintf(key, sizeof key, ",%s,", it->string);
        if (!strstr(want, key))
            cJSON_Delete(cJSON_DetachItemViaPointer(o, it));
    }
}

/* "@odata.context" of a collection or an entity, with the $select list as Graph writes it. */
static void add_context(struct mv_req *r, cJSON *o, const char *set, bool entity)
{
    const char *sel = mv_req_query(r, "$select");
    char ctx[800];

    snprintf(ctx, sizeof ctx, GRAPH_CONTEXT "%s%s%s%s%s", set, sel ? "(" : "", sel ? sel : "",
             sel ? ")" : "", entity ? "/$entity" : "");
    cJSON_AddStringToObject(o, "@odata.context", ctx);
}

/* A user as GET /v1.0/users returns it by default: the fixture knows id, displayName and
 * userPrincipalName; every other default property is null or empty, as for a user that has none. */
static cJSON *user_json(const struct mv_user *u)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddArrayToObject(o, "businessPhones");
    if (u->display_name)
        cJSON_AddStringToObject(o, "displayName", u->display_name);
    else
        cJSON_AddNullToObject(o, "displayName");
    cJSON_AddNullToObject(o, "givenName");
    cJSON_AddNullToObject(o, "jobTitle");
    cJSON_AddNullToObject(o, "mail");
    cJSON_AddNullToObject(o, "mobilePhone");
    cJSON_AddNullToObject(o, "officeLocation");
    cJSON_AddNullToObject(o, "preferredLanguage");
    cJSON_AddNullToObject(o, "surname");
    cJSON_AddStringToObject(o, "userPrincipalName", u->user_principal_name);
    cJSON_AddStringToObject(o, "id", u->id);
    return o;
}

/* Parses $top (1..999, default 100). Replies 400 and returns false when it is not a page size. */
static bool parse_top_or_reply(struct mv_req *r, int *top)
{
    const char *t = mv_req_query(r, "$top");
    char echo[64];
    size_t n;

    *top = TOP_DEFAULT;
    if (!t)
        return true;
    n = strlen(t);
    if (n > 0 && n <= 4 && strspn(t, "0123456789") == n) {
        *top = atoi(t);
        if (*top >= 1 && *top <= TOP_MAX)
            return true;
    }
    mv_reply_graph_error(r, MHD_HTTP_BAD_REQUEST, "Request_UnsupportedQuery",
                         "Invalid page size specified: '%s'. Must be between 1 and %d inclusive.",
                         mv_reply_echo(t, echo, sizeof echo), TOP_MAX);
    return false;
}

/* $skiptoken is opaque to clients; here it is base64url("mockvault-users:<offset>"). Replies 400
 * and returns false when it is not one of ours. */
static bool parse_skiptoken_or_reply(struct mv_req *r, size_t *offset)
{
    const char *t = mv_req_query(r, "$skiptoken");
    unsigned char *raw = NULL;
    size_t n = 0, plen = strlen(SKIPTOKEN_PREFIX);
    bool ok = false;

    *offset = 0;
    if (!t)
        return true;
    raw = cx_b64_decode(t, strlen(t), MV_B64_LENIENT, &n);
    if (raw && n > plen && n < plen + 10 && memcmp(raw, SKIPTOKEN_PREFIX, plen) == 0 &&
        strspn((char *)raw + plen, "0123456789") == n - plen) {
        *offset = (size_t)strtoul((char *)raw + plen, NULL, 10);
        ok = true;
    }
    free(raw);
    if (!ok)
        /* No capture of Graph's text for a forged skip token; the wording is the mock's own. */
        mv_reply_graph_error(r, MHD_HTTP_BAD_REQUEST, "Request_BadRequest",
                             "The specified $skiptoken is not valid.");
    return ok;
}

/* The base of absolute links: Graph's own name in proxy mode, else how the client reached us. */
static void graph_base(const struct mv_req *r, char *out, size_t n)
{
    if (r->azure_host)
        snprintf(out, n, "https://%s", r->host_name);
    else
        snprintf(out, n, "%s", r->base_url);
}

/* The checks every Graph call makes first: the bearer token, one of roles, and no OData option
 * the stand-in does not implement. Replies and returns false at the first that fails. */
static bool graph_request_or_reply(struct mv_req *r, struct mv_claims *c, const char *const *roles)
{
    return graph_auth_or_reply(r, c) && graph_role_or_reply(r, c, roles) &&
           unsupported_options_or_reply(r);
}

/* Checks $select against the properties of a user (built from a blank one). Replies 400 and
 * returns false for an unknown or malformed name. */
static bool user_select_or_reply(struct mv_req *r)
{
    struct mv_user blank = {"", NULL, ""};
    cJSON *proto = user_json(&blank);
    bool ok = select_or_reply(r, proto, "user");

    cJSON_Delete(proto);
    return ok;
}

/* GET /v1.0/users: the token's tenant's users, paged by $top with an absolute @odata.nextLink
 * carrying $skiptoken, as Graph pages directory objects. */
static enum MHD_Result h_users(struct mv_req *r)
{
    struct mv_claims c;
    const struct mv_data *d;
    const struct mv_tenant *t;
    cJSON *o = NULL, *value;
    char link[1400], base[330];
    size_t offset, total = 0;
    int top, ok = MHD_YES;

    if (!graph_request_or_reply(r, &c, users_roles) || !parse_top_or_reply(r, &top) ||
        !parse_skiptoken_or_reply(r, &offset) || !user_select_or_reply(r))
        goto out;
    o = cJSON_CreateObject();
    add_context(r, o, "users", false);
    value = cJSON_CreateArray();
    d = mv_store_rdlock(r->srv->store);
    t = mv_data_tenant(d, c.tid);
    if (t) {
        total = t->nusers;
        for (size_t i = offset; i < t->nusers && i < offset + (size_t)top; i++) {
            cJSON *u = user_json(&t->users[i]);
            apply_select(r, u);
            cJSON_AddItemToArray(value, u);
        }
    }
    mv_store_unlock(r->srv->store);
    if (offset + (size_t)top < total) {
        char raw[64], *tok;
        const char *sel = mv_req_query(r, "$select");

        snprintf(raw, sizeof raw, SKIPTOKEN_PREFIX "%zu", offset + (size_t)top);
        tok = cx_b64url_encode(raw, strlen(raw));
        graph_base(r, base, sizeof base);
        snprintf(link, sizeof link, "%s/v1.0/users?$top=%d%s%s&$skiptoken=%s", base, top,
                 sel ? "&$select=" : "", sel ? sel : "", tok ? tok : "");
        free(tok);
        cJSON_AddStringToObject(o, "@odata.nextLink", link);
    }
    cJSON_AddItemToObject(o, "value", value);
    ok = mv_reply_graph_json(r, MHD_HTTP_OK, o);
out:
    return ok;
}

/* GET /v1.0/users/{id | userPrincipalName}. */
static enum MHD_Result h_user(struct mv_req *r)
{
    struct mv_claims c;
    const struct mv_data *d;
    const struct mv_tenant *t;
    const char *key = r->cap[0];
    cJSON *o = NULL;
    char echo[300];
    int ok = MHD_YES;

    if (!graph_request_or_reply(r, &c, users_roles) || !user_select_or_reply(r))
        goto out;
    d = mv_store_rdlock(r->srv->store);
    t = mv_data_tenant(d, c.tid);
    for (size_t i = 0; t && i < t->nusers; i++) {
        const struct mv_user *u = &t->users[i];
        if (strcasecmp(u->id, key) == 0 || strcasecmp(u->user_principal_name, key) == 0) {
            o = user_json(u);
            break;
        }
    }
    mv_store_unlock(r->srv->store);
    if (!o) {
        ok = mv_reply_graph_error(r, MHD_HTTP_NOT_FOUND, "Request_ResourceNotFound",
                                  "Resource '%s' does not exist or one of its queried "
                                  "reference-property objects are not present.",
                                  mv_reply_echo(key, echo, sizeof echo));
        goto out;
    }
    apply_select(r, o);
    {
        /* @odata.context comes first in Graph's entity responses. */
        cJSON *full = cJSON_CreateObject();
        add_context(r, full, "users", true);
        while (o->child) {
            cJSON *it = cJSON_DetachItemViaPointer(o, o->child);
            cJSON_AddItemToObject(full, it->string, it);
        }
        cJSON_Delete(o);
        o = full;
    }
    ok = mv_reply_graph_json(r, MHD_HTTP_OK, o);
out:
    return ok;
}

/* GET /v1.0/organization: the token's tenant as Graph's organization resource. */
static enum MHD_Result h_organization(struct mv_req *r)
{
    static const char *const null_props[] = {
        "deletedDateTime",
        "city",
        "country",
        "countryLetterCode",
        "createdDateTime",
        "defaultUsageLocation",
        "onPremisesLastSyncDateTime",
        "onPremisesSyncEnabled",
        "postalCode",
        "preferredLanguage",
        "state",
        "street",
        NULL,
    };
    struct mv_claims c;
    const struct mv_data *d;
    const struct mv_tenant *t;
    cJSON *o = NULL, *org, *domains;
    char name[256];
    int ok = MHD_YES;

    if (!graph_request_or_reply(r, &c, org_roles))
        goto out;
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "@odata.context", GRAPH_CONTEXT "organization");
    org = cJSON_CreateObject();
    d = mv_store_rdlock(r->srv->store);
    t = mv_data_tenant(d, c.tid);
    if (t) {
        cJSON_AddStringToObject(org, "id", t->id);
        for (size_t i = 0; null_props[i]; i++)
            cJSON_AddNullToObject(org, null_props[i]);
        cJSON_AddArrayToObject(org, "businessPhones");
        mv_tenant_display_name(t, name, sizeof name);
        cJSON_AddStringToObject(org, "displayName", name);
        cJSON_AddArrayToObject(org, "marketingNotificationEmails");
        cJSON_AddArrayToObject(org, "securityComplianceNotificationMails");
        cJSON_AddArrayToObject(org, "securityComplianceNotificationPhones");
        cJSON_AddArrayToObject(org, "technicalNotificationMails");
        cJSON_AddStringToObject(org, "tenantType", "AAD");
        cJSON_AddArrayToObject(org, "assignedPlans");
        cJSON_AddArrayToObject(org, "provisionedPlans");
        domains = cJSON_AddArrayToObject(org, "verifiedDomains");
        /* A tenant without a domain in the fixture has no verified domain to show. */
        if (t->domain && strcasecmp(t->domain, t->id) != 0) {
            cJSON *dom = cJSON_CreateObject();
            cJSON_AddStringToObject(dom, "capabilities", "Email, OfficeCommunicationsOnline");
            cJSON_AddBoolToObject(dom, "isDefault", true);
            cJSON_AddBoolToObject(dom, "isInitial", true);
            cJSON_AddStringToObject(dom, "name", t->domain);
            cJSON_AddStringToObject(dom, "type", "Managed");
            cJSON_AddItemToArray(domains, dom);
        }
    }
    mv_store_unlock(r->srv->store);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "value"), org);
    ok = mv_reply_graph_json(r, MHD_HTTP_OK, o);
out:
    return ok;
}

/* One operation per row reads as a table. */
/* clang-format off */
const struct mv_op mv_graph_ops[] = {
    MV_OP("GET", "/v1.0/users", h_users, "GraphListUsers", MV_KIND_GRAPH, false),
    MV_OP("GET", "/v1.0/users/{}", h_user, "GraphGetUser", MV_KIND_GRAPH, false),
    MV_OP("GET", "/v1.0/organization", h_organization, "GraphListOrganization", MV_KIND_GRAPH, false),
    MV_OP_END,
};
/* clang-format on */
