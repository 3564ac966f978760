/* consist.c: /_mock/consistency, the control side of --consistency and --paging
 * (docs/consistency.md): the settings, the transitions readers do not see yet, and settling them.
 * POST /_mock/reset goes back to the options' values (control.c). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consistency.h"
#include "http.h"
#include "op.h"
#include "reply.h"

/* The family's name in the view; a family without a name here shows as "objtype-N". */
static const char *const type_names[MV_OBJ_COUNT] = {
    [MV_OBJ_SECRET] = "secret",
    [MV_OBJ_KEY] = "key",
    [MV_OBJ_CERT] = "certificate",
};

static enum MHD_Result reply_consistency(struct mv_req *r)
{
    struct mv_consist_config c;
    struct mv_cx_pending *p = NULL;
    size_t n = mv_consist_list(r->srv->consist, &p);
    double now = mv_clock_nowf(&r->srv->clock);
    cJSON *o = cJSON_CreateObject(), *d, *arr;
    char tname[32];

    if (n == (size_t)-1)
        return mv_reply_kv_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                 "Out of memory.");
    mv_consist_get(r->srv->consist, &c);
    cJSON_AddStringToObject(o, "mode", c.azure ? "azure" : "instant");
    d = cJSON_AddObjectToObject(o, "delayMs");
    cJSON_AddNumberToObject(d, "min", c.min_ms);
    cJSON_AddNumberToObject(d, "max", c.max_ms);
    cJSON_AddStringToObject(o, "paging", c.paging_azure ? "azure" : "off");
    arr = cJSON_AddArrayToObject(o, "pending");
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (p[i].type < MV_OBJ_COUNT && type_names[p[i].type])
            snprintf(tname, sizeof tname, "%s", type_names[p[i].type]);
        else
            snprintf(tname, sizeof tname, "objtype-%d", (int)p[i].type);
        cJSON_AddStringToObject(e, "vault", p[i].vault);
        cJSON_AddStringToObject(e, "type", tname);
        cJSON_AddStringToObject(e, "name", p[i].name);
        cJSON_AddStringToObject(e, "kind", mv_cx_kind_name(p[i].kind));
        cJSON_AddNumberToObject(e, "since", p[i].since);
        cJSON_AddNumberToObject(e, "due", p[i].due);
        /* Whole milliseconds of mock time left: the clock may be frozen or moved. */
        cJSON_AddNumberToObject(e, "remainingMs", ceil((p[i].due - now) * 1000.0));
        cJSON_AddItemToArray(arr, e);
    }
    free(p);
    return mv_reply_json(r, MHD_HTTP_OK, o);
}

static enum MHD_Result h_get(struct mv_req *r)
{
    return reply_consistency(r);
}

/* A whole number of milliseconds in [0, MV_CX_DELAY_LIMIT_MS]. */
static bool ms_ok(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= MV_CX_DELAY_LIMIT_MS &&
           v->valuedouble == floor(v->valuedouble);
}

static bool word_ok(const cJSON *v, const char *a, const char *b)
{
    return cJSON_IsString(v) && (strcmp(v->valuestring, a) == 0 || strcmp(v->valuestring, b) == 0);
}

/* PUT /_mock/consistency {"mode":"azure"|"instant","delayMs":{"min":MS,"max":MS},
 * "paging":"azure"|"off"}: every key optional, the rest kept. Switching to instant settles what is
 * pending. */
static enum MHD_Result h_put(struct mv_req *r)
{
    static const char usage[] =
        "Body: {\"mode\":\"azure\"|\"instant\",\"delayMs\":{\"min\":0-600000,\"max\":0-600000},"
        "\"paging\":\"azure\"|\"off\"}; every key is optional, min <= max.";
    cJSON *j = mv_req_json(r);
    const cJSON *k, *mode, *delay, *paging, *mn = NULL, *mx = NULL;
    struct mv_consist_config c;
    int ok;

    if (!cJSON_IsObject(j))
        goto bad;
    cJSON_ArrayForEach(k, j)
        if (strcmp(k->string, "mode") != 0 && strcmp(k->string, "delayMs") != 0 &&
            strcmp(k->string, "paging") != 0)
            goto bad;
    mode = cJSON_GetObjectItemCaseSensitive(j, "mode");
    delay = cJSON_GetObjectItemCaseSensitive(j, "delayMs");
    paging = cJSON_GetObjectItemCaseSensitive(j, "paging");
    if ((mode && !word_ok(mode, "azure", "instant")) ||
        (paging && !word_ok(paging, "azure", "off")))
        goto bad;
    mv_consist_get(r->srv->consist, &c);
    if (delay) {
        if (!cJSON_IsObject(delay))
            goto bad;
        mn = cJSON_GetObjectItemCaseSensitive(delay, "min");
        mx = cJSON_GetObjectItemCaseSensitive(delay, "max");
        if (cJSON_GetArraySize(delay) != 2 || !ms_ok(mn) || !ms_ok(mx) ||
            mn->valuedouble > mx->valuedouble)
            goto bad;
        c.min_ms = (unsigned)mn->valuedouble;
        c.max_ms = (unsigned)mx->valuedouble;
    }
    if (mode)
        c.azure = strcmp(mode->valuestring, "azure") == 0;
    if (paging)
        c.paging_azure = strcmp(paging->valuestring, "azure") == 0;
    mv_consist_set(r->srv->consist, &c);
    ok = reply_consistency(r);
    goto out;
bad:
    ok = mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL, "%s", usage);
out:
    cJSON_Delete(j);
    return ok;
}

/* POST /_mock/consistency/settle: every pending transition completes now (the clock is left
 * alone). */
static enum MHD_Result h_settle(struct mv_req *r)
{
    mv_consist_settle(r->srv->consist);
    return reply_consistency(r);
}

/* clang-format off */
const struct mv_op mv_consist_ops[] = {
    MV_OP("GET", "/_mock/consistency", h_get, "MockConsistencyGet", MV_KIND_CONTROL, false),
    MV_OP("PUT", "/_mock/consistency", h_put, "MockConsistencySet", MV_KIND_CONTROL, true),
    MV_OP("POST", "/_mock/consistency/settle", h_settle, "MockConsistencySettle", MV_KIND_CONTROL, false),
    MV_OP_END,
};
/* clang-format on */
