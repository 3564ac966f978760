/* identity.h: what the Entra ID endpoints share with the other token issuers (managed identity):
 * the token itself and the resources tokens may be issued for. */
#ifndef MV_IDENTITY_H
#define MV_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

struct mv_req;
struct mv_server;

/* What goes into a v1-shaped access token (spec/identity.md §2.1). */
struct mv_token_spec {
    const char *tenant_id;
    const char *appid;        /* client id of the app or managed identity */
    const char *oid;          /* object id of its service principal */
    const char *resource;     /* becomes "aud" */
    const char *appidacr;     /* "1" client secret, "2" certificate or managed identity */
    const char *const *roles; /* Graph application roles; put in "roles" for Graph only */
    size_t nroles;
    const char *mirid; /* xms_mirid of a user-assigned managed identity, or NULL */
    int64_t iat;       /* also nbf */
    int64_t exp;
    int64_t stamp_now; /* the mock clock's now, for the issue stamp in uti (model/revoke.h) */
    bool cp1;          /* the client declared capability cp1: "xms_cc":["cp1"] */
};

/* Signs the token with the mock's key. Returns the compact JWT (caller frees), or NULL. */
char *mv_identity_issue_token(struct mv_server *srv, const struct mv_token_spec *t);

/* True for resources the mock issues tokens for: Key Vault (public name, app id, or a mock host's
 * challenge resource), ARM, Graph. */
bool mv_identity_resource_known(const char *resource);

/* Shared by the token endpoints and the discovery documents (discovery.c). */
/* The authority base for URLs inside documents: the Azure name in proxy mode, else the request's
 * own scheme://host:port (msal-node validates the issuer against the authority it used). */
void mv_identity_authority_base(const struct mv_req *r, char *out, size_t n);
/* Tenant lookup by id or domain; copies id and domain out. False when there is none. */
bool mv_identity_find_tenant(struct mv_req *r, const char *t, char id[64], char domain[256]);
/* Entra's 400 for an unknown tenant (AADSTS90002) with error code error. */
enum MHD_Result mv_identity_tenant_not_found(struct mv_req *r, const char *error, const char *t);

#endif
