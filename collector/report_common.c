/* report_common.c - what the formats share: an incident's title and
 * status, its decoded codes, one evidence line, text split into indented
 * lines, and the escaping and colours of the text report and its --brief
 * form (report_text_private.h).  The formats (report_<format>.c) use it;
 * the format table (report_sink.c) uses the formats, so nothing here calls
 * back up. */
#include <stdlib.h>
#include <string.h>

#include "report_text_private.h"

const char *report_text_severity_color(int sev)
{
    switch (sev) {
    case DW_SEV_CRITICAL:
        return "\033[1;35m";
    case DW_SEV_ERROR:
        return "\033[1;31m";
    case DW_SEV_WARNING:
        return "\033[33m";
    default:
        return "\033[36m";
    }
}

void report_text_escaped(struct dw_buf *out, const char *s)
{
    if (!s)
        buf_putc(out, '-');
    else
        dw_escape_term(out, s, strlen(s));
}

void report_text_color(struct dw_buf *out, const struct dw_text_style *st, const char *code)
{
    if (st->color)
        buf_puts(out, code);
}

void report_text_remedy(struct dw_buf *out, const struct dw_remedy *r, const char *indent,
                        const struct dw_text_style *st)
{
    struct dw_buf deeper = {0};
    buf_puts(out, indent);
    report_text_color(out, st, C_BOLD);
    buf_putc(out, '[');
    report_text_escaped(out, r->rule_id);
    buf_putc(out, ']');
    report_text_color(out, st, C_RESET);
    buf_putc(out, '\n');
    buf_printf(&deeper, "%s  ", indent);
    report_text_lines(out, r->text, deeper.data);
    buf_free(&deeper);
}

void report_text_lines(struct dw_buf *out, const char *text, const char *indent)
{
    const char *p = text ? text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        buf_puts(out, indent);
        dw_escape_term(out, p, n);
        buf_putc(out, '\n');
        p += n + (nl ? 1 : 0);
    }
}

char *report_item_title(const struct dw_report_item *item)
{
    struct dw_buf b = {0};
    const struct dw_incident *inc = item->inc;
    buf_puts(&b, inc->subject ? inc->subject : "?");
    buf_puts(&b, ": ");
    buf_puts(&b, inc->root && inc->root->class_name ? inc->root->class_name : "?");
    return buf_steal(&b);
}

/* True when needle occurs in hay[0..n) (needle is NUL-terminated). */
static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

size_t report_codes(const struct dw_incident *inc, struct dw_buf *lines)
{
    struct dw_buf seen = {0}; /* "\ncode\n" of codes already listed */
    size_t count = 0;
    for (size_t i = 0; i < incident_evidence_count(inc); i++) {
        const struct dw_finding *f = incident_evidence_at(inc, i);
        for (size_t d = 0; d < f->ndecoded; d++) {
            size_t mark = seen.len;
            buf_printf(&seen, "\n%s\n", f->decoded[d].code ? f->decoded[d].code : "");
            if (contains(seen.data, mark, seen.data + mark)) {
                seen.len = mark;
                continue;
            }
            buf_printf(lines, "%s = %s: %s\n", f->decoded[d].code ? f->decoded[d].code : "-",
                       f->decoded[d].name ? f->decoded[d].name : "-",
                       f->decoded[d].meaning ? f->decoded[d].meaning : "-");
            count++;
        }
    }
    buf_free(&seen);
    return count;
}

void report_item_status(const struct dw_report_item *item, struct dw_buf *out)
{
    const char *note = item->note && *item->note ? item->note : NULL;
    switch (item->verdict) {
    case DW_VERDICT_BASELINED:
        buf_puts(out, "baselined");
        break;
    case DW_VERDICT_SUPPRESSED:
        buf_puts(out, "suppressed by config");
        break;
    default:
        if ((int)item->original_severity == item->inc->severity)
            return;
        buf_printf(out, "severity lowered from %s by config",
                   dw_severity_name(item->original_severity));
        break;
    }
    if (note)
        buf_printf(out, ": %s", note);
}

void report_evidence_line(struct dw_buf *out, const struct dw_finding *f)
{
    buf_printf(out, "%s:%ld  %s: ", f->input ? f->input : "-", f->line,
               f->process ? f->process : "-");
    if (f->sender && strchr(f->sender, '/') == NULL)
        buf_printf(out, "(%s) ", f->sender);
    buf_printf(out, "%s  [%s]", f->message ? f->message : "", f->class_name ? f->class_name : "?");
}

enum dw_annotation_kind report_item_kind(const struct dw_report_item *item)
{
    if (item->verdict == DW_VERDICT_BASELINED || item->verdict == DW_VERDICT_SUPPRESSED)
        return DW_ANNOTATE_NOTICE;
    switch (item->inc->severity) {
    case DW_SEV_CRITICAL:
    case DW_SEV_ERROR:
        return DW_ANNOTATE_ERROR;
    case DW_SEV_WARNING:
        return DW_ANNOTATE_WARNING;
    default:
        return DW_ANNOTATE_NOTICE;
    }
}

void report_order_set(struct report_order *o, const struct dw_report_item *item, size_t arrival)
{
    const struct dw_incident *inc = item->inc;
    *o = (struct report_order){.kind = report_item_kind(item),
                               .severity = inc->severity,
                               .dated = inc->first_seen.kind == DW_TIME_DATE,
                               .us = inc->first_seen.us,
                               .arrival = arrival};
    if (!o->dated)
        o->us = 0;
}

static int order3(long long a, long long b)
{
    return (a > b) - (a < b);
}

int report_order_cmp(const struct report_order *a, const struct report_order *b)
{
    int c = order3(a->kind, b->kind);
    if (!c)
        c = order3(b->severity, a->severity);
    if (!c)
        c = order3(b->dated, a->dated);
    if (!c)
        c = order3(a->us, b->us);
    if (!c)
        c = order3((long long)a->arrival, (long long)b->arrival);
    return c;
}
