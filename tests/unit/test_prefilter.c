/* test_prefilter.c - the multi-literal scanner's basics and the rule-set
 * prefilter (same findings as trying every rule; ndjson lines skipped only
 * when safe).  That every engine finds the same hits is
 * tests/portability/litset_engines.c (also run for arm64 under qemu). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "incident.h"
#include "litset.h"
#include "prefilter.h"
#include "rules.h"

static const char *const words[] = {"DK: ", "IOUserServer(", "amfid",
                                    "-670", "::start(",      "signature not valid: ",
                                    "abc",  "zzz",           "\\u0"};
#define NWORDS (sizeof words / sizeof words[0])

static void test_find_basic(void **state)
{
    (void)state;
    struct dw_litset *ls = litset_new(words, NWORDS);
    assert_non_null(ls);
    size_t which = 99;
    const char *t = "kernel: DK: IOUserServer(com.x-0x1)::exit()";
    assert_int_equal(litset_find(ls, t, strlen(t), &which), 8);
    assert_string_equal(words[which], "DK: ");
    t = "nothing to see here, move along";
    assert_int_equal(litset_find(ls, t, strlen(t), NULL), strlen(t));
    t = "ab"; /* shorter than an anchor */
    assert_int_equal(litset_find(ls, t, 2, NULL), 2);
    t = "xx-670"; /* at the very end */
    assert_int_equal(litset_find(ls, t, strlen(t), &which), 2);
    assert_string_equal(words[which], "-670");
    const char *shortw[] = {"ok", "abc"};
    assert_null(litset_new(shortw, 2)); /* a string under 3 bytes cannot be scanned for */
    litset_free(ls);
}

static struct dw_ruleset *load_rules(void)
{
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_dir(DW_SOURCE_DIR "/rules", &err);
    for (size_t i = 0; i < err.n; i++)
        fprintf(stderr, "%s\n", err.msgs[i]);
    dw_errors_clear(&err);
    assert_non_null(rs);
    return rs;
}

static const char *rule_of(struct dw_finding *f)
{
    return f ? f->rule_id : "(none)";
}

/* Every example and counterexample of every shipped rule is classified the
 * same way with and without the prefilter, with and without a process. */
static void test_classify_same_as_all_rules(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_rules();
    struct dw_prefilter *pf = prefilter_new(rs);
    assert_non_null(pf);
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        for (size_t k = 0; k < r->nexamples + r->ncounterexamples; k++) {
            const char *line =
                k < r->nexamples ? r->examples[k].line : r->counterexamples[k - r->nexamples].line;
            for (int withproc = 0; withproc < 2; withproc++) {
                struct dw_event ev = {.pid = -1,
                                      .message = line,
                                      .message_len = strlen(line),
                                      .raw = line,
                                      .raw_len = strlen(line)};
                ev.process = withproc && r->nprocesses ? r->processes[0] : NULL;
                struct dw_finding *a = ruleset_classify(rs, &ev);
                struct dw_finding *b = prefilter_classify(pf, rs, &ev);
                assert_string_equal(rule_of(a), rule_of(b));
                finding_free(a);
                finding_free(b);
            }
        }
    }
    prefilter_free(pf);
    ruleset_free(rs);
}

/* Raw ndjson lines: skipped only with a readable time and no possible match;
 * an escaped slash does not hide a literal. */
static void test_json_skip(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_rules();
    struct dw_prefilter *pf = prefilter_new(rs);
    struct dw_time t;
    const char *tt;
    size_t ttn;
    const char *harmless =
        "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\","
        "\"eventMessage\":\"Frame rate 60 Hz\",\"processImagePath\":\"\\/kernel\"}";
    assert_true(prefilter_json_skip(pf, harmless, strlen(harmless), &t, &tt, &ttn));
    assert_int_equal(t.kind, DW_TIME_DATE);
    assert_int_equal(ttn, 31); /* the timestamp's text, as the JSON reader stores it */
    assert_memory_equal(tt, "2026-11-27 10:00:00.000000-0800", 31);
    const char *hit = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\",\"eventMessage\":"
                      "\"\\/Library\\/SystemExtensions\\/X\\/com.x.dext\\/com.x signature not "
                      "valid: -67050\"}";
    assert_true(prefilter_json_candidate(pf, hit, strlen(hit)));
    assert_false(prefilter_json_skip(pf, hit, strlen(hit), &t, &tt, &ttn));
    /* a literal's word that is no match: decoded and ruled out without jansson */
    const char *near = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\",\"eventMessage\":"
                       "\"DK: X-0x1::start(IOPCIDevice-0x2) ok\"}";
    assert_true(prefilter_json_candidate(pf, near, strlen(near)));
    assert_true(prefilter_json_skip(pf, near, strlen(near), &t, &tt, &ttn));
    const char *uesc = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\","
                       "\"eventMessage\":\"Basic requirement validation f\\u0061iled\"}";
    assert_false(prefilter_json_skip(pf, uesc, strlen(uesc), &t, &tt, &ttn));
    const char *notime = "{\"eventMessage\":\"Frame rate 60 Hz\"}";
    assert_false(prefilter_json_skip(pf, notime, strlen(notime), &t, &tt, &ttn));
    const char *twice = "{\"timestamp\":\"2026-11-27 10:00:00-0800\",\"timestamp\":\"x\","
                        "\"eventMessage\":\"Frame rate 60 Hz\"}";
    assert_false(prefilter_json_skip(pf, twice, strlen(twice), &t, &tt, &ttn));
    const char *ips = "{\"timestamp\":\"2026-11-27 10:00:00-0800\",\"procName\":\"x\","
                      "\"eventMessage\":\"Frame rate\"}";
    assert_false(prefilter_json_skip(pf, ips, strlen(ips), &t, &tt, &ttn) &&
                 prefilter_json_candidate(pf, ips, strlen(ips)) == false);
    assert_true(prefilter_json_candidate(pf, ips, strlen(ips)));
    prefilter_free(pf);
    ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_basic),
        cmocka_unit_test(test_classify_same_as_all_rules),
        cmocka_unit_test(test_json_skip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
