/* fuzz-keys: the keys family's request bodies through the whole request path of the real server
 * (fz-mock.c, fixtures/default.json with its keys demo-rsa, RSA-2048, and demo-ec, P-256).
 * Input byte 0 picks the request (ops[] below) and the rest is its JSON body: create and import
 * (JWK), PATCH, encrypt / decrypt / wrapkey / unwrapkey / sign / verify with alg, value and
 * digest, the rotation policy, release and /rng, and restore, either of the blob text as a client
 * sends it or of a key JSON sealed here with the server's backup key as the keys' backup seals it
 * (vault/keys.c), so that mv_state_key_from_json and the store's restore see fuzzed keys.
 *
 * Two requests take a body that is made valid first, so that the success paths run with fuzzed
 * algorithms and lengths: "decrypt (sealed)" encrypts the body's value with the fixture key under
 * the body's alg, and "verify (signed)" signs its digest, both before the request is sent.
 * Key generation is one key per spec and process (fz-keygen.c), which is also how the harness
 * holds the fixture keys' material. With FZ_VERBOSE set in the environment, each answer's status
 * and the beginning of its body are printed (to check that a seed gets as far as meant). */
#include "fz-util.h"

#include "cx-base64.h"
#include "cx-mem.h"
#include "fz-keygen.h"
#include "fz-mock.h"
#include "http.h"
#include "vault-int.h"

#include <cjson/cJSON.h>
#include <stdio.h>

enum body_kind {
    B_PLAIN,   /* the input as it is */
    B_SEALED,  /* the input sealed as a key backup blob, in {"value":blob} */
    B_ENCRYPT, /* value encrypted under alg with the fixture key first */
    B_SIGN,    /* value = the signature of digest under alg */
};

static const struct {
    const char *method, *path;
    enum body_kind kind;
    bool changes_state; /* a 2xx answer leaves something the next input would see */
    bool ec;            /* the fixture key is demo-ec (else demo-rsa) */
} ops[] = {
    {"POST", "/keys/fz-key/create", B_PLAIN, true, false},
    {"PUT", "/keys/fz-key", B_PLAIN, true, false},
    {"PATCH", "/keys/demo-rsa/", B_PLAIN, true, false},
    {"PATCH", "/keys/demo-ec/4444dddd4444dddd4444dddd4444dddd", B_PLAIN, true, true},
    {"POST", "/keys/demo-rsa/encrypt", B_PLAIN, false, false},
    {"POST", "/keys/demo-rsa/decrypt", B_PLAIN, false, false},
    {"POST", "/keys/demo-rsa/3333cccc3333cccc3333cccc3333cccc/wrapkey", B_PLAIN, false, false},
    {"POST", "/keys/demo-rsa/unwrapkey", B_PLAIN, false, false},
    {"POST", "/keys/demo-rsa/sign", B_PLAIN, false, false},
    {"POST", "/keys/demo-ec/sign", B_PLAIN, false, true},
    {"POST", "/keys/demo-rsa/verify", B_PLAIN, false, false},
    {"POST", "/keys/demo-ec/verify", B_PLAIN, false, true},
    {"PUT", "/keys/demo-rsa/rotationpolicy", B_PLAIN, true, false},
    {"POST", "/keys/restore", B_PLAIN, true, false},
    {"POST", "/keys/restore", B_SEALED, true, false},
    {"POST", "/keys/demo-rsa/decrypt", B_ENCRYPT, false, false},
    {"POST", "/keys/demo-rsa/unwrapkey", B_ENCRYPT, false, false},
    {"POST", "/keys/demo-rsa/verify", B_SIGN, false, false},
    {"POST", "/keys/demo-ec/verify", B_SIGN, false, true},
    {"POST", "/keys/demo-rsa/release", B_PLAIN, false, false},
    {"POST", "/rng", B_PLAIN, false, false},
};
#define NOPS (sizeof ops / sizeof ops[0])

/* The keys' backup blob's additional data (vault/keys.c blob_aad). */
static const char key_blob_aad[] = "mockvault-key-backup-v1";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_mock();
    /* An RSA-4096 create would otherwise wait seconds for the first generation: no answer. */
    fz_keygen_warm();
    return 0;
}

/* body with member field set to the base64url of b[0..len) (added when absent); false when out
 * of memory. */
static bool set_b64(cJSON *body, const char *field, const unsigned char *b, size_t len)
{
    char *text = cx_b64url_encode(b, len);
    cJSON_DeleteItemFromObjectCaseSensitive(body, field);
    bool ok = text && cJSON_AddStringToObject(body, field, text);
    free(text);
    return ok;
}

/* The body of a B_ENCRYPT or B_SIGN input: its alg and value (or digest) run through the fixture
 * key's material, here, and the result put where the request expects it. A body that is not an
 * object with those members, or whose algorithm or length the key refuses, is sent as it came:
 * the server must then refuse it too. Returns a new text, or NULL to send the input. */
static char *prepare(const uint8_t *data, size_t size, enum body_kind kind, bool ec)
{
    const struct mv_key_spec spec = {ec ? MV_KTY_EC : MV_KTY_RSA, ec ? 0 : 2048,
                                     ec ? MV_CRV_P256 : MV_CRV_NONE};
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(body, "alg");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(body, kind == B_SIGN ? "digest" : "value");
    struct mv_keymat *km = fz_keygen(&spec);
    unsigned char *plain = NULL, *out = NULL;
    size_t plen = 0, olen = 0;
    enum mv_key_alg a;
    char *text = NULL;

    if (!km || !cJSON_IsString(alg) || !cJSON_IsString(in) ||
        !mv_key_alg_parse(alg->valuestring, &a))
        goto out;
    plain = cx_b64_decode(in->valuestring, strlen(in->valuestring),
                          CX_B64_URL | CX_B64_PAD_OPTIONAL, &plen);
    if (!plain)
        goto out;
    enum mv_km_err e = kind == B_SIGN ? mv_keymat_sign(km, a, plain, plen, &out, &olen)
                                      : mv_keymat_encrypt(km, a, plain, plen, &out, &olen);
    if (e == MV_KM_OK && set_b64(body, "value", out, olen))
        text = cJSON_PrintUnformatted(body);
out:
    cx_wipe_free(plain, plen);
    free(out);
    mv_keymat_unref(km);
    cJSON_Delete(body);
    return text;
}

/* {"value": blob} where blob seals data[0..size) as a key backup does; NULL on failure. */
static char *sealed(const uint8_t *data, size_t size)
{
    char *blob = mv_blob_seal(fz_mock(), key_blob_aad, (const char *)data, size);
    cJSON *o = blob ? cJSON_CreateObject() : NULL;
    char *text = o && cJSON_AddStringToObject(o, "value", blob) ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    free(blob);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *made = NULL, *req = NULL;

    if (size == 0)
        return 0;
    size_t k = data[0] % NOPS;
    data++;
    size--;
    if (ops[k].kind == B_SEALED)
        made = sealed(data, size);
    else if (ops[k].kind != B_PLAIN)
        made = prepare(data, size, ops[k].kind, ops[k].ec);
    const char *body = made ? made : (const char *)data;
    size_t blen = made ? strlen(made) : size;
    const char *tok = fz_mock_token();
    size_t cap = blen + strlen(tok) + 512;
    if (!(req = malloc(cap)))
        goto out;
    int n = snprintf(req, cap,
                     "%s %s?api-version=7.5 HTTP/1.1\r\nHost: localhost\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     ops[k].method, ops[k].path, tok, blen);
    if (n < 0 || (size_t)n + blen >= cap)
        goto out;
    memcpy(req + n, body, blen);
    char resp[1024];
    int status = fz_mock_exchange(req, (size_t)n + blen, resp, sizeof resp);
    if (getenv("FZ_VERBOSE")) {
        const char *b = strstr(resp, "\r\n\r\n");
        fprintf(stderr, "fuzz-keys: %s %s: %d %.200s\n", ops[k].method, ops[k].path, status,
                b ? b + 4 : "");
    }
    /* A created, imported, updated or restored key, or a new policy, would change how the next
     * input is answered (a 409, another key_ops): back to the fixture. */
    if (ops[k].changes_state && status >= 200 && status < 300)
        fz_mock_reset();
out:
    free(req);
    free(made);
    return 0;
}
