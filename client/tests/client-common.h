/* client-common.h: what the test-client-*.c suites share. Together they test libkvclient against
 * the real mock embedded on a loopback port (port 0), over real TLS with the mock's CA, through
 * the public header only. Every test starts its own mock.
 *
 * The vault is https://demo.localhost:PORT (libcurl resolves *.localhost to loopback); the mock's
 * challenge for that host names resource https://localhost:PORT, which passes the resource check
 * (spec/real-clients.md A.2). Identities are those of fixtures/default.json: the admin app (all
 * permissions), the automation flow (get only; also a certificate credential), an app with no
 * access, and the managed identities vm-identity (system-assigned) and app-identity.
 *
 * Covered: all 13 operations; not found, disabled, denied (no retries), expired and not yet valid,
 * the soft-delete conflict, backup and restore; the token cache (reuse, one fetch for 8 threads,
 * expiry through the mock clock, a forced refresh on a 401); one challenge per client; paging over
 * several pages; connection reuse; resource and tenant checks; the proxy mode with the real Azure
 * names; static tokens, the environment chain, managed identity (App Service and IMDS) and the
 * certificate credential; that traces and error messages never hold values, tokens or client
 * secrets. Values and tokens are never printed, also not on failure. */
#ifndef KV_CLIENT_COMMON_H
#define KV_CLIENT_COMMON_H

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cx-version.h"
#include "kvclient.h"
#include "kvtest.h"
#include "testlib.h"

#define FLOW_SECRET_NAME "graph-app-secret"
#define FLOW_SECRET_VALUE "graph-app-client-secret-v2"
#define DISABLED_V1 "1111aaaa1111aaaa1111aaaa1111aaaa"
#define LATEST_V2 "2222bbbb2222bbbb2222bbbb2222bbbb"
#define UA_MI_ID "99999999-9999-9999-9999-999999999999"
#define ID_HEADER "kvt-identity-header"

/* The running test's mock (client-common.c owns it; the fixture starts and stops it). */
extern struct mv_server *srv;

/* A test case with the fixture every test here uses (a mock of its own, a clean environment)
 * and a timeout long enough for valgrind. */
TCase *client_tcase(const char *name);
/* A kv_error with nothing in it. */
struct kv_error fresh_err(void);
/* Reads a pager to the end; returns the item count and checks each item. */
unsigned drain(struct kv_pager *pg, const char *what, char names[][64], unsigned max);

#endif
