/* control.h: who may use the control API, and what the mock announces at start for peers that
 * are not loopback (--allow-remote-peers, the container image; docs/threat-model.md). */
#ifndef MV_CONTROL_H
#define MV_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/* The header a peer that is not loopback sends the control token in. */
#define MV_CONTROL_TOKEN_HEADER "X-Mockvault-Control-Token"

/* With --allow-remote-peers, fills srv->control_token: --control-token when given, else the one
 * kept in the state dir (control-token, mode 0600), else a new random one, kept there. *announce
 * is set when the token was not given, so that the start-up message shows it. Returns 0, or -1
 * with a message in err. Does nothing without --allow-remote-peers. */
int mv_control_token_setup(struct mv_server *srv, bool *announce, char *err, size_t errlen);

/* Prints on stdout, once listening: the CA certificate (--print-ca) and, when announce, the
 * control token. Never goes to the request log. */
void mv_control_announce(const struct mv_server *srv, bool announce);

/* True when r may use its control operation: a loopback peer may use any; any peer may use
 * GET /_mock/health and GET /_mock/ca.pem (nothing secret); another peer needs the control
 * token. */
bool mv_control_admits(struct mv_req *r);

/* The 403 for a request mv_control_admits refused, saying what would be admitted. */
enum MHD_Result mv_control_refuse(struct mv_req *r);

#endif
