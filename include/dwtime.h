/* dwtime.h - timestamps as log lines give them.
 *
 * macOS prints `2024-01-01 12:00:00.123456-0700`; pastes cut off the date or
 * the offset; dmesg gives seconds since boot; classic syslog has no year.
 * A dw_time keeps what was known and a number that orders and subtracts. */
#ifndef DW_TIME_H
#define DW_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dw_time_kind {
    DW_TIME_NONE = 0, /* the line had no time */
    DW_TIME_DATE,     /* calendar date and time of day */
    DW_TIME_CLOCK,    /* time of day only (the poster cut off the date) */
    DW_TIME_UPTIME,   /* seconds since boot (dmesg) */
};

struct dw_time {
    enum dw_time_kind kind;
    /* DATE: microseconds since 1970-01-01T00:00Z; when the text had no offset,
     * the wall-clock time is taken as if it were UTC.
     * CLOCK: microseconds since midnight (UTC when an offset was given).
     * UPTIME: microseconds since boot. */
    int64_t us;
    bool has_offset;
    int offset_min;  /* minutes east of UTC, when has_offset */
    int frac_digits; /* 0..9 digits of fraction given in the text */
};

#define DW_TIME_ISO_MAX 48

/* Parses an ISO-like time at the start of s[0..n): `YYYY-MM-DD[ T]HH:MM:SS`
 * with optional `.fraction` and optional offset `Z`, `+hhmm`, `+hh:mm` or ` +hhmm`
 * (Console puts a space before it).  Also accepts a time of day alone
 * `HH:MM:SS[.f][offset]` (kind CLOCK).  Returns bytes consumed, 0 if no time. */
size_t dw_time_parse(const char *s, size_t n, struct dw_time *t);
/* Tests: true makes dw_time_parse skip its fast path for a full
 * `YYYY-MM-DD HH:MM:SS` (the results must not differ); false restores it. */
void dw_time_force_general(bool on);

/* Writes ISO 8601 into out: `2024-01-01T12:00:00.123456-07:00` (DATE),
 * `12:00:00.123456-07:00` (CLOCK), keeping the given fraction digits and the
 * offset only if given.  NONE and UPTIME write "" and return false. */
bool dw_time_format(const struct dw_time *t, char out[DW_TIME_ISO_MAX]);

/* ---- the reader's zone: display and command-line times ----
 * Parsing never uses the local zone.  Display does, for a date the log gave
 * without an offset (taken as the local time, TZ, of the machine reading it),
 * and so does a command-line time without an offset. */

/* Local offsets are taken to lie within this many minutes of UTC (real zones
 * lie within -12h..+14h; a POSIX TZ string may say up to 24:59). */
#define DW_TIME_OFFSET_MAX_MIN (26 * 60)

/* Minutes east of UTC of the local zone (TZ) at a wall-clock time given as
 * microseconds since the epoch read as if UTC (mktime resolves a time that a
 * DST change skips or repeats).  Clamped to +-DW_TIME_OFFSET_MAX_MIN. */
int dw_time_local_offset_min(int64_t wall_us);

/* The instant of a DATE time, microseconds since 1970-01-01T00:00Z: us when
 * the log gave an offset, else us read as local time. */
int64_t dw_time_instant(const struct dw_time *t);

/* The one form of every time in text output:
 * `2026-11-20T10:14:03.312040-08:00`, the fraction as the log gave it;
 * the log's own offset, or the local one (TZ) when the log gave none (the
 * wall-clock time stays the log's); with utc, the instant in UTC ending in
 * `Z`.  A time of day alone (CLOCK) keeps its offset, or is written as
 * given when it has none (with no date, no zone can place it).  NONE and
 * UPTIME write "" and return false. */
bool dw_time_display(const struct dw_time *t, bool utc, char out[DW_TIME_ISO_MAX]);

/* The proleptic Gregorian date of a day number (days since 1970-01-01). */
void dw_time_civil(int64_t days, int64_t *year, int *month, int *day);

/* Days of month m (1..12) of year y; 0 for another m. */
int dw_time_days_in_month(int y, int m);

/* Microseconds since the epoch of a broken-down UTC time (no libc timezone). */
int64_t dw_time_from_civil(int year, int month, int day, int hour, int min, int sec);

/* The current year in UTC, from time(): for classic syslog lines, which print
 * no year. */
int dw_time_current_year(void);

#endif
