/* test_predicate.c - the `log` predicate built from a fixture rule set:
 * grouping, subsumption, IN lists, subsystems, quoting of `"` and `\`,
 * and the match-everything fallback; and the watch helpers (--start text,
 * counters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "predicate.h"
#include "rules.h"
#include "watch.h"

/* A rule; `extra` holds process/subsystem/literals lines (6-space indent). */
static void rule(struct dw_buf *b, const char *id, const char *extra, const char *match,
                 const char *example)
{
    buf_printf(b,
               "  - id: %s\n"
               "    class: other\n"
               "    severity: info\n"
               "%s"
               "    match: '%s'\n"
               "    summary: 's'\n"
               "    references: [x]\n"
               "    examples: ['%s']\n",
               id, extra, match, example);
}

static struct dw_ruleset *fixture(const char *yaml)
{
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_new();
    int rc = ruleset_add_buffer(rs, "fixture.yaml", yaml, strlen(yaml), &err);
    for (size_t i = 0; i < err.n; i++)
        print_error("%s\n", err.msgs[i]);
    assert_int_equal(rc, 0);
    dw_errors_clear(&err);
    return rs;
}

static char *build(const char *yaml, size_t *nwarn)
{
    struct dw_ruleset *rs = fixture(yaml);
    struct dw_errors warn = {0};
    char *p = predicate_build(rs, &warn);
    *nwarn = warn.n;
    dw_errors_clear(&warn);
    ruleset_free(rs);
    return p;
}

static void test_groups_and_quoting(void **state)
{
    (void)state;
    struct dw_buf y = {0};
    buf_puts(&y, "rules:\n");
    rule(&y, "k.one", "    process: kernel\n    literals: ['DK: ', 'say \"hi\" C:\\x']\n",
         "^DK: a", "kernel: DK: a");
    /* a literal containing another of its group goes */
    rule(&y, "k.two", "    process: kernel\n    literals: ['DK: longer']\n", "^DK: longer",
         "kernel: DK: longer");
    rule(&y, "a.one", "    process: [amfid, sysextd]\n", "^x", "amfid: x");
    rule(&y, "s.one", "    subsystem: com.apple.sx\n    literals: [activation]\n", "activation",
         "sysextd: [com.apple.sx:c] activation");
    /* an any-process literal covers the same literal under a process */
    rule(&y, "any.one", "    literals: ['Kernel requested exit (']\n", "Kernel requested exit \\(",
         "kernel: Kernel requested exit (x)");
    rule(&y, "k.three", "    process: kernel\n    literals: ['Kernel requested exit (x']\n",
         "Kernel requested exit \\(x", "kernel: Kernel requested exit (x");
    size_t nwarn;
    char *p = build(buf_cstr(&y), &nwarn);
    assert_string_equal(p, "process IN {\"amfid\", \"sysextd\"}"
                           " OR (process == \"kernel\" AND (eventMessage CONTAINS \"DK: \""
                           " OR eventMessage CONTAINS \"say \\\"hi\\\" C:\\\\x\"))"
                           " OR (subsystem == \"com.apple.sx\" AND eventMessage CONTAINS"
                           " \"activation\")"
                           " OR eventMessage CONTAINS \"Kernel requested exit (\"");
    assert_int_equal(nwarn, 0);
    free(p);
    buf_free(&y);
}

static void test_whole_process_and_everything(void **state)
{
    (void)state;
    struct dw_buf y = {0};
    buf_puts(&y, "rules:\n");
    rule(&y, "k.one", "    process: kernel\n    literals: ['DK: ']\n", "^DK: a", "kernel: DK: a");
    rule(&y, "k.all", "    process: kernel\n", "^(?:x|y)", "kernel: x");
    size_t nwarn;
    char *p = build(buf_cstr(&y), &nwarn);
    /* a rule without literals takes its whole process */
    assert_true(strcmp(p, "process == \"kernel\"") == 0 || strstr(p, "process == \"kernel\"") == p);
    free(p);
    buf_reset(&y);
    buf_puts(&y, "rules:\n");
    rule(&y, "any.all", "    literals: ['a']\n", "a", "kernel: a");
    p = build(buf_cstr(&y), &nwarn);
    assert_string_equal(p, "eventMessage CONTAINS \"a\"");
    free(p);
    buf_free(&y);
}

static void test_quote(void **state)
{
    (void)state;
    struct dw_buf b = {0};
    assert_int_equal(predicate_quote(&b, "a\"b\\c"), 0);
    assert_string_equal(buf_cstr(&b), "\"a\\\"b\\\\c\"");
    buf_reset(&b);
    assert_int_equal(predicate_quote(&b, "tab\there"), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    assert_true(predicate_is_everything("TRUEPREDICATE"));
    char h1[17], h2[17];
    predicate_hash("a", h1);
    predicate_hash("b", h2);
    assert_int_equal(strlen(h1), 16);
    assert_string_not_equal(h1, h2);
}

static void test_watch_helpers(void **state)
{
    (void)state;
    char out[64];
    /* 2026-11-20 10:14:03.101244-0800 = 18:14:03.101244Z; minus 2 s, whole seconds */
    int64_t us = INT64_C(1795198443101244);
    watch_format_start(us - 2000000, -480, out);
    assert_string_equal(out, "2026-11-20 10:14:01-0800");
    watch_format_start(us, 330, out);
    assert_string_equal(out, "2026-11-20 23:44:03+0530");
    struct dw_watch_counters c;
    watch_counters_parse("lines=5 events=4 findings=3 malformed=2 restarts=1 bogus=9", &c);
    assert_int_equal(c.lines, 5);
    assert_int_equal(c.restarts, 1);
    assert_int_equal(c.duplicates, 0);
    struct dw_buf b = {0};
    watch_counters_format(&c, &b);
    struct dw_watch_counters d;
    watch_counters_parse(buf_cstr(&b), &d);
    assert_memory_equal(&c, &d, sizeof c);
    buf_free(&b);
    watch_counters_parse(NULL, &d);
    assert_int_equal(d.lines, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_and_quoting),
        cmocka_unit_test(test_whole_process_and_everything),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_watch_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
