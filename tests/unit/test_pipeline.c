/* test_pipeline.c - the pipeline itself: records in, findings and incidents
 * out, with and without the prefilter (which skips records through the
 * reader's hook), a filter, a store, and the counts it keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline.h"
#include "util.h"

/* Two rules with literals (so the prefilter can skip text and ndjson
 * records) that key their findings by bundle id. */
static const char pack[] = "rules:\n"
                           "  - id: t.crash\n"
                           "    class: dext.crash\n"
                           "    severity: error\n"
                           "    priority: 50\n"
                           "    match: 'driver (?<bundle>com\\.example\\.[a-z]+) crashed'\n"
                           "    summary: '{bundle} crashed'\n"
                           "    remediation: 'look at {bundle}'\n"
                           "    references: [here]\n"
                           "    examples:\n"
                           "      - 'kernel: driver com.example.foo crashed'\n"
                           "  - id: t.timeout\n"
                           "    class: dext.timeout\n"
                           "    severity: warning\n"
                           "    priority: 40\n"
                           "    match: 'driver (?<bundle>com\\.example\\.[a-z]+) timed out'\n"
                           "    summary: '{bundle} timed out'\n"
                           "    references: [here]\n"
                           "    examples:\n"
                           "      - 'kernel: driver com.example.foo timed out'\n";

#define SYSLOG(t, msg) "2026-11-20 10:14:" t ".000100-0800  localhost kernel[0]: " msg "\n"

/* A header, 4 harmless records (one with a continuation line), foo timing
 * out then crashing (one incident) and bar crashing a minute later (a
 * second incident). */
static const char syslog_text[] = "Timestamp                       (process)[PID]    \n" SYSLOG(
    "00", "IOUserServer ready") SYSLOG("01", "driver com.example.foo timed out")
    SYSLOG("02", "nothing to see") SYSLOG("03", "driver com.example.foo crashed")
        SYSLOG("04", "still nothing") "  an indented continuation of the record before\n" SYSLOG(
            "05", "more noise") "2026-11-20 10:15:30.000100-0800  localhost kernel[0]: driver "
                                "com.example.bar crashed\n";

/* Compact, as `log --style ndjson` writes it (the raw skip needs `"key":"`). */
#define NDJSON(t, msg)                                                                             \
    "{\"timestamp\":\"2026-11-20 10:14:" t ".000100-0800\",\"messageType\":\"Default\","           \
    "\"processImagePath\":\"/kernel\",\"eventMessage\":\"" msg "\"}\n"

static const char ndjson_text[] = NDJSON("00", "IOUserServer ready")
    NDJSON("01", "driver com.example.foo timed out") NDJSON("02", "nothing to see")
        NDJSON("03", "driver com.example.foo crashed") NDJSON("04", "still nothing") "not json\n";

struct seen {
    int closed;
    char classes[8][64]; /* of each closed incident, comma-joined */
    char subject[8][64];
    int64_t ids[8];
    int filtered;      /* events the filter saw */
    int filtered_bare; /* of those, with an empty message (skipped records) */
    long drop_line;    /* the filter drops the event of this line */
};

static void sink(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                 void *ctx)
{
    struct seen *s = ctx;
    (void)into;
    if (change != DW_CLOSED)
        return;
    assert_true(s->closed < 8);
    struct dw_buf b = {0};
    for (size_t i = 0; i < inc->nclasses; i++)
        buf_printf(&b, "%s%s", i ? "," : "", inc->classes[i]);
    snprintf(s->classes[s->closed], sizeof s->classes[0], "%s", buf_cstr(&b));
    snprintf(s->subject[s->closed], sizeof s->subject[0], "%s", inc->subject ? inc->subject : "");
    s->ids[s->closed] = inc->id;
    s->closed++;
    buf_free(&b);
}

static bool filter(const struct dw_event *ev, void *ctx)
{
    struct seen *s = ctx;
    s->filtered++;
    if (ev->message[0] == '\0')
        s->filtered_bare++;
    return ev->line != s->drop_line;
}

static struct dw_ruleset *load_pack(void)
{
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_new();
    int rc = ruleset_add_buffer(rs, "t.yaml", pack, strlen(pack), &err);
    for (size_t i = 0; i < err.n; i++)
        fprintf(stderr, "%s\n", err.msgs[i]);
    assert_int_equal(rc, 0);
    dw_errors_clear(&err);
    return rs;
}

/* Runs text through a new pipeline over rs (store may be NULL), fed in
 * pieces of `chunk` bytes; copies the stats out. */
static void run(struct dw_ruleset *rs, struct dw_store *store, bool no_prefilter, const char *text,
                size_t chunk, struct seen *s, bool with_filter, struct dw_pipeline_stats *stats)
{
    struct dw_pipeline_opts opts = {
        .style = DW_STYLE_AUTO, .correlate = DW_CORRELATE_DEFAULTS, .no_prefilter = no_prefilter};
    struct dw_pipeline *p = pipeline_new(rs, store, &opts, sink, s);
    if (with_filter)
        pipeline_set_filter(p, filter, s);
    pipeline_begin(p, "t.log");
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += chunk)
        pipeline_feed(p, text + i, n - i < chunk ? n - i : chunk);
    struct dw_errors err = {0};
    assert_int_equal(pipeline_end(p, &err), 0);
    dw_errors_clear(&err);
    *stats = *pipeline_stats(p);
    pipeline_free(p);
}

/* Findings, incidents and counts of a syslog input, whole or byte by byte. */
static void test_syslog_incidents(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_pack();
    size_t chunks[] = {SIZE_MAX, 1, 7};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct seen s = {0};
        struct dw_pipeline_stats st;
        run(rs, NULL, false, syslog_text, chunks[c], &s, false, &st);
        assert_int_equal(st.inputs, 1);
        assert_int_equal(st.lines, 9);
        assert_int_equal(st.headers, 1);
        assert_int_equal(st.malformed, 0); /* the indented line continues a record */
        assert_int_equal(st.events, 7);
        assert_int_equal(st.findings, 3);
        assert_int_equal(st.incidents, 2);
        assert_int_equal(st.new_incidents, 2); /* no store: every incident is new */
        assert_int_equal(st.by_severity[DW_SEV_ERROR], 2);
        assert_int_equal(st.by_severity[DW_SEV_WARNING], 0);
        assert_int_equal(st.bytes, strlen(syslog_text));
        assert_int_equal(s.closed, 2);
        assert_string_equal(s.classes[0], "dext.timeout,dext.crash");
        assert_string_equal(s.subject[0], "com.example.foo");
        assert_string_equal(s.classes[1], "dext.crash");
        assert_string_equal(s.subject[1], "com.example.bar");
    }
    ruleset_free(rs);
}

/* The prefilter skips the records no rule can match (the filter sees them
 * bare: message "") and changes nothing else; without it every record is
 * parsed in full. */
static void test_prefilter_skips(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_pack();
    const char *texts[] = {syslog_text, ndjson_text};
    const int harmless[] = {4, 3}; /* records no rule matches */
    for (int t = 0; t < 2; t++) {
        struct seen on = {0}, off = {0};
        struct dw_pipeline_stats st_on, st_off;
        run(rs, NULL, false, texts[t], SIZE_MAX, &on, true, &st_on);
        run(rs, NULL, true, texts[t], SIZE_MAX, &off, true, &st_off);
        assert_int_equal(on.filtered_bare, harmless[t]);
        assert_int_equal(off.filtered_bare, 0);
        assert_int_equal(on.filtered, off.filtered);
        assert_int_equal(st_on.events, st_off.events);
        assert_int_equal(st_on.findings, st_off.findings);
        assert_int_equal(st_on.incidents, st_off.incidents);
        assert_int_equal(st_on.malformed, st_off.malformed);
        assert_int_equal(on.closed, off.closed);
        for (int i = 0; i < on.closed; i++)
            assert_string_equal(on.classes[i], off.classes[i]);
    }
    ruleset_free(rs);
}

/* ndjson: a skipped line still counts as an event; a line that is not JSON
 * is malformed either way. */
static void test_ndjson_counts(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_pack();
    struct seen s = {0};
    struct dw_pipeline_stats st;
    run(rs, NULL, false, ndjson_text, SIZE_MAX, &s, false, &st);
    assert_int_equal(st.lines, 6);
    assert_int_equal(st.events, 5);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(st.findings, 2);
    assert_int_equal(st.incidents, 1);
    assert_string_equal(s.classes[0], "dext.timeout,dext.crash");
    ruleset_free(rs);
}

/* An event the filter drops is neither counted nor classified. */
static void test_filter_drops(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_pack();
    struct seen s = {.drop_line = 3}; /* foo timing out */
    struct dw_pipeline_stats st;
    run(rs, NULL, false, syslog_text, SIZE_MAX, &s, true, &st);
    assert_int_equal(s.filtered, 7);
    assert_int_equal(st.events, 6);
    assert_int_equal(st.findings, 2);
    assert_int_equal(st.incidents, 2);
    assert_string_equal(s.classes[0], "dext.crash");
    ruleset_free(rs);
}

/* With a store: incidents get ids; the same input again makes no new one. */
static void test_store_new_incidents(void **state)
{
    (void)state;
    char dir[] = "/tmp/dw_test_pipeline_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    struct dw_errors err = {0};
    struct dw_store *store = store_open(path, DW_STORE_WRITE, &err);
    assert_non_null(store);
    struct dw_ruleset *rs = load_pack();
    struct seen first = {0}, again = {0};
    struct dw_pipeline_stats st1, st2;
    run(rs, store, false, syslog_text, SIZE_MAX, &first, false, &st1);
    run(rs, store, false, syslog_text, SIZE_MAX, &again, false, &st2);
    assert_int_equal(st1.new_incidents, 2);
    assert_true(first.ids[0] > 0 && first.ids[1] > 0 && first.ids[0] != first.ids[1]);
    assert_int_equal(st2.incidents, 2);
    assert_int_equal(st2.new_incidents, 0);
    assert_int_equal(again.ids[0], first.ids[0]);
    assert_int_equal(again.ids[1], first.ids[1]);
    ruleset_free(rs);
    store_close(store);
    dw_errors_clear(&err);
    char side[160];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffix[i]);
        unlink(side);
    }
    rmdir(dir);
}

/* A new rule set (SIGHUP reload) takes effect for later records; the old
 * one comes back to the caller. */
static void test_set_rules(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_pack();
    struct dw_ruleset *empty = ruleset_new();
    struct seen s = {0};
    struct dw_pipeline_opts opts = {.style = DW_STYLE_SYSLOG, .correlate = DW_CORRELATE_DEFAULTS};
    struct dw_pipeline *p = pipeline_new(empty, NULL, &opts, sink, &s);
    pipeline_begin(p, "t.log");
    const char before[] = SYSLOG("01", "driver com.example.foo timed out");
    const char after[] = SYSLOG("03", "driver com.example.foo crashed");
    pipeline_feed(p, before, strlen(before));
    pipeline_flush(p);
    assert_ptr_equal(pipeline_set_rules(p, rs), empty);
    pipeline_feed(p, after, strlen(after));
    struct dw_errors err = {0};
    assert_int_equal(pipeline_end(p, &err), 0);
    assert_int_equal(pipeline_stats(p)->findings, 1);
    assert_int_equal(s.closed, 1);
    assert_string_equal(s.classes[0], "dext.crash");
    assert_int_equal(pipeline_style(p), DW_STYLE_SYSLOG);
    pipeline_free(p);
    ruleset_free(empty);
    ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syslog_incidents),    cmocka_unit_test(test_prefilter_skips),
        cmocka_unit_test(test_ndjson_counts),       cmocka_unit_test(test_filter_drops),
        cmocka_unit_test(test_store_new_incidents), cmocka_unit_test(test_set_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
