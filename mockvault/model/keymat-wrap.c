/* keymat-wrap.c: what Secure Key Release (spec/keyvault-keys.md §3.10) needs beyond the vault's
 * own cryptography: an RSA public key imported from a JWK (the attestation token's runtime key),
 * RSA-OAEP with SHA-1, SHA-256 or SHA-384 to it, and AES Key Wrap with Padding (RFC 5649), the two
 * halves of CKM_RSA_AES_KEY_WRAP. */
#include "keymat-int.h"

#include <nettle/aes.h>
#include <nettle/bignum.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/nist-keywrap.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"

/* ---- The runtime key ---- */

enum mv_km_err mv_keymat_import_rsa_public(struct mv_bytes n, struct mv_bytes e,
                                           struct mv_keymat **out)
{
    struct mv_keymat *km = mv_keymat_alloc(MV_KTY_RSA, MV_CRV_NONE);
    enum mv_km_err err = MV_KM_NOMEM;

    if (!km)
        goto out;
    err = MV_KM_BAD_KEY;
    if (!n.data || !n.len || !e.data || !e.len || e.len > 8)
        goto out;
    nettle_mpz_set_str_256_u(km->rsa_pub.n, n.len, n.data);
    nettle_mpz_set_str_256_u(km->rsa_pub.e, e.len, e.data);
    km->bits = (unsigned)mpz_sizeinbase(km->rsa_pub.n, 2);
    if (km->bits < 2048 || km->bits > 4096) {
        err = MV_KM_BAD_SIZE;
        goto out;
    }
    if (mpz_even_p(km->rsa_pub.n) || mpz_even_p(km->rsa_pub.e) ||
        mpz_cmp_ui(km->rsa_pub.e, 3) < 0 || !rsa_public_key_prepare(&km->rsa_pub))
        goto out;
    km->public_only = true;
    err = MV_KM_OK;
out:
    return mv_keymat_deliver(km, err, mv_rsa_wipe, out);
}

static const struct nettle_hash *oaep_nettle_hash(enum mv_oaep_hash hash)
{
    switch (hash) {
    case MV_OAEP_SHA256: return &nettle_sha256;
    case MV_OAEP_SHA384: return &nettle_sha384;
    default: return &nettle_sha1;
    }
}

enum mv_km_err mv_keymat_oaep_encrypt(const struct mv_keymat *km, enum mv_oaep_hash hash,
                                      const unsigned char *in, size_t in_len, unsigned char **out,
                                      size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (km->kty != MV_KTY_RSA)
        return MV_KM_BAD_ALG;
    return mv_rsa_encrypt_with(km, oaep_nettle_hash(hash), in, in_len, out, out_len);
}

enum mv_km_err mv_keymat_oaep_decrypt(const struct mv_keymat *km, enum mv_oaep_hash hash,
                                      const unsigned char *in, size_t in_len, unsigned char **out,
                                      size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (km->kty != MV_KTY_RSA)
        return MV_KM_BAD_ALG;
    if (km->public_only)
        return MV_KM_BAD_KEY;
    return mv_rsa_decrypt_with(km, oaep_nettle_hash(hash), in, in_len, out, out_len);
}

/* ---- AES Key Wrap with Padding (RFC 5649) ----
 *
 * RFC 5649 §3: the alternative initial value AIV = A65959A6 || MLI (the key's length in bytes,
 * 32-bit big-endian); the key is padded with zeros to a multiple of 8 bytes. One padded block is
 * encrypted with a single AES-ECB operation on AIV || P (§4.1 step 2); more blocks go through the
 * RFC 3394 wrapping process W with AIV as its initial value (nettle's nist_keywrap16). Unwrapping
 * (§4.2) inverts either and then checks the AIV's constant, that MLI fits the length and that the
 * padding is zeros (§3 items 1-3). */

struct kek {
    size_t len; /* 16, 24 or 32 */
    union {
        struct aes128_ctx a128;
        struct aes192_ctx a192;
        struct aes256_ctx a256;
    } u;
};

static const uint8_t aiv_const[4] = {0xA6, 0x59, 0x59, 0xA6};

/* nettle_cipher_func over struct kek: AES-ECB of whole blocks. */
static void kek_encrypt(const void *ctx, size_t len, uint8_t *dst, const uint8_t *src)
{
    const struct kek *k = ctx;
    if (k->len == 16)
        aes128_encrypt(&k->u.a128, len, dst, src);
    else if (k->len == 24)
        aes192_encrypt(&k->u.a192, len, dst, src);
    else
        aes256_encrypt(&k->u.a256, len, dst, src);
}

static void kek_decrypt(const void *ctx, size_t len, uint8_t *dst, const uint8_t *src)
{
    const struct kek *k = ctx;
    if (k->len == 16)
        aes128_decrypt(&k->u.a128, len, dst, src);
    else if (k->len == 24)
        aes192_decrypt(&k->u.a192, len, dst, src);
    else
        aes256_decrypt(&k->u.a256, len, dst, src);
}

static bool kek_init(struct kek *k, const unsigned char *key, size_t len, bool decrypt)
{
    k->len = len;
    if (len == 16)
        (decrypt ? aes128_set_decrypt_key : aes128_set_encrypt_key)(&k->u.a128, key);
    else if (len == 24)
        (decrypt ? aes192_set_decrypt_key : aes192_set_encrypt_key)(&k->u.a192, key);
    else if (len == 32)
        (decrypt ? aes256_set_decrypt_key : aes256_set_encrypt_key)(&k->u.a256, key);
    else
        return false;
    return true;
}

enum mv_km_err mv_aes_kwp_wrap(const unsigned char *kek, size_t kek_len, const unsigned char *in,
                               size_t in_len, unsigned char **out, size_t *out_len)
{
    struct kek k;
    uint8_t aiv[8], *padded = NULL, *c = NULL;
    size_t plen = (in_len + 7) / 8 * 8;
    enum mv_km_err err = MV_KM_BAD_LENGTH;

    *out = NULL;
    *out_len = 0;
    if (in_len == 0 || in_len > 0xFFFFFFFFu || !kek_init(&k, kek, kek_len, false))
        goto out;
    memcpy(aiv, aiv_const, 4);
    aiv[4] = (uint8_t)(in_len >> 24);
    aiv[5] = (uint8_t)(in_len >> 16);
    aiv[6] = (uint8_t)(in_len >> 8);
    aiv[7] = (uint8_t)in_len;
    err = MV_KM_NOMEM;
    padded = calloc(1, plen + 8);
    c = malloc(plen + 8);
    if (!padded || !c)
        goto out;
    if (plen == 8) {
        /* §4.1 step 2: one block, C = AES(K, AIV || P). */
        memcpy(padded, aiv, 8);
        memcpy(padded + 8, in, in_len);
        kek_encrypt(&k, 16, c, padded);
    } else {
        memcpy(padded, in, in_len);
        nist_keywrap16(&k, kek_encrypt, aiv, plen + 8, c, padded);
    }
    *out = c;
    *out_len = plen + 8;
    c = NULL;
    err = MV_KM_OK;
out:
    cx_wipe_free(padded, plen + 8);
    free(c);
    cx_wipe(&k, sizeof k);
    return err;
}

/* RFC 3394 §2.2.2 (index based) W^-1: recovers the initial value into a and the n blocks into r
 * from c (n + 1 blocks). */
static void unwrap_w(const struct kek *k, const uint8_t *c, size_t n, uint8_t a[8], uint8_t *r)
{
    uint8_t b[16];

    memcpy(a, c, 8);
    memcpy(r, c + 8, n * 8);
    for (int j = 5; j >= 0; j--) {
        for (size_t i = n; i >= 1; i--) {
            uint64_t t = (uint64_t)n * (uint64_t)j + i;
            memcpy(b, a, 8);
            for (int x = 0; x < 8; x++)
                b[7 - x] ^= (uint8_t)(t >> (8 * x));
            memcpy(b + 8, r + (i - 1) * 8, 8);
            kek_decrypt(k, 16, b, b);
            memcpy(a, b, 8);
            memcpy(r + (i - 1) * 8, b + 8, 8);
        }
    }
    cx_wipe(b, sizeof b);
}

enum mv_km_err mv_aes_kwp_unwrap(const unsigned char *kek, size_t kek_len, const unsigned char *in,
                                 size_t in_len, unsigned char **out, size_t *out_len)
{
    struct kek k;
    uint8_t a[8], *p = NULL;
    size_t n = in_len / 8 - 1, mli;
    unsigned bad = 0;
    enum mv_km_err err = MV_KM_BAD_LENGTH;

    *out = NULL;
    *out_len = 0;
    if (in_len < 16 || in_len % 8 != 0 || !kek_init(&k, kek, kek_len, true))
        goto out;
    err = MV_KM_NOMEM;
    p = malloc(n * 8 + 8);
    if (!p)
        goto out;
    if (n == 1) {
        /* §4.2 step 1: A || P = AES-1(K, C). */
        uint8_t b[16];
        kek_decrypt(&k, 16, b, in);
        memcpy(a, b, 8);
        memcpy(p, b + 8, 8);
        cx_wipe(b, sizeof b);
    } else {
        unwrap_w(&k, in, n, a, p);
    }
    /* §4.2 step 3, the three checks; all run whatever the first found. */
    err = MV_KM_DECRYPT;
    mli = (size_t)a[4] << 24 | (size_t)a[5] << 16 | (size_t)a[6] << 8 | a[7];
    bad |= !memeql_sec(a, aiv_const, 4);
    bad |= mli <= 8 * (n - 1) || mli > 8 * n;
    for (size_t i = mli; !bad && i < 8 * n; i++)
        bad |= p[i] != 0;
    if (bad)
        goto out;
    *out = p;
    *out_len = mli;
    p = NULL;
    err = MV_KM_OK;
out:
    cx_wipe_free(p, n * 8 + 8);
    cx_wipe(&k, sizeof k);
    return err;
}
