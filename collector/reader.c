/* reader.c - bytes in, dw_events out: line splitting, style detection,
 * multi-line records and the bookkeeping shared by every style.
 *
 * Memory: one partial line (at most DW_READER_MAX_RECORD), one pending record
 * and one field buffer, all reused; a line that would outgrow the limit is
 * dropped while it streams past.  The text path copies each line once (into
 * the pending record) and allocates nothing once buffers have grown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_json.h"
#include "parse_plain.h"
#include "parse_text.h"
#include "reader.h"

#define DW_DETECT_MAX_LINES 64

struct dw_reader {
    char *input;
    enum dw_style style; /* AUTO until decided */
    dw_event_fn fn;
    void *ctx;
    struct dw_reader_stats st;

    struct dw_buf part; /* the line being assembled across reader_feed calls */
    bool skipping;      /* dropping the rest of an oversized line */
    long lineno;        /* number of the last completed line */

    struct dw_buf held; /* undecided lines while detecting, '\n'-separated */
    size_t held_lines;
    long held_first;

    struct dw_buf rec; /* pending text record (lines joined by '\n') */
    bool has_rec;
    long rec_line;
    size_t rec_eol;     /* length of its first line */
    size_t blank_lines; /* blank lines after the pending record, kept back */

    struct dw_plain_state plain; /* the pending plain record's boundaries */

    struct dw_json_scan js;
    bool json_line_dropped; /* js.oversized was set by a dropped line */
    bool ips_body;          /* ndjson: inside a pretty-printed .ips crash report */
    struct dw_fields fields;

    struct dw_reader_skip skip; /* what may be skipped unparsed (reader_set_skip) */
    char skipped_time[64];      /* the time text of a skipped ndjson line */
};

/* ---- emitting ---- */

static void note_malformed(struct dw_reader *r, long line, const char *why)
{
    r->st.malformed++;
    if (r->st.first_malformed_line == 0) {
        r->st.first_malformed_line = line;
        snprintf(r->st.first_malformed_why, sizeof r->st.first_malformed_why, "%s", why);
    }
}

/* Hands a parsed event to the callback with the members every style shares. */
static void deliver(struct dw_reader *r, struct dw_event *ev, long line, const char *raw,
                    size_t raw_len)
{
    fields_apply(&r->fields, ev);
    ev->input = r->input;
    ev->line = line + (long)r->fields.line_skip;
    ev->raw = raw;
    ev->raw_len = raw_len;
    r->st.records++;
    r->fn(ev, r->ctx);
}

/* Hands on a record no rule can match: input, line, time and the time's
 * text (as the full parse would have stored it) only; no raw text. */
static void deliver_skipped(struct dw_reader *r, struct dw_event *ev, long line,
                            const char *time_text)
{
    ev->time_text = time_text;
    ev->input = r->input;
    ev->line = line;
    ev->message = "";
    ev->raw = "";
    ev->raw_len = 0;
    r->st.records++;
    r->skip.skipped(ev, r->ctx);
}

/* The pending text record parsed dry (its columns checked, nothing copied):
 * counted as malformed if it is, handed on as skipped if the skip hook says
 * its message may be.  False when it must be parsed in full. */
static bool skip_text_record(struct dw_reader *r)
{
    struct dw_event ev = {.pid = -1};
    struct dw_fields dry = {.dry = true, .dry_message = ""};
    const char *why = "unparsable record";
    if (!text_parse_record_eol(r->style, r->rec.data, r->rec.len, r->rec_eol, &ev, &dry, &why)) {
        note_malformed(r, r->rec_line, why);
        return true;
    }
    if (!r->skip.text_message(r->skip.ctx, dry.dry_message, dry.message_len))
        return false;
    /* the time's text ends inside the record, which is ours: cut it there
     * for the callback rather than copy it */
    char *end = dry.dry_time ? r->rec.data + (dry.dry_time - r->rec.data) + dry.dry_time_len : NULL;
    char saved = end ? *end : '\0';
    if (end)
        *end = '\0';
    deliver_skipped(r, &ev, r->rec_line, dry.dry_time);
    if (end)
        *end = saved;
    return true;
}

/* Parses and emits the pending text record, if any. */
static void emit_pending(struct dw_reader *r)
{
    if (!r->has_rec)
        return;
    r->has_rec = false;
    r->blank_lines = 0;
    if (r->skip.text_message && r->style != DW_STYLE_PLAIN && skip_text_record(r))
        return;
    struct dw_event ev = {.pid = -1};
    const char *why = "unparsable record";
    fields_reset(&r->fields);
    bool ok = true;
    if (r->style == DW_STYLE_PLAIN) /* never fails: unknown shapes are a bare message */
        plain_parse_record(r->rec.data, r->rec.len, r->rec_eol, &ev, &r->fields);
    else
        ok = text_parse_record_eol(r->style, r->rec.data, r->rec.len, r->rec_eol, &ev, &r->fields,
                                   &why);
    if (ok)
        deliver(r, &ev, r->rec_line, r->rec.data, r->rec.len);
    else
        note_malformed(r, r->rec_line, why);
}

/* Parses one JSON object (a json record or an ndjson line) and emits it. */
static void emit_json(struct dw_reader *r, const char *s, size_t n, long line)
{
    struct dw_event ev = {.pid = -1};
    const char *why = "invalid JSON";
    fields_reset(&r->fields);
    switch (json_parse_record(s, n, &ev, &r->fields, &why)) {
    case DW_JSON_EVENT:
        deliver(r, &ev, line, s, n);
        break;
    case DW_JSON_HEADER:
        r->st.headers++;
        break;
    case DW_JSON_MALFORMED:
        note_malformed(r, line, why);
        break;
    }
}

static void on_json_object(void *ctx, const char *s, size_t n, long line, bool oversized)
{
    struct dw_reader *r = ctx;
    if (oversized) {
        if (!r->json_line_dropped) /* else counted with the line already */
            r->st.oversized++;
        r->json_line_dropped = false;
    } else {
        emit_json(r, s, n, line);
    }
}

/* ---- one line at a time ---- */

static bool is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!tx_is_space(s[i]))
            return false;
    return true;
}

/* Appends a continuation line (and the blank lines before it) to the pending
 * record; false if the record would outgrow the limit (the line is dropped). */
static bool continue_record(struct dw_reader *r, const char *s, size_t n)
{
    size_t extra = r->blank_lines + 1 + n;
    if (r->rec.len + extra > DW_READER_MAX_RECORD) {
        r->st.oversized++; /* the continuation is dropped, the record kept */
        return false;
    }
    for (size_t k = 0; k <= r->blank_lines; k++)
        buf_putc(&r->rec, '\n');
    r->blank_lines = 0;
    buf_append(&r->rec, s, n);
    return true;
}

static void start_record(struct dw_reader *r, const char *s, size_t n, long line)
{
    emit_pending(r);
    buf_reset(&r->rec);
    buf_append(&r->rec, s, n);
    r->has_rec = true;
    r->rec_line = line;
    r->rec_eol = n;
}

/* plain: where a record ends depends on the record (parse_plain.c). */
static void plain_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    if (!plain_starts_record(&r->plain, r->has_rec, r->blank_lines > 0, s, n)) {
        if (continue_record(r, s, n))
            plain_record_append(&r->plain, s, n);
        return;
    }
    if (plain_is_header(s, n)) {
        emit_pending(r);
        r->st.headers++;
        return;
    }
    start_record(r, s, n, line);
    plain_record_begin(&r->plain, s, n);
}

/* Text styles: start a record, continue the pending one, or skip a header. */
static void text_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    if (is_blank_line(s, n)) {
        if (r->has_rec)
            r->blank_lines++;
        return;
    }
    if (r->style == DW_STYLE_PLAIN) {
        plain_line(r, s, n, line);
        return;
    }
    if (text_starts_record(r->style, s, n)) {
        start_record(r, s, n, line);
        return;
    }
    if (text_is_header(s, n)) {
        emit_pending(r);
        r->st.headers++;
        return;
    }
    if (r->has_rec)
        continue_record(r, s, n);
    else
        note_malformed(r, line, "line outside any record");
}

/* One line of a pretty-printed object inside ndjson (an .ips body). */
static void ips_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    if (!json_scan_line(&r->js, s, n, line, on_json_object, r))
        note_malformed(r, line, "text outside a JSON object");
    if (!r->js.capturing) {
        r->ips_body = false;
        r->js.in_array = false;
        r->js.depth = 0;
    }
}

/* An ndjson line the skip hook lets go: it is not parsed, but its time is
 * handed on (a live reader's position and the correlator's clock still
 * move).  Returns false, having done nothing, when the hook wants it parsed
 * (or cannot read its time without the JSON parser). */
static bool skip_json_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    struct dw_event ev = {.pid = -1};
    const char *time;
    size_t time_len;
    if (!r->skip.json_line(r->skip.ctx, s, n, &ev.time, &time, &time_len))
        return false;
    bool fits = time_len < sizeof r->skipped_time;
    if (fits) { /* s is the caller's: copy the text to end it */
        memcpy(r->skipped_time, time, time_len);
        r->skipped_time[time_len] = '\0';
    }
    deliver_skipped(r, &ev, line, fits ? r->skipped_time : NULL);
    return true;
}

static void ndjson_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    if (r->ips_body) {
        ips_line(r, s, n, line);
        return;
    }
    size_t i = 0;
    while (i < n && tx_is_space(s[i]))
        i++;
    if (i == n)
        return;
    if (s[i] != '{') {
        if (text_is_header(s + i, n - i))
            r->st.headers++;
        else
            note_malformed(r, line, "ndjson line is not a JSON object");
        return;
    }
    if (is_blank_line(s + i + 1, n - i - 1)) { /* a lone `{`: an .ips crash report body */
        r->js = (struct dw_json_scan){.in_array = true, .depth = 1, .obj = r->js.obj};
        r->ips_body = true;
        ips_line(r, s, n, line);
        return;
    }
    if (r->skip.json_line && skip_json_line(r, s, n, line))
        return;
    buf_reset(&r->rec); /* a NUL-terminated copy for ev->raw */
    buf_append(&r->rec, s, n);
    emit_json(r, r->rec.data, n, line);
}

static void json_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    if (!r->js.capturing && !r->js.in_string && text_is_header(s, n)) {
        r->st.headers++;
        return;
    }
    if (!json_scan_line(&r->js, s, n, line, on_json_object, r))
        note_malformed(r, line, "text outside a JSON object");
}

static void dispatch_line(struct dw_reader *r, const char *s, size_t n, long line)
{
    switch (r->style) {
    case DW_STYLE_JSON:
        json_line(r, s, n, line);
        break;
    case DW_STYLE_NDJSON:
        ndjson_line(r, s, n, line);
        break;
    default:
        text_line(r, s, n, line);
        break;
    }
}

/* Fixes the style and replays the lines held back while detecting. */
static void decide(struct dw_reader *r, enum dw_style style)
{
    r->style = style;
    const char *p = r->held.data;
    size_t left = r->held.len;
    long line = r->held_first;
    for (size_t k = 0; k < r->held_lines; k++, line++) {
        const char *nl = memchr(p, '\n', left);
        size_t len = nl ? (size_t)(nl - p) : left;
        dispatch_line(r, p, len, line);
        p += len + (nl ? 1 : 0);
        left -= len + (nl ? 1 : 0);
    }
    r->held_lines = 0;
    buf_free(&r->held);
}

/* One complete physical line, without its newline (a final '\r' is dropped). */
static void process_line(struct dw_reader *r, const char *s, size_t n)
{
    long line = ++r->lineno;
    r->st.lines++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (r->style == DW_STYLE_AUTO) {
        enum dw_style d = dw_style_detect_line(s, n);
        if (d == DW_STYLE_AUTO && r->held_lines < DW_DETECT_MAX_LINES &&
            r->held.len + n < DW_READER_MAX_RECORD) {
            if (r->held_lines++ == 0)
                r->held_first = line;
            buf_append(&r->held, s, n);
            buf_putc(&r->held, '\n');
            return;
        }
        decide(r, d == DW_STYLE_AUTO ? DW_STYLE_PLAIN : d);
    }
    dispatch_line(r, s, n, line);
}

/* A line longer than the limit: counted, never stored.  Inside a json
 * record the whole record is dropped with it (its text is incomplete). */
static void oversized_line(struct dw_reader *r)
{
    r->lineno++;
    r->st.lines++;
    r->st.oversized++;
    if ((r->style == DW_STYLE_JSON || r->ips_body) && r->js.capturing && !r->js.oversized) {
        r->js.oversized = true;
        r->json_line_dropped = true;
    }
}

/* ---- public interface ---- */

struct dw_reader *reader_new(const char *input_name, enum dw_style style, dw_event_fn fn, void *ctx)
{
    struct dw_reader *r = xcalloc(1, sizeof *r);
    r->input = xstrdup(input_name ? input_name : "-");
    r->style = style;
    r->fn = fn;
    r->ctx = ctx;
    fields_reset(&r->fields);
    return r;
}

void reader_set_skip(struct dw_reader *r, const struct dw_reader_skip *skip)
{
    if (skip && skip->skipped)
        r->skip = *skip;
    else
        r->skip = (struct dw_reader_skip){0};
}

void reader_feed(struct dw_reader *r, const char *data, size_t n)
{
    r->st.bytes += n;
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t len = nl ? (size_t)(nl - data) : n;
        if (r->skipping) {
            if (nl) {
                r->skipping = false;
                oversized_line(r);
            }
        } else if (r->part.len + len > DW_READER_MAX_RECORD) {
            buf_reset(&r->part);
            if (nl)
                oversized_line(r);
            else
                r->skipping = true;
        } else if (!nl) {
            buf_append(&r->part, data, len);
        } else if (r->part.len == 0) {
            process_line(r, data, len); /* the common case: no copy */
        } else {
            buf_append(&r->part, data, len);
            process_line(r, r->part.data, r->part.len);
            buf_reset(&r->part);
        }
        if (!nl)
            return;
        data += len + 1;
        n -= len + 1;
    }
}

void reader_flush(struct dw_reader *r)
{
    if (r->style != DW_STYLE_AUTO)
        emit_pending(r);
}

void reader_finish(struct dw_reader *r)
{
    if (r->skipping) {
        r->skipping = false;
        oversized_line(r);
    } else if (r->part.len > 0) {
        process_line(r, r->part.data, r->part.len);
        buf_reset(&r->part);
    }
    if (r->style == DW_STYLE_AUTO)
        decide(r, DW_STYLE_PLAIN);
    emit_pending(r);
    if ((r->style == DW_STYLE_JSON || r->ips_body) && r->js.capturing) {
        note_malformed(r, r->js.obj_line, "truncated JSON object");
        r->js.capturing = false;
    }
    r->js.depth = 0;
    r->js.in_array = r->js.in_string = r->js.escaped = false;
    r->ips_body = false;
}

enum dw_style reader_style(const struct dw_reader *r)
{
    return r->style;
}

const struct dw_reader_stats *reader_stats(const struct dw_reader *r)
{
    return &r->st;
}

void reader_read_plain_line(const char *input_name, const char *line, dw_event_fn fn, void *ctx)
{
    struct dw_reader *r = reader_new(input_name, DW_STYLE_PLAIN, fn, ctx);
    reader_feed(r, line, strlen(line));
    reader_feed(r, "\n", 1);
    reader_finish(r);
    reader_free(r);
}

void reader_free(struct dw_reader *r)
{
    if (!r)
        return;
    free(r->input);
    buf_free(&r->part);
    buf_free(&r->held);
    buf_free(&r->rec);
    buf_free(&r->js.obj);
    buf_free(&r->fields.buf);
    free(r);
}
