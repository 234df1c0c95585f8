/* report_markdown.c - a GitHub-flavoured markdown report, made to be appended
 * to $GITHUB_STEP_SUMMARY: a heading, a summary table, one section per
 * incident.  Text from logs and rules is escaped for inline markdown (every
 * character markdown or GFM could interpret, pipes included) or placed in
 * fenced code blocks whose fence is longer than any backtick run inside, so a
 * log line cannot open HTML, a link, a table cell or close its block.  The
 * table needs every incident first: rows and sections are kept as text and
 * written in finish(). */
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct markdown_sink {
    struct dw_report_opts opts;
    struct dw_buf rows, sections, notes;
    size_t n;
};

/* HTML specials as entities; Markdown syntax characters backslash-escaped. */
static const char *const markdown_inline_map[256] = {
    ['<'] = "&lt;", ['>'] = "&gt;", ['&'] = "&amp;", ['\\'] = "\\\\", ['`'] = "\\`",
    ['*'] = "\\*",  ['_'] = "\\_",  ['['] = "\\[",   [']'] = "\\]",   ['#'] = "\\#",
    ['!'] = "\\!",  ['|'] = "\\|",  ['~'] = "\\~",   ['@'] = "\\@",   ['$'] = "\\$"};

void report_markdown_inline(struct dw_buf *out, const char *s)
{
    struct dw_buf vis = {0};
    if (s)
        dw_escape_term(&vis, s, strlen(s));
    else
        buf_putc(&vis, '-');
    buf_append_mapped(out, vis.data, vis.len, markdown_inline_map);
    buf_free(&vis);
}

void report_markdown_code_block(struct dw_buf *out, const char *text, const char *info)
{
    size_t longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t fence = longest < 3 ? 3 : longest + 1;
    for (size_t i = 0; i < fence; i++)
        buf_putc(out, '`');
    buf_puts(out, info ? info : "");
    buf_putc(out, '\n');
    buf_puts(out, text);
    if (*text && text[strlen(text) - 1] != '\n')
        buf_putc(out, '\n');
    for (size_t i = 0; i < fence; i++)
        buf_putc(out, '`');
    buf_puts(out, "\n\n");
}

static void visible(struct dw_buf *out, const char *s)
{
    if (s)
        dw_escape_term(out, s, strlen(s));
    else
        buf_putc(out, '-');
}

static const char *verdict_mark(const struct dw_report_item *item)
{
    switch (item->verdict) {
    case DW_VERDICT_FAIL:
        return "❌ failing";
    case DW_VERDICT_PASS:
        return "⚠️ below threshold";
    case DW_VERDICT_BASELINED:
        return "➖ baselined";
    case DW_VERDICT_SUPPRESSED:
        return "➖ suppressed";
    }
    return "?";
}

static void *markdown_create(const struct dw_report_opts *opts)
{
    struct markdown_sink *m = xcalloc(1, sizeof *m);
    m->opts = *opts;
    return m;
}

/* The incident's row of the summary table:
 * | # | status | severity | subject | root cause | findings | where | */
static void markdown_row(struct dw_buf *r, const struct dw_report_item *item)
{
    const struct dw_incident *inc = item->inc;
    buf_printf(r, "| %lld | %s | %s | ", item->id, verdict_mark(item),
               dw_severity_name(inc->severity));
    report_markdown_inline(r, inc->subject);
    buf_puts(r, " | ");
    report_markdown_inline(r, inc->root ? inc->root->class_name : NULL);
    buf_printf(r, " | %zu | ", inc->count);
    report_markdown_inline(r, inc->input);
    buf_printf(r, ":%ld |\n", inc->first_line);
}

/* The section's heading and its cause, status and seen lines. */
static void markdown_heading(struct dw_buf *s, const struct dw_report_item *item, size_t n)
{
    const struct dw_incident *inc = item->inc;
    const struct dw_finding *root = inc->root;
    buf_printf(s, "### %zu. ", n);
    report_markdown_inline(s, inc->subject);
    buf_puts(s, " — ");
    report_markdown_inline(s, root ? root->class_name : NULL);
    buf_printf(s, " (%s)\n\n", dw_severity_name(inc->severity));
    if (root) {
        buf_puts(s, "**Cause:** ");
        report_markdown_inline(s, root->summary);
        buf_puts(s, " \\[");
        report_markdown_inline(s, root->rule_id);
        buf_puts(s, "\\]\n\n");
    }
    struct dw_buf text = {0};
    report_item_status(item, &text);
    buf_printf(s, "**Status:** %s", verdict_mark(item));
    if (text.len) {
        buf_puts(s, " — ");
        report_markdown_inline(s, text.data);
    }
    buf_free(&text);
    buf_printf(s, " · incident \\#%lld · %zu finding%s · classes: ", item->id, inc->count,
               inc->count == 1 ? "" : "s");
    for (size_t i = 0; i < inc->nclasses; i++) {
        if (i)
            buf_puts(s, ", ");
        report_markdown_inline(s, inc->classes[i]);
    }
    buf_puts(s, "\n\n**Seen:** ");
    report_markdown_inline(s, inc->first_seen_text ? inc->first_seen_text : "(no time in log)");
    if (inc->first_seen_text && inc->last_seen_text &&
        strcmp(inc->first_seen_text, inc->last_seen_text) != 0) {
        buf_puts(s, " .. ");
        report_markdown_inline(s, inc->last_seen_text);
    }
    buf_puts(s, " in ");
    report_markdown_inline(s, inc->input);
    buf_printf(s, ":%ld-%ld\n\n", inc->first_line, inc->last_line);
}

/* The section's code blocks: evidence, decoded codes, what to do. */
static void markdown_blocks(struct dw_buf *s, const struct dw_incident *inc)
{
    struct dw_buf text = {0};
    size_t n = incident_evidence_count(inc);
    for (size_t i = 0; i < n; i++) {
        struct dw_buf line = {0};
        report_evidence_line(&line, incident_evidence_at(inc, i));
        visible(&text, line.data);
        buf_putc(&text, '\n');
        buf_free(&line);
    }
    if (inc->count > n)
        buf_printf(&text, "... %zu more\n", inc->count - n);
    buf_puts(s, "**Evidence**\n\n");
    report_markdown_code_block(s, buf_cstr(&text), "text");

    struct dw_buf codes = {0};
    if (report_codes(inc, &codes)) {
        buf_reset(&text);
        report_text_lines(&text, codes.data, "");
        buf_puts(s, "**Codes**\n\n");
        report_markdown_code_block(s, text.data, "text");
    }
    buf_free(&codes);
    if (inc->nremedies) {
        buf_reset(&text);
        for (size_t i = 0; i < inc->nremedies; i++) {
            if (i)
                buf_putc(&text, '\n');
            buf_putc(&text, '[');
            visible(&text, inc->remedies[i].rule_id);
            buf_puts(&text, "]\n");
            report_text_lines(&text, inc->remedies[i].text, "  ");
        }
        buf_puts(s, "**What to do**\n\n");
        report_markdown_code_block(s, text.data, "text");
    }
    buf_free(&text);
}

static void markdown_on_incident(void *state, const struct dw_report_item *item, struct dw_buf *out)
{
    struct markdown_sink *m = state;
    (void)out;
    m->n++;
    markdown_row(&m->rows, item);
    markdown_heading(&m->sections, item, m->n);
    markdown_blocks(&m->sections, item->inc);
}

static void markdown_on_input(void *state, const struct dw_report_input *in, struct dw_buf *out)
{
    struct markdown_sink *m = state;
    (void)out;
    if (in->read_error) {
        buf_puts(&m->notes, "> [!CAUTION]\n> ");
        report_markdown_inline(&m->notes, in->name);
        buf_puts(&m->notes, " could not be read (see the job log).\n\n");
    } else if (in->events == 0) {
        buf_printf(&m->notes, "> [!%s]\n> ", in->no_events_is_error ? "CAUTION" : "WARNING");
        report_markdown_inline(&m->notes, in->name);
        buf_puts(&m->notes, " held no log events: the log collection probably failed.\n\n");
    }
}

static void markdown_finish(void *state, const struct dw_report_run *run, struct dw_buf *out)
{
    struct markdown_sink *m = state;
    buf_puts(out, "## ");
    report_markdown_inline(out, m->opts.title ? m->opts.title : "dextwatch");
    buf_printf(out, ": %zu incident%s", m->n, m->n == 1 ? "" : "s");
    if (m->n)
        buf_printf(out, " (%llu failing, %llu below threshold, %llu baselined, %llu suppressed)",
                   (unsigned long long)run->verdicts.failing,
                   (unsigned long long)run->verdicts.passing,
                   (unsigned long long)run->verdicts.baselined,
                   (unsigned long long)run->verdicts.suppressed);
    buf_puts(out, "\n\n");
    if (run->have_scan_stats)
        buf_printf(out,
                   "%llu input%s, %llu lines, %llu events, %llu findings, %llu skipped as "
                   "unparseable.\n\n",
                   (unsigned long long)run->inputs, run->inputs == 1 ? "" : "s",
                   (unsigned long long)run->lines, (unsigned long long)run->events,
                   (unsigned long long)run->findings, (unsigned long long)run->skipped);
    if (m->notes.len)
        buf_append(out, m->notes.data, m->notes.len);
    if (m->n) {
        buf_puts(out, "| \\# | status | severity | subject | root cause | findings | where |\n"
                      "|---:|---|---|---|---|---:|---|\n");
        buf_append(out, m->rows.data, m->rows.len);
        buf_putc(out, '\n');
        buf_append(out, m->sections.data, m->sections.len);
    } else {
        buf_puts(out, "No incident.\n\n");
    }
}

static void markdown_destroy(void *state)
{
    struct markdown_sink *m = state;
    buf_free(&m->rows);
    buf_free(&m->sections);
    buf_free(&m->notes);
    free(m);
}

const struct dw_report_ops report_markdown_ops = {
    .name = "markdown",
    .create = markdown_create,
    .input = markdown_on_input,
    .incident = markdown_on_incident,
    .finish = markdown_finish,
    .destroy = markdown_destroy,
};
