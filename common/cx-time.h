/* cx-time.h: RFC 3339 parsing and the time texts the mock and the clients print. Everything is
 * computed from the proleptic Gregorian calendar in UTC: no locale, no TZ, no mktime.
 *
 * Ownership: nothing here allocates; outputs go to caller-provided buffers of CX_TIME_MAX bytes. */
#ifndef CX_TIME_H
#define CX_TIME_H

#include <stdint.h>

/* Large enough for every style, with nine fraction digits. */
#define CX_TIME_MAX 48

enum cx_time_parse_flags {
    /* Also accept what az's --expires accepts: a date alone ("2026-12-31"), hours without
     * minutes or seconds ("T00Z", "T00:00Z"), no zone (taken as UTC), ',' before a fraction,
     * and an offset without its ':' ("+0100"). Without it, only full RFC 3339 date-times. */
    CX_TIME_LENIENT = 1u << 0,
};

/* Parses an RFC 3339 date-time ("2030-01-01T00:00:00Z", 't' or ' ' for 'T', 'z' for 'Z', an
 * optional fraction of any length, a numeric offset "+hh:mm") into unix seconds (*secs) and, when
 * nsec is not NULL, the fraction's nanoseconds (digits beyond nine are dropped). Second 60 (a leap
 * second) folds into the next minute. Returns 0, or -1 when the text is not of that shape or names
 * a day, hour, minute or offset that does not exist; *secs is untouched then. */
int cx_time_parse(const char *s, unsigned flags, int64_t *secs, uint32_t *nsec);

enum cx_time_style {
    CX_TIME_RFC3339_Z,      /* 2026-12-31T00:00:00Z */
    CX_TIME_RFC3339_OFFSET, /* 2026-12-31T00:00:00+00:00 (az, Python's isoformat()) */
    CX_TIME_AAD,            /* 2016-01-09 02:02:12Z: the AADSTS error timestamp */
    CX_TIME_HTTP,           /* Sat, 07 Feb 2026 11:07:33 GMT: RFC 9110 IMF-fixdate */
};

/* Formats unix seconds t in style into out. Times outside the years 0000-9999 are clamped to
 * them, so every field keeps its fixed width. */
void cx_time_format(int64_t t, enum cx_time_style style, char out[CX_TIME_MAX]);

/* As cx_time_format, with a fraction of digits (1-9) digits from nsec (0-999999999) after the
 * seconds; digits 0 gives none. The HTTP and AAD styles never carry a fraction. */
void cx_time_format_frac(int64_t t, uint32_t nsec, unsigned digits, enum cx_time_style style,
                         char out[CX_TIME_MAX]);

#endif
