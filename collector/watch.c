/* watch.c - the live service: one poll loop over the `log` children (or a
 * followed file, or stdin), feeding the pipeline, committing each round,
 * keeping the resume position, reloading rules on SIGHUP.  The children
 * themselves (spawn, read, reap, restart with backoff) are watch_kids.c.
 * See watch.h for the promises. */
#include "watch_private.h"

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
#include "store_extra.h"

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

void watch_request_stop(void)
{
    stop_requested = 1;
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

void watch_format_start(int64_t utc_us, int offset_min, char out[64])
{
    int64_t secs = utc_us / 1000000 - (utc_us % 1000000 < 0); /* floor */
    secs += (int64_t)offset_min * 60;
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t sod = secs - days * 86400;
    int64_t y;
    int m, d;
    dw_time_civil(days, &y, &m, &d);
    int off = offset_min < 0 ? -offset_min : offset_min;
    snprintf(out, 64, "%04lld-%02d-%02d %02d:%02d:%02d%c%02d%02d", (long long)y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), offset_min < 0 ? '-' : '+', off / 60, off % 60);
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

_Static_assert(POSITION_TEXT_MAX >= DW_TIME_ISO_MAX, "a formatted time fits a position");

/* A position's time as logged, or formatted when there is no usable text. */
static void position_text(const struct dw_time *t, const char *time_text,
                          char out[POSITION_TEXT_MAX])
{
    if (time_text && strlen(time_text) < POSITION_TEXT_MAX)
        snprintf(out, POSITION_TEXT_MAX, "%s", time_text);
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
            char text[POSITION_TEXT_MAX];
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
    oplog_errors(&w->o->log, "cannot save the watch state: ", &e);
    w->state_dirty = false;
    w->state_saved_mono = dw_mono_us();
}

static bool position_parse(const char *text, struct position *pos)
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
    if (w->feeding)
        w->feeding->events++;
    w->state_dirty = true;
    return true;
}

static void on_change(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                      void *ctx)
{
    struct watch *w = ctx;
    if (change == DW_OPENED && inc->id)
        oplog_say(&w->o->log, "incident %" PRId64 " opened: %s: %s", inc->id, inc->subject ? inc->subject : "?",
            inc->root && inc->root->summary ? inc->root->summary : "");
    if (w->fw) { /* inside the transaction that stored the change */
        struct dw_errors e = {0};
        forward_record(w->fw, change, inc, into, &e);
        oplog_errors(&w->o->log, "cannot queue for forwarding: ", &e);
    }
    if (w->o->on_change)
        w->o->on_change(change, inc, into, w->o->change_ctx);
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
        oplog_say(&w->o->log, "SIGHUP: the rules in %s do not load; keeping the rules in use:", w->o->rules_dir);
        oplog_errors(&w->o->log, "  ", &e);
        return;
    }
    struct dw_ruleset *old = pipeline_set_rules(w->p, rs);
    ruleset_free(old);
    w->rs = rs;
    store_record_rules(w->store, rs, &e);
    oplog_errors(&w->o->log, "", &e);
    oplog_say(&w->o->log, "SIGHUP: reloaded %zu rule(s) from %zu pack(s)", rs->nrules, rs->npacks);
    char *p = predicate_build(rs, &e);
    dw_errors_clear(&e);
    if (w->log_mode && strcmp(p, w->predicate) != 0) {
        set_predicate(w, p);
        store_state_set(w->store, DW_STATE_PREDICATE, w->hash, &e);
        oplog_errors(&w->o->log, "", &e);
        oplog_say(&w->o->log, "the predicate changed: restarting `log` (catching up from the position)");
        stop_kids(w);
        w->restart_at = 1; /* now */
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
            oplog_say(&w->o->log, "%s: cannot give group %s access: %s", buf_cstr(&path), w->o->db_group,
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
        oplog_say(&w->o->log, "%zu incident(s) ending less than %" PRId64 " s before the saved position stay "
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
    store_record_rules(w->store, w->rs, err);
    if (!err->n && o->db_group)
        share_db(w, err);
    if (err->n)
        return false;
    if (w->log_mode) {
        w->pf = pidfile_open(o->db_path, o->log_command, err, &notes);
        oplog_errors(&w->o->log, "", &notes);
        if (!w->pf)
            return false;
    }
    char *value = NULL;
    store_state_get(w->store, DW_STATE_COUNTERS, &value, err);
    watch_counters_parse(value, &w->base);
    free(value);
    set_predicate(w, predicate_build(w->rs, &notes));
    if (w->log_mode) {
        oplog_errors(&w->o->log, "predicate: ", &notes);
        char *hash = NULL, *pos = NULL;
        store_state_get(w->store, DW_STATE_PREDICATE, &hash, err);
        store_state_get(w->store, DW_STATE_POSITION, &pos, err);
        if (pos && (!hash || strcmp(hash, w->hash) != 0)) {
            oplog_say(&w->o->log, "the predicate changed since the saved position (%s): dropping the position, "
                   "starting from now", pos);
            store_state_set(w->store, DW_STATE_POSITION, NULL, err);
        } else if (pos && !position_parse(pos, &w->cur)) {
            oplog_say(&w->o->log, "unreadable saved position '%s': starting from now", pos);
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
            oplog_errors(&w->o->log, "cannot store: ", &e);
            oplog_say(&w->o->log, "stopping: the database cannot be written; the next start catches up "
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
            oplog_say(&w->o->log, "pruned %" PRId64 " incident(s) older than the retention", n);
        oplog_errors(&w->o->log, "", &e);
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

static void follow_data(const char *data, size_t n, void *ctx)
{
    feed(ctx, NULL, data, n);
}

/* One poll round. */
static void round_once(struct watch *w)
{
    struct pollfd fds[6];
    nfds_t nfds = 0;
    fds[nfds++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
    struct kid *ks[2] = {&w->show, &w->stream};
    for (int i = 0; i < 2; i++) {
        struct kid *k = ks[i];
        if (!k->running)
            continue;
        if (!k->out_eof && !(k->hold && k->held.len >= HOLD_MAX))
            fds[nfds++] = (struct pollfd){.fd = k->c.out_fd, .events = POLLIN};
        if (!k->err_eof)
            fds[nfds++] = (struct pollfd){.fd = k->c.err_fd, .events = POLLIN};
    }
    bool use_stdin = !w->log_mode && !w->follow && !w->stdin_eof;
    if (use_stdin)
        fds[nfds++] = (struct pollfd){.fd = 0, .events = POLLIN};
    int timeout = ROUND_MS;
    if (w->follow || w->unflushed)
        timeout = 50;
    for (int i = 0; i < 2; i++)
        if (ks[i]->running && ks[i]->out_eof && ks[i]->err_eof)
            timeout = 10; /* waiting to reap */
    if (w->restart_at) {
        int64_t left = (w->restart_at - dw_mono_us()) / 1000;
        if (left < timeout)
            timeout = left < 0 ? 0 : (int)left;
    }
    int n = poll(fds, nfds, timeout);
    if (n < 0 && errno != EINTR)
        oplog_say(&w->o->log, "poll: %s", strerror(errno));
    if (n > 0 && fds[0].revents) {
        char junk[64];
        while (read(signal_pipe[0], junk, sizeof junk) > 0) {
        }
    }
    bool got = false;
    for (int i = 0; i < 2; i++)
        if (ks[i]->running)
            got |= kid_read(w, ks[i]);
    if (use_stdin && n > 0 && fds[nfds - 1].revents) {
        char buf[65536];
        ssize_t r = read(0, buf, sizeof buf);
        if (r > 0) {
            feed(w, NULL, buf, (size_t)r);
            got = true;
        } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
            w->stdin_eof = true;
            stop_requested = 1;
        }
    }
    if (w->follow) {
        struct dw_errors notes = {0};
        got |= follow_read(w->follow, follow_data, w, &notes) > 0;
        oplog_errors(&w->o->log, "", &notes);
    }
    reap(w);
    if (!got)
        idle(w);
    if (reload_requested) {
        reload_requested = 0;
        reload(w);
    }
    if (w->log_mode && w->restart_at && dw_mono_us() >= w->restart_at && !stop_requested)
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
    w.backoff = o->backoff_min_us;
    w.stream.what = "stream";
    w.show.what = "show";
    kid_reset(&w.stream);
    kid_reset(&w.show);
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
            oplog_say(&o->log, "predicate: %zu characters, hash %s (`dextwatch predicate` prints it)",
                strlen(w.predicate), w.hash);
            start_log(&w);
        } else {
            oplog_say(&o->log, "reading %s", strcmp(o->follow_path, "-") == 0 ? "stdin" : o->follow_path);
        }
        while (!stop_requested)
            round_once(&w);
        /* stop reading, flush what is open, commit (not after a store
         * failure: see commit_round) */
        stop_kids(&w);
        if (w.status != DW_WATCH_FAILED) {
            pipeline_flush(w.p);
            save_state(&w);
            struct dw_errors e = {0};
            pipeline_end(w.p, &e);
            oplog_errors(&o->log, "cannot store: ", &e);
            save_state(&w);
        }
        forward_stop(w.fw, FORWARD_GRACE_US);
        w.fw = NULL;
        const struct dw_pipeline_stats *ps = pipeline_stats(w.p);
        if (w.status == DW_WATCH_STOPPED)
            oplog_say(&o->log, "stopped: %" PRIu64 " event(s), %" PRIu64 " finding(s) this run, %" PRIu64
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
