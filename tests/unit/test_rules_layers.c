/* test_rules_layers.c - layered rule sets (rules.h: ruleset_load_layers):
 * override by id with its origin, later layers tried first, pack names kept
 * apart, a repeated directory, optional layers, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"

#define SHIPPED DW_SOURCE_DIR "/tests/golden/rules"

/* A rule for `DK: X-0xT: provider entitlements check failed` with summary
 * word, as a pack in dir/name. */
static void write_pack(const char *dir, const char *name, const char *id, const char *word)
{
    mkdir(dir, 0700);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "rules:\n"
            "  - id: %s\n"
            "    class: entitlement.provider-check\n"
            "    severity: warning\n"
            "    priority: 1\n"
            "    process: kernel\n"
            "    match: 'DK: (?<class>\\w+)-0x(?<tag>[0-9a-f]+): provider entitlements check "
            "failed'\n"
            "    summary: '%s {class}'\n"
            "    references: [test]\n"
            "    examples: ['kernel: DK: A-0x1: provider entitlements check failed']\n",
            id, word);
    fclose(f);
}

/* Removes dir/name for each name, then dir. */
static void remove_dir(const char *dir, const char *const *names)
{
    char path[700];
    for (; *names; names++) {
        snprintf(path, sizeof path, "%s/%s", dir, *names);
        unlink(path);
    }
    rmdir(dir);
}

static struct dw_ruleset *load(const struct dw_rule_layer *l, size_t n, struct dw_errors *err)
{
    struct dw_ruleset *rs = ruleset_load_layers(l, n, err);
    for (size_t i = 0; !rs && i < err->n; i++)
        print_error("%s\n", err->msgs[i]);
    return rs;
}

static const struct dw_rule *find(const struct dw_ruleset *rs, const char *id, size_t *at)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0) {
            *at = i;
            return &rs->rules[i];
        }
    return NULL;
}

static void test_override_and_order(void **state)
{
    (void)state;
    char tmp[] = "/tmp/dw-layers-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    write_pack(a, "golden.yaml", "g.provider-entitlements", "A"); /* same pack name as shipped */
    write_pack(b, "golden.yaml", "g.provider-entitlements", "B");
    write_pack(b, "extra.yaml", "b.new", "NEW");
    struct dw_rule_layer l[] = {{SHIPPED, false}, {a, false}, {b, false}};
    struct dw_errors err = {0};
    struct dw_ruleset *base = load(l, 1, &err);
    assert_non_null(base);
    struct dw_ruleset *rs = load(l, 3, &err);
    assert_non_null(rs);
    assert_int_equal(err.n, 0);
    /* one replacement: the count is the shipped one plus b.new */
    assert_int_equal(rs->nrules, base->nrules + 1);
    size_t at_b = 0, at_new = 0, at_exit = 0;
    const struct dw_rule *r = find(rs, "g.provider-entitlements", &at_b);
    assert_non_null(r);
    assert_non_null(strstr(r->summary, "B "));
    char want[700];
    snprintf(want, sizeof want, "%s/golden.yaml:2", a);
    assert_string_equal(r->overrides, want);
    /* later layers first: b's rules before the shipped ones */
    assert_non_null(find(rs, "b.new", &at_new));
    assert_non_null(find(rs, "g.exit", &at_exit));
    assert_true(at_b < at_exit && at_new < at_exit);
    assert_null(rs->rules[at_exit].overrides);
    /* pack names stay distinct; each pack's range covers its rules */
    for (size_t i = 0; i < rs->npacks; i++)
        for (size_t k = i + 1; k < rs->npacks; k++)
            assert_string_not_equal(rs->packs[i].name, rs->packs[k].name);
    size_t sum = 0;
    for (size_t i = 0; i < rs->npacks; i++) {
        assert_int_equal(rs->packs[i].first_rule, sum);
        sum += rs->packs[i].nrules;
    }
    assert_int_equal(sum, rs->nrules);
    ruleset_free(rs);
    ruleset_free(base);
    remove_dir(a, (const char *const[]){"golden.yaml", NULL});
    remove_dir(b, (const char *const[]){"golden.yaml", "extra.yaml", NULL});
    remove_dir(tmp, (const char *const[]){NULL});
}

static void test_repeat_optional_and_errors(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    /* the same directory twice is one layer: nothing overridden */
    struct dw_rule_layer twice[] = {{SHIPPED, false},
                                    {DW_SOURCE_DIR "/tests/golden/../golden/rules", false}};
    struct dw_ruleset *rs = load(twice, 2, &err);
    assert_non_null(rs);
    for (size_t i = 0; i < rs->nrules; i++)
        assert_null(rs->rules[i].overrides);
    ruleset_free(rs);
    /* an optional layer that does not exist is skipped; a required one is an error */
    struct dw_rule_layer missing[] = {{SHIPPED, false}, {"/nonexistent/dw-rules", true}};
    rs = load(missing, 2, &err);
    assert_non_null(rs);
    ruleset_free(rs);
    missing[1].optional = false;
    assert_null(ruleset_load_layers(missing, 2, &err));
    assert_true(err.n >= 1);
    assert_non_null(strstr(err.msgs[0], "/nonexistent/dw-rules: cannot open rule directory"));
    dw_errors_clear(&err);
    /* a repeated id within one layer is an error with both places */
    char tmp[] = "/tmp/dw-layers-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    write_pack(tmp, "one.yaml", "x.same", "1");
    write_pack(tmp, "two.yaml", "x.same", "2");
    struct dw_rule_layer dup[] = {{SHIPPED, false}, {tmp, false}};
    assert_null(ruleset_load_layers(dup, 2, &err));
    assert_true(err.n >= 1);
    assert_non_null(strstr(err.msgs[0], "two.yaml:2:5: rule 'x.same': duplicate rule id"));
    dw_errors_clear(&err);
    remove_dir(tmp, (const char *const[]){"one.yaml", "two.yaml", NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_override_and_order),
        cmocka_unit_test(test_repeat_optional_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
