/* paging.c: one page of a family's list, full pages or, with --paging azure, the service's short
 * and empty pages (spec/keyvault-secrets.md §1 GetSecrets: "Pages can be short or even empty yet
 * carry a nextLink"; keyvault-certificates.md §2: "last page {"value":[],"nextLink":null}"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consistency.h"
#include "cx-rand.h"
#include "vault-int.h"

/* The skiptoken of an azure page: "2!<page number>!<marker>", the marker "" for the start and "~"
 * after the last item. Names and version ids never hold '!' or '~', so it cannot be taken for a
 * marker of full pages (the real token's marker reads "2!132!..." too). */
#define AZ_PREFIX "2!"
#define AZ_END "~"

/* Splits an azure token into its page number and marker (pointing into tok). False for a marker of
 * full pages. */
static bool az_token(const char *tok, unsigned long *page, const char **marker)
{
    char *end;

    if (!tok || strncmp(tok, AZ_PREFIX, 2) != 0)
        return false;
    *page = strtoul(tok + 2, &end, 10);
    if (end == tok + 2 || *end != '!' || *page > 100000)
        return false;
    *marker = end + 1;
    return true;
}

/* The size of page number page of the list at path, in [0, max]. It depends only on the seed, the
 * vault, the path and the page number, so the same walk gets the same pages. The second page of
 * every four is empty and the fourth holds at least one item, so every walk of two pages or more
 * meets an empty page with a nextLink and every walk ends; the others are empty a quarter of the
 * time, short half of the time and full otherwise. */
static size_t az_page_size(struct mv_req *r, const char *path, unsigned long page, size_t max)
{
    uint64_t h = 0xcbf29ce484222325ull, s;
    const char *parts[2] = {r->vault, path};
    unsigned draw;

    if (page % 4 == 1)
        return 0;
    for (int p = 0; p < 2; p++)
        for (const char *c = parts[p]; *c; c++) {
            unsigned char ch = (unsigned char)*c;
            h = (h ^ (ch >= 'A' && ch <= 'Z' ? ch + 32u : ch)) * 0x100000001b3ull;
        }
    s = mv_consist_page_seed(r->srv->consist) ^ h ^ (page * 0x9e3779b97f4a7c15ull);
    draw = (unsigned)(cx_splitmix64(&s) % 4);
    if (draw == 0 && page % 4 != 3)
        return 0;
    if (draw == 3 || max == 1)
        return max;
    return 1 + (size_t)(cx_splitmix64(&s) % (max - 1));
}

/* What mv_vault_list reads: the family, the listing and the name of a versions list. */
struct store_list {
    enum mv_objtype t;
    enum mv_list_kind kind;
    const char *name;
};

static enum mv_err store_fetch(struct mv_req *r, const void *ctx, const char *marker, size_t max,
                               struct mv_object_view **items, size_t *n, char **next)
{
    const struct store_list *l = ctx;
    struct mv_store *st = r->srv->store;

    switch (l->kind) {
    case MV_LIST_DELETED:
        return mv_store_list_deleted(st, l->t, r->vault, marker, max, items, n, next);
    case MV_LIST_VERSIONS:
        return mv_store_list_versions(st, l->t, r->vault, l->name, marker, max, items, n, next);
    default: return mv_store_list(st, l->t, r->vault, marker, max, items, n, next);
    }
}

/* Replaces *next (owned) with the azure token of page page at marker m (m NULL: keep *next). */
static bool az_next(char **next, unsigned long page, const char *m)
{
    const char *mark = m ? m : (*next ? *next : AZ_END);
    size_t len = strlen(mark) + 32;
    char *tok = malloc(len);

    if (!tok)
        return false;
    snprintf(tok, len, AZ_PREFIX "%lu!%s", page, mark);
    free(*next);
    *next = tok;
    return true;
}

enum MHD_Result mv_vault_list(struct mv_req *r, enum mv_objtype t, enum mv_list_kind kind,
                              const char *name, const char *path, mv_page_reply_fn reply,
                              unsigned shape, mv_err_reply_fn err)
{
    const struct store_list l = {t, kind, name};

    return mv_vault_list_fetch(r, store_fetch, &l, name, path, reply, shape, err);
}

enum MHD_Result mv_vault_list_fetch(struct mv_req *r, mv_list_fetch_fn fetch, const void *ctx,
                                    const char *name, const char *path, mv_page_reply_fn reply,
                                    unsigned shape, mv_err_reply_fn err)
{
    struct mv_consist_config cfg;
    struct mv_object_view *items = NULL;
    size_t max, n = 0, want;
    char *tok = NULL, *next = NULL, link[1200];
    const char *marker;
    unsigned long page = 0;
    bool azure;
    enum mv_err e = MV_OK;
    int ok;

    if (!mv_vault_page_params_or_reply(r, &max, &tok))
        return MHD_YES;
    mv_consist_get(r->srv->consist, &cfg);
    marker = tok;
    /* An azure token stays good when the mode changes between pages: its marker is used. */
    if (az_token(tok, &page, &marker) && strcmp(marker, AZ_END) == 0) {
        /* After the last item: the recorded final page {"value":[],"nextLink":null}. */
        ok = reply(r, NULL, 0, shape, NULL);
        goto out;
    }
    azure = cfg.paging_azure;
    want = azure ? az_page_size(r, path, page, max) : max;
    /* An empty page still asks the store for one item: a nextLink only while something is left. */
    e = fetch(r, ctx, marker, want ? want : 1, &items, &n, &next);
    if (e != MV_OK) {
        ok = err(r, e, name ? name : "", NULL);
        goto out;
    }
    if (azure && want == 0) {
        mv_object_views_free(items, n);
        items = NULL;
        if (n > 0 && !az_next(&next, page + 1, marker ? marker : ""))
            e = MV_E_NOMEM;
        if (n == 0) {
            free(next);
            next = NULL;
        }
        n = 0;
    } else if (azure && (next || n > 0) && !az_next(&next, page + 1, NULL)) {
        e = MV_E_NOMEM;
    }
    if (e == MV_OK && next && !mv_vault_next_link(r, path, next, max, link, sizeof link))
        e = MV_E_NOMEM;
    ok = e == MV_OK ? reply(r, items, n, shape, next ? link : NULL) : err(r, e, "", NULL);
out:
    mv_object_views_free(items, n);
    free(tok);
    free(next);
    return ok;
}
