/* state-keys.c: a vault's keys in fixtures and snapshots (spec/fixtures.md): versions with their
 * key material (generated, deterministically under --seed, or given as PEM or JWK), key_ops,
 * release policy and the rotation policy; and one key alone as a backup blob carries it. */
#include "state-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "util.h"

static const char *const key_version_fields[] = {
    "kty",     "size", "crv",  "keyOps",     "enabled",       "nbf", "exp", "created",
    "updated", "id",   "tags", "exportable", "releasePolicy", "pem", "jwk", NULL,
};
static const char *const live_key_fields[] = {"name", "versions", "rotationPolicy", NULL};
static const char *const deleted_key_fields[] = {
    "name", "deletedDate", "scheduledPurgeDate", "versions", "rotationPolicy", NULL,
};
static const char *const jwk_fields[] = {
    "kty", "crv", "n", "e", "d", "p", "q", "dp", "dq", "qi", "x", "y", NULL,
};
static const char *const release_fields[] = {"contentType", "data", "immutable", NULL};
static const char *const policy_fields[] = {"id", "lifetimeActions", "attributes",
                                            "notifiedVersion", NULL};
static const char *const action_item_fields[] = {"trigger", "action", NULL};
static const char *const trigger_fields[] = {"timeAfterCreate", "timeBeforeExpiry", NULL};
static const char *const action_fields[] = {"type", NULL};
static const char *const policy_attr_fields[] = {"expiryTime", "created", "updated", NULL};

/* What the version parser needs beyond the JSON: where the key lives, for the seed. */
struct key_ctx {
    const char *vault; /* NULL for a backup blob: material must be given */
    const struct mv_object *s;
};

/* The kty names of a vault (spec §2); "oct-HSM" is Managed HSM only. */
static bool parse_kty(const char *s, enum mv_kty *kty, bool *hsm)
{
    static const struct {
        const char *name;
        enum mv_kty kty;
        bool hsm;
    } names[] = {
        {"RSA", MV_KTY_RSA, false},
        {"RSA-HSM", MV_KTY_RSA, true},
        {"EC", MV_KTY_EC, false},
        {"EC-HSM", MV_KTY_EC, true},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *kty = names[i].kty;
            *hsm = names[i].hsm;
            return true;
        }
    }
    return false;
}

/* Fails at obj.key (relative to the current path) with a message. */
static void fail_at(struct pctx *c, const char *key, const char *msg)
{
    size_t old = st_path_key(c, key);
    st_fail(c, "%s", msg);
    st_path_pop(c, old);
}

/* ---- Key material ---- */

/* Decodes jwk.key (base64url) into a new buffer; absent optional parts leave *out empty. */
static int jwk_part(struct pctx *c, const cJSON *jwk, const char *key, bool required,
                    struct mv_bytes *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(jwk, key);
    size_t old = st_path_key(c, key);
    int rc = -1;
    if (it == NULL) {
        if (required)
            st_fail(c, "required field is missing (fixtures hold whole keys, private parts "
                       "included)");
        else
            rc = 0;
        goto out;
    }
    size_t len = 0;
    unsigned char *b = NULL;
    if (cJSON_IsString(it) && it->valuestring != NULL && it->valuestring[0] != '\0')
        b = cx_b64_decode(it->valuestring, strlen(it->valuestring), MV_B64_LENIENT, &len);
    if (b == NULL) {
        st_fail(c, "'%s' must be a non-empty base64url string", key);
        goto out;
    }
    out->data = b;
    out->len = len;
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

static void jwk_parts_free(struct mv_jwk_parts *p)
{
    struct mv_bytes *all[] = {&p->n,  &p->e,  &p->d,  &p->p, &p->q,
                              &p->dp, &p->dq, &p->qi, &p->x, &p->y};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        cx_wipe_free((void *)all[i]->data, all[i]->len);
}

/* A message for a refused import or generation; never quotes the material. */
static const char *km_message(enum mv_km_err e, enum mv_kty kty)
{
    switch (e) {
    case MV_KM_NOMEM: return "out of memory";
    case MV_KM_BAD_SIZE: return "unsupported RSA key size (use 2048, 3072 or 4096 bits)";
    case MV_KM_UNSUPPORTED:
        return "this key type cannot be read from PEM here (give a P-256K key as \"jwk\")";
    default:
        return kty == MV_KTY_RSA ? "not a consistent RSA private key (n must be p*q and d must "
                                   "invert e)"
                                 : "not a consistent EC private key (d*G must be the point "
                                   "(x, y) on the curve)";
    }
}

int st_parse_jwk(struct pctx *c, const cJSON *jwk, struct mv_keymat **mat)
{
    struct mv_jwk_parts p = {0};
    char *kty_s = NULL, *crv_s = NULL;
    enum mv_kty kty;
    bool hsm;
    int rc = -1;
    size_t old = st_path_key(c, "jwk");

    if (st_expect_object(c, jwk, jwk_fields) != 0 ||
        st_get_str(c, jwk, "kty", true, false, &kty_s) != 0)
        goto out;
    if (!parse_kty(kty_s, &kty, &hsm)) {
        fail_at(c, "kty", "unknown kty (use RSA or EC)");
        goto out;
    }
    p.kty = kty;
    if (kty == MV_KTY_RSA) {
        if (jwk_part(c, jwk, "n", true, &p.n) != 0 || jwk_part(c, jwk, "e", true, &p.e) != 0 ||
            jwk_part(c, jwk, "d", true, &p.d) != 0 || jwk_part(c, jwk, "p", true, &p.p) != 0 ||
            jwk_part(c, jwk, "q", true, &p.q) != 0 || jwk_part(c, jwk, "dp", false, &p.dp) != 0 ||
            jwk_part(c, jwk, "dq", false, &p.dq) != 0 || jwk_part(c, jwk, "qi", false, &p.qi) != 0)
            goto out;
    } else {
        if (st_get_str(c, jwk, "crv", true, false, &crv_s) != 0)
            goto out;
        if (!mv_crv_parse(crv_s, &p.crv) || p.crv == MV_CRV_NONE) {
            fail_at(c, "crv", "unknown curve (use P-256, P-384, P-521 or P-256K)");
            goto out;
        }
        if (jwk_part(c, jwk, "x", true, &p.x) != 0 || jwk_part(c, jwk, "y", true, &p.y) != 0 ||
            jwk_part(c, jwk, "d", true, &p.d) != 0)
            goto out;
    }
    p.own = c->own;
    enum mv_km_err e = mv_keymat_import(&p, mat);
    if (e != MV_KM_OK) {
        st_fail(c, "%s", km_message(e, kty));
        goto out;
    }
    rc = 0;
out:
    st_path_pop(c, old);
    jwk_parts_free(&p);
    free(kty_s);
    free(crv_s);
    return rc;
}

static int parse_pem(struct pctx *c, const cJSON *j, struct mv_keymat **mat)
{
    char *pem = NULL;
    int rc = -1;
    if (st_get_str(c, j, "pem", true, true, &pem) != 0)
        goto out;
    size_t len = strlen(pem);
    enum mv_km_err e = mv_keymat_import_pem(pem, len, mat);
    if (e == MV_KM_BAD_KEY) {
        fail_at(c, "pem",
                "not a PEM private key (\"RSA PRIVATE KEY\", \"EC PRIVATE KEY\" or "
                "\"PRIVATE KEY\" of RSA, P-256, P-384 or P-521)");
        goto out;
    }
    if (e != MV_KM_OK) {
        fail_at(c, "pem", km_message(e, MV_KTY_RSA));
        goto out;
    }
    rc = 0;
out:
    if (pem != NULL)
        cx_wipe_free(pem, strlen(pem));
    return rc;
}

int st_key_seed(const char *vault, const char *name, size_t index, uint64_t seed,
                unsigned char out[32])
{
    static const char label[] = "mockvault fixture key";
    size_t vl = strlen(vault), nl = strlen(name);
    size_t len = sizeof(label) + 8 + vl + 1 + nl + 1 + 8;
    unsigned char *buf = malloc(len), *p = buf;
    if (buf == NULL)
        return -1;
    memcpy(p, label, sizeof(label));
    p += sizeof(label);
    for (int i = 0; i < 8; i++)
        *p++ = (unsigned char)(seed >> (8 * i));
    memcpy(p, vault, vl + 1);
    p += vl + 1;
    memcpy(p, name, nl + 1);
    p += nl + 1;
    for (int i = 0; i < 8; i++)
        *p++ = (unsigned char)((uint64_t)index >> (8 * i));
    int rc = mv_sha256(buf, len, out);
    free(buf);
    return rc;
}

/* ---- Versions ---- */

int st_parse_key_ops(struct pctx *c, const cJSON *j, struct mv_key_info *k, enum mv_kty kty)
{
    const cJSON *arr;
    if (st_get_array(c, j, "keyOps", &arr) != 0)
        return -1;
    if (arr == NULL) {
        /* Key Vault's defaults (spec §2). */
        static const unsigned char rsa[] = {MV_KOP_ENCRYPT, MV_KOP_DECRYPT, MV_KOP_SIGN,
                                            MV_KOP_VERIFY,  MV_KOP_WRAP,    MV_KOP_UNWRAP};
        static const unsigned char ec[] = {MV_KOP_SIGN, MV_KOP_VERIFY};
        k->nops = kty == MV_KTY_RSA ? sizeof(rsa) : sizeof(ec);
        memcpy(k->ops, kty == MV_KTY_RSA ? rsa : ec, k->nops);
        return 0;
    }
    size_t old = st_path_key(c, "keyOps");
    int rc = -1;
    size_t i = 0;
    if (cJSON_GetArraySize(arr) > MV_KEY_OPS_MAX) {
        st_fail(c, "too many key operations (at most %d)", MV_KEY_OPS_MAX);
        goto out;
    }
    for (const cJSON *it = arr->child; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        size_t op = MV_KOP_COUNT;
        for (size_t n = 0; cJSON_IsString(it) && mv_key_op_names[n] != NULL; n++) {
            if (strcmp(it->valuestring, mv_key_op_names[n]) == 0)
                op = n;
        }
        if (op == MV_KOP_COUNT) {
            st_fail(c,
                    "unknown key operation %s%s%s (use encrypt, decrypt, sign, verify, "
                    "wrapKey, unwrapKey, import or export; names are case-sensitive)",
                    cJSON_IsString(it) ? "'" : "",
                    cJSON_IsString(it) ? st_show(it->valuestring).s : st_type_name(it),
                    cJSON_IsString(it) ? "'" : "");
            goto out;
        }
        for (size_t k2 = 0; k2 < k->nops; k2++) {
            if (k->ops[k2] == op) {
                st_fail(c, "key operation '%s' appears twice; keep one", mv_key_op_names[op]);
                goto out;
            }
        }
        k->ops[k->nops++] = (unsigned char)op;
        st_path_pop(c, o2);
    }
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

static int parse_release(struct pctx *c, const cJSON *j, struct mv_key_info *k)
{
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "releasePolicy");
    if (rp == NULL)
        return 0;
    size_t old = st_path_key(c, "releasePolicy");
    int rc = -1;
    k->release = calloc(1, sizeof(*k->release));
    if (k->release == NULL) {
        st_fail(c, "out of memory");
        goto out;
    }
    if (st_expect_object(c, rp, release_fields) != 0 ||
        st_get_str(c, rp, "contentType", false, true, &k->release->content_type) != 0 ||
        st_get_str(c, rp, "data", true, true, &k->release->data) != 0 ||
        st_get_bool(c, rp, "immutable", &k->release->immutable) != 0 ||
        st_default_copy(c, &k->release->content_type, "application/json; charset=utf-8") != 0)
        goto out;
    if (!cx_b64_valid(k->release->data, strlen(k->release->data), CX_B64_URL | CX_B64_NOPAD)) {
        fail_at(c, "data", "'data' must be base64url without padding (of the policy's JSON)");
        goto out;
    }
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

/* Reads kty, size and crv: what to generate, or what the given material must be. */
static int parse_shape(struct pctx *c, const cJSON *j, bool *has_kty, struct mv_key_spec *spec,
                       bool *hsm, bool *has_size, bool *has_crv)
{
    char *kty_s = NULL, *crv_s = NULL;
    int size = 0, rc = -1;

    *has_size = cJSON_GetObjectItemCaseSensitive(j, "size") != NULL;
    *has_crv = cJSON_GetObjectItemCaseSensitive(j, "crv") != NULL;
    if (st_get_str(c, j, "kty", false, false, &kty_s) != 0 ||
        st_get_int(c, j, "size", 0, 1 << 20, &size) != 0 ||
        st_get_str(c, j, "crv", false, false, &crv_s) != 0)
        goto out;
    *has_kty = kty_s != NULL;
    spec->kty = MV_KTY_RSA;
    if (kty_s != NULL && !parse_kty(kty_s, &spec->kty, hsm)) {
        size_t old = st_path_key(c, "kty");
        st_fail(c, "unknown kty '%s' (use RSA, RSA-HSM, EC or EC-HSM)", st_show(kty_s).s);
        st_path_pop(c, old);
        goto out;
    }
    if (*has_size && *has_kty && spec->kty != MV_KTY_RSA) {
        fail_at(c, "size", "'size' is for RSA keys; an EC key takes 'crv'");
        goto out;
    }
    if (*has_crv && *has_kty && spec->kty != MV_KTY_EC) {
        fail_at(c, "crv", "'crv' is for EC keys; an RSA key takes 'size'");
        goto out;
    }
    if (*has_size && size != 2048 && size != 3072 && size != 4096) {
        size_t old = st_path_key(c, "size");
        st_fail(c, "unsupported RSA key size %d (use 2048, 3072 or 4096)", size);
        st_path_pop(c, old);
        goto out;
    }
    spec->bits = *has_size ? (unsigned)size : 2048;
    spec->crv = spec->kty == MV_KTY_EC ? MV_CRV_P256 : MV_CRV_NONE;
    if (crv_s != NULL && (!mv_crv_parse(crv_s, &spec->crv) || spec->crv == MV_CRV_NONE)) {
        size_t old = st_path_key(c, "crv");
        st_fail(c, "unknown curve '%s' (use P-256, P-384, P-521 or P-256K)", st_show(crv_s).s);
        st_path_pop(c, old);
        goto out;
    }
    rc = 0;
out:
    free(kty_s);
    free(crv_s);
    return rc;
}

/* Checks that given material matches the kty, size and crv the version states. */
static int check_material(struct pctx *c, const struct mv_keymat *mat, bool has_kty,
                          const struct mv_key_spec *want, bool has_size, bool has_crv)
{
    static const char src[] = "the key material";
    struct mv_key_spec got;
    mv_keymat_spec(mat, &got);
    if (has_kty && got.kty != want->kty) {
        size_t old = st_path_key(c, "kty");
        st_fail(c, "kty says %s but %s is an %s key", want->kty == MV_KTY_RSA ? "RSA" : "EC", src,
                got.kty == MV_KTY_RSA ? "RSA" : "EC");
        st_path_pop(c, old);
        return -1;
    }
    if (has_size && (got.kty != MV_KTY_RSA || got.bits != want->bits)) {
        size_t old = st_path_key(c, "size");
        st_fail(c, "size %u does not match %s (%u bits)", want->bits, src, got.bits);
        st_path_pop(c, old);
        return -1;
    }
    if (has_crv && got.crv != want->crv) {
        size_t old = st_path_key(c, "crv");
        st_fail(c, "crv %s does not match %s (%s)", mv_crv_name(want->crv), src,
                got.kty == MV_KTY_EC ? mv_crv_name(got.crv) : "RSA");
        st_path_pop(c, old);
        return -1;
    }
    return 0;
}

static int parse_key_version(struct pctx *c, const cJSON *j, struct mv_version *v, size_t index,
                             void *arg)
{
    const struct key_ctx *kc = arg;
    struct mv_key_spec spec = {0};
    bool has_kty = false, hsm = false, has_size = false, has_crv = false;
    const cJSON *jwk, *pem;

    if (st_expect_object(c, j, key_version_fields) != 0 || st_parse_version_attrs(c, j, v) != 0 ||
        parse_shape(c, j, &has_kty, &spec, &hsm, &has_size, &has_crv) != 0)
        return -1;
    v->key = calloc(1, sizeof(*v->key));
    if (v->key == NULL) {
        st_fail(c, "out of memory");
        return -1;
    }
    v->key->hsm = hsm;
    if (st_get_bool(c, j, "exportable", &v->key->exportable) != 0 || parse_release(c, j, v->key))
        return -1;

    jwk = cJSON_GetObjectItemCaseSensitive(j, "jwk");
    pem = cJSON_GetObjectItemCaseSensitive(j, "pem");
    if (jwk != NULL && pem != NULL) {
        fail_at(c, "pem", "give the key as 'pem' or as 'jwk', not both");
        return -1;
    }
    if (jwk != NULL || pem != NULL) {
        if ((jwk != NULL ? st_parse_jwk(c, jwk, &v->key->mat) : parse_pem(c, j, &v->key->mat)) !=
                0 ||
            check_material(c, v->key->mat, has_kty, &spec, has_size, has_crv) != 0)
            return -1;
        mv_keymat_spec(v->key->mat, &spec);
    } else if (kc->vault == NULL) {
        fail_at(c, "jwk", "required field is missing (a backup holds its key material)");
        return -1;
    } else if (!has_kty) {
        fail_at(c, "kty",
                "required field is missing (say what to generate: RSA, RSA-HSM, EC or EC-HSM; "
                "or give the key as 'pem' or 'jwk')");
        return -1;
    } else {
        uint64_t seed;
        unsigned char bytes[32];
        bool seeded = mv_rand_get_seed(&seed);
        if (seeded && st_key_seed(kc->vault, kc->s->name, index, seed, bytes) != 0) {
            st_fail(c, "out of memory");
            return -1;
        }
        enum mv_km_err e =
            mv_keymat_generate(&spec, seeded ? bytes : NULL, seeded ? 32 : 0, &v->key->mat);
        cx_wipe(bytes, sizeof(bytes));
        if (e != MV_KM_OK) {
            st_fail(c, "cannot generate the key: %s", km_message(e, spec.kty));
            return -1;
        }
    }
    return st_parse_key_ops(c, j, v->key, spec.kty);
}

/* ---- Rotation policy ---- */

/* Reads a duration field (ISO 8601) of obj into out/seconds; *has tells whether it was there. */
static int get_duration(struct pctx *c, const cJSON *obj, const char *key, bool *has, char out[32],
                        int64_t *seconds)
{
    char *s = NULL;
    int rc = -1;
    if (st_get_str(c, obj, key, false, false, &s) != 0)
        return -1;
    if (has != NULL)
        *has = s != NULL;
    if (s == NULL)
        return 0;
    size_t old = st_path_key(c, key);
    if (strlen(s) >= 32 || !mv_duration_parse(s, seconds)) {
        st_fail(c, "invalid duration '%s' (ISO 8601, like \"P90D\", \"P1Y\" or \"PT12H\")",
                st_show(s).s);
        goto out;
    }
    memcpy(out, s, strlen(s) + 1);
    rc = 0;
out:
    st_path_pop(c, old);
    free(s);
    return rc;
}

static int parse_action(struct pctx *c, const cJSON *j, struct mv_rotation_policy *p)
{
    struct mv_rotation_action *a = &p->actions[p->nactions];
    const cJSON *trig = cJSON_GetObjectItemCaseSensitive(j, "trigger");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "action");
    char *type = NULL;
    bool has_after = false, has_before = false;
    int rc = -1;
    int64_t secs = 0;

    if (st_expect_object(c, j, action_item_fields) != 0)
        return -1;
    if (trig == NULL || act == NULL) {
        fail_at(c, trig == NULL ? "trigger" : "action", "required field is missing");
        return -1;
    }
    size_t old = st_path_key(c, "trigger");
    if (st_expect_object(c, trig, trigger_fields) != 0 ||
        get_duration(c, trig, "timeAfterCreate", &has_after, a->duration, &secs) != 0 ||
        get_duration(c, trig, "timeBeforeExpiry", &has_before, a->duration, &secs) != 0)
        goto out;
    if (has_after == has_before) {
        st_fail(c, "give exactly one of timeAfterCreate and timeBeforeExpiry");
        goto out;
    }
    a->after_create = has_after;
    a->seconds = secs;
    st_path_pop(c, old);
    old = st_path_key(c, "action");
    if (st_expect_object(c, act, action_fields) != 0 ||
        st_get_str(c, act, "type", true, false, &type) != 0)
        goto out;
    /* The service compares the action type case-insensitively [SPEC]. */
    if (cx_strcasecmp(type, "Rotate") == 0) {
        a->type = MV_ROT_ROTATE;
    } else if (cx_strcasecmp(type, "Notify") == 0) {
        a->type = MV_ROT_NOTIFY;
    } else {
        fail_at(c, "type", "unknown action type (use Rotate or Notify)");
        goto out;
    }
    for (size_t i = 0; i < p->nactions; i++) {
        if (p->actions[i].type == a->type) {
            fail_at(c, "type", "a policy has at most one Rotate and one Notify action");
            goto out;
        }
    }
    p->nactions++;
    rc = 0;
out:
    st_path_pop(c, old);
    free(type);
    return rc;
}

static int parse_policy_attributes(struct pctx *c, const cJSON *j, struct mv_rotation_policy *p)
{
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(j, "attributes");
    bool has_created = false, has_updated = false;
    int rc = -1;

    size_t old = st_path_key(c, "attributes");
    /* null is how GET answers a policy that was never set [REC]. */
    if (attrs != NULL && !cJSON_IsNull(attrs) &&
        (st_expect_object(c, attrs, policy_attr_fields) != 0 ||
         get_duration(c, attrs, "expiryTime", &p->has_expiry, p->expiry, &p->expiry_seconds) != 0 ||
         st_get_time(c, attrs, "created", &has_created, &p->created) != 0 ||
         st_get_time(c, attrs, "updated", &has_updated, &p->updated) != 0))
        goto out;
    if (!has_created) {
        if (!c->has_now) {
            fail_at(c, "created", "required field is missing");
            goto out;
        }
        p->created = c->now;
    }
    if (!has_updated)
        p->updated = p->created;
    rc = 0;
out:
    st_path_pop(c, old);
    return rc;
}

static int parse_rotation_policy(struct pctx *c, const cJSON *j, struct mv_object *s)
{
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "rotationPolicy");
    const cJSON *actions;
    char *notified = NULL, *id = NULL;
    int rc = -1;
    if (rp == NULL)
        return 0;
    size_t old = st_path_key(c, "rotationPolicy");
    s->rotation = calloc(1, sizeof(*s->rotation));
    if (s->rotation == NULL) {
        st_fail(c, "out of memory");
        goto out;
    }
    /* "id" is the wire form's and names the vault's host; it is accepted and not kept. */
    if (st_expect_object(c, rp, policy_fields) != 0 ||
        st_get_str(c, rp, "id", false, false, &id) != 0 ||
        st_get_array(c, rp, "lifetimeActions", &actions) != 0 ||
        st_get_str(c, rp, "notifiedVersion", false, false, &notified) != 0)
        goto out;
    if (actions != NULL && cJSON_GetArraySize(actions) > 2) {
        fail_at(c, "lifetimeActions", "a policy has at most one Rotate and one Notify action");
        goto out;
    }
    size_t o2 = st_path_key(c, "lifetimeActions");
    size_t i = 0;
    for (const cJSON *it = actions != NULL ? actions->child : NULL; it != NULL;
         it = it->next, i++) {
        size_t o3 = st_path_index(c, i);
        if (parse_action(c, it, s->rotation) != 0)
            goto out;
        st_path_pop(c, o3);
    }
    st_path_pop(c, o2);
    if (parse_policy_attributes(c, rp, s->rotation) != 0)
        goto out;
    if (notified != NULL) {
        if (!cx_is_hex(notified, 32, CX_HEX_LOWER)) {
            fail_at(c, "notifiedVersion", "invalid version id (32 lowercase hex characters)");
            goto out;
        }
        memcpy(s->rotation->notified, notified, 33);
    }
    rc = 0;
out:
    st_path_pop(c, old);
    free(notified);
    free(id);
    return rc;
}

static const struct st_family key_family = {
    .word = "key",
    .live_fields = live_key_fields,
    .deleted_fields = deleted_key_fields,
    .parse_version = parse_key_version,
};

int st_parse_key(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                 int retention_days, const char *vault_name)
{
    struct key_ctx kc = {.vault = vault_name, .s = s};
    if (st_parse_object(c, j, s, kind, retention_days, &key_family, &kc) != 0)
        return -1;
    return parse_rotation_policy(c, j, s);
}

static int parse_key_blob(struct pctx *c, const cJSON *j, struct mv_object *s)
{
    return st_parse_key(c, j, s, SECRET_BLOB, MAX_RETENTION_DAYS, NULL);
}

struct mv_object *mv_state_key_from_json(const cJSON *j, char *err, size_t errlen)
{
    return st_object_from_json(j, parse_key_blob, err, errlen);
}
