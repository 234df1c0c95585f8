/* cmd_rules.c - `dextwatch rules list|check|test [--rules DIR]... [FILE...]`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "platform.h"
#include "reader.h"
#include "rules.h"

enum { RULES_RULES, RULES_NO_DEFAULT_RULES, RULES_FORMAT, RULES_ORIGIN, RULES_HELP };
static const struct cli_opt list_opts[] = {
    [RULES_RULES] = CLI_OPT_RULES,
    [RULES_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [RULES_FORMAT] = {"format", 0, "F", "text|json", "text (default) or json"},
    [RULES_ORIGIN] = {"origin", 0, NULL, NULL,
                      "the file and line each rule comes from, and the rule it\n"
                      "overrides (\"overrides FILE:LINE\")"},
    [RULES_HELP] = CLI_OPT_HELP,
    {0},
};
/* check and test: list's options without --format and --origin (which
 * never come) */
static const struct cli_opt check_opts[] = {
    [RULES_RULES] = CLI_OPT_RULES,
    [RULES_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    CLI_OPT_HELP,
    {0},
};

static int rules_action(const struct cli_cmd *self, int argc, char **argv);

static const struct cli_cmd rules_list_entry = {
    .name = "list",
    .summary = "one line per rule: id, class, severity, priority, pack",
    .usage = "rules list  [--rules DIR]... [--format text|json] [--origin] [FILE...]",
    .about = "FILE... only these pack files (code tables still come from the shipped\n"
             "packs' codes/).  --origin shows where each rule comes from and which\n"
             "rule of an earlier layer it overrides.",
    .opts = list_opts,
    .operands = "[FILE...]",
    .run = rules_action,
    .parent = &cmd_rules_entry,
};
static const struct cli_cmd rules_check_entry = {
    .name = "check",
    .summary = "load and validate the packs; patterns that hit the PCRE2 limits are errors",
    .usage = "rules check [--rules DIR]... [FILE...]",
    .about = "Loads and validates the packs and runs the examples to catch patterns that hit\n"
             "the PCRE2 match limits (catastrophic backtracking); exit 2 on any error.",
    .opts = check_opts,
    .operands = "[FILE...]",
    .run = rules_action,
    .parent = &cmd_rules_entry,
};
static const struct cli_cmd rules_test_entry = {
    .name = "test",
    .summary = "run every example and counterexample through the whole rule set",
    .usage = "rules test  [--rules DIR]... [FILE...]",
    .about = "Runs every example and counterexample through the whole rule set; exit 1 on a\n"
             "failure, 2 on a load error.",
    .opts = check_opts,
    .operands = "[FILE...]",
    .run = rules_action,
    .parent = &cmd_rules_entry,
};
/* The pattern actions; their code is in cmd_rules_try.c. */
static const struct cli_cmd rules_try_entry = {
    .name = "try",
    .summary = "per rule, how many lines of FILE it matched; or try one REGEX on FILE",
    .usage = "rules try [--rules DIR]... [--style S] [--all] FILE|- [REGEX]",
    .about = "Runs every line of FILE (any log style) through the rule packs and prints\n"
             "first the lines only a catch-all (class other.*) matched, with its rule (what\n"
             "to write a rule for), then how many lines each rule matched, then the lines of\n"
             "processes the rules care about (and lines without a process) that no rule\n"
             "matched; then the time taken.\n"
             "With REGEX (PCRE2, as a rule's `match`), no packs are used: the pattern is\n"
             "matched against each event's message, like fail2ban-regex, and the lines it\n"
             "matched are printed (escaped) with the counts: lines read, events, matched,\n"
             "skipped as unparseable.  A bad REGEX is PCRE2's error with its offset (exit 2).\n"
             "Lists show the first 20, or all with --all.",
    .opts = cmd_rules_try_opts,
    .operands = "FILE|- [REGEX]",
    .run = cmd_rules_try_run,
    .parent = &cmd_rules_entry,
};

static const struct cli_cmd rules_export_entry = {
    .name = "export",
    .summary = "the patterns, one per line, for ripgrep (--format rg)",
    .usage = "rules export [--rules DIR]... --format rg",
    .about = "Prints each rule's pattern on one line in a form ripgrep's default engine\n"
             "accepts: named groups become non-capturing (ripgrep joins -f patterns into one\n"
             "regex, where repeated names would clash), escapes Rust does not know are\n"
             "rewritten, leading ^ and trailing $ are dropped (rules match the message,\n"
             "ripgrep the whole line).  A pattern that needs PCRE2-only syntax (lookaround,\n"
             "atomic groups, possessive quantifiers, back references) or a line break is\n"
             "skipped with a comment on stderr.",
    .opts = cmd_rules_export_opts,
    .run = cmd_rules_export_run,
    .parent = &cmd_rules_entry,
};

static const struct cli_cmd *const rules_actions[] = {
    &rules_list_entry, &rules_check_entry,  &rules_test_entry,
    &rules_try_entry,  &rules_export_entry, NULL,
};

const struct cli_cmd cmd_rules_entry = {
    .name = "rules",
    .summary = "list, check or test the rule packs",
    .usage = "rules list  [--rules DIR]... [--format text|json] [--origin] [FILE...]\n"
             "       dextwatch rules check [--rules DIR]... [FILE...]\n"
             "       dextwatch rules test  [--rules DIR]... [FILE...]\n"
             "       dextwatch rules try   [--rules DIR]... [--style S] [--all] FILE|- [REGEX]\n"
             "       dextwatch rules export [--rules DIR]... --format rg",
    .epilog = "Rules come in layers: the shipped packs, then the user's directory\n"
              "($XDG_CONFIG_HOME/dextwatch/rules, else ~/.config/dextwatch/rules), then each\n"
              "--rules DIR in order.  A rule whose id a later layer defines again is\n"
              "replaced by it, and the later layers' rules are tried first.\n"
              "--no-default-rules keeps only the --rules directories.\n"
              "FILE... means only these pack files (code tables still come from the first\n"
              "layer's codes/).  The rule schema is described in rules/README.md.",
    .actions = rules_actions,
};

/* Prints each error to stderr, made safe for a terminal. */
static void print_errors(const struct dw_errors *err)
{
    struct dw_buf b = {0};
    for (size_t i = 0; i < err->n; i++) {
        buf_reset(&b);
        dw_escape_term(&b, err->msgs[i], strlen(err->msgs[i]));
        cli_error("%s", buf_cstr(&b));
    }
    buf_free(&b);
}

/* The layers, or only the given pack files plus the first layer's codes/. */
static struct dw_ruleset *load(const struct cli_rules *rules, char **files, int nfiles,
                               struct dw_errors *err)
{
    if (nfiles == 0)
        return ruleset_load_layers(rules->layers, rules->nlayers, err);
    const char *dir = rules->layers[0].dir;
    struct dw_ruleset *rs = ruleset_new();
    rs->dir = xstrdup(dir);
    struct dw_buf path = {0};
    buf_printf(&path, "%s/codes", dir);
    struct dw_codes *codes = codes_load_dir(buf_cstr(&path), err);
    buf_free(&path);
    int failed = codes == NULL;
    if (codes) {
        codes_free(rs->codes);
        rs->codes = codes;
    }
    for (int i = 0; i < nfiles; i++)
        if (ruleset_add_file(rs, files[i], err) != 0)
            failed = 1;
    if (failed) {
        ruleset_free(rs);
        return NULL;
    }
    return rs;
}

static size_t count_tables(const struct dw_codes *c)
{
    size_t n = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < codes_count(c); i++) {
        const char *t = codes_at(c, i)->table;
        if (!prev || strcmp(prev, t) != 0)
            n++; /* tables are loaded one after the other, so runs are whole tables */
        prev = t;
    }
    return n;
}

static const char *pack_of(const struct dw_ruleset *rs, size_t rule)
{
    for (size_t p = 0; p < rs->npacks; p++)
        if (rule >= rs->packs[p].first_rule && rule < rs->packs[p].first_rule + rs->packs[p].nrules)
            return rs->packs[p].name;
    return "";
}

/* One line per rule: id, class, severity, priority, pack; with origin, the
 * rule's file:line and what it overrides. */
static int list_rules(const struct dw_ruleset *rs, bool json, bool origin)
{
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < rs->nrules; i++) {
            const struct dw_rule *r = &rs->rules[i];
            json_t *lits = json_array();
            for (size_t k = 0; k < r->nliterals; k++)
                json_array_append_new(lits, json_string(r->literals[k]));
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:o, s:b}",
                                                 "id", r->id, "class", r->class_name, "severity",
                                                 dw_severity_name(r->severity), "priority",
                                                 r->priority, "pack", pack_of(rs, i), "file",
                                                 r->file, "line", r->src_line, "literals", lits,
                                                 "literals_declared", r->literals_declared));
            json_object_set_new(json_array_get(arr, i), "overrides",
                                r->overrides ? json_string(r->overrides) : json_null());
        }
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(arr);
        return DW_EXIT_OK;
    }
    struct dw_buf b = {0}, esc = {0};
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        const char *pack = pack_of(rs, i);
        buf_reset(&b);
        buf_printf(&b, "%-36s %-40s %-8s %4d  ", r->id, r->class_name,
                   dw_severity_name(r->severity), r->priority);
        buf_puts(&b, pack);
        if (origin) {
            buf_printf(&b, "  %s:%d", r->file, r->src_line);
            if (r->overrides)
                buf_printf(&b, "  overrides %s", r->overrides);
        }
        buf_reset(&esc);
        dw_escape_term(&esc, buf_cstr(&b), b.len);
        printf("%s\n", buf_cstr(&esc));
    }
    buf_free(&b);
    buf_free(&esc);
    return DW_EXIT_OK;
}

/* `rules check` info: rules without literals see every line (slow path);
 * say so, with the place to add `literals:`. */
static void report_literals(const struct dw_ruleset *rs)
{
    size_t declared = 0, derived = 0, none = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        if (r->nliterals == 0) {
            none++;
            printf("info: %s:%d:%d: rule '%s': no literal could be derived from the pattern; "
                   "declare `literals:` so the prefilter can skip lines\n",
                   r->file, r->src_line, r->src_col, r->id);
        } else if (r->literals_declared) {
            declared++;
        } else {
            derived++;
        }
    }
    printf("literals: %zu derived, %zu declared, %zu rule%s without\n", derived, declared, none,
           none == 1 ? "" : "s");
}

/* Cases the self-test runs: each example and counterexample, and one for a
 * rule without examples (it fails). */
static size_t count_cases(const struct dw_ruleset *rs)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        n += (rs->rules[i].nexamples ? rs->rules[i].nexamples : 1) + rs->rules[i].ncounterexamples;
    return n;
}

/* Rules whose matches hit a PCRE2 limit, one error line each; their number. */
static size_t report_limit_hits(const struct dw_ruleset *rs)
{
    struct dw_errors hits = {0};
    size_t n = ruleset_limit_report(rs, &hits);
    print_errors(&hits);
    dw_errors_clear(&hits);
    return n;
}

static int test_rules(struct dw_ruleset *rs)
{
    struct dw_errors err = {0};
    size_t failed = ruleset_self_test(rs, reader_read_plain_line, &err);
    struct dw_buf b = {0};
    for (size_t i = 0; i < err.n; i++) {
        buf_reset(&b);
        dw_escape_term(&b, err.msgs[i], strlen(err.msgs[i]));
        printf("%s\n", buf_cstr(&b));
    }
    buf_free(&b);
    dw_errors_clear(&err);
    size_t total = count_cases(rs);
    printf("%zu passed, %zu failed\n", total > failed ? total - failed : 0, failed);
    return failed ? DW_EXIT_FOUND : DW_EXIT_OK;
}

/* `rules check`: the literals, then the examples through the rules only to
 * catch patterns that hit the PCRE2 limits (catastrophic backtracking). */
static int check_rules(struct dw_ruleset *rs)
{
    report_literals(rs);
    struct dw_errors quiet = {0};
    ruleset_self_test(rs, reader_read_plain_line, &quiet);
    dw_errors_clear(&quiet);
    if (report_limit_hits(rs))
        return DW_EXIT_USAGE;
    printf("%zu rules in %zu pack%s, %zu code tables: ok\n", rs->nrules, rs->npacks,
           rs->npacks == 1 ? "" : "s", count_tables(rs->codes));
    return DW_EXIT_OK;
}

/* list, check and test: argv[0] is the action. */
static int rules_action(const struct cli_cmd *self, int argc, char **argv)
{
    struct cli_rules rules = {0};
    bool json = false, origin = false;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;) {
        if (cli_rules_option(&rules, &p, o))
            continue;
        if (o == RULES_FORMAT)
            json = strcmp(p.arg, "json") == 0;
        else if (o == RULES_ORIGIN)
            origin = true;
    }
    if (p.status < 0 && cli_rules_resolve(&rules) != 0)
        p.status = DW_EXIT_USAGE;
    if (p.status >= 0) {
        cli_rules_free(&rules);
        return p.status;
    }
    struct dw_errors err = {0};
    struct dw_ruleset *rs = load(&rules, argv + p.optind, argc - p.optind, &err);
    int status;
    if (!rs) {
        print_errors(&err);
        cli_error("rules %s: %zu error%s", self->name, err.n, err.n == 1 ? "" : "s");
        status = DW_EXIT_USAGE;
    } else if (self == &rules_list_entry) {
        status = list_rules(rs, json, origin);
    } else if (self == &rules_check_entry) {
        status = check_rules(rs);
    } else {
        status = test_rules(rs);
        if (report_limit_hits(rs) && status == DW_EXIT_OK)
            status = DW_EXIT_FOUND;
    }
    ruleset_free(rs);
    dw_errors_clear(&err);
    cli_rules_free(&rules);
    return status;
}
