/* test-store-certs.c: unit tests of the certificates family in the store
 * (spec/keyvault-certificates.md §1-§4): create and completion with the managed key and secret in
 * lockstep, the operation object (cancel, settle, fail, delete), import, update mirrored to the
 * key and secret, the policy, lists with includePending, refusals of direct writes to managed
 * objects and of names held by plain ones, delete / recover / purge cascading to the key and
 * secret, backup and restore, contacts, issuers and lifetime actions on a fake clock. The
 * certificates are synthetic DER bytes: the store files them without parsing. */
#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "store-certs.h"
#include "store-common.h"
#include "util.h"

/* SHA-1("abc") = a9993e36..., whose unpadded base64url is the x5t of a "certificate" of the bytes
 * "abc" (FIPS 180 test vector). */
static const unsigned char DER_ABC[] = {'a', 'b', 'c'};
#define X5T_ABC "qZk-NkcGgWq6PiVxeFDCbJzQ2J0"

static struct mv_keymat *ec_mat(unsigned char seed_byte)
{
    struct mv_key_spec spec = {.kty = MV_KTY_EC, .crv = MV_CRV_P256};
    unsigned char seed[32];
    struct mv_keymat *km = NULL;
    memset(seed, seed_byte, sizeof(seed));
    ck_assert_int_eq(mv_keymat_generate(&spec, seed, sizeof(seed), &km), MV_KM_OK);
    return km;
}

static void policy_of(const char *text, struct mv_cert_policy *p)
{
    char err[256];
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_msg(mv_cert_policy_parse(j, NULL, p, err, sizeof(err)) == 0, "%s", err);
    cJSON_Delete(j);
}

#define SELF_POLICY "{\"x509_props\":{\"subject\":\"CN=a\"},\"issuer\":{\"name\":\"Self\"}}"

/* Begins a create of name with SELF_POLICY (or the stored policy when keep) at now; version gets
 * the new version id. */
static enum mv_err begin(struct mv_store *st, const char *name, bool keep, int64_t now,
                         char version[33])
{
    struct mv_cert_policy p;
    struct mv_keymat *km = ec_mat((unsigned char)(now & 0xff));
    static const unsigned char csr[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    policy_of(SELF_POLICY, &p);
    struct mv_cert_begin in = {
        .policy = keep ? NULL : &p, .mat = km, .csr = csr, .csr_len = sizeof(csr)};
    enum mv_err rc = mv_store_cert_begin(st, "demo", name, &in, now, NULL, version);
    mv_keymat_unref(km);
    mv_cert_policy_finish(&p);
    return rc;
}

static struct mv_cert_issue issue_abc(int64_t nbf, int64_t exp)
{
    return (struct mv_cert_issue){.der = DER_ABC,
                                  .der_len = sizeof(DER_ABC),
                                  .secret_value = "UEZYLXZhbHVl",
                                  .secret_content_type = "application/x-pkcs12",
                                  .nbf = nbf,
                                  .exp = exp};
}

/* A completed certificate name issued at now, valid 100 days from now. */
static void make_cert(struct mv_store *st, const char *name, int64_t now, char version[33])
{
    char v[33];
    ck_assert_int_eq(begin(st, name, false, now, v), MV_OK);
    struct mv_cert_issue is = issue_abc(now, now + 100 * DAY);
    ck_assert_int_eq(mv_store_cert_complete(st, "demo", name, &is, now, NULL), MV_OK);
    if (version != NULL)
        memcpy(version, v, 33);
}

static enum mv_err get(struct mv_store *st, enum mv_objtype t, const char *name,
                       const char *version)
{
    return mv_store_get(st, t, "demo", name, version, NULL);
}

/* ---- Create and complete ---- */

START_TEST(test_create_complete)
{
    struct mv_store *st = make_store();
    struct mv_object_view view;
    struct mv_cert_op op;
    char version[33];
    struct mv_cert_policy p;
    struct mv_keymat *km = ec_mat(1);
    struct mv_tags tags = {.present = true};

    policy_of(SELF_POLICY, &p);
    struct mv_cert_begin in = {
        .policy = &p, .mat = km, .csr = DER_ABC, .csr_len = 3, .tags = &tags};
    ck_assert_int_eq(mv_store_cert_begin(st, "demo", "Web", &in, T0, &op, version), MV_OK);
    ck_assert_int_eq(op.status, MV_COP_IN_PROGRESS);
    ck_assert_str_eq(op.issuer_name, "Self");
    ck_assert_str_eq(op.version, version);
    ck_assert(cx_is_hex(op.request_id, 32, CX_HEX_LOWER));
    ck_assert_uint_eq(op.csr_len, 3);
    ck_assert_ptr_eq(op.mat, km);
    mv_cert_op_finish(&op);

    /* The pending version is the latest: disabled, no certificate, with policy and pending. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_CERT, "demo", "web", NULL, &view), MV_OK);
    ck_assert_str_eq(view.v.id, version);
    ck_assert(!view.v.enabled);
    ck_assert(view.v.cert == NULL || view.v.cert->der == NULL);
    ck_assert_ptr_nonnull(view.policy);
    ck_assert_ptr_nonnull(view.pending);
    ck_assert_int_eq(view.policy->created, T0);
    mv_object_view_finish(&view);
    ck_assert_int_eq(get(st, MV_OBJ_KEY, "web", NULL), MV_E_NOT_FOUND);
    ck_assert_int_eq(get(st, MV_OBJ_SECRET, "web", NULL), MV_E_NOT_FOUND);

    /* A second create while the first is in progress is refused; complete issues the version. */
    ck_assert_int_eq(begin(st, "web", true, T0, NULL), MV_E_OP_IN_PROGRESS);
    struct mv_cert_issue is = issue_abc(T0 - 600, T0 + 365 * DAY);
    ck_assert_int_eq(mv_store_cert_complete(st, "demo", "web", &is, T0 + 5, &view), MV_OK);
    ck_assert_str_eq(view.v.id, version);
    ck_assert(view.v.enabled);
    ck_assert_str_eq(view.v.cert->x5t, X5T_ABC);
    ck_assert_mem_eq(view.v.cert->der, DER_ABC, 3);
    ck_assert(view.v.has_nbf && view.v.nbf == T0 - 600 && view.v.exp == T0 + 365 * DAY);
    ck_assert_int_eq(view.pending->status, MV_COP_COMPLETED);
    ck_assert_ptr_null(view.pending->mat);
    ck_assert(view.v.tags.present);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_cert_complete(st, "demo", "web", &is, T0, NULL),
                     MV_E_OP_NOT_IN_PROGRESS);

    /* Key and secret: same version, managed, attributes mirrored, key_ops from key usage (EC:
     * digitalSignature gives sign and verify; keyEncipherment nothing an EC key can do). */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "web", version, &view), MV_OK);
    ck_assert(view.v.managed && view.v.enabled);
    ck_assert_ptr_eq(view.v.key->mat, km);
    ck_assert_uint_eq(view.v.key->nops, 2);
    ck_assert_int_eq(view.v.key->ops[0], MV_KOP_SIGN);
    ck_assert_int_eq(view.v.key->ops[1], MV_KOP_VERIFY);
    ck_assert(view.v.key->exportable);
    ck_assert(view.v.nbf == T0 - 600 && view.v.exp == T0 + 365 * DAY);
    ck_assert_int_eq(view.v.created, T0);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "web", NULL, &view), MV_OK);
    ck_assert_str_eq(view.v.id, version);
    ck_assert(view.v.managed);
    ck_assert_str_eq(view.v.value, "UEZYLXZhbHVl");
    ck_assert_str_eq(view.v.content_type, "application/x-pkcs12");
    mv_object_view_finish(&view);
    mv_keymat_unref(km);

    /* A second version: the first one's GET has no policy nor pending (spec §2). */
    char v2[33];
    ck_assert_int_eq(begin(st, "web", true, T0 + 10, v2), MV_OK);
    ck_assert_str_ne(v2, version);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_CERT, "demo", "web", version, &view), MV_OK);
    ck_assert_ptr_null(view.policy);
    ck_assert_ptr_null(view.pending);
    mv_object_view_finish(&view);
    /* Until it completes the key and secret stay at the first version. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "web", NULL, &view), MV_OK);
    ck_assert_str_eq(view.v.id, version);
    mv_object_view_finish(&view);
    mv_cert_policy_finish(&p);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_create_errors)
{
    struct mv_store *st = make_store();
    struct mv_cert_issue is = issue_abc(T0, T0 + DAY);

    ck_assert_int_eq(begin(st, "c", true, T0, NULL), MV_E_POLICY_REQUIRED);
    ck_assert_int_eq(mv_store_cert_complete(st, "demo", "c", &is, T0, NULL), MV_E_NOT_FOUND);
    set_value(st, "demo", "plain", "v", T0);
    ck_assert_int_eq(begin(st, "Plain", false, T0, NULL), MV_E_NAME_IN_USE);
    struct mv_keymat *km = ec_mat(3);
    struct mv_key_input kin = {.mat = km};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "k", &kin, T0, NULL), MV_OK);
    ck_assert_int_eq(begin(st, "k", false, T0, NULL), MV_E_NAME_IN_USE);
    struct mv_cert_policy p;
    policy_of(SELF_POLICY, &p);
    struct mv_cert_import imp = {.policy = &p, .mat = km, .issue = is};
    ck_assert_int_eq(mv_store_cert_import(st, "demo", "k", &imp, T0, NULL), MV_E_NAME_IN_USE);
    ck_assert_int_eq(begin(st, "c", false, T0, NULL), MV_OK);
    ck_assert_int_eq(begin(st, "c", false, T0, NULL), MV_E_OP_IN_PROGRESS);
    ck_assert_int_eq(mv_store_cert_import(st, "demo", "c", &imp, T0, NULL), MV_E_OP_IN_PROGRESS);
    ck_assert_int_eq(
        mv_store_cert_begin(st, "nope", "c", &(struct mv_cert_begin){.policy = &p}, T0, NULL, NULL),
        MV_E_NO_VAULT);
    /* Failed operations leave the state as it was: one cert, its pending version. */
    const struct mv_data *d = mv_store_rdlock(st);
    ck_assert_uint_eq(mv_data_vault(d, "demo")->ncerts, 1);
    ck_assert_uint_eq(mv_vault_object(mv_data_vault(d, "demo"), MV_OBJ_CERT, "c")->nversions, 1);
    mv_store_unlock(st);
    mv_cert_policy_finish(&p);
    mv_keymat_unref(km);
    mv_store_destroy(st);
}
END_TEST

/* ---- The operation object ---- */

START_TEST(test_operation)
{
    struct mv_store *st = make_store();
    struct mv_cert_op *op = NULL;
    char version[33];

    ck_assert_int_eq(mv_store_cert_op_get(st, "demo", "c", &op), MV_E_NOT_FOUND);
    ck_assert_int_eq(begin(st, "c", false, T0, version), MV_OK);
    /* Cancel answers the flag at once, the status turns cancelled when settled (row 9). */
    ck_assert_int_eq(mv_store_cert_op_cancel(st, "demo", "c", T0, &op), MV_OK);
    ck_assert(op->cancellation_requested);
    ck_assert_int_eq(op->status, MV_COP_IN_PROGRESS);
    mv_cert_op_free(op);
    ck_assert_int_eq(mv_store_cert_settle(st, "demo", "c", T0), MV_OK);
    ck_assert_int_eq(mv_store_cert_op_get(st, "demo", "c", &op), MV_OK);
    ck_assert_int_eq(op->status, MV_COP_CANCELLED);
    ck_assert_ptr_null(op->mat);
    mv_cert_op_free(op);
    ck_assert_int_eq(mv_store_cert_op_cancel(st, "demo", "c", T0, NULL), MV_E_OP_NOT_IN_PROGRESS);
    /* Delete answers the operation as it was; then there is none, and no "pending". */
    ck_assert_int_eq(mv_store_cert_op_delete(st, "demo", "c", &op), MV_OK);
    ck_assert_str_eq(op->version, version);
    mv_cert_op_free(op);
    ck_assert_int_eq(mv_store_cert_op_get(st, "demo", "c", NULL), MV_E_NO_OP);
    ck_assert_int_eq(mv_store_cert_op_delete(st, "demo", "c", NULL), MV_E_NO_OP);
    ck_assert_int_eq(mv_store_cert_settle(st, "demo", "c", T0), MV_OK);
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_CERT, "demo", "c", NULL, &view), MV_OK);
    ck_assert_ptr_null(view.pending);
    ck_assert_ptr_nonnull(view.policy);
    mv_object_view_finish(&view);

    /* A failed operation carries its error (spec §7: .NET needs it). */
    ck_assert_int_eq(begin(st, "c", true, T0 + 1, NULL), MV_OK);
    ck_assert_int_eq(mv_store_cert_fail(st, "demo", "c", "Request rejected", "No.", T0 + 2), MV_OK);
    ck_assert_int_eq(mv_store_cert_op_get(st, "demo", "c", &op), MV_OK);
    ck_assert_int_eq(op->status, MV_COP_FAILED);
    ck_assert_str_eq(op->error_code, "Request rejected");
    ck_assert_str_eq(op->error_message, "No.");
    mv_cert_op_free(op);
    ck_assert_int_eq(mv_store_cert_fail(st, "demo", "c", "x", "y", T0), MV_E_OP_NOT_IN_PROGRESS);
    mv_store_destroy(st);
}
END_TEST

/* ---- Import, update, policy ---- */

START_TEST(test_import_update_policy)
{
    struct mv_store *st = make_store();
    struct mv_cert_policy p, got;
    struct mv_object_view view;
    struct mv_keymat *km = ec_mat(9);
    struct mv_tags tags = {.present = true, .n = 1, .items = &(struct mv_tag){"a", "b"}};

    policy_of("{\"key_props\":{\"exportable\":false}}", &p);
    struct mv_cert_import imp = {.policy = &p, .mat = km, .issue = issue_abc(T0 - DAY, T0 + DAY)};
    imp.issue.tags = &tags;
    ck_assert_int_eq(mv_store_cert_import(st, "demo", "imp", &imp, T0, &view), MV_OK);
    ck_assert_ptr_null(view.pending); /* imports leave no operation */
    ck_assert_ptr_nonnull(view.policy);
    ck_assert_str_eq(view.policy->issuer_name, "Unknown");
    ck_assert_int_eq(view.v.nbf, T0 - DAY);
    ck_assert_str_eq(view.v.tags.items[0].value, "b");
    char version[33];
    memcpy(version, view.v.id, 33);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "imp", version, &view), MV_OK);
    ck_assert(!view.v.key->exportable && view.v.managed);
    ck_assert_str_eq(view.v.tags.items[0].name, "a");
    mv_object_view_finish(&view);

    /* Update mirrors enabled and tags to the key and secret; the answer carries the policy. */
    struct mv_tags t2 = {.present = true};
    struct mv_cert_update upd = {
        .has_tags = true, .tags = &t2, .has_enabled = true, .enabled = false};
    ck_assert_int_eq(mv_store_cert_update(st, "demo", "imp", version, &upd, T0 + 7, &view), MV_OK);
    ck_assert(!view.v.enabled && view.v.updated == T0 + 7 && view.v.tags.n == 0);
    ck_assert_ptr_nonnull(view.policy);
    mv_object_view_finish(&view);
    for (int t = MV_OBJ_SECRET; t <= MV_OBJ_KEY; t++) {
        ck_assert_int_eq(mv_store_get(st, (enum mv_objtype)t, "demo", "imp", NULL, &view), MV_OK);
        ck_assert(!view.v.enabled && view.v.updated == T0 + 7 && view.v.tags.n == 0);
        mv_object_view_finish(&view);
    }
    ck_assert_int_eq(mv_store_cert_update(st, "demo", "imp", "0123", &upd, T0, NULL),
                     MV_E_VERSION_NOT_FOUND);

    /* The policy: replaced with created kept, updated now. */
    ck_assert_int_eq(mv_store_cert_policy_get(st, "demo", "imp", &got), MV_OK);
    ck_assert_int_eq(got.created, T0);
    mv_cert_policy_finish(&got);
    mv_cert_policy_finish(&p);
    policy_of(SELF_POLICY, &p);
    ck_assert_int_eq(mv_store_cert_policy_set(st, "demo", "imp", &p, T0 + 9, &got), MV_OK);
    ck_assert_int_eq(got.created, T0);
    ck_assert_int_eq(got.updated, T0 + 9);
    ck_assert_str_eq(got.issuer_name, "Self");
    mv_cert_policy_finish(&got);
    ck_assert_int_eq(mv_store_cert_policy_get(st, "demo", "nope", &got), MV_E_NOT_FOUND);

    /* A re-import adds a version and removes the operation object of an earlier create. */
    ck_assert_int_eq(begin(st, "imp", true, T0 + 10, NULL), MV_OK);
    ck_assert_int_eq(mv_store_cert_settle(st, "demo", "imp", T0), MV_OK);
    ck_assert_int_eq(mv_store_cert_fail(st, "demo", "imp", "c", "m", T0 + 11), MV_OK);
    ck_assert_int_eq(mv_store_cert_import(st, "demo", "imp", &imp, T0 + 12, NULL), MV_OK);
    ck_assert_int_eq(mv_store_cert_op_get(st, "demo", "imp", NULL), MV_E_NO_OP);
    mv_cert_policy_finish(&p);
    mv_keymat_unref(km);
    mv_store_destroy(st);
}
END_TEST

/* ---- Managed objects ---- */

START_TEST(test_managed_refusals)
{
    struct mv_store *st = make_store();
    struct mv_keymat *km = ec_mat(4);
    char version[33];
    make_cert(st, "tls", T0, version);

    struct mv_secret_input sin = {.value = "x"};
    struct mv_secret_update su = {.has_enabled = true, .enabled = false};
    struct mv_key_input kin = {.mat = km};
    struct mv_key_update ku = {.has_enabled = true, .enabled = false};
    struct mv_rotation_policy rp = {0};
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "TLS", &sin, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "tls", NULL, &su, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "tls", version, &su, T0, NULL),
                     MV_E_MANAGED);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "tls", T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_create_key(st, "demo", "tls", &kin, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_update_key(st, "demo", "tls", NULL, &ku, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "tls", km, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "tls", &rp, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "tls", T0, NULL), MV_E_MANAGED);
    /* A pending-only certificate holds its name for the key and secret too. */
    ck_assert_int_eq(begin(st, "pending", false, T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_set_secret(st, "demo", "pending", &sin, T0, NULL), MV_E_MANAGED);
    ck_assert_int_eq(mv_store_create_key(st, "demo", "pending", &kin, T0, NULL), MV_E_MANAGED);
    /* A backup of the managed secret cannot be restored as a plain one. */
    struct mv_object *b = NULL;
    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_SECRET, "demo", "tls", &b), MV_OK);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "locked", b, NULL), MV_E_MANAGED);
    mv_object_finish(b);
    free(b);
    /* Nothing changed: one version each, all enabled. */
    struct mv_object_view view;
    for (int t = MV_OBJ_SECRET; t <= MV_OBJ_CERT; t++) {
        ck_assert_int_eq(mv_store_get(st, (enum mv_objtype)t, "demo", "tls", NULL, &view), MV_OK);
        ck_assert_str_eq(view.v.id, version);
        ck_assert(view.v.enabled);
        mv_object_view_finish(&view);
    }
    mv_keymat_unref(km);
    mv_store_destroy(st);
}
END_TEST

/* The names a listing of family t (deleted or live) returns, comma-separated. */
static void list_names(struct mv_store *st, enum mv_objtype t, bool deleted, char *out, size_t n)
{
    struct mv_object_view *items = NULL;
    size_t count = 0;
    char *next = NULL;
    enum mv_err rc = deleted ? mv_store_list_deleted(st, t, "demo", NULL, 0, &items, &count, &next)
                             : mv_store_list(st, t, "demo", NULL, 0, &items, &count, &next);
    ck_assert_int_eq(rc, MV_OK);
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        strncat(out, items[i].name, n - strlen(out) - 1);
        strncat(out, ",", n - strlen(out) - 1);
    }
    mv_object_views_free(items, count);
    free(next);
}

START_TEST(test_cascade)
{
    struct mv_store *st = make_store();
    struct mv_object_view view;
    char names[256];
    make_cert(st, "tls", T0, NULL);
    set_value(st, "demo", "plain", "v", T0);

    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_CERT, "demo", "tls", T0 + 1, &view), MV_OK);
    ck_assert(view.deleted && view.deleted_date == T0 + 1);
    ck_assert_ptr_nonnull(view.policy); /* the deleted bundle has policy and pending */
    ck_assert_ptr_nonnull(view.pending);
    mv_object_view_finish(&view);
    for (int t = MV_OBJ_SECRET; t <= MV_OBJ_CERT; t++)
        ck_assert_int_eq(get(st, (enum mv_objtype)t, "tls", NULL), MV_E_NOT_FOUND);
    /* The key and secret went with the certificate, not to the deleted lists of their own. */
    list_names(st, MV_OBJ_SECRET, true, names, sizeof(names));
    ck_assert_str_eq(names, "");
    list_names(st, MV_OBJ_KEY, true, names, sizeof(names));
    ck_assert_str_eq(names, "");
    list_names(st, MV_OBJ_CERT, true, names, sizeof(names));
    ck_assert_str_eq(names, "tls,");
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_SECRET, "demo", "tls", NULL),
                     MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_KEY, "demo", "tls", NULL), MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "tls"), MV_E_NOT_DELETED);
    ck_assert_int_eq(begin(st, "tls", false, T0, NULL), MV_E_DELETED);

    /* Recover brings all three back. */
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_CERT, "demo", "tls", &view), MV_OK);
    ck_assert_ptr_nonnull(view.policy);
    mv_object_view_finish(&view);
    for (int t = MV_OBJ_SECRET; t <= MV_OBJ_CERT; t++)
        ck_assert_int_eq(get(st, (enum mv_objtype)t, "tls", NULL), MV_OK);
    list_names(st, MV_OBJ_SECRET, false, names, sizeof(names));
    ck_assert_str_eq(names, "plain,tls,"); /* live lists show managed secrets */

    /* Purge removes all three. */
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_CERT, "demo", "tls", T0 + 2, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_CERT, "demo", "tls"), MV_OK);
    const struct mv_data *d = mv_store_rdlock(st);
    const struct mv_vault *v = mv_data_vault(d, "demo");
    ck_assert_uint_eq(v->ncerts + v->nkeys, 0);
    ck_assert_uint_eq(v->nsecrets, 1);
    mv_store_unlock(st);
    /* The name is free again, for a plain secret too. */
    set_value(st, "demo", "tls", "plain now", T0 + 3);

    /* The scheduled purge takes all three at once. */
    make_cert(st, "auto", T0, NULL);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_CERT, "demo", "auto", T0, NULL), MV_OK);
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 90 * DAY - 1), 0);
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 90 * DAY), 3);
    d = mv_store_rdlock(st);
    v = mv_data_vault(d, "demo");
    ck_assert_uint_eq(v->ncerts + v->nkeys, 0);
    ck_assert_uint_eq(v->nsecrets, 2);
    mv_store_unlock(st);
    mv_store_destroy(st);
}
END_TEST

/* ---- Lists, backup and restore ---- */

START_TEST(test_list_backup_restore)
{
    struct mv_store *st = make_store();
    struct mv_object_view *items = NULL;
    size_t n = 0;
    char *next = NULL, v1[33], v2[33];

    make_cert(st, "b-done", T0, v1);
    ck_assert_int_eq(begin(st, "a-pending", false, T0, NULL), MV_OK);
    ck_assert_int_eq(begin(st, "b-done", true, T0 + 1, v2), MV_OK); /* a renewal under way */
    ck_assert_int_eq(mv_store_cert_list(st, "demo", false, false, NULL, 0, &items, &n, &next),
                     MV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(items[0].name, "b-done");
    ck_assert_str_eq(items[0].v.id, v1); /* the newest issued version */
    ck_assert_ptr_null(items[0].policy);
    mv_object_views_free(items, n);
    ck_assert_int_eq(mv_store_cert_list(st, "demo", false, true, NULL, 1, &items, &n, &next),
                     MV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(items[0].name, "a-pending");
    ck_assert_str_eq(next, "b-done");
    mv_object_views_free(items, n);
    char *marker = next;
    ck_assert_int_eq(mv_store_cert_list(st, "demo", false, true, marker, 1, &items, &n, &next),
                     MV_OK);
    ck_assert_str_eq(items[0].name, "b-done");
    ck_assert_ptr_null(next);
    mv_object_views_free(items, n);
    free(marker);

    /* Backup: all three objects with every version. */
    struct mv_object *c = NULL, *k = NULL, *s = NULL;
    ck_assert_int_eq(mv_store_cert_backup(st, "demo", "b-done", &c, &k, &s), MV_OK);
    ck_assert_uint_eq(c->nversions, 2);
    ck_assert_uint_eq(k->nversions, 1);
    ck_assert(s->versions[0].managed);
    ck_assert_ptr_nonnull(c->policy);
    ck_assert_ptr_nonnull(c->pending);
    ck_assert_int_eq(mv_store_cert_restore(st, "demo", c, k, s, NULL), MV_E_EXISTS);
    /* Restored in another vault: version ids and times kept, no operation object. */
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_cert_restore(st, "locked", c, k, s, &view), MV_OK);
    ck_assert_str_eq(view.v.id, v2);
    ck_assert_ptr_null(view.pending);
    ck_assert_ptr_nonnull(view.policy);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "locked", "b-done", v1, &view), MV_OK);
    ck_assert(view.v.managed);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_cert_op_get(st, "locked", "b-done", NULL), MV_E_NO_OP);

    /* A pending-only name backs up without key and secret. */
    ck_assert_int_eq(mv_store_cert_backup(st, "demo", "a-pending", &c, &k, &s), MV_OK);
    ck_assert_ptr_null(k);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(mv_store_cert_restore(st, "locked", c, NULL, NULL, NULL), MV_OK);
    mv_store_destroy(st);
}
END_TEST

/* ---- Contacts and issuers ---- */

START_TEST(test_contacts_issuers)
{
    struct mv_store *st = make_store();
    struct mv_cert_contact *c = NULL;
    size_t n = 0;

    ck_assert_int_eq(mv_store_contacts_get(st, "demo", &c, &n), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_contacts_delete(st, "demo", &c, &n), MV_E_NOT_FOUND);
    struct mv_cert_contact in[2] = {{.email = "a@contoso.com", .name = "A"},
                                    {.email = "b@contoso.com", .phone = "1"}};
    ck_assert_int_eq(mv_store_contacts_set(st, "demo", in, 2), MV_OK);
    ck_assert_int_eq(mv_store_contacts_get(st, "demo", &c, &n), MV_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(c[1].phone, "1");
    ck_assert_ptr_null(c[1].name);
    mv_cert_contacts_free(c, n);
    ck_assert_int_eq(mv_store_contacts_delete(st, "demo", &c, &n), MV_OK);
    ck_assert_uint_eq(n, 2);
    mv_cert_contacts_free(c, n);
    ck_assert_int_eq(mv_store_contacts_get(st, "demo", &c, &n), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_contacts_set(st, "nope", in, 2), MV_E_NO_VAULT);

    struct mv_cert_issuer is = {
        .name = "Zeta", .provider = "Test", .account_id = "acct", .pwd = "s3cret"};
    struct mv_cert_issuer out;
    ck_assert_int_eq(mv_store_issuer_set(st, "demo", &is, false, T0, &out), MV_OK);
    ck_assert(out.enabled && out.created == T0);
    mv_cert_issuer_finish(&out);
    is.name = "alpha";
    ck_assert_int_eq(mv_store_issuer_set(st, "demo", &is, false, T0, NULL), MV_OK);
    /* PUT over an existing issuer keeps created; PATCH keeps credentials it does not carry. */
    is = (struct mv_cert_issuer){.name = "zeta", .provider = "DigiCert"};
    ck_assert_int_eq(mv_store_issuer_set(st, "demo", &is, false, T0 + 5, &out), MV_OK);
    ck_assert_int_eq(out.created, T0);
    ck_assert_str_eq(out.name, "Zeta");
    ck_assert_ptr_null(out.account_id);
    mv_cert_issuer_finish(&out);
    is = (struct mv_cert_issuer){
        .name = "ALPHA", .has_enabled = true, .enabled = false, .has_org = true, .org_id = "org"};
    ck_assert_int_eq(mv_store_issuer_set(st, "demo", &is, true, T0 + 6, &out), MV_OK);
    ck_assert_str_eq(out.account_id, "acct");
    ck_assert_str_eq(out.pwd, "s3cret");
    ck_assert_str_eq(out.provider, "Test");
    ck_assert_str_eq(out.org_id, "org");
    ck_assert(!out.enabled && out.updated == T0 + 6);
    mv_cert_issuer_finish(&out);
    ck_assert_int_eq(
        mv_store_issuer_set(st, "demo", &(struct mv_cert_issuer){.name = "none"}, true, T0, NULL),
        MV_E_NOT_FOUND);
    struct mv_cert_issuer *list = NULL;
    ck_assert_int_eq(mv_store_issuers_list(st, "demo", &list, &n), MV_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0].name, "alpha"); /* sorted by lower-cased name */
    ck_assert_str_eq(list[1].name, "Zeta");
    mv_cert_issuers_free(list, n);
    ck_assert_int_eq(mv_store_issuer_delete(st, "demo", "ZETA", &out), MV_OK);
    ck_assert_str_eq(out.provider, "DigiCert");
    mv_cert_issuer_finish(&out);
    ck_assert_int_eq(mv_store_issuer_get(st, "demo", "zeta", NULL), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_issuer_get(st, "demo", "Alpha", &out), MV_OK);
    mv_cert_issuer_finish(&out);
    mv_store_destroy(st);
}
END_TEST

/* ---- Lifetime actions ---- */

struct seen {
    int calls;
    enum mv_cert_action_type type;
    char name[32], version[33];
};

static void on_due(void *ctx, const char *vault, const char *name, enum mv_cert_action_type type,
                   const char *version)
{
    struct seen *s = ctx;
    ck_assert_str_eq(vault, "demo");
    s->calls++;
    s->type = type;
    snprintf(s->name, sizeof(s->name), "%s", name);
    memcpy(s->version, version, 33);
}

START_TEST(test_actions_due)
{
    struct mv_store *st = make_store();
    struct seen seen = {0};
    char v1[33], v2[33];

    ck_assert_uint_eq(mv_store_cert_actions_due(st, T0, on_due, &seen), 0);
    /* Valid 100 days from T0, AutoRenew at 80 %: due at T0 + 80 days, once per version. */
    make_cert(st, "tls", T0, v1);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, T0 + 80 * DAY - 1, on_due, &seen), 0);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, T0 + 80 * DAY, on_due, &seen), 1);
    ck_assert_int_eq(seen.calls, 1);
    ck_assert_int_eq(seen.type, MV_CERT_AUTO_RENEW);
    ck_assert_str_eq(seen.name, "tls");
    ck_assert_str_eq(seen.version, v1);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, T0 + 81 * DAY, on_due, &seen), 0);
    ck_assert_int_eq(seen.calls, 1);
    /* The renewal's version is due at its own 80 %. */
    int64_t t1 = T0 + 81 * DAY;
    make_cert(st, "tls", t1, v2);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, t1 + 80 * DAY - 1, on_due, &seen), 0);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, t1 + 80 * DAY, on_due, &seen), 1);
    ck_assert_str_eq(seen.version, v2);

    /* days_before_expiry, EmailContacts; deleted certificates have no due actions. */
    struct mv_cert_policy p;
    policy_of("{\"lifetime_actions\":[{\"trigger\":{\"days_before_expiry\":10},\"action\":{"
              "\"action_type\":\"EmailContacts\"}}]}",
              &p);
    ck_assert_int_eq(mv_store_cert_policy_set(st, "demo", "tls", &p, t1, NULL), MV_OK);
    mv_cert_policy_finish(&p);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, t1 + 90 * DAY - 1, on_due, &seen), 0);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, t1 + 90 * DAY, NULL, NULL), 1);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, t1 + 91 * DAY, on_due, &seen), 0);
    make_cert(st, "gone", T0, NULL);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_CERT, "demo", "gone", T0, NULL), MV_OK);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, T0 + 99 * DAY, on_due, &seen), 0);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_CERT, "demo", "gone", NULL), MV_OK);
    ck_assert_uint_eq(mv_store_cert_actions_due(st, T0 + 99 * DAY, on_due, &seen), 1);
    ck_assert_str_eq(seen.name, "gone");
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_persist_and_clone)
{
    struct mv_store *st = make_store();
    struct persist_counter pc = {0};
    mv_store_set_persist(st, count_persist, &pc);
    make_cert(st, "tls", T0, NULL); /* begin + complete */
    ck_assert_int_eq(pc.calls, 2);
    ck_assert_int_eq(mv_store_cert_settle(st, "demo", "tls", T0), MV_OK); /* nothing to settle */
    ck_assert_int_eq(pc.calls, 2);
    struct mv_cert_contact c = {.email = "a@b.c"};
    ck_assert_int_eq(mv_store_contacts_set(st, "demo", &c, 1), MV_OK);
    ck_assert_int_eq(pc.calls, 3);
    pc.fail = 1;
    ck_assert_int_eq(begin(st, "two", false, T0, NULL), MV_E_PERSIST);

    /* A deep copy of a certificate object owns its policy, operation and DER. */
    const struct mv_data *d = mv_store_rdlock(st);
    const struct mv_object *o = mv_vault_object(mv_data_vault(d, "demo"), MV_OBJ_CERT, "tls");
    struct mv_object *copy = mv_object_clone(o);
    ck_assert_ptr_nonnull(copy);
    ck_assert_ptr_ne(copy->policy, o->policy);
    ck_assert_ptr_ne(copy->pending, o->pending);
    ck_assert_ptr_ne(copy->versions[0].cert->der, o->versions[0].cert->der);
    ck_assert_mem_eq(copy->versions[0].cert->der, DER_ABC, 3);
    ck_assert_str_eq(copy->policy->subject, "CN=a");
    mv_store_unlock(st);
    mv_object_finish(copy);
    free(copy);
    mv_store_destroy(st);
}
END_TEST

static Suite *store_certs_suite(void)
{
    Suite *s = suite_create("store-certs");
    TCase *tc = tcase_create("certs");
    tcase_add_test(tc, test_create_complete);
    tcase_add_test(tc, test_create_errors);
    tcase_add_test(tc, test_operation);
    tcase_add_test(tc, test_import_update_policy);
    tcase_add_test(tc, test_managed_refusals);
    tcase_add_test(tc, test_cascade);
    tcase_add_test(tc, test_list_backup_restore);
    tcase_add_test(tc, test_contacts_issuers);
    tcase_add_test(tc, test_actions_due);
    tcase_add_test(tc, test_persist_and_clone);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(store_certs_suite(), false);
}
