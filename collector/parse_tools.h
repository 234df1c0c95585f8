/* parse_tools.h - output of tools people paste next to logs (parse_tools.c):
 * `systemextensionsctl list` rows, crash reports, kextutil diagnostics.
 * Private to the reader stage; uses only fields.h. */
#ifndef DW_PARSE_TOOLS_H
#define DW_PARSE_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fields.h"

/* Each parser returns false (ev and f untouched) when the record is not of its
 * shape. */
bool sysext_is_row(const char *s, size_t n);
bool sysext_is_header(const char *s, size_t n);
bool sysext_parse_row(const char *s, size_t eol, struct dw_event *ev, struct dw_fields *f);
/* Crash reports: true if the line begins one (`Process:  name [pid]`,
 * `Exception Type:` ...), or may continue one. */
bool crash_starts(const char *s, size_t n);
bool crash_continues(const char *s, size_t n);
/* `Process:` begins the next report when the record already has one. */
bool crash_is_process_line(const char *s, size_t n);
bool crash_parse_record(const char *s, size_t n, struct dw_event *ev, struct dw_fields *f);
/* kextutil `Diagnostics for <path>:` blocks. */
bool diagnostics_starts(const char *s, size_t n);
bool diagnostics_continues(const char *s, size_t n);
bool diagnostics_parse_record(const char *s, size_t n, size_t eol, struct dw_event *ev,
                              struct dw_fields *f);

#endif
