/* kvclient-adapter.c: kvconform client adapter for libkvclient (client/include/kvclient.h).
 *
 * One kv_client for the whole session, as an application holds one: its token cache, challenge
 * and connections live across commands, which the token caching and refresh scenarios need (the
 * kvclient CLI is one process per command and could not show them). Credentials come from the
 * environment (kv_credential_from_env: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), the
 * vault URL from KVCONFORM_VAULT_URL, the CA from SSL_CERT_FILE and the proxy from HTTPS_PROXY
 * (libcurl reads it), all set by kvconform. The library's trace (its -v diagnostics, which mask
 * tokens and values) goes to stderr, where kvconform checks it for leaks.
 *
 * Protocol (docs/conformance.md): one command per line on stdin, one JSON line per command on
 * stdout. `clock` is acknowledged and otherwise ignored: libkvclient reads the real clock, and a
 * token the vault refuses as expired (401 with a token) is refreshed once by the library. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "kvclient.h"

static void trace_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "kvclient: %s\n", line);
}

/* Prints the object as one line and frees it; the text (which may hold a value) is wiped. */
static void emit(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);

    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        memset(s, 0, strlen(s));
        cJSON_free(s);
    } else {
        fputs("{\"ok\":false,\"status\":0,\"code\":\"NoMemory\",\"innerCode\":null,"
              "\"message\":\"out of memory\"}\n",
              stdout);
    }
    fflush(stdout);
    cJSON_Delete(o);
}

static void add_str_or_null(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static void add_time_or_null(cJSON *o, const char *key, int64_t t)
{
    if (t)
        cJSON_AddNumberToObject(o, key, (double)t);
    else
        cJSON_AddNullToObject(o, key);
}

/* name, version, enabled, exp, nbf of a bundle or an item. */
static void add_props(cJSON *o, const struct kv_secret *s)
{
    add_str_or_null(o, "name", s->name);
    add_str_or_null(o, "version", s->version && *s->version ? s->version : NULL);
    cJSON_AddBoolToObject(o, "enabled", s->enabled);
    add_time_or_null(o, "exp", s->expires);
    add_time_or_null(o, "nbf", s->not_before);
}

static cJSON *failure(int st, const struct kv_error *err)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddNumberToObject(o, "status", (double)err->http_status);
    add_str_or_null(o, "code", err->code[0] ? err->code : kv_status_name(st));
    add_str_or_null(o, "innerCode", err->inner_code[0] ? err->inner_code : NULL);
    cJSON_AddStringToObject(o, "message", err->message[0] ? err->message : kv_strerror(st));
    return o;
}

static cJSON *ok_object(void)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddTrueToObject(o, "ok");
    return o;
}

static cJSON *cmd_list(struct kv_client *c, enum kv_list_kind kind, const char *name)
{
    struct kv_pager *p = NULL;
    struct kv_error err;
    cJSON *o, *items;
    int st;

    memset(&err, 0, sizeof err);
    st = kv_pager_create(c, kind, name, 0, &p);
    if (st != KV_OK) {
        err.status = st;
        return failure(st, &err);
    }
    o = ok_object();
    items = cJSON_AddArrayToObject(o, "items");
    for (;;) {
        struct kv_secret *s = NULL;

        st = kv_pager_next(p, &s, &err);
        if (st != KV_OK) {
            cJSON_Delete(o);
            o = failure(st, &err);
            break;
        }
        if (!s)
            break;
        cJSON *it = cJSON_CreateObject();
        add_props(it, s);
        if (kind == KV_LIST_VERSIONS && (!s->name || !*s->name))
            cJSON_ReplaceItemInObject(it, "name", cJSON_CreateString(name));
        cJSON_AddItemToArray(items, it);
        kv_secret_free(s);
    }
    kv_pager_destroy(p);
    return o;
}

/* ----- keys: every operation addresses the key by its version-less name, so the service picks the
 * latest version; libkvclient does all cryptography remotely (no local crypto, no GET first). */

static cJSON *usage_error(const char *what)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddNumberToObject(o, "status", 0);
    cJSON_AddStringToObject(o, "code", "UsageError");
    cJSON_AddNullToObject(o, "innerCode");
    cJSON_AddStringToObject(o, "message", what);
    return o;
}

static cJSON *cmd_key_get(struct kv_client *c, const char *name, const char *version)
{
    struct kv_key *k = NULL;
    struct kv_error err;
    cJSON *o;
    int st;

    memset(&err, 0, sizeof err);
    st = kv_key_get(c, name, version, &k, &err);
    if (st != KV_OK)
        return failure(st, &err);
    o = ok_object();
    add_str_or_null(o, "name", k->name);
    add_str_or_null(o, "version", k->version && *k->version ? k->version : NULL);
    add_str_or_null(o, "kty", k->kty);
    cJSON_AddBoolToObject(o, "enabled", k->enabled);
    add_time_or_null(o, "exp", k->expires);
    add_time_or_null(o, "nbf", k->not_before);
    kv_key_free(k);
    return o;
}

/* key-sign, key-encrypt, key-decrypt: NAME ALG DATA (base64url) -> signature, ciphertext or
 * plaintext (base64url). */
static cJSON *cmd_key_crypto(struct kv_client *c, const char *op, const char *name, const char *alg,
                             const char *data)
{
    struct kv_crypto_result *r = NULL;
    struct kv_error err;
    unsigned char *raw;
    size_t n = 0;
    char *b64;
    cJSON *o;
    int st;

    memset(&err, 0, sizeof err);
    if (!alg || !data || !(raw = cx_b64url_decode(data, strlen(data), &n)))
        return usage_error("want NAME ALG BASE64URL");
    if (strcmp(op, "sign") == 0)
        st = kv_key_sign(c, name, NULL, alg, raw, n, &r, &err);
    else if (strcmp(op, "encrypt") == 0)
        st = kv_key_encrypt(c, name, NULL, alg, raw, n, &r, &err);
    else
        st = kv_key_decrypt(c, name, NULL, alg, raw, n, &r, &err);
    memset(raw, 0, n);
    free(raw);
    if (st != KV_OK)
        return failure(st, &err);
    b64 = cx_b64url_encode(r->value.data, r->value.len);
    o = ok_object();
    add_str_or_null(o, "kid", r->kid);
    add_str_or_null(o,
                    strcmp(op, "sign") == 0      ? "signature"
                    : strcmp(op, "encrypt") == 0 ? "ciphertext"
                                                 : "plaintext",
                    b64);
    if (b64) {
        memset(b64, 0, strlen(b64));
        free(b64);
    }
    kv_crypto_result_free(r);
    return o;
}

static cJSON *cmd_key_verify(struct kv_client *c, const char *name, const char *alg,
                             const char *digest, const char *sig)
{
    unsigned char *d = NULL, *s = NULL;
    size_t dn = 0, sn = 0;
    struct kv_error err;
    int st, valid = 0;
    cJSON *o;

    memset(&err, 0, sizeof err);
    if (alg && digest && sig) {
        d = cx_b64url_decode(digest, strlen(digest), &dn);
        s = cx_b64url_decode(sig, strlen(sig), &sn);
    }
    if (!d || !s) {
        free(d);
        free(s);
        return usage_error("want NAME ALG DIGEST SIGNATURE (base64url)");
    }
    st = kv_key_verify(c, name, NULL, alg, d, dn, s, sn, &valid, &err);
    free(d);
    free(s);
    if (st != KV_OK)
        return failure(st, &err);
    o = ok_object();
    cJSON_AddBoolToObject(o, "valid", valid == 1);
    return o;
}

static cJSON *run_key(struct kv_client *c, const char *cmd, const char *name, char **save)
{
    char *a2 = strtok_r(NULL, " \t", save), *a3 = strtok_r(NULL, " \t", save);

    if (strcmp(cmd, "key-get") == 0)
        return cmd_key_get(c, name, a2);
    if (strcmp(cmd, "key-verify") == 0)
        return cmd_key_verify(c, name, a2, a3, strtok_r(NULL, " \t", save));
    if (strcmp(cmd, "key-sign") == 0 || strcmp(cmd, "key-encrypt") == 0 ||
        strcmp(cmd, "key-decrypt") == 0)
        return cmd_key_crypto(c, cmd + 4, name, a2, a3);
    return NULL;
}

/* name, version, x5t, enabled, exp, nbf of a certificate (docs/conformance.md cert-get). */
static void add_cert(cJSON *o, const struct kv_certificate *k)
{
    add_str_or_null(o, "name", k->name);
    add_str_or_null(o, "version", k->version && *k->version ? k->version : NULL);
    add_str_or_null(o, "x5t", k->x5t);
    cJSON_AddBoolToObject(o, "enabled", k->enabled);
    add_time_or_null(o, "exp", k->expires);
    add_time_or_null(o, "nbf", k->not_before);
}

/* cert-create NAME: a Self certificate (subject CN=NAME, the service's other defaults) and the
 * library's poller until the operation is done; cert-get NAME [VERSION]. */
static cJSON *run_cert(struct kv_client *c, const char *cmd, const char *name, char **save)
{
    struct kv_certificate_policy_spec spec;
    struct kv_certificate *k = NULL;
    struct kv_certificate_operation *op = NULL;
    struct kv_error err;
    char subject[160], *policy = NULL;
    cJSON *o;
    int st;

    memset(&err, 0, sizeof err);
    if (strcmp(cmd, "cert-get") == 0) {
        st = kv_certificate_get(c, name, strtok_r(NULL, " \t", save), &k, &err);
    } else if (strcmp(cmd, "cert-create") == 0) {
        kv_certificate_policy_spec_init(&spec);
        snprintf(subject, sizeof subject, "CN=%s", name);
        spec.subject = subject;
        spec.issuer_name = "Self";
        st = kv_certificate_policy_json(&spec, &policy, &err);
        if (st == KV_OK)
            st = kv_certificate_create_wait(c, name, policy, NULL, NULL, &k, &op, &err);
        kv_free(policy);
    } else {
        return NULL;
    }
    if (st != KV_OK)
        return failure(st, &err);
    o = ok_object();
    if (op)
        add_str_or_null(o, "status", op->status);
    if (k)
        add_cert(o, k);
    kv_certificate_operation_free(op);
    kv_certificate_free(k);
    return o;
}

static cJSON *run(struct kv_client *c, char *line)
{
    char *save = NULL, *cmd = strtok_r(line, " \t", &save);
    char *a1 = strtok_r(NULL, " \t", &save);
    struct kv_secret *s = NULL;
    struct kv_error err;
    cJSON *o;
    int st;

    memset(&err, 0, sizeof err);
    if (!cmd)
        return NULL;
    if (strcmp(cmd, "clock") == 0)
        return ok_object();
    if (!a1 && strcmp(cmd, "list") != 0)
        return usage_error("missing argument");
    if (strncmp(cmd, "key-", 4) == 0 && (o = run_key(c, cmd, a1, &save)) != NULL)
        return o;
    if (strncmp(cmd, "cert-", 5) == 0 && (o = run_cert(c, cmd, a1, &save)) != NULL)
        return o;
    if (strcmp(cmd, "get") == 0) {
        char *ver = strtok_r(NULL, " \t", &save);
        st = kv_secret_get(c, a1, ver, &s, &err);
        if (st != KV_OK)
            return failure(st, &err);
        o = ok_object();
        add_props(o, s);
        add_str_or_null(o, "value", s->value);
        kv_secret_free(s);
        return o;
    }
    if (strcmp(cmd, "list") == 0)
        return cmd_list(c, KV_LIST_SECRETS, NULL);
    if (strcmp(cmd, "list-versions") == 0)
        return cmd_list(c, KV_LIST_VERSIONS, a1);
    if (strcmp(cmd, "set") == 0) {
        /* The value is the rest of the line, verbatim. */
        const char *value = save ? save : "";
        st = kv_secret_set(c, a1, value, NULL, &s, &err);
        if (st != KV_OK)
            return failure(st, &err);
        o = ok_object();
        add_props(o, s);
        kv_secret_free(s);
        return o;
    }
    if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "recover") == 0 || strcmp(cmd, "purge") == 0) {
        if (cmd[0] == 'd')
            st = kv_secret_delete(c, a1, NULL, &err);
        else if (cmd[0] == 'r')
            st = kv_secret_recover(c, a1, NULL, &err);
        else
            st = kv_secret_purge(c, a1, &err);
        if (st != KV_OK)
            return failure(st, &err);
        o = ok_object();
        cJSON_AddStringToObject(o, "name", a1);
        return o;
    }
    o = cJSON_CreateObject();
    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddNumberToObject(o, "status", 0);
    cJSON_AddStringToObject(o, "code", "UnknownCommand");
    cJSON_AddNullToObject(o, "innerCode");
    cJSON_AddStringToObject(o, "message", cmd);
    return o;
}

int main(void)
{
    struct kv_credential *cred = NULL;
    struct kv_client *c = NULL;
    struct kv_options opts;
    struct kv_error err;
    const char *url = getenv("KVCONFORM_VAULT_URL");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int st;

    memset(&err, 0, sizeof err);
    if (!url) {
        fputs("kvclient-adapter: KVCONFORM_VAULT_URL is not set\n", stderr);
        return 2;
    }
    if (kv_global_init() != KV_OK)
        return 2;
    st = kv_credential_from_env(&cred, &err);
    if (st != KV_OK) {
        fprintf(stderr, "kvclient-adapter: %s: %s\n", kv_strerror(st), err.message);
        return 2;
    }
    kv_options_init(&opts);
    opts.vault_url = url;
    opts.trace = trace_line;
    st = kv_client_create(&opts, cred, &c, &err);
    if (st != KV_OK) {
        fprintf(stderr, "kvclient-adapter: %s: %s\n", kv_strerror(st), err.message);
        kv_global_cleanup();
        return 2;
    }
    while ((n = getline(&line, &cap, stdin)) > 0) {
        cJSON *o;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (strcmp(line, "quit") == 0)
            break;
        o = run(c, line);
        if (o)
            emit(o);
        memset(line, 0, (size_t)n);
    }
    if (line) {
        memset(line, 0, cap);
        free(line);
    }
    kv_client_destroy(c);
    kv_global_cleanup();
    return 0;
}
