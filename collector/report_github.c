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
 * and the runner's ActionCommand.cs escape mappings.
 *
 * GitHub shows 10 annotations of each kind per step and 50 per job and drops
 * the rest silently, in the order they were printed.  So the sink keeps every
 * annotation until finish(), writes them most severe first (report_order_cmp),
 * and when they do not all fit, writes at most 9 notices, 10 warnings and 10
 * errors, and no more than max_annotations - 1 in all, then one ::notice that
 * says how many were left out and where they are (the pointer counts as one of
 * the 10 notices and within max_annotations). */
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

static const char *const github_kind_names[] = {"error", "warning", "notice"};

/* One annotation, written in finish(). */
struct github_entry {
    struct report_order order;
    struct dw_buf line;
};

struct github_sink {
    struct github_entry *v;
    size_t n, cap;
    char *elsewhere;     /* opts->elsewhere, or NULL */
    int max_annotations; /* 1..DW_GITHUB_MAX_ANNOTATIONS */
};

static void *github_create(const struct dw_report_opts *opts)
{
    struct github_sink *g = xcalloc(1, sizeof *g);
    g->elsewhere = opts->elsewhere && *opts->elsewhere ? xstrdup(opts->elsewhere) : NULL;
    g->max_annotations =
        opts->max_annotations > 0 && opts->max_annotations <= DW_GITHUB_MAX_ANNOTATIONS
            ? opts->max_annotations
            : DW_GITHUB_MAX_ANNOTATIONS;
    return g;
}

static struct dw_buf *github_new_entry(struct github_sink *g, const struct report_order *order)
{
    xgrow((void **)&g->v, &g->cap, g->n + 1, sizeof *g->v);
    struct github_entry *e = &g->v[g->n++];
    *e = (struct github_entry){.order = *order};
    return &e->line;
}

/* The incident's annotation, kept until finish(). */
static void github_on_incident(void *state, const struct dw_report_item *item,
                               struct dw_buf *unused)
{
    struct github_sink *g = state;
    const struct dw_incident *inc = item->inc;
    const struct dw_finding *root = inc->root;
    struct dw_buf text = {0};
    struct report_order order;
    (void)unused;
    report_order_set(&order, item, g->n);
    struct dw_buf *out = github_new_entry(g, &order);

    buf_printf(out, "::%s title=", github_kind_names[order.kind]);
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

/* An input without events: an annotation of its own, before the incidents of its kind. */
static void github_on_input(void *state, const struct dw_report_input *in, struct dw_buf *unused)
{
    struct github_sink *g = state;
    (void)unused;
    if (in->events || in->read_error)
        return;
    struct report_order order = {.kind = in->no_events_is_error ? DW_ANNOTATE_ERROR
                                                                : DW_ANNOTATE_WARNING,
                                 .severity = DW_SEV_CRITICAL + 1,
                                 .arrival = g->n};
    struct dw_buf *out = github_new_entry(g, &order);
    buf_printf(out, "::%s title=", github_kind_names[order.kind]);
    report_github_property(out, "dextwatch: no log events");
    buf_puts(out, "::");
    report_github_data(out, in->name);
    buf_puts(out, " held no log events: the log collection probably failed "
                  "(check the `log show` step and its predicate)\n");
}

static int github_entry_cmp(const void *a, const void *b)
{
    return report_order_cmp(&((const struct github_entry *)a)->order,
                            &((const struct github_entry *)b)->order);
}

/* The notice that stands for the annotations left out. */
static void github_pointer(const struct github_sink *g, const size_t *left, size_t nleft,
                           struct dw_buf *out)
{
    struct dw_buf text = {0};
    buf_printf(&text, "dextwatch: %zu more not annotated", nleft);
    buf_puts(out, "::notice title=");
    report_github_property(out, text.data);
    buf_puts(out, "::");
    buf_reset(&text);
    buf_printf(&text,
               "GitHub shows %d annotations of each kind per step (%d per job); these are the "
               "most severe. Not annotated: %zu error%s, %zu warning%s, %zu notice%s. ",
               DW_GITHUB_PER_KIND, DW_GITHUB_MAX_ANNOTATIONS, left[DW_ANNOTATE_ERROR],
               left[DW_ANNOTATE_ERROR] == 1 ? "" : "s", left[DW_ANNOTATE_WARNING],
               left[DW_ANNOTATE_WARNING] == 1 ? "" : "s", left[DW_ANNOTATE_NOTICE],
               left[DW_ANNOTATE_NOTICE] == 1 ? "" : "s");
    if (g->elsewhere)
        buf_printf(&text, "Every incident is in %s.", g->elsewhere);
    else
        buf_puts(&text, "For every incident, add --format markdown --output "
                        "\"$GITHUB_STEP_SUMMARY\" (the step summary) or --format json.");
    report_github_data(out, text.data);
    buf_putc(out, '\n');
    buf_free(&text);
}

/* Every annotation, most severe first, within GitHub's limits (see the top). */
static void github_finish(void *state, const struct dw_report_run *run, struct dw_buf *out)
{
    struct github_sink *g = state;
    (void)run;
    if (g->n > 1)
        qsort(g->v, g->n, sizeof *g->v, github_entry_cmp);
    size_t count[3] = {0};
    for (size_t i = 0; i < g->n; i++)
        count[g->v[i].order.kind]++;
    bool all_fit = g->n <= (size_t)g->max_annotations;
    for (int k = 0; k < 3; k++)
        all_fit = all_fit && count[k] <= DW_GITHUB_PER_KIND;
    /* Without room for everything, one notice and one slot in all go to the pointer. */
    size_t room[3] = {DW_GITHUB_PER_KIND, DW_GITHUB_PER_KIND, DW_GITHUB_PER_KIND - !all_fit};
    size_t total_room = (size_t)g->max_annotations - !all_fit, written = 0;
    size_t left[3] = {0}, nleft = 0;
    for (size_t i = 0; i < g->n; i++) {
        enum dw_annotation_kind k = g->v[i].order.kind;
        if (room[k] && written < total_room) {
            room[k]--;
            written++;
            buf_append(out, g->v[i].line.data, g->v[i].line.len);
        } else {
            left[k]++;
            nleft++;
        }
    }
    if (nleft)
        github_pointer(g, left, nleft, out);
}

static void github_destroy(void *state)
{
    struct github_sink *g = state;
    for (size_t i = 0; i < g->n; i++)
        buf_free(&g->v[i].line);
    free(g->v);
    free(g->elsewhere);
    free(g);
}

const struct dw_report_ops report_github_ops = {
    .name = "github",
    .create = github_create,
    .input = github_on_input,
    .incident = github_on_incident,
    .finish = github_finish,
    .destroy = github_destroy,
};
