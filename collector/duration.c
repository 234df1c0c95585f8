/* duration.c - command-line durations and times. */
#include "duration.h"

#include <errno.h>
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

int dw_since_parse(const char *s, int64_t now_us, int64_t *out)
{
    int64_t d;
    if (dw_duration_parse(s, &d) == 0) {
        *out = now_us - d;
        return 0;
    }
    /* ISO time; supply ":00" seconds when only HH:MM is given */
    char buf[64];
    size_t n = strlen(s);
    if (n >= sizeof buf - 4)
        return -1;
    memcpy(buf, s, n + 1);
    if (n == 16 && (buf[10] == 'T' || buf[10] == ' ') && buf[13] == ':') {
        memcpy(buf + 16, ":00", 4);
        n += 3;
    } else if (n > 16 && (buf[10] == 'T' || buf[10] == ' ') && buf[13] == ':' && buf[16] != ':') {
        /* HH:MM followed by an offset */
        memmove(buf + 19, buf + 16, n - 16 + 1);
        memcpy(buf + 16, ":00", 3);
        n += 3;
    }
    struct dw_time t;
    size_t used = dw_time_parse(buf, n, &t);
    if (used != n || t.kind != DW_TIME_DATE)
        return -1;
    *out = t.us;
    return 0;
}

int64_t dw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
