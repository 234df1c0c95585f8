/* report_text.c - incidents for people.  Every string that came from a log
 * goes through dw_escape_term before it reaches the output. */
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "report_text_private.h"

static void severity_label(struct dw_buf *out, int sev, const struct dw_text_style *st)
{
    report_text_color(out, st, report_text_severity_color(sev));
    char up[16];
    const char *name = dw_severity_name(sev);
    size_t i = 0;
    for (; name[i] && i < sizeof up - 1; i++)
        up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    up[i] = '\0';
    buf_printf(out, "%-8s", up);
    report_text_color(out, st, C_RESET);
}

void report_text_oneline(struct dw_buf *out, const struct dw_incident *inc, long long id,
                         const struct dw_text_style *st)
{
    char when[DW_TIME_ISO_MAX];
    buf_printf(out, "#%-5lld ", id);
    buf_printf(out, "%-32s ", dw_time_display(&inc->last_seen, st->utc, when) ? when : "-");
    severity_label(out, inc->severity, st);
    buf_putc(out, ' ');
    report_text_color(out, st, C_BOLD);
    report_text_escaped(out, inc->subject);
    report_text_color(out, st, C_RESET);
    if (inc->root) {
        buf_puts(out, "  ");
        report_text_escaped(out, inc->root->class_name);
        buf_puts(out, ": ");
        /* one line per incident: a summary that quotes a multi-line message
         * (kmutil's error lists) stops at its first line; `show` has it all */
        const char *sum = inc->root->summary ? inc->root->summary : "-";
        size_t n = strcspn(sum, "\r\n");
        dw_escape_term(out, sum, n);
        if (sum[n])
            buf_puts(out, " ...");
    }
    buf_putc(out, '\n');
}

static void evidence_line(struct dw_buf *out, const struct dw_finding *f,
                          const struct dw_text_style *st)
{
    buf_puts(out, "    ");
    report_text_color(out, st, C_DIM);
    report_text_escaped(out, f->input);
    buf_printf(out, ":%ld", f->line);
    report_text_color(out, st, C_RESET);
    buf_puts(out, "  ");
    report_text_escaped(out, f->process);
    buf_puts(out, ": ");
    if (f->sender && strchr(f->sender, '/') == NULL) {
        buf_putc(out, '(');
        report_text_escaped(out, f->sender);
        buf_puts(out, ") ");
    }
    report_text_escaped(out, f->message);
    buf_printf(out, "  [%s]\n", f->class_name);
}

/* The incident in full; status (may be NULL or "") is a line saying it was
 * baselined, suppressed or lowered by the config. */
static void text_incident(struct dw_buf *out, const struct dw_incident *inc, long long id,
                          const struct dw_text_style *st, const char *status)
{
    severity_label(out, inc->severity, st);
    buf_putc(out, ' ');
    report_text_color(out, st, C_BOLD);
    report_text_escaped(out, inc->subject);
    report_text_color(out, st, C_RESET);
    buf_printf(out, "  (incident #%lld, %zu finding%s)\n", id, inc->count,
               inc->count == 1 ? "" : "s");
    if (inc->root) {
        buf_puts(out, "  cause:    ");
        report_text_escaped(out, inc->root->summary);
        buf_puts(out, " [");
        report_text_escaped(out, inc->root->rule_id);
        buf_puts(out, "]\n");
    }
    if (status && *status) {
        buf_puts(out, "  status:   ");
        report_text_escaped(out, status);
        buf_putc(out, '\n');
    }
    buf_puts(out, "  classes:  ");
    for (size_t i = 0; i < inc->nclasses; i++) {
        if (i)
            buf_puts(out, ", ");
        report_text_escaped(out, inc->classes[i]);
    }
    buf_putc(out, '\n');
    buf_puts(out, "  seen:     ");
    char first[DW_TIME_ISO_MAX], last[DW_TIME_ISO_MAX];
    if (dw_time_display(&inc->first_seen, st->utc, first)) {
        buf_puts(out, first);
        if (dw_time_display(&inc->last_seen, st->utc, last) && strcmp(last, first) != 0)
            buf_printf(out, " .. %s", last);
    } else {
        buf_puts(out, "(no time in log)");
    }
    buf_puts(out, "  in ");
    report_text_escaped(out, inc->input);
    buf_printf(out, ":%ld-%ld\n", inc->first_line, inc->last_line);

    buf_puts(out, "  evidence:\n");
    size_t n = incident_evidence_count(inc), shown = st->verbose ? n : (n > 8 ? 8 : n);
    for (size_t i = 0; i < shown; i++)
        evidence_line(out, incident_evidence_at(inc, i), st);
    if (inc->count > shown)
        buf_printf(out, "    ... %zu more (dextwatch show %lld)\n", inc->count - shown, id);

    struct dw_buf codes = {0};
    if (report_codes(inc, &codes)) {
        buf_puts(out, "  codes:\n");
        report_text_lines(out, codes.data, "    ");
    }
    buf_free(&codes);
    if (inc->nremedies)
        buf_puts(out, "  what to do:\n");
    for (size_t i = 0; i < inc->nremedies; i++)
        report_text_remedy(out, &inc->remedies[i], "    ", st);
}

void report_text_incident(struct dw_buf *out, const struct dw_incident *inc, long long id,
                          const struct dw_text_style *st)
{
    text_incident(out, inc, id, st, NULL);
}

/* ---- the text sink: incidents as they close, then a summary ---- */

#define SUMMARY_MAX_ROWS 15

/* Reported incidents grouped by severity, subject, root-cause class and
 * verdict.  The summary shows at most SUMMARY_MAX_ROWS groups, most severe
 * first, then "... and N more incidents": so at most that many groups per
 * severity can ever be shown, and only those are kept (a run with a million
 * distinct subjects neither grows the table nor searches it). */
struct summary_row {
    int severity;
    char *subject;
    char *cls;
    enum dw_verdict verdict;
    size_t count;
};

struct text_sink {
    struct dw_report_opts opts;
    struct report_text_remedies remedies;         /* --brief: each rule's, once */
    struct summary_row rows[4][SUMMARY_MAX_ROWS]; /* by severity, in order of appearance */
    size_t nrows[4];
    uint64_t summarized; /* incidents in all */
};

static void *text_create(const struct dw_report_opts *opts)
{
    struct text_sink *t = xcalloc(1, sizeof *t);
    t->opts = *opts;
    return t;
}

static void text_add_row(struct text_sink *t, const struct dw_report_item *item)
{
    const struct dw_incident *inc = item->inc;
    const char *subject = inc->subject ? inc->subject : "?";
    const char *cls = inc->root && inc->root->class_name ? inc->root->class_name : "?";
    int sev = inc->severity >= DW_SEV_INFO && inc->severity <= DW_SEV_CRITICAL ? inc->severity
                                                                               : DW_SEV_INFO;
    t->summarized++;
    for (size_t i = 0; i < t->nrows[sev]; i++) {
        struct summary_row *r = &t->rows[sev][i];
        if (r->verdict == item->verdict && strcmp(r->subject, subject) == 0 &&
            strcmp(r->cls, cls) == 0) {
            r->count++;
            return;
        }
    }
    if (t->nrows[sev] < SUMMARY_MAX_ROWS) /* else counted in "... more" only */
        t->rows[sev][t->nrows[sev]++] =
            (struct summary_row){sev, xstrdup(subject), xstrdup(cls), item->verdict, 1};
}

static void text_on_incident(void *state, const struct dw_report_item *item, struct dw_buf *out)
{
    struct text_sink *t = state;
    text_add_row(t, item);
    if (t->opts.summary_only)
        return;
    struct dw_text_style st = {
        .color = t->opts.color, .verbose = t->opts.verbose, .utc = t->opts.utc};
    if (t->opts.brief) {
        report_text_brief_incident(out, item, &st, &t->remedies);
        return;
    }
    struct dw_buf status = {0};
    report_item_status(item, &status);
    text_incident(out, item->inc, item->id, &st, buf_cstr(&status));
    buf_putc(out, '\n');
    buf_free(&status);
}

static void text_on_input(void *state, const struct dw_report_input *in, struct dw_buf *out)
{
    (void)state, (void)in, (void)out; /* warnings about inputs go to stderr (cmd_scan) */
}

static void text_finish(void *state, const struct dw_report_run *run, struct dw_buf *out)
{
    struct text_sink *t = state;
    if (t->opts.brief && !t->opts.summary_only) {
        struct dw_text_style st = {.color = t->opts.color};
        report_text_brief_remedies(out, &t->remedies, &st);
    }
    if (t->opts.quiet || !run->have_scan_stats)
        return;
    if (t->opts.brief && !t->opts.summary_only)
        buf_putc(out, '\n');
    buf_printf(out, "── %llu incident%s (%llu new)", (unsigned long long)run->incidents,
               run->incidents == 1 ? "" : "s", (unsigned long long)run->new_incidents);
    for (int s = DW_SEV_CRITICAL; s >= DW_SEV_INFO; s--)
        if (run->verdicts.by_severity[s])
            buf_printf(out, ", %llu %s", (unsigned long long)run->verdicts.by_severity[s],
                       dw_severity_name(s));
    if (run->verdicts.baselined)
        buf_printf(out, ", %llu baselined", (unsigned long long)run->verdicts.baselined);
    if (run->verdicts.suppressed)
        buf_printf(out, ", %llu suppressed", (unsigned long long)run->verdicts.suppressed);
    if (run->closed_early)
        buf_printf(out, ", %llu closed early (over %d open at once)",
                   (unsigned long long)run->closed_early, DW_CORRELATE_MAX_OPEN);
    buf_printf(out,
               " · %llu input%s, %llu lines, %llu events, %llu findings, "
               "%llu skipped as unparseable\n",
               (unsigned long long)run->inputs, run->inputs == 1 ? "" : "s",
               (unsigned long long)run->lines, (unsigned long long)run->events,
               (unsigned long long)run->findings, (unsigned long long)run->skipped);
    size_t shown = 0;
    uint64_t listed = 0;
    for (int s = DW_SEV_CRITICAL; s >= DW_SEV_INFO; s--) {
        for (size_t i = 0; i < t->nrows[s] && shown < SUMMARY_MAX_ROWS; i++) {
            const struct summary_row *r = &t->rows[s][i];
            shown++;
            listed += r->count;
            buf_printf(out, "   %-8s ", dw_severity_name(s));
            report_text_escaped(out, r->subject);
            buf_puts(out, "  ");
            report_text_escaped(out, r->cls);
            if (r->count > 1)
                buf_printf(out, "  x%zu", r->count);
            if (r->verdict == DW_VERDICT_BASELINED || r->verdict == DW_VERDICT_SUPPRESSED)
                buf_printf(out, "  (%s)", dw_verdict_name(r->verdict));
            buf_putc(out, '\n');
        }
    }
    if (t->summarized > listed)
        buf_printf(out, "   ... and %llu more incident%s\n",
                   (unsigned long long)(t->summarized - listed),
                   t->summarized - listed == 1 ? "" : "s");
}

static void text_destroy(void *state)
{
    struct text_sink *t = state;
    for (int s = 0; s < 4; s++)
        for (size_t i = 0; i < t->nrows[s]; i++) {
            free(t->rows[s][i].subject);
            free(t->rows[s][i].cls);
        }
    report_text_remedies_free(&t->remedies);
    free(t);
}

const struct dw_report_ops report_text_ops = {
    .name = "text",
    .create = text_create,
    .input = text_on_input,
    .incident = text_on_incident,
    .finish = text_finish,
    .destroy = text_destroy,
};
