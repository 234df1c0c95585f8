/* cmd_watch.c - `dextwatch watch`: the live service (watch.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "duration.h"
#include "forward.h"
#include "logcmd.h"
#include "logcmd_guard.h"
#include "numparse.h"
#include "oplog.h"
#include "platform.h"
#include "watch.h"

enum {
    WATCH_DB,
    WATCH_RULES,
    WATCH_NO_DEFAULT_RULES,
    WATCH_LOG_COMMAND,
    WATCH_FOLLOW,
    WATCH_STYLE,
    WATCH_RETAIN,
    WATCH_NO_CATCH_UP,
    WATCH_MAX_CATCH_UP,
    WATCH_GROUP,
    WATCH_FORWARD,
    WATCH_OUTBOX_LIMIT,
    WATCH_LOG,
    WATCH_LOG_MAX,
    WATCH_HELP
};
static const struct cli_opt watch_opts[] = {
    [WATCH_DB] = CLI_OPT_DB,
    [WATCH_RULES] = CLI_OPT_RULES,
    [WATCH_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [WATCH_LOG_COMMAND] = {"log-command", 0, "PATH", NULL,
                           "the `log` tool (default: $DEXTWATCH_LOG_COMMAND or /usr/bin/log)"},
    [WATCH_FOLLOW] = {"follow", 0, "FILE", NULL,
                      "follow a file instead (tail -F: survives rotation and\n"
                      "truncation); `--follow -` or `-` reads stdin until it ends"},
    [WATCH_STYLE] = {"style", 0, "S", CLI_STYLE_VALUES,
                     "style of a followed file or stdin (default auto)"},
    [WATCH_RETAIN] = {"retain", 0, "DURATION", NULL,
                      "prune incidents whose last finding is older (hourly;\n"
                      "default 90d; 0 keeps everything)"},
    [WATCH_NO_CATCH_UP] = {"no-catch-up", 0, NULL, NULL,
                           "at start, do not read what was logged since the last run"},
    [WATCH_MAX_CATCH_UP] = {"max-catch-up", 0, "DURATION", NULL,
                            "never catch up further back than this (default 24h)"},
    [WATCH_GROUP] = {"group", 0, "NAME", NULL,
                     "give group NAME read access to the database (daemon: admin)"},
    [WATCH_FORWARD] = {"forward", 0, "URL", NULL,
                       "also send every incident event (opened, grew, merged,\n"
                       "closed) as RFC 5424 syslog to URL: tcp://host:port\n"
                       "(octet counting), udp://host:port or unix:///path\n"
                       "(datagram); repeatable.  Queued in the database first,\n"
                       "retried with backoff, delivered at least once (docs/fleet.md)"},
    [WATCH_OUTBOX_LIMIT] = {"outbox-limit", 0, "N", NULL,
                            "keep at most N undelivered events per destination, dropping\n"
                            "the oldest (default 10000; `dextwatch stats` counts them)"},
    [WATCH_LOG] = {"log", 0, "FILE", NULL,
                   "write the messages (and stderr) to FILE instead, keeping\n"
                   "it within --log-max: FILE becomes FILE.1 (the older .1 is\n"
                   "dropped) and a new FILE starts; the launchd agent uses it"},
    [WATCH_LOG_MAX] = {"log-max", 0, "SIZE", NULL,
                       "the bound of --log FILE: bytes, or with K or M\n"
                       "(default 1M)"},
    [WATCH_HELP] = CLI_OPT_HELP,
    {0},
};

#define LOG_MAX_DEFAULT (1024 * 1024)

static int cmd_watch(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_watch_entry = {
    .name = "watch",
    .summary = "run as a service: supervise `log stream`, store incidents live",
    .usage = "watch [--db PATH] [--rules DIR]... [--log-command PATH]\n"
             "                       [--follow FILE | -] [--style S] [--retain DURATION]\n"
             "                       [--no-catch-up] [--max-catch-up DURATION] [--group NAME]\n"
             "                       [--forward URL]... [--outbox-limit N]\n"
             "                       [--log FILE [--log-max SIZE]]",
    .about = "Runs until stopped: reads the live unified log, classifies and correlates it,\n"
             "and stores each incident within a fraction of a second of its first line.\n"
             "By default it supervises `log stream --style ndjson --level info --predicate P`\n"
             "(P is what `dextwatch predicate` prints), restarting it with backoff\n"
             "(1 s ... 60 s).  After a restart it first catches up with `log show --start`\n"
             "from the stored position, so nothing is lost and nothing stored twice.",
    .opts = watch_opts,
    .operands = "[-]",
    .epilog = "Signals: SIGTERM/SIGINT flush open incidents, commit and exit 0; SIGHUP reloads\n"
              "the rule packs (a broken pack is reported and the old rules stay).\n"
              "Messages go to stderr (or --log FILE), one line each, time-stamped.\n"
              "One watch per database file: a second one, by any path to it, exits 2.\n"
              "Exit status: 0 stopped by a signal (or stdin ended); 2 usage or start-up error,\n"
              "the database could not be written (full disk: the next start catches up),\n"
              "or `log` refused with status 77 (Must be admin): run as an admin user, or\n"
              "install the LaunchDaemon (`sudo dextwatch agent install --system`).",
    .run = cmd_watch,
};

/* One message line on stderr, or in the --log file (ctx, when not NULL):
 * UTC time, escaped text. */
static void log_line(void *ctx, const char *msg)
{
    struct dw_logfile *lf = ctx;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct dw_buf esc = {0}, line = {0};
    dw_escape_term(&esc, msg, strlen(msg));
    buf_printf(&line, "%s dextwatch: %s\n", when, buf_cstr(&esc));
    if (lf) {
        logfile_write(lf, line.data, line.len);
    } else {
        fputs(line.data, stderr);
        fflush(stderr);
    }
    buf_free(&esc);
    buf_free(&line);
}

static int bad_duration(const char *opt, const char *val)
{
    return cli_usage_error(&cmd_watch_entry, "%s: '%s' is not a duration (e.g. 90s, 30m, 24h, 30d)",
                           opt, val);
}

/* --log FILE and its bound. */
struct watch_log {
    const char *path;
    int64_t max_bytes;
    bool max_given;
};

/* Parses the options into o (forward: the --forward URLs, room for argc),
 * log and rules; *follow and the paths are set from them.  -1 to go on, else
 * the exit status. */
static int watch_options(struct cli_parser *p, struct dw_watch_opts *o, const char **forward,
                         size_t *nforward, const char **paths, struct watch_log *log,
                         struct cli_rules *rules)
{
    while (p->status < 0) {
        int opt = cli_next(p);
        if (opt == CLI_END || opt == CLI_STOP)
            break;
        if (cli_rules_option(rules, p, opt))
            continue;
        const char *arg = p->arg;
        switch (opt) {
        case WATCH_DB:
        case WATCH_LOG_COMMAND:
        case WATCH_FOLLOW:
            paths[opt] = arg;
            break;
        case WATCH_STYLE:
            dw_style_parse(arg, &o->style);
            break; /* checked by the table */
        case WATCH_RETAIN:
            if (strcmp(arg, "0") == 0)
                o->retain_us = 0;
            else if (dw_duration_parse(arg, &o->retain_us) != 0 || o->retain_us == 0)
                return bad_duration("--retain", arg);
            break;
        case WATCH_NO_CATCH_UP:
            o->catch_up = false;
            break;
        case WATCH_MAX_CATCH_UP:
            if (dw_duration_parse(arg, &o->max_catch_up_us) != 0)
                return bad_duration("--max-catch-up", arg);
            break;
        case WATCH_GROUP:
            o->db_group = arg;
            break;
        case WATCH_FORWARD: {
            struct dw_forward_url u;
            struct dw_errors e = {0};
            if (forward_url_parse(arg, &u, &e) != 0) {
                cli_usage_error(&cmd_watch_entry, "%s", e.msgs[0]);
                dw_errors_clear(&e);
                return DW_EXIT_USAGE;
            }
            forward[(*nforward)++] = arg;
            break;
        }
        case WATCH_OUTBOX_LIMIT: {
            int64_t n;
            if (dw_parse_int64(arg, 1, LONG_MAX, &n) != 0)
                return cli_usage_error(&cmd_watch_entry,
                                       "--outbox-limit: '%s' is not a positive number", arg);
            o->outbox_limit = n;
            break;
        }
        case WATCH_LOG:
            log->path = arg;
            break;
        case WATCH_LOG_MAX:
            if (dw_parse_size(arg, &log->max_bytes) != 0)
                return cli_usage_error(&cmd_watch_entry,
                                       "--log-max: '%s' is not a size (e.g. 65536, 512K, 1M)", arg);
            log->max_given = true;
            break;
        }
    }
    if (p->status < 0 && log->max_given && !log->path)
        return cli_usage_error(&cmd_watch_entry, "--log-max needs --log FILE");
    return p->status;
}

static int cmd_watch(const struct cli_cmd *self, int argc, char **argv)
{
    const char *paths[WATCH_FOLLOW + 1] = {NULL};
    struct dw_watch_opts o = {0};
    o.style = DW_STYLE_AUTO;
    o.retain_us = 90 * INT64_C(86400000000);
    o.catch_up = true;
    o.max_catch_up_us = 24 * INT64_C(3600000000);
    o.backoff_min_us = INT64_C(1000000);
    o.backoff_max_us = 60 * INT64_C(1000000);
    const char **forward = xcalloc((size_t)argc + 1, sizeof *forward);
    size_t nforward = 0;
    struct watch_log wl = {.max_bytes = LOG_MAX_DEFAULT};
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    struct cli_rules rule_layers = {0};
    int status = watch_options(&p, &o, forward, &nforward, paths, &wl, &rule_layers);
    cli_parse_end(&p);
    if (status < 0 && cli_rules_resolve(&rule_layers) != 0)
        status = DW_EXIT_USAGE;
    if (status >= 0) {
        cli_rules_free(&rule_layers);
        free(forward);
        return status;
    }
    int first = p.optind; /* the first operand */
    const char *db_opt = paths[WATCH_DB];
    const char *cmd_opt = paths[WATCH_LOG_COMMAND], *follow = paths[WATCH_FOLLOW];
    o.forward_urls = forward;
    o.nforward = nforward;
    if (first < argc && strcmp(argv[first], "-") == 0 && !follow) {
        follow = "-";
        first++;
    }
    if (first < argc) {
        cli_usage_error(&cmd_watch_entry, "unexpected argument '%s'", argv[first]);
        cli_rules_free(&rule_layers);
        free(forward);
        return DW_EXIT_USAGE;
    }
    struct dw_buf db = {0};
    struct dw_errors err = {0};
    if (!dw_db_path(db_opt, &db, &err)) {
        cli_error("%s", err.msgs[0]);
        dw_errors_clear(&err);
        cli_rules_free(&rule_layers);
        free(forward);
        return DW_EXIT_USAGE;
    }
    o.db_path = buf_cstr(&db);
    o.rule_layers = rule_layers.layers;
    o.nrule_layers = rule_layers.nlayers;
    o.log_command = logcmd_path(cmd_opt);
    o.follow_path = follow;
    o.log.fn = log_line;
    if (wl.path && !(o.log.ctx = logfile_open(wl.path, wl.max_bytes, true, &err))) {
        cli_error("%s", err.msgs[0]);
        dw_errors_clear(&err);
        buf_free(&db);
        cli_rules_free(&rule_layers);
        free(forward);
        return DW_EXIT_USAGE;
    }
    enum dw_watch_status st = watch_run(&o, &err);
    for (size_t i = 0; i < err.n; i++)
        log_line(o.log.ctx, err.msgs[i]);
    dw_errors_clear(&err);
    logfile_close(o.log.ctx);
    buf_free(&db);
    cli_rules_free(&rule_layers);
    free(forward);
    return st == DW_WATCH_STOPPED ? DW_EXIT_OK : DW_EXIT_USAGE;
}

int cmd_child(int argc, char **argv)
{
    return logcmd_guard_exec(argc, argv);
}
