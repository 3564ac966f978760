/* tls.c: the mock's own certificate authority and server certificate (GnuTLS X.509). */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tls-int.h"
#include "util.h"

/* PEM files we read are a few kilobytes; a bring-your-own chain may be longer, but not this
 * long. */
#define MAX_PEM_FILE (1024 * 1024)

#define DAY_SECONDS (24 * 60 * 60)
#define CA_LIFETIME_DAYS (10 * 365)
#define LEAF_LIFETIME_DAYS 365

static const char ca_cn[] = "mockvault local CA";

/* A name the CA must never permit; if a stored CA does, its constraints are too broad (or empty)
 * and it is replaced. The .invalid TLD is reserved, so no --san name can legitimately match. */
static const char canary_name[] = "mockvault-canary.invalid";

static char *path_join(const char *dir, const char *file)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, file) < 0)
        p = NULL;
    return p;
}

static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    int rc = -1;
    struct stat st;

    if (!p)
        goto out;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            goto out;
        *s = '/';
    }
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
        goto out;
    if (stat(p, &st) < 0)
        goto out;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        goto out;
    }
    rc = 0;
out:
    free(p);
    return rc;
}

/* Copies a GnuTLS datum into a NUL-terminated heap string (caller frees), or NULL. */
static char *datum_strdup(const gnutls_datum_t *d)
{
    char *s = malloc((size_t)d->size + 1);
    if (s) {
        memcpy(s, d->data, d->size);
        s[d->size] = '\0';
    }
    return s;
}

/* Frees a heap string that held private key material, wiping it first. */
static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static int generate_ec_key(gnutls_x509_privkey_t *out)
{
    int ret = gnutls_x509_privkey_init(out);
    if (ret < 0) {
        *out = NULL;
        return ret;
    }
    /* P-256 takes milliseconds to generate, which keeps a cold start with a temp dir fast. */
    ret = gnutls_x509_privkey_generate(*out, GNUTLS_PK_ECDSA,
                                       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (ret < 0) {
        gnutls_x509_privkey_deinit(*out);
        *out = NULL;
    }
    return ret;
}

/* Exports key as unencrypted PKCS#8 PEM into a heap string the caller frees with free_secret. */
static char *export_key_pem(gnutls_x509_privkey_t key)
{
    gnutls_datum_t d = {NULL, 0};
    char *s = NULL;

    if (gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d) >=
        0)
        s = datum_strdup(&d);
    if (d.data) {
        gnutls_memset(d.data, 0, d.size);
        gnutls_free(d.data);
    }
    return s;
}

static char *export_crt_pem(gnutls_x509_crt_t crt)
{
    gnutls_datum_t d = {NULL, 0};
    char *s = NULL;

    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) >= 0)
        s = datum_strdup(&d);
    gnutls_free(d.data);
    return s;
}

/* Sets the fields every certificate we issue shares: version 3, a random serial, subject CN,
 * public key, validity from a day ago (so clocks a little behind still accept it) for the given
 * number of days, and a subject key id. Returns 0 or a GnuTLS error. */
static int init_crt_common(gnutls_x509_crt_t crt, const char *cn, gnutls_x509_privkey_t key,
                           int days)
{
    unsigned char serial[16], kid[64];
    size_t kid_size = sizeof kid;
    time_t now = time(NULL);
    int ret;

    /* Serials come from the system generator even under --seed: two certificates from one issuer
     * with the same serial make browsers refuse both. A clear top bit keeps the DER integer
     * positive at full length. */
    if ((ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
        return ret;
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);

    if ((ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (ret = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                             (unsigned)strlen(cn))) < 0 ||
        (ret = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (ret = gnutls_x509_crt_set_activation_time(crt, now - DAY_SECONDS)) < 0 ||
        (ret = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * DAY_SECONDS)) < 0 ||
        (ret = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, kid, &kid_size)) < 0 ||
        (ret = gnutls_x509_crt_set_subject_key_id(crt, kid, kid_size)) < 0)
        return ret;
    return 0;
}

/* Makes a new self-signed CA for key whose constraints cover names. Returns 0 or a GnuTLS
 * error; on success *out is the certificate (caller deinits). */
static int make_ca(gnutls_x509_privkey_t key, const struct cert_name *names, size_t n,
                   gnutls_x509_crt_t *out)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_x509_name_constraints_t nc = NULL;
    int ret;

    if ((ret = gnutls_x509_crt_init(&crt)) < 0) {
        crt = NULL;
        goto out;
    }
    if ((ret = gnutls_x509_name_constraints_init(&nc)) < 0) {
        nc = NULL;
        goto out;
    }
    /* pathLen 0: the CA signs server certificates only, never another CA that could escape the
     * name constraints' intent. Both extensions are critical (gnutls marks them so). */
    if ((ret = init_crt_common(crt, ca_cn, key, CA_LIFETIME_DAYS)) < 0 ||
        (ret = gnutls_x509_crt_set_basic_constraints(crt, 1, 0)) < 0 ||
        (ret = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) <
            0 ||
        (ret = tls_fill_constraints(nc, names, n)) < 0 ||
        (ret = gnutls_x509_crt_set_name_constraints(crt, nc, 1)) < 0 ||
        (ret = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
        goto out;
    *out = crt;
    crt = NULL;
out:
    if (nc)
        gnutls_x509_name_constraints_deinit(nc);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return ret;
}

/* Why a stored CA cannot be reused, or NULL when it can. The reason (no secrets in it) is written
 * into buf. */
static const char *ca_unusable(gnutls_x509_crt_t ca, gnutls_x509_privkey_t key,
                               const struct cert_name *names, size_t n, char *buf, size_t buflen)
{
    unsigned char id1[64], id2[64];
    size_t id1_size = sizeof id1, id2_size = sizeof id2;
    unsigned critical = 0, is_ca = 0;
    int pathlen = -1;
    gnutls_x509_name_constraints_t nc = NULL;
    const char *why = NULL;

    if (gnutls_x509_crt_get_key_id(ca, GNUTLS_KEYID_USE_SHA256, id1, &id1_size) < 0 ||
        gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id2, &id2_size) < 0 ||
        id1_size != id2_size || memcmp(id1, id2, id1_size) != 0) {
        why = "ca-key.pem does not belong to ca.pem";
        goto out;
    }
    if (gnutls_x509_crt_get_basic_constraints(ca, &critical, &is_ca, &pathlen) < 0 || !is_ca) {
        why = "ca.pem is not a CA certificate";
        goto out;
    }
    /* The server certificate lives a year; the CA must outlive it. */
    if (gnutls_x509_crt_get_expiration_time(ca) <
        time(NULL) + (LEAF_LIFETIME_DAYS + 1) * DAY_SECONDS) {
        why = "the CA expires within a year";
        goto out;
    }
    if (gnutls_x509_name_constraints_init(&nc) < 0) {
        nc = NULL;
        why = "out of memory";
        goto out;
    }
    if (gnutls_x509_crt_get_name_constraints(ca, nc, 0, &critical) < 0) {
        why = "the CA has no name constraints";
        goto out;
    }
    gnutls_datum_t canary = {(unsigned char *)canary_name, sizeof canary_name - 1};
    if (gnutls_x509_name_constraints_check(nc, GNUTLS_SAN_DNSNAME, &canary)) {
        why = "the CA's name constraints are too broad";
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        gnutls_datum_t d = tls_name_datum(&names[i]);
        if (gnutls_x509_name_constraints_check(nc, names[i].type, &d))
            continue;
        if (names[i].type == GNUTLS_SAN_DNSNAME) {
            snprintf(buf, buflen, "the CA does not permit %s", names[i].dns);
        } else {
            char ip[INET6_ADDRSTRLEN];
            inet_ntop(names[i].iplen == 4 ? AF_INET : AF_INET6, names[i].ip, ip, sizeof ip);
            snprintf(buf, buflen, "the CA does not permit %s", ip);
        }
        why = buf;
        goto out;
    }
out:
    if (nc)
        gnutls_x509_name_constraints_deinit(nc);
    return why;
}

static int import_key(const char *pem, gnutls_x509_privkey_t *out)
{
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    int ret = gnutls_x509_privkey_init(out);
    if (ret < 0) {
        *out = NULL;
        return ret;
    }
    ret = gnutls_x509_privkey_import2(*out, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (ret < 0) {
        gnutls_x509_privkey_deinit(*out);
        *out = NULL;
    }
    return ret;
}

static int import_crt(const char *pem, gnutls_x509_crt_t *out)
{
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    int ret = gnutls_x509_crt_init(out);
    if (ret < 0) {
        *out = NULL;
        return ret;
    }
    ret = gnutls_x509_crt_import(*out, &d, GNUTLS_X509_FMT_PEM);
    if (ret < 0) {
        gnutls_x509_crt_deinit(*out);
        *out = NULL;
    }
    return ret;
}

/* Loads the CA from t->dir, or makes (and saves) a new one when there is none or the stored one
 * cannot serve names. On success *ca and *ca_key are set (caller deinits) and t->ca_pem holds the
 * certificate exactly as saved. Returns 0, or -1 with a message in err. */
static int load_or_create_ca(struct mv_tls *t, const struct cert_name *names, size_t n,
                             gnutls_x509_crt_t *ca, gnutls_x509_privkey_t *ca_key, char *err,
                             size_t errlen)
{
    char *key_path = path_join(t->dir, "ca-key.pem");
    char *cert_text = NULL, *key_text = NULL, *new_key_pem = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_x509_privkey_t key = NULL;
    char reason_buf[320];
    const char *why = NULL;
    int rc = -1, ret;

    if (!key_path) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    cert_text = cx_read_file(t->ca_path, MAX_PEM_FILE, NULL);
    if (!cert_text && errno != ENOENT) {
        mv_set_err(err, errlen, "%s: %s", t->ca_path, strerror(errno));
        goto out;
    }
    key_text = cx_read_file(key_path, MAX_PEM_FILE, NULL);
    if (!key_text && errno != ENOENT) {
        mv_set_err(err, errlen, "%s: %s", key_path, strerror(errno));
        goto out;
    }

    if (cert_text && key_text) {
        if (import_crt(cert_text, &crt) < 0)
            why = "ca.pem is not a PEM certificate";
        else if (import_key(key_text, &key) < 0)
            why = "ca-key.pem is not an unencrypted PEM private key";
        else
            why = ca_unusable(crt, key, names, n, reason_buf, sizeof reason_buf);
        if (!why) {
            t->ca_pem = cert_text;
            cert_text = NULL;
            goto done;
        }
    } else if (cert_text || key_text) {
        why = cert_text ? "ca-key.pem is missing" : "ca.pem is missing";
    }
    if (why)
        fprintf(stderr, "mockvault: making a new CA in %s: %s\n", t->dir, why);

    if (crt) {
        gnutls_x509_crt_deinit(crt);
        crt = NULL;
    }
    if (key) {
        gnutls_x509_privkey_deinit(key);
        key = NULL;
    }
    if ((ret = generate_ec_key(&key)) < 0 || (ret = make_ca(key, names, n, &crt)) < 0) {
        mv_set_err(err, errlen, "tls: creating the CA: %s", gnutls_strerror(ret));
        goto out;
    }
    new_key_pem = export_key_pem(key);
    t->ca_pem = export_crt_pem(crt);
    if (!new_key_pem || !t->ca_pem) {
        mv_set_err(err, errlen, "tls: exporting the CA failed");
        goto out;
    }
    /* The key goes first: a crash between the two writes leaves a certificate that does not
     * match its key, which the next start detects and repairs. */
    if (cx_write_file_atomic(key_path, new_key_pem, strlen(new_key_pem), 0600) < 0) {
        mv_set_err(err, errlen, "%s: %s", key_path, strerror(errno));
        goto out;
    }
    if (cx_write_file_atomic(t->ca_path, t->ca_pem, strlen(t->ca_pem), 0644) < 0) {
        mv_set_err(err, errlen, "%s: %s", t->ca_path, strerror(errno));
        goto out;
    }
done:
    *ca = crt;
    *ca_key = key;
    crt = NULL;
    key = NULL;
    rc = 0;
out:
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    free(key_path);
    free(cert_text);
    free_secret(key_text);
    free_secret(new_key_pem);
    return rc;
}

/* Loads dir/server-key.pem, or makes and saves a new key (also when the file is unreadable as a
 * key). On success *key is set (caller deinits) and t->key_pem holds its PEM. Returns 0, or -1
 * with a message in err. */
static int load_or_create_server_key(struct mv_tls *t, gnutls_x509_privkey_t *key, char *err,
                                     size_t errlen)
{
    char *path = path_join(t->dir, "server-key.pem");
    char *text = NULL;
    gnutls_x509_privkey_t k = NULL;
    int rc = -1, ret;

    if (!path) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    text = cx_read_file(path, MAX_PEM_FILE, NULL);
    if (!text && errno != ENOENT) {
        mv_set_err(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (text && import_key(text, &k) >= 0) {
        t->key_pem = text;
        text = NULL;
    } else {
        if (text)
            fprintf(stderr, "mockvault: %s is not a usable key; making a new one\n", path);
        if ((ret = generate_ec_key(&k)) < 0) {
            mv_set_err(err, errlen, "tls: creating the server key: %s", gnutls_strerror(ret));
            goto out;
        }
        t->key_pem = export_key_pem(k);
        if (!t->key_pem) {
            mv_set_err(err, errlen, "tls: exporting the server key failed");
            goto out;
        }
        if (cx_write_file_atomic(path, t->key_pem, strlen(t->key_pem), 0600) < 0) {
            mv_set_err(err, errlen, "%s: %s", path, strerror(errno));
            goto out;
        }
    }
    *key = k;
    k = NULL;
    rc = 0;
out:
    if (k)
        gnutls_x509_privkey_deinit(k);
    free(path);
    free_secret(text);
    return rc;
}

/* Issues the server certificate for names, signed by the CA. Returns its PEM (caller frees) or
 * NULL with a message in err. */
static char *issue_leaf(gnutls_x509_crt_t ca, gnutls_x509_privkey_t ca_key,
                        gnutls_x509_privkey_t key, const struct cert_name *names, size_t n,
                        char *err, size_t errlen)
{
    gnutls_x509_crt_t crt = NULL;
    unsigned char aki[64];
    size_t aki_size = sizeof aki;
    unsigned critical = 0;
    char *pem = NULL;
    int ret;

    if ((ret = gnutls_x509_crt_init(&crt)) < 0) {
        crt = NULL;
        goto out;
    }
    if ((ret = init_crt_common(crt, "localhost", key, LEAF_LIFETIME_DAYS)) < 0 ||
        (ret = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (ret = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (ret = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
        goto out;
    /* Chain builders match the authority key id to the CA's subject key id. */
    if (gnutls_x509_crt_get_subject_key_id(ca, aki, &aki_size, &critical) >= 0 &&
        (ret = gnutls_x509_crt_set_authority_key_id(crt, aki, aki_size)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        gnutls_datum_t d = tls_name_datum(&names[i]);
        ret = gnutls_x509_crt_set_subject_alt_name(crt, names[i].type, d.data, d.size,
                                                   GNUTLS_FSAN_APPEND);
        if (ret < 0)
            goto out;
    }
    if ((ret = gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0)
        goto out;
    pem = export_crt_pem(crt);
out:
    if (!pem)
        mv_set_err(err, errlen, "tls: issuing the server certificate: %s",
                   ret < 0 ? gnutls_strerror(ret) : "out of memory");
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return pem;
}

/* The server certificate already in server_path (leaf, then the CA), when it still serves:
 * issued by this CA for this key and exactly these names, and valid for another 30 days. Reusing
 * it lets a start that changes nothing write nothing. Returns its text (caller frees) or NULL. */
static char *reusable_leaf(const char *server_path, const char *ca_pem, gnutls_x509_crt_t ca,
                           gnutls_x509_privkey_t key, const struct cert_name *names, size_t n)
{
    char *text = cx_read_file(server_path, MAX_PEM_FILE, NULL);
    gnutls_x509_crt_t crt = NULL;
    unsigned char id1[64], id2[64];
    size_t id1_size = sizeof id1, id2_size = sizeof id2, tl, cl = strlen(ca_pem);
    unsigned status = 1;
    bool ok = false;

    if (!text || import_crt(text, &crt) < 0)
        goto out;
    tl = strlen(text);
    ok = tl > cl && strcmp(text + tl - cl, ca_pem) == 0 &&
         gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id1, &id1_size) >= 0 &&
         gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id2, &id2_size) >= 0 &&
         id1_size == id2_size && memcmp(id1, id2, id1_size) == 0 &&
         gnutls_x509_crt_verify(crt, &ca, 1, 0, &status) >= 0 && status == 0 &&
         gnutls_x509_crt_get_expiration_time(crt) > time(NULL) + 30 * DAY_SECONDS &&
         tls_names_exactly(crt, names, n);
out:
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (!ok) {
        free(text);
        text = NULL;
    }
    return text;
}

int mv_tls_setup(const char *dir, const char *const *names, size_t nnames, struct mv_tls **out,
                 char *err, size_t errlen)
{
    struct mv_tls *t = NULL;
    struct cert_name *list = NULL;
    size_t nlist = 0;
    gnutls_x509_crt_t ca = NULL;
    gnutls_x509_privkey_t ca_key = NULL, key = NULL;
    char *leaf_pem = NULL, *server_path = NULL;
    int rc = -1;

    if (!out || (nnames > 0 && !names)) {
        mv_set_err(err, errlen, "tls: invalid arguments");
        goto out;
    }
    *out = NULL;
    if (tls_collect_names(names, nnames, &list, &nlist, err, errlen) < 0)
        goto out;

    t = calloc(1, sizeof *t);
    if (!t) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    if (dir) {
        t->dir = strdup(dir);
        if (!t->dir) {
            mv_set_err(err, errlen, "tls: out of memory");
            goto out;
        }
        if (make_dirs(dir) < 0) {
            mv_set_err(err, errlen, "%s: %s", dir, strerror(errno));
            goto out;
        }
    } else {
        t->dir = strdup("/tmp/mockvault-XXXXXX");
        if (!t->dir || !mkdtemp(t->dir)) {
            mv_set_err(err, errlen, "tls: creating a temporary directory: %s", strerror(errno));
            goto out;
        }
        t->owns_dir = 1;
    }
    t->ca_path = path_join(t->dir, "ca.pem");
    server_path = path_join(t->dir, "server.pem");
    if (!t->ca_path || !server_path) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }

    if (load_or_create_ca(t, list, nlist, &ca, &ca_key, err, errlen) < 0 ||
        load_or_create_server_key(t, &key, err, errlen) < 0)
        goto out;
    t->cert_pem = reusable_leaf(server_path, t->ca_pem, ca, key, list, nlist);
    if (t->cert_pem)
        goto done;
    leaf_pem = issue_leaf(ca, ca_key, key, list, nlist, err, errlen);
    if (!leaf_pem)
        goto out;
    if (asprintf(&t->cert_pem, "%s%s%s", leaf_pem,
                 leaf_pem[0] && leaf_pem[strlen(leaf_pem) - 1] != '\n' ? "\n" : "",
                 t->ca_pem) < 0) {
        t->cert_pem = NULL;
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    /* Kept so that the next start can reuse it (and for people who want to look at what is
     * served). */
    if (cx_write_file_atomic(server_path, t->cert_pem, strlen(t->cert_pem), 0644) < 0) {
        mv_set_err(err, errlen, "%s: %s", server_path, strerror(errno));
        goto out;
    }
done:
    *out = t;
    t = NULL;
    rc = 0;
out:
    mv_tls_destroy(t);
    if (ca)
        gnutls_x509_crt_deinit(ca);
    if (ca_key)
        gnutls_x509_privkey_deinit(ca_key);
    if (key)
        gnutls_x509_privkey_deinit(key);
    free(list);
    free(leaf_pem);
    free(server_path);
    return rc;
}

int mv_tls_load_files(const char *cert_file, const char *key_file, struct mv_tls **out, char *err,
                      size_t errlen)
{
    struct mv_tls *t = NULL;
    gnutls_certificate_credentials_t cred = NULL;
    int rc = -1, ret;

    if (!out || !cert_file || !key_file) {
        mv_set_err(err, errlen, "tls: invalid arguments");
        goto out;
    }
    *out = NULL;
    t = calloc(1, sizeof *t);
    if (!t) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    t->cert_pem = cx_read_file(cert_file, MAX_PEM_FILE, NULL);
    if (!t->cert_pem) {
        mv_set_err(err, errlen, "%s: %s", cert_file, strerror(errno));
        goto out;
    }
    t->key_pem = cx_read_file(key_file, MAX_PEM_FILE, NULL);
    if (!t->key_pem) {
        mv_set_err(err, errlen, "%s: %s", key_file, strerror(errno));
        goto out;
    }
    /* Loading the pair the way the TLS server will turns a wrong file or a key that does not
     * match the certificate into a clear startup error instead of failed handshakes later. */
    if ((ret = gnutls_certificate_allocate_credentials(&cred)) < 0) {
        cred = NULL;
        mv_set_err(err, errlen, "tls: %s", gnutls_strerror(ret));
        goto out;
    }
    gnutls_datum_t c = {(unsigned char *)t->cert_pem, (unsigned)strlen(t->cert_pem)};
    gnutls_datum_t k = {(unsigned char *)t->key_pem, (unsigned)strlen(t->key_pem)};
    ret = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (ret < 0) {
        mv_set_err(err, errlen, "%s, %s: not a usable certificate and key pair: %s", cert_file,
                   key_file, gnutls_strerror(ret));
        goto out;
    }
    t->ca_pem = strdup(t->cert_pem);
    t->ca_path = strdup(cert_file);
    if (!t->ca_pem || !t->ca_path) {
        mv_set_err(err, errlen, "tls: out of memory");
        goto out;
    }
    *out = t;
    t = NULL;
    rc = 0;
out:
    if (cred)
        gnutls_certificate_free_credentials(cred);
    mv_tls_destroy(t);
    return rc;
}

void mv_tls_destroy(struct mv_tls *t)
{
    static const char *const files[] = {"ca.pem", "ca-key.pem", "server-key.pem", "server.pem"};

    if (!t)
        return;
    /* Only a temp dir of our own is cleaned up, and only of the files this module writes: a
     * missing file is fine, and anything else someone put there keeps the directory alive. */
    if (t->owns_dir && t->dir) {
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char *p = path_join(t->dir, files[i]);
            if (p)
                unlink(p);
            free(p);
        }
        rmdir(t->dir);
    }
    free(t->dir);
    free(t->ca_path);
    free(t->ca_pem);
    free(t->cert_pem);
    free_secret(t->key_pem);
    free(t);
}
