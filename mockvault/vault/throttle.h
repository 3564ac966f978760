/* throttle.h: Key Vault's service limits (spec/keyvault-secrets.md §7, spec/keyvault-keys.md §7),
 * per vault over a sliding window: at most 300 secret creations (SetSecret) and 4,000 other
 * transactions in any 10 s; for keys, per key type, creations and other transactions: RSA-2048
 * 10/2000, RSA-3072 10/500, RSA-4096 10/250, EC 10/2000, and half of each for HSM keys. Pure
 * logic: the caller passes the time and the class in (op.h: a keys request's class is refined by
 * mv_keys_throttle_class in vault/keys.h, from the create or import body or the stored key), and
 * answers the 429 itself. The limits below (options, PUT /_mock/throttle) set the secrets'
 * classes; the keys' classes keep the service's table (the window applies to every class). */
#ifndef MV_THROTTLE_H
#define MV_THROTTLE_H

#include <stdbool.h>

#include "op.h" /* enum mv_throttle_class: each operation says how it counts */

struct mv_throttle;

#define MV_THROTTLE_AZURE_TRANSACTIONS 4000u /* "All other transactions" per vault per 10 s */
#define MV_THROTTLE_AZURE_CREATIONS 300u     /* "Secret CREATE secret" per vault per 10 s */
#define MV_THROTTLE_AZURE_WINDOW 10.0        /* seconds */
#define MV_THROTTLE_MAX_LIMIT 1000000u       /* a window keeps one timestamp per admitted request */

struct mv_throttle_limits {
    bool enabled;          /* false = admit everything (the default: --throttle off) */
    unsigned transactions; /* per vault per window, every operation but SetSecret; >= 1 */
    unsigned creations;    /* per vault per window, SetSecret; >= 1 */
    double window;         /* seconds, > 0 */
};

/* Fills l with Key Vault's limits, enabled or not. */
void mv_throttle_azure_limits(struct mv_throttle_limits *l, bool enabled);

/* Creates the model with the given limits (out-of-range values are clamped). NULL when out of
 * memory. */
struct mv_throttle *mv_throttle_create(const struct mv_throttle_limits *l);
void mv_throttle_destroy(struct mv_throttle *t); /* accepts NULL */

/* Replaces the limits and forgets every window, so a test that lowers the limits starts from an
 * empty window. */
void mv_throttle_set_limits(struct mv_throttle *t, const struct mv_throttle_limits *l);
/* Back to the limits it was created with (the options), every window forgotten: /_mock/reset. */
void mv_throttle_reset(struct mv_throttle *t);
void mv_throttle_get_limits(struct mv_throttle *t, struct mv_throttle_limits *out);

/* Counts one request of class cls to vault at time now (seconds, any origin). Returns true when it
 * is admitted. Returns false when the vault already admitted the limit of that class in the window
 * (now - window, now]; the refused request is not counted, as on the real service, where a
 * request answered 429 does not count towards the limit. On refusal, *wait (may be NULL) gets the
 * seconds until the oldest counted request leaves the window. Requests counted at a time after now
 * (the mock clock was set back) no longer count. Thread-safe. Fails open (admits) when out of
 * memory: a throttling model must never turn an allocation failure into a fake 429. */
bool mv_throttle_admit(struct mv_throttle *t, const char *vault, enum mv_throttle_class cls,
                       double now, double *wait);
/* The same, with the time read by now_fn(ctx) while the model's lock is held. The server uses
 * this one: with the time read before the lock, two concurrent requests can arrive in the other
 * order, and the later one's entry would look like it came from before a clock set back and be
 * dropped, so concurrent traffic would be undercounted and pass the limit. */
bool mv_throttle_admit_clock(struct mv_throttle *t, const char *vault, enum mv_throttle_class cls,
                             double (*now_fn)(void *ctx), void *ctx, double *wait);

#endif
