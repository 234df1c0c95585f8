/* cmd_scan.c - `dextwatch scan`: classify files or stdin into incidents. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"
#include "platform.h"
#include "report.h"

#define READ_BLOCK (1u << 20)
#define SUMMARY_MAX_ROWS 15

static const char scan_usage[] =
    "usage: dextwatch scan [--db PATH | --no-store] [--style S] [--format text|json]\n"
    "                      [--fail-on LEVEL|never] [--rules DIR] FILE|DIR|- ...\n"
    "\n"
    "Reads unified-log output (any `log show`/`log stream` style, Console copies,\n"
    "forum pastes, /var/log/system.log), classifies it with the rule packs,\n"
    "correlates the findings of each failure into one incident, stores new\n"
    "incidents and prints them.  A directory is scanned recursively, files in name\n"
    "order; `-` reads stdin.\n"
    "\n"
    "  --db PATH        database (default: $DEXTWATCH_DB, else the per-user state dir)\n"
    "  --no-store       do not open a database; ids are 1, 2, ... in output order\n"
    "  --style S        auto|default|syslog|compact|json|ndjson|plain|bsd (default auto)\n"
    "  --format F       text (default) or json (one object per incident per line)\n"
    "  --fail-on LEVEL  info|warning|error|critical|never (default error): exit 1 when\n"
    "                   an incident is at or above LEVEL\n"
    "  --rules DIR      rule packs (default: $DEXTWATCH_RULES, the source tree's rules/\n"
    "                   for a binary in its build tree, else the installed ones)\n"
    "  -q, --quiet      no summary\n"
    "\n"
    "Exit status: 0 nothing at or above --fail-on, 1 incidents at or above it,\n"
    "2 usage or input error (2 wins over 1).  An empty input is not an error.\n"
    "Lines that cannot be parsed are counted, skipped and reported on stderr.\n";

/* Closed incidents grouped by severity, subject and root-cause class. */
struct summary_row {
    int severity;
    char *subject;
    char *cls;
    size_t count;
};

struct scan {
    enum dw_format format;
    int fail_on; /* severity, or 99 for never */
    bool store;
    bool quiet;
    struct dw_text_style text;
    long ordinal;
    int worst; /* -1 none */
    struct summary_row *rows;
    size_t nrows;
    struct dw_buf out;
    /* progress */
    bool progress;
    struct timespec started, last_draw;
    const char *input;
    uint64_t input_size, input_done;
};

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void on_incident(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                        void *ctx)
{
    struct scan *sc = ctx;
    (void)into;
    if (change != DW_CLOSED)
        return;
    long long id = sc->store ? (long long)inc->id : (long long)++sc->ordinal;
    buf_reset(&sc->out);
    if (sc->format == DW_FORMAT_JSON) {
        report_json_incident(&sc->out, inc, id);
        buf_putc(&sc->out, '\n');
    } else {
        report_text_incident(&sc->out, inc, id, &sc->text);
        buf_putc(&sc->out, '\n');
    }
    if (sc->progress)
        fputs("\r\033[K", stderr);
    fwrite(sc->out.data, 1, sc->out.len, stdout);
    if (inc->severity > sc->worst)
        sc->worst = inc->severity;
    const char *subject = inc->subject ? inc->subject : "?";
    const char *cls = inc->root ? inc->root->class_name : "?";
    for (size_t i = 0; i < sc->nrows; i++) {
        struct summary_row *r = &sc->rows[i];
        if (r->severity == inc->severity && strcmp(r->subject, subject) == 0 &&
            strcmp(r->cls, cls) == 0) {
            r->count++;
            return;
        }
    }
    sc->rows = xrealloc(sc->rows, (sc->nrows + 1) * sizeof *sc->rows);
    sc->rows[sc->nrows] = (struct summary_row){inc->severity, xstrdup(subject), xstrdup(cls), 1};
    sc->nrows++;
}

/* Draws "name: 12.3 MB / 100.0 MB  1.2 M lines/s  ETA 0:07" on a terminal. */
static void draw_progress(struct scan *sc, const struct dw_pipeline *p, bool force)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double total = elapsed(&sc->started, &now);
    if (total < 1.0 || (!force && elapsed(&sc->last_draw, &now) < 0.2))
        return;
    sc->last_draw = now;
    uint64_t lines = pipeline_stats(p)->lines + pipeline_reader_stats(p)->lines;
    double rate = (double)lines / total;
    fprintf(stderr, "\r\033[K  %s: %.1f MB", sc->input, (double)sc->input_done / 1e6);
    if (sc->input_size) {
        fprintf(stderr, " / %.1f MB", (double)sc->input_size / 1e6);
        double bps = (double)(pipeline_stats(p)->bytes + sc->input_done) / total;
        if (bps > 0 && sc->input_size > sc->input_done) {
            long left = (long)((double)(sc->input_size - sc->input_done) / bps);
            fprintf(stderr, "  %.2f M lines/s  ETA %ld:%02ld", rate / 1e6, left / 60, left % 60);
        }
    } else {
        fprintf(stderr, "  %.2f M lines/s", rate / 1e6);
    }
    fflush(stderr);
}

/* Feeds one open descriptor through the pipeline.  Returns 0, or -1 on a read
 * error (reported). */
static int scan_fd(struct scan *sc, struct dw_pipeline *p, const char *name, int fd,
                   struct dw_errors *err)
{
    struct stat st;
    sc->input = name;
    sc->input_size = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? (uint64_t)st.st_size : 0;
    sc->input_done = 0;
    char *block = xmalloc(READ_BLOCK);
    int rc = 0;
    pipeline_begin(p, name);
    for (;;) {
        ssize_t n = read(fd, block, READ_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            dw_errors_add(err, "%s: read error: %s", name, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        pipeline_feed(p, block, (size_t)n);
        sc->input_done += (uint64_t)n;
        if (sc->progress)
            draw_progress(sc, p, false);
    }
    free(block);
    if (pipeline_end(p, err) != 0)
        rc = -1;
    const struct dw_reader_stats *rs = pipeline_reader_stats(p);
    if (rs->malformed || rs->oversized) {
        if (sc->progress)
            fputs("\r\033[K", stderr);
        struct dw_buf why = {0};
        report_text_escaped(&why, rs->first_malformed_why);
        fprintf(stderr,
                "dextwatch: %s: %llu line(s) skipped as unparseable, %llu oversized record(s)",
                name, (unsigned long long)rs->malformed, (unsigned long long)rs->oversized);
        if (rs->first_malformed_line)
            fprintf(stderr, " (first at line %ld: %s)", rs->first_malformed_line, buf_cstr(&why));
        fputc('\n', stderr);
        buf_free(&why);
    }
    return rc;
}

/* Scans a path: a regular file, or a directory recursively (name order). */
static int scan_path(struct scan *sc, struct dw_pipeline *p, const char *path,
                     struct dw_errors *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        return scan_fd(sc, p, "-", STDIN_FILENO, err);
    if (stat(path, &st) != 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        char **names;
        size_t n;
        if (dw_dir_list(path, "", &names, &n) != 0) {
            dw_errors_add(err, "%s: %s", path, strerror(errno));
            return -1;
        }
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
            struct dw_buf child = {0};
            buf_printf(&child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
            struct stat cst;
            if (stat(child.data, &cst) == 0 && (S_ISDIR(cst.st_mode) || S_ISREG(cst.st_mode)))
                rc |= scan_path(sc, p, child.data, err);
            buf_free(&child);
        }
        dw_strv_free(names, n);
        return rc;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = scan_fd(sc, p, path, fd, err);
    close(fd);
    return rc;
}

static void print_summary(struct scan *sc, const struct dw_pipeline_stats *ps, FILE *out)
{
    fprintf(out, "── %llu incident%s (%llu new)", (unsigned long long)ps->incidents,
            ps->incidents == 1 ? "" : "s", (unsigned long long)ps->new_incidents);
    for (int s = DW_SEV_CRITICAL; s >= DW_SEV_INFO; s--)
        if (ps->by_severity[s])
            fprintf(out, ", %llu %s", (unsigned long long)ps->by_severity[s], dw_severity_name(s));
    fprintf(out, " · %llu input%s, %llu lines, %llu events, %llu findings, "
                 "%llu skipped as unparseable\n",
            (unsigned long long)ps->inputs, ps->inputs == 1 ? "" : "s",
            (unsigned long long)ps->lines, (unsigned long long)ps->events,
            (unsigned long long)ps->findings,
            (unsigned long long)(ps->malformed + ps->oversized));
    struct dw_buf line = {0};
    size_t shown = 0;
    for (int s = DW_SEV_CRITICAL; s >= DW_SEV_INFO; s--) {
        for (size_t i = 0; i < sc->nrows; i++) {
            if (sc->rows[i].severity != s)
                continue;
            if (shown++ == SUMMARY_MAX_ROWS)
                break;
            buf_reset(&line);
            buf_printf(&line, "   %-8s ", dw_severity_name(s));
            report_text_escaped(&line, sc->rows[i].subject);
            buf_puts(&line, "  ");
            report_text_escaped(&line, sc->rows[i].cls);
            if (sc->rows[i].count > 1)
                buf_printf(&line, "  x%zu", sc->rows[i].count);
            fprintf(out, "%s\n", buf_cstr(&line));
        }
    }
    if (sc->nrows > SUMMARY_MAX_ROWS)
        fprintf(out, "   ... and %zu more\n", sc->nrows - SUMMARY_MAX_ROWS);
    buf_free(&line);
}

int cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},      {"no-store", no_argument, NULL, 'n'},
        {"style", required_argument, NULL, 's'},   {"format", required_argument, NULL, 'f'},
        {"fail-on", required_argument, NULL, 'F'}, {"rules", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct scan sc = {.format = DW_FORMAT_TEXT, .fail_on = DW_SEV_ERROR, .store = true,
                      .worst = -1};
    struct dw_pipeline_opts popts = {.style = DW_STYLE_AUTO,
                                     .correlate = DW_CORRELATE_DEFAULTS};
    const char *db_opt = NULL, *rules_opt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_opt = optarg; break;
        case 'n': sc.store = false; break;
        case 's':
            if (dw_style_parse(optarg, &popts.style) != 0) {
                cli_error("scan: unknown --style '%s' (auto|default|syslog|compact|json|ndjson|"
                          "plain|bsd)", optarg);
                return DW_EXIT_USAGE;
            }
            break;
        case 'f':
            if (dw_format_parse(optarg, &sc.format) != 0) {
                cli_error("scan: unknown --format '%s' (text|json)", optarg);
                return DW_EXIT_USAGE;
            }
            break;
        case 'F':
            if (strcmp(optarg, "never") == 0)
                sc.fail_on = 99;
            else if (dw_severity_parse(optarg, &sc.fail_on) != 0) {
                cli_error("scan: unknown --fail-on '%s' (info|warning|error|critical|never)",
                          optarg);
                return DW_EXIT_USAGE;
            }
            break;
        case 'r': rules_opt = optarg; break;
        case 'q': sc.quiet = true; break;
        case 'h': fputs(scan_usage, stdout); return DW_EXIT_OK;
        default: fputs(scan_usage, stderr); return DW_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("scan: no input (give FILE, DIR or - for stdin)");
        fputs(scan_usage, stderr);
        return DW_EXIT_USAGE;
    }
    if (db_opt && !sc.store) {
        cli_error("scan: --db and --no-store exclude each other");
        return DW_EXIT_USAGE;
    }

    struct dw_errors err = {0};
    struct dw_buf rules_dir = {0}, db_path = {0};
    struct dw_ruleset *rs = ruleset_load_dir(dw_rules_dir(rules_opt, &rules_dir), &err);
    struct dw_store *store = NULL;
    int status = DW_EXIT_OK;
    if (!rs)
        goto fail;
    if (sc.store) {
        const char *path = dw_db_path(db_opt, &db_path, &err);
        if (!path || !(store = store_open(path, DW_STORE_WRITE, &err)))
            goto fail;
        if (store_begin(store, &err) || store_record_rules(store, rs, &err) ||
            store_commit(store, &err))
            goto fail;
    }

    sc.text.color = cli_use_color(stdout);
    const char *ci = getenv("CI");
    sc.progress = isatty(STDERR_FILENO) && !(ci && *ci);
    clock_gettime(CLOCK_MONOTONIC, &sc.started);
    struct dw_pipeline *p = pipeline_new(rs, store, &popts, on_incident, &sc);
    for (int i = optind; i < argc; i++)
        if (scan_path(&sc, p, argv[i], &err) != 0)
            status = DW_EXIT_USAGE;
    if (sc.progress)
        fputs("\r\033[K", stderr);
    if (!sc.quiet)
        print_summary(&sc, pipeline_stats(p), sc.format == DW_FORMAT_TEXT ? stdout : stderr);
    pipeline_free(p);
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    if (status == DW_EXIT_OK && sc.worst >= sc.fail_on)
        status = DW_EXIT_FOUND;
    goto done;

fail:
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    status = DW_EXIT_USAGE;
done:
    for (size_t i = 0; i < sc.nrows; i++) {
        free(sc.rows[i].subject);
        free(sc.rows[i].cls);
    }
    free(sc.rows);
    buf_free(&sc.out);
    buf_free(&rules_dir);
    buf_free(&db_path);
    dw_errors_clear(&err);
    store_close(store);
    ruleset_free(rs);
    return status;
}
