/* certmeta-common.h: what test-http-certs-meta.c, test-http-certs-managed.c and
 * test-http-certs-renew.c share (static inline, as httpcheck.h, so each suite uses what it needs).
 * Every test starts its own server on mockvault/tests/certs-meta-fixture.json: vault "certs-ap"
 * (access policies: the admin holds every secret, key and certificate permission; automation-flow
 * holds certificates get, list, getissuers and keys get, sign, and no secret permission;
 * no-access-app holds certificates manageissuers only) and "certs-rbac" (RBAC: the admin is Key
 * Vault Administrator, automation-flow Key Vault Certificates Officer, no-access-app Key Vault
 * Reader), both with 7 days of retention.
 *
 * Certificates are created through the real CreateCertificate (Self issuer) and polled to
 * completion as the SDK pollers do; what the mock answers is checked independently with GnuTLS
 * (the PKCS#12 and PEM of the secret, signatures against the certificate's public key). Failure
 * messages never print a secret's value. */
#ifndef MV_CERTMETA_COMMON_H
#define MV_CERTMETA_COMMON_H

#include <check.h>
#include <cjson/cJSON.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpcheck.h"
#include "testlib.h"

#define CAP "certs-ap.localhost"
#define CRB "certs-rbac.localhost"
#define C_FIXTURE "mockvault/tests/certs-meta-fixture.json"
#define C_FLOW_OID "33333333-3333-3333-3333-333333333333"
#define C_NOACCESS_ID "cccccccc-0000-0000-0000-000000000003"
#define C_NOACCESS_SECRET "noaccess-client-secret"
#define C_PKCS12 "application/x-pkcs12"
#define C_PEM "application/x-pem-file"

static struct mv_server *srv;
static char *tok;

static inline void csetup(void)
{
    srv = mvt_start(C_FIXTURE, NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token from the mock");
}

static inline void cteardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

/* A fresh admin token: the old one expires when a test moves the mock clock by days. */
static inline void crefresh(void)
{
    hc_free_token(tok);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token after the clock moved");
}

/* A request with token t (NULL: the admin's) and api-version api (NULL: HC_API). */
static inline void creq_as(const char *t, const char *method, const char *host, const char *path,
                           const char *api, const char *body, struct mvt_resp *r)
{
    char p[2048];
    hc_req(srv, method, host, hc_path(p, sizeof p, path, api), t ? t : tok, NULL, body, r);
}

/* The admin's request on certs-ap at HC_API. */
static inline void creq(const char *method, const char *path, const char *body, struct mvt_resp *r)
{
    creq_as(NULL, method, CAP, path, NULL, body, r);
}

/* The last path segment of the string at path in j (a version of an id); "" if absent. */
static inline const char *cversion(const cJSON *j, const char *path)
{
    const char *id = hc_jstr(j, path);
    const char *slash = id ? strrchr(id, '/') : NULL;
    return slash ? slash + 1 : "";
}

static inline void csleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* POST /certificates/{name}/create on host with {"policy":policy} (Self issuer unless the policy
 * names another), then GET /pending until the operation leaves inProgress, as the SDK pollers do;
 * asserts it completed and answers GET /certificates/{name}/ in *bundle. */
static inline void ccreate_on(const char *host, const char *name, const char *policy,
                              struct mvt_resp *bundle)
{
    struct mvt_resp r;
    char path[300], body[2048];
    const char *status = "inProgress";

    snprintf(path, sizeof path, "/certificates/%s/create", name);
    snprintf(body, sizeof body, "{\"policy\":%s}", policy);
    creq_as(NULL, "POST", host, path, NULL, body, &r);
    hc_assert_status(&r, 202, path);
    mvt_resp_free(&r);
    snprintf(path, sizeof path, "/certificates/%s/pending", name);
    for (int i = 0; i < 300 && strcmp(status, "inProgress") == 0; i++) {
        creq_as(NULL, "GET", host, path, NULL, NULL, &r);
        hc_assert_status(&r, 200, path);
        status = strcmp(hc_jstr(r.json, "status"), "inProgress") == 0 ? "inProgress" : "done";
        if (strcmp(status, "done") == 0)
            ck_assert_msg(strcmp(hc_jstr(r.json, "status"), "completed") == 0,
                          "%s: the operation completed", name);
        mvt_resp_free(&r);
        if (strcmp(status, "inProgress") == 0)
            csleep_ms(50);
    }
    ck_assert_msg(strcmp(status, "done") == 0, "%s: the operation ended in time", name);
    snprintf(path, sizeof path, "/certificates/%s/", name);
    creq_as(NULL, "GET", host, path, NULL, NULL, bundle);
    hc_assert_status(bundle, 200, path);
}

static inline void ccreate(const char *name, const char *policy, struct mvt_resp *bundle)
{
    ccreate_on(CAP, name, policy, bundle);
}

/* The smallest policy the service accepts (spec §2 defaults fill the rest). */
#define C_POLICY                                                                                   \
    "{\"x509_props\":{\"subject\":\"CN=DefaultPolicy\",\"sans\":{}},\"issuer\":{\"name\":"         \
    "\"Self\"}}"

/* Standard base64 (with padding) decoded with GnuTLS; aborts the test when invalid. */
static inline gnutls_datum_t cb64(const char *s)
{
    gnutls_datum_t in = {(unsigned char *)s, (unsigned)strlen(s)}, out = {NULL, 0};
    ck_assert_msg(s && gnutls_base64_decode2(&in, &out) == 0, "standard base64");
    return out;
}

/* What a PKCS#12 secret holds, read with GnuTLS's PKCS#12 API and the empty password. */
struct cp12 {
    int mac_ok;          /* gnutls_pkcs12_verify_mac with "" */
    unsigned keys;       /* PKCS#8 key bags (plain or shrouded) */
    unsigned certs;      /* certificate bags */
    gnutls_datum_t leaf; /* DER of the first certificate bag (gnutls_free) */
};

static inline struct cp12 cpkcs12(const char *b64)
{
    gnutls_datum_t der = cb64(b64);
    gnutls_pkcs12_t p12;
    struct cp12 out = {-1, 0, 0, {NULL, 0}};

    ck_assert_int_eq(gnutls_pkcs12_init(&p12), 0);
    ck_assert_msg(gnutls_pkcs12_import(p12, &der, GNUTLS_X509_FMT_DER, 0) == 0,
                  "the secret is PKCS#12");
    out.mac_ok = gnutls_pkcs12_verify_mac(p12, "");
    for (int i = 0;; i++) {
        gnutls_pkcs12_bag_t bag;
        int n;
        ck_assert_int_eq(gnutls_pkcs12_bag_init(&bag), 0);
        if (gnutls_pkcs12_get_bag(p12, i, bag) < 0) {
            gnutls_pkcs12_bag_deinit(bag);
            break;
        }
        if (gnutls_pkcs12_bag_get_type(bag, 0) == GNUTLS_BAG_ENCRYPTED)
            ck_assert_msg(gnutls_pkcs12_bag_decrypt(bag, "") == 0,
                          "an encrypted bag opens with the empty password");
        n = gnutls_pkcs12_bag_get_count(bag);
        for (int k = 0; k < n; k++) {
            int t = gnutls_pkcs12_bag_get_type(bag, k);
            if (t == GNUTLS_BAG_PKCS8_KEY || t == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY)
                out.keys++;
            if (t == GNUTLS_BAG_CERTIFICATE) {
                gnutls_datum_t d;
                if (out.certs++ == 0 && gnutls_pkcs12_bag_get_data(bag, k, &d) == 0) {
                    /* The bag's data is the DER certificate itself. */
                    out.leaf.data = gnutls_malloc(d.size);
                    memcpy(out.leaf.data, d.data, d.size);
                    out.leaf.size = d.size;
                }
            }
        }
        gnutls_pkcs12_bag_deinit(bag);
    }
    gnutls_pkcs12_deinit(p12);
    gnutls_free(der.data);
    return out;
}

/* True when the DER d equals the certificate bundle's "cer" (standard base64). */
static inline bool csame_cer(const gnutls_datum_t *d, const char *cer)
{
    gnutls_datum_t c = cb64(cer);
    bool same = c.size == d->size && memcmp(c.data, d->data, c.size) == 0;
    gnutls_free(c.data);
    return same;
}

/* The journal's entries of one operation (GET /_mock/requests?operation=op); caller deletes. */
static inline cJSON *cjournal(const char *op)
{
    struct mvt_resp r;
    char path[200];
    cJSON *v;

    snprintf(path, sizeof path, "/_mock/requests?operation=%s", op);
    hc_req(srv, "GET", "localhost", path, NULL, NULL, NULL, &r);
    hc_assert_status(&r, 200, path);
    v = cJSON_DetachItemFromObject(r.json, "value");
    mvt_resp_free(&r);
    return v;
}

#endif
