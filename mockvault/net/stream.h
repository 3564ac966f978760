/* stream.h: long-lived streamed responses (the console's live journal, server-sent events) that
 * never hold a server thread and never slow the request path. A stream is a libmicrohttpd
 * response whose content comes from a fill callback; when the callback has nothing new, the
 * connection is suspended (libmicrohttpd's MHD_suspend_connection, from inside its content
 * reader). Requests only call mv_stream_hub_notify, which is an atomic increment and, at most once
 * per wake-up, a signal; one notifier thread then waits a short interval, so a burst of requests
 * is sent as one batch, and resumes the suspended streams. A stream that falls behind is the
 * fill callback's to bound (the journal passes over old entries and counts them). The hub knows
 * nothing of HTTP: suspend and resume are callbacks, so the unit tests drive it without a
 * socket. */
#ifndef MV_STREAM_H
#define MV_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mv_stream_hub;
struct mv_stream;

/* Streams open at once; one more is refused (503), so a page left open in many tabs cannot take
 * the connection slots the clients need. docs/limits.md lists it. */
#define MV_STREAM_MAX 16
/* How long the notifier gathers requests before it wakes the streams: at most this many batches
 * per second per stream, whatever the request rate. */
#define MV_STREAM_INTERVAL_MS 100
/* A comment line is sent when a stream had nothing for this long: it keeps proxies and the idle
 * timeout (60 s) from closing the connection, and it is how a closed client is noticed. */
#define MV_STREAM_KEEPALIVE_MS 15000

/* Called with the hub's lock held: suspend(conn) from inside the content reader of conn (the one
 * place libmicrohttpd allows it), resume(conn) from the notifier thread or mv_stream_hub_stop. */
typedef void (*mv_stream_conn_fn)(void *conn);

/* Returns the next chunk of the stream (malloc'd, *len bytes; the stream frees it), or NULL when
 * there is nothing new yet. Called without the hub's lock, from the thread serving the stream. */
typedef char *(*mv_stream_fill_fn)(void *ctx, size_t *len);

/* Creates the hub and starts its notifier thread. interval_ms / keepalive_ms: 0 = the defaults
 * above. NULL when out of memory or no thread could start. */
struct mv_stream_hub *mv_stream_hub_create(mv_stream_conn_fn suspend, mv_stream_conn_fn resume,
                                           unsigned interval_ms, unsigned keepalive_ms);
/* Ends every stream (each ends its response at its next read), resumes the suspended ones,
 * refuses new ones and joins the notifier. The server calls it before stopping libmicrohttpd,
 * which must not find a suspended connection. Idempotent; accepts NULL. */
void mv_stream_hub_stop(struct mv_stream_hub *h);
/* Stops the hub and frees it; every stream must have been closed (after the daemon stopped).
 * Accepts NULL. */
void mv_stream_hub_destroy(struct mv_stream_hub *h);

/* Something new may be there for the streams. Cheap enough for every request: one atomic load
 * while no stream is open. Accepts NULL. */
void mv_stream_hub_notify(void *hub);
/* Streams open now. */
unsigned mv_stream_hub_count(struct mv_stream_hub *h);

/* Opens a stream on conn: fill(ctx) gives its content; ctx_free(ctx) (may be NULL) runs when the
 * stream closes. NULL (and ctx_free not called) when MV_STREAM_MAX streams are open, the hub is
 * stopped or memory runs out. */
struct mv_stream *mv_stream_open(struct mv_stream_hub *h, void *conn, mv_stream_fill_fn fill,
                                 void *ctx, void (*ctx_free)(void *ctx));
/* libmicrohttpd's content reader: copies up to max bytes into buf; 0 after suspending the
 * connection (nothing new yet); -1 (MHD_CONTENT_READER_END_OF_STREAM) once the hub stops. */
ssize_t mv_stream_read(void *stream, uint64_t pos, char *buf, size_t max);
/* libmicrohttpd's free callback: unregisters and frees the stream. */
void mv_stream_close(void *stream);

#endif
