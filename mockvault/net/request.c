/* request.c: the request accessors handlers and reply use (query, headers, the mock clock's now,
 * form and JSON bodies). Kept apart from the libmicrohttpd callbacks in http.c, so that the files
 * that read a request depend on this leaf and not on the transport's entry points. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

const char *mv_req_query(struct mv_req *r, const char *key)
{
    /* MHD percent-decodes argument keys as well as values, so the JS SDK's "api%2Dversion"
     * arrives here as "api-version" (real-clients §3). */
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *mv_req_header(struct mv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int64_t mv_req_now(struct mv_req *r)
{
    /* One instant per request: every check of one request agrees on the time, and the clock's
     * lock is taken once rather than at every check. */
    if (r->now == 0)
        r->now = mv_clock_now(&r->srv->clock);
    return r->now;
}

struct form_ctx {
    mv_form_slot_fn slot;
    void *ctx;
    size_t max;
};

/* The post processor hands values over in chunks; append them. */
static enum MHD_Result form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    struct form_ctx *fc = cls;
    char **slot;
    size_t have;
    char *nv;

    /* A multipart part without a name arrives with no key at all. */
    if (!key)
        return MHD_YES;
    slot = fc->slot(fc->ctx, key);
    /* A repeated key: the first occurrence wins. */
    if (!slot || (off == 0 && *slot))
        return MHD_YES;
    have = *slot ? strlen(*slot) : 0;
    if (have + size > fc->max)
        return MHD_YES;
    nv = realloc(*slot, have + size + 1);
    if (!nv)
        return MHD_NO;
    memcpy(nv + have, data, size);
    nv[have + size] = '\0';
    *slot = nv;
    return MHD_YES;
}

void mv_req_form(struct mv_req *r, mv_form_slot_fn slot, void *ctx, size_t max)
{
    struct form_ctx fc = {slot, ctx, max};
    struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 4096, form_iter, &fc);

    /* NULL when the Content-Type is not a form: then every field is simply missing. */
    if (!pp)
        return;
    if (r->body_len)
        MHD_post_process(pp, r->body, r->body_len);
    MHD_destroy_post_processor(pp);
}

struct cJSON *mv_req_json(struct mv_req *r)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, 0);

    /* cJSON stops after the first value; "[] trailing" is not a JSON text (RFC 8259). */
    if (j && end && strspn(end, " \t\r\n") != (size_t)(r->body + r->body_len - end)) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

/* Every Key Vault data-plane api-version with a folder in azure-rest-api-specs
 * (specification/keyvault/data-plane/Microsoft.KeyVault/{stable,preview}/), plus the recorded
 * 2026-03-01-preview, in release order; a preview sits just before the release it preceded.
 * Replies gate fields on the rank (mv_api_version_at_least); docs/api-versions.md has the table
 * and the evidence of each. */
static const char *const api_versions[] = {
    "2015-06-01",
    "2016-10-01",
    "7.0-preview", /* folder preview/7.0 */
    "7.0",
    "7.1-preview", /* folder preview/7.1 */
    "7.1",
    "7.2-preview",
    "7.2",
    "7.3-preview",
    "7.3",
    "7.4-preview.1", /* azure-keyvault-keys 4.8 (Debian 12's python3-azure) sends it by default */
    "7.4",
    "7.5-preview.1",
    "7.5",
    "7.6-preview.1",
    "7.6-preview.2",
    "7.6",
    "2025-06-01-preview",
    "2025-06-01",         /* folder stable/2025-06-01, superseded by 2025-07-01 [UNC] */
    "2025-07-01-preview", /* keys.json only */
    "2025-07-01",
    "2026-01-01-preview",
    "2026-03-01-preview", /* recorded (.NET 4.11 alpha), no spec folder */
    NULL,
};

int mv_api_version_rank(const char *v)
{
    for (int i = 0; v && api_versions[i]; i++)
        if (strcmp(api_versions[i], v) == 0)
            return i;
    return -1;
}

bool mv_api_version_at_least(const char *v, const char *first)
{
    int rv = mv_api_version_rank(v), rf = mv_api_version_rank(first);

    return rv >= 0 && rf >= 0 && rv >= rf;
}
