/* keys-util.c: the answers every keys file gives alike (keys-int.h): store errors with the keys'
 * bodies (spec/keyvault-keys.md §4), the key lookup of a request, keymat refusals. Apart from
 * keys.c so that the handler files depend on it and keys.c's table on them, without a cycle. */
#include <stdio.h>
#include <string.h>

#include "keys-int.h"
#include "reply.h"
#include "vault-int.h"

static const char not_found_fmt[] =
    "A key with (name/id) %s was not found in this key vault. If you recently deleted this key "
    "you may be able to recover it using the correct recovery command. For help resolving this "
    "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

enum MHD_Result mv_keys_store_err(struct mv_req *r, enum mv_err e, const char *name,
                                  const char *version)
{
    char what[200];

    switch (e) {
    case MV_E_NOT_FOUND:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "KeyNotFound", NULL, not_found_fmt, name);
    case MV_E_VERSION_NOT_FOUND:
        /* [UNCERTAIN] the service's text for a missing version; by analogy with secrets. */
        snprintf(what, sizeof what, "%s/%s", name, version ? version : "");
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "KeyNotFound", NULL, not_found_fmt, what);
    case MV_E_NOT_DELETED:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "KeyNotFound", NULL,
                                 "Deleted Key not found: %s", name);
    case MV_E_DELETED:
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", "ObjectIsDeletedButRecoverable",
                                 "Key %s is currently in a deleted but recoverable state, and its "
                                 "name cannot be reused; in this state, the key can only be "
                                 "recovered or purged.",
                                 name);
    case MV_E_MANAGED: return mv_vault_reply_managed(r, "KeyManagedByKeyVault");
    default: return mv_vault_reply_common_err(r, e);
    }
}

bool mv_keys_get_or_reply(struct mv_req *r, const char *name, const char *version,
                          struct mv_object_view *out)
{
    enum mv_err e;

    memset(out, 0, sizeof *out);
    if (!mv_vault_name_ok(name)) {
        mv_vault_reply_bad_name(r, name);
        return false;
    }
    e = mv_store_get(r->srv->store, MV_OBJ_KEY, r->vault, name, version, out);
    if (e == MV_OK && !out->v.key)
        e = MV_E_NOT_FOUND;
    if (e != MV_OK) {
        mv_keys_store_err(r, e, name, version);
        return false;
    }
    return true;
}

enum MHD_Result mv_keys_km_err(struct mv_req *r, enum mv_km_err e)
{
    switch (e) {
    case MV_KM_BAD_SIZE:
        return mv_vault_bad_parameter(
            r, NULL, "Unsupported key size. Supported sizes are [2048, 3072, 4096].");
    case MV_KM_BAD_KEY:
        return mv_vault_bad_parameter(r, NULL,
                                      "The key is not valid: its parts are missing, inconsistent "
                                      "or not a key of the type 'kty' names.");
    case MV_KM_UNSUPPORTED:
        return mv_vault_bad_parameter(r, NULL, "The key type or curve is not supported.");
    case MV_KM_NOMEM: return mv_vault_reply_common_err(r, MV_E_NOMEM);
    default: return mv_vault_bad_parameter(r, NULL, "The request is invalid for this key.");
    }
}
