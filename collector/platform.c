/* platform.c - where things live on macOS and elsewhere.  The one place that
 * knows about ~/Library, XDG directories and how to find the running binary. */
#include "platform.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

void dw_self_exe(char *out, size_t size)
{
    out[0] = '\0';
#ifdef __APPLE__
    char raw[PATH_MAX];
    uint32_t n = sizeof raw;
    if (_NSGetExecutablePath(raw, &n) == 0 && !realpath(raw, out))
        out[0] = '\0';
    (void)size;
#else
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    out[n > 0 ? n : 0] = '\0';
#endif
}

const char *dw_rules_dir(const char *opt, struct dw_buf *out)
{
    buf_reset(out);
    const char *env = getenv("DEXTWATCH_RULES");
    if (opt && *opt) {
        buf_puts(out, opt);
    } else if (env && *env) {
        buf_puts(out, env);
    } else {
        char exe[PATH_MAX], build[PATH_MAX];
        dw_self_exe(exe, sizeof exe);
        const char *b = realpath(DW_BUILD_DIR, build) ? build : DW_BUILD_DIR;
        size_t n = strlen(b);
        if (exe[0] && strncmp(exe, b, n) == 0 && exe[n] == '/')
            buf_puts(out, DW_SOURCE_RULES);
        else
            buf_puts(out, DW_DATADIR "/rules");
    }
    return buf_cstr(out);
}

const char *dw_db_path(const char *opt, struct dw_buf *out, struct dw_errors *err)
{
    buf_reset(out);
    const char *env = getenv("DEXTWATCH_DB");
    if (opt && *opt) {
        buf_puts(out, opt);
        return out->data;
    }
    if (env && *env) {
        buf_puts(out, env);
        return out->data;
    }
    const char *home = getenv("HOME");
#ifdef __APPLE__
    if (!home || !*home) {
        dw_errors_add(err, "cannot find the default database: HOME is not set (use --db PATH)");
        return NULL;
    }
    buf_printf(out, "%s/Library/Application Support/dextwatch/dextwatch.db", home);
#else
    const char *state = getenv("XDG_STATE_HOME");
    if (state && *state == '/') {
        buf_printf(out, "%s/dextwatch/dextwatch.db", state);
    } else if (home && *home) {
        buf_printf(out, "%s/.local/state/dextwatch/dextwatch.db", home);
    } else {
        dw_errors_add(err, "cannot find the default database: neither XDG_STATE_HOME nor HOME "
                           "is set (use --db PATH)");
        return NULL;
    }
#endif
    return out->data;
}

int dw_mkdirs(const char *path, unsigned mode)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}
