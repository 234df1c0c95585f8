/* cmd_recent.c - `dextwatch recent`: what failed lately. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "numparse.h"
#include "outpath.h"
#include "platform.h"
#include "report.h"
#include "store.h"
#include "store_stats.h"

enum {
    RECENT_DB,
    RECENT_SINCE,
    RECENT_CLASS,
    RECENT_SUBJECT,
    RECENT_LIMIT,
    RECENT_FORMAT,
    RECENT_OUTPUT,
    RECENT_COLOR,
    RECENT_UTC,
    RECENT_HELP
};
static const struct cli_opt recent_opts[] = {
    [RECENT_DB] = CLI_OPT_DB,
    [RECENT_SINCE] = {"since", 0, "WHEN", NULL,
                      "a duration back from now (30m, 2h, 7d), a date (2026-11-27:\n"
                      "from its midnight) or a time (2026-11-27T10:00, optional\n"
                      "seconds and offset); local time (TZ) without an offset"},
    [RECENT_CLASS] = {"class", 0, "GLOB", NULL,
                      "only incidents with a class matching GLOB (e.g. 'codesign.*')"},
    [RECENT_SUBJECT] = {"subject", 0, "GLOB", NULL, "only incidents whose subject matches GLOB"},
    [RECENT_LIMIT] = {"limit", 0, "N", NULL, "at most N incidents (default 50; 0 = all)"},
    [RECENT_FORMAT] = CLI_OPT_FORMAT,
    [RECENT_OUTPUT] = CLI_OPT_OUTPUT,
    [RECENT_COLOR] = CLI_OPT_COLOR,
    [RECENT_UTC] = CLI_OPT_UTC,
    [RECENT_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_recent(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_recent_entry = {
    .name = "recent",
    .summary = "list recent incidents from the database",
    .usage =
        "recent [--db PATH] [--since DURATION|DATE|TIME] [--class GLOB]\n"
        "                        [--subject GLOB] [--limit N] [--format F [--output FILE]]...\n"
        "                        [--color WHEN] [--utc]",
    .about = "Lists stored incidents, newest first (by the log time of their last finding;\n"
             "a log time without an offset is taken as local time, TZ).\n"
             "Text output opens with one line per class: how many incidents of the period\n"
             "(all that match the filters, not only the --limit listed) carry it, and a\n"
             "sparkline of them over the period (--since .. now, else first .. last).",
    .opts = recent_opts,
    .run = cmd_recent,
};

static const char *const spark_chars[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* One line per class: count and a sparkline of the period. */
static void print_class_lines(struct dw_buf *out, const struct dw_class_hist *h, size_t n,
                              bool color)
{
    struct dw_buf line = {0};
    for (size_t k = 0; k < n; k++) {
        unsigned max = 0;
        for (int b = 0; b < DW_HIST_BINS; b++)
            if (h[k].bins[b] > max)
                max = h[k].bins[b];
        buf_reset(&line);
        report_text_escaped(&line, h[k].class_name);
        while (line.len < 40)
            buf_putc(&line, ' ');
        buf_printf(&line, " %6zu  ", h[k].count);
        if (color)
            buf_puts(&line, "\033[36m");
        for (int b = 0; b < DW_HIST_BINS; b++)
            buf_puts(&line, spark_chars[max ? (h[k].bins[b] * 8 + max - 1) / max : 0]);
        if (color)
            buf_puts(&line, "\033[0m");
        buf_printf(out, "%s\n", line.data);
    }
    buf_free(&line);
}

/* The text form: one line per class (counted over every incident matching the
 * filters, from the store) with a sparkline, then one line per listed incident.
 * 0, or -1 with a message in err. */
static int recent_text(struct dw_output *o, struct dw_store *store, struct dw_incident **v,
                       size_t n, const struct dw_query *q, int64_t now,
                       const struct dw_text_style *st, struct dw_buf *out, struct dw_errors *err)
{
    if (n == 0) {
        buf_printf(out, "no incidents%s\n", q->has_since ? " in that period" : "");
        outputs_write(o, out);
        return 0;
    }
    int64_t start = q->has_since ? q->since_us : 0, end = now;
    if (!q->has_since && store_time_span(store, q, &start, &end, err) != 0)
        return -1;
    struct dw_class_hist *h = NULL;
    size_t nh = 0;
    if (store_class_histogram(store, q, start, end, &h, &nh, err) != 0)
        return -1;
    print_class_lines(out, h, nh, st->color && o->fp == stdout);
    store_class_histogram_free(h, nh);
    buf_putc(out, '\n');
    for (size_t i = 0; i < n; i++)
        report_text_oneline(out, v[i], (long long)v[i]->id, st);
    outputs_write(o, out);
    return 0;
}

/* A non-text format: every incident as failing, then the totals. */
static void recent_report(struct dw_output *o, struct dw_incident **v, size_t n, struct dw_buf *out)
{
    struct dw_report_run run = {0};
    for (size_t i = 0; i < n; i++) {
        struct dw_report_item item = {.inc = v[i],
                                      .id = (long long)v[i]->id,
                                      .verdict = DW_VERDICT_FAIL,
                                      .original_severity = (enum dw_severity)v[i]->severity};
        report_incident(o->report, &item, out);
        outputs_write(o, out);
        run.verdicts.failing++;
        run.incidents++;
    }
    report_finish(o->report, &run, out);
    outputs_write(o, out);
}

/* Writes the incidents v to every output.  0, or -1 with messages in err. */
static int recent_outputs(struct dw_outputs *outs, struct dw_store *store, struct dw_incident **v,
                          size_t n, const struct dw_query *q, int64_t now,
                          const struct dw_text_style *st, struct dw_errors *err)
{
    struct dw_report_opts ro = {.title = "dextwatch recent", .color = st->color, .utc = st->utc};
    struct dw_buf out = {0};
    int rc = outputs_check_paths(outs, store_path(store), NULL, 0, err);
    if (rc == 0)
        rc = outputs_open(outs, &ro, err);
    for (size_t k = 0; rc == 0 && k < outs->n; k++) {
        struct dw_output *o = &outs->v[k];
        if (o->format != DW_FORMAT_TEXT)
            recent_report(o, v, n, &out);
        else if (recent_text(o, store, v, n, q, now, st, &out, err) != 0)
            rc = -1;
    }
    if (outputs_close(outs, err) != 0)
        rc = -1;
    buf_free(&out);
    return rc;
}

/* Parses the options into q, outs and *db_opt; -1 to go on, else the exit status. */
static int recent_options(const struct cli_cmd *self, int argc, char **argv, int64_t now,
                          struct dw_query *q, struct dw_outputs *outs, const char **db_opt,
                          struct dw_text_style *st)
{
    enum cli_color color = CLI_COLOR_AUTO;
    struct dw_errors e = {0};
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; p.status < 0 && (o = cli_next(&p)) >= 0;) {
        switch (o) {
        case RECENT_DB:
            *db_opt = p.arg;
            break;
        case RECENT_SINCE: {
            char why[160];
            if (dw_since_parse(p.arg, now, &q->since_us, why, sizeof why) != 0)
                p.status = cli_usage_error(self, "--since '%s': %s", p.arg, why);
            q->has_since = true;
            break;
        }
        case RECENT_CLASS:
            q->class_glob = p.arg;
            break;
        case RECENT_SUBJECT:
            q->subject_glob = p.arg;
            break;
        case RECENT_LIMIT: {
            int64_t limit;
            if (dw_parse_int64(p.arg, 0, LONG_MAX, &limit) != 0)
                p.status = cli_usage_error(
                    self, "--limit takes a whole number from 0 to %ld, not '%s'", LONG_MAX, p.arg);
            q->limit = (long)limit;
            break;
        }
        case RECENT_COLOR:
            cli_color_parse(p.arg, &color);
            break;
        case RECENT_UTC:
            st->utc = true;
            break;
        case RECENT_FORMAT:
        case RECENT_OUTPUT:
            if ((o == RECENT_FORMAT ? outputs_add_format(outs, p.arg, &e)
                                    : outputs_set_path(outs, p.arg, &e)) != 0)
                p.status = cli_usage_error(self, "%s", e.msgs[0]);
            break;
        }
    }
    cli_parse_end(&p);
    st->color = cli_use_color(stdout, color);
    if (p.status < 0 && outputs_settle(outs, false, &e) != 0)
        p.status = cli_usage_error(self, "%s", e.msgs[0]);
    dw_errors_clear(&e);
    return p.status;
}

static int cmd_recent(const struct cli_cmd *self, int argc, char **argv)
{
    struct dw_query q = {.limit = 50};
    struct dw_outputs outs = {0};
    const char *db_opt = NULL;
    int64_t now = dw_now_us();
    struct dw_text_style st = {0};
    int status = recent_options(self, argc, argv, now, &q, &outs, &db_opt, &st);
    if (status >= 0) {
        outputs_free(&outs);
        return status;
    }
    struct dw_errors err = {0};
    struct dw_incident **v = NULL;
    size_t n = 0;
    struct dw_store *store = cli_open_store(db_opt, DW_STORE_READ, NULL);
    status = DW_EXIT_USAGE;
    if (store && store_recent(store, &q, &v, &n, &err) == 0 &&
        recent_outputs(&outs, store, v, n, &q, now, &st, &err) == 0)
        status = DW_EXIT_OK;
    cli_errors(&err);
    store_incidents_free(v, n);
    store_close(store);
    dw_errors_clear(&err);
    outputs_free(&outs);
    return status;
}
