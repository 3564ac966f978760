/* work.h: what the workload's files (work.c: secrets and the other families; keys.c: keys;
 * certs.c: certificates) share: the tokens a worker holds and the fixed requests it sends. */
#ifndef SOAK_WORK_H
#define SOAK_WORK_H

#include <cjson/cJSON.h>

#include "soak.h"

#define API "api-version=7.4"
#define JSON "application/json"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The tokens a worker holds, by principal and audience (the default fixture's, docs/fixtures.md).
 */
enum tk {
    TK_NONE = -1,
    TK_ADMIN,          /* mockvault-admin, v2, Key Vault: every permission on both vaults */
    TK_ADMIN_V1,       /* the same from the v1 endpoint */
    TK_FLOW,           /* automation-flow: get on demo, Secrets User of app-config on rbac-demo */
    TK_NOACCESS,       /* no-access-app: in no policy or role */
    TK_GRAPHAPP_VAULT, /* graph-reader for Key Vault: in no policy */
    TK_GRAPHAPP_GRAPH, /* graph-reader for Graph: User.Read.All */
    TK_ADMIN_GRAPH,    /* mockvault-admin for Graph: no Graph role */
    TK_ADMIN_ARM,      /* mockvault-admin for ARM */
    TK_VM_IMDS,        /* vm-identity (system-assigned) from IMDS: get and list on demo */
    TK_APP_SERVICE,    /* app-identity (user-assigned) from App Service: get and list */
    TK_CLOUD_SHELL,    /* vm-identity from the Cloud Shell endpoint */
    TK_COUNT
};

/* One fixed request: the token it carries and what it expects. */
struct action {
    int tk; /* enum tk: the token sent, or TK_NONE */
    struct soak_req q;
};

#define ACT(tk_, ep_, host_, op_, method_, path_, body_, cut_, ...)                                \
    {                                                                                              \
        (tk_),                                                                                     \
        {                                                                                          \
            .op = (op_), .ep = (ep_), .host = (host_), .method = (method_), .path = (path_),       \
            .body = (body_), .ctype = (body_) ? JSON : NULL, .expect = {__VA_ARGS__},              \
            .may_cut = (cut_),                                                                     \
        }                                                                                          \
    }
#define VA(tk_, host_, op_, method_, path_, ...)                                                   \
    ACT(tk_, EP_VAULT, host_, op_, method_, path_, NULL, false, __VA_ARGS__)

/* Gives q the worker's token of kind tk, fetching one first when it has none or it is near
 * expiry. Returns OUT_OK when q carries a token, else how the token request ended. */
enum soak_outcome soak_use_token(struct soak_worker *w, int tk, struct soak_req *q);
/* Forgets the worker's token of kind tk (a 401 said it is stale). */
void soak_drop_token(struct soak_worker *w, int tk);
/* Sends a lifecycle step's q as the admin app, fetching a token when needed and dropping one a
 * 401 found stale. On an expected 200, *j is its parsed body (the caller deletes it), else NULL. */
enum soak_outcome soak_send_admin(struct soak_worker *w, struct soak_req *q, cJSON **j);
/* The same with the worker's token of kind tk (enum tk). */
enum soak_outcome soak_send_as(struct soak_worker *w, int tk, struct soak_req *q, cJSON **j);
/* Sends a fixed request with its token. */
enum soak_outcome soak_run_action(struct soak_worker *w, const struct action *a);

/* keys.c: the keys family's part of the workload. */
struct soak_keys; /* a worker's own keys */
int soak_keys_init(struct soak_worker *w);
void soak_keys_finish(struct soak_worker *w);
/* One step of the lifecycle of the worker's own keys. */
enum soak_outcome soak_keys_life_step(struct soak_worker *w);
/* One fixed keys request (principals, denials, crypto on the fixture's keys). */
enum soak_outcome soak_keys_fixed_step(struct soak_worker *w);

/* certs.c: the certificates family's part of the workload. */
struct soak_certs; /* a worker's own certificates */
int soak_certs_init(struct soak_worker *w);
void soak_certs_finish(struct soak_worker *w);
/* One step of the lifecycle of the worker's own certificates. */
enum soak_outcome soak_certs_life_step(struct soak_worker *w);
/* One fixed certificates request (principals, denials, contacts and issuers). */
enum soak_outcome soak_certs_fixed_step(struct soak_worker *w);

#endif
