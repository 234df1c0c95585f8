/* watch_state.h - what `dextwatch watch` keeps in its database
 * (watch_state.c): the counters and the resume position (state keys in
 * watch.h), the incidents a restart reopens, the daemon's group access.
 * Called by the loop (watch.c); calls only the store and the pipeline. */
#ifndef DW_WATCH_STATE_H
#define DW_WATCH_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "oplog.h"
#include "pipeline.h"
#include "store.h"
#include "watch.h"
#include "watch_kids.h"

/* A position's time as logged (time_text), or formatted when that is
 * missing or too long. */
void watch_position_text(const struct dw_time *t, const char *time_text,
                         char out[WATCH_POSITION_TEXT_MAX]);

/* Writes the position (cur NULL or unknown: none; held back to the oldest
 * finding still waiting in p) and the counters c, inside the pipeline's open
 * transaction when there is one, so they commit with the incidents.
 * Failures are logged. */
void watch_state_save(struct dw_store *s, struct dw_pipeline *p, const struct watch_position *cur,
                      const struct dw_watch_counters *c, const struct dw_oplog *log);

/* Reads the counters into base and, with cur (the log command), the saved
 * position into cur: dropped when the predicate's hash changed since it was
 * saved, or unreadable (both logged).  Records hash as the current
 * predicate.  0, or -1 with err. */
int watch_state_load(struct dw_store *s, const char *hash, struct watch_position *cur,
                     struct dw_watch_counters *base, const struct dw_oplog *log,
                     struct dw_errors *err);

/* Gives group read access to the database (-shm writable, the directory
 * 0750) and keeps the -wal/-shm files, so that `recent` works without sudo
 * on the daemon's database.  db_path must be resolved (realpath).  Files
 * are changed through descriptors opened without following a symlink;
 * what cannot be changed is logged.  An unknown group is an error in err. */
void watch_share_db(struct dw_store *s, const char *db_path, const char *group,
                    const struct dw_oplog *log, struct dw_errors *err);

/* After a restart: the stored incidents ending within window_us before cur
 * (and not well after it: those came from elsewhere) are reopened in p, so
 * the lines after the position join them.  0 or -1 (err). */
int watch_reopen_recent(struct dw_store *s, struct dw_pipeline *p, const struct watch_position *cur,
                        int64_t window_us, const struct dw_oplog *log, struct dw_errors *err);

#endif
