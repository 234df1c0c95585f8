/* test_reader_detect.c - style detection, byte-by-byte feeding giving the
 * same events as whole input, and hostile input (truncated JSON, NUL and
 * control bytes, invalid UTF-8, long lines, CRLF). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <dirent.h>

#include "reader.h"
#include "reader_run.h"
#include "util.h"

/* ---- detection ---- */

static const struct {
    const char *file;
    enum dw_style style;
    size_t records, headers;
} seed_files[] = {
    {"seed.default.log", DW_STYLE_DEFAULT, 9, 4}, {"seed.syslog.log", DW_STYLE_SYSLOG, 9, 2},
    {"seed.compact.log", DW_STYLE_COMPACT, 9, 1}, {"seed.json.log", DW_STYLE_JSON, 9, 0},
    {"seed.ndjson.log", DW_STYLE_NDJSON, 9, 1},   {"seed.plain.log", DW_STYLE_PLAIN, 5, 0},
    {"seed.bsd.log", DW_STYLE_BSD, 9, 0},         {"seed.console.log", DW_STYLE_PLAIN, 9, 0},
};

/* Every seed file: detected, complete, and holding the five seed events. */
static void test_detect_seed_files(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof seed_files / sizeof seed_files[0]; k++) {
        size_t len;
        char *data = slurp(seed_files[k].file, &len);
        struct run r = feed(DW_STYLE_AUTO, data, len, 0);
        print_message("%s\n", seed_files[k].file);
        assert_int_equal(r.style, seed_files[k].style);
        assert_int_equal(r.n, seed_files[k].records);
        assert_int_equal(r.st.headers, seed_files[k].headers);
        assert_int_equal(r.st.malformed, 0);
        assert_int_equal(r.st.oversized, 0);
        size_t seen = 0;
        for (size_t j = 0; j < r.n; j++) {
            struct got *g = &r.ev[j];
            if (strstr(g->message, "provider entitlements check failed")) {
                assert_string_equal(g->process, "kernel");
                seen |= 1;
            } else if (strcmp(g->message, "Kernel requested exit (Entitlements check failed)") ==
                       0) {
                assert_string_equal(g->process, "kernel");
                if (strcmp(seed_files[k].file, "seed.console.log") != 0) /* no sender column */
                    assert_non_null(g->sender);
                seen |= 2;
            } else if (strcmp(g->message, "Basic requirement validation failed, error: (null)") ==
                       0) {
                assert_string_equal(g->process, "amfid");
                seen |= 4;
            } else if (strstr(g->message, "signature not valid: -67050")) {
                assert_string_equal(g->process, "amfid");
                seen |= 8;
            } else if (strstr(g->message, "::exit(Entitlements check failed)")) {
                seen |= 16;
            }
            if (g->time.kind == DW_TIME_DATE && (g->time.has_offset || k != 6)) {
                /* local 10:14:02..04 at -0800; compact has no offset (wall clock as UTC) */
                int hour = g->time.has_offset ? 18 : 10;
                assert_true(g->time.us >= dw_time_from_civil(2026, 11, 20, hour, 14, 2));
                assert_true(g->time.us < dw_time_from_civil(2026, 11, 20, hour, 14, 4));
            }
        }
        assert_int_equal(seen, 31);
        run_free(&r);
        free(data);
    }
}

static void test_detect_line(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        enum dw_style want;
    } cases[] = {
        {"", DW_STYLE_AUTO},
        {"   ", DW_STYLE_AUTO},
        {"Filtering the log data using \"x\"", DW_STYLE_AUTO},
        {"Skipping debug messages, pass --debug to include.", DW_STYLE_AUTO},
        {"log: Could not parse predicate:", DW_STYLE_AUTO},
        {"** Processed 574 entries, done. **", DW_STYLE_AUTO},
        {"---------------------", DW_STYLE_AUTO},
        {"Timestamp                       Thread     Type        Activity             PID    TTL",
         DW_STYLE_DEFAULT},
        {"Timestamp                       (process)[PID]", DW_STYLE_SYSLOG},
        {"Timestamp               Ty Process[PID:TID]", DW_STYLE_COMPACT},
        {"[", DW_STYLE_JSON},
        {"[{\"a\":1}", DW_STYLE_JSON},
        {"[  389.898111]: DK: x", DW_STYLE_PLAIN},
        {"{\"eventMessage\":\"x\"}", DW_STYLE_NDJSON},
        {"2022-11-14 13:21:15.341 Df My App[59972:780a15] x", DW_STYLE_COMPACT},
        {"2023-09-27 22:55:39.622369+0200  localhost a[1]: x", DW_STYLE_SYSLOG},
        {"2022-02-04 14:39:44.844495-0500 0x1761     Default", DW_STYLE_DEFAULT},
        {"2022-02-04 14:39:44.844495-0500 kernel: x", DW_STYLE_PLAIN},
        {"Jan 22 16:39:16 host amfid(libmis.dylib)[444] <Notice>: x", DW_STYLE_BSD},
        {"Jan is a month", DW_STYLE_PLAIN},
        {"kernel: DK: x", DW_STYLE_PLAIN},
        {"2024-01-10 14:36:03.306 MyApp[1234:56789] x", DW_STYLE_PLAIN},
        {"2024-01-10 14:36:03.306 Er kernel[0:1] x", DW_STYLE_COMPACT},
        {"*\t*\tABCDE12345\tcom.example.driver (1.0/1)\tMyDriver\t[activated enabled]",
         DW_STYLE_PLAIN},
        {"--- com.apple.system_extension.driver_extension", DW_STYLE_PLAIN},
        {"Process:               com.example.driver [1234]", DW_STYLE_PLAIN},
        {"Error Domain=KMErrorDomain Code=71 \"x\"", DW_STYLE_PLAIN},
        {"[  389.898111] DK: x", DW_STYLE_PLAIN},
        {"{\"app_name\":\"x\",\"bug_type\":\"309\"}", DW_STYLE_NDJSON},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        print_message("%s\n", cases[k].line);
        assert_int_equal(dw_style_detect_line(cases[k].line, strlen(cases[k].line)), cases[k].want);
    }
}

static void test_style_names(void **state)
{
    (void)state;
    enum dw_style s;
    for (int k = DW_STYLE_AUTO; k <= DW_STYLE_BSD; k++) {
        assert_int_equal(dw_style_parse(dw_style_name((enum dw_style)k), &s), 0);
        assert_int_equal(s, k);
    }
    assert_string_equal(dw_style_name(DW_STYLE_NDJSON), "ndjson");
    assert_int_equal(dw_style_parse("xml", &s), -1);
    assert_int_equal(dw_style_parse("", &s), -1);
}

/* Banners and blank lines do not decide; the first record does. */
static void test_detect_after_banners(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO, "\n\nSkipping debug messages, pass --debug to include.\n"
                                           "Filtering the log data using \"x\"\n"
                                           "{\"eventMessage\":\"m\"}\n");
    assert_int_equal(r.style, DW_STYLE_NDJSON);
    assert_int_equal(r.st.headers, 2);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].line, 5);
    run_free(&r);
    /* nothing but banners: plain at the end, no events */
    r = feed_str(DW_STYLE_AUTO, "Filtering the log data using \"x\"\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.st.headers, 1);
    run_free(&r);
}

/* ---- byte-by-byte equals whole ---- */

static void serialize(const struct run *r, struct dw_buf *b)
{
    for (size_t k = 0; k < r->n; k++) {
        const struct got *g = &r->ev[k];
        buf_printf(b, "%ld|%lld|%ld|%llu|%d|%d|%lld|%d|%d|", g->line, (long long)g->raw_len, g->pid,
                   (unsigned long long)g->tid, g->has_tid, (int)g->time.kind, (long long)g->time.us,
                   g->time.offset_min, g->time.frac_digits);
        const char *strs[] = {g->time_text, g->process, g->level,   g->subsystem,
                              g->category,  g->sender,  g->message, g->raw};
        for (size_t j = 0; j < sizeof strs / sizeof strs[0]; j++)
            buf_printf(b, "%s\x1f", strs[j] ? strs[j] : "(null)");
        buf_putc(b, '\n');
    }
    buf_printf(b, "%llu %llu %llu %llu %llu %ld", (unsigned long long)r->st.lines,
               (unsigned long long)r->st.records, (unsigned long long)r->st.headers,
               (unsigned long long)r->st.malformed, (unsigned long long)r->st.oversized,
               r->st.first_malformed_line);
}

static void test_bytewise_equals_whole(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof seed_files / sizeof seed_files[0]; k++) {
        size_t len;
        char *data = slurp(seed_files[k].file, &len);
        struct dw_buf a = {0}, b = {0}, c = {0};
        struct run whole = feed(DW_STYLE_AUTO, data, len, 0);
        struct run bytes = feed(DW_STYLE_AUTO, data, len, 1);
        struct run odd = feed(DW_STYLE_AUTO, data, len, 7);
        serialize(&whole, &a);
        serialize(&bytes, &b);
        serialize(&odd, &c);
        assert_true(whole.n > 0);
        assert_string_equal(buf_cstr(&a), buf_cstr(&b));
        assert_string_equal(buf_cstr(&a), buf_cstr(&c));
        run_free(&whole);
        run_free(&bytes);
        run_free(&odd);
        buf_free(&a);
        buf_free(&b);
        buf_free(&c);
        free(data);
    }
}

/* Every file under tests/logs/ (cases other engineers add too): detected as
 * its name says (seed.<style>.log; anything else is a paste: plain, or ndjson
 * for .ips crash reports), nothing malformed, and the same events whether fed
 * whole or byte by byte. */
static void test_all_case_files(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/logs", DW_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    size_t files = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
            continue;
        print_message("%s\n", de->d_name);
        enum dw_style want = DW_STYLE_PLAIN; /* `<case>.<style>.log` names its style */
        char style[32] = "";
        const char *dot = de->d_name + len - 4;
        const char *prev = dot;
        while (prev > de->d_name && prev[-1] != '.')
            prev--;
        if (prev > de->d_name && (size_t)(dot - prev) < sizeof style) {
            memcpy(style, prev, (size_t)(dot - prev));
            style[dot - prev] = '\0';
            if (dw_style_parse(style, &want) != 0 || want == DW_STYLE_AUTO)
                want = DW_STYLE_PLAIN;
        }
        if (strstr(de->d_name, "ips"))
            want = DW_STYLE_NDJSON;
        bool clean = strncmp(de->d_name, "seed.", 5) == 0 || strncmp(de->d_name, "wild-", 5) == 0;
        size_t n;
        char *data = slurp(de->d_name, &n);
        struct run whole = feed(DW_STYLE_AUTO, data, n, 0);
        struct run bytes = feed(DW_STYLE_AUTO, data, n, 1);
        assert_int_equal(whole.style, want);
        if (clean) {
            assert_int_equal(whole.st.malformed, 0);
            assert_true(whole.n > 0);
        }
        struct dw_buf a = {0}, b = {0};
        serialize(&whole, &a);
        serialize(&bytes, &b);
        assert_string_equal(buf_cstr(&a), buf_cstr(&b));
        buf_free(&a);
        buf_free(&b);
        run_free(&whole);
        run_free(&bytes);
        free(data);
        files++;
    }
    closedir(d);
    assert_true(files >= 8);
}

/* ---- hostile input ---- */

static void test_truncated_json(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("seed.json.log", &len);
    size_t cut = (size_t)(strstr(data, "Kernel requested exit") - data);
    struct run r = feed(DW_STYLE_AUTO, data, cut, 0);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.st.malformed, 1);
    assert_int_equal(r.st.first_malformed_line, 162);
    assert_string_equal(r.st.first_malformed_why, "truncated JSON object");
    run_free(&r);
    free(data);

    /* broken objects inside the array: each is counted, the rest still parse */
    r = feed_str(DW_STYLE_JSON, "[\n{\"eventMessage\" : tru},\n{\"eventMessage\" : \"ok\"},\n"
                                "garbage,\n{\"eventMessage\" : \"ok2\"}\n]\n]\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.st.malformed, 3);
    assert_int_equal(r.st.first_malformed_line, 2);
    assert_string_equal(r.st.first_malformed_why, "invalid JSON");
    run_free(&r);
}

static void test_nul_and_control_bytes(void **state)
{
    (void)state;
    static const char in[] = "kernel: a\0b\x01\x1b[31mc\x7f\n"
                             "2024-01-01 12:00:00.000000-0700 0x1 Default 0x0 0 0 k\0rnel: m\0\n";
    struct run r = feed(DW_STYLE_PLAIN, in, sizeof in - 1, 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].process, "kernel");
    assert_string_equal(r.ev[0].message, "a\xEF\xBF\xBD"
                                         "b\x01\x1b[31mc\x7f");
    assert_string_equal(r.ev[1].process, "k\xEF\xBF\xBDrnel");
    assert_string_equal(r.ev[1].message, "m\xEF\xBF\xBD");
    run_free(&r);
    /* NUL bytes in JSON strings (\u0000) too */
    r = feed_str(DW_STYLE_NDJSON, "{\"eventMessage\":\"x\\u0000y\"}\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "x\xEF\xBF\xBDy");
    run_free(&r);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char in[] = "amfid: \xff\xfe\xc3(\xed\xa0\x80 bad\n\xc0\xaf: x\n";
    struct run r = feed(DW_STYLE_AUTO, in, sizeof in - 1, 0);
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].message, "\xff\xfe\xc3(\xed\xa0\x80 bad");
    assert_null(r.ev[1].process);
    run_free(&r);
    r = feed_str(DW_STYLE_NDJSON, "{\"eventMessage\":\"\xff\"}\n");
    assert_int_equal(r.n, 0);
    assert_int_equal(r.st.malformed, 1);
    run_free(&r);
}

/* Builds `prefix` + `fill` repeated to `size` bytes + "\n" + `tail`. */
static char *big_input(const char *prefix, size_t size, const char *tail, size_t *len)
{
    size_t p = strlen(prefix), t = strlen(tail);
    char *s = xmalloc(p + size + 1 + t + 1);
    memcpy(s, prefix, p);
    memset(s + p, 'x', size);
    s[p + size] = '\n';
    memcpy(s + p + size + 1, tail, t + 1);
    *len = p + size + 1 + t;
    return s;
}

static void test_long_lines(void **state)
{
    (void)state;
    const char *rec = "2024-01-01 12:00:00.000000-0700 0x1 Default 0x0 0 0 kernel: ";
    const char *next = "2024-01-01 12:00:01.000000-0700 0x1 Default 0x0 0 0 kernel: after\n";
    size_t len;
    char *s = big_input(rec, 2u << 20, next, &len); /* 2 MB: below the limit, kept */
    struct run r = feed(DW_STYLE_AUTO, s, len, 65536);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[0].message_len, 2u << 20);
    assert_int_equal(r.st.oversized, 0);
    run_free(&r);
    free(s);

    s = big_input(rec, 10u << 20, next, &len); /* 10 MB: skipped, counted */
    for (size_t chunk = 0; chunk <= 65536; chunk += 65536) {
        r = feed(DW_STYLE_DEFAULT, s, len, chunk);
        assert_int_equal(r.st.oversized, 1);
        assert_int_equal(r.st.lines, 2);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].line, 2);
        assert_string_equal(r.ev[0].message, "after");
        run_free(&r);
    }
    /* an oversized final line without newline */
    r = feed(DW_STYLE_PLAIN, s, len - strlen(next) - 1, 65536);
    assert_int_equal(r.st.oversized, 1);
    assert_int_equal(r.st.lines, 1);
    assert_int_equal(r.n, 0);
    run_free(&r);
    free(s);

    /* a json record object that outgrows the limit over several lines */
    struct dw_buf b = {0};
    buf_puts(&b, "[\n{\n  \"formatString\" : \"");
    char *fill = xmalloc(3u << 20);
    memset(fill, 'y', 3u << 20);
    for (int k = 0; k < 2; k++) {
        buf_append(&b, fill, 3u << 20); /* 3 MB lines: each fits, the record does not */
        buf_puts(&b, k == 0 ? "\",\n  \"eventMessage\" : \"" : "\"\n},\n");
    }
    free(fill);
    buf_puts(&b, "{\n  \"eventMessage\" : \"ok\"\n}\n]\n");
    r = feed(DW_STYLE_AUTO, b.data, b.len, 4096);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.st.oversized, 1);
    assert_int_equal(r.st.malformed, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "ok");
    assert_int_equal(r.ev[0].line, 6);
    run_free(&r);
    buf_free(&b);

    /* one line of a json record over the limit: the record is dropped whole */
    s = big_input("[\n{\n  \"eventMessage\" : \"", 5u << 20, "},\n{\"eventMessage\" : \"ok\"}\n]\n",
                  &len); /* closing '"' dropped too */
    r = feed(DW_STYLE_AUTO, s, len, 4096);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.st.oversized, 1);
    assert_int_equal(r.st.malformed, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "ok");
    run_free(&r);
    free(s);
}

static void test_empty_input(void **state)
{
    (void)state;
    for (int style = DW_STYLE_AUTO; style <= DW_STYLE_BSD; style++) {
        struct run r = feed((enum dw_style)style, "", 0, 0);
        assert_int_equal(r.n, 0);
        assert_int_equal(r.st.lines, 0);
        assert_int_equal(r.st.malformed, 0);
        assert_int_equal(r.st.bytes, 0);
        run_free(&r);
    }
}

static void test_crlf_and_final_line(void **state)
{
    (void)state;
    static const char in[] = "Timestamp               Ty Process[PID:TID]\r\n"
                             "2022-11-14 13:21:14.972 Df kernel[0:1] one\r\n"
                             "\r\n"
                             "2022-11-14 13:21:14.973 Df kernel[0:1] two";
    struct run r = feed_str(DW_STYLE_AUTO, in);
    assert_int_equal(r.style, DW_STYLE_COMPACT);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].message, "one");
    assert_string_equal(r.ev[1].message, "two");
    assert_int_equal(r.ev[1].line, 4);
    assert_null(strchr(r.ev[0].raw, '\r'));
    assert_int_equal(r.st.bytes, sizeof in - 1);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_seed_files),     cmocka_unit_test(test_detect_line),
        cmocka_unit_test(test_style_names),           cmocka_unit_test(test_detect_after_banners),
        cmocka_unit_test(test_bytewise_equals_whole), cmocka_unit_test(test_all_case_files),
        cmocka_unit_test(test_truncated_json),        cmocka_unit_test(test_nul_and_control_bytes),
        cmocka_unit_test(test_invalid_utf8),          cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_empty_input),           cmocka_unit_test(test_crlf_and_final_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
