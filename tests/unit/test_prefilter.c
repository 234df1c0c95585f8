/* test_prefilter.c - the multi-literal scanner (SIMD and scalar agree, hits
 * at every offset and block edge) and the rule-set prefilter (same findings
 * as trying every rule; ndjson lines skipped only when safe). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "incident.h"
#include "prefilter.h"
#include "rules.h"

static const char *const words[] = {"DK: ", "IOUserServer(", "amfid", "-670", "::start(",
                                    "signature not valid: ", "abc", "zzz", "\\u0"};
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

static void count_hit(size_t index, size_t at, void *ctx)
{
    size_t *counts = ctx;
    (void)at;
    counts[index]++;
}

/* Random text with words planted at random offsets: the SIMD engine and the
 * scalar loop find the same first hit and the same set of hits, which are
 * those of a naive search. */
/* Random text made of the words (some cut short) and bytes they start
 * with: SIMD and scalar find the same first hit, and every hit (counted
 * against a naive search), for texts of every length 1..300 (all block
 * edges and tails). */
static void engines_agree(const char *const *set, size_t nwords)
{
    struct dw_litset *ls = litset_new(set, nwords);
    assert_non_null(ls);
    uint64_t seed = 12345;
    char text[600];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0, len = (size_t)(round % 300) + 1;
        while (n < len) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(seed >> 33);
            if (r % 29 == 0) {
                const char *w = set[r / 29 % nwords];
                size_t k = strlen(w);
                if (r & 1024)
                    k--; /* a truncated word: must not be found */
                memcpy(text + n, w, k);
                n += k;
            } else {
                text[n++] = " aDKzb-6:(S\\u0"[r % 14];
            }
        }
        size_t simd_first, scalar_first, w1 = 0, w2 = 0;
        size_t simd_counts[NWORDS] = {0}, scalar_counts[NWORDS] = {0}, naive[NWORDS] = {0};
        assert_true(nwords <= NWORDS);
        litset_force_scalar(false);
        simd_first = litset_find(ls, text, n, &w1);
        litset_each(ls, text, n, count_hit, simd_counts);
        litset_force_scalar(true);
        scalar_first = litset_find(ls, text, n, &w2);
        litset_each(ls, text, n, count_hit, scalar_counts);
        litset_force_scalar(false);
        assert_int_equal(simd_first, scalar_first);
        if (simd_first < n)
            assert_int_equal(w1, w2);
        for (size_t w = 0; w < nwords; w++) {
            size_t k = strlen(set[w]);
            for (size_t i = 0; i + k <= n; i++)
                naive[w] += memcmp(text + i, set[w], k) == 0;
            assert_int_equal(simd_counts[w], naive[w]);
            assert_int_equal(scalar_counts[w], naive[w]);
        }
    }
    litset_free(ls);
    assert_non_null(litset_engine());
}

/* A set with 3-byte strings uses 3-byte anchors; one without, 4-byte ones. */
static void test_engines_agree(void **state)
{
    (void)state;
    static const char *const long_words[] = {"DK: ", "IOUserServer(", "amfid", "-670",
                                             "::start(", "signature not valid: "};
    engines_agree(words, NWORDS);
    engines_agree(long_words, sizeof long_words / sizeof long_words[0]);
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
            const char *line = k < r->nexamples ? r->examples[k].line
                                                : r->counterexamples[k - r->nexamples].line;
            for (int withproc = 0; withproc < 2; withproc++) {
                struct dw_event ev = {.pid = -1, .message = line, .message_len = strlen(line),
                                      .raw = line, .raw_len = strlen(line)};
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
    const char *harmless = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\","
                           "\"eventMessage\":\"Frame rate 60 Hz\",\"processImagePath\":\"\\/kernel\"}";
    assert_true(prefilter_json_skip(pf, harmless, strlen(harmless), &t));
    assert_int_equal(t.kind, DW_TIME_DATE);
    const char *hit = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\",\"eventMessage\":"
                      "\"\\/Library\\/SystemExtensions\\/X\\/com.x.dext\\/com.x signature not "
                      "valid: -67050\"}";
    assert_true(prefilter_json_candidate(pf, hit, strlen(hit)));
    assert_false(prefilter_json_skip(pf, hit, strlen(hit), &t));
    /* a literal's word that is no match: decoded and ruled out without jansson */
    const char *near = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\",\"eventMessage\":"
                       "\"DK: X-0x1::start(IOPCIDevice-0x2) ok\"}";
    assert_true(prefilter_json_candidate(pf, near, strlen(near)));
    assert_true(prefilter_json_skip(pf, near, strlen(near), &t));
    const char *uesc = "{\"timestamp\":\"2026-11-27 10:00:00.000000-0800\","
                       "\"eventMessage\":\"Basic requirement validation f\\u0061iled\"}";
    assert_false(prefilter_json_skip(pf, uesc, strlen(uesc), &t));
    const char *notime = "{\"eventMessage\":\"Frame rate 60 Hz\"}";
    assert_false(prefilter_json_skip(pf, notime, strlen(notime), &t));
    const char *twice = "{\"timestamp\":\"2026-11-27 10:00:00-0800\",\"timestamp\":\"x\","
                        "\"eventMessage\":\"Frame rate 60 Hz\"}";
    assert_false(prefilter_json_skip(pf, twice, strlen(twice), &t));
    const char *ips = "{\"timestamp\":\"2026-11-27 10:00:00-0800\",\"procName\":\"x\","
                      "\"eventMessage\":\"Frame rate\"}";
    assert_false(prefilter_json_skip(pf, ips, strlen(ips), &t) &&
                 prefilter_json_candidate(pf, ips, strlen(ips)) == false);
    assert_true(prefilter_json_candidate(pf, ips, strlen(ips)));
    prefilter_free(pf);
    ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_basic),
        cmocka_unit_test(test_engines_agree),
        cmocka_unit_test(test_classify_same_as_all_rules),
        cmocka_unit_test(test_json_skip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
