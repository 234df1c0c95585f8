/* test_util.c - escaping, UTF-8 repair, globs, durations, incident merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "duration.h"
#include "dwtime.h"
#include "incident.h"
#include "util.h"

static char *esc(const char *s, size_t n)
{
    struct dw_buf b = {0};
    dw_escape_term(&b, s, n);
    return buf_steal(&b);
}

static void test_escape_term(void **state)
{
    (void)state;
    char *s = esc("a\033[31mb\x07\b\r\n\t\\ é", 16);
    assert_string_equal(s, "a\\e[31mb\\x07\\x08\\r\\n\\t\\\\ é");
    free(s);
    s = esc("\xc2\x9b"
            "2J \xff\xc3(",
            8); /* 8-bit CSI, invalid bytes */
    assert_string_equal(s, "\\u009b2J \\xff\\xc3(");
    free(s);
    s = esc("ok\0nul", 6);
    assert_string_equal(s, "ok\\x00nul");
    free(s);
}

static void test_utf8_sanitize(void **state)
{
    (void)state;
    struct dw_buf b = {0};
    const char in[] = "ok \xff\xfe \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98\x80 \xc0\xaf \xe2\x82";
    dw_utf8_sanitize(&b, in, sizeof in - 1);
    assert_string_equal(b.data,
                        "ok \xef\xbf\xbd\xef\xbf\xbd \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                        "\xf0\x9f\x98\x80 \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
    buf_reset(&b);
    dw_utf8_sanitize(&b, "a\0b", 3);
    assert_string_equal(b.data, "a\xef\xbf\xbd"
                                "b");
    buf_free(&b);
}

/* The boundaries of each sequence length, and what must be refused. */
static void test_utf8_seq_len(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n, want;
    } cases[] = {
        {"a", 1, 1},
        {"\x7f", 1, 1},
        {"\xc2\x80", 2, 2},
        {"\xdf\xbf", 2, 2},
        {"\xe0\xa0\x80", 3, 3},
        {"\xed\x9f\xbf", 3, 3},
        {"\xef\xbf\xbf", 3, 3},
        {"\xf0\x90\x80\x80", 4, 4},
        {"\xf4\x8f\xbf\xbf", 4, 4},
        {"\x80", 1, 0},             /* stray continuation byte */
        {"\xc0\xaf", 2, 0},         /* overlong '/' */
        {"\xc1\xbf", 2, 0},         /* overlong */
        {"\xe0\x9f\xbf", 3, 0},     /* overlong 3-byte */
        {"\xed\xa0\x80", 3, 0},     /* surrogate U+D800 */
        {"\xf0\x8f\xbf\xbf", 4, 0}, /* overlong 4-byte */
        {"\xf4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0},
        {"\xff", 1, 0},
        {"\xe2\x82", 2, 0}, /* cut off by n */
        {"\xc3\x28", 2, 0}, /* second byte not a continuation */
        {"\xe2\x82\x28", 3, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(dw_utf8_seq_len((const unsigned char *)cases[i].s, cases[i].n),
                         cases[i].want);
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(dw_glob_match("codesign.*", "codesign.requirement"));
    assert_true(dw_glob_match("COM.MyDriver", "com.mydriver"));
    assert_false(dw_glob_match("dext.*", "codesign.requirement"));
    assert_true(dw_glob_match("*.exit", "dext.exit"));
}

static void test_duration(void **state)
{
    (void)state;
    int64_t us;
    assert_int_equal(dw_duration_parse("30m", &us), 0);
    assert_int_equal(us, INT64_C(1800000000));
    assert_int_equal(dw_duration_parse("7d", &us), 0);
    assert_int_equal(us, INT64_C(604800000000));
    assert_int_equal(dw_duration_parse("90", &us), 0);
    assert_int_equal(us, INT64_C(90000000));
    assert_int_equal(dw_duration_parse("-5m", &us), -1);
    assert_int_equal(dw_duration_parse("5 m", &us), -1);
    assert_int_equal(dw_duration_parse("99999999999999999999d", &us), -1);
    char why[160];
    setenv("TZ", "UTC0", 1);
    tzset();
    assert_int_equal(dw_since_parse("2h", 10 * INT64_C(3600000000), &us, why, sizeof why), 0);
    assert_int_equal(us, 8 * INT64_C(3600000000));
    assert_int_equal(dw_since_parse("1970-01-02T00:00", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, INT64_C(86400000000));
    assert_int_equal(dw_since_parse("1970-01-02T01:00+01:00", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, INT64_C(86400000000));
    assert_int_equal(dw_since_parse("1970-01-02T00:00:30", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, INT64_C(86430000000));
    assert_int_equal(dw_since_parse("yesterday", 0, &us, why, sizeof why), -1);
}

#define HOUR_US INT64_C(3600000000)
#define DAY_US (24 * HOUR_US)

/* Expects s to be refused with a reason containing want. */
static void since_refused(const char *s, const char *want)
{
    char why[160] = "";
    int64_t us = 0;
    if (dw_since_parse(s, 0, &us, why, sizeof why) != -1)
        fail_msg("'%s' accepted", s);
    if (!strstr(why, want) || strchr(why, '\n'))
        fail_msg("'%s': reason '%s', want '%s' on one line", s, why, want);
}

/* --since dates: a date alone is its local midnight; a time without offset is
 * local time; an offset is exact (TZ set here: Paris, CET/CEST). */
static void test_since_dates(void **state)
{
    (void)state;
    char why[160];
    int64_t us;
    int64_t nov20 = dw_time_from_civil(2026, 11, 20, 0, 0, 0); /* as if UTC */
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    assert_int_equal(dw_since_parse("2026-11-20", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, nov20 - HOUR_US); /* 00:00+01:00 */
    assert_int_equal(dw_since_parse("2026-11-20T10:00", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, nov20 + 9 * HOUR_US);
    assert_int_equal(dw_since_parse("2026-11-20 10:00:30", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, nov20 + 9 * HOUR_US + 30000000);
    assert_int_equal(dw_since_parse("2026-11-20T10:00Z", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, nov20 + 10 * HOUR_US);
    assert_int_equal(dw_since_parse("2026-11-20T10:00-0800", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, nov20 + 18 * HOUR_US);
    assert_int_equal(dw_since_parse("2026-07-01", 0, &us, why, sizeof why), 0); /* summer */
    assert_int_equal(us, dw_time_from_civil(2026, 7, 1, 0, 0, 0) - 2 * HOUR_US);
    assert_int_equal(dw_since_parse("7d", 10 * DAY_US, &us, why, sizeof why), 0);
    assert_int_equal(us, 3 * DAY_US);
    setenv("TZ", "PST8PDT,M3.2.0,M11.1.0", 1);
    tzset();
    assert_int_equal(dw_since_parse("2026-11-20", 0, &us, why, sizeof why), 0);
    assert_int_equal(us, nov20 + 8 * HOUR_US);

    since_refused("2026-13-01", "no month 13");
    since_refused("2026-02-29", "2026-02 has no day 29");
    since_refused("2026-11-2", "YYYY-MM-DD");
    since_refused("2026-11-20T25:00", "'25:00' is not a time of day");
    since_refused("2026-11-20T10", "'10' is not a time of day");
    since_refused("2026-11-20T10:00 CET", "unexpected ' CET' after the time");
    since_refused("2026-11-20x", "unexpected 'x' after the date");
    since_refused("7x", "unknown unit 'x'");
    since_refused("99999999999999999999d", "too long");
    since_refused("yesterday", "a duration (30m, 2h, 7d) or a date");
    since_refused("", "empty");
    setenv("TZ", "UTC0", 1);
    tzset();
}

static struct dw_finding *mk(long line, const char *rule, int prio, const char *bundle)
{
    struct dw_finding *f = xcalloc(1, sizeof *f);
    f->rule_id = xstrdup(rule);
    f->class_name = xstrdup(rule);
    f->remediation = xstrdup("do it");
    f->priority = prio;
    f->line = line;
    f->message = xstrdup("m");
    if (bundle) {
        f->caps = xcalloc(1, sizeof *f->caps);
        f->caps[0].name = xstrdup("path");
        f->caps[0].value = xstrdup(bundle);
        f->ncaps = 1;
    }
    return f;
}

/* Merging keeps order, count, bounded evidence, union of classes, best subject. */
static void test_incident_absorb(void **state)
{
    (void)state;
    struct dw_incident *a = incident_new(), *b = incident_new();
    for (long i = 1; i <= 60; i += 2)
        incident_add(a, mk(i, "odd", 1, NULL));
    for (long i = 2; i <= 60; i += 2)
        incident_add(b, mk(i, i == 30 ? "root" : "even", i == 30 ? 5 : 1,
                           "/Library/SystemExtensions/X/com.Vendor.Drv.dext/com.Vendor.Drv"));
    incident_absorb(a, b);
    assert_int_equal(a->count, 60);
    assert_int_equal(incident_evidence_count(a), 40);
    assert_int_equal(incident_evidence_at(a, 0)->line, 1);
    assert_int_equal(incident_evidence_at(a, 19)->line, 20);
    assert_int_equal(incident_evidence_at(a, 20)->line, 41);
    assert_int_equal(incident_evidence_at(a, 39)->line, 60);
    assert_string_equal(a->subject, "com.Vendor.Drv");
    assert_string_equal(a->root->rule_id, "root");
    assert_int_equal(a->nclasses, 3);
    assert_int_equal(a->nremedies, 3);
    assert_int_equal(a->first_line, 1);
    assert_int_equal(a->last_line, 60);
    incident_free(a);
    incident_free(b);
}

static void test_bundle_from_path(void **state)
{
    (void)state;
    char *s = dw_bundle_from_path("/Library/SystemExtensions/G/com.x.y.dext/com.x.y");
    assert_string_equal(s, "com.x.y");
    free(s);
    s = dw_bundle_from_path("com.MyDriver.dext");
    assert_string_equal(s, "com.MyDriver");
    free(s);
    assert_null(dw_bundle_from_path("/usr/lib/foo.dextra/bar"));
    assert_null(dw_bundle_from_path(".dext"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_term),      cmocka_unit_test(test_utf8_sanitize),
        cmocka_unit_test(test_utf8_seq_len),     cmocka_unit_test(test_glob),
        cmocka_unit_test(test_duration), cmocka_unit_test(test_since_dates),         cmocka_unit_test(test_incident_absorb),
        cmocka_unit_test(test_bundle_from_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
