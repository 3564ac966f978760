/* certs-meta.c: what surrounds the certificate operations of certs.c: the policy builder, the
 * create poller (spec/keyvault-certificates.md §7), download of the certificate as DER or PEM,
 * the certificate's secret through the secrets API, the vault's certificate contacts and its
 * issuers (§3 Contacts, Issuers). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "kv-int.h"

/* ----- Policy builder ------------------------------------------------------------------------ */

void kv_certificate_policy_spec_init(struct kv_certificate_policy_spec *s)
{
    memset(s, 0, sizeof *s);
    s->exportable = -1;
    s->reuse_key = -1;
}

/* An object member of o, created when absent; NULL on allocation failure. */
static cJSON *member_object(cJSON *o, const char *key)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    return m ? m : cJSON_AddObjectToObject(o, key);
}

int kv_certificate_policy_json(const struct kv_certificate_policy_spec *s, char **json,
                               struct kv_error *err)
{
    kv__error_clear(err);
    if (!json)
        return kv__fail(err, KV_E_INVALID_ARG, "json is NULL");
    *json = NULL;
    if (!s || ((!s->subject || !*s->subject) && !s->n_dns_names))
        return kv__fail(err, KV_E_INVALID_ARG,
                        "a certificate policy needs a subject or a DNS name");
    cJSON *o = cJSON_CreateObject(), *kp = NULL, *xp = o ? member_object(o, "x509_props") : NULL;
    bool ok = xp != NULL;
    /* Members in the service's recorded order (spec §2): key_props, secret_props, x509_props,
     * issuer. x509_props is first here only because it is always sent; order of members does
     * not matter to the service. */
    if (ok && s->subject && *s->subject)
        ok = cJSON_AddStringToObject(xp, "subject", s->subject) != NULL;
    if (ok && s->n_dns_names) {
        cJSON *sans = cJSON_AddObjectToObject(xp, "sans");
        cJSON *a = sans ? cJSON_AddArrayToObject(sans, "dns_names") : NULL;
        ok = a != NULL;
        for (size_t i = 0; ok && i < s->n_dns_names; i++) {
            cJSON *d = s->dns_names[i] ? cJSON_CreateString(s->dns_names[i]) : NULL;
            if (!d || !cJSON_AddItemToArray(a, d)) {
                cJSON_Delete(d);
                ok = false;
            }
        }
    }
    if (ok && s->validity_months > 0)
        ok = cJSON_AddNumberToObject(xp, "validity_months", s->validity_months) != NULL;
    if (ok && (s->kty || s->key_size > 0 || s->curve || s->exportable >= 0 || s->reuse_key >= 0))
        ok = (kp = member_object(o, "key_props")) != NULL &&
             (s->exportable < 0 || cJSON_AddBoolToObject(kp, "exportable", s->exportable)) &&
             (!s->kty || cJSON_AddStringToObject(kp, "kty", s->kty)) &&
             (s->key_size <= 0 || cJSON_AddNumberToObject(kp, "key_size", s->key_size)) &&
             (s->reuse_key < 0 || cJSON_AddBoolToObject(kp, "reuse_key", s->reuse_key)) &&
             (!s->curve || cJSON_AddStringToObject(kp, "crv", s->curve));
    if (ok && s->content_type)
        ok = cJSON_AddStringToObject(member_object(o, "secret_props"), "contentType",
                                     s->content_type) != NULL;
    if (ok && s->issuer_name)
        ok = cJSON_AddStringToObject(member_object(o, "issuer"), "name", s->issuer_name) != NULL;
    if (ok)
        *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return *json ? KV_OK : kv__fail(err, KV_E_NOMEM, "out of memory");
}

/* ----- Poller ------------------------------------------------------------------------------- */

void kv_poll_options_init(struct kv_poll_options *o)
{
    memset(o, 0, sizeof *o);
    o->interval_ms = 5000;
}

bool kv__cert_operation_done(const struct kv_certificate_operation *op)
{
    /* Python's rule (spec §7): case-insensitive, and the Unknown issuer ends polling at once,
     * since only a merge completes it. */
    return !op->status || strcasecmp(op->status, "inprogress") != 0 ||
           (op->issuer_name && strcasecmp(op->issuer_name, "unknown") == 0);
}

unsigned kv__poll_delay_ms(long retry_after_ms, unsigned interval_ms, unsigned max_interval_ms)
{
    unsigned long d = retry_after_ms >= 0 ? (unsigned long)retry_after_ms : interval_ms;
    if (max_interval_ms && d > max_interval_ms)
        d = max_interval_ms;
    return d > 86400000UL ? 86400000U : (unsigned)d;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int kv_certificate_wait(struct kv_client *c, const char *name, const struct kv_poll_options *poll,
                        struct kv_certificate **cert, struct kv_certificate_operation **op,
                        struct kv_error *err)
{
    struct kv_poll_options defaults;
    struct kv_certificate_operation *cur = NULL;
    uint64_t start = kv__mono_ms();
    int rc;
    if (cert)
        *cert = NULL;
    if (op)
        *op = NULL;
    if (!poll) {
        kv_poll_options_init(&defaults);
        poll = &defaults;
    }
    for (;;) {
        kv_certificate_operation_free(cur);
        cur = NULL;
        if ((rc = kv_certificate_get_operation(c, name, &cur, err)) != KV_OK)
            goto out;
        if (kv__cert_operation_done(cur))
            break;
        unsigned wait =
            kv__poll_delay_ms(cur->retry_after_ms, poll->interval_ms, poll->max_interval_ms);
        if (poll->timeout_ms && kv__mono_ms() - start + wait > poll->timeout_ms) {
            rc = kv__fail(err, KV_E_TIMEOUT,
                          "the certificate operation of '%s' is still inProgress after %u ms", name,
                          poll->timeout_ms);
            goto out;
        }
        kv__trace(c, "certificate '%s' inProgress: polling again in %u ms", name, wait);
        sleep_ms(wait);
    }
    /* Completed: the certificate is read like the SDKs do, GET /certificates/{name}/. */
    if (cert && !strcmp(cur->status, "completed"))
        rc = kv_certificate_get(c, name, NULL, cert, err);
out:
    if (rc == KV_OK && op)
        *op = cur;
    else
        kv_certificate_operation_free(cur);
    return rc;
}

int kv_certificate_create_wait(struct kv_client *c, const char *name, const char *policy_json,
                               const struct kv_certificate_props *props,
                               const struct kv_poll_options *poll, struct kv_certificate **cert,
                               struct kv_certificate_operation **op, struct kv_error *err)
{
    if (cert)
        *cert = NULL;
    if (op)
        *op = NULL;
    int rc = kv_certificate_create(c, name, policy_json, props, NULL, err);
    return rc == KV_OK ? kv_certificate_wait(c, name, poll, cert, op, err) : rc;
}

/* ----- Download and the secret ------------------------------------------------------------- */

char *kv__der_to_pem(const unsigned char *der, size_t len, const char *label, size_t *out_len)
{
    char *b64 = cx_b64_encode(der, len, 0), *pem = NULL;
    if (!b64)
        return NULL;
    size_t n = strlen(b64), lines = (n + 63) / 64, cap = 2 * strlen(label) + 40 + n + lines;
    if ((pem = malloc(cap))) {
        size_t at = (size_t)snprintf(pem, cap, "-----BEGIN %s-----\n", label);
        for (size_t i = 0; i < n; i += 64) {
            size_t k = n - i < 64 ? n - i : 64;
            memcpy(pem + at, b64 + i, k);
            at += k;
            pem[at++] = '\n';
        }
        at += (size_t)snprintf(pem + at, cap - at, "-----END %s-----\n", label);
        if (out_len)
            *out_len = at;
    }
    free(b64);
    return pem;
}

int kv_certificate_download(struct kv_client *c, const char *name, const char *version, int pem,
                            struct kv_bytes *out, struct kv_error *err)
{
    struct kv_certificate *k = NULL;
    int rc;
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "out is NULL");
    out->data = NULL;
    out->len = 0;
    if ((rc = kv_certificate_get(c, name, version, &k, err)) != KV_OK)
        return rc;
    if (!k->cer.len) {
        rc = kv__fail(err, KV_E_NOT_FOUND,
                      "certificate '%s' has no issued certificate yet (its operation is pending)",
                      name);
    } else if (pem) {
        out->data =
            (unsigned char *)kv__der_to_pem(k->cer.data, k->cer.len, "CERTIFICATE", &out->len);
        rc = out->data ? KV_OK : kv__fail(err, KV_E_NOMEM, "out of memory");
    } else {
        out->data = k->cer.data;
        out->len = k->cer.len;
        k->cer.data = NULL;
        k->cer.len = 0;
    }
    kv_certificate_free(k);
    return rc;
}

int kv_certificate_get_secret(struct kv_client *c, const struct kv_certificate *cert,
                              struct kv_secret **out, struct kv_error *err)
{
    char *url = NULL, *name = NULL, *version = NULL;
    int rc;
    if (out)
        *out = NULL;
    kv__error_clear(err);
    if (!c || !cert || !cert->sid)
        return kv__fail(err, KV_E_INVALID_ARG,
                        "the certificate has no secret id (sid): its version is pending");
    if ((rc = kv_secret_id_parse(cert->sid, &url, &name, &version, err)) != KV_OK)
        goto out;
    /* The sid must name this client's vault (scheme, host and port, the default port filled
     * in): the client's token is for that vault, as with a nextLink. */
    char scheme[16], host[256], origin[300] = "";
    long port;
    if (kv__url_parts(url, scheme, sizeof scheme, host, sizeof host, &port) == 0)
        snprintf(origin, sizeof origin, "%s://%s:%ld", scheme, host, port);
    if (strcmp(origin, c->vault_origin) != 0) {
        rc = kv__fail(err, KV_E_INVALID_ARG, "the certificate's sid names another vault (%s)", url);
        goto out;
    }
    rc = kv_secret_get(c, name, version, out, err);
out:
    free(url);
    free(name);
    free(version);
    return rc;
}

/* ----- Contacts ----------------------------------------------------------------------------- */

void kv_certificate_contacts_free(struct kv_certificate_contacts *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n_contacts; i++) {
        free(cs->contacts[i].email);
        free(cs->contacts[i].name);
        free(cs->contacts[i].phone);
    }
    free(cs->contacts);
    free(cs->id);
    free(cs);
}

int kv__cert_contacts_from_json(const cJSON *o, const char *what,
                                struct kv_certificate_contacts **out, struct kv_error *err)
{
    bool ok = true;
    struct kv_certificate_contacts *cs = NULL;
    *out = NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "contacts"), *it;
    if (!cJSON_IsObject(o) || (list && !cJSON_IsArray(list)))
        return kv__fail(err, KV_E_PROTOCOL, "%s is not a contacts object", what);
    if (!(cs = calloc(1, sizeof *cs)))
        return kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what);
    cs->id = kv__json_strdup(o, "id", &ok);
    if (ok && cJSON_GetArraySize(list) > 0 &&
        !(cs->contacts = calloc((size_t)cJSON_GetArraySize(list), sizeof *cs->contacts)))
        ok = false;
    cJSON_ArrayForEach(it, list) {
        if (!ok)
            break;
        struct kv_certificate_contact *ct = &cs->contacts[cs->n_contacts++];
        ct->email = kv__json_strdup(it, "email", &ok);
        ct->name = kv__json_strdup(it, "name", &ok);
        ct->phone = kv__json_strdup(it, "phone", &ok);
    }
    if (!ok) {
        kv_certificate_contacts_free(cs);
        return kv__fail(err, KV_E_NOMEM, "out of memory reading %s", what);
    }
    *out = cs;
    return KV_OK;
}

static int parse_contacts(const cJSON *root, const char *what, void *out, struct kv_error *err)
{
    struct kv_certificate_contacts **res = out;
    if (!root) {
        *res = NULL;
        return KV_OK;
    }
    return kv__cert_contacts_from_json(root, what, res, err);
}

/* A call on /certificates/contacts with o (taken; NULL = no body). */
static int contacts_call(struct kv_client *c, const char *what, const char *method, cJSON *o,
                         bool built, struct kv_certificate_contacts **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    kv__error_clear(err);
    return kv__call_object(c, what, method, "/certificates/contacts", o, built, parse_contacts, out,
                           err);
}

int kv_certificate_contacts_get(struct kv_client *c, struct kv_certificate_contacts **out,
                                struct kv_error *err)
{
    return contacts_call(c, "GetCertificateContacts", "GET", NULL, true, out, err);
}

int kv_certificate_contacts_delete(struct kv_client *c, struct kv_certificate_contacts **out,
                                   struct kv_error *err)
{
    return contacts_call(c, "DeleteCertificateContacts", "DELETE", NULL, true, out, err);
}

int kv_certificate_contacts_set(struct kv_client *c, const struct kv_certificate_contact *list,
                                size_t n, struct kv_certificate_contacts **out,
                                struct kv_error *err)
{
    if (out)
        *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!list || !list[i].email || !*list[i].email)
            return kv__fail(err, KV_E_INVALID_ARG, "contact %zu has no email", i);
    cJSON *o = cJSON_CreateObject(), *a = o ? cJSON_AddArrayToObject(o, "contacts") : NULL;
    bool built = a != NULL;
    for (size_t i = 0; built && i < n; i++) {
        cJSON *it = cJSON_CreateObject();
        if (!it || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            built = false;
            break;
        }
        built = cJSON_AddStringToObject(it, "email", list[i].email) &&
                (!list[i].name || cJSON_AddStringToObject(it, "name", list[i].name)) &&
                (!list[i].phone || cJSON_AddStringToObject(it, "phone", list[i].phone));
    }
    return contacts_call(c, "SetCertificateContacts", "PUT", o, built, out, err);
}

/* ----- Issuers ------------------------------------------------------------------------------ */

void kv_certificate_issuer_free(struct kv_certificate_issuer *is)
{
    if (!is)
        return;
    for (size_t i = 0; i < is->n_admins; i++) {
        free(is->admins[i].first_name);
        free(is->admins[i].last_name);
        free(is->admins[i].email);
        free(is->admins[i].phone);
    }
    free(is->admins);
    free(is->id);
    free(is->name);
    free(is->provider);
    free(is->account_id);
    free(is->org_id);
    free(is);
}

void kv_certificate_issuer_props_init(struct kv_certificate_issuer_props *p)
{
    memset(p, 0, sizeof *p);
    p->enabled = -1;
}

int kv__cert_issuer_from_json(const cJSON *o, const char *what, struct kv_certificate_issuer **out,
                              struct kv_error *err)
{
    bool ok = true;
    int rc = KV_E_NOMEM;
    struct kv__common m;
    struct kv_certificate_issuer *is = NULL;
    *out = NULL;
    if (!cJSON_IsObject(o))
        return kv__fail(err, KV_E_PROTOCOL, "%s is not a JSON object", what);
    if (!(is = calloc(1, sizeof *is)))
        goto out;
    const cJSON *org = cJSON_GetObjectItemCaseSensitive(o, "org_details");
    const cJSON *admins = cJSON_GetObjectItemCaseSensitive(org, "admin_details"), *it;
    is->id = kv__json_strdup(o, "id", &ok);
    is->provider = kv__json_strdup(o, "provider", &ok);
    is->account_id =
        kv__json_strdup(cJSON_GetObjectItemCaseSensitive(o, "credentials"), "account_id", &ok);
    is->org_id = kv__json_strdup(org, "id", &ok);
    if (ok && !is->id) {
        rc = kv__fail(err, KV_E_PROTOCOL, "%s has no issuer id", what);
        goto out;
    }
    /* The name is the last segment of .../certificates/issuers/{name}. */
    const char *slash = ok ? strrchr(is->id, '/') : NULL;
    if (slash && !(is->name = strdup(slash + 1)))
        ok = false;
    if (ok && cJSON_IsArray(admins) && cJSON_GetArraySize(admins) > 0 &&
        !(is->admins = calloc((size_t)cJSON_GetArraySize(admins), sizeof *is->admins)))
        ok = false;
    const cJSON *alist = cJSON_IsArray(admins) ? admins : NULL;
    cJSON_ArrayForEach(it, alist) {
        if (!ok)
            break;
        struct kv_certificate_admin *ad = &is->admins[is->n_admins++];
        ad->first_name = kv__json_strdup(it, "first_name", &ok);
        ad->last_name = kv__json_strdup(it, "last_name", &ok);
        ad->email = kv__json_strdup(it, "email", &ok);
        ad->phone = kv__json_strdup(it, "phone", &ok);
    }
    if (!ok)
        goto out;
    if ((rc = kv__common_from_json(o, what, &m, err)) != KV_OK)
        goto out;
    is->enabled = m.enabled;
    is->created = m.created;
    is->updated = m.updated;
    kv__common_free(&m);
    *out = is;
    is = NULL;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory reading %s", what);
    kv_certificate_issuer_free(is);
    return rc;
}

static int parse_issuer(const cJSON *root, const char *what, void *out, struct kv_error *err)
{
    struct kv_certificate_issuer **res = out;
    if (!root) {
        *res = NULL;
        return KV_OK;
    }
    return kv__cert_issuer_from_json(root, what, res, err);
}

/* The issuer request body of p (spec §3 Issuers: provider, credentials, org_details,
 * attributes). The password goes into credentials.pwd and is wiped with the body. */
static bool issuer_body(cJSON *o, const struct kv_certificate_issuer_props *p)
{
    bool ok = !p->provider || cJSON_AddStringToObject(o, "provider", p->provider);
    if (ok && (p->account_id || p->password)) {
        cJSON *cr = cJSON_AddObjectToObject(o, "credentials");
        ok = cr && (!p->account_id || cJSON_AddStringToObject(cr, "account_id", p->account_id)) &&
             (!p->password || cJSON_AddStringToObject(cr, "pwd", p->password));
    }
    if (ok && (p->org_id || p->set_admins)) {
        cJSON *org = cJSON_AddObjectToObject(o, "org_details");
        ok = org && (!p->org_id || cJSON_AddStringToObject(org, "id", p->org_id));
        cJSON *a = ok && p->set_admins ? cJSON_AddArrayToObject(org, "admin_details") : NULL;
        ok = ok && (!p->set_admins || a);
        for (size_t i = 0; ok && p->set_admins && i < p->n_admins; i++) {
            const struct kv_certificate_admin *ad = &p->admins[i];
            cJSON *it = cJSON_CreateObject();
            if (!it || !cJSON_AddItemToArray(a, it)) {
                cJSON_Delete(it);
                return false;
            }
            ok = (!ad->first_name || cJSON_AddStringToObject(it, "first_name", ad->first_name)) &&
                 (!ad->last_name || cJSON_AddStringToObject(it, "last_name", ad->last_name)) &&
                 (!ad->email || cJSON_AddStringToObject(it, "email", ad->email)) &&
                 (!ad->phone || cJSON_AddStringToObject(it, "phone", ad->phone));
        }
    }
    return ok && kv__json_add_attributes(o, p->enabled, 0, 0, false);
}

/* PUT (set) or PATCH (update) of an issuer. */
static int issuer_write(struct kv_client *c, const char *name, const char *what, const char *method,
                        const struct kv_certificate_issuer_props *p,
                        struct kv_certificate_issuer **out, struct kv_error *err)
{
    if (out)
        *out = NULL;
    kv__error_clear(err);
    if (!p || (!strcmp(method, "PUT") && (!p->provider || !*p->provider)))
        return kv__fail(err, KV_E_INVALID_ARG, "an issuer needs a provider");
    cJSON *o = cJSON_CreateObject();
    bool built = o && issuer_body(o, p);
    return kv__named_call(c, "issuer", name, NULL, what, method, o, built, parse_issuer, out, err,
                          "/certificates/issuers/%s", name);
}

int kv_certificate_issuer_set(struct kv_client *c, const char *name,
                              const struct kv_certificate_issuer_props *props,
                              struct kv_certificate_issuer **out, struct kv_error *err)
{
    return issuer_write(c, name, "SetCertificateIssuer", "PUT", props, out, err);
}

int kv_certificate_issuer_update(struct kv_client *c, const char *name,
                                 const struct kv_certificate_issuer_props *props,
                                 struct kv_certificate_issuer **out, struct kv_error *err)
{
    return issuer_write(c, name, "UpdateCertificateIssuer", "PATCH", props, out, err);
}

int kv_certificate_issuer_get(struct kv_client *c, const char *name,
                              struct kv_certificate_issuer **out, struct kv_error *err)
{
    return kv__named_call(c, "issuer", name, NULL, "GetCertificateIssuer", "GET", NULL, true,
                          parse_issuer, out, err, "/certificates/issuers/%s", name);
}

int kv_certificate_issuer_delete(struct kv_client *c, const char *name,
                                 struct kv_certificate_issuer **out, struct kv_error *err)
{
    return kv__named_call(c, "issuer", name, NULL, "DeleteCertificateIssuer", "DELETE", NULL, true,
                          parse_issuer, out, err, "/certificates/issuers/%s", name);
}

int kv_certificate_issuer_pager_create(struct kv_client *c, int maxresults, struct kv_pager **out)
{
    static const char *const names[] = {"GetCertificateIssuers", NULL, NULL};
    return kv__pager_open(c, KV__FAMILY_ISSUERS, names, "/certificates/issuers", NULL, 0, NULL,
                          maxresults, out);
}

int kv_certificate_issuer_pager_next(struct kv_pager *p, struct kv_certificate_issuer **out,
                                     struct kv_error *err)
{
    kv__error_clear(err);
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "pager and out are required");
    *out = NULL;
    return kv__pager_next(p, KV__FAMILY_ISSUERS, parse_issuer, out, err);
}
