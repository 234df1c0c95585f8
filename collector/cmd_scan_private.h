/* cmd_scan_private.h - what the two files of `dextwatch scan` share:
 * cmd_scan.c (options, set-up, verdicts, outputs) and cmd_scan_inputs.c
 * (files, directories, stdin and `log show` through the pipeline). */
#ifndef DW_CMD_SCAN_PRIVATE_H
#define DW_CMD_SCAN_PRIVATE_H

#include <stdbool.h>

#include "cli.h"
#include "pipeline.h"
#include "report.h"
#include "verdict.h"

/* A run: where it reports, how it decides, what went wrong. */
struct scan {
    struct dw_outputs outs;
    struct dw_verdict_policy policy;
    bool store, require_events;
    struct dw_baseline *new_baseline; /* --write-baseline */
    long ordinal;
    struct dw_report_run run;
    struct dw_buf out;
    bool input_error; /* an input could not be read: exit 2 */
    const char *db;   /* the database written, NULL with --no-store: never read as a log */
    struct cli_progress progress;
};

/* Writes sc->out to output o (and empties it), clearing the progress meter
 * first when o is the terminal (cmd_scan_inputs.c). */
void scan_emit(struct scan *sc, struct dw_output *o);

/* True for X.logarchive (a directory `log show --archive` reads). */
bool scan_is_logarchive(const char *path);
/* Scans a path: "-" (stdin), a regular file, or a directory recursively (name
 * order).  0, or -1 with the reasons in err. */
int scan_path(struct scan *sc, struct dw_pipeline *p, const char *path, struct dw_errors *err);
/* Runs `<log> show --style ndjson --info [--predicate P] <what> <arg>` and
 * scans its output.  0, or -1 with the reason (its stderr) in err. */
int scan_log_show(struct scan *sc, struct dw_pipeline *p, const char *logcmd, const char *predicate,
                  const char *what, const char *arg, struct dw_errors *err);

#endif
