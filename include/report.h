/* report.h - incidents for people (text, markdown), programs (json) and CI
 * systems (github workflow commands, junit XML).
 *
 * JSON (one object per incident per line) is a versioned interface,
 * documented by docs/incident.schema.json.  Every format escapes text that
 * came from a log for its own syntax, after dw_escape_term has made control
 * characters visible, so log text cannot act on a terminal, a CI annotation,
 * an XML parser or a markdown renderer.
 *
 * Each format is one file, collector/report_<format>.c, exporting a
 * dw_report_ops (a "sink"): it receives the inputs and incidents of a run and
 * appends its output to a buffer the caller writes wherever --output says.
 * Streaming formats (text, json, github) write as incidents arrive; formats
 * that need totals first (junit, markdown) keep what they need and write it
 * all in finish().  Sinks never keep pointers to incidents: the correlator
 * frees them after the callback. */
#ifndef DW_REPORT_H
#define DW_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "incident.h"
#include "util.h"
#include "verdict.h"

#define DW_JSON_FORMAT_VERSION 1

enum dw_format {
    DW_FORMAT_TEXT,
    DW_FORMAT_JSON,
    DW_FORMAT_GITHUB,
    DW_FORMAT_JUNIT,
    DW_FORMAT_MARKDOWN,
};
#define DW_FORMAT_NAMES "text|json|github|junit|markdown"
/* Returns 0 and sets *out for a name in DW_FORMAT_NAMES; -1 otherwise. */
int dw_format_parse(const char *s, enum dw_format *out);
const char *dw_format_name(enum dw_format f);

/* Appends the incident as one line of compact JSON (no newline) to out.
 * id is the number to print as "id" (the DB id, or the output ordinal). */
void report_json_incident(struct dw_buf *out, const struct dw_incident *inc, long long id);

struct dw_text_style {
    bool color;   /* ANSI colours (--color) */
    bool verbose; /* all evidence lines (show) instead of the first few (scan) */
    bool utc;     /* times in UTC (--utc), else the log's offset (dw_time_display) */
};
/* Appends a multi-line human description of the incident to out. */
void report_text_incident(struct dw_buf *out, const struct dw_incident *inc, long long id,
                          const struct dw_text_style *st);
/* One line: "#id  last-seen  severity  subject  class: summary". */
void report_text_oneline(struct dw_buf *out, const struct dw_incident *inc, long long id,
                         const struct dw_text_style *st);
/* Appends s escaped for a terminal (see dw_escape_term); NULL prints "-". */
void report_text_escaped(struct dw_buf *out, const char *s);
/* Appends multi-line text (log or rule text; NULL is none) line by line,
 * each line escaped for a terminal and preceded by indent. */
void report_text_lines(struct dw_buf *out, const char *text, const char *indent);

/* ---- escaping for the CI formats (exported for the unit tests) ---- */

/* GitHub workflow commands: `::cmd prop=P,prop=P::DATA`.  Data: % CR LF
 * become %25 %0D %0A; a property value also : and , (%3A %2C).  s is log text
 * or rule text: it is first made visible with dw_escape_term (so no control
 * character, ESC or invalid UTF-8 byte reaches the runner), then escaped. */
void report_github_data(struct dw_buf *out, const char *s);
void report_github_property(struct dw_buf *out, const char *s);
/* XML 1.0 character data or attribute value: & < > " ' as references; tab,
 * LF and CR as &#9; &#10; &#13; (kept through attribute normalisation);
 * other characters XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF, invalid
 * UTF-8) as the visible text \xNN / \uFFFE.  The result is always well formed. */
void report_xml_text(struct dw_buf *out, const char *s, size_t n);
/* Markdown inline text (table cells, headings): dw_escape_term, then every
 * ASCII punctuation character that markdown or GFM might interpret
 * backslash-escaped (pipes included, so a cell cannot end early), and < > &
 * as entities. */
void report_markdown_inline(struct dw_buf *out, const char *s);
/* A fenced code block holding text (already free of control characters): the
 * fence is one backtick longer than the longest backtick run inside, so no
 * line of text can close it. */
void report_markdown_code_block(struct dw_buf *out, const char *text, const char *info);

/* ---- sinks ---- */

struct dw_report_item {
    const struct dw_incident *inc; /* severity already adjusted by the config */
    long long id;                  /* DB id, or the output ordinal */
    enum dw_verdict verdict;
    enum dw_severity original_severity; /* != inc->severity when the config lowered it */
    const char *note;                   /* baseline note or config reason, or NULL */
};

/* One input of a scan, reported after its incidents. */
struct dw_report_input {
    const char *name;
    uint64_t events;
    bool read_error;         /* could not be read (or `log show` failed) */
    bool no_events_is_error; /* --require-events */
};

/* Totals for finish(). */
struct dw_report_run {
    bool have_scan_stats; /* false for `recent` */
    uint64_t inputs, lines, events, findings, skipped;
    uint64_t incidents, new_incidents;
    struct dw_verdict_tally verdicts;
    uint64_t closed_early; /* incidents closed before their window ended (correlate.h) */
};

struct dw_report_opts {
    const char *title; /* "dextwatch scan", "dextwatch recent" */
    bool color;        /* text on a terminal */
    bool
        summary_only; /* text: only the closing summary (stderr when stdout holds another format) */
    bool quiet;       /* text: no closing summary */
    bool verbose;     /* text: every finding held, not the first eight (check: no `show`) */
    bool utc;         /* text: times in UTC */
    bool brief;       /* text: one line per finding, each rule's remediation once at the end */
    /* Set for each output by outputs_open (report_output.c): */
    const char *elsewhere; /* the run's other complete reports, for people ("the step summary
                              (markdown), junit.xml (junit)"); NULL or "" when there is none;
                              valid during create() only (a sink copies it) */
    size_t max_bytes;      /* markdown: stay under this many bytes (0: no limit) */
    int max_annotations;   /* github: annotations in all, pointer included (0: the default) */
};

/* What GitHub shows of a step (docs.github.com, "Workflow commands"; the toolkit's
 * problem-matchers.md): 10 annotations of each kind (error, warning, notice) per step and 50
 * per job, the rest dropped without a word; a step summary of at most 1 MiB, else none. */
#define DW_GITHUB_PER_KIND 10
#define DW_GITHUB_MAX_ANNOTATIONS 50
#define DW_GITHUB_ANNOTATIONS_ENV "DEXTWATCH_GITHUB_ANNOTATIONS"
#define DW_STEP_SUMMARY_MAX ((size_t)1 << 20)

struct dw_report;
struct dw_report_ops {
    const char *name;
    void *(*create)(const struct dw_report_opts *opts);
    void (*input)(void *state, const struct dw_report_input *in, struct dw_buf *out);
    void (*incident)(void *state, const struct dw_report_item *item, struct dw_buf *out);
    void (*finish)(void *state, const struct dw_report_run *run, struct dw_buf *out);
    void (*destroy)(void *state);
};
extern const struct dw_report_ops report_text_ops, report_json_ops, report_github_ops,
    report_junit_ops, report_markdown_ops;

/* A sink of a format.  Each call appends that format's text to out. */
struct dw_report *report_new(enum dw_format f, const struct dw_report_opts *opts);
void report_input(struct dw_report *r, const struct dw_report_input *in, struct dw_buf *out);
void report_incident(struct dw_report *r, const struct dw_report_item *item, struct dw_buf *out);
void report_finish(struct dw_report *r, const struct dw_report_run *run, struct dw_buf *out);
void report_free(struct dw_report *r);

/* ---- where reports go: --format F [--output FILE] pairs (report_output.c) ---- */

struct dw_output {
    enum dw_format format;
    const char *path;  /* NULL: stdout (or stderr for summary_only) */
    bool append;       /* path is $GITHUB_STEP_SUMMARY */
    bool summary_only; /* the text summary on stderr */
    FILE *fp;
    struct dw_report *report;
    bool write_failed;
};

struct dw_outputs {
    struct dw_output *v;
    size_t n, cap;
};

/* --format NAME.  -1 with a message for an unknown name. */
int outputs_add_format(struct dw_outputs *o, const char *name, struct dw_errors *err);
/* --output PATH for the --format just before it; appending when PATH equals
 * $GITHUB_STEP_SUMMARY.  -1 with a message when no --format precedes it. */
int outputs_set_path(struct dw_outputs *o, const char *path, struct dw_errors *err);
/* After the options: no --format means text on stdout; at most one format on
 * stdout; no file twice.  With stderr_summary, a text summary goes to stderr
 * when stdout holds no text report.  0, or -1 with a message. */
int outputs_settle(struct dw_outputs *o, bool stderr_summary, struct dw_errors *err);
/* Opens the files (O_CLOEXEC; replaced, or appended for the step summary) and
 * creates each format's sink from opts (colour only for a terminal stdout). */
int outputs_open(struct dw_outputs *o, const struct dw_report_opts *opts, struct dw_errors *err);
/* Writes b to one output and empties b. */
void outputs_write(struct dw_output *out, struct dw_buf *b);
/* Flushes and closes; a write error is reported (-1). */
int outputs_close(struct dw_outputs *o, struct dw_errors *err);
void outputs_free(struct dw_outputs *o);

/* Helpers shared by the formats (report_sink.c). */
/* "com.MyDriver: entitlement.provider-check" (raw, unescaped; caller frees). */
char *report_item_title(const struct dw_report_item *item);
/* Every decoded code of the incident once, in evidence order, as
 * "code = name: meaning" lines (raw text).  Returns the number of lines. */
size_t report_codes(const struct dw_incident *inc, struct dw_buf *lines);
/* "input:line  process: (sender) message  [class]" as in the text report (raw
 * text: the caller escapes it). */
void report_evidence_line(struct dw_buf *out, const struct dw_finding *f);
/* The order of the CI reports (github, markdown): by annotation kind (error, warning,
 * notice: report_item_kind), then severity (critical first), then the time first seen (dated
 * before undated), then arrival.  report_order_set fills the key; report_order_cmp is a
 * total order, so qsort gives the same result on every libc. */
enum dw_annotation_kind { DW_ANNOTATE_ERROR, DW_ANNOTATE_WARNING, DW_ANNOTATE_NOTICE };
/* error/critical -> error, warning -> warning, info -> notice; an incident that does not
 * fail the run (baselined, suppressed) is a notice whatever its severity. */
enum dw_annotation_kind report_item_kind(const struct dw_report_item *item);
struct report_order {
    enum dw_annotation_kind kind;
    int severity;
    bool dated;
    int64_t us;
    size_t arrival;
};
void report_order_set(struct report_order *o, const struct dw_report_item *item, size_t arrival);
int report_order_cmp(const struct report_order *a, const struct report_order *b);
/* "baselined: note" / "suppressed by config: reason" / "severity lowered from
 * error by config: reason"; "" when there is nothing to say (raw text). */
void report_item_status(const struct dw_report_item *item, struct dw_buf *out);

#endif
