/* logcmd.c - starting, watching and ending the `log` child (logcmd.h), and
 * keeping it from outliving us (logcmd_guard.h).  What differs between
 * systems (the wrapper, the parent-death signal, reading another process's
 * command line) is in osdep.h. */
#include "logcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "logcmd_guard.h"
#include "osdep.h"

extern char **environ;

static bool guard_enabled;

const char *logcmd_path(const char *opt)
{
    const char *env = getenv("DEXTWATCH_LOG_COMMAND");
    if (opt && *opt)
        return opt;
    if (env && *env)
        return env;
    return DW_LOG_COMMAND_DEFAULT;
}

void logcmd_guard_enable(void)
{
    guard_enabled = true;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int make_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++)
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    return 0;
}

int logcmd_spawn(const char *cmd, char *const args[], struct dw_child *child, struct dw_errors *err)
{
    child->pid = 0;
    child->out_fd = child->err_fd = -1;
    if (access(cmd, X_OK) != 0) {
        dw_errors_add(err, "%s: %s", cmd, strerror(errno));
        return -1;
    }
    size_t nargs = 0;
    while (args && args[nargs])
        nargs++;
    /* argv: [wrapper __child PPID] cmd args... NULL */
    char **argv = xcalloc(nargs + 5, sizeof *argv);
    char ppid[24];
    size_t k = 0;
    const char *exe = cmd;
    const char *wrapper = guard_enabled ? osdep_child_wrapper() : NULL;
    if (wrapper) {
        exe = wrapper;
        snprintf(ppid, sizeof ppid, "%ld", (long)getpid());
        argv[k++] = (char *)"dextwatch";
        argv[k++] = (char *)"__child";
        argv[k++] = ppid;
    }
    argv[k++] = (char *)cmd;
    for (size_t i = 0; i < nargs; i++)
        argv[k++] = args[i];

    int out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (make_pipe(out) != 0 || make_pipe(errp) != 0) {
        dw_errors_add(err, "%s: pipe: %s", cmd, strerror(errno));
        close_fd(&out[0]), close_fd(&out[1]), close_fd(&errp[0]), close_fd(&errp[1]);
        free(argv);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawnattr_init(&attr);
    /* the child must die of SIGPIPE even if we ignore it, and see no mask */
    sigset_t def, none;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGHUP);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(argv);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    if (rc != 0) {
        dw_errors_add(err, "%s: cannot start: %s", cmd, strerror(rc));
        close_fd(&out[0]);
        close_fd(&errp[0]);
        return -1;
    }
    child->pid = pid;
    child->out_fd = out[0];
    child->err_fd = errp[0];
    return 0;
}

static int decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

int logcmd_poll_exit(struct dw_child *child)
{
    if (child->pid <= 0)
        return -1;
    int status;
    pid_t r = waitpid(child->pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return -1;
    child->pid = 0;
    close_fd(&child->out_fd);
    close_fd(&child->err_fd);
    return r < 0 ? -1 : decode_status(status);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int logcmd_stop_within(struct dw_child *child, int sig, int grace_ms)
{
    if (child->pid <= 0) {
        close_fd(&child->out_fd);
        close_fd(&child->err_fd);
        return -1;
    }
    if (sig)
        kill(child->pid, sig);
    close_fd(&child->out_fd);
    close_fd(&child->err_fd);
    int status = 0;
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(child->pid, &status, WNOHANG);
        if (r == child->pid)
            break;
        if (r < 0 && errno != EINTR) {
            child->pid = 0;
            return -1;
        }
        if (waited >= grace_ms) {
            kill(child->pid, SIGKILL);
            while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        sleep_ms(10);
    }
    child->pid = 0;
    return decode_status(status);
}

int logcmd_stop(struct dw_child *child, int sig)
{
    return logcmd_stop_within(child, sig, 3000);
}

int logcmd_guard_exec(int argc, char **argv)
{
    if (argc < 3) {
        fputs("dextwatch __child: usage: __child PPID CMD [ARGS...]\n", stderr);
        return 127;
    }
    char *end;
    long ppid = strtol(argv[1], &end, 10);
    if (*end || ppid <= 1) {
        fputs("dextwatch __child: bad parent pid\n", stderr);
        return 127;
    }
    osdep_parent_death_signal(SIGTERM);
    if ((long)getppid() != ppid)
        return 127; /* the parent died before the signal was armed */
    execv(argv[2], argv + 2);
    fprintf(stderr, "dextwatch __child: %s: %s\n", argv[2], strerror(errno));
    return 127;
}

bool logcmd_args_are_ours(const char *const *args, size_t n, const char *cmd)
{
    bool named = false, action = false;
    for (size_t i = 0; i < n; i++) {
        if (i < 5 && strcmp(args[i], cmd) == 0)
            named = true;
        if (named && (strcmp(args[i], "stream") == 0 || strcmp(args[i], "show") == 0))
            action = true;
    }
    return named && action;
}

bool logcmd_pid_is_ours(pid_t pid, const char *cmd)
{
    if (pid <= 1 || kill(pid, 0) != 0 || !osdep_proc_runs(pid, cmd))
        return false;
    struct dw_buf raw = {0};
    const char *args[64];
    int n = osdep_proc_args(pid, &raw, args, sizeof args / sizeof args[0]);
    bool ours = n > 0 && logcmd_args_are_ours(args, (size_t)n, cmd);
    buf_free(&raw);
    return ours;
}
