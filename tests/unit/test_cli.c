/* test_cli.c - the table-driven command line (cli.c): options by index,
 * enumerations checked, one-line usage errors with a hint, generated help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "reader.h"
#include "report.h"
#include "verdict.h"

enum { T_DB, T_STYLE, T_QUIET, T_HELP };
static const struct cli_opt t_opts[] = {
    [T_DB] = {"db", 0, "PATH", NULL, "database"},
    [T_STYLE] = {"style", 0, "S", "auto|plain", "style,\nsecond line"},
    [T_QUIET] = {"quiet", 'q', NULL, NULL, "no summary"},
    [T_HELP] = CLI_OPT_HELP,
    {0},
};
/* 7 when the command runs with its own entry as self */
static int t_run(const struct cli_cmd *self, int argc, char **argv)
{
    (void)argc;
    if (!self || !self->opts)
        return -1;
    (void)argv;
    return 7;
}
static const struct cli_cmd t_cmd = {.name = "tcmd",
                                     .summary = "a test command",
                                     .usage = "tcmd [--db PATH] [--style S] [-q] FILE",
                                     .about = "About it.",
                                     .opts = t_opts,
                                     .operands = "FILE",
                                     .epilog = "Exit status: 7.",
                                     .run = t_run};
extern const struct cli_cmd t_parent;
static const struct cli_cmd t_action = {.name = "act",
                                        .summary = "an action",
                                        .usage = "tparent act",
                                        .opts = t_opts,
                                        .run = t_run,
                                        .parent = &t_parent};
static const struct cli_cmd *const t_actions[] = {&t_action, NULL};
const struct cli_cmd t_parent = {
    .name = "tparent", .summary = "has actions", .usage = "tparent act", .actions = t_actions};

/* cli.c's overview lists this table (main.c's in the program). */
const struct cli_cmd *const cli_commands[] = {&t_cmd, &t_parent, NULL};

/* Runs fn with stderr going to a temporary file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void *), void *ctx)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn(ctx);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    long n = ftell(tmp);
    char *text = xcalloc((size_t)n + 1, 1);
    rewind(tmp);
    assert_int_equal(fread(text, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return text;
}

struct parse_run {
    char **argv;
    int argc;
    int got[8], ngot;
    const char *args[8];
    int status, optind;
};

static const struct cli_cmd t_bare = {.name = "tbare", .usage = "tbare [-q]", .opts = t_opts};

static void parse_all(void *ctx)
{
    struct parse_run *r = ctx;
    struct cli_parser p;
    cli_parse_begin(&p, strcmp(r->argv[0], "tbare") == 0 ? &t_bare : &t_cmd, r->argc, r->argv);
    for (int o; (o = cli_next(&p)) >= 0;) {
        r->args[r->ngot] = p.arg;
        r->got[r->ngot++] = o;
    }
    r->status = p.status;
    r->optind = p.optind;
}

static char *parse(struct parse_run *r, char **argv)
{
    memset(r, 0, sizeof *r);
    r->argv = argv;
    while (argv[r->argc])
        r->argc++;
    return capture_stderr(parse_all, r);
}

static void test_options_by_index(void **state)
{
    (void)state;
    char *argv[] = {"tcmd", "--db", "x.db", "a.log", "-q", "--style=plain", NULL};
    struct parse_run r;
    char *err = parse(&r, argv);
    assert_string_equal(err, "");
    assert_int_equal(r.status, -1);
    assert_int_equal(r.ngot, 3);
    assert_int_equal(r.got[0], T_DB);
    assert_string_equal(r.args[0], "x.db");
    assert_int_equal(r.got[1], T_QUIET);
    assert_null(r.args[1]);
    assert_int_equal(r.got[2], T_STYLE);
    assert_string_equal(r.args[2], "plain");
    assert_string_equal(argv[r.optind], "a.log"); /* operands after the options */
    assert_int_equal(r.optind, r.argc - 1);
    free(err);
}

static void test_usage_errors_are_one_line_and_a_hint(void **state)
{
    (void)state;
    struct parse_run r;
    char *argv1[] = {"tcmd", "--x=1", "a", NULL};
    char *err = parse(&r, argv1);
    assert_int_equal(r.status, DW_EXIT_USAGE);
    assert_string_equal(err, "dextwatch tcmd: unknown option '--x'\n"
                             "Try 'dextwatch help tcmd'.\n");
    free(err);
    char *argv2[] = {"tcmd", "-z", NULL};
    err = parse(&r, argv2);
    assert_string_equal(err, "dextwatch tcmd: unknown option '-z'\n"
                             "Try 'dextwatch help tcmd'.\n");
    free(err);
    char *argv3[] = {"tcmd", "--style", "junit", NULL};
    err = parse(&r, argv3);
    assert_int_equal(r.status, DW_EXIT_USAGE);
    assert_int_equal(r.ngot, 0); /* a value not in the enumeration never reaches the command */
    assert_string_equal(err, "dextwatch tcmd: --style takes auto|plain, not 'junit'\n"
                             "Try 'dextwatch help tcmd'.\n");
    free(err);
    char *argv5[] = {"tbare", "-q", "extra", NULL}; /* a command without operands */
    err = parse(&r, argv5);
    assert_int_equal(r.status, DW_EXIT_USAGE);
    assert_string_equal(err, "dextwatch tbare: unexpected argument 'extra'\n"
                             "Try 'dextwatch help tbare'.\n");
    free(err);
    char *argv4[] = {"tcmd", "--db", NULL};
    err = parse(&r, argv4);
    assert_int_equal(r.status, DW_EXIT_USAGE);
    assert_string_equal(err, "dextwatch tcmd: option '--db' needs an argument (PATH)\n"
                             "Try 'dextwatch help tcmd'.\n");
    free(err);
}

static void test_help(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    cli_help(&t_cmd, f);
    long n = ftell(f);
    char *text = xcalloc((size_t)n + 1, 1);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    assert_string_equal(text, "usage: dextwatch tcmd [--db PATH] [--style S] [-q] FILE\n"
                              "\n"
                              "About it.\n"
                              "\n"
                              "      --db PATH         database\n"
                              "      --style S         style,\n"
                              "                        second line\n"
                              "  -q, --quiet           no summary\n"
                              "  -h, --help            this help\n"
                              "\n"
                              "Exit status: 7.\n");
    free(text);
}

static void test_actions(void **state)
{
    (void)state;
    char *argv[] = {"tparent", "act", "a", NULL};
    assert_int_equal(cli_run(&t_parent, 3, argv), 7);
    assert_ptr_equal(cli_find(t_actions, "act"), &t_action);
    assert_null(cli_find(t_actions, "nope"));
    struct dw_buf path = {0};
    cli_cmd_path(&t_action, &path);
    assert_string_equal(path.data, "dextwatch tparent act");
    buf_free(&path);
}

/* The enumerations the tables use are exactly what the parsers accept. */
static void test_enumerations_match_parsers(void **state)
{
    (void)state;
    assert_true(cli_value_in("a|bb|c", "bb"));
    assert_false(cli_value_in("a|bb|c", "b"));
    assert_false(cli_value_in("a|bb|c", ""));
    assert_false(cli_value_in(NULL, "a"));
    const char *lists[] = {CLI_STYLE_VALUES, DW_FORMAT_NAMES, DW_FAIL_ON_NAMES};
    for (int k = 0; k < 3; k++) {
        char *copy = xstrdup(lists[k]);
        for (char *save, *v = strtok_r(copy, "|", &save); v; v = strtok_r(NULL, "|", &save)) {
            enum dw_style s;
            enum dw_format f;
            enum dw_fail_on o;
            int ok = k == 0   ? dw_style_parse(v, &s)
                     : k == 1 ? dw_format_parse(v, &f)
                              : verdict_fail_on_parse(v, &o);
            assert_int_equal(ok, 0);
        }
        free(copy);
    }
    assert_int_equal(dw_style_parse("nope", &(enum dw_style){0}), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_by_index),
        cmocka_unit_test(test_usage_errors_are_one_line_and_a_hint),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_enumerations_match_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
