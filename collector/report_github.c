/* report_github.c - GitHub Actions workflow commands, one annotation per
 * incident:
 *
 *   ::error title=com.MyDriver%3A entitlement.provider-check,file=x.log,line=1::cause%0A...
 *
 * error/critical -> ::error, warning -> ::warning, info -> ::notice; an
 * incident that does not fail the run (baselined, suppressed) is a ::notice
 * whatever its severity.  The runner splits a command at the first "::" after
 * the properties and unescapes %25 %0D %0A (and %3A %2C in properties), so
 * escaping those is enough to keep log text inside its annotation; control
 * characters are made visible first (dw_escape_term), so none reaches the job
 * log raw.  Reference: "Workflow commands for GitHub Actions" (docs.github.com),
 * and the runner's ActionCommand.cs escape mappings. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Workflow-command escaping: '%', CR and LF always; ':' and ',' in properties. */
static const char *const github_data_map[256] = {['%'] = "%25", ['\r'] = "%0D", ['\n'] = "%0A"};
static const char *const github_property_map[256] = {
    ['%'] = "%25", ['\r'] = "%0D", ['\n'] = "%0A", [':'] = "%3A", [','] = "%2C"};

static void github_escape(struct dw_buf *out, const char *s, bool property)
{
    if (!s) {
        buf_putc(out, '-');
        return;
    }
    struct dw_buf vis = {0};
    dw_escape_term(&vis, s, strlen(s));
    buf_append_mapped(out, vis.data, vis.len, property ? github_property_map : github_data_map);
    buf_free(&vis);
}

void report_github_data(struct dw_buf *out, const char *s)
{
    github_escape(out, s, false);
}

void report_github_property(struct dw_buf *out, const char *s)
{
    github_escape(out, s, true);
}

/* Writes each line of text (rule or log text) escaped, lines joined by %0A,
 * each prefixed by indent. */
static void github_lines(struct dw_buf *out, const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, n);
        buf_puts(out, "%0A");
        buf_puts(out, indent);
        report_github_data(out, line);
        free(line);
        p += n + (nl ? 1 : 0);
    }
}

static const char *github_command(const struct dw_report_item *item)
{
    if (item->verdict == DW_VERDICT_BASELINED || item->verdict == DW_VERDICT_SUPPRESSED)
        return "notice";
    switch (item->inc->severity) {
    case DW_SEV_CRITICAL:
    case DW_SEV_ERROR:
        return "error";
    case DW_SEV_WARNING:
        return "warning";
    default:
        return "notice";
    }
}

static void *github_create(const struct dw_report_opts *opts)
{
    (void)opts;
    return xcalloc(1, 1);
}

static void github_on_incident(void *state, const struct dw_report_item *item, struct dw_buf *out)
{
    (void)state;
    const struct dw_incident *inc = item->inc;
    const struct dw_finding *root = inc->root;
    struct dw_buf text = {0};

    buf_printf(out, "::%s title=", github_command(item));
    buf_printf(&text, "%s ", dw_severity_name(inc->severity));
    char *title = report_item_title(item);
    buf_puts(&text, title);
    free(title);
    if (item->verdict == DW_VERDICT_BASELINED || item->verdict == DW_VERDICT_SUPPRESSED)
        buf_printf(&text, " (%s)", dw_verdict_name(item->verdict));
    report_github_property(out, text.data);
    /* file= and line= point at the root finding, when it came from a file */
    if (root && root->input && strcmp(root->input, "-") != 0 && root->line > 0) {
        buf_puts(out, ",file=");
        report_github_property(out, root->input);
        buf_printf(out, ",line=%ld", root->line);
    }
    buf_puts(out, "::");

    if (root) {
        report_github_data(out, root->summary);
        buf_puts(out, " [");
        report_github_data(out, root->rule_id);
        buf_putc(out, ']');
    } else {
        report_github_data(out, inc->subject);
    }
    buf_reset(&text);
    report_item_status(item, &text);
    if (text.len) {
        buf_puts(out, "%0Astatus: ");
        report_github_data(out, text.data);
    }
    buf_printf(out, "%%0Aincident #%lld, %zu finding%s, classes: ", item->id, inc->count,
               inc->count == 1 ? "" : "s");
    for (size_t i = 0; i < inc->nclasses; i++) {
        if (i)
            buf_puts(out, ", ");
        report_github_data(out, inc->classes[i]);
    }
    buf_puts(out, "%0Aevidence:");
    size_t n = incident_evidence_count(inc);
    for (size_t i = 0; i < n; i++) {
        const struct dw_finding *f = incident_evidence_at(inc, i);
        buf_reset(&text);
        report_evidence_line(&text, f);
        buf_puts(out, "%0A  ");
        report_github_data(out, text.data);
    }
    if (inc->count > n)
        buf_printf(out, "%%0A  ... %zu more", inc->count - n);
    buf_reset(&text);
    if (report_codes(inc, &text)) {
        buf_puts(out, "%0Acodes:");
        github_lines(out, text.data, "  ");
    }
    if (inc->nremedies)
        buf_puts(out, "%0Awhat to do:");
    for (size_t i = 0; i < inc->nremedies; i++) {
        buf_puts(out, "%0A  [");
        report_github_data(out, inc->remedies[i].rule_id);
        buf_putc(out, ']');
        github_lines(out, inc->remedies[i].text, "    ");
    }
    buf_putc(out, '\n');
    buf_free(&text);
}

static void github_on_input(void *state, const struct dw_report_input *in, struct dw_buf *out)
{
    (void)state;
    if (in->events || in->read_error)
        return;
    buf_printf(out, "::%s title=", in->no_events_is_error ? "error" : "warning");
    report_github_property(out, "dextwatch: no log events");
    buf_puts(out, "::");
    report_github_data(out, in->name);
    buf_puts(out, " held no log events: the log collection probably failed "
                  "(check the `log show` step and its predicate)\n");
}

const struct dw_report_ops report_github_ops = {
    .name = "github",
    .create = github_create,
    .input = github_on_input,
    .incident = github_on_incident,
    .destroy = free,
};
