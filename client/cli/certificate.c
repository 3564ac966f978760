/* certificate.c: the `certificate` verb family, az keyvault certificate's verbs on libkvclient:
 * create (waiting for the operation like az), import, show, list, list-versions, list-deleted,
 * show-deleted, download, set-attributes, delete, recover, purge, backup, restore, pending
 * show / merge / cancel / delete, policy show / update and get-default-policy; the contact and
 * issuer verbs are in certificate-meta.c. Results have the shape az prints. A certificate's
 * private key is never printed: it lives in the certificate's secret (`secret show`). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cli.h"

enum {
    SH_ITEM = 1,    /* a list item: no cer, kid, sid or policy */
    SH_DELETED = 2, /* deletedDate, recoveryId, scheduledPurgeDate */
};

/* x509Thumbprint (base64) and x509ThumbprintHex (upper-case hex) from the wire's x5t
 * (base64url of the SHA-1), as az prints both. */
static void doc_thumbprint(struct cli_doc *d, cJSON *o, const char *x5t)
{
    size_t len = 0;
    unsigned char *raw =
        x5t ? cx_b64_decode(x5t, strlen(x5t), CX_B64_ANY_ALPHABET | CX_B64_PAD_OPTIONAL, &len)
            : NULL;
    char *b64 = raw ? cx_b64_encode(raw, len, 0) : NULL, hex[2 * 64 + 1] = "";

    for (size_t i = 0; raw && i < len && i < 64; i++)
        snprintf(hex + 2 * i, 3, "%02X", raw[i]);
    cli_doc_string(d, o, "x509Thumbprint", b64);
    cli_doc_string(d, o, "x509ThumbprintHex", raw ? hex : NULL);
    free(raw);
    free(b64);
}

static void cert_to_json(struct cli_doc *d, cJSON *parent, const struct kv_certificate *k,
                         unsigned shape)
{
    cJSON *o = cli_doc_object(d, parent, NULL), *a;
    char *cer = k->cer.len ? cx_b64_encode(k->cer.data, k->cer.len, 0) : NULL;

    if (k->cer.len && !cer)
        d->nomem = 1;
    a = cli_doc_object(d, o, "attributes");
    cli_doc_common_attributes(d, a, k->created, k->enabled, k->expires, k->not_before,
                              k->recoverable_days, k->recovery_level, k->updated);
    cli_doc_string(d, o, "id", k->id);
    cli_doc_string(d, o, "name", k->name);
    cli_doc_tags(d, o, k->tags, k->n_tags);
    doc_thumbprint(d, o, k->x5t);
    if (shape & SH_ITEM) {
        /* The service's items carry an always-empty subject (spec §2 Lists); az prints it. */
        if (!(shape & SH_DELETED))
            cli_doc_string(d, o, "subject", "");
    } else {
        cli_doc_string(d, o, "cer", cer);
        cli_doc_string(d, o, "contentType", k->policy ? k->policy->content_type : NULL);
        cli_doc_string(d, o, "kid", k->kid);
        cli_doc_string(d, o, "sid", k->sid);
        if (k->policy)
            cli_doc_policy(d, o, "policy", k->policy->json);
        else
            cli_doc_null(d, o, "policy");
    }
    if (shape & SH_DELETED)
        cli_doc_deleted(d, o, k->deleted_date, k->recovery_id, k->scheduled_purge_date);
    free(cer);
}

/* The operation as az prints `certificate pending show`. */
static void op_to_json(struct cli_doc *d, const struct kv_certificate_operation *op)
{
    cJSON *o = cli_doc_object(d, NULL, NULL), *is, *e;
    char *csr = op->csr.len ? cx_b64_encode(op->csr.data, op->csr.len, 0) : NULL;

    if (op->csr.len && !csr)
        d->nomem = 1;
    cli_doc_bool(d, o, "cancellationRequested", op->cancellation_requested);
    cli_doc_string(d, o, "csr", csr);
    if (op->error_code || op->error_message) {
        e = cli_doc_object(d, o, "error");
        cli_doc_string(d, e, "code", op->error_code);
        cli_doc_string(d, e, "message", op->error_message);
    } else {
        cli_doc_null(d, o, "error");
    }
    cli_doc_string(d, o, "id", op->id);
    is = cli_doc_object(d, o, "issuerParameters");
    cli_doc_null(d, is, "certificateTransparency");
    cli_doc_null(d, is, "certificateType");
    cli_doc_string(d, is, "name", op->issuer_name);
    cli_doc_string(d, o, "requestId", op->request_id);
    cli_doc_string(d, o, "status", op->status);
    cli_doc_string(d, o, "statusDetails", op->status_details);
    cli_doc_string(d, o, "target", op->target);
    free(csr);
}

/* ----- Arguments --------------------------------------------------------------------------- */

static int check_cert_args(struct cli *c)
{
    const struct cli_verb *v = c->verb;
    int st;

    if (v->needs_name == CLI_OFFLINE)
        return KV_OK;
    if ((st = cli_resolve_object(c, kv_certificate_id_parse)) != KV_OK)
        return st;
    /* The issuer verbs name the issuer; failures then name it too (cli_fail). */
    if (cli_verb_takes(c->family, v, O_ISSUER_NAME)) {
        if (!c->val[O_ISSUER_NAME] || !*c->val[O_ISSUER_NAME])
            return cli_usage_error(c, "--issuer-name is required");
        c->name = c->val[O_ISSUER_NAME];
    }
    if (cli_verb_takes(c->family, v, O_PROVIDER) && !strcmp(v->name, "issuer create") &&
        !c->seen[O_PROVIDER])
        return cli_usage_error(c, "--provider-name is required");
    if (cli_verb_takes(c->family, v, O_EMAIL) && !c->seen[O_EMAIL])
        return cli_usage_error(c, "--email is required");
    if (cli_verb_takes(c->family, v, O_FILE) && !c->seen[O_FILE])
        return cli_usage_error(c, "--file is required");
    if (!strcmp(v->name, "create") || !strcmp(v->name, "policy update")) {
        if (!c->seen[O_POLICY])
            return cli_usage_error(c, "--policy is required (see `certificate "
                                      "get-default-policy`)");
    }
    if (c->val[O_ENCODING] && strcasecmp(c->val[O_ENCODING], "PEM") &&
        strcasecmp(c->val[O_ENCODING], "DER"))
        return cli_usage_error(c, "--encoding must be PEM or DER");
    if (c->val[O_VALIDITY] &&
        (atoi(c->val[O_VALIDITY]) < 1 || atoi(c->val[O_VALIDITY]) > 1200 ||
         strspn(c->val[O_VALIDITY], "0123456789") != strlen(c->val[O_VALIDITY])))
        return cli_usage_error(c, "--validity must be a number of months from 1 to 1200");
    if (c->val[O_PASSWORD]) {
        /* Blank the password in argv, as --value is blanked (cli_resolve_object). */
        size_t len = strlen(c->val[O_PASSWORD]);
        if (!(c->password = cli_strndup(c->val[O_PASSWORD], len)))
            return KV_E_NOMEM;
        memset((char *)c->val[O_PASSWORD], 'x', len);
    }
    return KV_OK;
}

/* --enabled/--disabled and --tags as kv_certificate_props (caller frees *tags). */
static int build_props(struct cli *c, struct kv_certificate_props *p, struct kv_tag **tags,
                       size_t *n_tags)
{
    int st;

    kv_certificate_props_init(p);
    *tags = NULL;
    *n_tags = 0;
    if (c->enabled >= 0)
        p->enabled = c->enabled;
    if (!c->seen[O_TAGS])
        return KV_OK;
    st = cli_build_tags(c, tags, n_tags);
    p->tags = *tags;
    p->n_tags = *n_tags;
    p->set_tags = 1;
    return st;
}

/* The --policy JSON with --validity applied (x509_props.validity_months). */
static int policy_with_validity(struct cli *c, char **out)
{
    int st = cli_policy_option(c, out);
    cJSON *root, *xp;

    if (st != KV_OK || !c->val[O_VALIDITY])
        return st;
    root = cJSON_Parse(*out);
    xp = cJSON_GetObjectItemCaseSensitive(root, "x509_props");
    if (!xp)
        xp = cJSON_AddObjectToObject(root, "x509_props");
    cJSON_DeleteItemFromObjectCaseSensitive(xp, "validity_months");
    free(*out);
    *out = xp && cJSON_AddNumberToObject(xp, "validity_months", atoi(c->val[O_VALIDITY]))
               ? cJSON_PrintUnformatted(root)
               : NULL;
    cJSON_Delete(root);
    return *out ? KV_OK : KV_E_NOMEM;
}

/* ----- Verbs -------------------------------------------------------------------------------- */

/* Reports a failure or prints the certificate; frees it. */
static int finish_cert(struct cli *c, struct cli_doc *out, int st, struct kv_certificate *k,
                       unsigned shape)
{
    if (st != KV_OK)
        cli_fail(c, st);
    else
        cert_to_json(out, NULL, k, shape);
    kv_certificate_free(k);
    return st;
}

static int finish_op(struct cli *c, struct cli_doc *out, int st,
                     struct kv_certificate_operation *op)
{
    if (st != KV_OK)
        cli_fail(c, st);
    else
        op_to_json(out, op);
    kv_certificate_operation_free(op);
    return st;
}

/* create: starts the operation and polls it as az does (its LRO waits); prints the certificate
 * when it completed, else the operation (Unknown issuer: waiting for `pending merge`; cancelled;
 * failed, which also exits non-zero). */
static int run_create(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_props p;
    struct kv_poll_options poll;
    struct kv_certificate *k = NULL;
    struct kv_certificate_operation *op = NULL;
    struct kv_tag *tags = NULL;
    size_t n_tags = 0;
    char *policy = NULL;
    int st = build_props(c, &p, &tags, &n_tags);

    if (st != KV_OK || (st = policy_with_validity(c, &policy)) != KV_OK)
        goto out;
    kv_poll_options_init(&poll);
    /* The service asks for 10 s between polls; a CLI user waits at most 2 s per round. */
    poll.max_interval_ms = 2000;
    if (c->timeout_s > 0)
        poll.timeout_ms = (unsigned)c->timeout_s * 1000u;
    st = kv_certificate_create_wait(c->client, c->name, policy, &p, &poll, &k, &op, &c->err);
    if (st != KV_OK) {
        cli_fail(c, st);
    } else if (k) {
        cert_to_json(out, NULL, k, 0);
    } else {
        op_to_json(out, op);
        if (op->error_code || !strcmp(op->status, "failed")) {
            cli_warnx("certificate create '%s': the operation failed", c->name);
            st = KV_E_SERVER;
        }
    }
out:
    kv_certificate_free(k);
    kv_certificate_operation_free(op);
    cli_free_tags(tags, n_tags);
    free(policy);
    return st;
}

static int run_import(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_props p;
    struct kv_certificate *k = NULL;
    struct kv_tag *tags = NULL;
    size_t n_tags = 0, len = 0;
    char *policy = NULL, *data = NULL;
    int st = build_props(c, &p, &tags, &n_tags);

    if (st != KV_OK || (c->seen[O_POLICY] && (st = cli_policy_option(c, &policy)) != KV_OK))
        goto out;
    if ((st = cli_read_file(c->val[O_FILE], &data, &len)) != KV_OK)
        goto out;
    st = kv_certificate_import(c->client, c->name, data, len, c->password, policy, &p, &k, &c->err);
    st = finish_cert(c, out, st, k, 0);
out:
    /* The file holds a private key. */
    cx_wipe_free(data, len);
    cli_free_tags(tags, n_tags);
    free(policy);
    return st;
}

static int run_show(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate *k = NULL;
    int st = kv_certificate_get(c->client, c->name, c->version, &k, &c->err);

    return finish_cert(c, out, st, k, 0);
}

static int run_set_attributes(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_props p;
    struct kv_certificate *k = NULL;
    struct kv_tag *tags = NULL;
    size_t n_tags = 0;
    char *policy = NULL;
    int st = build_props(c, &p, &tags, &n_tags);

    /* az's set-attributes --policy updates the policy too. */
    if (st == KV_OK && c->seen[O_POLICY] && (st = cli_policy_option(c, &policy)) == KV_OK &&
        (st = kv_certificate_policy_update(c->client, c->name, policy, NULL, &c->err)) != KV_OK)
        cli_fail(c, st);
    if (st == KV_OK) {
        st = kv_certificate_update(c->client, c->name, c->version, &p, &k, &c->err);
        st = finish_cert(c, out, st, k, 0);
    }
    cli_free_tags(tags, n_tags);
    free(policy);
    return st;
}

static int run_download(struct cli *c, struct cli_doc *out)
{
    struct kv_bytes b = {NULL, 0};
    int pem = !c->val[O_ENCODING] || !strcasecmp(c->val[O_ENCODING], "PEM");
    int st = kv_certificate_download(c->client, c->name, c->version, pem, &b, &c->err);

    (void)out;
    /* Only the public certificate: az prints nothing and writes the file. */
    st = st != KV_OK ? cli_fail(c, st) : cli_write_private_file(c->val[O_FILE], b.data, b.len);
    kv_free(b.data);
    return st;
}

/* delete, recover and show-deleted: one name in, one certificate out. */
static int run_name_cert(struct cli *c, struct cli_doc *out,
                         int (*op)(struct kv_client *, const char *, struct kv_certificate **,
                                   struct kv_error *),
                         unsigned shape)
{
    struct kv_certificate *k = NULL;
    int st = op(c->client, c->name, &k, &c->err);

    return finish_cert(c, out, st, k, shape);
}

static int run_delete(struct cli *c, struct cli_doc *out)
{
    return run_name_cert(c, out, kv_certificate_delete, SH_DELETED);
}

static int run_recover(struct cli *c, struct cli_doc *out)
{
    return run_name_cert(c, out, kv_certificate_recover, 0);
}

static int run_show_deleted(struct cli *c, struct cli_doc *out)
{
    return run_name_cert(c, out, kv_certificate_get_deleted, SH_DELETED);
}

static int run_purge(struct cli *c, struct cli_doc *out)
{
    (void)out;
    return cli_run_purge(c, kv_certificate_purge);
}

static int run_backup(struct cli *c, struct cli_doc *out)
{
    (void)out;
    return cli_run_backup(c, kv_certificate_backup);
}

static int run_restore(struct cli *c, struct cli_doc *out)
{
    char *blob = NULL;
    struct kv_certificate *k = NULL;
    int st = cli_blob_from_file(c, &blob);

    if (st == KV_OK) {
        st = kv_certificate_restore(c->client, blob, &k, &c->err);
        st = finish_cert(c, out, st, k, 0);
    }
    cx_free_wiped(blob);
    return st;
}

/* list, list-versions and list-deleted (verb->arg is the kv_certificate_list_kind). */
static int run_list(struct cli *c, struct cli_doc *out)
{
    enum kv_certificate_list_kind kind = (enum kv_certificate_list_kind)c->verb->arg;
    struct kv_pager *p = NULL;
    struct kv_certificate *k = NULL;
    cJSON *arr;
    long max = c->maxresults;
    int st, count = 0;

    st = cli_pager_made(
        c, kv_certificate_pager_create(c->client, kind,
                                       kind == KV_LIST_CERTIFICATE_VERSIONS ? c->name : NULL,
                                       cli_page_size(c), c->seen[O_INCLUDE_PENDING], &p));
    if (st != KV_OK)
        goto out;
    arr = cli_doc_array(out, NULL, NULL);
    while (!max || count < max) {
        if ((st = kv_certificate_pager_next(p, &k, &c->err)) != KV_OK) {
            cli_fail(c, st);
            goto out;
        }
        if (!k)
            break;
        cert_to_json(out, arr, k,
                     SH_ITEM | (kind == KV_LIST_DELETED_CERTIFICATES ? SH_DELETED : 0));
        count++;
        kv_certificate_free(k);
        k = NULL;
    }
out:
    kv_certificate_free(k);
    kv_pager_destroy(p);
    return st;
}

/* pending show (verb->arg 0), cancel (1) and delete (2). */
static int run_pending(struct cli *c, struct cli_doc *out)
{
    typedef int (*op_fn)(struct kv_client *, const char *, struct kv_certificate_operation **,
                         struct kv_error *);
    static const op_fn ops[] = {kv_certificate_get_operation, kv_certificate_cancel_operation,
                                kv_certificate_delete_operation};
    struct kv_certificate_operation *op = NULL;
    int st = ops[c->verb->arg](c->client, c->name, &op, &c->err);

    return finish_op(c, out, st, op);
}

/* The certificates of a PEM file (each CERTIFICATE block) or one DER certificate, for merge. */
static int read_chain(struct cli *c, struct kv_bytes **out, size_t *n)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    char *text = NULL, *p, *q, *b64 = NULL;
    size_t len = 0, cap = 0;
    int st = cli_read_file(c->val[O_FILE], &text, &len);

    *out = NULL;
    *n = 0;
    if (st != KV_OK)
        return st;
    if (!strstr(text, begin)) {
        /* DER: the file is the certificate. */
        if (!(*out = calloc(1, sizeof **out)))
            st = KV_E_NOMEM;
        else {
            (*out)[0].data = (unsigned char *)text;
            (*out)[0].len = len;
            *n = 1;
            text = NULL;
        }
        goto done;
    }
    for (p = strstr(text, begin); p; p = strstr(q, begin)) {
        p += sizeof begin - 1;
        if (!(q = strstr(p, end))) {
            st = cli_usage_error(c, "--file: a CERTIFICATE block has no END line");
            goto done;
        }
        /* The base64 between the lines, without line breaks. */
        free(b64);
        if (!(b64 = malloc((size_t)(q - p) + 1))) {
            st = KV_E_NOMEM;
            goto done;
        }
        size_t m = 0;
        for (const char *s = p; s < q; s++)
            if (*s != '\n' && *s != '\r' && *s != ' ' && *s != '\t')
                b64[m++] = *s;
        if (*n == cap) {
            struct kv_bytes *grown = realloc(*out, (cap = cap ? cap * 2 : 4) * sizeof **out);
            if (!grown) {
                st = KV_E_NOMEM;
                goto done;
            }
            *out = grown;
        }
        (*out)[*n].data = cx_b64_decode(b64, m, 0, &(*out)[*n].len);
        if (!(*out)[*n].data) {
            st = cli_usage_error(c, "--file: certificate %zu is not base64", *n + 1);
            goto done;
        }
        ++*n;
    }
done:
    free(b64);
    free(text);
    return st;
}

static int run_merge(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_props p;
    struct kv_certificate *k = NULL;
    struct kv_bytes *chain = NULL;
    struct kv_tag *tags = NULL;
    size_t n = 0, n_tags = 0;
    int st = build_props(c, &p, &tags, &n_tags);

    if (st == KV_OK && (st = read_chain(c, &chain, &n)) == KV_OK) {
        st = kv_certificate_merge(c->client, c->name, chain, n, &p, &k, &c->err);
        st = finish_cert(c, out, st, k, 0);
    }
    for (size_t i = 0; i < n; i++)
        free(chain[i].data);
    free(chain);
    cli_free_tags(tags, n_tags);
    return st;
}

static int run_policy_show(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_policy *p = NULL;
    int st = kv_certificate_policy_get(c->client, c->name, &p, &c->err);

    if (st != KV_OK)
        cli_fail(c, st);
    else
        cli_doc_policy(out, NULL, NULL, p->json);
    kv_certificate_policy_free(p);
    return st;
}

static int run_policy_update(struct cli *c, struct cli_doc *out)
{
    struct kv_certificate_policy *p = NULL;
    char *policy = NULL;
    int st = cli_policy_option(c, &policy);

    if (st == KV_OK) {
        st = kv_certificate_policy_update(c->client, c->name, policy, &p, &c->err);
        if (st != KV_OK)
            cli_fail(c, st);
        else
            cli_doc_policy(out, NULL, NULL, p->json);
    }
    kv_certificate_policy_free(p);
    free(policy);
    return st;
}

/* ----- The family -------------------------------------------------------------------------- */

#define NAMED (CLI_OPT(O_ID) | CLI_OPT(O_NAME))
#define PROPS (CLI_OPT(O_TAGS) | CLI_OPT(O_ENABLED) | CLI_OPT(O_DISABLED))
#define ISSUER (CLI_OPT(O_ISSUER_NAME))
#define ISSUER_PROPS                                                                               \
    (ISSUER | CLI_OPT(O_PROVIDER) | CLI_OPT(O_ACCOUNT_ID) | CLI_OPT(O_PASSWORD) |                  \
     CLI_OPT(O_ORG_ID) | CLI_OPT(O_ENABLED) | CLI_OPT(O_DISABLED))

static const struct cli_verb cert_verbs[] = {
    {"create", run_create, CLI_OPT(O_NAME) | PROPS | CLI_OPT(O_POLICY) | CLI_OPT(O_VALIDITY), 1, 0,
     "create a certificate (or a new version) from a --policy and wait for the operation"},
    {"import", run_import,
     CLI_OPT(O_NAME) | PROPS | CLI_OPT(O_FILE) | CLI_OPT(O_PASSWORD) | CLI_OPT(O_POLICY), 1, 0,
     "import a certificate with its private key from a PFX or PEM --file"},
    {"show", run_show, NAMED | CLI_OPT(O_VERSION), 1, 0,
     "print a certificate (the latest version with its policy)"},
    {"list", run_list, CLI_OPT(O_MAXRESULTS) | CLI_OPT(O_INCLUDE_PENDING), 0, KV_LIST_CERTIFICATES,
     "list the certificates"},
    {"list-versions", run_list, NAMED | CLI_OPT(O_MAXRESULTS), 1, KV_LIST_CERTIFICATE_VERSIONS,
     "list the versions of a certificate"},
    {"list-deleted", run_list, CLI_OPT(O_MAXRESULTS) | CLI_OPT(O_INCLUDE_PENDING), 0,
     KV_LIST_DELETED_CERTIFICATES, "list soft-deleted certificates"},
    {"show-deleted", run_show_deleted, NAMED, 1, 0, "show a soft-deleted certificate"},
    {"download", run_download, NAMED | CLI_OPT(O_VERSION) | CLI_OPT(O_FILE) | CLI_OPT(O_ENCODING),
     1, 0, "write the public certificate to --file as PEM (default) or DER"},
    {"set-attributes", run_set_attributes, NAMED | CLI_OPT(O_VERSION) | PROPS | CLI_OPT(O_POLICY),
     1, 0, "change enabled or tags of a version (and the policy with --policy)"},
    {"delete", run_delete, NAMED, 1, 0,
     "delete a certificate with its key and secret (soft delete when enabled)"},
    {"recover", run_recover, NAMED, 1, 0, "recover a soft-deleted certificate"},
    {"purge", run_purge, NAMED, 1, 0, "permanently delete a soft-deleted certificate"},
    {"backup", run_backup, NAMED | CLI_OPT(O_FILE), 1, 0,
     "write a protected backup of a certificate to --file"},
    {"restore", run_restore, CLI_OPT(O_FILE), 0, 0, "restore a certificate from a backup --file"},
    {"pending show", run_pending, NAMED, 1, 0, "print the certificate's pending operation"},
    {"pending merge", run_merge, NAMED | CLI_OPT(O_FILE) | PROPS, 1, 0,
     "complete a pending operation with the CA-signed certificate (and chain) in --file"},
    {"pending cancel", run_pending, NAMED, 1, 1, "ask for the pending operation to be cancelled"},
    {"pending delete", run_pending, NAMED, 1, 2, "delete the pending operation"},
    {"policy show", run_policy_show, NAMED, 1, 0, "print a certificate's policy"},
    {"policy update", run_policy_update, NAMED | CLI_OPT(O_POLICY), 1, 0,
     "change members of a certificate's policy"},
    {"get-default-policy", cli_cert_default_policy, 0, CLI_OFFLINE, 0,
     "print az's default policy (self-signed), a start for --policy"},
    {"contact add", cli_cert_contact_add, CLI_OPT(O_EMAIL) | CLI_OPT(O_NAME) | CLI_OPT(O_PHONE), 0,
     0, "add a contact for certificate notifications"},
    {"contact list", cli_cert_contact_list, 0, 0, 0, "list the certificate contacts"},
    {"contact delete", cli_cert_contact_delete, CLI_OPT(O_EMAIL), 0, 0,
     "remove the contact with --email"},
    {"issuer create", cli_cert_issuer_write, ISSUER_PROPS, 0, 0, "create a certificate issuer"},
    {"issuer update", cli_cert_issuer_write, ISSUER_PROPS, 0, 1, "change a certificate issuer"},
    {"issuer show", cli_cert_issuer_show, ISSUER, 0, 0, "print a certificate issuer"},
    {"issuer list", cli_cert_issuer_list, CLI_OPT(O_MAXRESULTS), 0, 0,
     "list the certificate issuers"},
    {"issuer delete", cli_cert_issuer_delete, ISSUER, 0, 0, "delete a certificate issuer"},
};

const struct cli_family cli_certificate_family = {
    "certificate",
    cert_verbs,
    sizeof cert_verbs / sizeof cert_verbs[0],
    CLI_OPT(O_VAULT_NAME) | CLI_OPT(O_VAULT_URL) | CLI_OPT(O_DNS_SUFFIX) | CLI_OPT(O_API_VERSION),
    check_cert_args,
};
