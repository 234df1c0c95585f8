/* cmd_agent.c - `dextwatch agent install|uninstall|status [--system] [--print]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cli.h"
#include "duration.h"
#include "forward.h"
#include "numparse.h"

#define SYSTEM_HELP                                                                                \
    "a LaunchDaemon for all users, run as root (use sudo):\n"                                      \
    "/Library/LaunchDaemons/" DW_AGENT_LABEL ".plist, database in\n"                               \
    "/Library/Application Support/dextwatch/ readable by group admin,\n"                           \
    "log /Library/Logs/dextwatch/watch.log.  Without it: a LaunchAgent\n"                          \
    "for you, ~/Library/LaunchAgents/" DW_AGENT_LABEL ".plist, your\n"                             \
    "default database, log ~/Library/Logs/dextwatch/watch.log.  `log\n"                            \
    "stream` needs an admin user; others need --system."

enum {
    AGENT_SYSTEM,
    AGENT_PRINT,
    AGENT_DB,
    AGENT_RETAIN,
    AGENT_FORWARD,
    AGENT_LOG_MAX,
    AGENT_HELP
};
static const struct cli_opt install_opts[] = {
    [AGENT_SYSTEM] = {"system", 0, NULL, NULL, SYSTEM_HELP},
    [AGENT_PRINT] = {"print", 0, NULL, NULL,
                     "only print the plist to stdout (any OS; installs nothing)"},
    [AGENT_DB] = {"db", 0, "PATH", NULL,
                  "the database watch keeps (made absolute; default: yours,\n"
                  "or the daemon's above)"},
    [AGENT_RETAIN] = {"retain", 0, "DURATION", NULL, "passed to watch (see `watch --help`)"},
    [AGENT_FORWARD] = {"forward", 0, "URL", NULL,
                       "passed to watch, each its own argument; repeatable"},
    [AGENT_LOG_MAX] = {"log-max", 0, "SIZE", NULL,
                       "bound of the log file, which watch rotates itself\n"
                       "(default 1M, one older .1 kept)"},
    [AGENT_HELP] = CLI_OPT_HELP,
    {0},
};
/* uninstall and status: the same, without --print (AGENT_PRINT never comes) */
static const struct cli_opt other_opts[] = {
    [AGENT_SYSTEM] = {"system", 0, NULL, NULL, "the LaunchDaemon (see `agent install --help`)"},
    CLI_OPT_HELP,
    {0},
};

static int agent_action(const struct cli_cmd *self, int argc, char **argv);

static const struct cli_cmd agent_install_entry = {
    .name = "install",
    .summary = "write the plist and load it (launchctl bootstrap)",
    .usage = "agent install [--system] [--print] [--db PATH] [--retain DURATION]\n"
             "                       [--forward URL]... [--log-max SIZE]",
    .opts = install_opts,
    .epilog = "The plist runs `dextwatch watch` with those options (each value its own\n"
              "string, XML-escaped) and with the log file above as its log (`watch --help`):\n"
              "watch writes its messages there and keeps the file within --log-max itself.\n"
              "SIGHUP reloads the rules.\n"
              "On other systems install says it is macOS-only and writes nothing.",
    .run = agent_action,
    .parent = &cmd_agent_entry,
};
static const struct cli_cmd agent_uninstall_entry = {
    .name = "uninstall",
    .summary = "unload it (launchctl bootout) and remove the plist",
    .usage = "agent uninstall [--system]",
    .opts = other_opts,
    .run = agent_action,
    .parent = &cmd_agent_entry,
};
static const struct cli_cmd agent_status_entry = {
    .name = "status",
    .summary = "what is installed and whether launchd has it loaded",
    .usage = "agent status [--system]",
    .opts = other_opts,
    .run = agent_action,
    .parent = &cmd_agent_entry,
};
static const struct cli_cmd *const agent_actions[] = {&agent_install_entry, &agent_uninstall_entry,
                                                      &agent_status_entry, NULL};

const struct cli_cmd cmd_agent_entry = {
    .name = "agent",
    .summary = "install, remove or show the launchd agent/daemon that runs watch",
    .usage = "agent install   [--system] [--print] [--db PATH] [--retain DURATION]\n"
             "                         [--forward URL]... [--log-max SIZE]\n"
             "       dextwatch agent uninstall [--system]\n"
             "       dextwatch agent status    [--system]",
    .about = "Runs `dextwatch watch` in the background under launchd (macOS).",
    .epilog = "On other systems install/uninstall say they are macOS-only and write nothing.",
    .actions = agent_actions,
};

/* Does what the action says, printing what it did; the exit status. */
static int agent_do(const char *action, bool system, bool print, const struct dw_agent_opts *o)
{
    struct dw_agent_paths p;
    struct dw_errors err = {0};
    struct dw_buf out = {0};
    int rc = DW_EXIT_USAGE;
    if (agent_paths(system, &p, &err) == 0) {
        if (print) {
            if (agent_plist(&out, system, &p, o, &err) == 0) {
                fwrite(out.data, 1, out.len, stdout);
                rc = DW_EXIT_OK;
            }
        } else if (strcmp(action, "status") == 0) {
            rc = agent_status(system, &p, &out) == 0 ? DW_EXIT_OK : DW_EXIT_FOUND;
            fputs(buf_cstr(&out), stdout);
        } else if (strcmp(action, "install") == 0) {
            if (agent_install(system, &p, o, &err) == 0) {
                printf("installed %s and loaded it; log: %s\n", p.plist, p.log);
                rc = DW_EXIT_OK;
            }
        } else if (agent_uninstall(system, &p, &err) == 0) {
            printf("removed %s\n", p.plist);
            rc = DW_EXIT_OK;
        }
        agent_paths_free(&p);
    }
    cli_errors(&err);
    dw_errors_clear(&err);
    buf_free(&out);
    return rc;
}

/* Checks an install option's value as watch would; 0, or the usage error's
 * exit status. */
static int install_value(const struct cli_cmd *self, int opt, const char *arg)
{
    int64_t n;
    struct dw_forward_url u;
    struct dw_errors e = {0};
    switch (opt) {
    case AGENT_RETAIN:
        if (strcmp(arg, "0") != 0 && (dw_duration_parse(arg, &n) != 0 || n == 0))
            return cli_usage_error(self, "--retain: '%s' is not a duration (e.g. 30d)", arg);
        break;
    case AGENT_FORWARD:
        if (forward_url_parse(arg, &u, &e) != 0) {
            cli_usage_error(self, "%s", e.msgs[0]);
            dw_errors_clear(&e);
            return DW_EXIT_USAGE;
        }
        break;
    case AGENT_LOG_MAX:
        if (dw_parse_size(arg, &n) != 0)
            return cli_usage_error(self, "--log-max: '%s' is not a size (e.g. 512K, 1M)", arg);
        break;
    }
    return 0;
}

static int agent_action(const struct cli_cmd *self, int argc, char **argv)
{
    bool system = false, print = false;
    struct dw_agent_opts o = {0};
    const char **forward = xcalloc((size_t)argc + 1, sizeof *forward);
    o.forward = forward;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int opt; p.status < 0 && (opt = cli_next(&p)) >= 0;) {
        if (install_value(self, opt, p.arg) != 0) {
            p.status = DW_EXIT_USAGE;
            break;
        }
        switch (opt) {
        case AGENT_SYSTEM:
            system = true;
            break;
        case AGENT_PRINT:
            print = true;
            break;
        case AGENT_DB:
            o.db = p.arg;
            break;
        case AGENT_RETAIN:
            o.retain = p.arg;
            break;
        case AGENT_FORWARD:
            forward[o.nforward++] = p.arg;
            break;
        case AGENT_LOG_MAX:
            o.log_max = p.arg;
            break;
        }
    }
    cli_parse_end(&p);
    int rc = p.status >= 0 ? p.status : agent_do(self->name, system, print, &o);
    free(forward);
    return rc;
}
