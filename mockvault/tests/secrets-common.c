/* secrets-common.c: the request helpers of the test-http-secrets-*.c suites
 * (secrets-common.h). */
#include "secrets-common.h"

#include <stdio.h>
#include <string.h>

/* A vault request with the admin token and api-version HC_API (or api when not NULL). */
void kv_api(const char *method, const char *host, const char *path, const char *api,
            const char *body, struct mvt_resp *r)
{
    char p[1024];
    hc_req(srv, method, host, hc_path(p, sizeof p, path, api), tok, NULL, body, r);
}

void kv(const char *method, const char *host, const char *path, const char *body,
        struct mvt_resp *r)
{
    kv_api(method, host, path, NULL, body, r);
}

/* The version segment of a versioned id (borrowed from the JSON). */
const char *id_version(const cJSON *j)
{
    const char *id = hc_jstr(j, "id");
    const char *slash = id ? strrchr(id, '/') : NULL;
    return slash ? slash + 1 : "";
}

/* Body of a GET response after the leading {"value":"<value>", so it can be compared with the
 * value-less shapes (update, delete, recover, restore). */
const char *after_value(const struct mvt_resp *r, const char *value)
{
    char prefix[256];
    size_t n = (size_t)snprintf(prefix, sizeof prefix, "{\"value\":\"%s\",", value);

    ck_assert_msg(strncmp(r->body, prefix, n) == 0, "GET body does not start with \"value\"");
    return r->body + n;
}
