/* duration.h - "30m", "2h", "7d" and ISO times as given on the command line. */
#ifndef DW_DURATION_H
#define DW_DURATION_H

#include <stdint.h>

/* "90s", "30m", "2h", "7d", "2w" (a bare number is seconds) -> microseconds.
 * Returns 0, or -1 when s is not such a duration. */
int dw_duration_parse(const char *s, int64_t *us);

/* --since: a duration back from now_us, or an ISO 8601 time
 * (`2026-11-27T10:00`, optional seconds, fraction and offset; without an offset
 * the time is taken as written, like undated-offset log times).  Sets *out to
 * microseconds comparable with dw_time.us of DATE times.  0 ok, -1 invalid. */
int dw_since_parse(const char *s, int64_t now_us, int64_t *out);

/* Current wall-clock time in microseconds since the epoch. */
int64_t dw_now_us(void);

#endif
