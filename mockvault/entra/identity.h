/* identity.h: what the Entra ID endpoints share with the other token issuers (managed identity):
 * the token itself and the resources tokens may be issued for. */
#ifndef MV_IDENTITY_H
#define MV_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

/* Signs the token with the mock's key. Returns the compact JWT (caller frees), or NULL. */
char *mv_identity_issue_token(struct mv_server *srv, const struct mv_token_spec *t);

/* True for resources the mock issues tokens for: Key Vault (public name, app id, or a mock host's
 * challenge resource), ARM, Graph. */
bool mv_identity_resource_known(const char *resource);

#endif
