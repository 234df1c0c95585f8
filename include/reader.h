/* reader.h - turn bytes of any `log` output style into dw_events.
 *
 * Push interface, so the same code serves files, stdin and a live child:
 *   r = reader_new("x.log", DW_STYLE_AUTO, on_event, ctx);
 *   reader_feed(r, buf, n);  ... as often as data arrives ...
 *   reader_finish(r);        // end of input: emits any pending record
 * on_event is called once per record, in input order.  Header, banner and
 * footer lines are recognised and counted, never turned into events.  What
 * cannot be parsed is counted (stats.malformed) and skipped.  Lines longer than
 * DW_READER_MAX_RECORD are counted as oversized and skipped; memory stays
 * bounded by that size whatever the input. */
#ifndef DW_READER_H
#define DW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "style.h"

struct dw_reader_stats {
    uint64_t bytes;            /* bytes fed */
    uint64_t lines;            /* physical lines seen */
    uint64_t records;          /* events emitted */
    uint64_t headers;          /* header/banner/footer lines recognised and skipped */
    uint64_t malformed;        /* lines or records that could not be parsed */
    uint64_t oversized;        /* records longer than DW_READER_MAX_RECORD */
    long first_malformed_line; /* 0 if none */
    char first_malformed_why[128];
};

struct dw_reader;

/* input_name is copied.  style AUTO detects the style from the first lines. */
struct dw_reader *reader_new(const char *input_name, enum dw_style style, dw_event_fn fn,
                             void *ctx);
void reader_feed(struct dw_reader *r, const char *data, size_t n);
/* Emits a record held back because a continuation line might still follow
 * (multi-line messages).  A live source calls this when input goes idle. */
void reader_flush(struct dw_reader *r);
/* End of input: flushes, and parses a final line that has no newline. */
void reader_finish(struct dw_reader *r);
enum dw_style reader_style(const struct dw_reader *r); /* AUTO until decided */

/* A hook through which the layer above lets the reader skip records without
 * building their events (the pipeline wires the rules' prefilter to it; the
 * reader knows nothing of rules).  A predicate left NULL skips nothing.
 *   json_line: may the raw ndjson line s[0..n) be skipped unparsed?  When it
 *     says yes it has set *t to the line's time as the JSON parser would, and
 *     *time_text (time_len bytes, within s) to the timestamp's text.
 *   text_message: may a record of a text style (default, syslog, compact,
 *     bsd), whose message as it stands in the record is msg[0..len), be
 *     skipped?  The record's columns are checked first, nothing is copied.
 * A skipped record is handed to skipped (with the reader's ctx, instead of
 * its event function) as an event with only input, line, time and time_text
 * set (message ""); it is counted as a record, and a record that cannot be
 * parsed is still counted as malformed.  ctx is the predicates' own. */
struct dw_reader_skip {
    bool (*json_line)(void *ctx, const char *s, size_t n, struct dw_time *t, const char **time_text,
                      size_t *time_len);
    bool (*text_message)(void *ctx, const char *msg, size_t len);
    void *ctx;
    dw_event_fn skipped;
};
/* Copies *skip into r (NULL, or skipped NULL: nothing is skipped).  What
 * skip->ctx points to must outlive the reader's use of it. */
void reader_set_skip(struct dw_reader *r, const struct dw_reader_skip *skip);
const struct dw_reader_stats *reader_stats(const struct dw_reader *r);
void reader_free(struct dw_reader *r);

/* Reads line as a whole input of the plain style (a newline added) and calls
 * fn for each event: how a rule's example line becomes the event the rule
 * is tested on (rules.h, dw_example_read_fn). */
void reader_read_plain_line(const char *input_name, const char *line, dw_event_fn fn, void *ctx);

#endif
