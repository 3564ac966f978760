/* conn.c: one worker's connections (a single libcurl easy handle, which keeps one connection
 * alive per host) and soak_request, which sends one request, times it and classifies the answer
 * as expected, explained (throttled, injected, a stale token, cut by a restart) or unexpected. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soak.h"

/* Long enough for a sanitizer build under load; a request that takes this long is a failure. */
#define REQUEST_TIMEOUT_S 60L
/* How many unexpected answers are described; the rest are only counted. */
#define UNEXPECTED_SHOWN 10

const char *const soak_op_names[OP_COUNT] = {
    [OP_SET_SECRET] = "SetSecret",
    [OP_GET_SECRET] = "GetSecret",
    [OP_UPDATE_SECRET] = "UpdateSecret",
    [OP_DELETE_SECRET] = "DeleteSecret",
    [OP_GET_SECRETS] = "GetSecrets",
    [OP_GET_SECRET_VERSIONS] = "GetSecretVersions",
    [OP_GET_DELETED_SECRETS] = "GetDeletedSecrets",
    [OP_GET_DELETED_SECRET] = "GetDeletedSecret",
    [OP_PURGE_DELETED_SECRET] = "PurgeDeletedSecret",
    [OP_RECOVER_DELETED_SECRET] = "RecoverDeletedSecret",
    [OP_BACKUP_SECRET] = "BackupSecret",
    [OP_RESTORE_SECRET] = "RestoreSecret",
    [OP_CREATE_KEY] = "CreateKey",
    [OP_IMPORT_KEY] = "ImportKey",
    [OP_GET_KEY] = "GetKey",
    [OP_UPDATE_KEY] = "UpdateKey",
    [OP_DELETE_KEY] = "DeleteKey",
    [OP_GET_KEYS] = "GetKeys",
    [OP_GET_KEY_VERSIONS] = "GetKeyVersions",
    [OP_GET_DELETED_KEYS] = "GetDeletedKeys",
    [OP_GET_DELETED_KEY] = "GetDeletedKey",
    [OP_PURGE_DELETED_KEY] = "PurgeDeletedKey",
    [OP_RECOVER_DELETED_KEY] = "RecoverDeletedKey",
    [OP_BACKUP_KEY] = "BackupKey",
    [OP_RESTORE_KEY] = "RestoreKey",
    [OP_ENCRYPT] = "Encrypt",
    [OP_DECRYPT] = "Decrypt",
    [OP_WRAP_KEY] = "WrapKey",
    [OP_UNWRAP_KEY] = "UnwrapKey",
    [OP_SIGN] = "Sign",
    [OP_VERIFY] = "Verify",
    [OP_RELEASE] = "Release",
    [OP_ROTATE_KEY] = "RotateKey",
    [OP_GET_KEY_ROTATION_POLICY] = "GetKeyRotationPolicy",
    [OP_UPDATE_KEY_ROTATION_POLICY] = "UpdateKeyRotationPolicy",
    [OP_GET_RANDOM_BYTES] = "GetRandomBytes",
    [OP_GET_KEY_ATTESTATION] = "GetKeyAttestation",
    [OP_CREATE_CERTIFICATE] = "CreateCertificate",
    [OP_IMPORT_CERTIFICATE] = "ImportCertificate",
    [OP_GET_CERTIFICATE_OPERATION] = "GetCertificateOperation",
    [OP_DELETE_CERTIFICATE_OPERATION] = "DeleteCertificateOperation",
    [OP_GET_CERTIFICATE] = "GetCertificate",
    [OP_UPDATE_CERTIFICATE] = "UpdateCertificate",
    [OP_GET_CERTIFICATE_POLICY] = "GetCertificatePolicy",
    [OP_UPDATE_CERTIFICATE_POLICY] = "UpdateCertificatePolicy",
    [OP_GET_CERTIFICATES] = "GetCertificates",
    [OP_GET_CERTIFICATE_VERSIONS] = "GetCertificateVersions",
    [OP_BACKUP_CERTIFICATE] = "BackupCertificate",
    [OP_RESTORE_CERTIFICATE] = "RestoreCertificate",
    [OP_DELETE_CERTIFICATE] = "DeleteCertificate",
    [OP_GET_DELETED_CERTIFICATE] = "GetDeletedCertificate",
    [OP_GET_DELETED_CERTIFICATES] = "GetDeletedCertificates",
    [OP_RECOVER_DELETED_CERTIFICATE] = "RecoverDeletedCertificate",
    [OP_PURGE_DELETED_CERTIFICATE] = "PurgeDeletedCertificate",
    [OP_GET_CERTIFICATE_CONTACTS] = "GetCertificateContacts",
    [OP_GET_CERTIFICATE_ISSUERS] = "GetCertificateIssuers",
    [OP_GET_CERTIFICATE_ISSUER] = "GetCertificateIssuer",
    [OP_TOKEN] = "Token",
    [OP_OPENID_CONFIGURATION] = "OpenIdConfiguration",
    [OP_INSTANCE_DISCOVERY] = "InstanceDiscovery",
    [OP_KEYS] = "Keys",
    [OP_MANAGED_IDENTITY_TOKEN] = "ManagedIdentityToken",
    [OP_GRAPH_LIST_USERS] = "GraphListUsers",
    [OP_GRAPH_GET_USER] = "GraphGetUser",
    [OP_GRAPH_LIST_ORGANIZATION] = "GraphListOrganization",
    [OP_ARM_LIST_SUBSCRIPTIONS] = "ArmListSubscriptions",
    [OP_ARM_LIST_TENANTS] = "ArmListTenants",
    [OP_ARM_GET_METADATA_ENDPOINTS] = "ArmGetMetadataEndpoints",
    [OP_MOCK_HEALTH] = "MockHealth",
    [OP_MOCK_CLOCK_GET] = "MockClockGet",
    [OP_MOCK_CLOCK_SET] = "MockClockSet",
    [OP_MOCK_THROTTLE_GET] = "MockThrottleGet",
    [OP_MOCK_THROTTLE_SET] = "MockThrottleSet",
    [OP_MOCK_FAULT_ADD] = "MockFaultAdd",
    [OP_MOCK_FAULTS_GET] = "MockFaultsGet",
    [OP_MOCK_FAULTS_CLEAR] = "MockFaultsClear",
    [OP_MOCK_FAULT_DELETE] = "MockFaultDelete",
    [OP_MOCK_REQUESTS_GET] = "MockRequestsGet",
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* libcurl's write callback: appends to the worker's buffer, keeping it NUL-terminated. */
static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct soak_worker *w = ud;
    size_t add = size * n;

    if (w->len + add + 1 > w->cap) {
        size_t cap = (w->len + add + 1) * 2;
        char *b = realloc(w->buf, cap);
        if (!b)
            return 0; /* libcurl fails the transfer (CURLE_WRITE_ERROR): an unexpected answer */
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, add);
    w->len += add;
    w->buf[w->len] = '\0';
    return add;
}

int soak_worker_init(struct soak_worker *w, struct soak_run *run, int id)
{
    char entry[2][96];
    int rc = -1;

    memset(w, 0, sizeof *w);
    w->run = run;
    w->id = id;
    w->cap = 4096;
    w->buf = malloc(w->cap);
    w->h = curl_easy_init();
    if (!w->buf || !w->h)
        goto out;
    w->buf[0] = '\0';
    /* Both host names reach the TLS listener on loopback; the vault is chosen by the Host. */
    snprintf(entry[0], sizeof entry[0], "localhost:%d:127.0.0.1", run->mock.port);
    snprintf(entry[1], sizeof entry[1], "rbac-demo.localhost:%d:127.0.0.1", run->mock.port);
    for (int i = 0; i < 2; i++) {
        struct curl_slist *l = curl_slist_append(w->resolve, entry[i]);
        if (!l)
            goto out;
        w->resolve = l;
    }
    curl_easy_setopt(w->h, CURLOPT_RESOLVE, w->resolve);
    curl_easy_setopt(w->h, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
    curl_easy_setopt(w->h, CURLOPT_CAINFO, run->mock.ca);
    curl_easy_setopt(w->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(w->h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
    curl_easy_setopt(w->h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(w->h, CURLOPT_ERRORBUFFER, w->errbuf);
    rc = soak_work_init(w);
out:
    return rc;
}

void soak_worker_finish(struct soak_worker *w)
{
    if (!w)
        return;
    soak_work_finish(w);
    curl_easy_cleanup(w->h);
    curl_slist_free_all(w->resolve);
    free(w->buf);
    w->h = NULL;
    w->resolve = NULL;
    w->buf = NULL;
}

/* Copies the error code of an error body (Key Vault, Graph, ARM: error.code; Entra:
 * error and the first AADSTS number) into out, for the report of an unexpected answer. Error
 * bodies carry no secret; success bodies are never looked at here. */
static void error_code(const struct soak_worker *w, char *out, size_t outlen)
{
    cJSON *j = cJSON_Parse(w->buf), *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    cJSON *code = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "code") : e;
    cJSON *codes = cJSON_GetObjectItemCaseSensitive(j, "error_codes");

    out[0] = '\0';
    if (cJSON_IsString(code))
        snprintf(out, outlen, ", error %.80s", code->valuestring);
    if (cJSON_IsArray(codes) && cJSON_IsNumber(cJSON_GetArrayItem(codes, 0)))
        snprintf(out + strlen(out), outlen - strlen(out), " AADSTS%d",
                 cJSON_GetArrayItem(codes, 0)->valueint);
    cJSON_Delete(j);
}

void soak_unexpected(struct soak_worker *w, const struct soak_req *q, const char *what)
{
    struct soak_run *run = w->run;
    uint64_t n = atomic_fetch_add(&run->unexpected, 1) + 1;

    if (n > UNEXPECTED_SHOWN)
        return;
    pthread_mutex_lock(&run->print_mu);
    /* The path names the operation's target; tokens, bodies and secret values never appear. */
    fprintf(stderr, "soak: unexpected #%llu: worker %d, %s %s %s%s: %s\n", (unsigned long long)n,
            w->id, soak_op_names[q->op], q->method,
            q->host == HOST_RBAC   ? "(rbac-demo) "
            : q->host == HOST_IMDS ? "(imds) "
                                   : "",
            q->path, what);
    pthread_mutex_unlock(&run->print_mu);
}

static bool expected_status(const struct soak_req *q, long status)
{
    for (int i = 0; i < 4 && q->expect[i]; i++)
        if (q->expect[i] == status)
            return true;
    return false;
}

/* True when a 401 for this token is explained: the mock's clock or process changed since the
 * token was asked for, or it is old enough to have expired (workers renew tokens well before). */
static bool token_stale(const struct soak_req *q, unsigned gen_end)
{
    return q->token_gen != gen_end || (q->token_gen & 1u) ||
           soak_now() - q->token_time > SOAK_TOKEN_LIFETIME - 5;
}

/* Waits while a restart or clock change is under way, so workers do not spin on a refused
 * connection. False when the run is failing. */
static bool wait_stable(struct soak_run *run)
{
    while (atomic_load(&run->gen) & 1u) {
        if (atomic_load(&run->failed))
            return false;
        sleep_ms(2);
    }
    return !atomic_load(&run->failed);
}

static struct curl_slist *add_header(struct curl_slist *l, const char *line, bool *ok)
{
    struct curl_slist *n = curl_slist_append(l, line);
    if (!n)
        *ok = false;
    return n ? n : l;
}

/* Sets up the handle for q. Returns the header list (the caller frees it), NULL on failure. */
static struct curl_slist *prepare(struct soak_worker *w, const struct soak_req *q)
{
    static const char *const scheme_host[] = {
        [HOST_MAIN] = "https://localhost",
        [HOST_RBAC] = "https://rbac-demo.localhost",
        [HOST_IMDS] = "http://127.0.0.1",
    };
    char url[2048], line[4096];
    struct curl_slist *hl = NULL;
    bool ok = true;
    int port = q->host == HOST_IMDS ? w->run->mock.imds_port : w->run->mock.port;
    const char *body = q->body;

    snprintf(url, sizeof url, "%s:%d%s", scheme_host[q->host], port, q->path);
    /* libcurl would ask for 100-continue before a larger body (a backup blob); the mock answers
     * it, but every request then costs a round trip more. */
    hl = add_header(hl, "Expect:", &ok);
    if (q->bearer) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", q->bearer);
        hl = add_header(hl, line, &ok);
    }
    if (q->ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", q->ctype);
        hl = add_header(hl, line, &ok);
    }
    if (q->header)
        hl = add_header(hl, q->header, &ok);
    if (!ok) {
        curl_slist_free_all(hl);
        return NULL;
    }
    curl_easy_setopt(w->h, CURLOPT_URL, url);
    curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, hl);
    if (!body && strcmp(q->method, "POST") == 0)
        body = ""; /* recover and backup are bodiless POSTs */
    if (body) {
        curl_easy_setopt(w->h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(w->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(w->h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(w->h, CURLOPT_CUSTOMREQUEST,
                     strcmp(q->method, body ? "POST" : "GET") == 0 ? NULL : q->method);
    return hl;
}

/* Classifies a transport error (no HTTP answer). */
static enum soak_outcome classify_cut(struct soak_worker *w, const struct soak_req *q, CURLcode rc,
                                      unsigned g0, unsigned g1, unsigned restarts)
{
    char what[512];

    /* A restart during the request, or one since this host's connection was last used (the
     * request then went out on a connection the old process had closed). */
    if (g0 != g1 || (g1 & 1u) || w->prev_restarts[q->host] != restarts) {
        if (rc == CURLE_COULDNT_CONNECT)
            w->st.refused++;
        else
            w->st.cut_restart++;
        return OUT_CUT;
    }
    /* A drop rule closes the connection before any answer; a truncate rule sends half the
     * body. Depending on timing libcurl sees either as one of these three. */
    if (q->may_cut && (rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
                       rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR)) {
        w->st.cut_injected++;
        return OUT_CUT;
    }
    snprintf(what, sizeof what,
             "no answer (%s: %s; the last request to this host: %s, %.3f s before; the last "
             "restart ended %.3f s before)",
             curl_easy_strerror(rc), w->errbuf, w->prev[q->host][0] ? w->prev[q->host] : "none",
             soak_now() - w->prev_time[q->host],
             soak_now() - (double)atomic_load(&w->run->restart_end_us) / 1e6);
    soak_unexpected(w, q, what);
    return OUT_UNEXPECTED;
}

enum soak_outcome soak_request(struct soak_worker *w, const struct soak_req *q)
{
    struct soak_run *run = w->run;
    enum soak_outcome out;
    struct curl_slist *hl;
    uint64_t ticket;
    unsigned g0, g1, restarts;
    double t0, t1;
    CURLcode rc;
    char what[512], code[128];

    w->status = 0;
    w->errbuf[0] = '\0';
    w->len = 0;
    w->buf[0] = '\0';
    if (!q->during_change && !wait_stable(run))
        return OUT_STOP;
    ticket = atomic_fetch_add(&run->issued, 1);
    if (ticket >= run->budget)
        return OUT_STOP;
    hl = prepare(w, q);
    if (!hl) {
        soak_unexpected(w, q, "out of memory building the request");
        return OUT_UNEXPECTED;
    }
    restarts = atomic_load(&run->restarts_done);
    g0 = atomic_load(&run->gen);
    t0 = soak_now();
    w->sent_gen = g0;
    w->sent_time = t0;
    rc = curl_easy_perform(w->h);
    t1 = soak_now();
    g1 = atomic_load(&run->gen);
    curl_slist_free_all(hl);
    run->latency_ms[ticket] = rc == CURLE_OK ? (float)((t1 - t0) * 1000.0) : -1.0f;
    if (rc != CURLE_OK) {
        out = classify_cut(w, q, rc, g0, g1, restarts);
        goto out;
    }
    curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->status);
    if (w->status > 0 && w->status < 600)
        w->st.status[w->status]++;
    if (expected_status(q, w->status)) {
        out = OUT_OK;
        w->st.op_ok[q->op]++;
    } else if (w->status == 429 && q->ep == EP_VAULT) {
        out = OUT_THROTTLED;
        if (soak_op_is_key(q->op))
            w->st.key_throttled++;
        else if (soak_op_is_cert(q->op))
            w->st.cert_throttled++;
    } else if (q->ep != EP_CONTROL && w->status == SOAK_FAULT_STATUS_BASE + (long)q->ep) {
        out = OUT_FAULT;
    } else if (w->status == 401 && q->bearer && token_stale(q, g1)) {
        out = OUT_STALE;
    } else {
        /* Only error bodies are looked into: a success body may hold a secret or a token. */
        code[0] = '\0';
        if (w->status >= 400)
            error_code(w, code, sizeof code);
        snprintf(what, sizeof what, "status %ld, expected %d%s", w->status, q->expect[0], code);
        soak_unexpected(w, q, what);
        out = OUT_UNEXPECTED;
    }
out:
    w->st.outcome[out]++;
    snprintf(w->prev[q->host], sizeof w->prev[q->host], "%s %s -> %ld", q->method, q->path,
             w->status);
    w->prev_time[q->host] = t1;
    w->prev_restarts[q->host] = restarts;
    return out;
}
