/* test_time.c - dw_time_parse / dw_time_format / dw_time_from_civil. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dwtime.h"

#define SEC INT64_C(1000000)

/* Parses s whole and returns the time; fails the test if not all of s is used. */
static struct dw_time parse_all(const char *s)
{
    struct dw_time t;
    size_t n = strlen(s);
    assert_int_equal(dw_time_parse(s, n, &t), n);
    return t;
}

static void roundtrip(const char *in, const char *want)
{
    char out[DW_TIME_ISO_MAX];
    struct dw_time t = parse_all(in);
    assert_true(dw_time_format(&t, out));
    assert_string_equal(out, want);
}

/* The fast path for a full `YYYY-MM-DD HH:MM:SS` must give what the general
 * path gives, consumed length and every member, on valid and broken times:
 * each of a set of bases, then every base with one byte changed to each of
 * a set of bytes that matter (digits, separators, signs, end). */
static void same_both_ways(const char *s, size_t n)
{
    struct dw_time fast, slow;
    memset(&fast, 0x5a, sizeof fast);
    memset(&slow, 0x5a, sizeof slow);
    size_t kf = dw_time_parse(s, n, &fast);
    dw_time_force_general(true);
    size_t ks = dw_time_parse(s, n, &slow);
    dw_time_force_general(false);
    if (kf != ks)
        fail_msg("'%.*s': fast %zu, general %zu", (int)n, s, kf, ks);
    if (kf && (fast.kind != slow.kind || fast.us != slow.us || fast.has_offset != slow.has_offset ||
               fast.offset_min != slow.offset_min || fast.frac_digits != slow.frac_digits))
        fail_msg("'%.*s': members differ", (int)n, s);
}

static void test_fast_path_same(void **state)
{
    (void)state;
    static const char *const bases[] = {
        "2026-11-26 08:00:00.002608-0800  localhost kernel[0]: x",
        "2024-02-29T23:59:60.1234567890+05:30 x",
        "2023-02-29 12:00:00",
        "1999-12-31 23:59:59,5 +0100",
        "2026-01-01 00:00:00Z",
        "2026-01-01 00:00:00Zulu",
        "2026-01-01 00:00:00.",
        "2026-01-01 00:00:00.123+24",
        "2026-01-01 00:00:00 -07",
        "0000-01-01 00:00:00.9",
    };
    static const char subst[] = "0123456789 T-+:.,Z\n";
    char buf[80];
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        size_t n = strlen(bases[b]);
        for (size_t cut = 0; cut <= n; cut++)
            same_both_ways(bases[b], cut);
        for (size_t pos = 0; pos < n && pos < 40; pos++)
            for (const char *c = subst; *c; c++) {
                memcpy(buf, bases[b], n);
                buf[pos] = *c;
                same_both_ways(buf, n);
            }
    }
}

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(dw_time_from_civil(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(dw_time_from_civil(2022, 2, 4, 19, 39, 44), INT64_C(1644003584) * SEC);
    assert_int_equal(dw_time_from_civil(2000, 3, 1, 0, 0, 0) -
                         dw_time_from_civil(2000, 2, 28, 0, 0, 0),
                     2 * 86400 * SEC);
    assert_int_equal(dw_time_from_civil(1900, 3, 1, 0, 0, 0) -
                         dw_time_from_civil(1900, 2, 28, 0, 0, 0),
                     86400 * SEC);
    assert_int_equal(dw_time_from_civil(1969, 12, 31, 23, 59, 59), -SEC);
    assert_int_equal(dw_time_from_civil(2038, 1, 19, 3, 14, 8), INT64_C(2147483648) * SEC);
}

static void test_parse_log_timestamp(void **state)
{
    (void)state;
    struct dw_time t = parse_all("2022-02-04 14:39:44.844495-0500");
    assert_int_equal(t.kind, DW_TIME_DATE);
    assert_true(t.has_offset);
    assert_int_equal(t.offset_min, -300);
    assert_int_equal(t.frac_digits, 6);
    assert_int_equal(t.us, INT64_C(1644003584) * SEC + 844495);
    /* the same instant written in other zones */
    assert_int_equal(parse_all("2022-02-04T19:39:44.844495Z").us, t.us);
    assert_int_equal(parse_all("2022-02-05 01:09:44.844495+05:30").us, t.us);
    struct dw_time c = parse_all("2022-02-04 11:39:44.844495 -0800"); /* Console's space */
    assert_int_equal(c.us, t.us);
    assert_int_equal(c.offset_min, -480);
    /* no offset: wall clock taken as UTC */
    struct dw_time u = parse_all("2022-11-14 13:21:15.341");
    assert_false(u.has_offset);
    assert_int_equal(u.frac_digits, 3);
    assert_int_equal(u.us, dw_time_from_civil(2022, 11, 14, 13, 21, 15) + 341000);
}

static void test_parse_stops_at_text(void **state)
{
    (void)state;
    struct dw_time t;
    const char *s = "2022-02-04 14:39:44.844495-0500 0x1761     Default";
    assert_int_equal(dw_time_parse(s, strlen(s), &t), 31);
    s = "16:52:31.551867-0500 kernel DK: x";
    assert_int_equal(dw_time_parse(s, strlen(s), &t), 20);
    s = "12:00:00 - not an offset";
    assert_int_equal(dw_time_parse(s, strlen(s), &t), 8);
    assert_false(t.has_offset);
    /* n bounds the read even inside a valid time */
    assert_int_equal(dw_time_parse("2024-01-01 12:00:00", 16, &t), 0);
}

static void test_fractions(void **state)
{
    (void)state;
    struct dw_time t = parse_all("2024-01-01 00:00:00.5");
    assert_int_equal(t.frac_digits, 1);
    assert_int_equal(t.us % SEC, 500000);
    t = parse_all("2024-01-01 00:00:00.123456789");
    assert_int_equal(t.frac_digits, 9);
    assert_int_equal(t.us % SEC, 123456);
    roundtrip("2024-01-01 00:00:00.5", "2024-01-01T00:00:00.5");
    roundtrip("2024-01-01 00:00:00.120", "2024-01-01T00:00:00.120");
    roundtrip("2024-01-01 00:00:00.123456789Z", "2024-01-01T00:00:00.123456000+00:00");
    roundtrip("2024-01-01 00:00:00", "2024-01-01T00:00:00");
}

static void test_format_roundtrip(void **state)
{
    (void)state;
    roundtrip("2024-01-01T12:00:00.123456-07:00", "2024-01-01T12:00:00.123456-07:00");
    roundtrip("2024-01-01 12:00:00.123456-0700", "2024-01-01T12:00:00.123456-07:00");
    roundtrip("2026-11-20 10:14:03.201377-0800", "2026-11-20T10:14:03.201377-08:00");
    roundtrip("2023-09-27 22:55:39.622369+0200", "2023-09-27T22:55:39.622369+02:00");
    roundtrip("1999-12-31 23:59:59.999999+1400", "1999-12-31T23:59:59.999999+14:00");
    roundtrip("1969-12-31 23:59:59", "1969-12-31T23:59:59");
    roundtrip("1600-02-29 00:00:00", "1600-02-29T00:00:00");
    /* an offset that moves the UTC instant across a day boundary */
    struct dw_time t = parse_all("2024-03-01 01:00:00+0200");
    assert_int_equal(t.us, dw_time_from_civil(2024, 2, 29, 23, 0, 0));
}

static void test_leap_years(void **state)
{
    (void)state;
    struct dw_time t;
    assert_int_not_equal(dw_time_parse("2024-02-29 00:00:00", 19, &t), 0);
    assert_int_not_equal(dw_time_parse("2000-02-29 00:00:00", 19, &t), 0);
    assert_int_equal(dw_time_parse("2023-02-29 00:00:00", 19, &t), 0);
    assert_int_equal(dw_time_parse("1900-02-29 00:00:00", 19, &t), 0);
    assert_int_equal(dw_time_parse("2024-04-31 00:00:00", 19, &t), 0);
    assert_int_not_equal(dw_time_parse("2024-12-31 23:59:59", 19, &t), 0);
}

static void test_time_only(void **state)
{
    (void)state;
    char out[DW_TIME_ISO_MAX];
    struct dw_time t = parse_all("16:52:31.551867-0500");
    assert_int_equal(t.kind, DW_TIME_CLOCK);
    assert_int_equal(t.us, (INT64_C(21) * 3600 + 52 * 60 + 31) * SEC + 551867);
    assert_true(dw_time_format(&t, out));
    assert_string_equal(out, "16:52:31.551867-05:00");
    t = parse_all("23:30:00-0100"); /* wraps past midnight in UTC */
    assert_int_equal(t.us, 30 * 60 * SEC);
    roundtrip("23:30:00-0100", "23:30:00-01:00");
    roundtrip("00:15:00+0100", "00:15:00+01:00");
    t = parse_all("07:51:04.733232");
    assert_false(t.has_offset);
    assert_int_equal(t.us, (INT64_C(7) * 3600 + 51 * 60 + 4) * SEC + 733232);
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "abc",
                                      "24:00:00",
                                      "12:60:00",
                                      "12:00:61",
                                      "2024-13-01 00:00:00",
                                      "2024-00-01 00:00:00",
                                      "2024-01-00 00:00:00",
                                      "2024-01-01 12:00",
                                      "2024-01-01",
                                      "1:00:00",
                                      "12:00:001",
                                      "2024-01-01X12:00:00",
                                      "２０２４"};
    struct dw_time t;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(dw_time_parse(bad[k], strlen(bad[k]), &t), 0);
    /* a bad offset is not consumed, the time is */
    assert_int_equal(dw_time_parse("12:00:00+2500", 13, &t), 8);
    assert_false(t.has_offset);
}

static void test_format_none(void **state)
{
    (void)state;
    char out[DW_TIME_ISO_MAX];
    struct dw_time t = {.kind = DW_TIME_NONE};
    assert_false(dw_time_format(&t, out));
    assert_string_equal(out, "");
    t.kind = DW_TIME_UPTIME;
    t.us = 389898111;
    assert_false(dw_time_format(&t, out));
    assert_string_equal(out, "");
}


static void displayed(const char *in, bool utc, const char *want)
{
    char out[DW_TIME_ISO_MAX];
    struct dw_time t = parse_all(in);
    assert_true(dw_time_display(&t, utc, out));
    assert_string_equal(out, want);
}

/* The one form of text output: the log's own offset and fraction kept; local
 * time (TZ, set here) only for a date without offset; --utc gives Z. */
static void test_display(void **state)
{
    (void)state;
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1); /* Paris */
    tzset();
    displayed("2026-11-20 10:14:03.312040-0800", false, "2026-11-20T10:14:03.312040-08:00");
    displayed("2026-11-20 10:14:03.312040-0800", true, "2026-11-20T18:14:03.312040Z");
    displayed("2026-11-20 10:14:03.312", false, "2026-11-20T10:14:03.312+01:00");
    displayed("2026-11-20 10:14:03.312", true, "2026-11-20T09:14:03.312Z");
    displayed("2026-07-01 00:30:00", false, "2026-07-01T00:30:00+02:00");
    displayed("2026-07-01 00:30:00", true, "2026-06-30T22:30:00Z");
    displayed("2026-11-20T23:59:59.5+05:30", true, "2026-11-20T18:29:59.5Z");
    displayed("10:14:03.3-0800", false, "10:14:03.3-08:00");
    displayed("10:14:03.3-0800", true, "18:14:03.3Z");
    displayed("10:14:03", true, "10:14:03"); /* no date, no offset: as given */
    setenv("TZ", "PST8PDT,M3.2.0,M11.1.0", 1);
    tzset();
    displayed("2026-11-20 10:14:03.312", false, "2026-11-20T10:14:03.312-08:00");
    displayed("2026-11-20 10:14:03.312", true, "2026-11-20T18:14:03.312Z");
    setenv("TZ", "UTC0", 1);
    tzset();
    displayed("2026-11-20 10:14:03", false, "2026-11-20T10:14:03+00:00");
    displayed("2026-11-20 10:14:03", true, "2026-11-20T10:14:03Z");
    struct dw_time none = {.kind = DW_TIME_UPTIME, .us = 5};
    char out[DW_TIME_ISO_MAX];
    assert_false(dw_time_display(&none, true, out));
    assert_string_equal(out, "");
}

/* The instant of a date without offset is its wall-clock time in TZ. */
static void test_instant(void **state)
{
    (void)state;
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    struct dw_time a = parse_all("2026-11-20 10:00:00");           /* 09:00Z */
    struct dw_time b = parse_all("2026-11-20 09:30:00+00:00");     /* 09:30Z */
    assert_true(a.us > b.us);                                      /* as stored */
    assert_true(dw_time_instant(&a) < dw_time_instant(&b));        /* as they happened */
    assert_int_equal(dw_time_instant(&b), b.us);
    assert_int_equal(dw_time_local_offset_min(a.us), 60);
    setenv("TZ", "UTC0", 1);
    tzset();
    assert_int_equal(dw_time_instant(&a), a.us);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_parse_log_timestamp),
        cmocka_unit_test(test_parse_stops_at_text),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_time_only),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_format_none),
        cmocka_unit_test(test_fast_path_same),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
