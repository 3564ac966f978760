/* keys-crypto.c: the keys' cryptographic operations (spec/keyvault-keys.md §3.7, §3.8, §3.10 -
 * §3.12): encrypt, decrypt, wrapkey, unwrapkey, sign, verify, rng and attestation (release is in
 * keys-release.c). The
 * checks run in the order §4 suggests once the key is found and the caller authorized: body and
 * base64url (400), key_ops (403 KeyOperationForbidden), enabled (403 KeyDisabled), nbf/exp
 * (403), algorithm and length (400). Plaintext, ciphertext, digests and signatures never reach
 * a log line or the journal, and plaintext buffers are wiped before they are freed. */
#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "keys-int.h"
#include "reply.h"
#include "vault-int.h"

enum crypto_kind { C_ENCRYPT, C_DECRYPT, C_SIGN, C_VERIFY };

/* One operation: the key_ops entry it needs and how the state rules of §4 apply to it. */
struct crypto_op {
    enum crypto_kind kind;
    enum mv_key_op kop;
    bool private_key;  /* decrypt, sign, unwrapKey: refused on a disabled key */
    bool time_checked; /* encrypt, sign, wrapKey: refused outside nbf/exp */
};

static const struct crypto_op op_encrypt = {C_ENCRYPT, MV_KOP_ENCRYPT, false, true};
static const struct crypto_op op_decrypt = {C_DECRYPT, MV_KOP_DECRYPT, true, false};
static const struct crypto_op op_wrap = {C_ENCRYPT, MV_KOP_WRAP, false, true};
static const struct crypto_op op_unwrap = {C_DECRYPT, MV_KOP_UNWRAP, true, false};
static const struct crypto_op op_sign = {C_SIGN, MV_KOP_SIGN, true, true};
static const struct crypto_op op_verify = {C_VERIFY, MV_KOP_VERIFY, false, false};

/* base64url of a body field; replies the recorded 400 when it is missing or not base64url. The
 * caller wipes and frees *out. */
static bool b64_field_or_reply(struct mv_req *r, const cJSON *body, const char *field,
                               unsigned char **out, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, field);
    char msg[160];

    *out = NULL;
    *len = 0;
    if (cJSON_IsString(v))
        *out = cx_b64_decode(v->valuestring, strlen(v->valuestring),
                             CX_B64_URL | CX_B64_PAD_OPTIONAL, len);
    if (*out)
        return true;
    /* [USER SO 76236157]: both lines, CRLF-terminated, whichever of the two failed. */
    snprintf(msg, sizeof msg, "Content of '%s' is not base64url.\r\nProperty '%s' is required.\r\n",
             field, field);
    mv_vault_bad_parameter(r, NULL, msg);
    return false;
}

static bool has_op(const struct mv_key_info *k, enum mv_key_op op)
{
    for (size_t i = 0; i < k->nops; i++)
        if (k->ops[i] == op)
            return true;
    return false;
}

/* key_ops, enabled, nbf/exp (§4). Replies 403 and returns false when the key refuses. */
static bool state_or_reply(struct mv_req *r, const struct mv_object_view *kv,
                           const struct crypto_op *op)
{
    const char *name = mv_key_op_names[op->kop];
    int64_t now = mv_req_now(r);

    if (!has_op(kv->v.key, op->kop)) {
        /* 136 B for decrypt [USER azure-sdk-for-net#11518]. */
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "KeyOperationForbidden",
                          "Operation %s is not permitted on this key.", name);
        return false;
    }
    if (op->private_key && !kv->v.enabled) {
        /* [USER azure-sdk-for-python#45342]; encrypt, verify and wrapKey still work. */
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "KeyDisabled",
                          "Operation %s is not allowed on a disabled key.", name);
        return false;
    }
    if (op->time_checked && kv->v.has_exp && now > kv->v.exp) {
        /* [DOC] 403; the text is [UNCERTAIN] (the spec's suggestion). */
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "KeyExpired",
                          "Operation %s is not allowed on an expired key.", name);
        return false;
    }
    if (op->time_checked && kv->v.has_nbf && now < kv->v.nbf) {
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "KeyNotYetValid",
                          "Operation %s is not allowed on a not yet valid key.", name);
        return false;
    }
    return true;
}

/* alg: known, of the operation's kind (signature or encryption), fitting the key; for sign and
 * verify the digest length too. Replies 400 and returns false otherwise. */
static bool alg_or_reply(struct mv_req *r, const cJSON *body, const struct crypto_op *op,
                         size_t digest_len, enum mv_key_alg *alg)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "alg");
    bool sig = op->kind == C_SIGN || op->kind == C_VERIFY;
    char msg[200], echo[64];
    size_t want;

    if (!cJSON_IsString(a) || !mv_key_alg_parse(a->valuestring, alg) ||
        mv_key_alg_is_signature(*alg) != sig) {
        /* [UNCERTAIN] text: says which algorithms this operation takes. */
        snprintf(msg, sizeof msg,
                 !cJSON_IsString(a) ? "Property 'alg' is required."
                 : sig ? "Invalid algorithm '%s' for this operation: use RS256, RS384, RS512, "
                         "PS256, PS384, PS512, ES256, ES256K, ES384 or ES512."
                       : "Invalid algorithm '%s' for this operation: use RSA1_5, RSA-OAEP or "
                         "RSA-OAEP-256.",
                 cJSON_IsString(a) ? mv_reply_echo(a->valuestring, echo, sizeof echo) : "");
        mv_vault_bad_parameter(r, NULL, msg);
        return false;
    }
    want = mv_key_alg_digest_len(*alg);
    if (sig && digest_len != want) {
        /* [USER SO 76236157], exact. */
        snprintf(msg, sizeof msg,
                 "Invalid length of '%s': %zu bytes. %s requires %zu bytes, encoded with "
                 "base64url.",
                 op->kind == C_VERIFY ? "digest" : "value", digest_len, mv_key_alg_name(*alg),
                 want);
        mv_vault_bad_parameter(r, NULL, msg);
        return false;
    }
    return true;
}

/* 400 for what the key material refused (wrong algorithm for the key, plaintext too long,
 * ciphertext that does not decrypt). */
static enum MHD_Result km_refused(struct mv_req *r, enum mv_km_err e, enum mv_key_alg alg,
                                  const struct mv_object_view *kv)
{
    bool ec = mv_keymat_kty(kv->v.key->mat) == MV_KTY_EC;

    switch (e) {
    case MV_KM_BAD_ALG:
        /* [UNCERTAIN] text (spec §4 "alg wrong for key"). */
        return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                 "Algorithm %s is not supported for this %s key%s%s.",
                                 mv_key_alg_name(alg), ec ? "EC" : "RSA", ec ? " on curve " : "",
                                 ec ? mv_crv_name(mv_keymat_crv(kv->v.key->mat)) : "");
    case MV_KM_BAD_LENGTH:
        return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                 "Invalid length of 'value': too long for %s with this key "
                                 "(one RSA block).",
                                 mv_key_alg_name(alg));
    case MV_KM_DECRYPT:
        /* [USER azure-sdk-for-js#28100] for OAEP; status and code [UNCERTAIN]. */
        return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                 "Error occurred while decoding %s padding",
                                 alg == MV_ALG_RSA1_5 ? "PKCS#1 v1.5" : "OAEP");
    default: return mv_keys_km_err(r, e);
    }
}

static enum MHD_Result crypto(struct mv_req *r, const struct crypto_op *op)
{
    struct mv_object_view kv;
    cJSON *body = NULL;
    unsigned char *in = NULL, *sig = NULL, *out = NULL;
    size_t in_len = 0, sig_len = 0, out_len = 0;
    enum mv_key_alg alg = MV_ALG_RS256;
    enum mv_km_err e;
    bool valid = false;
    int ok = MHD_YES;

    if (!mv_keys_get_or_reply(r, r->cap[0], r->cap[1], &kv))
        goto out;
    if (!mv_vault_body_or_reply(r, &body))
        goto out;
    /* verify: the digest is "digest" and the signature "value"; the others: "value". */
    if (!b64_field_or_reply(r, body, op->kind == C_VERIFY ? "digest" : "value", &in, &in_len) ||
        (op->kind == C_VERIFY && !b64_field_or_reply(r, body, "value", &sig, &sig_len)))
        goto out;
    if (!state_or_reply(r, &kv, op) || !alg_or_reply(r, body, op, in_len, &alg))
        goto out;
    /* The journal and log carry the algorithm's name, never the value or the result. */
    r->algorithm = mv_key_alg_name(alg);
    switch (op->kind) {
    case C_ENCRYPT: e = mv_keymat_encrypt(kv.v.key->mat, alg, in, in_len, &out, &out_len); break;
    case C_DECRYPT: e = mv_keymat_decrypt(kv.v.key->mat, alg, in, in_len, &out, &out_len); break;
    case C_SIGN: e = mv_keymat_sign(kv.v.key->mat, alg, in, in_len, &out, &out_len); break;
    default: e = mv_keymat_verify(kv.v.key->mat, alg, in, in_len, sig, sig_len, &valid); break;
    }
    if (e != MV_KM_OK)
        ok = km_refused(r, e, alg, &kv);
    else if (op->kind == C_VERIFY)
        ok = mv_reply_key_verify(r, valid);
    else
        /* The kid names the version that answered: the current one for a version-less path. */
        ok = mv_reply_key_result(r, kv.name, kv.v.id, out, out_len);
out:
    cx_wipe_free(in, in_len);
    cx_wipe_free(sig, sig_len);
    cx_wipe_free(out, out_len);
    cJSON_Delete(body);
    mv_object_view_finish(&kv);
    return ok;
}

enum MHD_Result mv_keys_h_encrypt(struct mv_req *r)
{
    return crypto(r, &op_encrypt);
}

enum MHD_Result mv_keys_h_decrypt(struct mv_req *r)
{
    return crypto(r, &op_decrypt);
}

enum MHD_Result mv_keys_h_wrap(struct mv_req *r)
{
    return crypto(r, &op_wrap);
}

enum MHD_Result mv_keys_h_unwrap(struct mv_req *r)
{
    return crypto(r, &op_unwrap);
}

enum MHD_Result mv_keys_h_sign(struct mv_req *r)
{
    return crypto(r, &op_sign);
}

enum MHD_Result mv_keys_h_verify(struct mv_req *r)
{
    return crypto(r, &op_verify);
}

/* A standard vault's answer, exact (95 B) [REC R-NET25]. */
enum MHD_Result mv_keys_h_attestation(struct mv_req *r)
{
    return mv_vault_bad_parameter(r, NULL, "Method GET does not allow operation 'attestation'");
}

/* GetRandomBytes: {"count":1..128} -> {"value":base64url}. Managed HSM's operation, served on
 * every vault (spec §3.11). The bytes never reach a log. */
enum MHD_Result mv_keys_h_rng(struct mv_req *r)
{
    cJSON *body = NULL;
    const cJSON *count;
    unsigned char buf[128];
    char *text = NULL;
    size_t n;
    int ok;

    if (!mv_vault_body_or_reply(r, &body))
        return MHD_YES;
    count = cJSON_GetObjectItemCaseSensitive(body, "count");
    if (!cJSON_IsNumber(count) || !(count->valuedouble >= 1 && count->valuedouble <= 128) ||
        count->valuedouble != (double)(int)count->valuedouble) {
        ok = mv_vault_bad_parameter(r, NULL, "Property 'count' must be an integer from 1 to 128.");
        goto out;
    }
    n = (size_t)count->valuedouble;
    if (gnutls_rnd(GNUTLS_RND_RANDOM, buf, n) < 0 || !(text = cx_b64url_encode(buf, n))) {
        ok = mv_vault_reply_common_err(r, MV_E_NOMEM);
        goto out;
    }
    ok = mv_reply_value(r, text);
out:
    cx_wipe(buf, sizeof buf);
    if (text)
        cx_wipe_free(text, strlen(text));
    cJSON_Delete(body);
    return ok;
}
