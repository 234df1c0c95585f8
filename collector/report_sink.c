/* report_sink.c - the format table (what the formats share: report_common.c).  A new format
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
