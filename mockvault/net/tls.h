/* tls.h: the mock's own certificate authority and server certificate (GnuTLS X.509).
 * The CA carries X.509 name constraints limiting it to the names the mock serves, so trusting it
 * can never vouch for any other site (DESIGN.md §3). */
#ifndef MV_TLS_H
#define MV_TLS_H

#include <stddef.h>

struct mv_tls {
    char *dir;      /* where ca.pem lives (the state dir, or a private temp dir) */
    char *ca_path;  /* dir/ca.pem: what clients trust */
    char *ca_pem;   /* NUL-terminated PEM of the CA certificate */
    char *cert_pem; /* server certificate chain (leaf then CA), PEM */
    char *key_pem;  /* server private key, PEM; never logged */
    int owns_dir;   /* 1: dir is a temp dir that mv_tls_destroy removes */
};

/* Sets up TLS material in dir (created if missing, mode 0700), or in a new private temp dir
 * (mkdtemp) when dir is NULL.
 * - The CA key and certificate are loaded from dir/ca-key.pem + dir/ca.pem, or created (key file
 *   mode 0600). Its name constraints permit: localhost (and so *.localhost), vault.azure.net,
 *   login.microsoftonline.com, login.windows.net, login.microsoft.com, management.azure.com,
 *   management.core.windows.net, graph.microsoft.com, sts.windows.net, 127.0.0.0/8, ::1/128 and
 *   each name in names[]. An existing CA whose constraints do not cover names[] is replaced.
 * - The server key is loaded from dir/server-key.pem or created (0600); the server certificate is
 *   issued at every start for: localhost, *.vault.azure.net, the Azure login/management/graph
 *   names above, 127.0.0.1, ::1, plus names[] (DNS names or IP literals, e.g. "demo.localhost").
 * Returns 0, or -1 with a message in err. */
int mv_tls_setup(const char *dir, const char *const *names, size_t nnames, struct mv_tls **out,
                 char *err, size_t errlen);

/* Uses a certificate and key the user brings (--tls-cert/--tls-key): reads both files; ca_path is
 * the certificate file itself. */
int mv_tls_load_files(const char *cert_file, const char *key_file, struct mv_tls **out, char *err,
                      size_t errlen);

void mv_tls_destroy(struct mv_tls *t); /* accepts NULL; removes a temp dir it created */

#endif
