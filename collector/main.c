/* main.c - dispatch to a subcommand (collector/cmd_<name>.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "platform.h"
#include "rules.h"
#include "util.h"

static const struct dw_command cmd_table[] = {
    {"scan", "classify log files or stdin, correlate, store and report incidents", cmd_scan},
    {"recent", "list recent incidents from the database", cmd_recent},
    {"show", "show one incident with its evidence and remediation", cmd_show},
    {"rules", "list, check or test the rule packs", cmd_rules},
    {"explain", "explain an error code, a rule or a class, offline", cmd_explain},
    {"predicate", "print the `log` predicate built from the rule packs", cmd_predicate},
    {"watch", "run as a service: supervise `log stream`, store incidents live", cmd_watch},
    {"stats", "what watch has read and found; incidents per class and subject", cmd_stats},
    {"prune", "delete incidents older than a duration", cmd_prune},
    {"agent", "install, remove or show the launchd agent/daemon that runs watch", cmd_agent},
    {"forward", "send a test message to a --forward destination (rsyslog, syslog-ng)", cmd_forward},
};

/* Messages may quote file names, config values or a child's stderr: they are
 * made safe for a terminal (and a CI log) like every other text we print. */
void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct dw_buf msg = {0}, esc = {0};
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    dw_escape_term(&esc, buf_cstr(&msg), msg.len);
    fprintf(stderr, "dextwatch: %s\n", buf_cstr(&esc));
    buf_free(&msg);
    buf_free(&esc);
}

struct dw_ruleset *cli_load_rules(const char *opt)
{
    struct dw_buf dir = {0};
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_dir(dw_rules_dir(opt, &dir), &err);
    for (size_t i = 0; !rs && i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    dw_errors_clear(&err);
    buf_free(&dir);
    return rs;
}

int cli_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return isatty(fileno(f)) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}

static void usage(FILE *out)
{
    fputs("usage: dextwatch <command> [options] [args]\n"
          "\n"
          "Tells why a DriverKit extension (dext) or system extension did not load:\n"
          "classifies macOS unified-log lines with the rule packs, correlates them into\n"
          "incidents, stores them in SQLite and says what to do.\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
        fprintf(out, "  %-10s %s\n", cmd_table[i].name, cmd_table[i].summary);
    fputs("\n"
          "Run 'dextwatch <command> --help' for a command's options.\n"
          "Exit status: 0 nothing at or above --fail-on, 1 incidents at or above it,\n"
          "2 usage or input error.\n"
          "Environment: DEXTWATCH_DB (database path), DEXTWATCH_RULES (rule directory),\n"
          "NO_COLOR (no colours on a terminal).\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return DW_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("dextwatch %s\n", DW_VERSION);
        return DW_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return DW_EXIT_OK;
    }
    if (strcmp(name, "__child") == 0) /* internal: the `log` child's exec wrapper */
        return cmd_child(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
        if (strcmp(name, cmd_table[i].name) == 0)
            return cmd_table[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see dextwatch --help)", name);
    return DW_EXIT_USAGE;
}
