/* secrets-common.h: what the test-http-secrets-*.c suites share. Together they test the 13 Key
 * Vault secret operations over real HTTPS against the embedded server (spec/keyvault-secrets.md
 * §1 operations, §2 secret-state errors, §4 headers, §6 soft delete; DESIGN.md §5). Every test
 * starts its own server on fixtures/default.json (port 0), so tests are independent.
 *
 * Ids in bodies are checked against the host and port the client used (the spec's "no port"
 * describes the real service on 443; the mock must answer with what the client can reach). */
#ifndef MV_SECRETS_COMMON_H
#define MV_SECRETS_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>

#include "httpcheck.h"
#include "admin-fixture.h"
#include "testlib.h"

#define DEMO "demo.localhost"
#define RBAC "rbac-demo.localhost"

/* A vault request with the admin token and api-version HC_API (or api when not NULL). */
void kv_api(const char *method, const char *host, const char *path, const char *api,
            const char *body, struct mvt_resp *r);
void kv(const char *method, const char *host, const char *path, const char *body,
        struct mvt_resp *r);
/* The version segment of a versioned id (borrowed from the JSON). */
const char *id_version(const cJSON *j);
/* Body of a GET response after the leading {"value":"<value>", so it can be compared with the
 * value-less shapes (update, delete, recover, restore). */
const char *after_value(const struct mvt_resp *r, const char *value);

#endif
