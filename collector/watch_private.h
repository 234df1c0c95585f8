/* watch_private.h - what the parts of the live service share (watch.c, the
 * loop, positions and setup; watch_kids.c, the `log` children). */
#ifndef DW_WATCH_PRIVATE_H
#define DW_WATCH_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "forward.h"
#include "logcmd.h"
#include "pipeline.h"
#include "source.h"
#include "store.h"
#include "watch.h"

#define OVERLAP_US (2 * INT64_C(1000000))   /* catch-up starts this much before the position */
#define HEALTHY_US (30 * INT64_C(1000000))  /* a run this long resets the backoff */
#define PRUNE_EVERY_US (3600 * INT64_C(1000000))
#define REOPEN_MAX 64 /* incidents reopened after a restart, newest first */
#define STATE_EVERY_US INT64_C(1000000)     /* position without incident change: at most 1/s */
#define HOLD_MAX (64u << 20)                /* held stream output during a catch-up */
#define ROUND_MS 100                        /* longest poll wait: bounds commit latency */
#define FORWARD_GRACE_US (2 * INT64_C(1000000)) /* at exit, to deliver what is queued */

/* One `log` process: `stream` or the catch-up `show`. */
struct kid {
    const char *what;
    struct dw_child c;
    bool running;       /* spawned and not reaped */
    bool out_eof, err_eof;
    bool hold;          /* stdout goes to held, not the pipeline (stream during catch-up) */
    bool last_nl;       /* last byte fed ended a line */
    struct dw_buf held;
    struct dw_buf errline;
    char last_err[200]; /* last stderr line, for the exit message */
    int64_t started_us; /* monotonic */
    bool exited;        /* reaped, exit not handled yet */
    int status;
    uint64_t events;    /* events taken from it (show: the catch-up count) */
};

#define POSITION_TEXT_MAX 64 /* > DW_TIME_ISO_MAX: a time as logged, or formatted */

struct position {
    bool known;
    struct dw_time t;
    char text[POSITION_TEXT_MAX];
    long count;
};

struct watch {
    const struct dw_watch_opts *o;
    struct dw_store *store;
    struct dw_ruleset *rs;
    struct dw_pipeline *p;
    char *predicate;
    char hash[17];
    struct dw_pidfile *pf;
    bool log_mode; /* the log command (positions, children) */
    struct kid stream, show;
    struct kid *feeding; /* whose output the pipeline is reading */
    bool started_once;
    int64_t restart_at; /* monotonic; 0 = none due */
    int64_t backoff;
    struct position cur, resume;
    bool resume_active;
    long seen_at_resume;
    struct dw_watch_counters base;
    uint64_t restarts, duplicates;
    struct dw_time last_time; /* of the last event (DATE), for ticks */
    int64_t last_event_mono;
    bool unflushed, state_dirty, ticked;
    int64_t state_saved_mono, pruned_mono;
    struct dw_follow *follow;
    bool stdin_eof;
    enum dw_watch_status status;
    struct dw_forwarder *fw; /* NULL: not forwarding */
};

/* Ends the loop at the next round, as SIGTERM does. */
void watch_request_stop(void);

/* ---- watch_kids.c ---- */

/* Feeds a child's output to the pipeline, noting where lines end. */
void feed(struct watch *w, struct kid *k, const char *data, size_t n);
void kid_reset(struct kid *k);
/* Spawns `log stream` (and, with a known position, the catch-up `log show`
 * first, the stream held meanwhile). */
void start_log(struct watch *w);
/* Reads what a child has written; false at the end of its output. */
bool kid_read(struct watch *w, struct kid *k);
/* Handles children that ended: the catch-up first (then the held stream is
 * released), then the stream (restart with backoff). */
void reap(struct watch *w);
void stop_kids(struct watch *w);

#endif
