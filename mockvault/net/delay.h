/* delay.h: the timer behind a fault rule's delayMs (DESIGN.md §7). A delayed request holds no
 * server thread: its connection is suspended (libmicrohttpd's MHD_suspend_connection) and one
 * timer thread resumes it when the delay is due, or earlier when the rule goes away or the server
 * stops. The queue knows nothing of HTTP: it is given a hold and a release callback (suspend and
 * resume in the server; counters in the unit tests), so it can be tested without a socket. */
#ifndef MV_DELAY_H
#define MV_DELAY_H

#include <stdbool.h>

struct mv_delay_queue;

/* Suspended connections still hold a socket and their request state, and they count against
 * --max-connections (4096 by default, conns.h), so their number stays well under it: most slots
 * always remain for other requests and for the control API that ends the delays. A delay beyond
 * this is skipped (and logged by the caller). docs/limits.md lists it with the other limits. */
#define MV_DELAY_MAX 512

/* Called with the queue's lock held, so they must not call back into the queue. hold(arg) runs in
 * mv_delay_add before the delay is queued (the suspend); release(arg) runs exactly once per held
 * delay, from the timer thread when the delay is due or from the thread that ends it early. */
typedef void (*mv_delay_fn)(void *arg);

/* Creates the queue and starts its timer thread. At most max (1..MV_DELAY_MAX, 0 =
 * MV_DELAY_MAX) delays are held at once. NULL when out of memory or no thread could start. */
struct mv_delay_queue *mv_delay_queue_create(unsigned max, mv_delay_fn hold, mv_delay_fn release);
/* Stops the queue (mv_delay_queue_stop) and frees it. Accepts NULL. */
void mv_delay_queue_destroy(struct mv_delay_queue *q);
/* Releases every held delay now, refuses new ones from then on and joins the timer thread. The
 * server calls this before stopping libmicrohttpd, which must not find a suspended connection.
 * Idempotent; accepts NULL. */
void mv_delay_queue_stop(struct mv_delay_queue *q);

/* Holds arg for ms milliseconds on behalf of fault rule id: calls hold(arg) and queues it. Returns
 * false, without calling hold, when max delays are already held or the queue is stopped. */
bool mv_delay_add(struct mv_delay_queue *q, unsigned id, unsigned ms, void *arg);
/* Releases now every delay held for rule id (the rule was removed). Returns how many. */
unsigned mv_delay_end_rule(struct mv_delay_queue *q, unsigned id);
/* Releases now every held delay (the rules were cleared). Returns how many. */
unsigned mv_delay_end_all(struct mv_delay_queue *q);
/* Delays held now. */
unsigned mv_delay_count(struct mv_delay_queue *q);

#endif
