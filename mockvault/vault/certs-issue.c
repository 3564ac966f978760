/* certs-issue.c: starting and issuing certificate versions (certificates.h), the settling of
 * operations on observation, and the managed secret's value (certs-int.h). Key generation and
 * X.509 work happen here, outside the store's lock; the store only files the results. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certs-int.h"
#include "cx-mem.h"

static bool is_issuer(const char *name, const char *want)
{
    return name && strcasecmp(name, want) == 0;
}

enum mv_x509_err mv_certs_secret_value(const struct mv_cert_policy *p, const struct mv_keymat *km,
                                       const unsigned char *const *certs, const size_t *lens,
                                       size_t n, char **out)
{
    /* Exportable false: the secret holds the certificates only (spec §1). */
    const struct mv_keymat *key = p->exportable ? km : NULL;

    if (p->content_type && strcmp(p->content_type, "application/x-pem-file") == 0)
        return mv_x509_write_pem(key, certs, lens, n, out);
    return mv_x509_write_pkcs12(key, certs, lens, n, out);
}

/* The key of a new version: the current version's when the policy reuses it, otherwise a fresh
 * one of the policy's type. Returns a reference the caller releases, or NULL with err->km set. */
static struct mv_keymat *version_key(struct mv_server *srv, const char *vault, const char *name,
                                     const struct mv_cert_policy *p, struct mv_certs_err *err)
{
    struct mv_key_spec spec;
    struct mv_keymat *mat = NULL;

    if (p->reuse_key) {
        struct mv_object_view kv;
        memset(&kv, 0, sizeof kv);
        if (mv_store_get(srv->store, MV_OBJ_KEY, vault, name, NULL, &kv) == MV_OK && kv.v.managed &&
            kv.v.key && kv.v.key->mat && mv_keymat_kty(kv.v.key->mat) == p->kty)
            mat = mv_keymat_ref(kv.v.key->mat);
        mv_object_view_finish(&kv);
        if (mat)
            return mat;
    }
    memset(&spec, 0, sizeof spec);
    spec.kty = p->kty;
    spec.bits = p->kty == MV_KTY_RSA ? p->key_size : 0;
    spec.crv = p->kty == MV_KTY_EC ? p->crv : MV_CRV_NONE;
    err->km = mv_key_generate(&spec, &mat);
    return err->km == MV_KM_OK ? mat : NULL;
}

bool mv_certs_begin(struct mv_server *srv, const char *vault, const char *name,
                    const struct mv_cert_policy *policy, const struct mv_certs_begin_fields *f,
                    int64_t now, struct mv_cert_op **op, struct mv_certs_err *err)
{
    struct mv_cert_policy stored;
    const struct mv_cert_policy *p = policy;
    struct mv_keymat *mat = NULL;
    unsigned char *csr = NULL;
    size_t csr_len = 0;
    struct mv_cert_begin in;
    struct mv_cert_op *o = NULL;
    bool ok = false;

    memset(err, 0, sizeof *err);
    memset(&stored, 0, sizeof stored);
    if (op)
        *op = NULL;
    if (!p) {
        err->store = mv_store_cert_policy_get(srv->store, vault, name, &stored);
        if (err->store != MV_OK)
            goto out;
        p = &stored;
    }
    mat = version_key(srv, vault, name, p, err);
    if (!mat)
        goto out;
    err->x509 = mv_x509_csr(p, mat, &csr, &csr_len);
    if (err->x509 != MV_X509_OK)
        goto out;
    memset(&in, 0, sizeof in);
    in.policy = policy;
    in.mat = mat;
    in.csr = csr;
    in.csr_len = csr_len;
    in.tags = f ? f->tags : NULL;
    in.has_enabled = f && f->has_enabled;
    in.enabled = f && f->enabled;
    o = op ? calloc(1, sizeof *o) : NULL;
    if (op && !o) {
        err->store = MV_E_NOMEM;
        goto out;
    }
    err->store = mv_store_cert_begin(srv->store, vault, name, &in, now, o, NULL);
    ok = err->store == MV_OK;
    if (ok && op) {
        *op = o;
        o = NULL;
    }
out:
    /* A struct the store never filled holds nothing to free. */
    if (o && ok)
        mv_cert_op_free(o);
    else
        free(o);
    free(csr);
    mv_keymat_unref(mat);
    mv_cert_policy_finish(&stored);
    return ok;
}

bool mv_certs_complete_self(struct mv_server *srv, const char *vault, const char *name, int64_t now,
                            struct mv_object_view *out, struct mv_certs_err *err)
{
    struct mv_cert_op *op = NULL;
    struct mv_cert_policy p;
    unsigned char *der = NULL;
    size_t der_len = 0;
    char *value = NULL;
    struct mv_x509_props props;
    struct mv_cert_issue in;
    bool ok = false;

    memset(err, 0, sizeof *err);
    memset(&p, 0, sizeof p);
    memset(&props, 0, sizeof props);
    err->store = mv_store_cert_op_get(srv->store, vault, name, &op);
    if (err->store != MV_OK)
        goto out;
    if (op->status != MV_COP_IN_PROGRESS || !op->mat) {
        err->store = MV_E_OP_NOT_IN_PROGRESS;
        goto out;
    }
    err->store = mv_store_cert_policy_get(srv->store, vault, name, &p);
    if (err->store != MV_OK)
        goto out;
    /* Issued as of the version's creation, so nbf = created - 600 and exp = created + validity
     * as recorded, however late the observation that completes it comes. */
    int64_t issued = op->created ? op->created : now;
    err->x509 = mv_x509_self_signed(&p, op->mat, issued, &der, &der_len);
    if (err->x509 == MV_X509_OK)
        err->x509 = mv_certs_secret_value(&p, op->mat, (const unsigned char *const *)&der, &der_len,
                                          1, &value);
    if (err->x509 == MV_X509_OK)
        err->x509 = mv_x509_props(der, der_len, &props);
    if (err->x509 != MV_X509_OK) {
        /* The issuer could not make it: a failed operation carries the error (spec §2). */
        if (err->x509 != MV_X509_NOMEM)
            (void)mv_store_cert_fail(srv->store, vault, name, "Certificate issuer error",
                                     err->x509 == MV_X509_UNSUPPORTED
                                         ? "The policy's key type cannot be issued by this "
                                           "emulator (GnuTLS has no secp256k1 signatures)."
                                         : "The certificate's X.509 properties are invalid.",
                                     now);
        goto out;
    }
    memset(&in, 0, sizeof in);
    in.der = der;
    in.der_len = der_len;
    in.secret_value = value;
    in.secret_content_type = p.content_type;
    in.nbf = props.not_before;
    in.exp = props.not_after;
    /* The version, its key and its secret are dated at issue too: the service's completed bundle
     * has updated = created (spec §2, R-2026), however long the operation was pending here. */
    err->store = mv_store_cert_complete(srv->store, vault, name, &in, issued, out);
    ok = err->store == MV_OK;
out:
    if (value)
        cx_wipe_free(value, strlen(value));
    free(der);
    mv_x509_props_finish(&props);
    mv_cert_policy_finish(&p);
    mv_cert_op_free(op);
    return ok;
}

int mv_certs_issue_self(struct mv_server *srv, const char *vault, const char *name, int64_t now)
{
    struct mv_cert_op *op = NULL;
    struct mv_certs_err err;
    bool ok = mv_certs_begin(srv, vault, name, NULL, NULL, now, &op, &err);

    if (ok && is_issuer(op->issuer_name, "Self"))
        ok = mv_certs_complete_self(srv, vault, name, now, NULL, &err);
    mv_cert_op_free(op);
    return ok ? 0 : -1;
}

/* What an observation does to an operation as it is. */
static bool needs_settling(const struct mv_cert_op *op)
{
    return op && op->status == MV_COP_IN_PROGRESS &&
           (op->cancellation_requested || is_issuer(op->issuer_name, "Self"));
}

void mv_certs_settle(struct mv_req *r, const char *name)
{
    struct mv_cert_op *op = NULL;
    struct mv_certs_err err;

    if (mv_store_cert_op_get(r->srv->store, r->vault, name, &op) != MV_OK || !needs_settling(op))
        goto out;
    if (op->cancellation_requested)
        (void)mv_store_cert_settle(r->srv->store, r->vault, name, mv_req_now(r));
    else
        /* A concurrent observer may have completed it first: its error is not ours to answer. */
        (void)mv_certs_complete_self(r->srv, r->vault, name, mv_req_now(r), NULL, &err);
out:
    mv_cert_op_free(op);
}

void mv_certs_settle_vault(struct mv_req *r)
{
    const struct mv_data *d = mv_store_rdlock(r->srv->store);
    const struct mv_vault *v = mv_data_vault(d, r->vault);
    char **names = NULL;
    size_t n = 0;

    /* Names are copied under the read lock; issuing takes the write lock, so it runs after. */
    for (size_t i = 0; v && i < v->ncerts; i++) {
        char **nn;
        if (v->certs[i].deleted || !needs_settling(v->certs[i].pending))
            continue;
        nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        names[n] = strdup(v->certs[i].name);
        if (names[n])
            n++;
    }
    mv_store_unlock(r->srv->store);
    for (size_t i = 0; i < n; i++) {
        mv_certs_settle(r, names[i]);
        free(names[i]);
    }
    free(names);
}
