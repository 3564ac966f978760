/* cert.h: an app's registered certificate credential, loaded from PEM. */
#ifndef MV_CERT_H
#define MV_CERT_H

#include <stddef.h>

#include "store.h"

/* Parses the first X.509 certificate of a PEM text (pem[0..len), which may also hold a private
 * key and further certificates, as the SDKs' PEM files do) into out: a normalized PEM of that one
 * certificate, its SHA-1 and SHA-256 thumbprints and its validity. Only RSA keys are accepted,
 * because Entra's certificate credentials are RSA. Returns 0, or -1 with out zeroed and a message
 * in err that says what to fix. */
int mv_cert_load(const char *pem, size_t len, struct mv_app_cert *out, char *err, size_t errlen);

#endif
