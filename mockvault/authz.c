/* authz.c: access policies and RBAC for the vault operations, denial bodies and explanations,
 * and the record of what each principal needed. */
#include "authz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "reply.h"
#include "store.h"
#include "util.h"

#define ACT_PREFIX "Microsoft.KeyVault/vaults/secrets/"

/* What each REST operation needs. Access-policy permissions follow the REST reference ("This
 * operation requires the secrets/get permission", ...); RBAC data actions follow spec §2:
 * get -> getSecret, list and metadata -> readMetadata, set -> setSecret, delete -> delete,
 * recover/backup/restore/purge -> their own actions. secret_scoped: the resource is one secret, so
 * an assignment at /secrets/{name} applies; otherwise only the vault scope does. */
struct op_rule {
    const char *operation;
    unsigned perm;
    const char *perm_name;
    const char *action;
    bool secret_scoped;
};

static const struct op_rule rules[] = {
    {"GetSecret", MV_PERM_GET, "get", ACT_PREFIX "getSecret/action", true},
    {"GetSecrets", MV_PERM_LIST, "list", ACT_PREFIX "readMetadata/action", false},
    {"GetSecretVersions", MV_PERM_LIST, "list", ACT_PREFIX "readMetadata/action", true},
    {"SetSecret", MV_PERM_SET, "set", ACT_PREFIX "setSecret/action", true},
    {"UpdateSecret", MV_PERM_SET, "set", ACT_PREFIX "setSecret/action", true},
    {"DeleteSecret", MV_PERM_DELETE, "delete", ACT_PREFIX "delete", true},
    {"GetDeletedSecrets", MV_PERM_LIST, "list", ACT_PREFIX "readMetadata/action", false},
    {"GetDeletedSecret", MV_PERM_GET, "get", ACT_PREFIX "readMetadata/action", true},
    {"RecoverDeletedSecret", MV_PERM_RECOVER, "recover", ACT_PREFIX "recover/action", true},
    {"PurgeDeletedSecret", MV_PERM_PURGE, "purge", ACT_PREFIX "purge/action", true},
    {"BackupSecret", MV_PERM_BACKUP, "backup", ACT_PREFIX "backup/action", true},
    {"RestoreSecret", MV_PERM_RESTORE, "restore", ACT_PREFIX "restore/action", false},
};
#define NRULES (sizeof rules / sizeof rules[0])

/* The four built-in roles, smallest first, with the secret data actions they grant. */
struct role_def {
    const char *name;
    bool all_secret_actions; /* every secret data action (Officer, Administrator) */
    bool get, metadata;
};

static const struct role_def roles[] = {
    {"Key Vault Reader", false, false, true},
    {"Key Vault Secrets User", false, true, true},
    {"Key Vault Secrets Officer", true, true, true},
    {"Key Vault Administrator", true, true, true},
};
#define NROLES (sizeof roles / sizeof roles[0])

static const struct op_rule *rule_for(const char *operation)
{
    for (size_t i = 0; operation && i < NRULES; i++)
        if (strcmp(rules[i].operation, operation) == 0)
            return &rules[i];
    return NULL;
}

const char *mv_authz_permission(const char *operation)
{
    const struct op_rule *r = rule_for(operation);
    return r ? r->perm_name : NULL;
}

const char *mv_authz_action(const char *operation)
{
    const struct op_rule *r = rule_for(operation);
    return r ? r->action : NULL;
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
    if (role->all_secret_actions)
        return true;
    if (strcmp(action, ACT_PREFIX "getSecret/action") == 0)
        return role->get;
    if (strcmp(action, ACT_PREFIX "readMetadata/action") == 0)
        return role->metadata;
    return false;
}

/* The smallest built-in role granting every action whose bit is set in mask (bits index rules). */
static const struct role_def *smallest_role(unsigned mask)
{
    for (size_t i = 0; i < NROLES; i++) {
        bool all = true;
        for (size_t k = 0; k < NRULES; k++)
            if ((mask & (1u << k)) && !role_grants(&roles[i], rules[k].action))
                all = false;
        if (all)
            return &roles[i];
    }
    return &roles[NROLES - 1];
}

static void perm_list(unsigned bits, char *out, size_t n)
{
    static const char *const names[] = {"get", "list", "set", "delete", "recover", "backup", "restore", "purge"};
    size_t off = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < 8 && off < n; i++)
        if (bits & (1u << i))
            off += (size_t)snprintf(out + off, n - off, "%s%s", off ? ", " : "", names[i]);
}

/* ---- Usage record ---- */

struct usage_secret {
    char *name;
    unsigned actions; /* bits index rules */
};

struct usage_entry {
    char oid[64], appid[64], vault[64];
    unsigned perms;        /* access-policy permission bits used */
    unsigned vault_actions; /* rules used on the vault scope (collections, restore) */
    struct usage_secret *secrets;
    size_t nsecrets;
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
        for (size_t k = 0; k < u->entries[i].nsecrets; k++)
            free(u->entries[i].secrets[k].name);
        free(u->entries[i].secrets);
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

/* Records that r's principal used rule on r->vault (and secret, when scoped). Best effort: out of
 * memory only loses a record. */
static void usage_record(struct mv_req *r, const struct op_rule *rule, const char *secret)
{
    /* The same principal repeating the same operation on the same secret is the common case (a
     * service polling its secret): each thread remembers what it recorded last and skips the
     * shared lock when nothing would change. The generation catches a clear in between. */
    static __thread struct {
        const struct mv_authz_usage *u;
        unsigned long generation;
        const struct op_rule *rule;
        char oid[64], vault[64], secret[128];
    } last;
    struct mv_authz_usage *u = r->srv->authz_usage;
    struct usage_entry *e = NULL;
    unsigned bit = 1u << (unsigned)(rule - rules);
    unsigned long gen = __atomic_load_n(&u->generation, __ATOMIC_ACQUIRE);

    if (last.u == u && last.generation == gen && last.rule == rule && strcmp(last.oid, r->oid) == 0 &&
        strcmp(last.vault, r->vault) == 0 && strcmp(last.secret, secret ? secret : "") == 0)
        return;
    last.u = u;
    last.generation = gen;
    last.rule = rule;
    snprintf(last.oid, sizeof last.oid, "%s", r->oid);
    snprintf(last.vault, sizeof last.vault, "%s", r->vault);
    snprintf(last.secret, sizeof last.secret, "%s", secret ? secret : "");
    pthread_mutex_lock(&u->lock);
    for (size_t i = 0; i < u->n && !e; i++)
        if (strcasecmp(u->entries[i].oid, r->oid) == 0 && strcasecmp(u->entries[i].vault, r->vault) == 0)
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
    e->perms |= rule->perm;
    if (!rule->secret_scoped || !secret || !*secret) {
        e->vault_actions |= bit;
    } else {
        struct usage_secret *s = NULL;
        for (size_t k = 0; k < e->nsecrets && !s; k++)
            if (strcasecmp(e->secrets[k].name, secret) == 0)
                s = &e->secrets[k];
        if (!s) {
            struct usage_secret *ns = realloc(e->secrets, (e->nsecrets + 1) * sizeof *ns);
            char *name = strdup(secret);
            if (!ns || !name) {
                free(name);
                if (ns)
                    e->secrets = ns;
                goto out;
            }
            e->secrets = ns;
            s = &e->secrets[e->nsecrets++];
            s->name = name;
            s->actions = 0;
        }
        s->actions |= bit;
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

/* Secret permissions the principal holds in this access-policy vault, and whether any entry
 * names it at all. An entry matches the object id and tenant; an entry that also names an
 * application (compound identity) matches only that application. */
static unsigned policy_perms(const struct mv_vault *v, const struct mv_req *r, bool *has_entry)
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
        bits |= p->secrets_all ? MV_PERM_ALL : p->secrets;
    }
    return bits;
}

static bool scope_applies(const char *scope, const struct op_rule *rule, const char *secret)
{
    if (!scope || strcmp(scope, "/") == 0 || scope[0] == '\0')
        return true;
    return rule->secret_scoped && secret && strncasecmp(scope, "/secrets/", 9) == 0 &&
           strcasecmp(scope + 9, secret) == 0;
}

/* A stable id for an assignment, sent as x-ms-keyvault-rbac-assignment-id on success. */
static void assignment_id(const struct mv_role_assignment *a, char out[33])
{
    unsigned char h[32];
    char buf[512];

    snprintf(buf, sizeof buf, "%s|%s|%s", a->principal_id, a->role, a->scope ? a->scope : "/");
    mv_str_lower(buf);
    mv_sha256(buf, strlen(buf), h);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Finds an assignment granting the action; describes what the principal holds in holds. */
static const struct mv_role_assignment *rbac_grant(const struct mv_vault *v, const struct mv_req *r,
                                                   const struct op_rule *rule, const char *secret,
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
        if (!grant && def && role_grants(def, rule->action) && scope_applies(a->scope, rule, secret))
            grant = a;
    }
    if (!holds[0])
        snprintf(holds, n, "no role assignment in this vault");
    return grant;
}

static int deny_access_policy(struct mv_req *r, const struct op_rule *rule)
{
    return mv_reply_kv_error(r, MHD_HTTP_FORBIDDEN, "Forbidden", "AccessDenied",
                             "The user, group or application 'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' "
                             "does not have secrets %s permission on key vault '%s;location=%s'. For help "
                             "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                             r->appid, r->oid, r->tid, rule->perm_name, r->vault, r->location);
}

static int deny_rbac(struct mv_req *r, const struct op_rule *rule, const char *secret)
{
    char resource[400], vault_lc[64];

    snprintf(vault_lc, sizeof vault_lc, "%s", r->vault);
    mv_str_lower(vault_lc);
    /* The fixture has no subscription or resource group for a vault; the resource id uses fixed
     * placeholders in the real shape (lower-case provider and vault, as the service prints it). */
    if (rule->secret_scoped && secret && *secret)
        snprintf(resource, sizeof resource,
                 "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/providers/"
                 "microsoft.keyvault/vaults/%s/secrets/%s",
                 vault_lc, secret);
    else
        snprintf(resource, sizeof resource,
                 "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/mockvault/providers/"
                 "microsoft.keyvault/vaults/%s",
                 vault_lc);
    return mv_reply_kv_error(
        r, MHD_HTTP_FORBIDDEN, "Forbidden", "ForbiddenByRbac",
        "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
        "assignments or role definitions were changed recently, please observe propagation time.\r\n"
        "Caller: appid=%s;oid=%s;iss=https://sts.windows.net/%s/\r\nAction: '%s'\r\nResource: '%s'\r\n"
        "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: %s;location=%s\r\n",
        r->appid, r->oid, r->tid, rule->action, resource, r->vault, r->location);
}

bool mv_authz_vault(struct mv_req *r)
{
    const struct op_rule *rule = rule_for(r->operation);
    const char *secret = r->cap[0];
    enum mv_authz_mode mode = r->srv->cfg.authz;
    const struct mv_data *d;
    const struct mv_vault *v;
    char holds[400], change[400], who[200];
    bool allowed = false, rbac = false;

    if (!rule || mode == MV_AUTHZ_OFF)
        return true;
    if (strcmp(r->operation, "RestoreSecret") == 0)
        secret = NULL; /* the name is inside the blob; restore is a vault-level action */
    d = mv_store_rdlock(r->srv->store);
    v = mv_data_vault(d, r->vault);
    if (!v) {
        mv_store_unlock(r->srv->store);
        return true; /* the handler answers for a vault that vanished */
    }
    if (v->model == MV_MODEL_RBAC) {
        const struct mv_role_assignment *a;
        rbac = true;
        a = rbac_grant(v, r, rule, secret, holds, sizeof holds);
        allowed = a != NULL;
        if (a)
            assignment_id(a, r->rbac_assignment);
        else
            snprintf(change, sizeof change, "assign '%s' to principalId %s at scope %s%s",
                     smallest_role(1u << (unsigned)(rule - rules))->name, r->oid,
                     rule->secret_scoped && secret ? "/secrets/" : "/",
                     rule->secret_scoped && secret ? secret : "");
    } else {
        bool has_entry;
        unsigned bits = policy_perms(v, r, &has_entry);
        allowed = (bits & rule->perm) != 0;
        /* The explanation is only written for a denial; allowed requests skip the text. */
        if (!allowed && has_entry) {
            char list[128];
            perm_list(bits, list, sizeof list);
            snprintf(holds, sizeof holds, "secrets [%s]", list[0] ? list : "none");
            snprintf(change, sizeof change,
                     "add '%s' to the secret permissions of the access policy for objectId %s",
                     rule->perm_name, r->oid);
        } else if (!allowed) {
            snprintf(holds, sizeof holds, "no access policy entry");
            snprintf(change, sizeof change,
                     "add an access policy for objectId %s with secret permissions [%s]", r->oid,
                     rule->perm_name);
        }
    }
    if (!allowed) {
        const char *name = principal_name(d, r->appid);
        snprintf(who, sizeof who, "appid=%s oid=%s%s%s%s", r->appid, r->oid, name[0] ? " ('" : "",
                 name, name[0] ? "')" : "");
    }
    mv_store_unlock(r->srv->store);
    if (!allowed)
        /* One line that explains the denial: who, what was missing, what they hold, the fix. */
        mv_log_notice(r->srv, "authz: %s %s on vault %s%s%s by %s: needs %s %s; holds %s; smallest change: %s",
                      mode == MV_AUTHZ_AUDIT ? "would deny (audit)" : "denied", r->operation, r->vault,
                      secret ? " secret " : "", secret ? secret : "", who,
                      rbac ? "action" : "secrets permission", rbac ? rule->action : rule->perm_name,
                      holds, change);
    if (!allowed && mode == MV_AUTHZ_AUDIT)
        r->authz_would_deny = true; /* audit: allowed, but journaled as a would-be denial */
    if (!allowed && mode == MV_AUTHZ_ENFORCE) {
        if (rbac)
            deny_rbac(r, rule, secret);
        else
            deny_access_policy(r, rule);
        return false;
    }
    usage_record(r, rule, secret);
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
        static const char *const names[] = {"get", "list", "set", "delete", "recover", "backup", "restore", "purge"};

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
        for (unsigned b = 0; b < 8; b++)
            if (e->perms & (1u << b))
                cJSON_AddItemToArray(perms, cJSON_CreateString(names[b]));
        ras = cJSON_AddArrayToObject(vo, "roleAssignments");
        if (e->vault_actions) {
            /* Something needed the vault scope: one assignment there covers everything. */
            unsigned all = e->vault_actions;
            for (size_t k = 0; k < e->nsecrets; k++)
                all |= e->secrets[k].actions;
            cJSON_AddItemToArray(ras, role_json(smallest_role(all)->name, "/", NULL));
        } else {
            for (size_t k = 0; k < e->nsecrets; k++)
                cJSON_AddItemToArray(ras, role_json(smallest_role(e->secrets[k].actions)->name,
                                                    "/secrets/", e->secrets[k].name));
        }
        cJSON_AddItemToArray(vaults, vo);
    }
    pthread_mutex_unlock(&u->lock);
    mv_store_unlock(srv->store);
    return root;
}
