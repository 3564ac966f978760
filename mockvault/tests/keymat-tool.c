/* keymat-tool.c: prints, in hex, what test-keymat-python.py checks with python3-cryptography: a
 * seeded RSA-2048 key's n, e and PKCS#8, RSA-OAEP and RSA-OAEP-256 ciphertexts and a PS256
 * signature keymat made with it, and a seeded P-256K key's x, y, PKCS#8 and an ES256K signature.
 * Test-only: it prints private keys (of throwaway seeded keys) and nothing else uses it.
 *   keymat-tool SEED */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"

static void hex(const char *label, const unsigned char *p, size_t n)
{
    printf("%s ", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

static struct mv_keymat *make(enum mv_kty kty, unsigned bits, enum mv_crv crv, const char *seed)
{
    struct mv_key_spec spec = {kty, bits, crv};
    struct mv_keymat *km = NULL;
    if (mv_keymat_generate(&spec, seed, strlen(seed), &km) != MV_KM_OK) {
        fprintf(stderr, "keymat-tool: generation failed\n");
        exit(1);
    }
    return km;
}

/* Prints "label DATA OUTPUT" for one operation, or exits when it fails. */
static void op(const char *label, struct mv_keymat *km, enum mv_key_alg alg, bool sign,
               const unsigned char *in, size_t in_len)
{
    unsigned char *out;
    size_t out_len;
    enum mv_km_err err = sign ? mv_keymat_sign(km, alg, in, in_len, &out, &out_len)
                              : mv_keymat_encrypt(km, alg, in, in_len, &out, &out_len);
    if (err != MV_KM_OK) {
        fprintf(stderr, "keymat-tool: %s failed (%d)\n", label, (int)err);
        exit(1);
    }
    printf("%s ", label);
    for (size_t i = 0; i < in_len; i++)
        printf("%02x", in[i]);
    hex("", out, out_len);
    free(out);
}

int main(int argc, char **argv)
{
    unsigned char msg[190], *der;
    size_t der_len;
    struct mv_jwk_out j;

    if (argc != 2) {
        fprintf(stderr, "usage: keymat-tool SEED\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 13 + 1);
    struct mv_keymat *rsa = make(MV_KTY_RSA, 2048, MV_CRV_NONE, argv[1]);
    struct mv_keymat *k1 = make(MV_KTY_EC, 0, MV_CRV_P256K, argv[1]);
    if (mv_keymat_public(rsa, &j) != MV_KM_OK || mv_keymat_pkcs8(rsa, &der, &der_len) != MV_KM_OK)
        return 1;
    hex("rsa_n", j.n, j.n_len);
    hex("rsa_e", j.e, j.e_len);
    hex("rsa_pkcs8", der, der_len);
    mv_jwk_out_finish(&j);
    free(der);
    for (size_t len = 0; len <= 190; len += 19) {
        op("oaep1", rsa, MV_ALG_RSA_OAEP, false, msg, len);
        op("oaep256", rsa, MV_ALG_RSA_OAEP_256, false, msg, len);
    }
    op("ps256", rsa, MV_ALG_PS256, true, msg, 32);
    op("ps512", rsa, MV_ALG_PS512, true, msg, 64);
    if (mv_keymat_public(k1, &j) != MV_KM_OK || mv_keymat_pkcs8(k1, &der, &der_len) != MV_KM_OK)
        return 1;
    hex("k1_x", j.x, j.x_len);
    hex("k1_y", j.y, j.y_len);
    hex("k1_pkcs8", der, der_len);
    mv_jwk_out_finish(&j);
    free(der);
    op("es256k", k1, MV_ALG_ES256K, true, msg, 32);
    mv_keymat_unref(rsa);
    mv_keymat_unref(k1);
    return 0;
}
