/* keys.c: the keys family's part of the soak workload (spec/keyvault-keys.md §1):
 *  - the lifecycle of each worker's own keys in the demo vault, every key operation in an order
 *    whose every answer is known: create (EC P-256, and RSA-2048 rarely, since the mock generates
 *    it) or import with private JWK parts (EC P-256 and RSA-2048, made here with GnuTLS), get,
 *    sign and verify, encrypt and decrypt, wrap and unwrap (RSA), update, the rotation policy,
 *    rotate (EC: an RSA rotation would generate again), versions, list, backup, delete, 404 and
 *    409 on the deleted name, recover, purge and restore. It checks that each key keeps its
 *    public parts, that every signature verifies and every round trip gives back what went in;
 *    after a cut connection it asks where the key stands and goes on;
 *  - fixed keys requests by several principals on the fixture's demo-rsa and demo-ec: allowed
 *    ones, denials (403), the 401 challenge, 404 and 400 answers, on both vaults, and crypto
 *    round trips by the principals that hold the permissions.
 * Key creations (create, import, rotate) count in the keys' own throttle classes (10 per window
 * and key type): a worker whose creation is throttled leaves its key alone for a while, as a
 * client would, and sends fixed requests meanwhile. Nothing here prints key material, a
 * plaintext, a signature or a token. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwk-gen.h"
#include "work.h"

/* A 32-byte digest (ES256, PS256) and a short plaintext, base64url. */
#define DIGEST "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define PLAIN "c29hayBwbGFpbnRleHQ"
/* 64 zero bytes: an ES256 signature that never verifies (verify answers 200, false). */
#define ZERO_SIG                                                                                   \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define RSA_V "3333cccc3333cccc3333cccc3333cccc" /* demo-rsa's version in the fixture */
#define EC_V "4444dddd4444dddd4444dddd4444dddd"  /* demo-ec's */
/* One cycle in this many creates an RSA-2048 key (the mock generates it: tens of ms, more under
 * ASan); the others create or import EC P-256 keys or import RSA ones, which cost little. */
#define RSA_CREATE_EVERY 16
/* How long a worker leaves its key alone after a throttled creation. */
#define THROTTLE_PAUSE_S 0.25
#define KEY_NAMES 3

bool soak_op_is_key(enum soak_op op)
{
    return op >= OP_CREATE_KEY && op <= OP_GET_KEY_ATTESTATION;
}

int soak_keys_pool_init(struct soak_run *run)
{
    for (size_t i = 0; i < COUNT(run->ec_jwk); i++)
        if (!(run->ec_jwk[i] = jwkgen_private(false)))
            return -1;
    for (size_t i = 0; i < COUNT(run->rsa_jwk); i++)
        if (!(run->rsa_jwk[i] = jwkgen_private(true)))
            return -1;
    return 0;
}

static void wipe_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void soak_keys_pool_free(struct soak_run *run)
{
    for (size_t i = 0; i < COUNT(run->ec_jwk); i++)
        wipe_free(run->ec_jwk[i]);
    for (size_t i = 0; i < COUNT(run->rsa_jwk); i++)
        wipe_free(run->rsa_jwk[i]);
}

/* ---- Fixed requests ---- */

#define KV(tk_, host_, op_, method_, path_, body_, ...)                                            \
    ACT(tk_, EP_VAULT, host_, op_, method_, path_, body_, false, __VA_ARGS__)
#define SIGN_EC "{\"alg\":\"ES256\",\"value\":\"" DIGEST "\"}"
#define ENCRYPT "{\"alg\":\"RSA-OAEP-256\",\"value\":\"" PLAIN "\"}"
#define WRAP "{\"alg\":\"RSA-OAEP\",\"value\":\"" DIGEST "\"}"

/* The default fixture's key permissions on demo: mockvault-admin all; automation-flow get, list,
 * sign, verify, encrypt, decrypt; vm-identity get, wrapKey, unwrapKey; app-identity get, list;
 * on rbac-demo mockvault-admin is Key Vault Administrator and automation-flow holds only a
 * secret's role. */
static const struct action key_actions[] = {
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEY, "GET", "/keys/demo-rsa?" API, NULL, 200),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEY, "GET", "/keys/demo-ec/" EC_V "?" API, NULL, 200),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEY, "GET", "/keys/" SOAK_PREFIX "missing/?" API, NULL, 404),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEYS, "GET", "/keys?maxresults=3&" API, NULL, 200),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEY_VERSIONS, "GET", "/keys/demo-rsa/versions?" API, NULL, 200),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_DELETED_KEYS, "GET", "/deletedkeys?" API, NULL, 200),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_DELETED_KEY, "GET", "/deletedkeys/" SOAK_PREFIX "missing?" API,
       NULL, 404),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEY_ROTATION_POLICY, "GET", "/keys/demo-rsa/rotationpolicy?" API,
       NULL, 200),
    KV(TK_ADMIN, HOST_MAIN, OP_SIGN, "POST", "/keys/demo-ec/sign?" API, SIGN_EC, 200),
    /* 16 bytes where ES256 wants 32: 400 BadParameter. */
    KV(TK_ADMIN, HOST_MAIN, OP_SIGN, "POST", "/keys/demo-ec//sign?" API,
       "{\"alg\":\"ES256\",\"value\":\"AAECAwQFBgcICQoLDA0ODw\"}", 400),
    KV(TK_ADMIN, HOST_MAIN, OP_VERIFY, "POST", "/keys/demo-ec/verify?" API,
       "{\"alg\":\"ES256\",\"digest\":\"" DIGEST "\",\"value\":\"" ZERO_SIG "\"}", 200),
    KV(TK_ADMIN, HOST_MAIN, OP_ENCRYPT, "POST", "/keys/demo-rsa/encrypt?" API, ENCRYPT, 200),
    /* An EC key's key_ops hold no encrypt: 403 KeyOperationForbidden. */
    KV(TK_ADMIN, HOST_MAIN, OP_ENCRYPT, "POST", "/keys/demo-ec/encrypt?" API, ENCRYPT, 403),
    KV(TK_ADMIN, HOST_MAIN, OP_WRAP_KEY, "POST", "/keys/demo-rsa/" RSA_V "/wrapkey?" API, WRAP,
       200),
    /* Not exportable, no release policy: 400. */
    KV(TK_ADMIN, HOST_MAIN, OP_RELEASE, "POST", "/keys/demo-rsa//release?" API,
       "{\"target\":\"not.an.attestation\"}", 400),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_RANDOM_BYTES, "POST", "/rng?" API, "{\"count\":16}", 200),
    KV(TK_ADMIN, HOST_MAIN, OP_GET_KEY_ATTESTATION, "GET",
       "/keys/demo-rsa/" RSA_V "/attestation?" API, NULL, 400),
    KV(TK_ADMIN, HOST_MAIN, OP_RESTORE_KEY, "POST", "/keys/restore?" API,
       "{\"value\":\"bm90LWEtYmxvYg\"}", 400),
    KV(TK_NONE, HOST_MAIN, OP_GET_KEY, "GET", "/keys/demo-rsa?" API, NULL, 401),
    KV(TK_ADMIN_V1, HOST_MAIN, OP_GET_KEY, "GET", "/keys/demo-ec?" API, NULL, 200),
    KV(TK_FLOW, HOST_MAIN, OP_GET_KEY, "GET", "/keys/demo-ec?" API, NULL, 200),
    KV(TK_FLOW, HOST_MAIN, OP_SIGN, "POST", "/keys/demo-ec/sign?" API, SIGN_EC, 200),
    KV(TK_FLOW, HOST_MAIN, OP_ENCRYPT, "POST", "/keys/demo-rsa/encrypt?" API, ENCRYPT, 200),
    KV(TK_FLOW, HOST_MAIN, OP_WRAP_KEY, "POST", "/keys/demo-rsa/wrapkey?" API, WRAP, 403),
    KV(TK_FLOW, HOST_MAIN, OP_DELETE_KEY, "DELETE", "/keys/demo-rsa?" API, NULL, 403),
    KV(TK_FLOW, HOST_MAIN, OP_CREATE_KEY, "POST", "/keys/" SOAK_PREFIX "denied/create?" API,
       "{\"kty\":\"EC\"}", 403),
    KV(TK_FLOW, HOST_MAIN, OP_RELEASE, "POST", "/keys/demo-rsa/release?" API,
       "{\"target\":\"not.an.attestation\"}", 403),
    KV(TK_VM_IMDS, HOST_MAIN, OP_WRAP_KEY, "POST", "/keys/demo-rsa/wrapkey?" API, WRAP, 200),
    KV(TK_VM_IMDS, HOST_MAIN, OP_SIGN, "POST", "/keys/demo-ec/sign?" API, SIGN_EC, 403),
    KV(TK_VM_IMDS, HOST_MAIN, OP_GET_KEYS, "GET", "/keys?" API, NULL, 403),
    KV(TK_APP_SERVICE, HOST_MAIN, OP_GET_KEYS, "GET", "/keys?maxresults=5&" API, NULL, 200),
    KV(TK_APP_SERVICE, HOST_MAIN, OP_DECRYPT, "POST", "/keys/demo-rsa/decrypt?" API, ENCRYPT, 403),
    KV(TK_APP_SERVICE, HOST_MAIN, OP_UPDATE_KEY_ROTATION_POLICY, "PUT",
       "/keys/demo-rsa/rotationpolicy?" API, "{\"lifetimeActions\":[]}", 403),
    KV(TK_NOACCESS, HOST_MAIN, OP_GET_KEY, "GET", "/keys/demo-rsa?" API, NULL, 403),
    KV(TK_GRAPHAPP_VAULT, HOST_MAIN, OP_GET_KEYS, "GET", "/keys?" API, NULL, 403),
    KV(TK_ADMIN, HOST_RBAC, OP_GET_KEYS, "GET", "/keys?" API, NULL, 200),
    KV(TK_ADMIN, HOST_RBAC, OP_GET_KEY, "GET", "/keys/" SOAK_PREFIX "missing?" API, NULL, 404),
    KV(TK_FLOW, HOST_RBAC, OP_GET_KEYS, "GET", "/keys?" API, NULL, 403),
    KV(TK_NOACCESS, HOST_RBAC, OP_GET_DELETED_KEYS, "GET", "/deletedkeys?" API, NULL, 403),
};

/* A round trip by a principal that holds both permissions: the second request carries what the
 * first answered, and must give back what went into the first. */
static const struct pair {
    int tk;
    enum soak_op op1, op2;
    const char *path1, *path2, *body1;
    const char *fmt2_head, *fmt2_tail; /* the second body: head, the first's value, tail */
    const char *want;                  /* the second's value: DIGEST/PLAIN, or "true" */
} pairs[] = {
    {TK_FLOW, OP_ENCRYPT, OP_DECRYPT, "/keys/demo-rsa/encrypt?" API, "/keys/demo-rsa/decrypt?" API,
     ENCRYPT, "{\"alg\":\"RSA-OAEP-256\",\"value\":\"", "\"}", PLAIN},
    {TK_VM_IMDS, OP_WRAP_KEY, OP_UNWRAP_KEY, "/keys/demo-rsa/wrapkey?" API,
     "/keys/demo-rsa/unwrapkey?" API, WRAP, "{\"alg\":\"RSA-OAEP\",\"value\":\"", "\"}", DIGEST},
    {TK_FLOW, OP_SIGN, OP_VERIFY, "/keys/demo-ec/sign?" API, "/keys/demo-ec/verify?" API, SIGN_EC,
     "{\"alg\":\"ES256\",\"digest\":\"" DIGEST "\",\"value\":\"", "\"}", "true"},
};

/* The string at member name of the last answer, copied into out ("" when absent; "true" or
 * "false" for a boolean). */
static void answer_member(struct soak_worker *w, const char *name, char *out, size_t n)
{
    cJSON *j = cJSON_Parse(w->buf), *v = cJSON_GetObjectItemCaseSensitive(j, name);

    snprintf(out, n, "%s",
             cJSON_IsString(v) ? v->valuestring
             : cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "true" : "false")
                               : "");
    cJSON_Delete(j);
}

static enum soak_outcome run_pair(struct soak_worker *w, const struct pair *p)
{
    struct action a = {p->tk,
                       {.op = p->op1,
                        .ep = EP_VAULT,
                        .host = HOST_MAIN,
                        .method = "POST",
                        .path = p->path1,
                        .body = p->body1,
                        .ctype = JSON,
                        .expect = {200}}};
    char value[1024], body[1200];
    enum soak_outcome o = soak_run_action(w, &a);

    if (o != OUT_OK)
        return o;
    answer_member(w, "value", value, sizeof value);
    snprintf(body, sizeof body, "%s%s%s", p->fmt2_head, value, p->fmt2_tail);
    a.q.op = p->op2;
    a.q.path = p->path2;
    a.q.body = body;
    o = soak_run_action(w, &a);
    if (o == OUT_OK) {
        answer_member(w, "value", value, sizeof value);
        if (strcmp(value, p->want) != 0) {
            soak_unexpected(w, &a.q, "the round trip did not give back what went in");
            o = OUT_UNEXPECTED;
        }
    }
    return o;
}

/* ---- The lifecycle of the worker's own keys ---- */

enum kstep {
    K_CREATE,
    K_GET,
    K_SIGN,
    K_VERIFY,
    K_ENCRYPT,
    K_DECRYPT,
    K_WRAP,
    K_UNWRAP,
    K_UPDATE,
    K_POLICY_SET,
    K_POLICY_GET,
    K_ROTATE,
    K_GET_V1,
    K_VERSIONS,
    K_LIST,
    K_BACKUP,
    K_DELETE1,
    K_GET_GONE,
    K_CREATE_CONFLICT,
    K_GET_DELETED,
    K_LIST_DELETED,
    K_RECOVER,
    K_GET_RECOVERED,
    K_DELETE2,
    K_PURGE,
    K_GET_PURGED,
    K_RESTORE,
    K_RESTORE_CONFLICT,
    K_DELETE3,
    K_PURGE3,
    /* After an unexplained answer or a cut connection: is the key live, deleted or gone? */
    K_RESYNC_LIVE,
    K_RESYNC_DELETED,
};

/* Each step's request and the status that moves the key on; the path is pre, then the name and
 * post unless post is NULL ("{v}" in post: the first version). */
static const struct {
    enum soak_op op;
    const char *method, *pre, *post;
    int expect;
    enum kstep next;
} ksteps[] = {
    [K_CREATE] = {OP_CREATE_KEY, "POST", "/keys/", "/create", 200, K_GET},
    [K_GET] = {OP_GET_KEY, "GET", "/keys/", "", 200, K_SIGN},
    [K_SIGN] = {OP_SIGN, "POST", "/keys/", "/{v}/sign", 200, K_VERIFY},
    [K_VERIFY] = {OP_VERIFY, "POST", "/keys/", "/{v}/verify", 200, K_ENCRYPT},
    [K_ENCRYPT] = {OP_ENCRYPT, "POST", "/keys/", "/encrypt", 200, K_DECRYPT},
    [K_DECRYPT] = {OP_DECRYPT, "POST", "/keys/", "/{v}/decrypt", 200, K_WRAP},
    [K_WRAP] = {OP_WRAP_KEY, "POST", "/keys/", "//wrapkey", 200, K_UNWRAP},
    [K_UNWRAP] = {OP_UNWRAP_KEY, "POST", "/keys/", "/{v}/unwrapkey", 200, K_UPDATE},
    [K_UPDATE] = {OP_UPDATE_KEY, "PATCH", "/keys/", "/{v}", 200, K_POLICY_SET},
    [K_POLICY_SET] = {OP_UPDATE_KEY_ROTATION_POLICY, "PUT", "/keys/", "/rotationpolicy", 200,
                      K_POLICY_GET},
    [K_POLICY_GET] = {OP_GET_KEY_ROTATION_POLICY, "GET", "/keys/", "/rotationpolicy", 200,
                      K_ROTATE},
    [K_ROTATE] = {OP_ROTATE_KEY, "POST", "/keys/", "/rotate", 200, K_GET_V1},
    [K_GET_V1] = {OP_GET_KEY, "GET", "/keys/", "/{v}", 200, K_VERSIONS},
    [K_VERSIONS] = {OP_GET_KEY_VERSIONS, "GET", "/keys/", "/versions", 200, K_LIST},
    [K_LIST] = {OP_GET_KEYS, "GET", "/keys?maxresults=5", NULL, 200, K_BACKUP},
    [K_BACKUP] = {OP_BACKUP_KEY, "POST", "/keys/", "/backup", 200, K_DELETE1},
    [K_DELETE1] = {OP_DELETE_KEY, "DELETE", "/keys/", "", 200, K_GET_GONE},
    [K_GET_GONE] = {OP_GET_KEY, "GET", "/keys/", "", 404, K_CREATE_CONFLICT},
    [K_CREATE_CONFLICT] = {OP_CREATE_KEY, "POST", "/keys/", "/create", 409, K_GET_DELETED},
    [K_GET_DELETED] = {OP_GET_DELETED_KEY, "GET", "/deletedkeys/", "", 200, K_LIST_DELETED},
    [K_LIST_DELETED] = {OP_GET_DELETED_KEYS, "GET", "/deletedkeys?maxresults=5", NULL, 200,
                        K_RECOVER},
    [K_RECOVER] = {OP_RECOVER_DELETED_KEY, "POST", "/deletedkeys/", "/recover", 200,
                   K_GET_RECOVERED},
    [K_GET_RECOVERED] = {OP_GET_KEY, "GET", "/keys/", "", 200, K_DELETE2},
    [K_DELETE2] = {OP_DELETE_KEY, "DELETE", "/keys/", "", 200, K_PURGE},
    [K_PURGE] = {OP_PURGE_DELETED_KEY, "DELETE", "/deletedkeys/", "", 204, K_GET_PURGED},
    [K_GET_PURGED] = {OP_GET_DELETED_KEY, "GET", "/deletedkeys/", "", 404, K_RESTORE},
    [K_RESTORE] = {OP_RESTORE_KEY, "POST", "/keys/restore", NULL, 200, K_RESTORE_CONFLICT},
    [K_RESTORE_CONFLICT] = {OP_RESTORE_KEY, "POST", "/keys/restore", NULL, 409, K_DELETE3},
    [K_DELETE3] = {OP_DELETE_KEY, "DELETE", "/keys/", "", 200, K_PURGE3},
    [K_PURGE3] = {OP_PURGE_DELETED_KEY, "DELETE", "/deletedkeys/", "", 204, K_CREATE},
    [K_RESYNC_LIVE] = {OP_GET_KEY, "GET", "/keys/", "", 200, K_SIGN},
    [K_RESYNC_DELETED] = {OP_GET_DELETED_KEY, "GET", "/deletedkeys/", "", 200, K_GET_DELETED},
};

struct soak_keys {
    enum kstep step;
    unsigned cycle;
    char name[64];
    bool rsa;                   /* the key is RSA: encrypt, wrap, no rotation */
    char v1[40];                /* the version created (or found by a resync) */
    uint64_t pub_v1, pub_cur;   /* hashes of the public parts of v1 and of the current version */
    bool pub_known;             /* false after a resync until a GET tells */
    int nversions;              /* expected, -1 when not known */
    char sig[512], ct[512];     /* the last signature and ciphertext (or wrapped key) */
    char *blob;                 /* owned: the last backup */
    uint64_t blob_pub;          /* the current version's public parts when it was backed up */
    double pause_until;         /* soak_now() before which the key is left alone (throttled) */
    unsigned fixed_next, pairs; /* the next fixed request; fixed requests sent */
};

/* FNV-1a (64 bits) of the public parts in a key answer (kty, n, e, crv, x, y); 0 when none. */
static uint64_t pub_hash(cJSON *j)
{
    static const char *const parts[] = {"kty", "n", "e", "crv", "x", "y"};
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(j, "key");
    uint64_t h = 14695981039346656037ull;
    bool any = false;

    for (size_t i = 0; cJSON_IsObject(key) && i < COUNT(parts); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(key, parts[i]);
        const char *s = cJSON_IsString(v) ? v->valuestring : "";
        any = any || *s;
        for (; *s; s++)
            h = (h ^ (unsigned char)*s) * 1099511628211ull;
        h = (h ^ '|') * 1099511628211ull;
    }
    return any ? h : 0;
}

/* The version at the end of the answer's key.kid. */
static void kid_version(cJSON *j, char *out, size_t n)
{
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(j, "key");
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(key, "kid");
    const char *slash = cJSON_IsString(kid) ? strrchr(kid->valuestring, '/') : NULL;

    snprintf(out, n, "%s", slash ? slash + 1 : "");
}

static bool kty_rsa(cJSON *j)
{
    const cJSON *kty =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "key"), "kty");
    return cJSON_IsString(kty) && strncmp(kty->valuestring, "RSA", 3) == 0;
}

/* Checks a public key answered against the one expected, when known. */
static bool pub_is(struct soak_worker *w, const struct soak_req *q, cJSON *j, uint64_t want)
{
    struct soak_keys *k = w->keys;

    if (pub_hash(j) == 0) {
        soak_unexpected(w, q, "a key answer without public parts");
        return false;
    }
    if (k->pub_known && pub_hash(j) != want) {
        soak_unexpected(w, q, "the key's public parts differ from the ones acknowledged");
        return false;
    }
    return true;
}

/* Learns from a step's 2xx what later steps check; false when the answer contradicts what this
 * worker wrote (reported as unexpected). */
static bool klearn(struct soak_worker *w, const struct soak_req *q, cJSON *j)
{
    struct soak_keys *k = w->keys;
    char got[1024];

    switch (k->step) {
    case K_CREATE:
        kid_version(j, k->v1, sizeof k->v1);
        k->pub_v1 = k->pub_cur = pub_hash(j);
        k->pub_known = k->pub_v1 != 0;
        k->rsa = kty_rsa(j);
        k->nversions = 1;
        return k->pub_known && k->v1[0];
    case K_GET:
        kid_version(j, got, sizeof got);
        if (strcmp(got, k->v1) != 0) {
            soak_unexpected(w, q, "the latest version is not the one created");
            return false;
        }
        return pub_is(w, q, j, k->pub_v1);
    case K_GET_RECOVERED: return pub_is(w, q, j, k->pub_cur);
    case K_GET_V1: return pub_is(w, q, j, k->pub_v1);
    case K_SIGN:
    case K_ENCRYPT:
    case K_WRAP:
        answer_member(w, "value", k->step == K_SIGN ? k->sig : k->ct, sizeof k->sig);
        return true;
    case K_VERIFY:
    case K_DECRYPT:
    case K_UNWRAP:
        answer_member(w, "value", got, sizeof got);
        if (strcmp(got, k->step == K_VERIFY ? "true" : k->step == K_DECRYPT ? PLAIN : DIGEST)) {
            soak_unexpected(w, q, "the round trip did not give back what went in");
            return false;
        }
        return true;
    case K_ROTATE:
        if (pub_hash(j) == 0 || pub_hash(j) == k->pub_v1) {
            soak_unexpected(w, q, "a rotation kept the old public key");
            return false;
        }
        k->pub_cur = pub_hash(j);
        if (k->nversions > 0)
            k->nversions++;
        return true;
    case K_VERSIONS: {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
        if (k->nversions > 0 && cJSON_GetArraySize(v) != k->nversions) {
            soak_unexpected(w, q, "the versions listed are not the ones written");
            return false;
        }
        return true;
    }
    case K_BACKUP: {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
        free(k->blob);
        k->blob = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
        k->blob_pub = k->pub_known ? k->pub_cur : 0;
        return true;
    }
    case K_RESTORE:
        if (k->blob_pub && pub_hash(j) != k->blob_pub) {
            soak_unexpected(w, q, "a restored key's public parts differ from the backed up ones");
            return false;
        }
        return true;
    case K_RESYNC_LIVE:
        /* Live, in a state this worker cannot check: go on from its latest version. */
        kid_version(j, k->v1, sizeof k->v1);
        k->pub_v1 = k->pub_cur = pub_hash(j);
        k->pub_known = true;
        k->rsa = kty_rsa(j);
        k->nversions = -1;
        return true;
    default: return true;
    }
}

/* The create or import body of this cycle: RSA-2048 created one cycle in RSA_CREATE_EVERY, else
 * EC P-256 created, an EC or an RSA key imported. Sets *op. */
static void create_body(struct soak_worker *w, char *body, size_t n, enum soak_op *op,
                        const char **method)
{
    struct soak_run *run = w->run;
    struct soak_keys *k = w->keys;
    unsigned c = k->cycle;

    *op = OP_CREATE_KEY;
    *method = "POST";
    if (c % RSA_CREATE_EVERY == RSA_CREATE_EVERY - 1) {
        snprintf(body, n, "{\"kty\":\"RSA\",\"key_size\":2048,\"tags\":{\"soak\":\"%u\"}}", c);
    } else if (c % 4 == 1 || c % 4 == 3) {
        *op = OP_IMPORT_KEY;
        *method = "PUT";
        snprintf(body, n, "{\"key\":%s,\"tags\":{\"soak\":\"%u\"}}",
                 c % 4 == 1 ? run->ec_jwk[(c / 4 + (unsigned)w->id) % COUNT(run->ec_jwk)]
                            : run->rsa_jwk[(c / 4 + (unsigned)w->id) % COUNT(run->rsa_jwk)],
                 c);
    } else {
        snprintf(body, n, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"tags\":{\"soak\":\"%u\"}}", c);
    }
}

/* Builds the current step's request into q, path and body. */
static void kbuild(struct soak_worker *w, struct soak_req *q, char *path, size_t pathlen,
                   char *body, size_t bodylen)
{
    struct soak_keys *k = w->keys;
    const char *post = ksteps[k->step].post, *v = strstr(post ? post : "", "{v}");
    const char *sig_alg = k->rsa ? "PS256" : "ES256";
    size_t m;

    q->op = ksteps[k->step].op;
    q->method = ksteps[k->step].method;
    if (!post)
        m = (size_t)snprintf(path, pathlen, "%s", ksteps[k->step].pre);
    else if (v)
        m = (size_t)snprintf(path, pathlen, "%s%s%.*s%s%s", ksteps[k->step].pre, k->name,
                             (int)(v - post), post, k->v1, v + 3);
    else
        m = (size_t)snprintf(path, pathlen, "%s%s%s", ksteps[k->step].pre, k->name, post);
    snprintf(path + m, pathlen - m, "%s" API, strchr(path, '?') ? "&" : "?");
    body[0] = '\0';
    switch (k->step) {
    case K_CREATE:
        create_body(w, body, bodylen, &q->op, &q->method);
        if (q->op == OP_IMPORT_KEY) /* PUT /keys/{name} */
            snprintf(path, pathlen, "/keys/%s?" API, k->name);
        break;
    case K_CREATE_CONFLICT: snprintf(body, bodylen, "{\"kty\":\"EC\"}"); break;
    case K_SIGN:
        snprintf(body, bodylen, "{\"alg\":\"%s\",\"value\":\"" DIGEST "\"}", sig_alg);
        break;
    case K_VERIFY:
        snprintf(body, bodylen, "{\"alg\":\"%s\",\"digest\":\"" DIGEST "\",\"value\":\"%s\"}",
                 sig_alg, k->sig);
        break;
    case K_ENCRYPT: snprintf(body, bodylen, "%s", ENCRYPT); break;
    case K_WRAP: snprintf(body, bodylen, "%s", WRAP); break;
    case K_DECRYPT:
    case K_UNWRAP:
        snprintf(body, bodylen, "{\"alg\":\"%s\",\"value\":\"%s\"}",
                 k->step == K_DECRYPT ? "RSA-OAEP-256" : "RSA-OAEP", k->ct);
        break;
    case K_UPDATE:
        snprintf(body, bodylen, "{\"tags\":{\"soak\":\"%u\",\"updated\":\"yes\"}}", k->cycle);
        break;
    case K_POLICY_SET:
        snprintf(body, bodylen,
                 "{\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P90D\"},"
                 "\"action\":{\"type\":\"Rotate\"}}],\"attributes\":{\"expiryTime\":\"P2Y\"}}");
        break;
    case K_RESTORE:
    case K_RESTORE_CONFLICT: snprintf(body, bodylen, "{\"value\":\"%s\"}", k->blob); break;
    default: break;
    }
    q->body = body[0] || strcmp(q->method, "POST") == 0 ? body : NULL;
    q->ctype = body[0] ? JSON : NULL;
}

/* The next step after an expected answer `status` to the current one. RSA keys skip rotation,
 * EC keys encryption. */
static enum kstep knext(struct soak_keys *k, long status)
{
    enum kstep next = ksteps[k->step].next;

    if (k->step == K_RESYNC_LIVE && status == 404)
        return K_RESYNC_DELETED;
    if (k->step == K_RESYNC_DELETED && status == 404)
        return K_CREATE; /* gone: the name's cycle starts again */
    if (k->step == K_PURGE3)
        k->cycle++;
    if (next == K_ENCRYPT && !k->rsa)
        next = K_UPDATE;
    if (next == K_ROTATE && k->rsa)
        next = K_GET_V1;
    if (next == K_RESTORE && !k->blob)
        next = K_CREATE;
    return next;
}

enum soak_outcome soak_keys_fixed_step(struct soak_worker *w)
{
    struct soak_keys *k = w->keys;
    unsigned n = k->fixed_next++;

    /* One fixed step in eight is a crypto round trip. */
    if (n % 8 == 7)
        return run_pair(w, &pairs[k->pairs++ % COUNT(pairs)]);
    return soak_run_action(w, &key_actions[(n - n / 8) % COUNT(key_actions)]);
}

enum soak_outcome soak_keys_life_step(struct soak_worker *w)
{
    struct soak_keys *k = w->keys;
    struct soak_req q = {.ep = EP_VAULT, .host = HOST_MAIN};
    size_t bodylen = 4096 + (k->blob ? strlen(k->blob) : 0);
    bool resync = k->step == K_RESYNC_LIVE || k->step == K_RESYNC_DELETED;
    bool creation = k->step == K_CREATE || k->step == K_CREATE_CONFLICT || k->step == K_ROTATE;
    enum soak_outcome o;
    char path[256], *body;
    cJSON *j;

    if (soak_now() < k->pause_until)
        return soak_keys_fixed_step(w);
    body = malloc(bodylen);
    if (!body)
        return OUT_STOP;
    snprintf(k->name, sizeof k->name, SOAK_PREFIX "k-w%d-n%u", w->id, k->cycle % KEY_NAMES);
    q.expect[0] = ksteps[k->step].expect;
    q.expect[1] = resync ? 404 : 0;
    kbuild(w, &q, path, sizeof path, body, bodylen);
    q.path = path;
    o = soak_send_admin(w, &q, &j);
    switch (o) {
    case OUT_OK:
        if (w->status == 200 && !klearn(w, &q, j))
            k->step = K_RESYNC_LIVE;
        else
            k->step = knext(k, w->status);
        cJSON_Delete(j);
        break;
    case OUT_CUT:
    case OUT_UNEXPECTED:
        /* The write may or may not have happened: find out before going on. */
        k->step = K_RESYNC_LIVE;
        k->pub_known = false;
        k->nversions = -1;
        break;
    case OUT_THROTTLED:
        /* A creation beyond the key type's limit: leave the key alone for a while. */
        if (creation)
            k->pause_until = soak_now() + THROTTLE_PAUSE_S;
        break;
    default: break; /* faulted: nothing happened, the step is tried again */
    }
    free(body);
    return o;
}

int soak_keys_init(struct soak_worker *w)
{
    w->keys = calloc(1, sizeof *w->keys);
    if (!w->keys)
        return -1;
    w->keys->step = K_CREATE;
    w->keys->nversions = -1;
    /* Workers start at different places in the fixed table and at different cycles. */
    w->keys->fixed_next = (unsigned)w->id * 5;
    w->keys->cycle = (unsigned)w->id;
    return 0;
}

void soak_keys_finish(struct soak_worker *w)
{
    if (w->keys)
        free(w->keys->blob);
    free(w->keys);
    w->keys = NULL;
}
