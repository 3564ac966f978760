/* fz-mock.h: the real mockvault server, started once per fuzzing process, for the targets that go
 * through the whole request path (fuzz-http.c, fuzz-bearer.c, fuzz-backup.c). */
#ifndef FZ_MOCK_H
#define FZ_MOCK_H

#include <stddef.h>

struct mv_server;

/* Starts the server (plain HTTP on a loopback port 0, fixtures/default.json, log to /dev/null)
 * and fetches an access token of the documented admin app for the default vault. Later calls
 * return the same server. Aborts the process when the server cannot start: a fuzzer without
 * its target would report nothing. */
struct mv_server *fz_mock(void);

/* The admin app's access token (borrowed; never printed). */
const char *fz_mock_token(void);

/* Sends req[0..len) as raw bytes on a new connection, half-closes it and reads the answer (at
 * most cap - 1 bytes are kept, NUL-terminated) until the server closes or 5 s pass. Returns the
 * HTTP status of the answer's first line, or 0 when there was none. resp may be NULL. */
int fz_mock_exchange(const void *req, size_t len, char *resp, size_t cap);

/* Undoes what a request may have changed that would make later inputs behave differently
 * (fault rules, the clock, the throttle, the store): POST /_mock/reset. */
void fz_mock_reset(void);

#endif
