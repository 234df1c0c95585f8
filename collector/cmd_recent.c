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

#define SPARK_BINS 24

static const char recent_usage[] =
    "usage: dextwatch recent [--db PATH] [--since DURATION|TIME] [--class GLOB]\n"
    "                        [--subject GLOB] [--limit N] [--format text|json]\n"
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
    "  --format F        text (default) or json (one object per incident per line)\n";

static const char *const spark_chars[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* One line per class: count and a sparkline of the period. */
static void print_class_lines(const struct dw_class_hist *h, size_t n, bool color)
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
        printf("%s\n", line.data);
    }
    buf_free(&line);
}

int cmd_recent(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},      {"since", required_argument, NULL, 's'},
        {"class", required_argument, NULL, 'c'},   {"subject", required_argument, NULL, 'S'},
        {"limit", required_argument, NULL, 'l'},   {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct dw_query q = {.limit = 50};
    enum dw_format format = DW_FORMAT_TEXT;
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
            if (dw_format_parse(optarg, &format) != 0) {
                cli_error("recent: unknown --format '%s' (text|json)", optarg);
                return DW_EXIT_USAGE;
            }
            break;
        case 'h': fputs(recent_usage, stdout); return DW_EXIT_OK;
        default: fputs(recent_usage, stderr); return DW_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("recent: unexpected argument '%s'", argv[optind]);
        return DW_EXIT_USAGE;
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
    if (format == DW_FORMAT_JSON) {
        for (size_t i = 0; i < n; i++) {
            buf_reset(&out);
            report_json_incident(&out, v[i], (long long)v[i]->id);
            printf("%s\n", out.data);
        }
        goto done;
    }
    if (n == 0) {
        printf("no incidents%s\n", q.has_since ? " in that period" : "");
        goto done;
    }
    int64_t start = q.has_since ? q.since_us : 0, end = now;
    struct dw_class_hist *hist = NULL;
    size_t nhist = 0;
    if ((!q.has_since && store_time_span(store, &q, &start, &end, &err) != 0) ||
        store_class_histogram(store, &q, start, end, &hist, &nhist, &err) != 0) {
        for (size_t i = 0; i < err.n; i++)
            cli_error("%s", err.msgs[i]);
        status = DW_EXIT_USAGE;
        goto done;
    }
    print_class_lines(hist, nhist, st.color);
    store_class_histogram_free(hist, nhist);
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        buf_reset(&out);
        report_text_oneline(&out, v[i], (long long)v[i]->id, &st);
        fputs(out.data, stdout);
    }
done:
    store_incidents_free(v, n);
    store_close(store);
    buf_free(&path);
    buf_free(&out);
    dw_errors_clear(&err);
    return status;
}
