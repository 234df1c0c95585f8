/* watch_lock.h - one `dextwatch watch` per database, however it is named,
 * and the pidfile of its `log` children.
 *
 * The lock is taken on the database file itself, not on its spelling: the
 * path is resolved (realpath: ./x.db, /abs/x.db and a symlink to it are one
 * file) and the lock file is named from the file's device and inode, in the
 * directory that really holds the database (where SQLite keeps its -wal and
 * -shm): `<dir>/.dextwatch-watch-<dev>-<ino>.lock`, locked with fcntl for as
 * long as the watcher runs and removed at its end.  Why not lock the
 * database file itself: a POSIX lock dies with the first close() of any
 * descriptor of that file in the process, and SQLite (and forwarding's own
 * connections) close theirs; flock on it would meet SQLite's locks on BSD
 * and macOS.  A database with a second hard link is refused: SQLite names
 * its journal after the path, so two names would write two journals
 * (https://sqlite.org/howtocorrupt.html, 2.6), and a link in another
 * directory would escape the lock.  docs/watch.md says the same. */
#ifndef DW_WATCH_LOCK_H
#define DW_WATCH_LOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct dw_dblock;

/* Takes the lock on the database at db_path (which must exist).  NULL with
 * one message in err: another watcher holds it ("already watched by pid N"),
 * the lock file is a symlink or not a regular file, the database has more
 * than one link, or a system call failed. */
struct dw_dblock *dblock_take(const char *db_path, struct dw_errors *err);
/* The database's resolved path (realpath), valid until dblock_release. */
const char *dblock_db_path(const struct dw_dblock *l);
/* Removes the lock file and unlocks; NULL is fine. */
void dblock_release(struct dw_dblock *l);

/* The pidfile next to the resolved database (`<db>-watch.pid`, like SQLite's
 * -wal), written by the lock's holder: it lists the watcher and its `log`
 * children.  Opened without following a symlink (a planted link would have
 * us truncate its target) and only when it is a regular file of ours with
 * one link; mode 0644.  Opening it ends a child left by a previous watcher
 * that died, after checking that the pid really is such a child
 * (logcmd_pid_is_ours): a reused pid is never killed. */
struct dw_pidfile;
/* NULL with the reason in err; what was done about leftovers in notes. */
struct dw_pidfile *pidfile_open(const char *db_path, const char *cmd, struct dw_errors *err,
                                struct dw_errors *notes);
/* Rewrites the list of running children (0 entries are skipped). */
void pidfile_record(struct dw_pidfile *pf, const pid_t *pids, size_t n);
/* Removes the file. */
void pidfile_close(struct dw_pidfile *pf);

#endif
