/* report_junit.c - JUnit XML (the Ant/Surefire format Jenkins, GitLab and
 * most CI systems read), validated in the tests against tests/junit/junit.xsd:
 *
 *   <testsuites name="dextwatch scan" tests= failures= errors= skipped=>
 *     <testsuite name="INPUT" ...>               one per input
 *       <testcase name="SUBJECT: CLASS" classname="dextwatch.RULE">
 *         <failure message="cause" type="CLASS">evidence, codes, what to do</failure>
 *       </testcase>
 *       <testcase name="no incident" .../>       an input without incident passes
 *
 * An incident that fails the run is a <failure>; a baselined or suppressed one
 * is <skipped> with the reason; one below --fail-on passes, with its report in
 * <system-out>.  An input that held no log events is an <error> with
 * --require-events and <skipped> otherwise.  Everything is escaped text (no
 * CDATA, so "]]>" in a log is just text).  The document needs every count
 * first, so suites are kept as rendered strings and written in finish(). */
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct junit_suite {
    char *name;
    struct dw_buf cases; /* rendered <testcase> elements */
    unsigned tests, failures, errors, skipped;
};

struct junit_sink {
    struct dw_report_opts opts;
    struct junit_suite *suites;
    size_t nsuites, cap;
};

void report_xml_text(struct dw_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* a run of printable ASCII without XML specials goes out as one piece */
        size_t plain = i;
        while (plain < n && p[plain] >= 0x20 && p[plain] < 0x7f && !strchr("&<>\"'", p[plain]))
            plain++;
        if (plain > i) {
            buf_append(out, s + i, plain - i);
            i = plain;
            continue;
        }
        unsigned char c = p[i];
        size_t len = dw_utf8_seq_len(p + i, n - i);
        if (len == 0) {
            buf_printf(out, "\\x%02x", c);
            i++;
            continue;
        }
        if (len == 3 && c == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe) {
            buf_printf(out, "\\u%s", p[i + 2] == 0xbe ? "FFFE" : "FFFF");
            i += 3;
            continue;
        }
        if (len > 1) {
            buf_append(out, s + i, len);
            i += len;
            continue;
        }
        switch (c) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&apos;");
            break;
        case '\t':
            buf_puts(out, "&#9;");
            break;
        case '\n':
            buf_puts(out, "&#10;");
            break;
        case '\r':
            buf_puts(out, "&#13;");
            break;
        default:
            if (c < 0x20)
                buf_printf(out, "\\x%02x", c);
            else
                buf_putc(out, (char)c);
            break;
        }
        i++;
    }
}

/* Log or rule text made visible (dw_escape_term), then XML-escaped. */
static void xml_visible(struct dw_buf *out, const char *s)
{
    struct dw_buf vis = {0};
    if (s)
        dw_escape_term(&vis, s, strlen(s));
    else
        buf_putc(&vis, '-');
    report_xml_text(out, vis.data, vis.len);
    buf_free(&vis);
}

/* Multi-line text: each line made visible, XML-escaped, newline kept as LF. */
static void xml_lines(struct dw_buf *out, const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        struct dw_buf vis = {0};
        buf_puts(&vis, indent);
        dw_escape_term(&vis, p, n);
        report_xml_text(out, vis.data, vis.len);
        buf_free(&vis);
        buf_putc(out, '\n');
        p += n + (nl ? 1 : 0);
    }
}

static struct junit_suite *junit_suite(struct junit_sink *j, const char *name)
{
    if (!name)
        name = "-";
    for (size_t i = 0; i < j->nsuites; i++)
        if (strcmp(j->suites[i].name, name) == 0)
            return &j->suites[i];
    xgrow((void **)&j->suites, &j->cap, j->nsuites + 1, sizeof *j->suites);
    struct junit_suite *s = &j->suites[j->nsuites++];
    *s = (struct junit_suite){.name = xstrdup(name)};
    return s;
}

static void *junit_create(const struct dw_report_opts *opts)
{
    struct junit_sink *j = xcalloc(1, sizeof *j);
    j->opts = *opts;
    return j;
}

/* The body of a failure: the incident as in the text report, without colour. */
static void junit_details(struct dw_buf *out, const struct dw_report_item *item)
{
    const struct dw_incident *inc = item->inc;
    struct dw_buf text = {0};
    buf_putc(out, '\n');
    if (inc->root) {
        buf_puts(&text, "cause: ");
        buf_puts(&text, inc->root->summary ? inc->root->summary : "-");
        buf_printf(&text, " [%s]", inc->root->rule_id ? inc->root->rule_id : "?");
        xml_visible(out, text.data);
        buf_putc(out, '\n');
    }
    buf_reset(&text);
    report_item_status(item, &text);
    if (text.len) {
        buf_puts(out, "status: ");
        xml_visible(out, text.data);
        buf_putc(out, '\n');
    }
    buf_printf(out, "severity: %s, incident #%lld, %zu finding%s\n",
               dw_severity_name(inc->severity), item->id, inc->count, inc->count == 1 ? "" : "s");
    buf_puts(out, "classes: ");
    for (size_t i = 0; i < inc->nclasses; i++) {
        if (i)
            buf_puts(out, ", ");
        xml_visible(out, inc->classes[i]);
    }
    buf_puts(out, "\nseen: ");
    xml_visible(out, inc->first_seen_text ? inc->first_seen_text : "(no time in log)");
    if (inc->last_seen_text && inc->first_seen_text &&
        strcmp(inc->first_seen_text, inc->last_seen_text) != 0) {
        buf_puts(out, " .. ");
        xml_visible(out, inc->last_seen_text);
    }
    buf_puts(out, "\nevidence:\n");
    size_t n = incident_evidence_count(inc);
    for (size_t i = 0; i < n; i++) {
        const struct dw_finding *f = incident_evidence_at(inc, i);
        buf_reset(&text);
        buf_puts(&text, "  ");
        report_evidence_line(&text, f);
        xml_visible(out, text.data);
        buf_putc(out, '\n');
    }
    if (inc->count > n)
        buf_printf(out, "  ... %zu more\n", inc->count - n);
    buf_reset(&text);
    if (report_codes(inc, &text)) {
        buf_puts(out, "codes:\n");
        xml_lines(out, text.data, "  ");
    }
    if (inc->nremedies)
        buf_puts(out, "what to do:\n");
    for (size_t i = 0; i < inc->nremedies; i++) {
        buf_puts(out, "  [");
        xml_visible(out, inc->remedies[i].rule_id);
        buf_puts(out, "]\n");
        xml_lines(out, inc->remedies[i].text, "    ");
    }
    buf_free(&text);
}

static void junit_on_incident(void *state, const struct dw_report_item *item, struct dw_buf *out)
{
    struct junit_sink *j = state;
    const struct dw_incident *inc = item->inc;
    (void)out;
    struct junit_suite *s = junit_suite(j, inc->input);
    struct dw_buf *c = &s->cases;
    s->tests++;
    char *title = report_item_title(item);
    buf_puts(c, "    <testcase name=\"");
    xml_visible(c, title);
    free(title);
    buf_puts(c, "\" classname=\"dextwatch.");
    xml_visible(c, inc->root ? inc->root->rule_id : "incident");
    buf_puts(c, "\" time=\"0\">\n");
    const char *summary = inc->root && inc->root->summary ? inc->root->summary : inc->subject;
    struct dw_buf status = {0};
    report_item_status(item, &status);
    switch (item->verdict) {
    case DW_VERDICT_FAIL:
        s->failures++;
        buf_puts(c, "      <failure message=\"");
        xml_visible(c, summary);
        buf_puts(c, "\" type=\"");
        xml_visible(c, inc->root ? inc->root->class_name : "incident");
        buf_puts(c, "\">");
        junit_details(c, item);
        buf_puts(c, "      </failure>\n");
        break;
    case DW_VERDICT_BASELINED:
    case DW_VERDICT_SUPPRESSED:
        s->skipped++;
        buf_puts(c, "      <skipped message=\"");
        xml_visible(c, status.data);
        buf_puts(c, "\"/>\n      <system-out>");
        junit_details(c, item);
        buf_puts(c, "      </system-out>\n");
        break;
    case DW_VERDICT_PASS:
        buf_puts(c, "      <system-out>below --fail-on: ");
        xml_visible(c, summary);
        junit_details(c, item);
        buf_puts(c, "      </system-out>\n");
        break;
    }
    buf_free(&status);
    buf_puts(c, "    </testcase>\n");
}

static void junit_on_input(void *state, const struct dw_report_input *in, struct dw_buf *out)
{
    struct junit_sink *j = state;
    (void)out;
    struct junit_suite *s = junit_suite(j, in->name);
    if (in->read_error) {
        s->tests++;
        s->errors++;
        buf_puts(&s->cases, "    <testcase name=\"read input\" classname=\"dextwatch.input\" "
                            "time=\"0\">\n      <error message=\"the input could not be read "
                            "(see the job log)\" type=\"input\"/>\n    </testcase>\n");
        return;
    }
    if (in->events == 0) {
        s->tests++;
        if (in->no_events_is_error) {
            s->errors++;
            buf_puts(&s->cases, "    <testcase name=\"log events\" classname=\"dextwatch.input\" "
                                "time=\"0\">\n      <error message=\"the input held no log events: "
                                "the log collection probably failed\" type=\"no-events\"/>\n"
                                "    </testcase>\n");
        } else {
            s->skipped++;
            buf_puts(&s->cases, "    <testcase name=\"log events\" classname=\"dextwatch.input\" "
                                "time=\"0\">\n      <skipped message=\"the input held no log "
                                "events\"/>\n    </testcase>\n");
        }
        return;
    }
    if (s->tests == 0) {
        s->tests++;
        buf_puts(&s->cases, "    <testcase name=\"no incident\" classname=\"dextwatch.input\" "
                            "time=\"0\"/>\n");
    }
}

static void junit_finish(void *state, const struct dw_report_run *run, struct dw_buf *out)
{
    struct junit_sink *j = state;
    (void)run;
    unsigned tests = 0, failures = 0, errors = 0, skipped = 0;
    if (j->nsuites == 0) { /* `recent` with nothing to list: one passing case */
        struct junit_suite *s = junit_suite(j, j->opts.title ? j->opts.title : "dextwatch");
        s->tests++;
        buf_puts(&s->cases, "    <testcase name=\"no incident\" classname=\"dextwatch\" "
                            "time=\"0\"/>\n");
    }
    for (size_t i = 0; i < j->nsuites; i++) {
        tests += j->suites[i].tests;
        failures += j->suites[i].failures;
        errors += j->suites[i].errors;
        skipped += j->suites[i].skipped;
    }
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
    xml_visible(out, j->opts.title ? j->opts.title : "dextwatch");
    buf_printf(out, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"0\">\n",
               tests, failures, errors, skipped);
    for (size_t i = 0; i < j->nsuites; i++) {
        const struct junit_suite *s = &j->suites[i];
        buf_puts(out, "  <testsuite name=\"");
        xml_visible(out, s->name);
        buf_printf(out,
                   "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" "
                   "time=\"0\">\n",
                   s->tests, s->failures, s->errors, s->skipped);
        buf_append(out, s->cases.data ? s->cases.data : "", s->cases.len);
        buf_puts(out, "  </testsuite>\n");
    }
    buf_puts(out, "</testsuites>\n");
}

static void junit_destroy(void *state)
{
    struct junit_sink *j = state;
    for (size_t i = 0; i < j->nsuites; i++) {
        free(j->suites[i].name);
        buf_free(&j->suites[i].cases);
    }
    free(j->suites);
    free(j);
}

const struct dw_report_ops report_junit_ops = {
    .name = "junit",
    .create = junit_create,
    .input = junit_on_input,
    .incident = junit_on_incident,
    .finish = junit_finish,
    .destroy = junit_destroy,
};
