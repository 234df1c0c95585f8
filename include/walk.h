/* walk.h - the files under a directory: each once, in name order, and never
 * forever.
 *
 * A directory given to `scan` is read recursively.  Symbolic links to
 * directories inside it are not followed: `ln -s . d/a` once turned one
 * failure line into 41 incidents, and two such links made the walk endless;
 * a link to a directory elsewhere is as easily given on the command line.
 * Symbolic links to files are followed (rotated logs are often links).
 * Every directory and file is recognised by device and inode, so one reached
 * twice (a hard link, a file link, a bind mount of an ancestor) is read once. */
#ifndef DW_WALK_H
#define DW_WALK_H

#include "util.h"

/* Called with the path of each regular file; nonzero marks the walk failed
 * (it goes on). */
typedef int (*dw_walk_fn)(const char *path, void *ctx);

/* Calls fn for every regular file under dir, depth first, the entries of a
 * directory in strcmp order, hidden names skipped.  Returns 0, or -1 when a
 * directory could not be read ("path: reason" in err) or fn returned nonzero. */
int dw_walk(const char *dir, dw_walk_fn fn, void *ctx, struct dw_errors *err);

#endif
