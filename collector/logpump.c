/* logpump.c - reading a running `log` child (logpump.h). */
#include "logpump.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "logcmd_guard.h"
#include "source.h"

#define ERRLINE_MAX 4096 /* a longer stderr "line" is passed on in pieces */

void logpump_init(struct dw_logpump *p, const char *what, const struct dw_logpump_sink *sink)
{
    memset(p, 0, sizeof *p);
    p->what = what;
    if (sink)
        p->sink = *sink;
    p->c.out_fd = p->c.err_fd = -1;
}

void logpump_reset(struct dw_logpump *p)
{
    buf_free(&p->errline);
    struct dw_logpump_sink sink = p->sink;
    logpump_init(p, p->what, &sink);
}

int logpump_start(struct dw_logpump *p, const char *cmd, char *const args[], struct dw_errors *err)
{
    logpump_reset(p);
    if (logcmd_spawn(cmd, args, &p->c, err) != 0)
        return -1;
    p->running = true;
    p->started_us = dw_mono_us();
    return 0;
}

size_t logpump_pollfds(const struct dw_logpump *p, struct pollfd *fds)
{
    size_t n = 0;
    if (!p->running)
        return 0;
    if (!p->out_eof && !p->paused)
        fds[n++] = (struct pollfd){.fd = p->c.out_fd, .events = POLLIN};
    if (!p->err_eof)
        fds[n++] = (struct pollfd){.fd = p->c.err_fd, .events = POLLIN};
    return n;
}

bool logpump_draining(const struct dw_logpump *p)
{
    return p->running && p->out_eof && p->err_eof;
}

/* Hands one stderr line on and keeps it as the last. */
static void err_line(struct dw_logpump *p, const char *line, size_t len)
{
    if (p->sink.err_line)
        p->sink.err_line(p->sink.ctx, line, len);
    snprintf(p->last_err, sizeof p->last_err, "%.*s", (int)len, line);
}

/* Reads one pipe until it would block, ends, (stdout) the caller pauses, or
 * DW_SOURCE_ROUND_MAX bytes came: a child that keeps the pipe full must not
 * keep the caller's loop from its commits and signals.  Returns whether
 * anything came. */
static bool drain(struct dw_logpump *p, bool out, struct dw_errors *notes)
{
    char buf[65536];
    bool got = false;
    size_t taken = 0;
    bool *eof = out ? &p->out_eof : &p->err_eof;
    int fd = out ? p->c.out_fd : p->c.err_fd;
    while (!*eof && !(out && p->paused) && taken < DW_SOURCE_ROUND_MAX) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0)
            dw_errors_add(notes, "log %s: read: %s", p->what, strerror(errno));
        if (n <= 0) {
            *eof = true;
            break;
        }
        got = true;
        taken += (size_t)n;
        if (out) {
            if (p->sink.out)
                p->sink.out(p->sink.ctx, buf, (size_t)n);
            if (n < (ssize_t)sizeof buf)
                break;
            continue;
        }
        buf_append(&p->errline, buf, (size_t)n);
        char *nl;
        while (p->errline.len && (nl = memchr(p->errline.data, '\n', p->errline.len))) {
            size_t len = (size_t)(nl - p->errline.data);
            err_line(p, p->errline.data, len);
            memmove(p->errline.data, nl + 1, p->errline.len - len - 1);
            p->errline.len -= len + 1;
        }
        if (p->errline.len > ERRLINE_MAX) {
            err_line(p, p->errline.data, p->errline.len);
            p->errline.len = 0;
        }
    }
    return got;
}

bool logpump_read(struct dw_logpump *p, struct dw_errors *notes)
{
    if (!p->running)
        return false;
    bool got = drain(p, true, notes);
    drain(p, false, notes);
    if (logpump_draining(p)) {
        if (p->errline.len) {
            err_line(p, p->errline.data, p->errline.len);
            p->errline.len = 0;
        }
        int st = logcmd_poll_exit(&p->c);
        if (st != -1 || p->c.pid == 0) {
            p->running = false;
            p->exited = true;
            p->status = st;
        }
    }
    return got;
}

int logpump_run(struct dw_logpump *p, struct dw_errors *err)
{
    while (p->running && !logpump_draining(p)) {
        struct pollfd fds[2];
        size_t n = logpump_pollfds(p, fds);
        if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR) {
            dw_errors_add(err, "log %s: poll: %s", p->what, strerror(errno));
            logpump_stop(p, SIGTERM, 3000);
            return -1;
        }
        logpump_read(p, err);
    }
    if (p->running) {
        p->status = logcmd_stop(&p->c, 0);
        p->running = false;
        p->exited = true;
    }
    return p->status;
}

void logpump_stop(struct dw_logpump *p, int sig, int grace_ms)
{
    if (p->running)
        logcmd_stop_within(&p->c, sig, grace_ms);
    logpump_reset(p);
}
