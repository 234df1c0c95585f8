/* test_report.c - the escaping of the CI formats and the format table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "incident.h"
#include "input.h"
#include "report.h"

typedef void (*escape_fn)(struct dw_buf *, const char *);

static char *run(escape_fn fn, const char *s)
{
    struct dw_buf b = {0};
    fn(&b, s);
    buf_cstr(&b);
    return buf_steal(&b);
}

static void test_github_escaping(void **state)
{
    (void)state;
    char *s = run(report_github_data, "100% a:b,c\r\n::error::x");
    /* data keeps : and , ; CR/LF arrive as visible \r\n (dw_escape_term), % doubled */
    assert_string_equal(s, "100%25 a:b,c\\r\\n::error::x");
    free(s);
    s = run(report_github_property, "com.x: a,b %0A");
    assert_string_equal(s, "com.x%3A a%2Cb %250A");
    free(s);
    s = run(report_github_data, "esc\033[31m bel\a bs\b nul-free \xff");
    assert_null(strchr(s, '\033'));
    assert_null(strchr(s, '\a'));
    assert_string_equal(s, "esc\\e[31m bel\\x07 bs\\x08 nul-free \\xff");
    free(s);
    s = run(report_github_data, NULL);
    assert_string_equal(s, "-");
    free(s);
}

static char *xml(const char *s, size_t n)
{
    struct dw_buf b = {0};
    report_xml_text(&b, s, n);
    buf_cstr(&b);
    return buf_steal(&b);
}

static void test_xml_escaping(void **state)
{
    (void)state;
    char *s = xml("<a href=\"x\">&'</a> ]]>", 22);
    assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt; ]]&gt;");
    free(s);
    s = xml("t\tn\nr\r\033\x01\x7f", 9);
    assert_string_equal(s, "t&#9;n&#10;r&#13;\\x1b\\x01\x7f");
    free(s);
    s = xml("\xef\xbf\xbe \xef\xbf\xbf \xff \xc3\xa9", 12);
    assert_string_equal(s, "\\uFFFE \\uFFFF \\xff \xc3\xa9");
    free(s);
    s = xml("a\0b", 3);
    assert_string_equal(s, "a\\x00b");
    free(s);
}

static void test_markdown_escaping(void **state)
{
    (void)state;
    char *s = run(report_markdown_inline, "a|b *c* _d_ `e` [f](g) <h> & @i $j$ #k ~l~ \\");
    assert_string_equal(s, "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) &lt;h&gt; &amp; \\@i \\$j\\$ "
                           "\\#k \\~l\\~ \\\\\\\\");
    free(s);
    s = run(report_markdown_inline, "x\ny\033");
    assert_string_equal(s, "x\\\\ny\\\\e");
    free(s);
    struct dw_buf b = {0};
    report_markdown_code_block(&b, "a ``` b\n`````\n", "text");
    assert_string_equal(buf_cstr(&b), "``````text\na ``` b\n`````\n``````\n\n");
    buf_reset(&b);
    report_markdown_code_block(&b, "plain", NULL);
    assert_string_equal(buf_cstr(&b), "```\nplain\n```\n\n");
    buf_free(&b);
}

static void test_format_table(void **state)
{
    (void)state;
    const char *names[] = {"text", "json", "github", "junit", "markdown"};
    for (size_t i = 0; i < 5; i++) {
        enum dw_format f;
        assert_int_equal(dw_format_parse(names[i], &f), 0);
        assert_string_equal(dw_format_name(f), names[i]);
        struct dw_report_opts o = {.title = "t"};
        struct dw_report *r = report_new(f, &o);
        assert_non_null(r);
        report_free(r);
    }
    enum dw_format f;
    assert_int_equal(dw_format_parse("xml", &f), -1);
}

static void test_outputs(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_outputs o = {0};
    assert_int_equal(outputs_set_path(&o, "x", &err), -1); /* no --format before */
    assert_int_equal(outputs_add_format(&o, "github", &err), 0);
    assert_int_equal(outputs_add_format(&o, "markdown", &err), 0);
    setenv("GITHUB_STEP_SUMMARY", "/tmp/summary.md", 1);
    assert_int_equal(outputs_set_path(&o, "/tmp/summary.md", &err), 0);
    assert_true(o.v[1].append);
    assert_int_equal(outputs_set_path(&o, "again", &err), -1); /* one --output per format */
    assert_int_equal(outputs_settle(&o, true, &err), 0);
    assert_int_equal(o.n, 3); /* + the text summary on stderr */
    assert_true(o.v[2].summary_only);
    outputs_free(&o);
    assert_int_equal(outputs_add_format(&o, "json", &err), 0);
    assert_int_equal(outputs_add_format(&o, "text", &err), 0);
    assert_int_equal(outputs_settle(&o, false, &err), -1); /* two on stdout */
    outputs_free(&o);
    dw_errors_clear(&err);
    unsetenv("GITHUB_STEP_SUMMARY");
}

/* `recent`'s one line per incident: a summary quoting a multi-line message
 * stops at its first line (marked), and nothing in it reaches the terminal raw. */
static void test_oneline_first_line(void **state)
{
    (void)state;
    struct dw_finding *f = xcalloc(1, sizeof *f);
    f->rule_id = xstrdup("kext.kmerror");
    f->class_name = xstrdup("kext.load-failed");
    f->severity = DW_SEV_ERROR;
    f->summary = xstrdup("kmutil failed: Error \x1b[31mbuilding:\n\t1: One or more binaries");
    f->message = xstrdup("m");
    f->raw = xstrdup("m");
    struct dw_incident *inc = incident_new();
    incident_add(inc, f);
    struct dw_text_style plain = {0};
    struct dw_buf b = {0};
    report_text_oneline(&b, inc, 7, &plain);
    const char *line = buf_cstr(&b);
    assert_non_null(strstr(line, "kext.load-failed: kmutil failed: Error \\e[31mbuilding: ...\n"));
    assert_null(strstr(line, "One or more"));
    assert_int_equal(strchr(line, '\n') - line + 1, (long)b.len); /* one line */
    buf_free(&b);
    incident_free(inc);
}

static void test_gzip_buffer(void **state)
{
    (void)state;
    /* "hello\n" gzipped (gzip -n), twice: concatenated members */
    static const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                       0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
                                       0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
    unsigned char two[sizeof gz * 2];
    memcpy(two, gz, sizeof gz);
    memcpy(two + sizeof gz, gz, sizeof gz);
    struct dw_errors err = {0};
    struct dw_buf out = {0};
    assert_int_equal(input_decode_buffer("t", gz, sizeof gz, &out, &err), 0);
    assert_string_equal(buf_cstr(&out), "hello\n");
    buf_reset(&out);
    assert_int_equal(input_decode_buffer("t", two, sizeof two, &out, &err), 0);
    assert_string_equal(buf_cstr(&out), "hello\nhello\n");
    buf_reset(&out);
    assert_int_equal(input_decode_buffer("t", gz, sizeof gz - 9, &out, &err), -1);
    assert_string_equal(err.msgs[0], "t: gzip data ends early (truncated file?)");
    buf_reset(&out);
    assert_int_equal(input_decode_buffer("t", "plain", 5, &out, &err), 0);
    assert_string_equal(buf_cstr(&out), "plain");
    buf_free(&out);
    dw_errors_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_github_escaping),   cmocka_unit_test(test_xml_escaping),
        cmocka_unit_test(test_markdown_escaping), cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_outputs),           cmocka_unit_test(test_gzip_buffer),
        cmocka_unit_test(test_oneline_first_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
