/* pipeline.h - reader -> rules -> correlator -> store, for one or more inputs.
 *
 * The stages wired together once, so `scan` (files) and a live `watch` (a
 * child's pipe) run the same code.  The caller feeds bytes; the pipeline
 * classifies each event, correlates findings, saves incidents (when a store is
 * given) and then hands every incident change to the sink.  It also wires the
 * rules' literal prefilter (prefilter.h) to the reader's skip hook (reader.h,
 * dw_reader_skip): records no rule can match are not parsed, only their time
 * moves the correlator's clock. */
#ifndef DW_PIPELINE_H
#define DW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "correlate.h"
#include "reader.h"
#include "rules.h"
#include "store.h"

struct dw_pipeline_opts {
    enum dw_style style;
    struct dw_correlate_opts correlate;
    bool save_every_change; /* live: save on open/grow too; batch: save when closed */
    /* Classify every event with every rule, skipping no line (the literal
     * prefilter, prefilter.h, is also off when DEXTWATCH_NO_PREFILTER=1). */
    bool no_prefilter;
    /* Live resume: a finding whose event is already stored (read again after
     * a restart) is dropped before correlation, so that an incident reopened
     * with pipeline_reopen does not count it twice. */
    bool skip_stored;
};

struct dw_pipeline_stats {
    uint64_t inputs, bytes, lines, events, headers, malformed, oversized;
    uint64_t findings;
    uint64_t stored_before; /* findings dropped by skip_stored */
    uint64_t incidents;     /* closed incidents handed to the sink */
    uint64_t new_incidents; /* of those, not in the store before */
    uint64_t by_severity[4];
    uint64_t closed_early; /* incidents closed early: too many open (correlate.h) */
};

/* sink(change, inc, into, ctx) is called after the store has been updated for
 * that change: inc->id is the DB id once the incident was saved (closed, or
 * any change with save_every_change), 0 before that, without a store, or
 * after a store failure in the current input. */
struct dw_pipeline;
struct dw_pipeline *pipeline_new(struct dw_ruleset *rs, struct dw_store *store,
                                 const struct dw_pipeline_opts *opts, dw_incident_fn sink,
                                 void *ctx);
/* Starts an input: one reader and one correlation scope.  Its store writes go
 * into a transaction opened at the first write and committed by pipeline_end
 * (or earlier, live, by pipeline_commit). */
void pipeline_begin(struct dw_pipeline *p, const char *input_name);
void pipeline_feed(struct dw_pipeline *p, const char *data, size_t n);
/* Flushes a pending multi-line record (live sources call it when idle). */
void pipeline_flush(struct dw_pipeline *p);
/* Ends the input: closes its incidents and commits.  Returns 0, or -1 when the
 * store failed (messages in err; the input's transaction is rolled back). */
int pipeline_end(struct dw_pipeline *p, struct dw_errors *err);
/* The style detected for the current or last input, and its reader stats. */
enum dw_style pipeline_style(const struct dw_pipeline *p);
const struct dw_reader_stats *pipeline_reader_stats(const struct dw_pipeline *p);
const struct dw_pipeline_stats *pipeline_stats(const struct dw_pipeline *p);
void pipeline_free(struct dw_pipeline *p);

/* Live use (watch).  A filter sees every event before the rules and returns
 * false to drop it (a duplicate from a resume overlap).  NULL: none.  Events
 * of records the prefilter skips reach it too, with only input, line, time
 * and time_text set. */
typedef bool (*dw_event_filter_fn)(const struct dw_event *ev, void *ctx);
void pipeline_set_filter(struct dw_pipeline *p, dw_event_filter_fn fn, void *ctx);
/* Time for a quiet stream: closes incidents whose window has passed at log
 * time now_us (a DATE time, as dw_time.us; watch passes the last event's time
 * plus the wall-clock time since it arrived).  The correlator otherwise only
 * moves on events.  Scan never calls it. */
void pipeline_tick(struct dw_pipeline *p, int64_t now_us);
/* True while the current input has uncommitted store writes. */
bool pipeline_pending(const struct dw_pipeline *p);
/* Live resume: continues a stored incident (ownership taken) in the current
 * input; see correlator_reopen.  Call after pipeline_begin, oldest first. */
void pipeline_reopen(struct dw_pipeline *p, struct dw_incident *inc);
/* The oldest finding not stored yet because it waits for a keyed neighbour
 * (correlator_oldest_waiting), or NULL. */
const struct dw_finding *pipeline_oldest_waiting(const struct dw_pipeline *p);
/* Commits what the current input wrote so far and keeps going (live).
 * Returns 0, or -1 with messages in err (those writes are rolled back; the
 * incidents are written again on their next change). */
int pipeline_commit(struct dw_pipeline *p, struct dw_errors *err);
/* Swaps the rule set for later events (SIGHUP reload); returns the old one,
 * which the caller frees: findings already made keep their own copies. */
struct dw_ruleset *pipeline_set_rules(struct dw_pipeline *p, struct dw_ruleset *rs);

#endif
