/* style.c - the `log` output styles by name, and guessing a style from one
 * line.  Between the parsers (it tries the BSD parser on a candidate line)
 * and reader.c (which calls dw_style_detect_line on the first lines). */
#include <string.h>

#include "fields.h"
#include "parse_text.h"
#include "style.h"

static const char *const style_names[] = {"auto", "default", "syslog", "compact",
                                          "json", "ndjson",  "plain",  "bsd"};

const char *dw_style_name(enum dw_style s)
{
    if ((unsigned)s < sizeof style_names / sizeof style_names[0])
        return style_names[s];
    return "?";
}

int dw_style_parse(const char *name, enum dw_style *out)
{
    for (size_t k = 0; name && k < sizeof style_names / sizeof style_names[0]; k++) {
        if (strcmp(name, style_names[k]) == 0) {
            *out = (enum dw_style)k;
            return 0;
        }
    }
    return -1;
}

/* ---- detection ---- */

/* After `YYYY-MM-DD HH:MM:SS`: `.mmm Ty ` is compact, `...  host` syslog,
 * ` 0x` default; anything else (NSLog, `time process: msg`) is a paste. */
static enum dw_style detect_iso(const char *s, size_t n)
{
    struct dw_time t;
    size_t k = dw_time_parse(s, n, &t);
    if (!k || t.kind != DW_TIME_DATE)
        return DW_STYLE_PLAIN;
    if (!t.has_offset && t.frac_digits == 3 && k + 3 < n && s[k] == ' ' && s[k + 1] != ' ') {
        size_t e = k + 1; /* compact's type code, else NSLog's `App[pid:tid]` (plain) */
        while (e < n && e - k <= 3 && !tx_is_space(s[e]))
            e++;
        return e < n && e - k <= 3 && s[e] == ' ' ? DW_STYLE_COMPACT : DW_STYLE_PLAIN;
    }
    if (k + 2 < n && s[k] == ' ' && s[k + 1] == ' ' && !tx_is_space(s[k + 2]))
        return DW_STYLE_SYSLOG;
    size_t i = k;
    while (i < n && tx_is_space(s[i]))
        i++;
    if (i > k && i + 2 < n && s[i] == '0' && s[i + 1] == 'x')
        return DW_STYLE_DEFAULT;
    return DW_STYLE_PLAIN;
}

enum dw_style dw_style_detect_line(const char *line, size_t n)
{
    size_t i = 0;
    while (i < n && tx_is_space(line[i]))
        i++;
    const char *s = line + i;
    n -= i;
    if (n == 0)
        return DW_STYLE_AUTO;
    if (s[0] == 'T' && text_is_header(s, n)) {
        if (tx_find(s, n, "Thread", 6))
            return DW_STYLE_DEFAULT;
        if (tx_find(s, n, "(process)[PID]", 14))
            return DW_STYLE_SYSLOG;
        if (tx_find(s, n, "Process[PID:TID]", 16))
            return DW_STYLE_COMPACT;
        return DW_STYLE_AUTO;
    }
    if (text_is_header(s, n))
        return DW_STYLE_AUTO;
    if (s[0] == '[') {
        size_t j = 1;
        while (j < n && tx_is_space(s[j]))
            j++;
        if (j == n || s[j] == '{' || s[j] == ']')
            return DW_STYLE_JSON;
        return DW_STYLE_PLAIN; /* dmesg `[  389.898111]: ...` or a pasted `[sub:cat]` */
    }
    if (s[0] == '{')
        return DW_STYLE_NDJSON;
    if (i == 0 && n >= 19 && tx_is_digit(s[0]) && s[4] == '-' && s[13] == ':')
        return detect_iso(s, n);
    if (i == 0 && text_starts_record(DW_STYLE_BSD, s, n)) {
        struct dw_event ev = {.pid = -1};
        struct dw_fields f = {0};
        const char *why;
        fields_reset(&f);
        bool ok = text_parse_record(DW_STYLE_BSD, s, n, &ev, &f, &why);
        buf_free(&f.buf);
        if (ok)
            return DW_STYLE_BSD;
    }
    return DW_STYLE_PLAIN;
}
