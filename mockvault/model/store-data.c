/* store-data.c: the data tree's memory: freeing (secret material wiped first) and deep copies. */
#include "store-int.h"

#include "keymat.h"
#include "store-certs.h"

#include <stdlib.h>
#include <string.h>

/* ---- Small helpers ---- */

/* Duplicates src into *dst. A NULL src gives a NULL *dst and is not an error. Returns 0, or -1
 * when out of memory. */
int sto_dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    *dst = strdup(src);
    return *dst != NULL ? 0 : -1;
}

/* Secret material is wiped before its memory goes back to the allocator, so it does not linger
 * in freed heap pages (core dumps, later allocations). */
static void free_secret_string(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

static void strv_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- Freeing ---- */

void mv_tags_finish(struct mv_tags *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].name);
        free(t->items[i].value);
    }
    free(t->items);
    memset(t, 0, sizeof(*t));
}

void mv_release_policy_free(struct mv_release_policy *p)
{
    if (p == NULL)
        return;
    free(p->content_type);
    free(p->data);
    free(p);
}

static void key_info_free(struct mv_key_info *k)
{
    if (k == NULL)
        return;
    /* The material wipes its private parts when its last reference goes. */
    mv_keymat_unref(k->mat);
    mv_release_policy_free(k->release);
    free(k);
}

static void cert_info_free(struct mv_cert_info *c)
{
    if (c == NULL)
        return;
    free(c->der);
    free(c);
}

static void policy_free(struct mv_cert_policy *p)
{
    mv_cert_policy_finish(p);
    free(p);
}

void mv_version_finish(struct mv_version *v)
{
    if (v == NULL)
        return;
    free_secret_string(v->value);
    free(v->content_type);
    key_info_free(v->key);
    cert_info_free(v->cert);
    mv_tags_finish(&v->tags);
    memset(v, 0, sizeof(*v));
}

void mv_object_finish(struct mv_object *s)
{
    if (s == NULL)
        return;
    free(s->name);
    for (size_t i = 0; i < s->nversions; i++)
        mv_version_finish(&s->versions[i]);
    free(s->versions);
    free(s->rotation);
    policy_free(s->policy);
    mv_cert_op_free(s->pending);
    memset(s, 0, sizeof(*s));
}

static void app_finish(struct mv_app *a)
{
    free(a->display_name);
    free(a->client_id);
    free(a->object_id);
    for (size_t i = 0; i < a->nsecrets; i++)
        free_secret_string(a->secrets[i].value);
    free(a->secrets);
    strv_free(a->graph_roles, a->ngraph_roles);
    for (size_t i = 0; i < a->ncertificates; i++)
        free(a->certificates[i].pem);
    free(a->certificates);
    memset(a, 0, sizeof(*a));
}

static void identity_finish(struct mv_managed_identity *m)
{
    free(m->name);
    free(m->client_id);
    free(m->object_id);
    free(m->resource_id);
    memset(m, 0, sizeof(*m));
}

static void user_finish(struct mv_user *u)
{
    free(u->id);
    free(u->display_name);
    free(u->user_principal_name);
    memset(u, 0, sizeof(*u));
}

static void tenant_finish(struct mv_tenant *t)
{
    free(t->id);
    free(t->domain);
    for (size_t i = 0; i < t->napps; i++)
        app_finish(&t->apps[i]);
    free(t->apps);
    for (size_t i = 0; i < t->nidentities; i++)
        identity_finish(&t->identities[i]);
    free(t->identities);
    for (size_t i = 0; i < t->nusers; i++)
        user_finish(&t->users[i]);
    free(t->users);
    for (size_t i = 0; i < t->nsubscriptions; i++) {
        free(t->subscriptions[i].id);
        free(t->subscriptions[i].display_name);
    }
    free(t->subscriptions);
    memset(t, 0, sizeof(*t));
}

static void vault_finish(struct mv_vault *v)
{
    free(v->name);
    free(v->tenant_id);
    free(v->location);
    strv_free(v->aliases, v->naliases);
    for (size_t i = 0; i < v->npolicies; i++) {
        free(v->policies[i].tenant_id);
        free(v->policies[i].object_id);
        free(v->policies[i].application_id);
    }
    free(v->policies);
    for (size_t i = 0; i < v->nroles; i++) {
        free(v->roles[i].principal_id);
        free(v->roles[i].role);
        free(v->roles[i].scope);
    }
    free(v->roles);
    for (size_t i = 0; i < v->nsecrets; i++)
        mv_object_finish(&v->secrets[i]);
    free(v->secrets);
    for (size_t i = 0; i < v->nkeys; i++)
        mv_object_finish(&v->keys[i]);
    free(v->keys);
    for (size_t i = 0; i < v->ncerts; i++)
        mv_object_finish(&v->certs[i]);
    free(v->certs);
    mv_cert_contacts_free(v->contacts, v->ncontacts);
    mv_cert_issuers_free(v->issuers, v->nissuers);
    memset(v, 0, sizeof(*v));
}

void mv_data_free(struct mv_data *d)
{
    if (d == NULL)
        return;
    free(d->default_vault);
    for (size_t i = 0; i < d->ntenants; i++)
        tenant_finish(&d->tenants[i]);
    free(d->tenants);
    for (size_t i = 0; i < d->nvaults; i++)
        vault_finish(&d->vaults[i]);
    free(d->vaults);
    for (size_t i = 0; i < d->nauthorities; i++) {
        struct mv_attestation_authority *a = &d->authorities[i];
        free(a->authority);
        for (size_t k = 0; k < a->ncertificates; k++)
            free(a->certificates[k].pem);
        free(a->certificates);
        for (size_t k = 0; k < a->nkeys; k++) {
            free(a->keys[k].kid);
            free(a->keys[k].n);
            free(a->keys[k].e);
        }
        free(a->keys);
    }
    free(d->authorities);
    free(d);
}

/* ---- Deep copies ----
 * Each *_copy fills a zeroed dst. Arrays are calloc'ed with their final count set first, so on
 * failure the matching *_finish can release a half-built copy: unfilled slots are all zero. */

/* Copies one element of an array into a zeroed slot; returns 0, or -1 when out of memory (what it
 * has filled so far is left for the owner's *_finish). */
typedef int (*elem_copy_fn)(void *dst, const void *src);

/* Deep-copies the n elements of size bytes at src into a new calloc'ed array, with copy filling
 * each slot. out is the address of the destination's typed array pointer (struct mv_app ** and
 * so on) and count that of its count; both are set before any element is copied, as the section
 * comment above requires. The pointer is stored with memcpy so that one helper serves every
 * element type. Returns 0 (n == 0 leaves a NULL array), or -1 when out of memory. */
static int array_copy(void *out, size_t *count, const void *src, size_t n, size_t size,
                      elem_copy_fn copy)
{
    void *arr = NULL;
    memcpy(out, &arr, sizeof(arr));
    *count = 0;
    if (n == 0)
        return 0;
    arr = calloc(n, size);
    if (arr == NULL)
        return -1;
    memcpy(out, &arr, sizeof(arr));
    *count = n;
    for (size_t i = 0; i < n; i++) {
        if (copy((char *)arr + i * size, (const char *)src + i * size) != 0)
            return -1;
    }
    return 0;
}

static int tag_copy(void *dst, const void *src)
{
    struct mv_tag *c = dst;
    const struct mv_tag *t = src;
    if (sto_dup_opt(&c->name, t->name) != 0 || sto_dup_opt(&c->value, t->value) != 0)
        return -1;
    return 0;
}

int mv_tags_copy(struct mv_tags *dst, const struct mv_tags *src)
{
    memset(dst, 0, sizeof(*dst));
    if (src == NULL)
        return 0;
    dst->present = src->present;
    if (array_copy(&dst->items, &dst->n, src->items, src->n, sizeof(*src->items), tag_copy) != 0) {
        mv_tags_finish(dst);
        return -1;
    }
    return 0;
}

int mv_release_policy_copy(struct mv_release_policy **dst, const struct mv_release_policy *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    struct mv_release_policy *p = calloc(1, sizeof(*p));
    if (p == NULL || sto_dup_opt(&p->content_type, src->content_type) != 0 ||
        sto_dup_opt(&p->data, src->data) != 0) {
        mv_release_policy_free(p);
        return -1;
    }
    p->immutable = src->immutable;
    *dst = p;
    return 0;
}

/* A copy of a key's version data holding one more reference to the same (immutable) material:
 * views and backups never duplicate the private key. */
static int key_info_copy(struct mv_key_info **dst, const struct mv_key_info *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    struct mv_key_info *k = malloc(sizeof(*k));
    if (k == NULL)
        return -1;
    *k = *src;
    k->mat = NULL;
    k->release = NULL;
    if (mv_release_policy_copy(&k->release, src->release) != 0) {
        free(k);
        return -1;
    }
    k->mat = src->mat != NULL ? mv_keymat_ref(src->mat) : NULL;
    *dst = k;
    return 0;
}

static int cert_info_copy(struct mv_cert_info **dst, const struct mv_cert_info *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    struct mv_cert_info *c = malloc(sizeof(*c));
    if (c == NULL)
        return -1;
    *c = *src;
    c->der = NULL;
    if (src->der != NULL && src->der_len > 0) {
        c->der = malloc(src->der_len);
        if (c->der == NULL) {
            free(c);
            return -1;
        }
        memcpy(c->der, src->der, src->der_len);
    }
    *dst = c;
    return 0;
}

int sto_version_copy(struct mv_version *dst, const struct mv_version *src)
{
    *dst = *src;
    dst->value = NULL;
    dst->content_type = NULL;
    dst->key = NULL;
    dst->cert = NULL;
    memset(&dst->tags, 0, sizeof(dst->tags));
    if (sto_dup_opt(&dst->value, src->value) != 0 ||
        sto_dup_opt(&dst->content_type, src->content_type) != 0 ||
        mv_tags_copy(&dst->tags, &src->tags) != 0 || key_info_copy(&dst->key, src->key) != 0 ||
        cert_info_copy(&dst->cert, src->cert) != 0) {
        mv_version_finish(dst);
        return -1;
    }
    return 0;
}

static int version_copy(void *dst, const void *src)
{
    return sto_version_copy(dst, src);
}

static int secret_copy(void *dstv, const void *srcv)
{
    struct mv_object *dst = dstv;
    const struct mv_object *src = srcv;
    *dst = *src;
    dst->name = NULL;
    dst->versions = NULL;
    dst->nversions = 0;
    dst->rotation = NULL;
    dst->policy = NULL;
    dst->pending = NULL;
    if (src->policy != NULL) {
        dst->policy = malloc(sizeof(*dst->policy));
        if (dst->policy == NULL || mv_cert_policy_copy(dst->policy, src->policy) != 0) {
            free(dst->policy);
            dst->policy = NULL;
            return -1;
        }
    }
    if (src->pending != NULL && (dst->pending = mv_cert_op_clone(src->pending)) == NULL) {
        policy_free(dst->policy);
        dst->policy = NULL;
        return -1;
    }
    if (src->rotation != NULL) {
        dst->rotation = malloc(sizeof(*dst->rotation));
        if (dst->rotation == NULL) {
            mv_object_finish(dst);
            return -1;
        }
        *dst->rotation = *src->rotation; /* plain data: no pointers inside */
    }
    if (sto_dup_opt(&dst->name, src->name) != 0 ||
        array_copy(&dst->versions, &dst->nversions, src->versions, src->nversions,
                   sizeof(*src->versions), version_copy) != 0) {
        mv_object_finish(dst);
        return -1;
    }
    return 0;
}

struct mv_object *mv_object_clone(const struct mv_object *s)
{
    if (s == NULL)
        return NULL;
    struct mv_object *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    if (secret_copy(c, s) != 0) {
        free(c);
        return NULL;
    }
    return c;
}
