/* source.h - where `watch` gets its bytes, besides the `log` child itself
 * (logcmd.h): a followed file (tail -F) and the pidfile that records the
 * children so that a leftover one is ended at the next start.  stdin needs no
 * code of its own: it is polled like any descriptor. */
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

/* The pidfile next to the database (`<db>-watch.pid`): locked (fcntl) for as
 * long as the watcher runs, so two watchers never share a database; it lists
 * the watcher and its `log` children.  Opening it ends a child left by a
 * previous watcher that died, after checking that the pid really is such a
 * child (logcmd_pid_is_ours): a reused pid is never killed. */
struct dw_pidfile;
/* NULL with the reason in err (e.g. another watcher holds the lock). */
struct dw_pidfile *pidfile_open(const char *db_path, const char *cmd, struct dw_errors *err,
                                struct dw_errors *notes);
/* Rewrites the list of running children (0 entries are skipped). */
void pidfile_record(struct dw_pidfile *pf, const pid_t *pids, size_t n);
/* Unlocks and removes the file. */
void pidfile_close(struct dw_pidfile *pf);

#endif
