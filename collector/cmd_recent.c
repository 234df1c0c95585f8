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
    "Text output opens with one line per class: the number of listed incidents and\n"
    "a sparkline of them over the period.\n"
    "\n"
    "  --db PATH         database (default: $DEXTWATCH_DB, else the per-user state dir)\n"
    "  --since WHEN      a duration back from now (30m, 2h, 7d) or an ISO 8601 time\n"
    "                    (2026-11-27T10:00, optional seconds and offset)\n"
    "  --class GLOB      only incidents with a class matching GLOB (e.g. 'codesign.*')\n"
    "  --subject GLOB    only incidents whose subject matches GLOB\n"
    "  --limit N         at most N incidents (default 50; 0 = all)\n"
    "  --format F        text (default) or json (one object per incident per line)\n";

static const char *const spark_chars[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* One line per class: count and a sparkline over [start, end]. */
static void print_class_lines(struct dw_incident **v, size_t n, int64_t start, int64_t end,
                              bool color)
{
    char **classes = NULL;
    size_t nclasses = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < v[i]->nclasses; c++) {
            size_t k = 0;
            while (k < nclasses && strcmp(classes[k], v[i]->classes[c]) != 0)
                k++;
            if (k == nclasses) {
                classes = xrealloc(classes, (nclasses + 1) * sizeof *classes);
                classes[nclasses++] = v[i]->classes[c];
            }
        }
    double span = end > start ? (double)(end - start) : 1.0;
    struct dw_buf line = {0};
    for (size_t k = 0; k < nclasses; k++) {
        unsigned bins[SPARK_BINS] = {0}, max = 0, count = 0;
        for (size_t i = 0; i < n; i++) {
            bool has = false;
            for (size_t c = 0; c < v[i]->nclasses && !has; c++)
                has = strcmp(v[i]->classes[c], classes[k]) == 0;
            if (!has)
                continue;
            count++;
            if (v[i]->last_seen.kind != DW_TIME_DATE)
                continue;
            double pos = (double)(v[i]->last_seen.us - start) / span * SPARK_BINS;
            int b = pos < 0 ? 0 : pos >= SPARK_BINS ? SPARK_BINS - 1 : (int)pos;
            if (++bins[b] > max)
                max = bins[b];
        }
        buf_reset(&line);
        buf_printf(&line, "%-40s %5u  ", classes[k], count);
        if (color)
            buf_puts(&line, "\033[36m");
        for (int b = 0; b < SPARK_BINS; b++)
            buf_puts(&line, spark_chars[max ? (bins[b] * 8 + max - 1) / max : 0]);
        if (color)
            buf_puts(&line, "\033[0m");
        printf("%s\n", line.data);
    }
    buf_free(&line);
    free(classes);
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
    int64_t start = q.has_since ? q.since_us : INT64_MAX, end = q.has_since ? now : INT64_MIN;
    for (size_t i = 0; i < n && !q.has_since; i++)
        if (v[i]->last_seen.kind == DW_TIME_DATE) {
            if (v[i]->last_seen.us < start)
                start = v[i]->last_seen.us;
            if (v[i]->last_seen.us > end)
                end = v[i]->last_seen.us;
        }
    if (start > end)
        start = end = 0;
    print_class_lines(v, n, start, end, st.color);
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
