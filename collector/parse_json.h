/* parse_json.h - the json and ndjson styles (parse_json.c): one object record
 * to an event, and the line scanner of the pretty-printed json style.
 * Private to the reader stage; uses only fields.h. */
#ifndef DW_PARSE_JSON_H
#define DW_PARSE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fields.h"
#include "style.h"

/* Result of parsing one JSON object record. */
enum dw_json_result { DW_JSON_EVENT, DW_JSON_HEADER, DW_JSON_MALFORMED };
/* Parses one JSON object text s[0..n) (json or ndjson) into ev and f. */
enum dw_json_result json_parse_record(const char *s, size_t n, struct dw_event *ev,
                                      struct dw_fields *f, const char **why);

/* State of the json style's scanner, carried from line to line: a
 * pretty-printed array of objects, one record per object at depth 1. */
struct dw_json_scan {
    uint64_t depth; /* open brackets and braces */
    bool in_string, escaped;
    bool in_array;  /* inside the outer '[' */
    bool capturing; /* inside a record object */
    bool oversized; /* the record outgrew DW_READER_MAX_RECORD: not kept */
    long obj_line;  /* line where the record object opened */
    struct dw_buf obj;
};
/* Called with the text of each record object as it closes. */
typedef void (*dw_json_object_fn)(void *ctx, const char *s, size_t n, long line, bool oversized);
/* Scans one line (without newline) of the json style.  Returns false if the
 * line held text outside any object that JSON does not allow there. */
bool json_scan_line(struct dw_json_scan *js, const char *s, size_t n, long line,
                    dw_json_object_fn fn, void *ctx);

#endif
