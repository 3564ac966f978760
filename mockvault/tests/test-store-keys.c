/* test-store-keys.c: unit tests of the keys family in the store: create and import (defaults,
 * new versions, the deleted-name refusal), update, rotate, the rotation policy and rotation on a
 * fake clock, the shared operations (soft delete, recover, purge, list, versions, backup,
 * restore) on keys, errors that leave the state unchanged, and the persist hook
 * (store-common.h). */
#include <stdlib.h>
#include <string.h>

#include "keymat.h"
#include "state.h"
#include "store-common.h"
#include "util.h"

/* ---- Helpers ---- */

/* A key of the given spec, from a fixed seed so runs are repeatable (seed_byte varies it). */
static struct mv_keymat *make_mat(enum mv_kty kty, unsigned bits, enum mv_crv crv,
                                  unsigned char seed_byte)
{
    struct mv_key_spec spec = {.kty = kty, .bits = bits, .crv = crv};
    unsigned char seed[32];
    memset(seed, seed_byte, sizeof(seed));
    struct mv_keymat *km = NULL;
    ck_assert_int_eq(mv_keymat_generate(&spec, seed, sizeof(seed), &km), MV_KM_OK);
    return km;
}

static struct mv_keymat *ec_mat(unsigned char seed_byte)
{
    return make_mat(MV_KTY_EC, 0, MV_CRV_P256, seed_byte);
}

/* Creates name in demo with defaults at now; returns the new version's id in id (33 bytes). */
static void create_ec(struct mv_store *st, const char *name, int64_t now, char *id)
{
    struct mv_keymat *km = ec_mat((unsigned char)now);
    struct mv_key_input in = {.mat = km};
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_create_key(st, "demo", name, &in, now, &view), MV_OK);
    if (id != NULL)
        memcpy(id, view.v.id, 33);
    mv_object_view_finish(&view);
    mv_keymat_unref(km); /* the store holds its own reference */
}

/* The store's state as the snapshot writes it (caller frees). */
static char *snapshot(struct mv_store *st)
{
    cJSON *j = mv_state_export(mv_store_rdlock(st));
    mv_store_unlock(st);
    ck_assert_ptr_nonnull(j);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* The number of versions of key name in demo (0 when absent). */
static size_t nversions(struct mv_store *st, const char *name)
{
    const struct mv_data *d = mv_store_rdlock(st);
    const struct mv_object *k = mv_vault_object(mv_data_vault(d, "demo"), MV_OBJ_KEY, name);
    size_t n = k != NULL ? k->nversions : 0;
    mv_store_unlock(st);
    return n;
}

/* ---- Create and import ---- */

START_TEST(test_create_defaults)
{
    struct mv_store *st = make_store();
    struct mv_keymat *rsa = make_mat(MV_KTY_RSA, 2048, MV_CRV_NONE, 1);
    struct mv_key_input in = {.mat = rsa};
    struct mv_object_view view;

    ck_assert_int_eq(mv_store_create_key(st, "demo", "Rsa-Key", &in, T0, &view), MV_OK);
    ck_assert_str_eq(view.name, "Rsa-Key");
    ck_assert_ptr_nonnull(view.v.key);
    ck_assert_ptr_null(view.v.value);
    /* The view holds a reference to the stored material, never a copy of the private key. */
    ck_assert_ptr_eq(view.v.key->mat, rsa);
    ck_assert(view.v.enabled);
    ck_assert(!view.v.has_nbf && !view.v.has_exp);
    ck_assert_int_eq(view.v.created, T0);
    ck_assert_int_eq(view.v.updated, T0);
    ck_assert(!view.v.tags.present);
    ck_assert(!view.v.key->hsm && !view.v.key->exportable);
    ck_assert_ptr_null(view.v.key->release);
    /* Key Vault's default key_ops for RSA, in its order (spec §2). */
    static const unsigned char rsa_ops[] = {MV_KOP_ENCRYPT, MV_KOP_DECRYPT, MV_KOP_SIGN,
                                            MV_KOP_VERIFY,  MV_KOP_WRAP,    MV_KOP_UNWRAP};
    ck_assert_uint_eq(view.v.key->nops, 6);
    ck_assert_mem_eq(view.v.key->ops, rsa_ops, 6);
    ck_assert(cx_is_hex(view.v.id, 32, CX_HEX_LOWER));
    char first[33];
    memcpy(first, view.v.id, 33);
    mv_object_view_finish(&view);

    /* A secret of the same name is another family: it neither sees nor hides the key. */
    set_value(st, "demo", "rsa-key", "fake", T0);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "RSA-KEY", NULL, &view), MV_OK);
    ck_assert_str_eq(view.v.id, first);
    ck_assert_ptr_null(view.v.value);
    mv_object_view_finish(&view);

    /* EC defaults, and a create on an existing name adds the current version. */
    struct mv_keymat *ec = ec_mat(2);
    struct mv_tags tags = {.present = true};
    struct mv_release_policy rp = {.content_type = "application/json; charset=utf-8",
                                   .data = "eyJ2ZXJzaW9uIjoiMS4wLjAifQ"};
    in = (struct mv_key_input){.mat = ec,
                               .hsm = true,
                               .tags = &tags,
                               .has_enabled = true,
                               .enabled = false,
                               .has_exp = true,
                               .exp = T0 + DAY,
                               .exportable = true,
                               .release = &rp};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "rsa-key", &in, T0 + 5, NULL), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "rsa-key", "", &view), MV_OK);
    ck_assert_str_ne(view.v.id, first);
    ck_assert_str_eq(view.name, "Rsa-Key"); /* the name keeps its first spelling */
    ck_assert_ptr_eq(view.v.key->mat, ec);
    ck_assert_uint_eq(view.v.key->nops, 2);
    ck_assert_int_eq(view.v.key->ops[0], MV_KOP_SIGN);
    ck_assert_int_eq(view.v.key->ops[1], MV_KOP_VERIFY);
    ck_assert(view.v.key->hsm && view.v.key->exportable);
    ck_assert(!view.v.enabled);
    ck_assert(view.v.has_exp);
    ck_assert_int_eq(view.v.exp, T0 + DAY);
    ck_assert(view.v.tags.present);
    ck_assert_uint_eq(view.v.tags.n, 0);
    /* The release policy was copied, not borrowed. */
    ck_assert_ptr_nonnull(view.v.key->release);
    ck_assert_ptr_ne(view.v.key->release->data, rp.data);
    ck_assert_str_eq(view.v.key->release->data, rp.data);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "rsa-key", first, &view), MV_OK);
    ck_assert_ptr_eq(view.v.key->mat, rsa);
    mv_object_view_finish(&view);
    ck_assert_uint_eq(nversions(st, "rsa-key"), 2);

    /* Explicit key_ops are kept in the order given. */
    unsigned char ops[] = {MV_KOP_VERIFY, MV_KOP_SIGN};
    struct mv_keymat *ec3 = ec_mat(3);
    in = (struct mv_key_input){.mat = ec3, .has_ops = true, .ops = ops, .nops = 2};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "ordered", &in, T0, &view), MV_OK);
    ck_assert_uint_eq(view.v.key->nops, 2);
    ck_assert_int_eq(view.v.key->ops[0], MV_KOP_VERIFY);
    mv_object_view_finish(&view);
    /* The caller's references are its own to release; the store keeps the material alive. */
    mv_keymat_unref(rsa);
    mv_keymat_unref(ec);
    mv_keymat_unref(ec3);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "rsa-key", first, &view), MV_OK);
    ck_assert_uint_eq(mv_keymat_bits(view.v.key->mat), 2048);
    mv_object_view_finish(&view);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_create_errors_leave_state)
{
    struct mv_store *st = make_store();
    create_ec(st, "gone", T0, NULL);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "gone", T0 + 1, NULL), MV_OK);
    char *before = snapshot(st);

    /* The caller's reference stays the caller's on every result (ASan reports a double free or a
     * leak if the store got this wrong). */
    struct mv_keymat *km = ec_mat(9);
    struct mv_key_input in = {.mat = km};
    struct mv_object_view view = {0};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "GONE", &in, T0 + 2, &view), MV_E_DELETED);
    ck_assert_ptr_null(view.name);
    ck_assert_int_eq(mv_store_create_key(st, "nope", "k", &in, T0 + 2, &view), MV_E_NO_VAULT);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "gone", km, T0 + 2, &view), MV_E_NOT_FOUND);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "absent", km, T0 + 2, &view), MV_E_NOT_FOUND);
    struct mv_key_update upd = {.has_enabled = true};
    ck_assert_int_eq(mv_store_update_key(st, "demo", "gone", NULL, &upd, T0 + 2, &view),
                     MV_E_NOT_FOUND);
    struct mv_rotation_policy pol = {.nactions = 0};
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "gone", &pol, T0, NULL),
                     MV_E_NOT_FOUND);
    bool set = true;
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "gone", &pol, &set), MV_E_NOT_FOUND);
    /* A key is not a secret: the secrets' operations do not see it. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "gone", NULL, NULL), MV_E_NOT_FOUND);
    char *after = snapshot(st);
    ck_assert_str_eq(before, after);
    mv_keymat_unref(km);
    free(before);
    free(after);
    mv_store_destroy(st);
}
END_TEST

/* ---- Update ---- */

START_TEST(test_update)
{
    struct mv_store *st = make_store();
    char v1[33], v2[33];
    create_ec(st, "k", T0, v1);
    create_ec(st, "k", T0 + 1, v2);
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "k", v1, &view), MV_OK);
    const struct mv_keymat *mat1 = view.v.key->mat;
    mv_object_view_finish(&view);

    unsigned char ops[] = {MV_KOP_VERIFY};
    struct mv_tag tag = {.name = "foo", .value = "updated tag"};
    struct mv_tags tags = {.present = true, .n = 1, .items = &tag};
    struct mv_release_policy rp = {
        .content_type = "application/json; charset=utf-8", .data = "e30", .immutable = true};
    struct mv_key_update upd = {.has_ops = true,
                                .ops = ops,
                                .nops = 1,
                                .has_tags = true,
                                .tags = &tags,
                                .has_enabled = true,
                                .enabled = false,
                                .has_exp = true,
                                .exp = 2524723200,
                                .has_release = true,
                                .release = &rp};
    ck_assert_int_eq(mv_store_update_key(st, "demo", "k", v1, &upd, T0 + 10, &view), MV_OK);
    ck_assert_str_eq(view.v.id, v1);
    ck_assert_int_eq(view.v.updated, T0 + 10);
    ck_assert_int_eq(view.v.created, T0);
    ck_assert_uint_eq(view.v.key->nops, 1);
    ck_assert_int_eq(view.v.key->ops[0], MV_KOP_VERIFY);
    ck_assert(!view.v.enabled);
    ck_assert_int_eq(view.v.exp, 2524723200);
    ck_assert_str_eq(view.v.tags.items[0].value, "updated tag");
    ck_assert(view.v.key->release->immutable);
    /* Key material never changes on update. */
    ck_assert_ptr_eq(view.v.key->mat, mat1);
    mv_object_view_finish(&view);

    /* The other version is untouched; an empty version means the current one. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "k", v2, &view), MV_OK);
    ck_assert(view.v.enabled);
    ck_assert_uint_eq(view.v.key->nops, 2);
    mv_object_view_finish(&view);
    struct mv_key_update clear = {.has_release = true, .release = NULL};
    ck_assert_int_eq(mv_store_update_key(st, "demo", "k", "", &clear, T0 + 11, NULL), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "k", v1, &view), MV_OK);
    ck_assert_ptr_nonnull(view.v.key->release);
    mv_object_view_finish(&view);

    char *before = snapshot(st);
    ck_assert_int_eq(mv_store_update_key(st, "demo", "k", "0123456789abcdef0123456789abcdef", &upd,
                                         T0 + 12, NULL),
                     MV_E_VERSION_NOT_FOUND);
    ck_assert_int_eq(mv_store_update_key(st, "demo", "missing", NULL, &upd, T0 + 12, NULL),
                     MV_E_NOT_FOUND);
    char *after = snapshot(st);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    mv_store_destroy(st);
}
END_TEST

/* ---- Rotate and the rotation policy ---- */

/* A policy: Rotate timeAfterCreate P30D and Notify timeBeforeExpiry P10D, expiryTime P90D. */
static struct mv_rotation_policy make_policy(void)
{
    struct mv_rotation_policy p = {.nactions = 2, .has_expiry = true};
    p.actions[0] = (struct mv_rotation_action){.type = MV_ROT_ROTATE, .after_create = true};
    strcpy(p.actions[0].duration, "P30D");
    ck_assert(mv_duration_parse("P30D", &p.actions[0].seconds));
    p.actions[1] = (struct mv_rotation_action){.type = MV_ROT_NOTIFY, .after_create = false};
    strcpy(p.actions[1].duration, "P10D");
    ck_assert(mv_duration_parse("P10D", &p.actions[1].seconds));
    strcpy(p.expiry, "P90D");
    ck_assert(mv_duration_parse("P90D", &p.expiry_seconds));
    return p;
}

START_TEST(test_rotate)
{
    struct mv_store *st = make_store();
    struct mv_keymat *km = make_mat(MV_KTY_EC, 0, MV_CRV_P384, 4);
    unsigned char ops[] = {MV_KOP_SIGN};
    struct mv_tag tag = {.name = "env", .value = "prod"};
    struct mv_tags tags = {.present = true, .n = 1, .items = &tag};
    struct mv_key_input in = {
        .mat = km, .hsm = true, .has_ops = true, .ops = ops, .nops = 1, .tags = &tags};
    char v1[33];
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_create_key(st, "demo", "k", &in, T0, &view), MV_OK);
    memcpy(v1, view.v.id, 33);
    mv_object_view_finish(&view);

    struct mv_keymat *next = make_mat(MV_KTY_EC, 0, MV_CRV_P384, 5);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "k", next, T0 + 100, &view), MV_OK);
    ck_assert_str_ne(view.v.id, v1);
    ck_assert_ptr_eq(view.v.key->mat, next);
    ck_assert(view.v.key->hsm);
    ck_assert_uint_eq(view.v.key->nops, 1);
    ck_assert_int_eq(view.v.key->ops[0], MV_KOP_SIGN);
    ck_assert_str_eq(view.v.tags.items[0].value, "prod");
    ck_assert(view.v.enabled);
    ck_assert(!view.v.has_exp); /* no policy: no expiry */
    ck_assert_int_eq(view.v.created, T0 + 100);
    mv_object_view_finish(&view);
    ck_assert_uint_eq(nversions(st, "k"), 2);

    /* With a policy, the new version expires expiryTime after the rotation [DOC]. */
    struct mv_rotation_policy p = make_policy();
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "k", &p, T0 + 200, NULL), MV_OK);
    struct mv_keymat *third = make_mat(MV_KTY_EC, 0, MV_CRV_P384, 6);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "k", third, T0 + 300, &view), MV_OK);
    ck_assert(view.v.has_exp);
    ck_assert_int_eq(view.v.exp, T0 + 300 + 90 * DAY);
    mv_object_view_finish(&view);
    mv_keymat_unref(km);
    mv_keymat_unref(next);
    mv_keymat_unref(third);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_rotation_policy)
{
    struct mv_store *st = make_store();
    create_ec(st, "k", T0, NULL);
    struct mv_rotation_policy got;
    bool set = true;
    memset(&got, 0x5a, sizeof(got));
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "k", &got, &set), MV_OK);
    ck_assert(!set); /* never set: the caller answers the default */

    struct mv_rotation_policy p = make_policy(), out;
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "k", &p, T0 + 5, &out), MV_OK);
    ck_assert_int_eq(out.created, T0 + 5);
    ck_assert_int_eq(out.updated, T0 + 5);
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "K", &got, &set), MV_OK);
    ck_assert(set);
    ck_assert_uint_eq(got.nactions, 2);
    ck_assert_str_eq(got.actions[0].duration, "P30D");
    ck_assert_int_eq(got.actions[1].seconds, 10 * DAY);
    ck_assert_str_eq(got.expiry, "P90D");

    /* A replacement keeps the creation time. */
    p.nactions = 1;
    p.has_expiry = false;
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "k", &p, T0 + 9, &out), MV_OK);
    ck_assert_int_eq(out.created, T0 + 5);
    ck_assert_int_eq(out.updated, T0 + 9);
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "k", &got, &set), MV_OK);
    ck_assert_uint_eq(got.nactions, 1);
    ck_assert(!got.has_expiry);
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "missing", &got, &set),
                     MV_E_NOT_FOUND);
    mv_store_destroy(st);
}
END_TEST

struct events {
    int rotates, notifies;
    char last_name[64];
    char last_version[33];
};

static void record_event(void *ctx, const char *vault, const char *name, enum mv_rotation_type type,
                         const char *version)
{
    struct events *e = ctx;
    ck_assert_str_eq(vault, "demo");
    if (type == MV_ROT_ROTATE)
        e->rotates++;
    else
        e->notifies++;
    snprintf(e->last_name, sizeof(e->last_name), "%s", name);
    snprintf(e->last_version, sizeof(e->last_version), "%s", version);
}

START_TEST(test_rotation_due)
{
    struct mv_store *st = make_store();
    struct events ev = {0};
    struct persist_counter pc = {0};
    mv_store_set_persist(st, count_persist, &pc);

    /* No policy anywhere: nothing to do, however far the clock goes. */
    create_ec(st, "auto", T0, NULL);
    create_ec(st, "manual", T0, NULL);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 1000 * DAY, record_event, &ev), 0);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 1000 * DAY, record_event, &ev), 0);
    ck_assert_int_eq(ev.rotates + ev.notifies, 0);

    /* Rotate 30 days after create, Notify 10 days before expiry (new versions expire after
     * 90 days). */
    struct mv_rotation_policy p = make_policy();
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "auto", &p, T0, NULL), MV_OK);
    int calls = pc.calls;
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 30 * DAY - 1, record_event, &ev), 0);
    ck_assert_int_eq(pc.calls, calls);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 30 * DAY, record_event, &ev), 1);
    ck_assert_int_eq(ev.rotates, 1);
    ck_assert_int_eq(pc.calls, calls + 1); /* the new version was persisted */
    ck_assert_str_eq(ev.last_name, "auto");
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "auto", NULL, &view), MV_OK);
    ck_assert_str_eq(view.v.id, ev.last_version);
    ck_assert_int_eq(view.v.created, T0 + 30 * DAY);
    ck_assert_int_eq(view.v.exp, T0 + 120 * DAY);
    struct mv_key_spec spec;
    mv_keymat_spec(view.v.key->mat, &spec);
    ck_assert_int_eq(spec.kty, MV_KTY_EC);
    ck_assert_int_eq(spec.crv, MV_CRV_P256);
    mv_object_view_finish(&view);
    ck_assert_uint_eq(nversions(st, "auto"), 2);
    ck_assert_uint_eq(nversions(st, "manual"), 1);

    /* Once done, the same instant does nothing more; the next rotation is 30 days after the
     * rotated version was created. */
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 30 * DAY, record_event, &ev), 0);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 60 * DAY - 1, record_event, &ev), 0);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 60 * DAY, NULL, NULL), 1);
    ck_assert_uint_eq(nversions(st, "auto"), 3);
    ck_assert_int_eq(ev.rotates, 1); /* no callback given, none called */

    /* A Notify-only policy: fires once, 10 days before the current version's exp, naming it. */
    struct mv_keymat *km = ec_mat(11);
    struct mv_key_input in = {.mat = km, .has_exp = true, .exp = T0 + 100 * DAY};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "watched", &in, T0, &view), MV_OK);
    char watched[33];
    memcpy(watched, view.v.id, 33);
    mv_object_view_finish(&view);
    mv_keymat_unref(km);
    struct mv_rotation_policy notify = p;
    notify.actions[0] = p.actions[1];
    notify.nactions = 1;
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "watched", &notify, T0, NULL), MV_OK);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 60 * DAY, record_event, &ev), 0);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 90 * DAY - 1, record_event, &ev), 0);
    ck_assert_int_eq(ev.notifies, 0);
    /* At T0 + 90 days the Notify is due, and so is auto's third rotation. */
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 90 * DAY, record_event, &ev), 2);
    ck_assert_int_eq(ev.notifies, 1);
    ck_assert_int_eq(ev.rotates, 2);
    ck_assert_uint_eq(nversions(st, "watched"), 1);
    ck_assert_uint_eq(nversions(st, "auto"), 4);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 95 * DAY, record_event, &ev), 0);
    ck_assert_int_eq(ev.notifies, 1);
    bool set;
    struct mv_rotation_policy got;
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "watched", &got, &set), MV_OK);
    ck_assert_str_eq(got.notified, watched);

    /* A soft-deleted key does not rotate; recovered, it does again. */
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "auto", T0 + 96 * DAY, NULL), MV_OK);
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 200 * DAY, record_event, &ev), 0);
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_KEY, "demo", "auto", NULL), MV_OK);
    /* Both of its actions are due by now: the Notify (for the version made at T0 + 90 days,
     * which expires at T0 + 180) and the rotation. */
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 200 * DAY, record_event, &ev), 2);
    ck_assert_int_eq(ev.notifies, 2);
    ck_assert_int_eq(ev.rotates, 3);
    ck_assert_uint_eq(nversions(st, "auto"), 5);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_durations)
{
    int64_t s = 0;
    ck_assert(mv_duration_parse("P90D", &s));
    ck_assert_int_eq(s, 90 * DAY);
    ck_assert(mv_duration_parse("P1Y2M3W4DT5H6M7S", &s));
    ck_assert_int_eq(s, 365 * DAY + 60 * DAY + 21 * DAY + 4 * DAY + 5 * 3600 + 6 * 60 + 7);
    ck_assert(mv_duration_parse("PT12H", &s));
    ck_assert_int_eq(s, 12 * 3600);
    ck_assert(mv_duration_parse("P1M", &s));
    ck_assert_int_eq(s, 30 * DAY);
    static const char *const bad[] = {
        "",     "P",    "PT",    "P0D",  "90D", "P90",           "P1D2Y",   "P1DT",
        "p90d", "P-1D", "P1.5D", "PT1D", "P1H", "P99999999999D", "P10001Y", "P1DT1H1H",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!mv_duration_parse(bad[i], &s), "'%s' accepted", bad[i]);
    ck_assert(!mv_duration_parse(NULL, &s));
}
END_TEST

/* ---- The shared operations on keys ---- */

START_TEST(test_soft_delete_list_purge)
{
    struct mv_store *st = make_store();
    char v1[33];
    create_ec(st, "alpha", T0, v1);
    create_ec(st, "alpha", T0 + 1, NULL);
    create_ec(st, "Beta", T0, NULL);
    create_ec(st, "gamma", T0, NULL);
    set_value(st, "demo", "alpha", "fake", T0);

    struct mv_object_view *items = NULL;
    size_t n = 0;
    char *next = NULL;
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_KEY, "demo", NULL, 2, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(items[0].name, "alpha");
    ck_assert_str_eq(items[1].name, "Beta");
    ck_assert_ptr_nonnull(items[0].v.key);
    ck_assert_ptr_nonnull(next);
    mv_object_views_free(items, n);
    char *marker = next;
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_KEY, "demo", marker, 2, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(items[0].name, "gamma");
    ck_assert_ptr_null(next);
    mv_object_views_free(items, n);
    free(marker);
    ck_assert_int_eq(
        mv_store_list_versions(st, MV_OBJ_KEY, "demo", "ALPHA", NULL, 0, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 2);
    mv_object_views_free(items, n);

    struct mv_object_view view;
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "alpha", T0 + 10, &view), MV_OK);
    ck_assert(view.deleted);
    ck_assert_int_eq(view.deleted_date, T0 + 10);
    ck_assert_int_eq(view.scheduled_purge_date, T0 + 10 + 90 * DAY);
    ck_assert_ptr_nonnull(view.v.key);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "alpha", NULL, NULL), MV_E_NOT_FOUND);
    /* The secret of the same name is unaffected. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "demo", "alpha", NULL, NULL), MV_OK);
    ck_assert_int_eq(mv_store_get_deleted(st, MV_OBJ_KEY, "demo", "alpha", &view), MV_OK);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_list_deleted(st, MV_OBJ_KEY, "demo", NULL, 0, &items, &n, &next),
                     MV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(items[0].name, "alpha");
    mv_object_views_free(items, n);
    ck_assert_int_eq(mv_store_list(st, MV_OBJ_KEY, "demo", NULL, 0, &items, &n, &next), MV_OK);
    ck_assert_uint_eq(n, 2);
    mv_object_views_free(items, n);

    /* Recover brings back all versions. */
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_KEY, "demo", "alpha", &view), MV_OK);
    ck_assert(!view.deleted);
    mv_object_view_finish(&view);
    ck_assert_uint_eq(nversions(st, "alpha"), 2);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "alpha", v1, NULL), MV_OK);

    /* Purge, and the purge on the clock. */
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_KEY, "demo", "alpha"), MV_E_NOT_DELETED);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "alpha", T0 + 20, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_KEY, "demo", "alpha"), MV_OK);
    ck_assert_uint_eq(nversions(st, "alpha"), 0);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "gamma", T0 + 30, NULL), MV_OK);
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 30 + 90 * DAY - 1), 0);
    ck_assert_uint_eq(mv_store_purge_due(st, T0 + 30 + 90 * DAY), 1);
    ck_assert_uint_eq(nversions(st, "gamma"), 0);
    ck_assert_uint_eq(nversions(st, "Beta"), 1);
    /* A purged name can be created again. */
    create_ec(st, "alpha", T0 + 40, NULL);
    ck_assert_uint_eq(nversions(st, "alpha"), 1);
    mv_store_destroy(st);
}
END_TEST

START_TEST(test_backup_restore)
{
    struct mv_store *st = make_store();
    char v1[33], v2[33];
    create_ec(st, "k", T0, v1);
    create_ec(st, "k", T0 + 1, v2);
    struct mv_rotation_policy p = make_policy();
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "k", &p, T0 + 2, NULL), MV_OK);

    struct mv_object *b = NULL;
    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_KEY, "demo", "k", &b), MV_OK);
    ck_assert_uint_eq(b->nversions, 2);
    ck_assert_ptr_nonnull(b->rotation);
    ck_assert_str_eq(b->rotation->actions[0].duration, "P30D");
    ck_assert_ptr_nonnull(b->versions[0].key);
    ck_assert_ptr_nonnull(b->versions[0].key->mat);

    /* Occupied names, live or deleted, refuse the restore; the blob stays the caller's. */
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_KEY, "demo", b, NULL), MV_E_EXISTS);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "k", T0 + 3, NULL), MV_OK);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_KEY, "demo", b, NULL), MV_E_EXISTS);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_KEY, "demo", "k"), MV_OK);

    /* The key comes back with its version ids, times and policy, in another vault too. */
    struct mv_object *b2 = mv_object_clone(b);
    ck_assert_ptr_nonnull(b2);
    struct mv_object_view view;
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_KEY, "demo", b, &view), MV_OK);
    ck_assert_str_eq(view.v.id, v2);
    ck_assert_int_eq(view.v.created, T0 + 1);
    mv_object_view_finish(&view);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "k", v1, NULL), MV_OK);
    bool set = false;
    struct mv_rotation_policy got;
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "k", &got, &set), MV_OK);
    ck_assert(set);
    ck_assert_int_eq(got.created, T0 + 2);
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_KEY, "locked", b2, NULL), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "locked", "k", v1, NULL), MV_OK);
    /* Restored into a vault, the key is not a secret there. */
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_SECRET, "locked", "k", NULL, NULL), MV_E_NOT_FOUND);
    mv_store_destroy(st);
}
END_TEST

/* With --seed, keys made over the API (create, rotate, rotation on the clock) repeat from run to
 * run as version ids do; without one they come from the system's random source. */
static void ec_x(unsigned char out[32])
{
    struct mv_key_spec spec = {MV_KTY_EC, 0, MV_CRV_P256};
    struct mv_keymat *km = NULL;
    struct mv_jwk_out pub;

    memset(&pub, 0, sizeof(pub));
    ck_assert_int_eq(mv_key_generate(&spec, &km), MV_KM_OK);
    ck_assert_int_eq(mv_keymat_public(km, &pub), MV_KM_OK);
    ck_assert_uint_eq(pub.x_len, 32);
    memcpy(out, pub.x, 32);
    mv_jwk_out_finish(&pub);
    mv_keymat_unref(km);
}

START_TEST(test_generate_follows_seed)
{
    unsigned char a[32], b[32], c[32], d[32];

    mv_rand_seed(4242);
    ec_x(a);
    ec_x(b);
    mv_rand_seed(4242);
    ec_x(c);
    mv_rand_unseed();
    ec_x(d);
    ck_assert(memcmp(a, b, 32) != 0); /* the stream moves on between keys */
    ck_assert(memcmp(a, c, 32) == 0); /* the same seed and order give the same key */
    ck_assert(memcmp(a, d, 32) != 0);
}
END_TEST

START_TEST(test_persist_hook)
{
    struct mv_store *st = make_store();
    struct persist_counter pc = {0};
    mv_store_set_persist(st, count_persist, &pc);
    create_ec(st, "k", T0, NULL);
    ck_assert_int_eq(pc.calls, 1);
    struct mv_key_update upd = {.has_enabled = true, .enabled = false};
    ck_assert_int_eq(mv_store_update_key(st, "demo", "k", NULL, &upd, T0, NULL), MV_OK);
    ck_assert_int_eq(pc.calls, 2);
    struct mv_keymat *next = ec_mat(7);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "k", next, T0, NULL), MV_OK);
    mv_keymat_unref(next);
    ck_assert_int_eq(pc.calls, 3);
    struct mv_rotation_policy p = make_policy();
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "k", &p, T0, NULL), MV_OK);
    ck_assert_int_eq(pc.calls, 4);
    /* Reads do not persist. */
    bool set;
    ck_assert_int_eq(mv_store_get_rotation_policy(st, "demo", "k", &p, &set), MV_OK);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "k", NULL, NULL), MV_OK);
    ck_assert_int_eq(pc.calls, 4);

    /* A failing save is reported, and the change stays in memory (store.h). */
    pc.fail = 1;
    struct mv_keymat *km = ec_mat(8);
    struct mv_key_input in = {.mat = km};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "k", &in, T0 + 1, NULL), MV_E_PERSIST);
    mv_keymat_unref(km); /* the version kept in memory holds its own reference */
    ck_assert_uint_eq(nversions(st, "k"), 3);
    ck_assert_int_eq(mv_store_get(st, MV_OBJ_KEY, "demo", "k", NULL, NULL), MV_OK);
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "k", &p, T0, NULL), MV_E_PERSIST);
    mv_store_destroy(st);
}
END_TEST

static Suite *store_keys_suite(void)
{
    Suite *s = suite_create("store-keys");
    TCase *tc = tcase_create("keys");
    tcase_add_test(tc, test_create_defaults);
    tcase_add_test(tc, test_create_errors_leave_state);
    tcase_add_test(tc, test_update);
    tcase_add_test(tc, test_rotate);
    tcase_add_test(tc, test_rotation_policy);
    tcase_add_test(tc, test_rotation_due);
    tcase_add_test(tc, test_durations);
    suite_add_tcase(s, tc);
    tc = tcase_create("shared");
    tcase_add_test(tc, test_soft_delete_list_purge);
    tcase_add_test(tc, test_backup_restore);
    tcase_add_test(tc, test_persist_hook);
    tcase_add_test(tc, test_generate_follows_seed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return mvt_run(store_keys_suite(), false);
}
