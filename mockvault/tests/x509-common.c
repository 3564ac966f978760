/* x509-common.c: keys, policies, certificates and files for the X.509 tests (x509-common.h). */
#include "x509-common.h"

#include "cx-base64.h"
#include "keymat-common.h"

#include <check.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct mv_keymat *x_keys[XK_COUNT];
const char *const x_key_names[XK_COUNT] = {"RSA-2048", "RSA-3072", "P-256",
                                           "P-384",    "P-521",    "P-256K"};

void x_keys_setup(void)
{
    x_keys[XK_RSA2048] = gen(MV_KTY_RSA, 2048, MV_CRV_NONE, "test-x509 rsa");
    x_keys[XK_RSA3072] = gen(MV_KTY_RSA, 3072, MV_CRV_NONE, "test-x509 rsa");
    x_keys[XK_P256] = gen(MV_KTY_EC, 0, MV_CRV_P256, NULL);
    x_keys[XK_P384] = gen(MV_KTY_EC, 0, MV_CRV_P384, NULL);
    x_keys[XK_P521] = gen(MV_KTY_EC, 0, MV_CRV_P521, NULL);
    x_keys[XK_P256K] = gen(MV_KTY_EC, 0, MV_CRV_P256K, NULL);
}

void x_keys_teardown(void)
{
    for (int i = 0; i < XK_COUNT; i++)
        mv_keymat_unref(x_keys[i]);
}

static char *dns[] = {"www.example.com", "api.example.com"};
static char *emails[] = {"admin@example.com"};
static char *upns[] = {"user@example.com"};
static char *uris[] = {"https://example.com/id"};
static char *ips[] = {"10.0.0.1", "2001:db8::1"};
static char *ekus[] = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};

#define LIST(a) ((struct mv_strlist){true, sizeof(a) / sizeof(a)[0], (a)})

void x_policy(struct mv_cert_policy *p, const char *subject)
{
    memset(p, 0, sizeof *p);
    p->exportable = true;
    p->subject = (char *)subject;
    p->sans.present = true;
    p->sans.dns_names = LIST(dns);
    p->sans.emails = LIST(emails);
    p->sans.upns = LIST(upns);
    p->sans.uris = LIST(uris);
    p->sans.ip_addresses = LIST(ips);
    p->ekus = LIST(ekus);
    p->key_usage = MV_KU_DIGITAL_SIGNATURE | MV_KU_KEY_ENCIPHERMENT;
    p->validity_months = 12;
}

void x_ca_policy(struct mv_cert_policy *p, const char *subject)
{
    memset(p, 0, sizeof *p);
    p->subject = (char *)subject;
    p->key_usage = MV_KU_KEY_CERT_SIGN | MV_KU_CRL_SIGN | MV_KU_DIGITAL_SIGNATURE;
    p->validity_months = 120;
    p->ca = true;
}

unsigned char *x_issue(const struct mv_cert_policy *p, const struct mv_keymat *km, size_t *len)
{
    unsigned char *der = NULL;
    ck_assert_int_eq(mv_x509_self_signed(p, km, X_NOW, &der, len), MV_X509_OK);
    ck_assert_ptr_nonnull(der);
    return der;
}

unsigned char *x_sign_csr(const unsigned char *csr, size_t csr_len, const unsigned char *ca_der,
                          size_t ca_len, const struct mv_keymat *ca_key, size_t *len)
{
    gnutls_x509_crq_t crq;
    gnutls_x509_crt_t crt, ca;
    gnutls_datum_t d = datum(csr, csr_len), c = datum(ca_der, ca_len), out;
    unsigned char serial[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x08};
    gnutls_privkey_t key = gnutls_priv(ca_key);

    ck_assert_int_eq(gnutls_x509_crq_init(&crq), 0);
    ck_assert_int_eq(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_eq(gnutls_x509_crt_init(&ca), 0);
    ck_assert_int_eq(gnutls_x509_crt_import(ca, &c, GNUTLS_X509_FMT_DER), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_crq(crt, crq), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_crq_extensions(crt, crq), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_version(crt, 3), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_activation_time(crt, X_NOW - 60), 0);
    ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(crt, X_NOW + 86400), 0);
    ck_assert_int_eq(gnutls_x509_crt_privkey_sign(crt, ca, key, GNUTLS_DIG_SHA256, 0), 0);
    ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &out), 0);
    unsigned char *der = malloc(out.size);
    ck_assert_ptr_nonnull(der);
    memcpy(der, out.data, out.size);
    *len = out.size;
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_crq_deinit(crq);
    gnutls_privkey_deinit(key);
    return der;
}

char *x_pem(const char *label, const unsigned char *der, size_t len)
{
    gnutls_datum_t d = datum(der, len), out;
    ck_assert_int_eq(gnutls_pem_base64_encode2(label, &d, &out), 0);
    char *s = malloc(out.size + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, out.data, out.size);
    s[out.size] = '\0';
    gnutls_free(out.data);
    return s;
}

unsigned char *x_unb64(const char *b64, size_t *len)
{
    unsigned char *d = cx_b64_decode(b64, strlen(b64), 0, len);
    ck_assert_msg(d != NULL, "not standard padded base64");
    return d;
}

char *x_tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = malloc(512);
    ck_assert_ptr_nonnull(dir);
    snprintf(dir, 512, "%s/mvt-x509-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

void x_rmdir(char *dir)
{
    if (!dir)
        return;
    x_sh("rm -rf '%s'", dir);
    free(dir);
}

const char *x_path(const char *dir, const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

void x_write(const char *dir, const char *name, const void *data, size_t len)
{
    FILE *f = fopen(x_path(dir, name), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

unsigned char *x_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned char *buf = malloc(1 << 20);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

int x_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool x_have(const char *tool)
{
    return x_sh("command -v %s >/dev/null 2>&1", tool) == 0;
}
