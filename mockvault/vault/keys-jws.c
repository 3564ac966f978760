/* keys-jws.c: the two JSON Web Signatures of Secure Key Release (spec/keyvault-keys.md §3.10):
 * verifying the caller's attestation token against the attestation authorities the fixture lists
 * (and nothing else: the mock attests nothing itself), and signing the release answer with the
 * mock's own TLS key, its certificate chain in x5c as the service puts its own. GnuTLS does both;
 * the token's text never reaches a log or an error message. */
#include <cjson/cJSON.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "keys-int.h"
#include "reply.h"
#include "tls.h"
#include "util.h"

/* Real attestation tokens are a few kilobytes (an SEV-SNP token with its runtime data ~10 KB). */
#define MAX_TOKEN_LEN (64 * 1024)
#define MAX_CHAIN 8

/* ---- The attestation token ---- */

/* The JWS algorithms an attestation token may use: Microsoft Azure Attestation signs RS256; the
 * PS variants are accepted too. Anything else (none, HS*) is refused before any key is tried. */
static gnutls_sign_algorithm_t token_alg(const char *alg)
{
    static const struct {
        const char *name;
        gnutls_sign_algorithm_t sign;
    } algs[] = {
        {"RS256", GNUTLS_SIGN_RSA_SHA256},          {"RS384", GNUTLS_SIGN_RSA_SHA384},
        {"RS512", GNUTLS_SIGN_RSA_SHA512},          {"PS256", GNUTLS_SIGN_RSA_PSS_RSAE_SHA256},
        {"PS384", GNUTLS_SIGN_RSA_PSS_RSAE_SHA384}, {"PS512", GNUTLS_SIGN_RSA_PSS_RSAE_SHA512},
    };
    for (size_t i = 0; alg && i < sizeof algs / sizeof algs[0]; i++)
        if (strcmp(alg, algs[i].name) == 0)
            return algs[i].sign;
    return GNUTLS_SIGN_UNKNOWN;
}

/* Decodes one base64url part of the token as a JSON object (NULL when it is not one). */
static cJSON *part_json(const char *text, size_t len)
{
    unsigned char *raw = cx_b64_decode(text, len, CX_B64_URL | CX_B64_PAD_OPTIONAL, &len);
    cJSON *j = NULL;

    if (raw && !memchr(raw, '\0', len))
        j = cJSON_ParseWithLength((const char *)raw, len);
    free(raw);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

static bool verify_with(gnutls_pubkey_t pub, gnutls_sign_algorithm_t alg,
                        const gnutls_datum_t *data, const gnutls_datum_t *sig)
{
    return gnutls_pubkey_verify_data2(pub, alg, 0, data, sig) >= 0;
}

/* Whether a key of authority a verifies sig over data: a JWK the header's kid names (every JWK
 * when it names none), or any of its certificates. */
static bool authority_verifies(const struct mv_attestation_authority *a, const cJSON *hdr,
                               gnutls_sign_algorithm_t alg, const gnutls_datum_t *data,
                               const gnutls_datum_t *sig)
{
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(hdr, "kid");
    bool ok = false;

    for (size_t i = 0; !ok && i < a->nkeys + a->ncertificates; i++) {
        gnutls_pubkey_t pub = NULL;
        unsigned char *n = NULL, *e = NULL;
        size_t nl = 0, el = 0;
        int ret = gnutls_pubkey_init(&pub);

        if (ret >= 0 && i < a->nkeys) {
            const struct mv_attestation_jwk *k = &a->keys[i];
            if (cJSON_IsString(kid) && k->kid && strcmp(kid->valuestring, k->kid) != 0)
                ret = -1;
            n = ret < 0 ? NULL : cx_b64_decode(k->n, strlen(k->n), MV_B64_LENIENT, &nl);
            e = n ? cx_b64_decode(k->e, strlen(k->e), MV_B64_LENIENT, &el) : NULL;
            gnutls_datum_t dn = {n, (unsigned)nl}, de = {e, (unsigned)el};
            ret = e ? gnutls_pubkey_import_rsa_raw(pub, &dn, &de) : -1;
        } else if (ret >= 0) {
            const char *pem = a->certificates[i - a->nkeys].pem;
            gnutls_datum_t d = {(unsigned char *)(uintptr_t)pem, (unsigned)strlen(pem)};
            ret = gnutls_pubkey_import_x509_raw(pub, &d, GNUTLS_X509_FMT_PEM, 0);
        }
        ok = ret >= 0 && verify_with(pub, alg, data, sig);
        free(n);
        free(e);
        if (pub)
            gnutls_pubkey_deinit(pub);
    }
    return ok;
}

/* A numeric claim (exp, nbf) as unix seconds; false when absent. */
static bool time_claim(const cJSON *payload, const char *name, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(payload, name);
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

cJSON *mv_keys_attestation_or_reply(struct mv_req *r, const char *token)
{
    size_t len = strlen(token);
    const char *d1 = memchr(token, '.', len), *d2 = NULL;
    cJSON *hdr = NULL, *payload = NULL;
    const cJSON *alg, *iss;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    gnutls_sign_algorithm_t salg;
    const struct mv_attestation_authority *a;
    char echo[200];
    double t;
    bool ok = false, verified;

    if (d1)
        d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
    if (len > MAX_TOKEN_LEN || !d2 || strchr(d2 + 1, '.') ||
        !(hdr = part_json(token, (size_t)(d1 - token))) ||
        !(payload = part_json(d1 + 1, (size_t)(d2 - d1 - 1))) ||
        !(sig =
              cx_b64_decode(d2 + 1, strlen(d2 + 1), CX_B64_URL | CX_B64_PAD_OPTIONAL, &sig_len))) {
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token in 'target' is not a signed JSON Web Token "
                          "(header.payload.signature, base64url).");
        goto out;
    }
    alg = cJSON_GetObjectItemCaseSensitive(hdr, "alg");
    salg = token_alg(cJSON_IsString(alg) ? alg->valuestring : NULL);
    if (salg == GNUTLS_SIGN_UNKNOWN || cJSON_GetObjectItemCaseSensitive(hdr, "crit")) {
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token's 'alg' must be RS256, RS384, RS512, PS256, "
                          "PS384 or PS512, without 'crit'.");
        goto out;
    }
    iss = cJSON_GetObjectItemCaseSensitive(payload, "iss");
    gnutls_datum_t data = {(unsigned char *)(uintptr_t)token, (unsigned)(d2 - token)};
    gnutls_datum_t sd = {sig, (unsigned)sig_len};
    a = mv_data_authority(mv_store_rdlock(r->srv->store),
                          cJSON_IsString(iss) ? iss->valuestring : NULL);
    verified = a && authority_verifies(a, hdr, salg, &data, &sd);
    mv_store_unlock(r->srv->store);
    if (!a) {
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token's issuer '%s' is not a trusted attestation "
                          "authority: list it in the fixture's \"attestationAuthorities\".",
                          cJSON_IsString(iss) ? mv_reply_echo(iss->valuestring, echo, sizeof echo)
                                              : "");
        goto out;
    }
    if (!verified) {
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token's signature does not verify with the keys of "
                          "attestation authority '%s'.",
                          mv_reply_echo(iss->valuestring, echo, sizeof echo));
        goto out;
    }
    /* exp and nbf on the mock clock, as the service checks them on its own. */
    if ((time_claim(payload, "exp", &t) && (double)mv_req_now(r) >= t) ||
        (time_claim(payload, "nbf", &t) && (double)mv_req_now(r) < t)) {
        mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", NULL,
                          "The attestation token is expired or not yet valid (its 'exp'/'nbf' "
                          "against the vault's clock): attest again.");
        goto out;
    }
    ok = true;
out:
    cJSON_Delete(hdr);
    free(sig);
    if (!ok) {
        cJSON_Delete(payload);
        payload = NULL;
    }
    return payload;
}

/* ---- The release answer, signed with the mock's TLS key ---- */

/* The signing key and chain, loaded from the TLS material's PEM for each release (a rare
 * operation, and the material never changes while the server runs). */
struct signer {
    gnutls_privkey_t key;
    gnutls_x509_crt_t *chain;
    unsigned nchain;
};

static void signer_finish(struct signer *s)
{
    if (s->key)
        gnutls_privkey_deinit(s->key);
    for (unsigned i = 0; i < s->nchain; i++)
        gnutls_x509_crt_deinit(s->chain[i]);
    gnutls_free(s->chain);
}

static bool signer_load(const struct mv_tls *t, struct signer *s)
{
    gnutls_datum_t k, c;

    memset(s, 0, sizeof *s);
    if (!t || !t->key_pem || !t->cert_pem)
        return false;
    k.data = (unsigned char *)t->key_pem;
    k.size = (unsigned)strlen(t->key_pem);
    c.data = (unsigned char *)t->cert_pem;
    c.size = (unsigned)strlen(t->cert_pem);
    return gnutls_privkey_init(&s->key) >= 0 &&
           gnutls_privkey_import_x509_raw(s->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0) >= 0 &&
           gnutls_x509_crt_list_import2(&s->chain, &s->nchain, &c, GNUTLS_X509_FMT_PEM, 0) >= 0 &&
           s->nchain > 0 && s->nchain <= MAX_CHAIN;
}

/* The header {"alg","kid","x5t","typ","x5t#S256","x5c"} in the recorded order: kid is the
 * leaf's SHA-1 thumbprint in upper-case hex ([UNCERTAIN]: the recording says "cert thumbprint"),
 * x5t and x5t#S256 its SHA-1 and SHA-256 thumbprints, x5c the chain (leaf first, base64 DER). */
static cJSON *jws_header(const struct signer *s, const char *alg)
{
    cJSON *h = cJSON_CreateObject(), *x5c = NULL;
    unsigned char sha1[20], sha256[32];
    char hex[41], *t1 = NULL, *t256 = NULL;
    bool ok = h != NULL;

    for (unsigned i = 0; ok && i < s->nchain; i++) {
        gnutls_datum_t der = {NULL, 0};
        char *b64 = NULL;
        ok = gnutls_x509_crt_export2(s->chain[i], GNUTLS_X509_FMT_DER, &der) >= 0 &&
             (b64 = cx_b64_encode(der.data, der.size, 0)) != NULL;
        if (ok && i == 0) {
            ok = mv_sha1(der.data, der.size, sha1) == 0 &&
                 mv_sha256(der.data, der.size, sha256) == 0;
            for (size_t b = 0; b < 20; b++)
                snprintf(hex + 2 * b, 3, "%02X", sha1[b]);
            t1 = cx_b64url_encode(sha1, sizeof sha1);
            t256 = cx_b64url_encode(sha256, sizeof sha256);
            ok = ok && t1 && t256;
            if (ok) {
                cJSON_AddStringToObject(h, "alg", alg);
                cJSON_AddStringToObject(h, "kid", hex);
                cJSON_AddStringToObject(h, "x5t", t1);
                cJSON_AddStringToObject(h, "typ", "JWT");
                cJSON_AddStringToObject(h, "x5t#S256", t256);
                ok = (x5c = cJSON_AddArrayToObject(h, "x5c")) != NULL;
            }
        }
        if (ok)
            cJSON_AddItemToArray(x5c, cJSON_CreateString(b64));
        free(b64);
        gnutls_free(der.data);
    }
    free(t1);
    free(t256);
    if (!ok) {
        cJSON_Delete(h);
        h = NULL;
    }
    return h;
}

/* JWS wants ECDSA signatures as fixed-width r || s (RFC 7518 §3.4); GnuTLS writes DER. */
static unsigned char *ecdsa_raw(const gnutls_datum_t *der, size_t width, size_t *len)
{
    gnutls_datum_t rd = {NULL, 0}, sd = {NULL, 0};
    unsigned char *out = NULL;

    if (gnutls_decode_rs_value(der, &rd, &sd) < 0)
        goto out;
    out = calloc(1, 2 * width);
    for (int i = 0; out && i < 2; i++) {
        const gnutls_datum_t *v = i == 0 ? &rd : &sd;
        size_t skip = 0;
        while (skip < v->size && v->data[skip] == 0)
            skip++;
        if (v->size - skip > width) {
            free(out);
            out = NULL;
            break;
        }
        memcpy(out + i * width + width - (v->size - skip), v->data + skip, v->size - skip);
    }
    *len = 2 * width;
out:
    gnutls_free(rd.data);
    gnutls_free(sd.data);
    return out;
}

char *mv_keys_sign_jws(struct mv_req *r, const cJSON *payload)
{
    struct signer s;
    cJSON *hdr = NULL;
    char *hj = NULL, *pj = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL;
    char *jws = NULL;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    gnutls_datum_t sig = {NULL, 0};
    unsigned bits = 0;
    int pk;
    const char *alg;
    gnutls_sign_algorithm_t salg;

    if (!signer_load(r->srv->tls, &s))
        goto out;
    /* The service's TLS key is RSA (RS256 [REC]); the mock's is ECDSA P-256 unless --tls-key
     * brought an RSA one, and the header says which. */
    pk = gnutls_privkey_get_pk_algorithm(s.key, &bits);
    if (pk == GNUTLS_PK_RSA) {
        alg = "RS256";
        salg = GNUTLS_SIGN_RSA_SHA256;
    } else if (pk == GNUTLS_PK_ECDSA && bits <= 256) {
        alg = "ES256";
        salg = GNUTLS_SIGN_ECDSA_SHA256;
    } else if (pk == GNUTLS_PK_ECDSA && bits <= 384) {
        alg = "ES384";
        salg = GNUTLS_SIGN_ECDSA_SHA384;
    } else {
        goto out;
    }
    hdr = jws_header(&s, alg);
    hj = hdr ? cJSON_PrintUnformatted(hdr) : NULL;
    pj = cJSON_PrintUnformatted(payload);
    h64 = hj ? cx_b64url_encode(hj, strlen(hj)) : NULL;
    p64 = pj ? cx_b64url_encode(pj, strlen(pj)) : NULL;
    if (!h64 || !p64 || asprintf(&input, "%s.%s", h64, p64) < 0) {
        input = NULL;
        goto out;
    }
    gnutls_datum_t data = {(unsigned char *)input, (unsigned)strlen(input)};
    if (gnutls_privkey_sign_data2(s.key, salg, 0, &data, &sig) < 0)
        goto out;
    if (pk == GNUTLS_PK_ECDSA)
        raw = ecdsa_raw(&sig, bits <= 256 ? 32 : 48, &raw_len);
    s64 = pk == GNUTLS_PK_ECDSA ? (raw ? cx_b64url_encode(raw, raw_len) : NULL)
                                : cx_b64url_encode(sig.data, sig.size);
    if (s64 && asprintf(&jws, "%s.%s", input, s64) < 0)
        jws = NULL;
out:
    signer_finish(&s);
    cJSON_Delete(hdr);
    free(hj);
    /* The payload holds the wrapped key: wiped, though only its owner can unwrap it. */
    if (pj)
        cx_wipe_free(pj, strlen(pj));
    free(h64);
    if (p64)
        cx_wipe_free(p64, strlen(p64));
    if (input)
        cx_wipe_free(input, strlen(input));
    free(s64);
    free(raw);
    gnutls_free(sig.data);
    return jws;
}
