/* platform.h - where things live: the rule directory and the database
 * (collector/platform.c).  The OS-specific parts are osdep.h's. */
#ifndef DW_PLATFORM_H
#define DW_PLATFORM_H

#include "util.h"

/* Rule directory: `opt` if given, else $DEXTWATCH_RULES, else the source
 * tree's rules/ when the running binary lives in its build tree, else the
 * rules installed beside the binary (<bindir>/../share/dextwatch/rules, so
 * an install to another prefix works), else the configured data directory
 * (the running binary's path, dw_self_exe, says which).  Writes into out;
 * returns out->data. */
const char *dw_rules_dir(const char *opt, struct dw_buf *out);

/* The user's rule directory, on every system:
 * $XDG_CONFIG_HOME/dextwatch/rules (when set to an absolute path), else
 * $HOME/.config/dextwatch/rules.  Writes into out; returns out->data, or NULL
 * when neither variable is set. */
const char *dw_user_rules_dir(struct dw_buf *out);

/* Default DB path: $DEXTWATCH_DB, else osdep_default_db:
 *   macOS:  ~/Library/Application Support/dextwatch/dextwatch.db
 *   others: $XDG_STATE_HOME/dextwatch/dextwatch.db (~/.local/state/...)
 * `opt` (from --db) wins over both.  Returns out->data, or NULL with a reason
 * in err when no home directory is known. */
const char *dw_db_path(const char *opt, struct dw_buf *out, struct dw_errors *err);

/* Absolute path of the running binary into out[size] (at least PATH_MAX);
 * "" when the system will not say (osdep_self_exe). */
void dw_self_exe(char *out, size_t size);

/* mkdir -p with the given mode for created directories.  0 ok, -1 errno. */
int dw_mkdirs(const char *path, unsigned mode);

#endif
