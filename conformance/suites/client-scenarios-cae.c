/* client-scenarios-cae.c: the continuous access evaluation scenario of `kvconform client` (issue
 * 15, spec/identity.md §7, docs/cae.md): the client's principal is revoked mid-run, and the
 * client must go on working. Listed in the table of client-scenarios.c.
 *
 * What the mock does: a token minted before the revocation by a client that declared capability
 * cp1 in its token request (every Key Vault SDK with CAE does) gets the 401 claims challenge; a
 * token minted after it works. A client without cp1 is not challenged, as on the service. So a
 * passing client either was never challenged, or answered the one challenge with one new token
 * and one retry. A client that resends its cached token (the SDK without CAE support, whose token
 * cache hands back the same token unless claims are passed) fails, as does one that loops. */
#include <stdio.h>
#include <string.h>

#include "cx-mem.h"
#include "kvc-client.h"

#define MAXJ KVCC_MAXJ
#define SECRET "db-password"

/* The secret's value as the admin app reads it (watched in the client's log). */
static bool value_of(struct kvcc_sc *s, const char *name, char *out, size_t n)
{
    char path[256];
    struct kvc_resp r;

    snprintf(path, sizeof path, "/secrets/%s", name);
    if (kvcc_vault("GET", path, NULL, &r) != 200) {
        kvcc_fail(s, "setup: GET %s answered %ld (is the mock's default fixture loaded?)", path,
                  r.status);
        kvc_resp_free(&r);
        return false;
    }
    snprintf(out, n, "%s", kvc_jstr(r.json, "value"));
    kvcc_watch(s, out);
    cx_wipe(r.body, r.len);
    kvc_resp_free(&r);
    return true;
}

/* A get that must succeed with the right value. */
static bool get_ok(struct kvcc_sc *s, const char *what, const char *want)
{
    char d[200];
    cJSON *a = kvcc_cmd(s, "get %s", SECRET);

    if (!a)
        return false;
    if (!kvcc_ok(a))
        return kvcc_fail(s, "%s: expected success, got %s", what, kvcc_describe(a, d, sizeof d));
    if (strcmp(kvcc_str(a, "value"), want) != 0)
        return kvcc_fail(s, "%s: the value returned is not the secret's value", what);
    return true;
}

void kvcc_sc_token_revoked(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ], t[MAXJ];
    char value[512], path[160], st[256];
    int n, nt, challenged = 0;

    if (!value_of(s, SECRET, value, sizeof value) ||
        !kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        goto out;
    if (!get_ok(s, "warm-up get " SECRET, value))
        goto out;
    EXPECT_GOTO(s, kvcc_control("DELETE", "/_mock/requests", NULL, NULL) == 204, out,
                "setup: the journal could not be cleared");
    snprintf(path, sizeof path, "/_mock/principals/%s/revoke", s->client_id);
    EXPECT_GOTO(s, kvcc_control("POST", path, NULL, NULL) == 200, out,
                "setup: POST %s failed (a mock without continuous access evaluation?)", path);
    if (!get_ok(s, "get " SECRET " after the app was revoked", value))
        goto out;
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT_GOTO(s, n >= 1 && e[n - 1].status == 200, out, "attempts seen: %s",
                kvcc_statuses(e, n, st, sizeof st));
    for (int i = 0; i < n; i++)
        challenged += strcmp(e[i].error_code, "insufficient_claims") == 0;
    /* One challenge, one retry: never a loop, never the same revoked token twice. */
    EXPECT_GOTO(s, n == 1 + challenged && challenged <= 1, out,
                "attempts seen: %s (want 200, or 401 insufficient_claims then 200)",
                kvcc_statuses(e, n, st, sizeof st));
    nt = kvcc_attempts(s, "Token", t);
    if (challenged) {
        EXPECT_GOTO(s, nt >= 1 && t[0].time >= e[0].time && t[0].time <= e[1].time, out,
                    "the retry after the claims challenge came without a new token request");
        EXPECT_GOTO(s, nt == 1, out, "%d token requests to answer one claims challenge", nt);
    }
    /* Later calls go on with the new token: no further challenge, no further token. */
    if (!get_ok(s, "second get " SECRET " after the revocation", value))
        goto out;
    n = kvcc_attempts(s, "GetSecret", e);
    EXPECT_GOTO(s, e[n - 1].status == 200 && n == 2 + challenged, out, "attempts seen: %s",
                kvcc_statuses(e, n, st, sizeof st));
    snprintf(s->detail, sizeof s->detail, "%s",
             challenged ? "401 claims challenge, one token request with its claims, one retry: 200"
                        : "not challenged: the client's token declared no cp1 capability");
out:
    cx_wipe(value, sizeof value);
}
