/* keys-release.c: Secure Key Release for a standard vault (spec/keyvault-keys.md §3.10). The
 * caller's attestation token is verified against the fixture's attestation authorities
 * (keys-jws.c), the key's release policy is evaluated on its claims, and the private key (PKCS#8)
 * is wrapped for the token's runtime key as CKM_RSA_AES_KEY_WRAP: a fresh AES-256 key under
 * RSA-OAEP, then the PKCS#8 under that key with AES Key Wrap with Padding (RFC 5649). The answer
 * is a JWS the mock signs with its TLS key. Checks, in order: key (404), body and 'enc' (400),
 * exportable with a policy (400), enabled (403), token (403), policy (403), runtime key (400). */
#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-text.h"
#include "keys-int.h"
#include "reply.h"
#include "util.h"
#include "vault-int.h"

/* Nesting of anyOf/allOf a policy may have: deeper is refused, not recursed into. */
#define MAX_DEPTH 16

/* The wrapping schemes of the request's 'enc' [REC R-NET24 names the first; the OAEP hashes of
 * the other two are UNCERTAIN, by their names]. */
static const struct {
    const char *name;
    enum mv_oaep_hash hash;
} encs[] = {
    {"CKM_RSA_AES_KEY_WRAP", MV_OAEP_SHA1},
    {"RSA_AES_KEY_WRAP_256", MV_OAEP_SHA256},
    {"RSA_AES_KEY_WRAP_384", MV_OAEP_SHA384},
};

/* ---- The release policy ---- */

/* The claim a policy names: a top-level claim of that exact name, else a dotted path into nested
 * objects ("x-ms-isolation-tee.x-ms-attestation-type", as the confidential VM policies write it
 * [DOC skr-policy-examples]). */
static const cJSON *claim_at(const cJSON *payload, const char *path)
{
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(payload, path);
    char part[256];

    if (at)
        return at;
    at = payload;
    while (at && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof part)
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        at = cJSON_IsObject(at) ? cJSON_GetObjectItemCaseSensitive(at, part) : NULL;
        path += n + (path[n] == '.');
    }
    return at;
}

/* A scalar as text for comparison: strings as themselves, booleans "true"/"false", numbers. */
static bool scalar_text(const cJSON *j, char *out, size_t n)
{
    if (cJSON_IsString(j))
        snprintf(out, n, "%s", j->valuestring);
    else if (cJSON_IsBool(j))
        snprintf(out, n, "%s", cJSON_IsTrue(j) ? "true" : "false");
    else if (cJSON_IsNumber(j))
        snprintf(out, n, "%.17g", j->valuedouble);
    else
        return false;
    return true;
}

/* "equals" compares as text, case-insensitively, so that the recorded {"equals":"true"} matches a
 * boolean claim true (Azure Policy's equals ignores case [UNCERTAIN for SKR]). */
static bool claim_equals(const cJSON *claim, const cJSON *want)
{
    char a[1024], b[1024];
    return scalar_text(claim, a, sizeof a) && scalar_text(want, b, sizeof b) &&
           cx_strcasecmp(a, b) == 0;
}

struct eval {
    const cJSON *payload;
    const char *unmet; /* the first claim condition that failed (its name, from the policy) */
    bool bad_policy;   /* a condition the mock cannot evaluate */
};

static bool condition_met(struct eval *ev, const cJSON *cond, int depth);

/* A condition array under "anyOf" (any) or "allOf" (all) of obj; an object with neither is not a
 * condition the grammar knows. */
static bool group_met(struct eval *ev, const cJSON *obj, int depth)
{
    const cJSON *any = cJSON_GetObjectItem(obj, "anyOf"), *all = cJSON_GetObjectItem(obj, "allOf");
    const cJSON *arr = any ? any : all, *it;

    if (!cJSON_IsArray(arr) || (any && all) || depth > MAX_DEPTH) {
        ev->bad_policy = true;
        return false;
    }
    cJSON_ArrayForEach(it, arr) {
        bool met = condition_met(ev, it, depth + 1);
        if (any && met)
            return true;
        if (all && !met)
            return false;
    }
    return all != NULL && cJSON_GetArraySize(arr) > 0;
}

/* {"claim":name,"equals":v} (also notEquals and exists of the grammar [DOC policy-grammar]), or a
 * nested anyOf/allOf. */
static bool condition_met(struct eval *ev, const cJSON *cond, int depth)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cond, "claim"), *claim, *v;
    bool met;

    if (!cJSON_IsObject(cond)) {
        ev->bad_policy = true;
        return false;
    }
    if (!name)
        return group_met(ev, cond, depth);
    if (!cJSON_IsString(name)) {
        ev->bad_policy = true;
        return false;
    }
    claim = claim_at(ev->payload, name->valuestring);
    if ((v = cJSON_GetObjectItem(cond, "equals")))
        met = claim_equals(claim, v);
    else if ((v = cJSON_GetObjectItem(cond, "notEquals")))
        met = claim && !claim_equals(claim, v);
    else if ((v = cJSON_GetObjectItem(cond, "exists")))
        met = (claim != NULL) == cJSON_IsTrue(v);
    else {
        ev->bad_policy = true;
        met = false;
    }
    if (!met && !ev->unmet)
        ev->unmet = name->valuestring;
    return met;
}

/* An authority branch {"authority":url, "anyOf"|"allOf":[...]}: met when the token's issuer is
 * that authority (trailing slash tolerant) and its conditions hold. *named tells whether any
 * branch named the issuer. */
static bool branch_met(struct eval *ev, const cJSON *b, const char *iss, bool *named)
{
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(b, "authority");

    if (!cJSON_IsString(auth) || !mv_authority_equal(auth->valuestring, iss))
        return false;
    *named = true;
    return group_met(ev, b, 1);
}

/* The policy {"version","anyOf"|"allOf":[authority branches]}. */
static bool policy_met(struct eval *ev, const cJSON *policy, const char *iss, bool *named)
{
    const cJSON *any = cJSON_GetObjectItem(policy, "anyOf");
    const cJSON *all = cJSON_GetObjectItem(policy, "allOf");
    const cJSON *arr = any ? any : all, *it;
    bool met = all != NULL;

    *named = false;
    if (!cJSON_IsArray(arr) || (any && all) || cJSON_GetArraySize(arr) == 0) {
        ev->bad_policy = true;
        return false;
    }
    cJSON_ArrayForEach(it, arr) {
        bool m = branch_met(ev, it, iss, named);
        met = any ? (met || m) : (met && m);
    }
    return met;
}

/* Replies 403 and returns false when the token's claims do not satisfy the key's policy. */
static bool policy_or_reply(struct mv_req *r, const struct mv_release_policy *rp,
                            const cJSON *payload)
{
    const cJSON *iss = cJSON_GetObjectItemCaseSensitive(payload, "iss");
    unsigned char *raw = NULL;
    size_t len = 0;
    cJSON *policy = NULL;
    struct eval ev = {payload, NULL, false};
    bool named = false, met = false;
    char echo[128];

    raw = rp->data ? cx_b64_decode(rp->data, strlen(rp->data), MV_B64_LENIENT, &len) : NULL;
    policy = raw ? cJSON_ParseWithLength((const char *)raw, len) : NULL;
    met = policy && policy_met(&ev, policy, iss->valuestring, &named);
    if (met)
        goto out;
    if (!named)
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The key's release policy names no authority '%s', the attestation "
                          "token's issuer.",
                          mv_reply_echo(iss->valuestring, echo, sizeof echo));
    else if (ev.unmet && !ev.bad_policy)
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token does not satisfy the key's release policy: claim "
                          "'%s' is absent or has another value.",
                          mv_reply_echo(ev.unmet, echo, sizeof echo));
    else
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token does not satisfy the key's release policy (the "
                          "mock evaluates anyOf, allOf and claim conditions with equals, "
                          "notEquals and exists).");
out:
    cJSON_Delete(policy);
    free(raw);
    return met;
}

/* ---- Wrapping for the runtime key ---- */

/* The first RSA key of the token's x-ms-runtime.keys [REC, decoded], imported. Replies 400 and
 * returns NULL when there is none. *kid borrows the key's kid ("" when it has none). */
static struct mv_keymat *runtime_key_or_reply(struct mv_req *r, const cJSON *payload,
                                              const char **kid)
{
    const cJSON *keys = claim_at(payload, "x-ms-runtime.keys"), *it;
    struct mv_keymat *km = NULL;

    if (!cJSON_IsArray(keys))
        keys = NULL;
    cJSON_ArrayForEach(it, keys) {
        const cJSON *kty = cJSON_GetObjectItemCaseSensitive(it, "kty");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "n");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "e");
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "kid");
        unsigned char *nb = NULL, *eb = NULL;
        size_t nl = 0, el = 0;

        if (!cJSON_IsString(kty) || strcmp(kty->valuestring, "RSA") != 0 || !cJSON_IsString(n) ||
            !cJSON_IsString(e))
            continue;
        nb = cx_b64_decode(n->valuestring, strlen(n->valuestring), MV_B64_LENIENT, &nl);
        eb = cx_b64_decode(e->valuestring, strlen(e->valuestring), MV_B64_LENIENT, &el);
        if (nb && eb)
            mv_keymat_import_rsa_public((struct mv_bytes){nb, nl}, (struct mv_bytes){eb, el}, &km);
        free(nb);
        free(eb);
        *kid = cJSON_IsString(k) ? k->valuestring : "";
        break;
    }
    if (!km)
        mv_vault_bad_parameter(r, NULL,
                               "The attestation token carries no usable RSA key (2048 to 4096 "
                               "bits) in 'x-ms-runtime.keys' to wrap the released key for.");
    return km;
}

/* key_hsm: base64url of {"schema_version":"1.0","header":{"kid","alg":"dir","enc"},
 * "ciphertext":base64url(RSA-OAEP(aes key) || AES-KWP(PKCS#8))} [REC R-NET24, decoded]. */
static char *key_hsm(const struct mv_keymat *target, const struct mv_keymat *runtime,
                     const char *runtime_kid, size_t enc)
{
    unsigned char aes[32], *p8 = NULL, *wrapped = NULL, *rk = NULL, *ct = NULL;
    size_t p8_len = 0, w_len = 0, rk_len = 0;
    char *ct64 = NULL, *text = NULL, *out = NULL;
    cJSON *o = cJSON_CreateObject(), *h;

    if (!o || gnutls_rnd(GNUTLS_RND_KEY, aes, sizeof aes) < 0 ||
        mv_keymat_pkcs8(target, &p8, &p8_len) != MV_KM_OK ||
        mv_aes_kwp_wrap(aes, sizeof aes, p8, p8_len, &wrapped, &w_len) != MV_KM_OK ||
        mv_keymat_oaep_encrypt(runtime, encs[enc].hash, aes, sizeof aes, &rk, &rk_len) !=
            MV_KM_OK ||
        !(ct = malloc(rk_len + w_len)))
        goto out;
    memcpy(ct, rk, rk_len);
    memcpy(ct + rk_len, wrapped, w_len);
    ct64 = cx_b64url_encode(ct, rk_len + w_len);
    cJSON_AddStringToObject(o, "schema_version", "1.0");
    h = cJSON_AddObjectToObject(o, "header");
    cJSON_AddStringToObject(h, "kid", runtime_kid);
    cJSON_AddStringToObject(h, "alg", "dir");
    cJSON_AddStringToObject(h, "enc", encs[enc].name);
    if (!ct64 || !cJSON_AddStringToObject(o, "ciphertext", ct64) ||
        !(text = cJSON_PrintUnformatted(o)))
        goto out;
    out = cx_b64url_encode(text, strlen(text));
out:
    cx_wipe(aes, sizeof aes);
    cx_wipe_free(p8, p8_len);
    free(wrapped);
    free(rk);
    free(ct);
    free(ct64);
    free(text);
    cJSON_Delete(o);
    return out;
}

/* The JWS payload {"request":{api-version,enc,kid (base)},"response":{"key":KeyBundle with
 * key.key_hsm, release_policy {data, immutable}}} [REC R-NET24]. */
static cJSON *release_payload(struct mv_req *r, const struct mv_object_view *kv, size_t enc,
                              const char *hsm)
{
    cJSON *p = cJSON_CreateObject(), *req, *resp, *bundle = mv_reply_key_json(r, kv), *rp;
    char kid[800];

    if (!p || !bundle)
        goto fail;
    snprintf(kid, sizeof kid, "%s/keys/%s", r->base_url, kv->name);
    req = cJSON_AddObjectToObject(p, "request");
    cJSON_AddStringToObject(req, "api-version", r->api_version);
    cJSON_AddStringToObject(req, "enc", encs[enc].name);
    cJSON_AddStringToObject(req, "kid", kid);
    if (!cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(bundle, "key"), "key_hsm", hsm))
        goto fail;
    rp = cJSON_GetObjectItemCaseSensitive(bundle, "release_policy");
    cJSON_DeleteItemFromObjectCaseSensitive(rp, "contentType");
    resp = cJSON_AddObjectToObject(p, "response");
    if (!resp)
        goto fail;
    cJSON_AddItemToObject(resp, "key", bundle);
    return p;
fail:
    cJSON_Delete(bundle);
    cJSON_Delete(p);
    return NULL;
}

/* ---- The handler ---- */

/* 'enc' (default CKM_RSA_AES_KEY_WRAP) as an index of encs[]; replies 400 and returns false for
 * another value. */
static bool enc_or_reply(struct mv_req *r, const cJSON *body, size_t *enc)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "enc");

    *enc = 0;
    if (!e || cJSON_IsNull(e))
        return true;
    for (size_t i = 0; cJSON_IsString(e) && i < sizeof encs / sizeof encs[0]; i++)
        if (strcmp(e->valuestring, encs[i].name) == 0) {
            *enc = i;
            return true;
        }
    mv_vault_bad_parameter(r, NULL,
                           "Property 'enc' must be CKM_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_256 or "
                           "RSA_AES_KEY_WRAP_384.");
    return false;
}

enum MHD_Result mv_keys_h_release(struct mv_req *r)
{
    struct mv_object_view kv;
    cJSON *body = NULL, *claims = NULL, *payload = NULL;
    const cJSON *target;
    struct mv_keymat *runtime = NULL;
    const char *runtime_kid = "";
    char *hsm = NULL, *jws = NULL;
    size_t enc = 0;
    int ok = MHD_YES;

    if (!mv_keys_get_or_reply(r, r->cap[0], r->cap[1], &kv) || !mv_vault_body_or_reply(r, &body))
        goto out;
    target = cJSON_GetObjectItemCaseSensitive(body, "target");
    if (!cJSON_IsString(target) || !*target->valuestring) {
        ok = mv_vault_bad_parameter(r, NULL,
                                    "Property 'target' (the attestation token) is required.");
        goto out;
    }
    if (!enc_or_reply(r, body, &enc))
        goto out;
    /* The journal and log name the wrapping scheme, never the token or the key. */
    r->algorithm = encs[enc].name;
    /* [SPEC] only exportable keys with a release policy; text [UNCERTAIN], the spec's 400. */
    if (!kv.v.key->exportable || !kv.v.key->release) {
        ok = mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                               "Key %s cannot be released: it is not exportable or has no release "
                               "policy (create it with \"attributes\":{\"exportable\":true} and a "
                               "\"release_policy\").",
                               kv.name);
        goto out;
    }
    if (!kv.v.enabled) {
        /* A private-key operation, refused on a disabled key as decrypt and sign are. */
        ok = mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "KeyDisabled",
                               "Operation release is not allowed on a disabled key.");
        goto out;
    }
    if (!(claims = mv_keys_attestation_or_reply(r, target->valuestring)) ||
        !policy_or_reply(r, kv.v.key->release, claims) ||
        !(runtime = runtime_key_or_reply(r, claims, &runtime_kid)))
        goto out;
    hsm = key_hsm(kv.v.key->mat, runtime, runtime_kid, enc);
    payload = hsm ? release_payload(r, &kv, enc, hsm) : NULL;
    jws = payload ? mv_keys_sign_jws(r, payload) : NULL;
    if (jws)
        ok = mv_reply_value(r, jws);
    else if (!r->srv->tls)
        ok = mv_vault_bad_parameter(r, NULL,
                                    "mockvault signs a release with its TLS key, and runs without "
                                    "TLS (--http): start it with TLS to release keys.");
    else
        ok = mv_vault_reply_common_err(r, MV_E_NOMEM);
out:
    free(hsm);
    free(jws);
    cJSON_Delete(payload);
    cJSON_Delete(claims);
    cJSON_Delete(body);
    mv_keymat_unref(runtime);
    mv_object_view_finish(&kv);
    return ok;
}
