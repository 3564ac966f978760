/* output.c: the result document (a cJSON tree) and the four output formats, each as az prints
 * it: json (two-space indent, sorted keys), tsv and table (knack's), and none. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cx-base64.h"
#include "cx-mem.h"
#include "cx-time.h"
#include "cli.h"

/* ----- Building ---------------------------------------------------------------------------- */

/* Frees an item that did not make it into the tree. A string item holds a copy of its text,
 * which may be a value, so it is wiped first. */
static void drop(cJSON *item)
{
    if (item && item->valuestring)
        cx_wipe(item->valuestring, strlen(item->valuestring));
    cJSON_Delete(item);
}

/* Links item under parent (or as the root), taking ownership of it: on failure it is dropped
 * and d->nomem set. A second root is dropped silently (builders after a failure). Returns the
 * item or NULL. */
static cJSON *doc_add(struct cli_doc *d, cJSON *parent, const char *key, cJSON *item)
{
    int ok;

    if (!item)
        d->nomem = 1;
    if (!item || d->nomem || (!parent && d->root)) {
        drop(item);
        return NULL;
    }
    if (!parent) {
        d->root = item;
        return item;
    }
    ok = cJSON_IsArray(parent) ? cJSON_AddItemToArray(parent, item)
                               : cJSON_AddItemToObject(parent, key, item);
    if (!ok) {
        drop(item);
        d->nomem = 1;
        return NULL;
    }
    return item;
}

cJSON *cli_doc_object(struct cli_doc *d, cJSON *parent, const char *key)
{
    return d->nomem ? NULL : doc_add(d, parent, key, cJSON_CreateObject());
}

cJSON *cli_doc_array(struct cli_doc *d, cJSON *parent, const char *key)
{
    return d->nomem ? NULL : doc_add(d, parent, key, cJSON_CreateArray());
}

void cli_doc_string(struct cli_doc *d, cJSON *parent, const char *key, const char *s)
{
    if (!d->nomem)
        doc_add(d, parent, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

void cli_doc_int(struct cli_doc *d, cJSON *parent, const char *key, int64_t v)
{
    if (!d->nomem)
        doc_add(d, parent, key, cJSON_CreateNumber((double)v));
}

void cli_doc_bool(struct cli_doc *d, cJSON *parent, const char *key, int v)
{
    if (!d->nomem)
        doc_add(d, parent, key, cJSON_CreateBool(v != 0));
}

void cli_doc_null(struct cli_doc *d, cJSON *parent, const char *key)
{
    if (!d->nomem)
        doc_add(d, parent, key, cJSON_CreateNull());
}

void cli_doc_time(struct cli_doc *d, cJSON *parent, const char *key, int64_t t)
{
    char buf[CX_TIME_MAX];

    if (!t) {
        cli_doc_null(d, parent, key);
        return;
    }
    cx_time_format(t, CX_TIME_RFC3339_OFFSET, buf);
    cli_doc_string(d, parent, key, buf);
}

/* Wipes the strings of a tree this file built (no reference nodes in it). */
static void wipe_strings(cJSON *n)
{
    for (; n; n = n->next) {
        if (n->valuestring)
            cx_wipe(n->valuestring, strlen(n->valuestring));
        if (n->string)
            cx_wipe(n->string, strlen(n->string));
        wipe_strings(n->child);
    }
}

void cli_doc_free(struct cli_doc *d)
{
    if (!d)
        return;
    wipe_strings(d->root);
    cJSON_Delete(d->root);
    d->root = NULL;
    d->nomem = 0;
}

void cli_json_sort_keys(cJSON *item)
{
    cJSON *sorted = NULL, *next;

    if (!item)
        return;
    for (cJSON *c = item->child; c; c = c->next)
        cli_json_sort_keys(c);
    if (!cJSON_IsObject(item) || !item->child)
        return;
    /* Insertion into a singly linked list, each member before the first whose key is not
     * smaller, then cJSON's links are restored (the head's prev points to the tail). */
    for (cJSON *c = item->child; c; c = next) {
        cJSON **pp = &sorted;
        next = c->next;
        while (*pp && strcmp((*pp)->string, c->string) < 0)
            pp = &(*pp)->next;
        c->next = *pp;
        *pp = c;
    }
    item->child = sorted;
    for (cJSON *c = sorted, *prev = NULL; c; prev = c, c = c->next) {
        c->prev = prev;
        if (!c->next)
            sorted->prev = c;
    }
}

/* ----- Formats ----------------------------------------------------------------------------- */

int cli_format_parse(const char *name, enum cli_format *out)
{
    static const char *const names[] = {"json", "tsv", "table", "none"};

    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(name, names[k])) {
            *out = (enum cli_format)k;
            return 0;
        }
    return -1;
}

/* Numbers as Python prints them: integers without a fraction. */
static const char *number_text(const cJSON *n, char *buf, size_t len)
{
    double v = n->valuedouble;

    if (v > -9.2e18 && v < 9.2e18 && (double)(int64_t)v == v)
        snprintf(buf, len, "%" PRId64, (int64_t)v);
    else
        snprintf(buf, len, "%.17g", v);
    return buf;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f); /* UTF-8 as is: az prints with ensure_ascii=False. */
        }
    }
    fputc('"', f);
}

/* Pretty JSON as az prints it: two-space indent, "key": value. cJSON_Print's layout (tabs,
 * arrays on one line) is not az's, so the tree is walked here. */
static void json_write(FILE *f, const cJSON *n, int indent)
{
    char buf[32];
    int obj = cJSON_IsObject(n);

    if (cJSON_IsNull(n) || cJSON_IsInvalid(n)) {
        fputs("null", f);
    } else if (cJSON_IsBool(n)) {
        fputs(cJSON_IsTrue(n) ? "true" : "false", f);
    } else if (cJSON_IsNumber(n)) {
        fputs(number_text(n, buf, sizeof buf), f);
    } else if (cJSON_IsString(n)) {
        json_string(f, n->valuestring);
    } else if (!n->child) {
        fputs(obj ? "{}" : "[]", f);
    } else {
        fputs(obj ? "{\n" : "[\n", f);
        for (const cJSON *c = n->child; c; c = c->next) {
            fprintf(f, "%*s", indent + 2, "");
            if (obj) {
                json_string(f, c->string);
                fputs(": ", f);
            }
            json_write(f, c, indent + 2);
            fputs(c->next ? ",\n" : "\n", f);
        }
        fprintf(f, "%*s%c", indent, "", obj ? '}' : ']');
    }
}

/* One tsv cell as az (knack) writes it: nested lists as their length, nested objects empty,
 * null as None, booleans as Python prints them. */
static void tsv_cell(FILE *f, const cJSON *n)
{
    char buf[32];

    if (cJSON_IsBool(n))
        fputs(cJSON_IsTrue(n) ? "True" : "False", f);
    else if (cJSON_IsNumber(n))
        fputs(number_text(n, buf, sizeof buf), f);
    else if (cJSON_IsString(n))
        fputs(n->valuestring, f);
    else if (cJSON_IsArray(n))
        fprintf(f, "%d", cJSON_GetArraySize(n));
    else if (!cJSON_IsObject(n))
        fputs("None", f);
}

static void tsv_row(FILE *f, const cJSON *n)
{
    if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
        for (const cJSON *c = n->child; c; c = c->next) {
            tsv_cell(f, c);
            if (c->next)
                fputc('\t', f);
        }
    } else if (cJSON_IsBool(n)) {
        fputs(cJSON_IsTrue(n) ? "true" : "false", f);
    } else {
        tsv_cell(f, n);
    }
    fputc('\n', f);
}

/* Display width of UTF-8 text, counted in code points. */
static size_t text_width(const char *s)
{
    size_t w = 0;

    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* The text of a table cell, or NULL when az's auto table leaves the member out. */
static const char *table_cell(const cJSON *n, char *buf, size_t len)
{
    if (cJSON_IsString(n))
        return n->valuestring;
    if (cJSON_IsBool(n))
        return cJSON_IsTrue(n) ? "True" : "False";
    if (cJSON_IsNumber(n))
        return number_text(n, buf, len);
    return NULL;
}

/* The cell of row item in column col: "Result" for a scalar item, else its member col. */
static const char *row_cell(const cJSON *item, const char *col, char *buf, size_t len)
{
    const char *txt = NULL;

    if (!cJSON_IsObject(item))
        return strcmp(col, "Result") ? NULL : table_cell(item, buf, len);
    for (const cJSON *c = item->child; c; c = c->next)
        if (!strcmp(c->string, col) && table_cell(c, buf, len))
            txt = table_cell(c, buf, len);
    return txt;
}

/* The columns: the union of member names in order of first appearance, as tabulate does with
 * headers="keys"; "Result" stands for scalar items. id, type and etag, nulls and nested values
 * are left out. cols has room for every member of every item. Returns the number of columns. */
static size_t table_columns(const cJSON *const *items, size_t n_items, const char **cols)
{
    size_t n_cols = 0, k;
    char buf[32];

    for (size_t i = 0; i < n_items; i++) {
        const cJSON *it = items[i];
        if (!cJSON_IsObject(it)) {
            if (table_cell(it, buf, sizeof buf)) {
                for (k = 0; k < n_cols && strcmp(cols[k], "Result"); k++)
                    ;
                if (k == n_cols)
                    cols[n_cols++] = "Result";
            }
            continue;
        }
        for (const cJSON *c = it->child; c; c = c->next) {
            if (!strcmp(c->string, "id") || !strcmp(c->string, "type") ||
                !strcmp(c->string, "etag") || !table_cell(c, buf, sizeof buf))
                continue;
            for (k = 0; k < n_cols && strcmp(cols[k], c->string); k++)
                ;
            if (k == n_cols)
                cols[n_cols++] = c->string;
        }
    }
    return n_cols;
}

/* az's auto table (knack _TableOutput + tabulate "simple"): one row per item, a column per
 * scalar member with its first letter capitalised; a scalar result becomes a "Result" column. */
static int table_write(FILE *f, const cJSON *root)
{
    const cJSON *single[1] = {root}, *const *items = single;
    const cJSON **heap = NULL;
    size_t n_items = 1, n_cols = 0, i, k;
    const char **cols = NULL;
    size_t *width = NULL;
    char buf[32];
    int st = KV_E_NOMEM;

    if (cJSON_IsArray(root)) {
        n_items = (size_t)cJSON_GetArraySize(root);
        heap = calloc(n_items + 1, sizeof *heap);
        if (!heap)
            goto out;
        i = 0;
        for (const cJSON *c = root->child; c; c = c->next)
            heap[i++] = c;
        items = heap;
    }
    for (i = 0; i < n_items; i++)
        n_cols += cJSON_IsObject(items[i]) ? (size_t)cJSON_GetArraySize(items[i]) : 1;
    cols = calloc(n_cols + 1, sizeof *cols);
    width = calloc(n_cols + 1, sizeof *width);
    if (!cols || !width)
        goto out;
    n_cols = table_columns(items, n_items, cols);
    st = KV_OK;
    if (n_cols == 0)
        goto out;
    for (k = 0; k < n_cols; k++)
        width[k] = text_width(cols[k]);
    for (i = 0; i < n_items; i++)
        for (k = 0; k < n_cols; k++) {
            const char *txt = row_cell(items[i], cols[k], buf, sizeof buf);
            if (txt && text_width(txt) > width[k])
                width[k] = text_width(txt);
        }
    for (k = 0; k < n_cols; k++) {
        fputc(toupper((unsigned char)cols[k][0]), f);
        fprintf(f, "%s%*s", cols[k] + 1,
                k + 1 < n_cols ? (int)(width[k] - text_width(cols[k]) + 2) : 0, "");
    }
    fputc('\n', f);
    for (k = 0; k < n_cols; k++) {
        for (i = 0; i < width[k]; i++)
            fputc('-', f);
        fputs(k + 1 < n_cols ? "  " : "\n", f);
    }
    for (i = 0; i < n_items; i++) {
        for (k = 0; k < n_cols; k++) {
            const char *txt = row_cell(items[i], cols[k], buf, sizeof buf);
            if (!txt)
                txt = "";
            fputs(txt, f);
            if (k + 1 < n_cols)
                fprintf(f, "%*s", (int)(width[k] - text_width(txt) + 2), "");
        }
        fputc('\n', f);
    }
out:
    free(heap);
    free(cols);
    free(width);
    return st;
}

int cli_output_print(FILE *f, const cJSON *root, enum cli_format fmt)
{
    if (!root || cJSON_IsNull(root) || fmt == CLI_OUT_NONE)
        return KV_OK;
    switch (fmt) {
    case CLI_OUT_JSON:
        json_write(f, root, 0);
        fputc('\n', f);
        break;
    case CLI_OUT_TSV:
        if (cJSON_IsArray(root))
            for (const cJSON *c = root->child; c; c = c->next)
                tsv_row(f, c);
        else
            tsv_row(f, root);
        break;
    case CLI_OUT_TABLE: return table_write(f, root);
    case CLI_OUT_NONE: break;
    }
    return KV_OK;
}
