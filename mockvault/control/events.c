/* events.c: the mock clock's own actions, journalled (events.h). */
#include "events.h"

#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "store.h"
#include "util.h"

static void rotation_event(void *ctx, const char *vault, const char *name,
                           enum mv_rotation_type type, const char *version)
{
    struct mv_server *srv = ctx;
    struct mv_request_record e = {0};
    char path[300], id[37];
    const char *op = type == MV_ROT_ROTATE ? "LifetimeAction.Rotate" : "LifetimeAction.Notify";

    snprintf(path, sizeof path, "/keys/%s/%s", name, version ? version : "");
    mv_rand_guid(id);
    e.time = mv_clock_nowf(&srv->clock);
    e.status = 200;
    e.method = "EVENT";
    e.path = path;
    e.vault = vault;
    e.operation = op;
    e.appid = e.oid = e.error_code = "";
    e.request_id = id;
    if (srv->journal)
        (void)mv_journal_add(srv->journal, &e);
    mv_log_notice(&srv->log, "rotation policy: vault %s key %s: %s (version %s)", vault, name,
                  type == MV_ROT_ROTATE ? "Rotate: new version" : "Notify", version ? version : "");
}

size_t mv_events_rotation_due(struct mv_server *srv, int64_t now)
{
    return mv_store_rotation_due(srv->store, now, rotation_event, srv);
}
