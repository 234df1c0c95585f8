/* duration.c - command-line durations and times. */
#include "duration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dwtime.h"

int dw_duration_parse(const char *s, int64_t *us)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || n < 0)
        return -1;
    int64_t unit;
    if (*end == '\0' || strcmp(end, "s") == 0)
        unit = 1;
    else if (strcmp(end, "m") == 0)
        unit = 60;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (strcmp(end, "d") == 0)
        unit = 86400;
    else if (strcmp(end, "w") == 0)
        unit = 7 * 86400;
    else
        return -1;
    if (n > INT64_MAX / 1000000 / unit)
        return -1;
    *us = (int64_t)n * unit * 1000000;
    return 0;
}

#define SINCE_FORMS "a duration (30m, 2h, 7d) or a date (2026-11-20, 2026-11-20T10:00)"

/* A duration's reason: the number, or its unit, is wrong. */
static int bad_duration(const char *s, char *why, size_t why_size)
{
    const char *unit = s;
    while (*unit >= '0' && *unit <= '9')
        unit++;
    if (*unit && strchr("smhdw", *unit) && !unit[1])
        snprintf(why, why_size, "too long a duration");
    else
        snprintf(why, why_size, "unknown unit '%s' (s, m, h, d or w)", unit);
    return -1;
}

/* `YYYY-MM-DD` at s, checked; the day number into *days.  0, or -1 with a reason. */
static int since_date(const char *s, int64_t *days, char *why, size_t why_size)
{
    int v[3] = {0, 0, 0};
    static const int width[3] = {4, 2, 2};
    const char *p = s;
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < width[k]; i++, p++) {
            if (*p < '0' || *p > '9') {
                snprintf(why, why_size, "a date is YYYY-MM-DD (2026-11-20)");
                return -1;
            }
            v[k] = v[k] * 10 + (*p - '0');
        }
        if (k < 2 && *p++ != '-') {
            snprintf(why, why_size, "a date is YYYY-MM-DD (2026-11-20)");
            return -1;
        }
    }
    if (v[1] < 1 || v[1] > 12) {
        snprintf(why, why_size, "there is no month %02d", v[1]);
        return -1;
    }
    if (v[2] < 1 || v[2] > dw_time_days_in_month(v[0], v[1])) {
        snprintf(why, why_size, "%04d-%02d has no day %02d", v[0], v[1], v[2]);
        return -1;
    }
    *days = dw_time_from_civil(v[0], v[1], v[2], 0, 0, 0) / (INT64_C(86400) * 1000000);
    return 0;
}

/* The time after a valid date (s points at the 'T' or space); *out the
 * instant.  0, or -1 with a reason. */
static int since_time(const char *date, const char *s, int64_t *out, char *why, size_t why_size)
{
    /* supply ":00" seconds when only HH:MM is given */
    char buf[64];
    size_t n = (size_t)(s - date) + strlen(s);
    const char *clock = s + 1;
    if (n >= sizeof buf - 4) {
        snprintf(why, why_size, "too long for a time");
        return -1;
    }
    memcpy(buf, date, n + 1);
    size_t c = (size_t)(clock - date); /* where HH starts */
    if (n >= c + 5 && buf[c + 2] == ':' && (n == c + 5 || buf[c + 5] != ':')) {
        memmove(buf + c + 8, buf + c + 5, n - (c + 5) + 1);
        memcpy(buf + c + 5, ":00", 3);
        n += 3;
    }
    struct dw_time t;
    size_t used = dw_time_parse(buf, n, &t);
    if (used == 0 || t.kind != DW_TIME_DATE) {
        snprintf(why, why_size,
                 "'%s' is not a time of day: HH:MM[:SS[.fraction]], then an optional "
                 "Z or +hh:mm",
                 clock);
        return -1;
    }
    if (used != n) {
        snprintf(why, why_size, "unexpected '%s' after the time (an offset is Z, +hh:mm or +hhmm)",
                 buf + used);
        return -1;
    }
    *out = dw_time_instant(&t);
    return 0;
}

int dw_since_parse(const char *s, int64_t now_us, int64_t *out, char *why, size_t why_size)
{
    int64_t d;
    if (!s || !*s) {
        snprintf(why, why_size, "empty; give " SINCE_FORMS);
        return -1;
    }
    if (dw_duration_parse(s, &d) == 0) {
        *out = now_us - d;
        return 0;
    }
    size_t digits = strspn(s, "0123456789");
    if (digits >= 4 && s[digits] == '-') {
        int64_t days;
        if (since_date(s, &days, why, why_size) != 0)
            return -1;
        if (s[10] == '\0') { /* midnight, local time */
            struct dw_time t = {.kind = DW_TIME_DATE, .us = days * INT64_C(86400) * 1000000};
            *out = dw_time_instant(&t);
            return 0;
        }
        if (s[10] != 'T' && s[10] != ' ') {
            snprintf(why, why_size, "unexpected '%s' after the date (a time follows a T)", s + 10);
            return -1;
        }
        return since_time(s, s + 10, out, why, why_size);
    }
    if (digits > 0 && s[0] != '-' && s[0] != '+')
        return bad_duration(s, why, why_size);
    snprintf(why, why_size, "give " SINCE_FORMS);
    return -1;
}

int64_t dw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
