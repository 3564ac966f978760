/* certs.c: the certificates family's part of the soak workload (spec/keyvault-certificates.md
 * §3-§5, docs/certificates.md):
 *  - the lifecycle of each worker's own certificates in the demo vault, in an order whose every
 *    answer is known: create with the Self issuer and an EC P-256 policy (the mock issues on the
 *    first observation of the pending operation), GET the operation until it is completed, get
 *    the certificate (latest and by version), read the managed secret (its contentType and that
 *    a value is there; as automation-flow, which holds the secret's get and no certificate
 *    permission), the 403 of a direct write to it, disable and enable (and the managed secret's
 *    403 while disabled), get and update the policy, a second version from the stored policy,
 *    delete its operation, versions, list, backup, delete, 404 and 409 on the deleted name,
 *    recover, purge and restore. One cycle in IMPORT_EVERY imports instead a PEM certificate and
 *    key made here with GnuTLS. It checks that each version keeps its thumbprint, that a new
 *    version has another, and what each answer says of the policy, tags and state it set; after
 *    a cut connection (restarts, the drop and truncate rules) it asks where the certificate
 *    stands and goes on;
 *  - fixed certificates requests by several principals on both vaults: the admin app allowed
 *    (v2 and v1 tokens), 404s and 400s, contacts and issuers, the 401 challenge, and the 403 of
 *    principals without certificate permissions.
 * Every certificate operation counts in the mock's "all other transactions" throttle class
 * (docs/certificates.md), as secrets do: a 429 leaves the step to be tried again. Certificate
 * creations generate keys: EC P-256 only, two per cycle (and a refused one in four cycles), and
 * the mix gives them two steps in twenty-four. Nothing here prints a private key, a PFX or PEM
 * value, a backup blob or a token. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwk-gen.h"
#include "work.h"

/* One cycle in this many imports a PEM instead of creating with the Self issuer. */
#define IMPORT_EVERY 4
/* GETs of an operation still in progress before that counts as unexpected: the Self issuer
 * completes on the first observation, so even one is a surprise. */
#define MAX_POLLS 5
#define CERT_NAMES 2
/* One cycle in this many sends its 409 create on the deleted name with a policy. */
#define CONFLICT_POLICY_EVERY 4
#define PKCS12 "application/x-pkcs12"
#define PEM "application/x-pem-file"
#define MISSING SOAK_PREFIX "missing"
/* The Self-issued EC P-256 policy of a create (spec §2 Policy); %s: the subject's CN. */
#define CREATE_BODY                                                                                \
    "{\"policy\":{\"key_props\":{\"exportable\":true,\"kty\":\"EC\",\"crv\":\"P-256\","            \
    "\"reuse_key\":false},\"secret_props\":{\"contentType\":\"" PKCS12 "\"},"                      \
    "\"x509_props\":{\"subject\":\"CN=%s\",\"sans\":{\"dns_names\":[\"%s.soak.test\"]},"           \
    "\"validity_months\":12},\"issuer\":{\"name\":\"Self\"}},\"tags\":{\"soak\":\"%u\"}}"
/* A PEM import: the value (a JSON string literal), then the policy that asks for a PEM secret. */
#define IMPORT_BODY                                                                                \
    "{\"value\":%s,\"policy\":{\"key_props\":{\"exportable\":true},\"secret_props\":"              \
    "{\"contentType\":\"" PEM "\"},\"issuer\":{\"name\":\"Self\"}},\"tags\":{\"soak\":\"%u\"}}"

bool soak_op_is_cert(enum soak_op op)
{
    return op >= OP_CREATE_CERTIFICATE && op <= OP_GET_CERTIFICATE_ISSUER;
}

int soak_certs_pool_init(struct soak_run *run)
{
    for (size_t i = 0; i < COUNT(run->cert_pem); i++) {
        char *pem = jwkgen_cert_pem("soak-import");
        cJSON *s = pem ? cJSON_CreateString(pem) : NULL;

        run->cert_pem[i] = s ? cJSON_PrintUnformatted(s) : NULL;
        if (s)
            memset(s->valuestring, 0, strlen(s->valuestring));
        cJSON_Delete(s);
        if (pem)
            memset(pem, 0, strlen(pem));
        free(pem);
        if (!run->cert_pem[i])
            return -1;
    }
    return 0;
}

void soak_certs_pool_free(struct soak_run *run)
{
    for (size_t i = 0; i < COUNT(run->cert_pem); i++) {
        if (run->cert_pem[i])
            memset(run->cert_pem[i], 0, strlen(run->cert_pem[i]));
        free(run->cert_pem[i]);
        run->cert_pem[i] = NULL;
    }
}

/* ---- Fixed requests ---- */

#define CA(tk_, host_, op_, method_, path_, body_, ...)                                            \
    ACT(tk_, EP_VAULT, host_, op_, method_, path_, body_, false, __VA_ARGS__)

/* The default fixture's certificate permissions: on demo only mockvault-admin holds any (all);
 * automation-flow, vm-identity and app-identity hold secrets and keys permissions only,
 * no-access-app and graph-reader none. On rbac-demo mockvault-admin is Key Vault Administrator,
 * automation-flow holds a secret's role. Nothing sets contacts or issuers: their GETs answer 404
 * and an empty list. */
static const struct action cert_actions[] = {
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATES, "GET", "/certificates?maxresults=3&" API, NULL,
       200),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATES, "GET", "/certificates?includePending=true&" API,
       NULL, 200),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATE, "GET", "/certificates/" MISSING "/?" API, NULL,
       404),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATE_POLICY, "GET",
       "/certificates/" MISSING "/policy?" API, NULL, 404),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_DELETED_CERTIFICATES, "GET", "/deletedcertificates?" API, NULL,
       200),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_DELETED_CERTIFICATE, "GET",
       "/deletedcertificates/" MISSING "?" API, NULL, 404),
    CA(TK_ADMIN, HOST_MAIN, OP_PURGE_DELETED_CERTIFICATE, "DELETE",
       "/deletedcertificates/" MISSING "?" API, NULL, 404),
    CA(TK_ADMIN, HOST_MAIN, OP_RECOVER_DELETED_CERTIFICATE, "POST",
       "/deletedcertificates/" MISSING "/recover?" API, NULL, 404),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATE_CONTACTS, "GET", "/certificates/contacts?" API, NULL,
       404),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATE_ISSUERS, "GET", "/certificates/issuers?" API, NULL,
       200),
    CA(TK_ADMIN, HOST_MAIN, OP_GET_CERTIFICATE_ISSUER, "GET",
       "/certificates/issuers/" MISSING "?" API, NULL, 404),
    /* A malformed backup blob, a first version without a policy, and an import that is no
     * PKCS#12: 400s, all refused before any key is made. */
    CA(TK_ADMIN, HOST_MAIN, OP_RESTORE_CERTIFICATE, "POST", "/certificates/restore?" API,
       "{\"value\":\"bm90LWEtYmxvYg\"}", 400),
    CA(TK_ADMIN, HOST_MAIN, OP_CREATE_CERTIFICATE, "POST", "/certificates/" MISSING "/create?" API,
       "{\"tags\":{\"soak\":\"no policy\"}}", 400),
    CA(TK_ADMIN, HOST_MAIN, OP_IMPORT_CERTIFICATE, "POST", "/certificates/" MISSING "/import?" API,
       "{\"value\":\"bm90LWEtcGZ4\"}", 400),
    CA(TK_ADMIN_V1, HOST_MAIN, OP_GET_CERTIFICATES, "GET", "/certificates?" API, NULL, 200),
    CA(TK_NONE, HOST_MAIN, OP_GET_CERTIFICATES, "GET", "/certificates?" API, NULL, 401),
    CA(TK_FLOW, HOST_MAIN, OP_GET_CERTIFICATE, "GET", "/certificates/" MISSING "/?" API, NULL, 403),
    CA(TK_FLOW, HOST_MAIN, OP_CREATE_CERTIFICATE, "POST",
       "/certificates/" SOAK_PREFIX "denied/create?" API, "{\"tags\":{}}", 403),
    CA(TK_FLOW, HOST_MAIN, OP_GET_DELETED_CERTIFICATES, "GET", "/deletedcertificates?" API, NULL,
       403),
    CA(TK_VM_IMDS, HOST_MAIN, OP_GET_CERTIFICATES, "GET", "/certificates?" API, NULL, 403),
    CA(TK_VM_IMDS, HOST_MAIN, OP_GET_CERTIFICATE_ISSUERS, "GET", "/certificates/issuers?" API, NULL,
       403),
    CA(TK_APP_SERVICE, HOST_MAIN, OP_GET_CERTIFICATE_CONTACTS, "GET", "/certificates/contacts?" API,
       NULL, 403),
    CA(TK_APP_SERVICE, HOST_MAIN, OP_GET_CERTIFICATE_POLICY, "GET",
       "/certificates/" MISSING "/policy?" API, NULL, 403),
    CA(TK_NOACCESS, HOST_MAIN, OP_GET_CERTIFICATE_ISSUER, "GET",
       "/certificates/issuers/" MISSING "?" API, NULL, 403),
    CA(TK_GRAPHAPP_VAULT, HOST_MAIN, OP_GET_CERTIFICATES, "GET", "/certificates?" API, NULL, 403),
    CA(TK_ADMIN, HOST_RBAC, OP_GET_CERTIFICATES, "GET", "/certificates?" API, NULL, 200),
    CA(TK_ADMIN, HOST_RBAC, OP_GET_CERTIFICATE, "GET", "/certificates/" MISSING "/?" API, NULL,
       404),
    CA(TK_ADMIN, HOST_RBAC, OP_GET_CERTIFICATE_ISSUERS, "GET", "/certificates/issuers?" API, NULL,
       200),
    CA(TK_ADMIN, HOST_RBAC, OP_GET_CERTIFICATE_CONTACTS, "GET", "/certificates/contacts?" API, NULL,
       404),
    CA(TK_ADMIN, HOST_RBAC, OP_GET_DELETED_CERTIFICATES, "GET", "/deletedcertificates?" API, NULL,
       200),
    CA(TK_FLOW, HOST_RBAC, OP_GET_CERTIFICATES, "GET", "/certificates?" API, NULL, 403),
    CA(TK_FLOW, HOST_RBAC, OP_GET_CERTIFICATE_CONTACTS, "GET", "/certificates/contacts?" API, NULL,
       403),
    CA(TK_NOACCESS, HOST_RBAC, OP_GET_CERTIFICATE_ISSUERS, "GET", "/certificates/issuers?" API,
       NULL, 403),
};

/* ---- The lifecycle of the worker's own certificates ---- */

enum cstep {
    C_CREATE, /* or the import of a PEM, one cycle in IMPORT_EVERY */
    C_PENDING,
    C_GET,
    C_SECRET,
    C_SECRET_SET,
    C_DISABLE,
    C_SECRET_DISABLED,
    C_ENABLE,
    C_POLICY_GET,
    C_POLICY_SET,
    C_CREATE2,
    C_PENDING2,
    C_OP_DELETE,
    C_OP_GONE,
    C_GET2,
    C_GET_V1,
    C_VERSIONS,
    C_LIST,
    C_BACKUP,
    C_DELETE1,
    C_GET_GONE,
    C_CREATE_CONFLICT,
    C_GET_DELETED,
    C_LIST_DELETED,
    C_RECOVER,
    C_GET_RECOVERED,
    C_DELETE2,
    C_PURGE,
    C_GET_PURGED,
    C_RESTORE,
    C_RESTORE_CONFLICT,
    C_DELETE3,
    C_PURGE3,
    /* After an unexplained answer or a cut connection: is the certificate live, deleted or
     * gone? */
    C_RESYNC_LIVE,
    C_RESYNC_DELETED,
};

/* Each step's request, the status that moves the certificate on, and whether a fault rule may
 * cut it; the path is pre, then the name and post unless post is NULL ("{v}" in post: the first
 * version). */
static const struct {
    enum soak_op op;
    const char *method, *pre, *post;
    int expect;
    enum cstep next;
    bool cut;
} csteps[] = {
    [C_CREATE] = {OP_CREATE_CERTIFICATE, "POST", "/certificates/", "/create", 202, C_PENDING},
    [C_PENDING] = {OP_GET_CERTIFICATE_OPERATION, "GET", "/certificates/", "/pending", 200, C_GET,
                   true},
    [C_GET] = {OP_GET_CERTIFICATE, "GET", "/certificates/", "/", 200, C_SECRET},
    [C_SECRET] = {OP_GET_SECRET, "GET", "/secrets/", "/{v}", 200, C_SECRET_SET},
    [C_SECRET_SET] = {OP_SET_SECRET, "PUT", "/secrets/", "", 403, C_DISABLE},
    [C_DISABLE] = {OP_UPDATE_CERTIFICATE, "PATCH", "/certificates/", "/{v}", 200, C_SECRET_DISABLED,
                   true},
    [C_SECRET_DISABLED] = {OP_GET_SECRET, "GET", "/secrets/", "/", 403, C_ENABLE},
    [C_ENABLE] = {OP_UPDATE_CERTIFICATE, "PATCH", "/certificates/", "/", 200, C_POLICY_GET, true},
    [C_POLICY_GET] = {OP_GET_CERTIFICATE_POLICY, "GET", "/certificates/", "/policy", 200,
                      C_POLICY_SET},
    [C_POLICY_SET] = {OP_UPDATE_CERTIFICATE_POLICY, "PATCH", "/certificates/", "/policy", 200,
                      C_CREATE2},
    [C_CREATE2] = {OP_CREATE_CERTIFICATE, "POST", "/certificates/", "/create", 202, C_PENDING2},
    [C_PENDING2] = {OP_GET_CERTIFICATE_OPERATION, "GET", "/certificates/", "/pending", 200,
                    C_OP_DELETE, true},
    [C_OP_DELETE] = {OP_DELETE_CERTIFICATE_OPERATION, "DELETE", "/certificates/", "/pending", 200,
                     C_OP_GONE},
    [C_OP_GONE] = {OP_GET_CERTIFICATE_OPERATION, "GET", "/certificates/", "/pending", 404, C_GET2,
                   true},
    [C_GET2] = {OP_GET_CERTIFICATE, "GET", "/certificates/", "/", 200, C_GET_V1},
    [C_GET_V1] = {OP_GET_CERTIFICATE, "GET", "/certificates/", "/{v}", 200, C_VERSIONS},
    [C_VERSIONS] = {OP_GET_CERTIFICATE_VERSIONS, "GET", "/certificates/", "/versions", 200, C_LIST},
    [C_LIST] = {OP_GET_CERTIFICATES, "GET", "/certificates?maxresults=5", NULL, 200, C_BACKUP},
    [C_BACKUP] = {OP_BACKUP_CERTIFICATE, "POST", "/certificates/", "/backup", 200, C_DELETE1},
    [C_DELETE1] = {OP_DELETE_CERTIFICATE, "DELETE", "/certificates/", "", 200, C_GET_GONE},
    [C_GET_GONE] = {OP_GET_CERTIFICATE, "GET", "/certificates/", "/", 404, C_CREATE_CONFLICT},
    [C_CREATE_CONFLICT] = {OP_CREATE_CERTIFICATE, "POST", "/certificates/", "/create", 409,
                           C_GET_DELETED},
    [C_GET_DELETED] = {OP_GET_DELETED_CERTIFICATE, "GET", "/deletedcertificates/", "", 200,
                       C_LIST_DELETED},
    [C_LIST_DELETED] = {OP_GET_DELETED_CERTIFICATES, "GET", "/deletedcertificates?maxresults=5",
                        NULL, 200, C_RECOVER},
    [C_RECOVER] = {OP_RECOVER_DELETED_CERTIFICATE, "POST", "/deletedcertificates/", "/recover", 200,
                   C_GET_RECOVERED},
    [C_GET_RECOVERED] = {OP_GET_CERTIFICATE, "GET", "/certificates/", "/", 200, C_DELETE2},
    [C_DELETE2] = {OP_DELETE_CERTIFICATE, "DELETE", "/certificates/", "", 200, C_PURGE},
    [C_PURGE] = {OP_PURGE_DELETED_CERTIFICATE, "DELETE", "/deletedcertificates/", "", 204,
                 C_GET_PURGED},
    [C_GET_PURGED] = {OP_GET_DELETED_CERTIFICATE, "GET", "/deletedcertificates/", "", 404,
                      C_RESTORE},
    [C_RESTORE] = {OP_RESTORE_CERTIFICATE, "POST", "/certificates/restore", NULL, 200,
                   C_RESTORE_CONFLICT},
    [C_RESTORE_CONFLICT] = {OP_RESTORE_CERTIFICATE, "POST", "/certificates/restore", NULL, 409,
                            C_DELETE3},
    [C_DELETE3] = {OP_DELETE_CERTIFICATE, "DELETE", "/certificates/", "", 200, C_PURGE3},
    [C_PURGE3] = {OP_PURGE_DELETED_CERTIFICATE, "DELETE", "/deletedcertificates/", "", 204,
                  C_CREATE},
    [C_RESYNC_LIVE] = {OP_GET_CERTIFICATE, "GET", "/certificates/", "/", 200, C_ENABLE},
    [C_RESYNC_DELETED] = {OP_GET_DELETED_CERTIFICATE, "GET", "/deletedcertificates/", "", 200,
                          C_LIST_DELETED},
};

struct soak_certs {
    enum cstep step;
    unsigned cycle;
    char name[64];
    bool pem;               /* the policy asks for a PEM secret (this cycle imported one) */
    char request_id[64];    /* of the last create's operation; "" when not known */
    unsigned polls;         /* GETs of that operation that found it still in progress */
    char v1[40];            /* the first version (or the latest a resync found) */
    char x5t1[64], x5t[64]; /* the thumbprints of v1 and of the latest version; "" unknown */
    int nversions;          /* expected, -1 when not known */
    bool tags_known;        /* the tags C_DISABLE set are the certificate's */
    char *blob;             /* owned: the last backup, of blob_name, whose latest was blob_x5t */
    char blob_name[64], blob_x5t[64];
    unsigned fixed_next;
};

/* What a step's answer tells. */
enum clearned { LEARN_OK, LEARN_BAD, LEARN_AGAIN };

/* The string at a dotted path of j ("" when absent or not a string; borrowed). */
static const char *jstr(const cJSON *j, const char *path)
{
    char part[64];

    while (j && *path) {
        size_t n = strcspn(path, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, path);
        j = cJSON_GetObjectItemCaseSensitive(j, part);
        path += n + (path[n] == '.');
    }
    return cJSON_IsString(j) ? j->valuestring : "";
}

static bool jtrue(const cJSON *j, const char *parent, const char *name)
{
    return cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, parent), name));
}

/* The last segment of s after a slash ("" when none; borrowed). */
static const char *last_segment(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : "";
}

/* Whether s ends with /{kind}/{name}[/{version}] (version NULL: without one). */
static bool id_is(const char *s, const char *kind, const char *name, const char *version)
{
    char want[200];
    size_t n = (size_t)snprintf(want, sizeof want, "/%s/%s%s%s", kind, name, version ? "/" : "",
                                version ? version : "");
    size_t len = strlen(s);

    return len >= n && strcmp(s + len - n, want) == 0;
}

static enum clearned bad(struct soak_worker *w, const struct soak_req *q, const char *what)
{
    soak_unexpected(w, q, what);
    return LEARN_BAD;
}

/* Checks a bundle's thumbprint against the one expected, when known. */
static enum clearned x5t_is(struct soak_worker *w, const struct soak_req *q, cJSON *j,
                            const char *want)
{
    if (!*jstr(j, "x5t"))
        return bad(w, q, "a certificate answer without x5t");
    if (*want && strcmp(jstr(j, "x5t"), want) != 0)
        return bad(w, q, "the thumbprint differs from the one acknowledged");
    return LEARN_OK;
}

/* A completed certificate bundle of this name: its version in kid, sid and id, a cer. */
static enum clearned bundle_ok(struct soak_worker *w, const struct soak_req *q, cJSON *j)
{
    struct soak_certs *c = w->certs;
    const char *v = last_segment(jstr(j, "id"));

    if (!*v || !id_is(jstr(j, "id"), "certificates", c->name, v) ||
        !id_is(jstr(j, "kid"), "keys", c->name, v) || !id_is(jstr(j, "sid"), "secrets", c->name, v))
        return bad(w, q, "a certificate bundle whose id, kid and sid disagree");
    if (!*jstr(j, "cer") || !*jstr(j, "x5t"))
        return bad(w, q, "a certificate bundle without cer or x5t");
    return LEARN_OK;
}

/* The operation object of a create: in progress on the 202, then completed. */
static enum clearned operation_ok(struct soak_worker *w, const struct soak_req *q, cJSON *j)
{
    struct soak_certs *c = w->certs;
    const char *status = jstr(j, "status");

    if (strcmp(jstr(j, "issuer.name"), "Self") != 0 || !*jstr(j, "request_id"))
        return bad(w, q, "an operation without the Self issuer or a request_id");
    if (*c->request_id && strcmp(jstr(j, "request_id"), c->request_id) != 0)
        return bad(w, q, "the operation's request_id is not the create's");
    if (strcmp(status, "inProgress") == 0)
        return c->step == C_CREATE || c->step == C_CREATE2 || ++c->polls < MAX_POLLS
                   ? LEARN_AGAIN
                   : bad(w, q, "the Self issuer's operation stayed in progress");
    if (strcmp(status, "completed") != 0 ||
        !id_is(jstr(j, "target"), "certificates", c->name, NULL))
        return bad(w, q, "an operation neither in progress nor completed with its target");
    return LEARN_OK;
}

/* Learns from a policy what the cycle checks, and checks what this worker set. */
static enum clearned policy_ok(struct soak_worker *w, const struct soak_req *q, cJSON *p)
{
    struct soak_certs *c = w->certs;

    if (strcmp(jstr(p, "issuer.name"), "Self") != 0 ||
        strcmp(jstr(p, "key_props.kty"), "EC") != 0 ||
        strcmp(jstr(p, "key_props.crv"), "P-256") != 0 ||
        strcmp(jstr(p, "secret_props.contentType"), c->pem ? PEM : PKCS12) != 0)
        return bad(w, q, "the policy is not the Self-issued EC P-256 one this worker set");
    return LEARN_OK;
}

static enum clearned learn_resync(struct soak_certs *c, cJSON *j)
{
    snprintf(c->x5t, sizeof c->x5t, "%s", jstr(j, "x5t"));
    c->nversions = -1;
    c->tags_known = false;
    c->request_id[0] = '\0';
    if (c->step == C_RESYNC_LIVE) {
        /* Live, in a state this worker cannot check: go on from its latest version. */
        snprintf(c->v1, sizeof c->v1, "%s", last_segment(jstr(j, "id")));
        snprintf(c->x5t1, sizeof c->x5t1, "%s", c->x5t);
        c->pem = strcmp(jstr(j, "policy.secret_props.contentType"), PEM) == 0;
    }
    return LEARN_OK;
}

/* Learns from a step's 2xx what later steps check; LEARN_BAD when the answer contradicts what
 * this worker wrote (reported as unexpected), LEARN_AGAIN to send the step again. */
static enum clearned clearn(struct soak_worker *w, const struct soak_req *q, cJSON *j)
{
    struct soak_certs *c = w->certs;
    char tag[16];
    const cJSON *items;

    snprintf(tag, sizeof tag, "%u", c->cycle);
    switch (c->step) {
    case C_CREATE:
        if (q->op == OP_IMPORT_CERTIFICATE) {
            /* Imported: no operation, the version is there. */
            if (bundle_ok(w, q, j) != LEARN_OK)
                return LEARN_BAD;
            if (cJSON_GetObjectItemCaseSensitive(j, "pending"))
                return bad(w, q, "an import answered with a pending operation");
            snprintf(c->v1, sizeof c->v1, "%s", last_segment(jstr(j, "id")));
            snprintf(c->x5t1, sizeof c->x5t1, "%s", jstr(j, "x5t"));
            snprintf(c->x5t, sizeof c->x5t, "%s", c->x5t1);
            c->nversions = 1;
            return policy_ok(w, q, cJSON_GetObjectItemCaseSensitive(j, "policy"));
        }
        c->v1[0] = c->x5t1[0] = c->x5t[0] = '\0';
        c->nversions = 1;
        /* fall through */
    case C_CREATE2:
        if (c->step == C_CREATE2 && c->nversions > 0)
            c->nversions++;
        c->polls = 0;
        c->request_id[0] = '\0';
        if (operation_ok(w, q, j) != LEARN_AGAIN)
            return bad(w, q, "a create's 202 is not an operation in progress");
        snprintf(c->request_id, sizeof c->request_id, "%s", jstr(j, "request_id"));
        return LEARN_OK;
    case C_PENDING:
    case C_PENDING2:
    case C_OP_DELETE: return operation_ok(w, q, j);
    case C_GET:
    case C_GET2:
        if (bundle_ok(w, q, j) != LEARN_OK)
            return LEARN_BAD;
        if (!jtrue(j, "attributes", "enabled"))
            return bad(w, q, "a new certificate is not enabled");
        if (c->step == C_GET && *c->v1 && strcmp(last_segment(jstr(j, "id")), c->v1) != 0)
            return bad(w, q, "the latest version is not the one imported");
        if (c->step == C_GET2 && (strcmp(last_segment(jstr(j, "id")), c->v1) == 0 ||
                                  strcmp(jstr(j, "x5t"), c->x5t1) == 0))
            return bad(w, q, "a second version kept the first one's version or thumbprint");
        if (c->step == C_GET) {
            snprintf(c->v1, sizeof c->v1, "%s", last_segment(jstr(j, "id")));
            snprintf(c->x5t1, sizeof c->x5t1, "%s", jstr(j, "x5t"));
        }
        snprintf(c->x5t, sizeof c->x5t, "%s", jstr(j, "x5t"));
        return policy_ok(w, q, cJSON_GetObjectItemCaseSensitive(j, "policy"));
    case C_SECRET:
        /* The PFX or PEM itself is never looked at beyond being there, nor printed. */
        if (strcmp(jstr(j, "contentType"), c->pem ? PEM : PKCS12) != 0 || !*jstr(j, "value") ||
            !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "managed")) ||
            !id_is(jstr(j, "kid"), "keys", c->name, c->v1))
            return bad(w, q, "the managed secret's contentType, value, managed or kid is wrong");
        return LEARN_OK;
    case C_DISABLE:
    case C_ENABLE:
        if (jtrue(j, "attributes", "enabled") != (c->step == C_ENABLE))
            return bad(w, q, "an update did not set enabled as asked");
        if ((c->step == C_DISABLE || c->tags_known) && strcmp(jstr(j, "tags.soak"), tag) != 0)
            return bad(w, q, "the tags are not the ones set");
        c->tags_known = true;
        return bundle_ok(w, q, j);
    case C_POLICY_GET: return policy_ok(w, q, j);
    case C_POLICY_SET:
        items = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "lifetime_actions"), 0);
        if (strcmp(jstr(items, "action.action_type"), "EmailContacts") != 0)
            return bad(w, q, "the policy's lifetime action is not the one set");
        return policy_ok(w, q, j); /* the members not sent are kept */
    case C_GET_V1:
        if (cJSON_GetObjectItemCaseSensitive(j, "policy"))
            return bad(w, q, "a GET by version answered with the policy");
        return x5t_is(w, q, j, c->x5t1);
    case C_VERSIONS:
        items = cJSON_GetObjectItemCaseSensitive(j, "value");
        if (c->nversions > 0 && cJSON_GetArraySize(items) != c->nversions)
            return bad(w, q, "the versions listed are not the ones created");
        return LEARN_OK;
    case C_BACKUP:
        free(c->blob);
        c->blob = *jstr(j, "value") ? strdup(jstr(j, "value")) : NULL;
        snprintf(c->blob_name, sizeof c->blob_name, "%s", c->name);
        snprintf(c->blob_x5t, sizeof c->blob_x5t, "%s", c->x5t);
        return LEARN_OK;
    case C_DELETE1:
    case C_DELETE2:
    case C_DELETE3:
        if (!id_is(jstr(j, "recoveryId"), "deletedcertificates", c->name, NULL))
            return bad(w, q, "a deletion without its recoveryId");
        return x5t_is(w, q, j, c->x5t);
    case C_GET_DELETED:
    case C_RECOVER:
    case C_GET_RECOVERED: return x5t_is(w, q, j, c->x5t);
    case C_RESTORE:
        snprintf(c->x5t, sizeof c->x5t, "%s", c->blob_x5t);
        return x5t_is(w, q, j, c->blob_x5t);
    case C_RESYNC_LIVE:
    case C_RESYNC_DELETED: return learn_resync(c, j);
    default: return LEARN_OK;
    }
}

/* The body of the current step, into body (empty when it has none). */
static void cbody(struct soak_worker *w, struct soak_req *q, char *body, size_t n)
{
    struct soak_certs *c = w->certs;
    struct soak_run *run = w->run;

    body[0] = '\0';
    switch (c->step) {
    case C_CREATE:
        if (c->pem) {
            q->op = OP_IMPORT_CERTIFICATE;
            snprintf(
                body, n, IMPORT_BODY,
                run->cert_pem[(c->cycle / IMPORT_EVERY + (unsigned)w->id) % COUNT(run->cert_pem)],
                c->cycle);
            break;
        }
        /* fall through */
        snprintf(body, n, CREATE_BODY, c->name, c->name, c->cycle);
        break;
    case C_CREATE_CONFLICT:
        /* With a policy (as the SDKs send it) one cycle in CONFLICT_POLICY_EVERY: the mock then
         * makes the key before the store refuses the name; without one, the deleted name is
         * refused at once. */
        if (c->cycle % CONFLICT_POLICY_EVERY == 1)
            snprintf(body, n, CREATE_BODY, c->name, c->name, c->cycle);
        else
            snprintf(body, n, "{\"tags\":{\"soak\":\"%u\"}}", c->cycle);
        break;
    case C_CREATE2:
        /* No policy: the stored one (with the lifetime action C_POLICY_SET made) is used. */
        snprintf(body, n, "{\"tags\":{\"soak\":\"%u\",\"version\":\"2\"}}", c->cycle);
        break;
    case C_SECRET_SET: snprintf(body, n, "{\"value\":\"never stored\"}"); break;
    case C_DISABLE:
        snprintf(body, n, "{\"attributes\":{\"enabled\":false},\"tags\":{\"soak\":\"%u\"}}",
                 c->cycle);
        break;
    case C_ENABLE: snprintf(body, n, "{\"attributes\":{\"enabled\":true}}"); break;
    case C_POLICY_SET:
        snprintf(body, n,
                 "{\"lifetime_actions\":[{\"trigger\":{\"days_before_expiry\":10},"
                 "\"action\":{\"action_type\":\"EmailContacts\"}}]}");
        break;
    case C_RESTORE:
    case C_RESTORE_CONFLICT: snprintf(body, n, "{\"value\":\"%s\"}", c->blob); break;
    default: break;
    }
}

/* Builds the current step's request into q, path and body. */
static void cbuild(struct soak_worker *w, struct soak_req *q, char *path, size_t pathlen,
                   char *body, size_t bodylen)
{
    struct soak_certs *c = w->certs;
    const char *post = csteps[c->step].post, *v = strstr(post ? post : "", "{v}");
    size_t m;

    q->op = csteps[c->step].op;
    q->method = csteps[c->step].method;
    q->may_cut = csteps[c->step].cut;
    if (c->step == C_CREATE)
        c->pem = c->cycle % IMPORT_EVERY == IMPORT_EVERY - 1;
    if (!post)
        m = (size_t)snprintf(path, pathlen, "%s", csteps[c->step].pre);
    else if (v)
        m = (size_t)snprintf(path, pathlen, "%s%s%.*s%s%s", csteps[c->step].pre, c->name,
                             (int)(v - post), post, c->v1, v + 3);
    else if (c->step == C_CREATE && c->pem)
        m = (size_t)snprintf(path, pathlen, "/certificates/%s/import", c->name);
    else
        m = (size_t)snprintf(path, pathlen, "%s%s%s", csteps[c->step].pre, c->name, post);
    /* The operation's GETs name the create's request_id, as the Location of the 202 does. */
    if ((c->step == C_PENDING || c->step == C_PENDING2) && *c->request_id)
        m += (size_t)snprintf(path + m, pathlen - m, "?request_id=%s", c->request_id);
    snprintf(path + m, pathlen - m, "%s" API, strchr(path, '?') ? "&" : "?");
    cbody(w, q, body, bodylen);
    q->body = body[0] || strcmp(q->method, "POST") == 0 ? body : NULL;
    q->ctype = body[0] ? JSON : NULL;
}

/* The next step after an expected answer `status` to the current one. */
static enum cstep cnext(struct soak_certs *c, long status)
{
    enum cstep next = csteps[c->step].next;

    if (c->step == C_RESYNC_LIVE && status == 404)
        return C_RESYNC_DELETED;
    if (c->step == C_RESYNC_DELETED && status == 404)
        return C_CREATE; /* gone: the name's cycle starts again */
    if (c->step == C_CREATE && c->pem)
        return C_GET; /* imported: no operation to wait for */
    if (c->step == C_PURGE3)
        c->cycle++;
    /* A restore needs this name's backup (a resync may have skipped it). */
    if (next == C_RESTORE && (!c->blob || strcmp(c->blob_name, c->name) != 0)) {
        c->cycle++;
        return C_CREATE;
    }
    return next;
}

enum soak_outcome soak_certs_fixed_step(struct soak_worker *w)
{
    return soak_run_action(w, &cert_actions[w->certs->fixed_next++ % COUNT(cert_actions)]);
}

enum soak_outcome soak_certs_life_step(struct soak_worker *w)
{
    struct soak_certs *c = w->certs;
    struct soak_run *run = w->run;
    struct soak_req q = {.ep = EP_VAULT, .host = HOST_MAIN};
    size_t bodylen = 4096 + (c->blob ? strlen(c->blob) : 0) + strlen(run->cert_pem[0]);
    bool resync = c->step == C_RESYNC_LIVE || c->step == C_RESYNC_DELETED;
    enum clearned learned = LEARN_OK;
    enum soak_outcome o;
    char path[256], *body = malloc(bodylen);
    cJSON *j = NULL;

    if (!body)
        return OUT_STOP;
    snprintf(c->name, sizeof c->name, SOAK_PREFIX "c-w%d-n%u", w->id, c->cycle % CERT_NAMES);
    q.expect[0] = csteps[c->step].expect;
    q.expect[1] = resync ? 404 : 0;
    cbuild(w, &q, path, sizeof path, body, bodylen);
    if (q.op == OP_IMPORT_CERTIFICATE)
        q.expect[0] = 200; /* an import answers the certificate, not an operation */
    q.path = path;
    /* The managed secret is read as automation-flow: a secret's get is all it needs. */
    o = soak_send_as(w, c->step == C_SECRET ? TK_FLOW : TK_ADMIN, &q, &j);
    if (o == OUT_OK && !j && w->status >= 200 && w->status < 300 && w->len)
        j = cJSON_Parse(w->buf);
    if (o == OUT_OK && j)
        learned = clearn(w, &q, j);
    if (o == OUT_OK && learned == LEARN_BAD)
        o = OUT_UNEXPECTED;
    switch (o) {
    case OUT_OK:
        if (learned == LEARN_OK)
            c->step = cnext(c, w->status);
        break;
    case OUT_CUT:
    case OUT_UNEXPECTED:
        /* The write may or may not have happened: find out before going on. */
        c->step = C_RESYNC_LIVE;
        break;
    default: break; /* throttled or faulted: nothing happened, the step is tried again */
    }
    cJSON_Delete(j);
    free(body);
    return o;
}

int soak_certs_init(struct soak_worker *w)
{
    w->certs = calloc(1, sizeof *w->certs);
    if (!w->certs)
        return -1;
    w->certs->step = C_CREATE;
    w->certs->nversions = -1;
    /* Workers start at different places in the fixed table and at different cycles. */
    w->certs->fixed_next = (unsigned)w->id * 5;
    w->certs->cycle = (unsigned)w->id;
    return 0;
}

void soak_certs_finish(struct soak_worker *w)
{
    if (w->certs)
        free(w->certs->blob);
    free(w->certs);
    w->certs = NULL;
}
