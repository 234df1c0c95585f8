/* cmd_agent.c - `dextwatch agent install|uninstall|status [--system] [--print]`. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cli.h"

#define SYSTEM_HELP                                                                                \
    "a LaunchDaemon for all users, run as root (use sudo):\n"                                      \
    "/Library/LaunchDaemons/" DW_AGENT_LABEL ".plist, database in\n"                               \
    "/Library/Application Support/dextwatch/ readable by group admin,\n"                           \
    "log /Library/Logs/dextwatch/watch.log.  Without it: a LaunchAgent\n"                          \
    "for you, ~/Library/LaunchAgents/" DW_AGENT_LABEL ".plist, your\n"                             \
    "default database, log ~/Library/Logs/dextwatch/watch.log.  `log\n"                            \
    "stream` needs an admin user; others need --system."

enum { AGENT_SYSTEM, AGENT_PRINT, AGENT_HELP };
static const struct cli_opt install_opts[] = {
    [AGENT_SYSTEM] = {"system", 0, NULL, NULL, SYSTEM_HELP},
    [AGENT_PRINT] = {"print", 0, NULL, NULL,
                     "only print the plist to stdout (any OS; installs nothing)"},
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
    .usage = "agent install [--system] [--print]",
    .opts = install_opts,
    .epilog = "On other systems install says it is macOS-only and writes nothing.",
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
    .usage = "agent install   [--system] [--print]\n"
             "       dextwatch agent uninstall [--system]\n"
             "       dextwatch agent status    [--system]",
    .about = "Runs `dextwatch watch` in the background under launchd (macOS).",
    .epilog = "On other systems install/uninstall say they are macOS-only and write nothing.",
    .actions = agent_actions,
};

/* Does what the action says, printing what it did; the exit status. */
static int agent_do(const char *action, bool system, bool print)
{
    struct dw_agent_paths p;
    struct dw_errors err = {0};
    struct dw_buf out = {0};
    int rc = DW_EXIT_USAGE;
    if (agent_paths(system, &p, &err) == 0) {
        if (print) {
            agent_plist(&out, system, &p);
            fwrite(out.data, 1, out.len, stdout);
            rc = DW_EXIT_OK;
        } else if (strcmp(action, "status") == 0) {
            rc = agent_status(system, &p, &out) == 0 ? DW_EXIT_OK : DW_EXIT_FOUND;
            fputs(buf_cstr(&out), stdout);
        } else if (strcmp(action, "install") == 0) {
            if (agent_install(system, &p, &err) == 0) {
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

static int agent_action(const struct cli_cmd *self, int argc, char **argv)
{
    bool system = false, print = false;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;) {
        switch (o) {
        case AGENT_SYSTEM:
            system = true;
            break;
        case AGENT_PRINT:
            print = true;
            break;
        }
    }
    if (p.status >= 0)
        return p.status;
    return agent_do(self->name, system, print);
}
