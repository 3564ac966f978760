/* state-write.c: the writers the families' exports share (state-export.c for secrets and keys,
 * state-certs-out.c for certificates): a version's tags and attributes, a key as a JWK. A leaf of
 * the state's files, so the exports depend on it and never on each other. */
#include "state-int.h"

#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "util.h"

bool st_put_str(cJSON *o, const char *key, const char *s)
{
    return s == NULL || cJSON_AddStringToObject(o, key, s) != NULL;
}

bool st_put_num(cJSON *o, const char *key, int64_t n)
{
    return cJSON_AddNumberToObject(o, key, (double)n) != NULL;
}

bool st_put_bool(cJSON *o, const char *key, bool b)
{
    return cJSON_AddBoolToObject(o, key, b) != NULL;
}

bool st_put_tags(cJSON *o, const struct mv_tags *t)
{
    if (!t->present)
        return true;
    cJSON *tags = cJSON_AddObjectToObject(o, "tags");
    if (tags == NULL)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        if (!st_put_str(tags, t->items[i].name, t->items[i].value))
            return false;
    }
    return true;
}

bool st_put_version_attrs(cJSON *o, const struct mv_version *v)
{
    return st_put_bool(o, "enabled", v->enabled) && (!v->has_nbf || st_put_num(o, "nbf", v->nbf)) &&
           (!v->has_exp || st_put_num(o, "exp", v->exp)) && st_put_num(o, "created", v->created) &&
           st_put_num(o, "updated", v->updated) && st_put_str(o, "id", v->id);
}

/* Adds key: base64url of len bytes at b (nothing when b is NULL). The text is a private part for
 * d, p, q, dp, dq, qi, so the encoding buffer is wiped. */
static bool put_b64(cJSON *o, const char *key, const unsigned char *b, size_t len)
{
    if (b == NULL)
        return true;
    char *s = cx_b64url_encode(b, len);
    if (s == NULL)
        return false;
    bool ok = st_put_str(o, key, s);
    cx_wipe_free(s, strlen(s));
    return ok;
}

cJSON *st_jwk_to_json(const struct mv_keymat *km)
{
    struct mv_jwk_out j = {0};
    cJSON *o = NULL;
    if (km == NULL || mv_keymat_export(km, &j) != MV_KM_OK)
        goto out;
    o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok && j.kty == MV_KTY_RSA)
        ok = st_put_str(o, "kty", "RSA") && put_b64(o, "n", j.n, j.n_len) &&
             put_b64(o, "e", j.e, j.e_len) && put_b64(o, "d", j.d, j.d_len) &&
             put_b64(o, "p", j.p, j.p_len) && put_b64(o, "q", j.q, j.q_len) &&
             put_b64(o, "dp", j.dp, j.dp_len) && put_b64(o, "dq", j.dq, j.dq_len) &&
             put_b64(o, "qi", j.qi, j.qi_len);
    else if (ok)
        ok = st_put_str(o, "kty", "EC") && st_put_str(o, "crv", mv_crv_name(j.crv)) &&
             put_b64(o, "x", j.x, j.x_len) && put_b64(o, "y", j.y, j.y_len) &&
             put_b64(o, "d", j.d, j.d_len);
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
out:
    mv_jwk_out_finish(&j);
    return o;
}
