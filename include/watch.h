/* watch.h - the live service behind `dextwatch watch`.
 *
 * One loop (poll) feeds the same pipeline as `scan` (reader -> rules ->
 * correlator -> store) from one source:
 *   - the `log` command (logcmd.h): `log stream --style ndjson --level info
 *     --predicate P`, supervised: restarted with exponential backoff when it
 *     exits, ended when we exit (logcmd_guard.h, pidfile and the one-watcher lock in watch_lock.h);
 *   - a followed file (tail -F), or stdin.
 * With the log command, the position of the last event taken (timestamp text
 * and how many events of that exact timestamp were taken) is committed with
 * the incidents.  Every (re)start of the stream catches up first with
 * `log show --start <position - 2 s>` (bounded by max_catch_up_us) and drops
 * what it had already taken, so a restart loses nothing and stores nothing
 * twice.  To leave no gap the stream is started first and its output held
 * until the `show` has been read; events are processed show first, then stream.
 *
 * Incidents are saved on every change and committed after each poll round
 * that changed something (a live write waits at most one round, <= 100 ms).
 * SIGTERM/SIGINT: stop, flush, commit, return 0.  SIGHUP: reload the rules;
 * on failure keep the old ones and log why. */
#ifndef DW_WATCH_H
#define DW_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "oplog.h"
#include "reader.h"
#include "rules.h"
#include "util.h"

struct dw_watch_opts {
    const char *db_path; /* resolved */
    /* the rule layers, resolved (rules.h: ruleset_load_layers; SIGHUP loads
     * them again) */
    const struct dw_rule_layer *rule_layers;
    size_t nrule_layers;
    const char *log_command; /* resolved path (logcmd_path) */
    const char *follow_path; /* NULL: the log command; "-": stdin; else a file to follow */
    enum dw_style style;     /* of a followed file or stdin (AUTO detects) */
    int64_t retain_us;       /* prune incidents older than this, hourly; <= 0: never */
    bool catch_up;           /* at start, catch up from the saved position */
    int64_t max_catch_up_us; /* never look further back than this */
    int64_t backoff_min_us;  /* first restart delay (1 s) */
    int64_t backoff_max_us;  /* cap (60 s) */
    const char *db_group;    /* NULL, or a group (e.g. "admin") given read access to the DB */
    /* Messages for the operator (one line each, unescaped: the callback makes
     * them safe for a terminal).  log.fn NULL: none. */
    struct dw_oplog log;
    /* Forwarding (forward.h, docs/fleet.md): each incident event also goes
     * into the outbox, in the transaction that stores the change, and a
     * sender thread per destination delivers it.  nforward 0: none. */
    const char *const *forward_urls;
    size_t nforward;
    long outbox_limit; /* rows per destination; <= 0: DW_FORWARD_OUTBOX_LIMIT */
};

enum dw_watch_status {
    DW_WATCH_STOPPED = 0,   /* stopped by a signal, or stdin ended */
    DW_WATCH_FAILED = 1,    /* could not start (err says why), or the DB failed */
    DW_WATCH_NOT_ADMIN = 2, /* `log` exited 77: "Must be admin" */
};

/* Runs until SIGTERM/SIGINT or the end of stdin (DW_WATCH_STOPPED), `log`
 * exiting 77 (DW_WATCH_NOT_ADMIN), or a database that cannot be written
 * (DW_WATCH_FAILED, the reason logged; the next start catches up).  Installs
 * its own handlers for SIGTERM, SIGINT, SIGHUP and ignores SIGPIPE for the
 * duration. */
enum dw_watch_status watch_run(const struct dw_watch_opts *o, struct dw_errors *err);

/* State keys in the store (docs/watch.md). */
#define DW_STATE_POSITION "watch.position"   /* "<count> <timestamp text>" */
#define DW_STATE_PREDICATE "watch.predicate" /* predicate_hash of the stream's predicate */
#define DW_STATE_COUNTERS "watch.counters"   /* "lines=N events=N findings=N ..." */

/* Parses a DW_STATE_COUNTERS value; unknown names are ignored. */
struct dw_watch_counters {
    uint64_t lines, events, findings, malformed, restarts, duplicates;
};
void watch_counters_parse(const char *text, struct dw_watch_counters *c);
void watch_counters_format(const struct dw_watch_counters *c, struct dw_buf *out);

/* `--start` text for `log show`: t minus back_us, whole seconds, in t's own
 * UTC offset: "YYYY-MM-DD HH:MM:SS+hhmm". */
void watch_format_start(int64_t utc_us, int offset_min, char out[64]);

#endif
