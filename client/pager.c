/* pager.c: the paging iterator over the list operations of every family (GetSecrets,
 * GetKeyVersions, ...): pages fetched on demand by following nextLink, only on the vault's own
 * origin, and items handed out one at a time. secrets.c and keys.c turn the items into their
 * structs. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv-int.h"

/* Consecutive empty pages one kv__pager_item follows before it gives up. */
#define KV_PAGER_MAX_EMPTY 100

struct kv_pager {
    struct kv_client *c;
    enum kv__family family;
    const char *what;
    char *first_path;  /* relative path of the first page; NULL once fetched */
    char *next;        /* absolute nextLink, NULL at the end */
    cJSON *page;       /* the current page */
    const cJSON *item; /* next item to hand out in page.value */
    unsigned pages;
};

int kv__pager_open(struct kv_client *c, enum kv__family family, const char *const names[3],
                   const char *live, const char *deleted, int kind, const char *name,
                   int maxresults, struct kv_pager **out)
{
    return kv__pager_open_query(c, family, names, live, deleted, kind, name, maxresults, NULL, out);
}

int kv__pager_open_query(struct kv_client *c, enum kv__family family, const char *const names[3],
                         const char *live, const char *deleted, int kind, const char *name,
                         int maxresults, const char *extra, struct kv_pager **out)
{
    char path[240], q[80] = "";
    if (!out)
        return KV_E_INVALID_ARG;
    *out = NULL;
    /* kind 1 is the versions list of every family. */
    if (!c || maxresults < 0 || maxresults > 25 || kind < 0 || kind > 2 ||
        (kind == 1 && !kv__valid_name(name, 127)))
        return KV_E_INVALID_ARG;
    if (maxresults)
        snprintf(q, sizeof q, "?maxresults=%d", maxresults);
    if (extra)
        snprintf(q + strlen(q), sizeof q - strlen(q), "%c%s", maxresults ? '&' : '?', extra);
    if (kind == 1)
        snprintf(path, sizeof path, "%s/%s/versions%s", live, name, q);
    else
        snprintf(path, sizeof path, "%s%s", kind == 0 ? live : deleted, q);
    struct kv_pager *p = calloc(1, sizeof *p);
    if (!p)
        return KV_E_NOMEM;
    p->c = c;
    p->family = family;
    p->what = names[kind];
    if (!(p->first_path = strdup(path))) {
        free(p);
        return KV_E_NOMEM;
    }
    *out = p;
    return KV_OK;
}

/* True when url is on the vault's own origin (scheme, host and port, default port filled in): a
 * nextLink elsewhere would receive the bearer token. */
static bool same_origin(const struct kv_client *c, const char *url)
{
    char scheme[16], host[256];
    long port;
    char origin[300];
    if (kv__url_parts(url, scheme, sizeof scheme, host, sizeof host, &port) != 0)
        return false;
    snprintf(origin, sizeof origin, "%s://%s:%ld", scheme, host, port);
    return strcmp(origin, c->vault_origin) == 0;
}

/* Fetches the next page into p->page. */
static int fetch_page(struct kv_pager *p, struct kv_error *err)
{
    struct kv__response rs = {.retry_after_ms = -1};
    cJSON *root = NULL;
    int rc;
    if (p->first_path)
        rc = kv__vault_call(p->c, p->what, "GET", p->first_path, NULL, NULL, &rs, err);
    else
        rc = kv__vault_call(p->c, p->what, "GET", NULL, p->next, NULL, &rs, err);
    if (rc != KV_OK)
        goto out;
    if ((rc = kv__parse_body(&rs, &root, err)) != KV_OK)
        goto out;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "value");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "nextLink");
    if (value && !cJSON_IsArray(value)) {
        rc = kv__fail(err, KV_E_PROTOCOL, "the %s page's value is not an array", p->what);
        goto out;
    }
    char *nl = NULL;
    if (cJSON_IsString(next) && next->valuestring && *next->valuestring) {
        if (!same_origin(p->c, next->valuestring)) {
            rc = kv__fail(err, KV_E_PROTOCOL,
                          "the nextLink leads to another origin than the vault (%s); not "
                          "following it with the vault's token",
                          next->valuestring);
            goto out;
        }
        /* An empty page that links to itself would be followed forever. */
        if ((!value || !value->child) && p->next && strcmp(p->next, next->valuestring) == 0) {
            rc = kv__fail(err, KV_E_PROTOCOL, "the %s page is empty and its nextLink is itself",
                          p->what);
            goto out;
        }
        if (!(nl = strdup(next->valuestring))) {
            rc = kv__fail(err, KV_E_NOMEM, "out of memory");
            goto out;
        }
    }
    free(p->first_path);
    p->first_path = NULL;
    free(p->next);
    p->next = nl;
    if (p->page)
        kv__json_delete_wipe(p->page);
    p->page = root;
    root = NULL;
    p->item = value ? value->child : NULL;
    p->pages++;
out:
    if (root)
        kv__json_delete_wipe(root);
    kv__response_finish(&rs);
    return rc;
}

int kv__pager_next(struct kv_pager *p, enum kv__family family, kv__parse_fn parse, void *out,
                   struct kv_error *err)
{
    char desc[96];
    if (!p || p->family != family)
        return kv__fail(err, KV_E_INVALID_ARG, "the pager lists another kind of object");
    /* Empty pages with a nextLink are legal (the service may return them); keep following, but
     * not forever: links that go round in a circle of empty pages end as a protocol error. */
    for (unsigned empty = 0; !p->item; empty++) {
        if (!p->first_path && !p->next)
            return KV_OK;
        if (empty == KV_PAGER_MAX_EMPTY)
            return kv__fail(err, KV_E_PROTOCOL, "%u empty %s pages in a row; giving up",
                            KV_PAGER_MAX_EMPTY, p->what);
        int rc = fetch_page(p, err);
        if (rc != KV_OK)
            return rc;
    }
    snprintf(desc, sizeof desc, "a %s item", p->what);
    int rc = parse(p->item, desc, out, err);
    /* Move on whatever the outcome: a caller that skips a bad item must not get the same one
     * forever. */
    p->item = p->item->next;
    return rc;
}

unsigned kv_pager_pages(const struct kv_pager *p)
{
    return p ? p->pages : 0;
}

void kv_pager_destroy(struct kv_pager *p)
{
    if (!p)
        return;
    free(p->first_path);
    free(p->next);
    if (p->page)
        kv__json_delete_wipe(p->page);
    free(p);
}
