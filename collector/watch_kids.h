/* watch_kids.h - the `log` children of `dextwatch watch` (watch_kids.c), as
 * the service loop (watch.c) sees them: `log stream`, started first, and with
 * a known position the catch-up `log show` from there, the stream's output
 * held until the show has been read; reaping; restarts with backoff.  The
 * children report back only through the hooks below: watch_kids.c knows
 * nothing of the loop, the pipeline or the store. */
#ifndef DW_WATCH_KIDS_H
#define DW_WATCH_KIDS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "dwtime.h"
#include "logpump.h"
#include "oplog.h"
#include "source.h"
#include "watch_lock.h"

/* catch-up starts this much before the position */
#define WATCH_OVERLAP_US (2 * INT64_C(1000000))
#define WATCH_HEALTHY_US (30 * INT64_C(1000000)) /* a run this long resets the backoff */
#define WATCH_HOLD_MAX (64u << 20)               /* held stream output during a catch-up */
#define WATCH_POSITION_TEXT_MAX 64 /* > DW_TIME_ISO_MAX: a time as logged, or formatted */

/* Where the last taken event was: its time (as logged) and how many events
 * of that exact time were taken. */
struct watch_position {
    bool known;
    struct dw_time t;
    char text[WATCH_POSITION_TEXT_MAX];
    long count;
};

/* What the children tell the loop. */
struct watch_kids_hooks {
    /* Output of a child, in log order (the catch-up's before the stream's);
     * returns how many events the loop took from it. */
    uint64_t (*feed)(void *ctx, const char *data, size_t n);
    /* The catch-up ended: what the stream gives next overlaps what it gave. */
    void (*caught_up)(void *ctx);
    void *ctx;
};

struct watch_kids_opts {
    const char *log_command;
    bool catch_up;           /* at the first start, catch up from the position */
    int64_t max_catch_up_us; /* never look further back than this */
    int64_t backoff_min_us, backoff_max_us;
    const struct dw_oplog *log;
    struct watch_kids_hooks hooks;
};

/* One child and what is held of its output. */
struct watch_kid {
    struct dw_logpump pump;
    struct watch_kids *kids;
    bool hold;    /* stdout goes to held (the stream during a catch-up) */
    bool last_nl; /* the last byte fed ended a line */
    struct dw_buf held;
    uint64_t events; /* events the loop took from it */
};

struct watch_kids {
    struct watch_kids_opts o;
    struct dw_pidfile *pf; /* NULL: none; lists the running children */
    struct watch_kid stream, show;
    bool started_once;
    int64_t restart_at; /* monotonic; 0 = none due */
    int64_t backoff;
};

/* How reaping went. */
enum watch_kids_reaped {
    WATCH_KIDS_RUNNING,    /* nothing to tell */
    WATCH_KIDS_RESTARTING, /* the stream ended: a restart is due after the backoff */
    WATCH_KIDS_NOT_ADMIN,  /* `log` exited 77 ("Must be admin"): stop */
};

void watch_kids_init(struct watch_kids *k, const struct watch_kids_opts *o);
/* Starts `log stream` with predicate ("" or everything: none), and with a
 * known position (and catch_up, or after the first start) `log show` from
 * pos minus WATCH_OVERLAP_US.  A stream that will not start is retried after
 * the backoff. */
void watch_kids_start(struct watch_kids *k, const char *predicate,
                      const struct watch_position *pos);
/* Adds the descriptors to poll to fds (at most 4); lowers *timeout_ms when a
 * reap or a restart is due sooner. */
size_t watch_kids_pollfds(struct watch_kids *k, struct pollfd *fds, int *timeout_ms);
/* Reads what the children wrote; true when stdout gave anything. */
bool watch_kids_read(struct watch_kids *k);
/* Handles children that ended: the catch-up first (then the held stream is
 * released), then the stream (a restart with backoff). */
enum watch_kids_reaped watch_kids_reap(struct watch_kids *k);
/* Whether a restart is due now. */
bool watch_kids_restart_due(const struct watch_kids *k);
/* Ends both children (SIGTERM, SIGKILL after 2 s). */
void watch_kids_stop(struct watch_kids *k);
/* Ends both children and asks for a restart at once (the predicate changed). */
void watch_kids_restart_now(struct watch_kids *k);

#endif
