/* report_text_brief.c - the compact text report (--brief): one line per
 * finding, in the shape of a compiler's diagnostics so that editors and grep
 * take it as it is, and each rule's remediation once, at the end, however
 * many incidents it explains.  Log text is escaped like everywhere else. */
#include <stdlib.h>
#include <string.h>

#include "report_text_private.h"

/* Appends the first line of s, escaped, with " ..." when more follows. */
static void first_line(struct dw_buf *out, const char *s)
{
    size_t n = strcspn(s, "\r\n");
    dw_escape_term(out, s, n);
    if (s[n])
        buf_puts(out, " ...");
}

static void brief_line(struct dw_buf *out, const struct dw_report_item *item,
                       const struct dw_finding *f, const struct dw_text_style *st,
                       const char *status)
{
    /* the incident's severity caps its findings' (a config may lower it) */
    int sev = f->severity < item->inc->severity ? f->severity : item->inc->severity;
    buf_printf(out, "#%lld ", item->id);
    report_text_color(out, st, C_DIM);
    report_text_escaped(out, f->input);
    if (f->line > 0)
        buf_printf(out, ":%ld", f->line);
    report_text_color(out, st, C_RESET);
    buf_puts(out, ": ");
    report_text_color(out, st, report_text_severity_color(sev));
    buf_puts(out, dw_severity_name(sev));
    report_text_color(out, st, C_RESET);
    buf_puts(out, ": ");
    report_text_color(out, st, C_BOLD);
    report_text_escaped(out, item->inc->subject);
    report_text_color(out, st, C_RESET);
    buf_puts(out, ": ");
    first_line(out, f->summary && *f->summary ? f->summary : f->message ? f->message : "-");
    buf_puts(out, " [");
    report_text_escaped(out, f->rule_id);
    buf_putc(out, ']');
    if (*status) {
        buf_puts(out, " (");
        first_line(out, status);
        buf_putc(out, ')');
    }
    buf_putc(out, '\n');
}

static void remember(struct report_text_remedies *seen, const struct dw_remedy *r)
{
    for (size_t i = 0; i < seen->n; i++)
        if (strcmp(seen->v[i].rule_id, r->rule_id) == 0)
            return;
    xgrow((void **)&seen->v, &seen->cap, seen->n + 1, sizeof *seen->v);
    seen->v[seen->n++] = (struct dw_remedy){xstrdup(r->rule_id), xstrdup(r->text)};
}

void report_text_brief_incident(struct dw_buf *out, const struct dw_report_item *item,
                                const struct dw_text_style *st, struct report_text_remedies *seen)
{
    const struct dw_incident *inc = item->inc;
    struct dw_buf status = {0};
    report_item_status(item, &status);
    size_t held = incident_evidence_count(inc);
    for (size_t i = 0; i < held; i++)
        brief_line(out, item, incident_evidence_at(inc, i), st, buf_cstr(&status));
    if (inc->count > held)
        buf_printf(out, "#%lld ... %zu more finding%s (dextwatch show %lld)\n", item->id,
                   inc->count - held, inc->count - held == 1 ? "" : "s", item->id);
    for (size_t i = 0; i < inc->nremedies; i++)
        if (inc->remedies[i].rule_id && inc->remedies[i].text)
            remember(seen, &inc->remedies[i]);
    buf_free(&status);
}

void report_text_brief_remedies(struct dw_buf *out, const struct report_text_remedies *seen,
                                const struct dw_text_style *st)
{
    if (seen->n == 0)
        return;
    buf_puts(out, "\nwhat to do:\n");
    for (size_t i = 0; i < seen->n; i++)
        report_text_remedy(out, &seen->v[i], "  ", st);
}

void report_text_remedies_free(struct report_text_remedies *seen)
{
    for (size_t i = 0; i < seen->n; i++) {
        free(seen->v[i].rule_id);
        free(seen->v[i].text);
    }
    free(seen->v);
    *seen = (struct report_text_remedies){0};
}
