/* keys-common.c: the fixture and request helpers of the test-http-keys-*.c suites
 * (keys-common.h). */
#include "keys-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mv_server *srv;
char *tok;

void kstart(const struct mv_server_config *cfg)
{
    srv = mvt_start(K_FIXTURE, cfg);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token from the mock");
}

void ksetup(void)
{
    kstart(NULL);
}

void kteardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}

void kreq_as(const char *t, const char *method, const char *host, const char *path, const char *api,
             const char *body, struct mvt_resp *r)
{
    char p[2048];
    hc_req(srv, method, host, hc_path(p, sizeof p, path, api), t ? t : tok, NULL, body, r);
}

void kreq(const char *method, const char *host, const char *path, const char *body,
          struct mvt_resp *r)
{
    kreq_as(NULL, method, host, path, NULL, body, r);
}

void kcreate(const char *name, const char *body, struct mvt_resp *r)
{
    char path[300];

    snprintf(path, sizeof path, "/keys/%s/create", name);
    kreq("POST", KAP, path, body, r);
    hc_assert_status(r, 200, path);
}

const char *kversion(const cJSON *j)
{
    const char *kid = hc_jstr(j, "key.kid");
    const char *slash;

    if (!kid)
        kid = hc_jstr(j, "kid");
    slash = kid ? strrchr(kid, '/') : NULL;
    return slash ? slash + 1 : "";
}

char *kb64(const void *data, size_t len)
{
    return hc_b64url_encode(data, len);
}

unsigned char *kb64_field(const cJSON *j, const char *path, size_t *len)
{
    const char *s = hc_jstr(j, path);

    *len = 0;
    return s ? hc_b64url_decode(s, strlen(s), len) : NULL;
}

char *kcrypto_body(const char *alg, const void *data, size_t len, const void *sig, size_t sig_len)
{
    char *v = kb64(data, len), *s = sig ? kb64(sig, sig_len) : NULL;
    size_t n = strlen(v) + (s ? strlen(s) : 0) + 128;
    char *body = hc_xmalloc(n);

    if (sig)
        snprintf(body, n, "{\"alg\":\"%s\",\"digest\":\"%s\",\"value\":\"%s\"}", alg, v, s);
    else
        snprintf(body, n, "{\"alg\":\"%s\",\"value\":\"%s\"}", alg, v);
    free(v);
    free(s);
    return body;
}

gnutls_pubkey_t kpubkey(const cJSON *j)
{
    gnutls_pubkey_t pub;
    const char *kty = hc_jstr(j, "key.kty");
    int rc;

    ck_assert_int_eq(gnutls_pubkey_init(&pub), 0);
    ck_assert_msg(kty != NULL, "the bundle has key.kty");
    if (strncmp(kty, "RSA", 3) == 0) {
        size_t nl, el;
        unsigned char *n = kb64_field(j, "key.n", &nl), *e = kb64_field(j, "key.e", &el);
        gnutls_datum_t dn = {n, (unsigned)nl}, de = {e, (unsigned)el};
        ck_assert_msg(n && e, "RSA JWK has n and e");
        rc = gnutls_pubkey_import_rsa_raw(pub, &dn, &de);
        free(n);
        free(e);
    } else {
        const char *crv = hc_jstr(j, "key.crv");
        size_t xl, yl;
        unsigned char *x = kb64_field(j, "key.x", &xl), *y = kb64_field(j, "key.y", &yl);
        gnutls_datum_t dx = {x, (unsigned)xl}, dy = {y, (unsigned)yl};
        gnutls_ecc_curve_t c = strcmp(crv, "P-256") == 0   ? GNUTLS_ECC_CURVE_SECP256R1
                               : strcmp(crv, "P-384") == 0 ? GNUTLS_ECC_CURVE_SECP384R1
                                                           : GNUTLS_ECC_CURVE_SECP521R1;
        ck_assert_msg(x && y, "EC JWK has x and y");
        rc = gnutls_pubkey_import_ecc_raw(pub, c, &dx, &dy);
        free(x);
        free(y);
    }
    ck_assert_msg(rc == 0, "GnuTLS imports the public JWK: %s", gnutls_strerror(rc));
    return pub;
}

void kassert_body(const struct mvt_resp *r, const char *want, const char *what)
{
    ck_assert_msg(r->body && strcmp(r->body, want) == 0, "%s: body differs (%zu bytes, want %zu)",
                  what, r->len, strlen(want));
    ck_assert_uint_eq(r->len, strlen(want));
}

char *kstate(void)
{
    return hc_state(srv);
}

void kassert_state(const char *before, const char *what)
{
    char *now = kstate();
    ck_assert_msg(strcmp(before, now) == 0, "%s: the state changed", what);
    free(now);
}
