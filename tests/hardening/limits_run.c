/* limits_run.c - runs a command and checks it stayed within time and memory.
 *
 *   dw_limits_run MAX_RSS_MB MAX_SECONDS [-i INPUT] [-o OUTPUT] [-e STDERR] -- CMD ARG...
 *
 * Starts CMD (posix_spawn, stdin from INPUT or /dev/null, stdout to OUTPUT
 * or /dev/null, stderr to STDERR or inherited), kills it with SIGKILL when it
 * runs longer than MAX_SECONDS, and reads its peak resident set size from
 * wait4's rusage.  Prints "rss <MB> MB, <s> s, exit <status>" and exits 0
 * when the command finished by itself within both limits (whatever its own
 * exit status, which the caller checks in the output line or by -x), 1 when a
 * limit was exceeded or it died of a signal, 2 on a usage error.
 *   -x LIST  also fail unless its exit status is in LIST (e.g. -x 0,1). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fputs("usage: dw_limits_run MAX_RSS_MB MAX_SECONDS [-i IN] [-o OUT] [-e ERR] [-x LIST] -- "
          "CMD ARG...\n",
          stderr);
    return 2;
}

static int status_in(int status, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int found = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strtol(t, NULL, 10) == status)
            found = 1;
    free(copy);
    return found;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return usage();
    char *end;
    long max_mb = strtol(argv[1], &end, 10);
    if (*end || max_mb <= 0)
        return usage();
    double max_s = strtod(argv[2], &end);
    if (*end || max_s <= 0)
        return usage();
    const char *in = "/dev/null", *out = "/dev/null", *errp = NULL, *expect = NULL;
    int i = 3;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "-i") == 0)
            in = argv[i + 1];
        else if (strcmp(argv[i], "-o") == 0)
            out = argv[i + 1];
        else if (strcmp(argv[i], "-e") == 0)
            errp = argv[i + 1];
        else if (strcmp(argv[i], "-x") == 0)
            expect = argv[i + 1];
        else
            return usage();
    }
    if (i >= argc - 1)
        return usage();
    char **cmd = argv + i + 1;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (errp)
        posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    double t0 = now();
    int rc = posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "dw_limits_run: %s: %s\n", cmd[0], strerror(rc));
        return 2;
    }
    int status = 0, timed_out = 0;
    struct rusage ru;
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            perror("dw_limits_run: wait4");
            return 2;
        }
        if (!timed_out && now() - t0 > max_s) {
            kill(pid, SIGKILL);
            timed_out = 1;
        }
        nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    }
    double secs = now() - t0;
    double mb = (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("rss %.1f MB, %.2f s, exit %d\n", mb, secs, code);
    if (timed_out) {
        fprintf(stderr, "dw_limits_run: over %.0f s: killed\n", max_s);
        return 1;
    }
    if (mb > (double)max_mb) {
        fprintf(stderr, "dw_limits_run: peak RSS %.1f MB over %ld MB\n", mb, max_mb);
        return 1;
    }
    if (!WIFEXITED(status)) {
        fprintf(stderr, "dw_limits_run: died of signal %d\n", WTERMSIG(status));
        return 1;
    }
    if (expect && !status_in(code, expect)) {
        fprintf(stderr, "dw_limits_run: exit %d, expected %s\n", code, expect);
        return 1;
    }
    return 0;
}
