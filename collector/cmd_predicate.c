/* cmd_predicate.c - `dextwatch predicate [--rules DIR]`: the `log` predicate
 * that `watch` passes to `log stream`, built from the rule packs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "predicate.h"
#include "rules.h"

enum { PREDICATE_RULES, PREDICATE_NO_DEFAULT_RULES, PREDICATE_QUIET, PREDICATE_HELP };
static const struct cli_opt predicate_opts[] = {
    [PREDICATE_RULES] = CLI_OPT_RULES,
    [PREDICATE_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [PREDICATE_QUIET] = {"quiet", 'q', NULL, NULL,
                         "no warnings about rules the predicate cannot narrow"},
    [PREDICATE_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_predicate(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_predicate_entry = {
    .name = "predicate",
    .summary = "print the `log` predicate built from the rule packs",
    .usage = "predicate [--rules DIR]... [--no-default-rules] [--quiet]",
    .about = "Prints the `log` predicate (NSPredicate syntax, see `log help predicates`)\n"
             "that `dextwatch watch` gives to `log stream` and `log show`: the processes and\n"
             "subsystems the rules filter on, narrowed by the rules' message literals, so that\n"
             "`log` only sends lines some rule can match.  Use it by hand:\n"
             "\n"
             "  log show --last 15m --style ndjson --info --predicate \"$(dextwatch predicate)\"",
    .opts = predicate_opts,
    .epilog = "Exit status: 0 printed, 2 usage or rule load error.",
    .run = cmd_predicate,
};

static int cmd_predicate(const struct cli_cmd *self, int argc, char **argv)
{
    struct cli_rules rules = {0};
    bool quiet = false;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;)
        if (!cli_rules_option(&rules, &p, o) && o == PREDICATE_QUIET)
            quiet = true;
    struct dw_ruleset *rs = p.status >= 0 ? NULL : cli_load_rules(&rules);
    cli_rules_free(&rules);
    if (p.status >= 0)
        return p.status;
    if (!rs)
        return DW_EXIT_USAGE;
    struct dw_errors warn = {0};
    char *pred = predicate_build(rs, &warn);
    for (size_t i = 0; !quiet && i < warn.n; i++)
        cli_error("warning: %s", warn.msgs[i]);
    puts(pred);
    free(pred);
    dw_errors_clear(&warn);
    ruleset_free(rs);
    return DW_EXIT_OK;
}
