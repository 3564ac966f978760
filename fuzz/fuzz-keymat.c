/* fuzz-keymat: key material import, directly (model/keymat*.c): mv_keymat_import of JWK parts and
 * mv_keymat_import_pem. Input byte 0 picks the form:
 *   0        PEM: the rest up to a NUL is the PEM text, what follows the NUL the "extra" bytes;
 *   1        RSA JWK parts, 2..5 EC JWK parts on P-256, P-384, P-521, P-256K;
 *   6..255   as byte 0 % 6.
 * JWK parts follow as n, e, d, p, q, dp, dq, qi (RSA) or x, y, d (EC), each a 2-byte big-endian
 * length and that many bytes (a part cut short by the end of the input is short; parts left out
 * are absent); the bytes after the last part are the extra bytes.
 * A key that imports must hold together: its export imports again as the same key (public parts
 * equal), it signs a fixed digest under every algorithm it fits and verifies that signature, and
 * (RSA) decrypts what it encrypted. The extra bytes then go to decrypt and to verify as a
 * ciphertext and a signature, which must be refused or answered, never crash. With FZ_VERBOSE
 * set in the environment, whether the import took the key is printed (to check the seeds). */
#include "fz-util.h"

#include "cx-mem.h"
#include "keymat.h"

#include <stdio.h>

#define MAX_PARTS 8

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-keymat: %s\n", what);
    abort();
}

/* Reads up to MAX_PARTS length-prefixed parts into parts[]; *rest and *rest_len get what follows
 * the last one. */
static size_t read_parts(const uint8_t *d, size_t size, size_t want, struct mv_bytes *parts,
                         const uint8_t **rest, size_t *rest_len)
{
    size_t got = 0;
    while (got < want && size >= 2) {
        size_t len = (size_t)d[0] << 8 | d[1];
        d += 2;
        size -= 2;
        if (len > size)
            len = size;
        parts[got].data = d;
        parts[got].len = len;
        got++;
        d += len;
        size -= len;
    }
    *rest = d;
    *rest_len = size;
    return got;
}

static bool same_bytes(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* parse(export(km)) is km: the state file and backups rely on it. */
static void check_export(const struct mv_keymat *km)
{
    struct mv_jwk_out x = {0}, pub1 = {0}, pub2 = {0};
    struct mv_keymat *again = NULL;

    if (mv_keymat_export(km, &x) != MV_KM_OK || mv_keymat_public(km, &pub1) != MV_KM_OK)
        goto out; /* out of memory */
    struct mv_jwk_parts p = {
        .kty = x.kty,
        .crv = x.crv,
        .n = {x.n, x.n_len},
        .e = {x.e, x.e_len},
        .d = {x.d, x.d_len},
        .p = {x.p, x.p_len},
        .q = {x.q, x.q_len},
        .dp = {x.dp, x.dp_len},
        .dq = {x.dq, x.dq_len},
        .qi = {x.qi, x.qi_len},
        .x = {x.x, x.x_len},
        .y = {x.y, x.y_len},
    };
    enum mv_km_err e = mv_keymat_import(&p, &again);
    if (e == MV_KM_NOMEM)
        goto out;
    if (e != MV_KM_OK)
        fail("the export of an imported key does not import");
    if (mv_keymat_public(again, &pub2) != MV_KM_OK)
        goto out;
    if (!same_bytes(pub1.n, pub1.n_len, pub2.n, pub2.n_len) ||
        !same_bytes(pub1.e, pub1.e_len, pub2.e, pub2.e_len) ||
        !same_bytes(pub1.x, pub1.x_len, pub2.x, pub2.x_len) ||
        !same_bytes(pub1.y, pub1.y_len, pub2.y, pub2.y_len) ||
        mv_keymat_bits(km) != mv_keymat_bits(again) || mv_keymat_crv(km) != mv_keymat_crv(again))
        fail("the export of an imported key imports as another key");
out:
    mv_jwk_out_finish(&x);
    mv_jwk_out_finish(&pub1);
    mv_jwk_out_finish(&pub2);
    mv_keymat_unref(again);
}

/* Every algorithm on km: what it signs verifies, what it encrypts decrypts to the same bytes;
 * the extra bytes are a ciphertext and a signature from outside. */
static void check_ops(const struct mv_keymat *km, const uint8_t *extra, size_t extra_len)
{
    static const unsigned char digest[64] =
        "a fixed digest of sixty-four bytes, for every algorithm";
    static const unsigned char msg[] = "plaintext";

    for (int a = 0; a < MV_ALG_COUNT; a++) {
        unsigned char *out = NULL, *back = NULL, *scratch = NULL;
        size_t olen = 0, blen = 0, slen = 0;
        bool valid = false;
        enum mv_km_err e;

        if (mv_key_alg_is_signature((enum mv_key_alg)a)) {
            size_t dl = mv_key_alg_digest_len((enum mv_key_alg)a);
            e = mv_keymat_sign(km, (enum mv_key_alg)a, digest, dl, &out, &olen);
            if (e == MV_KM_OK && (mv_keymat_verify(km, (enum mv_key_alg)a, digest, dl, out, olen,
                                                   &valid) != MV_KM_OK ||
                                  !valid))
                fail("a signature of an imported key does not verify");
            mv_keymat_verify(km, (enum mv_key_alg)a, digest, dl, extra, extra_len, &valid);
        } else {
            e = mv_keymat_encrypt(km, (enum mv_key_alg)a, msg, sizeof msg, &out, &olen);
            if (e == MV_KM_OK &&
                (mv_keymat_decrypt(km, (enum mv_key_alg)a, out, olen, &back, &blen) != MV_KM_OK ||
                 !same_bytes(back, blen, msg, sizeof msg)))
                fail("what an imported key encrypted does not decrypt to the same bytes");
            if (mv_keymat_decrypt(km, (enum mv_key_alg)a, extra, extra_len, &scratch, &slen) ==
                MV_KM_OK)
                cx_wipe_free(scratch, slen);
        }
        free(out);
        if (back)
            cx_wipe_free(back, blen);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum mv_crv curves[] = {MV_CRV_P256, MV_CRV_P384, MV_CRV_P521, MV_CRV_P256K};
    struct mv_keymat *km = NULL;
    const uint8_t *extra = NULL;
    size_t extra_len = 0;
    enum mv_km_err e;

    if (size == 0)
        return 0;
    unsigned form = data[0] % 6;
    data++;
    size--;
    if (form == 0) {
        const uint8_t *nul = size ? memchr(data, 0, size) : NULL;
        size_t plen = nul ? (size_t)(nul - data) : size;
        /* The PEM parser gets the fuzzer's own bytes, not NUL-terminated, with their length. */
        e = mv_keymat_import_pem((const char *)data, plen, &km);
        extra = nul ? nul + 1 : data + size;
        extra_len = nul ? size - plen - 1 : 0;
    } else {
        struct mv_bytes parts[MAX_PARTS] = {0};
        struct mv_jwk_parts p = {0};
        if (form == 1) {
            p.kty = MV_KTY_RSA;
            read_parts(data, size, 8, parts, &extra, &extra_len);
            p.n = parts[0], p.e = parts[1], p.d = parts[2], p.p = parts[3], p.q = parts[4];
            p.dp = parts[5], p.dq = parts[6], p.qi = parts[7];
        } else {
            p.kty = MV_KTY_EC;
            p.crv = curves[form - 2];
            read_parts(data, size, 3, parts, &extra, &extra_len);
            p.x = parts[0], p.y = parts[1], p.d = parts[2];
        }
        e = mv_keymat_import(&p, &km);
    }
    if (getenv("FZ_VERBOSE"))
        fprintf(stderr, "fuzz-keymat: form %u: import %s (%d)\n", form,
                e == MV_KM_OK ? "accepted" : "refused", (int)e);
    if ((e == MV_KM_OK) != (km != NULL))
        fail("an import's result and its key disagree");
    if (km) {
        check_export(km);
        check_ops(km, extra, extra_len);
    }
    mv_keymat_unref(km);
    return 0;
}
