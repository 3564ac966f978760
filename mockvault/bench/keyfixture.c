/* keyfixture.c: writes the fixture of scripts/bench's key memory figure (issue 10): one vault
 * with N keys of mixed types, cycling RSA-2048, RSA-3072, RSA-4096, P-256, P-384, P-521, P-256K,
 * each given as a JWK with its private parts so the mock loads it instead of generating it. N = 0
 * writes the same fixture without keys: the idle baseline of the same run.
 *
 * Every EC key is distinct. RSA generation is slow (about 1 s for a 4096-bit key on this class of
 * machine), so RSA keys come from POOL distinct keys per size, repeated; the mock holds each
 * entry as its own key material all the same, so its memory does not depend on the repetition.
 * Keys are generated deterministically from their index (repeatable runs), with the mock's own
 * key material code: this is a fixture, not a baseline.
 * Usage: mv-bench-keyfixture OUT.json N [POOL] (POOL default 4). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "keymat.h"

#define TENANT "11111111-1111-1111-1111-111111111111"

static const struct mv_key_spec kinds[] = {
    {MV_KTY_RSA, 2048, MV_CRV_NONE}, {MV_KTY_RSA, 3072, MV_CRV_NONE},
    {MV_KTY_RSA, 4096, MV_CRV_NONE}, {MV_KTY_EC, 0, MV_CRV_P256},
    {MV_KTY_EC, 0, MV_CRV_P384},     {MV_KTY_EC, 0, MV_CRV_P521},
    {MV_KTY_EC, 0, MV_CRV_P256K},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static int add_part(cJSON *jwk, const char *name, const unsigned char *b, size_t len)
{
    char *s;
    if (!b)
        return 0;
    s = cx_b64url_encode(b, len);
    if (!s || !cJSON_AddStringToObject(jwk, name, s)) {
        free(s);
        return -1;
    }
    free(s);
    return 0;
}

/* The "jwk" object of a fixture key version, private parts included. */
static cJSON *jwk_of(const struct mv_keymat *km)
{
    struct mv_jwk_out o;
    cJSON *jwk = cJSON_CreateObject();

    memset(&o, 0, sizeof o);
    if (!jwk || mv_keymat_export(km, &o) != MV_KM_OK)
        goto bad;
    if (!cJSON_AddStringToObject(jwk, "kty", o.kty == MV_KTY_RSA ? "RSA" : "EC") ||
        (o.kty == MV_KTY_EC && !cJSON_AddStringToObject(jwk, "crv", mv_crv_name(o.crv))))
        goto bad;
    if (add_part(jwk, "n", o.n, o.n_len) || add_part(jwk, "e", o.e, o.e_len) ||
        add_part(jwk, "d", o.d, o.d_len) || add_part(jwk, "p", o.p, o.p_len) ||
        add_part(jwk, "q", o.q, o.q_len) || add_part(jwk, "dp", o.dp, o.dp_len) ||
        add_part(jwk, "dq", o.dq, o.dq_len) || add_part(jwk, "qi", o.qi, o.qi_len) ||
        add_part(jwk, "x", o.x, o.x_len) || add_part(jwk, "y", o.y, o.y_len))
        goto bad;
    mv_jwk_out_finish(&o);
    return jwk;
bad:
    mv_jwk_out_finish(&o);
    cJSON_Delete(jwk);
    return NULL;
}

/* Key i: its kind cycles; its seed is the kind and, for RSA, the index modulo the pool. */
static struct mv_keymat *key_for(size_t i, unsigned pool)
{
    const struct mv_key_spec *spec = &kinds[i % NKINDS];
    size_t slot = spec->kty == MV_KTY_RSA ? (i / NKINDS) % pool : i;
    char seed[64];
    struct mv_keymat *km = NULL;

    snprintf(seed, sizeof seed, "keybench-%zu-%zu", i % NKINDS, slot);
    return mv_keymat_generate(spec, seed, strlen(seed), &km) == MV_KM_OK ? km : NULL;
}

int main(int argc, char **argv)
{
    struct mv_keymat *rsa[3][64] = {{NULL}};
    cJSON *root = NULL, *tenants, *vaults, *vault, *keys, *t;
    char *text = NULL;
    FILE *f = NULL;
    long n;
    unsigned pool = 4;
    int rc = 1;

    if (argc < 3 || (n = atol(argv[2])) < 0 || (argc > 3 && (pool = (unsigned)atoi(argv[3])) < 1) ||
        pool > 64) {
        fprintf(stderr, "usage: %s OUT.json N [POOL (1-64)]\n", argv[0]);
        return 2;
    }
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "defaultVault", "keys");
    tenants = cJSON_AddArrayToObject(root, "tenants");
    t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "id", TENANT);
    cJSON_AddArrayToObject(t, "applications");
    cJSON_AddItemToArray(tenants, t);
    vaults = cJSON_AddArrayToObject(root, "vaults");
    vault = cJSON_CreateObject();
    cJSON_AddStringToObject(vault, "name", "keys");
    cJSON_AddStringToObject(vault, "tenantId", TENANT);
    keys = cJSON_AddArrayToObject(vault, "keys");
    cJSON_AddItemToArray(vaults, vault);
    for (long i = 0; i < n; i++) {
        const struct mv_key_spec *spec = &kinds[(size_t)i % NKINDS];
        struct mv_keymat *km, **cached = NULL;
        cJSON *k = cJSON_CreateObject(), *versions, *v, *jwk;
        char name[32];

        if (spec->kty == MV_KTY_RSA)
            cached = &rsa[(size_t)i % NKINDS][((size_t)i / NKINDS) % pool];
        km = cached && *cached ? *cached : key_for((size_t)i, pool);
        if (!k || !km)
            goto out;
        if (cached)
            *cached = km;
        jwk = jwk_of(km);
        if (!cached)
            mv_keymat_unref(km);
        snprintf(name, sizeof name, "key-%05ld", i);
        cJSON_AddStringToObject(k, "name", name);
        versions = cJSON_AddArrayToObject(k, "versions");
        v = cJSON_CreateObject();
        if (!jwk || !versions || !v)
            goto out;
        cJSON_AddItemToObject(v, "jwk", jwk);
        cJSON_AddItemToArray(versions, v);
        cJSON_AddItemToArray(keys, k);
    }
    text = cJSON_PrintUnformatted(root);
    f = fopen(argv[1], "w");
    if (!text || !f || fputs(text, f) < 0 || fclose(f) != 0) {
        f = NULL;
        fprintf(stderr, "%s: cannot write the fixture\n", argv[1]);
        goto out;
    }
    f = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < 64; i++)
            mv_keymat_unref(rsa[s][i]);
    free(text);
    cJSON_Delete(root);
    return rc;
}
