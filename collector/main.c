/* main.c - the list of commands (each entry lives with its code in
 * collector/cmd_<name>.c, see cli.h) and the dispatch to them. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "outpath.h"

/* One line per command. */
// clang-format off
const struct cli_cmd *const cli_commands[] = {
    &cmd_scan_entry,
    &cmd_recent_entry,
    &cmd_show_entry,
    &cmd_rules_entry,
    &cmd_explain_entry,
    &cmd_predicate_entry,
    &cmd_watch_entry,
    &cmd_stats_entry,
    &cmd_prune_entry,
    &cmd_agent_entry,
    &cmd_forward_entry,
    &cmd_check_entry,
    NULL,
};
// clang-format on

/* `dextwatch help [CMD [ACTION]]`: the overview, or that command's help. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        cli_overview(cli_commands, stdout);
        return DW_EXIT_OK;
    }
    const struct cli_cmd *c = cli_find(cli_commands, argv[1]);
    if (c && argc > 2 && c->actions)
        c = cli_find(c->actions, argv[2]);
    if (!c || argc > 3 || (argc == 3 && !c->parent)) {
        cli_error("help: no command '%s'", argv[argc - 1]);
        fputs("Try 'dextwatch --help'.\n", stderr);
        return DW_EXIT_USAGE;
    }
    cli_help(c, stdout);
    return DW_EXIT_OK;
}

/* A command that could not write its stdout failed, whatever it found
 * (issue 17): `show 1 >/dev/full` exits 2. */
static int finish(int status)
{
    struct dw_errors err = {0};
    if (dw_stdout_finish(&err) != 0) {
        cli_error("%s", err.msgs[0]);
        status = DW_EXIT_USAGE;
    }
    dw_errors_clear(&err);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_overview(cli_commands, stderr);
        return DW_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0 || strcmp(name, "version") == 0) {
        printf("dextwatch %s\n", DW_VERSION);
        return finish(DW_EXIT_OK);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0)
        return finish(help(argc - 1, argv + 1));
    if (strcmp(name, "completion") == 0) {
        if (argc != 3 || cli_completion(cli_commands, argv[2], stdout) != 0) {
            cli_error("completion: give one shell: bash, zsh or fish");
            fputs("Try 'dextwatch --help'.\n", stderr);
            return DW_EXIT_USAGE;
        }
        return finish(DW_EXIT_OK);
    }
    if (strcmp(name, "__child") == 0) /* internal: the `log` child's exec wrapper */
        return cmd_child(argc - 1, argv + 1);
    const struct cli_cmd *c = cli_find(cli_commands, name);
    if (c)
        return finish(cli_run(c, argc - 1, argv + 1));
    cli_error("unknown command '%s'", name);
    fputs("Try 'dextwatch --help'.\n", stderr);
    return DW_EXIT_USAGE;
}
