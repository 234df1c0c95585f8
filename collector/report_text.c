/* report_text.c - incidents for people.  Every string that came from a log
 * goes through dw_escape_term before it reaches the output. */
#include <string.h>

#include "report.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

static const char *severity_color(int sev)
{
    switch (sev) {
    case DW_SEV_CRITICAL: return "\033[1;35m";
    case DW_SEV_ERROR: return "\033[1;31m";
    case DW_SEV_WARNING: return "\033[33m";
    default: return "\033[36m";
    }
}

void report_text_escaped(struct dw_buf *out, const char *s)
{
    if (!s)
        buf_putc(out, '-');
    else
        dw_escape_term(out, s, strlen(s));
}

/* True when needle occurs in hay[0..n) (needle is NUL-terminated). */
static bool memmem_str(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static void color(struct dw_buf *out, const struct dw_text_style *st, const char *code)
{
    if (st->color)
        buf_puts(out, code);
}

/* Writes text indented by `indent`, line by line, escaping each line. */
static void indented(struct dw_buf *out, const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        buf_puts(out, indent);
        dw_escape_term(out, p, n);
        buf_putc(out, '\n');
        p += n + (nl ? 1 : 0);
    }
}

static void severity_label(struct dw_buf *out, int sev, const struct dw_text_style *st)
{
    color(out, st, severity_color(sev));
    char up[16];
    const char *name = dw_severity_name(sev);
    size_t i = 0;
    for (; name[i] && i < sizeof up - 1; i++)
        up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    up[i] = '\0';
    buf_printf(out, "%-8s", up);
    color(out, st, C_RESET);
}

void report_text_oneline(struct dw_buf *out, const struct dw_incident *inc, long long id,
                         const struct dw_text_style *st)
{
    buf_printf(out, "#%-5lld ", id);
    buf_printf(out, "%-32s ", inc->last_seen_text ? inc->last_seen_text : "-");
    severity_label(out, inc->severity, st);
    buf_putc(out, ' ');
    color(out, st, C_BOLD);
    report_text_escaped(out, inc->subject);
    color(out, st, C_RESET);
    if (inc->root) {
        buf_puts(out, "  ");
        report_text_escaped(out, inc->root->class_name);
        buf_puts(out, ": ");
        report_text_escaped(out, inc->root->summary);
    }
    buf_putc(out, '\n');
}

static void evidence_line(struct dw_buf *out, const struct dw_finding *f,
                          const struct dw_text_style *st)
{
    buf_puts(out, "    ");
    color(out, st, C_DIM);
    report_text_escaped(out, f->input);
    buf_printf(out, ":%ld", f->line);
    color(out, st, C_RESET);
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

void report_text_incident(struct dw_buf *out, const struct dw_incident *inc, long long id,
                          const struct dw_text_style *st)
{
    severity_label(out, inc->severity, st);
    buf_putc(out, ' ');
    color(out, st, C_BOLD);
    report_text_escaped(out, inc->subject);
    color(out, st, C_RESET);
    buf_printf(out, "  (incident #%lld, %zu finding%s)\n", id, inc->count,
               inc->count == 1 ? "" : "s");
    if (inc->root) {
        buf_puts(out, "  cause:    ");
        report_text_escaped(out, inc->root->summary);
        buf_puts(out, " [");
        report_text_escaped(out, inc->root->rule_id);
        buf_puts(out, "]\n");
    }
    buf_puts(out, "  classes:  ");
    for (size_t i = 0; i < inc->nclasses; i++) {
        if (i)
            buf_puts(out, ", ");
        report_text_escaped(out, inc->classes[i]);
    }
    buf_putc(out, '\n');
    buf_puts(out, "  seen:     ");
    if (inc->first_seen_text) {
        buf_puts(out, inc->first_seen_text);
        if (inc->last_seen_text && strcmp(inc->last_seen_text, inc->first_seen_text) != 0)
            buf_printf(out, " .. %s", inc->last_seen_text);
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

    bool any = false;
    struct dw_buf seen = {0}; /* "\ncode\n" of codes already printed */
    for (size_t i = 0; i < n; i++) {
        const struct dw_finding *f = incident_evidence_at(inc, i);
        for (size_t d = 0; d < f->ndecoded; d++) {
            size_t mark = seen.len;
            buf_printf(&seen, "\n%s\n", f->decoded[d].code);
            if (memmem_str(seen.data, mark, seen.data + mark)) {
                seen.len = mark;
                continue;
            }
            if (!any)
                buf_puts(out, "  codes:\n");
            any = true;
            buf_puts(out, "    ");
            report_text_escaped(out, f->decoded[d].code);
            buf_puts(out, " = ");
            report_text_escaped(out, f->decoded[d].name);
            buf_puts(out, ": ");
            report_text_escaped(out, f->decoded[d].meaning);
            buf_putc(out, '\n');
        }
    }
    buf_free(&seen);
    if (inc->nremedies)
        buf_puts(out, "  what to do:\n");
    for (size_t i = 0; i < inc->nremedies; i++) {
        buf_puts(out, "    ");
        color(out, st, C_BOLD);
        buf_putc(out, '[');
        report_text_escaped(out, inc->remedies[i].rule_id);
        buf_putc(out, ']');
        color(out, st, C_RESET);
        buf_putc(out, '\n');
        indented(out, inc->remedies[i].text, "      ");
    }
}
