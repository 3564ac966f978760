/* admin-fixture.c: the checked fixture of the suites whose every test starts its own server on
 * fixtures/default.json and works with the admin token (admin-fixture.h). */
#include "admin-fixture.h"

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
