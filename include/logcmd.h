/* logcmd.h - running Apple's `log` tool, or the stand-in the tests use.
 *
 * The command is a path to an executable, never a shell string: `--log-command`
 * if given, else $DEXTWATCH_LOG_COMMAND, else /usr/bin/log.  On Linux the tests
 * point it at tests/fake-log, which checks its arguments and replays recorded
 * ndjson.  Children are started with posix_spawn and an argv array; stdin is
 * /dev/null; stdout and stderr are separate pipes. */
#ifndef DW_LOGCMD_H
#define DW_LOGCMD_H

#include <sys/types.h>

#include "util.h"

#define DW_LOG_COMMAND_DEFAULT "/usr/bin/log"

struct dw_child {
    pid_t pid;  /* 0 when not running */
    int out_fd; /* child's stdout (read end), -1 when closed */
    int err_fd; /* child's stderr (read end), -1 when closed */
};

/* opt, else $DEXTWATCH_LOG_COMMAND, else DW_LOG_COMMAND_DEFAULT. */
const char *logcmd_path(const char *opt);

/* Starts `cmd args...` (args is NULL-terminated and does not include argv[0]).
 * Returns 0, or -1 with "cmd: reason" in err. */
int logcmd_spawn(const char *cmd, char *const args[], struct dw_child *child,
                 struct dw_errors *err);

/* Sends sig (if running), closes the pipes, reaps the child.  Returns its exit
 * status, 128 + signal when killed, or -1 if it was not running. */
int logcmd_stop(struct dw_child *child, int sig);

/* Non-blocking reap: returns -1 while running, else as logcmd_stop. */
int logcmd_poll_exit(struct dw_child *child);

#endif
