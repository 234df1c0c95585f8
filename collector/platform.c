/* platform.c - where things live: the rule directory, the database, and
 * mkdir -p.  What differs between systems (~/Library or XDG, how to find
 * the running binary) is in osdep.h. */
#include "platform.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osdep.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

void dw_self_exe(char *out, size_t size)
{
    osdep_self_exe(out, size);
}

/* The rules beside an installed binary: <bindir>/DW_BINDIR_TO_DATADIR/rules,
 * with exe resolved through symbolic links (a Homebrew bin/ link points into
 * the Cellar), so an install moved to another prefix (`cmake --install
 * --prefix P`, a relocated package) still finds its own rules.  True and
 * out set when that directory exists. */
static bool installed_rules(const char *exe, struct dw_buf *out)
{
    char real[PATH_MAX];
    if (!exe[0] || !realpath(exe, real))
        return false;
    char *slash = strrchr(real, '/');
    if (!slash)
        return false;
    *slash = '\0';
    struct dw_buf dir = {0};
    buf_printf(&dir, "%s/%s/rules", real, DW_BINDIR_TO_DATADIR);
    struct stat st;
    bool ok = stat(dir.data, &st) == 0 && S_ISDIR(st.st_mode);
    if (ok)
        buf_puts(out, dir.data);
    buf_free(&dir);
    return ok;
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
        else if (!installed_rules(exe, out))
            buf_puts(out, DW_DATADIR "/rules");
    }
    return buf_cstr(out);
}

const char *dw_user_rules_dir(struct dw_buf *out)
{
    buf_reset(out);
    const char *config = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (config && config[0] == '/')
        buf_printf(out, "%s/dextwatch/rules", config);
    else if (home && *home)
        buf_printf(out, "%s/.config/dextwatch/rules", home);
    else
        return NULL;
    return out->data;
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
    if (osdep_default_db(out, err) != 0)
        return NULL;
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
