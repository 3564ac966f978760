/* bench-util.c: see bench-util.h. */
#include "bench-util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cx-base64.h"
#include "cx-file.h"
#include "cx-mem.h"

#define TENANT "11111111-1111-1111-1111-111111111111"
#define ADMIN "aaaaaaaa-0000-0000-0000-000000000001"

double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_percentile(double *v, size_t n, int pct)
{
    qsort(v, n, sizeof *v, cmp);
    return v[(n * (size_t)pct) / 100 < n ? (n * (size_t)pct) / 100 : n - 1];
}

int bench_client(const char *vault_url, const char *authority, const char *ca_file,
                 struct kv_client **out)
{
    struct kv_credential *cred = NULL;
    struct kv_options o;
    struct kv_error err = {0};

    kv_options_init(&o);
    o.vault_url = vault_url;
    o.ca_file = ca_file;
    if (kv_credential_client_secret(TENANT, ADMIN, "admin-client-secret", authority, &cred) ||
        kv_client_create(&o, cred, out, &err)) {
        fprintf(stderr, "client: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* One base64url part of the JWK as a GnuTLS datum (malloc'd; the caller wipes and frees it). */
static int part(const cJSON *jwk, const char *name, gnutls_datum_t *d)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(jwk, name);
    size_t len = 0;

    d->data =
        cJSON_IsString(v) ? cx_b64url_decode(v->valuestring, strlen(v->valuestring), &len) : NULL;
    d->size = (unsigned)len;
    return d->data ? 0 : -1;
}

int bench_jwk_privkey(const char *path, gnutls_privkey_t *out)
{
    enum { N, E, D, P, Q, X, Y, NPARTS };
    gnutls_datum_t p[NPARTS] = {{0}};
    char *text = NULL;
    size_t len = 0;
    cJSON *jwk = NULL;
    const cJSON *kty, *crv;
    int rc = -1;

    *out = NULL;
    if (!(text = cx_read_file(path, 1 << 20, &len)) || !(jwk = cJSON_ParseWithLength(text, len))) {
        fprintf(stderr, "%s: not a JSON file\n", path);
        goto out;
    }
    kty = cJSON_GetObjectItemCaseSensitive(jwk, "kty");
    crv = cJSON_GetObjectItemCaseSensitive(jwk, "crv");
    if (gnutls_privkey_init(out) < 0 || !cJSON_IsString(kty))
        goto bad;
    if (strcmp(kty->valuestring, "RSA") == 0) {
        /* The CRT parts are left for GnuTLS to compute: the key is the same. */
        if (part(jwk, "n", &p[N]) || part(jwk, "e", &p[E]) || part(jwk, "d", &p[D]) ||
            part(jwk, "p", &p[P]) || part(jwk, "q", &p[Q]) ||
            gnutls_privkey_import_rsa_raw(*out, &p[N], &p[E], &p[D], &p[P], &p[Q], NULL, NULL,
                                          NULL) < 0)
            goto bad;
    } else {
        gnutls_ecc_curve_t c = !cJSON_IsString(crv)                     ? GNUTLS_ECC_CURVE_INVALID
                               : strcmp(crv->valuestring, "P-256") == 0 ? GNUTLS_ECC_CURVE_SECP256R1
                               : strcmp(crv->valuestring, "P-384") == 0 ? GNUTLS_ECC_CURVE_SECP384R1
                               : strcmp(crv->valuestring, "P-521") == 0 ? GNUTLS_ECC_CURVE_SECP521R1
                                                                        : GNUTLS_ECC_CURVE_INVALID;
        if (c == GNUTLS_ECC_CURVE_INVALID || part(jwk, "x", &p[X]) || part(jwk, "y", &p[Y]) ||
            part(jwk, "d", &p[D]) ||
            gnutls_privkey_import_ecc_raw(*out, c, &p[X], &p[Y], &p[D]) < 0)
            goto bad;
    }
    rc = 0;
    goto out;
bad:
    fprintf(stderr, "%s: not a JWK GnuTLS can import\n", path);
    gnutls_privkey_deinit(*out);
    *out = NULL;
out:
    for (int i = 0; i < NPARTS; i++)
        cx_wipe_free(p[i].data, p[i].size);
    if (text)
        cx_wipe_free(text, len);
    cJSON_Delete(jwk);
    return rc;
}
