/* object-id.c: kv_secret_id_parse and kv_key_id_parse, the one parser of Key Vault object
 * identifiers, used by the library for the id (kid) of every bundle and item it reads and by the
 * kvclient CLI for --id. */
#include <stdlib.h>
#include <string.h>

#include "kv-int.h"

int kv__id_parse(const char *id, const char *kind, const char *live, const char *deleted,
                 char **vault_url, char **name, char **version, struct kv_error *err)
{
    /* The collections an id may name; a deleted object's recoveryId uses the second. */
    const char *const collections[] = {live, deleted};
    const char *host, *path, *nm = NULL, *slash;
    char *url = NULL, *n = NULL, *v = NULL;
    int st = KV_E_INVALID_ARG;

    kv__error_clear(err);
    if (!id || strncmp(id, "https://", 8) != 0) {
        kv__fail(err, st, "must be an https:// %s identifier", kind);
        goto out;
    }
    host = id + 8;
    path = strchr(host, '/');
    for (size_t i = 0; path && path != host && i < sizeof collections / sizeof *collections; i++)
        if (strncmp(path, collections[i], strlen(collections[i])) == 0)
            nm = path + strlen(collections[i]);
    if (!nm) {
        kv__fail(err, st, "has no %sNAME path", live);
        goto out;
    }
    /* NAME, NAME/ and NAME/VERSION; anything deeper is not an object of this kind. */
    slash = strchr(nm, '/');
    if (slash == nm || *nm == '\0' || (slash && strchr(slash + 1, '/'))) {
        kv__fail(err, st, "is not a %s identifier", kind);
        goto out;
    }
    st = KV_E_NOMEM;
    if ((vault_url && !(url = kv__strndup(id, (size_t)(path - id)))) ||
        (name && !(n = kv__strndup(nm, slash ? (size_t)(slash - nm) : strlen(nm)))) ||
        (version && slash && slash[1] && !(v = kv__strdup(slash + 1)))) {
        kv__fail(err, st, "out of memory");
        goto out;
    }
    st = KV_OK;
out:
    if (st != KV_OK) {
        free(url);
        free(n);
        free(v);
        url = n = v = NULL;
    }
    if (vault_url)
        *vault_url = url;
    if (name)
        *name = n;
    if (version)
        *version = v;
    return st;
}

int kv_secret_id_parse(const char *id, char **vault_url, char **name, char **version,
                       struct kv_error *err)
{
    return kv__id_parse(id, "secret", "/secrets/", "/deletedsecrets/", vault_url, name, version,
                        err);
}

int kv_key_id_parse(const char *id, char **vault_url, char **name, char **version,
                    struct kv_error *err)
{
    return kv__id_parse(id, "key", "/keys/", "/deletedkeys/", vault_url, name, version, err);
}
