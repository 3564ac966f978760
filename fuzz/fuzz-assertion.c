/* fuzz-assertion: client assertions (mv_assertion_verify) against the automation-flow app's
 * certificate (fixtures/certs). Input byte 0 chooses: even, the rest is the compact JWT as sent;
 * odd, the rest is "header JSON \0 payload JSON", which is signed here with the certificate's
 * private key (PS256 when the header says so, else RS256), so the checks behind the signature
 * (iss/sub, aud, nbf/exp, thumbprints) are reached too. */
#include "fz-util.h"

#include "assertion.h"
#include "cx-base64.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdio.h>

#define FZ_PEM FZ_SOURCE_ROOT "/fixtures/certs/automation-flow.pem"
#define FZ_CLIENT "22222222-2222-2222-2222-222222222222"
#define FZ_NOW 1767225600 /* 2026-01-01, inside the certificate's validity */

static struct mv_app_cert cert;
static gnutls_privkey_t priv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    gnutls_datum_t pem = {0};
    char err[256];

    if (gnutls_load_file(FZ_PEM, &pem) < 0 ||
        mv_cert_load((const char *)pem.data, pem.size, &cert, err, sizeof err) != 0 ||
        gnutls_privkey_init(&priv) < 0 ||
        gnutls_privkey_import_x509_raw(priv, &pem, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
        fprintf(stderr, "fuzz-assertion: cannot load %s\n", FZ_PEM);
        abort();
    }
    gnutls_free(pem.data);
    return 0;
}

/* header.payload.signature signed with the fixture's key; NULL when out of memory. */
static char *sign(const char *header, const char *payload)
{
    char *h = cx_b64url_encode(header, strlen(header));
    char *p = cx_b64url_encode(payload, strlen(payload));
    char *input = NULL, *s = NULL, *out = NULL;
    gnutls_datum_t sig = {0};
    bool pss = strstr(header, "PS256") != NULL;

    if (!h || !p || !(input = malloc(strlen(h) + strlen(p) + 2)))
        goto out;
    sprintf(input, "%s.%s", h, p);
    gnutls_datum_t d = {(unsigned char *)input, (unsigned)strlen(input)};
    if (gnutls_privkey_sign_data(priv, GNUTLS_DIG_SHA256,
                                 pss ? GNUTLS_PRIVKEY_SIGN_FLAG_RSA_PSS : 0, &d, &sig) < 0 ||
        !(s = cx_b64url_encode(sig.data, sig.size)) ||
        !(out = malloc(strlen(input) + strlen(s) + 2)))
        goto out;
    sprintf(out, "%s.%s", input, s);
out:
    gnutls_free(sig.data);
    free(h);
    free(p);
    free(input);
    free(s);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const auds[] = {
        "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/oauth2/v2.0/token",
        "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/oauth2/token",
    };
    struct mv_assertion_check c = {FZ_CLIENT, auds, 2, FZ_NOW, &cert, 1};
    struct mv_assertion_info info;

    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        mv_assertion_verify((const char *)data + 1, size - 1, &c, &info);
        return 0;
    }
    char *header, *payload;
    if (fz_split(data + 1, size - 1, 0, &header, &payload) != 0)
        return 0;
    char *jwt = sign(header, payload);
    if (jwt)
        mv_assertion_verify(jwt, strlen(jwt), &c, &info);
    free(jwt);
    free(header);
    free(payload);
    return 0;
}
