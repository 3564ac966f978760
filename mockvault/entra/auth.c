/* auth.c: bearer-token verification for the mock's resources, with a cache of verified tokens. */
#include "auth.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-base64.h"
#include "jwt.h"
#include "store.h"

static const char *claim_str(const cJSON *claims, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Claims of a verified token that the vault checks, found by a 64-bit FNV-1a hash of the token
 * and confirmed by comparing the whole token (a cheap hash is enough because a hit is never taken
 * on the hash alone). Direct-mapped: a colliding newer token replaces the older entry. Only tokens
 * whose signature verified are stored; exp/nbf/aud/iss are checked on every request, against the
 * current mock clock. */
#define TOKEN_CACHE_SLOTS MV_TOKEN_CACHE_SLOTS
#define TOKEN_CACHE_MAX MV_TOKEN_CACHE_TOKEN_MAX

struct token_entry {
    bool used;
    uint64_t hash;
    size_t len;
    char token[TOKEN_CACHE_MAX];
    struct mv_claims c;
};

struct mv_token_cache {
    pthread_mutex_t lock;
    struct token_entry slots[TOKEN_CACHE_SLOTS];
};

struct mv_token_cache *mv_token_cache_create(void)
{
    struct mv_token_cache *c = calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

void mv_token_cache_destroy(struct mv_token_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

size_t mv_token_cache_count(struct mv_token_cache *c)
{
    size_t n = 0;

    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < TOKEN_CACHE_SLOTS; i++)
        n += c->slots[i].used;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool cache_get(struct mv_token_cache *c, uint64_t hash, const char *tok, size_t len,
                      struct mv_claims *out)
{
    struct token_entry *e = &c->slots[hash % TOKEN_CACHE_SLOTS];
    bool hit;

    pthread_mutex_lock(&c->lock);
    hit = e->used && e->hash == hash && e->len == len && memcmp(e->token, tok, len) == 0;
    if (hit)
        *out = e->c;
    pthread_mutex_unlock(&c->lock);
    return hit;
}

/* The issue stamp the mock put in the last 8 bytes of a 16-byte uti (identity.c); 0 for a uti of
 * another shape, which no revocation then reaches (only tokens of another mock could have it). */
static void stamp_from_uti(struct mv_claims *c, const char *uti)
{
    size_t n = 0;
    unsigned char *b = uti ? cx_b64url_decode(uti, strlen(uti), &n) : NULL;

    if (b && n == 16)
        for (int i = 8; i < 16; i++)
            c->stamp = (c->stamp << 8) | b[i];
    free(b);
}

/* Copies the claims the resources check out of a verified payload. A value that does not fit is
 * cut, which can only make a later comparison fail: the safe direction. */
static void claims_from_json(struct mv_claims *c, const cJSON *claims)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
    const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(claims, "roles");
    const cJSON *it;
    const char *s;
    size_t off = 0;

    memset(c, 0, sizeof *c);
    stamp_from_uti(c, claim_str(claims, "uti"));
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(claims, "xms_cc"))
        c->cp1 |= cJSON_IsString(it) && strcasecmp(it->valuestring, "cp1") == 0;
    c->has_exp = cJSON_IsNumber(exp);
    c->exp = c->has_exp ? exp->valuedouble : 0;
    c->has_nbf = cJSON_IsNumber(nbf);
    c->nbf = c->has_nbf ? nbf->valuedouble : 0;
    snprintf(c->aud, sizeof c->aud, "%s", (s = claim_str(claims, "aud")) ? s : "");
    snprintf(c->iss, sizeof c->iss, "%s", (s = claim_str(claims, "iss")) ? s : "");
    snprintf(c->appid, sizeof c->appid, "%s", (s = claim_str(claims, "appid")) ? s : "");
    snprintf(c->oid, sizeof c->oid, "%s", (s = claim_str(claims, "oid")) ? s : "");
    snprintf(c->tid, sizeof c->tid, "%s", (s = claim_str(claims, "tid")) ? s : "");
    if (!cJSON_IsArray(roles))
        return;
    cJSON_ArrayForEach(it, roles) {
        if (cJSON_IsString(it) && off + strlen(it->valuestring) + 2 < sizeof c->roles)
            off += (size_t)snprintf(c->roles + off, sizeof c->roles - off, "%s%s", off ? " " : "",
                                    it->valuestring);
    }
}

static void cache_put(struct mv_token_cache *c, uint64_t hash, const struct mv_claims *claims,
                      const char *tok, size_t len)
{
    struct token_entry *slot;

    if (len > TOKEN_CACHE_MAX)
        return;
    pthread_mutex_lock(&c->lock);
    slot = &c->slots[hash % TOKEN_CACHE_SLOTS];
    slot->used = true;
    slot->hash = hash;
    slot->c = *claims;
    slot->len = len;
    memcpy(slot->token, tok, len);
    pthread_mutex_unlock(&c->lock);
}

bool mv_token_cache_get(struct mv_token_cache *c, const char *tok, size_t len,
                        struct mv_claims *out)
{
    return cache_get(c, fnv1a(tok, len), tok, len, out);
}

void mv_token_cache_put(struct mv_token_cache *c, const char *tok, size_t len,
                        const struct mv_claims *claims)
{
    cache_put(c, fnv1a(tok, len), claims, tok, len);
}

/* The last verified token of this thread (see mv_auth_bearer). */
static __thread struct {
    const struct mv_token_cache *owner;
    uint64_t hash;
    size_t len;
    char token[TOKEN_CACHE_MAX];
    struct mv_claims c;
} last;

enum mv_auth_result mv_auth_bearer(struct mv_req *r, struct mv_claims *c)
{
    const char *h = mv_req_header(r, "Authorization");
    const char *tok;
    cJSON *claims = NULL;
    enum mv_auth_result res = MV_AUTH_OK;
    int64_t now = mv_req_now(r);
    uint64_t hash;
    size_t len;

    memset(c, 0, sizeof *c);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return MV_AUTH_MISSING;
    tok = h + 7;
    while (*tok == ' ')
        tok++;
    len = strlen(tok);
    if (len == 0)
        return MV_AUTH_MISSING;
    /* Each server thread first checks the token it saw last: a client on a kept-alive connection
     * sends the same token again and again, and this path takes no lock and hashes nothing (a
     * byte-wise hash of a 1.2 KB token is a visible share of a request). */
    if (last.owner == r->srv->tokens && last.len == len && memcmp(last.token, tok, len) == 0) {
        *c = last.c;
        hash = last.hash;
    } else if (!cache_get(r->srv->tokens, (hash = fnv1a(tok, len)), tok, len, c)) {
        switch (mv_jwt_verify(r->srv->jwt, tok, len, &claims)) {
        case MV_JWT_OK: break;
        case MV_JWT_MALFORMED: return MV_AUTH_MALFORMED;
        default: return MV_AUTH_BAD_SIGNATURE;
        }
        claims_from_json(c, claims);
        cJSON_Delete(claims);
        cache_put(r->srv->tokens, hash, c, tok, len);
    }
    if (len <= TOKEN_CACHE_MAX && (last.hash != hash || last.owner != r->srv->tokens)) {
        last.owner = r->srv->tokens;
        last.hash = hash;
        last.len = len;
        memcpy(last.token, tok, len);
        last.c = *c;
    }
    if (!c->has_exp || (double)now >= c->exp)
        res = MV_AUTH_EXPIRED;
    else if (c->has_nbf && (double)now < c->nbf)
        res = MV_AUTH_NOT_YET_VALID;
    if (res == MV_AUTH_OK) {
        snprintf(r->appid, sizeof r->appid, "%s", c->appid);
        snprintf(r->oid, sizeof r->oid, "%s", c->oid);
        snprintf(r->tid, sizeof r->tid, "%s", c->tid);
    }
    return res;
}

bool mv_claims_issuer_known(struct mv_req *r, const struct mv_claims *c)
{
    char expected_iss[128];
    const struct mv_data *d;
    bool tenant_known;

    snprintf(expected_iss, sizeof expected_iss, "https://sts.windows.net/%s/", c->tid);
    d = mv_store_rdlock(r->srv->store);
    tenant_known = c->tid[0] && mv_data_tenant(d, c->tid) != NULL;
    mv_store_unlock(r->srv->store);
    return tenant_known && strcasecmp(c->iss, expected_iss) == 0;
}

bool mv_claims_has_role(const struct mv_claims *c, const char *role)
{
    size_t n = strlen(role);
    const char *p = c->roles;

    /* An empty name is no role (and strstr would find it at every position without moving on). */
    if (n == 0)
        return false;
    while ((p = strstr(p, role)) != NULL) {
        if ((p == c->roles || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
        p += n;
    }
    return false;
}
