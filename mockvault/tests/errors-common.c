/* errors-common.c: the fixture of the test-http-errors-*.c suites (errors-common.h). */
#include "errors-common.h"

struct mv_server *srv;
char *tok;

void setup(void)
{
    srv = mvt_start("fixtures/default.json", NULL);
    tok = mvt_admin_token(srv);
    ck_assert_msg(tok != NULL, "admin token from the mock");
}

void teardown(void)
{
    hc_free_token(tok);
    tok = NULL;
    mv_server_stop(srv);
    srv = NULL;
}
