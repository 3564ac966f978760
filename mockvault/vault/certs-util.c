/* certs-util.c: the certificates' answers for failures (certs-int.h), shared by certs.c and
 * certs-pending.c: the store's errors with the recorded bodies of spec §3, and key or X.509
 * failures as 400s that say what to fix. */
#include <stdio.h>

#include "certs-int.h"
#include "reply.h"
#include "vault-int.h"

static const char not_found_fmt[] =
    "A certificate with (name/id) %s was not found in this key vault. If you recently deleted "
    "this certificate you may be able to recover it using the correct recovery command. For help "
    "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

enum MHD_Result mv_certs_store_err(struct mv_req *r, enum mv_err e, const char *name,
                                   const char *version)
{
    char what[200];

    switch (e) {
    case MV_E_NOT_FOUND:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "CertificateNotFound", NULL, not_found_fmt,
                                 name);
    case MV_E_VERSION_NOT_FOUND:
        /* "(name/id) N/versions/V" [REC]. */
        snprintf(what, sizeof what, "%s/versions/%s", name, version ? version : "");
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "CertificateNotFound", NULL, not_found_fmt,
                                 what);
    case MV_E_NOT_DELETED:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "CertificateNotFound", NULL,
                                 "Deleted Certificate not found: %s", name);
    case MV_E_DELETED:
        return mv_reply_kv_error(
            r, MHD_HTTP_CONFLICT, "Conflict", "ObjectIsDeletedButRecoverable",
            "Certificate %s is currently in a deleted but recoverable state, and its name cannot "
            "be reused; in this state, the certificate can only be recovered or purged.",
            name);
    case MV_E_EXISTS:
        /* [UNCERTAIN] text (spec §3 Restore); mock wording that says what to fix. */
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", NULL,
                                 "Certificate %s, or the key or secret of that name, already "
                                 "exists in this key vault (live or deleted); restore needs a "
                                 "free name.",
                                 name);
    case MV_E_OP_IN_PROGRESS:
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Forbidden", NULL,
                                 "A new key vault certificate can not be created or imported "
                                 "while a pending key vault certificate's status is inProgress.");
    case MV_E_NO_OP:
        return mv_reply_kv_error(r, MHD_HTTP_NOT_FOUND, "PendingCertificateNotFound", NULL,
                                 "Pending Certificate not found: %s", name);
    case MV_E_OP_NOT_IN_PROGRESS:
        /* [UNCERTAIN] body (spec §3 cancel, merge). */
        return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                 "The pending certificate operation of %s is not in progress.",
                                 name);
    case MV_E_POLICY_REQUIRED:
        /* [UNCERTAIN] text: the first version of a name needs a policy [DOC]. */
        return mv_reply_kv_error(r, MHD_HTTP_BAD_REQUEST, "BadParameter", NULL,
                                 "Property 'policy' is required: certificate %s has no policy "
                                 "yet.",
                                 name);
    case MV_E_NAME_IN_USE:
        /* 409 [DOC], text [UNCERTAIN]. */
        return mv_reply_kv_error(r, MHD_HTTP_CONFLICT, "Conflict", NULL,
                                 "A key or secret named %s that no certificate manages already "
                                 "exists in this key vault; a certificate needs the name for its "
                                 "own key and secret.",
                                 name);
    default: return mv_vault_reply_common_err(r, e);
    }
}

enum MHD_Result mv_certs_err_reply(struct mv_req *r, const struct mv_certs_err *e, const char *name)
{
    if (e->store != MV_OK)
        return mv_certs_store_err(r, e->store, name, NULL);
    if (e->km == MV_KM_NOMEM || e->x509 == MV_X509_NOMEM)
        return mv_vault_reply_common_err(r, MV_E_NOMEM);
    if (e->km != MV_KM_OK)
        return mv_vault_bad_parameter(r, NULL,
                                      "The policy's key_props are not a key this vault can make: "
                                      "RSA 2048, 3072 or 4096, or EC P-256, P-384, P-521.");
    if (e->x509 == MV_X509_UNSUPPORTED)
        return mv_vault_bad_parameter(r, NULL,
                                      "mockvault cannot issue certificates for this key type "
                                      "(GnuTLS has no secp256k1 signatures): use P-256, P-384, "
                                      "P-521 or RSA.");
    return mv_vault_bad_parameter(r, NULL, MV_CERTS_INVALID_TEXT);
}
