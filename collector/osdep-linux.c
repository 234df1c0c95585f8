/* osdep-linux.c - osdep.h for Linux, and the portable answers for other
 * systems that are not macOS (built everywhere but on macOS: CMakeLists.txt). */
#include "osdep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>

#ifdef __linux__
#include <linux/sockios.h>
#include <sys/prctl.h>
#endif

void osdep_self_exe(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

int osdep_default_db(struct dw_buf *out, struct dw_errors *err)
{
    const char *home = getenv("HOME");
    const char *state = getenv("XDG_STATE_HOME");
    if (state && *state == '/') {
        buf_printf(out, "%s/dextwatch/dextwatch.db", state);
    } else if (home && *home) {
        buf_printf(out, "%s/.local/state/dextwatch/dextwatch.db", home);
    } else {
        dw_errors_add(err, "cannot find the default database: neither XDG_STATE_HOME nor HOME "
                           "is set (use --db PATH)");
        return -1;
    }
    return 0;
}

int osdep_proc_args(pid_t pid, struct dw_buf *raw, const char **args, size_t max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[4096];
    size_t n;
    buf_reset(raw);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && raw->len < (64u << 10))
        buf_append(raw, chunk, n);
    fclose(f);
    buf_putc(raw, '\0'); /* a last argument without its NUL still ends */
    size_t na = 0;
    for (size_t i = 0; i + 1 < raw->len && na < max; i += strlen(raw->data + i) + 1)
        args[na++] = raw->data + i;
    return (int)na;
}

bool osdep_proc_runs(pid_t pid, const char *cmd)
{
    (void)pid, (void)cmd;
    return true;
}

const char *osdep_child_wrapper(void)
{
#ifdef __linux__
    return "/proc/self/exe";
#else
    return NULL;
#endif
}

int osdep_parent_death_signal(int sig)
{
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, sig) == 0 ? 0 : -1;
#else
    (void)sig;
    return -1;
#endif
}

long osdep_socket_unsent(int fd)
{
#if defined(__linux__) && defined(SIOCOUTQ)
    int n = 0;
    if (ioctl(fd, SIOCOUTQ, &n) == 0)
        return n;
#else
    (void)fd;
#endif
    return 0;
}

bool osdep_has_launchd(void)
{
    return false;
}

int osdep_launchctl(char *const args[], bool quiet)
{
    (void)args, (void)quiet;
    return -1;
}
