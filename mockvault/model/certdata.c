/* certdata.c: the memory of the certificates family's data (spec/keyvault-certificates.md §1,
 * §2): the name tables, string lists, policies (defaults, copies), operations and issuers, and the
 * policy's wire JSON writer in recorded key order. The reader is certpolicy.c. */
#include "certs-int.h"
#include "store-certs.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const mv_cert_ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly",     NULL,
};

const char *const mv_cert_op_status_names[] = {
    "inProgress", "completed", "cancelled", "failed", NULL,
};

/* ---- String lists ---- */

void cert_strlist_finish(struct mv_strlist *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static int strlist_copy(struct mv_strlist *dst, const struct mv_strlist *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->present = src->present;
    if (src->n == 0)
        return 0;
    dst->items = calloc(src->n, sizeof(*dst->items));
    if (dst->items == NULL)
        return -1;
    dst->n = src->n;
    for (size_t i = 0; i < src->n; i++) {
        dst->items[i] = strdup(src->items[i]);
        if (dst->items[i] == NULL) {
            cert_strlist_finish(dst);
            return -1;
        }
    }
    return 0;
}

void cert_sans_finish(struct mv_cert_sans *s)
{
    cert_strlist_finish(&s->emails);
    cert_strlist_finish(&s->dns_names);
    cert_strlist_finish(&s->upns);
    cert_strlist_finish(&s->uris);
    cert_strlist_finish(&s->ip_addresses);
    s->present = false;
}

/* The SAN lists by their wire names, in wire order. */
const char *const cert_san_keys[] = {"emails", "dns_names", "upns", "uris", "ipAddresses", NULL};

struct mv_strlist *cert_san_list(struct mv_cert_sans *s, size_t i)
{
    struct mv_strlist *lists[] = {&s->emails, &s->dns_names, &s->upns, &s->uris, &s->ip_addresses};
    return lists[i];
}

static int sans_copy(struct mv_cert_sans *dst, const struct mv_cert_sans *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->present = src->present;
    for (size_t i = 0; cert_san_keys[i] != NULL; i++) {
        if (strlist_copy(cert_san_list(dst, i), cert_san_list((struct mv_cert_sans *)src, i)) !=
            0) {
            cert_sans_finish(dst);
            return -1;
        }
    }
    return 0;
}

/* ---- Policy memory ---- */

void mv_cert_policy_finish(struct mv_cert_policy *p)
{
    if (p == NULL)
        return;
    free(p->content_type);
    free(p->subject);
    cert_sans_finish(&p->sans);
    cert_strlist_finish(&p->ekus);
    free(p->issuer_name);
    free(p->issuer_cty);
    memset(p, 0, sizeof(*p));
}

static int dup_opt(char **dst, const char *src)
{
    *dst = src != NULL ? strdup(src) : NULL;
    return src != NULL && *dst == NULL ? -1 : 0;
}

int mv_cert_policy_copy(struct mv_cert_policy *dst, const struct mv_cert_policy *src)
{
    *dst = *src;
    dst->content_type = dst->subject = dst->issuer_name = dst->issuer_cty = NULL;
    memset(&dst->sans, 0, sizeof(dst->sans));
    memset(&dst->ekus, 0, sizeof(dst->ekus));
    if (dup_opt(&dst->content_type, src->content_type) != 0 ||
        dup_opt(&dst->subject, src->subject) != 0 ||
        dup_opt(&dst->issuer_name, src->issuer_name) != 0 ||
        dup_opt(&dst->issuer_cty, src->issuer_cty) != 0 || sans_copy(&dst->sans, &src->sans) != 0 ||
        strlist_copy(&dst->ekus, &src->ekus) != 0) {
        mv_cert_policy_finish(dst);
        return -1;
    }
    return 0;
}

/* The service's policy for a request that says nothing (spec §2 "Defaults filled by the
 * service"); the lifetime action is added once the issuer is known. */
int cert_policy_defaults(struct mv_cert_policy *p)
{
    static const struct mv_strlist none = {0};
    memset(p, 0, sizeof(*p));
    p->exportable = true;
    p->kty = MV_KTY_RSA;
    p->key_size = 2048;
    p->crv = MV_CRV_NONE;
    p->key_usage = MV_KU_DIGITAL_SIGNATURE | MV_KU_KEY_ENCIPHERMENT;
    p->validity_months = 12;
    p->enabled = true;
    p->content_type = strdup(PKCS12_TYPE);
    p->issuer_name = strdup("Unknown");
    if (strlist_copy(&p->ekus, &none) != 0 || p->content_type == NULL || p->issuer_name == NULL)
        goto fail;
    p->ekus.items = calloc(2, sizeof(*p->ekus.items));
    if (p->ekus.items == NULL)
        goto fail;
    p->ekus.present = true;
    p->ekus.n = 2;
    p->ekus.items[0] = strdup(OID_SERVER_AUTH);
    p->ekus.items[1] = strdup(OID_CLIENT_AUTH);
    if (p->ekus.items[0] == NULL || p->ekus.items[1] == NULL)
        goto fail;
    return 0;
fail:
    mv_cert_policy_finish(p);
    return -1;
}

/* ---- Writing ---- */

static int add_strlist(cJSON *obj, const char *key, const struct mv_strlist *l)
{
    if (!l->present)
        return 0;
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    if (arr == NULL)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        cJSON *s = cJSON_CreateString(l->items[i]);
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return -1;
        }
    }
    return 0;
}

static int add_key_props(cJSON *j, const struct mv_cert_policy *p)
{
    static const char *const kty_names[2][2] = {{"RSA", "RSA-HSM"}, {"EC", "EC-HSM"}};
    cJSON *kp = cJSON_AddObjectToObject(j, "key_props");
    if (kp == NULL || cJSON_AddBoolToObject(kp, "exportable", p->exportable) == NULL ||
        cJSON_AddStringToObject(kp, "kty", kty_names[p->kty == MV_KTY_EC][p->hsm]) == NULL ||
        cJSON_AddNumberToObject(kp, "key_size", p->key_size) == NULL ||
        cJSON_AddBoolToObject(kp, "reuse_key", p->reuse_key) == NULL)
        return -1;
    if (p->kty == MV_KTY_EC && cJSON_AddStringToObject(kp, "crv", mv_crv_name(p->crv)) == NULL)
        return -1;
    return 0;
}

static int add_x509_props(cJSON *j, const struct mv_cert_policy *p)
{
    cJSON *xp = cJSON_AddObjectToObject(j, "x509_props"), *ku, *bc;
    if (xp == NULL || (p->subject != NULL && !cJSON_AddStringToObject(xp, "subject", p->subject)))
        return -1;
    if (p->sans.present) {
        cJSON *sj = cJSON_AddObjectToObject(xp, "sans");
        if (sj == NULL)
            return -1;
        for (size_t i = 0; cert_san_keys[i] != NULL; i++) {
            if (add_strlist(sj, cert_san_keys[i],
                            cert_san_list((struct mv_cert_sans *)&p->sans, i)) != 0)
                return -1;
        }
    }
    if (add_strlist(xp, "ekus", &p->ekus) != 0 ||
        (ku = cJSON_AddArrayToObject(xp, "key_usage")) == NULL)
        return -1;
    for (size_t i = 0; mv_cert_ku_names[i] != NULL; i++) {
        cJSON *s;
        if ((p->key_usage & (1u << i)) == 0)
            continue;
        s = cJSON_CreateString(mv_cert_ku_names[i]);
        if (s == NULL || !cJSON_AddItemToArray(ku, s)) {
            cJSON_Delete(s);
            return -1;
        }
    }
    if (cJSON_AddNumberToObject(xp, "validity_months", p->validity_months) == NULL ||
        (bc = cJSON_AddObjectToObject(xp, "basic_constraints")) == NULL ||
        cJSON_AddBoolToObject(bc, "ca", p->ca) == NULL)
        return -1;
    return 0;
}

static int add_actions(cJSON *j, const struct mv_cert_policy *p)
{
    cJSON *arr = cJSON_AddArrayToObject(j, "lifetime_actions");
    if (arr == NULL)
        return -1;
    for (size_t i = 0; i < p->nactions; i++) {
        const struct mv_cert_lifetime_action *a = &p->actions[i];
        cJSON *it = cJSON_CreateObject(), *trig, *act;
        if (it == NULL || !cJSON_AddItemToArray(arr, it)) {
            cJSON_Delete(it);
            return -1;
        }
        trig = cJSON_AddObjectToObject(it, "trigger");
        act = cJSON_AddObjectToObject(it, "action");
        if (trig == NULL || act == NULL ||
            !cJSON_AddNumberToObject(
                trig, a->by_percentage ? "lifetime_percentage" : "days_before_expiry", a->value) ||
            !cJSON_AddStringToObject(act, "action_type",
                                     a->type == MV_CERT_AUTO_RENEW ? "AutoRenew" : "EmailContacts"))
            return -1;
    }
    return 0;
}

cJSON *mv_cert_policy_json(const struct mv_cert_policy *p)
{
    cJSON *j = cJSON_CreateObject(), *sp, *iss, *attrs;

    if (j == NULL || add_key_props(j, p) != 0)
        goto fail;
    sp = cJSON_AddObjectToObject(j, "secret_props");
    if (sp == NULL ||
        !cJSON_AddStringToObject(sp, "contentType",
                                 p->content_type != NULL ? p->content_type : PKCS12_TYPE) ||
        add_x509_props(j, p) != 0 || add_actions(j, p) != 0)
        goto fail;
    iss = cJSON_AddObjectToObject(j, "issuer");
    if (iss == NULL ||
        !cJSON_AddStringToObject(iss, "name",
                                 p->issuer_name != NULL ? p->issuer_name : "Unknown") ||
        (p->issuer_cty != NULL && !cJSON_AddStringToObject(iss, "cty", p->issuer_cty)) ||
        (p->has_cert_transparency &&
         !cJSON_AddBoolToObject(iss, "cert_transparency", p->cert_transparency)))
        goto fail;
    attrs = cJSON_AddObjectToObject(j, "attributes");
    if (attrs == NULL || !cJSON_AddBoolToObject(attrs, "enabled", p->enabled) ||
        !cJSON_AddNumberToObject(attrs, "created", (double)p->created) ||
        !cJSON_AddNumberToObject(attrs, "updated", (double)p->updated))
        goto fail;
    return j;
fail:
    cJSON_Delete(j);
    return NULL;
}

/* ---- Operation and issuer memory ---- */

void mv_cert_op_finish(struct mv_cert_op *op)
{
    if (op == NULL)
        return;
    free(op->issuer_name);
    free(op->csr);
    free(op->error_code);
    free(op->error_message);
    mv_keymat_unref(op->mat);
    memset(op, 0, sizeof(*op));
}

void mv_cert_op_free(struct mv_cert_op *op)
{
    mv_cert_op_finish(op);
    free(op);
}

int mv_cert_op_copy(struct mv_cert_op *dst, const struct mv_cert_op *src)
{
    *dst = *src;
    dst->issuer_name = dst->error_code = dst->error_message = NULL;
    dst->csr = NULL;
    dst->mat = NULL;
    if (dup_opt(&dst->issuer_name, src->issuer_name) != 0 ||
        dup_opt(&dst->error_code, src->error_code) != 0 ||
        dup_opt(&dst->error_message, src->error_message) != 0)
        goto fail;
    if (src->csr != NULL && src->csr_len > 0) {
        dst->csr = malloc(src->csr_len);
        if (dst->csr == NULL)
            goto fail;
        memcpy(dst->csr, src->csr, src->csr_len);
    }
    dst->mat = src->mat != NULL ? mv_keymat_ref(src->mat) : NULL;
    return 0;
fail:
    mv_cert_op_finish(dst);
    return -1;
}

struct mv_cert_op *mv_cert_op_clone(const struct mv_cert_op *op)
{
    struct mv_cert_op *c;
    if (op == NULL)
        return NULL;
    c = malloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    if (mv_cert_op_copy(c, op) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void mv_cert_issuer_finish(struct mv_cert_issuer *i)
{
    if (i == NULL)
        return;
    free(i->name);
    free(i->provider);
    free(i->account_id);
    if (i->pwd != NULL) {
        cx_wipe(i->pwd, strlen(i->pwd)); /* a credential: not left in freed memory */
        free(i->pwd);
    }
    free(i->org_id);
    for (size_t k = 0; k < i->nadmins; k++) {
        free(i->admins[k].first_name);
        free(i->admins[k].last_name);
        free(i->admins[k].email);
        free(i->admins[k].phone);
    }
    free(i->admins);
    memset(i, 0, sizeof(*i));
}

/* The array frees live here, beside the element frees, so that store-data.c (which frees a
 * vault) does not depend on the store's contact and issuer operations. */
void mv_cert_contacts_free(struct mv_cert_contact *c, size_t n)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(c[i].email);
        free(c[i].name);
        free(c[i].phone);
    }
    free(c);
}

void mv_cert_issuers_free(struct mv_cert_issuer *i, size_t n)
{
    if (i == NULL)
        return;
    for (size_t k = 0; k < n; k++)
        mv_cert_issuer_finish(&i[k]);
    free(i);
}
