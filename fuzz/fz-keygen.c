/* fz-keygen.c: key generation for the fuzz targets of the mock. Every target that links the mock
 * is linked with -Wl,--wrap=mv_keymat_generate (fuzz/meson.build), so the calls of the fixture
 * parser (state-keys.c), create (vault/keys.c), rotation (keys-policy.c, store-keys.c) land here.
 * Generating an RSA-4096 key takes seconds, far too slow for one per input, and the generator
 * itself reads no input but its spec: so each spec Key Vault offers (RSA 2048/3072/4096, P-256,
 * P-384, P-521, P-256K) is generated once per process by the real function, from a fixed seed so
 * that a reproduced crash sees the same keys, and every later call gets a reference to it.
 * Everything after generation (key_ops, attributes, the store, export) still runs per input. */
#include "fz-keygen.h"

#include <pthread.h>
#include <stdbool.h>

enum mv_km_err __real_mv_keymat_generate(const struct mv_key_spec *spec, const void *seed,
                                         size_t seed_len, struct mv_keymat **out);
enum mv_km_err __wrap_mv_keymat_generate(const struct mv_key_spec *spec, const void *seed,
                                         size_t seed_len, struct mv_keymat **out);

static const struct mv_key_spec specs[] = {
    {MV_KTY_RSA, 2048, MV_CRV_NONE}, {MV_KTY_RSA, 3072, MV_CRV_NONE},
    {MV_KTY_RSA, 4096, MV_CRV_NONE}, {MV_KTY_EC, 0, MV_CRV_P256},
    {MV_KTY_EC, 0, MV_CRV_P384},     {MV_KTY_EC, 0, MV_CRV_P521},
    {MV_KTY_EC, 0, MV_CRV_P256K},
};
#define NSPECS (sizeof specs / sizeof specs[0])

static struct mv_keymat *cache[NSPECS];
/* The server's worker threads and the harness may ask at once. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool same(const struct mv_key_spec *a, const struct mv_key_spec *b)
{
    return a->kty == b->kty && (a->kty == MV_KTY_RSA ? a->bits == b->bits : a->crv == b->crv);
}

enum mv_km_err __wrap_mv_keymat_generate(const struct mv_key_spec *spec, const void *seed,
                                         size_t seed_len, struct mv_keymat **out)
{
    static const unsigned char fixed_seed[32] = "mockvault fuzz: fixed key seed";
    enum mv_km_err e = MV_KM_OK;
    size_t i = 0;

    (void)seed;
    (void)seed_len;
    while (i < NSPECS && !same(spec, &specs[i]))
        i++;
    /* A spec the vault refuses is the real function's to refuse (quickly, before any work). */
    if (i == NSPECS)
        return __real_mv_keymat_generate(spec, seed, seed_len, out);
    pthread_mutex_lock(&lock);
    if (!cache[i])
        e = __real_mv_keymat_generate(&specs[i], fixed_seed, sizeof fixed_seed, &cache[i]);
    *out = e == MV_KM_OK ? mv_keymat_ref(cache[i]) : NULL;
    pthread_mutex_unlock(&lock);
    return e;
}

struct mv_keymat *fz_keygen(const struct mv_key_spec *spec)
{
    struct mv_keymat *km = NULL;
    if (__wrap_mv_keymat_generate(spec, NULL, 0, &km) != MV_KM_OK)
        return NULL;
    return km;
}

void fz_keygen_warm(void)
{
    for (size_t i = 0; i < NSPECS; i++)
        mv_keymat_unref(fz_keygen(&specs[i]));
}
