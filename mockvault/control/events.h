/* events.h: what the mock does by itself on the mock clock, journalled like requests: the keys'
 * rotation policies (spec/keyvault-keys.md §3.9) and the certificates' lifetime actions
 * (spec/keyvault-certificates.md §1, issue 11). */
#ifndef MV_EVENTS_H
#define MV_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Runs every lifetime action due at now (mv_store_rotation_due): a Rotate makes a new current
 * version, a Notify fires once per version. Each action is written to the journal (and the audit
 * log) as an entry with method "EVENT", path /keys/{name}/{version}, the vault and the operation
 * "LifetimeAction.Rotate" or "LifetimeAction.Notify", and as a log notice; never key material.
 * Then the certificates' (mv_store_cert_actions_due): an AutoRenew issues the next version with
 * the Self issuer ("LifetimeAction.AutoRenew", path /certificates/{name}/{version} of the version
 * that triggered it, status 500 when the issuing failed), an EmailContacts is journalled
 * ("LifetimeAction.EmailContacts") with "detail":"contacts=N", the number of contact emails.
 * Returns the number of actions taken. Cheap when no key or certificate has a due action. */
size_t mv_events_rotation_due(struct mv_server *srv, int64_t now);

#endif
