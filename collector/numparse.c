/* numparse.c - whole numbers from the command line (numparse.h). */
#include "numparse.h"

#include <stdbool.h>

int dw_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s)
        return -1;
    bool negative = *s == '-' && min < 0;
    if (negative)
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    /* accumulate as a negative number: INT64_MIN has no positive twin */
    int64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        int digit = *s - '0';
        if (v < (INT64_MIN + digit) / 10)
            return -1;
        v = v * 10 - digit;
    }
    if (*s != '\0')
        return -1;
    if (!negative) {
        if (v == INT64_MIN)
            return -1;
        v = -v;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
