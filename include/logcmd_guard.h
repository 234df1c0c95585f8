/* logcmd_guard.h - keeping a `log` child from outliving dextwatch.
 *
 * logcmd.h starts the child; this header adds what a long-running watcher
 * needs on top (collector/logcmd.c; the OS differences are osdep.h's):
 *
 *  - Linux: posix_spawn cannot set a parent-death signal, so with the guard
 *    enabled logcmd_spawn starts `/proc/self/exe __child PPID CMD ARGS...`; that
 *    tiny mode (logcmd_guard_exec) sets PR_SET_PDEATHSIG=SIGTERM, checks the
 *    parent is still PPID, and execs CMD in the same process.  Even after
 *    `kill -9` of dextwatch the child gets SIGTERM at once.
 *  - Everywhere: the child starts with SIGPIPE at its default action, so it
 *    dies on its next write once nobody reads the pipe; and it stays in
 *    dextwatch's process group, which launchd kills when the job exits
 *    (unless AbandonProcessGroup is set, which our plists never do).
 *  - The pidfile (collector/watch_lock.h) records the child; logcmd_pid_is_ours tells
 *    whether a recorded pid still is such a child before it is ended. */
#ifndef DW_LOGCMD_GUARD_H
#define DW_LOGCMD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "logcmd.h"

/* Turns the exec wrapper on for later logcmd_spawn calls (only the dextwatch
 * binary itself can serve as the wrapper: call it from its commands). */
void logcmd_guard_enable(void);

/* The `dextwatch __child PPID CMD ARGS...` mode: argv[0] is "__child".  Does
 * not return on success; returns 127 after printing why on stderr. */
int logcmd_guard_exec(int argc, char **argv);

/* True when pid is running, runs cmd (osdep_proc_runs) and the argument
 * vector it was started with passes logcmd_args_are_ours.  False when that
 * cannot be verified on this system: a pid is never ended on a guess. */
bool logcmd_pid_is_ours(pid_t pid, const char *cmd);
/* Whether an argument vector is one logcmd_spawn gives a `log` child: cmd
 * (the path given to logcmd_spawn) among its first 5 arguments (the Linux
 * wrapper puts 3 before it), followed by a `stream` or `show` argument. */
bool logcmd_args_are_ours(const char *const *args, size_t n, const char *cmd);

/* Like logcmd_stop, but waits at most grace_ms after sig, then SIGKILLs. */
int logcmd_stop_within(struct dw_child *child, int sig, int grace_ms);

#endif
