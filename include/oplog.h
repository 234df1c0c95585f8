/* oplog.h - messages for the operator of a long-running service (watch and
 * its forwarding senders): one line each, handed to a callback the command
 * supplies (which makes them safe for a terminal and adds the time); and the
 * size-bounded file they may go to (`watch --log`). */
#ifndef DW_OPLOG_H
#define DW_OPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Where messages go.  fn NULL: nowhere.  fn may be called from several
 * threads at once (the forwarding senders): it must be thread-safe. */
struct dw_oplog {
    void (*fn)(void *ctx, const char *msg);
    void *ctx;
};

/* Formats one message and hands it to l->fn (nothing when l or fn is NULL). */
void oplog_say(const struct dw_oplog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Says each message of e after prefix, then clears e. */
void oplog_errors(const struct dw_oplog *l, const char *prefix, struct dw_errors *e);

/* A log file the service keeps within a size itself: before a line would
 * take it past max_bytes, FILE is renamed FILE.1 (replacing the older one)
 * and a new FILE is started, so at most two bounded files exist.  No
 * newsyslog is needed (a user agent cannot write /etc/newsyslog.d) and no
 * signal: the file is the service's own.  With take_stderr the file also
 * becomes the process's stderr (dup2, again after each rotation), so what a
 * library or a crash writes there lands in it too.  FILE is opened without
 * following a symlink and only when it is a regular file of ours
 * (dw_open_own_file).  Writes are thread-safe (forwarding senders log). */
struct dw_logfile;
/* NULL with "path: reason" in err. */
struct dw_logfile *logfile_open(const char *path, int64_t max_bytes, bool take_stderr,
                                struct dw_errors *err);
/* Appends the n bytes of line (newline included), rotating first when they
 * would take a non-empty file past the bound. */
void logfile_write(struct dw_logfile *lf, const char *line, size_t n);
void logfile_close(struct dw_logfile *lf);

#endif
