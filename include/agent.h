/* agent.h - launchd: the plist that runs `dextwatch watch` in the background,
 * and installing it (macOS only; --print works everywhere).  The templates
 * are the files in packaging/launchd/; collector/agent.c holds the same text. */
#ifndef DW_AGENT_H
#define DW_AGENT_H

#include <stdbool.h>

#include "util.h"

#define DW_AGENT_LABEL "org.dextwatch.watch"

struct dw_agent_paths {
    char *plist; /* where the plist goes */
    char *log;   /* StandardOutPath/StandardErrorPath */
    char *bin;   /* absolute path of this dextwatch binary */
};

/* Fills p for a LaunchAgent (system false: ~/Library/...) or a LaunchDaemon
 * (/Library/...).  0, or -1 with a reason in err.  Free with agent_paths_free. */
int agent_paths(bool system, struct dw_agent_paths *p, struct dw_errors *err);
void agent_paths_free(struct dw_agent_paths *p);

/* The watch options install passes through to the plist (checked by the
 * caller: a duration, URLs, a size).  NULL/0: watch's default. */
struct dw_agent_opts {
    const char *db;             /* made absolute (launchd starts jobs in /); the daemon's
                                 * default is DW_AGENT_SYSTEM_DB */
    const char *retain;         /* --retain */
    const char *const *forward; /* --forward, each its own argument */
    size_t nforward;
    const char *log_max; /* --log-max of the --log file */
};

#define DW_AGENT_SYSTEM_DB "/Library/Application Support/dextwatch/dextwatch.db"

/* Appends the plist: the template with @BIN@, @LOG@ and @ARGS@ replaced,
 * XML-escaped; @ARGS@ is one <string> per argument of watch: the daemon's
 * --db and --group admin, the options of o, then --log LOG.  0, or -1 with
 * the reason in err when a value cannot be written in a plist (a control
 * character other than tab, newline and carriage return: XML 1.0 has no
 * way to say it). */
int agent_plist(struct dw_buf *out, bool system, const struct dw_agent_paths *p,
                const struct dw_agent_opts *o, struct dw_errors *err);

/* Appends s with & < > " ' as XML entities and tab, newline and carriage
 * return as character references (a literal CR would be read back as a
 * newline).  0, or -1 when s holds another control character (nothing of it
 * appended after that point). */
int agent_xml_escape(struct dw_buf *out, const char *s);

/* Where there is no launchd (osdep_has_launchd), install and uninstall
 * refuse (-1, err) and status says so (1).
 * Writes the plist (atomically, 0644), creates the log directory (and for the
 * daemon the database directory, 0750 group admin), and loads it with
 * `launchctl bootstrap gui/<uid>|system`.  0 or -1 (err). */
int agent_install(bool system, const struct dw_agent_paths *p, const struct dw_agent_opts *o,
                  struct dw_errors *err);
/* `launchctl bootout`, then removes the plist.  0 or -1 (err). */
int agent_uninstall(bool system, const struct dw_agent_paths *p, struct dw_errors *err);
/* Prints what is installed and whether launchd runs it, to out. */
int agent_status(bool system, const struct dw_agent_paths *p, struct dw_buf *out);

#endif
