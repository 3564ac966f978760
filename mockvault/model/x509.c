/* x509.c: the X.509 layer's issuing side on GnuTLS (spec/keyvault-certificates.md §1, §6): the
 * self-signed certificate and the PKCS#10 request a policy describes, the policy subject's
 * distinguished name, and the helpers x509-read.c and x509-write.c share (x509-int.h): key
 * conversion between struct mv_keymat and GnuTLS, the leaf match, calendar months, x5t. Every
 * ASN.1 structure is encoded by GnuTLS (x509-ext.h exporters, crt/crq setters). */
#include "x509-int.h"

#include "cx-base64.h"
#include "cx-mem.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/x509-ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define OID_SAN "2.5.29.17"
#define OID_UPN "1.3.6.1.4.1.311.20.2.3"

/* ---- shared helpers (x509-int.h) ---- */

void mv_x509_datum_wipe(gnutls_datum_t *d)
{
    if (d->data) {
        cx_wipe(d->data, d->size);
        gnutls_free(d->data);
    }
    d->data = NULL;
    d->size = 0;
}

void mv_x509_x5t(const unsigned char *der, size_t len, char out[28])
{
    unsigned char sha1[20];
    char *b64;

    out[0] = '\0';
    if (gnutls_hash_fast(GNUTLS_DIG_SHA1, der, len, sha1) < 0)
        return;
    b64 = cx_b64url_encode(sha1, sizeof sha1);
    if (b64 && strlen(b64) == 27)
        memcpy(out, b64, 28);
    free(b64);
}

enum mv_x509_err mv_x509_to_gnutls(const struct mv_keymat *km, gnutls_x509_privkey_t *out)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    gnutls_x509_privkey_t key = NULL;
    enum mv_x509_err err = MV_X509_NOMEM;
    enum mv_km_err kerr;

    *out = NULL;
    /* GnuTLS has no secp256k1: such a certificate cannot be signed or packed here. */
    if (mv_keymat_kty(km) == MV_KTY_EC && mv_keymat_crv(km) == MV_CRV_P256K)
        return MV_X509_UNSUPPORTED;
    kerr = mv_keymat_pkcs8(km, &der, &der_len);
    if (kerr != MV_KM_OK) {
        err = kerr == MV_KM_NOMEM ? MV_X509_NOMEM : MV_X509_INVALID;
        goto out;
    }
    if (gnutls_x509_privkey_init(&key) < 0)
        goto out;
    gnutls_datum_t d = {der, (unsigned)der_len};
    if (gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_DER) < 0) {
        err = MV_X509_INVALID;
        goto out;
    }
    *out = key;
    key = NULL;
    err = MV_X509_OK;
out:
    if (der)
        cx_wipe_free(der, der_len);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return err;
}

enum mv_x509_err mv_x509_to_privkey(const struct mv_keymat *km, gnutls_privkey_t *out)
{
    gnutls_x509_privkey_t key = NULL;
    enum mv_x509_err err;

    *out = NULL;
    err = mv_x509_to_gnutls(km, &key);
    if (err != MV_X509_OK)
        return err;
    if (gnutls_privkey_init(out) < 0) {
        gnutls_x509_privkey_deinit(key);
        return MV_X509_NOMEM;
    }
    if (gnutls_privkey_import_x509(*out, key, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE) < 0) {
        gnutls_privkey_deinit(*out);
        gnutls_x509_privkey_deinit(key);
        *out = NULL;
        return MV_X509_INVALID;
    }
    return MV_X509_OK;
}

enum mv_x509_err mv_x509_from_gnutls(gnutls_x509_privkey_t key, struct mv_keymat **out)
{
    gnutls_datum_t pem = {NULL, 0};
    enum mv_x509_err err = MV_X509_NOMEM;

    *out = NULL;
    if (gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &pem) <
        0)
        goto out;
    switch (mv_keymat_import_pem((const char *)pem.data, pem.size, out)) {
    case MV_KM_OK: err = MV_X509_OK; break;
    case MV_KM_NOMEM: break;
    case MV_KM_UNSUPPORTED: err = MV_X509_UNSUPPORTED; break;
    default: /* an RSA size or curve the keys family does not take */ err = MV_X509_INVALID; break;
    }
out:
    mv_x509_datum_wipe(&pem);
    return err;
}

/* a and b equal as unsigned big-endian integers (leading zero bytes ignored). */
static bool same_uint(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    while (alen && !a[0])
        a++, alen--;
    while (blen && !b[0])
        b++, blen--;
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

enum mv_crv mv_x509_crv_of(gnutls_ecc_curve_t c)
{
    switch (c) {
    case GNUTLS_ECC_CURVE_SECP256R1: return MV_CRV_P256;
    case GNUTLS_ECC_CURVE_SECP384R1: return MV_CRV_P384;
    case GNUTLS_ECC_CURVE_SECP521R1: return MV_CRV_P521;
    default: return MV_CRV_NONE;
    }
}

bool mv_x509_crt_matches(gnutls_x509_crt_t crt, const struct mv_keymat *km)
{
    struct mv_jwk_out pub = {0};
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    gnutls_ecc_curve_t curve;
    bool ok = false;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt, NULL);

    if (!km || mv_keymat_public(km, &pub) != MV_KM_OK)
        goto out;
    if (pk == GNUTLS_PK_RSA && pub.kty == MV_KTY_RSA) {
        if (gnutls_x509_crt_get_pk_rsa_raw(crt, &a, &b) < 0)
            goto out;
        ok = same_uint(a.data, a.size, pub.n, pub.n_len) &&
             same_uint(b.data, b.size, pub.e, pub.e_len);
    } else if (pk == GNUTLS_PK_EC && pub.kty == MV_KTY_EC) {
        if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &a, &b) < 0)
            goto out;
        ok = mv_x509_crv_of(curve) == pub.crv && same_uint(a.data, a.size, pub.x, pub.x_len) &&
             same_uint(b.data, b.size, pub.y, pub.y_len);
    }
out:
    gnutls_free(a.data);
    gnutls_free(b.data);
    mv_jwk_out_finish(&pub);
    return ok;
}

bool mv_x509_der_matches(const unsigned char *der, size_t len, const struct mv_keymat *km)
{
    gnutls_x509_crt_t crt = NULL;
    bool ok = false;

    if (gnutls_x509_crt_init(&crt) < 0)
        return false;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0)
        ok = mv_x509_crt_matches(crt, km);
    gnutls_x509_crt_deinit(crt);
    return ok;
}

bool mv_x509_bundle_add(struct mv_x509_bundle *b, const unsigned char *der, size_t len)
{
    unsigned char **certs = realloc(b->certs, (b->ncerts + 1) * sizeof *certs);
    if (!certs)
        return false;
    b->certs = certs;
    size_t *lens = realloc(b->cert_lens, (b->ncerts + 1) * sizeof *lens);
    if (!lens)
        return false;
    b->cert_lens = lens;
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    if (len)
        memcpy(copy, der, len);
    b->certs[b->ncerts] = copy;
    b->cert_lens[b->ncerts] = len;
    b->ncerts++;
    return true;
}

bool mv_x509_bundle_leaf_first(struct mv_x509_bundle *b)
{
    for (size_t i = 0; i < b->ncerts; i++) {
        if (!mv_x509_der_matches(b->certs[i], b->cert_lens[i], b->mat))
            continue;
        unsigned char *leaf = b->certs[i];
        size_t leaf_len = b->cert_lens[i];
        memmove(b->certs + 1, b->certs, i * sizeof *b->certs);
        memmove(b->cert_lens + 1, b->cert_lens, i * sizeof *b->cert_lens);
        b->certs[0] = leaf;
        b->cert_lens[0] = leaf_len;
        return true;
    }
    return false;
}

void mv_x509_bundle_finish(struct mv_x509_bundle *b)
{
    if (!b)
        return;
    mv_keymat_unref(b->mat);
    for (size_t i = 0; i < b->ncerts; i++)
        free(b->certs[i]);
    free(b->certs);
    free(b->cert_lens);
    memset(b, 0, sizeof *b);
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t mv_x509_add_months(int64_t t, int months)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm))
        return t;
    int64_t m = (int64_t)tm.tm_year * 12 + tm.tm_mon + months;
    int64_t year = m / 12, mon = m % 12;
    if (mon < 0)
        mon += 12, year--;
    int last = mdays[mon] + (mon == 1 && leap(year + 1900));
    tm.tm_year = (int)year;
    tm.tm_mon = (int)mon;
    if (tm.tm_mday > last)
        tm.tm_mday = last;
    return (int64_t)timegm(&tm);
}

/* ---- the policy subject (spec §2: "CN=x, O=y", as the service's .NET parser takes it) ---- */

/* The attribute names .NET's X500DistinguishedName reads and writes, each with its OID; the
 * first name listed for an OID is the one it writes (x509-read.c's subject string). */
static const struct {
    const char *name, *oid;
} dn_names[] = {
    {"CN", "2.5.4.3"},
    {"C", "2.5.4.6"},
    {"L", "2.5.4.7"},
    {"S", "2.5.4.8"},
    {"ST", "2.5.4.8"},
    {"STREET", "2.5.4.9"},
    {"O", "2.5.4.10"},
    {"OU", "2.5.4.11"},
    {"T", "2.5.4.12"},
    {"TITLE", "2.5.4.12"},
    {"SN", "2.5.4.4"},
    {"SERIALNUMBER", "2.5.4.5"},
    {"G", "2.5.4.42"},
    {"GN", "2.5.4.42"},
    {"GIVENNAME", "2.5.4.42"},
    {"I", "2.5.4.43"},
    {"INITIALS", "2.5.4.43"},
    {"E", "1.2.840.113549.1.9.1"},
    {"EMAIL", "1.2.840.113549.1.9.1"},
    {"EMAILADDRESS", "1.2.840.113549.1.9.1"},
    {"DC", "0.9.2342.19200300.100.1.25"},
};

const char *mv_x509_dn_name(const char *oid)
{
    for (size_t i = 0; i < sizeof dn_names / sizeof dn_names[0]; i++)
        if (strcmp(dn_names[i].oid, oid) == 0)
            return dn_names[i].name;
    return NULL;
}

/* One attribute of a subject string: oid and its unescaped value (owned). */
struct dn_attr {
    const char *oid;
    char *value;
};

static void dn_attrs_free(struct dn_attr *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i].value);
    free(a);
}

static const char *dn_oid(const char *key, size_t len, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof dn_names / sizeof dn_names[0]; i++)
        if (strlen(dn_names[i].name) == len && strncasecmp(dn_names[i].name, key, len) == 0)
            return dn_names[i].oid;
    /* "OID.1.2.3" or a bare dotted OID, when GnuTLS knows how to encode its value. */
    if (len > 4 && strncasecmp(key, "OID.", 4) == 0)
        key += 4, len -= 4;
    if (len == 0 || len >= buflen || strspn(key, "0123456789.") < len)
        return NULL;
    memcpy(buf, key, len);
    buf[len] = '\0';
    return gnutls_x509_dn_oid_known(buf) ? buf : NULL;
}

/* Splits s into attributes, in the string's order. Separators ',' and ';'; values trimmed, in
 * double quotes ("" for a quote, as .NET writes them) or with RFC 4514 backslash escapes. Returns
 * false for a malformed string or out of memory (*nomem set). */
static bool dn_parse(const char *s, struct dn_attr **out, size_t *n, char oidbuf[][64], bool *nomem)
{
    struct dn_attr *a = NULL;
    size_t cnt = 0;
    size_t slen = strlen(s);

    *out = NULL;
    *n = 0;
    *nomem = false;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *eq = strchr(s, '=');
        if (!eq || cnt >= 16)
            goto bad;
        size_t klen = (size_t)(eq - s);
        while (klen && s[klen - 1] == ' ')
            klen--;
        const char *oid = dn_oid(s, klen, oidbuf[cnt], 64);
        if (!oid)
            goto bad;
        char *v = malloc(slen + 1), *w = v;
        if (!v) {
            *nomem = true;
            goto bad;
        }
        const char *p = eq + 1;
        while (*p == ' ')
            p++;
        if (*p == '"') {
            for (p++;; p++) {
                if (!*p) {
                    free(v);
                    goto bad;
                }
                if (*p == '"' && p[1] == '"')
                    *w++ = *p++;
                else if (*p == '"')
                    break;
                else
                    *w++ = *p;
            }
            p++;
            while (*p == ' ')
                p++;
        } else {
            char *last_kept = v; /* trailing unescaped spaces are trimmed */
            for (; *p && *p != ',' && *p != ';'; p++) {
                if (*p == '\\' && p[1])
                    p++, *w++ = *p, last_kept = w;
                else if ((*w++ = *p) != ' ')
                    last_kept = w;
            }
            w = last_kept;
        }
        *w = '\0';
        if (*p && *p != ',' && *p != ';') {
            free(v);
            goto bad;
        }
        struct dn_attr *grown = realloc(a, (cnt + 1) * sizeof *a);
        if (!grown) {
            free(v);
            *nomem = true;
            goto bad;
        }
        a = grown;
        a[cnt].oid = oid;
        a[cnt].value = v;
        cnt++;
        s = *p ? p + 1 : p;
    }
    *out = a;
    *n = cnt;
    return true;
bad:
    dn_attrs_free(a, cnt);
    return false;
}

/* Sets the subject (and, for a certificate, the issuer) from the policy's subject string. The
 * string lists RDNs most specific first (RFC 4514, .NET), so they are set last to first to give
 * the DER order. GnuTLS picks PrintableString where the value allows it, UTF8String otherwise. */
static enum mv_x509_err set_subject(const char *subject, gnutls_x509_crt_t crt,
                                    gnutls_x509_crq_t crq)
{
    struct dn_attr *a = NULL;
    size_t n = 0;
    char oids[16][64];
    bool nomem;
    enum mv_x509_err err = MV_X509_INVALID;

    if (!subject || !*subject)
        return MV_X509_OK; /* an empty Name: a SAN-only certificate */
    if (!dn_parse(subject, &a, &n, oids, &nomem))
        return nomem ? MV_X509_NOMEM : MV_X509_INVALID;
    for (size_t i = n; i-- > 0;) {
        unsigned vlen = (unsigned)strlen(a[i].value);
        if (vlen == 0)
            goto out;
        if (crt && (gnutls_x509_crt_set_dn_by_oid(crt, a[i].oid, 0, a[i].value, vlen) < 0 ||
                    gnutls_x509_crt_set_issuer_dn_by_oid(crt, a[i].oid, 0, a[i].value, vlen) < 0))
            goto out;
        if (crq && gnutls_x509_crq_set_dn_by_oid(crq, a[i].oid, 0, a[i].value, vlen) < 0)
            goto out;
    }
    err = MV_X509_OK;
out:
    dn_attrs_free(a, n);
    return err;
}

/* ---- extensions ---- */

static const unsigned ku_bits[9] = {
    GNUTLS_KEY_DIGITAL_SIGNATURE, GNUTLS_KEY_NON_REPUDIATION, GNUTLS_KEY_KEY_ENCIPHERMENT,
    GNUTLS_KEY_DATA_ENCIPHERMENT, GNUTLS_KEY_KEY_AGREEMENT,   GNUTLS_KEY_KEY_CERT_SIGN,
    GNUTLS_KEY_CRL_SIGN,          GNUTLS_KEY_ENCIPHER_ONLY,   GNUTLS_KEY_DECIPHER_ONLY,
};

unsigned mv_x509_ku_to_gnutls(unsigned ku)
{
    unsigned g = 0;
    for (unsigned i = 0; i < 9; i++)
        if (ku & (1u << i))
            g |= ku_bits[i];
    return g;
}

unsigned mv_x509_ku_from_gnutls(unsigned g)
{
    unsigned ku = 0;
    for (unsigned i = 0; i < 9; i++)
        if (g & ku_bits[i])
            ku |= 1u << i;
    return ku;
}

/* One extension, encoded: the certificate and the request take the same list. */
struct ext {
    const char *oid;
    gnutls_datum_t der;
    bool critical;
};

struct ext_list {
    struct ext e[6];
    size_t n;
};

static void ext_list_free(struct ext_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        gnutls_free(l->e[i].der.data);
    l->n = 0;
}

static void ext_push(struct ext_list *l, const char *oid, gnutls_datum_t der, bool critical)
{
    l->e[l->n].oid = oid;
    l->e[l->n].der = der;
    l->e[l->n].critical = critical;
    l->n++;
}

static int san_add_list(gnutls_x509_crt_t s, const struct mv_strlist *l,
                        gnutls_x509_subject_alt_name_t t)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *v = l->items[i];
        int rc;
        if (!v || !*v)
            return GNUTLS_E_INVALID_REQUEST;
        if (t == GNUTLS_SAN_OTHERNAME) {
            rc = gnutls_x509_crt_set_subject_alt_othername(s, OID_UPN, v, (unsigned)strlen(v),
                                                           GNUTLS_FSAN_APPEND |
                                                               GNUTLS_FSAN_ENCODE_UTF8_STRING);
        } else if (t == GNUTLS_SAN_IPADDRESS) {
            unsigned char ip[16];
            unsigned iplen = 16;
            if (inet_pton(AF_INET, v, ip) == 1)
                iplen = 4;
            else if (inet_pton(AF_INET6, v, ip) != 1)
                return GNUTLS_E_INVALID_REQUEST;
            rc = gnutls_x509_crt_set_subject_alt_name(s, t, ip, iplen, GNUTLS_FSAN_APPEND);
        } else {
            rc = gnutls_x509_crt_set_subject_alt_name(s, t, v, (unsigned)strlen(v),
                                                      GNUTLS_FSAN_APPEND);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The SAN extension's DER, built on a scratch certificate (GnuTLS encodes a UPN otherName's
 * UTF8String only through the certificate setter). der->data NULL when the policy has none. */
static enum mv_x509_err san_der(const struct mv_cert_sans *sans, gnutls_datum_t *der)
{
    gnutls_x509_crt_t s = NULL;
    unsigned critical;
    enum mv_x509_err err = MV_X509_NOMEM;

    der->data = NULL;
    der->size = 0;
    if (!sans->present ||
        sans->dns_names.n + sans->emails.n + sans->upns.n + sans->uris.n + sans->ip_addresses.n ==
            0)
        return MV_X509_OK;
    if (gnutls_x509_crt_init(&s) < 0)
        goto out;
    err = MV_X509_INVALID;
    if (san_add_list(s, &sans->dns_names, GNUTLS_SAN_DNSNAME) < 0 ||
        san_add_list(s, &sans->emails, GNUTLS_SAN_RFC822NAME) < 0 ||
        san_add_list(s, &sans->upns, GNUTLS_SAN_OTHERNAME) < 0 ||
        san_add_list(s, &sans->uris, GNUTLS_SAN_URI) < 0 ||
        san_add_list(s, &sans->ip_addresses, GNUTLS_SAN_IPADDRESS) < 0)
        goto out;
    if (gnutls_x509_crt_get_extension_by_oid2(s, OID_SAN, 0, der, &critical) < 0)
        goto out;
    err = MV_X509_OK;
out:
    if (s)
        gnutls_x509_crt_deinit(s);
    return err;
}

/* The policy's extensions in the service's order (spec §6): KU (critical), BC, EKU, SAN (critical
 * when the subject is empty). The certificate adds AKI and SKI after them. */
static enum mv_x509_err policy_exts(const struct mv_cert_policy *p, struct ext_list *l)
{
    gnutls_datum_t d = {NULL, 0};
    gnutls_x509_key_purposes_t kp = NULL;
    enum mv_x509_err err = MV_X509_NOMEM;

    l->n = 0;
    if (p->key_usage) {
        if (gnutls_x509_ext_export_key_usage(mv_x509_ku_to_gnutls(p->key_usage), &d) < 0)
            goto out;
        ext_push(l, "2.5.29.15", d, true);
    }
    if (gnutls_x509_ext_export_basic_constraints(p->ca ? 1 : 0, -1, &d) < 0)
        goto out;
    ext_push(l, "2.5.29.19", d, false);
    if (p->ekus.n) {
        if (gnutls_x509_key_purpose_init(&kp) < 0)
            goto out;
        for (size_t i = 0; i < p->ekus.n; i++) {
            if (gnutls_x509_key_purpose_set(kp, p->ekus.items[i]) < 0) {
                err = MV_X509_INVALID;
                goto out;
            }
        }
        if (gnutls_x509_ext_export_key_purposes(kp, &d) < 0) {
            err = MV_X509_INVALID;
            goto out;
        }
        ext_push(l, "2.5.29.37", d, false);
    }
    err = san_der(&p->sans, &d);
    if (err != MV_X509_OK)
        goto out;
    if (d.data)
        ext_push(l, OID_SAN, d, !p->subject || !*p->subject);
    err = MV_X509_OK;
out:
    if (kp)
        gnutls_x509_key_purpose_deinit(kp);
    if (err != MV_X509_OK)
        ext_list_free(l);
    return err;
}

/* The subject key identifier: GnuTLS's SHA-1 key ID of the public key. */
static enum mv_x509_err key_id_exts(gnutls_x509_crt_t crt, struct ext_list *l)
{
    unsigned char id[20];
    size_t idlen = sizeof id;
    gnutls_x509_aki_t aki = NULL;
    gnutls_datum_t d = {NULL, 0};
    enum mv_x509_err err = MV_X509_NOMEM;

    if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &idlen) < 0 ||
        gnutls_x509_aki_init(&aki) < 0)
        goto out;
    gnutls_datum_t kid = {id, (unsigned)idlen};
    if (gnutls_x509_aki_set_id(aki, &kid) < 0 ||
        gnutls_x509_ext_export_authority_key_id(aki, &d) < 0)
        goto out;
    ext_push(l, "2.5.29.35", d, false);
    if (gnutls_x509_ext_export_subject_key_id(&kid, &d) < 0)
        goto out;
    ext_push(l, "2.5.29.14", d, false);
    err = MV_X509_OK;
out:
    if (aki)
        gnutls_x509_aki_deinit(aki);
    return err;
}

/* ---- issuing ---- */

/* *der = a malloc'd copy of d (GnuTLS's own buffer is freed by the caller). */
static enum mv_x509_err copy_datum(const gnutls_datum_t *d, unsigned char **der, size_t *der_len)
{
    *der = malloc(d->size);
    if (!*der)
        return MV_X509_NOMEM;
    memcpy(*der, d->data, d->size);
    *der_len = d->size;
    return MV_X509_OK;
}

enum mv_x509_err mv_x509_self_signed(const struct mv_cert_policy *p, const struct mv_keymat *km,
                                     int64_t now, unsigned char **der, size_t *der_len)
{
    gnutls_privkey_t key = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_x509_crt_t crt = NULL;
    struct ext_list exts = {.n = 0};
    gnutls_datum_t out = {NULL, 0};
    unsigned char serial[16];
    enum mv_x509_err err;

    *der = NULL;
    *der_len = 0;
    err = mv_x509_to_privkey(km, &key);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_x509_crt_init(&crt) < 0 || gnutls_pubkey_init(&pub) < 0 ||
        gnutls_pubkey_import_privkey(pub, key, 0, 0) < 0 ||
        gnutls_x509_crt_set_pubkey(crt, pub) < 0)
        goto out;
    /* A random positive serial of exactly 16 bytes: the top bit clear, the first byte non-zero
     * so DER keeps all 16. */
    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial) < 0)
        goto out;
    serial[0] &= 0x7f;
    if (serial[0] == 0)
        serial[0] = 0x01;
    if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof serial) < 0 ||
        gnutls_x509_crt_set_activation_time(crt, (time_t)(now - 600)) < 0 ||
        gnutls_x509_crt_set_expiration_time(
            crt, (time_t)mv_x509_add_months(now, p->validity_months)) < 0)
        goto out;
    err = set_subject(p->subject, crt, NULL);
    if (err != MV_X509_OK)
        goto out;
    err = policy_exts(p, &exts);
    if (err != MV_X509_OK)
        goto out;
    err = key_id_exts(crt, &exts);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_INVALID;
    for (size_t i = 0; i < exts.n; i++)
        if (gnutls_x509_crt_set_extension_by_oid(crt, exts.e[i].oid, exts.e[i].der.data,
                                                 exts.e[i].der.size, exts.e[i].critical) < 0)
            goto out;
    /* SHA-256 with the key's scheme: RSA PKCS#1 v1.5, ECDSA on every curve. */
    if (gnutls_x509_crt_privkey_sign(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out) < 0)
        goto out;
    err = copy_datum(&out, der, der_len);
out:
    gnutls_free(out.data);
    ext_list_free(&exts);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (key)
        gnutls_privkey_deinit(key);
    return err;
}

enum mv_x509_err mv_x509_csr(const struct mv_cert_policy *p, const struct mv_keymat *km,
                             unsigned char **der, size_t *der_len)
{
    gnutls_privkey_t key = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_x509_crq_t crq = NULL;
    struct ext_list exts = {.n = 0};
    gnutls_datum_t out = {NULL, 0};
    enum mv_x509_err err;

    *der = NULL;
    *der_len = 0;
    err = mv_x509_to_privkey(km, &key);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_x509_crq_init(&crq) < 0 || gnutls_pubkey_init(&pub) < 0 ||
        gnutls_pubkey_import_privkey(pub, key, 0, 0) < 0 ||
        gnutls_x509_crq_set_pubkey(crq, pub) < 0 || gnutls_x509_crq_set_version(crq, 1) < 0)
        goto out;
    err = set_subject(p->subject, NULL, crq);
    if (err != MV_X509_OK)
        goto out;
    /* The service's request lists KU, EKU, SAN, BC (spec §6): BC moves last. */
    err = policy_exts(p, &exts);
    if (err != MV_X509_OK)
        goto out;
    size_t bc = p->key_usage ? 1 : 0;
    struct ext moved = exts.e[bc];
    memmove(exts.e + bc, exts.e + bc + 1, (exts.n - bc - 1) * sizeof exts.e[0]);
    exts.e[exts.n - 1] = moved;
    err = MV_X509_INVALID;
    for (size_t i = 0; i < exts.n; i++)
        if (gnutls_x509_crq_set_extension_by_oid(crq, exts.e[i].oid, exts.e[i].der.data,
                                                 exts.e[i].der.size, exts.e[i].critical) < 0)
            goto out;
    if (gnutls_x509_crq_privkey_sign(crq, key, GNUTLS_DIG_SHA256, 0) < 0)
        goto out;
    err = MV_X509_NOMEM;
    if (gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &out) < 0)
        goto out;
    err = copy_datum(&out, der, der_len);
out:
    gnutls_free(out.data);
    ext_list_free(&exts);
    if (crq)
        gnutls_x509_crq_deinit(crq);
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (key)
        gnutls_privkey_deinit(key);
    return err;
}
