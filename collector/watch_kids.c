/* watch_kids.c - the `log` children of watch (watch_kids.h): spawning `log
 * stream` and the catch-up `log show`, reading their output through a pump
 * each (holding the stream's while a catch-up runs), reaping them,
 * restarting with backoff. */
#include "watch_kids.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "predicate.h"
#include "watch.h"

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
    snprintf(out, 64, "%04lld-%02d-%02d %02d:%02d:%02d%c%02d%02d", (long long)y, m, d,
             (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), offset_min < 0 ? '-' : '+',
             off / 60, off % 60);
}

/* Hands output of k to the loop, noting where lines end. */
static void kid_feed(struct watch_kid *k, const char *data, size_t n)
{
    if (n == 0)
        return;
    const struct watch_kids_hooks *h = &k->kids->o.hooks;
    k->events += h->feed(h->ctx, data, n);
    k->last_nl = data[n - 1] == '\n';
}

/* Ends a partial last line of k so it cannot run into the next output. */
static void kid_end_line(struct watch_kid *k)
{
    if (!k->last_nl)
        kid_feed(k, "\n", 1);
}

/* The pump's stdout: to the loop, or held (pausing the pipe when full). */
static void kid_out(void *ctx, const char *data, size_t n)
{
    struct watch_kid *k = ctx;
    if (!k->hold) {
        kid_feed(k, data, n);
        return;
    }
    buf_append(&k->held, data, n);
    k->pump.paused = k->held.len >= WATCH_HOLD_MAX;
}

static void kid_err(void *ctx, const char *line, size_t n)
{
    struct watch_kid *k = ctx;
    oplog_say(k->kids->o.log, "log %s: %.*s", k->pump.what, (int)n, line);
}

/* Makes k not running, its held output dropped. */
static void kid_reset(struct watch_kid *k)
{
    buf_free(&k->held);
    logpump_reset(&k->pump);
    k->hold = false;
    k->last_nl = true;
    k->events = 0;
}

static void kid_init(struct watch_kids *ks, struct watch_kid *k, const char *what)
{
    memset(k, 0, sizeof *k);
    k->kids = ks;
    k->last_nl = true;
    logpump_init(&k->pump, what, &(struct dw_logpump_sink){kid_out, kid_err, k});
}

void watch_kids_init(struct watch_kids *k, const struct watch_kids_opts *o)
{
    memset(k, 0, sizeof *k);
    k->o = *o;
    k->backoff = o->backoff_min_us;
    kid_init(k, &k->stream, "stream");
    kid_init(k, &k->show, "show");
}

static void record_pids(struct watch_kids *ks)
{
    pid_t pids[2] = {ks->stream.pump.running ? ks->stream.pump.c.pid : 0,
                     ks->show.pump.running ? ks->show.pump.c.pid : 0};
    pidfile_record(ks->pf, pids, 2);
}

static bool kid_spawn(struct watch_kid *k, char **args)
{
    struct dw_errors e = {0};
    kid_reset(k);
    if (logpump_start(&k->pump, k->kids->o.log_command, args, &e) != 0) {
        oplog_errors(k->kids->o.log, "", &e);
        return false;
    }
    return true;
}

/* The next backoff: doubled, at most the cap. */
static void back_off(struct watch_kids *ks)
{
    ks->restart_at = dw_mono_us() + ks->backoff;
    int64_t next = ks->backoff * 2;
    ks->backoff = next > ks->o.backoff_max_us ? ks->o.backoff_max_us : next;
}

/* Starts the catch-up `log show` from pos (bounded by max_catch_up_us),
 * holding the stream meanwhile. */
static void start_show(struct watch_kids *ks, const char *predicate, bool everything,
                       const struct watch_position *pos)
{
    int64_t from = pos->t.us - WATCH_OVERLAP_US;
    int64_t floor_us = dw_now_us() - ks->o.max_catch_up_us;
    char start[64];
    if (from < floor_us) {
        watch_format_start(floor_us, pos->t.offset_min, start);
        oplog_say(ks->o.log,
                  "catch-up limited to --max-catch-up: events between %s and %s are "
                  "skipped",
                  pos->text, start);
        from = floor_us;
    }
    watch_format_start(from, pos->t.offset_min, start);
    char *cargs[] = {"show",
                     "--style",
                     "ndjson",
                     "--info",
                     "--start",
                     start,
                     everything ? NULL : "--predicate",
                     (char *)predicate,
                     NULL};
    ks->stream.hold = true;
    if (kid_spawn(&ks->show, cargs))
        oplog_say(ks->o.log, "catching up from %s (position %s, %ld taken)", start, pos->text,
                  pos->count);
    else
        ks->stream.hold = false;
}

void watch_kids_start(struct watch_kids *ks, const char *predicate,
                      const struct watch_position *pos)
{
    bool catch_up = pos->known && (ks->started_once || ks->o.catch_up);
    bool everything = predicate_is_everything(predicate);
    char *sargs[] = {"stream",          "--style", "ndjson",
                     "--level",         "info",    everything ? NULL : "--predicate",
                     (char *)predicate, NULL};
    ks->restart_at = 0;
    if (!kid_spawn(&ks->stream, sargs)) {
        oplog_say(ks->o.log, "retrying in %" PRId64 " s", ks->backoff / 1000000);
        back_off(ks);
        return;
    }
    if (catch_up)
        start_show(ks, predicate, everything, pos);
    if (!ks->started_once || ks->stream.hold)
        oplog_say(ks->o.log, "reading `%s stream`%s", ks->o.log_command,
                  ks->stream.hold ? " (held until caught up)" : "");
    ks->started_once = true;
    record_pids(ks);
}

size_t watch_kids_pollfds(struct watch_kids *ks, struct pollfd *fds, int *timeout_ms)
{
    struct watch_kid *k[2] = {&ks->show, &ks->stream};
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        n += logpump_pollfds(&k[i]->pump, fds + n);
        if (logpump_draining(&k[i]->pump) && *timeout_ms > 10)
            *timeout_ms = 10; /* waiting to reap */
    }
    if (ks->restart_at) {
        int64_t left = (ks->restart_at - dw_mono_us()) / 1000;
        if (left < *timeout_ms)
            *timeout_ms = left < 0 ? 0 : (int)left;
    }
    return n;
}

bool watch_kids_read(struct watch_kids *ks)
{
    struct watch_kid *k[2] = {&ks->show, &ks->stream};
    bool got = false;
    struct dw_errors notes = {0};
    for (int i = 0; i < 2; i++)
        got |= logpump_read(&k[i]->pump, &notes);
    oplog_errors(ks->o.log, "", &notes);
    return got;
}

static void describe_exit(struct dw_buf *b, const struct dw_logpump *p)
{
    if (p->status > 128)
        buf_printf(b, "`log %s` was killed by signal %d", p->what, p->status - 128);
    else
        buf_printf(b, "`log %s` exited with status %d", p->what, p->status);
    if (p->last_err[0])
        buf_printf(b, " (last message: %s)", p->last_err);
}

static bool not_admin(struct watch_kids *ks, const struct dw_logpump *p)
{
    if (p->status != 77)
        return false;
    oplog_say(ks->o.log, "`%s %s` exited with status 77: %s", ks->o.log_command, p->what,
              p->last_err[0] ? p->last_err : "Must be admin");
    oplog_say(ks->o.log, "reading the live system log needs an administrator: run `dextwatch "
                         "watch` as an admin user, or install it as a LaunchDaemon with `sudo "
                         "dextwatch agent install --system` (runs as root)");
    return true;
}

/* The catch-up ended: report it, then release the held stream. */
static void reap_show(struct watch_kids *ks)
{
    struct watch_kid *k = &ks->show;
    if (k->pump.status != 0) {
        struct dw_buf b = {0};
        describe_exit(&b, &k->pump);
        oplog_say(ks->o.log, "catch-up failed: %s; continuing with the stream", buf_cstr(&b));
        buf_free(&b);
    } else {
        oplog_say(ks->o.log, "caught up: %" PRIu64 " event(s) from `log show`", k->events);
    }
    kid_end_line(k);
    kid_reset(k);
    record_pids(ks);
    ks->o.hooks.caught_up(ks->o.hooks.ctx);
    struct watch_kid *s = &ks->stream;
    s->hold = false;
    s->pump.paused = false;
    if (s->held.len) {
        struct dw_buf held = s->held;
        memset(&s->held, 0, sizeof s->held);
        kid_feed(s, held.data, held.len);
        buf_free(&held);
    }
}

/* The stream ended: what it held goes on, a restart is due after the backoff. */
static void reap_stream(struct watch_kids *ks)
{
    struct watch_kid *k = &ks->stream;
    if (dw_mono_us() - k->pump.started_us >= WATCH_HEALTHY_US)
        ks->backoff = ks->o.backoff_min_us;
    struct dw_buf b = {0};
    describe_exit(&b, &k->pump);
    oplog_say(ks->o.log, "%s; restarting in %.1f s", buf_cstr(&b), (double)ks->backoff / 1e6);
    buf_free(&b);
    back_off(ks);
    kid_reset(k);
    record_pids(ks);
}

enum watch_kids_reaped watch_kids_reap(struct watch_kids *ks)
{
    if (ks->show.pump.exited) {
        if (not_admin(ks, &ks->show.pump))
            return WATCH_KIDS_NOT_ADMIN;
        reap_show(ks);
    }
    if (!ks->stream.pump.exited || ks->show.pump.running)
        return WATCH_KIDS_RUNNING;
    struct watch_kid *k = &ks->stream;
    if (k->held.len) {
        kid_feed(k, k->held.data, k->held.len);
        k->held.len = 0;
    }
    kid_end_line(k);
    if (not_admin(ks, &k->pump))
        return WATCH_KIDS_NOT_ADMIN;
    reap_stream(ks);
    return WATCH_KIDS_RESTARTING;
}

bool watch_kids_restart_due(const struct watch_kids *ks)
{
    return ks->restart_at && dw_mono_us() >= ks->restart_at;
}

void watch_kids_stop(struct watch_kids *ks)
{
    struct watch_kid *k[2] = {&ks->show, &ks->stream};
    for (int i = 0; i < 2; i++) {
        logpump_stop(&k[i]->pump, SIGTERM, 2000);
        kid_reset(k[i]);
    }
    record_pids(ks);
}

void watch_kids_restart_now(struct watch_kids *ks)
{
    watch_kids_stop(ks);
    ks->restart_at = 1; /* any monotonic time is later */
}
