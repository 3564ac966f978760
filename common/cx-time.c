/* cx-time.c: RFC 3339 parse and the fixed time formats, on civil-calendar arithmetic. */
#include "cx-time.h"

#include <stdbool.h>
#include <stdio.h>

#define SECS_PER_DAY 86400
#define MIN_TIME INT64_C(-62167219200) /* 0000-01-01T00:00:00Z */
#define MAX_TIME INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse: the date of a day count (Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Reads exactly n decimal digits at *p into *out and advances *p. Returns 0, or -1. */
static int take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int take_char(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* Reads a fraction after its '.' (or ','): at least one digit, nanoseconds from the first nine. */
static int take_fraction(const char **p, uint32_t *nsec)
{
    uint32_t v = 0;
    int n = 0;
    if (**p < '0' || **p > '9')
        return -1;
    for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
        if (n < 9)
            v = v * 10 + (uint32_t)(**p - '0');
    }
    for (; n < 9; n++)
        v *= 10;
    *nsec = v;
    return 0;
}

/* Reads the time part after 'T': hh:mm:ss[.frac] (lenient: hh, hh:mm, ',' for '.'). */
static int take_clock(const char **p, bool lenient, int *h, int *mi, int *sec, uint32_t *ns)
{
    if (take_digits(p, 2, h))
        return -1;
    if (lenient && **p != ':')
        return 0;
    if (take_char(p, ':') || take_digits(p, 2, mi))
        return -1;
    if (lenient && **p != ':')
        return 0;
    if (take_char(p, ':') || take_digits(p, 2, sec))
        return -1;
    if (**p == '.' || (lenient && **p == ',')) {
        (*p)++;
        return take_fraction(p, ns);
    }
    return 0;
}

/* Reads the zone: 'Z' or +hh:mm (lenient: +hhmm, or nothing at all). *offset in seconds. */
static int take_zone(const char **p, bool lenient, int *offset)
{
    int oh = 0, om = 0, sign;
    *offset = 0;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        return 0;
    }
    if (**p != '+' && **p != '-')
        return lenient && **p == '\0' ? 0 : -1;
    sign = **p == '+' ? 1 : -1;
    (*p)++;
    if (take_digits(p, 2, &oh))
        return -1;
    if (!(lenient && **p != ':') && take_char(p, ':'))
        return -1;
    if (take_digits(p, 2, &om) || oh > 23 || om > 59)
        return -1;
    *offset = sign * (oh * 3600 + om * 60);
    return 0;
}

int cx_time_parse(const char *s, unsigned flags, int64_t *secs, uint32_t *nsec)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool lenient = flags & CX_TIME_LENIENT;
    int year, mon, day, hour = 0, min = 0, sec = 0, offset = 0;
    uint32_t ns = 0;
    const char *p = s;

    if (!s)
        return -1;
    if (take_digits(&p, 4, &year) || take_char(&p, '-') || take_digits(&p, 2, &mon) ||
        take_char(&p, '-') || take_digits(&p, 2, &day))
        return -1;
    /* RFC 3339 §5.6 allows 't' and, by its note, a space in place of 'T'. */
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (take_clock(&p, lenient, &hour, &min, &sec, &ns) || take_zone(&p, lenient, &offset))
            return -1;
    } else if (!lenient || take_zone(&p, lenient, &offset)) {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] + (mon == 2 && is_leap(year)))
        return -1;
    if (hour > 23 || min > 59 || sec > 60)
        return -1;
    /* The local time at +hh:mm is that much ahead of UTC, so the offset is subtracted. */
    *secs = days_from_civil(year, (unsigned)mon, (unsigned)day) * SECS_PER_DAY + hour * 3600 +
            min * 60 + sec - offset;
    if (nsec)
        *nsec = ns;
    return 0;
}

void cx_time_format_frac(int64_t t, uint32_t nsec, unsigned digits, enum cx_time_style style,
                         char out[CX_TIME_MAX])
{
    /* Spelled out rather than strftime("%a %b"), whose names follow the process locale. */
    static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char frac[12] = "";
    int64_t y, dn;
    unsigned m, d;

    t = t < MIN_TIME ? MIN_TIME : t > MAX_TIME ? MAX_TIME : t;
    dn = (t >= 0 ? t : t - (SECS_PER_DAY - 1)) / SECS_PER_DAY;
    unsigned sod = (unsigned)(t - dn * SECS_PER_DAY);
    civil_from_days(dn, &y, &m, &d);
    /* Every field is reduced to its range so the compiler sees the fixed widths fit. */
    unsigned year = (unsigned)y % 10000u, hh = sod / 3600 % 24u, mm = sod / 60 % 60u,
             ss = sod % 60u, wd = (unsigned)(((dn % 7) + 7) % 7);
    m = (m - 1) % 12u;
    d %= 32u;
    if (digits > 0 && (style == CX_TIME_RFC3339_Z || style == CX_TIME_RFC3339_OFFSET)) {
        char all[16];
        snprintf(all, sizeof all, "%09u", (unsigned)(nsec % 1000000000u));
        snprintf(frac, sizeof frac, ".%.*s", (int)(digits > 9 ? 9 : digits), all);
    }
    switch (style) {
    case CX_TIME_RFC3339_Z:
    case CX_TIME_RFC3339_OFFSET:
        snprintf(out, CX_TIME_MAX, "%04u-%02u-%02uT%02u:%02u:%02u%s%s", year, m + 1, d, hh, mm, ss,
                 frac, style == CX_TIME_RFC3339_Z ? "Z" : "+00:00");
        break;
    case CX_TIME_AAD:
        snprintf(out, CX_TIME_MAX, "%04u-%02u-%02u %02u:%02u:%02uZ", year, m + 1, d, hh, mm, ss);
        break;
    case CX_TIME_HTTP:
        snprintf(out, CX_TIME_MAX, "%s, %02u %s %04u %02u:%02u:%02u GMT", days[wd], d, months[m],
                 year, hh, mm, ss);
        break;
    }
}

void cx_time_format(int64_t t, enum cx_time_style style, char out[CX_TIME_MAX])
{
    cx_time_format_frac(t, 0, 0, style, out);
}
