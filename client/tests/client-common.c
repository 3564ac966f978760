/* client-common.c: the fixture and helpers of the test-client-*.c suites (client-common.h). */
#include "client-common.h"

struct mv_server *srv;

static void setup(void)
{
    kt_clear_env();
    srv = kt_start(NULL);
}

static void teardown(void)
{
    kt_clear_env();
    mv_server_stop(srv);
    srv = NULL;
}

struct kv_error fresh_err(void)
{
    struct kv_error e;
    memset(&e, 0, sizeof e);
    return e;
}

/* ---- paging -------------------------------------------------------------------------------- */

/* Reads a pager to the end; returns the item count and checks each item. */
unsigned drain(struct kv_pager *pg, const char *what, char names[][64], unsigned max)
{
    struct kv_error err = fresh_err();
    struct kv_secret *s = NULL;
    unsigned n = 0;

    for (;;) {
        kt_assert_ok(kv_pager_next(pg, &s, &err), &err, what);
        if (!s)
            break;
        ck_assert_msg(s->id && s->name, "%s: items have an id and a name", what);
        ck_assert_msg(s->value == NULL, "%s: items carry no value", what);
        if (names && n < max)
            snprintf(names[n], 64, "%s", s->name);
        n++;
        kv_secret_free(s);
        ck_assert_uint_lt(n, 1000);
    }
    /* At the end it stays at the end. */
    kt_assert_ok(kv_pager_next(pg, &s, &err), &err, what);
    ck_assert_ptr_null(s);
    return n;
}

TCase *client_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return tc;
}
