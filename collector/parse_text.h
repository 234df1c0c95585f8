/* parse_text.h - the text styles of `log` (default, syslog, compact) and BSD syslog
 * (parse_text.c), and the pieces of them that the paste parser reuses.
 * Private to the reader stage; uses only fields.h. */
#ifndef DW_PARSE_TEXT_H
#define DW_PARSE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fields.h"
#include "style.h"

/* `YYYY-MM-DD HH:MM:SS` at the start of s, by shape only. */
bool text_has_iso_prefix(const char *s, size_t n);
/* `Mon DD HH:MM:SS ` at the start of s: length of the date part or 0. */
size_t text_bsd_date_len(const char *s, size_t n, int *mon, int *day);
/* Reads `(sender) `, a `log --source` `<image`symbol>` and `[sub:cat] ` at s[i];
 * returns where the message starts. */
size_t text_parse_sender_subsystem(const char *s, size_t eol, size_t i, struct dw_fields *f);
/* A line whose process column was not copied: `(sender) <image`symbol> `
 * (the `log --source` caller) at s[i]; stores the sender and returns where the
 * message starts, or i when s[i..) is not both of them. */
size_t text_parse_sender_source(const char *s, size_t eol, size_t i, struct dw_fields *f);
/* `proc[pid]`, `proc(sender)[pid]` or `proc[pid:tid]` at s[i] (tid hex); returns
 * the offset after the bracket, or 0. */
size_t text_parse_proc_pid(const char *s, size_t eol, size_t i, bool loose, struct dw_event *ev,
                           struct dw_fields *f);
/* Stores the record's leading time (ISO or time of day); returns bytes used. */
size_t text_take_time(const char *s, size_t eol, struct dw_event *ev, struct dw_fields *f);

/* True for lines printed around the records in any style: banners, column
 * headers, footers.  s[0..n) is one line without its newline. */
bool text_is_header(const char *s, size_t n);
/* True if the line begins a new record in a text style (it has the style's
 * leading timestamp; plain: it does not start with blank space). */
bool text_starts_record(enum dw_style style, const char *s, size_t n);
/* Parses one text record s[0..n) (lines joined by '\n') of `style` (default,
 * syslog, compact or bsd; plain records are parse_plain.h's) into ev and f.
 * Returns false with *why set if the record cannot be parsed. */
bool text_parse_record(enum dw_style style, const char *s, size_t n, struct dw_event *ev,
                       struct dw_fields *f, const char **why);
/* The same, told where the first line ends (eol: offset of the first '\n',
 * or n): the reader knows it, and a search for it cost a pass over each record. */
bool text_parse_record_eol(enum dw_style style, const char *s, size_t n, size_t eol,
                           struct dw_event *ev, struct dw_fields *f, const char **why);

#endif
