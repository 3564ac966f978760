/* test-tls.c: unit tests for tls.c: CA, name constraints, server certificate, files, handshake. */
#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"
#include "util.h"
#include "testlib.h"

/* Each test gets a fresh base directory; the state dir inside it does not exist yet, so setup
 * has to create it. */
static char base[64];
static char state[96];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void dir_setup(void)
{
    snprintf(base, sizeof base, "/tmp/mv-test-tls-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(state, sizeof state, "%s/state", base);
}

static void dir_teardown(void)
{
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *const demo_names[] = {"demo.localhost"};

static struct mv_tls *setup_in(const char *dir, const char *const *names, size_t n)
{
    struct mv_tls *t = NULL;
    char err[256] = "";
    ck_assert_msg(mv_tls_setup(dir, names, n, &t, err, sizeof err) == 0, "setup: %s", err);
    ck_assert_ptr_nonnull(t);
    return t;
}

static gnutls_x509_crt_t parse_crt(const char *pem)
{
    gnutls_x509_crt_t c;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM), 0);
    return c;
}

/* The server chain: leaf first, then the CA. */
struct chain {
    gnutls_x509_crt_t *crts;
    unsigned n;
};

static struct chain parse_chain(const char *pem)
{
    struct chain c = {NULL, 0};
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    ck_assert_int_eq(gnutls_x509_crt_list_import2(&c.crts, &c.n, &d, GNUTLS_X509_FMT_PEM, 0), 0);
    return c;
}

static void free_chain(struct chain *c)
{
    for (unsigned i = 0; i < c->n; i++)
        gnutls_x509_crt_deinit(c->crts[i]);
    gnutls_free(c->crts);
}

/* Verification status of crts[0..n) against the CA in ca_pem (0 = trusted). */
static unsigned verify_against(const char *ca_pem, gnutls_x509_crt_t *crts, unsigned n)
{
    gnutls_x509_trust_list_t tl;
    gnutls_datum_t d = {(unsigned char *)ca_pem, (unsigned)strlen(ca_pem)};
    unsigned status = 0;
    ck_assert_int_eq(gnutls_x509_trust_list_init(&tl, 0), 0);
    ck_assert_int_eq(gnutls_x509_trust_list_add_trust_mem(tl, &d, NULL, GNUTLS_X509_FMT_PEM, 0, 0),
                     1);
    ck_assert_int_eq(gnutls_x509_trust_list_verify_crt(tl, crts, n, 0, &status, NULL), 0);
    gnutls_x509_trust_list_deinit(tl, 1);
    return status;
}

static mode_t file_mode(const char *dir, const char *name)
{
    char p[160];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    ck_assert_msg(stat(p, &st) == 0, "%s missing", p);
    return st.st_mode & 07777;
}

static char *read_in(const char *dir, const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    char *s = cx_read_file(p, 1 << 20, NULL);
    ck_assert_msg(s != NULL, "cannot read %s", p);
    return s;
}

START_TEST(files_and_modes)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    ck_assert_str_eq(t->dir, state);
    ck_assert_int_eq(t->owns_dir, 0);
    ck_assert_int_eq(file_mode(state, "."), 0700);
    ck_assert_int_eq(file_mode(state, "ca-key.pem"), 0600);
    ck_assert_int_eq(file_mode(state, "server-key.pem"), 0600);
    ck_assert_int_eq(file_mode(state, "ca.pem"), 0644);

    char want_path[160];
    snprintf(want_path, sizeof want_path, "%s/ca.pem", state);
    ck_assert_str_eq(t->ca_path, want_path);
    char *ca = read_in(state, "ca.pem");
    ck_assert_str_eq(ca, t->ca_pem);
    char *skey = read_in(state, "server-key.pem");
    ck_assert_str_eq(skey, t->key_pem);
    char *served = read_in(state, "server.pem");
    ck_assert_str_eq(served, t->cert_pem);
    /* The chain ends with the CA certificate. */
    size_t cl = strlen(t->cert_pem), al = strlen(t->ca_pem);
    ck_assert_uint_gt(cl, al);
    ck_assert_str_eq(t->cert_pem + cl - al, t->ca_pem);
    ck_assert_ptr_nonnull(strstr(t->key_pem, "PRIVATE KEY"));
    free(ca);
    free(skey);
    free(served);
    mv_tls_destroy(t);

    /* destroy leaves a directory it did not create alone. */
    ck_assert_int_eq(file_mode(state, "ca.pem"), 0644);
    mv_tls_destroy(NULL);
}
END_TEST

START_TEST(ca_shape)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    gnutls_x509_crt_t ca = parse_crt(t->ca_pem);
    unsigned critical = 0, is_ca = 0, usage = 0;
    int pathlen = -1;

    ck_assert_int_ge(gnutls_x509_crt_get_basic_constraints(ca, &critical, &is_ca, &pathlen), 0);
    ck_assert_uint_eq(is_ca, 1);
    ck_assert_uint_eq(critical, 1);
    ck_assert_int_eq(gnutls_x509_crt_get_key_usage(ca, &usage, &critical), 0);
    ck_assert_uint_eq(usage, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
    ck_assert_uint_eq(critical, 1);

    char cn[128];
    size_t cn_size = sizeof cn;
    ck_assert_int_eq(
        gnutls_x509_crt_get_dn_by_oid(ca, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_size), 0);
    ck_assert_str_eq(cn, "mockvault local CA");
    ck_assert_int_eq(gnutls_x509_crt_get_pk_algorithm(ca, NULL), GNUTLS_PK_ECDSA);

    unsigned char skid[64];
    size_t skid_size = sizeof skid;
    ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(ca, skid, &skid_size, &critical), 0);

    /* About ten years, starting in the past. */
    time_t now = time(NULL);
    ck_assert_int_lt(gnutls_x509_crt_get_activation_time(ca), now - 3600);
    ck_assert_int_gt(gnutls_x509_crt_get_expiration_time(ca), now + 9L * 365 * 86400);
    ck_assert_int_lt(gnutls_x509_crt_get_expiration_time(ca), now + 11L * 365 * 86400);

    /* Self-signed and valid by itself. */
    ck_assert_uint_eq(verify_against(t->ca_pem, &ca, 1), 0);
    gnutls_x509_crt_deinit(ca);
    mv_tls_destroy(t);
}
END_TEST

START_TEST(ca_name_constraints)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    gnutls_x509_crt_t ca = parse_crt(t->ca_pem);
    gnutls_x509_name_constraints_t nc;
    unsigned critical = 0;

    ck_assert_int_eq(gnutls_x509_name_constraints_init(&nc), 0);
    ck_assert_int_eq(gnutls_x509_crt_get_name_constraints(ca, nc, 0, &critical), 0);
    ck_assert_uint_eq(critical, 1);

    static const char *const want_dns[] = {
        "localhost",
        "vault.azure.net",
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "management.azure.com",
        "management.core.windows.net",
        "graph.microsoft.com",
        "sts.windows.net",
    };
    static const unsigned char v4[8] = {127, 0, 0, 0, 255, 0, 0, 0};
    unsigned char v6[32] = {[15] = 1};
    memset(v6 + 16, 0xff, 16);

    unsigned found_dns = 0, n_dns = 0, n_ip = 0;
    bool found_v4 = false, found_v6 = false;
    for (unsigned i = 0;; i++) {
        unsigned type = 0;
        gnutls_datum_t d;
        int ret = gnutls_x509_name_constraints_get_permitted(nc, i, &type, &d);
        if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        ck_assert_int_eq(ret, 0);
        if (type == GNUTLS_SAN_DNSNAME) {
            n_dns++;
            for (size_t j = 0; j < sizeof want_dns / sizeof want_dns[0]; j++) {
                if (d.size == strlen(want_dns[j]) && memcmp(d.data, want_dns[j], d.size) == 0)
                    found_dns |= 1u << j;
            }
        } else {
            ck_assert_uint_eq(type, GNUTLS_SAN_IPADDRESS);
            n_ip++;
            found_v4 |= d.size == 8 && memcmp(d.data, v4, 8) == 0;
            found_v6 |= d.size == 32 && memcmp(d.data, v6, 32) == 0;
        }
    }
    /* Exactly the documented subtrees: demo.localhost is already covered by localhost. */
    ck_assert_uint_eq(found_dns, (1u << 9) - 1);
    ck_assert_uint_eq(n_dns, 9);
    ck_assert(found_v4 && found_v6);
    ck_assert_uint_eq(n_ip, 2);

    static const char *const allowed[] = {
        "localhost",         "demo.localhost",      "x.vault.azure.net",
        "*.vault.azure.net", "graph.microsoft.com",
    };
    static const char *const refused[] = {
        "www.example.com",    "azure.net",           "evilvault.azure.net",
        "localhost.evil.com", "microsoftonline.com", "windows.net",
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        gnutls_datum_t d = {(unsigned char *)allowed[i], (unsigned)strlen(allowed[i])};
        ck_assert_msg(gnutls_x509_name_constraints_check(nc, GNUTLS_SAN_DNSNAME, &d), "%s",
                      allowed[i]);
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        gnutls_datum_t d = {(unsigned char *)refused[i], (unsigned)strlen(refused[i])};
        ck_assert_msg(!gnutls_x509_name_constraints_check(nc, GNUTLS_SAN_DNSNAME, &d), "%s",
                      refused[i]);
    }
    unsigned char ip[4] = {127, 1, 2, 3};
    gnutls_datum_t d = {ip, 4};
    ck_assert(gnutls_x509_name_constraints_check(nc, GNUTLS_SAN_IPADDRESS, &d));
    ip[0] = 10;
    ck_assert(!gnutls_x509_name_constraints_check(nc, GNUTLS_SAN_IPADDRESS, &d));

    gnutls_x509_name_constraints_deinit(nc);
    gnutls_x509_crt_deinit(ca);
    mv_tls_destroy(t);
}
END_TEST

START_TEST(leaf_verifies_and_matches)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    struct chain c = parse_chain(t->cert_pem);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_uint_eq(verify_against(t->ca_pem, c.crts, c.n), 0);
    ck_assert_uint_eq(verify_against(t->ca_pem, c.crts, 1), 0); /* the leaf alone, too */

    gnutls_x509_crt_t leaf = c.crts[0];
    static const char *const match[] = {
        "login.microsoftonline.com",
        "myvault.vault.azure.net",
        "localhost",
        "127.0.0.1",
        "::1",
        "demo.localhost",
        "login.windows.net",
        "login.microsoft.com",
        "management.azure.com",
        "management.core.windows.net",
        "graph.microsoft.com",
        "sts.windows.net",
        "MyVault.Vault.Azure.Net",
    };
    static const char *const no_match[] = {
        "www.example.com", "vault.azure.net", "a.b.vault.azure.net",
        "other.localhost", "127.0.0.2",       "login.microsoftonline.com.evil.com",
    };
    for (size_t i = 0; i < sizeof match / sizeof match[0]; i++)
        ck_assert_msg(gnutls_x509_crt_check_hostname(leaf, match[i]), "%s", match[i]);
    for (size_t i = 0; i < sizeof no_match / sizeof no_match[0]; i++)
        ck_assert_msg(!gnutls_x509_crt_check_hostname(leaf, no_match[i]), "%s", no_match[i]);

    unsigned critical = 0, is_ca = 1, usage = 0;
    int pathlen;
    ck_assert_int_ge(gnutls_x509_crt_get_basic_constraints(leaf, &critical, &is_ca, &pathlen), 0);
    ck_assert_uint_eq(is_ca, 0);
    ck_assert_int_eq(gnutls_x509_crt_get_key_usage(leaf, &usage, &critical), 0);
    ck_assert_uint_eq(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
    char oid[128];
    size_t oid_size = sizeof oid;
    ck_assert_int_eq(gnutls_x509_crt_get_key_purpose_oid(leaf, 0, oid, &oid_size, &critical), 0);
    ck_assert_str_eq(oid, GNUTLS_KP_TLS_WWW_SERVER);

    /* The authority key id names the CA's subject key id. */
    unsigned char aki[64], skid[64];
    size_t aki_size = sizeof aki, skid_size = sizeof skid;
    ck_assert_int_eq(gnutls_x509_crt_get_authority_key_id(leaf, aki, &aki_size, &critical), 0);
    ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(c.crts[1], skid, &skid_size, &critical), 0);
    ck_assert_uint_eq(aki_size, skid_size);
    ck_assert_mem_eq(aki, skid, aki_size);

    char cn[64];
    size_t cn_size = sizeof cn;
    ck_assert_int_eq(
        gnutls_x509_crt_get_dn_by_oid(leaf, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_size), 0);
    ck_assert_str_eq(cn, "localhost");

    /* A year, starting a day ago (give or take the test's own runtime). */
    time_t now = time(NULL);
    time_t start = gnutls_x509_crt_get_activation_time(leaf);
    time_t end = gnutls_x509_crt_get_expiration_time(leaf);
    ck_assert_int_le(start, now - 86400 + 60);
    ck_assert_int_ge(start, now - 86400 - 60);
    ck_assert_int_ge(end, now + 364L * 86400);
    ck_assert_int_le(end, now + 366L * 86400);

    /* The leaf fits inside the CA's constraints, for every name type it carries. */
    gnutls_x509_name_constraints_t nc;
    ck_assert_int_eq(gnutls_x509_name_constraints_init(&nc), 0);
    ck_assert_int_eq(gnutls_x509_crt_get_name_constraints(c.crts[1], nc, 0, &critical), 0);
    ck_assert(gnutls_x509_name_constraints_check_crt(nc, GNUTLS_SAN_DNSNAME, leaf));
    ck_assert(gnutls_x509_name_constraints_check_crt(nc, GNUTLS_SAN_IPADDRESS, leaf));
    gnutls_x509_name_constraints_deinit(nc);

    free_chain(&c);
    mv_tls_destroy(t);
}
END_TEST

/* Issues a certificate for one name (DNS or IPv4 literal) with the CA key from dir, as someone
 * who stole the key would. Caller deinits. */
static gnutls_x509_crt_t forge_leaf(const char *dir, const char *ca_pem, const char *name,
                                    bool is_ip)
{
    gnutls_x509_crt_t ca = parse_crt(ca_pem), crt;
    gnutls_x509_privkey_t ca_key, key;
    char *key_pem = read_in(dir, "ca-key.pem");
    gnutls_datum_t kd = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    unsigned char serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    time_t now = time(NULL);

    ck_assert_int_eq(gnutls_x509_privkey_init(&ca_key), 0);
    ck_assert_int_eq(gnutls_x509_privkey_import2(ca_key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    ck_assert_int_eq(gnutls_x509_privkey_init(&key), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(
                         key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_version(crt, 3), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key(crt, key), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_activation_time(crt, now - 60), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(crt, now + 86400), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
                                                   (unsigned)strlen(name)),
                     0);
    if (is_ip) {
        unsigned char ip[4];
        ck_assert_int_eq(inet_pton(AF_INET, name, ip), 1);
        ck_assert_int_eq(
            gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_SET),
            0);
    } else {
        ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
                                                              (unsigned)strlen(name),
                                                              GNUTLS_FSAN_SET),
                         0);
    }
    ck_assert_int_eq(gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0), 0);

    /* Hand back the certificate as a peer would see it: GnuTLS caches some fields (the raw
     * issuer name among them) at import, so a structure that was built in memory and signed
     * does not verify until it is exported and imported again. */
    gnutls_datum_t der = {NULL, 0};
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
    gnutls_x509_crt_deinit(crt);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER), 0);
    gnutls_free(der.data);

    gnutls_x509_privkey_deinit(key);
    gnutls_x509_privkey_deinit(ca_key);
    gnutls_x509_crt_deinit(ca);
    free(key_pem);
    return crt;
}

START_TEST(constraints_stop_other_sites)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    gnutls_x509_crt_t ca = parse_crt(t->ca_pem);
    gnutls_x509_name_constraints_t nc;
    unsigned critical;
    ck_assert_int_eq(gnutls_x509_name_constraints_init(&nc), 0);
    ck_assert_int_eq(gnutls_x509_crt_get_name_constraints(ca, nc, 0, &critical), 0);

    /* Control: a certificate the constraints allow verifies, so the forgery below fails for the
     * constraint and not for some mistake in how it was made. */
    gnutls_x509_crt_t ok = forge_leaf(state, t->ca_pem, "api.localhost", false);
    ck_assert(gnutls_x509_name_constraints_check_crt(nc, GNUTLS_SAN_DNSNAME, ok));
    ck_assert_uint_eq(verify_against(t->ca_pem, &ok, 1), 0);

    gnutls_x509_crt_t evil = forge_leaf(state, t->ca_pem, "www.example.com", false);
    ck_assert(!gnutls_x509_name_constraints_check_crt(nc, GNUTLS_SAN_DNSNAME, evil));
    unsigned status = verify_against(t->ca_pem, &evil, 1);
    ck_assert_uint_ne(status, 0);
    ck_assert(status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE);

    gnutls_x509_crt_t evil_ip = forge_leaf(state, t->ca_pem, "10.0.0.1", true);
    ck_assert(!gnutls_x509_name_constraints_check_crt(nc, GNUTLS_SAN_IPADDRESS, evil_ip));
    ck_assert_uint_ne(verify_against(t->ca_pem, &evil_ip, 1), 0);

    gnutls_x509_crt_deinit(ok);
    gnutls_x509_crt_deinit(evil);
    gnutls_x509_crt_deinit(evil_ip);
    gnutls_x509_name_constraints_deinit(nc);
    gnutls_x509_crt_deinit(ca);
    mv_tls_destroy(t);
}
END_TEST

START_TEST(second_setup_reuses_ca)
{
    struct mv_tls *t1 = setup_in(state, demo_names, 1);
    char *ca1 = strdup(t1->ca_pem), *key1 = strdup(t1->key_pem), *cert1 = strdup(t1->cert_pem);
    mv_tls_destroy(t1);

    struct mv_tls *t2 = setup_in(state, demo_names, 1);
    ck_assert_str_eq(t2->ca_pem, ca1);
    ck_assert_str_eq(t2->key_pem, key1);
    /* Same CA, key and names: the leaf on disk is reused, so a start that changes nothing
     * writes nothing (issue 9, item 9). */
    ck_assert_str_eq(t2->cert_pem, cert1);
    char *on_disk = read_in(state, "ca.pem");
    ck_assert_str_eq(on_disk, ca1);
    free(on_disk);
    mv_tls_destroy(t2);

    /* Names the CA already covers (or none at all) keep it too. */
    static const char *const covered[] = {"other.localhost", "127.0.0.9", "x.vault.azure.net"};
    struct mv_tls *t3 = setup_in(state, covered, 3);
    ck_assert_str_eq(t3->ca_pem, ca1);
    ck_assert_str_ne(t3->cert_pem, cert1); /* other names: a new leaf */
    mv_tls_destroy(t3);
    struct mv_tls *t4 = setup_in(state, NULL, 0);
    ck_assert_str_eq(t4->ca_pem, ca1);
    mv_tls_destroy(t4);
    free(ca1);
    free(key1);
    free(cert1);
}
END_TEST

START_TEST(new_names_replace_ca)
{
    struct mv_tls *t1 = setup_in(state, demo_names, 1);
    char *ca1 = strdup(t1->ca_pem);
    char *key1 = strdup(t1->key_pem);
    mv_tls_destroy(t1);

    static const char *const more[] = {"demo.localhost", "Example.TEST", "10.1.2.3", "fd00::5",
                                       "*.apps.example.org"};
    struct mv_tls *t2 = setup_in(state, more, 5);
    ck_assert_str_ne(t2->ca_pem, ca1);
    ck_assert_str_eq(t2->key_pem, key1); /* the server key survives a new CA */
    struct chain c = parse_chain(t2->cert_pem);
    ck_assert_uint_eq(verify_against(t2->ca_pem, c.crts, c.n), 0);
    static const char *const match[] = {"example.test",       "10.1.2.3",       "fd00::5",
                                        "a.apps.example.org", "demo.localhost", "localhost"};
    for (size_t i = 0; i < sizeof match / sizeof match[0]; i++)
        ck_assert_msg(gnutls_x509_crt_check_hostname(c.crts[0], match[i]), "%s", match[i]);
    ck_assert(!gnutls_x509_crt_check_hostname(c.crts[0], "10.1.2.4"));
    free_chain(&c);
    char *ca2 = strdup(t2->ca_pem);
    mv_tls_destroy(t2);

    /* The wider CA now serves the smaller set as it is. */
    struct mv_tls *t3 = setup_in(state, demo_names, 1);
    ck_assert_str_eq(t3->ca_pem, ca2);
    mv_tls_destroy(t3);
    free(ca1);
    free(ca2);
    free(key1);
}
END_TEST

START_TEST(broken_files_are_replaced)
{
    struct mv_tls *t1 = setup_in(state, demo_names, 1);
    char *ca1 = strdup(t1->ca_pem);
    mv_tls_destroy(t1);

    /* A CA key that does not belong to ca.pem (as after a crash between the two writes). */
    char p[160];
    snprintf(p, sizeof p, "%s/ca-key.pem", state);
    char *server_key = read_in(state, "server-key.pem");
    ck_assert_int_eq(cx_write_file_atomic(p, server_key, strlen(server_key), 0600), 0);
    free(server_key);
    struct mv_tls *t2 = setup_in(state, demo_names, 1);
    ck_assert_str_ne(t2->ca_pem, ca1);
    struct chain c = parse_chain(t2->cert_pem);
    ck_assert_uint_eq(verify_against(t2->ca_pem, c.crts, c.n), 0);
    free_chain(&c);
    char *ca2 = strdup(t2->ca_pem);
    mv_tls_destroy(t2);

    /* A missing ca.pem, and a garbage server key. */
    snprintf(p, sizeof p, "%s/ca.pem", state);
    ck_assert_int_eq(unlink(p), 0);
    snprintf(p, sizeof p, "%s/server-key.pem", state);
    ck_assert_int_eq(cx_write_file_atomic(p, "junk", 4, 0600), 0);
    struct mv_tls *t3 = setup_in(state, demo_names, 1);
    ck_assert_str_ne(t3->ca_pem, ca2);
    ck_assert_ptr_nonnull(strstr(t3->key_pem, "PRIVATE KEY"));
    c = parse_chain(t3->cert_pem);
    ck_assert_uint_eq(verify_against(t3->ca_pem, c.crts, c.n), 0);
    free_chain(&c);
    mv_tls_destroy(t3);
    free(ca1);
    free(ca2);
}
END_TEST

START_TEST(bad_names_are_errors)
{
    static const char *const bad[] = {
        "",      "bad name", "a..b",  "-",   "-a.localhost", "a-.localhost",     "a.", "*", "*.",
        "x.*.y", "host:443", "[::1]", "a/b", ".a",           "ünicode.localhost"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mv_tls *t = (struct mv_tls *)&t;
        char err[256] = "";
        const char *names[] = {bad[i]};
        ck_assert_msg(mv_tls_setup(state, names, 1, &t, err, sizeof err) == -1, "accepted '%s'",
                      bad[i]);
        ck_assert_ptr_null(t);
        ck_assert_uint_gt(strlen(err), 0);
    }
    /* Hyphens inside a label are fine. */
    const char *ok[] = {"my-host.localhost", "x--y.localhost"};
    struct mv_tls *t = setup_in(state, ok, 2);
    mv_tls_destroy(t);
}
END_TEST

START_TEST(temp_dir_is_private_and_removed)
{
    struct mv_tls *t = setup_in(NULL, NULL, 0);
    ck_assert_int_eq(t->owns_dir, 1);
    ck_assert_int_eq(strncmp(t->dir, "/tmp/mockvault-", 15), 0);
    ck_assert_int_eq(file_mode(t->dir, "."), 0700);
    ck_assert_int_eq(file_mode(t->dir, "ca-key.pem"), 0600);
    char *dir = strdup(t->dir);
    struct chain c = parse_chain(t->cert_pem);
    ck_assert_uint_eq(verify_against(t->ca_pem, c.crts, c.n), 0);
    free_chain(&c);
    mv_tls_destroy(t);
    struct stat st;
    ck_assert_int_eq(stat(dir, &st), -1);
    free(dir);
}
END_TEST

START_TEST(load_files)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    char cert[160], key[160], wrong[160];
    snprintf(cert, sizeof cert, "%s/server.pem", state);
    snprintf(key, sizeof key, "%s/server-key.pem", state);
    snprintf(wrong, sizeof wrong, "%s/ca-key.pem", state);

    struct mv_tls *u = NULL;
    char err[256] = "";
    ck_assert_msg(mv_tls_load_files(cert, key, &u, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(u->cert_pem, t->cert_pem);
    ck_assert_str_eq(u->key_pem, t->key_pem);
    ck_assert_str_eq(u->ca_pem, t->cert_pem);
    ck_assert_str_eq(u->ca_path, cert);
    ck_assert_ptr_null(u->dir);
    ck_assert_int_eq(u->owns_dir, 0);
    mv_tls_destroy(u);

    /* A key that does not match, a file that is not a key, a missing file. */
    u = (struct mv_tls *)&u;
    ck_assert_int_eq(mv_tls_load_files(cert, wrong, &u, err, sizeof err), -1);
    ck_assert_ptr_null(u);
    ck_assert_int_eq(mv_tls_load_files(cert, cert, &u, err, sizeof err), -1);
    ck_assert_int_eq(mv_tls_load_files("/nonexistent/cert.pem", key, &u, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/cert.pem"));
    mv_tls_destroy(t);
    /* The files are still there: the setup's dir was not a temp dir. */
    ck_assert_int_eq(file_mode(state, "server.pem"), 0644);
}
END_TEST

/* One side of the in-process handshake. */
struct tls_server {
    int fd;
    const char *cert_pem, *key_pem;
    int result; /* handshake result */
};

static int handshake(gnutls_session_t s)
{
    int ret;
    do {
        ret = gnutls_handshake(s);
    } while (ret < 0 && !gnutls_error_is_fatal(ret));
    return ret;
}

static void *server_main(void *arg)
{
    struct tls_server *sv = arg;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    gnutls_datum_t c = {(unsigned char *)sv->cert_pem, (unsigned)strlen(sv->cert_pem)};
    gnutls_datum_t k = {(unsigned char *)sv->key_pem, (unsigned)strlen(sv->key_pem)};

    gnutls_certificate_allocate_credentials(&cred);
    sv->result = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (sv->result >= 0) {
        gnutls_init(&s, GNUTLS_SERVER);
        gnutls_set_default_priority(s);
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
        gnutls_transport_set_int(s, sv->fd);
        sv->result = handshake(s);
        if (sv->result >= 0)
            gnutls_record_send(s, "hi", 2);
        gnutls_deinit(s);
    }
    close(sv->fd);
    gnutls_certificate_free_credentials(cred);
    return NULL;
}

/* Runs a TLS handshake between the mock's server credentials and a client that trusts only the
 * mock's CA and checks hostname. Returns the client's handshake result. */
static int try_handshake(const struct mv_tls *t, const char *hostname)
{
    int sv_pair[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv_pair), 0);
    struct tls_server sv = {sv_pair[0], t->cert_pem, t->key_pem, 0};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, server_main, &sv), 0);

    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    gnutls_datum_t ca = {(unsigned char *)t->ca_pem, (unsigned)strlen(t->ca_pem)};
    ck_assert_int_eq(gnutls_certificate_allocate_credentials(&cred), 0);
    ck_assert_int_eq(gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM), 1);
    ck_assert_int_eq(gnutls_init(&s, GNUTLS_CLIENT), 0);
    ck_assert_int_eq(gnutls_set_default_priority(s), 0);
    ck_assert_int_eq(gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred), 0);
    if (!strchr(hostname, ':') && strspn(hostname, "0123456789.") != strlen(hostname))
        gnutls_server_name_set(s, GNUTLS_NAME_DNS, hostname, strlen(hostname));
    gnutls_session_set_verify_cert(s, hostname, 0);
    gnutls_transport_set_int(s, sv_pair[1]);
    int ret = handshake(s);
    if (ret >= 0) {
        char buf[8];
        ssize_t n;
        do {
            n = gnutls_record_recv(s, buf, sizeof buf);
        } while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
        ck_assert_int_eq(n, 2);
        ck_assert_mem_eq(buf, "hi", 2);
    }
    gnutls_deinit(s);
    close(sv_pair[1]); /* lets a server still waiting for us see the end */
    pthread_join(th, NULL);
    gnutls_certificate_free_credentials(cred);
    if (ret >= 0)
        ck_assert_int_ge(sv.result, 0);
    return ret;
}

START_TEST(real_handshake)
{
    struct mv_tls *t = setup_in(state, demo_names, 1);
    static const char *const good[] = {"login.microsoftonline.com", "myvault.vault.azure.net",
                                       "demo.localhost", "localhost", "127.0.0.1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int ret = try_handshake(t, good[i]);
        ck_assert_msg(ret >= 0, "%s: %s", good[i], gnutls_strerror(ret));
    }
    ck_assert_int_eq(try_handshake(t, "www.example.com"), GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
    mv_tls_destroy(t);
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("ca");
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, files_and_modes);
    tcase_add_test(tc, ca_shape);
    tcase_add_test(tc, ca_name_constraints);
    tcase_add_test(tc, leaf_verifies_and_matches);
    tcase_add_test(tc, constraints_stop_other_sites);
    tcase_add_test(tc, second_setup_reuses_ca);
    tcase_add_test(tc, new_names_replace_ca);
    tcase_add_test(tc, broken_files_are_replaced);
    tcase_add_test(tc, bad_names_are_errors);
    tcase_add_test(tc, temp_dir_is_private_and_removed);
    tcase_add_test(tc, load_files);
    tcase_add_test(tc, real_handshake);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(tls_suite(), false);
}
