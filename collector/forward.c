/* forward.c - the senders of `watch --forward` (forward.h).
 *
 * One thread per destination, each with its own database connection, so a
 * slow or absent receiver never holds up the watcher's loop.  A sender:
 *   - reads its rows after `cursor` (the last id written on this connection);
 *   - connects when it has something to send; on failure it waits (1 s, 2 s,
 *     4 s ... 60 s) and tries again, logging the first failure and the
 *     recovery, not every attempt;
 *   - treats data from the receiver as a protocol error (a syslog receiver
 *     sends nothing): the connection is closed and retried with backoff like
 *     any failure, logged once; only a confirmed delivery ends it (such a
 *     receiver takes every message, then talks again).  Each check reads at
 *     most 512 bytes, so a receiver that keeps sending holds up neither
 *     delivery nor shutdown;
 *   - writes each message (octet-counted on a stream, one datagram each
 *     otherwise) and moves the cursor;
 *   - confirms (deletes) rows up to a "candidate" cursor only when the send
 *     queue was empty (the receiver's TCP acknowledged everything) at a check
 *     at least CONFIRM_DELAY_US after the candidate was taken and the
 *     connection has neither been reset nor closed.  A broken connection
 *     resets the cursor to 0: every unconfirmed row is sent again
 *     (at-least-once; (host, id, version) names the duplicates).
 *   Datagrams cannot be acknowledged: they are confirmed once sent.
 * At stop a sender has the grace to deliver; one backing off whose next
 * attempt would come after the grace ends at once, and no wait on the
 * receiver (connect, a send waiting for room in the socket while the
 * receiver reads nothing) lasts past the grace: a message cut short there
 * stays in the outbox and goes again whole on the next connection. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "forward.h"

#define BATCH 64
#define CONNECT_TIMEOUT_US (5 * INT64_C(1000000))
#define CONFIRM_DELAY_US (200 * INT64_C(1000))
#define IDLE_WAIT_US (500 * INT64_C(1000))
#define CONFIRM_POLL_US (50 * INT64_C(1000))

struct sender {
    struct dw_forwarder *fw;
    struct dw_forward_conn conn;
    pthread_t thread;
    bool started;
    struct dw_store *store;
    struct dw_outbox *ob;
    int64_t cursor;         /* last id written on this connection */
    int64_t confirmed;      /* last id deleted as delivered */
    int64_t candidate;      /* cursor when the pending confirmation was taken */
    int64_t candidate_mono; /* when */
    int64_t backoff;
    bool failing;       /* the last attempt failed: back off before the next */
    bool reported;      /* a failure was logged and no recovery since */
    bool told_protocol; /* ... and a protocol error among them */
};

struct dw_forwarder {
    struct dw_forward_opts o;
    char hostname[256];
    long procid;
    struct dw_outbox *main_ob;
    const char **dests;
    size_t n;
    struct sender *senders;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    unsigned long wakes;
    int64_t deadline; /* monotonic: give up delivering at stop */
};

/* Sleeps up to us, or until a wake (forward_wake, forward_stop) newer than
 *seen; updates *seen.  Returns whether stop is set. */
static bool wait_for(struct dw_forwarder *fw, int64_t us, unsigned long *seen)
{
    pthread_mutex_lock(&fw->mu);
    if (fw->wakes == *seen) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (us % 1000000) * 1000;
        ts.tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&fw->cv, &fw->mu, &ts);
    }
    *seen = fw->wakes;
    bool stop = fw->stop;
    pthread_mutex_unlock(&fw->mu);
    return stop;
}

/* The senders' connections' deadline (forward.h): the end of the grace once
 * stopping, so no wait on a receiver outlasts it. */
static int64_t stop_deadline(void *ctx)
{
    struct dw_forwarder *fw = ctx;
    pthread_mutex_lock(&fw->mu);
    int64_t d = fw->stop ? fw->deadline : INT64_MAX;
    pthread_mutex_unlock(&fw->mu);
    return d;
}

static bool stopping_past_deadline(struct dw_forwarder *fw)
{
    pthread_mutex_lock(&fw->mu);
    bool past = fw->stop && dw_mono_us() >= fw->deadline;
    pthread_mutex_unlock(&fw->mu);
    return past;
}

/* Closes the connection after a failure (protocol: the receiver sent data)
 * and backs off; logs and records the first failure since the last recovery
 * (and the first protocol error: what the receiver said is worth seeing). */
static void sender_fail(struct sender *sd, struct dw_errors *e, bool protocol)
{
    struct dw_forwarder *fw = sd->fw;
    const char *why = e->n ? e->msgs[0] : "unknown error";
    forward_conn_close(&sd->conn);
    sd->cursor = sd->candidate = sd->confirmed = 0; /* resend everything not confirmed */
    if (stopping_past_deadline(fw)) {
        /* the grace is over: no retry in this run */
        oplog_say(&fw->o.log,
                  "forward: %s; stopping: what was not confirmed waits in the outbox "
                  "for the next run",
                  why);
        struct dw_errors e2 = {0};
        outbox_note_error(sd->ob, sd->conn.url.text, why, &e2);
        dw_errors_clear(&e2);
    } else if (!sd->reported || (protocol && !sd->told_protocol)) {
        oplog_say(&fw->o.log, "forward: %s; retrying with backoff (events wait in the outbox)",
                  why);
        struct dw_errors e2 = {0};
        outbox_note_error(sd->ob, sd->conn.url.text, why, &e2);
        dw_errors_clear(&e2);
    }
    sd->reported = true;
    sd->told_protocol |= protocol;
    sd->failing = true;
    dw_errors_clear(e);
}

/* Messages went out (confirmed: and the receiver acknowledged them).  A
 * sender that failed says once that it delivers again, and starts its
 * backoff over; after a protocol error only a confirmation counts (a
 * receiver that talks back takes every message, then talks again). */
static void sender_delivered(struct sender *sd, bool confirmed)
{
    struct dw_forwarder *fw = sd->fw;
    if (sd->told_protocol && !confirmed)
        return;
    sd->backoff = fw->o.backoff_min_us;
    if (!sd->reported)
        return;
    oplog_say(&fw->o.log, "forward: %s: delivering again", sd->conn.url.text);
    struct dw_errors e = {0};
    outbox_note_error(sd->ob, sd->conn.url.text, NULL, &e);
    dw_errors_clear(&e);
    sd->reported = sd->told_protocol = false;
}

/* Checks an open stream without blocking: true when it can be used.  A
 * receiver that sent data fails it (protocol error); one that closed it
 * is only closed here (reconnected when there is something to send, and
 * what it did not confirm is sent again). */
static bool sender_check(struct sender *sd)
{
    struct dw_errors e = {0};
    enum dw_forward_health h = forward_conn_check(&sd->conn, &e);
    if (h == DW_FORWARD_SPOKE)
        sender_fail(sd, &e, true);
    else if (h == DW_FORWARD_GONE) {
        forward_conn_close(&sd->conn);
        sd->cursor = sd->candidate = sd->confirmed = 0;
    }
    dw_errors_clear(&e);
    return h == DW_FORWARD_SOUND;
}

/* Deletes the rows up to the candidate once the receiver has acknowledged
 * everything and the connection held for CONFIRM_DELAY_US; takes a new
 * candidate when the cursor moved on. */
static void sender_confirm(struct sender *sd)
{
    struct dw_errors e = {0};
    if (!forward_conn_stream(&sd->conn) || sd->cursor <= sd->confirmed)
        return;
    enum dw_forward_health h = forward_conn_check(&sd->conn, &e);
    if (h != DW_FORWARD_SOUND) {
        sender_fail(sd, &e, h == DW_FORWARD_SPOKE);
        return;
    }
    int64_t now = dw_mono_us();
    if (sd->candidate > 0 && now - sd->candidate_mono >= CONFIRM_DELAY_US &&
        forward_conn_unacked(&sd->conn) == 0) {
        if (outbox_confirm(sd->ob, sd->conn.url.text, sd->candidate, &e) < 0) {
            oplog_say(&sd->fw->o.log, "forward: %s", e.msgs[0]);
            dw_errors_clear(&e);
            return;
        }
        sd->confirmed = sd->candidate;
        sd->candidate = 0;
        sender_delivered(sd, true);
    }
    if (sd->candidate == 0 && sd->cursor > sd->confirmed) {
        sd->candidate = sd->cursor;
        sd->candidate_mono = now;
    }
}

/* Sends one batch of rows; returns how many rows there were (0: none). */
static size_t sender_batch(struct sender *sd)
{
    struct dw_forwarder *fw = sd->fw;
    struct dw_errors e = {0};
    struct dw_outbox_row *rows = NULL;
    size_t n = 0;
    if (sd->conn.fd >= 0 && forward_conn_stream(&sd->conn) && !sender_check(sd) && sd->failing)
        return 0; /* the receiver spoke: back off */
    if (outbox_next(sd->ob, sd->conn.url.text, sd->cursor, BATCH, &rows, &n, &e) < 0) {
        oplog_say(&fw->o.log, "forward: %s", e.msgs[0]);
        dw_errors_clear(&e);
        return 0;
    }
    if (n == 0)
        return 0;
    if (sd->conn.fd < 0 && forward_conn_open(&sd->conn, CONNECT_TIMEOUT_US, &e) < 0) {
        sender_fail(sd, &e, false);
        outbox_rows_free(rows, n);
        return n;
    }
    bool stream = forward_conn_stream(&sd->conn);
    struct dw_buf msg = {0};
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        buf_reset(&msg);
        forward_message(&msg, rows[i].head, rows[i].body, stream ? 0 : DW_FORWARD_DGRAM_MAX);
        if (forward_conn_send(&sd->conn, msg.data, msg.len, &e) < 0) {
            sender_fail(sd, &e, false);
            break;
        }
        sd->cursor = rows[i].id;
        sent++;
    }
    buf_free(&msg);
    if (sent == n) {
        sd->failing = false;
        sender_delivered(sd, false);
    }
    if (sent == n && !stream) {
        if (outbox_confirm(sd->ob, sd->conn.url.text, sd->cursor, &e) < 0) {
            oplog_say(&fw->o.log, "forward: %s", e.msgs[0]);
            dw_errors_clear(&e);
        } else {
            sd->confirmed = sd->cursor;
            sender_delivered(sd, true);
        }
    }
    outbox_rows_free(rows, n);
    return n;
}

/* Waits until the monotonic time until (new rows do not cut a backoff
 * short).  Returns true when the sender should quit instead: a stop whose
 * grace ends before until, since the next attempt would come too late. */
static bool back_off(struct dw_forwarder *fw, int64_t until, unsigned long *seen)
{
    for (;;) {
        pthread_mutex_lock(&fw->mu);
        bool quit = fw->stop && fw->deadline < until;
        pthread_mutex_unlock(&fw->mu);
        int64_t now = dw_mono_us();
        if (quit || now >= until)
            return quit;
        wait_for(fw, until - now, seen);
    }
}

static void *sender_main(void *arg)
{
    struct sender *sd = arg;
    struct dw_forwarder *fw = sd->fw;
    unsigned long seen = 0;
    sd->backoff = fw->o.backoff_min_us;
    for (;;) {
        if (stopping_past_deadline(fw))
            break;
        size_t n = sender_batch(sd);
        if (sd->failing) {
            int64_t wait = sd->backoff;
            sd->backoff = wait * 2 > fw->o.backoff_max_us ? fw->o.backoff_max_us : wait * 2;
            if (back_off(fw, dw_mono_us() + wait, &seen))
                break;
            continue;
        }
        sender_confirm(sd);
        if (n == BATCH)
            continue;
        bool unconfirmed = sd->cursor > sd->confirmed;
        pthread_mutex_lock(&fw->mu);
        bool stop = fw->stop;
        pthread_mutex_unlock(&fw->mu);
        if (stop && n == 0 && !unconfirmed)
            break; /* everything delivered */
        wait_for(fw, unconfirmed ? CONFIRM_POLL_US : IDLE_WAIT_US, &seen);
        if (!unconfirmed && sd->conn.fd >= 0 && n == 0)
            sender_check(sd); /* idle: notice a receiver that went away or spoke */
    }
    forward_conn_close(&sd->conn);
    return NULL;
}

/* ---- the watcher's side ---- */

static void forwarder_free(struct dw_forwarder *fw)
{
    for (size_t i = 0; i < fw->n; i++) {
        outbox_close(fw->senders[i].ob);
        store_close(fw->senders[i].store);
    }
    outbox_close(fw->main_ob);
    free(fw->senders);
    free(fw->dests);
    pthread_cond_destroy(&fw->cv);
    pthread_mutex_destroy(&fw->mu);
    free(fw);
}

struct dw_forwarder *forward_start(const struct dw_forward_opts *o, struct dw_store *main,
                                   struct dw_errors *err)
{
    struct dw_forwarder *fw = xcalloc(1, sizeof *fw);
    fw->o = *o;
    if (fw->o.outbox_limit <= 0)
        fw->o.outbox_limit = DW_FORWARD_OUTBOX_LIMIT;
    if (gethostname(fw->hostname, sizeof fw->hostname - 1) != 0 || !fw->hostname[0])
        snprintf(fw->hostname, sizeof fw->hostname, "-");
    fw->procid = (long)getpid();
    pthread_mutex_init(&fw->mu, NULL);
    pthread_cond_init(&fw->cv, NULL);
    fw->senders = xcalloc(o->nurls ? o->nurls : 1, sizeof *fw->senders);
    fw->dests = xcalloc(o->nurls ? o->nurls : 1, sizeof *fw->dests);
    for (size_t i = 0; i < o->nurls; i++) {
        struct sender *sd = &fw->senders[fw->n];
        if (forward_url_parse(o->urls[i], &sd->conn.url, err) < 0)
            continue;
        sd->conn.fd = -1;
        sd->conn.deadline = stop_deadline;
        sd->conn.deadline_ctx = fw;
        bool dup = false;
        for (size_t j = 0; j < fw->n; j++)
            dup |= strcmp(fw->dests[j], sd->conn.url.text) == 0;
        if (dup)
            continue; /* the same destination twice: once is enough */
        sd->fw = fw;
        fw->dests[fw->n] = sd->conn.url.text;
        fw->n++;
    }
    if (!err->n)
        fw->main_ob = outbox_open(main, err);
    for (size_t i = 0; !err->n && i < fw->n; i++) {
        struct sender *sd = &fw->senders[i];
        outbox_declare(fw->main_ob, sd->conn.url.text, err);
        sd->store = store_open(o->db_path, DW_STORE_WRITE, err);
        if (sd->store)
            sd->ob = outbox_open(sd->store, err);
    }
    /* the senders take no signals: SIGTERM, SIGINT and SIGHUP stay with the
     * watcher's loop (its handlers wake its poll) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (size_t i = 0; !err->n && i < fw->n; i++) {
        struct sender *sd = &fw->senders[i];
        int rc = pthread_create(&sd->thread, NULL, sender_main, sd);
        if (rc != 0) {
            dw_errors_add(err, "forward: cannot start a sender thread: %s", strerror(rc));
            break;
        }
        sd->started = true;
        int64_t waiting = 0;
        struct dw_errors e = {0};
        outbox_pending(fw->main_ob, sd->conn.url.text, &waiting, &e);
        dw_errors_clear(&e);
        if (waiting)
            oplog_say(&fw->o.log, "forwarding to %s (%" PRId64 " event(s) waiting in the outbox)",
                      sd->conn.url.text, waiting);
        else
            oplog_say(&fw->o.log, "forwarding to %s", sd->conn.url.text);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err->n) {
        forward_stop(fw, 0);
        return NULL;
    }
    return fw;
}

int forward_record(struct dw_forwarder *fw, enum dw_change change, struct dw_incident *inc,
                   struct dw_incident *into, struct dw_errors *err)
{
    struct dw_forward_change ev = {
        .change = change,
        .inc = inc,
        .hostname = fw->hostname,
        .procid = fw->procid,
    };
    if (change == DW_MERGED) {
        if (!into)
            return 0;
        ev.inc = into;
        ev.merged = inc->id;
    }
    if (!ev.inc || ev.inc->id <= 0)
        return 0;
    return forward_queue(fw->main_ob, fw->dests, fw->n, fw->o.outbox_limit, &ev, err);
}

void forward_wake(struct dw_forwarder *fw)
{
    if (!fw)
        return;
    pthread_mutex_lock(&fw->mu);
    fw->wakes++;
    pthread_cond_broadcast(&fw->cv);
    pthread_mutex_unlock(&fw->mu);
}

void forward_stop(struct dw_forwarder *fw, int64_t grace_us)
{
    if (!fw)
        return;
    pthread_mutex_lock(&fw->mu);
    fw->stop = true;
    fw->deadline = dw_mono_us() + grace_us;
    fw->wakes++;
    pthread_cond_broadcast(&fw->cv);
    pthread_mutex_unlock(&fw->mu);
    for (size_t i = 0; i < fw->n; i++)
        if (fw->senders[i].started)
            pthread_join(fw->senders[i].thread, NULL);
    forwarder_free(fw);
}
