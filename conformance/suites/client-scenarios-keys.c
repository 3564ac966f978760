/* client-scenarios-keys.c: the key scenarios of `kvconform client` (issue 10): how a client's
 * crypto client behaves when the GET of its key is denied, when the key is disabled, rotated or
 * expired, and whether ciphertext it makes (locally, from the GET'd public key, where it can) round
 * trips through the vault. Listed in the table of client-scenarios.c.
 *
 * The grader's facts (the public JWK of each version, to check signatures with GnuTLS, not with the
 * vault's own /verify) are read as the admin app. Digests and plaintexts are random per run and
 * watched in the client's log, as are the signatures; failure reasons name keys, algorithms,
 * versions and statuses, never those values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kvc-client.h"
#include "kvc-keys.h"

#define MAXJ KVCC_MAXJ

/* The fixture's RSA-2048 key (fixtures/default.json), with the default six key_ops. */
#define KEY "demo-rsa"

/* One key version as the grader sees it: its version and its public JWK (owned; free with
 * key_truth_free). */
struct key_truth {
    char version[64];
    cJSON *jwk;
};

static void key_truth_free(struct key_truth *t)
{
    cJSON_Delete(t->jwk);
    t->jwk = NULL;
}

static const char *last_seg(const char *id)
{
    const char *p = strrchr(id, '/');
    return p ? p + 1 : id;
}

/* Takes the version and the JWK out of a key bundle answer. */
static bool take_bundle(struct kvcc_sc *s, struct kvc_resp *r, const char *what,
                        struct key_truth *t)
{
    cJSON *key = r->json ? cJSON_DetachItemFromObjectCaseSensitive(r->json, "key") : NULL;

    memset(t, 0, sizeof *t);
    if (!key || !kvc_jstr(key, "kid")[0]) {
        cJSON_Delete(key);
        return kvcc_fail(s, "setup: %s answered no key bundle", what);
    }
    snprintf(t->version, sizeof t->version, "%s", last_seg(kvc_jstr(key, "kid")));
    t->jwk = key;
    return true;
}

/* GET /keys/name/ (the latest version) as the admin app. */
static bool key_truth(struct kvcc_sc *s, const char *name, struct key_truth *t)
{
    char path[256];
    struct kvc_resp r;
    bool ok;

    snprintf(path, sizeof path, "/keys/%s/", name);
    if (kvcc_vault("GET", path, NULL, &r) != 200) {
        kvcc_fail(s, "setup: GET %s answered %ld (is the mock's default fixture loaded?)", path,
                  r.status);
        kvc_resp_free(&r);
        return false;
    }
    ok = take_bundle(s, &r, path, t);
    kvc_resp_free(&r);
    return ok;
}

/* A grader request on a key (create, update, rotate) as the admin app that must answer 200. */
static bool key_admin(struct kvcc_sc *s, const char *method, const char *path, const char *body,
                      struct key_truth *t)
{
    struct kvc_resp r;
    bool ok = true;
    long st = kvcc_vault(method, path, body, &r);

    if (st != 200)
        ok = kvcc_fail(s, "setup: %s %s answered %ld", method, path, st);
    else if (t)
        ok = take_bundle(s, &r, path, t);
    kvc_resp_free(&r);
    return ok;
}

/* n random bytes as base64url (heap; free()), watched in the client's log when watch is set. */
static char *random_b64(struct kvcc_sc *s, size_t n, bool watch)
{
    char hex[65];
    unsigned char raw[32];
    char *b64;

    kvcc_random_hex(hex, n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        raw[i] = (unsigned char)v;
    }
    b64 = cx_b64url_encode(raw, n);
    cx_wipe(raw, sizeof raw);
    if (watch)
        kvcc_watch(s, b64);
    return b64;
}

/* A printable random plaintext and its base64url form (both watched). Heap; free() both. */
static char *random_plaintext(struct kvcc_sc *s, char **b64)
{
    char hex[33], *text = malloc(48);

    kvcc_random_hex(hex, 16);
    if (text)
        snprintf(text, 48, "kvc-plaintext-%s", hex);
    *b64 = text ? cx_b64url_encode(text, strlen(text)) : NULL;
    kvcc_watch(s, text);
    kvcc_watch(s, *b64);
    return text;
}

/* A successful answer, or a failure naming what and the client's error. */
static bool answered_ok(struct kvcc_sc *s, const cJSON *a, const char *what)
{
    char d[200];

    if (!a)
        return false;
    if (!kvcc_ok(a))
        return kvcc_fail(s, "%s: expected success, got %s", what, kvcc_describe(a, d, sizeof d));
    return true;
}

/* The answer of key-sign must hold a signature that GnuTLS verifies with the public key of t (and
 * the kid, when want_kid, must name t's version). The signature is watched in the log. */
static bool signed_by(struct kvcc_sc *s, const cJSON *a, const char *what, const char *digest,
                      const struct key_truth *t, bool want_kid)
{
    const char *sig = kvcc_str(a, "signature"), *kid = kvcc_str(a, "kid");
    int v;

    if (!answered_ok(s, a, what))
        return false;
    kvcc_watch(s, sig);
    v = kvk_verify_local(t->jwk, "RS256", digest, sig);
    if (v != 1)
        return kvcc_fail(s, "%s: the signature does not verify with the public key of version %s",
                         what, t->version);
    if (want_kid && strcmp(last_seg(kid), t->version) != 0)
        return kvcc_fail(s, "%s: the answer's kid '%s' does not name the version that signed (%s)",
                         what, kid[0] ? kid : "(none)", t->version);
    return true;
}

/* key-encrypt then key-decrypt of a fresh plaintext with alg: the client's plaintext must come
 * back. */
static bool round_trip(struct kvcc_sc *s, const char *name, const char *alg)
{
    char what[160], *b64 = NULL, *text = random_plaintext(s, &b64);
    const cJSON *a;
    bool ok = false;

    snprintf(what, sizeof what, "key-encrypt %s %s", name, alg);
    if (!text || !b64) {
        kvcc_fail(s, "out of memory");
        goto out;
    }
    a = kvcc_cmd(s, "key-encrypt %s %s %s", name, alg, b64);
    if (!answered_ok(s, a, what))
        goto out;
    EXPECT_GOTO(s, kvcc_str(a, "ciphertext")[0], out, "%s: no ciphertext in the answer", what);
    snprintf(what, sizeof what, "key-decrypt %s %s of the client's own ciphertext", name, alg);
    a = kvcc_cmd(s, "key-decrypt %s %s %s", name, alg, kvcc_str(a, "ciphertext"));
    if (!answered_ok(s, a, what))
        goto out;
    EXPECT_GOTO(s, strcmp(kvcc_str(a, "plaintext"), b64) == 0, out,
                "%s: the plaintext that came back is not the one encrypted", what);
    ok = true;
out:
    free(text);
    free(b64);
    return ok;
}

/* Journal entries of op by the app with status 200. */
static int successes(struct kvcc_sc *s, const char *op)
{
    struct kvcc_entry e[MAXJ];
    int n = kvcc_attempts(s, op, e), ok = 0;

    for (int i = 0; i < n; i++)
        ok += e[i].status == 200;
    return ok;
}

/* ----- remote-only fallback ---------------------------------------------------------------- */

/* The flow app loses keys/get (it keeps sign, verify, encrypt, decrypt): spec §6, the SDKs must
 * then do everything remotely instead of giving up. */
static bool deny_key_get(struct kvcc_sc *s)
{
    struct kvc_resp r;
    cJSON *pol, *keys;
    const cJSON *e;
    char *body;
    long st;

    if (kvcc_control("GET", "/_mock/vaults/demo/accessPolicies", NULL, &r) != 200 || !r.json) {
        kvc_resp_free(&r);
        return kvcc_fail(s, "control API: GET /_mock/vaults/demo/accessPolicies failed");
    }
    pol = cJSON_Duplicate(r.json, 1);
    kvc_resp_free(&r);
    cJSON_ArrayForEach(e, pol) {
        if (strcmp(kvc_jstr(e, "objectId"), KVCC_FLOW_OID) != 0)
            continue;
        keys = cJSON_CreateStringArray(
            (const char *const[]){"sign", "verify", "encrypt", "decrypt"}, 4);
        cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "permissions"),
                                               "keys", keys);
    }
    body = cJSON_PrintUnformatted(pol);
    cJSON_Delete(pol);
    st = body ? kvcc_control("PUT", "/_mock/vaults/demo/accessPolicies", body, NULL) : 0;
    free(body);
    if (st != 200)
        return kvcc_fail(s, "control API: PUT /_mock/vaults/demo/accessPolicies answered %ld", st);
    return true;
}

void kvcc_sc_key_get_forbidden(struct kvcc_sc *s)
{
    struct key_truth t = {0};
    struct kvcc_entry e[MAXJ];
    char *digest = NULL, st[256];
    const cJSON *a;
    const char *kid;
    int n;

    if (!key_truth(s, KEY, &t) || !deny_key_get(s))
        goto out;
    digest = random_b64(s, 32, true);
    if (!kvcc_start(s, KVCC_FLOW_ID, KVCC_FLOW_SECRET))
        goto out;
    a = kvcc_cmd(s, "key-sign %s RS256 %s", KEY, digest);
    if (!signed_by(s, a, "key-sign " KEY " RS256 without keys/get", digest, &t, false))
        goto out;
    /* Remote-only, the client may not know the version: a version-less kid is fine, another
     * version is not. */
    kid = kvcc_str(a, "kid");
    EXPECT_GOTO(s,
                !strchr(kid, '/') || strcmp(last_seg(kid), KEY) == 0 ||
                    strcmp(last_seg(kid), t.version) == 0,
                out, "key-sign: the answer's kid '%s' names another version than %s", kid,
                t.version);
    a = kvcc_cmd(s, "key-verify %s RS256 %s %s", KEY, digest, kvcc_str(a, "signature"));
    if (!answered_ok(s, a, "key-verify " KEY " RS256 without keys/get"))
        goto out;
    EXPECT_GOTO(s, cJSON_IsTrue(kvc_jget(a, "valid")), out,
                "key-verify of the client's own signature says it is not valid");
    if (!round_trip(s, KEY, "RSA-OAEP"))
        goto out;
    n = kvcc_attempts(s, "GetKey", e);
    EXPECT_GOTO(s, n <= 1, out,
                "the client asked %d times for a key it was refused (%s): after a 403 it should "
                "stop asking and go remote",
                n, kvcc_statuses(e, n, st, sizeof st));
    EXPECT_GOTO(s, successes(s, "Sign") == 1, out, "%d successful Sign requests, want 1",
                successes(s, "Sign"));
    snprintf(s->detail, sizeof s->detail,
             "%d GetKey request%s (403), then sign, verify, encrypt, decrypt (%d of them remote)",
             n, n == 1 ? "" : "s",
             successes(s, "Sign") + successes(s, "Verify") + successes(s, "Encrypt") +
                 successes(s, "Decrypt"));
out:
    free(digest);
    key_truth_free(&t);
}

/* ----- a disabled key ---------------------------------------------------------------------- */

void kvcc_sc_key_disabled(struct kvcc_sc *s)
{
    struct kvcc_entry e[MAXJ];
    char *digest = NULL, st[256];
    const cJSON *a;
    int n;

    if (!key_admin(s, "PATCH", "/keys/" KEY "/", "{\"attributes\":{\"enabled\":false}}", NULL))
        return;
    digest = random_b64(s, 32, true);
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        goto out;
    if (!kvcc_failed_with(s, kvcc_cmd(s, "key-sign %s RS256 %s", KEY, digest),
                          "key-sign of a disabled key", 403, "Forbidden", "KeyDisabled"))
        goto out;
    n = kvcc_attempts(s, "Sign", e);
    EXPECT_GOTO(s, n == 1, out,
                "a 403 KeyDisabled is final, but the client sent %d Sign requests (%s)", n,
                kvcc_statuses(e, n, st, sizeof st));
    /* The client lives on, and the key itself still reads (spec §4: GET of a disabled key is 200).
     */
    a = kvcc_cmd(s, "key-get %s", KEY);
    if (!answered_ok(s, a, "key-get of a disabled key"))
        goto out;
    EXPECT_GOTO(s, cJSON_IsFalse(kvc_jget(a, "enabled")), out,
                "key-get of a disabled key: \"enabled\" is not false");
    snprintf(s->detail, sizeof s->detail,
             "403 KeyDisabled after 1 Sign request; key-get enabled=false");
out:
    free(digest);
}

/* ----- a rotated key ----------------------------------------------------------------------- */

void kvcc_sc_key_rotated(struct kvcc_sc *s)
{
    struct key_truth v1 = {0}, v2 = {0};
    char *d1 = NULL, *d2 = NULL;
    const cJSON *a;

    if (!key_truth(s, KEY, &v1))
        return;
    d1 = random_b64(s, 32, true);
    d2 = random_b64(s, 32, true);
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        goto out;
    a = kvcc_cmd(s, "key-sign %s RS256 %s", KEY, d1);
    if (!signed_by(s, a, "key-sign " KEY " before the rotation", d1, &v1, true))
        goto out;
    /* The vault rotates the key while the application runs (POST /keys/{n}/rotate as an
     * operator would, spec §3.9): the version-less name now means the new version. */
    if (!key_admin(s, "POST", "/keys/" KEY "/rotate", NULL, &v2))
        goto out;
    a = kvcc_cmd(s, "key-sign %s RS256 %s", KEY, d2);
    if (!answered_ok(s, a, "key-sign " KEY " after the rotation"))
        goto out;
    EXPECT_GOTO(s, kvk_verify_local(v1.jwk, "RS256", d2, kvcc_str(a, "signature")) != 1, out,
                "key-sign after the rotation still signs with the old version %s (the client "
                "pinned the version it first used)",
                v1.version);
    if (!signed_by(s, a, "key-sign " KEY " after the rotation", d2, &v2, true))
        goto out;
    a = kvcc_cmd(s, "key-verify %s RS256 %s %s", KEY, d2, kvcc_str(a, "signature"));
    if (!answered_ok(s, a, "key-verify " KEY " after the rotation"))
        goto out;
    EXPECT_GOTO(s, cJSON_IsTrue(kvc_jget(a, "valid")), out,
                "key-verify after the rotation says the new version's signature is not valid "
                "(verified with the old public key?)");
    a = kvcc_cmd(s, "key-get %s", KEY);
    if (!answered_ok(s, a, "key-get " KEY " after the rotation"))
        goto out;
    EXPECT_GOTO(s, strcmp(kvcc_str(a, "version"), v2.version) == 0, out,
                "key-get after the rotation: version '%s', want the new %s", kvcc_str(a, "version"),
                v2.version);
    snprintf(s->detail, sizeof s->detail, "signed with %s, then with %s after the rotation",
             v1.version, v2.version);
out:
    free(d1);
    free(d2);
    key_truth_free(&v1);
    key_truth_free(&v2);
}

/* ----- encryption round trip --------------------------------------------------------------- */

void kvcc_sc_key_encrypt_roundtrip(struct kvcc_sc *s)
{
    int n;

    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        return;
    if (!round_trip(s, KEY, "RSA-OAEP") || !round_trip(s, KEY, "RSA-OAEP-256"))
        return;
    n = successes(s, "Encrypt");
    snprintf(s->detail, sizeof s->detail,
             "RSA-OAEP and RSA-OAEP-256 round trips; encryptions: %d remote, %d local", n, 2 - n);
}

/* ----- an expired key ---------------------------------------------------------------------- */

void kvcc_sc_key_expired(struct kvcc_sc *s)
{
    char name[64], hex[17], body[160], path[128], what[160], d[200];
    char *digest = NULL, *b64 = NULL, *text = NULL;
    const cJSON *a;

    kvcc_random_hex(hex, 8);
    snprintf(name, sizeof name, "kvc-expired-%s", hex);
    snprintf(path, sizeof path, "/keys/%s/create", name);
    snprintf(body, sizeof body, "{\"kty\":\"RSA\",\"key_size\":2048,\"attributes\":{\"exp\":%lld}}",
             (long long)time(NULL) - 86400);
    if (!key_admin(s, "POST", path, body, NULL))
        return;
    digest = random_b64(s, 32, true);
    text = random_plaintext(s, &b64);
    if (!digest || !text || !b64) {
        kvcc_fail(s, "out of memory");
        goto out;
    }
    if (!kvcc_start(s, KVCC_ADMIN_ID, KVCC_ADMIN_SECRET))
        goto out;
    /* spec §4: outside exp, encrypt and sign are refused (403), whether the client checks exp
     * itself from the GET'd key (no request) or lets the vault refuse. */
    snprintf(what, sizeof what, "key-encrypt with a key that expired a day ago");
    a = kvcc_cmd(s, "key-encrypt %s RSA-OAEP %s", name, b64);
    if (!a)
        goto out;
    EXPECT_GOTO(s, !kvcc_ok(a), out, "%s: the client encrypted (%s)", what,
                successes(s, "Encrypt") ? "the vault was asked and agreed"
                                        : "locally, without asking the vault");
    snprintf(what, sizeof what, "key-sign with a key that expired a day ago");
    a = kvcc_cmd(s, "key-sign %s RS256 %s", name, digest);
    if (!a)
        goto out;
    EXPECT_GOTO(s, !kvcc_ok(a), out, "%s: the client signed", what);
    EXPECT_GOTO(s, successes(s, "Encrypt") + successes(s, "Sign") == 0, out,
                "the vault answered 200 to an encrypt or sign with an expired key");
    snprintf(s->detail, sizeof s->detail, "refused: %s", kvcc_describe(a, d, sizeof d));
out:
    free(digest);
    free(text);
    free(b64);
}
