/* report_markdown.c - a GitHub-flavoured markdown report, made to be appended
 * to $GITHUB_STEP_SUMMARY: a heading, a summary table, one section per
 * incident.  Text from logs and rules is escaped for inline markdown (every
 * character markdown or GFM could interpret, pipes included) or placed in
 * fenced code blocks whose fence is longer than any backtick run inside, so a
 * log line cannot open HTML, a link, a table cell or close its block.  The
 * table needs every incident first: rows and sections are kept as text and
 * written in finish(), most severe first (report_order_cmp, the order of the
 * annotations).
 *
 * GitHub refuses a step summary over 1 MiB (and shows none of it).  Written
 * there (opts->max_bytes: the room the file has left), the report stops at
 * the last whole incident that fits and says how many it left out and where
 * every incident is; the heading still counts them all. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* One incident: its table row and its section (without the "### N. " that finish() numbers). */
struct markdown_entry {
    struct report_order order;
    struct dw_buf row, section;
};

struct markdown_sink {
    struct dw_report_opts opts; /* elsewhere: a copy of its own */
    struct markdown_entry *v;
    size_t n, cap;
    struct dw_buf notes;
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
    m->opts.elsewhere = opts->elsewhere && *opts->elsewhere ? xstrdup(opts->elsewhere) : NULL;
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

/* The section's heading (after "### N. ") and its cause, status and seen lines. */
static void markdown_heading(struct dw_buf *s, const struct dw_report_item *item)
{
    const struct dw_incident *inc = item->inc;
    const struct dw_finding *root = inc->root;
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
    xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v);
    struct markdown_entry *e = &m->v[m->n];
    *e = (struct markdown_entry){0};
    report_order_set(&e->order, item, m->n);
    m->n++;
    markdown_row(&e->row, item);
    markdown_heading(&e->section, item);
    markdown_blocks(&e->section, item->inc);
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

/* The heading, the totals and the notes on inputs. */
static void markdown_head(const struct markdown_sink *m, const struct dw_report_run *run,
                          struct dw_buf *out)
{
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
}

/* The note that says `left` of the incidents are not shown and where they all are. */
static void markdown_omitted(const struct markdown_sink *m, size_t left, struct dw_buf *out)
{
    buf_printf(out,
               "> [!WARNING]\n> %zu of %zu incident%s not shown here: GitHub refuses a step "
               "summary over 1 MiB. The ones below are the most severe. ",
               left, m->n, m->n == 1 ? " is" : "s are");
    if (m->opts.elsewhere) {
        buf_puts(out, "Every incident is in ");
        report_markdown_inline(out, m->opts.elsewhere);
        buf_puts(out, ".\n\n");
    } else {
        buf_puts(out, "For every incident, run `dextwatch scan --format json --output FILE` "
                      "and keep FILE as an artifact.\n\n");
    }
}

static const char markdown_table_head[] =
    "| \\# | status | severity | subject | root cause | findings | where |\n"
    "|---:|---|---|---|---|---:|---|\n";

static size_t markdown_number_len(size_t k)
{
    return (size_t)snprintf(NULL, 0, "### %zu. ", k);
}

/* How many incidents (in order) fit in max_bytes - 1 after head; *omit says a note is needed.
 * Returns SIZE_MAX when not even the heading and the note fit. */
static size_t markdown_fit(const struct markdown_sink *m, size_t head, bool *omit)
{
    size_t limit = m->opts.max_bytes - 1, table = sizeof markdown_table_head - 1 + 1;
    size_t all = head + (m->n ? table : strlen("No incident.\n\n"));
    for (size_t i = 0; i < m->n; i++)
        all += markdown_number_len(i + 1) + m->v[i].row.len + m->v[i].section.len;
    *omit = all > limit;
    if (!*omit)
        return m->n;
    struct dw_buf note = {0};
    markdown_omitted(m, m->n, &note); /* the longest it can be: left <= n */
    size_t used = head + note.len, k = 0;
    buf_free(&note);
    if (used > limit)
        return SIZE_MAX;
    for (; k < m->n; k++) {
        size_t c = markdown_number_len(k + 1) + m->v[k].row.len + m->v[k].section.len;
        if (used + c + (k == 0 ? table : 0) > limit)
            break;
        used += c + (k == 0 ? table : 0);
    }
    return k;
}

static int markdown_entry_cmp(const void *a, const void *b)
{
    return report_order_cmp(&((const struct markdown_entry *)a)->order,
                            &((const struct markdown_entry *)b)->order);
}

static void markdown_finish(void *state, const struct dw_report_run *run, struct dw_buf *out)
{
    struct markdown_sink *m = state;
    if (m->n > 1)
        qsort(m->v, m->n, sizeof *m->v, markdown_entry_cmp);
    struct dw_buf head = {0};
    markdown_head(m, run, &head);
    bool omit = false;
    size_t shown = m->opts.max_bytes ? markdown_fit(m, head.len, &omit) : m->n;
    if (shown == SIZE_MAX) { /* the summary is full already: a line more would lose it all */
        buf_free(&head);
        return;
    }
    buf_append(out, head.data, head.len);
    buf_free(&head);
    if (omit)
        markdown_omitted(m, m->n - shown, out);
    if (!m->n) {
        buf_puts(out, "No incident.\n\n");
        return;
    }
    if (!shown)
        return;
    buf_puts(out, markdown_table_head);
    for (size_t i = 0; i < shown; i++)
        buf_append(out, m->v[i].row.data, m->v[i].row.len);
    buf_putc(out, '\n');
    for (size_t i = 0; i < shown; i++) {
        buf_printf(out, "### %zu. ", i + 1);
        buf_append(out, m->v[i].section.data, m->v[i].section.len);
    }
}

static void markdown_destroy(void *state)
{
    struct markdown_sink *m = state;
    for (size_t i = 0; i < m->n; i++) {
        buf_free(&m->v[i].row);
        buf_free(&m->v[i].section);
    }
    free(m->v);
    buf_free(&m->notes);
    free((char *)m->opts.elsewhere);
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
