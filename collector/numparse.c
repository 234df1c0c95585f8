/* numparse.c - whole numbers from the command line (numparse.h). */
#include "numparse.h"

#include <stdbool.h>
#include <string.h>

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

int dw_parse_size(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    size_t n = strlen(s);
    int64_t unit = 1;
    if (n > 1 && (s[n - 1] == 'k' || s[n - 1] == 'K'))
        unit = 1024;
    else if (n > 1 && (s[n - 1] == 'm' || s[n - 1] == 'M'))
        unit = 1024 * 1024;
    char digits[32];
    size_t nd = unit == 1 ? n : n - 1;
    if (nd == 0 || nd >= sizeof digits)
        return -1;
    memcpy(digits, s, nd);
    digits[nd] = '\0';
    int64_t v;
    if (dw_parse_int64(digits, 1, INT64_MAX / unit, &v) != 0)
        return -1;
    *out = v * unit;
    return 0;
}
