/* cmd_scan.c - `dextwatch scan`: classify files, stdin or `log show` output
 * into incidents, decide which fail the run (config, baseline, --fail-on) and
 * report them in one or more formats. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "catalog.h"
#include "cli.h"
#include "config.h"
#include "input.h"
#include "logcmd.h"
#include "logpump.h"
#include "pipeline.h"
#include "platform.h"
#include "predicate.h"
#include "report.h"

#define READ_BLOCK (1u << 20)
#define CHILD_STDERR_MAX 4096

static const char scan_usage[] =
    "usage: dextwatch scan [--db PATH | --no-store] [--style S]\n"
    "                      [--format F [--output FILE]]... [--fail-on LEVEL|never]\n"
    "                      [--baseline FILE] [--write-baseline FILE] [--config FILE]\n"
    "                      [--require-events] [--rules DIR] [--log-command PATH]\n"
    "                      [--last DURATION] [FILE|DIR|X.logarchive|- ...]\n"
    "\n"
    "Reads unified-log output (any `log show`/`log stream` style, Console copies,\n"
    "forum pastes, /var/log/system.log; gzip-compressed or not), classifies it with\n"
    "the rule packs, correlates the findings of each failure into one incident,\n"
    "stores new incidents and reports them.  A directory is scanned recursively,\n"
    "files in name order; `-` reads stdin.  `--last 10m` and X.logarchive run\n"
    "`log show --style ndjson --info --predicate ...` (see `dextwatch predicate`).\n"
    "\n"
    "  --db PATH          database (default: $DEXTWATCH_DB, else the per-user state dir)\n"
    "  --no-store         do not open a database; ids are 1, 2, ... in output order\n"
    "  --style S          auto|default|syslog|compact|json|ndjson|plain|bsd (default auto)\n"
    "  --format F         text|json|github|junit|markdown; may be repeated.  text (the\n"
    "                     default) is for people, json one object per incident per\n"
    "                     line, github workflow-command annotations, junit JUnit XML,\n"
    "                     markdown a summary (e.g. for $GITHUB_STEP_SUMMARY)\n"
    "  --output FILE      write the --format just before it to FILE (appended when FILE\n"
    "                     is $GITHUB_STEP_SUMMARY, else replaced); at most one format\n"
    "                     goes to stdout\n"
    "  --fail-on LEVEL    info|warning|error|critical|never (default error): exit 1 when\n"
    "                     an incident is at or above LEVEL (and not baselined/suppressed)\n"
    "  --baseline FILE    incidents matching an entry (subject + root-cause rule) are\n"
    "                     reported as baselined and do not fail the run\n"
    "  --write-baseline FILE  write every incident of this run (not suppressed) to FILE\n"
    "  --config FILE      project settings (default: ./" DW_CONFIG_FILE " if present):\n"
    "                     disable rules or lower their severity, each with a reason\n"
    "  --no-config        ignore ./" DW_CONFIG_FILE "\n"
    "  --require-events   an input without any log event (a failed log collection) is\n"
    "                     an error (exit 2); without it, it is only warned about\n"
    "  --last DURATION    also scan `log show --last DURATION` (e.g. 10m, 2h; macOS)\n"
    "  --log-command PATH the `log` tool (default: $DEXTWATCH_LOG_COMMAND, else\n"
    "                     " DW_LOG_COMMAND_DEFAULT ")\n"
    "  --rules DIR        rule packs (default: $DEXTWATCH_RULES, the source tree's rules/\n"
    "                     for a binary in its build tree, else the installed ones)\n"
    "  -q, --quiet        no summary\n"
    "\n"
    "Exit status: 0 nothing at or above --fail-on, 1 incidents at or above it,\n"
    "2 usage or input error (2 wins over 1).  An empty input is not an error\n"
    "(unless --require-events), but it is warned about.  Lines that cannot be\n"
    "parsed are counted, skipped and reported on stderr.\n";

struct scan {
    struct dw_outputs outs;
    int fail_on; /* severity, or 99 for never */
    bool store, quiet, require_events;
    const struct dw_config *config;
    const struct dw_baseline *baseline;
    struct dw_baseline *new_baseline; /* --write-baseline */
    long ordinal;
    struct dw_report_run run;
    struct dw_buf out;
    int status;
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

static void clear_progress(struct scan *sc)
{
    if (sc->progress)
        fputs("\r\033[K", stderr);
}

/* Writes sc->out to output o (and empties it). */
static void emit(struct scan *sc, struct dw_output *o)
{
    if (sc->out.len && (o->fp == stdout || o->fp == stderr))
        clear_progress(sc);
    outputs_write(o, &sc->out);
}

/* What the config makes of an incident: its severity with lowered rules, and
 * whether every finding comes from a disabled rule.  Looks at the findings
 * held in memory (the root and up to 40 of evidence).  Returns the config
 * reason that applied, or NULL when the config does not touch the incident. */
static const char *apply_config(const struct dw_config *c, const struct dw_incident *inc,
                                int *severity, bool *suppressed)
{
    *severity = inc->severity;
    *suppressed = false;
    if (!c)
        return NULL;
    const char *reason = NULL;
    bool all_disabled = true;
    int sev = -1;
    size_t n = incident_evidence_count(inc);
    for (size_t i = 0; i <= n; i++) {
        const struct dw_finding *f = i < n ? incident_evidence_at(inc, i) : inc->root;
        if (!f)
            continue;
        const struct dw_config_rule *cr = config_rule(c, f->rule_id);
        if (cr && !reason)
            reason = cr->reason;
        if (cr && cr->disable)
            continue;
        all_disabled = false;
        int s = cr ? cr->severity : f->severity;
        if (s > sev)
            sev = s;
    }
    if (!reason)
        return NULL;
    if (all_disabled)
        *suppressed = true;
    else
        *severity = sev;
    return reason;
}

static void on_incident(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                        void *ctx)
{
    struct scan *sc = ctx;
    (void)into;
    if (change != DW_CLOSED)
        return;
    struct dw_incident view = *inc; /* shallow: severity as the config says */
    bool suppressed;
    struct dw_report_item item = {.inc = &view, .original_severity = inc->severity};
    item.id = sc->store ? (long long)inc->id : (long long)++sc->ordinal;
    item.note = apply_config(sc->config, inc, &view.severity, &suppressed);
    const char *rule = inc->root ? inc->root->rule_id : NULL;
    const struct dw_baseline_entry *known =
        suppressed ? NULL : baseline_match(sc->baseline, inc->subject, rule);
    if (suppressed) {
        item.verdict = DW_VERDICT_SUPPRESSED;
        sc->run.suppressed++;
    } else if (known) {
        item.verdict = DW_VERDICT_BASELINED;
        item.note = known->note;
        sc->run.baselined++;
    } else if (view.severity >= sc->fail_on) {
        item.verdict = DW_VERDICT_FAIL;
        sc->run.failing++;
    } else {
        item.verdict = DW_VERDICT_PASS;
        sc->run.passing++;
    }
    if (view.severity >= DW_SEV_INFO && view.severity <= DW_SEV_CRITICAL)
        sc->run.by_severity[view.severity]++;
    if (sc->new_baseline && !suppressed && inc->subject && rule) {
        struct dw_buf note = {0};
        if (known && known->note)
            buf_puts(&note, known->note);
        else
            buf_printf(&note, "%s, %zu finding%s; first seen %s", dw_severity_name(inc->severity),
                       inc->count, inc->count == 1 ? "" : "s",
                       inc->first_seen_text ? inc->first_seen_text : "(no time in log)");
        baseline_add(sc->new_baseline, inc->subject, rule, inc->root ? inc->root->class_name : NULL,
                     note.data);
        buf_free(&note);
    }
    for (size_t i = 0; i < sc->outs.n; i++) {
        report_incident(sc->outs.v[i].report, &item, &sc->out);
        emit(sc, &sc->outs.v[i]);
    }
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
    struct dw_buf name = {0};
    report_text_escaped(&name, sc->input);
    fprintf(stderr, "\r\033[K  %s: %.1f MB", buf_cstr(&name), (double)sc->input_done / 1e6);
    buf_free(&name);
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

/* Ends an input: closes its incidents, reports skipped lines and an input
 * without events, and tells every output. */
static int end_input(struct scan *sc, struct dw_pipeline *p, const char *name, bool read_error,
                     struct dw_errors *err)
{
    int rc = read_error ? -1 : 0;
    if (pipeline_end(p, err) != 0)
        rc = -1;
    const struct dw_reader_stats *rs = pipeline_reader_stats(p);
    struct dw_buf esc = {0};
    report_text_escaped(&esc, name);
    if (rs->malformed || rs->oversized) {
        clear_progress(sc);
        struct dw_buf why = {0};
        report_text_escaped(&why, rs->first_malformed_why);
        fprintf(stderr,
                "dextwatch: %s: %llu line(s) skipped as unparseable, %llu oversized record(s)",
                esc.data, (unsigned long long)rs->malformed, (unsigned long long)rs->oversized);
        if (rs->first_malformed_line)
            fprintf(stderr, " (first at line %ld: %s)", rs->first_malformed_line, buf_cstr(&why));
        fputc('\n', stderr);
        buf_free(&why);
    }
    if (rs->records == 0 && !read_error) {
        clear_progress(sc);
        fprintf(stderr,
                "dextwatch: %s: %s: no log events in this input (a failed log "
                "collection?)\n",
                sc->require_events ? "error" : "warning", esc.data);
        if (sc->require_events)
            sc->status = DW_EXIT_USAGE;
    }
    buf_free(&esc);
    struct dw_report_input in = {.name = name,
                                 .events = rs->records,
                                 .read_error = read_error,
                                 .no_events_is_error = sc->require_events};
    for (size_t i = 0; i < sc->outs.n; i++) {
        report_input(sc->outs.v[i].report, &in, &sc->out);
        emit(sc, &sc->outs.v[i]);
    }
    return rc;
}

/* Feeds one open descriptor (plain or gzip) through the pipeline.  Returns 0,
 * or -1 on a read or decompression error (reported). */
static int scan_fd(struct scan *sc, struct dw_pipeline *p, const char *name, int fd,
                   struct dw_errors *err)
{
    struct stat st;
    sc->input = name;
    sc->input_size = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? (uint64_t)st.st_size : 0;
    sc->input_done = 0;
    char *block = xmalloc(READ_BLOCK);
    struct dw_input *in = input_new(fd, name);
    bool failed = false;
    pipeline_begin(p, name);
    for (;;) {
        ssize_t n = input_read(in, block, READ_BLOCK, err);
        if (n < 0) {
            failed = true;
            break;
        }
        if (n == 0)
            break;
        pipeline_feed(p, block, (size_t)n);
        sc->input_done = input_raw_bytes(in);
        if (sc->progress)
            draw_progress(sc, p, false);
    }
    input_free(in);
    free(block);
    return end_input(sc, p, name, failed, err);
}

/* What the `log show` pump feeds: the pipeline, and the child's stderr
 * (bounded) for the error message. */
struct log_show {
    struct scan *sc;
    struct dw_pipeline *p;
    struct dw_buf child_err;
};

static void show_out(void *ctx, const char *data, size_t n)
{
    struct log_show *ls = ctx;
    pipeline_feed(ls->p, data, n);
    ls->sc->input_done += (uint64_t)n;
    if (ls->sc->progress)
        draw_progress(ls->sc, ls->p, false);
}

static void show_err(void *ctx, const char *line, size_t n)
{
    struct log_show *ls = ctx;
    if (ls->child_err.len < CHILD_STDERR_MAX) {
        size_t room = CHILD_STDERR_MAX - ls->child_err.len;
        buf_append(&ls->child_err, line, n < room ? n : room);
        buf_putc(&ls->child_err, '\n');
    }
}

/* Runs `<log> show --style ndjson --info [--predicate P] <what> <arg>` and
 * scans its output; its stderr is kept (bounded) for the error message. */
static int scan_log_show(struct scan *sc, struct dw_pipeline *p, const char *logcmd,
                         const char *predicate, const char *what, const char *arg,
                         struct dw_errors *err)
{
    struct dw_buf name = {0};
    buf_printf(&name, "log show %s %s", what, arg);
    char *args[10];
    size_t k = 0;
    args[k++] = "show";
    args[k++] = "--style";
    args[k++] = "ndjson";
    args[k++] = "--info";
    if (predicate) {
        args[k++] = "--predicate";
        args[k++] = (char *)predicate;
    }
    args[k++] = (char *)what;
    args[k++] = (char *)arg;
    args[k] = NULL;
    struct log_show ls = {.sc = sc, .p = p};
    struct dw_logpump pump;
    logpump_init(&pump, "show", &(struct dw_logpump_sink){show_out, show_err, &ls});
    if (logpump_start(&pump, logcmd, args, err) != 0) {
        pipeline_begin(p, name.data);
        end_input(sc, p, name.data, true, err);
        buf_free(&name);
        return -1;
    }
    sc->input = name.data;
    sc->input_size = sc->input_done = 0;
    pipeline_begin(p, name.data);
    size_t nerr = err->n;
    int status = logpump_run(&pump, err);
    bool failed = status < 0 || err->n > nerr;
    struct dw_buf *child_err = &ls.child_err;
    if (!failed && status != 0) {
        struct dw_buf why = {0};
        while (child_err->len && (child_err->data[child_err->len - 1] == '\n'))
            child_err->data[--child_err->len] = '\0';
        dw_escape_term(&why, buf_cstr(child_err), child_err->len);
        dw_errors_add(err, "%s: %s exited with status %d%s%s", name.data, logcmd, status,
                      why.len ? ": " : "", buf_cstr(&why));
        buf_free(&why);
        failed = true;
    }
    logpump_reset(&pump);
    buf_free(child_err);
    int rc = end_input(sc, p, name.data, failed, err);
    buf_free(&name);
    return rc;
}

/* True for X.logarchive (a directory `log show --archive` reads). */
static bool is_logarchive(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return n > 11 && strncmp(path + n - 11, ".logarchive", 11) == 0;
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = scan_fd(sc, p, path, fd, err);
    close(fd);
    return rc;
}

static bool valid_last(const char *s)
{
    if (strcmp(s, "boot") == 0)
        return true;
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return i > 0 && i < 10 && (s[i] == '\0' || (strchr("smhd", s[i]) && s[i + 1] == '\0'));
}

int cmd_scan(int argc, char **argv)
{
    enum {
        O_BASELINE = 256,
        O_WRITE_BASELINE,
        O_CONFIG,
        O_NO_CONFIG,
        O_REQUIRE_EVENTS,
        O_LAST,
        O_LOG_COMMAND
    };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"no-store", no_argument, NULL, 'n'},
        {"style", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, 'F'},
        {"rules", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"baseline", required_argument, NULL, O_BASELINE},
        {"write-baseline", required_argument, NULL, O_WRITE_BASELINE},
        {"config", required_argument, NULL, O_CONFIG},
        {"no-config", no_argument, NULL, O_NO_CONFIG},
        {"require-events", no_argument, NULL, O_REQUIRE_EVENTS},
        {"last", required_argument, NULL, O_LAST},
        {"log-command", required_argument, NULL, O_LOG_COMMAND},
        {NULL, 0, NULL, 0},
    };
    struct scan sc = {.fail_on = DW_SEV_ERROR, .store = true};
    struct dw_pipeline_opts popts = {.style = DW_STYLE_AUTO, .correlate = DW_CORRELATE_DEFAULTS};
    const char *db_opt = NULL, *rules_opt = NULL, *baseline_opt = NULL, *write_baseline = NULL;
    const char *config_opt = NULL, *last = NULL, *logcmd_opt = NULL;
    bool no_config = false;
    struct dw_errors opt_err = {0};
    int c, status = DW_EXIT_OK;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'n':
            sc.store = false;
            break;
        case 's':
            if (dw_style_parse(optarg, &popts.style) != 0) {
                cli_error("scan: unknown --style '%s' (auto|default|syslog|compact|json|ndjson|"
                          "plain|bsd)",
                          optarg);
                status = DW_EXIT_USAGE;
                goto usage_done;
            }
            break;
        case 'f':
        case 'o':
            if ((c == 'f' ? outputs_add_format(&sc.outs, optarg, &opt_err)
                          : outputs_set_path(&sc.outs, optarg, &opt_err)) != 0) {
                cli_error("scan: %s", opt_err.msgs[0]);
                status = DW_EXIT_USAGE;
                goto usage_done;
            }
            break;
        case 'F':
            if (strcmp(optarg, "never") == 0)
                sc.fail_on = 99;
            else if (dw_severity_parse(optarg, &sc.fail_on) != 0) {
                cli_error("scan: unknown --fail-on '%s' (info|warning|error|critical|never)",
                          optarg);
                status = DW_EXIT_USAGE;
                goto usage_done;
            }
            break;
        case 'r':
            rules_opt = optarg;
            break;
        case 'q':
            sc.quiet = true;
            break;
        case O_BASELINE:
            baseline_opt = optarg;
            break;
        case O_WRITE_BASELINE:
            write_baseline = optarg;
            break;
        case O_CONFIG:
            config_opt = optarg;
            break;
        case O_NO_CONFIG:
            no_config = true;
            break;
        case O_REQUIRE_EVENTS:
            sc.require_events = true;
            break;
        case O_LAST:
            if (!valid_last(optarg)) {
                cli_error("scan: --last takes a duration such as 10m, 2h or 1d, not '%s'", optarg);
                status = DW_EXIT_USAGE;
                goto usage_done;
            }
            last = optarg;
            break;
        case O_LOG_COMMAND:
            logcmd_opt = optarg;
            break;
        case 'h':
            fputs(scan_usage, stdout);
            goto usage_done;
        default:
            fputs(scan_usage, stderr);
            status = DW_EXIT_USAGE;
            goto usage_done;
        }
    }
    if (optind >= argc && !last) {
        cli_error("scan: no input (give FILE, DIR, X.logarchive, - for stdin, or --last)");
        fputs(scan_usage, stderr);
        status = DW_EXIT_USAGE;
        goto usage_done;
    }
    if (db_opt && !sc.store) {
        cli_error("scan: --db and --no-store exclude each other");
        status = DW_EXIT_USAGE;
        goto usage_done;
    }
    if (config_opt && no_config) {
        cli_error("scan: --config and --no-config exclude each other");
        status = DW_EXIT_USAGE;
        goto usage_done;
    }
    if (outputs_settle(&sc.outs, !sc.quiet, &opt_err) != 0) {
        cli_error("scan: %s", opt_err.msgs[0]);
        status = DW_EXIT_USAGE;
        goto usage_done;
    }

    struct dw_errors err = {0};
    struct dw_buf rules_dir = {0}, db_path = {0};
    struct dw_ruleset *rs = ruleset_load_dir(dw_rules_dir(rules_opt, &rules_dir), &err);
    struct dw_store *store = NULL;
    struct dw_config *config = NULL;
    struct dw_baseline *baseline = NULL;
    struct dw_pipeline *p = NULL;
    char *predicate = NULL;
    if (!rs)
        goto fail;
    if (!config_opt && !no_config && access(DW_CONFIG_FILE, F_OK) == 0)
        config_opt = DW_CONFIG_FILE;
    if (config_opt &&
        (!(config = config_load(config_opt, &err)) || config_check(config, rs, &err) != 0))
        goto fail;
    if (baseline_opt && !(baseline = baseline_load(baseline_opt, &err)))
        goto fail;
    sc.config = config;
    sc.baseline = baseline;
    if (write_baseline)
        sc.new_baseline = baseline_new();
    if (sc.store) {
        const char *path = dw_db_path(db_opt, &db_path, &err);
        if (!path || !(store = store_open(path, DW_STORE_WRITE, &err)))
            goto fail;
        if (store_begin(store, &err) || catalog_record(store, rs, &err) ||
            store_commit(store, &err))
            goto fail;
    }
    struct dw_report_opts ro = {
        .title = "dextwatch scan", .quiet = sc.quiet, .color = cli_use_color(stdout)};
    if (outputs_open(&sc.outs, &ro, &err) != 0)
        goto fail;

    const char *ci = getenv("CI");
    sc.progress = isatty(STDERR_FILENO) && !(ci && *ci);
    clock_gettime(CLOCK_MONOTONIC, &sc.started);
    p = pipeline_new(rs, store, &popts, on_incident, &sc);
    const char *logcmd = logcmd_path(logcmd_opt);
    for (int i = optind; i < argc; i++) {
        int rc;
        if (is_logarchive(argv[i]) && !predicate) {
            struct dw_errors warn = {0}; /* rules the predicate cannot narrow: fine here */
            predicate = predicate_build(rs, &warn);
            dw_errors_clear(&warn);
        }
        if (is_logarchive(argv[i]))
            rc =
                scan_log_show(&sc, p, logcmd, predicate_is_everything(predicate) ? NULL : predicate,
                              "--archive", argv[i], &err);
        else
            rc = scan_path(&sc, p, argv[i], &err);
        if (rc != 0)
            sc.status = DW_EXIT_USAGE;
    }
    if (last) {
        if (!predicate) {
            struct dw_errors warn = {0};
            predicate = predicate_build(rs, &warn);
            dw_errors_clear(&warn);
        }
        if (scan_log_show(&sc, p, logcmd, predicate_is_everything(predicate) ? NULL : predicate,
                          "--last", last, &err) != 0)
            sc.status = DW_EXIT_USAGE;
    }
    clear_progress(&sc);
    struct dw_errors limits = {0}; /* pathological rules: say which, go on */
    ruleset_limit_report(rs, &limits);
    for (size_t i = 0; i < limits.n; i++)
        cli_error("warning: %s", limits.msgs[i]);
    dw_errors_clear(&limits);
    const struct dw_pipeline_stats *ps = pipeline_stats(p);
    sc.run.have_scan_stats = true;
    sc.run.inputs = ps->inputs;
    sc.run.lines = ps->lines;
    sc.run.events = ps->events;
    sc.run.findings = ps->findings;
    sc.run.skipped = ps->malformed + ps->oversized;
    sc.run.incidents = ps->incidents;
    sc.run.new_incidents = ps->new_incidents;
    for (size_t i = 0; i < sc.outs.n; i++) {
        report_finish(sc.outs.v[i].report, &sc.run, &sc.out);
        emit(&sc, &sc.outs.v[i]);
    }
    if (outputs_close(&sc.outs, &err) != 0)
        sc.status = DW_EXIT_USAGE;
    if (sc.new_baseline && baseline_write(sc.new_baseline, write_baseline, &err) != 0)
        sc.status = DW_EXIT_USAGE;
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    status = sc.status;
    if (status == DW_EXIT_OK && sc.run.failing)
        status = DW_EXIT_FOUND;
    goto done;

fail:
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    status = DW_EXIT_USAGE;
done:
    pipeline_free(p);
    free(predicate);
    buf_free(&rules_dir);
    buf_free(&db_path);
    dw_errors_clear(&err);
    store_close(store);
    ruleset_free(rs);
    config_free(config);
    baseline_free(baseline);
usage_done:
    outputs_free(&sc.outs);
    dw_errors_clear(&opt_err);
    baseline_free(sc.new_baseline);
    buf_free(&sc.out);
    return status;
}
