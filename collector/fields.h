/* fields.h - the strings of the event a parser builds (struct dw_fields) and
 * the byte classes and scanners the text parsers share.  Private to the
 * reader stage (collector/fields.c); the lowest unit of it: the parse_*.c
 * files and reader.c use it, it uses none of them. */
#ifndef DW_FIELDS_H
#define DW_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "util.h"

/* Where a parser puts the strings of the event it fills.  Fields are appended
 * to one reused buffer and the pointers fixed up once it stops growing, so a
 * record costs no malloc once the buffer has reached its working size. */
struct dw_fields {
    struct dw_buf buf;
    size_t off[8]; /* offsets of the fields below into buf, SIZE_MAX = absent */
    size_t message_len;
    /* Lines from the record's first line to the one that states its failure
     * (a crash report's `Exception Type:`); 0 for most records.  The event's
     * line is the record's first line plus this. */
    size_t line_skip;
    /* A dry run (the text styles' skip test in reader.c): fields_put stores
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
/* Blank space as isspace() has it in the C locale, but for '\n'. */
static inline bool tx_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
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
/* Reads a decimal number of at most 18 digits at s[*i]; *i moves past it. */
bool tx_read_dec(const char *s, size_t n, size_t *i, long long *out);
/* Reads hex digits (optionally after "0x"), at most 16, at s[*i]. */
bool tx_read_hex(const char *s, size_t n, size_t *i, uint64_t *out);

#endif
