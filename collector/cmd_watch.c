/* cmd_watch.c - `dextwatch watch`: the live service (watch.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "duration.h"
#include "forward.h"
#include "logcmd.h"
#include "logcmd_guard.h"
#include "platform.h"
#include "watch.h"

static const char watch_usage[] =
    "usage: dextwatch watch [--db PATH] [--rules DIR] [--log-command PATH]\n"
    "                       [--follow FILE | -] [--style S] [--retain DURATION]\n"
    "                       [--no-catch-up] [--max-catch-up DURATION] [--group NAME]\n"
    "                       [--forward URL]... [--outbox-limit N]\n"
    "\n"
    "Runs until stopped: reads the live unified log, classifies and correlates it,\n"
    "and stores each incident within a fraction of a second of its first line.\n"
    "By default it supervises `log stream --style ndjson --level info --predicate P`\n"
    "(P is what `dextwatch predicate` prints), restarting it with backoff (1 s ... 60 s).\n"
    "After a restart it first catches up with `log show --start` from the stored\n"
    "position, so nothing is lost and nothing stored twice.\n"
    "\n"
    "  --db PATH            database (default: $DEXTWATCH_DB or the per-user one)\n"
    "  --rules DIR          rule directory (default: $DEXTWATCH_RULES, ...)\n"
    "  --log-command PATH   the `log` tool (default: $DEXTWATCH_LOG_COMMAND or /usr/bin/log)\n"
    "  --follow FILE        follow a file instead (tail -F: survives rotation and\n"
    "                       truncation); `--follow -` or `-` reads stdin until it ends\n"
    "  --style S            style of a followed file or stdin (default auto)\n"
    "  --retain DURATION    prune incidents whose last finding is older (hourly;\n"
    "                       default 90d; 0 keeps everything)\n"
    "  --no-catch-up        at start, do not read what was logged since the last run\n"
    "  --max-catch-up DUR   never catch up further back than this (default 24h)\n"
    "  --group NAME         give group NAME read access to the database (daemon: admin)\n"
    "  --forward URL        also send every incident event (opened, grew, merged,\n"
    "                       closed) as RFC 5424 syslog to URL: tcp://host:port\n"
    "                       (octet counting), udp://host:port or unix:///path\n"
    "                       (datagram); repeatable.  Queued in the database first,\n"
    "                       retried with backoff, delivered at least once (docs/fleet.md)\n"
    "  --outbox-limit N     keep at most N undelivered events per destination, dropping\n"
    "                       the oldest (default 10000; `dextwatch stats` counts them)\n"
    "  -h, --help           this help\n"
    "\n"
    "Signals: SIGTERM/SIGINT flush open incidents, commit and exit 0; SIGHUP reloads\n"
    "the rule packs (a broken pack is reported and the old rules stay).\n"
    "Messages go to stderr, one line each, time-stamped.\n"
    "Exit status: 0 stopped by a signal (or stdin ended); 2 usage or start-up error,\n"
    "the database could not be written (full disk: the next start catches up),\n"
    "or `log` refused with status 77 (Must be admin): run as an admin user, or\n"
    "install the LaunchDaemon (`sudo dextwatch agent install --system`).\n";

/* One message line on stderr: UTC time, escaped text. */
static void log_line(void *ctx, const char *msg)
{
    (void)ctx;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct dw_buf b = {0};
    dw_escape_term(&b, msg, strlen(msg));
    fprintf(stderr, "%s dextwatch: %s\n", when, buf_cstr(&b));
    fflush(stderr);
    buf_free(&b);
}

static int bad_duration(const char *opt, const char *val)
{
    cli_error("watch: %s: '%s' is not a duration (e.g. 90s, 30m, 24h, 30d)", opt, val);
    return DW_EXIT_USAGE;
}

int cmd_watch(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},
        {"log-command", required_argument, NULL, 'l'},
        {"follow", required_argument, NULL, 'f'},
        {"style", required_argument, NULL, 's'},
        {"retain", required_argument, NULL, 'R'},
        {"no-catch-up", no_argument, NULL, 'n'},
        {"max-catch-up", required_argument, NULL, 'm'},
        {"group", required_argument, NULL, 'g'},
        {"forward", required_argument, NULL, 'F'},
        {"outbox-limit", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL, *rules_opt = NULL, *cmd_opt = NULL, *follow = NULL;
    struct dw_watch_opts o = {0};
    o.style = DW_STYLE_AUTO;
    o.retain_us = 90 * INT64_C(86400000000);
    o.catch_up = true;
    o.max_catch_up_us = 24 * INT64_C(3600000000);
    o.backoff_min_us = INT64_C(1000000);
    o.backoff_max_us = 60 * INT64_C(1000000);
    const char **forward = xcalloc((size_t)argc + 1, sizeof *forward);
    size_t nforward = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_opt = optarg; break;
        case 'r': rules_opt = optarg; break;
        case 'l': cmd_opt = optarg; break;
        case 'f': follow = optarg; break;
        case 's':
            if (dw_style_parse(optarg, &o.style) != 0) {
                cli_error("watch: unknown --style '%s'", optarg);
                return DW_EXIT_USAGE;
            }
            break;
        case 'R':
            if (strcmp(optarg, "0") == 0)
                o.retain_us = 0;
            else if (dw_duration_parse(optarg, &o.retain_us) != 0 || o.retain_us == 0)
                return bad_duration("--retain", optarg);
            break;
        case 'n': o.catch_up = false; break;
        case 'm':
            if (dw_duration_parse(optarg, &o.max_catch_up_us) != 0)
                return bad_duration("--max-catch-up", optarg);
            break;
        case 'g': o.db_group = optarg; break;
        case 'F': {
            struct dw_forward_url u;
            struct dw_errors e = {0};
            if (forward_url_parse(optarg, &u, &e) != 0) {
                cli_error("watch: %s", e.msgs[0]);
                dw_errors_clear(&e);
                free(forward);
                return DW_EXIT_USAGE;
            }
            forward[nforward++] = optarg;
            break;
        }
        case 'O': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1) {
                cli_error("watch: --outbox-limit: '%s' is not a positive number", optarg);
                free(forward);
                return DW_EXIT_USAGE;
            }
            o.outbox_limit = n;
            break;
        }
        case 'h': fputs(watch_usage, stdout); free(forward); return DW_EXIT_OK;
        default: fputs(watch_usage, stderr); free(forward); return DW_EXIT_USAGE;
        }
    }
    o.forward_urls = forward;
    o.nforward = nforward;
    if (optind < argc && strcmp(argv[optind], "-") == 0 && !follow) {
        follow = "-";
        optind++;
    }
    if (optind < argc) {
        cli_error("watch: unexpected argument '%s'", argv[optind]);
        free(forward);
        return DW_EXIT_USAGE;
    }
    struct dw_buf db = {0}, rules = {0};
    struct dw_errors err = {0};
    if (!dw_db_path(db_opt, &db, &err)) {
        cli_error("%s", err.msgs[0]);
        dw_errors_clear(&err);
        free(forward);
        return DW_EXIT_USAGE;
    }
    o.db_path = buf_cstr(&db);
    o.rules_dir = dw_rules_dir(rules_opt, &rules);
    o.log_command = logcmd_path(cmd_opt);
    o.follow_path = follow;
    o.log.fn = log_line;
    enum dw_watch_status st = watch_run(&o, &err);
    for (size_t i = 0; i < err.n; i++)
        log_line(NULL, err.msgs[i]);
    dw_errors_clear(&err);
    buf_free(&db);
    buf_free(&rules);
    free(forward);
    return st == DW_WATCH_STOPPED ? DW_EXIT_OK : DW_EXIT_USAGE;
}

int cmd_child(int argc, char **argv)
{
    return logcmd_guard_exec(argc, argv);
}
