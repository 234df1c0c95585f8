/* pipeline.c - wiring of reader, rules, correlator and store. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "prefilter.h"
#include "util.h"

struct dw_pipeline {
    struct dw_ruleset *rs;
    struct dw_store *store;
    struct dw_pipeline_opts opts;
    dw_incident_fn sink;
    void *ctx;
    struct dw_reader *reader;
    struct dw_correlator *corr;
    struct dw_reader_stats last_reader;
    enum dw_style last_style;
    struct dw_pipeline_stats stats;
    struct dw_errors store_err; /* first store failure of the current input */
    bool in_tx;
    dw_event_filter_fn filter;
    void *filter_ctx;
    long last_line;          /* of the last event, for ticks */
    struct dw_prefilter *pf; /* NULL: every event meets every rule */
    bool pf_off;             /* opts.no_prefilter or DEXTWATCH_NO_PREFILTER */
};

/* Whether f's event is stored already.  A failed lookup keeps the finding
 * and is the input's store failure (pipeline_commit reports it). */
static bool stored_before(struct dw_pipeline *p, const struct dw_finding *f)
{
    if (!p->store)
        return false;
    struct dw_errors e = {0};
    enum dw_stored st = store_finding_stored(p->store, f, &e);
    if (st == DW_STORED_ERROR && !p->store_err.n)
        dw_errors_add(&p->store_err, "%s", e.n ? e.msgs[0] : "cannot look up a finding");
    dw_errors_clear(&e);
    return st == DW_STORED_YES;
}

static void on_event(const struct dw_event *ev, void *ctx)
{
    struct dw_pipeline *p = ctx;
    p->last_line = ev->line;
    if (p->filter && !p->filter(ev, p->filter_ctx))
        return;
    p->stats.events++;
    struct dw_finding *f =
        p->pf ? prefilter_classify(p->pf, p->rs, ev) : ruleset_classify(p->rs, ev);
    if (f && f->link_only) {
        correlator_link(p->corr, f);
    } else if (f && p->opts.skip_stored && stored_before(p, f)) {
        p->stats.stored_before++;
        finding_free(f);
        correlator_tick(p->corr, ev);
    } else if (f) {
        p->stats.findings++;
        correlator_add(p->corr, f);
    } else {
        correlator_tick(p->corr, ev);
    }
}

/* A record the prefilter ruled out (no rule can match it): the filter sees
 * it (its time and time text), then only the correlator's clock moves, as
 * for a parsed event that matched nothing. */
static void on_skipped(const struct dw_event *ev, void *ctx)
{
    struct dw_pipeline *p = ctx;
    p->last_line = ev->line;
    if (p->filter && !p->filter(ev, p->filter_ctx))
        return;
    p->stats.events++;
    correlator_tick(p->corr, ev);
}

/* The reader's skip hook, answered by the prefilter. */
static bool skip_json_line(void *pf, const char *s, size_t n, struct dw_time *t,
                           const char **time_text, size_t *time_len)
{
    return prefilter_json_skip(pf, s, n, t, time_text, time_len);
}

static bool skip_text_message(void *pf, const char *msg, size_t len)
{
    return prefilter_text_skip(pf, msg, len);
}

/* Lets the reader skip the records the prefilter rules out: ndjson lines
 * unparsed, text records by their raw message (reader.h, dw_reader_skip). */
static void attach_prefilter(struct dw_pipeline *p)
{
    if (!p->reader)
        return;
    struct dw_reader_skip skip = {
        .json_line = prefilter_json_usable(p->pf) ? skip_json_line : NULL,
        .text_message = prefilter_text_usable(p->pf) ? skip_text_message : NULL,
        .ctx = p->pf,
        .skipped = on_skipped,
    };
    reader_set_skip(p->reader, &skip);
}

/* Saves inc unless the store already failed for this input. */
static void save(struct dw_pipeline *p, struct dw_incident *inc, bool *created)
{
    size_t added = 0;
    *created = false;
    if (!p->store || p->store_err.n)
        return;
    if (!p->in_tx) {
        if (store_begin(p->store, &p->store_err) != 0)
            return;
        p->in_tx = true;
    }
    store_incident_save(p->store, inc, created, &added, &p->store_err);
}

static void on_change(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                      void *ctx)
{
    struct dw_pipeline *p = ctx;
    bool created = false;
    switch (change) {
    case DW_OPENED:
    case DW_GREW:
        if (p->opts.save_every_change)
            save(p, inc, &created);
        break;
    case DW_MERGED:
        if (inc->id && p->store && !p->store_err.n) {
            save(p, into, &created);
            store_incident_delete(p->store, inc->id, &p->store_err);
        }
        break;
    case DW_CLOSED:
        /* a live incident saved on open was counted new then */
        if (inc->dirty || !inc->id) {
            bool was_new = inc->id == 0;
            save(p, inc, &created);
            if (p->opts.save_every_change)
                created = created || was_new;
        }
        p->stats.incidents++;
        if (created || !p->store)
            p->stats.new_incidents++;
        if (inc->severity >= DW_SEV_INFO && inc->severity <= DW_SEV_CRITICAL)
            p->stats.by_severity[inc->severity]++;
        break;
    }
    if (p->sink)
        p->sink(change, inc, into, p->ctx);
}

struct dw_pipeline *pipeline_new(struct dw_ruleset *rs, struct dw_store *store,
                                 const struct dw_pipeline_opts *opts, dw_incident_fn sink,
                                 void *ctx)
{
    struct dw_pipeline *p = xcalloc(1, sizeof *p);
    p->rs = rs;
    p->store = store;
    p->opts = *opts;
    p->sink = sink;
    p->ctx = ctx;
    p->pf_off = opts->no_prefilter || prefilter_disabled_by_env();
    p->pf = p->pf_off ? NULL : prefilter_new(rs);
    return p;
}

void pipeline_begin(struct dw_pipeline *p, const char *input_name)
{
    p->reader = reader_new(input_name, p->opts.style, on_event, p);
    attach_prefilter(p);
    p->corr = correlator_new(&p->opts.correlate, on_change, p);
    p->stats.inputs++;
}

void pipeline_feed(struct dw_pipeline *p, const char *data, size_t n)
{
    reader_feed(p->reader, data, n);
}

void pipeline_flush(struct dw_pipeline *p)
{
    reader_flush(p->reader);
}

int pipeline_end(struct dw_pipeline *p, struct dw_errors *err)
{
    reader_finish(p->reader);
    correlator_finish(p->corr);
    p->stats.closed_early += correlator_closed_early(p->corr);
    correlator_free(p->corr);
    p->corr = NULL;

    const struct dw_reader_stats *rs = reader_stats(p->reader);
    p->last_reader = *rs;
    p->last_style = reader_style(p->reader);
    p->stats.bytes += rs->bytes;
    p->stats.lines += rs->lines;
    p->stats.headers += rs->headers;
    p->stats.malformed += rs->malformed;
    p->stats.oversized += rs->oversized;
    reader_free(p->reader);
    p->reader = NULL;
    return pipeline_commit(p, err);
}

enum dw_style pipeline_style(const struct dw_pipeline *p)
{
    return p->reader ? reader_style(p->reader) : p->last_style;
}

const struct dw_reader_stats *pipeline_reader_stats(const struct dw_pipeline *p)
{
    return p->reader ? reader_stats(p->reader) : &p->last_reader;
}

const struct dw_pipeline_stats *pipeline_stats(const struct dw_pipeline *p)
{
    return &p->stats;
}

void pipeline_free(struct dw_pipeline *p)
{
    if (!p)
        return;
    if (p->reader) {
        struct dw_errors e = {0};
        pipeline_end(p, &e);
        dw_errors_clear(&e);
    }
    prefilter_free(p->pf);
    free(p);
}

void pipeline_set_filter(struct dw_pipeline *p, dw_event_filter_fn fn, void *ctx)
{
    p->filter = fn;
    p->filter_ctx = ctx;
}

void pipeline_tick(struct dw_pipeline *p, int64_t now_us)
{
    if (!p->corr)
        return;
    /* an event-less point in time: same line (line windows never pass) */
    struct dw_event ev = {0};
    ev.input = "";
    ev.line = p->last_line;
    ev.time.kind = DW_TIME_DATE;
    ev.time.us = now_us;
    ev.time.has_offset = true;
    ev.pid = -1;
    ev.message = "";
    ev.raw = "";
    correlator_tick(p->corr, &ev);
}

bool pipeline_pending(const struct dw_pipeline *p)
{
    return p->in_tx || p->store_err.n;
}

void pipeline_reopen(struct dw_pipeline *p, struct dw_incident *inc)
{
    for (size_t i = 0; i < incident_evidence_count(inc); i++) {
        struct dw_finding *f = incident_evidence_at(inc, i);
        if (!f->nkeys) /* keys are not stored per finding: derive them again */
            finding_derive_keys(f);
    }
    correlator_reopen(p->corr, inc);
}

const struct dw_finding *pipeline_oldest_waiting(const struct dw_pipeline *p)
{
    return p->corr ? correlator_oldest_waiting(p->corr) : NULL; /* NULL after pipeline_end */
}

int pipeline_commit(struct dw_pipeline *p, struct dw_errors *err)
{
    int rc = 0;
    if (p->in_tx) {
        if (p->store_err.n)
            store_rollback(p->store);
        else
            store_commit(p->store, &p->store_err);
        p->in_tx = false;
    }
    if (p->store_err.n) {
        for (size_t i = 0; i < p->store_err.n; i++)
            dw_errors_add(err, "%s", p->store_err.msgs[i]);
        dw_errors_clear(&p->store_err);
        rc = -1;
    }
    return rc;
}

struct dw_ruleset *pipeline_set_rules(struct dw_pipeline *p, struct dw_ruleset *rs)
{
    struct dw_ruleset *old = p->rs;
    p->rs = rs;
    prefilter_free(p->pf);
    p->pf = p->pf_off ? NULL : prefilter_new(rs);
    attach_prefilter(p);
    return old;
}
