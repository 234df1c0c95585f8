/* numparse.h - whole numbers from the command line, refused rather than
 * clamped.  strtoll() turns 99999999999999999999 into LLONG_MAX and says so
 * only in errno; a caller that forgets errno looks up incident
 * 9223372036854775807 or lists "all" incidents.  These parse the whole text
 * as one decimal number and fail on anything else. */
#ifndef DW_NUMPARSE_H
#define DW_NUMPARSE_H

#include <stdint.h>

/* Parses s as a decimal integer within [min, max]: digits only, a leading
 * '-' when min < 0, no spaces, no '+', no trailing text, no overflow.
 * 0 and *out set, or -1 (*out untouched). */
int dw_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* A size in bytes: a positive decimal number, optionally followed by K or M
 * (KiB, MiB; either case): "4096", "64K", "1M".  0 and *out set, or -1. */
int dw_parse_size(const char *s, int64_t *out);

#endif
