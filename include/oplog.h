/* oplog.h - messages for the operator of a long-running service (watch and
 * its forwarding senders): one line each, handed to a callback the command
 * supplies (which makes them safe for a terminal and adds the time). */
#ifndef DW_OPLOG_H
#define DW_OPLOG_H

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

#endif
