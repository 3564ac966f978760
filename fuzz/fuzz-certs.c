/* fuzz-certs: the certificates family's request bodies through the whole request path of the real
 * server (fz-mock.c, fixtures/default.json), and its policy parser directly. Input byte 0 picks
 * the request (ops[] below) and the rest is its JSON body: create (the policy, attributes, tags),
 * import (PFX or PEM value, password, policy), merge (x5c) of a pending Unknown-issuer operation,
 * update of a version, policy update, the operation's cancellation, contacts, issuers (set and
 * update), and restore of raw blob text or of a bundle JSON sealed with the server's backup key
 * as the certificates' backup seals it (vault/certs.c), so that the state reader and the store's
 * restore see fuzzed bundles.
 *
 * The last op feeds the body to mv_cert_policy_parse alone (no base, then over a parsed default
 * policy as UpdateCertificatePolicy merges) and checks what parsed: its wire JSON must parse
 * again to the same JSON.
 *
 * Requests run against two certificates the harness makes after each reset (so that an input
 * finds them whatever the previous one did): "fz-base", a completed Self certificate (EC P-256),
 * "fz-pend", an operation of the Unknown issuer awaiting a merge, and the issuer "fz-issuer". Key
 * generation is one key per spec and process (fz-keygen.c). With FZ_VERBOSE set in the environment,
 * each answer's status and the beginning of its body are printed (to check that a seed gets as far
 * as meant). */
#include "fz-util.h"

#include "certs.h"
#include "cx-mem.h"
#include "fz-keygen.h"
#include "fz-mock.h"
#include "vault-int.h"

#include <cjson/cJSON.h>
#include <stdio.h>

enum body_kind {
    B_PLAIN,  /* the input as it is */
    B_SEALED, /* the input sealed as a certificate backup blob, in {"value":blob} */
    B_POLICY, /* not a request: mv_cert_policy_parse on the input */
};

static const struct {
    const char *method, *path;
    enum body_kind kind;
    bool changes_state; /* a 2xx answer leaves something the next input would see */
} ops[] = {
    {"POST", "/certificates/fz-cert/create", B_PLAIN, true},
    {"POST", "/certificates/fz-base/create", B_PLAIN, true},
    {"POST", "/certificates/fz-cert/import", B_PLAIN, true},
    {"POST", "/certificates/fz-base/import", B_PLAIN, true},
    {"POST", "/certificates/fz-pend/pending/merge", B_PLAIN, true},
    {"PATCH", "/certificates/fz-pend/pending", B_PLAIN, true},
    {"PATCH", "/certificates/fz-base/", B_PLAIN, true},
    {"PATCH", "/certificates/fz-base/policy", B_PLAIN, true},
    {"PUT", "/certificates/contacts", B_PLAIN, true},
    {"PUT", "/certificates/issuers/fz-issuer", B_PLAIN, true},
    {"PATCH", "/certificates/issuers/fz-issuer", B_PLAIN, true},
    {"POST", "/certificates/restore", B_PLAIN, true},
    {"POST", "/certificates/restore", B_SEALED, true},
    {NULL, NULL, B_POLICY, false},
};
#define NOPS (sizeof ops / sizeof ops[0])

/* The certificates' backup blob's additional data (vault/certs.c blob_aad). */
static const char cert_blob_aad[] = "mockvault-certificate-backup-v1";

/* Whether fz-base and fz-pend are there (false after a reset). */
static bool primed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_mock();
    fz_keygen_warm();
    return 0;
}

/* One request as the admin on the default vault; returns the status (0: no answer) and keeps the
 * answer's beginning in resp. */
static int send_req(const char *method, const char *path, const char *body, size_t blen, char *resp,
                    size_t rcap)
{
    const char *tok = fz_mock_token();
    size_t cap = blen + strlen(tok) + 512;
    char *req = malloc(cap);
    int status = 0;

    if (!req)
        return 0;
    int n = snprintf(req, cap,
                     "%s %s?api-version=7.5 HTTP/1.1\r\nHost: localhost\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     method, path, tok, blen);
    if (n >= 0 && (size_t)n + blen < cap) {
        memcpy(req + n, body, blen);
        status = fz_mock_exchange(req, (size_t)n + blen, resp, rcap);
    }
    free(req);
    return status;
}

/* Makes fz-base (completed, Self), fz-pend (pending, Unknown) and the issuer fz-issuer after a
 * start or reset. */
static void prime(void)
{
    static const char self[] = "{\"policy\":{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-256\"},"
                               "\"x509_props\":{\"subject\":\"CN=fz-base\"},"
                               "\"issuer\":{\"name\":\"Self\"}}}";
    static const char unknown[] = "{\"policy\":{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-256\"},"
                                  "\"x509_props\":{\"subject\":\"CN=fz-pend\"},"
                                  "\"issuer\":{\"name\":\"Unknown\"}}}";
    static const char issuer[] = "{\"provider\":\"Test\"}";
    char resp[256];

    if (primed)
        return;
    if (send_req("POST", "/certificates/fz-base/create", self, sizeof self - 1, resp,
                 sizeof resp) != 202 ||
        send_req("GET", "/certificates/fz-base/pending", "", 0, resp, sizeof resp) != 200 ||
        send_req("POST", "/certificates/fz-pend/create", unknown, sizeof unknown - 1, resp,
                 sizeof resp) != 202 ||
        send_req("PUT", "/certificates/issuers/fz-issuer", issuer, sizeof issuer - 1, resp,
                 sizeof resp) != 200) {
        fprintf(stderr, "fuzz-certs: the harness could not make its certificates\n");
        abort();
    }
    primed = true;
}

/* {"value": blob} where blob seals data[0..size) as a certificate backup does; NULL on failure. */
static char *sealed(const uint8_t *data, size_t size)
{
    char *blob = mv_blob_seal(fz_mock(), cert_blob_aad, (const char *)data, size);
    cJSON *o = blob ? cJSON_CreateObject() : NULL;
    char *text = o && cJSON_AddStringToObject(o, "value", blob) ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    free(blob);
    return text;
}

/* The policy's wire JSON, parsed again, gives the same JSON. */
static void check_round_trip(const struct mv_cert_policy *p)
{
    struct mv_cert_policy again;
    char err[256];
    cJSON *j1 = mv_cert_policy_json(p), *j2 = NULL;
    char *t1 = j1 ? cJSON_PrintUnformatted(j1) : NULL, *t2 = NULL;

    memset(&again, 0, sizeof again);
    if (!t1)
        goto out; /* out of memory */
    if (mv_cert_policy_parse(j1, NULL, &again, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz-certs: a parsed policy's JSON does not parse again: %s\n", err);
        abort();
    }
    j2 = mv_cert_policy_json(&again);
    t2 = j2 ? cJSON_PrintUnformatted(j2) : NULL;
    if (t2 && strcmp(t1, t2) != 0) {
        fprintf(stderr, "fuzz-certs: a policy's JSON changes on a round trip:\n%s\n%s\n", t1, t2);
        abort();
    }
out:
    free(t1);
    free(t2);
    cJSON_Delete(j1);
    cJSON_Delete(j2);
    mv_cert_policy_finish(&again);
}

/* mv_cert_policy_parse on the input, alone and over a parsed default policy. */
static void policy(const uint8_t *data, size_t size)
{
    static const char defaults[] = "{\"x509_props\":{\"subject\":\"CN=base\"},"
                                   "\"issuer\":{\"name\":\"Self\"}}";
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    cJSON *dj = cJSON_Parse(defaults);
    struct mv_cert_policy base, p, merged;
    char err[256], path[256];

    memset(&base, 0, sizeof base);
    memset(&p, 0, sizeof p);
    memset(&merged, 0, sizeof merged);
    if (!j || !dj || mv_cert_policy_parse(dj, NULL, &base, err, sizeof err) != 0)
        goto out;
    (void)mv_cert_policy_unknown_field(j, path, sizeof path);
    if (mv_cert_policy_parse(j, NULL, &p, err, sizeof err) == 0)
        check_round_trip(&p);
    if (mv_cert_policy_parse(j, &base, &merged, err, sizeof err) == 0)
        check_round_trip(&merged);
out:
    mv_cert_policy_finish(&base);
    mv_cert_policy_finish(&p);
    mv_cert_policy_finish(&merged);
    cJSON_Delete(j);
    cJSON_Delete(dj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *made = NULL, resp[1024];

    if (size == 0)
        return 0;
    size_t k = data[0] % NOPS;
    data++;
    size--;
    if (ops[k].kind == B_POLICY) {
        policy(data, size);
        return 0;
    }
    prime();
    if (ops[k].kind == B_SEALED)
        made = sealed(data, size);
    const char *body = made ? made : (const char *)data;
    size_t blen = made ? strlen(made) : size;
    int status = send_req(ops[k].method, ops[k].path, body, blen, resp, sizeof resp);
    if (getenv("FZ_VERBOSE")) {
        const char *b = strstr(resp, "\r\n\r\n");
        fprintf(stderr, "fuzz-certs: %s %s: %d %.200s\n", ops[k].method, ops[k].path, status,
                b ? b + 4 : "");
    }
    /* A new version, a merged or cancelled operation, a new policy, contacts or issuer would
     * change how the next input is answered: back to the fixture, primed again on the next. */
    if (ops[k].changes_state && status >= 200 && status < 300) {
        fz_mock_reset();
        primed = false;
    }
    free(made);
    return 0;
}
