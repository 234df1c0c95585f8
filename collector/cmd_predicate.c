/* cmd_predicate.c - `dextwatch predicate [--rules DIR]`: the `log` predicate
 * that `watch` passes to `log stream`, built from the rule packs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "platform.h"
#include "predicate.h"
#include "rules.h"

static const char predicate_usage[] =
    "usage: dextwatch predicate [--rules DIR] [--quiet]\n"
    "\n"
    "Prints the `log` predicate (NSPredicate syntax, see `log help predicates`)\n"
    "that `dextwatch watch` gives to `log stream` and `log show`: the processes and\n"
    "subsystems the rules filter on, narrowed by the rules' message literals, so that\n"
    "`log` only sends lines some rule can match.  Use it by hand:\n"
    "\n"
    "  log show --last 15m --style ndjson --info --predicate \"$(dextwatch predicate)\"\n"
    "\n"
    "  --rules DIR   rule directory (default: $DEXTWATCH_RULES, the source tree's\n"
    "                rules/ or the installed one)\n"
    "  -q, --quiet   no warnings about rules the predicate cannot narrow\n"
    "  -h, --help    this help\n"
    "\n"
    "Exit status: 0 printed, 2 usage or rule load error.\n";

static void print_escaped(const struct dw_errors *e, const char *prefix)
{
    struct dw_buf b = {0};
    for (size_t i = 0; i < e->n; i++) {
        buf_reset(&b);
        dw_escape_term(&b, e->msgs[i], strlen(e->msgs[i]));
        cli_error("%s%s", prefix, buf_cstr(&b));
    }
    buf_free(&b);
}

int cmd_predicate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rules_opt = NULL;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': rules_opt = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(predicate_usage, stdout); return DW_EXIT_OK;
        default: fputs(predicate_usage, stderr); return DW_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("predicate: unexpected argument '%s'", argv[optind]);
        return DW_EXIT_USAGE;
    }
    struct dw_buf dir = {0};
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_dir(dw_rules_dir(rules_opt, &dir), &err);
    if (!rs) {
        print_escaped(&err, "");
        dw_errors_clear(&err);
        buf_free(&dir);
        return DW_EXIT_USAGE;
    }
    char *p = predicate_build(rs, &err);
    if (!quiet)
        print_escaped(&err, "warning: ");
    puts(p);
    free(p);
    dw_errors_clear(&err);
    ruleset_free(rs);
    buf_free(&dir);
    return DW_EXIT_OK;
}
