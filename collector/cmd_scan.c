/* cmd_scan.c - `dextwatch scan`: classify files, stdin or `log show` output
 * into incidents, decide which fail the run (verdict.h) and report them in
 * one or more formats.  The steps: options, set-up (rules, config, baseline,
 * store, outputs), the inputs through the pipeline, the outputs' totals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "catalog.h"
#include "cli.h"
#include "cmd_scan_private.h"
#include "config.h"
#include "logcmd.h"
#include "outpath.h"
#include "pipeline.h"
#include "platform.h"
#include "predicate.h"
#include "report.h"
#include "rules_alias.h"
#include "verdict.h"

enum {
    SCAN_DB,
    SCAN_NO_STORE,
    SCAN_STYLE,
    SCAN_FORMAT,
    SCAN_OUTPUT,
    SCAN_FAIL_ON,
    SCAN_BASELINE,
    SCAN_WRITE_BASELINE,
    SCAN_CONFIG,
    SCAN_NO_CONFIG,
    SCAN_REQUIRE_EVENTS,
    SCAN_LAST,
    SCAN_LOG_COMMAND,
    SCAN_RULES,
    SCAN_NO_DEFAULT_RULES,
    SCAN_QUIET,
    SCAN_BRIEF,
    SCAN_COLOR,
    SCAN_UTC,
    SCAN_HELP
};
static const struct cli_opt scan_opts[] = {
    [SCAN_DB] = CLI_OPT_DB,
    [SCAN_NO_STORE] = {"no-store", 0, NULL, NULL,
                       "do not open a database; ids are 1, 2, ... in output order"},
    [SCAN_STYLE] = {"style", 0, "S", CLI_STYLE_VALUES,
                    "auto|default|syslog|compact|json|ndjson|plain|bsd (default auto)"},
    [SCAN_FORMAT] = CLI_OPT_FORMAT,
    [SCAN_OUTPUT] = CLI_OPT_OUTPUT,
    [SCAN_FAIL_ON] = {"fail-on", 0, "LEVEL", DW_FAIL_ON_NAMES,
                      "info|warning|error|critical|never (default error): exit 1 when\n"
                      "an incident is at or above LEVEL (and not baselined/suppressed)"},
    [SCAN_BASELINE] = {"baseline", 0, "FILE", NULL,
                       "incidents matching an entry (subject + root-cause rule) are\n"
                       "reported as baselined and do not fail the run"},
    [SCAN_WRITE_BASELINE] = {"write-baseline", 0, "FILE", NULL,
                             "write every incident of this run (not suppressed) to FILE"},
    [SCAN_CONFIG] = {"config", 0, "FILE", NULL,
                     "project settings (default: ./" DW_CONFIG_FILE " if present):\n"
                     "disable rules or lower their severity, each with a reason"},
    [SCAN_NO_CONFIG] = {"no-config", 0, NULL, NULL, "ignore ./" DW_CONFIG_FILE},
    [SCAN_REQUIRE_EVENTS] = {"require-events", 0, NULL, NULL,
                             "an input without any log event (a failed log collection) is\n"
                             "an error (exit 2); without it, it is only warned about"},
    [SCAN_LAST] = {"last", 0, "DURATION", NULL,
                   "also scan `log show --last DURATION` (e.g. 10m, 2h; macOS)"},
    [SCAN_LOG_COMMAND] =
        {"log-command", 0, "PATH", NULL,
         "the `log` tool (default: $DEXTWATCH_LOG_COMMAND, else\n" DW_LOG_COMMAND_DEFAULT ")"},
    [SCAN_RULES] = CLI_OPT_RULES,
    [SCAN_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [SCAN_QUIET] = {"quiet", 'q', NULL, NULL, "no summary"},
    [SCAN_BRIEF] = CLI_OPT_BRIEF,
    [SCAN_COLOR] = CLI_OPT_COLOR,
    [SCAN_UTC] = CLI_OPT_UTC,
    [SCAN_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_scan(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_scan_entry = {
    .name = "scan",
    .summary = "classify log files or stdin, correlate, store and report incidents",
    .usage = "scan [--db PATH | --no-store] [--style S]\n"
             "                      [--format F [--output FILE]]... [--fail-on LEVEL|never]\n"
             "                      [--baseline FILE] [--write-baseline FILE] [--config FILE]\n"
             "                      [--require-events] [--rules DIR]... [--log-command PATH]\n"
             "                      [--brief] [--color WHEN] [--utc] [-q]\n"
             "                      [--last DURATION] [FILE|DIR|X.logarchive|- ...]",
    .about = "Reads unified-log output (any `log show`/`log stream` style, Console copies,\n"
             "forum pastes, /var/log/system.log; gzip-compressed or not), classifies it with\n"
             "the rule packs, correlates the findings of each failure into one incident,\n"
             "stores new incidents and reports them.  A directory is scanned recursively,\n"
             "files in name order, each once (links to directories inside it are not\n"
             "followed; files named *.expected.json, test expectations kept beside logs,\n"
             "and the database the scan writes, with its -wal/-shm, are passed over and\n"
             "counted on stderr); `-` reads stdin, as does no FILE at all when "
             "stdin is a pipe or\n"
             "a file.  `--last 10m` and X.logarchive run\n"
             "`log show --style ndjson --info --predicate ...` (see `dextwatch predicate`).",
    .opts = scan_opts,
    .operands = "FILE|DIR|X.logarchive|-...",
    .epilog = "Exit status: 0 nothing at or above --fail-on, 1 incidents at or above it,\n"
              "2 usage or input error (2 wins over 1).  An empty input is not an error\n"
              "(unless --require-events), but it is warned about.  Lines that cannot be\n"
              "parsed are counted, skipped and reported on stderr.",
    .run = cmd_scan,
};

/* What the options ask for. */
struct scan_args {
    struct cli_rules rules; /* --rules, --no-default-rules */
    const char *db, *baseline, *write_baseline, *config, *last, *log_command;
    bool no_config, store, quiet, brief, utc;
    enum cli_color color;
    enum dw_style style;
    enum dw_fail_on fail_on;
    char **inputs; /* the operands */
    int ninputs;
};

/* The pipeline's sink: a closed incident gets its verdict (verdict.h), is
 * counted, added to --write-baseline and reported in every format. */
static void on_incident(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                        void *ctx)
{
    struct scan *sc = ctx;
    (void)into;
    if (change != DW_CLOSED)
        return;
    struct dw_verdict_result v;
    verdict_decide(&sc->policy, inc, &v);
    verdict_count(&sc->run.verdicts, &v);
    if (sc->new_baseline)
        verdict_baseline_add(sc->new_baseline, inc, &v);
    struct dw_incident view = *inc; /* shallow: severity as the config says */
    view.severity = (int)v.severity;
    struct dw_report_item item = {.inc = &view,
                                  .id = sc->store ? (long long)inc->id : (long long)++sc->ordinal,
                                  .verdict = v.verdict,
                                  .original_severity = (enum dw_severity)inc->severity,
                                  .note = v.note};
    for (size_t i = 0; i < sc->outs.n; i++) {
        report_incident(sc->outs.v[i].report, &item, &sc->out);
        scan_emit(sc, &sc->outs.v[i]);
    }
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

/* Sets the option at index o from arg; -1 to go on, else the exit status. */
static int scan_option(struct scan_args *a, struct scan *sc, int o, const char *arg)
{
    struct dw_errors e = {0};
    int rc = 0;
    switch (o) {
    case SCAN_DB:
        a->db = arg;
        break;
    case SCAN_NO_STORE:
        a->store = false;
        break;
    case SCAN_STYLE:
        dw_style_parse(arg, &a->style);
        break; /* values checked */
    case SCAN_FAIL_ON:
        verdict_fail_on_parse(arg, &a->fail_on);
        break; /* values checked */
    case SCAN_FORMAT:
        rc = outputs_add_format(&sc->outs, arg, &e);
        break;
    case SCAN_OUTPUT:
        rc = outputs_set_path(&sc->outs, arg, &e);
        break;
    case SCAN_BASELINE:
        a->baseline = arg;
        break;
    case SCAN_WRITE_BASELINE:
        a->write_baseline = arg;
        break;
    case SCAN_CONFIG:
        a->config = arg;
        break;
    case SCAN_NO_CONFIG:
        a->no_config = true;
        break;
    case SCAN_REQUIRE_EVENTS:
        sc->require_events = true;
        break;
    case SCAN_LAST:
        if (!valid_last(arg))
            return cli_usage_error(&cmd_scan_entry,
                                   "--last takes a duration such as 10m, 2h or 1d, not '%s'", arg);
        a->last = arg;
        break;
    case SCAN_LOG_COMMAND:
        a->log_command = arg;
        break;
    case SCAN_RULES:
        cli_rules_add(&a->rules, arg);
        break;
    case SCAN_NO_DEFAULT_RULES:
        a->rules.no_default = true;
        break;
    case SCAN_QUIET:
        a->quiet = true;
        break;
    case SCAN_BRIEF:
        a->brief = true;
        break;
    case SCAN_COLOR:
        cli_color_parse(arg, &a->color);
        break; /* values checked */
    case SCAN_UTC:
        a->utc = true;
        break;
    }
    if (rc != 0)
        cli_usage_error(&cmd_scan_entry, "%s", e.msgs[0]);
    dw_errors_clear(&e);
    return rc != 0 ? DW_EXIT_USAGE : -1;
}

/* True when stdin is a pipe or a regular file: `cat x.log | dextwatch scan`
 * and `dextwatch scan < x.log` read it, as ripgrep does, while a terminal,
 * /dev/null or a closed stdin (CI without input) never make scan wait. */
static bool stdin_has_input(void)
{
    struct stat st;
    return fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode));
}

/* Parses the command line into a and sc->outs, and checks that the options
 * go together.  -1 to go on, else the exit status (help, usage error). */
static int scan_options(const struct cli_cmd *self, int argc, char **argv, struct scan_args *a,
                        struct scan *sc)
{
    struct cli_parser p;
    int status = -1;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; status < 0 && (o = cli_next(&p)) >= 0;)
        status = scan_option(a, sc, o, p.arg);
    cli_parse_end(&p);
    if (status >= 0 || p.status >= 0)
        return status >= 0 ? status : p.status;
    a->inputs = argv + p.optind;
    a->ninputs = argc - p.optind;
    if (a->ninputs == 0 && !a->last && stdin_has_input()) {
        static char *stdin_only[] = {"-", NULL};
        a->inputs = stdin_only;
        a->ninputs = 1;
    }
    if (a->ninputs == 0 && !a->last)
        return cli_usage_error(self,
                               "no input (give FILE, DIR, X.logarchive, - for stdin, or --last)");
    if (a->db && !a->store)
        return cli_usage_error(self, "--db and --no-store exclude each other");
    if (a->config && a->no_config)
        return cli_usage_error(self, "--config and --no-config exclude each other");
    if (cli_rules_resolve(&a->rules) != 0)
        return DW_EXIT_USAGE;
    struct dw_errors e = {0};
    if (outputs_settle(&sc->outs, !a->quiet, &e) != 0)
        status = cli_usage_error(self, "%s", e.msgs[0]);
    dw_errors_clear(&e);
    return status;
}

/* What a scan holds open. */
struct scan_env {
    struct dw_ruleset *rs;
    struct dw_config *config;
    struct dw_baseline *baseline;
    struct dw_store *store;
    char *predicate; /* built when `log show` is first needed */
};

static void scan_env_free(struct scan_env *env)
{
    free(env->predicate);
    store_close(env->store);
    ruleset_free(env->rs);
    config_free(env->config);
    baseline_free(env->baseline);
}

/* Old rule ids and classes (rules/aliases.tsv) in the config and the baseline
 * become the current ones, with a warning that says so.  0, or -1. */
static int scan_resolve_aliases(const struct scan_args *a, struct scan_env *env,
                                struct dw_errors *err)
{
    struct dw_rule_aliases aliases = {0};
    struct dw_errors notes = {0};
    int rc = rule_aliases_load_dir(&aliases, env->rs->dir, err) != 0 ||
                     rule_aliases_check(&aliases, env->rs, err) != 0 ||
                     (env->config && config_resolve_aliases(env->config, &aliases, &notes, err))
                 ? -1
                 : 0;
    size_t renamed =
        rc == 0 && env->baseline ? baseline_resolve_aliases(env->baseline, &aliases) : 0;
    for (size_t i = 0; i < notes.n; i++)
        cli_error("warning: %s", notes.msgs[i]);
    if (renamed)
        cli_error("warning: %s: %zu entr%s name%s a rule or class by its old name "
                  "(%s/%s); matched as the new one, and --write-baseline writes the new names",
                  a->baseline, renamed, renamed == 1 ? "y" : "ies", renamed == 1 ? "s" : "",
                  env->rs->dir, DW_ALIASES_FILE);
    dw_errors_clear(&notes);
    rule_aliases_free(&aliases);
    return rc;
}

/* Loads the rules, the config (--config, else ./.dextwatch.yaml unless
 * --no-config), the baseline; opens the store and the outputs.  0, or -1
 * with the messages in err. */
static int scan_setup(const struct scan_args *a, struct scan *sc, struct scan_env *env,
                      struct dw_errors *err)
{
    env->rs = ruleset_load_layers(a->rules.layers, a->rules.nlayers, err);
    if (!env->rs)
        return -1;
    const char *config = a->config;
    if (!config && !a->no_config && access(DW_CONFIG_FILE, F_OK) == 0)
        config = DW_CONFIG_FILE;
    if (config && !(env->config = config_load(config, err)))
        return -1;
    if (a->baseline && !(env->baseline = baseline_load(a->baseline, err)))
        return -1;
    if (scan_resolve_aliases(a, env, err) != 0 ||
        (env->config && config_check(env->config, env->rs, err) != 0))
        return -1;
    sc->policy = (struct dw_verdict_policy){env->config, env->baseline, a->fail_on};
    sc->store = a->store;
    if (a->write_baseline)
        sc->new_baseline = baseline_new();
    if (a->store) {
        env->store = cli_open_store(a->db, DW_STORE_WRITE, NULL); /* prints why not */
        if (!env->store || store_begin(env->store, err) ||
            catalog_record(env->store, env->rs, err) || store_commit(env->store, err))
            return -1;
    }
    struct dw_report_opts ro = {.title = "dextwatch scan",
                                .quiet = a->quiet,
                                .brief = a->brief,
                                .utc = a->utc,
                                .color = cli_use_color(stdout, a->color)};
    const char *db = env->store ? store_path(env->store) : NULL;
    sc->db = db;
    size_t ninputs = (size_t)a->ninputs;
    if (outputs_check_paths(&sc->outs, db, a->inputs, ninputs, err) != 0 ||
        dw_output_check(a->write_baseline, db, a->inputs, ninputs, err) != 0)
        return -1;
    return outputs_open(&sc->outs, &ro, err);
}

/* The `log` predicate, built once (rules it cannot narrow are fine here);
 * NULL when it would let everything through. */
static const char *scan_predicate(struct scan_env *env)
{
    if (!env->predicate) {
        struct dw_errors warn = {0};
        env->predicate = predicate_build(env->rs, &warn);
        dw_errors_clear(&warn);
    }
    return predicate_is_everything(env->predicate) ? NULL : env->predicate;
}

/* Every operand, then `log show --last`, through the pipeline. */
static void scan_inputs(const struct scan_args *a, struct scan *sc, struct scan_env *env,
                        struct dw_pipeline *p, struct dw_errors *err)
{
    const char *logcmd = logcmd_path(a->log_command);
    const char *const *args = (const char *const *)a->inputs;
    for (int i = 0; i < a->ninputs; i++) {
        int rc = scan_is_logarchive(args[i])
                     ? scan_log_show(sc, p, logcmd, scan_predicate(env), "--archive", args[i], err)
                     : scan_path(sc, p, args[i], err);
        if (rc != 0)
            sc->input_error = true;
    }
    if (a->last && scan_log_show(sc, p, logcmd, scan_predicate(env), "--last", a->last, err) != 0)
        sc->input_error = true;
    cli_progress_clear(&sc->progress);
}

/* After the inputs: warnings about pathological rules, the totals to every
 * output, the outputs closed and --write-baseline written. */
static void scan_finish(const struct scan_args *a, struct scan *sc, const struct scan_env *env,
                        const struct dw_pipeline *p, struct dw_errors *err)
{
    struct dw_errors limits = {0}; /* pathological rules: say which, go on */
    ruleset_limit_report(env->rs, &limits);
    for (size_t i = 0; i < limits.n; i++)
        cli_error("warning: %s", limits.msgs[i]);
    dw_errors_clear(&limits);
    const struct dw_pipeline_stats *ps = pipeline_stats(p);
    sc->run.have_scan_stats = true;
    sc->run.inputs = ps->inputs;
    sc->run.lines = ps->lines;
    sc->run.events = ps->events;
    sc->run.findings = ps->findings;
    sc->run.skipped = ps->malformed + ps->oversized;
    sc->run.incidents = ps->incidents;
    sc->run.new_incidents = ps->new_incidents;
    sc->run.closed_early = ps->closed_early;
    for (size_t i = 0; i < sc->outs.n; i++) {
        report_finish(sc->outs.v[i].report, &sc->run, &sc->out);
        scan_emit(sc, &sc->outs.v[i]);
    }
    if (outputs_close(&sc->outs, err) != 0)
        sc->input_error = true;
    if (sc->new_baseline && baseline_write(sc->new_baseline, a->write_baseline, err) != 0)
        sc->input_error = true;
}

/* verdict_exit_status speaks in these values. */
_Static_assert(DW_EXIT_OK == 0 && DW_EXIT_FOUND == 1 && DW_EXIT_USAGE == 2,
               "verdict_exit_status returns 0, 1 or 2");

/* The steps of a scan: options, set-up, the inputs, the totals; the exit
 * status is the verdict's (verdict.h). */
static int cmd_scan(const struct cli_cmd *self, int argc, char **argv)
{
    struct scan_args a = {.store = true, .style = DW_STYLE_AUTO, .fail_on = DW_FAIL_ON_ERROR};
    struct scan sc = {0};
    struct scan_env env = {0};
    struct dw_errors err = {0};
    int status = scan_options(self, argc, argv, &a, &sc);
    if (status < 0 && scan_setup(&a, &sc, &env, &err) != 0)
        status = DW_EXIT_USAGE;
    if (status < 0) {
        struct dw_pipeline_opts popts = {.style = a.style, .correlate = DW_CORRELATE_DEFAULTS};
        const char *ci = getenv("CI");
        cli_progress_start(&sc.progress, isatty(STDERR_FILENO) && !(ci && *ci));
        struct dw_pipeline *p = pipeline_new(env.rs, env.store, &popts, on_incident, &sc);
        scan_inputs(&a, &sc, &env, p, &err);
        scan_finish(&a, &sc, &env, p, &err);
        pipeline_free(p);
        status = verdict_exit_status(&sc.run.verdicts, sc.input_error);
    }
    cli_errors(&err);
    dw_errors_clear(&err);
    scan_env_free(&env);
    cli_rules_free(&a.rules);
    outputs_free(&sc.outs);
    baseline_free(sc.new_baseline);
    buf_free(&sc.out);
    return status;
}
