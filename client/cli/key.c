/* key.c: the `key` verb family, az keyvault key's verbs on libkvclient: create, import, show,
 * list, list-versions, list-deleted, show-deleted, set-attributes, delete, recover, purge, backup,
 * restore, rotate, encrypt, decrypt, sign, verify and rotation-policy show / update. Each verb's
 * result has the shape az prints for the same command; binary inputs and results are standard
 * base64 as az takes and prints them (the wire's base64url stays inside the library). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cli.h"

/* What a key's JSON includes. */
enum {
    SH_ITEM = 1,    /* a list item: kid, name, no key member */
    SH_DELETED = 2, /* deletedDate, recoveryId, scheduledPurgeDate */
};

/* A public part as base64url, the JWK's own encoding, or null when absent. */
static void doc_part(struct cli_doc *d, cJSON *o, const char *key, const struct kv_bytes *b)
{
    char *s = b->len ? cx_b64url_encode(b->data, b->len) : NULL;

    if (b->len && !s)
        d->nomem = 1;
    cli_doc_string(d, o, key, s);
    free(s);
}

static void key_to_json(struct cli_doc *d, cJSON *parent, const struct kv_key *k, unsigned shape)
{
    cJSON *o = cli_doc_object(d, parent, NULL), *a, *j, *ops;

    a = cli_doc_object(d, o, "attributes");
    cli_doc_common_attributes(d, a, k->created, k->enabled, k->expires, k->not_before,
                              k->recoverable_days, k->recovery_level, k->updated);
    cli_doc_bool(d, a, "exportable", k->exportable);
    cli_doc_string(d, a, "hsmPlatform", k->hsm_platform);
    if (shape & SH_ITEM) {
        cli_doc_string(d, o, "kid", k->id);
        cli_doc_string(d, o, "name", k->name);
    } else {
        /* The public JWK; the service never sends private parts, so none is printed. */
        j = cli_doc_object(d, o, "key");
        cli_doc_string(d, j, "crv", k->crv);
        doc_part(d, j, "e", &k->e);
        ops = cli_doc_array(d, j, "keyOps");
        for (size_t i = 0; i < k->n_key_ops; i++)
            cli_doc_string(d, ops, NULL, k->key_ops[i]);
        cli_doc_string(d, j, "kid", k->id);
        cli_doc_string(d, j, "kty", k->kty);
        doc_part(d, j, "n", &k->n);
        doc_part(d, j, "x", &k->x);
        doc_part(d, j, "y", &k->y);
    }
    if (k->managed)
        cli_doc_bool(d, o, "managed", 1);
    else
        cli_doc_null(d, o, "managed");
    cli_doc_tags(d, o, k->tags, k->n_tags);
    if (shape & SH_DELETED)
        cli_doc_deleted(d, o, k->deleted_date, k->recovery_id, k->scheduled_purge_date);
}

/* ----- Arguments --------------------------------------------------------------------------- */

static int check_key_args(struct cli *c)
{
    const struct cli_verb *v = c->verb;
    int st = cli_resolve_object(c, kv_key_id_parse);

    if (st != KV_OK)
        return st;
    if (cli_verb_takes(c->family, v, O_ALGORITHM) && !c->seen[O_ALGORITHM])
        return cli_usage_error(c, "--algorithm is required");
    if (cli_verb_takes(c->family, v, O_DIGEST) && !c->seen[O_DIGEST])
        return cli_usage_error(c, "--digest is required");
    if (cli_verb_takes(c->family, v, O_SIGNATURE) && !c->seen[O_SIGNATURE])
        return cli_usage_error(c, "--signature is required");
    if (cli_verb_takes(c->family, v, O_PEM_FILE) && !c->seen[O_PEM_FILE])
        return cli_usage_error(c, "--pem-file is required");
    /* rotation-policy update takes --value or --file; encrypt and decrypt need --value. */
    if (cli_verb_takes(c->family, v, O_VALUE) && cli_verb_takes(c->family, v, O_FILE)) {
        if (!!c->seen[O_VALUE] + !!c->seen[O_FILE] != 1)
            return cli_usage_error(c, "give exactly one of --value and --file");
    } else if (cli_verb_takes(c->family, v, O_VALUE) && !c->seen[O_VALUE]) {
        return cli_usage_error(c, "--value is required");
    } else if (cli_verb_takes(c->family, v, O_FILE) && !c->seen[O_FILE]) {
        return cli_usage_error(c, "--file is required");
    }
    if (c->val[O_DATA_TYPE] && strcmp(c->val[O_DATA_TYPE], "base64") &&
        strcmp(c->val[O_DATA_TYPE], "plaintext"))
        return cli_usage_error(c, "--data-type must be base64 or plaintext");
    if (c->val[O_PROTECTION] && strcmp(c->val[O_PROTECTION], "software") &&
        strcmp(c->val[O_PROTECTION], "hsm"))
        return cli_usage_error(c, "--protection must be software or hsm");
    if (c->val[O_SIZE] && strcmp(c->val[O_SIZE], "2048") && strcmp(c->val[O_SIZE], "3072") &&
        strcmp(c->val[O_SIZE], "4096"))
        return cli_usage_error(c, "--size must be 2048, 3072 or 4096");
    return KV_OK;
}

/* Decodes a base64 option (standard or URL alphabet, padding optional: az takes standard base64,
 * the service's own answers are base64url). The text is never echoed: it may be a plaintext. */
static int decode_opt(struct cli *c, const char *text, const char *opt, struct kv_bytes *out)
{
    unsigned flags = CX_B64_ANY_ALPHABET | CX_B64_PAD_OPTIONAL;

    out->data = cx_b64_decode(text, strlen(text), flags, &out->len);
    if (out->data)
        return KV_OK;
    if (cx_b64_valid(text, strlen(text), flags))
        return KV_E_NOMEM;
    return cli_usage_error(c, "--%s must be base64", opt);
}

/* ----- Properties -------------------------------------------------------------------------- */

/* The flags of create, import and set-attributes as kv_key_props; tags and ops land in *tags and
 * *ops (caller frees both with free_props even on failure). */
struct props {
    struct kv_key_props p;
    struct kv_tag *tags;
    size_t n_tags;
    const char **ops;
};

static void free_props(struct props *pr)
{
    cli_free_tags(pr->tags, pr->n_tags);
    free(pr->ops);
}

static int build_props(struct cli *c, struct props *pr)
{
    int st;

    memset(pr, 0, sizeof *pr);
    kv_key_props_init(&pr->p);
    if (c->enabled >= 0)
        pr->p.enabled = c->enabled;
    pr->p.expires = c->expires;
    pr->p.not_before = c->not_before;
    if (c->seen[O_TAGS]) {
        if ((st = cli_build_tags(c, &pr->tags, &pr->n_tags)) != KV_OK)
            return st;
        pr->p.tags = pr->tags;
        pr->p.n_tags = pr->n_tags;
        pr->p.set_tags = 1;
    }
    if (c->seen[O_OPS]) {
        if (!(pr->ops = calloc((size_t)c->n_ops_words + 1, sizeof *pr->ops)))
            return KV_E_NOMEM;
        for (int i = 0; i < c->n_ops_words; i++) {
            const char *w = cli_list_word(c, O_OPS, c->ops_first, c->n_ops_words, i);
            if (*w)
                pr->ops[pr->p.n_key_ops++] = w;
        }
        pr->p.key_ops = pr->ops;
        pr->p.set_key_ops = 1;
    }
    return KV_OK;
}

/* --kty with --protection hsm: the -HSM flavour, as az maps it. */
static const char *key_type(struct cli *c, char *buf, size_t n)
{
    const char *kty = c->val[O_KTY] ? c->val[O_KTY] : (c->val[O_CURVE] ? "EC" : "RSA");

    if (c->val[O_PROTECTION] && !strcmp(c->val[O_PROTECTION], "hsm") && !strstr(kty, "-HSM")) {
        snprintf(buf, n, "%s-HSM", kty);
        return buf;
    }
    return kty;
}

/* ----- Verbs: one key in, one key out ------------------------------------------------------ */

/* Reports a failure or prints the key; frees it. */
static int finish_key(struct cli *c, struct cli_doc *out, int st, struct kv_key *k, unsigned shape)
{
    if (st != KV_OK)
        cli_fail(c, st);
    else
        key_to_json(out, NULL, k, shape);
    kv_key_free(k);
    return st;
}

static int run_create(struct cli *c, struct cli_doc *out)
{
    struct props pr;
    struct kv_key *k = NULL;
    char buf[32];
    int st = build_props(c, &pr);

    if (st == KV_OK) {
        st = kv_key_create(c->client, c->name, key_type(c, buf, sizeof buf),
                           c->val[O_SIZE] ? atoi(c->val[O_SIZE]) : 0, c->val[O_CURVE], &pr.p, &k,
                           &c->err);
        st = finish_key(c, out, st, k, 0);
    }
    free_props(&pr);
    return st;
}

static int run_import(struct cli *c, struct cli_doc *out)
{
    struct props pr;
    struct kv_key *k = NULL;
    struct kv_jwk *jwk = NULL;
    char *pem = NULL;
    size_t len = 0;
    int st = build_props(c, &pr);

    if (st != KV_OK || (st = cli_read_file(c->val[O_PEM_FILE], &pem, &len)) != KV_OK)
        goto out;
    if ((st = kv_jwk_from_pem(pem, len, &jwk, &c->err)) != KV_OK) {
        /* The library's message describes the file, never its contents. */
        cli_warnx("key import: %s %s", c->val[O_PEM_FILE], c->err.message);
        goto out;
    }
    st = kv_key_import(c->client, c->name, jwk,
                       c->val[O_PROTECTION] && !strcmp(c->val[O_PROTECTION], "hsm"), &pr.p, &k,
                       &c->err);
    st = finish_key(c, out, st, k, 0);
out:
    cx_wipe_free(pem, len);
    kv_jwk_free(jwk);
    free_props(&pr);
    return st;
}

static int run_show(struct cli *c, struct cli_doc *out)
{
    struct kv_key *k = NULL;
    int st = kv_key_get(c->client, c->name, c->version, &k, &c->err);

    return finish_key(c, out, st, k, 0);
}

static int run_set_attributes(struct cli *c, struct cli_doc *out)
{
    struct props pr;
    struct kv_key *k = NULL;
    int st = build_props(c, &pr);

    if (st == KV_OK) {
        st = kv_key_update(c->client, c->name, c->version, &pr.p, &k, &c->err);
        st = finish_key(c, out, st, k, 0);
    }
    free_props(&pr);
    return st;
}

/* delete, recover, show-deleted and rotate: one name in, one key out. */
static int run_name_key(struct cli *c, struct cli_doc *out,
                        int (*op)(struct kv_client *, const char *, struct kv_key **,
                                  struct kv_error *),
                        unsigned shape)
{
    struct kv_key *k = NULL;
    int st = op(c->client, c->name, &k, &c->err);

    return finish_key(c, out, st, k, shape);
}

static int run_delete(struct cli *c, struct cli_doc *out)
{
    return run_name_key(c, out, kv_key_delete, SH_DELETED);
}

static int run_recover(struct cli *c, struct cli_doc *out)
{
    return run_name_key(c, out, kv_key_recover, 0);
}

static int run_show_deleted(struct cli *c, struct cli_doc *out)
{
    return run_name_key(c, out, kv_key_get_deleted, SH_DELETED);
}

static int run_rotate(struct cli *c, struct cli_doc *out)
{
    return run_name_key(c, out, kv_key_rotate, 0);
}

static int run_purge(struct cli *c, struct cli_doc *out)
{
    (void)out;
    return cli_run_purge(c, kv_key_purge);
}

static int run_backup(struct cli *c, struct cli_doc *out)
{
    (void)out;
    return cli_run_backup(c, kv_key_backup);
}

static int run_restore(struct cli *c, struct cli_doc *out)
{
    char *blob = NULL;
    struct kv_key *k = NULL;
    int st = cli_blob_from_file(c, &blob);

    if (st == KV_OK) {
        st = kv_key_restore(c->client, blob, &k, &c->err);
        st = finish_key(c, out, st, k, 0);
    }
    cx_free_wiped(blob);
    return st;
}

/* list, list-versions and list-deleted (verb->arg is the kv_key_list_kind), with az's
 * --maxresults and its default of hiding keys that back certificates in `list`. */
static int run_list(struct cli *c, struct cli_doc *out)
{
    enum kv_key_list_kind kind = (enum kv_key_list_kind)c->verb->arg;
    struct kv_pager *p = NULL;
    struct kv_key *k = NULL;
    cJSON *arr;
    long max = c->maxresults;
    int st, count = 0;

    st = cli_pager_made(c, kv_key_pager_create(c->client, kind,
                                               kind == KV_LIST_KEY_VERSIONS ? c->name : NULL,
                                               cli_page_size(c), &p));
    if (st != KV_OK)
        goto out;
    arr = cli_doc_array(out, NULL, NULL);
    while (!max || count < max) {
        if ((st = kv_key_pager_next(p, &k, &c->err)) != KV_OK) {
            cli_fail(c, st);
            goto out;
        }
        if (!k)
            break;
        if (!(kind == KV_LIST_KEYS && k->managed && !c->seen[O_INCLUDE_MANAGED])) {
            key_to_json(out, arr, k, SH_ITEM | (kind == KV_LIST_DELETED_KEYS ? SH_DELETED : 0));
            count++;
        }
        kv_key_free(k);
        k = NULL;
    }
out:
    kv_key_free(k);
    kv_pager_destroy(p);
    return st;
}

/* ----- Verbs: cryptography ----------------------------------------------------------------- */

/* {"algorithm","kid", member: base64 of the bytes} as az prints encrypt, decrypt and sign. */
static void crypto_to_json(struct cli_doc *d, const char *alg, const struct kv_crypto_result *r,
                           const char *member, int plaintext)
{
    cJSON *o = cli_doc_object(d, NULL, NULL);
    char *s = plaintext ? cli_strndup((const char *)r->value.data, r->value.len)
                        : cx_b64_encode(r->value.data, r->value.len, 0);

    if (!s)
        d->nomem = 1;
    cli_doc_string(d, o, "algorithm", alg);
    cli_doc_string(d, o, "kid", r->kid);
    cli_doc_string(d, o, member, s);
    cx_free_wiped(s);
}

typedef int (*crypto_fn)(struct kv_client *, const char *, const char *, const char *, const void *,
                         size_t, struct kv_crypto_result **, struct kv_error *);

/* encrypt (verb->arg 0), decrypt (1) and sign (2). */
static int run_crypto(struct cli *c, struct cli_doc *out)
{
    static const crypto_fn ops[] = {kv_key_encrypt, kv_key_decrypt, kv_key_sign};
    static const char *const members[] = {"result", "result", "signature"};
    int which = c->verb->arg,
        plain = c->val[O_DATA_TYPE] && !strcmp(c->val[O_DATA_TYPE], "plaintext");
    struct kv_bytes in = {NULL, 0};
    struct kv_crypto_result *r = NULL;
    int st;

    if (which == 0 && plain) {
        /* Plaintext given as text; it was copied and blanked in argv (cli_resolve_object). */
        in.len = strlen(c->value);
        st = (in.data = (unsigned char *)cli_strndup(c->value, in.len)) ? KV_OK : KV_E_NOMEM;
    } else {
        st = which == 2 ? decode_opt(c, c->val[O_DIGEST], "digest", &in)
                        : decode_opt(c, c->value, "value", &in);
    }
    if (st != KV_OK)
        goto out;
    st = ops[which](c->client, c->name, c->version, c->val[O_ALGORITHM], in.data, in.len, &r,
                    &c->err);
    if (st != KV_OK) {
        cli_fail(c, st);
        goto out;
    }
    if (which == 1 && plain && memchr(r->value.data, '\0', r->value.len)) {
        cli_warnx("key decrypt '%s': the plaintext holds NUL bytes; use --data-type base64",
                  c->name);
        st = KV_E_INVALID_ARG;
        goto out;
    }
    crypto_to_json(out, c->val[O_ALGORITHM], r, members[which], which == 1 && plain);
out:
    cx_wipe_free(in.data, in.len);
    kv_crypto_result_free(r);
    return st;
}

static int run_verify(struct cli *c, struct cli_doc *out)
{
    struct kv_bytes digest = {NULL, 0}, sig = {NULL, 0};
    int st, valid = 0;
    cJSON *o;

    if ((st = decode_opt(c, c->val[O_DIGEST], "digest", &digest)) != KV_OK ||
        (st = decode_opt(c, c->val[O_SIGNATURE], "signature", &sig)) != KV_OK)
        goto out;
    st = kv_key_verify(c->client, c->name, c->version, c->val[O_ALGORITHM], digest.data, digest.len,
                       sig.data, sig.len, &valid, &c->err);
    if (st != KV_OK) {
        cli_fail(c, st);
        goto out;
    }
    /* A signature that does not match is an answer, not a failure (exit 0), as in az. */
    o = cli_doc_object(out, NULL, NULL);
    cli_doc_string(out, o, "algorithm", c->val[O_ALGORITHM]);
    cli_doc_bool(out, o, "isValid", valid);
out:
    cx_wipe_free(digest.data, digest.len);
    cx_wipe_free(sig.data, sig.len);
    return st;
}

/* ----- Verbs: rotation policy -------------------------------------------------------------- */

static void policy_to_json(struct cli_doc *d, const struct kv_rotation_policy *p)
{
    cJSON *o = cli_doc_object(d, NULL, NULL), *arr, *it;

    cli_doc_time(d, o, "createdOn", p->created);
    cli_doc_string(d, o, "expiresIn", p->expiry_time);
    cli_doc_string(d, o, "id", p->id);
    arr = cli_doc_array(d, o, "lifetimeActions");
    for (size_t i = 0; i < p->n_actions; i++) {
        it = cli_doc_object(d, arr, NULL);
        cli_doc_string(d, it, "action", p->actions[i].type);
        cli_doc_string(d, it, "timeAfterCreate", p->actions[i].time_after_create);
        cli_doc_string(d, it, "timeBeforeExpiry", p->actions[i].time_before_expiry);
    }
    cli_doc_time(d, o, "updatedOn", p->updated);
}

static int run_policy_show(struct cli *c, struct cli_doc *out)
{
    struct kv_rotation_policy *p = NULL;
    int st = kv_key_rotation_policy_get(c->client, c->name, &p, &c->err);

    if (st != KV_OK)
        cli_fail(c, st);
    else
        policy_to_json(out, p);
    kv_rotation_policy_free(p);
    return st;
}

/* A string member, or the "type" of an object member (the wire's "action":{"type":...}). */
static char *policy_str(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

    if (cJSON_IsObject(it))
        it = cJSON_GetObjectItemCaseSensitive(it, "type");
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The policy JSON az's --value takes (the service's own shape: lifetimeActions of trigger and
 * action, attributes.expiryTime) into p, whose strings point into root. */
static int parse_policy(struct cli *c, const cJSON *root, struct kv_rotation_policy *p)
{
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(root, "lifetimeActions"), *it;
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(root, "attributes");
    size_t n = 0;

    if (!cJSON_IsObject(root) || (acts && !cJSON_IsArray(acts)))
        return cli_usage_error(c, "the rotation policy must be a JSON object with a "
                                  "lifetimeActions array");
    p->expiry_time = policy_str(attrs, "expiryTime");
    p->actions = calloc((size_t)cJSON_GetArraySize(acts) + 1, sizeof *p->actions);
    if (!p->actions)
        return KV_E_NOMEM;
    cJSON_ArrayForEach(it, acts) {
        const cJSON *trig = cJSON_GetObjectItemCaseSensitive(it, "trigger");
        struct kv_lifetime_action *la = &p->actions[n];
        if (!(la->type = policy_str(it, "action")))
            return cli_usage_error(c, "lifetime action %zu has no action type", n);
        la->time_after_create = policy_str(trig ? trig : it, "timeAfterCreate");
        la->time_before_expiry = policy_str(trig ? trig : it, "timeBeforeExpiry");
        p->n_actions = ++n;
    }
    return KV_OK;
}

static int run_policy_update(struct cli *c, struct cli_doc *out)
{
    struct kv_rotation_policy in, *p = NULL;
    char *text = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    int st = KV_OK;

    memset(&in, 0, sizeof in);
    if (c->val[O_FILE])
        st = cli_read_file(c->val[O_FILE], &text, &len);
    if (st != KV_OK)
        goto out;
    root = cJSON_Parse(text ? text : c->value);
    if (!root) {
        st = cli_usage_error(c, "the rotation policy is not JSON");
        goto out;
    }
    if ((st = parse_policy(c, root, &in)) != KV_OK)
        goto out;
    st = kv_key_rotation_policy_set(c->client, c->name, &in, &p, &c->err);
    if (st != KV_OK)
        cli_fail(c, st);
    else
        policy_to_json(out, p);
out:
    free(in.actions);
    cJSON_Delete(root);
    cx_wipe_free(text, len);
    kv_rotation_policy_free(p);
    return st;
}

/* ----- The family -------------------------------------------------------------------------- */

#define NAMED (CLI_OPT(O_ID) | CLI_OPT(O_NAME))
#define PROPS                                                                                      \
    (CLI_OPT(O_OPS) | CLI_OPT(O_TAGS) | CLI_OPT(O_ENABLED) | CLI_OPT(O_EXPIRES) |                  \
     CLI_OPT(O_NOT_BEFORE))
#define CRYPTO (NAMED | CLI_OPT(O_VERSION) | CLI_OPT(O_ALGORITHM))

static const struct cli_verb key_verbs[] = {
    {"create", run_create,
     CLI_OPT(O_NAME) | PROPS | CLI_OPT(O_DISABLED) | CLI_OPT(O_KTY) | CLI_OPT(O_SIZE) |
         CLI_OPT(O_CURVE) | CLI_OPT(O_PROTECTION),
     1, 0, "create a key or a new version of it"},
    {"import", run_import,
     CLI_OPT(O_NAME) | PROPS | CLI_OPT(O_DISABLED) | CLI_OPT(O_PEM_FILE) | CLI_OPT(O_PROTECTION), 1,
     0, "import a private key from a PEM file (prints the public key)"},
    {"show", run_show, NAMED | CLI_OPT(O_VERSION), 1, 0, "print a key's public part"},
    {"list", run_list, CLI_OPT(O_MAXRESULTS) | CLI_OPT(O_INCLUDE_MANAGED), 0, KV_LIST_KEYS,
     "list the keys"},
    {"list-versions", run_list, NAMED | CLI_OPT(O_MAXRESULTS), 1, KV_LIST_KEY_VERSIONS,
     "list the versions of a key"},
    {"set-attributes", run_set_attributes, NAMED | CLI_OPT(O_VERSION) | PROPS, 1, 0,
     "change operations, tags, enabled, expiry or not-before of a version"},
    {"delete", run_delete, NAMED, 1, 0, "delete a key (soft delete when enabled)"},
    {"recover", run_recover, NAMED, 1, 0, "recover a soft-deleted key"},
    {"purge", run_purge, NAMED, 1, 0, "permanently delete a soft-deleted key"},
    {"list-deleted", run_list, CLI_OPT(O_MAXRESULTS), 0, KV_LIST_DELETED_KEYS,
     "list soft-deleted keys"},
    {"show-deleted", run_show_deleted, NAMED, 1, 0, "show a soft-deleted key"},
    {"backup", run_backup, NAMED | CLI_OPT(O_FILE), 1, 0,
     "write a protected backup of a key to --file"},
    {"restore", run_restore, CLI_OPT(O_FILE), 0, 0, "restore a key from a backup --file"},
    {"rotate", run_rotate, NAMED, 1, 0, "create a new version of a key with the same settings"},
    {"encrypt", run_crypto, CRYPTO | CLI_OPT(O_VALUE) | CLI_OPT(O_DATA_TYPE), 1, 0,
     "encrypt --value with the key (prints the ciphertext, base64)"},
    {"decrypt", run_crypto, CRYPTO | CLI_OPT(O_VALUE) | CLI_OPT(O_DATA_TYPE), 1, 1,
     "decrypt a base64 --value with the key (prints the plaintext)"},
    {"sign", run_crypto, CRYPTO | CLI_OPT(O_DIGEST), 1, 2,
     "sign a base64 --digest (prints the signature, base64)"},
    {"verify", run_verify, CRYPTO | CLI_OPT(O_DIGEST) | CLI_OPT(O_SIGNATURE), 1, 0,
     "check a --signature of a --digest (prints isValid)"},
    {"rotation-policy show", run_policy_show, NAMED, 1, 0, "print a key's rotation policy"},
    {"rotation-policy update", run_policy_update, NAMED | CLI_OPT(O_VALUE) | CLI_OPT(O_FILE), 1, 0,
     "set a key's rotation policy from JSON (--value or --file)"},
};

const struct cli_family cli_key_family = {
    "key",
    key_verbs,
    sizeof key_verbs / sizeof key_verbs[0],
    CLI_OPT(O_VAULT_NAME) | CLI_OPT(O_VAULT_URL) | CLI_OPT(O_DNS_SUFFIX) | CLI_OPT(O_API_VERSION),
    check_key_args,
};
