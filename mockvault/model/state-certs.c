/* state-certs.c: a vault's certificates in fixtures and snapshots (spec/fixtures.md), and one
 * certificate alone as a backup blob carries it. An entry is {"name", "policy" (the wire JSON of
 * spec/keyvault-certificates.md §2), "pending" (the operation object), "versions"}; a completed
 * version holds its managed secret's value as "pfx" (base64 PKCS#12, with "password" when it has
 * one) or "pem", and may add "cer" (the leaf) and "jwk" (the key), which a snapshot always writes
 * so that loading it reads no PKCS#12; a version with neither "pfx" nor "pem" is generated from
 * the policy. The managed key and secret of every version are rebuilt from the entry and appended
 * to the vault's keys and secrets: they are never listed on their own. */
#include "state-int.h"

#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "keymat.h"
#include "store-certs.h"
#include "util.h"
#include "x509.h"

#define PKCS12_TYPE "application/x-pkcs12"
#define PEM_TYPE "application/x-pem-file"
#define B64_ANY (CX_B64_PAD_OPTIONAL | CX_B64_ANY_ALPHABET)
/* Seeds of generated operation keys are drawn apart from the versions' (st_key_seed's index). */
#define OP_SEED_INDEX ((size_t)1 << 30)

static const char *const version_fields[] = {
    "pfx",  "password", "pem", "cer", "jwk",     "exportable", "keyOps", "pending",
    "tags", "enabled",  "nbf", "exp", "created", "updated",    "id",     NULL,
};
static const char *const live_fields[] = {"name",     "policy",   "pending",
                                          "actioned", "versions", NULL};
static const char *const deleted_fields[] = {
    "name", "deletedDate", "scheduledPurgeDate", "policy", "pending", "actioned", "versions", NULL,
};
static const char *const op_fields[] = {
    "issuer", "csr",     "cancellation_requested", "status", "request_id", "version",
    "error",  "created", "enabledOnComplete",      "jwk",    NULL,
};
static const char *const op_error_fields[] = {"code", "message", NULL};
static const char *const actioned_fields[] = {"version", "mask", NULL};

/* What a version's parse leaves for its managed key and secret, which are built once every id is
 * known (st_parse_object generates missing ids after the versions). */
struct ver_extra {
    struct mv_keymat *mat; /* one reference; NULL for a pending version */
    char *value;           /* the secret's value (owned, wiped); NULL for a pending version */
    bool pem;
    struct mv_key_info ops; /* only ops/nops/exportable are used */
};

/* What the version parser needs beyond the JSON. */
struct cert_ctx {
    const char *vault; /* NULL for a backup blob: nothing generated, no key or secret built */
    struct mv_object *cert;
    struct ver_extra *extra; /* one per version (entry mode) */
    size_t nextra;
};

static void fail_at(struct pctx *c, const char *key, const char *msg)
{
    size_t old = st_path_key(c, key);
    st_fail(c, "%s", msg);
    st_path_pop(c, old);
}

static void extras_free(struct ver_extra *x, size_t n)
{
    for (size_t i = 0; x != NULL && i < n; i++) {
        mv_keymat_unref(x[i].mat);
        if (x[i].value != NULL)
            cx_wipe_free(x[i].value, strlen(x[i].value));
    }
    free(x);
}

/* ---- Versions ---- */

/* Why an X.509 read or write failed, for a message; never quotes the content. */
static const char *x509_message(enum mv_x509_err e)
{
    switch (e) {
    case MV_X509_NOMEM: return "out of memory";
    case MV_X509_BAD_PKCS12:
        return "not a PKCS#12 file that opens with this password (base64 of the .pfx bytes; the "
               "password goes in 'password')";
    case MV_X509_BAD_PEM:
        return "not PEM with a PKCS#8 key (\"PRIVATE KEY\") and certificates, LF line ends";
    case MV_X509_NO_KEY: return "the secret holds no private key: give the key as 'jwk'";
    case MV_X509_UNSUPPORTED:
        return "GnuTLS cannot sign with this key type (P-256K): give the version as 'pfx' or 'pem'";
    default: return "the certificate's properties are invalid";
    }
}

/* The leaf's DER into the version, its x5t, and nbf/exp from the certificate when not given. */
static int set_leaf(struct pctx *c, struct mv_version *v, unsigned char *der, size_t len)
{
    struct mv_x509_props pr;
    memset(&pr, 0, sizeof(pr));
    v->cert->der = der;
    v->cert->der_len = len;
    mv_x509_x5t(der, len, v->cert->x5t);
    enum mv_x509_err e = mv_x509_props(der, len, &pr);
    if (e != MV_X509_OK) {
        st_fail(c, "the certificate cannot be read: %s", x509_message(e));
        return -1;
    }
    if (!v->has_nbf)
        v->nbf = pr.not_before;
    if (!v->has_exp)
        v->exp = pr.not_after;
    v->has_nbf = v->has_exp = true;
    mv_x509_props_finish(&pr);
    return 0;
}

/* A version from the policy (spec/fixtures.md: a version without "pfx"/"pem" is generated): the
 * key (deterministic under --seed), the self-signed certificate as issued at the version's
 * creation, the secret in the policy's content type. */
static int generate_version(struct pctx *c, struct mv_version *v, size_t i, struct cert_ctx *cc,
                            struct ver_extra *x)
{
    const struct mv_cert_policy *p = cc->cert->policy;
    struct mv_key_spec spec = {.kty = p->kty, .bits = p->key_size, .crv = p->crv};
    unsigned char bytes[32], *der = NULL;
    size_t len = 0;
    uint64_t seed;
    bool seeded = mv_rand_get_seed(&seed);
    enum mv_x509_err e;

    if (seeded && st_key_seed(cc->vault, cc->cert->name, i, seed, bytes) != 0) {
        st_fail(c, "out of memory");
        return -1;
    }
    enum mv_km_err ke = mv_keymat_generate(&spec, seeded ? bytes : NULL, seeded ? 32 : 0, &x->mat);
    cx_wipe(bytes, sizeof(bytes));
    if (ke != MV_KM_OK) {
        st_fail(c, "cannot generate the policy's key (%s)",
                ke == MV_KM_NOMEM ? "out of memory" : "unsupported key type or size");
        return -1;
    }
    e = mv_x509_self_signed(p, x->mat, v->created, &der, &len);
    if (e == MV_X509_OK) {
        const unsigned char *certs[1] = {der};
        const struct mv_keymat *km = x->ops.exportable ? x->mat : NULL;
        x->pem = p->content_type != NULL && strcmp(p->content_type, PEM_TYPE) == 0;
        e = x->pem ? mv_x509_write_pem(km, certs, &len, 1, &x->value)
                   : mv_x509_write_pkcs12(km, certs, &len, 1, &x->value);
    }
    if (e != MV_X509_OK) {
        free(der);
        st_fail(c, "cannot issue the certificate from the policy: %s", x509_message(e));
        return -1;
    }
    return set_leaf(c, v, der, len);
}

/* Reads the secret ("pfx" with its password, or "pem"): its key and leaf where the version does
 * not give them, and with a password rewritten without one (the service's secrets have none). */
static int read_secret(struct pctx *c, struct ver_extra *x, const char *password,
                       unsigned char **der, size_t *der_len)
{
    const char *key = x->pem ? "pem" : "pfx";
    struct mv_x509_bundle b;
    enum mv_x509_err e;
    int rc = -1;

    memset(&b, 0, sizeof(b));
    if (x->pem) {
        e = mv_x509_read_pem(x->value, strlen(x->value), password, &b);
    } else {
        size_t len = 0;
        unsigned char *bin = cx_b64_decode(x->value, strlen(x->value), B64_ANY, &len);
        e = bin != NULL ? mv_x509_read_pkcs12(bin, len, password, &b) : MV_X509_BAD_PKCS12;
        cx_wipe_free(bin, len);
    }
    if (e == MV_X509_OK && b.ncerts == 0)
        e = MV_X509_INVALID;
    if (e == MV_X509_OK && x->mat == NULL && b.mat == NULL)
        e = MV_X509_NO_KEY;
    if (e != MV_X509_OK) {
        fail_at(c, key, x509_message(e));
        goto out;
    }
    if (x->mat == NULL)
        x->mat = mv_keymat_ref(b.mat);
    if (*der == NULL) {
        *der = malloc(b.cert_lens[0]);
        if (*der == NULL) {
            st_fail(c, "out of memory");
            goto out;
        }
        memcpy(*der, b.certs[0], b.cert_lens[0]);
        *der_len = b.cert_lens[0];
    }
    if (password != NULL && password[0] != '\0') {
        const struct mv_keymat *km = x->ops.exportable ? x->mat : NULL;
        char *plain = NULL;
        e = x->pem ? mv_x509_write_pem(km, (const unsigned char *const *)b.certs, b.cert_lens,
                                       b.ncerts, &plain)
                   : mv_x509_write_pkcs12(km, (const unsigned char *const *)b.certs, b.cert_lens,
                                          b.ncerts, &plain);
        if (e != MV_X509_OK) {
            fail_at(c, key, x509_message(e));
            goto out;
        }
        cx_wipe_free(x->value, strlen(x->value));
        x->value = plain;
    }
    rc = 0;
out:
    mv_x509_bundle_finish(&b);
    return rc;
}

/* A completed version of a fixture or snapshot entry. */
static int entry_version(struct pctx *c, const cJSON *j, struct mv_version *v, size_t i,
                         struct cert_ctx *cc, struct ver_extra *x)
{
    const cJSON *pfx = cJSON_GetObjectItemCaseSensitive(j, "pfx");
    const cJSON *pem = cJSON_GetObjectItemCaseSensitive(j, "pem");
    const cJSON *cer = cJSON_GetObjectItemCaseSensitive(j, "cer");
    const cJSON *jwk = cJSON_GetObjectItemCaseSensitive(j, "jwk");
    char *password = NULL, *cer_s = NULL;
    unsigned char *der = NULL;
    size_t der_len = 0;
    int rc = -1;

    if (pfx != NULL && pem != NULL) {
        fail_at(c, "pem", "give the secret as 'pfx' or as 'pem', not both");
        return -1;
    }
    if (st_get_str(c, j, "password", false, false, &password) != 0)
        goto out;
    if (pfx == NULL && pem == NULL) {
        if (cer != NULL || jwk != NULL || password != NULL) {
            fail_at(c, cer != NULL ? "cer" : (jwk != NULL ? "jwk" : "password"),
                    "this field goes with the secret: give it as 'pfx' or 'pem' (or leave all "
                    "three out to generate the version from the policy)");
            goto out;
        }
        rc = generate_version(c, v, i, cc, x);
        goto out;
    }
    x->pem = pem != NULL;
    if (st_get_str(c, j, x->pem ? "pem" : "pfx", true, true, &x->value) != 0 ||
        st_get_str(c, j, "cer", false, true, &cer_s) != 0)
        goto out;
    if (cer_s != NULL && (der = cx_b64_decode(cer_s, strlen(cer_s), B64_ANY, &der_len)) == NULL) {
        fail_at(c, "cer", "'cer' must be the base64 of the certificate's DER");
        goto out;
    }
    if (jwk != NULL && st_parse_jwk(c, jwk, &x->mat) != 0)
        goto out;
    /* With "cer" and "jwk" (what a snapshot writes) the secret is kept as given, unread. */
    if ((der == NULL || x->mat == NULL || password != NULL) &&
        read_secret(c, x, password, &der, &der_len) != 0)
        goto out;
    rc = set_leaf(c, v, der, der_len);
    der = NULL;
out:
    free(der);
    free(cer_s);
    if (password != NULL)
        cx_wipe_free(password, strlen(password));
    return rc;
}

/* A version of a backup blob: the certificate only (the key and secret travel beside it). */
static int blob_version(struct pctx *c, const cJSON *j, struct mv_version *v)
{
    char *cer_s = NULL;
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = -1;

    if (st_get_str(c, j, "cer", true, true, &cer_s) != 0)
        return -1;
    if ((der = cx_b64_decode(cer_s, strlen(cer_s), B64_ANY, &len)) == NULL)
        fail_at(c, "cer", "'cer' must be the base64 of the certificate's DER");
    else
        rc = set_leaf(c, v, der, len);
    free(cer_s);
    return rc;
}

static int parse_version(struct pctx *c, const cJSON *j, struct mv_version *v, size_t i, void *arg)
{
    static const char *const material[] = {"pfx",      "pem",        "cer",    "jwk",
                                           "password", "exportable", "keyOps", NULL};
    struct cert_ctx *cc = arg;
    struct ver_extra *x = cc->extra != NULL && i < cc->nextra ? &cc->extra[i] : NULL;
    bool pending = false;

    if (st_expect_object(c, j, version_fields) != 0 || st_parse_version_attrs(c, j, v) != 0 ||
        st_get_bool(c, j, "pending", &pending) != 0)
        return -1;
    if ((v->cert = calloc(1, sizeof(*v->cert))) == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    if (pending) {
        /* A pending version has no certificate, key or secret (spec §1), and is disabled. */
        for (size_t k = 0; material[k] != NULL; k++) {
            if (cJSON_GetObjectItemCaseSensitive(j, material[k]) != NULL) {
                fail_at(c, material[k],
                        "a pending version has no certificate, key or secret yet; remove this "
                        "field or 'pending'");
                return -1;
            }
        }
        if (cJSON_GetObjectItemCaseSensitive(j, "enabled") == NULL)
            v->enabled = false;
        return 0;
    }
    if (x == NULL)
        return blob_version(c, j, v);
    x->ops.exportable = cc->cert->policy->exportable;
    if (st_get_bool(c, j, "exportable", &x->ops.exportable) != 0 ||
        entry_version(c, j, v, i, cc, x) != 0 ||
        st_parse_key_ops(c, j, &x->ops, mv_keymat_kty(x->mat)) != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(j, "keyOps") == NULL)
        x->ops.nops =
            mv_cert_key_ops(cc->cert->policy->key_usage, mv_keymat_kty(x->mat), x->ops.ops);
    return 0;
}

static const struct st_family cert_family = {
    .word = "certificate",
    .live_fields = live_fields,
    .deleted_fields = deleted_fields,
    .parse_version = parse_version,
};

/* ---- Policy, operation, lifetime-action marks ---- */

static int parse_policy(struct pctx *c, const cJSON *j, struct mv_object *s)
{
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(j, "policy");
    char path[256], msg[256];
    int rc = -1;
    size_t old = st_path_key(c, "policy");

    if ((s->policy = calloc(1, sizeof(*s->policy))) == NULL) {
        st_fail(c, "out of memory");
        goto out;
    }
    if (pj != NULL && !cJSON_IsObject(pj)) {
        st_fail(c, "expected an object (the policy's wire JSON), found %s", st_type_name(pj));
        goto out;
    }
    /* A request may carry members the service ignores; a fixture may not (spec/fixtures.md). */
    if (pj != NULL && mv_cert_policy_unknown_field(pj, path, sizeof(path))) {
        const char *last = strrchr(path, '.');
        st_path_key(c, path);
        st_fail(c,
                "unknown field '%s' (see the policy's wire JSON, spec/keyvault-certificates.md "
                "§2; field names are case-sensitive)",
                st_show(last != NULL ? last + 1 : path).s);
        goto out;
    }
    if (mv_cert_policy_parse(pj, NULL, s->policy, msg, sizeof(msg)) != 0) {
        st_fail(c, "%s", msg);
        goto out;
    }
    if (s->policy->created == 0) {
        if (!c->has_now) {
            fail_at(c, "attributes", "required field is missing (created)");
            goto out;
        }
        s->policy->created = c->now;
    }
    if (s->policy->updated == 0)
        s->policy->updated = s->policy->created;
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

static const struct mv_version *find_version(const struct mv_object *s, const char *id)
{
    for (size_t i = 0; i < s->nversions; i++) {
        if (strcmp(s->versions[i].id, id) == 0)
            return &s->versions[i];
    }
    return NULL;
}

/* Which lifetime actions fired for which version: not on the wire, kept so a restart does not
 * fire them again. */
static int parse_actioned(struct pctx *c, const cJSON *j, struct mv_object *s)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "actioned");
    char *ver = NULL;
    int mask = 0, rc = -1;
    if (a == NULL)
        return 0;
    size_t old = st_path_key(c, "actioned");
    if (st_expect_object(c, a, actioned_fields) != 0 ||
        st_get_str(c, a, "version", true, false, &ver) != 0 ||
        st_get_int(c, a, "mask", 0, (1 << MV_CERT_ACTIONS_MAX) - 1, &mask) != 0)
        goto out;
    if (find_version(s, ver) == NULL) {
        fail_at(c, "version", "not a version of this certificate");
        goto out;
    }
    memcpy(s->policy->actioned, ver, 33);
    s->policy->actioned_mask = (unsigned)mask;
    rc = 0;
out:
    st_path_pop(c, old);
    free(ver);
    return rc;
}

static int parse_op_status(struct pctx *c, const cJSON *j, struct mv_cert_op *op)
{
    char *status = NULL;
    int rc = -1;
    if (st_get_str(c, j, "status", false, false, &status) != 0)
        return -1;
    op->status = MV_COP_IN_PROGRESS;
    for (size_t k = 0; status != NULL && mv_cert_op_status_names[k] != NULL; k++) {
        if (strcmp(status, mv_cert_op_status_names[k]) == 0) {
            op->status = (enum mv_cert_op_status)k;
            rc = 0;
        }
    }
    if (status != NULL && rc != 0)
        fail_at(c, "status", "unknown status (use inProgress, completed, cancelled or failed)");
    else
        rc = 0;
    free(status);
    return rc;
}

/* The operation's key and CSR: given, or (an entry's operation in progress) made for the policy;
 * a blob's operation in progress must hold its key. */
static int op_key(struct pctx *c, const cJSON *j, struct mv_object *s, const struct cert_ctx *cc,
                  struct mv_cert_op *op)
{
    const cJSON *jwk = cJSON_GetObjectItemCaseSensitive(j, "jwk");
    char *csr = NULL;
    int rc = -1;

    if (st_get_str(c, j, "csr", false, true, &csr) != 0)
        return -1;
    if (csr != NULL && (op->csr = cx_b64_decode(csr, strlen(csr), B64_ANY, &op->csr_len)) == NULL) {
        fail_at(c, "csr", "'csr' must be the base64 of the request's DER");
        goto out;
    }
    if (jwk != NULL && st_parse_jwk(c, jwk, &op->mat) != 0)
        goto out;
    if (op->mat == NULL && op->status == MV_COP_IN_PROGRESS) {
        const struct mv_cert_policy *p = s->policy;
        struct mv_key_spec spec = {.kty = p->kty, .bits = p->key_size, .crv = p->crv};
        unsigned char bytes[32];
        uint64_t seed;
        bool seeded = mv_rand_get_seed(&seed);
        if (cc->vault == NULL) {
            fail_at(c, "jwk", "required field is missing (an operation in progress holds its key)");
            goto out;
        }
        if (seeded && st_key_seed(cc->vault, s->name, OP_SEED_INDEX, seed, bytes) != 0) {
            st_fail(c, "out of memory");
            goto out;
        }
        enum mv_km_err e =
            mv_keymat_generate(&spec, seeded ? bytes : NULL, seeded ? 32 : 0, &op->mat);
        cx_wipe(bytes, sizeof(bytes));
        if (e != MV_KM_OK) {
            st_fail(c, "cannot generate the policy's key for the operation");
            goto out;
        }
    }
    if (op->csr == NULL && op->mat != NULL) {
        enum mv_x509_err e = mv_x509_csr(s->policy, op->mat, &op->csr, &op->csr_len);
        if (e != MV_X509_OK) {
            st_fail(c, "cannot make the operation's CSR: %s", x509_message(e));
            goto out;
        }
    }
    rc = 0;
out:
    free(csr);
    return rc;
}

static int parse_op(struct pctx *c, const cJSON *j, struct mv_object *s, const struct cert_ctx *cc)
{
    const cJSON *oj = cJSON_GetObjectItemCaseSensitive(j, "pending"), *err;
    const struct mv_version *target;
    char *rid = NULL, *ver = NULL;
    bool has_created = false;
    int rc = -1;

    if (oj == NULL)
        return 0;
    size_t old = st_path_key(c, "pending");
    struct mv_cert_op *op = s->pending = calloc(1, sizeof(*op));
    if (op == NULL) {
        st_fail(c, "out of memory");
        goto out;
    }
    op->enabled_on_complete = true;
    if (st_expect_object(c, oj, op_fields) != 0 ||
        st_get_str(c, oj, "issuer", false, true, &op->issuer_name) != 0 ||
        st_default_copy(c, &op->issuer_name, s->policy->issuer_name) != 0 ||
        st_get_bool(c, oj, "cancellation_requested", &op->cancellation_requested) != 0 ||
        parse_op_status(c, oj, op) != 0 ||
        st_get_str(c, oj, "request_id", false, false, &rid) != 0 ||
        st_get_str(c, oj, "version", false, false, &ver) != 0 ||
        st_get_time(c, oj, "created", &has_created, &op->created) != 0 ||
        st_get_bool(c, oj, "enabledOnComplete", &op->enabled_on_complete) != 0)
        goto out;
    if (rid != NULL && !cx_is_hex(rid, 32, CX_HEX_LOWER)) {
        fail_at(c, "request_id", "invalid request id (32 lowercase hex characters)");
        goto out;
    }
    if (rid != NULL)
        memcpy(op->request_id, rid, 33);
    else
        mv_rand_hex32(op->request_id);
    target = ver != NULL ? find_version(s, ver) : &s->versions[s->nversions - 1];
    if (target == NULL) {
        fail_at(c, "version", "not a version of this certificate");
        goto out;
    }
    if (op->status == MV_COP_IN_PROGRESS && target->cert != NULL && target->cert->der != NULL) {
        fail_at(c, ver != NULL ? "version" : "status",
                "an operation in progress completes a pending version (mark it \"pending\": "
                "true)");
        goto out;
    }
    memcpy(op->version, target->id, 33);
    if (!has_created)
        op->created = target->created;
    if ((err = cJSON_GetObjectItemCaseSensitive(oj, "error")) != NULL) {
        size_t o2 = st_path_key(c, "error");
        if (st_expect_object(c, err, op_error_fields) != 0 ||
            st_get_str(c, err, "code", true, false, &op->error_code) != 0 ||
            st_get_str(c, err, "message", true, false, &op->error_message) != 0)
            goto out;
        st_path_pop(c, o2);
    }
    rc = op_key(c, oj, s, cc, op);
out:
    st_path_pop(c, old);
    free(rid);
    free(ver);
    return rc;
}

/* ---- The managed key and secret ---- */

/* Version i of the managed key or secret: the certificate version's id and attributes. */
static int mirror(struct pctx *c, const struct mv_version *cv, struct mv_version *m)
{
    memcpy(m->id, cv->id, sizeof(m->id));
    m->managed = true;
    m->enabled = cv->enabled;
    m->has_nbf = cv->has_nbf;
    m->has_exp = cv->has_exp;
    m->nbf = cv->nbf;
    m->exp = cv->exp;
    m->created = cv->created;
    m->updated = cv->updated;
    if (mv_tags_copy(&m->tags, &cv->tags) != 0) {
        st_fail(c, "out of memory");
        return -1;
    }
    return 0;
}

/* The certificate's key (kp) and secret (sp) objects, with a version for each completed version
 * of s (none: both stay empty). The extras' material moves into them. */
static int build_managed(struct pctx *c, const struct mv_object *s, struct ver_extra *x,
                         struct mv_object *kp, struct mv_object *sp)
{
    struct mv_object *o[2] = {kp, sp};
    for (int k = 0; k < 2; k++) {
        o[k]->deleted = s->deleted;
        o[k]->deleted_date = s->deleted_date;
        o[k]->scheduled_purge_date = s->scheduled_purge_date;
        if ((o[k]->name = strdup(s->name)) == NULL ||
            (o[k]->versions = calloc(s->nversions, sizeof(*o[k]->versions))) == NULL) {
            st_fail(c, "out of memory");
            return -1;
        }
    }
    for (size_t i = 0; i < s->nversions; i++) {
        if (x[i].value == NULL)
            continue;
        struct mv_version *kv = &kp->versions[kp->nversions++];
        struct mv_version *sv = &sp->versions[sp->nversions++];
        if (mirror(c, &s->versions[i], kv) != 0 || mirror(c, &s->versions[i], sv) != 0)
            return -1;
        if ((kv->key = calloc(1, sizeof(*kv->key))) == NULL ||
            (sv->content_type = strdup(x[i].pem ? PEM_TYPE : PKCS12_TYPE)) == NULL) {
            st_fail(c, "out of memory");
            return -1;
        }
        *kv->key = x[i].ops;
        kv->key->hsm = s->policy->hsm;
        kv->key->mat = x[i].mat;
        x[i].mat = NULL;
        sv->value = x[i].value;
        x[i].value = NULL;
    }
    return 0;
}

/* Appends o (moved; left zeroed) to family t of v. A plain object of the name is an error; a
 * certificate's (a duplicate certificate name) is left to the duplicate check that follows. */
static int append_managed(struct pctx *c, struct mv_vault *v, enum mv_objtype t,
                          struct mv_object *o)
{
    size_t *n;
    struct mv_object **items = mv_vault_family(v, t, &n);
    for (size_t i = 0; i < *n; i++) {
        if (cx_strcasecmp((*items)[i].name, o->name) == 0 && !st_managed(&(*items)[i])) {
            size_t old = st_path_key(c, "name");
            st_fail(c,
                    "the name '%s' is taken by a %s of this vault (a certificate's key and "
                    "secret have its name; rename one of them)",
                    st_show(o->name).s, t == MV_OBJ_KEY ? "key" : "secret");
            st_path_pop(c, old);
            return -1;
        }
    }
    struct mv_object *grown = realloc(*items, (*n + 1) * sizeof(**items));
    if (grown == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    *items = grown;
    grown[(*n)++] = *o;
    memset(o, 0, sizeof(*o));
    return 0;
}

/* ---- Entries ---- */

/* One entry into s; v NULL for a backup blob. */
static int parse_entry(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                       int retention_days, struct mv_vault *v)
{
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(j, "versions");
    struct cert_ctx cc = {.vault = v != NULL ? v->name : NULL, .cert = s};
    struct mv_object kp, sp;
    int rc = -1;

    memset(&kp, 0, sizeof(kp));
    memset(&sp, 0, sizeof(sp));
    if (st_expect_object(c, j, kind == SECRET_LIVE ? live_fields : deleted_fields) != 0 ||
        parse_policy(c, j, s) != 0)
        goto out;
    if (v != NULL && cJSON_IsArray(versions) && cJSON_GetArraySize(versions) > 0) {
        cc.nextra = (size_t)cJSON_GetArraySize(versions);
        if ((cc.extra = calloc(cc.nextra, sizeof(*cc.extra))) == NULL) {
            st_fail(c, "out of memory");
            goto out;
        }
    }
    if (st_parse_object(c, j, s, kind, retention_days, &cert_family, &cc) != 0 ||
        parse_op(c, j, s, &cc) != 0 || parse_actioned(c, j, s) != 0)
        goto out;
    if (v != NULL && (build_managed(c, s, cc.extra, &kp, &sp) != 0 ||
                      (kp.nversions > 0 && (append_managed(c, v, MV_OBJ_KEY, &kp) != 0 ||
                                            append_managed(c, v, MV_OBJ_SECRET, &sp) != 0))))
        goto out;
    rc = 0;
out:
    extras_free(cc.extra, cc.nextra);
    mv_object_finish(&kp);
    mv_object_finish(&sp);
    return rc;
}

int st_parse_certificate(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                         int retention_days, struct mv_vault *v)
{
    return parse_entry(c, j, s, kind, retention_days, v);
}

static int parse_cert_blob(struct pctx *c, const cJSON *j, struct mv_object *s)
{
    return parse_entry(c, j, s, SECRET_BLOB, MAX_RETENTION_DAYS, NULL);
}

struct mv_object *mv_state_cert_from_json(const cJSON *j, char *err, size_t errlen)
{
    return st_object_from_json(j, parse_cert_blob, err, errlen);
}
