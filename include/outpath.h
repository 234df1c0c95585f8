/* outpath.h - where output may go, and whether it got there.
 *
 * An --output (or --write-baseline) that names the database, its -wal or
 * -shm file, or one of the inputs would destroy what the run reads or keeps
 * (`scan --db o.db --output o.db` lost every incident).  Files are compared
 * by device and inode, so another spelling, a hard link or a symlink of the
 * same file is caught too.  And a run whose stdout could not be written
 * (`show 1 >/dev/full`) must not exit 0. */
#ifndef DW_OUTPATH_H
#define DW_OUTPATH_H

#include <stddef.h>
#include <sys/stat.h>

#include "report.h"
#include "util.h"

/* 0 when writing to out (a path, maybe not existing yet) destroys none of:
 * the database db (NULL: none) with its -wal and -shm files, and the inputs
 * (paths; "-" is stdin and skipped), and is not inside an input directory
 * where the walk (walk.h) would read it, now or on the next run (a hidden
 * name on the way is fine: the walk skips it).  -1 with "out: ..." in err
 * when it is one of them. */
/* Which file of the SQLite database db st is: "" (the database itself),
 * "-wal", "-shm" or "-journal"; NULL for none of them (or no db). */
const char *dw_store_file_suffix(const char *db, const struct stat *st);
int dw_output_check(const char *out, const char *db, char *const *inputs, size_t ninputs,
                    struct dw_errors *err);
/* dw_output_check for every --output of o. */
int outputs_check_paths(const struct dw_outputs *o, const char *db, char *const *inputs,
                        size_t ninputs, struct dw_errors *err);
/* The path of the open --output of o that is the file st describes (a link
 * to it met by a directory walk), or NULL. */
const char *outputs_same_file(const struct dw_outputs *o, const struct stat *st);
/* Flushes and closes stdout.  0 when everything written reached it, or the
 * reader went away (EPIPE: `dextwatch recent | head` is fine); -1 with
 * "stdout: write error: reason" in err otherwise (a full disk, /dev/full). */
int dw_stdout_finish(struct dw_errors *err);

#endif
