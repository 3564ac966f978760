/* state-tenants.c: a fixture's tenants: applications (secrets, certificates), managed
 * identities, users and subscriptions. */
#include "state-int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cert.h"
#include "util.h"

/* ---- Tenants ---- */

static const char *const app_secret_fields[] = {"value", "expires", NULL};
static const char *const app_cert_fields[] = {"pem", "file", NULL};
static const char *const app_fields[] = {
    "displayName", "clientId", "objectId", "secrets", "graphRoles", "certificates", NULL,
};
static const char *const identity_fields[] = {
    "name", "clientId", "objectId", "systemAssigned", "resourceId", NULL,
};
static const char *const user_fields[] = {"id", "displayName", "userPrincipalName", NULL};
static const char *const subscription_fields[] = {"id", "displayName", NULL};
static const char *const tenant_fields[] = {
    "id", "domain", "applications", "managedIdentities", "users", "subscriptions", NULL,
};

/* A certificate file is a couple of kilobytes (certificate and key); this bounds a wrong path. */
#define MAX_CERT_FILE (256 * 1024)

/* Resolves a certificate "file" relative to the directory of the fixture file being parsed.
 * Only a fixture read from a file may name files: a document that arrived over HTTP (PUT
 * /_mock/state) has no directory, and letting it open server-side paths would make the control
 * API a probe of the file system. Returns 0 and fills out, or -1 after st_fail(). */
static int resolve_cert_file(struct pctx *c, const char *file, char *out, size_t n)
{
    struct stat sb;
    const char *slash;
    int len;

    if (stat(c->source, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st_fail(c, "a certificate 'file' can only be used in a fixture file; put the certificate "
                   "inline as \"pem\" instead");
        return -1;
    }
    slash = strrchr(c->source, '/');
    if (file[0] == '/')
        len = snprintf(out, n, "%s", file);
    else if (slash != NULL)
        len = snprintf(out, n, "%.*s/%s", (int)(slash - c->source), c->source, file);
    else
        len = snprintf(out, n, "%s", file);
    if (len < 0 || (size_t)len >= n) {
        st_fail(c, "the path '%s' is too long", st_show(file).s);
        return -1;
    }
    return 0;
}

/* One entry of an app's "certificates": {"pem": "-----BEGIN CERTIFICATE-----..."} or {"file":
 * "certs/x.pem"} (relative to the fixture file). Either way only the certificate is kept; a
 * private key in the same PEM is read past and dropped (mv_cert_load). */
int st_parse_cert(struct pctx *c, const cJSON *j, struct mv_app_cert *cert)
{
    char *pem = NULL, *file = NULL, *text = NULL, path[PATH_MAX], msg[384];
    size_t len = 0, old;
    int rc = -1;

    if (st_expect_object(c, j, app_cert_fields) != 0 ||
        st_get_str(c, j, "pem", false, true, &pem) != 0 ||
        st_get_str(c, j, "file", false, true, &file) != 0)
        goto out;
    if ((pem == NULL) == (file == NULL)) {
        st_fail(c, "give exactly one of \"pem\" (the certificate inline) or \"file\" (a PEM file "
                   "relative to the fixture)");
        goto out;
    }
    if (file != NULL) {
        old = st_path_key(c, "file");
        if (resolve_cert_file(c, file, path, sizeof(path)) != 0) {
            st_path_pop(c, old);
            goto out;
        }
        text = cx_read_file(path, MAX_CERT_FILE, &len);
        if (text == NULL) {
            st_fail(c, "cannot read '%s'%s: %s", st_show(file).s,
                    file[0] == '/' ? "" : " (relative to the fixture file's directory)",
                    strerror(errno));
            st_path_pop(c, old);
            goto out;
        }
    } else {
        old = st_path_key(c, "pem");
    }
    if (mv_cert_load(text != NULL ? text : pem, text != NULL ? len : strlen(pem), cert, msg,
                     sizeof(msg)) != 0) {
        st_fail(c, "%s", msg);
        st_path_pop(c, old);
        goto out;
    }
    st_path_pop(c, old);
    rc = 0;
out:
    free(pem);
    free(file);
    free(text);
    return rc;
}

static int parse_app_certs(struct pctx *c, const cJSON *j, struct mv_app *a)
{
    const cJSON *certs;

    if (st_get_array(c, j, "certificates", &certs) != 0)
        return -1;
    a->certificates = st_alloc_items(c, certs, sizeof(*a->certificates), &a->ncertificates);
    if (c->failed)
        return -1;
    size_t old = st_path_key(c, "certificates");
    size_t i = 0;
    for (const cJSON *it = certs != NULL ? certs->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (st_parse_cert(c, it, &a->certificates[i]) != 0)
            return -1;
        /* One certificate registered twice would make the key lookup by thumbprint ambiguous
         * for nothing; Entra refuses a duplicate key credential too. */
        for (size_t k = 0; k < i; k++) {
            if (memcmp(a->certificates[k].sha256, a->certificates[i].sha256, 32) == 0) {
                st_fail(c, "the same certificate appears twice (also certificates[%zu])", k);
                return -1;
            }
        }
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    return 0;
}

static int parse_app(struct pctx *c, const cJSON *j, struct mv_app *a)
{
    const cJSON *secrets;
    if (st_expect_object(c, j, app_fields) != 0 ||
        st_get_str(c, j, "clientId", true, true, &a->client_id) != 0 ||
        st_get_str(c, j, "displayName", false, true, &a->display_name) != 0 ||
        st_get_str(c, j, "objectId", false, true, &a->object_id) != 0 ||
        st_get_array(c, j, "secrets", &secrets) != 0 ||
        st_get_strv(c, j, "graphRoles", &a->graph_roles, &a->ngraph_roles) != 0)
        return -1;
    /* The display name defaults to the client id so every app has a printable name; a missing
     * object id is generated, like version ids, and a snapshot then keeps it. */
    if (st_default_copy(c, &a->display_name, a->client_id) != 0)
        return -1;
    if (a->object_id == NULL && st_gen_guid(c, &a->object_id) != 0)
        return -1;
    a->secrets = st_alloc_items(c, secrets, sizeof(*a->secrets), &a->nsecrets);
    if (c->failed)
        return -1;
    size_t old = st_path_key(c, "secrets");
    size_t i = 0;
    for (const cJSON *it = secrets != NULL ? secrets->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        struct mv_app_secret *s = &a->secrets[i];
        if (st_expect_object(c, it, app_secret_fields) != 0 ||
            st_get_str(c, it, "value", true, true, &s->value) != 0 ||
            st_get_time(c, it, "expires", &s->has_expires, &s->expires) != 0)
            return -1;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    return parse_app_certs(c, j, a);
}

static int parse_identity(struct pctx *c, const cJSON *j, struct mv_managed_identity *m)
{
    if (st_expect_object(c, j, identity_fields) != 0 ||
        st_get_str(c, j, "clientId", true, true, &m->client_id) != 0 ||
        st_get_str(c, j, "name", false, true, &m->name) != 0 ||
        st_get_str(c, j, "objectId", false, true, &m->object_id) != 0 ||
        st_get_bool(c, j, "systemAssigned", &m->system_assigned) != 0 ||
        st_get_str(c, j, "resourceId", false, true, &m->resource_id) != 0)
        return -1;
    if (st_default_copy(c, &m->name, m->client_id) != 0)
        return -1;
    if (m->object_id == NULL && st_gen_guid(c, &m->object_id) != 0)
        return -1;
    return 0;
}

static int parse_user(struct pctx *c, const cJSON *j, struct mv_user *u)
{
    if (st_expect_object(c, j, user_fields) != 0 ||
        st_get_str(c, j, "userPrincipalName", true, true, &u->user_principal_name) != 0 ||
        st_get_str(c, j, "id", false, true, &u->id) != 0 ||
        st_get_str(c, j, "displayName", false, true, &u->display_name) != 0)
        return -1;
    if (st_default_copy(c, &u->display_name, u->user_principal_name) != 0)
        return -1;
    if (u->id == NULL && st_gen_guid(c, &u->id) != 0)
        return -1;
    return 0;
}

/* A subscription id must be a GUID: az prints and reuses it as one. */
static bool guid_ok(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int parse_subscription(struct pctx *c, const cJSON *j, struct mv_subscription *sub)
{
    if (st_expect_object(c, j, subscription_fields) != 0 ||
        st_get_str(c, j, "id", true, true, &sub->id) != 0 ||
        st_get_str(c, j, "displayName", false, true, &sub->display_name) != 0)
        return -1;
    if (!guid_ok(sub->id)) {
        st_path_key(c, "id");
        st_fail(c, "subscription id '%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                st_show(sub->id).s);
        return -1;
    }
    return st_default_copy(c, &sub->display_name, sub->id);
}

int st_parse_tenant(struct pctx *c, const cJSON *j, struct mv_tenant *t)
{
    const cJSON *apps, *ids, *users, *subs;
    if (st_expect_object(c, j, tenant_fields) != 0 ||
        st_get_str(c, j, "id", true, true, &t->id) != 0 ||
        st_get_str(c, j, "domain", false, true, &t->domain) != 0 ||
        st_get_array(c, j, "applications", &apps) != 0 ||
        st_get_array(c, j, "managedIdentities", &ids) != 0 ||
        st_get_array(c, j, "users", &users) != 0 || st_get_array(c, j, "subscriptions", &subs) != 0)
        return -1;
    /* Without a domain the tenant is still reachable by id; the id doubles as its domain so
     * lookups and exports never meet a missing one. */
    if (st_default_copy(c, &t->domain, t->id) != 0)
        return -1;

    t->apps = st_alloc_items(c, apps, sizeof(*t->apps), &t->napps);
    if (c->failed)
        return -1;
    size_t old = st_path_key(c, "applications");
    size_t i = 0;
    for (const cJSON *it = apps != NULL ? apps->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_app(c, it, &t->apps[i]) != 0)
            return -1;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(t->apps[k].client_id, t->apps[i].client_id) == 0) {
                st_path_key(c, "clientId");
                st_fail(c, "duplicate clientId '%s' (also applications[%zu])",
                        st_show(t->apps[i].client_id).s, k);
                return -1;
            }
        }
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    t->identities = st_alloc_items(c, ids, sizeof(*t->identities), &t->nidentities);
    if (c->failed)
        return -1;
    old = st_path_key(c, "managedIdentities");
    i = 0;
    for (const cJSON *it = ids != NULL ? ids->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_identity(c, it, &t->identities[i]) != 0)
            return -1;
        for (size_t k = 0; k < i; k++) {
            if (cx_strcasecmp(t->identities[k].client_id, t->identities[i].client_id) == 0) {
                st_path_key(c, "clientId");
                st_fail(c, "duplicate clientId '%s' (also managedIdentities[%zu])",
                        st_show(t->identities[i].client_id).s, k);
                return -1;
            }
        }
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    t->users = st_alloc_items(c, users, sizeof(*t->users), &t->nusers);
    if (c->failed)
        return -1;
    old = st_path_key(c, "users");
    i = 0;
    for (const cJSON *it = users != NULL ? users->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_user(c, it, &t->users[i]) != 0)
            return -1;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);

    t->subscriptions = st_alloc_items(c, subs, sizeof(*t->subscriptions), &t->nsubscriptions);
    if (c->failed)
        return -1;
    old = st_path_key(c, "subscriptions");
    i = 0;
    for (const cJSON *it = subs != NULL ? subs->child : NULL; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (parse_subscription(c, it, &t->subscriptions[i]) != 0)
            return -1;
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    return 0;
}
