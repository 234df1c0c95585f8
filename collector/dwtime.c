/* dwtime.c - parse and format the timestamps that log lines carry.
 *
 * Parsing uses no libc time-zone function: a log line carries its own offset
 * (or none), and the machine reading the log is rarely the one that wrote it.
 * Only display (dw_time_display) and command-line times ask the local zone,
 * through mktime, about a date the log gave without an offset. */
#include "dwtime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); valid for any year an int64 can hold in days. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
void dw_time_civil(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t dw_time_from_civil(int year, int month, int day, int hour, int min, int sec)
{
    int64_t days = days_from_civil(year, month, day);
    return ((days * 86400) + (int64_t)hour * 3600 + (int64_t)min * 60 + sec) * US_PER_SEC;
}

int dw_time_current_year(void)
{
    int64_t y;
    int m, d;
    time_t now = time(NULL);
    int64_t secs = (int64_t)now;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    dw_time_civil(days, &y, &m, &d);
    return (int)y;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int dw_time_days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly `count` decimal digits at s[*i]; false if any is missing. */
static inline bool digits(const char *s, size_t n, size_t *i, int count, int *out)
{
    size_t j = *i; /* a local index: stores through i would be reloaded after every char load */
    if (n < j || n - j < (size_t)count)
        return false;
    int v = 0;
    for (int k = 0; k < count; k++) {
        unsigned d = (unsigned char)s[j + (size_t)k] - (unsigned)'0';
        if (d > 9)
            return false;
        v = v * 10 + (int)d;
    }
    *out = v;
    *i = j + (size_t)count;
    return true;
}

static bool is_digit_at(const char *s, size_t n, size_t i)
{
    return i < n && s[i] >= '0' && s[i] <= '9';
}

/* Parses `+hhmm`, `+hh:mm`, `+hh` or `Z` at s[*i]; advances *i on success. */
static bool parse_offset(const char *s, size_t n, size_t *i, int *minutes)
{
    size_t j = *i;
    if (j < n && s[j] == 'Z') {
        j++;
        if (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z')))
            return false;
        *minutes = 0;
        *i = j;
        return true;
    }
    if (j >= n || (s[j] != '+' && s[j] != '-'))
        return false;
    int sign = s[j] == '-' ? -1 : 1;
    int hh, mm = 0;
    j++;
    if (!digits(s, n, &j, 2, &hh))
        return false;
    if (j < n && s[j] == ':' && is_digit_at(s, n, j + 1)) {
        j++;
        if (!digits(s, n, &j, 2, &mm))
            return false;
    } else if (is_digit_at(s, n, j)) {
        if (!digits(s, n, &j, 2, &mm))
            return false;
    }
    if (is_digit_at(s, n, j) || hh > 23 || mm > 59)
        return false;
    *minutes = sign * (hh * 60 + mm);
    *i = j;
    return true;
}

/* Parses `HH:MM:SS[.f]` at s[*i] into seconds of day and microseconds. */
static bool parse_clock(const char *s, size_t n, size_t *i, int64_t *us, int *frac_digits)
{
    int hh, mm, ss;
    size_t j = *i;
    if (!digits(s, n, &j, 2, &hh) || j >= n || s[j++] != ':' || !digits(s, n, &j, 2, &mm) ||
        j >= n || s[j++] != ':' || !digits(s, n, &j, 2, &ss))
        return false;
    if (hh > 23 || mm > 59 || ss > 60 || is_digit_at(s, n, j))
        return false;
    int64_t frac = 0;
    int nd = 0;
    if (j < n && (s[j] == '.' || s[j] == ',') && is_digit_at(s, n, j + 1)) {
        j++;
        while (is_digit_at(s, n, j)) {
            if (nd < 6)
                frac = frac * 10 + (s[j] - '0');
            nd++;
            j++;
        }
        for (int k = nd; k < 6; k++)
            frac *= 10;
        if (nd > 9)
            nd = 9;
    }
    *us = ((int64_t)hh * 3600 + mm * 60 + ss) * US_PER_SEC + frac;
    *frac_digits = nd;
    *i = j;
    return true;
}

/* After a clock: an offset directly attached, or after one space (Console). */
static void parse_trailing_offset(const char *s, size_t n, size_t *i, struct dw_time *t)
{
    size_t j = *i;
    int off;
    if (parse_offset(s, n, &j, &off)) {
        t->has_offset = true;
        t->offset_min = off;
        *i = j;
        return;
    }
    j = *i;
    if (j < n && s[j] == ' ' && j + 1 < n && (s[j + 1] == '+' || s[j + 1] == '-')) {
        j++;
        if (parse_offset(s, n, &j, &off)) {
            t->has_offset = true;
            t->offset_min = off;
            *i = j;
        }
    }
}

/* The value of the two digits at s (both known to be digits). */
static inline int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* `YYYY-MM-DD HH:MM:SS` (or with 'T') in full at s[0..19): every log style's
 * own timestamp.  The general path below reads it too, digit by digit; this
 * one only decides faster that it is there. */
static inline bool dig(char c)
{
    return (unsigned char)c - (unsigned)'0' <= 9;
}

static bool iso_seconds_at(const char *s, size_t n)
{
    return n >= 19 && dig(s[0]) && dig(s[1]) && dig(s[2]) && dig(s[3]) && s[4] == '-' &&
           dig(s[5]) && dig(s[6]) && s[7] == '-' && dig(s[8]) && dig(s[9]) &&
           (s[10] == ' ' || s[10] == 'T') && dig(s[11]) && dig(s[12]) && s[13] == ':' &&
           dig(s[14]) && dig(s[15]) && s[16] == ':' && dig(s[17]) && dig(s[18]);
}

static bool force_general;

void dw_time_force_general(bool on)
{
    force_general = on;
}

/* The fast path: `YYYY-MM-DD HH:MM:SS` (iso_seconds_at said so) with the
 * optional fraction and offset, the shape of every `log` line.  Fills *t in
 * place and returns bytes used, or 0 for an invalid date or time. */
static inline size_t parse_iso_seconds(const char *s, size_t n, struct dw_time *t)
{
    /* Log lines come in time order: the minute (`YYYY-MM-DD HH:MM`, 16
     * bytes, checked when first seen) is usually the previous line's. */
    static _Thread_local struct {
        char key[16];
        int64_t us; /* the minute's start, as if UTC */
    } minute;
    int ss = two(s + 17);
    if (ss > 60)
        return 0;
    if (memcmp(s, minute.key, 16) != 0) {
        int y = two(s) * 100 + two(s + 2), mo = two(s + 5), d = two(s + 8);
        int hh = two(s + 11), mm = two(s + 14);
        if (mo < 1 || mo > 12 || d < 1 || d > dw_time_days_in_month(y, mo) || hh > 23 || mm > 59)
            return 0;
        memcpy(minute.key, s, 16);
        minute.us = dw_time_from_civil(y, mo, d, hh, mm, 0);
    }
    size_t i = 19;
    if (i < n && dig(s[i]))
        return 0; /* a third digit of seconds */
    /* from here on nothing fails: fill *t in place (building a local
     * and copying it stalls on store forwarding) */
    int64_t frac = 0;
    int nd = 0;
    if (i + 7 < n && s[i] == '.' && dig(s[i + 1]) && dig(s[i + 2]) && dig(s[i + 3]) &&
        dig(s[i + 4]) && dig(s[i + 5]) && dig(s[i + 6]) && !dig(s[i + 7])) {
        frac = two(s + i + 1) * 10000 + two(s + i + 3) * 100 + two(s + i + 5);
        nd = 6; /* `log`'s microseconds */
        i += 7;
    } else if (i + 1 < n && (s[i] == '.' || s[i] == ',') && dig(s[i + 1])) {
        for (i++; i < n && dig(s[i]); i++, nd++)
            if (nd < 6)
                frac = frac * 10 + (s[i] - '0');
        for (int k = nd; k < 6; k++)
            frac *= 10;
    }
    t->kind = DW_TIME_DATE;
    t->frac_digits = nd > 9 ? 9 : nd;
    t->has_offset = false;
    t->offset_min = 0;
    parse_trailing_offset(s, n, &i, t);
    t->us = minute.us + ss * US_PER_SEC + frac;
    if (t->has_offset)
        t->us -= (int64_t)t->offset_min * 60 * US_PER_SEC;
    return i;
}

/* `YYYY-MM-DD[ T]HH:MM[:SS][.f][offset]` in the general way; 0 if s does not
 * start with a four-digit year and '-', or the date is invalid. */
static size_t parse_date_general(const char *s, size_t n, struct dw_time *t)
{
    struct dw_time r = {0};
    size_t i = 0;
    int y, mo, d;
    int64_t clock_us;
    if (!digits(s, n, &i, 4, &y) || i >= n || s[i] != '-')
        return 0;
    i++;
    if (!digits(s, n, &i, 2, &mo) || i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &d))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > dw_time_days_in_month(y, mo))
        return 0;
    if (i >= n || (s[i] != ' ' && s[i] != 'T'))
        return 0;
    i++;
    if (!parse_clock(s, n, &i, &clock_us, &r.frac_digits))
        return 0;
    parse_trailing_offset(s, n, &i, &r);
    r.kind = DW_TIME_DATE;
    r.us = dw_time_from_civil(y, mo, d, 0, 0, 0) + clock_us;
    if (r.has_offset)
        r.us -= (int64_t)r.offset_min * 60 * US_PER_SEC;
    *t = r;
    return i;
}

/* A time of day alone, `HH:MM:SS[.f][offset]` (kind CLOCK, taken to UTC
 * when an offset is given). */
static size_t parse_time_of_day(const char *s, size_t n, struct dw_time *t)
{
    struct dw_time r = {0};
    size_t i = 0;
    int64_t clock_us;
    if (!parse_clock(s, n, &i, &clock_us, &r.frac_digits))
        return 0;
    parse_trailing_offset(s, n, &i, &r);
    r.kind = DW_TIME_CLOCK;
    if (r.has_offset)
        clock_us -= (int64_t)r.offset_min * 60 * US_PER_SEC;
    clock_us %= US_PER_DAY;
    if (clock_us < 0)
        clock_us += US_PER_DAY;
    r.us = clock_us;
    *t = r;
    return i;
}

size_t dw_time_parse(const char *s, size_t n, struct dw_time *t)
{
    if (!force_general && iso_seconds_at(s, n))
        return parse_iso_seconds(s, n, t);
    if (n >= 5 && dig(s[0]) && dig(s[1]) && dig(s[2]) && dig(s[3]) && s[4] == '-')
        return parse_date_general(s, n, t);
    return parse_time_of_day(s, n, t);
}

/* Writes `.ffffff` trimmed or padded to t->frac_digits digits. */
static int format_fraction(char *out, size_t cap, int64_t us_in_sec, int nd)
{
    char six[8];
    if (nd <= 0)
        return 0;
    snprintf(six, sizeof six, "%06lld", (long long)us_in_sec);
    size_t k = 0;
    if (k < cap)
        out[k++] = '.';
    for (int i = 0; i < nd && k + 1 < cap; i++)
        out[k++] = i < 6 ? six[i] : '0';
    out[k < cap ? k : cap - 1] = '\0';
    return (int)k;
}

static int format_offset(char *out, size_t cap, int off)
{
    char sign = off < 0 ? '-' : '+';
    int a = off < 0 ? -off : off;
    return snprintf(out, cap, "%c%02d:%02d", sign, a / 60, a % 60);
}

bool dw_time_format(const struct dw_time *t, char out[DW_TIME_ISO_MAX])
{
    out[0] = '\0';
    if (t->kind != DW_TIME_DATE && t->kind != DW_TIME_CLOCK)
        return false;
    int64_t local = t->us + (t->has_offset ? (int64_t)t->offset_min * 60 * US_PER_SEC : 0);
    int64_t days = local >= 0 ? local / US_PER_DAY : -((-local + US_PER_DAY - 1) / US_PER_DAY);
    int64_t in_day = local - days * US_PER_DAY;
    int64_t secs = in_day / US_PER_SEC;
    int64_t us = in_day % US_PER_SEC;
    int len;
    if (t->kind == DW_TIME_DATE) {
        int64_t y;
        int m, d;
        dw_time_civil(days, &y, &m, &d);
        len = snprintf(out, DW_TIME_ISO_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
                       (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    } else {
        len = snprintf(out, DW_TIME_ISO_MAX, "%02d:%02d:%02d", (int)(secs / 3600),
                       (int)(secs / 60 % 60), (int)(secs % 60));
    }
    if (len < 0 || len >= DW_TIME_ISO_MAX)
        return false;
    len += format_fraction(out + len, DW_TIME_ISO_MAX - (size_t)len, us, t->frac_digits);
    if (t->has_offset)
        format_offset(out + len, DW_TIME_ISO_MAX - (size_t)len, t->offset_min);
    return true;
}

int dw_time_local_offset_min(int64_t wall_us)
{
    int64_t secs =
        wall_us >= 0 ? wall_us / US_PER_SEC : -((-wall_us + US_PER_SEC - 1) / US_PER_SEC);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t in_day = secs - days * 86400, y;
    int m, d;
    dw_time_civil(days, &y, &m, &d);
    if (y < 1900 + 1 || y > 1900 + 100000) /* beyond what struct tm surely holds */
        return 0;
    struct tm tm = {.tm_year = (int)(y - 1900),
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = (int)(in_day / 3600),
                    .tm_min = (int)(in_day / 60 % 60),
                    .tm_sec = (int)(in_day % 60),
                    .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (t == (time_t)-1) /* an error (or 1969-12-31T23:59:59Z, read as UTC alike) */
        return 0;
    int64_t off = (secs - (int64_t)t) / 60;
    if (off > DW_TIME_OFFSET_MAX_MIN)
        off = DW_TIME_OFFSET_MAX_MIN;
    if (off < -DW_TIME_OFFSET_MAX_MIN)
        off = -DW_TIME_OFFSET_MAX_MIN;
    return (int)off;
}

int64_t dw_time_instant(const struct dw_time *t)
{
    if (t->kind != DW_TIME_DATE || t->has_offset)
        return t->us;
    return t->us - (int64_t)dw_time_local_offset_min(t->us) * 60 * US_PER_SEC;
}

bool dw_time_display(const struct dw_time *t, bool utc, char out[DW_TIME_ISO_MAX])
{
    struct dw_time d = *t;
    if (t->kind == DW_TIME_DATE && utc) {
        d.us = dw_time_instant(t);
        d.has_offset = true;
        d.offset_min = 0;
    } else if (t->kind == DW_TIME_DATE && !t->has_offset) {
        d.has_offset = true; /* the same wall-clock time, with the local offset */
        d.offset_min = dw_time_local_offset_min(t->us);
        d.us = t->us - (int64_t)d.offset_min * 60 * US_PER_SEC;
    } else if (t->kind == DW_TIME_CLOCK && utc && t->has_offset) {
        d.offset_min = 0; /* us is already the time of day in UTC */
    }
    if (!dw_time_format(&d, out))
        return false;
    size_t n = strlen(out);
    if (utc && d.has_offset && d.offset_min == 0 && n >= 6 && strcmp(out + n - 6, "+00:00") == 0)
        memcpy(out + n - 6, "Z", 2);
    return true;
}
