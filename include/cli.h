/* cli.h - the subcommands.  Each lives in collector/cmd_<name>.c, parses its
 * own options and calls the library; main.c only dispatches (cmd_table).
 * A subcommand returns the process exit status:
 *   0 nothing at or above --fail-on, 1 incidents at or above it,
 *   2 usage or input error (2 wins over 1). */
#ifndef DW_CLI_H
#define DW_CLI_H

#include <stdio.h>

#define DW_EXIT_OK 0
#define DW_EXIT_FOUND 1
#define DW_EXIT_USAGE 2

struct dw_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

int cmd_scan(int argc, char **argv);
int cmd_recent(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
/* `rules try` and `rules export` (collector/cmd_rules_try.c); argv[0] is the action. */
int rules_try(int argc, char **argv);
int rules_export(int argc, char **argv);
int cmd_predicate(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_prune(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_forward(int argc, char **argv);
/* `dextwatch __child PPID CMD ARGS...`: the exec wrapper of logcmd_guard.h (hidden). */
int cmd_child(int argc, char **argv);

/* Shared by subcommands: prints "dextwatch: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Loads the rule packs from --rules (opt), $DEXTWATCH_RULES, the source tree
 * or the installed ones; on failure prints every "file:line:col: reason" and
 * returns NULL (the caller exits with DW_EXIT_USAGE). */
struct dw_ruleset *cli_load_rules(const char *opt);
/* True when the stream is a terminal and NO_COLOR is unset. */
int cli_use_color(FILE *f);

#endif
