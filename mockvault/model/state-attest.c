/* state-attest.c: the fixture's "attestationAuthorities" (spec/fixtures.md): the attestation
 * services whose tokens Secure Key Release accepts, each with its RSA signing certificates and/or
 * a JWKS, and the issuer comparison the release handler uses to find one. */
#include "state-int.h"

#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cx-base64.h"
#include "cx-text.h"

static const char *const authority_fields[] = {"authority", "certificates", "jwks", NULL};
static const char *const jwks_fields[] = {"keys", NULL};
/* JWKS members other than the RSA public key are accepted and not kept (MAA's keys carry x5c). */
static const char *const jwk_fields[] = {"kty", "kid", "n", "e", "use", "alg", "x5c", "x5t", NULL};

/* The URL without its trailing slashes: the length compared. */
static size_t authority_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    return n;
}

bool mv_authority_equal(const char *a, const char *b)
{
    size_t la, lb;

    if (!a || !b)
        return false;
    la = authority_len(a);
    lb = authority_len(b);
    return la == lb && la > 0 && cx_strncasecmp(a, b, la) == 0;
}

const struct mv_attestation_authority *mv_data_authority(const struct mv_data *d, const char *iss)
{
    for (size_t i = 0; d && i < d->nauthorities; i++)
        if (mv_authority_equal(d->authorities[i].authority, iss))
            return &d->authorities[i];
    return NULL;
}

/* A base64url field of a JWK that must decode to at least min bytes. */
static int get_b64(struct pctx *c, const cJSON *j, const char *key, size_t min, char **out)
{
    unsigned char *raw;
    size_t len = 0, old;

    if (st_get_str(c, j, key, true, true, out) != 0)
        return -1;
    raw = cx_b64_decode(*out, strlen(*out), CX_B64_URL | CX_B64_PAD_OPTIONAL, &len);
    free(raw);
    if (raw && len >= min)
        return 0;
    old = st_path_key(c, key);
    st_fail(c, "'%s' must be base64url of the key's %s", key,
            min > 8 ? "modulus (2048 bits or more)" : "public exponent");
    st_path_pop(c, old);
    return -1;
}

static int parse_jwk(struct pctx *c, const cJSON *j, struct mv_attestation_jwk *k)
{
    const cJSON *kty = cJSON_GetObjectItemCaseSensitive(j, "kty");

    if (st_expect_object(c, j, jwk_fields) != 0)
        return -1;
    if (!cJSON_IsString(kty) || strcmp(kty->valuestring, "RSA") != 0) {
        size_t old = st_path_key(c, "kty");
        st_fail(c, "'kty' must be \"RSA\": attestation tokens are RS256 or PS256");
        st_path_pop(c, old);
        return -1;
    }
    if (st_get_str(c, j, "kid", false, true, &k->kid) != 0 || get_b64(c, j, "n", 256, &k->n) != 0 ||
        get_b64(c, j, "e", 1, &k->e) != 0)
        return -1;
    return 0;
}

static int parse_jwks(struct pctx *c, const cJSON *j, struct mv_attestation_authority *a)
{
    const cJSON *keys;
    size_t old, i = 0;

    if (!j)
        return 0;
    old = st_path_key(c, "jwks");
    if (st_expect_object(c, j, jwks_fields) != 0 || st_get_array(c, j, "keys", &keys) != 0)
        return -1;
    a->keys = st_alloc_items(c, keys, sizeof(*a->keys), &a->nkeys);
    if (c->failed)
        return -1;
    st_path_key(c, "keys");
    for (const cJSON *it = keys ? keys->child : NULL; it; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_jwk(c, it, &a->keys[i]) != 0)
            return -1;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    return 0;
}

/* A certificate entry: a PEM string, or {"pem"} / {"file"} as an app's certificates. */
static int parse_cert(struct pctx *c, const cJSON *j, struct mv_app_cert *cert)
{
    char msg[384];

    if (!cJSON_IsString(j))
        return st_parse_cert(c, j, cert);
    if (mv_cert_load(j->valuestring, strlen(j->valuestring), cert, msg, sizeof msg) != 0) {
        st_fail(c, "%s", msg);
        return -1;
    }
    return 0;
}

static int parse_authority(struct pctx *c, const cJSON *j, struct mv_attestation_authority *a)
{
    const cJSON *certs;
    size_t old, i = 0;

    if (st_expect_object(c, j, authority_fields) != 0 ||
        st_get_str(c, j, "authority", true, true, &a->authority) != 0 ||
        st_get_array(c, j, "certificates", &certs) != 0)
        return -1;
    if (strncmp(a->authority, "https://", 8) != 0 || authority_len(a->authority) <= 8) {
        old = st_path_key(c, "authority");
        st_fail(c, "'authority' must be the attestation service's https:// URL, as the release "
                   "policy's \"authority\" and the token's \"iss\" name it");
        st_path_pop(c, old);
        return -1;
    }
    a->certificates = st_alloc_items(c, certs, sizeof(*a->certificates), &a->ncertificates);
    if (c->failed)
        return -1;
    old = st_path_key(c, "certificates");
    for (const cJSON *it = certs ? certs->child : NULL; it; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_cert(c, it, &a->certificates[i]) != 0)
            return -1;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    if (parse_jwks(c, cJSON_GetObjectItemCaseSensitive(j, "jwks"), a) != 0)
        return -1;
    if (a->ncertificates == 0 && a->nkeys == 0) {
        st_fail(c, "give the authority's signing keys: \"certificates\" (PEM) and/or \"jwks\" "
                   "({\"keys\":[RSA JWKs]})");
        return -1;
    }
    return 0;
}

int st_parse_authorities(struct pctx *c, const cJSON *root, struct mv_data *d)
{
    const cJSON *arr;
    size_t old, i = 0;

    if (st_get_array(c, root, "attestationAuthorities", &arr) != 0)
        return -1;
    d->authorities = st_alloc_items(c, arr, sizeof(*d->authorities), &d->nauthorities);
    if (c->failed)
        return -1;
    old = st_path_key(c, "attestationAuthorities");
    for (const cJSON *it = arr ? arr->child : NULL; it; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_authority(c, it, &d->authorities[i]) != 0)
            return -1;
        for (size_t k = 0; k < i; k++) {
            if (mv_authority_equal(d->authorities[k].authority, d->authorities[i].authority)) {
                st_path_key(c, "authority");
                st_fail(c, "duplicate authority '%s' (also attestationAuthorities[%zu])",
                        st_show(d->authorities[i].authority).s, k);
                return -1;
            }
        }
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    return 0;
}
