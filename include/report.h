/* report.h - incidents as text for people and JSON for programs.
 *
 * JSON (one object per incident per line) is a versioned interface,
 * documented by docs/incident.schema.json.  Text escapes every control
 * character that came from a log, so log text cannot act on a terminal. */
#ifndef DW_REPORT_H
#define DW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "incident.h"
#include "util.h"

#define DW_JSON_FORMAT_VERSION 1

enum dw_format { DW_FORMAT_TEXT, DW_FORMAT_JSON };
/* Returns 0 and sets *out for "text" or "json"; -1 otherwise. */
int dw_format_parse(const char *s, enum dw_format *out);

/* Appends the incident as one line of compact JSON (no newline) to out.
 * id is the number to print as "id" (the DB id, or the output ordinal). */
void report_json_incident(struct dw_buf *out, const struct dw_incident *inc, long long id);

struct dw_text_style {
    bool color;   /* ANSI colours (only on a terminal) */
    bool verbose; /* all evidence lines (show) instead of the first few (scan) */
};
/* Appends a multi-line human description of the incident to out. */
void report_text_incident(struct dw_buf *out, const struct dw_incident *inc, long long id,
                          const struct dw_text_style *st);
/* One line: "#id  last-seen  severity  subject  class: summary". */
void report_text_oneline(struct dw_buf *out, const struct dw_incident *inc, long long id,
                         const struct dw_text_style *st);
/* Appends s escaped for a terminal (see dw_escape_term); NULL prints "-". */
void report_text_escaped(struct dw_buf *out, const char *s);

#endif
