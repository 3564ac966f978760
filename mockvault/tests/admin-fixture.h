/* admin-fixture.h: the checked fixture of the suites whose every test starts its own server on
 * fixtures/default.json and works with the admin token (test-http-secrets-*.c,
 * test-http-errors-*.c). */
#ifndef MV_ADMIN_FIXTURE_H
#define MV_ADMIN_FIXTURE_H

#include "httpcheck.h"
#include "testlib.h"

/* The running test's server and its admin token (admin-fixture.c owns them; setup and teardown
 * set and free them). */
extern struct mv_server *srv;
extern char *tok;

/* Checked fixture: a server on fixtures/default.json and its admin token. */
void setup(void);
void teardown(void);

#endif
