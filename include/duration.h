/* duration.h - "30m", "2h", "7d" and ISO times as given on the command line. */
#ifndef DW_DURATION_H
#define DW_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* "90s", "30m", "2h", "7d", "2w" (a bare number is seconds) -> microseconds.
 * Returns 0, or -1 when s is not such a duration. */
int dw_duration_parse(const char *s, int64_t *us);

/* --since: a duration back from now_us (30m, 2h, 7d), a date `2026-11-20`
 * (its midnight, local time) or an ISO 8601 time `2026-11-20T10:00` (a space
 * for the T, optional seconds, fraction and offset `Z`, `+01:00`, `+0100`;
 * without an offset, local time).  Local time is the zone of TZ, as for log
 * times without an offset (dwtime.h).  Sets *out to the instant, microseconds
 * since the epoch (dw_time_instant).  0, or -1 with a one-line reason in why
 * (why_size bytes, never empty). */
int dw_since_parse(const char *s, int64_t now_us, int64_t *out, char *why, size_t why_size);

/* Current wall-clock time in microseconds since the epoch. */
int64_t dw_now_us(void);

#endif
