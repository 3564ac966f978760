/* state-secrets.c: a vault's secrets and their versions, and one secret alone as a backup
 * blob carries it. */
#include "state-int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- Secrets and versions ---- */

static const char *const version_fields[] = {
    "value", "contentType", "tags", "enabled", "nbf", "exp", "created", "updated", "id", NULL,
};

static const char *const live_secret_fields[] = {"name", "versions", NULL};
static const char *const deleted_secret_fields[] = {
    "name", "deletedDate", "scheduledPurgeDate", "versions", NULL,
};

int st_parse_version_attrs(struct pctx *c, const cJSON *j, struct mv_version *v)
{
    char *id = NULL;
    bool has_created = false, has_updated = false;
    int rc = -1;

    v->enabled = true;
    if (st_parse_tags(c, j, &v->tags) != 0 || st_get_bool(c, j, "enabled", &v->enabled) != 0 ||
        st_get_time(c, j, "nbf", &v->has_nbf, &v->nbf) != 0 ||
        st_get_time(c, j, "exp", &v->has_exp, &v->exp) != 0 ||
        st_get_time(c, j, "created", &has_created, &v->created) != 0 ||
        st_get_time(c, j, "updated", &has_updated, &v->updated) != 0 ||
        st_get_str(c, j, "id", false, false, &id) != 0)
        goto out;
    if (id != NULL) {
        if (!cx_is_hex(id, 32, CX_HEX_LOWER)) {
            size_t old = st_path_key(c, "id");
            st_fail(c, "invalid version id '%s' (exactly 32 lowercase hex characters, 0-9 a-f)",
                    st_show(id).s);
            st_path_pop(c, old);
            goto out;
        }
        memcpy(v->id, id, 33);
    }
    if (!has_created) {
        if (!c->has_now) {
            size_t old = st_path_key(c, "created");
            st_fail(c, "required field is missing");
            st_path_pop(c, old);
            goto out;
        }
        v->created = c->now;
    }
    if (!has_updated)
        v->updated = v->created;
    rc = 0;
out:
    free(id);
    return rc;
}

static int parse_secret_version(struct pctx *c, const cJSON *j, struct mv_version *v, size_t i,
                                void *arg)
{
    (void)i;
    (void)arg;
    if (st_expect_object(c, j, version_fields) != 0 ||
        st_get_str(c, j, "value", true, false, &v->value) != 0 ||
        st_get_str(c, j, "contentType", false, false, &v->content_type) != 0 ||
        st_parse_version_attrs(c, j, v) != 0)
        return -1;
    if (cx_utf8_count(v->value) > MAX_VALUE_CHARS) {
        size_t old = st_path_key(c, "value");
        st_fail(c, "'value' is longer than %d characters, the Key Vault limit", MAX_VALUE_CHARS);
        st_path_pop(c, old);
        return -1;
    }
    if (v->content_type != NULL && cx_utf8_count(v->content_type) > MAX_CONTENT_TYPE_CHARS) {
        size_t old = st_path_key(c, "contentType");
        st_fail(c, "'contentType' is longer than %d characters, the Key Vault limit",
                MAX_CONTENT_TYPE_CHARS);
        st_path_pop(c, old);
        return -1;
    }
    return 0;
}

const struct st_family st_secret_family = {
    .word = "secret",
    .live_fields = live_secret_fields,
    .deleted_fields = deleted_secret_fields,
    .parse_version = parse_secret_version,
};

/* Looks up a version id among s's first n versions. */
static bool has_version_id(const struct mv_object *s, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s->versions[i].id, id) == 0)
            return true;
    }
    return false;
}

int st_parse_object(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                    int retention_days, const struct st_family *fam, void *arg)
{
    const cJSON *versions;
    bool has_deleted = false, has_purge = false;

    if (st_expect_object(c, j, kind == SECRET_LIVE ? fam->live_fields : fam->deleted_fields) != 0 ||
        st_get_str(c, j, "name", true, false, &s->name) != 0 ||
        st_get_time(c, j, "deletedDate", &has_deleted, &s->deleted_date) != 0 ||
        st_get_time(c, j, "scheduledPurgeDate", &has_purge, &s->scheduled_purge_date) != 0 ||
        st_get_array(c, j, "versions", &versions) != 0)
        return -1;
    if (!st_valid_secret_name(s->name)) {
        size_t old = st_path_key(c, "name");
        st_fail(c, "invalid %s name '%s' (1 to %d characters of 0-9, a-z, A-Z and '-')", fam->word,
                st_show(s->name).s, MAX_SECRET_NAME);
        st_path_pop(c, old);
        return -1;
    }

    if (kind == SECRET_DELETED) {
        s->deleted = true;
        if (!has_deleted)
            s->deleted_date = c->now;
        if (!has_purge)
            s->scheduled_purge_date = s->deleted_date + (int64_t)retention_days * SECONDS_PER_DAY;
    } else if (kind == SECRET_BLOB && (has_deleted || has_purge)) {
        /* A blob has no vault to take the retention from, so it must say both dates. */
        if (!has_deleted || !has_purge) {
            size_t old = st_path_key(c, has_deleted ? "scheduledPurgeDate" : "deletedDate");
            st_fail(c,
                    "required field is missing (a deleted %s needs deletedDate and "
                    "scheduledPurgeDate)",
                    fam->word);
            st_path_pop(c, old);
            return -1;
        }
        s->deleted = true;
    }

    size_t old = st_path_key(c, "versions");
    if (versions == NULL || cJSON_GetArraySize(versions) == 0) {
        if (versions == NULL)
            st_fail(c, "required field is missing");
        else
            st_fail(c, "a %s needs at least one version", fam->word);
        return -1;
    }
    s->versions = st_alloc_items(c, versions, sizeof(*s->versions), &s->nversions);
    if (c->failed)
        return -1;
    size_t i = 0;
    for (const cJSON *it = versions->child; it != NULL; it = it->next, i++) {
        size_t o2 = st_path_index(c, i);
        if (fam->parse_version(c, it, &s->versions[i], i, arg) != 0)
            return -1;
        if (s->versions[i].id[0] != '\0' && has_version_id(s, i, s->versions[i].id)) {
            st_path_key(c, "id");
            st_fail(c, "duplicate version id '%s' in this %s", s->versions[i].id, fam->word);
            return -1;
        }
        st_path_pop(c, o2);
    }
    st_path_pop(c, old);
    /* Ids are generated after all given ones are known, so a generated id can never take one
     * that a later version names explicitly. */
    for (i = 0; i < s->nversions; i++) {
        while (s->versions[i].id[0] == '\0') {
            char id[33];
            mv_rand_hex32(id);
            if (!has_version_id(s, s->nversions, id))
                memcpy(s->versions[i].id, id, sizeof(id));
        }
    }
    return 0;
}

int st_parse_secret(struct pctx *c, const cJSON *j, struct mv_object *s, enum secret_kind kind,
                    int retention_days)
{
    return st_parse_object(c, j, s, kind, retention_days, &st_secret_family, NULL);
}

struct mv_object *st_object_from_json(const cJSON *j, st_blob_fn parse, char *err, size_t errlen)
{
    struct pctx c = {
        .source = "backup blob",
        .has_now = false,
        .own = true, /* only a blob the mock sealed gets here: its AEAD tag was checked */
        .err = err,
        .errlen = errlen,
        .path = "$",
        .plen = 1,
    };
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    struct mv_object *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        st_fail(&c, "out of memory");
        return NULL;
    }
    if (j == NULL || parse(&c, j, s) != 0) {
        if (j == NULL)
            st_fail(&c, "expected an object, found nothing");
        mv_object_finish(s);
        free(s);
        return NULL;
    }
    return s;
}

/* A blob: retention matters only for deleted entries without a purge date, which a blob cannot
 * have (it must give both dates). */
static int parse_secret_blob(struct pctx *c, const cJSON *j, struct mv_object *s)
{
    return st_parse_secret(c, j, s, SECRET_BLOB, MAX_RETENTION_DAYS);
}

struct mv_object *mv_state_secret_from_json(const cJSON *j, char *err, size_t errlen)
{
    return st_object_from_json(j, parse_secret_blob, err, errlen);
}
