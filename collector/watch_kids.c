/* watch_kids.c - the `log` children of watch: spawning `log stream` and the
 * catch-up `log show`, reading their output into the pipeline (holding the
 * stream's while a catch-up runs), reaping them, restarting with backoff. */
#include "watch_private.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "duration.h"
#include "oplog.h"
#include "logcmd.h"
#include "logcmd_guard.h"
#include "predicate.h"

void feed(struct watch *w, struct kid *k, const char *data, size_t n)
{
    if (n == 0)
        return;
    w->feeding = k;
    pipeline_feed(w->p, data, n);
    w->feeding = NULL;
    if (k)
        k->last_nl = data[n - 1] == '\n';
    w->unflushed = true;
}

/* Ends a partial last line of k so it cannot run into the next output. */
static void end_line(struct watch *w, struct kid *k)
{
    if (!k->last_nl)
        feed(w, k, "\n", 1);
}

void kid_reset(struct kid *k)
{
    buf_free(&k->held);
    buf_free(&k->errline);
    const char *what = k->what;
    memset(k, 0, sizeof *k);
    k->what = what;
    k->c.pid = 0;
    k->c.out_fd = k->c.err_fd = -1;
    k->last_nl = true;
}

static void record_pids(struct watch *w)
{
    pid_t pids[2] = {w->stream.running ? w->stream.c.pid : 0,
                     w->show.running ? w->show.c.pid : 0};
    pidfile_record(w->pf, pids, 2);
}

static bool kid_spawn(struct watch *w, struct kid *k, char **args)
{
    struct dw_errors e = {0};
    kid_reset(k);
    if (logcmd_spawn(w->o->log_command, args, &k->c, &e) != 0) {
        oplog_errors(&w->o->log, "", &e);
        return false;
    }
    k->running = true;
    k->started_us = dw_mono_us();
    return true;
}

void start_log(struct watch *w)
{
    bool catch_up = w->cur.known && (w->started_once ? true : w->o->catch_up);
    bool everything = predicate_is_everything(w->predicate);
    char *sargs[] = {"stream", "--style", "ndjson", "--level", "info",
                     everything ? NULL : "--predicate", w->predicate, NULL};
    w->restart_at = 0;
    if (!kid_spawn(w, &w->stream, sargs)) {
        w->restart_at = dw_mono_us() + w->backoff;
        oplog_say(&w->o->log, "retrying in %" PRId64 " s", w->backoff / 1000000);
        w->backoff = w->backoff * 2 > w->o->backoff_max_us ? w->o->backoff_max_us : w->backoff * 2;
        return;
    }
    w->resume = w->cur;
    w->resume_active = w->cur.known;
    w->seen_at_resume = 0;
    if (catch_up) {
        int64_t from = w->cur.t.us - OVERLAP_US;
        int64_t floor_us = dw_now_us() - w->o->max_catch_up_us;
        char start[64];
        if (from < floor_us) {
            watch_format_start(floor_us, w->cur.t.offset_min, start);
            oplog_say(&w->o->log, "catch-up limited to --max-catch-up: events between %s and %s are skipped",
                w->cur.text, start);
            from = floor_us;
        }
        watch_format_start(from, w->cur.t.offset_min, start);
        char *cargs[] = {"show", "--style", "ndjson", "--info", "--start", start,
                         everything ? NULL : "--predicate", w->predicate, NULL};
        w->stream.hold = true;
        if (kid_spawn(w, &w->show, cargs))
            oplog_say(&w->o->log, "catching up from %s (position %s, %ld taken)", start, w->cur.text,
                w->cur.count);
        else
            w->stream.hold = false;
    }
    if (!w->started_once || w->stream.hold)
        oplog_say(&w->o->log, "reading `%s stream`%s", w->o->log_command, w->stream.hold ? " (held until caught up)" : "");
    w->started_once = true;
    record_pids(w);
}

/* Reads what k has now: stdout to the pipeline (or held), stderr to the log. */
bool kid_read(struct watch *w, struct kid *k)
{
    char buf[65536];
    bool got = false;
    while (k->running && !k->out_eof && !(k->hold && k->held.len >= HOLD_MAX)) {
        ssize_t n = read(k->c.out_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            oplog_say(&w->o->log, "log %s: read: %s", k->what, strerror(errno));
        if (n <= 0) {
            k->out_eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
            break;
        }
        got = true;
        if (k->hold)
            buf_append(&k->held, buf, (size_t)n);
        else
            feed(w, k, buf, (size_t)n);
        if (n < (ssize_t)sizeof buf)
            break;
    }
    while (k->running && !k->err_eof) {
        ssize_t n = read(k->c.err_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            k->err_eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
            break;
        }
        buf_append(&k->errline, buf, (size_t)n);
        char *nl;
        while (k->errline.len && (nl = memchr(k->errline.data, '\n', k->errline.len))) {
            size_t len = (size_t)(nl - k->errline.data);
            oplog_say(&w->o->log, "log %s: %.*s", k->what, (int)len, k->errline.data);
            snprintf(k->last_err, sizeof k->last_err, "%.*s", (int)len, k->errline.data);
            memmove(k->errline.data, nl + 1, k->errline.len - len - 1);
            k->errline.len -= len + 1;
        }
        if (k->errline.len > 4096) {
            oplog_say(&w->o->log, "log %s: %.*s", k->what, (int)k->errline.len, k->errline.data);
            k->errline.len = 0;
        }
    }
    if (k->running && k->out_eof && k->err_eof) {
        if (k->errline.len) {
            oplog_say(&w->o->log, "log %s: %.*s", k->what, (int)k->errline.len, k->errline.data);
            snprintf(k->last_err, sizeof k->last_err, "%.*s", (int)k->errline.len,
                     k->errline.data);
            k->errline.len = 0;
        }
        int st = logcmd_poll_exit(&k->c);
        if (st != -1 || k->c.pid == 0) {
            k->running = false;
            k->exited = true;
            k->status = st;
        }
    }
    return got;
}

static void describe_exit(struct dw_buf *b, const struct kid *k)
{
    if (k->status > 128)
        buf_printf(b, "`log %s` was killed by signal %d", k->what, k->status - 128);
    else
        buf_printf(b, "`log %s` exited with status %d", k->what, k->status);
    if (k->last_err[0])
        buf_printf(b, " (last message: %s)", k->last_err);
}

static bool not_admin(struct watch *w, const struct kid *k)
{
    if (k->status != 77)
        return false;
    oplog_say(&w->o->log, "`%s %s` exited with status 77: %s", w->o->log_command, k->what,
        k->last_err[0] ? k->last_err : "Must be admin");
    oplog_say(&w->o->log, "reading the live system log needs an administrator: run `dextwatch watch` as an "
           "admin user, or install it as a LaunchDaemon with `sudo dextwatch agent install "
           "--system` (runs as root)");
    w->status = DW_WATCH_NOT_ADMIN;
    watch_request_stop();
    return true;
}

/* Handles children that ended: the catch-up first (then the held stream is
 * released), then the stream (restart with backoff). */
void reap(struct watch *w)
{
    if (w->show.exited) {
        struct kid *k = &w->show;
        if (not_admin(w, k))
            return;
        if (k->status != 0) {
            struct dw_buf b = {0};
            describe_exit(&b, k);
            oplog_say(&w->o->log, "catch-up failed: %s; continuing with the stream", buf_cstr(&b));
            buf_free(&b);
        } else {
            oplog_say(&w->o->log, "caught up: %" PRIu64 " event(s) from `log show`", k->events);
        }
        end_line(w, k);
        kid_reset(k);
        record_pids(w);
        /* the stream overlaps what show gave: drop up to the new position */
        w->resume = w->cur;
        w->resume_active = w->cur.known;
        w->seen_at_resume = 0;
        struct kid *s = &w->stream;
        s->hold = false;
        if (s->held.len) {
            struct dw_buf held = s->held;
            memset(&s->held, 0, sizeof s->held);
            feed(w, s, held.data, held.len);
            buf_free(&held);
        }
    }
    if (w->stream.exited && !w->show.running) {
        struct kid *k = &w->stream;
        if (k->held.len) {
            feed(w, k, k->held.data, k->held.len);
            k->held.len = 0;
        }
        end_line(w, k);
        if (not_admin(w, k))
            return;
        if (dw_mono_us() - k->started_us >= HEALTHY_US)
            w->backoff = w->o->backoff_min_us;
        struct dw_buf b = {0};
        describe_exit(&b, k);
        oplog_say(&w->o->log, "%s; restarting in %.1f s", buf_cstr(&b), (double)w->backoff / 1e6);
        buf_free(&b);
        w->restarts++;
        w->state_dirty = true;
        w->restart_at = dw_mono_us() + w->backoff;
        w->backoff = w->backoff * 2 > w->o->backoff_max_us ? w->o->backoff_max_us : w->backoff * 2;
        kid_reset(k);
        record_pids(w);
    }
}

void stop_kids(struct watch *w)
{
    struct kid *ks[2] = {&w->show, &w->stream};
    for (int i = 0; i < 2; i++) {
        if (ks[i]->running)
            logcmd_stop_within(&ks[i]->c, SIGTERM, 2000);
        kid_reset(ks[i]);
    }
    record_pids(w);
}
