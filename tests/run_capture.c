/* run_capture.c - see run_capture.h. */
#include "run_capture.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int run_capture(char *const argv[], char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    size_t len = 0, cap = 1 << 16;
    char *buf = rc == 0 ? malloc(cap) : NULL;
    if (!buf) {
        close(fds[0]);
        if (rc == 0)
            waitpid(pid, NULL, 0);
        return -1;
    }
    ssize_t n;
    while ((n = read(fds[0], buf + len, cap - len - 1)) > 0 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        len += (size_t)n;
        if (cap - len < 4096) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    buf[len] = '\0';
    close(fds[0]);
    int st;
    if (waitpid(pid, &st, 0) < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
