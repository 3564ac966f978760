/* authz.c: access policies and RBAC for the vault operations, denial bodies and explanations,
 * and the record of what each principal needed. */
#include "authz.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "reply.h"
#include "store.h"
#include "util.h"

/* The built-in roles with the data actions they grant (DOC built-in-roles/security.md; keys
 * spec §5), as glob patterns over the full action names. Ordered so that the first role granting
 * a set of operations is the smallest one: /_mock/authz/needed and the denial explanation pick it.
 */
struct role_def {
    const char *name;
    const char *const *actions; /* NULL-terminated fnmatch patterns */
};

#define KV "Microsoft.KeyVault/vaults/"
static const char *const reader[] = {KV "*/read", KV "secrets/readMetadata/action", NULL};
static const char *const secrets_user[] = {KV "*/read", KV "secrets/getSecret/action",
                                           KV "secrets/readMetadata/action", NULL};
static const char *const release_user[] = {KV "keys/release/action", NULL};
static const char *const encryption_user[] = {KV "keys/read", KV "keys/wrap/action",
                                              KV "keys/unwrap/action", NULL};
static const char *const crypto_user[] = {KV "keys/read",           KV "keys/update/action",
                                          KV "keys/backup/action",  KV "keys/encrypt/action",
                                          KV "keys/decrypt/action", KV "keys/wrap/action",
                                          KV "keys/unwrap/action",  KV "keys/sign/action",
                                          KV "keys/verify/action",  NULL};
/* Certificates: the User reads certificates and their secret and key (spec §5); the Officer
 * manages certificates, issuers (certificatecas) and contacts, but reads no secret value. */
static const char *const certificate_user[] = {
    KV "certificates/read", KV "secrets/getSecret/action", KV "secrets/readMetadata/action",
    KV "keys/read", NULL};
static const char *const certificates_officer[] = {
    KV "*/read", KV "certificates/*", KV "certificatecas/*", KV "certificatecontacts/write", NULL};
static const char *const secrets_officer[] = {KV "*/read", KV "secrets/*", NULL};
static const char *const crypto_officer[] = {KV "*/read", KV "keys/*", KV "keyrotationpolicies/*",
                                             NULL};
static const char *const administrator[] = {KV "*", NULL};

static const struct role_def roles[] = {
    {"Key Vault Reader", reader},
    {"Key Vault Crypto Service Release User", release_user},
    {"Key Vault Crypto Service Encryption User", encryption_user},
    {"Key Vault Secrets User", secrets_user},
    {"Key Vault Certificate User", certificate_user},
    {"Key Vault Crypto User", crypto_user},
    {"Key Vault Secrets Officer", secrets_officer},
    {"Key Vault Crypto Officer", crypto_officer},
    {"Key Vault Certificates Officer", certificates_officer},
    {"Key Vault Administrator", administrator},
};
#define NROLES (sizeof roles / sizeof roles[0])

/* Each family's permission names (store.h), its word in denials ("certificates", op.h), its
 * singular in explanations, and the scope prefix of one of its objects ("/keys/"), indexed by
 * enum mv_family. */
static const struct {
    const char *const *perms;
    const char *singular, *prefix;
} families[MV_FAMILY_COUNT] = {
    [MV_FAMILY_NONE] = {mv_secret_perm_names, "secret", "/secrets/"},
    [MV_FAMILY_SECRETS] = {mv_secret_perm_names, "secret", "/secrets/"},
    [MV_FAMILY_KEYS] = {mv_key_perm_names, "key", "/keys/"},
    [MV_FAMILY_CERTS] = {mv_cert_perm_names, "certificate", "/certificates/"},
};

static const char *const *perm_names(enum mv_family f)
{
    return families[f].perms;
}

static const char *family_word(enum mv_family f)
{
    return mv_family_word(f);
}

static const char *object_prefix(enum mv_family f)
{
    return families[f].prefix;
}

/* The permission an operation is named by: its highest bit. An operation may be granted by more
 * than one permission (the certificate issuers' operations also by manageissuers, a lower bit:
 * certs-meta.c); a denial and the usage record name the specific one. */
static unsigned op_perm_bit(const struct mv_op *op)
{
    unsigned bit = 31;

    while (bit && !(op->perm & (1u << bit)))
        bit--;
    return bit;
}

const char *mv_authz_perm_name(const struct mv_op *op)
{
    if (op->family == MV_FAMILY_NONE || !op->perm)
        return NULL;
    return perm_names(op->family)[op_perm_bit(op)];
}

static const struct role_def *role_by_name(const char *name)
{
    for (size_t i = 0; i < NROLES; i++)
        if (strcasecmp(roles[i].name, name) == 0)
            return &roles[i];
    return NULL;
}

static bool role_grants(const struct role_def *role, const char *action)
{
    for (size_t i = 0; action && role->actions[i]; i++)
        if (fnmatch(role->actions[i], action, 0) == 0)
            return true;
    return false;
}

/* A small set of distinct operations (what a principal used on one object or on the vault). */
struct op_set {
    const struct mv_op **ops; /* owned array, borrowed elements */
    size_t n;
};

static bool op_set_has(const struct op_set *s, const struct mv_op *op)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->ops[i] == op)
            return true;
    return false;
}

/* Adds op unless present. Best effort: out of memory only loses a record. */
static void op_set_add(struct op_set *s, const struct mv_op *op)
{
    const struct mv_op **n;

    if (op_set_has(s, op))
        return;
    n = realloc(s->ops, (s->n + 1) * sizeof *n);
    if (!n)
        return;
    n[s->n++] = op;
    s->ops = n;
}

/* The smallest built-in role granting the action of every operation in a and b (b may be NULL). */
static const struct role_def *smallest_role(const struct op_set *a, const struct op_set *b)
{
    for (size_t i = 0; i < NROLES; i++) {
        bool all = true;
        for (size_t k = 0; k < a->n && all; k++)
            all = role_grants(&roles[i], a->ops[k]->action);
        for (size_t k = 0; b && k < b->n && all; k++)
            all = role_grants(&roles[i], b->ops[k]->action);
        if (all)
            return &roles[i];
    }
    return &roles[NROLES - 1];
}

static void perm_list(enum mv_family f, unsigned bits, char *out, size_t n)
{
    const char *const *names = perm_names(f);
    size_t off = 0;

    out[0] = '\0';
    for (unsigned i = 0; names[i] && off < n; i++)
        if (bits & (1u << i))
            off += (size_t)snprintf(out + off, n - off, "%s%s", off ? ", " : "", names[i]);
}

/* ---- Usage record ---- */

/* What one principal used on one object (a secret today; keys and certificates share the
 * shape, so the family is part of the key: a key and a secret may share a name). */
struct usage_object {
    enum mv_family family;
    char *name;
    struct op_set ops;
};

struct usage_entry {
    char oid[64], appid[64], vault[64];
    unsigned perms[MV_FAMILY_COUNT]; /* access-policy permission bits used, per family */
    struct op_set vault_ops;         /* operations that needed the vault scope */
    struct usage_object *objects;
    size_t nobjects;
};

struct mv_authz_usage {
    pthread_mutex_t lock;
    unsigned long generation; /* bumped by every clear (atomic) */
    struct usage_entry *entries;
    size_t n;
};

struct mv_authz_usage *mv_authz_usage_create(void)
{
    struct mv_authz_usage *u = calloc(1, sizeof *u);
    if (u)
        pthread_mutex_init(&u->lock, NULL);
    return u;
}

/* Caller holds u->lock. */
static void usage_clear_locked(struct mv_authz_usage *u)
{
    for (size_t i = 0; i < u->n; i++) {
        for (size_t k = 0; k < u->entries[i].nobjects; k++) {
            free(u->entries[i].objects[k].name);
            free(u->entries[i].objects[k].ops.ops);
        }
        free(u->entries[i].objects);
        free(u->entries[i].vault_ops.ops);
    }
    free(u->entries);
    u->entries = NULL;
    u->n = 0;
}

void mv_authz_usage_clear(struct mv_authz_usage *u)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->lock);
    usage_clear_locked(u);
    __atomic_add_fetch(&u->generation, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&u->lock);
}

void mv_authz_usage_destroy(struct mv_authz_usage *u)
{
    if (!u)
        return;
    usage_clear_locked(u);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

/* The usage object (family, name) of e, added when absent; NULL when out of memory. Caller holds
 * the usage lock. */
static struct usage_object *usage_object(struct usage_entry *e, enum mv_family family,
                                         const char *name)
{
    struct usage_object *objs, *o;
    char *copy;

    for (size_t k = 0; k < e->nobjects; k++)
        if (e->objects[k].family == family && strcasecmp(e->objects[k].name, name) == 0)
            return &e->objects[k];
    objs = realloc(e->objects, (e->nobjects + 1) * sizeof *objs);
    if (objs)
        e->objects = objs;
    copy = strdup(name);
    if (!objs || !copy) {
        free(copy);
        return NULL;
    }
    o = &e->objects[e->nobjects++];
    memset(o, 0, sizeof *o);
    o->family = family;
    o->name = copy;
    return o;
}

/* Records that r's principal used op on r->vault (and on the named object, when the operation
 * can be granted there). Best effort: out of memory only loses a record. */
static void usage_record(struct mv_req *r, const struct mv_op *op, const char *object)
{
    /* The same principal repeating the same operation on the same secret is the common case (a
     * service polling its secret): each thread remembers what it recorded last and skips the
     * shared lock when nothing would change. The generation catches a clear in between. */
    static __thread struct {
        const struct mv_authz_usage *u;
        unsigned long generation;
        const struct mv_op *op;
        char oid[64], vault[64], object[128];
    } last;
    struct mv_authz_usage *u = r->srv->authz_usage;
    struct usage_entry *e = NULL;
    unsigned long gen = __atomic_load_n(&u->generation, __ATOMIC_ACQUIRE);

    if (last.u == u && last.generation == gen && last.op == op && strcmp(last.oid, r->oid) == 0 &&
        strcmp(last.vault, r->vault) == 0 && strcmp(last.object, object ? object : "") == 0)
        return;
    last.u = u;
    last.generation = gen;
    last.op = op;
    snprintf(last.oid, sizeof last.oid, "%s", r->oid);
    snprintf(last.vault, sizeof last.vault, "%s", r->vault);
    snprintf(last.object, sizeof last.object, "%s", object ? object : "");
    pthread_mutex_lock(&u->lock);
    for (size_t i = 0; i < u->n && !e; i++)
        if (strcasecmp(u->entries[i].oid, r->oid) == 0 &&
            strcasecmp(u->entries[i].vault, r->vault) == 0)
            e = &u->entries[i];
    if (!e) {
        struct usage_entry *ne = realloc(u->entries, (u->n + 1) * sizeof *ne);
        if (!ne)
            goto out;
        u->entries = ne;
        e = &u->entries[u->n++];
        memset(e, 0, sizeof *e);
        snprintf(e->oid, sizeof e->oid, "%s", r->oid);
        snprintf(e->appid, sizeof e->appid, "%s", r->appid);
        snprintf(e->vault, sizeof e->vault, "%s", r->vault);
    }
    e->perms[op->family] |= op->perm ? 1u << op_perm_bit(op) : 0;
    if (op->scope == MV_SCOPE_VAULT || !object || !*object) {
        op_set_add(&e->vault_ops, op);
    } else {
        struct usage_object *o = usage_object(e, op->family, object);
        if (o)
            op_set_add(&o->ops, op);
    }
out:
    pthread_mutex_unlock(&u->lock);
}

/* ---- Decisions ---- */

/* Display name of the principal with this client id, for explanations. */
static const char *principal_name(const struct mv_data *d, const char *appid)
{
    for (size_t t = 0; t < d->ntenants; t++) {
        const struct mv_tenant *tn = &d->tenants[t];
        for (size_t i = 0; i < tn->napps; i++)
            if (strcasecmp(tn->apps[i].client_id, appid) == 0)
                return tn->apps[i].display_name ? tn->apps[i].display_name : "";
        for (size_t i = 0; i < tn->nidentities; i++)
            if (strcasecmp(tn->identities[i].client_id, appid) == 0)
                return tn->identities[i].name ? tn->identities[i].name : "";
    }
    return "";
}

static bool same(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

/* The family's permissions the principal holds in this access-policy vault, and whether any entry
 * names it at all. An entry matches the object id and tenant; an entry that also names an
 * application (compound identity) matches only that application. */
static unsigned policy_perms(const struct mv_vault *v, const struct mv_req *r, enum mv_family f,
                             bool *has_entry)
{
    unsigned bits = 0;

    *has_entry = false;
    for (size_t i = 0; i < v->npolicies; i++) {
        const struct mv_access_policy *p = &v->policies[i];
        if (!same(p->object_id, r->oid))
            continue;
        if (p->tenant_id && !same(p->tenant_id, r->tid))
            continue;
        if (p->application_id && !same(p->application_id, r->appid))
            continue;
        *has_entry = true;
        if (f == MV_FAMILY_KEYS)
            bits |= p->keys_all ? MV_KPERM_ALL : p->keys;
        else if (f == MV_FAMILY_CERTS)
            bits |= p->certs_all ? MV_CPERM_ALL : p->certs;
        else
            bits |= p->secrets_all ? MV_PERM_ALL : p->secrets;
    }
    return bits;
}

static bool scope_applies(const char *scope, const struct mv_op *op, const char *object)
{
    const char *prefix = object_prefix(op->family);
    size_t pl = strlen(prefix);

    if (!scope || strcmp(scope, "/") == 0 || scope[0] == '\0')
        return true;
    return op->scope == MV_SCOPE_OBJECT && object && strncasecmp(scope, prefix, pl) == 0 &&
           strcasecmp(scope + pl, object) == 0;
}

/* A stable id for an assignment, sent as x-ms-keyvault-rbac-assignment-id on success. */
static void assignment_id(const struct mv_role_assignment *a, char out[33])
{
    unsigned char h[32];
    char buf[512];

    snprintf(buf, sizeof buf, "%s|%s|%s", a->principal_id, a->role, a->scope ? a->scope : "/");
    cx_str_lower(buf);
    mv_sha256(buf, strlen(buf), h);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Finds an assignment granting the action; describes what the principal holds in holds. */
static const struct mv_role_assignment *rbac_grant(const struct mv_vault *v, const struct mv_req *r,
                                                   const struct mv_op *op, const char *secret,
                                                   char *holds, size_t n)
{
    const struct mv_role_assignment *grant = NULL;
    size_t off = 0;

    holds[0] = '\0';
    for (size_t i = 0; i < v->nroles; i++) {
        const struct mv_role_assignment *a = &v->roles[i];
        const struct role_def *def;
        if (!same(a->principal_id, r->oid))
            continue;
        if (off < n)
            off += (size_t)snprintf(holds + off, n - off, "%s'%s' at %s", off ? ", " : "", a->role,
                                    a->scope ? a->scope : "/");
        def = role_by_name(a->role);
        if (!grant && def && role_grants(def, op->action) && scope_applies(a->scope, op, secret))
            grant = a;
    }
    if (!holds[0])
        snprintf(holds, n, "no role assignment in this vault");
    return grant;
}

static enum MHD_Result deny_access_policy(struct mv_req *r, const struct mv_op *op)
{
    return mv_reply_kv_error(
        r, MHD_HTTP_FORBIDDEN, "Forbidden", "AccessDenied",
        "The user, group or application 'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' "
        "does not have %s %s permission on key vault '%s;location=%s'. For help "
        "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
        r->appid, r->oid, r->tid, family_word(op->family), mv_authz_perm_name(op), r->vault,
        r->location);
}

static enum MHD_Result deny_rbac(struct mv_req *r, const struct mv_op *op, const char *secret)
{
    char resource[400], vault_lc[64];

    snprintf(vault_lc, sizeof vault_lc, "%s", r->vault);
    cx_str_lower(vault_lc);
    /* The fixture has no subscription or resource group for a vault; the resource id uses fixed
     * placeholders in the real shape (lower-case provider and vault, as the service prints it). */
    if (op->scope == MV_SCOPE_OBJECT && secret && *secret)
        snprintf(resource, sizeof resource,
                 "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/"
                 "providers/"
                 "microsoft.keyvault/vaults/%s%s%s",
                 vault_lc, object_prefix(op->family), secret);
    else
        snprintf(resource, sizeof resource,
                 "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/"
                 "providers/"
                 "microsoft.keyvault/vaults/%s",
                 vault_lc);
    return mv_reply_kv_error(
        r, MHD_HTTP_FORBIDDEN, "Forbidden", "ForbiddenByRbac",
        "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
        "assignments or role definitions were changed recently, please observe propagation "
        "time.\r\n"
        "Caller: appid=%s;oid=%s;iss=https://sts.windows.net/%s/\r\nAction: '%s'\r\nResource: "
        "'%s'\r\n"
        "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: "
        "%s;location=%s\r\n",
        r->appid, r->oid, r->tid, op->action, resource, r->vault, r->location);
}

/* The access-policy entry a principal's requests match first (as policy_perms matches them), for
 * the fix of a denial: the permission is added to that entry. NULL when none. */
static const struct mv_access_policy *matched_policy(const struct mv_vault *v,
                                                     const struct mv_req *r)
{
    for (size_t i = 0; i < v->npolicies; i++) {
        const struct mv_access_policy *p = &v->policies[i];
        if (same(p->object_id, r->oid) && (!p->tenant_id || same(p->tenant_id, r->tid)) &&
            (!p->application_id || same(p->application_id, r->appid)))
            return p;
    }
    return NULL;
}

/* The smallest change of a denial as the control-API call that makes it, for the journal and the
 * console's fix button (docs/control-api.md): POST .../accessPolicies merges one entry (perm added
 * to the matched entry, or a new entry), POST .../roleAssignments adds one assignment. JSON text
 * (caller frees), NULL when out of memory. Names and ids only, never a value. */
static char *fix_json(const struct mv_req *r, const struct mv_vault *v, const struct mv_op *op,
                      const char *role, const char *scope)
{
    cJSON *fix = cJSON_CreateObject(), *body = cJSON_CreateObject();
    char path[160];
    char *text = NULL;

    if (!fix || !body)
        goto out;
    snprintf(path, sizeof path, "/_mock/vaults/%s/%s", v->name,
             role ? "roleAssignments" : "accessPolicies");
    cJSON_AddStringToObject(fix, "method", "POST");
    cJSON_AddStringToObject(fix, "path", path);
    if (role) {
        cJSON_AddStringToObject(body, "principalId", r->oid);
        cJSON_AddStringToObject(body, "role", role);
        cJSON_AddStringToObject(body, "scope", scope);
    } else {
        const struct mv_access_policy *p = matched_policy(v, r);
        cJSON *perms, *list;
        /* The entry is named as it is written, so the merge finds it; a new entry names the
         * token's tenant only when it is not the vault's. */
        const char *tenant = p ? p->tenant_id : (same(r->tid, v->tenant_id) ? NULL : r->tid);
        cJSON_AddStringToObject(body, "objectId", r->oid);
        if (tenant)
            cJSON_AddStringToObject(body, "tenantId", tenant);
        if (p && p->application_id)
            cJSON_AddStringToObject(body, "applicationId", p->application_id);
        perms = cJSON_AddObjectToObject(body, "permissions");
        list = perms ? cJSON_AddArrayToObject(perms, family_word(op->family)) : NULL;
        if (list)
            cJSON_AddItemToArray(list, cJSON_CreateString(mv_authz_perm_name(op)));
    }
    cJSON_AddItemToObject(fix, "body", body);
    body = NULL;
    text = cJSON_PrintUnformatted(fix);
out:
    cJSON_Delete(body);
    cJSON_Delete(fix);
    return text;
}

bool mv_authz_vault_or_reply(struct mv_req *r)
{
    const struct mv_op *op = r->op;
    /* An operation granted only at the vault scope names no object (restore's name is inside
     * the blob). */
    const char *secret = op && op->scope == MV_SCOPE_OBJECT ? r->cap[0] : NULL;
    const char *perm_name;
    enum mv_authz_mode mode = r->srv->cfg.authz;
    const struct mv_data *d;
    const struct mv_vault *v;
    char holds[400], change[400], who[200], line[1400];
    bool allowed = false, rbac = false;

    /* GetRandomBytes needs no permission on a vault (keys.c). */
    if (!op || op->family == MV_FAMILY_NONE || mode == MV_AUTHZ_OFF || (!op->perm && !op->action))
        return true;
    perm_name = mv_authz_perm_name(op);
    d = mv_store_rdlock(r->srv->store);
    v = mv_data_vault(d, r->vault);
    if (!v) {
        mv_store_unlock(r->srv->store);
        return true; /* the handler answers for a vault that vanished */
    }
    if (v->model == MV_MODEL_RBAC) {
        const struct mv_role_assignment *a;
        rbac = true;
        a = rbac_grant(v, r, op, secret, holds, sizeof holds);
        allowed = a != NULL;
        if (a)
            assignment_id(a, r->rbac_assignment);
        else {
            struct op_set just = {(const struct mv_op **)&op, 1};
            char scope[200];
            const char *role = smallest_role(&just, NULL)->name;
            snprintf(scope, sizeof scope, "%s%s", secret ? object_prefix(op->family) : "/",
                     secret ? secret : "");
            snprintf(change, sizeof change, "assign '%s' to principalId %s at scope %s", role,
                     r->oid, scope);
            r->authz_fix = fix_json(r, v, op, role, scope);
        }
    } else {
        bool has_entry;
        const char *fam = families[op->family].singular;
        unsigned bits = policy_perms(v, r, op->family, &has_entry);
        allowed = (bits & op->perm) != 0;
        /* The explanation is only written for a denial; allowed requests skip the text. */
        if (!allowed && has_entry) {
            char list[256];
            perm_list(op->family, bits, list, sizeof list);
            snprintf(holds, sizeof holds, "%s [%s]", family_word(op->family),
                     list[0] ? list : "none");
            snprintf(change, sizeof change,
                     "add '%s' to the %s permissions of the access policy for objectId %s",
                     perm_name, fam, r->oid);
        } else if (!allowed) {
            snprintf(holds, sizeof holds, "no access policy entry");
            snprintf(change, sizeof change,
                     "add an access policy for objectId %s with %s permissions [%s]", r->oid, fam,
                     perm_name);
        }
    }
    if (!allowed && !rbac)
        r->authz_fix = fix_json(r, v, op, NULL, NULL);
    if (!allowed) {
        const char *name = principal_name(d, r->appid);
        snprintf(who, sizeof who, "appid=%s oid=%s%s%s%s", r->appid, r->oid, name[0] ? " ('" : "",
                 name, name[0] ? "')" : "");
    }
    mv_store_unlock(r->srv->store);
    if (!allowed) {
        /* One line that explains the denial: who, what was missing, what they hold, the fix. The
         * journal keeps it too, for the console. */
        snprintf(line, sizeof line,
                 "%s %s on vault %s%s%s%s%s by %s: needs %s%s %s; holds %s; smallest change: %s",
                 mode == MV_AUTHZ_AUDIT ? "would deny (audit)" : "denied", op->name, r->vault,
                 secret ? " " : "", secret ? families[op->family].singular : "", secret ? " " : "",
                 secret ? secret : "", who, rbac ? "action" : family_word(op->family),
                 rbac ? "" : " permission", rbac ? op->action : perm_name, holds, change);
        mv_log_notice(&r->srv->log, "authz: %s", line);
        free(r->authz_explanation);
        r->authz_explanation = strdup(line);
    }
    if (!allowed && mode == MV_AUTHZ_AUDIT)
        r->authz_would_deny = true; /* audit: allowed, but journaled as a would-be denial */
    if (!allowed && mode == MV_AUTHZ_ENFORCE) {
        if (rbac)
            deny_rbac(r, op, secret);
        else
            deny_access_policy(r, op);
        return false;
    }
    usage_record(r, op, secret);
    return true;
}

/* ---- The minimal policy report ---- */

static cJSON *role_json(const char *role, const char *scope_prefix, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    char scope[300];

    snprintf(scope, sizeof scope, "%s%s", scope_prefix, name ? name : "");
    cJSON_AddStringToObject(o, "role", role);
    cJSON_AddStringToObject(o, "scope", scope);
    return o;
}

cJSON *mv_authz_needed(struct mv_server *srv)
{
    struct mv_authz_usage *u = srv->authz_usage;
    const struct mv_data *d = mv_store_rdlock(srv->store);
    cJSON *root = cJSON_CreateObject();
    cJSON *principals = cJSON_AddArrayToObject(root, "principals");

    pthread_mutex_lock(&u->lock);
    for (size_t i = 0; i < u->n; i++) {
        const struct usage_entry *e = &u->entries[i];
        const struct mv_vault *v = mv_data_vault(d, e->vault);
        cJSON *p = NULL, *vaults, *vo, *perms, *ras;

        /* One object per principal, its vaults inside. */
        for (cJSON *it = principals->child; it && !p; it = it->next)
            if (strcasecmp(cJSON_GetObjectItemCaseSensitive(it, "oid")->valuestring, e->oid) == 0)
                p = it;
        if (!p) {
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "oid", e->oid);
            cJSON_AddStringToObject(p, "appid", e->appid);
            cJSON_AddStringToObject(p, "displayName", principal_name(d, e->appid));
            cJSON_AddArrayToObject(p, "vaults");
            cJSON_AddItemToArray(principals, p);
        }
        vaults = cJSON_GetObjectItemCaseSensitive(p, "vaults");
        vo = cJSON_CreateObject();
        cJSON_AddStringToObject(vo, "vault", e->vault);
        cJSON_AddStringToObject(vo, "permissionModel",
                                v && v->model == MV_MODEL_RBAC ? "rbac" : "accessPolicy");
        perms = cJSON_AddArrayToObject(vo, "secretPermissions");
        for (unsigned b = 0; mv_secret_perm_names[b]; b++)
            if (e->perms[MV_FAMILY_SECRETS] & (1u << b))
                cJSON_AddItemToArray(perms, cJSON_CreateString(mv_secret_perm_names[b]));
        perms = cJSON_AddArrayToObject(vo, "keyPermissions");
        for (unsigned b = 0; mv_key_perm_names[b]; b++)
            if (e->perms[MV_FAMILY_KEYS] & (1u << b))
                cJSON_AddItemToArray(perms, cJSON_CreateString(mv_key_perm_names[b]));
        perms = cJSON_AddArrayToObject(vo, "certificatePermissions");
        for (unsigned b = 0; mv_cert_perm_names[b]; b++)
            if (e->perms[MV_FAMILY_CERTS] & (1u << b))
                cJSON_AddItemToArray(perms, cJSON_CreateString(mv_cert_perm_names[b]));
        ras = cJSON_AddArrayToObject(vo, "roleAssignments");
        if (e->vault_ops.n) {
            /* Something needed the vault scope: one assignment there covers everything. */
            const struct role_def *role = smallest_role(&e->vault_ops, NULL);
            for (size_t k = 0; k < e->nobjects; k++) {
                const struct role_def *more = smallest_role(&e->vault_ops, &e->objects[k].ops);
                if (more > role)
                    role = more;
            }
            cJSON_AddItemToArray(ras, role_json(role->name, "/", NULL));
        } else {
            for (size_t k = 0; k < e->nobjects; k++)
                cJSON_AddItemToArray(ras, role_json(smallest_role(&e->objects[k].ops, NULL)->name,
                                                    object_prefix(e->objects[k].family),
                                                    e->objects[k].name));
        }
        cJSON_AddItemToArray(vaults, vo);
    }
    pthread_mutex_unlock(&u->lock);
    mv_store_unlock(srv->store);
    return root;
}

bool mv_authz_family(enum mv_family f, const char **word, const char *const **perms)
{
    if (f <= MV_FAMILY_NONE || f >= MV_FAMILY_COUNT)
        return false;
    *word = family_word(f);
    *perms = perm_names(f);
    return true;
}

const char *mv_authz_role_name(size_t i)
{
    return i < NROLES ? roles[i].name : NULL;
}
