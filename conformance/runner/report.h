/* report.h: verdicts of a kvconform run (server suites or client scenarios) and the three ways
 * to show them: a human summary, TAP version 13 and JUnit XML. */
#ifndef KVC_REPORT_H
#define KVC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum kvc_verdict {
    KVC_PASS,
    KVC_FAIL,
    KVC_SKIP,  /* not run, with the reason (e.g. "needs the mock's control API") */
    KVC_XFAIL, /* failed as expected: a known, reported deviation; does not fail the run */
};

struct kvc_report;

/* Creates an empty report titled e.g. "kvconform server". NULL when out of memory.
 * Destroy with kvc_report_destroy(). */
struct kvc_report *kvc_report_create(const char *title);

/* Frees the report; accepts NULL. */
void kvc_report_destroy(struct kvc_report *rep);

/* Appends one result. group is the suite or scenario family, name the test (after the spec row
 * it witnesses), reason why it failed or was skipped (may be NULL for a pass). Strings are
 * copied. Returns 0, or -1 when out of memory. */
int kvc_report_add(struct kvc_report *rep, const char *group, const char *name,
                   enum kvc_verdict verdict, const char *reason);

/* Free-form context lines shown in the summary header (endpoint, api-version...). */
void kvc_report_note(struct kvc_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Wall time of the run in seconds, shown in the summary and the JUnit testsuite. */
void kvc_report_set_elapsed(struct kvc_report *rep, double seconds);

/* Number of results with the verdict. */
size_t kvc_report_count(const struct kvc_report *rep, enum kvc_verdict verdict);

/* Human summary: failures and skips with reasons (passes only when verbose), then totals and the
 * wall time. */
void kvc_report_print(const struct kvc_report *rep, FILE *out, bool verbose);

/* TAP version 13: skips as "# SKIP reason", expected failures as "# TODO reason", failures
 * with a YAML block. Returns 0, or -1 with errno when the file cannot be written. */
int kvc_report_write_tap(const struct kvc_report *rep, const char *path);

/* JUnit XML: one <testsuite> per group, <failure> and <skipped> with the reason. Returns 0 or -1
 * with errno. */
int kvc_report_write_junit(const struct kvc_report *rep, const char *path);

#endif
