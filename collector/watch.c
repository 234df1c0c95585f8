/* watch.c - the live service: one poll loop over the `log` children (or a
 * followed file, or stdin), feeding the pipeline, committing each round,
 * keeping the resume position, reloading rules on SIGHUP.  The children
 * themselves (spawn, read, reap, restart with backoff) are watch_kids.c;
 * what is kept in the database (counters, position, reopening) is
 * watch_state.c.
 * See watch.h for the promises. */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "clock.h"
#include "duration.h"
#include "forward.h"
#include "logcmd.h"
#include "logcmd_guard.h"
#include "oplog.h"
#include "pipeline.h"
#include "predicate.h"
#include "rules.h"
#include "source.h"
#include "store.h"
#include "store_prune.h"
#include "watch_kids.h"
#include "watch_lock.h"
#include "watch_state.h"

#define PRUNE_EVERY_US (3600 * INT64_C(1000000))
#define STATE_EVERY_US INT64_C(1000000)         /* position without incident change: at most 1/s */
#define ROUND_MS 100                            /* longest poll wait: bounds commit latency */
#define FORWARD_GRACE_US (2 * INT64_C(1000000)) /* at exit, to deliver what is queued */

struct watch {
    const struct dw_watch_opts *o;
    const struct dw_oplog *log;
    struct dw_store *store;
    struct dw_ruleset *rs;
    struct dw_pipeline *p;
    char *predicate;
    char hash[17];
    struct dw_dblock *lock; /* one watcher per database file */
    struct dw_pidfile *pf;
    bool log_mode; /* the log command (positions, children) */
    struct watch_kids kids;
    bool feeding_kid; /* the pipeline reads a child's output */
    uint64_t taken;   /* events taken from children */
    struct watch_position cur, resume;
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

static volatile sig_atomic_t stop_requested, reload_requested;
static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
    if (signal_pipe[1] >= 0) {
        char c = 0;
        ssize_t r = write(signal_pipe[1], &c, 1);
        (void)r;
    }
    errno = saved;
}

/* ---- counters and positions in the state table ---- */

static struct dw_watch_counters counters_now(struct watch *w)
{
    struct dw_watch_counters c = w->base;
    const struct dw_reader_stats *rs = pipeline_reader_stats(w->p);
    const struct dw_pipeline_stats *ps = pipeline_stats(w->p);
    uint64_t lines = rs->lines > w->duplicates ? rs->lines - w->duplicates : 0;
    c.lines += lines;
    c.events += ps->events;
    c.findings += ps->findings;
    c.malformed += rs->malformed;
    c.restarts += w->restarts;
    c.duplicates += w->duplicates;
    return c;
}

/* Writes position and counters (watch_state_save). */
static void save_state(struct watch *w)
{
    struct dw_watch_counters c = counters_now(w);
    watch_state_save(w->store, w->p, w->log_mode ? &w->cur : NULL, &c, w->log);
    w->state_dirty = false;
    w->state_saved_mono = dw_mono_us();
}

/* ---- the event filter: resume without duplicates, track the position ---- */

static bool on_event(const struct dw_event *ev, void *ctx)
{
    struct watch *w = ctx;
    w->last_event_mono = dw_mono_us();
    if (ev->time.kind == DW_TIME_DATE)
        w->last_time = ev->time;
    if (!w->log_mode || ev->time.kind != DW_TIME_DATE)
        return true;
    if (w->resume_active) {
        if (ev->time.us < w->resume.t.us ||
            (ev->time.us == w->resume.t.us && w->seen_at_resume < w->resume.count)) {
            if (ev->time.us == w->resume.t.us)
                w->seen_at_resume++;
            w->duplicates++;
            return false;
        }
        if (ev->time.us > w->resume.t.us)
            w->resume_active = false;
    }
    if (!w->cur.known || ev->time.us > w->cur.t.us) {
        w->cur.known = true;
        w->cur.t = ev->time;
        w->cur.count = 1;
        watch_position_text(&ev->time, ev->time_text, w->cur.text);
    } else if (ev->time.us == w->cur.t.us) {
        w->cur.count++;
    } /* an older event (out of order): the position stays */
    if (w->feeding_kid)
        w->taken++;
    w->state_dirty = true;
    return true;
}

static void on_change(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                      void *ctx)
{
    struct watch *w = ctx;
    if (change == DW_OPENED && inc->id)
        oplog_say(w->log, "incident %" PRId64 " opened: %s: %s", inc->id,
                  inc->subject ? inc->subject : "?",
                  inc->root && inc->root->summary ? inc->root->summary : "");
    if (w->fw) { /* inside the transaction that stored the change */
        struct dw_errors e = {0};
        forward_record(w->fw, change, inc, into, &e);
        oplog_errors(w->log, "cannot queue for forwarding: ", &e);
    }
}

/* ---- rules ---- */

static void set_predicate(struct watch *w, char *p)
{
    free(w->predicate);
    w->predicate = p;
    predicate_hash(p, w->hash);
}

static void reload(struct watch *w)
{
    struct dw_errors e = {0};
    struct dw_ruleset *rs = ruleset_load_layers(w->o->rule_layers, w->o->nrule_layers, &e);
    if (!rs) {
        oplog_say(w->log, "SIGHUP: the rules in %s%s do not load; keeping the rules in use:",
                  w->o->nrule_layers ? w->o->rule_layers[w->o->nrule_layers - 1].dir : "?",
                  w->o->nrule_layers > 1 ? " and the layers below" : "");
        oplog_errors(w->log, "  ", &e);
        return;
    }
    struct dw_ruleset *old = pipeline_set_rules(w->p, rs);
    ruleset_free(old);
    w->rs = rs;
    catalog_record(w->store, rs, &e);
    oplog_errors(w->log, "", &e);
    oplog_say(w->log, "SIGHUP: reloaded %zu rule(s) from %zu pack(s)", rs->nrules, rs->npacks);
    char *p = predicate_build(rs, &e);
    dw_errors_clear(&e);
    if (w->log_mode && strcmp(p, w->predicate) != 0) {
        set_predicate(w, p);
        store_state_set(w->store, DW_STATE_PREDICATE, w->hash, &e);
        oplog_errors(w->log, "", &e);
        oplog_say(w->log,
                  "the predicate changed: restarting `log` (catching up from the position)");
        watch_kids_restart_now(&w->kids);
    } else {
        free(p);
    }
}

/* ---- setup ---- */

static bool open_all(struct watch *w, struct dw_errors *err)
{
    const struct dw_watch_opts *o = w->o;
    struct dw_errors notes = {0};
    w->rs = ruleset_load_layers(o->rule_layers, o->nrule_layers, err);
    if (!w->rs)
        return false;
    w->store = store_open(o->db_path, DW_STORE_WRITE, err);
    if (!w->store)
        return false;
    /* before anything is written: a second watcher leaves the database alone */
    w->lock = dblock_take(o->db_path, err);
    if (!w->lock)
        return false;
    const char *db = dblock_db_path(w->lock); /* resolved: where the -wal and -shm are */
    catalog_record(w->store, w->rs, err);
    if (!err->n && o->db_group)
        watch_share_db(w->store, db, o->db_group, w->log, err);
    if (err->n)
        return false;
    if (w->log_mode) {
        w->pf = pidfile_open(db, o->log_command, err, &notes);
        w->kids.pf = w->pf;
        oplog_errors(w->log, "", &notes);
        if (!w->pf)
            return false;
    }
    set_predicate(w, predicate_build(w->rs, &notes));
    if (w->log_mode)
        oplog_errors(w->log, "predicate: ", &notes);
    dw_errors_clear(&notes);
    if (watch_state_load(w->store, w->hash, w->log_mode ? &w->cur : NULL, &w->base, w->log, err) !=
        0)
        return false;
    struct dw_pipeline_opts popts = {
        .style = w->log_mode ? DW_STYLE_NDJSON : o->style,
        .correlate = DW_CORRELATE_DEFAULTS,
        .save_every_change = true,
        .skip_stored = w->log_mode,
    };
    w->p = pipeline_new(w->rs, w->store, &popts, on_change, w);
    pipeline_set_filter(w->p, on_event, w);
    pipeline_begin(w->p, w->log_mode                        ? "log stream"
                         : strcmp(o->follow_path, "-") == 0 ? "-"
                                                            : o->follow_path);
    if (w->log_mode && w->cur.known &&
        watch_reopen_recent(w->store, w->p, &w->cur, popts.correlate.window_us, w->log, err) < 0)
        return false;
    if (o->follow_path && strcmp(o->follow_path, "-") != 0) {
        struct stat st;
        if (stat(o->follow_path, &st) == 0 && S_ISDIR(st.st_mode)) {
            dw_errors_add(err, "--follow %s: is a directory (give a file)", o->follow_path);
            return false;
        }
        w->follow = follow_open(o->follow_path);
    }
    if (o->nforward > 0) {
        struct dw_forward_opts fo = {
            .db_path = o->db_path,
            .urls = o->forward_urls,
            .nurls = o->nforward,
            .outbox_limit = o->outbox_limit,
            .backoff_min_us = o->backoff_min_us,
            .backoff_max_us = o->backoff_max_us,
            .log = o->log,
        };
        w->fw = forward_start(&fo, w->store, err);
        if (!w->fw)
            return false;
    }
    return true;
}

static void commit_round(struct watch *w)
{
    struct dw_errors e = {0};
    int64_t now = dw_mono_us();
    if (pipeline_pending(w->p)) {
        save_state(w);
        if (pipeline_commit(w->p, &e) != 0) {
            /* Full disk, I/O error, read-only: the rolled-back incidents
             * would never be written again, and a later save of the position
             * would skip their events.  Stop without saving anything more
             * (exit 2); the next start catches up from the stored position. */
            oplog_errors(w->log, "cannot store: ", &e);
            oplog_say(w->log, "stopping: the database cannot be written; the next start catches up "
                              "from the last stored position");
            w->status = DW_WATCH_FAILED;
            stop_requested = 1;
            return;
        }
        forward_wake(w->fw);
    } else if (w->state_dirty && now - w->state_saved_mono >= STATE_EVERY_US) {
        save_state(w);
    }
    if (w->o->retain_us > 0 && (w->pruned_mono == 0 || now - w->pruned_mono >= PRUNE_EVERY_US)) {
        int64_t n = 0;
        if (store_prune(w->store, dw_now_us() - w->o->retain_us, &n, &e) == 0 && n)
            oplog_say(w->log, "pruned %" PRId64 " incident(s) older than the retention", n);
        oplog_errors(w->log, "", &e);
        w->pruned_mono = now ? now : 1;
    }
}

/* After an idle round: emit a held-back record, and let the correlator's
 * clock run on so a quiet stream still closes its incidents. */
static void idle(struct watch *w)
{
    if (w->unflushed) {
        pipeline_flush(w->p);
        w->unflushed = false;
    }
    if (w->last_time.kind == DW_TIME_DATE && w->last_event_mono)
        pipeline_tick(w->p, w->last_time.us + (dw_mono_us() - w->last_event_mono));
}

/* Feeds bytes to the pipeline (a child's when kid). */
static void watch_feed(struct watch *w, bool kid, const char *data, size_t n)
{
    w->feeding_kid = kid;
    pipeline_feed(w->p, data, n);
    w->feeding_kid = false;
    w->unflushed = true;
}

static void follow_data(const char *data, size_t n, void *ctx)
{
    watch_feed(ctx, false, data, n);
}

/* watch_kids_hooks.feed: returns the events taken from the child's bytes. */
static uint64_t kid_data(void *ctx, const char *data, size_t n)
{
    struct watch *w = ctx;
    uint64_t before = w->taken;
    watch_feed(w, true, data, n);
    return w->taken - before;
}

/* From here the events read again are dropped up to the current position. */
static void resume_from_cur(struct watch *w)
{
    w->resume = w->cur;
    w->resume_active = w->cur.known;
    w->seen_at_resume = 0;
}

/* watch_kids_hooks.caught_up: the stream overlaps what the catch-up gave. */
static void kid_caught_up(void *ctx)
{
    resume_from_cur(ctx);
}

static void start_log(struct watch *w)
{
    watch_kids_start(&w->kids, w->predicate, &w->cur);
    if (w->kids.stream.pump.running)
        resume_from_cur(w);
}

/* Reads stdin once; at its end the loop stops. */
static bool read_stdin(struct watch *w)
{
    char buf[65536];
    ssize_t r = read(0, buf, sizeof buf);
    if (r > 0) {
        watch_feed(w, false, buf, (size_t)r);
        return true;
    }
    if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        w->stdin_eof = true;
        stop_requested = 1;
    }
    return false;
}

/* The children that ended: a restart is counted, "must be admin" stops. */
static void reap_kids(struct watch *w)
{
    switch (watch_kids_reap(&w->kids)) {
    case WATCH_KIDS_RUNNING:
        break;
    case WATCH_KIDS_RESTARTING:
        w->restarts++;
        w->state_dirty = true;
        break;
    case WATCH_KIDS_NOT_ADMIN:
        w->status = DW_WATCH_NOT_ADMIN;
        stop_requested = 1;
        break;
    }
}

/* One poll round. */
static void round_once(struct watch *w)
{
    struct pollfd fds[6];
    nfds_t nfds = 0;
    fds[nfds++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
    int timeout = w->follow || w->unflushed ? 50 : ROUND_MS;
    nfds += watch_kids_pollfds(&w->kids, fds + nfds, &timeout);
    bool use_stdin = !w->log_mode && !w->follow && !w->stdin_eof;
    if (use_stdin)
        fds[nfds++] = (struct pollfd){.fd = 0, .events = POLLIN};
    int n = poll(fds, nfds, timeout);
    if (n < 0 && errno != EINTR)
        oplog_say(w->log, "poll: %s", strerror(errno));
    if (n > 0 && fds[0].revents) {
        char junk[64];
        while (read(signal_pipe[0], junk, sizeof junk) > 0) {
        }
    }
    bool got = watch_kids_read(&w->kids);
    if (use_stdin && n > 0 && fds[nfds - 1].revents)
        got |= read_stdin(w);
    if (w->follow) {
        struct dw_errors notes = {0};
        got |= follow_read(w->follow, follow_data, w, &notes) > 0;
        oplog_errors(w->log, "", &notes);
    }
    reap_kids(w);
    if (!got)
        idle(w);
    if (reload_requested) {
        reload_requested = 0;
        reload(w);
    }
    if (w->log_mode && watch_kids_restart_due(&w->kids) && !stop_requested)
        start_log(w);
    commit_round(w);
}

static void install_signals(struct sigaction old[4])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old[0]);
    sigaction(SIGINT, &sa, &old[1]);
    sigaction(SIGHUP, &sa, &old[2]);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old[3]);
}

static void restore_signals(const struct sigaction old[4])
{
    sigaction(SIGTERM, &old[0], NULL);
    sigaction(SIGINT, &old[1], NULL);
    sigaction(SIGHUP, &old[2], NULL);
    sigaction(SIGPIPE, &old[3], NULL);
}

enum dw_watch_status watch_run(const struct dw_watch_opts *o, struct dw_errors *err)
{
    struct watch w;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.log_mode = o->follow_path == NULL;
    w.log = &o->log;
    struct watch_kids_opts ko = {
        .log_command = o->log_command,
        .catch_up = o->catch_up,
        .max_catch_up_us = o->max_catch_up_us,
        .backoff_min_us = o->backoff_min_us,
        .backoff_max_us = o->backoff_max_us,
        .log = w.log,
        .hooks = {kid_data, kid_caught_up, &w},
    };
    watch_kids_init(&w.kids, &ko);
    stop_requested = reload_requested = 0;
    if (pipe(signal_pipe) != 0) {
        dw_errors_add(err, "pipe: %s", strerror(errno));
        return DW_WATCH_FAILED;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(signal_pipe[i], F_SETFL, fcntl(signal_pipe[i], F_GETFL) | O_NONBLOCK);
    }
    struct sigaction old[4];
    install_signals(old);
    w.status = DW_WATCH_STOPPED;
    if (!open_all(&w, err)) {
        w.status = DW_WATCH_FAILED;
    } else {
        if (w.log_mode) {
            logcmd_guard_enable();
            oplog_say(w.log, "predicate: %zu characters, hash %s (`dextwatch predicate` prints it)",
                      strlen(w.predicate), w.hash);
            start_log(&w);
        } else {
            oplog_say(w.log, "reading %s",
                      strcmp(o->follow_path, "-") == 0 ? "stdin" : o->follow_path);
        }
        while (!stop_requested)
            round_once(&w);
        /* stop reading, flush what is open, commit (not after a store
         * failure: see commit_round) */
        watch_kids_stop(&w.kids);
        if (w.status != DW_WATCH_FAILED) {
            pipeline_flush(w.p);
            save_state(&w);
            struct dw_errors e = {0};
            pipeline_end(w.p, &e);
            oplog_errors(w.log, "cannot store: ", &e);
            save_state(&w);
        }
        forward_stop(w.fw, FORWARD_GRACE_US);
        w.fw = NULL;
        const struct dw_pipeline_stats *ps = pipeline_stats(w.p);
        if (w.status == DW_WATCH_STOPPED)
            oplog_say(w.log,
                      "stopped: %" PRIu64 " event(s), %" PRIu64 " finding(s) this run, %" PRIu64
                      " read again and already stored",
                      ps->events, ps->findings, ps->stored_before);
    }
    restore_signals(old);
    forward_stop(w.fw, 0);
    pipeline_free(w.p);
    follow_close(w.follow);
    pidfile_close(w.pf);
    if (w.store)
        store_close(w.store);
    dblock_release(w.lock); /* last: the next watcher starts on a closed database */
    ruleset_free(w.rs);
    free(w.predicate);
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
    return w.status;
}
