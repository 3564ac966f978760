/* test-state.c: unit tests of fixtures and snapshots: the default fixture, every class of bad
 * fixture, relative times, defaults, export round trips, backup entries and atomic writes. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "util.h"
#include "store.h"
#include "testlib.h"

#define T0 1700000000
#define DAY 86400
#define DEFAULT_FIXTURE MV_SOURCE_ROOT "/fixtures/default.json"
#define BAD_DIR MV_SOURCE_ROOT "/fixtures/bad/"

/* ---- Helpers ---- */

static struct mv_data *parse_str(const char *json, int64_t now, char *err, size_t errlen)
{
    return mv_state_parse(json, strlen(json), "inline.json", now, err, errlen);
}

static struct mv_data *parse_ok(const char *json, int64_t now)
{
    char err[1024] = "";
    struct mv_data *d = parse_str(json, now, err, sizeof(err));
    ck_assert_msg(d != NULL, "parse failed: %s", err);
    return d;
}

/* Exports d and prints it (formatted); caller frees with free(). */
static char *export_text(const struct mv_data *d)
{
    cJSON *j = mv_state_export(d);
    ck_assert_ptr_nonnull(j);
    char *s = cJSON_Print(j);
    ck_assert_ptr_nonnull(s);
    cJSON_Delete(j);
    return s;
}

static const struct mv_version *version_of(const struct mv_data *d, const char *vault,
                                           const char *secret, size_t i)
{
    const struct mv_vault *v = mv_data_vault(d, vault);
    ck_assert_ptr_nonnull(v);
    const struct mv_object *s = mv_vault_secret(v, secret);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_lt(i, s->nversions);
    return &s->versions[i];
}

/* ---- The default fixture ---- */

START_TEST(test_default_fixture)
{
    char err[1024] = "";
    struct mv_data *d = mv_state_load_file(DEFAULT_FIXTURE, T0, err, sizeof(err));
    ck_assert_msg(d != NULL, "default.json: %s", err);
    ck_assert_str_eq(d->default_vault, "demo");
    ck_assert_uint_eq(d->ntenants, 1);
    const struct mv_tenant *t = mv_data_tenant(d, "contoso.onmicrosoft.com");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->id, "11111111-1111-1111-1111-111111111111");
    ck_assert_uint_eq(t->napps, 4);
    ck_assert_uint_eq(t->nusers, 3);
    ck_assert_uint_eq(t->nidentities, 2);
    ck_assert(t->identities[0].system_assigned);
    ck_assert_str_eq(t->identities[0].client_id, "44444444-4444-4444-4444-444444444444");
    ck_assert(!t->identities[1].system_assigned);
    ck_assert_str_eq(t->identities[1].client_id, "99999999-9999-9999-9999-999999999999");
    ck_assert_ptr_nonnull(t->identities[1].resource_id);

    const struct mv_app *flow = mv_tenant_app(t, "22222222-2222-2222-2222-222222222222");
    ck_assert_ptr_nonnull(flow);
    ck_assert_str_eq(flow->display_name, "automation-flow");
    ck_assert_str_eq(flow->object_id, "33333333-3333-3333-3333-333333333333");
    ck_assert_str_eq(flow->secrets[0].value, "flow-client-secret");
    ck_assert(flow->secrets[0].has_expires);
    ck_assert_int_eq(flow->secrets[0].expires, T0 + 365 * DAY);
    const struct mv_app *graph = mv_tenant_app(t, "77777777-7777-7777-7777-777777777777");
    ck_assert_ptr_nonnull(graph);
    ck_assert_uint_eq(graph->ngraph_roles, 1);
    ck_assert_str_eq(graph->graph_roles[0], "User.Read.All");
    ck_assert_int_eq(graph->secrets[0].expires, T0 + 180 * DAY);
    ck_assert_ptr_nonnull(mv_tenant_app(t, "aaaaaaaa-0000-0000-0000-000000000001"));
    ck_assert_ptr_nonnull(mv_tenant_app(t, "cccccccc-0000-0000-0000-000000000003"));

    const struct mv_vault *demo = mv_data_vault(d, "demo");
    ck_assert_ptr_nonnull(demo);
    ck_assert_int_eq(demo->model, MV_MODEL_ACCESS_POLICY);
    ck_assert_int_eq(demo->retention_days, 90);
    ck_assert(!demo->purge_protection);
    ck_assert_str_eq(demo->location, "westeurope");
    ck_assert_uint_eq(demo->npolicies, 4);
    ck_assert(demo->policies[0].secrets_all);
    ck_assert_uint_eq(demo->policies[0].secrets, MV_PERM_ALL);
    ck_assert_uint_eq(demo->policies[1].secrets, MV_PERM_GET);
    ck_assert_uint_eq(demo->policies[2].secrets, MV_PERM_GET | MV_PERM_LIST);
    ck_assert_uint_eq(demo->policies[3].secrets, MV_PERM_GET | MV_PERM_LIST);
    ck_assert_uint_eq(demo->nsecrets, 7);
    /* One RSA and one EC key, generated (the file holds no key material). */
    ck_assert_uint_eq(demo->nkeys, 2);
    const struct mv_object *rsa = mv_vault_object(demo, MV_OBJ_KEY, "demo-rsa");
    const struct mv_object *ec = mv_vault_object(demo, MV_OBJ_KEY, "demo-ec");
    ck_assert_ptr_nonnull(rsa);
    ck_assert_ptr_nonnull(ec);
    ck_assert_str_eq(rsa->versions[0].id, "3333cccc3333cccc3333cccc3333cccc");
    ck_assert_ptr_nonnull(rsa->versions[0].key);
    ck_assert_uint_eq(rsa->versions[0].key->nops, 6);
    ck_assert_ptr_nonnull(ec->versions[0].key);
    ck_assert_uint_eq(demo->policies[0].keys, MV_KPERM_ALL);
    ck_assert_uint_eq(demo->policies[2].keys, MV_KPERM_GET | MV_KPERM_WRAP | MV_KPERM_UNWRAP);
    /* Sorted by lower-cased name. */
    for (size_t i = 1; i < demo->nsecrets; i++)
        ck_assert_int_lt(strcasecmp(demo->secrets[i - 1].name, demo->secrets[i].name), 0);

    const struct mv_version *v1 = version_of(d, "demo", "graph-app-secret", 0);
    const struct mv_version *v2 = version_of(d, "demo", "graph-app-secret", 1);
    ck_assert(!v1->enabled);
    ck_assert_int_eq(v1->created, T0 - 60 * DAY);
    ck_assert_int_eq(v1->updated, v1->created);
    ck_assert_str_eq(v2->value, "graph-app-client-secret-v2");
    ck_assert(v2->enabled);
    ck_assert_str_eq(v2->content_type, "text/plain");
    ck_assert(v2->tags.present);
    ck_assert_uint_eq(v2->tags.n, 2);
    ck_assert_str_eq(v2->tags.items[0].name, "app");
    ck_assert_str_eq(v2->tags.items[0].value, "graph-reader");
    ck_assert(v2->has_exp && v2->exp == T0 + 180 * DAY);
    ck_assert_int_eq(v2->created, T0 - DAY);
    /* The app registration's client secret is the vault secret's current value. */
    ck_assert_str_eq(v2->value, graph->secrets[0].value);

    ck_assert_int_eq(version_of(d, "demo", "db-password", 0)->created, T0 - 90 * DAY);
    ck_assert_int_eq(version_of(d, "demo", "db-password", 2)->created, T0 - DAY);
    const struct mv_version *exp = version_of(d, "demo", "expired-secret", 0);
    ck_assert(exp->has_exp && exp->exp == T0 - DAY);
    const struct mv_version *nbf = version_of(d, "demo", "not-yet-valid", 0);
    ck_assert(nbf->has_nbf && nbf->nbf == T0 + 7 * DAY);
    ck_assert(!version_of(d, "demo", "disabled-secret", 0)->enabled);
    ck_assert(version_of(d, "demo", "api-key", 0)->tags.n > 0);
    const struct mv_object *old = mv_vault_secret(demo, "old-secret");
    ck_assert_ptr_nonnull(old);
    ck_assert(old->deleted);
    ck_assert_int_eq(old->deleted_date, T0 - 2 * DAY);
    ck_assert_int_eq(old->scheduled_purge_date, T0 - 2 * DAY + 90 * DAY);

    const struct mv_vault *rbac = mv_data_vault(d, "rbac-demo");
    ck_assert_ptr_nonnull(rbac);
    ck_assert_int_eq(rbac->model, MV_MODEL_RBAC);
    ck_assert_int_eq(rbac->retention_days, 7);
    ck_assert(rbac->purge_protection);
    ck_assert_uint_eq(rbac->nroles, 2);
    ck_assert_str_eq(rbac->roles[0].role, "Key Vault Administrator");
    ck_assert_str_eq(rbac->roles[0].scope, "/");
    ck_assert_str_eq(rbac->roles[1].principal_id, "33333333-3333-3333-3333-333333333333");
    ck_assert_str_eq(rbac->roles[1].scope, "/secrets/app-config");
    ck_assert_ptr_nonnull(mv_vault_secret(rbac, "app-config"));
    mv_data_free(d);
}
END_TEST

/* ---- Bad fixtures: each gives an error naming the file and the exact JSON path ---- */

struct bad_case {
    const char *file;
    const char *path;     /* exact JSON path, or NULL for syntax errors */
    const char *fragment; /* part of the message */
};

static const struct bad_case bad_cases[] = {
    {"syntax.json", NULL, "invalid JSON near byte 39 (line 3, column 24)"},
    {"trailing-data.json", NULL, "unexpected data after the document"},
    {"not-an-object.json", "$", "must be a JSON object"},
    {"unknown-field.json", "$.vaults[0].secrets[1].versions[0].valu", "unknown field 'valu'"},
    {"unknown-root-field.json", "$.vault", "unknown field 'vault'"},
    {"deleted-unknown-field.json", "$.vaults[0].deletedSecrets[0].deleted", "unknown field"},
    {"live-with-deleted-date.json", "$.vaults[0].secrets[0].deletedDate", "unknown field"},
    {"unknown-permission-kind.json", "$.vaults[0].accessPolicies[0].permissions.storage",
     "unknown field 'storage'"},
    {"dup-field.json", "$.vaults[0].name", "appears twice"},
    {"wrong-type-enabled.json", "$.vaults[0].secrets[0].versions[0].enabled", "true or false"},
    {"wrong-type-value.json", "$.vaults[0].secrets[0].versions[0].value",
     "'value' must be a string, not a number"},
    {"wrong-type-client-secret.json", "$.tenants[0].applications[0].secrets[0].value",
     "must be a string, not an array"},
    {"missing-tenant-id.json", "$.tenants[0].id", "required field is missing"},
    {"missing-client-id.json", "$.tenants[0].applications[0].clientId", "required field"},
    {"missing-vault-name.json", "$.vaults[0].name", "required field"},
    {"missing-secret-name.json", "$.vaults[0].secrets[0].name", "required field"},
    {"missing-version-value.json", "$.vaults[0].secrets[0].versions[1].value", "required field"},
    {"empty-versions.json", "$.vaults[0].secrets[1].versions", "at least one version"},
    {"bad-secret-name.json", "$.vaults[0].secrets[1].name", "invalid secret name 'a_b'"},
    {"bad-vault-name.json", "$.vaults[0].name", "invalid vault name '1demo'"},
    {"bad-version-id.json", "$.vaults[0].secrets[0].versions[0].id", "32 lowercase hex"},
    {"dup-version-id.json", "$.vaults[0].secrets[0].versions[1].id", "duplicate version id"},
    {"dup-vault.json", "$.vaults[1].name", "duplicate vault name 'DEMO'"},
    {"dup-secret.json", "$.vaults[0].deletedSecrets[0].name",
     "duplicate secret name 'FIRST' (also secrets[0]"},
    {"unknown-tenant.json", "$.vaults[0].tenantId", "is not in $.tenants"},
    {"bad-default-vault.json", "$.defaultVault", "no vault named 'missing'"},
    {"bad-permission-model.json", "$.vaults[0].permissionModel", "\"accessPolicy\" or \"rbac\""},
    {"bad-permission.json", "$.vaults[0].accessPolicies[0].permissions.secrets[1]",
     "unknown secret permission 'read'"},
    {"bad-role.json", "$.vaults[0].roleAssignments[0].role", "unknown role"},
    {"bad-scope.json", "$.vaults[0].roleAssignments[0].scope", "invalid scope '/keys/bad_name'"},
    {"bad-retention.json", "$.vaults[0].softDelete.retentionDays", "from 7 to 90"},
    {"bad-purge-protection.json", "$.vaults[0].softDelete.purgeProtection", "true or false"},
    {"bad-time.json", "$.vaults[0].secrets[0].versions[0].exp", "invalid time '+2w'"},
    {"attest-http-authority.json", "$.attestationAuthorities[0].authority", "https:// URL"},
    {"attest-no-keys.json", "$.attestationAuthorities[0]", "give the authority's signing keys"},
    {"attest-dup.json", "$.attestationAuthorities[1].authority", "duplicate authority"},
    {"attest-bad-jwk-n.json", "$.attestationAuthorities[0].jwks.keys[0].n",
     "'n' must be base64url of the key's modulus"},
    {"bad-app-expiry.json", "$.tenants[0].applications[0].secrets[0].expires", "invalid time"},
    {"bad-subscription-id.json", "$.tenants[0].subscriptions[1].id", "is not a GUID"},
    {"too-many-tags.json", "$.vaults[0].secrets[0].versions[1].tags", "too many tags (16"},
    {"bad-tag-value.json", "$.vaults[0].secrets[0].versions[1].tags.owner",
     "tag values must be strings"},
    {"long-content-type.json", "$.vaults[0].secrets[0].versions[0].contentType", "longer than 255"},
    {"bad-alias.json", "$.vaults[0].aliases[1]", "invalid alias 'bad host'"},
    {"key-bad-kty.json", "$.vaults[0].keys[1].versions[0].kty", "unknown kty 'oct-HSM'"},
    {"key-bad-crv.json", "$.vaults[0].keys[0].versions[0].crv", "unknown curve 'P-255'"},
    {"key-bad-size.json", "$.vaults[0].keys[0].versions[0].size", "unsupported RSA key size 1024"},
    {"key-bad-ops.json", "$.vaults[0].keys[0].versions[0].keyOps[1]",
     "unknown key operation 'Verify'"},
    {"key-jwk-missing-d.json", "$.vaults[0].keys[0].versions[0].jwk.d",
     "required field is missing"},
    {"key-jwk-inconsistent.json", "$.vaults[0].keys[0].versions[1].jwk",
     "not a consistent EC private key"},
    {"key-bad-pem.json", "$.vaults[0].keys[0].versions[0].pem", "not a PEM private key"},
    {"dup-key.json", "$.vaults[0].deletedKeys[0].name", "duplicate key name 'FIRST' (also keys[0]"},
    {"key-bad-rotation.json",
     "$.vaults[0].keys[0].rotationPolicy.lifetimeActions[1].trigger.timeBeforeExpiry",
     "invalid duration '30 days'"},
};

START_TEST(test_bad_fixture)
{
    const struct bad_case *bc = &bad_cases[_i];
    char path[1024], err[1024] = "";
    snprintf(path, sizeof(path), "%s%s", BAD_DIR, bc->file);
    struct mv_data *d = mv_state_load_file(path, T0, err, sizeof(err));
    ck_assert_msg(d == NULL, "%s loaded although it is invalid", bc->file);
    /* The message starts with the source, then the exact path, then what is wrong. */
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s: no source in '%s'", bc->file, err);
    if (bc->path != NULL) {
        char want[256];
        snprintf(want, sizeof(want), "%s: %s: ", path, bc->path);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: expected path %s in '%s'",
                      bc->file, bc->path, err);
    }
    ck_assert_msg(strstr(err, bc->fragment) != NULL, "%s: expected '%s' in '%s'", bc->file,
                  bc->fragment, err);
    /* Secret values and client secrets never appear in messages. */
    ck_assert_msg(strstr(err, "must-not-leak") == NULL, "%s: leaks a value: %s", bc->file, err);
    ck_assert_msg(strstr(err, "987654321") == NULL, "%s: leaks a value: %s", bc->file, err);
}
END_TEST

/* Every file in fixtures/bad is covered by the table, so a new one cannot go untested. */
START_TEST(test_bad_dir_covered)
{
    DIR *dir = opendir(BAD_DIR);
    ck_assert_ptr_nonnull(dir);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        files++;
        bool found = false;
        for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
            if (strcmp(bad_cases[i].file, e->d_name) == 0)
                found = true;
        }
        ck_assert_msg(found, "fixtures/bad/%s has no test case", e->d_name);
    }
    closedir(dir);
    ck_assert_uint_eq(files, sizeof(bad_cases) / sizeof(bad_cases[0]));
}
END_TEST

START_TEST(test_syntax_errors)
{
    char err[512];
    ck_assert_ptr_null(mv_state_parse("", 0, "empty.json", T0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "empty.json: invalid JSON near byte 0 (line 1, column 1)"));
    ck_assert_ptr_null(parse_str("{\"vaults\": [1, 2,]}", T0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "inline.json: invalid JSON"));
    /* The buffer need not be NUL-terminated: only len bytes count. */
    const char *buf = "{}garbage";
    struct mv_data *d = mv_state_parse(buf, 2, "buf", T0, err, sizeof(err));
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->nvaults, 0);
    ck_assert_ptr_null(d->default_vault);
    mv_data_free(d);
    ck_assert_ptr_null(mv_state_parse(buf, strlen(buf), "buf", T0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "buf: invalid JSON"));
    /* Errors are reported without a buffer too. */
    ck_assert_ptr_null(mv_state_parse("[", 1, "x", T0, NULL, 0));
    ck_assert_ptr_null(mv_state_load_file("/nonexistent/dir/x.json", T0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.json: cannot open"));
}
END_TEST

/* ---- Times and defaults ---- */

START_TEST(test_relative_times)
{
    const char *json =
        "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"abc\",\"secrets\":["
        "{\"name\":\"s\",\"versions\":["
        "{\"value\":\"a\",\"created\":\"now\",\"nbf\":\"-1h\",\"exp\":\"+90d\"},"
        "{\"value\":\"b\",\"created\":\"-10s\",\"updated\":\"+30m\",\"exp\":1234567890},"
        "{\"value\":\"c\",\"created\":\"2030-01-01T00:00:00Z\",\"nbf\":\"-0d\"}]}]}]}";
    struct mv_data *d = parse_ok(json, T0);
    const struct mv_version *a = version_of(d, "abc", "s", 0);
    const struct mv_version *b = version_of(d, "abc", "s", 1);
    const struct mv_version *c = version_of(d, "abc", "s", 2);
    ck_assert_int_eq(a->created, T0);
    ck_assert_int_eq(a->nbf, T0 - 3600);
    ck_assert_int_eq(a->exp, T0 + 90 * DAY);
    ck_assert_int_eq(b->created, T0 - 10);
    ck_assert_int_eq(b->updated, T0 + 1800);
    ck_assert_int_eq(b->exp, 1234567890);
    ck_assert_int_eq(c->created, 1893456000);
    ck_assert_int_eq(c->updated, 1893456000);
    ck_assert_int_eq(c->nbf, T0);
    mv_data_free(d);

    /* The same fixture at another clock moves the relative times only. */
    d = parse_ok(json, T0 + 1000);
    ck_assert_int_eq(version_of(d, "abc", "s", 0)->exp, T0 + 1000 + 90 * DAY);
    ck_assert_int_eq(version_of(d, "abc", "s", 1)->exp, 1234567890);
    mv_data_free(d);

    const char *bad[] = {"\"+2w\"",      "\"90d\"", "\"+d\"", "\"+1dd\"",
                         "\"tomorrow\"", "1.5",     "true",   "\"+99999999999999d\"",
                         "1e300"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char doc[512], err[512] = "";
        snprintf(doc, sizeof(doc),
                 "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"abc\",\"secrets\":["
                 "{\"name\":\"s\",\"versions\":[{\"value\":\"a\",\"exp\":%s}]}]}]}",
                 bad[i]);
        ck_assert_msg(parse_str(doc, T0, err, sizeof(err)) == NULL, "accepted time %s", bad[i]);
        ck_assert_msg(strstr(err, "inline.json: $.vaults[0].secrets[0].versions[0].exp: ") != NULL,
                      "time %s: %s", bad[i], err);
    }
}
END_TEST

START_TEST(test_defaults)
{
    const char *json =
        "{\"tenants\":[{\"id\":\"t1\",\"applications\":[{\"clientId\":\"c1\","
        "\"secrets\":[{\"value\":\"fake\"}]}],\"managedIdentities\":[{\"clientId\":\"m1\"}],"
        "\"users\":[{\"userPrincipalName\":\"u@x\"}]}],"
        "\"vaults\":[{\"name\":\"First\",\"roleAssignments\":[{\"principalId\":\"p\","
        "\"role\":\"Key Vault Reader\"}],\"accessPolicies\":[{\"objectId\":\"o\","
        "\"permissions\":{\"secrets\":[\"GET\",\"List\"]}}],"
        "\"secrets\":[{\"name\":\"s\",\"versions\":[{\"value\":\"\"}]}],"
        "\"deletedSecrets\":[{\"name\":\"d\",\"versions\":[{\"value\":\"x\"}]}]},"
        "{\"name\":\"second\",\"softDelete\":{\"retentionDays\":30}}]}";
    struct mv_data *d = parse_ok(json, T0);
    ck_assert_str_eq(d->default_vault, "First");
    const struct mv_tenant *t = &d->tenants[0];
    ck_assert_str_eq(t->domain, "t1");
    ck_assert_str_eq(t->apps[0].display_name, "c1");
    ck_assert_uint_eq(strlen(t->apps[0].object_id), 36);
    ck_assert(!t->apps[0].secrets[0].has_expires);
    ck_assert_uint_eq(t->apps[0].ngraph_roles, 0);
    ck_assert_str_eq(t->identities[0].name, "m1");
    ck_assert(!t->identities[0].system_assigned);
    ck_assert_ptr_null(t->identities[0].resource_id);
    ck_assert_str_eq(t->users[0].display_name, "u@x");
    ck_assert_uint_eq(strlen(t->users[0].id), 36);

    const struct mv_vault *v = mv_data_vault(d, "first");
    ck_assert_str_eq(v->tenant_id, "t1");
    ck_assert_str_eq(v->location, "westeurope");
    ck_assert_int_eq(v->model, MV_MODEL_ACCESS_POLICY);
    ck_assert_int_eq(v->retention_days, 90);
    ck_assert(!v->purge_protection);
    ck_assert_str_eq(v->roles[0].scope, "/");
    ck_assert_uint_eq(v->policies[0].secrets, MV_PERM_GET | MV_PERM_LIST);
    ck_assert(!v->policies[0].secrets_all);
    ck_assert_ptr_null(v->policies[0].tenant_id);
    const struct mv_version *ver = version_of(d, "first", "s", 0);
    ck_assert(ver->enabled);
    ck_assert_int_eq(ver->created, T0);
    ck_assert_int_eq(ver->updated, T0);
    ck_assert_uint_eq(strlen(ver->id), 32);
    ck_assert_uint_eq(strspn(ver->id, "0123456789abcdef"), 32);
    ck_assert(!ver->tags.present);
    ck_assert_ptr_null(ver->content_type);
    const struct mv_object *del = mv_vault_secret(v, "d");
    ck_assert(del->deleted);
    ck_assert_int_eq(del->deleted_date, T0);
    ck_assert_int_eq(del->scheduled_purge_date, T0 + 90 * DAY);
    ck_assert_int_eq(mv_data_vault(d, "second")->retention_days, 30);
    mv_data_free(d);

    /* No vaults at all is a valid (empty) mock. */
    d = parse_ok("{}", T0);
    ck_assert_uint_eq(d->nvaults, 0);
    ck_assert_ptr_null(d->default_vault);
    mv_data_free(d);
    char err[512];
    ck_assert_ptr_null(parse_str("{\"defaultVault\":\"x\"}", T0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "inline.json: $.defaultVault: "));
    ck_assert_ptr_null(parse_str("{\"vaults\":[{\"name\":\"abc\"}]}", T0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "inline.json: $.vaults[0].tenantId: "));
}
END_TEST

START_TEST(test_given_ids_kept_generated_unique)
{
    /* The last version names an id; the generated ones must differ from it and each other. */
    const char *json = "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"abc\",\"secrets\":["
                       "{\"name\":\"s\",\"versions\":[{\"value\":\"a\"},{\"value\":\"b\"},"
                       "{\"value\":\"c\",\"id\":\"00000000000000000000000000000000\"}]}]}]}";
    struct mv_data *d = parse_ok(json, T0);
    const struct mv_object *s = mv_vault_secret(mv_data_vault(d, "abc"), "s");
    ck_assert_str_eq(s->versions[2].id, "00000000000000000000000000000000");
    ck_assert_str_ne(s->versions[0].id, s->versions[1].id);
    ck_assert_str_ne(s->versions[0].id, s->versions[2].id);
    ck_assert_str_ne(s->versions[1].id, s->versions[2].id);
    mv_data_free(d);
}
END_TEST

START_TEST(test_bad_version_ids)
{
    const char *bad[] = {
        "0123456789abcdef0123456789abcde",   /* 31 */
        "0123456789abcdef0123456789abcdef0", /* 33 */
        "0123456789abcdef0123456789abcdeg",  /* not hex */
        "0123456789abcdef0123456789abcdeF",  /* not lowercase */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char doc[512], err[512] = "";
        snprintf(doc, sizeof(doc),
                 "{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"abc\",\"secrets\":["
                 "{\"name\":\"s\",\"versions\":[{\"value\":\"a\",\"id\":\"%s\"}]}]}]}",
                 bad[i]);
        ck_assert_msg(parse_str(doc, T0, err, sizeof(err)) == NULL, "accepted id '%s'", bad[i]);
        ck_assert_msg(strstr(err, "inline.json: $.vaults[0].secrets[0].versions[0].id: ") != NULL,
                      "id '%s': %s", bad[i], err);
    }
}
END_TEST

/* ---- Export and round trips ---- */

START_TEST(test_round_trip_default)
{
    char err[1024] = "";
    struct mv_data *d = mv_state_load_file(DEFAULT_FIXTURE, T0, err, sizeof(err));
    ck_assert_msg(d != NULL, "%s", err);
    char *first = export_text(d);
    /* Parsed at a different clock: the export holds absolute times only. */
    struct mv_data *d2 =
        mv_state_parse(first, strlen(first), "export", T0 + 12345, err, sizeof(err));
    ck_assert_msg(d2 != NULL, "re-import failed: %s", err);
    char *second = export_text(d2);
    ck_assert_str_eq(first, second);

    /* Through the store too: what a snapshot writes is what the fixture loaded. */
    struct mv_store *st = mv_store_create(d2);
    char *third = export_text(mv_store_rdlock(st));
    mv_store_unlock(st);
    ck_assert_str_eq(first, third);

    /* The shape: fixture key order, all fields explicit, numbers for times. */
    ck_assert_ptr_nonnull(strstr(first, "{\n\t\"defaultVault\":\t\"demo\",\n\t\"tenants\":"));
    ck_assert_ptr_nonnull(strstr(first, "\"deletedSecrets\""));
    ck_assert_ptr_null(strstr(first, "\"-1d\""));
    ck_assert_ptr_null(strstr(first, "+365d"));
    cJSON *j = mv_state_export(d);
    char *compact = cJSON_PrintUnformatted(j);
    char want[512];
    snprintf(want, sizeof(want),
             "{\"value\":\"graph-app-client-secret-v1\",\"enabled\":false,\"created\":%d,"
             "\"updated\":%d,\"id\":\"1111aaaa1111aaaa1111aaaa1111aaaa\"}",
             T0 - 60 * DAY, T0 - 60 * DAY);
    ck_assert_msg(strstr(compact, want) != NULL, "missing %s", want);
    ck_assert_ptr_nonnull(strstr(compact, "\"softDelete\":{\"retentionDays\":7,"
                                          "\"purgeProtection\":true}"));
    ck_assert_ptr_nonnull(strstr(compact,
                                 "\"permissions\":{\"secrets\":[\"all\"],\"keys\":[\"all\"],"
                                 "\"certificates\":[\"all\"]}"));
    ck_assert_ptr_nonnull(strstr(compact, "\"permissions\":{\"secrets\":[\"get\",\"list\"],"
                                          "\"keys\":[\"get\",\"list\"]}"));
    snprintf(want, sizeof(want),
             "{\"name\":\"old-secret\",\"deletedDate\":%d,\"scheduledPurgeDate\":%d,\"versions\"",
             T0 - 2 * DAY, T0 + 88 * DAY);
    ck_assert_msg(strstr(compact, want) != NULL, "missing %s", want);
    cJSON_free(compact);
    cJSON_Delete(j);

    free(first);
    free(second);
    free(third);
    mv_store_destroy(st);
    mv_data_free(d);
}
END_TEST

START_TEST(test_round_trip_everything)
{
    const char *json =
        "{\"defaultVault\":\"second\",\"tenants\":[{\"id\":\"t1\",\"domain\":\"x.test\","
        "\"applications\":[{\"displayName\":\"a\",\"clientId\":\"c1\",\"objectId\":\"o1\","
        "\"secrets\":[{\"value\":\"fake-1\"},{\"value\":\"fake-2\",\"expires\":2000000000}],"
        "\"graphRoles\":[\"User.Read.All\",\"Group.Read.All\"]}],"
        "\"managedIdentities\":[{\"name\":\"mi\",\"clientId\":\"m1\",\"objectId\":\"mo\","
        "\"systemAssigned\":false,\"resourceId\":\"/subscriptions/x/mi\"}],\"users\":[]},"
        "{\"id\":\"t2\"}],"
        "\"vaults\":[{\"name\":\"first\",\"tenantId\":\"t2\",\"aliases\":[\"a.test\",\"b.test\"],"
        "\"accessPolicies\":[{\"tenantId\":\"t1\",\"objectId\":\"o1\",\"applicationId\":\"c1\","
        "\"permissions\":{\"secrets\":[\"purge\",\"get\",\"all\"]}},{\"objectId\":\"o2\"}],"
        "\"secrets\":[{\"name\":\"Zed\",\"versions\":[{\"value\":\"v\",\"tags\":{},"
        "\"contentType\":\"\",\"nbf\":\"-1d\",\"exp\":\"+1d\"}]},"
        "{\"name\":\"alpha\",\"versions\":[{\"value\":\"w\",\"tags\":{\"k\":\"\",\"k2\":\"v2\"}}]}]"
        ","
        "\"deletedSecrets\":[{\"name\":\"Middle\",\"deletedDate\":\"-3d\","
        "\"scheduledPurgeDate\":\"+4d\",\"versions\":[{\"value\":\"x\",\"enabled\":false}]},"
        "{\"name\":\"beta\",\"versions\":[{\"value\":\"y\"}]}]},"
        "{\"name\":\"second\",\"permissionModel\":\"rbac\",\"softDelete\":{\"retentionDays\":7,"
        "\"purgeProtection\":true},\"roleAssignments\":[{\"principalId\":\"p\","
        "\"role\":\"Key Vault Secrets Officer\",\"scope\":\"/secrets/Zed\"}]}]}";
    struct mv_data *d = parse_ok(json, T0);
    char *first = export_text(d);
    struct mv_data *d2 = parse_ok(first, T0 + 999);
    char *second = export_text(d2);
    ck_assert_str_eq(first, second);

    cJSON *j = mv_state_export(d);
    char *compact = cJSON_PrintUnformatted(j);
    ck_assert_ptr_nonnull(strstr(compact, "\"tags\":{}"));
    ck_assert_ptr_nonnull(strstr(compact, "\"contentType\":\"\""));
    ck_assert_ptr_nonnull(strstr(compact, "\"resourceId\":\"/subscriptions/x/mi\""));
    ck_assert_ptr_nonnull(strstr(compact, "{\"value\":\"fake-1\"}"));
    ck_assert_ptr_nonnull(strstr(compact, "\"secrets\":[\"all\"]"));
    ck_assert_ptr_nonnull(strstr(compact, "\"permissions\":{\"secrets\":[]}"));
    ck_assert_ptr_nonnull(strstr(compact, "\"tenantId\":\"t1\",\"objectId\":\"o1\","
                                          "\"applicationId\":\"c1\""));
    ck_assert_ptr_nonnull(strstr(compact, "\"domain\":\"t2\""));
    /* Live and deleted secrets go to their own lists, each sorted case-insensitively. */
    const char *live = strstr(compact, "\"secrets\":[{\"name\":\"alpha\"");
    ck_assert_ptr_nonnull(live);
    ck_assert_ptr_nonnull(strstr(live, "{\"name\":\"Zed\""));
    ck_assert_ptr_nonnull(strstr(compact, "\"deletedSecrets\":[{\"name\":\"beta\""));
    char want[256];
    snprintf(want, sizeof(want),
             "{\"name\":\"Middle\",\"deletedDate\":%d,\"scheduledPurgeDate\":%d", T0 - 3 * DAY,
             T0 + 4 * DAY);
    ck_assert_msg(strstr(compact, want) != NULL, "missing %s", want);
    cJSON_free(compact);
    cJSON_Delete(j);

    free(first);
    free(second);
    mv_data_free(d2);
    mv_data_free(d);
}
END_TEST

/* ---- Backup entries ---- */

START_TEST(test_secret_json)
{
    struct mv_data *d =
        parse_ok("{\"tenants\":[{\"id\":\"t1\"}],\"vaults\":[{\"name\":\"abc\",\"secrets\":["
                 "{\"name\":\"Live\",\"versions\":[{\"value\":\"v1\",\"tags\":{\"a\":\"b\"}},"
                 "{\"value\":\"v2\",\"contentType\":\"text/plain\",\"exp\":\"+1d\"}]}],"
                 "\"deletedSecrets\":[{\"name\":\"gone\",\"versions\":[{\"value\":\"v3\"}]}]}]}",
                 T0);
    const struct mv_vault *v = mv_data_vault(d, "abc");
    char err[512] = "";
    for (size_t i = 0; i < v->nsecrets; i++) {
        const struct mv_object *s = &v->secrets[i];
        cJSON *j = mv_state_secret_to_json(s);
        ck_assert_ptr_nonnull(j);
        struct mv_object *back = mv_state_secret_from_json(j, err, sizeof(err));
        ck_assert_msg(back != NULL, "%s", err);
        ck_assert_str_eq(back->name, s->name);
        ck_assert_int_eq(back->deleted, s->deleted);
        ck_assert_int_eq(back->deleted_date, s->deleted_date);
        ck_assert_int_eq(back->scheduled_purge_date, s->scheduled_purge_date);
        ck_assert_uint_eq(back->nversions, s->nversions);
        cJSON *j2 = mv_state_secret_to_json(back);
        char *a = cJSON_PrintUnformatted(j), *b = cJSON_PrintUnformatted(j2);
        ck_assert_str_eq(a, b);
        cJSON_free(a);
        cJSON_free(b);
        cJSON_Delete(j);
        cJSON_Delete(j2);
        mv_object_finish(back);
        free(back);
    }
    mv_data_free(d);

    /* A blob has no clock: relative times and missing creation times are errors. */
    const struct {
        const char *json;
        const char *path;
    } bad[] = {
        {"{\"name\":\"s\",\"versions\":[{\"value\":\"v\",\"created\":\"-1d\"}]}",
         "$.versions[0].created"},
        {"{\"name\":\"s\",\"versions\":[{\"value\":\"v\"}]}", "$.versions[0].created"},
        {"{\"name\":\"s\",\"versions\":[{\"valu\":\"v\",\"created\":1}]}", "$.versions[0].valu"},
        {"{\"name\":\"s_1\",\"versions\":[{\"value\":\"v\",\"created\":1}]}", "$.name"},
        {"{\"name\":\"s\",\"versions\":[]}", "$.versions"},
        {"{\"name\":\"s\",\"deletedDate\":5,\"versions\":[{\"value\":\"v\",\"created\":1}]}",
         "$.scheduledPurgeDate"},
        {"[]", "$"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *j = cJSON_Parse(bad[i].json);
        ck_assert_ptr_nonnull(j);
        ck_assert_ptr_null(mv_state_secret_from_json(j, err, sizeof(err)));
        char want[128];
        snprintf(want, sizeof(want), "backup blob: %s: ", bad[i].path);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: got '%s'", bad[i].json, err);
        cJSON_Delete(j);
    }
    cJSON *ok = cJSON_Parse("{\"name\":\"s\",\"versions\":[{\"value\":\"v\",\"created\":"
                            "\"2030-01-01T00:00:00Z\"}]}");
    struct mv_object *s = mv_state_secret_from_json(ok, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert(!s->deleted);
    ck_assert_int_eq(s->versions[0].created, 1893456000);
    ck_assert_uint_eq(strlen(s->versions[0].id), 32);
    mv_object_finish(s);
    free(s);
    cJSON_Delete(ok);
}
END_TEST

/* ---- Atomic writes ---- */

static size_t count_entries(const char *dirpath)
{
    DIR *dir = opendir(dirpath);
    ck_assert_ptr_nonnull(dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(dir);
    return n;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(test_write_atomic)
{
    char dir[] = "/tmp/mv-state-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof(path), "%s/state.json", dir);

    ck_assert_int_eq(cx_write_file_atomic(path, "{\"a\":1}", 7, 0640), 0);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0640);
    char *text = read_text(path);
    ck_assert_str_eq(text, "{\"a\":1}");
    free(text);
    ck_assert_uint_eq(count_entries(dir), 1); /* no temporary file left behind */

    /* Replacing keeps one file and applies the new mode. */
    ck_assert_int_eq(cx_write_file_atomic(path, "second", 6, 0600), 0);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0600);
    text = read_text(path);
    ck_assert_str_eq(text, "second");
    free(text);
    ck_assert_uint_eq(count_entries(dir), 1);

    /* Empty data is a valid (empty) file. */
    ck_assert_int_eq(cx_write_file_atomic(path, "", 0, 0600), 0);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_size, 0);

    /* Failure: the target is a directory, so the rename fails; the temp file must go. */
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    char inner[600];
    snprintf(inner, sizeof(inner), "%s/keep", sub);
    ck_assert_int_eq(cx_write_file_atomic(inner, "x", 1, 0600), 0);
    errno = 0;
    ck_assert_int_eq(cx_write_file_atomic(sub, "data", 4, 0600), -1);
    ck_assert_int_ne(errno, 0);
    ck_assert_uint_eq(count_entries(dir), 2); /* state.json and sub, nothing else */

    /* Failure: the directory does not exist. */
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/nope/state.json", dir);
    errno = 0;
    ck_assert_int_eq(cx_write_file_atomic(missing, "x", 1, 0600), -1);
    ck_assert_int_eq(errno, ENOENT);

    /* A file name without a directory goes to the current directory. */
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(sub), 0);
    ck_assert_int_eq(cx_write_file_atomic("rel.json", "r", 1, 0644), 0);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_uint_eq(count_entries(sub), 2);

    /* What was written can be loaded back. */
    struct mv_data *d =
        parse_ok("{\"tenants\":[{\"id\":\"t\"}],\"vaults\":[{\"name\":\"abc\"}]}", T0);
    char *snap = export_text(d);
    ck_assert_int_eq(cx_write_file_atomic(path, snap, strlen(snap), 0600), 0);
    char err[512] = "";
    struct mv_data *d2 = mv_state_load_file(path, T0, err, sizeof(err));
    ck_assert_msg(d2 != NULL, "%s", err);
    char *snap2 = export_text(d2);
    ck_assert_str_eq(snap, snap2);
    free(snap);
    free(snap2);
    mv_data_free(d);
    mv_data_free(d2);

    snprintf(inner, sizeof(inner), "%s/rel.json", sub);
    unlink(inner);
    snprintf(inner, sizeof(inner), "%s/keep", sub);
    unlink(inner);
    rmdir(sub);
    unlink(path);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *state_suite(void)
{
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_default_fixture);
    tcase_add_loop_test(tc, test_bad_fixture, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
    tcase_add_test(tc, test_bad_dir_covered);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_relative_times);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_given_ids_kept_generated_unique);
    tcase_add_test(tc, test_bad_version_ids);
    suite_add_tcase(s, tc);
    tc = tcase_create("export");
    tcase_add_test(tc, test_round_trip_default);
    tcase_add_test(tc, test_round_trip_everything);
    tcase_add_test(tc, test_secret_json);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_add_test(tc, test_write_atomic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(state_suite(), false);
}
