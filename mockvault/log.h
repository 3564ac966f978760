/* log.h: one line per request (method, vault, operation, principal, status, latency) as text or
 * JSON, plus server notices. Never secret values, tokens or client secrets: only fields that are
 * safe by construction are logged (no bodies, no query strings, no headers). */
#ifndef MV_LOG_H
#define MV_LOG_H

struct mv_req;
struct mv_server;

void mv_log_request(struct mv_req *r);
/* A server notice ("listening on ...", "fixture loaded"); text or JSON like request lines. */
void mv_log_notice(struct mv_server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
