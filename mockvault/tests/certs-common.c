/* certs-common.c: the fixture, request and GnuTLS helpers of the test-http-certs-*.c suites
 * (certs-common.h). */
#include "certs-common.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/pkcs12.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mv_server *srv;
char *tok;

void cstart(const struct mv_server_config *cfg)
{
    srv = mvt_start(C_FIXTURE, cfg);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token from the mock");
}

void csetup(void)
{
    cstart(NULL);
}

void cteardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

void creq_as(const char *t, const char *method, const char *host, const char *path,
             const char *body, struct mvt_resp *r)
{
    char p[2048];
    hc_req(srv, method, host, hc_path(p, sizeof p, path, NULL), t ? t : tok, NULL, body, r);
}

void creq(const char *method, const char *path, const char *body, struct mvt_resp *r)
{
    creq_as(NULL, method, CAP, path, body, r);
}

void ccreate(const char *name, const char *body, struct mvt_resp *r)
{
    char path[300];

    snprintf(path, sizeof path, "/certificates/%s/create", name);
    creq("POST", path, body, r);
    hc_assert_status(r, 202, path);
}

void cself(const char *name, struct mvt_resp *r)
{
    char path[300];

    ccreate(name, C_SELF_BODY, r);
    mvt_resp_free(r);
    snprintf(path, sizeof path, "/certificates/%s/", name);
    creq("GET", path, NULL, r);
    hc_assert_status(r, 200, path);
    ck_assert_msg(hc_jstr(r->json, "cer") != NULL, "%s: completed on observation", name);
}

const char *cversion(const cJSON *j)
{
    const char *id = hc_jstr(j, "id");
    const char *slash = id ? strrchr(id, '/') : NULL;
    return slash ? slash + 1 : "";
}

char *cb64(const void *data, size_t len)
{
    gnutls_datum_t in = {(unsigned char *)data, (unsigned)len}, out = {NULL, 0};
    char *s;

    ck_assert_int_eq(gnutls_base64_encode2(&in, &out), 0);
    s = hc_xmalloc(out.size + 1);
    memcpy(s, out.data, out.size);
    s[out.size] = '\0';
    gnutls_free(out.data);
    return s;
}

unsigned char *cunb64(const char *s, size_t *len)
{
    gnutls_datum_t in = {(unsigned char *)s, (unsigned)strlen(s)}, out = {NULL, 0};
    unsigned char *p;

    *len = 0;
    if (gnutls_base64_decode2(&in, &out) != 0)
        return NULL;
    p = hc_xmalloc(out.size + 1);
    memcpy(p, out.data, out.size);
    *len = out.size;
    gnutls_free(out.data);
    return p;
}

char *cjson_str(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *t = cJSON_PrintUnformatted(j);

    cJSON_Delete(j);
    ck_assert_msg(t != NULL, "out of memory");
    return t;
}

void cmake(struct cmade *m, const char *cn, bool ca, int days)
{
    unsigned char serial[16];
    char dn[200];
    time_t now = time(NULL);

    ck_assert_int_eq(gnutls_x509_privkey_init(&m->key), 0);
    ck_assert_int_eq(gnutls_x509_privkey_generate(m->key, GNUTLS_PK_RSA, 2048, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&m->crt), 0);
    snprintf(dn, sizeof dn, "CN=%s,O=mockvault tests", cn);
    ck_assert_int_eq(gnutls_x509_crt_set_dn(m->crt, dn, NULL), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_issuer_dn(m->crt, dn, NULL), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key(m->crt, m->key), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_version(m->crt, 3), 0);
    ck_assert_int_eq(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial), 0);
    serial[0] &= 0x7f;
    ck_assert_int_eq(gnutls_x509_crt_set_serial(m->crt, serial, sizeof serial), 0);
    /* An expired one ends an hour ago. */
    ck_assert_int_eq(gnutls_x509_crt_set_activation_time(
                         m->crt, days > 0 ? now - 3600 : now + (time_t)days * 86400 - 7200),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(
                         m->crt, days > 0 ? now + (time_t)days * 86400 : now - 3600),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(m->crt, ca ? 1 : 0, -1), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_key_usage(
                         m->crt, ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
                                    : GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT),
                     0);
    ck_assert_int_eq(gnutls_x509_crt_sign2(m->crt, m->crt, m->key, GNUTLS_DIG_SHA256, 0), 0);
}

void cmade_free(struct cmade *m)
{
    gnutls_x509_crt_deinit(m->crt);
    gnutls_x509_privkey_deinit(m->key);
}

unsigned char *csign_csr(const struct cmade *ca, const char *csr_b64, size_t *len)
{
    gnutls_x509_crq_t crq;
    gnutls_x509_crt_t crt;
    unsigned char serial[16], *der;
    size_t dlen = 0;
    gnutls_datum_t d, out = {NULL, 0};
    time_t now = time(NULL);

    der = cunb64(csr_b64, &dlen);
    ck_assert_msg(der != NULL, "the operation's csr is standard base64");
    d.data = der;
    d.size = (unsigned)dlen;
    ck_assert_int_eq(gnutls_x509_crq_init(&crq), 0);
    ck_assert_msg(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER) == 0,
                  "the csr is a DER PKCS#10 GnuTLS reads");
    ck_assert_msg(gnutls_x509_crq_verify(crq, 0) == 0, "the csr is signed by its own key");
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_crq(crt, crq), 0);
    ck_assert_int_eq(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial), 0);
    serial[0] &= 0x7f;
    ck_assert_int_eq(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_activation_time(crt, now - 60), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(crt, now + 30 * 86400), 0);
    ck_assert_int_eq(gnutls_x509_crt_sign2(crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out), 0);
    free(der);
    der = hc_xmalloc(out.size);
    memcpy(der, out.data, out.size);
    *len = out.size;
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_crq_deinit(crq);
    return der;
}

unsigned char *cder(const struct cmade *m, size_t *len)
{
    gnutls_datum_t out = {NULL, 0};
    unsigned char *der;

    ck_assert_int_eq(gnutls_x509_crt_export2(m->crt, GNUTLS_X509_FMT_DER, &out), 0);
    der = hc_xmalloc(out.size);
    memcpy(der, out.data, out.size);
    *len = out.size;
    gnutls_free(out.data);
    return der;
}

char *cpfx_b64(const struct cmade *m, const char *pwd)
{
    gnutls_pkcs12_t p12;
    gnutls_pkcs12_bag_t cbag, kbag;
    gnutls_datum_t key = {NULL, 0}, out = {NULL, 0};
    unsigned char kid[20];
    size_t kid_len = sizeof kid;
    gnutls_datum_t id = {kid, 0};
    char *b64;
    int idx;

    ck_assert_int_eq(gnutls_x509_crt_get_key_id(m->crt, 0, kid, &kid_len), 0);
    id.size = (unsigned)kid_len;
    ck_assert_int_eq(gnutls_pkcs12_bag_init(&cbag), 0);
    idx = gnutls_pkcs12_bag_set_crt(cbag, m->crt);
    ck_assert_int_ge(idx, 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_set_key_id(cbag, idx, &id), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_encrypt(cbag, pwd, GNUTLS_PKCS_PBES2_AES_256), 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_init(&kbag), 0);
    ck_assert_int_eq(gnutls_x509_privkey_export2_pkcs8(m->key, GNUTLS_X509_FMT_DER, pwd,
                                                       GNUTLS_PKCS_PBES2_AES_256, &key),
                     0);
    idx = gnutls_pkcs12_bag_set_data(kbag, GNUTLS_BAG_PKCS8_ENCRYPTED_KEY, &key);
    ck_assert_int_ge(idx, 0);
    ck_assert_int_eq(gnutls_pkcs12_bag_set_key_id(kbag, idx, &id), 0);
    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    ck_assert_int_eq(gnutls_pkcs12_set_bag(p12, kbag), 0);
    ck_assert_int_eq(gnutls_pkcs12_set_bag(p12, cbag), 0);
    ck_assert_int_eq(gnutls_pkcs12_generate_mac2(p12, GNUTLS_MAC_SHA256, pwd), 0);
    ck_assert_int_eq(gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, &out), 0);
    b64 = cb64(out.data, out.size);
    gnutls_free(out.data);
    gnutls_free(key.data);
    gnutls_pkcs12_deinit(p12);
    gnutls_pkcs12_bag_deinit(kbag);
    gnutls_pkcs12_bag_deinit(cbag);
    return b64;
}

char *cpem(const struct cmade *m, bool pkcs1)
{
    gnutls_datum_t k = {NULL, 0}, c = {NULL, 0};
    char *pem;

    if (pkcs1)
        ck_assert_int_eq(gnutls_x509_privkey_export2(m->key, GNUTLS_X509_FMT_PEM, &k), 0);
    else
        ck_assert_int_eq(gnutls_x509_privkey_export2_pkcs8(m->key, GNUTLS_X509_FMT_PEM, NULL,
                                                           GNUTLS_PKCS_PLAIN, &k),
                         0);
    ck_assert_int_eq(gnutls_x509_crt_export2(m->crt, GNUTLS_X509_FMT_PEM, &c), 0);
    pem = hc_xmalloc(k.size + c.size + 1);
    memcpy(pem, k.data, k.size);
    memcpy(pem + k.size, c.data, c.size);
    pem[k.size + c.size] = '\0';
    gnutls_memset(k.data, 0, k.size);
    gnutls_free(k.data);
    gnutls_free(c.data);
    return pem;
}
