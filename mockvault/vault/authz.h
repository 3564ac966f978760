/* authz.h: who may do what in a vault: access policies and RBAC role assignments (DESIGN.md §6),
 * the real 403 bodies, one log line explaining each denial, and the record of the permissions
 * each principal actually used (GET /_mock/authz/needed). */
#ifndef MV_AUTHZ_H
#define MV_AUTHZ_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "http.h"

struct mv_authz_usage;

struct mv_authz_usage *mv_authz_usage_create(void);
void mv_authz_usage_destroy(struct mv_authz_usage *u); /* accepts NULL */
void mv_authz_usage_clear(struct mv_authz_usage *u);

/* Decides whether the request's principal (r->appid, r->oid, r->tid from a validated token) may
 * run r->operation on r->vault (secret name in r->cap[0] where the operation has one). Under
 * --authz enforce a refusal is answered with the real 403 body and false is returned; under audit
 * the would-be denial is logged and the request goes on. Every decision that lets the request
 * through is recorded for mv_authz_needed. */
bool mv_authz_vault_or_reply(struct mv_req *r);

/* {"principals":[{"oid","appid","displayName","vaults":[{"vault","permissionModel",
 * "secretPermissions":[...],"roleAssignments":[{"role","scope"}]}]}]}: per principal, the smallest
 * access-policy permissions and RBAC role assignments that would have allowed everything it did.
 * Caller frees with cJSON_Delete. */
cJSON *mv_authz_needed(struct mv_server *srv);

/* The access-policy permission name an operation needs ("get"); NULL for operations that need
 * none. */
const char *mv_authz_perm_name(const struct mv_op *op);

/* What the console offers for editing (GET /_mock/summary): family f's word in access policies
 * ("secrets", "keys") and its permission names (NULL-terminated), false for MV_FAMILY_NONE or
 * past the last family; and the built-in role names, i from 0, NULL past the last. */
bool mv_authz_family(enum mv_family f, const char **word, const char *const **perms);
const char *mv_authz_role_name(size_t i);

#endif
