/* fuzz-backup: the restore path of backup blobs (POST /secrets/restore) through the real server.
 * Input byte 0 chooses: even, the rest is the blob text as a client would send it (base64url
 * decoding, the magic, the AES-GCM check); odd, the rest is the secret JSON inside a blob, sealed
 * here with the server's backup key exactly as h_backup does (vault/secrets.c), so that the
 * secret parser (mv_state_secret_from_json) and the store's restore see fuzzed secrets. */
#include "fz-util.h"

#include "cx-base64.h"
#include "fz-mock.h"
#include "http.h"

#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>

/* The blob format of vault/secrets.c: "MVBK1" | nonce(12) | AES-256-GCM(secret JSON) | tag(16). */
#define BLOB_MAGIC "MVBK1"
#define BLOB_MAGIC_LEN 5
#define BLOB_NONCE 12
#define BLOB_TAG 16
static const char blob_aad[] = "mockvault-backup-v1";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_mock();
    return 0;
}

/* The base64url blob that carries plain[0..len) under the server's key; NULL on failure. */
static char *seal(const uint8_t *plain, size_t len)
{
    struct mv_server *srv = fz_mock();
    gnutls_datum_t key = {srv->backup_key, sizeof srv->backup_key};
    gnutls_aead_cipher_hd_t h = NULL;
    size_t clen = len + BLOB_TAG;
    unsigned char *blob = malloc(BLOB_MAGIC_LEN + BLOB_NONCE + clen);
    char *text = NULL;

    if (!blob || gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &key) < 0)
        goto out;
    memcpy(blob, BLOB_MAGIC, BLOB_MAGIC_LEN);
    memset(blob + BLOB_MAGIC_LEN, 7, BLOB_NONCE);
    if (gnutls_aead_cipher_encrypt(h, blob + BLOB_MAGIC_LEN, BLOB_NONCE, blob_aad,
                                   sizeof blob_aad - 1, BLOB_TAG, plain, len,
                                   blob + BLOB_MAGIC_LEN + BLOB_NONCE, &clen) < 0)
        goto out;
    text = cx_b64url_encode(blob, BLOB_MAGIC_LEN + BLOB_NONCE + clen);
out:
    if (h)
        gnutls_aead_cipher_deinit(h);
    free(blob);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *blob = NULL, *body = NULL, *req = NULL;

    if (size == 0)
        return 0;
    blob = (data[0] & 1) ? seal(data + 1, size - 1) : fz_strndup(data + 1, size - 1);
    if (!blob)
        goto out;
    /* The blob goes in a JSON string, escaped by cJSON as any client's JSON library would. */
    cJSON *o = cJSON_CreateObject();
    if (o && cJSON_AddStringToObject(o, "value", blob))
        body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!body)
        goto out;
    const char *tok = fz_mock_token();
    size_t cap = strlen(body) + strlen(tok) + 512;
    if (!(req = malloc(cap)))
        goto out;
    int n = snprintf(req, cap,
                     "POST /secrets/restore?api-version=7.5 HTTP/1.1\r\nHost: localhost\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     tok, strlen(body), body);
    /* A restored secret stays in the vault: the next input with its name would get a 409. */
    if (n > 0 && (size_t)n < cap && fz_mock_exchange(req, (size_t)n, NULL, 0) == 200)
        fz_mock_reset();
out:
    free(req);
    free(body);
    free(blob);
    return 0;
}
