/* errors-common.h: what the test-http-errors-*.c suites share. Together they test the error rows
 * of spec/keyvault-secrets.md §2 and the challenge of §3, over real HTTPS against the embedded
 * server, plus the mock's own 404/405/413 answers and robustness against oversized input
 * (DESIGN.md §3, §4). After every refused write the whole store (GET /_mock/state) must be
 * unchanged.
 *
 * Tokens are never printed: failures report statuses and error codes only. */
#ifndef MV_ERRORS_COMMON_H
#define MV_ERRORS_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcheck.h"
#include "admin-fixture.h"
#include "testlib.h"

#define DEMO "demo.localhost"

#endif
