/* test_correlate.c - the correlator on hand-made findings: keys join,
 * windows split, keyless findings find their neighbour, merges, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "correlate.h"
#include "util.h"

#define MAX_LOG 64

struct log {
    bool closes_only;
    int n;
    enum dw_change change[MAX_LOG];
    long seq[MAX_LOG];
    size_t count[MAX_LOG];
    char *subject[MAX_LOG];
    char *classes[MAX_LOG]; /* comma-joined, at close */
    char *lines[MAX_LOG];   /* evidence line numbers, comma-joined */
    char *root[MAX_LOG];
};

static void record(enum dw_change ch, struct dw_incident *inc, struct dw_incident *into, void *ctx)
{
    struct log *l = ctx;
    (void)into;
    if (l->closes_only && ch != DW_CLOSED)
        return;
    assert_true(l->n < MAX_LOG);
    int i = l->n++;
    l->change[i] = ch;
    l->seq[i] = inc->seq;
    l->count[i] = inc->count;
    l->subject[i] = xstrdup(inc->subject);
    struct dw_buf b = {0}, ln = {0};
    for (size_t c = 0; c < inc->nclasses; c++)
        buf_printf(&b, "%s%s", c ? "," : "", inc->classes[c]);
    for (size_t e = 0; e < incident_evidence_count(inc); e++)
        buf_printf(&ln, "%s%ld", e ? "," : "", incident_evidence_at(inc, e)->line);
    l->classes[i] = buf_steal(&b);
    l->lines[i] = buf_steal(&ln);
    l->root[i] = xstrdup(inc->root ? inc->root->rule_id : NULL);
}

static void log_free(struct log *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->subject[i]);
        free(l->classes[i]);
        free(l->lines[i]);
        free(l->root[i]);
    }
}

/* A finding at `line`, second `sec` (sec < 0: no time), with keys like
 * "bundle:com.x" (NULL-terminated list). */
static struct dw_finding *mk(long line, int sec, const char *process, const char *rule, int prio,
                             const char *bundle, const char *tag)
{
    struct dw_finding *f = xcalloc(1, sizeof *f);
    f->rule_id = xstrdup(rule);
    f->class_name = xstrdup(rule);
    f->severity = DW_SEV_ERROR;
    f->priority = prio;
    f->summary = xstrdup("s");
    f->input = xstrdup("t.log");
    f->line = line;
    if (sec >= 0) {
        f->time.kind = DW_TIME_DATE;
        f->time.us = (int64_t)sec * 1000000;
    }
    f->process = xstrdup(process);
    f->pid = 0;
    f->message = xstrdup("m");
    f->raw = xstrdup("m");
    f->keys = xcalloc(2, sizeof *f->keys);
    f->caps = xcalloc(2, sizeof *f->caps);
    struct dw_buf k = {0};
    if (bundle) {
        buf_printf(&k, "bundle:%s", bundle);
        f->keys[f->nkeys++] = buf_steal(&k);
        f->caps[f->ncaps].name = xstrdup("bundle");
        f->caps[f->ncaps++].value = xstrdup(bundle);
    }
    if (tag) {
        buf_printf(&k, "tag:%s", tag);
        f->keys[f->nkeys++] = buf_steal(&k);
        f->caps[f->ncaps].name = xstrdup("tag");
        f->caps[f->ncaps++].value = xstrdup(tag);
    }
    return f;
}

static int closed(const struct log *l)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += l->change[i] == DW_CLOSED;
    return n;
}

static int last_close(const struct log *l, int nth)
{
    for (int i = 0; i < l->n; i++)
        if (l->change[i] == DW_CLOSED && nth-- == 0)
            return i;
    fail_msg("no close #%d", nth);
    return -1;
}

/* The seed case: tag links to bundle, keyless amfid line waits for the keyed one. */
static void test_seed_shape(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, 100, "kernel", "dk.provider", 90, NULL, "100000f45"));
    correlator_add(c, mk(2, 100, "kernel", "dk.exit", 50, "com.MyDriver", "100000f45"));
    correlator_add(c, mk(3, 100, "kernel", "dk.requested-exit", 40, "com.MyDriver", NULL));
    correlator_add(c, mk(4, 101, "amfid", "amfi.basic", 30, NULL, NULL));
    correlator_add(c, mk(5, 101, "amfid", "amfi.sig", 35, "com.MyDriver", NULL));
    correlator_free(c);
    assert_int_equal(closed(&l), 1);
    int i = last_close(&l, 0);
    assert_string_equal(l.subject[i], "com.MyDriver");
    assert_int_equal(l.count[i], 5);
    assert_string_equal(l.lines[i], "1,2,3,4,5");
    assert_string_equal(l.root[i], "dk.provider");
    assert_string_equal(l.classes[i], "dk.provider,dk.exit,dk.requested-exit,amfi.basic,amfi.sig");
    assert_int_equal(l.change[0], DW_OPENED);
    log_free(&l);
}

/* Past the window, the same key opens a new incident. */
static void test_time_window(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, 0, "kernel", "a", 1, "com.x", NULL));
    correlator_add(c, mk(2, 29, "kernel", "a", 1, "com.x", NULL)); /* sliding: within 30 s */
    correlator_add(c, mk(3, 58, "kernel", "a", 1, "com.x", NULL)); /* within 30 s of the last */
    correlator_add(c, mk(4, 89, "kernel", "a", 1, "com.x", NULL)); /* 31 s after: new one */
    correlator_free(c);
    assert_int_equal(closed(&l), 2);
    assert_int_equal(l.count[last_close(&l, 0)], 3);
    assert_int_equal(l.count[last_close(&l, 1)], 1);
    log_free(&l);
}

static void test_line_window_without_time(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(10, -1, "kernel", "a", 1, "com.x", NULL));
    correlator_add(c, mk(60, -1, "kernel", "a", 1, "com.x", NULL));  /* 50 lines: within */
    correlator_add(c, mk(111, -1, "kernel", "a", 1, "com.x", NULL)); /* 51 lines: new */
    correlator_free(c);
    assert_int_equal(closed(&l), 2);
    log_free(&l);
}

/* An unrelated event far later closes the incident before input ends. */
static void test_tick_closes(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, 0, "kernel", "a", 1, "com.x", NULL));
    struct dw_event ev = {.line = 2, .time = {.kind = DW_TIME_DATE, .us = 40 * INT64_C(1000000)}};
    correlator_tick(c, &ev);
    assert_int_equal(closed(&l), 1);
    correlator_free(c);
    log_free(&l);
}

/* Two incidents with different keys merge when one finding carries both. */
static void test_transitive_merge(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, 0, "kernel", "a", 1, NULL, "abc"));
    correlator_add(c, mk(2, 1, "kernel", "b", 5, "com.y", NULL));
    correlator_add(c, mk(3, 2, "kernel", "c", 2, "com.y", "abc"));
    correlator_free(c);
    int merged = 0;
    for (int i = 0; i < l.n; i++)
        merged += l.change[i] == DW_MERGED;
    assert_int_equal(merged, 1);
    assert_int_equal(closed(&l), 1);
    int i = last_close(&l, 0);
    assert_int_equal(l.count[i], 3);
    assert_string_equal(l.lines[i], "1,2,3");
    assert_string_equal(l.subject[i], "com.y");
    assert_string_equal(l.root[i], "b");
    log_free(&l);
}

/* A keyless finding with a keyed neighbour of its process before it joins at once;
 * one with none stands alone with the process as subject. */
static void test_keyless(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, 0, "amfid", "k", 1, "com.z", NULL));
    correlator_add(c, mk(2, 1, "amfid", "nokey", 1, NULL, NULL));
    correlator_add(c, mk(3, 2, "sysextd", "nokey2", 1, NULL, NULL));
    correlator_free(c);
    assert_int_equal(closed(&l), 2);
    int a = last_close(&l, 0), b = last_close(&l, 1);
    assert_string_equal(l.subject[a], "com.z");
    assert_int_equal(l.count[a], 2);
    assert_string_equal(l.subject[b], "sysextd");
    assert_int_equal(l.count[b], 1);
    log_free(&l);
}

/* A keyless finding without process does not join a keyed incident of
 * another process; alone its subject is "unknown". */
static void test_unknown_process(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, -1, NULL, "orphan-before", 1, NULL, NULL));
    correlator_add(c, mk(2, -1, "amfid", "k", 1, "com.z", NULL));
    correlator_add(c, mk(3, -1, NULL, "orphan-after", 1, NULL, NULL));
    correlator_free(c);
    assert_int_equal(closed(&l), 2);
    int a = last_close(&l, 0), b = last_close(&l, 1);
    assert_string_equal(l.subject[a], "com.z");
    assert_string_equal(l.lines[a], "2");
    assert_string_equal(l.subject[b], "unknown");
    assert_string_equal(l.lines[b], "1,3");
    log_free(&l);
}

/* A link line (tag + bundle, never evidence) ties a tag-only finding to the
 * bundle's incident, names the incident after the bundle, and merges two
 * open incidents that each held one of the keys. */
static struct dw_finding *mk_link(long line, int sec, const char *bundle, const char *tag)
{
    struct dw_finding *f = mk(line, sec, "kernel", "link", 0, bundle, tag);
    f->link_only = true;
    return f;
}

static void test_link_lines(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_link(c, mk_link(1, 0, "com.Acme.Drv", "a41"));
    correlator_add(c, mk(2, 1, "kernel", "timeout", 5, NULL, "a41"));
    correlator_add(c, mk(3, 1, "amfid", "sig", 3, "com.Acme.Drv", NULL));
    correlator_free(c);
    assert_int_equal(closed(&l), 1);
    int i = last_close(&l, 0);
    assert_string_equal(l.subject[i], "com.Acme.Drv");
    assert_string_equal(l.lines[i], "2,3"); /* the link line is no evidence */

    struct log m = {0};
    c = correlator_new(NULL, record, &m);
    correlator_add(c, mk(10, 0, "kernel", "timeout", 5, NULL, "b52"));
    correlator_add(c, mk(11, 0, "amfid", "sig", 3, "com.Other.Drv", NULL));
    correlator_link(c, mk_link(12, 1, "com.Other.Drv", "b52"));
    correlator_free(c);
    assert_int_equal(closed(&m), 1);
    i = last_close(&m, 0);
    assert_string_equal(m.subject[i], "com.Other.Drv");
    assert_string_equal(m.lines[i], "10,11");
    log_free(&l);
    log_free(&m);
}

/* A bundle seen in many launches does not tie their tags together, and a
 * flood of link lines keeps memory and time bounded. */
static void test_link_bounds(void **state)
{
    (void)state;
    struct log l = {.closes_only = true};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    char tag[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(tag, sizeof tag, "%x", 0x100000 + i);
        correlator_link(c, mk_link(i + 1, 0, "com.busy.drv", tag));
    }
    correlator_add(c, mk(200000, 1, "kernel", "timeout", 5, NULL, "100001"));
    correlator_add(c, mk(200001, 1, "kernel", "timeout", 5, NULL, "11869f"));
    correlator_free(c);
    /* the first link fell out of the bounded list: its tag stands alone;
     * the last one still names the bundle */
    assert_int_equal(closed(&l), 2);
    int a = last_close(&l, 0), b = last_close(&l, 1);
    assert_string_equal(l.subject[a], "0x100001");
    assert_string_equal(l.subject[b], "com.busy.drv");
    log_free(&l);
}

/* Different dexts at the same time stay apart. */
static void test_distinct_subjects(void **state)
{
    (void)state;
    struct log l = {0};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    correlator_add(c, mk(1, 0, "kernel", "a", 1, "com.one", NULL));
    correlator_add(c, mk(2, 0, "kernel", "a", 1, "com.two", NULL));
    correlator_add(c, mk(3, 0, "kernel", "a", 1, "com.one", NULL));
    correlator_free(c);
    assert_int_equal(closed(&l), 2);
    log_free(&l);
}

/* Evidence stays bounded: first 20 and last 20 lines of 1000 findings. */
static void test_bounded_evidence(void **state)
{
    (void)state;
    struct log l = {.closes_only = true};
    struct dw_correlator *c = correlator_new(NULL, record, &l);
    for (int i = 1; i <= 1000; i++)
        correlator_add(
            c, mk(i, i / 10, "kernel", i == 500 ? "root" : "a", i == 500 ? 9 : 1, "com.big", NULL));
    correlator_free(c);
    int i = last_close(&l, 0);
    assert_int_equal(l.count[i], 1000);
    assert_string_equal(l.root[i], "root");
    assert_non_null(strstr(l.lines[i], "1,2,3,"));
    assert_non_null(strstr(l.lines[i], ",20,981,"));
    assert_non_null(strstr(l.lines[i], ",1000"));
    assert_null(strstr(l.lines[i], ",500,"));
    log_free(&l);
}

/* Counts changes without keeping them: open incidents now and at most. */
struct census {
    long open, max_open, closed, findings_closed;
};

static void count_open(enum dw_change ch, struct dw_incident *inc, struct dw_incident *into,
                       void *ctx)
{
    struct census *n = ctx;
    (void)into;
    if (ch == DW_OPENED && ++n->open > n->max_open)
        n->max_open = n->open;
    if (ch == DW_MERGED || ch == DW_CLOSED)
        n->open--;
    if (ch == DW_CLOSED) {
        n->closed++;
        n->findings_closed += (long)inc->count;
    }
}

/* 100,000 distinct failures in one second: never more than max_open are
 * held (the rest closed early, oldest window first, and counted), and the
 * run is linear (it took minutes and grew without bound when every finding
 * was compared with every open incident). */
static void test_many_distinct(void **state)
{
    (void)state;
    struct census n = {0};
    struct dw_correlator *c = correlator_new(NULL, count_open, &n);
    char bundle[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(bundle, sizeof bundle, "com.flood.d%d", i);
        correlator_add(c, mk(i + 1, 0, "kernel", "a", 1, bundle, NULL));
    }
    assert_int_equal(n.max_open, DW_CORRELATE_MAX_OPEN);
    assert_int_equal(correlator_closed_early(c), 100000 - DW_CORRELATE_MAX_OPEN);
    /* a repeat of a still-open one joins it; of an early-closed one, opens anew */
    correlator_add(c, mk(100001, 0, "kernel", "a", 1, "com.flood.d99999", NULL));
    correlator_add(c, mk(100002, 0, "kernel", "a", 1, "com.flood.d0", NULL));
    correlator_free(c);
    assert_int_equal(n.closed, 100001);
    assert_int_equal(n.findings_closed, 100002);
    assert_int_equal(n.open, 0);
}

/* The early close takes the incident whose window ends first. */
static void test_max_open_order(void **state)
{
    (void)state;
    struct log l = {.closes_only = true};
    struct dw_correlate_opts o = DW_CORRELATE_DEFAULTS;
    o.max_open = 2;
    struct dw_correlator *c = correlator_new(&o, record, &l);
    correlator_add(c, mk(1, 0, "kernel", "a", 1, "com.one", NULL));
    correlator_add(c, mk(2, 1, "kernel", "a", 1, "com.two", NULL));
    correlator_add(c, mk(3, 2, "kernel", "a", 1, "com.one", NULL)); /* com.two ends first now */
    correlator_add(c, mk(4, 3, "kernel", "a", 1, "com.three", NULL));
    assert_int_equal(closed(&l), 1);
    assert_string_equal(l.subject[last_close(&l, 0)], "com.two");
    assert_int_equal(correlator_closed_early(c), 1);
    correlator_free(c);
    assert_int_equal(closed(&l), 3);
    assert_string_equal(l.subject[last_close(&l, 1)], "com.one");
    assert_int_equal(l.count[last_close(&l, 1)], 2);
    log_free(&l);
}

/* Keyless findings waiting for a neighbour are bounded too: past 256 the
 * oldest stands alone at once. */
static void test_pending_bound(void **state)
{
    (void)state;
    struct census n = {0};
    struct dw_correlator *c = correlator_new(NULL, count_open, &n);
    char proc[32];
    for (int i = 0; i < 300; i++) {
        snprintf(proc, sizeof proc, "daemon%d", i);
        correlator_add(c, mk(i + 1, 0, proc, "a", 1, NULL, NULL));
    }
    assert_int_equal(n.open, 300 - 256);
    /* a keyed finding of a process still waiting takes its keyless one */
    correlator_add(c, mk(301, 0, "daemon299", "b", 2, "com.late", NULL));
    correlator_free(c);
    assert_int_equal(n.closed, 300);
    assert_int_equal(n.findings_closed, 301);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_shape),
        cmocka_unit_test(test_time_window),
        cmocka_unit_test(test_line_window_without_time),
        cmocka_unit_test(test_tick_closes),
        cmocka_unit_test(test_transitive_merge),
        cmocka_unit_test(test_keyless),
        cmocka_unit_test(test_distinct_subjects),
        cmocka_unit_test(test_unknown_process),
        cmocka_unit_test(test_link_lines),
        cmocka_unit_test(test_link_bounds),
        cmocka_unit_test(test_bounded_evidence),
        cmocka_unit_test(test_many_distinct),
        cmocka_unit_test(test_max_open_order),
        cmocka_unit_test(test_pending_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
