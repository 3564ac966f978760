/* credential.c: where tokens come from. Client secret and client certificate use the Entra v2
 * client-credentials grant; managed identity uses App Service's IDENTITY_ENDPOINT or IMDS; a static
 * token is handed out as is. The environment chain mirrors DefaultAzureCredential's first steps. */
#include <cjson/cJSON.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-file.h"
#include "cx-mem.h"
#include "cx-text.h"
#include "kv-int.h"

#define DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define DEFAULT_IMDS "http://169.254.169.254"

static struct kv_credential *cred_new(enum kv__cred_kind kind)
{
    struct kv_credential *c = calloc(1, sizeof *c);
    if (c)
        c->kind = kind;
    return c;
}

void kv_credential_destroy(struct kv_credential *c)
{
    if (!c)
        return;
    free(c->tenant);
    free(c->client_id);
    cx_free_wiped(c->client_secret);
    free(c->authority);
    free(c->endpoint);
    cx_free_wiped(c->identity_header);
    cx_free_wiped(c->token);
    if (c->privkey)
        gnutls_privkey_deinit(c->privkey);
    free(c);
}

const char *kv_credential_kind(const struct kv_credential *c)
{
    if (!c)
        return "none";
    switch (c->kind) {
    case KV__CRED_SECRET: return "client secret";
    case KV__CRED_CERT: return "client certificate";
    case KV__CRED_MI_APPSERVICE: return "managed identity (App Service)";
    case KV__CRED_MI_IMDS: return "managed identity (IMDS)";
    case KV__CRED_STATIC: return "static token";
    }
    return "unknown";
}

/* authority_host without trailing slashes; NULL or "" = the public cloud. */
static char *authority_copy(const char *host)
{
    if (!host || !*host)
        host = DEFAULT_AUTHORITY;
    size_t n = strlen(host);
    while (n > 0 && host[n - 1] == '/')
        n--;
    return kv__strndup(host, n);
}

/* Common part of the two app-registration credentials. */
static int app_cred(enum kv__cred_kind kind, const char *tenant, const char *client_id,
                    const char *authority_host, struct kv_credential **out)
{
    *out = NULL;
    if (!tenant || !*tenant || !client_id || !*client_id)
        return KV_E_INVALID_ARG;
    /* The client secret or assertion would travel in clear text; both SDKs refuse non-https
     * authorities the same way (spec/real-clients.md §3.1). */
    if (authority_host && *authority_host && cx_strncasecmp(authority_host, "https://", 8) != 0)
        return KV_E_INVALID_ARG;
    struct kv_credential *c = cred_new(kind);
    if (!c || !(c->tenant = strdup(tenant)) || !(c->client_id = strdup(client_id)) ||
        !(c->authority = authority_copy(authority_host))) {
        kv_credential_destroy(c);
        return KV_E_NOMEM;
    }
    *out = c;
    return KV_OK;
}

int kv_credential_client_secret(const char *tenant, const char *client_id,
                                const char *client_secret, const char *authority_host,
                                struct kv_credential **out)
{
    if (!out)
        return KV_E_INVALID_ARG;
    if (!client_secret || !*client_secret) {
        *out = NULL;
        return KV_E_INVALID_ARG;
    }
    int rc = app_cred(KV__CRED_SECRET, tenant, client_id, authority_host, out);
    if (rc == KV_OK && !((*out)->client_secret = strdup(client_secret))) {
        kv_credential_destroy(*out);
        *out = NULL;
        rc = KV_E_NOMEM;
    }
    return rc;
}

/* A PEM file with a certificate and its key is a few KiB; anything near this is not one. */
#define MAX_PEM_FILE (1u << 20)

int kv_credential_client_certificate(const char *tenant, const char *client_id,
                                     const char *pem_path, const char *authority_host,
                                     struct kv_credential **out)
{
    gnutls_datum_t pem = {NULL, 0};
    size_t pem_len = 0;
    char *pem_text = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_privkey_t key = NULL;
    int rc;
    if (!out)
        return KV_E_INVALID_ARG;
    *out = NULL;
    if (!pem_path)
        return KV_E_INVALID_ARG;
    if ((rc = app_cred(KV__CRED_CERT, tenant, client_id, authority_host, out)) != KV_OK)
        return rc;
    /* The buffer holds the private key: cx_read_file never leaves a copy in freed memory, and it
     * is wiped below. */
    if (!(pem_text = cx_read_file(pem_path, MAX_PEM_FILE, &pem_len))) {
        rc = KV_E_IO;
        goto out;
    }
    pem.data = (unsigned char *)pem_text;
    pem.size = (unsigned)pem_len;
    /* The file holds the certificate and its key, as the SDKs' AZURE_CLIENT_CERTIFICATE_PATH. */
    rc = KV_E_INVALID_ARG;
    if (gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0)
        goto out;
    if (gnutls_privkey_init(&key) < 0 ||
        gnutls_privkey_import_x509_raw(key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
        goto out;
    unsigned char sha1[20];
    size_t sz = sizeof sha1;
    if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA1, sha1, &sz) < 0)
        goto out;
    char *tp = cx_b64url_encode(sha1, sz);
    if (!tp) {
        rc = KV_E_NOMEM;
        goto out;
    }
    snprintf((*out)->x5t, sizeof(*out)->x5t, "%s", tp);
    free(tp);
    (*out)->privkey = key;
    key = NULL;
    rc = KV_OK;
out:
    if (rc != KV_OK) {
        kv_credential_destroy(*out);
        *out = NULL;
    }
    if (key)
        gnutls_privkey_deinit(key);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    cx_wipe_free(pem_text, pem_len);
    return rc;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int kv_credential_managed_identity(const char *client_id, struct kv_credential **out)
{
    if (!out)
        return KV_E_INVALID_ARG;
    *out = NULL;
    const char *ep = env("IDENTITY_ENDPOINT"), *hdr = env("IDENTITY_HEADER");
    struct kv_credential *c;
    if (ep && hdr) {
        c = cred_new(KV__CRED_MI_APPSERVICE);
        if (!c || !(c->endpoint = strdup(ep)) || !(c->identity_header = strdup(hdr)))
            goto nomem;
    } else {
        /* AZURE_POD_IDENTITY_AUTHORITY_HOST moves IMDS (AAD pod identity); the SDKs honour it. */
        const char *host = env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
        c = cred_new(KV__CRED_MI_IMDS);
        if (!c || !(c->endpoint = authority_copy(host ? host : DEFAULT_IMDS)))
            goto nomem;
    }
    if (client_id && *client_id && !(c->client_id = strdup(client_id)))
        goto nomem;
    *out = c;
    return KV_OK;
nomem:
    kv_credential_destroy(c);
    return KV_E_NOMEM;
}

int kv_credential_static_token(const char *token, int64_t expires_on, struct kv_credential **out)
{
    if (!out)
        return KV_E_INVALID_ARG;
    *out = NULL;
    if (!token || !*token)
        return KV_E_INVALID_ARG;
    struct kv_credential *c = cred_new(KV__CRED_STATIC);
    if (!c || !(c->token = strdup(token))) {
        kv_credential_destroy(c);
        return KV_E_NOMEM;
    }
    c->token_expires = expires_on;
    *out = c;
    return KV_OK;
}

int kv_credential_from_env(struct kv_credential **out, struct kv_error *err)
{
    kv__error_clear(err);
    if (!out)
        return kv__fail(err, KV_E_INVALID_ARG, "out is NULL");
    *out = NULL;
    const char *tenant = env("AZURE_TENANT_ID"), *id = env("AZURE_CLIENT_ID");
    const char *secret = env("AZURE_CLIENT_SECRET"), *cert = env("AZURE_CLIENT_CERTIFICATE_PATH");
    const char *authority = env("AZURE_AUTHORITY_HOST");
    int rc;
    /* EnvironmentCredential: a secret wins over a certificate, as in the SDKs. */
    if (authority && cx_strncasecmp(authority, "https://", 8) != 0 && (secret || cert))
        return kv__fail(err, KV_E_INVALID_ARG,
                        "AZURE_AUTHORITY_HOST must be an https URL: a client secret or assertion "
                        "is never sent in clear text");
    if (tenant && id && secret) {
        rc = kv_credential_client_secret(tenant, id, secret, authority, out);
        return rc == KV_OK ? rc
                           : kv__fail(err, rc, "client secret credential: %s", kv_strerror(rc));
    }
    if (tenant && id && cert) {
        rc = kv_credential_client_certificate(tenant, id, cert, authority, out);
        return rc == KV_OK ? rc
                           : kv__fail(err, rc, "AZURE_CLIENT_CERTIFICATE_PATH %s: %s", cert,
                                      rc == KV_E_INVALID_ARG
                                          ? "not a PEM file with a certificate and its RSA key"
                                          : kv_strerror(rc));
    }
    if ((secret || cert) && (!tenant || !id))
        return kv__fail(err, KV_E_NO_CREDENTIAL, "%s is set but %s; set %s with it",
                        secret ? "AZURE_CLIENT_SECRET" : "AZURE_CLIENT_CERTIFICATE_PATH",
                        !tenant && !id ? "AZURE_TENANT_ID and AZURE_CLIENT_ID are missing"
                        : !tenant      ? "AZURE_TENANT_ID is missing"
                                       : "AZURE_CLIENT_ID is missing",
                        !tenant && !id ? "them" : "it");
    /* ManagedIdentityCredential, only where the environment says one exists: probing the real
     * IMDS address from a developer machine would hang on a non-routed address. */
    if ((env("IDENTITY_ENDPOINT") && env("IDENTITY_HEADER")) ||
        env("AZURE_POD_IDENTITY_AUTHORITY_HOST") || env("KVCLIENT_USE_IMDS")) {
        rc = kv_credential_managed_identity(id, out);
        return rc == KV_OK ? rc : kv__fail(err, rc, "managed identity: %s", kv_strerror(rc));
    }
    return kv__fail(err, KV_E_NO_CREDENTIAL,
                    "no credential in the environment: set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                    "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), or run where a "
                    "managed identity is available (IDENTITY_ENDPOINT and IDENTITY_HEADER, "
                    "AZURE_POD_IDENTITY_AUTHORITY_HOST, or KVCLIENT_USE_IMDS=1 for IMDS)");
}

/* Prints j unformatted and deletes it; NULL when j is NULL or printing fails. The claims hold no
 * secret (ids, audience, times), so the tree is not wiped. */
static char *print_delete(cJSON *j)
{
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return text;
}

/* The assertion's header and claims as JSON text, built with cJSON so every value is escaped
 * (a client id or an authority URL with a '"' cannot change the claims). NULL on failure. */
static char *assertion_json(const struct kv_credential *cred, const char *audience, int64_t now,
                            bool header)
{
    char jti[37];
    cJSON *j = cJSON_CreateObject();
    bool ok = j != NULL;
    if (header) {
        /* RS256 with the SHA-1 thumbprint in x5t: what Entra accepts for a certificate credential
         * (spec/identity.md, client assertions). */
        ok = ok && cJSON_AddStringToObject(j, "alg", "RS256") &&
             cJSON_AddStringToObject(j, "typ", "JWT") &&
             cJSON_AddStringToObject(j, "x5t", cred->x5t);
    } else {
        /* Lifetime ten minutes, like MSAL's. */
        kv__uuid(jti);
        ok = ok && cJSON_AddStringToObject(j, "aud", audience) &&
             cJSON_AddStringToObject(j, "iss", cred->client_id) &&
             cJSON_AddStringToObject(j, "sub", cred->client_id) &&
             cJSON_AddStringToObject(j, "jti", jti) &&
             cJSON_AddNumberToObject(j, "nbf", (double)now) &&
             cJSON_AddNumberToObject(j, "iat", (double)now) &&
             cJSON_AddNumberToObject(j, "exp", (double)kv__sat_add(now, 600));
    }
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return print_delete(j);
}

int kv__client_assertion(const struct kv_credential *cred, const char *audience, int64_t now,
                         char **out, struct kv_error *err)
{
    char *hdr = NULL, *claims = NULL, *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL;
    gnutls_datum_t sig = {NULL, 0};
    int rc = KV_E_NOMEM;
    *out = NULL;
    hdr = assertion_json(cred, audience, now, true);
    claims = assertion_json(cred, audience, now, false);
    if (!hdr || !claims || !(h64 = cx_b64url_encode(hdr, strlen(hdr))) ||
        !(c64 = cx_b64url_encode(claims, strlen(claims))) ||
        !(input = kv__asprintf("%s.%s", h64, c64)))
        goto out;
    gnutls_datum_t data = {(unsigned char *)input, (unsigned)strlen(input)};
    if (gnutls_privkey_sign_data(cred->privkey, GNUTLS_DIG_SHA256, 0, &data, &sig) < 0) {
        rc = kv__fail(err, KV_E_AUTH, "signing the client assertion failed");
        goto out;
    }
    if (!(s64 = cx_b64url_encode(sig.data, sig.size)) ||
        !(*out = kv__asprintf("%s.%s", input, s64)))
        goto out;
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM)
        kv__fail(err, rc, "out of memory building the client assertion");
    free(hdr);
    free(claims);
    free(h64);
    free(c64);
    /* The signed assertion is a bearer credential for ten minutes: none of it is left behind. */
    cx_free_wiped(s64);
    cx_free_wiped(input);
    if (sig.data) {
        cx_wipe(sig.data, sig.size);
        gnutls_free(sig.data);
    }
    return rc;
}

/* Appends "&name=escaped(value)" (no "&" when first) to a form body being built. */
static bool form_add(struct kv__buf *b, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    if (!esc)
        return false;
    bool ok = (b->len == 0 || kv__buf_append(b, "&", 1)) && kv__buf_append(b, name, strlen(name)) &&
              kv__buf_append(b, "=", 1) && kv__buf_append(b, esc, strlen(esc));
    cx_wipe(esc, strlen(esc));
    curl_free(esc);
    return ok;
}

int kv__token_expiry(const cJSON *reply, int64_t now, int64_t *expires_on, struct kv_error *err)
{
    int64_t v = 0, life = 0;
    bool absolute = true; /* the lifetime came from expires_on */
    /* Entra sends expires_in (seconds, a JSON number); managed identity sends expires_on (unix
     * seconds) and IMDS expires_in too, both as strings. expires_on counts only when it looks like
     * a time (after 2001): a smaller or non-numeric one (an old App Service date) is ignored and
     * expires_in used, as before. A number that does not fit an int64 is an error either way. */
    enum kv__num st = kv__json_int64(cJSON_GetObjectItemCaseSensitive(reply, "expires_on"), true,
                                     INT64_MIN, INT64_MAX, &v);
    if (st == KV__NUM_BAD)
        return kv__fail(err, KV_E_PROTOCOL,
                        "the token response's expires_on is not a whole number of unix seconds "
                        "that fits 64 bits");
    if (st == KV__NUM_OK && v > 1000000000) {
        life = kv__sat_sub(v, now);
    } else {
        absolute = false;
        st = kv__json_int64(cJSON_GetObjectItemCaseSensitive(reply, "expires_in"), true, INT64_MIN,
                            INT64_MAX, &life);
        if (st == KV__NUM_ABSENT)
            return kv__fail(err, KV_E_PROTOCOL,
                            "the token response has neither expires_in nor expires_on");
        if (st != KV__NUM_OK)
            return kv__fail(err, KV_E_PROTOCOL,
                            "the token response's expires_in is not a whole number of seconds "
                            "that fits 64 bits");
    }
    /* A token that is already expired is a broken answer, not one to fetch again on every call. */
    if (life <= 0)
        return kv__fail(err, KV_E_PROTOCOL, "%s",
                        absolute ? "the token response's expires_on is not in the future by this "
                                   "machine's clock"
                                 : "the token response's expires_in is not a positive number of "
                                   "seconds");
    if (life > KV__TOKEN_MAX_LIFETIME)
        life = KV__TOKEN_MAX_LIFETIME;
    *expires_on = kv__sat_add(now, life);
    return KV_OK;
}

/* The resource for a managed-identity request: the scope without "/.default". */
static char *scope_to_resource(const char *scope)
{
    size_t n = strlen(scope);
    const char *suffix = "/.default";
    if (n > strlen(suffix) && strcmp(scope + n - strlen(suffix), suffix) == 0)
        n -= strlen(suffix);
    return kv__strndup(scope, n);
}

int kv__credential_fetch(struct kv_client *c, const struct kv_credential *cred, const char *tenant,
                         const char *scope, const char *claims, uint64_t deadline_start,
                         struct kv__token_reply *out, struct kv_error *err)
{
    struct kv__buf form = {.max = 64 * 1024};
    struct kv__response rs = {.retry_after_ms = -1};
    struct kv__request rq = {.method = "GET", .what = "token", .identity = true};
    char *url = NULL, *assertion = NULL, *resource = NULL, *esc_res = NULL, *hdr = NULL;
    char *claims_req = NULL;
    const char *headers[2] = {NULL, NULL};
    cJSON *root = NULL;
    int rc = KV_E_NOMEM;
    out->token = NULL;
    out->expires_on = 0;
    if (!cred)
        return kv__fail(err, KV_E_NO_CREDENTIAL, "the client has no credential");
    if (cred->kind == KV__CRED_STATIC) {
        if (!(out->token = strdup(cred->token)))
            return kv__fail(err, KV_E_NOMEM, "out of memory");
        out->expires_on = cred->token_expires;
        return KV_OK;
    }

    switch (cred->kind) {
    case KV__CRED_SECRET:
    case KV__CRED_CERT:
        if (!(url = kv__asprintf("%s/%s/oauth2/v2.0/token", cred->authority,
                                 tenant ? tenant : cred->tenant)))
            goto out;
        /* Client capability cp1 on every request, as the Key Vault SDKs send it (enableCae):
         * the service may then answer a revoked token with a claims challenge, whose claims go
         * into the next request (spec/identity.md §7.3). */
        if (!(claims_req = kv__claims_request(claims))) {
            rc = claims ? kv__fail(err, KV_E_CHALLENGE,
                                   "the claims challenge's claims are not a JSON object")
                        : KV_E_NOMEM;
            goto out;
        }
        if (!form_add(&form, "grant_type", "client_credentials") ||
            !form_add(&form, "client_id", cred->client_id) || !form_add(&form, "scope", scope) ||
            !form_add(&form, "claims", claims_req))
            goto out;
        if (cred->kind == KV__CRED_SECRET) {
            if (!form_add(&form, "client_secret", cred->client_secret))
                goto out;
        } else {
            if ((rc = kv__client_assertion(cred, url, kv__now(), &assertion, err)) != KV_OK)
                goto out;
            rc = KV_E_NOMEM;
            if (!form_add(&form, "client_assertion_type",
                          "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") ||
                !form_add(&form, "client_assertion", assertion))
                goto out;
        }
        rq.method = "POST";
        rq.body = form.data;
        rq.body_len = form.len;
        rq.content_type = "application/x-www-form-urlencoded";
        break;
    case KV__CRED_MI_APPSERVICE:
    case KV__CRED_MI_IMDS:
        if (!(resource = scope_to_resource(scope)) ||
            !(esc_res = curl_easy_escape(NULL, resource, 0)))
            goto out;
        if (cred->kind == KV__CRED_MI_APPSERVICE) {
            /* App Service 2019-08-01: the header proves the caller runs inside the app. */
            url = kv__asprintf("%s%sapi-version=2019-08-01&resource=%s%s%s", cred->endpoint,
                               strchr(cred->endpoint, '?') ? "&" : "?", esc_res,
                               cred->client_id ? "&client_id=" : "",
                               cred->client_id ? cred->client_id : "");
            hdr = kv__asprintf("X-IDENTITY-HEADER: %s", cred->identity_header);
        } else {
            url = kv__asprintf("%s/metadata/identity/oauth2/token?api-version=2018-02-01&"
                               "resource=%s%s%s",
                               cred->endpoint, esc_res, cred->client_id ? "&client_id=" : "",
                               cred->client_id ? cred->client_id : "");
            hdr = strdup("Metadata: true");
        }
        if (!url || !hdr)
            goto out;
        headers[0] = hdr;
        rq.headers = headers;
        break;
    case KV__CRED_STATIC: break;
    }
    rq.url = url;
    kv__trace(c, "token: %s for scope %s%s", kv_credential_kind(cred), scope,
              claims ? " with the claims of a claims challenge" : "");
    rc = kv__http_call(c, &rq, deadline_start, &rs, err);
    if (rc != KV_OK) {
        /* Keep what tells the caller most: a timeout, TLS or memory failure stays what it is. */
        if (rc == KV_E_NETWORK && err) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err->message);
            kv__fail(err, KV_E_AUTH, "token request failed: %s", msg);
            rc = KV_E_AUTH;
        }
        goto out;
    }
    if (rs.status != 200) {
        struct kv_error tmp;
        kv__error_from_response(&rs, err ? err : &tmp);
        rc = KV_E_AUTH;
        if (err) {
            err->status = rc;
            if (rs.status == 429 || rs.status >= 500)
                rc = err->status = rs.status == 429 ? KV_E_THROTTLED : KV_E_SERVER;
        }
        goto out;
    }
    root = cJSON_ParseWithLength(rs.body.data, rs.body.len);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(root, "access_token");
    if (!cJSON_IsString(at) || !at->valuestring || !*at->valuestring) {
        rc = kv__fail(err, KV_E_PROTOCOL, "the token response has no access_token");
        goto out;
    }
    if ((rc = kv__token_expiry(root, c->now(), &out->expires_on, err)) != KV_OK)
        goto out;
    if (!(out->token = strdup(at->valuestring))) {
        rc = kv__fail(err, KV_E_NOMEM, "out of memory");
        goto out;
    }
    kv__trace(c, "token: received, expires in %lld s",
              (long long)kv__sat_sub(out->expires_on, c->now()));
    rc = KV_OK;
out:
    if (rc == KV_E_NOMEM && err && !err->message[0])
        kv__fail(err, rc, "out of memory requesting a token");
    if (root)
        kv__json_delete_wipe(root);
    kv__response_finish(&rs);
    kv__buf_wipe(&form);
    cx_free_wiped(assertion);
    cx_free_wiped(hdr);
    free(claims_req);
    free(url);
    free(resource);
    curl_free(esc_res);
    return rc;
}
