/* query.c: --query, a small fixed subset of JMESPath.
 *
 * Supported: dotted member paths (value, id, attributes.expires), projections over a list
 * ([].name, [*].id) and list indexes ([0].name). That covers the queries scripts use with az
 * keyvault; anything else is a usage error rather than a silent wrong answer. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One [..] segment at p (just after '['): [], [*] or [N]. Returns the end or NULL. */
static const char *parse_bracket(const char *p, struct cli_qseg *s)
{
    char *end;

    if (*p == ']' || (*p == '*' && p[1] == ']')) {
        s->kind = CLI_Q_ALL;
        return p + (*p == '*' ? 2 : 1);
    }
    s->kind = CLI_Q_INDEX;
    errno = 0;
    s->index = strtol(p, &end, 10);
    if (end == p || *end != ']' || errno || s->index < 0)
        return NULL;
    return end + 1;
}

int cli_query_parse(const char *text, struct cli_query *q)
{
    const char *p = text;

    q->n = 0;
    while (*p) {
        struct cli_qseg *s;

        if (q->n == CLI_MAX_QUERY_SEGS)
            return -1;
        s = &q->segs[q->n++];
        if (*p == '[') {
            if (!(p = parse_bracket(p + 1, s)))
                return -1;
        } else {
            size_t len = 0;
            if (!isalpha((unsigned char)*p) && *p != '_')
                return -1;
            while (isalnum((unsigned char)p[len]) || p[len] == '_')
                len++;
            if (len >= sizeof s->key)
                return -1;
            s->kind = CLI_Q_KEY;
            memcpy(s->key, p, len);
            s->key[len] = '\0';
            p += len;
        }
        if (*p == '.' && p[1] && p[1] != '[')
            p++;
        else if (*p && *p != '[')
            return -1;
    }
    return q->n ? 0 : -1;
}

struct qstate {
    const cJSON *result;
    cJSON *view;
    int nomem;
};

/* Evaluates segs on n and puts the result under parent (a projection's array), or makes it the
 * result when parent is NULL. Results are not copied: arrays hold reference nodes. */
static void eval(struct qstate *x, cJSON *parent, const cJSON *n, const struct cli_qseg *segs,
                 size_t nseg)
{
    const cJSON *c;
    cJSON *arr;
    long i;

    if (!n || cJSON_IsNull(n) || x->nomem)
        return;
    if (nseg == 0) {
        if (!parent)
            x->result = n;
        else if (!cJSON_AddItemReferenceToArray(parent, (cJSON *)n))
            x->nomem = 1;
        return;
    }
    switch (segs[0].kind) {
    case CLI_Q_KEY:
        if (cJSON_IsObject(n))
            eval(x, parent, cJSON_GetObjectItemCaseSensitive(n, segs[0].key), segs + 1, nseg - 1);
        break;
    case CLI_Q_INDEX:
        if (!cJSON_IsArray(n))
            return;
        for (c = n->child, i = 0; c && i < segs[0].index; c = c->next, i++)
            ;
        eval(x, parent, c, segs + 1, nseg - 1);
        break;
    case CLI_Q_ALL:
        if (!cJSON_IsArray(n))
            return;
        if (!(arr = cJSON_CreateArray())) {
            x->nomem = 1;
            return;
        }
        if (parent) {
            cJSON_AddItemToArray(parent, arr);
        } else {
            x->view = arr;
            x->result = arr;
        }
        for (c = n->child; c; c = c->next)
            eval(x, arr, c, segs + 1, nseg - 1);
        break;
    }
}

int cli_query_eval(const cJSON *root, const struct cli_query *q, const cJSON **result, cJSON **view)
{
    struct qstate x = {NULL, NULL, 0};

    eval(&x, NULL, root, q->segs, q->n);
    if (x.nomem) {
        cJSON_Delete(x.view);
        x.view = NULL;
        x.result = NULL;
    }
    *result = x.result;
    *view = x.view;
    return x.nomem ? KV_E_NOMEM : KV_OK;
}
