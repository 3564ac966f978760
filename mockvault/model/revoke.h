/* revoke.h: continuous access evaluation's state (spec/identity.md §7): the principals whose
 * tokens were revoked through POST /_mock/principals/{id}/revoke, and the issue stamps that
 * order every token the mock mints against those revocations.
 *
 * Why stamps and not iat: tokens are issued backdated by 300 s (iat = nbf = now - 300, as Entra
 * does), so iat cannot tell a token minted a second before a revocation from one minted a second
 * after it, and a frozen mock clock gives every token the same iat. A stamp is strictly increasing
 * and never below now * 2^20, so it also orders tokens minted across a restart (revocations are
 * kept in memory only: a restart or POST /_mock/reset forgets them).
 *
 * No HTTP and no JSON: callers pass the mock clock's now in. Thread-safe (one mutex). */
#ifndef MV_REVOKE_H
#define MV_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many principals are revoked at once; the oldest revocation is forgotten first. */
#define MV_REVOKE_MAX 256

struct mv_revocation {
    char id[64];         /* the object id or client id it was asked for, as given */
    int64_t revoked_at;  /* mock-clock unix seconds: the challenge's nbf value */
    uint64_t cut;        /* tokens with a stamp below this are revoked */
    bool hard;           /* also tokens issued without client capability cp1 */
    unsigned challenges; /* claims challenges answered for it so far */
};

struct mv_revocations;

struct mv_revocations *mv_revocations_create(void);
void mv_revocations_destroy(struct mv_revocations *v); /* accepts NULL */

/* The stamp of a token minted at now: greater than every stamp handed out before (and than every
 * revocation's cut) and at least now * 2^20. */
uint64_t mv_revocations_stamp(struct mv_revocations *v, int64_t now);

/* Revokes principal id (an object id or a client id, compared case-insensitively) as of now:
 * every token minted before this call, and none minted after it. A second revocation of the same
 * id replaces the first. Copies the record into *out when out is not NULL. False when id is empty
 * or longer than the record holds. */
bool mv_revocations_add(struct mv_revocations *v, const char *id, int64_t now, bool hard,
                        struct mv_revocation *out);

/* The revocation that applies to a token of principal oid / appid with stamp, with cp1 telling
 * whether the token was issued to a client that declared it can handle claims challenges. A
 * revocation without hard applies only to cp1 tokens (Entra sends claims challenges only to
 * clients that declared cp1). Counts a challenge and copies the record into *out when one applies.
 */
bool mv_revocations_match(struct mv_revocations *v, const char *oid, const char *appid,
                          uint64_t stamp, bool cp1, struct mv_revocation *out);

/* Copies up to max records (oldest first) into out; returns how many there are. */
size_t mv_revocations_list(struct mv_revocations *v, struct mv_revocation *out, size_t max);

/* Forgets every revocation (POST /_mock/reset); stamps keep increasing. */
void mv_revocations_clear(struct mv_revocations *v);

#endif
