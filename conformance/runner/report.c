/* report.c: result list, human summary, TAP 13 and JUnit XML writers. */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct result {
    char *group, *name, *reason;
    enum kvc_verdict verdict;
};

struct kvc_report {
    char *title;
    struct result *r;
    size_t n, cap;
    char **notes;
    size_t nnotes;
    double elapsed;
};

static const char *verdict_name(enum kvc_verdict v)
{
    switch (v) {
    case KVC_PASS: return "pass";
    case KVC_FAIL: return "FAIL";
    case KVC_SKIP: return "skip";
    case KVC_XFAIL: return "xfail";
    }
    return "?";
}

struct kvc_report *kvc_report_create(const char *title)
{
    struct kvc_report *rep = calloc(1, sizeof *rep);

    if (!rep)
        return NULL;
    rep->title = strdup(title ? title : "kvconform");
    if (!rep->title) {
        free(rep);
        return NULL;
    }
    return rep;
}

void kvc_report_destroy(struct kvc_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        free(rep->r[i].group);
        free(rep->r[i].name);
        free(rep->r[i].reason);
    }
    for (size_t i = 0; i < rep->nnotes; i++)
        free(rep->notes[i]);
    free(rep->notes);
    free(rep->r);
    free(rep->title);
    free(rep);
}

int kvc_report_add(struct kvc_report *rep, const char *group, const char *name,
                   enum kvc_verdict verdict, const char *reason)
{
    struct result *x;

    if (rep->n == rep->cap) {
        size_t cap = rep->cap ? rep->cap * 2 : 64;
        struct result *nr = realloc(rep->r, cap * sizeof *nr);
        if (!nr)
            return -1;
        rep->r = nr;
        rep->cap = cap;
    }
    x = &rep->r[rep->n];
    x->group = strdup(group ? group : "");
    x->name = strdup(name ? name : "");
    x->reason = reason && *reason ? strdup(reason) : NULL;
    x->verdict = verdict;
    if (!x->group || !x->name || (reason && *reason && !x->reason)) {
        free(x->group);
        free(x->name);
        free(x->reason);
        return -1;
    }
    rep->n++;
    return 0;
}

void kvc_report_note(struct kvc_report *rep, const char *fmt, ...)
{
    char buf[1024], **nn;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    nn = realloc(rep->notes, (rep->nnotes + 1) * sizeof *nn);
    if (!nn)
        return;
    rep->notes = nn;
    nn[rep->nnotes] = strdup(buf);
    if (nn[rep->nnotes])
        rep->nnotes++;
}

void kvc_report_set_elapsed(struct kvc_report *rep, double seconds)
{
    rep->elapsed = seconds;
}

size_t kvc_report_count(const struct kvc_report *rep, enum kvc_verdict verdict)
{
    size_t c = 0;

    for (size_t i = 0; i < rep->n; i++)
        if (rep->r[i].verdict == verdict)
            c++;
    return c;
}

void kvc_report_print(const struct kvc_report *rep, FILE *out, bool verbose)
{
    fprintf(out, "%s\n", rep->title);
    for (size_t i = 0; i < rep->nnotes; i++)
        fprintf(out, "  %s\n", rep->notes[i]);
    fputc('\n', out);
    for (size_t i = 0; i < rep->n; i++) {
        const struct result *x = &rep->r[i];
        if (x->verdict == KVC_PASS && !verbose)
            continue;
        fprintf(out, "  %-5s %s/%s", verdict_name(x->verdict), x->group, x->name);
        if (x->reason)
            fprintf(out, ": %s", x->reason);
        fputc('\n', out);
    }
    fprintf(out,
            "\n%zu tests: %zu passed, %zu failed, %zu skipped, %zu expected failures; "
            "wall time %.2f s\n",
            rep->n, kvc_report_count(rep, KVC_PASS), kvc_report_count(rep, KVC_FAIL),
            kvc_report_count(rep, KVC_SKIP), kvc_report_count(rep, KVC_XFAIL), rep->elapsed);
}

/* TAP descriptions and directives end at a newline or '#': keep reasons on one line and make a
 * '#' inside them harmless. */
static void tap_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\r' || *s == '\n')
            fputc(' ', f);
        else if (*s == '#')
            fputs("\\#", f);
        else
            fputc(*s, f);
    }
}

int kvc_report_write_tap(const struct kvc_report *rep, const char *path)
{
    FILE *f = fopen(path, "w");
    int rc = -1;

    if (!f)
        return -1;
    fprintf(f, "TAP version 13\n1..%zu\n", rep->n);
    for (size_t i = 0; i < rep->n; i++) {
        const struct result *x = &rep->r[i];
        fprintf(f, "%s %zu - %s/%s",
                x->verdict == KVC_PASS || x->verdict == KVC_SKIP ? "ok" : "not ok", i + 1, x->group,
                x->name);
        if (x->verdict == KVC_SKIP) {
            fputs(" # SKIP ", f);
            tap_text(f, x->reason);
        } else if (x->verdict == KVC_XFAIL) {
            fputs(" # TODO ", f);
            tap_text(f, x->reason);
        }
        fputc('\n', f);
        if (x->verdict == KVC_FAIL) {
            fputs("  ---\n  message: \"", f);
            for (const char *p = x->reason; p && *p; p++) {
                if (*p == '"' || *p == '\\')
                    fputc('\\', f);
                if (*p == '\n')
                    fputs("\\n", f);
                else if (*p == '\r')
                    fputs("\\r", f);
                else
                    fputc(*p, f);
            }
            fprintf(f, "\"\n  severity: fail\n  ...\n");
        }
    }
    fprintf(f, "# wall time %.2f s\n", rep->elapsed);
    rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        case '\r': fputs("&#13;", f); break;
        case '\t': fputc('\t', f); break;
        default:
            /* XML 1.0 forbids other control characters even as references. */
            fputc(ch < 0x20 ? '?' : ch, f);
        }
    }
}

int kvc_report_write_junit(const struct kvc_report *rep, const char *path)
{
    FILE *f = fopen(path, "w");
    int rc;

    if (!f)
        return -1;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
    xml_text(f, rep->title);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", rep->n,
            kvc_report_count(rep, KVC_FAIL),
            kvc_report_count(rep, KVC_SKIP) + kvc_report_count(rep, KVC_XFAIL), rep->elapsed);
    /* Groups appear in first-seen order; results of a group are contiguous in practice, but a
     * scan keeps the output right even when they are not. */
    for (size_t i = 0; i < rep->n; i++) {
        size_t tests = 0, fails = 0, skips = 0;
        bool seen = false;

        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(rep->r[k].group, rep->r[i].group) == 0;
        if (seen)
            continue;
        for (size_t k = i; k < rep->n; k++) {
            if (strcmp(rep->r[k].group, rep->r[i].group) != 0)
                continue;
            tests++;
            fails += rep->r[k].verdict == KVC_FAIL;
            skips += rep->r[k].verdict == KVC_SKIP || rep->r[k].verdict == KVC_XFAIL;
        }
        fputs("  <testsuite name=\"", f);
        xml_text(f, rep->r[i].group);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", tests,
                fails, skips);
        for (size_t k = i; k < rep->n; k++) {
            const struct result *x = &rep->r[k];
            if (strcmp(x->group, rep->r[i].group) != 0)
                continue;
            fputs("    <testcase classname=\"", f);
            xml_text(f, x->group);
            fputs("\" name=\"", f);
            xml_text(f, x->name);
            if (x->verdict == KVC_PASS) {
                fputs("\"/>\n", f);
                continue;
            }
            fputs("\">\n      ", f);
            fputs(x->verdict == KVC_FAIL ? "<failure message=\"" : "<skipped message=\"", f);
            if (x->verdict == KVC_XFAIL)
                fputs("expected failure: ", f);
            xml_text(f, x->reason);
            fputs("\"/>\n    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}
