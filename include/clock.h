/* clock.h - the monotonic clock the service layer times itself by (backoff,
 * commit rounds, delivery deadlines).  Not the log's time: that is dwtime.h. */
#ifndef DW_CLOCK_H
#define DW_CLOCK_H

#include <stdint.h>

/* Microseconds on CLOCK_MONOTONIC: only differences mean anything. */
int64_t dw_mono_us(void);

#endif
