/* test-store-persist.c: the state dir's SQLite rows (model/persist.h, issue 14) against the store's
 * writes: after every kind of write (secrets, keys with rotation, soft delete, recover, purge, the
 * scheduled purge, restore, vault access, replace; certificates with their managed key and secret,
 * the operation, contacts and issuers) the state read back from the database is the
 * store's, export for export, which fails when a write does not report what it changed; a commit
 * that fails answers MV_E_PERSIST and leaves memory and disk as they were; a JSON snapshot
 * (state.json, as earlier versions wrote it) is migrated and kept under its new name. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "keymat.h"
#include "store-certs.h"
#include "x509.h"
#include "log.h"
#include "persist.h"
#include "state.h"
#include "store-common.h"
#include "util.h"

static char dir[64];
static struct mv_clock clock_;
static struct mv_log log_;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mvt-persist-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    mv_clock_init(&clock_);
    mv_log_init(&log_, stderr, MV_LOG_TEXT);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    mv_log_destroy(&log_);
    mv_clock_finish(&clock_);
}

static struct mv_persist *open_p(void)
{
    struct mv_persist *p = NULL;
    char err[256];
    ck_assert_msg(mv_persist_open(dir, &clock_, &log_, &p, err, sizeof err) == 0, "%s", err);
    return p;
}

static char *export_text(const struct mv_data *d)
{
    cJSON *j = mv_state_export(d);
    char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    ck_assert_ptr_nonnull(s);
    return s;
}

static struct mv_data *fixture(void)
{
    char err[256];
    struct mv_data *d =
        mv_state_load_file(MV_SOURCE_ROOT "/fixtures/default.json", T0, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

/* Asserts the database holds exactly the store's state (what a restart would serve). */
static void same_as_saved(struct mv_persist *p, struct mv_store *st, const char *after)
{
    struct mv_data *saved = NULL;
    char err[256];
    ck_assert_msg(mv_persist_load(p, &saved, err, sizeof err) == 0, "%s: %s", after, err);
    ck_assert_msg(saved != NULL, "%s: the database holds a state", after);
    char *a = export_text(saved);
    char *b = export_text(mv_store_rdlock(st));
    mv_store_unlock(st);
    ck_assert_msg(strcmp(a, b) == 0, "after %s the saved state is the store's", after);
    cx_free_wiped(a);
    cx_free_wiped(b);
    mv_data_free(saved);
}

static struct mv_store *saved_store(struct mv_persist *p)
{
    char err[256];
    struct mv_data *d = fixture();
    ck_assert_msg(mv_persist_save_all(p, d, err, sizeof err) == 0, "%s", err);
    struct mv_store *st = mv_store_create(d);
    ck_assert_ptr_nonnull(st);
    mv_persist_attach(p, st);
    return st;
}

static struct mv_keymat *ec_mat(unsigned char seed_byte)
{
    struct mv_key_spec spec = {.kty = MV_KTY_EC, .crv = MV_CRV_P256};
    unsigned char seed[32];
    struct mv_keymat *km = NULL;
    memset(seed, seed_byte, sizeof seed);
    ck_assert_int_eq(mv_keymat_generate(&spec, seed, sizeof seed, &km), MV_KM_OK);
    return km;
}

START_TEST(test_rows_follow_every_write)
{
    struct mv_persist *p = open_p();
    struct mv_store *st = saved_store(p);
    struct mv_tag tag = {.name = "env", .value = "test"};
    struct mv_tags tags = {.present = true, .n = 1, .items = &tag};
    struct mv_secret_update upd = {.has_tags = true, .tags = &tags, .has_enabled = true};
    struct mv_object *b = NULL;

    same_as_saved(p, st, "the first save");
    set_value(st, "demo", "Row-One", "fake-1", T0);
    set_value(st, "demo", "row-one", "fake-2", T0 + 1); /* a second version, other case */
    set_value(st, "rbac-demo", "other", "fake-3", T0);
    same_as_saved(p, st, "set");
    ck_assert_int_eq(mv_store_update_secret(st, "demo", "ROW-ONE", NULL, &upd, T0 + 2, NULL),
                     MV_OK);
    same_as_saved(p, st, "update");
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "row-one", T0 + 3, NULL), MV_OK);
    same_as_saved(p, st, "delete");
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_SECRET, "demo", "row-one", NULL), MV_OK);
    same_as_saved(p, st, "recover");
    ck_assert_int_eq(mv_store_backup(st, MV_OBJ_SECRET, "demo", "row-one", &b), MV_OK);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "demo", "row-one", T0 + 4, NULL), MV_OK);
    ck_assert_int_eq(mv_store_purge(st, MV_OBJ_SECRET, "demo", "row-one"), MV_OK);
    same_as_saved(p, st, "purge");
    ck_assert_int_eq(mv_store_restore(st, MV_OBJ_SECRET, "demo", b, NULL), MV_OK);
    same_as_saved(p, st, "restore");

    /* Keys: create, update, rotate, a rotation policy and rotation on the clock. */
    struct mv_keymat *km = ec_mat(7), *km2 = ec_mat(8);
    struct mv_key_input kin = {.mat = km};
    ck_assert_int_eq(mv_store_create_key(st, "demo", "row-key", &kin, T0, NULL), MV_OK);
    struct mv_key_update kupd = {.has_enabled = true, .enabled = false};
    ck_assert_int_eq(mv_store_update_key(st, "demo", "row-key", NULL, &kupd, T0 + 1, NULL), MV_OK);
    ck_assert_int_eq(mv_store_rotate_key(st, "demo", "row-key", km2, T0 + 2, NULL), MV_OK);
    mv_keymat_unref(km);
    mv_keymat_unref(km2);
    same_as_saved(p, st, "key writes");
    struct mv_rotation_policy pol = {.nactions = 1};
    pol.actions[0] = (struct mv_rotation_action){.type = MV_ROT_ROTATE, .after_create = true};
    strcpy(pol.actions[0].duration, "P1D");
    ck_assert(mv_duration_parse("P1D", &pol.actions[0].seconds));
    ck_assert_int_eq(mv_store_set_rotation_policy(st, "demo", "row-key", &pol, T0 + 3, NULL),
                     MV_OK);
    same_as_saved(p, st, "rotation policy");
    ck_assert_uint_eq(mv_store_rotation_due(st, T0 + 3 + 2 * DAY, NULL, NULL), 1);
    same_as_saved(p, st, "rotation on the clock");

    /* Certificates: a version's certificate, managed key and managed secret are three rows that
     * change together (create, complete, update, the cascade of delete and recover), beside the
     * name's operation and policy; contacts and issuers are the vault's row. */
    struct mv_cert_policy cp = {0};
    char err[256];
    cJSON *pj = cJSON_Parse("{\"x509_props\":{\"subject\":\"CN=row\"},\"issuer\":{\"name\":"
                            "\"Self\"},\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-256\"},"
                            "\"secret_props\":{\"contentType\":\"application/x-pem-file\"}}");
    ck_assert_ptr_nonnull(pj);
    ck_assert_msg(mv_cert_policy_parse(pj, NULL, &cp, err, sizeof err) == 0, "%s", err);
    cJSON_Delete(pj);
    struct mv_keymat *cm = ec_mat(9);
    unsigned char *csr = NULL, *der = NULL;
    size_t csr_len = 0, der_len = 0;
    ck_assert_int_eq(mv_x509_csr(&cp, cm, &csr, &csr_len), MV_X509_OK);
    struct mv_cert_begin beg = {.policy = &cp, .mat = cm, .csr = csr, .csr_len = csr_len};
    ck_assert_int_eq(mv_store_cert_begin(st, "demo", "row-cert", &beg, T0, NULL, NULL), MV_OK);
    same_as_saved(p, st, "certificate create");
    ck_assert_int_eq(mv_x509_self_signed(&cp, cm, T0, &der, &der_len), MV_X509_OK);
    const unsigned char *certs[1] = {der};
    size_t lens[1] = {der_len};
    char *pem = NULL;
    ck_assert_int_eq(mv_x509_write_pem(cm, certs, lens, 1, &pem), MV_X509_OK);
    struct mv_cert_issue iss = {.der = der,
                                .der_len = der_len,
                                .secret_value = pem,
                                .secret_content_type = "application/x-pem-file",
                                .nbf = T0 - 600,
                                .exp = T0 + 365 * DAY};
    ck_assert_int_eq(mv_store_cert_complete(st, "demo", "row-cert", &iss, T0 + 1, NULL), MV_OK);
    same_as_saved(p, st, "certificate complete");
    struct mv_cert_update cu = {.has_enabled = true, .enabled = false};
    ck_assert_int_eq(mv_store_cert_update(st, "demo", "row-cert", NULL, &cu, T0 + 2, NULL), MV_OK);
    same_as_saved(p, st, "certificate update (mirrored to its key and secret)");
    ck_assert_int_eq(mv_store_cert_policy_set(st, "demo", "row-cert", &cp, T0 + 3, NULL), MV_OK);
    struct mv_cert_op *op = NULL;
    ck_assert_int_eq(mv_store_cert_op_delete(st, "demo", "row-cert", &op), MV_OK);
    mv_cert_op_free(op);
    same_as_saved(p, st, "policy and operation");
    struct mv_cert_contact contact = {.email = "ops@example.com", .name = "Ops"};
    ck_assert_int_eq(mv_store_contacts_set(st, "demo", &contact, 1), MV_OK);
    struct mv_cert_issuer issuer = {.name = "row-issuer", .provider = "Test", .enabled = true};
    ck_assert_int_eq(mv_store_issuer_set(st, "demo", &issuer, false, T0, NULL), MV_OK);
    same_as_saved(p, st, "contacts and issuers");
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_CERT, "demo", "row-cert", T0 + 4, NULL), MV_OK);
    same_as_saved(p, st, "certificate delete (its key and secret with it)");
    ck_assert_int_eq(mv_store_recover(st, MV_OBJ_CERT, "demo", "row-cert", NULL), MV_OK);
    same_as_saved(p, st, "certificate recover");
    mv_cert_policy_finish(&cp);
    mv_keymat_unref(cm);
    free(csr);
    free(der);
    cx_free_wiped(pem);

    /* The scheduled purge of rbac-demo (7 days), vault access, and a whole replacement. */
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_SECRET, "rbac-demo", "other", T0, NULL), MV_OK);
    ck_assert_int_eq(mv_store_delete(st, MV_OBJ_KEY, "demo", "row-key", T0, NULL), MV_OK);
    same_as_saved(p, st, "deletes");
    ck_assert_uint_ge(mv_store_purge_due(st, T0 + 91 * DAY), 2);
    same_as_saved(p, st, "the scheduled purge");
    struct mv_vault src = {0};
    ck_assert_int_eq(mv_store_set_vault_access(st, "demo", &src, true, true), MV_OK);
    struct mv_data *tmp = calloc(1, sizeof *tmp);
    tmp->nvaults = 1;
    tmp->vaults = calloc(1, sizeof *tmp->vaults);
    tmp->vaults[0] = src; /* the old arrays, freed as data */
    mv_data_free(tmp);
    same_as_saved(p, st, "vault access");
    ck_assert_int_eq(mv_store_replace(st, fixture()), MV_OK);
    same_as_saved(p, st, "replace");

    mv_store_destroy(st);
    mv_persist_close(p);
}
END_TEST

/* A commit that fails (here every write of the process fails with EFBIG, as on a full or
 * read-only disk) answers MV_E_PERSIST; the store is back to the saved state, and writes resume
 * when the disk does. Nothing is asserted while the limit is on: Check writes its results to a
 * file too. */
START_TEST(test_failed_commit_rolls_back)
{
    struct mv_persist *p = open_p();
    struct mv_store *st = saved_store(p);
    struct rlimit old, one;
    struct mv_secret_input in = {.value = "fake-refused"};
    enum mv_err set_rc, version_rc, get_rc, get2_rc;
    struct mv_object_view view = {0};

    set_value(st, "demo", "kept", "fake-kept", T0);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_IGN);
    one = old;
    one.rlim_cur = 1;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &one), 0);
    set_rc = mv_store_set_secret(st, "demo", "refused", &in, T0 + 1, NULL);
    version_rc = mv_store_set_secret(st, "demo", "kept", &in, T0 + 1, NULL);
    get_rc = mv_store_get(st, MV_OBJ_SECRET, "demo", "refused", NULL, NULL);
    get2_rc = mv_store_get(st, MV_OBJ_SECRET, "demo", "kept", NULL, &view);
    setrlimit(RLIMIT_FSIZE, &old);

    ck_assert_int_eq(set_rc, MV_E_PERSIST);
    ck_assert_int_eq(version_rc, MV_E_PERSIST);
    ck_assert_int_eq(get_rc, MV_E_NOT_FOUND);
    ck_assert_int_eq(get2_rc, MV_OK);
    ck_assert_str_eq(view.v.value, "fake-kept");
    mv_object_view_finish(&view);
    same_as_saved(p, st, "the refused writes");
    set_value(st, "demo", "after", "fake-after", T0 + 2);
    same_as_saved(p, st, "a write once the disk works again");
    mv_store_destroy(st);
    mv_persist_close(p);
}
END_TEST

/* state.json as earlier versions wrote it (the export, unformatted, mode 0600) is migrated: the
 * database holds the same state, the old file stays as state.json.migrated, and a second open
 * reads the database. */
START_TEST(test_migrate_json_snapshot)
{
    char json[128], migrated[128], err[256];
    struct mv_data *d = fixture(), *got = NULL;
    struct stat sb;

    snprintf(json, sizeof json, "%s/%s", dir, MV_PERSIST_JSON);
    snprintf(migrated, sizeof migrated, "%s/%s", dir, MV_PERSIST_JSON_MIGRATED);
    char *text = export_text(d);
    ck_assert_int_eq(cx_write_file_atomic(json, text, strlen(text), 0600), 0);

    struct mv_persist *p = open_p();
    ck_assert_int_eq(mv_persist_load(p, &got, err, sizeof err), 0);
    ck_assert_ptr_null(got); /* a new database holds no state */
    ck_assert_msg(mv_persist_migrate(p, json, migrated, &got, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_nonnull(got);
    mv_data_free(got);
    mv_persist_close(p);
    ck_assert_int_ne(stat(json, &sb), 0);
    ck_assert_int_eq(stat(migrated, &sb), 0);
    snprintf(json, sizeof json, "%s/%s", dir, MV_PERSIST_DB);
    ck_assert_int_eq(stat(json, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);

    p = open_p();
    got = NULL;
    ck_assert_int_eq(mv_persist_load(p, &got, err, sizeof err), 0);
    ck_assert_ptr_nonnull(got);
    char *again = export_text(got);
    ck_assert_msg(strcmp(text, again) == 0, "the migrated state is the snapshot's");
    cx_free_wiped(again);
    cx_free_wiped(text);
    mv_data_free(got);
    mv_data_free(d);
    mv_persist_close(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store-persist");
    TCase *tc = tcase_create("sqlite");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_rows_follow_every_write);
    tcase_add_test(tc, test_failed_commit_rolls_back);
    tcase_add_test(tc, test_migrate_json_snapshot);
    suite_add_tcase(s, tc);
    return mvt_run(s, false);
}
