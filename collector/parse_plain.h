/* parse_plain.h - pastes of many shapes (parse_plain.c): where a plain record
 * ends, and how it is split.  Private to the reader stage; built on
 * parse_text.h and parse_tools.h, never the other way round. */
#ifndef DW_PARSE_PLAIN_H
#define DW_PARSE_PLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fields.h"

/* What the pending plain record needs to decide whether a following line
 * continues it: its indentation, its kind, and whether an NSError text in it
 * (`Error Domain=... "..." UserInfo={...}`) is still open. */
enum dw_plain_kind { PLAIN_LINE, PLAIN_CRASH, PLAIN_DIAGNOSTICS };
struct dw_plain_state {
    enum dw_plain_kind kind;
    size_t indent; /* leading blanks of the record's first line */
    bool nserror;  /* an `Error Domain=` was seen: quote/brace state below is live */
    bool in_quote;
    int depth;        /* open '{' of the NSError text */
    bool has_process; /* crash: the record holds a `Process:` line */
    unsigned taken;   /* lines appended to the record */
};
/* True for lines around plain records: text_is_header's, and the banner and
 * column header of `systemextensionsctl list`. */
bool plain_is_header(const char *s, size_t n);
/* True if line s[0..n) starts a new record rather than continuing the pending
 * one (has_rec false: always true); after_blank: blank lines came between. */
bool plain_starts_record(const struct dw_plain_state *ps, bool has_rec, bool after_blank,
                         const char *s, size_t n);
/* Resets ps for a record whose first line is s[0..n). */
void plain_record_begin(struct dw_plain_state *ps, const char *s, size_t n);
/* Updates ps with a line appended to the record. */
void plain_record_append(struct dw_plain_state *ps, const char *s, size_t n);
/* Parses one plain record (never fails: unknown shapes become a bare message). */
void plain_parse_record(const char *s, size_t n, size_t eol, struct dw_event *ev,
                        struct dw_fields *f);

#endif
