/* report_sink.c - the format table and what the formats share.  A new format
 * is one file exporting a dw_report_ops plus one line in formats[]. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const struct {
    enum dw_format format;
    const struct dw_report_ops *ops;
} formats[] = {
    {DW_FORMAT_TEXT, &report_text_ops},         {DW_FORMAT_JSON, &report_json_ops},
    {DW_FORMAT_GITHUB, &report_github_ops},     {DW_FORMAT_JUNIT, &report_junit_ops},
    {DW_FORMAT_MARKDOWN, &report_markdown_ops},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

struct dw_report {
    const struct dw_report_ops *ops;
    void *state;
};

int dw_format_parse(const char *s, enum dw_format *out)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (strcmp(s, formats[i].ops->name) == 0) {
            *out = formats[i].format;
            return 0;
        }
    return -1;
}

const char *dw_format_name(enum dw_format f)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].format == f)
            return formats[i].ops->name;
    return "?";
}

struct dw_report *report_new(enum dw_format f, const struct dw_report_opts *opts)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].format == f) {
            struct dw_report *r = xcalloc(1, sizeof *r);
            r->ops = formats[i].ops;
            r->state = r->ops->create(opts);
            return r;
        }
    return NULL;
}

void report_input(struct dw_report *r, const struct dw_report_input *in, struct dw_buf *out)
{
    if (r->ops->input)
        r->ops->input(r->state, in, out);
}

void report_incident(struct dw_report *r, const struct dw_report_item *item, struct dw_buf *out)
{
    r->ops->incident(r->state, item, out);
}

void report_finish(struct dw_report *r, const struct dw_report_run *run, struct dw_buf *out)
{
    if (r->ops->finish)
        r->ops->finish(r->state, run, out);
}

void report_free(struct dw_report *r)
{
    if (!r)
        return;
    r->ops->destroy(r->state);
    free(r);
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
