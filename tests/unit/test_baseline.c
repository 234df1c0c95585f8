/* test_baseline.c - baseline files: parse, match, serialize, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "baseline.h"

static struct dw_baseline *parse(const char *text, struct dw_errors *err)
{
    return baseline_parse("b.json", text, strlen(text), err);
}

static void test_parse_and_match(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_baseline *b = parse("{\"dextwatch_baseline\": 1, \"entries\": ["
                                  "{\"subject\": \"com.MyDriver\", \"rule\": \"dk.exit\","
                                  " \"class\": \"dext.exit\", \"note\": \"known\"},"
                                  "{\"subject\": \"amfid\", \"rule\": \"amfi.x\", \"future\": 1}]}",
                                  &err);
    assert_non_null(b);
    assert_int_equal(err.n, 0);
    assert_int_equal(b->n, 2);
    const struct dw_baseline_entry *e = baseline_match(b, "COM.mydriver", "dk.exit");
    assert_non_null(e);
    assert_string_equal(e->note, "known");
    assert_null(baseline_match(b, "com.MyDriver", "dk.other"));
    assert_null(baseline_match(b, "com.Other", "dk.exit"));
    assert_null(baseline_match(b, NULL, "dk.exit"));
    assert_null(baseline_match(NULL, "x", "y"));
    baseline_free(b);
}

static void test_errors(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    assert_null(parse("{\"dextwatch_baseline\": 1,\n \"entries\": [}", &err));
    assert_string_equal(err.msgs[0], "b.json:2:14: unexpected token near '}'");
    dw_errors_clear(&err);
    assert_null(parse("[]", &err));
    assert_non_null(strstr(err.msgs[0], "not a dextwatch baseline"));
    dw_errors_clear(&err);
    assert_null(parse("{\"dextwatch_baseline\": 7, \"entries\": []}", &err));
    assert_string_equal(err.msgs[0],
                        "b.json: baseline version 7 is not supported (this dextwatch reads 1)");
    dw_errors_clear(&err);
    assert_null(parse(
        "{\"dextwatch_baseline\": 1, \"entries\": [{\"subject\": \"\", \"rule\": 3}, 5]}", &err));
    assert_int_equal(err.n, 3);
    assert_string_equal(err.msgs[0], "b.json: entries[0]: \"subject\" must be a non-empty string");
    assert_string_equal(err.msgs[1], "b.json: entries[0]: \"rule\" must be a non-empty string");
    assert_string_equal(err.msgs[2], "b.json: entries[1]: must be an object");
    dw_errors_clear(&err);
    assert_null(
        parse("{\"dextwatch_baseline\": 1, \"dextwatch_baseline\": 1, \"entries\": []}", &err));
    dw_errors_clear(&err);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct dw_baseline *b = baseline_new();
    assert_true(baseline_add(b, "com.Zed", "r.b", "c.x", "n1"));
    assert_true(baseline_add(b, "com.alpha", "r.a", NULL, NULL));
    assert_false(baseline_add(b, "COM.ZED", "r.b", "c.x", "dup"));
    assert_true(baseline_add(b, "bad\xff", "r.c", NULL, "quote \" and \\"));
    char *text = baseline_serialize(b);
    assert_string_equal(text, "{\n"
                              "  \"dextwatch_baseline\": 1,\n"
                              "  \"entries\": [\n"
                              "    {\n"
                              "      \"subject\": \"bad\xef\xbf\xbd\",\n"
                              "      \"rule\": \"r.c\",\n"
                              "      \"note\": \"quote \\\" and \\\\\"\n"
                              "    },\n"
                              "    {\n"
                              "      \"subject\": \"com.alpha\",\n"
                              "      \"rule\": \"r.a\"\n"
                              "    },\n"
                              "    {\n"
                              "      \"subject\": \"com.Zed\",\n"
                              "      \"rule\": \"r.b\",\n"
                              "      \"class\": \"c.x\",\n"
                              "      \"note\": \"n1\"\n"
                              "    }\n"
                              "  ]\n"
                              "}\n");
    struct dw_errors err = {0};
    struct dw_baseline *again = baseline_parse("t", text, strlen(text), &err);
    assert_non_null(again);
    assert_int_equal(again->n, 3);
    char path[] = "/tmp/dw-baseline-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(baseline_write(b, path, &err), 0);
    struct dw_baseline *loaded = baseline_load(path, &err);
    assert_non_null(loaded);
    assert_non_null(baseline_match(loaded, "com.zed", "r.b"));
    unlink(path);
    assert_int_equal(baseline_write(b, "/nonexistent-dir/b.json", &err), -1);
    assert_int_equal(err.n, 1);
    dw_errors_clear(&err);
    free(text);
    baseline_free(b);
    baseline_free(again);
    baseline_free(loaded);
}

/* 200,000 entries load, match and survive sorting in well under a second
 * of CPU: entries are hashed (a linear search took 5.3 s for 60,000, and
 * would take minutes here).  The bound is loose for sanitizer builds. */
static void test_scale(void **state)
{
    (void)state;
    enum { N = 200000 };
    clock_t start = clock();
    struct dw_baseline *b = baseline_new();
    char subject[48], rule[32];
    for (int i = 0; i < N; i++) {
        snprintf(subject, sizeof subject, "com.Vendor.Driver%d", i);
        snprintf(rule, sizeof rule, "rule.%d", i % 7);
        assert_true(baseline_add(b, subject, rule, NULL, NULL));
    }
    assert_false(baseline_add(b, "COM.VENDOR.DRIVER5", "rule.5", NULL, NULL)); /* a repeat */
    char *text = baseline_serialize(b); /* sorts the entries */
    for (int i = 0; i < N; i++) {
        snprintf(subject, sizeof subject, "COM.vendor.driver%d", i);
        snprintf(rule, sizeof rule, "rule.%d", i % 7);
        const struct dw_baseline_entry *e = baseline_match(b, subject, rule);
        assert_non_null(e);
        assert_int_equal(strcasecmp(e->subject, subject), 0);
        snprintf(rule, sizeof rule, "rule.%d", (i + 1) % 7);
        assert_null(baseline_match(b, subject, rule));
    }
    double cpu = (double)(clock() - start) / CLOCKS_PER_SEC;
    free(text);
    baseline_free(b);
    assert_true(cpu < 20.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_match),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
