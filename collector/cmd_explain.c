/* cmd_explain.c - `dextwatch explain CODE|SYMBOL|RULE|CLASS`: offline help for
 * an error code (any shipped table, by value or symbol), a rule id or a
 * finding class.
 *
 * A code may be written as it appears in logs (-67050, 0xe00002e2), or with a
 * domain or table prefix (OSSystemExtensionErrorDomain:8, sysext:8,
 * kern-return-codes:5), by its symbol, or by the text kext tools print for it
 * ("(libkern/kext) link error", "(os/kern) failure").  The output is the decoding, the table's
 * context line (what the code usually means for a dext; data from the table file) and the
 * remediation of the rules that report it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "platform.h"
#include "reader.h"
#include "report.h"
#include "rules.h"

enum { EXPLAIN_RULES, EXPLAIN_NO_DEFAULT_RULES, EXPLAIN_HELP };
static const struct cli_opt explain_opts[] = {
    [EXPLAIN_RULES] = CLI_OPT_RULES,
    [EXPLAIN_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [EXPLAIN_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_explain(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_explain_entry = {
    .name = "explain",
    .summary = "explain an error code, a rule or a class, offline",
    .usage = "explain [--rules DIR]... [--no-default-rules] CODE|SYMBOL|RULE|CLASS",
    .about =
        "  CODE    an error code as logged (-67050, 0xe00002e2, 8), or DOMAIN:VALUE\n"
        "          (OSSystemExtensionErrorDomain:8, sysext:8, AppleMobileFileIntegrityError:-413,\n"
        "          amfi:-413, KMErrorDomain:29, or a table name such as kern-return-codes:5)\n"
        "          or the text kext tools print for it ('(libkern/kext) link error',\n"
        "          '(os/kern) failure'): exact first, else ignoring case; a final '.' is ignored\n"
        "  SYMBOL  a code's symbol (errSecCSReqFailed, kIOReturnNotPermitted): exact\n"
        "          spelling first, else ignoring case\n"
        "  RULE    a rule id (dk.provider-entitlements)\n"
        "  CLASS   a finding class (entitlement.provider-check): lists its rules",
    .opts = explain_opts,
    .operands = "CODE|SYMBOL|RULE|CLASS",
    .epilog = "A negative number is an operand, not an option. Exit status 2 for unknown input\n"
              "(with the nearest symbol, rule id or class when one is close).",
    .run = cmd_explain,
};

/* Domain names and short aliases for the code tables. */
static const struct {
    const char *alias;
    const char *table;
} table_aliases[] = {
    {"OSSystemExtensionErrorDomain", "sysext-errors"},
    {"sysext", "sysext-errors"},
    {"AppleMobileFileIntegrityError", "amfi-errors"},
    {"amfi", "amfi-errors"},
    {"NSOSStatusErrorDomain", NULL}, /* OSStatus: any table */
    {"OSStatus", NULL},
    {"codesign", "codesign-errors"},
    {"errSecCS", "codesign-errors"},
    {"IOReturn", "ioreturn-codes"},
    {"ioreturn", "ioreturn-codes"},
    {"kern_return_t", "kern-return-codes"},
    {"kern", "kern-return-codes"},
    {"mach", "kern-return-codes"},
    {"OSKextReturn", "oskext-codes"},
    {"oskext", "oskext-codes"},
    {"security", "security-errors"},
    {"KMErrorDomain", "kmerror-codes"},
    {"kernelmanagerd.KMError", "kmerror-codes"},
    {"kmerror", "kmerror-codes"},
};

/* Prints multi-line text, each line escaped and after indent. */
static void print_indented(const char *text, const char *indent)
{
    struct dw_buf b = {0};
    report_text_lines(&b, text, indent);
    fputs(buf_cstr(&b), stdout);
    buf_free(&b);
}

static void print_rule(const struct dw_rule *r, bool full)
{
    printf("%s  (%s, %s, pack %s)\n", r->id, r->class_name, dw_severity_name(r->severity), r->file);
    print_indented(r->summary, "    ");
    if (full && r->remediation) {
        printf("\n");
        print_indented(r->remediation, "    ");
    }
    if (full) {
        printf("    references:\n");
        for (size_t i = 0; i < r->nreferences; i++)
            printf("      %s\n", r->references[i]);
    }
}

struct example_decodes {
    struct dw_ruleset *rs;
    const struct dw_code *code;
    bool hit;
};

static void example_event(const struct dw_event *ev, void *ctx)
{
    struct example_decodes *x = ctx;
    struct dw_finding *f = ruleset_classify(x->rs, ev);
    for (size_t i = 0; f && i < f->ndecoded; i++)
        if (strcmp(f->decoded[i].name, x->code->name) == 0)
            x->hit = true;
    finding_free(f);
}

/* True when one of the rule's examples, classified, decodes to code. */
static bool rule_example_decodes(struct dw_ruleset *rs, const struct dw_rule *r,
                                 const struct dw_code *code)
{
    struct example_decodes x = {rs, code, false};
    for (size_t i = 0; i < r->nexamples && !x.hit; i++) {
        struct dw_reader *rd = reader_new(r->file, DW_STYLE_PLAIN, example_event, &x);
        reader_feed(rd, r->examples[i].line, strlen(r->examples[i].line));
        reader_feed(rd, "\n", 1);
        reader_finish(rd);
        reader_free(rd);
    }
    return x.hit;
}

static bool rule_decodes_table(const struct dw_rule *r, const char *table)
{
    for (size_t i = 0; i < r->ndecodes; i++)
        if (strcmp(r->decodes[i].table, table) == 0)
            return true;
    return false;
}

/* Prints one code with its context and the rules that report it. */
static void explain_code(struct dw_ruleset *rs, const struct dw_code *c)
{
    printf("%s  %s  (table %s, class %s)\n", c->text, c->name, c->table, c->class_name);
    print_indented(c->meaning, "  ");
    if (c->printed_as[0] && strcmp(c->printed_as, c->meaning) != 0) {
        printf("  Printed as: ");
        print_indented(c->printed_as, "");
    }
    const char *ctx = codes_table_context(rs->codes, c->table);
    if (ctx) {
        printf("  For a dext: ");
        print_indented(ctx, "");
    }
    size_t shown = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        if (rule_example_decodes(rs, &rs->rules[i], c)) {
            printf(shown++ ? "\n" : "\nReported by:\n");
            print_rule(&rs->rules[i], true);
        }
    if (shown)
        return;
    /* No example shows this very code: name the rules that decode its table. */
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        bool decodes = rule_decodes_table(r, c->table);
        for (size_t k = 0; !decodes && k < r->nexamples; k++) {
            const struct dw_code *any = NULL;
            for (size_t j = 0; !any && j < codes_count(rs->codes); j++) {
                const struct dw_code *e = codes_at(rs->codes, j);
                if (strcmp(e->table, c->table) == 0 && strstr(r->examples[k].line, e->text))
                    any = e;
            }
            decodes = any && rule_example_decodes(rs, r, any);
        }
        if (decodes) {
            printf(shown++ ? "\n" : "\nRules that report codes of this table:\n");
            print_rule(r, true);
        }
    }
    if (!shown)
        printf("\nNo shipped rule reports this code in its examples.\n");
}

/* Splits "DOMAIN:VALUE" into a table (NULL: any) and the value text.
 * Returns false when the prefix names no table. */
static bool split_domain(const struct dw_ruleset *rs, const char *arg, const char **table,
                         const char **value)
{
    const char *colon = strrchr(arg, ':');
    *table = NULL;
    *value = arg;
    if (!colon)
        return true;
    size_t n = (size_t)(colon - arg);
    *value = colon + 1;
    for (size_t i = 0; i < sizeof table_aliases / sizeof table_aliases[0]; i++)
        if (strlen(table_aliases[i].alias) == n && strncmp(table_aliases[i].alias, arg, n) == 0) {
            *table = table_aliases[i].table;
            return true;
        }
    for (size_t i = 0; i < codes_count(rs->codes); i++) {
        const char *t = codes_at(rs->codes, i)->table;
        if (strlen(t) == n && strncmp(t, arg, n) == 0) {
            *table = t;
            return true;
        }
    }
    return false;
}

/* Explains every table entry the value matches.  Returns the count. */
static size_t explain_value(struct dw_ruleset *rs, const char *table, const char *value)
{
    size_t found = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < codes_count(rs->codes); i++) {
        const char *t = codes_at(rs->codes, i)->table;
        if ((table && strcmp(t, table) != 0) || (prev && strcmp(prev, t) == 0))
            continue;
        prev = t;
        const struct dw_code *c = codes_lookup(rs->codes, t, value);
        if (c) {
            if (found++)
                printf("\n----\n\n");
            explain_code(rs, c);
        }
    }
    return found;
}

/* Explains the code rows whose symbol (errSecCSReqFailed) is arg: those
 * spelt exactly so, else those equal ignoring case.  Returns the count. */
static size_t explain_symbol(struct dw_ruleset *rs, const char *arg)
{
    for (int fold = 0; fold < 2; fold++) {
        size_t found = 0;
        for (size_t i = 0; i < codes_count(rs->codes); i++) {
            const struct dw_code *c = codes_at(rs->codes, i);
            if (!c->name[0] || (fold ? strcasecmp(c->name, arg) : strcmp(c->name, arg)) != 0)
                continue;
            if (found++)
                printf("\n----\n\n");
            explain_code(rs, c);
        }
        if (found)
            return found;
    }
    return 0;
}

/* Edit distance of a and b ignoring case, or limit + 1 once it is sure to
 * exceed limit (so a long name costs little). */
static size_t fold_distance(const char *a, const char *b, size_t limit)
{
    size_t na = strlen(a), nb = strlen(b);
    if ((na > nb ? na - nb : nb - na) > limit || nb > 255)
        return limit + 1;
    size_t row[256];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0], best = row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t sub =
                diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            size_t v = sub < up + 1 ? sub : up + 1;
            row[j] = v < row[j - 1] + 1 ? v : row[j - 1] + 1;
            diag = up;
            if (row[j] < best)
                best = row[j];
        }
        if (best > limit)
            return limit + 1;
    }
    return row[nb];
}

/* The code symbol, rule id or class nearest arg (a typo of it), or NULL when
 * none is within a quarter of arg's length (at least 2 edits). */
static const char *nearest_name(const struct dw_ruleset *rs, const char *arg)
{
    size_t limit = strlen(arg) / 4 > 2 ? strlen(arg) / 4 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    size_t ncodes = codes_count(rs->codes);
    for (size_t i = 0; i < ncodes + 2 * rs->nrules; i++) {
        const char *name = i < ncodes ? codes_at(rs->codes, i)->name
                           : i < ncodes + rs->nrules
                               ? rs->rules[i - ncodes].id
                               : rs->rules[i - ncodes - rs->nrules].class_name;
        size_t d = name[0] ? fold_distance(arg, name, limit) : limit + 1;
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    }
    return best;
}

static bool class_matches(const char *cls, const char *want)
{
    size_t n = strlen(want);
    return strncmp(cls, want, n) == 0 && (cls[n] == '\0' || cls[n] == '.');
}

static int explain(struct dw_ruleset *rs, const char *arg)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, arg) == 0) {
            print_rule(&rs->rules[i], true);
            if (rs->rules[i].nexamples) {
                printf("    example:\n");
                print_indented(rs->rules[i].examples[0].line, "      ");
            }
            return DW_EXIT_OK;
        }
    size_t nclass = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        if (class_matches(rs->rules[i].class_name, arg)) {
            if (nclass++ == 0)
                printf("Rules of class %s:\n\n", arg);
            else
                printf("\n");
            print_rule(&rs->rules[i], false);
        }
    if (nclass) {
        printf("\n%zu rule%s. `dextwatch explain RULE` prints a rule's remediation.\n", nclass,
               nclass == 1 ? "" : "s");
        return DW_EXIT_OK;
    }
    const char *table, *value;
    if (split_domain(rs, arg, &table, &value) && explain_value(rs, table, value))
        return DW_EXIT_OK;
    if (explain_symbol(rs, arg))
        return DW_EXIT_OK;
    const struct dw_code *printed = codes_lookup_printed(rs->codes, NULL, arg);
    if (printed) {
        explain_code(rs, printed);
        return DW_EXIT_OK;
    }
    const char *near = nearest_name(rs, arg);
    struct dw_buf b = {0};
    dw_escape_term(&b, arg, strlen(arg));
    if (near)
        cli_error("explain: '%s' is not a code, code symbol, rule id or class; did you mean '%s'?",
                  buf_cstr(&b), near);
    else
        cli_error("explain: '%s' is not a code, code symbol, rule id or class "
                  "(see `dextwatch rules list`)",
                  buf_cstr(&b));
    buf_free(&b);
    return DW_EXIT_USAGE;
}

/* Options by hand: a negative number (-67050) is the operand, which getopt
 * would take for options.  Fills rules and *operand; -1 to go on, else the
 * exit status. */
static int explain_options(const struct cli_cmd *self, int argc, char **argv,
                           struct cli_rules *rules, const char **operand)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool negative_number = a[0] == '-' && a[1] >= '0' && a[1] <= '9';
        if (strcmp(a, "--") == 0) {
            if (i + 1 < argc && !*operand)
                *operand = argv[++i];
            if (i + 1 < argc)
                return cli_usage_error(self, "one operand expected");
            break;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_help(self, stdout);
            return DW_EXIT_OK;
        } else if (strcmp(a, "--rules") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error(self, "option '--rules' needs an argument (DIR)");
            cli_rules_add(rules, argv[++i]);
        } else if (strncmp(a, "--rules=", 8) == 0) {
            cli_rules_add(rules, a + 8);
        } else if (strcmp(a, "--no-default-rules") == 0) {
            rules->no_default = true;
        } else if (a[0] == '-' && a[1] && !negative_number) {
            return cli_usage_error(self, "unknown option '%s'", a);
        } else if (*operand) {
            return cli_usage_error(self, "one operand expected");
        } else {
            *operand = a;
        }
    }
    if (!*operand)
        return cli_usage_error(self, "give a CODE, SYMBOL, RULE or CLASS");
    return -1;
}

static int cmd_explain(const struct cli_cmd *self, int argc, char **argv)
{
    const char *operand = NULL;
    struct cli_rules rules = {0};
    int status = explain_options(self, argc, argv, &rules, &operand);
    struct dw_ruleset *rs = status >= 0 ? NULL : cli_load_rules(&rules);
    cli_rules_free(&rules);
    if (status >= 0)
        return status;
    status = rs ? explain(rs, operand) : DW_EXIT_USAGE;
    ruleset_free(rs);
    return status;
}
