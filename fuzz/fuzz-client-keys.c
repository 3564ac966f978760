/* fuzz-client-keys: the keys' response bodies as libkvclient reads them (client/keys.c,
 * client/keys-crypto.c): key bundles (get, delete, rotate), deleted key bundles, key items and
 * deleted key items through the key pager (nextLink too; "@ORIGIN@" stands for the loopback
 * server's origin), the rotation policy, the crypto results of encrypt / decrypt / wrap / unwrap /
 * sign and verify, backup blobs; and, without a connection, kv__key_from_json and
 * kv__rotation_policy_from_json on the same body and the PEM-to-JWK reader the CLI's import uses
 * (kv_jwk_from_pem). Answers come from fz-httpd.c through the real transport. Input byte 0
 * picks the operation (low 4 bits) and, for some values of the high bits, an error status. */
#include "fz-util.h"

#include "fz-client.h"
#include "fz-httpd.h"
#include "kv-int.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#define FZ_MAX_ITEMS 200 /* a page that links to itself would go on for ever */

static struct kv_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    client = fz_client("fuzz-client-keys");
    return 0;
}

static void pager(enum kv_key_list_kind kind)
{
    struct kv_pager *p = NULL;
    struct kv_error err;

    memset(&err, 0, sizeof err);
    if (kv_key_pager_create(client, kind, kind == KV_LIST_KEY_VERSIONS ? "name" : NULL, 0, &p) ==
        KV_OK) {
        /* A bad item is skipped and the next one read; a failed fetch would fail again. */
        for (int i = 0, errors = 0; i < FZ_MAX_ITEMS && errors < 3; i++) {
            struct kv_key *k = NULL;
            if (kv_key_pager_next(p, &k, &err) != KV_OK) {
                errors++;
                continue;
            }
            if (!k)
                break;
            errors = 0;
            kv_key_free(k);
        }
    }
    kv_pager_destroy(p);
}

/* The parsers on the body itself, as a bundle, an item of "value" and a policy. */
static void direct(const char *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    struct kv_error e;
    struct kv_key *k = NULL;
    struct kv_rotation_policy *rp = NULL;
    const cJSON *item;

    if (!root)
        return;
    memset(&e, 0, sizeof e);
    kv__key_from_json(root, "a key bundle", &k, &e);
    kv_key_free(k);
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "value")) {
        k = NULL;
        kv__key_from_json(item, "a key item", &k, &e);
        kv_key_free(k);
    }
    kv__rotation_policy_from_json(root, &rp, &e);
    kv_rotation_policy_free(rp);
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 200, 200, 200, 200, 400, 403, 404};
    static const unsigned char digest[32] = {1, 2, 3};
    struct kv_error err;
    struct kv_key *k = NULL;
    struct kv_crypto_result *cr = NULL;
    struct kv_rotation_policy *rp = NULL;
    size_t len = 0;
    int valid = 0;
    char *blob = NULL;

    if (size == 0)
        return 0;
    char *body = fz_with_origin(data + 1, size - 1, &len);
    if (!body)
        return 0;
    fz_httpd_set(statuses[(data[0] >> 4) % 8], "", body, len);
    memset(&err, 0, sizeof err);
    switch (data[0] % 16) {
    case 0: kv_key_get(client, "name", NULL, &k, &err); break;
    case 1: kv_key_get_deleted(client, "name", &k, &err); break;
    case 2: kv_key_delete(client, "name", &k, &err); break;
    case 3: kv_key_rotate(client, "name", &k, &err); break;
    case 4: pager(KV_LIST_KEYS); break;
    case 5: pager(KV_LIST_KEY_VERSIONS); break;
    case 6: pager(KV_LIST_DELETED_KEYS); break;
    case 7: kv_key_rotation_policy_get(client, "name", &rp, &err); break;
    case 8: kv_key_encrypt(client, "name", NULL, "RSA-OAEP", "x", 1, &cr, &err); break;
    case 9: kv_key_decrypt(client, "name", "0123", "RSA-OAEP-256", "x", 1, &cr, &err); break;
    case 10: kv_key_unwrap(client, "name", NULL, "RSA1_5", "x", 1, &cr, &err); break;
    case 11: kv_key_sign(client, "name", NULL, "ES256", digest, sizeof digest, &cr, &err); break;
    case 12:
        kv_key_verify(client, "name", NULL, "PS256", digest, sizeof digest, "s", 1, &valid, &err);
        break;
    case 13: kv_key_backup(client, "name", &blob, &err); break;
    case 14: kv_key_restore(client, "blob", &k, &err); break;
    default: {
        /* The CLI's import reads PEM locally; the fuzzer's bytes, not NUL-terminated. */
        struct kv_jwk *j = NULL;
        kv_jwk_from_pem((const char *)data + 1, size - 1, &j, &err);
        kv_jwk_free(j);
        break;
    }
    }
    kv_key_free(k);
    kv_crypto_result_free(cr);
    kv_rotation_policy_free(rp);
    kv_free_secret(blob);
    direct(body, len);
    free(body);
    return 0;
}
