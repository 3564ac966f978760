/* client-scenarios-certs.c: the certificate scenarios of `kvconform client` (issue 11): whether a
 * client polls a certificate's creation until it completes and then loads its PFX, picks up the
 * version AutoRenew made when the mock clock passes the renewal point, and reads an expired
 * certificate (the service keeps it readable) reporting its past expiry. Listed in the table of
 * client-scenarios.c.
 *
 * Adapter commands (docs/conformance.md): `cert-create NAME` (Self issuer, subject CN=NAME, the
 * service's other defaults; waits for the operation as the client's create does) answers
 * {ok, name, version, status, x5t, enabled, exp, nbf}; `cert-get NAME [VERSION]` answers the same
 * without status; the PFX comes through the existing `get NAME` (the certificate's managed secret,
 * as applications load it). The grader opens the PFX with GnuTLS (empty password) and compares its
 * certificate's SHA-1 with x5t; PFX values are watched in the client's log like secret values.
 * Failure reasons name certificates, versions and statuses only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvc-certs.h"
#include "kvc-client.h"

#define DAY 86400.0

/* The grader's own view of a certificate: latest version, x5t and exp. */
struct cert_truth {
    char version[64], x5t[64];
    double exp;
};

static const char *last_seg(const char *id)
{
    const char *p = strrchr(id, '/');
    return p ? p + 1 : id;
}

/* GET /certificates/name/ as the admin app; false (and the scenario failed) unless a completed
 * version answers. */
static bool truth(struct kvcc_sc *s, const char *name, struct cert_truth *t)
{
    char path[256];
    struct kvc_resp r;
    bool ok = false;

    snprintf(path, sizeof path, "/certificates/%s/", name);
    if (kvcc_vault("GET", path, NULL, &r) != 200 || !kvc_jstr(r.json, "x5t")[0]) {
        kvcc_fail(s, "setup: GET %s answered %ld%s", path, r.status,
                  r.status == 200 ? " without x5t (not completed)" : "");
        goto out;
    }
    snprintf(t->version, sizeof t->version, "%s", last_seg(kvc_jstr(r.json, "id")));
    snprintf(t->x5t, sizeof t->x5t, "%s", kvc_jstr(r.json, "x5t"));
    t->exp =
        kvc_jget(r.json, "attributes.exp") ? kvc_jget(r.json, "attributes.exp")->valuedouble : 0;
    ok = true;
out:
    kvc_resp_free(&r);
    return ok;
}

/* The grader creates a Self certificate with policy (JSON) as the admin app and observes its
 * operation until it completes (the SDKs' way); then reads the truth. */
static bool admin_create(struct kvcc_sc *s, const char *name, const char *policy,
                         struct cert_truth *t)
{
    char path[256], body[1024];
    struct kvc_resp r;
    long st;

    snprintf(path, sizeof path, "/certificates/%s/create", name);
    snprintf(body, sizeof body, "{\"policy\":%s}", policy);
    st = kvcc_vault("POST", path, body, &r);
    kvc_resp_free(&r);
    if (st != 202)
        return kvcc_fail(s, "setup: POST %s answered %ld", path, st);
    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    for (int i = 0; i < 60; i++) {
        st = kvcc_vault("GET", path, NULL, &r);
        bool pending = st == 200 && strcmp(kvc_jstr(r.json, "status"), "inProgress") == 0;
        kvc_resp_free(&r);
        if (!pending)
            break;
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    return truth(s, name, t);
}

/* Mock clock now (Unix seconds), or -1. */
static double mock_now(void)
{
    struct kvc_resp r;
    double now = -1;

    if (kvcc_control("GET", "/_mock/clock", NULL, &r) == 200 && kvc_jget(r.json, "now"))
        now = kvc_jget(r.json, "now")->valuedouble;
    kvc_resp_free(&r);
    return now;
}

/* Moves the mock clock by adv seconds and tells the client the new offset. */
static bool advance(struct kvcc_sc *s, double adv, double offset)
{
    char body[64], d[200];
    const cJSON *a;

    snprintf(body, sizeof body, "{\"advance\":%.0f}", adv);
    if (kvcc_control("POST", "/_mock/clock", body, NULL) != 200)
        return kvcc_fail(s, "control API: POST /_mock/clock failed");
    a = kvcc_cmd(s, "clock %.0f", offset);
    if (!a)
        return false;
    if (!kvcc_ok(a))
        return kvcc_fail(s, "clock: %s", kvcc_describe(a, d, sizeof d));
    return true;
}

/* cert-get NAME: must answer the version and x5t of t. */
static bool client_sees(struct kvcc_sc *s, const char *name, const struct cert_truth *t,
                        const char *when)
{
    const cJSON *a = kvcc_cmd(s, "cert-get %s", name);
    char d[200];

    if (!a)
        return false;
    if (!kvcc_ok(a))
        return kvcc_fail(s, "cert-get %s %s: %s", name, when, kvcc_describe(a, d, sizeof d));
    if (strcmp(kvcc_str(a, "version"), t->version) != 0)
        return kvcc_fail(s, "cert-get %s %s: version '%s', want %s", name, when,
                         kvcc_str(a, "version"), t->version);
    if (strcmp(kvcc_str(a, "x5t"), t->x5t) != 0)
        return kvcc_fail(s, "cert-get %s %s: x5t '%s' is not the vault's %s", name, when,
                         kvcc_str(a, "x5t"), t->x5t);
    return true;
}

/* get NAME (the managed secret): a PFX that opens with the empty password, holds the key, and
 * whose certificate is t's (x5t), in t's version. */
static bool client_loads_pfx(struct kvcc_sc *s, const char *name, const struct cert_truth *t,
                             const char *when)
{
    const cJSON *a = kvcc_cmd(s, "get %s", name);
    char d[200], why[128] = "", *x5t;
    bool ok;

    if (!a)
        return false;
    if (!kvcc_ok(a))
        return kvcc_fail(s, "get %s (the PFX) %s: %s", name, when, kvcc_describe(a, d, sizeof d));
    if (strcmp(kvcc_str(a, "version"), t->version) != 0)
        return kvcc_fail(s, "get %s (the PFX) %s: version '%s', want %s", name, when,
                         kvcc_str(a, "version"), t->version);
    x5t = kvct_pfx_x5t(kvcc_str(a, "value"), "", why, sizeof why);
    if (!x5t)
        return kvcc_fail(s, "get %s %s: the value is not the certificate's PFX: %s", name, when,
                         why);
    ok = strcmp(x5t, t->x5t) == 0;
    free(x5t);
    if (!ok)
        return kvcc_fail(s, "get %s %s: the PFX holds another certificate than x5t %s", name, when,
                         t->x5t);
    return true;
}

/* ----- create and poll ---------------------------------------------------------------------- */

void kvcc_sc_cert_poll_until_completed(struct kvcc_sc *s)
{
    struct kvcc_entry e[KVCC_MAXJ];
    struct cert_truth t = {0};
    char name[64], hex[13], d[200], st[256];
    const cJSON *a;
    int ncreate, nop;

    kvcc_random_hex(hex, 6);
    snprintf(name, sizeof name, "kvc-cert-%s", hex);
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    a = kvcc_cmd(s, "cert-create %s", name);
    if (!a)
        return;
    EXPECT(s, kvcc_ok(a), "cert-create %s: %s", name, kvcc_describe(a, d, sizeof d));
    EXPECT(s, strcmp(kvcc_str(a, "status"), "completed") == 0,
           "cert-create returned with the operation '%s': the client did not wait for it to "
           "complete",
           kvcc_str(a, "status")[0] ? kvcc_str(a, "status") : "(no status)");
    EXPECT(s, kvcc_str(a, "x5t")[0] && strlen(kvcc_str(a, "version")) == 32,
           "cert-create: no x5t or version in the answer (the certificate was not read back)");
    ncreate = kvcc_attempts(s, "CreateCertificate", e);
    EXPECT(s, ncreate == 1, "%d CreateCertificate requests (%s), want 1", ncreate,
           kvcc_statuses(e, ncreate, st, sizeof st));
    nop = kvcc_attempts(s, "GetCertificateOperation", e);
    EXPECT(s, nop >= 1, "the client never asked for the operation (GET .../pending)");
    if (!truth(s, name, &t))
        return;
    EXPECT(s,
           strcmp(kvcc_str(a, "version"), t.version) == 0 && strcmp(kvcc_str(a, "x5t"), t.x5t) == 0,
           "cert-create answered version %s, the vault's latest is %s", kvcc_str(a, "version"),
           t.version);
    if (!client_sees(s, name, &t, "after the create") ||
        !client_loads_pfx(s, name, &t, "after the create"))
        return;
    snprintf(s->detail, sizeof s->detail,
             "1 create, %d operation poll%s, certificate and PFX of version %s", nop,
             nop == 1 ? "" : "s", t.version);
}

/* ----- AutoRenew on the mock clock ------------------------------------------------------------ */

void kvcc_sc_cert_renewed_picked_up(struct kvcc_sc *s)
{
    /* One month of life, renewed at half of it (spec §2 lifetime_actions): 20 days later the
     * vault has made the next version, and the first one has not expired yet. */
    static const char policy[] =
        "{\"x509_props\":{\"subject\":\"CN=kvconform renewal\",\"validity_months\":1},"
        "\"lifetime_actions\":[{\"trigger\":{\"lifetime_percentage\":50},"
        "\"action\":{\"action_type\":\"AutoRenew\"}}],\"issuer\":{\"name\":\"Self\"}}";
    struct cert_truth v1 = {0}, v2 = {0};
    char name[64], hex[13];

    kvcc_random_hex(hex, 6);
    snprintf(name, sizeof name, "kvc-renew-%s", hex);
    if (!admin_create(s, name, policy, &v1) || !kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    if (!client_sees(s, name, &v1, "before the renewal") ||
        !client_loads_pfx(s, name, &v1, "before the renewal"))
        return;
    if (!advance(s, 20 * DAY, 20 * DAY) || !truth(s, name, &v2))
        return;
    EXPECT(s, strcmp(v1.version, v2.version) != 0,
           "setup: 20 days on, past the AutoRenew point (50%% of one month), the vault has not "
           "made a new version of %s",
           name);
    if (!client_sees(s, name, &v2, "after the renewal") ||
        !client_loads_pfx(s, name, &v2, "after the renewal"))
        return;
    snprintf(s->detail, sizeof s->detail, "clock +20 d: version %s, then the renewed %s",
             v1.version, v2.version);
}

/* ----- an expired certificate ------------------------------------------------------------------
 */

void kvcc_sc_cert_expired(struct kvcc_sc *s)
{
    /* No AutoRenew (EmailContacts only), so the one version simply expires. */
    static const char policy[] =
        "{\"x509_props\":{\"subject\":\"CN=kvconform expiry\",\"validity_months\":1},"
        "\"lifetime_actions\":[{\"trigger\":{\"days_before_expiry\":5},"
        "\"action\":{\"action_type\":\"EmailContacts\"}}],\"issuer\":{\"name\":\"Self\"}}";
    struct cert_truth t = {0};
    char name[64], hex[13], d[200];
    const cJSON *a;
    double now, adv;

    kvcc_random_hex(hex, 6);
    snprintf(name, sizeof name, "kvc-expired-cert-%s", hex);
    if (!admin_create(s, name, policy, &t))
        return;
    now = mock_now();
    EXPECT(s, now > 0 && t.exp > now, "setup: mock clock %.0f, certificate exp %.0f", now, t.exp);
    adv = t.exp - now + 2 * DAY;
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET) || !advance(s, adv, adv))
        return;
    now = mock_now();
    a = kvcc_cmd(s, "cert-get %s", name);
    if (!a)
        return;
    EXPECT(s, kvcc_ok(a), "cert-get of an expired certificate: %s (the service still serves it)",
           kvcc_describe(a, d, sizeof d));
    EXPECT(s,
           strcmp(kvcc_str(a, "version"), t.version) == 0 && strcmp(kvcc_str(a, "x5t"), t.x5t) == 0,
           "cert-get of the expired certificate: version '%s', want %s", kvcc_str(a, "version"),
           t.version);
    EXPECT(s, kvcc_num(a, "exp") == t.exp,
           "cert-get: exp %.0f, the certificate's is %.0f (the client does not report its expiry)",
           kvcc_num(a, "exp"), t.exp);
    EXPECT(s, kvcc_num(a, "exp") < now, "cert-get: exp %.0f is not in the past (mock clock %.0f)",
           kvcc_num(a, "exp"), now);
    if (!client_loads_pfx(s, name, &t, "after it expired"))
        return;
    snprintf(s->detail, sizeof s->detail,
             "expired %.0f s before the read; certificate and PFX still read", now - t.exp);
}
