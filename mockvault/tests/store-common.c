/* store-common.c: the data, store and persist-hook helpers of the test-store-*.c suites
 * (store-common.h). */
#include "store-common.h"

#include <stdlib.h>
#include <string.h>

/* ---- Helpers ---- */

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Two vaults: "demo" (90 days, purgeable) and "locked" (7 days, purge protection), plus one
 * tenant with one app, enough for the lookup helpers. Caller frees with mv_data_free. */
struct mv_data *make_data(void)
{
    struct mv_data *d = calloc(1, sizeof(*d));
    ck_assert_ptr_nonnull(d);
    d->default_vault = xstrdup("demo");
    d->ntenants = 1;
    d->tenants = calloc(1, sizeof(*d->tenants));
    d->tenants[0].id = xstrdup("11111111-1111-1111-1111-111111111111");
    d->tenants[0].domain = xstrdup("contoso.onmicrosoft.com");
    d->tenants[0].napps = 1;
    d->tenants[0].apps = calloc(1, sizeof(*d->tenants[0].apps));
    d->tenants[0].apps[0].client_id = xstrdup("22222222-2222-2222-2222-222222222222");
    d->tenants[0].apps[0].display_name = xstrdup("flow");
    d->tenants[0].apps[0].nsecrets = 1;
    d->tenants[0].apps[0].secrets = calloc(1, sizeof(struct mv_app_secret));
    d->tenants[0].apps[0].secrets[0].value = xstrdup("fake-client-secret");
    d->nvaults = 2;
    d->vaults = calloc(2, sizeof(*d->vaults));
    d->vaults[0].name = xstrdup("demo");
    d->vaults[0].tenant_id = xstrdup("11111111-1111-1111-1111-111111111111");
    d->vaults[0].location = xstrdup("westeurope");
    d->vaults[0].retention_days = 90;
    d->vaults[0].naliases = 1;
    d->vaults[0].aliases = calloc(1, sizeof(char *));
    d->vaults[0].aliases[0] = xstrdup("Demo.Example.Test");
    d->vaults[1].name = xstrdup("locked");
    d->vaults[1].tenant_id = xstrdup("11111111-1111-1111-1111-111111111111");
    d->vaults[1].location = xstrdup("westeurope");
    d->vaults[1].retention_days = 7;
    d->vaults[1].purge_protection = true;
    return d;
}

struct mv_store *make_store(void)
{
    struct mv_store *st = mv_store_create(make_data());
    ck_assert_ptr_nonnull(st);
    return st;
}

void set_value(struct mv_store *st, const char *vault, const char *name, const char *value,
               int64_t now)
{
    struct mv_secret_input in = {.value = value};
    ck_assert_int_eq(mv_store_set_secret(st, vault, name, &in, now, NULL), MV_OK);
}

int count_persist(void *ctx, const struct mv_data *d)
{
    struct persist_counter *pc = ctx;
    pc->calls++;
    pc->last_nsecrets = d->nvaults > 0 ? d->vaults[0].nsecrets : 0;
    return pc->fail;
}
