/* test-crash.c: crash consistency (issue 13). The mockvault binary runs on a --state-dir while
 * writer threads send writes at it over TLS; the mock is killed with SIGKILL in the middle of them,
 * started again on the same state, and every write it had acknowledged (a 2xx answer) must be
 * there, byte for byte, and the state must load. Ten rounds; every round's writes are checked
 * after its restart, and all of them once more at the end. A write cut by the kill may or may not
 * be there: it was never acknowledged.
 *
 * What is written comes from the table kinds[]: a family's write is one line there (path, body,
 * where the answer names the version written, and which member a GET of that version must give
 * back unchanged). Secrets: set, with and without a content type. Keys: create (EC P-256), import
 * with private JWK parts (EC P-256 and RSA-2048, made here with GnuTLS), rotate, update, and
 * delete and recover of a key of each writer's own; a key's public parts (n and e, or x and y)
 * must come back as acknowledged. Certificates: create with the Self issuer (EC P-256) and its
 * completion through GET of the operation (the poller's request, which issues it), import of a
 * PEM (a key and certificate made here with GnuTLS), update, and delete and recover of a
 * certificate of each writer's own; each is read back by name (the latest version's tags, or the
 * deleted certificate's), and a live certificate's managed secret must be served with its kid.
 * A write that changes an earlier one (an update of a version,
 * a delete or recover of a name) supersedes it, and a write cut by the kill leaves its target in
 * either state. TAP output; the values and key material written are never printed.
 *   test-crash MOCKVAULT_BIN FIXTURE */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash-util.h"
#include "jwk-gen.h"
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 10
#define WRITERS 4
#define NAMES_PER_WRITER 6 /* each writer adds versions to a few names of its own */
#define TENANT "11111111-1111-1111-1111-111111111111"
#define ADMIN_FORM                                                                                 \
    "grant_type=client_credentials&client_id=aaaaaaaa-0000-0000-0000-000000000001"                 \
    "&client_secret=admin-client-secret&scope=https%3A%2F%2Fvault.azure.net%2F.default"
#define API "api-version=7.4"

#define KEY_NAMES_PER_WRITER 3  /* keys created, imported, rotated and updated */
#define EC_POOL 8               /* EC P-256 keys to import, made once at start */
#define RSA_POOL 2              /* RSA-2048 keys to import */
#define CERT_NAMES_PER_WRITER 2 /* certificates created, imported and updated */
#define PEM_POOL 4              /* certificate PEMs (EC P-256 key and certificate) to import */

/* What a write needs before it can be sent, and what it changes. */
enum write_type {
    W_NEW,    /* a new version of a name (set, create, import): needs nothing */
    W_ROTATE, /* a new version of an existing key: needs one of the writer's keys */
    W_UPDATE, /* changes the tags of the writer's last acknowledged version of a key */
    W_DELREC, /* deletes the writer's delete-and-recover key, or recovers it */
};

/* One kind of write. The body gets a value unique to the write ({}) and, for an import, a JWK
 * with private parts ({jwk}); the answer names the version at id_member (a URL whose path is the
 * version's), and GET of that path must give back the value at check_member and, for a key, the
 * same public parts. */
struct write_kind {
    const char *what;
    const char *method;
    const char *path_fmt; /* {}: the object's name; a PATCH appends the version */
    const char *body_fmt; /* {}: the unique value; {jwk}: the JWK imported; NULL: no body */
    const char *id_member;
    const char *check_member;
    enum write_type type;
    bool key;  /* a key: its public parts (kty, n, e, crv, x, y) must come back */
    int jwk;   /* 0: none; 1: an EC P-256 key of the pool; 2: an RSA-2048 key */
    bool cert; /* a certificate: cert_write() sends it; read back by name, with its secret */
};

/* A certificate's create: a Self policy with an EC key (no RSA generation per write). */
#define CERT_POLICY                                                                                \
    "\"policy\":{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-256\"},"                                \
    "\"x509_props\":{\"subject\":\"CN=crash\"},\"issuer\":{\"name\":\"Self\"}}"

static const struct write_kind kinds[] = {
    {"secret set", "PUT", "/secrets/{}", "{\"value\":\"{}\",\"tags\":{\"w\":\"crash\"}}", "id",
     "value", W_NEW, false, 0, false},
    {"secret set (content type)", "PUT", "/secrets/{}",
     "{\"value\":\"{}\",\"contentType\":\"text/plain\"}", "id", "value", W_NEW, false, 0, false},
    {"key create", "POST", "/keys/{}/create",
     "{\"kty\":\"EC\",\"crv\":\"P-256\",\"tags\":{\"v\":\"{}\"}}", "key.kid", "tags.v", W_NEW, true,
     0, false},
    {"key import (EC)", "PUT", "/keys/{}", "{\"key\":{jwk},\"tags\":{\"v\":\"{}\"}}", "key.kid",
     "tags.v", W_NEW, true, 1, false},
    {"key import (RSA)", "PUT", "/keys/{}", "{\"key\":{jwk},\"tags\":{\"v\":\"{}\"}}", "key.kid",
     "tags.v", W_NEW, true, 2, false},
    /* A rotation keeps the current version's tags: the value checked is the one it answers. */
    {"key rotate", "POST", "/keys/{}/rotate", NULL, "key.kid", "tags.v", W_ROTATE, true, 0, false},
    {"key update", "PATCH", "/keys/{}/", "{\"tags\":{\"v\":\"{}\"}}", "key.kid", "tags.v", W_UPDATE,
     true, 0, false},
    {"key delete or recover", "DELETE", "/keys/{}", NULL, "key.kid", "tags.v", W_DELREC, true, 0,
     false},
    {"certificate create and completion", "POST", "/certificates/{}/create",
     "{" CERT_POLICY ",\"tags\":{\"v\":\"{}\"}}", "id", "tags.v", W_NEW, false, 0, true},
    {"certificate import (PEM)", "POST", "/certificates/{}/import",
     "{\"value\":{pem},\"policy\":{\"secret_props\":{\"contentType\":\"application/x-pem-file\"}},"
     "\"tags\":{\"v\":\"{}\"}}",
     "id", "tags.v", W_NEW, false, 0, true},
    {"certificate update", "PATCH", "/certificates/{}/", "{\"tags\":{\"v\":\"{}\"}}", "id",
     "tags.v", W_UPDATE, false, 0, true},
    {"certificate delete or recover", "DELETE", "/certificates/{}", NULL, "id", "tags.v", W_DELREC,
     false, 0, true},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])
#define CERT_IMPORT 9 /* kinds[]: the certificate import, which starts a name */

/* An acknowledged write: where it is read back, the value and public parts it must show there,
 * and the target it changed (a later acknowledged write on the same target supersedes it). */
struct ack {
    int kind;
    char target[200];
    char path[256];
    char value[64];
    uint64_t pub; /* hash of the key's public parts; 0 for a secret */
    unsigned long seq;
    bool superseded;
};

/* A write cut by the kill that changes an earlier one: its target may be in either state. */
struct cut {
    char target[200];
    char path[256];
    char value[64];
    unsigned long seq;
};

/* A writer's delete-and-recover key, as far as the writer knows. */
enum dr_state { DR_UNKNOWN, DR_NONE, DR_LIVE, DR_DELETED };

/* What a writer knows across rounds. */
struct writer_state {
    char last_version[KEY_NAMES_PER_WRITER][256]; /* "" until a version of that key is acked */
    char dr_value[64];                            /* the delete-and-recover key's tag */
    enum dr_state dr;
    bool cert_known[CERT_NAMES_PER_WRITER]; /* a version of that certificate was acknowledged */
    char cdr_value[64];                     /* the delete-and-recover certificate's tag */
    enum dr_state cdr;
};

struct run {
    struct mock m;
    char token[8192];
    pthread_mutex_t mu;
    struct ack *acks;
    size_t nacks, cap;
    struct cut *cuts;
    size_t ncuts, cutcap;
    unsigned long seq;
    struct writer_state ws[WRITERS];
    char *ec_jwk[EC_POOL], *rsa_jwk[RSA_POOL]; /* private JWKs to import; never printed */
    char *pem[PEM_POOL]; /* certificate imports' PEM as JSON strings; never printed */
    int round;
    unsigned long unexpected; /* answers other than 2xx that a kill does not explain */
    unsigned long cut;        /* writes without an answer (in flight at the kill) */
};

/* One request to the run's mock, with its token when bearer (see crash_request). */
static long request(struct run *r, CURL *h, const char *method, const char *host, const char *path,
                    const char *body, const char *ctype, bool bearer, char **out)
{
    return crash_request(&r->m, bearer ? r->token : NULL, h, method, host, path, body, ctype, out);
}

static bool get_token(struct run *r)
{
    CURL *h = curl_easy_init();
    char *body = NULL;
    long st = h ? request(r, h, "POST", "localhost", "/" TENANT "/oauth2/v2.0/token", ADMIN_FORM,
                          "application/x-www-form-urlencoded", false, &body)
                : 0;
    bool ok = st == 200 && member(body, "access_token", r->token, sizeof r->token);

    free(body);
    curl_easy_cleanup(h);
    return ok;
}

/* ---- Writers ---- */

/* Records an acknowledged write, superseding the earlier ones on its target. */
static void record(struct run *r, int kind, const char *target, const char *path, const char *value,
                   uint64_t pub)
{
    pthread_mutex_lock(&r->mu);
    if (r->nacks == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct ack *p = realloc(r->acks, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&r->mu);
            abort();
        }
        r->acks = p;
        r->cap = cap;
    }
    for (size_t i = 0; i < r->nacks; i++)
        if (!r->acks[i].superseded && strcmp(r->acks[i].target, target) == 0)
            r->acks[i].superseded = true;
    struct ack *a = &r->acks[r->nacks++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->seq = ++r->seq;
    a->pub = pub;
    snprintf(a->target, sizeof a->target, "%s", target);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->value, sizeof a->value, "%s", value);
    pthread_mutex_unlock(&r->mu);
}

/* Records a write cut by the kill that would have changed target: its state is open. */
static void record_cut(struct run *r, const char *target, const char *path, const char *value)
{
    pthread_mutex_lock(&r->mu);
    r->cut++;
    if (target && r->ncuts == r->cutcap) {
        size_t cap = r->cutcap ? r->cutcap * 2 : 16;
        struct cut *p = realloc(r->cuts, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&r->mu);
            abort();
        }
        r->cuts = p;
        r->cutcap = cap;
    }
    if (target) {
        struct cut *c = &r->cuts[r->ncuts++];
        c->seq = ++r->seq;
        snprintf(c->target, sizeof c->target, "%s", target);
        snprintf(c->path, sizeof c->path, "%s", path);
        snprintf(c->value, sizeof c->value, "%s", value);
    }
    pthread_mutex_unlock(&r->mu);
}

static void count_unexpected(struct run *r)
{
    pthread_mutex_lock(&r->mu);
    r->unexpected++;
    pthread_mutex_unlock(&r->mu);
}

/* The path of the URL at member id_member of an answer. */
static bool version_path(const char *answer, const char *id_member, char *out, size_t n)
{
    char id[512];
    const char *p;

    if (!member(answer, id_member, id, sizeof id) || !(p = strstr(id, "://")) ||
        !(p = strchr(p + 3, '/')))
        return false;
    snprintf(out, n, "%s", p);
    return true;
}

/* Where the writer's delete-and-recover key stands, asked once per round before its first such
 * write. False when the request failed (the kill). */
static bool dr_probe(struct run *r, CURL *h, const char *name, struct writer_state *ws)
{
    char path[200];
    long st;

    snprintf(path, sizeof path, "/keys/%s?" API, name);
    st = request(r, h, "GET", "demo.localhost", path, NULL, NULL, true, NULL);
    if (st == 200) {
        ws->dr = DR_LIVE;
        return true;
    }
    snprintf(path, sizeof path, "/deletedkeys/%s?" API, name);
    if (st == 404)
        st = request(r, h, "GET", "demo.localhost", path, NULL, NULL, true, NULL);
    if (st == 200 || st == 404)
        ws->dr = st == 200 ? DR_DELETED : DR_NONE;
    return st == 200 || st == 404;
}

struct writer {
    struct run *r;
    int id;
    _Atomic bool *stop;
    unsigned long acked;
};

/* One write: what it is, where it goes and what it changes. */
struct write {
    int k;
    const char *method;
    char name[64], path[300], value[64], target[200];
    char cut_path[256]; /* where a cut write's target shows its value, "" when it changes none */
    int key_slot;       /* keys: index into last_version, -1 for the delete-and-recover key */
};

/* Picks the seq'th write of a writer and fills w; a rotate or update without a key of its own yet
 * becomes a create. */
static void plan(struct writer *wr, unsigned seq, struct write *w)
{
    struct run *r = wr->r;
    struct writer_state *ws = &r->ws[wr->id];
    const struct write_kind *kd;

    memset(w, 0, sizeof *w);
    /* Each round starts each writer at another kind, so that every kind is some writer's first
     * write (before the kill) in some round. */
    w->k = (int)((seq + (unsigned)wr->id + (unsigned)r->round) % NKINDS);
    w->key_slot = (int)(seq % KEY_NAMES_PER_WRITER);
    snprintf(w->value, sizeof w->value, "r%d-w%d-s%u-%08x", r->round, wr->id, seq,
             (unsigned)random());
    if ((kinds[w->k].type == W_ROTATE || kinds[w->k].type == W_UPDATE) &&
        !ws->last_version[w->key_slot][0])
        w->k = 2; /* key create */
    kd = &kinds[w->k];
    w->method = kd->method;
    if (!kd->key)
        snprintf(w->name, sizeof w->name, "crash-w%d-n%u", wr->id, seq % NAMES_PER_WRITER);
    else if (kd->type == W_DELREC)
        snprintf(w->name, sizeof w->name, "crash-dr-w%d", wr->id);
    else if (kd->jwk == 2)
        snprintf(w->name, sizeof w->name, "crash-rsa-w%d", wr->id); /* never rotated: no keygen */
    else
        snprintf(w->name, sizeof w->name, "crash-k-w%d-n%d", wr->id, w->key_slot);
    subst(w->path, sizeof w->path, kd->path_fmt, w->name);
    if (kd->type == W_UPDATE) {
        /* The writer's last acknowledged version of the key: its tags change. */
        snprintf(w->target, sizeof w->target, "%s", ws->last_version[w->key_slot]);
        snprintf(w->cut_path, sizeof w->cut_path, "%s", w->target);
        snprintf(w->path, sizeof w->path, "%s", w->target);
    } else if (kd->type == W_DELREC) {
        w->key_slot = -1;
        snprintf(w->target, sizeof w->target, "delrec:%s", w->name);
        if (ws->dr == DR_NONE) {
            /* Not there yet: created, with a tag of its own that delete and recover keep. */
            w->k = 2;
            w->method = "POST";
            snprintf(w->path, sizeof w->path, "/keys/%s/create", w->name);
            snprintf(ws->dr_value, sizeof ws->dr_value, "%s", w->value);
        } else if (ws->dr == DR_DELETED) {
            w->method = "POST";
            snprintf(w->path, sizeof w->path, "/deletedkeys/%s/recover", w->name);
            snprintf(w->cut_path, sizeof w->cut_path, "/keys/%s", w->name);
        } else {
            snprintf(w->cut_path, sizeof w->cut_path, "/deletedkeys/%s", w->name);
        }
        snprintf(w->value, sizeof w->value, "%s", ws->dr_value);
    }
    strncat(w->path, "?" API, sizeof w->path - strlen(w->path) - 1);
}

/* Learns from an acknowledged write (under no lock: the writer's state is its own) and records
 * it. False when the answer does not say what was written. */
static bool acknowledge(struct writer *wr, const struct write *w, const char *answer)
{
    struct run *r = wr->r;
    struct writer_state *ws = &r->ws[wr->id];
    const struct write_kind *kd = &kinds[w->k];
    char vpath[256], value[64];
    const char *target = vpath, *path = vpath;

    if (!version_path(answer, kd->id_member, vpath, sizeof vpath) ||
        !member(answer, kd->check_member, value, sizeof value))
        return false;
    /* The value sent must be the value answered; a rotation answers the tags it kept. */
    if (kd->body_fmt && strcmp(value, w->value) != 0)
        return false;
    if (kd->key && w->key_slot < 0) {
        /* Delete and recover change the whole key: read it back by name, live or deleted. */
        target = w->target;
        if (strcmp(w->method, "DELETE") == 0) {
            snprintf(vpath, sizeof vpath, "/deletedkeys/%s", w->name);
            ws->dr = DR_DELETED;
        } else {
            snprintf(vpath, sizeof vpath, "/keys/%s", w->name);
            ws->dr = DR_LIVE;
        }
        if (strcmp(value, ws->dr_value) != 0)
            return false;
    } else if (kd->key && kd->jwk != 2) {
        snprintf(ws->last_version[w->key_slot], sizeof ws->last_version[0], "%s", vpath);
    }
    record(r, w->k, target, path, value, kd->key ? pub_hash(answer) : 0);
    return !kd->key || pub_hash(answer) != 0;
}

/* ---- Certificates ---- */

/* A request on the demo vault's certificates (path without the query). */
static long cert_req(struct run *r, CURL *h, const char *method, const char *path, const char *body,
                     char **answer)
{
    char p[300];

    snprintf(p, sizeof p, "%s?" API, path);
    return request(r, h, method, "demo.localhost", p, body,
                   body && *body ? "application/json" : NULL, true, answer);
}

/* Where the writer's delete-and-recover certificate stands. False when the request failed. */
static bool cdr_probe(struct run *r, CURL *h, const char *name, struct writer_state *ws)
{
    char path[200];
    long st;

    snprintf(path, sizeof path, "/certificates/%s", name);
    st = cert_req(r, h, "GET", path, NULL, NULL);
    if (st == 200) {
        ws->cdr = DR_LIVE;
        return true;
    }
    snprintf(path, sizeof path, "/deletedcertificates/%s", name);
    if (st == 404)
        st = cert_req(r, h, "GET", path, NULL, NULL);
    if (st == 200 || st == 404)
        ws->cdr = st == 200 ? DR_DELETED : DR_NONE;
    return st == 200 || st == 404;
}

/* One certificate write of kinds[k]: one or more requests whose target is the name, read back
 * by name. A create is acknowledged when GET of its operation says completed (a cut between the
 * 202 and that leaves the name in either state); an update of a name without a version yet, and
 * the delete-and-recover certificate's first write, are imports. Returns false at the kill or an
 * unexpected answer (counted), true when the write was acknowledged and recorded. */
static bool cert_write(struct writer *wr, CURL *h, unsigned seq, int k)
{
    struct run *r = wr->r;
    struct writer_state *ws = &r->ws[wr->id];
    int slot = (int)(seq % CERT_NAMES_PER_WRITER);
    char name[64], value[64], path[200], target[200], readback[200], tmp[8192], body[8192];
    char got[64] = "", *answer = NULL;
    const char *method;
    bool dr = kinds[k].type == W_DELREC, ok = false;
    long st;

    snprintf(value, sizeof value, "r%d-w%d-s%u-%08x", r->round, wr->id, seq, (unsigned)random());
    snprintf(name, sizeof name, dr ? "crash-cdr-w%d" : "crash-c-w%d-n%d", wr->id, slot);
    if (dr && ws->cdr == DR_UNKNOWN && !cdr_probe(r, h, name, ws))
        return false;
    if ((dr && ws->cdr == DR_NONE) || (kinds[k].type == W_UPDATE && !ws->cert_known[slot]))
        k = CERT_IMPORT;
    if (dr && k == CERT_IMPORT)
        snprintf(ws->cdr_value, sizeof ws->cdr_value, "%s", value);
    if (dr)
        snprintf(value, sizeof value, "%s", ws->cdr_value); /* delete and recover keep it */
    snprintf(target, sizeof target, "cert:%s", name);
    snprintf(readback, sizeof readback, "/certificates/%s", name);
    method = kinds[k].method;
    subst(path, sizeof path, kinds[k].path_fmt, name);
    if (dr && ws->cdr == DR_LIVE && k != CERT_IMPORT) {
        snprintf(readback, sizeof readback, "/deletedcertificates/%s", name);
    } else if (dr && ws->cdr == DR_DELETED) {
        method = "POST";
        snprintf(path, sizeof path, "/deletedcertificates/%s/recover", name);
    } else if (!dr) {
        /* An operation a kill left in progress is issued first (the poller's GET does it). */
        st = cert_req(r, h, "GET", strcat(strcpy(tmp, readback), "/pending"), NULL, NULL);
        if (st != 200 && st != 404)
            goto cut;
    }
    body[0] = '\0';
    if (kinds[k].body_fmt) {
        subst_token(tmp, sizeof tmp, kinds[k].body_fmt, "{pem}", r->pem[seq % PEM_POOL]);
        subst(body, sizeof body, tmp, value);
    }
    st =
        cert_req(r, h, method, path, body[0] || strcmp(method, "POST") == 0 ? body : NULL, &answer);
    if (st == 202 && kinds[k].type == W_NEW && strcmp(method, "POST") == 0 && k != CERT_IMPORT) {
        /* The create's operation, polled without waiting until the Self issuer completes it. */
        snprintf(tmp, sizeof tmp, "%s/pending", readback);
        for (int polls = 0; polls < 20 && st == 202; polls++) {
            free(answer);
            answer = NULL;
            st = cert_req(r, h, "GET", tmp, NULL, &answer);
            if (st == 200 &&
                !(member(answer, "status", got, sizeof got) && strcmp(got, "completed") == 0))
                st = strcmp(got, "inProgress") == 0 ? 202 : 500;
        }
        if (st == 200)
            ok = true;
    } else if (st == 200) {
        ok = member(answer, "tags.v", got, sizeof got) && strcmp(got, value) == 0;
    }
    if (st == 0)
        goto cut;
    if (!ok) {
        /* Statuses and error codes only: an answer may hold key material. */
        char code[64] = "";
        member(answer, "error.code", code, sizeof code);
        printf("# unexpected: %s %s answered %ld %s\n", method, path, st, code);
        free(answer);
        count_unexpected(r);
        if (dr)
            ws->cdr = DR_UNKNOWN;
        return false;
    }
    free(answer);
    if (dr)
        ws->cdr = strstr(readback, "/deleted") ? DR_DELETED : DR_LIVE;
    else
        ws->cert_known[slot] = true;
    record(r, k, target, readback, value, 0);
    return true;
cut:
    free(answer);
    if (dr)
        ws->cdr = DR_UNKNOWN;
    record_cut(r, target, readback, value);
    return false;
}

/* Writes until its connection fails (the kill): every 2xx answer is recorded as acknowledged. */
static void *writer_main(void *arg)
{
    struct writer *wr = arg;
    struct run *r = wr->r;
    struct writer_state *ws = &r->ws[wr->id];
    CURL *h = curl_easy_init();
    char *body = malloc(8192);
    bool probed = false;

    for (unsigned seq = 0; h && body && !*wr->stop; seq++) {
        struct write w;
        const struct write_kind *kd;
        char *answer = NULL, dr_name[64];
        long st;

        int pick = (int)((seq + (unsigned)wr->id + (unsigned)r->round) % NKINDS);
        if (kinds[pick].cert) {
            if (!cert_write(wr, h, seq, pick))
                break; /* the kill, or an answer reported */
            wr->acked++;
            continue;
        }
        snprintf(dr_name, sizeof dr_name, "crash-dr-w%d", wr->id);
        if (kinds[pick].type == W_DELREC && !probed) {
            if (!dr_probe(r, h, dr_name, ws))
                break; /* the kill */
            probed = true;
        }
        plan(wr, seq, &w);
        kd = &kinds[w.k];
        body[0] = '\0';
        if (kd->body_fmt) {
            char tmp[8192];
            subst_token(tmp, sizeof tmp, kd->body_fmt, "{jwk}",
                        kd->jwk == 2 ? r->rsa_jwk[seq % RSA_POOL] : r->ec_jwk[seq % EC_POOL]);
            subst(body, 8192, tmp, w.value);
        }
        /* A bodiless POST (rotate, recover) still says Content-Length: 0. */
        st = request(r, h, w.method, "demo.localhost", w.path,
                     body[0] || strcmp(w.method, "POST") == 0 ? body : NULL,
                     body[0] ? "application/json" : NULL, true, &answer);
        if (st >= 200 && st < 300) {
            if (acknowledge(wr, &w, answer))
                wr->acked++;
            else
                count_unexpected(r);
        } else {
            if (st == 0)
                record_cut(r, w.cut_path[0] ? w.target : NULL, w.cut_path, w.value);
            else
                count_unexpected(r);
            free(answer);
            break; /* a cut connection is the kill; anything else is reported */
        }
        free(answer);
    }
    free(body);
    curl_easy_cleanup(h);
    return NULL;
}

/* Whether a live certificate's answer names a managed secret that is served, with the same kid
 * and a value. */
static bool cert_secret_served(struct run *r, CURL *h, const char *answer)
{
    char kid[256], kid2[256], spath[256];
    char *secret = NULL;
    bool ok = version_path(answer, "sid", spath, sizeof spath) &&
              member(answer, "kid", kid, sizeof kid) &&
              cert_req(r, h, "GET", spath, NULL, &secret) == 200 &&
              member(secret, "kid", kid2, sizeof kid2) && strcmp(kid, kid2) == 0;
    cJSON *j = ok ? cJSON_Parse(secret) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");

    ok = ok && cJSON_IsString(v) && v->valuestring[0] != '\0';
    if (v)
        memset(v->valuestring, 0, strlen(v->valuestring));
    cJSON_Delete(j);
    if (secret)
        memset(secret, 0, strlen(secret)); /* the certificate's private key */
    free(secret);
    return ok;
}

/* Whether GET path shows value at member check and, for a key, the public parts hashed to pub;
 * for a live certificate (cert), also its managed secret. */
static bool shows(struct run *r, CURL *h, const char *path, const char *check, const char *value,
                  uint64_t pub, bool cert, long *status)
{
    char url[300], got[64];
    char *answer = NULL;
    bool ok;

    snprintf(url, sizeof url, "%s?" API, path);
    *status = request(r, h, "GET", "demo.localhost", url, NULL, NULL, true, &answer);
    ok = *status == 200 && member(answer, check, got, sizeof got) && strcmp(got, value) == 0 &&
         (pub == 0 || pub_hash(answer) == pub) &&
         (!cert || strncmp(path, "/certificates/", 14) != 0 || cert_secret_served(r, h, answer));
    free(answer);
    return ok;
}

/* Checks acks[from, to) that no later acknowledged write superseded: each must be there with its
 * value and public parts, or, when a later write on its target was cut, in that write's state.
 * Returns how many are not. */
static size_t verify(struct run *r, size_t from, size_t to)
{
    CURL *h = curl_easy_init();
    size_t lost = 0, shown = 0;

    for (size_t i = from; h && i < to; i++) {
        const struct ack *a = &r->acks[i];
        const char *check = kinds[a->kind].check_member;
        long st, st2;
        bool ok;

        if (a->superseded)
            continue;
        bool cert = kinds[a->kind].cert;
        ok = shows(r, h, a->path, check, a->value, a->pub, cert, &st);
        for (size_t c = 0; !ok && c < r->ncuts; c++) {
            const struct cut *cu = &r->cuts[c];
            if (cu->seq > a->seq && strcmp(cu->target, a->target) == 0)
                ok = shows(r, h, cu->path, check, cu->value, a->pub, cert, &st2);
        }
        if (!ok) {
            if (shown++ < 5)
                printf("# lost: %s %s (GET answered %ld)\n", kinds[a->kind].what, a->path, st);
            lost++;
        }
    }
    curl_easy_cleanup(h);
    return h ? lost : to - from;
}

static size_t acked_since(struct run *r, size_t from)
{
    size_t n;

    pthread_mutex_lock(&r->mu);
    n = r->nacks - from;
    pthread_mutex_unlock(&r->mu);
    return n;
}

int main(int argc, char **argv)
{
    static struct run r;
    const char *tmp = getenv("TMPDIR");
    int failed = 0, n = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: test-crash MOCKVAULT_BIN FIXTURE\n");
        return 2;
    }
    srandom((unsigned)time(NULL) ^ (unsigned)getpid());
    r.m.bin = argv[1];
    r.m.fixture = argv[2];
    snprintf(r.m.dir, sizeof r.m.dir, "%s/mvt-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r.m.dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(r.m.state, sizeof r.m.state, "%s/state", r.m.dir);
    snprintf(r.m.ready, sizeof r.m.ready, "%s/ready.json", r.m.dir);
    snprintf(r.m.log, sizeof r.m.log, "%s/mock.log", r.m.dir);
    snprintf(r.m.ca, sizeof r.m.ca, "%s/ca.pem", r.m.state);
    pthread_mutex_init(&r.mu, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int i = 0; i < EC_POOL + RSA_POOL; i++) {
        char **slot = i < EC_POOL ? &r.ec_jwk[i] : &r.rsa_jwk[i - EC_POOL];
        if (!(*slot = jwkgen_private(i >= EC_POOL))) {
            printf("Bail out! GnuTLS made no key to import\n");
            return 1;
        }
    }
    for (int i = 0; i < PEM_POOL; i++) {
        char *pem = jwkgen_cert_pem("crash-import");
        cJSON *s = pem ? cJSON_CreateString(pem) : NULL;
        r.pem[i] = s ? cJSON_PrintUnformatted(s) : NULL;
        cJSON_Delete(s);
        if (pem)
            memset(pem, 0, strlen(pem));
        free(pem);
        if (!r.pem[i]) {
            printf("Bail out! GnuTLS made no certificate to import\n");
            return 1;
        }
    }

    printf("1..%d\n", ROUNDS + 2);
    if (mock_start(&r.m) != 0) {
        printf("Bail out! the mock did not start\n");
        return 1;
    }
    for (r.round = 1; r.round <= ROUNDS; r.round++) {
        pthread_t th[WRITERS];
        struct writer w[WRITERS];
        _Atomic bool stop = false;
        size_t from = r.nacks, lost;
        unsigned long cut0 = r.cut, unexpected0 = r.unexpected;
        int status, started = 0;
        bool up;

        if (!get_token(&r)) {
            printf("Bail out! no token in round %d\n", r.round);
            failed = 1;
            break;
        }
        for (int i = 0; i < WRITERS; i++) {
            w[i] = (struct writer){.r = &r, .id = i, .stop = &stop};
            if (pthread_create(&th[i], NULL, writer_main, &w[i]) == 0)
                started++;
        }
        /* The kill lands 0-300 ms after the round's first acknowledgement (at most 20 s in),
         * while every writer has a request in flight. Waiting for one: a save holds every key
         * version's material, and under ASan on a busy machine the first writes of a round
         * took longer than a fixed delay. */
        for (int waited = 0; waited < 4000 && acked_since(&r, from) == 0; waited++)
            usleep(5000);
        usleep((useconds_t)(random() % 300000));
        status = mock_stop(&r.m, SIGKILL);
        stop = true;
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        up = mock_start(&r.m) == 0;
        lost = up && get_token(&r) ? verify(&r, from, r.nacks) : r.nacks - from;
        n++;
        if (up && lost == 0 && r.unexpected == unexpected0 && WIFSIGNALED(status) &&
            r.nacks > from) {
            printf("ok %d - round %d: %zu writes acknowledged before SIGKILL, %lu cut by it; "
                   "the state loads and every acknowledged write is there\n",
                   n, r.round, r.nacks - from, r.cut - cut0);
        } else {
            printf("not ok %d - round %d: %zu acknowledged, %zu lost, %lu unexpected answers, "
                   "state %s\n",
                   n, r.round, r.nacks - from, lost, r.unexpected - unexpected0,
                   up ? "loads" : "DOES NOT LOAD");
            failed = 1;
            if (!up)
                break;
        }
    }
    if (!failed || r.m.pid > 0) {
        size_t lost = verify(&r, 0, r.nacks);
        n++;
        size_t by_kind[NKINDS] = {0};
        for (size_t i = 0; i < r.nacks; i++)
            by_kind[r.acks[i].kind]++;
        printf("%s %d - all %zu writes acknowledged in %d rounds are there at the end (",
               lost == 0 ? "ok" : "not ok", n, r.nacks, ROUNDS);
        for (size_t k = 0; k < NKINDS; k++)
            printf("%s%s %zu", k ? ", " : "", kinds[k].what, by_kind[k]);
        printf(")\n");
        failed |= lost != 0;
    }
    {
        int status = mock_stop(&r.m, 0);
        n++;
        bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        printf("%s %d - the mock stops cleanly on SIGTERM after the last round\n",
               clean ? "ok" : "not ok", n);
        failed |= !clean;
    }
    if (failed) {
        char line[512];
        FILE *f = fopen(r.m.log, "r");
        printf("# the mock's log (%s):\n", r.m.log);
        while (f && fgets(line, sizeof line, f))
            printf("# %s", line);
        if (f)
            fclose(f);
    } else {
        nftw(r.m.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    for (int i = 0; i < EC_POOL + RSA_POOL; i++) {
        char *jwk = i < EC_POOL ? r.ec_jwk[i] : r.rsa_jwk[i - EC_POOL];
        memset(jwk, 0, strlen(jwk)); /* private key material */
        free(jwk);
    }
    for (int i = 0; i < PEM_POOL; i++) {
        memset(r.pem[i], 0, strlen(r.pem[i]));
        free(r.pem[i]);
    }
    free(r.acks);
    free(r.cuts);
    curl_global_cleanup();
    pthread_mutex_destroy(&r.mu);
    return failed;
}
