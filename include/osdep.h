/* osdep.h - what differs between operating systems, one small function per
 * concern, as tmux's osdep-<os>.c.  Exactly one of collector/osdep-darwin.c
 * (macOS) and collector/osdep-linux.c (Linux, and the portable answers for
 * other systems) is built; the rest of the code has no #ifdef __APPLE__.
 * tests/portability/macos_syntax.sh compiles osdep-darwin.c on Linux. */
#ifndef DW_OSDEP_H
#define DW_OSDEP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* Absolute path of the running binary into out[size]; "" when the system
 * will not say (Linux /proc/self/exe, macOS _NSGetExecutablePath). */
void osdep_self_exe(char *out, size_t size);

/* The default database path (without $DEXTWATCH_DB or --db) into out:
 *   macOS:  ~/Library/Application Support/dextwatch/dextwatch.db
 *   others: $XDG_STATE_HOME/dextwatch/dextwatch.db (~/.local/state/...)
 * 0, or -1 with a reason in err when no home directory is known. */
int osdep_default_db(struct dw_buf *out, struct dw_errors *err);

/* The argument vector process pid was started with: the strings go into raw
 * (NUL-separated), pointers to them into args[max].  Returns how many, or -1
 * when the system cannot tell (no such process, not allowed, unsupported). */
int osdep_proc_args(pid_t pid, struct dw_buf *raw, const char **args, size_t max);

/* Whether pid runs the executable cmd itself.  On macOS its image path must
 * be cmd's real path (a script run by an interpreter cannot be told apart
 * from others, and is refused); elsewhere the command line is all there is
 * to check (the tests' `log` stand-in is a script), so this is true. */
bool osdep_proc_runs(pid_t pid, const char *cmd);

/* The executable that can wrap a child so that it dies with us (Linux:
 * /proc/self/exe, whose `__child` mode arms the parent-death signal), or
 * NULL where there is no parent-death signal (macOS: the child is ended by
 * SIGPIPE and by launchd ending the process group instead). */
const char *osdep_child_wrapper(void);

/* Asks for sig when the parent dies (Linux PR_SET_PDEATHSIG).  0, or -1 where
 * the system has no such thing. */
int osdep_parent_death_signal(int sig);

/* Bytes written to a stream socket and not yet acknowledged by the peer
 * (Linux SIOCOUTQ, macOS SO_NWRITE); 0 when the system cannot tell. */
long osdep_socket_unsent(int fd);

/* Whether launchd exists here (macOS). */
bool osdep_has_launchd(void);
/* Runs /bin/launchctl with args (NULL-terminated, at most 6), its output to
 * /dev/null when quiet.  Returns its exit status; -1 when it did not run
 * (always, where there is no launchd). */
int osdep_launchctl(char *const args[], bool quiet);

#endif
