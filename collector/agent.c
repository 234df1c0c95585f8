/* agent.c - launchd plists and `launchctl`.  The one file that knows about
 * launchd; whether it exists and running launchctl are osdep.h's. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osdep.h"
#include "platform.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* packaging/launchd/dextwatch.agent.plist.in */
static const char agent_template[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<!-- dextwatch LaunchAgent: `dextwatch agent install` writes this to\n"
    "     ~/Library/LaunchAgents/org.dextwatch.watch.plist with @BIN@ (the dextwatch\n"
    "     binary) and @LOG@ (~/Library/Logs/dextwatch/watch.log) filled in, and one\n"
    "     string per argument in place of the ARGS marker: the options given to\n"
    "     install, then the log option naming that file.  watch keeps the file within\n"
    "     its bound itself; StandardErrorPath only catches what is said before watch\n"
    "     opens it. -->\n"
    "<plist version=\"1.0\">\n"
    "<dict>\n"
    "\t<key>Label</key>\n"
    "\t<string>org.dextwatch.watch</string>\n"
    "\t<key>ProgramArguments</key>\n"
    "\t<array>\n"
    "\t\t<string>@BIN@</string>\n"
    "\t\t<string>watch</string>\n"
    "@ARGS@\t</array>\n"
    "\t<key>RunAtLoad</key>\n"
    "\t<true/>\n"
    "\t<key>KeepAlive</key>\n"
    "\t<true/>\n"
    "\t<key>ThrottleInterval</key>\n"
    "\t<integer>30</integer>\n"
    "\t<key>ProcessType</key>\n"
    "\t<string>Background</string>\n"
    "\t<key>LowPriorityIO</key>\n"
    "\t<true/>\n"
    "\t<key>StandardOutPath</key>\n"
    "\t<string>@LOG@</string>\n"
    "\t<key>StandardErrorPath</key>\n"
    "\t<string>@LOG@</string>\n"
    "</dict>\n"
    "</plist>\n";

/* packaging/launchd/dextwatch.daemon.plist.in */
static const char daemon_template[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<!-- dextwatch LaunchDaemon (root): `sudo dextwatch agent install` with the\n"
    "     system option writes this to /Library/LaunchDaemons/org.dextwatch.watch.plist\n"
    "     with @BIN@ (the dextwatch binary) and @LOG@ (/Library/Logs/dextwatch/watch.log)\n"
    "     filled in, and one string per argument in place of the ARGS marker: the\n"
    "     database (by default /Library/Application Support/dextwatch/dextwatch.db),\n"
    "     group admin, the options given to install, then the log option naming that\n"
    "     file.  The database is readable by the admin group, so admin users can run\n"
    "     `dextwatch recent` on it without sudo.  watch keeps the log within its bound\n"
    "     itself; StandardErrorPath only catches what is said before watch opens it. -->\n"
    "<plist version=\"1.0\">\n"
    "<dict>\n"
    "\t<key>Label</key>\n"
    "\t<string>org.dextwatch.watch</string>\n"
    "\t<key>ProgramArguments</key>\n"
    "\t<array>\n"
    "\t\t<string>@BIN@</string>\n"
    "\t\t<string>watch</string>\n"
    "@ARGS@\t</array>\n"
    "\t<key>RunAtLoad</key>\n"
    "\t<true/>\n"
    "\t<key>KeepAlive</key>\n"
    "\t<true/>\n"
    "\t<key>ThrottleInterval</key>\n"
    "\t<integer>30</integer>\n"
    "\t<key>ProcessType</key>\n"
    "\t<string>Background</string>\n"
    "\t<key>LowPriorityIO</key>\n"
    "\t<true/>\n"
    "\t<key>StandardOutPath</key>\n"
    "\t<string>@LOG@</string>\n"
    "\t<key>StandardErrorPath</key>\n"
    "\t<string>@LOG@</string>\n"
    "</dict>\n"
    "</plist>\n";

int agent_xml_escape(struct dw_buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&apos;");
            break;
        case '\t':
        case '\n':
        case '\r':
            buf_printf(out, "&#%d;", *s);
            break;
        default:
            if ((unsigned char)*s < 0x20)
                return -1;
            buf_putc(out, *s);
        }
    }
    return 0;
}

/* One <string> of ProgramArguments; -1 (err) when value cannot be written. */
static int plist_arg(struct dw_buf *out, const char *value, struct dw_errors *err)
{
    buf_puts(out, "\t\t<string>");
    if (agent_xml_escape(out, value) != 0) {
        /* cli_errors escapes it for the terminal */
        dw_errors_add(err, "'%s': a control character cannot be written in a plist", value);
        return -1;
    }
    buf_puts(out, "</string>\n");
    return 0;
}

/* The arguments of watch after `watch`, as <string> lines. */
static int plist_args(struct dw_buf *out, bool system, const struct dw_agent_paths *p,
                      const struct dw_agent_opts *o, struct dw_errors *err)
{
    struct dw_buf db = {0};
    const char *dbv = o->db ? o->db : system ? DW_AGENT_SYSTEM_DB : NULL;
    if (dbv && dbv[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            dw_errors_add(err, "--db %s: cannot make it absolute: %s", dbv, strerror(errno));
            return -1;
        }
        buf_printf(&db, "%s/%s", cwd, dbv);
        dbv = db.data;
    }
    int rc = 0;
    if (dbv)
        rc |= plist_arg(out, "--db", err) | plist_arg(out, dbv, err);
    if (system)
        rc |= plist_arg(out, "--group", err) | plist_arg(out, "admin", err);
    if (o->retain)
        rc |= plist_arg(out, "--retain", err) | plist_arg(out, o->retain, err);
    for (size_t i = 0; i < o->nforward; i++)
        rc |= plist_arg(out, "--forward", err) | plist_arg(out, o->forward[i], err);
    rc |= plist_arg(out, "--log", err) | plist_arg(out, p->log, err);
    if (o->log_max)
        rc |= plist_arg(out, "--log-max", err) | plist_arg(out, o->log_max, err);
    buf_free(&db);
    return rc ? -1 : 0;
}

int agent_plist(struct dw_buf *out, bool system, const struct dw_agent_paths *p,
                const struct dw_agent_opts *o, struct dw_errors *err)
{
    for (const char *t = system ? daemon_template : agent_template; *t;) {
        if (strncmp(t, "@BIN@", 5) == 0) {
            if (agent_xml_escape(out, p->bin) != 0) {
                dw_errors_add(err, "the path of the dextwatch binary has a control character");
                return -1;
            }
            t += 5;
        } else if (strncmp(t, "@LOG@", 5) == 0) {
            if (agent_xml_escape(out, p->log) != 0) {
                dw_errors_add(err, "the log path has a control character");
                return -1;
            }
            t += 5;
        } else if (strncmp(t, "@ARGS@", 6) == 0) {
            if (plist_args(out, system, p, o, err) != 0)
                return -1;
            t += 6;
        } else {
            buf_putc(out, *t++);
        }
    }
    return 0;
}

int agent_paths(bool system, struct dw_agent_paths *p, struct dw_errors *err)
{
    memset(p, 0, sizeof *p);
    char bin[PATH_MAX];
    dw_self_exe(bin, sizeof bin);
    if (!bin[0]) {
        dw_errors_add(err, "cannot find the path of the dextwatch binary");
        return -1;
    }
    p->bin = xstrdup(bin);
    struct dw_buf b = {0};
    if (system) {
        p->plist = xstrdup("/Library/LaunchDaemons/" DW_AGENT_LABEL ".plist");
        p->log = xstrdup("/Library/Logs/dextwatch/watch.log");
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || *home != '/') {
        dw_errors_add(err, "HOME is not set: cannot place the LaunchAgent");
        agent_paths_free(p);
        return -1;
    }
    buf_printf(&b, "%s/Library/LaunchAgents/" DW_AGENT_LABEL ".plist", home);
    p->plist = buf_steal(&b);
    buf_printf(&b, "%s/Library/Logs/dextwatch/watch.log", home);
    p->log = buf_steal(&b);
    return 0;
}

void agent_paths_free(struct dw_agent_paths *p)
{
    free(p->plist);
    free(p->log);
    free(p->bin);
    memset(p, 0, sizeof *p);
}

static void domain(bool system, char out[64])
{
    if (system)
        snprintf(out, 64, "system");
    else
        snprintf(out, 64, "gui/%ld", (long)getuid());
}

static int dir_of(const char *path, struct dw_buf *out)
{
    buf_reset(out);
    buf_puts(out, path);
    char *slash = strrchr(out->data, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* Where there is no launchd: nothing is written. */
static int no_launchd(struct dw_errors *err)
{
    dw_errors_add(err, "launchd agents are macOS-only: nothing was written (use --print to "
                       "see the plist, or run `dextwatch watch` under your own supervisor)");
    return -1;
}

int agent_install(bool system, const struct dw_agent_paths *p, const struct dw_agent_opts *o,
                  struct dw_errors *err)
{
    if (!osdep_has_launchd())
        return no_launchd(err);
    struct dw_buf text = {0}, dir = {0}, tmp = {0};
    int rc = -1;
    if (agent_plist(&text, system, p, o, err) != 0)
        goto out;
    if (dir_of(p->log, &dir) == 0 && dw_mkdirs(dir.data, 0755) != 0) {
        dw_errors_add(err, "%s: %s", dir.data, strerror(errno));
        goto out;
    }
    if (system && !o->db) {
        const char *dbdir = "/Library/Application Support/dextwatch";
        struct group *g = getgrnam("admin");
        if (dw_mkdirs(dbdir, 0750) != 0) {
            dw_errors_add(err, "%s: %s", dbdir, strerror(errno));
            goto out;
        }
        if (g && chown(dbdir, 0, g->gr_gid) == 0)
            chmod(dbdir, 0750);
    }
    if (dir_of(p->plist, &dir) == 0 && dw_mkdirs(dir.data, 0755) != 0) {
        dw_errors_add(err, "%s: %s", dir.data, strerror(errno));
        goto out;
    }
    buf_printf(&tmp, "%s.tmp", p->plist);
    /* a fresh file (O_EXCL, never through a planted symlink), then rename */
    unlink(tmp.data);
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f && fd >= 0)
        close(fd);
    if (!f || fwrite(text.data, 1, text.len, f) != text.len || fclose(f) != 0 ||
        chmod(tmp.data, 0644) != 0 || rename(tmp.data, p->plist) != 0) {
        dw_errors_add(err, "%s: %s", p->plist, strerror(errno));
        unlink(tmp.data);
        goto out;
    }
    char dom[64], target[128];
    domain(system, dom);
    snprintf(target, sizeof target, "%s/%s", dom, DW_AGENT_LABEL);
    char *bootout[] = {"bootout", target, NULL};
    osdep_launchctl(bootout, true); /* an older copy may be loaded */
    char *bootstrap[] = {"bootstrap", dom, p->plist, NULL};
    if (osdep_launchctl(bootstrap, false) != 0) {
        dw_errors_add(err, "launchctl bootstrap %s %s failed (the plist stays; see above)", dom,
                      p->plist);
        goto out;
    }
    rc = 0;
out:
    buf_free(&text);
    buf_free(&dir);
    buf_free(&tmp);
    return rc;
}

int agent_uninstall(bool system, const struct dw_agent_paths *p, struct dw_errors *err)
{
    if (!osdep_has_launchd())
        return no_launchd(err);
    char dom[64], target[128];
    domain(system, dom);
    snprintf(target, sizeof target, "%s/%s", dom, DW_AGENT_LABEL);
    char *bootout[] = {"bootout", target, NULL};
    osdep_launchctl(bootout, true);
    if (unlink(p->plist) != 0 && errno != ENOENT) {
        dw_errors_add(err, "%s: %s", p->plist, strerror(errno));
        return -1;
    }
    return 0;
}

int agent_status(bool system, const struct dw_agent_paths *p, struct dw_buf *out)
{
    if (!osdep_has_launchd()) {
        buf_printf(out, "launchd is macOS-only: no agent here (it would be %s)\n", p->plist);
        return 1;
    }
    char dom[64], target[128];
    domain(system, dom);
    snprintf(target, sizeof target, "%s/%s", dom, DW_AGENT_LABEL);
    struct stat st;
    bool installed = stat(p->plist, &st) == 0;
    char *print[] = {"print", target, NULL};
    bool loaded = osdep_launchctl(print, true) == 0;
    buf_printf(out, "%s: %s\n", p->plist, installed ? "installed" : "not installed");
    buf_printf(out, "launchd %s: %s\n", target,
               loaded ? "loaded (details: launchctl print " : "not loaded");
    if (loaded)
        buf_printf(out, "  %s)\n", target);
    buf_printf(out, "log: %s\n", p->log);
    return installed && loaded ? 0 : 1;
}
