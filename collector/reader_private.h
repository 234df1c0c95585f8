/* reader_private.h - what reader.c, parse_text.c and parse_json.c share.
 * Private to the reader stage; nothing outside collector/reader*.c and
 * collector/parse_*.c includes it. */
#ifndef DW_READER_PRIVATE_H
#define DW_READER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "reader.h"
#include "util.h"

/* Where a parser puts the strings of the event it fills.  Fields are appended
 * to one reused buffer and the pointers fixed up once it stops growing, so a
 * record costs no malloc once the buffer has reached its working size. */
struct dw_fields {
    struct dw_buf buf;
    size_t off[8]; /* offsets of the fields below into buf, SIZE_MAX = absent */
    size_t message_len;
};
enum dw_field { F_TIME, F_PROCESS, F_LEVEL, F_SUBSYSTEM, F_CATEGORY, F_SENDER, F_MESSAGE, F_COUNT };

/* Empties f for a new record (keeps memory); all fields absent. */
void fields_reset(struct dw_fields *f);
/* Stores s[0..n) as field `which`, NUL bytes replaced by U+FFFD. */
void fields_put(struct dw_fields *f, enum dw_field which, const char *s, size_t n);
/* Points ev's string members into f (message "" when absent). */
void fields_apply(struct dw_fields *f, struct dw_event *ev);

/* True for lines printed around the records in any style: banners, column
 * headers, footers.  s[0..n) is one line without its newline. */
bool text_is_header(const char *s, size_t n);
/* True if the line begins a new record in a text style (it has the style's
 * leading timestamp; plain: it does not start with blank space). */
bool text_starts_record(enum dw_style style, const char *s, size_t n);
/* Parses one text record s[0..n) (lines joined by '\n') of `style` into ev and
 * f.  Returns false with *why set if the record cannot be parsed. */
bool text_parse_record(enum dw_style style, const char *s, size_t n, struct dw_event *ev,
                       struct dw_fields *f, const char **why);

/* Result of parsing one JSON object record. */
enum dw_json_result { DW_JSON_EVENT, DW_JSON_HEADER, DW_JSON_MALFORMED };
/* Parses one JSON object text s[0..n) (json or ndjson) into ev and f. */
enum dw_json_result json_parse_record(const char *s, size_t n, struct dw_event *ev,
                                      struct dw_fields *f, const char **why);

/* State of the json style's scanner, carried from line to line: a
 * pretty-printed array of objects, one record per object at depth 1. */
struct dw_json_scan {
    uint64_t depth;  /* open brackets and braces */
    bool in_string, escaped;
    bool in_array;   /* inside the outer '[' */
    bool capturing;  /* inside a record object */
    bool oversized;  /* the record outgrew DW_READER_MAX_RECORD: not kept */
    long obj_line;   /* line where the record object opened */
    struct dw_buf obj;
};
/* Called with the text of each record object as it closes. */
typedef void (*dw_json_object_fn)(void *ctx, const char *s, size_t n, long line, bool oversized);
/* Scans one line (without newline) of the json style.  Returns false if the
 * line held text outside any object that JSON does not allow there. */
bool json_scan_line(struct dw_json_scan *js, const char *s, size_t n, long line,
                    dw_json_object_fn fn, void *ctx);

/* dwtime.c helpers that are not part of the public interface. */
int dw_time_current_year(void);
int dw_time_days_in_month(int year, int month);

#endif
