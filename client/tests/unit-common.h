/* unit-common.h: what the test-unit-*.c suites share. Together they are the unit tests of
 * libkvclient's internals (kv-int.h) that need no server: backoff and full jitter, retryable
 * statuses, Retry-After parsing, the challenge parser and resource check (spec/real-clients.md
 * §3, A.2, B.2), token freshness, the secret JSON shapes (spec/keyvault-secrets.md §1), error
 * mapping (§2 and Entra bodies), URLs, buffers and the status names. */
#ifndef KV_UNIT_COMMON_H
#define KV_UNIT_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kv-int.h"

/* Runs every test of s (taking it) for main(); CK_FORK, CK_RUN_SUITE and CK_RUN_CASE work as Check
 * documents them. Returns EXIT_SUCCESS when none failed. */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
