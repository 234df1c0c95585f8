/* watch.c - the live service: one poll loop over the `log` children (or a
 * followed file, or stdin), feeding the pipeline, committing each round,
 * keeping the resume position, reloading rules on SIGHUP.  The children
 * themselves (spawn, read, reap, restart with backoff) are watch_kids.c.
 * See watch.h for the promises. */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

#define PRUNE_EVERY_US (3600 * INT64_C(1000000))
#define REOPEN_MAX 64 /* incidents reopened after a restart, newest first */
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
    struct dw_pidfile *pf;
    bool log_mode; /* the log command (positions, children) */
    struct watch_kids kids;
    bool feeding_kid;      /* the pipeline reads a child's output */
    uint64_t taken;        /* events taken from children */
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

void watch_counters_parse(const char *text, struct dw_watch_counters *c)
{
    memset(c, 0, sizeof *c);
    struct { const char *name; uint64_t *v; } f[] = {
        {"lines", &c->lines},         {"events", &c->events},     {"findings", &c->findings},
        {"malformed", &c->malformed}, {"restarts", &c->restarts}, {"duplicates", &c->duplicates},
    };
    for (const char *p = text; p && *p;) {
        while (*p == ' ')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if ((size_t)(eq - p) == strlen(f[i].name) && strncmp(p, f[i].name, eq - p) == 0)
                *f[i].v = strtoull(eq + 1, NULL, 10);
        p = strchr(eq, ' ');
    }
}

void watch_counters_format(const struct dw_watch_counters *c, struct dw_buf *out)
{
    buf_printf(out,
               "lines=%" PRIu64 " events=%" PRIu64 " findings=%" PRIu64 " malformed=%" PRIu64
               " restarts=%" PRIu64 " duplicates=%" PRIu64,
               c->lines, c->events, c->findings, c->malformed, c->restarts, c->duplicates);
}

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

_Static_assert(WATCH_POSITION_TEXT_MAX >= DW_TIME_ISO_MAX, "a formatted time fits a position");

/* A position's time as logged, or formatted when there is no usable text. */
static void position_text(const struct dw_time *t, const char *time_text,
                          char out[WATCH_POSITION_TEXT_MAX])
{
    if (time_text && strlen(time_text) < WATCH_POSITION_TEXT_MAX)
        snprintf(out, WATCH_POSITION_TEXT_MAX, "%s", time_text);
    else
        dw_time_format(t, out);
}

/* Writes position and counters (inside the pipeline's open transaction when
 * there is one, so they commit together with the incidents). */
static void save_state(struct watch *w)
{
    struct dw_errors e = {0};
    struct dw_buf b = {0};
    if (w->log_mode && w->cur.known) {
        /* A finding still waiting for a keyed neighbour is in no stored
         * incident yet: the position stays at its line, so a start after a
         * SIGKILL reads it again (and what it re-reads after it is already
         * stored under the same event keys). */
        const struct dw_finding *f = pipeline_oldest_waiting(w->p);
        if (f && f->time.kind == DW_TIME_DATE && f->time.us <= w->cur.t.us) {
            char text[WATCH_POSITION_TEXT_MAX];
            position_text(&f->time, f->time_text, text);
            buf_printf(&b, "0 %s", text);
        } else {
            buf_printf(&b, "%ld %s", w->cur.count, w->cur.text);
        }
        store_state_set(w->store, DW_STATE_POSITION, buf_cstr(&b), &e);
    }
    buf_reset(&b);
    struct dw_watch_counters c = counters_now(w);
    watch_counters_format(&c, &b);
    store_state_set(w->store, DW_STATE_COUNTERS, buf_cstr(&b), &e);
    buf_free(&b);
    oplog_errors(w->log, "cannot save the watch state: ", &e);
    w->state_dirty = false;
    w->state_saved_mono = dw_mono_us();
}

static bool position_parse(const char *text, struct watch_position *pos)
{
    memset(pos, 0, sizeof *pos);
    char *end;
    long count = strtol(text, &end, 10);
    if (end == text || *end != ' ' || count < 0)
        return false;
    const char *t = end + 1;
    size_t n = strlen(t);
    if (n == 0 || n >= sizeof pos->text || dw_time_parse(t, n, &pos->t) != n ||
        pos->t.kind != DW_TIME_DATE)
        return false;
    memcpy(pos->text, t, n + 1);
    pos->count = count;
    pos->known = true;
    return true;
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
        position_text(&ev->time, ev->time_text, w->cur.text);
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
        oplog_say(w->log, "incident %" PRId64 " opened: %s: %s", inc->id, inc->subject ? inc->subject : "?",
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
    struct dw_ruleset *rs = ruleset_load_dir(w->o->rules_dir, &e);
    if (!rs) {
        oplog_say(w->log, "SIGHUP: the rules in %s do not load; keeping the rules in use:", w->o->rules_dir);
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
        oplog_say(w->log, "the predicate changed: restarting `log` (catching up from the position)");
        watch_kids_restart_now(&w->kids);
    } else {
        free(p);
    }
}

/* ---- setup ---- */

/* The daemon's DB: readable by a group (admin) so that `recent` works without
 * sudo.  The -shm file must be writable for a WAL reader. */
static void share_db(struct watch *w, struct dw_errors *err)
{
    struct group *g = getgrnam(w->o->db_group);
    if (!g) {
        dw_errors_add(err, "--group %s: no such group", w->o->db_group);
        return;
    }
    /* without -wal/-shm (deleted when the last connection closes), a
     * reader that cannot create them could not open the DB at all */
    store_keep_wal(w->store);
    const char *suffix[] = {"", "-wal", "-shm"};
    mode_t mode[] = {0640, 0640, 0660};
    for (int i = 0; i < 3; i++) {
        struct dw_buf path = {0};
        buf_printf(&path, "%s%s", w->o->db_path, suffix[i]);
        if (chown(buf_cstr(&path), (uid_t)-1, g->gr_gid) == 0)
            chmod(buf_cstr(&path), mode[i]);
        else if (i == 0)
            oplog_say(w->log, "%s: cannot give group %s access: %s", buf_cstr(&path), w->o->db_group,
                strerror(errno));
        buf_free(&path);
    }
    struct dw_buf dir = {0};
    buf_puts(&dir, w->o->db_path);
    char *slash = strrchr(dir.data, '/');
    if (slash && slash != dir.data) {
        *slash = '\0';
        if (chown(dir.data, (uid_t)-1, g->gr_gid) == 0)
            chmod(dir.data, 0750);
    }
    buf_free(&dir);
}

/* After a restart: the stored incidents still within the correlation window
 * of the saved position stay open, so that the lines after it (read again,
 * or new) join them instead of starting a second incident.  0 or -1. */
static int reopen_recent(struct watch *w, int64_t window_us, struct dw_errors *err)
{
    struct dw_query q = {.has_since = true, .since_us = w->cur.t.us - window_us,
                         .limit = REOPEN_MAX};
    struct dw_incident **v = NULL;
    size_t n = 0;
    if (store_recent(w->store, &q, &v, &n, err) < 0)
        return -1;
    size_t kept = 0;
    for (size_t i = n; i-- > 0;) { /* newest first: open the oldest first */
        /* one that ends well after the position came from elsewhere (a scan
         * of another Mac's log, a clock change): it is not this stream's */
        if (v[i]->last_seen.us > w->cur.t.us + window_us) {
            incident_free(v[i]);
            continue;
        }
        pipeline_reopen(w->p, v[i]);
        kept++;
    }
    free(v);
    if (kept)
        oplog_say(w->log, "%zu incident(s) ending less than %" PRId64 " s before the saved position stay "
               "open: what follows can join them",
            kept, window_us / 1000000);
    return 0;
}

static bool open_all(struct watch *w, struct dw_errors *err)
{
    const struct dw_watch_opts *o = w->o;
    struct dw_errors notes = {0};
    w->rs = ruleset_load_dir(o->rules_dir, err);
    if (!w->rs)
        return false;
    w->store = store_open(o->db_path, DW_STORE_WRITE, err);
    if (!w->store)
        return false;
    catalog_record(w->store, w->rs, err);
    if (!err->n && o->db_group)
        share_db(w, err);
    if (err->n)
        return false;
    if (w->log_mode) {
        w->pf = pidfile_open(o->db_path, o->log_command, err, &notes);
        w->kids.pf = w->pf;
        oplog_errors(w->log, "", &notes);
        if (!w->pf)
            return false;
    }
    char *value = NULL;
    store_state_get(w->store, DW_STATE_COUNTERS, &value, err);
    watch_counters_parse(value, &w->base);
    free(value);
    set_predicate(w, predicate_build(w->rs, &notes));
    if (w->log_mode) {
        oplog_errors(w->log, "predicate: ", &notes);
        char *hash = NULL, *pos = NULL;
        store_state_get(w->store, DW_STATE_PREDICATE, &hash, err);
        store_state_get(w->store, DW_STATE_POSITION, &pos, err);
        if (pos && (!hash || strcmp(hash, w->hash) != 0)) {
            oplog_say(w->log, "the predicate changed since the saved position (%s): dropping the position, "
                   "starting from now", pos);
            store_state_set(w->store, DW_STATE_POSITION, NULL, err);
        } else if (pos && !position_parse(pos, &w->cur)) {
            oplog_say(w->log, "unreadable saved position '%s': starting from now", pos);
        }
        store_state_set(w->store, DW_STATE_PREDICATE, w->hash, err);
        free(hash);
        free(pos);
    }
    dw_errors_clear(&notes);
    if (err->n)
        return false;
    struct dw_pipeline_opts popts = {
        .style = w->log_mode ? DW_STYLE_NDJSON : o->style,
        .correlate = DW_CORRELATE_DEFAULTS,
        .save_every_change = true,
        .skip_stored = w->log_mode,
    };
    w->p = pipeline_new(w->rs, w->store, &popts, on_change, w);
    pipeline_set_filter(w->p, on_event, w);
    pipeline_begin(w->p, w->log_mode ? "log stream"
                         : strcmp(o->follow_path, "-") == 0 ? "-" : o->follow_path);
    if (w->log_mode && w->cur.known && reopen_recent(w, popts.correlate.window_us, err) < 0)
        return false;
    if (o->follow_path && strcmp(o->follow_path, "-") != 0)
        w->follow = follow_open(o->follow_path);
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
            oplog_say(w.log, "reading %s", strcmp(o->follow_path, "-") == 0 ? "stdin" : o->follow_path);
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
            oplog_say(w.log, "stopped: %" PRIu64 " event(s), %" PRIu64 " finding(s) this run, %" PRIu64
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
    ruleset_free(w.rs);
    free(w.predicate);
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
    return w.status;
}
