/* test_rules_alias.c - rules/aliases.tsv: parsing and its errors, chains, the check against
 * a rule set, the shipped table against the shipped rules, baseline entries renamed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "baseline.h"
#include "rules_alias.h"

static int parse(struct dw_rule_aliases *a, const char *text, struct dw_errors *err)
{
    return rule_aliases_parse(a, "aliases.tsv", text, strlen(text), err);
}

static void test_parse_and_resolve(void **state)
{
    (void)state;
    struct dw_rule_aliases a = {0};
    struct dw_errors err = {0};
    assert_int_equal(parse(&a,
                           "# comment\n\n"
                           "rule\tdk.a\tdk.b\t2026-12-03\t0.1.0\n"
                           "rule\tdk.b\tdk.c\t2027-01-02\t0.2.0\r\n"
                           "class\told.class\tdext.exit\t2026-12-03\t0.1.0",
                           &err),
                     0);
    assert_int_equal(err.n, 0);
    assert_int_equal(a.n, 3);
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_RULE, "dk.a"), "dk.c"); /* a chain */
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_RULE, "dk.b"), "dk.c");
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_RULE, "dk.c"), "dk.c");
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_CLASS, "old.class"), "dext.exit");
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_RULE, "old.class"), "old.class");
    assert_string_equal(rule_aliases_resolve(NULL, DW_ALIAS_RULE, "dk.a"), "dk.a");
    const struct dw_alias *x = rule_aliases_find(&a, DW_ALIAS_RULE, "dk.b");
    assert_non_null(x);
    assert_int_equal(x->line, 4);
    assert_string_equal(x->version, "0.2.0");
    rule_aliases_free(&a);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"rule\tdk.a\tdk.b\t2026-12-03\n", "aliases.tsv:1: expected 5 tab-separated fields"},
        {"rule\tdk.a\tdk.b\t2026-12-03\t0.1\tx\n", "aliases.tsv:1: expected 5 tab-separated"},
        {"id\tdk.a\tdk.b\t2026-12-03\t0.1\n", "aliases.tsv:1: kind must be rule or class"},
        {"rule\tDK.A\tdk.b\t2026-12-03\t0.1\n", "aliases.tsv:1: old and new names are"},
        {"rule\tdk.a\tdk.a\t2026-12-03\t0.1\n", "aliases.tsv:1: 'dk.a' renamed to itself"},
        {"rule\tdk.a\tdk.b\t3 Dec 2026\t0.1\n", "aliases.tsv:1: changed must be YYYY-MM-DD"},
        {"rule\tdk.a\tdk.b\t2026-12-03\t0.1\nrule\tdk.a\tdk.c\t2026-12-03\t0.1\n",
         "aliases.tsv:2: rule 'dk.a' is renamed already at line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dw_rule_aliases a = {0};
        struct dw_errors err = {0};
        assert_int_equal(parse(&a, cases[i].text, &err), -1);
        assert_int_equal(err.n, 1);
        if (strncmp(err.msgs[0], cases[i].message, strlen(cases[i].message)) != 0)
            fail_msg("case %zu: got '%s'", i, err.msgs[0]);
        dw_errors_clear(&err);
        rule_aliases_free(&a);
    }
}

/* The shipped table loads and agrees with the shipped rules; a bad table does not. */
static void test_check_against_rules(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_dir(DW_SOURCE_DIR "/rules", &err);
    assert_non_null(rs);
    struct dw_rule_aliases a = {0};
    assert_int_equal(rule_aliases_load_dir(&a, DW_SOURCE_DIR "/rules", &err), 0);
    assert_true(a.n >= 4);
    assert_int_equal(rule_aliases_check(&a, rs, &err), 0);
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_CLASS, "kext.load-failed.signature"),
                        "codesign.invalid-signature");
    rule_aliases_free(&a);

    assert_int_equal(parse(&a,
                           "rule\tdk.gone\tdk.nowhere\t2026-12-03\t0.1.0\n"
                           "rule\tdk.requested-exit\tdk.x\t2026-12-03\t0.1.0\n"
                           "class\tx.y\tnot-a-class\t2026-12-03\t0.1.0\n"
                           "rule\tdk.l1\tdk.l2\t2026-12-03\t0.1.0\n"
                           "rule\tdk.l2\tdk.l1\t2026-12-03\t0.1.0\n",
                           &err),
                     0);
    assert_int_equal(rule_aliases_check(&a, rs, &err), -1);
    assert_int_equal(err.n, 5);
    assert_string_equal(err.msgs[0],
                        "aliases.tsv:1: rule 'dk.gone' -> 'dk.nowhere': no rule has the new id");
    assert_string_equal(err.msgs[1], "aliases.tsv:2: rule 'dk.requested-exit' -> 'dk.x': a rule "
                                     "still has the old id");
    assert_string_equal(err.msgs[2], "aliases.tsv:3: class 'x.y' -> 'not-a-class': the new "
                                     "class is not in the taxonomy");
    assert_string_equal(err.msgs[3], "aliases.tsv:4: rule 'dk.l1' -> 'dk.l2': its renames loop");
    assert_string_equal(rule_aliases_resolve(&a, DW_ALIAS_RULE, "dk.l1"), "dk.l1"); /* no hang */
    dw_errors_clear(&err);
    rule_aliases_free(&a);
    ruleset_free(rs);
}

static void test_baseline_entries_renamed(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    const char *text = "{\"dextwatch_baseline\": 1, \"entries\": ["
                       "{\"subject\": \"com.A\", \"rule\": \"dk.old\", \"class\": \"c.old\","
                       " \"note\": \"first\"},"
                       "{\"subject\": \"com.a\", \"rule\": \"dk.new\", \"note\": \"dup\"},"
                       "{\"subject\": \"com.B\", \"rule\": \"dk.same\", \"class\": \"c.old\"},"
                       "{\"subject\": \"com.C\", \"rule\": \"dk.same\"}]}";
    struct dw_baseline *b = baseline_parse("b.json", text, strlen(text), &err);
    assert_non_null(b);
    struct dw_rule_aliases a = {0};
    assert_int_equal(parse(&a,
                           "rule\tdk.old\tdk.new\t2026-12-03\t0.1.0\n"
                           "class\tc.old\tdext.exit\t2026-12-03\t0.1.0\n",
                           &err),
                     0);
    assert_non_null(baseline_match(b, "com.a", "dk.old"));
    assert_int_equal(baseline_resolve_aliases(b, &a), 2);
    assert_int_equal(b->n, 3); /* com.a's second entry repeats the renamed first */
    const struct dw_baseline_entry *e = baseline_match(b, "com.a", "dk.new");
    assert_non_null(e);
    assert_string_equal(e->note, "first");
    assert_string_equal(e->class_name, "dext.exit");
    assert_null(baseline_match(b, "com.a", "dk.old"));
    assert_string_equal(baseline_match(b, "com.b", "dk.same")->class_name, "dext.exit");
    assert_null(baseline_match(b, "com.c", "dk.same")->class_name);
    assert_int_equal(baseline_resolve_aliases(b, NULL), 0);
    baseline_free(b);
    rule_aliases_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_resolve),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_check_against_rules),
        cmocka_unit_test(test_baseline_entries_renamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
