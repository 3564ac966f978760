/* blob.c: the sealed backup blobs of every family (vault-int.h). The real blob is an opaque JWE;
 * clients treat it as bytes, so only opacity and the integrity check ("Malformed backup blob" on
 * tampering) matter. Keyed per state dir (the server's backup key); the value or key material
 * inside never leaves in clear text. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"
#include "util.h"
#include "vault-int.h"

#define BLOB_MAGIC "MVBK1"
#define BLOB_MAGIC_LEN 5
#define BLOB_NONCE 12
#define BLOB_TAG 16

char *mv_blob_seal(struct mv_server *srv, const char *aad, const char *plain, size_t plen)
{
    gnutls_aead_cipher_hd_t h = NULL;
    gnutls_datum_t key = {srv->backup_key, sizeof srv->backup_key};
    size_t blen = BLOB_MAGIC_LEN + BLOB_NONCE + plen + BLOB_TAG, clen = plen + BLOB_TAG;
    unsigned char *blob = malloc(blen);
    char *text = NULL;

    if (!blob || gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key) < 0)
        goto out;
    memcpy(blob, BLOB_MAGIC, BLOB_MAGIC_LEN);
    mv_rand_bytes(blob + BLOB_MAGIC_LEN, BLOB_NONCE);
    if (gnutls_aead_cipher_encrypt(h, blob + BLOB_MAGIC_LEN, BLOB_NONCE, aad, strlen(aad), BLOB_TAG,
                                   plain, plen, blob + BLOB_MAGIC_LEN + BLOB_NONCE, &clen) < 0)
        goto out;
    text = cx_b64url_encode(blob, BLOB_MAGIC_LEN + BLOB_NONCE + clen);
out:
    if (h)
        gnutls_aead_cipher_deinit(h);
    free(blob);
    return text;
}

char *mv_blob_open(struct mv_server *srv, const char *aad, const char *text, size_t *len)
{
    gnutls_aead_cipher_hd_t h = NULL;
    gnutls_datum_t key = {srv->backup_key, sizeof srv->backup_key};
    size_t blen = 0, plen = 0, cap = 0;
    unsigned char *blob = cx_b64_decode(text, strlen(text), MV_B64_LENIENT, &blen);
    char *plain = NULL;
    bool ok = false;

    *len = 0;
    if (!blob || blen < BLOB_MAGIC_LEN + BLOB_NONCE + BLOB_TAG ||
        memcmp(blob, BLOB_MAGIC, BLOB_MAGIC_LEN) != 0)
        goto out;
    plen = blen - BLOB_MAGIC_LEN - BLOB_NONCE;
    cap = plen + 1;
    plain = malloc(cap);
    if (!plain || gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key) < 0)
        goto out;
    /* A tampered or foreign blob (or another family's) fails authentication here. */
    if (gnutls_aead_cipher_decrypt(h, blob + BLOB_MAGIC_LEN, BLOB_NONCE, aad, strlen(aad), BLOB_TAG,
                                   blob + BLOB_MAGIC_LEN + BLOB_NONCE, plen, plain, &plen) < 0)
        goto out;
    plain[plen] = '\0';
    *len = plen;
    ok = true;
out:
    if (h)
        gnutls_aead_cipher_deinit(h);
    free(blob);
    if (!ok) {
        cx_wipe_free(plain, plain ? cap : 0);
        plain = NULL;
    }
    return plain;
}
