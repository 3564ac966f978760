/* events.c: the mock clock's own actions, journalled (events.h). */
#include "events.h"

#include <stdio.h>
#include <string.h>

#include "certificates.h" /* mv_certs_issue_self: AutoRenew's renewal */
#include "journal.h"
#include "log.h"
#include "store-certs.h"
#include "store.h"
#include "util.h"

/* One journal entry (method "EVENT") and nothing else: the log notice is the caller's. */
static void journal_event(struct mv_server *srv, const char *vault, const char *path,
                          const char *op, unsigned status, const char *detail)
{
    struct mv_request_record e = {0};
    char id[37];

    mv_rand_guid(id);
    e.time = mv_clock_nowf(&srv->clock);
    e.status = status;
    e.method = "EVENT";
    e.path = path;
    e.vault = vault;
    e.operation = op;
    e.appid = e.oid = e.error_code = "";
    e.request_id = id;
    e.detail = detail;
    if (srv->journal)
        (void)mv_journal_add(srv->journal, &e);
}

static void rotation_event(void *ctx, const char *vault, const char *name,
                           enum mv_rotation_type type, const char *version)
{
    struct mv_server *srv = ctx;
    char path[300];
    const char *op = type == MV_ROT_ROTATE ? "LifetimeAction.Rotate" : "LifetimeAction.Notify";

    snprintf(path, sizeof path, "/keys/%s/%s", name, version ? version : "");
    journal_event(srv, vault, path, op, 200, NULL);
    mv_log_notice(&srv->log, "rotation policy: vault %s key %s: %s (version %s)", vault, name,
                  type == MV_ROT_ROTATE ? "Rotate: new version" : "Notify", version ? version : "");
}

struct cert_ctx {
    struct mv_server *srv;
    int64_t now;
};

/* A certificate's lifetime action (certificates spec §1, issue 11): AutoRenew issues the next
 * version as a create with the stored policy would (Self issuer); EmailContacts sends nothing
 * offline and is journalled with how many contacts would have been mailed, never their
 * addresses. The entry's path names the version whose life triggered it. */
static void cert_event(void *ctx, const char *vault, const char *name,
                       enum mv_cert_action_type type, const char *version)
{
    struct cert_ctx *c = ctx;
    struct mv_cert_contact *contacts = NULL;
    size_t n = 0;
    char path[300], detail[64];

    snprintf(path, sizeof path, "/certificates/%s/%s", name, version ? version : "");
    if (type == MV_CERT_AUTO_RENEW) {
        int rc = mv_certs_issue_self(c->srv, vault, name, c->now);
        journal_event(c->srv, vault, path, "LifetimeAction.AutoRenew", rc == 0 ? 200 : 500, NULL);
        mv_log_notice(&c->srv->log,
                      "lifetime action: vault %s certificate %s: AutoRenew %s (after "
                      "version %s)",
                      vault, name, rc == 0 ? "issued a new version" : "failed",
                      version ? version : "");
        return;
    }
    if (mv_store_contacts_get(c->srv->store, vault, &contacts, &n) != MV_OK)
        n = 0;
    {
        size_t emails = 0;
        for (size_t i = 0; i < n; i++)
            emails += contacts[i].email != NULL;
        snprintf(detail, sizeof detail, "contacts=%zu", emails);
    }
    mv_cert_contacts_free(contacts, n);
    journal_event(c->srv, vault, path, "LifetimeAction.EmailContacts", 200, detail);
    mv_log_notice(&c->srv->log,
                  "lifetime action: vault %s certificate %s: EmailContacts (%s, "
                  "version %s)",
                  vault, name, detail, version ? version : "");
}

size_t mv_events_rotation_due(struct mv_server *srv, int64_t now)
{
    struct cert_ctx c = {srv, now};
    size_t n = mv_store_rotation_due(srv->store, now, rotation_event, srv);

    /* Certificates' lifetime actions ride on the same clock and the same call sites. */
    return n + mv_store_cert_actions_due(srv->store, now, cert_event, &c);
}
