/* cli.h - the command line: the command table and what subcommands share.
 *
 * Each subcommand lives in collector/cmd_<name>.c with its table entry
 * (`const struct cli_cmd cmd_<name>_entry`) next to its code, as tmux keeps
 * `cmd_<name>_entry` in cmd-<name>.c; main.c holds only the list of entries.
 * An entry is data only: name, one-line summary, usage line, options (each
 * with whether it takes an argument and, for an enumeration, its values) and
 * the function that runs it.  `--help`, `dextwatch help CMD`, the overview
 * and usage errors are all generated from it, and so can shell completions.
 * Adding a command is its file plus one line in main.c's list.
 *
 * A subcommand returns the process exit status:
 *   0 nothing at or above --fail-on, 1 incidents at or above it,
 *   2 usage or input error (2 wins over 1). */
#ifndef DW_CLI_H
#define DW_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "rules.h"
#include "store.h"

#define DW_EXIT_OK 0
#define DW_EXIT_FOUND 1
#define DW_EXIT_USAGE 2

/* One option.  Every command also accepts -h/--help (CLI_OPT_HELP, which
 * each table lists last so that the table is complete). */
struct cli_opt {
    const char *name;   /* long name without "--" */
    char short_name;    /* the one-letter form, or 0 */
    const char *arg;    /* placeholder of its argument ("PATH"), NULL for a flag */
    const char *values; /* an enumeration's values, "a|b|c", or NULL: the
                           parser refuses anything else */
    const char *help;   /* one or more lines ("\n" between them) */
};
#define CLI_OPT_HELP                                                                               \
    {                                                                                              \
        "help", 'h', NULL, NULL, "this help"                                                       \
    }
/* --db and --rules mean the same in every command. */
#define CLI_OPT_DB                                                                                 \
    {                                                                                              \
        "db", 0, "PATH", NULL, "database (default: $DEXTWATCH_DB, else the per-user state dir)"    \
    }
#define CLI_OPT_RULES                                                                              \
    {                                                                                              \
        "rules", 0, "DIR", NULL,                                                                   \
            "more rule packs, after the shipped ones and the user's\n"                             \
            "(~/.config/dextwatch/rules); may be repeated, a later rule\n"                         \
            "with the same id overrides (`rules list --origin`)"                                   \
    }
#define CLI_OPT_NO_DEFAULT_RULES                                                                   \
    {                                                                                              \
        "no-default-rules", 0, NULL, NULL,                                                         \
            "only the --rules directories: not the shipped packs\n"                                \
            "($DEXTWATCH_RULES, else the installed ones) nor the user's"                           \
    }
/* --format and --output of the commands that report incidents (scan, recent,
 * check): the same output machinery (report.h's dw_outputs), one text.  The
 * user includes report.h (DW_FORMAT_NAMES). */
#define CLI_OPT_FORMAT                                                                             \
    {                                                                                              \
        "format", 0, "F", DW_FORMAT_NAMES,                                                         \
            "text (default, for people), json (one object per incident per\n"                      \
            "line), github (workflow-command annotations), junit (JUnit XML)\n"                    \
            "or markdown; may be repeated"                                                         \
    }
#define CLI_OPT_OUTPUT                                                                             \
    {                                                                                              \
        "output", 0, "FILE", NULL,                                                                 \
            "write the --format just before it to FILE (appended when FILE\n"                      \
            "is $GITHUB_STEP_SUMMARY, else replaced); at most one format\n"                        \
            "goes to stdout.  Never the database, an input, or a file in\n"                        \
            "a directory being scanned (exit 2)"                                                   \
    }
/* --color, --utc and --brief of the commands that print text for people
 * (scan, recent, show, check; --brief: scan and check, whose text shows
 * incidents in full). */
#define CLI_COLOR_VALUES "auto|always|never"
#define CLI_OPT_COLOR                                                                              \
    {                                                                                              \
        "color", 0, "WHEN", CLI_COLOR_VALUES,                                                      \
            "auto (default): colours when stdout is a terminal, NO_COLOR is\n"                     \
            "unset or empty and TERM is not dumb; always: also when stdout\n"                      \
            "is a pipe or file, and over NO_COLOR; never"                                          \
    }
#define CLI_OPT_UTC                                                                                \
    {                                                                                              \
        "utc", 0, NULL, NULL,                                                                      \
            "text times in UTC (2026-11-20T18:14:03.312Z), not with the log's\n"                   \
            "own offset (or the local one, TZ, when the log has none)"                             \
    }
#define CLI_OPT_BRIEF                                                                              \
    {                                                                                              \
        "brief", 0, NULL, NULL,                                                                    \
            "compact text: one line per finding (#ID INPUT:LINE: severity:\n"                      \
            "SUBJECT: summary [rule]), each rule's remediation once at the end"                    \
    }
/* The values of --style (reader.h's enum dw_style, by name). */
#define CLI_STYLE_VALUES "auto|default|syslog|compact|json|ndjson|plain|bsd"

struct cli_cmd {
    const char *name;
    const char *summary;        /* one line, for the overview and an action list */
    const char *usage;          /* after "usage: dextwatch ", several lines allowed */
    const char *about;          /* what it does, a paragraph or NULL */
    const struct cli_opt *opts; /* ends with an entry whose name is NULL */
    /* What follows the options, as in the usage line ("FILE|-", "ID",
     * "[FILE...]"), or NULL when nothing may: the parser refuses operands. */
    const char *operands;
    const char *epilog; /* after the options (exit status, ...), or NULL */
    /* argv[0] is the command's (or action's) name. */
    int (*run)(const struct cli_cmd *self, int argc, char **argv); /* self: this entry */
    /* Actions (`rules list`, `agent install`): NULL-terminated, or NULL.  A
     * command with actions dispatches on argv[1] when run is NULL. */
    const struct cli_cmd *const *actions;
    const struct cli_cmd *parent; /* the command of an action, else NULL */
};

/* The table (main.c), NULL-terminated. */
extern const struct cli_cmd *const cli_commands[];

extern const struct cli_cmd cmd_scan_entry, cmd_recent_entry, cmd_show_entry, cmd_rules_entry,
    cmd_explain_entry, cmd_predicate_entry, cmd_watch_entry, cmd_stats_entry, cmd_prune_entry,
    cmd_agent_entry, cmd_forward_entry, cmd_check_entry;
/* The pattern actions of `rules` (rules try, rules export): their options and
 * code live in cmd_rules_try.c, their table entries in cmd_rules.c. */
extern const struct cli_opt cmd_rules_try_opts[], cmd_rules_export_opts[];
int cmd_rules_try_run(const struct cli_cmd *self, int argc, char **argv);
int cmd_rules_export_run(const struct cli_cmd *self, int argc, char **argv);

/* The entry named name among list (NULL-terminated), or NULL. */
const struct cli_cmd *cli_find(const struct cli_cmd *const *list, const char *name);
/* Runs a command: its run function, or the action named by argv[1]; a
 * missing or unknown action is a usage error, `CMD --help` prints help. */
int cli_run(const struct cli_cmd *c, int argc, char **argv);
/* The overview: usage, every command with its summary. */
void cli_overview(const struct cli_cmd *const *cmds, FILE *out);
/* Writes the completion script for shell ("bash", "zsh", "fish") of the
 * commands cmds to out (cli_completion.c).  -1 for another shell. */
int cli_completion(const struct cli_cmd *const *cmds, const char *shell, FILE *out);
/* A command's full help: usage, about, actions, options, epilog. */
void cli_help(const struct cli_cmd *c, FILE *out);
/* "dextwatch rules try" into buf (the path of parents). */
void cli_cmd_path(const struct cli_cmd *c, struct dw_buf *buf);

/* Prints "dextwatch CMD: message" and "Try 'dextwatch help CMD'." to stderr;
 * returns DW_EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* getopt_long driven by a command's options.  Usage:
 *   struct cli_parser p;
 *   cli_parse_begin(&p, &cmd_x_entry, argc, argv);
 *   for (int o; (o = cli_next(&p)) >= 0;) switch (o) { case X_DB: ... p.arg ... }
 *   if (p.status >= 0) return p.status;  (help printed, or a usage error)
 *   operands: argv[p.optind .. argc)
 * cli_next returns the index of the option in c->opts, or CLI_END when the
 * options are over (p.status is then -1), or CLI_STOP after -h/--help
 * (p.status 0) or a usage error it printed (p.status 2).  An enumeration's
 * argument is checked against its values before it is returned; an operand
 * of a command without operands is a usage error. */
#define CLI_END (-1)
#define CLI_STOP (-2)
struct cli_parser {
    const struct cli_cmd *cmd;
    int argc;
    char **argv;
    const char *arg; /* the current option's argument */
    int optind;      /* the first operand, once CLI_END */
    int status;      /* -1, or the exit status after CLI_STOP */
    bool in_order;   /* stop at the first operand (set before the first cli_next) */
    void *longopts;  /* struct option[], owned */
    char shortopts[64];
};
void cli_parse_begin(struct cli_parser *p, const struct cli_cmd *c, int argc, char **argv);
int cli_next(struct cli_parser *p);
/* Frees the parser's tables (cli_next does it when it returns CLI_END or
 * CLI_STOP; call it when leaving the loop early). */
void cli_parse_end(struct cli_parser *p);
/* True when value is one of the "a|b|c" values. */
bool cli_value_in(const char *values, const char *value);

/* Shared by subcommands: prints "dextwatch: " + message to stderr, escaped. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Every message of err through cli_error. */
void cli_errors(const struct dw_errors *err);
/* The rule layers a command loads (rules.h, ruleset_load_layers): the
 * shipped packs ($DEXTWATCH_RULES, the source tree's rules/ for a binary in
 * its build tree, else the installed ones), the user's directory
 * (platform.h, dw_user_rules_dir; skipped when absent), then each --rules
 * DIR in order.  --no-default-rules leaves only the --rules directories, the
 * first of which then gives the code tables. */
struct cli_rules {
    const char **dirs; /* --rules, in order (borrowed from argv) */
    size_t ndirs, cap;
    bool no_default;
    /* filled by cli_rules_resolve: */
    struct dw_rule_layer *layers;
    size_t nlayers;
    struct dw_buf shipped, user;
};
void cli_rules_add(struct cli_rules *r, const char *dir);
/* In a cli_next loop: true when option o of p's command is --rules or
 * --no-default-rules (CLI_OPT_RULES, CLI_OPT_NO_DEFAULT_RULES), taken into r. */
bool cli_rules_option(struct cli_rules *r, const struct cli_parser *p, int o);
/* Fills r->layers.  -1 (message printed) for --no-default-rules without
 * --rules. */
int cli_rules_resolve(struct cli_rules *r);
void cli_rules_free(struct cli_rules *r);
/* cli_rules_resolve and ruleset_load_layers; on failure prints every
 * "file:line:col: reason" and returns NULL (the caller exits with
 * DW_EXIT_USAGE). */
struct dw_ruleset *cli_load_rules(struct cli_rules *r);
/* Opens the database of --db (opt), else $DEXTWATCH_DB, else the default
 * path; path (may be NULL) receives the path.  On failure prints every
 * message and returns NULL (the caller exits with DW_EXIT_USAGE). */
struct dw_store *cli_open_store(const char *opt, enum dw_store_mode mode, struct dw_buf *path);
/* --color WHEN. */
enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };
/* Sets *out from a CLI_COLOR_VALUES name (the parser has checked it). */
void cli_color_parse(const char *name, enum cli_color *out);
/* Whether text to f gets colours: always, never, or (auto) when f is a
 * terminal, NO_COLOR is unset or empty (no-color.org) and TERM is not
 * "dumb".  An explicit always wins over NO_COLOR, as in ripgrep and ls. */
bool cli_use_color(FILE *f, enum cli_color when);

/* The progress meter of a long scan, on stderr when on (a terminal, not CI):
 * one line, redrawn in place, cleared before anything else is written. */
struct cli_progress {
    bool on;
    struct timespec started, last_draw;
    const char *input;   /* borrowed */
    uint64_t input_size; /* 0: unknown (a pipe, `log show`) */
    uint64_t input_done;
};
void cli_progress_start(struct cli_progress *pr, bool on);
/* A new input of size bytes (0: unknown); name is borrowed. */
void cli_progress_input(struct cli_progress *pr, const char *name, uint64_t size);
/* done: bytes of this input read; lines: lines read in all; bytes_before:
 * bytes of the inputs before this one (for the rate). */
void cli_progress_update(struct cli_progress *pr, uint64_t done, uint64_t lines,
                         uint64_t bytes_before);
void cli_progress_clear(const struct cli_progress *pr);

/* `dextwatch __child PPID CMD ARGS...`: the exec wrapper of logcmd_guard.h
 * (hidden, not in the table). */
int cmd_child(int argc, char **argv);

#endif
