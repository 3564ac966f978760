/* challenge.c: the Key Vault authentication challenge (WWW-Authenticate on a 401) and the
 * resource verification the official SDKs apply to it (spec/real-clients.md §3, A.2, B.2). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-text.h"
#include "kv-int.h"

/* Copies the value of one auth-param into out, unquoting it; returns the position after it. */
static const char *param_value(const char *p, char *out, size_t n)
{
    size_t len = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            if (len + 1 < n)
                out[len++] = *p;
            p++;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && *p != ',' && *p != ' ' && *p != '\t') {
            if (len + 1 < n)
                out[len++] = *p;
            p++;
        }
    }
    out[len] = '\0';
    return p;
}

/* The first path segment of an authorization URL ("https://login.microsoftonline.com/{tenant}"):
 * the clients use it as the tenant and ignore the host (real-clients §3). */
static void tenant_of(const char *url, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p = strchr(p, '/');
    if (!p)
        return;
    p++;
    size_t len = strcspn(p, "/?#");
    if (len >= n)
        len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

int kv__challenge_parse(const char *header, struct kv__challenge *out)
{
    char claims64[2048] = "";
    bool cae = false;
    memset(out, 0, sizeof *out);
    if (!header)
        return -1;
    const char *p = header;
    while (*p == ' ')
        p++;
    if (cx_strncasecmp(p, "Bearer", 6) != 0 || (p[6] && p[6] != ' ' && p[6] != '\t'))
        return -1;
    p += 6;
    for (;;) {
        /* Parameters are separated by "," with optional spaces: JS needs ", " from a server, Python
         * accepts both, and a client should too. */
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *key = p;
        while (*p && *p != '=' && *p != ',' && *p != ' ')
            p++;
        size_t klen = (size_t)(p - key);
        if (*p != '=') {
            continue;
        }
        p++;
        char val[2048];
        p = param_value(p, val, sizeof val);
        if ((klen == 13 && cx_strncasecmp(key, "authorization", 13) == 0) ||
            (klen == 17 && cx_strncasecmp(key, "authorization_uri", 17) == 0))
            snprintf(out->authorization, sizeof out->authorization, "%s", val);
        else if (klen == 8 && cx_strncasecmp(key, "resource", 8) == 0)
            snprintf(out->resource, sizeof out->resource, "%s", val);
        else if (klen == 5 && cx_strncasecmp(key, "scope", 5) == 0)
            snprintf(out->scope, sizeof out->scope, "%s", val);
        else if (klen == 5 && cx_strncasecmp(key, "error", 5) == 0)
            cae = cx_strcasecmp(val, "insufficient_claims") == 0;
        else if (klen == 6 && cx_strncasecmp(key, "claims", 6) == 0)
            snprintf(claims64, sizeof claims64, "%s", val);
    }
    if (cae && claims64[0]) {
        /* A claims challenge: the claims are base64 of a JSON object. The service sends the
         * standard alphabet with padding (the JS SDK reads it with atob); azure-core Python
         * re-pads and reads either alphabet, and so does this. */
        size_t n = 0;
        unsigned char *raw = cx_b64_decode(claims64, strlen(claims64),
                                           CX_B64_ANY_ALPHABET | CX_B64_PAD_OPTIONAL, &n);
        cJSON *j = raw ? cJSON_ParseWithLength((const char *)raw, n) : NULL;
        bool ok = cJSON_IsObject(j) && n < sizeof out->claims;
        if (ok)
            memcpy(out->claims, raw, n + 1);
        cJSON_Delete(j);
        free(raw);
        if (!ok)
            return -1;
    }
    if (!out->scope[0] && !out->resource[0])
        return out->claims[0] ? 0 : -1;
    /* scope is used verbatim; a resource gets "/.default" appended (both SDKs). */
    if (!out->scope[0])
        snprintf(out->scope, sizeof out->scope, "%s/.default", out->resource);
    /* A challenge without authorization is tolerated, as the JS SDK does: the credential's own
     * tenant is used then. */
    if (out->authorization[0])
        tenant_of(out->authorization, out->tenant, sizeof out->tenant);
    return 0;
}

int kv__challenge_verify(const char *vault_host, const struct kv__challenge *ch, char *msg,
                         size_t n)
{
    char rhost[256] = "", vhost[256];
    size_t vl = 0;
    for (; vault_host[vl] && vl + 1 < sizeof vhost; vl++)
        vhost[vl] = (char)cx_tolower((unsigned char)vault_host[vl]);
    vhost[vl] = '\0';
    /* keyvault-common's verifyChallengeResource: the vault host must end with "." + the resource
     * host. An exact match fails, ports are ignored. This stops a rogue host from harvesting a
     * token for the real vault resource. The scope is what the token is requested for, so it is
     * checked always; a resource given beside it must pass too. */
    const char *checked[2] = {ch->scope, ch->resource};
    int ok = 0, want = 0;
    for (int i = 0; i < 2; i++) {
        if (!checked[i][0])
            continue;
        want++;
        /* libcurl's URL parser (kv__url_parts) gives the host lower-case, without userinfo or
         * port; a value that is not a URL has no host and fails. */
        if (kv__url_parts(checked[i], NULL, 0, rhost, sizeof rhost, NULL) != 0)
            rhost[0] = '\0';
        size_t rl = strlen(rhost);
        if (!(rl > 0 && vl > rl + 1 && vhost[vl - rl - 1] == '.' &&
              strcmp(vhost + vl - rl, rhost) == 0))
            break;
        ok++;
    }
    if (want > 0 && ok == want)
        return 0;
    snprintf(msg, n,
             "The challenge resource '%s' does not match the requested domain '%s'. Turn off "
             "challenge resource verification (kvclient --no-verify-challenge) to disable. See "
             "https://aka.ms/azsdk/blog/vault-uri for more information.",
             rhost, vhost);
    return -1;
}

char *kv__claims_request(const char *challenge_claims)
{
    cJSON *root = challenge_claims ? cJSON_Parse(challenge_claims) : cJSON_CreateObject();
    cJSON *at, *cc, *values;
    char *text = NULL;

    if (!cJSON_IsObject(root))
        goto out;
    at = cJSON_GetObjectItemCaseSensitive(root, "access_token");
    if (!at)
        at = cJSON_AddObjectToObject(root, "access_token");
    if (!cJSON_IsObject(at))
        goto out;
    /* The capability replaces whatever xms_cc the challenge named: the client states its own. */
    cJSON_DeleteItemFromObjectCaseSensitive(at, "xms_cc");
    cc = cJSON_AddObjectToObject(at, "xms_cc");
    values = cc ? cJSON_AddArrayToObject(cc, "values") : NULL;
    if (!values || !cJSON_AddItemToArray(values, cJSON_CreateString("cp1")))
        goto out;
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return text;
}
