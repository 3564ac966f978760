/* state.h: fixtures and snapshots (spec/fixtures.md) to and from struct mv_data; atomic save.
 * One JSON format serves as the fixture, the persisted snapshot and the body of /_mock/state. */
#ifndef MV_STATE_H
#define MV_STATE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Parses a fixture or snapshot held in json[0..len). Relative times ("now", "+90d", "-1h",
 * "+30m", "-10s") are taken against now. Missing version ids are generated (mv_rand_hex32);
 * created/updated default to now. Unknown fields, wrong types, bad values and duplicates are
 * errors. On failure returns NULL and writes into err a message naming the source and the JSON
 * path, e.g. "fixtures/x.json: $.vaults[0].secrets[2].name: invalid secret name 'a_b' (only
 * 0-9, a-z, A-Z and '-')". On success the caller frees the result with mv_data_free. */
struct mv_data *mv_state_parse(const char *json, size_t len, const char *source, int64_t now,
                               char *err, size_t errlen);

/* Reads path and parses it as above (source = path). */
struct mv_data *mv_state_load_file(const char *path, int64_t now, char *err, size_t errlen);
/* The same for the mock's own snapshot (state.json of --state-dir): key material it wrote itself
 * skips the costly RSA primality tests (mv_jwk_parts.own); every other check still runs. */
struct mv_data *mv_state_load_snapshot(const char *path, int64_t now, char *err, size_t errlen);

/* Parses a snapshot already read as JSON (the rows of the mock's SQLite state, model/persist.h),
 * as mv_state_load_snapshot does a file; source names it in messages. */
struct mv_data *mv_state_from_tree(const cJSON *root, const char *source, int64_t now, char *err,
                                   size_t errlen);

/* Serializes d in the fixture format with every field explicit (ids, absolute unix times,
 * deleted secrets with deletedDate/scheduledPurgeDate), so parse(export(d)) equals d.
 * Returns a cJSON tree the caller frees with cJSON_Delete, or NULL when out of memory. */
cJSON *mv_state_export(const struct mv_data *d);

/* One secret with all versions, in the same shape as an entry of "secrets" / "deletedSecrets",
 * for backup blobs. from_json returns NULL and fills err on bad input; caller frees the result
 * with mv_object_finish + free. */
cJSON *mv_state_secret_to_json(const struct mv_object *s);
struct mv_object *mv_state_secret_from_json(const cJSON *j, char *err, size_t errlen);

/* One key with all versions, their private material (as "jwk") and its rotation policy, in the
 * shape of an entry of "keys" / "deletedKeys", for backup blobs and snapshots: it holds private
 * keys, so it only ever goes to the state file or into an encrypted blob. from_json never
 * generates a key (a blob without material is an error). NULL when out of memory or (from_json)
 * on bad input, with err filled; the caller frees the result with mv_object_finish + free. */
cJSON *mv_state_key_to_json(const struct mv_object *s);
struct mv_object *mv_state_key_from_json(const cJSON *j, char *err, size_t errlen);

/* One certificate with all versions (their certificates), its policy and operation object, in
 * the shape of an entry of "certificates" / "deletedCertificates", for backup blobs (its managed
 * key and secret go beside it, as their families' entries). NULL when out of memory or (from_json)
 * on bad input, with err filled; the caller frees the result with mv_object_finish + free. */
cJSON *mv_state_cert_to_json(const struct mv_object *c);
struct mv_object *mv_state_cert_from_json(const cJSON *j, char *err, size_t errlen);

#endif
