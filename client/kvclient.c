/* kvclient.c: the client handle, its options, and the Key Vault call with the challenge and token
 * handling every operation shares. Orchestration only: the leaf helpers it and the transport
 * share (status names, frees, URL parts) live in util.c, so no lower file calls into this one. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-mem.h"
#include "cx-text.h"
#include "kv-int.h"

int kv_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? KV_OK : KV_E_NOMEM;
}

void kv_global_cleanup(void)
{
    curl_global_cleanup();
}

void kv_options_init(struct kv_options *o)
{
    memset(o, 0, sizeof *o);
    o->verify_challenge_resource = 1;
    /* The Azure SDKs' defaults: three retries in JS, four... we take the Python/.NET count. */
    o->max_retries = 4;
    o->retry_delay_ms = 800;
    o->max_retry_delay_ms = 60000;
    o->timeout_ms = 30000;
    o->refresh_before_s = 300;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
    struct kv_client *c = ud;
    pthread_mutex_lock(&c->share_lock[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
    struct kv_client *c = ud;
    pthread_mutex_unlock(&c->share_lock[data]);
}

void kv_client_destroy(struct kv_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_pool; i++)
        kv__handle_free(c->pool[i]);
    free(c->pool);
    if (c->share)
        curl_share_cleanup(c->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_lock[i]);
    kv__token_cache_finish(&c->tokens);
    pthread_mutex_destroy(&c->lock);
    kv_credential_destroy(c->cred);
    free(c->vault_url);
    free(c->vault_host);
    free(c->vault_origin);
    free(c->api_version);
    free(c->ca_file);
    free(c);
}

int kv_client_create(const struct kv_options *opts, struct kv_credential *cred,
                     struct kv_client **out, struct kv_error *err)
{
    struct kv_client *c = NULL;
    char scheme[16], host[256];
    long port = 0;
    int rc;
    kv__error_clear(err);
    if (!out) {
        kv_credential_destroy(cred);
        return kv__fail(err, KV_E_INVALID_ARG, "out is NULL");
    }
    *out = NULL;
    if (!opts || !opts->vault_url || !*opts->vault_url) {
        rc = kv__fail(err, KV_E_INVALID_ARG, "no vault URL given");
        goto fail_cred;
    }
    if (kv__url_parts(opts->vault_url, scheme, sizeof scheme, host, sizeof host, &port) != 0) {
        rc =
            kv__fail(err, KV_E_INVALID_ARG, "the vault URL '%s' cannot be parsed", opts->vault_url);
        goto fail_cred;
    }
    /* Bearer tokens never travel in clear text; the Python SDK refuses the same way. */
    if (strcmp(scheme, "https") != 0) {
        rc = kv__fail(err, KV_E_INVALID_ARG,
                      "the vault URL must use https (tokens are never sent over %s)", scheme);
        goto fail_cred;
    }
    if (!(c = calloc(1, sizeof *c))) {
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
        goto fail_cred;
    }
    c->cred = cred;
    cred = NULL;
    c->opts = *opts;
    c->now = kv__now;
    pthread_mutex_init(&c->lock, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_lock[i], NULL);
    kv__token_cache_init(&c->tokens);

    size_t n = strlen(opts->vault_url);
    while (n > 0 && opts->vault_url[n - 1] == '/')
        n--;
    const char *ca = opts->ca_file && *opts->ca_file ? opts->ca_file : getenv("SSL_CERT_FILE");
    if (ca && !*ca)
        ca = NULL;
    if (!(c->vault_url = kv__strndup(opts->vault_url, n)) || !(c->vault_host = strdup(host)) ||
        !(c->vault_origin = kv__asprintf("https://%s:%ld", host, port)) ||
        !(c->api_version = strdup(opts->api_version ? opts->api_version : "7.5")) ||
        (ca && !(c->ca_file = strdup(ca)))) {
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
        goto fail;
    }
    c->opts.vault_url = c->vault_url;
    c->opts.api_version = c->api_version;
    c->opts.ca_file = c->ca_file;
    if (c->opts.max_retries < 0)
        c->opts.max_retries = 0;
    if (!c->opts.timeout_ms)
        c->opts.timeout_ms = 30000;

    /* The share keeps DNS answers and TLS sessions common to the pooled handles, so a second
     * thread's first request resumes the session instead of a full handshake. */
    if (!(c->share = curl_share_init())) {
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
        goto fail;
    }
    curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    *out = c;
    return KV_OK;
fail:
    kv_client_destroy(c);
    return rc;
fail_cred:
    kv_credential_destroy(cred);
    return rc;
}

void kv_client_stats(const struct kv_client *c, struct kv_stats *out)
{
    struct kv_client *mc = (struct kv_client *)c;
    if (!out)
        return;
    if (!c) {
        memset(out, 0, sizeof *out);
        return;
    }
    pthread_mutex_lock(&mc->lock);
    *out = c->stats;
    pthread_mutex_unlock(&mc->lock);
}

int kv_client_get_token(struct kv_client *c, const char *scope, char **token, int64_t *expires_on,
                        struct kv_error *err)
{
    kv__error_clear(err);
    if (token)
        *token = NULL;
    if (!c || !scope || !*scope || !token)
        return kv__fail(err, KV_E_INVALID_ARG, "client, scope and token are required");
    return kv__token_get(c, scope, NULL, NULL, NULL, kv__mono_ms(), token, expires_on, err);
}

/* Handles a 401 challenge: parses, verifies and stores it. */
static int take_challenge(struct kv_client *c, const struct kv__response *rs,
                          struct kv__challenge *ch, struct kv_error *err)
{
    char msg[600];
    if (kv__challenge_parse(rs->www_authenticate, ch) != 0) {
        kv__error_from_response(rs, err);
        return kv__fail(err, KV_E_CHALLENGE,
                        "the vault answered 401 without a usable Bearer challenge "
                        "(WWW-Authenticate: %s)",
                        rs->www_authenticate ? rs->www_authenticate : "absent");
    }
    if (c->opts.verify_challenge_resource &&
        kv__challenge_verify(c->vault_host, ch, msg, sizeof msg) != 0)
        return kv__fail(err, KV_E_CHALLENGE, "%s", msg);
    const char *own = c->cred ? c->cred->tenant : NULL;
    if (ch->tenant[0] && own && cx_strcasecmp(ch->tenant, own) != 0 && !c->opts.allow_any_tenant)
        return kv__fail(err, KV_E_CHALLENGE,
                        "The vault's challenge names tenant %s, but the credential is for tenant "
                        "%s. Use a credential of that tenant, or allow any tenant "
                        "(allow_any_tenant) like additionallyAllowedTenants in the SDKs.",
                        ch->tenant, own);
    pthread_mutex_lock(&c->lock);
    c->challenge = *ch;
    c->have_challenge = true;
    pthread_mutex_unlock(&c->lock);
    kv__trace(c, "challenge: scope %s, tenant %s", ch->scope, ch->tenant[0] ? ch->tenant : "-");
    return KV_OK;
}

static int vault_call(struct kv_client *c, const char *what, const char *method, const char *path,
                      const char *url_abs, const char *body, bool hint, struct kv__response *rs,
                      struct kv_error *err)
{
    uint64_t start = kv__mono_ms();
    struct kv__challenge ch;
    char *url = NULL, *token = NULL;
    char *claims = NULL; /* a claims challenge's claims, for the one refresh that follows it */
    int rc;
    bool have;
    kv__error_clear(err);
    if (!c)
        return kv__fail(err, KV_E_INVALID_ARG, "the client is NULL");
    if (url_abs)
        url = strdup(url_abs);
    else
        url = kv__concat((const char *const[]){c->vault_url, path, strchr(path, '?') ? "&" : "?",
                                               "api-version=", c->api_version, NULL});
    if (!url)
        return kv__fail(err, KV_E_NOMEM, "out of memory");
    struct kv__request rq = {.method = method, .url = url, .what = what, .retry_hint = hint};

    pthread_mutex_lock(&c->lock);
    have = c->have_challenge;
    ch = c->challenge;
    pthread_mutex_unlock(&c->lock);
    if (!have) {
        /* The first request goes without token and without body (Content-Length 0, the content
         * type kept), as the SDKs do, so a value never travels before the vault is verified. */
        rq.content_type = body ? "application/json" : NULL;
        rc = kv__http_call(c, &rq, start, rs, err);
        if (rc != KV_OK)
            goto out;
        if (rs->status != 401) {
            /* Not a challenge: a server that does not ask for a token. Its answer stands. */
            if (rs->status >= 400)
                rc = kv__error_from_response(rs, err);
            else
                rc = body ? kv__fail(err, KV_E_PROTOCOL,
                                     "the vault accepted a request without a token or body")
                          : KV_OK;
            goto out;
        }
        if ((rc = take_challenge(c, rs, &ch, err)) != KV_OK)
            goto out;
    }

    rq.body = body;
    rq.body_len = body ? strlen(body) : 0;
    rq.content_type = body ? "application/json" : NULL;
    const char *tenant = c->opts.allow_any_tenant && ch.tenant[0] ? ch.tenant : NULL;
    for (int round = 0; round < 2; round++) {
        char *stale = token;
        token = NULL;
        rc = kv__token_get(c, ch.scope, tenant, stale, claims, start, &token, NULL, err);
        cx_free_wiped(stale);
        if (rc != KV_OK)
            goto out;
        rq.bearer = token;
        rc = kv__http_call(c, &rq, start, rs, err);
        if (rc != KV_OK || rs->status != 401 || round == 1)
            break;
        /* A 401 with a token: the token expired or was revoked early (a claims challenge of
         * continuous access evaluation), or the vault moved tenant. Refresh the token once, with
         * the claims when the challenge has them; a second 401 is the answer, so a service that
         * keeps challenging is never looped on. */
        struct kv__challenge again;
        if (rs->www_authenticate && kv__challenge_parse(rs->www_authenticate, &again) == 0 &&
            again.claims[0]) {
            /* It names no resource: the scope and tenant of the stored challenge stay. */
            kv__trace(c, "401 claims challenge: requesting a token with its claims, once");
            if (!(claims = strdup(again.claims))) {
                rc = kv__fail(err, KV_E_NOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        kv__trace(c, "401 with a token: refreshing it once");
        if (rs->www_authenticate) {
            if (take_challenge(c, rs, &again, err) != KV_OK) {
                rc = err ? err->status : KV_E_CHALLENGE;
                goto out;
            }
            ch = again;
        }
    }
    if (rc == KV_OK && rs->status >= 400)
        rc = kv__error_from_response(rs, err);
out:
    free(claims);
    cx_free_wiped(token);
    free(url);
    if (err)
        err->status = rc;
    return rc;
}

int kv__vault_call(struct kv_client *c, const char *what, const char *method, const char *path,
                   const char *url_abs, const char *body, struct kv__response *rs,
                   struct kv_error *err)
{
    return vault_call(c, what, method, path, url_abs, body, false, rs, err);
}

int kv__vault_call_hinted(struct kv_client *c, const char *what, const char *method,
                          const char *path, const char *body, struct kv__response *rs,
                          struct kv_error *err)
{
    return vault_call(c, what, method, path, NULL, body, true, rs, err);
}
