/* health.h: `mockvault --health [URL]`, the container image's HEALTHCHECK (no curl, no shell). */
#ifndef MV_HEALTH_H
#define MV_HEALTH_H

#include "config.h"

/* GETs url (NULL: /_mock/health of the mock cfg describes, on loopback) with a 3 s limit per
 * step and says the outcome in one line. Trusts the CA in cfg's state dir when it is there,
 * else does not verify the certificate. Returns the exit code: 0 for a 200, else 1. */
int mv_health_check(const struct mv_server_config *cfg, const char *url);

#endif
