/* reader_private.h - what reader.c, parse_text.c and parse_json.c share.
 * Private to the reader stage; nothing outside collector/reader*.c and
 * collector/parse_*.c includes it. */
#ifndef DW_READER_PRIVATE_H
#define DW_READER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    /* A dry run (the text styles' skip test, reader.c): fields_put stores
     * nothing and only remembers where the message is, in the record itself. */
    bool dry;
    const char *dry_message;
    const char *dry_time; /* and the time's text, dry_time_len bytes */
    size_t dry_time_len;
};
enum dw_field { F_TIME, F_PROCESS, F_LEVEL, F_SUBSYSTEM, F_CATEGORY, F_SENDER, F_MESSAGE, F_COUNT };

/* Empties f for a new record (keeps memory); all fields absent. */
void fields_reset(struct dw_fields *f);
/* Stores s[0..n) as field `which`, NUL bytes replaced by U+FFFD (dry: for
 * the message, only remembers s and n). */
void fields_put(struct dw_fields *f, enum dw_field which, const char *s, size_t n);
/* Points ev's string members into f (message "" when absent). */
void fields_apply(struct dw_fields *f, struct dw_event *ev);
/* Builds field `which` from pieces: open, append any number of times, close.
 * Only one field may be open at a time; fields_put is open+append+close. */
void fields_open(struct dw_fields *f, enum dw_field which);
void fields_append(struct dw_fields *f, const char *s, size_t n);
void fields_close(struct dw_fields *f, enum dw_field which);

/* ---- byte classes and small scanners shared by the text parsers ---- */

static inline bool tx_is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static inline bool tx_is_blank(char c)
{
    return c == ' ' || c == '\t';
}
static inline bool tx_is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
static inline bool tx_is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}
/* A process name in a paste: a run of [A-Za-z0-9_.-]. */
static inline bool tx_is_proc_char(char c)
{
    return tx_is_lower(c) || tx_is_upper(c) || tx_is_digit(c) || c == '_' || c == '.' || c == '-';
}
static inline size_t tx_skip_blanks(const char *s, size_t n, size_t i)
{
    while (i < n && tx_is_blank(s[i]))
        i++;
    return i;
}
static inline bool tx_has_prefix(const char *s, size_t n, const char *p, size_t k)
{
    return n >= k && memcmp(s, p, k) == 0;
}
#define TX_PREFIX(s, n, lit) tx_has_prefix((s), (n), lit, sizeof lit - 1)
/* First occurrence of needle[0..k) in s[0..n), or NULL (memmem is not POSIX). */
const char *tx_find(const char *s, size_t n, const char *needle, size_t k);

/* parse_text.c: pieces of the log styles that the paste parsers reuse. */
bool text_read_dec(const char *s, size_t n, size_t *i, long long *out);
bool text_read_hex(const char *s, size_t n, size_t *i, uint64_t *out);
/* `YYYY-MM-DD HH:MM:SS` at the start of s, by shape only. */
bool text_has_iso_prefix(const char *s, size_t n);
/* `Mon DD HH:MM:SS ` at the start of s: length of the date part or 0. */
size_t text_bsd_date_len(const char *s, size_t n, int *mon, int *day);
/* Reads `(sender) `, a `log --source` `<image`symbol>` and `[sub:cat] ` at s[i];
 * returns where the message starts. */
size_t text_parse_sender_subsystem(const char *s, size_t eol, size_t i, struct dw_fields *f);
/* `proc[pid]`, `proc(sender)[pid]` or `proc[pid:tid]` at s[i] (tid hex); returns
 * the offset after the bracket, or 0. */
size_t text_parse_proc_pid(const char *s, size_t eol, size_t i, bool loose, struct dw_event *ev,
                           struct dw_fields *f);
/* Stores the record's leading time (ISO or time of day); returns bytes used. */
size_t text_take_time(const char *s, size_t eol, struct dw_event *ev, struct dw_fields *f);

/* ---- plain (parse_plain.c, parse_tools.c): pastes of many shapes ---- */

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

/* parse_tools.c: output of tools people paste next to logs. Each returns false
 * (ev and f untouched) when the record is not of its shape. */
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
/* The same, told where the first line ends (eol: offset of the first '\n',
 * or n): the reader knows it, and a search for it cost a pass over each record. */
bool text_parse_record_eol(enum dw_style style, const char *s, size_t n, size_t eol,
                           struct dw_event *ev, struct dw_fields *f, const char **why);

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

/* dwtime.c helpers that are not part of the public interface. */
int dw_time_current_year(void);
int dw_time_days_in_month(int year, int month);

#endif
