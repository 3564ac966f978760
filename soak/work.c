/* work.c: what a soak worker sends. Three kinds of action, interleaved:
 *  - the lifecycle of the worker's own secrets in the demo vault, all 12 secret operations in an
 *    order whose every answer is known (set, get, update, list, back up, delete, 404 and 409 on
 *    the deleted name, recover, purge, restore, 409 on restoring twice), checking the values it
 *    reads back; after a cut connection it finds out where the secret stands and goes on;
 *  - fixed vault requests by several principals: allowed ones, denials (403), the 401 challenge,
 *    404 and 400 answers, on both vaults (access policies and RBAC);
 *  - token, managed identity, Graph and ARM requests.
 * Tokens are fetched as a client would (when missing or near expiry, and again after a 401), so
 * the token endpoints see steady traffic. The control actions (faults, clock, throttle) are at
 * the end. Nothing here prints a token, a client secret or a secret value. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"
#include "work.h"

#define FORM "application/x-www-form-urlencoded"
#define VAULT_SCOPE "https%3A%2F%2Fvault.azure.net%2F.default"
#define GRAPH_SCOPE "https%3A%2F%2Fgraph.microsoft.com%2F.default"
#define ARM_SCOPE "https%3A%2F%2Fmanagement.azure.com%2F.default"
#define VAULT_RESOURCE "https%3A%2F%2Fvault.azure.net"
/* The default fixture's applications (docs/fixtures.md); their client secrets are fake. */
#define ADMIN_APP "client_id=aaaaaaaa-0000-0000-0000-000000000001&client_secret=admin-client-secret"
#define FLOW_APP "client_id=22222222-2222-2222-2222-222222222222&client_secret=flow-client-secret"
#define NOACCESS_APP                                                                               \
    "client_id=cccccccc-0000-0000-0000-000000000003&client_secret=noaccess-client-secret"
#define GRAPH_APP                                                                                  \
    "client_id=77777777-7777-7777-7777-777777777777&client_secret=graph-app-client-secret-v2"
#define APP_IDENTITY "99999999-9999-9999-9999-999999999999"
#define CC "grant_type=client_credentials&"
#define V2_TOKEN "/" SOAK_TENANT "/oauth2/v2.0/token"
#define V1_TOKEN "/" SOAK_TENANT "/oauth2/token"
#define IMDS_TOKEN "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" VAULT_RESOURCE
#define APP_SERVICE_TOKEN "/msi/token?api-version=2019-08-01&resource=" VAULT_RESOURCE
#define IDENTITY_HEADER "X-IDENTITY-HEADER: " SOAK_IDENTITY_HEADER
/* Workers renew a token this long before it expires, as the SDKs do. */
#define TOKEN_MARGIN_S 10

/* ---- Tokens ---- */

#define TOKEN_REQ(ep_, host_, method_, path_, body_, header_)                                      \
    {                                                                                              \
        .op = (ep_) == EP_MSI ? OP_MANAGED_IDENTITY_TOKEN : OP_TOKEN, .ep = (ep_),                 \
        .host = (host_), .method = (method_), .path = (path_), .body = (body_),                    \
        .ctype = (body_) ? FORM : NULL, .header = (header_), .expect = {200},                      \
    }

static const struct soak_req token_reqs[TK_COUNT] = {
    [TK_ADMIN] =
        TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN, CC ADMIN_APP "&scope=" VAULT_SCOPE, NULL),
    [TK_ADMIN_V1] = TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V1_TOKEN,
                              CC ADMIN_APP "&resource=" VAULT_RESOURCE, NULL),
    [TK_FLOW] =
        TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN, CC FLOW_APP "&scope=" VAULT_SCOPE, NULL),
    [TK_NOACCESS] = TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN,
                              CC NOACCESS_APP "&scope=" VAULT_SCOPE, NULL),
    [TK_GRAPHAPP_VAULT] =
        TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN, CC GRAPH_APP "&scope=" VAULT_SCOPE, NULL),
    [TK_GRAPHAPP_GRAPH] =
        TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN, CC GRAPH_APP "&scope=" GRAPH_SCOPE, NULL),
    [TK_ADMIN_GRAPH] =
        TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN, CC ADMIN_APP "&scope=" GRAPH_SCOPE, NULL),
    [TK_ADMIN_ARM] =
        TOKEN_REQ(EP_TOKEN, HOST_MAIN, "POST", V2_TOKEN, CC ADMIN_APP "&scope=" ARM_SCOPE, NULL),
    [TK_VM_IMDS] = TOKEN_REQ(EP_MSI, HOST_IMDS, "GET", IMDS_TOKEN, NULL, "Metadata: true"),
    [TK_APP_SERVICE] =
        TOKEN_REQ(EP_MSI, HOST_MAIN, "GET", APP_SERVICE_TOKEN "&client_id=" APP_IDENTITY, NULL,
                  IDENTITY_HEADER),
    [TK_CLOUD_SHELL] = TOKEN_REQ(EP_MSI, HOST_MAIN, "POST", "/msi/token",
                                 "resource=" VAULT_RESOURCE, "Metadata: true"),
};

struct token {
    char *value;  /* owned; NULL when none is held */
    unsigned gen; /* soak_run.gen when it was asked for */
    double time;  /* soak_now() when it was asked for */
};

struct soak_tokens {
    struct token t[TK_COUNT];
};

void soak_drop_token(struct soak_worker *w, int tk)
{
    free(w->tokens->t[tk].value);
    w->tokens->t[tk].value = NULL;
}

/* Gives q the worker's token of kind tk, fetching one first when it has none or it is near
 * expiry. Returns OUT_OK when q carries a token, else how the token request ended. */
enum soak_outcome soak_use_token(struct soak_worker *w, int tk, struct soak_req *q)
{
    struct token *t = &w->tokens->t[tk];
    enum soak_outcome o;
    cJSON *j, *at;

    if (!t->value || soak_now() - t->time > SOAK_TOKEN_LIFETIME - TOKEN_MARGIN_S) {
        soak_drop_token(w, tk);
        o = soak_request(w, &token_reqs[tk]);
        if (o != OUT_OK)
            return o;
        j = cJSON_Parse(w->buf);
        at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
        if (cJSON_IsString(at) && at->valuestring[0])
            t->value = strdup(at->valuestring);
        cJSON_Delete(j);
        if (!t->value) {
            soak_unexpected(w, &token_reqs[tk], "a 200 without an access_token");
            return OUT_UNEXPECTED;
        }
        t->gen = w->sent_gen;
        t->time = w->sent_time;
    }
    q->bearer = t->value;
    q->token_gen = t->gen;
    q->token_time = t->time;
    return OUT_OK;
}

enum soak_outcome soak_send_as(struct soak_worker *w, int tk, struct soak_req *q, cJSON **j)
{
    enum soak_outcome o = soak_use_token(w, tk, q);

    *j = NULL;
    if (o == OUT_OK)
        o = soak_request(w, q);
    if (o == OUT_OK && w->status == 200)
        *j = cJSON_Parse(w->buf);
    if (o == OUT_STALE)
        soak_drop_token(w, tk);
    return o;
}

enum soak_outcome soak_send_admin(struct soak_worker *w, struct soak_req *q, cJSON **j)
{
    return soak_send_as(w, TK_ADMIN, q, j);
}

/* FNV-1a (64 bits) of a token: the hash the mock's verified-token cache picks a slot with
 * (mockvault/entra/auth.c), so that the warm-up can tell when every slot holds a token. */
static uint64_t token_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

long soak_fill_token_cache(struct soak_worker *w)
{
    static const struct soak_req get = {
        .op = OP_GET_SECRET,
        .ep = EP_VAULT,
        .host = HOST_MAIN,
        .method = "GET",
        .path = "/secrets/db-password?" API,
        .expect = {200},
    };
    bool used[SOAK_TOKEN_CACHE_SLOTS] = {false};
    unsigned filled = 0;
    long tokens = 0;

    while (filled < SOAK_TOKEN_CACHE_SLOTS) {
        struct soak_req q = get;
        enum soak_outcome o;
        size_t slot;

        /* A fresh token each time: drop the one held, use_token fetches another. */
        soak_drop_token(w, TK_ADMIN);
        o = soak_use_token(w, TK_ADMIN, &q);
        if (o == OUT_STOP || atomic_load(&w->run->failed))
            return -1;
        if (o != OUT_OK)
            continue;
        tokens++;
        slot = (size_t)(token_hash(q.bearer) % SOAK_TOKEN_CACHE_SLOTS);
        /* Only a 200 proves the vault verified (and so cached) the token: a throttled or
         * injected answer may come before the token is looked at. */
        o = soak_request(w, &q);
        if (o == OUT_STOP)
            return -1;
        if (o == OUT_OK && !used[slot]) {
            used[slot] = true;
            filled++;
        }
    }
    soak_drop_token(w, TK_ADMIN);
    return tokens;
}

/* ---- Fixed actions ---- */

/* Vault requests whose answer never changes: who may do what, and the refusals. */
static const struct action vault_actions[] = {
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/db-password?" API, 200),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET",
       "/secrets/graph-app-secret/2222bbbb2222bbbb2222bbbb2222bbbb?" API, 200),
    /* A disabled version, and a disabled secret: 403 SecretDisabled. */
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET",
       "/secrets/graph-app-secret/1111aaaa1111aaaa1111aaaa1111aaaa?" API, 403),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/disabled-secret?" API, 403),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/expired-secret?" API, 200),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/not-yet-valid?" API, 200),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/" SOAK_PREFIX "missing?" API, 404),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET_VERSIONS, "GET",
       "/secrets/" SOAK_PREFIX "missing/versions?" API, 200),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRETS, "GET", "/secrets?maxresults=3&" API, 200),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_DELETED_SECRET, "GET", "/deletedsecrets/old-secret?" API, 200),
    VA(TK_ADMIN_V1, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/api-key?" API, 200),
    /* The challenge, and a request without api-version. */
    VA(TK_NONE, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/api-key?" API, 401),
    VA(TK_ADMIN, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/api-key", 400),
    VA(TK_FLOW, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/db-password?" API, 200),
    VA(TK_FLOW, HOST_MAIN, OP_GET_SECRETS, "GET", "/secrets?" API, 403),
    ACT(TK_FLOW, EP_VAULT, HOST_MAIN, OP_SET_SECRET, "PUT", "/secrets/" SOAK_PREFIX "denied?" API,
        "{\"value\":\"never stored\"}", false, 403),
    VA(TK_NOACCESS, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/db-password?" API, 403),
    VA(TK_NOACCESS, HOST_MAIN, OP_GET_DELETED_SECRETS, "GET", "/deletedsecrets?" API, 403),
    VA(TK_GRAPHAPP_VAULT, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/graph-app-secret?" API, 403),
    /* A Graph token at the vault: 401 AKV10022, wrong audience. */
    VA(TK_GRAPHAPP_GRAPH, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/api-key?" API, 401),
    VA(TK_VM_IMDS, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/api-key?" API, 200),
    VA(TK_VM_IMDS, HOST_MAIN, OP_GET_SECRETS, "GET", "/secrets?maxresults=5&" API, 200),
    VA(TK_VM_IMDS, HOST_MAIN, OP_DELETE_SECRET, "DELETE", "/secrets/api-key?" API, 403),
    VA(TK_APP_SERVICE, HOST_MAIN, OP_GET_DELETED_SECRETS, "GET", "/deletedsecrets?" API, 200),
    VA(TK_APP_SERVICE, HOST_MAIN, OP_BACKUP_SECRET, "POST", "/secrets/api-key/backup?" API, 403),
    /* The truncate rule cuts half of these (app-identity reading api-key). */
    ACT(TK_APP_SERVICE, EP_VAULT, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/api-key?" API, NULL,
        true, 200),
    /* The delay rule holds some GetSecretVersions. */
    VA(TK_CLOUD_SHELL, HOST_MAIN, OP_GET_SECRET_VERSIONS, "GET",
       "/secrets/db-password/versions?" API, 200),
    /* The drop rule closes the connection on half of these. */
    ACT(TK_ADMIN, EP_VAULT, HOST_MAIN, OP_GET_SECRET, "GET", "/secrets/" SOAK_PREFIX "drop?" API,
        NULL, true, 404),
    ACT(TK_ADMIN, EP_VAULT, HOST_MAIN, OP_RESTORE_SECRET, "POST", "/secrets/restore?" API,
        "{\"value\":\"bm90LWEtYmxvYg\"}", false, 400),
    VA(TK_ADMIN, HOST_RBAC, OP_GET_SECRET, "GET", "/secrets/app-config?" API, 200),
    ACT(TK_ADMIN, EP_VAULT, HOST_RBAC, OP_UPDATE_SECRET, "PATCH", "/secrets/app-config?" API,
        "{\"tags\":{\"soak\":\"rbac\"}}", false, 200),
    VA(TK_ADMIN, HOST_RBAC, OP_GET_DELETED_SECRETS, "GET", "/deletedsecrets?" API, 200),
    VA(TK_ADMIN, HOST_RBAC, OP_PURGE_DELETED_SECRET, "DELETE",
       "/deletedsecrets/" SOAK_PREFIX "missing?" API, 404),
    VA(TK_FLOW, HOST_RBAC, OP_GET_SECRET, "GET", "/secrets/app-config?" API, 200),
    VA(TK_FLOW, HOST_RBAC, OP_GET_SECRETS, "GET", "/secrets?" API, 403),
    VA(TK_NOACCESS, HOST_RBAC, OP_GET_SECRET, "GET", "/secrets/app-config?" API, 403),
};

#define TA(op_, method_, path_, body_, ...)                                                        \
    {                                                                                              \
        TK_NONE,                                                                                   \
        {                                                                                          \
            .op = (op_), .ep = EP_TOKEN, .host = HOST_MAIN, .method = (method_), .path = (path_),  \
            .body = (body_), .ctype = (body_) ? FORM : NULL, .expect = {__VA_ARGS__},              \
        }                                                                                          \
    }
#define MI(host_, method_, path_, body_, header_, ...)                                             \
    {                                                                                              \
        TK_NONE,                                                                                   \
        {                                                                                          \
            .op = OP_MANAGED_IDENTITY_TOKEN, .ep = EP_MSI, .host = (host_), .method = (method_),   \
            .path = (path_), .body = (body_), .ctype = (body_) ? FORM : NULL, .header = (header_), \
            .expect = {__VA_ARGS__},                                                               \
        }                                                                                          \
    }
#define GA(tk_, op_, path_, ...)                                                                   \
    ACT(tk_, EP_GRAPH, HOST_MAIN, op_, "GET", path_, NULL, false, __VA_ARGS__)
#define AA(tk_, op_, path_, ...)                                                                   \
    ACT(tk_, EP_ARM, HOST_MAIN, op_, "GET", path_, NULL, false, __VA_ARGS__)

/* Entra ID, managed identity, Graph and ARM. */
static const struct action other_actions[] = {
    TA(OP_TOKEN, "POST", V2_TOKEN, CC ADMIN_APP "&scope=" VAULT_SCOPE, 200),
    TA(OP_TOKEN, "POST", V1_TOKEN, CC ADMIN_APP "&resource=" VAULT_RESOURCE, 200),
    /* A wrong client secret (401 AADSTS7000215) and an unknown application (400). */
    TA(OP_TOKEN, "POST", V2_TOKEN,
       CC "client_id=aaaaaaaa-0000-0000-0000-000000000001&client_secret=wrong&scope=" VAULT_SCOPE,
       401),
    TA(OP_TOKEN, "POST", V2_TOKEN,
       CC "client_id=aaaaaaaa-0000-0000-0000-00000000ffff&client_secret=wrong&scope=" VAULT_SCOPE,
       400),
    TA(OP_TOKEN, "POST", V2_TOKEN,
       CC "client_id=77777777-7777-7777-7777-777777777777&client_secret=graph-app-client-secret-v3"
          "&scope=" GRAPH_SCOPE,
       200),
    TA(OP_OPENID_CONFIGURATION, "GET", "/" SOAK_TENANT "/v2.0/.well-known/openid-configuration",
       NULL, 200),
    TA(OP_OPENID_CONFIGURATION, "GET", "/" SOAK_TENANT "/.well-known/openid-configuration", NULL,
       200),
    TA(OP_KEYS, "GET", "/" SOAK_TENANT "/discovery/v2.0/keys", NULL, 200),
    TA(OP_KEYS, "GET", "/" SOAK_TENANT "/discovery/keys", NULL, 200),
    TA(OP_INSTANCE_DISCOVERY, "GET",
       "/common/discovery/instance?api-version=1.1&authorization_endpoint="
       "https%3A%2F%2Flogin.microsoftonline.com%2F" SOAK_TENANT "%2Foauth2%2Fv2.0%2Fauthorize",
       NULL, 200),
    MI(HOST_IMDS, "GET", IMDS_TOKEN, NULL, "Metadata: true", 200),
    MI(HOST_IMDS, "GET", IMDS_TOKEN "&client_id=" APP_IDENTITY, NULL, "Metadata: true", 200),
    MI(HOST_IMDS, "GET", IMDS_TOKEN, NULL, NULL, 400), /* no Metadata header */
    MI(HOST_IMDS, "GET", IMDS_TOKEN "&client_id=99999999-9999-9999-9999-00000000ffff", NULL,
       "Metadata: true", 400),
    MI(HOST_MAIN, "GET", APP_SERVICE_TOKEN, NULL, IDENTITY_HEADER, 200),
    MI(HOST_IMDS, "GET", APP_SERVICE_TOKEN "&client_id=" APP_IDENTITY, NULL, IDENTITY_HEADER, 200),
    MI(HOST_MAIN, "GET", APP_SERVICE_TOKEN, NULL, "X-IDENTITY-HEADER: wrong", 401),
    MI(HOST_MAIN, "POST", "/msi/token", "resource=" VAULT_RESOURCE, "Metadata: true", 200),
    GA(TK_GRAPHAPP_GRAPH, OP_GRAPH_LIST_USERS, "/v1.0/users?$top=2", 200),
    GA(TK_GRAPHAPP_GRAPH, OP_GRAPH_GET_USER, "/v1.0/users/adele@contoso.onmicrosoft.com", 200),
    GA(TK_GRAPHAPP_GRAPH, OP_GRAPH_GET_USER, "/v1.0/users/nobody@contoso.onmicrosoft.com", 404),
    GA(TK_GRAPHAPP_GRAPH, OP_GRAPH_LIST_ORGANIZATION, "/v1.0/organization", 200),
    GA(TK_ADMIN_GRAPH, OP_GRAPH_LIST_USERS, "/v1.0/users", 403), /* no Graph role */
    GA(TK_NONE, OP_GRAPH_LIST_USERS, "/v1.0/users", 401),
    AA(TK_ADMIN_ARM, OP_ARM_LIST_SUBSCRIPTIONS, "/subscriptions?api-version=2022-12-01", 200),
    AA(TK_ADMIN_ARM, OP_ARM_LIST_TENANTS, "/tenants?api-version=2022-12-01", 200),
    AA(TK_NONE, OP_ARM_GET_METADATA_ENDPOINTS, "/metadata/endpoints?api-version=2022-09-01", 200),
    AA(TK_NONE, OP_ARM_LIST_SUBSCRIPTIONS, "/subscriptions?api-version=2022-12-01", 401),
};

enum soak_outcome soak_run_action(struct soak_worker *w, const struct action *a)
{
    struct soak_req q = a->q;
    enum soak_outcome o;

    if (a->tk != TK_NONE && (o = soak_use_token(w, a->tk, &q)) != OUT_OK)
        return o;
    o = soak_request(w, &q);
    if (o == OUT_STALE)
        soak_drop_token(w, a->tk);
    return o;
}

/* ---- The lifecycle of the worker's own secrets ---- */

enum life_step {
    L_SET1,
    L_SET2,
    L_GET_LATEST,
    L_GET_V1,
    L_UPDATE,
    L_VERSIONS,
    L_LIST,
    L_BACKUP,
    L_DELETE1,
    L_GET_GONE,
    L_SET_CONFLICT,
    L_GET_DELETED,
    L_LIST_DELETED,
    L_RECOVER,
    L_GET_RECOVERED,
    L_DELETE2,
    L_PURGE,
    L_GET_PURGED,
    L_RESTORE,
    L_RESTORE_CONFLICT,
    L_GET_RESTORED,
    L_DELETE3,
    L_PURGE3,
    /* After an unexplained answer or a cut connection: is the secret live, deleted or gone? */
    L_RESYNC_LIVE,
    L_RESYNC_DELETED,
};

/* Each step's request and the one status that moves the secret on to the next step. */
static const struct {
    enum soak_op op;
    const char *method, *pre, *post; /* the path: pre, then the name and post unless NULL */
    int expect;
    enum life_step next;
} life_steps[] = {
    [L_SET1] = {OP_SET_SECRET, "PUT", "/secrets/", "", 200, L_SET2},
    [L_SET2] = {OP_SET_SECRET, "PUT", "/secrets/", "", 200, L_GET_LATEST},
    [L_GET_LATEST] = {OP_GET_SECRET, "GET", "/secrets/", "", 200, L_GET_V1},
    [L_GET_V1] = {OP_GET_SECRET, "GET", "/secrets/", "/", 200, L_UPDATE},
    [L_UPDATE] = {OP_UPDATE_SECRET, "PATCH", "/secrets/", "/", 200, L_VERSIONS},
    [L_VERSIONS] = {OP_GET_SECRET_VERSIONS, "GET", "/secrets/", "/versions", 200, L_LIST},
    [L_LIST] = {OP_GET_SECRETS, "GET", "/secrets?maxresults=5", NULL, 200, L_BACKUP},
    [L_BACKUP] = {OP_BACKUP_SECRET, "POST", "/secrets/", "/backup", 200, L_DELETE1},
    [L_DELETE1] = {OP_DELETE_SECRET, "DELETE", "/secrets/", "", 200, L_GET_GONE},
    [L_GET_GONE] = {OP_GET_SECRET, "GET", "/secrets/", "", 404, L_SET_CONFLICT},
    [L_SET_CONFLICT] = {OP_SET_SECRET, "PUT", "/secrets/", "", 409, L_GET_DELETED},
    [L_GET_DELETED] = {OP_GET_DELETED_SECRET, "GET", "/deletedsecrets/", "", 200, L_LIST_DELETED},
    [L_LIST_DELETED] = {OP_GET_DELETED_SECRETS, "GET", "/deletedsecrets?maxresults=5", NULL, 200,
                        L_RECOVER},
    [L_RECOVER] = {OP_RECOVER_DELETED_SECRET, "POST", "/deletedsecrets/", "/recover", 200,
                   L_GET_RECOVERED},
    [L_GET_RECOVERED] = {OP_GET_SECRET, "GET", "/secrets/", "", 200, L_DELETE2},
    [L_DELETE2] = {OP_DELETE_SECRET, "DELETE", "/secrets/", "", 200, L_PURGE},
    [L_PURGE] = {OP_PURGE_DELETED_SECRET, "DELETE", "/deletedsecrets/", "", 204, L_GET_PURGED},
    [L_GET_PURGED] = {OP_GET_DELETED_SECRET, "GET", "/deletedsecrets/", "", 404, L_RESTORE},
    [L_RESTORE] = {OP_RESTORE_SECRET, "POST", "/secrets/restore", NULL, 200, L_RESTORE_CONFLICT},
    [L_RESTORE_CONFLICT] = {OP_RESTORE_SECRET, "POST", "/secrets/restore", NULL, 409,
                            L_GET_RESTORED},
    [L_GET_RESTORED] = {OP_GET_SECRET, "GET", "/secrets/", "", 200, L_DELETE3},
    [L_DELETE3] = {OP_DELETE_SECRET, "DELETE", "/secrets/", "", 200, L_PURGE3},
    [L_PURGE3] = {OP_PURGE_DELETED_SECRET, "DELETE", "/deletedsecrets/", "", 204, L_SET1},
    [L_RESYNC_LIVE] = {OP_GET_SECRET, "GET", "/secrets/", "", 200, L_GET_V1},
    [L_RESYNC_DELETED] = {OP_GET_DELETED_SECRET, "GET", "/deletedsecrets/", "", 200, L_GET_DELETED},
};

/* Names cycle through a few per worker, so the vault's size stays bounded: every cycle ends in a
 * purge. */
#define LIFE_NAMES 3

struct soak_life {
    enum life_step step;
    unsigned cycle;
    char name[64];
    char v1[40], latest[40]; /* version ids of the first and the latest set */
    char val1[96], val[96];  /* the values they hold (fake, generated here) */
    bool val1_known, val_known;
    char *blob; /* owned: the last backup of this name */
    char blob_val[96];
    bool blob_val_known;
};

static void life_name(struct soak_worker *w)
{
    struct soak_life *l = w->life;
    snprintf(l->name, sizeof l->name, SOAK_PREFIX "w%d-n%u", w->id, l->cycle % LIFE_NAMES);
}

/* Copies the version id at the end of a bundle's "id" (…/secrets/{name}/{version}). */
static void version_of(cJSON *bundle, char *out, size_t outlen)
{
    cJSON *id = cJSON_GetObjectItemCaseSensitive(bundle, "id");
    const char *slash = cJSON_IsString(id) ? strrchr(id->valuestring, '/') : NULL;

    snprintf(out, outlen, "%s", slash ? slash + 1 : "");
}

/* Checks the value a GET returned against the one written last, when it is known. */
static bool value_matches(struct soak_worker *w, const struct soak_req *q, cJSON *bundle,
                          const char *want, bool known)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(bundle, "value");

    if (!cJSON_IsString(v)) {
        soak_unexpected(w, q, "a 200 without a value");
        return false;
    }
    if (known && strcmp(v->valuestring, want) != 0) {
        /* Neither value is printed: they are secret values, even if fake ones. */
        soak_unexpected(w, q, "the value read differs from the one written last");
        return false;
    }
    return true;
}

/* Learns from a step's 200 what later steps check; false when the answer contradicts what
 * this worker wrote (reported as unexpected). */
static bool life_learn(struct soak_worker *w, const struct soak_req *q, cJSON *j)
{
    struct soak_life *l = w->life;
    cJSON *v;

    switch (l->step) {
    case L_SET1:
        version_of(j, l->v1, sizeof l->v1);
        snprintf(l->latest, sizeof l->latest, "%s", l->v1);
        snprintf(l->val1, sizeof l->val1, "%s", l->val);
        l->val1_known = l->val_known = true;
        break;
    case L_SET2:
        version_of(j, l->latest, sizeof l->latest);
        l->val_known = true;
        break;
    case L_GET_LATEST:
    case L_GET_RECOVERED:
    case L_GET_RESTORED: return value_matches(w, q, j, l->val, l->val_known);
    case L_GET_V1: return value_matches(w, q, j, l->val1, l->val1_known);
    case L_BACKUP:
        v = cJSON_GetObjectItemCaseSensitive(j, "value");
        free(l->blob);
        l->blob = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
        snprintf(l->blob_val, sizeof l->blob_val, "%s", l->val);
        l->blob_val_known = l->val_known;
        break;
    case L_RESTORE:
        snprintf(l->val, sizeof l->val, "%s", l->blob_val);
        l->val_known = l->blob_val_known;
        break;
    case L_RESYNC_LIVE:
        /* Live, in a state this worker cannot check: go on from its latest version. */
        version_of(j, l->latest, sizeof l->latest);
        snprintf(l->v1, sizeof l->v1, "%s", l->latest);
        l->val1_known = l->val_known = false;
        break;
    default: break;
    }
    return true;
}

/* Builds the current step's path and body into the buffers given. */
static void life_build(struct soak_worker *w, struct soak_req *q, char *path, size_t pathlen,
                       char *body, size_t bodylen)
{
    struct soak_life *l = w->life;
    size_t n;

    if (life_steps[l->step].post)
        n = (size_t)snprintf(path, pathlen, "%s%s%s", life_steps[l->step].pre, l->name,
                             life_steps[l->step].post);
    else
        n = (size_t)snprintf(path, pathlen, "%s", life_steps[l->step].pre);
    if (l->step == L_GET_V1 || l->step == L_UPDATE)
        n += (size_t)snprintf(path + n, pathlen - n, "%s", l->step == L_GET_V1 ? l->v1 : l->latest);
    snprintf(path + n, pathlen - n, "%s" API, strchr(path, '?') ? "&" : "?");
    q->body = NULL;
    switch (l->step) {
    case L_SET1:
    case L_SET2:
        /* A fresh fake value per write, so a read can tell which write it sees. */
        snprintf(l->val, sizeof l->val, "soak value w%d c%u %s", w->id, l->cycle,
                 l->step == L_SET1 ? "first" : "second");
        l->val_known = false; /* until the write is acknowledged */
        /* fall through */
    case L_SET_CONFLICT:
        snprintf(body, bodylen, "{\"value\":\"%s\",\"contentType\":\"text/plain\"}", l->val);
        q->body = body;
        break;
    case L_UPDATE:
        snprintf(body, bodylen, "{\"contentType\":\"text/plain\",\"tags\":{\"soak\":\"%u\"}}",
                 l->cycle);
        q->body = body;
        break;
    case L_RESTORE:
    case L_RESTORE_CONFLICT:
        snprintf(body, bodylen, "{\"value\":\"%s\"}", l->blob);
        q->body = body;
        break;
    default: break;
    }
    q->ctype = q->body ? JSON : NULL;
}

/* The next step after answer `status` to the current one (which was expected or a 404 that
 * resyncing explains). */
static enum life_step life_next(struct soak_life *l, long status)
{
    if (l->step == L_RESYNC_LIVE && status == 404)
        return L_RESYNC_DELETED;
    if (l->step == L_RESYNC_DELETED && status == 404)
        return L_SET1; /* gone: start the name's cycle again */
    if (l->step == L_PURGE3) {
        l->cycle++;
        return L_SET1;
    }
    /* A restore needs the backup; without one (it never is, but) start over. */
    if (life_steps[l->step].next == L_RESTORE && !l->blob)
        return L_SET1;
    return life_steps[l->step].next;
}

static enum soak_outcome life_step(struct soak_worker *w)
{
    struct soak_life *l = w->life;
    struct soak_req q = {0};
    enum soak_outcome o;
    char path[256], *body;
    size_t bodylen = 256 + (l->blob ? strlen(l->blob) : 0);
    bool resync = l->step == L_RESYNC_LIVE || l->step == L_RESYNC_DELETED;
    cJSON *j;

    body = malloc(bodylen);
    if (!body)
        return OUT_STOP;
    life_name(w);
    q.op = life_steps[l->step].op;
    q.ep = EP_VAULT;
    q.host = HOST_MAIN;
    q.method = life_steps[l->step].method;
    q.expect[0] = life_steps[l->step].expect;
    q.expect[1] = resync ? 404 : 0;
    life_build(w, &q, path, sizeof path, body, bodylen);
    q.path = path;
    o = soak_send_admin(w, &q, &j);
    switch (o) {
    case OUT_OK:
        if (w->status == 200 && !life_learn(w, &q, j))
            l->step = L_RESYNC_LIVE;
        else
            l->step = life_next(l, w->status);
        cJSON_Delete(j);
        break;
    case OUT_CUT:
    case OUT_UNEXPECTED:
        /* The write may or may not have happened: find out before going on. */
        l->step = L_RESYNC_LIVE;
        l->val_known = l->val1_known = false;
        break;
    default: break; /* throttled or faulted: nothing happened, the step is tried again */
    }
    free(body);
    return o;
}

/* ---- The mix ---- */

int soak_work_init(struct soak_worker *w)
{
    w->tokens = calloc(1, sizeof *w->tokens);
    w->life = calloc(1, sizeof *w->life);
    if (!w->tokens || !w->life)
        return -1;
    w->life->step = L_SET1;
    if (soak_keys_init(w) != 0 || soak_certs_init(w) != 0)
        return -1;
    /* Workers start at different places in the tables, so the mock sees them all at once. */
    w->mix = (unsigned)w->id * 3;
    w->vault_next = (unsigned)w->id * 5;
    w->other_next = (unsigned)w->id * 7;
    return 0;
}

void soak_work_finish(struct soak_worker *w)
{
    if (w->tokens)
        for (int i = 0; i < TK_COUNT; i++)
            soak_drop_token(w, i);
    if (w->life)
        free(w->life->blob);
    soak_keys_finish(w);
    soak_certs_finish(w);
    free(w->tokens);
    free(w->life);
    w->tokens = NULL;
    w->life = NULL;
}

bool soak_work_step(struct soak_worker *w)
{
    /* Of twenty-four steps: seven of the secrets' lifecycle, five of the keys' and two of the
     * certificates' (whose creations cost the mock most), four fixed secrets requests, two fixed
     * keys requests and one fixed certificates request, three of the other families. */
    static const char mix[] = "LKSLORKLSCLKLSOLKTLSCORK";
    enum soak_outcome o;

    switch (mix[w->mix++ % (sizeof mix - 1)]) {
    case 'L': o = life_step(w); break;
    case 'K': o = soak_keys_life_step(w); break;
    case 'C': o = soak_keys_fixed_step(w); break;
    case 'R': o = soak_certs_life_step(w); break;
    case 'T': o = soak_certs_fixed_step(w); break;
    case 'S': o = soak_run_action(w, &vault_actions[w->vault_next++ % COUNT(vault_actions)]); break;
    default: o = soak_run_action(w, &other_actions[w->other_next++ % COUNT(other_actions)]); break;
    }
    return o != OUT_STOP;
}

/* ---- The control API ---- */

/* The fault rules of a run, tried in this order. Each injects something a worker can tell apart
 * from a bug: a status of its own per family (SOAK_FAULT_STATUS_BASE), a 429 where throttling
 * is expected anyway, a delay, or a cut connection on requests that expect one (may_cut). */
static const char *const fault_rules[] = {
    "{\"match\":{\"path\":\"/secrets/" SOAK_PREFIX "drop\"},\"action\":{\"drop\":true},"
    "\"probability\":0.5}",
    "{\"match\":{\"path\":\"/secrets/api-key\",\"principal\":\"" APP_IDENTITY "\"},"
    "\"action\":{\"truncate\":true},\"probability\":0.5}",
    "{\"match\":{\"operation\":\"GetSecretVersions\"},\"action\":{\"delayMs\":20},"
    "\"probability\":0.05}",
    "{\"match\":{\"operation\":\"GetSecrets\"},\"action\":{\"status\":429,\"retryAfter\":1},"
    "\"probability\":0.02}",
    "{\"match\":{\"operation\":\"Sign\"},\"action\":{\"delayMs\":20},\"probability\":0.05}",
    "{\"match\":{\"operation\":\"GetKeys\"},\"action\":{\"status\":429,\"retryAfter\":1},"
    "\"probability\":0.02}",
    /* Certificates (certs.c): their lifecycle expects these cuts and finds out where the
     * certificate stands; a drop answers nothing, a truncation cuts an update that was made. */
    "{\"match\":{\"operation\":\"GetCertificates\"},\"action\":{\"status\":429,"
    "\"retryAfter\":1},\"probability\":0.02}",
    "{\"match\":{\"operation\":\"GetCertificateOperation\"},\"action\":{\"drop\":true},"
    "\"probability\":0.05}",
    "{\"match\":{\"operation\":\"UpdateCertificate\"},\"action\":{\"truncate\":true},"
    "\"probability\":0.05}",
    "{\"match\":{\"endpoint\":\"vault\"},\"action\":{\"status\":520,\"retryAfter\":1},"
    "\"probability\":0.005}",
    "{\"match\":{\"endpoint\":\"token\"},\"action\":{\"status\":521},\"probability\":0.01}",
    "{\"match\":{\"endpoint\":\"msi\"},\"action\":{\"status\":522},\"probability\":0.01}",
    "{\"match\":{\"endpoint\":\"graph\"},\"action\":{\"status\":523},\"probability\":0.02}",
    "{\"match\":{\"endpoint\":\"arm\"},\"action\":{\"status\":524},\"probability\":0.02}",
};

static enum soak_outcome control(struct soak_worker *w, enum soak_op op, const char *method,
                                 const char *path, const char *body, int expect, int also)
{
    struct soak_req q = {
        .op = op,
        .ep = EP_CONTROL,
        .host = HOST_MAIN,
        .method = method,
        .path = path,
        .body = body,
        .ctype = body ? JSON : NULL,
        .expect = {expect, also},
    };
    return soak_request(w, &q);
}

bool soak_faults_install(struct soak_worker *w)
{
    if (control(w, OP_MOCK_FAULTS_CLEAR, "DELETE", "/_mock/faults", NULL, 204, 0) != OUT_OK)
        return false;
    for (size_t i = 0; i < COUNT(fault_rules); i++)
        if (control(w, OP_MOCK_FAULT_ADD, "POST", "/_mock/faults", fault_rules[i], 201, 0) !=
            OUT_OK)
            return false;
    return true;
}

/* Adds a short-lived extra rule (three ARM faults), remembering its id for a later delete. */
static void extra_rule_add(struct soak_worker *w)
{
    struct soak_run *run = w->run;
    cJSON *j, *id;

    if (control(w, OP_MOCK_FAULT_ADD, "POST", "/_mock/faults",
                "{\"match\":{\"endpoint\":\"arm\"},\"action\":{\"status\":524},\"times\":3}", 201,
                0) != OUT_OK)
        return;
    j = cJSON_Parse(w->buf);
    id = cJSON_GetObjectItemCaseSensitive(j, "id");
    if (cJSON_IsNumber(id)) {
        atomic_store(&run->extra_rule_gen, w->sent_gen);
        atomic_store(&run->extra_rule_id, id->valueint);
    }
    cJSON_Delete(j);
}

/* Deletes that rule: 204, or 404 when a restart has dropped every rule since. */
static void extra_rule_delete(struct soak_worker *w)
{
    struct soak_run *run = w->run;
    int id = atomic_exchange(&run->extra_rule_id, 0);
    char path[64];

    if (id <= 0) {
        control(w, OP_MOCK_HEALTH, "GET", "/_mock/health", NULL, 200, 0);
        return;
    }
    snprintf(path, sizeof path, "/_mock/faults/%d", id);
    control(w, OP_MOCK_FAULT_DELETE, "DELETE", path, NULL, 204,
            atomic_load(&run->extra_rule_gen) != atomic_load(&run->gen) ? 404 : 0);
}

/* Moves the mock's clock past every token's expiry; the workers' tokens then get 401 and are
 * fetched again. */
static void clock_advance(struct soak_worker *w)
{
    struct soak_run *run = w->run;
    char body[64];
    struct soak_req q = {
        .op = OP_MOCK_CLOCK_SET,
        .ep = EP_CONTROL,
        .host = HOST_MAIN,
        .method = "POST",
        .path = "/_mock/clock",
        .body = body,
        .ctype = JSON,
        .expect = {200},
        .during_change = true,
    };

    snprintf(body, sizeof body, "{\"advance\":%d}", SOAK_TOKEN_LIFETIME + 10);
    atomic_fetch_add(&run->gen, 1);
    soak_request(w, &q);
    atomic_fetch_add(&run->gen, 1);
}

void soak_control(struct soak_worker *w, unsigned n)
{
    struct soak_run *run = w->run;

    switch (n % 12) {
    case 1:
        /* A throttling burst: many vault requests get 429 until the limits go back up. */
        control(w, OP_MOCK_THROTTLE_SET, "PUT", "/_mock/throttle", run->throttle_low, 200, 0);
        break;
    case 2: control(w, OP_MOCK_THROTTLE_GET, "GET", "/_mock/throttle", NULL, 200, 0); break;
    case 3: control(w, OP_MOCK_FAULTS_GET, "GET", "/_mock/faults", NULL, 200, 0); break;
    case 4:
        control(w, OP_MOCK_THROTTLE_SET, "PUT", "/_mock/throttle", run->throttle_normal, 200, 0);
        break;
    case 5: extra_rule_add(w); break;
    case 6: control(w, OP_MOCK_CLOCK_GET, "GET", "/_mock/clock", NULL, 200, 0); break;
    case 7: extra_rule_delete(w); break;
    case 8: clock_advance(w); break;
    case 9:
        control(w, OP_MOCK_REQUESTS_GET, "GET", "/_mock/requests?operation=SetSecret&status=409",
                NULL, 200, 0);
        break;
    case 10: soak_faults_install(w); break;
    default: control(w, OP_MOCK_HEALTH, "GET", "/_mock/health", NULL, 200, 0); break;
    }
}
