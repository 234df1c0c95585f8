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

#include "report.h"
#include "util.h"

/* 0 when writing to out (a path, maybe not existing yet) destroys none of:
 * the database db (NULL: none) with its -wal and -shm files, and the inputs
 * (paths; "-" is stdin and skipped).  -1 with "out: ..." in err when it is
 * one of them. */
int dw_output_check(const char *out, const char *db, char *const *inputs, size_t ninputs,
                    struct dw_errors *err);
/* dw_output_check for every --output of o. */
int outputs_check_paths(const struct dw_outputs *o, const char *db, char *const *inputs,
                        size_t ninputs, struct dw_errors *err);
/* Flushes and closes stdout.  0 when everything written reached it, or the
 * reader went away (EPIPE: `dextwatch recent | head` is fine); -1 with
 * "stdout: write error: reason" in err otherwise (a full disk, /dev/full). */
int dw_stdout_finish(struct dw_errors *err);

#endif
