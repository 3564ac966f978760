/* certificate-meta.c: what the `certificate` verbs share beyond one certificate: the policy in
 * az's camelCase shape and the service's snake_case one (both accepted by --policy, az's shape
 * printed), get-default-policy, and the contact and issuer verbs. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-mem.h"
#include "cli.h"

/* az's member names of a policy (left) and the service's (right), spec §2 Policy. Names that are
 * the same in both (subject, ekus, emails, uris, name, enabled, ...) are not listed. */
static const char *const policy_names[][2] = {
    {"keyProperties", "key_props"},
    {"keyType", "kty"},
    {"keySize", "key_size"},
    {"reuseKey", "reuse_key"},
    {"curve", "crv"},
    {"secretProperties", "secret_props"},
    {"x509CertificateProperties", "x509_props"},
    {"subjectAlternativeNames", "sans"},
    {"dnsNames", "dns_names"},
    {"keyUsage", "key_usage"},
    {"validityInMonths", "validity_months"},
    {"basicConstraints", "basic_constraints"},
    {"lifetimeActions", "lifetime_actions"},
    {"lifetimePercentage", "lifetime_percentage"},
    {"daysBeforeExpiry", "days_before_expiry"},
    {"actionType", "action_type"},
    {"issuerParameters", "issuer"},
    {"certificateType", "cty"},
    {"certificateTransparency", "cert_transparency"},
};

/* Renames the members of every object in the tree from one side of the table to the other
 * (to_wire: az's to the service's). Drops null members on the way to the wire: az prints absent
 * members as null, and the service would read a null as a value. False on allocation failure. */
static bool rename_tree(cJSON *it, int to_wire)
{
    cJSON *ch = it ? it->child : NULL, *next;

    for (; ch; ch = next) {
        next = ch->next;
        if (to_wire && cJSON_IsObject(it) && cJSON_IsNull(ch)) {
            cJSON_Delete(cJSON_DetachItemViaPointer(it, ch));
            continue;
        }
        for (size_t i = 0;
             cJSON_IsObject(it) && ch->string && i < sizeof policy_names / sizeof policy_names[0];
             i++) {
            if (strcmp(ch->string, policy_names[i][!to_wire]) != 0)
                continue;
            char *name = cli_strdup(policy_names[i][to_wire ? 1 : 0]);
            if (!name)
                return false;
            if (!(ch->type & cJSON_StringIsConst))
                free(ch->string);
            ch->string = name;
            ch->type &= ~cJSON_StringIsConst;
            break;
        }
        if (!rename_tree(ch, to_wire))
            return false;
    }
    return true;
}

int cli_policy_to_wire(struct cli *c, const char *text, char **out)
{
    cJSON *root = cJSON_Parse(text);
    int st = KV_OK;

    *out = NULL;
    if (!cJSON_IsObject(root)) {
        st = cli_usage_error(c, "--policy is not a JSON object");
        goto out;
    }
    if (!rename_tree(root, 1) || !(*out = cJSON_PrintUnformatted(root)))
        st = KV_E_NOMEM;
out:
    cJSON_Delete(root);
    return st;
}

int cli_policy_option(struct cli *c, char **out)
{
    const char *v = c->val[O_POLICY];
    char *text = NULL;
    size_t len = 0;
    int st;

    *out = NULL;
    if (v[0] != '@')
        return cli_policy_to_wire(c, v, out);
    if ((st = cli_read_file(v + 1, &text, &len)) != KV_OK)
        return st;
    st = cli_policy_to_wire(c, text, out);
    cx_wipe_free(text, len);
    return st;
}

/* A number member of a that is a time, replaced by az's ISO 8601 text. */
static void retime(struct cli_doc *d, cJSON *a, const char *key)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(a, key);

    if (!cJSON_IsNumber(t))
        return;
    int64_t v = (int64_t)t->valuedouble;
    cJSON_DeleteItemFromObjectCaseSensitive(a, key);
    cli_doc_time(d, a, key, v);
}

void cli_doc_policy(struct cli_doc *d, cJSON *parent, const char *key, const char *wire_json)
{
    cJSON *p = wire_json ? cJSON_Parse(wire_json) : NULL, *a;

    if (!p || !rename_tree(p, 0)) {
        cJSON_Delete(p);
        d->nomem = 1;
        return;
    }
    a = cJSON_GetObjectItemCaseSensitive(p, "attributes");
    retime(d, a, "created");
    retime(d, a, "updated");
    if (!parent && !d->root)
        d->root = p;
    else if (!cJSON_AddItemToObject(parent, key, p)) {
        cJSON_Delete(p);
        d->nomem = 1;
    }
}

int cli_cert_default_policy(struct cli *c, struct cli_doc *out)
{
    /* What `az keyvault certificate get-default-policy` prints (azure-cli's _default_policy). */
    static const char az_default[] =
        "{\"issuerParameters\":{\"certificateTransparency\":null,\"certificateType\":null,"
        "\"name\":\"Self\"},\"keyProperties\":{\"curve\":null,\"exportable\":true,\"keySize\":"
        "2048,\"keyType\":\"RSA\",\"reuseKey\":true},\"lifetimeActions\":[{\"action\":{"
        "\"actionType\":\"AutoRenew\"},\"trigger\":{\"daysBeforeExpiry\":90}}],"
        "\"secretProperties\":{\"contentType\":\"application/x-pkcs12\"},"
        "\"x509CertificateProperties\":{\"keyUsage\":[\"cRLSign\",\"dataEncipherment\","
        "\"digitalSignature\",\"keyEncipherment\",\"keyAgreement\",\"keyCertSign\"],"
        "\"subject\":\"CN=CLIGetDefaultPolicy\",\"validityInMonths\":12}}";

    (void)c;
    if (!(out->root = cJSON_Parse(az_default)))
        return KV_E_NOMEM;
    return KV_OK;
}

/* ----- Contacts ------------------------------------------------------------------------------ */

/* The contact list as az prints it: [{"email","name","phone"}]. */
static void contacts_to_json(struct cli_doc *d, const struct kv_certificate_contacts *cs)
{
    cJSON *arr = cli_doc_array(d, NULL, NULL), *o;

    for (size_t i = 0; cs && i < cs->n_contacts; i++) {
        o = cli_doc_object(d, arr, NULL);
        cli_doc_string(d, o, "email", cs->contacts[i].email);
        cli_doc_string(d, o, "name", cs->contacts[i].name);
        cli_doc_string(d, o, "phone", cs->contacts[i].phone);
    }
}

/* The stored contacts (none when the vault has none: 404 ContactsNotFound) in *cs, and in *list
 * room for them and one more (caller frees both, also after a failure). */
static int current_contacts(struct cli *c, struct kv_certificate_contacts **cs,
                            struct kv_certificate_contact **list)
{
    int st = kv_certificate_contacts_get(c->client, cs, &c->err);

    if (st == KV_E_NOT_FOUND && !strcmp(c->err.code, "ContactsNotFound"))
        st = KV_OK;
    else if (st != KV_OK)
        return cli_fail(c, st);
    *list = calloc((*cs ? (*cs)->n_contacts : 0) + 1, sizeof **list);
    return *list ? st : KV_E_NOMEM;
}

/* PUT of the n contacts of list, or DELETE when none is left; prints the result. */
static int store_contacts(struct cli *c, struct cli_doc *out,
                          const struct kv_certificate_contact *list, size_t n)
{
    struct kv_certificate_contacts *res = NULL;
    int st = n ? kv_certificate_contacts_set(c->client, list, n, &res, &c->err)
               : kv_certificate_contacts_delete(c->client, NULL, &c->err);

    if (st != KV_OK)
        cli_fail(c, st);
    else
        contacts_to_json(out, n ? res : NULL);
    kv_certificate_contacts_free(res);
    return st;
}

/* az's `contact add`: the stored list plus this one (replacing one with the same email). */
int cli_cert_contact_add(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_contacts *cur = NULL;
    struct kv_certificate_contact *list = NULL;
    size_t n = 0;
    int st = current_contacts(c, &cur, &list);

    if (st != KV_OK)
        goto out;
    for (size_t i = 0; cur && i < cur->n_contacts; i++)
        if (!cur->contacts[i].email || strcasecmp(cur->contacts[i].email, c->val[O_EMAIL]))
            list[n++] = cur->contacts[i];
    list[n].email = (char *)c->val[O_EMAIL];
    list[n].name = (char *)c->val[O_NAME];
    list[n].phone = (char *)c->val[O_PHONE];
    st = store_contacts(c, out, list, n + 1);
out:
    free(list);
    kv_certificate_contacts_free(cur);
    return st;
}

int cli_cert_contact_delete(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_contacts *cur = NULL;
    struct kv_certificate_contact *list = NULL;
    size_t n = 0, found = 0;
    int st = current_contacts(c, &cur, &list);

    if (st != KV_OK)
        goto out;
    for (size_t i = 0; cur && i < cur->n_contacts; i++) {
        if (cur->contacts[i].email && !strcasecmp(cur->contacts[i].email, c->val[O_EMAIL]))
            found++;
        else
            list[n++] = cur->contacts[i];
    }
    if (!found) {
        cli_warnx("certificate contact delete: no contact has the email %s", c->val[O_EMAIL]);
        st = KV_E_NOT_FOUND;
        goto out;
    }
    st = store_contacts(c, out, list, n);
out:
    free(list);
    kv_certificate_contacts_free(cur);
    return st;
}

int cli_cert_contact_list(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_contacts *cs = NULL;
    int st = kv_certificate_contacts_get(c->client, &cs, &c->err);

    if (st != KV_OK)
        cli_fail(c, st);
    else
        contacts_to_json(out, cs);
    kv_certificate_contacts_free(cs);
    return st;
}

/* ----- Issuers ------------------------------------------------------------------------------ */

/* An issuer as az prints it (the password never: the service does not return it). */
static void issuer_to_json(struct cli_doc *d, cJSON *parent, const struct kv_certificate_issuer *is,
                           int item)
{
    cJSON *o = cli_doc_object(d, parent, NULL), *arr, *a;

    cli_doc_string(d, o, "id", is->id);
    cli_doc_string(d, o, "name", is->name);
    cli_doc_string(d, o, "provider", is->provider);
    if (item)
        return;
    cli_doc_string(d, o, "accountId", is->account_id);
    arr = cli_doc_array(d, o, "adminContacts");
    for (size_t i = 0; i < is->n_admins; i++) {
        a = cli_doc_object(d, arr, NULL);
        cli_doc_string(d, a, "email", is->admins[i].email);
        cli_doc_string(d, a, "firstName", is->admins[i].first_name);
        cli_doc_string(d, a, "lastName", is->admins[i].last_name);
        cli_doc_string(d, a, "phone", is->admins[i].phone);
    }
    cli_doc_time(d, o, "createdOn", is->created);
    cli_doc_bool(d, o, "enabled", is->enabled);
    cli_doc_string(d, o, "organizationId", is->org_id);
    cli_doc_time(d, o, "updatedOn", is->updated);
}

static int finish_issuer(struct cli *c, struct cli_doc *out, int st,
                         struct kv_certificate_issuer *is)
{
    if (st != KV_OK)
        cli_fail(c, st);
    else
        issuer_to_json(out, NULL, is, 0);
    kv_certificate_issuer_free(is);
    return st;
}

/* issuer create (verb->arg 0: PUT) and issuer update (1: PATCH). */
int cli_cert_issuer_write(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_issuer_props p;
    struct kv_certificate_issuer *is = NULL;
    int st;

    kv_certificate_issuer_props_init(&p);
    p.provider = c->val[O_PROVIDER];
    p.account_id = c->val[O_ACCOUNT_ID];
    p.password = c->password;
    p.org_id = c->val[O_ORG_ID];
    if (c->enabled >= 0)
        p.enabled = c->enabled;
    st = c->verb->arg ? kv_certificate_issuer_update(c->client, c->name, &p, &is, &c->err)
                      : kv_certificate_issuer_set(c->client, c->name, &p, &is, &c->err);
    return finish_issuer(c, out, st, is);
}

int cli_cert_issuer_show(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_issuer *is = NULL;
    int st = kv_certificate_issuer_get(c->client, c->name, &is, &c->err);

    return finish_issuer(c, out, st, is);
}

int cli_cert_issuer_delete(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_issuer *is = NULL;
    int st = kv_certificate_issuer_delete(c->client, c->name, &is, &c->err);

    return finish_issuer(c, out, st, is);
}

int cli_cert_issuer_list(struct cli *c, struct cli_doc *out)
{
    struct kv_pager *p = NULL;
    struct kv_certificate_issuer *is = NULL;
    long max = c->maxresults;
    int st, count = 0;
    cJSON *arr;

    st = cli_pager_made(c, kv_certificate_issuer_pager_create(c->client, cli_page_size(c), &p));
    if (st != KV_OK)
        goto out;
    arr = cli_doc_array(out, NULL, NULL);
    while (!max || count < max) {
        if ((st = kv_certificate_issuer_pager_next(p, &is, &c->err)) != KV_OK) {
            cli_fail(c, st);
            goto out;
        }
        if (!is)
            break;
        issuer_to_json(out, arr, is, 1);
        count++;
        kv_certificate_issuer_free(is);
        is = NULL;
    }
out:
    kv_certificate_issuer_free(is);
    kv_pager_destroy(p);
    return st;
}
