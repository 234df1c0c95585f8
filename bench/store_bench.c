/* store_bench.c - store throughput and query latency.
 *
 *   store_bench DIR [FINDINGS] [INCIDENTS]
 *
 * 1. saves FINDINGS findings (10 per incident, 500 incidents per transaction)
 *    into DIR/findings.db and prints findings/s;
 * 2. fills DIR/incidents.db with INCIDENTS one-finding incidents spread over
 *    a year (1,000,000 -> one every 31.5 s), then times
 *    store_recent (limit 20; with --since; with a class glob) and the class
 *    histogram of `recent`, as medians of 9 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "incident.h"
#include "store.h"
#include "store_stats.h"
#include "util.h"

#define T0 INT64_C(1795680000000000)
/* 1,000,000 incidents over a year: one every 31.5 s */
#define GAP_US INT64_C(31536000)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const classes[] = {"entitlement.provider-check", "dext.exit",
                                      "codesign.requirement", "sysext.activation-failed",
                                      "kext.load-failed"};

static struct dw_finding *finding(long n, int64_t us, const char *subject)
{
    struct dw_finding *f = xcalloc(1, sizeof *f);
    char buf[256];
    f->rule_id = xstrdup("dk.provider-entitlements");
    f->class_name = xstrdup(classes[n % 5]);
    f->severity = DW_SEV_ERROR;
    f->priority = (int)(n % 7);
    f->summary = xstrdup("DriverKit refused to start MyDriver");
    f->remediation = xstrdup("codesign -d --entitlements - <dext>");
    f->input = xstrdup("bench.log");
    f->line = n + 1;
    f->time = (struct dw_time){.kind = DW_TIME_DATE, .us = us, .has_offset = true,
                               .offset_min = -480, .frac_digits = 6};
    char iso[DW_TIME_ISO_MAX];
    dw_time_format(&f->time, iso);
    f->time_text = xstrdup(iso);
    f->process = xstrdup("kernel");
    f->pid = 0;
    snprintf(buf, sizeof buf, "DK: MyDriver-0x%lx: provider entitlements check failed", n);
    f->message = xstrdup(buf);
    f->raw = xstrdup(buf);
    f->caps = xcalloc(1, sizeof *f->caps);
    f->caps[0].name = xstrdup("bundle");
    f->caps[0].value = xstrdup(subject);
    f->ncaps = 1;
    f->keys = xcalloc(1, sizeof *f->keys);
    snprintf(buf, sizeof buf, "bundle:%s", subject);
    f->keys[0] = xstrdup(buf);
    f->nkeys = 1;
    return f;
}

static void die(struct dw_errors *err)
{
    for (size_t i = 0; i < err->n; i++)
        fprintf(stderr, "%s\n", err->msgs[i]);
    exit(1);
}

/* Incidents `gap_us` apart (a realistic DB spreads them over months), each
 * with `per` findings 1 ms apart. */
static void fill(struct dw_store *s, long incidents, long per, int64_t gap_us,
                 struct dw_errors *err)
{
    long n = 0;
    for (long i = 0; i < incidents; i++) {
        if (i % 500 == 0 && store_begin(s, err))
            die(err);
        char subject[64];
        snprintf(subject, sizeof subject, "com.vendor%ld.driver", i % 1000);
        struct dw_incident *inc = incident_new();
        for (long k = 0; k < per; k++, n++)
            incident_add(inc, finding(n, T0 + i * gap_us + k * 1000, subject));
        bool created;
        size_t added;
        if (store_incident_save(s, inc, &created, &added, err))
            die(err);
        incident_free(inc);
        if ((i % 500 == 499 || i == incidents - 1) && store_commit(s, err))
            die(err);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void time_recent(struct dw_store *s, const char *label, struct dw_query q, bool hist)
{
    double t[9];
    struct dw_errors err = {0};
    for (int r = 0; r < 9; r++) {
        double t0 = now_s();
        if (hist) {
            struct dw_class_hist *h = NULL;
            size_t n = 0;
            int64_t lo = 0, hi = 0;
            if (store_time_span(s, &q, &lo, &hi, &err) ||
                store_class_histogram(s, &q, lo, hi, &h, &n, &err))
                die(&err);
            store_class_histogram_free(h, n);
        } else {
            struct dw_incident **v = NULL;
            size_t n = 0;
            if (store_recent(s, &q, &v, &n, &err))
                die(&err);
            store_incidents_free(v, n);
        }
        t[r] = now_s() - t0;
    }
    qsort(t, 9, sizeof t[0], cmp_double);
    printf("  %-44s median %8.2f ms\n", label, t[4] * 1e3);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: store_bench DIR [FINDINGS] [INCIDENTS]\n");
        return 2;
    }
    long findings = argc > 2 ? atol(argv[2]) : 100000;
    long incidents = argc > 3 ? atol(argv[3]) : 1000000;
    struct dw_errors err = {0};
    char path[4096];

    snprintf(path, sizeof path, "%s/findings.db", argv[1]);
    remove(path);
    struct dw_store *s = store_open(path, DW_STORE_WRITE, &err);
    if (!s)
        die(&err);
    double t0 = now_s();
    fill(s, findings / 10, 10, 10000, &err);
    double dt = now_s() - t0;
    printf("store: %ld findings in %.2f s = %.0f findings/s\n", findings, dt, findings / dt);
    store_close(s);

    snprintf(path, sizeof path, "%s/incidents.db", argv[1]);
    s = store_open(path, DW_STORE_WRITE, &err);
    if (!s)
        die(&err);
    struct dw_query all = {.limit = 20};
    struct dw_incident **v;
    size_t have = 0;
    if (store_time_span(s, &all, &(int64_t){0}, &(int64_t){0}, &err))
        die(&err);
    /* reuse a DB of the right size from an earlier run: filling takes minutes */
    if (store_recent(s, &(struct dw_query){.limit = 1}, &v, &have, &err))
        die(&err);
    int64_t top = have ? v[0]->id : 0;
    store_incidents_free(v, have);
    if (top < incidents) {
        printf("filling %ld incidents (one-time) ...\n", incidents);
        fflush(stdout);
        store_close(s);
        remove(path);
        s = store_open(path, DW_STORE_WRITE, &err);
        if (!s)
            die(&err);
        fill(s, incidents, 1, GAP_US, &err);
    }
    printf("recent on %ld incidents:\n", incidents);
    time_recent(s, "recent --limit 20", all, false);
    time_recent(s, "recent --since (last 10%) --limit 20",
                (struct dw_query){.has_since = true, .since_us = T0 + incidents * GAP_US / 10 * 9, .limit = 20},
                false);
    time_recent(s, "recent --class 'sysext.*' --limit 20",
                (struct dw_query){.class_glob = "sysext.*", .limit = 20}, false);
    time_recent(s, "recent --subject com.vendor7.driver --limit 20",
                (struct dw_query){.subject_glob = "com.vendor7.driver", .limit = 20}, false);
    time_recent(s, "class lines, --since (last 10%)",
                (struct dw_query){.has_since = true, .since_us = T0 + incidents * GAP_US / 10 * 9}, true);
    time_recent(s, "class lines, all incidents", (struct dw_query){0}, true);
    store_close(s);
    return 0;
}
