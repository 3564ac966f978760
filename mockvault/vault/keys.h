/* keys.h: what the dispatcher asks the keys family outside its handlers. */
#ifndef MV_KEYS_H
#define MV_KEYS_H

#include "http.h"

/* The throttle class of a keys request (spec/keyvault-keys.md §7). The operation's row gives
 * the kind (MV_THROTTLE_KEY_CREATION for create, import and rotate; MV_THROTTLE_KEY_OTHER for
 * the rest); the type comes from the create body's kty, key_size and crv, from the import body's
 * key (kty, the size of n, crv), or, for every other operation on a named key, from the stored
 * version the path names (the current one when it names none). What is unknown (a missing key,
 * a collection, a body that does not parse) counts as RSA-2048 software, the row's own class. */
enum mv_throttle_class mv_keys_throttle_class(struct mv_req *r);

#endif
