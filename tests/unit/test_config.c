/* test_config.c - .dextwatch.yaml: entries, errors with file:line:col, checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static struct dw_config *parse(const char *text, struct dw_errors *err)
{
    return config_parse(".dextwatch.yaml", text, strlen(text), err);
}

static void test_valid(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_config *c = parse("version: 1\n"
                                "rules:\n"
                                "  - id: a.one\n"
                                "    disable: true\n"
                                "    reason: noisy\n"
                                "  - {id: a.two, severity: warning, reason: 'known, fine'}\n",
                                &err);
    assert_non_null(c);
    assert_int_equal(c->nrules, 2);
    const struct dw_config_rule *r = config_rule(c, "a.one");
    assert_non_null(r);
    assert_true(r->disable);
    assert_int_equal(r->line, 3);
    assert_int_equal(r->col, 5);
    r = config_rule(c, "a.two");
    assert_false(r->disable);
    assert_int_equal(r->severity, DW_SEV_WARNING);
    assert_string_equal(r->reason, "known, fine");
    assert_null(config_rule(c, "a.three"));
    assert_null(config_rule(NULL, "a.one"));
    config_free(c);
    /* empty files and an empty rules list are fine */
    c = parse("", &err);
    assert_non_null(c);
    config_free(c);
    c = parse("# nothing yet\nrules:\n", &err);
    assert_non_null(c);
    assert_int_equal(c->nrules, 0);
    config_free(c);
    assert_int_equal(err.n, 0);
}

static void expect_error(const char *text, const char *message)
{
    struct dw_errors err = {0};
    struct dw_config *c = parse(text, &err);
    assert_null(c);
    assert_true(err.n >= 1);
    assert_string_equal(err.msgs[0], message);
    dw_errors_clear(&err);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("rules:\n  - id: x\n    disable: true\n",
                 ".dextwatch.yaml:2:5: rule 'x' needs a reason");
    expect_error("rules:\n  - id: x\n    reason: r\n",
                 ".dextwatch.yaml:2:5: rule 'x': give disable: true or a severity");
    expect_error("rules:\n  - id: x\n    disable: true\n    severity: info\n    reason: r\n",
                 ".dextwatch.yaml:2:5: rule 'x': disable and severity exclude each other");
    expect_error(
        "rules:\n  - id: x\n    severity: loud\n    reason: r\n",
        ".dextwatch.yaml:3:15: severity must be info, warning, error or critical, not 'loud'");
    expect_error("rules:\n  - id: x\n    disable: yes please\n    reason: r\n",
                 ".dextwatch.yaml:3:14: disable must be true or false, not 'yes please'");
    expect_error("rules:\n  - id: x\n    disabled: true\n    reason: r\n",
                 ".dextwatch.yaml:3:5: unknown key 'disabled' (id, disable, severity, reason)");
    expect_error("rule:\n  - id: x\n", ".dextwatch.yaml:1:1: unknown key 'rule' (version, rules)");
    expect_error("version: 2\n",
                 ".dextwatch.yaml:1:10: version '2' is not supported (this dextwatch reads 1)");
    expect_error("rules: {id: x}\n", ".dextwatch.yaml:1:8: rules must be a list");
    expect_error("- a\n", ".dextwatch.yaml:1:1: expected a mapping with 'version' and 'rules'");
    expect_error(
        "rules:\n  - {id: x, disable: true, reason: r}\n  - {id: x, disable: true, reason: r}\n",
        ".dextwatch.yaml:3:5: rule 'x' is listed twice");
    expect_error("rules:\n  - id: [x]\n    disable: true\n    reason: r\n",
                 ".dextwatch.yaml:2:9: id must be a string");
    struct dw_errors err = {0};
    assert_null(parse("rules: [\n", &err));
    assert_non_null(strstr(err.msgs[0], ".dextwatch.yaml:2:1: "));
    dw_errors_clear(&err);
}

static void test_check_against_rules(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_dir(DW_SOURCE_DIR "/tests/golden/rules", &err);
    assert_non_null(rs);
    struct dw_config *c = parse("rules:\n"
                                "  - {id: g.exit, severity: warning, reason: r}\n"
                                "  - {id: g.nope, disable: true, reason: r}\n"
                                "  - {id: g.basic-requirement, severity: critical, reason: r}\n",
                                &err);
    assert_non_null(c);
    assert_int_equal(config_check(c, rs, &err), -1);
    assert_int_equal(err.n, 2);
    assert_string_equal(err.msgs[0], ".dextwatch.yaml:3:5: no rule 'g.nope' in the rule packs");
    assert_string_equal(err.msgs[1], ".dextwatch.yaml:4:5: rule 'g.basic-requirement' is "
                                     "warning: a config may only lower a severity, not raise "
                                     "it to critical");
    dw_errors_clear(&err);
    config_free(c);
    ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_check_against_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
