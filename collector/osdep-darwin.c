/* osdep-darwin.c - osdep.h for macOS (built only there: CMakeLists.txt;
 * tests/portability/macos_syntax.sh compiles it on Linux with SDK stand-ins). */
#define _DARWIN_C_SOURCE 1 /* libproc.h and sysctl need the Darwin types */
#include "osdep.h"

#include <errno.h>
#include <fcntl.h>
#include <libproc.h>
#include <limits.h>
#include <mach-o/dyld.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void osdep_self_exe(char *out, size_t size)
{
    char raw[PATH_MAX];
    uint32_t n = sizeof raw;
    out[0] = '\0';
    if (size < PATH_MAX)
        return; /* realpath needs PATH_MAX */
    if (_NSGetExecutablePath(raw, &n) != 0 || !realpath(raw, out))
        out[0] = '\0';
}

int osdep_default_db(struct dw_buf *out, struct dw_errors *err)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        dw_errors_add(err, "cannot find the default database: HOME is not set (use --db PATH)");
        return -1;
    }
    buf_printf(out, "%s/Library/Application Support/dextwatch/dextwatch.db", home);
    return 0;
}

/* KERN_PROCARGS2 gives: int argc, the executable path, NUL padding, then
 * argc NUL-terminated arguments (then the environment, not read). */
int osdep_proc_args(pid_t pid, struct dw_buf *raw, const char **args, size_t max)
{
    int mib[3] = {CTL_KERN, KERN_PROCARGS2, (int)pid};
    size_t size = 0;
    if (sysctl(mib, 3, NULL, &size, NULL, 0) != 0 || size < sizeof(int))
        return -1;
    char *got = xmalloc(size);
    if (sysctl(mib, 3, got, &size, NULL, 0) != 0 || size < sizeof(int)) {
        free(got);
        return -1;
    }
    buf_reset(raw);
    buf_append(raw, got, size);
    buf_putc(raw, '\0'); /* a last argument without its NUL still ends */
    free(got);
    int argc;
    memcpy(&argc, raw->data, sizeof argc);
    size_t i = sizeof argc;
    i += strnlen(raw->data + i, size - i); /* the executable path */
    while (i < size && raw->data[i] == '\0')
        i++;
    size_t na = 0;
    for (; i < size && na < max && (int)na < argc; i += strlen(raw->data + i) + 1)
        args[na++] = raw->data + i;
    return (int)na;
}

bool osdep_proc_runs(pid_t pid, const char *cmd)
{
    char exe[PROC_PIDPATHINFO_MAXSIZE], want[PATH_MAX];
    if (proc_pidpath(pid, exe, sizeof exe) <= 0 || !realpath(cmd, want))
        return false;
    return strcmp(exe, want) == 0;
}

const char *osdep_child_wrapper(void)
{
    return NULL;
}

int osdep_parent_death_signal(int sig)
{
    (void)sig;
    return -1;
}

long osdep_socket_unsent(int fd)
{
#ifdef SO_NWRITE /* absent from the Linux headers of the syntax check */
    int n = 0;
    socklen_t len = sizeof n;
    if (getsockopt(fd, SOL_SOCKET, SO_NWRITE, &n, &len) == 0)
        return n;
#else
    (void)fd;
#endif
    return 0;
}

bool osdep_has_launchd(void)
{
    return true;
}

int osdep_launchctl(char *const args[], bool quiet)
{
    char *argv[8] = {"/bin/launchctl"};
    for (int i = 0; args[i] && i < 6; i++)
        argv[i + 1] = args[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (quiet) {
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
