/* logpump.h - reading a running `log` child (logcmd.h) until it ends: its
 * stdout to the caller as it comes, its stderr split into lines (the last
 * kept for the exit message), and the exit status once both pipes are shut
 * and the child is reaped.  One pump serves both readers of `log`: `scan
 * --last` / `scan X.logarchive` drive it to the end (logpump_run); `watch`
 * polls several pumps in its own loop (logpump_pollfds, logpump_read). */
#ifndef DW_LOGPUMP_H
#define DW_LOGPUMP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logcmd.h"
#include "util.h"

/* Where a pump's output goes.  Both may be NULL. */
struct dw_logpump_sink {
    void (*out)(void *ctx, const char *data, size_t n);      /* stdout bytes */
    void (*err_line)(void *ctx, const char *line, size_t n); /* one stderr line, no newline */
    void *ctx;
};

struct dw_logpump {
    const char *what; /* the action ("stream", "show"), for messages */
    struct dw_logpump_sink sink;
    struct dw_child c;
    bool running; /* spawned and not reaped */
    bool out_eof, err_eof;
    bool paused; /* set by the caller (even from sink.out): leave stdout in the pipe */
    bool exited; /* reaped; status holds the exit (128 + signal when killed) */
    int status;
    struct dw_buf errline; /* a partial stderr line */
    char last_err[200];    /* the last stderr line */
    int64_t started_us;    /* dw_mono_us() at the start */
};

/* Sets p up, not running (what and sink are kept by logpump_reset). */
void logpump_init(struct dw_logpump *p, const char *what, const struct dw_logpump_sink *sink);
/* Frees what p holds and makes it not running, keeping what and sink. */
void logpump_reset(struct dw_logpump *p);
/* Starts `cmd args...` (logcmd_spawn).  0, or -1 with the reason in err. */
int logpump_start(struct dw_logpump *p, const char *cmd, char *const args[], struct dw_errors *err);

/* Adds the descriptors worth polling (at most 2) to fds; returns how many. */
size_t logpump_pollfds(const struct dw_logpump *p, struct pollfd *fds);
/* True when both pipes are shut and only the reap is left to do. */
bool logpump_draining(const struct dw_logpump *p);
/* Reads what the child has written, without blocking and at most
 * DW_SOURCE_ROUND_MAX bytes of each pipe (source.h; what is left is read at
 * the next call): stdout to sink.out (unless paused), stderr lines to
 * sink.err_line.  Once both pipes are shut,
 * reaps the child when it has exited (exited, status).  Read errors go to
 * notes.  Returns whether stdout gave anything. */
bool logpump_read(struct dw_logpump *p, struct dw_errors *notes);
/* Reads until both pipes are shut, then waits for the exit.  Returns the
 * exit status, or -1 with the reason in err (poll failed: the child was
 * ended). */
int logpump_run(struct dw_logpump *p, struct dw_errors *err);
/* Ends a running child (sig, then SIGKILL after grace_ms) and resets p. */
void logpump_stop(struct dw_logpump *p, int sig, int grace_ms);

#endif
