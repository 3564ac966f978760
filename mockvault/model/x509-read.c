/* x509-read.c: what comes in (spec/keyvault-certificates.md §3 ImportCertificate and
 * MergeCertificate): a certificate's properties as an import derives them, PKCS#12 and PEM uploads
 * taken apart with GnuTLS's PKCS#12, PKCS#8 and X.509 readers, and the x5c chain of a merge (DER,
 * base64 text of a DER, PEM, or a PKCS#7 bundle). */
#include "x509-int.h"

#include "cx-base64.h"
#include "cx-mem.h"

#include <arpa/inet.h>
#include <gnutls/pkcs12.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509-ext.h>
#include <stdlib.h>
#include <string.h>

#define OID_SAN "2.5.29.17"

/* ---- properties ---- */

static bool strlist_push(struct mv_strlist *l, const char *s, size_t len)
{
    char **items = realloc(l->items, (l->n + 1) * sizeof *items);
    if (!items)
        return false;
    l->items = items;
    char *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, s, len);
    copy[len] = '\0';
    l->items[l->n++] = copy;
    return true;
}

static void strlist_free(struct mv_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void mv_x509_props_finish(struct mv_x509_props *p)
{
    if (!p)
        return;
    free(p->subject);
    strlist_free(&p->sans.emails);
    strlist_free(&p->sans.dns_names);
    strlist_free(&p->sans.upns);
    strlist_free(&p->sans.uris);
    strlist_free(&p->sans.ip_addresses);
    strlist_free(&p->ekus);
    memset(p, 0, sizeof *p);
}

/* A growing string; len excludes the NUL; ok false once an allocation failed. */
struct buf {
    char *s;
    size_t len, cap;
    bool ok;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (!b->ok)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->ok = false;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* A code point as UTF-8 (BMPString and UniversalString values). */
static void buf_utf8(struct buf *b, unsigned long c)
{
    char u[4];
    if (c < 0x80) {
        u[0] = (char)c;
        buf_add(b, u, 1);
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3f));
        buf_add(b, u, 2);
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | c >> 12), u[1] = (char)(0x80 | (c >> 6 & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f));
        buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | (c >> 18 & 0x07)), u[1] = (char)(0x80 | (c >> 12 & 0x3f));
        u[2] = (char)(0x80 | (c >> 6 & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f));
        buf_add(b, u, 4);
    }
}

/* An attribute value as text: string types as their characters; .NET quotes a value holding a
 * separator or an edge space, doubling its quotes. */
static void dn_value(struct buf *b, const gnutls_x509_ava_st *ava)
{
    struct buf v = {.ok = true};
    const unsigned char *d = ava->value.data;
    size_t n = ava->value.size;

    buf_add(&v, "", 0);
    if (ava->value_tag == 30) { /* BMPString */
        for (size_t i = 0; i + 1 < n; i += 2)
            buf_utf8(&v, (unsigned long)d[i] << 8 | d[i + 1]);
    } else if (ava->value_tag == 28) { /* UniversalString */
        for (size_t i = 0; i + 3 < n; i += 4)
            buf_utf8(&v, (unsigned long)d[i] << 24 | (unsigned long)d[i + 1] << 16 |
                             (unsigned long)d[i + 2] << 8 | d[i + 3]);
    } else {
        buf_add(&v, (const char *)d, n);
    }
    if (!v.ok) {
        b->ok = false;
        return;
    }
    bool quote =
        v.len == 0 || v.s[0] == ' ' || v.s[v.len - 1] == ' ' || strpbrk(v.s, ",+=\"\n<>#;") != NULL;
    if (!quote) {
        buf_add(b, v.s, v.len);
    } else {
        buf_str(b, "\"");
        for (size_t i = 0; i < v.len; i++)
            buf_add(b, v.s[i] == '"' ? "\"\"" : v.s + i, v.s[i] == '"' ? 2 : 1);
        buf_str(b, "\"");
    }
    free(v.s);
}

/* The subject as .NET's X500DistinguishedName.Name shows it (the policy subject of an import,
 * spec §2): RDNs last to first, ", " between them, " + " inside a multi-valued one. NULL in *out
 * for an empty Name. */
static enum mv_x509_err props_subject(gnutls_x509_crt_t crt, char **out)
{
    gnutls_x509_dn_t dn;
    struct buf b = {.ok = true};
    int nrdn = 0;
    gnutls_x509_ava_st ava;

    *out = NULL;
    if (gnutls_x509_crt_get_subject(crt, &dn) < 0)
        return MV_X509_INVALID;
    while (gnutls_x509_dn_get_rdn_ava(dn, nrdn, 0, &ava) == 0)
        nrdn++;
    for (int r = nrdn - 1; r >= 0; r--) {
        if (r != nrdn - 1)
            buf_str(&b, ", ");
        for (int a = 0; gnutls_x509_dn_get_rdn_ava(dn, r, a, &ava) == 0; a++) {
            char oid[128];
            size_t olen = ava.oid.size < sizeof oid - 1 ? ava.oid.size : sizeof oid - 1;
            memcpy(oid, ava.oid.data, olen);
            oid[olen] = '\0';
            const char *name = mv_x509_dn_name(oid);
            if (a)
                buf_str(&b, " + ");
            if (!name)
                buf_str(&b, "OID.");
            buf_str(&b, name ? name : oid);
            buf_str(&b, "=");
            dn_value(&b, &ava);
        }
    }
    if (!b.ok) {
        free(b.s);
        return MV_X509_NOMEM;
    }
    *out = b.s;
    return MV_X509_OK;
}

/* The SAN extension's names by kind, each kind in the certificate's order (present only when the
 * extension exists). */
static enum mv_x509_err props_sans(gnutls_x509_crt_t crt, struct mv_cert_sans *sans)
{
    gnutls_datum_t ext = {NULL, 0};
    gnutls_subject_alt_names_t names = NULL;
    unsigned critical;
    enum mv_x509_err err = MV_X509_NOMEM;
    int rc = gnutls_x509_crt_get_extension_by_oid2(crt, OID_SAN, 0, &ext, &critical);

    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        return MV_X509_OK;
    if (rc < 0 || gnutls_subject_alt_names_init(&names) < 0)
        goto out;
    if (gnutls_x509_ext_import_subject_alt_names(&ext, names, 0) < 0) {
        err = MV_X509_INVALID;
        goto out;
    }
    sans->present = true;
    sans->emails.present = sans->dns_names.present = sans->upns.present = true;
    sans->uris.present = sans->ip_addresses.present = true;
    for (unsigned i = 0;; i++) {
        unsigned type;
        gnutls_datum_t san, oid;
        bool ok = true;
        if (gnutls_subject_alt_names_get(names, i, &type, &san, &oid) < 0)
            break;
        if (type == GNUTLS_SAN_DNSNAME) {
            ok = strlist_push(&sans->dns_names, (const char *)san.data, san.size);
        } else if (type == GNUTLS_SAN_RFC822NAME) {
            ok = strlist_push(&sans->emails, (const char *)san.data, san.size);
        } else if (type == GNUTLS_SAN_URI) {
            ok = strlist_push(&sans->uris, (const char *)san.data, san.size);
        } else if (type == GNUTLS_SAN_IPADDRESS && (san.size == 4 || san.size == 16)) {
            char text[INET6_ADDRSTRLEN];
            if (inet_ntop(san.size == 4 ? AF_INET : AF_INET6, san.data, text, sizeof text))
                ok = strlist_push(&sans->ip_addresses, text, strlen(text));
        } else if (type == GNUTLS_SAN_OTHERNAME) {
            unsigned vtype;
            gnutls_datum_t virt = {NULL, 0};
            if (gnutls_x509_othername_to_virtual((const char *)oid.data, &san, &vtype, &virt) ==
                    0 &&
                vtype == GNUTLS_SAN_OTHERNAME_MSUSERPRINCIPAL)
                ok = strlist_push(&sans->upns, (const char *)virt.data, virt.size);
            gnutls_free(virt.data);
        }
        if (!ok)
            goto out;
    }
    err = MV_X509_OK;
out:
    if (names)
        gnutls_subject_alt_names_deinit(names);
    gnutls_free(ext.data);
    return err;
}

/* The smallest number of calendar months m with notBefore + m months >= notAfter. */
static int ceil_months(int64_t nb, int64_t na)
{
    if (na <= nb)
        return 0;
    int64_t days = (na - nb) / 86400;
    int m = (int)(days / 31); /* never more than the answer */
    if (m > 0)
        m--;
    while (mv_x509_add_months(nb, m) < na && m < 12 * 10000)
        m++;
    return m;
}

enum mv_x509_err mv_x509_props(const unsigned char *der, size_t len, struct mv_x509_props *out)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
    gnutls_ecc_curve_t curve;
    unsigned bits = 0, ku = 0, critical;
    enum mv_x509_err err = MV_X509_NOMEM;

    memset(out, 0, sizeof *out);
    if (gnutls_x509_crt_init(&crt) < 0)
        goto out;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
    err = MV_X509_INVALID;
    if (len == 0 || len > MV_X509_MAX_INPUT ||
        gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
        goto out;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    err = MV_X509_UNSUPPORTED;
    if (pk == GNUTLS_PK_RSA) {
        out->kty = MV_KTY_RSA;
        out->key_size = bits;
    } else if (pk == GNUTLS_PK_EC) {
        if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) < 0)
            goto out;
        out->kty = MV_KTY_EC;
        out->crv = mv_x509_crv_of(curve);
        out->key_size = out->crv == MV_CRV_P256 ? 256 : out->crv == MV_CRV_P384 ? 384 : 521;
        if (out->crv == MV_CRV_NONE)
            goto out;
    } else {
        goto out;
    }
    err = props_subject(crt, &out->subject);
    if (err == MV_X509_OK)
        err = props_sans(crt, &out->sans);
    if (err != MV_X509_OK)
        goto out;
    err = MV_X509_NOMEM;
    out->ekus.present = true;
    for (unsigned i = 0;; i++) {
        char oid[128];
        size_t olen = sizeof oid;
        if (gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &olen, &critical) < 0)
            break;
        if (!strlist_push(&out->ekus, oid, strlen(oid)))
            goto out;
    }
    if (gnutls_x509_crt_get_key_usage(crt, &ku, &critical) >= 0)
        out->key_usage = mv_x509_ku_from_gnutls(ku);
    unsigned ca = 0;
    int pathlen;
    out->ca = gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, &pathlen) >= 0 && ca;
    out->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
    out->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
    out->validity_months = ceil_months(out->not_before, out->not_after);
    err = MV_X509_OK;
out:
    gnutls_free(x.data);
    gnutls_free(y.data);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (err != MV_X509_OK)
        mv_x509_props_finish(out);
    return err;
}

/* ---- uploads ---- */

/* Takes the key of an upload: converts it, puts its certificate first. need_key false (a stored
 * value of a non-exportable certificate) lets a bundle without a key through. */
static enum mv_x509_err finish_upload(gnutls_x509_privkey_t key, struct mv_x509_bundle *b,
                                      bool need_key, enum mv_x509_err no_cert)
{
    enum mv_x509_err err;

    if (b->ncerts == 0)
        return no_cert;
    if (!key)
        return need_key ? MV_X509_NO_KEY : MV_X509_OK;
    err = mv_x509_from_gnutls(key, &b->mat);
    if (err != MV_X509_OK)
        return err;
    return mv_x509_bundle_leaf_first(b) ? MV_X509_OK : MV_X509_KEY_MISMATCH;
}

/* Adds a DER certificate after checking that GnuTLS reads it. */
static enum mv_x509_err add_der_cert(struct mv_x509_bundle *b, const gnutls_datum_t *d,
                                     enum mv_x509_err bad)
{
    gnutls_x509_crt_t crt = NULL;
    enum mv_x509_err err = MV_X509_NOMEM;

    if (gnutls_x509_crt_init(&crt) < 0)
        return MV_X509_NOMEM;
    if (gnutls_x509_crt_import(crt, d, GNUTLS_X509_FMT_DER) < 0)
        err = bad;
    else if (mv_x509_bundle_add(b, d->data, d->size))
        err = MV_X509_OK;
    gnutls_x509_crt_deinit(crt);
    return err;
}

/* PBE iteration counts above this are refused before any key derivation: an upload cannot make
 * the mock spend seconds per request (GnuTLS 3.7 writes 600000, OpenSSL 3's default is 2048, the
 * service's and the mock's own PKCS#12 use 2000). */
#define MAX_ITER 1000000u

/* The iteration count GnuTLS reports through an *_info function (rc its result, oid the OID it
 * may allocate even on failure, freed here) is acceptable; true when there is none to report. */
static bool iter_ok(int rc, unsigned iter, char *oid)
{
    gnutls_free(oid);
    /* A salt longer than the buffer hides the count: refused too. */
    if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
        return false;
    return rc < 0 || iter <= MAX_ITER;
}

static bool pkcs8_iter_ok(const gnutls_datum_t *d, gnutls_x509_crt_fmt_t fmt)
{
    unsigned schema, cipher, iter = 0, salt_size = 256;
    unsigned char salt[256];
    char *oid = NULL;
    int rc = gnutls_pkcs8_info(d, fmt, &schema, &cipher, salt, &salt_size, &iter, &oid);
    return iter_ok(rc, iter, oid);
}

static bool bag_iter_ok(gnutls_pkcs12_bag_t bag)
{
    unsigned schema, cipher, iter = 0, salt_size = 256;
    unsigned char salt[256];
    char *oid = NULL;
    int rc = gnutls_pkcs12_bag_enc_info(bag, &schema, &cipher, salt, &salt_size, &iter, &oid);
    return iter_ok(rc, iter, oid);
}

/* One bag's contents: the first key (decrypted with pass) and every certificate. */
static enum mv_x509_err read_bag(gnutls_pkcs12_bag_t bag, const char *pass,
                                 gnutls_x509_privkey_t *key, struct mv_x509_bundle *out)
{
    int n = gnutls_pkcs12_bag_get_count(bag);
    enum mv_x509_err err;

    if (n < 0)
        return MV_X509_BAD_PKCS12;
    for (int i = 0; i < n; i++) {
        gnutls_datum_t data;
        int type = gnutls_pkcs12_bag_get_type(bag, (unsigned)i);
        if (gnutls_pkcs12_bag_get_data(bag, (unsigned)i, &data) < 0)
            return MV_X509_BAD_PKCS12;
        if (type == GNUTLS_BAG_CERTIFICATE) {
            err = add_der_cert(out, &data, MV_X509_BAD_PKCS12);
            if (err != MV_X509_OK)
                return err;
        } else if ((type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY || type == GNUTLS_BAG_PKCS8_KEY) &&
                   !*key) {
            if (type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY &&
                !pkcs8_iter_ok(&data, GNUTLS_X509_FMT_DER))
                return MV_X509_BAD_PKCS12;
            if (gnutls_x509_privkey_init(key) < 0)
                return MV_X509_NOMEM;
            int rc = gnutls_x509_privkey_import_pkcs8(
                *key, &data, GNUTLS_X509_FMT_DER, pass,
                type == GNUTLS_BAG_PKCS8_KEY ? GNUTLS_PKCS_PLAIN : 0);
            if (rc < 0)
                return rc == GNUTLS_E_ECC_UNSUPPORTED_CURVE ? MV_X509_UNSUPPORTED
                                                            : MV_X509_BAD_PKCS12;
        }
    }
    return MV_X509_OK;
}

/* The PKCS#12 with one password candidate: MAC (when present), bags, keys. */
static enum mv_x509_err pkcs12_with(gnutls_pkcs12_t p12, const char *pass, bool need_key,
                                    struct mv_x509_bundle *out)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_pkcs12_bag_t bag = NULL;
    unsigned mac, iter = 0, salt_size = 256;
    unsigned char salt[256];
    char *oid = NULL;
    enum mv_x509_err err = MV_X509_BAD_PKCS12;

    int rc = gnutls_pkcs12_mac_info(p12, &mac, salt, &salt_size, &iter, &oid);
    if (!iter_ok(rc, iter, oid) || (rc >= 0 && gnutls_pkcs12_verify_mac(p12, pass) < 0))
        goto out;
    for (unsigned idx = 0;; idx++) {
        if (gnutls_pkcs12_bag_init(&bag) < 0) {
            err = MV_X509_NOMEM;
            goto out;
        }
        rc = gnutls_pkcs12_get_bag(p12, (int)idx, bag);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (rc < 0 || idx > 64)
            goto out;
        if (gnutls_pkcs12_bag_get_type(bag, 0) == GNUTLS_BAG_ENCRYPTED &&
            (!bag_iter_ok(bag) || gnutls_pkcs12_bag_decrypt(bag, pass) < 0))
            goto out;
        err = read_bag(bag, pass, &key, out);
        if (err != MV_X509_OK)
            goto out;
        err = MV_X509_BAD_PKCS12;
        gnutls_pkcs12_bag_deinit(bag);
        bag = NULL;
    }
    err = finish_upload(key, out, need_key, MV_X509_BAD_PKCS12);
out:
    if (bag)
        gnutls_pkcs12_bag_deinit(bag);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return err;
}

enum mv_x509_err mv_x509_read_pkcs12_opt(const unsigned char *der, size_t len, const char *pwd,
                                         bool need_key, struct mv_x509_bundle *out)
{
    gnutls_pkcs12_t p12 = NULL;
    enum mv_x509_err err = MV_X509_BAD_PKCS12;

    memset(out, 0, sizeof *out);
    if (len == 0 || len > MV_X509_MAX_INPUT)
        return MV_X509_BAD_PKCS12;
    if (gnutls_pkcs12_init(&p12) < 0)
        return MV_X509_NOMEM;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
    if (gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0) < 0)
        goto out;
    /* No password: PKCS#12 tells the empty password (BMPString "\0\0") from no password at all,
     * and writers use both; the service's own PFX uses the empty one. */
    const char *tries[2] = {pwd && *pwd ? pwd : "", NULL};
    for (int t = 0; t < (pwd && *pwd ? 1 : 2); t++) {
        err = pkcs12_with(p12, tries[t], need_key, out);
        if (err != MV_X509_BAD_PKCS12)
            break;
        mv_x509_bundle_finish(out);
    }
out:
    if (err != MV_X509_OK)
        mv_x509_bundle_finish(out);
    gnutls_pkcs12_deinit(p12);
    return err;
}

enum mv_x509_err mv_x509_read_pkcs12(const unsigned char *der, size_t len, const char *pwd,
                                     struct mv_x509_bundle *out)
{
    return mv_x509_read_pkcs12_opt(der, len, pwd, true, out);
}

/* Every certificate of a PEM text (NUL-terminated copy), in order. */
static enum mv_x509_err pem_certs(const gnutls_datum_t *text, struct mv_x509_bundle *out,
                                  enum mv_x509_err bad)
{
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    enum mv_x509_err err = bad;

    if (gnutls_x509_crt_list_import2(&list, &n, text, GNUTLS_X509_FMT_PEM, 0) < 0 || n == 0)
        goto out;
    for (unsigned i = 0; i < n; i++) {
        gnutls_datum_t der = {NULL, 0};
        if (gnutls_x509_crt_export2(list[i], GNUTLS_X509_FMT_DER, &der) < 0 ||
            !mv_x509_bundle_add(out, der.data, der.size)) {
            gnutls_free(der.data);
            err = MV_X509_NOMEM;
            goto out;
        }
        gnutls_free(der.data);
    }
    err = MV_X509_OK;
out:
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    return err;
}

/* A NUL-terminated copy for GnuTLS's PEM readers, which run string functions over their input
 * (fuzz/fuzz-keymat found a read past the end without the NUL). Wiped by the caller. */
static bool nul_copy(const void *p, size_t len, gnutls_datum_t *d)
{
    d->data = malloc(len + 1);
    if (!d->data)
        return false;
    memcpy(d->data, p, len);
    d->data[len] = '\0';
    d->size = (unsigned)len;
    return true;
}

enum mv_x509_err mv_x509_read_pem(const char *pem, size_t len, const char *pwd,
                                  struct mv_x509_bundle *out)
{
    gnutls_datum_t text = {NULL, 0};
    gnutls_x509_privkey_t key = NULL;
    enum mv_x509_err err = MV_X509_BAD_PEM;
    static const char plain[] = "-----BEGIN PRIVATE KEY-----";
    static const char enc[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

    memset(out, 0, sizeof *out);
    /* The service takes LF line ends only and PKCS#8 keys only (spec §3 Import errors). */
    if (len == 0 || len > MV_X509_MAX_INPUT || memchr(pem, '\r', len) || memchr(pem, '\0', len))
        return MV_X509_BAD_PEM;
    if (!nul_copy(pem, len, &text))
        return MV_X509_NOMEM;
    const char *s = (const char *)text.data;
    if (strstr(s, "-----BEGIN RSA PRIVATE KEY-----") || strstr(s, "-----BEGIN EC PRIVATE KEY-----"))
        goto out;
    err = pem_certs(&text, out, MV_X509_BAD_PEM);
    if (err != MV_X509_OK)
        goto out;
    const char *k = strstr(s, enc);
    bool encrypted = k != NULL;
    if (!k)
        k = strstr(s, plain);
    if (k) {
        err = MV_X509_NOMEM;
        if (gnutls_x509_privkey_init(&key) < 0)
            goto out;
        gnutls_datum_t kd = {(unsigned char *)k, (unsigned)(len - (size_t)(k - s))};
        if (encrypted && !pkcs8_iter_ok(&kd, GNUTLS_X509_FMT_PEM)) {
            err = MV_X509_BAD_PEM;
            goto out;
        }
        int rc = gnutls_x509_privkey_import_pkcs8(key, &kd, GNUTLS_X509_FMT_PEM,
                                                  encrypted ? (pwd ? pwd : "") : NULL,
                                                  encrypted ? 0 : GNUTLS_PKCS_PLAIN);
        if (rc < 0) {
            err = rc == GNUTLS_E_ECC_UNSUPPORTED_CURVE ? MV_X509_UNSUPPORTED : MV_X509_BAD_PEM;
            goto out;
        }
    }
    err = finish_upload(key, out, true, MV_X509_BAD_PEM);
out:
    if (key)
        gnutls_x509_privkey_deinit(key);
    if (text.data)
        cx_wipe_free(text.data, text.size + 1);
    if (err != MV_X509_OK)
        mv_x509_bundle_finish(out);
    return err;
}

/* ---- merge ---- */

static bool is_pem(const unsigned char *d, size_t len)
{
    while (len && (*d == ' ' || *d == '\n' || *d == '\r' || *d == '\t'))
        d++, len--;
    return len >= 10 && memcmp(d, "-----BEGIN", 10) == 0;
}

/* A PKCS#7 (P7B) bundle's certificates, in its order. */
static enum mv_x509_err p7_certs(const gnutls_datum_t *d, gnutls_x509_crt_fmt_t fmt,
                                 struct mv_x509_bundle *out)
{
    gnutls_pkcs7_t p7 = NULL;
    enum mv_x509_err err = MV_X509_NOMEM;

    if (gnutls_pkcs7_init(&p7) < 0)
        return MV_X509_NOMEM;
    int n;
    if (gnutls_pkcs7_import(p7, d, fmt) < 0 || (n = gnutls_pkcs7_get_crt_count(p7)) <= 0) {
        err = MV_X509_INVALID;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        gnutls_datum_t c = {NULL, 0};
        if (gnutls_pkcs7_get_crt_raw2(p7, (unsigned)i, &c) < 0) {
            err = MV_X509_INVALID;
            goto out;
        }
        err = add_der_cert(out, &c, MV_X509_INVALID);
        gnutls_free(c.data);
        if (err != MV_X509_OK)
            goto out;
    }
    err = MV_X509_OK;
out:
    gnutls_pkcs7_deinit(p7);
    return err;
}

/* One x5c item: PEM (certificates or a PKCS7 block), DER (a certificate or a PKCS#7), or, once,
 * the base64 text of either (what the Python SDK sends, spec §3 MergeCertificate). */
static enum mv_x509_err merge_item(const unsigned char *d, size_t len, bool allow_b64,
                                   struct mv_x509_bundle *out)
{
    gnutls_datum_t text = {NULL, 0};
    enum mv_x509_err err = MV_X509_INVALID;

    if (len == 0 || len > MV_X509_MAX_INPUT)
        return MV_X509_INVALID;
    if (is_pem(d, len)) {
        if (memchr(d, '\0', len))
            return MV_X509_INVALID;
        if (!nul_copy(d, len, &text))
            return MV_X509_NOMEM;
        if (strstr((const char *)text.data, "-----BEGIN PKCS7-----"))
            err = p7_certs(&text, GNUTLS_X509_FMT_PEM, out);
        else
            err = pem_certs(&text, out, MV_X509_INVALID);
        free(text.data);
        return err;
    }
    if (d[0] == 0x30) {
        gnutls_datum_t der = {(unsigned char *)d, (unsigned)len};
        size_t before = out->ncerts;
        err = add_der_cert(out, &der, MV_X509_INVALID);
        if (err == MV_X509_INVALID && out->ncerts == before)
            err = p7_certs(&der, GNUTLS_X509_FMT_DER, out);
        return err;
    }
    if (!allow_b64)
        return MV_X509_INVALID;
    size_t dlen = 0;
    unsigned char *dec = cx_b64_decode((const char *)d, len, CX_B64_PAD_OPTIONAL, &dlen);
    if (!dec)
        return MV_X509_INVALID;
    err = merge_item(dec, dlen, false, out);
    free(dec);
    return err;
}

enum mv_x509_err mv_x509_read_merge(const unsigned char *const *items, const size_t *lens, size_t n,
                                    struct mv_keymat *km, struct mv_x509_bundle *out)
{
    enum mv_x509_err err = MV_X509_INVALID;

    memset(out, 0, sizeof *out);
    if (n == 0 || n > 64 || !km)
        return MV_X509_INVALID;
    for (size_t i = 0; i < n; i++) {
        err = merge_item(items[i], lens[i], true, out);
        if (err != MV_X509_OK)
            goto out;
    }
    out->mat = mv_keymat_ref(km);
    err = mv_x509_bundle_leaf_first(out) ? MV_X509_OK : MV_X509_KEY_MISMATCH;
out:
    if (err != MV_X509_OK)
        mv_x509_bundle_finish(out);
    return err;
}
