/* certpolicy.c: the reader of a certificate policy's wire JSON (spec/keyvault-certificates.md
 * §2), which fills the service's defaults and checks every limit of §6, and the check for unknown
 * members; the writer is in certdata.c. One parser serves the handlers (request bodies) and the
 * state (fixtures, snapshots); its messages start with the member's path inside the policy
 * ("key_props.key_size: ..."), so the state can name the full JSON path and a client sees what to
 * fix. */
#include "certs-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

/* ---- Reading ---- */

struct rd {
    char *err;
    size_t errlen;
};

static int fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct rd *r, const char *fmt, ...)
{
    va_list ap;
    if (r->err != NULL && r->errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A member of obj; JSON null counts as absent, as the SDKs send null for unset members. */
static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *it = obj != NULL ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsNull(it) ? NULL : it;
}

static const char *type_name(const cJSON *j)
{
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsArray(j))
        return "an array";
    return cJSON_IsObject(j) ? "an object" : "null";
}

/* Each getter: 1 when the member is there (and *out set), 0 when absent, -1 with a message. */
static int get_object(struct rd *r, const cJSON *obj, const char *path, const char *key,
                      const cJSON **out)
{
    *out = member(obj, key);
    if (*out == NULL)
        return 0;
    if (!cJSON_IsObject(*out))
        return fail(r, "%s%s: must be a JSON object, not %s", path, key, type_name(*out));
    return 1;
}

static int get_bool(struct rd *r, const cJSON *obj, const char *path, const char *key, bool *out)
{
    const cJSON *it = member(obj, key);
    if (it == NULL)
        return 0;
    if (!cJSON_IsBool(it))
        return fail(r, "%s%s: must be true or false, not %s", path, key, type_name(it));
    *out = cJSON_IsTrue(it);
    return 1;
}

static int get_int(struct rd *r, const cJSON *obj, const char *path, const char *key, int64_t min,
                   int64_t max, int64_t *out)
{
    const cJSON *it = member(obj, key);
    if (it == NULL)
        return 0;
    double d = cJSON_IsNumber(it) ? it->valuedouble : 0;
    if (!cJSON_IsNumber(it) || d != (double)(int64_t)d || d < (double)min || d > (double)max)
        return fail(r, "%s%s: must be a whole number from %lld to %lld", path, key, (long long)min,
                    (long long)max);
    *out = (int64_t)d;
    return 1;
}

static int get_str(struct rd *r, const cJSON *obj, const char *path, const char *key,
                   const char **out)
{
    const cJSON *it = member(obj, key);
    if (it == NULL)
        return 0;
    if (!cJSON_IsString(it) || it->valuestring == NULL)
        return fail(r, "%s%s: must be a string, not %s", path, key, type_name(it));
    *out = it->valuestring;
    return 1;
}

/* Replaces *dst with a copy of src. */
static int set_str(struct rd *r, char **dst, const char *src)
{
    char *c = strdup(src);
    if (c == NULL)
        return fail(r, "out of memory");
    free(*dst);
    *dst = c;
    return 0;
}

/* A JSON array of strings into l (replacing it); check (may be NULL) vets each item. */
typedef const char *(*item_check_fn)(const char *s);
static int get_strlist(struct rd *r, const cJSON *obj, const char *path, const char *key,
                       item_check_fn check, struct mv_strlist *l)
{
    const cJSON *arr = member(obj, key), *it;
    struct mv_strlist nl = {.present = true};
    size_t i = 0;

    if (arr == NULL)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(r, "%s%s: must be an array of strings, not %s", path, key, type_name(arr));
    int n = cJSON_GetArraySize(arr);
    if (n > MAX_LIST_ITEMS)
        return fail(r, "%s%s: at most %d items are allowed", path, key, MAX_LIST_ITEMS);
    if (n > 0 && (nl.items = calloc((size_t)n, sizeof(*nl.items))) == NULL)
        return fail(r, "out of memory");
    cJSON_ArrayForEach(it, arr) {
        const char *why = NULL;
        if (!cJSON_IsString(it) || it->valuestring == NULL)
            why = "must be a string";
        else if (check != NULL)
            why = check(it->valuestring);
        if (why != NULL) {
            cert_strlist_finish(&nl);
            return fail(r, "%s%s[%zu]: %s", path, key, i, why);
        }
        nl.items[nl.n] = strdup(it->valuestring);
        if (nl.items[nl.n] == NULL) {
            cert_strlist_finish(&nl);
            return fail(r, "out of memory");
        }
        nl.n++;
        i++;
    }
    cert_strlist_finish(l);
    *l = nl;
    return 1;
}

/* An extended key usage is a dotted OID ("1.3.6.1.5.5.7.3.1"). */
static const char *check_oid(const char *s)
{
    size_t arcs = 0;
    for (const char *p = s;; p++) {
        if (*p < '0' || *p > '9')
            return "must be a dotted object identifier such as \"1.3.6.1.5.5.7.3.1\"";
        while (p[1] >= '0' && p[1] <= '9')
            p++;
        arcs++;
        if (p[1] == '\0')
            break;
        if (p[1] != '.')
            return "must be a dotted object identifier such as \"1.3.6.1.5.5.7.3.1\"";
        p++;
    }
    return arcs >= 2 ? NULL : "must be a dotted object identifier with at least two arcs";
}

static const char *check_nonempty(const char *s)
{
    return s[0] != '\0' ? NULL : "must not be empty";
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static unsigned curve_bits(enum mv_crv crv)
{
    switch (crv) {
    case MV_CRV_P384: return 384;
    case MV_CRV_P521: return 521;
    default: return 256;
    }
}

static int read_key_props(struct rd *r, const cJSON *j, struct mv_cert_policy *p)
{
    const cJSON *kp;
    const char *kty = NULL, *crv = NULL;
    int64_t size = 0;
    int has_size, has_crv;

    int rc = get_object(r, j, "", "key_props", &kp);

    if (rc <= 0)
        return rc;
    if (get_bool(r, kp, "key_props.", "exportable", &p->exportable) < 0 ||
        get_bool(r, kp, "key_props.", "reuse_key", &p->reuse_key) < 0 ||
        get_str(r, kp, "key_props.", "kty", &kty) < 0 ||
        (has_size = get_int(r, kp, "key_props.", "key_size", 0, 1 << 20, &size)) < 0 ||
        (has_crv = get_str(r, kp, "key_props.", "crv", &crv)) < 0)
        return -1;
    if (kty != NULL) {
        enum mv_kty t;
        bool hsm = strcmp(kty, "RSA-HSM") == 0 || strcmp(kty, "EC-HSM") == 0;
        if (strcmp(kty, "RSA") == 0 || strcmp(kty, "RSA-HSM") == 0)
            t = MV_KTY_RSA;
        else if (strcmp(kty, "EC") == 0 || strcmp(kty, "EC-HSM") == 0)
            t = MV_KTY_EC;
        else
            return fail(r,
                        "key_props.kty: '%.32s' is not a key type; use RSA, RSA-HSM, EC or "
                        "EC-HSM",
                        kty);
        /* A change of family drops the old family's size and curve (a partial update from an
         * RSA policy to EC must not keep 2048). */
        if (t != p->kty) {
            p->kty = t;
            p->key_size = t == MV_KTY_RSA ? 2048 : 256;
            p->crv = t == MV_KTY_RSA ? MV_CRV_NONE : MV_CRV_P256;
        }
        p->hsm = hsm;
    }
    if (p->kty == MV_KTY_RSA) {
        if (has_crv)
            return fail(r, "key_props.crv: a curve applies to EC keys only; remove it or use kty "
                           "EC");
        if (has_size) {
            if (size != 2048 && size != 3072 && size != 4096)
                return fail(r,
                            "key_props.key_size: %lld is not a supported RSA key size; use "
                            "2048, 3072 or 4096",
                            (long long)size);
            p->key_size = (unsigned)size;
        }
        return 0;
    }
    if (has_crv) {
        if (!mv_crv_parse(crv, &p->crv))
            return fail(r,
                        "key_props.crv: '%.32s' is not a curve; use P-256, P-384, P-521 or "
                        "P-256K",
                        crv);
        if (has_size && (unsigned)size != curve_bits(p->crv))
            return fail(r, "key_props.key_size: %lld does not match curve %s (%u bits)",
                        (long long)size, mv_crv_name(p->crv), curve_bits(p->crv));
    } else if (has_size) {
        if (size == 256)
            p->crv = MV_CRV_P256;
        else if (size == 384)
            p->crv = MV_CRV_P384;
        else if (size == 521)
            p->crv = MV_CRV_P521;
        else
            return fail(r,
                        "key_props.key_size: %lld is not an EC key size; use 256, 384 or 521 "
                        "(or name the curve in crv)",
                        (long long)size);
    }
    p->key_size = curve_bits(p->crv);
    return 0;
}

static int read_secret_props(struct rd *r, const cJSON *j, struct mv_cert_policy *p)
{
    const cJSON *sp;
    const char *ct = NULL;
    int rc = get_object(r, j, "", "secret_props", &sp);

    if (rc <= 0)
        return rc;
    if (get_str(r, sp, "secret_props.", "contentType", &ct) < 0)
        return -1;
    if (ct == NULL)
        return 0;
    if (strcmp(ct, PKCS12_TYPE) != 0 && strcmp(ct, PEM_TYPE) != 0)
        return fail(r,
                    "secret_props.contentType: '%.64s' is not supported; use " PKCS12_TYPE
                    " or " PEM_TYPE,
                    ct);
    return set_str(r, &p->content_type, ct);
}

static int read_sans(struct rd *r, const cJSON *xp, struct mv_cert_policy *p)
{
    const cJSON *sj;
    struct mv_cert_sans ns = {.present = true};
    char path[32];
    int rc = get_object(r, xp, "x509_props.", "sans", &sj);

    if (rc <= 0)
        return rc;
    /* Sent SANs replace the stored ones wholesale; "sans":{} is echoed as {} (spec §2 [REC]). */
    for (size_t i = 0; cert_san_keys[i] != NULL; i++) {
        snprintf(path, sizeof(path), "x509_props.sans.");
        if (get_strlist(r, sj, path, cert_san_keys[i], check_nonempty, cert_san_list(&ns, i)) < 0) {
            cert_sans_finish(&ns);
            return -1;
        }
    }
    cert_sans_finish(&p->sans);
    p->sans = ns;
    return 0;
}

static int read_key_usage(struct rd *r, const cJSON *xp, struct mv_cert_policy *p)
{
    const cJSON *arr = member(xp, "key_usage"), *it;
    unsigned bits = 0;
    size_t i = 0;

    if (arr == NULL)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(r, "x509_props.key_usage: must be an array of key usage names, not %s",
                    type_name(arr));
    cJSON_ArrayForEach(it, arr) {
        size_t k = 0;
        while (cJSON_IsString(it) && mv_cert_ku_names[k] != NULL &&
               cx_strcasecmp(it->valuestring, mv_cert_ku_names[k]) != 0)
            k++;
        if (!cJSON_IsString(it) || mv_cert_ku_names[k] == NULL)
            return fail(r,
                        "x509_props.key_usage[%zu]: not a key usage; use digitalSignature, "
                        "nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement, "
                        "keyCertSign, cRLSign, encipherOnly or decipherOnly",
                        i);
        bits |= 1u << k;
        i++;
    }
    p->key_usage = bits;
    return 0;
}

static int read_x509_props(struct rd *r, const cJSON *j, struct mv_cert_policy *p)
{
    const cJSON *xp, *bc;
    const char *subject = NULL;
    int64_t months = 0;
    int rc = get_object(r, j, "", "x509_props", &xp);

    if (rc <= 0)
        return rc;
    if (get_str(r, xp, "x509_props.", "subject", &subject) < 0)
        return -1;
    if (subject != NULL) {
        if (utf8_chars(subject) > MAX_SUBJECT_CHARS)
            return fail(r, "x509_props.subject: is %zu characters long; at most %d are allowed",
                        utf8_chars(subject), MAX_SUBJECT_CHARS);
        if (set_str(r, &p->subject, subject) != 0)
            return -1;
    }
    if (read_sans(r, xp, p) != 0 ||
        get_strlist(r, xp, "x509_props.", "ekus", check_oid, &p->ekus) < 0 ||
        read_key_usage(r, xp, p) != 0)
        return -1;
    rc = get_int(r, xp, "x509_props.", "validity_months", 1, MAX_VALIDITY_MONTHS, &months);
    if (rc < 0)
        return -1;
    if (rc > 0)
        p->validity_months = (int)months;
    rc = get_object(r, xp, "x509_props.", "basic_constraints", &bc);
    if (rc < 0)
        return -1;
    if (rc > 0 && get_bool(r, bc, "x509_props.basic_constraints.", "ca", &p->ca) < 0)
        return -1;
    return 0;
}

/* One lifetime action: {"trigger":{lifetime_percentage|days_before_expiry},"action":{..}}. */
static int read_action(struct rd *r, const cJSON *it, size_t i, struct mv_cert_lifetime_action *a)
{
    const cJSON *trig, *act;
    const char *type = NULL;
    char path[64];
    int64_t v = 0;
    int has_pct, has_days;

    snprintf(path, sizeof(path), "lifetime_actions[%zu].", i);
    if (!cJSON_IsObject(it))
        return fail(r, "lifetime_actions[%zu]: must be a JSON object, not %s", i, type_name(it));
    if (get_object(r, it, path, "trigger", &trig) < 0 ||
        get_object(r, it, path, "action", &act) < 0)
        return -1;
    if (trig == NULL || act == NULL)
        return fail(r, "%s%s: is required", path, trig == NULL ? "trigger" : "action");
    snprintf(path, sizeof(path), "lifetime_actions[%zu].trigger.", i);
    has_pct = get_int(r, trig, path, "lifetime_percentage", 1, 99, &v);
    if (has_pct < 0)
        return -1;
    if (has_pct > 0) {
        a->by_percentage = true;
        a->value = (int)v;
    }
    /* The upper bound depends on validity_months, checked once the whole policy is read. */
    has_days = get_int(r, trig, path, "days_before_expiry", 1, MAX_VALIDITY_MONTHS * 31, &v);
    if (has_days < 0)
        return -1;
    if (has_pct + has_days != 1)
        return fail(r,
                    "lifetime_actions[%zu].trigger: give exactly one of lifetime_percentage "
                    "and days_before_expiry",
                    i);
    if (has_days > 0) {
        a->by_percentage = false;
        a->value = (int)v;
    }
    snprintf(path, sizeof(path), "lifetime_actions[%zu].action.", i);
    if (get_str(r, act, path, "action_type", &type) < 0)
        return -1;
    if (type != NULL && cx_strcasecmp(type, "AutoRenew") == 0)
        a->type = MV_CERT_AUTO_RENEW;
    else if (type != NULL && cx_strcasecmp(type, "EmailContacts") == 0)
        a->type = MV_CERT_EMAIL_CONTACTS;
    else
        return fail(r, "%saction_type: use AutoRenew or EmailContacts", path);
    return 0;
}

/* Returns 1 when the request set the lifetime actions, 0 when it left them out, -1 on error. */
static int read_actions(struct rd *r, const cJSON *j, struct mv_cert_policy *p)
{
    const cJSON *arr = member(j, "lifetime_actions"), *it;
    struct mv_cert_lifetime_action acts[MV_CERT_ACTIONS_MAX];
    size_t n = 0;

    if (arr == NULL)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(r, "lifetime_actions: must be an array, not %s", type_name(arr));
    if (cJSON_GetArraySize(arr) > MV_CERT_ACTIONS_MAX)
        return fail(r, "lifetime_actions: at most %d actions are allowed", MV_CERT_ACTIONS_MAX);
    cJSON_ArrayForEach(it, arr) {
        memset(&acts[n], 0, sizeof(acts[n]));
        if (read_action(r, it, n, &acts[n]) != 0)
            return -1;
        n++;
    }
    memcpy(p->actions, acts, n * sizeof(acts[0]));
    p->nactions = n;
    return 1;
}

static int read_issuer(struct rd *r, const cJSON *j, struct mv_cert_policy *p)
{
    const cJSON *ij;
    const char *name = NULL, *cty = NULL;
    int rc = get_object(r, j, "", "issuer", &ij);

    if (rc <= 0)
        return rc;
    if (get_str(r, ij, "issuer.", "name", &name) < 0 || get_str(r, ij, "issuer.", "cty", &cty) < 0)
        return -1;
    if (name != NULL && name[0] == '\0')
        return fail(r, "issuer.name: must not be empty; use Self, Unknown or an issuer's name");
    if (name != NULL && set_str(r, &p->issuer_name, name) != 0)
        return -1;
    if (cty != NULL && set_str(r, &p->issuer_cty, cty) != 0)
        return -1;
    rc = get_bool(r, ij, "issuer.", "cert_transparency", &p->cert_transparency);
    if (rc < 0)
        return -1;
    if (rc > 0)
        p->has_cert_transparency = true; /* echoed only if sent (spec §2 [REC]) */
    return 0;
}

static int read_attributes(struct rd *r, const cJSON *j, struct mv_cert_policy *p)
{
    const cJSON *aj;
    int rc = get_object(r, j, "", "attributes", &aj);

    if (rc <= 0)
        return rc;
    /* created/updated come from snapshots; the store stamps its own on every write. */
    if (get_bool(r, aj, "attributes.", "enabled", &p->enabled) < 0 ||
        get_int(r, aj, "attributes.", "created", MV_TIME_MIN, MV_TIME_MAX, &p->created) < 0 ||
        get_int(r, aj, "attributes.", "updated", MV_TIME_MIN, MV_TIME_MAX, &p->updated) < 0)
        return -1;
    return 0;
}

int mv_cert_policy_parse(const cJSON *j, const struct mv_cert_policy *base,
                         struct mv_cert_policy *out, char *err, size_t errlen)
{
    struct rd r = {.err = err, .errlen = errlen};
    struct mv_cert_policy p;
    int rc = -1, has_actions;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (j != NULL && !cJSON_IsNull(j) && !cJSON_IsObject(j))
        return fail(&r, "policy: must be a JSON object, not %s", type_name(j));
    if ((base != NULL ? mv_cert_policy_copy(&p, base) : cert_policy_defaults(&p)) != 0)
        return fail(&r, "out of memory");
    if (read_key_props(&r, j, &p) != 0 || read_secret_props(&r, j, &p) != 0 ||
        read_x509_props(&r, j, &p) != 0 || read_issuer(&r, j, &p) != 0 ||
        (has_actions = read_actions(&r, j, &p)) < 0 || read_attributes(&r, j, &p) != 0)
        goto out;
    /* A new policy without actions gets the issuer's default: renewal for self-signed
     * certificates, mail for the rest, which the mock cannot renew itself (spec §2 [REC]). */
    if (base == NULL && has_actions == 0) {
        p.nactions = 1;
        p.actions[0] = (struct mv_cert_lifetime_action){
            .by_percentage = true,
            .value = 80,
            .type = cx_strcasecmp(p.issuer_name, "Self") == 0 ? MV_CERT_AUTO_RENEW
                                                              : MV_CERT_EMAIL_CONTACTS,
        };
    }
    for (size_t i = 0; i < p.nactions; i++) {
        int max_days = p.validity_months * DAYS_PER_MONTH_LIMIT;
        if (!p.actions[i].by_percentage && p.actions[i].value > max_days) {
            fail(&r,
                 "lifetime_actions[%zu].trigger.days_before_expiry: %d is more than the %d days "
                 "allowed for %d validity months (validity_months x 27)",
                 i, p.actions[i].value, max_days, p.validity_months);
            goto out;
        }
    }
    *out = p;
    memset(&p, 0, sizeof(p));
    rc = 0;
out:
    mv_cert_policy_finish(&p);
    return rc;
}

/* ---- Unknown members (fixtures and snapshots refuse them; requests ignore them) ---- */

static const char *const top_fields[] = {"id",     "key_props",        "secret_props", "x509_props",
                                         "issuer", "lifetime_actions", "attributes",   NULL};
static const char *const key_fields[] = {"exportable", "kty", "key_size", "reuse_key", "crv", NULL};
static const char *const secret_fields[] = {"contentType", NULL};
static const char *const x509_fields[] = {
    "subject", "sans", "ekus", "key_usage", "validity_months", "basic_constraints", NULL};
static const char *const bc_fields[] = {"ca", NULL};
static const char *const issuer_fields[] = {"name", "cty", "cert_transparency", NULL};
static const char *const attr_fields[] = {"enabled", "created", "updated", NULL};
static const char *const action_fields[] = {"trigger", "action", NULL};
static const char *const trigger_fields[] = {"lifetime_percentage", "days_before_expiry", NULL};
static const char *const type_fields[] = {"action_type", NULL};

/* The first member of obj (when an object) not in allowed: its path into path. 1 when found. */
static int unknown_in(const cJSON *obj, const char *const *allowed, const char *prefix, char *path,
                      size_t pathlen)
{
    const cJSON *it;
    if (!cJSON_IsObject(obj))
        return 0;
    cJSON_ArrayForEach(it, obj) {
        size_t k = 0;
        while (allowed[k] != NULL && strcmp(allowed[k], it->string) != 0)
            k++;
        if (allowed[k] == NULL) {
            snprintf(path, pathlen, "%s%s", prefix, it->string);
            return 1;
        }
    }
    return 0;
}

int mv_cert_policy_unknown_field(const cJSON *j, char *path, size_t pathlen)
{
    const cJSON *xp = member(j, "x509_props"), *acts = member(j, "lifetime_actions"), *it;
    char prefix[64];
    size_t i = 0;

    if (unknown_in(j, top_fields, "", path, pathlen) ||
        unknown_in(member(j, "key_props"), key_fields, "key_props.", path, pathlen) ||
        unknown_in(member(j, "secret_props"), secret_fields, "secret_props.", path, pathlen) ||
        unknown_in(xp, x509_fields, "x509_props.", path, pathlen) ||
        unknown_in(member(xp, "sans"), cert_san_keys, "x509_props.sans.", path, pathlen) ||
        unknown_in(member(xp, "basic_constraints"), bc_fields, "x509_props.basic_constraints.",
                   path, pathlen) ||
        unknown_in(member(j, "issuer"), issuer_fields, "issuer.", path, pathlen) ||
        unknown_in(member(j, "attributes"), attr_fields, "attributes.", path, pathlen))
        return 1;
    if (!cJSON_IsArray(acts))
        return 0;
    cJSON_ArrayForEach(it, acts) {
        snprintf(prefix, sizeof(prefix), "lifetime_actions[%zu].", i);
        if (unknown_in(it, action_fields, prefix, path, pathlen))
            return 1;
        snprintf(prefix, sizeof(prefix), "lifetime_actions[%zu].trigger.", i);
        if (unknown_in(member(it, "trigger"), trigger_fields, prefix, path, pathlen))
            return 1;
        snprintf(prefix, sizeof(prefix), "lifetime_actions[%zu].action.", i);
        if (unknown_in(member(it, "action"), type_fields, prefix, path, pathlen))
            return 1;
        i++;
    }
    return 0;
}
