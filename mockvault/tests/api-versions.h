/* api-versions.h: the api-versions the mock must serve, written once for the suites that check
 * them (test-router.c: mv_api_version_supported; test-http-api-versions.c: a request with each).
 * Every version with a folder in azure-rest-api-specs (docs/api-versions.md), in release order
 * (test-http-api-versions.c relies on it: from index 4, 7.1-preview, secrets have recoverableDays).
 * Deliberately not taken from the server's own table (net/request.c): a test that read the list
 * from it could not fail when a version is dropped there. */
#ifndef MV_TEST_API_VERSIONS_H
#define MV_TEST_API_VERSIONS_H

#include <stddef.h>

static const char *const mvt_api_versions[] = {
    "2015-06-01",
    "2016-10-01",
    "7.0-preview",
    "7.0",
    "7.1-preview",
    "7.1",
    "7.2-preview",
    "7.2",
    "7.3-preview",
    "7.3",
    "7.4-preview.1",
    "7.4",
    "7.5-preview.1",
    "7.5",
    "7.6-preview.1",
    "7.6-preview.2",
    "7.6",
    "2025-06-01-preview",
    "2025-06-01",
    "2025-07-01-preview",
    "2025-07-01",
    "2026-01-01-preview",
    "2026-03-01-preview",
};
#define MVT_N_API_VERSIONS (sizeof mvt_api_versions / sizeof mvt_api_versions[0])

#endif
