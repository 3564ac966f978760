/* client-scenarios-realism.c: the client scenarios of the service as it really behaves
 * (docs/consistency.md): a delete and a recover that become visible only after a delay, the name of
 * a purged secret that cannot be reused at once, and short and empty pages that still carry a
 * nextLink. Each turns the mock's realism on through /_mock/consistency before the adapter starts
 * (POST /_mock/reset, before every scenario, turns it off again). Listed in the table of
 * client-scenarios.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvc-client.h"

/* The recorded lag is 1 to 5 s; a narrower range keeps the scenarios short while every SDK poller
 * still meets at least one 404. */
#define AZURE_MODE "{\"mode\":\"azure\",\"delayMs\":{\"min\":1500,\"max\":2500}}"

/* Turns the realism on and creates the scenario's secret (as the grader, before the adapter). */
static bool setup(struct kvcc_sc *s, const char *mode, const char *name, const char *value)
{
    char path[128], body[128];
    long st = kvcc_control("PUT", "/_mock/consistency", mode, NULL);

    if (st != 200)
        return kvcc_fail(s, "setup: PUT /_mock/consistency answered %ld", st);
    if (!name)
        return true;
    snprintf(path, sizeof path, "/secrets/%s", name);
    snprintf(body, sizeof body, "{\"value\":\"%s\"}", value);
    kvcc_watch(s, value);
    st = kvcc_vault("PUT", path, body, NULL);
    if (st != 200)
        return kvcc_fail(s, "setup: PUT %s answered %ld", path, st);
    return true;
}

/* How many of the adapter's requests of operation answered status. */
static int count_status(struct kvcc_sc *s, const char *operation, long status)
{
    struct kvcc_entry e[KVCC_MAXJ];
    int n = kvcc_attempts(s, operation, e), k = 0;

    for (int i = 0; i < n; i++)
        k += e[i].status == status;
    return k;
}

/* delete, recover, get with --consistency azure: a client must wait for the delete to be visible
 * before it recovers (otherwise 409 ObjectIsBeingDeleted) and for the recover before it reads
 * (otherwise 404), as the SDK pollers do by polling GET /deletedsecrets/N and GET /secrets/N. */
void kvcc_sc_eventual_delete_recover(struct kvcc_sc *s)
{
    char name[48], value[64], hex[17], d[256];
    const cJSON *a;

    kvcc_random_hex(hex, 8);
    snprintf(name, sizeof name, "kvc-lag-%s", hex);
    snprintf(value, sizeof value, "kvc-lag-value-%s", hex);
    if (!setup(s, AZURE_MODE, name, value) || !kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    a = kvcc_cmd(s, "delete %s", name);
    EXPECT(s, a && kvcc_ok(a), "delete: %s", kvcc_describe(a, d, sizeof d));
    a = kvcc_cmd(s, "recover %s", name);
    EXPECT(s, a && kvcc_ok(a),
           "recover right after the delete returned: %s (a client must wait until GET "
           "/deletedsecrets/%s answers 200)",
           kvcc_describe(a, d, sizeof d), name);
    a = kvcc_cmd(s, "get %s", name);
    EXPECT(s, a && kvcc_ok(a),
           "get right after the recover returned: %s (a client must wait until GET /secrets/%s "
           "answers 200)",
           kvcc_describe(a, d, sizeof d), name);
    EXPECT(s, strcmp(kvcc_str(a, "value"), value) == 0, "get after recover: another value");
    snprintf(s->detail, sizeof s->detail,
             "delete waited through %d 404s of GET /deletedsecrets, recover through %d of GET "
             "/secrets",
             count_status(s, "GetDeletedSecret", 404), count_status(s, "GetSecret", 404));
}

/* delete, purge, set of the same name with --consistency azure: the purge must come after the
 * delete is visible (otherwise 409 ObjectIsBeingDeleted); a set right after the purge either works
 * (the purge completed) or is refused with 409 Conflict / ObjectIsBeingDeleted, which the client
 * must surface as such so that the application can retry; once the purge completes the set works
 * and the new value reads back. */
void kvcc_sc_purge_recreate(struct kvcc_sc *s)
{
    char name[48], value[64], value2[64], hex[17], d[256];
    const char *refused = "accepted at once";
    const cJSON *a;

    kvcc_random_hex(hex, 8);
    snprintf(name, sizeof name, "kvc-purge-%s", hex);
    snprintf(value, sizeof value, "kvc-purge-value-%s", hex);
    snprintf(value2, sizeof value2, "kvc-purge-again-%s", hex);
    if (!setup(s, AZURE_MODE, name, value) || !kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    a = kvcc_cmd(s, "delete %s", name);
    EXPECT(s, a && kvcc_ok(a), "delete: %s", kvcc_describe(a, d, sizeof d));
    a = kvcc_cmd(s, "purge %s", name);
    EXPECT(s, a && kvcc_ok(a),
           "purge right after the delete returned: %s (a client must wait until the delete "
           "is visible: GET /deletedsecrets/%s answers 200)",
           kvcc_describe(a, d, sizeof d), name);
    a = kvcc_cmd(s, "set %s %s", name, value2);
    if (!a)
        return;
    if (!kvcc_ok(a)) {
        if (!kvcc_failed_with(s, a, "set right after the purge", 409, "Conflict",
                              "ObjectIsBeingDeleted"))
            return;
        refused = "refused with 409 Conflict/ObjectIsBeingDeleted";
        EXPECT(s, kvcc_control("POST", "/_mock/consistency/settle", NULL, NULL) == 200,
               "POST /_mock/consistency/settle failed");
        a = kvcc_cmd(s, "set %s %s", name, value2);
        EXPECT(s, a && kvcc_ok(a), "set after the purge completed: %s",
               kvcc_describe(a, d, sizeof d));
    }
    a = kvcc_cmd(s, "get %s", name);
    EXPECT(s, a && kvcc_ok(a), "get of the re-created secret: %s", kvcc_describe(a, d, sizeof d));
    EXPECT(s, strcmp(kvcc_str(a, "value"), value2) == 0, "get of the re-created secret: old value");
    snprintf(s->detail, sizeof s->detail, "purge after the delete completed; set right after: %s",
             refused);
}

#define SHORT_SECRETS 30 /* + the fixture's 6 live secrets: two pages of 25 or more */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks the vault's list as the grader: the names, and whether a page with a nextLink was short
 * (fewer than 25) or empty. False (scenario failed) when the walk fails. */
static bool grader_walk(struct kvcc_sc *s, char **names, size_t max, size_t *n, int *shorts,
                        int *empties)
{
    char path[2048] = "/secrets";

    *n = 0;
    *shorts = *empties = 0;
    for (int page = 0; page < 200 && path[0]; page++) {
        struct kvc_resp r;
        const cJSON *it, *next;
        int size;
        if (kvcc_vault("GET", path, NULL, &r) != 200) {
            kvc_resp_free(&r);
            return kvcc_fail(s, "setup: listing the vault failed");
        }
        size = cJSON_GetArraySize(kvc_jget(r.json, "value"));
        cJSON_ArrayForEach(it, kvc_jget(r.json, "value")) {
            const char *id = kvc_jstr(it, "id"), *slash = strrchr(id, '/');
            if (*n < max)
                names[(*n)++] = strdup(slash ? slash + 1 : id);
        }
        next = kvc_jget(r.json, "nextLink");
        path[0] = '\0';
        if (cJSON_IsString(next) && next->valuestring[0]) {
            const char *q = strstr(next->valuestring, "/secrets");
            *shorts += size > 0 && size < 25;
            *empties += size == 0;
            if (q)
                snprintf(path, sizeof path, "%s", q);
        }
        kvc_resp_free(&r);
    }
    return true;
}

/* list with --paging azure: pages are short or empty yet carry a nextLink, and the last is
 * {"value":[],"nextLink":null}; a client must follow nextLink to the end and return every secret
 * once. A client that takes an empty or short page for the end of the list misses secrets. */
void kvcc_sc_short_pages(struct kvcc_sc *s)
{
    char *want[256], *have[256], d[256];
    size_t nw = 0, nh = 0;
    int shorts = 0, empties = 0;
    const cJSON *it, *a;

    for (int i = 0; i < SHORT_SECRETS; i++) {
        char p[64], body[96];
        snprintf(p, sizeof p, "/secrets/kvc-short-%02d", i);
        snprintf(body, sizeof body, "{\"value\":\"kvc-short-value-%02d\"}", i);
        EXPECT(s, kvcc_vault("PUT", p, body, NULL) == 200, "setup: PUT %s failed", p);
    }
    if (!setup(s, "{\"paging\":\"azure\"}", NULL, NULL) ||
        !grader_walk(s, want, 256, &nw, &shorts, &empties))
        goto out;
    if (empties == 0 || shorts == 0) {
        kvcc_fail(s, "setup: the mock's pages were not short (%d) and empty (%d) as expected",
                  shorts, empties);
        goto out;
    }
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        goto out;
    a = kvcc_cmd(s, "list");
    if (!a)
        goto out;
    if (!kvcc_ok(a)) {
        kvcc_fail(s, "list: %s", kvcc_describe(a, d, sizeof d));
        goto out;
    }
    cJSON_ArrayForEach(it, kvc_jget(a, "items")) {
        if (nh < sizeof have / sizeof have[0])
            have[nh++] = strdup(kvcc_str(it, "name"));
    }
    qsort(want, nw, sizeof want[0], cmp_str);
    qsort(have, nh, sizeof have[0], cmp_str);
    if (nh != nw) {
        kvcc_fail(s,
                  "list returned %zu secrets, the vault has %zu (%d short and %d empty pages "
                  "carried a nextLink)",
                  nh, nw, shorts, empties);
        goto out;
    }
    for (size_t i = 0; i < nw; i++) {
        if (!want[i] || !have[i] || strcmp(want[i], have[i]) != 0) {
            kvcc_fail(s, "list: '%s' missing or unexpected", want[i] ? want[i] : "?");
            goto out;
        }
    }
    snprintf(s->detail, sizeof s->detail,
             "%zu secrets over %d list requests, through %d short and %d empty pages", nh,
             count_status(s, "GetSecrets", 200), shorts, empties);
out:
    for (size_t i = 0; i < nw; i++)
        free(want[i]);
    for (size_t i = 0; i < nh; i++)
        free(have[i]);
}
