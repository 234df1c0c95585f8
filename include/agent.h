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

/* Appends the plist: the template with @BIN@ and @LOG@ replaced, XML-escaped. */
void agent_plist(struct dw_buf *out, bool system, const struct dw_agent_paths *p);

/* Appends s with & < > " ' as XML entities. */
void agent_xml_escape(struct dw_buf *out, const char *s);

/* Where there is no launchd (osdep_has_launchd), install and uninstall
 * refuse (-1, err) and status says so (1).
 * Writes the plist (atomically, 0644), creates the log directory (and for the
 * daemon the database directory, 0750 group admin), and loads it with
 * `launchctl bootstrap gui/<uid>|system`.  0 or -1 (err). */
int agent_install(bool system, const struct dw_agent_paths *p, struct dw_errors *err);
/* `launchctl bootout`, then removes the plist.  0 or -1 (err). */
int agent_uninstall(bool system, const struct dw_agent_paths *p, struct dw_errors *err);
/* Prints what is installed and whether launchd runs it, to out. */
int agent_status(bool system, const struct dw_agent_paths *p, struct dw_buf *out);

#endif
