/* cmd_agent.c - `dextwatch agent install|uninstall|status [--system] [--print]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cli.h"

static const char agent_usage[] =
    "usage: dextwatch agent install   [--system] [--print]\n"
    "       dextwatch agent uninstall [--system]\n"
    "       dextwatch agent status    [--system]\n"
    "\n"
    "Runs `dextwatch watch` in the background under launchd (macOS).\n"
    "  install     write the plist and load it (launchctl bootstrap)\n"
    "  uninstall   unload it (launchctl bootout) and remove the plist\n"
    "  status      what is installed and whether launchd has it loaded\n"
    "\n"
    "  --system    a LaunchDaemon for all users, run as root (use sudo):\n"
    "              /Library/LaunchDaemons/" DW_AGENT_LABEL ".plist, database in\n"
    "              /Library/Application Support/dextwatch/ readable by group admin,\n"
    "              log /Library/Logs/dextwatch/watch.log.  Without it: a LaunchAgent\n"
    "              for you, ~/Library/LaunchAgents/" DW_AGENT_LABEL ".plist, your\n"
    "              default database, log ~/Library/Logs/dextwatch/watch.log.  `log\n"
    "              stream` needs an admin user; others need --system.\n"
    "  --print     only print the plist to stdout (any OS; installs nothing)\n"
    "  -h, --help  this help\n"
    "\n"
    "On other systems install/uninstall say they are macOS-only and write nothing.\n";

int cmd_agent(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"system", no_argument, NULL, 's'},
        {"print", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(agent_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? DW_EXIT_USAGE : DW_EXIT_OK;
    }
    const char *action = argv[1];
    if (strcmp(action, "install") != 0 && strcmp(action, "uninstall") != 0 &&
        strcmp(action, "status") != 0) {
        cli_error("agent: unknown action '%s' (install, uninstall or status)", action);
        return DW_EXIT_USAGE;
    }
    bool system = false, print = false;
    int c;
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': system = true; break;
        case 'p': print = true; break;
        case 'h': fputs(agent_usage, stdout); return DW_EXIT_OK;
        default: fputs(agent_usage, stderr); return DW_EXIT_USAGE;
        }
    }
    if (optind < argc || (print && strcmp(action, "install") != 0)) {
        cli_error("agent: --print goes with install; no other arguments");
        return DW_EXIT_USAGE;
    }
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
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    dw_errors_clear(&err);
    buf_free(&out);
    return rc;
}
