/* style.h - the output styles of `log` (and the paste shapes dextwatch
 * reads), their names, guessing one from a line (style.c), and the longest
 * record any style's reader keeps.  The reader stage's vocabulary: reader.h
 * and the parsers below reader.c both use it. */
#ifndef DW_STYLE_H
#define DW_STYLE_H

#include <stddef.h>

#define DW_READER_MAX_RECORD (4u << 20) /* 4 MiB: a record longer than this is skipped */

enum dw_style {
    DW_STYLE_AUTO = 0,
    DW_STYLE_DEFAULT, /* log --style default */
    DW_STYLE_SYSLOG,  /* log --style syslog */
    DW_STYLE_COMPACT, /* log --style compact */
    DW_STYLE_JSON,    /* log --style json: a pretty-printed JSON array */
    DW_STYLE_NDJSON,  /* log --style ndjson: one JSON object per line */
    DW_STYLE_PLAIN,   /* forum pastes: `process: message`, Console copies, dmesg */
    DW_STYLE_BSD,     /* classic /var/log/system.log: `Jan 22 16:39:16 host proc[pid]: msg` */
};
const char *dw_style_name(enum dw_style s);
/* Returns 0 and sets *out for a name listed above ("auto", "default", ...); -1 otherwise. */
int dw_style_parse(const char *name, enum dw_style *out);

/* Guesses the style from one line (without its newline).  Returns
 * DW_STYLE_AUTO when the line does not decide (blank, a banner such as
 * "Filtering the log data using ...", a column header that several styles
 * share, etc.).  The reader calls this on the first lines of an input. */
enum dw_style dw_style_detect_line(const char *line, size_t n);

#endif
