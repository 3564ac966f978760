/* fsclient.h: what the libkvclient suites against the scripted server (faultsrv.h: test-retry.c,
 * test-cert-poller.c, test-hostile.c) share: the Check fixture that starts a server for each test,
 * and a client of that server's vault. */
#ifndef KV_FSCLIENT_H
#define KV_FSCLIENT_H

#include "faultsrv.h"
#include "kvclient.h"

/* The running test's server: started by fs_setup, stopped by fs_teardown
 * (tcase_add_checked_fixture), NULL outside a test. */
extern struct fs_server *fs;

/* Clears the credentials' and transport's environment variables and starts fs. */
void fs_setup(void);
/* Stops fs. */
void fs_teardown(void);

/* A client of fs's vault https://demo.localhost:PORT, trusting fs's CA, authenticated with a
 * client secret of the app fs-app through the authority https://localhost:PORT, with max_retries
 * retries and a short backoff (10 ms, at most 100 ms) so retry tests stay fast. Aborts the test on
 * failure. The caller owns the client (kv_client_destroy). */
struct kv_client *fs_client(int max_retries);

#endif
