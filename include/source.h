/* source.h - where `watch` gets its bytes, besides the `log` child itself
 * (logcmd.h): a followed file (tail -F).  stdin needs no code of its own: it
 * is polled like any descriptor.  (The pidfile that records the children is
 * the service's: collector/watch_lock.h.) */
#ifndef DW_SOURCE_H
#define DW_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* The most bytes one read of a source (the followed file, a `log` child's
 * pipe: logpump.h) takes before returning, so that a writer that never
 * pauses cannot keep watch's loop from committing, releasing the write lock
 * and looking at signals: a round reads at most this much per source. */
#define DW_SOURCE_ROUND_MAX (1u << 20)

typedef void (*dw_source_data_fn)(const char *data, size_t n, void *ctx);

/* tail -F: a file read from its start and then followed by polling its size
 * and identity (no inotify/kqueue).  When the path names a new file (rotated by
 * mv + recreate), the rest of the old one is read first, then the new one from
 * its start; when the file shrinks (truncated), reading starts over.  A path
 * that does not exist yet is waited for.  A partial last line before a switch
 * is ended with a newline so that two files never run into one line. */
struct dw_follow;
struct dw_follow *follow_open(const char *path);
/* Delivers what is new to fn; notes (rotation, truncation, errors) go to
 * notes.  Returns the number of bytes delivered. */
size_t follow_read(struct dw_follow *f, dw_source_data_fn fn, void *ctx, struct dw_errors *notes);
void follow_close(struct dw_follow *f);

#endif
