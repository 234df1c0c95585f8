/* cmd_recent.c - `dextwatch recent`: what failed lately. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "platform.h"
#include "report.h"
#include "store.h"
#include "store_stats.h"


static const char recent_usage[] =
    "usage: dextwatch recent [--db PATH] [--since DURATION|TIME] [--class GLOB]\n"
    "                        [--subject GLOB] [--limit N] [--format F [--output FILE]]...\n"
    "\n"
    "Lists stored incidents, newest first (by the log time of their last finding).\n"
    "Text output opens with one line per class: how many incidents of the period\n"
    "(all that match the filters, not only the --limit listed) carry it, and a\n"
    "sparkline of them over the period (--since .. now, else first .. last).\n"
    "\n"
    "  --db PATH         database (default: $DEXTWATCH_DB, else the per-user state dir)\n"
    "  --since WHEN      a duration back from now (30m, 2h, 7d) or an ISO 8601 time\n"
    "                    (2026-11-27T10:00, optional seconds and offset)\n"
    "  --class GLOB      only incidents with a class matching GLOB (e.g. 'codesign.*')\n"
    "  --subject GLOB    only incidents whose subject matches GLOB\n"
    "  --limit N         at most N incidents (default 50; 0 = all)\n"
    "  --format F        text (default), json (one object per incident per line),\n"
    "                    github (workflow-command annotations), junit (JUnit XML) or\n"
    "                    markdown; may be repeated\n"
    "  --output FILE     write the --format just before it to FILE (appended when FILE\n"
    "                    is $GITHUB_STEP_SUMMARY); at most one format goes to stdout\n";

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

int cmd_recent(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},      {"since", required_argument, NULL, 's'},
        {"class", required_argument, NULL, 'c'},   {"subject", required_argument, NULL, 'S'},
        {"limit", required_argument, NULL, 'l'},   {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct dw_query q = {.limit = 50};
    struct dw_outputs outs = {0};
    struct dw_errors opt_err = {0};
    const char *db_opt = NULL;
    int64_t now = dw_now_us();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_opt = optarg; break;
        case 's':
            if (dw_since_parse(optarg, now, &q.since_us) != 0) {
                cli_error("recent: --since '%s' is neither a duration (30m, 2h, 7d) nor an ISO "
                          "8601 time (2026-11-27T10:00)", optarg);
                return DW_EXIT_USAGE;
            }
            q.has_since = true;
            break;
        case 'c': q.class_glob = optarg; break;
        case 'S': q.subject_glob = optarg; break;
        case 'l': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 0) {
                cli_error("recent: --limit takes a number >= 0, not '%s'", optarg);
                return DW_EXIT_USAGE;
            }
            q.limit = v;
            break;
        }
        case 'f':
        case 'o':
            if ((c == 'f' ? outputs_add_format(&outs, optarg, &opt_err)
                          : outputs_set_path(&outs, optarg, &opt_err)) != 0) {
                cli_error("recent: %s", opt_err.msgs[0]);
                goto usage_error;
            }
            break;
        case 'h':
            fputs(recent_usage, stdout);
            outputs_free(&outs);
            return DW_EXIT_OK;
        default: fputs(recent_usage, stderr); goto usage_error;
        }
    }
    if (optind < argc) {
        cli_error("recent: unexpected argument '%s'", argv[optind]);
        goto usage_error;
    }
    if (outputs_settle(&outs, false, &opt_err) != 0) {
        cli_error("recent: %s", opt_err.msgs[0]);
        goto usage_error;
    }

    struct dw_errors err = {0};
    struct dw_buf path = {0}, out = {0};
    struct dw_store *store = NULL;
    struct dw_incident **v = NULL;
    size_t n = 0;
    int status = DW_EXIT_OK;
    if (!dw_db_path(db_opt, &path, &err) || !(store = store_open(path.data, DW_STORE_READ, &err)) ||
        store_recent(store, &q, &v, &n, &err) != 0) {
        for (size_t i = 0; i < err.n; i++)
            cli_error("%s", err.msgs[i]);
        status = DW_EXIT_USAGE;
        goto done;
    }
    struct dw_text_style st = {.color = cli_use_color(stdout)};
    struct dw_report_opts ro = {.title = "dextwatch recent", .color = st.color};
    if (outputs_open(&outs, &ro, &err) != 0) {
        for (size_t i = 0; i < err.n; i++)
            cli_error("%s", err.msgs[i]);
        status = DW_EXIT_USAGE;
        goto done;
    }
    for (size_t k = 0; k < outs.n; k++) {
        struct dw_output *o = &outs.v[k];
        if (o->format == DW_FORMAT_TEXT) {
            if (recent_text(o, store, v, n, &q, now, &st, &out, &err) != 0) {
                for (size_t i = 0; i < err.n; i++)
                    cli_error("%s", err.msgs[i]);
                status = DW_EXIT_USAGE;
            }
            continue;
        }
        struct dw_report_run run = {0};
        for (size_t i = 0; i < n; i++) {
            struct dw_report_item item = {.inc = v[i], .id = (long long)v[i]->id,
                                          .verdict = DW_VERDICT_FAIL,
                                          .original_severity = v[i]->severity};
            report_incident(o->report, &item, &out);
            outputs_write(o, &out);
            run.failing++;
            run.incidents++;
        }
        report_finish(o->report, &run, &out);
        outputs_write(o, &out);
    }
    if (outputs_close(&outs, &err) != 0) {
        for (size_t i = 0; i < err.n; i++)
            cli_error("%s", err.msgs[i]);
        status = DW_EXIT_USAGE;
    }
done:
    store_incidents_free(v, n);
    store_close(store);
    buf_free(&path);
    buf_free(&out);
    dw_errors_clear(&err);
    outputs_free(&outs);
    dw_errors_clear(&opt_err);
    return status;

usage_error:
    outputs_free(&outs);
    dw_errors_clear(&opt_err);
    return DW_EXIT_USAGE;
}
